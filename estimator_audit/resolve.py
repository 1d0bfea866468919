"""Resolve stage: the file's own import table, so rules ask what a name *is*, not how it is spelled.

`tf.estimator.DNNClassifier`, `est.DNNClassifier` after `from tensorflow import estimator as
est`, and `DNNClassifier` after `from tensorflow.estimator import DNNClassifier` all resolve to
`tensorflow.estimator.DNNClassifier`; a user's own class of that name resolves to nothing.

A binding records what a local name holds at a point of the program:
- an alias of a qualified name (`import tensorflow.compat.v1 as tf`, `tf1 = tf.compat.v1`);
- an instance, spelled with a trailing `()`: after `sess = tf.Session()`, `sess.run` resolves
  to `tensorflow.Session().run`;
- or something else (a parameter, a loop variable, a def), which resolves to None.
Uses at module or class level see the bindings made before them; uses inside a function run
later, so they see the module's final bindings.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

# Spellings of one API that the rules treat as one name.
CANONICAL_PREFIXES = (
    # tf.compat.v1.compat.v1 is tf.compat.v1 again (and so on): common after
    # `import tensorflow.compat.v1 as tf`, which leaves `tf.compat.v1.Session()` in place.
    ("tensorflow.compat.v1.compat.v1.", "tensorflow.compat.v1."),
    ("tensorflow.compat.v1.compat.v2.", "tensorflow."),
    ("tensorflow.compat.v2.compat.v1.", "tensorflow.compat.v1."),
    ("tensorflow.compat.v2.compat.v2.", "tensorflow."),
    ("tensorflow.compat.v2.", "tensorflow."),
    ("tensorflow._api.v2.compat.v1.", "tensorflow.compat.v1."),
    ("tensorflow._api.v2.", "tensorflow."),
    # `import tensorflow_estimator` exposes the V1 API (its package loads _api.v1): checked
    # on tensorflow-estimator 2.15, where tensorflow_estimator.estimator.DNNClassifier is V1.
    ("tensorflow_estimator.estimator.", "tensorflow.compat.v1.estimator."),
    ("tensorflow_estimator.python.estimator.api._v1.estimator.", "tensorflow.compat.v1.estimator."),
    ("tensorflow_estimator.python.estimator.api._v2.estimator.", "tensorflow.estimator."),
)

Position = tuple[int, int]
# Nodes whose body is a scope of its own (the checker opens and closes them as it walks).
SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


# The Keras 2 package; compat modules re-export it under its own name (`from
# tensorflow_transform.keras_lib import tf_keras`, bound to `tf_keras` or a Keras 2 tf.keras).
KERAS_2_PACKAGE = "tf_keras"


def canonical(name: str) -> str:
    """Fold the spellings listed in CANONICAL_PREFIXES into one."""
    if not name.startswith("tensorflow"):
        return name  # every prefix starts so, and most names asked about do not
    for prefix, replacement in CANONICAL_PREFIXES:
        if (name + ".").startswith(prefix):
            return (replacement + name[len(prefix) :]).rstrip(".")
    return name


@dataclass(frozen=True)
class Binding:
    """What a name holds from `after` on: a qualified name (None: not a tracked API)."""

    after: Position
    qualified: str | None
    value: ast.expr | None = None  # the assigned expression, for rules that read arguments


def start(node: ast.AST) -> Position:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def end(node: ast.AST) -> Position:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


class Scope:
    """The bindings one module, class or function body makes, in source order."""

    def __init__(self, node: ast.AST, parent: Scope | None, deferred: bool) -> None:
        self.node = node
        self.parent = parent
        self.deferred = deferred  # a function body runs after the module has finished
        self.bindings: dict[str, list[Binding]] = {}
        # qualified name -> the names whose latest binding holds it: fixes ask which name spells
        # `tensorflow` once per finding, and a module binds thousands of names.
        self.holders: dict[str | None, set[str]] = {}

    def bind(self, name: str, binding: Binding) -> None:
        earlier = self.bindings.setdefault(name, [])
        if earlier:
            self.holders[earlier[-1].qualified].discard(name)
        earlier.append(binding)
        self.holders.setdefault(binding.qualified, set()).add(name)

    def holder_of(self, qualified: str) -> str | None:
        """The first name (in binding order) whose latest binding holds `qualified`."""
        names = self.holders.get(qualified)
        if not names:
            return None
        if len(names) == 1:
            return next(iter(names))
        order = {name: index for index, name in enumerate(self.bindings) if name in names}
        return min(order, key=order.__getitem__)

    def lookup(self, name: str, at: Position) -> Binding | bool | None:
        """The binding in force at `at`; False when this scope never binds the name."""
        found = self.bindings.get(name)
        if not found:
            return False
        before = [b for b in found if b.after <= at]
        return before[-1] if before else found[-1]


# The imported names a `from module import *` brings (name -> qualified name), given the module
# and the import's level: answered by the whole-program stage for the program's own modules.
StarImports = Callable[[str, int], dict[str, str]]


class NameResolver:
    """Builds scopes as the checker walks in and out of functions and classes."""

    def __init__(self, module: ast.Module, star: StarImports | None = None) -> None:
        self.scope = Scope(module, None, deferred=False)
        self.stack: list[Scope] = []
        self.imported: set[str] = set()  # qualified names of everything imported so far
        self.star = star
        self.collect(module.body, self.scope)

    # -- scopes -------------------------------------------------------------------------
    def enter(self, node: ast.AST) -> None:
        """Open the scope of a def, lambda or class body, with its parameters bound to None."""
        parent = self.scope
        while parent.parent is not None and isinstance(parent.node, ast.ClassDef):
            parent = parent.parent  # methods do not see the class body's names
        deferred = not isinstance(node, ast.ClassDef)
        scope = Scope(node, parent if deferred else self.scope, deferred)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None:
                    scope.bind(arg.arg, Binding((0, 0), None))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.collect(node.body, scope)
        self.stack.append(self.scope)
        self.scope = scope

    def leave(self) -> None:
        self.scope = self.stack.pop()

    # -- collecting bindings --------------------------------------------------------------
    def collect(self, body: list[ast.stmt], scope: Scope) -> None:
        """Record the bindings of a block and of the blocks nested in it, not of nested defs."""
        for statement in body:
            self.collect_statement(statement, scope)

    def collect_statement(self, node: ast.stmt, scope: Scope) -> None:
        after = end(node)
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.imported.add(alias.name)
                if alias.asname:
                    scope.bind(alias.asname, Binding(after, canonical(alias.name)))
                else:
                    top = alias.name.split(".")[0]
                    scope.bind(top, Binding(after, top))
        elif isinstance(node, ast.ImportFrom):
            module = node.module if not node.level else None
            if module:
                self.imported.add(module)
            # A relative import keeps its dots (`.model.build`): no API name starts with one,
            # and the project index resolves it from the importing file.
            relative = "." * node.level + (f"{node.module}." if node.module else "") if node.level else None
            for alias in node.names:
                if alias.name == "*":
                    starred = self.star(node.module or "", node.level) if self.star else {}
                    self.imported.update(starred.values())
                    for name, exported in starred.items():
                        scope.bind(name, Binding(after, exported))
                    continue
                qualified = canonical(f"{module}.{alias.name}") if module else (
                    f"{relative}{alias.name}" if relative else None)
                if alias.name == KERAS_2_PACKAGE:
                    qualified = KERAS_2_PACKAGE  # re-exported by a compat module (keras_lib)
                    self.imported.add(KERAS_2_PACKAGE)
                scope.bind(alias.asname or alias.name, Binding(after, qualified))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            for target in targets:
                if isinstance(target, ast.Name) and value is not None:
                    scope.bind(target.id, Binding(after, self.value_name(value, scope, start(node)), value))
                else:
                    self.bind_targets(target, scope, after)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope.bind(node.name, Binding(start(node), None))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.bind_targets(node.target, scope, start(node))
            self.collect(node.body, scope)
            self.collect(node.orelse, scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    qualified = self.value_name(item.context_expr, scope, start(node))
                    binding = Binding(start(node.body[0]), qualified, item.context_expr)
                    scope.bind(item.optional_vars.id, binding)
                elif item.optional_vars is not None:
                    self.bind_targets(item.optional_vars, scope, start(node))
            self.collect(node.body, scope)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.collect_try(node, scope)
        elif isinstance(node, (ast.If, ast.While)):
            self.collect(node.body, scope)
            self.collect(node.orelse, scope)

    def collect_try(self, node: ast.stmt, scope: Scope) -> None:
        """`try: import tensorflow.compat.v1 as tf / except ImportError: import tensorflow as tf`:
        the try body is what runs on a working install, so its bindings win."""
        body_scope = Scope(node, scope, scope.deferred)  # (its values read the enclosing names)
        self.collect(node.body, body_scope)  # type: ignore[attr-defined]
        for name, bindings in body_scope.bindings.items():
            for binding in bindings:
                scope.bind(name, binding)
        handler_scope = Scope(node, scope, scope.deferred)
        for handler in node.handlers:  # type: ignore[attr-defined]
            if handler.name:
                handler_scope.bind(handler.name, Binding(start(handler), None))
            self.collect(handler.body, handler_scope)
        for name, bindings in handler_scope.bindings.items():
            if name not in body_scope.bindings:
                for binding in bindings:
                    scope.bind(name, binding)
        self.collect(node.orelse, scope)  # type: ignore[attr-defined]
        self.collect(node.finalbody, scope)  # type: ignore[attr-defined]

    def bind_targets(self, target: ast.expr, scope: Scope, after: Position) -> None:
        """Names a target binds; `x.attr = ...` and `x[i] = ...` bind nothing."""
        if isinstance(target, ast.Name):
            scope.bind(target.id, Binding(after, None))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.bind_targets(element, scope, after)
        elif isinstance(target, ast.Starred):
            self.bind_targets(target.value, scope, after)

    def value_name(self, value: ast.expr, scope: Scope, at: Position) -> str | None:
        """An alias (`tf.compat.v1`) or an instance (`tf.Session()`) an assignment binds."""
        saved, self.scope = self.scope, scope
        try:
            return self.qualified_name(value, at)
        finally:
            self.scope = saved

    # -- lookups ----------------------------------------------------------------------------
    def binding(self, name: str, at: Position) -> Binding | None:
        scope: Scope | None = self.scope
        deferred = False
        while scope is not None:
            found = scope.lookup(name, (10**9, 0) if deferred else at)
            if found is not False:
                return found if isinstance(found, Binding) else None
            deferred = deferred or scope.deferred
            scope = scope.parent
        return None

    def qualified_name(self, node: ast.expr, at: Position | None = None) -> str | None:
        """`tensorflow.estimator.DNNClassifier` for any spelling of it, or None."""
        parts: list[str] = []
        while True:
            if isinstance(node, ast.Attribute):
                parts.append(node.attr)
                node = node.value
            elif isinstance(node, ast.Call):
                parts.append("()")
                node = node.func
            else:
                break
        if not isinstance(node, ast.Name):
            return None
        found = self.binding(node.id, at or start(node))
        if found is None or found.qualified is None:
            return None
        name = found.qualified
        for part in reversed(parts):
            name = name + part if part == "()" else f"{name}.{part}"
        return canonical(name)

    def assigned_value(self, name: ast.expr, at: Position | None = None) -> ast.expr | None:
        """The expression a plain name was last assigned from, if the file shows it."""
        if not isinstance(name, ast.Name):
            return None
        found = self.binding(name.id, at or start(name))
        return found.value if found is not None else None
