"""Create, find and describe the TensorFlow runtimes the shim and the tests run code under.

- legacy: TensorFlow 2.15 + tensorflow-estimator 2.15, the last releases with tf.estimator
  (their wheels support Python 3.9 to 3.11);
- current: TensorFlow 2.21 with Keras 3.

Each lives in a virtual environment under the user's cache directory, created once, atomically
(a half-installed runtime is never visible) and under a lock, so parallel test workers and
concurrent runs can ask for it at the same time.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from estimator_audit.cache import cache_dir


@dataclass(frozen=True)
class Runtime:
    name: str
    requirements: tuple[str, ...]
    pythons: tuple[str, ...]  # acceptable interpreter versions, preferred first


# pandas too: legacy programs feed estimators from DataFrames (`dict(df)`, pandas_input_fn), and
# repro and compare run them as they are. tf-keras in the current runtime: TF1 graph programs
# that build with tf.compat.v1.layers run on TensorFlow 2.21 only with Keras 2, which the fix
# asks for with TF_USE_LEGACY_KERAS=1 (without that variable, tf.keras stays Keras 3).
RUNTIMES = {
    "legacy": Runtime("legacy", ("tensorflow-cpu==2.15.1", "tensorflow-estimator==2.15.0", "pandas==2.2.3"),
                      ("3.11", "3.10", "3.9")),
    "current": Runtime("current", ("tensorflow-cpu==2.21.0", "pandas==2.3.3", "tf-keras==2.21.0"),
                       ("3.11", "3.12", "3.13", "3.10")),
}
ENVIRONMENT_OVERRIDES = {"legacy": "ESTIMATOR_AUDIT_LEGACY_PYTHON", "current": "ESTIMATOR_AUDIT_PYTHON"}


class RuntimeUnavailable(Exception):
    """A runtime cannot be found or created; the message says what to do."""


def runtime_dir(name: str) -> Path:
    return cache_dir() / "runtimes" / name


def marker(name: str) -> dict[str, object]:
    return {"requirements": list(RUNTIMES[name].requirements)}


def venv_python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def installed_python(name: str) -> Path | None:
    """The runtime's interpreter: an override from the environment, else the cached venv."""
    override = os.environ.get(ENVIRONMENT_OVERRIDES[name])
    if override:
        return Path(override)
    folder = runtime_dir(name)
    try:
        recorded = json.loads((folder / "estimator-audit-runtime.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    python = venv_python(folder)
    return python if recorded == marker(name) and python.exists() else None


def python_version(python: str) -> str | None:
    try:
        done = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def candidate_interpreters(runtime: Runtime) -> Iterator[str]:
    yield sys.executable
    for version in runtime.pythons:
        found = shutil.which(f"python{version}")
        if found:
            yield found
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        for folder in sorted(pyenv.iterdir(), reverse=True):
            yield str(folder / "bin" / "python")


def find_interpreter(runtime: Runtime) -> str:
    for python in candidate_interpreters(runtime):
        if Path(python).exists() and python_version(python) in runtime.pythons:
            return python
    raise RuntimeUnavailable(
        f"the {runtime.name} runtime needs Python {' or '.join(runtime.pythons)}; none was found "
        "(install one, or pass --python/--legacy-python to an existing interpreter with "
        f"{' '.join(runtime.requirements)} installed)"
    )


@contextmanager
def locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def install(name: str, python: str | None = None, quiet: bool = True) -> Path:
    """Create the runtime's virtual environment unless it exists; returns its interpreter.

    The environment is built where it will live (scripts in a venv hold absolute paths) and
    counts as installed only once its marker file is written, last; a half-built one left by
    an interrupted install is removed and built again.
    """
    runtime = RUNTIMES[name]
    target = runtime_dir(name)
    with locked(target.parent / f".{name}.lock"):
        existing = installed_python(name)
        if existing is not None:
            return existing
        interpreter = python or find_interpreter(runtime)
        shutil.rmtree(target, ignore_errors=True)
        try:
            subprocess.run([interpreter, "-m", "venv", str(target)], check=True)
            pip = [str(venv_python(target)), "-m", "pip", "install", "--disable-pip-version-check"]
            if quiet:
                pip.append("--quiet")
            subprocess.run([*pip, *runtime.requirements], check=True)
        except (subprocess.CalledProcessError, OSError) as error:
            shutil.rmtree(target, ignore_errors=True)
            raise RuntimeUnavailable(f"installing the {name} runtime failed: {error}") from None
        (target / "estimator-audit-runtime.json").write_text(json.dumps(marker(name)))
    python_path = installed_python(name)
    assert python_path is not None
    return python_path


DESCRIBE = """
import json, os, platform, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
info = {"python": platform.python_version(), "executable": sys.executable}
try:
    import tensorflow as tf
    info["tensorflow"] = tf.__version__
except Exception as error:
    info["tensorflow"] = None
    info["error"] = repr(error)
for module in ("keras", "tensorflow_estimator", "numpy"):
    try:
        info[module] = __import__(module).__version__
    except Exception:
        info[module] = None
print(json.dumps(info))
"""


def describe(python: Path) -> dict[str, object]:
    """Versions as the runtime itself reports them (TensorFlow imported in a child only)."""
    done = subprocess.run([str(python), "-c", DESCRIBE], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        return {"executable": str(python), "error": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
