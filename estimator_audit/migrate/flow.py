"""Where an estimator goes once built: every place the program uses it, across the program.

Real programs build the estimator in one place and use it in others: a variable trained a few
lines below, a later notebook cell, a helper (`print_rmse(model, df)`) that evaluates whatever
estimator it is given, a `build_estimator()` whose result `trainer/task.py` hands to
`train_and_evaluate`. The Keras rewrite must change every one of those uses, or none: a use it
cannot rewrite (the estimator stored on an object, passed to a library, read for its
`model_dir`) makes the whole estimator unsupported, with that use as the reason.

The analysis always starts from the construction, so the module that builds the estimator and
every module that uses it reach the same plan; each rewrites its own part of it.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from estimator_audit.knowledge.calls import argument, unpacks
from estimator_audit.knowledge.tfapi import estimator_class
from estimator_audit.knowledge.v1api import TRAIN_AND_EVALUATE
from estimator_audit.migrate.lookup import called, scopes, text
from estimator_audit.migrate.model import Unsupported

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

Method = Literal["train", "evaluate", "predict", "train_and_evaluate", "export"]
# Estimator methods (tensorflow-estimator 2.15 signatures) and the parameters the rewrite
# reproduces of each; passing any other makes the estimator unsupported.
METHODS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "train": (("input_fn", "hooks", "steps", "max_steps", "saving_listeners"),
              frozenset({"input_fn", "steps", "max_steps"})),
    "evaluate": (("input_fn", "steps", "hooks", "checkpoint_path", "name"),
                 frozenset({"input_fn", "steps", "name"})),
    "predict": (("input_fn", "predict_keys", "hooks", "checkpoint_path", "yield_single_examples"),
                frozenset({"input_fn"})),
    "export_saved_model": (("export_dir_base", "serving_input_receiver_fn", "assets_extra", "as_text",
                            "checkpoint_path", "experimental_mode"),
                           frozenset({"export_dir_base", "serving_input_receiver_fn"})),
    "export_savedmodel": (("export_dir_base", "serving_input_receiver_fn", "assets_extra", "as_text",
                           "checkpoint_path", "strip_default_attrs"),
                          frozenset({"export_dir_base", "serving_input_receiver_fn"})),
}
TRAIN_AND_EVALUATE_PARAMETERS = ("estimator", "train_spec", "eval_spec")
ADD_METRICS = frozenset(f"{api}.add_metrics" for api in (
    "tensorflow.estimator", "tensorflow.compat.v1.estimator", "tensorflow.contrib.estimator",
    "tensorflow_estimator.python.estimator.extenders"))
ADD_METRICS_PARAMETERS = ("estimator", "metric_fn")
# Estimator attributes programs read that the Keras model has too.
MODEL_ATTRIBUTES = frozenset({"model_dir"})


@dataclass(frozen=True)
class Site:
    """One use of the estimator the rewrite replaces: a method call on it, or the
    train_and_evaluate call it is given to."""

    context: ModuleContext
    method: Method
    call: ast.Call
    receiver: str  # how the code at this site names the estimator
    arguments: dict[str, ast.expr] = field(hash=False)


@dataclass(frozen=True)
class Holder:
    """An expression that produces the estimator outside the module that builds it
    (`model.build_estimator(...)` in trainer/task.py)."""

    context: ModuleContext
    call: ast.Call


@dataclass(frozen=True)
class Wrapper:
    """`estimator = tf.estimator.add_metrics(estimator, metric_fn)`: the same estimator, with the
    metrics `metric_fn` computes added to evaluate()'s."""

    context: ModuleContext
    call: ast.Call
    receiver: str
    metric_fn: ast.expr


@dataclass
class Flow:
    sites: list[Site] = field(default_factory=list)
    holders: list[Holder] = field(default_factory=list)
    wrappers: list[Wrapper] = field(default_factory=list)
    visited: set[int] = field(default_factory=set)


