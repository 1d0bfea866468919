"""Parent side of `estimator-audit repro`: run a training program several times, traced, and say
whether the runs were bit-identical or where and how they first diverged.

Each run is a child process under a TensorFlow runtime (this process never imports TensorFlow)
with `trace.py` loaded before the program, in a folder of its own: a fresh working directory
that links to the entries of the current one (new files stay in the run's folder), its own
TMPDIR, and fresh Estimator model_dirs, so no run reads what another wrote. The runs go one
after another; every run after the first gets the first run's trace and keeps the full values
of the first event that differs from it. The report names the static findings of the script
that explain the kind of divergence found.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from estimator_audit.config import Settings
from estimator_audit.findings import Finding
from estimator_audit.pipeline import audit_path
from estimator_audit.shim import fingerprint, runtimes
from estimator_audit.shim.trace import TRACE_FILE, Event, Trace, read_trace

DEFAULT_RUNS = 2
DEFAULT_TIMEOUT = 1800.0  # seconds per run
STDERR_TAIL = 30  # lines of a failed run's standard error shown in the report
SHOWN_VARIABLES = 8

# `python -c BOOT trace.py config.json`: trace.py by its path, under a name no program uses.
BOOT = """import importlib.util, sys
spec = importlib.util.spec_from_file_location("_estimator_audit_trace", sys.argv[1])
trace = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = trace
spec.loader.exec_module(trace)
trace.main(sys.argv[2])
"""
TRACE_PY = Path(__file__).with_name("trace.py")

Kind = Literal["initial", "data", "update", "loss", "output", "structure"]
# The rules whose findings explain each kind of divergence, the most specific first.
EXPLAINS: dict[str, tuple[str, ...]] = {
    "initial": ("EA203", "EA201", "EA202", "EA204", "EA404", "EA205"),
    "data": ("EA301", "EA208", "EA207", "EA305", "EA202", "EA205", "EA201", "EA204"),
    "update": ("EA303", "EA202", "EA201", "EA204", "EA205", "EA302", "EA304", "EA103"),
}
EXPLAINS["loss"] = EXPLAINS["output"] = EXPLAINS["update"]
EXPLAINS["structure"] = EXPLAINS["data"]


class ReproError(Exception):
    """The runs could not be compared: a run crashed, timed out, or nothing was traced."""

    def __init__(self, message: str, outcome: RunOutcome | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome


@dataclass(frozen=True)
class VariableDifference:
    name: str
    max_abs: float | None = None  # None: the values were not kept
    max_rel: float | None = None  # max|a - b| / max|b|, b from run 1


@dataclass(frozen=True)
class Explanation:
    """A static finding of the script that explains the divergence."""

    code: str
    name: str
    path: str
    line: int
    message: str

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Divergence:
    run: int  # the run that differs from run 1
    event: int  # index of the first differing event
    step: int  # training steps both runs made before it
    kind: Kind
    source: str  # the API that recorded the event
    variables: tuple[VariableDifference, ...] = ()  # those that differ at that event
    detail: str = ""


@dataclass(frozen=True)
class RunOutcome:
    run: int
    returncode: int | None  # None: timed out
    seconds: float
    stderr_tail: str = ""


@dataclass
class ReproReport:
    script: str
    runtime: str
    python: str
    runs: list[RunOutcome] = field(default_factory=list)
    status: Literal["identical", "diverged", "error"] = "error"
    steps: int = 0  # training steps of run 1
    counts: dict[str, int] = field(default_factory=dict)  # run 1's events by kind
    divergence: Divergence | None = None
    final: tuple[VariableDifference, ...] = ()  # after the last step, when a divergence was found
    explanations: tuple[Explanation, ...] = ()
    fingerprint: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def exit_code(self) -> int:
        """0 bit-identical, 1 diverged, 2 the runs could not be compared."""
        return {"identical": 0, "diverged": 1, "error": 2}[self.status]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "exit_code": self.exit_code}

    def text(self) -> str:
        where = f" ({self.python})" if self.python else ""
        lines = [f"estimator-audit repro: {self.script} under the {self.runtime} runtime{where}"]
        if self.status == "error":
            lines.append(f"error: {self.error}")
            failed = self.runs[-1] if self.runs else None  # the run that stopped the comparison
            if failed is not None and failed.stderr_tail:
                lines.append(f"last lines of run {failed.run}'s standard error:")
                lines.extend("  " + line for line in failed.stderr_tail.splitlines())
        elif self.divergence is None:
            lines.append(f"bit-identical over {self.steps} steps: {self.what_was_compared()}")
        else:
            lines.extend(self.divergence_text(self.divergence))
        lines.extend(f"note: {note}" for note in self.notes)
        if self.fingerprint:
            lines.append("environment (run 1):")
            lines.append(fingerprint.render(self.fingerprint).rstrip("\n"))
        return "\n".join(lines) + "\n"

    def what_was_compared(self) -> str:
        parts = []
        if self.counts.get("init"):
            parts.append("initial weights")
        if self.steps:
            parts.append("every batch, loss and trainable variable after every step")
        parts.extend(f"{count} {kind} output{'s' if count > 1 else ''}"
                     for kind in ("evaluate", "predict") if (count := self.counts.get(kind, 0)))
        runs = len(self.runs)
        return f"{', '.join(parts)} ({'both runs' if runs == 2 else f'all {runs} runs'} agree)"

    def divergence_text(self, divergence: Divergence) -> list[str]:
        headline = headline_of(divergence)
        if self.explanations:
            first = self.explanations[0]
            headline += f"; {first.code} at {first.location} explains it"
        lines = [headline + "."]
        if divergence.detail:
            lines.append(f"  {divergence.detail}")
        if divergence.variables:
            lines.extend(table(divergence.variables, f"run {divergence.run} against run 1"))
        for explanation in self.explanations:
            lines.append(f"  {explanation.code} ({explanation.name}) at {explanation.location}: "
                         f"{explanation.message}")
        if not self.explanations:
            codes = ", ".join(EXPLAINS[divergence.kind])
            lines.append(f"  no finding of the static audit explains it (looked for {codes})")
        if self.final:
            lines.append(f"  after the last step, {len(self.final)} trainable variable(s) differ:")
            lines.extend(table(self.final, ""))
        return lines


def headline_of(divergence: Divergence) -> str:
    names = [v.name for v in divergence.variables]
    where = (f"{names[0]}" + (f" (and {len(names) - 1} more variable{'s' if len(names) > 2 else ''})"
                              if len(names) > 1 else "")) if names else "no trainable variable"
    step = divergence.step
    return {
        "initial": f"DIVERGED at step {step} in the initial weights: {where}",
        "data": f"DIVERGED at step {step}: the batch fed already differed (data order); then {where}",
        "update": f"DIVERGED at step {step} in {where}: same initial weights and batch, different update "
                  "(random ops inside the step, or nondeterministic kernels)",
        "loss": f"DIVERGED at step {step}: same batch and weights, different loss",
        "output": f"DIVERGED at {divergence.source} after {step} identical steps: its outputs differ",
        "structure": f"DIVERGED after {step} identical steps: the runs did different things",
    }[divergence.kind]


def table(variables: Sequence[VariableDifference], title: str) -> list[str]:
    width = max(len(v.name) for v in variables[:SHOWN_VARIABLES])
    lines = [f"  {title}:"] if title else []
    lines.append(f"    {'variable'.ljust(width)}  {'max abs':>11}  {'max rel':>11}")
    for v in variables[:SHOWN_VARIABLES]:
        lines.append(f"    {v.name.ljust(width)}  {number(v.max_abs)}  {number(v.max_rel)}")
    if len(variables) > SHOWN_VARIABLES:
        lines.append(f"    ... and {len(variables) - SHOWN_VARIABLES} more")
    return lines


def number(value: float | None) -> str:
    return f"{'not kept':>11}" if value is None else f"{value:>11.4g}"


# --- comparing traces ------------------------------------------------------------------------

def steps_before(events: Sequence[Event], index: int) -> int:
    return sum(1 for event in events[:index] if event.kind == "step")


def describe(event: Event | None) -> str:
    if event is None:
        return "ended"
    what = f"step {event.step}" if event.kind == "step" else event.kind
    return f"recorded {what} of {event.source}"


def first_divergence(reference: Sequence[Event], other: Sequence[Event], run: int) -> Divergence | None:
    """Where `other` first differs from `reference`, and what differs there (no magnitudes yet)."""
    index = next((i for i, (a, b) in enumerate(zip(reference, other, strict=False)) if a != b),
                 min(len(reference), len(other)))
    if index == len(reference) == len(other):
        return None
    step = steps_before(reference, index)
    a = reference[index] if index < len(reference) else None
    b = other[index] if index < len(other) else None
    if a is None or b is None or (a.kind, a.source, a.names) != (b.kind, b.source, b.names):
        source = a.source if a is not None else b.source if b is not None else ""
        return Divergence(run, index, step, "structure", source,
                          detail=f"event {index}: run 1 {describe(a)}; run {run} {describe(b)}")
    differing = changed(a, b)
    if a.kind == "init":
        return Divergence(run, index, step, "initial", a.source, differing)
    if a.kind == "step":
        kind: Kind = "data" if a.batch != b.batch else "update" if differing else "loss"
        detail = ""
        if kind == "loss" and a.loss and b.loss:
            detail = f"loss {float.fromhex(a.loss)!r} in run 1, {float.fromhex(b.loss)!r} in run {run}"
        return Divergence(run, index, step, kind, a.source, differing, detail)
    return Divergence(run, index, step, "output", a.source)


def changed(a: Event, b: Event) -> tuple[VariableDifference, ...]:
    """The variables whose digests differ between two events over the same variables."""
    return tuple(VariableDifference(name)
                 for name, x, y in zip(a.names, a.digests, b.digests, strict=True) if x != y)


def magnitudes(names: Sequence[str], differing: Sequence[VariableDifference], reference: Path | None,
               other: Path | None) -> tuple[VariableDifference, ...]:
    """Max absolute and relative differences, from the values both runs kept for the event."""
    if reference is None or other is None:
        return tuple(differing)
    import numpy as np

    position = {name: i for i, name in enumerate(names)}
    result = []
    with np.load(reference) as a_values, np.load(other) as b_values:
        for variable in differing:
            key = f"arr_{position[variable.name]}"
            b = np.asarray(a_values[key], dtype=np.float64)  # run 1 is the reference
            a = np.asarray(b_values[key], dtype=np.float64)
            if a.shape != b.shape:
                result.append(variable)
                continue
            largest = float(np.max(np.abs(a - b))) if a.size else 0.0
            scale = float(np.max(np.abs(b))) if b.size else 0.0
            relative = largest / scale if scale else (0.0 if largest == 0 else float("inf"))
            result.append(VariableDifference(variable.name, largest, relative))
    return tuple(result)


def explain(script: Path, shown_as: str, kind: str) -> tuple[Explanation, ...]:
    """The script's own static findings that explain this kind of divergence, most specific first."""
    found = audit_path(str(script), Settings()).findings
    order = EXPLAINS[kind]
    relevant: list[Finding] = sorted((f for f in found if f.code in order),
                                     key=lambda f: (order.index(f.code), f.line, f.column))
    return tuple(Explanation(f.code, f.name, shown_as, f.line, f.message) for f in relevant)


