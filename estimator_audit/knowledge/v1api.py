"""What the EA1xx rules know about TF1-era APIs that current TensorFlow (2.16+, Keras 3) lacks.

The TF1 optimizer table is generated from real TensorFlow 2.15 and Keras 3 by
`tools/generate_optimizer_table.py` (`estimator_audit/data/v1_optimizers.json`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from typing import Any

from estimator_audit.data import load
from estimator_audit.knowledge.tfapi import estimator_class

# tf.estimator (and with it tf.compat.v1.estimator) is absent from TensorFlow 2.16 on.
MIGRATION_GUIDE = "https://www.tensorflow.org/guide/migrate/migrating_estimator"
# Arguments longer than this are written `name=...` in messages.
MAX_ARGUMENT_TEXT = 40


def module_function(qualified: str, prefixes: tuple[str, ...]) -> bool:
    """`tensorflow.feature_column.numeric_column` is a function of a listed module; a method on
    what one returned (`tensorflow.feature_column.numeric_column().name`) is not."""
    return any(qualified.startswith(prefix) and "()" not in qualified for prefix in prefixes)


def argument_text(node: ast.expr) -> str:
    """An argument as the user wrote it, or `...` when too long to quote in a message."""
    text = ast.unparse(node)
    return text if len(text) <= MAX_ARGUMENT_TEXT and "\n" not in text else "..."


# -- the names each EA1xx rule reports when called ------------------------------------------------
# EA102: custom Estimators beyond estimator_class(...).premade False, and train_and_evaluate.
TF1_TPU_ESTIMATORS = frozenset(  # TF 1.x spellings, absent from TensorFlow 2.15 and 2.21
    {
        "tensorflow.estimator.tpu.TPUEstimator",
        "tensorflow.contrib.tpu.TPUEstimator",
        "tensorflow.contrib.tpu.python.tpu.tpu_estimator.TPUEstimator",
    }
)
TRAIN_AND_EVALUATE = frozenset(
    {
        "tensorflow.estimator.train_and_evaluate",
        "tensorflow.compat.v1.estimator.train_and_evaluate",
        "tensorflow_estimator.python.estimator.training.train_and_evaluate",
        "tensorflow.python.estimator.training.train_and_evaluate",
    }
)
# EA103: TF1 sessions. Public tf.compat.v1 names, TF 1.x names TensorFlow 2 lacks, and the
# internal modules the classes' __module__ names (2.15 and 2.21 alike).
SESSION_CLASSES = ("Session", "InteractiveSession", "train.MonitoredTrainingSession",
                   "train.MonitoredSession", "train.SingularMonitoredSession")
COMPAT_SESSIONS = frozenset(f"tensorflow.compat.v1.{name}" for name in SESSION_CLASSES)
TF1_ONLY_SESSIONS = frozenset(f"tensorflow.{name}" for name in SESSION_CLASSES)
INTERNAL_SESSIONS = {
    "tensorflow.python.client.session.Session": "tensorflow.compat.v1.Session",
    "tensorflow.python.client.session.InteractiveSession": "tensorflow.compat.v1.InteractiveSession",
    **{
        f"tensorflow.python.training.monitored_session.{name}": f"tensorflow.compat.v1.train.{name}"
        for name in ("MonitoredTrainingSession", "MonitoredSession", "SingularMonitoredSession")
    },
}
# EA105: functions of these modules.
FEATURE_COLUMN_MODULES = (
    "tensorflow.feature_column.",
    "tensorflow.compat.v1.feature_column.",
    "tensorflow.python.feature_column.",
)
# EA107: the queue-based input helpers. COMPAT spellings still worked on TensorFlow 2.15.
INPUT_HELPERS = ("numpy_input_fn", "pandas_input_fn")
COMPAT_INPUT_HELPERS = {
    **{f"tensorflow.compat.v1.estimator.inputs.{h}": h for h in INPUT_HELPERS},
    "tensorflow_estimator.python.estimator.inputs.numpy_io.numpy_input_fn": "numpy_input_fn",
    "tensorflow_estimator.python.estimator.inputs.pandas_io.pandas_input_fn": "pandas_input_fn",
    "tensorflow.python.estimator.inputs.numpy_io.numpy_input_fn": "numpy_input_fn",
    "tensorflow.python.estimator.inputs.pandas_io.pandas_input_fn": "pandas_input_fn",
}
TF1_INPUT_HELPERS = {f"tensorflow.estimator.inputs.{h}": h for h in INPUT_HELPERS}


def custom_estimator_entry(qualified: str) -> str | None:
    """EA102: the public name of a custom Estimator or train_and_evaluate, else None."""
    if qualified in TF1_TPU_ESTIMATORS or qualified in TRAIN_AND_EVALUATE:
        return qualified
    estimator = estimator_class(qualified)
    if estimator is not None and not estimator.premade:
        return estimator.public_name
    return None


def is_session(qualified: str) -> bool:
    """EA103's names."""
    return qualified in COMPAT_SESSIONS or qualified in TF1_ONLY_SESSIONS or qualified in INTERNAL_SESSIONS


