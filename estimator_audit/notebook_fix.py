"""Fix stage for notebooks: each code cell is fixed on its own, outputs and metadata untouched.

A cell is fixed as its magic-free text (IPython lines stood in for by marked `pass` lines), then
its IPython lines are put back. Statements a fix inserts after the imports go to the first
cell that imports something. A `%%writefile x.py` cell is fixed as the module it writes, by the
file fixer, and keeps its magic line. The notebook is written back with the JSON layout it had; one
whose layout cannot be reproduced (hand-edited, written by another tool) is written in
nbformat's standard layout, as Jupyter itself would on its next save, and the run says so.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from estimator_audit.findings import Edit, EditAction, Finding
from estimator_audit.fix import FixFailure, apply_fixes
from estimator_audit.source import Cell, read_source, restore_magics
from estimator_audit.text_edits import ROOT_NAME, bound_names

if TYPE_CHECKING:
    from estimator_audit.pipeline import Fixed

TOP_LEVEL_IMPORT = re.compile(r"^(?:import|from)\s", re.MULTILINE)


# Colab writes <, > and & as \u003c, \u003e and \u0026 (they only ever occur inside strings).
HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
Layout = tuple[int | None, bool, bool, bool, bool]
BOM = b"\xef\xbb\xbf"


def layout(text: str) -> Layout:
    """(indent, ensure_ascii, HTML-escaped, final newline, sorted keys) with which json.dumps
    reproduces it (keys in their own order)."""
    second = text.split("\n", 2)[1] if text.count("\n") >= 2 else ""
    indent = len(second) - len(second.lstrip(" ")) if second.strip() else None
    html = any(escape in text for escape in HTML_ESCAPES.values())
    return indent, text.isascii(), html, text.endswith("\n"), False


# nbformat's writer (what Jupyter saves): one-space indent, sorted keys, UTF-8, a final newline.
STANDARD: Layout = (1, False, False, True, True)
STANDARD_NOTE = ("written in nbformat's standard JSON layout (as Jupyter saves notebooks): its own "
                 "could not be kept")


def dump(notebook: Any, style: Layout) -> str:
    indent, ascii_only, html, newline, sort_keys = style
    text = json.dumps(notebook, indent=indent, ensure_ascii=ascii_only, sort_keys=sort_keys)
    if html:
        for char, escape in HTML_ESCAPES.items():
            text = text.replace(char, escape)
    return text + ("\n" if newline else "")


def rebased(finding: Finding, cell: Cell, edits: tuple[Edit, ...], imports: tuple[str, ...]) -> Finding:
    """The finding with only these edits, their spans counted from the top of its cell, and
    these of its imports."""
    assert finding.fix is not None
    shift = cell.first_line - 1
    moved = tuple(
        replace(e, span=(e.span[0] - shift, e.span[1], e.span[2] - shift, e.span[3])) if e.span else e
        for e in edits
    )
    return replace(finding, fix=replace(finding.fix, edits=moved, imports=imports))


def cell_of(cells: tuple[Cell, ...], line: int) -> Cell:
    """The cell that holds a line of the joined text."""
    return max((c for c in cells if c.first_line <= line), key=lambda c: c.first_line)


def binding_cells(cells: tuple[Cell, ...]) -> dict[str, Cell]:
    """The first cell whose top-level imports bind each name (`tf`: `import tensorflow as tf`)."""
    found: dict[str, Cell] = {}
    for cell in cells:
        try:
            body = ast.parse(cell.code).body
        except (SyntaxError, ValueError):
            continue
        for statement in body:
            for name in bound_names(statement):
                found.setdefault(name, cell)
    return found


def split_by_cell(finding: Finding, cells: tuple[Cell, ...], import_cell: Cell | None,
                  binders: dict[str, Cell]) -> dict[int, Finding]:
    """A fix's edits grouped by the cell they change (a Keras rewrite touches the cell that
    builds the estimator and those that train it); the imports the fix needs go to the first
    cell that imports something (once, not into every cell the fix touches), else to the cell
    of the finding; a statement inserted after the imports goes to the first cell that binds
    the name it starts from (`tf.random.set_seed(42)` after `import tensorflow as tf`, which
    may be a later cell than the first import), else with the fix's imports."""
    assert finding.fix is not None and finding.cell is not None
    home = next(c for c in cells if c.number == finding.cell)
    imports_cell = import_cell or home
    groups: dict[int, tuple[Cell, list[Edit]]] = {}
    for edit in finding.fix.edits:
        if edit.span is not None:
            cell = cell_of(cells, edit.span[0])
        elif edit.action is EditAction.INSERT_AFTER_IMPORTS:
            root = ROOT_NAME.match(edit.text)
            cell = binders.get(root.group(1), imports_cell) if root is not None else imports_cell
        else:
            cell = home
        groups.setdefault(cell.number, (cell, []))[1].append(edit)
    if finding.fix.imports:
        groups.setdefault(imports_cell.number, (imports_cell, []))
    return {number: rebased(finding, cell, tuple(edits), finding.fix.imports if number == imports_cell.number
                            else ())
            for number, (cell, edits) in groups.items()}


