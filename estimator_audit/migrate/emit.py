"""Write the Keras code for a neutral estimator description: a model builder and call sites.

The builder names its layers after the estimator's variables (`hiddenlayer_0`, `logits`,
`linear_model`) so a reader, and the runtime shim, can match one model to the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from estimator_audit.migrate import columns as feature_code
from estimator_audit.migrate.frontend import CallSite, Migration
from estimator_audit.migrate.model import Estimator, Head, Optimizer, Unsupported

INDENT = "    "


@dataclass(frozen=True)
class Spelling:
    """How the rewritten file names Keras and NumPy (`keras`, `tf.keras`; `np`)."""

    keras: str
    numpy: str


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


def builder(migration: Migration, name: str, seed: int, spelling: Spelling) -> str:
    """`def build_x(): ...` returning the compiled Keras model that replaces the estimator."""
    estimator = migration.estimator
    keras = spelling.keras
    if estimator.dnn is not None and estimator.linear is not None:
        raise Unsupported("DNNLinearCombined trains its two parts with two optimizers; a compiled "
                          "Keras model has one, so the rewrite would train differently")
    spelled = f"tf.{'compat.v1.' if estimator.api == 'v1' else ''}estimator.{estimator.class_name}"
    lines = [
        f'"""The Keras model that replaces {spelled}.',
        "",
        "Same layers, head, loss reduction and optimizer hyperparameters as tensorflow-estimator",
        "2.15 really used (rewritten by estimator-audit).",
        '"""',
    ]
    if estimator.model_dir is not None:
        lines.append(f"# The estimator kept checkpoints in {estimator.model_dir}; "
                     "save this model with model.save().")
    lines.append(f"{keras}.utils.set_random_seed({estimator.seed if estimator.seed is not None else seed})")
    lines += feature_code.keras_inputs(list(estimator.columns), keras)
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
        lines.append(f'logits = {keras}.layers.Dense({estimator.head.units}, name="logits")(net)')
        optimizer = tower.optimizer
    else:
        assert estimator.linear is not None
        lines += feature_code.linear_features(list(estimator.linear.columns), keras, "features",
                                              sparse_combiner=estimator.linear.sparse_combiner)
        lines.append(f'logits = {keras}.layers.Dense({estimator.head.units}, kernel_initializer="zeros", '
                     f'name="linear_model")(features)')
        optimizer = estimator.linear.optimizer
    lines += [
        f"model = {keras}.Model(inputs, logits)",
        "model.compile(",
        f"{INDENT}optimizer={optimizer_text(optimizer, keras)},",
        f"{INDENT}loss={loss_text(estimator.head, keras)},",
        f"{INDENT}metrics={metrics_text(estimator.head, keras)},",
        ")",
        "return model",
    ]
    body = [INDENT + line if line else "" for chunk in lines for line in chunk.split("\n")]
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
