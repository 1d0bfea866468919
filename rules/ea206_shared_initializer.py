"""
## What it does
Flags one random initializer instance given to more than one Keras layer: a name bound once
from `keras.initializers.GlorotUniform(...)` (or `RandomNormal`, `TruncatedNormal`, `HeNormal`,
`VarianceScaling`, `Orthogonal`... and their lowercase aliases, under `keras`, `tf.keras`,
`tf_keras` or `tf.initializers`), seeded or not, then passed as a `*_initializer` keyword
(`kernel_initializer`, `bias_initializer`, `embeddings_initializer`, ...) to two layer
constructor calls (`keras.layers.*`, `tf.keras.layers.*`, any import spelling). It is reported
once per instance, at the second layer call. A single layer call inside a loop (or a
comprehension) with an initializer bound outside that loop counts too: it builds several layers
from the one instance. TensorFlow's own `tf.random_normal_initializer` and
`tf.random_uniform_initializer` are flagged only when seeded (unseeded, they draw fresh values).

Not flagged: an instance seeded with `keras.random.SeedGenerator(...)` (Keras 3 advances it on
every call), initializers given as strings (`"glorot_uniform"` makes a new instance per layer),
uses in the two branches of one `if`, a layer constructor the file does not show to be Keras
(a project's own layer, which may clone the initializer), an initializer passed positionally,
`tf.compat.v1` initializers (two Keras layers sharing one got different weights), and sharing
the file does not show by plain names in one scope: an instance kept in an attribute
(`self.init`), returned by `keras.initializers.get(...)`, or one layer call in a function that
is called several times.

## Why is this bad?
A Keras initializer fixes its seed when it is constructed (an unseeded one draws a random seed
once, then keeps it) and calls a stateless random op with that seed every time it is called.
Every layer built with the same instance therefore starts with the same weights (where shapes
differ, the same leading values): the layers are perfectly correlated at the start, which
silently hurts training, and is usually not what the author meant.

## How it was verified
On TensorFlow 2.21 / Keras 3.15.1 (`/root/venv-tf`):
```python
init = keras.initializers.GlorotUniform(seed=1)
a = layers.Dense(3, kernel_initializer=init); b = layers.Dense(3, kernel_initializer=init)
a.build((None, 4)); b.build((None, 4))
print(np.array_equal(a.kernel.numpy(), b.kernel.numpy()))
```
printed `True`, and also `True` for the unseeded `GlorotUniform()`, `RandomNormal()`,
`Orthogonal()`, for `RandomNormal(seed=3)`, `HeNormal(seed=1)`, `VarianceScaling(seed=1)`,
`tf.keras.initializers.GlorotUniform()`, `tf.initializers.GlorotUniform()`, for two `Embedding`
layers sharing `RandomUniform(seed=5)`, for three `Dense` layers built in a loop from one
instance (seeded or not), and after `keras.utils.set_random_seed(0)`. `Dense(3)` and `Dense(5)`
sharing `RandomNormal(seed=1)` had the same first six kernel values, and a layer's bias given
the same instance got the first values of the other layer's kernel. It printed `False` for
`GlorotUniform(seed=keras.random.SeedGenerator(1))`, for `kernel_initializer="glorot_uniform"`,
for `tf.random_normal_initializer()` (but `True` with `seed=1`), and for
`tf.compat.v1.glorot_uniform_initializer(seed=1)` and the unseeded one. Keras 3's docstring says
so too: "an initializer seeded with an integer or `None` (unseeded) will produce the same random
values across multiple calls". On TensorFlow 2.15 / Keras 2.15 (`/root/venv-legacy`) the same
script printed `True` for seeded and unseeded `keras` and `tf.keras` `GlorotUniform` (Keras 2
warns "The initializer GlorotUniform is unseeded and being called multiple times, which will
return identical values each time").

## Example
```python
import keras

init = keras.initializers.GlorotUniform(seed=42)
hidden = keras.layers.Dense(64, kernel_initializer=init)
output = keras.layers.Dense(64, kernel_initializer=init)
```

## Use instead
```python
import keras

hidden = keras.layers.Dense(64, kernel_initializer=keras.initializers.GlorotUniform(seed=42))
output = keras.layers.Dense(64, kernel_initializer=keras.initializers.GlorotUniform(seed=43))
```
On Keras 3, `keras.initializers.GlorotUniform(seed=keras.random.SeedGenerator(42))` can also be
shared: it draws new values on every call, reproducibly.

## Fix safety
No automatic fix yet.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from estimator_audit.findings import Severity
from estimator_audit.knowledge.calls import argument, is_none
from estimator_audit.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

KERAS_NAMESPACES = ("keras", "tensorflow.keras", "tf_keras")
RANDOM_INITIALIZERS = frozenset(
    {
        "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform",
        "Orthogonal", "OrthogonalInitializer", "RandomNormal", "RandomUniform", "TruncatedNormal",
        "VarianceScaling", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
        "lecun_normal", "lecun_uniform", "orthogonal", "random_normal", "random_uniform",
        "truncated_normal", "variance_scaling",
    }
)
KERAS_INITIALIZERS = frozenset(
    f"{namespace}.{name}"
    for namespace in (*(f"{k}.initializers" for k in KERAS_NAMESPACES), "tensorflow.initializers")
    for name in RANDOM_INITIALIZERS
)
# TensorFlow's own initializers repeat their values only when seeded: name -> parameters.
SEEDED_TF_INITIALIZERS: dict[str, tuple[str, ...]] = {
    "tensorflow.random_normal_initializer": ("mean", "stddev", "seed"),
    "tensorflow.random_uniform_initializer": ("minval", "maxval", "seed"),
}
SEED_GENERATORS = frozenset(f"{k}.random.SeedGenerator" for k in KERAS_NAMESPACES)
LAYER = re.compile(
    r"(?:keras|tf_keras|tensorflow(?:\.compat\.v1)?\.keras)\.layers\.(?:[a-z_]+\.)*[A-Z]\w*"
)
LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass
class Instance:
    """One initializer binding and the layer calls it was given to."""

    name: str
    line: int
    uses: list[tuple[ast.Call, tuple[ast.AST, ...]]] = field(default_factory=list)
    reported: bool = False


class SharedInitializer(Rule):
    code = "EA206"
    name = "shared-initializer"
    severity = Severity.WARNING
    summary = "One random initializer instance given to several Keras layers: they get identical weights."
    triggers = ("_initializer",)
    valid = (
        Valid(
            """
            import keras
            a = keras.layers.Dense(3, kernel_initializer=keras.initializers.GlorotUniform(seed=1))
            b = keras.layers.Dense(3, kernel_initializer=keras.initializers.GlorotUniform(seed=2))
            c = keras.layers.Dense(3, kernel_initializer="glorot_uniform")
            d = keras.layers.Dense(3, kernel_initializer="glorot_uniform")
            """
        ),
        Valid(
            """
            import keras
            init = keras.initializers.GlorotUniform(seed=keras.random.SeedGenerator(1))
            a = keras.layers.Dense(3, kernel_initializer=init)
            b = keras.layers.Dense(3, kernel_initializer=init)
            zeros = keras.initializers.Zeros()
            c = keras.layers.Dense(3, bias_initializer=zeros)
            d = keras.layers.Dense(3, bias_initializer=zeros)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            layers = []
            for units in (8, 16, 32):
                init = tf.keras.initializers.HeNormal()
                layers.append(tf.keras.layers.Dense(units, kernel_initializer=init))
            unseeded = tf.random_normal_initializer(stddev=0.02)
            e = tf.keras.layers.Dense(4, kernel_initializer=unseeded)
            f = tf.keras.layers.Dense(4, kernel_initializer=unseeded)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from my_project.layers import TransformerBlock
            init = tf.keras.initializers.TruncatedNormal(stddev=0.02)
            blocks = [TransformerBlock(kernel_initializer=init) for _ in range(12)]
            if wide:
                head = tf.keras.layers.Dense(1024, kernel_initializer=init)
            else:
                head = tf.keras.layers.Dense(256, kernel_initializer=init)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            init = tf.keras.initializers.GlorotUniform()
            a = tf.keras.layers.Dense(3, kernel_initializer=init)
            init = tf.keras.initializers.GlorotUniform()
            b = tf.keras.layers.Dense(3, kernel_initializer=init)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import keras
            init = keras.initializers.GlorotUniform(seed=1)
            a = keras.layers.Dense(3, kernel_initializer=init)
            b = keras.layers.Dense(3, kernel_initializer=init)
            c = keras.layers.Dense(3, kernel_initializer=init)
            """,
            at=((4, 5),),
            message="identical weights",
        ),
        Invalid(
            """
            from tensorflow.keras import initializers, layers
            from tensorflow.keras.layers import Dense as D
            def build():
                init = initializers.truncated_normal(stddev=0.02)
                embed = layers.Embedding(1000, 64, embeddings_initializer=init)
                hidden = D(64,
                           kernel_initializer=init)
                return embed, hidden
            """,
            at=((6, 14),),
            message="line 5",
        ),
        Invalid(
            """
            import tensorflow as tf
            init = tf.keras.initializers.HeNormal()
            layers = []
            for _ in range(3):
                layers.append(tf.keras.layers.Dense(4, kernel_initializer=init))
            heads = [tf.keras.layers.Dense(2, kernel_initializer=init) for _ in range(2)]
            """,
            at=((5, 19),),
            message="loop",
        ),
        Invalid(
            """
            import tensorflow as tf
            INIT = tf.random_normal_initializer(stddev=0.02, seed=7)
            def tower(x):
                x = tf.keras.layers.Conv2D(32, 3, kernel_initializer=INIT)(x)
                return tf.keras.layers.Conv2D(32, 3, kernel_initializer=INIT)(x)
            """,
            at=((5, 12),),
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        self.instances: dict[int, Instance] = {}

    def visit_Call(self, node: ast.Call) -> None:
        name = self.context.call_name(node)
        if name is None or LAYER.fullmatch(name) is None:
            return
        seen: set[int] = set()
        for keyword in node.keywords:
            if keyword.arg is None or not keyword.arg.endswith("_initializer"):
                continue
            if not isinstance(keyword.value, ast.Name):
                continue
            value = self.context.assigned_value(keyword.value)
            if value is None or id(value) in seen or not self.repeats_values(value):
                continue
            seen.add(id(value))
            instance = self.instances.setdefault(
                id(value), Instance(keyword.value.id, value.lineno)
            )
            self.use(instance, node, value)

    def repeats_values(self, value: ast.expr) -> bool:
        """An initializer call whose instance returns the same values on every call."""
        if not isinstance(value, ast.Call):
            return False
        name = self.context.call_name(value)
        if name in KERAS_INITIALIZERS:
            arguments = [*value.args, *(k.value for k in value.keywords)]
            return not any(
                isinstance(a, ast.Call) and self.context.call_name(a) in SEED_GENERATORS
                for a in arguments
            )
        if name in SEEDED_TF_INITIALIZERS:
            seed = argument(value, "seed", SEEDED_TF_INITIALIZERS[name])
            return isinstance(seed, ast.expr) and not is_none(seed)
        return False

    def use(self, instance: Instance, node: ast.Call, value: ast.expr) -> None:
        ancestors = tuple(self.context.ancestors)
        instance.uses.append((node, ancestors))
        if instance.reported:
            return
        if in_loop(node, ancestors, value):
            instance.reported = True
            self.report(
                node,
                f"the initializer instance `{instance.name}` (line {instance.line}) is given to a "
                "layer built in a loop: a Keras initializer keeps the seed it drew when constructed "
                "(even when unseeded), so every layer built here starts with identical weights; "
                "construct a new initializer with a different seed for each layer",
            )
            return
        for earlier, earlier_ancestors in instance.uses[:-1]:
            if not exclusive(earlier, earlier_ancestors, node, ancestors):
                instance.reported = True
                self.report(
                    node,
                    f"the initializer instance `{instance.name}` (line {instance.line}) is also given "
                    f"to the layer at line {earlier.lineno}: a Keras initializer keeps the seed it drew "
                    "when constructed (even when unseeded), so both layers start with identical "
                    "weights (the same leading values where shapes differ); give each layer its own "
                    "initializer with a different seed",
                )
                return


def contains(outer: ast.AST, inner: ast.AST) -> bool:
    start = (outer.lineno, outer.col_offset)  # type: ignore[attr-defined]
    end = (outer.end_lineno, outer.end_col_offset)  # type: ignore[attr-defined]
    return start <= (inner.lineno, inner.col_offset) <= end  # type: ignore[attr-defined]


def in_loop(node: ast.Call, ancestors: tuple[ast.AST, ...], value: ast.expr) -> bool:
    """The call runs repeatedly, in a loop of its own function, with the same bound instance."""
    chain = (*ancestors, node)
    for index in range(len(ancestors) - 1, -1, -1):
        loop = ancestors[index]
        if isinstance(loop, FUNCTIONS):
            return False
        if not isinstance(loop, LOOPS) or contains(loop, value):
            continue
        child = chain[index + 1]
        if isinstance(loop, (ast.For, ast.AsyncFor, ast.While)):
            if any(child is statement for statement in loop.body):
                return True
        else:  # a comprehension: all of it repeats except the outermost iterable
            outer = loop.generators[0]
            inside = child is outer and len(chain) > index + 2 and chain[index + 2] is outer.iter
            if not inside:
                return True
    return False


def exclusive(first: ast.Call, first_ancestors: tuple[ast.AST, ...],
              second: ast.Call, second_ancestors: tuple[ast.AST, ...]) -> bool:
    """The two calls sit in different branches of one `if` (or conditional expression)."""
    first_chain = (*first_ancestors, first)
    second_chain = (*second_ancestors, second)
    for index, node in enumerate(first_ancestors):
        if index >= len(second_ancestors) or second_ancestors[index] is not node:
            return False
        if isinstance(node, (ast.If, ast.IfExp)):
            a, b = first_chain[index + 1], second_chain[index + 1]
            if branch(node, a) != branch(node, b) and None not in (branch(node, a), branch(node, b)):
                return True
    return False


def branch(node: ast.If | ast.IfExp, child: ast.AST) -> str | None:
    if isinstance(node, ast.IfExp):
        return "body" if child is node.body else "orelse" if child is node.orelse else None
    if any(child is statement for statement in node.body):
        return "body"
    if any(child is statement for statement in node.orelse):
        return "orelse"
    return None
