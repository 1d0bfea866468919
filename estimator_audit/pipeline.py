"""The pipeline: discover, then per file read, prefilter, parse, resolve and check, in parallel.

Files are audited in worker processes (`jobs`), each file independently; results come back in
the order of the discovered paths, so the output never depends on scheduling.
"""

from __future__ import annotations

import ast
import contextlib
import errno
import glob
import os
import re
import stat
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from estimator_audit import line_diff
from estimator_audit.cache import ResultCache
from estimator_audit.cache import key as cache_key
from estimator_audit.catalogue import all_rules
from estimator_audit.check import make_finding, run_rules
from estimator_audit.config import Settings
from estimator_audit.findings import EditAction, Finding, Fix, FixFailure
from estimator_audit.parse import Parsed, parse_source
from estimator_audit.prefilter import rules_that_can_fire, skip_file
from estimator_audit.project import Project
from estimator_audit.project import digest as project_digest
from estimator_audit.rule import Rule
from estimator_audit.source import Cell, ReadFailure, Source, read_file, read_source

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

# Below this many files a worker pool costs more than it saves (pre-commit runs on a few).
POOL_THRESHOLD = 8


# Rounds of fixing one file: each round re-audits what the last one produced.
MAX_FIX_ROUNDS = 10


@dataclass(frozen=True)
class FixMode:
    """What a run does with fixes: write them (--fix), or print them as a diff (--diff)."""

    unsafe: bool = False
    write: bool = True
    unsafe_codes: frozenset[str] = frozenset()  # rules whose unsafe fixes apply all the same
    # Support files (ports of modules TensorFlow 2 dropped) whose unsafe fixes apply all the same.
    unsafe_ports: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FileResult:
    path: str
    findings: tuple[Finding, ...] = ()
    internal_error: str | None = None  # a bug of ours, reported with exit code 2
    fixed: int = 0
    diff: str = ""
    fix_error: str | None = None  # why fixes were not written (the file is unchanged)
    fix_note: str | None = None  # how the fixed file was written, when that is worth saying
    # --fix: the new bytes, written by the parent once every file has been fixed, so that each
    # file's fixes are planned from the program as it was (a rewrite spans modules).
    new_data: bytes | None = None
    support_files: tuple[str, ...] = ()  # support modules the fixes need beside the file
    # Other modules of the program the findings were made from: (path, sha256 of their bytes).
    dependencies: tuple[tuple[str, str], ...] = ()


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    files: int = 0
    fixed: int = 0
    diffs: list[str] = field(default_factory=list)
    fix_errors: list[str] = field(default_factory=list)
    fix_notes: list[str] = field(default_factory=list)
    stdin_code: bytes | None = None  # the fixed code read from standard input (--fix -)


def engine_finding(path: str, code: str, message: str, line: int = 1, column: int = 1,
                   source: Source | None = None) -> Finding:
    """A finding the engine itself reports (EA000, EA001), which no rule visits."""
    rule = all_rules()[code]
    return make_finding(source or Source(path, ""), (line, column), rule, message)


def audit_source(path: str, data: bytes, settings: Settings, prefilter: bool = True,
                 project: Project | None = None) -> list[Finding]:
    """All findings for one file's bytes: the per-file part of the pipeline. Other modules of
    the program are read through `project` (a fresh one when not given)."""
    return audit(path, data, settings, prefilter, project).findings


@dataclass(frozen=True)
class Audit:
    """One file's findings, and the tree they were made from (the fix stage places its edits
    with it); no tree for a notebook or a file that did not parse."""

    findings: list[Finding]
    tree: ast.Module | None = None


