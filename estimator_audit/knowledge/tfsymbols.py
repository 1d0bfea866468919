"""What exists in TensorFlow and Keras, and which constructors refuse which keywords.

Everything here is read from tables generated from the real packages by
`tools/generate_tf_tables.py` (its docstring says how to run it); the linter never imports
TensorFlow. Qualified names are the resolver's canonical ones (`tensorflow.compat.v1.Session`,
`keras.layers.Dense`, instances spelled with `()`).

Which table judges which target:
- targets 2.16 and later: TensorFlow 2.21 with Keras 3 (`tf_api_2_21.json`, `keras_api_3.json`).
  Outside Keras, tf.estimator and the Keras-backed tf.compat.v1.layers / nn.rnn_cell, 2.21
  lacks only 8 of the public names 2.15 had (e.g. tf.data.experimental.
  CheckpointInputPipelineHook), so the 2.21 table stands for 2.16 to 2.20 as well;
- target 2.15: TensorFlow 2.15 with Keras 2.15 and tensorflow-estimator (`tf_api_2_15.json`);
- targets 2.0 to 2.14: a name counts as missing only when it is missing from both tables;
- targets before 2.0 (TensorFlow 1): nothing is judged missing.

The predicates at the end say which more specific rule (EA101-EA105, EA107, EA108) reports a
name, so that EA106 stays silent there and the owners of those rules can reuse them.
"""

from __future__ import annotations

import ast
import keyword
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, ClassVar

from estimator_audit.data import load
from estimator_audit.findings import Edit, EditAction, Fix, FixSafety
from estimator_audit.knowledge.graph_mode import graph_mode_only
from estimator_audit.knowledge.tfapi import keras3
from estimator_audit.knowledge.v1api import v1_optimizer
from estimator_audit.knowledge.versions import taken_on_target, version_function
from estimator_audit.resolve import canonical, start
from estimator_audit.rule import Rule
from estimator_audit.text_edits import statements_of

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

Version = tuple[int, int]
TF2: Version = (2, 0)
LEGACY: Version = (2, 15)




@dataclass(frozen=True)
class Missing:
    """The first part of a dotted name that an API table does not have."""

    name: str  # the name up to and including the missing part, as the user spelled it
    module: str  # the module it is missing from, as the user spelled it
    reason: str | None = None  # why the module refuses its members (Keras 3), if it says


@dataclass(frozen=True)
class ApiTable:
    """A generated API: each module's public members; aliases between module paths."""

    version: str
    modules: Mapping[str, frozenset[str]]
    aliases: Mapping[str, str]
    unavailable: Mapping[str, str]

    @classmethod
    def from_file(cls, filename: str, package: str) -> ApiTable:
        data = load(filename)
        versions: dict[str, str] = data["versions"]
        modules: dict[str, list[str]] = data["modules"]
        return cls(
            version=".".join(versions[package].split(".")[:2]),
            modules={path: frozenset(members) for path, members in modules.items()},
            aliases=data["aliases"],
            unavailable=data.get("unavailable", {}),
        )

    def judges(self, qualified: str) -> bool:
        return qualified.split(".", 1)[0] in self.modules

    def first_missing(self, qualified: str) -> Missing | None:
        """The first missing part of a dotted name, or None when it exists or cannot be judged.

        Below a member that is not an API module (a class, a function, an instance `X()`, a
        foreign module such as absl's flags, an internal package such as tensorflow.python)
        nothing is judged; private names (`tf._api`, `__version__`) are not judged either.
        """
        parts = qualified.split(".")
        if parts[0] not in self.modules:
            return None
        path = parts[0]
        for index in range(1, len(parts)):
            part = parts[index]
            instance = part.endswith("()")
            part = part.removesuffix("()")
            if not part or part.startswith("_") or "(" in part:
                return None
            path = self.aliases.get(path, path)
            members = self.modules.get(path)
            if members is None:
                return None
            if part not in members:
                spelled = ".".join([*parts[:index], part])
                return Missing(spelled, ".".join(parts[:index]), self.unavailable.get(path))
            if instance:
                return None
            path = f"{path}.{part}"
        return None

    def canonical(self, qualified: str) -> str | None:
        """The path the table lists a name under (aliases followed), if every part exists."""
        parts = qualified.split(".")
        if parts[0] not in self.modules:
            return None
        path = parts[0]
        for part in parts[1:]:
            path = self.aliases.get(path, path)
            if part not in self.modules.get(path, ()):
                return None
            path = f"{path}.{part}"
        return self.aliases.get(path, path)


@cache
def tf_api(version: str) -> ApiTable:
    """The `tensorflow` API of TensorFlow 2.21 ("2.21") or 2.15 ("2.15")."""
    return ApiTable.from_file(f"tf_api_{version.replace('.', '_')}.json", "tensorflow")


@cache
def keras_api(version: str) -> ApiTable:
    """The standalone `keras` API: Keras 3 ("3") or Keras 2.15 ("2.15")."""
    return ApiTable.from_file(f"keras_api_{version.replace('.', '_')}.json", "keras")


def api_members(module: str) -> frozenset[str]:
    """The public names of a TensorFlow or Keras module in any table (TF 2.15 and 2.21, Keras
    2.15 and 3): what `from keras.optimizers import *` binds, whichever version the program
    was written for."""
    tables = {"tensorflow": (tf_api("2.15"), tf_api("2.21")),
              "keras": (keras_api("2.15"), keras_api("3"))}.get(module.split(".")[0], ())
    found: set[str] = set()
    for table in tables:
        path = table.canonical(module)
        if path is not None:
            found.update(name for name in table.modules.get(path, ()) if not name.startswith("_"))
    return frozenset(found)


def tf_tables(target: Version) -> tuple[ApiTable, ...]:
    """The tables a name must be missing from to be missing on `target` (see module docs)."""
    if target < TF2:
        return ()
    if keras3(target):
        return (tf_api("2.21"),)
    if target == LEGACY:
        return (tf_api("2.15"),)
    return (tf_api("2.15"), tf_api("2.21"))


