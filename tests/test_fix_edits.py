"""The ADD_ARGUMENT, NAME_ARGUMENT and SET_KEYWORD edits, applied by the fix stage to real
layouts; and the shapes of code where EA104 and EA205 offer no fix."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from estimator_audit.config import Settings
from estimator_audit.findings import Edit, EditAction, Finding, Fix, FixSafety, Severity, Span
from estimator_audit.fix import FixFailure, apply_fixes, apply_fixes_once
from estimator_audit.pipeline import audit_source
from estimator_audit.rule import example_text
from estimator_audit.text_edits import edits_in_text
from tests.conftest import audit_text


def call_span(source: str, index: int = 0) -> Span:
    """The span of the index-th call of the source, as the audit reports it (1-based columns)."""
    calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)]
    calls.sort(key=lambda n: (n.lineno, n.col_offset))
    call = calls[index]
    return (call.lineno, call.col_offset + 1, call.end_lineno or call.lineno, (call.end_col_offset or 0) + 1)


def finding_with(*edits: Edit) -> Finding:
    return Finding(path="x.py", code="EA999", name="test", severity=Severity.INFO, message="m",
                   line=1, column=1, end_line=1, end_column=1, fix=Fix(FixSafety.UNSAFE, "test", edits))


def applied(source: str, *edits: Edit) -> str:
    """The source after one finding carrying these edits is fixed."""
    finding = finding_with(*edits)
    result = apply_fixes(source.encode(), [finding])
    assert result.applied == (finding,)
    return result.data.decode()


def add(source: str, text: str = "42") -> str:
    source = example_text(source)
    return applied(source, Edit(EditAction.ADD_ARGUMENT, call_span(source), text=text))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("rng = default_rng()\n", "rng = default_rng(42)\n"),
        ("rng = default_rng(  )\n", "rng = default_rng(42)\n"),
        ("rng = default_rng(\n)\n", "rng = default_rng(42)\n"),
        ("bits = Philox(counter=3)\n", "bits = Philox(42, counter=3)\n"),
        ("g = Generator.from_seed(alg='philox')  # x\n", "g = Generator.from_seed(42, alg='philox')  # x\n"),
        ("g = Generator.from_seed('philox', )\n", "g = Generator.from_seed(42, 'philox', )\n"),
        # Hanging arguments: the new one joins the first line.
        ("bits = Philox(counter=3,\n              key=None)\n",
         "bits = Philox(42, counter=3,\n              key=None)\n"),
    ],
)
def test_add_argument_on_one_line(before: str, after: str) -> None:
    assert add(before) == after


def test_add_argument_to_a_multi_line_call_with_a_trailing_comma_and_comments() -> None:
    before = """
        def sampler():
            bits = np.random.Philox(  # the generator
                counter=7,  # skip the first block
                key=None,
            )
            return bits
        """
    after = """
        def sampler():
            bits = np.random.Philox(  # the generator
                42,
                counter=7,  # skip the first block
                key=None,
            )
            return bits
        """
    assert add(before) == example_text(after)


def test_add_argument_to_an_empty_multi_line_call_goes_under_its_comment() -> None:
    before = """
        class Sampler:
            rng = random.Random(
                # seeded by the fix
            )
        """
    after = """
        class Sampler:
            rng = random.Random(
                # seeded by the fix
                42,
            )
        """
    assert add(before) == example_text(after)


@pytest.mark.parametrize(
    ("before", "after", "as_text"),
    [
        ("o = Opt()\n", "o = Opt(epsilon=1e-08)\n", True),
        ("o = Opt(0.1)\n", "o = Opt(0.1, epsilon=1e-08)\n", True),
        ("o = Opt(0.1, epsilon=0.5)  # c\n", "o = Opt(0.1, epsilon=1e-08)  # c\n", True),
        ("o = Opt(*a, **k)\n", "o = Opt(*a, **k, epsilon=1e-08)\n", True),
        ("o = Opt(0.1,\n        beta=0.9)\n", "o = Opt(0.1,\n        beta=0.9, epsilon=1e-08)\n", True),
        ("o = mod.Opt(f(x))\n", "o = mod.Opt(f(x), epsilon=1e-08)\n", True),
        ("o = (Opt)(0.1)\n", "o = (Opt)(0.1, epsilon=1e-08)\n", True),
        ("o = (Opt)()\n", None, False),
        ("o = Opt( )\n", None, False),
        ("o = Opt(0.1 )\n", None, False),
        ("o = Opt((0.1))\n", None, False),
        ("o = Opt(epsilon=(0.5))\n", None, False),
        ("o = Opt(\n    0.1,\n)\n", None, False),
        ("o = Opt(0.1  # rate\n)\n", None, False),
        ("o = Opt(x for x in y)\n", None, False),
    ],
)
def test_set_keyword_as_text_writes_what_libcst_writes(before: str, after: str | None, as_text: bool) -> None:
    """The text path sets a keyword where it can match the libcst path byte for byte, and leaves
    every other layout to libcst."""
    finding = finding_with(Edit(EditAction.SET_KEYWORD, call_span(before), "epsilon", "1e-08"))
    in_text = edits_in_text(before.encode(), [finding])
    assert (in_text is not None) == as_text
    if in_text is not None:
        assert in_text[0] == apply_fixes_once(before.encode(), [finding]).data == (after or "").encode()


def test_name_argument_by_position_and_by_keyword_keeps_the_layout() -> None:
    source = example_text(
        """
        opt = AdamOptimizer(
            0.1,  # the rate
            0.9,
            beta2 = 0.99,
            use_locking=False,
        )
        """
    )
    span = call_span(source)
    fixed = applied(
        source,
        Edit(EditAction.NAME_ARGUMENT, span, "beta_1", "1"),  # the last position first
        Edit(EditAction.NAME_ARGUMENT, span, "learning_rate", "0"),
        Edit(EditAction.NAME_ARGUMENT, span, "beta_2", "beta2"),
        Edit(EditAction.REMOVE_KEYWORD, span, "use_locking"),
        Edit(EditAction.SET_KEYWORD, span, "epsilon", "1e-08"),
    )
    assert fixed == example_text(
        """
        opt = AdamOptimizer(
            learning_rate=0.1,  # the rate
            beta_1=0.9,
            beta_2 = 0.99,
            epsilon=1e-08,
        )
        """
    )


def test_name_argument_that_the_call_lacks_fails_instead_of_guessing() -> None:
    source = "opt = AdamOptimizer(0.1)\n"
    with pytest.raises(FixFailure):
        applied(source, Edit(EditAction.NAME_ARGUMENT, call_span(source), "beta_1", "1"))
    with pytest.raises(FixFailure):
        applied(source, Edit(EditAction.NAME_ARGUMENT, call_span(source), "beta_1", "beta1"))


def fixes(code: str, select: str) -> list[Fix | None]:
    return [f.fix for f in audit_text(code, settings=Settings(select=(select,)))]


def test_ea104_offers_no_fix_in_a_file_that_builds_tf1_graphs() -> None:
    code = """
        import tensorflow as tf
        x = tf.compat.v1.placeholder(tf.float32, [None, 3])
        optimizer = tf.compat.v1.train.AdamOptimizer(0.1)
        """
    assert fixes(code, "EA104") == []  # tf.compat.v1's optimizer still works in a TF1 graph
    assert fixes(code.replace("placeholder", "zeros"), "EA104") not in ([], [None])


def test_ea104_offers_no_fix_in_a_file_that_drives_tf1_optimizers() -> None:
    code = """
        import tensorflow as tf
        def get_optimizer():
            return tf.compat.v1.train.AdamOptimizer(0.1)
        class Wrapper:
            def compute_gradients(self, loss):
                return self._opt.compute_gradients(loss)
        """
    assert fixes(code, "EA104") == []
    code = """
        import tensorflow as tf
        optimizer = tf.train.AdamOptimizer(0.1)
        train_op = OPTIMIZERS[name].minimize(loss, global_step=step)
        """
    (rename,) = fixes(code, "EA104")  # only the TF 1.x spelling breaks
    assert rename is not None and [edit.text for edit in rename.edits] == ["tf.compat.v1.train.AdamOptimizer"]


def test_ea104_offers_no_keras_fix_for_an_optimizer_a_tf1_api_receives() -> None:
    """Only the safe respelling of a TF 1.x name, which keeps the TF1 optimizer."""
    code = """
        import tensorflow as tf
        def model_fn(loss, use_tpu):
            optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
            if use_tpu:
                optimizer = tf.compat.v1.tpu.CrossShardOptimizer(optimizer)
            return optimizer
        classifier = tf.compat.v1.estimator.DNNClassifier([10], cols, optimizer=tf.train.AdamOptimizer())
        """
    (found,) = fixes(code, "EA104")  # the tf.compat.v1 ones work as the file uses them
    assert found is not None and found.safety is FixSafety.SAFE
    assert [edit.text for edit in found.edits] == ["tf.compat.v1.train.AdamOptimizer"]


def test_ea205_offers_no_fix_where_every_iteration_would_share_a_stream() -> None:
    code = """
        import numpy as np
        workers = [np.random.default_rng() for _ in range(4)]
        for worker in range(4):
            rng = np.random.RandomState()
        def make():
            return np.random.default_rng()
        """
    found = fixes(code, "EA205")
    assert found[:2] == [None, None] and found[2] is not None


def test_ea205_offers_no_fix_for_a_numpy_seed_numpy_refuses() -> None:
    code = """
        import numpy as np
        import random
        rng = np.random.default_rng()
        py = random.Random()
        """
    found = fixes(code, "EA205")
    assert all(f is not None for f in found)
    negative = [f.fix for f in audit_text(code, settings=Settings(select=("EA205",), seed=-1))]
    assert negative[0] is None and negative[1] is not None


def test_ea104_keeps_a_tf1_optimizer_handed_to_the_programs_own_code(tmp_path: Path) -> None:
    """research/autoencoder's shape: the runner builds the optimizer, a model class in another
    module calls its minimize. The Keras fix would break it; the safe respelling does not."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "__init__.py").write_text("")
    (tmp_path / "models" / "net.py").write_text(textwrap.dedent("""
        import tensorflow as tf
        class Net:
            def __init__(self, optimizer):
                self.train_op = optimizer.minimize(self.cost)
        """))
    runner = tmp_path / "runner.py"
    runner.write_text(textwrap.dedent("""
        import tensorflow as tf
        from models.net import Net
        net = Net(optimizer=tf.train.AdamOptimizer(learning_rate=0.001))
        """))
    (finding,) = audit_source(str(runner), runner.read_bytes(), Settings(root=tmp_path, select=("EA104",)))
    assert finding.fix is not None and finding.fix.safety is FixSafety.SAFE
    assert [edit.text for edit in finding.fix.edits] == ["tf.compat.v1.train.AdamOptimizer"]


