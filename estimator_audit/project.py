"""Project stage: whole-program knowledge that per-file work consults.

Real training programs span modules: `import iris_data` beside the script, `trainer/model.py`
used by `trainer/task.py`. The index answers "which file does this import load", "what does
that module define" and "which modules import this one", reading and parsing other modules
only when a rule asks (in practice: files that build an estimator), so a plain audit pays
nothing for it. Every module consulted while auditing a file is recorded with the hash of its
bytes: the result cache keys that file's findings on them too.

Imports resolve as Python would run the program: a script's own folder is on `sys.path`, a
package's modules are found from the folder above the package, and the project root (where
the configuration lives) is tried last. Only files on disk are read; nothing is imported.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from estimator_audit.parse import parse_source
from estimator_audit.source import ReadFailure, read_file, read_source

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext
    from estimator_audit.config import Settings

MODULE_SUFFIXES = (".py", ".ipynb")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def outermost_package(folder: Path) -> Path | None:
    """The outermost package folder holding `folder` (folders with an __init__.py), if any."""
    package = None
    while (folder / "__init__.py").is_file():
        package = folder
        if folder.parent == folder:
            break
        folder = folder.parent
    return package


# Files that mark the root of a repository or distribution: absolute imports of its own modules
# (`from tensorflow_fold.blocks import plan` in a Bazel tree without __init__.py files) resolve
# from there, wherever the audit was started.
SOURCE_ROOT_MARKERS = ("setup.py", "setup.cfg", "pyproject.toml", "WORKSPACE", ".git", "requirements.txt")
SOURCE_ROOT_DEPTH = 8  # folders climbed to find one


@lru_cache(maxsize=1 << 12)
def source_root(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` holding a repository marker, if any."""
    for candidate in [folder, *folder.parents][:SOURCE_ROOT_DEPTH]:
        if any((candidate / marker).exists() for marker in SOURCE_ROOT_MARKERS):
            return candidate
    return None


# The text of import statements (a parenthesised `from m import (...)` across its lines): a module
# is an importer candidate only if one of them names the module, before anything is parsed.
IMPORT_STATEMENT = re.compile(  # (a line, with its backslash continuations: `from .x import a, \`)
    rb"^[ \t]*(?:from[ \t]+\S+[ \t]+import[ \t]*(?:\([^)]*\)|(?:[^\n\\]|\\\r?\n|\\.)*)"
    rb"|import[ \t](?:[^\n\\]|\\\r?\n|\\.)*)", re.MULTILINE)
# In a notebook, the same at the start of a JSON source line (`"import x as y\\n",`).
NOTEBOOK_IMPORT_STATEMENT = re.compile(
    rb'^[ \t]*"[ \t]*(?:from[ \t]+\S+[ \t]+import[ \t]*(?:\([^)]*\)|[^\n]*)|import[ \t][^\n]*)',
    re.MULTILINE)


def import_statements(path: str, data: bytes) -> list[bytes]:
    """The import statements' text in a module's bytes (a notebook's: in its JSON source lines)."""
    return (NOTEBOOK_IMPORT_STATEMENT if path.endswith(".ipynb") else IMPORT_STATEMENT).findall(data)


WORD = re.compile(rb"\w+")


# Other modules kept parsed at once: a whole-program question reads a few modules again and
# again (the audited file's imports, a helper module), while keeping every module a run ever
# consulted held tensorflow/models' whole tree in memory (324 modules, a third of the peak).
MAX_CONTEXTS = 64
SCANS_BEFORE_INDEX = 8  # importer questions about a tree answered by scanning, before indexing it
NAMESPACE_GAP = 3  # folders without an __init__.py inside a package tree, followed up to this many


def statement_text(found: bytes) -> str:
    """An import statement import_statements found, as Python: a notebook's JSON source line
    (`"import x as y\\n",`) decoded from its JSON string."""
    text = found.decode("utf-8", "replace").strip()
    if text.startswith('"'):
        try:
            decoded = json.loads(text.rstrip(","))
        except ValueError:
            decoded = text.strip('",')
        text = decoded if isinstance(decoded, str) else text
    return text.strip()


