"""Write estimator_audit/data/estimator_defaults.json: what the premade estimators really do by default.

Run it with the legacy runtime's interpreter (TensorFlow 2.15 + tensorflow-estimator 2.15, the
last release with tf.estimator); it runs the current runtime (TensorFlow 2.21 + Keras 3) as a
subprocess, through generate_optimizer_table.py's `--keras-side`:

    python tools/generate_estimator_defaults.py [--check] [--current-python PATH]

A migration that replaces DNNClassifier & co. by a Keras model has to reproduce what the
estimator *did*, and the docstrings are not a reliable account of it (the V2 DNN estimators,
for example, do not use the 0.05 learning rate that tensorflow_estimator's `_LEARNING_RATE`
suggests, and the default linear optimizer does not use the min(0.2, 1/sqrt(columns)) rule of
`_get_default_optimizer`). So for DNNClassifier, DNNRegressor, LinearClassifier,
LinearRegressor, DNNLinearCombinedClassifier and DNNLinearCombinedRegressor, each as
tf.estimator.X ("v2", the XV2 classes) and tf.compat.v1.estimator.X ("v1"), this records:

* the constructor parameters and their defaults, read with inspect.signature;
* per optimizer side (dnn and/or linear): the argument that names the optimizer, its default,
  and the learning-rate rule, hand-written below from tensorflow_estimator's source and then
  checked: every side is trained one step with its default and with every optimizer string
  the API accepts (canned/optimizers.py), with `get_optimizer_instance[_v2]` wrapped so that
  the optimizer the estimator really constructed is recorded; the linear estimators are also
  trained with 36 feature columns, with the default and with `optimizer=None`, where the two
  rules disagree;
* the checkpoint of the default run (step 0 and step 1): the model variables, the slot
  names, the V2 optimizers' hyperparameter variables, the initial accumulator, and the
  learning rate solved from the step-0 -> step-1 update (TF1 optimizers keep their
  hyperparameters out of the checkpoint, so this is the only way to see theirs);
* the head: its class, logits dimension and loss reduction, and which loss and reduction it
  computes, found by evaluating its training loss on fixed labels and logits and matching it
  against sigmoid/softmax cross-entropy and squared error, summed or averaged;
* per optimizer string and API: the class constructed, its full hyperparameters (V2: the Keras
  2 legacy optimizer's get_config(); V1: the tf.compat.v1.train optimizer's private
  attributes), and the Keras 3 optimizer with the arguments that reproduce it. Like
  generate_optimizer_table.py, the Keras 3 mapping is checked, not trusted: the same 10
  float32 gradient steps are applied by the legacy optimizer (V1 in a graph and Session, V2
  the Keras 2.15 legacy optimizer) and by Keras 3, at every learning rate the estimators were
  seen to use, and a mapping further apart than 1e-5 is written with `keras_class: null`.

A fact that does not hold (a rule that disagrees with a trained estimator, a head whose loss
matches no candidate) stops the script instead of being written. With --check it compares
instead of writing and exits 1 on a difference.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generate_optimizer_table import (
    MAPPINGS,
    NAMES,
    STEPS,
    TOLERANCE,
    Mapping,
    call_current,
    gradients,
    resolve,
    run_tf1,
    signature,
)
from tablefile import write_or_check

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "estimator_audit" / "data" / "estimator_defaults.json"
ESTIMATORS = ("DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor",
              "DNNLinearCombinedClassifier", "DNNLinearCombinedRegressor")
APIS = {"v2": "estimator", "v1": "compat.v1.estimator"}
COLUMNS = ("x1", "x2")  # the proof runs' numeric feature columns
HIDDEN_UNITS = [3]
SEED = 1
# Enough columns that 1/sqrt(columns) < 0.2, where the linear estimators' two rules differ.
MANY_COLUMNS = 36
RELATIVE = 1e-4  # a learning rate solved from a float32 update is this close to the real one

@dataclass(frozen=True)
class Side:
    """One optimizer of an estimator, as read in tensorflow_estimator 2.15's source."""

    parameter: str  # the constructor argument that takes the optimizer
    learning_rate: dict[str, Any]  # the rate a string optimizer (the default one too) gets
    source: str
    when_none: dict[str, Any] | None = None  # the rule when the argument is None (linear only)


LINEAR = {"linear": Side(
    "optimizer", {"kind": "constant", "value": 0.2},
    "canned/linear.py: get_optimizer_instance[_v2](optimizer or _get_default_optimizer[_v2]("
    "feature_columns), learning_rate=_LEARNING_RATE) with _LEARNING_RATE = 0.2; the default "
    "optimizer is the string 'Ftrl', so min(0.2, 1/sqrt(len(feature_columns))) of "
    "_get_default_optimizer applies only when optimizer is None",
    when_none={"kind": "inverse_sqrt_columns", "max": 0.2})}
