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
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from estimator_audit.config import Settings
from estimator_audit.discover import discover
from estimator_audit.migrate.support_files import SUPPORT_MODULE, content
from estimator_audit.pipeline import FixMode, audit_paths, audit_source, fix_source
from estimator_audit.shim.compare import compare
from tests.conftest import FIXTURES, fix_file, fixed_program, notebook_script, run_python

PROGRAMS = sorted(p for p in (FIXTURES / "migrate").iterdir() if p.is_dir())
UNSAFE = FixMode(unsafe=True)


def migrated(program: Path, destination: Path) -> Path:
    """A copy of the program after `--fix --unsafe-fixes` on its folder."""
    return fixed_program(program, destination)


def modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".py", ".ipynb") and p.name != f"{SUPPORT_MODULE}.py")


def ea101(code: str | list[str]) -> str:
    """EA101's message (it has no fix) for a script, or for a notebook of these cells."""
    path, data = ("train.ipynb", notebook_data(code)) if isinstance(code, list) else (
        "train.py", textwrap.dedent(code).encode())
    findings = audit_source(path, data, Settings(select=("EA101",)))
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
    expected = manifest(program)
    command = expected["run"]
    if command[0].endswith(".ipynb"):  # run its cells in order, as one script
        (copy / "notebook.py").write_text(notebook_script(copy / command[0]), encoding="utf-8")
        command = ["notebook.py"]
    done = subprocess.run([str(current_python), *command], capture_output=True, text=True,
                          timeout=600, cwd=copy,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""})
    assert done.returncode == 0, done.stderr[-4000:]
    assert all(word in done.stdout for word in expected["prints"]), done.stdout


def manifest(program: Path) -> dict[str, Any]:
    """run.json: how the program runs, words its output must contain, and which module
    `compare` runs (when it has one)."""
    return dict(json.loads((program / "run.json").read_text(encoding="utf-8")))


@pytest.mark.runtime
@pytest.mark.parametrize("program", [p for p in PROGRAMS if "compare" in manifest(p)], ids=lambda p: p.name)
def test_rewrite_trains_like_the_legacy_program(program: Path, legacy_python: Path, current_python: Path,
                                                tmp_path: Path) -> None:
    """The legacy program as written (compare applies the safe fixes TF 2.15 needs) against
    its rewrite: the same training, step by step."""
    entry = manifest(program)["compare"]
    report = compare(program / entry, migrated(program, tmp_path) / entry, legacy_python=legacy_python,
                     python=current_python)
    assert report.equivalent, report.text()


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
        ("""
         import tensorflow as tf
         def predicate():
             return tf.keras.optimizers.Adam(0.01)
         est = tf.estimator.DNNClassifier([4], [tf.feature_column.numeric_column("x")], optimizer=predicate)
         """, "`predicate` is a function (line 3), which the rewrite does not call"),
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


def notebook_data(sources: list[str]) -> bytes:
    """An .ipynb file of these code cells, each with an output the fix must keep."""
    cells: list[dict[str, object]] = [{"cell_type": "code", "execution_count": None, "id": str(i), "metadata": {},
              "outputs": [{"name": "stdout", "output_type": "stream", "text": ["kept\n"]}],
              "source": code.splitlines(keepends=True)} for i, code in enumerate(sources)]
    return (json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
            + "\n").encode()


def rewritten_notebook(tmp_path: Path, sources: list[str] = NOTEBOOK_CELLS) -> list[str]:
    """The cells' sources after `--fix --unsafe-fixes` on a notebook of them."""
    path = tmp_path / "regression.ipynb"
    path.write_bytes(notebook_data(sources))
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


CUSTOM_WITH_MODEL_DIR = """\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 2)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"classes": tf.argmax(logits, axis=1)})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(params["lr"]).minimize(
        loss, global_step=tf.compat.v1.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


def input_fn():
    x = np.random.RandomState(0).rand(32, 3).astype("float32")
    return tf.data.Dataset.from_tensor_slices(({"x": x}, (x[:, 0] > 0.5).astype("int32"))).batch(8)


estimator = tf.estimator.Estimator(model_fn=model_fn, model_dir=MODEL_DIR, params={"lr": 0.1},
                                   config=tf.estimator.RunConfig(tf_random_seed=1))
estimator.train(input_fn, steps=4)
print("trained")
"""


@pytest.mark.runtime
def test_a_rewritten_custom_estimator_checkpoints_into_its_model_dir_and_resumes(tmp_path: Path,
                                                                                 current_python: Path) -> None:
    """Round 36: a custom Estimator given a model_dir, rewritten, trained and then raised "You
    are saving a model that has not yet been built" (its layers are made as the model_fn runs),
    and a second run could not load the checkpoint into the unbuilt model."""
    script = tmp_path / "train.py"
    script.write_text(CUSTOM_WITH_MODEL_DIR.replace("MODEL_DIR", repr(str(tmp_path / "model"))), encoding="utf-8")
    fix_file(script, Settings(), UNSAFE)
    assert "tf.estimator.Estimator(model_fn" not in script.read_text().split('"""')[-1]  # (its docstring names it)
    run = f"import runpy, sys; sys.path.insert(0, {str(tmp_path)!r}); runpy.run_path({str(script)!r})"
    assert "trained" in run_python(current_python, run)
    assert (tmp_path / "model" / "keras" / "model.weights.h5").exists()
    assert "trained" in run_python(current_python, run)  # resumes from the checkpoint


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


