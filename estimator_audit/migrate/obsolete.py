"""Which assignments the rewrite leaves without a reader: the estimator's feature columns.

`age = tf.feature_column.numeric_column("age")` goes when only the estimator (or another such
assignment) read `age`; names are resolved per scope, so a `district` local to another function
does not keep a module-level `district` column alive.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from estimator_audit.resolve import SCOPE_NODES

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext
    from estimator_audit.migrate.reader import Reader


class ScopedNames(ast.NodeVisitor):
    """Which scope each name use resolves to (the innermost def, lambda or module binding it),
    so that `district` in another function is not taken for a column's `district`."""

    def __init__(self, tree: ast.Module) -> None:
        self.chain: list[ast.AST] = [tree]
        self.binds: dict[int, set[str]] = {id(tree): set()}
        self.uses: list[tuple[ast.Name, tuple[ast.AST, ...]]] = []
        self.blocks: dict[int, list[ast.stmt]] = {}
        self.scope_of: dict[int, ast.AST] = {}
        self.stores: dict[tuple[int, str], int] = {}
        self.visit(tree)

    def generic_visit(self, node: ast.AST) -> None:
        opens_scope = isinstance(node, SCOPE_NODES) and node is not self.chain[0]
        if opens_scope:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.binds[id(self.chain[-1])].add(node.name)
            arguments = getattr(node, "args", None)
            self.binds[id(node)] = {a.arg for a in ast.walk(arguments) if isinstance(a, ast.arg)} \
                if arguments is not None else set()
            self.chain.append(node)
        for field in ("body", "orelse", "finalbody"):
            statements = getattr(node, field, None)
            if isinstance(statements, list):
                for statement in statements:
                    self.blocks[id(statement)] = statements
                    self.scope_of[id(statement)] = self.chain[-1]
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.uses.append((node, tuple(self.chain)))
            else:
                self.binds[id(self.chain[-1])].add(node.id)
                key = (id(self.chain[-1]), node.id)
                self.stores[key] = self.stores.get(key, 0) + 1
        super().generic_visit(node)
        if opens_scope:
            self.chain.pop()

    def loads_of(self, name: str, scope: ast.AST) -> list[ast.Name]:
        """The reads of `name` that resolve to its binding in `scope`."""
        found = []
        for use, chain in self.uses:
            if use.id != name:
                continue
            owner = next((s for s in reversed(chain) if name in self.binds.get(id(s), ())), None)
            if owner is scope:
                found.append(use)
        return found


def contains(outer: ast.AST, inner: ast.AST) -> bool:
    return (outer.lineno, outer.col_offset) <= (inner.lineno, inner.col_offset) and (  # type: ignore[attr-defined]
        inner.end_lineno, inner.end_col_offset) <= (outer.end_lineno, outer.end_col_offset)  # type: ignore[attr-defined]


def obsolete_assignments(context: ModuleContext, reader: Reader, constructor: ast.Call
                         ) -> tuple[ast.Assign, ...]:
    """`age = tf.feature_column.numeric_column("age")` and the like: single assignments whose
    name nothing but the estimator (or another obsolete assignment) reads. A block keeps at
    least one statement."""
    followed = {id(value) for value in reader.followed}
    candidates = [node for node in ast.walk(context.tree) if isinstance(node, ast.Assign)
                  and id(node.value) in followed and len(node.targets) == 1
                  and isinstance(node.targets[0], ast.Name)]
    if not candidates:
        return ()
    names = ScopedNames(context.tree)
    removed: list[ast.Assign] = []
    changed = True
    while changed:
        changed = False
        for assign in candidates:
            name, scope = assign.targets[0].id, names.scope_of.get(id(assign))  # type: ignore[attr-defined]
            if assign in removed or scope is None or names.stores.get((id(scope), name)) != 1:
                continue
            readers = [constructor, *(a.value for a in removed)]
            loads = names.loads_of(name, scope)
            if all(any(contains(r, use) for r in readers) for use in loads):
                removed.append(assign)
                changed = True
    return tuple(a for a in removed if any(s not in removed for s in names.blocks[id(a)]))
