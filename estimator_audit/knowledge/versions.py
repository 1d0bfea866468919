"""What a program's own version test says on the target: `if tf.__version__ < "2.1": raise`
exits on old TensorFlow only, so the code after it runs on TF 2.21; `if keras_2:` with `keras_2 =
int(keras.__version__.split(".")[0]) > 1` takes its Keras 2 branch on Keras 3 too.

The test is evaluated as Python would evaluate it, with the target's version strings in place of
`tf.__version__`, `tf.VERSION`, `keras.__version__` and `sys.version_info`, through a few
operations version tests use (comparisons, `split`, `startswith`, indexing, `int`, version
parsers) and the program's functions that only return such a test (`tf_later_than("2")`).
Anything else is unknown (None), and the rules then treat both branches as guarded.
"""

from __future__ import annotations

import ast
import builtins
import operator
import re
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from estimator_audit.knowledge.tfapi import keras3

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

PYTHON_VERSION = (3, 11, 0)  # the Python both runtimes install on
KERAS3_VERSION = "3.15.0"  # the Keras of TensorFlow 2.21
TENSORFLOW_VERSIONS = frozenset({"tensorflow.__version__", "tensorflow.VERSION", "tensorflow.version.VERSION",
                                 "tensorflow.compat.v1.VERSION"})
KERAS_VERSIONS = frozenset({"keras.__version__", "tensorflow.keras.__version__"})
VERSION_PARSERS = frozenset({"LooseVersion", "StrictVersion", "parse", "parse_version", "Version"})
STRING_METHODS = frozenset({"split", "startswith", "endswith", "strip", "rstrip", "lstrip"})
COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], object]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
MAX_HOPS = 2  # names (and functions) followed back to the version expression they hold
VERSION_NAMES = frozenset({"__version__", "VERSION", "version_info"})
# Roots of called names that are never a function of the program: the frameworks and builtins.
NOT_PROGRAM_ROOTS = frozenset({"tensorflow", "keras", "tf_keras", "numpy", *dir(builtins)})


class Unknown(Exception):
    """The expression is not one the evaluator can read."""


def taken_on_target(context: ModuleContext, test: ast.expr) -> bool | None:
    """True or False: what a version test gives on the target; None when it cannot be read."""
    try:
        return bool(evaluate(context, test, 0))
    except (Unknown, TypeError, ValueError, IndexError, AttributeError):
        return None


def version_function(context: ModuleContext, call: ast.Call) -> tuple[ModuleContext, ast.FunctionDef] | None:
    """The program's function a call runs when that function only returns a version test
    (tensornets' `def tf_later_than(v): return LooseVersion(tf.__version__) > LooseVersion(v)`,
    tested as `if tf_later_than('2'):`), with the module it is defined in."""
    from estimator_audit.migrate.lookup import called  # whole-program lookup

    root = (context.call_name(call) or "").split(".", 1)[0]
    if root in NOT_PROGRAM_ROOTS or root in sys.stdlib_module_names:
        return None  # `tf.executing_eagerly()`, `isinstance(...)`: no program function (and no scope tables)
    found = called(context, call)
    if found is None or not isinstance(found.node, ast.FunctionDef):
        return None
    body = [s for s in found.node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        return None
    names = {n.attr if isinstance(n, ast.Attribute) else n.id
             for n in ast.walk(body[0].value) if isinstance(n, (ast.Attribute, ast.Name))}
    return (found.context, found.node) if names & VERSION_NAMES else None


def parsed_version(text: object) -> tuple[int, ...]:
    """A version string as a version parser orders it (numeric parts only)."""
    if not isinstance(text, str):
        raise Unknown
    return tuple(int(part) for part in re.findall(r"\d+", text))


def evaluate(context: ModuleContext, node: ast.expr, hops: int, bound: Mapping[str, object] | None = None
             ) -> object:
    """The value of a version expression; `bound` holds the arguments of a version function."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and bound is not None and node.id in bound:
        return bound[node.id]
    if isinstance(node, (ast.Name, ast.Attribute)):
        qualified = context.qualified_name(node) or ""
        if qualified in TENSORFLOW_VERSIONS:
            major, minor = context.settings.target
            return f"{major}.{minor}.0"
        if qualified in KERAS_VERSIONS:
            return KERAS3_VERSION if keras3(context.settings.target) else "2.15.0"
        if qualified == "sys.version_info":
            return PYTHON_VERSION
        if isinstance(node, ast.Name) and hops < MAX_HOPS:
            held = context.assigned_value(node)
            if held is not None:
                return evaluate(context, held, hops + 1, bound)
        raise Unknown
    if isinstance(node, ast.Compare):
        left = evaluate(context, node.left, hops, bound)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = evaluate(context, right_node, hops, bound)
            compare = COMPARISONS.get(type(op))
            if compare is None or not compare(left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        values = [bool(evaluate(context, value, hops, bound)) for value in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not evaluate(context, node.operand, hops, bound)
    if isinstance(node, ast.Subscript):
        value = evaluate(context, node.value, hops, bound)
        if isinstance(node.slice, ast.Slice):
            limits = [None if limit is None else evaluate(context, limit, hops, bound)
                      for limit in (node.slice.lower, node.slice.upper, node.slice.step)]
            return value[slice(*limits)]  # type: ignore[index]
        return value[evaluate(context, node.slice, hops, bound)]  # type: ignore[index]
    if isinstance(node, ast.Tuple):
        return tuple(evaluate(context, element, hops, bound) for element in node.elts)
    if isinstance(node, ast.Call) and not node.keywords:
        return evaluate_call(context, node, hops, bound)
    raise Unknown


def evaluate_call(context: ModuleContext, node: ast.Call, hops: int, bound: Mapping[str, object] | None
                  ) -> object:
    """`int(...)`, `float(...)`, `str.split/startswith(...)`, `LooseVersion(...)`,
    `version.parse(...)`: the calls version tests are made of."""
    arguments = [evaluate(context, argument, hops, bound) for argument in node.args]
    func = node.func
    if isinstance(func, ast.Name) and func.id in ("int", "float", "str") and len(arguments) == 1:
        return {"int": int, "float": float, "str": str}[func.id](arguments[0])
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if isinstance(func, ast.Attribute) and name in STRING_METHODS:
        receiver = evaluate(context, func.value, hops, bound)
        if isinstance(receiver, str):
            return getattr(receiver, name)(*arguments)
        raise Unknown
    if name in VERSION_PARSERS and len(arguments) == 1:
        return parsed_version(arguments[0])
    function = version_function(context, node) if hops < MAX_HOPS else None
    if function is not None:  # `tf_later_than('2')`: its return value, given these arguments
        defined_in, definition = function
        parameters = [a.arg for a in definition.args.args]
        if len(arguments) <= len(parameters):
            given = dict(zip(parameters, arguments, strict=False))
            return evaluate(defined_in, definition.body[-1].value, hops + 1, given)  # type: ignore[attr-defined]
    raise Unknown
