"""
## What it does
Flags Keras 2 APIs that fail on Keras 3, the Keras of TensorFlow 2.16 and later:
- `weights=` passed to a layer constructor that Keras 3 refuses it on (`Dense`, `Conv2D`,
  `LSTM`, ... but not `Embedding`, which still takes it), under `keras.` or `tf.keras.`;
- `model.fit_generator(...)`, `evaluate_generator`, `predict_generator` and the other public
  methods of a Keras 2.15 model that Keras 3 models lack, when the receiver is a Keras model or
  is not known to be anything else, in a file that imports TensorFlow or Keras (and not
  tf_keras, which is Keras 2);
- constructing a `keras.optimizers.legacy` optimizer (the module remains, its classes raise);
- `model.fit/evaluate/predict(...)` given `workers`, `use_multiprocessing` or `max_queue_size`
  (Keras 2's generator input options: Keras 3's raise TypeError, evaluate's ValueError);
- `model.compile(...)` given a keyword Keras 3 dropped (`sample_weight_mode`, `target_tensors`,
  `distribute`, `experimental_steps_per_execution`, `experimental_run_tf_function`: TypeError);
- `model.save(...)`/`save_weights(...)` given `save_format=` or a file name Keras 3 will not
  save under (a model must end in `.keras` or `.h5`, weights in `.weights.h5`: Keras 2 wrote a
  SavedModel or a TF checkpoint there), and `ModelCheckpoint` with such a file name (ValueError,
  checked on TF 2.21);
- Keras 1's layer keywords (`Dense(10, W_regularizer=...)`, `init=`, `border_mode=`,
  `subsample=`, `nb_filter=`, `output_dim=`, `CategoryEncoding(max_tokens=)`: Keras 3.15 raised
  ValueError "Unrecognized keyword arguments"), with a safe fix to the Keras 2 name the layer
  takes (`Embedding(init=)` is `embeddings_initializer=`), and those Keras 2 dropped
  (`BatchNormalization(mode=)`, `dim_ordering=`, `consume_less=`: no fix); `model.fit(nb_epoch=)`
  (TypeError; safe fix to `epochs=`);
- Keras 1's convolution kernel given as separate sizes in Keras 1 code (`Convolution2D(32, 3, 3)`):
  Keras 3 reads the third as strides and silently strides by 3 (checked on TF 2.21: strides
  (3, 3)); the safe fix passes the kernel as one tuple. `Conv2D(64, 3, 2)` in a module with no
  Keras 1 keyword or class name is Keras 2/3 code (strides 2) and is left alone;
- `from tensorflow.compat.v1.keras import layers` (or `tensorflow.compat.v2.keras`): only
  tf.keras is importable as a module on TF 2.16+ (ModuleNotFoundError on TF 2.21, where
  `tf.compat.v1.keras.backend is tf.keras.backend`); safe fix to `tensorflow.keras`;
- `Model(input=..., output=...)`, Keras 1's keywords (`inputs=`/`outputs=` since Keras 2; Keras
  3.15 raised ValueError, Keras 2.15 TypeError);
- a keyword a Keras 3 class whose constructor takes no `**kwargs` does not take (callbacks,
  regularizers, losses, metrics, initializers: `ModelCheckpoint(period=...)`,
  `TensorBoard(write_grads=...)`, `regularizers.l1(l=...)`, which Keras 2.15 took; TypeError,
  read from the signatures of Keras 3.15 by `tools/generate_tf_tables.py`);
- `self.model = ...` in a Keras callback (Keras 3's `Callback.model` is a read-only property:
  AttributeError, checked on TF 2.21), and `model.to_yaml()`, which Keras 2.15 already refused;
- `optimizer.lr` on a Keras optimizer (a name bound to one, or a model's `optimizer`): Keras 3
  optimizers have no `lr` (AttributeError on TF 2.21), with a safe fix to `learning_rate`, which
  Keras 2 optimizers have too;
- a Keras optimizer given Keras 2's `lr=` alias (Keras 3 raises ValueError) or `decay=` (Keras 3
  warns and ignores it: the learning rate stops decaying);
- a `get_updates` override in a subclass of a Keras optimizer (Keras 1 and 2's hook): Keras 3
  never calls it, so the program trains with the base optimizer's update and nothing raises
  (checked on TF 2.21: a Keras 3 Adam subclass whose get_updates raises trained through fit);
  one finding at the override, none for the Keras 2 names in its body, which never run;
- names of the standalone `keras` package that Keras 3 does not have (`keras.layers.merge`,
  `from keras.utils.np_utils import to_categorical`, `keras.backend.get_session`), and
  `tf.keras` names that Keras 2.15 had and Keras 3 dropped, as attributes or imports.
`tf_keras` (Keras 2 kept as a package) is never flagged, nor is a name the module also binds to
`tf_keras` (`import tf_keras as keras` when Keras 3 is installed, else `keras = tf.keras`: the
program picks Keras 2 itself), nor are names the program tests for
itself (in a `try` catching ImportError/AttributeError, in its handler, under an `if` on the
TensorFlow or Keras version: in the branch that never runs on the target where the test can be
read, as `if keras_2:` with `keras_2 = int(keras.__version__.split(".")[0]) > 1`, in either
branch where it cannot). With a target below 2.16, where tf.keras is Keras 2, nothing is flagged.

## Why is this bad?
The call raises on current TensorFlow: Keras 3 layers refuse unknown keywords with
ValueError, the generator methods and the listed names are gone (AttributeError,
ImportError), and `keras.optimizers.legacy` classes raise ImportError.

## How it was verified
All tables are generated by `tools/generate_tf_tables.py` from the real packages and checked by
`tests/test_generated_data.py`: which layers refuse `weights=` by constructing every class of
`keras.layers` and `tf.keras.layers` in Keras 3.15.1 (TensorFlow 2.21) with minimal arguments,
then with `weights=None` (classes that need a backend or a file, such as `JaxLayer`,
`FlaxLayer`, `TorchModuleWrapper` and `TFSMLayer`, could not be constructed and are left out);
the removed methods as the public methods of a compiled `Sequential` and functional `Model`
of Keras 2.15 minus the public members of Keras 3's, minus names some public TensorFlow 2.21 or
Keras 3 class still has as a method (so `reset_states` or `add_update` on an unknown receiver
are not flagged); the removed names by walking both APIs.
A script run with /root/venv-tf/bin/python printed `keras.__version__` and
`[hasattr(keras.Model, m) for m in ('fit_generator', 'evaluate_generator',
'predict_generator')]` as `3.15.1 [False, False, False]` (`2.15.0 [True, True, True]` with
/root/venv-legacy), then constructed `Dense(2)`, `Conv2D(2, 3)`, `LSTM(2)` and
`Embedding(10, 2)` with `weights=None`: the first three raised "ValueError: Unrecognized keyword
arguments passed to Dense: {'weights': None}" (Conv2D, LSTM alike), Embedding accepted it; and
`keras.optimizers.legacy.Adam()` raised "ImportError: `keras.optimizers.legacy` is not supported
in Keras 3"; `tf.keras.optimizers.Adam(lr=0.01)` and `keras.optimizers.Adam(lr=0.01)` raised
"ValueError: Argument(s) not recognized: {'lr': 0.01}", and `decay=0.1` constructed the
optimizer with "UserWarning: Argument `decay` is no longer supported and will be ignored".
With tf_keras 2.21, `tf_keras.estimator.model_to_estimator(keras_model=model)` raised
"NotImplementedError: tf.keras.estimator.model_to_estimator function not available in your
installation" (tensorflow-estimator does not install beside TensorFlow 2.16+): the message for
`tf.keras.estimator` does not offer tf_keras.
`Sequential.compile(..., sample_weight_mode=None)` (and `target_tensors`, `distribute`,
`experimental_steps_per_execution`) raised "TypeError: Trainer.compile() got an unexpected
keyword argument" on Keras 3.15. 45 old and current `keras.*` names (`keras.layers.merge`,
`keras.utils.np_utils`, `keras.backend.get_session`, `keras.layers.Dense`, ...) were looked up
in Keras 3 with getattr/import: the table agreed on all 45.

## Example
```python
import keras

dense = keras.layers.Dense(10, weights=[kernel, bias])
model.fit_generator(batches, steps_per_epoch=100)
```

## Use instead
```python
import keras

dense = keras.layers.Dense(10)
dense.build((None, kernel.shape[0]))
dense.set_weights([kernel, bias])
model.fit(batches, steps_per_epoch=100)
```

## Fix safety
Safe for `lr=`: it becomes `learning_rate=`, the parameter Keras 2's alias stood for. No
automatic fix for the rest.
"""

from __future__ import annotations

