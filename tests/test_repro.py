"""`estimator-audit repro`: the comparison and the report on synthetic traces, the child's bookkeeping,
error paths with a real child process (no TensorFlow needed), and real runs of the programs in
fixtures/repro/ under the legacy and current runtimes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from estimator_audit.cli import default_runtime
from estimator_audit.shim import assert_reproducible, repro
from estimator_audit.shim.repro import (
    Divergence,
    ReproReport,
    VariableDifference,
    explain,
    first_divergence,
    magnitudes,
)
from estimator_audit.shim.trace import Event, Recorder, Trace, read_trace, write_trace
from tests.conftest import FIXTURES, REPO, run_cli

PROGRAMS = FIXTURES / "repro"
NAMES = ("dense/kernel", "dense/bias")


def step(number: int, digests: tuple[str, str] = ("k", "b"), batch: str = "x", loss: float = 0.5) -> Event:
    return Event("step", "keras Model.fit", 1, number, NAMES, digests, batch, loss.hex())


def run_of(*steps: Event, init: tuple[str, str] = ("k0", "b0")) -> list[Event]:
    return [Event("init", "keras Model.fit", 1, names=NAMES, digests=init), *steps]


# --- comparison and report, on synthetic traces ----------------------------------------------

def test_identical_runs_have_no_divergence() -> None:
    events = run_of(step(0), step(1))
    assert first_divergence(events, list(events), run=2) is None


@pytest.mark.parametrize(("other", "kind", "step_number", "variables"), [
    (run_of(step(0), init=("k0", "OTHER")), "initial", 0, ["dense/bias"]),
    (run_of(step(0, ("K", "b"), batch="y")), "data", 0, ["dense/kernel"]),
    (run_of(step(0), step(1, ("K", "B"))), "update", 1, ["dense/kernel", "dense/bias"]),
    (run_of(step(0), step(1, loss=0.25)), "loss", 1, []),
    (run_of(step(0)), "structure", 1, []),
    ([*run_of(step(0), step(1)), Event("predict", "keras Model.predict", 2, output="p")], "structure", 2, []),
])
def test_first_divergence_says_what_differed_first(other: list[Event], kind: str, step_number: int,
                                                   variables: list[str]) -> None:
    reference = run_of(step(0), step(1))
    found = first_divergence(reference, other, run=2)
    assert found is not None
    assert (found.kind, found.step, [v.name for v in found.variables]) == (kind, step_number, variables)


def test_differing_outputs_after_identical_training() -> None:
    reference = [*run_of(step(0)), Event("evaluate", "Estimator.evaluate", 2, output="a")]
    other = [*run_of(step(0)), Event("evaluate", "Estimator.evaluate", 2, output="b")]
    found = first_divergence(reference, other, run=3)
    assert found == Divergence(3, 2, 1, "output", "Estimator.evaluate")


def test_loss_divergence_shows_both_losses() -> None:
    found = first_divergence(run_of(step(0)), run_of(step(0, loss=0.75)), run=2)
    assert found is not None and found.detail == "loss 0.5 in run 1, 0.75 in run 2"


def test_magnitudes_are_max_abs_and_max_abs_over_the_reference_scale(tmp_path: Path) -> None:
    np.savez(tmp_path / "a.npz", np.array([1.0, -4.0], np.float32), np.zeros(2, np.float32))
    np.savez(tmp_path / "b.npz", np.array([1.5, -4.0], np.float32), np.array([0.0, 0.1], np.float32))
    found = magnitudes(NAMES, [VariableDifference(n) for n in NAMES], tmp_path / "a.npz", tmp_path / "b.npz")
    assert found[0] == VariableDifference("dense/kernel", 0.5, 0.125)  # 0.5 / max|run 1| = 0.5 / 4
    assert found[1].max_abs == pytest.approx(0.1) and found[1].max_rel == float("inf")  # run 1 is all zero
    assert magnitudes(NAMES, [VariableDifference("dense/kernel")], None, tmp_path / "b.npz") == (
        VariableDifference("dense/kernel"),)


ESTIMATOR_PROGRAM = '''\
import tensorflow as tf

tf.random.set_seed(1)
classifier = tf.estimator.DNNClassifier(hidden_units=[4], feature_columns=[])
classifier.train(input_fn, steps=3)
'''


def test_explanations_are_the_scripts_findings_for_that_kind(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(ESTIMATOR_PROGRAM)
    assert [e.code for e in explain(script, "train.py", "initial")] == ["EA203"]
    assert [e.code for e in explain(script, "train.py", "update")] == ["EA302"]
    assert explain(script, "train.py", "data") == ()


def test_report_text_names_the_variable_and_the_finding(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(ESTIMATOR_PROGRAM)
    variables = (VariableDifference("dnn/hiddenlayer_0/kernel", 0.5, 1.25), VariableDifference("dnn/logits/kernel"))
    report = ReproReport("train.py", "legacy", "python", status="diverged", steps=3,
                         divergence=Divergence(2, 0, 0, "initial", "Estimator.train", variables),
                         explanations=explain(script, "train.py", "initial"))
    text = report.text()
    assert ("DIVERGED at step 0 in the initial weights: dnn/hiddenlayer_0/kernel (and 1 more variable); "
            "EA203 at train.py:4 explains it.") in text
    rows = [line.split() for line in text.splitlines()]
    assert ["dnn/hiddenlayer_0/kernel", "0.5", "1.25"] in rows
    assert ["dnn/logits/kernel", "not", "kept", "not", "kept"] in rows
    assert report.exit_code == 1
    assert json.loads(json.dumps(report.to_json()))["divergence"]["kind"] == "initial"


# --- the child's bookkeeping (numpy only) ----------------------------------------------------

def test_trace_round_trips_with_shared_name_tables(tmp_path: Path) -> None:
    trace = Trace(run_of(step(0), step(1)), {0: "values-0.npz"}, {"python": "3.11"}, ["a note"])
    write_trace(tmp_path / "trace.json", trace)
    assert read_trace(tmp_path / "trace.json") == trace
    assert len(json.loads((tmp_path / "trace.json").read_text())["names"]) == 1


def test_recorder_keeps_values_for_init_first_last_requested_and_first_mismatch(tmp_path: Path) -> None:
    weights = [np.arange(4, dtype=np.float32), np.zeros(2, np.float32)]

    def record(recorder: Recorder, changed_at: int) -> None:
        call = recorder.begin_call()
        recorder.initial("keras Model.fit", call, NAMES, weights)
        for number in range(6):
            values = [w + (number >= changed_at) for w in weights]
            recorder.step("keras Model.fit", call, NAMES, values, [np.ones(3)], 0.5)
        recorder.finish({})

    (tmp_path / "1").mkdir()
    first = Recorder(tmp_path / "1", tmp_path, dump=[4])
    record(first, changed_at=99)
    assert sorted(first.trace.values) == [0, 1, 4, 6]  # init, first step, asked for (event 4 = step 3), last
    (tmp_path / "2").mkdir()
    second = Recorder(tmp_path / "2", tmp_path, reference=read_trace(tmp_path / "1" / "trace.json"))
    record(second, changed_at=2)
    assert sorted(second.trace.values) == [0, 1, 3, 6]  # event 3 = step 2, the first that differs
    with np.load(tmp_path / "2" / second.trace.values[3]) as kept:
        assert kept["arr_0"].tolist() == [1.0, 2.0, 3.0, 4.0]


# --- error paths: a real child under this interpreter, which has no TensorFlow ---------------

def program(folder: Path, text: str) -> Path:
    path = folder / "program.py"
    path.write_text(text)
    return path


def test_a_program_that_raises_is_an_error_with_its_stderr(tmp_path: Path) -> None:
    report = repro(program(tmp_path, "raise SystemExit('the data file is missing')"), python=sys.executable)
    assert (report.status, report.exit_code, report.error) == ("error", 2, "run 1 exited with status 1")
    assert "the data file is missing" in report.text()


def test_a_run_that_hangs_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    report = repro(program(tmp_path, "import time\ntime.sleep(60)"), python=sys.executable, timeout=1)
    assert (report.exit_code, report.error) == (2, "run 1 timed out after 1 s")
    assert report.runs[0].returncode is None and report.runs[0].seconds < 30


def test_program_runs_with_its_arguments_in_a_folder_of_its_own(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """It reads the current folder's files, writes into its own, and gets its own TMPDIR."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.txt").write_text("rows")
    script = program(tmp_path, """
import sys, tempfile
assert sys.argv[1:] == ["--epochs", "3"], sys.argv
assert open("data.txt").read() == "rows"
open("written.txt", "w").write("x")
assert "estimator-audit-repro-" in tempfile.gettempdir()
""")
    report = repro(script, python=sys.executable, args=["--epochs", "3"])
    assert report.error is not None and report.error.startswith("nothing was traced"), report.text()
    assert not (tmp_path / "written.txt").exists()


