"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

from __future__ import annotations

from collections.abc import Sequence

from estimator_audit.findings import Finding, Severity
from estimator_audit.report.context import ReportContext

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    lines = []
    for f in findings:
        where = f"cell {f.cell}, line {f.line}: " if f.cell is not None else ""
        span = context.file_lines(f)
        position = [f"line={span[0]}", f"endLine={span[1]}"] if span else []
        if f.cell is None:  # a notebook's columns are inside JSON strings: the line is the place
            position = [position[0], f"col={f.column}", position[1], f"endColumn={f.end_column}"]
        properties = ",".join(
            [f"file={escape_property(f.path)}", *position, f"title={escape_property(f'{f.code} {f.name}')}"]
        )
        message = escape_data(f"{where}{f.code} {f.message}")
        lines.append(f"::{LEVELS[f.severity]} {properties}::{message}")
    return "\n".join(lines) + ("\n" if lines else "")
