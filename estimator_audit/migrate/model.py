"""A neutral description of a premade estimator: what it computes, not how it was spelled.

Values the source shows as literals (layer sizes, the optimizer, the number of classes) are
written into the Keras code; values only the running program knows (its feature columns,
hidden units read from flags, a weight column named in a config) are `Runtime` values: the
model builder takes them as parameters and the construction site passes the program's own
expressions, so the migrated program computes them exactly as the legacy one did. Feature
columns are always run-time objects: the program keeps building them, through
keras_feature_columns, which the Keras model reads them with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Scalar = str | int | float | bool | None


class Unsupported(Exception):
    """The estimator cannot be rewritten faithfully; the message says why, for the finding."""


@dataclass(frozen=True)
class Runtime:
    """A value the program computes: the builder's parameter `name`, passed the program's
    expression `text` where the estimator was constructed."""

    name: str
    text: str


@dataclass(frozen=True)
class Expression:
    """Code the builder evaluates from its parameters (a learning rate that depends on how
    many feature columns the program built)."""

    text: str


@dataclass(frozen=True)
class Head:
    """The estimator's head: one logit and sigmoid cross-entropy for two classes, softmax
    cross-entropy for more, mean squared error for regression; reduced as the estimator does,
    weighted by a feature when it names a weight column, with string labels looked up in a
    label vocabulary. A classifier's number of classes may be known only at run time (read
    from the data's labels): the model then picks the binary or the multi-class head itself."""

    kind: Literal["classifier", "regression"]
    classes: int | Runtime  # 1 for a regressor (label_dimension)
    loss_reduction: Literal["sum_over_batch_size", "sum", "mean_with_sample_weight"]
    weight_column: str | Runtime | None = None
    label_vocabulary: tuple[str, ...] | Runtime | None = None

    @property
    def binary(self) -> bool | None:
        """Whether a classifier has two classes (one logit); None when known only at run time."""
        if isinstance(self.classes, Runtime):
            return None
        return self.kind == "classifier" and self.classes == 2

    @property
    def described(self) -> str:
        if self.kind == "regression":
            return "regression head"
        if isinstance(self.classes, Runtime):
            return f"classification head for `{self.classes.text}` classes"
        return "binary head" if self.binary else f"{self.classes}-class head"


@dataclass(frozen=True)
class Optimizer:
    """A Keras 3 optimizer with every hyperparameter the estimator's optimizer really used."""

    keras_class: str  # e.g. "Adagrad" (in keras.optimizers)
    arguments: tuple[tuple[str, Scalar | Expression | Runtime], ...]


@dataclass(frozen=True)
class DNNTower:
    columns: Runtime
    hidden_units: tuple[int, ...] | Runtime
    activation: str
    dropout: float | Runtime | None
    batch_norm: bool
    optimizer: Optimizer


@dataclass(frozen=True)
class LinearTower:
    columns: Runtime
    optimizer: Optimizer
    sparse_combiner: Literal["sum", "mean", "sqrtn"] = "sum"


@dataclass(frozen=True)
class Estimator:
    """A premade estimator: its class and API (V1 and V2 defaults differ), head and towers, and
    what its RunConfig asked for (seed, model directory, distribution strategy), or the config
    itself when only the running program has it."""

    class_name: str  # e.g. "DNNClassifier"
    api: Literal["v1", "v2"]
    head: Head
    dnn: DNNTower | None
    linear: LinearTower | None
    seed: int | Runtime | None
    model_dir: Runtime | None = None
    strategy: Runtime | None = None
    config: Runtime | None = None  # a RunConfig only the running program knows

    def runtime_values(self) -> list[Runtime]:
        """The builder's parameters, in a stable order, each once."""
        found: list[Runtime] = []
        candidates: list[object] = [self.head.classes, self.head.weight_column, self.head.label_vocabulary,
                                    self.seed, self.model_dir, self.strategy, self.config]
        for tower in (self.linear, self.dnn):
            if tower is None:
                continue
            candidates.append(tower.columns)
            candidates += [value for _, value in tower.optimizer.arguments]
            if isinstance(tower, DNNTower):
                candidates += [tower.hidden_units, tower.dropout]
        for value in candidates:
            if isinstance(value, Runtime) and value.name not in {known.name for known in found}:
                found.append(value)
        order = ["feature_columns", "linear_feature_columns", "dnn_feature_columns"]
        return sorted(found, key=lambda value: (
            order.index(value.name) if value.name in order else len(order), candidates.index(value)))


