"""Benchmark estimator-audit on a corpus, side by side with bare parsers and tf_upgrade_v2.

    python benchmarks/bench_corpus.py DIR [--legacy-python PATH] [--repeat N] [--json FILE]

Every tool runs in the same invocation on the same `.py` files: the ones estimator-audit's own
`discover` finds under DIR (notebooks and stubs are left out of the audit runs with `--exclude`,
since tf_upgrade_v2 only converts `.py` files). Measured:

1. `ast.parse` plus an empty `ast.NodeVisitor().visit` of every file, in this process;
2. `libcst.parse_module` of every file, in this process;
3. the estimator-audit CLI with `-j 1`, as a child process;
4. the estimator-audit CLI with `-j <os.cpu_count()>`, as a child process;
5. the estimator-audit CLI with `-j <os.cpu_count()>` again on the unchanged tree, with the result
   cache an untimed run filled (the warm re-run);
6. the estimator-audit CLI on one file (the pre-commit case), best of 5, wall time from spawn;
7. `tf_upgrade_v2 --intree DIR` under the legacy interpreter, as a child process;
8. the estimator-audit CLI with `--diff -j 1` and `--diff -j <os.cpu_count()>` (the fix path:
   every fix computed, nothing written), as child processes;
9. a generated 50,000-line TF1 module with 20,000 fixes (renames and a seed after the imports):
   `--diff` on it against the plain audit of the same file.

The cold audit rows run with `--no-cache`. Every audit child reports its peak resident memory
(`ru_maxrss`); the `-j 1` run over the whole tree and the single-file run (the corpus's largest
file) show whether memory grows with the tree or only with the largest file.

tf_upgrade_v2 aborts the whole tree on the first file its pasta parser crashes on (under Python
3.9+ some slices raise `AnnotationError`). When the console script exits with an error, the
benchmark reports that and measures again with a guarded run: the same `tf_upgrade_v2_main.main()`
with the same arguments, in which a crash inside `update_string_pasta` is handled the way
tf_upgrade_v2 itself handles a file that does not parse (logged, file left unconverted), so the
rest of the tree is converted. `--guard-tf-upgrade` skips the unguarded attempt.

In-process CPU time is `time.process_time()`; a child's CPU time is the delta of
`resource.getrusage(RUSAGE_CHILDREN)` (user + sys, which includes the worker processes the child
reaps). Wall time is `time.perf_counter()`. With `--repeat N` each measurement is taken N times
and the smallest CPU and the smallest wall time are reported. The script only measures and
prints a Markdown table: it never fails because something was slow.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import libcst

import estimator_audit
from estimator_audit.config import Settings
from estimator_audit.discover import discover
from estimator_audit.shim import fingerprint

DEFAULT_LEGACY_PYTHON = "/root/venv-legacy/bin/python"
SINGLE_FILE_RUNS = 5
TARGET_CPU_SPEEDUP = 2.0  # tf_upgrade_v2 CPU / audit CPU, one process
TARGET_WALL_SPEEDUP = 3.5  # tf_upgrade_v2 wall / audit wall, all cores
TARGET_SINGLE_FILE_WALL = 0.5  # seconds, from process start
TARGET_WARM_SPEEDUP = 10.0  # cold -j N wall / warm -j N wall
TARGET_MEMORY_RATIO = 1.5  # peak RSS, whole tree -j 1 / the largest file alone
TARGET_DIFF_SPEEDUP = 3.0  # tf_upgrade_v2 CPU / --diff -j 1 CPU
TARGET_LARGE_FIX_RATIO = 3.0  # --diff CPU / audit CPU, the generated large module
LARGE_MODULE_BLOCKS = 10_000  # 5 lines and 2 renames each
DIFF_WOULD_FIX = 1  # --diff's exit code when it shows fixes, --exit-zero or not


def large_module(path: str) -> None:
    """A 50,000-line TF1 module whose every block needs fixes (the case that took minutes)."""
    blocks = "".join(f"def step_{n}(x):\n    tf.logging.info('step %d', x)\n"
                     f"    return tf.placeholder(tf.float32, [None, x])\n\n\n"
                     for n in range(LARGE_MODULE_BLOCKS))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("import tensorflow as tf\n\n\n" + blocks)
# Runs the CLI and reports the process's peak resident memory on standard error.
RSS_WRAPPER = (
    "import resource, sys\n"
    "from estimator_audit.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stderr.write(f'\\nMAXRSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n')\n"
    "sys.exit(code)\n"
)
CRASH_MARKER = "bench_corpus: tf_upgrade_v2 crashed on: "

# tf_upgrade_v2's own entry point, with a crash in one file handled like a file that does not
# parse (tf_upgrade_v2 logs those and carries on) instead of aborting the whole tree.
GUARDED_TF_UPGRADE = f"""\
import atexit, sys, traceback
from tensorflow.tools.compatibility import ast_edits, tf_upgrade_v2_main

