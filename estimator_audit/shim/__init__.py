"""Runtime shim: run real training under real TensorFlow, in child processes only.

The parent process never imports TensorFlow; each runtime is its own virtual environment.
"""

from estimator_audit.shim.compare import CompareReport, assert_equivalent, compare

__all__ = ["CompareReport", "assert_equivalent", "compare"]
