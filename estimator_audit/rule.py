"""The rule framework: what every file in `rules/` declares, and how its docs are rendered.

A rule module's docstring is its documentation (ruff's sections: What it does, Why is this
bad?, How it was verified, Example, Use instead, Fix safety). Its `valid` and `invalid`
examples are the tests: one generic test runs them all, and the docs print them too.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from estimator_audit.findings import Fix, FixSafety, Severity

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext


@dataclass(frozen=True)
class Invalid:
    """An example that must produce exactly these findings of its rule: (line, column) each."""

    code: str
    at: tuple[tuple[int, int], ...]
    message: str | None = None  # a part every reported message must contain
    filename: str = "example.py"
    # the program after this rule's fixes (--fix, or --unsafe-fixes); the code itself: no fix offered
    fixed: str | None = None
    target: str | None = None  # the `target` setting the example is audited at (default: current)


@dataclass(frozen=True)
class Valid:
    """An example on which the rule must stay silent (look-alikes, correct programs)."""

    code: str
    filename: str = "example.py"
    target: str | None = None


class Rule:
    """Base class of a rule: class attributes describe it, `visit_<ast node>` methods check.

    One instance is made per file. The checker walks the tree once and calls every enabled
    rule's `visit_X` for each node of type X, then `finish()`.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    # Words of which a file must contain at least one for this rule to fire. The prefilter
    # relies on this being a necessary condition; the equivalence test holds it to that.
    triggers: ClassVar[tuple[str, ...]] = ()
    fix_safety: ClassVar[FixSafety | None] = None
    valid: ClassVar[tuple[Valid, ...]] = ()
    invalid: ClassVar[tuple[Invalid, ...]] = ()
    # Rules the engine itself reports (EA000, EA001) have no visit methods.
    engine_reported: ClassVar[bool] = False
    # More specific rules: where one of them reports at the same place, this rule stays silent.
    defers_to: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: ModuleContext) -> None:
        self.context = context

    def report(self, node: ast.AST, message: str, fix: Fix | None = None) -> None:
        self.context.add(self, node, message, fix)

    def finish(self) -> None:
        """Called once the whole file has been walked, for rules that judge a module."""

    @classmethod
    def handlers(cls) -> dict[type[ast.AST], str]:
        """Node types this rule visits, from its `visit_<NodeType>` method names."""
        cached: dict[type[ast.AST], str] | None = cls.__dict__.get("_handlers")
        if cached is None:
            cached = {
                getattr(ast, name[len("visit_") :]): name
                for name in dir(cls)
                if name.startswith("visit_") and hasattr(ast, name[len("visit_") :])
            }
            cls._handlers = cached  # type: ignore[attr-defined]
        return cached

    @classmethod
    def docs(cls) -> str:
        """The rule module's docstring: the documentation users read with `rule CODE`."""
        module = sys.modules[cls.__module__]
        return inspect.cleandoc(module.__doc__ or "")

    @classmethod
    def title(cls) -> str:
        return f"{cls.code} {cls.name}"


class CallRule(Rule):
    """A rule that flags calls of certain qualified names (any import spelling of them).

    Subclasses set `names` (canonical qualified names) or override `matches`, and say what is
    wrong in `message`.
    """

    names: ClassVar[frozenset[str]] = frozenset()

    def matches(self, name: str, node: ast.Call) -> bool:
        return name in self.names

    def message(self, name: str, node: ast.Call) -> str:
        raise NotImplementedError

    def fix(self, name: str, node: ast.Call) -> Fix | None:
        """The fix for this call, for rules that have one."""
        return None

    def visit_Call(self, node: ast.Call) -> None:
        name = self.context.call_name(node)
        if name is not None and self.matches(name, node):
            self.report(node, self.message(name, node), self.fix(name, node))


def example_text(code: str) -> str:
    """Examples are written indented inside the rule file; this is the program they mean."""
    return textwrap.dedent(code).lstrip("\n")


def render_docs(rule: type[Rule]) -> str:
    """What `estimator-audit rule CODE` prints: a header, then the rule module's docs."""
    fix = f"{rule.fix_safety.value} fix available" if rule.fix_safety else "no automatic fix"
    lines = [
        f"# {rule.title()}",
        "",
        f"Severity: {rule.severity.value}. {fix.capitalize()}.",
        "",
        rule.summary,
        "",
        rule.docs(),
    ]
    return "\n".join(lines).rstrip() + "\n"


RuleVisitor = Callable[[ast.AST], None]
