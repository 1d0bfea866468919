"""TF1 Session training scripts rewritten as Keras by EA103's unsafe fix (migrate/graph.py).

fixtures/session_to_keras/NAME/ are Session scripts in the shapes real code has; FILE.fixed is
the reviewed result of `--fix --unsafe-fixes` on the folder, which must hold no TF1 graph API
any more. The runtime test runs it on TensorFlow 2.21 and proves with `repro` that two runs
are bit-identical.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from estimator_audit.config import Settings
from estimator_audit.findings import FixSafety
from estimator_audit.pipeline import FixMode, audit_source, fix_source
from estimator_audit.shim.compare import compare
from estimator_audit.shim.repro import repro
from tests.conftest import FIXTURES, run_python
from tests.mnist_files import write_mnist
from tests.test_graph_programs import fixed_copy, runs_as_expected

PROGRAMS = sorted(p for p in (FIXTURES / "session_to_keras").iterdir() if p.is_dir())
TF1_GRAPH_API = ("Session(", "placeholder(", "compat.v1", "global_variables_initializer", "tf.train.")


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_rewrite_is_the_reviewed_program_and_idempotent(program: Path, tmp_path: Path) -> None:
    copy = fixed_copy(program, tmp_path)
    for module in sorted(program.glob("*.py")):
        fixed = (copy / module.name).read_bytes()
        assert fixed == (program / (module.name + ".fixed")).read_bytes(), module.name
        assert not [word for word in TF1_GRAPH_API if word in fixed.decode()], fixed.decode()
        again = fix_source(str(copy / module.name), fixed, Settings(root=copy), FixMode(unsafe=True))
        assert again.data == fixed


def rewrite_of(code: str) -> str | None:
    """The script after --fix --unsafe-fixes, or None when EA103 offers no rewrite."""
    source = textwrap.dedent(code).encode()
    findings = audit_source("script.py", source, Settings())
    session = [f for f in findings if f.code == "EA103"]
    assert session, findings
    fix = session[0].fix
    if fix is None or fix.safety is not FixSafety.UNSAFE:
        return None
    return fix_source("script.py", source, Settings(), FixMode(unsafe=True)).data.decode()


SCRIPT = """
    import numpy as np
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.float32, [None, 1])
    hidden = tf.layers.dense(x, 8, activation=tf.nn.relu)
    prediction = tf.layers.dense(hidden, 1)
    loss = tf.reduce_mean(tf.square(prediction - y))
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(10):
            sess.run(train_op, feed_dict={x: np.ones((2, 4)), y: np.ones((2, 1))})
        print(sess.run(loss, feed_dict={x: np.ones((2, 4)), y: np.ones((2, 1))}))
