"""Shared helpers: audit text in memory, run the real command line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from estimator_audit.config import Settings
from estimator_audit.findings import Finding
from estimator_audit.pipeline import FixMode, audit_paths, audit_source
from estimator_audit.rule import example_text

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def audit_text(code: str, filename: str = "example.py", settings: Settings | None = None,
               prefilter: bool = True) -> list[Finding]:
    """Findings for a snippet, written as examples are (indented, leading newline)."""
    return audit_source(filename, example_text(code).encode("utf-8"), settings or Settings(),
                        prefilter=prefilter)


@dataclass(frozen=True)
class FixOutcome:
    """What `--fix` did to one file, as the pipeline reports it."""

    findings: tuple[Finding, ...]
    fix_error: str | None
    fixed: int
    internal_error: str | None


def fix_file(path: Path, settings: Settings, mode: FixMode | None = None) -> FixOutcome:
    """Fix one file through the whole pipeline (the parent writes once every file is fixed)."""
    run = audit_paths([str(path)], settings, jobs=1, mode=mode or FixMode())
    return FixOutcome(tuple(run.findings), run.fix_errors[0] if run.fix_errors else None, run.fixed,
                      run.internal_errors[0] if run.internal_errors else None)


def run_cli(args: Sequence[str], cwd: Path | None = None, stdin: bytes | None = None
            ) -> subprocess.CompletedProcess[str]:
    """The installed command, in a fresh process, as users and pre-commit run it."""
    return subprocess.run(
        [sys.executable, "-m", "estimator_audit", *args],
        cwd=cwd, input=stdin.decode() if stdin is not None else None,
        capture_output=True, text=True, timeout=300,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder the test fills in."""
    return tmp_path


@pytest.fixture(scope="session")
def legacy_python() -> Path:
    """TensorFlow 2.15 + tensorflow-estimator 2.15, installed once into the cache if missing."""
    from estimator_audit.shim.runtimes import install

    return install("legacy")


@pytest.fixture(scope="session")
def current_python() -> Path:
    """TensorFlow 2.21 with Keras 3, installed once into the cache if missing."""
    from estimator_audit.shim.runtimes import install

    return install("current")


# A fixture program's files that are not part of it: expected findings, goldens, how it runs.
NOT_PROGRAM = ("*.expected", "*.fixed", "run.json")


def fixed_program(program: Path, destination: Path) -> Path:
    """A copy of a fixture program's folder after `--fix --unsafe-fixes` on the whole folder."""
    import shutil

    from estimator_audit.discover import discover

    copy = destination / program.name
    shutil.copytree(program, copy, ignore=shutil.ignore_patterns(*NOT_PROGRAM))
    settings = Settings(root=copy)
    run = audit_paths(discover([str(copy)], settings), settings, jobs=1, mode=FixMode(unsafe=True))
    assert not run.fix_errors and not run.internal_errors, (run.fix_errors, run.internal_errors)
    return copy


def run_python(python: Path, code: str, timeout: int = 600) -> str:
    """Run code under a runtime's interpreter; returns its stdout, fails the test on error."""
    import os

    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def notebook_script(notebook: Path) -> str:
    """A notebook's code cells as one script, the way Jupyter runs them in order: cell magics'
    cells (`%%bash`) and line magics or shell lines (`%matplotlib`, `!pip`) left out."""
    import json

    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    return "\n".join(line for text in code if not text.startswith("%%") for line in text.splitlines()
                     if not line.lstrip().startswith(("%", "!")))
