"""The keras_feature_columns template computes and trains like tensorflow-estimator 2.15.

estimator-audit copies estimator_audit/migrate/support/keras_feature_columns.py into a migrated
project, so it is checked as that project runs it: columns built through its API under TF 2.21 +
Keras 3.15 against the same columns under TF 2.15 (`input_layer`, `linear_model`, premade
estimators), on the same batches with the same weights. Every column set is one string per
column, evaluated with `fc` bound to either module, so both sides build the same thing.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from estimator_audit.migrate.support_files import FEATURE_COLUMN_FUNCTIONS, SERVING_FUNCTIONS
from tests.conftest import REPO, run_python

MODULE = REPO / "estimator_audit" / "migrate" / "support" / "keras_feature_columns.py"

# tf.feature_column's functions, under their names (EA105's fix spells the program's calls so).
COLUMN_FUNCTIONS = set(FEATURE_COLUMN_FUNCTIONS)
# tf.estimator.export's and tf.estimator's names (EA106's fix), and what the model builders use.
ESTIMATOR_NAMES = set(SERVING_FUNCTIONS) | {"RunConfig"}
MODEL_API = {"inputs", "DenseFeatures", "LinearModel", "Model", "WideAndDeepModel", "classifier_predictions",
             "regressor_predictions", "predictions", "export_saved_model", "strategy", "transformed",
             "remaining_steps"}
COLUMN_CLASSES = {"NumericColumn", "BucketizedColumn", "VocabularyListCategoricalColumn",
                  "VocabularyFileCategoricalColumn", "IdentityCategoricalColumn", "HashedCategoricalColumn",
                  "CrossedColumn", "IndicatorColumn", "EmbeddingColumn", "WeightedCategoricalColumn"}
PUBLIC = COLUMN_FUNCTIONS | ESTIMATOR_NAMES | MODEL_API | COLUMN_CLASSES


# Fast: the file as a project receives it.

def test_template_is_standalone_and_defines_the_api() -> None:
    tree = ast.parse(MODULE.read_text())
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    assert defined >= PUBLIC, PUBLIC - defined
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "the template is copied alone: no relative imports"
            imported.add((node.module or "").split(".")[0])
    allowed = {"numpy", "tensorflow", "keras"} | set(sys.stdlib_module_names)
    assert imported <= allowed, imported - allowed
    docstring = ast.get_docstring(tree) or ""
    assert "estimator-audit" in docstring and "belongs to this project" in docstring


def test_estimator_audit_does_not_import_the_template() -> None:
    """The folder holds a file to copy, not a package: estimator_audit itself has no TensorFlow."""
    assert not (MODULE.parent / "__init__.py").exists()
    for path in (REPO / "estimator_audit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any("keras_feature_columns" in name or name.endswith(".support") for name in names), path


# Runtime: the same numbers under TF 2.15 feature columns and this module.

DATA: dict[str, tuple[str, list[Any]]] = {
    "f": ("float64", [0.5, 2.0, -1.0, 1.0, 0.0, 3.5, 0.999, 2.5]),
    "v": ("float64", [[0.1, -0.5, 0.7], [0.5, 0.2, -0.9], [-1.0, 0.0, 1.0], [0.3, 0.3, 0.3],
                      [-0.2, 0.6, 0.5], [0.9, -0.7, 0.0], [0.0, 0.5, -0.5], [2.0, -2.0, 0.4]]),
    "m": ("float64", [[[i + 0.5, -i], [i * 0.25, 1.0]] for i in range(8)]),
    "s": ("str", ["a", "b", "", "zz", "c", "q", "a", "c"]),
    "t": ("str", ["x", "", "y", "x", "w", "x", "y", ""]),
    "i": ("int64", [5, 7, -1, 9, 0, 12, -5, 3]),
    "j": ("int64", [0, 5, -1, 3, -5, 2, 1, 4]),
    "h": ("int64", [3, -1, 17, 0, 3, 42, -7, 8]),
    "c": ("int64", [1, 2, 2, -1, 0, 7, 1, 3]),
    "n": ("int64", [0, 1, 2, 3, -1, 2, 1, 0]),
    "w": ("float32", [1.5, 0.5, 0.0, 2.0, -1.0, 3.0, 0.25, 1.0]),  # 0 exactly where s and j are missing
    # Not read by any column; they sort among the real keys, so a model that flattened the
    # feature dict without selecting its own inputs would read the wrong features.
    "a_extra": ("float64", [9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0]),
    "e_extra": ("str", ["p", "q", "r", "s", "t", "u", "v", "w"]),
}

WORDS = "fc.categorical_column_with_vocabulary_list('s', ['a', 'b', 'c'])"
WORDS_OOV = "fc.categorical_column_with_vocabulary_list('s', ['a', 'b', 'c'], num_oov_buckets=2)"
INTS = "fc.categorical_column_with_vocabulary_list('i', [5, 7, 9])"
VECTOR_BUCKETS = "fc.bucketized_column(fc.numeric_column('v', (3,)), [-0.5, 0.5])"
F_BUCKETS = "fc.bucketized_column(fc.numeric_column('f'), [0.0, 1.0])"


def variants(column: str, combiner: str = "mean", dimension: int = 3) -> list[str]:
    """The column bare (linear only), as an indicator and as an embedding."""
    return [column, f"fc.indicator_column({column})", f"fc.embedding_column({column}, {dimension}, {combiner!r})"]


# name: (columns, options). Options: sparse_combiner, dtypes (Input dtypes for inputs()), tf (also
# build the layers from TensorFlow's own tf.feature_column objects).
SETS: dict[str, tuple[list[str], dict[str, Any]]] = {
    "numeric": (["fc.numeric_column('f')", "fc.numeric_column('v', (3,), default_value=0.5)",
                 "fc.numeric_column('m', (2, 2))"], {"tf": True}),
    "normalizer": (["fc.numeric_column('f', normalizer_fn=lambda x: (x - 1.0) / 4.0)",
                    "fc.bucketized_column(fc.numeric_column('v', (3,), normalizer_fn=lambda x: x * 2.0), [0.0, 1.0])"],
                   {}),
    "bucketized": (["fc.bucketized_column(fc.numeric_column('f'), [0.0, 1.0, 2.5])", *variants(VECTOR_BUCKETS)],
                   {"tf": True}),
    "bucketized_mean": (variants(VECTOR_BUCKETS, "sqrtn"), {"sparse_combiner": "mean"}),
    "bucketized_sqrtn": (variants(VECTOR_BUCKETS, "sum"), {"sparse_combiner": "sqrtn"}),
    "vocabulary_string": (variants(WORDS), {}),
    "vocabulary_string_oov": (variants("fc.categorical_column_with_vocabulary_list('s', ['a', 'b', 'c'], "
                                       "num_oov_buckets=3)", "sqrtn"), {"tf": True}),
    "vocabulary_string_default": (variants("fc.categorical_column_with_vocabulary_list('s', ['a', 'b', 'c'], "
                                           "default_value=1)", "sum"), {}),
    "vocabulary_int": (variants(INTS), {}),
    "vocabulary_int_oov": (variants("fc.categorical_column_with_vocabulary_list('i', [5, 7, 9], "
                                    "num_oov_buckets=4)"), {}),
    "vocabulary_int_oov1": (variants("fc.categorical_column_with_vocabulary_list('i', [5, 7, 9], "
                                     "num_oov_buckets=1)"), {}),
    "vocabulary_int_default": (variants("fc.categorical_column_with_vocabulary_list('i', [5, 7, 9], "
                                        "default_value=0)"), {}),
    "vocabulary_file": (variants("fc.categorical_column_with_vocabulary_file('s', files['words'], "
                                 "num_oov_buckets=2)"), {"tf": True}),
    "vocabulary_file_int": (variants("fc.categorical_column_with_vocabulary_file('i', files['ints'], 2, "
                                     "dtype=tf.int64, default_value=1)", "sqrtn"), {}),
    "vocabulary_file_tfrecord": (variants("fc.categorical_column_with_vocabulary_file('s', files['records'], 2, "
                                          "num_oov_buckets=1)"), {"sparse_combiner": "mean"}),
    "identity": (variants("fc.categorical_column_with_identity('j', 6)"), {}),
    "identity_default": (variants("fc.categorical_column_with_identity('i', 10, 3)"), {}),
    "hash_string": (variants("fc.categorical_column_with_hash_bucket('s', 5)"), {}),
    "hash_int": (variants("fc.categorical_column_with_hash_bucket('h', 7, tf.int64)"), {}),
    "cross_raw": (variants("fc.crossed_column(['s', 't'], 11)"), {}),
    "cross_vocabulary": (variants(f"fc.crossed_column([{WORDS}, 't'], 11)"), {"tf": True}),
    "cross_vocabulary_reversed": (variants(f"fc.crossed_column(['t', {WORDS}], 11)"), {}),
    "cross_bucketized": (variants(f"fc.crossed_column([{F_BUCKETS}, fc.categorical_column_with_vocabulary_list("
                                  "'i', [5, 7, 9], num_oov_buckets=2)], 13)"), {}),
    "cross_vector_bucketized": (variants(f"fc.crossed_column([{VECTOR_BUCKETS}, 't'], 17)"), {}),
    "cross_identity": (variants("fc.crossed_column([fc.categorical_column_with_identity('i', 10, 3), "
                                "fc.categorical_column_with_identity('j', 6)], 17)"), {}),
    "cross_int_raw": (variants("fc.crossed_column(['c', 's'], 9)"), {"dtypes": {"c": "int64"}}),
    "cross_numeric_raw": (["fc.numeric_column('n')", *variants("fc.crossed_column(['n', 't'], 7)")],
                          {"dtypes": {"n": "int64"}}),
    "cross_three": (variants(f"fc.crossed_column([{WORDS_OOV}, 't', fc.categorical_column_with_identity('j', 6)], "
                             "19)"), {"tf": True}),
    "cross_nested": (variants(f"fc.crossed_column([fc.crossed_column(['t', {WORDS}], 5), "
                              f"{F_BUCKETS}], 23)"), {}),
    "cross_hash_key": (variants(f"fc.crossed_column([{WORDS}, 't', 's'], 29, hash_key=12345)"), {}),
    "weighted": (variants(f"fc.weighted_categorical_column({WORDS}, 'w')"), {"tf": True}),
    "weighted_oov_sqrtn": (variants(f"fc.weighted_categorical_column({WORDS_OOV}, 'w')", "sqrtn"),
                           {"sparse_combiner": "sqrtn"}),
    "weighted_identity_sum": (variants("fc.weighted_categorical_column(fc.categorical_column_with_identity('j', 6), "
                                       "'w')", "sum"), {"sparse_combiner": "mean"}),
    "embedding_frozen": ([f"fc.embedding_column({WORDS_OOV}, 2, trainable=False)", "fc.numeric_column('f')"], {}),
    # No negative ids and a last example with an id: embedding_lookup_sparse computes what the safe one does.
    "embedding_unsafe": ([f"fc.embedding_column({WORDS_OOV}, 2, 'sqrtn', use_safe_embedding_lookup=False)",
                          "fc.embedding_column(fc.crossed_column(['s', 't'], 3), 2, use_safe_embedding_lookup=False)"],
                         {}),
    "shared_key": (["fc.numeric_column('n')", "fc.indicator_column(fc.categorical_column_with_identity('n', 4))",
                    "fc.bucketized_column(fc.numeric_column('n'), [0.5, 1.5])"], {}),
}
ESTIMATOR_LINEAR = [
    "fc.numeric_column('f')", VECTOR_BUCKETS, WORDS_OOV, f"fc.crossed_column([{WORDS_OOV}, 't'], 7)",
    "fc.indicator_column(fc.categorical_column_with_identity('i', 10, 3))",
    "fc.embedding_column(fc.categorical_column_with_hash_bucket('h', 5, tf.int64), 2)",
    "fc.indicator_column(fc.categorical_column_with_identity('n', 4))",
    "fc.weighted_categorical_column(fc.categorical_column_with_identity('j', 6), 'w')"]
ESTIMATOR_DNN = [
    "fc.numeric_column('v', (3,))", f"fc.embedding_column({WORDS_OOV}, 3)",
    "fc.indicator_column(fc.crossed_column(['s', 't'], 5))",
    "fc.embedding_column(fc.categorical_column_with_identity('j', 6), 2)", F_BUCKETS,
    "fc.indicator_column(fc.categorical_column_with_vocabulary_list('i', [5, 7, 9], num_oov_buckets=3))",
    "fc.numeric_column('n')"]  # numeric here, identity in the linear part: one int64 Input serves both

DENSE = ("fc.numeric_column", "fc.bucketized_column", "fc.indicator_column", "fc.embedding_column")

LEGACY = r"""
import json, os, sys, tempfile
import numpy as np
import tensorflow as tf
fc = tf.feature_column
spec = json.load(open(sys.argv[1]))
files = spec["files"]
with open(files["words"], "w") as out:
    out.write("a\nb\nc\n")
