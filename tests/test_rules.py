"""Every rule's examples are its tests: invalid ones give exactly the stated findings."""

from __future__ import annotations

import json
import re

import pytest

from estimator_audit.catalogue import all_rules
from estimator_audit.config import Settings, parse_version
from estimator_audit.pipeline import FixMode, audit_source, fix_source
from estimator_audit.rule import Invalid, Rule, Valid, example_text
from tests.conftest import audit_text

RULES = list(all_rules().values())
INVALID = [(rule, example) for rule in RULES for example in rule.invalid]
VALID = [(rule, example) for rule in RULES for example in rule.valid]
SECTIONS = ("## What it does", "## Why is this bad?", "## How it was verified", "## Example",
            "## Use instead", "## Fix safety")


def example_settings(example: Invalid | Valid, **options: object) -> Settings:
    """The settings an example is audited with: its target, if it names one."""
    if example.target is not None:
        options["target"] = parse_version(example.target)
    return Settings(**options)  # type: ignore[arg-type]


def example_id(pair: tuple[type[Rule], Invalid | Valid]) -> str:
    rule, example = pair
    examples = rule.invalid if isinstance(example, Invalid) else rule.valid
    return f"{rule.code}-{examples.index(example)}"


@pytest.mark.parametrize("pair", INVALID, ids=[example_id(p) for p in INVALID])
def test_invalid_example_gives_exactly_the_stated_findings(pair: tuple[type[Rule], Invalid]) -> None:
    rule, example = pair
    findings = [f for f in audit_text(example.code, example.filename, example_settings(example))
                if f.code == rule.code]
    assert sorted((f.line, f.column) for f in findings) == sorted(example.at)
    for finding in findings:
        assert finding.name == rule.name and finding.severity is rule.severity
        if example.message:
            assert example.message in finding.message


FIXED = [(rule, example) for rule, example in INVALID if example.fixed is not None]


@pytest.mark.parametrize("pair", FIXED, ids=[example_id(p) for p in FIXED])
def test_fix_gives_the_stated_program_and_is_idempotent(pair: tuple[type[Rule], Invalid]) -> None:
    rule, example = pair
    settings = example_settings(example, select=(rule.code,))
    mode = FixMode(unsafe=True)
    before = example_text(example.code).encode()
    fixed = fix_source(example.filename, before, settings, mode)
    assert fixed.data.decode() == example_text(example.fixed or "")
    if example.fixed == example.code:  # stated unchanged: the rule offers no fix there
        assert not fixed.applied and not [f for f in fixed.remaining if f.fix is not None]
        return
    assert fixed.applied and not [f for f in fixed.remaining if f.fix is not None]
    again = fix_source(example.filename, fixed.data, settings, mode)
    assert again.data == fixed.data and not again.applied


@pytest.mark.parametrize("rule", [r for r in RULES if r.fix_safety], ids=lambda r: r.code)
def test_every_fixable_rule_shows_a_fix(rule: type[Rule]) -> None:
    assert any(example.fixed is not None for example in rule.invalid)


