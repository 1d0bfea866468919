"""SARIF 2.1.0 for GitHub code scanning: every rule described, repository-relative URIs."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from estimator_audit import __version__
from estimator_audit.catalogue import all_rules
from estimator_audit.findings import Finding, Severity
from estimator_audit.report.context import ReportContext
from estimator_audit.rule import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/estimator-audit/"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub's own severity scale for alerts.
PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
SECTION = re.compile(r"^## (?P<title>.+)$", re.MULTILINE)


def first_section(docs: str) -> str:
    """The text under the docs' first heading ("What it does")."""
    parts = SECTION.split(docs)
    return parts[2].strip() if len(parts) > 2 else docs.strip()


def descriptor(rule: type[Rule]) -> dict[str, Any]:
    docs = rule.docs()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": first_section(docs)},
        "help": {"text": docs, "markdown": f"# {rule.title()}\n\n{docs}"},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": ["tensorflow", "reproducibility" if rule.code[2] in "234" else "migration"],
            "precision": "high",
            "problem.severity": PROBLEM_SEVERITY[rule.severity],
        },
    }


def artifact(path: str, root: Path) -> dict[str, str]:
    resolved = Path(path).resolve()
    try:
        relative = resolved.relative_to(root.resolve())
    except ValueError:
        return {"uri": resolved.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": "%SRCROOT%"}


def fingerprint(finding: Finding, context: ReportContext) -> str:
    """Stable across unrelated edits: the rule, the file and the text of the flagged line."""
    text = context.line_text(finding).strip()
    digest = hashlib.sha256(f"{finding.code}\0{finding.path}\0{text}".encode()).hexdigest()
    return digest[:32]


def result(finding: Finding, index: int, context: ReportContext) -> dict[str, Any]:
    prefix = f"cell {finding.cell}, line {finding.line}: " if finding.cell is not None else ""
    span = context.file_lines(finding)
    region: dict[str, int] = {"startLine": span[0], "endLine": span[1]} if span else {"startLine": 1}
    if finding.cell is None:  # a notebook's columns are inside JSON strings: the line is the place
        region.update(startColumn=finding.column, endColumn=finding.end_column)
    entry: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": prefix + finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact(finding.path, context.root),
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {"estimatorAudit/v1": fingerprint(finding, context)},
    }
    if finding.cell is not None:
        entry["properties"] = {"notebookCell": finding.cell}
    if finding.fix is not None:
        entry.setdefault("properties", {})["fix"] = finding.fix.safety.value
    return entry


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    rules = list(all_rules().values())
    index = {rule.code: i for i, rule in enumerate(rules)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "estimator-audit",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [descriptor(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": context.root.resolve().as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": [result(f, index[f.code], context) for f in findings],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