with open(files["ints"], "w") as out:
    out.write("9\n5\n7\n")  # vocabulary_size 2 reads only 9 and 5
with tf.io.TFRecordWriter(files["records"], tf.io.TFRecordOptions(compression_type="GZIP")) as out:
    for word in (b"c", b"a"):
        out.write(word)
data = {key: np.array(values, dtype=dtype) for key, (dtype, values) in spec["data"].items()}
size = len(data["f"])
rng = np.random.default_rng(7)
result = {"outputs": {}, "variables": {}}

graph = tf.Graph()
with graph.as_default():
    features = tf.compat.v1.data.make_one_shot_iterator(
        tf.data.Dataset.from_tensor_slices(data).batch(size)).get_next()
    outputs = {}
    for name, case in spec["sets"].items():
        with tf.compat.v1.variable_scope(name):
            if case["dnn"]:
                outputs[name + "/dnn"] = tf.compat.v1.feature_column.input_layer(
                    features, [eval(column) for column in case["dnn"]])
            outputs[name + "/linear"] = tf.compat.v1.feature_column.linear_model(
                features, [eval(column) for column in case["linear"]], units=2,
                sparse_combiner=case["sparse_combiner"])
    with tf.compat.v1.Session() as session:
        session.run([tf.compat.v1.global_variables_initializer(), tf.compat.v1.tables_initializer()])
        for variable in tf.compat.v1.global_variables():
            value = rng.normal(size=variable.shape).astype(np.float32)
            variable.load(value, session)
            result["variables"][variable.op.name] = value.tolist()
        result["outputs"] = {key: value.tolist() for key, value in session.run(outputs).items()}

