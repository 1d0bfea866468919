"""Unified diffs of a file and its fixed version, fast on long files with many fixes.

difflib's SequenceMatcher is what `--diff` always used, and its output is kept as it is for
ordinary files. On a long file with thousands of changed lines it is quadratic (a 50,000-line
module with 20,000 renames took 30 s to diff, longer than fixing it). Fixes change lines in
place or insert a few: the two versions are aligned line by line, resynchronising after each
change at the nearest place where a few lines agree again; only where that fails within a
window does difflib align the rest.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from typing import Literal

DIFFLIB_LINES = 2_000  # below this many lines, difflib aligns (today's output, exactly)
WINDOW = 200  # how far past a change to look for the lines that agree again
AGREEING = 3  # lines that must agree to resynchronise after a change, unless one is distinctive

Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


def unified_diff(old: Sequence[str], new: Sequence[str], old_name: str, new_name: str) -> Iterator[str]:
    """difflib.unified_diff's lines (3 lines of context, no dates)."""
    if min(len(old), len(new)) < DIFFLIB_LINES:
        yield from difflib.unified_diff(old, new, old_name, new_name)
        return
    matcher = Aligned(old, new)
    started = False
    for group in matcher.get_grouped_opcodes(3):
        if not started:
            started = True
            yield f"--- {old_name}\n"
            yield f"+++ {new_name}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{line_range(first[1], last[2])} +{line_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in old[i1:i2])
                continue
            if tag in ("replace", "delete"):
                yield from ("-" + line for line in old[i1:i2])
            if tag in ("replace", "insert"):
                yield from ("+" + line for line in new[j1:j2])


def line_range(start: int, stop: int) -> str:
    """A unified-diff range, as difflib writes it."""
    beginning, length = start + 1, stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1  # an empty range begins at the preceding line
    return f"{beginning},{length}"


class Aligned(difflib.SequenceMatcher[str]):
    """A SequenceMatcher whose opcodes come from the local alignment (its grouping into hunks
    is difflib's own)."""

    def __init__(self, old: Sequence[str], new: Sequence[str]) -> None:
        super().__init__(None, old, new, autojunk=False)
        self.old, self.new = old, new
        self.aligned: list[Opcode] | None = None

    def get_opcodes(self) -> list[Opcode]:
        if self.aligned is None:
            self.aligned = list(aligned_opcodes(self.old, self.new))
        return self.aligned


def aligned_opcodes(old: Sequence[str], new: Sequence[str]) -> Iterator[Opcode]:
    i = j = 0
    while i < len(old) and j < len(new):
        start_i, start_j = i, j
        while i < len(old) and j < len(new) and old[i] == new[j]:
            i, j = i + 1, j + 1
        if i > start_i:
            yield ("equal", start_i, i, start_j, j)
        if i == len(old) or j == len(new):
            break
        found = resync(old, new, i, j)
        if found is None:  # no agreement nearby: difflib aligns the rest
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old[i:], new[j:]).get_opcodes():
                yield (tag, i + i1, i + i2, j + j1, j + j2)
            return
        next_i, next_j = found
        yield (change(next_i > i, next_j > j), i, next_i, j, next_j)
        i, j = next_i, next_j
    if i < len(old) or j < len(new):
        yield (change(i < len(old), j < len(new)), i, len(old), j, len(new))


def change(removes: bool, adds: bool) -> Literal["replace", "delete", "insert"]:
    return "replace" if removes and adds else "delete" if removes else "insert"


def resync(old: Sequence[str], new: Sequence[str], i: int, j: int) -> tuple[int, int] | None:
    """The nearest (i', j') past a change, fewest lines skipped first, where the versions
    agree for AGREEING lines (or to the end of both)."""
    for distance in range(1, 2 * WINDOW):
        for skipped_old in range(max(0, distance - WINDOW), min(distance, WINDOW) + 1):
            a, b = i + skipped_old, j + distance - skipped_old
            if agree(old, new, a, b):
                return a, b
    return None


def agree(old: Sequence[str], new: Sequence[str], a: int, b: int) -> bool:
    """Whether the versions agree from (a, b) up to a distinctive line (not blank, not a lone
    bracket), or for AGREEING lines, or to the end of both."""
    if a > len(old) or b > len(new):
        return False
    for k in range(AGREEING):
        if a + k == len(old) or b + k == len(new):
            return a + k == len(old) and b + k == len(new)
        if old[a + k] != new[b + k]:
            return False
        if len(old[a + k].strip()) > 3:
            return True
    return True
