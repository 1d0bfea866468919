"""Fuzzing the audit and --fix with hypothesis: the properties every input must keep.

Why: the rules and the fixes were written against the examples their authors thought of. Here
the inputs are random valid Python (hypothesmith, from CPython's grammar), the bundled legacy
programs and rule examples mutated line by line (inserted legacy calls, deleted and duplicated
lines, other import aliases), legacy modules whose estimators get random keyword arguments from
the generated estimator table, and notebooks broken in the ways real ones are. For every input:

- `audit_source` returns findings, never raises;
- `fix_source` either refuses (FixFailure) or returns a program that parses, that a second
  `fix_source` leaves alone, and that differs from its input only inside the spans of the fixes
  applied, round by round (tests/test_fix_properties.py's helpers), or on the `from ... import`
  lines of names those fixes left unused (removed on purpose, see README "Fixing");
- a notebook's fix keeps its JSON readable, is idempotent and breaks no cell that parsed.
"""

from __future__ import annotations

import ast
import json
import os
import random
import warnings

import hypothesmith
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from estimator_audit.config import Settings
from estimator_audit.findings import Finding, FixFailure
from estimator_audit.fix import apply_fixes
from estimator_audit.notebook_fix import fix_notebook
from estimator_audit.pipeline import (
    MAX_FIX_ROUNDS,
    Fixed,
    FixMode,
    audit_source,
    fix_source,
    fix_written,
    round_of_fixes,
)
from estimator_audit.source import ReadFailure, read_source
from tests.corpus import (
    ALIASES,
    ARGUMENT_VALUES,
    LEGACY_LINES,
    NOTEBOOK_DAMAGE,
    broken_notebook,
    estimator_table,
    seed_programs,
)
from tests.test_fix_properties import assert_changed_only_inside, fix_spans

MODE = FixMode(unsafe=True)
PROGRAMS = [p.text for p in seed_programs() if not p.notebook]
# Moderate by default (the suite's time budget); EA_FUZZ_EXAMPLES=2000 for a deeper local run.
EXAMPLES = int(os.environ.get("EA_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])
# Generated programs are full of `1()` and `"\d"`; CPython warns about them while compiling.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")


def parses(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def orphaned_import_lines(old: bytes, new: bytes) -> set[int]:
    """Lines of the `from ... import` statements in `old` that bind a name `old` uses and `new`
    no longer does: the fix stage removes such names, outside any fix's span, by design."""
    before, after = ast.parse(old), ast.parse(new)
    used_before = {n.id for n in ast.walk(before) if isinstance(n, ast.Name)}
    used_after = {n.id for n in ast.walk(after) if isinstance(n, ast.Name)}
    lines: set[int] = set()
    for node in ast.walk(before):
        if isinstance(node, ast.ImportFrom):
            bound = {alias.asname or alias.name for alias in node.names}
            if bound & used_before - used_after:
                lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def check_fix(data: bytes) -> bool:
    """Assert the fix invariants for one program (which must parse); True when it changed.

    The round-by-round replay is tests/test_fix_properties.check_invariants', with the removal
    of orphaned imports allowed: that check would report it (its fixtures never trigger it)."""
    try:
        after = fix_source("x.py", data, Settings(), MODE).data
    except FixFailure:
        return False  # refused: --fix writes nothing for such a file
    assert parses(after), "the fixed program does not parse"
    again_fixed = fix_source("x.py", after, Settings(), MODE)
    again, fixed_again = again_fixed.data, len(again_fixed.applied)
    assert again == after and fixed_again == 0, "a second fix changed the program"
    current, rounds = data, 0
    while current != after:
        todo = round_of_fixes(audit_source("x.py", current, Settings()), MODE)
        result = apply_fixes(current, todo)
        assert result.data != current
        allowed = fix_spans(list(result.applied)) | orphaned_import_lines(current, result.data)
        assert_changed_only_inside(current, result.data, allowed)
        current, rounds = result.data, rounds + 1
        assert rounds <= MAX_FIX_ROUNDS
    return after != data


def check_any(data: bytes) -> None:
    """The audit never raises; a program that parses keeps the fix invariants."""
    findings = audit_source("x.py", data, Settings())
    assert all(f.path == "x.py" and f.line >= 1 and f.column >= 1 for f in findings)
    if not parses(data):
        event("does not parse")
        return
    event("fixed" if check_fix(data) else "parses, nothing fixed")  # --hypothesis-show-statistics


@st.composite
def estimator_calls(draw: st.DrawFn, alias: str = "tf") -> str:
    """`est = tf.estimator.X(k=v, ...)`: a real estimator spelling with some of its real
    parameters (tensorflow-estimator 2.15's, from the generated table) set to arbitrary values."""
    table = estimator_table()
    name = draw(st.sampled_from(sorted(table)))
    parameters = table[name]
    chosen = draw(st.lists(st.sampled_from(parameters), unique=True, max_size=5)) if parameters else []
    arguments = [f"{p}={draw(st.sampled_from(ARGUMENT_VALUES)).lstrip('*')}" for p in chosen]
    if draw(st.booleans()):
        arguments.insert(0, draw(st.sampled_from(ARGUMENT_VALUES)))
    target = draw(st.sampled_from(["est", "classifier", "model", "self.est"]))
    return f"{target} = {alias}{name[len('tensorflow'):]}({', '.join(arguments)})"


@st.composite
def estimator_programs(draw: st.DrawFn) -> str:
    """A legacy training module: imports, feature columns, estimators, train/evaluate/predict."""
    alias = draw(st.sampled_from(["tf", "tf1", "tensorflow"]))
    imports = "import tensorflow\n" if alias == "tensorflow" else f"import tensorflow as {alias}\n"
    if draw(st.booleans()):
        imports = imports.replace("tensorflow\n", "tensorflow.compat.v1\n").replace(
            "tensorflow as", "tensorflow.compat.v1 as")
    lines = [imports + "import numpy as np",
             f"cols = [{alias}.feature_column.numeric_column('x')]",
             "feature_columns = cols",
             "def input_fn():\n    return features, labels"]
    for _ in range(draw(st.integers(1, 3))):
        call = draw(estimator_calls(alias))
        lines.append(call)
        target = call.split(" = ")[0]
        for method in draw(st.lists(st.sampled_from(["train", "evaluate", "predict"]), max_size=3)):
            steps = draw(st.sampled_from(["", ", steps=10", ", max_steps=5", ", hooks=[h]"]))
            lines.append(f"{target}.{method}(input_fn=input_fn{steps})")
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(LEGACY_LINES)).replace("tf.", f"{alias}."))
    return "\n".join(lines) + "\n"


@st.composite
def mutated_programs(draw: st.DrawFn) -> str:
    """A bundled program or rule example with lines inserted, deleted or duplicated and its
    import aliases swapped. Inserted lines take the indentation of the line they go before, so
    that most mutants still parse and reach the fix stage."""
    lines = draw(st.sampled_from(PROGRAMS)).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["insert", "estimator", "delete", "duplicate", "alias"]))
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        line = lines[at] if lines else ""
        indent = line[: len(line) - len(line.lstrip())]
        if action == "insert":
            lines.insert(at, indent + draw(st.sampled_from(LEGACY_LINES)))
        elif action == "estimator":
            lines.insert(at, indent + draw(estimator_calls()))
        elif action == "delete" and lines:
            del lines[at]
        elif action == "duplicate" and lines:
            lines.insert(at, line)
        elif action == "alias":
            name = draw(st.sampled_from(sorted(ALIASES)))
            alias = draw(st.sampled_from(ALIASES[name]))
            lines = [part.replace(f"{name}.", f"{alias}.").replace(f" as {name}", f" as {alias}")
                     for part in lines]
    return "\n".join(lines)