# The estimator's own code path: DenseFeatures, the canned LinearModel and its variable names.
model_dir = tempfile.mkdtemp()
estimator = tf.estimator.DNNLinearCombinedRegressor(
    linear_feature_columns=[eval(column) for column in spec["estimator"]["linear"]],
    dnn_feature_columns=[eval(column) for column in spec["estimator"]["dnn"]],
    dnn_hidden_units=[4], model_dir=model_dir)
labels = np.arange(size, dtype=np.float32)
estimator.train(lambda: tf.data.Dataset.from_tensor_slices((data, labels)).batch(size), steps=1)
with tf.Graph().as_default():
    variables = []
    for name, shape in tf.train.list_variables(model_dir):
        value = tf.train.load_variable(model_dir, name)
        if value.dtype == np.float32 and not name.startswith("training/"):
            value = rng.normal(size=shape).astype(np.float32)
            result["variables"][name] = value.tolist()
        variables.append(tf.compat.v1.Variable(value, name=name))
    with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver(variables).save(session, os.path.join(model_dir, "model.ckpt"), global_step=2)
predictions = estimator.predict(lambda: tf.data.Dataset.from_tensor_slices(data).batch(size))
result["outputs"]["estimator"] = [prediction["predictions"].tolist() for prediction in predictions]
json.dump(result, open(sys.argv[2], "w"))
"""

NAMING = r"""
import importlib.util, json, sys
import numpy as np
import tensorflow as tf
import keras
spec = json.load(open(sys.argv[1]))
loaded = importlib.util.spec_from_file_location("keras_feature_columns", spec["module"])
kfc = importlib.util.module_from_spec(loaded)
loaded.loader.exec_module(kfc)

def pairs(model, dnn_scope="dnn/input_from_feature_columns/input_layer", linear_scope="linear/linear_model"):
    # The naming convention, Keras variable: the estimator variables it holds (stacked). It is
    # input_layer/<column>/kernel, linear_model/kernel (the blocks in sorted column order),
    # linear_model/bias, linear_model/<column>/kernel, and <layer>/kernel|bias for dnn/<layer>.
    for layer in model.layers:
        for weight in layer.weights:
            path = weight.path.split("/")
            if isinstance(layer, kfc.DenseFeatures):
                assert path[0] == "input_layer" and path[2] == "kernel", weight.path
                yield weight, [f"{dnn_scope}/{path[1]}/embedding_weights"]
            elif isinstance(layer, kfc.LinearModel) and path[1:] == ["kernel"]:
                yield weight, [f"{linear_scope}/{name}/weights" for name, _ in layer.layout()]
            elif isinstance(layer, kfc.LinearModel) and path[1:] == ["bias"]:
                yield weight, [f"{linear_scope}/bias_weights"]
            elif isinstance(layer, kfc.LinearModel):
                assert path[0] == "linear_model" and path[2] == "kernel", weight.path
                yield weight, [f"{linear_scope}/{path[1]}/embedding_weights"]
            else:
                yield weight, [f"dnn/{layer.name}/{path[-1]}"]

def load(model, variables, complete=True, **scopes):
    # complete: every Keras variable has its estimator variables (else those absent keep their start).
    for weight, names in pairs(model, **scopes):
        if complete or all(name in variables for name in names):
            weight.assign(np.concatenate([np.array(variables[name], np.float32) for name in names]))

def dump(model):
    values = {}
    for weight, names in pairs(model):
        value, start = weight.numpy(), 0
        rows = [rows for _, rows in model.get_layer("linear_model").layout()] if len(names) > 1 else [len(value)]
        for name, count in zip(names, rows, strict=True):
            values[name], start = value[start:start + count].tolist(), start + count
    return values
"""

CURRENT = NAMING + r"""
files = spec["files"]
variables = json.load(open(sys.argv[2]))["variables"]
data = {key: np.array(values, dtype=dtype) for key, (dtype, values) in spec["data"].items()}
size = len(data["f"])
feed = tf.data.Dataset.from_tensor_slices(data).batch(size)
direct = {key: tf.constant(value) for key, value in data.items()}  # rank 1, float64 / int64 as pandas gives

# results[legacy output key][how] for how in: model (a Model fed a dataset with extra features),
# direct (the layer called on rank-1 float64/int64 tensors), tf (layers of tf.feature_column objects).
results, checks = {}, {}
for name, case in spec["sets"].items():
    for how, fc in [("model", kfc), ("tf", tf.feature_column)][:2 if case["tf"] else 1]:
        linear = [eval(column) for column in case["linear"]]
        dense = [eval(column) for column in case["dnn"]]
        inputs = kfc.inputs(linear, dtypes=case["dtypes"])
        outputs = {"linear": kfc.LinearModel(linear, units=2, sparse_combiner=case["sparse_combiner"])(inputs)}
        if dense:
            outputs["dnn"] = kfc.DenseFeatures(dense)(inputs)
        model = kfc.Model(inputs, outputs)
        load(model, variables, dnn_scope=f"{name}/input_layer", linear_scope=f"{name}/linear_model")
        for part, value in model.predict(feed, verbose=0).items():
            results.setdefault(f"{name}/{part}", {})[how] = value.tolist()
            if how == "model":
                layer = model.get_layer("input_layer" if part == "dnn" else "linear_model")
                results[f"{name}/{part}"]["direct"] = layer(direct).numpy().tolist()
                checks[f"{name}/{part}"] = [len(layer.trainable_weights), len(layer.non_trainable_weights)]

linear = [eval(column) for column in spec["estimator"]["linear"]]
dense = [eval(column) for column in spec["estimator"]["dnn"]]
inputs = kfc.inputs(linear + dense)
hidden = keras.layers.Dense(4, activation="relu", name="hiddenlayer_0")(kfc.DenseFeatures(dense)(inputs))
logits = keras.layers.Add()([keras.layers.Dense(1, name="logits")(hidden), kfc.LinearModel(linear)(inputs)])
model = kfc.Model(inputs, logits)
load(model, variables)
results["estimator"] = {"model": model.predict(feed, verbose=0).tolist()}
checks["paths"] = sorted(weight.path for weight in model.weights)

# What cannot be reproduced raises (when the column or the model is built) rather than approximating.
fc = tf.feature_column