@lru_cache(maxsize=1 << 16)
def missing(qualified: str | None, target: Version) -> Missing | None:
    """The first missing part of a `tensorflow.*` or `keras.*` name on `target`, or None
    (remembered: a TF1 file names the same few hundred symbols thousands of times)."""
    if qualified is None:
        return None
    if qualified.split(".", 1)[0] == "keras":
        tables: tuple[ApiTable, ...] = (keras_api("3"),) if keras3(target) else ()
    else:
        tables = tf_tables(target)
    found = [table.first_missing(qualified) for table in tables]
    if not found or any(f is None for f in found):
        return None
    return found[0]


def exists(qualified: str, target: Version = (2, 21)) -> bool:
    """False only when the tables show that the name is missing on `target`."""
    return missing(qualified, target) is None


# -- renames ------------------------------------------------------------------------------------


@cache
def renames_table() -> tuple[Mapping[str, str], Mapping[str, str]]:
    data = load("tf_renames_v2.json")
    return data["replacements"], data["renames"]


@cache
def arguments_rewritten() -> frozenset[str]:
    """TF1 names whose calls tf_upgrade_v2 rewrites beyond the name (arguments, warnings)."""
    return frozenset(load("tf_renames_v2.json")["changes_arguments"])


@cache
def v1_keywords(qualified: str, target: Version) -> frozenset[str]:
    """TF1 keywords of a TensorFlow function that its TF2 version lacks (`reduction_indices` of
    tf.reduce_sum, tf_upgrade_v2's renames; `merge_repeated` of ctc_beam_search_decoder, read
    from both signatures on TensorFlow 2.21), when tf.compat.v1 keeps the TF1 function on
    `target`; else empty."""
    names = set(load("tf_renames_v2.json")["v1_keywords"].get(qualified, ()))
    if keras3(target):
        dropped: Mapping[str, list[str]] = arguments_table("2.21")["dropped_keywords"]  # type: ignore[assignment]
        names |= set(dropped.get(qualified, ()))
    if not names or qualified.startswith("tensorflow.compat.") or missing(qualified, target) is not None:
        return frozenset()
    v1 = "tensorflow.compat.v1." + qualified[len("tensorflow."):]
    return frozenset(names) if exists(v1, target) else frozenset()


def contrib_successor(qualified: str, target: Version) -> str | None:
    """The TF2 name tf_upgrade_v2 gives a tf.contrib name by renaming alone (the longest renamed
    prefix, the rest of the chain kept), when that name exists on `target` or is one TensorFlow
    serves with Keras 2; None for names whose arguments tf_upgrade_v2 also rewrites."""
    new = contrib_rename(qualified)
    return new if new is not None and (exists(new, target) or keras_2_name(new) is not None) else None


def contrib_rename(qualified: str) -> str | None:
    """The name tf_upgrade_v2's table renames a tf.contrib name to (whether it exists or not),
    None where it rewrites the call's arguments too or has no entry."""
    if not qualified.startswith("tensorflow.contrib."):
        return None
    found = _longest_renamed(qualified, renames_table()[1])
    if found is None or found[0] in arguments_rewritten():
        return None
    return found[1] + qualified[len(found[0]):]


def _longest_renamed(qualified: str, table: Mapping[str, str]) -> tuple[str, str] | None:
    parts = qualified.split(".")
    for end in range(len(parts), 1, -1):
        prefix = ".".join(parts[:end])
        if prefix in table:
            return prefix, table[prefix]
    return None


def replacement(qualified: str, target: Version = (2, 21)) -> tuple[str, str] | None:
    """(old prefix, new name) when TensorFlow's own TF1 -> TF2 rename table maps the longest
    prefix of the name to a name that is the same object (checked on TF 2.15) and exists on
    `target`; e.g. tensorflow.random_normal -> tensorflow.random.normal."""
    found = _longest_renamed(qualified, renames_table()[0])
    if found is None or not exists(found[1], target):
        return compat_v1_name(qualified, target)
    return found


def compat_v1_name(qualified: str, target: Version) -> tuple[str, str] | None:
    """(old prefix, its tf.compat.v1 name) for the longest prefix of a TF 1.x name that
    tf.compat.v1 keeps on `target` (tf.compat.v1 is TensorFlow 1's API as it was, so the name
    there is the same object): the spelling the migration guide starts from when TensorFlow's
    rename table maps the name to a different TF 2 function. Keras names are left to EA108."""
    if not qualified.startswith("tensorflow.") or qualified.startswith(
            ("tensorflow.compat.", "tensorflow.keras")):
        return None
    parts = qualified.split(".")
    for end in range(len(parts), 1, -1):
        old = ".".join(parts[:end])
        new = "tensorflow.compat.v1." + old[len("tensorflow."):]
        if exists(new, target) and missing(old, target) is not None:
            return old, new
    return None


@cache
def changed_meaning(qualified: str, target: Version) -> tuple[str, str] | None:
    """(old prefix, tf.compat.v1 name) for a TF 1.x name that TensorFlow 2 kept for another
    object (tf.summary.scalar is TF2's summary op; TF1 code meant tf.compat.v1.summary.scalar):
    tf_upgrade_v2's same-object renames into tf.compat.v1 of names that still exist."""
    if qualified.startswith(("tensorflow.compat.", "tensorflow.keras")):
        return None
    found = _longest_renamed(qualified, renames_table()[0])
    if found is None or not found[1].startswith("tensorflow.compat.v1."):
        return None
    if missing(found[0], target) is not None or not exists(found[1], target):
        return None
    return found


def reorder(qualified: str) -> tuple[str | None, ...] | None:
    """tf_upgrade_v2's argument reorder for a TF1 function whose only rewrite it is: the
    keyword each positional argument takes (None: it keeps its position), or None."""
    return reorders_table().get(qualified)