COMBINED = {
    "dnn": Side("dnn_optimizer", {"kind": "constant", "value": 0.001},
                "canned/dnn_linear_combined.py: get_optimizer_instance[_v2](dnn_optimizer, "
                "learning_rate=_DNN_LEARNING_RATE) with _DNN_LEARNING_RATE = 0.001"),
    "linear": Side("linear_optimizer", {"kind": "inverse_sqrt_columns", "max": 0.005},
                   "canned/dnn_linear_combined.py: get_optimizer_instance[_v2]("
                   "linear_optimizer, learning_rate=_linear_learning_rate("
                   "len(linear_feature_columns))) = min(0.005, 1/sqrt(columns))"),
}
# (family, api) -> side -> Side; the combined model_fns build the dnn optimizer first.
SIDES: dict[tuple[str, str], dict[str, Side]] = {
    ("DNN", "v1"): {"dnn": Side(
        "optimizer", {"kind": "constant", "value": 0.05},
        "canned/dnn.py _dnn_model_fn: get_optimizer_instance(optimizer, "
        "learning_rate=_LEARNING_RATE) with _LEARNING_RATE = 0.05")},
    ("DNN", "v2"): {"dnn": Side(
        "optimizer", {"kind": "optimizer_default"},
        "canned/dnn.py dnn_model_fn_v2: get_optimizer_instance_v2(optimizer) passes no "
        "learning rate, so a string gets its Keras class's default (dnn.py's _LEARNING_RATE "
        "= 0.05 is used only by the V1 model_fn)")},
    ("Linear", "v1"): LINEAR,
    ("Linear", "v2"): LINEAR,
    ("DNNLinearCombined", "v1"): COMBINED,
    ("DNNLinearCombined", "v2"): COMBINED,
}
RULE_KINDS = {
    "constant": "`value`, whatever the model",
    "inverse_sqrt_columns": "min(`max`, 1/sqrt(number of feature columns of that side))",
    "optimizer_default": ("the optimizer class's own default learning rate "
                          "(optimizer_strings.<api>.<string>.default_learning_rate)"),
}

# The Keras 2 legacy optimizers (V2 estimators) -> Keras 3; the V1 ones come from
# generate_optimizer_table.MAPPINGS (keyed by TF1 class name).
KERAS2_MAPPINGS: dict[str, Mapping] = {
    "Adagrad": Mapping("Adagrad", {"learning_rate": "learning_rate", "epsilon": "epsilon",
                                   "initial_accumulator_value": "initial_accumulator_value"},
                       note=("Keras 2 adds epsilon after the square root, Keras 3 under it: "
                             "the same to within the measured difference")),
    "Adam": Mapping("Adam", {"learning_rate": "learning_rate", "beta_1": "beta_1",
                             "beta_2": "beta_2", "epsilon": "epsilon", "amsgrad": "amsgrad"}),
    "Ftrl": Mapping("Ftrl", {name: name for name in (
        "learning_rate", "learning_rate_power", "initial_accumulator_value",
        "l1_regularization_strength", "l2_regularization_strength",
        "l2_shrinkage_regularization_strength", "beta")}),
    "RMSprop": Mapping("RMSprop", {"learning_rate": "learning_rate", "rho": "rho",
                                   "momentum": "momentum", "epsilon": "epsilon",
                                   "centered": "centered"},
                       note=("Keras 2 adds epsilon after the square root, Keras 3 under it: "
                             "the same to within the measured difference")),
    "SGD": Mapping("SGD", {"learning_rate": "learning_rate", "momentum": "momentum",
                           "nesterov": "nesterov"}),
}
SKIPPED = NAMES | {"use_locking"}  # TF1 constructor parameters that are no hyperparameter
SCRATCH: list[str] = []  # the directory build() trains in, deleted when it returns


def significant(value: float, digits: int = 6) -> float:
    """A measured float32 value, rounded so that --check is stable and the file readable."""
    return float(f"{value:.{digits}g}")


def learning_rate(rule: dict[str, Any], columns: int, class_default: float | None) -> float:
    """The rate a rule gives a side with this many feature columns."""
    if rule["kind"] == "constant":
        return float(rule["value"])
    if rule["kind"] == "inverse_sqrt_columns":
        return min(float(rule["max"]), 1.0 / math.sqrt(columns))
    if rule["kind"] == "optimizer_default" and class_default is not None:
        return class_default
    raise ValueError(f"no learning rate for {rule} (class default {class_default})")


def family(name: str) -> str:
    return name.removesuffix("Classifier").removesuffix("Regressor")


