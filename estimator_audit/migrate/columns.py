"""Keras 3 source for an estimator's feature columns that computes the estimator's own features.

The rewrite is checked by numerical equivalence: fed the same batches and started from the same
weights, the Keras model must compute what the estimator computes. So every function here emits
code whose feature tensor equals, value for value and in the same order, what
tensorflow-estimator 2.15 builds from the columns: `input_layer` / `DenseFeatures` for a DNN (the
first kernel is copied as is) and the linear model (`linear/linear_model/<column>/weights`, one
block of kernel rows per column). Where Keras cannot be made to agree, `Unsupported` says why
instead of emitting code that differs.

The emitted code reads `inputs` (from `keras_inputs`): one `Input` per feature key, fed the
input_fn's dense per-example features (a scalar per example for categorical keys). Internally
every categorical column becomes int64 ids of shape (batch, ids per example) in the estimator's
numbering, with a negative id where the estimator has none (a missing '' or -1 input, or an
out-of-vocabulary value with default_value -1); indicators, embeddings and the linear model
skip negative ids exactly as the estimator's `one_hot` and `safe_embedding_lookup_sparse` do.

Facts the emitted code relies on (checked on TF 2.15 + estimator 2.15 against TF 2.21 + Keras
3.15 by tests/test_migrate_columns.py):
- Feature columns drop '' (string) and -1 (integer) inputs before any lookup; Keras lookups get
  `mask_token` / `mask_value` for them, which the code maps back to "no id".
- StringLookup's OOV buckets (num_oov_indices > 1) and Hashing (also of integers, via
  `as_string`) use FarmHash Fingerprint64 (`to_hash_bucket_fast`), as feature columns do.
  IntegerLookup buckets integers by `floormod` by default (its `oov_method="farmhash"` only
  arrived in 2026, keras-team/keras#22327), so integer OOV buckets use Hashing.
- Discretization is the same Bucketize op as bucketized_column.
- HashedCrossing is `sparse_cross_hashed` with the same default hash key; feature columns pass
  the categorical keys of a cross (sparse) before the raw string keys (dense), whatever the
  order in `crossed_column`, and an example whose categorical input is missing has no cross.
  Keras 3.15 builds HashedCrossing symbolically for exactly two inputs, so only two-feature
  crosses are reproduced.
- CategoryEncoding rejects negative ids, so columns that can lack an id use `ops.one_hot`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

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

DNN_SCOPE = "dnn/input_from_feature_columns/input_layer"
"""Where a DNN estimator keeps its embedding tables: `<DNN_SCOPE>/<column>/embedding_weights`."""
LINEAR_SCOPE = "linear/linear_model"
"""Where a linear estimator keeps its kernel blocks: `<LINEAR_SCOPE>/<column>/weights`."""

LARGE_TABLE = 100_000  # embedding rows from which the one-hot product is worth a comment
KeyDtype = Literal["string", "int64"]
SparseCombiner = Literal["sum", "mean", "sqrtn"]


@dataclass(frozen=True)
class _Key:
    dtype: Literal["float32", "string", "int64"]
    shape: tuple[int, ...]


@dataclass(frozen=True)
class _Ids:
    """Int ids of shape (batch, count) in the estimator's numbering; negative = no id."""

    expr: str
    count: int
    negative: bool
    missing: str | None = None
    """True where feature columns dropped the input (a cross then has no id for the example)."""


def keras_inputs(columns: Sequence[Column], keras: str,
                 key_dtypes: Mapping[str, KeyDtype] | None = None) -> list[str]:
    """`inputs = {key: Input}` for the feature keys the columns read, sorted by key.

    key_dtypes gives the input_fn's dtype for keys whose columns leave it open: a raw key of a
    crossed_column (default "string") or a numeric key that is also crossed raw.
    """
    lines = ["inputs = {"]
    for key, spec in sorted(_keys(columns, key_dtypes or {}).items()):
        lines.append(f"    {_text(key)}: {keras}.Input(shape={spec.shape!r}, name={_text(key)}, "
                     f'dtype="{spec.dtype}"),')
    return [*lines, "}"]


