"""The result cache: a warm run gives exactly the cold run's findings, and never a stale one."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from estimator_audit.cache import DATABASE, ResultCache, decode, encode
from estimator_audit.config import Settings
from estimator_audit.pipeline import audit_paths, audit_source
from tests.conftest import FIXTURES

PROGRAMS = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".py", ".ipynb"))


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "estimator_audit", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def copy_fixtures(tmp_path: Path) -> Path:
    tree = tmp_path / "project"
    shutil.copytree(FIXTURES, tree)
    return tree


def test_findings_with_fixes_survive_the_round_trip() -> None:
    for program in PROGRAMS:
        findings = audit_source(str(program), program.read_bytes(), Settings())
        assert decode(encode(findings)) == tuple(findings)


def test_warm_run_equals_cold_run_and_edits_are_seen(tmp_path: Path) -> None:
    tree = copy_fixtures(tmp_path)
    paths = sorted(str(p) for p in tree.rglob("*.py"))
    settings = Settings(root=tree)
    cache = ResultCache(tmp_path / "cache")
    cold = audit_paths(paths, settings, jobs=1, cache=cache)
    warm = audit_paths(paths, settings, jobs=1, cache=cache)
    assert warm.findings == cold.findings and cold.findings
    assert cold.findings == audit_paths(paths, settings, jobs=1).findings
    edited = tree / "keras_seeded.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nimport tensorflow as tf\ntf.Session()\n",
                      encoding="utf-8")
    after = audit_paths(paths, settings, jobs=1, cache=cache)
    assert [f for f in after.findings if f.path == str(edited) and f.code == "EA103"]
    narrower = audit_paths(paths, Settings(root=tree, select=("EA2",)), jobs=1, cache=cache)
    assert narrower.findings and all(f.code.startswith("EA2") for f in narrower.findings)


def test_a_damaged_database_is_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / DATABASE).write_bytes(b"this is not a database" * 100)
    cache = ResultCache(folder)
    program = str(PROGRAMS[0])
    assert audit_paths([program], Settings(), jobs=1, cache=cache).findings == audit_paths(
        [program], Settings(), jobs=1).findings


def test_cli_cache_options(tmp_path: Path) -> None:
    tree = copy_fixtures(tmp_path)
    cold = cli(".", "--cache-dir", str(tmp_path / "c"), cwd=tree)
    warm = cli(".", "--cache-dir", str(tmp_path / "c"), cwd=tree)
    assert (tmp_path / "c" / DATABASE).exists()
    assert warm.stdout == cold.stdout and warm.returncode == cold.returncode == 1
    uncached = cli(".", "--no-cache", "--cache-dir", str(tmp_path / "never"), cwd=tree)
    assert uncached.stdout == cold.stdout and not (tmp_path / "never").exists()


def test_an_unusable_cache_path_only_costs_speed(tmp_path: Path) -> None:
    tree = copy_fixtures(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    done = cli(".", "--cache-dir", str(blocker), cwd=tree)
    assert done.returncode == 1 and "result cache unavailable" in done.stderr
    assert done.stdout == cli(".", "--no-cache", cwd=tree).stdout


def test_concurrent_and_interrupted_runs_leave_a_consistent_cache(tmp_path: Path) -> None:
    tree = copy_fixtures(tmp_path)
    for copy in range(6):  # enough files that a run can be killed mid-way
        shutil.copytree(FIXTURES, tree / f"copy{copy}")
    cache_args = ("--cache-dir", str(tmp_path / "c"), "-j", "2")
    command = [sys.executable, "-m", "estimator_audit", ".", *cache_args]
    runs = [subprocess.Popen(command, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(3)]
    time.sleep(1.0)
    runs[0].send_signal(signal.SIGKILL)
    outputs = [run.communicate(timeout=300)[0] for run in runs[1:]]
    expected = cli(".", "--no-cache", cwd=tree).stdout
    assert all(output.decode() == expected for output in outputs)
    assert cli(".", *cache_args, cwd=tree).stdout == expected
