"""A neutral description of a premade estimator: what it computes, not how it was spelled.

Every value is a literal read from the source (keys, vocabularies, boundaries, sizes), so the
emitted Keras code does not depend on names in the legacy file. Column names follow
tensorflow-estimator 2.15 (`FeatureColumn.name`): the estimator orders its input features by
them, and the Keras rewrite keeps that order so both models have the same weight layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Scalar = str | int | float


class Unsupported(Exception):
    """The estimator cannot be rewritten faithfully; the message says why, for the finding."""


@dataclass(frozen=True)
class NumericColumn:
    key: str
    shape: tuple[int, ...] = (1,)
    default_value: float | None = None

    @property
    def name(self) -> str:
        return self.key

    @property
    def width(self) -> int:
        width = 1
        for size in self.shape:
            width *= size
        return width


@dataclass(frozen=True)
class BucketizedColumn:
    source: NumericColumn
    boundaries: tuple[float, ...]

    @property
    def name(self) -> str:
        return f"{self.source.name}_bucketized"

    @property
    def num_buckets(self) -> int:
        return (len(self.boundaries) + 1) * self.source.width


@dataclass(frozen=True)
class VocabularyColumn:
    """categorical_column_with_vocabulary_list: vocabulary ids first, then the OOV buckets."""

    key: str
    vocabulary: tuple[str, ...] | tuple[int, ...]
    num_oov_buckets: int = 0
    default_value: int = -1

    @property
    def name(self) -> str:
        return self.key

    @property
    def is_string(self) -> bool:
        return not self.vocabulary or isinstance(self.vocabulary[0], str)

    @property
    def num_buckets(self) -> int:
        return len(self.vocabulary) + self.num_oov_buckets


@dataclass(frozen=True)
class IdentityColumn:
    key: str
    num_buckets: int
    default_value: int | None = None

    @property
    def name(self) -> str:
        return self.key


@dataclass(frozen=True)
class HashColumn:
    key: str
    hash_bucket_size: int
    dtype: Literal["string", "int64"] = "string"

    @property
    def name(self) -> str:
        return self.key

    @property
    def num_buckets(self) -> int:
        return self.hash_bucket_size


@dataclass(frozen=True)
class CrossedColumn:
    keys: tuple[CategoricalColumn | BucketizedColumn | str, ...]
    hash_bucket_size: int

    @property
    def name(self) -> str:
        return "_X_".join(sorted(key if isinstance(key, str) else key.name for key in self.keys))

    @property
    def num_buckets(self) -> int:
        return self.hash_bucket_size


CategoricalColumn = VocabularyColumn | IdentityColumn | HashColumn | CrossedColumn | BucketizedColumn


@dataclass(frozen=True)
class IndicatorColumn:
    categorical: CategoricalColumn

    @property
    def name(self) -> str:
        return f"{self.categorical.name}_indicator"


@dataclass(frozen=True)
class EmbeddingColumn:
    categorical: CategoricalColumn
    dimension: int
    combiner: Literal["mean", "sum", "sqrtn"] = "mean"

    @property
    def name(self) -> str:
        return f"{self.categorical.name}_embedding"


DenseColumn = NumericColumn | BucketizedColumn | IndicatorColumn | EmbeddingColumn
Column = DenseColumn | CategoricalColumn


@dataclass(frozen=True)
class Head:
    """The estimator's head: one logit and sigmoid cross-entropy for two classes, softmax
    cross-entropy for more, mean squared error for regression; reduced as the estimator does."""

    kind: Literal["binary", "multiclass", "regression"]
    units: int
    loss_reduction: Literal["sum_over_batch_size", "sum"]


@dataclass(frozen=True)
class Optimizer:
    """A Keras 3 optimizer with every hyperparameter the estimator's optimizer really used."""

    keras_class: str  # e.g. "Adagrad" (in keras.optimizers)
    arguments: tuple[tuple[str, Scalar | None], ...]


@dataclass(frozen=True)
class DNNTower:
    columns: tuple[DenseColumn, ...]
    hidden_units: tuple[int, ...]
    activation: str
    dropout: float | None
    batch_norm: bool
    optimizer: Optimizer


@dataclass(frozen=True)
class LinearTower:
    columns: tuple[Column, ...]
    optimizer: Optimizer
    sparse_combiner: Literal["sum", "mean", "sqrtn"] = "sum"


@dataclass(frozen=True)
class Estimator:
    """A premade estimator: its class and API (V1 and V2 defaults differ), head and towers."""

    class_name: str  # e.g. "DNNClassifier"
    api: Literal["v1", "v2"]
    head: Head
    dnn: DNNTower | None
    linear: LinearTower | None
    seed: int | None
    model_dir: str | None

    @property
    def columns(self) -> tuple[Column, ...]:
        towers = (self.linear.columns if self.linear else ()) + (self.dnn.columns if self.dnn else ())
        return towers