# --- running ---------------------------------------------------------------------------------

@dataclass
class Run:
    """One traced child: where it lives and what it left."""

    number: int
    folder: Path
    outcome: RunOutcome
    trace: Trace

    def values(self, event: int) -> Path | None:
        name = self.trace.values.get(event)
        return self.folder / "out" / name if name else None


@contextmanager
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="estimator-audit-repro-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def shadow_workdir(folder: Path, source: Path, skip: Path) -> None:
    """A working directory whose entries link to the current one's: reads work, new files stay here."""
    folder.mkdir()
    for entry in sorted(source.iterdir()):
        if entry.resolve() != skip.resolve():
            (folder / entry.name).symlink_to(entry)


def run_child(python: str, script: Path, args: Sequence[str], folder: Path, timeout: float, number: int,
              reference: Path | None = None, dump: Sequence[int] = ()) -> Run:
    """One traced run of the script in `folder`; raises ReproError when it does not finish cleanly."""
    for part in ("out", "tmp", "model_dirs"):
        (folder / part).mkdir(parents=True)
    shadow_workdir(folder / "work", Path.cwd(), folder.parent)
    config = {"script": str(script), "argv": list(args), "out": str(folder / "out"),
              "model_dirs": str(folder / "model_dirs"), "dump": list(dump),
              "reference": str(reference) if reference else None}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    tmp = str(folder / "tmp")
    environment = {**os.environ, "TMPDIR": tmp, "TEMP": tmp, "TMP": tmp}
    command = [python, "-c", BOOT, str(TRACE_PY), str(folder / "config.json")]
    started = time.perf_counter()
    with open(folder / "stdout.txt", "wb") as stdout, open(folder / "stderr.txt", "wb") as stderr:
        child = subprocess.Popen(command, cwd=folder / "work", env=environment, stdin=subprocess.DEVNULL,
                                 stdout=stdout, stderr=stderr, start_new_session=True)
        try:
            returncode: int | None = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)  # the child's own process group: its workers too
            child.wait()
            returncode = None
    seconds = time.perf_counter() - started
    lines = (folder / "stderr.txt").read_text(encoding="utf-8", errors="replace").splitlines()
    outcome = RunOutcome(number, returncode, round(seconds, 2), "\n".join(lines[-STDERR_TAIL:]))
    if returncode is None:
        raise ReproError(f"run {number} timed out after {timeout:g} s", outcome)
    if returncode != 0:
        raise ReproError(f"run {number} exited with status {returncode}", outcome)
    if not (folder / "out" / TRACE_FILE).exists():
        raise ReproError(f"run {number} ended without writing its trace", outcome)
    return Run(number, folder, outcome, read_trace(folder / "out" / TRACE_FILE))