@FUZZ
@given(program=hypothesmith.from_grammar(), header=st.sampled_from([
    "", "import tensorflow as tf\nest = tf.estimator.DNNClassifier([3], cols)\n",
    "import keras\nlayer = keras.layers.Dense(3, seed=1)\n",
    "import numpy as np\nimport tensorflow.compat.v1 as tf\nsess = tf.Session()\nopt = tf.train.AdamOptimizer(0.1)\n",
]))
def test_random_valid_programs(program: str, header: str) -> None:
    """Whatever CPython's grammar allows, after a legacy header that gives the rules work."""
    check_any((header + program).encode("utf-8", "surrogatepass"))


@FUZZ
@given(program=mutated_programs())
def test_mutated_legacy_programs(program: str) -> None:
    check_any(program.encode("utf-8"))


@FUZZ
@given(program=estimator_programs())
def test_estimators_with_random_arguments(program: str) -> None:
    """The Keras rewrite (EA101) and the RunConfig seed (EA203) read the estimator's keyword
    arguments: every parameter the real constructors have, with values of every shape."""
    data = program.encode("utf-8")
    assert parses(data), program
    check_any(data)


@pytest.mark.parametrize("argument", ["n_classes=None", "label_dimension=None"])
def test_head_argument_none_is_not_a_crash(argument: str) -> None:
    """Found by test_estimators_with_random_arguments: `n_classes=None` (a classifier) or
    `label_dimension=None` (a regressor) made the audit raise, so the CLI exits 2."""
    estimator = "DNNClassifier" if argument.startswith("n_classes") else "DNNRegressor"
    data = (f"import tensorflow as tf\ncols = [tf.feature_column.numeric_column('x')]\n"
            f"est = tf.estimator.{estimator}([3], cols, {argument})\n").encode()
    (finding,) = [f for f in audit_source("x.py", data, Settings()) if f.code == "EA101"]
    assert "is None: the estimator needs a number" in finding.message and finding.fix is None


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(PROGRAMS) - 1), damage=st.sampled_from(NOTEBOOK_DAMAGE),
       seed=st.integers(0, 2**16))
def test_notebooks_broken_or_not(index: int, damage: str, seed: int) -> None:
    """A notebook of a legacy program, damaged in one way: the audit never raises, and a fix
    (if any applies) keeps the JSON readable, breaks no cell and is idempotent."""
    data = broken_notebook(PROGRAMS[index], random.Random(seed), damage)

    def audit(current: bytes) -> list[Finding]:
        return audit_source("nb.ipynb", current, Settings())

    def fix(current: bytes) -> Fixed:
        return fix_notebook("nb.ipynb", current, audit, lambda found: round_of_fixes(found, MODE), MAX_FIX_ROUNDS,
                            lambda cell: fix_written("nb.ipynb", cell, Settings(), MODE, None))

    audit(data)
    try:
        outcome = fix(data)
    except FixFailure:
        event("refused")
        return
    new = outcome.data
    if new == data:
        event("nothing fixed")
        return
    event("fixed")
    assert outcome.applied
    json.loads(new.decode("utf-8-sig"))
    assert parsing_cells(new) >= parsing_cells(data)
    again = fix(new)
    assert again.data == new and not again.applied


def parsing_cells(data: bytes) -> set[int]:
    """The numbers of the notebook's code cells that parse."""
    try:
        cells = read_source("nb.ipynb", data).cells or ()
    except ReadFailure:
        return set()
    return {cell.number for cell in cells if parses(cell.code.encode("utf-8"))}
