"""
## What it does
Flags a random number generator object created without a seed, one that no global seeding call
reaches: `np.random.default_rng()`, `np.random.RandomState()`, the NumPy bit generators
`PCG64()`, `PCG64DXSM()`, `MT19937()`, `Philox()` (without `key`), `SFC64()` and
`np.random.SeedSequence()`, Python's `random.Random()`, and TensorFlow's
`tf.random.Generator.from_non_deterministic_state()` (which takes no seed at all). "Without a
seed" means no positional seed, no seed keyword, or a literal `None`; a seed held in a variable
or passed through `**kwargs` is given the benefit of the doubt, as is a `RandomState()` or
`random.Random()` the program seeds later through its own `seed` method (`self.np_random.seed(s)`
in a gym-style `seed()`). Every import spelling counts
(`from numpy.random import default_rng`, `import numpy.random as npr`).

## Why is this bad?
These objects own their state. Created without a seed they draw it from the operating system's
entropy, so `np.random.seed`, `random.seed`, `tf.random.set_seed` and
`keras.utils.set_random_seed` (which only seed the *global* generators) never reach them:
whatever they shuffle, sample or augment differs on every run of a program that looks carefully
seeded.

## How it was verified
On NumPy 2.4.6 (`/root/venv-tf`), this script was run twice:
```python
import numpy as np, random
np.random.seed(0); random.seed(0)
print(np.random.default_rng().integers(0, 10**9), np.random.RandomState().randint(0, 10**9))
print(np.random.Generator(np.random.PCG64()).integers(0, 10**9))  # also MT19937, Philox, SFC64, PCG64DXSM
print(random.Random().randint(0, 10**9), np.random.default_rng(None).integers(0, 10**9))
print(np.random.default_rng(np.random.SeedSequence()).integers(0, 10**9))
print(np.random.randint(0, 10**9), random.randint(0, 10**9))
```
Every generator printed different numbers in the two runs (for example `default_rng` 77481682
then 783166974, `random.Random()` 682120272 then 365927573), while the global
`np.random.randint` / `random.randint` printed 209652396 / 906691059 both times. On TensorFlow
2.21 / Keras 3.15, after `keras.utils.set_random_seed(0)` and `tf.random.set_seed(0)`,
`tf.random.Generator.from_non_deterministic_state().uniform([1])` printed 0.8723527 then
0.12411749 (its signature is `(alg=None)`: there is no seed to give), and `default_rng()` and
`random.Random()` still differed between runs.

The fix's targets were checked on the same runtimes with this script, run twice:
```python
import inspect
import random

import numpy as np
import tensorflow as tf

print(np.__version__, tf.__version__, inspect.signature(tf.random.Generator.from_seed))
print(np.random.default_rng(42).integers(0, 10**9), np.random.RandomState(42).randint(0, 10**9),
      np.random.Generator(np.random.Philox(42, key=None)).integers(0, 10**9),
      random.Random(42).randint(0, 10**9))
print(tf.random.Generator.from_seed(42).uniform([1]).numpy(),
      tf.random.Generator.from_seed(42, alg="philox").uniform([1]).numpy(),
      tf.random.experimental.Generator.from_seed(42, "philox").uniform([1]).numpy(),
      tf.random.Generator.from_non_deterministic_state("philox").algorithm)
```
Both runs printed `2.4.6 2.21.0 (seed, alg=None)`, `89250953 534895718 86077630 686579303` and
`[0.7493447] [0.7493447] [0.7493447] 1`: `from_seed` takes the seed first and the same `alg`
(by keyword or second), and every seeded generator repeats its numbers.

## Example
```python
import numpy as np

np.random.seed(42)
rng = np.random.default_rng()
indices = rng.permutation(1000)
```

## Use instead
```python
import numpy as np

rng = np.random.default_rng(42)
indices = rng.permutation(1000)
```
For TensorFlow, `tf.random.Generator.from_seed(42)`.

## Fix safety
Unsafe: it changes the random stream on purpose. The fix passes the `seed` setting (default
42): as the first argument (`np.random.default_rng()` -> `np.random.default_rng(42)`,
`random.Random()` -> `random.Random(42)`, `np.random.PCG64()` -> `np.random.PCG64(42)`), in
place of a literal `None` (`default_rng(seed=None)` -> `default_rng(seed=42)`), and turns
`X.from_non_deterministic_state(alg=...)` into `X.from_seed(42, alg=...)` through the same
receiver `X`, keeping `alg`. The numbers drawn then differ from those of any earlier run, and
every fixed call site starts from the same seed: two generators that drew independent streams
now draw identical ones, and a generator created inside a function called once per epoch or
per worker repeats the same numbers on every call (e.g. the same augmentation each epoch). Pass
distinct seeds where streams must differ. No fix is offered inside a loop or comprehension,
where every iteration would get the same stream, nor for a NumPy seed setting outside
[0, 2**32), nor in a function that takes a seed or generator of its own (`def sample(seed=None)`
falling back to `random.Random()`): a fixed seed there would make every call that leaves it
out return the same numbers; the message says to derive the fallback from the global generator
(`random.Random(random.getrandbits(64))`), which global seeds reach and which still differs
from call to call.
"""