@pytest.mark.parametrize("pair", VALID, ids=[example_id(p) for p in VALID])
def test_valid_example_gives_no_finding(pair: tuple[type[Rule], Valid]) -> None:
    rule, example = pair
    assert [f for f in audit_text(example.code, example.filename, example_settings(example))
            if f.code == rule.code] == []


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_is_documented_and_exemplified(rule: type[Rule]) -> None:
    assert re.fullmatch(r"EA\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.summary.endswith(".")
    docs = rule.docs()
    positions = [docs.find(section) for section in SECTIONS]
    assert all(p >= 0 for p in positions), f"{rule.code} docs lack a section"
    assert positions == sorted(positions), f"{rule.code} docs sections out of order"
    assert rule.valid and rule.invalid


def test_codes_and_names_are_unique() -> None:
    assert len({rule.name for rule in RULES}) == len(RULES)
    assert [rule.code for rule in RULES] == sorted(rule.code for rule in RULES)


def test_rule_module_is_named_after_its_code() -> None:
    for rule in RULES:
        module = rule.__module__.rsplit(".", 1)[-1]
        assert module == f"{rule.code.lower()}_{rule.name.replace('-', '_')}"


def test_missing_symbol_defers_to_the_more_specific_rule() -> None:
    code = "import tensorflow as tf\nopt = tf.train.AdamOptimizer(0.1)\nsess = tf.Session()\nx = tf.random_normal([3])\n"
    codes = {(f.line, f.code) for f in audit_text(code) if f.code in ("EA103", "EA104", "EA106")}
    assert codes == {(2, "EA104"), (3, "EA103"), (4, "EA106")}
    # Deselecting or suppressing the specific rule does not bring the general one back.
    alone = audit_text(code, settings=Settings(select=("EA106",)))
    assert {(f.line, f.code) for f in alone} == {(4, "EA106")}
    quiet = audit_text(code.replace("(0.1)", "(0.1)  # noqa: EA104"))
    assert {(f.line, f.code) for f in quiet if f.code in ("EA104", "EA106")} == {(4, "EA106")}


def test_a_session_that_only_takes_gradients_is_not_told_to_rewrite_a_training_loop() -> None:
    """Seen in lucid's unit tests: `tf.gradients` checked against expected values trains
    nothing, so EA103 says only what breaks (the determinism clause is for training)."""
    code = ("import tensorflow as tf\nwith tf.Session().as_default():\n    x = tf.constant([1.0])\n"
            "    print(tf.gradients(tf.nn.relu(x), x)[0].eval())\n")
    [finding] = [f for f in audit_text(code) if f.code == "EA103"]
    assert finding.message.endswith("keeps it as tf.compat.v1.Session)")
    credentials = ("import tensorflow as tf\nwith tf.Session('grpc://tpu') as sess:\n"
                   "    tf.contrib.cloud.configure_gcs(sess, credentials=auth)\n"
                   "tf.estimator.train_and_evaluate(estimator, train_spec, eval_spec)\n")
    [finding] = [f for f in audit_text(credentials) if f.code == "EA103"]
    assert finding.message.endswith("keeps it as tf.compat.v1.Session)")  # the estimator is not its loop
    after = code + "train_op = tf.train.AdamOptimizer(0.1).minimize(x)\n"  # built once the block closed
    [finding] = [f for f in audit_text(after) if f.code == "EA103"]
    assert finding.message.endswith("keeps it as tf.compat.v1.Session)")
    trains = code + "    train_op = tf.train.AdamOptimizer(0.1).minimize(x)\n    train_op.run()\n"
    [finding] = [f for f in audit_text(trains) if f.code == "EA103"]
    assert "rewrite the training loop" in finding.message


def test_an_unnamed_session_extracting_features_is_judged_by_its_own_block() -> None:
    """Seen in neural-style and fast-style-transfer: `with tf.Graph().as_default(),
    tf.device('/cpu:0'), tf.Session():` evaluates VGG features; another session trains."""
    code = ("import tensorflow as tf\n\n\ndef features(data):\n"
            "    with tf.Graph().as_default(), tf.device('/cpu:0'), tf.compat.v1.Session():\n"
            "        x = tf.compat.v1.placeholder(tf.float32, [None, 3])\n"
            "        return tf.reduce_sum(x).eval(feed_dict={x: data})\n\n\ndef train(data):\n"
            "    with tf.Graph().as_default(), tf.compat.v1.Session() as s:\n"
            "        w = tf.Variable(tf.random.normal([3, 1]))\n"
            "        s.run(tf.compat.v1.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(w)))\n")
    [training] = [f for f in audit_text(code) if f.code == "EA103"]  # the feature session draws nothing
    assert training.line == 11 and "rewrite the training loop" in training.message


def test_an_input_fn_a_contrib_learn_estimator_fits_on_keeps_its_queue_helper() -> None:
    """Seen in TensorFlow-Examples' gradient-boosted trees: tf.contrib.learn estimators unpack
    `features, labels = input_fn()`, which a tf.data Dataset cannot answer."""
    code = ("import tensorflow as tf\n"
            "input_fn = tf.estimator.inputs.numpy_input_fn(x={'images': x}, y=y, batch_size=64, shuffle=True)\n"
            "gbdt_model.fit(input_fn=input_fn, max_steps=100)\n")
    found = {f.code: f for f in audit_text(code) if f.code in ("EA107", "EA208")}
    assert set(found) == {"EA107", "EA208"} and all(f.fix is None for f in found.values())
    assert all(f.fix is not None for f in audit_text(code.replace(".fit(", ".train("))
               if f.code in ("EA107", "EA208"))


def test_op_determinism_is_not_switched_on_above_draws_made_before_the_seed() -> None:
    """Seen in a notebook seeding in a late cell: op determinism enabled after the imports made
    the random ops of the cells before the seed raise (TF 2.21: "Random ops require a seed")."""
    late = "import tensorflow as tf\nx = tf.random.normal((3, 3))\nmodel.fit(x, y)\ntf.random.set_seed(1)\n"
    [finding] = [f for f in audit_text(late) if f.code == "EA302"]
    assert finding.fix is None
    early = "import tensorflow as tf\ntf.random.set_seed(1)\nx = tf.random.normal((3, 3))\nmodel.fit(x, y)\n"
    [finding] = [f for f in audit_text(early) if f.code == "EA302"]
    assert finding.fix is not None


def test_code_after_an_exit_call_gets_no_findings() -> None:
    """Seen in tutorials that park old code after `sys.exit()`: it never runs. In a notebook
    each cell runs when run, so there it still counts."""
    code = ("import sys\nimport tensorflow as tf\n\n\ndef main():\n    print(tf.constant(1))\n    sys.exit(0)\n"
            "    sess = tf.Session()\n\n\nsess = tf.Session()\n")
    assert [(f.line, f.code) for f in audit_text(code) if f.code == "EA103"] == [(11, "EA103")]


def test_code_after_a_raise_or_assert_false_gets_no_findings_to_the_end_of_its_cell() -> None:
    """Seen in bob.learn.tensorflow (round 29): a notebook cell opening with `assert False, "run
    this cell in a TF1 environment"` holds TF1 code that never runs in that notebook; EA109's
    fix switched the whole TF2 notebook to graph mode for it. The next cell runs."""
    cells = ["import tensorflow as tf\n",
             "assert (\n    False\n), 'run in another notebook with TensorFlow 1'\nx = tf.placeholder(tf.float32)\n",
             "y = tf.placeholder(tf.float32)\n"]
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                           "source": source} for source in cells],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    findings = audit_source("demo.ipynb", json.dumps(notebook).encode(), Settings())
    assert {(f.cell, f.line, f.code) for f in findings} == {(3, 1, "EA106"), (3, 1, "EA109")}, findings
    code = "import tensorflow as tf\n\n\ndef old():\n    raise NotImplementedError\n    return tf.Session()\n"
    assert not [f for f in audit_text(code) if f.code == "EA103"]
    parked = "import tensorflow as tf\n\nif False:\n    sess = tf.Session()\nelse:\n    sess = None\n"
    assert not [f for f in audit_text(parked) if f.code == "EA103"]