@dataclass(frozen=True)
class GraphLayer:
    """A `tf.layers` call of a TF1 graph as the Keras layer the model builds once: `self.<attribute>`,
    named as TF1 scoped its variables (`dense_1`), so its kernel maps to `dense_1/kernel`."""

    attribute: str
    keras_class: str  # in keras.layers
    arguments: tuple[str, ...]  # `units=10`, `name='dense'`, in TF2 spellings


@dataclass(frozen=True)
class Placeholder:
    """A placeholder: the script's name for it (the key its value is fed under), its dtype (TF2
    source) and its name in the TF1 graph (`Placeholder_1`), which compare maps feeds by."""

    name: str
    dtype: str
    graph_name: str


@dataclass(frozen=True)
class GraphStage:
    """Graph statements that need the same placeholders fed; `outputs` are the tensors they name."""

    needs: tuple[str, ...]
    statements: tuple[str, ...]  # source in TF2 spellings, the placeholders read from the feed
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class Objective:
    """One `optimizer.minimize(loss[, var_list=...])` of a TF1 graph: the train op's name, the
    tensor it minimizes, the optimizer as the model's train_step names it (`self.optimizer`,
    the compiled one, or a module-level name) and the variables it updates (source; None: all
    the model's)."""

    train_op: str
    loss: str
    optimizer: str
    variables: str | None = None


@dataclass(frozen=True)
class Graph:
    """A TF1 graph a session trains: fed through `placeholders` (keys of the dict the Keras model
    is called with), holding the variables bound to `variables` and the `layers`, computing the
    `stages`' tensors, and minimizing each objective's loss (a GAN's two, run together) with its
    optimizer (Keras 3 optimizers' source with the TF1 defaults written out)."""

    placeholders: tuple[Placeholder, ...]
    variables: tuple[str, ...]
    layers: tuple[GraphLayer, ...]
    stages: tuple[GraphStage, ...]
    objectives: tuple[Objective, ...]
    draws: tuple[str, ...] = ()  # random ops the graph code runs at every step (`tf.nn.dropout`)
    computed_fetches: bool = False  # a run fetches an expression of the tensors (fetch takes a function)


@dataclass(frozen=True)
class ModelFunction:
    """A custom Estimator: its `model_fn` as the method of a Keras model that runs it eagerly
    (`body`: the function's statements in TF2, layers built once by their TF1 names, the
    optimizer's `minimize` marking the loss trained), the optimizer hoisted out of it (a Keras 3
    optimizer's source with the TF1 defaults written out, over `params` and module names), and
    what the Estimator's construction passed it."""

    function: str  # the program's name for the model_fn
    parameters: tuple[str, ...]  # its parameters: features, labels, mode[, params][, config]
    body: tuple[str, ...]
    optimizer: str
    params: Runtime | None
    seed: int | Runtime | None
    model_dir: Runtime | None = None
    config: Runtime | None = None
    draws: tuple[str, ...] = ()  # random ops the model_fn runs at every step (dropout)

    def runtime_values(self) -> list[Runtime]:
        """The builder's parameters, in a stable order, each once."""
        found: list[Runtime] = []
        for value in (self.params, self.seed, self.model_dir, self.config):
            if isinstance(value, Runtime) and value.name not in {known.name for known in found}:
                found.append(value)
        return found