def is_premade(context: ModuleContext, node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    found = estimator_class(context.call_name(node))
    return found is not None and found.premade


def estimator_flow(context: ModuleContext, constructor: ast.Call) -> Flow:
    """Every use of the estimator `constructor` builds, in this module and others."""
    flow = Flow()
    produced(context, constructor, flow)
    if not flow.sites:
        raise Unsupported("the estimator is never trained, evaluated or used for predictions")
    return flow


def line(node: ast.AST) -> int:
    return getattr(node, "lineno", 0)


def where(context: ModuleContext, node: ast.AST) -> str:
    """`line 12`, `cell 3, line 2` in a notebook (whose findings are reported by cell, while its
    tree numbers the lines of all cells joined), or `trainer/task.py:12` for a use in another
    module."""
    current = context.project.current
    if current is not None and context is current:
        return context.place(line(node))
    shown = context.source.path
    if current is not None:  # named from the audited file's folder, as a user reads the finding
        shown = os.path.relpath(shown, os.path.dirname(os.path.abspath(current.source.path)))
    return f"{shown}:{line(node)}"


def produced(context: ModuleContext, node: ast.expr, flow: Flow) -> None:
    """Follow the estimator an expression produces to wherever it is used."""
    if id(node) in flow.visited:
        return
    flow.visited.add(id(node))
    table = scopes(context)
    parent = table.parent(node)
    if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is node:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if len(targets) != 1 or not isinstance(targets[0], ast.Name):
            raise Unsupported(f"the estimator at {where(context, node)} is not assigned to a plain variable, "
                              "so its uses cannot be followed")
        binding = table.binding_of(parent, targets[0].id)
        uses = table.uses_of(binding) if binding is not None else None
        if uses is None:
            raise Unsupported(f"`{targets[0].id}` is assigned more than once and read in a function, so "
                              "which estimator a use reads depends on when it runs")
        for use in uses:
            used(context, use, flow)
        return
    if isinstance(parent, ast.Return):
        returned_from(context, parent, flow)
        return
    raise Unsupported(f"the estimator at {where(context, node)} is not assigned to a variable, so its uses "
                      "cannot be followed")


def returned_from(context: ModuleContext, statement: ast.Return, flow: Flow) -> None:
    """`return estimator` in a module-level function: follow every call of the function."""
    table = scopes(context)
    function = table.scope(statement)
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) \
            or table.scope(function) is not table.tree:
        raise Unsupported(f"the estimator is returned at {where(context, statement)} from something other "
                          "than a module-level function")
    calls = list(calls_of(context, function))
    if not calls:
        raise Unsupported(f"`{function.name}()` returns the estimator, and nothing in the program calls it")
    for caller, call in calls:
        if caller is not context:
            flow.holders.append(Holder(caller, call))
        produced(caller, call, flow)


def calls_of(context: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef
             ) -> list[tuple[ModuleContext, ast.Call]]:
    """Calls of a module-level function: in its module, and in the modules that import it."""
    found = []
    table = scopes(context)
    binding = table.binding_of(function, function.name)
    for use in (table.uses_of(binding) or []) if binding is not None else []:
        parent = table.parent(use)
        if isinstance(parent, ast.Call) and parent.func is use:
            found.append((context, parent))
        else:
            raise Unsupported(f"`{function.name}` is used at {where(context, use)} other than by a call")
    importers = (context.project.context(path) for path in context.project.importers(context.source.path))
    for other in (importer for importer in importers if importer is not None):
        for node in ast.walk(other.tree):
            if isinstance(node, ast.Call):
                target = called(other, node)
                if target is not None and target.node is function:
                    found.append((other, node))
    return found