def audit(path: str, data: bytes, settings: Settings, prefilter: bool = True,
          project: Project | None = None, tree: ast.Module | None = None) -> Audit:
    """audit_source, given the tree of a Python file's bytes when the caller already parsed
    them (the fix stage parses every text it produces)."""
    catalogue = all_rules()
    enabled = settings.enabled(catalogue, path)
    try:
        source = read_source(path, data)
    except ReadFailure as failure:
        if failure.code not in enabled:
            return Audit([])
        return Audit([engine_finding(path, failure.code, failure.message, failure.line)])
    if skip_file(source.text):
        return Audit([])
    needed = set(enabled)
    for code in enabled:
        needed.update(catalogue[code].defers_to)
    rules: list[type[Rule]] = [
        catalogue[code] for code in sorted(needed) if not catalogue[code].engine_reported
    ]
    if prefilter:
        rules = rules_that_can_fire(source.text, rules)
    parsed = Parsed(tree, ()) if tree is not None and source.cells is None else parse_source(source)
    findings = [
        engine_finding(path, "EA000", problem.message, problem.line, problem.column, source)
        for problem in parsed.problems
        if "EA000" in enabled
    ]
    if parsed.tree is not None and (rules or not prefilter):
        try:
            findings.extend(run_rules(source, parsed.tree, settings, rules, enabled, project))
        except RecursionError:  # e.g. a generated chain of 500 elifs: name resolution recurses
            if "EA000" in enabled:
                findings.append(engine_finding(path, "EA000", "nesting is too deep to analyse"))
    for cell in source.cells or ():
        if cell.writes is not None:
            findings += written_module_findings(path, cell, settings, prefilter, project)
    return Audit(sorted(findings, key=lambda f: f.sort_key), parsed.tree if source.cells is None else None)


def written_path(notebook: str, cell: Cell) -> str:
    """The file a `%%writefile` cell writes, as a path beside the notebook (Jupyter runs the
    notebook in its folder): the module's siblings and importers are found from there."""
    assert cell.writes is not None
    return os.path.normpath(os.path.join(os.path.dirname(notebook), cell.writes.path))


def fix_written(notebook: str, cell: Cell, settings: Settings, mode: FixMode, project: Project | None
                ) -> Fixed:
    """The module a `%%writefile` cell writes, fixed as the file it becomes."""
    assert cell.writes is not None
    return fix_source(written_path(notebook, cell), cell.writes.text.encode("utf-8"), settings, mode, project)


def written_module_findings(notebook: str, cell: Cell, settings: Settings, prefilter: bool,
                            project: Project | None) -> list[Finding]:
    """The findings of the module a cell writes, audited as that file, placed in the cell.
    Their fixes' spans stay the module's own: the notebook fixer fixes the module as a file."""
    assert cell.writes is not None
    shift = cell.writes.first_line - 1
    found = audit(written_path(notebook, cell), cell.writes.text.encode("utf-8"), settings, prefilter,
                  project)
    return [replace(f, path=notebook, cell=cell.number, line=f.line + shift, end_line=f.end_line + shift)
            for f in found.findings]


def applied_fix(finding: Finding, mode: FixMode) -> Fix | None:
    """The fix this run applies for a finding: its own, its safe fallback, or none."""
    if finding.fix is None:
        return None
    ported = any(edit.action is EditAction.SUPPORT_FILE and edit.name in mode.unsafe_ports
                 for edit in finding.fix.edits)
    return finding.fix.allowed(unsafe=mode.unsafe or finding.code in mode.unsafe_codes or ported)


def round_of_fixes(findings: Sequence[Finding], mode: FixMode) -> list[Finding]:
    """The findings one fix round applies, each carrying the fix it applies; fixes that
    restructure the file (the Keras rewrites, planned together on the same code) go without
    the others."""
    todo = [replace(f, fix=fix) for f in findings if (fix := applied_fix(f, mode)) is not None]
    exclusive = [f for f in todo if f.fix is not None and f.fix.exclusive]
    return exclusive or todo


@dataclass(frozen=True)
class Fixed:
    """What fixing one file gave: its new bytes, the findings that remain, the fixes applied."""

    data: bytes
    remaining: list[Finding]
    applied: list[Finding]
    note: str | None = None  # something the user should know about how the file was written


def support_files(applied: list[Finding]) -> tuple[str, ...]:
    """The support modules the applied fixes need beside the file."""
    return tuple(sorted({edit.name for finding in applied if finding.fix is not None
                         for edit in finding.fix.edits if edit.action is EditAction.SUPPORT_FILE}))


