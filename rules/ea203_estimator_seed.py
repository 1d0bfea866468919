"""
## What it does
Flags an Estimator, premade or custom (`tf.estimator.Estimator`, `TPUEstimator`), constructed
without a `RunConfig` whose `tf_random_seed` is set. `tf_random_seed=None` counts as unset;
`RunConfig().replace(tf_random_seed=...)` counts as set. A config the file does not show (a
parameter, `**kwargs`) is given the benefit of the doubt. The message says what varies: a DNN
(or DNN-linear) estimator's initial weights and dropout; a linear estimator starts from zero
weights and boosted trees have no random initial state, so they are flagged only when the
module shuffles a `tf.data` dataset without a seed (its input functions run in the estimator's
graph and take its seed), and the message says the order of the examples is what changes. An
estimator the module only evaluates, asks to predict or exports (an eval or export job, which
restores a trained checkpoint) is not flagged, nor one handed (in a dict, list or lambda) to
another estimator's construction or to a function of the program that builds an Estimator
around it, which calls its `model_fn` in its own graph (adanet's
`AutoEnsembleEstimator(candidate_pool=...)`), nor one whose `model_fn` alone is used (called in
a graph that is not its own). tf.contrib.learn's estimators are judged alike.

## Why is this bad?
An Estimator builds a fresh graph for every `train`, `evaluate` and `predict` call and seeds it
only from `RunConfig.tf_random_seed`. Global seeds set elsewhere (`tf.random.set_seed`,
`np.random.seed`) never reach that graph, so the initial weights, dropout masks and any
in-graph shuffling differ from run to run, even in a program that looks carefully seeded.

## How it was verified
Under TensorFlow 2.15 + tensorflow-estimator 2.15, two runs of a `DNNClassifier` preceded by
`tf.random.set_seed(42)` ended with different weights; with `RunConfig(tf_random_seed=42)` the
two runs were bit-identical (`tests/test_facts.py` repeats this on every CI run). Preceded by
`random.seed(42)` or `keras.utils.set_random_seed(42)`, two runs of the `DNNClassifier` still
differed (kernel sums -1.24 and 0.74), while a custom `model_fn` built with `tf.keras.layers.Dense`
or `tf.compat.v1.layers.dense` repeated its weights: Keras 2 initializers draw their op seeds from
Python's random, which reaches them, and nothing else in the graph.

## Example
```python
import tensorflow as tf

tf.random.set_seed(42)
classifier = tf.estimator.DNNClassifier(hidden_units=[10], feature_columns=columns)
```

## Use instead
```python
import tensorflow as tf

classifier = tf.estimator.DNNClassifier(
    hidden_units=[10],
    feature_columns=columns,
    config=tf.estimator.RunConfig(tf_random_seed=42),
)
```

## Fix safety
Safe: adding the seed only pins randomness that was unpinned. The seed value comes from the
`seed` setting (default 42). The RunConfig is spelled beside the estimator
(`tf.estimator.RunConfig`, `est.RunConfig`) or through the file's TensorFlow alias. The fix is
offered only when the `target` TensorFlow still has tf.estimator (below 2.16): there it makes
the legacy program reproducible. From 2.16 on, a RunConfig would be a name TensorFlow lacks
(a safe fix never adds a finding), and EA101's Keras rewrite seeds the model it builds instead.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.knowledge.calls import UNKNOWN, argument, is_none, own_callee, tf_spelling
from estimator_audit.knowledge.facts import MNIST_SHUFFLE
from estimator_audit.knowledge.seeding import RNG
from estimator_audit.knowledge.tfapi import EstimatorClass, estimator_class, estimator_removed, is_run_config
from estimator_audit.migrate.lookup import called, scopes
from estimator_audit.migrate.scopes import Scopes
from estimator_audit.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext


class EstimatorSeed(Rule):
    code = "EA203"
    name = "estimator-seed"
    severity = Severity.ERROR
    summary = "An Estimator without RunConfig(tf_random_seed=...): global seeds never reach it."
    triggers = ("Classifier", "Regressor", "Estimator", "KMeans")
    fix_safety = FixSafety.SAFE
    valid = (
        Valid(
            """
            import tensorflow as tf

            def with_saved_params(estimator):
                def model_fn(features, labels, mode, config):
                    return estimator.model_fn(features, labels, mode, config)
                return tf.estimator.Estimator(model_fn, config=tf.estimator.RunConfig(tf_random_seed=1))

            wrapped = with_saved_params(tf.estimator.DNNClassifier([10], feature_columns=columns))
            wrapped.train(input_fn, steps=10)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            class ModelTest(tf.test.TestCase):
                def test_logits(self):
                    estimator = tf.estimator.DNNClassifier([10], feature_columns=columns)
                    with self.test_session():
                        spec = estimator.model_fn(features, None, "train", None)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def _make_estimator():  # called only to predict from the trained checkpoint
                return tf.estimator.Estimator(model_fn=model_fn, config=tf.estimator.RunConfig(model_dir="m"))

            def predict(x):
                return next(_make_estimator().predict(input_fn=lambda: x))

            estimator = tf.estimator.Estimator(model_fn=model_fn, model_dir="m")
            estimator._targets_info = None  # an attribute set: nothing trained
            for row in rows:
                prediction = estimator.predict(input_fn=lambda: row)
            """,
            target="2.15",
        ),
        Valid(
            """
            import tensorflow as tf

            class Similarity:  # albert_zh's predictor: the estimator it keeps only predicts
                def __init__(self):
                    self.estimator = None

                def start(self):
                    self.estimator = self.get_estimator()

                def get_estimator(self):
                    return tf.estimator.Estimator(model_fn=model_fn, model_dir="trained")

                def predict(self, input_fn):
                    return list(self.estimator.predict(input_fn=input_fn))
            """,
            target="2.15",
        ),
        Valid(
            """
            import tensorflow as tf

            class FastPredict:  # a wrapper whose only use of the estimator is predict
                def __init__(self, estimator, input_fn):
                    self.estimator = estimator
                    self.input_fn = input_fn

                def __call__(self, features):
                    return next(self.estimator.predict(input_fn=self.input_fn(features)))

            def serve(model_fn):
                estimator = tf.estimator.Estimator(model_fn=model_fn, model_dir="trained")
                return FastPredict(estimator, make_input_fn)
            """,
            target="2.15",
        ),
        Valid(
            """
            import tensorflow as tf
            def export(model_dir, serving_input_fn):
                exporter = tf.estimator.DNNClassifier([10], columns, model_dir=model_dir)
                exporter.export_saved_model("/tmp/export", serving_input_fn)
                metrics = exporter.evaluate(eval_input_fn, steps=10)
                return metrics
            """
        ),
        Valid(
            """
            import tensorflow as tf
            model = tf.estimator.LinearRegressor(feature_columns=cols)  # zero initial weights
            trees = tf.estimator.BoostedTreesRegressor(cols, n_batches_per_layer=1)
            model.train(lambda: tf.data.Dataset.from_tensor_slices((x, y)).batch(8))
            """,
            target="2.15",
        ),
        Valid(
            """
            import tensorflow as tf
            clusters = tf.contrib.learn.KMeansClustering(num_clusters=2)  # random_seed=0: fixed centres
            clusters.fit(input_fn=lambda: (tf.constant(points), None), steps=100)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from tensorflow.examples.tutorials.mnist import input_data
            model = tf.estimator.LinearRegressor(feature_columns=cols)  # zero weights, constant input
            model.train(lambda: (features, labels), steps=100)
            images, _ = input_data.read_data_sets("/tmp/mnist").test.next_batch(20)  # another cell's demo
            """,
            target="2.15",
        ),
        Valid(
            """
            import tensorflow as tf
            est = tf.estimator.DNNClassifier(
                [10], cols, config=tf.estimator.RunConfig(tf_random_seed=42))
            """
        ),
        Valid(
            """
            import tensorflow as tf
            config = tf.estimator.RunConfig(model_dir="/tmp/m")
            config = config.replace(tf_random_seed=7)
            est = tf.estimator.Estimator(model_fn, config=config)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def make(config):
                return tf.estimator.LinearClassifier(cols, config=config)
            def make_all(**kwargs):
                return tf.estimator.LinearRegressor(cols, **kwargs)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            est = tf.estimator.Estimator(model_fn, "/tmp/model", tf.estimator.RunConfig(None, 3))
            """
        ),
        Valid(
            """
            from sklearn.ensemble import RandomForestClassifier
            clf = RandomForestClassifier()
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from adanet.autoensemble import AutoEnsembleEstimator
            candidate_pool = {
                "dnn": tf.estimator.DNNEstimator(head=head, feature_columns=columns, hidden_units=[3]),
            }
            estimator = AutoEnsembleEstimator(
                head=head, candidate_pool=candidate_pool, max_iteration_steps=10,
                config=tf.estimator.RunConfig(tf_random_seed=42))
            other = AutoEnsembleEstimator(
                head=head, candidate_pool=lambda config: [tf.estimator.DNNEstimator(head=head, hidden_units=[3])],
                max_iteration_steps=10, config=tf.estimator.RunConfig(tf_random_seed=42))
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf

            class Trainer:  # the wrapper trains the estimator it is handed
                def __init__(self, estimator):
                    self.estimator = estimator

                def run(self, input_fn):
                    self.estimator.train(input_fn, steps=100)
                    return self.estimator.predict(input_fn)

            trainer = Trainer(tf.estimator.Estimator(model_fn=model_fn))
            estimator = tf.estimator.Estimator(model_fn=model_fn)
            other = Trainer(estimator)
            """,
            at=((11, 19), (12, 13)),
            target="2.15",
        ),
        Invalid(
            """
            import tensorflow as tf
            clusters = tf.contrib.learn.KMeansClustering(num_clusters=2, random_seed=None)
            """,
            at=((2, 12),),
            message="every run picks different initial cluster centres",
        ),
        Invalid(
            """
            import tensorflow as tf
            seeded = tf.contrib.learn.DNNRegressor(
                hidden_units=[10], feature_columns=columns, config=tf.contrib.learn.RunConfig(tf_random_seed=1))
            unseeded = tf.contrib.learn.DNNRegressor(hidden_units=[10], feature_columns=columns)
            custom = tf.contrib.learn.Estimator(model_fn=model_fn, config=tf.contrib.learn.RunConfig())
            """,
            at=((4, 12), (5, 10)),
            message="is constructed without a RunConfig that sets tf_random_seed",
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.contrib.tpu.python.tpu import tpu_config
            config = tpu_config.RunConfig(model_dir="/tmp/model")
            estimator = tf.contrib.tpu.TPUEstimator(model_fn=model_fn, config=config, use_tpu=False)
            """,
            at=((4, 13),),
            target="2.15",
            fixed="""
            import tensorflow as tf
            from tensorflow.contrib.tpu.python.tpu import tpu_config
            config = tpu_config.RunConfig(model_dir="/tmp/model", tf_random_seed=42)
            estimator = tf.contrib.tpu.TPUEstimator(model_fn=model_fn, config=config, use_tpu=False)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            classifier = tf.estimator.DNNClassifier(hidden_units=[10], feature_columns=cols)
            """,
            at=((2, 14),),
            message="without a RunConfig",
        ),
        Invalid(
            """
            import tensorflow as tf
            tf.random.set_seed(42)
            est = tf.estimator.DNNClassifier(hidden_units=[10], feature_columns=cols)
            """,
            at=((3, 7),),
            message="without a RunConfig",
            target="2.15",
            fixed="""
            import tensorflow as tf
            tf.random.set_seed(42)
            est = tf.estimator.DNNClassifier(hidden_units=[10], feature_columns=cols, config=tf.estimator.RunConfig(tf_random_seed=42))
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            config = tf.estimator.RunConfig(model_dir="/tmp/m", tf_random_seed=None)
            est = tf.estimator.Estimator(model_fn=model_fn, config=config)
            """,
            at=((3, 7),),
            message="tf_random_seed",
            target="2.15",
            fixed="""
            import tensorflow as tf
            config = tf.estimator.RunConfig(model_dir="/tmp/m", tf_random_seed=42)
            est = tf.estimator.Estimator(model_fn=model_fn, config=config)
            """,
        ),
        Invalid(
            """
            from tensorflow.compat.v1.estimator.tpu import TPUEstimator, RunConfig
            run_config = RunConfig(model_dir="gs://bucket/model").replace(save_summary_steps=10)
            estimator = TPUEstimator(
                model_fn=model_fn,
                config=run_config,
                train_batch_size=8)
            """,
            at=((3, 13),),
            target="2.15",
            fixed="""
            from tensorflow.compat.v1.estimator.tpu import TPUEstimator, RunConfig
            run_config = RunConfig(model_dir="gs://bucket/model", tf_random_seed=42).replace(save_summary_steps=10)
            estimator = TPUEstimator(
                model_fn=model_fn,
                config=run_config,
                train_batch_size=8)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            import tensorflow_estimator as tfe
            classifier = tfe.estimator.LinearClassifier(cols, "/tmp/model", 2, None, None, None, None, None)
            train_input = lambda: tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(8)
            """,
            at=((3, 14),),
            target="2.15",
            message="the examples come in a different order on every run",
            fixed="""
            import tensorflow as tf
            import tensorflow_estimator as tfe
            classifier = tfe.estimator.LinearClassifier(cols, "/tmp/model", 2, None, None, None, tfe.estimator.RunConfig(tf_random_seed=42), None)
            train_input = lambda: tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(8)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            classifier = tf.estimator.DNNClassifier(
                hidden_units=[64, 32],  # two layers
                feature_columns=columns,
            )
            """,
            at=((2, 14),),
            target="2.15",
            fixed="""
            import tensorflow as tf
            classifier = tf.estimator.DNNClassifier(
                hidden_units=[64, 32],  # two layers
                feature_columns=columns,
                config=tf.estimator.RunConfig(tf_random_seed=42),
            )
            """,
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        # (constructor, estimator, fix, dropout, seeds itself), reported once the file is read
        self.pending: list[tuple[ast.Call, str, Fix | None, Dropout, bool]] = []

    def visit_Call(self, node: ast.Call) -> None:
        estimator = estimator_class(self.context.call_name(node))
        if estimator is None:
            return
        seeded, where = self.context.facts.estimator_config(node)
        parent = self.context.ancestors[-1] if self.context.ancestors else None
        restoring = (isinstance(parent, ast.Assign) and restores_only(self.context, parent)) or (
            isinstance(parent, ast.Return) and self.returned_to_restore())
        if seeded is False and not restoring and not self.fed_to_estimator():
            own_seed = not any(k.arg == "random_seed" and is_none(k.value) for k in node.keywords)
            self.pending.append((node, estimator.public_name, self.fix(node, where),
                                 dropout_of(node, estimator), own_seed))

    def finish(self) -> None:
        # (the shuffles of the graph: not the MNIST reader's next_batch, which runs outside every
        # graph on a NumPy generator the estimator's seed never reaches)
        shuffles = any(use.rng is RNG.TENSORFLOW and "shuffle" in use.what and use.what != MNIST_SHUFFLE
                       for use in self.context.facts.random_uses)
        for node, name, fix, dropout, own_seed in self.pending:
            varies = what_varies(name, shuffles, dropout, own_seed)
            if varies is None:
                continue  # zero or no random initial state, and nothing shuffled in its graph here
            reach = ("so global seeds do not reach it" if dropout is not None else
                     "so tf.random.set_seed does not reach it (Python's random, which keras.utils.set_random_seed "
                     "seeds, reaches only the initializers of Keras and tf.layers layers in its model_fn, not "
                     "its other random ops)")
            written = self.context.source.segment(self.context.span(node.func))  # (`tf.contrib.tpu.TPUEstimator`)
            shown = written if "\n" not in written and "(" not in written else tf_spelling(name)
            self.report(node, f"{shown} is constructed without a RunConfig that sets tf_random_seed: "
                        "the estimator builds its own graph and seeds it only from RunConfig.tf_random_seed, "
                        f"{reach}, and {varies}", fix)

    def returned_to_restore(self) -> bool:
        """Whether the function returning the estimator (`def _make_estimator(): return
        Estimator(...)`) is called in this module only to predict, evaluate or export: directly
        (`_make_estimator().predict(...)`) or through the name its result is assigned to."""
        function = next((a for a in reversed(self.context.ancestors)
                         if isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef)), None)
        if function is None:
            return False
        table = scopes(self.context)
        calls = [node for node in ast.walk(self.context.tree)
                 if isinstance(node, ast.Call) and own_callee(node) == function.name]
        for call in calls:
            parent = table.parent(call)
            if isinstance(parent, ast.Attribute) and parent.attr in FROM_CHECKPOINT:
                continue
            if not (isinstance(parent, ast.Assign) and restores_only(self.context, parent)):
                return False
        return bool(calls)

    def fed_to_estimator(self) -> bool:
        """Whether the estimator being constructed is handed, directly or in a dict, list or
        lambda, to another estimator's construction (adanet's `AutoEnsembleEstimator(
        candidate_pool={"dnn": DNNEstimator(...)})`) or to a program function that builds one
        around it (moonlight's `estimator_with_saved_params(DNNClassifier(...))`, whose
        model_fn calls the given one's), which calls its model_fn in its own graph, seeded by its
        own RunConfig: this one never builds a graph."""
        table = scopes(self.context)
        for ancestor in reversed(self.context.ancestors):
            if isinstance(ancestor, CONTAINERS):
                continue
            if isinstance(ancestor, ast.Call):
                return consumes_estimators(self.context, ancestor)
            if isinstance(ancestor, ast.Assign) and len(ancestor.targets) == 1 and isinstance(
                    ancestor.targets[0], ast.Name):
                binding = table.binding_of(ancestor, ancestor.targets[0].id)
                uses = table.uses_of(binding) if binding is not None else None
                return uses is not None and bool(uses) and all(
                    consumed_by_estimator(self.context, table, use) for use in uses)
            return False
        return False

    def fix(self, constructor: ast.Call, where: ast.expr | None) -> Fix | None:
        """Seed the RunConfig the estimator gets, or give it one (where tf.estimator exists)."""
        if estimator_removed(self.context.settings.target):
            return None
        seed = str(self.context.settings.seed)
        if isinstance(where, ast.Call):
            edit = Edit(EditAction.SET_KEYWORD, self.context.span(where), "tf_random_seed", seed)
            return Fix(FixSafety.SAFE, f"set tf_random_seed={seed} in the RunConfig", (edit,))
        run_config = self.run_config_spelling(constructor)
        if run_config is None:
            return None
        text = f"{run_config}(tf_random_seed={seed})"
        if where is not None:  # config=None, by keyword or by position
            edit = Edit(EditAction.REPLACE, self.context.span(where), text=text)
        else:
            edit = Edit(EditAction.SET_KEYWORD, self.context.span(constructor), "config", text)
        return Fix(FixSafety.SAFE, f"pass config={text}", (edit,))

    def run_config_spelling(self, constructor: ast.Call) -> str | None:
        """RunConfig as this file reaches it: beside the estimator (`tf.estimator.RunConfig`,
        `tpu.RunConfig` for TPUEstimator), or through the file's tensorflow alias."""
        func = constructor.func
        if isinstance(func, ast.Attribute):
            namespace = func.value
            if is_run_config(f"{self.context.qualified_name(namespace)}.RunConfig"):
                return f"{ast.unparse(namespace)}.RunConfig"
        estimator = estimator_class(self.context.call_name(constructor))
        if estimator is not None and "tpu" in estimator.public_name:
            return None  # TPUEstimator needs the TPU RunConfig: not guessed
        for package, path in (("tensorflow", "estimator"), ("tensorflow.compat.v1", "estimator")):
            alias = self.context.alias_for(package)
            if alias is not None:
                return f"{alias}.{path}.RunConfig"
        return None


