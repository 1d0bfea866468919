"""--fix invariants on every bundled legacy program, also with CRLF, tabs and comment noise.

For every input: the result parses, a second run changes nothing, and every original line the
result no longer has lies inside the span of a fix that was applied.
"""

from __future__ import annotations

import ast
import difflib
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from estimator_audit import line_diff
from estimator_audit.catalogue import all_rules
from estimator_audit.config import Settings
from estimator_audit.findings import Finding
from estimator_audit.fix import FixFailure, apply_fixes, apply_fixes_once
from estimator_audit.pipeline import MAX_FIX_ROUNDS, FixMode, audit, audit_source, fix_source, round_of_fixes
from estimator_audit.rule import example_text
from estimator_audit.text_edits import edits_in_text
from tests.conftest import FIXTURES

PROGRAMS = sorted(p for p in FIXTURES.rglob("*.py") if "python2" not in p.name)
SOURCES = [p.read_text(encoding="utf-8") for p in PROGRAMS]


def fix_spans(findings: list[Finding]) -> set[int]:
    """The lines (1-based) the fixes of these findings may change."""
    lines: set[int] = set()
    for finding in findings:
        assert finding.fix is not None
        for edit in finding.fix.edits:
            if edit.span is not None:
                lines.update(range(edit.span[0], edit.span[2] + 1))
    return lines


def assert_changed_only_inside(old_data: bytes, new_data: bytes, allowed: set[int]) -> None:
    old, new = old_data.splitlines(keepends=True), new_data.splitlines(keepends=True)
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            changed = set(range(i1 + 1, i2 + 1))
            assert changed & allowed, f"lines {sorted(changed)} changed outside any fix"


def check_invariants(data: bytes) -> bool:
    """Asserts the invariants; True when the fix changed the program. Each round of fixes
    (a fix can expose another, e.g. dropping an invalid argument lets the estimator rewrite
    read the optimizer) may change only lines inside the spans of that round's fixes."""
    mode = FixMode(unsafe=True)
    try:
        after = fix_source("x.py", data, Settings(), mode).data
    except FixFailure:
        return False  # refused: --fix writes nothing for such a file (tests/test_fix.py)
    ast.parse(after)
    again = fix_source("x.py", after, Settings(), mode)
    assert again.data == after and not again.applied
    current = data
    while current != after:
        todo = round_of_fixes(audit_source("x.py", current, Settings()), mode)
        result = apply_fixes(current, todo)
        assert result.data != current
        assert_changed_only_inside(current, result.data, fix_spans(list(result.applied)))
        current = result.data
    return after != data


def test_fixing_every_fixture_keeps_the_invariants() -> None:
    changed = [check_invariants(source.encode()) for source in SOURCES]
    assert sum(changed) >= 10  # most of the legacy programs have something to fix


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, len(SOURCES) - 1),
    crlf=st.booleans(),
    noise=st.lists(st.sampled_from(["# note", "", "    # indented note"]), max_size=3),
    at=st.integers(0, 40),
)
# (comments with a blank line between them after a model_fn the rewrite replaces: the blank went)
@example(index=PROGRAMS.index(FIXTURES / "estimator_to_keras" / "decayed_learning_rate" / "train.py"),
         crlf=False, noise=["# note", "", "    # indented note"], at=20)
# (an indented comment after the blank lines that end a model_fn the rewrite replaces: the blanks went)
@example(index=PROGRAMS.index(FIXTURES / "estimator_to_keras" / "mnist_mlp" / "mnist_mlp.py"),
         crlf=False, noise=["    # indented note"], at=31)
def test_mutated_fixtures_keep_the_invariants(index: int, crlf: bool, noise: list[str], at: int) -> None:
    lines = SOURCES[index].split("\n")
    position = min(at, len(lines))
    # Noise goes only between top-level statements, where it cannot break the program.
    while position < len(lines) and lines[position][:1] in (" ", ")", "]", "}"):
        position += 1
    text = "\n".join(lines[:position] + noise + lines[position:])
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode()
    try:
        ast.parse(data)
    except SyntaxError:
        return
    check_invariants(data)


def test_programs_are_the_bundled_ones() -> None:
    assert len(PROGRAMS) >= 15 and all(isinstance(p, Path) for p in PROGRAMS)