"""


def test_layers_become_keras_layers_named_as_tf1_scoped_them() -> None:
    rewritten = rewrite_of(SCRIPT)
    assert rewritten is not None
    assert "self.dense_0 = tf.keras.layers.Dense(units=8, activation=tf.nn.relu, name='dense')" in rewritten
    assert "self.dense_1 = tf.keras.layers.Dense(units=1, name='dense_1')" in rewritten
    assert "tf.keras.optimizers.SGD(learning_rate=0.1)" in rewritten
    assert "model.train_on_batch({'x': np.ones((2, 4)), 'y': np.ones((2, 1))})" in rewritten
    assert "print(model.fetch('loss', {'x': np.ones((2, 4)), 'y': np.ones((2, 1))}))" in rewritten


@pytest.mark.parametrize(("old", "new"), [
    ("minimize(loss)", "minimize(loss, var_list=[w])"),
    ("activation=tf.nn.relu)", "activation=tf.nn.relu, reuse=True)"),
    ("tf.layers.dense(hidden, 1)", "tf.contrib.layers.fully_connected(hidden, 1)"),
    ("    for step in range(10):", "    saver.save(sess, 'x')\n    for step in range(10):"),
    ("    for step in range(10):", "    loss = loss * 2\n    for step in range(10):"),
    ("hidden = tf.layers.dense(x, 8, activation=tf.nn.relu)",
     "def tower(inputs):\n    return tf.layers.dense(inputs, 8, activation=tf.nn.relu)\nhidden = tower(x)"),
    ("loss = tf.reduce_mean(", "loss = tf.reduce_mean(tf.contrib.framework.identity"),
    ("loss = tf.reduce_mean(tf.square(prediction - y))",
     "loss = tf.reduce_mean(tf.square(prediction - y), keep_dims=True, keepdims=True)"),
    ("hidden = tf.layers.dense(x, 8, activation=tf.nn.relu)",
     "with tf.variable_scope('layer'):\n    w = tf.get_variable('w', [4, 8])\nhidden = tf.matmul(x, w)"),
    ("hidden = tf.layers.dense(x, 8, activation=tf.nn.relu)",
     "def weights():\n    return tf.Variable(tf.zeros([4, 8]))\nw = weights()\nhidden = tf.matmul(x, w)"),
], ids=["var_list", "reuse", "contrib", "session-used-elsewhere", "graph-changed-in-session",
        "layers-made-in-a-function", "contrib-op", "keyword-given-twice", "get-variable-in-a-scope", "variable-from-a-helper"])
def test_what_cannot_be_translated_keeps_the_safe_fix(old: str, new: str) -> None:
    """Scripts the rewrite would get wrong are left to the tf.compat.v1 fixes."""
    script = textwrap.dedent(SCRIPT)
    assert old in script
    assert rewrite_of(script.replace(old, new, 1)) is None


def test_tf1_arguments_are_written_for_tensorflow_2() -> None:
    """keep_prob becomes the rate TF2's dropout takes, in the graph code and in the functions
    it calls; TF1 keywords get their TF2 names."""
    script = textwrap.dedent(SCRIPT).replace(
        "hidden = tf.layers.dense(x, 8, activation=tf.nn.relu)",
        "keep = tf.placeholder(tf.float32)\n\ndef thin(t, k):\n    return tf.nn.dropout(t, k)\n\n"
        "hidden = thin(tf.nn.dropout(tf.layers.dense(x, 8, activation=tf.nn.relu), keep_prob=keep), keep)",
    ).replace("tf.square(prediction - y))", "tf.square(prediction - y), reduction_indices=1)")
    rewritten = rewrite_of(script)
    assert rewritten is not None
    assert "return tf.nn.dropout(t, rate=1 - k)" in rewritten
    assert "hidden = thin(tf.nn.dropout(self.dense_0(x), rate=1 - keep), keep)" in rewritten
    assert "tf.reduce_mean(tf.square(prediction - y), axis=1)" in rewritten


@pytest.mark.runtime
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_rewritten_script_runs_and_is_bit_identical(program: Path, current_python: Path, tmp_path: Path) -> None:
    copy = fixed_copy(program, tmp_path)
    command = runs_as_expected(program, copy, current_python)
    report = repro(copy / command[0], args=command[1:], python=str(current_python))
    assert report.status == "identical", report.text()
    assert report.steps > 0


REWRITTEN = [FIXTURES / "session_to_keras" / "minibatch_mlp" / "session_mlp.py",
             FIXTURES / "graph" / "linear_regression" / "linear_regression.py",
             FIXTURES / "graph" / "flags_app" / "trainer.py",
             FIXTURES / "session_to_keras" / "graph_block" / "train.py",
             FIXTURES / "session_to_keras" / "get_variable" / "softmax.py",
             FIXTURES / "session_to_keras" / "gan_two_optimizers" / "gan.py",
             FIXTURES / "session_to_keras" / "variable_helpers" / "deep_cnn.py"]


@pytest.mark.runtime
@pytest.mark.parametrize("legacy", REWRITTEN, ids=lambda p: p.parent.name)
def test_compare_finds_the_rewrite_equivalent(legacy: Path, legacy_python: Path, current_python: Path,
                                              tmp_path: Path) -> None:
    """The Keras model started from the graph's initial variables and fed the session's
    batches trains as the graph did: the loss of every step and the variables after the last."""
    migrated = tmp_path / legacy.name
    migrated.write_bytes(legacy.with_name(legacy.name + ".fixed").read_bytes())
    report = compare(legacy, migrated, legacy_python=legacy_python, python=current_python)
    assert report.mode == "equivalence" and report.equivalent, report.text()
    assert report.variables and all(difference.within for difference in report.variables), report.text()


@pytest.mark.runtime
def test_compare_reads_mnist_through_the_same_port_on_both_sides(legacy_python: Path, current_python: Path,
                                                                 tmp_path: Path) -> None:
    """TensorFlow 2.15 has no `tensorflow.examples`: the legacy side runs TF1's MNIST reader as
    the port the rewrite uses (the same batches from the same seeds), and the report says so."""
    program = FIXTURES / "session_to_keras" / "mnist_logistic"
    legacy = tmp_path / "legacy"
    shutil.copytree(program, legacy)
    write_mnist(legacy / "mnist_data")
    migrated = fixed_copy(program, tmp_path / "migrated")
    report = compare(legacy / "logistic.py", migrated / "logistic.py", legacy_python=legacy_python,
                     python=current_python)
    assert report.mode == "equivalence" and report.equivalent, report.text()
    assert "its port of a module 2.15 lacks" in report.text() and "the session's feeds" not in report.text()


@pytest.mark.runtime
@pytest.mark.parametrize(("old", "new", "equivalent"), [
    ("", "", True),
    ("SGD(learning_rate=0.05,", "SGD(learning_rate=0.05 / 100,", False),
], ids=["rewrite", "learning-rate-divided-by-100"])
def test_compare_judges_a_script_with_dropout_by_its_outcome(old: str, new: str, equivalent: bool,
                                                            legacy_python: Path, current_python: Path,
                                                            tmp_path: Path) -> None:
    """Dropout draws other masks on each runtime, so no step can agree: outcome mode trains both
    and compares the last evaluation run (the session's accuracy.eval, the rewrite's fetch)."""
    legacy = FIXTURES / "session_to_keras" / "dropout_layers" / "train.py"
    fixed = legacy.with_name("train.py.fixed").read_text(encoding="utf-8")
    assert old in fixed
    migrated = tmp_path / "train.py"
    migrated.write_text(fixed.replace(old, new), encoding="utf-8")
    report = compare(legacy, migrated, legacy_python=legacy_python, python=current_python)
    assert report.mode == "outcome" and report.equivalent is equivalent, report.text()
    [metric] = report.metrics
    assert metric.name == "last evaluation, value 1" and metric.legacy > 0.8, report.text()


@pytest.mark.runtime
@pytest.mark.parametrize(("old", "new"), [
    ("Adam(learning_rate=learning_rate,", "Adam(learning_rate=learning_rate * 1.1,"),
    ("loss_op = tf.reduce_mean(", "loss_op = tf.reduce_sum("),
], ids=["learning-rate", "sum-instead-of-mean"])
def test_compare_catches_a_wrong_rewrite(old: str, new: str, legacy_python: Path, current_python: Path,
                                        tmp_path: Path) -> None:
    legacy = REWRITTEN[0]
    fixed = legacy.with_name(legacy.name + ".fixed").read_text(encoding="utf-8")
    assert old in fixed
    migrated = tmp_path / legacy.name
    migrated.write_text(fixed.replace(old, new), encoding="utf-8")
    report = compare(legacy, migrated, legacy_python=legacy_python, python=current_python)
    assert not report.equivalent, report.text()


@pytest.mark.runtime
def test_compare_catches_a_gan_rewrite_stepping_one_optimizer_wrong(legacy_python: Path, current_python: Path,
                                                                    tmp_path: Path) -> None:
    """Two objectives, one forward pass: the discriminator's optimizer with another learning rate
    is caught, though the generator's steps are right."""
    legacy = FIXTURES / "session_to_keras" / "gan_two_optimizers" / "gan.py"
    fixed = legacy.with_name("gan.py.fixed").read_text(encoding="utf-8")
    old = "optimizer_disc = tf.keras.optimizers.Adam(learning_rate=learning_rate,"
    assert old in fixed
    migrated = tmp_path / "gan.py"
    migrated.write_text(fixed.replace(old, old.replace("learning_rate,", "learning_rate * 1.1,")), encoding="utf-8")
    report = compare(legacy, migrated, legacy_python=legacy_python, python=current_python)
    assert report.mode == "equivalence" and not report.equivalent, report.text()


