"""`path:line:col: CODE [*] message`, then a summary, as ruff and flake8 users expect."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from estimator_audit.catalogue import all_rules
from estimator_audit.findings import Finding
from estimator_audit.report.context import ReportContext

FIX_MARKER = "[*] "


def safely_fixable(finding: Finding) -> bool:
    return finding.fix is not None and finding.fix.allowed(unsafe=False) is not None


def line(finding: Finding) -> str:
    marker = FIX_MARKER if safely_fixable(finding) else ""
    return f"{finding.location}: {finding.code} {marker}{finding.message}"


CONCISE_WIDTH = 120


def short_message(message: str) -> str:
    """The message's first clause (what is wrong), without the why and the advice that follow
    `: `, `; ` or ` (`, at most CONCISE_WIDTH characters; `rule CODE` and the full format keep the rest."""
    cut = len(message)
    for separator, earliest in ((": ", 20), ("; ", 20), (" (", 40)):
        at = message.find(separator, earliest)
        if at != -1:
            cut = min(cut, at)
    text = message[:cut]
    return text if len(text) <= CONCISE_WIDTH else text[: CONCISE_WIDTH - 1].rstrip() + "…"


def concise_line(finding: Finding) -> str:
    marker = FIX_MARKER if safely_fixable(finding) else ""
    return f"{finding.location}: {finding.code} {marker}{short_message(finding.message)}"


def counted(count: int, noun: str, plural: str = "") -> str:
    """`1 file`, `2 files` (`1 fix`, `2 fixes` with plural="fixes")."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def summary(findings: Sequence[Finding], files: int) -> str:
    if not findings:
        return f"All checks passed! ({counted(files, 'file')} checked)"
    safe = sum(1 for f in findings if safely_fixable(f))
    unsafe = sum(1 for f in findings if f.fix is not None and not safely_fixable(f))
    parts = [f"Found {counted(len(findings), 'finding')} in {counted(files, 'file')} checked."]
    if safe:
        parts.append(f"[*] {safe} fixable with --fix.")
    if unsafe:
        parts.append(f"{unsafe} more fixable with --unsafe-fixes.")
    return " ".join(parts)


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    lines = [line(f) for f in findings]
    lines.append(summary(findings, context.files))
    return "\n".join(lines) + "\n"


def render_concise(findings: Sequence[Finding], context: ReportContext) -> str:
    """One short line per finding (ruff's `--output-format concise`)."""
    lines = [concise_line(f) for f in findings]
    lines.append(summary(findings, context.files))
    return "\n".join(lines) + "\n"


def statistics(findings: Sequence[Finding]) -> str:
    """Counts per rule, most frequent first: `  12  EA203  [*] estimator-seed`."""
    counts = Counter(f.code for f in findings)
    fixable = {f.code for f in findings if safely_fixable(f)}
    rules = all_rules()
    rows = [
        f"{count:>6}  {code}  {'[*]' if code in fixable else '   '} {rules[code].name}"
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return "\n".join(rows) + ("\n" if rows else "")