def fix_source(path: str, data: bytes, settings: Settings, mode: FixMode, project: Project | None = None
               ) -> Fixed:
    """Fix until no fix applies. Each round's audit reads the tree its fixes were checked with."""
    from estimator_audit.fix import apply_fixes  # libcst: only runs that fix pay for importing it

    current = data
    applied: list[Finding] = []
    tree: ast.Module | None = None
    for _ in range(MAX_FIX_ROUNDS):
        found = audit(path, current, settings, project=project, tree=tree)
        todo = round_of_fixes(found.findings, mode)
        if not todo:
            return Fixed(current, found.findings, applied)
        result = apply_fixes(current, todo, found.tree)
        if not result.applied or result.data == current:
            return Fixed(current, found.findings, applied)
        current, tree = result.data, result.tree
        applied += result.applied
    return Fixed(current, audit(path, current, settings, project=project, tree=tree).findings, applied)


def write_atomically(path: str, data: bytes, root: Path) -> None:
    """Replace the file in one rename, keeping its mode bits; never through a link out of root."""
    real = Path(path).resolve()
    if Path(path).is_symlink() and not real.is_relative_to(root.resolve()):
        raise FixFailure(f"{path} links outside the project ({real}); not written")
    put_in_place(real, data, stat.S_IMODE(os.stat(real).st_mode))


def create_file(target: Path, data: bytes) -> None:
    """A new file (a support module), placed whole like a rewritten one."""
    umask = os.umask(0)
    os.umask(umask)
    put_in_place(target, data, 0o666 & ~umask)


def put_in_place(real: Path, data: bytes, mode: int) -> None:
    """Give `real` the bytes in one rename.

    A run killed at any moment (SIGKILL, the OOM killer, a CI timeout) leaves every file whole,
    old or new (or absent): the new bytes go to an unnamed file (Linux O_TMPFILE) that is named
    only once complete, just before the rename. A kill between those two system calls leaves that
    complete copy under its temporary name (`.x.py.1a2b3c4d.tmp`); elsewhere a named temporary
    file is used from the start. The next write of the file removes such leftovers.
    """
    for stale in real.parent.glob(f".{glob.escape(real.name)}.*.tmp"):
        if TEMPORARY.fullmatch(stale.name[len(real.name) + 2:]):
            with contextlib.suppress(OSError):
                stale.unlink()
    handle = unnamed_file(real.parent)
    if handle is None:
        handle, temporary = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    else:
        temporary = ""  # named below, once the content is complete
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
            if not temporary:
                name = f"{real.parent}/.{real.name}.{os.urandom(4).hex()}.tmp"
                link_into_place(out.fileno(), name)  # fails if the name exists: never ours to remove
                temporary = name
        os.replace(temporary, real)
    except BaseException:
        if temporary:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise


# What follows `.<file name>.` in our temporary names: os.urandom(4).hex(), or mkstemp's suffix.
TEMPORARY = re.compile(r"[A-Za-z0-9_]{8}\.tmp")


