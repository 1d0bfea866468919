"""TF1 metrics (`tf.compat.v1.metrics.*` in an estimator's metric function) as Keras 3 metrics.

`tf.estimator.add_metrics(estimator, metric_fn)` adds the metrics `metric_fn(labels,
predictions)` returns (a dict of `tf.metrics.root_mean_squared_error(...)` and the like) to what
evaluate() reports. The Keras model is compiled with the same metrics under the same keys, fed
what the TF1 metric was fed: the labels and the head's prediction, transformed as the metric
function transformed them (`labels * SCALE`, `tf.cast(predictions["predictions"], tf.float64)`),
through keras_feature_columns.transformed when it transformed them at all.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.knowledge.calls import argument, string_value
from estimator_audit.migrate.lookup import definition, scopes, text
from estimator_audit.migrate.model import Head, Unsupported

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

METRIC_MODULES = ("tensorflow.compat.v1.metrics.", "tensorflow.metrics.")
# tf.compat.v1.metrics function -> (Keras 3 metric class, the prediction key it is fed): both
# accumulate over the evaluation's batches the same way (a running mean of errors, and its root).
REGRESSION = {
    "root_mean_squared_error": "RootMeanSquaredError",
    "mean_squared_error": "MeanSquaredError",
    "mean_absolute_error": "MeanAbsoluteError",
}
METRIC_PARAMETERS = ("labels", "predictions", "weights", "metrics_collections", "updates_collections", "name")
MAX_INLINED = 8  # local assignments followed into a metric's arguments


@dataclass(frozen=True)
class Metric:
    """A Keras 3 metric to compile the model with: its class in keras.metrics and key, and what
    it is fed, as source of one-argument lambda bodies over `labels` and `predictions` (None:
    the labels, or the model's output, unchanged)."""

    keras_class: str
    name: str
    labels: str | None = None
    predictions: str | None = None


def metric_function(context: ModuleContext, node: ast.expr, head: Head, module: ModuleContext
                    ) -> list[Metric]:
    """The metrics of the metric function `node` (in `context`) names, for a model built in
    `module` (whose module-level names the transforms may use)."""
    found = definition(context, node) if isinstance(node, (ast.Name, ast.Attribute)) else None
    if found is None or not isinstance(found.node, ast.FunctionDef) or found.context is not module:
        raise Unsupported(f"the metric function `{text(context, node)}` is not a function of the module that "
                          "builds the estimator")
    function = found.node
    parameters = [a.arg for a in function.args.args]
    if len(parameters) < 2 or function.args.vararg or function.args.kwarg:
        raise Unsupported(f"metric function `{function.name}` does not take (labels, predictions)")
    if head.kind != "regression":
        raise Unsupported(f"metric function `{function.name}` on a classifier: only regression metrics "
                          "(root_mean_squared_error, mean_squared_error, mean_absolute_error) are translated")
    returns = [node for node in function.body if isinstance(node, ast.Return)]
    if len(returns) != 1 or returns[0] is not function.body[-1] or returns[0].value is None:
        raise Unsupported(f"metric function `{function.name}` does not end in one return")
    result = inlined(module, returns[0].value, function)
    if not isinstance(result, ast.Dict) or not result.keys:
        raise Unsupported(f"metric function `{function.name}` does not return a dict of metrics")
    metrics = []
    for key, value in zip(result.keys, result.values, strict=True):
        name = string_value(key)
        if name is None:
            raise Unsupported(f"metric function `{function.name}` returns a key that is not a string")
        metrics.append(metric(module, function, name, value, parameters[0], parameters[1]))
    return metrics


def metric(module: ModuleContext, function: ast.FunctionDef, name: str, value: ast.expr, labels: str,
           predictions: str) -> Metric:
    called = module.call_name(value) if isinstance(value, ast.Call) else None
    short = (called or "").rsplit(".", 1)[-1]
    known = (called or "").startswith(METRIC_MODULES) and short in REGRESSION
    if not isinstance(value, ast.Call) or not known:
        raise Unsupported(f"metric {name!r} of `{function.name}` is not a tf.metrics function the rewrite "
                          f"translates ({', '.join(sorted(REGRESSION))})")
    given = {p: argument(value, p, METRIC_PARAMETERS) for p in METRIC_PARAMETERS}
    if any(given[p] is not None for p in ("weights", "metrics_collections", "updates_collections")):
        raise Unsupported(f"metric {name!r} of `{function.name}` is given weights or collections")
    label_node, prediction_node = given["labels"], given["predictions"]
    if not isinstance(label_node, ast.expr) or not isinstance(prediction_node, ast.expr):
        raise Unsupported(f"metric {name!r} of `{function.name}` is not given labels and predictions")
    label_text = transform(module, function, inlined(module, label_node, function), labels, None, "labels")
    prediction_text = transform(module, function, inlined(module, prediction_node, function), predictions,
                                "predictions", "predictions")
    return Metric(REGRESSION[short], name, label_text, prediction_text)


def inlined(module: ModuleContext, node: ast.expr, function: ast.FunctionDef) -> ast.expr:
    """The expression with the metric function's local variables replaced by their values."""
    table = scopes(module)
    for _ in range(MAX_INLINED):
        names = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
        local = [(n, b) for n in names if (b := table.reaching(n)) is not None
                 and b.scope is function and not isinstance(b.node, ast.arg)]
        if not local:
            return node
        values = {}
        for name, binding in local:
            value = table.value(binding)
            if value is None:
                raise Unsupported(f"`{name.id}` in metric function `{function.name}` is not a plain "
                                  "assignment")
            values[name.id] = value
        node = Substitute(values).visit(copied(node))
    raise Unsupported(f"metric function `{function.name}` is too deep to inline")


def copied(node: ast.expr) -> ast.expr:
    return ast.parse(ast.unparse(node), mode="eval").body


class Substitute(ast.NodeTransformer):
    def __init__(self, values: dict[str, ast.expr]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return copied(self.values[node.id]) if node.id in self.values else node


def transform(module: ModuleContext, function: ast.FunctionDef, node: ast.expr, parameter: str,
              key: str | None, variable: str) -> str | None:
    """The body of a lambda over `variable` that computes `node` from the labels (`key` None) or
    from `predictions[key]`; None when it is just them. Other names must be module-level names
    of the module that builds the model (the lambda lives in its builder)."""
    source = ast.unparse(node)
    if key is None:
        inside = parameter
        pattern = rf"\b{re.escape(parameter)}\b"
    else:
        inside = f"{parameter}[{key!r}]"
        pattern = rf"\b{re.escape(parameter)}\[(['\"]){re.escape(key)}\1\]"
    if len(re.findall(pattern, source)) != 1:
        raise Unsupported(f"metric function `{function.name}` does not feed the metric `{inside}` once "
                          f"(it feeds `{source}`)")
    body = re.sub(pattern, variable, source)
    tree = ast.parse(body, mode="eval")
    free = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - {variable}
    known = scopes(module).module_names() | set(dir(builtins))
    outside = sorted(name for name in free if name not in known)
    if outside:
        raise Unsupported(f"metric function `{function.name}` uses {', '.join(outside)}, which the model "
                          "builder cannot see")
    return None if body == variable else body
