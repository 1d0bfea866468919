"""Back end: Keras source for a neutral estimator description, its builder and its call sites.

The builder names its layers after the estimator's variables (`hiddenlayer_0`, `logits`,
`batchnorm_0`, `input_layer`, `linear_model`) so a reader, and `compare`, can match one model
to the other. Feature columns stay run-time objects of the program: keras_feature_columns
turns them into the model's inputs (`DenseFeatures`, `LinearModel`), computing what the
estimator computed from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from estimator_audit.layout import INDENT, wrapped
from estimator_audit.migrate.metrics import Metric
from estimator_audit.migrate.model import (
    Estimator,
    Expression,
    Graph,
    Head,
    ModelFunction,
    Objective,
    Optimizer,
    Runtime,
)
from estimator_audit.migrate.support_files import SUPPORT_MODULE


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
    reduction = "" if head.loss_reduction == "sum_over_batch_size" else f', reduction="{head.loss_reduction}"'
    return by_head(head, {
        "binary": f"{keras}.losses.BinaryCrossentropy(from_logits=True{reduction})",
        "multiclass": f"{keras}.losses.SparseCategoricalCrossentropy(from_logits=True{reduction})",
        "regression": f"{keras}.losses.MeanSquaredError({reduction.lstrip(', ')})",
    })


def extra_metric_text(metric: Metric, keras: str, support: str) -> str:
    """A metric an add_metrics function added, fed what it was fed."""
    made = f'{keras}.metrics.{metric.keras_class}(name="{metric.name}")'
    if metric.labels is None and metric.predictions is None:
        return made
    feeds = [f"{part}=lambda {part}: {body}" for part, body in (("labels", metric.labels),
                                                               ("predictions", metric.predictions)) if body]
    return f"{support}.transformed({made}, {', '.join(feeds)})"


def metrics_text(head: Head, keras: str, extra: list[str] | None = None) -> str:
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
    texts = {kind: "[\n" + "".join(f"{INDENT}{metric},\n" for metric in [*listed, *(extra or [])]) + "]"
             for kind, listed in metrics.items()}
    return by_head(head, texts)


def seed_text(seed: int | Runtime | None, config: Runtime | None, default: int) -> str:
    """The builder's seed: the RunConfig's tf_random_seed as the source shows it, or read from a
    config only the running program has (the default when it sets none)."""
    if config is not None:
        return f"{default} if {config.name}.tf_random_seed is None else {config.name}.tf_random_seed"
    return value_text(seed) if seed is not None else str(default)


def estimator_spelling(estimator: Estimator) -> str:
    return f"tf.{'compat.v1.' if estimator.api == 'v1' else ''}estimator.{estimator.class_name}"


def builder(estimator: Estimator, name: str, seed: int, spelling: Spelling,
            comments: tuple[str, ...] = (), metrics: tuple[Metric, ...] = ()) -> str:
    """`def build_x(<run-time values>): ...` returning the compiled Keras model that replaces
    the estimator."""
    keras = spelling.keras
    parameters = estimator.runtime_values()
    docstring = [
        f'"""The Keras model that replaces {estimator_spelling(estimator)}.',
        "",
        "Same layers, head, loss reduction and optimizer hyperparameters as tensorflow-estimator",
        "2.15 really used (rewritten by estimator-audit).",
        '"""',
    ]
    setup = [*comments]
    if estimator.model_dir is not None or estimator.config is not None:
        setup.append("# As the estimator did, the model checkpoints into model_dir (its keras/ folder) and "
                     "resumes from there.")
    setup.append(f"{keras}.utils.set_random_seed({seed_text(estimator.seed, estimator.config, seed)})")
    towers = [tower for tower in (estimator.linear, estimator.dnn) if tower is not None]
    setup += [f"{tower.columns.name} = list({tower.columns.name})" for tower in towers]
    body = model_lines(estimator, spelling, metrics)
    strategy = estimator.strategy.name if estimator.strategy is not None else (
        f"{spelling.support}.strategy({estimator.config.name})" if estimator.config is not None else None)
    if strategy is not None:
        body = [f"with {strategy}.scope():", *(INDENT + line for chunk in body for line in chunk.split("\n"))]
    body.append("return model")
    lines = [*docstring, *setup, *body]
    signature = ", ".join(value.name for value in parameters)
    return f"def {name}({signature}):\n{block(lines, INDENT)}\n"


