"""Front end for premade estimators: a construction read into the neutral description.

What the construction shows as literals (layer sizes, n_classes, the optimizer) is written into
the Keras model; what only the running program knows (the feature columns it built, hidden
units from flags) becomes a parameter of the model builder, passed the program's own
expression. Whatever cannot be reproduced raises Unsupported with the reason the finding
quotes; the rewrite is all or nothing for one estimator.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from estimator_audit.knowledge.calls import UNKNOWN, argument, is_none, passed_parameters, unpacks
from estimator_audit.knowledge.tfapi import estimator_class, is_run_config
from estimator_audit.layout import comments_in
from estimator_audit.migrate import defaults
from estimator_audit.migrate.model import (
    DNNTower,
    Estimator,
    Head,
    LinearTower,
    Optimizer,
    Runtime,
    Unsupported,
)
from estimator_audit.migrate.reader import Reader

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

SUPPORTED = frozenset({"DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor",
                       "DNNLinearCombinedClassifier", "DNNLinearCombinedRegressor"})
# tf.nn / tf.keras activations the estimators take, and the Keras 3 name of the same function.
ACTIVATIONS = {
    f"{module}.{name}": keras_name
    for module in ("tensorflow.nn", "tensorflow.math", "tensorflow.keras.activations",
                   "tensorflow.compat.v1.nn", "keras.activations")
    for name, keras_name in (("relu", "relu"), ("relu6", "relu6"), ("elu", "elu"), ("selu", "selu"),
                             ("tanh", "tanh"), ("sigmoid", "sigmoid"), ("softplus", "softplus"),
                             ("softsign", "softsign"), ("swish", "silu"), ("silu", "silu"),
                             ("leaky_relu", "leaky_relu"))
}
# Constructor parameters the rewrite reproduces; any other argument makes it unsupported.
HANDLED = frozenset({
    "hidden_units", "feature_columns", "model_dir", "n_classes", "label_dimension", "optimizer",
    "activation_fn", "dropout", "config", "loss_reduction", "batch_norm", "sparse_combiner",
    "linear_feature_columns", "linear_optimizer", "dnn_feature_columns", "dnn_optimizer",
    "dnn_hidden_units", "dnn_activation_fn", "dnn_dropout", "linear_sparse_combiner",
    "weight_column", "label_vocabulary",
})
# tf.losses.Reduction -> the Keras 3 loss reduction that computes the same (MEAN is the weighted
# mean, sum(w * loss) / sum(w)).
REDUCTIONS = {"SUM_OVER_BATCH_SIZE": "sum_over_batch_size", "SUM": "sum", "MEAN": "mean_with_sample_weight"}
# RunConfig fields that only schedule checkpoints, summaries and logs: they change no number
# the model computes, and Keras keeps the model in memory.
SCHEDULING_FIELDS = frozenset({
    "save_summary_steps", "save_checkpoints_steps", "save_checkpoints_secs", "keep_checkpoint_max",
    "keep_checkpoint_every_n_hours", "log_step_count_steps", "session_config", "eval_distribute",
    "protocol", "device_fn", "session_creation_timeout_secs", "checkpoint_save_graph_def",
})
RUN_CONFIG_PARAMETERS = ("model_dir", "tf_random_seed", "save_summary_steps", "save_checkpoints_steps",
                         "save_checkpoints_secs", "session_config", "keep_checkpoint_max",
                         "keep_checkpoint_every_n_hours", "log_step_count_steps", "train_distribute",
                         "device_fn", "protocol", "eval_distribute", "experimental_distribute",
                         "experimental_max_worker_delay_secs", "session_creation_timeout_secs",
                         "checkpoint_save_graph_def")
MAX_CONFIG_HOPS = 8
# Parameters whose explicit None differs from leaving them out (an error, or another default).
NONE_MATTERS = frozenset({"n_classes", "label_dimension", "optimizer", "linear_optimizer", "dnn_optimizer",
                          "hidden_units", "dnn_hidden_units", "feature_columns"})


@dataclass(frozen=True)
class Construction:
    """The premade estimator one call constructs, and what the rewrite reads along the way."""

    estimator: Estimator
    call: ast.Call
    # Values read through names (a RunConfig assigned to `config`), whose assignments may have
    # no other reader once the estimator is gone.
    followed: tuple[ast.expr, ...]
    comments: tuple[str, ...]


class Values:
    """Reads constructor arguments as literals when the source shows them, else as Runtime
    values named after their parameter."""

    def __init__(self, context: ModuleContext, reader: Reader) -> None:
        self.context = context
        self.reader = reader

    def text(self, node: ast.AST) -> str:
        return self.reader.text(node)

    def literal_or_runtime(self, node: ast.expr, name: str) -> object:
        try:
            return self.reader.literal(node, name)
        except Unsupported:
            return Runtime(name, self.text(node))


def read_construction(context: ModuleContext, call: ast.Call) -> Construction:
    """The neutral description of the premade estimator `call` constructs."""
    info = estimator_class(context.call_name(call))
    assert info is not None
    class_name = info.short_name
    if class_name not in SUPPORTED:
        raise Unsupported(f"{class_name} has no Keras rewrite (only DNN, Linear and DNNLinearCombined "
                          "classifiers and regressors)")
    api: Literal["v1", "v2"] = "v1" if ".compat.v1." in info.public_name or info.public_name.startswith(
        "tensorflow_estimator.estimator.") else "v2"
    if unpacks(call):
        raise Unsupported("the estimator is constructed with *args or **kwargs")
    passed = passed_parameters(call, info.parameters)
    extra = sorted(p for p in passed if p not in HANDLED)
    if extra:
        raise Unsupported(f"{class_name}({', '.join(f'{p}=...' for p in extra)}) is not reproduced")
    reader = Reader(context)
    values = Values(context, reader)
    # What the call passes; `None` is kept where the estimator gives it a meaning of its own.
    arguments: dict[str, ast.expr] = {}
    for parameter in info.parameters:
        found = argument(call, parameter, info.parameters)
        if isinstance(found, ast.expr) and (not is_none(found) or parameter in NONE_MATTERS):
            arguments[parameter] = found
    head = read_head(values, class_name, api, arguments)
    dnn = linear = None
    if class_name.startswith("DNNLinearCombined"):
        if "linear_feature_columns" in arguments:
            linear = read_linear(values, class_name, api, arguments, "linear_feature_columns",
                                 "linear_optimizer", "linear_sparse_combiner")
        if "dnn_feature_columns" in arguments:
            dnn = read_dnn(values, class_name, api, arguments, "dnn_", "dnn_feature_columns", "dnn_optimizer")
        if linear is None and dnn is None:
            raise Unsupported("the estimator has neither linear nor dnn feature columns")
    elif given(arguments, "feature_columns") is None:
        raise Unsupported("the estimator has no feature columns")
    elif class_name.startswith("DNN"):
        dnn = read_dnn(values, class_name, api, arguments, "", "feature_columns", "optimizer")
    else:
        linear = read_linear(values, class_name, api, arguments, "feature_columns", "optimizer",
                             "sparse_combiner")
    seed, model_dir, strategy, config = read_config(values, call, info.parameters)
    if "model_dir" in arguments:
        model_dir = Runtime("model_dir", values.text(arguments["model_dir"]))
    estimator = Estimator(class_name, api, head, dnn, linear, seed, model_dir, strategy, config)
    return Construction(estimator, call, tuple(reader.followed), comments_in(values.text(call)))


def given(arguments: dict[str, ast.expr], name: str) -> ast.expr | None:
    """The argument passed for `name`, unless it is absent or None."""
    node = arguments.get(name)
    return None if node is None or is_none(node) else node


def read_head(values: Values, class_name: str, api: str, arguments: dict[str, ast.expr]) -> Head:
    reader = values.reader
    reduction: str = defaults.loss_reduction(class_name, api)
    node = arguments.get("loss_reduction")
    if node is not None:
        text = reader.text(node)
        name = text.rsplit(".", 1)[-1]
        if name not in REDUCTIONS:
            raise Unsupported(f"loss_reduction={text} is not reproduced (only SUM, SUM_OVER_BATCH_SIZE and "
                              "MEAN)")
        reduction = REDUCTIONS[name]
    weight = read_weight_column(values, arguments.get("weight_column"))
    vocabulary = read_vocabulary(values, arguments.get("label_vocabulary"))
    if class_name.endswith("Classifier"):
        node = arguments.get("n_classes")
        classes = values.literal_or_runtime(node, "n_classes") if node is not None and not is_none(node) \
            else reader.count(node, "n_classes", 2)
        if isinstance(classes, Runtime):
            return Head("classifier", classes, reduction, weight, vocabulary)  # type: ignore[arg-type]
        if not isinstance(classes, int) or isinstance(classes, bool) or classes < 2:
            raise Unsupported("n_classes must be an integer of at least 2")
        if isinstance(vocabulary, tuple) and len(vocabulary) != classes:
            raise Unsupported(f"label_vocabulary has {len(vocabulary)} entries for {classes} classes: the "
                              "estimator rejects that")
        return Head("classifier", classes, reduction, weight, vocabulary)  # type: ignore[arg-type]
    if vocabulary is not None:
        raise Unsupported("label_vocabulary on a regressor")
    dimension = reader.count(arguments.get("label_dimension"), "label_dimension", 1)
    if dimension != 1:
        raise Unsupported("label_dimension > 1: the estimator's loss sums over the label dimension")
    return Head("regression", dimension, reduction, weight)  # type: ignore[arg-type]


def read_weight_column(values: Values, node: ast.expr | None) -> str | Runtime | None:
    """A feature key, or a numeric_column (either API) whose key is the weight."""
    if node is None:
        return None
    value = values.reader.follow(node) if isinstance(node, ast.Name) else node
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    return Runtime("weight_column", values.text(node))


def read_vocabulary(values: Values, node: ast.expr | None) -> tuple[str, ...] | Runtime | None:
    if node is None:
        return None
    value = values.literal_or_runtime(node, "label_vocabulary")
    if isinstance(value, Runtime):
        return value
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise Unsupported("label_vocabulary is not a list of strings")
    if len(set(value)) != len(value):
        raise Unsupported("label_vocabulary has duplicates: the estimator rejects them")
    return tuple(value)


def columns_parameter(values: Values, arguments: dict[str, ast.expr], parameter: str) -> Runtime:
    node = arguments[parameter]
    return Runtime(parameter, values.text(node))


def read_dnn(values: Values, class_name: str, api: str, arguments: dict[str, ast.expr], prefix: str,
             columns_name: str, optimizer_parameter: str) -> DNNTower:
    reader = values.reader
    columns = columns_parameter(values, arguments, columns_name)
    node = given(arguments, f"{prefix}hidden_units")
    if node is None:
        raise Unsupported("the estimator has no hidden_units")
    hidden = values.literal_or_runtime(node, "hidden_units")
    if isinstance(hidden, list):
        if not all(isinstance(h, int) and not isinstance(h, bool) for h in hidden):
            raise Unsupported("hidden_units is not a list of integers")
        hidden = tuple(hidden)
    elif not isinstance(hidden, Runtime):
        raise Unsupported("hidden_units is not a list of integers")
    activation = "relu"
    node = arguments.get(f"{prefix}activation_fn")
    if node is not None:
        name = values.context.qualified_name(node)
        if name not in ACTIVATIONS:
            raise Unsupported(f"activation_fn={reader.shown(node)} has no Keras counterpart the rewrite "
                              "knows")
        activation = ACTIVATIONS[name]
    dropout: float | Runtime | None = None
    node = arguments.get(f"{prefix}dropout")
    if node is not None:
        found = values.literal_or_runtime(node, "dropout")
        if isinstance(found, bool) or not isinstance(found, (int, float, Runtime)):
            raise Unsupported("dropout is not a number")
        dropout = found if isinstance(found, Runtime) else float(found)
    batch_norm = reader.literal(arguments["batch_norm"], "batch_norm") if "batch_norm" in arguments else False
    optimizer = read_optimizer(values, class_name, api, "dnn", given(arguments, optimizer_parameter), columns,
                               optimizer_parameter in arguments)
    return DNNTower(columns, hidden, activation, dropout, bool(batch_norm), optimizer)


def read_linear(values: Values, class_name: str, api: str, arguments: dict[str, ast.expr], columns_name: str,
                optimizer_parameter: str, combiner_parameter: str) -> LinearTower:
    columns = columns_parameter(values, arguments, columns_name)
    node = arguments.get(combiner_parameter)
    combiner = values.reader.literal(node, "sparse_combiner") if node is not None else "sum"
    if combiner not in ("sum", "mean", "sqrtn"):
        raise Unsupported(f"sparse_combiner={combiner!r} is not one the estimator accepts")
    optimizer = read_optimizer(values, class_name, api, "linear", given(arguments, optimizer_parameter),
                               columns, optimizer_parameter in arguments)
    return LinearTower(columns, optimizer, combiner)


def read_optimizer(values: Values, class_name: str, api: str, tower: Literal["dnn", "linear"],
                   node: ast.expr | None, columns: Runtime, passed: bool) -> Optimizer:
    """The optimizer as the estimator constructs it: a name gets the estimator's default
    learning rate; an optimizer object is read through the tables of TF1 and Keras 2."""
    count = f"len({columns.name})"
    if node is None:
        # Absent, or `optimizer=None` (which linear estimators treat differently).
        return defaults.default_optimizer(class_name, api, tower, count, explicit_none=passed)
    reader = values.reader
    value = reader.follow(node)
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return defaults.named_optimizer(class_name, api, tower, value.value, count)
    if isinstance(value, ast.Call):
        # A run-time hyperparameter (`learning_rate=args.learning_rate`) becomes a builder
        # parameter, named after its tower when a wide-and-deep model has two optimizers.
        prefix = f"{tower}_" if class_name.startswith("DNNLinearCombined") else ""

        def argument_value(node: ast.expr, name: str) -> object:
            found = values.literal_or_runtime(node, prefix + name)
            if isinstance(found, list):
                raise Unsupported(f"the optimizer's {name} is a list")
            return found

        return defaults.optimizer_object(reader, value, api, argument_value)  # type: ignore[arg-type]
    raise Unsupported(f"optimizer `{reader.shown(node)}` is not a name or an optimizer this file shows")


def read_config(values: Values, call: ast.Call, parameters: tuple[str, ...]
                ) -> tuple[int | Runtime | None, Runtime | None, Runtime | None, Runtime | None]:
    """(seed, model_dir, distribution strategy, run-time config) from the estimator's
    RunConfig, following `config = RunConfig(...)` and `.replace(...)`; fields that only
    schedule checkpoints and logs are dropped, any other field makes the estimator unsupported.
    A config the module does not show (a parameter, a function's result) is read when the
    program runs: the builder takes it (a keras_feature_columns.RunConfig, EA106's fix of
    tf.estimator.RunConfig) and uses its seed, model_dir and strategy."""
    given = argument(call, "config", parameters)
    node = given
    fields: dict[str, ast.expr] = {}
    reader = values.reader
    for _ in range(MAX_CONFIG_HOPS):
        if node is None or is_none(node):
            break
        if node is UNKNOWN:
            raise Unsupported("config may be passed through *args or **kwargs")
        assert isinstance(node, ast.expr) and isinstance(given, ast.expr)
        if isinstance(node, ast.Name):
            try:
                node = reader.follow_once(node)
            except Unsupported:
                return None, None, None, Runtime("config", values.text(given))
            continue
        if isinstance(node, ast.Call) and unpacks(node):
            raise Unsupported("the RunConfig is built with *args or **kwargs")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "replace":
            for keyword in node.keywords:
                fields.setdefault(keyword.arg, keyword.value)  # type: ignore[arg-type]
            node = node.func.value
            continue
        if not isinstance(node, ast.Call) or not is_run_config(values.context.call_name(node)):
            return None, None, None, Runtime("config", values.text(given))
        for parameter in RUN_CONFIG_PARAMETERS:
            found = argument(node, parameter, RUN_CONFIG_PARAMETERS)
            if isinstance(found, ast.expr):
                fields.setdefault(parameter, found)
        break
    else:
        raise Unsupported("config is reassigned too often to follow")
    unknown = sorted(name for name, value in fields.items()
                     if name not in SCHEDULING_FIELDS | {"tf_random_seed", "model_dir", "train_distribute"}
                     and not is_none(value))
    if unknown:
        raise Unsupported(f"RunConfig({', '.join(f'{name}=...' for name in unknown)}) is not reproduced")
    seed: int | Runtime | None = None
    if "tf_random_seed" in fields and not is_none(fields["tf_random_seed"]):
        found = values.literal_or_runtime(fields["tf_random_seed"], "seed")
        if not isinstance(found, (int, Runtime)) or isinstance(found, bool):
            raise Unsupported("tf_random_seed is not an integer")
        seed = found
    model_dir = strategy = None
    if "model_dir" in fields and not is_none(fields["model_dir"]):
        model_dir = Runtime("model_dir", values.text(fields["model_dir"]))
    if "train_distribute" in fields and not is_none(fields["train_distribute"]):
        strategy = Runtime("strategy", values.text(fields["train_distribute"]))
    return seed, model_dir, strategy, None