def dnn_features(columns: Sequence[Column], keras: str, target: str = "features",
                 key_dtypes: Mapping[str, KeyDtype] | None = None) -> list[str]:
    """Lines assigning `target` = what `input_layer(features, columns)` computes for a DNN."""
    emitter = _Emitter(columns, keras, target, key_dtypes or {})
    parts = []
    for column in _ordered(columns):
        if isinstance(column, NumericColumn):
            parts.append(emitter.numeric(column))
            continue
        emitter.lines.append(f"# {column.name}")
        if isinstance(column, BucketizedColumn):
            parts.append(emitter.counts(column, column.name))
        elif isinstance(column, IndicatorColumn):
            parts.append(emitter.counts(column.categorical, column.name))
        elif isinstance(column, EmbeddingColumn):
            parts.append(emitter.embedding(column, column.name))
        else:
            raise Unsupported(f"{column.name}: a DNN reads dense columns only; the estimator "
                              "rejects a bare categorical column (wrap it in indicator_column or "
                              "embedding_column)")
    return emitter.finish(parts)


def linear_features(columns: Sequence[Column], keras: str, target: str = "features",
                    key_dtypes: Mapping[str, KeyDtype] | None = None,
                    sparse_combiner: SparseCombiner = "sum") -> list[str]:
    """Lines assigning `target` such that `Dense(units)(target)` is the estimator's linear model.

    Categorical columns become id counts (scaled for a "mean"/"sqrtn" sparse_combiner), so the
    kernel is the per-column `weights` blocks stacked in `linear_layout` order.
    """
    emitter = _Emitter(columns, keras, target, key_dtypes or {})
    parts = []
    for column in _ordered(columns):
        if isinstance(column, NumericColumn):
            parts.append(emitter.numeric(column))
            continue
        emitter.lines.append(f"# {column.name}")
        if isinstance(column, IndicatorColumn):
            parts.append(emitter.counts(column.categorical, column.name))
        elif isinstance(column, EmbeddingColumn):
            parts.append(emitter.embedding(column, f"linear_{column.name}"))
        else:
            parts.append(emitter.counts(column, column.name, sparse_combiner))
    return emitter.finish(parts)


def linear_layout(columns: Sequence[Column]) -> list[tuple[str, int]]:
    """(column name, kernel rows) in `linear_features` order: the Dense kernel is
    `<LINEAR_SCOPE>/<name>/weights` of each column, stacked in this order."""
    layout = []
    for column in _ordered(columns):
        if isinstance(column, NumericColumn):
            rows = column.width
        elif isinstance(column, IndicatorColumn):
            rows = column.categorical.num_buckets
        elif isinstance(column, EmbeddingColumn):
            rows = column.dimension
        else:
            rows = column.num_buckets
        layout.append((column.name, rows))
    return layout


def dnn_embedding_variables(columns: Sequence[Column], scope: str = DNN_SCOPE) -> dict[str, str]:
    """Keras Embedding layer name -> the DNN estimator variable holding its table (same rows)."""
    return {column.name: f"{scope}/{column.name}/embedding_weights"
            for column in _ordered(columns) if isinstance(column, EmbeddingColumn)}


def linear_embedding_variables(columns: Sequence[Column], scope: str = LINEAR_SCOPE) -> dict[str, str]:
    """Keras Embedding layer name -> the linear estimator variable holding its table."""
    return {f"linear_{column.name}": f"{scope}/{column.name}/embedding_weights"
            for column in _ordered(columns) if isinstance(column, EmbeddingColumn)}


def _ordered(columns: Sequence[Column]) -> list[Column]:
    """The estimator's order (sorted by name), which rejects duplicate names."""
    names = [column.name for column in columns]
    for name in sorted(set(names)):
        if names.count(name) > 1:
            raise Unsupported(f"two feature columns are named {name!r}: the estimator rejects "
                              "duplicate column names")
    return sorted(columns, key=lambda column: column.name)


def _uses(column: Column | str) -> Iterator[tuple[str, str, tuple[int, ...]]]:
    """(key, how it is read, per-example shape) for every feature a column reads."""
    if isinstance(column, str):
        yield column, "raw", (1,)
    elif isinstance(column, NumericColumn):
        yield column.key, "float32", column.shape
    elif isinstance(column, BucketizedColumn):
        yield from _uses(column.source)
    elif isinstance(column, VocabularyColumn):
        yield column.key, "string" if column.is_string else "int64", (1,)
    elif isinstance(column, IdentityColumn):
        yield column.key, "int64", (1,)
    elif isinstance(column, HashColumn):
        yield column.key, column.dtype, (1,)
    elif isinstance(column, CrossedColumn):
        for key in column.keys:
            yield from _uses(key)
    else:
        yield from _uses(column.categorical)


