"""Write the Keras code for a neutral estimator description: a model builder and call sites.

The builder names its layers after the estimator's variables (`hiddenlayer_0`, `logits`,
`linear_model`) so a reader, and the runtime shim, can match one model to the other.
"""

from __future__ import annotations

import io
import itertools
import tokenize
from dataclasses import dataclass

from estimator_audit.migrate import columns as feature_code
from estimator_audit.migrate.frontend import CallSite, Migration
from estimator_audit.migrate.model import Estimator, Head, Optimizer

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


@dataclass(frozen=True)
class Spelling:
    """How the rewritten file names Keras and NumPy (`keras`, `tf.keras`; `np`)."""

    keras: str
    numpy: str
    tensorflow: str


def optimizer_text(optimizer: Optimizer, keras: str) -> str:
    arguments = ", ".join(f"{name}={value!r}" for name, value in optimizer.arguments)
    return f"{keras}.optimizers.{optimizer.keras_class}({arguments})"


def loss_text(head: Head, keras: str) -> str:
    reduction = ', reduction="sum"' if head.loss_reduction == "sum" else ""
    if head.kind == "binary":
        return f"{keras}.losses.BinaryCrossentropy(from_logits=True{reduction})"
    if head.kind == "multiclass":
        return f"{keras}.losses.SparseCategoricalCrossentropy(from_logits=True{reduction})"
    return f"{keras}.losses.MeanSquaredError({reduction.lstrip(', ')})"


def metrics_text(head: Head, keras: str) -> str:
    """The metrics the estimator's evaluate() reported, under the same keys. The model
    outputs logits, so thresholds are at logit 0 (probability 0.5). Keras 3's
    BinaryCrossentropy metric rejects labels of shape (batch,) beside logits of shape
    (batch, 1), which input_fns commonly yield, so a binary head has no average_loss."""
    if head.kind == "binary":
        metrics = [f'{keras}.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)',
                   f'{keras}.metrics.AUC(name="auc", from_logits=True)',
                   f'{keras}.metrics.Precision(name="precision", thresholds=0.0)',
                   f'{keras}.metrics.Recall(name="recall", thresholds=0.0)']
    elif head.kind == "multiclass":
        metrics = [f'{keras}.metrics.SparseCategoricalAccuracy(name="accuracy")',
                   f'{keras}.metrics.SparseCategoricalCrossentropy(name="average_loss", from_logits=True)']
    else:
        metrics = [f'{keras}.metrics.MeanSquaredError(name="average_loss")']
    return "[\n" + "".join(f"{INDENT * 2}{metric},\n" for metric in metrics) + f"{INDENT}]"


def two_optimizer_model(name: str, spelling: Spelling) -> str:
    """A Keras model class that steps its linear layers with a second optimizer, as
    DNNLinearCombined steps its linear part (FTRL) apart from its DNN part (Adagrad)."""
    keras, tf = spelling.keras, spelling.tensorflow
    return "\n".join([
        f"class {name}({keras}.Model):",
        f'{INDENT}"""A wide-and-deep model: one loss, the linear layers stepped by `linear_optimizer`,',
        f'{INDENT}the others by the compiled optimizer (as DNNLinearCombined* trained them)."""',
        "",
        f"{INDENT}def __init__(self, inputs, outputs, linear_layers, linear_optimizer):",
        f"{INDENT * 2}super().__init__(inputs, outputs)",
        f"{INDENT * 2}self.linear_layers = list(linear_layers)",
        f"{INDENT * 2}self.linear_optimizer = linear_optimizer",
        "",
        f"{INDENT}def train_step(self, data):",
        f"{INDENT * 2}x, y = data[0], data[1]",
        f"{INDENT * 2}with {tf}.GradientTape() as tape:",
        f"{INDENT * 3}logits = self(x, training=True)",
        f"{INDENT * 3}loss = self.compute_loss(x=x, y=y, y_pred=logits, training=True)",
        f"{INDENT * 2}linear = [v for layer in self.layers if layer.name in self.linear_layers",
        f"{INDENT * 2}          for v in layer.trainable_variables]",
        f"{INDENT * 2}deep = [v for v in self.trainable_variables if not any(v is w for w in linear)]",
        f"{INDENT * 2}gradients = tape.gradient(loss, linear + deep)",
        f"{INDENT * 2}self.linear_optimizer.apply(gradients[: len(linear)], linear)",
        f"{INDENT * 2}self.optimizer.apply(gradients[len(linear):], deep)",
        f"{INDENT * 2}for metric in self.metrics:",
        f'{INDENT * 3}if metric.name == "loss":',
        f"{INDENT * 4}metric.update_state(loss)",
        f"{INDENT * 3}else:",
        f"{INDENT * 4}metric.update_state(y, logits)",
        f"{INDENT * 2}return {{metric.name: metric.result() for metric in self.metrics}}",
    ]) + "\n"


