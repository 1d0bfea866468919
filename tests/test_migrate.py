"""The Keras rewrite of premade estimators (EA101's unsafe fix).

fixtures/migrate/NAME.py are complete legacy training programs (each runs on TensorFlow 2.15 +
tensorflow-estimator 2.15); NAME.py.fixed is what `--fix --unsafe-fixes` makes of them,
reviewed by hand. The runtime test executes every rewrite on TensorFlow 2.21 with Keras 3: it
must import, train, evaluate and predict.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from estimator_audit.config import Settings
from estimator_audit.pipeline import FixMode, audit_source, fix_path, fix_source
from tests.conftest import FIXTURES, run_python

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
         est = tf.estimator.DNNClassifier([4], cols, activation_fn=my_activation)
         """, "activation_fn=my_activation has no Keras counterpart"),
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


NOTEBOOK_CELLS = [
    "import numpy as np\nimport tensorflow as tf",
    "def input_fn():\n    return tf.data.Dataset.from_tensor_slices(({'x': np.arange(8.0)}, np.arange(8.0))).batch(4)",
    "%matplotlib inline\ncols = [tf.feature_column.numeric_column('x')]\n"
    "reg = tf.estimator.LinearRegressor(cols, config=tf.estimator.RunConfig(tf_random_seed=3))",
    "reg.train(input_fn, steps=5)\nprint('prediction', next(reg.predict(input_fn))['predictions'])",
]


def rewritten_notebook(tmp_path: Path) -> list[str]:
    cells: list[dict[str, object]] = [{"cell_type": "code", "execution_count": None, "id": str(i), "metadata": {},
              "outputs": [{"name": "stdout", "output_type": "stream", "text": ["kept\n"]}],
              "source": code.splitlines(keepends=True)} for i, code in enumerate(NOTEBOOK_CELLS)]
    path = tmp_path / "regression.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
                               indent=1) + "\n", encoding="utf-8")
    result = fix_path(str(path), path.read_bytes(), Settings(root=tmp_path), UNSAFE)
    assert result.fixed >= 1 and not result.fix_error
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert all(cell["outputs"][0]["text"] == ["kept\n"] for cell in notebook["cells"])
    return ["".join(cell["source"]) for cell in notebook["cells"]]


def test_notebook_rewrite_spans_cells_and_keeps_magics_and_outputs(tmp_path: Path) -> None:
    cells = rewritten_notebook(tmp_path)
    assert cells[0].startswith(NOTEBOOK_CELLS[0]) and cells[1] == NOTEBOOK_CELLS[1]
    assert cells[2].startswith("%matplotlib inline\n\n\ndef build_reg():\n")
    assert cells[2].endswith("\nreg = build_reg()") and "feature_column" not in cells[2]
    assert cells[3].startswith("reg.fit(input_fn(), epochs=1, steps_per_epoch=5)\n")


@pytest.mark.runtime
def test_rewritten_notebook_runs_on_current_tensorflow(tmp_path: Path, current_python: Path) -> None:
    code = "\n".join(line for cell in rewritten_notebook(tmp_path) for line in cell.splitlines()
                     if not line.startswith("%"))
    assert "prediction" in run_python(current_python, code)


def test_rewrite_keeps_crlf_two_space_indents_and_the_files_aliases() -> None:
    source = textwrap.dedent("""\
        import tensorflow.compat.v1 as tf1
        from tensorflow import feature_column as fc


        def input_fn():
          return tf1.data.Dataset.from_tensor_slices(({"x": [1.0, 2.0]}, [0, 1])).batch(2)


        def main():
          # a comment the rewrite keeps
          est = tf1.estimator.DNNClassifier(
              hidden_units=[3],  # one small layer
              feature_columns=[fc.numeric_column("x")],
              config=tf1.estimator.RunConfig(tf_random_seed=5))
          est.train(input_fn=input_fn,
                    steps=2)
        """).replace("\n", "\r\n").encode()
    fixed, _, count = fix_source("train.py", source, Settings(select=("EA101",)), UNSAFE)
    text = fixed.decode()
    assert count == 1 and "\r\n" in text and "\n" not in text.replace("\r\n", "")
    ast.parse(text)
    assert "import keras\r\n" in text  # tf1 is tensorflow.compat.v1: Keras 3 comes from its own import
    assert "\r\ndef build_est():\r\n  \"\"\"The Keras model" in text  # the file's 2-space indents
    assert "  keras.utils.set_random_seed(5)\r\n" in text
    assert "  # one small layer\r\n  keras.utils" in text  # a comment inside the call moves to the builder
    assert "  # a comment the rewrite keeps\r\n  est = build_est()\r\n" in text
    assert "  est.fit(input_fn(), epochs=1, steps_per_epoch=2)\r\n" in text
    assert "from tensorflow import feature_column as fc" not in text  # no longer used


def test_a_column_list_built_by_appending_is_not_read_as_its_empty_literal() -> None:
    message = ea101("""
        import tensorflow as tf
        columns = []
        for key in ["a", "b"]:
            columns.append(tf.feature_column.numeric_column(key))
        est = tf.estimator.DNNClassifier(hidden_units=[4], feature_columns=columns)
        """)
    assert "`columns` is built up at run time" in message


def test_messages_quote_multi_line_source_on_one_line() -> None:
    message = ea101("""
        import tensorflow as tf
        import data
        est = tf.estimator.DNNClassifier(hidden_units=[4], feature_columns=[tf.feature_column.numeric_column("x")])
        est.train(input_fn=lambda: data.train_input_fn(features,
                                                       labels), steps=1)
        """)
    assert "input_fn returns `data.train_input_fn(features, labels)`" in message and "\n" not in message
