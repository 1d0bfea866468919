"""
## What it does
Flags every construction of a premade (canned) Estimator: `DNNClassifier`, `DNNRegressor`,
`LinearClassifier`, `LinearRegressor`, `DNNLinearCombinedClassifier`/`Regressor`,
`BaselineClassifier`/`Regressor`, the `*Estimator` variants with a custom head, `RNNClassifier`,
`KMeans` and the `BoostedTrees*` estimators, in every spelling: `tf.estimator`,
`tf.compat.v1.estimator`, the `tensorflow_estimator` package and its internal `canned` modules,
through any import alias; and tf.contrib.learn's premade estimators (`tf.contrib.learn.DNNRegressor`,
`LinearClassifier`, `KMeansClustering`, `SVM`, ...) for every target from 2.0 on.

## Why is this bad?
`tf.estimator` was removed in TensorFlow 2.16, where Keras 3 became the default: the call
raises `AttributeError` on every current TensorFlow. tensorflow-estimator 2.15 is the last
release, and it only installs beside TensorFlow 2.15 (Python 3.11 at most). tf.contrib.learn's
estimators went with tf.contrib in TensorFlow 2.0; they take other arguments than tf.estimator's
(`fit(x, y, steps)`, `weight_column_name`, contrib feature columns), so the Keras rewrite, which
reproduces tf.estimator's defaults, is not offered for them.

## How it was verified
The class list is generated from tensorflow-estimator 2.15 by
`tools/generate_estimator_table.py` (`estimator_audit/data/estimators.json`); a runtime test
regenerates it and checks that `tf.estimator` is absent from the current TensorFlow.
The boosted-trees estimators, removed before 2.15, are listed by hand from the TF 2.12 API.
`import tensorflow_estimator; tensorflow_estimator.estimator.DNNClassifier` is the V1 class
(the package loads its `_api.v1`), checked on 2.15.

## Example
```python
import tensorflow as tf

classifier = tf.estimator.DNNClassifier(
    hidden_units=[10, 10], feature_columns=[tf.feature_column.numeric_column("x")]
)
```

## Use instead
A Keras model with the same layers, head, loss and optimizer hyperparameters, reading the same
feature columns through `keras_feature_columns` (written beside the program by the fix):
```python
import keras
import keras_feature_columns

keras.utils.set_random_seed(42)
columns = [keras_feature_columns.numeric_column("x")]
inputs = keras_feature_columns.inputs(columns)
hidden = keras_feature_columns.DenseFeatures(columns)(inputs)
hidden = keras.layers.Dense(10, activation="relu", name="hiddenlayer_0")(hidden)
hidden = keras.layers.Dense(10, activation="relu", name="hiddenlayer_1")(hidden)
model = keras_feature_columns.Model(inputs, keras.layers.Dense(1, name="logits")(hidden))
```

## The rewrite (`--unsafe-fixes`)
DNNClassifier/Regressor, LinearClassifier/Regressor and DNNLinearCombinedClassifier/Regressor
(tf.estimator and tf.compat.v1.estimator) become a call of a `build_<variable>(...)` function
that returns a compiled Keras model, and every use of the estimator, wherever the program makes
it, is rewritten on the same datasets:
- the estimator is followed through the whole program: the variable it is assigned to (in a
  notebook, until the next assignment), helper functions it is passed to (`print_rmse(model,
  df)`), and a `build_estimator()` that returns it to another module (`trainer/task.py`), whose
  own audit rewrites its uses (the finding there is on the call that obtains the estimator);
- `train(steps=/max_steps=)` becomes `fit(dataset, epochs=1, steps_per_epoch=...)`,
  `evaluate` returns the same keys, `predict` yields the same per-example dictionaries,
  `train_and_evaluate(est, TrainSpec(...), EvalSpec(...))` trains to `max_steps`, evaluates the
  final model (the estimator's evaluations in between depend on wall-clock time) and exports
  what its exporters exported; `export_saved_model` exports the Keras model;
- `input_fn=f` becomes the dataset `f()` returns, whatever `f` is: a def, a lambda, a factory's
  result, `functools.partial`, a function of another module; an input_fn that returns an
  iterator's tensors is made to return its dataset (in a module the rewrite changes);
- the feature columns stay the program's own (loops over the data's keys, helper functions,
  vocabularies read from data), built through `keras_feature_columns` (EA105's fix), whose
  `DenseFeatures` and `LinearModel` compute what the estimator computed from them, in its
  order; run-time values (hidden units from flags, a learning rate from arguments, n_classes
  read from the labels) become parameters of the builder, passed the program's expressions;
- the same hidden layers, activation, dropout and batch normalization (momentum 0.999) order;
  linear models the same zero-initialised linear model; DNNLinearCombined the sum of both, in a
  `WideAndDeepModel` that steps the linear model with the estimator's FTRL and the rest with its
  Adagrad;
- the same head: one logit and sigmoid cross-entropy for two classes, softmax cross-entropy
  for more, mean squared error for regression, reduced as the estimator reduced it (V2 estimators
  `sum_over_batch_size`, V1 estimators `sum`), weighted by `weight_column`, with string labels
  looked up in `label_vocabulary`; evaluate() metrics under the estimator's keys;
- the same optimizer with the hyperparameters tensorflow-estimator 2.15 really applied
  (`estimator_audit/data/estimator_defaults.json`, generated from 2.15 and checked by training:
  V1 DNNs train Adagrad at 0.05 with no epsilon, V2 DNNs at Keras' own default 0.001; linear
  models FTRL at 0.2 (min(0.2, 1/sqrt(columns)) only with `optimizer=None`); DNNLinearCombined
  Adagrad at 0.001 and FTRL at min(0.005, 1/sqrt(columns)); an optimizer given by name gets
  the estimator's rate, not the class's);
- `keras.utils.set_random_seed` with RunConfig's `tf_random_seed` (else the configured seed),
  after the imports (the estimator seeded the graph its input_fn ran in; Keras reads datasets
  the program made before) and again in the builder; RunConfig's `model_dir` stays on the model
  (`model.model_dir`), `train_distribute` becomes the strategy the model is built under, and
  fields that only schedule checkpoints and logs are dropped, with the RunConfig, TrainSpec,
  EvalSpec and exporters the program no longer needs.

When any part cannot be reproduced faithfully (an input_fn that does not visibly return a
tf.data dataset, `warm_start_from`, hooks, an estimator stored on an object, `max_steps` on an
estimator trained twice, TF1 RMSProp, ...) nothing is rewritten, in any module, and the message
says why.

## Fix safety
The Keras rewrite is an unsafe fix (it changes the program on purpose): the estimator resumed
from the checkpoints in its model_dir, Keras starts from the builder, and the datasets shuffle
with seeds derived from the global seed rather than from the estimator's graph. Run
`estimator-audit compare` to check that the rewrite trains like the estimator it replaces.
"""

