"""
## What it does
Flags a name under `tensorflow` that does not exist in the target TensorFlow: attribute chains
(`tf.Session`, `tf.random_normal`, `tf.contrib.layers.xavier_initializer()`,
`tf.compat.v1.random.set_seed`, `tf.estimator.RunConfig`) and imports (`from tensorflow.contrib
import slim`, `import tensorflow.contrib.slim as slim`), through any import alias. Each chain
is reported once, at the chain (or its call), naming the longest part of it that TensorFlow's
own TF1 -> TF2 rename table replaces, else the first part that is missing. `tf.keras.*` is
checked against Keras 3, which is tf.keras from TensorFlow 2.16 on.

Not flagged: names that exist (`tf.compat.v1.Session`), attributes of objects
(`tf.Variable(...).assign`, `tf.data.Dataset.from_tensor_slices`), internal or private modules
(`tensorflow.python.*`, `tf._api`), standalone `keras.*` (EA108), Keras 2 names of tf.keras that
Keras 3 dropped (EA108), calls that a more specific rule reports (premade and custom Estimators,
`train_and_evaluate`, Sessions, `tf.train.*Optimizer`, feature columns, `tf.estimator.inputs`:
EA101-EA105, EA107), and code that tests for the name itself: inside a `try` whose `except`
catches ImportError/AttributeError, inside such an `except` (the fallback for old TensorFlow),
or under an `if` that tests the TensorFlow version (`is_tf2`, `tf.__version__`,
`hasattr(tf, ...)`), after an early `raise`/`return` on such a test, or in a function the module
calls only from such a test's branches (`run = run_tf1 if version < 2 else run_tf2`). With a
target below 2.0 nothing is flagged.

## Why is this bad?
The line raises AttributeError (ImportError for imports) on the target TensorFlow: TF 2.0
dropped tf.contrib and moved the TF1 API under tf.compat.v1; TF 2.16 removed tf.estimator and
made Keras 3 the tf.keras, so `tf.compat.v1.layers` and `tf.compat.v1.nn.rnn_cell` refuse every
member ("is not available with Keras 3").

## How it was verified
The table of what exists is generated from the real packages by `tools/generate_tf_tables.py`
(walking every public module with getattr and dir(), lazily loaded ones included) and checked
by `tests/test_generated_data.py`: TensorFlow 2.21 + Keras 3.15 for targets 2.16 and later
(outside Keras, tf.estimator and tf.compat.v1.layers / nn.rnn_cell, 2.21 lacks only 8 of
2.15's public names, so 2.21 stands for 2.16-2.20), TensorFlow 2.15 for target 2.15; for
targets 2.0-2.14 a name must be missing from both. Replacements come from TensorFlow 2.15's `tf_upgrade_v2` table
(`all_renames_v2.symbol_renames`) and are named as such only when, in 2.15, the old symbol
(`tf.compat.v1.X`) and the new name are the same object.
`/root/venv-tf/bin/python -c "import tensorflow as tf; print(tf.__version__, [hasattr(tf, n)
for n in ('Session', 'set_random_seed', 'random_normal', 'contrib', 'estimator')],
hasattr(tf.compat.v1.random, 'set_seed'), hasattr(tf.compat.v1, 'Session'))"` printed
`2.21.0 [False, False, False, False, False] False True`;
`/root/venv-legacy/bin/python -c "import tensorflow as tf; print(tf.__version__,
tf.compat.v1.random_normal is tf.random.normal, tf.compat.v1.set_random_seed is
tf.random.set_seed)"` printed `2.15.1 True False` (so tf.random_normal -> tf.random.normal is a
replacement; tf.set_random_seed -> tf.compat.v1.set_random_seed is, tf.random.set_seed is not).
Every distinct name reported on tensorflow/models, tensor2tensor and bert (354 for 2.21, 321
for 2.15) was looked up with getattr in the real TensorFlow: none exists. `tf.compat.v1.layers.dense` raised
"AttributeError: `dense` is not available with Keras 3." on 2.21.

The fix was checked against the real packages: for each of the 252 distinct rewrites it made on
the three corpora (notebooks included), `tf.compat.v1.<old name>` was evaluated on TensorFlow
2.15 and the new name on 2.21, comparing `__module__.__qualname__` and source file (values for
constants): 249 were identical; `tf.Summary.Value` / `tf.Summary.Image` are the same protobuf
message (`DESCRIPTOR.full_name` printed `tensorflow.Summary.Value` and `tensorflow.Summary.Image`
on both; only the class's printed qualname differs between protobuf versions); `tf.VERSION` ->
`tf.version.VERSION` is the running version's string on both. A smaller script
printing `f"{o.__module__}.{o.__qualname__}"` for `tf.compat.v1.X` on 2.15 and the rewrite on
2.21, for X in random_normal, gfile.Open, mod, lin_space, random_crop, train.Server,
saved_model.loader.load, GraphKeys.UPDATE_OPS, logging.info, FixedLenFeature (rewritten to
tf.random.normal, tf.io.gfile.GFile, tf.math.floormod, tf.linspace, tf.image.random_crop,
tf.distribute.Server, tf.compat.v1.saved_model.load, tf.compat.v1.GraphKeys.UPDATE_OPS,
tf.compat.v1.logging.info, tf.io.FixedLenFeature) printed the same ten lines on both, e.g.
`tensorflow.python.ops.random_ops.random_normal` and
`tensorflow.python.ops.math_ops.linspace_nd`.

## Example
```python
import tensorflow as tf

tf.set_random_seed(42)
noise = tf.random_normal([2, 3])
init = tf.contrib.layers.xavier_initializer()
```

## Use instead
```python
import tensorflow as tf

tf.compat.v1.set_random_seed(42)
noise = tf.random.normal([2, 3])
init = tf.keras.initializers.GlorotUniform()
```

## Fix safety
Safe, and offered only for findings that name a one-to-one replacement (the message says "the
same symbol under its TensorFlow 2 name"): the attribute chain is rewritten to the replacement,
e.g. `tf.random_normal` -> `tf.random.normal`, `tf.logging.info` ->
`tf.compat.v1.logging.info`, the rest of the chain kept (`tf.GraphKeys.UPDATE_OPS` ->
`tf.compat.v1.GraphKeys.UPDATE_OPS`). The new name is the object the old one was in
TensorFlow 2.15, so the line does what it did on TensorFlow 1 instead of raising. It is
spelled through the name the chain starts from (`tf_.random.normal` after `import tensorflow
as tf_`); when the new name does not lie under it (`train.get_or_create_global_step` after
`from tensorflow import train`), through the file's module-level alias of a prefix of the new
name (`tf1.train.get_or_create_global_step`, `tf.compat.v1.train...`), and only if that
spelling means the new name where the chain stands (a parameter or local of the same name
shadowing the alias rules it out). The new name must exist on the target TensorFlow. No fix
for imports (`from tensorflow.contrib import slim`), for renames that are not the same object
(`tf_upgrade_v2 renames it to ...`), for names with no replacement (tf.contrib, tf.estimator),
or for a chain with a comment inside it (it would be lost). Calls reported by a more specific
rule (Sessions: EA103, TF1 optimizers: EA104, ...) are not EA106 findings and are not fixed here.
`dataset.make_one_shot_iterator()` and `make_initializable_iterator()`, methods TF2 datasets
dropped, become `tf.compat.v1.data.make_one_shot_iterator(dataset)` (the same iterator; on
TensorFlow 2.21 the first worked eagerly and in graph mode, the second in graph mode, as TF1
programs run once EA109's switch is in). `tf.estimator.ModeKeys.TRAIN`, `EVAL` and `PREDICT`
become the strings they are (`"train"`,
`"eval"`, `"infer"`, checked on tensorflow-estimator 2.15), so input functions that compare a
mode with them run without tf.estimator.

In a module that builds an estimator the Keras rewrite does not migrate (a custom one, or a
premade one EA101 cannot follow), `tf.estimator.RunConfig` and the serving helpers keep
TensorFlow's spelling: the estimator that stays needs them.

Unsafe, targets 2.16 and later: `tf.layers.*` and `tf.nn.rnn_cell.*` (and their
`tf.compat.v1` spellings, which TensorFlow 2.16+ serves only with Keras 2: "`dense` is not
available with Keras 3") become `tf.compat.v1.layers.*` / `tf.compat.v1.nn.rnn_cell.*`, and
`os.environ["TF_USE_LEGACY_KERAS"] = "1"` goes before the module's first import outside the
standard library (after its own `import os` when that comes earlier, else with one), so
TensorFlow serves them from the tf-keras package (`pip install tf-keras`). On
TensorFlow 2.21 with tf-keras 2.21, `tf.compat.v1.layers.dense`, `dropout` and `conv2d` built
their variables (`dense/kernel:0`, ...) in a graph with the variable set and raised
AttributeError without it. Unsafe because the variable switches tf.keras to Keras 2 for the
whole process. A module that already sets the variable ahead of its imports gets no finding
for the `tf.compat.v1` names.

Unsafe: a `tf.contrib` name that tf_upgrade_v2 maps to a TensorFlow 2 name by renaming alone
(`tf.contrib.data.AUTOTUNE` -> `tf.data.experimental.AUTOTUNE`, `tf.contrib.rnn.BasicLSTMCell`
-> `tf.compat.v1.nn.rnn_cell.BasicLSTMCell`, with Keras 2 as above) is respelled so; tf.contrib
cannot be installed beside TensorFlow 2, so that the two are the same object is tf_upgrade_v2's
word, not checked here. Names whose calls tf_upgrade_v2 also rewrites (its argument
transformers, keyword renames, reorders and warnings, listed in the generated table:
`tf.contrib.layers.xavier_initializer`, `l2_regularizer`) keep their finding, which says so, as
do names with no successor in the table (`tf.contrib.slim`: the tf-slim package).

Unsafe: `tf.contrib.layers.xavier_initializer()` and `xavier_initializer_conv2d()` (uniform,
their default; `seed=` and `dtype=` kept) become `tf.compat.v1.glorot_uniform_initializer()`.
In TensorFlow 1.15's source (`contrib/layers/python/layers/initializers.py`) the Xavier
initializer is `variance_scaling_initializer(factor=1.0, mode='FAN_AVG', uniform=True)`, which
draws `random_uniform(shape, -sqrt(3 * factor / n), sqrt(3 * factor / n), dtype, seed=seed)` with
`n = (fan_in + fan_out) / 2`; `glorot_uniform_initializer` (`init_ops.py`, read in the 2.15
runtime) is `VarianceScaling(scale=1.0, mode="fan_avg", distribution="uniform")`, which draws
`random_uniform(shape, -sqrt(3 * scale / n), sqrt(3 * scale / n), dtype, seed=seed)` with the same
fans: the same op, bounds and seed. `uniform=False` (a truncated normal with deviation
`sqrt(1.3 / n)`, not glorot_normal's) keeps its finding.

Unsafe: `tf.logging` and `tf.app.run` are written with what TensorFlow 2 runs under their
tf.compat.v1 names (tensorflow/python/platform/tf_logging.py and app.py, TF 2.21), so that a
migrated program needs no tf.compat.v1: `tf.logging.info(...)` is `tf.get_logger().info(...)`
(`warn` is `warning`, `set_verbosity` is `setLevel`), `tf.logging.INFO` is the standard library's
`logging.INFO` (the same number), and `tf.app.run(main, argv)` is absl's `app.run` with the
parser tf.app.run passes it, which ignores undefined flags
(`flags_parser=lambda argv: absl.flags.FLAGS(argv, known_only=True)`). Unsafe because they add
imports (`import logging`, `import absl.app`); `--fix` alone gives the tf.compat.v1 names.
Likewise the 45 functions tf_upgrade_v2 only reorders (`tf.decode_csv`, `tf.parse_example`,
`tf.substr`, ...): the arguments it moves are passed by keyword and the TF2 name is used
(`tf.decode_csv(rows, defaults, ",", True, None, "")` -> `tf.io.decode_csv(rows, defaults, ",",
True, name=None, na_value="")`), from its own table (tf_renames_v2.json, "reorders").

Unsafe: `from tensorflow.examples.tutorials.mnist import input_data` (TensorFlow 2 has no
`tensorflow.examples.tutorials`, and `tf.contrib.learn`, where its reader lived, is gone too)
becomes an import of `mnist_input_data`, written beside the file: a port of TensorFlow 1.15's
`read_data_sets` and `DataSet` (same files, arrays, validation split, and `next_batch` shuffles
drawn from NumPy's global generator, which each DataSet reseeds from the graph-level seed as
TensorFlow 1 did), imported under the name the program used (`import mnist_input_data as
input_data`). It is unsafe because it adds a file and runs that copy instead of TensorFlow's own
code. `import tensorflow.examples.tutorials.mnist.input_data as input_data` and
`from tensorflow.contrib.learn.python.learn.datasets import mnist` are rewritten the same way.

Unsafe (`--unsafe-fixes`, targets 2.16 and later): `tf.estimator.RunConfig` and the
`tf.estimator.export` serving helpers (`ServingInputReceiver`,
`build_raw_serving_input_receiver_fn`, `build_parsing_serving_input_receiver_fn`) become the
classes and functions of the same names in `keras_feature_columns`, the module EA101's Keras
rewrite writes beside the program: a RunConfig a program builds and hands to its model builder,
and the serving input functions its exports use, then work with the Keras model.
"""


