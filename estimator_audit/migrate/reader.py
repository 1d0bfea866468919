"""Read feature columns and literals through the names a file binds them to.

The Keras rewrite inlines every value, so each must be a literal this file shows, directly or
through assignments; anything computed at run time raises Unsupported with the reason.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Literal

from estimator_audit.calls import UNKNOWN, argument, is_none, passed_parameters, unpacks
from estimator_audit.migrate.model import (
    BucketizedColumn,
    CategoricalColumn,
    Column,
    CrossedColumn,
    EmbeddingColumn,
    HashColumn,
    IdentityColumn,
    IndicatorColumn,
    NumericColumn,
    Unsupported,
    VocabularyColumn,
)
from estimator_audit.v1api import FEATURE_COLUMN_MODULES, module_function

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

MAX_NAME_HOPS = 5
MAX_SHOWN = 60  # characters of source a message quotes
MUTATORS = frozenset({"append", "extend", "insert", "update", "add", "pop", "remove", "clear",
                      "setdefault", "sort", "reverse"})


class Reader:
    """Reads literals and feature columns through the names the file binds them to."""

    def __init__(self, context: ModuleContext) -> None:
        self.context = context
        self.followed: list[ast.expr] = []  # values read through names, whose bindings may go
        self._mutated: set[str] | None = None
        self._functions: dict[str, ast.FunctionDef] | None = None

    def text(self, node: ast.AST) -> str:
        """The node's source, as written (for code the rewrite keeps)."""
        return self.context.source.segment(self.context.span(node))

    def shown(self, node: ast.AST) -> str:
        """The node's source on one line, shortened, for a message."""
        text = " ".join(self.text(node).split())
        return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."

    def functions(self) -> dict[str, ast.FunctionDef]:
        """Every `def` of the module by name (the first of each name), found in one walk."""
        if self._functions is None:
            self._functions = {}
            for node in ast.walk(self.context.tree):
                if isinstance(node, ast.FunctionDef):
                    self._functions.setdefault(node.name, node)
        return self._functions

    def mutated(self, name: str) -> bool:
        """Whether the file changes a list or dict bound to `name` after building it
        (`columns.append(...)`, `columns += ...`, `columns[0] = ...`): its literal is not its value."""
        if self._mutated is None:
            self._mutated = set()
            for node in ast.walk(self.context.tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and isinstance(node.func.value, ast.Name) and node.func.attr in MUTATORS:
                    self._mutated.add(node.func.value.id)
                elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                    self._mutated.add(node.target.id)
                elif isinstance(node, (ast.Assign, ast.Delete)):
                    targets = node.targets
                    self._mutated.update(t.value.id for t in targets if isinstance(t, ast.Subscript)
                                         and isinstance(t.value, ast.Name))
        return name in self._mutated

    def follow(self, node: ast.expr) -> ast.expr:
        """The expression a name stands for, through up to MAX_NAME_HOPS assignments."""
        for _ in range(MAX_NAME_HOPS):
            if not isinstance(node, ast.Name):
                return node
            value = self.context.assigned_value(node)
            if value is None:
                raise Unsupported(f"`{node.id}` is not assigned a value this file shows")
            if isinstance(value, (ast.List, ast.Dict, ast.Set)) and self.mutated(node.id):
                raise Unsupported(f"`{node.id}` is built up at run time (the file changes it after "
                                  "assigning it)")
            self.followed.append(value)
            node = value
        return node

    def literal(self, node: object, what: str) -> object:
        if node is UNKNOWN:
            raise Unsupported(f"{what} may be passed through *args or **kwargs")
        assert isinstance(node, ast.expr)
        value = self.follow(node)
        if isinstance(value, (ast.List, ast.Tuple)):
            return [self.literal(element, what) for element in value.elts]
        try:
            return ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError):
            raise Unsupported(f"{what} `{self.shown(node)}` is computed at run time") from None

    def integer(self, node: object, what: str, default: int | None = None) -> int | None:
        if node is None:
            return default
        value = self.literal(node, what)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise Unsupported(f"{what} is not an integer")
        return value

    def count(self, node: object, what: str, default: int | None = None) -> int:
        """A number the estimator needs (n_classes, a bucket count): None is not one."""
        value = self.integer(node, what, default)
        if value is None:
            raise Unsupported(f"{what} is None: the estimator needs a number")
        return value

    def sequence(self, node: object, what: str) -> list[object]:
        value = self.literal(node, what)
        if not isinstance(value, list):
            raise Unsupported(f"{what} is not a list")
        return value

    def elements(self, node: object, what: str) -> list[ast.expr]:
        """The expressions of a list of columns: a literal list, a name bound to one, or a
        comprehension over a literal list (`[numeric_column(k) for k in KEYS]`)."""
        if node is UNKNOWN or node is None:
            raise Unsupported(f"{what} is not passed in a way this file shows")
        assert isinstance(node, ast.expr)
        value = self.follow(node)
        if isinstance(value, (ast.List, ast.Tuple)):
            return list(value.elts)
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
            return self.elements(value.left, what) + self.elements(value.right, what)
        raise Unsupported(f"{what} `{self.shown(node)}` is built at run time")

    def columns(self, node: object, what: str) -> list[Column]:
        if node is not None and node is not UNKNOWN:
            assert isinstance(node, ast.expr)
            value = self.follow(node)
            if isinstance(value, ast.ListComp):
                return self.comprehension(value, what)
        return [self.column(element) for element in self.elements(node, what)]

    def comprehension(self, node: ast.ListComp, what: str) -> list[Column]:
        (generator,) = node.generators if len(node.generators) == 1 else (None,)
        if generator is None or generator.ifs or not isinstance(generator.target, ast.Name):
            raise Unsupported(f"{what} `{self.shown(node)}` is built at run time")
        keys = self.sequence(generator.iter, what)
        variable = generator.target.id
        columns = []
        for key in keys:
            bound = ast.fix_missing_locations(_Substitute(variable, key).visit(_copy(node.elt)))
            columns.append(self.column(bound, source=node.elt))
        return columns

    def column(self, node: ast.expr, source: ast.expr | None = None) -> Column:
        """One feature column, from a call of a tf.feature_column function."""
        shown = self.shown(source or node)
        call = self.follow(node)
        name = self.context.call_name(call) if isinstance(call, ast.Call) else None
        if not isinstance(call, ast.Call) or not module_function(name or "", FEATURE_COLUMN_MODULES):
            raise Unsupported(f"feature column `{shown}` is not a tf.feature_column call this file shows")
        function = (name or "").rsplit(".", 1)[-1]
        reader = COLUMN_READERS.get(function)
        if reader is None:
            raise Unsupported(f"{function} has no faithful Keras rewrite yet")
        if unpacks(call):
            raise Unsupported(f"`{shown}` passes *args or **kwargs")
        parameters, read = reader
        passed = passed_parameters(call, parameters)
        known = {p for p in parameters if not p.startswith("*")}
        extra = passed - known
        if extra:
            raise Unsupported(f"{function}({', '.join(sorted(extra))}=...) is not reproduced")
        values = {p: argument(call, p, parameters) for p in parameters}
        return read(self, values, function)

    def categorical(self, node: object) -> CategoricalColumn:
        assert isinstance(node, ast.expr)
        column = self.column(node)
        if not isinstance(column, (VocabularyColumn, IdentityColumn, HashColumn, CrossedColumn,
                                   BucketizedColumn)):
            raise Unsupported(f"`{self.shown(node)}` is not a categorical column")
        return column


