"""Hostile inputs get a calm finding, never a traceback; the other files are still checked."""

from __future__ import annotations

import json
import os
from pathlib import Path

from estimator_audit.config import Settings
from estimator_audit.pipeline import audit_path
from tests.conftest import run_cli

ESTIMATOR = "import tensorflow as tf\nest = tf.estimator.DNNClassifier([3], cols)\n"


def codes_at(path: Path) -> list[tuple[int, int, str]]:
    result = audit_path(str(path), Settings(root=path.parent))
    assert result.internal_error is None
    return [(f.line, f.column, f.code) for f in result.findings]


def test_encodings(tmp_path: Path) -> None:
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n" + ESTIMATOR.encode())
    assert codes_at(latin) == [(4, 7, "EA101"), (4, 7, "EA203")]
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + ESTIMATOR.encode())
    assert codes_at(bom) == [(2, 7, "EA101"), (2, 7, "EA203")]
    broken = tmp_path / "broken.py"
    broken.write_bytes(b"x = 1\ny = '\xff'\n")
    result = audit_path(str(broken), Settings())
    assert [(f.line, f.code) for f in result.findings] == [(2, "EA000")]
    assert "not valid utf-8" in result.findings[0].message
    cookie = tmp_path / "cookie.py"
    cookie.write_bytes(b"# -*- coding: klingon -*-\nx = 1\n")
    assert [f.code for f in audit_path(str(cookie), Settings()).findings] == ["EA000"]


