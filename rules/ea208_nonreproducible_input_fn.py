"""
## What it does
Flags `numpy_input_fn(..., shuffle=True)` and `pandas_input_fn(..., shuffle=True)` in every
spelling: `tf.compat.v1.estimator.inputs`, `tf.estimator.inputs` (TensorFlow 1.x), the
`tensorflow_estimator` package and its internal `numpy_io` / `pandas_io` modules, through any
import alias. `shuffle` may be passed by keyword or as the fifth positional argument; a value
the file does not show (`shuffle=is_training`) is given the benefit of the doubt.
`shuffle=False` is deterministic and not flagged (leaving `shuffle` out raises `ValueError`).

## Why is this bad?
These input functions feed a queue from Python threads. With `shuffle=True` the feeder starts
reading at a random row that it draws right after calling `random.seed(None)`, which reseeds
Python's global `random` from OS entropy. `RunConfig(tf_random_seed=...)` only seeds the graph
(the shuffle queue), and `random.seed` / `np.random.seed` set earlier are overwritten, so the
batches, and therefore the trained weights, differ on every run. (The same `random.seed(None)`
also runs with `shuffle=False`, silently discarding any `random.seed` the program set before.)

## How it was verified
Source: tensorflow-estimator 2.15 (`/root/venv-legacy`),
`tensorflow_estimator/python/estimator/inputs/numpy_io.py` lines 191-197 and
`pandas_io.py` lines 132-139 call `feeding_functions._enqueue_data` without a `seed`;
`inputs/queues/feeding_functions.py` line 465 passes `seed_i = None` on to the feeders, whose
constructors call `random.seed(seed)` and then
`self._trav = random.randrange(self._max) if random_start else 0` with `random_start=shuffle`
(lines 167-168 `_ArrayFeedFn`, 210-211 `_OrderedDictNumpyFeedFn`, 253-254 `_PandasFeedFn`).
`numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, ...)` raises
`ValueError` unless `shuffle` is a bool.

Run: under TensorFlow 2.15.1 + tensorflow-estimator 2.15.0, this script was run twice with
`shuffle=True` and twice with `shuffle=False`:
```python
x = {"x": np.arange(32, dtype=np.float32)}
y = np.arange(32, dtype=np.float32) * 3.0 + 1.0
input_fn = tf.compat.v1.estimator.inputs.numpy_input_fn(x, y, batch_size=4, shuffle=shuffle, num_epochs=1)
est = tf.estimator.LinearRegressor(feature_columns=[tf.feature_column.numeric_column("x")],
                                   model_dir=tempfile.mkdtemp(),
                                   config=tf.estimator.RunConfig(tf_random_seed=1))
est.train(input_fn, steps=3)
print([est.get_variable_value(n).ravel().tolist() for n in
       ("linear/linear_model/x/weights", "linear/linear_model/bias_weights")])
```
With `shuffle=True` the final weights were `[0.43410876], [0.44371208]` then
`[0.43654346], [0.44252384]`; adding `random.seed(0)`, `np.random.seed(0)` and
`tf.random.set_seed(0)` at the top still gave two different results. With `shuffle=False` both
runs printed `[0.58509928], [0.55502105]`. Replacing `random.seed` so that `random.seed(None)`
became `random.seed(0)`, three `shuffle=True` runs printed the same `[0.44000044], [0.44374415]`:
the reseed is what varies (with 32 rows the queue never filled; on larger data the order in which
the queue-runner thread fills the shuffle queue may add more variation). `pandas_input_fn` is
covered by the source reading only (pandas is not installed in that environment).

## Example
```python
import tensorflow as tf

train_input_fn = tf.compat.v1.estimator.inputs.numpy_input_fn(
    x={"x": features}, y=labels, batch_size=32, num_epochs=None, shuffle=True
)
```

## Use instead
```python
import tensorflow as tf

def train_input_fn():
    dataset = tf.data.Dataset.from_tensor_slices(({"x": features}, labels))
    return dataset.shuffle(buffer_size=len(labels), seed=42).repeat().batch(32)
```

## Fix safety
Unsafe, the same fix as EA107's: the helper becomes an input function over a `tf.data`
pipeline that shuffles with the configured seed (`.shuffle(queue_capacity, seed=42)`), so the
order of the batches changes once, on purpose, and is then the same on every run: two runs of a
LinearRegressor (`RunConfig(tf_random_seed=1)`) trained 5 steps on the fixed input function under
TensorFlow 2.15 + tensorflow-estimator 2.15 ended with the same weight (0.624024510383606).
"""

