"""Back end: Keras source for a neutral estimator description, its builder and its call sites.

The builder names its layers after the estimator's variables (`hiddenlayer_0`, `logits`,
`batchnorm_0`, `input_layer`, `linear_model`) so a reader, and `compare`, can match one model
to the other. Feature columns stay run-time objects of the program: keras_feature_columns
turns them into the model's inputs (`DenseFeatures`, `LinearModel`), computing what the
estimator computed from them.
"""

from __future__ import annotations

import io
import itertools
import tokenize
from dataclasses import dataclass

from estimator_audit.migrate.model import Estimator, Expression, Head, Optimizer, Runtime
from estimator_audit.migrate.support_files import SUPPORT_MODULE

INDENT = "    "
LINE_WIDTH = 99  # emitted lines longer than this are wrapped at their outermost call


def wrapped(line: str, width: int = LINE_WIDTH) -> list[str]:
    """A long statement split after its first bracket, one element per line (black's style),
    and again inside any element still too long. Tokenized, so commas and brackets
    inside string literals (vocabularies) are left alone."""
    if len(line) <= width:
        return [line]
    indent = line[: len(line) - len(line.lstrip(" "))]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return [line]
    depth, start, commas = 0, -1, []
    for token in tokens:
        if token.type != tokenize.OP:
            continue
        if token.string in "([{":
            depth += 1
            if depth == 1 and start < 0:
                start = token.start[1]
        elif token.string in ")]}":
            depth -= 1
            if depth == 0 and start >= 0:
                end = token.start[1]
                break
        elif token.string == "," and depth == 1 and start >= 0:
            commas.append(token.start[1])
    else:
        return [line]
    text = line.strip()
    if end - start <= 1:
        return [line]
    bounds = [start, *commas, end]
    arguments = [text[a + 1:b].strip() for a, b in itertools.pairwise(bounds)]
    body = [part for argument in arguments if argument
            for part in wrapped(f"{indent}{INDENT}{argument},", width)]
    return [f"{indent}{text[: start + 1]}", *body, f"{indent}{text[end:]}"]


SKIPPED_TOKENS = (tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT)


def one_line(code: str) -> str:
    """An expression written over several lines, on one line (its line breaks and their
    indentation become single spaces); kept as it is when it holds a comment."""
    if "\n" not in code:
        return code
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(f"({code})").readline))
    except (tokenize.TokenError, SyntaxError):
        return code
    if any(token.type == tokenize.COMMENT for token in tokens):
        return code
    out: list[str] = []
    previous: tokenize.TokenInfo | None = None
    for token in tokens:
        if token.type in SKIPPED_TOKENS:
            continue
        if previous is not None:
            if token.start[0] != previous.end[0]:
                if previous.string not in "([{" and token.string not in ")]},":
                    out.append(" ")
            else:
                out.append(" " * (token.start[1] - previous.end[1]))
        out.append(token.string)
        previous = token
    return "".join(out)[1:-1]


def laid_out(prefix: str, code: str, width: int = LINE_WIDTH) -> str:
    """`code` placed after `prefix` (the start of its line), wrapped to the width; returned
    without the prefix and with its continuation lines indented relative to the line's own
    indentation (the fix stage re-indents code to its block)."""
    lines = wrapped(prefix + code, width)
    indent = prefix[: len(prefix) - len(prefix.lstrip(" "))]
    if len(lines) == 1 or not lines[0].startswith(prefix) or not all(
            line.startswith(indent) for line in lines[1:]):
        return code
    return "\n".join([lines[0][len(prefix):], *(line[len(indent):] for line in lines[1:])])


def block(lines: list[str], indent: str = "") -> str:
    """Lines (each maybe several, joined by newlines) wrapped to the width, as one text."""
    return "\n".join(part for chunk in lines for text in chunk.split("\n")
                     for part in (wrapped(indent + text) if text else [""]))


@dataclass(frozen=True)
class Spelling:
    """How the rewritten file names Keras (`keras`, `tf.keras`) and the support module."""

    keras: str
    support: str = SUPPORT_MODULE


def value_text(value: object) -> str:
    """A value in the builder: a parameter's name, an expression, or a literal."""
    if isinstance(value, Runtime):
        return value.name
    if isinstance(value, Expression):
        return value.text
    if isinstance(value, tuple):
        return repr(list(value))
    return repr(value)


def optimizer_text(optimizer: Optimizer, keras: str) -> str:
    arguments = ", ".join(f"{name}={value_text(value)}" for name, value in optimizer.arguments)
    return f"{keras}.optimizers.{optimizer.keras_class}({arguments})"


