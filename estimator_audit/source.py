"""Read stage: bytes on disk (or stdin) to Python text, with notebook cells mapped back.

Decoding follows Python's own rules (BOM, PEP 263 cookie, UTF-8 default), so a file
the interpreter would refuse is reported, never silently mis-decoded.
"""

from __future__ import annotations

import ast
import codecs
import errno
import io
import json
import os
import re
import stat
import tokenize
from dataclasses import dataclass
from functools import cached_property

from estimator_audit.findings import Span

NEWLINE = re.compile(r"\r\n|\r|\n")
# IPython syntax that is not Python: line magics, shell escapes, help queries (`obj?`, `??obj`), a lone `;`
# line (an autocall escape IPython runs as `("")`).
MAGIC_LINE = re.compile(r"^\s*(?:[%!]|;\s*$|[\w.]+\s*=\s*[%!])|^\s*(?:\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")
# Cell magics whose body IPython runs as Python (it times or captures it).
PYTHON_CELL_MAGIC = re.compile(r"^%%(?:time|timeit|capture|prun)\b")
# Datalab's single-% cell magics: the rest of the cell is shell, SQL, YAML or a file's text.
OTHER_LANGUAGE_CELL = re.compile(
    r"^%(?:bash|sh|sql|bq|bigquery|writefile|file|chart|csv|gcs|storage|html|javascript|latex|ml|mlalpha)\b")
# A cell that writes a Python module (course notebooks write their trainer package so); `-a`
# appends a fragment to a file, which is not a module of its own.
WRITEFILE = re.compile(r"^%%?writefile[ \t]+(?P<path>[^\s-][^\s]*\.py)[ \t]*$")
# IPython's automagic: these commands and line magics work without `%` (`pip install x`, `cd
# data`, `ls -l`, `ll $path`, `run TestIdentity`, `timeit f(x)`).
AUTOMAGIC = re.compile(r"^\s*(?:pip|conda|cd|ls|ll|lf|ldir|pwd|cat|mkdir|rmdir|rm|cp|mv|env|clear|less|more|"
                       r"man|run|time|timeit|prun|matplotlib|pylab|load_ext|reload_ext|autoreload|who|whos|history|"
                       r"reset|pushd|popd|dirs|alias|store|config|precision|edit|save|load)(?:\s|$)")
# What IPython takes for Python after such a word, never calling the magic: an assignment or an
# operator (`history = model.fit(` opening a call continued on the next lines), not a path or a flag.
NOT_AUTOMAGIC = re.compile(r"\s*(?:[=(\[,:]|[-+*/%<>&|^!]=?\s|(?:is|not|in|and|or|if|else|for)\b)")


def automagic(line: str) -> bool:
    """A shell-like automagic line that is not Python (`pip install x`; not `ls = []`, nor
    `history = model.fit(`, the first line of a statement)."""
    found = AUTOMAGIC.match(line)
    if found is None or NOT_AUTOMAGIC.match(line, found.end()):
        return False
    try:
        compile(line.strip(), "<cell>", "exec")
    except SyntaxError:
        return True
    return False