original = ast_edits.ASTCodeUpgrader.update_string_pasta
crashed = []

def guarded(self, text, in_filename):
    try:
        return original(self, text, in_filename)
    except Exception:
        crashed.append(in_filename)
        self._api_change_spec.clear_preprocessing()
        return 0, "", ["ERROR: tf_upgrade_v2 crashed.\\n" + traceback.format_exc()], []

ast_edits.ASTCodeUpgrader.update_string_pasta = guarded
atexit.register(lambda: print({CRASH_MARKER!r} + repr(crashed), file=sys.stderr))
sys.argv[0] = "tf_upgrade_v2"
sys.exit(tf_upgrade_v2_main.main())
"""

Basis = Literal["cpu", "wall"]


@dataclass(frozen=True)
class Timing:
    """One measurement: CPU seconds (user + sys) and wall seconds."""

    cpu: float
    wall: float


@dataclass
class Measurement:
    """All runs of one tool, and how its speed is compared with the others."""

    key: str
    tool: str
    basis: Basis  # which of CPU or wall the ratio columns compare
    runs: list[Timing] = field(default_factory=list)
    lines: int | None = None  # lines processed, for lines/s; None where the rate is meaningless
    failed: str | None = None
    notes: list[str] = field(default_factory=list)
    max_rss_kb: list[int] = field(default_factory=list)  # audit rows: peak memory per run

    @property
    def cpu(self) -> float:
        return min(run.cpu for run in self.runs)

    @property
    def wall(self) -> float:
        return min(run.wall for run in self.runs)

    def value(self, basis: Basis) -> float:
        return self.cpu if basis == "cpu" else self.wall

    @property
    def ok(self) -> bool:
        return bool(self.runs) and self.failed is None

    def lines_per_cpu_second(self) -> float | None:
        if not self.ok or self.lines is None or self.cpu <= 0:
            return None
        return self.lines / self.cpu


@dataclass(frozen=True)
class Corpus:
    root: str
    files: list[str]  # the .py files every tool processes
    lines: int
    left_out: list[str]  # discovered but not .py (notebooks, stubs): excluded from the audit runs
    walk_py_files: int  # .py files an os.walk sees (what tf_upgrade_v2 converts)


@dataclass
class ChildRun:
    timing: Timing
    returncode: int
    stderr: str

    @property
    def max_rss_kb(self) -> int | None:
        """The peak resident memory the audit wrapper reported, if it did."""
        for line in reversed(self.stderr.splitlines()):
            if line.startswith("MAXRSS_KB "):
                return int(line.split()[1])
        return None


# --------------------------------------------------------------------------- environment


def cpu_model() -> str:
    return fingerprint.cpu_model() or "unknown CPU"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def legacy_versions(python: str) -> str:
    """The legacy interpreter's Python and TensorFlow versions, without importing TensorFlow."""
    probe = (
        "import importlib.metadata as m, platform\n"
        "v = 'unknown'\n"
        "for name in ('tensorflow', 'tensorflow-cpu', 'tf-nightly'):\n"
        "    try:\n"
        "        v = m.version(name); break\n"
        "    except m.PackageNotFoundError:\n"
        "        pass\n"
        "print(platform.python_version(), v)\n"
    )
    try:
        done = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False,
                              timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    parts = done.stdout.split()
    if done.returncode != 0 or len(parts) != 2:
        return "unknown"
    return f"Python {parts[0]}, TensorFlow {parts[1]}"


