"""Front end for custom Estimators: `tf.estimator.Estimator(model_fn=..., params=..., config=...)`
and its `model_fn`, read into the neutral description of `model.ModelFunction`.

A model_fn builds a TF1 graph once per mode; TensorFlow 2 runs the same code eagerly. So the
translation keeps the function's own body (graph_code.GraphCode: TF2 spellings, `tf.losses`
as the means they computed, `tf.layers` calls as Keras layers made the first time a TF1 name is
used and reused by name, as TF1 shared them across modes through the checkpoint) as the method
of a Keras model (keras_feature_columns.EstimatorModel) whose train_step, test_step and
predict_step call it in the modes the Estimator did. What the body does with the Estimator
machinery is translated too: `tf.estimator.ModeKeys`/`EstimatorSpec` become the support
module's, `optimizer.minimize(loss, global_step)` marks the loss the model trains, the TF1
optimizer is hoisted into the builder (it must depend only on `params` and module names),
`tf.metrics.*` become Keras metrics kept under their TF1 names, and `tf.summary` calls go.
Anything else raises Unsupported with the reason the finding quotes.
"""

from __future__ import annotations

import ast
import functools
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.knowledge.calls import UNKNOWN, argument, unpacks
from estimator_audit.knowledge.tfapi import estimator_class
from estimator_audit.knowledge.v1api import v1_optimizer
from estimator_audit.migrate.frontend import Values, read_config
from estimator_audit.migrate.graph_code import GraphCode, Site, names_in
from estimator_audit.migrate.lookup import definition
from estimator_audit.migrate.metrics import MAX_INLINED, Substitute, copied
from estimator_audit.migrate.model import ModelFunction, Runtime, Unsupported
from estimator_audit.migrate.reader import Reader
from estimator_audit.migrate.support_files import SUPPORT_MODULE

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

ESTIMATOR_MODULES = ("tensorflow.estimator", "tensorflow.compat.v1.estimator")
# Estimator names a model_fn uses, spelled from the support module (same names, same values).
SUPPORTED_NAMES = ("ModeKeys", "EstimatorSpec")
MODEL_FN_PARAMETERS = ("features", "labels", "mode", "params", "config")
CONSTRUCTION_HANDLED = frozenset({"model_fn", "model_dir", "config", "params"})
# tf.compat.v1.metrics functions -> (Keras 3 metric class, the TF1 parameters fed to
# update_state in order). Both accumulate over the evaluation's batches the same way.
TF1_METRICS = {
    "accuracy": ("Accuracy", ("labels", "predictions")),
    "mean": ("Mean", ("values",)),
    "mean_squared_error": ("MeanSquaredError", ("labels", "predictions")),
    "root_mean_squared_error": ("RootMeanSquaredError", ("labels", "predictions")),
    "mean_absolute_error": ("MeanAbsoluteError", ("labels", "predictions")),
}
METRIC_PREFIXES = ("tensorflow.metrics.", "tensorflow.compat.v1.metrics.")
# TF1 learning-rate schedules on the global step -> (their parameters in order, the Keras 3
# schedule computing the same rate from the optimizer's iterations, taking the same keywords but
# `initial_learning_rate`).
# The formulas and defaults are the same (TF1 evaluated the rate at the global step before the
# update, Keras at the iterations before the update).
SCHEDULES = {
    "exponential_decay": (("learning_rate", "global_step", "decay_steps", "decay_rate", "staircase", "name"),
                          "ExponentialDecay"),
    "inverse_time_decay": (("learning_rate", "global_step", "decay_steps", "decay_rate", "staircase", "name"),
                           "InverseTimeDecay"),
    "polynomial_decay": (("learning_rate", "global_step", "decay_steps", "end_learning_rate", "power",
                          "cycle", "name"), "PolynomialDecay"),
    "piecewise_constant": (("x", "boundaries", "values", "name"), "PiecewiseConstantDecay"),
}
SCHEDULE_STEP = {"piecewise_constant": "x"}  # the parameter that takes the global step (else global_step)
SUMMARY_PREFIXES = ("tensorflow.summary.", "tensorflow.compat.v1.summary.")
INPUT_LAYERS = frozenset({"tensorflow.feature_column.input_layer",
                          "tensorflow.compat.v1.feature_column.input_layer"})
