"""The Keras code emitted for feature columns computes what tensorflow-estimator 2.15 computes.

The fast tests read the emitted text. The runtime test builds every column set with real feature
columns under TF 2.15 (`input_layer`, `linear_model` and a DNNLinearCombinedRegressor with a
randomised checkpoint), runs the emitted Keras code under TF 2.21 + Keras 3.15 on the same batch
with the same weights, and compares the numbers: one legacy and one current subprocess in all.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from estimator_audit.migrate.columns import (
    DNN_SCOPE,
    LINEAR_SCOPE,
    KeyDtype,
    SparseCombiner,
    dnn_embedding_variables,
    dnn_features,
    keras_inputs,
    linear_embedding_variables,
    linear_features,
    linear_layout,
)
from estimator_audit.migrate.model import (
    BucketizedColumn,
    CategoricalColumn,
    Column,
    CrossedColumn,
    EmbeddingColumn,
    HashColumn,
    IdentityColumn,
    IndicatorColumn,
    NumericColumn,
    Unsupported,
    VocabularyColumn,
)
from tests.conftest import run_python

F, V, M, N = NumericColumn("f"), NumericColumn("v", (3,)), NumericColumn("m", (2, 2)), NumericColumn("n")
WORDS = VocabularyColumn("s", ("a", "b", "c"))


# Fast: the emitted text.

def test_inputs_are_sorted_by_key_with_the_dtype_the_columns_read() -> None:
    columns: list[Column] = [IndicatorColumn(VocabularyColumn("z", (1, 2))), V, WORDS,
                             HashColumn("h", 3, "int64"), N, IdentityColumn("n", 4)]
    assert keras_inputs(columns, "tf.keras") == [
        "inputs = {",
        '    "h": tf.keras.Input(shape=(1,), name="h", dtype="int64"),',
        '    "n": tf.keras.Input(shape=(1,), name="n", dtype="int64"),',
        '    "s": tf.keras.Input(shape=(1,), name="s", dtype="string"),',
        '    "v": tf.keras.Input(shape=(3,), name="v", dtype="float32"),',
        '    "z": tf.keras.Input(shape=(1,), name="z", dtype="int64"),',
        "}",
    ]


def test_raw_crossed_keys_are_strings_unless_declared() -> None:
    crossed: list[Column] = [CrossedColumn(("a", "b"), 5)]
    assert 'dtype="string"' in keras_inputs(crossed, "keras")[1]
    assert 'dtype="int64"' in keras_inputs(crossed, "keras", {"a": "int64"})[1]


def test_dnn_features_concatenate_in_the_estimators_order() -> None:
    columns: list[Column] = [EmbeddingColumn(WORDS, 2), F, IndicatorColumn(IdentityColumn("a", 3))]
    lines = dnn_features(columns, "keras")
    assert lines[-1] == ('features = keras.ops.concatenate([a_indicator, keras.ops.cast(inputs["f"], "float32"), '
                         "s_embedding], axis=-1)")
    assert [name for name, _ in linear_layout(columns)] == ["a_indicator", "f", "s_embedding"]
    ast.parse("\n".join(keras_inputs(columns, "keras") + lines))


def test_vocabulary_ids_come_first_then_oov_buckets_and_missing_has_no_id() -> None:
    text = "\n".join(dnn_features([IndicatorColumn(VocabularyColumn("s", ("a", "b"), 3))], "keras"))
    assert 'StringLookup(vocabulary=["a", "b"], num_oov_indices=3, mask_token="")' in text
    assert ("s_ids = keras.ops.where(keras.ops.greater(s_index, 3), s_index - 4, "
            "keras.ops.where(keras.ops.equal(s_index, 0), -1, s_index + 1))") in text


def test_integer_oov_buckets_are_hashed_like_feature_columns() -> None:
    text = "\n".join(dnn_features([IndicatorColumn(VocabularyColumn("i", (5, 7), 3))], "keras"))
    assert "IntegerLookup(vocabulary=[5, 7], num_oov_indices=1, mask_token=-1)" in text
    assert 'i_oov = keras.layers.Hashing(num_bins=3)(inputs["i"])' in text


def test_layout_and_variable_names_follow_the_estimator() -> None:
    bucketized = BucketizedColumn(V, (0.0, 1.0))
    columns: list[Column] = [bucketized, EmbeddingColumn(WORDS, 4), IndicatorColumn(HashColumn("h", 5)),
                             CrossedColumn((WORDS, "t"), 7), M]
    assert linear_layout(columns) == [("h_indicator", 5), ("m", 4), ("s_X_t", 7), ("s_embedding", 4),
                                      ("v_bucketized", 9)]
    assert dnn_embedding_variables(columns) == {"s_embedding": f"{DNN_SCOPE}/s_embedding/embedding_weights"}
    assert linear_embedding_variables(columns) == {
        "linear_s_embedding": f"{LINEAR_SCOPE}/s_embedding/embedding_weights"}


def test_a_dnn_and_a_linear_block_can_share_one_model() -> None:
    """Embedding layer names differ, so both blocks fit in one functional model."""
    columns: list[Column] = [EmbeddingColumn(WORDS, 2)]
    text = "\n".join(dnn_features(columns, "keras", "dnn") + linear_features(columns, "keras", "linear"))
    assert 'name="s_embedding"' in text and 'name="linear_s_embedding"' in text


@pytest.mark.parametrize(("columns", "reason"), [
    ([WORDS], "a DNN reads dense columns only"),
    ([IndicatorColumn(WORDS), IndicatorColumn(VocabularyColumn("s", ("x",)))], "named 's_indicator'"),
    ([IndicatorColumn(CrossedColumn((HashColumn("h", 3), "t"), 5))], "crossed_column of a hashed column"),
    ([IndicatorColumn(VocabularyColumn("s", ("a", "")))], 'the vocabulary holds ""'),
    ([IndicatorColumn(VocabularyColumn("i", (1, -1)))], "the vocabulary holds -1"),
    ([IndicatorColumn(VocabularyColumn("s", ("a", "a")))], "duplicates"),
    ([F, IndicatorColumn(HashColumn("f", 3))], "both as a string and as a number"),
    ([V, IndicatorColumn(IdentityColumn("v", 3))], "shapes [(1,), (3,)]"),
    ([F, IndicatorColumn(CrossedColumn(("f", "t"), 5))], "crossed raw"),
    ([IndicatorColumn(CrossedColumn((BucketizedColumn(V, (0.0,)), "t"), 5))], "3 ids per example"),
    ([IndicatorColumn(CrossedColumn((CrossedColumn(("s", "t"), 5), "u"), 7))], "crosses 3 features"),
    ([NumericColumn("a/b")], "cannot contain '/'"),
])
def test_what_cannot_be_reproduced_says_why(columns: list[Column], reason: str) -> None:
    with pytest.raises(Unsupported) as raised:
        dnn_features(columns, "keras")
    assert reason in str(raised.value)


# Runtime: the same numbers under TF 2.15 feature columns and the emitted Keras 3 code.

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
}


def variants(column: CategoricalColumn, combiner: SparseCombiner = "mean") -> list[Column]:
    """The column bare (linear), as an indicator and as an embedding."""
    return [column, IndicatorColumn(column), EmbeddingColumn(column, 3, combiner)]


VECTOR_BUCKETS = BucketizedColumn(V, (-0.5, 0.5))
SETS: dict[str, tuple[list[Column], dict[str, Any]]] = {
    "numeric": ([F, NumericColumn("v", (3,), default_value=0.5), M], {}),
    "bucketized": ([BucketizedColumn(F, (0.0, 1.0, 2.5)), *variants(VECTOR_BUCKETS)], {}),
    "bucketized_mean": (variants(VECTOR_BUCKETS, "sqrtn"), {"sparse_combiner": "mean"}),
    "bucketized_sqrtn": (variants(VECTOR_BUCKETS, "sum"), {"sparse_combiner": "sqrtn"}),
    "vocabulary_string": (variants(WORDS), {}),
    "vocabulary_string_oov": (variants(VocabularyColumn("s", ("a", "b", "c"), 3), "sqrtn"), {}),
    "vocabulary_string_default": (variants(VocabularyColumn("s", ("a", "b", "c"), default_value=1), "sum"),
                                  {}),
    "vocabulary_int": (variants(VocabularyColumn("i", (5, 7, 9))), {}),
    "vocabulary_int_oov": (variants(VocabularyColumn("i", (5, 7, 9), 4)), {}),
    "vocabulary_int_oov1": (variants(VocabularyColumn("i", (5, 7, 9), 1)), {}),
    "vocabulary_int_default": (variants(VocabularyColumn("i", (5, 7, 9), default_value=0)), {}),
    "identity": (variants(IdentityColumn("j", 6)), {}),
    "identity_default": (variants(IdentityColumn("i", 10, 3)), {}),
    "hash_string": (variants(HashColumn("s", 5)), {}),
    "hash_int": (variants(HashColumn("h", 7, "int64")), {}),
    "cross_raw": (variants(CrossedColumn(("s", "t"), 11)), {}),
    "cross_vocabulary": (variants(CrossedColumn((WORDS, "t"), 11)), {}),
    "cross_vocabulary_reversed": (variants(CrossedColumn(("t", WORDS), 11)), {}),
    "cross_bucketized": (variants(CrossedColumn((BucketizedColumn(F, (0.0, 1.0)),
                                                 VocabularyColumn("i", (5, 7, 9), 2)), 13)), {}),
    "cross_identity": (variants(CrossedColumn((IdentityColumn("i", 10, 3), IdentityColumn("j", 6)), 17)), {}),
    "cross_int_raw": (variants(CrossedColumn(("c", "s"), 9)), {"key_dtypes": {"c": "int64"}}),
    "cross_numeric_raw": ([N, *variants(CrossedColumn(("n", "t"), 7))], {"key_dtypes": {"n": "int64"}}),
    "shared_key": ([N, IndicatorColumn(IdentityColumn("n", 4)), BucketizedColumn(N, (0.5, 1.5))], {}),
    "tf_keras": ([F, IndicatorColumn(VocabularyColumn("s", ("a", "b"), 2)), EmbeddingColumn(HashColumn("s", 4), 2)],
                 {"keras": "tf.keras"}),
}
ESTIMATOR_LINEAR: list[Column] = [
    F, VECTOR_BUCKETS, VocabularyColumn("s", ("a", "b", "c"), 2),
    CrossedColumn((VocabularyColumn("s", ("a", "b", "c"), 2), "t"), 7),
    IndicatorColumn(IdentityColumn("i", 10, 3)), EmbeddingColumn(HashColumn("h", 5, "int64"), 2),
    IndicatorColumn(IdentityColumn("n", 4))]
ESTIMATOR_DNN: list[Column] = [
    V, EmbeddingColumn(VocabularyColumn("s", ("a", "b", "c"), 2), 3),
    IndicatorColumn(CrossedColumn(("s", "t"), 5)), EmbeddingColumn(IdentityColumn("j", 6), 2),
    BucketizedColumn(F, (0.0, 1.0)), IndicatorColumn(VocabularyColumn("i", (5, 7, 9), 3)),
    N]  # numeric here, identity in the linear part: one int64 Input serves both


def tf_column(column: Column | str) -> str:
    """The tf.feature_column call that builds the column in the legacy runtime."""
    if isinstance(column, str):
        return repr(column)
    if isinstance(column, NumericColumn):
        return f"fc.numeric_column({column.key!r}, shape={column.shape!r}, default_value={column.default_value!r})"
    if isinstance(column, BucketizedColumn):
        return f"fc.bucketized_column({tf_column(column.source)}, boundaries={list(column.boundaries)!r})"
    if isinstance(column, VocabularyColumn):
        return (f"fc.categorical_column_with_vocabulary_list({column.key!r}, {list(column.vocabulary)!r}, "
                f"default_value={column.default_value}, num_oov_buckets={column.num_oov_buckets})")
    if isinstance(column, IdentityColumn):
        return (f"fc.categorical_column_with_identity({column.key!r}, {column.num_buckets}, "
                f"default_value={column.default_value!r})")
    if isinstance(column, HashColumn):
        return f"fc.categorical_column_with_hash_bucket({column.key!r}, {column.hash_bucket_size}, tf.{column.dtype})"
    if isinstance(column, CrossedColumn):
        return f"fc.crossed_column([{', '.join(tf_column(key) for key in column.keys)}], {column.hash_bucket_size})"
    if isinstance(column, IndicatorColumn):
        return f"fc.indicator_column({tf_column(column.categorical)})"
    return f"fc.embedding_column({tf_column(column.categorical)}, {column.dimension}, {column.combiner!r})"


def dense(columns: list[Column]) -> list[Column]:
    return [column for column in columns
            if isinstance(column, (NumericColumn, BucketizedColumn, IndicatorColumn, EmbeddingColumn))]


LEGACY = r"""
import json, os, sys, tempfile
import numpy as np
import tensorflow as tf
fc = tf.feature_column
spec = json.load(open(sys.argv[1]))
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
        if name.startswith("training/"):
            continue
        value = tf.train.load_variable(model_dir, name)
        if value.dtype == np.float32:
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