# -- optimizers: what a string builds, described the same way for both APIs ---------------------
def public_name(tf: Any, cls: type) -> str:
    """How tensorflow_estimator spells the class (canned/optimizers.py), checked to resolve."""
    for namespace in ("compat.v1.train", "keras.optimizers.legacy"):
        with contextlib.suppress(AttributeError):
            if resolve(tf, f"{namespace}.{cls.__name__}") is cls:
                return f"tensorflow.{namespace}.{cls.__name__}"
    raise SystemExit(f"{cls} is exported under neither tf.compat.v1.train nor tf.keras.optimizers.legacy")


def hyperparameters(optimizer: Any) -> dict[str, Any]:
    """The values an optimizer instance really holds, under its constructor's parameter names.

    Keras 2 optimizers report them with get_config(); TF1 optimizers keep them in private
    attributes (`_initial_accumulator_value`, Adam's rate as `_lr`), with None defaults already
    resolved (Ftrl's beta=None is stored as 0.0).
    """
    if hasattr(optimizer, "get_config"):
        config = {k: v for k, v in optimizer.get_config().items() if k != "name"}
        return {k: v if isinstance(v, bool | str) else float(v) for k, v in config.items()}
    values: dict[str, Any] = {}
    for parameter in signature(type(optimizer)):
        name = parameter["name"]
        if name in SKIPPED:
            continue
        for attribute in (f"_{name}", "_lr" if name == "learning_rate" else ""):
            if attribute and hasattr(optimizer, attribute):
                value = getattr(optimizer, attribute)
                values[name] = value if isinstance(value, bool) else float(value)
                break
        else:
            raise SystemExit(f"{type(optimizer).__name__} keeps no attribute for {name}")
    return values


def describe(tf: Any, optimizer: Any) -> dict[str, Any]:
    cls = type(optimizer)
    return {"class": public_name(tf, cls), "internal_class": f"{cls.__module__}.{cls.__qualname__}",
            "hyperparameters": hyperparameters(optimizer)}


def mapping_for(api: str, cls: type) -> Mapping:
    return MAPPINGS[cls.__name__] if api == "v1" else KERAS2_MAPPINGS[cls.__name__]


