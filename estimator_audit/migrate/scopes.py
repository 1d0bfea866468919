"""Which binding a name use reads, for code the rewrite follows through a module.

The audit's resolver tracks imports as the checker walks; the rewrite also needs, for any node
of a module and at any time, its parent, the scope it runs in, and the assignment (or def,
import, parameter) a name use reads. Bindings are ordered by position, so a variable that a
notebook assigns in one cell and reassigns in a later one reads the assignment before the use.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from estimator_audit.resolve import SCOPE_NODES

Position = tuple[int, int]


def position(node: ast.AST) -> Position:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def end_position(node: ast.AST) -> Position:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


def contains(outer: ast.AST, inner: ast.AST) -> bool:
    return position(outer) <= position(inner) and end_position(inner) <= end_position(outer)


@dataclass(frozen=True)
class Binding:
    """A name bound in a scope: by `node` (Assign, AnnAssign, For, With, def, class, import,
    an `arg`), the binding being visible from `after` on."""

    name: str
    node: ast.AST
    after: Position
    scope: ast.AST


class Scopes:
    """Parents, scopes and bindings of one module, from one walk."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.parents: dict[int, ast.AST] = {}
        self.scope_of: dict[int, ast.AST] = {}  # node -> innermost def, lambda, class or module
        self.bindings: dict[tuple[int, str], list[Binding]] = {}
        self.loads: dict[str, list[ast.Name]] = {}
        self.globals: dict[int, set[str]] = {}
        self.walk(tree, tree)
        for found in self.bindings.values():
            found.sort(key=lambda binding: binding.after)

    def walk(self, node: ast.AST, scope: ast.AST) -> None:
        stack: list[tuple[ast.AST, ast.AST]] = [(node, scope)]
        while stack:
            current, owner = stack.pop()
            self.scope_of[id(current)] = owner
            inner = current if isinstance(current, SCOPE_NODES) and current is not owner else owner
            if inner is not owner:
                self.bind_definition(current, owner)
                self.bind_parameters(current)
            self.record(current, owner)
            for child in ast.iter_child_nodes(current):
                self.parents[id(child)] = current
                # Decorators, defaults and base classes run in the enclosing scope.
                stack.append((child, owner if self.outside(current, child) else inner))

    @staticmethod
    def outside(owner: ast.AST, child: ast.AST) -> bool:
        if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return child in owner.decorator_list or child is owner.args or child is owner.returns
        if isinstance(owner, ast.ClassDef):
            return child in owner.decorator_list or child in owner.bases or child in owner.keywords
        if isinstance(owner, ast.Lambda):
            return child is owner.args
        return False

    def bind(self, name: str, node: ast.AST, after: Position, scope: ast.AST) -> None:
        if name in self.globals.get(id(scope), ()):
            scope = self.tree
        self.bindings.setdefault((id(scope), name), []).append(Binding(name, node, after, scope))

    def bind_definition(self, node: ast.AST, owner: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.bind(node.name, node, position(node), owner)

    def bind_parameters(self, node: ast.AST) -> None:
        arguments = getattr(node, "args", None)
        if isinstance(arguments, ast.arguments):
            for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                        arguments.vararg, arguments.kwarg]:
                if arg is not None:
                    self.bind(arg.arg, arg, (0, 0), node)

    def record(self, node: ast.AST, scope: ast.AST) -> None:
        if isinstance(node, ast.Global):
            self.globals.setdefault(id(scope), set()).update(node.names)
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.loads.setdefault(node.id, []).append(node)
            else:
                statement = self.statement_of(node)
                after = end_position(statement) if statement is not None else end_position(node)
                self.bind(node.id, statement or node, after, scope)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    self.bind(alias.asname or alias.name.split(".")[0], node, end_position(node), scope)

    def statement_of(self, node: ast.AST) -> ast.stmt | None:
        """The statement a target belongs to (parents of targets are recorded before them)."""
        current: ast.AST | None = node
        while current is not None and not isinstance(current, ast.stmt):
            current = self.parents.get(id(current))
        return current

    # -- questions ------------------------------------------------------------------------------
    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(id(node))

    def scope(self, node: ast.AST) -> ast.AST:
        return self.scope_of.get(id(node), self.tree)

    def enclosing_scopes(self, node: ast.AST) -> list[ast.AST]:
        """The scopes a use in `node` looks names up in, innermost first (classes only when the
        use is directly in their body)."""
        chain = []
        scope = self.scope(node)
        first = True
        while True:
            if first or not isinstance(scope, ast.ClassDef):
                chain.append(scope)
            first = False
            if scope is self.tree:
                return chain
            scope = self.scope(scope)

    def bindings_in(self, scope: ast.AST, name: str) -> list[Binding]:
        return self.bindings.get((id(scope), name), [])

    def deferred(self, use: ast.AST, scope: ast.AST) -> bool:
        """Whether code at `use` runs later than the code of `scope` around it: inside a def or
        class of it. A lambda is taken to run where it is written (an input_fn lambda is called
        by the train() call it is passed to)."""
        current = self.scope(use)
        while current is not scope and current is not self.tree:
            if not isinstance(current, ast.Lambda):
                return True
            current = self.scope(current)
        return False

    def reaching(self, use: ast.Name) -> Binding | None:
        """The binding a name use reads: in the innermost scope that binds the name, the last
        binding before the use; from a nested function (which runs later), the only binding,
        or None when there are several (which one it sees depends on when it runs)."""
        for scope in self.enclosing_scopes(use):
            found = self.bindings_in(scope, use.id)
            if not found:
                continue
            if not self.deferred(use, scope):
                before = [b for b in found if b.after <= position(use)]
                return before[-1] if before else None
            if len(found) == 1 or all(isinstance(b.node, ast.FunctionDef) and ast.dump(b.node) == ast.dump(
                    found[0].node) for b in found):
                return found[-1]  # one binding, or the same def again (a notebook that repeats a cell)
            return None
        return None

    def binder(self, use: ast.Name) -> ast.AST | None:
        """The scope whose bindings a use of a name reads (whichever binding it reads)."""
        return next((scope for scope in self.enclosing_scopes(use) if self.bindings_in(scope, use.id)), None)

    def reaching_all(self, use: ast.Name) -> list[Binding]:
        """Every binding a use may read: the last one before it, and, when that one is in a
        branch of an `if` the use is not in, the last one the other branch (or, when it binds
        nothing, the code before the `if`) leaves (`if classify: est = A() else: est = B()`)."""
        last = self.reaching(use)
        if last is None or self.deferred(use, last.scope):
            return [last] if last is not None else []
        found = [last]
        before = [b for b in self.bindings_in(last.scope, use.id) if b.after <= position(use)]
        current: ast.AST | None = last.node
        while current is not None and current is not last.scope:
            parent = self.parent(current)
            if isinstance(parent, ast.If) and not contains(parent, use) and current is not parent.test:
                other = parent.orelse if current in parent.body else parent.body
                inside = [b for b in before if any(contains(statement, b.node) for statement in other)]
                earlier = [b for b in before if position(b.node) < position(parent)]
                for candidate in (inside or earlier)[-1:]:
                    if candidate not in found:
                        found.append(candidate)
            current = parent
        return found

    def uses_of(self, binding: Binding) -> list[ast.Name] | None:
        """Every use that reads `binding`; None when some use might read another binding too
        (a nested function of a scope that binds the name more than once)."""
        uses = []
        for use in self.loads.get(binding.name, []):
            if binding.scope not in self.enclosing_scopes(use):
                continue
            owner = next(s for s in self.enclosing_scopes(use) if self.bindings_in(s, use.id))
            if owner is not binding.scope:
                continue
            if self.deferred(use, binding.scope) and len(self.bindings_in(owner, use.id)) > 1:
                return None
            if binding in self.reaching_all(use):
                uses.append(use)
        return uses

    def module_names(self) -> set[str]:
        """Every name the module binds at its top level."""
        return {name for (scope, name) in self.bindings if scope == id(self.tree)}

    def binding_of(self, statement: ast.AST, name: str) -> Binding | None:
        """The binding a statement (an Assign, a def) makes of `name`."""
        for binding in self.bindings_in(self.scope(statement), name):
            if binding.node is statement:
                return binding
        return None

    def reaching_value(self, use: ast.Name) -> ast.expr | None:
        """The expression the assignment reaching this use of a name assigned, if a plain one."""
        binding = self.reaching(use)
        return self.value(binding) if binding is not None else None

    def value(self, binding: Binding) -> ast.expr | None:
        """The expression a plain `name = value` binding assigned."""
        node = binding.node
        if isinstance(node, ast.Assign) and all(isinstance(target, ast.Name) for target in node.targets):
            return node.value  # `a = value`, or `a = b = value`
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            return node.value
        return None