from __future__ import annotations

import ast

from estimator_audit.findings import Fix, FixSafety, Severity
from estimator_audit.fixes import input_fn_as_dataset
from estimator_audit.knowledge.calls import UNKNOWN, argument, calls_by_name, innermost_function, tf_spelling
from estimator_audit.knowledge.rngs import flag_value
from estimator_audit.rule import CallRule, Invalid, Valid

PARAMETERS = ("x", "y", "batch_size", "num_epochs", "shuffle", "queue_capacity", "num_threads")
FUNCTIONS = ("numpy_input_fn", "pandas_input_fn")
MODULES = {
    "numpy_input_fn": ("numpy_io", "inputs"),
    "pandas_input_fn": ("pandas_io", "inputs"),
}
NAMES = frozenset(
    [
        f"{namespace}.{function}"
        for namespace in (
            "tensorflow.estimator.inputs",
            "tensorflow.compat.v1.estimator.inputs",
        )
        for function in FUNCTIONS
    ]
    + [
        f"{package}.python.estimator.inputs.{module}.{function}"
        for package in ("tensorflow", "tensorflow_estimator")
        for function in FUNCTIONS
        for module in MODULES[function]
    ]
)

# tf.contrib.learn's wrappers of the same functions (TensorFlow 1.x), whose shuffle defaults to
# True (learn_io/numpy_io.py, pandas_io.py: "diffs from the core version with default `shuffle`").
CONTRIB_NAMES = frozenset(
    [f"tensorflow.contrib.learn.io.{function}" for function in FUNCTIONS]
    + [f"tensorflow.contrib.learn.python.learn.learn_io.{MODULES[function][0]}.{function}" for function in FUNCTIONS]
)


