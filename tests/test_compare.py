"""`estimator-audit compare`: a legacy Estimator program against its Keras migration.

The fast tests hold the comparison math, the mapping, the mode decision and the report to what
they promise. The runtime tests run real programs: each legacy fixture in fixtures/compare/ under
TF 2.15 + tensorflow-estimator, its `--fix --unsafe-fixes` rewrite (made here, from the file)
under TF 2.21 + Keras 3, started from the estimator's own initial variables on the estimator's
own batches.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from estimator_audit.config import Settings
from estimator_audit.migrate.support_files import SUPPORT_MODULE, content
from estimator_audit.pipeline import FixMode
from estimator_audit.shim import CompareReport, assert_equivalent, compare
from estimator_audit.shim.compare import (
    OUTCOME_TOLERANCE,
    CompareError,
    LossComparison,
    Side,
    Tolerance,
    VariableDifference,
    compare_batches,
    compare_losses,
    compare_metrics,
    compare_predictions,
    compare_variables,
    differences,
    first_divergence,
    plan,
    plot,
)
from estimator_audit.shim.mapping import Block, WeightMap, variable_mapping
from tests.conftest import FIXTURES, fix_file, run_cli

COMPARE = FIXTURES / "compare"
EQUIVALENT = ["churn_binary_dnn", "soil_multiclass_linear_v1", "yield_regressor_bn_v1"]
TIGHT = Tolerance()


def rewrite(name: str, folder: Path) -> Path:
    """The `--fix --unsafe-fixes` rewrite of a legacy fixture, in a folder of its own (with the
    keras_feature_columns module it needs)."""
    target = folder / "migrated" / f"{name}_keras.py"
    target.parent.mkdir()
    target.write_bytes((COMPARE / f"{name}.py").read_bytes())
    result = fix_file(target, Settings(root=target.parent), FixMode(unsafe=True))
    assert not result.fix_error and not [finding for finding in result.findings if finding.code == "EA101"]
    return target


# Fast: the comparison math.

def test_relative_difference_is_measured_against_the_variables_scale() -> None:
    legacy = np.array([[0.0, 2.0], [-4.0, 1.0]])
    migrated = np.array([[1e-6, 2.0], [-4.0, 1.0 + 2e-6]])
    assert differences(migrated, legacy) == pytest.approx((2e-6, 2e-6 / 4.0))
    assert differences(legacy, legacy) == (0.0, 0.0)
    assert differences(np.array([1e-3]), np.array([0.0])) == (1e-3, math.inf)


def test_first_divergence_counts_steps_from_one_and_uses_the_legacy_loss_as_reference() -> None:
    legacy = [1.0, 0.5, 0.25, 0.125]
    assert first_divergence(legacy, [1.0, 0.5 + 5e-6, 0.25, 0.125], TIGHT) is None  # within 1e-6 + 1e-5 * 0.5
    assert first_divergence(legacy, [1.0, 0.5, 0.25 + 1e-5, 0.5], TIGHT) == 3
    assert first_divergence(legacy, [1.0, float("nan"), 0.25, 0.125], TIGHT) == 2
    assert first_divergence(legacy, [1.0, 0.6], Tolerance(rtol=0.25)) is None


def test_loss_comparison_reports_the_largest_gaps() -> None:
    losses = compare_losses([2.0, 1.0], [2.0, 1.001], TIGHT)
    assert losses.first_divergent_step == 2
    assert losses.max_abs == pytest.approx(1e-3) and losses.max_rel == pytest.approx(1e-3)


def test_a_stacked_linear_kernel_is_compared_block_by_block() -> None:
    mapping = [WeightMap("linear_model/kernel", (Block("linear/linear_model/a/weights", 1),
                                                 Block("linear/linear_model/b/weights", 2))),
               WeightMap("linear_model/bias", (Block("linear/linear_model/bias_weights"),)),
               WeightMap("logits/kernel", (Block("dnn/logits/kernel"),))]
    legacy = {"linear/linear_model/a/weights": np.array([[1.0]]),
              "linear/linear_model/b/weights": np.array([[2.0], [4.0]]),
              "linear/linear_model/bias_weights": np.array([0.5])}
    migrated = {"linear_model/kernel": np.array([[1.0], [2.0], [4.1]]), "linear_model/bias": np.array([0.5])}
    found, problems = compare_variables(mapping, legacy, migrated, TIGHT)
    assert [(v.name, v.keras, v.within) for v in found] == [
        ("linear/linear_model/a/weights", "linear_model/kernel[0:1]", True),
        ("linear/linear_model/b/weights", "linear_model/kernel[1:3]", False),
        ("linear/linear_model/bias_weights", "linear_model/bias", True)]
    assert found[1].max_rel == pytest.approx(0.1 / 4.0)
    assert problems == ["the migrated model has no variable logits/kernel"]


BATCHES = {"0/x/age": np.array([1.0, 2.0]), "0/x/city": np.array([b"a", b"bb"]), "0/y": np.array([0, 1]),
           "1/x/age": np.array([3.0, 4.0]), "1/x/city": np.array([b"c", b"a"]), "1/y": np.array([1, 1])}


def test_the_same_batches_pass_and_the_first_difference_is_named() -> None:
    same = {key: value.copy() for key, value in BATCHES.items()}
    assert compare_batches(BATCHES, same, TIGHT) == ([], [])
    assert compare_batches(BATCHES, {**same, "1/x/age": np.array([3.0, 4.0 + 1e-6])}, TIGHT) == ([], [])
    assert compare_batches(BATCHES, {key: v for key, v in same.items() if not key.startswith("1/")}, TIGHT) == (
        ["batch 2: the migrated dataset has no feature 'age'"], [])


def test_the_same_examples_in_another_order_are_a_note_not_a_problem() -> None:
    """An Estimator seeds shuffles from its graph seed, Keras from the global seed: the getting-
    started program's migrated dataset yields the same rows in another order. Rows are written
    alike before they are counted: float64 as float32, int32 as int64, and a string padded to
    its batch's longest one (b"a" in an S2 batch) as itself."""
    shuffled = {"0/x/age": np.array([4.0, 1.0]), "0/x/city": np.array([b"a", b"a"]),
                "0/y": np.array([1, 0], dtype=np.int32), "1/x/age": np.array([3.0, 2.0], dtype=np.float32),
                "1/x/city": np.array([b"c", b"bb"]), "1/y": np.array([1, 1])}
    problems, notes = compare_batches(BATCHES, shuffled, TIGHT)
    assert problems == []
    assert notes == ["batch 1: the migrated program's dataset yields different feature 'age', but the same "
                     "examples as the estimator's input_fn over the 2 batches compared, in another order: an "
                     "Estimator seeds its input pipeline's shuffles from its graph seed (RunConfig.tf_random_seed), "
                     "the Keras program from the global seed; the data does not differ, and the variables were "
                     "compared on the legacy batches"]