def _copy(node: ast.expr) -> ast.expr:
    copied = ast.parse(ast.unparse(node), mode="eval").body
    return ast.copy_location(copied, node)


class _Substitute(ast.NodeTransformer):
    """Replaces a comprehension variable by one of its literal values."""

    def __init__(self, name: str, value: object) -> None:
        self.name, self.value = name, value

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Constant(self.value) if node.id == self.name else node  # type: ignore[arg-type]


def _numeric(reader: Reader, values: dict[str, object], function: str) -> Column:
    key = reader.literal(values["key"], "numeric_column's key")
    shape = reader.literal(values["shape"], "numeric_column's shape") if values["shape"] else (1,)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)  # type: ignore[arg-type]
    default = reader.literal(values["default_value"], "numeric_column's default_value") \
        if values["default_value"] is not None else None
    if values["normalizer_fn"] is not None and not is_none(values["normalizer_fn"]):
        raise Unsupported("numeric_column(normalizer_fn=...) runs code the rewrite cannot follow")
    if values["dtype"] is not None and not reader.text(values["dtype"]).endswith("float32"):  # type: ignore[arg-type]
        raise Unsupported("numeric_column with a dtype other than float32 is not reproduced")
    if not isinstance(key, str) or not all(isinstance(s, int) for s in shape):
        raise Unsupported("numeric_column needs a string key and an integer shape")
    if default is not None and not isinstance(default, (int, float)):
        raise Unsupported("numeric_column's default_value is not a single number")
    return NumericColumn(key, shape, None if default is None else float(default))


def _bucketized(reader: Reader, values: dict[str, object], function: str) -> Column:
    source = reader.column(values["source_column"])  # type: ignore[arg-type]
    if not isinstance(source, NumericColumn):
        raise Unsupported("bucketized_column of something other than a numeric_column")
    boundaries = reader.sequence(values["boundaries"], "bucketized_column's boundaries")
    if not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in boundaries):
        raise Unsupported("bucketized_column's boundaries are not all numbers")
    return BucketizedColumn(source, tuple(float(b) for b in boundaries))  # type: ignore[arg-type]


