"""Custom Estimators rewritten as Keras by EA102's unsafe fix (migrate/model_fn.py).

fixtures/estimator_to_keras/NAME/ are custom-Estimator programs in the shapes real code has;
FILE.fixed is the reviewed result of `--fix --unsafe-fixes` on the folder, which must hold no
tf.estimator, tf.compat.v1, Session or placeholder any more. The runtime tests run it on
TensorFlow 2.21 and check it against the legacy program with `compare`.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from estimator_audit.config import Settings
from estimator_audit.pipeline import FixMode, audit_source, fix_source
from estimator_audit.shim.compare import compare
from tests.conftest import FIXTURES
from tests.test_graph_programs import fixed_copy, manifest, runs_as_expected

PROGRAMS = sorted(p for p in (FIXTURES / "estimator_to_keras").iterdir() if p.is_dir())
# The TF1 graph and Estimator APIs. (`tf.compat.v1.app.run` and `tf.compat.v1.logging`, EA106's
# respellings of tf.app.run and tf.logging, may stay: absl's app.run does not tolerate the
# undefined flags tf.app.run does.)
LEGACY_API = ("tf.estimator", "compat.v1.estimator", "compat.v1.layers", "compat.v1.losses", "compat.v1.train",
              "compat.v1.Session", "Session(", "placeholder(", "tf.layers.", "tf.losses.", "tf.train.",
              "feature_column.input_layer")
MLP = FIXTURES / "estimator_to_keras" / "mnist_mlp" / "mnist_mlp.py"


def code_of(source: bytes) -> str:
    """The program's code without its docstrings (which may name what was replaced)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(
                body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            body[0] = ast.Pass()
    return ast.unparse(tree)


def module_of(program: Path) -> Path:
    return program / str(manifest(program)["run"][0])


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_rewrite_is_the_reviewed_program_and_idempotent(program: Path, tmp_path: Path) -> None:
    copy = fixed_copy(program, tmp_path)
    module = module_of(program)
    fixed = (copy / module.name).read_bytes()
    assert fixed == module.with_name(module.name + ".fixed").read_bytes()
    assert not [word for word in LEGACY_API if word in code_of(fixed)], fixed.decode()
    again = fix_source(str(copy / module.name), fixed, Settings(root=copy), FixMode(unsafe=True))
    assert again.data == fixed


MODEL_FN = """
    import tensorflow as tf

    def model_fn(features, labels, mode, params):
        logits = tf.layers.dense(features["x"], 3)
        loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
        optimizer = tf.train.AdamOptimizer(params["lr"])
        train_op = optimizer.minimize(loss, global_step=tf.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)

    estimator = tf.estimator.Estimator(model_fn=model_fn, params={"lr": 0.1})
    estimator.train(input_fn=lambda: tf.data.Dataset.from_tensors(({"x": [[1.0]]}, [0])), steps=2)
"""


def custom_finding(code: str) -> str:
    findings = audit_source("train.py", textwrap.dedent(code).encode(), Settings())
    (found,) = [f for f in findings if f.code == "EA102"]
    return found.message if found.fix is None else "fix: " + found.fix.description


def test_the_model_fn_becomes_a_keras_model() -> None:
    assert custom_finding(MODEL_FN) == "fix: Rewrite the custom Estimator as a Keras model running `model_fn` " \
        "(Adam) and its 1 use(s)"
    fixed = fix_source("train.py", textwrap.dedent(MODEL_FN).encode(), Settings(), FixMode(unsafe=True))
    text = fixed.data.decode()
    assert "class Model(keras_feature_columns.EstimatorModel):" in text
    assert "logits = self.layer(tf.keras.layers.Dense, 'dense', units=3)(features[\"x\"])" in text
    assert "tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))" in text
    assert "model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=params['lr'], epsilon=1e-08))" in text


@pytest.mark.parametrize(("old", "new", "reason"), [
    ("tf.layers.dense(features[\"x\"], 3)", "tf.layers.batch_normalization(features[\"x\"])",
     "tf.layers.batch_normalization is not a layer the rewrite translates"),
    ("loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)",
     "loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits, weights=features['w'])",
     "weights its examples"),
    ("optimizer = tf.train.AdamOptimizer(params[\"lr\"])",
     "optimizer = tf.train.AdamOptimizer(tf.train.exponential_decay(params['lr'], "
     "tf.train.get_global_step() // 2, 100, 0.9))", "reads the global step"),
    ("train_op = optimizer.minimize(loss, global_step=tf.train.get_global_step())",
     "train_op = optimizer.minimize(loss, var_list=[logits])", "var_list"),
    ("optimizer = tf.train.AdamOptimizer(params[\"lr\"])",
     "optimizer = tf.train.MomentumOptimizer(tf.train.exponential_decay(params['lr'], "
     "tf.train.get_global_step(), 100, 0.9), 0.9)", "agree only at a constant rate"),
    ("estimator.train(", "estimator.export_saved_model('/tmp/x', serving)\nestimator.train(",
     "export_outputs"),
    ("def model_fn(features, labels, mode, params):", "def model_fn(features, labels, mode, params, config):\n"
     "    print(config.model_dir)", "reads its RunConfig"),
], ids=["batch-norm", "weighted-loss", "schedule-on-another-tensor", "var-list", "momentum-on-a-schedule",
        "export", "config"])
