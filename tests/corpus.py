"""A generated corpus of legacy and hostile inputs, built from what the project already knows.

Why generated: the real legacy code bases the tool is meant for cannot be shipped here, and a
hand-picked corpus only holds what its author thought of. This one takes every bundled program
(`fixtures/`) and every rule example (`Rule.valid`/`Rule.invalid`) and applies the changes real
trees put them through: other import aliases, CRLF/CR/mixed line endings, a BOM, a latin-1
encoding cookie, tab indentation, Python 2 statements, null bytes, notebooks that editors and
scripts broke in various ways, 50,000-line modules, very deep nesting and machine-generated
modules full of estimator calls with arbitrary keyword arguments (from the generated table
`estimator_audit/data/estimators.json`).

Everything is deterministic for a given `seed`, so a failure names a file that the same call
rebuilds byte for byte. `python -m tests.corpus OUT` writes the corpus for a manual run.
"""

from __future__ import annotations

import json
import os
import random
import re
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from estimator_audit.catalogue import all_rules
from estimator_audit.rule import Invalid, Valid, example_text

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
ESTIMATORS = REPO / "estimator_audit" / "data" / "estimators.json"


@dataclass(frozen=True)
class Program:
    """A seed of the corpus: a Python program (or notebook JSON) and the name it came from."""

    name: str
    text: str
    notebook: bool = False


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


@cache
def seed_programs() -> tuple[Program, ...]:
    """Every bundled program and notebook, then every rule example, in a stable order."""
    programs: list[Program] = []
    for path in sorted(FIXTURES.rglob("*.py")) + sorted(FIXTURES.rglob("*.ipynb")):
        relative = path.relative_to(FIXTURES).as_posix()
        programs.append(Program(f"fixture_{slug(relative)}", path.read_text(encoding="utf-8"),
                                path.suffix == ".ipynb"))
    for code, rule in all_rules().items():
        groups: tuple[tuple[str, tuple[Valid | Invalid, ...]], ...] = (("valid", rule.valid),
                                                                       ("invalid", rule.invalid))
        for kind, examples in groups:
            for index, example in enumerate(examples):
                programs.append(Program(f"{code.lower()}_{kind}_{index}", example_text(example.code),
                                        example.filename.endswith(".ipynb")))
    return tuple(programs)


def fixable_programs() -> tuple[Program, ...]:
    """The seeds that have something to fix: bundled programs and invalid examples with a fix."""
    chosen = [p for p in seed_programs() if p.name.startswith("fixture_") and not p.notebook
              and "python2" not in p.name]
    for code, rule in all_rules().items():
        for index, example in enumerate(rule.invalid):
            if example.fixed is not None and not example.filename.endswith(".ipynb"):
                chosen.append(Program(f"{code.lower()}_invalid_{index}", example_text(example.code)))
    return tuple(chosen)


# ---------------------------------------------------------------------------------------------
# Variations of a Python program: text in, file bytes out.

ALIASES = {"tf": ("tf1", "tensorflow_v1", "T"), "np": ("numpy", "onp"), "keras": ("K", "tfk")}
LEGACY_LINES = (
    "tf.set_random_seed(1)",
    "tf.compat.v1.set_random_seed(1)",
    "np.random.seed(0)",
    "sess = tf.Session()",
    "sess = tf.compat.v1.Session()",
    "opt = tf.train.AdamOptimizer(0.01)",
    "opt = tf.compat.v1.train.GradientDescentOptimizer(learning_rate=0.1)",
    "ds = ds.shuffle(100).interleave(f, deterministic=False)",
    "os.environ['PYTHONHASHSEED'] = '0'",
    "layer = tf.keras.layers.Dense(3, seed=1)",
    "tf.config.run_functions_eagerly(True)",
    "input_fn = tf.estimator.inputs.numpy_input_fn(x, y, shuffle=True)",
    "col = tf.feature_column.numeric_column('x')",
    "rng = np.random.RandomState()",
    "tf.config.experimental.enable_op_determinism",
)


def rename_aliases(text: str, rng: random.Random) -> str:
    """`import tensorflow as tf` becomes `... as tf1` (and every `tf` word with it), etc."""
    for name, choices in ALIASES.items():
        alias = rng.choice(choices)
        text = re.sub(rf"\b{name}\b(?!\s*=)", alias, text)
        if name == "keras":  # `import keras` has no alias to rename: give it one
            text = re.sub(rf"^(\s*)import {alias}$", rf"\1import keras as {alias}", text, flags=re.M)
    return text