import ast
import re

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.knowledge.calls import argument, innermost_function, is_none, tf_spelling
from estimator_audit.knowledge.program import forks_workers
from estimator_audit.knowledge.rngs import in_loop, unread_local, unseeded
from estimator_audit.rule import CallRule, Invalid, Valid

# Parameter names through which a function's caller seeds it (`seed`, `random_state`, `rng`).
SEED_PARAMETER = re.compile(r"seed|random_state|^rng$|^rand$|^rnd$|generator", re.IGNORECASE)

# Constructor -> (seed parameter, parameters in order).
SEEDED_CONSTRUCTORS: dict[str, tuple[str, tuple[str, ...]]] = {
    "numpy.random.default_rng": ("seed", ("seed",)),
    "numpy.random.RandomState": ("seed", ("seed",)),
    "numpy.random.mtrand.RandomState": ("seed", ("seed",)),
    "numpy.random.PCG64": ("seed", ("seed",)),
    "numpy.random.PCG64DXSM": ("seed", ("seed",)),
    "numpy.random.MT19937": ("seed", ("seed",)),
    "numpy.random.SFC64": ("seed", ("seed",)),
    "numpy.random.Philox": ("seed", ("seed", "counter", "key")),
    "numpy.random.SeedSequence": ("entropy", ("entropy",)),
    "random.Random": ("x", ("x",)),
}
NON_DETERMINISTIC = frozenset(
    f"{namespace}.{generator}.from_non_deterministic_state"
    for namespace in ("tensorflow.random", "tensorflow.compat.v1.random")
    for generator in ("Generator", "experimental.Generator")
)
# NumPy seeds must lie in [0, 2**32) for RandomState; the fix passes no seed outside it.
NUMPY_SEEDS = range(2**32)


# Generators with a seed method of their own, which the program may call after creating them.
RESEEDABLE = frozenset({"numpy.random.RandomState", "random.Random"})


def spelling(name: str) -> str:
    if name.startswith("numpy.random.mtrand."):
        name = "numpy.random." + name[len("numpy.random.mtrand.") :]
    if name.startswith("numpy."):
        return "np." + name[len("numpy.") :]
    return tf_spelling(name)