import ast

from estimator_audit.findings import FixSafety, Severity
from estimator_audit.knowledge.calls import tf_spelling
from estimator_audit.knowledge.tfapi import (
    estimator_class,
    estimator_removed,
    tf1_only_estimator,
    version_text,
)
from estimator_audit.migrate.model import Unsupported
from estimator_audit.rule import Invalid, Rule, Valid


class PremadeEstimator(Rule):
    code = "EA101"
    name = "premade-estimator"
    severity = Severity.ERROR
    fix_safety = FixSafety.UNSAFE
    summary = "A premade Estimator: tf.estimator was removed in TensorFlow 2.16."
    triggers = ("Classifier", "Regressor", "Estimator", "KMeans", "input_fn", "train_and_evaluate", "export_saved")
    valid = (
        Valid(
            """
            class DNNClassifier:
                def __init__(self, **kwargs):
                    self.kwargs = kwargs

            model = DNNClassifier(hidden_units=[10])
            """
        ),
        Valid(
            """
            from my_project.estimators import DNNClassifier
            model = DNNClassifier(hidden_units=[10])
            """
        ),
        Valid(
            """
            import tensorflow as tf
            spec = tf.estimator.EstimatorSpec(mode=tf.estimator.ModeKeys.TRAIN, loss=loss)
            config = tf.estimator.RunConfig(tf_random_seed=1)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def build(tf):
                return tf.estimator.DNNClassifier(hidden_units=[10], feature_columns=[])
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            model = tf.estimator.LinearRegressor(feature_columns=columns)
            model.train(input_fn=lambda: train_input_fn(df), steps=10)
            model.evaluate()  # an exercise left for the student
            """,
            at=((2, 9),),
            message="no automatic rewrite: evaluate() at line 4 is not given its input_fn",
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.contrib.learn.python.learn.estimators import linear
            regressor = tf.contrib.learn.DNNRegressor(hidden_units=[10], feature_columns=columns)
            classifier = linear.LinearClassifier(feature_columns=columns)
            custom = tf.contrib.learn.Estimator(model_fn=model_fn)
            """,
            at=((3, 13), (4, 14)),
            message="premade Estimator of tf.contrib.learn",
        ),
        Invalid(
            """
            import tensorflow as tf
            clusters = tf.contrib.learn.KMeansClustering(num_clusters=2)
            """,
            at=((2, 12),),
            message="port the clustering to a library that computes K-means",
        ),
        Invalid(
            """
            import tensorflow as tf

            def input_fn():
                return tf.data.Dataset.from_tensor_slices(({"x": [1.0, 2.0]}, [0.5, 1.5])).batch(2)

            x = tf.feature_column.numeric_column("x")
            est = tf.estimator.DNNRegressor(hidden_units=[8], feature_columns=[x])  # noqa: EA203
            est.train(input_fn=input_fn, steps=10)
            print(est.evaluate(input_fn=input_fn)["average_loss"])
            """,
            at=((7, 7),),
            message="tf.estimator.DNNRegressor",
            fixed="""
            import tensorflow as tf
            import keras_feature_columns
            tf.keras.utils.set_random_seed(42)

            def input_fn():
                return tf.data.Dataset.from_tensor_slices(({"x": [1.0, 2.0]}, [0.5, 1.5])).batch(2)

            x = tf.feature_column.numeric_column("x")


            def build_est(feature_columns):
                \"\"\"The Keras model that replaces tf.estimator.DNNRegressor.

                Same layers, head, loss reduction and optimizer hyperparameters as tensorflow-estimator
                2.15 really used (rewritten by estimator-audit).
                \"\"\"
                tf.keras.utils.set_random_seed(42)
                feature_columns = list(feature_columns)
                inputs = keras_feature_columns.inputs(feature_columns)
                net = keras_feature_columns.DenseFeatures(feature_columns)(inputs)
                net = tf.keras.layers.Dense(8, activation="relu", name="hiddenlayer_0")(net)
                logits = tf.keras.layers.Dense(1, name="logits")(net)
                model = keras_feature_columns.Model(inputs, logits, head="regression")
                model.compile(
                    optimizer=tf.keras.optimizers.Adagrad(
                        learning_rate=0.001,
                        epsilon=1e-07,
                        initial_accumulator_value=0.1,
                    ),
                    loss=tf.keras.losses.MeanSquaredError(),
                    metrics=[
                        tf.keras.metrics.MeanSquaredError(name="average_loss"),
                    ],
                )
                return model


            est = build_est(feature_columns=[x])  # noqa: EA203
            est.fit(input_fn(), epochs=1, steps_per_epoch=10)
            print(est.evaluate(input_fn(), return_dict=True)["average_loss"])
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            est = tf.estimator.DNNClassifier(hidden_units=[10], feature_columns=cols)
            """,
            at=((2, 7),),
            message="tf.estimator.DNNClassifier",
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            est = tf.estimator.LinearRegressor(feature_columns=cols)
            """,
            at=((2, 7),),
            message="tf.compat.v1.estimator.LinearRegressor",
        ),
        Invalid(
            """
            from tensorflow import estimator as est
            from tensorflow.estimator import DNNRegressor as Regressor
            a = est.BaselineClassifier(n_classes=3)
            b = Regressor(
                hidden_units=[4], feature_columns=cols)
            """,
            at=((3, 5), (4, 5)),
        ),
        Invalid(
            """
            import tensorflow_estimator as tfe
            from tensorflow.compat import v1
            def main():
                import tensorflow as tf
                tf1 = tf.compat.v1
                tf1.estimator.DNNLinearCombinedClassifier(linear_feature_columns=cols)
                v1.estimator.BoostedTreesClassifier(cols, n_batches_per_layer=1)
                return tfe.estimator.DNNClassifier([3], cols)
            """,
            at=((6, 5), (7, 5), (8, 12)),
        ),
        Invalid(
            """
            from tensorflow_estimator.python.estimator.canned.dnn import DNNClassifierV2
            model = DNNClassifierV2([10], cols)  # noqa: EA203
            """,
            at=((2, 9),),
            message="tf.estimator.DNNClassifier",
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        target = self.context.settings.target
        estimator = estimator_class(self.context.call_name(node))
        if estimator is not None and estimator.premade and tf1_only_estimator(estimator.public_name):
            if target >= (2, 0):
                self.report(node, f"{tf_spelling(estimator.public_name)} is a premade Estimator of "
                            f"tf.contrib.learn, which TensorFlow 2 does not have (2.0 removed tf.contrib); "
                            f"{successor(estimator.public_name)} (no automatic rewrite: tf.contrib.learn's "
                            "estimators take other arguments and defaults than the tf.estimator ones the "
                            "rewrite reproduces)")
        elif not estimator_removed(target):
            return
        elif estimator is not None and estimator.premade:
            self.constructed(node, estimator.public_name)
        elif estimator is None and self.holds_result(node):
            self.obtained(node)

    def constructed(self, node: ast.Call, public_name: str) -> None:
        target = version_text(self.context.settings.target)
        message = (f"{tf_spelling(public_name)} is a premade Estimator: tf.estimator was "
                   f"removed in TensorFlow 2.16, so this raises AttributeError on TensorFlow {target}; "
                   f"{successor(public_name)}")
        from estimator_audit.migrate.rewrite import keras_rewrite  # only files with an estimator

        try:
            fix = keras_rewrite(self.context, node)
        except Unsupported as reason:
            self.report(node, f"{message} (no automatic rewrite: {reason})")
        else:
            self.report(node, message, fix)

    def holds_result(self, node: ast.Call) -> bool:
        """Whether the call's result is kept (`estimator = model.build_estimator(...)`): only
        then can it be an estimator this module goes on to use."""
        parent = self.context.ancestors[-1] if self.context.ancestors else None
        return isinstance(parent, ast.Assign) and parent.value is node and isinstance(
            node.func, (ast.Name, ast.Attribute))

    def obtained(self, node: ast.Call) -> None:
        """A call of a function of the program that returns a premade estimator another module
        builds: this module's uses of it are rewritten with it."""
        from estimator_audit.migrate.holders import built_elsewhere  # only calls into the program

        found = built_elsewhere(self.context, node)
        if found is None:
            return
        public_name, where, plan_or_reason = found
        several = " or " in public_name
        spelled = [tf_spelling(name) for name in public_name.split(" or ")]
        named = f"{', '.join(spelled[:-1])} or {spelled[-1]}" if several else spelled[0]
        message = (f"`{self.context.source.segment(self.context.span(node.func))}(...)` returns "
                   f"{'one of the premade estimators ' if several else 'the premade '}{named} built at {where}: "
                   "tf.estimator was removed in TensorFlow "
                   "2.16, so its uses here fail too; migrate them with it")
        if isinstance(plan_or_reason, str):
            self.report(node, f"{message} (no automatic rewrite: {plan_or_reason})")
        else:
            self.report(node, message, plan_or_reason)


def successor(estimator: str) -> str:
    """Where to take the model: a Keras model, but for K-means, which no Keras model computes."""
    if "KMeans" in estimator:
        return ("port the clustering to a library that computes K-means, such as scikit-learn's "
                "sklearn.cluster.KMeans: no Keras model does")
    return "migrate it to a Keras model"