def rewritten(code: str) -> str:
    """The program after --fix --unsafe-fixes, at the default target."""
    return fix_source("train.py", textwrap.dedent(code).encode(), Settings(), UNSAFE).data.decode()


def reads_tf_estimator(code: str) -> bool:
    """Whether the code (not a docstring that names the class it replaces) reads `.estimator`
    (`tf.estimator`, `tf.compat.v1.estimator`): an AttributeError on TensorFlow 2.16+."""
    return any(isinstance(node, ast.Attribute) and node.attr == "estimator" for node in ast.walk(ast.parse(code)))


def test_an_unseeded_estimator_is_seeded_by_its_builder_not_by_a_run_config() -> None:
    """Bug: EA203's RunConfig fix and the rewrite collided into
    `build_model(config=tf.estimator.RunConfig(tf_random_seed=42))`, AttributeError on 2.21."""
    fixed = rewritten("""\
        import tensorflow as tf
        def input_fn():
            return tf.data.Dataset.from_tensor_slices(({"x": [[1.0], [2.0]]}, [[2.0], [4.0]])).repeat().batch(2)
        model = tf.estimator.DNNRegressor([4], [tf.feature_column.numeric_column("x")])
        model.train(input_fn, steps=5)
        """)
    assert "RunConfig" not in fixed and not reads_tf_estimator(fixed)
    assert "tf.keras.utils.set_random_seed(42)" in fixed and "model = build_model(" in fixed


def test_a_run_config_variable_with_a_strategy_goes_and_the_strategy_stays() -> None:
    """Bug: `config = tf.estimator.RunConfig(train_distribute=strategy)` was left behind
    (AttributeError) and the MirroredStrategy silently dropped."""
    fixed = rewritten("""\
        import tensorflow as tf
        def input_fn():
            return tf.data.Dataset.from_tensor_slices(({"x": [[1.0], [2.0]]}, [[2.0], [4.0]])).repeat().batch(2)
        strategy = tf.distribute.MirroredStrategy()
        config = tf.estimator.RunConfig(train_distribute=strategy, tf_random_seed=1)
        model = tf.estimator.DNNRegressor([4], [tf.feature_column.numeric_column("x")], config=config)
        model.train(input_fn, steps=5)
        """)
    assert "RunConfig" not in fixed and not reads_tf_estimator(fixed)
    assert "config =" not in fixed  # only the estimator read it
    assert "def build_model(feature_columns, strategy):" in fixed and "    with strategy.scope():" in fixed
    assert "tf.keras.utils.set_random_seed(1)" in fixed
    assert "model = build_model(feature_columns=[keras_feature_columns.numeric_column(\"x\")], strategy=strategy)" in fixed


EXTRA_KEYS_PROGRAM = """\
    import numpy as np
    import tensorflow as tf
    x = np.linspace(0, 1, 64, dtype=np.float32)
    def input_fn():
        noise = np.random.RandomState(0).uniform(size=64).astype(np.float32)
        features = {"a": noise, "note": np.array(["n"] * 64), "x": x}
        return tf.data.Dataset.from_tensor_slices((features, 3 * x)).repeat().batch(8)
    model = tf.estimator.LinearRegressor([tf.feature_column.numeric_column("x")])
    model.train(input_fn, steps=300)
    print("loss", model.evaluate(input_fn, steps=8)["loss"])
    """


def test_the_model_reads_only_the_features_its_columns_read() -> None:
    """Bug: a dataset with more keys than the columns read lined Keras' dict inputs up wrongly.
    The dataset stays as it is; the support library's inputs and Model take only the columns'
    keys from it."""
    fixed = rewritten(EXTRA_KEYS_PROGRAM)
    assert "keras_feature_columns.inputs(feature_columns)" in fixed
    assert "keras_feature_columns.Model(inputs, logits" in fixed
    assert "model.fit(input_fn(), epochs=1, steps_per_epoch=300)" in fixed


@pytest.mark.runtime
def test_extra_string_and_float_features_do_not_change_what_the_model_trains_on(
        tmp_path: Path, current_python: Path) -> None:
    """The estimator ignored the keys no column read (its loss here: 0.021); the wrongly lined
    up Keras model trained on the float extra (0.727) or crashed on the string one."""
    program = tmp_path / "train.py"
    program.write_text(textwrap.dedent(EXTRA_KEYS_PROGRAM), encoding="utf-8")
    result = fix_file(program, Settings(root=tmp_path), UNSAFE)
    assert not result.fix_error
    output = run_python(current_python, f"import runpy, sys; sys.path.insert(0, {str(tmp_path)!r}); "
                                        f"runpy.run_path({str(program)!r})")
    loss = float(output.split("loss")[-1])
    assert loss < 0.1, output