def is_feature_column(qualified: str) -> bool:
    """EA105's names (a function of a feature-column module, not a method of its result)."""
    return module_function(qualified, FEATURE_COLUMN_MODULES)


def is_input_helper(qualified: str) -> bool:
    """EA107's names."""
    return qualified in COMPAT_INPUT_HELPERS or qualified in TF1_INPUT_HELPERS


# -- TF1 optimizers ------------------------------------------------------------------------------
REQUIRED = object()  # a TF1 constructor parameter without a default


@dataclass(frozen=True)
class V1Optimizer:
    """One TF1 optimizer class as TensorFlow 2.15 exports it, and its Keras 3 replacement."""

    public_name: str  # e.g. tensorflow.compat.v1.train.AdamOptimizer
    tf1_name: str
    wrapper: bool  # wraps another optimizer (SyncReplicasOptimizer, CrossShardOptimizer, ...)
    parameters: tuple[tuple[str, object], ...]  # (name, default or REQUIRED), in order
    keras_class: str | None  # a checked faithful replacement, or None
    nearest_keras_class: str | None  # when keras_class is None: the closest, not faithful
    parameter_map: dict[str, str | None]  # TF1 parameter -> Keras parameter (None: dropped)
    keras_arguments: dict[str, Any]  # Keras arguments that reproduce the TF1 defaults
    note: str
    missing_in_tf2: frozenset[str]  # TF 1.x spellings TensorFlow 2.15 and 2.21 do not export

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.parameters)


@cache
def optimizer_table() -> dict[str, V1Optimizer]:
    """Every spelling (public, TF1, internal) of every TF1 optimizer class to its description."""
    data = load("v1_optimizers.json")
    table: dict[str, V1Optimizer] = {}
    for public, entry in data["optimizers"].items():
        info = V1Optimizer(
            public_name=public,
            tf1_name=entry["tf1_name"],
            wrapper=entry["wrapper"],
            parameters=tuple((p["name"], p.get("default", REQUIRED)) for p in entry["parameters"]),
            keras_class=entry["keras_class"],
            nearest_keras_class=entry["nearest_keras_class"],
            parameter_map=entry["parameter_map"],
            keras_arguments=entry["keras_arguments"],
            note=entry["note"],
            missing_in_tf2=frozenset(entry["missing_in_tf2"]),
        )
        for name in (public, entry["class"], *entry["spellings"]):
            table.setdefault(name, info)
    return table


def v1_optimizer(qualified: str | None) -> V1Optimizer | None:
    """The TF1 optimizer class a qualified name spells, in any of its spellings, or None."""
    return optimizer_table().get(qualified) if qualified is not None else None


@dataclass(frozen=True)
class KerasArgument:
    """One argument of the Keras 3 call that replaces a TF1 optimizer call."""

    keras_name: str
    value: ast.expr | None  # what the TF1 call passes; None: a TF1 default written out
    default: object = None  # the default written out when value is None
    passed_as: str = ""  # how the TF1 call passes it: its keyword, or its 0-based position


