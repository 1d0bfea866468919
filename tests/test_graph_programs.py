"""TF1 graph programs (placeholders, Sessions, tf.layers) made to run on TensorFlow 2.21 by --fix.

fixtures/graph/NAME/ are TF1 training programs in the shapes real code has: a script fed
sample by sample from NumPy, an MNIST MLP built with tf.layers, a graph built after
`reset_default_graph()`, two graphs in one program, an InteractiveSession notebook and a
`tf.app.run` script with flags. `--fix --unsafe-fixes` on the folder gives FILE.fixed, reviewed
by hand; run.json says how the program runs, words its output must contain, and where it reads
MNIST from (tests write small idx files there: no download). The runtime tests run each fixed
program on TensorFlow 2.21 and prove with `repro` that two runs are bit-identical.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from estimator_audit.config import Settings
from estimator_audit.discover import discover
from estimator_audit.migrate.support_files import content
from estimator_audit.pipeline import FixMode, audit_paths, audit_source, fix_source
from estimator_audit.shim.repro import repro
from tests.conftest import FIXTURES, fixed_program, notebook_script
from tests.mnist_files import write_mnist

PROGRAMS = sorted(p for p in (FIXTURES / "graph").iterdir() if p.is_dir())
UNSAFE = FixMode(unsafe=True)
# What a fixed TF1 program must no longer be told to fix (it runs, seeded, in graph mode).
MIGRATED = ("EA106", "EA109", "EA201", "EA202")


def manifest(program: Path) -> dict[str, Any]:
    return dict(json.loads((program / "run.json").read_text(encoding="utf-8")))


def fixed_copy(program: Path, destination: Path) -> Path:
    """A copy of the program after `--fix --unsafe-fixes` on its folder, with its data."""
    copy = fixed_program(program, destination)
    data = manifest(program).get("mnist")
    if data:
        write_mnist(copy / data)
    return copy


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_fix_is_the_reviewed_program_and_idempotent(program: Path, tmp_path: Path) -> None:
    copy = fixed_copy(program, tmp_path)
    for module in sorted(program.iterdir()):
        if module.suffix not in (".py", ".ipynb"):
            continue
        fixed = (copy / module.name).read_bytes()
        assert fixed == (program / (module.name + ".fixed")).read_bytes(), module.name
        remaining = audit_source(str(copy / module.name), fixed, Settings(root=copy))
        assert not [f for f in remaining if f.code in MIGRATED and f.fix is not None], remaining
        assert not [f for f in remaining if f.code in ("EA106", "EA109")], remaining
    if manifest(program).get("mnist"):
        assert (copy / "mnist_input_data.py").read_bytes() == content("mnist_input_data.py")
    settings = Settings(root=copy)
    again = audit_paths(discover([str(copy)], settings), settings, jobs=1, mode=UNSAFE)
    assert again.fixed == 0 and not again.fix_errors


def entry_script(copy: Path, command: list[str]) -> list[str]:
    """The command, with a notebook turned into the script of its code cells."""
    if not command[0].endswith(".ipynb"):
        return command
    (copy / "notebook.py").write_text(notebook_script(copy / command[0]), encoding="utf-8")
    return ["notebook.py", *command[1:]]


def runs_as_expected(program: Path, copy: Path, python: Path) -> list[str]:
    """Run the fixed copy as its manifest says, on `python`: it must succeed and print the
    manifest's words. The command run (a notebook's as its script)."""
    expected = manifest(program)
    command = entry_script(copy, expected["run"])
    done = subprocess.run([str(python), *command], capture_output=True, text=True, timeout=600,
                          cwd=copy, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""})
    assert done.returncode == 0, done.stderr[-4000:]
    assert all(word in done.stdout for word in expected["prints"]), done.stdout
    return command


@pytest.mark.runtime
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_fixed_program_runs_and_is_bit_identical(program: Path, current_python: Path, tmp_path: Path) -> None:
    copy = fixed_copy(program, tmp_path)
    command = runs_as_expected(program, copy, current_python)
    report = repro(copy / command[0], args=command[1:], python=str(current_python))
    assert report.status == "identical", report.text()
    assert report.steps > 0


@pytest.mark.runtime
def test_repro_catches_the_unseeded_original_shape(current_python: Path, tmp_path: Path) -> None:
    """The check above can fail: the linear regression fixed without its seed (the weights
    come from numpy.random.randn) diverges, and repro names the missing seed as the cause."""
    copy = fixed_copy(FIXTURES / "graph" / "linear_regression", tmp_path)
    script = copy / "linear_regression.py"
    fixed = script.read_text(encoding="utf-8")
    assert "tf.keras.utils.set_random_seed(42)\n" in fixed
    script.write_text(fixed.replace("tf.keras.utils.set_random_seed(42)\n", ""), encoding="utf-8")
    report = repro(script, python=str(current_python))
    assert report.status == "diverged", report.text()
    assert "EA201" in report.text()


def test_tf2_and_keras_modules_are_not_switched_to_graph_mode() -> None:
    """The graph-program fixes leave TF2 code alone: no graph-mode switch, no tf.compat.v1
    respelling of TF2's own summary ops, no per-generator seeds instead of Keras's."""
    programs = {
        "eager_training.py": """
            import tensorflow as tf
            import keras

            model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
            writer = tf.summary.create_file_writer("/tmp/logs")

            @tf.function
            def step(x, y):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum((model(x) - y) ** 2, axis=1)
                grads = tape.gradient(loss, model.trainable_variables)
                model.optimizer.apply_gradients(zip(grads, model.trainable_variables))
                return loss

            with writer.as_default():
                tf.summary.scalar("loss", tf.reduce_mean(step(tf.ones([4, 3]), tf.zeros([4, 1]))), step=1)
            """,
        "keras_fit.py": """
            import numpy as np
            import tensorflow as tf
            x = np.random.rand(32, 4)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, x[:, :1], epochs=1)
            """,
    }
    for name, code in programs.items():
        fixed = fix_source(name, textwrap.dedent(code).encode(), Settings(), UNSAFE).data.decode()
        assert "disable_v2_behavior" not in fixed and "disable_eager_execution" not in fixed, fixed
        assert "compat.v1.summary" not in fixed and "compat.v1.reduce_sum" not in fixed, fixed
        assert "np.random.seed" not in fixed and "set_random_seed(42)" in fixed, fixed  # Keras seeds all three