EAGER_OFF_PROGRAM = """\
    {import_line}
    {switch}
    def input_fn():
        return tf.data.Dataset.from_tensor_slices(({{"x": [[1.0], [2.0]]}}, [[2.0], [4.0]])).repeat().batch(2)
    est = tf.estimator.LinearRegressor([tf.feature_column.numeric_column("x")])
    est.train(input_fn, steps=5)
    """


@pytest.mark.parametrize(("import_line", "switch"), [
    ("import tensorflow.compat.v1 as tf", "tf.disable_v2_behavior()"),
    ("import tensorflow as tf", "tf.compat.v1.disable_v2_behavior()"),
    ("import tensorflow as tf", "tf.compat.v1.disable_eager_execution()"),
])
def test_eager_execution_switched_off_goes_with_the_estimator(import_line: str, switch: str) -> None:
    """Bug: a rewrite into a program that turns eager execution off could not train there
    (Keras 3's fit runs eagerly); nothing else in the program needs graph mode."""
    fixed = rewritten(EAGER_OFF_PROGRAM.format(import_line=import_line, switch=switch))
    assert "disable_" not in fixed and "est.fit(input_fn(), epochs=1, steps_per_epoch=5)" in fixed
    assert not reads_tf_estimator(fixed)


def test_eager_execution_switched_off_goes_with_the_estimator_in_another_notebook_cell(tmp_path: Path) -> None:
    program = textwrap.dedent(EAGER_OFF_PROGRAM.format(import_line="import tensorflow as tf",
                                                       switch="tf.compat.v1.disable_eager_execution()"))
    lines = program.splitlines()  # cells: the imports and the switch, input_fn, the estimator
    cells = rewritten_notebook(tmp_path, ["\n".join(lines[:2]), "\n".join(lines[2:4]), "\n".join(lines[4:])])
    assert cells[0].startswith("import tensorflow as tf\nimport keras_feature_columns\n")
    assert "disable_eager_execution" not in "".join(cells)
    assert cells[2].endswith("\nest.fit(input_fn(), epochs=1, steps_per_epoch=5)")


def test_eager_execution_switched_off_for_a_tf1_graph_keeps_the_estimator() -> None:
    assert ea101("""
        import tensorflow.compat.v1 as tf
        tf.disable_v2_behavior()
        x = tf.placeholder(tf.float32, [None, 1])
        est = tf.estimator.LinearRegressor([tf.feature_column.numeric_column("x")])
        est.train(lambda: tf.data.Dataset.from_tensor_slices(({"x": [[1.0]]}, [[2.0]])).batch(1))
        """).endswith("(no automatic rewrite: the module turns eager execution off (`tf.disable_v2_behavior()` at "
                      "line 3) and builds a TF1 graph (`tf.placeholder(tf.float32, [None, 1])` at line 4); a Keras 3 "
                      "model trains eagerly)")


def test_a_notebook_that_switches_eager_execution_off_for_a_session_in_a_later_cell_keeps_the_estimator() -> None:
    """All of a notebook's cells run in one process: the Session in its last cell needs graph
    mode; the message says where by cell."""
    message = ea101([
        "import tensorflow as tf\ntf.compat.v1.disable_eager_execution()",
        "est = tf.estimator.LinearRegressor([tf.feature_column.numeric_column('x')])\n"
        "est.train(lambda: tf.data.Dataset.from_tensor_slices(({'x': [[1.0]]}, [[2.0]])).batch(1))",
        "with tf.compat.v1.Session() as sess:\n    print(sess.run(tf.constant(1)))",
    ])
    assert ("the module turns eager execution off (`tf.compat.v1.disable_eager_execution()` at cell 1, line 2) "
            "and builds a TF1 graph (`tf.compat.v1.Session()` at cell 3, line 1)") in message


def test_a_numpy_input_fn_helper_becomes_a_dataset_the_rewrite_reads_keeping_its_comments() -> None:
    """Bug: EA107's fix made a named lambda EA101 refused, dropped the call's comments and
    wrote 150-character lines."""
    fixed = rewritten("""\
        import numpy as np
        import tensorflow as tf
        x = np.linspace(0, 1, 64, dtype=np.float32)
        train_input_fn = tf.compat.v1.estimator.inputs.numpy_input_fn(
            x={"x": x},  # the measurements
            y=3 * x,
            batch_size=8,
            num_epochs=None,  # repeat for ever
            shuffle=True)
        model = tf.estimator.LinearRegressor([tf.feature_column.numeric_column("x")])
        model.train(input_fn=train_input_fn, steps=20)
        """)
    assert not reads_tf_estimator(fixed) and "numpy_input_fn" not in fixed
    assert "# the measurements" in fixed and "# repeat for ever" in fixed
    assert "model.fit(train_input_fn(), epochs=1, steps_per_epoch=20)" in fixed
    assert max(len(line) for line in fixed.splitlines()) <= 100