@dataclass(frozen=True)
class KerasArguments:
    """A TF1 optimizer call's arguments mapped to its Keras 3 class's (empty without one)."""

    arguments: tuple[KerasArgument, ...]
    # Arguments with no Keras counterpart the call passes at their TF1 default (use_locking=False):
    # (how it is passed, its TF1 name).
    dropped: tuple[tuple[str, str], ...]
    # Every argument the call passes is known and mapped or dropped, and no required one is
    # missing: a rewrite of the call is exact.
    exact: bool

    def text(self, keras_class: str, code: bool = False) -> str:
        """`keras.optimizers.Adam(learning_rate=0.1, epsilon=1e-08)`, values as the user wrote them
        (for a message, long ones shortened to `...`; for `code`, whole)."""
        shown = ast.unparse if code else argument_text
        parts = [
            f"{a.keras_name}={shown(a.value) if a.value is not None else repr(a.default)}"
            for a in self.arguments
        ]
        return f"{keras_class}({', '.join(parts)})"


def is_literal(node: ast.expr, value: object) -> bool:
    """`node` is a literal of exactly this value (False is not 0)."""
    return isinstance(node, ast.Constant) and type(node.value) is type(value) and node.value == value


def keras_arguments(optimizer: V1Optimizer, call: ast.Call) -> KerasArguments:
    """The Keras arguments of the replacement: those the call passes, renamed through the
    table's parameter_map (in the call's order), then the TF1 defaults Keras 3 lacks (the
    table's keras_arguments, and the learning rate). Arguments `*args` or `**kwargs` could
    carry are left out, and make the mapping inexact."""
    if optimizer.keras_class is None:
        return KerasArguments((), (), exact=False)
    names = optimizer.parameter_names
    defaults = dict(optimizer.parameters)
    exact = True
    passed: list[tuple[str, str, ast.expr]] = []  # (TF1 name, passed as, value)
    for index, node in enumerate(call.args):
        if isinstance(node, ast.Starred) or index >= len(names):
            exact = False  # *args, or more positional arguments than the class takes
            break
        passed.append((names[index], str(index), node))
    for keyword in call.keywords:
        if keyword.arg is None or keyword.arg not in names:
            exact = False  # **kwargs, or a keyword the class does not take
            continue
        passed.append((keyword.arg, keyword.arg, keyword.value))
    seen = {name for name, _, _ in passed}
    if len(seen) < len(passed):
        exact = False  # an argument given twice
    unknown = any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords)
    arguments: list[KerasArgument] = []
    dropped: list[tuple[str, str]] = []
    for name, how, value in passed:
        keras_name = optimizer.parameter_map.get(name)
        default = defaults[name]
        if keras_name is None or (is_literal(value, None) and default is None):
            if default is not REQUIRED and is_literal(value, default):
                dropped.append((how, name))  # at its TF1 default: nothing to carry over
            else:
                exact = False  # it changes the TF1 optimizer and Keras 3 has no counterpart
            continue
        arguments.append(KerasArgument(keras_name, value, passed_as=how))
    written = set(optimizer.parameter_map.values())
    for name, default in optimizer.parameters:
        keras_name = optimizer.parameter_map.get(name)
        if name in seen:
            continue
        if default is REQUIRED:
            exact = False  # TypeError as written, unless **kwargs passes it
            continue
        if keras_name is None or unknown:
            continue
        if keras_name in optimizer.keras_arguments:
            arguments.append(KerasArgument(keras_name, None, optimizer.keras_arguments[keras_name]))
        elif name == "learning_rate":
            arguments.append(KerasArgument(keras_name, None, default))
    for keras_name, value in optimizer.keras_arguments.items():
        if keras_name not in written:  # a Keras argument no TF1 parameter maps to
            arguments.append(KerasArgument(keras_name, None, value))
    return KerasArguments(tuple(arguments), tuple(dropped), exact and not unknown)
