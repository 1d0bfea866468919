"""The legacy program as TensorFlow 2.15 can run it.

Programs written for TensorFlow 1.x call names that 2.15 no longer has (`tf.logging`,
`tf.app.run`, `tf.placeholder`): as written they stop with AttributeError before training. The
estimator they build still exists in 2.15, and estimator-audit's own *safe* fixes at target
2.15 respell those names under `tf.compat.v1` without changing what the program computes. So
`compare` runs the legacy side from a scratch copy of the program's folder with those fixes
applied (the user's files are left alone) and says which files changed. Unsafe fixes are never
applied, and only EA106's (a name missing on the target): the legacy side must stay the program
the user wrote, seeds and all.
"""

from __future__ import annotations

import os
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
    fixes: int = 0

    @property
    def note(self) -> str | None:
        if not self.fixes:
            return None
        return (f"the legacy program ran after estimator-audit's safe fixes for TensorFlow 2.15 "
                f"({self.fixes} fixes in {', '.join(self.fixed)}), from a scratch copy: as written it "
                f"calls names TensorFlow 2.15 no longer has")


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
    settings = Settings(root=root, target=LEGACY_TARGET, select=("EA106",))
    changed: dict[Path, bytes] = {}
    fixes = 0
    for path in python_files(root):
        data = path.read_bytes()
        result = fix_source(str(path), data, settings, FixMode())
        if result.data != data:
            changed[path] = result.data
            fixes += len(result.applied)
    if not changed:
        return Prepared(program)
    copy = scratch / "legacy"
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if not name.startswith(".")]
        target = copy / Path(folder).relative_to(root)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            source = Path(folder) / name
            if source in changed:
                (target / name).write_bytes(changed[source])
            else:
                (target / name).symlink_to(source)
    return Prepared(copy / program.resolve().relative_to(root),
                    tuple(sorted(str(path.relative_to(root)) for path in changed)), fixes)


def python_files(root: Path) -> list[Path]:
    """The .py files under root (hidden folders left out), at most MAX_ENTRIES entries seen."""
    found, seen = [], 0
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if not name.startswith(".")]
        seen += len(folders) + len(files)
        if seen > MAX_ENTRIES:
            raise LegacyError(f"{root} holds more than {MAX_ENTRIES} files: run compare on a program whose "
                              "folder holds just the program")
        found += [Path(folder) / name for name in files if name.endswith(".py")]
    return sorted(found)
