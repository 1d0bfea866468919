"""Do TF1 training scripts run on TensorFlow 2.21 after `--fix --unsafe-fixes`? And after
`tf_upgrade_v2 --mode SAFETY`, the import swap TensorFlow's migration guide offers?

For each script: a copy of its folder, converted one way or the other, then run under the
current runtime (TensorFlow 2.21, Keras 3, tf-keras installed) with a time limit. MNIST is
served from small generated idx files in the places TF1 tutorials read it from (no network
here); other downloads fail and count as not run, for both tools alike (scripts that plot need
matplotlib in the current runtime: `pip install matplotlib` there). A run that is still
training when the limit is reached counts as running. Prints one row per script and the
totals.

    python benchmarks/tf1_scripts.py SCRIPT... [--legacy-python PY] [--timeout S]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from estimator_audit.shim.runtimes import install  # noqa: E402
from tests.mnist_files import write_mnist  # noqa: E402

MNIST_PLACES = ("/tmp/data", "/tmp/tensorflow/mnist/input_data", "/tmp/mnist_data")
MNIST_RELATIVE = ("MNIST_data", "mnist_data", "data", "MNIST-data")
FULL_TRAIN, FULL_TEST = 60000, 10000  # MNIST's sizes: some scripts hard-code them


@dataclass
class Outcome:
    ran: bool
    seconds: float
    detail: str


def run(python: str, script: Path, timeout: float) -> Outcome:
    for folder in MNIST_RELATIVE:
        write_mnist(script.parent / folder, train=FULL_TRAIN, test=FULL_TEST)
    start = time.monotonic()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "MPLBACKEND": "Agg"}
    try:
        done = subprocess.run([python, script.name], cwd=script.parent, capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return Outcome(True, time.monotonic() - start, f"still training after {timeout:.0f} s")
    seconds = time.monotonic() - start
    if done.returncode == 0:
        return Outcome(True, seconds, "")
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    return Outcome(False, seconds, lines[-1][:160] if lines else f"exit {done.returncode}")


def converted(script: Path, workspace: Path, tool: str, legacy_python: str) -> Path:
    """The script's folder copied and converted as a whole (a script imports its siblings)."""
    source = workspace / "source"
    shutil.copytree(script.parent, source, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"),
                    dirs_exist_ok=True)
    copy = workspace / tool
    if tool == "estimator-audit":
        shutil.copytree(source, copy)
        subprocess.run([sys.executable, "-m", "estimator_audit", str(copy), "--fix", "--unsafe-fixes",
                        "--no-cache"], capture_output=True, check=False)
    else:
        upgrade = Path(legacy_python).parent / "tf_upgrade_v2"
        subprocess.run([str(upgrade), "--mode", "SAFETY", "--intree", str(source), "--outtree", str(copy)],
                       capture_output=True, check=False)
        shutil.copytree(source, copy, dirs_exist_ok=True, copy_function=copy_missing)
        unconverted = (copy / script.name).read_bytes() == (source / script.name).read_bytes()
        if unconverted:  # a tree run can stop before it reaches the script
            subprocess.run([str(upgrade), "--mode", "SAFETY", "--infile", str(source / script.name),
                            "--outfile", str(copy / script.name)], capture_output=True, check=False)
    return copy / script.name


def copy_missing(source: str, target: str) -> None:
    """Copy a file the conversion did not write (a failed tf_upgrade_v2 tree run leaves gaps)."""
    if not Path(target).exists():
        shutil.copy2(source, target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scripts", nargs="+", type=Path)
    parser.add_argument("--legacy-python", help="TensorFlow 2.15 interpreter with tf_upgrade_v2 beside it")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    python = str(install("current"))
    legacy_python = args.legacy_python or str(install("legacy"))
    for place in MNIST_PLACES:
        write_mnist(Path(place), train=FULL_TRAIN, test=FULL_TEST)
    totals = {"estimator-audit": 0, "tf_upgrade_v2": 0}
    print("| script | --fix --unsafe-fixes | tf_upgrade_v2 --mode SAFETY |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for number, script in enumerate(args.scripts):
            cells = []
            for tool in totals:
                outcome = run(python, converted(script.resolve(), Path(scratch) / str(number), tool,
                                                legacy_python), args.timeout)
                totals[tool] += outcome.ran
                cells.append((f"runs ({outcome.detail or f'{outcome.seconds:.0f} s'})") if outcome.ran
                             else f"fails: {outcome.detail}")
            print(f"| {script} | {cells[0]} | {cells[1]} |", flush=True)
    count = len(args.scripts)
    print(f"\nrun on TensorFlow 2.21: --fix --unsafe-fixes {totals['estimator-audit']}/{count}, "
          f"tf_upgrade_v2 --mode SAFETY {totals['tf_upgrade_v2']}/{count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
