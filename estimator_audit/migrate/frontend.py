"""Read a premade estimator's construction and its call sites from a file's `ast`.

Everything the rewrite needs must be visible in the file as literals (or names bound to
literals): keys, vocabularies, layer sizes, the optimizer. Whatever is not raises Unsupported
with the reason the finding then quotes; the rewrite is all or nothing for one estimator.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from estimator_audit.calls import UNKNOWN, argument, is_none, passed_parameters, unpacks
from estimator_audit.migrate import defaults
from estimator_audit.migrate.model import (
    BucketizedColumn,
    Column,
    DenseColumn,
    DNNTower,
    EmbeddingColumn,
    Estimator,
    Head,
    IndicatorColumn,
    LinearTower,
    NumericColumn,
    Optimizer,
    Unsupported,
)
from estimator_audit.migrate.obsolete import obsolete_assignments
from estimator_audit.migrate.reader import MAX_NAME_HOPS, Reader
from estimator_audit.resolve import SCOPE_NODES
from estimator_audit.tfapi import estimator_class

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
})
REDUCTIONS = {"SUM_OVER_BATCH_SIZE": "sum_over_batch_size", "SUM": "sum"}
# Estimator methods the rewrite follows, and the parameters it reproduces of each.
METHODS = {"train": ("input_fn", "hooks", "steps", "max_steps", "saving_listeners"),
           "evaluate": ("input_fn", "steps", "hooks", "checkpoint_path", "name"),
           "predict": ("input_fn", "predict_keys", "hooks", "checkpoint_path", "yield_single_examples")}
METHOD_ARGUMENTS = {"train": ("input_fn", "steps"), "evaluate": ("input_fn", "steps"),
                    "predict": ("input_fn",)}
INPUT_FN_PARAMETERS = frozenset({"mode", "params", "config", "input_context"})
DATASET_METHODS = frozenset({"batch", "repeat", "shuffle", "prefetch", "map", "cache", "take", "skip",
                             "filter", "padded_batch", "unbatch", "rebatch", "zip", "concatenate"})


@dataclass(frozen=True)
class CallSite:
    """`est.train(input_fn=..., steps=...)` and its siblings, with the dataset expression."""

    method: Literal["train", "evaluate", "predict"]
    call: ast.Call
    dataset: str  # source text of an expression that makes the input_fn's dataset
    steps: str | None  # source text of the steps argument


@dataclass(frozen=True)
class Migration:
    """One estimator the rewrite replaces: where it is built and every place it is used."""

    estimator: Estimator
    constructor: ast.Call
    variable: str
    sites: tuple[CallSite, ...]
    # Assignments only the estimator used (its feature columns): the Keras model inlines them.
    obsolete: tuple[ast.Assign, ...]
    # Comments written inside the estimator's construction, which the builder keeps.
    comments: tuple[str, ...] = ()


def dense_columns(columns: list[Column], what: str) -> tuple[DenseColumn, ...]:
    """A DNN takes dense columns only (tensorflow-estimator raises on the others)."""
    for column in columns:
        if not isinstance(column, (NumericColumn, BucketizedColumn, IndicatorColumn, EmbeddingColumn)):
            raise Unsupported(f"{what} holds categorical column `{column.name}`: the estimator itself "
                              "rejects it (wrap it in indicator_column or embedding_column)")
    return tuple(columns)  # type: ignore[arg-type]


def read_estimator(context: ModuleContext, call: ast.Call, reader: Reader) -> Estimator:
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
    values = {p: argument(call, p, info.parameters) for p in info.parameters}
    head = read_head(reader, class_name, api, values)
    dnn = linear = None
    if class_name.startswith("DNNLinearCombined"):
        linear_columns = reader.columns(values["linear_feature_columns"], "linear_feature_columns") \
            if values.get("linear_feature_columns") is not None else []
        dnn_columns = reader.columns(values["dnn_feature_columns"], "dnn_feature_columns") \
            if values.get("dnn_feature_columns") is not None else []
        if linear_columns:
            linear = read_linear(reader, class_name, api, linear_columns, values, "linear_optimizer",
                                 "linear_sparse_combiner")
        if dnn_columns:
            dnn = read_dnn(reader, class_name, api, dnn_columns, values, "dnn_", "dnn_optimizer")
        if not linear_columns and not dnn_columns:
            raise Unsupported("the estimator has neither linear nor dnn feature columns")
    elif class_name.startswith("DNN"):
        columns = reader.columns(values["feature_columns"], "feature_columns")
        dnn = read_dnn(reader, class_name, api, columns, values, "", "optimizer")
    else:
        columns = reader.columns(values["feature_columns"], "feature_columns")
        linear = read_linear(reader, class_name, api, columns, values, "optimizer", "sparse_combiner")
    if not (dnn.columns if dnn else ()) + (linear.columns if linear else ()):
        raise Unsupported("the estimator has no feature columns")
    model_dir = values.get("model_dir")
    shown_dir = isinstance(model_dir, ast.expr) and not is_none(model_dir)
    directory = reader.shown(model_dir) if shown_dir else None  # type: ignore[arg-type]
    return Estimator(class_name, api, head, dnn, linear, read_seed(context, reader, call), directory)


def read_head(reader: Reader, class_name: str, api: str, values: dict[str, object]) -> Head:
    reduction: str = defaults.loss_reduction(class_name, api)
    node = values.get("loss_reduction")
    if node is not None:
        text = reader.text(node)  # type: ignore[arg-type]
        name = text.rsplit(".", 1)[-1]
        if name not in REDUCTIONS:
            raise Unsupported(f"loss_reduction={text} is not reproduced (only SUM and SUM_OVER_BATCH_SIZE)")
        reduction = REDUCTIONS[name]
    if class_name.endswith("Classifier"):
        classes = reader.count(values.get("n_classes"), "n_classes", 2)
        if classes < 2:
            raise Unsupported("n_classes must be at least 2")
        if classes == 2:
            return Head("binary", 1, reduction)  # type: ignore[arg-type]
        return Head("multiclass", classes, reduction)  # type: ignore[arg-type]
    dimension = reader.count(values.get("label_dimension"), "label_dimension", 1)
    if dimension != 1:
        raise Unsupported("label_dimension > 1: the estimator's loss sums over the label dimension")
    return Head("regression", dimension, reduction)  # type: ignore[arg-type]


def read_dnn(reader: Reader, class_name: str, api: str, columns: list[Column],
             values: dict[str, object], prefix: str, optimizer_parameter: str) -> DNNTower:
    hidden = reader.literal(values.get(f"{prefix}hidden_units"), "hidden_units") \
        if values.get(f"{prefix}hidden_units") is not None else None
    if not isinstance(hidden, list) or not all(isinstance(h, int) for h in hidden):
        raise Unsupported("hidden_units is not a list of integers this file shows")
    activation = "relu"
    node = values.get(f"{prefix}activation_fn")
    if node is not None:
        name = reader.context.qualified_name(node)  # type: ignore[arg-type]
        if name not in ACTIVATIONS:
            shown = reader.shown(node)  # type: ignore[arg-type]
            raise Unsupported(f"activation_fn={shown} has no Keras counterpart the rewrite knows")
        activation = ACTIVATIONS[name]
    dropout = reader.literal(values[f"{prefix}dropout"], "dropout") \
        if values.get(f"{prefix}dropout") is not None else None
    batch_norm = reader.literal(values["batch_norm"], "batch_norm") if values.get("batch_norm") is not None \
        else False
    if dropout is not None and not isinstance(dropout, (int, float)):
        raise Unsupported("dropout is not a number")
    dense = dense_columns(columns, "feature_columns")
    optimizer = read_optimizer(reader, class_name, api, "dnn", values.get(optimizer_parameter), len(dense))
    return DNNTower(dense, tuple(hidden), activation, None if dropout is None else float(dropout),
                    bool(batch_norm), optimizer)


def read_linear(reader: Reader, class_name: str, api: str, columns: list[Column],
                values: dict[str, object], optimizer_parameter: str, combiner_parameter: str) -> LinearTower:
    node = values.get(combiner_parameter)
    combiner = reader.literal(node, "sparse_combiner") if node is not None else "sum"
    if combiner not in ("sum", "mean", "sqrtn"):
        raise Unsupported(f"sparse_combiner={combiner!r} is not one the estimator accepts")
    optimizer = read_optimizer(reader, class_name, api, "linear", values.get(optimizer_parameter),
                               len(columns))
    return LinearTower(tuple(columns), optimizer, combiner)


def read_optimizer(reader: Reader, class_name: str, api: str, tower: Literal["dnn", "linear"], node: object,
                   n_columns: int) -> Optimizer:
    """The optimizer as the estimator constructs it: a name gets the estimator's default
    learning rate; an optimizer object is read through the tables of TF1 and Keras 2."""
    if node is None or is_none(node):
        return defaults.default_optimizer(class_name, api, tower, n_columns, explicit_none=node is not None)
    if node is UNKNOWN:
        raise Unsupported("the optimizer may be passed through *args or **kwargs")
    value = reader.follow(node)  # type: ignore[arg-type]
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return defaults.named_optimizer(class_name, api, tower, value.value, n_columns)
    if isinstance(value, ast.Call):
        return defaults.optimizer_object(reader, value, api)
    raise Unsupported(f"optimizer `{reader.shown(node)}` is not a name or an optimizer this file shows")  # type: ignore[arg-type]


def read_seed(context: ModuleContext, reader: Reader, call: ast.Call) -> int | None:
    """RunConfig's tf_random_seed when the file shows it, else None."""
    seeded, config = context.facts.estimator_config(call)
    if not seeded or not isinstance(config, ast.Call):
        return None
    seed = reader.integer(argument(config, "tf_random_seed"), "tf_random_seed")
    return seed