def find_tf_upgrade(legacy_python: str) -> list[str] | None:
    """The command prefix that runs tf_upgrade_v2 with the legacy interpreter, if there is one."""
    python = legacy_python
    if os.sep not in python:
        python = shutil.which(python) or python
    path = Path(python)
    if not path.is_file() or not os.access(path, os.X_OK):
        return None
    script = path.parent / "tf_upgrade_v2"  # the venv's bin/ folder; not resolved: venv symlinks
    if not script.is_file():
        return None
    return [str(path), str(script)]


# --------------------------------------------------------------------------- corpus


def count_lines(data: bytes) -> int:
    """Lines as `wc -l` counts them, plus a last line without a newline."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def load_corpus(directory: str) -> Corpus:
    root = os.path.abspath(directory)
    found = discover([root], Settings())
    files = [path for path in found if path.endswith(".py")]
    left_out = [path for path in found if not path.endswith(".py")]
    lines = 0
    for path in files:  # also warms the page cache, so no tool pays for the first read
        with open(path, "rb") as handle:
            lines += count_lines(handle.read())
    walk_py_files = sum(
        1 for _, _, names in os.walk(root) for name in names if name.endswith(".py")
    )
    return Corpus(root, files, lines, left_out, walk_py_files)


def exclude_arguments(corpus: Corpus) -> list[str]:
    """`--exclude` globs that keep the audit to the corpus's .py files."""
    suffixes = sorted({os.path.splitext(path)[1] for path in corpus.left_out})
    return ["--exclude", ",".join(f"*{suffix}" for suffix in suffixes)] if suffixes else []


# --------------------------------------------------------------------------- measurements


def in_process(work: Callable[[], int]) -> tuple[Timing, int]:
    """Run `work` in this process; it returns how many files it could not handle."""
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    failures = work()
    return Timing(time.process_time() - cpu_before, time.perf_counter() - wall_before), failures


def parse_with_ast(files: Sequence[str]) -> int:
    visitor = ast.NodeVisitor()
    failures = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences in legacy code
        for path in files:
            with open(path, "rb") as handle:
                data = handle.read()
            try:
                visitor.visit(ast.parse(data, filename=path))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                failures += 1
    return failures


def parse_with_libcst(files: Sequence[str]) -> int:
    failures = 0
    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            libcst.parse_module(data)
        except Exception:  # ParserSyntaxError, and anything the parser chokes on in old code
            failures += 1
    return failures


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_child(command: Sequence[str], cwd: str) -> ChildRun:
    """Run a command to completion; standard output is discarded, standard error kept."""
    with tempfile.TemporaryFile() as stderr:
        cpu_before = children_cpu()
        wall_before = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=stderr, check=False)
        wall = time.perf_counter() - wall_before
        cpu = children_cpu() - cpu_before
        stderr.seek(0)
        text = stderr.read().decode("utf-8", errors="replace")
    return ChildRun(Timing(cpu, wall), done.returncode, text)


def audit_command(paths: Sequence[str], output: str, jobs: int | None,
                  extra: Sequence[str] = ()) -> list[str]:
    command = [sys.executable, "-c", RSS_WRAPPER, *paths]
    if jobs is not None:
        command += ["-j", str(jobs)]
    return [*command, "--exit-zero", "--output-format", "json", "-o", output, *extra]


def error_line(stderr: str) -> str:
    """The exception line of the last traceback in `stderr`, else its last line."""
    lines = stderr.strip().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if starts:
        for line in lines[starts[-1] + 1 :]:
            if line and not line[0].isspace():
                return line.strip()
    return lines[-1].strip() if lines else ""


def failure_text(run: ChildRun) -> str:
    line = error_line(run.stderr)
    return f"exit code {run.returncode}" + (f" ({line})" if line else "")