def test_cli_reports_errors_as_json_with_exit_2(tmp_path: Path) -> None:
    script = program(tmp_path, "raise ValueError('boom')")
    done = run_cli(["repro", "--python", sys.executable, "--json", str(script), "--", "--flag"])
    assert done.returncode == 2, done.stderr
    report = json.loads(done.stdout)
    assert (report["status"], report["exit_code"]) == ("error", 2)
    assert "ValueError: boom" in report["runs"][0]["stderr_tail"]
    assert run_cli(["repro", "--runs", "1", "--python", sys.executable, str(script)]).returncode == 2


# --- real runs -------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def quiet_tensorflow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.mark.runtime
def test_seeded_keras_program_is_bit_identical(current_python: Path) -> None:
    report = assert_reproducible(PROGRAMS / "keras_seeded.py", runtime="current")
    assert (report.steps, report.counts) == (10, {"init": 1, "evaluate": 1, "predict": 0})
    assert report.fingerprint["keras"] == "3.15.1"


@pytest.mark.runtime
def test_estimator_seeded_only_globally_diverges_in_its_initial_weights(legacy_python: Path) -> None:
    report = repro(PROGRAMS / "dnn_global_seed_only.py", runtime="legacy")
    divergence = report.divergence
    assert divergence is not None, report.text()
    assert (divergence.kind, divergence.step, divergence.variables[0].name) == (
        "initial", 0, "dnn/hiddenlayer_0/kernel")
    assert all(v.max_abs and v.max_abs > 0.1 for v in divergence.variables)  # not rounding: a new draw
    assert [(e.code, e.line) for e in report.explanations] == [("EA203", 16)]
    assert (f"DIVERGED at step 0 in the initial weights: dnn/hiddenlayer_0/kernel (and 2 more variables); "
            f"EA203 at {PROGRAMS / 'dnn_global_seed_only.py'}:16 explains it.") in report.text()
    assert report.exit_code == 1


