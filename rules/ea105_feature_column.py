"""
## What it does
Flags calls of the feature-column API: `tf.feature_column.*` and
`tf.compat.v1.feature_column.*` (`numeric_column`, `categorical_column_with_vocabulary_list`,
`indicator_column`, `embedding_column`, `bucketized_column`, `crossed_column`,
`make_parse_example_spec`, `input_layer`, `linear_model`, ...) and TensorFlow's internal
`tensorflow.python.feature_column` modules, through any import alias. A nested feature-column
expression is reported once, at its outermost call:
`indicator_column(categorical_column_with_vocabulary_list("c", vocabulary))` is one finding,
because the two calls are one column and one migration. It fires whatever the `target`
setting: the API still exists in TensorFlow 2.21.

## Why is this bad?
Feature columns are the Estimator-era way of describing model inputs. Every function in
`tf.feature_column` and `tf.compat.v1.feature_column` is deprecated and logs, when called,
that it "is deprecated and will be removed in a future version" with the instruction "Use
Keras preprocessing layers instead, either directly or via the `tf.keras.utils.FeatureSpace`
utility". The columns still build and `tf.compat.v1.feature_column.input_layer` still runs on
TensorFlow 2.21, but their consumers are gone: Estimators were removed in 2.16, and Keras 3 has
no `DenseFeatures` layer to feed them into a Keras model. Code built on them cannot move to
Keras 3 without rewriting its input handling.

## How it was verified
This script, run with `/root/venv-tf/bin/python` (TensorFlow 2.21.0, Keras 3.15.1):
```python
import warnings, inspect, importlib.util
warnings.simplefilter("always")
import tensorflow as tf, keras
print("tensorflow", tf.__version__, "keras", keras.__version__,
      "tf_keras installed:", importlib.util.find_spec("tf_keras") is not None)
with warnings.catch_warnings(record=True) as caught:
    col = tf.feature_column.numeric_column("x")
    cat = tf.feature_column.categorical_column_with_vocabulary_list("c", ["a", "b"])
    ind = tf.feature_column.indicator_column(cat)
print("constructed:", type(col).__name__, type(ind).__name__)
features = {"x": tf.constant([[1.0], [2.0]]), "c": tf.constant([["a"], ["b"]])}
print(tf.compat.v1.feature_column.input_layer(features, [col, ind]))
print(keras.layers.DenseFeatures)
```
printed `tf_keras installed: False`; logged "numeric_column (from
tensorflow.python.feature_column.feature_column_v2) is deprecated and will be removed in a
future version. Instructions for updating: Use Keras preprocessing layers instead, either
directly or via the `tf.keras.utils.FeatureSpace` utility" (and the same for the other calls);
printed `constructed: NumericColumn IndicatorColumn` and the 2x3 dense tensor; then raised
`AttributeError: module 'keras.layers' has no attribute 'DenseFeatures'`.
`hasattr(tf.compat.v1.keras.layers, "DenseFeatures")` printed False on 2.21 and True on
`/root/venv-legacy` (TensorFlow 2.15.1, Keras 2.15). Reading the docstrings with
`inspect.getdoc`, all 17 functions of `tf.feature_column` and all 19 of
`tf.compat.v1.feature_column` are marked deprecated on both 2.15.1 and 2.21.0, and
`keras.layers` has `Normalization`, `StringLookup`, `IntegerLookup`, `CategoryEncoding`,
`Hashing` and `Discretization`, and `keras.utils` has `FeatureSpace`, on 2.21. Severity is a
warning, not an error, because the calls still run.

## Example
```python
import tensorflow as tf

columns = [
    tf.feature_column.numeric_column("age"),
    tf.feature_column.indicator_column(
        tf.feature_column.categorical_column_with_vocabulary_list("color", ["red", "blue"])
    ),
]
```

## Use instead
Keras preprocessing layers, or `keras.utils.FeatureSpace`:
```python
import keras

feature_space = keras.utils.FeatureSpace(
    features={
        "age": keras.utils.FeatureSpace.float_normalized(),
        "color": keras.utils.FeatureSpace.string_categorical(),
    },
    output_mode="concat",
)
```

## The fix (`--unsafe-fixes`, target TensorFlow 2.16 or later)
The columns the program builds stay as it builds them (loops, helper functions, vocabularies
read from data), but from `keras_feature_columns`, a module written beside the file: the same
functions with the same arguments, whose columns Keras 3 models read through its
`DenseFeatures` and `LinearModel` layers, computing what tensorflow-estimator 2.15 computed
from them (checked against TF 2.15 in `tests/test_keras_feature_columns.py`):
```python
import keras_feature_columns

columns = [
    keras_feature_columns.numeric_column("age"),
    keras_feature_columns.indicator_column(
        keras_feature_columns.categorical_column_with_vocabulary_list("color", ["red", "blue"])
    ),
]
```
A call of a function the module does not provide (sequence and shared-embedding columns,
`input_layer`, `linear_model`) keeps its finding, and nothing in that expression is changed.

## Fix safety
Unsafe: the columns become other objects, which TensorFlow's own consumers of feature columns
(estimators, `tf.compat.v1.feature_column.input_layer`) do not take. It is the first half of
EA101's Keras rewrite, which reads them. No fix is offered in a module that hands columns to
such a consumer itself (`input_layer`, `linear_model`, `DenseFeatures`, the TPU embedding
columns, a custom, contrib or TF-Lattice/TF-Ranking estimator given `feature_columns=`), or
that builds an estimator the Keras rewrite does not migrate (a custom one, or a premade one EA101
cannot follow), whose importers or imports build a custom one, that imports a module handing
columns to such a consumer, or that tells columns apart with
`isinstance` against TensorFlow's column classes: the finding says which.
Below target 2.16, a TF1 name the target lacks (`tf.feature_column.input_layer` on 2.15) gets the
safe fix instead: its `tf.compat.v1` name, the same function.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.knowledge.calls import tf_spelling
from estimator_audit.knowledge.tfapi import estimator_class, keras3, tf1_only_estimator, version_text
from estimator_audit.knowledge.tfsymbols import call_rename_fix, missing
from estimator_audit.knowledge.v1api import is_feature_column
from estimator_audit.migrate.support_files import FEATURE_COLUMN_FUNCTIONS, SUPPORT_MODULE, needed_by
from estimator_audit.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext


class FeatureColumn(Rule):
    code = "EA105"
    name = "feature-column"
    severity = Severity.WARNING
    fix_safety = FixSafety.UNSAFE
    summary = "A deprecated tf.feature_column call: Keras 3 has no DenseFeatures layer to use it."
    triggers = ("feature_column",)
    valid = (
        Valid(
            """
            import os
            os.environ["TF_USE_LEGACY_KERAS"] = "1"
            import tensorflow as tf
            import tf_keras

            columns = [tf.feature_column.numeric_column("x")]
            features = tf_keras.layers.DenseFeatures(columns)  # Keras 2 still has the layer
            """
        ),
        Valid(
            """
            def numeric_column(key):
                return {"key": key}

            columns = [numeric_column("age")]
            """
        ),
        Valid(
            """
            import keras
            age = keras.layers.Normalization()
            color = keras.layers.StringLookup(vocabulary=["red", "blue"], output_mode="one_hot")
            """
        ),
        Valid(
            """
            from my_project import feature_column
            import tensorflow as tf
            column = feature_column.numeric_column("age")
            name = tf.feature_column
            """
        ),
        Valid(
            """
            def build(tf):
                return tf.feature_column.numeric_column("age")
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            def model_fn(features, labels, mode, params):
                return tf.feature_column.input_layer(features, params["feature_columns"])
            """,
            at=((3, 12),),
            message="the TF1 API keeps it as tf.compat.v1.feature_column.input_layer",
            fixed="""
            import tensorflow as tf
            def model_fn(features, labels, mode, params):
                return tf.compat.v1.feature_column.input_layer(features, params["feature_columns"])
            """,
            target="2.15",
        ),
        Invalid(
            """
            import tensorflow as tf
            age = tf.feature_column.numeric_column("age")
            """,
            at=((2, 7),),
            message="tf.feature_column.numeric_column is part of the deprecated",
            fixed="""
            import tensorflow as tf
            import keras_feature_columns
            age = keras_feature_columns.numeric_column("age")
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            def columns(keys, vocabulary):
                return [tf.feature_column.indicator_column(
                            tf.feature_column.categorical_column_with_vocabulary_list(key, vocabulary[key]))
                        for key in keys]
            sequence = tf.feature_column.sequence_numeric_column("clicks")
            """,
            at=((3, 13), (6, 12)),
            fixed="""
            import tensorflow as tf
            import keras_feature_columns
            def columns(keys, vocabulary):
                return [keras_feature_columns.indicator_column(
                            keras_feature_columns.categorical_column_with_vocabulary_list(key, vocabulary[key]))
                        for key in keys]
            sequence = tf.feature_column.sequence_numeric_column("clicks")
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            color = tf.feature_column.indicator_column(
                tf.feature_column.categorical_column_with_vocabulary_list(
                    "color", ["red", "blue"]))
            """,
            at=((2, 9),),
            message="DenseFeatures",
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            from tensorflow.compat import v1
            from tensorflow.feature_column import numeric_column as numeric
            def inputs(features):
                from tensorflow import feature_column as fc
                columns = [numeric(key) for key in ("a", "b")]
                columns.append(fc.embedding_column(v1.feature_column.categorical_column_with_identity("id", 10), 8))
                return tf.feature_column.input_layer(features, columns)
            """,
            at=((6, 16), (7, 20), (8, 12)),
        ),
        Invalid(
            """
            import tensorflow as tf
            def model_fn(features, labels, mode, params):
                net = tf.feature_column.input_layer(features, params["columns"])
            """,
            at=((3, 11),),
            message="does not exist in TensorFlow 2.21 (AttributeError",
        ),
        Invalid(
            """
            import tensorflow as tf
            columns = [tf.feature_column.numeric_column("x")]
            estimator = tf.estimator.Estimator(model_fn, params={"columns": columns})
            """,
            at=((2, 12),),
            message="which the Keras rewrite does not migrate",
        ),
        Invalid(
            """
            import tensorflow as tf
            ids = tf.feature_column.categorical_column_with_identity("id", 100)
            table = tf.tpu.experimental.embedding_column(ids, 8)
            """,
            at=((2, 7),),
            message="no automatic fix: this module hands columns to tf.tpu.experimental.embedding_column",
        ),
        Invalid(
            """
            from tensorflow.python.feature_column import feature_column_v2 as fc_lib
            spec = fc_lib.make_parse_example_spec_v2([fc_lib.numeric_column("x")])
            """,
            at=((2, 8),),
            message="is part of the deprecated feature-column API",
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        # (call, message, fix), reported once the module's consumers of columns are known
        self.pending: list[tuple[ast.Call, str, Fix | None]] = []
        self.foreign: str | None = None  # a consumer of TensorFlow's own columns the module calls
        self.keras2_consumer = False  # it hands them to Keras 2's DenseFeatures (tf_keras), which has it

    def visit_Call(self, node: ast.Call) -> None:
        name = self.context.call_name(node)
        if name is not None and self.is_feature_column(name) and not self.nested(node):
            self.pending.append((node, self.message(name, node), self.fix(name, node)))
        if self.foreign is None:
            self.foreign = foreign_consumer(name, node)
        if name is not None and name.startswith("tf_keras.") and name.rsplit(".", 1)[-1] in FOREIGN_CONSUMERS:
            self.keras2_consumer = True

    def finish(self) -> None:
        if self.keras2_consumer:
            return  # the program chose Keras 2 (tf_keras), whose DenseFeatures reads TensorFlow's columns
        converts = [fix for _, _, fix in self.pending if fix is not None and fix.safety is FixSafety.UNSAFE]
        if self.foreign is None and converts:
            from estimator_audit.migrate.rewrite import unmigrated_nearby  # only files with columns

            blocked = unmigrated_nearby(self.context)
            self.foreign = (f"the columns feed {blocked}, which the Keras rewrite does not migrate" if blocked
                            else consumer_nearby(self.context))
        for node, message, fix in self.pending:
            # The tf.compat.v1 rename keeps TensorFlow's columns: only the conversion is blocked.
            if self.foreign is not None and fix is not None and fix.safety is FixSafety.UNSAFE:
                message += f" (no automatic fix: {self.foreign})"
                fix = None
            self.report(node, message, fix)

    def is_feature_column(self, name: str | None) -> bool:
        return name is not None and is_feature_column(name)

    def nested(self, node: ast.Call) -> bool:
        """Inside another feature-column call of the same statement (reported there)."""
        for ancestor in reversed(self.context.ancestors):
            if isinstance(ancestor, ast.stmt):
                return False
            if isinstance(ancestor, ast.Call) and self.is_feature_column(
                self.context.call_name(ancestor)
            ):
                return True
        return False

    def message(self, name: str, node: ast.Call) -> str:
        spelling = tf_spelling(name)
        if name.startswith("tensorflow.python."):
            spelling = name
        if missing(name, self.context.settings.target) is not None:  # tf.feature_column.input_layer
            v1 = tf_spelling(name.replace("tensorflow.", "tensorflow.compat.v1.", 1))
            spelling = (f"{spelling} does not exist in TensorFlow {version_text(self.context.settings.target)} "
                        f"(AttributeError; the TF1 API keeps it as {v1}) and")
        return (
            f"{spelling} is part of the deprecated feature-column API (TensorFlow 2.21 logs that "
            "it \"is deprecated and will be removed in a future version\"); feature columns feed "
            "Estimators, removed in 2.16, and Keras 2's DenseFeatures layer, which Keras 3 does "
            "not have; describe the inputs with Keras preprocessing layers (Normalization, "
            "StringLookup, IntegerLookup, Hashing, Discretization) or keras.utils.FeatureSpace"
        )

    def fix(self, name: str, node: ast.Call) -> Fix | None:
        """Every feature-column function the expression calls, from keras_feature_columns; below
        Keras 3, a TF1 name the target lacks under its tf.compat.v1 name (the same function)."""
        target = self.context.settings.target
        if not keras3(target):
            return call_rename_fix(self.context, node, name, target) if missing(name, target) is not None else None
        edits = []
        for call in ast.walk(node):
            if not isinstance(call, ast.Call):
                continue
            called = self.context.call_name(call)
            if called is None or not self.is_feature_column(called):
                continue
            function = called.rsplit(".", 1)[-1].removesuffix("_v2")
            if function not in FEATURE_COLUMN_FUNCTIONS:
                return None
            edits.append(Edit(EditAction.REPLACE, self.context.span(call.func), text=f"{SUPPORT_MODULE}.{function}"))
        bound = self.context.module_bindings.get(SUPPORT_MODULE)
        if bound and not (bound[-1].qualified or "").endswith(SUPPORT_MODULE):
            return None  # the file's own `keras_feature_columns` is something else
        support, statement = needed_by(self.context)
        return Fix(FixSafety.UNSAFE, f"build the columns with {SUPPORT_MODULE}, which Keras 3 models read",
                   (*edits, support), (statement,))


# Consumers that take only TensorFlow's feature columns (checked: keras_feature_columns objects
# are not FeatureColumn instances), by last name; and the keywords estimators take columns by.
FOREIGN_CONSUMERS = frozenset({"input_layer", "linear_model", "DenseFeatures", "LinearModel",
                               "SequenceFeatures", "shared_embedding_columns", "sequence_input_layer"})
COLUMN_KEYWORDS = frozenset({"feature_columns", "linear_feature_columns", "dnn_feature_columns"})


# TensorFlow's own column consumers, as a module's text calls them.
CONSUMER_CALL = re.compile(r"(?:feature_column|layers)\.(?:input_layer|linear_model|DenseFeatures|LinearModel)\(")


def consumer_nearby(context: ModuleContext) -> str | None:
    """A module of the program this one imports that hands columns to TensorFlow's own consumers
    (adanet's simple_dnn.py calling `input_layer` on the columns its test builds)."""
    project = context.project
    for path in project.imported_paths(context.source.path):
        text = project.text(str(path))
        if CONSUMER_CALL.search(text):
            return f"{path.name}, which this module imports, hands columns to TensorFlow's own consumers"
    return None


def foreign_consumer(name: str | None, node: ast.Call) -> str | None:
    """What a call hands feature columns to, when that is not something the Keras rewrite
    replaces: TensorFlow's own column consumers (input_layer, DenseFeatures, the TPU embedding
    columns), or a TensorFlow-family callee other than a premade tf.estimator given
    `feature_columns=` (a custom or contrib estimator, a TF-Lattice or TF-Ranking model); the
    program's own functions are followed by the Keras rewrite instead."""
    last = (name or "").rsplit(".", 1)[-1]
    if name == "isinstance" and len(node.args) == 2 and "feature_column" in ast.unparse(node.args[1]):
        return "this module tells columns apart by TensorFlow's column classes"
    takes_own = f"this module hands columns to {tf_spelling(name or '')}, which only takes TensorFlow's own"
    if name is not None and name.startswith("tensorflow") and (
            last in FOREIGN_CONSUMERS or (".tpu." in name and "embedding_column" in last)):
        return takes_own
    if name is not None and name.startswith("tensorflow") and any(k.arg in COLUMN_KEYWORDS for k in node.keywords):
        estimator = estimator_class(name)
        if estimator is None or not estimator.premade or tf1_only_estimator(estimator.public_name):
            return takes_own
    return None