GAN = """
    import numpy as np
    import tensorflow as tf

    z = tf.placeholder(tf.float32, [None, 2])
    x = tf.placeholder(tf.float32, [None, 2])
    g = tf.Variable(tf.random_normal([2, 2]))
    d = tf.Variable(tf.random_normal([2, 1]))
    fake = tf.matmul(z, g)
    gen_loss = -tf.reduce_mean(tf.log(tf.sigmoid(tf.matmul(fake, d))))
    disc_loss = -tf.reduce_mean(tf.log(tf.sigmoid(tf.matmul(x, d))))
    gen_opt = tf.train.AdamOptimizer(0.001)
    disc_opt = tf.train.AdamOptimizer(0.001)
    train_gen = gen_opt.minimize(gen_loss, var_list=[g])
    train_disc = disc_opt.minimize(disc_loss, var_list=[d])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(10):
            feed = {z: np.random.rand(4, 2), x: np.random.rand(4, 2)}
            sess.run(train_disc, feed_dict=feed)
            sess.run(train_gen, feed_dict=feed)
"""


def test_a_gan_trained_by_alternate_runs_is_refused_with_its_reason() -> None:
    """The rewrite's train_step steps every objective at once: runs that step one network at a
    time (DCGAN's alternation) would train otherwise, so EA103 says so and offers no rewrite."""
    source = textwrap.dedent(GAN).encode()
    [session] = [f for f in audit_source("gan.py", source, Settings()) if f.code == "EA103"]
    assert session.message.endswith("the training run at line 20 runs train_disc but not train_gen: the Keras "
                                    "train_step steps every optimizer of the script at once"), session.message
    together = GAN.replace("sess.run(train_disc, feed_dict=feed)\n            sess.run(train_gen, feed_dict=feed)",
                           "sess.run([train_gen, train_disc], feed_dict=feed)")
    rewritten = rewrite_of(together)
    assert rewritten is not None and "disc_opt.build([d])" in rewritten, rewritten
    assert '(self.optimizer, "gen_loss", [g]), (disc_opt, "disc_loss", [d])' in rewritten, rewritten


