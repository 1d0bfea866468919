"""The Keras rewrite of premade estimators (EA101's unsafe fix, with EA105's columns).

fixtures/migrate/NAME/ are complete legacy training programs, one or several modules each (each
runs on TensorFlow 2.15 + tensorflow-estimator 2.15). `--fix --unsafe-fixes` on the folder
rewrites the whole program; FILE.fixed beside a module is what it becomes, reviewed by hand,
and keras_feature_columns.py is written beside the modules that need it. run.json says how the
program is run and words its output must contain: the runtime test runs every rewrite on
TensorFlow 2.21 with Keras 3.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from estimator_audit.config import Settings
from estimator_audit.discover import discover
from estimator_audit.migrate.support_files import SUPPORT_MODULE, content
from estimator_audit.pipeline import FixMode, audit_paths, audit_source, fix_source
from tests.conftest import FIXTURES, fix_file, run_python

PROGRAMS = sorted(p for p in (FIXTURES / "migrate").iterdir() if p.is_dir())
UNSAFE = FixMode(unsafe=True)
NOT_PROGRAM = ("*.expected", "*.fixed", "run.json")


def migrated(program: Path, destination: Path) -> Path:
    """A copy of the program after `--fix --unsafe-fixes` on its folder."""
    copy = destination / program.name
    shutil.copytree(program, copy, ignore=shutil.ignore_patterns(*NOT_PROGRAM))
    settings = Settings(root=copy)
    run = audit_paths(discover([str(copy)], settings), settings, jobs=1, mode=UNSAFE)
    assert not run.fix_errors and not run.internal_errors, (run.fix_errors, run.internal_errors)
    return copy


def modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".py", ".ipynb") and p.name != f"{SUPPORT_MODULE}.py")


def ea101(code: str) -> str:
    findings = audit_source("train.py", textwrap.dedent(code).encode(), Settings(select=("EA101",)))
    (finding,) = findings
    assert finding.fix is None
    return finding.message


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_rewrite_is_the_reviewed_program_and_idempotent(program: Path, tmp_path: Path) -> None:
    copy = migrated(program, tmp_path)
    for module in modules(copy):
        golden = program / module.relative_to(copy).with_name(module.name + ".fixed")
        original = program / module.relative_to(copy)
        expected = golden.read_bytes() if golden.exists() else original.read_bytes()
        assert module.read_bytes() == expected, module
        remaining = audit_source(str(module), module.read_bytes(), Settings(root=copy))
        assert not [f for f in remaining if f.code in ("EA101", "EA105")], remaining
    supports = sorted(copy.rglob(f"{SUPPORT_MODULE}.py"))
    assert supports and all(path.read_bytes() == content(f"{SUPPORT_MODULE}.py") for path in supports)
    settings = Settings(root=copy)
    again = audit_paths(discover([str(copy)], settings), settings, jobs=1, mode=UNSAFE)
    assert again.fixed == 0 and not again.fix_errors


@pytest.mark.runtime
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_rewritten_program_runs_on_current_tensorflow(program: Path, current_python: Path, tmp_path: Path) -> None:
    copy = migrated(program, tmp_path)
    manifest = json.loads((program / "run.json").read_text(encoding="utf-8"))
    done = subprocess.run([str(current_python), *manifest["run"]], capture_output=True, text=True,
                          timeout=600, cwd=copy,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""})
    assert done.returncode == 0, done.stderr[-4000:]
    assert all(word in done.stdout for word in manifest["prints"]), done.stdout


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("""
         import tensorflow as tf
         def input_fn():
             return {"x": tf.random.uniform([8, 1])}, tf.constant([1] * 8)
         est = tf.estimator.DNNRegressor([4], [tf.feature_column.numeric_column("x")])
         est.train(input_fn, steps=1)
         """, "input_fn returns `{\"x\": tf.random.uniform([8, 1])}, tf.constant([1] * 8)`, which the rewrite "
              "cannot see is a tf.data.Dataset"),
        ("""
         import tensorflow as tf
         def build():
             return tf.estimator.LinearClassifier([tf.feature_column.numeric_column("x")])
         """, "`build()` returns the estimator, and nothing in the program calls it"),
        ("""
         import tensorflow as tf
         est = tf.estimator.DNNClassifier([4], [tf.feature_column.numeric_column("x")])
         tf.estimator.train_and_evaluate(est, train_spec, eval_spec)
         """, "`train_spec` at line 4 is not a TrainSpec this program shows"),
        ("""
         import tensorflow as tf
         est = tf.estimator.DNNClassifier([4], [tf.feature_column.numeric_column("x")])
         print(est.get_variable_names())
         """, "`est.get_variable_names()` at line 4 has no Keras counterpart"),
        ("""
         import tensorflow as tf
         cols = [tf.feature_column.numeric_column("x")]
         est = tf.estimator.DNNClassifier([4], cols, activation_fn=my_activation)
         """, "activation_fn=my_activation has no Keras counterpart"),
        ("""
         import tensorflow as tf
         est = tf.estimator.DNNClassifier([4], [tf.feature_column.numeric_column("x")], warm_start_from="ckpt")
         est.train(input_fn=lambda: tf.data.Dataset.from_tensors(({"x": [1.0]}, [1])), max_steps=10)
         """, "DNNClassifier(warm_start_from=...) is not reproduced"),
        ("""
         import tensorflow as tf
         est = tf.estimator.DNNClassifier([4], [tf.feature_column.numeric_column("x")])
         est.train(input_fn=lambda: tf.data.Dataset.from_tensors(({"x": [1.0]}, [1])), hooks=[hook])
         """, "train(hooks=...) at line 4 is not reproduced"),
        ("""
         import tensorflow as tf
         import data
         def input_fn(mode):
             return data.read(mode)
         est = tf.estimator.DNNClassifier([4], [tf.feature_column.numeric_column("x")])
         est.train(input_fn=input_fn)
         """, "input_fn `input_fn` takes mode, which the estimator fills in and Keras does not"),
        ("""
         import tensorflow as tf
         est = tf.estimator.DNNClassifier([4], [tf.feature_column.numeric_column("x")])
         models = [est]
         """, "`est` is used at line 4 other than by train, evaluate, predict"),
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
    result = fix_file(path, Settings(root=tmp_path), UNSAFE)
    assert result.fixed >= 1 and not result.fix_error
    assert (tmp_path / f"{SUPPORT_MODULE}.py").read_bytes() == content(f"{SUPPORT_MODULE}.py")
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert all(cell["outputs"][0]["text"] == ["kept\n"] for cell in notebook["cells"])
    return ["".join(cell["source"]) for cell in notebook["cells"]]


def test_notebook_rewrite_spans_cells_and_keeps_magics_and_outputs(tmp_path: Path) -> None:
    cells = rewritten_notebook(tmp_path)
    # The imports and the seed go to the first cell that imports something, once.
    assert cells[0] == (NOTEBOOK_CELLS[0] + "\nimport keras_feature_columns\ntf.keras.utils.set_random_seed(3)\n"
                        "tf.config.experimental.enable_op_determinism()")
    assert cells[1] == NOTEBOOK_CELLS[1]
    assert cells[2].startswith("%matplotlib inline\ncols = [keras_feature_columns.numeric_column('x')]\n\n\n"
                               "def build_reg(feature_columns):\n")
    assert cells[2].endswith("\nreg = build_reg(feature_columns=cols)")
    assert cells[3].startswith("reg.fit(input_fn(), epochs=1, steps_per_epoch=5)\n")
    assert "keras_feature_columns.predictions(reg, reg.predict(input_fn(), verbose=0))" in cells[3]


@pytest.mark.runtime
def test_rewritten_notebook_runs_on_current_tensorflow(tmp_path: Path, current_python: Path) -> None:
    code = "\n".join(line for cell in rewritten_notebook(tmp_path) for line in cell.splitlines()
                     if not line.startswith("%"))
    script = tmp_path / "notebook.py"
    script.write_text(code, encoding="utf-8")
    assert "prediction" in run_python(current_python, f"import runpy, sys; sys.path.insert(0, {str(tmp_path)!r}); "
                                                       f"runpy.run_path({str(script)!r})")


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
    fixed = fix_source("train.py", source, Settings(select=("EA101", "EA105")), UNSAFE)
    text = fixed.data.decode()
    assert {f.code for f in fixed.applied} == {"EA101", "EA105"}
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    ast.parse(text)
    assert "import keras\r\n" in text  # tf1 is tensorflow.compat.v1: Keras 3 comes from its own import
    assert "\r\ndef build_est(feature_columns):\r\n  \"\"\"The Keras model" in text  # the file's 2-space indents
    assert "  keras.utils.set_random_seed(5)\r\n" in text
    assert "  # one small layer\r\n  keras.utils" in text  # a comment inside the call moves to the builder
    assert ("  # a comment the rewrite keeps\r\n  est = build_est(feature_columns=[keras_feature_columns"
            ".numeric_column(\"x\")])\r\n") in text
    assert "  est.fit(input_fn(), epochs=1, steps_per_epoch=2)\r\n" in text
    assert "from tensorflow import feature_column as fc" not in text  # no longer used


def test_columns_built_at_run_time_stay_the_programs_own() -> None:
    """A loop over the data's keys (TensorFlow's getting-started program) keeps building the
    columns; the builder takes them as a parameter."""
    fixed = fix_source("train.py", textwrap.dedent("""\
        import tensorflow as tf

        def main(train_x, dataset):
            columns = []
            for key in train_x.keys():
                columns.append(tf.feature_column.numeric_column(key=key))
            est = tf.estimator.DNNClassifier(hidden_units=[4], feature_columns=columns, n_classes=3)
            est.train(input_fn=lambda: dataset, steps=5)
        """).encode(), Settings(), UNSAFE).data.decode()
    assert "        columns.append(keras_feature_columns.numeric_column(key=key))\n" in fixed
    assert "    est = build_est(feature_columns=columns)\n" in fixed
    assert "    est.fit(dataset, epochs=1, steps_per_epoch=5)\n" in fixed


def test_messages_quote_multi_line_source_on_one_line() -> None:
    message = ea101("""
        import tensorflow as tf
        est = tf.estimator.DNNClassifier(hidden_units=[4], feature_columns=[tf.feature_column.numeric_column("x")])
        est.train(input_fn=lambda: tf.random.uniform([1,
                                                      2]), steps=1)
        """)
    assert "input_fn returns `tf.random.uniform([1, 2])`" in message and "\n" not in message


def test_an_input_fn_of_constant_tensors_becomes_a_repeated_batch() -> None:
    """The estimator read the same batch at every step: a one-element dataset, repeated to
    train, once to evaluate."""
    fixed = fix_source("train.py", textwrap.dedent("""\
        import tensorflow as tf
        def train_input_fn():
            features = {"sq_footage": tf.constant([1000, 2000])}
            labels = tf.constant([50, 100])
            return features, labels
        model = tf.estimator.LinearRegressor([tf.feature_column.numeric_column("sq_footage")])
        model.train(train_input_fn, steps=100)
        print(model.evaluate(train_input_fn, steps=1))
        """).encode(), Settings(), UNSAFE).data.decode()
    assert "model.fit(tf.data.Dataset.from_tensors(train_input_fn()).repeat(), epochs=1, steps_per_epoch=100)" in fixed
    assert "model.evaluate(tf.data.Dataset.from_tensors(train_input_fn()), steps=1, return_dict=True)" in fixed