def _keys(columns: Sequence[Column], declared: Mapping[str, KeyDtype]) -> dict[str, _Key]:
    """One Input per key: its dtype and shape must serve every column that reads the key."""
    uses: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    for column in columns:
        for key, kind, shape in _uses(column):
            uses.setdefault(key, []).append((kind, shape))
    keys = {}
    for key, found in uses.items():
        if "/" in key:
            raise Unsupported(f"feature {key!r}: Keras 3 Input names cannot contain '/'")
        shapes = sorted({shape for _, shape in found})
        if len(shapes) > 1:
            raise Unsupported(f"feature {key!r} is read with shapes {shapes}: one keras.Input "
                              "cannot serve them all")
        kinds = {kind for kind, _ in found} - {"raw"}
        crossed_raw = any(kind == "raw" for kind, _ in found)
        if "string" in kinds and len(kinds) > 1:
            raise Unsupported(f"feature {key!r} is read both as a string and as a number")
        dtype: Literal["float32", "string", "int64"]
        if kinds == {"float32"} and crossed_raw:
            if declared.get(key) != "int64":
                raise Unsupported(f"feature {key!r} is numeric and crossed raw: feature columns "
                                  "cross it truncated to int64, which Keras only reproduces "
                                  "for integer data (pass key_dtypes={key!r: 'int64'} if it is)")
            dtype = "int64"
        elif kinds == {"float32"}:
            dtype = "float32"
        elif "string" in kinds:
            dtype = "string"
        elif kinds:
            dtype = "int64"
        else:
            dtype = declared.get(key, "string")
        keys[key] = _Key(dtype, shapes[0])
    return keys