def test_what_cannot_be_translated_keeps_the_finding_with_its_reason(old: str, new: str, reason: str) -> None:
    code = textwrap.dedent(MODEL_FN)
    assert old in code
    message = custom_finding(code.replace(old, new, 1))
    assert "no automatic rewrite" in message and reason in message, message


@pytest.mark.runtime
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_rewrite_runs_on_tensorflow_2_21(program: Path, current_python: Path, tmp_path: Path) -> None:
    runs_as_expected(program, fixed_copy(program, tmp_path), current_python)


@pytest.mark.runtime
@pytest.mark.parametrize("legacy", [MLP, FIXTURES / "estimator_to_keras" / "decayed_learning_rate" / "train.py",
                                    FIXTURES / "estimator_to_keras" / "feature_columns" / "flowers.py"],
                         ids=lambda p: p.parent.name)
def test_compare_finds_the_rewrite_equivalent(legacy: Path, legacy_python: Path, current_python: Path,
                                              tmp_path: Path) -> None:
    """Started from the estimator's initial variables (dense/kernel ... by name) and fed its
    batches, the Keras model trains step for step as the estimator did (the staircase
    exponential decay on the global step too, as a Keras schedule on the iterations)."""
    migrated = fixed_copy(legacy.parent, tmp_path) / legacy.name
    report = compare(legacy, migrated, legacy_python=legacy_python, python=current_python)
    assert report.mode == "equivalence" and report.equivalent, report.text()
    assert report.variables and all(difference.within for difference in report.variables)


@pytest.mark.runtime
@pytest.mark.parametrize(("old", "new"), [
    ("SGD(learning_rate=params['learning_rate'])", "SGD(learning_rate=params['learning_rate'] * 1.1)"),
    ("loss = tf.reduce_mean(", "loss = tf.reduce_sum("),
], ids=["learning-rate", "sum-instead-of-mean"])
def test_compare_catches_a_wrong_rewrite(old: str, new: str, legacy_python: Path, current_python: Path,
                                        tmp_path: Path) -> None:
    fixed = MLP.with_name(MLP.name + ".fixed").read_text(encoding="utf-8")
    assert old in fixed
    migrated = fixed_copy(MLP.parent, tmp_path) / MLP.name
    migrated.write_text(fixed.replace(old, new), encoding="utf-8")
    report = compare(MLP, migrated, legacy_python=legacy_python, python=current_python)
    assert not report.equivalent, report.text()


@pytest.mark.runtime
def test_compare_of_a_model_fn_with_dropout_is_an_outcome_comparison(legacy_python: Path, current_python: Path,
                                                                     tmp_path: Path) -> None:
    """Dropout masks come from each runtime's own random numbers: outcome mode, saying why. Both
    sides learn the task; how close their numbers come is training noise here (on TF 2.15 the
    legacy side is not even reproducible: tf.compat.v1.layers draw their initializers' seeds
    from Python's `random`, not from RunConfig's graph seed), so only that is asserted."""
    legacy = FIXTURES / "estimator_to_keras" / "dropout_params" / "train.py"
    migrated = fixed_copy(legacy.parent, tmp_path) / legacy.name
    report = compare(legacy, migrated, legacy_python=legacy_python, python=current_python)
    assert report.mode == "outcome", report.text()
    assert "tf.layers.dropout" in report.text()
    accuracy = [metric for metric in report.metrics if metric.name == "accuracy"]
    assert accuracy and all(min(metric.legacy, metric.migrated) > 0.8 for metric in accuracy), report.text()

def test_a_global_step_passed_only_to_minimize_goes_with_it() -> None:
    code = textwrap.dedent(MODEL_FN).replace(
        '    optimizer = tf.train.AdamOptimizer(params["lr"])',
        '    global_step = tf.train.get_or_create_global_step()\n    optimizer = tf.train.AdamOptimizer(params["lr"])',
    ).replace("global_step=tf.train.get_global_step())", "global_step=global_step)")
    assert custom_finding(code).startswith("fix: ")
    assert "reads the global step" in custom_finding(code.replace("return tf.estimator", "print(global_step)\n"
                                                                  "    return tf.estimator"))


def test_input_layer_becomes_dense_features_and_the_columns_keras_feature_columns() -> None:
    code = textwrap.dedent(MODEL_FN).replace(
        'logits = tf.layers.dense(features["x"], 3)',
        'logits = tf.layers.dense(tf.feature_column.input_layer(features, params["columns"]), 3)',
    ).replace('params={"lr": 0.1}', 'params={"lr": 0.1, "columns": [tf.feature_column.numeric_column("x")]}')
    assert custom_finding(code).startswith("fix: ")
    text = fix_source("train.py", code.encode(), Settings(), FixMode(unsafe=True)).data.decode()
    assert ("self.layer(keras_feature_columns.DenseFeatures, 'input_layer', feature_columns=params[\"columns\"])"
            "(features)") in text
    assert 'keras_feature_columns.numeric_column("x")' in text


def test_a_queue_helper_ea107_cannot_rewrite_keeps_the_estimator() -> None:
    """`import tensorflow.compat.v1 as tf`: EA107 has no `tf` to build the tf.data pipeline with,
    so the rewrite would leave the helper (gone on TF 2.21) behind; it says so instead."""
    code = MLP.read_text(encoding="utf-8").replace("import tensorflow as tf", "import tensorflow.compat.v1 as tf")
    message = custom_finding(code)
    assert "queue-based helper EA107 cannot rewrite" in message, message
