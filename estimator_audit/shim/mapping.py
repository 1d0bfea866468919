"""Which estimator variables hold the initial value of which Keras variable, and how to find the
premade estimator of a legacy program without running it.

The mapping is read off the estimator's own checkpoint names (tensorflow-estimator 2.15, the
same for V1 and V2), which the Keras rewrite's layer names follow: `dnn/hiddenlayer_i` is the
Dense layer `hiddenlayer_i`, `dnn/hiddenlayer_i/batchnorm_i` the BatchNormalization layer
`batchnorm_i`, `dnn/logits` the layer `logits`; the tables of embedding columns are kernels of
keras_feature_columns' `input_layer` (DNN) and `linear_model` (linear) layers, and the linear
model's per-column weight blocks, stacked in column-name order (the estimator's own order),
are the kernel of `linear_model`. Because the names come from the run, the feature columns may
be whatever the program built at run time.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from estimator_audit.config import Settings
from estimator_audit.knowledge.tfapi import estimator_class
from estimator_audit.migrate.frontend import read_construction
from estimator_audit.migrate.model import Estimator, Graph, ModelFunction, Unsupported
from estimator_audit.migrate.model_fn import read_custom

DNN_INPUTS = "dnn/input_from_feature_columns/input_layer/"
LINEAR = "linear/linear_model/"
DIRECT = re.compile(r"dnn/(?:hiddenlayer_\d+/(?:kernel|bias)|hiddenlayer_\d+/(?P<norm>batchnorm_\d+/)"
                    r"(?:gamma|beta|moving_mean|moving_variance)|logits/(?:kernel|bias))")


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


def keras_path(name: str) -> str | None:
    """The Keras variable an estimator variable maps to one to one, if any."""
    direct = DIRECT.fullmatch(name)
    if direct is not None:
        return name[len("dnn/"):] if direct["norm"] is None else name.split("/", 2)[2]
    for scope, layer in ((DNN_INPUTS, "input_layer"), (LINEAR, "linear_model")):
        column = name[len(scope):-len("/embedding_weights")]
        if name.startswith(scope) and name.endswith("/embedding_weights") and "/" not in column:
            return f"{layer}/{column}/kernel"
    if name == f"{LINEAR}bias_weights":
        return "linear_model/bias"
    return None


def variable_mapping(shapes: Mapping[str, Sequence[int]]) -> list[WeightMap]:
    """Every estimator model variable (by checkpoint name, with its shape) and the Keras
    variable of the rewrite it maps to; optimizer slots, the global step and the like have
    none."""
    mapping = []
    blocks = []
    for name in sorted(shapes):
        path = keras_path(name)
        if path is not None:
            mapping.append(WeightMap(path, (Block(name),)))
        elif name.startswith(LINEAR) and name.endswith("/weights") and name.count("/") == 3:
            blocks.append(Block(name, int(shapes[name][0]) if len(shapes[name]) else 0))
    if blocks:
        mapping.append(WeightMap("linear_model/kernel", tuple(blocks)))
    return mapping


@dataclass(frozen=True)
class Found:
    """An estimator a program builds: its description (a premade one's, or a custom one's
    model_fn), or why there is none."""

    line: int
    class_name: str
    estimator: Estimator | ModelFunction | None
    reason: str | None


def estimators(path: Path) -> list[Found]:
    """The estimators the program builds, in `path` or in the modules of its folder it imports
    (a `trainer/task.py` whose estimator `trainer/model.py` builds), read statically as the
    Keras rewrite reads them: nothing is imported or run."""
    from estimator_audit.project import Project
    from estimator_audit.shim.legacy import program_root

    project = Project(Settings(root=program_root(path)))
    found = []
    pending, seen = [Project.key(str(path.resolve()))], set()
    while pending:
        module = pending.pop()
        context = project.context(module)
        if module in seen or context is None:
            continue
        seen.add(module)
        pending += project.imports_of(module, context)
        for node in ast.walk(context.tree):
            info = estimator_class(context.call_name(node)) if isinstance(node, ast.Call) else None
            if info is None or not isinstance(node, ast.Call):
                continue
            try:
                estimator: Estimator | ModelFunction = read_construction(context, node).estimator \
                    if info.premade else read_custom(context, node, "keras").model
            except Unsupported as reason:
                found.append(Found(node.lineno, info.short_name, None, str(reason)))
            else:
                found.append(Found(node.lineno, info.short_name, estimator, None))
    return sorted(found, key=lambda item: item.line)


@dataclass(frozen=True)
class FoundScript:
    """A session block of a TF1 training script: the graph it trains, or why there is none."""

    line: int
    graph: Graph | None
    reason: str | None


def session_scripts(path: Path) -> list[FoundScript]:
    """The session blocks of the program (the file itself), read statically as the Session
    rewrite reads them: what its graph is, or why the rewrite does not translate it."""
    from estimator_audit.migrate.graph import sessions
    from estimator_audit.migrate.script_rewrite import enclosing_body, script_plan
    from estimator_audit.project import Project
    from estimator_audit.shim.legacy import program_root

    project = Project(Settings(root=program_root(path)))
    context = project.context(Project.key(str(path.resolve())))
    if context is None:
        return []
    found = []
    for node in ast.walk(context.tree):
        for session in sessions(context, [node]) if isinstance(node, ast.stmt) else ():
            constructor = session.value if isinstance(session, ast.Assign) else next(
                item.context_expr for item in session.items if isinstance(item.context_expr, ast.Call))
            assert isinstance(constructor, ast.Call)
            try:
                enclosing_body(context, session)
                graph = script_plan(context, constructor, "keras").graph
                found.append(FoundScript(session.lineno, graph, None))
            except Unsupported as reason:
                found.append(FoundScript(session.lineno, None, str(reason)))
    return found
