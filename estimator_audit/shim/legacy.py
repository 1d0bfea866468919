"""The legacy program as TensorFlow 2.15 can run it.

Programs written for TensorFlow 1.x call names that 2.15 no longer has (`tf.logging`,
`tf.app.run`): as written they stop with AttributeError before training. And a legacy program
that was never seeded is not reproducible itself (an unseeded data split gives each run other
examples), so no migration could be shown equivalent to it. estimator-audit's own *safe* fixes
at target 2.15 respell those names under `tf.compat.v1` and pin what was unseeded, without
changing what the program computes otherwise. So `compare` runs the legacy side from a scratch
copy of the program's folder with those fixes applied (the user's files are left alone) and
says which fixes, in which files. Unsafe fixes are not applied (the legacy side stays the
estimator program), except EA209's, which only pins a seed parameter's `None` default, and
EA106's port of TensorFlow 1's MNIST reader, which 2.15 no longer has (the same files, arrays
and batches: a program that imports the reader runs on 2.15 no other way).

Only the code that runs is fixed: the program and the modules of its folder it imports (as
Python resolves them), not every file the folder happens to hold (other scripts, a virtualenv,
a data set). The copy is bounded the same way: see `mirror`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from estimator_audit.catalogue import all_rules
from estimator_audit.config import Settings
from estimator_audit.migrate.support_files import MNIST_SUPPORT, content
from estimator_audit.pipeline import FixMode, fix_source, support_files
from estimator_audit.project import Project, outermost_package

LEGACY_TARGET = (2, 15)
# Unsafe fixes the legacy side takes all the same: they pin what was random and change nothing
# else (a data split's `seed=None` default), which a comparison needs of both programs.
# The MNIST reader's port stands in for a module 2.15 lacks, computing what TF1's did.
PINNING_FIXES = FixMode(unsafe_codes=frozenset({"EA209"}), unsafe_ports=frozenset({f"{MNIST_SUPPORT}.py"}))


@dataclass(frozen=True)
class Prepared:
    """What the legacy side runs, and what was changed to make it run."""

    program: Path
    fixed: tuple[str, ...] = ()  # files (relative to the program's root) the safe fixes changed or added
    codes: tuple[tuple[str, int], ...] = ()  # how many fixes of each rule

    @property
    def note(self) -> str | None:
        """What ran instead of the files as written, by rule and file, for the report."""
        if not self.codes:
            return None
        rules = all_rules()
        total = sum(count for _, count in self.codes)
        fixes = ", ".join(f"{count} {code} {rules[code].name}" for code, count in self.codes)
        ported = any(Path(name).name in PINNING_FIXES.unsafe_ports for name in self.fixed)
        return (f"the legacy program ran from a scratch copy after estimator-audit's seeding and safe "
                f"fixes for TensorFlow 2.15{' (and its port of a module 2.15 lacks)' if ported else ''}: "
                f"{total} fix{'es' if total > 1 else ''} ({fixes}) in "
                f"{', '.join(self.fixed)}; the files themselves are unchanged")


def program_root(program: Path) -> Path:
    """The folder the program's imports start from: its own folder, or the folder above its
    top-level package when it is a module of a package (`trainer/task.py`)."""
    folder = program.resolve().parent
    package = outermost_package(folder)
    return folder if package is None else package.parent


def prepared(program: Path, scratch: Path) -> Prepared:
    """The program itself when no safe fix applies to the code it runs; else its place in a
    mirror of its folder under `scratch` holding the fixed modules."""
    real = program.resolve()
    root = program_root(real)
    settings = Settings(root=root, target=LEGACY_TARGET)
    project = Project(settings)
    changed: dict[Path, bytes] = {}
    codes: Counter[str] = Counter()
    for path in sorted(running_modules(real, root, project)):
        data = project.read(str(path))
        if data is None:
            continue
        result = fix_source(str(path), data, settings, PINNING_FIXES, project)
        if result.data != data:
            changed[path] = result.data
            codes.update(finding.code for finding in result.applied)
            for name in support_files(result.applied):  # the port the fixed imports read
                changed.setdefault(path.parent / name, content(name))
    if not changed:
        return Prepared(program)
    copy = scratch / "legacy"
    mirror(root, copy, changed, scratch)
    fixed = tuple(sorted(str(path.relative_to(root)) for path in changed))
    return Prepared(copy / real.relative_to(root), fixed, tuple(sorted(codes.items())))


def running_modules(program: Path, root: Path, project: Project) -> set[Path]:
    """The program and every module under `root` it imports, directly or not, with the
    `__init__.py` of each package they are in: what Python executes of the folder. Imports
    are resolved as the audit resolves them (project.py); nothing is imported."""
    found: set[Path] = set()
    todo = [program]
    while todo:
        path = todo.pop()
        if path in found:
            continue
        found.add(path)
        context = project.context(str(path))
        if context is not None:
            todo += [module for module in map(Path, project.imports_of(str(path), context))
                     if module.is_relative_to(root)]
        todo += packages(path, root)
    return found


def packages(module: Path, root: Path) -> Iterator[Path]:
    """The `__init__.py` of the packages holding `module`, below `root`."""
    for folder in module.parents:
        if folder == root or not folder.is_relative_to(root):
            return
        if (folder / "__init__.py").is_file():
            yield folder / "__init__.py"


def mirror(root: Path, copy: Path, changed: Mapping[Path, bytes], scratch: Path) -> None:
    """Recreate `root` under `copy` as far as the fixed modules need: the folders that lead to
    one are real folders, holding the fixed bytes, and every other entry of theirs (file or
    folder) is a link to the original. Data the program reads by a path relative to its
    module stays where it expects it, nothing is copied but the fixed modules, and nothing
    below an unchanged folder is visited: the cost is one link per entry of the folders that
    hold a fixed module, however large the tree. The scratch folder itself (which may lie
    under root, as /tmp does) is left out."""
    folders = {root} | {folder for path in changed for folder in path.parents if folder.is_relative_to(root)}
    scratch = scratch.resolve()
    for folder in sorted(folders):
        target = copy / folder.relative_to(root)
        target.mkdir(parents=True, exist_ok=True)
        for entry in folder.iterdir():
            if entry not in changed and entry not in folders and entry != scratch:
                (target / entry.name).symlink_to(entry)
    for path, data in changed.items():  # fixed modules, and support files the fixes added
        (copy / path.relative_to(root)).write_bytes(data)