CURRENT = r"""
import json, sys
import numpy as np
import tensorflow as tf
import keras
spec = json.load(open(sys.argv[1]))
variables = {name: np.array(value, np.float32) for name, value in json.load(open(sys.argv[2]))["variables"].items()}
data = {key: np.array(values, dtype=dtype) for key, (dtype, values) in spec["data"].items()}
size = len(data["f"])

def kernel(layout, scope):
    blocks = [variables[f"{scope}/{name}/weights"] for name, rows in layout]
    assert [len(block) for block in blocks] == [rows for _, rows in layout], layout
    return np.concatenate(blocks)

def run(case, extra):
    namespace = {"keras": keras, "tf": tf}
    exec(case["code"], namespace)
    k = eval(case["keras"], namespace)
    outputs, weights = extra(k, namespace)
    model = k.Model(namespace["inputs"], outputs)
    for layer, variable in case["embeddings"].items():
        model.get_layer(layer).set_weights([variables[variable]])
    for layer, value in weights.items():
        model.get_layer(layer).set_weights(value)
    feed = tf.data.Dataset.from_tensor_slices({key: data[key] for key in namespace["inputs"]}).batch(size)
    return {key: np.asarray(value).tolist() for key, value in model.predict(feed, verbose=0).items()}

results = {}
for name, case in spec["sets"].items():
    def sets(k, namespace, name=name, case=case):
        outputs = {"linear": k.layers.Dense(2, name="linear_logits")(namespace["linear"])}
        if case["dnn"]:
            outputs["dnn"] = namespace["dnn"]
        scope = name + "/linear_model"
        return outputs, {"linear_logits": [kernel(case["layout"], scope), variables[scope + "/bias_weights"]]}
    for part, value in run(case, sets).items():
        results[name + "/" + part] = value

def combined(k, namespace):
    hidden = k.layers.Dense(4, activation="relu", name="hidden")(namespace["dnn"])
    logits = k.ops.add(k.layers.Dense(1, name="logits")(hidden),
                       k.layers.Dense(1, name="linear_logits")(namespace["linear"]))
    return {"estimator": logits}, {
        "hidden": [variables["dnn/hiddenlayer_0/kernel"], variables["dnn/hiddenlayer_0/bias"]],
        "logits": [variables["dnn/logits/kernel"], variables["dnn/logits/bias"]],
        "linear_logits": [kernel(spec["estimator"]["layout"], "linear/linear_model"),
                          variables["linear/linear_model/bias_weights"]],
    }
results.update(run(spec["estimator"], combined))
print(json.dumps(results))
"""