HELPER = """
    import tensorflow as tf

    def weight_variable(shape):
        return tf.Variable(tf.truncated_normal(shape, stddev=0.1))

    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.float32, [None, 1])
    W = weight_variable([4, 1])
    loss = tf.reduce_mean(tf.square(tf.matmul(x, W) - y))
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op, feed_dict={x: [[1.0] * 4], y: [[1.0]]})
"""


@pytest.mark.parametrize(("old", "new", "reason"), [
    ("return tf.Variable(tf.truncated_normal(shape, stddev=0.1))",
     "v = tf.Variable(tf.truncated_normal(shape, stddev=0.1))\n        return v",
     "the variables at line 4 are made inside a function the rewrite does not translate"),
    ("def weight_variable(shape):", "def weight_variable(shape, name):",
     "the variables at line 4 are made inside a function the rewrite does not translate"),
    ("return tf.Variable(", "return tf.get_variable('w', initializer=",
     "the variables at line 4 are made inside a function the rewrite does not translate"),
    ("return tf.Variable(tf.truncated_normal(shape, stddev=0.1))", "return tf.get_variable('w')",
     "the variables at line 4 are made inside a function the rewrite does not translate"),
    ("W = weight_variable([4, 1])", "W = tf.nn.relu(weight_variable([4, 1]))",
     "`weight_variable` (called at line 9) makes a variable the rewrite does not carry into the Keras model"),
], ids=["bound-before-return", "named-by-caller", "get-variable", "get-variable-by-name-alone", "inside-an-expression-of-tensors"])
def test_variable_helpers_other_than_the_tutorials_are_refused(old: str, new: str, reason: str) -> None:
    """A helper returning one new unnamed tf.Variable is translated (the variable_helpers
    fixture); any other function making variables keeps its finding with the reason."""
    assert old in HELPER
    assert rewrite_of(HELPER) is not None
    script = textwrap.dedent(HELPER.replace(old, new)).encode()
    [session] = [f for f in audit_source("script.py", script, Settings()) if f.code == "EA103"]
    assert reason in session.message, session.message


