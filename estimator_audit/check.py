"""Check stage: every enabled rule in one walk of the tree, then suppression comments.

Rules never walk the tree themselves and never re-derive shared answers: they ask the
ModuleContext (qualified names, assigned values, ancestors).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from estimator_audit.config import Settings
from estimator_audit.findings import Finding, Fix, Span
from estimator_audit.knowledge.facts import ModuleFacts
from estimator_audit.knowledge.reachability import BLOCKS, DEAD_SPELLED, dead_ranges, live_block
from estimator_audit.resolve import SCOPE_NODES, Binding, NameResolver, Position, Scope, canonical
from estimator_audit.rule import Rule
from estimator_audit.source import Source

if TYPE_CHECKING:
    from estimator_audit.project import Project

NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.I)


class ModuleContext:
    """The shared questions rules ask about one file, and the findings they report."""

    def __init__(self, source: Source, tree: ast.Module, settings: Settings,
                 project: Project | None = None) -> None:
        self.source = source
        self.tree = tree
        self.settings = settings
        self._project = project
        # Knowledge derived from the whole file on demand (the rewrite's scope tables), by name.
        self.memo: dict[str, Any] = {}
        self.names = NameResolver(tree, self.star_imports)
        self.ancestors: list[ast.AST] = []  # of the node being visited, innermost last
        self.findings: list[Finding] = []
        self.facts = ModuleFacts(self)
        # keyed by the node and scope objects themselves, not their ids: a function's scope is
        # dropped once the walk leaves it, and a later scope given its id read its answers
        # (a finding that came and went from run to run)
        self._names: dict[tuple[ast.AST, object], str | None] = {}

    def place(self, line: int) -> str:
        """`line 12`, or `cell 3, line 2` in a notebook (whose tree numbers the lines of all its
        cells joined, while its findings are reported by cell)."""
        cell, within = self.source.cell_position(line)
        return f"line {within}" if cell is None else f"cell {cell}, line {within}"

    def star_imports(self, module: str, level: int) -> dict[str, str]:
        """What `from module import *` binds: the public names of a TensorFlow or Keras module
        (from the API tables), or the imported names of one of the program's modules."""
        if not level and module.split(".")[0] in ("tensorflow", "keras"):
            from estimator_audit.knowledge.tfsymbols import api_members  # tfsymbols imports this module

            spelled = canonical(module)
            return {name: f"{spelled}.{name}" for name in api_members(spelled)}
        return self.project.star_exports(self.source.path, module, level)

    @property
    def project(self) -> Project:
        """The program this module belongs to (its other modules are read when asked for)."""
        if self._project is None:
            from estimator_audit.project import Project

            self._project = Project(self.settings)
            self._project.current = self
        return self._project

    def qualified_name(self, node: ast.expr) -> str | None:
        """The qualified name an expression spells (resolved once per node, shared by rules).

        The answer depends on the scope the walk is in (a rule may ask about a node inside a
        function while visiting the def), so it is remembered per node and scope."""
        key = (node, self.names.scope)
        if key not in self._names:
            self._names[key] = self.names.qualified_name(node)
        return self._names[key]

    def call_name(self, node: ast.Call) -> str | None:
        """The qualified name of what a call calls."""
        return self.qualified_name(node.func)

    def span(self, node: ast.AST) -> Span:
        """Where a node stands, as the fix stage finds it again in a libcst tree."""
        line, end_line = node.lineno, node.end_lineno or node.lineno  # type: ignore[attr-defined]
        return (line, self.source.column(line, node.col_offset),  # type: ignore[attr-defined]
                end_line, self.source.column(end_line, node.end_col_offset or 0))  # type: ignore[attr-defined]

    @property
    def module_scope(self) -> Scope:
        """The module's own scope (whatever scope the walk is in)."""
        return self.names.stack[0] if self.names.stack else self.names.scope

    @property
    def module_bindings(self) -> dict[str, list[Binding]]:
        """The names the module itself binds (whatever scope the walk is in)."""
        return self.module_scope.bindings

    def alias_for(self, qualified: str) -> str | None:
        """A module-level name the file binds to exactly this qualified name (`tf` for tensorflow)."""
        return self.module_scope.holder_of(qualified)

    def imports_tensorflow(self) -> bool:
        """Whether the file imports TensorFlow or Keras (standalone or tf_keras)."""
        return self.imports_any(("tensorflow", "keras", "tf_keras"))

    def imports_any(self, packages: tuple[str, ...]) -> bool:
        """Whether the file imports any of these top-level packages (anywhere seen so far)."""
        return any(name.split(".", 1)[0] in packages for name in self.names.imported)

    def assigned_value(self, node: ast.expr) -> ast.expr | None:
        return self.names.assigned_value(node)

    def add(self, rule: Rule, node: ast.AST, message: str, fix: Fix | None) -> None:
        line = getattr(node, "lineno", 0)
        if not any(start <= line <= end for start, end in self.unreachable):
            self.findings.append(make_finding(self.source, node, rule, message, fix))

    @property
    def unreachable(self) -> list[tuple[int, int]]:
        """Line ranges that never run (knowledge/reachability.py): the statements after an exit,
        a `raise` or an `assert False` in the same block, where a tutorial parks code it no
        longer runs (a notebook cell opening with `assert False, "run in a TF1 environment"`), and
        the body of `if False:`. A notebook's cells each run when run: an abort ends its own cell."""
        if "unreachable" not in self.memo:
            self.memo["unreachable"] = dead_ranges(self.tree, self.source) if DEAD_SPELLED.search(
                self.source.text) else []
        found: list[tuple[int, int]] = self.memo["unreachable"]
        return found