def link_into_place(descriptor: int, name: str) -> None:
    """Give the unnamed file a name: linkat(AT_SYMLINK_FOLLOW) on its /proc entry (os.link uses
    plain link(2), which would link the /proc entry itself, unless a folder descriptor is given)."""
    folder = os.open(os.path.dirname(name), os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.link(f"/proc/self/fd/{descriptor}", os.path.basename(name), dst_dir_fd=folder,
                follow_symlinks=True)
    finally:
        os.close(folder)


def unnamed_file(folder: Path) -> int | None:
    """A descriptor of a new file in `folder` with no name yet, or None where the system or the
    file system cannot make one (then a named temporary file is used)."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o600)
    except OSError as error:
        if error.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None  # a kernel or file system without O_TMPFILE
        raise


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    """A unified diff of the two versions, line endings kept as they are."""
    lines = line_diff.unified_diff(
        old.decode("utf-8", "surrogateescape").splitlines(keepends=True),
        new.decode("utf-8", "surrogateescape").splitlines(keepends=True),
        f"a/{path.lstrip('/')}", f"b/{path.lstrip('/')}",
    )
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)


def fix_path(path: str, data: bytes, settings: Settings, mode: FixMode, project: Project) -> FileResult:
    try:
        if path.endswith(".ipynb"):
            from estimator_audit.notebook_fix import fix_notebook

            outcome = fix_notebook(
                path, data, lambda current: audit_source(path, current, settings, project=project),
                lambda findings: round_of_fixes(findings, mode), MAX_FIX_ROUNDS,
                lambda cell: fix_written(path, cell, settings, mode, project))
        else:
            outcome = fix_source(path, data, settings, mode, project)
        if outcome.data == data:
            return FileResult(path, tuple(outcome.remaining))
        fixed, files = len(outcome.applied), support_files(outcome.applied)
        note = f"{path}: {outcome.note}" if outcome.note else None
        if not mode.write:
            return FileResult(path, tuple(outcome.remaining), fixed=fixed,
                              diff=unified_diff(path, data, outcome.data), support_files=files, fix_note=note)
        return FileResult(path, tuple(outcome.remaining), fixed=fixed, new_data=outcome.data,
                          support_files=files, fix_note=note)
    except (FixFailure, OSError, ValueError) as error:
        return FileResult(path, tuple(audit_source(path, data, settings, project=project)),
                          fix_error=f"{path}: {error}")


def audit_path(path: str, settings: Settings, mode: FixMode | None = None,
               project: Project | None = None) -> FileResult:
    """Read one file from disk and audit (and fix) it; never raises."""
    project = project or Project(settings)
    project.begin()
    try:
        data = read_file(path)
    except OSError as error:
        if "EA001" not in settings.enabled(all_rules(), path):
            return FileResult(path)
        reason = error.strerror or str(error)
        return FileResult(path, (engine_finding(path, "EA001", f"cannot read file: {reason}"),))
    try:
        if mode is not None:
            result = fix_path(path, data, settings, mode, project)
        else:
            result = FileResult(path, tuple(audit_source(path, data, settings, project=project)))
    except RecursionError:
        finding = engine_finding(path, "EA000", "nesting is too deep to analyse")
        return FileResult(path, (finding,))
    except Exception:  # a bug in a rule must not stop the other files
        return FileResult(path, internal_error=f"{path}: {traceback.format_exc()}")
    return replace(result, dependencies=project.dependencies())


# The run's project index in a worker process (set by the pool's initializer).
_WORKER_PROJECT: Project | None = None


def _audit_in_worker(job: tuple[str, Settings, FixMode | None]) -> FileResult:
    return audit_path(*job, project=_WORKER_PROJECT)


def start_worker(parent: int, settings: Settings) -> None:
    """Worker initializer: a project index of its own, and leave once the parent is gone."""
    global _WORKER_PROJECT
    _WORKER_PROJECT = Project(settings)
    exit_with_parent(parent)


def exit_with_parent(parent: int) -> None:
    """Leave once the parent process is gone. Workers wait for work on a pipe they themselves
    hold open, so a parent killed with SIGKILL (the OOM killer, a CI timeout that kills one
    process) would leave them waiting forever."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def pool_context() -> BaseContext:
    """fork where the platform has it: workers then start without re-importing anything."""
    import multiprocessing  # only a run with a pool pays for importing it

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else methods[0])


def audit_paths(paths: Sequence[str], settings: Settings, jobs: int | None = None,
                progress: Callable[[int], None] | None = None, mode: FixMode | None = None,
                cache: ResultCache | None = None) -> RunResult:
    """Audit (and fix) files in parallel; results in the order of `paths`. With a cache (an
    audit without fixes), files whose bytes, and the bytes of the other modules their findings
    were made from, it has seen with these settings are not audited again."""
    if cache is None or mode is not None:
        return collect(audited(paths, settings, jobs, mode), len(paths), progress, mode, settings)
    keys = {}
    for path in paths:
        try:
            keys[path] = cache_key(path, read_file(path), settings)
        except OSError:
            continue  # audit_path reports it (EA001)
    known = {key: findings for key, (findings, dependencies) in cache.get(keys.values()).items()
             if unchanged(dependencies)}
    missing = [path for path in paths if keys.get(path) not in known]
    fresh: dict[str, FileResult] = {}
    for path, result in zip(missing, audited(missing, settings, jobs, None), strict=True):
        fresh[path] = result
        if progress is not None:
            progress(len(paths) - len(missing) + len(fresh))
    cache.put({keys[path]: (result.findings, result.dependencies) for path, result in fresh.items()
               if path in keys and result.internal_error is None})
    results = (fresh[path] if path in fresh else FileResult(path, known[keys[path]]) for path in paths)
    return collect(results, len(paths), None, None, settings)


