"""The Keras rewrite of premade estimators (EA101's unsafe fix).

fixtures/migrate/NAME.py are complete legacy training programs (each runs on TensorFlow 2.15 +
tensorflow-estimator 2.15); NAME.py.fixed is what `--fix --unsafe-fixes` makes of them,
reviewed by hand. The runtime test executes every rewrite on TensorFlow 2.21 with Keras 3: it
must import, train, evaluate and predict.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from estimator_audit.config import Settings
from estimator_audit.pipeline import FixMode, audit_source, fix_source
from tests.conftest import FIXTURES

PROGRAMS = sorted((FIXTURES / "migrate").glob("*.py"))
UNSAFE = FixMode(unsafe=True)


def rewrite(program: Path) -> bytes:
    fixed, _, _ = fix_source(str(program), program.read_bytes(), Settings(), UNSAFE)
    return fixed


def ea101(code: str) -> str:
    findings = audit_source("train.py", textwrap.dedent(code).encode(), Settings(select=("EA101",)))
    (finding,) = findings
    assert finding.fix is None
    return finding.message


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_rewrite_is_the_reviewed_program_and_idempotent(program: Path) -> None:
    fixed = rewrite(program)
    golden = program.with_name(program.name + ".fixed")
    assert fixed.decode() == golden.read_text(encoding="utf-8")
    remaining = audit_source(str(program), fixed, Settings())
    assert not [f for f in remaining if f.code in ("EA101", "EA105")], remaining
    again, _, count = fix_source(str(program), fixed, Settings(), UNSAFE)
    assert again == fixed and count == 0


@pytest.mark.runtime
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_rewritten_program_trains_and_predicts_on_current_tensorflow(
        program: Path, current_python: Path, tmp_path: Path) -> None:
    script = tmp_path / program.name
    script.write_bytes(rewrite(program))
    done = subprocess.run([str(current_python), str(script)], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""})
    assert done.returncode == 0, done.stderr[-4000:]
    # Each program prints what it evaluated and predicted; the rewrite must still get there.
    expected = program.with_name(program.name + ".prints").read_text(encoding="utf-8").split()
    assert all(word in done.stdout for word in expected), done.stdout


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("""
         import tensorflow as tf
         est = tf.estimator.DNNClassifier([4], [tf.feature_column.numeric_column("x")], weight_column="w")
         est.train(input_fn)
         """, "DNNClassifier(weight_column=...) is not reproduced"),
        ("""
         import tensorflow as tf
         def input_fn():
             return {"x": tf.constant([[1.0]])}, tf.constant([1])
         est = tf.estimator.DNNRegressor([4], [tf.feature_column.numeric_column("x")])
         est.train(input_fn, steps=1)
         """, "input_fn `input_fn` does not visibly return a tf.data.Dataset"),
        ("""
         import tensorflow as tf
         def build():
             return tf.estimator.LinearClassifier([tf.feature_column.numeric_column("x")])
         """, "not assigned to a plain variable"),
        ("""
         import tensorflow as tf
         est = tf.estimator.DNNClassifier([4], [tf.feature_column.numeric_column("x")])
         tf.estimator.train_and_evaluate(est, train_spec, eval_spec)
         """, "`est` is used at line 4 other than by train, evaluate or predict"),
        ("""
         import tensorflow as tf
         cols = [tf.feature_column.categorical_column_with_vocabulary_file("x", "vocab.txt")]
         est = tf.estimator.LinearClassifier(cols)
         """, "categorical_column_with_vocabulary_file has no faithful Keras rewrite"),
        ("""
         import tensorflow as tf
         est = tf.estimator.DNNClassifier(hidden_units=units, feature_columns=[])
         """, "`units` is not assigned a value this file shows"),
        ("""
         import tensorflow as tf
         cols = [tf.feature_column.numeric_column("x")]
         est = tf.estimator.DNNLinearCombinedClassifier(linear_feature_columns=cols, dnn_feature_columns=cols,
                                                       dnn_hidden_units=[4])
         est.train(lambda: tf.data.Dataset.from_tensors(({"x": [1.0]}, [1])), steps=1)
         """, "two optimizers"),
        ("""
         import tensorflow as tf
         cols = [tf.feature_column.categorical_column_with_identity("x", 3)]
         est = tf.estimator.DNNClassifier([4], cols)
         """, "holds categorical column `x`"),
        ("""
         import tensorflow as tf
         est = tf.estimator.DNNClassifier([4], [tf.feature_column.numeric_column("x")])
         est.train(input_fn=lambda: tf.data.Dataset.from_tensors(({"x": [1.0]}, [1])), max_steps=10)
         """, "train(max_steps=...) at line 4 is not reproduced"),
    ],
)
def test_unsupported_estimator_keeps_its_finding_and_says_why(code: str, reason: str) -> None:
    assert reason in ea101(code)
