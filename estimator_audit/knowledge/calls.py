"""Small questions rules ask about call expressions, shared so no rule re-derives them."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

# A call's arguments we cannot see (`f(*args)`, `f(**kwargs)`) might hold anything.
UNKNOWN = object()


def argument(call: ast.Call, name: str, parameters: Sequence[str] = ()) -> ast.expr | object | None:
    """The expression passed for parameter `name`, by keyword or by position.

    None when it is certainly not passed; UNKNOWN when *args or **kwargs could carry it.
    """
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if name in parameters:
        index = list(parameters).index(name)
        positional = [a for a in call.args if not isinstance(a, ast.Starred)]
        if any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
            return UNKNOWN
        if index < len(positional):
            return positional[index]
    if any(k.arg is None for k in call.keywords):
        return UNKNOWN
    return None


def unpacks(call: ast.Call) -> bool:
    """Whether a call passes `*args` or `**kwargs`, which could carry any parameter."""
    return any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)


def passed_parameters(call: ast.Call, parameters: Sequence[str]) -> set[str]:
    """The parameters a call (without unpacking) passes, by keyword or by position."""
    return {k.arg for k in call.keywords if k.arg is not None} | set(parameters[: len(call.args)])


def is_none(node: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def string_value(node: object) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def tf_spelling(qualified: str) -> str:
    """How users write a TensorFlow name: tensorflow.estimator.X -> tf.estimator.X."""
    for prefix, short in (("tensorflow.", "tf."), ("tensorflow_estimator.", "tf_estimator.")):
        if qualified.startswith(prefix):
            return short + qualified[len(prefix) :]
    return qualified


def called_names(node: ast.AST) -> set[str]:
    """The plain names code under `node` calls (`build` in `model = build()`): how a rule follows
    the module's own functions."""
    return {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def own_callee(call: ast.Call) -> str | None:
    """The function of the module's own code a call names: `train(...)` or `self.train(...)`."""
    function = call.func
    if isinstance(function, ast.Name):
        return function.id
    owner = function.value if isinstance(function, ast.Attribute) else None
    if isinstance(function, ast.Attribute) and isinstance(owner, ast.Name) and owner.id == "self":
        return function.attr
    return None


def assigned_values(tree: ast.AST, name: str) -> Iterator[ast.expr]:
    """What the module assigns to a name: the value of `name = value`, and the whole value of
    a tuple assignment that binds it (`(x, y), _ = mnist.load_data()`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if any(isinstance(part, ast.Name) and part.id == name for part in ast.walk(target)):
                    yield node.value


FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def calls_by_name(tree: ast.AST, name: str) -> list[ast.Call]:
    """The calls spelling a function by its bare name (`input_fn(x, y, 32)`), in walk order."""
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id == name]


def calls_with_ancestors(function: FunctionNode) -> Iterator[tuple[ast.Call, tuple[ast.AST, ...]]]:
    """The calls in a function's body, each with the nodes around it (from the function down)."""
    stack: list[tuple[ast.AST, tuple[ast.AST, ...]]] = [(function, ())]
    while stack:
        node, ancestors = stack.pop()
        if isinstance(node, ast.Call):
            yield node, ancestors
        inner = (*ancestors, node)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


FUNCTION_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def call_text(node: ast.Call) -> str:
    """How the call's callee is written (`model.fit`), for messages."""
    return ast.unparse(node.func)


def innermost_function(ancestors: Sequence[ast.AST]) -> FunctionNode | None:
    """The innermost def a node stands in (a lambda between them does not count)."""
    return next((a for a in reversed(ancestors) if isinstance(a, FUNCTION_DEFS)), None)


def scope_of(ancestors: Sequence[ast.AST]) -> ast.AST | None:
    """The innermost function (or the module) a node stands in."""
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return ancestor
    return ancestors[0] if ancestors else None


DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


# The fields of a statement that hold blocks of statements run in order.
BLOCK_FIELDS = ("body", "orelse", "finalbody")


def statements_before(owner: ast.AST | None, child: ast.AST) -> list[ast.stmt]:
    """The statements of `owner`'s block holding `child` that run before it ([] when none holds it)."""
    for field in BLOCK_FIELDS:
        block = getattr(owner, field, None)
        if isinstance(block, list):
            index = next((i for i, statement in enumerate(block) if statement is child), None)
            if index is not None:
                return block[:index]
    return []
