"""Which files a run reads: folders walked in order, junk and ignored paths skipped."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from estimator_audit.config import Settings
from estimator_audit.discover import discover, parse_gitignore


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def found(root: Path, *paths: str, settings: Settings | None = None, gitignore: bool = True) -> list[str]:
    settings = settings or Settings(root=root)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return discover(list(paths) or ["."], settings, gitignore)
    finally:
        os.chdir(cwd)


def test_walks_sorted_and_skips_tooling_folders(tmp_path: Path) -> None:
    touch(tmp_path, "b.py", "a.py", "pkg/z.py", "pkg/a.ipynb", "notes.txt", ".git/hooks/x.py",
          "build/lib/x.py", "dist/x.py", "node_modules/x.py", "__pycache__/x.py", "pkg.egg-info/x.py",
          ".tox/x.py", "env/pyvenv.cfg", "env/lib/site.py", ".ipynb_checkpoints/a.py")
    assert found(tmp_path) == ["a.py", "b.py", "pkg/a.ipynb", "pkg/z.py"]


def test_gitignore_nested_negated_and_anchored(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    touch(tmp_path, "keep.py", "gen_a.py", "gen_keep.py", "data/x.py", "src/data/y.py",
          "src/out/z.py", "src/ok.py", "src/skip_me.py", "top.py", "src/top.py")
    (tmp_path / ".gitignore").write_text("gen_*.py\n!gen_keep.py\n/data/\n/top.py\nout/\n")
    (tmp_path / "src" / ".gitignore").write_text("skip_*.py\n")
    assert found(tmp_path) == ["gen_keep.py", "keep.py", "src/data/y.py", "src/ok.py", "src/top.py"]
    assert len(found(tmp_path, gitignore=False)) == 10
    # A sub-folder named on the command line still honours the ignores above it.
    assert found(tmp_path, "src") == ["src/data/y.py", "src/ok.py", "src/top.py"]


def test_gitignore_globs() -> None:
    patterns = parse_gitignore("**/logs\n*.py[co]\ndoc/**/*.py\n\\#hash.py\n# comment\n", "")
    def ignored(path: str) -> bool:
        return any(p.regex.match(path) for p in patterns)
    assert ignored("a/b/logs") and ignored("logs")
    assert ignored("x.pyc") and not ignored("x.py")
    assert ignored("doc/a/b/c.py") and ignored("doc/c.py") and not ignored("src/doc.py")
    assert ignored("#hash.py")


def test_exclude_globs(tmp_path: Path) -> None:
    touch(tmp_path, "a.py", "gen/b.py", "pkg/c_pb2.py", "pkg/d.py")
    settings = Settings(root=tmp_path, exclude=("gen", "*_pb2.py"))
    assert found(tmp_path, settings=settings) == ["a.py", "pkg/d.py"]
    assert found(tmp_path, "pkg/c_pb2.py", "a.py", settings=settings) == ["a.py"]


def test_symlink_loops_and_duplicates(tmp_path: Path) -> None:
    touch(tmp_path, "pkg/a.py")
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "loop")
    os.symlink(tmp_path / "pkg" / "a.py", tmp_path / "link.py")
    assert found(tmp_path, ".", "pkg/a.py") == ["link.py", "pkg/a.py"]


def test_a_folder_whose_entries_cannot_be_looked_up_is_walked_past(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """/proc/1/fdinfo: listed, but looking up `pyvenv.cfg` in it raises PermissionError
    (Path.is_file lets EACCES through); the walk goes on without it."""
    touch(tmp_path, "a.py", "locked/b.py", "z.py")
    real_is_file = Path.is_file

    def is_file(path: Path) -> bool:
        if path.parent.name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_is_file(path)

    monkeypatch.setattr(Path, "is_file", is_file)
    assert found(tmp_path) == ["a.py", "locked/b.py", "z.py"]


def test_a_copy_of_tensorflow_s_own_source_is_not_audited(tmp_path: Path) -> None:
    """Seen in mayman150's comparative study (round 31): TensorFlow 2.16's source tree checked in
    under docs; its tests of the TF1 optimizers and feature columns are TensorFlow, not code to
    migrate. A folder merely named tensorflow is walked."""
    touch(tmp_path, "docs/tensorflow/python/training/ftrl_test.py", "docs/tensorflow/core/ops.py",
          "docs/guide.py", "app/tensorflow/train.py")
    assert found(tmp_path) == ["app/tensorflow/train.py", "docs/guide.py"]