def test_setting_the_reuse_flag_makes_no_variable() -> None:
    """Seen in Adversarial_Autoencoder: `tf.get_variable_scope().reuse_variables()` only sets the
    scope's reuse flag; the refusal was naming it as the call making a variable."""
    script = textwrap.dedent(HELPER).replace(
        "W = weight_variable([4, 1])",
        "W = weight_variable([4, 1])\ntf.get_variable_scope().reuse_variables()")
    [session] = [f for f in audit_source("script.py", script.encode(), Settings()) if f.code == "EA103"]
    assert "reuse_variables" not in session.message, session.message


def test_layers_without_variables_are_not_named_as_variable_makers() -> None:
    """Seen in ematvey's seq2seq tutorials: `tf.layers.dropout` in a helper the graph code calls
    was named as making a variable; dropout, flatten and pooling layers hold none."""
    script = textwrap.dedent(HELPER).replace(
        "def weight_variable(shape):",
        "def noisy(x):\n    return tf.layers.dropout(x, 0.2, training=True)\n\ndef weight_variable(shape):",
    ).replace("tf.matmul(x, W)", "tf.matmul(noisy(x), W)")
    [session] = [f for f in audit_source("script.py", script.encode(), Settings()) if f.code == "EA103"]
    assert "the Keras rewrite" in session.message and "makes a variable" not in session.message, session.message


def test_a_session_held_by_an_object_is_named_so() -> None:
    """Round 36 (audio-super-res): `self.sess = tf.Session()` was refused as "not assigned to one
    name"; it is held by an object, whose methods the rewrite does not follow."""
    script = textwrap.dedent("""
        import tensorflow as tf

        class Model:
            def __init__(self):
                self.x = tf.compat.v1.placeholder(tf.float32, [None, 4])
                w = tf.Variable(tf.zeros([4, 1]))
                loss = tf.reduce_sum(tf.matmul(self.x, w))
                self.train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
                self.sess = tf.compat.v1.Session()

            def train(self, data):
                self.sess.run(self.train_op, {self.x: data})
    """)
    [session] = [f for f in audit_source("model.py", script.encode(), Settings()) if f.code == "EA103"]
    assert "the session is held by an object (`self.sess`)" in session.message, session.message


def test_a_refusal_names_its_reason() -> None:
    """A script the rewrite leaves to tf.compat.v1 says why, in EA103's message."""
    script = textwrap.dedent(SCRIPT).replace("loss = tf.reduce_mean(", "print(prediction)\nloss = tf.reduce_mean(")
    session = [f for f in audit_source("script.py", script.encode(), Settings()) if f.code == "EA103"]
    assert session and session[0].message.endswith(
        "the Keras rewrite (--unsafe-fixes) does not translate this script: line 9 uses graph tensors outside "
        "the graph code and the session's runs"), session


