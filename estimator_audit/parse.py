"""Parse stage: Python text to a syntax tree, or a calm EA000 finding.

The audit reads trees from CPython's own parser (`ast`): it gives exact positions and costs a
fifth of a libcst parse, so a whole legacy repository is audited faster than tf_upgrade_v2
reads it. libcst trees are built by the fix stage, only for files it rewrites.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from estimator_audit.source import Source

PYTHON2_HINTS = re.compile(
    r"Missing parentheses in call to 'print'|Missing parentheses in call to 'exec'"
    r"|multiple exception types must be parenthesized|invalid hexadecimal literal"
    r"|leading zeros in decimal integer literals|Function parameters cannot be parenthesized"
)


@dataclass(frozen=True)
class SyntaxProblem:
    """Where the parser gave up (line in the Source's numbering, 1-based column) and why."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class Parsed:
    """A tree of every part that parsed, and the parts that did not."""

    tree: ast.Module | None
    problems: tuple[SyntaxProblem, ...]


def describe(error: BaseException) -> SyntaxProblem:
    """A one-line reason, with the hint that legacy TensorFlow code is often Python 2."""
    if isinstance(error, SyntaxError):
        message = error.msg
        if PYTHON2_HINTS.search(message):
            message += " (Python 2 syntax: estimator-audit checks Python 3 code)"
        return SyntaxProblem(error.lineno or 1, max(error.offset or 1, 1), message)
    if isinstance(error, (RecursionError, MemoryError)):
        return SyntaxProblem(1, 1, "expression nesting is too deep to parse")
    return SyntaxProblem(1, 1, str(error))


def parse_text(text: str, whole_file: bool = True) -> ast.Module | SyntaxProblem:
    """The tree of `text`, or where and why the interpreter would refuse it.

    The parser is given no real file name: CPython reads the line of a SyntaxError back from
    the file named, and would measure a notebook cell's column on the notebook's JSON text. A
    notebook cell is no whole file: IPython compiles its statements one by one, so a late
    `from __future__` import there runs (checked with IPython 8.12)."""
    if "\0" in text:  # CPython refuses these, and names no line for them
        before = text[: text.index("\0")]
        line = before.count("\n") + 1
        return SyntaxProblem(line, len(before) - before.rfind("\n"), "source contains a null byte")
    try:
        tree = ast.parse(text, filename="<source>")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return describe(error)
    return (misplaced_future_import(tree, text) if whole_file else None) or tree


def misplaced_future_import(tree: ast.Module, text: str) -> SyntaxProblem | None:
    """`from __future__ import ...` after other top-level code: `ast.parse` accepts it but the
    compiler (and so Python and Jupyter) refuses the whole file or cell."""
    if "__future__" not in text:
        return None
    body = tree.body
    if ast.get_docstring(tree, clean=False) is not None:
        body = body[1:]
    future = [isinstance(s, ast.ImportFrom) and s.module == "__future__" for s in body]
    late = next((s for s, is_future, before in zip(body, future, [True, *future], strict=False)
                 if is_future and not before), None)
    if late is None:
        return None
    return SyntaxProblem(late.lineno, late.col_offset + 1,
                         "from __future__ imports must occur at the beginning of the file")


def parse_source(source: Source) -> Parsed:
    """Parse a file, or each notebook cell on its own so one bad cell spares the others."""
    if source.cells is None:
        result = parse_text(source.text)
        if isinstance(result, SyntaxProblem):
            return Parsed(None, (result,))
        return Parsed(result, ())
    body: list[ast.stmt] = []
    problems = []
    for cell in source.cells:
        result = parse_text(cell.code, whole_file=False)
        if isinstance(result, SyntaxProblem):
            problems.append(
                SyntaxProblem(result.line + cell.first_line - 1, result.column, result.message)
            )
            result = ast.Module(body=salvaged_imports(cell.code), type_ignores=[])
        ast.increment_lineno(result, cell.first_line - 1)
        body.extend(result.body)
    return Parsed(ast.Module(body=body, type_ignores=[]), tuple(problems))


TOP_LEVEL_IMPORT = re.compile(r"^(?:import|from)\s")


def salvaged_imports(code: str) -> list[ast.stmt]:
    """The one-line top-level imports of a cell that does not parse (a Python 2 print beside
    `import tensorflow as tf`): the other cells still know what `tf` is."""
    found: list[ast.stmt] = []
    for number, line in enumerate(code.split("\n"), start=1):
        if not TOP_LEVEL_IMPORT.match(line):
            continue
        try:
            statement = ast.parse(line).body
        except (SyntaxError, ValueError):
            continue
        ast.increment_lineno(ast.Module(body=statement, type_ignores=[]), number - 1)
        found.extend(statement)
    return found