def _vocabulary(reader: Reader, values: dict[str, object], function: str) -> Column:
    key = reader.literal(values["key"], f"{function}'s key")
    vocabulary = reader.sequence(values["vocabulary_list"], f"{function}'s vocabulary_list")
    if values["dtype"] is not None and not is_none(values["dtype"]):
        raise Unsupported(f"{function}(dtype=...) is not reproduced")
    oov = reader.integer(values["num_oov_buckets"], "num_oov_buckets", 0)
    default = reader.integer(values["default_value"], "default_value", -1)
    if not isinstance(key, str) or not vocabulary or len({type(v) for v in vocabulary}) != 1 \
            or not isinstance(vocabulary[0], (str, int)):
        raise Unsupported(f"{function} needs a string key and a vocabulary of strings or of integers")
    if oov and default != -1:
        raise Unsupported(f"{function} with both num_oov_buckets and default_value")
    return VocabularyColumn(key, tuple(vocabulary), oov or 0,  # type: ignore[arg-type]
                            -1 if default is None else default)


def _identity(reader: Reader, values: dict[str, object], function: str) -> Column:
    key = reader.literal(values["key"], f"{function}'s key")
    buckets = reader.integer(values["num_buckets"], "num_buckets")
    default = reader.integer(values["default_value"], "default_value")
    if not isinstance(key, str) or buckets is None:
        raise Unsupported(f"{function} needs a string key and num_buckets")
    return IdentityColumn(key, buckets, default)


def _hash(reader: Reader, values: dict[str, object], function: str) -> Column:
    key = reader.literal(values["key"], f"{function}'s key")
    size = reader.integer(values["hash_bucket_size"], "hash_bucket_size")
    dtype = values["dtype"]
    kind: Literal["string", "int64"] = "string"
    if dtype is not None:
        text = reader.text(dtype)  # type: ignore[arg-type]
        if text.endswith(("int64", "int32")):
            kind = "int64"
        elif not text.endswith("string"):
            raise Unsupported(f"{function}(dtype={text}) is not reproduced")
    if not isinstance(key, str) or size is None:
        raise Unsupported(f"{function} needs a string key and hash_bucket_size")
    return HashColumn(key, size, kind)


def _crossed(reader: Reader, values: dict[str, object], function: str) -> Column:
    if values["hash_key"] is not None and not is_none(values["hash_key"]):
        raise Unsupported("crossed_column(hash_key=...) is not reproduced")
    keys: list[CategoricalColumn | BucketizedColumn | str] = []
    for element in reader.elements(values["keys"], "crossed_column's keys"):
        value = reader.follow(element)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            keys.append(value.value)
        else:
            keys.append(reader.categorical(element))
    return CrossedColumn(tuple(keys), reader.count(values["hash_bucket_size"], "hash_bucket_size"))


def _indicator(reader: Reader, values: dict[str, object], function: str) -> Column:
    return IndicatorColumn(reader.categorical(values["categorical_column"]))


def _embedding(reader: Reader, values: dict[str, object], function: str) -> Column:
    dimension = reader.integer(values["dimension"], "embedding_column's dimension")
    combiner = reader.literal(values["combiner"], "combiner") if values["combiner"] else "mean"
    for name in ("initializer", "ckpt_to_load_from", "tensor_name_in_ckpt", "max_norm"):
        if values[name] is not None and not is_none(values[name]):
            raise Unsupported(f"embedding_column({name}=...) is not reproduced")
    if values["trainable"] is not None and reader.literal(values["trainable"], "trainable") is not True:
        raise Unsupported("embedding_column(trainable=False) is not reproduced")
    if combiner not in ("mean", "sum", "sqrtn") or dimension is None:
        raise Unsupported("embedding_column needs a dimension and a mean, sum or sqrtn combiner")
    return EmbeddingColumn(reader.categorical(values["categorical_column"]), dimension, combiner)


# tf.feature_column function -> (its parameters in order, as tensorflow 2.15 declares them; reader)
COLUMN_READERS = {
    "numeric_column": (("key", "shape", "default_value", "dtype", "normalizer_fn"), _numeric),
    "bucketized_column": (("source_column", "boundaries"), _bucketized),
    "categorical_column_with_vocabulary_list": (
        ("key", "vocabulary_list", "dtype", "default_value", "num_oov_buckets"), _vocabulary),
    "categorical_column_with_identity": (("key", "num_buckets", "default_value"), _identity),
    "categorical_column_with_hash_bucket": (("key", "hash_bucket_size", "dtype"), _hash),
    "crossed_column": (("keys", "hash_bucket_size", "hash_key"), _crossed),
    "indicator_column": (("categorical_column",), _indicator),
    "embedding_column": (("categorical_column", "dimension", "combiner", "initializer", "ckpt_to_load_from",
                          "tensor_name_in_ckpt", "max_norm", "trainable", "use_safe_embedding_lookup"),
                         _embedding),
}
