"""What the RNG rules (EA205, EA207, EA208, EA209) share: is a seed given, is a flag certainly on.

Each answer is certain or "no": an argument the file does not show (`**kwargs`, a parameter,
a variable) is given the benefit of the doubt, so the rules only report what they can see.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from estimator_audit.knowledge.calls import UNKNOWN, argument, is_none

# How many `name = other_name` assignments to follow back to a literal.
MAX_HOPS = 4

Assigned = Callable[[ast.expr], "ast.expr | None"]


def unseeded(call: ast.Call, parameter: str, parameters: Sequence[str] = ()) -> bool:
    """The seed-like parameter is certainly unset: not passed at all, or passed as literal None."""
    value = argument(call, parameter, parameters)
    return value is None or is_none(value)


def constant(node: object, assigned: Assigned) -> object:
    """The constant a node holds, following plain `name = ...` assignments; UNKNOWN otherwise.

    `assigned` is the context's `assigned_value` (a name -> the expression it was assigned).
    """
    for _ in range(MAX_HOPS):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            node = assigned(node)
            continue
        break
    return UNKNOWN


def flag_value(call: ast.Call, parameter: str, parameters: Sequence[str], default: object,
               assigned: Assigned) -> object:
    """The value a boolean flag certainly has (its default when not passed), or UNKNOWN."""
    value = argument(call, parameter, parameters)
    if value is None:
        return default
    if value is UNKNOWN:
        return UNKNOWN
    return constant(value, assigned)


LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Module)


def in_loop(ancestors: Sequence[ast.AST]) -> bool:
    """Whether a node (given its ancestors, innermost last) runs once per iteration of a loop or
    comprehension of its own function."""
    for node in reversed(ancestors):
        if isinstance(node, LOOPS):
            return True
        if isinstance(node, SCOPES):
            return False
    return False


def bound_target(scope: ast.AST, made: ast.Call) -> ast.expr | None:
    """The one target a call's result is assigned to in this scope (`rs = RandomState()`), if any."""
    return next((statement.targets[0] for statement in ast.walk(scope) if isinstance(statement, ast.Assign)
                 and statement.value is made and len(statement.targets) == 1), None)


def unread_local(scope: ast.AST, made: ast.Call) -> bool:
    """Whether the call's result is bound to a local name the scope never reads after
    (`rs = np.random.RandomState()` left in a function; a fallback `if random_state is None:
    random_state = RandomState()` the function then never uses): a generator made so draws
    nothing. In a loop, a read before the binding may follow it too."""
    target = bound_target(scope, made)
    if not isinstance(target, ast.Name):
        return False
    looped = any(isinstance(node, LOOPS) and any(inner is target for inner in ast.walk(node))
                 for node in ast.walk(scope))
    bound_at = (target.end_lineno or target.lineno, target.end_col_offset or 0)
    return not any(isinstance(node, ast.Name) and node.id == target.id and isinstance(node.ctx, ast.Load)
                   and (looped or (node.lineno, node.col_offset) > bound_at) for node in ast.walk(scope))
