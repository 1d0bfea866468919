"""
## What it does
Flags calls of the Estimator input helpers `numpy_input_fn` and `pandas_input_fn`:
`tf.compat.v1.estimator.inputs.*`, TF 1.x's `tf.estimator.inputs.*`, the `tensorflow_estimator`
package and its internal `numpy_io`/`pandas_io` modules, through any import alias. With a
`target` below 2.16 only the `tf.estimator.inputs` spelling is flagged: TensorFlow 2.15 still
has `tf.compat.v1.estimator.inputs`, but no longer `tf.estimator.inputs`.

## Why is this bad?
The helpers were removed with `tf.estimator` in TensorFlow 2.16, so on current TensorFlow the
name no longer exists and the program stops there. TF 2 had already moved them out of
`tf.estimator.inputs` into `tf.compat.v1.estimator.inputs`. They are TF1 queue-based pipelines
(a `RandomShuffleQueue` or `FIFOQueue` fed by queue-runner threads) that only an Estimator or a
TF1 session can drive. `tf.data` replaces them, and makes the shuffle order reproducible with an
explicit seed.

## How it was verified
This script, run with `/root/venv-legacy/bin/python` (TensorFlow 2.15.1, tensorflow-estimator
2.15.0):
```python
import tensorflow as tf
print(tf.__version__)
try:
    print(tf.estimator.inputs.numpy_input_fn)
except AttributeError as e:
    print("AttributeError:", e)
import tensorflow_estimator as te
print(te.estimator.inputs.numpy_input_fn)
import numpy as np
fn = tf.compat.v1.estimator.inputs.numpy_input_fn({"x": np.arange(4.0)}, np.arange(4.0),
                                                  batch_size=2, shuffle=True)
g = tf.Graph()
with g.as_default():
    feats, labels = fn()
    print([op.type for op in g.get_operations() if "Queue" in op.type])
```
printed `AttributeError: module 'tensorflow_estimator.python.estimator.api._v2.estimator' has
no attribute 'inputs'`, the function, and `['RandomShuffleQueueV2', 'QueueEnqueueManyV2',
'QueueCloseV2', 'QueueCloseV2', 'QueueSizeV2', 'QueueDequeueUpToV2']`, and logged that
`QueueRunner` is deprecated ("To construct input pipelines, use the `tf.data` module").
`dir(tf.compat.v1.estimator.inputs)` lists `numpy_input_fn` and `pandas_input_fn` (modules
`tensorflow_estimator.python.estimator.inputs.numpy_io` and `pandas_io`), and
`from tensorflow.python.estimator.inputs.pandas_io import pandas_input_fn` (TF 1.x's internal
path) still imported on 2.15. On `/root/venv-tf` (TensorFlow 2.21.0), `hasattr` walks printed
False for `tf.compat.v1.estimator.inputs.numpy_input_fn` and `pandas_input_fn`.

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

dataset = (
    tf.data.Dataset.from_tensor_slices(({"x": features}, labels))
    .shuffle(buffer_size=len(labels), seed=42)
    .batch(32)
)
```

## Fix safety
Unsafe: the call becomes an input function over a seeded `tf.data` pipeline,
`lambda: tf.data.Dataset.from_tensor_slices((x, y)).shuffle(queue_capacity, seed=42)
.repeat(num_epochs).batch(batch_size)` (defaults as tensorflow-estimator 2.15 has them:
batch_size 128, num_epochs 1, queue_capacity 1000). The queue-based helper mixed epochs in its
queue and read with `num_threads` feeder threads, so the batches differ from the old ones on
purpose: they become reproducible. A pipeline that would not fit on its line is written over
several, in parentheses, and comments written inside the call are kept above it. No fix
without the file's `import tensorflow as tf` (any alias), for `target_column`, for a `shuffle`
that is not a literal, or where the helper's result is called or dereferenced on the spot (there
EA101's rewrite puts the pipeline itself where the estimator called the helper's input_fn).
Below target 2.16, TF 1.x's `tf.estimator.inputs.*` gets the safe fix instead: its
`tf.compat.v1.estimator.inputs` name, the same function (what `compare` runs a TF1 program with).
"""

import ast

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.fixes import input_fn_as_dataset
from estimator_audit.knowledge.calls import argument, is_none, tf_spelling
from estimator_audit.knowledge.tfapi import estimator_removed, version_text
from estimator_audit.knowledge.tfsymbols import chain_base, spelling
from estimator_audit.knowledge.v1api import (
    COMPAT_INPUT_HELPERS,
    INPUT_HELPERS,
    TF1_INPUT_HELPERS,
)
from estimator_audit.rule import CallRule, Invalid, Valid

# The helpers' parameters in order (numpy_input_fn's; pandas_input_fn's differ after y only in
# queue settings), for what the suggested tf.data pipeline must keep.
HELPER_PARAMETERS = ("x", "y", "batch_size", "num_epochs", "shuffle")


def replacement(node: ast.Call) -> str:
    """The tf.data pipeline this call's arguments ask for: labels only where `y` is given, a
    seeded shuffle unless `shuffle=False`, `repeat()` for `num_epochs=None`, its batch size."""
    given = {name: argument(node, name, HELPER_PARAMETERS) for name in HELPER_PARAMETERS}
    labels = isinstance(given["y"], ast.expr) and not is_none(given["y"])
    shuffle = given["shuffle"]
    epochs = given["num_epochs"]
    batch = given["batch_size"]
    steps = [f"from_tensor_slices({'(features, labels)' if labels else 'features'})"]
    if not (isinstance(shuffle, ast.Constant) and shuffle.value is False):
        steps.append("shuffle(buffer_size, seed=...)")
    if isinstance(epochs, ast.expr) and is_none(epochs):
        steps.append("repeat()")
    elif isinstance(epochs, ast.expr) and not (isinstance(epochs, ast.Constant) and epochs.value == 1):
        steps.append(f"repeat({ast.unparse(epochs)})")
    steps.append(f"batch({ast.unparse(batch) if isinstance(batch, ast.expr) else 128})")
    return f"build the input with tf.data.Dataset.{'.'.join(steps)} instead"