# -- call sites ---------------------------------------------------------------------------------
def assigned_name(context: ModuleContext, call: ast.Call) -> str:
    """The variable an estimator is assigned to: `est = DNNClassifier(...)`."""
    parent = context.ancestors[-1] if context.ancestors else None
    if isinstance(parent, ast.Assign) and parent.value is call and len(parent.targets) == 1 \
            and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    raise Unsupported("the estimator is not assigned to a plain variable, so its uses cannot be followed")


def scope_body(context: ModuleContext) -> ast.AST:
    """The def or module whose body the estimator is built in."""
    for node in reversed(context.ancestors):
        if isinstance(node, SCOPE_NODES):
            return node
    return context.tree


def uses_and_parents(scope: ast.AST, name: str) -> tuple[list[ast.Name], dict[int, ast.AST]]:
    """Every use of `name` in a scope, nested defs included (a closure use is still a use), and
    each node's parent, from one walk."""
    found, parents = [], {}
    for node in ast.walk(scope):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
        if isinstance(node, ast.Name) and node.id == name:
            found.append(node)
    return found, parents


def read_call_sites(context: ModuleContext, reader: Reader, constructor: ast.Call, variable: str
                    ) -> tuple[CallSite, ...]:
    found, parents = uses_and_parents(scope_body(context), variable)
    sites = []
    for use in found:
        parent = parents.get(id(use))
        if isinstance(use.ctx, ast.Store):
            if isinstance(parent, ast.Assign) and parent.value is constructor:
                continue
            raise Unsupported(f"`{variable}` is assigned again at line {use.lineno}")
        attribute = parent if isinstance(parent, ast.Attribute) else None
        call = parents.get(id(attribute)) if attribute is not None else None
        if attribute is None or not isinstance(call, ast.Call) or call.func is not attribute \
                or attribute.attr not in METHODS:
            raise Unsupported(f"`{variable}` is used at line {use.lineno} other than by train, evaluate "
                              "or predict")
        sites.append(read_call_site(context, reader, attribute.attr, call, parents))  # type: ignore[arg-type]
    if not sites:
        raise Unsupported(f"`{variable}` is never trained, evaluated or used for predictions here")
    return tuple(sites)


