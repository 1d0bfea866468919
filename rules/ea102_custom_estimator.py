"""
## What it does
Flags every construction of a custom Estimator, `tf.estimator.Estimator(model_fn=...)` and
`TPUEstimator` (`tf.compat.v1.estimator.tpu.TPUEstimator`, TF 1.x's `tf.estimator.tpu` and
`tf.contrib.tpu` spellings, and TF 1.x's `tf.contrib.learn.Estimator`), and every call of
`tf.estimator.train_and_evaluate`, in every
spelling: `tf.estimator`, `tf.compat.v1.estimator`, the `tensorflow_estimator` package and its
internal modules, through any import alias. Premade estimators are EA101's. When the `target`
setting is below 2.16, where tf.estimator still exists, only the TF 1.x spellings are flagged
(`tf.estimator.tpu.TPUEstimator`, `tf.contrib.tpu.TPUEstimator`, `tf.contrib.learn.Estimator`):
TensorFlow 2.15 has none of them.

## Why is this bad?
`tf.estimator` was removed in TensorFlow 2.16, where Keras 3 became the default: on every
current TensorFlow the name no longer exists, so the program stops at this line. tensorflow-
estimator 2.15 is the last release and only installs beside TensorFlow 2.15. A custom
Estimator's `model_fn` has no mechanical Keras equivalent, so the port is by hand, following
TensorFlow's guide "Migrate from Estimator to Keras APIs"
(https://www.tensorflow.org/guide/migrate/migrating_estimator).

## How it was verified
The Estimator classes and their internal spellings come from tensorflow-estimator 2.15 through
`estimator_audit/data/estimators.json` (`tools/generate_estimator_table.py`); the non-premade
ones are `Estimator`, `EstimatorV2` and `TPUEstimator`. This script, for each name, printed
whether `import tensorflow as tf` reaches it:
```python
import tensorflow as tf
def has(path):
    obj = tf
    for part in path.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True
for path in ["estimator", "estimator.Estimator", "estimator.train_and_evaluate",
             "compat.v1.estimator", "compat.v1.estimator.tpu.TPUEstimator",
             "estimator.tpu", "contrib"]:
    print(path, has(path))
```
On `/root/venv-tf` (TensorFlow 2.21.0) every name printed False; on `/root/venv-legacy`
(TensorFlow 2.15.1) the first five printed True and `estimator.tpu` and `contrib` False. On
2.21, `from tensorflow.estimator import Estimator` raised `ModuleNotFoundError: No module named
'tensorflow.estimator'` and `import tensorflow_estimator` raised `ModuleNotFoundError: No
module named 'tensorflow_estimator'`. On 2.15, `from tensorflow.python.estimator.training
import train_and_evaluate` imported `tensorflow_estimator.python.estimator.training`'s
function, the TF 1.x internal spelling listed here. The guide's title and address were checked
in TensorFlow's documentation.

## Example
```python
import tensorflow as tf

estimator = tf.estimator.Estimator(model_fn=model_fn, config=run_config)
tf.estimator.train_and_evaluate(estimator, train_spec, eval_spec)
```

## Use instead
A Keras model trained with `fit` (see the migration guide for porting a `model_fn`):
```python
import keras

keras.utils.set_random_seed(42)
model = build_keras_model()
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
model.fit(train_dataset, validation_data=eval_dataset, epochs=3)
```

## Fix safety
Unsafe (`--unsafe-fixes`), for a `tf.estimator.Estimator(model_fn=...)` whose model_fn the
rewrite translates faithfully: the model_fn becomes the `model_fn` method of a Keras model
(keras_feature_columns.EstimatorModel, which calls it in the Estimator's modes): its own code
in TF2 spellings, `tf.layers` calls as Keras layers made under their TF1 names (`dense/kernel`),
`tf.losses` as the means TF1 computed, `tf.metrics` as Keras metrics under their keys, the
TF1 optimizer hoisted into a builder with its TF1 defaults written out, seeded from
`RunConfig(tf_random_seed)`; `train`/`evaluate`/`predict`/`train_and_evaluate` become
`fit`/`evaluate`/`predict` on the same datasets, as EA101's rewrite does. `compare` proves it:
equivalence mode carries the estimator's initial variables over by name and replays its
batches. The fix changes numerics only where TF1 and TF2 kernels round differently; it is
unsafe because it replaces the program's model and training loop. Anything it cannot
reproduce (batch normalization's update ops, a learning-rate schedule on the global step,
`var_list`, weighted losses, exports, TPU and tf.contrib.learn estimators, a model_fn reading
its RunConfig) keeps the finding, with the reason; port those by hand.
"""