def test_each_session_is_judged_by_its_own_runs() -> None:
    """Notebook cells each open `with tf.Session() as sess:`: a demo session printing a constant
    is not a training loop because another cell's session, also `sess`, trains."""
    script = textwrap.dedent("""
        import tensorflow as tf
        c = tf.constant(2.0)
        with tf.Session() as sess:
            print(sess.run(c))
        x = tf.placeholder(tf.float32, [None, 1])
        w = tf.Variable(tf.zeros([1, 1]))
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - 1.0))
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train_op, feed_dict={x: [[1.0]]})
    """)
    findings = [f for f in audit_source("nb.py", script.encode(), Settings()) if f.code == "EA103"]
    assert [f.line for f in findings] == [4, 10]
    assert "training loop" not in findings[0].message
    assert "rewrite the training loop" in findings[1].message


def test_a_seed_lost_to_reset_default_graph_gets_no_determinism_fix() -> None:
    """graph_nets' demo notebooks seed, then reset the default graph: with op determinism on, the
    random ops built after the reset (unseeded) would raise, so EA302 offers no fix; EA404 says
    where the seed was lost."""
    code = textwrap.dedent("""
        import tensorflow as tf
        tf.compat.v1.disable_v2_behavior()
        tf.compat.v1.set_random_seed(1)
        tf.compat.v1.reset_default_graph()
        w = tf.compat.v1.get_variable("w", [3, 1])
        loss = tf.reduce_sum(w)
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            sess.run(train_op)
    """)
    findings = {f.code: f for f in audit_source("nb.py", code.encode(), Settings())}
    assert findings["EA302"].fix is None
    assert findings["EA404"].line == 4 and "reset_default_graph() at line 5" in findings["EA404"].message


def test_softmax_cross_entropy_v2_is_tf2s_softmax_cross_entropy() -> None:
    """TF 2.21: tf.compat.v1.nn.softmax_cross_entropy_with_logits_v2 and
    tf.nn.softmax_cross_entropy_with_logits gave equal losses and gradients; TF1's dim= is axis=."""
    script = textwrap.dedent(SCRIPT).replace(
        "loss = tf.reduce_mean(tf.square(prediction - y))",
        "loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=prediction, dim=-1))")
    rewritten = rewrite_of(script)
    assert rewritten is not None
    assert "tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=prediction, axis=-1)" in rewritten


def test_a_function_whose_parameter_shadows_a_placeholder_does_not_use_the_graph() -> None:
    """Seen in wiseodd's MAGAN: `def sample_z(m, n)` beside a placeholder named `m`."""
    script = textwrap.dedent(SCRIPT).replace(
        "with tf.Session() as sess:",
        "def batch_of(x, n):\n    return np.ones((n, 4)) * x\n\nwith tf.Session() as sess:")
    assert rewrite_of(script) is not None


def test_a_script_importing_only_compat_v1_is_told_so() -> None:
    script = textwrap.dedent(SCRIPT).replace("import tensorflow as tf", "import tensorflow.compat.v1 as tf")
    session = [f for f in audit_source("script.py", script.encode(), Settings()) if f.code == "EA103"]
    assert session and "imports TensorFlow only as tensorflow.compat.v1" in session[0].message


def test_a_name_rebound_in_its_own_stage_is_computed_in_order() -> None:
    """Seen in TensorFlow-Examples' autoencoders: `encoder = tf.matmul(...)` then `encoder =
    tf.nn.tanh(encoder)`. Rebound where a statement of another stage read the first tensor, the
    model's staged computation would hand it the second: refused."""
    rebound = textwrap.dedent(SCRIPT).replace(
        "prediction = tf.layers.dense(hidden, 1)",
        "hidden = tf.nn.relu(hidden)\nprediction = tf.layers.dense(hidden, 1)")
    rewritten = rewrite_of(rebound)
    assert rewritten is not None and "hidden = tf.nn.relu(hidden)" in rewritten
    read_between = textwrap.dedent(SCRIPT).replace(
        "prediction = tf.layers.dense(hidden, 1)",
        "gap = hidden * y\nhidden = tf.nn.relu(hidden)\nprediction = tf.layers.dense(hidden, 1)")
    assert rewrite_of(read_between) is None


