"""What `estimator-audit repro`'s instrumentation costs: the same training program, plain and traced.

    python benchmarks/bench_instrumentation.py [--repeat N] [--program keras|estimator|both] [--json FILE]

Programs (written to a scratch folder; each times its own training call and prints it):
- keras: an MLP (64 inputs, three 256-unit ReLU layers, 199k parameters) trained for 2 epochs
  on 50,000 examples in batches of 128 (782 steps) from a seeded tf.data pipeline, under the
  current runtime (TensorFlow 2.21, Keras 3);
- estimator: a DNNClassifier with the same layers on the same data, 500 steps, under the legacy
  runtime (TensorFlow 2.15 + tensorflow-estimator 2.15).

Each is run plain (`python program.py`) and traced exactly as `repro` runs it (`repro.run_child`:
the trace bootstrap, a folder of its own, run 1's values kept at init, first and last step) and,
for the second run `repro` makes, traced against run 1's trace (the per-event comparison). Runs
alternate plain/traced; with `--repeat N` the smallest time of each is kept. The ratio compares
the training call's own time (what instrumentation adds to training); the whole-process wall
time, which adds the same TensorFlow import and start-up to both, is shown beside it. The script
only measures and prints; the target (traced < 1.3x plain) is reported as met or NOT met.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from estimator_audit.shim import runtimes
from estimator_audit.shim.fingerprint import cpu_model
from estimator_audit.shim.repro import run_child
from estimator_audit.shim.trace import TRACE_FILE

TARGET_RATIO = 1.3

DATA = """
    import json, time
    import numpy as np
    import tensorflow as tf

    rows, width = 50_000, 64
    generator = np.random.RandomState(0)
    x = generator.rand(rows, width).astype("float32")
    y = (x @ generator.rand(width).astype("float32") > x.shape[1] / 4).astype("int64")
