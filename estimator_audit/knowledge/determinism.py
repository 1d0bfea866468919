"""What the determinism rules (EA301, EA303, EA304, EA305, EA403) share: literal values they
can read, how they tell a TensorFlow receiver from someone else's, and which backend Keras runs."""

from __future__ import annotations

import ast
import re

ENABLE_OP_DETERMINISM = "tensorflow.config.experimental.enable_op_determinism"
# Top-level packages whose objects the rules treat as TensorFlow's own.
TENSORFLOW_ROOTS = frozenset({"tensorflow", "tensorflow_datasets", "keras", "tf_keras"})


def bool_value(node: object) -> bool | None:
    """True or False when the node is that literal, else None (a variable is unknown)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    return None


def int_value(node: object) -> int | None:
    """The value of an integer literal (not a bool), else None."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def root(qualified: str) -> str:
    return qualified.split(".", 1)[0]


def is_tensorflow_or_unknown(qualified: str | None) -> bool:
    """A receiver the file does not show (None), or one rooted in TensorFlow or Keras."""
    return qualified is None or root(qualified) in TENSORFLOW_ROOTS


# `os.environ["KERAS_BACKEND"] = "jax"` (or `os.environ.setdefault("KERAS_BACKEND", "theano")`).
KERAS_BACKEND_SET = re.compile(r"""KERAS_BACKEND['"]\s*(?:\]\s*=|,)\s*['"](\w+)['"]""")
# Backends whose kernels and initializers TensorFlow's seeds and switches never reach: Keras 3 on
# JAX or PyTorch, Keras 1/2 on Theano or CNTK (which Keras 3 no longer has).
NON_TENSORFLOW_BACKENDS = frozenset({"jax", "torch", "theano", "cntk"})
RETIRED_BACKENDS = frozenset({"theano", "cntk"})


def keras_backend(text: str) -> str | None:
    """The Keras backend a module picks through the environment, if it picks one in its text."""
    chosen = KERAS_BACKEND_SET.search(text) if "KERAS_BACKEND" in text else None
    return chosen.group(1) if chosen is not None else None
