"""Which assignments the rewrite leaves without a reader.

`config = tf.estimator.RunConfig(tf_random_seed=1)` or `train_spec = tf.estimator.TrainSpec(...)`
go when only the estimator (or train_and_evaluate, or another such assignment) read them: left
behind they would raise AttributeError on TensorFlow 2.16+. Names are resolved per scope and
per binding, so a `config` of another function, or a later reassignment, is not taken for it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import TYPE_CHECKING

from estimator_audit.migrate.lookup import scopes
from estimator_audit.migrate.scopes import contains

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext


def obsolete_assignments(context: ModuleContext, replaced: Iterable[ast.AST],
                         candidates: Iterable[ast.AST]) -> list[ast.stmt]:
    """The `name = value` statements among `candidates` (statements, or values whose statement
    is meant) whose every reader lies inside a replaced node or another obsolete statement.
    A block keeps at least one statement."""
    table = scopes(context)
    statements: list[ast.Assign] = []
    for candidate in candidates:
        statement = candidate if isinstance(candidate, ast.stmt) else table.parent(candidate)
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                and isinstance(statement.targets[0], ast.Name) and statement not in statements:
            statements.append(statement)
    readers = list(replaced)
    removed: list[ast.Assign] = []
    changed = True
    while changed:
        changed = False
        for statement in statements:
            if statement in removed:
                continue
            binding = table.binding_of(statement, statement.targets[0].id)  # type: ignore[attr-defined]
            uses = table.uses_of(binding) if binding is not None else None
            if uses is None:
                continue
            if all(any(contains(reader, use) for reader in [*readers, *(s.value for s in removed)])
                   for use in uses):
                removed.append(statement)
                changed = True
    return [statement for statement in removed if keeps_a_statement(table.parent(statement), removed)]


def keeps_a_statement(owner: ast.AST | None, removed: list[ast.Assign]) -> bool:
    for field in ("body", "orelse", "finalbody"):
        block = getattr(owner, field, None)
        if isinstance(block, list) and any(statement in block for statement in removed):
            return any(statement not in removed for statement in block)
    return True