import ast
import re
from dataclasses import replace

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.fixes import compat_v1_call, module_spelling
from estimator_audit.knowledge.calls import argument, tf_spelling
from estimator_audit.knowledge.program import importer_builds_tf1_graph, spells_tf1_graph
from estimator_audit.knowledge.tfapi import keras3, version_text
from estimator_audit.knowledge.tfsymbols import (
    ATTRIBUTE_ERRORS,
    IMPORT_ERRORS,
    Missing,
    Reference,
    SymbolReferenceRule,
    arguments_rewritten,
    contrib_rename,
    contrib_successor,
    exists,
    guarded,
    keras_2_name,
    legacy_keras_fix,
    missing,
    picks_keras2,
    rename_fix,
    reorder,
    replacement,
    spelled_v2,
    spelling,
    tf2_rename,
    tf_api,
    tf_tables,
    uses_legacy_keras,
)
from estimator_audit.layout import preferred_quote, string_literal
from estimator_audit.migrate.support_files import MNIST_SUPPORT, SERVING_FUNCTIONS, SUPPORT_MODULE, needed_by
from estimator_audit.rule import Invalid, Valid

ESTIMATOR = ("tensorflow.estimator", "tensorflow.compat.v1.estimator")
# tf.logging functions -> the method of TensorFlow's logger they call (TF 2.21:
# tensorflow/python/platform/tf_logging.py, e.g. `def warn(msg, *args, **kwargs):
# get_logger().warning(msg, *args, **kwargs)`), and its level constants, the standard library's.
TF1_LOGGER_METHODS = {"debug": "debug", "info": "info", "warning": "warning", "warn": "warning", "error": "error",
                      "fatal": "fatal", "log": "log", "set_verbosity": "setLevel",
                      "get_verbosity": "getEffectiveLevel"}