def shared():  # TF builds shared embeddings in graph mode only
    with tf.Graph().as_default():
        return fc.shared_embeddings([fc.categorical_column_with_identity("j", 6),
                                     fc.categorical_column_with_identity("n", 6)], 2)

refused = {
    "sequence": "kfc.DenseFeatures([fc.embedding_column(fc.sequence_categorical_column_with_identity('j', 6), 2)])",
    "shared": "kfc.DenseFeatures(shared())",
    "max_norm": "kfc.embedding_column(kfc.categorical_column_with_identity('j', 6), 2, max_norm=1.0)",
    "tf max_norm": "kfc.LinearModel([fc.embedding_column(fc.categorical_column_with_identity('j', 6), 2, max_norm=1.0)])",
    "checkpoint": "kfc.embedding_column(kfc.categorical_column_with_identity('j', 6), 2, ckpt_to_load_from='c', "
                  "tensor_name_in_ckpt='t')",
    "bare categorical": "kfc.DenseFeatures([kfc.categorical_column_with_identity('j', 6)])",
    "not a column": "kfc.LinearModel(['f'])",
    "duplicate names": "kfc.LinearModel([kfc.numeric_column('f'), kfc.numeric_column('f', (2,))])",
    "slash": "kfc.inputs([kfc.numeric_column('a/b')])",
    "float crossed raw": "kfc.inputs([kfc.numeric_column('f'), kfc.crossed_column(['f', 't'], 3)])",
    "string and number": "kfc.inputs([kfc.numeric_column('s'), kfc.categorical_column_with_hash_bucket('s', 3)])",
    "unsafe negative id": "kfc.DenseFeatures([kfc.embedding_column(kfc.categorical_column_with_identity('j', 6), 2, "
                          "use_safe_embedding_lookup=False)])(direct)",
    "id out of range": "kfc.DenseFeatures([kfc.embedding_column(kfc.categorical_column_with_identity('i', 10), 2)])"
                       "(direct)",
    "misaligned weights": "kfc.DenseFeatures([kfc.indicator_column(kfc.weighted_categorical_column("
                          "kfc.categorical_column_with_identity('c', 8), 'w'))])(direct)",
}
for name, text in refused.items():
    try:
        eval(text)
        checks["refused " + name] = "accepted"
    except Exception as error:
        checks["refused " + name] = type(error).__name__
checks["nested and generated column lists"] = kfc.inputs(
    [[kfc.numeric_column("f")], (column for column in [kfc.numeric_column("v", (3,))]), {"x": kfc.numeric_column("m", (2, 2))}.values()]
).keys() == {"f", "v", "m"}
print(json.dumps({"results": results, "checks": checks}))
"""


def kind(column: str) -> str:
    return "dense" if column.startswith(DENSE) else "categorical"


@pytest.mark.runtime
def test_columns_compute_the_estimators_features(tmp_path: Path, legacy_python: Path, current_python: Path) -> None:
    spec: dict[str, Any] = {"data": DATA, "sets": {}, "module": str(MODULE), "files": {
        "words": str(tmp_path / "words.txt"), "ints": str(tmp_path / "ints.txt"),
        "records": str(tmp_path / "words.tfrecord.gz")}}
    for name, (columns, options) in SETS.items():
        spec["sets"][name] = {
            "dnn": [column for column in columns if kind(column) == "dense"],
            "linear": columns,
            "sparse_combiner": options.get("sparse_combiner", "sum"),
            "dtypes": options.get("dtypes", {}),
            "tf": options.get("tf", False),
        }
    spec["estimator"] = {"linear": ESTIMATOR_LINEAR, "dnn": ESTIMATOR_DNN}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    legacy_out = tmp_path / "legacy.json"
    run_python(legacy_python, f"import sys; sys.argv = ['legacy', {str(tmp_path / 'spec.json')!r}, "
                              f"{str(legacy_out)!r}]\n" + LEGACY)
    expected = json.loads(legacy_out.read_text())["outputs"]
    current = json.loads(run_python(current_python, f"import sys; sys.argv = ['current', "
                                                    f"{str(tmp_path / 'spec.json')!r}, {str(legacy_out)!r}]\n"
                                                    + CURRENT).splitlines()[-1])
    actual, checks = current["results"], current["checks"]
    assert sorted(actual) == sorted(expected)
    differences, worst = {}, 0.0
    for key, reproduced in actual.items():
        name = key.split("/")[0]
        hows = {"model"} if name == "estimator" else {"model", "direct"} | ({"tf"} if SETS[name][1].get("tf") else set())
        assert set(reproduced) == hows, (key, sorted(reproduced))
        want = np.array(expected[key], np.float64)
        for how, value in reproduced.items():
            got = np.array(value, np.float64)
            if want.shape != got.shape or not np.allclose(got, want, rtol=1e-6, atol=1e-6):
                differences[f"{key} ({how})"] = (want.tolist(), got.tolist())
            else:
                worst = max(worst, float(np.max(np.abs(got - want), initial=0.0)))
    assert not differences, differences
    print(f"max |difference| over {sum(map(len, actual.values()))} outputs: {worst:.3g}")
    # The batch reaches the interesting cases: OOV buckets, missing inputs, pruned weights.
    assert np.count_nonzero(expected["vocabulary_string_oov/dnn"]) > 0
    assert checks["embedding_frozen/dnn"] == [0, 1]  # trainable=False honoured
    assert "input_layer/s_embedding/kernel" in checks["paths"]
    assert {"linear_model/kernel", "linear_model/bias", "linear_model/h_embedding/kernel"} <= set(checks["paths"])
    assert {name[len("refused "):]: value for name, value in checks.items() if name.startswith("refused ")} == {
        "sequence": "NotImplementedError", "shared": "NotImplementedError", "max_norm": "NotImplementedError",
        "tf max_norm": "NotImplementedError", "checkpoint": "NotImplementedError", "bare categorical": "ValueError",
        "not a column": "ValueError", "duplicate names": "ValueError", "slash": "ValueError",
        "float crossed raw": "ValueError", "string and number": "ValueError",
        "unsafe negative id": "InvalidArgumentError", "id out of range": "InvalidArgumentError",
        "misaligned weights": "InvalidArgumentError"}
    assert checks["nested and generated column lists"] is True


# Runtime: the constructors are tf.feature_column's, checked against TF 2.15 itself.

CONSTRUCTORS = sorted(COLUMN_FUNCTIONS)
BAD_ARGUMENTS = [
    "fc.numeric_column('a', shape=0)", "fc.numeric_column('a', shape=(2.5,))", "fc.numeric_column('a', dtype=tf.string)",
    "fc.numeric_column('a', default_value='x')", "fc.numeric_column('a', normalizer_fn=3)", "fc.numeric_column(3)",
    "fc.numeric_column('a', (2,), default_value=[1.0, 2.0, 3.0])",
    "fc.bucketized_column(fc.numeric_column('a'), [])", "fc.bucketized_column(fc.numeric_column('a'), [1.0, 0.0])",
    "fc.bucketized_column(fc.numeric_column('a'), [1.0, 1.0])", "fc.bucketized_column(fc.numeric_column('a', (2, 2)), [0.0])",
    "fc.bucketized_column(fc.categorical_column_with_identity('a', 3), [0.0])",
    "fc.categorical_column_with_vocabulary_list('a', [])", "fc.categorical_column_with_vocabulary_list('a', ['x', 'x'])",
    "fc.categorical_column_with_vocabulary_list('a', ['x'], default_value=0, num_oov_buckets=2)",
    "fc.categorical_column_with_vocabulary_list('a', ['x'], num_oov_buckets=-1)",
    "fc.categorical_column_with_vocabulary_list('a', [1.5, 2.5])",
    "fc.categorical_column_with_vocabulary_list('a', [1, 2], dtype=tf.string)",
    "fc.categorical_column_with_vocabulary_file('a', '')",
    "fc.categorical_column_with_vocabulary_file('a', files['missing'])",
    "fc.categorical_column_with_vocabulary_file('a', files['words'], 0)",
    "fc.categorical_column_with_vocabulary_file('a', files['words'], default_value=0, num_oov_buckets=1)",
    "fc.categorical_column_with_vocabulary_file('a', files['words'], dtype=tf.float32)",
    "fc.categorical_column_with_identity('a', 0)", "fc.categorical_column_with_identity('a', 3, default_value=3)",
    "fc.categorical_column_with_hash_bucket('a', 0)", "fc.categorical_column_with_hash_bucket('a', None)",
    "fc.categorical_column_with_hash_bucket('a', 3, dtype=tf.float32)",
    "fc.crossed_column(['a'], 5)", "fc.crossed_column(['a', 'b'], 0)",
    "fc.crossed_column([fc.categorical_column_with_hash_bucket('a', 3), 'b'], 5)",
    "fc.crossed_column([fc.numeric_column('a'), 'b'], 5)",
    "fc.indicator_column(fc.numeric_column('a'))", "fc.indicator_column('a')",
    "fc.embedding_column(fc.categorical_column_with_identity('a', 3), 0)",
    "fc.embedding_column(fc.categorical_column_with_identity('a', 3), 2, ckpt_to_load_from='x')",
    "fc.embedding_column(fc.categorical_column_with_identity('a', 3), 2, initializer=3)",
    "fc.weighted_categorical_column(fc.categorical_column_with_identity('a', 3), 'w', dtype=tf.string)",
    "fc.make_parse_example_spec([fc.numeric_column('a'), fc.categorical_column_with_identity('a', 3)])",
]
NAMED = [column for columns, _ in SETS.values() for column in columns] + ESTIMATOR_LINEAR + ESTIMATOR_DNN + [
    # D('x') is the string 'x' for this module (which takes dtype names) and tf.as_dtype('x') for TF.
    "fc.categorical_column_with_vocabulary_file('s', files['words'], 3, dtype=D('string'), default_value=0)",
    "fc.weighted_categorical_column(fc.categorical_column_with_hash_bucket('h', 4, D('int64')), 'w', D('int32'))",
    "fc.crossed_column([fc.crossed_column(['a b', 'c/d'], 3), fc.bucketized_column(fc.numeric_column('f'), (1.0,))], 5)",
    "fc.numeric_column('m', 2, default_value=np.array([1.5, 2.5]), dtype=tf.float64)",
    "fc.numeric_column('m', (2, 2), default_value=1, dtype=D('int32'))",
]

API = r"""
import importlib.util, inspect, json, sys
import numpy as np
import tensorflow as tf
spec = json.load(open(sys.argv[1]))
loaded = importlib.util.spec_from_file_location("keras_feature_columns", spec["module"])
kfc = importlib.util.module_from_spec(loaded)
loaded.loader.exec_module(kfc)
files = spec["files"]
with open(files["words"], "w") as out:
    out.write("a\nb\nc\n")