class Project:
    """The modules of the program being audited, parsed on demand and kept for the run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._contexts: OrderedDict[str, ModuleContext | None] = OrderedDict()
        self._bytes: dict[str, bytes | None] = {}
        self._digests: dict[str, str] = {}  # path -> sha256 of the bytes read
        self._listings: dict[Path, list[str]] = {}
        self._imported: dict[str, frozenset[Path]] = {}  # path -> resolved paths it imports
        self._import_words: dict[str, frozenset[str]] = {}  # path -> words of its imports
        self._importers: dict[str, list[str]] = {}  # path -> the modules that import it
        self._importing: dict[Path, dict[str, list[str]]] = {}  # root -> import word -> modules
        self._scans: dict[Path, int] = {}  # root -> importer questions answered by scanning its text
        self._located: dict[tuple[str, str], tuple[str, list[str]] | None] = {}
        self._roots: dict[str, list[Path]] = {}  # importing folder -> search_roots
        self._found: dict[tuple[Path, tuple[str, ...]], str | None] = {}  # what `find` found
        self._starring: set[str] = set()  # modules whose star exports are being read
        self.consulted: dict[str, str] = {}  # path -> sha256, since `begin`
        self.current: ModuleContext | None = None  # the file being audited, as it is now

    @staticmethod
    @lru_cache(maxsize=1 << 16)
    def key(path: str) -> str:
        """The resolved path a module is known by (resolving costs a system call per part)."""
        try:
            return str(Path(path).resolve())
        except (OSError, RuntimeError):  # a symbolic link loop: known by its own name
            return os.path.abspath(path)

    # -- recording what a file's findings depend on ---------------------------------------------
    def begin(self) -> None:
        """Start recording the modules consulted for one audited file."""
        self.consulted = {}
        self.current = None

    def dependencies(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.consulted.items()))

    # -- reading modules --------------------------------------------------------------------------
    def read(self, path: str) -> bytes | None:
        """A module's bytes as they were when first read in this run (a --fix run rewrites files
        only after every file has been audited, so all see the program as it was); the audited
        file's findings now depend on it."""
        data = self.peek(path)
        path = self.key(path)
        if data is not None:
            if path not in self._digests:
                self._digests[path] = digest(data)
            self.consulted[path] = self._digests[path]
        return data

    def text(self, path: str) -> str:
        """A module's text (read as `read` does; '' when it cannot be read), for the textual
        tests rules make of neighbouring modules before parsing any."""
        return (self.read(path) or b"").decode("utf-8", "replace")

    def peek(self, path: str) -> bytes | None:
        """A module's bytes, without making the audited file's findings depend on them: for
        scanning many files for the few that matter (importers), which are then read."""
        path = self.key(path)
        if path not in self._bytes:
            try:
                self._bytes[path] = read_file(path)  # a named pipe called x.py must not block the run
            except OSError:
                self._bytes[path] = None
        return self._bytes[path]

    def raw(self, path: str) -> bytes:
        """A listed module's bytes for the importer scan's textual tests: read by the path the
        listing gives (no resolving; the few importers found are read as `peek` reads them)."""
        data = self._bytes.get(path)
        if data is None and path not in self._bytes:
            try:
                data = read_file(path)
            except OSError:
                data = None
            self._bytes[path] = data
        return data or b""

    def context(self, path: str) -> ModuleContext | None:
        """Another module of the program, parsed, with its names resolved at module level."""
        from estimator_audit.check import ModuleContext

        path = self.key(path)
        if self.current is not None and self.key(self.current.source.path) == path:
            return self.current
        data = self.read(path)
        if path in self._contexts:
            self._contexts.move_to_end(path)  # (recently used: kept)
        else:
            context = None
            if data is not None:
                try:
                    source = read_source(path, data)
                except ReadFailure:
                    source = None
                parsed = parse_source(source) if source is not None else None
                if source is not None and parsed is not None and parsed.tree is not None:
                    context = ModuleContext(source, parsed.tree, self.settings, self)
            self._contexts[path] = context
            if len(self._contexts) > MAX_CONTEXTS:
                self._contexts.popitem(last=False)  # the least recently used: parsed again if asked
        return self._contexts[path]

    def star_exports(self, importer: str, module: str, level: int) -> dict[str, str]:
        """The names a `from module import *` in `importer` binds when the module is one of the
        program's: its public module-level names bound to an import (`from layers import *`
        bringing layers.py's `tf`), its own star imports included, and its functions and classes
        (as `module.name`, so the whole-program lookup finds them). Modules that star-import
        each other answer nothing for the second visit."""
        path = self.resolve(importer, module, level)
        if path is None or path in self._starring:
            return {}
        self._starring.add(path)
        try:
            context = self.context(path)
        finally:
            self._starring.discard(path)
        if context is None:
            return {}
        exported: dict[str, str] = {}
        for name, bindings in context.names.scope.bindings.items():
            qualified = bindings[-1].qualified
            if qualified is not None and not name.startswith("_") and not qualified.startswith("."):
                exported[name] = qualified
        if not level:
            for statement in context.tree.body:
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not (
                        statement.name.startswith("_") or statement.name in exported):
                    exported[statement.name] = f"{module}.{statement.name}"
        return exported

    # -- resolving imports ------------------------------------------------------------------------
    def search_roots(self, importer: str) -> list[Path]:
        """Folders an import in `importer` is looked up from, in order (kept per folder: each
        costs system calls, and a tree's modules resolve thousands of imports)."""
        key = os.path.dirname(importer)
        roots = self._roots.get(key)
        if roots is None:
            folder = Path(importer).resolve().parent
            roots = [folder]
            package = outermost_package(folder)
            if package is not None:
                roots.append(package.parent)
            marked = source_root(folder)
            if marked is not None:
                roots.append(marked)
            roots.append(self.settings.root.resolve())
            roots = self._roots[key] = list(dict.fromkeys(roots))
        return roots

    def find(self, base: Path, parts: list[str]) -> str | None:
        """`base/a/b.py` or `base/a/b/__init__.py` for the dotted parts ['a', 'b'] (kept for
        the run: the files of the program do not change while it is audited)."""
        if not parts or any(not part.isidentifier() for part in parts):
            return None
        key = (base, tuple(parts))
        if key not in self._found:
            module = base.joinpath(*parts)
            candidates = (module.with_suffix(".py"), module / "__init__.py")
            self._found[key] = next((str(candidate) for candidate in candidates if candidate.is_file()), None)
        return self._found[key]

    def resolve(self, importer: str, module: str, level: int = 0) -> str | None:
        """The project file `import module` (or `from .module import ...`) in `importer` loads."""
        parts = module.split(".") if module else []
        if level:
            base = Path(importer).resolve().parent
            for _ in range(level - 1):
                base = base.parent
            return self.find(base, parts) if parts else self.find(base.parent, [base.name])
        roots = self.search_roots(importer)
        for root in roots:
            found = self.find(root, parts)
            if found is not None:
                return found
        # `from hific import model` in hific/train.py, run as `python -m hific.train` from the
        # folder above: a module importing its own folder (or one above it) by name has that
        # folder's parent on sys.path, whatever markers lie between
        named = next((folder.parent for folder in [roots[0], *roots[0].parents][:SOURCE_ROOT_DEPTH]
                      if parts and folder.name == parts[0]), None)
        return self.find(named, parts) if named is not None else None

    def locate(self, importer: str, qualified: str) -> tuple[str, list[str]] | None:
        """The project module a qualified name starts with (as the resolver spells imported
        names: `iris_data.train_input_fn`, `.model.build` for a relative import) and the
        attributes after it; None when no prefix is a module of the program. Answers are kept
        per importing folder: resolving searches the file system."""
        key = (str(Path(importer).parent), qualified)
        if key not in self._located:
            self._located[key] = self.find_prefix(importer, qualified)
        found = self._located[key]
        return (found[0], list(found[1])) if found is not None else None

    def find_prefix(self, importer: str, qualified: str) -> tuple[str, list[str]] | None:
        level = len(qualified) - len(qualified.lstrip("."))
        parts = qualified[level:].split(".")
        for cut in range(len(parts), 0, -1):
            path = self.resolve(importer, ".".join(parts[:cut]), level)
            if path is not None:
                return path, parts[cut:]
        if level:
            path = self.resolve(importer, "", level)
            if path is not None:
                return path, parts
        return None

    def sibling_import(self, path: str, module: str) -> str:
        """The import statement that loads `module`, a file placed beside `path`, written the
        way `path` already imports its own siblings (`import iris_data`, `from . import model`,
        `from trainer import model`); in a package without such imports, a relative one when
        other modules import this one, else (a script) a plain one."""
        folder = Path(path).resolve().parent
        context = self.context(path)
        statements = [node for node in ast.walk(context.tree)
                      if isinstance(node, (ast.Import, ast.ImportFrom))] if context is not None else []
        for node in sorted(statements, key=lambda n: (n.lineno, n.col_offset)):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                return f"from . import {module}"
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [f"{node.module}.{alias.name}" for alias in node.names] + [node.module or ""])
            for name in names:
                found = self.resolve(path, name) if name and not getattr(node, "level", 0) else None
                if found is None:
                    continue
                found_path = Path(found)
                if found_path.name == "__init__.py" and found_path.parent == folder and "." not in name:
                    return f"from {name} import {module}"  # `from trainer import model` in trainer/
                if found_path.parent == folder and found_path.name != "__init__.py":
                    package = name.rsplit(".", 1)[0] if "." in name else None
                    return f"from {package} import {module}" if package else f"import {module}"
                if found_path.parent.parent == folder and found_path.parent.name == name.split(".")[0]:
                    return f"import {module}"  # `from models.net import Net`: its folder is on sys.path
        if (folder / "__init__.py").is_file() and not path.endswith(".ipynb") and any(self.importers(path)):
            return f"from . import {module}"
        return f"import {module}"  # a script (nothing imports it) runs with its folder on sys.path

    # -- who imports a module ---------------------------------------------------------------------
    def files_under(self, root: Path) -> list[str]:
        """Every module file under `root` (sorted, skipping what discovery skips)."""
        if root not in self._listings:
            from estimator_audit.discover import walk

            self._listings[root] = [path for path in walk(root, self.settings, True)
                                    if path.endswith(MODULE_SUFFIXES)]
        return self._listings[root]

    def importers(self, path: str) -> list[str]:
        """The paths of the modules of the program that import the module at `path` (by any
        spelling), found by a textual look for an import statement naming it, then checked by
        resolving their imports (kept for the run, like each module's resolved imports: rules ask
        about many). Only the importers found are read, becoming dependencies of the audited
        file's cached findings: a module that starts importing it later is seen when the file
        itself is audited again. Ask `context` for those whose code matters."""
        target = Path(self.key(path))
        found = self._importers.get(str(target))
        if found is None:
            name = target.parent.name if target.name == "__init__.py" else target.stem
            root = self.importer_root(target.parent)
            candidates = self.naming(root, name)
            if root == target.parent and not (root / "__init__.py").is_file():
                candidates = candidates + [script for script in self.scripts_beside(root)
                                           if name in self.import_words(script)]
            found = [candidate for candidate in candidates
                     if target in self.imported_paths(candidate) and Path(self.key(candidate)) != target]
            self._importers[str(target)] = found
        return [candidate for candidate in found if self.read(candidate) is not None]

    def naming(self, root: Path, name: str) -> list[str]:
        """The modules under `root` whose import statements name `name`. The first questions
        about a tree scan its text for the name (one substring test a module); once a run asks
        more than SCANS_BEFORE_INDEX, the tree's import words are indexed and the rest are
        lookups (a one-file audit of tensorflow/models asks once; a whole-tree audit asks about
        1,300 times, and scanning 1,300 files of research/ for each cost seconds)."""
        index = self._importing.get(root)
        if index is not None:
            return index.get(name, [])
        self._scans[root] = self._scans.get(root, 0) + 1
        if self._scans[root] <= SCANS_BEFORE_INDEX:
            spelled = name.encode()
            return [candidate for candidate in self.files_under(root)
                    if spelled in self.raw(candidate) and name in self.import_words(candidate)]
        index = self._importing[root] = {}
        for candidate in self.files_under(root):
            for word in self.import_words(candidate):
                index.setdefault(word, []).append(candidate)
        return index.get(name, [])

    def scripts_beside(self, folder: Path) -> list[str]:
        """The modules directly in the folder above a folder of modules that is no package: the
        scripts that import it as a namespace package (`from vae.vae import ConvVAE` beside
        `vae/`). Only that folder's own files: its tree may be anything (the file system root)."""
        try:
            entries = sorted(folder.parent.iterdir())
        except OSError:
            return []
        return [str(entry) for entry in entries if entry.suffix in MODULE_SUFFIXES and entry.is_file()]

    def importer_root(self, folder: Path) -> Path:
        """The folder whose modules may import a module of `folder`: above its outermost package
        (for a module in no package, the repository root a few folders up, when there is one),
        and above up to NAMESPACE_GAP folders without an __init__.py between it and a package
        of the program (PEP 420 namespace parts: `spinup/algos/tf1/ddpg/` is imported by
        `spinup/__init__.py`, and `algos/tf1/` has none)."""
        package = outermost_package(folder)
        root = package.parent if package is not None else folder
        marked = source_root(folder) if package is None else None
        if marked is not None and len(folder.relative_to(marked).parts) <= NAMESPACE_GAP:
            root = marked  # a tree without __init__.py files, imported from its repository's root

        current, gap = root, 0
        while gap < NAMESPACE_GAP and current.parent != current:
            current, gap = current.parent, gap + 1
            if (current / "__init__.py").is_file():
                outer = outermost_package(current)
                root = current = outer.parent if outer is not None else current.parent
                gap = 0
        return root

    def import_words(self, path: str) -> frozenset[str]:
        """The words of a module's import statements, read once a run: the quick test of
        whether it may import a module of a given name."""
        found = self._import_words.get(path)
        if found is None:
            statements = import_statements(path, self.raw(path))
            found = frozenset(word.decode("utf-8", "replace") for statement in statements
                              for word in WORD.findall(statement))
            self._import_words[path] = found
        return found

    def imported_paths(self, path: str) -> frozenset[Path]:
        """The resolved paths of the project modules a module imports, computed once a run from
        its import statements alone (no parse of the whole module)."""
        found = self._imported.get(path)
        if found is None:
            data = self.peek(path) or b""
            texts = [statement_text(text) for text in import_statements(path, data)]
            statements = parse_statements(texts)
            found = frozenset(Path(self.key(module)) for module in self.resolved_imports(path, statements))
            self._imported[path] = found
        return found

    def imports_of(self, path: str, context: ModuleContext) -> Iterator[str]:
        """The project modules a module imports (anywhere in it)."""
        return self.resolved_imports(path, ast.walk(context.tree))

    def resolved_imports(self, path: str, nodes: Iterable[ast.AST]) -> Iterator[str]:
        """The project modules these import statements of the module at `path` load."""
        for node in nodes:
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
                level = 0
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                modules = [f"{base}.{alias.name}" if base else alias.name for alias in node.names] + [base]
                level = node.level
            else:
                continue
            for module in modules:
                found = self.resolve(path, module, level) if module or level else None
                if found is not None:
                    yield found


def parse_statements(texts: list[str]) -> list[ast.stmt]:
    """Statements parsed together (one parse), or one by one when some do not parse."""
    try:
        return ast.parse("\n".join(texts)).body
    except (SyntaxError, ValueError):
        pass
    statements: list[ast.stmt] = []
    for text in texts:
        try:
            statements += ast.parse(text).body
        except (SyntaxError, ValueError):
            continue
    return statements