def test_other_examples_are_a_problem_that_says_how_many() -> None:
    # Rows are compared whole: the same values recombined across rows are other examples.
    recombined = {**BATCHES, "1/x/city": np.array([b"a", b"c"])}
    assert compare_batches(BATCHES, recombined, TIGHT) == ([
        "batch 2: the migrated program's dataset yields different feature 'city' than the estimator's "
        "input_fn, and not the same examples in another order: 2 of the 4 examples it yields over the 2 "
        "batches compared are not among the estimator's"], [])
    # One example twice too often (a pass read twice, say) is not the other order either.
    doubled = {"0/x/__features__": np.array([[1.0], [1.0]]), "1/x/__features__": np.array([[1.0], [1.0]])}
    once = {"0/x/__features__": np.array([[1.0], [2.0]]), "1/x/__features__": np.array([[2.0], [2.0]])}
    assert compare_batches(once, doubled, TIGHT)[0] == [
        "batch 1: the migrated program's dataset yields different features than the estimator's input_fn, "
        "and not the same examples in another order: it yields only examples the estimator reads, but not "
        "each as often"]


def test_metrics_and_predictions_are_compared_where_both_sides_have_them() -> None:
    metrics, notes = compare_metrics([{"accuracy": 0.75, "global_step": 10.0, "auc_precision_recall": 0.5}],
                                     [{"accuracy": 0.75, "auc": 0.8}], TIGHT)
    assert [(m.name, m.within) for m in metrics] == [("accuracy", True)]
    assert notes == ["evaluate call 1: only the legacy program reports auc_precision_recall",
                     "evaluate call 1: only the migrated program reports auc"]
    found, problems = compare_predictions([np.array([[1.0], [2.0]]), np.ones((2, 3))],
                                          [np.array([1.0, 2.5]), np.ones((3, 3))], TIGHT)
    assert [(p.call, p.rows, p.within) for p in found] == [(1, 2, False)]
    assert problems == ["predict call 2: the legacy program predicted shape (2, 3), the migrated one (3, 3)"]
    # Outcome mode: two separately initialised models agree on average, not row by row.
    legacy, migrated = np.array([[0.9], [0.1], [0.6]]), np.array([[0.1], [0.9], [0.62]])
    assert not compare_predictions([legacy], [migrated], OUTCOME_TOLERANCE)[0][0].within
    averaged, _ = compare_predictions([legacy], [migrated], OUTCOME_TOLERANCE, averaged=True)
    assert [(p.rows, p.within) for p in averaged] == [(3, True)]