def used(context: ModuleContext, use: ast.Name, flow: Flow) -> None:
    """One read of a variable that holds the estimator."""
    table = scopes(context)
    others = [binding for binding in table.reaching_all(use) if binding.node is not table.parent(use)]
    if len(others) > 1:  # `if dnn: est = DNNRegressor(...) else: est = LinearRegressor(...)`, then `est` read
        lines = ", ".join(sorted(str(line(binding.node)) for binding in others))
        raise Unsupported(f"`{use.id}` at {where(context, use)} may hold what is assigned at lines {lines}, "
                          "by the branch taken, so its uses cannot be rewritten for one estimator")
    parent = table.parent(use)
    if isinstance(parent, ast.Attribute) and parent.value is use:
        call = table.parent(parent)
        if parent.attr in MODEL_ATTRIBUTES and not isinstance(parent.ctx, ast.Store):
            return  # keras_feature_columns.Model keeps them too
        if not isinstance(call, ast.Call) or call.func is not parent:
            raise Unsupported(f"`{use.id}.{parent.attr}` at {where(context, use)}: the Keras model has no "
                              "such attribute")
        method_site(context, use, parent.attr, call, flow)
        return
    call = table.parent(parent) if isinstance(parent, ast.keyword) else parent
    if isinstance(call, ast.Call) and use is not call.func:
        if context.call_name(call) in TRAIN_AND_EVALUATE:
            train_and_evaluate_site(context, use, call, flow)
            return
        if context.call_name(call) in ADD_METRICS:
            wrapped(context, use, call, flow)
            return
        target = called(context, call)
        if target is not None and isinstance(target.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            helper(context, call, use, target.context, target.node, flow)
            return
        raise Unsupported(f"the estimator is passed to `{text(context, call.func)}` at "
                          f"{where(context, use)}, which the rewrite cannot follow")
    if isinstance(parent, ast.Return):
        returned_from(context, parent, flow)
        return
    raise Unsupported(f"`{use.id}` is used at {where(context, use)} other than by train, evaluate, predict, "
                      "export or train_and_evaluate")


def wrapped(context: ModuleContext, use: ast.Name, call: ast.Call, flow: Flow) -> None:
    """add_metrics(estimator, metric_fn): the result is the estimator, with more metrics."""
    estimator, metric_fn = (argument(call, name, ADD_METRICS_PARAMETERS) for name in ADD_METRICS_PARAMETERS)
    if estimator is not use or not isinstance(metric_fn, ast.expr) or unpacks(call):
        raise Unsupported(f"add_metrics() at {where(context, call)} is not given the estimator and a metric "
                          "function")
    flow.wrappers.append(Wrapper(context, call, use.id, metric_fn))
    produced(context, call, flow)


def method_site(context: ModuleContext, use: ast.Name, method: str, call: ast.Call, flow: Flow) -> None:
    if method not in METHODS:
        raise Unsupported(f"`{use.id}.{method}()` at {where(context, use)} has no Keras counterpart the "
                          "rewrite knows")
    parameters, handled = METHODS[method]
    if unpacks(call):
        raise Unsupported(f"{method}() at {where(context, call)} passes *args or **kwargs")
    arguments = {name: found for name in parameters
                 if isinstance(found := argument(call, name, parameters), ast.expr)}
    extra = sorted(name for name in arguments if name not in handled)
    if extra:
        listed = ", ".join(f"{p}=..." for p in extra)
        raise Unsupported(f"{method}({listed}) at {where(context, call)} is not reproduced")
    statement = scopes(context).parent(call)
    if method == "train" and not isinstance(statement, ast.Expr):
        raise Unsupported(f"the result of train() at {where(context, call)} is used (Keras fit returns a "
                          "History)")
    kind: Method = "export" if method.startswith("export") else method  # type: ignore[assignment]
    flow.sites.append(Site(context, kind, call, use.id, arguments))


def train_and_evaluate_site(context: ModuleContext, use: ast.Name, call: ast.Call, flow: Flow) -> None:
    if unpacks(call):
        raise Unsupported(f"train_and_evaluate() at {where(context, call)} passes *args or **kwargs")
    if not isinstance(scopes(context).parent(call), ast.Expr):
        raise Unsupported(f"the result of train_and_evaluate() at {where(context, call)} is used")
    arguments = {name: found for name in TRAIN_AND_EVALUATE_PARAMETERS
                 if isinstance(found := argument(call, name, TRAIN_AND_EVALUATE_PARAMETERS), ast.expr)}
    if arguments.get("estimator") is not use or len(arguments) != len(TRAIN_AND_EVALUATE_PARAMETERS):
        raise Unsupported(f"train_and_evaluate() at {where(context, call)} is not given the estimator and "
                          "both specs")
    flow.sites.append(Site(context, "train_and_evaluate", call, use.id, arguments))


def helper(context: ModuleContext, call: ast.Call, use: ast.Name, owner: ModuleContext,
           function: ast.FunctionDef | ast.AsyncFunctionDef, flow: Flow) -> None:
    """The estimator handed to a function of the program (`print_rmse(model, df)`): its uses of
    the parameter are rewritten, so every call of the function must pass an estimator."""
    parameter = parameter_for(call, use, function)
    if parameter is None:
        raise Unsupported(f"the estimator is passed to `{function.name}` at {where(context, use)} in a way "
                          "the rewrite cannot match to a parameter")
    names = [a.arg for a in function.args.args + function.args.kwonlyargs]
    key = id(function) * 1000 + names.index(parameter)
    if key in flow.visited:
        return
    flow.visited.add(key)
    table = scopes(owner)
    binding = next((b for b in table.bindings_in(function, parameter) if isinstance(b.node, ast.arg)), None)
    if binding is None or len(table.bindings_in(function, parameter)) != 1:
        raise Unsupported(f"`{function.name}` reassigns its parameter `{parameter}`")
    for other_context, other in calls_of(owner, function):
        passed = argument(other, parameter, [a.arg for a in function.args.args])
        if not isinstance(passed, ast.Name) or not passes_estimator(other_context, passed):
            raise Unsupported(f"`{function.name}` is also called at {where(other_context, other)} with "
                              "something other than a premade estimator")
    for parameter_use in table.uses_of(binding) or []:
        used(owner, parameter_use, flow)


def parameter_for(call: ast.Call, use: ast.Name, function: ast.FunctionDef | ast.AsyncFunctionDef
                  ) -> str | None:
    names = [a.arg for a in function.args.args]
    for index, value in enumerate(call.args):
        if value is use:
            return names[index] if index < len(names) else None
    for keyword in call.keywords:
        if keyword.value is use:
            return keyword.arg
    return None


def passes_estimator(context: ModuleContext, name: ast.Name) -> bool:
    """Whether a variable holds a premade estimator here: its assignment constructs one, or
    calls a function of the program that returns one."""
    table = scopes(context)
    bindings = table.reaching_all(name)
    values = [table.value(binding) for binding in bindings]
    return bool(values) and all(
        value is not None and (is_premade(context, value) or returns_premade(context, value))
        for value in values)


def returns_premade(context: ModuleContext, value: ast.expr) -> bool:
    """`model.create(args, config)`: a call of a function of the program that constructs a
    premade estimator and returns it."""
    found = called(context, value) if isinstance(value, ast.Call) else None
    if found is None or not isinstance(found.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    table = scopes(found.context)
    for node in ast.walk(found.node):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        returned = node.value
        values = [table.value(b) for b in table.reaching_all(returned)] if isinstance(returned, ast.Name) \
            else [returned]
        if values and all(value is not None and is_premade(found.context, value) for value in values):
            return True
    return False