def keras_arguments(api: str, cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """Every hyperparameter but the learning rate, under its Keras 3 name, plus fixed ones.

    All of them, not only those that differ from Keras 3's defaults, so that the migrated code
    states them and does not depend on the next Keras's defaults.
    """
    mapping = mapping_for(api, cls)
    arguments: dict[str, Any] = {}
    for name, value in values.items():
        if name == "learning_rate":
            continue
        if name == "decay" and api == "v2":
            if value != 0.0:  # Keras 3 has no per-step decay: only a schedule could do it
                raise SystemExit(f"{cls.__name__} decays its rate by default ({value})")
            continue
        arguments[mapping.parameters[name]] = value
    arguments.update(mapping.fixed)
    return arguments


def optimizer_strings(tf: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """canned/optimizers.py's string -> class tables, with each class's defaults."""
    from tensorflow_estimator.python.estimator.canned import optimizers

    tables = {"v1": optimizers._OPTIMIZER_CLS_NAMES, "v2": optimizers._OPTIMIZER_CLS_NAMES_V2}
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for api, table in tables.items():
        found[api] = {}
        for string, cls in sorted(table.items()):
            rate = next((p.get("default") for p in signature(cls) if p["name"] == "learning_rate"),
                        None)
            entry = describe(tf, cls() if rate is not None else cls(learning_rate=1.0))
            entry["hyperparameters"].pop("learning_rate")
            entry["default_learning_rate"] = rate
            entry["keras_arguments"] = keras_arguments(api, cls, entry["hyperparameters"])
            found[api][string] = entry
    return found


def run_keras2(public: str, kwargs: dict[str, Any]) -> list[float]:
    """The Keras 2.15 legacy optimizer over generate_optimizer_table's gradients, eagerly."""
    import tensorflow as tf

    start, steps = gradients()
    variable = tf.Variable(start, dtype=tf.float32)
    optimizer = resolve(tf, public.removeprefix("tensorflow."))(**kwargs)
    for step in steps:
        optimizer.apply_gradients([(tf.constant(step, tf.float32), variable)])
    return [float(x) for x in variable.numpy()]


# -- estimators: build, train one step, read the checkpoint -------------------------------------
@dataclass(frozen=True)
class Made:
    """An optimizer an estimator built, described when it was built: after training, a Keras 2
    optimizer's hyperparameters are variables of a graph that is gone."""

    optimizer: Any
    described: dict[str, Any]


@contextlib.contextmanager
def recording() -> Iterator[list[Made]]:
    """Every optimizer get_optimizer_instance[_v2] returns while the block runs, in order.

    The canned model_fns call them through the `optimizers` module, so wrapping the module's
    functions sees exactly what the estimator trains with.
    """
    import tensorflow as tf
    from tensorflow_estimator.python.estimator.canned import optimizers

    made: list[Made] = []
    originals = {name: getattr(optimizers, name)
                 for name in ("get_optimizer_instance", "get_optimizer_instance_v2")}

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            optimizer = original(*args, **kwargs)
            made.append(Made(optimizer, describe(tf, optimizer)))
            return optimizer
        return recorded

    for name, original in originals.items():
        setattr(optimizers, name, wrap(original))
    try:
        yield made
    finally:
        for name, original in originals.items():
            setattr(optimizers, name, original)


def model_dir() -> str:
    """A fresh model directory inside build()'s scratch directory."""
    return tempfile.mkdtemp(dir=SCRATCH[-1] if SCRATCH else None)


def columns(tf: Any, count: int) -> list[Any]:
    names = COLUMNS if count == len(COLUMNS) else tuple(f"x{i + 1}" for i in range(count))
    return [tf.feature_column.numeric_column(name) for name in names]


def input_fn(tf: Any, count: int, regression: bool) -> Callable[[], Any]:
    """Four fixed examples, repeated: no RNG, so every run sees the same batch."""
    def make() -> Any:
        features = {column.key: tf.constant([[((i + 1) * (row + 2) % 7 - 3) / 2.0] for row in range(4)])
                    for i, column in enumerate(columns(tf, count))}
        labels = (tf.constant([[1.0], [-0.5], [2.0], [0.0]]) if regression
                  else tf.constant([[1], [0], [1], [0]]))
        return tf.data.Dataset.from_tensors((features, labels)).repeat()
    return make


def construct(tf: Any, api: str, name: str, directory: str, count: int = len(COLUMNS),
              **overrides: Any) -> Any:
    cls = resolve(tf, f"{APIS[api]}.{name}")
    feature_columns = columns(tf, count)
    if family(name) == "DNN":
        kwargs: dict[str, Any] = {"hidden_units": HIDDEN_UNITS, "feature_columns": feature_columns}
    elif family(name) == "Linear":
        kwargs = {"feature_columns": feature_columns}
    else:
        kwargs = {"dnn_hidden_units": HIDDEN_UNITS, "dnn_feature_columns": feature_columns,
                  "linear_feature_columns": feature_columns}
    return cls(model_dir=directory, config=tf.estimator.RunConfig(tf_random_seed=SEED),
               **kwargs, **overrides)


def train(tf: Any, api: str, name: str, count: int = len(COLUMNS),
          **overrides: Any) -> tuple[dict[str, Made], str]:
    """Train one step; the optimizers each side got (the canned model_fns make the dnn one
    first), and the model directory, which keeps the step-0 and step-1 checkpoints."""
    directory = model_dir()
    estimator = construct(tf, api, name, directory, count, **overrides)
    with recording() as made:
        estimator.train(input_fn(tf, count, name.endswith("Regressor")), steps=1)
    sides = list(SIDES[(family(name), api)])
    if len(made) != len(sides):
        raise SystemExit(f"{api} {name} made {len(made)} optimizers, expected {sides}")
    return dict(zip(sides, made, strict=True)), directory


def slot_names(optimizer: Any) -> dict[str, list[str]]:
    """Slot role -> the checkpoint names of that role's slot variables."""
    found: dict[str, list[str]] = {}
    if hasattr(optimizer, "get_config"):  # Keras 2: {variable key: {slot: variable}}
        for slots in optimizer._slots.values():
            for role, variable in slots.items():
                found.setdefault(role, []).append(variable.name.removesuffix(":0"))
    else:  # TF1: {slot: {variable key: variable}}; a partitioned one saves under its full name
        for role, slots in optimizer._slots.items():
            for variable in slots.values():
                info = getattr(variable, "_save_slice_info", None)
                found.setdefault(role, []).append(
                    info.full_name if info is not None else variable.name.removesuffix(":0"))
    return found


def owner(slot: str, model_variables: list[str]) -> str:
    """The model variable a slot belongs to: the longest one its name contains as a path."""
    owners = [v for v in model_variables if slot.startswith(f"{v}/") or f"/{v}/" in slot]
    if not owners:
        raise SystemExit(f"slot {slot} belongs to no model variable")
    return max(owners, key=len)


def solved_learning_rate(made: Made, before: Any, after: Any, slots: dict[str, list[str]],
                         model_variables: list[str]) -> float:
    """The learning rate that explains the step-0 -> step-1 update of the checkpoint.

    Adagrad: accumulator += g^2, w -= lr * g / (sqrt(accumulator) + epsilon); epsilon is 0 for
    TF1. Ftrl with no regularization and learning_rate_power -0.5: w1 = -linear1 * lr /
    sqrt(accumulator1), whatever w0. Each uses the element whose update is largest.
    """
    import numpy as np

    kind = type(made.optimizer).__name__.removesuffix("Optimizer")
    values = made.described["hyperparameters"]
    accumulators = slots.get("accumulator") or slots.get("accum") or []
    if kind == "Adagrad":
        best = (0.0, 0.0)
        for slot in accumulators:
            variable = owner(slot, model_variables)
            acc1 = after.get_tensor(slot).astype(np.float64)
            grown = acc1 - before.get_tensor(slot)
            step = np.abs(before.get_tensor(variable) - after.get_tensor(variable)).astype(np.float64)
            i = int(np.argmax(grown))
            if grown.flat[i] > best[0]:
                rate = step.flat[i] * (math.sqrt(acc1.flat[i]) + values.get("epsilon", 0.0)) / math.sqrt(
                    grown.flat[i])
                best = (float(grown.flat[i]), rate)
        return best[1]
    if kind == "Ftrl":
        if (values["l1_regularization_strength"], values["l2_regularization_strength"],
                values["learning_rate_power"], values["beta"]) != (0.0, 0.0, -0.5, 0.0):
            raise SystemExit(f"no closed form for {values}")
        best = (0.0, 0.0)
        for slot in accumulators:
            variable = owner(slot, model_variables)
            linear = next(s for s in slots["linear"] if owner(s, model_variables) == variable)
            z = after.get_tensor(linear).astype(np.float64)
            i = int(np.argmax(np.abs(z)))
            if abs(z.flat[i]) > best[0]:
                w1 = float(after.get_tensor(variable).flat[i])
                best = (abs(float(z.flat[i])),
                        -w1 * math.sqrt(float(after.get_tensor(slot).flat[i])) / float(z.flat[i]))
        return best[1]
    raise SystemExit(f"no closed form for the update of {kind}")


def shape(dims: list[int]) -> str:
    return "x".join(str(d) for d in dims) or "scalar"


def checkpoint_facts(made: dict[str, Made], directory: str) -> tuple[dict[str, str], dict[str, Any]]:
    """Model variables with shapes, and per side: slots, hyperparameter variables, rates."""
    import tensorflow as tf

    before = tf.train.load_checkpoint(os.path.join(directory, "model.ckpt-0"))
    after = tf.train.load_checkpoint(os.path.join(directory, "model.ckpt-1"))
    listed = dict(tf.train.list_variables(os.path.join(directory, "model.ckpt-1")))
    unexplained = set(listed) - {"global_step"}
    per_side = {side: slot_names(m.optimizer) for side, m in made.items()}
    hyper: dict[str, dict[str, Any]] = {}
    for side, built in made.items():
        optimizer = built.optimizer
        hyper[side] = {}
        variables = [v for v in getattr(optimizer, "_hyper", {}).values() if hasattr(v, "name")]
        if hasattr(optimizer, "get_config"):
            variables.append(optimizer.iterations)
        for variable in variables:
            name = variable.name.removesuffix(":0")
            if name != "global_step":
                value = after.get_tensor(name)
                hyper[side][name] = int(value) if value.dtype.kind == "i" else significant(float(value))
        for name in [*hyper[side], *(s for names in per_side[side].values() for s in names)]:
            if name not in listed:
                raise SystemExit(f"{name} is not in the checkpoint {sorted(listed)}")
            unexplained.discard(name)
    model_variables = sorted(unexplained)  # what is neither the step nor the optimizers'
    strays = [v for v in model_variables if not v.startswith(("dnn/", "linear/"))]
    if strays:
        raise SystemExit(f"checkpoint variables of no model or optimizer: {strays}")
    sides: dict[str, Any] = {}
    for side, built in made.items():
        slots = per_side[side]
        patterns: dict[str, str] = {}
        for role, names in sorted(slots.items()):
            found = {n.replace(owner(n, model_variables), "{variable}", 1) for n in names}
            if len(found) != 1:
                raise SystemExit(f"{side} {role} slots follow no single pattern: {sorted(found)}")
            patterns[role] = found.pop()
        initial = {float(x) for role in ("accumulator", "accum") for n in slots.get(role, [])
                   for x in before.get_tensor(n).flat}
        sides[side] = {
            "slots": patterns,
            "hyperparameter_variables": hyper[side],
            "initial_accumulator_at_step_0": significant(initial.pop()) if len(initial) == 1 else None,
            # Solved in float64 from float32 values: good to about 1e-6 relative, so 4 digits.
            "learning_rate_from_update": significant(
                solved_learning_rate(built, before, after, slots, model_variables), 4),
        }
    return {n: shape(listed[n]) for n in model_variables}, sides


def close(measured: float, expected: float) -> bool:
    return abs(measured - expected) <= RELATIVE * abs(expected)


# -- heads: which loss and reduction the training loss really is -------------------------------
def candidate_losses(labels: Any, logits: Any) -> dict[str, Any]:
    """Per-example losses of the three canned heads' documented losses, in float64 numpy."""
    import numpy as np

    x = logits.astype(np.float64)
    found = {"mean_squared_error": np.sum((x - labels) ** 2, axis=1) / x.shape[1]}
    if x.shape[1] == 1:
        z = labels.astype(np.float64)
        found["sigmoid_cross_entropy"] = (np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x))))[:, 0]
    else:
        top = x.max(axis=1, keepdims=True)
        log_softmax = x - top - np.log(np.exp(x - top).sum(axis=1, keepdims=True))
        found["sparse_softmax_cross_entropy"] = -log_softmax[np.arange(len(x)), labels[:, 0].astype(int)]
    return found