def model_lines(estimator: Estimator, spelling: Spelling, metrics: tuple[Metric, ...] = ()) -> list[str]:
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
            # int(): the estimator's layers took sizes read from flags as strings too.
            names = {"units": "int(units)", "name": 'f"hiddenlayer_{index}"', "norm": 'f"batchnorm_{index}"'}
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
    trained = estimator.dnn or estimator.linear
    assert trained is not None
    optimizer = trained.optimizer
    extra = [extra_metric_text(metric, keras, support) for metric in metrics]
    compile_arguments = [f"optimizer={optimizer_text(optimizer, keras)}",
                         f"loss={loss_text(head, keras)}",
                         f"metrics={metrics_text(head, keras, extra)}"]
    lines += ["model.compile(", *(INDENT + argument.replace("\n", "\n" + INDENT) + ","
                                  for argument in compile_arguments), ")"]
    return lines


def model_options(estimator: Estimator) -> list[str]:
    head = estimator.head
    options = [f"model_dir={estimator.model_dir.name}"] if estimator.model_dir is not None else (
        [f"model_dir={estimator.config.name}.model_dir"] if estimator.config is not None else [])
    options.append(f'head="{head.kind}"')
    if head.weight_column is not None:
        options.append(f"weight_column={value_text(head.weight_column)}")
    if head.label_vocabulary is not None:
        options.append(f"label_vocabulary={value_text(head.label_vocabulary)}")
    return options


def construction(estimator: Estimator | ModelFunction, builder_name: str) -> str:
    """The call that replaces the estimator's construction."""
    arguments = ", ".join(f"{value.name}={value.text}" for value in estimator.runtime_values())
    return f"{builder_name}({arguments})"


def predictions(receiver: str, dataset: str) -> str:
    """What the estimator's predict() yielded: one dict per example, by the model's head."""
    return f"{SUPPORT_MODULE}.predictions({receiver}, {receiver}.predict({dataset}, verbose=0))"


def export(receiver: str, export_dir: str, serving: str) -> str:
    """The estimator's export: a SavedModel serving what its head served."""
    return f"{SUPPORT_MODULE}.export_saved_model({receiver}, {export_dir}, {serving})"


def fit_text(receiver: str, dataset: str, steps: str | None, max_steps: str | None = None) -> str:
    """`train(steps=N)` trains N more steps; `train(max_steps=N)` until N steps in all."""
    if max_steps is not None:
        steps = f"{SUPPORT_MODULE}.remaining_steps({receiver}, {max_steps})"
    return f"{receiver}.fit({dataset}, epochs=1{f', steps_per_epoch={steps}' if steps else ''})"


def evaluate_text(receiver: str, dataset: str, steps: str | None) -> str:
    return f"{receiver}.evaluate({dataset}{f', steps={steps}' if steps else ''}, return_dict=True)"


def graph_class(graph: Graph, name: str, keras: str, tf: str) -> str:
    """A Keras model computing a TF1 graph's tensors from a dict fed by placeholder name, and
    training as the graph's `minimize` did: the class that replaces a Session script's graph.
    Its `fetch` takes a function of the tensors too where a run fetched an expression."""
    fetched = "one name, a list, or a function of them" if graph.computed_fetches else "one name, or a list"
    computed = [f"{INDENT}if callable(names):", f"{INDENT * 2}return names(outputs).numpy()"] \
        if graph.computed_fetches else []
    lines = [  # one-line docstrings: libcst indents code, not the inside of a string, if it is nested
        '"""The TF1 graph this script trained, as a Keras model (rewritten by estimator-audit)."""',
        "",
        "def __init__(self):",
        f"{INDENT}super().__init__()",
    ]
    if graph.variables:
        lines.append(f"{INDENT}self.graph_variables = [{', '.join(graph.variables)}]  # tracked: trained")
    lines += [f"{INDENT}self.{layer.attribute} = {keras}.layers.{layer.keras_class}("
              f"{', '.join(layer.arguments)})" for layer in graph.layers]
    lines += ["", "def call(self, feed):",
              f'{INDENT}"""The graph\'s tensors that the fed values (by placeholder name) determine."""']
    lines += [f'{INDENT}{fed.name} = {tf}.cast(feed["{fed.name}"], {fed.dtype}) if "{fed.name}" in feed '
              "else None" for fed in graph.placeholders]
    lines.append(f"{INDENT}outputs = {{}}")
    for stage in graph.stages:
        body = [*stage.statements, f"outputs.update({', '.join(f'{o}={o}' for o in stage.outputs)})"]
        test = " and ".join(f"{needed} is not None" for needed in stage.needs)
        lines.append(f"{INDENT}if {test}:")
        lines += [INDENT * 2 + line for text in body for line in text.split("\n")]
    lines += [
        f"{INDENT}return outputs",
        "",
        *train_step(graph.objectives, tf),
        "",
        "def fetch(self, names, feed):",
        f'{INDENT}"""What Session.run returned for these tensors ({fetched}) and this feed."""',
        f"{INDENT}outputs = self(self.tensors(feed))",
        *computed,
        f"{INDENT}if isinstance(names, str):",
        f"{INDENT * 2}return outputs[names].numpy()",
        f"{INDENT}return [outputs[name].numpy() for name in names]",
        "",
        "@staticmethod",
        "def tensors(feed):",
        f'{INDENT}"""The fed values as tensors: Keras calls models on tensors, sessions took numbers."""',
        f"{INDENT}return {{name: {tf}.convert_to_tensor(value) for name, value in feed.items()}}",
    ]
    indented = "\n".join(INDENT + line if line else "" for line in lines)
    return f"class {name}({keras}.Model):\n{indented}\n"