def unchanged(dependencies: Sequence[tuple[str, str]]) -> bool:
    """Whether every module a cached result was made from still has the same bytes."""
    for path, expected in dependencies:
        try:
            if project_digest(read_file(path)) != expected:
                return False
        except OSError:
            return False
    return True


def audited(paths: Sequence[str], settings: Settings, jobs: int | None, mode: FixMode | None
            ) -> Iterator[FileResult]:
    """Each path's result, in order: in this process for a few files, else in a worker pool."""
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(paths) < POOL_THRESHOLD:
        project = Project(settings)
        yield from (audit_path(path, settings, mode, project) for path in paths)
        return
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, min(64, len(paths) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=pool_context(),
                             initializer=start_worker, initargs=(os.getpid(), settings)) as pool:
        yield from pool.map(_audit_in_worker, [(p, settings, mode) for p in paths], chunksize=chunk)


def collect(results: Iterator[FileResult], total: int, progress: Callable[[int], None] | None,
            mode: FixMode | None, settings: Settings) -> RunResult:
    run = RunResult(files=total)
    written: list[FileResult] = []
    for done, result in enumerate(results, start=1):
        run.findings.extend(result.findings)
        run.fixed += result.fixed
        if result.diff:
            run.diffs.append(result.diff)
        if result.fix_error:
            run.fix_errors.append(result.fix_error)
        if result.fix_note:
            run.fix_notes.append(result.fix_note)
        if result.internal_error:
            run.internal_errors.append(result.internal_error)
        if result.new_data is not None or result.support_files:
            written.append(result)
        if progress is not None:
            progress(done)
    if mode is not None:
        write_fixes(written, mode, settings, run)
    return run


def write_fixes(results: list[FileResult], mode: FixMode, settings: Settings, run: RunResult) -> None:
    """Write (or, for --diff, show) the fixed files and the support modules they need, once
    every file has been fixed: each was planned from the program as it was."""
    from estimator_audit.migrate.support_files import SupportConflict, diff, needed_change

    ready: dict[Path, str | None] = {}  # support file -> why it cannot be written, or None
    for result in results:
        try:
            for name in result.support_files:
                target = Path(result.path).resolve().parent / name
                if target not in ready:
                    ready[target] = None
                    try:
                        change = needed_change(target, name)
                    except SupportConflict as conflict:
                        ready[target] = str(conflict)
                        change = None
                    if change is not None and mode.write:
                        if target.exists():
                            write_atomically(str(target), change[1], settings.root)
                        else:
                            create_file(target, change[1])
                    elif change is not None:
                        run.diffs.append(diff(os.path.join(os.path.dirname(result.path), name), *change))
                if ready[target] is not None:
                    raise FixFailure(ready[target])
            if mode.write and result.new_data is not None:
                write_atomically(result.path, result.new_data, settings.root)
        except (FixFailure, OSError) as error:
            run.fix_errors.append(f"{result.path}: {error}")
            run.fixed -= result.fixed
            # The file keeps its old bytes, so it keeps its old findings.
            run.findings = [f for f in run.findings if f.path != result.path]
            run.findings += audit_path(result.path, settings).findings


def audit_stdin(path: str, settings: Settings, mode: FixMode | None = None) -> RunResult:
    """Audit (or fix) the code on standard input, as the file `path` would be. Fixed code goes
    to `RunResult.stdin_code`: with --fix it is printed instead of written (ruff's way)."""
    data = sys.stdin.buffer.read()
    if mode is None:
        return RunResult(findings=audit_source(path, data, settings), files=1)
    result = fix_path(path, data, settings, replace(mode, write=True), Project(settings))
    run = RunResult(findings=list(result.findings), files=1, fixed=result.fixed,
                    stdin_code=result.new_data if result.new_data is not None else data)
    if result.fix_error:
        run.fix_errors.append(result.fix_error)
    if not mode.write and result.new_data is not None:
        run.diffs.append(unified_diff(path, data, result.new_data))
    return run