GLOBAL_STEP = frozenset({"tensorflow.train.get_global_step", "tensorflow.compat.v1.train.get_global_step",
                         "tensorflow.train.get_or_create_global_step",
                         "tensorflow.compat.v1.train.get_or_create_global_step"})


@dataclass(frozen=True)
class CustomConstruction:
    """The custom Estimator one call constructs, its model_fn, and what was read on the way."""

    model: ModelFunction
    call: ast.Call
    function: ast.FunctionDef  # the model_fn: the Keras model class takes its place
    followed: tuple[ast.expr, ...]
    helper_edits: tuple[Site, ...] = ()  # in the module's functions the model_fn calls


class ModelFnCode(GraphCode):
    """GraphCode for a model_fn body: the Estimator's own machinery translated as it is met."""

    def __init__(self, context: ModuleContext, keras: str, function: ast.FunctionDef) -> None:
        tf_aliases = {f"{module}.{name}": f"{SUPPORT_MODULE}.{name}"
                      for module in ESTIMATOR_MODULES for name in SUPPORTED_NAMES}
        super().__init__(context, keras, tf_aliases)
        self.lazy_layers = True
        self.function = function
        self.values = {a.arg for a in function.args.args} | {
            name for node in ast.walk(function) if isinstance(node, (ast.Assign, ast.For))
            for name in names_in(node.targets[0] if isinstance(node, ast.Assign) else node.target)}
        self.optimizers: dict[str, ast.Call] = {}  # the model_fn's names for TF1 optimizers
        self.optimizer: str | None = None  # the Keras optimizer, as the builder makes it

    def render(self, context: ModuleContext, node: ast.AST) -> str:
        if context is self.context:
            if isinstance(node, (ast.Assign, ast.Expr)) and self.removed(node):
                return ""
            if isinstance(node, ast.Call):
                translated = self.estimator_call(node)
                if translated is not None:
                    return translated
        return super().render(context, node)

    def removed(self, statement: ast.Assign | ast.Expr) -> bool:
        """Statements the Keras model has no use for: a TF1 optimizer's construction (the
        builder makes it) and summaries (Keras logs the metrics itself)."""
        value = statement.value
        name = self.context.call_name(value) if isinstance(value, ast.Call) else None
        if isinstance(statement, ast.Expr):
            return name is not None and name.startswith(SUMMARY_PREFIXES)
        if (name in GLOBAL_STEP or self.schedule(name)) and self.only_training_reads(statement):
            return True  # `global_step = ...`, `learning_rate = tf.train.exponential_decay(...)`
        if name is None or v1_optimizer(name) is None or not isinstance(value, ast.Call):
            return False
        targets = statement.targets
        if len(targets) != 1 or not isinstance(targets[0], ast.Name):
            raise Unsupported(f"the optimizer at {self.context.place(statement.lineno)} is not assigned to "
                              "one name")
        self.optimizers[targets[0].id] = value
        return True

    def inlined(self, call: ast.Call) -> ast.Call:
        """A copy of the call with the model_fn's local names replaced by what they were
        assigned (once, plainly), as deep as they go: what the builder must compute."""
        assigned: dict[str, list[ast.expr]] = {}
        for node in ast.walk(self.function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                assigned.setdefault(node.targets[0].id, []).append(node.value)
            elif isinstance(node, (ast.AugAssign, ast.For)) and isinstance(node.target, ast.Name):
                assigned.setdefault(node.target.id, []).append(node.target)  # not one plain value
        values = {name: found[0] for name, found in assigned.items() if len(found) == 1}
        expression: ast.expr = copied(call)
        for _ in range(MAX_INLINED):
            names = {n.id for n in ast.walk(expression) if isinstance(n, ast.Name)} & set(values)
            if not names:
                break
            expression = Substitute({name: values[name] for name in names}).visit(expression)
        assert isinstance(expression, ast.Call)
        return expression

    @staticmethod
    def schedule(name: str | None) -> str | None:
        """The TF1 learning-rate schedule a qualified name is, if any (`exponential_decay`)."""
        prefix, _, short = (name or "").rpartition(".")
        return short if prefix in ("tensorflow.train", "tensorflow.compat.v1.train") and short in SCHEDULES \
            else None

    def only_training_reads(self, statement: ast.Assign) -> bool:
        """Whether the one name the statement binds is read only where the builder's optimizer
        takes it: in a TF1 optimizer's arguments, as minimize's global_step, in a schedule, in a
        summary, or in another such assignment."""
        targets = statement.targets
        if len(targets) != 1 or not isinstance(targets[0], ast.Name):
            return False
        name = targets[0].id
        reads = [node for node in ast.walk(self.function) if isinstance(node, ast.Name) and node.id == name
                 and isinstance(node.ctx, ast.Load)]
        return all(id(node) in self.training_parts for node in reads)

    @functools.cached_property
    def training_parts(self) -> frozenset[int]:
        """The ids of the model_fn's nodes inside what the builder's optimizer takes over: TF1
        optimizers' and schedules' arguments, global-step calls, summaries, minimize's global_step."""
        parts: set[int] = set()
        for node in ast.walk(self.function):
            if not isinstance(node, ast.Call):
                continue
            called = self.context.call_name(node)
            if (v1_optimizer(called) is not None or self.schedule(called) or called in GLOBAL_STEP
                    or (called or "").startswith(SUMMARY_PREFIXES)):
                parts.update(id(inner) for inner in ast.walk(node))
            elif isinstance(node.func, ast.Attribute) and node.func.attr == "minimize":
                parts.update(id(inner) for keyword in node.keywords if keyword.arg == "global_step"
                             for inner in ast.walk(keyword.value))
        return frozenset(parts)

    def estimator_call(self, call: ast.Call) -> str | None:
        name = self.context.call_name(call) or ""
        where = self.context.place(call.lineno)
        if name in GLOBAL_STEP:
            raise Unsupported(f"the model_fn reads the global step at {where} (beyond minimize)")
        if name.startswith(METRIC_PREFIXES):
            return self.metric(call, name)
        if name in INPUT_LAYERS:
            return self.input_layer(call)
        function = call.func
        if not (isinstance(function, ast.Attribute) and function.attr == "minimize"):
            return None
        owner = function.value
        if isinstance(owner, ast.Call) and v1_optimizer(self.context.call_name(owner)) is not None:
            made = owner
        elif isinstance(owner, ast.Name) and owner.id in self.optimizers:
            made = self.optimizers[owner.id]
        else:
            return None
        parameters = ("loss", "global_step", "var_list")
        loss = argument(call, "loss", parameters)
        if not isinstance(loss, ast.expr) or unpacks(call) or any(
                k.arg not in ("loss", "global_step") for k in call.keywords) or len(call.args) > 2:
            raise Unsupported(f"minimize at {where} is given arguments beyond the loss and global step "
                              "(var_list, gradient gating) that the Keras train_step does not reproduce")
        optimizer = self.hoisted(made)
        if self.optimizer is not None and self.optimizer != optimizer:
            raise Unsupported("the model_fn minimizes with two optimizers")
        self.optimizer = optimizer
        return f"self.minimize({self.render(self.context, loss)})"

    def hoisted(self, call: ast.Call) -> str:
        """The Keras optimizer the builder makes: the TF1 optimizer's arguments may read only
        `params` (directly or through the model_fn's plain assignments) and module names."""
        name = self.context.call_name(call) or ""
        expression = self.inlined(call)
        allowed = {"params"} & {a.arg for a in self.function.args.args}
        free = {n.id for n in ast.walk(expression) if isinstance(n, ast.Name)} & self.values
        if free - allowed:
            raise Unsupported(f"the optimizer at {self.context.place(call.lineno)} depends on "
                              f"{', '.join(sorted(free - allowed))} inside the model_fn")
        where = f"the optimizer at {self.context.place(call.lineno)}"
        expression = Schedules(self).visit(expression)
        calls = [self.context.call_name(inner) or "" for inner in ast.walk(expression)
                 if isinstance(inner, ast.Call) and inner is not expression]
        if GLOBAL_STEP & set(calls):
            raise Unsupported(f"{where} reads the global step (a learning-rate schedule the rewrite does not "
                              "translate)")
        made = [called for called in calls if called.startswith("tensorflow.")
                and ".optimizers.schedules." not in called]  # the schedules just translated
        if made:
            raise Unsupported(f"{where} is given `{made[0].replace('tensorflow', 'tf', 1)}(...)`, which the "
                              "builder does not translate")
        scheduled = any(".optimizers.schedules." in called for called in calls)
        if scheduled and name.endswith("MomentumOptimizer"):
            raise Unsupported(f"{where} is a MomentumOptimizer on a learning-rate schedule: TF1 "
                              "accumulates the raw gradients and scales the sum by the current rate, Keras "
                              "SGD accumulates scaled gradients, so they agree only at a constant rate")
        # A parsed copy (inlined, schedules translated): the optimizer table reads values, not places.
        assert isinstance(expression, ast.Call)
        return self.keras_optimizer(expression, name)

    def input_layer(self, call: ast.Call) -> str:
        """`tf.feature_column.input_layer(features, columns)`: the support module's DenseFeatures,
        which computes what input_layer computed from the same (TensorFlow's or its own) columns."""
        parameters = ("features", "feature_columns", "weight_collections", "trainable", "cols_to_vars",
                      "cols_to_output_tensors")
        given = {p: argument(call, p, parameters) for p in parameters}
        features, columns = given["features"], given["feature_columns"]
        if any(value is not None for p, value in given.items() if p not in ("features", "feature_columns")) \
                or not isinstance(features, ast.expr) or not isinstance(columns, ast.expr):
            raise Unsupported(f"`tf.feature_column.input_layer` at {self.context.place(call.lineno)} is "
                              "given arguments beyond its features and columns")
        made = (f"self.layer({SUPPORT_MODULE}.DenseFeatures, 'input_layer', "
                f"feature_columns={self.render(self.context, columns)})")
        return f"{made}({self.render(self.context, features)})"

    def metric(self, call: ast.Call, name: str) -> str:
        function = name.rsplit(".", 1)[-1]
        where = f"`tf.metrics.{function}` at {self.context.place(call.lineno)}"
        if function not in TF1_METRICS:
            raise Unsupported(f"{where} has no Keras metric the rewrite translates it to "
                              f"({', '.join(sorted(TF1_METRICS))})")
        keras_class, fed = TF1_METRICS[function]
        parameters = (*fed, "weights", "metrics_collections", "updates_collections", "name")
        given = {p: argument(call, p, parameters) for p in parameters}
        if any(value is UNKNOWN for value in given.values()) or any(
                given[p] is not None for p in ("weights", "metrics_collections", "updates_collections")):
            raise Unsupported(f"{where} is given weights or collections")
        inputs = [given[p] for p in fed]
        if not all(isinstance(value, ast.expr) for value in inputs):
            raise Unsupported(f"{where} is not given {' and '.join(fed)}")
        named = given["name"]
        key = self.text(named) if isinstance(named, ast.expr) else repr(function)
        rendered = [self.render(self.context, value) for value in inputs if isinstance(value, ast.expr)]
        return f"self.metric({self.keras}.metrics.{keras_class}, {key}, {', '.join(rendered)})"


class Schedules(ast.NodeTransformer):
    """TF1 learning-rate schedules on the global step, as the Keras 3 schedules computing the
    same rate from the optimizer's iterations (in a parsed copy of the optimizer's call)."""

    def __init__(self, code: ModelFnCode) -> None:
        self.code = code

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        context = self.code.context
        function = self.code.schedule(context.call_name(node))
        if function is None:
            return node
        parameters, keras_class = SCHEDULES[function]
        given = {p: value for p in parameters if isinstance(value := argument(node, p, parameters), ast.expr)}
        step = given.pop(SCHEDULE_STEP.get(function, "global_step"), None)
        if unpacks(node) or not isinstance(step, ast.Call) or context.call_name(step) not in GLOBAL_STEP:
            return node  # refused with the other TensorFlow calls
        given.pop("name", None)
        renamed = {"learning_rate": "initial_learning_rate"}  # Keras's name; the others are TF1's
        arguments = ", ".join(f"{renamed.get(p, p)}={ast.unparse(value)}" for p, value in given.items())
        made = f"{self.code.keras}.optimizers.schedules.{keras_class}({arguments})"
        return ast.parse(made, mode="eval").body

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return node


def custom_estimator(context: ModuleContext, call: ast.Call) -> tuple[ast.FunctionDef, dict[str, ast.expr]]:
    """The model_fn definition a custom Estimator construction names, and its arguments."""
    info = estimator_class(context.call_name(call))
    assert info is not None and not info.premade
    if info.short_name not in ("Estimator", "EstimatorV2"):
        raise Unsupported(f"{info.short_name} has no Keras rewrite (TPU-specific or tf.contrib.learn)")
    if unpacks(call):
        raise Unsupported("the estimator is constructed with *args or **kwargs")
    arguments = {parameter: value for parameter in info.parameters
                 if isinstance(value := argument(call, parameter, info.parameters), ast.expr)}
    extra = sorted(p for p in arguments if p not in CONSTRUCTION_HANDLED)
    if extra:
        raise Unsupported(f"Estimator({', '.join(f'{p}=...' for p in extra)}) is not reproduced")
    given = arguments.get("model_fn")
    found = definition(context, given) if isinstance(given, (ast.Name, ast.Attribute)) else None
    if found is None or not isinstance(found.node, ast.FunctionDef) or found.context is not context:
        raise Unsupported("the model_fn is not a function defined in this module")
    if found.node not in context.tree.body:
        raise Unsupported(f"the model_fn `{found.node.name}` is not defined at module level")
    return found.node, arguments


def read_custom(context: ModuleContext, call: ast.Call, keras: str) -> CustomConstruction:
    """The neutral description of the custom Estimator `call` constructs."""
    function, arguments = custom_estimator(context, call)
    names = [a.arg for a in function.args.args]
    signature = function.args
    if (signature.vararg or signature.kwarg or signature.kwonlyargs or signature.posonlyargs
            or signature.defaults or function.decorator_list or names[:3] != list(MODEL_FN_PARAMETERS[:3])
            or not set(names) <= set(MODEL_FN_PARAMETERS)):
        raise Unsupported(f"the model_fn `{function.name}` does not take (features, labels, mode[, params]"
                          "[, config]) as the Estimator calls it")
    if function.body[0].lineno == function.lineno:
        raise Unsupported(f"the model_fn `{function.name}` is written on one line")
    if "config" in names and "config" in names_in(ast.Module(function.body, [])):
        raise Unsupported(f"the model_fn `{function.name}` reads its RunConfig")
    code = ModelFnCode(context, keras, function)
    rendered = code.graph_code(function).split("\n")
    header = signature_end(function) - function.lineno + 1  # comments above the first statement stay
    lines = [line for line in rendered[header:] if line.strip() or not line]
    body = textwrap.dedent("\n".join(lines))
    try:
        ast.parse(body)
    except SyntaxError:
        raise Unsupported(f"the model_fn `{function.name}` has a block left with nothing but a TF1 optimizer "
                          "or summary") from None
    if code.optimizer is None:
        raise Unsupported(f"the model_fn `{function.name}` trains with no TF1 optimizer's minimize")
    reader = Reader(context)
    values = Values(context, reader)
    info = estimator_class(context.call_name(call))
    assert info is not None
    seed, model_dir, strategy, config = read_config(values, call, info.parameters)
    if strategy is not None:
        raise Unsupported("the RunConfig distributes training (train_distribute)")
    if "model_dir" in arguments:
        model_dir = Runtime("model_dir", values.text(arguments["model_dir"]))
    params = Runtime("params", values.text(arguments["params"])) if "params" in arguments else None
    model = ModelFunction(function.name, tuple(names), tuple(body.rstrip("\n").split("\n")), code.optimizer,
                          params, seed, model_dir, config, tuple(sorted(code.draws)))
    return CustomConstruction(model, call, function, tuple(reader.followed), tuple(code.edits))


def signature_end(function: ast.FunctionDef) -> int:
    """The line the `def ...:` header ends on (its parameters may span several)."""
    parts: list[ast.AST] = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs,
                            *function.args.defaults, *(a for a in function.args.kw_defaults if a is not None)]
    parts += [a for a in (function.args.vararg, function.args.kwarg, function.returns) if a is not None]
    return max([function.lineno, *(getattr(part, "end_lineno", None) or function.lineno for part in parts)])
