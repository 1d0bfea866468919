"""`estimator-audit compare LEGACY MIGRATED`: run a legacy Estimator program or TF1 Session script
under TF 2.15 and its migration under TF 2.21 + Keras 3, and say whether they compute the same.

A Session script the Session rewrite translates (migrate/graph.py) is compared in equivalence
mode too: the Keras model starts from the graph's initial variables (the rewrite keeps their
TF1 names) and each train_on_batch replays the feeds of the session's training run of the same
step.

Equivalence mode (the default when the legacy program builds one premade estimator that
estimator_audit.migrate can describe, and trains without dropout): the migrated Keras model
starts from the estimator's own initial variables (through shim/mapping.py) and trains on the
estimator's batches, so any difference in the loss at a step, or in a variable at the end, is a
difference in the model, its loss or its optimizer, not in random numbers. Outcome mode (any
two programs): the evaluate() metrics and the predictions of both, within the tolerance.

The child processes run shim/equivalence.py; this process never imports TensorFlow.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from estimator_audit.shim import runtimes

if TYPE_CHECKING:
    import numpy as np

    from estimator_audit.shim.mapping import Found, WeightMap

    Array = np.ndarray[Any, Any]

# NumPy and the estimator reader (shim/mapping.py, estimator_audit.migrate) are imported by the
# functions that use them: `estimator_audit.shim`, and so this module, is imported whenever the
# command line starts, and they would add 0.15 s to every audit.
Mode = Literal["equivalence", "outcome"]
CHILD = Path(__file__).with_name("equivalence.py")
# Loads the child by file path: `python equivalence.py` would put shim/ first on sys.path, where
# its modules could shadow the standard library's (a `trace` module, say) inside the runtime.
BOOT = ("import importlib.util, sys; spec = importlib.util.spec_from_file_location("
        "'estimator_audit_compare_child', sys.argv[1]); module = importlib.util.module_from_spec(spec); "
        "spec.loader.exec_module(module); sys.exit(module.main(sys.argv[1:]))")
CHILD_TIMEOUT = 3600
ERROR_TAIL = 3000  # characters of a failing child's stderr the error quotes


class CompareError(Exception):
    """The comparison could not be made (a program failed, a runtime is missing, ...)."""


@dataclass(frozen=True)
class Tolerance:
    """`difference <= atol + rtol * |reference|`, the legacy value being the reference."""

    rtol: float = 1e-5
    atol: float = 1e-6

    def allows(self, difference: float, reference: float) -> bool:
        return difference <= self.atol + self.rtol * abs(reference)


# Outcome mode compares two trainings that start from their own weights: their metrics agree
# to a few percent at best, so its default tolerance is that, not equivalence mode's 1e-5.
OUTCOME_TOLERANCE = Tolerance(rtol=0.05, atol=0.02)


def differences(migrated: Array, legacy: Array) -> tuple[float, float]:
    """(max |a - b|, max |a - b| / max |b|) over the whole array: the relative difference is
    measured against the variable's scale, not element by element, so a weight that is 0 in
    one place does not make it infinite."""
    import numpy as np

    a, b = np.asarray(migrated, np.float64), np.asarray(legacy, np.float64)
    if a.size == 0:
        return 0.0, 0.0
    largest = float(np.max(np.abs(a - b)))
    scale = float(np.max(np.abs(b)))
    if largest == 0.0:
        return 0.0, 0.0
    return largest, largest / scale if scale > 0 else math.inf


def first_divergence(legacy: Sequence[float], migrated: Sequence[float], tolerance: Tolerance) -> int | None:
    """The first step (counted from 1) whose losses differ beyond the tolerance."""
    for step, (b, a) in enumerate(zip(legacy, migrated, strict=False), start=1):
        if not tolerance.allows(abs(a - b), b) or math.isnan(a) != math.isnan(b):
            return step
    return None


@dataclass(frozen=True)
class LossComparison:
    """The training loss of every step on both sides."""

    legacy: tuple[float, ...]
    migrated: tuple[float, ...]
    first_divergent_step: int | None
    max_abs: float
    max_rel: float


def compare_losses(legacy: Sequence[float], migrated: Sequence[float], tolerance: Tolerance
                   ) -> LossComparison:
    import numpy as np

    steps = min(len(legacy), len(migrated))
    a, b = np.asarray(migrated[:steps], np.float64), np.asarray(legacy[:steps], np.float64)
    gaps = np.abs(a - b)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(gaps == 0, 0.0, gaps / np.abs(b))
    return LossComparison(tuple(legacy), tuple(migrated), first_divergence(legacy, migrated, tolerance),
                          float(gaps.max()) if steps else 0.0, float(relative.max()) if steps else 0.0)


@dataclass(frozen=True)
class VariableDifference:
    """One estimator variable against the Keras variable (or rows of it) it maps to."""

    name: str
    keras: str
    shape: tuple[int, ...]
    max_abs: float
    max_rel: float
    within: bool


def compare_variables(mapping: Sequence[WeightMap], legacy: Mapping[str, Array],
                      migrated: Mapping[str, Array], tolerance: Tolerance
                      ) -> tuple[list[VariableDifference], list[str]]:
    """Final variables, per estimator variable (a stacked Keras kernel is split back into the
    estimator's blocks); and what could not be compared."""
    import numpy as np

    found, problems = [], []
    for entry in mapping:
        value = migrated.get(entry.keras)
        if value is None:
            problems.append(f"the migrated model has no variable {entry.keras}")
            continue
        start = 0
        for block in entry.sources:
            rows = block.rows if block.rows is not None else value.shape[0] if value.ndim else 0
            part = value[start:start + rows] if len(entry.sources) > 1 else value
            where = f"{entry.keras}[{start}:{start + rows}]" if len(entry.sources) > 1 else entry.keras
            start += rows
            reference = legacy.get(block.name)
            if reference is None:
                problems.append(f"the legacy estimator has no variable {block.name}")
                continue
            if reference.shape != part.shape:
                problems.append(f"{block.name} has shape {reference.shape}, {where} {part.shape}")
                continue
            largest, relative = differences(part, reference)
            found.append(VariableDifference(block.name, where, tuple(reference.shape), largest, relative,
                                            tolerance.allows(largest, float(np.max(np.abs(reference)))
                                                             if reference.size else 0.0)))
    return found, problems


@dataclass(frozen=True)
class MetricDifference:
    """One evaluate() result present on both sides."""

    call: int
    name: str
    legacy: float
    migrated: float
    within: bool


def compare_metrics(legacy: Sequence[Mapping[str, float]], migrated: Sequence[Mapping[str, float]],
                    tolerance: Tolerance) -> tuple[list[MetricDifference], list[str]]:
    found, notes = [], []
    for call, (before, after) in enumerate(zip(legacy, migrated, strict=False), start=1):
        for name in sorted(set(before) & set(after)):
            found.append(MetricDifference(call, name, before[name], after[name],
                                          tolerance.allows(abs(after[name] - before[name]), before[name])))
        only = sorted(set(before) - set(after) - {"global_step"})
        if only:
            notes.append(f"evaluate call {call}: only the legacy program reports {', '.join(only)}")
        only = sorted(set(after) - set(before))
        if only:
            notes.append(f"evaluate call {call}: only the migrated program reports {', '.join(only)}")
    return found, notes


@dataclass(frozen=True)
class PredictionDifference:
    """The outputs of one predict() call: the legacy `logits` (or `predictions`) per example
    against the Keras model's output rows."""

    call: int
    rows: int
    max_abs: float
    max_rel: float
    within: bool


def compare_predictions(legacy: Sequence[Array], migrated: Sequence[Array], tolerance: Tolerance,
                        averaged: bool = False) -> tuple[list[PredictionDifference], list[str]]:
    """Predictions row by row, or (outcome mode, `averaged`) their mean over the rows: two
    separately initialised models agree on average, not example by example."""
    import numpy as np

    found, problems = [], []
    for call, (before, after) in enumerate(zip(legacy, migrated, strict=False), start=1):
        after = after.reshape(before.shape) if after.size == before.size else after
        if after.shape != before.shape:
            problems.append(f"predict call {call}: the legacy program predicted shape {before.shape}, "
                            f"the migrated one {after.shape}")
            continue
        rows = len(before)
        if averaged and rows:
            before, after = before.mean(axis=0), after.mean(axis=0)
        largest, relative = differences(after, before)
        scale = float(np.max(np.abs(before))) if before.size else 0.0
        found.append(PredictionDifference(call, rows, largest, relative, tolerance.allows(largest, scale)))
    return found, problems


# Where the legacy batches came from, and why the same examples may come in another order.
BATCH_SOURCES = {
    False: ("the estimator", "the estimator's input_fn",
            "an Estimator seeds its input pipeline's shuffles from its graph seed "
            "(RunConfig.tf_random_seed), the Keras program from the global seed"),
    True: ("the script", "the session's feeds",
           "the script's own shuffles (TensorFlow 1's MNIST reader reseeds NumPy from the graph seed) draw "
           "from seeds that TF1 graphs and TF2 derive differently"),
}


def compare_batches(legacy: Mapping[str, Array], migrated: Mapping[str, Array], tolerance: Tolerance,
                    session: bool = False) -> tuple[list[str], list[str]]:
    """Whether the migrated program's own dataset yields the batches the legacy program trained
    on (equivalence mode replays the legacy ones, so only this check sees the input pipeline).

    Returns (problems, notes). The same examples in another order are a note, not a problem:
    an Estimator seeds its in-graph shuffles from its graph seed (RunConfig.tf_random_seed), a
    Keras program from the global seed, so a `shuffle()` orders the same data differently.
    """
    owner, source, reason = BATCH_SOURCES[session]
    import numpy as np

    first_difference = None
    for name, expected in sorted(legacy.items(), key=lambda item: _batch_order(item[0])):
        index, part = name.split("/", 1)
        what = {"y": "labels", "x/__features__": "features"}.get(part, f"feature {part[2:]!r}")
        if name not in migrated:
            return [f"batch {int(index) + 1}: the migrated dataset has no {what}"], []
        got = migrated[name]
        got = got.reshape(expected.shape) if got.size == expected.size else got
        same = got.shape == expected.shape and (
            np.allclose(got, expected, rtol=tolerance.rtol, atol=tolerance.atol)
            if expected.dtype.kind == "f" else np.array_equal(got, expected))
        if not same and first_difference is None:
            first_difference = (f"batch {int(index) + 1}: the migrated program's dataset yields "
                                f"different {what}")
    if first_difference is None:
        return [], []
    before, after = examples(legacy), examples(migrated)
    batches = len({name.split("/", 1)[0] for name in legacy})
    if same_examples(before, after):
        return [], [f"{first_difference}, but the same examples as {source} over the {batches} batches "
                    f"compared, in another order: {reason}; the data does not differ, and the variables were "
                    "compared on the legacy batches"]
    unknown = sum(count for row, count in after.items() if row not in before)
    how = (f"{unknown} of the {after.total()} examples it yields over the {batches} batches compared "
           f"{'is' if unknown == 1 else 'are'} not among {owner}'s" if unknown else
           f"it yields only examples {owner} reads, but not each as often")
    return [f"{first_difference} than {source}, and not the same examples in another order: {how}"], []


Row = tuple[bytes, ...]


def same_examples(legacy: Counter[Row], migrated: Counter[Row]) -> bool:
    """The same examples, each as often give or take one: batches that end inside a pass over
    a repeated, shuffled dataset hold a different part of that last pass."""
    return legacy.keys() == migrated.keys() and all(abs(legacy[row] - migrated[row]) <= 1 for row in legacy)


def examples(batches: Mapping[str, Array]) -> Counter[Row]:
    """Every example (row) of the batches, as one byte string per feature in feature-name
    order, counted. Rows are compared exactly rather than within the tolerance, so that they
    can be counted instead of matched pair by pair: the same example read from the same source
    by either runtime has the same bytes once written alike (see `cells`)."""
    by_batch: dict[str, dict[str, Array]] = {}
    for name, values in batches.items():
        index, part = name.split("/", 1)
        by_batch.setdefault(index, {})[part] = values
    rows: Counter[Row] = Counter()
    for parts in by_batch.values():
        rows.update(zip(*(cells(parts[part]) for part in sorted(parts)), strict=False))
    return rows


def cells(values: Array) -> list[bytes]:
    """One feature's value for each example of a batch, written alike on both sides: floats
    as float32 (a float64 pipeline matches a float32 one), integers and booleans as int64 (an
    int32 label matches an int64 one), strings without NumPy's padding (a batch's string array
    is as wide as its longest value, so the same string is padded differently in two batches)."""
    import numpy as np

    rows = values.reshape(len(values), -1) if values.ndim else values.reshape(1, 1)
    kind = rows.dtype.kind
    if kind in "SU":
        return [repr(row.tolist()).encode() for row in rows]
    rows = rows.astype(np.float32) if kind == "f" else rows.astype(np.int64) if kind in "iub" else rows
    return [row.tobytes() for row in rows]


def _batch_order(name: str) -> tuple[int, str]:
    index, part = name.split("/", 1)
    return int(index), part


@dataclass(frozen=True)
class Side:
    """One program's run: its path and the versions of the runtime it ran under."""

    program: str
    versions: dict[str, str | None]


# What outcome mode compares: an Estimator program's evaluate() and predict() calls, or the
# last evaluation run of a Session script (its last run that trains nothing; the rewrite's fetch).
ESTIMATOR_OUTCOMES = "evaluate() metrics and the mean of each predict() call"
SESSION_OUTCOMES = ("the values of the last evaluation run (the session's last run that trains nothing, the "
                    "rewrite's last fetch)")


@dataclass(frozen=True)
class CompareReport:
    """Everything `compare` found; `equivalent` is the verdict."""

    mode: Mode
    legacy: Side
    migrated: Side
    tolerance: Tolerance
    losses: LossComparison
    variables: tuple[VariableDifference, ...] = ()
    metrics: tuple[MetricDifference, ...] = ()
    predictions: tuple[PredictionDifference, ...] = ()
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    estimator: str | None = None
    outcome_basis: str = ESTIMATOR_OUTCOMES  # what outcome mode compares

    @property
    def diverging_variables(self) -> list[str]:
        return [v.name for v in self.variables if not v.within]

    @property
    def equivalent(self) -> bool:
        """Equivalence mode: every step's loss, every final variable and the predictions agree.
        Outcome mode: the metrics both report and the predictions agree. Either way nothing
        the comparison needed may be missing (`problems`)."""
        if self.problems or not all(p.within for p in self.predictions):
            return False
        if self.mode == "equivalence":
            return self.losses.first_divergent_step is None and not self.diverging_variables
        return all(m.within for m in self.metrics)

    def reasons(self) -> list[str]:
        """Why the verdict is negative, most telling first."""
        reasons = list(self.problems)
        if self.mode == "equivalence" and self.losses.first_divergent_step is not None:
            step = self.losses.first_divergent_step
            before, after = self.losses.legacy[step - 1], self.losses.migrated[step - 1]
            reasons.append(f"the training loss first differs at step {step} (legacy {before:.9g}, "
                           f"migrated {after:.9g})")
        if self.mode == "equivalence" and self.diverging_variables:
            reasons.append(f"variables differ after training: {', '.join(self.diverging_variables)}")
        reasons += [f"predict call {p.call}: predictions differ (max abs {p.max_abs:.3g})"
                    for p in self.predictions if not p.within]
        if self.mode == "outcome":
            reasons += [f"evaluate call {m.call}: {m.name} differs (legacy {m.legacy:.6g}, migrated "
                        f"{m.migrated:.6g})" for m in self.metrics if not m.within]
        return reasons

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["equivalent"] = self.equivalent
        data["verdict"] = "equivalent" if self.equivalent else "not equivalent"
        data["reasons"] = self.reasons()
        return _finite(data)  # type: ignore[no-any-return]

    def text(self) -> str:
        return render_text(self)


def _finite(value: Any) -> Any:
    """JSON has no inf or NaN: they become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _runtime(side: Side) -> str:
    return ", ".join(f"{name} {version}" for name, version in side.versions.items() if version)


def render_text(report: CompareReport) -> str:
    """The report for a terminal: what was compared, every difference, the verdict."""
    tolerance = report.tolerance
    how = ("initial weights carried over, same batches" if report.mode == "equivalence"
           else f"{report.outcome_basis}: the two trainings start from their own weights, so only their "
                "outcomes can agree")
    subject = f" of {report.estimator}" if report.estimator else ""
    lines = [f"compare{subject}, {report.mode} mode ({how})",
             f"  legacy:   {report.legacy.program} ({_runtime(report.legacy)})",
             f"  migrated: {report.migrated.program} ({_runtime(report.migrated)})",
             f"  tolerance: rtol {tolerance.rtol:g}, atol {tolerance.atol:g}", ""]
    losses = report.losses
    steps = f"{len(losses.legacy)} legacy / {len(losses.migrated)} migrated steps" \
        if len(losses.legacy) != len(losses.migrated) else f"{len(losses.legacy)} steps"
    if losses.legacy or losses.migrated:
        lines.append(f"Training loss: {steps}, max abs difference {losses.max_abs:.3g}, "
                     f"max relative {losses.max_rel:.3g}")
    if losses.first_divergent_step is not None:
        lines.append(f"  first step beyond tolerance: {losses.first_divergent_step}")
    if report.variables:
        lines += ["", "Variables after training (max abs / relative difference):"]
        width = max(len(v.name) for v in report.variables)
        keras_width = max(len(v.keras) for v in report.variables)
        for v in report.variables:
            lines.append(f"  {v.name:<{width}}  {v.keras:<{keras_width}}  {v.max_abs:9.3g}  "
                         f"{v.max_rel:9.3g}  {'ok' if v.within else 'DIFFERS'}")
    if report.predictions:
        lines += ["", "Predictions:"]
        averaged = " (their mean)" if report.mode == "outcome" else ""
        lines += [f"  predict call {p.call}: {p.rows} rows{averaged}, max abs {p.max_abs:.3g}, relative "
                  f"{p.max_rel:.3g}  {'ok' if p.within else 'DIFFERS'}" for p in report.predictions]
    if report.metrics:
        informational = " (informational: the verdict rests on the training)" \
            if report.mode == "equivalence" else ""
        lines += ["", f"Metrics (legacy / migrated){informational}:"]
        width = max(len(m.name) for m in report.metrics)
        lines += [f"  evaluate call {m.call}: {m.name:<{width}}  {m.legacy:12.6g}  {m.migrated:12.6g}  "
                  f"{'ok' if m.within else 'differs'}" for m in report.metrics]
    if report.notes:
        lines += ["", "Notes:", *(f"  - {note}" for note in report.notes)]
    lines.append("")
    if report.equivalent:
        lines.append("Verdict: EQUIVALENT")
    else:
        lines.append("Verdict: NOT EQUIVALENT")
        lines += [f"  - {reason}" for reason in report.reasons()]
    return "\n".join(lines) + "\n"


def plot(report: CompareReport, path: Path) -> None:
    """Both loss curves and their difference per step, with the tolerance band, as a PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CompareError("--plot needs matplotlib: pip install 'estimator-audit[plot]'") from None
    import numpy as np

    losses = report.losses
    steps = min(len(losses.legacy), len(losses.migrated))
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    top.plot(range(1, len(losses.legacy) + 1), losses.legacy,
             label=f"legacy ({Path(report.legacy.program).name})")
    top.plot(range(1, len(losses.migrated) + 1), losses.migrated, "--",
             label=f"migrated ({Path(report.migrated.program).name})")
    top.set_ylabel("training loss")
    top.legend(fontsize="small")
    legacy = np.asarray(losses.legacy[:steps], np.float64)
    x = np.arange(1, steps + 1)
    bottom.plot(x, np.asarray(losses.migrated[:steps], np.float64) - legacy, color="C3",
                label="migrated - legacy")
    band = report.tolerance.atol + report.tolerance.rtol * np.abs(legacy)
    bottom.fill_between(x, -band, band, color="C2", alpha=0.3, label="tolerance")
    if losses.first_divergent_step is not None:
        bottom.axvline(losses.first_divergent_step, color="k", linestyle=":",
                       label=f"first divergence (step {losses.first_divergent_step})")
    bottom.set_xlabel("step")
    bottom.set_ylabel("difference")
    bottom.legend(fontsize="small")
    figure.suptitle(f"{report.mode} mode: {'equivalent' if report.equivalent else 'NOT equivalent'}")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


# -- running the two programs ---------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """What to compare, decided before anything runs (the variable mapping is read off the
    legacy run's checkpoint names once it has run)."""

    mode: Mode
    estimator: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    session: dict[str, str] | None = None  # a Session script's placeholders: graph name -> feed key
    custom: bool = False  # a custom Estimator: its model variables map by name


def plan(legacy: Path, mode: Mode | None) -> Plan:
    """Equivalence mode when the legacy program builds exactly one estimator the rewrite can
    describe (premade, or custom with a model_fn it translates), and it trains without dropout
    (dropout masks are drawn from each runtime's own random numbers, so no two steps could
    agree)."""
    from estimator_audit.migrate.model import ModelFunction
    from estimator_audit.shim.mapping import estimators

    found = estimators(legacy)
    if not found:
        session = session_plan(legacy, mode)
        if session is not None:
            return session
    if mode == "outcome":
        return Plan("outcome")
    why = _no_equivalence(found)
    if why is not None:
        if mode == "equivalence":
            raise CompareError(f"equivalence mode needs {why}")
        return Plan("outcome", notes=(f"outcome mode: equivalence mode needs {why}",))
    (only,) = found
    assert only.estimator is not None
    estimator = only.estimator
    if isinstance(estimator, ModelFunction):
        name = f"Estimator(model_fn={estimator.function})"
        note = (f"the model_fn draws random numbers at every step ({', '.join(estimator.draws)}): each "
                "runtime draws its own, so the steps cannot agree") if estimator.draws else None
    else:
        name = f"{estimator.class_name} ({estimator.api})"
        rate = estimator.dnn.dropout if estimator.dnn is not None else None
        shown = rate if isinstance(rate, float) else f"`{getattr(rate, 'text', rate)}`"
        note = (f"the estimator trains with dropout {shown}: each runtime draws its own "
                "dropout masks, so the steps cannot agree") if rate is not None else None
    if note is not None:
        if mode != "equivalence":
            return Plan("outcome", notes=(f"outcome mode: {note}",))
        return Plan("equivalence", name, (note,))
    return Plan("equivalence", name, custom=isinstance(estimator, ModelFunction))


def session_plan(legacy: Path, mode: Mode | None) -> Plan | None:
    """Equivalence mode for a TF1 Session script the Session rewrite translates: the Keras
    model starts from the graph's initial variables (same names) and trains on the session's
    feeds, step for step. Outcome mode when asked, or when the graph draws at every step
    (dropout): each side trains on its own, and the values of the last evaluation run (the
    session's last run that trains nothing, the rewrite's last `fetch`) are compared. None when
    the program has no session block."""
    from estimator_audit.shim.mapping import session_scripts

    scripts = session_scripts(legacy)
    if not scripts:
        return None
    translated = [script for script in scripts if script.graph is not None]
    if len(scripts) != 1 or not translated:
        why = (f"exactly one session block, and the program opens {len(scripts)}" if len(scripts) != 1
               else f"a session block the Session rewrite translates (line {scripts[0].line}: "
                    f"{scripts[0].reason})")
        raise CompareError(f"comparing a Session script needs {why}")
    graph = translated[0].graph
    assert graph is not None
    name = f"TF1 Session script (line {translated[0].line})"
    placeholders = {placeholder.graph_name: placeholder.name for placeholder in graph.placeholders}
    notes = tuple(f"the graph draws random numbers at every step ({', '.join(graph.draws)}): each runtime "
                  "draws its own, so the steps cannot agree" for _ in graph.draws[:1])
    if mode == "outcome" or (notes and mode != "equivalence"):
        return Plan("outcome", name, tuple(f"outcome mode: {note}" for note in notes), placeholders)
    return Plan("equivalence", name, notes, placeholders)


def _no_equivalence(found: list[Found]) -> str | None:
    if not found:
        return "an estimator in the legacy program, and it builds none"
    if len(found) > 1:
        return f"exactly one estimator in the legacy program, and it builds {len(found)}"
    if found[0].estimator is None:
        return f"an estimator the rewrite can describe ({found[0].class_name}: {found[0].reason})"
    return None


def interpreter(name: str, given: str | Path | None) -> Path:
    python = Path(given) if given is not None else runtimes.installed_python(name)
    if python is None:
        raise CompareError(f"the {name} runtime is not installed: run `estimator-audit runtime install "
                           f"{name}` or pass {'--legacy-python' if name == 'legacy' else '--python'}")
    return python


def launch(python: Path, spec: dict[str, Any], folder: Path) -> subprocess.Popen[str]:
    spec_path = folder / f"{spec['side']}.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "",
                   "PYTHONHASHSEED": "0"}
    return subprocess.Popen([str(python), "-c", BOOT, str(CHILD), str(spec_path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=environment)


def finish(process: subprocess.Popen[str], spec: dict[str, Any]) -> Any:
    """The child's record (an NpzFile), or CompareError with the end of its stderr."""
    import numpy as np

    try:
        _, errors = process.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise CompareError(f"the {spec['side']} program ran longer than {CHILD_TIMEOUT} s") from None
    if process.returncode != 0:
        raise CompareError(f"the {spec['side']} program {spec['program']} failed "
                           f"(exit {process.returncode}):\n{errors[-ERROR_TAIL:]}")
    return np.load(spec["output"], allow_pickle=False)


def arrays(record: Any, prefix: str) -> dict[str, Array]:
    return {name[len(prefix) + 1:]: record[name] for name in record.files if name.startswith(prefix + "/")}


def meta(record: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(str(record["meta"]))
    return loaded


def compare(legacy: str | Path, migrated: str | Path, *, rtol: float | None = None, atol: float | None = None,
            steps: int | None = None, mode: Mode | None = None, legacy_python: str | Path | None = None,
            python: str | Path | None = None, progress: Callable[[str], None] | None = None) -> CompareReport:
    """Run LEGACY under the legacy runtime and MIGRATED under the current one; compare them.

    steps: train this many steps at every train()/fit() call instead of what the programs say.
    mode: "equivalence" or "outcome"; by default equivalence whenever it applies (see `plan`).
    rtol, atol: by default 1e-5 and 1e-6 in equivalence mode, OUTCOME_TOLERANCE in outcome mode.
    progress: told what runs now (each side takes seconds to a minute).
    """
    say = progress or (lambda text: None)
    from estimator_audit.shim.legacy import prepared
    from estimator_audit.shim.mapping import Block, WeightMap, variable_mapping

    legacy, migrated = Path(legacy), Path(migrated)
    for program in (legacy, migrated):
        if not program.is_file():
            raise CompareError(f"no such program: {program}")
    decided = plan(legacy, mode)
    legacy_interpreter = interpreter("legacy", legacy_python)
    current_interpreter = interpreter("current", python)
    with tempfile.TemporaryDirectory(prefix="estimator-audit-compare-") as scratch:
        folder = Path(scratch)
        runnable = prepared(legacy, folder)
        if runnable.note is not None:
            decided = replace(decided, notes=(*decided.notes, runnable.note))
        kind = "session" if decided.session is not None else "estimator"
        legacy_spec = {"side": "legacy", "mode": decided.mode, "program": str(runnable.program),
                       "steps": steps, "output": str(folder / "legacy.npz"), "scratch": scratch, "kind": kind,
                       "placeholders": decided.session or {}}
        current_spec: dict[str, Any] = {
            "side": "current", "mode": decided.mode, "program": str(migrated.resolve()), "steps": steps,
            "output": str(folder / "current.npz"), "legacy": legacy_spec["output"], "mapping": [],
            "scratch": scratch, "kind": kind, "placeholders": decided.session or {}}
        started = time.monotonic()
        legacy_process = launch(legacy_interpreter, legacy_spec, folder)
        mapping: list[WeightMap] = []
        if decided.mode == "equivalence":  # the current side needs the legacy record
            say(f"{decided.mode} mode: running {legacy.name} on the legacy runtime...")
            before = finish(legacy_process, legacy_spec)
            say(f"{legacy.name}: done in {time.monotonic() - started:.1f} s; running {migrated.name} on the "
                "current runtime from its initial weights...")
            initial = arrays(before, "initial")
            shapes = {name: value.shape for name, value in initial.items()}
            mapping = [WeightMap(name, (Block(name),)) for name in meta(before).get("trainable", [])] \
                if decided.custom else variable_mapping(shapes)
            current_spec["mapping"] = [entry.to_json() for entry in mapping]
            started = time.monotonic()
            after = finish(launch(current_interpreter, current_spec, folder), current_spec)
            if decided.session is not None:  # the Keras variables carry the graph's names
                final = arrays(before, "final")
                mapping = [WeightMap(name, (Block(name),)) for name in sorted(arrays(after, "final"))
                           if name in final]
        else:
            current_process = launch(current_interpreter, current_spec, folder)
            say(f"{decided.mode} mode: running {legacy.name} (legacy runtime) and {migrated.name} (current "
                "runtime) side by side...")
            before, after = finish(legacy_process, legacy_spec), finish(current_process, current_spec)
        say(f"{migrated.name}: done in {time.monotonic() - started:.1f} s; comparing")
        with before, after:
            default = Tolerance() if decided.mode == "equivalence" else OUTCOME_TOLERANCE
            tolerance = Tolerance(default.rtol if rtol is None else rtol,
                                  default.atol if atol is None else atol)
            return build_report(decided, mapping, tolerance, legacy, migrated, before, after, steps)


def build_report(decided: Plan, mapping: Sequence[WeightMap], tolerance: Tolerance, legacy: Path,
                 migrated: Path, before: Any, after: Any, steps: int | None) -> CompareReport:
    """The report from the two records."""
    legacy_meta, migrated_meta = meta(before), meta(after)
    problems = list(_call_problems(legacy_meta, migrated_meta, steps))
    notes = [*decided.notes, *migrated_meta["notes"]]
    legacy_losses, migrated_losses = before["loss"].tolist(), after["loss"].tolist()
    if legacy_meta.get("no loss"):
        notes.append("the legacy training runs do not all fetch the loss: the variables after the last step "
                     "and the batches are compared, not the loss of each step")
        migrated_losses = legacy_losses = []
    losses = compare_losses(legacy_losses, migrated_losses, tolerance)
    if len(losses.legacy) != len(losses.migrated):
        problems.append(f"the legacy program trained {len(losses.legacy)} steps, the migrated one "
                        f"{len(losses.migrated)}")
    variables: list[VariableDifference] = []
    if decided.mode == "equivalence":
        problems += migrated_meta["problems"]
        variables, missing = compare_variables(mapping, arrays(before, "final"),
                                               arrays(after, "final"), tolerance)
        problems += missing
        batches = compare_batches(arrays(before, "batches"), arrays(after, "seen"), tolerance,
                                  session=decided.session is not None)
        problems += batches[0]
        notes += batches[1]
        notes += [f"fit call {call}: the migrated program's batches were not checked ({why})"
                  for call, why in enumerate(migrated_meta["batch_check"], start=1) if why != "checked"]
    metrics, metric_notes = compare_metrics(legacy_meta["evaluations"], migrated_meta["evaluations"],
                                            tolerance)
    predictions, prediction_problems = compare_predictions(
        [before[f"predictions/{i}"] for i in range(len(legacy_meta["predictions"]))],
        [after[f"predictions/{i}"] for i in range(len(migrated_meta["predictions"]))], tolerance,
        averaged=decided.mode == "outcome")
    problems += prediction_problems
    for what, count_before, count_after in (
            ("evaluate", len(legacy_meta["evaluations"]), len(migrated_meta["evaluations"])),
            ("predict", len(legacy_meta["predictions"]), len(migrated_meta["predictions"]))):
        if count_before != count_after:
            problems.append(f"the legacy program calls {what} {count_before} times, the migrated one "
                            f"{count_after}")
    if decided.mode == "outcome" and not metrics and not predictions:
        raise CompareError("nothing to compare in outcome mode: the programs have no evaluate() "
                           "metric or predict() call in common")
    return CompareReport(
        decided.mode, Side(str(legacy), legacy_meta["versions"]),
        Side(str(migrated), migrated_meta["versions"]),
        tolerance, losses, tuple(variables), tuple(metrics), tuple(predictions), tuple(problems),
        tuple([*notes, *metric_notes]), decided.estimator,
        SESSION_OUTCOMES if decided.session is not None else ESTIMATOR_OUTCOMES)


def _call_problems(legacy: dict[str, Any], migrated: dict[str, Any], steps: int | None) -> list[str]:
    """Train calls against fit calls: as many, and as many steps each (unless --steps set them)."""
    problems = []
    trained, fitted = legacy["segments"], migrated["requested"]
    if len(trained) != len(fitted):
        problems.append(f"the legacy program calls train {len(trained)} times, the migrated one fit "
                        f"{len(fitted)} times")
    if steps is None:
        for call, (count, wanted) in enumerate(zip(trained, fitted, strict=False), start=1):
            if wanted is not None and wanted != count:
                problems.append(f"train call {call}: the legacy program trains {count} steps, the migrated "
                                f"program's fit {wanted}")
    return problems


def assert_equivalent(legacy: str | Path, migrated: str | Path, **options: Any) -> CompareReport:
    """For tests: the report when the programs are equivalent, else AssertionError with it."""
    report = compare(legacy, migrated, **options)
    if not report.equivalent:
        raise AssertionError(report.text())
    return report