def head_facts(tf: Any, api: str, name: str, **overrides: Any) -> dict[str, Any]:
    """The head the estimator built (from its model_fn's closure) and what its loss computes."""
    import numpy as np

    estimator = construct(tf, api, name, model_dir(), **overrides)
    model_fn = estimator._model_fn
    head = dict(zip(model_fn.__code__.co_freevars,
                    (cell.cell_contents for cell in model_fn.__closure__ or ()), strict=True))["head"]
    width = head.logits_dimension
    logits = np.array([[((r * 5 + c * 3) % 7 - 3) / 2.0 for c in range(width)] for r in range(4)],
                      dtype=np.float32)
    if name.endswith("Regressor"):
        labels: Any = np.array([[1.0], [-0.5], [2.0], [0.0]], dtype=np.float32)
    else:
        labels = np.array([[1], [0], [1], [0]] if width == 1 else [[0], [2], [1], [2]], dtype=np.int64)
    mode = tf.estimator.ModeKeys.TRAIN
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        if api == "v1":
            loss = head.create_loss(features={}, mode=mode, logits=tf.constant(logits),
                                    labels=tf.constant(labels)).training_loss
        else:
            loss = head.loss(labels=tf.constant(labels), logits=tf.constant(logits), features={},
                             mode=mode)
        training_loss = float(session.run(loss))
    matches = [(loss_name, reduction)
               for loss_name, per_example in candidate_losses(labels, logits).items()
               for reduction, reduce in (("sum", np.sum), ("mean", np.mean))
               if abs(float(reduce(per_example)) - training_loss) <= 1e-5 * max(1.0, abs(training_loss))]
    if len(matches) != 1:
        raise SystemExit(f"{api} {name} {overrides}: loss {training_loss} matches {matches}")
    cls = type(head)
    return {"class": f"{cls.__module__}.{cls.__qualname__}", "logits_dimension": width,
            "loss_reduction": str(getattr(head, "loss_reduction", None) or head._loss_reduction),
            "loss": matches[0][0], "reduction_observed": matches[0][1]}


