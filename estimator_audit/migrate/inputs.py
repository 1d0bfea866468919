"""Input functions as people write them, turned into the dataset Keras trains on.

An estimator calls its `input_fn` and trains on the (features, labels) dataset it returns;
Keras' `fit` takes the dataset itself. So `train(input_fn=f)` becomes `fit(f())` and
`train(input_fn=lambda: make(df))` becomes `fit(make(df))`, whatever `f` is (a def, a lambda,
a factory's result, a `functools.partial`, a function of another module), once the rewrite can
see that calling it returns a tf.data dataset.

An input_fn that returns the tensors of an iterator (`dataset.make_one_shot_iterator()
.get_next()`, the TF1 idiom) feeds the estimator a new batch at every step but would feed Keras
one batch; the estimator takes the dataset itself just as well, so the rewrite makes the
function return its dataset (and drops the iterator), where that function is in a module the
rewrite changes anyway.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from estimator_audit.fixes import queue_pipeline
from estimator_audit.knowledge.calls import argument, is_none
from estimator_audit.layout import one_line
from estimator_audit.migrate.lookup import MAX_HOPS, Definition, called, definition, scopes, text
from estimator_audit.migrate.model import Unsupported
from estimator_audit.migrate.scopes import Binding

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

# The parameters an estimator passes to an input_fn that declares them; Keras passes nothing.
ESTIMATOR_PASSED = frozenset({"mode", "params", "config", "input_context"})
DATASET_METHODS = frozenset({"batch", "repeat", "shuffle", "prefetch", "map", "cache", "take", "skip",
                             "filter", "padded_batch", "unbatch", "rebatch", "concatenate", "flat_map",
                             "interleave", "with_options", "apply", "shard", "unique"})
DATASET_MODULES = ("tensorflow.data.", "tensorflow.compat.v1.data.")
# tf.data functions that make a dataset of feature dicts alone unless told the label's key.
LABEL_PARAMETER = {"make_csv_dataset": "label_name", "make_batched_features_dataset": "label_key"}
QUEUE_HELPERS = frozenset(
    f"{api}.estimator.inputs.{name}"
    for api in ("tensorflow", "tensorflow.compat.v1")
    for name in ("numpy_input_fn", "pandas_input_fn")
)
ONE_SHOT = frozenset({"tensorflow.compat.v1.data.make_one_shot_iterator"})
MAX_SHOWN = 60
MAX_DEPTH = 40  # reassignments and calls followed while checking that a value is a dataset


def shown(context: ModuleContext, node: ast.AST) -> str:
    """The node's source on one line, shortened, for a message."""
    line = " ".join(text(context, node).split())
    return line if len(line) <= MAX_SHOWN else line[: MAX_SHOWN - 3] + "..."


@dataclass(frozen=True)
class Iterated:
    """An input function's `return <iterator>.get_next()`: `node` (the returned expression) is
    to become `dataset`, and `dropped` (the iterator's statements) go."""

    context: ModuleContext
    node: ast.expr
    dataset: str
    dropped: tuple[ast.stmt, ...]


Bound = dict[int, tuple["ModuleContext", ast.expr]]  # a parameter (its `arg` node) -> the argument passed


def bound_arguments(context: ModuleContext, call: ast.Call, function: ast.FunctionDef | ast.AsyncFunctionDef
                    ) -> Bound:
    """What a call passes for each parameter of the def it calls (by position or keyword)."""
    parameters = [*function.args.posonlyargs, *function.args.args]
    bound: Bound = {}
    for parameter, value in zip(parameters, call.args, strict=False):
        if isinstance(value, ast.Starred):
            break
        bound[id(parameter)] = (context, value)
    by_name = {a.arg: a for a in [*parameters, *function.args.kwonlyargs]}
    for keyword in call.keywords:
        if keyword.arg in by_name:
            bound[id(by_name[keyword.arg])] = (context, keyword.value)
    return bound


