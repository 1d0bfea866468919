"""Runtime shim: run real training under real TensorFlow, in child processes only.

The parent process never imports TensorFlow; each runtime is its own virtual environment.
"""

from estimator_audit.shim.compare import CompareReport, assert_equivalent, compare
from estimator_audit.shim.repro import ReproReport, assert_reproducible, repro

__all__ = ["CompareReport", "ReproReport", "assert_equivalent", "assert_reproducible", "compare", "repro"]
