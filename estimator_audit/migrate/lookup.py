"""What a name means in the program: the def or assigned value it refers to, in this module or
in another module of the project (through the project index)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.migrate.scopes import Binding, Scopes

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

MAX_HOPS = 8  # names followed through assignments and imports before giving up


def scopes(context: ModuleContext) -> Scopes:
    """The module's scope tables, built once per module."""
    found = context.memo.get("scopes")
    if found is None:
        found = context.memo["scopes"] = Scopes(context.tree)
    assert isinstance(found, Scopes)
    return found


@dataclass(frozen=True)
class Definition:
    """Something a name refers to: a def (FunctionDef, Lambda) or an assigned expression,
    with the module it is in."""

    context: ModuleContext
    node: ast.AST


def text(context: ModuleContext, node: ast.AST) -> str:
    return context.source.segment(context.span(node))


def module_definition(context: ModuleContext, name: str) -> Definition | None:
    """What a module-level name of this module holds once the module has run (its last
    binding): a def, an assigned value, or what an import brings in."""
    found = scopes(context).bindings_in(context.tree, name)
    return binding_definition(context, found[-1], 0) if found else None


def binding_definition(context: ModuleContext, binding: Binding, hops: int) -> Definition | None:
    node = binding.node
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return Definition(context, node)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return imported(context, node, binding.name, hops)
    value = scopes(context).value(binding)
    return Definition(context, value) if value is not None else None


def imported(context: ModuleContext, node: ast.Import | ast.ImportFrom, name: str, hops: int
             ) -> Definition | None:
    """A name an import binds, when it comes from a module of the project."""
    if isinstance(node, ast.Import) or hops > MAX_HOPS:
        return None  # a module object, not a definition
    for alias in node.names:
        if (alias.asname or alias.name) != name:
            continue
        module = context.project.resolve(context.source.path, node.module or "", node.level)
        other = context.project.context(module) if module else None
        if other is None:
            return None
        found = scopes(other).bindings_in(other.tree, alias.name)
        return binding_definition(other, found[-1], hops + 1) if found else None
    return None


def definition(context: ModuleContext, node: ast.expr, hops: int = 0) -> Definition | None:
    """What a name (`input_fn`, also one a star import binds) or a module attribute
    (`iris_data.train_input_fn`) refers to."""
    if hops > MAX_HOPS:
        return None
    if isinstance(node, ast.Name):
        binding = scopes(context).reaching(node)
        if binding is not None:
            return binding_definition(context, binding, hops)
    if isinstance(node, (ast.Name, ast.Attribute)):
        qualified = context.qualified_name(node)
        located = context.project.locate(context.source.path, qualified) if qualified else None
        if located is None:
            return None
        path, attributes = located
        other = context.project.context(path)
        if other is None or len(attributes) != 1:
            return None
        return module_definition(other, attributes[0])
    return None


def called(context: ModuleContext, call: ast.Call) -> Definition | None:
    """What a call calls, when it is a name or module attribute the program defines."""
    return definition(context, call.func) if isinstance(call.func, (ast.Name, ast.Attribute)) else None


def in_unparsed_module(context: ModuleContext, node: ast.expr) -> bool:
    """Whether a name (`skipthoughts.load_model`) lives in a module of the program that Python 3
    cannot parse (a Python 2 file: EA000), so nothing can be known of what it does."""
    qualified = context.qualified_name(node)
    located = context.project.locate(context.source.path, qualified) if qualified else None
    return located is not None and context.project.context(located[0]) is None


MAX_BASES = 4  # base classes followed up a hierarchy, across modules


def method_definition(context: ModuleContext, cls: ast.ClassDef, name: str, hops: int = 0
                      ) -> Definition | None:
    """The method `self.name(...)` calls in a class: its own, or the first a base class of the
    program defines (stable-baselines' `self.set_random_seed(seed)`, inherited from its
    `BaseRLModel` in another module)."""
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return Definition(context, node)
    if hops >= MAX_BASES:
        return None
    for base in cls.bases:
        found = definition(context, base) if isinstance(base, (ast.Name, ast.Attribute)) else None
        if found is not None and isinstance(found.node, ast.ClassDef):
            inherited = method_definition(found.context, found.node, name, hops + 1)
            if inherited is not None:
                return inherited
    return None


def inherited_names(context: ModuleContext, cls: ast.ClassDef, hops: int = 0) -> Iterator[str]:
    """The qualified names of a class's bases, and of theirs up the program's hierarchy across
    modules (keras-adversarial's `AdversarialModel(Model)` -> `keras.models.Model`)."""
    for base in cls.bases:
        qualified = context.qualified_name(base)
        if qualified is not None:
            yield qualified
        found = definition(context, base) if isinstance(base, (ast.Name, ast.Attribute)) else None
        if found is not None and isinstance(found.node, ast.ClassDef) and hops < MAX_BASES:
            yield from inherited_names(found.context, found.node, hops + 1)


def located_definition(context: ModuleContext, qualified: str) -> Definition | None:
    """The program's definition of a qualified name (`keras_adversarial.AdversarialModel`)."""
    located = context.project.locate(context.source.path, qualified)
    if located is None or len(located[1]) != 1:
        return None
    other = context.project.context(located[0])
    return module_definition(other, located[1][0]) if other is not None else None


def self_method(context: ModuleContext, call: ast.Call, ancestors: Sequence[ast.AST]) -> Definition | None:
    """What `self.name(...)` calls, written in a method of a class (its `ancestors`)."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"):
        return None
    cls = next((a for a in reversed(ancestors) if isinstance(a, ast.ClassDef)), None)
    return method_definition(context, cls, func.attr) if cls is not None else None