def interpreter(runtime: str, python: str | None) -> str:
    if python is not None:
        return python
    if runtime not in runtimes.RUNTIMES:
        raise ReproError(f"unknown runtime {runtime!r} (choose {' or '.join(sorted(runtimes.RUNTIMES))})")
    installed = runtimes.installed_python(runtime)
    if installed is None:
        raise ReproError(f"the {runtime} runtime is not installed: estimator-audit runtime install {runtime}")
    return str(installed)


def repro(script: str | os.PathLike[str], runtime: str = "current", runs: int = DEFAULT_RUNS,
          args: Sequence[str] = (), python: str | None = None, timeout: float = DEFAULT_TIMEOUT,
          progress: Callable[[str], None] | None = None) -> ReproReport:
    """Run `script` `runs` times under `runtime` (or the interpreter `python`), traced; compare the runs."""
    report = ReproReport(str(script), runtime if python is None else "custom interpreter", python or "")
    try:
        if runs < 2:
            raise ReproError("at least 2 runs are needed to compare")
        path = Path(script).resolve()
        if not path.is_file():
            raise ReproError(f"no such file: {script}")
        report.python = interpreter(runtime, python)
        with scratch() as folder:
            compare_runs(report, path, args, folder, timeout, runs, progress or (lambda text: None))
    except ReproError as error:
        report.status = "error"
        report.error = str(error)
        if error.outcome is not None:
            report.runs.append(error.outcome)
    return report