import ast
import difflib
import re
from typing import TYPE_CHECKING

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.knowledge.calls import argument, tf_spelling
from estimator_audit.knowledge.facts import receiver_class
from estimator_audit.knowledge.program import (
    defined_with_keras,
    program_function,
    program_keras_model,
    returns_other_model,
)
from estimator_audit.knowledge.tfapi import KERAS_MODEL_FACTORIES, keras3, version_text
from estimator_audit.knowledge.tfsymbols import (
    Missing,
    Reference,
    SymbolReferenceRule,
    chain_root,
    exists,
    guarded,
    keras2_only,
    keras3_parameters,
    keras3_unknown_keywords,
    keras_api,
    picks_keras2,
    rejects_weights,
    removed_model_methods,
    tf_api,
    unusable_in_keras3,
)
from estimator_audit.migrate.lookup import called, inherited_names, scopes
from estimator_audit.rule import Invalid, Valid

KERAS_ROOTS = ("keras", "tensorflow")
# (TensorFlow 2's tf.optimizers is Keras's optimizers module: Keras 3's on TF 2.16+)
KERAS_OPTIMIZERS = ("keras.optimizers.", "tensorflow.keras.optimizers.", "tensorflow.optimizers.")
KERAS_CALLBACK = ("keras.callbacks.Callback",)  # (also tensorflow.keras.callbacks.Callback)
# Keras 2 Model.compile keywords Keras 3's lacks (checked on Keras 3.15: each raised TypeError).
# The file name endings Keras 3 saves models and weights under (and ModelCheckpoint with them).
# Methods Keras 3 layers and models keep only to raise NotImplementedError ("Permanently
# disabled" in keras/src/layers/layer.py of Keras 3.15), with what replaces them.
DISABLED_METHODS = {"add_metric": "create a keras.metrics.Metric in __init__ and call its update_state() in "
                                  "call(), or pass the metric to compile(metrics=[...])"}
SAVE_ENDINGS = {"save": (".keras", ".h5"), "save_weights": (".weights.h5",)}
# Files other libraries' save methods write, which no Keras version wrote.
OTHER_LIBRARY_FILES = (".zip", ".pkl", ".pickle", ".joblib", ".pt", ".pth")
LOAD_ENDINGS = (".keras", ".weights.h5", ".weights.json", ".h5", ".hdf5")
# A TensorFlow checkpoint's prefix (`model.ckpt`, `ckpt-10`, `cp-{epoch:04d}.ckpt`).
CHECKPOINT_PREFIX = re.compile(r"ckpt|checkpoint", re.IGNORECASE)
SAVE_MODEL_FUNCTIONS = frozenset({"keras.models.save_model", "tensorflow.keras.models.save_model",
                                  "keras.saving.save_model", "tensorflow.keras.saving.save_model"})
MODEL_CHECKPOINTS = frozenset({"keras.callbacks.ModelCheckpoint", "tensorflow.keras.callbacks.ModelCheckpoint"})


# A template whose end is filled in (`'{}'.format(path)`, `'%s' % path`): the end is computed.
FILLED_END = re.compile(r"(?<!\})\}$")
PERCENT_END = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdrif]$")