# -- putting it together ------------------------------------------------------------------------
def default_value(value: Any) -> Any:
    """A constructor default as JSON: functions by name, enums by value, the rest by repr."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    return str(getattr(value, "value", repr(value)))


def parameters(cls: type) -> tuple[list[str], dict[str, Any]]:
    """Constructor parameters in order (they can be passed by position), and the defaults of
    those that have one (a required parameter has no entry)."""
    found = signature(cls)
    return ([p["name"] for p in found],
            {p["name"]: default_value(p["default"]) for p in found if "default" in p})


def keras3_call(entry: dict[str, Any], rate: str) -> str | None:
    """The Keras 3 expression that reproduces a side's optimizer, for people and messages."""
    keras = entry["keras3"]
    if keras["keras_class"] is None:
        return None
    arguments = ", ".join(f"{k}={v!r}" for k, v in sorted(keras["keras_arguments"].items()))
    return f"{keras['keras_class']}(learning_rate={rate}{', ' if arguments else ''}{arguments})"


def rate_text(rule: dict[str, Any], parameter: str, class_default: float | None) -> str:
    if rule["kind"] == "inverse_sqrt_columns":
        columns = parameter.replace("optimizer", "feature_columns")
        return f"min({rule['max']}, 1 / sqrt(len({columns})))"
    return repr(learning_rate(rule, 0, class_default))