def train_step(objectives: tuple[Objective, ...], tf: str) -> list[str]:
    """The graph model's train_step: one step of the optimizer's minimize, or of each objective's
    (a GAN's generator and discriminator, which the session ran together) from one forward pass,
    every gradient taken before any update."""
    lines = ["def train_step(self, data):"]
    if len(objectives) == 1:
        [objective] = objectives
        return [*lines,
                f'{INDENT}"""One step of the TF1 optimizer\'s minimize({objective.loss})."""',
                f"{INDENT}feed = self.tensors(data[0])  # train_on_batch(feed) passes (feed, None, None)",
                f"{INDENT}with {tf}.GradientTape() as tape:",
                f'{INDENT * 2}loss = self(feed, training=True)["{objective.loss}"]',
                f"{INDENT}variables = {objective.variables or 'self.trainable_variables'}",
                f"{INDENT}self.optimizer.apply(tape.gradient(loss, variables), variables)",
                f'{INDENT}return {{"loss": loss}}']
    steps = ", ".join(f'({o.optimizer}, "{o.loss}", {o.variables or "self.trainable_variables"})'
                      for o in objectives)
    losses = ", ".join(f'"{objective.loss}": outputs["{objective.loss}"]' for objective in objectives)
    return [*lines,
            f'{INDENT}"""One step of each TF1 optimizer\'s minimize '
            f'({", ".join(objective.loss for objective in objectives)}), as one session run took them."""',
            f"{INDENT}feed = self.tensors(data[0])  # train_on_batch(feed) passes (feed, None, None)",
            f"{INDENT}with {tf}.GradientTape(persistent=True) as tape:",
            f"{INDENT * 2}outputs = self(feed, training=True)",
            f"{INDENT}steps = [{steps}]",
            f"{INDENT}gradients = [tape.gradient(outputs[loss], variables) for _, loss, variables in steps]",
            f"{INDENT}for (optimizer, _, variables), grads in zip(steps, gradients):",
            f"{INDENT * 2}optimizer.apply(grads, variables)",
            f'{INDENT}return {{"loss": outputs["{objectives[0].loss}"], {losses}}}']


def model_fn_class(model: ModelFunction, name: str, keras: str) -> str:
    """The Keras model that runs a custom Estimator's model_fn (keras_feature_columns.EstimatorModel
    calls it in the Estimator's modes)."""
    signature = ", ".join(["self", *model.parameters])
    lines = [
        f'"""The model_fn `{model.function}` of a custom Estimator, as a Keras model (rewritten by '
        'estimator-audit)."""',
        "",
        f"def model_fn({signature}):",
        *(INDENT + line if line else "" for line in model.body),
    ]
    indented = "\n".join(INDENT + line if line else "" for line in lines)
    return f"class {name}({SUPPORT_MODULE}.EstimatorModel):\n{indented}\n"


def model_fn_builder(model: ModelFunction, class_name: str, name: str, seed: int, keras: str) -> str:
    """`def build_x(<run-time values>): ...` returning the compiled model that replaces the
    custom Estimator: seeded as its RunConfig seeded the graph, its optimizer hoisted from the
    model_fn (it may read `params`)."""
    parameters = model.runtime_values()
    arguments = []
    if model.params is not None:
        arguments.append(f"params={model.params.name}")
    if model.model_dir is not None:
        arguments.append(f"model_dir={model.model_dir.name}")
    elif model.config is not None:
        arguments.append(f"model_dir={model.config.name}.model_dir")
    lines = [
        f'"""The Keras model that replaces tf.estimator.Estimator(model_fn={model.function}): the same',
        "model_fn run eagerly, trained with the optimizer it built (TF1 defaults written out).",
        '"""',
        f"{keras}.utils.set_random_seed({seed_text(model.seed, model.config, seed)})",
        f"model = {class_name}({', '.join(arguments)})",
        f"model.compile(optimizer={model.optimizer})",
        "return model",
    ]
    return f"def {name}({', '.join(value.name for value in parameters)}):\n{block(lines, INDENT)}\n"