def test_the_text_path_writes_what_the_tree_path_writes() -> None:
    """Rounds of renames and statements after the imports are applied as text edits
    (estimator_audit/text_edits.py): every round of every bundled program and rule example that
    takes the text path gives the bytes the libcst path gives, with or without the audit's tree,
    and the tree it hands to the next round is the tree of those bytes."""
    mode = FixMode(unsafe=True)
    compared = 0
    examples = [example_text(e.code) for rule in all_rules().values() for e in rule.invalid]
    for source in [*SOURCES, *examples]:
        current = source.encode()
        for _ in range(MAX_FIX_ROUNDS):
            found = audit("x.py", current, Settings())
            todo = round_of_fixes(found.findings, mode)
            if not todo:
                break
            in_text = edits_in_text(current, todo, found.tree)
            try:
                tree = apply_fixes_once(current, todo)
            except FixFailure:
                break
            if in_text is not None:
                compared += 1
                assert in_text[:2] == (tree.data, tree.applied), source
                assert edits_in_text(current, todo)[:2] == in_text[:2]  # type: ignore[index]
                assert ast.dump(in_text[2]) == ast.dump(ast.parse(tree.data))
            current = tree.data
    assert compared >= 20, compared


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a\n", "b\n", "\n", "c = 1\n", "def f():\n", "    return 2\n"]),
                min_size=0, max_size=60),
       st.lists(st.tuples(st.integers(0, 59), st.sampled_from(["replace", "insert", "delete"]),
                          st.sampled_from(["x\n", "\n", "a\n", "y = 3\n"])), max_size=8))
def test_the_fast_line_diff_is_a_diff_of_the_two_versions(old: list[str], edits: list[tuple[int, str, str]]
                                                           ) -> None:
    """line_diff's own alignment (used for long files) gives a unified diff that turns the old
    lines into the new ones, grouped into hunks as difflib groups them."""
    new = list(old)
    for at, kind, line in edits:
        at = min(at, len(new))
        if kind == "insert":
            new.insert(at, line)
        elif new and at < len(new):
            new[at:at + 1] = [] if kind == "delete" else [line]
    opcodes = list(line_diff.aligned_opcodes(old, new))
    rebuilt = [line for tag, i1, i2, j1, j2 in opcodes
               for line in (old[i1:i2] if tag == "equal" else new[j1:j2])]
    assert rebuilt == new
    assert all(old[i1:i2] == new[j1:j2] for tag, i1, i2, j1, j2 in opcodes if tag == "equal")
    covered = [(i1, i2, j1, j2) for _, i1, i2, j1, j2 in opcodes]
    assert [c[0] for c in covered[1:]] == [c[1] for c in covered[:-1]]
    assert [c[2] for c in covered[1:]] == [c[3] for c in covered[:-1]]


def test_a_long_file_with_many_renames_diffs_like_difflib() -> None:
    """The 50,000-line case in small: every third line renamed, the local alignment finds the
    hunks difflib finds."""
    old = [f"x{n} = tf.logging.info({n})\n" if n % 3 == 0 else ("\n" if n % 3 == 1 else f"y{n} = {n}\n")
           for n in range(3 * line_diff.DIFFLIB_LINES)]
    new = [line.replace("tf.logging", "tf.compat.v1.logging") for line in old]
    assert list(line_diff.unified_diff(old, new, "a", "b")) == list(difflib.unified_diff(old, new, "a", "b"))


def test_a_comment_closing_a_rewritten_function_is_kept() -> None:
    """Found by the mutation test above: a comment after the last statement of a model_fn the
    custom-Estimator rewrite replaces (libcst keeps it in the function's block) was dropped."""
    program = FIXTURES / "estimator_to_keras" / "mnist_mlp" / "mnist_mlp.py"
    text = program.read_text(encoding="utf-8").replace(
        "    return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=eval_metric_ops)\n",
        "    return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=eval_metric_ops)\n\n"
        "    # indented note\n")
    assert "# indented note" in text
    assert check_invariants(text.encode())
    fixed = fix_source("x.py", text.encode(), Settings(), FixMode(unsafe=True)).data.decode()
    assert "    # indented note" in fixed