@pytest.mark.runtime
def test_unseeded_shuffle_diverges_in_the_data_order(current_python: Path) -> None:
    with pytest.raises(AssertionError) as raised:
        assert_reproducible(PROGRAMS / "keras_unseeded_shuffle.py", runtime="current")
    text = str(raised.value)
    assert "DIVERGED at step 0: the batch fed already differed (data order)" in text
    assert f"EA202 at {PROGRAMS / 'keras_unseeded_shuffle.py'}:14 explains it" in text
    assert "not kept" not in text  # both runs kept their values at that step


@pytest.mark.runtime
def test_estimator_seeded_through_runconfig_is_bit_identical(legacy_python: Path) -> None:
    done = run_cli(["repro", "--runtime", "legacy", "fixtures/repro/dnn_runconfig_seed.py"], cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bit-identical over 10 steps" in done.stdout
    assert "note: model_dir /tmp/dnn_runconfig_seed redirected to a fresh directory" in done.stdout


def test_the_runtime_defaults_to_legacy_for_estimator_programs(tmp_path: Path) -> None:
    """An Estimator program cannot run on TensorFlow 2.16+: repro picks the legacy runtime."""
    estimator = tmp_path / "est.py"
    estimator.write_text("import tensorflow as tf\nest = tf.estimator.DNNClassifier([4], cols)\n")
    keras = tmp_path / "fit.py"
    keras.write_text("import keras\nmodel = keras.Sequential([keras.layers.Dense(1)])\n")
    assert default_runtime(estimator) == "legacy"
    assert default_runtime(keras) == "current"
    assert default_runtime(tmp_path / "missing.py") == "current"