def make_finding(source: Source, node: ast.AST | Position, rule: type[Rule] | Rule, message: str,
                 fix: Fix | None = None, end: Position | None = None) -> Finding:
    """A Finding at a node (or a line and 1-based column), with character columns and cells."""
    if isinstance(node, tuple):
        line, column = node
        end_line, end_column = end or (line, column)
    else:
        line = node.lineno  # type: ignore[attr-defined]
        column = source.column(line, node.col_offset)  # type: ignore[attr-defined]
        end_line = node.end_lineno or line  # type: ignore[attr-defined]
        end_column = source.column(end_line, node.end_col_offset or 0)  # type: ignore[attr-defined]
    cell, line_in_cell = source.cell_position(line)
    _, end_in_cell = source.cell_position(end_line)
    return Finding(
        path=source.path,
        code=rule.code,
        name=rule.name,
        severity=rule.severity,
        message=message,
        line=line_in_cell,
        column=column,
        end_line=max(end_in_cell, line_in_cell),
        end_column=end_column,
        fix=fix,
        cell=cell,
    )


# Fields that only ever hold leaf nodes no rule visits (Load/Store, operators).
LEAF_FIELDS = frozenset({"ctx", "op", "ops", "type_ignores"})
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
# Nodes that never have children: skipped by the walk unless a rule visits them.
CHILDLESS = (ast.Name, ast.Constant)


def child_fields(node_type: type[ast.AST]) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(node_type)
    if fields is None:
        fields = tuple(f for f in node_type._fields if f not in LEAF_FIELDS)
        _CHILD_FIELDS[node_type] = fields
    return fields


def walk(tree: ast.Module, context: ModuleContext, rules: list[Rule]) -> None:
    """One pre-order walk in source order, calling each rule's visit_X on nodes of type X.

    The walk keeps `context.ancestors` and the name resolver's scopes in step by depth,
    which costs far less than ast.iter_child_nodes and a leave event per node. Names and
    constants (a third of a tree's nodes, with no children) are not visited unless a rule asks.
    """
    dispatch: dict[type[ast.AST], list[Callable[[ast.AST], None]]] = {
        ast.Call: [context.facts.visit_Call]  # type: ignore[list-item]
    }
    for rule in rules:
        for node_type, method in type(rule).handlers().items():
            dispatch.setdefault(node_type, []).append(getattr(rule, method))
    unvisited = tuple(leaf for leaf in CHILDLESS if leaf not in dispatch)
    dead = DEAD_SPELLED.search(context.source.text) is not None
    names = context.names
    ancestors = context.ancestors
    scope_depths: list[int] = []
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        del ancestors[depth:]
        while scope_depths and scope_depths[-1] >= depth:
            scope_depths.pop()
            names.leave()
        node_type = type(node)
        handlers = dispatch.get(node_type)
        if handlers:
            for handler in handlers:
                handler(node)
        children: list[tuple[ast.AST, int]] = []
        below = depth + 1
        for field in _CHILD_FIELDS.get(node_type) or child_fields(node_type):
            value = getattr(node, field, None)
            if dead and field in BLOCKS and isinstance(value, list):
                value = live_block(node, field, value, context.source)  # (code that never runs)
            if isinstance(value, list):
                children.extend((item, below) for item in value
                                if isinstance(item, ast.AST) and not isinstance(item, unvisited))
            elif isinstance(value, ast.AST) and not isinstance(value, unvisited):
                children.append((value, below))
        if children:
            if isinstance(node, SCOPE_NODES):
                names.enter(node)
                scope_depths.append(depth)
            ancestors.append(node)
            children.reverse()
            stack.extend(children)


def suppressed(line: str, code: str) -> bool:
    """`# noqa` or `# noqa: EA203, EA101` on the line where the finding starts."""
    match = NOQA.search(line)
    if match is None:
        return False
    codes = match.group("codes")
    return codes is None or code in re.split(r"[\s,]+", codes.upper())


def run_rules(source: Source, tree: ast.Module, settings: Settings,
              rules: Iterable[type[Rule]], report: frozenset[str], project: Project | None = None
              ) -> list[Finding]:
    """The findings of the `report` codes on one parsed file.

    `rules` may include rules that are not reported but that a reported rule defers to: a
    finding a more specific rule makes at the same place silences the general one whether or
    not the specific one is selected or suppressed with noqa.
    """
    rules = list(rules)
    context = ModuleContext(source, tree, settings, project)
    if project is not None:
        project.current = context
    instances = [rule(context) for rule in rules]
    walk(tree, context, instances)
    for instance in instances:
        instance.finish()
    findings = without_deferred(context.findings, {rule.code: rule.defers_to for rule in rules})
    return [
        f
        for f in findings
        if f.code in report and not suppressed(source.line_text(line_of(source, f)), f.code)
    ]


def line_of(source: Source, finding: Finding) -> int:
    """The finding's line in the Source's own numbering (notebook cells joined)."""
    if finding.cell is None or source.cells is None:
        return finding.line
    cell = next(c for c in source.cells if c.number == finding.cell)
    return cell.first_line + finding.line - 1


def without_deferred(findings: list[Finding], defers_to: dict[str, tuple[str, ...]]) -> list[Finding]:
    """Drop a finding where a more specific rule it defers to reports at the same place."""
    places = {(f.code, f.cell, f.line, f.column) for f in findings}
    return [
        f
        for f in findings
        if not any((code, f.cell, f.line, f.column) in places for code in defers_to.get(f.code, ()))
    ]
