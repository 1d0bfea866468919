"""What a report needs beyond the findings: how many files, the project root, line texts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from estimator_audit.findings import Finding


@dataclass
class ReportContext:
    files: int
    root: Path
    _lines: dict[str, list[str]] = field(default_factory=dict)
    _cell_lines: dict[str, dict[tuple[int, int], int]] = field(default_factory=dict)

    def file_lines(self, finding: Finding) -> tuple[int, int] | None:
        """(first, last) line of the file the finding covers: for a notebook, the lines of its
        JSON that hold the flagged source lines (annotations land there); None for a notebook
        whose layout does not put each source line on a line of its own."""
        if finding.cell is None:
            return finding.line, finding.end_line
        lines = self._cell_lines.get(finding.path)
        if lines is None:
            lines = self._cell_lines[finding.path] = notebook_line_map(finding.path)
        start = lines.get((finding.cell, finding.line))
        end = lines.get((finding.cell, finding.end_line), start)
        return (start, end or start) if start is not None else None

    def line_text(self, finding: Finding) -> str:
        """The flagged line's text, read back only for the findings that need it."""
        if finding.cell is not None:
            return ""
        lines = self._lines.get(finding.path)
        if lines is None:
            try:
                with open(finding.path, encoding="utf-8", errors="replace") as handle:
                    lines = handle.read().splitlines()
            except OSError:
                lines = []
            self._lines[finding.path] = lines
        return lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""


def notebook_line_map(path: str) -> dict[tuple[int, int], int]:
    """(cell number, line in the cell) -> line of the .ipynb file, for notebooks saved the way
    Jupyter saves them (each source line a JSON string on a line of its own). Each cell's
    `"source": [` is found in order and its lines checked against the parsed JSON, so a layout
    that does not match maps nothing rather than something wrong."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        cells = json.loads(text)["cells"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return {}
    lines = text.splitlines()
    found: dict[tuple[int, int], int] = {}
    at = 0
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source") if isinstance(cell, dict) else None
        while at < len(lines) and not lines[at].lstrip().startswith('"source": ['):
            at += 1
        if at >= len(lines) or not isinstance(source, list):
            return found
        for offset, part in enumerate(source, start=1):
            if at + offset >= len(lines) or not lines[at + offset].strip().startswith(json.dumps(part)):
                return found
            found[(number, offset)] = at + offset + 1
        at += 1
    return found
