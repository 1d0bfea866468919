"""--fix and --diff end to end: real files rewritten, every other byte kept, nothing corrupted."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import fix_file, run_cli

PROGRAM = (
    "# -*- coding: utf-8 -*-\n"
    "import numpy as np\n"
    "import tensorflow as tf\n"
    "\n"
    "np.random.seed(1)  # partial\n"
    "model = tf.keras.Sequential([tf.keras.layers.Dense(3)])\n"
    "opt = tf.compat.v1.train.AdamOptimizer(0.1, seed=3)\n"
    "est = tf.estimator.DNNClassifier(\n"
    "    hidden_units=[8],  # one layer\n"
    "    feature_columns=cols,\n"
    ")\n"
    "model.fit(x, y)\n"
)


def test_fix_writes_safe_fixes_and_reports_what_remains(tmp_path: Path) -> None:
    train = tmp_path / "train.py"
    train.write_text(PROGRAM)
    train.chmod(0o640)
    done = run_cli(["train.py", "--fix"], cwd=tmp_path)
    assert done.returncode == 1  # EA101, EA104 and others have no safe fix
    fixed = train.read_text()
    assert fixed == (
        "# -*- coding: utf-8 -*-\n"
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "tf.keras.utils.set_random_seed(42)\n"
        "tf.config.experimental.enable_op_determinism()\n"
        "\n"
        "np.random.seed(1)  # partial\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(3)])\n"
        "opt = tf.compat.v1.train.AdamOptimizer(0.1)\n"
        "est = tf.estimator.DNNClassifier(\n"
        "    hidden_units=[8],  # one layer\n"
        "    feature_columns=cols,\n"
        ")\n"
        "model.fit(x, y)\n"
    )
    assert "Fixed 4 findings." in done.stderr
    codes = {line.split()[1] for line in done.stdout.splitlines()[:-1]}
    # At the default target (2.21) a RunConfig would be a name TensorFlow lacks: a safe fix
    # never adds a finding, so EA203 is reported without one.
    assert codes == {"EA101", "EA104", "EA203"}
    assert stat.S_IMODE(train.stat().st_mode) == 0o640
    again = run_cli(["train.py", "--fix"], cwd=tmp_path)
    assert train.read_text() == fixed and "Fixed" not in again.stderr


def test_diff_prints_and_writes_nothing(tmp_path: Path) -> None:
    train = tmp_path / "train.py"
    train.write_text(PROGRAM)
    done = run_cli(["train.py", "--diff"], cwd=tmp_path)
    assert done.returncode == 1
    assert train.read_text() == PROGRAM
    assert done.stdout.startswith("--- a/train.py\n+++ b/train.py\n")
    assert "RunConfig" not in done.stdout
    assert "-opt = tf.compat.v1.train.AdamOptimizer(0.1, seed=3)\n" in done.stdout
    assert "Would fix 4 findings (1 file)" in done.stderr


def test_line_endings_encoding_and_seed_setting_are_kept(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.estimator-audit]\nseed = 7\n")
    latin = tmp_path / "latin.py"
    latin.write_bytes(
        b"# -*- coding: latin-1 -*-\r\nimport tensorflow as tf\r\nname = '\xe9'\r\n"
        b"est = tf.estimator.DNNRegressor([4], cols)  # caf\xe9\r\n"
    )
    run_cli(["latin.py", "--fix", "--select", "EA203", "--target", "2.15"], cwd=tmp_path)
    assert latin.read_bytes() == (
        b"# -*- coding: latin-1 -*-\r\nimport tensorflow as tf\r\nname = '\xe9'\r\n"
        b"est = tf.estimator.DNNRegressor([4], cols, config=tf.estimator.RunConfig(tf_random_seed=7))"
        b"  # caf\xe9\r\n"
    )


def test_links_out_of_the_project_are_not_written(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "shared.py"
    target.write_text("import tensorflow as tf\nopt = tf.compat.v1.train.AdamOptimizer(seed=1)\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.estimator-audit]\n")
    os.symlink(target, project / "link.py")
    done = run_cli([".", "--fix", "--select", "EA402"], cwd=project)
    assert "links outside the project" in done.stderr
    assert "seed=1" in target.read_text()
    assert done.returncode == 1


def test_notebooks_are_fixed_cell_by_cell_with_magics_and_outputs_kept(tmp_path: Path) -> None:
    output = {"name": "stdout", "output_type": "stream", "text": ["trained\n"]}
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Training\n"]},
        {"cell_type": "code", "execution_count": 1, "metadata": {"tags": ["setup"]}, "outputs": [],
         "source": ["%matplotlib inline\n", "!pip install tensorflow \\\n", "    keras\n",
                    "import tensorflow as tf"]},
        {"cell_type": "code", "execution_count": 2, "metadata": {}, "outputs": [output],
         "source": ["model = tf.keras.Sequential([tf.keras.layers.Dense(1, seed=3)])\n",
                    "model.fit(x, y)"]},
    ]
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4,
                "nbformat_minor": 5}
    path = tmp_path / "train.ipynb"
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    run_cli(["train.ipynb", "--fix", "--select", "EA201,EA402"], cwd=tmp_path)
    fixed = json.loads(path.read_text())
    assert fixed["cells"][1]["source"] == [
        "%matplotlib inline\n", "!pip install tensorflow \\\n", "    keras\n",
        "import tensorflow as tf\n", "tf.keras.utils.set_random_seed(42)"]
    assert fixed["cells"][2]["source"] == [
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n", "model.fit(x, y)"]
    assert fixed["cells"][2]["outputs"] == [output] and fixed["cells"][0] == cells[0]
    assert fixed["cells"][1]["metadata"] == {"tags": ["setup"]}
    text = path.read_text()
    assert text == json.dumps(fixed, indent=1, ensure_ascii=False) + "\n"  # same layout
    again = run_cli(["train.ipynb", "--fix", "--select", "EA201,EA402"], cwd=tmp_path)
    assert path.read_text() == text and again.returncode == 0


def test_statements_go_to_the_cell_that_imports_what_they_use(tmp_path: Path) -> None:
    """Seen on 21 real notebooks: the seed went into the first cell that imports anything
    (`import numpy as np`), above `import tensorflow as tf`, and the notebook stopped with
    NameError. It goes after the import of the name it starts from."""
    cells: list[dict[str, object]] = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
             for source in (["import numpy as np\n", "import os"], ["import tensorflow as tf"],
                            ["model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n", "model.fit(x, y)"])]
    path = tmp_path / "train.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1))
    run_cli(["train.ipynb", "--fix", "--select", "EA201"], cwd=tmp_path)
    fixed = json.loads(path.read_text())["cells"]
    assert fixed[0]["source"] == ["import numpy as np\n", "import os"]
    assert fixed[1]["source"] == ["import tensorflow as tf\n", "tf.keras.utils.set_random_seed(42)"]


def test_a_fix_that_would_break_the_file_writes_nothing() -> None:
    from estimator_audit.findings import Edit, EditAction, Finding, Fix, FixSafety, Severity
    from estimator_audit.fix import FixFailure, apply_fixes

    bad = Fix(FixSafety.SAFE, "broken", (Edit(EditAction.INSERT_AFTER_IMPORTS, text="def ("),))
    finding = Finding(path="x.py", code="EA201", name="no-global-seed", severity=Severity.ERROR,
                      message="m", line=1, column=1, end_line=1, end_column=2, fix=bad)
    try:
        apply_fixes(b"import keras\n", [finding])
    except FixFailure as error:
        assert "does not parse" in str(error)
    else:
        raise AssertionError("a broken fix was applied")


def test_a_failed_write_leaves_the_original_and_no_temporary_file(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from estimator_audit.config import Settings

    train = tmp_path / "train.py"
    train.write_text("import keras\nlayer = keras.layers.Dense(3, seed=1)\n")

    def full_disk(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    result = fix_file(train, Settings(root=tmp_path))
    assert result.fix_error is not None and "No space left on device" in result.fix_error
    assert train.read_text() == "import keras\nlayer = keras.layers.Dense(3, seed=1)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]
    assert [f.code for f in result.findings] == ["EA402"]


def test_colab_layout_is_reproduced() -> None:
    from estimator_audit.notebook_fix import dump, layout

    text = '{\n  "cells": [\n    {\n      "source": [\n        "\\u003ch3\\u003eA \\u0026 B\\u003c/h3\\u003e"\n      ]\n    }\n  ]\n}\n'
    assert dump(json.loads(text), layout(text)) == text


def test_imports_a_fix_leaves_unused_are_removed_and_only_those(tmp_path: Path) -> None:
    train = tmp_path / "train.py"
    train.write_text(
        "import keras\n"
        "from tensorflow.compat.v1.train import AdamOptimizer, GradientDescentOptimizer\n"
        "from tensorflow.compat.v1.train import MomentumOptimizer  # legacy\n"
        "opt = AdamOptimizer(0.1)\n"
        "mom = MomentumOptimizer(0.1, 0.9)\n"
        "print(GradientDescentOptimizer)\n"
    )
    run_cli(["train.py", "--fix", "--unsafe-fixes", "--select", "EA104"], cwd=tmp_path)
    assert train.read_text() == (
        "import keras\n"
        "from tensorflow.compat.v1.train import GradientDescentOptimizer\n"
        "opt = keras.optimizers.Adam(learning_rate=0.1, epsilon=1e-08)\n"
        "mom = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)\n"
        "print(GradientDescentOptimizer)\n"
    )


def test_a_file_libcst_cannot_reproduce_is_not_fixed(tmp_path: Path) -> None:
    # libcst 1.9 drops the blank line before a final indented comment with no newline after it.
    text = "import keras\nlayer = keras.layers.Dense(3, seed=1)\n\n    # end"
    train = tmp_path / "train.py"
    train.write_text(text)
    done = run_cli(["train.py", "--fix"], cwd=tmp_path)
    assert train.read_text() == text
    assert "does not reproduce this file byte for byte" in done.stderr and done.returncode == 1


def test_a_notebook_whose_layout_cannot_be_kept_is_written_as_jupyter_saves_it(tmp_path: Path) -> None:
    """A hand-edited notebook (two-space indent, keys in another order) is fixed, written in
    nbformat's standard layout, and the run says so once; its findings are not left unfixed."""
    notebook = {"nbformat": 4, "nbformat_minor": 4, "metadata": {},
                "cells": [{"source": ["import tensorflow as tf\n", "x = tf.placeholder(tf.float32)"],
                           "outputs": [], "metadata": {}, "execution_count": None, "cell_type": "code"}]}
    path = tmp_path / "hand.ipynb"
    path.write_text(json.dumps(notebook, indent=2) + "  \n", encoding="utf-8")
    shown = run_cli(["hand.ipynb", "--diff"], cwd=tmp_path)  # the diff shows the layout too: say so
    assert shown.stderr.count("nbformat's standard JSON layout") == 1, shown.stderr
    done = run_cli([str(path), "--fix"], cwd=tmp_path)
    text = path.read_text(encoding="utf-8")
    fixed = json.loads(text)
    assert "tf.compat.v1.placeholder" in "".join(fixed["cells"][0]["source"])
    assert text == json.dumps(fixed, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert done.stderr.count("nbformat's standard JSON layout") == 1, done.stderr
    assert "[*]" not in done.stdout


def test_a_support_module_the_diff_would_create_is_named_like_the_files(tmp_path: Path) -> None:
    """`--diff` shows keras_feature_columns.py as a new file beside the program, named relative
    like every other file of the diff (it was `b//abs/path`)."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "train.py").write_text(
        "import tensorflow as tf\ncolumns = [tf.feature_column.numeric_column('x')]\n")
    done = run_cli(["pkg/train.py", "--diff", "--unsafe-fixes"], cwd=tmp_path)
    assert "--- a/pkg/train.py\n+++ b/pkg/train.py\n" in done.stdout
    assert "--- /dev/null\n+++ b/pkg/keras_feature_columns.py\n" in done.stdout, done.stdout[:400]


def test_writing_a_file_removes_the_copy_a_kill_left_under_a_temporary_name(tmp_path: Path) -> None:
    """A run killed between naming its complete new copy and renaming it over the file leaves
    `.train.py.<8 characters>.tmp`; the next write of train.py removes it, and nothing else."""
    from estimator_audit.pipeline import put_in_place

    target = tmp_path / "train.py"
    target.write_text("old\n")
    left = tmp_path / ".train.py.1a2b3c4d.tmp"
    left.write_text("new\n")
    other = tmp_path / ".train.py.backup.tmp"
    other.write_text("theirs\n")
    put_in_place(target, b"new\n", 0o644)
    assert target.read_text() == "new\n" and not left.exists() and other.read_text() == "theirs\n"