def test_sessions_of_a_training_module_are_judged_by_their_own_blocks() -> None:
    """Seen in DeepSpeech's train.py: the training session fetches `train_op`, bound to
    `apply_gradient_op if is_train else []`; the inference session beside it only evaluates
    (`logits.eval(session=session)`), so it gets no training advice."""
    code = ("import tensorflow.compat.v1 as tfv1\n\n\ndef train(optimizer, loss, is_train):\n"
            "    apply_gradient_op = optimizer.apply_gradients(optimizer.compute_gradients(loss))\n"
            "    train_op = apply_gradient_op if is_train else []\n"
            "    with tfv1.Session() as session:\n        for _ in range(10):\n"
            "            session.run([train_op, loss])\n\n\ndef infer(logits, saver):\n"
            "    with tfv1.Session() as session:\n        saver.restore(session, 'ckpt')\n"
            "        return logits.eval(session=session)\n")
    found = [(f.line, f.code) for f in audit_text(code) if f.code == "EA103"]
    assert found == [(7, "EA103")], found


def test_a_graph_call_resolved_in_a_function_is_named_in_the_message() -> None:
    """Seen in evolution-strategies-starter: TensorFlow imported inside a function; EA109 named
    the call as resolved at module level, where `tf` is unbound: "builds a TF1 graph ()"."""
    code = ("def main():\n    import tensorflow as tf\n    x = tf.placeholder(tf.float32)\n"
            "    with tf.Session() as s:\n        s.run(x)\n")
    [finding] = [f for f in audit_text(code) if f.code == "EA109"]
    assert "builds a TF1 graph (tf.placeholder)" in finding.message


def test_an_inference_session_in_a_graph_of_its_own_is_judged_by_that_graph() -> None:
    """A notebook that trains in one cell and, in another, restores a model into a new graph and
    runs it (no random op in that graph): only the training session is told about determinism."""
    code = (
        "import tensorflow as tf\n"
        "w = tf.Variable(tf.random_normal([4, 1]))\n"
        "train_op = tf.train.AdamOptimizer().minimize(tf.reduce_sum(w))\n"
        "with tf.Session() as sess:\n"
        "    sess.run(train_op)\n"
        "with tf.Graph().as_default():\n"
        "    logits = tf.matmul(tf.ones([1, 4]), tf.ones([4, 2]))\n"
        "    with tf.Session() as session:\n"
        "        restore(session)\n"
        "        session.run(tf.nn.softmax(logits))\n"
    )
    sessions = {f.line: f.message for f in audit_text(code) if f.code == "EA103"}
    assert "determinism cannot be guaranteed" in sessions[4]
    assert "determinism" not in sessions[8]