def literal_tail(context: ModuleContext, node: ast.expr | None, depth: int = 0) -> str | None:
    """The end of a file name the code spells as a literal: a string, an f-string ending in a
    literal part, `os.path.join(..., "name")`, `folder + "name"`, a template filled by
    `.format(...)` or `%` (its end is the template's, unless a field ends it), or a name assigned
    one of those; None when the end is computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[-1], ast.Constant):
        return str(node.values[-1].value)
    if depth >= 3:
        return None
    if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("path.join") and node.args:
        return literal_tail(context, node.args[-1], depth + 1)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        template = literal_tail(context, node.func.value, depth + 1)
        return None if template is None or FILLED_END.search(template) else template  # `'{}'.format(p)`
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        template = literal_tail(context, node.left, depth + 1)
        return None if template is None or PERCENT_END.search(template) else template
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return literal_tail(context, node.right, depth + 1)  # `log_dir + "weights.h5"`
    if isinstance(node, ast.Name):
        return literal_tail(context, context.assigned_value(node), depth + 1)
    return None


# Keras 1's layer keywords and their Keras 2 names (Keras 2's legacy interfaces translated them):
# the first name the Keras 3 layer takes (Embedding's `init` is `embeddings_initializer`).
KERAS1_LAYER_KEYWORDS: dict[str, tuple[str, ...]] = {
    "W_regularizer": ("kernel_regularizer", "embeddings_regularizer"), "b_regularizer": ("bias_regularizer",),
    "W_constraint": ("kernel_constraint", "embeddings_constraint"), "b_constraint": ("bias_constraint",),
    "U_regularizer": ("recurrent_regularizer",), "U_constraint": ("recurrent_constraint",),
    "init": ("kernel_initializer", "embeddings_initializer"), "inner_init": ("recurrent_initializer",),
    "beta_init": ("beta_initializer",), "gamma_init": ("gamma_initializer",),
    "dropout_W": ("dropout",), "dropout_U": ("recurrent_dropout",),
    "border_mode": ("padding",), "subsample": ("strides",), "subsample_length": ("strides",),
    "filter_length": ("kernel_size",), "pool_length": ("pool_size",), "stride": ("strides",),
    "nb_filter": ("filters",), "output_dim": ("units",), "max_tokens": ("num_tokens",),
    "bias": ("use_bias",), "p": ("rate",), "sigma": ("stddev",), "input_dtype": ("dtype",),
}
# Keras 1 keywords Keras 2 dropped or took with other values: no rename is the same call.
KERAS1_DROPPED_KEYWORDS = {
    "mode": "Keras 2 kept only mode=0, the default (mode=2's batch statistics at inference have no equivalent)",
    "dim_ordering": "Keras 2 named it data_format, with 'channels_last' for 'tf' and 'channels_first' for 'th'",
    "consume_less": "Keras 2 named it implementation (1 for 'cpu' and 'mem', 2 for 'gpu')",
    "forget_bias_init": "Keras 2 kept only unit_forget_bias=True (a bias of 1)",
}
# tf.keras under a compat module, which TF 2.16+ no longer makes importable (`from
# tensorflow.compat.v1.keras import layers`: ModuleNotFoundError on TF 2.21).
COMPAT_KERAS = re.compile(r"tensorflow\.compat\.v[12]\.keras(?=\.|$)")
# Keywords only Keras 1 code passes (a module passing them is written for Keras 1).
KERAS1_SPELLED = re.compile(r"\b(?:border_mode|nb_epoch|W_regularizer|dim_ordering|nb_filter)\s*=|\bsubsample\s*=\s*\(")
# First parameters Keras 3 layers require (`Dense(units)`, `Conv2D(filters, kernel_size)`): a Keras 1
# call naming them the old way fails on the missing argument first (TypeError).
REQUIRED_FIRST = frozenset({"units", "filters"})
# Keyword arguments every Keras 3 layer takes through its base class.
BASE_LAYER_KEYWORDS = frozenset({"name", "dtype", "trainable", "autocast", "activity_regularizer",
                                 "input_shape", "input_dim", "batch_input_shape", "batch_size"})
# Keras 1 convolutions took the kernel as separate positional sizes, `Convolution2D(32, 3, 3)`;
# Keras 2 (standalone, to 2.3) still translated them; Keras 3 reads the third as strides.
KERNEL_DIMENSIONS = {"Conv2D": 2, "Convolution2D": 2, "SeparableConv2D": 2, "SeparableConvolution2D": 2,
                     "Conv2DTranspose": 2, "Conv3D": 3, "Convolution3D": 3}
KERAS_LAYERS = ("keras.layers.", "tensorflow.keras.layers.")
KERAS_LOSSES = ("keras.losses.", "tensorflow.keras.losses.")
# Functional model constructors, whose Keras 1 keywords `input=`/`output=` Keras 3 refuses.
FUNCTIONAL_MODELS = frozenset(f"{keras}.{name}" for keras in ("keras", "tensorflow.keras")
                              for name in ("Model", "models.Model"))
REMOVED_COMPILE_KEYWORDS = frozenset({"sample_weight_mode", "target_tensors", "distribute",
                                      "experimental_steps_per_execution", "experimental_run_tf_function"})
# Keras 2 fit/evaluate/predict keywords for generator input Keras 3's lack (checked on Keras
# 3.15: fit and predict raised TypeError "unexpected keyword argument", evaluate ValueError
# "Arguments not recognized").
REMOVED_RUN_KEYWORDS = frozenset({"workers", "use_multiprocessing", "max_queue_size"})
RUN_ERRORS = {"TypeError": "unexpected keyword argument", "ValueError": "Arguments not recognized"}
if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

# Model methods Keras 2.15 kept only to raise (checked: RuntimeError "removed due to security
# risk of arbitrary code execution"), and what replaces them.
RAISED_IN_KERAS2 = {"to_yaml": "save the architecture with model.to_json()"}
GENERATOR_METHODS = {
    "fit_generator": "fit",
    "evaluate_generator": "evaluate",
    "predict_generator": "predict",
}


# A Keras optimizer class, as a base of the program's own optimizer (tf_keras keeps Keras 2).
KERAS_OPTIMIZER = re.compile(r"(?:keras|tensorflow\.keras|tensorflow\.python\.keras)\.optimizers?\.\w+$")


class Keras2Only(SymbolReferenceRule):
    packages = ("keras.", "tensorflow.")
    code = "EA108"
    name = "keras2-only"
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    summary = "A Keras 2 API that fails on Keras 3 (TensorFlow 2.16 and later)."
    triggers = ("keras", "optimizer", "lr=", "nb_epoch", "save", "load_weights", "reset_states", "add_metric",
                *sorted(removed_model_methods()))
    valid = (
        Valid(
            """
            import tensorflow as tf

            class TradingEnv:
                def set_model(self, model):  # a stable-baselines3 agent the caller passes
                    self._model = model

                def step(self, action):
                    self._model.save("output/best_model.zip")  # its own format, not a Keras save
            """
        ),
        Valid(
            """
            import keras

            down = keras.layers.Conv2D(64, 3, 2)  # Keras 3 code: kernel 3, strides 2
            """
        ),
        Valid(
            """
            import keras

            keras_2 = int(keras.__version__.split(".")[0]) > 1

            def dense(units, penalty):
                if keras_2:
                    return keras.layers.Dense(units, kernel_regularizer=keras.regularizers.L1L2(penalty))
                return keras.layers.Dense(units, W_regularizer=keras.regularizers.l1l2(penalty))  # Keras 1 only

            def fit_generator(model, batches, epochs):  # the module's own wrapper
                if keras_2:
                    return model.fit(batches, epochs=epochs)
                return model.fit_generator(batches, nb_epoch=epochs)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            embedding = tf.keras.layers.Embedding(input_dim=1000, output_dim=64)  # its own parameter
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def is_experimental(optimizer):  # the second operand runs only where the first holds
                return hasattr(tf.keras.optimizers, "experimental") and isinstance(
                    optimizer, tf.keras.optimizers.experimental.Optimizer)
            """
        ),
        Valid(
            """
            import keras

            def export(model, output_path):
                assert output_path.endswith(".h5")
                model.save("{}".format(output_path))  # the end is the path's, not the template's
            """
        ),
        Valid(
            """
            import tensorflow as tf
            version_fn = getattr(tf.keras, "version", None)
            if version_fn and version_fn().startswith("3."):
                import tf_keras as keras
            else:
                keras = tf.keras
            optimizer = keras.optimizers.legacy.Adam()
            loss = keras.losses.mean_squared_error
            dense = keras.layers.Dense(3, weights=[kernel, bias])
            """
        ),
        Valid(
            """
            import keras
            emb = keras.layers.Embedding(1000, 64, weights=[matrix])
            drop = keras.layers.Dropout(0.5, seed=1)
            dense = keras.layers.Dense(10)
            model = keras.Sequential([dense])
            model.fit(x, y)
            """
        ),
        Valid(
            """
            import tf_keras as keras
            dense = keras.layers.Dense(10, weights=[w, b])
            model = keras.Sequential([dense])
            model.fit_generator(batches)
            from tf_keras.layers.merge import concatenate
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from sklearn.linear_model import LinearRegression
            regressor = LinearRegression()
            regressor.fit_generator(batches)
            class Trainer:
                def fit_generator(self, batches):
                    return batches
            Trainer().fit_generator(batches)
            """
        ),
        Valid(
            """
            def train(model, batches):
                return model.fit_generator(batches)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            try:
                from keras.layers.merge import concatenate
            except ImportError:
                from keras.layers import concatenate
            lstm = tf.keras.layers.LSTM(4)
            lstm.reset_states()
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            init = tf.keras.initializers.RandomNormal(stdev=1e-7)  # a misspelling no Keras takes
            """,
            at=((2, 8),),
            message="`stdev` misspells `stddev`, which it takes: pass stddev=",
            fixed="""
            import tensorflow as tf
            init = tf.keras.initializers.RandomNormal(stddev=1e-7)  # a misspelling no Keras takes
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            estimator = tf.keras.estimator.model_to_estimator(keras_model=model)
            """,
            at=((3, 13),),
            message="tf_keras keeps the name but raises NotImplementedError",
        ),
        Invalid(
            """
            import os
            import tensorflow as tf
            tf.keras.models.save_model(model, os.path.join("checkpoints", "export", "1"))  # Keras 2's SavedModel
            """,
            at=((3, 1),),
            message="tf.keras.models.save_model('1') raises ValueError on Keras 3",
        ),
        Invalid(
            """
            import tensorflow as tf

            class TokenPredictor(tf.keras.Model):
                def call(self, x):
                    return x

            predictor = TokenPredictor()
            predictor.save_weights("saved_models/weights", save_format="tf")
            """,
            at=((8, 1),),
            message="raises TypeError on Keras 3",
        ),
        Invalid(
            """
            import tensorflow as tf

            class Environment:
                def __init__(self):
                    self.accuracy = tf.keras.metrics.Accuracy()

                def evaluate(self, labels, predictions):
                    self.accuracy.reset_states()  # Keras 2's name
                    self.accuracy.update_state(labels, predictions)
                    return self.accuracy.result()
            """,
            at=((8, 9),),
            message="metric.reset_states() raises AttributeError on Keras 3",
            fixed="""
            import tensorflow as tf

            class Environment:
                def __init__(self):
                    self.accuracy = tf.keras.metrics.Accuracy()

                def evaluate(self, labels, predictions):
                    self.accuracy.reset_state()  # Keras 2's name
                    self.accuracy.update_state(labels, predictions)
                    return self.accuracy.result()
            """,
        ),
        Invalid(
            """
            import keras
            loss = keras.losses.MeanSquaredError(reduction="auto")  # Keras 2's Reduction.AUTO
            """,
            at=((2, 8),),
            message="(reduction='auto') raises ValueError on Keras 3",
            fixed="""
            import keras
            loss = keras.losses.MeanSquaredError(reduction="sum_over_batch_size")  # Keras 2's Reduction.AUTO
            """,
        ),
        Invalid(
            """
            import tensorflow as tf

            class Net(tf.keras.Model):
                def call(self, x):
                    self.add_metric(tf.reduce_mean(x), name="mean")  # Keras 2 logged it; Keras 3 refuses
                    return x
            """,
            at=((5, 9),),
            message="self.add_metric() raises NotImplementedError on Keras 3",
        ),
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.load_weights(tf.train.latest_checkpoint("training_1"))  # a TF checkpoint's prefix
            model.load_weights("training_2/cp.ckpt")
            model.load_weights("weights.h5")
            """,
            at=((3, 1), (4, 1)),
            message="raises ValueError on Keras 3 (\"File format not supported\")",
        ),
        Invalid(
            """
            import tensorflow as tf
            model.compile(optimizer=tf.optimizers.Adam(lr=0.01), loss="mse")  # tf.optimizers is Keras's
            """,
            at=((2, 25),),
            message="tf.optimizers.Adam(lr=...) raises ValueError on Keras 3",
            fixed="""
            import tensorflow as tf
            model.compile(optimizer=tf.optimizers.Adam(learning_rate=0.01), loss="mse")  # tf.optimizers is Keras's
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            sess = tf.compat.v1.keras.backend.get_session()  # Keras 2.15 had it, under compat.v1 only
            loss = tf.keras.losses.mean_squared_error(labels, predictions)  # TF 2.21's tf.keras lacks it
            """,
            at=((2, 8), (3, 8)),
            message="Keras 2.15 had it",
        ),
        Invalid(
            """
            from keras import backend as K
            from keras.optimizers import SGD

            class SGDWithWeightnorm(SGD):
                def get_updates(self, params, loss):  # Keras 3 never calls it: nothing in it raises
                    lr = self.lr
                    moments = [K.zeros(K.get_variable_shape(p)) for p in params]
                    return [K.update(m, lr * m) for m in moments]

            optimizer = SGDWithWeightnorm(learning_rate=0.01, momentum=0.9)
            """,
            at=((5, 5),),
            message="training runs keras.optimizers.SGD's own update",
        ),
        Invalid(
            """
            import keras
            import tensorflow as tf

            if tf.__version__ < "2.1":  # exits on old TensorFlow only
                raise ImportError("TensorFlow 2.1 or later is required")
            keras_2 = int(keras.__version__.split(".")[0]) > 1

            def train(model, batches):
                if keras_2:  # true on Keras 3 too
                    model.fit_generator(batches, steps_per_epoch=10)
                else:
                    model.fit_generator(batches, samples_per_epoch=10, nb_epoch=1)
            """,
            at=((10, 9),),
            message="Keras 3 models have no fit_generator()",
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.compat.v1.keras import layers  # a module under TF 2.15 only
            from tensorflow.compat.v1 import keras  # an attribute: still imports

            dense = layers.Dense(4)
            """,
            at=((2, 1),),
            message="raises ModuleNotFoundError",
            fixed="""
            import tensorflow as tf
            from tensorflow.keras import layers  # a module under TF 2.15 only
            from tensorflow.compat.v1 import keras  # an attribute: still imports

            dense = layers.Dense(4)
            """,
        ),
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import BatchNormalization, Convolution2D, Dense, Embedding

            model = Sequential()
            model.add(Embedding(1000, 64, init="uniform"))
            model.add(Convolution2D(32, 3, 3, border_mode="same", subsample=(2, 2)))
            model.add(Convolution2D(64, 3, 3))
            model.add(BatchNormalization(mode=2))
            model.add(Dense(1, init=lambda shape, name: normal(shape, scale=1e-4, name=name)))
            model.fit(x, y, nb_epoch=10)
            """,
            at=((5, 11), (6, 11), (7, 11), (8, 11), (9, 11), (10, 1)),
            fixed="""
            from keras.models import Sequential
            from keras.layers import BatchNormalization, Convolution2D, Dense, Embedding

            model = Sequential()
            model.add(Embedding(1000, 64, embeddings_initializer="uniform"))
            model.add(Convolution2D(32, (3, 3), padding="same", strides=(2, 2)))
            model.add(Convolution2D(64, (3, 3)))
            model.add(BatchNormalization(mode=2))
            model.add(Dense(1, init=lambda shape, name: normal(shape, scale=1e-4, name=name)))
            model.fit(x, y, epochs=10)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf

            class Attention(tf.keras.callbacks.Callback):
                def __init__(self, model, x):
                    super().__init__()
                    self.model = model  # Keras 3: a read-only property
                    self.x = x
            """,
            at=((6, 9),),
            message="Callback.model is a read-only property",
        ),
        Invalid(
            """
            import tensorflow as tf

            optim = tf.optimizers.Adam(0.01)
            optim.lr.assign(0.001)

            class Decay(tf.keras.callbacks.Callback):
                def on_epoch_begin(self, epoch, logs=None):
                    tf.keras.backend.set_value(self.model.optimizer.lr, 0.1 / (epoch + 1))
            """,
            at=((4, 1), (8, 36)),
            message="Keras 3 optimizers have no `lr`",
            fixed="""
            import tensorflow as tf

            optim = tf.optimizers.Adam(0.01)
            optim.learning_rate.assign(0.001)

            class Decay(tf.keras.callbacks.Callback):
                def on_epoch_begin(self, epoch, logs=None):
                    tf.keras.backend.set_value(self.model.optimizer.learning_rate, 0.1 / (epoch + 1))
            """,
        ),
        Invalid(
            """
            import tensorflow as tf

            board = tf.keras.callbacks.TensorBoard("logs", write_grads=True, batch_size=32)
            penalty = tf.keras.regularizers.l1(l=0.01)  # Keras 2 took any keyword here
            """,
            at=((3, 9), (4, 11)),
            message="raises TypeError on Keras 3: its constructor takes no",
        ),
        Invalid(
            """
            import os

            if os.environ.get("FRAMEWORK") == "tf.keras":
                from tensorflow import keras
            else:
                import keras

            value = keras.backend.eval(total)  # raises with the standalone Keras 3 only
            """,
            at=((8, 9),),
            message="(where `keras` is the standalone package; as tf.keras, imported at line 4, "
                    "tf.keras.backend.eval exists)",
        ),
        Invalid(
            """
            from keras.utils import multi_gpu_model

            parallel = multi_gpu_model(model, gpus=2)  # gone since Keras 2.4: tf_keras lacks it too
            """,
            at=((1, 25),),
            message="nor in Keras 2.15 (tf_keras): this raises ImportError; port this code",
        ),
        Invalid(
            """
            import keras

            hidden = keras.layers.Dense(64, W_regularizer=keras.regularizers.l2(0.01), init="he_normal")
            counts = keras.layers.CategoryEncoding(max_tokens=10)
            words = keras.layers.TextVectorization(max_tokens=1000)  # its own parameter
            """,
            at=((3, 10), (4, 10)),
            fixed="""
            import keras

            hidden = keras.layers.Dense(64, kernel_regularizer=keras.regularizers.l2(0.01), kernel_initializer="he_normal")
            counts = keras.layers.CategoryEncoding(num_tokens=10)
            words = keras.layers.TextVectorization(max_tokens=1000)  # its own parameter
            """,
        ),
        Invalid(
            """
            import keras.backend as K

            def positions(n):
                if K.backend() == "theano":  # Keras 2's Theano backend: never run on Keras 3
                    return K.T.arange(n)
                return K.arange(n)
            """,
            at=((6, 12),),
            message="keras.backend.arange does not exist in Keras 3",
        ),
        Invalid(
            """
            import keras

            def train(model, x, y, log_dir):
                checkpoint = keras.callbacks.ModelCheckpoint(log_dir + "ep{epoch:03d}.h5", save_weights_only=True)
                model.fit(x, y, callbacks=[checkpoint], workers=4, use_multiprocessing=True)
                model.save_weights(log_dir + "trained_weights.h5")
                model.evaluate(x, y, max_queue_size=10)
            """,
            at=((4, 18), (5, 5), (6, 5), (7, 5)),
        ),
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            checkpoint_path = "training/cp-{epoch:04d}.ckpt"  # a TF checkpoint prefix, as Keras 2 wrote
            saver = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_path, save_weights_only=True)
            model.save_weights(checkpoint_path.format(epoch=0))
            """,
            at=((4, 9), (5, 1)),
        ),
        Invalid(
            """
            import os
            import keras
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
            model.save(os.path.join(model_dir, "export"), save_format="tf")
            model.save(f"{model_dir}/model")
            model.save_weights("weights.h5")
            checkpoint = keras.callbacks.ModelCheckpoint(os.path.join(model_dir, "weights-{epoch:04d}"),
                                                         save_weights_only=True)
            model.save("model.keras")
            model.save_weights(path)
            best = keras.callbacks.ModelCheckpoint("best.h5")
            """,
            at=((4, 1), (5, 1), (6, 1), (7, 14)),
        ),
        Invalid(
            """
            from keras.models import *
            from keras.layers import *
            from keras.optimizers import *
            inputs = Input((256, 256, 1))
            model = Model(input=inputs, output=Conv2D(1, 1)(inputs))
            model.compile(optimizer=Adam(lr=1e-4), loss="binary_crossentropy")
            """,
            at=((5, 9), (6, 25)),
            fixed="""
            from keras.models import *
            from keras.layers import *
            from keras.optimizers import *
            inputs = Input((256, 256, 1))
            model = Model(inputs=inputs, outputs=Conv2D(1, 1)(inputs))
            model.compile(optimizer=Adam(learning_rate=1e-4), loss="binary_crossentropy")
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse", sample_weight_mode="temporal")
            """,
            at=((3, 1),),
            message="raises TypeError on Keras 3",
        ),
        Invalid(
            """
            import tensorflow as tf
            optimizer = tf.keras.optimizers.Adam(lr=0.01)
            decayed = tf.keras.optimizers.SGD(learning_rate=0.1, decay=1e-4)
            """,
            at=((2, 13), (3, 11)),
            fixed="""
            import tensorflow as tf
            optimizer = tf.keras.optimizers.Adam(learning_rate=0.01)
            decayed = tf.keras.optimizers.SGD(learning_rate=0.1, decay=1e-4)
            """,
        ),
        Invalid(
            """
            import keras
            opt = keras.optimizers.adam(lr=0.001, decay=1e-5)  # gone itself: its keywords are moot
            """,
            at=((2, 7),),
            message="keras.optimizers.adam does not exist in Keras 3",
        ),
        Invalid(
            """
            import keras
            dense = keras.layers.Dense(10, weights=[kernel, bias])
            """,
            at=((2, 9),),
            message="Dense(weights=...) raises ValueError on Keras 3",
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.keras.layers import Conv2D
            conv = Conv2D(8, 3, weights=pretrained)
            lstm = tf.keras.layers.LSTM(4, weights=pretrained)
            """,
            at=((3, 8), (4, 8)),
        ),
        Invalid(
            """
            import tensorflow as tf
            def train(model, batches):
                model.fit_generator(batches, steps_per_epoch=10)
                model.evaluate_generator(batches)
            """,
            at=((3, 5), (4, 5)),
            message="Keras 3 models have no",
        ),
        Invalid(
            """
            from tensorflow import keras
            model = keras.Sequential()
            preds = model.predict_generator(batches)
            """,
            at=((3, 9),),
            message="use model.predict",
        ),
        Invalid(
            """
            import keras
            from keras.layers.merge import concatenate
            from keras.utils.np_utils import to_categorical
            session = keras.backend.get_session()
            """,
            at=((2, 1), (3, 1), (4, 11)),
            message="does not exist in Keras 3",
        ),
        Invalid(
            """
            import tensorflow as tf
            opt = tf.keras.optimizers.legacy.Adam(0.001)
            """,
            at=((2, 7),),
            message="ImportError",
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        self._defined: frozenset[str] | None = None
        self.skipped_hooks = self.keras2_optimizer_hooks()
        self.reported_hooks: set[int] = set()

    def keras2_optimizer_hooks(self) -> list[tuple[ast.FunctionDef, str]]:
        """`get_updates` overrides in subclasses of a Keras optimizer (weight normalisation's
        `class AdamWN(Adam)`), with the base they extend: Keras 3 never calls the hook."""
        if "get_updates" not in self.context.source.text or not keras3(self.target):
            return []
        hooks = []
        for cls in (node for node in ast.walk(self.context.tree) if isinstance(node, ast.ClassDef)):
            bases = [base for base in inherited_names(self.context, cls) if KERAS_OPTIMIZER.match(base)]
            hooks += [(method, tf_spelling(bases[0])) for method in cls.body
                      if bases and isinstance(method, ast.FunctionDef) and method.name == "get_updates"]
        return hooks

    def report_hook(self, method: ast.FunctionDef, base: str) -> None:
        """The hook's finding, once: code in it never runs, so nothing it names raises."""
        if id(method) in self.reported_hooks:
            return
        self.reported_hooks.add(id(method))
        super().report(method, f"`get_updates` is the optimizer hook of Keras 1 and 2, which Keras 3 (TensorFlow "
                       f"{self.version()}) never calls: this override is skipped without an error and "
                       f"training runs {base}'s own update; port it to Keras 3's update_step(gradient, "
                       "variable, learning_rate), with build() for its slot variables")

    def finish(self) -> None:
        super().finish()
        for method, base in self.skipped_hooks:  # (with or without other findings in it)
            if not guarded(self.context, method, frozenset()):
                self.report_hook(method, base)

    def visit_Call(self, node: ast.Call) -> None:
        if not keras3(self.target) or picks_keras2(self.context, node):
            return
        name = self.context.call_name(node)
        if name is not None and any(k.arg == "weights" for k in node.keywords):
            error = rejects_weights(name, self.target)
            if error is not None:
                self.report(node, self.weights_message(name, error))
        unusable = unusable_in_keras3(name, self.target)
        if name is not None and unusable is not None:
            self.report(
                node,
                f"{tf_spelling(name)}() raises {unusable} on Keras 3: keras.optimizers.legacy "
                "only remains as a module; use the optimizer of the same name in "
                "keras.optimizers (or install tf_keras for Keras 2)",
            )
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if method in removed_model_methods() and self.on_keras_model(name, method):
            self.report(node, self.method_message(method))
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if method == "reset_states" and receiver is not None and not node.args and self.keras_metric(receiver):
            edit = Edit(EditAction.REPLACE, self.context.span(node.func), text=f"{ast.unparse(receiver)}.reset_state")
            self.report(node, "metric.reset_states() raises AttributeError on Keras 3, whose metrics have only "
                        "reset_state() (Keras 2 had both, the same method); call reset_state()",
                        Fix(FixSafety.SAFE, "call reset_state(), Keras 3's name", (edit,)))
        if method in DISABLED_METHODS and self.on_keras_model(name, method):
            self.report(node, f"{ast.unparse(node.func)}() raises NotImplementedError on Keras 3, whose layers and "
                        f"models keep {method} only to refuse it; {DISABLED_METHODS[method]}")
        gone = sorted({k.arg for k in node.keywords if k.arg} & REMOVED_COMPILE_KEYWORDS)
        if method == "compile" and gone and self.on_keras_model(name, method):
            self.report(node, f"model.compile({gone[0]}=...) raises TypeError on Keras 3 (\"unexpected keyword "
                        f"argument '{gone[0]}'\"): Keras 2's compile took it, Keras 3's does not; drop it")
        dropped = sorted({k.arg for k in node.keywords if k.arg} & REMOVED_RUN_KEYWORDS)
        if method == "fit" and any(k.arg == "nb_epoch" for k in node.keywords) and not any(
                k.arg == "epochs" for k in node.keywords) and self.on_keras_model(name, method):
            edit = Edit(EditAction.NAME_ARGUMENT, self.context.span(node), "epochs", "nb_epoch")
            self.report(node, "model.fit(nb_epoch=...) is Keras 1's keyword: Keras 3's fit raises TypeError "
                        "(\"unexpected keyword argument 'nb_epoch'\"); pass epochs=, its Keras 2 name",
                        Fix(FixSafety.SAFE, "pass epochs=", (edit,)))
        if method in ("fit", "evaluate", "predict") and dropped and self.on_keras_model(name, method):
            error = "ValueError" if method == "evaluate" else "TypeError"
            self.report(node, f"model.{method}({dropped[0]}=...) raises {error} on Keras 3 (\"{RUN_ERRORS[error]}\"): "
                        f"Keras 2's {method} ran a generator's input with workers and a queue, Keras 3's takes "
                        "none of workers, use_multiprocessing or max_queue_size; drop them (parallel input "
                        "belongs to the keras.utils.PyDataset(workers=...) it reads)")
        optimizer = name if name is not None and name.startswith(KERAS_OPTIMIZERS) and ".legacy." not in name else None
        if optimizer is None and {"lr", "decay"} & {k.arg for k in node.keywords} and self.derived_optimizer(node):
            optimizer = name or ast.unparse(node.func)  # a program's subclass of a Keras optimizer
        if optimizer is not None and keras2_only(name, self.target) is None:
            self.check_optimizer_keywords(node, optimizer)  # (not on `keras.optimizers.adam(...)`, itself gone)
        if name in FUNCTIONAL_MODELS:
            self.check_model_keywords(node, name)
        if name is not None and name.startswith(KERAS_LAYERS):
            self.check_layer_keywords(node, name)
        if method in ("save", "save_weights") and self.saves_a_keras_model(node, name, method):
            self.check_saving(node, method, node.args[0] if node.args else None)
        if name in SAVE_MODEL_FUNCTIONS:  # `tf.keras.models.save_model(model, path)`: the same save
            given = argument(node, "filepath", ("model", "filepath"))
            self.check_saving(node, "save", given if isinstance(given, ast.expr) else None, tf_spelling(name))
        if method == "load_weights" and node.args and self.saves_a_keras_model(node, name, method):
            self.check_loading(node)
        if name in MODEL_CHECKPOINTS:
            self.check_checkpoint(node)
        if name is not None and name.startswith(KERAS_LOSSES) and name.rsplit(".", 1)[-1][:1].isupper():
            self.check_reduction(node, name)
        unknown = keras3_unknown_keywords(name, (k.arg for k in node.keywords if k.arg), self.target)
        if name is not None and unknown and not any(k.arg is None for k in node.keywords):
            said = (f"{tf_spelling(name)}({', '.join(f'{k}=...' for k in unknown)}) raises TypeError on "
                    f"Keras 3: its constructor takes no {' or '.join(unknown)} (\"unexpected keyword argument "
                    f"'{unknown[0]}'\")")
            parameters = (keras3_parameters(name, self.target) or (frozenset(), False))[0]
            meant = difflib.get_close_matches(unknown[0], sorted(parameters), n=1, cutoff=0.8)
            if len(unknown) == 1 and meant and meant[0] not in {k.arg for k in node.keywords}:
                # (`RandomNormal(stdev=1e-7)`: a misspelling no Keras took; dropping it would change the value)
                self.report(node, f"{said}; `{unknown[0]}` misspells `{meant[0]}`, which it takes: pass "
                            f"{meant[0]}= (dropping it would silently use the default)",
                            Fix(FixSafety.UNSAFE, f"pass {meant[0]}=",
                                (Edit(EditAction.NAME_ARGUMENT, self.context.span(node), meant[0], unknown[0]),)))
                return
            self.report(node, f"{said}; drop {'it' if len(unknown) == 1 else 'them'} or use its Keras 3 "
                        "parameters (or install tf_keras for Keras 2)")

    def saves_a_keras_model(self, node: ast.Call, name: str | None, method: str) -> bool:
        """A Keras model's save: the receiver is one, or, unknown, is named like a model or is
        compiled or fit in the module (not a tf.train.Checkpoint or Saver)."""
        if not self.on_keras_model(name, method):
            return False
        if name is not None:
            return True
        held = node.func.value if isinstance(node.func, ast.Attribute) else None
        receiver = ast.unparse(held) if held is not None else ""
        text = self.context.source.text
        return ("model" in receiver.lower() or f"{receiver}.compile(" in text or f"{receiver}.fit(" in text
                or (held is not None and self.made_by_model_class(held)))

    def made_by_model_class(self, receiver: ast.expr) -> bool:
        """`m = M()` where the module's class M derives from a Keras model."""
        made = self.context.assigned_value(receiver) if isinstance(receiver, ast.Name) else None
        if not (isinstance(made, ast.Call) and isinstance(made.func, ast.Name)):
            return False
        cls = next((node for node in self.context.tree.body if isinstance(node, ast.ClassDef)
                    and node.name == made.func.id), None)
        return cls is not None and any(self.context.qualified_name(base) in KERAS_MODEL_FACTORIES
                                       for base in cls.bases)

    def check_saving(self, node: ast.Call, method: str, given: ast.expr | None, shown: str = "") -> None:
        """Keras 3 saves by the file's extension: `.keras` or `.h5` for models, `.weights.h5`
        for weights, and has no `save_format` (TF 2.21: ValueError for save, TypeError for
        save_weights). `given` is the path argument, `shown` the save function's name."""
        shown = shown or f"model.{method}"
        if any(k.arg == "save_format" for k in node.keywords):
            error = "ValueError" if method == "save" else "TypeError"
            advice = ("drop it and name the file .keras, or call model.export(path) where the SavedModel "
                      "save_format='tf' wrote is read (TF Serving, TFMA, tf.saved_model.load)" if method == "save"
                      else "drop it and name the file .weights.h5")
            self.report(node, f"{shown}(save_format=...) raises {error} on Keras 3, which saves by the "
                        f"file's extension and has no save_format: {advice}")
            return
        path = literal_tail(self.context, given)
        endings = SAVE_ENDINGS[method]
        if path is not None and path.endswith(OTHER_LIBRARY_FILES):
            return  # `self._model.save("best.zip")`: a stable-baselines3 agent, a pickled or PyTorch model
        if path is not None and not path.endswith(endings):
            wrote = ("Keras 2 wrote a SavedModel there: model.export(path) still does" if method == "save"
                     else "Keras 2 wrote HDF5 there too: only the name must change" if path.endswith((".h5", ".hdf5"))
                     else "Keras 2 wrote a TensorFlow checkpoint there")
            self.report(node, f"{shown}('{path}') raises ValueError on Keras 3: the file name must end in "
                        f"{' or '.join(endings)} ({wrote})")

    def check_loading(self, node: ast.Call) -> None:
        """Keras 3's load_weights reads .keras, .weights.h5 and legacy .h5 files (and Orbax
        checkpoints), not the TensorFlow checkpoint Keras 2's save_weights wrote by default:
        `model.load_weights(tf.train.latest_checkpoint(folder))` raises ValueError ("File
        format not supported", keras/src/saving/saving_api.py of Keras 3.15)."""
        given = node.args[0]
        latest = isinstance(given, ast.Call) and (self.context.call_name(given) or "").endswith(
            "train.latest_checkpoint")
        path = None if latest else literal_tail(self.context, given)
        extension = path is not None and "." in path.rsplit("/", 1)[-1]
        # (a name without an extension may be an Orbax checkpoint folder Keras 3 wrote)
        unreadable = path is not None and not path.endswith(LOAD_ENDINGS) and (
            extension or CHECKPOINT_PREFIX.search(path) is not None)
        if not (latest or unreadable):
            return
        shown = "tf.train.latest_checkpoint(...)" if latest else f"'{path}'"
        self.report(node, f"model.load_weights({shown}) raises ValueError on Keras 3 (\"File format not "
                    "supported\"): it reads .keras, .weights.h5 and .h5 files, not the TensorFlow checkpoint "
                    "Keras 2's save_weights wrote; re-save the weights as .weights.h5 with Keras 2 (tf_keras), "
                    "or load them there")

    def keras_metric(self, receiver: ast.expr) -> bool:
        """Whether the module binds the receiver only to Keras metric objects
        (`self.accuracy = tf.keras.metrics.Accuracy()`)."""
        values = self.context.facts.held_values(receiver) if not isinstance(receiver, ast.Name) else [
            self.context.assigned_value(receiver)]
        made = [self.context.call_name(value) or "" for value in values if isinstance(value, ast.Call)]
        return bool(made) and len(made) == len(values) and all(
            name.startswith(("keras.metrics.", "tensorflow.keras.metrics.")) for name in made)

    def check_reduction(self, node: ast.Call, name: str) -> None:
        """Keras 2's `reduction="auto"` (Reduction.AUTO), which Keras 3's losses refuse (3.15:
        ValueError "Invalid value for argument `reduction`"); outside a distribution strategy AUTO
        meant "sum_over_batch_size", Keras 3's default."""
        given = next((k.value for k in node.keywords if k.arg == "reduction"), None)
        if not (isinstance(given, ast.Constant) and given.value == "auto"):
            return
        edit = Edit(EditAction.REPLACE, self.context.span(given), text='"sum_over_batch_size"')
        self.report(node, f"{tf_spelling(name)}(reduction='auto') raises ValueError on Keras 3 (\"Invalid value for "
                    "argument `reduction`\"): Keras 2's AUTO meant sum_over_batch_size outside a distribution "
                    "strategy, Keras 3's default; pass that",
                    Fix(FixSafety.SAFE, "pass reduction='sum_over_batch_size', what AUTO chose", (edit,)))

    def check_checkpoint(self, node: ast.Call) -> None:
        """ModelCheckpoint's file name must end as the Keras 3 save it will call expects."""
        path = literal_tail(self.context, node.args[0]) if node.args else literal_tail(
            self.context, next((k.value for k in node.keywords if k.arg == "filepath"), None))
        weights = any(k.arg == "save_weights_only" and isinstance(k.value, ast.Constant) and k.value.value is True
                      for k in node.keywords)
        endings = SAVE_ENDINGS["save_weights" if weights else "save"]
        if path is not None and not path.endswith(endings):
            self.report(node, f"ModelCheckpoint('{path}'{', save_weights_only=True' if weights else ''}) raises "
                        f"ValueError on Keras 3: the file name must end in {' or '.join(endings)}")

    def check_layer_keywords(self, node: ast.Call, name: str) -> None:
        """Keras 1's layer keywords (`Dense(10, W_regularizer=l2)`, `Conv2D(..., border_mode=)`):
        Keras 3 raises ValueError "Unrecognized keyword arguments passed to Dense" (checked on
        3.15); the Keras 2 name means the same. A keyword the layer names itself is its own
        (`Embedding(output_dim=)`); a layer Keras 3 lacks is reported as a missing name."""
        layer = name.rsplit(".", 1)[-1]
        # (a layer imported from a module Keras 3 dropped, `keras.layers.convolutional.Convolution2D`,
        # is the layer of that name: the import is reported, the call is judged as if it were fixed)
        own = keras3_parameters(name, self.target) or keras3_parameters(f"keras.layers.{layer}", self.target)
        if own is None:
            return
        taken = own[0] | BASE_LAYER_KEYWORDS
        passed = {k.arg for k in node.keywords if k.arg}
        renames = {k: new for k in sorted(passed & KERAS1_LAYER_KEYWORDS.keys() - taken)
                   if (k != "max_tokens" or layer == "CategoryEncoding")
                   and (new := next((n for n in KERAS1_LAYER_KEYWORDS[k] if n in taken), None)) is not None
                   and new not in passed}  # both spellings given: broken another way
        dropped = sorted(passed & KERAS1_DROPPED_KEYWORDS.keys() - taken)
        kernel = self.keras1_kernel(node, name, layer)
        if not (renames or dropped or kernel):
            return
        edits = [Edit(EditAction.NAME_ARGUMENT, self.context.span(node), n, o) for o, n in renames.items()]
        said = []
        if kernel:
            sizes = ", ".join(ast.unparse(a) for a in node.args[1:1 + kernel])
            said.append(f"{tf_spelling(name)}({ast.unparse(node.args[0])}, {sizes}) is Keras 1's (filters, "
                        f"{'rows, cols' if kernel == 2 else 'dim1, dim2, dim3'}): Keras 3 reads the sizes after the "
                        f"first as kernel_size then strides, so this layer silently strides by {ast.unparse(node.args[2])}"
                        f"; pass the kernel as one tuple, ({sizes})")
            edits.append(Edit(EditAction.PACK_ARGUMENTS, self.context.span(node), text=f"1:{1 + kernel}"))
        if renames:
            old, new = next(iter(renames.items()))
            required = next((n for n in renames.values() if n in REQUIRED_FIRST and not node.args), None)
            error = (f"TypeError (\"missing 1 required positional argument: '{required}'\")" if required
                     else f"ValueError (\"Unrecognized keyword arguments passed to {layer}\")")
            said.append(f"{tf_spelling(name)}({old}=...) is Keras 1's keyword: Keras 3 raises {error}; pass "
                        f"{new}=, its Keras 2 name")
        for keyword in dropped:
            said.append(f"{tf_spelling(name)}({keyword}=...) is Keras 1's keyword: Keras 3 raises ValueError "
                        f"(\"Unrecognized keyword arguments passed to {layer}\"); {KERAS1_DROPPED_KEYWORDS[keyword]}")
        keras1_initializers = [k.arg for k in node.keywords if k.arg in ("init", "inner_init")
                               and self.keras1_initializer(k.value)]
        if keras1_initializers:
            said.append(f"the {keras1_initializers[0]}= function takes Keras 1's (shape, name): Keras 2 and 3 call "
                        "an initializer as (shape, dtype=...), so port it too (no automatic fix)")
        described = [*(["pass the kernel as a tuple"] if kernel else []), *(f"pass {n}=" for n in renames.values())]
        fix = Fix(FixSafety.SAFE, ", ".join(described), tuple(edits)) if (
            edits and not dropped and not keras1_initializers) else None
        self.report(node, "; and ".join(said) + ("" if fix or not dropped else " (no automatic fix: "
                                                 "the Keras 1 keyword without a Keras 2 name must be ported by hand)"),
                    fix)

    def keras1_initializer(self, value: ast.expr) -> bool:
        """A Keras 1 initializer function: `lambda shape, name: normal(shape, scale=0.01, name=name)`
        or a def of the module taking `name`."""
        function: ast.expr | ast.stmt | None = value
        if isinstance(value, ast.Name):
            function = next((d for d in self.context.tree.body if isinstance(d, ast.FunctionDef)
                             and d.name == value.id), None)
        if not isinstance(function, (ast.Lambda, ast.FunctionDef)):
            return False
        return "name" in {a.arg for a in (*function.args.args, *function.args.kwonlyargs)}

    def keras1_kernel(self, node: ast.Call, name: str, layer: str) -> int:
        """The number of kernel sizes a standalone-Keras convolution is given Keras 1's way
        (`Convolution2D(32, 3, 3)`: 2), or 0. Only the call's whole positional form is read:
        tf.keras never translated it, so there the third argument was strides all along."""
        dimensions = KERNEL_DIMENSIONS.get(layer, 0)
        if not dimensions or not name.startswith("keras.") or len(node.args) != 1 + dimensions or any(
                isinstance(a, (ast.Tuple, ast.List, ast.Starred)) for a in node.args):
            return 0
        # Keras 3 code may mean `Conv2D(64, 3, 2)` (strides 2): only Keras 1 code is read Keras 1's way.
        keras1 = "Convolution" in layer or KERAS1_SPELLED.search(self.context.source.text) is not None
        return dimensions if keras1 else 0

    def check_model_keywords(self, node: ast.Call, name: str) -> None:
        """Keras 1's `Model(input=..., output=...)`: Keras 3 raises ValueError (Keras 2.15 raised
        TypeError too); the parameters are `inputs` and `outputs`."""
        keywords = {k.arg for k in node.keywords if k.arg}
        old = sorted(keywords & {"input", "output"})
        if not old or keywords & {"inputs", "outputs"}:
            return
        edits = tuple(Edit(EditAction.NAME_ARGUMENT, self.context.span(node), f"{k}s", k) for k in old)
        self.report(node, f"{tf_spelling(name)}({'=..., '.join(old)}=...) is Keras 1's spelling: Keras 3 raises "
                    "ValueError (\"Unrecognized keyword arguments passed to Model\"); pass "
                    f"{', '.join(f'{k}s=' for k in old)}",
                    Fix(FixSafety.SAFE, f"pass {', '.join(f'{k}s=' for k in old)}", edits))

    def check_optimizer_keywords(self, node: ast.Call, name: str) -> None:
        """Keras 2's `lr=` alias, which Keras 3 optimizers refuse, and `decay=`, which they ignore."""
        keywords = {k.arg for k in node.keywords}
        if "lr" in keywords and "learning_rate" not in keywords:
            edit = Edit(EditAction.NAME_ARGUMENT, self.context.span(node), "learning_rate", "lr")
            self.report(node, f"{tf_spelling(name)}(lr=...) raises ValueError on Keras 3 (\"Argument(s) not "
                        "recognized: {'lr': ...}\"): Keras 2's alias is gone; pass learning_rate=",
                        Fix(FixSafety.SAFE, "pass learning_rate=, the parameter lr stood for", (edit,)))
        if "decay" in keywords:
            self.report(node, f"{tf_spelling(name)}(decay=...) is ignored by Keras 3 (UserWarning: \"Argument "
                        "`decay` is no longer supported and will be ignored\"), so the learning rate no longer "
                        "decays and training differs from Keras 2's; pass learning_rate="
                        "keras.optimizers.schedules.InverseTimeDecay(rate, decay_steps=1, decay_rate=decay), "
                        "Keras 2's rate / (1 + decay * iterations)")

    def on_keras_model(self, name: str | None, method: str) -> bool:
        """The receiver is a Keras (3) model, or not known to be anything else: a file that
        defines a function of that name may be calling its own."""
        if self.context.imports_any(("tf_keras",)):
            return False
        if name is None:
            return self.context.imports_any(("tensorflow", "keras")) and method not in self.defined()
        owner = receiver_class(name)
        if owner is not None and program_function(self.context, owner):  # `get_model().fit`: the program's builder
            if returns_other_model(self.context, owner):
                return False  # (a TensorLayer model: its save_weights writes any .h5 name)
            return self.context.imports_any(("tensorflow", "keras")) or defined_with_keras(self.context, owner)
        if owner is not None and program_keras_model(self.context, owner):
            return True  # `model = Yolact(...)`, a Keras model subclass of another module
        return owner in KERAS_MODEL_FACTORIES and not owner.startswith("tf_keras.")

    def defined(self) -> frozenset[str]:
        """Names of the methods the file's classes define (walked once, when needed): a call on
        a receiver may reach one; a module-level `def fit_generator(model, ...)` wrapper is not
        what `model.fit_generator(...)` inside it calls."""
        if self._defined is None:
            self._defined = frozenset(
                n.name for c in ast.walk(self.context.tree) if isinstance(c, ast.ClassDef)
                for n in c.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            )
        return self._defined

    def visit_Import(self, node: ast.Import) -> None:
        super().visit_Import(node)
        self.check_compat_keras_import(node, [alias.name for alias in node.names])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        super().visit_ImportFrom(node)
        self.check_compat_keras_import(node, [node.module] if node.module and not node.level else [])

    def check_compat_keras_import(self, node: ast.Import | ast.ImportFrom, modules: list[str]) -> None:
        """`from tensorflow.compat.v1.keras import layers`: TensorFlow 2.16+ makes tf.keras a
        module of its own but not tf.compat.v1.keras, which only remains an attribute
        (ModuleNotFoundError on TF 2.21; TF 2.15 imported it). As an attribute it is tf.keras
        (TF 2.21: `tf.compat.v1.keras.backend is tf.keras.backend`), so the import of
        tensorflow.keras is the same one."""
        matched = next((match for m in modules if (match := COMPAT_KERAS.match(m))), None)
        if matched is None or not keras3(self.target) or picks_keras2(self.context, node):
            return
        found = matched.string
        new = COMPAT_KERAS.sub("tensorflow.keras", found, count=1)
        line = self.context.source.lines[node.lineno - 1]
        start = line.find(f" {found} ", node.col_offset) + 1
        fix = Fix(FixSafety.SAFE, f"import {new}, the same module", (Edit(
            EditAction.REPLACE, (node.lineno, start + 1, node.lineno, start + 1 + len(found)), text=new),)
        ) if isinstance(node, ast.ImportFrom) and start > 0 else None
        self.report(node, f"import of {found} raises ModuleNotFoundError on TensorFlow {self.version()} (\"No module "
                    f"named '{matched.group(0)}'\"): only tf.keras is importable as a module; "
                    f"import {new}, the same module there", fix)

    def report(self, node: ast.AST, message: str, fix: Fix | None = None) -> None:
        """Report, unless the program runs this code on one Keras only by its own test (`if
        keras_2: ... else: <Keras 1 call>`, an `if` on the TensorFlow version); a finding inside
        an optimizer hook Keras 3 never calls becomes the hook's own."""
        if guarded(self.context, node, frozenset()):
            return
        line = getattr(node, "lineno", 0)
        hook = next(((method, base) for method, base in self.skipped_hooks
                     if method.lineno <= line <= (method.end_lineno or method.lineno)), None)
        if hook is not None:
            self.report_hook(*hook)
        else:
            super().report(node, message, fix)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        super().visit_Attribute(node)
        if node.attr == "lr" and isinstance(node.ctx, ast.Load) and keras3(self.target) \
                and self.keras_optimizer(node.value) and not picks_keras2(self.context, node):
            text = self.context.source.segment(self.context.span(node.value))
            fix = Fix(FixSafety.SAFE, f"use {text}.learning_rate",
                      (Edit(EditAction.REPLACE, self.context.span(node), text=f"{text}.learning_rate"),)
                      ) if "\n" not in text else None
            self.report(node, f"{text}.lr: Keras 3 optimizers have no `lr` (AttributeError on TensorFlow "
                        f"{self.version()}; Keras 2 kept it as an alias): use {text}.learning_rate, which "
                        "Keras 2 has too", fix)

    def visit_Assign(self, node: ast.Assign) -> None:
        """`self.model = model` in a Keras callback: Keras 3's Callback.model is a read-only
        property (AttributeError "property 'model' ... has no setter", checked on TF 2.21)."""
        if not keras3(self.target) or not any(
                isinstance(t, ast.Attribute) and t.attr == "model" and isinstance(t.value, ast.Name)
                and t.value.id == "self" for t in node.targets):
            return
        cls = next((a for a in reversed(self.context.ancestors) if isinstance(a, ast.ClassDef)), None)
        if cls is None or not any((self.context.qualified_name(base) or "").endswith(KERAS_CALLBACK)
                                  and not picks_keras2(self.context, base) for base in cls.bases):
            return
        self.report(node, f"self.model = ... in a Keras callback raises AttributeError on TensorFlow "
                    f"{self.version()}: Keras 3's Callback.model is a read-only property (Keras 2 let it be set); "
                    "keep the model under another attribute (fit hands a callback its model through set_model)")

    def derived_optimizer(self, call: ast.Call) -> bool:
        """A program class deriving from a Keras optimizer (weightnorm's `SGDWithWeightnorm(SGD)`,
        in this module or another)."""
        found = called(self.context, call)
        return found is not None and isinstance(found.node, ast.ClassDef) and any(
            base.startswith(KERAS_OPTIMIZERS) and ".legacy." not in base
            for base in inherited_names(found.context, found.node))

    def in_optimizer_class(self) -> bool:
        """Whether the walk is in a method of a class deriving from a Keras optimizer."""
        cls = next((a for a in reversed(self.context.ancestors) if isinstance(a, ast.ClassDef)), None)
        return cls is not None and any(base.startswith(KERAS_OPTIMIZERS) and ".legacy." not in base
                                       for base in inherited_names(self.context, cls))

    def keras_optimizer(self, node: ast.expr) -> bool:
        """A Keras optimizer: a name bound to a Keras optimizer's construction (`optim =
        tf.optimizers.Adam(...)`), or a model's `optimizer` (`self.model.optimizer`, in a
        callback) in a module that uses Keras."""
        if isinstance(node, ast.Attribute) and node.attr == "optimizer":
            return self.context.imports_any(("keras", "tensorflow")) and not self.context.imports_any(("tf_keras",))
        if isinstance(node, ast.Name) and node.id == "self":
            return self.in_optimizer_class()  # `lr = self.lr` in a Keras optimizer's subclass
        value = self.context.assigned_value(node) if isinstance(node, ast.Name) else node
        name = self.context.call_name(value) if isinstance(value, ast.Call) else None
        return name is not None and name.startswith(KERAS_OPTIMIZERS) and ".legacy." not in name

    def check(self, reference: Reference, errors: frozenset[str], error: str) -> None:
        gone = keras2_only(reference.qualified, self.target)
        if gone is None or guarded(self.context, reference.node, errors) or picks_keras2(self.context, reference.node):
            return
        message = self.symbol_message(gone, error)
        other = other_import(self.context, reference)
        if other is not None:  # `if tf_keras: from tensorflow import keras / else: import keras`
            line, base, alternative = other
            message += (f" (where `{reference.base}` is the standalone package; as {tf_spelling(base)}, imported "
                        f"at {self.context.place(line)}, {tf_spelling(alternative)} exists)")
        self.report(reference.node, message)

    def weights_message(self, name: str, error: str) -> str:
        return (
            f"{tf_spelling(name)}(weights=...) raises {error} on Keras 3, which dropped the "
            "Keras 2 `weights` constructor argument from this layer: construct the layer "
            "without it, build it, then call layer.set_weights(...)"
        )

    def method_message(self, method: str) -> str:
        replacement = GENERATOR_METHODS.get(method)
        if method in RAISED_IN_KERAS2:
            return (f"Keras 3 models have no {method}(): this raises AttributeError on TensorFlow {self.version()}, "
                    f"and Keras 2.15's raised RuntimeError already (tf_keras too); {RAISED_IN_KERAS2[method]}")
        advice = (
            f"use model.{replacement}, which takes generators and tf.data datasets"
            if replacement
            else "migrate this call (install tf_keras to keep Keras 2)"
        )
        return (
            f"Keras 3 models have no {method}() (Keras 2.15 models had it): this raises "
            f"AttributeError on TensorFlow {self.version()}; {advice}"
        )

    def symbol_message(self, gone: Missing, error: str) -> str:
        if gone.name.startswith("keras."):
            had = keras_api("2.15").first_missing(gone.name) is None
        else:  # (tf.compat.v1.keras.backend.get_session: only under compat.v1 in 2.15)
            keras2 = gone.name.replace("tensorflow.compat.v1.keras.", "tensorflow.keras.", 1)
            had = tf_api("2.15").first_missing(keras2) is None or tf_api("2.15").first_missing(gone.name) is None
        if not had:  # `keras.utils.multi_gpu_model`: removed in Keras 2.4, so tf_keras lacks it too
            return (f"{tf_spelling(gone.name)} does not exist in Keras 3, the Keras of TensorFlow "
                    f"{self.version()}, nor in Keras 2.15 (tf_keras): this raises {error}; port this code "
                    "to the Keras 3 API")
        rest = gone.name.split(".keras.", 1)[1] if ".keras." in gone.name else None
        if rest is not None and rest.split(".", 1)[0] == "estimator":
            return (f"{tf_spelling(gone.name)} does not exist in Keras 3, the Keras of TensorFlow "
                    f"{self.version()} (Keras 2.15 had it): this raises {error}; tf_keras keeps the name but "
                    "raises NotImplementedError, as tf.estimator is gone from TensorFlow 2.16 on: train the "
                    "Keras model itself (model.fit, model.evaluate)")
        standalone = f"keras.{rest}" if rest is not None and keras_api("3").first_missing(f"keras.{rest}") is None \
            else None  # (TF 2.21's tf.keras serves a subset of Keras 3: `tf.keras.losses` lacks mean_squared_error)
        advice = (f"use {standalone}, which Keras 3's own package has," if standalone is not None and
                  gone.name.startswith("tensorflow.") else "use the Keras 3 API")
        return (
            f"{tf_spelling(gone.name)} does not exist in Keras 3, the Keras of TensorFlow "
            f"{self.version()} (Keras 2.15 had it): this raises {error}; {advice} or install "
            "tf_keras for Keras 2"
        )

    def version(self) -> str:
        return version_text(self.target)


def other_import(context: ModuleContext, reference: Reference) -> tuple[int, str, str] | None:
    """(line, module, name) where the chain's first name is also imported, in another branch, as
    a module under which the missing name exists: `from tensorflow import keras` (TF 2.21's
    tf.keras keeps `backend.eval`) beside `import keras`, chosen at run time."""
    node = reference.node.func if isinstance(reference.node, ast.Call) else reference.node
    root = chain_root(node) if isinstance(node, ast.expr) else None
    if not isinstance(root, ast.Name) or not reference.qualified.startswith(reference.base + "."):
        return None
    table = scopes(context)
    rest = reference.qualified[len(reference.base):]
    for scope in table.enclosing_scopes(root):
        bindings = table.bindings_in(scope, root.id)
        for binding in bindings:
            imported = binding.node
            if not isinstance(imported, (ast.Import, ast.ImportFrom)) or len(bindings) < 2:
                continue
            alias = next(a for a in imported.names if (a.asname or a.name.split(".")[0]) == root.id)
            base = (f"{imported.module}.{alias.name}" if isinstance(imported, ast.ImportFrom) and imported.module
                    else alias.name)
            if base != reference.base and keras2_only(base + rest, context.settings.target) is None \
                    and exists(base + rest, context.settings.target):
                return imported.lineno, base, base + rest
        if bindings:
            return None
    return None