def compare_runs(report: ReproReport, script: Path, args: Sequence[str], folder: Path, timeout: float,
                 runs: int, progress: Callable[[str], None]) -> None:
    done: list[Run] = []
    for number in range(1, runs + 1):
        progress(f"run {number}/{runs}...")
        reference = done[0].folder / "out" / TRACE_FILE if done else None
        done.append(run_child(report.python, script, args, folder / f"run-{number}", timeout, number,
                              reference))
        report.runs.append(done[-1].outcome)
        progress(f"run {number}/{runs}: {done[-1].outcome.seconds:.1f} s")
    first = done[0]
    events = first.trace.events
    report.fingerprint = first.trace.fingerprint
    report.notes = list(dict.fromkeys(note for run in done for note in run.trace.notes))
    report.notes.extend(fingerprint_differences(done))
    if not events:
        raise ReproError("nothing was traced: the program trained through none of the instrumented APIs "
                         "(Keras fit/train_on_batch/evaluate/predict, Estimator train/evaluate/predict, "
                         "TF1 Session.run of an update of trainable variables)")
    report.steps = steps_before(events, len(events))
    report.counts = {kind: sum(1 for e in events if e.kind == kind)
                     for kind in ("init", "evaluate", "predict")}
    found = [d for run in done[1:] if (d := first_divergence(events, run.trace.events, run.number))]
    if not found:
        report.status = "identical"
        return
    report.status = "diverged"
    divergence = min(found, key=lambda d: (d.event, d.run))
    other = done[divergence.run - 1]
    if divergence.variables:
        reference_values = first.values(divergence.event)
        if reference_values is None:
            progress(f"run 1 again, to keep its values at step {divergence.step}...")
            reference_values = rerun_values(report, script, args, folder, timeout, first, divergence.event)
        names = events[divergence.event].names
        variables = magnitudes(names, divergence.variables, reference_values, other.values(divergence.event))
        divergence = Divergence(divergence.run, divergence.event, divergence.step, divergence.kind,
                                divergence.source, variables, divergence.detail)
    report.divergence = divergence
    report.final = final_difference(first, other)
    report.explanations = explain(script, report.script, divergence.kind)