def crashed_files(stderr: str) -> list[str]:
    for line in stderr.splitlines():
        if line.startswith(CRASH_MARKER):
            try:
                value = ast.literal_eval(line[len(CRASH_MARKER) :])
            except (ValueError, SyntaxError):
                return []
            return [str(item) for item in value] if isinstance(value, list) else []
    return []


def measure_tf_upgrade(row: Measurement, prefix: list[str], corpus: Corpus, scratch: str,
                       cwd: str, guarded: bool) -> bool:
    """One tf_upgrade_v2 run into a fresh output tree; False if the console script crashed."""
    work = tempfile.mkdtemp(prefix="tf-upgrade-", dir=scratch)
    arguments = ["--intree", corpus.root, "--outtree", os.path.join(work, "out"),
                 "--reportfile", os.path.join(work, "report.txt")]
    command = [prefix[0], "-c", GUARDED_TF_UPGRADE] if guarded else list(prefix)
    run = run_child([*command, *arguments], cwd)
    shutil.rmtree(work, ignore_errors=True)
    if run.returncode != 0:
        if guarded:
            row.failed = failure_text(run)
        else:
            row.notes.append(
                f"the tf_upgrade_v2 console script aborted after {run.timing.cpu:.1f} s CPU / "
                f"{run.timing.wall:.1f} s wall: {failure_text(run)}; measured again with the "
                "per-file crash guard"
            )
        return False
    row.runs.append(run.timing)
    if guarded:
        crashed = crashed_files(run.stderr)
        note = (f"guarded tf_upgrade_v2 run: {len(crashed)} file(s) crashed the converter "
                f"and were left unconverted: {', '.join(crashed) or 'none'}")
        if note not in row.notes:
            row.notes.append(note)
    return True


def count_findings(report: str) -> int | None:
    try:
        with open(report, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return len(data) if isinstance(data, list) else None


def describe_counts(counts: Sequence[int | None]) -> str:
    """One number when every run agrees, else every run's (a changing count is a finding too)."""
    if not counts:
        return "n/a"
    if len(set(counts)) == 1:
        return str(counts[0])
    return "/".join(str(count) for count in counts) + " (runs disagree)"


def audit_version() -> str:
    """estimator-audit's version, and its git commit when it runs from a checkout."""
    version = f"estimator-audit {getattr(estimator_audit, '__version__', '?')}"
    folder = Path(estimator_audit.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=False, timeout=30)
        dirty = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--",
                                ".", ":!benchmarks"],
                               capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return version
    if commit.returncode != 0:
        return version
    count = len(dirty.stdout.splitlines())
    changed = f" + {count} uncommitted changed or new files" if count else ""
    return f"{version} at {commit.stdout.strip()}{changed}"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- report


def ratio(reference: Measurement | None, row: Measurement) -> str:
    """How many times faster `row` is than `reference`, on the row's basis."""
    if reference is None or not reference.ok or not row.ok:
        return "n/a"
    denominator = row.value(row.basis)
    if denominator <= 0:
        return "n/a"
    return f"{reference.value(row.basis) / denominator:.2f}x ({row.basis})"