TF1_LOGGING_LEVELS = frozenset({"DEBUG", "INFO", "WARN", "ERROR", "FATAL"})
# TensorFlow 1's MNIST reader (the tutorial module, and the contrib module it re-exported),
# which the support module mnist_input_data ports.
# tf.contrib.layers' Xavier initializers, uniform (their default): TF1's glorot_uniform draws the same.
# tf.contrib names that re-exported a core function TensorFlow 2 still exports under another name
# (TF 1.15's tensorflow/contrib/util/__init__.py imports them from tensor_util; on TF 2.21
# `tf.make_tensor_proto is tensor_util.make_tensor_proto`, and likewise, checked): tf_upgrade_v2's
# table has no entry for them.
CONTRIB_REEXPORTS = {
    "tensorflow.contrib.util.make_tensor_proto": "tensorflow.make_tensor_proto",
    "tensorflow.contrib.util.make_ndarray": "tensorflow.make_ndarray",
    "tensorflow.contrib.util.constant_value": "tensorflow.get_static_value",
}
XAVIER = frozenset({"tensorflow.contrib.layers.xavier_initializer", "tensorflow.contrib.layers.xavier_initializer_conv2d"})
GLOROT_UNIFORM = "tensorflow.compat.v1.glorot_uniform_initializer"
MNIST_READERS = frozenset({"tensorflow.examples.tutorials.mnist.input_data",
                           "tensorflow.contrib.learn.python.learn.datasets.mnist"})
# tf.estimator.ModeKeys' constants are these strings (tensorflow-estimator 2.15): code that
# compares a mode with them (`if mode == tf.estimator.ModeKeys.TRAIN`) keeps working without it.
MODE_KEYS = {"TRAIN": "train", "EVAL": "eval", "PREDICT": "infer"}
# tf.estimator names keras_feature_columns provides for the code around a migrated estimator:
# the RunConfig a program builds for it, and the serving input functions of its exports.
SUPPORTED_ESTIMATOR_NAMES = {
    f"{api}.{path}{name}": name
    for api in ESTIMATOR
    for path, names in (("", ("RunConfig",)), ("export.", tuple(SERVING_FUNCTIONS)))
    for name in names
}
CONTRIB = ("tensorflow.contrib", "tensorflow.compat.v1.contrib")


def under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


# TF1 dataset methods TF2's tf.data.Dataset lacks (checked on TensorFlow 2.21, graph mode too),
# each kept as a function of tf.compat.v1.data taking the dataset.
DATASET_V1_METHODS = frozenset({"make_one_shot_iterator", "make_initializable_iterator"})
MAX_DATASET_HOPS = 12  # assignments and transformations followed back to where a dataset was made
# TF1 dataset attributes TF2's datasets lack (TensorFlow 2.21: AttributeError, '_BatchDataset'
# object has no attribute 'output_types'), each read by a function of tf.compat.v1.data giving
# the same value (checked on 2.21); TF2's own is `dataset.element_spec`.
DATASET_V1_ATTRIBUTES = {"output_types": "get_output_types", "output_shapes": "get_output_shapes",
                         "output_classes": "get_output_classes"}


# Names tf.compat.v2 has that tf lacks (TF 2.21: dir(tf.compat.v2) - dir(tf)), as the resolver
# spells them (it folds compat.v2 into tensorflow).
COMPAT_V2_ONLY = frozenset({"tensorflow.enable_v2_behavior"})


# Names tf.compat.v2 has that tf lacks (TF 2.21: dir(tf.compat.v2) - dir(tf)), as the resolver
# spells them (it folds compat.v2 into tensorflow).
COMPAT_V2_ONLY = frozenset({"tensorflow.enable_v2_behavior"})


# Where the Estimator API lived as importable modules: gone with TensorFlow 2.16.
ESTIMATOR_PACKAGES = re.compile(r"tensorflow\.python\.estimator(?=\.|$)|tensorflow_estimator(?=\.|$)")
# TF1 objects tf.compat.v1 keeps that raise RuntimeError when made with eager execution on
# (TF 2.21: "v1.summary.FileWriter is not compatible with eager execution"), and what TF2 has.
EAGER_ONLY_FAILING = {"tensorflow.summary.FileWriter": "write summaries with tf.summary.create_file_writer(logdir)"}


def compat_v1_name_of(qualified: str) -> str:
    return qualified.replace("tensorflow.", "tensorflow.compat.v1.", 1)


BY_HAND = "port it by hand"  # contrib_advice's last words, where no call of the name has a fix

# Internal packages TensorFlow installs on disk beside its API (`tensorflow/lite/python/util.py`,
# imported on TF 2.21): an import reaches them though no API module lists them.
INTERNAL_PACKAGES = frozenset({"python", "core", "compiler", "tsl"})