@cache
def reorders_table() -> Mapping[str, tuple[str | None, ...]]:
    return {name: tuple(order) for name, order in load("tf_renames_v2.json")["reorders"].items()}


def tf2_rename(qualified: str, target: Version = (2, 21)) -> tuple[str, str] | None:
    """(old prefix, new name) for renames in tf_upgrade_v2's table that are not one-to-one
    (the TF 2 name is a different object: arguments or behaviour may differ)."""
    found = _longest_renamed(qualified, renames_table()[1])
    if found is None or not exists(found[1], target):
        return None
    return found


# -- constructor keywords ---------------------------------------------------------------------


@cache
def arguments_table(version: str) -> dict[str, object]:
    return load(f"tf_arguments_{version.replace('.', '_')}.json")


def _argument_lookup(qualified: str, target: Version, key: str) -> str | None:
    """A name's entry in a keyword table for the runtime `target` stands for.

    TF1 spellings (`tensorflow.train.AdamOptimizer`) are judged as their tf.compat.v1 names:
    compat.v1 is TensorFlow 1's API kept as it was.
    """
    version = "2.21" if keras3(target) else "2.15"
    table: Mapping[str, str] = arguments_table(version)[key]  # type: ignore[assignment]
    root = qualified.split(".", 1)[0]
    api = keras_api("3" if version == "2.21" else "2.15") if root == "keras" else tf_api(version)
    candidates = [qualified]
    if root == "tensorflow" and not qualified.startswith("tensorflow.compat."):
        candidates.append("tensorflow.compat.v1." + qualified[len("tensorflow.") :])
    for candidate in candidates:
        path = api.canonical(candidate)
        if path is not None and path in table:
            return table[path]
    return None


def keras3_parameters(qualified: str | None, target: Version = (2, 21)) -> tuple[frozenset[str], bool] | None:
    """The keywords a Keras 3 class's constructor names, and whether it also takes **kwargs;
    None for what is no public Keras 3 class (or a target with Keras 2)."""
    if qualified is None or not keras3(target):
        return None
    if qualified.startswith("tensorflow.keras."):  # TF 2.21's tf.keras is Keras 3
        qualified = qualified[len("tensorflow."):]
    if not qualified.startswith("keras."):
        return None
    path = keras_api("3").canonical(qualified)
    table: Mapping[str, list[str]] = arguments_table("2.21")["keras_keywords"]  # type: ignore[assignment]
    if path is None or path not in table:
        return None
    return frozenset(table[path]), path in keras_open_classes()


@cache
def keras_open_classes() -> frozenset[str]:
    classes: list[str] = arguments_table("2.21")["keras_open_classes"]  # type: ignore[assignment]
    return frozenset(classes)


def keras3_unknown_keywords(qualified: str | None, keywords: Iterable[str], target: Version = (2, 21)
                            ) -> list[str]:
    """The keywords a Keras 3 class's constructor does not take, among those a call passes, for
    classes that take no **kwargs (TypeError: Keras 2's `ModelCheckpoint(period=5)`)."""
    found = keras3_parameters(qualified, target)
    if found is None or found[1]:
        return []
    return sorted(set(keywords) - found[0])


def rejects_seed(qualified: str | None, target: Version = (2, 21)) -> str | None:
    """The exception (`TypeError`, `ValueError`) the constructor raises when given seed=.

    For TensorFlow 1 targets only the TF1 optimizers are judged (compat.v1 keeps them as
    they were); Keras was not checked on TensorFlow 1.
    """
    if qualified is None:
        return None
    found = _argument_lookup(qualified, target, "rejects_seed")
    if found is not None and target < TF2 and v1_optimizer(qualified) is None:
        return None
    return found


def rejects_weights(qualified: str | None, target: Version = (2, 21)) -> str | None:
    """The exception a Keras 3 layer's constructor raises when given weights= (Keras 2 took it)."""
    if qualified is None or not keras3(target):
        return None
    return _argument_lookup(qualified, target, "rejects_weights")


def unusable_in_keras3(qualified: str | None, target: Version = (2, 21)) -> str | None:
    """The exception constructing a keras.optimizers.legacy class raises in Keras 3."""
    if qualified is None or not keras3(target):
        return None
    table: Mapping[str, str] = keras_api_data("3")["unusable"]  # type: ignore[assignment]
    api = keras_api("3") if qualified.startswith("keras.") else tf_api("2.21")
    path = api.canonical(qualified)
    return table.get(path) if path is not None else None


@cache
def keras_api_data(version: str) -> dict[str, object]:
    return load(f"keras_api_{version.replace('.', '_')}.json")


@cache
def removed_model_methods() -> frozenset[str]:
    """Public methods of a Keras 2.15 Model/Sequential that Keras 3 models lack, minus names
    some public TensorFlow 2.21 or Keras 3 class still has as a method (an unknown receiver
    could be one of those)."""
    old = keras_api_data("2.15")
    new = keras_api_data("3")
    methods = set(old["model_methods"])  # type: ignore[call-overload]
    for key in ("model_methods", "model_attributes", "class_methods"):
        methods -= set(new[key])  # type: ignore[call-overload]
    return frozenset(methods)


def keras2_only(qualified: str | None, target: Version) -> Missing | None:
    """A Keras name missing from Keras 3 on `target` (2.16+), under `keras.` or `tf.keras.`;
    for tf.keras only when Keras 2.15 (TF 2.15's tf.keras) had it."""
    if qualified is None or not keras3(target):
        return None
    gone = missing(qualified, target)
    if gone is None:
        return None
    if qualified.startswith("keras."):
        return gone
    keras_path = gone.name.startswith(("tensorflow.keras.", "tensorflow.compat.v1.keras."))
    if keras_path and tf_api("2.15").first_missing(gone.name) is None:
        return gone
    return None