class ReadFailure(Exception):
    """The file cannot become Python text; `code` says which finding reports it."""

    def __init__(self, code: str, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


@dataclass(frozen=True)
class WrittenModule:
    """The Python module a `%%writefile x.py` cell writes: audited and fixed as that file."""

    path: str  # as the magic names it (relative to the notebook's folder, where Jupyter runs it)
    first_line: int  # the line of the cell where the module's text starts
    text: str  # the rest of the cell's source, exactly


@dataclass(frozen=True)
class Cell:
    """A notebook code cell and where its lines sit in the joined text."""

    number: int  # 1-based position among all the notebook's cells
    first_line: int  # 1-based line of the joined text where the cell starts
    code: str  # the cell's source with IPython magics turned into `pass`
    writes: WrittenModule | None = None  # the module the cell writes; its code is then all `pass`


def written_module(source: str) -> WrittenModule | None:
    """The module a cell writes with `%%writefile path.py` on its first non-blank line."""
    lines = source.split("\n")
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None
    match = WRITEFILE.match(lines[first].strip())
    if match is None:
        return None
    return WrittenModule(match["path"], first + 2, "\n".join(lines[first + 1:]))


@dataclass(frozen=True)
class Source:
    """One file as Python text. Notebooks join their code cells, one after another."""

    path: str
    text: str
    cells: tuple[Cell, ...] | None = None

    @cached_property
    def lines(self) -> list[str]:
        """Physical lines split exactly as Python's tokenizer splits them."""
        return NEWLINE.split(self.text)

    def line_text(self, line: int) -> str:
        lines = self.lines
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def segment(self, span: Span) -> str:
        """The text a span covers (its lines joined by newlines)."""
        line, column, end_line, end_column = span
        lines = self.lines[line - 1 : end_line]
        if len(lines) <= 1:
            return lines[0][column - 1 : end_column - 1] if lines else ""
        return "\n".join([lines[0][column - 1 :], *lines[1:-1], lines[-1][: end_column - 1]])

    def column(self, line: int, utf8_offset: int) -> int:
        """1-based character column for ast's UTF-8 byte offset; computed only for findings."""
        prefix = self.line_text(line).encode("utf-8")[:utf8_offset]
        return len(prefix.decode("utf-8", errors="replace")) + 1

    def cell_position(self, line: int) -> tuple[int | None, int]:
        """(cell number, line within the cell) for a line of the joined text."""
        if self.cells is None:
            return None, line
        owner = self.cells[0]
        for cell in self.cells:
            if cell.first_line > line:
                break
            owner = cell
        return owner.number, line - owner.first_line + 1


def binary_failure(data: bytes) -> ReadFailure | None:
    """EA001 for a binary file (control bytes where source has none): asked only of a file
    that does not decode, so source that merely holds such a byte stays EA000's."""
    if data.startswith(WIDE_BOMS) or not BINARY.search(data[:BINARY_SNIFF]):
        return None  # UTF-16/32 text is text (in an encoding Python source cannot use): EA000
    return ReadFailure("EA001", "not a text file (it holds binary data): cannot read it as Python")


def decode_python(data: bytes) -> str:
    """Decode as the interpreter would, or raise ReadFailure with the line at fault."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise binary_failure(data) or ReadFailure("EA000", f"invalid encoding declaration: {error}") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        binary = binary_failure(data)
        if binary is not None:
            raise binary from None
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex()
        raise ReadFailure(
            "EA000", f"file is not valid {encoding}: byte 0x{byte} cannot be decoded", line
        ) from None
    except LookupError:
        raise ReadFailure("EA000", f"unknown encoding: {encoding}") from None


MAGIC_MARK = "# estimator-audit: ipython"
# Control bytes no Python source holds (NUL, and C0 controls other than tab, newlines, form
# feed, escape): a file named .py that starts with them is binary (an executable, an archive).
BINARY = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
BINARY_SNIFF = 1024
WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def neutralise_magics(code: str) -> str:
    """Replace IPython-only lines by `pass` (same indentation) so line numbers stay put.

    Each replaced line carries MAGIC_MARK, so restore_magics can put the original back after a
    fix edited the cell.
    """
    lines = code.split("\n")
    # Colab runs a cell magic after leading comment lines too.
    first = next((index for index, line in enumerate(lines)
                  if line.strip() and not line.lstrip().startswith("#")), 0)
    magic = lines[first].strip() if lines else ""
    start = first
    while PYTHON_CELL_MAGIC.match(magic) and first + 1 < len(lines) and lines[first + 1].startswith("%%"):
        first += 1  # `%%time` then `%%bash`: the wrapped cell magic decides what the body is
        magic = lines[first].strip()
    if PYTHON_CELL_MAGIC.match(magic):  # `%%time`: the body is ordinary Python
        lines[start:first + 1] = [f"pass  {MAGIC_MARK}", *[MAGIC_MARK] * (first - start)]
        code = "\n".join(lines)
    elif magic.startswith("%%") or OTHER_LANGUAGE_CELL.match(magic):  # the whole cell is not Python
        return "\n".join(f"pass  {MAGIC_MARK}" if i == start else MAGIC_MARK if i > start else line
                         for i, line in enumerate(lines))
    out = []
    continued = False  # a magic line ending in a backslash goes on on the next line
    for line in lines:
        indent = line[: len(line) - len(line.lstrip())]
        if continued:
            continued = line.rstrip().endswith("\\")
            line = f"{indent}{MAGIC_MARK}"
        elif MAGIC_LINE.match(line) or automagic(line):
            continued = line.rstrip().endswith("\\")
            line = f"{indent}pass  {MAGIC_MARK}"
        out.append(line)
    if out != lines and parses(code):
        return code  # `% (a, b)` continuing a format expression, `!= x` on its own line: Python
    neutral = "\n".join(out)
    if not parses(neutral) and first < len(lines) and lines[first][:1] in (" ", "\t") and parses(
            leading_indent_removed(neutral)):
        # IPython strips a cell's common leading indentation before running it; the indented
        # text cannot be audited at its own columns, so the cell is left out like other magics.
        return "\n".join(f"pass  {MAGIC_MARK}" if i == first else MAGIC_MARK if i > first else line
                         for i, line in enumerate(lines))
    return neutral


def leading_indent_removed(code: str) -> str:
    """IPython's leading_indent transformation: the first line's indentation is removed from
    every line that starts with it (other lines are left as they are)."""
    lines = code.split("\n")
    first = next((line for line in lines if line.strip()), "")
    prefix = first[: len(first) - len(first.lstrip())]
    return "\n".join(line[len(prefix):] if line.startswith(prefix) else line for line in lines)


def parses(code: str) -> bool:
    try:
        compile(code, "<cell>", "exec", ast.PyCF_ONLY_AST)
    except (SyntaxError, ValueError):
        return False
    return True


def restore_magics(original: str, fixed: str) -> str:
    """The fixed cell with its IPython lines as they were (fixes never touch them)."""
    originals = iter(
        line for line, neutral in zip(original.split("\n"), neutralise_magics(original).split("\n"),
                                      strict=True)
        if MAGIC_MARK in neutral
    )
    return "\n".join(next(originals) if MAGIC_MARK in line else line for line in fixed.split("\n"))


def notebook_cells(data: bytes) -> tuple[Cell, ...]:
    """The code cells of an .ipynb file, with magics neutralised and lines numbered."""
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReadFailure("EA001", f"notebook is not valid JSON: {error}") from None
    except RecursionError:  # json recurses per level of nesting
        raise ReadFailure("EA001", "notebook cannot be read: its JSON is nested too deeply") from None
    raw_cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(raw_cells, list):
        raise ReadFailure("EA001", "notebook has no list of cells (not nbformat 4)")
    metadata = notebook.get("metadata")
    kernelspec = metadata.get("kernelspec") if isinstance(metadata, dict) else None
    # Malformed metadata says nothing about the language: such notebooks are read as Python.
    language = kernelspec.get("language", "python") if isinstance(kernelspec, dict) else "python"
    if isinstance(language, str) and language.lower() != "python":
        return ()
    cells = []
    line = 1
    for number, cell in enumerate(raw_cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        if not isinstance(source, str):
            raise ReadFailure("EA001", f"notebook cell {number} has no text source")
        code = neutralise_magics(source).rstrip("\n")
        cells.append(Cell(number=number, first_line=line, code=code, writes=written_module(source)))
        line += code.count("\n") + 1
    return tuple(cells)


def read_source(path: str, data: bytes) -> Source:
    """Turn a file's bytes into a Source; notebooks by extension."""
    if path.endswith(".ipynb"):
        cells = notebook_cells(data)
        return Source(path=path, text="\n".join(c.code for c in cells), cells=cells)
    return Source(path=path, text=decode_python(data))


def read_file(path: str) -> bytes:
    """A file's bytes, or OSError. Only regular files are read: a named pipe called `x.py`
    would block the run forever and a device never ends (opened non-blocking to find out)."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with open(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        return handle.read()