@pytest.mark.runtime
def test_a_rebound_name_runs_on_tensorflow_2(current_python: Path) -> None:
    rebound = textwrap.dedent(SCRIPT).replace(
        "prediction = tf.layers.dense(hidden, 1)",
        "hidden = tf.nn.relu(hidden)\nprediction = tf.layers.dense(hidden, 1)")
    rewritten = rewrite_of(rebound)
    assert rewritten is not None
    printed = run_python(current_python, rewritten)
    assert float(printed.strip().splitlines()[-1]) >= 0.0


NAMED_FEEDS = SCRIPT.replace(
    "    with tf.Session() as sess:",
    "    test_feeds = {x: np.ones((2, 4)), y: np.zeros((2, 1))}\n    with tf.Session() as sess:").replace(
    "sess.run(train_op, feed_dict={x: np.ones((2, 4)), y: np.ones((2, 1))})",
    "feeds = {x: np.ones((2, 4)), y: np.ones((2, 1))}\n            sess.run(train_op, feed_dict=feeds)").replace(
    "print(sess.run(loss, feed_dict={x: np.ones((2, 4)), y: np.ones((2, 1))}))",
    "print(sess.run(loss, feed_dict=test_feeds), sess.run(tf.reduce_sum(prediction - y), test_feeds))")


def test_a_feed_dict_bound_to_a_name_is_keyed_by_the_placeholders_names() -> None:
    """Seen in sjchoi86's notebooks (7 of 26 refusals there): `feeds = {x: batch_xs, y:
    batch_ys}` inside the loop, then `sess.run(optm, feed_dict=feeds)`; and a test feed dict
    bound before the session."""
    rewritten = rewrite_of(NAMED_FEEDS)
    assert rewritten is not None
    assert "test_feeds = {'x': np.ones((2, 4)), 'y': np.zeros((2, 1))}" in rewritten
    assert "feeds = {'x': np.ones((2, 4)), 'y': np.ones((2, 1))}\n    model.train_on_batch(feeds)" in rewritten
    assert "model.fetch('loss', test_feeds)" in rewritten
    assert "tf.cast(test_feeds['y'], tf.float32)" in rewritten


@pytest.mark.runtime
def test_named_feed_dicts_run_on_tensorflow_2(current_python: Path) -> None:
    rewritten = rewrite_of(NAMED_FEEDS)
    assert rewritten is not None
    loss, total = run_python(current_python, rewritten).strip().splitlines()[-1].split()
    assert float(loss) >= 0.0 and float(total) == float(total)


def test_get_variable_keeps_tf1_initializer_defaults() -> None:
    """TF2's random_normal_initializer defaults to stddev 0.05 and random_uniform_initializer to
    [-0.05, 0.05) (TF1: 1.0 and [0, 1)): compare starts both sides from the same weights and
    would not see the difference, so the rewrite writes TF1's defaults out."""
    script = SCRIPT.replace(
        "hidden = tf.layers.dense(x, 8, activation=tf.nn.relu)\n    prediction = tf.layers.dense(hidden, 1)",
        "w = tf.get_variable('w', [4, 1], initializer=tf.random_normal_initializer())\n"
        "    u = tf.get_variable('u', [1], initializer=tf.random_uniform_initializer(seed=3))\n"
        "    g = tf.get_variable('g', [1])\n"
        "    prediction = tf.matmul(x, w) * g + u")
    rewritten = rewrite_of(script)
    assert rewritten is not None
    assert "tf.keras.Variable(initializer=tf.random_normal_initializer(mean=0.0, stddev=1.0), shape=[4, 1], " \
           "dtype='float32', name='w')" in rewritten, rewritten
    assert "initializer=tf.random_uniform_initializer(minval=0.0, maxval=1.0, seed=3)" in rewritten, rewritten
    assert "initializer=tf.keras.initializers.GlorotUniform(), shape=[1]" in rewritten, rewritten
    refused = rewrite_of(script.replace("[4, 1], initializer", "[4, 1], regularizer=reg, initializer"))
    assert refused is None
