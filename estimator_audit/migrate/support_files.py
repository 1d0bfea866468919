"""Support modules a rewrite writes beside the code it migrates (keras_feature_columns.py).

The migrated program must not depend on estimator-audit, so what the Keras code needs beyond
Keras itself (feature columns computed as the estimator computed them) is copied into the
user's project, from the templates in `support/`. The copy starts with a line that names
estimator-audit and the hash of the rest: a later run may replace a copy nobody edited with a
newer one, and leaves an edited copy alone.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from estimator_audit import __version__
from estimator_audit.findings import Edit, EditAction

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

TEMPLATES = Path(__file__).resolve().parent / "support"
SUPPORT_MODULE = "keras_feature_columns"
# TensorFlow 1's MNIST reader (tensorflow.examples.tutorials.mnist.input_data), ported.
MNIST_SUPPORT = "mnist_input_data"
SUPPORT_MODULES = (SUPPORT_MODULE, MNIST_SUPPORT)
# The functions keras_feature_columns provides, with tf.feature_column's names and parameters.
FEATURE_COLUMN_FUNCTIONS = frozenset({
    "numeric_column", "bucketized_column", "categorical_column_with_vocabulary_list",
    "categorical_column_with_vocabulary_file", "categorical_column_with_identity",
    "categorical_column_with_hash_bucket", "crossed_column", "indicator_column", "embedding_column",
    "weighted_categorical_column", "make_parse_example_spec",
})
# What it provides of tf.estimator.export, under the same names, for serving input functions.
SERVING_FUNCTIONS = frozenset({"ServingInputReceiver", "build_raw_serving_input_receiver_fn",
                               "build_parsing_serving_input_receiver_fn"})


def support_import(context: ModuleContext) -> ast.stmt | None:
    """The import of keras_feature_columns, the Keras rewrite's module: the module then builds a
    Keras 3 model, which needs eager execution and Keras 3 (no graph-mode switch, no Keras 2)."""
    for statement in context.tree.body:
        if isinstance(statement, ast.Import) and any(
                alias.name.rsplit(".", 1)[-1] == SUPPORT_MODULE for alias in statement.names):
            return statement
        if isinstance(statement, ast.ImportFrom) and (
                (statement.module or "").rsplit(".", 1)[-1] == SUPPORT_MODULE
                or any(alias.name == SUPPORT_MODULE for alias in statement.names)):
            return statement
    return None


def needed_by(context: ModuleContext) -> tuple[Edit, str]:
    """What a fix that uses keras_feature_columns in this module adds: the module beside it,
    and the import, written the way the module imports its siblings."""
    memo = context.memo  # one answer per audit, however many names the module respells
    if "support_import" not in memo:
        memo["support_import"] = context.project.sibling_import(context.source.path, SUPPORT_MODULE)
    return Edit(EditAction.SUPPORT_FILE, name=f"{SUPPORT_MODULE}.py"), str(memo["support_import"])


HEADER = re.compile(rb"^# Written by estimator-audit [^\n]* sha256=(?P<digest>[0-9a-f]{64})\r?\n"
                    rb"# estimator-audit: skip-file\r?\n")


@cache
def content(name: str) -> bytes:
    """The file as the rewrite writes it: the header, then the template. The header tells the
    audit to skip the file: it is estimator-audit's own code, not the program's."""
    body = (TEMPLATES / name).read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    header = f"# Written by estimator-audit {__version__}; yours to keep. sha256={digest}\n"
    return (header + "# estimator-audit: skip-file\n").encode() + body


def unedited(data: bytes) -> bool:
    """Whether an existing copy is one estimator-audit wrote and nobody changed since."""
    match = HEADER.match(data)
    return match is not None and hashlib.sha256(data[match.end():]).hexdigest() == match["digest"].decode()


class SupportConflict(Exception):
    """A file of that name exists and is not an unedited copy: it is left alone."""


def needed_change(target: Path, name: str) -> tuple[bytes, bytes] | None:
    """(old bytes, new bytes) when `target` must be written, None when it is up to date."""
    new = content(name)
    try:
        old = target.read_bytes()
    except FileNotFoundError:
        return b"", new
    if old == new:
        return None
    if not unedited(old):
        raise SupportConflict(f"{target} exists and is not a copy estimator-audit wrote (or it was edited); "
                              f"the rewrite needs its {name}: move the file away and run again")
    return old, new


def diff(shown: str, old: bytes, new: bytes) -> str:
    """The support file's change as a unified diff, named like the fixed files' diffs."""
    shown = shown.lstrip("/")
    before = f"a/{shown}" if old else "/dev/null"
    lines = difflib.unified_diff(old.decode().splitlines(keepends=True),
                                 new.decode().splitlines(keepends=True), before, f"b/{shown}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
