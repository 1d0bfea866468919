"""What the determinism rules (EA301, EA303, EA304, EA305, EA403) share: literal values they
can read, and how they tell a TensorFlow receiver from someone else's."""

from __future__ import annotations

import ast

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