"""
PROGRAMS = {
    "keras": ("current", 782, DATA + """
    import keras

    keras.utils.set_random_seed(0)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(rows, seed=0).batch(128).prefetch(2)
    model = keras.Sequential([keras.Input((width,))]
                             + [keras.layers.Dense(256, activation="relu") for _ in range(3)]
                             + [keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    start, cpu = time.perf_counter(), time.process_time()
    model.fit(dataset, epochs=2, verbose=0)
    print(json.dumps({"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu}))
"""),
    "estimator": ("legacy", 500, DATA + """
    def input_fn():
        dataset = tf.data.Dataset.from_tensor_slices(({"x": x}, y))
        return dataset.shuffle(rows, seed=0).batch(128).repeat()

    classifier = tf.estimator.DNNClassifier(
        hidden_units=[256, 256, 256], feature_columns=[tf.feature_column.numeric_column("x", shape=(width,))],
        config=tf.estimator.RunConfig(tf_random_seed=0, save_checkpoints_steps=None,
                                      save_checkpoints_secs=None))
    start, cpu = time.perf_counter(), time.process_time()
    classifier.train(input_fn, steps=500)
    print(json.dumps({"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu}))
"""),
}
MODES = ("plain", "traced run 1", "traced run 2")


@dataclass
class Row:
    program: str
    runtime: str
    steps: int
    train: dict[str, float]  # mode -> smallest wall seconds of the training call
    cpu: dict[str, float]  # mode -> smallest CPU seconds of the training call (all threads)
    process: dict[str, float]  # mode -> smallest wall seconds of the whole process

    def ratio(self, mode: str, basis: str = "wall") -> float:
        times = self.train if basis == "wall" else self.cpu
        return times[mode] / times["plain"]


def training_times(stdout: str) -> tuple[float, float]:
    printed = json.loads(stdout.strip().splitlines()[-1])
    return float(printed["wall"]), float(printed["cpu"])


Times = tuple[float, float, float]  # training wall, training CPU, whole process wall


def run_plain(python: str, program: Path, folder: Path) -> Times:
    started = time.perf_counter()
    done = subprocess.run([python, str(program)], cwd=folder, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{program.name} failed:\n{done.stderr[-2000:]}")
    return (*training_times(done.stdout), elapsed)


def run_traced(python: str, program: Path, folder: Path, reference: Path | None) -> Times:
    traced = run_child(python, program, (), folder, timeout=3600, number=2 if reference else 1,
                       reference=reference)
    return (*training_times((folder / "stdout.txt").read_text()), traced.outcome.seconds)


def measure(name: str, repeat: int, scratch: Path) -> Row:
    runtime, steps, source = PROGRAMS[name]
    python = runtimes.installed_python(runtime)
    if python is None:
        sys.exit(f"the {runtime} runtime is not installed: estimator-audit runtime install {runtime}")
    program = scratch / f"bench_{name}.py"  # not keras.py: it would shadow the package
    program.write_text(textwrap.dedent(source))
    measured: dict[str, list[Times]] = {mode: [] for mode in MODES}
    for attempt in range(repeat):
        print(f"{name}: repeat {attempt + 1}/{repeat}", file=sys.stderr)
        folder = scratch / f"{name}-{attempt}"
        folder.mkdir()
        first_trace = folder / "run-1" / "out" / TRACE_FILE
        results = {
            "plain": run_plain(str(python), program, folder),
            "traced run 1": run_traced(str(python), program, folder / "run-1", None),
            "traced run 2": run_traced(str(python), program, folder / "run-2", first_trace),
        }
        for mode, times in results.items():
            measured[mode].append(times)
    smallest = [{mode: min(times[i] for times in runs) for mode, runs in measured.items()} for i in range(3)]
    return Row(name, f"{runtime} ({python})", steps, *smallest)


def report(rows: list[Row], repeat: int) -> str:
    lines = [f"Machine: {cpu_model()}, {os.cpu_count()} CPUs, {platform.system()}; "
             f"load average {os.getloadavg()[0]:.2f}; best of {repeat}", "",
             "| program | steps | training wall s: plain / run 1 / run 2 | wall ratio run 1 / run 2 "
             "| training CPU s: plain / run 1 / run 2 | CPU ratio run 1 / run 2 "
             "| process wall s: plain / run 1 |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        cells = [row.program, str(row.steps), " / ".join(f"{row.train[mode]:.2f}" for mode in MODES),
                 " / ".join(f"{row.ratio(mode):.2f}x" for mode in MODES[1:]),
                 " / ".join(f"{row.cpu[mode]:.2f}" for mode in MODES),
                 " / ".join(f"{row.ratio(mode, 'cpu'):.2f}x" for mode in MODES[1:]),
                 f"{row.process['plain']:.2f} / {row.process['traced run 1']:.2f}"]
        lines.append(f"| {' | '.join(cells)} |")
    lines.append("")
    for row in rows:
        worst = max(row.ratio("traced run 1"), row.ratio("traced run 2"))
        verdict = "met" if worst < TARGET_RATIO else "NOT met"
        lines.append(f"- {row.program}: traced training at most {worst:.2f}x plain in wall time "
                     f"(target < {TARGET_RATIO}x): {verdict}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--program", choices=[*PROGRAMS, "both"], default="both")
    parser.add_argument("--json", type=Path, help="also write every number as JSON")
    args = parser.parse_args()
    names = list(PROGRAMS) if args.program == "both" else [args.program]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with tempfile.TemporaryDirectory(prefix="bench-instrumentation-") as scratch:
        rows = [measure(name, args.repeat, Path(scratch)) for name in names]
    sys.stdout.write(report(rows, args.repeat))
    if args.json:
        args.json.write_text(json.dumps([{**asdict(row), "wall ratios": {m: row.ratio(m) for m in MODES},
                                          "cpu ratios": {m: row.ratio(m, "cpu") for m in MODES}}
                                         for row in rows], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