def test_line_endings_and_empty_files(tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.py"
    crlf.write_bytes(b"import os\r\n\r\nos.environ['PYTHONHASHSEED'] = '0'\r\n")
    assert codes_at(crlf) == [(3, 1, "EA401")]
    mixed = tmp_path / "mixed.py"
    mixed.write_bytes(b"import os\r\nx = 1\rimport tensorflow as tf\nest = tf.estimator.DNNClassifier([1], c)\n")
    assert (4, 7, "EA101") in codes_at(mixed)
    empty = tmp_path / "empty.py"
    empty.write_bytes(b"")
    assert codes_at(empty) == []


def test_null_bytes_and_deep_nesting(tmp_path: Path) -> None:
    null = tmp_path / "null.py"
    null.write_bytes(b"x = 1\ny = 2\0\n")
    findings = audit_path(str(null), Settings()).findings
    assert [(f.line, f.code) for f in findings] == [(2, "EA000")] and "null byte" in findings[0].message
    deep = tmp_path / "deep.py"
    deep.write_text("x = " + "(" * 300 + "1" + ")" * 300 + "\n")
    assert [f.code for f in audit_path(str(deep), Settings()).findings] == ["EA000"]
    nested = tmp_path / "nested.py"
    nested.write_text("import tensorflow as tf\nx = " + "[" * 90 + "tf.estimator.DNNClassifier([1], c)" + "]" * 90 + "\n")
    assert {f.code for f in audit_path(str(nested), Settings()).findings} == {"EA101", "EA203"}


def test_huge_file(tmp_path: Path) -> None:
    huge = tmp_path / "huge.py"
    body = "".join(f"value_{i} = {i} * 2\n" for i in range(50_000))
    huge.write_text(ESTIMATOR + body + ESTIMATOR.replace("import tensorflow as tf\n", ""))
    assert codes_at(huge) == [(2, 7, "EA101"), (2, 7, "EA203"), (50_003, 7, "EA101"), (50_003, 7, "EA203")]


def test_unreadable_files_are_reported_and_the_rest_checked(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(ESTIMATOR)
    os.symlink(tmp_path / "nowhere.py", tmp_path / "dangling.py")
    (tmp_path / "py2.py").write_text("print 'hello'\n")
    (tmp_path / "bad.ipynb").write_text('{"cells": [')
    done = run_cli(["."], cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("bad.ipynb:1:1: EA001 notebook is not valid JSON")
    assert lines[1].startswith("dangling.py:1:1: EA001 cannot read file: No such file or directory")
    assert lines[2].startswith("good.py:2:7: EA101")
    assert lines[4].startswith("py2.py:1:1: EA000 Missing parentheses")


def write_notebook(path: Path, cells: list[tuple[str, str]], language: str = "python") -> None:
    notebook = {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": text.splitlines(keepends=True),
             **({"outputs": [], "execution_count": None} if kind == "code" else {})}
            for kind, text in cells
        ],
        "metadata": {"kernelspec": {"name": "k", "display_name": "k", "language": language}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook))


def test_notebook_cells_magics_and_bad_cells(tmp_path: Path) -> None:
    notebook = tmp_path / "nb.ipynb"
    write_notebook(notebook, [
        ("markdown", "# Title\nos.environ['PYTHONHASHSEED'] = '0'"),
        ("code", "%load_ext autoreload\n!ls -la\nimport os\nimport tensorflow as tf\nfiles = !ls"),
        ("code", "!t2t-datagen \\\n  --data_dir=$DATA_DIR \\\n  --problem=$PROBLEM\nx = 1"),
        ("code", "%%bash\necho os.environ['PYTHONHASHSEED'] = '0'"),
        ("code", "for i in range(3):\n    %time print(i)\nprint 'python 2'"),
        ("code", "tf.estimator.DNNClassifier?\nos.environ['PYTHONHASHSEED'] = '0'"),
        ("code", "?inspector.model_type\n??os.path"),
    ])
    result = audit_path(str(notebook), Settings())
    assert [(f.cell, f.line, f.column, f.code) for f in result.findings] == [
        (5, 3, 1, "EA000"),
        (6, 2, 1, "EA401"),
    ]
    assert result.findings[0].location == f"{notebook}:cell 5:3:1"


def test_a_cells_syntax_error_is_placed_in_the_cell_not_in_the_notebooks_json(tmp_path: Path) -> None:
    """CPython reads the line of a SyntaxError back from the file it is told the code came from:
    given the notebook's path it measured the column on the notebook's JSON text. A cell's
    `from __future__` import after other statements is no error (IPython compiles a cell's
    statements one by one), unlike in a file (EA000's examples)."""
    notebook = tmp_path / "nb.ipynb"
    write_notebook(notebook, [
        ("code", "for step in range(3):\n                print 'step', step"),
        ("code", "import numpy as np\nfrom __future__ import print_function\nx = 1"),
        ("code", '"""Docstring."""\nfrom __future__ import division\nfrom __future__ import print_function'),
    ])
    notebook.write_text(json.dumps(json.loads(notebook.read_text()), indent=1))  # as Jupyter saves it
    found = [(f.cell, f.line, f.column, f.code, f.message) for f in audit_path(str(notebook), Settings()).findings]
    assert found == [
        (1, 2, 17, "EA000", "Missing parentheses in call to 'print'. Did you mean print(...)? "
                           "(Python 2 syntax: estimator-audit checks Python 3 code)"),
    ], found  # (cell 2's late __future__ import runs: IPython compiles a cell statement by statement)


def test_python_cell_magics_are_read_and_other_languages_and_automagic_are_not(tmp_path: Path) -> None:
    """`%%time` and `%%capture` cells run their body as Python: it is audited. Datalab's
    single-% cell magics (`%bash`, `%sql`, `%bq`, `%writefile`, `%file`) and IPython automagic lines
    (`pip install ...`, `ll $path`, `run script`) are not the user's Python: no EA000 for them."""
    notebook = tmp_path / "nb.ipynb"
    write_notebook(notebook, [
        ("code", "%bash\nls -l gs://bucket/\nexport X=1"),
        ("code", "%sql --module q\nSELECT fare FROM `taxi` WHERE x = 1"),
        ("code", "%writefile trainer/setup.yaml\ntrainingInput:\n  scaleTier: BASIC"),
        ("code", "%file /tmp/data.csv\n490,64,2,0,015,01,00590"),
        ("code", "pip install tensorflow==1.15\nimport os\nimport tensorflow as tf"),
        ("code", "ll $path*\nrun TestIdentity\ntimeit -n 3 sum(range(10))\nhistory = sum(\n    [1, 2],\n)"),
        ("code", "%%time\nos.environ['PYTHONHASHSEED'] = '0'"),
        ("code", "%%capture output\nos.environ['PYTHONHASHSEED'] = '1'"),
        ("code", "%%time\n%%bash\npython3 create_vocab.py \\\n  --out=vocab.txt"),  # bash, timed
        ("code", "%%time\n%%capture out\nos.environ['PYTHONHASHSEED'] = '2'"),
    ])
    result = audit_path(str(notebook), Settings())
    assert [(f.cell, f.line, f.code) for f in result.findings] == [(7, 2, "EA401"), (8, 2, "EA401"), (10, 3, "EA401")]


WRITTEN_TRAINER = """%%writefile trainer/model.py
import tensorflow as tf

def train(x, y):
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.fit(x, y, epochs=2)
    tf.logging.info("done")
"""


def test_a_writefile_cell_is_audited_and_fixed_as_the_module_it_writes(tmp_path: Path) -> None:
    """Course notebooks write their trainer package with `%%writefile trainer/model.py`: the
    cell's body is that module, audited as a file of its own (the notebook's imports and seeds
    are another process's) with findings on the cell's lines, and fixed as that file; the magic
    line stays. `%%writefile -a` appends a fragment: not a module, not audited."""
    notebook = tmp_path / "course.ipynb"
    write_notebook(notebook, [
        ("code", "import tensorflow as tf\ntf.keras.utils.set_random_seed(1)"),
        ("code", WRITTEN_TRAINER),
        ("code", "%%writefile -a trainer/model.py\nprint 'appended'"),
        ("code", "%%writefile trainer/setup.cfg\n[metadata]"),
    ])
    found = [(f.cell, f.line, f.code) for f in audit_path(str(notebook), Settings()).findings]
    assert found == [(2, 6, "EA201"), (2, 6, "EA302"), (2, 7, "EA106")]
    assert run_cli([str(notebook), "--fix", "--no-cache"]).returncode == 0
    cells = json.loads(notebook.read_text())["cells"]
    assert "".join(cells[1]["source"]) == WRITTEN_TRAINER.replace(
        "import tensorflow as tf\n", "import tensorflow as tf\ntf.keras.utils.set_random_seed(42)\n"
        "tf.config.experimental.enable_op_determinism()\n").replace("tf.logging", "tf.compat.v1.logging")
    assert "".join(cells[0]["source"]) == "import tensorflow as tf\ntf.keras.utils.set_random_seed(1)"
    assert audit_path(str(notebook), Settings()).findings == ()


def test_python_that_looks_like_a_magic_and_a_cell_magic_after_comments(tmp_path: Path) -> None:
    """Seen on real notebooks: a format expression continued on a line starting with `%` is
    Python, not a line magic (it was replaced and the cell became EA000); an `%%html` cell that
    starts with comment lines is HTML (Colab runs it), not a syntax error."""
    notebook = tmp_path / "nb.ipynb"
    write_notebook(notebook, [
        ("code", "import os\nprint('train accuracy %.3f, test %.3f'\n      % (train_acc, test_acc))\n"
                 "os.environ['PYTHONHASHSEED'] = '0'"),
        ("code", "# @title Show the chart\n%%html\n<div id='chart'></div>"),
    ])
    result = audit_path(str(notebook), Settings())
    assert [(f.cell, f.line, f.code) for f in result.findings] == [(1, 4, "EA401")]


def test_cells_ipython_runs_after_its_own_rewrites_are_not_syntax_errors(tmp_path: Path) -> None:
    """Seen in TensorFlow's r1 docs and a GCP example: a cell indented as a whole (IPython strips
    the common indentation) and a lone `;` line (an autocall escape IPython runs as `("")`)."""
    notebook = tmp_path / "nb.ipynb"
    write_notebook(notebook, [
        ("code", " import tensorflow as tf\n print(tf.__version__,\n2)"),  # IPython strips only the prefix
        ("code", "import os\n;\nos.environ['PYTHONHASHSEED'] = '0'"),
    ])
    result = audit_path(str(notebook), Settings())
    assert [(f.cell, f.line, f.code) for f in result.findings] == [(2, 3, "EA401")]


def test_notebook_of_another_language_and_without_cells(tmp_path: Path) -> None:
    r_notebook = tmp_path / "r.ipynb"
    write_notebook(r_notebook, [("code", "library(tensorflow)\nx <- 1")], language="R")
    assert audit_path(str(r_notebook), Settings()).findings == ()
    odd = tmp_path / "odd.ipynb"
    odd.write_text('{"cells": [{"cell_type": "code", "source": 5}]}')
    assert [f.code for f in audit_path(str(odd), Settings()).findings] == ["EA001"]


def test_a_binary_file_named_py_is_unreadable_not_a_syntax_error(tmp_path: Path) -> None:
    binary = tmp_path / "model.py"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4)
    assert codes_at(binary) == [(1, 1, "EA001")]
    cookie = tmp_path / "cookie.py"
    cookie.write_bytes(b"# -*- coding: no-such-codec -*-\nx = 1\n")  # text with a bad cookie: EA000
    assert [code for _, _, code in codes_at(cookie)] == ["EA000"]


def test_imports_of_a_cell_that_does_not_parse_still_count(tmp_path: Path) -> None:
    """A Python 2 print in the cell that imports TensorFlow must not hide every later finding."""
    notebook = tmp_path / "nb.ipynb"
    write_notebook(notebook, [
        ("code", "import tensorflow as tf\nprint 'TensorFlow', tf.__version__"),
        ("code", "est = tf.estimator.DNNClassifier([3], cols)"),
    ])
    assert [(f.cell, f.code) for f in audit_path(str(notebook), Settings()).findings] == [
        (1, "EA000"), (2, "EA101"), (2, "EA203")]