def fixed_cells(notebook: Any, cells: tuple[Cell, ...], todo: list[Finding]
                ) -> tuple[dict[int, str], set[int]]:
    """Each changed cell's new source, and the findings (by index in todo) some cell could not
    apply: a fix spread over cells is applied whole or not at all."""
    by_number = {cell.number: cell for cell in cells}
    import_cell = next((c for c in cells if TOP_LEVEL_IMPORT.search(c.code)), None)
    binders = binding_cells(cells)
    per_cell: dict[int, list[tuple[int, Finding]]] = {}
    for index, finding in enumerate(todo):
        for number, part in split_by_cell(finding, cells, import_cell, binders).items():
            per_cell.setdefault(number, []).append((index, part))
    sources: dict[int, str] = {}
    failed: set[int] = set()
    for number, parts in per_cell.items():
        raw = notebook["cells"][number - 1]
        source = raw["source"]
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):  # the audit read only its text parts: writing would lose the rest
            raise FixFailure(f"notebook cell {number} has a source that is not all text; not fixed")
        result = apply_fixes(by_number[number].code.encode("utf-8"), [part for _, part in parts])
        applied = {id(f) for f in result.applied}
        failed.update(index for index, part in parts if id(part) not in applied)
        body = source.rstrip("\n")
        sources[number] = restore_magics(body, result.data.decode("utf-8").rstrip("\n")) + source[len(body):]
    return sources, failed


def fix_cells(notebook: Any, cells: tuple[Cell, ...], todo: list[Finding]) -> list[Finding]:
    """Apply one round of fixes to the notebook's cells in place; returns those applied."""
    sources, failed = fixed_cells(notebook, cells, todo)
    if failed:  # again without the fixes that would be applied only in part
        todo = [f for index, f in enumerate(todo) if index not in failed]
        sources, _ = fixed_cells(notebook, cells, todo)
    for number, fixed in sources.items():
        raw = notebook["cells"][number - 1]
        raw["source"] = fixed if isinstance(raw["source"], str) else fixed.splitlines(keepends=True)
    return todo


def fix_written_modules(notebook: Any, cells: tuple[Cell, ...], todo: list[Finding],
                        fix_module: Callable[[Cell], Fixed]) -> list[Finding]:
    """Fix the modules that `%%writefile` cells with fixable findings write; returns the fixes
    applied, placed in their cells."""
    applied: list[Finding] = []
    for cell in cells:
        if cell.writes is None or not any(f.cell == cell.number for f in todo):
            continue
        raw = notebook["cells"][cell.number - 1]
        source = raw["source"] if isinstance(raw["source"], str) else "".join(raw["source"])
        result = fix_module(cell)
        fixed = source[: len(source) - len(cell.writes.text)] + result.data.decode("utf-8")
        raw["source"] = fixed if isinstance(raw["source"], str) else fixed.splitlines(keepends=True)
        shift = cell.writes.first_line - 1
        applied += [replace(f, cell=cell.number, line=f.line + shift, end_line=f.end_line + shift)
                    for f in result.applied]
    return applied


def fix_notebook(path: str, data: bytes, audit: Callable[[bytes], list[Finding]],
                 select: Callable[[list[Finding]], list[Finding]], rounds: int,
                 fix_module: Callable[[Cell], Fixed]) -> Fixed:
    """Fix a notebook until no fix applies; `fix_module` fixes the module a cell writes."""
    from estimator_audit.pipeline import Fixed

    bom = BOM if data.startswith(BOM) else b""  # kept: json.dumps would drop it
    style: Layout | None = None
    note: str | None = None
    current: bytes = data
    done: list[Finding] = []
    for _ in range(rounds):
        findings = audit(current)
        todo = select(findings)
        if not todo:
            return Fixed(current, findings, done, note if done else None)
        if style is None:  # only now: a notebook with nothing to fix is not worth a message
            text = data.decode("utf-8-sig")
            style = layout(text)
            if dump(json.loads(text), style) != text:
                style, note = STANDARD, STANDARD_NOTE
        notebook = json.loads(current.decode("utf-8-sig"))
        cells = read_source(path, current).cells or ()
        written = {cell.number for cell in cells if cell.writes is not None}
        applied = fix_cells(notebook, cells, [f for f in todo if f.cell not in written])
        applied += fix_written_modules(notebook, cells, [f for f in todo if f.cell in written], fix_module)
        new = bom + dump(notebook, style).encode("utf-8")
        if not applied or new == current:
            return Fixed(current, findings, done, note if done else None)
        current = new
        done += applied
    return Fixed(current, audit(current), done, note)