# -- which rule reports what --------------------------------------------------------------------

# -- where a file names an API symbol ----------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """A place where the file names a qualified API symbol."""

    node: ast.AST  # where a finding goes: the call, the attribute chain, the import
    qualified: str  # the canonical qualified name named
    called: bool  # the name is what a call calls
    base: str  # what the chain's first name (or the import's module) already is


def chain_root(chain: ast.expr) -> ast.expr:
    """The expression an attribute chain starts from (`tf` in `tf.compat.v1.Session`)."""
    while isinstance(chain, ast.Attribute):
        chain = chain.value
    return chain


def chain_base(context: ModuleContext, chain: ast.expr) -> str | None:
    """What a chain's first name is (`tensorflow` for `tf`); None for an unknown name or an
    instance (`sess` after `sess = tf.Session()`)."""
    root = chain_root(chain)
    base = context.qualified_name(root) if isinstance(root, ast.Name) else None
    return None if base is None or "()" in base else base


POSTPONED_ANNOTATIONS = re.compile(r"^from\s+__future__\s+import[^\n]*\bannotations\b", re.MULTILINE)


def never_evaluated(context: ModuleContext, node: ast.Attribute) -> bool:
    """Whether Python never evaluates the chain: an annotation of a variable inside a function
    (`self.f: tf.io.gfile.GFile = None`, PEP 526), or any annotation under `from __future__ import
    annotations`."""
    def inside(annotation: ast.expr | None) -> bool:
        return annotation is not None and any(n is node for n in ast.walk(annotation))

    variable = any(isinstance(a, ast.AnnAssign) and inside(a.annotation) for a in context.ancestors)
    if variable and any(isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef)) for a in context.ancestors):
        return True
    if "postponed_annotations" not in context.memo:  # read once a module: asked for every chain
        context.memo["postponed_annotations"] = POSTPONED_ANNOTATIONS.search(context.source.text) is not None
    if not context.memo["postponed_annotations"]:
        return False
    return variable or any((isinstance(a, ast.arg) and inside(a.annotation))
                           or (isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef)) and inside(a.returns))
                           for a in context.ancestors)


def attribute_reference(context: ModuleContext, node: ast.Attribute,
                        roots: tuple[str, ...]) -> Reference | None:
    """The whole chain `a.b.c` when `node` is its outermost attribute and it starts at a name
    that is, or lies under, one of `roots` (`tensorflow`).

    Chains through a call (`tf.Variable(...).assign`) and assignment targets are not
    references; a chain on an instance (`sess.run` after `sess = tf.Session()`) is not either.
    """
    parent = context.ancestors[-1] if context.ancestors else None
    if isinstance(parent, ast.Attribute) and parent.value is node:
        return None
    if not isinstance(node.ctx, ast.Load) or never_evaluated(context, node):
        return None
    base = chain_base(context, node)
    if base is None or not base.startswith(roots):
        return None  # numpy, self...: canonical() changes no root but tensorflow's own spellings
    qualified = context.qualified_name(node)
    if qualified is None:
        return None
    called = isinstance(parent, ast.Call) and parent.func is node
    return Reference(parent if called else node, qualified, called, base)  # type: ignore[arg-type]