Kind = str  # "binary", "multiclass" or "regression": one head the model can have


def head_kinds(head: Head) -> list[Kind]:
    """The heads the emitted model may have: one, or both classification heads when the number
    of classes is known only at run time."""
    if head.kind == "regression":
        return ["regression"]
    if head.binary is None:
        return ["binary", "multiclass"]
    return ["binary" if head.binary else "multiclass"]


def units_text(head: Head) -> str:
    """The width of the logits layer."""
    if head.kind == "regression":
        return value_text(head.classes)
    if head.binary is None:
        return f"1 if {value_text(head.classes)} == 2 else {value_text(head.classes)}"
    return "1" if head.binary else value_text(head.classes)


def by_head(head: Head, texts: dict[Kind, str]) -> str:
    """One text, or `binary if n_classes == 2 else multiclass` for a run-time class count."""
    kinds = head_kinds(head)
    if len(kinds) == 1:
        return texts[kinds[0]]
    return f"{texts['binary']} if {value_text(head.classes)} == 2 else {texts['multiclass']}"


def loss_text(head: Head, keras: str) -> str:
    reduction = ', reduction="sum"' if head.loss_reduction == "sum" else ""
    return by_head(head, {
        "binary": f"{keras}.losses.BinaryCrossentropy(from_logits=True{reduction})",
        "multiclass": f"{keras}.losses.SparseCategoricalCrossentropy(from_logits=True{reduction})",
        "regression": f"{keras}.losses.MeanSquaredError({reduction.lstrip(', ')})",
    })


def metrics_text(head: Head, keras: str) -> str:
    """The metrics the estimator's evaluate() reported, under the same keys. The model
    outputs logits, so thresholds are at logit 0 (probability 0.5). Keras 3's
    BinaryCrossentropy metric rejects labels of shape (batch,) beside logits of shape
    (batch, 1), which input_fns commonly yield, so a binary head has no average_loss."""
    metrics = {
        "binary": [f'{keras}.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)',
                   f'{keras}.metrics.AUC(name="auc", from_logits=True)',
                   f'{keras}.metrics.Precision(name="precision", thresholds=0.0)',
                   f'{keras}.metrics.Recall(name="recall", thresholds=0.0)'],
        "multiclass": [f'{keras}.metrics.SparseCategoricalAccuracy(name="accuracy")',
                       f'{keras}.metrics.SparseCategoricalCrossentropy(name="average_loss", '
                       'from_logits=True)'],
        "regression": [f'{keras}.metrics.MeanSquaredError(name="average_loss")'],
    }
    return by_head(head, {kind: "[\n" + "".join(f"{INDENT}{metric},\n" for metric in listed) + "]"
                          for kind, listed in metrics.items()})


def estimator_spelling(estimator: Estimator) -> str:
    return f"tf.{'compat.v1.' if estimator.api == 'v1' else ''}estimator.{estimator.class_name}"


def builder(estimator: Estimator, name: str, seed: int, spelling: Spelling,
            comments: tuple[str, ...] = ()) -> str:
    """`def build_x(<run-time values>): ...` returning the compiled Keras model that replaces
    the estimator."""
    keras, support = spelling.keras, spelling.support
    parameters = estimator.runtime_values()
    docstring = [
        f'"""The Keras model that replaces {estimator_spelling(estimator)}.',
        "",
        "Same layers, head, loss reduction and optimizer hyperparameters as tensorflow-estimator",
        "2.15 really used (rewritten by estimator-audit).",
        '"""',
    ]
    setup = [*comments]
    if estimator.model_dir is not None:
        setup.append("# The estimator kept checkpoints in model_dir and resumed from them; this model "
                     "starts fresh.")
    seeded = value_text(estimator.seed) if estimator.seed is not None else seed
    setup.append(f"{keras}.utils.set_random_seed({seeded})")
    towers = [tower for tower in (estimator.linear, estimator.dnn) if tower is not None]
    setup += [f"{tower.columns.name} = list({tower.columns.name})" for tower in towers]
    body = model_lines(estimator, spelling)
    if estimator.strategy is not None:
        body = [f"with {estimator.strategy.name}.scope():", *(INDENT + line for chunk in body
                                                                for line in chunk.split("\n"))]
    body.append("return model")
    lines = [*docstring, *setup, *body]
    signature = ", ".join(value.name for value in parameters)
    _ = support
    return f"def {name}({signature}):\n{block(lines, INDENT)}\n"