problems = []

def parameters(function):
    return [(p.name, str(p.kind), repr(getattr(p.default, "name", p.default))) for p in
            inspect.signature(function).parameters.values()]

for name in spec["constructors"]:
    if parameters(getattr(kfc, name)) != parameters(getattr(tf.feature_column, name)):
        problems.append([name, parameters(getattr(kfc, name)), parameters(getattr(tf.feature_column, name))])

def described(column):
    # Everything user code may read: class, fields, name, parse spec, and the plain fields' values.
    plain = {field: repr(getattr(column, field)) for field in column._fields
             if field not in ("source_column", "categorical_column", "keys", "normalizer_fn", "initializer")}
    return [type(column).__name__, list(column._fields), column.name, repr(sorted(column.parse_example_spec.items())),
            plain, [getattr(column, "num_buckets", None)]]

built = {}
for text in spec["named"]:
    mine, theirs = (eval(text, {"fc": fc, "tf": tf, "np": np, "files": files, "D": dtype})
                    for fc, dtype in ((kfc, str), (tf.feature_column, tf.as_dtype)))
    built[text] = (mine, theirs)
    if described(mine) != described(theirs):
        problems.append([text, described(mine), described(theirs)])

def parse_spec(fc, columns):
    try:
        return repr(sorted(fc.make_parse_example_spec(columns).items()))
    except ValueError as error:  # conflicting specs for one key (cross_numeric_raw)
        return type(error).__name__

for group in spec["groups"]:
    mine = parse_spec(kfc, (built[text][0] for text in group))  # any iterable
    theirs = parse_spec(tf.feature_column, [built[text][1] for text in group])
    if mine != theirs:
        problems.append(["make_parse_example_spec", group, mine, theirs])

for text in spec["bad"]:
    raised = []
    for fc in (kfc, tf.feature_column):
        try:
            eval(text, {"fc": fc, "tf": tf, "np": np, "files": files})
            raised.append(None)
        except Exception as error:
            raised.append(type(error).__name__)
    if raised[0] != raised[1] or raised[0] is None:
        problems.append([text, *raised])