def import_references(node: ast.Import | ast.ImportFrom) -> Iterator[Reference]:
    """`import a.b.c [as x]`: a.b.c at its alias; `from a.b import c`: a.b at the statement,
    then a.b.c at its alias (absolute imports only)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield Reference(alias, canonical(alias.name), False, "")
        return
    if node.level or not node.module:
        return
    module = canonical(node.module)
    yield Reference(node, module, False, "")
    for alias in node.names:
        if alias.name != "*":
            yield Reference(alias, canonical(f"{node.module}.{alias.name}"), False, module)


GUARD_EXCEPTIONS = frozenset({"Exception", "BaseException"})
# Identifiers that make an `if` a TensorFlow or Keras version test: `if not is_tf2:`, `if
# tf.__version__ < "2":`, `if keras_2:`, `if hasattr(tf, "contrib"):`.
VERSION_TEST = re.compile(r"(?:tf|keras)_?[123]|version", re.IGNORECASE)
# An `if` (or `x if ... else`) on a line that names a version: what version_dispatched looks for
# (a licence's "Version 2.0" alone is not one).
VERSION_BRANCH = re.compile(r"\bif\b[^\n]*(?:tf_?[12]|version)", re.IGNORECASE)
API_ROOTS = ("tensorflow", "keras", "tf_keras")


def is_statement(statement: ast.stmt, child: ast.AST) -> bool:
    """Whether `child` is this statement, or one name of this import statement (the walk visits
    an import's names below the statement, which is what a `try` body holds)."""
    return child is statement or (isinstance(statement, (ast.Import, ast.ImportFrom))
                                  and any(child is alias for alias in statement.names))


def catches(handler: ast.ExceptHandler, errors: frozenset[str]) -> bool:
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for kind in caught:
        name = kind.attr if isinstance(kind, ast.Attribute) else getattr(kind, "id", "")
        if name in errors or name in GUARD_EXCEPTIONS:
            return True
    return False


def names_error(handler: ast.ExceptHandler, errors: frozenset[str]) -> bool:
    """Whether a handler names one of `errors` (not merely Exception or a bare except)."""
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((kind.attr if isinstance(kind, ast.Attribute) else getattr(kind, "id", "")) in errors
               for kind in caught if kind is not None)


def broad_guard(statement: ast.AST, handler: ast.ExceptHandler) -> bool:
    """Whether a catch-all handler (`except Exception`, a bare except) guards the names of its
    `try`: the `try` is a few statements (a shim tolerating one call), or the handler supplies a
    fallback (binds, imports, returns a value) rather than only reporting around a whole program
    (multi-speaker-tacotron's training inside `try: ... except Exception as e: log(e)`); never
    one that re-raises or stops in a debugger (InfoGAN's `except Exception: ipdb.set_trace()`)."""
    body: list[ast.stmt] = getattr(statement, "body", [])
    if any(isinstance(inner, ast.Raise) or DEBUGGER_CALL.search(ast.unparse(inner))
           for inner in handler.body):
        return False  # re-raised, or a debugging trap: nothing is tolerated
    return len(body) <= COMPAT_TRY_STATEMENTS or not all(only_reports(inner) for inner in handler.body)


DEBUGGER_CALL = re.compile(r"\b(?:set_trace|post_mortem|breakpoint|embed)\(")


def only_reports(statement: ast.stmt) -> bool:
    """pass, raise, a docstring, an import of a debugger or logger, or a call that reports or
    cleans up (`log(e)`, `traceback.print_exc()`, `coord.request_stop(e)`, `ipdb.set_trace()`),
    not one of TensorFlow or Keras."""
    if isinstance(statement, (ast.Pass, ast.Raise, ast.Continue, ast.Break)):
        return True
    if isinstance(statement, ast.Import | ast.ImportFrom):  # `import ipdb`: a debugging trap
        modules = [alias.name for alias in statement.names] if isinstance(statement, ast.Import) else [
            statement.module or ""]
        return all(module.split(".")[0] in REPORTING_MODULES for module in modules)
    if not isinstance(statement, ast.Expr):
        return False
    call = statement.value
    if isinstance(call, ast.Constant):
        return True
    return isinstance(call, ast.Call) and not FRAMEWORK_CALL.match(ast.unparse(call.func))


# Modules a handler imports to report or debug, not to fall back on.
REPORTING_MODULES = frozenset({"pdb", "ipdb", "pudb", "traceback", "logging", "warnings", "sys", "IPython"})
# Callees spelled through TensorFlow or Keras (a shim's fallback call), by their text.
FRAMEWORK_CALL = re.compile(r"(?:tf|tensorflow|keras|K)\b")


def version_test(context: ModuleContext, test: ast.expr, depth: int = 0) -> bool:
    """A test naming a version (`is_tf2`, `tf.__version__`, `tf.VERSION`), a name bound to one
    (`new = int(keras.__version__[0]) > 1` tested as `if new:`), calling a function that
    returns one (`tf_later_than("2")`), or asking
    `hasattr(<a TensorFlow or Keras module>, "<name>")`."""
    for node in ast.walk(test):
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        if isinstance(name, str) and VERSION_TEST.search(name):
            return True
        if isinstance(node, ast.Name) and depth == 0:
            value = context.assigned_value(node)
            if value is not None and version_test(context, value, depth + 1):
                return True
        if isinstance(node, ast.Call) and depth == 0 and version_function(context, node) is not None:
            return True  # `if tf_later_than("2"):`, a function of the program returning a version test
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "hasattr"
            and len(node.args) == 2
            and isinstance(node.args[1], ast.Constant)  # a name asked of the API, not `hasattr(FLAGS, key)`
            and isinstance(node.args[1].value, str)
        ):
            owner = context.qualified_name(node.args[0])
            if owner is not None and owner.split(".", 1)[0] in API_ROOTS:
                return True
    return False


def tested_before(context: ModuleContext, ancestor: ast.AST, child: ast.AST) -> bool:
    """`hasattr(tf.keras.optimizers, "experimental") and isinstance(o, ...experimental...)`: an
    operand of `and` that runs only after a version test earlier in it."""
    if not (isinstance(ancestor, ast.BoolOp) and isinstance(ancestor.op, ast.And)
            and child in ancestor.values):
        return False
    return any(version_test(context, value) for value in ancestor.values[:ancestor.values.index(child)])


def other_backend_branch(context: ModuleContext, test: ast.If, child: ast.AST) -> bool:
    """Whether `child` is the branch Keras 2 ran on another backend: the body of `if
    K.backend() == "theano":` (or the `else` of `== "tensorflow"`), which Keras 3's TensorFlow
    backend never runs (Theano's `K.T` never existed under TensorFlow either)."""
    compare = test.test
    if not (isinstance(compare, ast.Compare) and len(compare.ops) == 1 and isinstance(compare.left, ast.Call)
            and isinstance(compare.left.func, ast.Attribute) and compare.left.func.attr == "backend"
            and (context.qualified_name(compare.left.func) or "").split(".", 1)[0] in API_ROOTS
            and isinstance(compare.comparators[0], ast.Constant)
            and isinstance(compare.comparators[0].value, str)):
        return False
    other = compare.comparators[0].value != "tensorflow"
    if isinstance(compare.ops[0], ast.NotEq):
        other = not other
    elif not isinstance(compare.ops[0], ast.Eq):
        return False
    return any(child is statement for statement in (test.body if other else test.orelse))


def in_branch(test: ast.If | ast.IfExp, child: ast.AST, taken: bool) -> bool:
    """Whether `child` is in the branch of the `if` that runs when its test is `taken`."""
    branch = test.body if taken else test.orelse
    return child is branch or (isinstance(branch, list) and any(child is statement for statement in branch))


def exits_before(context: ModuleContext, owner: ast.AST, child: ast.AST) -> bool:
    """Whether a statement list holding `child` leaves earlier on a version test (`if
    tf.__version__ >= "2": raise ...` at the top of a TF1-only function), unless the test is
    known not to hold on the target (`if tf.__version__ < "2.1": raise`)."""
    body = getattr(owner, "body", None)
    if not isinstance(body, list):
        return False
    exits = context.memo.setdefault("version_exits", {})  # id(owner) -> index of its first exit, or -1
    if id(owner) not in exits:
        exits[id(owner)] = next((index for index, statement in enumerate(body)
                                 if isinstance(statement, ast.If) and not statement.orelse and statement.body
                                 and isinstance(statement.body[-1], (ast.Raise, ast.Return))
                                 and version_test(context, statement.test)
                                 and taken_on_target(context, statement.test) is not False), -1)
    first = exits[id(owner)]
    return first >= 0 and child in body and body.index(child) > first