class NonreproducibleInputFn(CallRule):
    code = "EA208"
    name = "nonreproducible-input-fn"
    severity = Severity.ERROR
    fix_safety = FixSafety.UNSAFE
    summary = "numpy_input_fn/pandas_input_fn with shuffle=True: no seed makes its batches repeat."
    triggers = FUNCTIONS
    names = NAMES | CONTRIB_NAMES
    valid = (
        Valid(
            """
            import tensorflow as tf
            eval_fn = tf.compat.v1.estimator.inputs.numpy_input_fn(x, y, shuffle=False)
            def make(is_training):
                return tf.compat.v1.estimator.inputs.numpy_input_fn(x, y, shuffle=is_training)
            """
        ),
        Valid(
            """
            def numpy_input_fn(x, y, shuffle=True):
                return lambda: (x, y)
            train_fn = numpy_input_fn(x, y, shuffle=True)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def train_input_fn():
                dataset = tf.data.Dataset.from_tensor_slices(({"x": features}, labels))
                return dataset.shuffle(1000, seed=42).batch(32)
            """
        ),
        Valid(
            """
            from tensorflow.compat.v1.estimator.inputs import pandas_input_fn
            predict_fn = pandas_input_fn(frame, None, 128, 1, False)
            options = {"shuffle": True}
            unknown = pandas_input_fn(frame, **options)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf

            def input_fn(x, y, batch_size, shuffle=True):
                return tf.compat.v1.estimator.inputs.numpy_input_fn(x, y, batch_size=batch_size, shuffle=shuffle)

            train = input_fn(features, labels, 32)  # shuffles: the default
            evaluate = input_fn(features, labels, 32, shuffle=False)
            """,
            at=((4, 12),),
            target="2.15",
        ),
        Invalid(
            """
            import tensorflow as tf
            train = tf.contrib.learn.io.numpy_input_fn({"x": x}, y, batch_size=4, num_epochs=None)
            evaluate = tf.contrib.learn.io.numpy_input_fn({"x": x}, y, shuffle=False)
            """,
            at=((2, 9),),
            message="whose shuffle defaults to True in tf.contrib.learn, is not reproducible",
            target="2.15",
        ),
        Invalid(
            """
            import tensorflow as tf
            config = tf.estimator.RunConfig(tf_random_seed=42)
            train_fn = tf.compat.v1.estimator.inputs.numpy_input_fn(
                x={"x": features}, y=labels, batch_size=32, num_epochs=None, shuffle=True)
            """,
            at=((3, 12),),
            message="RunConfig",
            fixed="""
            import tensorflow as tf
            config = tf.estimator.RunConfig(tf_random_seed=42)
            train_fn = lambda: (
                tf.data.Dataset.from_tensor_slices(({"x": features}, labels))
                .shuffle(1000, seed=42)
                .repeat()
                .batch(32)
            )
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.compat.v1.estimator.inputs import pandas_input_fn as pif
            from tensorflow_estimator.python.estimator.inputs import numpy_io
            a = tf.estimator.inputs.numpy_input_fn(x, y, 128, None, True)
            b = pif(frame, y=target, shuffle=True)
            c = numpy_io.numpy_input_fn(x, shuffle=True)
            """,
            at=((4, 5), (5, 5), (6, 5)),
            message="tf.data.Dataset.from_tensor_slices",
        ),
        Invalid(
            """
            import tensorflow_estimator as tfe
            SHUFFLE = True
            def input_fn():
                return tfe.estimator.inputs.numpy_input_fn(x, y, shuffle=SHUFFLE)
            """,
            at=((4, 12),),
        ),
    )

    def matches(self, name: str, node: ast.Call) -> bool:
        if name not in self.names:
            return False
        default = True if name in CONTRIB_NAMES else None
        shuffle = flag_value(node, "shuffle", PARAMETERS, default, self.context.assigned_value)
        return shuffle is True or (shuffle is UNKNOWN and self.shuffled_by_a_caller(node))

    def shuffled_by_a_caller(self, node: ast.Call) -> bool:
        """`shuffle=shuffle`, a parameter of the function around the call defaulting to True that
        some call of that function in the module leaves out or passes as True (`def
        _input_fn(x, y, batch_size, shuffle=True)` called `_input_fn(x, y, 32)` to train)."""
        given = argument(node, "shuffle", PARAMETERS)
        function = innermost_function(self.context.ancestors)
        if not isinstance(given, ast.Name) or function is None:
            return False
        names = [a.arg for a in function.args.args]
        defaults = dict(zip(names[len(names) - len(function.args.defaults):], function.args.defaults, strict=True))
        default = defaults.get(given.id)
        if given.id not in names or not (isinstance(default, ast.Constant) and default.value is True):
            return False
        passed = [argument(call, given.id, names) for call in calls_by_name(self.context.tree, function.name)]
        return any(value is None or (isinstance(value, ast.Constant) and value.value is True) for value in passed)

    def fix(self, name: str, node: ast.Call) -> Fix | None:
        if name in CONTRIB_NAMES:
            return None  # (tf.contrib is gone: EA106 says so; the rewrite reads tf.estimator's spelling)
        return input_fn_as_dataset(self.context, node, name.rsplit(".", 1)[-1])

    def message(self, name: str, node: ast.Call) -> str:
        function = name.rsplit(".", 1)[-1]
        if name.startswith(("tensorflow_estimator.python.", "tensorflow.python.", "tensorflow.contrib.learn.python.")):
            spelled = function
        else:
            spelled = tf_spelling(name)
        defaulted = not any(k.arg == "shuffle" for k in node.keywords) and len(node.args) < 5
        called = f"{spelled}(...), whose shuffle defaults to True in tf.contrib.learn," if defaulted else \
            f"{spelled}(shuffle=True)"
        return (
            f"{called} is not reproducible: its feeder calls random.seed(None), "
            "reseeding Python's random from OS entropy, and starts at a random row, so neither "
            "RunConfig(tf_random_seed=...) (which only seeds the graph) nor random.seed/np.random.seed "
            "makes the batches repeat; use tf.data.Dataset.from_tensor_slices(...)"
            ".shuffle(buffer_size, seed=...) instead"
        )
