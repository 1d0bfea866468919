"""Report stage: findings to text (full or concise), JSON, SARIF 2.1.0 or GitHub workflow annotations."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from estimator_audit.findings import Finding
from estimator_audit.report import github, json_lines, sarif, text
from estimator_audit.report.context import ReportContext

Renderer = Callable[[Sequence[Finding], ReportContext], str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "concise": text.render_concise,
    "json": json_lines.render,
    "sarif": sarif.render,
    "github": github.render,
}
