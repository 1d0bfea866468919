"""Which estimator variables hold the initial value of which Keras variable, and how to find the
premade estimator of a legacy program without running it.

The mapping comes from the neutral description (estimator_audit.migrate.model) and the
feature-column layout (estimator_audit.migrate.columns), the same sources the Keras rewrite is
emitted from, so it names the layers the rewrite names: `hiddenlayer_i`, `batchnorm_i`,
`logits`, `linear_model` and one bias-free Dense layer per embedding column (its kernel is the
table). Variable names on the estimator side are tensorflow-estimator 2.15's checkpoint names,
the same for V1 and V2.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from estimator_audit.check import ModuleContext, walk
from estimator_audit.config import Settings
from estimator_audit.migrate.columns import (
    LINEAR_SCOPE,
    dnn_embedding_variables,
    linear_embedding_variables,
    linear_layout,
)
from estimator_audit.migrate.frontend import read_estimator
from estimator_audit.migrate.model import Estimator, Unsupported
from estimator_audit.migrate.reader import Reader
from estimator_audit.parse import parse_source
from estimator_audit.rule import Rule
from estimator_audit.source import read_source
from estimator_audit.tfapi import estimator_class

BATCH_NORM_VARIABLES = ("gamma", "beta", "moving_mean", "moving_variance")
"""Keras 3 BatchNormalization's variables, named as tf.compat.v1.layers and Keras 2 name them."""


@dataclass(frozen=True)
class Block:
    """One estimator variable; `rows` of the Keras variable when several are stacked."""

    name: str
    rows: int | None = None


@dataclass(frozen=True)
class WeightMap:
    """A Keras variable (by path) and the estimator variables stacked on axis 0 that equal it."""

    keras: str
    sources: tuple[Block, ...]

    def to_json(self) -> dict[str, object]:
        return {"keras": self.keras, "sources": [[block.name, block.rows] for block in self.sources]}


def variable_mapping(estimator: Estimator) -> list[WeightMap]:
    """Every Keras variable of the rewrite of `estimator` and its estimator counterpart."""
    mapping: list[WeightMap] = []
    if estimator.dnn is not None:
        tower = estimator.dnn
        for index in range(len(tower.hidden_units)):
            layer = f"hiddenlayer_{index}"
            mapping += [WeightMap(f"{layer}/{kind}", (Block(f"dnn/{layer}/{kind}"),))
                        for kind in ("kernel", "bias")]
            if tower.batch_norm:
                mapping += [WeightMap(f"batchnorm_{index}/{kind}",
                                      (Block(f"dnn/{layer}/batchnorm_{index}/{kind}"),))
                            for kind in BATCH_NORM_VARIABLES]
        mapping += [WeightMap(f"logits/{kind}", (Block(f"dnn/logits/{kind}"),))
                    for kind in ("kernel", "bias")]
        mapping += [WeightMap(f"{layer}/kernel", (Block(variable),))
                    for layer, variable in dnn_embedding_variables(tower.columns).items()]
    if estimator.linear is not None:
        columns = estimator.linear.columns
        kernel = tuple(Block(f"{LINEAR_SCOPE}/{name}/weights", rows) for name, rows in linear_layout(columns))
        mapping += [WeightMap("linear_model/kernel", kernel),
                    WeightMap("linear_model/bias", (Block(f"{LINEAR_SCOPE}/bias_weights"),))]
        mapping += [WeightMap(f"{layer}/kernel", (Block(variable),))
                    for layer, variable in linear_embedding_variables(columns).items()]
    return mapping


@dataclass(frozen=True)
class Found:
    """A premade estimator a program builds: its description, or why there is none."""

    line: int
    class_name: str
    estimator: Estimator | None
    reason: str | None


class _Collector(Rule):
    """Reads every premade estimator construction in one walk (not a catalogue rule: it lives
    outside rules/, reports nothing, and is only walked here)."""

    code = "compare"
    name = "compare-collector"
    summary = "Premade estimators a program builds."

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        self.found: list[Found] = []

    def visit_Call(self, node: ast.Call) -> None:
        info = estimator_class(self.context.call_name(node))
        if info is None or not info.premade:
            return
        try:
            estimator = read_estimator(self.context, node, Reader(self.context))
        except Unsupported as reason:
            self.found.append(Found(node.lineno, info.short_name, None, str(reason)))
        else:
            self.found.append(Found(node.lineno, info.short_name, estimator, None))


def premade_estimators(path: Path) -> list[Found]:
    """The premade estimators `path` builds, read statically (nothing is imported or run)."""
    source = read_source(str(path), path.read_bytes())
    parsed = parse_source(source)
    if parsed.tree is None:
        return []
    context = ModuleContext(source, parsed.tree, Settings())
    collector = _Collector(context)
    walk(parsed.tree, context, [collector])
    return collector.found
