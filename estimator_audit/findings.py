"""The data every stage passes forward: findings, their severity and their fixes."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.StrEnum):
    """How sure and how bad: error crashes or is certainly non-reproducible."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class FixSafety(enum.StrEnum):
    """ruff's convention: safe fixes keep behaviour, unsafe ones change it on purpose."""

    SAFE = "safe"
    UNSAFE = "unsafe"


# line, column, end line, end column: 1-based, in characters, the end exclusive (as in SARIF).
Span = tuple[int, int, int, int]


class EditAction(enum.StrEnum):
    """The edits fixes are made of; the fix stage knows how to make each with libcst."""

    SET_KEYWORD = "set-keyword"  # add `name=text` to the call at span, or replace its value
    REMOVE_KEYWORD = "remove-keyword"  # drop the `name=` argument of the call at span
    CALL = "call"  # turn the expression at span into a call of it: `f` -> `f()`
    REPLACE = "replace"  # replace the expression at span by `text`
    INSERT_AFTER_IMPORTS = "insert-after-imports"  # a statement `text` after the imports
    # module-level statements `text` (a def) before the top-level statement that holds span
    INSERT_BEFORE_STATEMENT = "insert-before-statement"
    REMOVE_STATEMENT = "remove-statement"  # delete the statement (alone on its line) at span
    ADD_ARGUMENT = "add-argument"  # pass `text` as the first (positional) argument of the call at span
    # pass the argument `text` (a keyword, or a 0-based position) of the call at span as `name=`
    NAME_ARGUMENT = "name-argument"
    # pack the positional arguments `text` ("1:3", 0-based, end excluded) of the call at span
    # into one tuple argument: Keras 1's `Conv2D(32, 3, 3)` -> `Conv2D(32, (3, 3))`
    PACK_ARGUMENTS = "pack-arguments"
    REPLACE_STATEMENT = "replace-statement"  # the statement (alone on its line) at span -> statements `text`
    # statements `text` after the statement (alone on its line) at span, in the same block
    INSERT_AFTER_STATEMENT = "insert-after-statement"
    # statements `text` first in the body of the `with` whose first item (or the `if` whose test)
    # is the expression at span
    INSERT_AT_BLOCK_START = "insert-at-block-start"
    # the file `name` (from estimator_audit/migrate/support) written beside the fixed file
    SUPPORT_FILE = "support-file"


class FixFailure(Exception):
    """A fix could not be applied safely; the file is left as it was."""


@dataclass(frozen=True)
class Edit:
    action: EditAction
    span: Span | None = None
    name: str = ""
    text: str = ""


@dataclass(frozen=True)
class Fix:
    """What a fix does, as edits the fix stage applies to a libcst tree of the file."""

    safety: FixSafety
    description: str
    edits: tuple[Edit, ...]
    # Import statements the edits need (`import keras`), added unless the file has them.
    imports: tuple[str, ...] = ()
    # The safe fix applied instead when unsafe fixes are off (a script's Keras rewrite is unsafe;
    # respelling its tf.Session is not).
    fallback: Fix | None = None
    # Applied in a fix round without the non-exclusive fixes: it restructures the file, and the
    # next round's audit says what the other findings still need.
    exclusive: bool = False

    def allowed(self, unsafe: bool) -> Fix | None:
        """The fix a run applies: this one, or its safe fallback when unsafe fixes are off."""
        return self if unsafe or self.safety is FixSafety.SAFE else self.fallback


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One problem at one place. Lines and columns are 1-based; columns count characters."""

    path: str
    code: str
    name: str
    severity: Severity
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    fix: Fix | None = None
    # Notebooks: 1-based cell number; line and end_line then count within that cell.
    cell: int | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, int, str]:
        """Deterministic report order: by file, then position, then code."""
        return (self.path, self.cell or 0, self.line, self.column, self.code)

    @property
    def location(self) -> str:
        """`path:line:col` (`path:cell N:line:col` in notebooks), as editors and ruff print it."""
        cell = f"cell {self.cell}:" if self.cell is not None else ""
        return f"{self.path}:{cell}{self.line}:{self.column}"