def to_tabs(text: str) -> str:
    """Leading groups of four spaces become tabs (what many old editors saved)."""
    return re.sub(r"^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), text, flags=re.M)


def with_python2(text: str, rng: random.Random) -> str:
    """A Python 2 statement somewhere at the top level, or print calls as print statements."""
    if rng.random() < 0.5 and "print(" in text:
        return re.sub(r"\bprint\((.*)\)$", r"print \1", text, flags=re.M)
    lines = text.split("\n")
    at = rng.randrange(len(lines) + 1)
    while at < len(lines) and lines[at][:1] in (" ", "\t", ")", "]", "}"):
        at += 1
    statement = rng.choice(['print "training"', "print >>sys.stderr, 'x'", "exec 'x = 1'",
                            "raise ValueError, 'bad'", "x = 0777", "x = ur'text'"])
    return "\n".join([*lines[:at], statement, *lines[at:]])


def endings(text: str, rng: random.Random, style: str) -> str:
    if style == "crlf":
        return text.replace("\n", "\r\n")
    if style == "cr":
        return text.replace("\n", "\r")
    return "".join(line + rng.choice(["\n", "\r\n"]) for line in text.split("\n"))[:-1]


def latin1(text: str) -> bytes:
    """A latin-1 cookie, a latin-1 comment; characters latin-1 lacks are escaped."""
    cookie = "# -*- coding: latin-1 -*-\n# caf\xe9, na\xefve, \xa3\n"
    return (cookie + text).encode("latin-1", errors="backslashreplace")


def with_null_byte(text: str, rng: random.Random) -> bytes:
    data = text.encode("utf-8")
    at = rng.randrange(len(data) + 1)
    return data[:at] + b"\0" + data[at:]


def deep_nesting(rng: random.Random) -> str:
    """Valid Python as deep as CPython accepts (its tokenizer stops at 200 brackets)."""
    depth = rng.randrange(100, 199)
    kind = rng.choice(["[]", "()", "call"])
    if kind == "call":
        return "nested = " + "f(" * depth + ")" * depth + "\n"
    return "nested = " + kind[0] * depth + kind[1] * depth + "\n"


def noise(text: str, rng: random.Random) -> str:
    """Trailing whitespace, a form feed, or a missing final newline: what editors leave."""
    choice = rng.randrange(3)
    if choice == 0:
        return "\n".join(line + " " * rng.randrange(3) for line in text.split("\n"))
    if choice == 1:
        return "\x0c\n" + text
    return text.rstrip("\n")


Variation = Callable[[str, random.Random], bytes]
VARIATIONS: dict[str, Variation] = {
    "plain": lambda text, rng: text.encode("utf-8"),
    "aliases": lambda text, rng: rename_aliases(text, rng).encode("utf-8"),
    "crlf": lambda text, rng: endings(text, rng, "crlf").encode("utf-8"),
    "cr": lambda text, rng: endings(text, rng, "cr").encode("utf-8"),
    "mixed": lambda text, rng: endings(text, rng, "mixed").encode("utf-8"),
    "bom": lambda text, rng: b"\xef\xbb\xbf" + text.encode("utf-8"),
    "latin1": lambda text, rng: latin1(text),
    "tabs": lambda text, rng: to_tabs(text).encode("utf-8"),
    "py2": lambda text, rng: with_python2(text, rng).encode("utf-8"),
    "null": with_null_byte,
    "deep": lambda text, rng: (text + "\n" + deep_nesting(rng)).encode("utf-8"),
    "legacy": lambda text, rng: (text + "\n" + "\n".join(rng.sample(LEGACY_LINES, 3)) + "\n").encode(),
    "noise": lambda text, rng: noise(text, rng).encode("utf-8"),
    "crlf_aliases_bom": lambda text, rng: b"\xef\xbb\xbf" + endings(rename_aliases(text, rng), rng,
                                                                    "crlf").encode("utf-8"),
}


# ---------------------------------------------------------------------------------------------
# Notebooks, well-formed and broken.

def cells_of(text: str) -> list[str]:
    """A program split into cells at blank lines between top-level statements."""
    cells: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line.strip() and cells[-1] and not cells[-1][-1].strip():
            cells.append([])
        elif line.strip() or cells[-1]:
            cells[-1].append(line)
    return ["\n".join(c).strip("\n") for c in cells if "".join(c).strip()]


def code_cell(source: str, count: int | None = None) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": [],
            "source": source.splitlines(keepends=True)}


