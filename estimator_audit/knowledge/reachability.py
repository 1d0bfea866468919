"""Code that never runs as the file is written: the statements after an abort in their block (a
raise, `assert False`, an exit call) and the branch of an `if` whose test is a constant (`if
False:` parking old code). Rules and the facts other modules are read for skip it: what never
runs neither breaks nor draws."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from estimator_audit.source import Source

# Whether a file may hold such code: the quick test before any walk.
DEAD_SPELLED = re.compile(r"\b(?:exit|quit|_exit)\(|\braise\b|\bassert\b|\bif\s+(?:False|True|0)\s*:")
BLOCKS = ("body", "orelse", "finalbody")


def aborts(statement: ast.stmt) -> bool:
    """Whether nothing after the statement in its block runs: a raise, `assert False`, or an exit
    call (`sys.exit()`, `exit()`, `quit()`, `os._exit()`)."""
    if isinstance(statement, ast.Raise):
        return True
    if isinstance(statement, ast.Assert):
        return isinstance(statement.test, ast.Constant) and not statement.test.value
    call = statement.value if isinstance(statement, ast.Expr) else None
    function = call.func if isinstance(call, ast.Call) else None
    if isinstance(function, ast.Name):
        return function.id in ("exit", "quit")
    return (isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name)
            and (function.value.id, function.attr) in (("sys", "exit"), ("os", "_exit")))


def dead_branch(node: ast.AST) -> str | None:
    """The field of an `if` with a constant test that never runs: `body` of `if False:`,
    `orelse` of `if True:`."""
    if isinstance(node, ast.If) and isinstance(node.test, ast.Constant):
        return "orelse" if node.test.value else "body"
    return None


def reachable(block: list[ast.stmt], source: Source) -> list[ast.stmt]:
    """The statements of a block that can run: all up to the first abort (in a notebook, the
    statements of later cells too, which run when run)."""
    for index, statement in enumerate(block[:-1]):
        if aborts(statement):
            cell = source.cell_position(statement.lineno)[0]
            if cell is None:
                return block[:index + 1]
            later = block[index + 1:]
            return block[:index + 1] + [s for s in later if source.cell_position(s.lineno)[0] != cell]
    return block


def live_block(node: ast.AST, field: str, block: list[ast.stmt], source: Source) -> list[ast.stmt]:
    """What of a statement list of `node` can run."""
    return [] if dead_branch(node) == field else reachable(block, source)


def dead_ranges(tree: ast.Module, source: Source) -> list[tuple[int, int]]:
    """The line ranges of the statements that never run."""
    found = []
    for node in ast.walk(tree):
        for field in BLOCKS:
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                live = {id(statement) for statement in live_block(node, field, block, source)}
                found += [(s.lineno, s.end_lineno or s.lineno) for s in block if id(s) not in live]
    return found


def live_walk(tree: ast.Module, source: Source) -> Iterator[ast.AST]:
    """Every node of the tree that can run (ast.walk's nodes, less the dead statements)."""
    if DEAD_SPELLED.search(source.text) is None:
        yield from ast.walk(tree)
        return
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                if field in BLOCKS and value and isinstance(value[0], ast.stmt):
                    value = live_block(node, field, value, source)
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