print(json.dumps(problems))
"""


@pytest.mark.runtime
def test_constructors_are_tensorflow_2_15s(tmp_path: Path, legacy_python: Path) -> None:
    groups = [columns for columns, _ in SETS.values()] + [ESTIMATOR_LINEAR + ESTIMATOR_DNN]
    spec = {"module": str(MODULE), "constructors": CONSTRUCTORS, "named": NAMED, "bad": BAD_ARGUMENTS, "groups": groups,
            "files": {"words": str(tmp_path / "words.txt"), "records": str(tmp_path / "words.tfrecord.gz"),
                      "ints": str(tmp_path / "ints.txt"), "missing": str(tmp_path / "missing.txt")}}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    problems = json.loads(run_python(legacy_python, f"import sys; sys.argv = ['api', {str(tmp_path / 'spec.json')!r}]\n"
                                                    + API).splitlines()[-1])
    assert problems == []
    assert len(CONSTRUCTORS) == 11


# Runtime: Model and WideAndDeepModel train like the premade estimators, and predict alike.

TRAIN: dict[str, tuple[str, list[Any]]] = {
    "f": ("float64", [0.5, 2.0, -1.0, 1.0, 0.0, 3.5, 0.999, 2.5, -0.3, 1.7, 0.2, 2.2]),
    "v": ("float64", [[0.1 * i, -0.05 * i, 0.3 - 0.07 * i] for i in range(12)]),
    "s": ("str", ["a", "b", "", "zz", "c", "q", "a", "c", "b", "a", "zz", "c"]),
    "t": ("str", ["x", "", "y", "x", "w", "x", "y", "", "y", "w", "x", "y"]),
    "j": ("int64", [0, 5, -1, 3, -5, 2, 1, 4, 4, 0, 2, 1]),
    "wt": ("float64", [1.0, 0.5, 2.0, 1.5, 0.25, 1.0, 3.0, 0.75, 1.0, 2.0, 0.5, 1.25]),
    "a_extra": ("float64", [float(i) for i in range(12)]),  # sorts first: a plain Keras 3 model would read it
    "e_extra": ("str", [f"extra{i}" for i in range(12)]),
}
LABELS: dict[str, tuple[str, list[Any]]] = {
    "words3": ("str", ["lo", "hi", "mid", "hi", "lo", "lo", "mid", "hi", "mid", "lo", "hi", "mid"]),
    "words2": ("str", ["no", "yes", "yes", "no", "yes", "no", "no", "yes", "yes", "yes", "no", "no"]),
    "ids3": ("int64", [0, 2, 1, 2, 0, 0, 1, 2, 1, 0, 2, 1]),
    "values": ("float32", [0.5, -1.0, 2.0, 1.5, 0.0, 3.0, -0.5, 1.0, 2.5, -2.0, 0.75, 1.25]),
}
LINEAR = ["fc.numeric_column('f')", WORDS_OOV, f"fc.crossed_column([{WORDS_OOV}, 't'], 7)", F_BUCKETS,
          "fc.indicator_column(fc.categorical_column_with_identity('j', 6))"]
DNN = ["fc.numeric_column('f')", f"fc.embedding_column({WORDS_OOV}, 2)",
       "fc.indicator_column(fc.categorical_column_with_hash_bucket('t', 5))",
       "fc.embedding_column(fc.crossed_column(['s', 't'], 7), 3, 'sqrtn')", "fc.numeric_column('v', (3,))"]
WEIGHT = "fc.numeric_column('wt', normalizer_fn=lambda x: x * 2.0)"
# name: the estimator (evaluated with fc = tf.feature_column), its labels, the prefix of its
# variables started from random values (None: from the estimator's own zeros), the Keras model, and
# whether it trains by fit() (else train_on_batch) on the same batches.
ESTIMATORS: dict[str, dict[str, Any]] = {
    "linear": {
        "estimator": f"tf.estimator.LinearClassifier(LINEAR, n_classes=3, label_vocabulary=['lo', 'mid', 'hi'], "
                     f"weight_column={WEIGHT}, optimizer=tf.keras.optimizers.legacy.Ftrl(0.5), sparse_combiner='mean', "
                     "**common)",
        "labels": "words3", "random": None, "fit": False,
        "keras": "kfc.Model(inputs, kfc.LinearModel(LINEAR, units=3, sparse_combiner='mean')(inputs), "
                 f"weight_column={WEIGHT}, label_vocabulary=['lo', 'mid', 'hi'])",
        "compile": "dict(optimizer=keras.optimizers.Ftrl(0.5), loss=keras.losses.SparseCategoricalCrossentropy("
                   "from_logits=True), metrics=[keras.metrics.SparseCategoricalAccuracy()])",
    },
    "dnn": {
        "estimator": "tf.estimator.DNNClassifier([3], DNN, n_classes=2, label_vocabulary=['no', 'yes'], "
                     "weight_column='wt', optimizer=tf.keras.optimizers.legacy.Adagrad(0.3), **common)",
        "labels": "words2", "random": "dnn/", "fit": True,
        "keras": "kfc.Model(inputs, keras.layers.Dense(1, name='logits')(keras.layers.Dense(3, 'relu', "
                 "name='hiddenlayer_0')(kfc.DenseFeatures(DNN)(inputs))), weight_column='wt', "
                 "label_vocabulary=['no', 'yes'])",
        "compile": "dict(optimizer=keras.optimizers.Adagrad(0.3), loss=keras.losses.BinaryCrossentropy("
                   "from_logits=True), metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])",
    },
    "combined": {
        "estimator": "tf.estimator.DNNLinearCombinedClassifier(linear_feature_columns=LINEAR, "
                     "linear_optimizer=tf.keras.optimizers.legacy.Ftrl(0.4), dnn_feature_columns=DNN, "
                     "dnn_optimizer=tf.keras.optimizers.legacy.Adagrad(0.2), dnn_hidden_units=[3], n_classes=3, "
                     "weight_column='wt', **common)",
        "labels": "ids3", "random": "dnn/", "fit": True,
        "keras": "kfc.WideAndDeepModel(inputs, keras.layers.Add()([keras.layers.Dense(3, name='logits')("
                 "keras.layers.Dense(3, 'relu', name='hiddenlayer_0')(kfc.DenseFeatures(DNN)(inputs))), "
                 "kfc.LinearModel(LINEAR, units=3)(inputs)]), linear_optimizer=keras.optimizers.Ftrl(0.4), "
                 "weight_column='wt')",
        "compile": "dict(optimizer=keras.optimizers.Adagrad(0.2), loss=keras.losses.SparseCategoricalCrossentropy("
                   "from_logits=True))",
    },
    "regressor_v1": {
        "estimator": "tf.compat.v1.estimator.LinearRegressor(LINEAR, weight_column='wt', "
                     "optimizer=tf.compat.v1.train.FtrlOptimizer(0.3), **common)",
        "labels": "values", "random": None, "fit": False,
        "keras": "kfc.Model(inputs, kfc.LinearModel(LINEAR)(inputs), weight_column='wt')",
        "compile": "dict(optimizer=keras.optimizers.Ftrl(0.3), loss=keras.losses.MeanSquaredError(reduction='sum'))",
    },
}
BATCH = 4

ESTIMATOR_RUNS = r"""
import json, os, sys, tempfile
import numpy as np
import tensorflow as tf
fc = tf.feature_column
spec = json.load(open(sys.argv[1]))
LINEAR = [eval(column) for column in spec["linear"]]
DNN = [eval(column) for column in spec["dnn"]]
features = {key: np.array(values, dtype=dtype) for key, (dtype, values) in spec["features"].items()}
rng = np.random.default_rng(3)

class Losses(tf.estimator.SessionRunHook):
    def __init__(self):
        self.values = []
    def before_run(self, context):
        # The estimator adds its training loss last (heads may add theirs before).
        return tf.estimator.SessionRunArgs(tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.LOSSES)[-1])
    def after_run(self, context, values):
        self.values.append(float(values.results))

def encoded(value):
    return [str(value.dtype), list(value.shape), [item.decode() if isinstance(item, bytes) else item
                                                  for item in value.ravel().tolist()]]