def report(**changes: object) -> CompareReport:
    fields: dict[str, object] = {
        "mode": "equivalence",
        "legacy": Side("legacy.py", {"tensorflow": "2.15.1", "tensorflow-estimator": "2.15.0"}),
        "migrated": Side("keras.py", {"tensorflow": "2.21.0", "keras": "3.15.1"}),
        "tolerance": TIGHT,
        "losses": LossComparison((0.7, 0.6, 0.5), (0.7, 0.61, 0.52), 2, 0.02, 0.04),
        "variables": (VariableDifference("dnn/logits/kernel", "logits/kernel", (8, 1), 0.01, 0.02, False),
                      VariableDifference("dnn/logits/bias", "logits/bias", (1,), 0.0, 0.0, True)),
        "estimator": "DNNClassifier (v2)",
    }
    fields.update(changes)
    return CompareReport(**fields)  # type: ignore[arg-type]


def test_report_names_the_first_diverging_step_and_the_variables() -> None:
    wrong = report()
    assert not wrong.equivalent
    assert wrong.reasons() == ["the training loss first differs at step 2 (legacy 0.6, migrated 0.61)",
                               "variables differ after training: dnn/logits/kernel"]
    text = wrong.text()
    assert "Verdict: NOT EQUIVALENT" in text and "first step beyond tolerance: 2" in text
    assert "dnn/logits/kernel  logits/kernel" in text and "DIFFERS" in text
    right = report(losses=LossComparison((0.7,), (0.7,), None, 0.0, 0.0), variables=())
    assert right.equivalent and right.text().rstrip().endswith("Verdict: EQUIVALENT")


def test_report_json_is_plain_json_with_the_verdict() -> None:
    data = json.loads(json.dumps(report(losses=LossComparison((1.0,), (2.0,), 1, 1.0, math.inf)).to_json()))
    assert data["verdict"] == "not equivalent" and data["equivalent"] is False
    assert data["losses"]["max_rel"] == "inf" and data["losses"]["first_divergent_step"] == 1
    assert data["variables"][0] == {"name": "dnn/logits/kernel", "keras": "logits/kernel", "shape": [8, 1],
                                    "max_abs": 0.01, "max_rel": 0.02, "within": False}
    assert data["tolerance"] == {"rtol": 1e-5, "atol": 1e-6}


def test_outcome_mode_judges_metrics_and_any_mode_judges_problems() -> None:
    from estimator_audit.shim.compare import MetricDifference

    outcome = report(mode="outcome", metrics=(MetricDifference(1, "accuracy", 0.9, 0.8, False),))
    assert not outcome.equivalent and outcome.reasons() == [
        "evaluate call 1: accuracy differs (legacy 0.9, migrated 0.8)"]
    assert report(mode="outcome").equivalent  # the training is not the outcome
    assert not report(mode="outcome", problems=("the legacy program calls predict 1 times, the migrated one 0",)
                      ).equivalent


