"""Command line: `estimator-audit PATH...` audits; `rule CODE` explains a rule; `runtime` manages
the TensorFlow runtimes; `repro SCRIPT` runs a program several times and compares the runs;
`compare LEGACY MIGRATED` checks that a migration trains like the legacy program.

Exit codes: 0 no findings, 1 findings remain, 2 usage, configuration or internal error.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sqlite3
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from estimator_audit import __version__
from estimator_audit.cache import ResultCache, cache_dir
from estimator_audit.catalogue import all_rules, rule_table
from estimator_audit.config import (
    ConfigError,
    Settings,
    check_codes,
    checked_seed,
    load_settings,
    parse_version,
)
from estimator_audit.discover import discover
from estimator_audit.pipeline import FixMode, RunResult, audit_paths, audit_source, audit_stdin
from estimator_audit.progress import ProgressBar
from estimator_audit.report import FORMATS
from estimator_audit.report.context import ReportContext
from estimator_audit.report.text import counted, statistics
from estimator_audit.rule import render_docs
from estimator_audit.source import read_file

# The shim's modules (runtimes, repro, compare) load in the commands that use them: an audit, the
# pre-commit case, starts without them.

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def codes(text: str) -> list[str]:
    return [part for part in text.split(",") if part.strip()]


def check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="estimator-audit",
        description="Audit TensorFlow 1.x-era training code for reproducibility and migration "
        "hazards. Subcommands: `rule CODE` explains a rule; `runtime install|list` manages "
        "the TensorFlow runtimes; `repro SCRIPT` checks that training is bit-reproducible; "
        "`compare LEGACY MIGRATED` checks that a migration trains like "
        "the legacy program.",
    )
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files or folders to audit (default: .); - reads standard input")
    parser.add_argument("--output-format", choices=sorted(FORMATS), default="text")
    parser.add_argument("-o", "--output-file", type=Path, help="write the report to this file")
    parser.add_argument("--select", type=codes, help="codes or prefixes to enable (EA2,EA401)")
    parser.add_argument("--ignore", type=codes, help="codes or prefixes to disable")
    parser.add_argument("--exclude", type=codes, help="globs of paths to skip, added to the config")
    parser.add_argument("--seed", type=int, help="seed value the fixes insert (default 42)")
    parser.add_argument("--target", help="TensorFlow version the code must run on (default 2.21)")
    parser.add_argument("--config", type=Path, help="a pyproject.toml (or TOML table) to use")
    parser.add_argument("--stdin-filename", help="the path standard input stands for")
    parser.add_argument("--no-cache", dest="cache", action="store_false",
                        help="audit every file, without reading or writing the result cache")
    parser.add_argument("--cache-dir", type=Path,
                        help="where the result cache lives (default: $ESTIMATOR_AUDIT_CACHE or "
                        "~/.cache/estimator-audit)")
    parser.add_argument("-j", "--jobs", type=int, default=None,
                        help="worker processes (default: all cores)")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes and write the files")
    parser.add_argument("--unsafe-fixes", action="store_true",
                        help="with --fix or --diff, also apply fixes that change behaviour on purpose")
    parser.add_argument("--diff", action="store_true",
                        help="print the fixes as a unified diff and write nothing")
    parser.add_argument("--statistics", action="store_true", help="print counts per rule")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    parser.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false")
    parser.add_argument("--version", action="version", version=f"estimator-audit {__version__}")
    return parser


def rule_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="estimator-audit rule",
                                     description="Print a rule's documentation.")
    parser.add_argument("code", nargs="?", help="a rule code such as EA203")
    parser.add_argument("--all", action="store_true", help="list the whole catalogue")
    return parser


def runtime_parser() -> argparse.ArgumentParser:
    from estimator_audit.shim.runtimes import RUNTIMES
    parser = argparse.ArgumentParser(prog="estimator-audit runtime",
                                     description="Manage the TensorFlow runtimes the shim uses.")
    actions = parser.add_subparsers(dest="action", required=True)
    install = actions.add_parser("install", help="create a runtime's virtual environment")
    install.add_argument("name", choices=sorted(RUNTIMES))
    install.add_argument("--python", help="the interpreter to build it from")
    actions.add_parser("list", help="show the installed runtimes and their versions")
    return parser


def run_runtime(argv: Sequence[str]) -> int:
    from estimator_audit.shim import runtimes
    args = runtime_parser().parse_args(argv)
    if args.action == "install":
        try:
            created = runtimes.install(args.name, args.python, quiet=False)
        except runtimes.RuntimeUnavailable as error:
            print(f"estimator-audit: {error}", file=sys.stderr)
            return EXIT_ERROR
        print(f"{args.name}: {created}")
        return EXIT_CLEAN
    for name in sorted(runtimes.RUNTIMES):
        python = runtimes.installed_python(name)
        if python is None:
            print(f"{name}: not installed (estimator-audit runtime install {name})")
            continue
        info = runtimes.describe(python)
        versions = ", ".join(f"{k} {v}" for k, v in info.items() if k != "executable" and v)
        print(f"{name}: {python} ({versions})")
    return EXIT_CLEAN


def repro_parser() -> argparse.ArgumentParser:
    from estimator_audit.shim.repro import DEFAULT_RUNS, DEFAULT_TIMEOUT
    from estimator_audit.shim.runtimes import RUNTIMES
    parser = argparse.ArgumentParser(
        prog="estimator-audit repro", usage="estimator-audit repro [options] SCRIPT [-- ARGS]",
        description="Run a training program several times under a TensorFlow runtime, traced, and "
        "report whether the runs are bit-identical or where they first diverge (exit 0 identical, "
        "1 diverged, 2 error). Arguments after -- are passed to the program.")
    parser.add_argument("script", help="the program to run")
    parser.add_argument("--runtime", choices=sorted(RUNTIMES),
                        help="default: legacy (TF 2.15) for a program that uses tf.estimator, else current")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="runs to compare (default 2)")
    parser.add_argument("--python", help="an interpreter with TensorFlow to use instead of the runtime")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per run")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def run_repro(argv: Sequence[str]) -> int:
    from estimator_audit.shim.repro import repro
    argv = list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args = repro_parser().parse_args(argv[:split])
    if not args.timeout > 0:
        print("estimator-audit: --timeout must be a positive number of seconds", file=sys.stderr)
        return EXIT_ERROR
    runtime = args.runtime or default_runtime(Path(args.script))
    if args.runtime is None and runtime == "legacy" and args.python is None:
        print("estimator-audit repro: the program uses tf.estimator, which TensorFlow 2.16+ lacks: "
              "running it under the legacy runtime (TF 2.15); --runtime current to override", file=sys.stderr)
    report = repro(args.script, runtime, args.runs, argv[split + 1:], args.python, args.timeout,
                   progress=lambda text: print(f"estimator-audit repro: {text}", file=sys.stderr))
    sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n" if args.json else report.text())
    return report.exit_code


def default_runtime(script: Path) -> str:
    """The legacy runtime for a program that builds Estimators (they are gone from TF 2.16),
    else the current one; read statically, like the audit."""
    try:
        data = read_file(str(script))
    except OSError:
        return "current"  # repro reports the missing file
    settings = Settings(root=script.resolve().parent, select=("EA101", "EA102", "EA107"))
    return "legacy" if audit_source(str(script), data, settings) else "current"


def compare_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="estimator-audit compare",
        description="Run a legacy Estimator program under TF 2.15 and its migration under TF 2.21 + "
        "Keras 3 and compare them: step by step from the estimator's own initial weights and "
        "batches (equivalence mode), or by their evaluate() metrics and predictions (outcome mode). "
        "Exit 0 equivalent, 1 not equivalent, 2 error.")
    parser.add_argument("legacy", type=Path, help="the legacy program (runs on the legacy runtime)")
    parser.add_argument("migrated", type=Path, help="its migration (runs on the current runtime)")
    parser.add_argument("--mode", choices=("equivalence", "outcome"),
                        help="default: equivalence when the legacy program builds one premade "
                        "estimator the rewrite describes and trains it without dropout")
    parser.add_argument("--rtol", type=float,
                        help="relative tolerance (default 1e-5 in equivalence mode, 0.05 in outcome mode)")
    parser.add_argument("--atol", type=float,
                        help="absolute tolerance (default 1e-6 in equivalence mode, 0.02 in outcome mode)")
    parser.add_argument("--steps", type=int, help="train this many steps at every train/fit call")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--plot", type=Path, metavar="FILE.png",
                        help="draw both loss curves and their difference (needs matplotlib)")
    parser.add_argument("--legacy-python", help="interpreter of the legacy runtime")
    parser.add_argument("--python", help="interpreter of the current runtime")
    return parser


def run_compare(argv: Sequence[str]) -> int:
    from estimator_audit.shim.compare import CompareError, compare, plot
    args = compare_parser().parse_args(argv)
    if args.steps is not None and args.steps < 1:
        print("estimator-audit: --steps must be at least 1", file=sys.stderr)
        return EXIT_ERROR
    if any(value is not None and not value >= 0 for value in (args.rtol, args.atol)):
        print("estimator-audit: --rtol and --atol must be at least 0", file=sys.stderr)
        return EXIT_ERROR
    if args.plot is not None and importlib.util.find_spec("matplotlib") is None:
        print("estimator-audit: --plot needs matplotlib: pip install 'estimator-audit[plot]'",
              file=sys.stderr)
        return EXIT_ERROR
    try:
        result = compare(args.legacy, args.migrated, rtol=args.rtol, atol=args.atol, steps=args.steps,
                         mode=args.mode, legacy_python=args.legacy_python, python=args.python,
                         progress=lambda text: print(f"estimator-audit compare: {text}", file=sys.stderr))
        if args.plot is not None:
            plot(result, args.plot)
    except CompareError as error:
        print(f"estimator-audit: {error}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n" if args.json else result.text())
    return EXIT_CLEAN if result.equivalent else EXIT_FINDINGS


def settings_from(args: argparse.Namespace, start: Path) -> Settings:
    known = list(all_rules())
    settings = load_settings(start, args.config, known)
    updates: dict[str, object] = {}
    if args.select:
        updates["select"] = check_codes(tuple(args.select), known)
    if args.ignore:
        updates["ignore"] = settings.ignore + check_codes(tuple(args.ignore), known)
    if args.exclude:
        updates["exclude"] = settings.exclude + tuple(args.exclude)
    if args.seed is not None:
        updates["seed"] = checked_seed(args.seed)
    if args.target:
        updates["target"] = parse_version(args.target)
    return replace(settings, **updates)  # type: ignore[arg-type]


def run_check(argv: Sequence[str]) -> int:
    args = check_parser().parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        print("estimator-audit: --jobs must be at least 1", file=sys.stderr)
        return EXIT_ERROR
    reading_stdin = args.paths == ["-"]
    conflict = flag_conflict(args, reading_stdin)
    if conflict:
        print(f"estimator-audit: {conflict}", file=sys.stderr)
        return EXIT_ERROR
    start = Path(args.stdin_filename).parent if reading_stdin and args.stdin_filename else Path.cwd()
    try:
        settings = settings_from(args, start)
    except ConfigError as error:
        print(f"estimator-audit: {error}", file=sys.stderr)
        return EXIT_ERROR
    mode = FixMode(unsafe=args.unsafe_fixes, write=not args.diff) if args.fix or args.diff else None
    if reading_stdin:
        result = audit_stdin(args.stdin_filename or "-", settings, mode)
    else:
        missing = [p for p in args.paths if not os.path.lexists(p)]
        if missing:
            print(f"estimator-audit: no such file or directory: {', '.join(missing)}", file=sys.stderr)
            return EXIT_ERROR
        files = discover(args.paths, settings, args.respect_gitignore)
        if not files:
            print(f"estimator-audit: warning: no Python files or notebooks to check under "
                  f"{', '.join(args.paths)} (after excludes)", file=sys.stderr)
        progress = ProgressBar(len(files)) if ProgressBar.wanted(len(files)) else None
        cache = open_cache(args) if mode is None else None
        try:
            result = audit_paths(files, settings, args.jobs, progress, mode, cache)
        finally:
            if cache is not None:
                cache.close()
    return report(result, args, settings)


def flag_conflict(args: argparse.Namespace, reading_stdin: bool) -> str | None:
    """Why a combination of flags cannot mean anything, instead of ignoring one of them."""
    if args.stdin_filename and not reading_stdin:
        return "--stdin-filename names the code read from standard input: pass - as the path"
    if args.statistics and args.output_format not in ("text", "concise"):
        return (f"--statistics prints a text table; it cannot be combined with --output-format "
                f"{args.output_format}")
    return None


def open_cache(args: argparse.Namespace) -> ResultCache | None:
    """The result cache, unless disabled; a cache that cannot be used only costs speed."""
    if not args.cache:
        return None
    try:
        return ResultCache(args.cache_dir or cache_dir())
    except (OSError, sqlite3.Error) as error:
        print(f"estimator-audit: result cache unavailable ({error}); auditing every file",
              file=sys.stderr)
        return None


def report(result: RunResult, args: argparse.Namespace, settings: Settings) -> int:
    findings = sorted(result.findings, key=lambda f: f.sort_key)
    if args.diff:
        sys.stdout.write("".join(result.diffs))
        for error in result.fix_errors:
            print(f"estimator-audit: not fixed: {error}", file=sys.stderr)
        for note in result.fix_notes:
            print(f"estimator-audit: note: {note}", file=sys.stderr)
        noun = "fix" if result.fixed == 1 else "fixes"
        print(f"Would fix {counted(result.fixed, 'finding')} ({counted(len(result.diffs), 'file')}); "
              f"{noun} not written", file=sys.stderr)
        if report_internal_errors(result):
            return EXIT_ERROR
        return EXIT_FINDINGS if (result.fixed or findings) and not args.exit_zero else EXIT_CLEAN
    if result.stdin_code is not None:  # `--fix -`: the fixed code on stdout, the report on stderr
        sys.stdout.buffer.write(result.stdin_code)
        sys.stdout.flush()
    if args.fix and result.fixed:
        print(f"Fixed {counted(result.fixed, 'finding')}.", file=sys.stderr)
    for error in result.fix_errors:
        print(f"estimator-audit: not fixed: {error}", file=sys.stderr)
    for note in result.fix_notes:
        print(f"estimator-audit: note: {note}", file=sys.stderr)
    context = ReportContext(files=result.files, root=settings.root)
    output = FORMATS[args.output_format](findings, context)
    if args.statistics:
        output = statistics(findings) if args.output_format in ("text", "concise") else output
    if result.stdin_code is not None and not args.output_file:
        sys.stderr.write(output)
    elif args.output_file:
        try:
            args.output_file.write_text(output, encoding="utf-8")
        except OSError as failure:
            reason = failure.strerror or failure
            print(f"estimator-audit: cannot write {args.output_file}: {reason}", file=sys.stderr)
            return EXIT_ERROR
    else:
        sys.stdout.write(output)
    if report_internal_errors(result):
        return EXIT_ERROR
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_CLEAN


def report_internal_errors(result: RunResult) -> bool:
    """Print our own bugs (a file the run could not check or fix); whether there were any."""
    for error in result.internal_errors:
        print(f"estimator-audit: internal error while checking {error}", file=sys.stderr)
    return bool(result.internal_errors)


def run_rule(argv: Sequence[str]) -> int:
    args = rule_parser().parse_args(argv)
    rules = all_rules()
    if args.all and args.code:
        print("estimator-audit: rule takes a code or --all, not both", file=sys.stderr)
        return EXIT_ERROR
    if args.all or not args.code:
        sys.stdout.write(rule_table())
        return EXIT_CLEAN
    rule = rules.get(args.code.upper())
    if rule is None:
        print(f"estimator-audit: unknown rule {args.code!r}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(render_docs(rule))
    return EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "rule":
            return run_rule(argv[1:])
        if argv and argv[0] == "runtime":
            return run_runtime(argv[1:])
        if argv and argv[0] == "compare":
            return run_compare(argv[1:])
        if argv and argv[0] == "repro":
            return run_repro(argv[1:])
        if argv and argv[0] == "check":
            argv = argv[1:]
        return run_check(argv)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_CLEAN
    except Exception:  # never a bare traceback with exit 1: that would read as "findings"
        traceback.print_exc()
        print("estimator-audit: internal error (please report it)", file=sys.stderr)
        return EXIT_ERROR