def builder(migration: Migration, name: str, seed: int, spelling: Spelling, combined_class: str = "") -> str:
    """`def build_x(): ...` returning the compiled Keras model that replaces the estimator;
    a DNNLinearCombined estimator's model is a `combined_class` (see two_optimizer_model)."""
    estimator = migration.estimator
    keras = spelling.keras
    spelled = f"tf.{'compat.v1.' if estimator.api == 'v1' else ''}estimator.{estimator.class_name}"
    lines = [
        f'"""The Keras model that replaces {spelled}.',
        "",
        "Same layers, head, loss reduction and optimizer hyperparameters as tensorflow-estimator",
        "2.15 really used (rewritten by estimator-audit).",
        '"""',
    ]
    lines += migration.comments
    if estimator.model_dir is not None:
        lines.append(f"# The estimator kept checkpoints in {estimator.model_dir}; "
                     "save this model with model.save().")
    lines.append(f"{keras}.utils.set_random_seed({estimator.seed if estimator.seed is not None else seed})")
    lines += feature_code.keras_inputs(list(estimator.columns), keras)
    both = estimator.dnn is not None and estimator.linear is not None
    if estimator.dnn is not None:
        tower = estimator.dnn
        lines += feature_code.dnn_features(list(tower.columns), keras, "net")
        for index, units in enumerate(tower.hidden_units):
            lines.append(f'net = {keras}.layers.Dense({units}, activation="{tower.activation}", '
                         f'name="hiddenlayer_{index}")(net)')
            if tower.dropout is not None:
                lines.append(f"net = {keras}.layers.Dropout({tower.dropout!r})(net)")
            if tower.batch_norm:
                lines.append(f'net = {keras}.layers.BatchNormalization(momentum=0.999, '
                             f'name="batchnorm_{index}")(net)')
        target = "dnn_logits" if both else "logits"
        lines.append(f'{target} = {keras}.layers.Dense({estimator.head.units}, name="logits")(net)')
    if estimator.linear is not None:
        lines += feature_code.linear_features(list(estimator.linear.columns), keras, "features",
                                              sparse_combiner=estimator.linear.sparse_combiner)
        target = "linear_logits" if both else "logits"
        lines.append(f'{target} = {keras}.layers.Dense({estimator.head.units}, '
                     f'kernel_initializer="zeros", name="linear_model")(features)')
    if not both:
        lines.append(f"model = {keras}.Model(inputs, logits)")
    else:
        assert estimator.linear is not None and combined_class
        linear_layers = ["linear_model", *feature_code.linear_embedding_variables(estimator.linear.columns)]
        lines += [
            f"logits = {keras}.layers.Add()([dnn_logits, linear_logits])",
            f"model = {combined_class}(",
            f"{INDENT}inputs, logits, linear_layers={linear_layers!r},",
            f"{INDENT}linear_optimizer={optimizer_text(estimator.linear.optimizer, keras)},",
            ")",
        ]
    optimizer = estimator.dnn.optimizer if estimator.dnn is not None else estimator.linear.optimizer  # type: ignore[union-attr]
    lines += [
        "model.compile(",
        f"{INDENT}optimizer={optimizer_text(optimizer, keras)},",
        f"{INDENT}loss={loss_text(estimator.head, keras)},",
        f"{INDENT}metrics={metrics_text(estimator.head, keras)},",
        ")",
        "return model",
    ]
    body = [part for chunk in lines for line in chunk.split("\n")
            for part in (wrapped(INDENT + line) if line else [""])]
    return "\n".join([f"def {name}():", *body]) + "\n"


def predictions_helper(name: str, head: Head, numpy: str) -> str:
    """A generator of what the estimator's predict() yielded per example, from the logits."""
    np = numpy
    if head.kind == "regression":
        computed: list[str] = []
        keys = ['"predictions": row']
    else:
        if head.kind == "binary":
            computed = [f"logistic = 1.0 / (1.0 + {np}.exp(-row))",
                        "class_id = int(row[0] > 0)"]
            keys = ['"logits": row', '"logistic": logistic',
                    f'"probabilities": {np}.concatenate([1.0 - logistic, logistic])']
        else:
            computed = [f"exponentials = {np}.exp(row - row.max())",
                        f"class_id = int({np}.argmax(row))"]
            keys = ['"logits": row', '"probabilities": exponentials / exponentials.sum()']
        keys += [f'"class_ids": {np}.array([class_id])',
                 f'"classes": {np}.array([str(class_id).encode()])',
                 f'"all_class_ids": {np}.arange({max(head.units, 2)})',
                 f'"all_classes": {np}.array([str(i).encode() for i in range({max(head.units, 2)})])']
    lines = [f"def {name}(logits):",
             f'{INDENT}"""One dict per example, as the estimator\'s predict() yielded them."""',
             f"{INDENT}for row in logits:",
             *(2 * INDENT + line for line in computed),
             f"{2 * INDENT}yield {{",
             *(f"{3 * INDENT}{key}," for key in keys),
             f"{2 * INDENT}}}"]
    return "\n".join(lines) + "\n"


def call_site(site: CallSite, variable: str, predictions: str) -> str:
    """The Keras call that replaces one train/evaluate/predict call, on the same dataset."""
    if site.method == "train":
        steps = f", steps_per_epoch={site.steps}" if site.steps else ""
        return f"{variable}.fit({site.dataset}, epochs=1{steps})"
    if site.method == "evaluate":
        steps = f", steps={site.steps}" if site.steps else ""
        return f"{variable}.evaluate({site.dataset}{steps}, return_dict=True)"
    return f"{predictions}({variable}.predict({site.dataset}, verbose=0))"


def uses_predict(migration: Migration) -> bool:
    return any(site.method == "predict" for site in migration.sites)


def described(estimator: Estimator) -> str:
    parts = []
    if estimator.dnn is not None:
        parts.append(f"hidden layers {list(estimator.dnn.hidden_units)}")
        optimizer = estimator.dnn.optimizer
    else:
        assert estimator.linear is not None
        optimizer = estimator.linear.optimizer
    arguments = dict(optimizer.arguments)
    rate = arguments.get("learning_rate")
    parts.append(f"{optimizer.keras_class}" + (f" at learning rate {rate}" if rate is not None else ""))
    parts.append(f"{estimator.head.kind} head, loss reduced by {estimator.head.loss_reduction}")
    return ", ".join(parts)
