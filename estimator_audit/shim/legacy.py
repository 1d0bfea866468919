"""The legacy program as TensorFlow 2.15 can run it.

Programs written for TensorFlow 1.x call names that 2.15 no longer has (`tf.logging`,
`tf.app.run`): as written they stop with AttributeError before training. And a legacy program
that was never seeded is not reproducible itself (an unseeded data split gives each run other
examples), so no migration could be shown equivalent to it. estimator-audit's own *safe* fixes
at target 2.15 respell those names under `tf.compat.v1` and pin what was unseeded, without
changing what the program computes otherwise. So `compare` runs the legacy side from a scratch
copy of the program's folder with those fixes applied (the user's files are left alone) and
says which fixes, in which files. Unsafe fixes are never applied: the legacy side stays the
estimator program.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from estimator_audit.config import Settings
from estimator_audit.pipeline import FixMode, fix_source

LEGACY_TARGET = (2, 15)
MAX_ENTRIES = 20_000  # a program's folder, not a monorepo: beyond this compare asks for a smaller one


class LegacyError(Exception):
    """The legacy program's folder cannot be prepared."""


@dataclass(frozen=True)
class Prepared:
    """What the legacy side runs, and what was changed to make it run."""

    program: Path
    fixed: tuple[str, ...] = ()  # files (relative to the program's root) the safe fixes changed
    codes: tuple[tuple[str, int], ...] = ()  # how many fixes of each rule

    @property
    def note(self) -> str | None:
        if not self.codes:
            return None
        fixes = ", ".join(f"{count} {code}" for code, count in self.codes)
        return (f"the legacy program ran from a scratch copy after estimator-audit's safe fixes for "
                f"TensorFlow 2.15 ({fixes}; in {', '.join(self.fixed)}): as written it calls names 2.15 "
                f"no longer has or leaves randomness unseeded")


def program_root(program: Path) -> Path:
    """The folder the program's imports start from: its own folder, or the folder above its
    top-level package when it is a module of a package (`trainer/task.py`)."""
    folder = program.resolve().parent
    while (folder / "__init__.py").is_file():
        folder = folder.parent
    return folder


def prepared(program: Path, scratch: Path) -> Prepared:
    """The program itself when no safe fix applies; else its copy under `scratch`, the Python
    files fixed and every other file linked to the original (data the program reads by a path
    relative to its module stays where it expects it)."""
    root = program_root(program)
    settings = Settings(root=root, target=LEGACY_TARGET)
    changed: dict[Path, bytes] = {}
    codes: Counter[str] = Counter()
    for path in python_files(root, scratch):
        data = path.read_bytes()
        result = fix_source(str(path), data, settings, FixMode())
        if result.data != data:
            changed[path] = result.data
            codes.update(finding.code for finding in result.applied)
    if not changed:
        return Prepared(program)
    copy = scratch / "legacy"
    for folder, files in walk(root, scratch):
        target = copy / Path(folder).relative_to(root)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            source = Path(folder) / name
            if source in changed:
                (target / name).write_bytes(changed[source])
            else:
                (target / name).symlink_to(source)
    fixed = tuple(sorted(str(path.relative_to(root)) for path in changed))
    return Prepared(copy / program.resolve().relative_to(root), fixed, tuple(sorted(codes.items())))


def walk(root: Path, scratch: Path) -> Iterator[tuple[str, list[str]]]:
    """The folders under root and their files: hidden folders and the scratch folder (which
    may lie under root, as /tmp does) left out, at most MAX_ENTRIES entries."""
    seen = 0
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders
                      if not name.startswith(".") and Path(folder, name).resolve() != scratch.resolve()]
        seen += len(folders) + len(files)
        if seen > MAX_ENTRIES:
            raise LegacyError(f"{root} holds more than {MAX_ENTRIES} files: run compare on a program whose "
                              "folder holds just the program")
        yield folder, files


def python_files(root: Path, scratch: Path) -> list[Path]:
    """The .py files under root."""
    return sorted(Path(folder) / name for folder, files in walk(root, scratch) for name in files
                  if name.endswith(".py"))