@dataclass
class InputReader:
    """Checks input functions; collects the iterator returns the rewrite must turn into datasets.
    `bound` remembers what the calls followed so far passed for their functions' parameters
    (`in_fn(train_ds)` makes `ds` inside `in_fn` the dataset `train_ds`)."""

    iterated: list[Iterated] = field(default_factory=list)
    bound: Bound = field(default_factory=dict)
    # Set while checking one input_fn: it returns a fixed batch of tensors, not a dataset.
    tensors: bool = False

    def dataset_expression(self, context: ModuleContext, input_fn: ast.expr, training: bool = False) -> str:
        """Source text, valid where `input_fn` is written, of an expression that makes the
        dataset the estimator trained on. An input_fn that returns a fixed batch of tensors
        (`{"x": tf.constant([...])}, labels`) gave the estimator that batch at every step: it
        becomes a one-element dataset, repeated for training."""
        self.tensors = False
        if isinstance(input_fn, ast.Lambda):
            if lambda_parameters(input_fn):
                raise Unsupported(f"input_fn `{shown(context, input_fn)}` takes arguments the estimator "
                                  "passes")
            self.check_dataset(context, input_fn.body, 0)
            return self.batch_dataset(context, one_line(text(context, input_fn.body)), training)
        helper = context.call_name(input_fn) if isinstance(input_fn, ast.Call) else None
        if helper in QUEUE_HELPERS:
            assert isinstance(input_fn, ast.Call)
            pipeline = queue_pipeline(context, input_fn, helper.rsplit(".", 1)[-1])
            if pipeline is None:
                raise Unsupported(f"input_fn `{shown(context, input_fn)}` is a queue-based helper whose "
                                  "arguments the rewrite cannot read")
            return pipeline
        self.check_callable(context, input_fn, 0)
        written = one_line(text(context, input_fn))
        atomic = isinstance(input_fn, (ast.Name, ast.Attribute, ast.Call, ast.Subscript))
        return self.batch_dataset(context, f"{written}()" if atomic else f"({written})()", training)

    def batch_dataset(self, context: ModuleContext, made: str, training: bool) -> str:
        """`made` itself, or the one-element dataset of the batch it makes."""
        if not self.tensors:
            return made
        tf = context.alias_for("tensorflow") or context.alias_for("tensorflow.compat.v1")
        if tf is None:
            raise Unsupported("the input_fn returns tensors, and the module has no name for tensorflow to "
                              "make them a dataset with")
        return f"{tf}.data.Dataset.from_tensors({made}){'.repeat()' if training else ''}"

    def check_callable(self, context: ModuleContext, node: ast.expr, depth: int) -> None:
        """Calling `node` with no arguments must return a dataset."""
        if depth > MAX_HOPS:
            raise Unsupported(f"input_fn `{shown(context, node)}` is too indirect to follow")
        if isinstance(node, ast.Lambda):
            if lambda_parameters(node):
                raise Unsupported(f"input_fn `{shown(context, node)}` takes arguments the estimator passes")
            self.check_dataset(context, node.body, depth + 1)
            return
        if isinstance(node, ast.Call):
            name = context.call_name(node)
            if name in QUEUE_HELPERS:
                if queue_pipeline(context, node, name.rsplit(".", 1)[-1]) is None:
                    raise Unsupported(f"input_fn `{shown(context, node)}` is a queue-based helper EA107 "
                                      "cannot rewrite into a tf.data pipeline (it needs the module's "
                                      "`import tensorflow as tf` and literal arguments)")
                return  # EA107 rewrites it into a tf.data input function
            if name in ("functools.partial", "functools.partial()"):
                if not node.args:
                    raise Unsupported(f"`{shown(context, node)}` has no function to call")
                self.check_callable(context, node.args[0], depth + 1)
                return
            found = called(context, node)
            if found is not None and isinstance(found.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.bound.update(bound_arguments(context, node, found.node))
                self.check_returns(found, depth, callable_result=True)
                return
            raise Unsupported(f"input_fn `{shown(context, node)}` is made by a function the rewrite cannot "
                              "read")
        binding = scopes(context).reaching(node) if isinstance(node, ast.Name) else None
        if binding is not None and isinstance(binding.node, ast.arg):  # a helper's input_fn parameter
            given = self.bound.get(id(binding.node))
            for owner, value in [given] if given is not None else parameter_values(context, binding):
                self.check_callable(owner, value, depth + 1)
            return
        found = definition(context, node)
        if found is None:
            raise Unsupported(f"input_fn `{shown(context, node)}` is not a function the rewrite can find in "
                              "this program")
        if isinstance(found.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            parameters = {a.arg for a in [*found.node.args.args, *found.node.args.kwonlyargs]}
            passed = sorted(parameters & ESTIMATOR_PASSED)
            required = len(found.node.args.args) - len(found.node.args.defaults)
            if passed or required:
                what = ", ".join(passed) if passed else "required parameters"
                raise Unsupported(f"input_fn `{found.node.name}` takes {what}, which the estimator fills in "
                                  "and Keras does not")
            self.check_returns(found, depth, callable_result=False)
            return
        if isinstance(found.node, ast.expr):
            self.check_callable(found.context, found.node, depth + 1)
            return
        raise Unsupported(f"input_fn `{shown(context, node)}` is not a function")

    def check_returns(self, function: Definition, depth: int, callable_result: bool) -> None:
        """Every `return` of the def returns a dataset (or, for a factory, a callable that does)."""
        node = function.node
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        returns = [r for r in returned(node) if r.value is not None]
        if not returns:
            raise Unsupported(f"`{node.name}` returns nothing the rewrite can see")
        for statement in returns:
            assert statement.value is not None
            if callable_result:
                self.check_callable(function.context, statement.value, depth + 1)
            else:
                self.check_dataset(function.context, statement.value, depth + 1)

    def check_dataset(self, context: ModuleContext, node: ast.expr, depth: int,
                      seen: frozenset[tuple[int, str]] = frozenset()) -> None:
        """`node` evaluates to a tf.data dataset of (features, labels), as far as the rewrite
        sees. `seen` holds the variables being checked already (`dataset = dataset.batch(...)`)."""
        if depth > MAX_DEPTH:
            raise Unsupported(f"`{shown(context, node)}` is too indirect to follow")
        iterated = self.iterator_return(context, node)
        if iterated is not None:
            dataset, dropped = iterated
            self.check_dataset(context, dataset, depth + 1, seen)
            self.iterated.append(Iterated(context, node, one_line(text(context, dataset)), dropped))
            return
        if isinstance(node, ast.Name):
            binding = scopes(context).reaching(node)
            passed = self.bound.get(id(binding.node)) if binding is not None else None
            if passed is not None:  # a parameter of a function called with the dataset
                self.check_dataset(passed[0], passed[1], depth + 1, seen)
                return
            if binding is not None and isinstance(binding.node, ast.arg):
                for owner, value in parameter_values(context, binding):
                    self.check_dataset(owner, value, depth + 1, seen)
                return
            scope = binding.scope if binding is not None else scopes(context).binder(node)
            key = (id(scope), node.id)
            if key in seen:
                return
            values = assigned_values(context, scope, node.id) if scope is not None else None
            if values is None:
                raise Unsupported(f"input_fn returns `{node.id}`, which the rewrite cannot follow")
            for value in values:
                self.check_dataset(context, value, depth + 1, seen | {key})
            return
        if fixed_batch(context, node, 0):
            self.tensors = True
            return
        if not isinstance(node, ast.Call):
            raise Unsupported(f"input_fn returns `{shown(context, node)}`, which the rewrite cannot see is a "
                              "tf.data.Dataset of (features, labels)")
        name = context.call_name(node) or ""
        if name.startswith(DATASET_MODULES):
            function = name.rsplit(".", 1)[-1]
            label = LABEL_PARAMETER.get(function)
            if label is not None and argument(node, label) is None:
                raise Unsupported(f"{function}() without {label}= yields features without labels")
            return
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in DATASET_METHODS:
            self.check_dataset(context, func.value, depth + 1, seen)
            return
        found = called(context, node)
        if found is not None and isinstance(found.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.bound.update(bound_arguments(context, node, found.node))
            self.check_returns(found, depth, callable_result=False)
            return
        raise Unsupported(f"input_fn returns `{shown(context, node)}`, which the rewrite cannot see is a "
                          "tf.data.Dataset of (features, labels)")

    def iterator_return(self, context: ModuleContext, node: ast.expr
                        ) -> tuple[ast.expr, tuple[ast.stmt, ...]] | None:
        """(the dataset, the statements that only serve the iterator) when `node` is what an
        input function returns from a one-shot iterator: `ds.make_one_shot_iterator()
        .get_next()`, or the names `features, labels = iterator.get_next()` bound."""
        table = scopes(context)
        dropped: list[ast.stmt] = []
        call: ast.expr | None = node
        if isinstance(node, (ast.Tuple, ast.Name)):
            names = node.elts if isinstance(node, ast.Tuple) else [node]
            if len(names) == 2 and is_none(names[1]):  # `return features, None`: no labels (predict)
                names = names[:1]
            if not all(isinstance(name, ast.Name) for name in names):
                return None
            binding = table.reaching(names[0])  # type: ignore[arg-type]
            statement = binding.node if binding is not None else None
            if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
                return None
            target = statement.targets[0]
            bound = [target] if isinstance(target, ast.Name) else list(getattr(target, "elts", []))
            if [getattr(n, "id", None) for n in bound] != [getattr(n, "id", None) for n in names]:
                return None
            if not all(self.only_read_by(context, statement, name.id, node)  # type: ignore[attr-defined]
                       for name in names):
                return None
            dropped.append(statement)
            call = statement.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "get_next" and not call.args):
            return None
        iterator = call.func.value
        if isinstance(iterator, ast.Name):
            binding = table.reaching(iterator)
            statement = binding.node if binding is not None else None
            if not isinstance(statement, ast.Assign) \
                    or not self.only_read_by(context, statement, iterator.id, call):
                return None
            dropped.append(statement)
            iterator = statement.value
        if not isinstance(iterator, ast.Call):
            return None
        if context.call_name(iterator) in ONE_SHOT and len(iterator.args) == 1:
            return iterator.args[0], tuple(dropped)
        if isinstance(iterator.func, ast.Attribute) and iterator.func.attr == "make_one_shot_iterator" \
                and not iterator.args:
            return iterator.func.value, tuple(dropped)
        return None

    @staticmethod
    def only_read_by(context: ModuleContext, statement: ast.Assign, name: str, reader: ast.AST) -> bool:
        """Whether the name the statement binds is read only inside `reader`."""
        table = scopes(context)
        binding = table.binding_of(statement, name)
        uses = table.uses_of(binding) if binding is not None else None
        return uses is not None and all(reader is use or contains(reader, use) for use in uses)


CONSTANT_TENSORS = frozenset({
    "tensorflow.constant", "tensorflow.convert_to_tensor", "numpy.array", "numpy.asarray",
    "tensorflow.compat.v1.constant", "tensorflow.compat.v1.convert_to_tensor"})


def fixed_batch(context: ModuleContext, node: ast.expr, depth: int) -> bool:
    """Whether `node` is a fixed batch: (features, labels) or features, made of dicts, literals,
    `tf.constant(...)` and `np.array(...)` (not of ops that draw or read anew at every step)."""
    if depth > MAX_HOPS:
        return False
    if isinstance(node, ast.Name):
        binding = scopes(context).reaching(node)
        value = scopes(context).value(binding) if binding is not None else None
        return value is not None and fixed_batch(context, value, depth + 1)
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(fixed_batch(context, element, depth + 1) for element in node.elts)
    if isinstance(node, ast.Dict):
        return None not in node.keys and all(fixed_batch(context, value, depth + 1) for value in node.values)
    return isinstance(node, ast.Call) and context.call_name(node) in CONSTANT_TENSORS


def contains(outer: ast.AST, inner: ast.AST) -> bool:
    return any(node is inner for node in ast.walk(outer))


def parameter_values(context: ModuleContext, binding: Binding) -> list[tuple[ModuleContext, ast.expr]]:
    """Every value a parameter of a module-level function can hold: its default, and what each
    call of the function in the program passes for it."""
    from estimator_audit.migrate.flow import calls_of

    function = binding.scope
    parameter = binding.node
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) \
            or not isinstance(parameter, ast.arg) or scopes(context).scope(function) is not context.tree:
        raise Unsupported(f"input_fn returns `{binding.name}`, a parameter the rewrite cannot follow")
    positional = [*function.args.posonlyargs, *function.args.args]
    defaults = dict(zip(positional[len(positional) - len(function.args.defaults):], function.args.defaults,
                        strict=True))
    defaults.update({a: d for a, d in zip(function.args.kwonlyargs, function.args.kw_defaults, strict=True)
                     if d is not None})
    values = []
    for caller, call in calls_of(context, function):
        passed = bound_arguments(caller, call, function).get(id(parameter))
        if passed is not None:
            values.append(passed)
        elif parameter in defaults:
            values.append((context, defaults[parameter]))
        else:
            raise Unsupported(f"`{function.name}` is called at {caller.source.path}:{call.lineno} without "
                              f"`{binding.name}`")
    return values


def lambda_parameters(node: ast.Lambda) -> list[str]:
    args = node.args
    return [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]


def returned(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Return]:
    """The function's own return statements (not those of functions nested in it)."""
    found: list[ast.Return] = []
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return found


def assigned_values(context: ModuleContext, scope: ast.AST, name: str) -> list[ast.expr] | None:
    """Every value a scope assigns to a name (a dataset variable is often reassigned:
    `dataset = dataset.shuffle(...)`); None for parameters and other bindings."""
    table = scopes(context)
    values = []
    for other in table.bindings_in(scope, name):
        value = table.value(other)
        if value is None:
            return None
        values.append(value)
    return values or None