def is_weight(name):  # a model variable, not an optimizer slot or the step
    return name.startswith(("dnn/", "linear/")) and not name.endswith(("/Ftrl", "/Ftrl_1", "/Adagrad"))

results = {}
for name, case in spec["estimators"].items():
    labels = np.array(spec["labels"][case["labels"]][1], dtype=spec["labels"][case["labels"]][0])
    train = lambda: tf.data.Dataset.from_tensor_slices((features, labels)).batch(spec["batch"])
    common = {"config": tf.estimator.RunConfig(tf_random_seed=1)}
    start = {}
    if case["random"]:
        # The estimator's variables under the prefix start from known random values (warm start).
        scratch = tempfile.mkdtemp()
        eval(case["estimator"], {**globals(), "common": {**common, "model_dir": scratch}}).train(train, steps=1)
        with tf.Graph().as_default():
            variables = []
            for variable, shape in tf.train.list_variables(scratch):
                if variable.startswith(case["random"]) and is_weight(variable):
                    start[variable] = (rng.normal(size=shape) * 0.5).astype(np.float32)
                    variables.append(tf.compat.v1.Variable(start[variable], name=variable))
            with tf.compat.v1.Session() as session:
                session.run(tf.compat.v1.global_variables_initializer())
                checkpoint = tf.compat.v1.train.Saver(variables).save(session, os.path.join(scratch, "start"))
        common["warm_start_from"] = tf.estimator.WarmStartSettings(checkpoint, vars_to_warm_start=case["random"] + ".*")
    model_dir = tempfile.mkdtemp()
    estimator = eval(case["estimator"], {**globals(), "common": {**common, "model_dir": model_dir}})
    losses = Losses()
    estimator.train(train, hooks=[losses])
    final = {variable: tf.train.load_variable(model_dir, variable).tolist()
             for variable, _ in tf.train.list_variables(model_dir) if is_weight(variable)}
    evaluated = float(estimator.evaluate(train)["loss"])
    predictions = [{key: encoded(value) for key, value in prediction.items()} for prediction in
                   estimator.predict(lambda: tf.data.Dataset.from_tensor_slices(features).batch(spec["batch"]))]
    results[name] = {"start": {key: value.tolist() for key, value in start.items()}, "losses": losses.values,
                     "final": final, "predictions": predictions, "evaluated": evaluated}
json.dump(results, open(sys.argv[2], "w"))
"""

KERAS_RUNS = NAMING + r"""
import tempfile
legacy = json.load(open(sys.argv[2]))
fc = kfc
LINEAR = [eval(column) for column in spec["linear"]]
DNN = [eval(column) for column in spec["dnn"]]
features = {key: np.array(values, dtype=dtype) for key, (dtype, values) in spec["features"].items()}

def encoded(value):
    return [str(value.dtype), list(value.shape), [item.decode() if isinstance(item, bytes) else item
                                                  for item in value.ravel().tolist()]]

