"""
## What it does
Flags calls of TensorFlow ops whose GPU kernel has no deterministic implementation, in every
spelling (TF1 names, `tf.compat.v1`, import aliases):

| Call | GPU kernel without a deterministic version |
|---|---|
| `tf.math.bincount` (`tf.bincount`) | `Bincount` / `DenseBincount` |
| `tf.sparse.sparse_dense_matmul` (`tf.sparse.matmul`, `tf.sparse_tensor_dense_matmul`) | `SparseTensorDenseMatMul` |
| `tf.image.adjust_contrast`, `tf.image.random_contrast`, `tf.image.stateless_random_contrast` | `AdjustContrastv2` |
| `tf.image.crop_and_resize` (its gradient) | `CropAndResizeGradImage`, `CropAndResizeGradBoxes` |
| `tf.compat.v1.image.resize_nearest_neighbor` (its gradient) | `ResizeNearestNeighborGrad` |
| `tf.image.resize` / `resize_images` with `method='nearest'`, `ResizeMethod.NEAREST_NEIGHBOR` or the V1 value `1` (its gradient) | `ResizeNearestNeighborGrad` |
| Keras 2 `UpSampling2D` with `interpolation='nearest'`, the default (its gradient) | `ResizeNearestNeighborGrad` |

`UpSampling2D` is flagged for `tf_keras` always, and for `keras` / `tf.keras` only when the
target TensorFlow is older than 2.16: Keras 3 implements nearest upsampling with `repeat`,
which has no such kernel. The finding stands whether or not the program enables op
determinism: it is information about the op, for whoever wants reproducible GPU runs.

Not flagged: calls in functions tf.data runs (passed to `map`, `flat_map`, `interleave`,
`filter` or `map_and_batch`, methods too, and the module functions they call), which tf.data runs on the CPU; and calls in a
module that makes no variable or layer, does not train and takes no gradient (augmentation in a
preprocessing module, resizing masks in a data loader, cropping for display): its functions run
in an input pipeline or in display code, where no gradient is taken and tf.data keeps them on
the CPU.

Nor a gradient-only row whose result goes straight into an op without a gradient (`tf.round`
of cropped ground-truth masks, `tf.stop_gradient`, `argmax`). Nor calls in a module-level function or class of a script, a notebook or a module the program
imports that nothing names (in the module or its importers): it never runs. Nor the gradient-only rows (crop-and-resize, nearest resizing) where the image is computed only
from placeholders and constants (a state preprocessor that resizes a fed frame before feeding it
to the network): no gradient passes through it, so its gradient op is never built.

## Why is this bad?
On a GPU these kernels accumulate with atomic operations, so their results (for the
gradient rows: the gradients) can differ from run to run. Once
`tf.config.experimental.enable_op_determinism()` is on, TensorFlow refuses to run them on a
GPU and raises `UnimplementedError`, typically only when training reaches the op. Their CPU
kernels run under op determinism.

## How it was verified
This machine has no GPU (TensorFlow 2.21 is the `tensorflow_cpu` wheel, whose libraries hold
none of the GPU messages). This script was run with `/root/venv-tf` (TF 2.21, Keras 3.15) and
`/root/venv-legacy` (TF 2.15, Keras 2.15):

```python
import tensorflow as tf
tf.config.experimental.enable_op_determinism()
img = tf.random.uniform((1, 8, 8, 3), seed=1)
def grad(f, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)
calls = {
    "bincount": lambda: tf.math.bincount(tf.constant([1, 2, 2])),
    "sparse_dense_matmul": lambda: tf.sparse.sparse_dense_matmul(tf.sparse.from_dense(tf.eye(3)), tf.ones((3, 2))),
    "adjust_contrast": lambda: tf.image.adjust_contrast(img, 2.0),
    "stateless_random_contrast": lambda: tf.image.stateless_random_contrast(img, 0.5, 2.0, seed=(1, 2)),
    "random_contrast": lambda: tf.image.random_contrast(img, 0.5, 2.0, seed=1),
    "grad crop_and_resize": lambda: grad(lambda x: tf.image.crop_and_resize(x, [[0., 0., 1., 1.]], [0], (4, 4)), img),
    "grad resize nearest": lambda: grad(lambda x: tf.image.resize(x, (16, 16), method="nearest"), img),
    "grad v1 resize_nearest_neighbor": lambda: grad(lambda x: tf.compat.v1.image.resize_nearest_neighbor(x, (16, 16)), img),
    "grad v1 resize_images(method=1)": lambda: grad(lambda x: tf.compat.v1.image.resize_images(x, (16, 16), method=1), img),
    "grad UpSampling2D": lambda: grad(tf.keras.layers.UpSampling2D(), img),
}
for name, call in calls.items():
    call(); tf.function(call)()  # eager and graph: neither raises on the CPU
    graph = tf.function(call).get_concrete_function().graph
    ops = sorted({op.type for op in graph.get_operations()} & {
        "Bincount", "DenseBincount", "SparseTensorDenseMatMul", "AdjustContrastv2", "CropAndResizeGradImage",
        "CropAndResizeGradBoxes", "ResizeNearestNeighborGrad", "Tile"})
    print(f"{name}: ran on CPU; kernels {ops}")
try:
    tf.random.uniform(())
except RuntimeError as error:
    print("determinism is on:", str(error)[:55])
```

On both, every call ran without error on the CPU, eagerly and as a graph, and the last line
printed `determinism is on: Random ops require a seed...`. The kernels printed were
`DenseBincount`, `SparseTensorDenseMatMul`, `AdjustContrastv2` (all three contrast calls),
`CropAndResizeGradBoxes` + `CropAndResizeGradImage`, and `ResizeNearestNeighborGrad` for the
three nearest-neighbour resizes; for `UpSampling2D` it printed `['Tile']` on Keras 3.15
(`keras/src/layers/reshaping/up_sampling2d.py` uses `ops.repeat` for `"nearest"`) and
`['ResizeNearestNeighborGrad']` on Keras 2.15.

That these GPU kernels raise was taken from TensorFlow's source, not run here:

- `tensorflow/core/kernels/image/adjust_contrast_op.cc` (tensorflow/tensorflow @14d11d7):
  `"A deterministic GPU implementation of AdjustContrastv2 is not currently available."`
- `tensorflow/core/kernels/image/crop_and_resize_op.cc` (@0983cbc):
  `"Deterministic GPU implementation of CropAndResizeBackpropImage not available."` and the
  same for `CropAndResizeBackpropBoxes` (the CPU image gradient runs single-threaded instead).
- `tensorflow/python/ops/image_grad_d9m_test.py` (@0450e3c): a GPU-only test expects
  `'A deterministic GPU implementation of ResizeNearestNeighborGrad is not currently available.'`
  from the gradient of `resize_nearest_neighbor`, and the two `CropAndResize` messages.
- `tensorflow/python/kernel_tests/math_ops/bincount_op_test.py` (@018fab6):
  `"Determinism is not yet supported in GPU implementation of (Dense)?Bincount."`
- `tensorflow/python/kernel_tests/sparse_ops/sparse_tensor_dense_matmul_op_deterministic_test.py`
  (@3a2c6ae): `"A deterministic GPU implementation of SparseTensorDenseMatmulOp is not currently available."`
- NVIDIA/framework-reproducibility `doc/d9m/tensorflow_status.md` lists these as having no
  GPU-deterministic solution (and bilinear resizing as having one, since TF 2.8).

## Example
```python
import tensorflow as tf

counts = tf.math.bincount(labels, minlength=10)
upsampled = tf.image.resize(features, (64, 64), method="nearest")
model.fit(upsampled, counts)
```

## Use instead
```python
import tensorflow as tf

with tf.device("/CPU:0"):
    counts = tf.math.bincount(labels, minlength=10)
upsampled = tf.image.resize(features, (64, 64), method="bilinear")
model.fit(upsampled, counts)
```

## Fix safety
No automatic fix: pinning to the CPU or changing the interpolation changes speed or results.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.findings import Severity
from estimator_audit.knowledge.calls import argument, assigned_values, called_names, string_value
from estimator_audit.knowledge.determinism import int_value, root
from estimator_audit.knowledge.program import never_called
from estimator_audit.knowledge.tfapi import keras3
from estimator_audit.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

TF = ("tensorflow", "tensorflow.compat.v1")
ON_CPU = "pin it to the CPU (with tf.device('/CPU:0')), where it runs under op determinism"
BILINEAR = "use bilinear resizing, whose GPU gradient is deterministic, or pin it to the CPU (with tf.device('/CPU:0'))"


DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
DATASET_FUNCTIONS = frozenset({"map", "flat_map", "interleave", "filter", "map_and_batch", "parallel_interleave"})
# Calls that make trainable state, through which a gradient can reach an op of the module.
TRAINABLE = re.compile(r"\.(?:Variable|get_variable|Dense|dense|\w*[Cc]onv(?:olution)?\d[dD]\w*|Embedding|"
                       r"LSTM\w*|GRU\w*|Model|Sequential|Layer)$"  # (not convert_image_dtype)
                       r"|\.layers\.(?!utils\.)")  # (not tf.layers' helper module: utils.smart_cond)

# Ops whose gradient is None: what feeds them gets no gradient from them.
NO_GRADIENT = frozenset({"round", "stop_gradient", "argmax", "argmin", "floor", "ceil", "sign", "greater",
                         "greater_equal", "less", "less_equal", "equal", "not_equal"})
# Calls that read the graph's state rather than compute from their arguments.
STATE = re.compile(r"variable|collection", re.IGNORECASE)


@dataclass(frozen=True)
class Op:
    label: str  # how users write it
    kernel: str  # the GPU kernel that has no deterministic version
    gradient: bool  # only the op's gradient is affected
    advice: str


BINCOUNT = Op("tf.math.bincount", "Bincount/DenseBincount", False, ON_CPU)
SPARSE_MATMUL = Op("tf.sparse.sparse_dense_matmul", "SparseTensorDenseMatMul", False, ON_CPU)
CROP_AND_RESIZE = Op("tf.image.crop_and_resize", "CropAndResizeGradImage/Boxes", True, ON_CPU)
NEAREST_RESIZE = Op("nearest-neighbour resizing", "ResizeNearestNeighborGrad", True, BILINEAR)
UPSAMPLING = Op(
    "Keras 2 UpSampling2D with interpolation='nearest'",
    "ResizeNearestNeighborGrad",
    True,
    "Keras 3 (TensorFlow 2.16+) implements it with repeat, which is deterministic; or use "
    "interpolation='bilinear'",
)



def always_table() -> dict[str, Op]:
    """Every spelling of the ops that are flagged whatever their arguments."""
    table: dict[str, Op] = {}
    for tf in TF:
        table[f"{tf}.math.bincount"] = table[f"{tf}.bincount"] = BINCOUNT
        for name in ("sparse.sparse_dense_matmul", "sparse.matmul", "sparse_tensor_dense_matmul"):
            table[f"{tf}.{name}"] = SPARSE_MATMUL
        for name in ("adjust_contrast", "random_contrast", "stateless_random_contrast"):
            table[f"{tf}.image.{name}"] = Op(f"tf.image.{name}", "AdjustContrastv2", False, ON_CPU)
        table[f"{tf}.image.crop_and_resize"] = CROP_AND_RESIZE
        table[f"{tf}.image.resize_nearest_neighbor"] = Op(
            "tf.compat.v1.image.resize_nearest_neighbor", "ResizeNearestNeighborGrad", True, BILINEAR
        )
    return table


ALWAYS = always_table()
# Resizing that is nearest-neighbour only for some `method` values.
RESIZE = frozenset(f"{tf}.image.{name}" for tf in TF for name in ("resize", "resize_images"))
RESIZE_PARAMETERS = ("images", "size", "method")
NEAREST_V1 = 1  # tf.compat.v1.image.ResizeMethod.NEAREST_NEIGHBOR
# UpSampling2D of Keras 2; `tf_keras` is Keras 2 on every TensorFlow.
UPSAMPLING_KERAS_2 = frozenset({"tf_keras.layers.UpSampling2D"})
UPSAMPLING_KERAS_2_OR_3 = frozenset(
    {
        "keras.layers.UpSampling2D",
        "keras.layers.convolutional.UpSampling2D",
        "tensorflow.keras.layers.UpSampling2D",
        "tensorflow.compat.v1.keras.layers.UpSampling2D",
        "tensorflow.python.keras.layers.UpSampling2D",
    }
)
UPSAMPLING_PARAMETERS = ("size", "data_format", "interpolation")


class NoDeterministicKernel(Rule):
    code = "EA304"
    name = "no-deterministic-kernel"
    severity = Severity.INFO
    summary = "An op with no deterministic GPU kernel: it raises on GPU once op determinism is enabled."
    triggers = ("bincount", "matmul", "contrast", "resize", "UpSampling2D")
    valid = (
        Valid(
            """
            import tensorflow as tf
            from tensorflow.python.layers import utils

            def distort_color(image, pos=0):  # preprocessing: no variable, layer or gradient here
                def fn0(image=image):
                    return tf.image.random_contrast(image, lower=0.5, upper=1.5)
                def fn1(image=image):
                    return tf.image.random_brightness(image, 0.1)
                return utils.smart_cond(pos % 2 == 0, fn0, fn1)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def summarize(sess, feature, size):  # display: an array fetched from the session
                upscaled = tf.compat.v1.image.resize_nearest_neighbor(feature, size)
                return sess.run(upscaled)

            def train(sess, train_op, features):
                sess.run(train_op)
                test_feature = sess.run(features)
                return summarize(sess, test_feature, [64, 64])
            """
        ),
        Valid(
            """
            import tensorflow as tf

            class Preprocessor:
                def parse(self, record):  # tf.data maps it: on the CPU
                    return tf.image.random_contrast(tf.io.decode_jpeg(record), 0.5, 1.5)

                def batches(self, files):
                    mapped = tf.data.experimental.map_and_batch(map_func=self.parse, batch_size=32)
                    return tf.data.TFRecordDataset(files).apply(mapped)

            def train(dataset):
                model = tf.keras.Sequential([tf.keras.layers.Dense(5)])
                model.fit(dataset)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            class Distort(tf.keras.layers.Layer):  # no model uses it
                def call(self, x, training=None):
                    return tf.image.adjust_contrast(x, 0.5)

            if __name__ == "__main__":
                model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(5)])
                model.fit(dataset)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def gaussian_blur(image, kernel):  # a fixed filter: an op, not a layer
                return tf.nn.depthwise_conv2d(image[None], kernel, [1, 1, 1, 1], "SAME")[0]

            def color_jitter(image, contrast):
                return tf.image.random_contrast(image, lower=1 - contrast, upper=1 + contrast)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def augment(image, label):
                return tf.image.random_contrast(image, 0.5, 1.5), label
            def parse(record):
                return augment(*decode(record))
            dataset = tf.data.TFRecordDataset(files).map(parse)
            def distort(image):
                image = tf.image.convert_image_dtype(image, dtype=tf.float32)
                return tf.image.random_contrast(image, lower=0.5, upper=1.5)
            masks = tf.image.resize(masks, (64, 64), method="nearest")  # labels: no gradient here
            targets = tf.round(tf.image.crop_and_resize(gt_masks, boxes, box_ids, [28, 28]))
            crops = tf.image.crop_and_resize(images, boxes, indices, [32, 32])  # for display
            """
        ),
        Valid(
            """
            import numpy as np
            import torch
            counts = np.bincount(labels)
            more = torch.bincount(labels)
            def bincount(values):
                return {}
            bincount([1, 2])
            """
        ),
        Valid(
            """
            import tensorflow as tf
            a = tf.image.resize(images, (64, 64))
            b = tf.image.resize(images, (64, 64), method="bilinear")
            c = tf.image.resize(images, (64, 64), method=tf.image.ResizeMethod.BICUBIC)
            d = tf.image.resize(images, (64, 64), method=method)
            e = tf.linalg.matmul(x, y)
            f = tf.image.adjust_brightness(images, 0.1)
            """
        ),
        Valid(
            """
            import keras
            from tensorflow.keras.layers import UpSampling2D
            up = keras.layers.UpSampling2D(size=2)
            up2 = UpSampling2D(2)
            """
        ),
        Valid(
            """
            import tf_keras
            up = tf_keras.layers.UpSampling2D(interpolation="bilinear")
            """
        ),
        Valid(
            """
            import tensorflow as tf
            class StateProcessor:
                def __init__(self):
                    self.state = tf.placeholder(shape=[210, 160, 3], dtype=tf.uint8)
                    self.output = tf.image.rgb_to_grayscale(self.state)
                    self.output = tf.image.resize_images(
                        self.output, [84, 84], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR)
            class QNetwork:
                def __init__(self):
                    frames = tf.to_float(tf.placeholder(tf.uint8, [None, 84, 84, 4])) / 255.0
                    self.train_op = tf.train.RMSPropOptimizer(0.00025).minimize(q_loss(frames))
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            counts = tf.math.bincount(labels, minlength=10)
            product = tf.sparse.sparse_dense_matmul(sparse, dense)
            images = tf.image.random_contrast(images, 0.5, 1.5)
            model.fit(images, counts)
            """,
            at=((2, 10), (3, 11), (4, 10)),
            message="UnimplementedError",
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            up = tf.image.resize_nearest_neighbor(x, [64, 64])
            up = tf.image.resize_images(x, [64, 64], tf.image.ResizeMethod.NEAREST_NEIGHBOR)
            up = tf.image.resize_images(x, [64, 64], method=1)
            counts = tf.bincount(ids)
            crops = tf.image.crop_and_resize(
                features, boxes, box_indices, [7, 7])
            train_op = tf.train.AdamOptimizer(0.001).minimize(loss)
            """,
            at=((2, 6), (3, 6), (4, 6), (5, 10), (6, 9)),
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow import image as tfimage
            up = tf.image.resize(x, (64, 64), method="nearest")
            up = tfimage.resize(
                x,
                (64, 64),
                method=tfimage.ResizeMethod.NEAREST_NEIGHBOR,
            )
            with tf.GradientTape() as tape:
                loss = model(up)
            """,
            at=((3, 6), (4, 6)),
            message="gradient",
        ),
        Invalid(
            """
            import tf_keras
            from tensorflow.keras.layers import UpSampling2D
            a = tf_keras.layers.UpSampling2D(size=2)
            b = tf_keras.layers.UpSampling2D(2, None, "nearest")
            """,
            at=((3, 5), (4, 5)),
            message="Keras 3",
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        # (call, op, the defs and lambdas it is in, its class, the top-level def or class holding
        # it), reported once the module is read
        self.pending: list[tuple[ast.Call, Op, tuple[ast.AST, ...], ast.ClassDef | None, ast.AST | None]] = []
        self.mapped: set[str | int] = set()  # functions (by name) and lambdas (by id) tf.data maps
        self.trainable = False  # the module builds variables or layers

    def visit_Call(self, node: ast.Call) -> None:
        name = self.context.call_name(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in DATASET_FUNCTIONS:
            function = node.args[0] if node.args else next(
                (k.value for k in node.keywords if k.arg in ("map_func", "predicate")), None)
            if isinstance(function, ast.Name):
                self.mapped.add(function.id)
            elif isinstance(function, ast.Attribute):
                self.mapped.add(function.attr)  # `map_func=self.parse`: the class's method
            elif isinstance(function, ast.expr):
                self.mapped.add(id(function))
        if name is None:
            return
        if TRAINABLE.search(name) and name.split(".", 1)[0] in ("tensorflow", "keras", "tf_keras") and (
                ".nn." not in name):  # tf.nn.conv2d is an op on given filters (a blur), not a layer
            self.trainable = True
        op = ALWAYS.get(name)
        if op is None and name in RESIZE and self.nearest_method(node):
            op = NEAREST_RESIZE
        if op is None and self.is_keras_2_upsampling(name) and self.nearest_interpolation(node):
            op = UPSAMPLING
        if op is not None:
            parent = self.context.ancestors[-1] if self.context.ancestors else None
            if op.gradient and isinstance(parent, ast.Call) and node in parent.args and (
                    (self.context.call_name(parent) or "").rsplit(".", 1)[-1] in NO_GRADIENT):
                return  # `tf.round(crop_and_resize(masks, ...))`: no gradient flows back through it
            functions = tuple(a for a in self.context.ancestors if isinstance(a, (*DEFS, ast.Lambda)))
            classes = [a for a in self.context.ancestors if isinstance(a, ast.ClassDef)]
            outer = next((a for a in self.context.ancestors if isinstance(a, (*DEFS, ast.ClassDef))), None)
            self.pending.append((node, op, functions, classes[-1] if classes else None, outer))

    def finish(self) -> None:
        if not self.pending:
            return
        facts = self.context.facts
        gradients = self.trainable or facts.trains or facts.builds_update_op or facts.uses_gradient_tape
        data = data_functions(self.context.tree, self.mapped)
        for node, op, functions, cls, outer in self.pending:
            if any(id(f) in self.mapped or getattr(f, "name", None) in data for f in functions):
                continue  # tf.data runs the functions it maps on the CPU
            if not gradients:
                continue  # no variable, layer or training here: a data pipeline or display code
            if op.gradient and op is not UPSAMPLING and node.args and self.fed_only(node.args[0], functions, cls):
                continue  # computed from placeholders and constants: no gradient reaches it
            if outer is not None and never_called(self.context, outer):
                continue  # in a function or class nothing in the program names
            self.report(node, message(op))

    def given_session_outputs(self, function: ast.AST, parameter: str) -> bool:
        """Whether every call of the module's function passes, for this parameter, an array a
        session run returned (`test_feature = sess.run(features)`, then `show(sess, test_feature)`):
        a NumPy array is a constant to the graph, no gradient reaches it."""
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        names = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        if parameter not in names:
            return False
        calls = [node for node in ast.walk(self.context.tree) if isinstance(node, ast.Call)
                 and ((isinstance(node.func, ast.Name) and node.func.id == function.name)
                      or (isinstance(node.func, ast.Attribute) and node.func.attr == function.name))]
        offset = 1 if names and names[0] == "self" and any(isinstance(c.func, ast.Attribute) for c in calls) else 0
        given = [argument(call, parameter, names[offset:]) for call in calls]
        return bool(given) and all(isinstance(value, ast.expr) and self.session_output(value) for value in given)

    def session_output(self, value: ast.expr) -> bool:
        """A session run's result, directly or through the names it was assigned to."""
        if isinstance(value, ast.Call):
            return isinstance(value.func, ast.Attribute) and value.func.attr in ("run", "eval")
        if not isinstance(value, ast.Name):
            return False
        sources = list(assigned_values(self.context.tree, value.id))
        return bool(sources) and all(isinstance(source, ast.Call) and self.session_output(source) for source in sources)

    def fed_only(self, value: ast.expr, functions: tuple[ast.AST, ...], cls: ast.ClassDef | None) -> bool:
        """Whether the value is computed only from placeholders and constants (`x =
        tf.placeholder(...)`, then grayscale, crop and resize it): backpropagation from a loss to
        the variables never passes through it, so its gradient op is never built. Values are
        followed through plain assignments in the innermost function (and, for `self.x`, the
        class's methods); anything unresolved, a parameter or a variable counts as trainable."""
        assigned = assignments(functions[-1] if functions else self.context.tree, cls)
        seen: set[str] = set()

        def fed(node: ast.expr) -> bool:
            if isinstance(node, ast.Constant):
                return True
            if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
                key = ast.unparse(node)
                if key in seen:
                    return True  # `x = f(x)`: the earlier values are being checked
                if key in assigned:
                    seen.add(key)
                    return all(fed(v) for v in assigned[key])
                if isinstance(node, ast.Name) and functions and self.given_session_outputs(functions[-1], node.id):
                    return True  # a parameter every caller fills with what a session run returned
                return (self.context.qualified_name(node) or "").startswith("tensorflow.")  # tf.uint8
            if isinstance(node, ast.Call):
                name = self.context.call_name(node) or ""
                if name.startswith("tensorflow") and name.endswith(".placeholder"):
                    return True
                if TRAINABLE.search(name) or STATE.search(name) or not name.startswith("tensorflow"):
                    return False
                inputs = (*node.args, *(k.value for k in node.keywords))
                return bool(inputs) and all(fed(a) for a in inputs)
            if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Subscript, ast.List, ast.Tuple, ast.Slice)):
                return all(fed(c) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))
            return False

        return fed(value)

    def nearest_method(self, node: ast.Call) -> bool:
        method = argument(node, "method", RESIZE_PARAMETERS)
        if string_value(method) == "nearest" or int_value(method) == NEAREST_V1:
            return True
        if isinstance(method, ast.expr):
            qualified = self.context.qualified_name(method)
            return (
                qualified is not None
                and root(qualified) == "tensorflow"
                and qualified.endswith("ResizeMethod.NEAREST_NEIGHBOR")
            )
        return False

    def is_keras_2_upsampling(self, name: str) -> bool:
        if name in UPSAMPLING_KERAS_2:
            return True
        return name in UPSAMPLING_KERAS_2_OR_3 and not keras3(self.context.settings.target)

    def nearest_interpolation(self, node: ast.Call) -> bool:
        interpolation = argument(node, "interpolation", UPSAMPLING_PARAMETERS)
        return interpolation is None or string_value(interpolation) == "nearest"


