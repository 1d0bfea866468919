"""The project stage's answers about the whole program, asked of `Project` directly."""

from __future__ import annotations

from pathlib import Path

from estimator_audit.config import Settings
from estimator_audit.project import SCANS_BEFORE_INDEX, Project


def test_importers_are_the_same_whether_scanned_or_indexed(tmp_path: Path) -> None:
    """The first questions about a tree scan its text, later ones look up an index of its
    import words: both must find every spelling of an import and nothing that only mentions
    the module's name."""
    count = SCANS_BEFORE_INDEX * 2
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for number in range(count):
        (package / f"lib{number}.py").write_text("X = 1\n")
    spellings = ["from pkg import lib{n}", "import pkg.lib{n}", "from .lib{n} import X",
                 "from pkg.lib{n} import (\n    X,\n)", "from . import lib{n} as other"]
    for number in range(count):
        (package / f"user{number}.py").write_text(spellings[number % len(spellings)].format(n=number) + "\n")
    (package / "mention.py").write_text("NAMES = ['lib0', 'lib1']  # not an import\n")
    project = Project(Settings(root=tmp_path))

    for number in range(count):  # past SCANS_BEFORE_INDEX, answered from the index
        found = project.importers(str(package / f"lib{number}.py"))
        assert [Path(path).name for path in found] == [f"user{number}.py"], number
    assert project.importers(str(package / "mention.py")) == []


def test_a_module_importing_its_own_folder_by_name_resolves_from_the_folder_above(tmp_path: Path) -> None:
    """Seen in tensorflow/compression: models/hific/evaluate.py imports `from hific import model`
    (run as `python -m hific.evaluate` from models/), and hific/ holds a requirements.txt, a
    repository marker: the folder above the one the import names is on sys.path."""
    folder = tmp_path / "models" / "hific"
    folder.mkdir(parents=True)
    (folder / "requirements.txt").write_text("tensorflow\n")
    (folder / "model.py").write_text("X = 1\n")
    (folder / "evaluate.py").write_text("from hific import model\n")
    project = Project(Settings(root=tmp_path))

    assert project.resolve(str(folder / "evaluate.py"), "hific.model") == str(folder / "model.py")
    assert [Path(path).name for path in project.importers(str(folder / "model.py"))] == ["evaluate.py"]
    assert project.resolve(str(folder / "evaluate.py"), "other.model") is None
