"""A JSON array, one object per finding and line, with everything a machine needs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from estimator_audit.findings import Finding
from estimator_audit.report.context import ReportContext


def as_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "path": finding.path,
        "cell": finding.cell,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "fix": None
        if finding.fix is None
        else {"available": True, "safety": finding.fix.safety.value,
              "description": finding.fix.description},
    }


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    """One finding per line: as easy to read and grep as indented JSON, and written by json's
    C encoder (`indent` falls back to the pure-Python one, 0.75 s for 10,000 findings)."""
    if not findings:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(as_dict(f)) for f in findings) + "\n]\n"