class UnseedableRng(CallRule):
    code = "EA205"
    name = "unseedable-rng"
    severity = Severity.WARNING
    summary = "An RNG object created without a seed: global seeding calls never reach it."
    triggers = ("default_rng", "RandomState", "PCG64", "MT19937", "Philox", "SFC64", "SeedSequence",
                "Random", "from_non_deterministic_state")
    names = frozenset(SEEDED_CONSTRUCTORS) | NON_DETERMINISTIC
    fix_safety = FixSafety.UNSAFE
    valid = (
        Valid(
            """
            import numpy as np

            def run_master(tasks):
                rs = np.random.RandomState()  # left over: nothing draws from it
                return [task.run() for task in tasks]

            def distort(image, random_state=None):
                if random_state is None:
                    random_state = np.random.RandomState(None)  # a fallback the function never uses
                return image * np.random.uniform(-10, 10)
            """
        ),
        Valid(
            """
            import numpy as np
            class MnistEnv:
                def __init__(self):
                    self.np_random = np.random.RandomState()
                def seed(self, seed=None):
                    self.np_random.seed(seed)
            """
        ),
        Valid(
            """
            import numpy as np

            def rollout(env, random_stream=None, policy_seed=None):
                if policy_seed:
                    random_stream.seed(policy_seed)  # the callee seeds the generator it is given
                return random_stream.randn()

            seed = np.random.randint(2**31 - 1)
            rollout(None, random_stream=np.random.RandomState(), policy_seed=seed)
            rollout(None, np.random.RandomState(), seed)
            """
        ),
        Valid(
            """
            import numpy as np
            class NQEnv:
                def __init__(self):
                    self._rand = np.random.RandomState()
                def seed(self, seed=None):
                    self._rand = np.random.RandomState(seed)
            """
        ),
        Valid(
            """
            import numpy as np
            import random
            rng = np.random.default_rng(42)
            state = np.random.RandomState(seed=0)
            py_rng = random.Random(seed)
            gen = np.random.Generator(np.random.PCG64(7))
            philox = np.random.Philox(key=1234)
            children = np.random.SeedSequence(2024).spawn(4)
            """
        ),
        Valid(
            """
            def default_rng():
                return 4
            value = default_rng()
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf
            np.random.seed(0)
            x = np.random.rand(3)
            g = tf.random.Generator.from_seed(1)
            def make(**kwargs):
                return np.random.default_rng(**kwargs)
            class Sampler:
                def RandomState(self):
                    return 1
            Sampler().RandomState()
            """
        ),
        Valid(
            """
            from numpy import random
            r = random.Random()
            secure = __import__("random").SystemRandom()
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import numpy as np
            class Env:
                def __init__(self):
                    self._rand = np.random.RandomState()
                def reset_seed(self):
                    self._rand = np.random.RandomState()  # no argument: OS entropy again
            """,
            at=((4, 22), (6, 22)),
        ),
        Invalid(
            """
            import numpy as np

            def random_transform(prng=None):
                if prng is None:
                    prng = np.random.RandomState()  # the fallback for the caller's generator
                return prng.uniform(-0.1, 0.1)
            """,
            at=((5, 16),),
            message="where `prng` is not given, derive the seed from the global generator",
        ),
        Invalid(
            """
            import random

            def iter_sample(iterator, count, source=None):
                source = source or random.Random()  # the caller's generator, else a fresh one
                return source.sample(list(iterator), count)
            """,
            at=((4, 24),),
            message="where `source` is not given, derive the seed from the global generator",
            fixed="""
            import random

            def iter_sample(iterator, count, source=None):
                source = source or random.Random()  # the caller's generator, else a fresh one
                return source.sample(list(iterator), count)
            """,
        ),
        Invalid(
            """
            import numpy as np
            np.random.seed(42)
            rng = np.random.default_rng()
            """,
            at=((3, 7),),
            message="np.random.default_rng() without a seed",
            fixed="""
            import numpy as np
            np.random.seed(42)
            rng = np.random.default_rng(42)
            """,
        ),
        Invalid(
            """
            from numpy.random import default_rng, RandomState
            import numpy.random as npr
            a = default_rng(None)
            b = RandomState()
            c = npr.Generator(npr.PCG64())
            d = npr.default_rng(seed=None)
            """,
            at=((3, 5), (4, 5), (5, 19), (6, 5)),
            fixed="""
            from numpy.random import default_rng, RandomState
            import numpy.random as npr
            a = default_rng(42)
            b = RandomState(42)
            c = npr.Generator(npr.PCG64(42))
            d = npr.default_rng(seed=42)
            """,
        ),
        Invalid(
            """
            import random
            random.seed(0)
            shuffler = random.Random()
            """,
            at=((3, 12),),
            message="random.seed",
            fixed="""
            import random
            random.seed(0)
            shuffler = random.Random(42)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            tf.random.set_seed(1)
            g = tf.random.Generator.from_non_deterministic_state()
            h = tf.random.experimental.Generator.from_non_deterministic_state(alg="philox")
            """,
            at=((3, 5), (4, 5)),
            message="tf.random.Generator.from_seed",
            fixed="""
            import tensorflow as tf
            tf.random.set_seed(1)
            g = tf.random.Generator.from_seed(42)
            h = tf.random.experimental.Generator.from_seed(42, alg="philox")
            """,
        ),
        Invalid(
            """
            import numpy as np
            def augment(images):
                rng = np.random.default_rng(np.random.SeedSequence())
                return rng.permutation(images)
            """,
            at=((3, 33),),
        ),
        Invalid(
            """
            import numpy as onp
            from tensorflow.random import Generator as G
            def sampler(size):
                rng = onp.random.default_rng()
                bits = onp.random.Philox(
                    counter=7,  # skip the first block
                )
                state = onp.random.RandomState(
                    None,  # filled in below
                )
                return G.from_non_deterministic_state(
                    "philox"), bits, state, rng
            workers = [onp.random.default_rng() for _ in range(4)]
            """,
            at=((4, 11), (5, 12), (8, 13), (11, 12), (13, 12)),
            fixed="""
            import numpy as onp
            from tensorflow.random import Generator as G
            def sampler(size):
                rng = onp.random.default_rng(42)
                bits = onp.random.Philox(
                    42,
                    counter=7,  # skip the first block
                )
                state = onp.random.RandomState(
                    42,  # filled in below
                )
                return G.from_seed(
                    42,
                    "philox"), bits, state, rng
            workers = [onp.random.default_rng() for _ in range(4)]
            """,
        ),
        Invalid(
            """
            import random
            import numpy as np
            def get_random_int(low, high, number=5, seed=None):
                rnd = random.Random()
                if seed:
                    rnd = random.Random(seed)
                return [rnd.randint(low, high) for _ in range(number)]
            def sampler(rng=None):
                return rng or np.random.default_rng()
            """,
            at=((4, 11), (9, 19)),
            message="(no automatic fix: a fixed seed would give every such call the same numbers)",
        ),
    )

    def matches(self, name: str, node: ast.Call) -> bool:
        if name in NON_DETERMINISTIC:
            return True
        entry = SEEDED_CONSTRUCTORS.get(name)
        if entry is None:
            return False
        parameter, parameters = entry
        if name == "numpy.random.Philox" and not unseeded(node, "key", parameters):
            return False
        return unseeded(node, parameter, parameters) and not self.reseeded(name, node) and not self.never_drawn(node)

    def never_drawn(self, node: ast.Call) -> bool:
        """A generator bound to a local name its function never reads (deep-neuroevolution's
        `rs = np.random.RandomState()` left in `run_master`): it draws nothing."""
        function = innermost_function(self.context.ancestors)
        return function is not None and unread_local(function, node)

    def reseeded(self, name: str, node: ast.Call) -> bool:
        """Whether the program seeds the object later through its own `seed` method
        (`self.np_random = np.random.RandomState()` and a gym-style `seed()` calling
        `self.np_random.seed(seed)`): RandomState and random.Random have one."""
        parent = self.context.ancestors[-1] if self.context.ancestors else None
        if name in RESEEDABLE and self.seeded_by_callee(node):
            return True
        if not isinstance(parent, ast.Assign) or len(parent.targets) != 1:
            return False
        target = ast.unparse(parent.targets[0])
        if name in RESEEDABLE and f"{target}.seed(" in self.context.source.text:
            return True
        return target.startswith("self.") and self.replaced_by_seed_method(target)

    def seeded_by_callee(self, node: ast.Call) -> bool:
        """Whether the generator is an argument of a program function that seeds it through its
        parameter (deep-neuroevolution's `rollout(env, random_stream=RandomState(),
        policy_seed=seed)` calling `random_stream.seed(policy_seed)`, in another module)."""
        from estimator_audit.migrate.lookup import called  # whole-program lookup, for such arguments only

        ancestors = self.context.ancestors
        keyword = ancestors[-1] if ancestors and isinstance(ancestors[-1], ast.keyword) else None
        call = ancestors[-2 if keyword else -1] if len(ancestors) > (1 if keyword else 0) else None
        if not isinstance(call, ast.Call):
            return False
        callee = called(self.context, call)
        if callee is None or not isinstance(callee.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        parameters = [a.arg for a in (*callee.node.args.posonlyargs, *callee.node.args.args)]
        if keyword is not None:
            parameter = keyword.arg
        else:
            position = next((i for i, a in enumerate(call.args) if a is node), None)
            parameter = parameters[position] if position is not None and position < len(parameters) else None
        return parameter is not None and any(
            isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "seed"
            and isinstance(inner.func.value, ast.Name) and inner.func.value.id == parameter
            for inner in ast.walk(callee.node))

    def replaced_by_seed_method(self, target: str) -> bool:
        """Whether a seeding method of the class replaces the generator by one made from its
        argument (a gym-style `def seed(self, seed): self._rand = np.random.RandomState(seed)`,
        google-research/language's NQEnv): the program seeds it there, as with `.seed(s)`."""
        cls = next((node for node in reversed(self.context.ancestors) if isinstance(node, ast.ClassDef)), None)
        methods = [node for node in cls.body if isinstance(node, ast.FunctionDef) and "seed" in node.name
                   and len(node.args.args) > 1] if cls is not None else []
        return any(isinstance(node, ast.Assign) and len(node.targets) == 1
                   and ast.unparse(node.targets[0]) == target and isinstance(node.value, ast.Call)
                   and (node.value.args or node.value.keywords)
                   for method in methods for node in ast.walk(method))

    def message(self, name: str, node: ast.Call) -> str:
        if name in NON_DETERMINISTIC:
            return (
                f"{spelling(name)}() seeds the generator from OS entropy and takes no seed: "
                "tf.random.set_seed and keras.utils.set_random_seed do not reach it, so its numbers "
                "differ on every run; use tf.random.Generator.from_seed(seed)"
            )
        if name == "random.Random":
            globals_ = "random.seed, keras.utils.set_random_seed"
        else:
            globals_ = "np.random.seed, keras.utils.set_random_seed"
        text = (
            f"{spelling(name)}() without a seed draws its state from OS entropy: global seeding "
            f"calls ({globals_}) do not reach it, so what it draws differs on every run; "
        )
        parameter = self.seed_parameter()
        if parameter is None and forks_workers(self.context):
            return text + (f"seed it per worker, e.g. {spelling(name)}(seed + worker_index) (no automatic fix: "
                           "the program runs this code in several worker processes, and one fixed seed would "
                           "give every worker the same numbers)")
        if parameter is None:
            return text + f"pass a seed, e.g. {spelling(name)}(42)"
        drawn = "random.getrandbits(64)" if name == "random.Random" else "np.random.randint(2**31)"
        return text + (
            f"where `{parameter}` is not given, derive the seed from the global generator, e.g. "
            f"{spelling(name)}({drawn}), which global seeds reach and which still differs from call "
            f"to call (no automatic fix: a fixed seed would give every such call the same numbers)"
        )

    def seed_parameter(self) -> str | None:
        """The seed-like parameter of the innermost function around the call: the caller's way to
        seed it, for which this generator is the fallback."""
        parent = self.context.ancestors[-1] if self.context.ancestors else None
        for node in reversed(self.context.ancestors):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                arguments = node.args
                names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
                if isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.Or) and isinstance(
                        parent.values[0], ast.Name) and parent.values[0].id in names:
                    return parent.values[0].id  # `rand = rand or random.Random()`: the caller's generator
                assigned = [target.id for statement in self.context.ancestors if isinstance(statement, ast.Assign)
                            for target in statement.targets if isinstance(target, ast.Name)]
                if any(name in names for name in assigned):  # `if prng is None: prng = RandomState()`
                    return next(name for name in assigned if name in names)
                return next((n for n in names if SEED_PARAMETER.search(n)), None)
        return None

    def fix(self, name: str, node: ast.Call) -> Fix | None:
        """Pass the configured seed: in place of a literal None, else as the first argument;
        `Generator.from_non_deterministic_state(alg)` becomes `Generator.from_seed(seed, alg)`."""
        seed = self.context.settings.seed
        if in_loop(self.context.ancestors) or self.seed_parameter() is not None or forks_workers(self.context):
            return None  # every iteration, call leaving the seed out or worker would draw the same numbers
        span = self.context.span(node)
        if name in NON_DETERMINISTIC:
            if not isinstance(node.func, ast.Attribute):
                return None
            receiver = ast.unparse(node.func.value)
            edits = (Edit(EditAction.REPLACE, self.context.span(node.func), text=f"{receiver}.from_seed"),
                     Edit(EditAction.ADD_ARGUMENT, span, text=str(seed)))
            return Fix(FixSafety.UNSAFE, f"create the generator with {receiver}.from_seed({seed})", edits)
        if name != "random.Random" and seed not in NUMPY_SEEDS:
            return None
        parameter, parameters = SEEDED_CONSTRUCTORS[name]
        value = argument(node, parameter, parameters)
        if is_none(value):
            edit = Edit(EditAction.REPLACE, self.context.span(value), text=str(seed))  # type: ignore[arg-type]
        else:
            edit = Edit(EditAction.ADD_ARGUMENT, span, text=str(seed))
        return Fix(FixSafety.UNSAFE, f"seed it: {spelling(name)}({seed})", (edit,))
