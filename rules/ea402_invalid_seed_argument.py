"""
## What it does
Flags `seed=` passed to a TensorFlow or Keras constructor that refuses it: the TF1 optimizers
(`tf.compat.v1.train.AdamOptimizer(seed=42)`, `tf.train.GradientDescentOptimizer(..., seed=1)`),
the Keras optimizers (`keras.optimizers.Adam`, `tf.keras.optimizers.SGD`) and the Keras layers
without randomness (`keras.layers.Dense`, `Conv2D`, `LSTM`, `Embedding`, ...), in any import
spelling. Callables that take a seed (`keras.layers.Dropout`, `GaussianNoise`, the random
preprocessing layers, `keras.initializers.*`, `tf.random.*`) are not flagged, nor are methods
whose receiver the file does not show (`dataset.shuffle(..., seed=1)`).

## Why is this bad?
The constructor raises before anything trains: TypeError for the TF1 optimizers (and, on
TensorFlow 2.15, for Keras 2 layers and optimizers), ValueError for Keras 3 layers and
optimizers, which check their keyword arguments. The line often comes from a "seed
everything" pass, so the program that was meant to become reproducible no longer starts.

## How it was verified
`tools/generate_tf_tables.py` constructs every `tf.compat.v1.train` optimizer and every class
of `keras.optimizers` and `keras.layers` (and their `tf.keras` spellings) with minimal
arguments, then again with `seed=1`, and records the classes that raise an error naming
`seed` (TensorFlow 2.21 + Keras 3.15 for targets from 2.16, TensorFlow 2.15 + Keras 2.15
below; for TensorFlow 1 targets only the TF1 optimizers are judged); `tests/test_generated_data.py`
regenerates the table. Classes that cannot be constructed without a backend or a file
(`JaxLayer`, `FlaxLayer`, `TorchModuleWrapper`, `TFSMLayer`) are left out.
`/root/venv-tf/bin/python` constructing `tf.compat.v1.train.AdamOptimizer(0.1, seed=42)`,
`keras.optimizers.Adam(seed=42)`, `keras.layers.Dense(2, seed=42)`,
`keras.layers.Dropout(0.5, seed=42)` and `keras.initializers.GlorotUniform(seed=42)` printed
"TypeError: AdamOptimizer.__init__() got an unexpected keyword argument 'seed'",
"ValueError: Argument(s) not recognized: {'seed': 42}",
"ValueError: Unrecognized keyword arguments passed to Dense: {'seed': 42}", "ok Dropout",
"ok GlorotUniform". With /root/venv-legacy (TF 2.15), `tf.keras.optimizers.Adam(seed=42)` and
`tf.keras.layers.Dense(2, seed=42)` raised TypeError.

## Example
```python
import tensorflow as tf

optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=0.001, seed=42)
dense = tf.keras.layers.Dense(64, seed=42)
```

## Use instead
```python
import tensorflow as tf

tf.keras.utils.set_random_seed(42)
optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=0.001)
dense = tf.keras.layers.Dense(64, kernel_initializer=tf.keras.initializers.GlorotUniform(seed=42))
```

## Fix safety
Safe: the call raises as written, so dropping the `seed=` argument changes no working behaviour.
"""

import ast

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.knowledge.calls import tf_spelling
from estimator_audit.knowledge.tfapi import version_text
from estimator_audit.knowledge.tfsymbols import rejects_seed
from estimator_audit.rule import CallRule, Invalid, Valid

OPTIMIZER = "optimizer"
LAYER = "layer"


def kind(name: str) -> str:
    last = name.rsplit(".", 1)[-1]
    return OPTIMIZER if ".optimizers." in name or last.endswith("Optimizer") else LAYER


class InvalidSeedArgument(CallRule):
    code = "EA402"
    name = "invalid-seed-argument"
    severity = Severity.ERROR
    summary = "seed= passed to a TensorFlow or Keras constructor that raises on it."
    triggers = ("seed",)
    fix_safety = FixSafety.SAFE
    valid = (
        Valid(
            """
            import keras
            import tensorflow as tf
            drop = keras.layers.Dropout(0.5, seed=1)
            noise = tf.keras.layers.GaussianNoise(0.1, seed=1)
            init = keras.initializers.GlorotUniform(seed=1)
            dense = keras.layers.Dense(4, kernel_initializer=init)
            x = tf.random.normal([2], seed=1)
            ds = tf.data.Dataset.range(10).shuffle(10, seed=1)
            opt = tf.compat.v1.train.AdamOptimizer(0.1)
            """
        ),
        Valid(
            """
            class Dense:
                def __init__(self, units, seed=None):
                    self.units, self.seed = units, seed
            layer = Dense(4, seed=1)
            from my_project.layers import AdamOptimizer
            opt = AdamOptimizer(seed=1)
            """
        ),
        Valid(
            """
            import tf_keras
            dense = tf_keras.layers.Dense(4, seed=1)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=0.001, seed=42)
            """,
            at=((2, 13),),
            message="raises TypeError",
            fixed="""
            import tensorflow as tf
            optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=0.001)
            """,
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf1
            from tensorflow import keras
            opt = tf1.train.MomentumOptimizer(0.1, 0.9, seed=1)
            adam = keras.optimizers.Adam(1e-3, seed=1)
            """,
            at=((3, 7), (4, 8)),
            message="optimizers draw no random numbers",
        ),
        Invalid(
            """
            import keras
            from tensorflow.keras.layers import Dense
            a = keras.layers.Dense(64, seed=42)
            b = Dense(64,
                      seed=42)
            """,
            at=((3, 5), (4, 5)),
            message="raises ValueError",
            fixed="""
            import keras
            from tensorflow.keras.layers import Dense
            a = keras.layers.Dense(64)
            b = Dense(64)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            opt = tf.train.GradientDescentOptimizer(0.5, seed=7)
            """,
            at=((2, 7),),
            message="tf.train.GradientDescentOptimizer",
        ),
    )

    def matches(self, name: str, node: ast.Call) -> bool:
        return any(k.arg == "seed" for k in node.keywords) and self.error(name) is not None

    def fix(self, name: str, node: ast.Call) -> Fix | None:
        edit = Edit(EditAction.REMOVE_KEYWORD, self.context.span(node), "seed")
        return Fix(FixSafety.SAFE, "drop the seed= argument", (edit,))

    def error(self, name: str) -> str | None:
        return rejects_seed(name, self.context.settings.target)

    def message(self, name: str, node: ast.Call) -> str:
        error = self.error(name)
        target = version_text(self.context.settings.target)
        if kind(name) == OPTIMIZER:
            instead = (
                "drop it: optimizers draw no random numbers, so there is nothing to seed "
                "(seed the program with keras.utils.set_random_seed)"
            )
        else:
            instead = (
                "drop it and seed the layer's initializers instead "
                "(kernel_initializer=keras.initializers.GlorotUniform(seed=...)) or the "
                "program with keras.utils.set_random_seed"
            )
        return (
            f"{tf_spelling(name)}(seed=...) raises {error} on TensorFlow {target}: it takes "
            f"no seed argument; {instead}"
        )