def read_call_site(context: ModuleContext, reader: Reader, method: Literal["train", "evaluate", "predict"],
                   call: ast.Call, parents: dict[int, ast.AST]) -> CallSite:
    parameters = METHODS[method]
    if unpacks(call):
        raise Unsupported(f"{method}() at line {call.lineno} passes *args or **kwargs")
    passed = passed_parameters(call, parameters)
    extra = sorted(p for p in passed if p not in METHOD_ARGUMENTS[method])
    if extra:
        raise Unsupported(f"{method}({', '.join(f'{p}=...' for p in extra)}) at line {call.lineno} "
                          "is not reproduced")
    if method == "train" and not isinstance(parents.get(id(call)), ast.Expr):
        raise Unsupported(f"the result of train() at line {call.lineno} is used "
                          "(Keras fit returns a History)")
    input_fn = argument(call, "input_fn", parameters)
    if not isinstance(input_fn, ast.expr):
        raise Unsupported(f"{method}() at line {call.lineno} has no input_fn")
    steps = argument(call, "steps", parameters)
    steps_text = reader.text(steps) if isinstance(steps, ast.expr) and not is_none(steps) else None
    return CallSite(method, call, dataset_expression(context, reader, input_fn), steps_text)


def dataset_expression(context: ModuleContext, reader: Reader, input_fn: ast.expr) -> str:
    """An expression that calls the input_fn the way the estimator did (without arguments),
    once the rewrite can see that it returns a tf.data dataset."""
    if isinstance(input_fn, ast.Lambda):
        if input_fn.args.args or input_fn.args.posonlyargs or input_fn.args.kwonlyargs:
            raise Unsupported(f"input_fn `{reader.shown(input_fn)}` takes arguments the estimator passes")
        check_returns_dataset(context, reader, input_fn.body)
        return reader.text(input_fn.body)
    function = function_def(reader, input_fn)
    if function is None:
        raise Unsupported(f"input_fn `{reader.shown(input_fn)}` is not a function this file shows")
    check_function_returns_dataset(context, reader, function)
    return f"{reader.text(input_fn)}()"