def markdown_table(rows: Sequence[Measurement], by_key: dict[str, Measurement]) -> str:
    tf = by_key.get("tf_upgrade_v2")
    libcst_row = by_key.get("libcst")
    lines = [
        "| tool | CPU s | wall s | lines/s (CPU) | speed-up vs tf_upgrade_v2 "
        "| speed-up vs libcst parse |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if not row.ok:
            reason = "not available" if row.failed == "not available" else "failed (see notes)"
            lines.append(f"| {row.tool} | n/a | n/a | n/a | {reason} | n/a |")
            continue
        rate = row.lines_per_cpu_second()
        single = row.key == "single_file"
        lines.append(
            f"| {row.tool} | {row.cpu:.2f} | {row.wall:.2f} "
            f"| {'n/a' if rate is None else f'{rate:,.0f}'} "
            f"| {'n/a' if single else ratio(tf, row)} "
            f"| {'n/a' if single else ratio(libcst_row, row)} |"
        )
    return "\n".join(lines)


def target_lines(by_key: dict[str, Measurement]) -> list[str]:
    def verdict(met: bool) -> str:
        return "met" if met else "NOT met"

    out = []
    tf, one, every, single = (by_key.get(k) for k in ("tf_upgrade_v2", "audit_j1", "audit_jn",
                                                        "single_file"))
    if tf is not None and tf.ok and one is not None and one.ok and one.cpu > 0:
        value = tf.cpu / one.cpu
        out.append(f"- one process, CPU: {value:.2f}x faster than tf_upgrade_v2 "
                   f"(target >= {TARGET_CPU_SPEEDUP}x): {verdict(value >= TARGET_CPU_SPEEDUP)}")
    if tf is not None and tf.ok and every is not None and every.ok and every.wall > 0:
        value = tf.wall / every.wall
        out.append(f"- all cores, wall: {value:.2f}x faster than tf_upgrade_v2 "
                   f"(target >= {TARGET_WALL_SPEEDUP}x): {verdict(value >= TARGET_WALL_SPEEDUP)}")
    if single is not None and single.ok:
        met = single.wall < TARGET_SINGLE_FILE_WALL
        out.append(f"- single file, wall: {single.wall:.3f} s "
                   f"(target < {TARGET_SINGLE_FILE_WALL} s): {verdict(met)}")
    warm = by_key.get("audit_warm")
    if every is not None and every.ok and warm is not None and warm.ok and warm.wall > 0:
        value = every.wall / warm.wall
        out.append(f"- warm re-run, wall: {value:.1f}x faster than the cold -j run "
                   f"(target >= {TARGET_WARM_SPEEDUP}x): {verdict(value >= TARGET_WARM_SPEEDUP)}")
    memory = memory_ratio(by_key)
    if memory is not None:
        out.append(f"- peak memory, whole tree / largest file alone: {memory:.2f}x "
                   f"(target <= {TARGET_MEMORY_RATIO}x): {verdict(memory <= TARGET_MEMORY_RATIO)}")
    diff = by_key.get("diff_j1")
    if tf is not None and tf.ok and diff is not None and diff.ok and diff.cpu > 0:
        value = tf.cpu / diff.cpu
        out.append(f"- --diff, one process, CPU: {value:.2f}x faster than tf_upgrade_v2 "
                   f"(target >= {TARGET_DIFF_SPEEDUP}x): {verdict(value >= TARGET_DIFF_SPEEDUP)}")
    large_audit, large_diff = by_key.get("large_audit"), by_key.get("large_diff")
    if large_audit is not None and large_audit.ok and large_diff is not None and large_diff.ok:
        value = large_diff.cpu / large_audit.cpu
        out.append(f"- 50,000-line module, --diff / audit CPU: {value:.2f}x "
                   f"(target <= {TARGET_LARGE_FIX_RATIO}x): {verdict(value <= TARGET_LARGE_FIX_RATIO)}")
    if tf is None or not tf.ok:
        out.append("- tf_upgrade_v2 ratios: skipped (tf_upgrade_v2 not measured)")
    return out


def memory_ratio(by_key: dict[str, Measurement]) -> float | None:
    whole, single = by_key.get("audit_j1"), by_key.get("single_file")
    if whole is None or single is None or not whole.max_rss_kb or not single.max_rss_kb:
        return None
    return max(whole.max_rss_kb) / max(single.max_rss_kb)


def memory_lines(by_key: dict[str, Measurement]) -> list[str]:
    rows = [row for row in by_key.values() if row.max_rss_kb]
    return ["- peak memory (max RSS): " + ", ".join(
        f"{row.tool} {max(row.max_rss_kb) / 1024:.0f} MiB" for row in rows)] if rows else []


# --------------------------------------------------------------------------- main


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("directory", metavar="DIR", help="folder of Python code to benchmark on")
    parser.add_argument("--legacy-python", default=DEFAULT_LEGACY_PYTHON, metavar="PATH",
                        help="interpreter with TensorFlow whose bin/ folder holds tf_upgrade_v2 "
                        f"(default {DEFAULT_LEGACY_PYTHON})")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="measure every tool N times and keep the fastest (default 1)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the numbers here")
    parser.add_argument("--guard-tf-upgrade", action="store_true",
                        help="run tf_upgrade_v2 with the per-file crash guard straight away "
                        "(default: only after the console script has crashed)")
    parser.add_argument("--single-file", metavar="PATH",
                        help="file for the single-file run (default: the corpus's longest file)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not os.path.isdir(args.directory):
        parser.error(f"not a directory: {args.directory}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    load_before = os.getloadavg()[0]
    progress(f"discovering files under {args.directory} ...")
    corpus = load_corpus(args.directory)
    if not corpus.files:
        print(f"no .py files found under {args.directory}", file=sys.stderr)
        return 2
    jobs = os.cpu_count() or 1
    tf_command = find_tf_upgrade(args.legacy_python)
    audit = audit_version()
    legacy = legacy_versions(tf_command[0]) if tf_command else "not available"
    excludes = exclude_arguments(corpus)
    single_file = args.single_file or max(
        corpus.files, key=lambda p: count_lines(Path(p).read_bytes())
    )
    single_lines = count_lines(Path(single_file).read_bytes())

    rows = [
        Measurement("ast", "ast.parse + NodeVisitor (in process)", "cpu", lines=corpus.lines),
        Measurement("libcst", f"libcst {package_version('libcst')} parse_module (in process)",
                    "cpu", lines=corpus.lines),
        Measurement("audit_j1", "estimator-audit -j 1", "cpu", lines=corpus.lines),
        Measurement("audit_jn", f"estimator-audit -j {jobs}", "wall", lines=corpus.lines),
        Measurement("audit_warm", f"estimator-audit -j {jobs}, warm cache, unchanged tree", "wall",
                    lines=corpus.lines),
        Measurement("single_file", f"estimator-audit, one file ({single_lines:,} lines, "
                    f"best of {SINGLE_FILE_RUNS})", "wall"),
        Measurement("tf_upgrade_v2", "tf_upgrade_v2 --intree", "cpu", lines=corpus.lines),
        Measurement("diff_j1", "estimator-audit --diff -j 1", "cpu", lines=corpus.lines),
        Measurement("diff_jn", f"estimator-audit --diff -j {jobs}", "wall", lines=corpus.lines),
        Measurement("large_audit", "estimator-audit, generated 50,000-line module", "cpu"),
        Measurement("large_diff", "estimator-audit --diff, generated 50,000-line module", "cpu"),
    ]
    by_key = {row.key: row for row in rows}
    parse_failures: dict[str, int] = {}
    findings: dict[str, list[int | None]] = {"audit_j1": [], "audit_jn": [], "audit_warm": []}
    if tf_command is None:
        print("tf_upgrade_v2: not available", file=sys.stderr)
        by_key["tf_upgrade_v2"].failed = "not available"

    with tempfile.TemporaryDirectory(prefix="bench-corpus-") as scratch:
        # Children run in an empty folder, so no pyproject.toml configures the audit: it uses
        # the same default Settings() the discovery above used.
        cwd = os.path.join(scratch, "cwd")
        os.mkdir(cwd)
        guarded: bool = args.guard_tf_upgrade
        for repeat in range(args.repeat):
            label = f" (run {repeat + 1}/{args.repeat})" if args.repeat > 1 else ""

            progress(f"ast.parse{label} ...")
            timing, parse_failures["ast"] = in_process(lambda: parse_with_ast(corpus.files))
            by_key["ast"].runs.append(timing)

            progress(f"libcst.parse_module{label} ...")
            timing, parse_failures["libcst"] = in_process(lambda: parse_with_libcst(corpus.files))
            by_key["libcst"].runs.append(timing)

            cache = ["--cache-dir", os.path.join(scratch, f"cache{repeat}")]
            for key, job_count, options in (("audit_j1", 1, ["--no-cache"]),
                                            ("audit_jn", jobs, ["--no-cache"]),
                                            ("audit_warm", jobs, cache)):
                row = by_key[key]
                if row.failed:
                    continue
                report = os.path.join(scratch, f"{key}.json")
                command = audit_command([corpus.root], report, job_count, [*excludes, *options])
                if key == "audit_warm":
                    progress(f"filling the result cache{label} ...")
                    run_child(command, cwd)
                progress(f"{row.tool}{label} ...")
                run = run_child(command, cwd)
                if run.returncode != 0:
                    row.failed = failure_text(run)
                    continue
                row.runs.append(run.timing)
                row.max_rss_kb += [run.max_rss_kb] if run.max_rss_kb else []
                findings.setdefault(key, []).append(count_findings(report))

            for key, job_count in (("diff_j1", 1), ("diff_jn", jobs)):
                row = by_key[key]
                progress(f"{row.tool}{label} ...")
                run = run_child(audit_command([corpus.root], os.path.join(scratch, f"{key}.json"), job_count,
                                              [*excludes, "--no-cache", "--diff"]), cwd)
                if run.returncode not in (0, DIFF_WOULD_FIX):
                    row.failed = failure_text(run)
                else:
                    row.runs.append(run.timing)
            large = os.path.join(scratch, "large_module.py")
            large_module(large)
            for key, options in (("large_audit", []), ("large_diff", ["--diff"])):
                row = by_key[key]
                progress(f"{row.tool}{label} ...")
                run = run_child(audit_command([large], os.path.join(scratch, f"{key}.json"), None,
                                              ["--no-cache", *options]), cwd)
                if run.returncode not in (0, DIFF_WOULD_FIX):
                    row.failed = failure_text(run)
                else:
                    row.runs.append(run.timing)

            row = by_key["single_file"]
            if not row.failed:
                progress(f"estimator-audit on {single_file}, {SINGLE_FILE_RUNS} times{label} ...")
                report = os.path.join(scratch, "single.json")
                for _ in range(SINGLE_FILE_RUNS):
                    run = run_child(audit_command([os.path.abspath(single_file)], report, None,
                                                  ["--no-cache"]), cwd)
                    if run.returncode != 0:
                        row.failed = failure_text(run)
                        break
                    row.runs.append(run.timing)
                    row.max_rss_kb += [run.max_rss_kb] if run.max_rss_kb else []

            row = by_key["tf_upgrade_v2"]
            if tf_command is not None and not row.failed:
                progress(f"tf_upgrade_v2{'' if guarded else ' console script'}{label} (slow) ...")
                if not measure_tf_upgrade(row, tf_command, corpus, scratch, cwd, guarded):
                    guarded = True
                    if not row.failed:
                        progress(f"tf_upgrade_v2 crashed; again with the crash guard{label} ...")
                        measure_tf_upgrade(row, tf_command, corpus, scratch, cwd, guarded)
                if guarded:
                    row.tool = "tf_upgrade_v2 --intree (crash-guarded)"

    machine = (f"{cpu_model()}, {jobs} cores, {platform.system()} {platform.machine()}, "
               f"Python {platform.python_version()} ({platform.python_implementation()})")
    load = (load_before, os.getloadavg()[0])
    out = [
        f"Machine: {machine}",
        f"Audit: {audit}, libcst {package_version('libcst')}",
        f"tf_upgrade_v2: {tf_command[1]} ({legacy})" if tf_command
        else "tf_upgrade_v2: not available",
        f"Corpus: {corpus.root}: {len(corpus.files):,} .py files, {corpus.lines:,} lines",
        f"Runs: best of {args.repeat} per tool (CPU and wall minimised separately); "
        f"1-minute load average {load[0]:.2f} at start, {load[1]:.2f} at end",
        "",
        markdown_table(rows, by_key),
        "",
        f"- findings: {describe_counts(findings['audit_j1'])} with -j 1, "
        f"{describe_counts(findings['audit_jn'])} with -j {jobs}, "
        f"{describe_counts(findings['audit_warm'])} from the warm cache",
        *memory_lines(by_key),
        f"- files that did not parse: ast {parse_failures.get('ast')}, "
        f"libcst {parse_failures.get('libcst')}",
        f"- single file: {single_file}",
    ]
    if corpus.left_out:
        out.append(f"- left out of the audit runs (tf_upgrade_v2 only copies them): "
                   f"{len(corpus.left_out)} non-.py files, via `{' '.join(excludes)}`")
    if corpus.walk_py_files != len(corpus.files):
        out.append(f"- note: tf_upgrade_v2 walks {corpus.walk_py_files} .py files, discover "
                   f"found {len(corpus.files)} (ignored or skipped folders)")
    for row in rows:
        out += [f"- {row.tool}: {note}" for note in row.notes]
        if row.failed and row.failed != "not available":
            out.append(f"- {row.tool} failed: {row.failed}")
    out += target_lines(by_key)
    print("\n".join(out))

    if args.json:
        data = as_json(args, corpus, rows, machine, legacy, findings, parse_failures,
                       single_file, single_lines)
        data["machine"]["load_average"] = {"start": load[0], "end": load[1]}
        data["audit"] = audit
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 1 if any(row.failed and row.failed != "not available" for row in rows) else 0


def as_json(args: argparse.Namespace, corpus: Corpus, rows: Sequence[Measurement], machine: str,
            legacy: str, findings: dict[str, list[int | None]], parse_failures: dict[str, int],
            single_file: str, single_lines: int) -> dict[str, Any]:
    by_key = {row.key: row for row in rows}
    tf, one, every = by_key["tf_upgrade_v2"], by_key["audit_j1"], by_key["audit_jn"]

    def speedup(reference: Measurement, row: Measurement, basis: Basis) -> float | None:
        if not (reference.ok and row.ok) or row.value(basis) <= 0:
            return None
        return reference.value(basis) / row.value(basis)

    return {
        "machine": {"description": machine, "cpu_model": cpu_model(), "cores": os.cpu_count(),
                    "python": platform.python_version(), "legacy": legacy},
        "corpus": {"root": corpus.root, "files": len(corpus.files), "lines": corpus.lines,
                   "left_out": len(corpus.left_out), "walk_py_files": corpus.walk_py_files},
        "repeat": args.repeat,
        "single_file": {"path": single_file, "lines": single_lines},
        "findings": findings,
        "parse_failures": parse_failures,
        "tools": {
            row.key: {
                "tool": row.tool,
                "ok": row.ok,
                "failed": row.failed,
                "notes": row.notes,
                "cpu_s": row.cpu if row.runs else None,
                "wall_s": row.wall if row.runs else None,
                "lines_per_cpu_s": row.lines_per_cpu_second(),
                "runs": [{"cpu_s": run.cpu, "wall_s": run.wall} for run in row.runs],
                "max_rss_kb": row.max_rss_kb,
            }
            for row in rows
        },
        "ratios": {
            "tf_upgrade_v2_cpu_over_audit_j1_cpu": speedup(tf, one, "cpu"),
            "tf_upgrade_v2_wall_over_audit_jn_wall": speedup(tf, every, "wall"),
            "libcst_cpu_over_audit_j1_cpu": speedup(by_key["libcst"], one, "cpu"),
            "audit_j1_cpu_over_ast_cpu": speedup(one, by_key["ast"], "cpu"),
            "audit_jn_wall_over_audit_warm_wall": speedup(every, by_key["audit_warm"], "wall"),
            "peak_rss_whole_tree_over_largest_file": memory_ratio(by_key),
        },
        "targets": {
            "cpu_speedup_min": TARGET_CPU_SPEEDUP,
            "wall_speedup_min": TARGET_WALL_SPEEDUP,
            "single_file_wall_max_s": TARGET_SINGLE_FILE_WALL,
            "warm_speedup_min": TARGET_WARM_SPEEDUP,
            "memory_ratio_max": TARGET_MEMORY_RATIO,
        },
    }


if __name__ == "__main__":
    sys.exit(main())