def estimator_entry(tf: Any, api: str, name: str, strings: dict[str, dict[str, Any]],
                    observed: dict[tuple[str, str], set[float]]) -> dict[str, Any]:
    """One estimator in one API; trains it 1 + len(strings) (+ 2 for linear) times."""
    cls = resolve(tf, f"{APIS[api]}.{name}")
    sides = SIDES[(family(name), api)]
    made, directory = train(tf, api, name)
    model_variables, checkpoint = checkpoint_facts(made, directory)
    string_rates: dict[str, dict[str, float]] = {side: {} for side in sides}
    for string in strings:
        overrides: dict[str, Any] = {side.parameter: string for side in sides.values()}
        for side_name, built in train(tf, api, name, **overrides)[0].items():
            described = {**built.described, "hyperparameters": dict(built.described["hyperparameters"])}
            rate = significant(described["hyperparameters"].pop("learning_rate"))
            if described["class"] != strings[string]["class"] or (
                    described["hyperparameters"] != strings[string]["hyperparameters"]):
                raise SystemExit(f"{api} {name} {side_name}={string!r} built {described}")
            string_rates[side_name][string] = rate
            observed.setdefault((api, string), set()).add(rate)
    entry_sides: dict[str, Any] = {}
    for side_name, side in sides.items():
        default = next(p["default"] for p in signature(cls) if p["name"] == side.parameter)
        described = made[side_name].described
        for string, rate in string_rates[side_name].items():
            expected = learning_rate(side.learning_rate, len(COLUMNS),
                                     strings[string]["default_learning_rate"])
            if not close(rate, expected):
                raise SystemExit(f"{api} {name} {side_name}={string!r}: rate {rate}, rule {expected}")
        facts = checkpoint[side_name]
        rate = significant(described["hyperparameters"]["learning_rate"])
        solved = facts["learning_rate_from_update"]
        if rate != string_rates[side_name][default] or not close(solved, rate):
            raise SystemExit(f"{api} {name} {side_name}: built with {rate}, updated with {solved}")
        for variable, value in facts["hyperparameter_variables"].items():
            if variable.endswith("/learning_rate") and not close(value, rate):
                raise SystemExit(f"{api} {name} {side_name}: {variable} = {value}, not {rate}")
        entry_sides[side_name] = {
            "parameter": side.parameter, "default": default, "learning_rate": side.learning_rate,
            "when_none": side.when_none, "source": side.source,
            "default_optimizer": described, "string_learning_rates": string_rates[side_name],
            "checkpoint": facts,
        }
        observed.setdefault((api, default), set()).add(rate)
    if family(name) == "Linear":
        entry_sides["linear"]["many_columns"] = many_columns(tf, api, name, observed)
    names, defaults = parameters(cls)
    classifier = name.endswith("Classifier")
    heads = ({f"n_classes={n}": head_facts(tf, api, name, n_classes=n) for n in (2, 3)} if classifier
             else {"label_dimension=1": head_facts(tf, api, name)})
    return {
        "public_name": f"tensorflow.{APIS[api]}.{name}",
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "parameters": names,
        "defaults": defaults,
        "loss_reduction": defaults["loss_reduction"],
        "heads": heads,
        "optimizers": entry_sides,
        "model_variables": model_variables,
    }


def many_columns(tf: Any, api: str, name: str, observed: dict[tuple[str, str], set[float]]
                 ) -> dict[str, Any]:
    """Where the linear rules part: with 36 columns, the default and optimizer=None."""
    side = SIDES[(family(name), api)]["linear"]
    assert side.when_none is not None
    found: dict[str, Any] = {"feature_columns": MANY_COLUMNS}
    for label, overrides, rule in (("default", {}, side.learning_rate),
                                   ("optimizer=None", {"optimizer": None}, side.when_none)):
        described = train(tf, api, name, MANY_COLUMNS, **overrides)[0]["linear"].described
        rate = significant(described["hyperparameters"]["learning_rate"])
        expected = learning_rate(rule, MANY_COLUMNS, None)
        if not close(rate, expected):
            raise SystemExit(f"{api} {name} {label} with {MANY_COLUMNS} columns: {rate}, rule {expected}")
        found[label] = {"class": described["class"], "learning_rate": rate}
        observed.setdefault((api, "Ftrl"), set()).add(rate)
    return found


def check_combined_rule() -> None:
    """The combined linear rule's 1/sqrt branch needs > 40,000 columns to show in training:
    evaluate tensorflow_estimator's own function instead."""
    from tensorflow_estimator.python.estimator.canned import dnn_linear_combined

    rule = SIDES[("DNNLinearCombined", "v1")]["linear"].learning_rate
    for count in (1, 2, MANY_COLUMNS, 40_000, 160_000):
        real = dnn_linear_combined._linear_learning_rate(count)
        if not close(real, learning_rate(rule, count, None)):
            raise SystemExit(f"_linear_learning_rate({count}) = {real}, rule {rule}")