def assignments(scope: ast.AST, cls: ast.ClassDef | None) -> dict[str, list[ast.expr]]:
    """Every value assigned to a plain target (`x`, `self.x`) in the scope, and to `self.x` in
    the class's methods."""
    found: dict[str, list[ast.expr]] = {}
    for node in (*ast.walk(scope), *(ast.walk(cls) if cls is not None else ())):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, (ast.Name, ast.Attribute)):
            found.setdefault(ast.unparse(target), []).append(value)
    return found


def data_functions(tree: ast.Module, mapped: set[str | int]) -> set[str]:
    """The module's functions that tf.data runs: those passed to map, flat_map, interleave or
    filter, and the module functions they call, transitively."""
    definitions = {d.name: d for d in ast.walk(tree) if isinstance(d, DEFS)}
    found = {name for name in mapped if isinstance(name, str) and name in definitions}
    todo = list(found)
    while todo:
        more = (called_names(definitions[todo.pop()]) & definitions.keys()) - found
        found |= more
        todo += more
    return found


def message(op: Op) -> str:
    if op.gradient:
        return (
            f"the gradient of {op.label} ({op.kernel}) has no deterministic GPU kernel: when "
            "gradients flow through it on a GPU, it raises UnimplementedError once "
            "tf.config.experimental.enable_op_determinism() is on, and otherwise the gradients can "
            "differ between runs (the forward pass, e.g. resizing labels or masks, is unaffected); "
            f"{op.advice}"
        )
    return (
        f"{op.label} has no deterministic GPU kernel ({op.kernel}): where it runs on a GPU it raises "
        "UnimplementedError once tf.config.experimental.enable_op_determinism() is on, and otherwise "
        "its results can differ between runs (on the CPU it is "
        f"unaffected); {op.advice}"
    )