class Means(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.means = []
    def on_train_batch_end(self, batch, logs=None):
        self.means.append(float(logs["loss"]))  # the mean over the epoch's batches so far

results, checks = {}, {}
for name, case in spec["estimators"].items():
    keras.utils.set_random_seed(1)
    labels = np.array(spec["labels"][case["labels"]][1], dtype=spec["labels"][case["labels"]][0])
    inputs = kfc.inputs(LINEAR + DNN)
    model = eval(case["keras"])
    load(model, legacy[name]["start"], complete=False)
    model.compile(**eval(case["compile"]))
    dataset = tf.data.Dataset.from_tensor_slices((features, labels)).batch(spec["batch"])
    losses = []
    if case["fit"]:  # what migrated programs run
        means = Means()
        model.fit(dataset, epochs=1, shuffle=False, verbose=0, callbacks=[means])
        losses = [(step + 1) * mean - step * previous for step, (mean, previous) in
                  enumerate(zip(means.means, [0.0, *means.means]))]
    else:
        for start in range(0, len(labels), spec["batch"]):
            batch = {key: tf.constant(value[start:start + spec["batch"]]) for key, value in features.items()}
            model.reset_metrics()
            logs = model.train_on_batch(batch, tf.constant(labels[start:start + spec["batch"]]), return_dict=True)
            losses.append(float(logs["loss"]))
    logits = model.predict(tf.data.Dataset.from_tensor_slices(features).batch(spec["batch"]), verbose=0)
    predicted = (kfc.regressor_predictions(logits) if name.startswith("regressor")
                 else kfc.classifier_predictions(logits, label_vocabulary=model.label_vocabulary))
    results[name] = {"losses": losses, "final": dump(model),
                     "evaluated": model.evaluate(dataset, verbose=0, return_dict=True)["loss"],
                     "predictions": [{key: encoded(value) for key, value in row.items()} for row in predicted]}
    if "lambda" not in case["keras"]:  # Keras saves a lambda by its source, which eval'd text lacks
        # Saved and loaded (config and weights), the model predicts the same.
        path = tempfile.mkdtemp() + "/model.keras"
        model.save(path)
        again = keras.models.load_model(path)
        checks[name + "/reloaded"] = float(np.max(np.abs(again.predict(
            tf.data.Dataset.from_tensor_slices(features).batch(spec["batch"]), verbose=0) - logits)))
        checks[name + "/class"] = type(again).__name__
    if model.label_vocabulary:
        bad = labels[:spec["batch"]].copy()
        bad[0] = "unknown"
        try:
            model.train_on_batch({key: tf.constant(value[:spec["batch"]]) for key, value in features.items()},
                                 tf.constant(bad))
            checks[name + "/unknown label"] = "accepted"
        except Exception as error:
            checks[name + "/unknown label"] = type(error).__name__

# Optimizers whose dense steps differ from the estimator's sparse updates are refused.
inputs = kfc.inputs(LINEAR + DNN)
for layers, optimizer in [("DenseFeatures(DNN)", "Ftrl(0.1)"), ("LinearModel(LINEAR)", "RMSprop()"),
                          ("LinearModel(LINEAR)", "SGD(0.1, momentum=0.9)"), ("LinearModel(LINEAR)", "Ftrl(0.1)"),
                          ("DenseFeatures(DNN)", "Adam()")]:
    model = kfc.Model(inputs, keras.layers.Dense(1)(eval("kfc." + layers)(inputs)))
    try:
        model.compile(optimizer=eval("keras.optimizers." + optimizer), loss="mse")
        checks[f"{layers} {optimizer}"] = "compiled"
    except NotImplementedError:
        checks[f"{layers} {optimizer}"] = "refused"
print(json.dumps({"results": results, "checks": checks}))
"""


def decoded(prediction: dict[str, list[Any]]) -> dict[str, tuple[str, list[int], np.ndarray[Any, Any]]]:
    return {key: (dtype, shape, np.array(values)) for key, (dtype, shape, values) in prediction.items()}


@pytest.mark.runtime
def test_models_train_and_predict_like_the_estimators(tmp_path: Path, legacy_python: Path,
                                                      current_python: Path) -> None:
    spec = {"module": str(MODULE), "features": TRAIN, "labels": LABELS, "linear": LINEAR, "dnn": DNN,
            "estimators": ESTIMATORS, "batch": BATCH}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    legacy_out = tmp_path / "legacy.json"
    run_python(legacy_python, f"import sys; sys.argv = ['legacy', {str(tmp_path / 'spec.json')!r}, "
                              f"{str(legacy_out)!r}]\n" + ESTIMATOR_RUNS)
    expected = json.loads(legacy_out.read_text())
    current = json.loads(run_python(current_python, f"import sys; sys.argv = ['current', "
                                                    f"{str(tmp_path / 'spec.json')!r}, {str(legacy_out)!r}]\n"
                                                    + KERAS_RUNS).splitlines()[-1])
    actual, checks = current["results"], current["checks"]
    worst: dict[str, float] = {}
    for name, want in expected.items():
        got = actual[name]
        assert len(want["losses"]) == len(TRAIN["f"][1]) // BATCH
        np.testing.assert_allclose(got["losses"], want["losses"], rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(got["evaluated"], want["evaluated"], rtol=1e-5, err_msg=name)
        assert sorted(got["final"]) == sorted(want["final"]), name
        for variable, value in want["final"].items():
            np.testing.assert_allclose(got["final"][variable], value, rtol=1e-5, atol=1e-5, err_msg=variable)
        # Training moved the weights away from where they started, in every part of the model.
        assert all(not np.allclose(value, want["start"].get(variable, 0.0)) for variable, value in want["final"].items()
                   if "bias" not in variable or "linear" in variable), name
        assert len(got["predictions"]) == len(want["predictions"])
        for mine, theirs in zip(got["predictions"], want["predictions"], strict=True):
            mine_values, their_values = decoded(mine), decoded(theirs)
            assert {key: value[:2] for key, value in mine_values.items()} == {
                key: value[:2] for key, value in their_values.items()}, name  # keys, dtypes, shapes
            for key, (dtype, _, value) in their_values.items():
                if dtype.startswith("float"):
                    np.testing.assert_allclose(mine_values[key][2], value, rtol=1e-5, atol=1e-6, err_msg=key)
                else:
                    assert mine_values[key][2].tolist() == value.tolist(), key
        worst[name] = max(float(np.max(np.abs(np.array(got["final"][variable]) - np.array(value))))
                          for variable, value in want["final"].items())
    print("max |final weight difference|:", worst)
    reloaded = {name for name, case in ESTIMATORS.items() if "lambda" not in case["keras"]}
    assert {name for name in checks if name.endswith("/reloaded")} == {f"{name}/reloaded" for name in reloaded}
    assert all(checks[f"{name}/reloaded"] < 1e-6 for name in reloaded), checks
    assert checks["combined/class"] == "WideAndDeepModel" and checks["dnn/class"] == "Model"
    assert checks["linear/unknown label"] == checks["dnn/unknown label"] == "InvalidArgumentError"
    assert {name: value for name, value in checks.items() if name.startswith(("Dense", "Linear"))} == {
        "DenseFeatures(DNN) Ftrl(0.1)": "refused", "LinearModel(LINEAR) RMSprop()": "refused",
        "LinearModel(LINEAR) SGD(0.1, momentum=0.9)": "refused", "LinearModel(LINEAR) Ftrl(0.1)": "compiled",
        "DenseFeatures(DNN) Adam()": "compiled"}


EXPORT = r"""
import json, sys, tempfile
import numpy as np
import tensorflow as tf
import keras
sys.path.insert(0, sys.argv[1])
import keras_feature_columns as kfc

keras.utils.set_random_seed(3)
city = kfc.categorical_column_with_vocabulary_list("city", ["a", "b", "c"])
columns = [kfc.numeric_column("x"), kfc.indicator_column(city)]
inputs = kfc.inputs(columns)
logits = keras.layers.Dense(3, name="logits")(kfc.DenseFeatures(columns)(inputs))
model = kfc.Model(inputs, logits, label_vocabulary=["low", "mid", "high"], head="classifier")
features = {"x": tf.constant([[0.5], [1.5], [-2.0]]), "city": tf.constant([["a"], ["c"], ["zz"]])}
expected = model(features).numpy()

def serving_input_fn():  # what course code writes: placeholders of shape [None], expanded
    placeholders = {"x": tf.compat.v1.placeholder(tf.float32, [None]),
                    "city": tf.compat.v1.placeholder(tf.string, [None])}
    return kfc.ServingInputReceiver({key: tf.expand_dims(value, -1) for key, value in placeholders.items()},
                                    placeholders)

results = {}
base = tempfile.mkdtemp()
path = kfc.export_saved_model(model, base, serving_input_fn)  # the model's own head: 3 classes
served = tf.saved_model.load(path.decode()).signatures["serving_default"](
    x=tf.constant([0.5, 1.5, -2.0]), city=tf.constant(["a", "c", "zz"]))
results["placeholders"] = [np.abs(served["logits"].numpy() - expected).max(),
                           [name.decode() for name in served["classes"].numpy().ravel()], sorted(served)]
raw = kfc.build_raw_serving_input_receiver_fn(features)
served = tf.saved_model.load(kfc.export_saved_model(model, base, raw, head="multiclass").decode()).signatures[
    "serving_default"](**features)
results["raw"] = [np.abs(served["logits"].numpy() - expected).max()]
parsing = kfc.build_parsing_serving_input_receiver_fn(kfc.make_parse_example_spec(columns))
examples = [tf.train.Example(features=tf.train.Features(feature={
    "x": tf.train.Feature(float_list=tf.train.FloatList(value=[float(x)])),
    "city": tf.train.Feature(bytes_list=tf.train.BytesList(value=[c.encode()]))})).SerializeToString()
    for x, c in zip([0.5, 1.5, -2.0], ["a", "c", "zz"])]
served = tf.saved_model.load(kfc.export_saved_model(model, base, parsing, head="multiclass").decode()).signatures[
    "serving_default"](examples=tf.constant(examples))
results["parsing"] = [np.abs(served["logits"].numpy() - expected).max()]
print(json.dumps({key: [value[0].item(), *value[1:]] for key, value in results.items()}))
"""


@pytest.mark.runtime
def test_export_serves_what_the_serving_input_function_receives(tmp_path: Path, current_python: Path) -> None:
    """The program's own serving_input_receiver_fn (placeholders expanded, as course code writes
    it), TF's raw and tf.Example receivers: the SavedModel serves the model's outputs for them,
    with the estimator's class names from label_vocabulary."""
    (tmp_path / "keras_feature_columns.py").write_bytes(MODULE.read_bytes())
    results = json.loads(run_python(current_python, f"import sys; sys.argv = ['export', {str(tmp_path)!r}]\n"
                                    + EXPORT).splitlines()[-1])
    assert all(value[0] < 1e-6 for value in results.values()), results
    _, classes, keys = results["placeholders"]
    assert keys == ["class_ids", "classes", "logits", "probabilities"]
    assert set(classes) <= {"low", "mid", "high"}