def function_def(reader: Reader, node: ast.expr) -> ast.FunctionDef | None:
    """The `def` a name refers to, anywhere in the module (the first of that name)."""
    return reader.functions().get(node.id) if isinstance(node, ast.Name) else None


def check_returns_dataset(context: ModuleContext, reader: Reader, body: ast.expr) -> None:
    """The expression must make a dataset: a call of a function of this file that returns one,
    or a tf.data expression."""
    if isinstance(body, ast.Call):
        function = function_def(reader, body.func)
        if function is not None:
            check_function_returns_dataset(context, reader, function)
            return
    if is_dataset(context, body, {}):
        return
    raise Unsupported(f"input_fn returns `{reader.shown(body)}`, which the rewrite cannot see is a "
                      "tf.data.Dataset of (features, labels)")


def check_function_returns_dataset(context: ModuleContext, reader: Reader, function: ast.FunctionDef) -> None:
    names = {a.arg for a in function.args.args + function.args.kwonlyargs}
    if names & INPUT_FN_PARAMETERS:
        passed = ", ".join(sorted(names & INPUT_FN_PARAMETERS))
        raise Unsupported(f"input_fn `{function.name}` takes {passed}, which the estimator passes and "
                          "Keras does not")
    assignments: dict[str, list[ast.expr]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assignments.setdefault(target.id, []).append(node.value)
    returns = [node for node in ast.walk(function) if isinstance(node, ast.Return)]
    if not returns or not all(r.value is not None and is_dataset(context, r.value, assignments)
                              for r in returns):
        raise Unsupported(f"input_fn `{function.name}` does not visibly return a tf.data.Dataset "
                          "(a (features, labels) tuple of tensors does not feed Keras the same batches)")


def is_dataset(context: ModuleContext, node: ast.expr, assignments: dict[str, list[ast.expr]],
               depth: int = 0) -> bool:
    """Whether an expression is a tf.data dataset: built by tf.data or a chain of its methods."""
    if depth > MAX_NAME_HOPS:
        return False
    if isinstance(node, ast.Name):
        values = assignments.get(node.id, [])
        return bool(values) and all(is_dataset(context, v, assignments, depth + 1) for v in values)
    if not isinstance(node, ast.Call):
        return False
    name = context.call_name(node)
    if name is not None and name.startswith(("tensorflow.data.", "tensorflow.compat.v1.data.")):
        return True
    func = node.func
    return isinstance(func, ast.Attribute) and func.attr in DATASET_METHODS and is_dataset(
        context, func.value, assignments, depth + 1)


def read_migration(context: ModuleContext, call: ast.Call) -> Migration:
    """The estimator `call` builds, the variable it is kept in and every use of it."""
    reader = Reader(context)
    estimator = read_estimator(context, call, reader)
    variable = assigned_name(context, call)
    sites = read_call_sites(context, reader, call, variable)
    return Migration(estimator, call, variable, sites, obsolete_assignments(context, reader, call),
                     comments_in(reader.text(call)))


def comments_in(code: str) -> tuple[str, ...]:
    """The `# ...` comments of a piece of source, in order."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(code).readline)
        return tuple(t.string for t in tokens if t.type == tokenize.COMMENT)
    except (tokenize.TokenError, SyntaxError):
        return ()
