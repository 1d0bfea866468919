"""The TensorFlow/Keras tables (estimator_audit/data/tf_*.json, keras_*.json) and their lookups.

The runtime test regenerates the tables from real TensorFlow 2.21 / Keras 3 and TensorFlow 2.15
/ Keras 2.15 and requires the committed files to be identical; the others check what the
lookups in estimator_audit.knowledge.tfsymbols answer for known names.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from estimator_audit.data import load
from estimator_audit.knowledge import tfsymbols
from tests.conftest import REPO

GENERATOR = REPO / "tools" / "generate_tf_tables.py"
DATA = REPO / "estimator_audit" / "data"


def generator() -> ModuleType:
    if str(GENERATOR.parent) not in sys.path:
        sys.path.insert(0, str(GENERATOR.parent))  # as when run as a script: tools/ first
    spec = importlib.util.spec_from_file_location("generate_tf_tables", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.runtime
def test_committed_tables_equal_what_real_tensorflow_generates(current_python: Path,
                                                               legacy_python: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(GENERATOR), "all", "--check", "--python", str(current_python),
         "--legacy-python", str(legacy_python)],
        capture_output=True, text=True, timeout=1800,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert done.returncode == 0, done.stderr[-5000:]


@pytest.mark.runtime
@pytest.mark.parametrize(
    ("script", "runtime"),
    [("generate_estimator_table.py", "legacy"), ("generate_keras_random_layers.py", "current"),
     ("generate_optimizer_table.py", "legacy"), ("generate_estimator_defaults.py", "legacy")],
)
def test_other_generated_tables_are_current(script: str, runtime: str, current_python: Path,
                                            legacy_python: Path) -> None:
    python = legacy_python if runtime == "legacy" else current_python
    command = [str(python), str(REPO / "tools" / script), "--check"]
    if script in ("generate_optimizer_table.py", "generate_estimator_defaults.py"):
        command += ["--current-python", str(current_python)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-5000:]


def test_estimator_defaults_record_what_the_estimators_really_do() -> None:
    """Facts tools/generate_estimator_defaults.py established by training the 2.15 estimators;
    several contradict what the docstrings suggest (see the asserts' comments)."""
    table = load("estimator_defaults.json")
    assert table["generated_by"] == "tools/generate_estimator_defaults.py"
    assert table["tensorflow_estimator"] == "2.15.0"
    estimators = table["estimators"]
    assert set(estimators) == {"DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor",
                               "DNNLinearCombinedClassifier", "DNNLinearCombinedRegressor"}
    for versions in estimators.values():
        # V2 averages the loss over the batch; V1 sums it ("weighted_sum" is Reduction.SUM).
        assert versions["v2"]["loss_reduction"] == "sum_over_batch_size"
        assert versions["v1"]["loss_reduction"] == "weighted_sum"
        for api, reduction in (("v2", "mean"), ("v1", "sum")):
            assert {h["reduction_observed"] for h in versions[api]["heads"].values()} == {reduction}

    dnn_v1 = estimators["DNNClassifier"]["v1"]
    assert dnn_v1["parameters"][:2] == ["hidden_units", "feature_columns"]
    assert dnn_v1["defaults"]["activation_fn"] == "relu" and "hidden_units" not in dnn_v1["defaults"]
    assert dnn_v1["heads"]["n_classes=2"]["loss"] == "sigmoid_cross_entropy"
    assert dnn_v1["heads"]["n_classes=2"]["logits_dimension"] == 1
    assert dnn_v1["heads"]["n_classes=3"]["loss"] == "sparse_softmax_cross_entropy"
    assert estimators["DNNRegressor"]["v2"]["heads"]["label_dimension=1"]["loss"] == "mean_squared_error"
    side = dnn_v1["optimizers"]["dnn"]
    assert side["default"] == "Adagrad" and side["learning_rate"] == {"kind": "constant", "value": 0.05}
    assert side["default_optimizer"]["class"] == "tensorflow.compat.v1.train.AdagradOptimizer"
    assert side["checkpoint"]["learning_rate_from_update"] == 0.05
    assert side["checkpoint"]["slots"] == {"accumulator": "{variable}/t_0/Adagrad"}
    assert set(dnn_v1["model_variables"]) == {"dnn/hiddenlayer_0/kernel", "dnn/hiddenlayer_0/bias",
                                              "dnn/logits/kernel", "dnn/logits/bias"}
    # V2 DNN passes no learning rate: the Keras 2 legacy Adagrad's own 0.001, not 0.05.
    side = estimators["DNNClassifier"]["v2"]["optimizers"]["dnn"]
    assert side["learning_rate"] == {"kind": "optimizer_default"}
    assert side["default_optimizer"]["class"] == "tensorflow.keras.optimizers.legacy.Adagrad"
    assert side["checkpoint"]["hyperparameter_variables"]["training/Adagrad/learning_rate"] == 0.001
    assert side["string_learning_rates"]["SGD"] == 0.01
    # The default linear optimizer is the string 'Ftrl' at a constant 0.2; min(0.2, 1/sqrt(n))
    # applies only to optimizer=None.
    for api in ("v1", "v2"):
        side = estimators["LinearClassifier"][api]["optimizers"]["linear"]
        assert side["default"] == "Ftrl" and side["learning_rate"] == {"kind": "constant", "value": 0.2}
        assert side["when_none"] == {"kind": "inverse_sqrt_columns", "max": 0.2}
        assert side["many_columns"]["default"]["learning_rate"] == 0.2
        assert side["many_columns"]["optimizer=None"]["learning_rate"] == pytest.approx(1 / 6, rel=1e-5)
        combined = estimators["DNNLinearCombinedRegressor"][api]["optimizers"]
        assert combined["dnn"]["learning_rate"] == {"kind": "constant", "value": 0.001}
        assert combined["linear"]["learning_rate"] == {"kind": "inverse_sqrt_columns", "max": 0.005}
    assert "linear/linear_model/x1/weights" in estimators["LinearRegressor"]["v2"]["model_variables"]

    strings = table["optimizer_strings"]
    assert set(strings["v1"]) == set(strings["v2"]) == {"Adagrad", "Adam", "Ftrl", "RMSProp", "SGD"}
    # TF1 Adagrad has no epsilon: Keras 3 reproduces it only with epsilon=0.
    assert strings["v1"]["Adagrad"]["keras3"]["keras_class"] == "keras.optimizers.Adagrad"
    assert strings["v1"]["Adagrad"]["keras3"]["keras_arguments"]["epsilon"] == 0.0
    assert strings["v1"]["Adam"]["keras3"]["keras_arguments"]["epsilon"] == 1e-08
    # TF1 RMSProp starts its accumulator at 1: no Keras 3 optimizer reproduces it.
    assert strings["v1"]["RMSProp"]["keras3"]["keras_class"] is None
    assert strings["v2"]["RMSProp"]["keras3"]["keras_class"] == "keras.optimizers.RMSprop"
    for api in ("v1", "v2"):
        for entry in strings[api].values():
            keras = entry["keras3"]
            assert (keras["keras_class"] is None) == (keras["max_abs_difference"] > 1e-5)


def test_check_mode_fails_with_a_clear_message_on_a_difference(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    module = generator()
    monkeypatch.setattr(module, "DATA", tmp_path)
    table = {"versions": {"tensorflow": "2.21.0"}, "modules": {"tensorflow": ["Variable"]}}
    (tmp_path / "tf_api_2_21.json").write_text(module.dump(table), encoding="utf-8")
    assert module.write_or_check({"tf_api_2_21.json": table}, check=True) == 0
    changed = {"versions": {"tensorflow": "2.22.0"}, "modules": {"tensorflow": ["Module"]}}
    assert module.write_or_check({"tf_api_2_21.json": changed}, check=True) == 1
    err = capsys.readouterr().err
    assert "tf_api_2_21.json" in err and "out of date" in err and "2.22.0" in err
    assert "Module" in err  # the diff shows what changed
    assert (tmp_path / "tf_api_2_21.json").read_text(encoding="utf-8") == module.dump(table)


def test_tables_are_small_sorted_and_say_what_made_them() -> None:
    files = sorted(DATA.glob("tf_*.json")) + sorted(DATA.glob("keras_*.json"))
    mine = [f for f in files if f.name in generator().CURRENT_FILES + generator().LEGACY_FILES]
    assert len(mine) == 7
    assert sum(f.stat().st_size for f in mine) < 3_000_000
    for path in mine:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        assert data["generated_by"].startswith("tools/generate_tf_tables.py")
        assert text == json.dumps(data, indent=0, sort_keys=True, ensure_ascii=True) + "\n"


@pytest.mark.parametrize(
    ("name", "missing_part"),
    [
        ("tensorflow.Session", "tensorflow.Session"),
        ("tensorflow.set_random_seed", "tensorflow.set_random_seed"),
        ("tensorflow.random_normal", "tensorflow.random_normal"),
        ("tensorflow.contrib.layers.xavier_initializer", "tensorflow.contrib"),
        ("tensorflow.compat.v1.random.set_seed", "tensorflow.compat.v1.random.set_seed"),
        ("tensorflow.estimator.RunConfig", "tensorflow.estimator"),
        ("tensorflow.compat.v1.layers.dense", "tensorflow.compat.v1.layers.dense"),
        ("tensorflow.Session().run", "tensorflow.Session"),
        ("keras.layers.merge.concatenate", "keras.layers.merge"),
    ],
)
def test_missing_names_on_2_21(name: str, missing_part: str) -> None:
    found = tfsymbols.missing(name, (2, 21))
    assert found is not None and found.name == missing_part
    assert not tfsymbols.exists(name)


@pytest.mark.parametrize(
    "name",
    [
        "tensorflow.compat.v1.Session",
        "tensorflow.compat.v1.random.set_random_seed",
        "tensorflow.compat.v1.train.AdamOptimizer",
        "tensorflow.random.normal",
        "tensorflow.keras.layers.Dense",
        "tensorflow.compat.v1.keras.layers.Dense",  # an alias of tf.keras (Keras 3) in 2.21
        "tensorflow.compat.v2.random.normal",
        "tensorflow.raw_ops.MatMul",
        "tensorflow.experimental.numpy.array",
        "tensorflow.Variable().assign",  # below an instance: not judged
        "tensorflow.data.Dataset.from_tensor_slices",  # below a class: not judged
        "tensorflow.compat.v1.flags.DEFINE_string",  # absl's flags: not judged
        "tensorflow.python.ops.math_ops",  # internal package: not judged
        "tensorflow._api.v2.anything",  # private: not judged
        "tensorflow.__version__",
        "keras.layers.Dense",
        "numpy.random_normal",  # not a TensorFlow name
    ],
)
def test_existing_or_unjudged_names_on_2_21(name: str) -> None:
    assert tfsymbols.missing(name, (2, 21)) is None


def test_targets_choose_their_table() -> None:
    assert tfsymbols.missing("tensorflow.estimator.RunConfig", (2, 15)) is None
    assert tfsymbols.missing("tensorflow.estimator.RunConfig", (2, 10)) is None
    assert tfsymbols.missing("tensorflow.contrib.slim", (2, 10)) is not None
    assert tfsymbols.missing("tensorflow.Session", (1, 15)) is None
    assert tfsymbols.missing("keras.layers.merge", (2, 15)) is None


def test_replacements_are_one_to_one_renames_that_exist() -> None:
    assert tfsymbols.replacement("tensorflow.random_normal") == (
        "tensorflow.random_normal", "tensorflow.random.normal")
    assert tfsymbols.replacement("tensorflow.Session") == (
        "tensorflow.Session", "tensorflow.compat.v1.Session")
    assert tfsymbols.replacement("tensorflow.gfile.GFile") == (
        "tensorflow.gfile.GFile", "tensorflow.io.gfile.GFile")
    # Not the same function as tf.argmax in 2.15: kept apart from the replacements, and the
    # replacement is TensorFlow 1's function, kept under tf.compat.v1.
    assert tfsymbols.replacement("tensorflow.arg_max") == ("tensorflow.arg_max", "tensorflow.compat.v1.arg_max")
    assert tfsymbols.tf2_rename("tensorflow.arg_max") == ("tensorflow.arg_max", "tensorflow.argmax")
    # The rename exists, but its target is gone from 2.21 (tf.compat.v1.estimator).
    assert tfsymbols.replacement("tensorflow.estimator.inputs.numpy_input_fn") is None


def test_seed_and_weights_tables() -> None:
    assert tfsymbols.rejects_seed("tensorflow.compat.v1.train.AdamOptimizer") == "TypeError"
    assert tfsymbols.rejects_seed("tensorflow.train.AdamOptimizer") == "TypeError"  # TF1 spelling
    assert tfsymbols.rejects_seed("keras.optimizers.Adam") == "ValueError"
    assert tfsymbols.rejects_seed("tensorflow.keras.optimizers.Adam") == "ValueError"
    assert tfsymbols.rejects_seed("keras.layers.Dense") == "ValueError"
    assert tfsymbols.rejects_seed("keras.layers.Dense", (2, 15)) == "TypeError"
    assert tfsymbols.rejects_seed("keras.layers.Dense", (1, 15)) is None
    assert tfsymbols.rejects_seed("tensorflow.train.AdamOptimizer", (1, 15)) == "TypeError"
    for accepts in ("keras.layers.Dropout", "keras.layers.GaussianNoise", "keras.layers.RandomFlip",
                    "keras.initializers.GlorotUniform", "tensorflow.random.normal",
                    "tensorflow.data.Dataset.shuffle", "tf_keras.layers.Dense"):
        assert tfsymbols.rejects_seed(accepts) is None, accepts
    for layer in ("keras.layers.Dense", "keras.layers.Conv2D", "keras.layers.LSTM",
                  "tensorflow.keras.layers.Dense"):
        assert tfsymbols.rejects_weights(layer) == "ValueError", layer
    assert tfsymbols.rejects_weights("keras.layers.Embedding") is None
    assert tfsymbols.rejects_weights("keras.layers.Dense", (2, 15)) is None
    assert tfsymbols.unusable_in_keras3("tensorflow.keras.optimizers.legacy.Adam") == "ImportError"


def test_keras2_only_names_and_methods() -> None:
    assert {"fit_generator", "evaluate_generator", "predict_generator"} <= tfsymbols.removed_model_methods()
    assert "fit" not in tfsymbols.removed_model_methods()
    assert "reset_states" not in tfsymbols.removed_model_methods()  # Keras 3 RNN layers keep it
    assert tfsymbols.keras2_only("tensorflow.keras.backend.set_learning_phase", (2, 21)) is not None
    assert tfsymbols.keras2_only("tensorflow.keras.backend.set_learning_phase", (2, 15)) is None
    assert tfsymbols.keras2_only("tensorflow.Session", (2, 21)) is None


