"""Content-hash cache of audit results: an unchanged file is not parsed again.

A result is keyed by the file's path and bytes, the settings, and a fingerprint of
estimator-audit itself (every module, rule and data table), so editing a rule invalidates
everything it could have found. Results live in one SQLite database (WAL mode): concurrent
runs, and a run interrupted at any point, leave it consistent; a database that cannot be
opened is replaced rather than trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any

from estimator_audit.config import Settings
from estimator_audit.findings import Edit, EditAction, Finding, Fix, FixSafety, Severity

DATABASE = "results-v2.sqlite"
UNUSED_DAYS = 30  # entries no run has read for this long are dropped
BATCH = 500  # keys per SQL statement (SQLite's variable limit is 32766; stay far below)
PACKAGE = Path(__file__).resolve().parent
Dependencies = tuple[tuple[str, str], ...]  # (path, sha256) of the other modules a result read
# Parts of the package that cannot change a finding (the runtime shim, the reports).
NOT_AUDIT_CODE = frozenset({"shim", "report", "cli.py", "progress.py", "__main__.py"})


def cache_dir() -> Path:
    """Where estimator-audit keeps its caches and runtimes: $ESTIMATOR_AUDIT_CACHE, else
    $XDG_CACHE_HOME/estimator-audit, else ~/.cache/estimator-audit."""
    configured = os.environ.get("ESTIMATOR_AUDIT_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "estimator-audit"


@cache
def tool_fingerprint() -> str:
    """A hash of every file the audit runs or reads (modules, rules, data tables)."""
    rules = importlib.import_module("estimator_audit.rules")
    rules_directory = Path(str(rules.__file__)).resolve().parent  # elsewhere when installed editable
    roots = [PACKAGE] if rules_directory.is_relative_to(PACKAGE) else [PACKAGE, rules_directory]
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).parts
            if path.suffix in (".py", ".json") and "__pycache__" not in relative \
                    and relative[0] not in NOT_AUDIT_CODE:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def run_digest(settings: Settings) -> hashlib._Hash:
    """The hash state of what every key of a run shares: the tool and the settings."""
    digest = hashlib.sha256()
    for part in (tool_fingerprint(), repr(settings)):
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest


def key(path: str, data: bytes, settings: Settings) -> str:
    digest = run_digest(settings).copy()
    digest.update(path.encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def encode(findings: Iterable[Finding]) -> str:
    return json.dumps([asdict(f) for f in findings], separators=(",", ":"))


# Enum members by value: a dict lookup, where Enum(value) costs a call (10,000s per warm run).
SEVERITIES = {member.value: member for member in Severity}
SAFETIES = {member.value: member for member in FixSafety}
ACTIONS = {member.value: member for member in EditAction}


def decoded_fix(fix: dict[str, Any] | None) -> Fix | None:
    if fix is None:
        return None
    edits = tuple(Edit(ACTIONS[e["action"]], tuple(e["span"]) if e["span"] else None, e["name"], e["text"])
                  for e in fix["edits"])
    return Fix(SAFETIES[fix["safety"]], fix["description"], edits, tuple(fix["imports"]),
               decoded_fix(fix["fallback"]), fix["exclusive"])


def decode(text: str) -> tuple[Finding, ...]:
    findings = []
    for item in json.loads(text):
        item["fix"] = decoded_fix(item["fix"])
        item["severity"] = SEVERITIES[item["severity"]]
        findings.append(Finding(**item))
    return tuple(findings)


class ResultCache:
    """Findings per key, read and written in batches by the parent process of a run."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / DATABASE
        try:
            self.connection = self.open()
        except sqlite3.DatabaseError:  # not a database, or a damaged one: start afresh
            with contextlib.suppress(OSError):
                self.path.unlink()
            self.connection = self.open()

    def open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, "
                           "findings TEXT NOT NULL, dependencies TEXT NOT NULL, used REAL NOT NULL)")
        connection.execute("SELECT count(*) FROM results LIMIT 1").fetchone()
        return connection

    def get(self, keys: Iterable[str]) -> dict[str, tuple[tuple[Finding, ...], Dependencies]]:
        """Findings by key, with the other modules (path, sha256) they were made from."""
        found: dict[str, tuple[tuple[Finding, ...], Dependencies]] = {}
        now = time.time()
        for chunk in chunks(list(dict.fromkeys(keys))):
            marks = ",".join("?" * len(chunk))
            rows = self.connection.execute(
                f"SELECT key, findings, dependencies FROM results WHERE key IN ({marks})", chunk).fetchall()
            found.update((row_key, (decode(text), tuple((path, sha) for path, sha in json.loads(depends))))
                         for row_key, text, depends in rows)
            with self.transaction():
                self.connection.execute(f"UPDATE results SET used = ? WHERE key IN ({marks})", [now, *chunk])
        return found

    def put(self, entries: Mapping[str, tuple[Iterable[Finding], Dependencies]]) -> None:
        now = time.time()
        with self.transaction():
            self.connection.executemany(
                "INSERT OR REPLACE INTO results (key, findings, dependencies, used) VALUES (?, ?, ?, ?)",
                [(entry_key, encode(findings), json.dumps(dependencies), now)
                 for entry_key, (findings, dependencies) in entries.items()])
            self.connection.execute("DELETE FROM results WHERE used < ?", (now - UNUSED_DAYS * 86400,))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()


def chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start:start + BATCH]