def notebook_json(text: str, rng: random.Random) -> dict[str, Any]:
    """A Jupyter notebook of the program: markdown, magics, outputs, as Jupyter writes them."""
    cells: list[Any] = [{"cell_type": "markdown", "metadata": {}, "source": ["# Training\n"]}]
    magics = ["%matplotlib inline", "!pip install tensorflow==1.15", "%load_ext autoreload", "files = !ls"]
    for index, source in enumerate(cells_of(text), start=1):
        if rng.random() < 0.3:
            source = rng.choice(magics) + "\n" + source
        cell = code_cell(source, index)
        if rng.random() < 0.2:
            cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": ["ok\n"]}]
        cells.append(cell)
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                        "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def dumped(notebook: object) -> bytes:
    return (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def broken_notebook(text: str, rng: random.Random, how: str) -> bytes:
    """The notebook of `text`, damaged in one of the ways real notebooks are."""
    notebook = notebook_json(text, rng)
    cells = notebook["cells"]
    code = [c for c in cells if c["cell_type"] == "code"] or [cells[0]]
    victim = rng.choice(code)
    if how == "missing_source":
        del victim["source"]
    elif how == "source_not_text":
        victim["source"] = rng.choice([5, None, {"text": "x = 1"}])
    elif how == "source_parts_not_text":
        victim["source"] = [*victim.get("source", []), 7, None]
    elif how == "source_string":
        victim["source"] = "".join(victim.get("source", []))
    elif how == "missing_cell_type":
        del victim["cell_type"]
    elif how == "cell_not_object":
        cells.insert(rng.randrange(len(cells) + 1), "print('not a cell')")
    elif how == "no_cells":
        del notebook["cells"]
    elif how == "cells_not_list":
        notebook["cells"] = {"0": victim}
    elif how == "kernelspec_not_object":
        notebook["metadata"] = {"kernelspec": rng.choice(["python3", ["python"], 3])}
    elif how == "metadata_not_object":
        notebook["metadata"] = "python"
    elif how == "other_language":
        notebook["metadata"] = {"kernelspec": {"language": "R", "name": "ir", "display_name": "R"}}
    elif how == "deep_outputs":  # deeper than json.loads can recurse
        victim["outputs"] = "DEEP"
        return dumped(notebook).replace(b'"DEEP"', b"[" * 5000 + b"]" * 5000)
    elif how == "colab":
        data = json.dumps(notebook, indent=2).replace("<", "\\u003c").replace(">", "\\u003e")
        return (data + "\n").encode("utf-8")
    elif how == "compact":
        return json.dumps(notebook).encode("utf-8")
    elif how == "truncated":
        whole = dumped(notebook)
        return whole[: rng.randrange(1, max(2, len(whole)))]
    elif how == "latin1":
        return json.dumps(notebook, indent=1, ensure_ascii=False).encode("latin-1", "replace") + b"\xe9"
    elif how == "bom":
        return b"\xef\xbb\xbf" + dumped(notebook)
    elif how == "crlf_sources":
        for cell in code:
            source = cell.get("source")
            if isinstance(source, list):
                cell["source"] = [part.replace("\n", "\r\n") for part in source if isinstance(part, str)]
    elif how == "null_in_cell":
        source = victim.get("source")
        if isinstance(source, list):
            victim["source"] = [*source, "\0x = 1\n"]
    elif how == "writefile":  # a course notebook writing its trainer module
        source = victim.get("source")
        if isinstance(source, list):
            victim["source"] = ["%%writefile trainer/model.py\n", *source]
    elif how == "python2_cell":
        cells.append(code_cell("print 'done'\n"))
    elif how == "not_json":
        return b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(200))
    return dumped(notebook)


NOTEBOOK_DAMAGE = (
    "none", "missing_source", "source_not_text", "source_parts_not_text", "source_string",
    "missing_cell_type", "cell_not_object", "no_cells", "cells_not_list", "kernelspec_not_object",
    "metadata_not_object", "other_language", "deep_outputs", "colab", "compact", "truncated",
    "latin1", "bom", "crlf_sources", "null_in_cell", "python2_cell", "not_json", "writefile",
)


# ---------------------------------------------------------------------------------------------
# Generated modules.

@cache
def estimator_table() -> dict[str, tuple[str, ...]]:
    """Every estimator spelling (`tensorflow.estimator.DNNClassifier`) and its parameters."""
    table = json.loads(ESTIMATORS.read_text(encoding="utf-8"))["estimators"]
    return {name: tuple(entry["parameters"]) for name, entry in sorted(table.items())}


ARGUMENT_VALUES = (
    "[10, 10]", "[3]", "feature_columns", "cols", "2", "3", "None", "True", "False", "0.1",
    "'Adagrad'", "'Adam'", "tf.compat.v1.train.AdamOptimizer(0.01)", "tf.keras.optimizers.Adam()",
    "tf.estimator.RunConfig(tf_random_seed=1)", "tf.estimator.RunConfig()", "config", "'/tmp/model'",
    "tf.nn.relu", "lambda: 0.1", "model_fn", "params", "['a', 'b']", "'weight'", "0.5", "head",
    "tf.losses.Reduction.SUM", "{'lr': 0.1}", "*args", "**kwargs",
)