def test_statements_after_a_statement_another_fix_replaced_follow_its_replacement(tmp_path: Path) -> None:
    """Seen in gradient-checkpointing: EA106 replaces TF1's MNIST reader import and EA109 puts the
    graph-mode switch after the last TensorFlow import, the same statement (this crashed)."""
    from estimator_audit.pipeline import FixMode, fix_source

    (tmp_path / "helpers.py").write_text("import tensorflow as tf\n")
    program = ("import tensorflow as tf\nfrom tensorflow.examples.tutorials.mnist import input_data\n"
               "import helpers\nmnist = input_data.read_data_sets('data')\nx = tf.placeholder(tf.float32)\n"
               "with tf.Session() as sess:\n    print(sess.run(x, {x: 1.0}))\n")
    fixed = fix_source(str(tmp_path / "train.py"), program.encode(), Settings(root=tmp_path),
                       FixMode(unsafe=True)).data.decode()
    assert "import mnist_input_data as input_data\ntf.compat.v1.disable_v2_behavior()\n" in fixed, fixed


def test_two_fixes_removing_one_statement_apply_the_first_only() -> None:
    """Two premade rewrites both removing a shared `est = add_metrics(est, fn)` line crashed the
    fix stage; a fix whose statement another fix removes is left unapplied (its finding stays)."""
    source = "a = 1\nb = 2\nc = 3\n"
    line = (2, 1, 2, 6)
    first = finding_with(Edit(EditAction.REMOVE_STATEMENT, line))
    second = finding_with(Edit(EditAction.REMOVE_STATEMENT, line), Edit(EditAction.REMOVE_STATEMENT, (3, 1, 3, 6)))
    result = apply_fixes_once(source.encode(), [first, second])
    assert result.applied == (first,) and result.data.decode() == "a = 1\nc = 3\n"
    replace = finding_with(Edit(EditAction.REPLACE_STATEMENT, line, text="b = 4"))
    result = apply_fixes_once(source.encode(), [replace, first])
    assert result.applied == (replace,) and result.data.decode() == "a = 1\nb = 4\nc = 3\n"