# What an estimator can be handed in on its way to another estimator's construction.
CONTAINERS = (ast.Dict, ast.List, ast.Tuple, ast.keyword, ast.Starred, ast.Lambda)
# Constructions that take estimators and call their model_fn in a graph of their own.
ESTIMATOR_CONSUMER = re.compile(r"(?:Estimator|Ensemble\w*)$")


def callee_text(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def consumed_by_estimator(context: ModuleContext, table: Scopes, use: ast.AST) -> bool:
    """Whether a use of a name holding estimators is an argument (or inside one) of an
    estimator's construction, or its model_fn is taken to build in another graph
    (`estimator.model_fn(features, labels, mode, config)`)."""
    node = table.parent(use)
    if isinstance(node, ast.Attribute) and node.attr == "model_fn":
        return True
    while isinstance(node, CONTAINERS):
        node = table.parent(node)
    return isinstance(node, ast.Call) and consumes_estimators(context, node)


def consumes_estimators(context: ModuleContext, call: ast.Call) -> bool:
    """An estimator's construction, or a call of a program function that constructs one and
    reads a `model_fn` (a wrapper building a new Estimator around the one it is given)."""
    if ESTIMATOR_CONSUMER.search(callee_text(call)) is not None:
        return True
    found = called(context, call)
    if found is None or not isinstance(found.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    inner = list(ast.walk(found.node))
    return any(isinstance(node, ast.Attribute) and node.attr == "model_fn" for node in inner) and any(
        isinstance(node, ast.Call) and estimator_class(found.context.call_name(node)) is not None for node in inner)


# Estimator methods that read the weights of the latest checkpoint rather than initialise them.
FROM_CHECKPOINT = frozenset({"evaluate", "predict", "export_saved_model", "export_savedmodel",
                             "experimental_export_all_saved_models", "latest_checkpoint",
                             "get_variable_value", "get_variable_names"})


def restores_only(context: ModuleContext, assign: ast.Assign) -> bool:
    """Whether the estimator `name = Estimator(...)` holds is only evaluated, asked to predict or
    exported (an eval or export job restoring a trained model's checkpoint): nothing of it is
    drawn at random."""
    if len(assign.targets) == 1 and isinstance(assign.targets[0], ast.Attribute) and is_self_attribute(
            assign.targets[0]):  # `self.estimator = self.get_estimator()`, used as `self.estimator.predict(...)`
        attribute = assign.targets[0].attr
        kept = [node for node in ast.walk(context.tree) if isinstance(node, ast.Attribute)
                and is_self_attribute(node) and node.attr == attribute and isinstance(node.ctx, ast.Load)]
        return bool(kept) and all(restores(scopes(context).parent(node)) for node in kept)
    if len(assign.targets) != 1 or not isinstance(assign.targets[0], ast.Name):
        return False
    table = scopes(context)
    binding = table.binding_of(assign, assign.targets[0].id)
    uses = table.uses_of(binding) if binding is not None else None
    if not uses:
        return False
    for use in uses:
        method = table.parent(use)
        if isinstance(method, ast.Attribute) and method.value is use and isinstance(method.ctx, ast.Store):
            continue  # `estimator._targets_info = ...`: setting an attribute trains nothing
        if isinstance(method, ast.Call) and handed_to_restorer(context, method, use):
            continue  # `FastPredict(estimator, input_fn)`, whose only call is its predict
        if not (isinstance(method, ast.Attribute) and method.value is use and method.attr in FROM_CHECKPOINT):
            return False
    return True


def handed_to_restorer(context: ModuleContext, call: ast.Call, given: ast.expr) -> bool:
    """Whether the program function or class the estimator is handed to only predicts with it,
    evaluates or exports it, itself or through the attribute it keeps it in
    (google-research/language's `FastPredict(estimator, input_fn)` wrapper)."""
    found = called(context, call)
    function = found.node if found is not None else None
    cls: ast.ClassDef | None = None
    if isinstance(function, ast.ClassDef):
        cls, function = function, next((node for node in function.body if isinstance(node, ast.FunctionDef)
                                         and node.name == "__init__"), None)
    if found is None or not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    positional = [argument.arg for argument in (*function.args.posonlyargs, *function.args.args)]
    positional = positional[1:] if cls is not None else positional
    index = next((index for index, value in enumerate(call.args) if value is given), None)
    keyword = next((keyword.arg for keyword in call.keywords if keyword.value is given), None)
    name = positional[index] if index is not None and index < len(positional) else keyword
    if name is None or any(isinstance(value, ast.Starred) for value in call.args):
        return False
    table = scopes(found.context)
    kept: set[str] = set()
    used = [node for node in ast.walk(function)
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)]
    for node in used:
        parent = table.parent(node)
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and is_self_attribute(parent.targets[0]):
            kept.add(parent.targets[0].attr)  # type: ignore[attr-defined]
        elif not restores(parent):
            return False
    if not kept:
        return bool(used)
    if cls is None:
        return False
    uses = [node for node in ast.walk(cls) if isinstance(node, ast.Attribute) and is_self_attribute(node)
            and node.attr in kept and isinstance(node.ctx, ast.Load)]
    return all(restores(table.parent(node)) for node in uses)


def restores(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Attribute) and node.attr in FROM_CHECKPOINT


def is_self_attribute(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


Dropout = bool | None  # passed, not passed, or not known (a custom model_fn)


def dropout_of(constructor: ast.Call, estimator: EstimatorClass) -> Dropout:
    """Whether a premade estimator drops units (a `dropout` other than None or 0); None for
    an estimator whose model_fn the constructor does not show."""
    if not estimator.premade:
        return None
    rate = argument(constructor, "dropout", estimator.parameters)
    if rate is UNKNOWN:
        return None  # **kwargs may carry it
    return not (rate is None or is_none(rate) or (isinstance(rate, ast.Constant) and rate.value == 0))


def what_varies(estimator: str, shuffles: bool, dropout: Dropout, own_seed: bool) -> str | None:
    """What differs between runs of an unseeded estimator: a DNN's initial weights (and its
    dropout masks, when it has dropout); a linear model starts from zeros, boosted trees have
    no random initial state and K-means seeds its initial centres itself (`own_seed`: its
    random_seed, 0 unless given), so for them only the shuffles the module's input functions make
    in the estimator's graph vary, and nothing when there are none."""
    name = estimator.rsplit(".", 1)[-1]
    if "KMeans" in name and not own_seed:
        return "every run picks different initial cluster centres"
    if "BoostedTrees" in name or ("Linear" in name and "DNN" not in name) or "KMeans" in name:
        start = ("starts from zero weights" if "Linear" in name else
                 "picks its initial cluster centres with a seed of its own (random_seed)" if "KMeans" in name
                 else "has no random initial state")
        return (f"although it {start}, the shuffles of its input functions take their seed from its graph: "
                "the examples come in a different order on every run") if shuffles else None
    masks = {True: " (and drops out different units)", False: "",
             None: " (and, if its model_fn uses dropout, drops out different units)"}[dropout]
    if dropout is None:  # a custom model_fn
        return ("unless the program seeds Python's random, every run starts from different weights"
                f"{masks}")
    return f"every run starts from different weights{masks}"