def version_dispatched(context: ModuleContext) -> frozenset[str]:
    """The module's functions named only inside branches of `if`s on the TensorFlow version
    (TensorFlowOnSpark's `_run_model_tf1`, called when TF < 2): their code runs on one side only."""
    memo = context.memo
    if "version_dispatched" not in memo and not VERSION_BRANCH.search(context.source.text):
        memo["version_dispatched"] = frozenset()  # most modules test no version
    if "version_dispatched" not in memo:
        inside: set[str] = set()
        outside: set[str] = set()
        defined = {d.name for d in ast.walk(context.tree)
                   if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef))}

        def visit(node: ast.AST, guarded_branch: bool) -> None:
            if isinstance(node, ast.If) and version_test(context, node.test):
                for statement in [*node.body, *node.orelse]:
                    visit(statement, True)
                return
            if isinstance(node, ast.IfExp) and version_test(context, node.test):
                visit(node.body, True)  # `run = run_tf1 if version < 2 else run_tf2`
                visit(node.orelse, True)
                return
            name = (node.id if isinstance(node, ast.Name)
                    else node.attr if isinstance(node, ast.Attribute) else None)
            if name in defined:
                (inside if guarded_branch else outside).add(name)
            for child in ast.iter_child_nodes(node):
                visit(child, guarded_branch)

        visit(context.tree, False)
        memo["version_dispatched"] = frozenset(inside - outside)
    return memo["version_dispatched"]  # type: ignore[no-any-return]


def guarded(context: ModuleContext, node: ast.AST, errors: frozenset[str]) -> bool:
    """Whether the program tests for the name itself, so a missing one does not crash it:
    inside a `try` body whose handlers catch one of `errors` (by name; Exception,
    BaseException and a bare except count where `broad_guard` says they guard), inside such a
    handler (the fallback for older
    TensorFlow), inside either branch of an `if` that tests the TensorFlow or Keras version
    (only the branch that never runs on the target, where `versions` can read the test), after an
    early exit on such a test, in a function only called from such branches, or in code
    that runs only with eager execution off (`else` of `if tf.executing_eagerly():`) in a module
    that keeps it on."""
    path = [*context.ancestors, node]
    for index, ancestor in enumerate(path[:-1]):
        child = path[index + 1]
        if exits_before(context, ancestor, child):
            return True
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                ancestor.name in version_dispatched(context)):
            return True
        if isinstance(ancestor, ast.Try) or type(ancestor).__name__ == "TryStar":
            handlers: list[ast.ExceptHandler] = ancestor.handlers  # type: ignore[attr-defined]
            body: list[ast.stmt] = ancestor.body  # type: ignore[attr-defined]
            if any(is_statement(s, child) for s in body) and any(catches(h, errors) and (
                    names_error(h, errors) or broad_guard(ancestor, h)) for h in handlers) and (
                    not fails_both_ways(context, ancestor)):
                return True
        elif isinstance(ancestor, ast.ExceptHandler) and catches(ancestor, errors) and index and (
                not fails_both_ways(context, path[index - 1])):
            if ancestor.type is not None or compat_fallback(context, path[index - 1]):
                return True
        elif (
            isinstance(ancestor, (ast.If, ast.IfExp))
            and child is not ancestor.test
            and version_test(context, ancestor.test)
        ):
            taken = taken_on_target(context, ancestor.test)
            if taken is None or not in_branch(ancestor, child, taken):
                return True  # either branch may run, or this one never does on the target
        elif isinstance(ancestor, ast.If) and other_backend_branch(context, ancestor, child):
            return True
        if tested_before(context, ancestor, child):
            return True
    return graph_mode_only(context, context.ancestors, node)


COMPAT_TRY_STATEMENTS = 3  # a version shim's try: a statement or two calling TensorFlow


def fails_both_ways(context: ModuleContext, statement: ast.AST) -> bool:
    """Whether a `try`'s body and each of its handlers name a TensorFlow symbol the target lacks:
    the fallback raises too (`try: tf.global_variables_initializer().run()` / `except:
    tf.initialize_all_variables().run()`), so neither side guards the other."""
    if not isinstance(statement, ast.Try) or not statement.handlers:
        return False
    memo = context.memo.setdefault("fails_both_ways", {})
    if id(statement) not in memo:
        target = context.settings.target

        def names_missing(statements: list[ast.stmt]) -> bool:
            return any(isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)
                       and (name := context.qualified_name(node) or "").startswith("tensorflow.")
                       and missing(name, target) is not None
                       for inner in statements for node in ast.walk(inner))

        memo[id(statement)] = names_missing(statement.body) and all(
            names_missing(handler.body) for handler in statement.handlers)
    return bool(memo[id(statement)])


def compat_fallback(context: ModuleContext, statement: ast.AST | None) -> bool:
    """Whether a bare `except:` belongs to a version shim: its `try` is a few statements calling
    TensorFlow (`try: x = tf.concat(parts, 1)` / `except: x = tf.concat(1, parts)`), so the
    handler runs only on the TensorFlow the `try` does not fit."""
    if not isinstance(statement, ast.Try) or len(statement.body) > COMPAT_TRY_STATEMENTS:
        return False
    return any(isinstance(node, ast.Call) and (context.call_name(node) or "").startswith("tensorflow")
               for inner in statement.body for node in ast.walk(inner))


ATTRIBUTE_ERRORS = frozenset({"AttributeError"})
IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


# The packages any SymbolReferenceRule judges: references are found once for all of them.
REFERENCE_ROOTS = ("tensorflow", "keras")


