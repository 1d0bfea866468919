"""Read literals through the names a file binds them to.

The Keras rewrite writes literal values into the model it emits (layer sizes, an optimizer's
hyperparameters); a value computed at run time raises Unsupported with the reason, which the
front end turns into a parameter of the model builder where the model allows it.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from estimator_audit.knowledge.calls import UNKNOWN
from estimator_audit.migrate.lookup import scopes
from estimator_audit.migrate.model import Unsupported

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

MAX_NAME_HOPS = 5
MAX_SHOWN = 60  # characters of source a message quotes
MUTATORS = frozenset({"append", "extend", "insert", "update", "add", "pop", "remove", "clear",
                      "setdefault", "sort", "reverse"})


class Reader:
    """Reads literals and feature columns through the names the file binds them to."""

    def __init__(self, context: ModuleContext) -> None:
        self.context = context
        self.followed: list[ast.expr] = []  # values read through names, whose bindings may go
        self._mutated: set[str] | None = None

    def text(self, node: ast.AST) -> str:
        """The node's source, as written (for code the rewrite keeps)."""
        return self.context.source.segment(self.context.span(node))

    def shown(self, node: ast.AST) -> str:
        """The node's source on one line, shortened, for a message."""
        text = " ".join(self.text(node).split())
        return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."

    def mutated(self, name: str) -> bool:
        """Whether the file changes a list or dict bound to `name` after building it
        (`columns.append(...)`, `columns += ...`, `columns[0] = ...`): its literal is not its value."""
        if self._mutated is None:
            self._mutated = set()
            for node in ast.walk(self.context.tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and isinstance(node.func.value, ast.Name) and node.func.attr in MUTATORS:
                    self._mutated.add(node.func.value.id)
                elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                    self._mutated.add(node.target.id)
                elif isinstance(node, (ast.Assign, ast.Delete)):
                    targets = node.targets
                    self._mutated.update(t.value.id for t in targets if isinstance(t, ast.Subscript)
                                         and isinstance(t.value, ast.Name))
        return name in self._mutated

    def follow(self, node: ast.expr) -> ast.expr:
        """The expression a name stands for, through up to MAX_NAME_HOPS assignments."""
        for _ in range(MAX_NAME_HOPS):
            if not isinstance(node, ast.Name):
                return node
            node = self.follow_once(node)
        return node

    def follow_once(self, node: ast.Name) -> ast.expr:
        """The expression the assignment a name reads assigned (in its own scope, the one
        before it; a def's parameters and imports have none)."""
        table = scopes(self.context)
        binding = table.reaching(node)
        value = table.value(binding) if binding is not None else None
        if value is None:
            bound = binding.node if binding is not None else None
            if isinstance(bound, (ast.FunctionDef, ast.AsyncFunctionDef)):
                raise Unsupported(f"`{node.id}` is a function (line {bound.lineno}), which the rewrite "
                                  "does not call to read what it returns")
            if isinstance(bound, ast.arg):
                raise Unsupported(f"`{node.id}` is a parameter: its value comes from the callers")
            raise Unsupported(f"`{node.id}` is not assigned a value this file shows")
        if isinstance(value, (ast.List, ast.Dict, ast.Set)) and self.mutated(node.id):
            raise Unsupported(f"`{node.id}` is built up at run time (the file changes it after "
                              "assigning it)")
        self.followed.append(value)
        return value

    def literal(self, node: object, what: str) -> object:
        if node is UNKNOWN:
            raise Unsupported(f"{what} may be passed through *args or **kwargs")
        assert isinstance(node, ast.expr)
        value = self.follow(node)
        if isinstance(value, (ast.List, ast.Tuple)):
            return [self.literal(element, what) for element in value.elts]
        try:
            return ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError):
            raise Unsupported(f"{what} `{self.shown(node)}` is computed at run time") from None

    def integer(self, node: object, what: str, default: int | None = None) -> int | None:
        if node is None:
            return default
        value = self.literal(node, what)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise Unsupported(f"{what} is not an integer")
        return value

    def count(self, node: object, what: str, default: int | None = None) -> int:
        """A number the estimator needs (n_classes, a bucket count): None is not one."""
        value = self.integer(node, what, default)
        if value is None:
            raise Unsupported(f"{what} is None: the estimator needs a number")
        return value

    def sequence(self, node: object, what: str) -> list[object]:
        value = self.literal(node, what)
        if not isinstance(value, list):
            raise Unsupported(f"{what} is not a list")
        return value