import ast

from estimator_audit.findings import Fix, FixSafety, Severity
from estimator_audit.knowledge.calls import tf_spelling
from estimator_audit.knowledge.tfapi import (
    estimator_class,
    estimator_removed,
    tf1_only_estimator,
    version_text,
)
from estimator_audit.knowledge.v1api import (
    MIGRATION_GUIDE,
    TF1_TPU_ESTIMATORS,
    TRAIN_AND_EVALUATE,
    custom_estimator_entry,
)
from estimator_audit.migrate.model import Unsupported
from estimator_audit.rule import CallRule, Invalid, Valid

UNSEEN = "unseen"  # an estimator whose kind the file does not show


class CustomEstimator(CallRule):
    code = "EA102"
    name = "custom-estimator"
    severity = Severity.ERROR
    fix_safety = FixSafety.UNSAFE
    summary = "A custom Estimator or train_and_evaluate: tf.estimator was removed in TensorFlow 2.16."
    triggers = ("Estimator", "train_and_evaluate")
    valid = (
        Valid(
            """
            class Estimator:
                def __init__(self, model_fn):
                    self.model_fn = model_fn

            def train_and_evaluate(estimator, train_spec, eval_spec):
                return estimator

            train_and_evaluate(Estimator(model_fn=print), None, None)
            """
        ),
        Valid(
            """
            from sklearn.base import BaseEstimator
            from my_project.tpu import TPUEstimator
            model = TPUEstimator(model_fn=model_fn)
            base = BaseEstimator()
            """
        ),
        Valid(
            """
            import tensorflow as tf
            spec = tf.estimator.EstimatorSpec(mode=tf.estimator.ModeKeys.TRAIN, loss=loss)
            train_spec = tf.estimator.TrainSpec(input_fn=train_input_fn, max_steps=100)
            classifier = tf.estimator.DNNClassifier(hidden_units=[10], feature_columns=cols)
            """
        ),
        Valid(
            """
            def run(runner):
                estimator = runner.Estimator(model_fn=model_fn)
                runner.train_and_evaluate(estimator)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import numpy as np
            import tensorflow as tf

            def model_fn(features, labels, mode, params):
                vectors = tf.Variable(np.load(params["embeddings"]), dtype=tf.float32)  # no graph tensor
                x = tf.reduce_mean(tf.nn.embedding_lookup(vectors, features["ids"]), axis=1)
                logits = tf.compat.v1.layers.dense(x, 2)
                loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(
                    loss, global_step=tf.compat.v1.train.get_global_step())
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)

            estimator = tf.estimator.Estimator(model_fn=model_fn, params={"embeddings": "vectors.npy"})
            """,
            at=((13, 13),),
            message="(no automatic rewrite: `tf.Variable` at line 5 makes a variable inside code the Keras model "
                    "runs on every call, which the rewrite does not translate)",
        ),
        Invalid(
            """
            import tensorflow as tf

            def run_fn(spec):  # which estimator the file does not show
                tf.estimator.train_and_evaluate(spec["estimator"], spec["train_spec"], spec["eval_spec"])
            """,
            at=((4, 5),),
            message="port the estimator it trains to Keras: a premade one is EA101's",
        ),
        Invalid(
            """
            import tensorflow as tf
            estimator = tf.estimator.Estimator(model_fn=model_fn, config=config)
            tf.estimator.train_and_evaluate(estimator, train_spec, eval_spec)
            """,
            at=((2, 13), (3, 1)),
            message="Migrate from Estimator to Keras APIs",
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            estimator = tf.estimator.tpu.TPUEstimator(
                model_fn=model_fn,
                config=run_config,
                train_batch_size=32)
            """,
            at=((2, 13),),
            message="tf.compat.v1.estimator.tpu.TPUEstimator",
        ),
        Invalid(
            """
            from tensorflow.compat import v1
            from tensorflow.estimator import Estimator as Custom
            def main():
                from tensorflow_estimator.python.estimator.training import train_and_evaluate
                import tensorflow as tf
                estimator = Custom(model_fn, model_dir="/tmp/model")
                v1.estimator.Estimator(model_fn)
                train_and_evaluate(estimator, train_spec, eval_spec)
                return tf.contrib.tpu.TPUEstimator(model_fn=model_fn, use_tpu=False)
            """,
            at=((6, 17), (7, 5), (8, 5), (9, 12)),
            message="Migrate from Estimator to Keras APIs",
        ),
        Invalid(
            """
            import tensorflow_estimator as tfe
            from tensorflow_estimator.python.estimator.estimator import EstimatorV2
            a = tfe.estimator.Estimator(model_fn)
            b = EstimatorV2(model_fn)
            """,
            at=((3, 5), (4, 5)),
            message="is a custom Estimator",
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.contrib import learn
            classifier = learn.Estimator(model_fn=model_fn, model_dir="/tmp/model")
            regressor = tf.contrib.learn.DNNRegressor(hidden_units=[10], feature_columns=columns)
            """,
            at=((3, 14),),
            message="custom Estimator of tf.contrib.learn",
        ),
        Invalid(
            """
            import tensorflow as tf
            estimator = tf.estimator.DNNRegressor(hidden_units=[8], feature_columns=columns)
            tf.estimator.train_and_evaluate(estimator, train_spec, eval_spec)
            """,
            at=((3, 1),),
            message="the estimator it trains is a premade DNNRegressor (EA101 reports it",
        ),
        Invalid(
            """
            import tensorflow as tf


            def model_fn(features, labels, mode, params):
                logits = tf.layers.dense(features["x"], 3)
                loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
                optimizer = tf.train.AdamOptimizer(params["learning_rate"])
                train_op = optimizer.minimize(loss, global_step=tf.train.get_global_step())
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


            def train_input_fn():
                return tf.data.Dataset.from_tensor_slices(({"x": [[1.0], [2.0]]}, [0, 2])).batch(2)


            estimator = tf.estimator.Estimator(model_fn=model_fn, params={"learning_rate": 0.01})
            estimator.train(input_fn=train_input_fn, steps=100)
            """,
            at=((16, 13),),
            message="its unsafe fix rewrites the model_fn as a Keras model",
            fixed='''
            import tensorflow as tf
            import keras_feature_columns
            tf.keras.utils.set_random_seed(42)


            class Model(keras_feature_columns.EstimatorModel):
                """The model_fn `model_fn` of a custom Estimator, as a Keras model (rewritten by estimator-audit)."""

                def model_fn(self, features, labels, mode, params):
                    logits = self.layer(tf.keras.layers.Dense, 'dense', units=3)(features["x"])
                    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
                    train_op = self.minimize(loss)
                    return keras_feature_columns.EstimatorSpec(mode, loss=loss, train_op=train_op)


            def train_input_fn():
                return tf.data.Dataset.from_tensor_slices(({"x": [[1.0], [2.0]]}, [0, 2])).batch(2)


            def build_estimator(params):
                """The Keras model that replaces tf.estimator.Estimator(model_fn=model_fn): the same
                model_fn run eagerly, trained with the optimizer it built (TF1 defaults written out).
                """
                tf.keras.utils.set_random_seed(42)
                model = Model(params=params)
                model.compile(
                    optimizer=tf.keras.optimizers.Adam(learning_rate=params['learning_rate'], epsilon=1e-08),
                )
                return model


            estimator = build_estimator(params={"learning_rate": 0.01})
            estimator.fit(train_input_fn(), epochs=1, steps_per_epoch=100)
            ''',
        ),
    )

    def matches(self, name: str, node: ast.Call) -> bool:
        entry = custom_estimator_entry(name)
        if entry is None:
            return False
        # TF 1.x's spellings are missing from every TensorFlow 2, 2.15 included.
        if name in TF1_TPU_ESTIMATORS or tf1_only_estimator(entry):
            return self.context.settings.target >= (2, 0)
        return estimator_removed(self.context.settings.target)

    def premade_trained(self, call: ast.Call) -> str | None:
        """The class of the premade estimator train_and_evaluate is given, when the file shows it;
        UNSEEN when it does not show which estimator it is."""
        from estimator_audit.migrate.lookup import definition  # whole-program lookup, for these calls only

        given = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "estimator"), None)
        found = definition(self.context, given) if isinstance(given, (ast.Name, ast.Attribute)) else None
        value, owner = (found.node, found.context) if found is not None else (given, self.context)
        if not isinstance(value, ast.Call):
            return UNSEEN  # `spec["estimator"]`, a parameter: which kind the file does not show
        info = estimator_class(owner.call_name(value))
        if info is None:
            return UNSEEN  # made by a function of the program (`build_estimator(config)`)
        return info.short_name if info.premade else None

    def message(self, name: str, node: ast.Call) -> str:
        entry = custom_estimator_entry(name) or name
        spelling = tf_spelling(entry)
        what = (
            "trains and evaluates an Estimator"
            if name in TRAIN_AND_EVALUATE
            else "is a custom Estimator"
        )
        guide = (
            "port the model_fn to Keras by hand following TensorFlow's guide \"Migrate from "
            f"Estimator to Keras APIs\" ({MIGRATION_GUIDE})"
        )
        premade = self.premade_trained(node) if name in TRAIN_AND_EVALUATE else None
        if premade is not None and premade != UNSEEN:
            guide = (f"the estimator it trains is a premade {premade} (EA101 reports it; its Keras rewrite turns "
                     "this call into fit and evaluate)")
        elif name in TRAIN_AND_EVALUATE and premade == UNSEEN:
            guide = ("port the estimator it trains to Keras: a premade one is EA101's (its Keras rewrite turns this "
                     f"call into fit and evaluate), a model_fn by hand following TensorFlow's guide ({MIGRATION_GUIDE})")
        if tf1_only_estimator(entry):
            return (f"{spelling} {what} of tf.contrib.learn, which TensorFlow 2 does not have (2.0 removed "
                    f"tf.contrib); {guide}")
        if name in TF1_TPU_ESTIMATORS:
            return (
                f"{spelling} {what} spelled as in TF 1.x, which TensorFlow 2 does not have "
                "(2.15 has only tf.compat.v1.estimator.tpu.TPUEstimator, and 2.16 removed "
                f"tf.estimator altogether); {guide}"
            )
        target = version_text(self.context.settings.target)
        if name not in TRAIN_AND_EVALUATE:
            rewrite = self.rewrite(node)
            guide = (f"{guide} (no automatic rewrite: {rewrite})" if isinstance(rewrite, Unsupported) else
                     "its unsafe fix rewrites the model_fn as a Keras model and the estimator's uses as fit, "
                     "evaluate and predict")
        return (
            f"{spelling} {what}: tf.estimator was removed in TensorFlow 2.16, so this cannot run "
            f"on TensorFlow {target} (the name no longer exists); {guide}"
        )

    def rewrite(self, node: ast.Call) -> Fix | Unsupported:
        """The Keras rewrite of a custom Estimator built here, or why there is none."""
        from estimator_audit.migrate.rewrite import custom_rewrite  # only files with an estimator

        memo = self.context.memo.setdefault("custom_rewrites", {})
        if id(node) not in memo:
            try:
                memo[id(node)] = custom_rewrite(self.context, node)
            except Unsupported as reason:
                memo[id(node)] = reason
        found: Fix | Unsupported = memo[id(node)]
        return found

    def fix(self, name: str, node: ast.Call) -> Fix | None:
        if name in TRAIN_AND_EVALUATE or custom_estimator_entry(name) is None or name in TF1_TPU_ESTIMATORS \
                or tf1_only_estimator(custom_estimator_entry(name) or name):
            return None
        found = self.rewrite(node)
        return found if isinstance(found, Fix) else None