class SymbolReferenceRule(Rule):
    """A rule that judges every place a file names an API symbol: attribute chains and imports.

    Subclasses name the packages they judge and say in `check` what is wrong with a reference;
    `errors` are the exceptions a surrounding try/except may catch for it, `error` the one raised.
    """

    packages: ClassVar[tuple[str, ...]] = ("tensorflow.",)  # each lies under a REFERENCE_ROOTS entry

    @property
    def target(self) -> Version:
        return self.context.settings.target

    def check(self, reference: Reference, errors: frozenset[str], error: str) -> None:
        raise NotImplementedError

    def visit_Attribute(self, node: ast.Attribute) -> None:
        references = self.context.memo.setdefault("attribute_references", {})  # shared by subclasses
        key = id(node)
        if key not in references:
            references[key] = attribute_reference(self.context, node, REFERENCE_ROOTS)
        reference = references[key]
        if reference is None or not reference.qualified.startswith(self.packages):
            return
        if missing(reference.base, self.target) is not None:
            return  # the name it starts from is missing itself: reported where it was bound
        self.check(reference, ATTRIBUTE_ERRORS, "AttributeError")

    def visit_Import(self, node: ast.Import) -> None:
        for reference in import_references(node):
            self.check(reference, IMPORT_ERRORS, "ModuleNotFoundError")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for reference in import_references(node):
            if reference.base and missing(reference.base, self.target) is not None:
                return  # the module itself is missing: reported once, at the statement
            self.check(reference, IMPORT_ERRORS, "ImportError")


def rename_fix(context: ModuleContext, chain: ast.Attribute, qualified: str, base: str,
               target: Version) -> Fix | None:
    """The chain respelled under its TensorFlow 2 name, when that is the same symbol (safe).

    The new chain starts from the name the user wrote when the new name lies under what
    that name is (`tf` for tensorflow), else from a module-level alias of a prefix of the
    new name; it must resolve, at the chain's place, to the new name, which must exist on
    the target. Imports are not rewritten.
    """
    gone = missing(qualified, target)
    renamed = replacement(qualified, target)
    if gone is None or renamed is None or len(renamed[0]) < len(gone.name):
        return None
    new = renamed[1] + qualified[len(renamed[0]) :]
    if not exists(new, target):
        return None
    span = context.span(chain)
    if "#" in context.source.segment(span):
        return None  # a comment inside the chain would be lost
    text = spelling(context, chain, base, new)
    if text is None:
        return None
    return Fix(FixSafety.SAFE, f"use {text}", (Edit(EditAction.REPLACE, span, text=text),))


def call_rename_fix(context: ModuleContext, call: ast.Call, qualified: str, target: Version) -> Fix | None:
    """rename_fix for what a call calls (`tf.Session()` -> `tf.compat.v1.Session()`)."""
    chain = call.func
    if not isinstance(chain, ast.Attribute):
        return None  # `Session()` after `from tensorflow import Session`: the import is what breaks
    base = chain_base(context, chain)
    return rename_fix(context, chain, qualified, base, target) if base is not None else None


def spelling(context: ModuleContext, chain: ast.Attribute, base: str, new: str) -> str | None:
    """`new` spelled through the chain's own first name, or through an alias of the file."""
    root = chain_root(chain)
    if not isinstance(root, ast.Name):
        return None
    candidates = []
    if new.startswith(base + "."):
        candidates.append(root.id + new[len(base) :])
    parts = new.split(".")
    for end in range(len(parts) - 1, 0, -1):
        alias = context.alias_for(".".join(parts[:end]))
        if alias is not None:
            candidates.append(".".join([alias, *parts[end:]]))
    for text in candidates:
        expression = dotted(text)
        # The new spelling must mean the new name where the chain stands (no shadowing).
        if expression is not None and (
                context.names.qualified_name(expression, start(chain)) == canonical(new)):
            return text
    return None


def dotted(text: str) -> ast.expr | None:
    """`a.b.c` as the expression it spells (no parse: fixes ask this thousands of times), or
    None when a part is not an identifier or is a keyword."""
    parts = text.split(".")
    if not all(part.isidentifier() and not keyword.iskeyword(part) for part in parts):
        return None
    expression: ast.expr = ast.Name(id=parts[0], ctx=ast.Load())
    for part in parts[1:]:
        expression = ast.Attribute(value=expression, attr=part, ctx=ast.Load())
    return expression


# TF 1.x spellings of the modules TensorFlow 2.16+ serves only with Keras 2 (the generated
# table's `unavailable` modules), and their tf.compat.v1 names.
KERAS_2_MODULES = {"tensorflow.layers": "tensorflow.compat.v1.layers",
                   "tensorflow.nn.rnn_cell": "tensorflow.compat.v1.nn.rnn_cell",
                   "tensorflow.compat.v1.layers": "tensorflow.compat.v1.layers",
                   "tensorflow.compat.v1.nn.rnn_cell": "tensorflow.compat.v1.nn.rnn_cell"}
LEGACY_KERAS = "TF_USE_LEGACY_KERAS"


def keras_2_name(qualified: str) -> str | None:
    """The tf.compat.v1 name of a symbol TensorFlow serves only with Keras 2 (tf.layers.dense
    -> tensorflow.compat.v1.layers.dense), or None; None too for one TensorFlow 2.15's tf.compat.v1
    lacks (TF 0.x's `tf.nn.rnn_cell.linear`, private since TF 1.0)."""
    for module, v1 in KERAS_2_MODULES.items():
        if qualified.startswith(module + "."):
            name = v1 + qualified[len(module):]
            return name if exists(name, (2, 15)) else None
    return None


V2_MODULE = re.compile(r"(?:^|\.)compat\.v2$")
TENSORFLOW_PACKAGES = ("tensorflow", "tensorflow.compat")


