"""
## What it does
Flags a function parameter that defaults to `None` and is passed, as it is, to a seeding call:
`np.random.seed(seed)`, `random.seed(seed)`, `tf.random.set_seed(seed)`,
`keras.utils.set_random_seed(seed)`, `np.random.RandomState(seed)`,
`np.random.default_rng(seed)`, or a `random_state=seed` argument (pandas `DataFrame.sample`,
scikit-learn splits; not scikit-learn's `Lasso`/`ElasticNet` family without `selection="random"`,
nor `LogisticRegression`/`Ridge` without a sampling solver, which never read it). A function that replaces the `None` itself (`if seed is None: ...`,
`seed = seed or 42`) is not flagged. Also an integer flag the module defines with a None default
(`tf.flags.DEFINE_integer("random_state", None, ...)`, absl's too) passed, as `FLAGS.random_state`,
to a seeding call: the program is unseeded unless run with the flag.

## Why is this bad?
`np.random.seed(None)` and `random.seed(None)` reseed from the operating system's entropy, and
`random_state=None` draws from NumPy's global RNG (seeded only if the program calls
`np.random.seed`), and `random.Random(None)`, `np.random.RandomState(None)` and
`default_rng(None)` make a generator from OS entropy that no global seed reaches: every call
that leaves the parameter out gets a different data split or shuffle, and
`np.random.seed(None)` also throws away any global seed set earlier. A parameter the function
tests before the call (`if seed: rnd = random.Random(seed)`) is not flagged. The pattern is common in data modules (`load_data(seed=None)` splitting with
`data.sample(frac=0.7, random_state=seed)`, as in TensorFlow's own cookbook samples), whose
callers rarely pass the seed: the model is then trained and evaluated on different examples on
every run, whatever TensorFlow seeds the program sets.

## How it was verified
With NumPy 1.26 and pandas 2.2 (`/root/venv-legacy`), `np.random.seed(0)` followed by
`np.random.seed(None)` and `np.random.rand()` printed a different number in each of two runs;
`DataFrame.sample(frac=0.7, random_state=None)` picked different rows in each of two runs after
`np.random.seed(None)`, and the same rows with `random_state=42`. tensorflow/models'
`samples/cookbook/regression/automobile_data.py` (`load_data(y_name="price",
train_fraction=0.7, seed=None)`) split the automobile data differently on each run, so
`estimator-audit compare` of `linear_regression.py` against its rewrite found other examples in
the two programs' batches.

## Example
```python
import numpy as np

def load_data(data, train_fraction=0.7, seed=None):
    np.random.seed(seed)
    train = data.sample(frac=train_fraction, random_state=seed)
    return train, data.drop(train.index)
```

## Use instead
```python
import numpy as np

def load_data(data, train_fraction=0.7, seed=42):
    np.random.seed(seed)
    train = data.sample(frac=train_fraction, random_state=seed)
    return train, data.drop(train.index)
```

## Fix safety
Unsafe: the default becomes the `seed` setting (default 42); callers that pass a seed are
unchanged, and the others get one fixed draw of what was random. Where random-by-default is
the function's documented contract (a sampling command whose `seed=None` means "a new sample
each run"), keep it and pass a seed where runs must repeat.
"""

import ast
import re

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.knowledge.calls import argument, calls_by_name
from estimator_audit.knowledge.rngs import bound_target, unread_local
from estimator_audit.knowledge.seeding import RNG, SEEDING_CALLS
from estimator_audit.rule import Invalid, Rule, Valid

# Calls whose first argument (or `seed=`) seeds a global RNG or makes a generator from it.
SEEDED_BY_ARGUMENT = frozenset({
    "numpy.random.seed", "random.seed", "tensorflow.random.set_seed", "tensorflow.compat.v1.set_random_seed",
    "tensorflow.compat.v1.random.set_random_seed", "keras.utils.set_random_seed",
    "tensorflow.keras.utils.set_random_seed", "numpy.random.RandomState", "numpy.random.default_rng",
    "random.Random",
})
# Those of them that make a new generator rather than reseed a global one.
GENERATORS = frozenset({"numpy.random.RandomState", "numpy.random.default_rng", "random.Random"})
# Integer flag definitions: absl's, and TensorFlow's tf.flags / tf.app.flags wrappers of them.
FLAG_DEFINER = re.compile(r"(?:^absl\.|^tensorflow\.(?:compat\.v1\.)?(?:app\.)?)flags\.DEFINE_integer$")
# Functions whose purpose is a random draw (text generation, sampling): `seed=None` may be their contract.
SAMPLER = re.compile(r"generate|sample|sampling", re.IGNORECASE)