def estimator_call(rng: random.Random, alias: str = "tf", target: str = "est") -> str:
    """`est = tf.estimator.X(k=v, ...)` with a random subset of X's real keyword parameters."""
    name, parameters = rng.choice(list(estimator_table().items()))
    spelling = alias + name[len("tensorflow"):]
    chosen = rng.sample(parameters, rng.randrange(min(len(parameters), 5) + 1))
    arguments = [f"{p}={rng.choice(ARGUMENT_VALUES).lstrip('*')}" for p in chosen]
    if rng.random() < 0.2:
        arguments.insert(0, rng.choice(ARGUMENT_VALUES))
    return f"{target} = {spelling}({', '.join(arguments)})"


def estimator_program(rng: random.Random, statements: int) -> str:
    """A legacy training module: imports, columns, estimators with random arguments, training."""
    alias = rng.choice(["tf", "tf1", "tensorflow"])
    header = [f"import tensorflow as {alias}" if alias != "tensorflow" else "import tensorflow",
              "import numpy as np", "import os", "",
              f"cols = [{alias}.feature_column.numeric_column('x')]", "feature_columns = cols", ""]
    body = []
    for index in range(statements):
        target = f"est_{index}"
        body.append(estimator_call(rng, alias, target))
        for method in rng.sample(["train", "evaluate", "predict"], rng.randrange(4)):
            steps = f", steps={rng.randrange(1, 100)}" if method != "predict" and rng.random() < 0.5 else ""
            body.append(f"{target}.{method}(input_fn=input_fn{steps})")
        if rng.random() < 0.3:
            body.append(rng.choice(LEGACY_LINES).replace("tf.", f"{alias}."))
    return "\n".join(header + body) + "\n"


def generated_protobuf_module(rng: random.Random, messages: int) -> str:
    """What protoc writes (`*_pb2.py`): long literal tables, serialized bytes, no findings."""
    lines = ["# Generated by the protocol buffer compiler.  DO NOT EDIT!", "import sys",
             "_b = sys.version_info[0] < 3 and (lambda x: x) or (lambda x: x.encode('latin1'))", ""]
    for index in range(messages):
        blob = "".join(f"\\x{rng.randrange(256):02x}" for _ in range(rng.randrange(20, 80)))
        lines.append(f"_M{index} = _descriptor.Descriptor(name='M{index}', serialized_pb=_b('{blob}'),"
                     f" fields=[{', '.join(str(rng.randrange(9)) for _ in range(12))}])")
    return "\n".join(lines) + "\n"


def elif_chain(branches: int) -> str:
    """Generated dispatch code: one `if` and a long chain of `elif` branches."""
    lines = ["import tensorflow as tf", "", "def dispatch(op):", "    if op == 0:", "        return 0"]
    for index in range(1, branches):
        lines += [f"    elif op == {index}:", f"        return tf.constant({index})"]
    lines += ["", "est = tf.estimator.DNNClassifier([1], cols)"]
    return "\n".join(lines) + "\n"


def huge_modules(lines: int) -> dict[str, str]:
    """Two modules of `lines` lines: one of statements (with findings that have no fix: the fix
    stage's libcst passes over 50,000 statements take minutes, measured separately), and one
    that embeds a data table in a string, with safe fixes at the top."""
    statements = ("import numpy as np\nimport tensorflow as tf\n\nsess = tf.compat.v1.Session()\n"
                  + "".join(f"value_{i} = {i} * 2\n" for i in range(lines))
                  + "late = tf.compat.v1.Session()\nlate.run(train_op)\n")
    data = ("import tensorflow as tf\n\nlayer = tf.keras.layers.Dense(3, seed=1)\n"
            "model = tf.keras.Sequential([layer])\nmodel.fit(x, y)\nDATA = \'\'\'\n"
            + "".join(f"{i},{i * 7 % 13},{i * 3 % 11}\n" for i in range(lines)) + "\'\'\'\n")
    return {"statements": statements, "data": data}


# ---------------------------------------------------------------------------------------------
# The tree.

@dataclass(frozen=True)
class Corpus:
    """What was written: regular files (by relative path) and the special entries."""

    root: Path
    files: tuple[str, ...]
    specials: tuple[str, ...]


def write(root: Path, relative: str, data: bytes) -> str:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return relative


