"""Estimators this module uses and another module builds (`model.build_estimator(...)`).

The module that builds the estimator rewrites the construction; this one rewrites its own uses
of the result. Both follow the same plan, made from the construction (flow.py), so they agree
on whether the program can be migrated at all.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from estimator_audit.findings import Fix
from estimator_audit.knowledge.tfapi import estimator_class
from estimator_audit.migrate.flow import is_premade
from estimator_audit.migrate.lookup import definition, module_definition, scopes
from estimator_audit.migrate.model import Unsupported

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

# Libraries whose functions never return a premade estimator of the program.
FOREIGN_ROOTS = frozenset({"tensorflow", "tensorflow_estimator", "keras", "tf_keras", "numpy", "pandas", "os",
                           "sys", "json", "math", "random", "argparse", "logging", "shutil", "time", "re",
                           "collections", "functools", "itertools", "sklearn", "google", "absl", "six"})
# The words a module must contain to build a premade estimator (a cheap look before parsing it).
PREMADE_WORDS = (b"Classifier", b"Regressor")
# Uses that only an estimator has; once a module's uses are Keras calls, it has been migrated.
ESTIMATOR_ONLY = frozenset({"train", "export_saved_model", "export_savedmodel"})


def built_elsewhere(context: ModuleContext, call: ast.Call) -> tuple[str, str, Fix | str] | None:
    """(class name, where it is built, the fix or why not) when `call` returns a premade estimator
    that a function of another module of the program constructs; None otherwise."""
    qualified = context.call_name(call)
    if qualified is None or qualified.lstrip(".").split(".", 1)[0] in FOREIGN_ROOTS:
        return None
    located = context.project.locate(context.source.path, qualified)
    if located is None or len(located[1]) != 1:
        return None
    path, (name,) = located
    data = context.project.read(path)
    if data is None or not any(word in data for word in PREMADE_WORDS):
        return None
    other = context.project.context(path)
    found = module_definition(other, name) if other is not None else None
    if found is None or not isinstance(found.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    if not uses_as_estimator(context, call):
        return None  # already migrated (a second round of --fix) or not used as one here
    from estimator_audit.migrate.rewrite import holder_rewrite, plan_for

    constructors = sorted((node for node in ast.walk(found.node)
                           if isinstance(node, ast.Call) and is_premade(found.context, node)),
                          key=lambda node: (node.lineno, node.col_offset))
    classes = [info.public_name for node in constructors
               if (info := estimator_class(found.context.call_name(node))) is not None]
    if len(set(classes)) > 1:  # `build_model(...)` picks one by its arguments
        names = list(dict.fromkeys(classes))
        lines = ", ".join(str(node.lineno) for node in constructors)
        return (" or ".join(names), f"{found.context.source.path}:{lines}",
                "the function builds one of several premade estimators, by its arguments")
    for constructor in constructors:
        info = estimator_class(found.context.call_name(constructor))
        assert info is not None
        where = f"{found.context.source.path}:{constructor.lineno}"
        try:
            plan = plan_for(found.context, constructor)
        except Unsupported as reason:
            return info.public_name, where, str(reason)
        if any(holder.call is call for holder in plan.flow.holders):
            try:
                return info.public_name, where, holder_rewrite(context, call, plan)
            except Unsupported as reason:
                return info.public_name, where, str(reason)
    return None


def uses_as_estimator(context: ModuleContext, call: ast.Call) -> bool:
    """Whether the variable the call's result is assigned to is used the estimator's way:
    `train(...)`, a call with `input_fn=`, an export, or passed on to a function."""
    table = scopes(context)
    statement = table.parent(call)
    if not isinstance(statement, ast.Assign) or not isinstance(statement.targets[0], ast.Name):
        return False
    binding = table.binding_of(statement, statement.targets[0].id)
    for use in (table.uses_of(binding) or []) if binding is not None else []:
        parent = table.parent(use)
        if isinstance(parent, ast.Attribute):
            method_call = table.parent(parent)
            if parent.attr in ESTIMATOR_ONLY or (isinstance(method_call, ast.Call) and any(
                    keyword.arg == "input_fn" for keyword in method_call.keywords)):
                return True
        elif isinstance(parent, (ast.Call, ast.keyword)):
            callee = parent if isinstance(parent, ast.Call) else table.parent(parent)
            if isinstance(callee, ast.Call) and estimator_calls_in(context, callee):
                return True
    return False


def estimator_calls_in(context: ModuleContext, call: ast.Call) -> bool:
    """`train_and_evaluate(...)`, or a function of the program that calls estimator methods."""
    name = context.call_name(call) or ""
    if name.endswith("train_and_evaluate"):
        return True
    found = definition(context, call.func) if isinstance(call.func, (ast.Name, ast.Attribute)) else None
    if found is None or not isinstance(found.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    return any(isinstance(node, ast.Call) and (
        any(keyword.arg == "input_fn" for keyword in node.keywords)
        or (isinstance(node.func, ast.Attribute) and node.func.attr in ESTIMATOR_ONLY))
        for node in ast.walk(found.node))