# scikit-learn estimators that read `random_state` only under a non-default option (scikit-learn's
# documentation of each: "Used when selection == 'random'", "Used when solver == 'sag', 'saga' or
# 'liblinear'"): the option and its values that draw.
COORDINATE_DESCENT = ("selection", frozenset({"random"}))
RANDOM_ONLY_WITH: dict[str, tuple[str, frozenset[str]]] = {
    **{name: COORDINATE_DESCENT for name in ("Lasso", "ElasticNet", "MultiTaskLasso", "MultiTaskElasticNet",
                                             "LassoCV", "ElasticNetCV", "MultiTaskLassoCV", "MultiTaskElasticNetCV")},
    "LogisticRegression": ("solver", frozenset({"sag", "saga", "liblinear"})),
    "Ridge": ("solver", frozenset({"sag", "saga"})),
    "RidgeClassifier": ("solver", frozenset({"sag", "saga"})),
}


class SeedParameterNone(Rule):
    code = "EA209"
    name = "seed-parameter-none"
    severity = Severity.WARNING
    summary = "A seed parameter that defaults to None: calls without it reseed from OS entropy."
    triggers = ("seed", "random_state")
    fix_safety = FixSafety.UNSAFE
    valid = (
        Valid(
            """
            import numpy as np
            from absl import flags
            flags.DEFINE_integer(name="seed", default=None, help="seeds NumPy when given")
            FLAGS = flags.FLAGS

            def get_inputs():
                if FLAGS.seed is not None:  # tested: unseeded runs are what the flag's absence means
                    np.random.seed(FLAGS.seed)
            """
        ),
        Valid(
            """
            import numpy as np

            class RewardScale:
                def __init__(self, env, scale, seed=None):
                    self._env, self._scale = env, scale
                    self._rng = np.random.RandomState(seed)  # never drawn from

                def step(self, action):
                    return self._env.step(action) * self._scale
            """
        ),
        Valid(
            """
            import numpy as np

            def white_noise(time, noise_level=1, seed=None):
                rnd = np.random.RandomState(seed)
                return rnd.randn(len(time)) * noise_level

            series = white_noise(np.arange(100), 5, seed=42)  # every call passes the seed
            """
        ),
        Valid(
            """
            from sklearn import linear_model

            def sparse_fit(x, y, random_state=None):  # cyclic selection never reads random_state
                model = linear_model.Lasso(alpha=0.1, random_state=random_state)
                return model.fit(x, y)
            """
        ),
        Valid(
            """
            import numpy as np
            def load_data(data, seed=42):
                np.random.seed(seed)
                return data.sample(frac=0.7, random_state=seed)
            """
        ),
        Valid(
            """
            import numpy as np
            def load_data(data, seed=None):
                if seed is None:
                    seed = 42
                np.random.seed(seed)
                return data.sample(frac=0.7, random_state=seed)
            def shuffled(data, seed=None):
                return data.sample(frac=1.0, random_state=seed or 7)
            """
        ),
        Valid(
            """
            def load_data(data, seed=None):
                print(seed)
                return data
            """
        ),
        Valid(
            """
            import random
            def get_random_int(low, high, seed=None):
                rnd = random
                if seed:
                    rnd = random.Random(seed)
                return rnd.randint(low, high)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import numpy as np
            import tensorflow as tf

            tf.compat.v1.flags.DEFINE_integer("random_state", None, "seed for the graph and the splits")
            tf.compat.v1.flags.DEFINE_integer("batch_size", None, "not a seed")
            FLAGS = tf.compat.v1.flags.FLAGS

            def main(_):
                tf.compat.v1.set_random_seed(FLAGS.random_state)
            """,
            at=((4, 51),),
            message="unless the program is run with --random_state, it leaves TensorFlow's global seed unset",
            fixed="""
            import numpy as np
            import tensorflow as tf

            tf.compat.v1.flags.DEFINE_integer("random_state", 42, "seed for the graph and the splits")
            tf.compat.v1.flags.DEFINE_integer("batch_size", None, "not a seed")
            FLAGS = tf.compat.v1.flags.FLAGS

            def main(_):
                tf.compat.v1.set_random_seed(FLAGS.random_state)
            """,
        ),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf

            def generate(sess, output, length=100, seed=None):  # a new text on each call, by design
                np.random.seed(seed)
                tf.compat.v1.set_random_seed(seed)
                return sess.run(output)
            """,
            at=((4, 45),),
            message="keep the None default but draw from a generator of its own",
        ),
        Invalid(
            """
            import numpy as np
            def load_data(data, train_fraction=0.7, seed=None):
                np.random.seed(seed)
                train = data.sample(frac=train_fraction, random_state=seed)
                return train, data.drop(train.index)
            """,
            at=((2, 46),),
            message="`np.random.seed(seed)` at line 3",
            fixed="""
            import numpy as np
            def load_data(data, train_fraction=0.7, seed=42):
                np.random.seed(seed)
                train = data.sample(frac=train_fraction, random_state=seed)
                return train, data.drop(train.index)
            """,
        ),
        Invalid(
            """
            from sklearn.model_selection import train_test_split
            def split(x, y, *, random_state=None):
                return train_test_split(x, y, test_size=0.2, random_state=random_state)
            """,
            at=((2, 33),),
            message="unless the program calls np.random.seed first",
        ),
        Invalid(
            """
            import random
            def jitter(values, seed=None):
                rnd = random.Random(seed)
                return [v + rnd.random() for v in values]
            """,
            at=((2, 25),),
            message="makes a generator seeded from OS entropy, which no global seed reaches",
        ),
    )

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        arguments = node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults = list(zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults,
                            strict=True))
        defaults += [(arg, default) for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults,
                                                            strict=True) if default is not None]
        nones = {parameter.arg: default for parameter, default in defaults
                 if isinstance(default, ast.Constant) and default.value is None}
        if not nones:
            return
        handled: set[str] = set()  # given a value of its own, or tested (`seed is None`, `seed or 42`)
        seeding: dict[str, ast.Call] = {}
        for inner in ast.walk(node):  # one walk for all the parameters
            if isinstance(inner, ast.Name) and inner.id in nones and not isinstance(inner.ctx, ast.Load):
                handled.add(inner.id)
            elif isinstance(inner, (ast.Compare, ast.BoolOp, ast.IfExp, ast.If, ast.While, ast.Assert)):
                tested = inner if isinstance(inner, (ast.Compare, ast.BoolOp)) else inner.test
                handled.update(part.id for part in ast.walk(tested) if isinstance(part, ast.Name))
            elif isinstance(inner, ast.Call):
                for parameter in nones.keys() - seeding.keys():
                    if self.seeds_with(inner, parameter):
                        seeding[parameter] = inner
        for parameter, default in nones.items():
            if parameter not in handled and parameter in seeding and not self.always_passed(node, parameter) \
                    and not self.never_drawn(node, seeding[parameter]):
                self.check(node, parameter, default, seeding[parameter])

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        """`tf.set_random_seed(FLAGS.random_state)` where the module defines that flag with a None
        default: unseeded unless the program is run with the flag."""
        name = self.context.call_name(node) or ""
        if name not in SEEDED_BY_ARGUMENT and name not in SEEDING_CALLS:
            return
        value = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "seed"), None)
        if not (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name)):
            return
        default = self.flag_defaults().get(value.attr)
        if default is None or any(  # `if FLAGS.seed is not None: np.random.seed(FLAGS.seed)`: tested
                isinstance(a, (ast.If, ast.IfExp, ast.While)) and any(
                    isinstance(part, ast.Attribute) and part.attr == value.attr for part in ast.walk(a.test))
                for a in self.context.ancestors):
            return
        seed = self.context.settings.seed
        self.report(
            default,
            f"the flag `{value.attr}` defaults to None and reaches `{ast.unparse(node)}` at line {node.lineno}: "
            f"unless the program is run with --{value.attr}, it {self.consequence(node)}; default it to {seed}",
            Fix(FixSafety.UNSAFE, f"default the flag `{value.attr}` to {seed} (runs without it get fixed draws)",
                (Edit(EditAction.REPLACE, self.context.span(default), text=str(seed)),)),
        )

    def flag_defaults(self) -> dict[str, ast.Constant]:
        """The None defaults of the integer flags the module defines (`tf.flags.DEFINE_integer(
        "random_state", None, "...")`, absl's too), by flag name."""
        if "ea209_flags" not in self.context.memo:
            found: dict[str, ast.Constant] = {}
            for call in (node for node in ast.walk(self.context.tree) if isinstance(node, ast.Call)):
                if not FLAG_DEFINER.search(self.context.call_name(call) or ""):
                    continue
                flag = argument(call, "name", ("name", "default"))
                default = argument(call, "default", ("name", "default"))
                if isinstance(flag, ast.Constant) and isinstance(flag.value, str) and isinstance(
                        default, ast.Constant) and default.value is None:
                    found[flag.value] = default
            self.context.memo["ea209_flags"] = found
        flags: dict[str, ast.Constant] = self.context.memo["ea209_flags"]
        return flags

    def always_passed(self, function: ast.FunctionDef | ast.AsyncFunctionDef, parameter: str) -> bool:
        """Whether every call of a module-level function that nothing else imports passes the
        parameter (`white_noise(time, level, seed=42)`, a notebook's only call): the None default
        is never used."""
        if function not in self.context.tree.body:
            return False
        positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        calls = calls_by_name(self.context.tree, function.name)
        uses = sum(isinstance(node, ast.Name) and node.id == function.name for node in ast.walk(self.context.tree))
        if not calls or uses != len(calls):
            return False  # not called, or handed on somewhere (`map(noise, ...)`)
        passed = all(isinstance(argument(call, parameter, positional), ast.expr) for call in calls)
        return passed and not self.context.project.importers(self.context.source.path)  # (the costly test last)

    def never_drawn(self, function: ast.FunctionDef | ast.AsyncFunctionDef, seeding: ast.Call) -> bool:
        """A generator made and never drawn from: bound to a local name the function never reads,
        or to a private attribute (`self._rng = np.random.RandomState(seed)`) the module names
        nowhere else (bsuite's RewardScale, whose sibling wrapper draws from its own)."""
        if self.context.call_name(seeding) not in GENERATORS:
            return False
        if unread_local(function, seeding):
            return True
        target = bound_target(function, seeding)
        if isinstance(target, ast.Attribute) and target.attr.startswith("_"):
            return len(re.findall(rf"\.{re.escape(target.attr)}\b", self.context.source.text)) == 1
        return False

    def check(self, function: ast.FunctionDef | ast.AsyncFunctionDef, parameter: str, default: ast.Constant,
              seeding: ast.Call) -> None:
        shown = ast.get_source_segment(self.context.source.text, seeding) or ""
        if "\n" in shown or len(shown) > 60:
            shown = f"random_state={parameter}"
        seed = self.context.settings.seed
        what = (f"`{parameter}` defaults to None and reaches `{shown}` at line {seeding.lineno}: every call "
                f"that leaves it out {self.consequence(seeding)}")
        if SAMPLER.match(function.name.lstrip("_")):
            # (gpt-2-simple's generate(sess, seed=None): a new sample per call is its contract)
            own = (" but draw from a generator of its own (np.random.default_rng(seed)), which leaves the program's "
                   "global seed alone" if self.context.call_name(seeding) in SEEDED_BY_ARGUMENT else "")
            self.report(default, f"{what}; callers whose runs must repeat have to pass a seed (if a new sample on "
                        f"each call is what `{function.name}` is for, keep the None default{own}; no automatic fix)",
                        None)
            return
        self.report(
            default, f"{what}; default it to {seed}",
            Fix(FixSafety.UNSAFE, f"default `{parameter}` to {seed} (callers leaving it out get fixed draws)",
                (Edit(EditAction.REPLACE, self.context.span(default), text=str(seed)),)),
        )

    def consequence(self, seeding: ast.Call) -> str:
        """What None does at this call: reseed a global RNG, make a generator from OS entropy, or
        draw from NumPy's global RNG (`random_state=None`)."""
        name = self.context.call_name(seeding)
        if RNG.TENSORFLOW in SEEDING_CALLS.get(name or "", frozenset()) and RNG.NUMPY not in SEEDING_CALLS[name or ""]:
            return ("leaves TensorFlow's global seed unset, so random ops and initializers draw new values on "
                    "every run")
        if name in GENERATORS:
            return ("makes a generator seeded from OS entropy, which no global seed reaches, so what "
                    "it draws differs on every run")
        if name in SEEDED_BY_ARGUMENT:
            return "reseeds from OS entropy, so the draws differ on every run and an earlier global seed is undone"
        return ("draws from NumPy's global RNG, so the data differ on every run unless the program "
                "calls np.random.seed first")

    def draws_with_random_state(self, call: ast.Call) -> bool:
        """Whether `random_state` is read: scikit-learn's coordinate-descent models read it only
        with `selection='random'`, its linear models only with a sampling solver."""
        name = self.context.call_name(call) or ""
        option = RANDOM_ONLY_WITH.get(name.rsplit(".", 1)[-1]) if name.startswith("sklearn.") else None
        if option is None:
            return True
        keyword, drawing = option
        value = next((k.value for k in call.keywords if k.arg == keyword), None)
        return value is not None and (not isinstance(value, ast.Constant) or value.value in drawing)

    def seeds_with(self, call: ast.Call, parameter: str) -> bool:
        """Whether the call seeds (or makes a generator) from the parameter as it is."""
        def bare(value: ast.expr | None) -> bool:
            return isinstance(value, ast.Name) and value.id == parameter

        if any(keyword.arg == "random_state" and bare(keyword.value) for keyword in call.keywords):
            return self.draws_with_random_state(call)
        if self.context.call_name(call) not in SEEDED_BY_ARGUMENT:
            return False
        return bool(call.args and bare(call.args[0])) or any(
            keyword.arg == "seed" and bare(keyword.value) for keyword in call.keywords)