def spelled_v2(context: ModuleContext, node: ast.AST) -> bool:
    """Whether a call or chain starts from a name the module binds to `tensorflow.compat.v2`
    (`import tensorflow.compat.v2 as tf2`, `tf2 = tf.compat.v2`) or spells compat.v2 itself: the
    author asked for the TF2 function (canonical names fold compat.v2 into tensorflow)."""
    chain = node.func if isinstance(node, ast.Call) else node
    if isinstance(chain, ast.expr) and ".compat.v2." in f".{ast.unparse(chain)}.":
        return True
    root = chain_root(chain) if isinstance(chain, ast.expr) else None
    if not isinstance(root, ast.Name):
        return False
    memo = context.memo
    if "v2_names" not in memo:
        names = set()
        for statement in statements_of(context.tree.body):
            if isinstance(statement, ast.Import):
                names |= {a.asname for a in statement.names if a.asname and V2_MODULE.search(a.name)}
            elif isinstance(statement, ast.ImportFrom) and statement.module in TENSORFLOW_PACKAGES:
                names |= {a.asname or a.name for a in statement.names
                          if V2_MODULE.search(f"{statement.module}.{a.name}")}
            elif isinstance(statement, ast.ImportFrom) and V2_MODULE.search(statement.module or ""):
                names |= {a.asname or a.name for a in statement.names}  # from tensorflow.compat.v2 import x
            elif isinstance(statement, ast.Assign) and V2_MODULE.search(ast.unparse(statement.value)):
                names |= {t.id for t in statement.targets if isinstance(t, ast.Name)}
        memo["v2_names"] = frozenset(names)
    return root.id in memo["v2_names"]


def picks_keras2(context: ModuleContext, node: ast.AST) -> bool:
    """Whether the name a call or attribute chain starts from is also bound to tf_keras in the
    module (`import tf_keras as keras` when Keras 3 is installed, `keras = tf.keras` otherwise):
    the program picks Keras 2 itself, so Keras 3's missing names never reach this line."""
    chain = node.func if isinstance(node, ast.Call) else node
    root = chain_root(chain) if isinstance(chain, ast.expr) else None
    if not isinstance(root, ast.Name) or not context.imports_any(("tf_keras",)):
        return False
    bindings = context.module_bindings.get(root.id, ())
    return any((binding.qualified or "").startswith("tf_keras") for binding in bindings)


def uses_legacy_keras(context: ModuleContext) -> bool:
    """Whether the module sets TF_USE_LEGACY_KERAS before anything else runs: a module-level
    `os.environ["TF_USE_LEGACY_KERAS"] = "1"` (or `.setdefault(...)`) ahead of its imports.
    TensorFlow then serves tf.keras, tf.compat.v1.layers and rnn_cell from tf-keras (Keras 2)."""
    memo = context.memo
    if LEGACY_KERAS not in memo:
        memo[LEGACY_KERAS] = any(sets_legacy_keras(context, statement) for statement in context.tree.body)
    return bool(memo[LEGACY_KERAS])


def sets_legacy_keras(context: ModuleContext, statement: ast.stmt) -> bool:
    key = value = None
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(
            statement.targets[0], ast.Subscript):
        target = statement.targets[0]
        if context.names.qualified_name(target.value, start(statement)) == "os.environ":
            key, value = target.slice, statement.value
    elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        name = context.names.qualified_name(call.func, start(statement))
        if name == "os.environ.setdefault" and len(call.args) == 2:
            key, value = call.args
    return (isinstance(key, ast.Constant) and key.value == LEGACY_KERAS and isinstance(value, ast.Constant)
            and str(value.value).lower() in ("1", "true"))


def standard_library(statement: ast.Import | ast.ImportFrom) -> bool:
    """Whether an import only loads standard-library modules (`import os, time`)."""
    if isinstance(statement, ast.ImportFrom):
        return not statement.level and (statement.module or "").split(".")[0] in sys.stdlib_module_names
    return all(alias.name.split(".")[0] in sys.stdlib_module_names for alias in statement.names)


def legacy_keras_fix(context: ModuleContext, chain: ast.Attribute, qualified: str, v1: str, base: str,
                     quote: str) -> Fix | None:
    """A symbol TensorFlow 2.16+ serves only with Keras 2 (its tf.compat.v1 name `v1`), made to
    work: spelled `v1`, with `os.environ["TF_USE_LEGACY_KERAS"] = "1"` put before the module's
    first import (it must be set before TensorFlow is imported). Needs the tf-keras package.
    None in a module the Keras rewrite made a Keras 3 model in, which Keras 2 would break."""
    from estimator_audit.migrate.support_files import support_import  # migrate imports this module

    if support_import(context) is not None:
        return None
    edits: list[Edit] = []
    if v1 != qualified:
        text = spelling(context, chain, base, v1)
        if text is None:
            return None
        edits.append(Edit(EditAction.REPLACE, context.span(chain), text=text))
    if not uses_legacy_keras(context):
        imports = [s for s in context.tree.body if isinstance(s, (ast.Import, ast.ImportFrom))
                   and not (isinstance(s, ast.ImportFrom) and s.module == "__future__")]
        plain_os = [s for s in imports
                    if isinstance(s, ast.Import) and [(a.name, a.asname) for a in s.names] == [("os", None)]]
        # Before the first import that may import TensorFlow: the standard library's never do.
        first = next((s for s in imports if s not in plain_os and not standard_library(s)), None)
        if first is None:
            return None
        setting = f"os.environ[{quote}{LEGACY_KERAS}{quote}] = {quote}1{quote}"
        comment = "# tf.compat.v1.layers and rnn_cell need tf-keras (Keras 2)"
        imported = any(s.lineno < first.lineno for s in plain_os)  # `import os` already comes first
        edits.append(Edit(EditAction.INSERT_BEFORE_STATEMENT, context.span(first),
                          text=f"{setting}  {comment}" if imported else f"import os\n{setting}  {comment}"))
    return Fix(FixSafety.UNSAFE, "serve tf.compat.v1.layers from Keras 2 (TF_USE_LEGACY_KERAS=1; "
               "pip install tf-keras)", tuple(edits))