@pytest.mark.runtime
def test_emitted_keras_computes_the_estimators_features(tmp_path: Path, legacy_python: Path,
                                                        current_python: Path) -> None:
    spec: dict[str, Any] = {"data": DATA, "sets": {}}
    for name, (columns, options) in SETS.items():
        keras = options.get("keras", "keras")
        key_dtypes: dict[str, KeyDtype] = options.get("key_dtypes", {})
        combiner: SparseCombiner = options.get("sparse_combiner", "sum")
        spec["sets"][name] = {
            "dnn": [tf_column(column) for column in dense(columns)],
            "linear": [tf_column(column) for column in columns],
            "sparse_combiner": combiner,
            "keras": keras,
            "code": "\n".join(keras_inputs(columns, keras, key_dtypes)
                              + (dnn_features(dense(columns), keras, "dnn", key_dtypes) if dense(columns) else [])
                              + linear_features(columns, keras, "linear", key_dtypes, combiner)),
            "layout": linear_layout(columns),
            "embeddings": {**dnn_embedding_variables(dense(columns), f"{name}/input_layer"),
                           **linear_embedding_variables(columns, f"{name}/linear_model")},
        }
    spec["estimator"] = {
        "linear": [tf_column(column) for column in ESTIMATOR_LINEAR],
        "dnn": [tf_column(column) for column in ESTIMATOR_DNN],
        "keras": "keras",
        "code": "\n".join(keras_inputs(ESTIMATOR_LINEAR + ESTIMATOR_DNN, "keras")
                          + dnn_features(ESTIMATOR_DNN, "keras", "dnn")
                          + linear_features(ESTIMATOR_LINEAR, "keras", "linear")),
        "layout": linear_layout(ESTIMATOR_LINEAR),
        "embeddings": {**dnn_embedding_variables(ESTIMATOR_DNN), **linear_embedding_variables(ESTIMATOR_LINEAR)},
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    legacy_out = tmp_path / "legacy.json"
    run_python(legacy_python, f"import sys; sys.argv = ['legacy', {str(tmp_path / 'spec.json')!r}, "
                              f"{str(legacy_out)!r}]\n" + LEGACY)
    expected = json.loads(legacy_out.read_text())["outputs"]
    actual = json.loads(run_python(current_python, f"import sys; sys.argv = ['current', "
                                                   f"{str(tmp_path / 'spec.json')!r}, {str(legacy_out)!r}]\n"
                                                   + CURRENT).splitlines()[-1])
    assert sorted(actual) == sorted(expected)
    differences = {}
    for key, value in expected.items():
        want, got = np.array(value, np.float64), np.array(actual[key], np.float64)
        if want.shape != got.shape or not np.allclose(got, want, rtol=1e-6, atol=1e-6):
            differences[key] = (want.tolist(), got.tolist())
    assert not differences, differences
    # The batch reaches the interesting cases: OOV buckets and missing inputs are not all zero.
    assert np.count_nonzero(expected["vocabulary_string_oov/dnn"]) > 0