def keras3_equivalents(argv: list[str], tf: Any, strings: dict[str, dict[str, dict[str, Any]]],
                       observed: dict[tuple[str, str], set[float]]) -> dict[str, Any]:
    """Replay every (API, string) at every rate the estimators used in both runtimes."""
    cases: list[dict[str, Any]] = []
    for api, table in strings.items():
        for string, entry in table.items():
            cls = resolve(tf, entry["class"].removeprefix("tensorflow."))
            for rate in sorted(observed.get((api, string), set())):
                cases.append({"api": api, "string": string, "rate": rate,
                              "class": mapping_for(api, cls).keras_class,
                              "kwargs": {"learning_rate": rate, **entry["keras_arguments"]}})
    keras = call_current(argv, {"classes": [], "cases": cases, "spellings": []})
    differences: dict[tuple[str, str], float] = {}
    for case, keras_result in zip(cases, keras["results"], strict=True):
        public = strings[case["api"]][case["string"]]["class"]
        legacy = (run_tf1(public, {"learning_rate": case["rate"]}) if case["api"] == "v1"
                  else run_keras2(public, {"learning_rate": case["rate"]}))
        gap = max(abs(a - b) for a, b in zip(legacy, keras_result, strict=True))
        key = (case["api"], case["string"])
        differences[key] = max(differences.get(key, 0.0), gap)
        print(f"{public}(learning_rate={case['rate']}) vs keras.optimizers.{case['class']}"
              f"({case['kwargs']}): max |difference| after {STEPS} steps = {gap:.3g}", file=sys.stderr)
    for api, table in strings.items():
        for string, entry in table.items():
            cls = resolve(tf, entry["class"].removeprefix("tensorflow."))
            mapping = mapping_for(api, cls)
            gap = differences[(api, string)]
            faithful = gap <= TOLERANCE
            entry["keras3"] = {
                "keras_class": f"keras.optimizers.{mapping.keras_class}" if faithful else None,
                "nearest_keras_class": None if faithful else f"keras.optimizers.{mapping.keras_class}",
                "keras_arguments": entry.pop("keras_arguments"),
                "checked_learning_rates": [significant(r) for r in sorted(observed[(api, string)])],
                "max_abs_difference": float(f"{gap:.2g}"),
                "note": mapping.note,
            }
    return {"tensorflow": keras["tensorflow"], "keras": keras["keras"]}


def build(argv: list[str]) -> dict[str, Any]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf
    import tensorflow_estimator

    tf.get_logger().setLevel("ERROR")
    check_combined_rule()
    strings = optimizer_strings(tf)
    observed: dict[tuple[str, str], set[float]] = {}
    estimators: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="estimator_defaults_") as scratch:
        SCRATCH.append(scratch)
        try:
            for name in ESTIMATORS:
                estimators[name] = {}
                for api in APIS:
                    print(f"training {api} {name}", file=sys.stderr)
                    estimators[name][api] = estimator_entry(tf, api, name, strings[api], observed)
        finally:
            SCRATCH.pop()
    keras_runtime = keras3_equivalents(argv, tf, strings, observed)
    for name in ESTIMATORS:  # now that the Keras 3 mappings are checked
        for api in APIS:
            for side in estimators[name][api]["optimizers"].values():
                default = strings[api][side["default"]]
                side["keras3_call"] = keras3_call(default, rate_text(
                    side["learning_rate"], side["parameter"], default["default_learning_rate"]))
    return {
        "generated_by": "tools/generate_estimator_defaults.py",
        "tensorflow": tf.__version__,
        "tensorflow_estimator": getattr(tensorflow_estimator, "__version__", "2.15.0"),
        "keras": keras.__version__,
        "keras_runtime": keras_runtime,
        "learning_rate_kinds": RULE_KINDS,
        "proof": {
            "feature_columns": list(COLUMNS), "dnn_hidden_units": HIDDEN_UNITS,
            "tf_random_seed": SEED, "batch": 4, "steps": 1,
            "checked": (
                "each estimator trained one step with its default optimizer and with every "
                "optimizer string; the optimizer get_optimizer_instance[_v2] returned, the learning "
                f"rate solved from the checkpoint's step-0 -> step-1 update (within {RELATIVE} "
                "relative) and V2's learning_rate variable all equal the rule; linear also with "
                f"{MANY_COLUMNS} columns; each head's training loss equals exactly one "
                "(loss, sum|mean) candidate; each keras3.keras_class replays "
                f"{STEPS} float32 gradient steps within {TOLERANCE} of the legacy optimizer at "
                "every checked learning rate, with learning_rate plus keras_arguments"),
        },
        "estimators": estimators,
        "optimizer_strings": strings,
    }


def main() -> int:
    table = build(sys.argv)
    text = json.dumps(table, indent=1, sort_keys=True) + "\n"
    return write_or_check({OUTPUT: text}, "--check" in sys.argv, f"python {sys.argv[0]}")


if __name__ == "__main__":
    sys.exit(main())