def model_lines(estimator: Estimator, spelling: Spelling) -> list[str]:
    """Inputs, towers, head and compile: what the estimator's model_fn built."""
    keras, support = spelling.keras, spelling.support
    head = estimator.head
    columns = [tower.columns.name for tower in (estimator.linear, estimator.dnn) if tower is not None]
    lines = [f"inputs = {support}.inputs({' + '.join(columns)})"]
    both = estimator.dnn is not None and estimator.linear is not None
    if estimator.dnn is not None:
        tower = estimator.dnn
        lines.append(f"net = {support}.DenseFeatures({tower.columns.name})(inputs)")
        layer = [f'net = {keras}.layers.Dense({{units}}, activation="{tower.activation}", '
                 'name={name})(net)']
        if tower.dropout is not None:
            dropout = f"net = {keras}.layers.Dropout({value_text(tower.dropout)})(net)"
            layer.append(dropout if not isinstance(tower.dropout, Runtime)
                         else f"if {tower.dropout.name} is not None:\n{INDENT}{dropout}")
        if tower.batch_norm:
            layer.append(f"net = {keras}.layers.BatchNormalization(momentum=0.999, name={{norm}})(net)")
        if isinstance(tower.hidden_units, Runtime):
            lines.append(f"for index, units in enumerate({tower.hidden_units.name}):")
            names = {"units": "units", "name": 'f"hiddenlayer_{index}"', "norm": 'f"batchnorm_{index}"'}
            lines += [INDENT + text.format(**names).replace("\n", "\n" + INDENT) for text in layer]
        else:
            for index, units in enumerate(tower.hidden_units):
                lines += [text.format(units=units, name=f'"hiddenlayer_{index}"', norm=f'"batchnorm_{index}"')
                          for text in layer]
        target = "dnn_logits" if both else "logits"
        lines.append(f'{target} = {keras}.layers.Dense({units_text(head)}, name="logits")(net)')
    if estimator.linear is not None:
        tower_l = estimator.linear
        target = "linear_logits" if both else "logits"
        lines.append(f"{target} = {support}.LinearModel({tower_l.columns.name}, units={units_text(head)}, "
                     f'sparse_combiner="{tower_l.sparse_combiner}")(inputs)')
    if both:
        lines.append(f"logits = {keras}.layers.Add()([dnn_logits, linear_logits])")
    options = model_options(estimator)
    if both:
        assert estimator.linear is not None
        options.insert(0, f"linear_optimizer={optimizer_text(estimator.linear.optimizer, keras)}")
        lines.append(f"model = {support}.WideAndDeepModel({', '.join(['inputs', 'logits', *options])})")
    else:
        lines.append(f"model = {support}.Model({', '.join(['inputs', 'logits', *options])})")
    if estimator.model_dir is not None:
        lines.append(f"model.model_dir = {estimator.model_dir.name}")
    trained = estimator.dnn or estimator.linear
    assert trained is not None
    optimizer = trained.optimizer
    compile_arguments = [f"optimizer={optimizer_text(optimizer, keras)}",
                         f"loss={loss_text(head, keras)}",
                         f"metrics={metrics_text(head, keras)}"]
    lines += ["model.compile(", *(INDENT + argument.replace("\n", "\n" + INDENT) + ","
                                  for argument in compile_arguments), ")"]
    return lines


def model_options(estimator: Estimator) -> list[str]:
    head = estimator.head
    options = []
    if head.weight_column is not None:
        options.append(f"weight_column={value_text(head.weight_column)}")
    if head.label_vocabulary is not None:
        options.append(f"label_vocabulary={value_text(head.label_vocabulary)}")
    return options


def construction(estimator: Estimator, builder_name: str) -> str:
    """The call that replaces the estimator's construction."""
    arguments = ", ".join(f"{value.name}={value.text}" for value in estimator.runtime_values())
    return f"{builder_name}({arguments})"


def predictions(head: Head, outputs: str, receiver: str, support: str) -> str:
    """What the estimator's predict() yielded: one dict per example."""
    if head.kind == "regression":
        return f"{support}.regressor_predictions({outputs})"
    vocabulary = "" if head.label_vocabulary is None else f", label_vocabulary={receiver}.label_vocabulary"
    return f"{support}.classifier_predictions({outputs}{vocabulary})"


def fit_text(receiver: str, dataset: str, steps: str | None) -> str:
    return f"{receiver}.fit({dataset}, epochs=1{f', steps_per_epoch={steps}' if steps else ''})"


def evaluate_text(receiver: str, dataset: str, steps: str | None) -> str:
    return f"{receiver}.evaluate({dataset}{f', steps={steps}' if steps else ''}, return_dict=True)"