class MissingSymbol(SymbolReferenceRule):
    packages = ("tensorflow.",)
    code = "EA106"
    name = "missing-symbol"
    severity = Severity.ERROR
    summary = "A TensorFlow name that does not exist in the target TensorFlow."
    triggers = ("tensorflow",)
    # Where these report the same call, their message is the more useful one.
    defers_to = ("EA101", "EA102", "EA103", "EA104", "EA105", "EA107", "EA108")
    fix_safety = FixSafety.SAFE
    valid = (
        Valid(
            """
            from tensorflow.lite.python.util import get_grappler_config  # on disk in TF 2.21's wheel
            """
        ),
        Valid(
            """
            from distutils.version import LooseVersion
            import tensorflow as tf

            def tf_later_than(version):
                return LooseVersion(tf.__version__) > LooseVersion(version)

            if tf_later_than("2"):
                from tensorflow.keras.layers import Flatten as flatten
            else:
                from tensorflow.contrib.layers import flatten  # TF 1 only
            """
        ),
        Valid(
            """
            import tensorflow as tf
            try:
                import tensorflow.contrib.graph_editor as ge  # TF 1 only, and the program knows it
            except ImportError:
                ge = None
            """
        ),
        Valid(
            """
            import tensorflow as tf

            class BlobReader:
                def __init__(self):
                    self.file: tf.io.gfile.Gfile = None  # a local annotation: never evaluated
            """
        ),
        Valid(
            """
            import tensorflow.compat.v2 as tf

            def main():
                tf.enable_v2_behavior()  # the one name tf.compat.v2 adds to tf
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            dataset = tf.data.Dataset.from_tensors(([1.0], [1.0]))
            dataset = dataset.repeat().batch(11, drop_remainder=False)
            train_batch = dataset.make_one_shot_iterator().get_next()
            """
        ),
        Valid(
            """
            import tensorflow as tf
            tf.compat.v1.set_random_seed(1)
            sess = tf.compat.v1.Session()
            sess.run(tf.compat.v1.global_variables_initializer())
            v = tf.Variable(1.0)
            v.assign(2.0).numpy()
            ds = tf.data.Dataset.from_tensor_slices([1, 2]).shuffle(2, seed=1)
            print(tf.__version__, tf.keras.layers.Dense(3), tf.raw_ops.MatMul)
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            tf.disable_v2_behavior()
            x = tf.placeholder(tf.float32, [None, 3])
            opt = tf.train.AdamOptimizer(0.1)
            flags = tf.flags
            from tensorflow.python.ops import math_ops
            from tensorflow.keras import layers
            """
        ),
        Valid(
            """
            class Contrib:
                layers = None
            class tf:
                contrib = Contrib()
            tf.contrib.layers
            import numpy as np
            np.random_normal = None
            """
        ),
        Valid(
            """
            import tensorflow as tf
            try:
                from tensorflow.contrib import tpu
            except ImportError:
                tpu = None
            try:
                cell = tf.contrib.rnn.LSTMCell
            except AttributeError:
                cell = tf.keras.layers.LSTMCell
            """
        ),
        Valid(
            """
            import tensorflow as tf
            if hasattr(tf, "contrib"):
                layers = tf.contrib.layers
            is_tf2 = tf.__version__.startswith("2")
            if not is_tf2:
                from tensorflow.contrib import opt
            try:
                lookup = tf.compat.v2.lookup
            except AttributeError:
                lookup = tf.contrib.lookup
            """
        ),
        Valid(
            """
            import tensorflow as tf
            sess = tf.Session()
            opt = tf.train.AdamOptimizer(0.1)
            est = tf.estimator.DNNClassifier([10], cols)
            from keras.layers.merge import concatenate
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from packaging import version
            def export_saved_model(sess, export_dir):
                if version.parse(tf.__version__) >= version.parse("2.0.0"):
                    raise Exception("DEPRECATED: Use TF provided APIs instead.")
                return tf.saved_model.builder.SavedModelBuilder(export_dir)
            def _run_model_tf1(args):
                tf.reset_default_graph()
                return tf.Session(graph=tf.get_default_graph())
            def _run_model_tf2(args):
                return tf.saved_model.load(args.export_dir)
            def run_model(args):
                run = _run_model_tf1 if version.parse(tf.__version__) < version.parse("2.0.0") else _run_model_tf2
                return run(args)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            FLAGS = tf.compat.v1.flags.FLAGS

            def apply(config):
                for key, value in config.items():
                    if hasattr(FLAGS, key):  # a flag's name, not a version test
                        tf.logging.info("set %s", key)
                    else:
                        tf.logging.warning("unknown %s", key)
            """,
            at=((7, 13), (9, 13)),
        ),
        Invalid(
            """
            import tensorflow as tf

            def mae(y_true, y_pred):  # TF 2.x code: tf.metrics was Keras's metrics module
                return tf.metrics.mean_absolute_error(y_true=y_true, y_pred=y_pred)
            """,
            at=((4, 12),),
            message="use keras.metrics.mean_absolute_error from Keras 3 (tf.compat.v1.metrics.mean_absolute_error, which tf_upgrade_v2 would write, is TF1's graph-mode streaming metric",
        ),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            proto = tf.contrib.util.make_tensor_proto(np.ones(3), dtype=tf.float32)
            """,
            at=((3, 9),),
            fixed="""
            import numpy as np
            import tensorflow as tf
            proto = tf.make_tensor_proto(np.ones(3), dtype=tf.float32)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            y = tf.nn.rnn_cell.linear(x, 10, bias=True)  # TF 0.x's helper: private since TF 1.0
            """,
            at=((2, 5),),
            message="nor does tf.compat.v1.nn.rnn_cell.linear",
        ),
        Invalid(
            """
            import tensorflow as tf
            try:
                tf.global_variables_initializer().run()
            except:  # the fallback is missing on TensorFlow 2 too: it raises in the handler
                tf.initialize_all_variables().run()
            """,
            at=((3, 5), (5, 5)),
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.python.estimator.canned.dnn import DNNClassifier  # TF 1.x's private path
            import tensorflow_estimator as tfe
            """,
            at=((2, 1), (3, 1)),
            message="raises ModuleNotFoundError on TensorFlow 2.21",
        ),
        Invalid(
            """
            import tensorflow as tf

            writer = tf.summary.FileWriter("logs")  # no graph here: eager execution stays on
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            """,
            at=((3, 10),),
            message="raises RuntimeError too: write summaries with tf.summary.create_file_writer(logdir)",
        ),
        Invalid(
            """
            import tensorflow as tf

            def fully_connected(x, units):
                try:  # a debugging trap, not a version shim
                    with tf.variable_scope("fc"):
                        return tf.layers.dense(x, units)
                except Exception:
                    import ipdb
                    ipdb.set_trace()
            """,
            at=((5, 14), (6, 20)),
            message="does not exist",
        ),
        Invalid(
            """
            import tensorflow as tf

            def evaluate(sess, coord, summary_op):
                try:  # a catch-all around the whole evaluation: it only stops the threads
                    threads = []
                    for runner in tf.compat.v1.get_collection("queue_runners"):
                        threads.extend(runner.create_threads(sess, coord=coord, start=True))
                    summary = tf.Summary()
                    summary.ParseFromString(sess.run(summary_op))
                except Exception as e:
                    coord.request_stop(e)
            """,
            at=((8, 19),),
            message="tf.Summary does not exist",
        ),
        Invalid(
            """
            import tensorflow as tf

            def parse(line):
                return tf.decode_csv(line, [[0.0], [""]], ",", True, None, "NA")
            """,
            at=((4, 12),),
            fixed="""
            import tensorflow as tf

            def parse(line):
                return tf.io.decode_csv(line, [[0.0], [""]], ",", True, name=None, na_value="NA")
            """,
        ),
        Invalid(
            """
            import tensorflow as tf

            tf.logging.set_verbosity(tf.logging.INFO)


            def main(argv):
                tf.logging.warn("starting")


            if __name__ == "__main__":
                tf.app.run()
            """,
            at=((3, 1), (3, 26), (7, 5), (11, 5)),
            fixed="""
            import tensorflow as tf
            import logging
            import absl.app
            import absl.flags

            tf.get_logger().setLevel(logging.INFO)


            def main(argv):
                tf.get_logger().warning("starting")


            if __name__ == "__main__":
                absl.app.run(main, flags_parser=lambda argv: absl.flags.FLAGS(argv, known_only=True))
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            config = tf.contrib.tpu.RunConfig(master=master)
            """,
            at=((2, 10),),
            message="renames it tf.compat.v1.estimator.tpu.RunConfig, which TensorFlow 2.21 lacks too",
        ),
        Invalid(
            """
            import tensorflow as tf
            w = tf.compat.v1.get_variable("w", [3, 4], initializer=tf.contrib.layers.xavier_initializer(seed=1))
            v = tf.compat.v1.get_variable("v", [3, 4], initializer=tf.contrib.layers.xavier_initializer(uniform=False))
            """,
            at=((2, 56), (3, 56)),
            fixed="""
            import tensorflow as tf
            w = tf.compat.v1.get_variable("w", [3, 4], initializer=tf.compat.v1.glorot_uniform_initializer(seed=1))
            v = tf.compat.v1.get_variable("v", [3, 4], initializer=tf.contrib.layers.xavier_initializer(uniform=False))
            """,
        ),
        Invalid(
            """
            from __future__ import print_function
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x")
            hidden = tf.layers.dense(x, 8, activation=tf.nn.relu)
            cell = tf.compat.v1.nn.rnn_cell.LSTMCell(16)
            """,
            at=((4, 10), (5, 8)),
            target="2.21",
            fixed="""
            from __future__ import print_function
            import os
            os.environ["TF_USE_LEGACY_KERAS"] = "1"  # tf.compat.v1.layers and rnn_cell need tf-keras (Keras 2)
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x")
            hidden = tf.compat.v1.layers.dense(x, 8, activation=tf.nn.relu)
            cell = tf.compat.v1.nn.rnn_cell.LSTMCell(16)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            dataset = tf.data.Dataset.from_tensor_slices((features, labels)).batch(32)
            types, shapes = dataset.output_types, dataset.repeat().output_shapes
            iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
            v1 = tf.compat.v1.data.Dataset.range(3)
            kept = iterator.output_types, v1.output_classes, unknown.output_types  # these have them
            """,
            at=((3, 17), (3, 39)),
            message="TF2 datasets dropped it",
            fixed="""
            import tensorflow as tf
            dataset = tf.data.Dataset.from_tensor_slices((features, labels)).batch(32)
            types, shapes = tf.compat.v1.data.get_output_types(dataset), tf.compat.v1.data.get_output_shapes(dataset.repeat())
            iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
            v1 = tf.compat.v1.data.Dataset.range(3)
            kept = iterator.output_types, v1.output_classes, unknown.output_types  # these have them
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            dataset = tf.data.TFRecordDataset(files).batch(32)
            images, labels = dataset.make_one_shot_iterator().get_next()
            counter = tf.data.Dataset.range(10).make_initializable_iterator()
            """,
            at=((3, 18), (4, 11)),
            message="dropped the TF1 iterator methods",
            fixed="""
            import tensorflow as tf
            dataset = tf.data.TFRecordDataset(files).batch(32)
            images, labels = tf.compat.v1.data.make_one_shot_iterator(dataset).get_next()
            counter = tf.compat.v1.data.make_initializable_iterator(tf.data.Dataset.range(10))
            """,
        ),
        Invalid(
            """
            import collections
            import os
            import tensorflow as tf
            cell = tf.nn.rnn_cell.GRUCell(16, name="gru")
            """,
            at=((4, 8),),
            target="2.21",
            fixed="""
            import collections
            import os
            os.environ["TF_USE_LEGACY_KERAS"] = "1"  # tf.compat.v1.layers and rnn_cell need tf-keras (Keras 2)
            import tensorflow as tf
            cell = tf.compat.v1.nn.rnn_cell.GRUCell(16, name="gru")
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            tf.set_random_seed(42)
            noise = tf.random_normal([2, 3])
            """,
            at=((2, 1), (3, 9)),
            message="does not exist in TensorFlow 2.21",
            fixed="""
            import tensorflow as tf
            tf.compat.v1.set_random_seed(42)
            noise = tf.random.normal([2, 3])
            """,
        ),
        Invalid(
            """
            import tensorflow as tf_
            import tensorflow.compat.v1 as tf1
            from tensorflow import train
            noise = tf_.random_normal(
                [2, 3],  # the shape
                stddev=tf_.GraphKeys.WEIGHTS and 0.1)
            step = train.get_or_create_global_step()
            def local_step(tf1):
                return train.get_or_create_global_step()
            """,
            at=((4, 9), (6, 12), (7, 8), (9, 12)),
            message="the same symbol under its TensorFlow 2 name",
            fixed="""
            import tensorflow as tf_
            import tensorflow.compat.v1 as tf1
            from tensorflow import train
            noise = tf_.random.normal(
                [2, 3],  # the shape
                stddev=tf_.compat.v1.GraphKeys.WEIGHTS and 0.1)
            step = tf1.train.get_or_create_global_step()
            def local_step(tf1):
                return tf_.compat.v1.train.get_or_create_global_step()
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            noise = tf.random_normal([2, 3])
            """,
            at=((2, 9),),
            message="use tf.random.normal",
        ),
        Invalid(
            """
            import tensorflow as tf
            key = (tf.saved_model.signature_constants
                   .DEFAULT_SERVING_SIGNATURE_DEF_KEY)
            tag = (tf.saved_model.tag_constants  # a comment inside the chain: no fix
                   .SERVING)
            x = (tf.random_normal)([2])
            """,
            at=((2, 8), (4, 8), (6, 5)),
            fixed="""
            import tensorflow as tf
            key = (tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY)
            tag = (tf.saved_model.tag_constants  # a comment inside the chain: no fix
                   .SERVING)
            x = (tf.random.normal)([2])
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            init = tf.contrib.layers.xavier_initializer()
            if hasattr(config, "rnn"):
                cell = tf.contrib.rnn.LSTMCell(4)
            """,
            at=((2, 8), (4, 12)),
            message="tf.contrib does not exist",
        ),
        Invalid(
            """
            from tensorflow.contrib import slim
            import tensorflow.contrib.slim as slim2
            net = slim.conv2d(x, 3, 3)
            """,
            at=((1, 1), (2, 8)),
            message="tf.contrib",
        ),
        Invalid(
            """
            import tensorflow as tf
            config = tf.estimator.RunConfig(model_dir="/tmp/m")
            mode = tf.estimator.ModeKeys.TRAIN
            """,
            at=((2, 10), (3, 8)),
            message="tf.estimator was removed in TensorFlow 2.16",
        ),
        Invalid(
            """
            import tensorflow as tf
            tf.compat.v1.random.set_seed(1)
            """,
            at=((2, 1),),
            message="tf.compat.v1.random.set_seed does not exist",
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            h = tf.layers.dense(x, 10)
            """,
            at=((2, 5),),
            message="not available with Keras 3",
        ),
        Invalid(
            """
            from tensorflow import gfile
            import tensorflow as tf
            def read(path):
                with tf.gfile.GFile(path) as handle:
                    return handle.read()
            """,
            at=((1, 24), (4, 10)),
            message="gfile",
            fixed="""
            from tensorflow import gfile
            import tensorflow as tf
            def read(path):
                with tf.io.gfile.GFile(path) as handle:
                    return handle.read()
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            def serving_input_fn():
                inputs = {"x": tf.compat.v1.placeholder(tf.float32, [None])}
                return tf.estimator.export.ServingInputReceiver(inputs, inputs)
            config = tf.estimator.RunConfig(model_dir="/tmp/model", save_checkpoints_steps=100)
            """,
            at=((4, 12), (5, 10)),
            fixed="""
            import tensorflow as tf
            import keras_feature_columns
            def serving_input_fn():
                inputs = {"x": tf.compat.v1.placeholder(tf.float32, [None])}
                return keras_feature_columns.ServingInputReceiver(inputs, inputs)
            config = keras_feature_columns.RunConfig(model_dir="/tmp/model", save_checkpoints_steps=100)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            def read_dataset(filename, mode):
                shuffle = mode == tf.estimator.ModeKeys.TRAIN
                return tf.data.TextLineDataset(filename).shuffle(100) if shuffle else tf.data.TextLineDataset(filename)
            train = read_dataset("train.csv", tf.estimator.ModeKeys.TRAIN)
            """,
            at=((3, 23), (5, 35)),
            message="tf.estimator.ModeKeys",
            fixed="""
            import tensorflow as tf
            def read_dataset(filename, mode):
                shuffle = mode == "train"
                return tf.data.TextLineDataset(filename).shuffle(100) if shuffle else tf.data.TextLineDataset(filename)
            train = read_dataset("train.csv", "train")
            """,
        ),
    )


    def check(self, reference: Reference, errors: frozenset[str], error: str) -> None:
        if not tf_tables(self.target) or not reference.qualified.startswith("tensorflow"):
            return
        gone = missing(reference.qualified, self.target)
        if gone is None or (gone.reason is not None and keras_2_name(gone.name) is not None
                            and uses_legacy_keras(self.context)):
            return
        if errors is IMPORT_ERRORS and gone.name.rsplit(".", 1)[-1] in INTERNAL_PACKAGES:
            return  # `from tensorflow.lite.python.util import ...`: a package on disk, not in the API
        if reference.qualified.startswith("tensorflow.keras.") and picks_keras2(self.context, reference.node):
            return
        if reference.qualified in COMPAT_V2_ONLY and spelled_v2(self.context, reference.node):
            return  # `import tensorflow.compat.v2 as tf; tf.enable_v2_behavior()`: compat.v2 has it
        if guarded(self.context, reference.node, errors):
            return
        keras_function = self.tf2_keras_function(reference)
        if keras_function is not None:
            self.report(reference.node, f"{tf_spelling(reference.qualified)} does not exist in TensorFlow "
                        f"{version_text(self.target)}: this raises {error}; {keras_function}", None)
            return
        message, fix = self.message(reference.qualified, gone, error), self.fix(reference)
        if fix is not None and message.endswith(BY_HAND):  # (this call's arguments have a port: say it)
            message = message[:-len(BY_HAND)] + fix.description
        if reference.qualified in EAGER_ONLY_FAILING and not self.graph_mode():
            message += ("; with eager execution on (TensorFlow 2's default, and nothing here turns it off) "
                        f"{tf_spelling(compat_v1_name_of(reference.qualified))} raises RuntimeError too: "
                        f"{EAGER_ONLY_FAILING[reference.qualified]} (no automatic fix)")
            fix = None
        self.report(reference.node, message, fix)

    def tf2_keras_function(self, reference: Reference) -> str | None:
        """Advice for `tf.metrics.X` or `tf.losses.X` used the Keras way (called with y_true or
        y_pred, or handed to compile): in TensorFlow 2.0 to 2.15 those modules were Keras's, so
        the name meant Keras's function, not the TF1 graph-mode one tf_upgrade_v2's respelling,
        tf.compat.v1.metrics.X, names; TensorFlow 2.21's tf.keras lacks the long names."""
        parts = reference.qualified.split(".")
        if len(parts) != 3 or parts[1] not in ("metrics", "losses") or not exists(reference.qualified, (2, 15)):
            return None
        node = reference.node
        if isinstance(node, ast.Call):
            given = [k.arg for k in node.keywords] + [a.id for a in node.args if isinstance(a, ast.Name)]
            keras_way = bool({"y_true", "y_pred"} & set(given))
        else:
            keras_way = any(isinstance(a, ast.Call) and isinstance(a.func, ast.Attribute) and a.func.attr == "compile"
                            for a in self.context.ancestors)
        if not keras_way:
            return None
        module, name = parts[1], parts[2]
        keras_name = f"keras.{module}.{name}"
        other = (f"tf.compat.v1.{module}.{name}, which tf_upgrade_v2 would write, is TF1's graph-mode "
                 f"{'streaming metric' if module == 'metrics' else 'loss'}, another function")
        if exists(keras_name, self.target):
            return (f"used the Keras way, as TensorFlow 2.15's tf.{module} (Keras's) served it: use "
                    f"{keras_name} from Keras 3 ({other})")
        return f"used the Keras way, as TensorFlow 2.15's tf.{module} (Keras's) served it, which Keras 3 lacks ({other})"

    def graph_mode(self) -> bool:
        """Whether the module, or a module of the program importing it, runs TF1 graphs (a
        session, a placeholder, a Supervisor: EA109's concern) or turns eager execution off."""
        return (self.context.facts.builds_tf1_graph or spells_tf1_graph(self.context.source.text)
                or importer_builds_tf1_graph(self.context))

    def visit_Call(self, node: ast.Call) -> None:
        """`dataset.make_one_shot_iterator()`: TF2 datasets dropped the TF1 iterator methods."""
        if not isinstance(node.func, ast.Attribute) or node.func.attr not in DATASET_V1_METHODS:
            return
        method, receiver = node.func.attr, node.func.value
        if node.args or node.keywords or not tf_tables(self.target):
            return
        name = self.context.call_name(node)
        if (name is not None and not name.startswith("tensorflow")) or not self.context.imports_tensorflow():
            return
        if guarded(self.context, node, ATTRIBUTE_ERRORS) or self.v1_dataset(receiver):
            return
        fix = self.dataset_function_fix(node, receiver, method, "the TF1 function")
        self.report(node, f"Dataset.{method}() does not exist in TensorFlow 2 (AttributeError: TF2 datasets "
                    f"dropped the TF1 iterator methods); tf.compat.v1.data.{method}(dataset) makes the same "
                    "iterator", fix)

    def dataset_function_fix(self, node: ast.expr, dataset: ast.expr, function: str, what: str) -> Fix | None:
        """Replace `dataset.<TF1 member>` by `tf.compat.v1.data.<function>(dataset)`, unless the
        dataset's text spans lines or holds a comment."""
        replacement = compat_v1_call(self.context, f"data.{function}")
        text = self.context.source.segment(self.context.span(dataset))
        if not replacement or "\n" in text or "#" in text:
            return None
        edit = Edit(EditAction.REPLACE, self.context.span(node), text=f"{replacement}({text})")
        return Fix(FixSafety.SAFE, f"use {replacement}(dataset), {what}", (edit,))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        super().visit_Attribute(node)
        function = DATASET_V1_ATTRIBUTES.get(node.attr)
        if function is None or not isinstance(node.ctx, ast.Load) or not tf_tables(self.target):
            return
        if self.dataset_made_by(node.value) != "tensorflow.data" or guarded(self.context, node, ATTRIBUTE_ERRORS):
            return
        fix = self.dataset_function_fix(node, node.value, function, "the same value")
        self.report(node, f"Dataset.{node.attr} does not exist in TensorFlow 2 (AttributeError: TF2 datasets "
                    f"dropped it); tf.compat.v1.data.{function}(dataset) gives the same value (TensorFlow 2's "
                    "own is dataset.element_spec)", fix)

    def dataset_made_by(self, node: ast.expr) -> str | None:
        """"tensorflow.data" or "tensorflow.compat.v1.data": where the dataset an expression holds
        was made, followed back through names and transformations (`.repeat().batch(11)`); None
        when it is not known to be a dataset."""
        for _ in range(MAX_DATASET_HOPS):
            if isinstance(node, ast.Name):
                value = self.context.assigned_value(node)
                if value is None:
                    return None
                node = value
            elif isinstance(node, ast.Call):
                name = self.context.call_name(node) or ""
                for module in ("tensorflow.compat.v1.data", "tensorflow.data"):
                    if name.startswith(module + "."):
                        return module
                if not isinstance(node.func, ast.Attribute):
                    return None
                node = node.func.value
            else:
                return None
        return None

    def v1_dataset(self, node: ast.expr) -> bool:
        """Whether the dataset was made through tf.compat.v1.data (`import tensorflow.compat.v1 as
        tf; tf.data.Dataset...`): a DatasetV1, whose transformations keep the TF1 iterator methods
        (TF 2.21 made the one-shot iterator of such a dataset and returned its batch)."""
        return self.dataset_made_by(node) == "tensorflow.compat.v1.data"

    def visit_Import(self, node: ast.Import) -> None:
        self.statement: ast.Import | ast.ImportFrom = node
        super().visit_Import(node)
        self.check_estimator_package(node, [alias.name for alias in node.names])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.statement = node
        super().visit_ImportFrom(node)
        self.check_estimator_package(node, [node.module] if node.module and not node.level else [])

    def check_estimator_package(self, node: ast.Import | ast.ImportFrom, modules: list[str]) -> None:
        """`from tensorflow.python.estimator.canned.dnn import DNNClassifier`, `import
        tensorflow_estimator`: TensorFlow 2.16+ ships neither (ModuleNotFoundError on TF 2.21;
        TF 2.15 imported both), and the private path is outside the API tables."""
        found = next((m for m in modules if ESTIMATOR_PACKAGES.match(m)), None)
        if found is None or not keras3(self.target) or guarded(self.context, node, IMPORT_ERRORS):
            return
        package = ESTIMATOR_PACKAGES.match(found).group(0)  # type: ignore[union-attr]
        self.report(node, f"import of {found} raises ModuleNotFoundError on TensorFlow {version_text(self.target)} "
                    f"(\"No module named '{package}'\"): tf.estimator and the tensorflow-estimator package were "
                    "removed in TensorFlow 2.16; migrate the Estimator code to Keras (EA101 and EA102 say how "
                    "for each estimator)")

    def xavier_fix(self, chain: ast.Attribute, call: ast.Call, base: str) -> Fix | None:
        """`tf.contrib.layers.xavier_initializer(seed=..., dtype=...)` (uniform, its default) as
        `tf.compat.v1.glorot_uniform_initializer(seed=..., dtype=...)`: the same draw."""
        uniform = next((k.value for k in call.keywords if k.arg == "uniform"), None)
        if call.args or any(k.arg not in ("uniform", "seed", "dtype") for k in call.keywords) or (
                uniform is not None and not (isinstance(uniform, ast.Constant) and uniform.value is True)):
            return None  # the truncated-normal variant draws with another deviation: no equivalent
        text = spelling(self.context, chain, base, GLOROT_UNIFORM)
        if text is None:
            return None
        edits = [Edit(EditAction.REPLACE, self.context.span(chain), text=text)]
        if uniform is not None:
            edits.append(Edit(EditAction.REMOVE_KEYWORD, self.context.span(call), "uniform"))
        return Fix(FixSafety.UNSAFE, f"use {text}, which draws what xavier_initializer drew", tuple(edits))

    def quote(self) -> str:
        """The module's preferred quote (one walk of the module, however many fixes use it)."""
        memo = self.context.memo
        if "quote" not in memo:
            memo["quote"] = preferred_quote(self.context.source.lines, self.context.tree)
        return str(memo["quote"])

    def import_fix(self) -> Fix | None:
        """An import of TensorFlow 1's MNIST reader as one of mnist_input_data, the port
        written beside the file, under the name the program used."""
        statement = self.statement
        if len(statement.names) != 1:
            return None
        alias = statement.names[0]
        if isinstance(statement, ast.ImportFrom):
            imported = f"{statement.module}.{alias.name}" if statement.module and not statement.level else ""
        else:
            imported = alias.name if alias.asname else ""
        if imported not in MNIST_READERS:
            return None
        bound = alias.asname or alias.name
        text = self.context.project.sibling_import(self.context.source.path, MNIST_SUPPORT)
        if bound != MNIST_SUPPORT:
            text += f" as {bound}"
        edits = (Edit(EditAction.REPLACE_STATEMENT, self.context.span(statement), text=text),
                 Edit(EditAction.SUPPORT_FILE, name=f"{MNIST_SUPPORT}.py"))
        return Fix(FixSafety.UNSAFE, f"read MNIST with {MNIST_SUPPORT}.py, a port of TensorFlow 1's reader "
                   "written beside the file", edits)

    def fix(self, reference: Reference) -> Fix | None:
        """A ModeKeys constant as the string it was, an estimator name from the support module
        the Keras rewrite reads, TensorFlow 1's MNIST reader as the port of it, else the
        TensorFlow 2 name of the same symbol (rename_fix)."""
        if isinstance(reference.node, (ast.Import, ast.ImportFrom, ast.alias)):
            return self.import_fix()
        chain = reference.node.func if isinstance(reference.node, ast.Call) else reference.node
        if not isinstance(chain, ast.Attribute):
            return None
        if reference.qualified in XAVIER and isinstance(reference.node, ast.Call):
            return self.xavier_fix(chain, reference.node, reference.base)
        if reference.qualified in CONTRIB_REEXPORTS:
            text = spelling(self.context, chain, reference.base, CONTRIB_REEXPORTS[reference.qualified])
            return Fix(FixSafety.SAFE, f"use {text}, the same function",
                       (Edit(EditAction.REPLACE, self.context.span(chain), text=text),)) if text else None
        successor = contrib_successor(reference.qualified, self.target)
        keras2 = keras_2_name(successor or reference.qualified) if keras3(self.target) else None
        if keras2 is not None:
            return legacy_keras_fix(self.context, chain, reference.qualified, keras2, reference.base,
                                    self.quote())
        if successor is not None:
            text = spelling(self.context, chain, reference.base, successor)
            if text is None:
                return None
            return Fix(FixSafety.UNSAFE, f"use {text}, tf_upgrade_v2's successor of the tf.contrib name",
                       (Edit(EditAction.REPLACE, self.context.span(chain), text=text),))
        mode = MODE_KEYS.get(reference.qualified.rsplit(".", 1)[-1]) if under(
            reference.qualified.rsplit(".", 1)[0], tuple(f"{api}.ModeKeys" for api in ESTIMATOR)) else None
        if mode is not None:
            literal = string_literal(mode, self.quote())
            edit = Edit(EditAction.REPLACE, self.context.span(chain), text=literal)
            return Fix(FixSafety.SAFE, f"use {mode!r}, the value the constant had", (edit,))
        provided = SUPPORTED_ESTIMATOR_NAMES.get(reference.qualified)
        if provided is not None:
            from estimator_audit.migrate.rewrite import unmigrated_nearby  # only estimator files

            if unmigrated_nearby(self.context) is not None:
                return None  # a RunConfig for an estimator that stays one must stay TensorFlow's
            support, statement = needed_by(self.context)
            edit = Edit(EditAction.REPLACE, self.context.span(chain), text=f"{SUPPORT_MODULE}.{provided}")
            return Fix(FixSafety.UNSAFE, f"use {SUPPORT_MODULE}.{provided}, which the Keras rewrite reads",
                       (edit, support), (statement,))
        renamed = rename_fix(self.context, chain, reference.qualified, reference.base, self.target)
        native = self.tf2_fix(chain, reference)
        return replace(native, fallback=renamed) if native is not None and renamed is not None else renamed

    def tf2_fix(self, chain: ast.Attribute, reference: Reference) -> Fix | None:
        """TF1's logging and app.run written with what TensorFlow 2 itself runs under them
        (`tf.get_logger()`, the standard library's level constants, absl's app.run with TF1's
        tolerant flag parser), and the functions tf_upgrade_v2 only reorders under their TF2
        names: the same calls, without tf.compat.v1. Unsafe: they add imports or move arguments."""
        prefix, _, member = reference.qualified.rpartition(".")
        imports: tuple[str, ...] = ()
        if prefix == "tensorflow.logging" and member in TF1_LOGGER_METHODS:
            logger = spelling(self.context, chain, reference.base, "tensorflow.get_logger")
            if logger is None:
                return None
            text = f"{logger}().{TF1_LOGGER_METHODS[member]}"
        elif prefix == "tensorflow.logging" and member in TF1_LOGGING_LEVELS:
            spelled = module_spelling(self.context, "logging")
            if spelled is None:
                return None
            text, imports = f"{spelled[0]}.{member}", spelled[1]
        elif reference.qualified == "tensorflow.app.run" and isinstance(reference.node, ast.Call):
            return self.app_run_fix(reference.node)
        elif isinstance(reference.node, ast.Call) and reorder(reference.qualified) is not None:
            return self.reordered_fix(chain, reference.node, reference)
        else:
            return None
        edit = Edit(EditAction.REPLACE, self.context.span(chain), text=text)
        return Fix(FixSafety.UNSAFE, f"use {text}, what TF1's {tf_spelling(reference.qualified)} calls", (edit,),
                   imports)

    def reordered_fix(self, chain: ast.Attribute, call: ast.Call, reference: Reference) -> Fix | None:
        """tf_upgrade_v2's rewrite of a function whose TF2 name orders its arguments otherwise
        (`tf.decode_csv(rows, defaults, ",", True, None, "")` -> `tf.io.decode_csv(rows, defaults,
        ",", True, name=None, na_value="")`): the moved arguments by keyword, then the TF2 name."""
        order, renamed = reorder(reference.qualified), tf2_rename(reference.qualified, self.target)
        if order is None or renamed is None or len(call.args) > len(order) or any(
                isinstance(argument, ast.Starred) for argument in call.args):
            return None
        text = spelling(self.context, chain, reference.base, renamed[1] + reference.qualified[len(renamed[0]):])
        if text is None:
            return None
        span = self.context.span(call)
        moved = [(str(index), keyword) for index, keyword in enumerate(order[:len(call.args)]) if keyword is not None]
        edits = [Edit(EditAction.REPLACE, self.context.span(chain), text=text)]
        edits += [Edit(EditAction.NAME_ARGUMENT, span, keyword, index)  # the last position first
                  for index, keyword in reversed(moved)]
        return Fix(FixSafety.UNSAFE, f"use {text}, tf_upgrade_v2's rewrite (arguments it moved passed by keyword)",
                   tuple(edits))

    def app_run_fix(self, call: ast.Call) -> Fix | None:
        """`tf.app.run(main, argv)` is absl's app.run with a parser that ignores undefined flags
        (tensorflow/python/platform/app.py); with no main, the `__main__` module's `main`."""
        main = argument(call, "main", ("main", "argv"))
        argv = argument(call, "argv", ("main", "argv"))
        if not all(given is None or isinstance(given, ast.expr) for given in (main, argv)) or (
                main is None and "main" not in self.context.module_bindings):
            return None  # *args/**kwargs, or no `main` of this module's to run
        app, flags = module_spelling(self.context, "absl.app"), module_spelling(self.context, "absl.flags")
        if app is None or flags is None:
            return None
        arguments = [self.context.source.segment(self.context.span(main)) if isinstance(main, ast.expr) else "main"]
        if isinstance(argv, ast.expr):
            arguments.append(f"argv={self.context.source.segment(self.context.span(argv))}")
        arguments.append(f"flags_parser=lambda argv: {flags[0]}.FLAGS(argv, known_only=True)")
        text = f"{app[0]}.run({', '.join(arguments)})"
        edit = Edit(EditAction.REPLACE, self.context.span(call), text=text)
        return Fix(FixSafety.UNSAFE, "use absl's app.run with TF1's tolerant flag parser, what tf.app.run runs",
                   (edit,), (*app[1], *flags[1]))

    def message(self, qualified: str, gone: Missing, error: str) -> str:
        target = version_text(self.target)
        named = gone.name
        advice = ""
        renamed = replacement(qualified, self.target)
        other = tf2_rename(qualified, self.target)
        successor = contrib_successor(qualified, self.target)
        keras2 = keras_2_name(successor or qualified) if keras3(self.target) else None
        if qualified in CONTRIB_REEXPORTS:
            named = qualified
            advice = f"; use {tf_spelling(CONTRIB_REEXPORTS[qualified])}, the same function"
        elif keras2 is not None:
            advice = (f"; use {tf_spelling(keras2)} with Keras 2 (TF_USE_LEGACY_KERAS=1 and the tf-keras "
                      f"package): TensorFlow {target} serves tf.compat.v1.layers and rnn_cell only from Keras 2")
        elif successor is not None:
            advice = (f"; tf_upgrade_v2 renames it to {tf_spelling(successor)} and changes nothing else (not "
                      "checked to be the same object: tf.contrib does not install beside TensorFlow 2)")
        elif renamed is not None and len(renamed[0]) >= len(gone.name) and not exists(
                renamed[1] + qualified[len(renamed[0]):], (2, 15)):
            named = qualified  # (TF 0.x's `tf.nn.rnn_cell.linear`: tf.compat.v1.nn.rnn_cell has no linear)
            advice = (f"; nor does {tf_spelling(renamed[1] + qualified[len(renamed[0]):])} (TensorFlow 1.x "
                      "dropped or hid the name): port it by hand")
        elif renamed is not None and len(renamed[0]) >= len(gone.name):
            named = renamed[0]
            advice = (
                f"; use {tf_spelling(renamed[1])}, the same symbol under its TensorFlow 2 name"
            )
        elif other is not None and len(other[0]) >= len(gone.name):
            named = other[0]
            advice = (
                f"; tf_upgrade_v2 renames it to {tf_spelling(other[1])}, which is not the same "
                "symbol: check its arguments"
            )
        elif under(gone.name, CONTRIB):
            advice = self.contrib_advice(qualified)
        else:
            advice = self.hint(qualified, gone)
        why = ""
        if under(gone.name, ESTIMATOR):
            named = self.estimator_symbol(qualified, gone)
            why = " (tf.estimator was removed in TensorFlow 2.16; migrate the model to Keras)"
        elif under(gone.name, CONTRIB):
            why = " (tf.contrib was removed in TensorFlow 2.0)"
        elif gone.reason:
            why = f" ({tf_spelling(gone.module)}: {gone.reason.rstrip('.')})"
        return (
            f"{tf_spelling(named)} does not exist in TensorFlow {target}{why}: this raises "
            f"{error}{advice}"
        )

    def estimator_symbol(self, qualified: str, gone: Missing) -> str:
        """The tf.estimator symbol the chain names (tf.estimator.ModeKeys for ...ModeKeys.TRAIN),
        as TensorFlow 2.15 listed it."""
        parts = qualified.split(".")
        legacy = tf_api("2.15")
        for end in range(len(parts), gone.name.count(".") + 1, -1):
            prefix = ".".join(parts[:end])
            if legacy.canonical(prefix) is not None:
                return prefix
        return gone.name

    def contrib_advice(self, qualified: str) -> str:
        """What tf_upgrade_v2's table says of a tf.contrib name it does not rename by name alone."""
        rewritten = [name for name in arguments_rewritten() if qualified == name or qualified.startswith(name + ".")]
        if rewritten:
            return (f"; tf_upgrade_v2 rewrites calls of {tf_spelling(rewritten[0])} with other arguments (or "
                    f"only warns): {BY_HAND}")
        renamed = contrib_rename(qualified)
        if renamed is not None:  # renamed into an API TensorFlow 2.16+ lacks too (tf.estimator)
            gone = " (tf.estimator was removed in TensorFlow 2.16)" if ".estimator." in renamed else ""
            version = ".".join(map(str, self.target))
            return f"; tf_upgrade_v2 renames it {tf_spelling(renamed)}, which TensorFlow {version} lacks too{gone}"
        return "; it has no successor in tf_upgrade_v2's rename table (tf.contrib.slim is the tf-slim package)" if (
            qualified.startswith("tensorflow.contrib.slim")) else "; it has no successor in tf_upgrade_v2's rename table"

    def hint(self, qualified: str, gone: Missing) -> str:
        """A name of the other API (TF1 <-> TF2) that exists, when there is one."""
        table = tf_api("2.21") if keras3(self.target) else tf_api("2.15")
        for name in (qualified, gone.name):
            if name.startswith("tensorflow.compat.v1."):
                other = "tensorflow." + name[len("tensorflow.compat.v1.") :]
                if table.canonical(other) is not None:
                    return f"; the TensorFlow 2 name {tf_spelling(other)} exists"
            elif not name.startswith("tensorflow.compat."):
                other = "tensorflow.compat.v1." + name[len("tensorflow.") :]
                if table.canonical(other) is not None:
                    return f"; {tf_spelling(other)} exists"
        return ""