def build_corpus(root: Path, seed: int = 0, variations: int = 1, huge_lines: int = 50_000,
                 specials: bool = True) -> Corpus:
    """Write the corpus under `root` (several hundred files); deterministic for a given seed.

    Each seed program is written as-is and in `variations` variations (taken in turn, so every
    variation is used); notebooks are made from a sample of the programs, each damaged in one
    way; generated and odd modules come last. With `specials`, a FIFO, a dangling link, a
    self-link and a folder link loop are added too (a tree with them cannot be copied with
    shutil.copytree, whose copy of a FIFO blocks: build a second corpus instead).
    """
    rng = random.Random(seed)
    files: list[str] = []
    names = list(VARIATIONS)
    drawn = 0
    for program in seed_programs():
        group = program.name.split("_")[0]
        if program.notebook:
            files.append(write(root, f"{group}/{program.name}.ipynb", program.text.encode("utf-8")))
            continue
        files.append(write(root, f"{group}/{program.name}.py", program.text.encode("utf-8")))
        for _ in range(variations):  # in turn, so that every variation is used
            variation = names[1 + drawn % (len(names) - 1)]
            drawn += 1
            data = VARIATIONS[variation](program.text, rng)
            files.append(write(root, f"{group}/{variation}/{program.name}.py", data))
    python = [p for p in seed_programs() if not p.notebook]
    for index, damage in enumerate(NOTEBOOK_DAMAGE * 2):
        program = rng.choice(python)
        data = dumped(notebook_json(program.text, rng)) if damage == "none" else \
            broken_notebook(program.text, rng, damage)
        files.append(write(root, f"notebooks/{damage}_{index}_{program.name}.ipynb", data))
    rng = random.Random(seed + 1)  # the generated modules do not depend on how many seeds exist
    for index in range(12):
        files.append(write(root, f"generated/estimators_{index}.py",
                           estimator_program(rng, rng.randrange(3, 15)).encode("utf-8")))
    files.append(write(root, "generated/messages_pb2.py", generated_protobuf_module(rng, 300).encode()))
    files.append(write(root, "generated/dispatch.py", elif_chain(600).encode()))
    files.append(write(root, "generated/binop_chain.py",
                       ("x = " + " + ".join(["a"] * 20_000) + "\n").encode()))
    files.append(write(root, "generated/too_many_parens.py", ("x = " + "(" * 300 + ")" * 300 + "\n").encode()))
    for name, text in huge_modules(huge_lines).items():
        files.append(write(root, f"huge/{name}.py", text.encode("utf-8")))
    files.append(write(root, "odd/empty.py", b""))
    files.append(write(root, "odd/only_bom.py", b"\xef\xbb\xbf"))
    files.append(write(root, "odd/backslash.py", b"\\"))
    files.append(write(root, "odd/not_utf8.py", b"import tensorflow as tf\nname = '\xe9'\n"))
    files.append(write(root, "odd/unknown_cookie.py", b"# -*- coding: klingon -*-\nx = 1\n"))
    files.append(write(root, "odd/utf16.py", "import tensorflow as tf\n".encode("utf-16")))
    files.append(write(root, "odd/binary.py", bytes(random.Random(seed).randrange(256) for _ in range(4096))))
    files.append(write(root, "odd/stub.pyi", b"import tensorflow as tf\ndef f(x: tf.Tensor) -> int: ...\n"))
    special: list[str] = []
    if specials and hasattr(os, "mkfifo"):
        os.mkfifo(root / "odd" / "pipe.py")
        os.symlink(root / "odd" / "nowhere.py", root / "odd" / "dangling.py")
        os.symlink(root / "odd" / "self.py", root / "odd" / "self.py")
        os.symlink(root / "odd", root / "odd" / "loop")
        special += ["odd/pipe.py", "odd/dangling.py", "odd/self.py", "odd/loop"]
    return Corpus(root, tuple(files), tuple(special))


def build_fixable_tree(root: Path, copies: int) -> list[str]:
    """Every fixable seed program, `copies` times in numbered folders (for the interruption
    test: many files to fix, few distinct ones to fix up front)."""
    written = []
    for copy in range(copies):
        for program in fixable_programs():
            written.append(write(root, f"part_{copy:02d}/{program.name}.py", program.text.encode("utf-8")))
    return written


def regular_files(root: Path) -> Iterator[Path]:
    """The regular files under root, links and special files left out."""
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if stat.S_ISREG(path.lstat().st_mode):
                yield path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.corpus OUT", file=sys.stderr)
        return 2
    corpus = build_corpus(Path(argv[0]))
    print(f"{len(corpus.files)} files and {len(corpus.specials)} special entries in {corpus.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