def test_plot_draws_both_curves_and_their_difference(tmp_path: Path) -> None:
    target = tmp_path / "losses.png"
    plot(report(), target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# Fast: the mapping and the mode, read statically from the legacy program.

def test_mapping_follows_the_estimators_checkpoint_names() -> None:
    """Read off the legacy run's variables: the optimizer's slots, the global step and the
    estimator's own bookkeeping map to nothing; the linear blocks stack in column-name order."""
    shapes = {
        "dnn/hiddenlayer_0/kernel": (4, 8), "dnn/hiddenlayer_0/kernel/t_0/Adagrad": (4, 8),
        "dnn/hiddenlayer_1/kernel": (8, 4), "dnn/hiddenlayer_0/batchnorm_0/moving_variance": (8,),
        "dnn/logits/bias": (1,), "global_step": (),
        "dnn/input_from_feature_columns/input_layer/region_embedding/embedding_weights": (10, 3),
        "linear/linear_model/zone/weights": (6, 1), "linear/linear_model/moisture/weights": (1, 1),
        "linear/linear_model/zone/weights/part_0/Ftrl": (6, 1), "linear/linear_model/bias_weights": (1,),
        "linear/linear_model/texture_X_zone/weights": (16, 1),
        "linear/linear_model/city_embedding/embedding_weights": (3, 2),
        "training/Adagrad/dnn/logits/bias/accumulator": (1,),
    }
    mapping = {m.keras: [(b.name, b.rows) for b in m.sources] for m in variable_mapping(shapes)}
    assert mapping == {
        "hiddenlayer_0/kernel": [("dnn/hiddenlayer_0/kernel", None)],
        "hiddenlayer_1/kernel": [("dnn/hiddenlayer_1/kernel", None)],
        "batchnorm_0/moving_variance": [("dnn/hiddenlayer_0/batchnorm_0/moving_variance", None)],
        "logits/bias": [("dnn/logits/bias", None)],
        "input_layer/region_embedding/kernel": [
            ("dnn/input_from_feature_columns/input_layer/region_embedding/embedding_weights", None)],
        "linear_model/bias": [("linear/linear_model/bias_weights", None)],
        "linear_model/city_embedding/kernel": [("linear/linear_model/city_embedding/embedding_weights", None)],
        "linear_model/kernel": [("linear/linear_model/moisture/weights", 1),
                                ("linear/linear_model/texture_X_zone/weights", 16),
                                ("linear/linear_model/zone/weights", 6)],
    }
    assert WeightMap("logits/bias", (Block("dnn/logits/bias"),)) in variable_mapping(shapes)


def test_mode_is_equivalence_only_where_the_steps_can_agree(tmp_path: Path) -> None:
    assert plan(COMPARE / "churn_binary_dnn.py", None).mode == "equivalence"
    iris = FIXTURES / "migrate" / "iris_multiclass_v1" / "iris_multiclass_v1.py"
    dropout = plan(iris, None)
    assert dropout.mode == "outcome" and "dropout 0.1" in dropout.notes[0]
    assert plan(iris, "equivalence").mode == "equivalence"
    keras_only = tmp_path / "keras_only.py"
    keras_only.write_text("import keras\nmodel = keras.Sequential()\n")
    assert "builds none" in plan(keras_only, None).notes[0]
    with pytest.raises(CompareError, match="equivalence mode needs an estimator"):
        plan(keras_only, "equivalence")


def test_cli_errors_exit_2_before_anything_runs(tmp_path: Path) -> None:
    done = run_cli(["compare", str(tmp_path / "missing.py"), str(tmp_path / "also_missing.py")])
    assert done.returncode == 2 and "no such program" in done.stderr
    done = run_cli(["compare", "--steps", "0", "a.py", "b.py"])
    assert done.returncode == 2 and "--steps must be at least 1" in done.stderr
    done = run_cli(["compare", "--rtol", "-1", "a.py", "b.py"])
    assert done.returncode == 2 and "--rtol and --atol must be at least 0" in done.stderr
    done = run_cli(["repro", "--timeout", "-1", "a.py"])
    assert done.returncode == 2 and "--timeout must be a positive number" in done.stderr


def write(files: dict[Path, str]) -> None:
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_legacy_program_runs_from_a_scratch_copy_with_its_safe_fixes(tmp_path: Path) -> None:
    """A TF1-era program with an unseeded data module: the copy has the names TF 2.15 has and
    the seeds; only what the program imports is fixed; every other entry of the folder is a
    link to the original (a virtualenv beside it is neither read nor copied); the user's files
    are untouched."""
    from estimator_audit.shim.legacy import prepared

    folder = tmp_path / "program"
    script, module = folder / "train.py", folder / "rows.py"
    write({script: "import tensorflow as tf\nimport rows\ntf.logging.set_verbosity(tf.logging.INFO)\n",
           module: "import numpy as np\ndef load(data, seed=None):\n    np.random.seed(seed)\n    return data\n",
           folder / "data" / "rows.csv": "1,2\n",
           folder / "other.py": "import tensorflow as tf\ntf.app.run()\n",
           folder / "venv" / "lib" / "site.py": "import tensorflow as tf\ntf.logging.info('x')\n"})
    originals = {path: path.read_bytes() for path in (script, module)}
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    ready = prepared(script, scratch)
    copy = scratch / "legacy"
    assert ready.program == copy / "train.py"
    assert "tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.INFO)" in ready.program.read_text()
    assert "def load(data, seed=42):" in (copy / "rows.py").read_text()
    assert ready.note == ("the legacy program ran from a scratch copy after estimator-audit's seeding and safe fixes for "
                          "TensorFlow 2.15: 3 fixes (2 EA106 missing-symbol, 1 EA209 seed-parameter-none) in "
                          "rows.py, train.py; the files themselves are unchanged")
    assert all((copy / name).is_symlink() for name in ("data", "other.py", "venv"))
    assert (copy / "data" / "rows.csv").resolve() == folder / "data" / "rows.csv"
    assert {path: path.read_bytes() for path in originals} == originals
    already = tmp_path / "seeded" / "seeded.py"
    write({already: "import numpy as np\nnp.random.seed(1)\n"})
    assert prepared(already, scratch) == type(ready)(already)  # nothing to fix: run as it is


def test_a_package_module_runs_from_its_place_in_the_copied_package(tmp_path: Path) -> None:
    """`trainer/task.py` importing a module that needs a fix: the package folder is recreated
    (its other modules linked), so `python -m trainer.task` runs from the copy's root."""
    from estimator_audit.shim.legacy import prepared

    package = tmp_path / "app" / "trainer"
    write({package / "__init__.py": "",
           package / "task.py": "from trainer import model\nmodel.main()\n",
           package / "model.py": "import tensorflow as tf\ndef main():\n    tf.logging.info('training')\n"})
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    ready = prepared(package / "task.py", scratch)
    copy = scratch / "legacy" / "trainer"
    assert ready.program == copy / "task.py" and ready.fixed == ("trainer/model.py",)
    assert (copy / "task.py").is_symlink() and (copy / "__init__.py").is_symlink()
    assert "tf.compat.v1.logging.info" in (copy / "model.py").read_text()


# Runtime: real programs under both runtimes.

@pytest.mark.runtime
@pytest.mark.parametrize("name", EQUIVALENT)
def test_rewrite_trains_like_the_estimator(name: str, tmp_path: Path, legacy_python: Path,
                                           current_python: Path) -> None:
    result = assert_equivalent(COMPARE / f"{name}.py", rewrite(name, tmp_path), legacy_python=legacy_python,
                               python=current_python)
    assert result.mode == "equivalence"
    assert len(result.losses.legacy) >= 100 and result.losses.first_divergent_step is None
    assert result.variables and all(v.max_rel <= 1e-5 for v in result.variables), result.text()


@pytest.mark.runtime
def test_wrong_learning_rate_is_caught_and_named(tmp_path: Path, legacy_python: Path,
                                                 current_python: Path) -> None:
    """The rewrite with V1's DNN learning rate (0.05) where the V2 estimator trains at 0.001."""
    migrated = rewrite("churn_binary_dnn", tmp_path)
    text = migrated.read_text(encoding="utf-8")
    assert text.count("learning_rate=0.001") == 1
    migrated.write_text(text.replace("learning_rate=0.001", "learning_rate=0.05"), encoding="utf-8")
    done = run_cli(["compare", "--json", "--plot", str(tmp_path / "losses.png"),
                    "--legacy-python", str(legacy_python), "--python", str(current_python),
                    str(COMPARE / "churn_binary_dnn.py"), str(migrated)], cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    progress = [line for line in done.stderr.splitlines() if line.startswith("estimator-audit compare: ")]
    assert progress[0].endswith("equivalence mode: running churn_binary_dnn.py on the legacy runtime...")
    assert progress[-1].endswith("s; comparing") and len(progress) == 3, done.stderr
    data = json.loads(done.stdout)
    # Step 1's loss is computed before the first update, so the rates first show at step 2.
    assert data["verdict"] == "not equivalent" and data["losses"]["first_divergent_step"] == 2
    assert data["reasons"][0].startswith("the training loss first differs at step 2")
    assert data["reasons"][1].startswith("variables differ after training: ")
    assert "dnn/hiddenlayer_0/kernel" in data["reasons"][1]
    assert {v["name"] for v in data["variables"] if not v["within"]} >= {"dnn/logits/kernel", "dnn/logits/bias"}
    assert (tmp_path / "losses.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.runtime
def test_outcome_mode_compares_metrics_and_predictions(tmp_path: Path, legacy_python: Path,
                                                       current_python: Path) -> None:
    """A linear model starts from zeros and this input has a fixed order: left to train on
    their own, both programs still compute the same."""
    name = "soil_multiclass_linear_v1"
    result = compare(COMPARE / f"{name}.py", rewrite(name, tmp_path), mode="outcome", steps=40,
                     legacy_python=legacy_python, python=current_python)
    assert result.mode == "outcome" and not result.variables
    assert len(result.losses.legacy) == len(result.losses.migrated) == 40
    assert {m.name for m in result.metrics} == {"accuracy", "average_loss", "loss"}
    assert result.predictions[0].rows == 100 and result.equivalent, result.text()


@pytest.mark.runtime
def test_embedding_columns_train_like_the_estimator(tmp_path: Path, legacy_python: Path,
                                                    current_python: Path) -> None:
    """A program written for TF 1.x logging runs after the safe fixes, and says so; its shuffled
    batches come in another order on each side, which is a note, not a difference."""
    result = assert_equivalent(COMPARE / "region_embedding_dnn.py", rewrite("region_embedding_dnn", tmp_path),
                               legacy_python=legacy_python, python=current_python)
    assert ("seeding and safe fixes for TensorFlow 2.15: 2 fixes (2 EA106 missing-symbol) in region_embedding_dnn.py"
            in result.text())
    assert any("the same examples as the estimator's input_fn over the 100 batches compared, in another order"
               in note for note in result.notes), result.text()


@pytest.mark.runtime
def test_wide_and_deep_steps_each_part_with_its_own_optimizer(tmp_path: Path, legacy_python: Path,
                                                              current_python: Path) -> None:
    """DNNLinearCombined: FTRL on the linear part, Adagrad on the DNN, as the rewrite's
    WideAndDeepModel.train_step does; a single optimizer would diverge from step 2."""
    program = FIXTURES / "migrate" / "wide_deep_regressor" / "wide_deep_regressor.py"
    migrated = tmp_path / "wide_deep_keras.py"
    migrated.write_bytes(program.with_name(program.name + ".fixed").read_bytes())
    (tmp_path / f"{SUPPORT_MODULE}.py").write_bytes(content(f"{SUPPORT_MODULE}.py"))
    result = assert_equivalent(program, migrated, legacy_python=legacy_python, python=current_python)
    assert result.mode == "equivalence"
    assert {"linear/linear_model/bias_weights", "dnn/logits/kernel"} <= {v.name for v in result.variables}
