"""The environment a traced run trained in, gathered inside the child so it describes the runtime.

Standard library only: the child loads this file by path into an interpreter that has TensorFlow
but none of estimator-audit's dependencies. TensorFlow is asked about devices only when the
program already imported it (importing it here could read environment variables the program
meant to set first).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Mapping

# Variables that change what TensorFlow computes or how Python hashes, captured at start-up.
ENVIRONMENT = ("TF_DETERMINISTIC_OPS", "TF_ENABLE_ONEDNN_OPTS", "PYTHONHASHSEED", "CUDA_VISIBLE_DEVICES")
PACKAGES = {
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly"),
    "keras": ("keras", "tf-keras"),
    "tensorflow-estimator": ("tensorflow-estimator",),
    "numpy": ("numpy",),
}


def environment_now() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in ENVIRONMENT}


def package_version(distributions: tuple[str, ...]) -> str | None:
    """The installed version, read from package metadata (no import needed)."""
    from importlib import metadata  # here: it costs the audit's start-up 20 ms otherwise

    for distribution in distributions:
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    return None


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpus() -> list[str]:
    """GPUs TensorFlow sees, when the program imported TensorFlow; nothing is imported here."""
    tf = sys.modules.get("tensorflow")
    config = getattr(tf, "config", None)
    if config is None:
        return []
    try:
        return [device.name for device in config.list_physical_devices("GPU")]
    except Exception:  # a broken CUDA setup must not lose the trace
        return []


def gpu_driver() -> str | None:
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None
    try:
        done = subprocess.run([smi, "--query-gpu=name,driver_version", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return "; ".join(line.strip() for line in done.stdout.splitlines() if line.strip()) or None


def gather(environment: Mapping[str, str | None]) -> dict[str, object]:
    """Everything the report's fingerprint shows; `environment` as it was when the run started."""
    info: dict[str, object] = {
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "platform": f"{platform.system()} {platform.machine()}",
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "gpus": gpus(),
        "gpu_driver": gpu_driver(),
        "environment": dict(environment),
    }
    info.update({name: package_version(dists) for name, dists in PACKAGES.items()})
    return info


def render(info: Mapping[str, object]) -> str:
    """One line per topic, as the report prints it."""
    versions = ", ".join(f"{name} {info[name]}" for name in (*PACKAGES, "python") if info.get(name))
    gpu_list = info.get("gpus") or []
    assert isinstance(gpu_list, list)
    devices = ", ".join(map(str, gpu_list)) or "no GPU visible to TensorFlow"
    if info.get("gpu_driver"):
        devices += f" (nvidia-smi: {info['gpu_driver']})"
    environment = info.get("environment") or {}
    assert isinstance(environment, dict)
    variables = ", ".join(f"{name}={'unset' if value is None else value}"
                          for name, value in environment.items())
    return (f"  versions: {versions}\n"
            f"  machine: {info.get('cpu')}, {info.get('cpu_count')} CPUs, {info.get('platform')}; {devices}\n"
            f"  environment: {variables}\n")