def rerun_values(report: ReproReport, script: Path, args: Sequence[str], folder: Path, timeout: float,
                 first: Run, event: int) -> Path | None:
    """Run 1 did not keep its values at `event`: run it again, keeping them, if it repeats itself."""
    again = run_child(report.python, script, args, folder / "run-1-again", timeout, 1, dump=[event])
    if again.trace.events[event:event + 1] != first.trace.events[event:event + 1]:
        report.notes.append("a re-run of run 1 that was to keep its values did not repeat run 1; "
                            "the differences are not measured")
        return None
    return again.values(event)


def final_difference(first: Run, other: Run) -> tuple[VariableDifference, ...]:
    """The variables that differ after the last step, when both runs made the same steps."""
    last = max((i for i, e in enumerate(first.trace.events) if e.kind == "step"), default=None)
    if last is None or last >= len(other.trace.events):
        return ()
    a, b = first.trace.events[last], other.trace.events[last]
    if (a.kind, a.names) != (b.kind, b.names):
        return ()
    return magnitudes(a.names, changed(a, b), first.values(last), other.values(last))


def fingerprint_differences(runs: Sequence[Run]) -> list[str]:
    base = runs[0].trace.fingerprint
    return [f"run {run.number}'s environment differs from run 1's in {key}"
            for run in runs[1:] for key in sorted(base) if run.trace.fingerprint.get(key) != base[key]]


def assert_reproducible(script: str | os.PathLike[str], runtime: str = "current", runs: int = DEFAULT_RUNS,
                        args: Sequence[str] = (), python: str | None = None,
                        timeout: float = DEFAULT_TIMEOUT) -> ReproReport:
    """For tests: the report when the runs are bit-identical, else AssertionError with its text."""
    report = repro(script, runtime, runs, args, python, timeout)
    if report.status != "identical":
        raise AssertionError(report.text())
    return report