class InputFnHelper(CallRule):
    code = "EA107"
    name = "input-fn-helper"
    severity = Severity.ERROR
    fix_safety = FixSafety.UNSAFE
    summary = "An Estimator input helper (numpy_input_fn, pandas_input_fn): removed in TensorFlow 2.16."
    triggers = INPUT_HELPERS
    valid = (
        Valid(
            """
            def numpy_input_fn(x, y, batch_size=128):
                return lambda: (x, y)

            train_input_fn = numpy_input_fn({"x": [1.0]}, [0.0])
            """
        ),
        Valid(
            """
            import tensorflow as tf
            dataset = tf.data.Dataset.from_tensor_slices(({"x": x}, y)).shuffle(100, seed=42).batch(32)
            """
        ),
        Valid(
            """
            from my_project.inputs import pandas_input_fn
            def make(helpers, frame):
                helpers.numpy_input_fn(frame)
                return pandas_input_fn(frame)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            predict_input = tf.compat.v1.estimator.inputs.numpy_input_fn(x={"x": test_x}, num_epochs=1, shuffle=False)
            """,
            at=((2, 17),),
            message="build the input with tf.data.Dataset.from_tensor_slices(features).batch(128) instead",
        ),
        Invalid(
            """
            import tensorflow as tf
            train_input = tf.compat.v1.estimator.inputs.numpy_input_fn(x, y, batch_size=32, num_epochs=None, shuffle=True)
            """,
            at=((2, 15),),
            message="from_tensor_slices((features, labels)).shuffle(buffer_size, seed=...).repeat().batch(32) instead",
        ),
        Invalid(
            """
            import tensorflow as tf
            train_input = tf.compat.v1.estimator.inputs.numpy_input_fn({"x": features}, labels, shuffle=True)
            features, labels = train_input()  # read as tensors: a Dataset there would break it
            """,
            at=((2, 15),),
            fixed="""
            import tensorflow as tf
            train_input = tf.compat.v1.estimator.inputs.numpy_input_fn({"x": features}, labels, shuffle=True)
            features, labels = train_input()  # read as tensors: a Dataset there would break it
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            train_input_fn = tf.compat.v1.estimator.inputs.numpy_input_fn(
                x={"x": features},
                y=labels,
                shuffle=True)
            """,
            at=((2, 18),),
            message="tf.data.Dataset.from_tensor_slices",
            fixed="""
            import tensorflow as tf
            train_input_fn = lambda: (
                tf.data.Dataset.from_tensor_slices(({"x": features}, labels))
                .shuffle(1000, seed=42)
                .batch(128)
            )
            """,
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            from tensorflow.compat import v1
            a = tf.estimator.inputs.pandas_input_fn(frame, shuffle=False)
            b = v1.estimator.inputs.numpy_input_fn({"x": x}, y)
            """,
            at=((3, 5), (4, 5)),
            message="tf.compat.v1.estimator.inputs.",
        ),
        Invalid(
            """
            import tensorflow as tf
            def main():
                from tensorflow_estimator.python.estimator.inputs.numpy_io import numpy_input_fn
                import tensorflow_estimator as tfe
                numpy_input_fn({"x": x}, y, batch_size=8)
                return tf.estimator.inputs.pandas_input_fn(frame), tfe.estimator.inputs.numpy_input_fn(x)
            """,
            at=((5, 5), (6, 12), (6, 56)),
            message="removed",
        ),
    )

    def matches(self, name: str, node: ast.Call) -> bool:
        if name in TF1_INPUT_HELPERS:
            return True
        return name in COMPAT_INPUT_HELPERS and estimator_removed(self.context.settings.target)

    def fix(self, name: str, node: ast.Call) -> Fix | None:
        target = self.context.settings.target
        if name in TF1_INPUT_HELPERS and not estimator_removed(target):
            # Below 2.16 the helper still runs under tf.compat.v1: the same function, renamed.
            chain = node.func
            base = chain_base(self.context, chain) if isinstance(chain, ast.Attribute) else None
            new = f"tensorflow.compat.v1.estimator.inputs.{TF1_INPUT_HELPERS[name]}"
            text = spelling(self.context, chain, base, new) if isinstance(chain, ast.Attribute) and base else None
            if text is None:
                return None
            return Fix(FixSafety.SAFE, f"use {text}", (Edit(EditAction.REPLACE, self.context.span(chain), text=text),))
        return input_fn_as_dataset(self.context, node, name.rsplit(".", 1)[-1])

    def message(self, name: str, node: ast.Call) -> str:
        target = version_text(self.context.settings.target)
        if name in TF1_INPUT_HELPERS:
            return (
                f"{tf_spelling(name)} does not exist in TensorFlow 2 (AttributeError: TF 2 moved "
                f"it to tf.compat.v1.estimator.inputs.{TF1_INPUT_HELPERS[name]}, and 2.16 removed that "
                f"with tf.estimator); it is a TF1 queue-based input pipeline; {replacement(node)}"
            )
        spelling = f"tf.compat.v1.estimator.inputs.{COMPAT_INPUT_HELPERS[name]}"
        return (
            f"{spelling} was removed with tf.estimator in TensorFlow 2.16, so this cannot run on "
            f"TensorFlow {target} (the name no longer exists); it is a TF1 queue-based input "
            f"pipeline; {replacement(node)}"
        )