class _Emitter:
    """Accumulates the source lines of one feature block; ids are computed once per column."""

    def __init__(self, columns: Sequence[Column], keras: str, target: str,
                 declared: Mapping[str, KeyDtype]) -> None:
        self.keras = keras
        self.target = target
        _keys(columns, declared)  # the inputs these columns need must exist (or say why not)
        self.lines: list[str] = []
        self._taken = {"inputs", target, keras.split(".")[0]}
        self._ids: dict[CategoricalColumn, _Ids] = {}

    def finish(self, parts: list[str]) -> list[str]:
        self.lines.append(f"{self.target} = {self.keras}.ops.concatenate([{', '.join(parts)}], axis=-1)")
        return self.lines

    def _name(self, text: str) -> str:
        """A fresh Python identifier derived from a column name."""
        base = re.sub(r"[^0-9A-Za-z_]", "_", text)
        base = f"_{base}" if base[0].isdigit() else base
        name, number = base, 1
        while name in self._taken:
            number += 1
            name = f"{base}_{number}"
        self._taken.add(name)
        return name

    def _assign(self, text: str, value: str) -> str:
        name = self._name(text)
        self.lines.append(f"{name} = {value}")
        return name

    def _input(self, key: str) -> str:
        return f"inputs[{_text(key)}]"

    def numeric(self, column: NumericColumn) -> str:
        """float32 values of shape (batch, width), as the estimator casts and flattens them.

        The cast is a no-op on a float32 Input; it matters when another column (maybe in the
        other block of a DNNLinearCombined model) makes the key's Input int64."""
        value = f'{self.keras}.ops.cast({self._input(column.key)}, "float32")'
        if len(column.shape) > 1:
            value = f"{self.keras}.ops.reshape({value}, (-1, {column.width}))"
        return value

    def counts(self, column: CategoricalColumn, name: str, combiner: SparseCombiner = "sum") -> str:
        """How often each id occurs per example: an indicator column, or a linear model's input."""
        ids = self.ids(column)
        k = self.keras
        if ids.negative:
            value = f"{k}.ops.sum({k}.ops.one_hot({ids.expr}, {column.num_buckets}), axis=1)"
        else:
            value = (f'{k}.layers.CategoryEncoding(num_tokens={column.num_buckets}, '
                     f'output_mode="count")({ids.expr})')
        # Only bucketized columns of a shape (n,) source give several ids per example, all valid.
        if ids.count > 1 and combiner != "sum":
            value = f"{value} / {_scale(ids.count, combiner)}"
        return self._assign(name, value)

    def embedding(self, column: EmbeddingColumn, layer: str) -> str:
        """The combined embedding as the id counts times the table: a bias-free Dense layer
        whose kernel is the estimator's table, row for row. Not an Embedding layer: its gradient
        is sparse, and Keras 3's Adagrad and FTRL square a sparse gradient row by row (g1² + g2²
        for an id a batch holds twice) where the estimator's optimizers sum the rows first
        ((g1 + g2)²). The counts also make a missing id (-1) contribute nothing, as it did."""
        k = self.keras
        counts = self.counts(column.categorical, f"{column.name}_counts", column.combiner)
        initializer = f"{k}.initializers.TruncatedNormal(stddev={1 / math.sqrt(column.dimension)!r})"
        if column.categorical.num_buckets >= LARGE_TABLE:
            self.lines.append(f"# {column.categorical.num_buckets:,} rows: an Embedding layer would be "
                              "faster, but would not train like the estimator (sparse updates)")
        return self._assign(column.name, f"{k}.layers.Dense({column.dimension}, use_bias=False, "
                                         f"kernel_initializer={initializer}, name={_text(layer)})({counts})")

    def ids(self, column: CategoricalColumn) -> _Ids:
        if column not in self._ids:
            if isinstance(column, VocabularyColumn):
                self._ids[column] = self._vocabulary(column)
            elif isinstance(column, IdentityColumn):
                self._ids[column] = self._identity(column)
            elif isinstance(column, HashColumn):
                value = (f"{self.keras}.layers.Hashing(num_bins={column.hash_bucket_size + 1}, "
                         f"mask_value={_missing(column.dtype == 'string')})"
                         f"({self._input(column.key)}) - 1")
                self._ids[column] = _Ids(self._assign(f"{column.name}_ids", value), 1, True)
            elif isinstance(column, BucketizedColumn):
                self._ids[column] = self._bucketized(column)
            else:
                self._ids[column] = self._crossed(column)
        return self._ids[column]

    def _vocabulary(self, column: VocabularyColumn) -> _Ids:
        """Keras puts mask 0, OOV next, vocabulary last; the estimator vocabulary then OOV."""
        vocabulary: list[str | int] = list(column.vocabulary)
        size = len(vocabulary)
        if not vocabulary or len(set(vocabulary)) != size:
            raise Unsupported(f"{column.name}: the estimator rejects an empty vocabulary or one "
                              "with duplicates")
        if _missing(column.is_string) in [_literal(token) for token in vocabulary]:
            raise Unsupported(f"{column.name}: the vocabulary holds {_missing(column.is_string)}, "
                              "which feature columns drop as a missing value before the lookup "
                              "and Keras reserves as the mask token")
        k, x = self.keras, self._input(column.key)
        listed = "[" + ", ".join(_literal(token) for token in vocabulary) + "]"
        buckets = column.num_oov_buckets
        if column.is_string:
            oov_indices = max(buckets, 1)
            index = self._assign(f"{column.name}_index",
                                 f"{k}.layers.StringLookup(vocabulary={listed}, "
                                 f'num_oov_indices={oov_indices}, mask_token="")({x})')
            oov = _plus(index, size - 1) if buckets else str(column.default_value)
        else:
            oov_indices = 1
            index = self._assign(f"{column.name}_index",
                                 f"{k}.layers.IntegerLookup(vocabulary={listed}, num_oov_indices=1, "
                                 f"mask_token=-1)({x})")
            if buckets > 1:
                hashed = self._assign(f"{column.name}_oov",
                                      f"{k}.layers.Hashing(num_bins={buckets})({x})")
                oov = _plus(hashed, size)
            else:
                oov = str(size) if buckets else str(column.default_value)
        known = _plus(index, -(oov_indices + 1))
        rest = "-1" if oov == "-1" else f"{k}.ops.where({k}.ops.equal({index}, 0), -1, {oov})"
        ids = self._assign(f"{column.name}_ids",
                           f"{k}.ops.where({k}.ops.greater({index}, {oov_indices}), {known}, {rest})")
        return _Ids(ids, 1, True, f"{k}.ops.equal({index}, 0)")

    def _identity(self, column: IdentityColumn) -> _Ids:
        k, x = self.keras, self._input(column.key)
        missing = f"{k}.ops.equal({x}, -1)"
        if column.default_value is None:
            return _Ids(x, 1, True, missing)
        outside = (f"{k}.ops.logical_or({k}.ops.less({x}, 0), "
                   f"{k}.ops.greater_equal({x}, {column.num_buckets}))")
        ids = self._assign(f"{column.name}_ids",
                           f"{k}.ops.where({missing}, -1, {k}.ops.where({outside}, "
                           f"{column.default_value}, {x}))")
        return _Ids(ids, 1, True, missing)

    def _bucketized(self, column: BucketizedColumn) -> _Ids:
        """Bucket b of source element i is id b + i * (len(boundaries) + 1), as in the estimator."""
        boundaries = "[" + ", ".join(_float(value) for value in column.boundaries) + "]"
        value = (f"{self.keras}.layers.Discretization(bin_boundaries={boundaries})"
                 f"({self.numeric(column.source)})")
        width, step = column.source.width, len(column.boundaries) + 1
        if width > 1:
            value = f"{value} + {self.keras}.ops.arange(0, {width * step}, {step})"
        return _Ids(self._assign(f"{column.name}_ids", value), width, False)

    def _crossed(self, column: CrossedColumn) -> _Ids:
        """HashedCrossing of the leaves in the order sparse_cross_hashed sees them."""
        leaves = list(_leaves(column))
        if len(leaves) != 2:
            raise Unsupported(f"{column.name}: crosses {len(leaves)} features; HashedCrossing in a "
                              "Keras functional model takes exactly two, and chaining crosses "
                              "hashes differently from one sparse_cross_hashed of all of them")
        categorical, raw, missing = [], [], []
        for leaf in leaves:
            if isinstance(leaf, str):
                raw.append(self._input(leaf))
                continue
            if isinstance(leaf, HashColumn):
                raise Unsupported(f"{column.name}: crossed_column of a hashed column "
                                  f"({leaf.name}): the estimator rejects it (cross the raw "
                                  "key instead)")
            ids = self.ids(leaf)
            if ids.count > 1:
                raise Unsupported(f"{column.name}: crosses {leaf.name}, which has "
                                  f"{ids.count} ids per example; HashedCrossing crosses one "
                                  "value per example")
            categorical.append(ids.expr)
            if ids.missing is not None:
                missing.append(ids.missing)
        k = self.keras
        value = (f"{k}.layers.HashedCrossing(num_bins={column.hash_bucket_size})"
                 f"(({', '.join(categorical + raw)}))")
        if not missing:
            return _Ids(self._assign(f"{column.name}_ids", value), 1, False)
        crossed = self._assign(f"{column.name}_cross", value)
        absent = missing[0]
        for other in missing[1:]:
            absent = f"{k}.ops.logical_or({absent}, {other})"
        return _Ids(self._assign(f"{column.name}_ids", f"{k}.ops.where({absent}, -1, {crossed})"),
                    1, True)


def _leaves(column: CrossedColumn) -> Iterator[CategoricalColumn | str]:
    """Nested crosses are flattened in place, as `_collect_leaf_level_keys` does."""
    for key in column.keys:
        if isinstance(key, CrossedColumn):
            yield from _leaves(key)
        else:
            yield key


def _scale(count: int, combiner: SparseCombiner) -> str:
    return repr(float(count)) if combiner == "mean" else repr(math.sqrt(count))


def _missing(is_string: bool) -> str:
    """The literal feature columns treat as a missing value."""
    return '""' if is_string else "-1"


def _plus(name: str, amount: int) -> str:
    if amount == 0:
        return name
    return f"{name} + {amount}" if amount > 0 else f"{name} - {-amount}"


def _text(value: str) -> str:
    return json.dumps(value)


def _literal(token: str | int) -> str:
    return _text(token) if isinstance(token, str) else repr(token)


def _float(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else f'float("{value}")'
