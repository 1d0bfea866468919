"""
## What it does
Flags a module that trains (calls `fit`, `fit_generator` or `train_on_batch` on a Keras model,
`train` on an estimator, `train_and_evaluate`, `run` on a Session or MonitoredSession, or
`apply_gradients` with a `GradientTape`) and contains no global seeding call at all:
`tf.random.set_seed`, `keras.utils.set_random_seed`, `tf.keras.utils.set_random_seed` or
`tf.compat.v1.set_random_seed`, resolved through imports. The TF 1.x spelling
`tf.set_random_seed` counts too: it raises AttributeError on TensorFlow 2, which is EA106's
finding, and EA106's fix respells it `tf.compat.v1.set_random_seed`, the same function, so a
second seed call here would only repeat it. One finding per module, at its first training call.

Not flagged: a module whose only training is Estimators (a global seed never reaches an
Estimator's graph: EA203 says what does, `RunConfig(tf_random_seed=...)`); a module whose
session runs only fetch what has no randomness (`sess.run(hello)` on a constant, in a module
that makes no random op or random initializer, layer, dropout, shuffle or optimizer and
fetches nothing named like a training step or an initializer); `session.run(...)` in a file
that imports neither TensorFlow nor Keras (nox); scikit-learn's `fit`; code in a class derived
from `tf.test.TestCase`, whose `setUp` seeds Python's `random`, NumPy and the graph before every
test (read from TensorFlow 2.21's `TensorFlowTestCase.setUp`). In a library module (other
modules of the program import it, or it belongs to a package; it has no `__main__` block and
trains only inside functions and classes) the finding says to seed where the program starts and
offers no fix: a seed set at import time would reseed every program that imports it; a library
that only runs inference in a session it is handed (a policy's `step()` in its model's graph),
training nothing and making no session, is left to the module that makes the session. In a
Horovod or SageMaker data-parallel (`smdistributed`) program no fix is offered (one seed for every worker would give them the same draws;
the message says to seed by rank), nor where the module hands its training function to another
process or executor (`TFCluster.run(sc, main_fun, ...)`, `Process(target=train)`, a Kubeflow
Pipelines component made by `create_component_from_func(train)`, Spark's
`MirroredStrategyRunner(...).run(train)`) instead of
calling it, or a module importing it hands it so (`rdd.mapPartitions(worker.train)`): the message
says to seed inside that function.

## Why is this bad?
Without a global seed, every weight initialisation, dropout mask and shuffle draws fresh
entropy: two runs of the same program train different models, and a result cannot be
reproduced or bisected.

## How it was verified
On TensorFlow 2.21 / Keras 3.15, two runs of `keras.Sequential([keras.Input((4,)),
keras.layers.Dense(3)])` with no seeding gave different kernels (sums -1.42 and 1.49 in
`/tmp/k3seed.py`-style runs); after `keras.utils.set_random_seed(42)` both runs gave 0.7141.

## Example
```python
import keras

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, epochs=3)
```

## Use instead
```python
import keras

keras.utils.set_random_seed(42)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, epochs=3)
```

## Fix safety
Safe: inserting a seed call after the imports only pins randomness that was unpinned. The seed
value comes from the `seed` setting (default 42). In a module that runs a TF1 graph the call is
`tf.compat.v1.set_random_seed`, placed in the graph that runs: after each
`reset_default_graph()` statement and first in each `with tf.Graph().as_default():` block,
where the module has them (a graph seed set before a reset, or on the default graph while the
ops go to another, is thrown away: EA404), and after the imports where the module has no such
statement or builds random graph nodes before its first reset.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import os
import re
import sys
from typing import TYPE_CHECKING

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.fixes import insert_where_it_runs, seed_everything, seed_generator, seed_graph
from estimator_audit.knowledge.calls import (
    FUNCTION_DEFS,
    argument,
    call_text,
    is_none,
    own_callee,
    statements_before,
)
from estimator_audit.knowledge.determinism import RETIRED_BACKENDS, keras_backend
from estimator_audit.knowledge.facts import MNIST_SHUFFLE, TF1_TRAINING_LOOPS, TRAINING_FETCH, RandomUse
from estimator_audit.knowledge.graph_mode import (
    builds_ops,
    built_before,
    enters_new_graph,
    imported_private_graph,
)
from estimator_audit.knowledge.program import (
    HANDOFFS,
    IMPORTER_DEPTH,
    KNOWN_LIBRARY_ROOTS,
    NON_TF_LIBRARIES,
    data_parallel,
    handed_on_by_importer,
    imported_library,
    importers_through,
    top_level_reach,
)
from estimator_audit.knowledge.seeding import (
    RNG,
    SEEDING_CALLS,
    importer_seeds,
    importers_seed,
    imports_seeding_module,
)
from estimator_audit.knowledge.tfapi import GRAPH_LOADS, SESSIONS, spells_eager_switch
from estimator_audit.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

# What a session run fetches when it trains (facts.TRAINING_FETCH) or initialises variables (not a
# global step: reading a counter draws nothing).
DRAWING_FETCH = re.compile(TRAINING_FETCH.pattern + r"|init", re.IGNORECASE)
# TensorFlow calls that put randomness into a TF1 graph: random ops and random initializers
# (get_variable's default is Glorot), layers, dropout, shuffles. A `tf.Variable` of constants, an
# op given its own seed (`seed=SEED`) and an optimizer draw nothing.
# (`conv2d` and `dense` layers, not `convert_to_tensor` or `sparse.to_dense`)
RANDOM_GRAPH = re.compile(r"random|dropout|shuffle|(?<!to_)dense|conv\d|convolution|embedding|"
                          r"truncated_normal|glorot|xavier|he_normal|he_uniform|lecun|orthogonal|variance_scaling|"
                          r"get_variable|layers?$|Cell$")
# TensorFlow modules whose calls write files or protos for TensorBoard, never graph randomness.
NOT_GRAPH = re.compile(r"\.(?:tensorboard|summary|projector)\.")
# tf.nn's ops are computations (conv2d, embedding_lookup), except these, which sample.
NN_DRAWS = re.compile(r"dropout|sampl|nce_loss|fractional|random")
# Those that draw while the graph runs, not once as a variable's initial value (which a restore
# from a checkpoint overwrites).
RUN_DRAWS = re.compile(r"random|dropout|shuffle|multinomial|categorical|sampl|nce_loss|fractional")
VARIABLE_MAKERS = frozenset({"Variable", "get_variable"})
BUILTIN_NAMES = frozenset(dir(builtins))
# Libraries whose graph objects load published weights (TF Hub's Module, KerasLayer, load).
WEIGHT_LOADERS = ("tensorflow_hub.",)
GRAPH_MAKERS = VARIABLE_MAKERS | {"placeholder", "dense", "conv2d"}  # what makes the graph a session runs
# Calls that run a function they are handed in other processes (not `tf.app.run(main)`).
# (and Kubeflow Pipelines' components, which run the function in a container of their own)
OTHER_PROCESS = re.compile(HANDOFFS + "$")
# What makes a module one worker process of a TF1 between-graph cluster (each worker builds its
# own graph), given its task index: TF1's `tf.train.Server`, or TF2's name for it, which EA106's
# fix writes, in a module that runs sessions (not the in-process servers of a TF2 notebook).
CLUSTER_WORKERS = ("train.Server", "distribute.Server")
# A test on a training flag or mode (`is_training`, `training`, `ModeKeys.TRAIN`).
TRAINING_TEST = re.compile(r"train", re.IGNORECASE)
# A graph reset in an indented block (a function's), not at a module's top level.
RESET_IN_FUNCTION = re.compile(r"^[ \t]+[\w.]*reset_default_graph\(\)", re.MULTILINE)
# A `with tf.Session(...) as sess:` block (graph mode inside it, with eager execution on).
SESSION_BLOCK = re.compile(r"^\s*with\s+[\w.]*Session\(", re.MULTILINE)
# A module that times what it runs (a benchmark).
TIMING = re.compile(r"\btime\.(?:time|perf_counter|monotonic|process_time)\(|\btimeit\b")
TRAINING_FLAGS = frozenset({"is_training", "training", "is_train", "train"})
# Dropout layers that draw only when a training flag is on (slim's and tf.layers' take one).
SWITCHED_DROPOUT = re.compile(r"(?:slim|contrib\.layers|\.layers)\.dropout$")
# The text of a module that builds a model: variables, layers, cells (what an initializer fetched
# in another module may initialize).
MODEL_TEXT = re.compile(r"Variable\(|get_variable\(|layers\.|\b(?:dense|conv\d?d?|Dense|Conv\w*|Embedding|LSTM\w*|"
                        r"GRU\w*)\(|Cell\(|keras|slim\.")
# TensorFlow and NumPy calls that make random initial values.
RANDOM_INITIAL = re.compile(r"random|normal|uniform|glorot|xavier|he_|lecun|orthogonal|variance_scaling|shuffle",
                            re.IGNORECASE)
# Initial values that draw nothing (`tf.constant(0.0)`, `tf.zeros_initializer()`).
CONSTANT_VALUES = re.compile(r"^(?:constant|zeros|ones|fill|eye)(?:_initializer|_like)?$")
# Calls that load trained weights into the graph (by last name).
RESTORES = frozenset({"restore", "init_from_checkpoint", "load_weights", "assign_from_checkpoint_fn"})
GRAPH_NODES = frozenset({"Variable", "get_variable", "get_local_variable", "placeholder", "placeholder_with_default",
                         "constant"})


def tensorflow_import(statement: ast.stmt) -> bool:
    """`import tensorflow as tf`, `from tensorflow.keras import layers`; not its bundled examples."""
    if isinstance(statement, ast.Import):
        modules = [alias.name for alias in statement.names]
    elif isinstance(statement, ast.ImportFrom):
        modules = [statement.module or ""]
    else:
        return False
    return any(module.split(".")[0] == "tensorflow" and not module.startswith("tensorflow.examples")
               for module in modules)


def leaves_unless_training(statement: ast.stmt) -> bool:
    """`if not is_training: return inputs`: what follows runs only when training."""
    return (isinstance(statement, ast.If) and isinstance(statement.test, ast.UnaryOp)
            and isinstance(statement.test.op, ast.Not)
            and TRAINING_TEST.search(ast.unparse(statement.test.operand)) is not None
            and bool(statement.body) and isinstance(statement.body[-1], (ast.Return, ast.Raise)))


class NoGlobalSeed(Rule):
    code = "EA201"
    name = "no-global-seed"
    severity = Severity.ERROR
    summary = "A module that trains but never sets a global seed."
    # Every training call spells one of these (fit, train_on_batch, train, run, apply_gradients).
    triggers = ("fit", "train", "run", "apply_gradients")
    fix_safety = FixSafety.SAFE
    valid = (
        Valid(
            """
            import lightgbm as lgb
            import tensorflow as tf

            def run_trial(hypermodel, hp, X, y, validation_data):
                model = hypermodel.build(hp)  # a LightGBM regressor: fit's keywords are not Keras's
                model.fit(X, y, eval_set=[validation_data], early_stopping_rounds=5)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            a = tf.Variable(initial_value=0.0)  # a linear fit from zeros on constant data: nothing is drawn
            b = tf.Variable(initial_value=0.0)
            dense = tf.keras.layers.Dense(1, kernel_initializer=tf.zeros_initializer())
            optimizer = tf.keras.optimizers.SGD(learning_rate=5e-4)
            for step in range(100):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(tf.square(a * X + b - y)) + tf.reduce_sum(dense(features))
                grads = tape.gradient(loss, [a, b])
                optimizer.apply_gradients(zip(grads, [a, b]))
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def dense(x, units):  # the layers the programs importing this module build
                w = tf.compat.v1.get_variable("w", [x.shape[-1], units], initializer=tf.truncated_normal_initializer())
                return tf.matmul(x, w)

            def to_gray(x):
                return tf.reduce_mean(x, axis=-1)

            if __name__ == "__main__":  # a self-test of a deterministic op: its graph draws nothing
                a = tf.compat.v1.placeholder(tf.float32, [2, 3])
                with tf.compat.v1.Session() as sess:
                    print(sess.run(to_gray(a), feed_dict={a: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}))
            """
        ),
        Valid(
            """
            import time
            import tensorflow as tf

            x = tf.random.uniform([512, 512])  # a timing benchmark: the data's values never show
            s, u, v = tf.linalg.svd(x)
            sess = tf.compat.v1.Session()
            for step in range(10):
                start = time.time()
                sess.run(s.op)
                print("svd took", time.time() - start)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            class Net:
                def __init__(self, inputs):
                    self.predictions = tf.compat.v1.layers.dense(tf.compat.v1.layers.flatten(inputs), 10)

            if __name__ == "__main__":  # a smoke test: random input, only the output's shape looked at
                net = Net(tf.random.normal([4, 28, 28, 1]))
                with tf.compat.v1.Session() as sess:
                    sess.run(tf.compat.v1.global_variables_initializer())
                    pred = sess.run(net.predictions)
                    print(pred.shape)
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf
            params = [np.load("model/%d.npy" % i) for i in range(2)]

            def load_params(shape, dtype, *args, **kwargs):  # the trained weights, in order
                return params.pop(0)

            x = tf.compat.v1.placeholder(tf.float32, [None, 4])
            w = tf.compat.v1.get_variable("w", [4, 2], initializer=load_params)
            b = tf.compat.v1.get_variable("b", [2], initializer=lambda shape, dtype, **kw: params.pop(0))
            sess = tf.compat.v1.Session()
            sess.run(tf.compat.v1.global_variables_initializer())
            print(sess.run(tf.matmul(x, w) + b, {x: np.ones((1, 4))}))
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def predictor(features, best_checkpoint):
                predictions = tf.compat.v1.layers.dense(features, 2)  # overwritten by the checkpoint
                creator = tf.compat.v1.train.ChiefSessionCreator(checkpoint_filename_with_path=best_checkpoint)
                session = tf.compat.v1.train.MonitoredSession(session_creator=creator)
                return session.run(predictions)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def write_array_to_checkpoint(name, array, path):  # REALM's: values the program supplies
                with tf.Graph().as_default():
                    init_value = tf.compat.v1.py_func(lambda: array, [], tf.float32)
                    variable = tf.compat.v1.get_variable(name, initializer=init_value)
                    saver = tf.compat.v1.train.Saver([variable])
                    with tf.compat.v1.Session() as session:
                        session.run(tf.compat.v1.global_variables_initializer())
                        saver.save(session, path)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from tensor2tensor.utils import trainer_lib

            def score(features, flags):
                trainer_lib.set_random_seed(flags.random_seed)  # a library's helper: seeds all three
                logits = tf.compat.v1.layers.dense(features, 2)
                with tf.compat.v1.Session() as sess:
                    sess.run(tf.compat.v1.global_variables_initializer())
                    return sess.run(logits)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def classify(features, is_training):
                hidden = features
                if is_training:
                    hidden = tf.nn.dropout(hidden, rate=0.1)  # only where the graph trains
                return tf.reduce_sum(hidden, axis=1)

            def evaluate(features, checkpoint, assignment_map):
                scores = classify(features, is_training=False)
                tf.compat.v1.train.init_from_checkpoint(checkpoint, assignment_map)
                with tf.compat.v1.Session() as sess:
                    sess.run(tf.compat.v1.global_variables_initializer())
                    return sess.run(scores)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from concurrent.futures import ThreadPoolExecutor

            def encode(lines):
                return [len(line) for line in lines]

            lines = tf.compat.v1.data.TextLineDataset(["corpus.txt"]).batch(4)
            batch = tf.compat.v1.data.make_one_shot_iterator(lines.map(
                lambda x: tf.compat.v1.py_func(encode, [x], tf.int64))).get_next()
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())  # there are no variables
                print(sess.run(batch))
            """
        ),
        Valid(
            """
            import sklearn.svm
            import tensorflow as tf

            def separability(x, y):
                try:
                    svm = sklearn.svm.LinearSVC()  # bound inside a try: still scikit-learn's
                    svm.fit(x, y)
                except ValueError:
                    return None
                return svm.score(x, y)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from keras.preprocessing.image import ImageDataGenerator
            from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

            for knn in [KNeighborsClassifier(n_neighbors=k) for k in (1, 5)]:  # scikit-learn's, in a loop
                knn.fit(features, labels)
            neighbours = {}
            neighbours["logits"] = NearestNeighbors(n_neighbors=5)  # in a dict
            neighbours["logits"].fit(features)

            def show(datagen):
                datagen.fit(images)  # the statistics of the augmentation, every caller's generator
                return next(datagen.flow(images, labels))

            show(ImageDataGenerator(rotation_range=45))
            """
        ),
        Valid(
            """
            import keras

            def build_model(seed):
                keras.utils.set_random_seed(seed)  # every generator seeded before the layers are made
                return keras.Sequential([keras.layers.Dense(1)])

            def main(x, y):
                model = build_model(19)
                model.compile("sgd", "mse")
                model.fit(x, y)
            """
        ),
        Valid(
            """
            import keras
            from sklearn.base import BaseEstimator, TransformerMixin

            class IndexTransformer(BaseEstimator, TransformerMixin):
                def fit(self, X, y):
                    self.vocab = sorted(set(X))
                    return self

                def fit_transform(self, X, y=None):
                    return self.fit(X, y).transform(X, y)  # scikit-learn's fit: builds a vocabulary
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf
            from tensorflow.contrib.tensorboard.plugins import projector

            embedding_var = tf.Variable(np.load("word_vector.npy"), name="embedding")  # loaded values
            with tf.compat.v1.Session() as sess:
                sess.run(embedding_var.initializer)
                writer = tf.compat.v1.summary.FileWriter("logs")
                projector.visualize_embeddings(writer, projector.ProjectorConfig())
                tf.compat.v1.train.Saver([embedding_var]).save(sess, "logs/embedding.ckpt")
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def average(names, values, path):  # every initial value overwritten before the save
                tf_vars = [tf.compat.v1.get_variable(n, shape=values[n].shape) for n in names]
                placeholders = [tf.compat.v1.placeholder(v.dtype, shape=v.shape) for v in tf_vars]
                assign_ops = [tf.compat.v1.assign(v, p) for v, p in zip(tf_vars, placeholders)]
                saver = tf.compat.v1.train.Saver()
                with tf.compat.v1.Session() as sess:
                    sess.run(tf.compat.v1.global_variables_initializer())
                    for p, assign_op, name in zip(placeholders, assign_ops, names):
                        sess.run(assign_op, {p: values[name]})
                    saver.save(sess, path)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def train_old(batch):  # a leftover: nothing in the program calls it
                x = tf.compat.v1.placeholder(tf.float32, [None, 3])
                w = tf.Variable(tf.random.normal([3, 1]))
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(tf.reduce_sum(tf.matmul(x, w)))
                with tf.compat.v1.Session() as sess:
                    sess.run(tf.compat.v1.global_variables_initializer())
                    sess.run(train_op, {x: batch})

            if __name__ == "__main__":
                print("nothing trains")
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from model import create_model

            def transcribe(dataset, checkpoint):
                iterator = tf.compat.v1.data.Iterator.from_structure(tf.compat.v1.data.get_output_types(dataset))
                init_op = iterator.make_initializer(dataset)  # starts reading: no draw, no training
                logits = create_model(iterator.get_next(), dropout=[None] * 6)
                with tf.compat.v1.Session() as session:
                    tf.compat.v1.train.Saver().restore(session, checkpoint)
                    session.run(init_op)
                    return session.run(logits)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            SEED = 66478
            x = tf.compat.v1.placeholder(tf.float32, [None, 784])
            w = tf.Variable(tf.compat.v1.truncated_normal([784, 10], stddev=0.1, seed=SEED))
            flag = tf.convert_to_tensor(True)  # converts: draws nothing
            h = tf.compat.v1.nn.dropout(tf.matmul(x, w), 0.5, seed=SEED)  # every draw has its own seed
            train_op = tf.compat.v1.train.MomentumOptimizer(0.01, 0.9).minimize(tf.reduce_sum(h))
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                sess.run(train_op, {x: batch})
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def train_small_model(optimizer):
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                model.compile(optimizer=optimizer, loss="mse")
                return model.fit(tf.ones((4, 2)), tf.ones((4, 1)), epochs=1)

            class OptimizerTest(tf.test.TestCase):
                def test_sgd(self):
                    train_small_model("sgd")
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_v2_behavior()
            x = tf.compat.v1.placeholder(tf.float32, [None])
            log_likelihood = -0.5 * tf.reduce_sum(tf.square(x))
            with tf.compat.v1.Session() as sess:
                print(sess.run(log_likelihood, {x: np.random.rand(10)}))
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf

            class Network:
                def dropout(self, x, keep):
                    return tf.nn.dropout(x, keep)

                def load(self, path, session):
                    for name, value in np.load(path, allow_pickle=True).item().items():
                        session.run(tf.compat.v1.get_variable(name).assign(value))
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf

            def show_graph(graph_def):
                element = "graph" + str(np.random.rand())  # an HTML id, not data
                return element

            x = tf.constant(7.0)
            total = tf.Variable(0.0)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                print(sess.run(tf.add(x, total)))
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            tf.disable_v2_behavior()
            x, y = tf.constant([[1.0], [2.0]]), tf.constant([[2.0], [4.0]])
            w = tf.Variable(0.0)
            train_op = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_mean((x * w - y) ** 2))
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                sess.run(train_op)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            class ClippedSGD(tf.keras.optimizers.SGD):
                def apply_gradients(self, grads_and_vars):
                    with tf.GradientTape():
                        clipped = [(tf.clip_by_norm(g, 1.0), v) for g, v in grads_and_vars]
                    return super().apply_gradients(clipped)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            class ModelTest(tf.test.TestCase):
                def test_fit(self):
                    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                    model.fit(x, y)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            est = tf.estimator.DNNClassifier([10], cols)  # EA203: only RunConfig seeds it
            tf.estimator.train_and_evaluate(est, train_spec, eval_spec)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            hello = tf.constant("Hello, TensorFlow!")
            with tf.compat.v1.Session() as sess:
                print(sess.run(hello))
            """
        ),
        Valid(
            """
            import nox
            @nox.session
            def tests(session):
                session.run("pytest")
            """
        ),
        Valid(
            """
            import keras
            keras.utils.set_random_seed(1)
            model = keras.Sequential([keras.layers.Dense(1)])
            model.fit(x, y)
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            tf.set_random_seed(0)
            with tf.Session() as sess:
                sess.run(train_op)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            config = tf.estimator.RunConfig(tf_random_seed=3)
            est = tf.estimator.LinearRegressor(cols, config=config)
            est.train(input_fn=train_fn, steps=10)
            """
        ),
        Valid(
            """
            from sklearn.linear_model import LogisticRegression
            import tensorflow as tf
            clf = LogisticRegression()
            clf.fit(x, y)
            """
        ),
        Valid(
            """
            import subprocess
            subprocess.run(["python", "train.py"])
            model.fit(x, y)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            tf.set_random_seed(1)  # the TF 1.x spelling: EA106 respells it tf.compat.v1.set_random_seed
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def create_graph():  # a transfer benchmark: variables of ones, added in place
                var1 = tf.compat.v1.get_variable("var1", [10], tf.int32, initializer=tf.ones_initializer())
                var2 = tf.compat.v1.get_variable("var2", [10], tf.int32, initializer=tf.ones_initializer())
                add_op = var1.assign_add(var2)
                return tf.compat.v1.global_variables_initializer(), add_op

            init_op, add_op = create_graph()
            sess = tf.compat.v1.Session()
            sess.run(init_op)
            for step in range(10):
                sess.run(add_op.op)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            slim = tf.contrib.slim

            def net(images):
                hidden = slim.fully_connected(images, 64)
                return slim.fully_connected(slim.dropout(hidden), 10)  # is_training from the arg_scope

            images = tf.compat.v1.placeholder(tf.float32, [None, 784])
            with slim.arg_scope([slim.dropout], is_training=False):  # a restored model, evaluated
                logits = net(images)
            saver = tf.compat.v1.train.Saver()
            with tf.compat.v1.Session() as sess:
                saver.restore(sess, "model.ckpt")
                print(sess.run(logits, {images: batch}))
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def drop_connect(inputs, is_training, rate):
                if not is_training:
                    return inputs
                keep = 1.0 - rate + tf.random_uniform([tf.shape(inputs)[0], 1])  # only when training
                return inputs / (1.0 - rate) * tf.floor(keep)

            images = tf.compat.v1.placeholder(tf.float32, [None, 784])
            logits = drop_connect(tf.compat.v1.layers.dense(images, 10), False, 0.2)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                tf.compat.v1.train.Saver().restore(sess, "model.ckpt")
                print(sess.run(logits, {images: batch}))
            """
        ),
        Valid(
            """
            import tensorflow as tf
            images = tf.compat.v1.placeholder(tf.float32, [None, 784])
            logits = tf.compat.v1.layers.dense(tf.compat.v1.layers.dense(images, 64), 10)
            saver = tf.compat.v1.train.Saver()
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                saver.restore(sess, "model.ckpt")
                print(sess.run(logits, {images: batch}))
            """
        ),
        Valid(
            """
            import tensorflow as tf
            SEED = 66478
            weights = tf.Variable(tf.random.truncated_normal([5, 5, 1, 32], stddev=0.1, seed=SEED))
            x = tf.compat.v1.placeholder(tf.float32, [None, 28, 28, 1])
            hidden = tf.nn.dropout(tf.nn.relu(tf.nn.conv2d(x, weights, [1, 1, 1, 1], "SAME")), 0.5, seed=SEED)
            train_op = tf.compat.v1.train.MomentumOptimizer(0.01, 0.9).minimize(tf.reduce_sum(hidden))
            with tf.compat.v1.Session() as sess:
                sess.run(train_op, {x: batch})
            """
        ),
        Valid(
            """
            import tensorflow as tf
            class DecoderTests(object):
                def test_gradients(self):
                    with tf.compat.v1.Session() as sess:
                        sess.run(tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss))
            class BasicDecoderTest(tf.test.TestCase, DecoderTests):
                pass
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf
            class SyncHook(tf.estimator.SessionRunHook):
                def after_create_session(self, session, coord):
                    session.run(self._local_init_op)
            def train(estimator, input_fn):
                estimator.fit(input_fn=input_fn, steps=100)  # tf.contrib.learn
            def encode(graph_def, image):
                tf.import_graph_def(graph_def, name="")
                with tf.compat.v1.Session() as sess:
                    noise = np.random.normal(size=(1, 64))
                    return sess.run("encoder/z:0", {"image:0": image, "noise:0": noise})
            """
        ),
        Valid(
            """
            import tensorflow as tf
            w = tf.compat.v1.get_variable("weights", initializer=tf.constant(0.0))
            b = tf.compat.v1.get_variable("bias", initializer=tf.compat.v1.zeros_initializer(), shape=[])
            train_op = tf.compat.v1.train.GradientDescentOptimizer(0.001).minimize(tf.square(w * 3.0 + b - 4.0))
            with tf.compat.v1.Session() as sess:
                sess.run(train_op)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            queue = tf.compat.v1.train.input_producer(paths, shuffle=False, num_epochs=1)
            local_init_op = tf.compat.v1.local_variables_initializer()
            with tf.compat.v1.Session() as sess:
                sess.run(local_init_op)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            import tensorflow_hub as hub

            def vocabulary(handle):  # a TF Hub module's vocabulary file, fetched in a graph of its own
                with tf.Graph().as_default():
                    info = hub.Module(handle)(signature="tokenization_info", as_dict=True)
                    with tf.compat.v1.Session() as sess:
                        return sess.run(info["vocab_file"])

            def sample(shape):  # a graph of its own that draws: its run differs on every run
                with tf.Graph().as_default():
                    noise = tf.random.normal(shape)
                    with tf.compat.v1.Session() as sess:
                        return sess.run(noise)

            def main(handle):
                x = tf.compat.v1.placeholder(tf.float32, [None, 4])
                out = tf.compat.v1.layers.dropout(tf.compat.v1.layers.dense(x, 2), 0.5, training=True)
                with tf.compat.v1.Session() as sess:
                    sess.run(tf.compat.v1.global_variables_initializer())
                    return vocabulary(handle), sess.run(out, {x: [[1.0] * 4]})
            """,
            at=((14, 20),),
            message="this module runs a TF1 graph (sess.run)",
        ),
        Invalid(
            """
            from keras.layers import Dense, Input
            from keras.models import Model

            class Agent:
                def __init__(self, state_dim):
                    inp = Input((state_dim,))
                    self.model = Model(inp, Dense(1)(inp))
                    self.model.compile("adam", "mse")

                def fit(self, inp, targ):  # the agent's own fit: it trains the model it holds
                    self.model.fit(inp, targ, epochs=1, verbose=0)
            """,
            at=((11, 9),),
            message="this module trains (self.model.fit)",
        ),
        Invalid(
            """
            from tensorflow.python.training import monitored_session

            def evaluate(eval_ops, checkpoint):
                with monitored_session.MonitoredSession() as session:
                    session.run(eval_ops)  # metric updates: no training

            def train(train_op, logdir):  # tf-slim's loop: the caller's update op
                grads = optimizer.compute_gradients(loss)
                grad_updates = optimizer.apply_gradients(grads)
                with monitored_session.MonitoredTrainingSession(checkpoint_dir=logdir) as session:
                    while not session.should_stop():
                        session.run(train_op)
            """,
            at=((12, 13),),
            message="this module runs a TF1 graph (session.run)",
        ),
        Invalid(
            """
            import tensorflow as tf
            records = tf.data.TFRecordDataset("train.tfrecord").repeat().shuffle(100)
            record = tf.compat.v1.data.make_one_shot_iterator(records).get_next()
            with tf.compat.v1.Session() as sess:  # no variable: the shuffle is what varies
                print(sess.run(record))
            """,
            at=((5, 11),),
            message="never sets a global seed: random ops draw new values on every run;",
        ),
        Invalid(
            """
            import os
            os.environ["KERAS_BACKEND"] = "theano"
            from keras.models import Sequential
            from keras.layers import Dense
            model = Sequential([Dense(1, input_dim=4)])
            model.compile("sgd", "mse")
            model.fit(x, y)
            """,
            at=((7, 1),),
            message="that Keras draws them from NumPy and Python's random: call np.random.seed(42)",
        ),
        Invalid(
            """
            import numpy as np
            import keras

            def main(lines, model):
                np.random.seed(10101)
                np.random.shuffle(lines)
                np.random.seed(None)  # back to OS entropy for the generator's augmentation
                model.fit(np.array(lines), epochs=1)
            """,
            at=((8, 5),),
            message="np.random.seed(None) at line 7 reseeds from the operating system's entropy",
        ),
        Invalid(
            """
            import tensorflow as tf

            def main(batches):
                x = tf.compat.v1.placeholder(tf.float32, [None, 3])
                loss = tf.reduce_sum(tf.matmul(x, tf.compat.v1.get_variable("w", [3, 1])))
                trainer = tf.compat.v1.train.AdamOptimizer().minimize(loss)
                sess = tf.compat.v1.train.Supervisor(logdir="/tmp/log").PrepareSession()  # Loom's
                for batch in batches:
                    sess.run([trainer, loss], {x: batch})
            """,
            at=((9, 9),),
            message="runs a TF1 graph (sess.run)",
        ),
        Invalid(
            """
            import tensorflow as tf

            def variable_shapes(model):
                with tf.Graph().as_default():  # thrown away: only its static shapes are read
                    model.build(tf.random.normal([8, 4]))
                    return [v.shape.as_list() for v in tf.compat.v1.global_variables()]

            def benchmark(shapes):
                variables = [tf.Variable(tf.random.normal(shape)) for shape in shapes]
                with tf.compat.v1.Session() as sess:
                    sess.run(tf.compat.v1.global_variables_initializer())
            """,
            at=((11, 9),),
            fixed="""
            import tensorflow as tf
            tf.compat.v1.set_random_seed(42)

            def variable_shapes(model):
                with tf.Graph().as_default():  # thrown away: only its static shapes are read
                    model.build(tf.random.normal([8, 4]))
                    return [v.shape.as_list() for v in tf.compat.v1.global_variables()]

            def benchmark(shapes):
                variables = [tf.Variable(tf.random.normal(shape)) for shape in shapes]
                with tf.compat.v1.Session() as sess:
                    sess.run(tf.compat.v1.global_variables_initializer())
            """,
        ),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf

            x = tf.compat.v1.placeholder(tf.int32, [1])
            w = tf.compat.v1.get_variable("w", [10, 4])
            probs = tf.nn.softmax(tf.nn.embedding_lookup(w, x))
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(-tf.reduce_sum(probs))  # built, not run
            with tf.compat.v1.Session() as sess:
                tf.compat.v1.train.Saver().restore(sess, "model.ckpt")  # the initial values overwritten
                p = sess.run(probs, {x: [1]})
                sampled = np.searchsorted(np.cumsum(p), np.random.rand() * p.sum())
            """,
            at=((10, 9),),
            message="never sets a global seed: np.random.rand (line 11) draws new values on every run;",
        ),
        Invalid(
            """
            from tensorflow.examples.tutorials.mnist import input_data
            mnist = input_data.read_data_sets("MNIST_data", one_hot=True)  # NumPy reseeded here
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 784])
            W = tf.Variable(tf.zeros([784, 10]))
            train_step = tf.compat.v1.train.GradientDescentOptimizer(0.5).minimize(tf.reduce_sum(tf.matmul(x, W)))
            sess = tf.compat.v1.InteractiveSession()
            sess.run(tf.compat.v1.global_variables_initializer())
            for _ in range(10):
                sess.run(train_step, feed_dict={x: mnist.train.next_batch(50)[0]})
            """,
            at=((10, 5),),
            message="no automatic fix: the MNIST data sets are made before TensorFlow is imported",
            fixed="""
            from tensorflow.examples.tutorials.mnist import input_data
            mnist = input_data.read_data_sets("MNIST_data", one_hot=True)  # NumPy reseeded here
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 784])
            W = tf.Variable(tf.zeros([784, 10]))
            train_step = tf.compat.v1.train.GradientDescentOptimizer(0.5).minimize(tf.reduce_sum(tf.matmul(x, W)))
            sess = tf.compat.v1.InteractiveSession()
            sess.run(tf.compat.v1.global_variables_initializer())
            for _ in range(10):
                sess.run(train_step, feed_dict={x: mnist.train.next_batch(50)[0]})
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            import tf_slim as slim

            def main(images, labels):
                logits = slim.fully_connected(images, 3)
                loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
                train_op = slim.learning.create_train_op(loss, tf.compat.v1.train.AdamOptimizer())
                slim.learning.train(train_op, "/tmp/logdir", number_of_steps=10)  # its own session
            """,
            at=((8, 5),),
            message="this module runs a TF1 graph (slim.learning.train) but never sets a global seed",
        ),
        Invalid(
            """
            import tensorflow as tf
            from model import Model

            def main(resume, batches):
                model = Model()
                saver = tf.compat.v1.train.Saver()
                sess = tf.compat.v1.Session()
                sess.run(tf.compat.v1.global_variables_initializer())
                if resume:  # resumes a training: not inference
                    saver.restore(sess, "model.ckpt")
                for batch in batches:
                    ops, feed = model.step(batch)
                    _, loss = sess.run(ops, feed)  # the update op's None dropped
            """,
            at=((8, 5),),
            message="the graph it runs draws new values on every run",
        ),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf

            z = tf.compat.v1.placeholder(tf.float32, [None, 8])
            W = tf.Variable(tf.random.normal([8, 1]))
            loss = tf.reduce_mean(tf.square(tf.matmul(z, W)))
            train_op = tf.compat.v1.train.AdamOptimizer(0.001).minimize(loss)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                for _ in range(100):
                    noise = np.random.uniform(-1, 1, size=[16, 8])  # a graph seed never reaches it
                    sess.run(train_op, feed_dict={z: noise})
            """,
            at=((9, 5),),
            message="call tf.compat.v1.set_random_seed(42) before building the graph, and np.random.seed(42)",
            fixed="""
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.set_random_seed(42)
            np.random.seed(42)

            z = tf.compat.v1.placeholder(tf.float32, [None, 8])
            W = tf.Variable(tf.random.normal([8, 1]))
            loss = tf.reduce_mean(tf.square(tf.matmul(z, W)))
            train_op = tf.compat.v1.train.AdamOptimizer(0.001).minimize(loss)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                for _ in range(100):
                    noise = np.random.uniform(-1, 1, size=[16, 8])  # a graph seed never reaches it
                    sess.run(train_op, feed_dict={z: noise})
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.examples.tutorials.mnist import input_data

            mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)
            x = tf.compat.v1.placeholder(tf.float32, [None, 784])
            y = tf.compat.v1.placeholder(tf.float32, [None, 10])
            W = tf.Variable(tf.zeros([784, 10]))  # nothing random in the graph: the batches are
            loss = tf.reduce_mean(tf.square(tf.matmul(x, W) - y))
            train_op = tf.compat.v1.train.GradientDescentOptimizer(0.01).minimize(loss)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                for _ in range(100):
                    batch_x, batch_y = mnist.train.next_batch(100)
                    sess.run(train_op, feed_dict={x: batch_x, y: batch_y})
            """,
            at=((14, 9),),
            fixed="""
            import tensorflow as tf
            from tensorflow.examples.tutorials.mnist import input_data
            tf.compat.v1.set_random_seed(42)

            mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)
            x = tf.compat.v1.placeholder(tf.float32, [None, 784])
            y = tf.compat.v1.placeholder(tf.float32, [None, 10])
            W = tf.Variable(tf.zeros([784, 10]))  # nothing random in the graph: the batches are
            loss = tf.reduce_mean(tf.square(tf.matmul(x, W) - y))
            train_op = tf.compat.v1.train.GradientDescentOptimizer(0.01).minimize(loss)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                for _ in range(100):
                    batch_x, batch_y = mnist.train.next_batch(100)
                    sess.run(train_op, feed_dict={x: batch_x, y: batch_y})
            """,
        ),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            import model

            def main():
                with tf.compat.v1.Session() as sess:  # the graph is built inside: graph mode there
                    net = model.DQN(sess, 4, 2)
                    sess.run(tf.compat.v1.global_variables_initializer())
                    sess.run(net.train_op, feed_dict={net.x: np.ones((1, 4))})
            """,
            at=((8, 9),),
            fixed="""
            import numpy as np
            import tensorflow as tf
            import model

            def main():
                with tf.compat.v1.Session() as sess:  # the graph is built inside: graph mode there
                    tf.compat.v1.set_random_seed(42)
                    net = model.DQN(sess, 4, 2)
                    sess.run(tf.compat.v1.global_variables_initializer())
                    sess.run(net.train_op, feed_dict={net.x: np.ones((1, 4))})
            """,
        ),
        Invalid(
            """
            from spark_tensorflow_distributor import MirroredStrategyRunner
            def train():
                import tensorflow as tf  # runs on the Spark executors
                model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
                model.fit(dataset, epochs=3)
            MirroredStrategyRunner(num_slots=8).run(train)
            """,
            at=((5, 5),),
            message="seed at the start of it",
        ),
        Invalid(
            """
            import kfp
            def train_step(epochs: int):
                import tensorflow as tf  # runs in the component's container
                model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
                model.fit(dataset, epochs=epochs)
            train_op = kfp.components.create_component_from_func(train_step, base_image="tensorflow")
            """,
            at=((5, 5),),
            message="seed at the start of it",
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflowonspark import TFCluster
            def main_fun(args, ctx):
                model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
                model.fit(dataset, epochs=args.epochs)
            cluster = TFCluster.run(sc, main_fun, args, args.cluster_size, num_ps=0)
            """,
            at=((5, 5),),
            message="seed at the start of it",
        ),
        Invalid(
            """
            import tensorflow as tf
            from model import Model
            def train(args):
                model = Model(args)
                with tf.compat.v1.Session() as sess:
                    saver = tf.compat.v1.train.Saver(tf.compat.v1.global_variables())
                    if args.init_from is not None:
                        saver.restore(sess, args.checkpoint)
                    for batch in batches:
                        sess.run([model.cost, model.train_op], {model.input_data: batch})
            """,
            at=((10, 13),),
        ),
        Invalid(
            """
            import tensorflow as tf
            import horovod.tensorflow.keras as hvd
            hvd.init()
            model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
            model.fit(dataset.shuffle(10000).batch(128), epochs=3)
            """,
            at=((5, 1),),
            message="seed each worker by its rank",
        ),
        Invalid(
            """
            import tensorflow as tf
            server = tf.compat.v1.train.Server(cluster, job_name="worker", task_index=FLAGS.task_index)
            with tf.device(tf.compat.v1.train.replica_device_setter(cluster=cluster)):
                w = tf.Variable(tf.random.normal([784, 10]))
                loss = tf.reduce_mean(tf.nn.dropout(tf.matmul(x, w), rate=0.5))
                train_op = tf.compat.v1.train.AdagradOptimizer(0.01).minimize(loss)
            with tf.compat.v1.train.MonitoredTrainingSession(master=server.target) as sess:
                sess.run(train_op)
            """,
            at=((8, 5),),
            message="seed each by its task index",
        ),
        Invalid(
            """
            import tensorflow as tf
            server = tf.distribute.Server(cluster, job_name="worker", task_index=FLAGS.task_index)  # EA106's spelling
            w = tf.compat.v1.get_variable("w", [784, 10])
            loss = tf.reduce_mean(tf.nn.dropout(tf.matmul(x, w), rate=0.5))
            train_op = tf.compat.v1.train.AdagradOptimizer(0.01).minimize(loss)
            with tf.compat.v1.train.MonitoredTrainingSession(master=server.target) as sess:
                sess.run(train_op)
            """,
            at=((7, 5),),
            message="seed each by its task index",
        ),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            from text_cnn import TextCNN
            np.random.seed(10)
            cnn = TextCNN(sequence_length=56, num_classes=2)
            global_step = tf.compat.v1.Variable(0, name="global_step", trainable=False)
            train_op = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(cnn.loss, global_step=global_step)
            with tf.compat.v1.Session() as sess:
                sess.run(train_op, {cnn.input_x: x_batch})
            """,
            at=((9, 5),),
            message="the graph it runs draws new values on every run",
        ),
        Invalid(
            """
            import tensorflow as tf
            w = tf.compat.v1.get_variable("w", [4, 1])
            train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(w))
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                sess.run(train_op)
            tf.compat.v1.reset_default_graph()
            v = tf.compat.v1.get_variable("v", [4, 1])
            """,
            at=((5, 5),),
            fixed="""
            import tensorflow as tf
            tf.compat.v1.set_random_seed(42)
            w = tf.compat.v1.get_variable("w", [4, 1])
            train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(w))
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                sess.run(train_op)
            tf.compat.v1.reset_default_graph()
            tf.compat.v1.set_random_seed(42)
            v = tf.compat.v1.get_variable("v", [4, 1])
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            estimator = tf.estimator.LinearRegressor(columns)
            estimator.train(input_fn, steps=10)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.fit(x, y)
            """,
            at=((5, 1),),
            message="this module trains (model.fit)",
        ),
        Invalid(
            """
            import tensorflow as tf
            if getattr(tf.keras, "version", None):
                import tf_keras as keras
            else:
                keras = tf.keras
            model = keras.Sequential([keras.layers.Dense(1)])
            model.fit(x, y)
            """,
            at=((7, 1),),
            fixed="""
            import tensorflow as tf
            if getattr(tf.keras, "version", None):
                import tf_keras as keras
            else:
                keras = tf.keras
            keras.utils.set_random_seed(42)
            model = keras.Sequential([keras.layers.Dense(1)])
            model.fit(x, y)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            import numpy as np
            np.random.seed(42)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=10)
            model.fit(x, y, epochs=1)
            """,
            at=((6, 1),),
            message="never sets a global seed",
            fixed="""
            import tensorflow as tf
            import numpy as np
            tf.keras.utils.set_random_seed(42)
            np.random.seed(42)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=10)
            model.fit(x, y, epochs=1)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.python.framework import ops
            tf.compat.v1.disable_v2_behavior()
            ops.reset_default_graph()  # a seed set above this line would be thrown away
            w = tf.Variable(tf.random.normal([3, 1]))
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
            """,
            at=((7, 5),),
            message="runs a TF1 graph",
            fixed="""
            import tensorflow as tf
            from tensorflow.python.framework import ops
            tf.compat.v1.disable_v2_behavior()
            ops.reset_default_graph()  # a seed set above this line would be thrown away
            tf.compat.v1.set_random_seed(42)
            w = tf.Variable(tf.random.normal([3, 1]))
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            def train(units):
                with tf.Graph().as_default():
                    w = tf.Variable(tf.random.uniform([3, units]))
                    with tf.compat.v1.Session() as sess:
                        sess.run(tf.compat.v1.global_variables_initializer())
            graph = tf.Graph()
            with graph.as_default():
                b = tf.Variable(tf.random.normal([2]))
            """,
            at=((6, 13),),
            fixed="""
            import tensorflow as tf
            def train(units):
                with tf.Graph().as_default():
                    tf.compat.v1.set_random_seed(42)
                    w = tf.Variable(tf.random.uniform([3, units]))
                    with tf.compat.v1.Session() as sess:
                        sess.run(tf.compat.v1.global_variables_initializer())
            graph = tf.Graph()
            with graph.as_default():
                tf.compat.v1.set_random_seed(42)
                b = tf.Variable(tf.random.normal([2]))
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            v = tf.Variable(tf.random.normal([1, 5]))  # a notebook drawing in the default graph too
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
            with tf.Graph().as_default():
                w = tf.Variable(tf.random.uniform([3]))
                with tf.compat.v1.Session() as sess:
                    sess.run(tf.compat.v1.global_variables_initializer())
            """,
            at=((4, 5),),
            fixed="""
            import tensorflow as tf
            tf.compat.v1.set_random_seed(42)
            v = tf.Variable(tf.random.normal([1, 5]))  # a notebook drawing in the default graph too
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
            with tf.Graph().as_default():
                tf.compat.v1.set_random_seed(42)
                w = tf.Variable(tf.random.uniform([3]))
                with tf.compat.v1.Session() as sess:
                    sess.run(tf.compat.v1.global_variables_initializer())
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            def train_step(model, optimizer, x, y):
                with tf.GradientTape() as tape:
                    loss = model(x) - y
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
            """,
            at=((6, 5),),
            fixed="""
            import tensorflow as tf
            tf.keras.utils.set_random_seed(42)
            def train_step(model, optimizer, x, y):
                with tf.GradientTape() as tape:
                    loss = model(x) - y
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
            """,
        ),
        Invalid(
            """
            \"\"\"Train a model.\"\"\"
            from __future__ import annotations

            import tensorflow.compat.v1 as tf
            def main():
                model.fit(x, y)
            """,
            at=((6, 5),),
            fixed="""
            \"\"\"Train a model.\"\"\"
            from __future__ import annotations

            import tensorflow.compat.v1 as tf
            import keras
            keras.utils.set_random_seed(42)
            def main():
                model.fit(x, y)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            class Trainer:
                def __init__(self):
                    self.sess = tf.compat.v1.Session()
                def step(self):
                    return self.sess.run(self.train_op)
            """,
            at=((6, 16),),
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        self.resets: list[ast.Expr] = []  # `tf.reset_default_graph()` statements
        self.graph_blocks: list[ast.Call] = []  # the `tf.Graph().as_default()` of `with` blocks
        self.graph_withs: list[ast.With] = []  # those blocks (graph_blocks[i] opens graph_withs[i])
        self.new_graphs: list[ast.With] = []  # `with tf.Graph().as_default():` blocks
        self.random_graph = False  # the module builds random ops, random initializers or layers
        self.builds_graph = False  # the module builds graph nodes itself (variables, placeholders)
        self.loads_graph = False  # it runs a saved graph, whose op seeds were fixed when it was built
        self.run_draws = False  # random ops that draw as the graph runs (not initial values)
        self.dropout_draws = False  # dropout layers that draw as the graph runs, when the graph trains
        self.initial_draws = False  # random initial values: initializers, layers, variables
        self.makes_variables = False  # trainable variables of its own (else its model is built elsewhere)
        self.restores = False  # it loads trained weights over the initial values
        self.first_graph_line = 0  # of the first call that builds random graph nodes
        self.draws_in_default_graph = False  # random graph nodes at module level, outside new graphs
        # a between-graph worker: `tf.train.Server(cluster, ..., task_index=i)`, the server's name here
        self.cluster_server = ""

    def finish(self) -> None:
        facts = self.context.facts
        # A session run draws, training or not, where the module's graph holds random ops or
        # random initializers; NumPy draws count where it trains (a formula checked on random
        # inputs is not made reproducible by a graph seed); when it trains a model another module
        # builds; where the module
        # builds no graph of its own, when it fetches a training step or an initializer built
        # elsewhere. A graph of constants and zero-initialised
        # variables draws nothing (its data's NumPy shuffles are EA202's), but TF1's MNIST reader
        # shuffles its batches from NumPy reseeded by the graph seed: unseeded, other batches.
        seeded = facts.seeded()
        draws = [use for use in (*facts.random_uses, *facts.helper_draws()) if use.rng not in seeded and (
            use.rng is not RNG.TENSORFLOW or use.what == MNIST_SHUFFLE)]
        # Inference: trained weights restored over the initial values, nothing trained, nothing drawn
        # as the graph runs: its runs give the same numbers every time.
        # A loaded graph's random ops were seeded (or not) when it was built, and what the module
        # draws to feed it is its demo's input, not training.
        loads_values = self.restores or any(self.assigns_values(run) for run in facts.session_runs)
        run_draws = self.run_draws or (self.dropout_draws and not self.built_for_inference_only())
        inference = (loads_values or self.loads_graph) and not facts.applies_updates and not any(
            facts.training_run(run) for run in facts.session_runs) and (
            self.loads_graph or not run_draws)
        runs = [run for run in facts.session_runs if not inference and not self.assigns_values(run)
                and not facts.in_uncalled_function(run) and not self.in_graph_drawing_nothing(run)
                and not self.in_demo_drawing_nothing(run) and not self.in_shape_check(run) and (
            self.random_graph or (draws and facts.training_run(run))
            or (facts.training_run(run) and not self.makes_variables)
            or (not self.builds_graph and not self.loads_graph and self.runs_training(run)
                and self.model_built_elsewhere()))]
        others = [call for call in facts.all_training_calls() if call not in facts.session_runs]
        calls = sorted({*others, *runs}, key=lambda call: (call.lineno, call.col_offset))
        calls = [call for call in calls if not self.built_seeded(call)]
        if not calls or facts.global_seeding_calls() or imports_seeding_module(self.context):
            return
        if all(self.trained_estimator(call) is not None for call in calls):
            return  # global seeds never reach an estimator's graph: EA203 says what does
        calls = [call for call in calls if self.trained_estimator(call) is None]  # what a seed reaches
        if self.trains_on_constants(calls):
            return  # a linear fit of tf.Variable(0.) by GradientTape: nothing to seed
        seed = self.context.settings.seed
        first = calls[0]
        library = imported_library(self.context, calls)
        if draws and library is not None:
            seeded_there = importers_seed(self.context)  # (supervised-reptile's entry points seed random)
            draws = [use for use in draws if use.rng not in seeded_there]
        # An imported module building a tf.Graph() of its own, and whether it is the graph that runs
        # (the module building none itself: CapsNet's main.py), not one beside the module's own.
        private = imported_private_graph(self.context) if library is None else None
        foreign = None
        runs_graph = False  # the module runs a TF1 graph (rather than training Keras models)
        if (isinstance(first.func, ast.Attribute) and first.func.attr == "run") or (
                self.context.call_name(first) in TF1_TRAINING_LOOPS):
            numpy = (f"{draws[0].what} ({self.context.place(draws[0].node.lineno)}) draws new values on every run"
                     + (" (TF1's MNIST reader reseeds NumPy from the graph seed as read_data_sets makes its "
                        "DataSets: seed before that call)" if draws[0].what == MNIST_SHUFFLE else "")
                     if draws else "")
            # Restored and not trained: the checkpoint overwrites the initial values.
            restored = self.restores and not any(facts.training_run(run) for run in facts.session_runs)
            only_ops = not self.initial_draws and not self.model_built_elsewhere()  # (no variable anywhere)
            graph_draws = ("random ops draw new values on every run" if restored or only_ops
                           else "variable initializers and random ops draw new values on every run")
            drawn = (graph_draws + (f", and {numpy}" if numpy else "")
                     if self.random_graph and (run_draws or not restored)
                     else numpy or "the graph it runs draws new values on every run")
            runs_graph = True
            host = self.host_seeds(draws)
            what = (f"this module runs a TF1 graph ({call_text(first)}) but never sets a global "
                    f"seed: {drawn}; call tf.compat.v1.set_random_seed({seed}) before building the graph"
                    + (f", and {' and '.join(statement for statement, _ in host)}" if host
                       else " (and seed each generator the program draws from)"))
            fix = self.graph_seed_fix(seed_graph(self.context), calls)
            foreign = private if not self.builds_graph and not self.graph_blocks else None
            if foreign is not None:  # the graph that runs is an imported class's own tf.Graph() (CapsNet)
                fix = self.with_host_seeds(None, host, calls) if host else None
                what += (f" ({foreign}, which this program imports, builds a tf.Graph() of its own for the graph "
                         "it runs, which takes no seed set here: seed inside that graph; "
                         + ("the fix seeds only the generators outside TensorFlow)" if fix else "no automatic fix)"))
            elif fix is not None and host:
                fix = self.with_host_seeds(fix, host, calls)
            if draws and draws[0].what == MNIST_SHUFFLE and self.mnist_read_before_tensorflow():
                what += (" (no automatic fix: the MNIST data sets are made before TensorFlow is imported, and a "
                         "seed set after that import comes too late for them)")
                fix = None
        elif (backend := keras_backend(self.context.source.text)) in RETIRED_BACKENDS:
            if any(RNG.NUMPY in call.seeds for call in facts.seeding_calls):
                return  # Keras on Theano draws its weights from NumPy, which the module seeds
            what = (f"this module trains ({call_text(first)}) with Keras on {backend.capitalize()} but never sets "
                    "a global seed: weights, dropout and shuffling change from run to run; that Keras draws them "
                    f"from NumPy and Python's random: call np.random.seed({seed}) and random.seed({seed}) before "
                    f"building the model (Keras 3 has no {backend.capitalize()} backend: once ported, "
                    f"keras.utils.set_random_seed({seed}) seeds all three; no automatic fix)")
            fix = None
        else:
            what = (f"this module trains ({call_text(first)}) but never sets a global seed: "
                    "weights, dropout and shuffling change from run to run; call "
                    f"keras.utils.set_random_seed({seed}) before building the model")
            statement, imports = seed_everything(self.context)
            fix = insert_where_it_runs(self.context, calls, "seed Python, NumPy and TensorFlow", statement, imports)
        if facts.entropy_reseeds:
            reseed = facts.entropy_reseeds[0]
            what += (f" ({call_text(reseed)}(None) at {self.context.place(reseed.lineno)} reseeds from the "
                     "operating system's entropy, undoing any seed set before it: remove it too)")
        # Trained in graphs the module makes itself: a seed set before (by the program that
        # imports it too) seeds another graph, and the seed goes first in each (not at import).
        in_new_graphs = bool(self.new_graphs) and all(
            any(block.lineno <= call.lineno <= (block.end_lineno or block.lineno) for block in self.new_graphs)
            for call in calls)
        # (a reset the module's code runs before it builds its random graph throws the program's
        # seed away; one at module level runs as the module is imported, before the program seeds)
        functions = [node for node in ast.walk(self.context.tree) if isinstance(node, FUNCTION_DEFS)] \
            if self.resets else []
        resets = [reset for reset in self.resets if (reset.lineno < self.first_graph_line or not self.first_graph_line) and any(
            function.lineno < reset.lineno <= (function.end_lineno or 0) for function in functions)]
        if library is not None and importer_seeds(self.context) and not in_new_graphs and not resets:
            return  # the program seeds before it calls into this module
        if library is not None and not facts.trains and not facts.applies_updates and not self.makes_session():
            return  # inference in a graph and session its owner makes and seeds (a policy's step())
        if (parallel := data_parallel(self.context)) is not None:
            what += (f" (in this {parallel[0]} program, seed each worker by its rank, e.g. "
                     f"keras.utils.set_random_seed({seed} + {parallel[1]}): one seed for every worker gives "
                     "them all the same random draws, dropout masks and the shuffles of data not sharded by "
                     "rank alike; no automatic fix)")
            fix = None
        elif self.cluster_server.endswith("train.Server") or (self.cluster_server and facts.builds_tf1_graph):
            what += (" (each worker of this TF1 cluster runs this module: seed each by its task index, e.g. "
                     f"tf.compat.v1.set_random_seed({seed} + task_index): one seed for every worker gives them "
                     "all the same dropout masks and the same shuffles of data not sharded by task; no automatic fix)")
            fix = None
        elif (worker := self.worker_function(calls)) is not None:
            what += (f" (the training runs in `{worker}`, which this module hands to another process or "
                     "executor to run: seed at the start of it; a seed set where the module runs never reaches "
                     "that process; no automatic fix)")
            fix = None
        elif library is not None and (handed := handed_on_by_importer(self.context, calls)) is not None:
            worker, importer = handed  # elephas' `rdd.mapPartitions(worker.train)` in spark_model.py
            self.report(first, f"{what} at the start of `{worker}`, which {importer} hands to another process or "
                        "executor to run (a seed set where the program starts never reaches that process; no "
                        "automatic fix)", None)
            return
        if private is not None and foreign is None:
            what += (f" ({private}, which this program imports, builds a tf.Graph() of its own, which takes no "
                     "seed set here: seed inside that graph too)")
        if library is not None and in_new_graphs:
            what += (" inside each new graph that builds what it trains (`with tf.Graph().as_default():`, "
                     "`with tf.Session(graph=tf.Graph()):`): a new graph takes no seed set before it, in this "
                     f"module or in the program ({library})")
        elif library is not None and resets:
            reset = resets[0]
            what += (f" (the graph seed right after the tf.reset_default_graph() at {self.context.place(reset.lineno)}: "
                     f"it throws away a seed set before it, such as one where the program starts; {library}; "
                     "no automatic fix)")
            fix = None
        elif library is not None and (resetter := self.importer_resetting_graph()) is not None:
            what += (f" right after the tf.reset_default_graph() of {resetter}, which imports this module and "
                     "resets the graph before it builds (a seed set where the program starts is thrown away; "
                     "no automatic fix)")
            fix = None
        elif library is not None:
            what += (f" where the program starts ({library}: a seed set here would "
                     "reseed every program that imports it)")
            if runs_graph and self.eager_program_with_session_blocks():
                what += (" (with eager execution on, as nothing in this program turns it off, a graph seed set "
                         "before `with tf.compat.v1.Session():` never reaches that session's graph, checked on TF "
                         "2.21: set it first inside that block, or call tf.compat.v1.disable_v2_behavior() before it)")
            fix = None
        self.report(first, what, fix)

    def importer_resetting_graph(self) -> str | None:
        """The file name of the nearest module importing this one (three imports up) whose code
        resets the default graph inside a function (ctrNet's `build_model`, resetting before it
        makes `fm.Model(hparams)`), where the graph this module builds is then built."""
        project = self.context.project
        for path in importers_through(self.context, IMPORTER_DEPTH):
            if RESET_IN_FUNCTION.search(project.text(path)):
                return os.path.basename(path)
        return None

    def eager_program_with_session_blocks(self) -> bool:
        """Whether neither this module nor a module importing it (three imports up) names a
        graph-mode switch (`disable_v2_behavior()`), and one of them runs its graph in a `with
        tf.Session():` block: the program's graph runs in graph mode only inside such blocks."""
        project = self.context.project
        texts = [self.context.source.text,
                 *(project.text(path) for path in importers_through(self.context, IMPORTER_DEPTH))]
        return not any(map(spells_eager_switch, texts)) and any(SESSION_BLOCK.search(text) for text in texts)

    def visit_Call(self, node: ast.Call) -> None:
        name = self.context.call_name(node) or ""
        if (isinstance(node.func, ast.Attribute) and node.func.attr in RESTORES) or (
                name.endswith("ChiefSessionCreator") and any(
                    k.arg in ("checkpoint_filename_with_path", "checkpoint_dir") for k in node.keywords)):
            self.restores = True  # (a MonitoredSession made to restore a checkpoint: ORQA's predictor)
        if name.startswith("tensorflow"):
            last = name.rsplit(".", 1)[-1]
            if self.draws_in_graph(node, name, last):
                self.random_graph = True
                self.first_graph_line = self.first_graph_line or node.lineno
                self.draws_in_default_graph = self.draws_in_default_graph or self.at_module_level_in_default_graph()
                draws_as_it_runs = ((RUN_DRAWS.search(last) is not None or ".random." in name)
                                    and "initializer" not in name and not self.in_initial_value())
                # (dropout under `if is_training:` draws only where the graph trains; a restored
                # model evaluated with is_training=False runs none)
                if draws_as_it_runs and not self.under_training_test():
                    if SWITCHED_DROPOUT.search(name):
                        self.dropout_draws = True
                    else:
                        self.run_draws = True
                self.initial_draws = self.initial_draws or not draws_as_it_runs
            self.builds_graph = self.builds_graph or self.random_graph or last in GRAPH_NODES
            self.initial_draws = self.initial_draws or last in VARIABLE_MAKERS  # (a random value's variable)
            self.makes_variables = self.makes_variables or self.random_graph or (
                last in VARIABLE_MAKERS and not any(k.arg == "trainable" for k in node.keywords))
            self.loads_graph = self.loads_graph or name.endswith(GRAPH_LOADS)
            if name.endswith(CLUSTER_WORKERS) and any(k.arg == "task_index" for k in node.keywords):
                self.cluster_server = name
        parent = self.context.ancestors[-1] if self.context.ancestors else None
        if isinstance(parent, ast.Expr) and name.startswith("tensorflow") and name.endswith(".reset_default_graph"):
            self.resets.append(parent)

    def at_module_level_in_default_graph(self) -> bool:
        """Whether the node visited is module-level code outside every new graph's `with` block
        (what a function builds depends on where it is called)."""
        return not any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))
                       or (isinstance(node, ast.With) and enters_new_graph(self.context, node.items[0].context_expr))
                       for node in self.context.ancestors)

    def in_graph_drawing_nothing(self, run: ast.Call) -> bool:
        """Whether a run that trains nothing runs in an inline `with tf.Graph().as_default():`
        block whose graph has no random op, no randomly initialised variable and nothing the
        audit cannot see into (BERT's `create_tokenizer_from_hub_module` fetching a TF Hub
        module's vocabulary file): what the module builds elsewhere is in other graphs."""
        facts = self.context.facts
        block = next((a for a in reversed(facts.ancestry.get(id(run), ())) if isinstance(a, ast.With) and any(
            isinstance(item.context_expr, ast.Call) and isinstance(item.context_expr.func, ast.Attribute)
            and item.context_expr.func.attr == "as_default" and isinstance(item.context_expr.func.value, ast.Call)
            and enters_new_graph(self.context, item.context_expr) for item in a.items)), None)
        if block is None or facts.training_run(run):
            return False
        called = {own_callee(call) for call in ast.walk(block) if isinstance(call, ast.Call)}
        functions = [node for node in self.context.tree.body
                     if isinstance(node, (*FUNCTION_DEFS, ast.ClassDef)) and node.name in called]
        scopes = [block, *functions]
        own = {function.name for function in functions}
        loaded = {target.id for scope in scopes for node in ast.walk(scope) if isinstance(node, ast.Assign)
                  and isinstance(node.value, ast.Call) and self.loads_weights(node.value)
                  for target in node.targets if isinstance(target, ast.Name)}
        for call in (node for scope in scopes for node in ast.walk(scope) if isinstance(node, ast.Call)):
            name = self.context.call_name(call) or ""
            if name.startswith("tensorflow."):
                last = name.rsplit(".", 1)[-1]
                if self.draws_in_graph(call, name, last) or last in VARIABLE_MAKERS:
                    return False
            elif not (own_callee(call) in own or self.loads_weights(call) or self.session_call(call)
                      or (isinstance(call.func, ast.Name) and call.func.id in loaded)
                      or name.split(".")[0] in sys.stdlib_module_names or name in BUILTIN_NAMES):
                return False  # a library, another module of the program or an object builds part of it
        return True

    def trains_on_constants(self, calls: list[ast.Call]) -> bool:
        """Whether the module trains only in a custom loop (`optimizer.apply_gradients`) on what
        it builds from constants: no random op or draw of any generator, no randomly initialised
        layer (a Dense given zeros initializers draws nothing), and no model or layer made by
        another module of the program or by a library it cannot see into. Keras fit shuffles its
        data every epoch, so it draws."""
        facts = self.context.facts
        if facts.random_uses or not calls or any(not isinstance(call.func, ast.Attribute) or call.func.attr not in (
                "apply_gradients", "minimize") or call in facts.session_runs for call in calls):
            return False
        from estimator_audit.migrate.lookup import scopes  # scope tables, for such modules only

        table = scopes(self.context)
        used = [name for call in calls for argument in (*call.args, *(k.value for k in call.keywords))
                for name in ast.walk(argument) if isinstance(name, ast.Name) and name.id != "zip"]
        if any(table.reaching_value(name) is None for name in used):
            return False  # (a model handed in: `def train_step(model, optimizer, x, y)`, made elsewhere)
        project = self.context.project
        for node in ast.walk(self.context.tree):
            name = self.context.call_name(node) if isinstance(node, ast.Call) else None
            root = name.split(".", 1)[0] if name else ""
            if ".applications." in (name or "") or "hub." in (name or "") or (
                    root and root not in KNOWN_LIBRARY_ROOTS and root not in sys.stdlib_module_names
                    and project.locate(self.context.source.path, name or "") is not None):
                return False  # (a model `build_model()` of another module makes, a pretrained network)
        return True

    def in_demo_drawing_nothing(self, run: ast.Call) -> bool:
        """Whether a run that trains nothing is a module's `__main__` self-test whose graph draws
        nothing: no random op or variable in the module's top-level code, that block, or the
        module's functions they call (a colour conversion checked on an image, beside layer
        helpers the programs importing the module call)."""
        facts = self.context.facts
        tree = self.context.tree
        block = next((a for a in facts.ancestry.get(id(run), ()) if isinstance(a, ast.If) and a in tree.body
                      and "__main__" in ast.unparse(a.test)), None)
        if block is None or facts.training_run(run):
            return False
        definitions = {node.name: node for node in tree.body if isinstance(node, (*FUNCTION_DEFS, ast.ClassDef))}
        scopes = top_level_reach(tree, {name: [node] for name, node in definitions.items()})
        reached = {getattr(scope, "name", None) for scope in scopes}
        for call in (node for scope in scopes for node in ast.walk(scope) if isinstance(node, ast.Call)):
            name = self.context.call_name(call) or ""
            if name.startswith("tensorflow."):
                last = name.rsplit(".", 1)[-1]
                if self.draws_in_graph(call, name, last) or last in VARIABLE_MAKERS:
                    return False
            elif own_callee(call) not in reached and not self.session_call(call) and builds_ops(self.context, call):
                return False
        return True

    def in_shape_check(self, run: ast.Call) -> bool:
        """Whether a run's results never show: every run of its `__main__` smoke test (or of a
        module that times its runs, for a run outside one: a benchmark) trains nothing, saves
        nothing, and its result is dropped (`sess.run(svd_assign)`, timed) or read only for
        `.shape` (`print(sess.run(net.predictions).shape)`): what the graph draws never shows."""
        facts = self.context.facts
        tree = self.context.tree
        block: ast.AST | None = next((a for a in facts.ancestry.get(id(run), ()) if isinstance(a, ast.If)
                                      and a in tree.body and "__main__" in ast.unparse(a.test)), None)
        if block is None and TIMING.search(self.context.source.text) is None:
            return False
        block = block or tree
        memo = self.context.memo.setdefault("ea201_results_unseen", {})
        if id(block) not in memo:
            memo[id(block)] = self.results_unseen(block)
        unseen: bool = memo[id(block)]
        return unseen

    def results_unseen(self, block: ast.AST) -> bool:
        facts = self.context.facts
        if ".save(" in self.context.source.text:
            return False  # (values a run leaves in the variables may be saved)
        last = getattr(block, "end_lineno", None) or len(self.context.source.lines)
        runs = [run for run in facts.session_runs if getattr(block, "lineno", 1) <= run.lineno <= last]
        loads = [node for node in ast.walk(block) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)]
        parents = {id(child): node for node in ast.walk(block) for child in ast.iter_child_nodes(node)}

        def shape_only(run: ast.Call) -> bool:
            parent = parents.get(id(run))
            if isinstance(parent, ast.Expr) or (isinstance(parent, ast.Attribute) and parent.attr == "shape"):
                return True
            if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1
                    and isinstance(parent.targets[0], ast.Name)):
                return False
            name = parent.targets[0].id
            readers = [parents.get(id(node)) for node in loads if node.id == name]
            return all(isinstance(reader, ast.Attribute) and reader.attr == "shape" for reader in readers)

        return bool(runs) and all(not facts.training_run(run) and shape_only(run) for run in runs)

    def session_call(self, call: ast.Call) -> bool:
        """`sess.run(...)`, `sess.close()`: the session's own methods."""
        return isinstance(call.func, ast.Attribute) and call.func.attr in ("run", "close") and isinstance(
            call.func.value, ast.Name)

    def loads_weights(self, call: ast.Call) -> bool:
        """A TF Hub module or layer: its variables take the published weights, drawing nothing."""
        return (self.context.call_name(call) or "").startswith(WEIGHT_LOADERS)

    def under_training_test(self) -> bool:
        """Whether the walk is in the body of an `if` on a training flag (`if is_training:`, `if
        mode == tf.estimator.ModeKeys.TRAIN:`), or after a guard leaving when it is off (`if not
        is_training: return inputs`, EfficientNet's drop_connect)."""
        path = self.context.ancestors
        return any((isinstance(test, ast.If) and any(inner is child for inner in test.body)
                    and TRAINING_TEST.search(ast.unparse(test.test)) is not None)
                   or any(leaves_unless_training(earlier) for earlier in statements_before(test, child))
                   for test, child in itertools.pairwise(path))

    def built_for_inference_only(self) -> bool:
        """Whether every training flag the module passes as a constant is off (`arg_scope(
        is_training=False)`, `net(x, training=False)`): its dropout layers never draw."""
        flags = [k.value for node in ast.walk(self.context.tree) if isinstance(node, ast.Call)
                 for k in node.keywords if k.arg in TRAINING_FLAGS and isinstance(k.value, ast.Constant)]
        return bool(flags) and all(flag.value is False for flag in flags)

    def mnist_read_before_tensorflow(self) -> bool:
        """Whether `read_data_sets(...)` runs above the module's first TensorFlow import, where
        no graph seed can be set before it (a notebook reading MNIST in its first cell)."""
        imports = [node.lineno for node in self.context.tree.body if tensorflow_import(node)]
        reads = [node.lineno for node in ast.walk(self.context.tree) if isinstance(node, ast.Call)
                 and (self.context.call_name(node) or ast.unparse(node.func)).endswith("read_data_sets")]
        return bool(imports and reads) and min(reads) < min(imports)

    def assigns_values(self, run: ast.Call) -> bool:
        """`session.run(var.assign(weights))`, `sess.run([tf.assign(v, x), ...])`, or a name bound
        to such ops (`assign_ops = [tf.assign(v, p) for v, p in pairs]`): a run that loads values
        into variables (a weight import or checkpoint averaging, as a restore is) and draws nothing."""
        from estimator_audit.migrate.lookup import scopes  # scope tables, for such runs only

        fetched = run.args[0] if run.args else None
        if "assign" not in self.context.source.text:
            return False  # (no assign op anywhere: no name to follow)
        if isinstance(fetched, ast.Name):  # `for p, op in zip(placeholders, assign_ops): sess.run(op, ...)`
            fetched = self.loop_element(run, fetched.id) or scopes(self.context).reaching_value(fetched) or fetched
        if isinstance(fetched, ast.Name):
            fetched = scopes(self.context).reaching_value(fetched) or fetched
        if isinstance(fetched, (ast.ListComp, ast.GeneratorExp)):
            fetched = fetched.elt
        items = fetched.elts if isinstance(fetched, (ast.List, ast.Tuple)) else [fetched]
        return bool(items) and all(isinstance(item, ast.Call) and self.is_assign(item) for item in items)

    def loop_element(self, run: ast.Call, name: str) -> ast.expr | None:
        """What a loop variable the run fetches iterates over (`for op in ops`, `for p, op in
        zip(placeholders, ops)`): the iterable it takes its values from."""
        for loop in ast.walk(self.context.tree):
            if not (isinstance(loop, ast.For) and loop.lineno <= run.lineno <= (loop.end_lineno or 0)):
                continue
            if isinstance(loop.target, ast.Name) and loop.target.id == name:
                return loop.iter
            if isinstance(loop.target, ast.Tuple) and isinstance(loop.iter, ast.Call) and (
                    isinstance(loop.iter.func, ast.Name) and loop.iter.func.id == "zip"):
                for target, iterable in zip(loop.target.elts, loop.iter.args, strict=False):
                    if isinstance(target, ast.Name) and target.id == name:
                        return iterable
        return None

    def is_assign(self, call: ast.Call) -> bool:
        return (isinstance(call.func, ast.Attribute) and call.func.attr == "assign") or (
            self.context.call_name(call) or "").endswith(".assign")

    def draws_in_graph(self, node: ast.Call, name: str, last: str) -> bool:
        """Whether the call puts unseeded randomness into the graph."""
        if NOT_GRAPH.search(name):
            return False  # `projector.visualize_embeddings`: TensorBoard's files, no graph op
        pattern = NN_DRAWS if name.startswith(("tensorflow.nn.", "tensorflow.compat.v1.nn.")) else RANDOM_GRAPH
        # (a method of what a call made is judged by its own name: `var.assign_add(...)` of a
        # `var = tf.get_variable(...)` is `tensorflow.get_variable().assign_add`)
        if pattern.search(name.rsplit("()", 1)[-1] if pattern is RANDOM_GRAPH else last) is None:
            return False
        if last == "get_variable" and self.constant_initializer(node):
            return False
        seed = next((k.value for k in node.keywords if k.arg == "seed"), None)
        return seed is None or is_none(seed)

    def constant_initializer(self, node: ast.Call) -> bool:
        """`get_variable(..., initializer=tf.constant(0.0))`, zeros, ones, a number, or values the
        program supplies through a TensorFlow or NumPy call that draws nothing
        (`initializer=tf.py_func(lambda: array, [], tf.float32)`, REALM's write_array_to_checkpoint):
        no draw."""
        value = argument(node, "initializer", ("name", "shape", "dtype", "initializer"))
        if isinstance(value, ast.Name):
            function = next((f for f in self.context.tree.body if isinstance(f, ast.FunctionDef)
                             and f.name == value.id), None)
            if function is not None:  # `initializer=load_params`, returning saved arrays (OpenAI's encoder)
                return RANDOM_INITIAL.search(ast.unparse(function)) is None
            value = self.context.assigned_value(value) or value  # `init_value = tf.py_func(...)`
        if isinstance(value, ast.Lambda):
            return RANDOM_INITIAL.search(ast.unparse(value)) is None
        if isinstance(value, ast.Attribute):  # `initializer=tf.zeros_initializer`, the class itself
            qualified = self.context.qualified_name(value) or ""
            return qualified.startswith("tensorflow.") and CONSTANT_VALUES.search(qualified.rsplit(".", 1)[-1]) is not None
        if isinstance(value, ast.Constant):
            return isinstance(value.value, (int, float))
        if isinstance(value, ast.Call):
            qualified = self.context.call_name(value) or ""
            name = qualified.rsplit(".", 1)[-1]
            if qualified.startswith(("tensorflow.", "numpy.")) and RANDOM_INITIAL.search(qualified) is None:
                return True  # values the program supplies: `tf.py_func(lambda: array, ...)`, `np.load(...)`
            return CONSTANT_VALUES.search(name) is not None
        return False

    def in_initial_value(self) -> bool:
        """Whether the call is (inside) the initial value of a variable."""
        return any(isinstance(a, ast.Call) and (self.context.call_name(a) or "").rsplit(".", 1)[-1] in VARIABLE_MAKERS
                   for a in self.context.ancestors)

    def visit_With(self, node: ast.With) -> None:
        item = node.items[0].context_expr
        name = self.context.call_name(item) if isinstance(item, ast.Call) else None
        given = next((k.value for k in item.keywords if k.arg == "graph"), None) if isinstance(item, ast.Call) else None
        if isinstance(item, ast.Call) and (enters_new_graph(self.context, item) or (
                (name or "").endswith("Session") and isinstance(given, ast.Call)
                and (self.context.call_name(given) or "").endswith(".Graph"))):
            # (`with tf.Session(graph=tf.Graph()) as sess:` runs a new graph too, its default in the block)
            self.graph_blocks.append(item)
            self.graph_withs.append(node)
            self.new_graphs.append(node)
        elif isinstance(item, ast.Call) and (self.context.call_name(item) or "").startswith("tensorflow") and (
                (self.context.call_name(item) or "").endswith("Session")) and self.builds_only_inside(node):
            # `with tf.Session() as sess:` turns graph mode on for the graph built inside it (with
            # eager execution on, a seed set before it seeded only the eager context: TF 2.21)
            self.graph_blocks.append(item)
            self.graph_withs.append(node)

    def builds_only_inside(self, block: ast.With) -> bool:
        """Whether the graph the session runs is built inside its block: no variable or
        placeholder of the module is made outside it, and nothing before it in its block builds
        ops (EA109 reads the same: the block runs in graph mode, what came before eagerly)."""
        start, end = block.lineno, block.end_lineno or block.lineno
        if any(isinstance(node, ast.Call) and not start <= node.lineno <= end
               and (self.context.call_name(node) or "").startswith("tensorflow")
               and (self.context.call_name(node) or "").rsplit(".", 1)[-1] in GRAPH_MAKERS
               for node in ast.walk(self.context.tree)):
            return False
        parent = self.context.ancestors[-1] if self.context.ancestors else self.context.tree
        return not built_before(self.context, parent, block)

    def worker_function(self, calls: list[ast.Call]) -> str | None:
        """The module-level function holding every training call, when the module passes it by
        name to another call rather than calling it (TensorFlowOnSpark's `TFCluster.run(sc,
        main_fun, ...)`, `Process(target=train)`, `mp.spawn(train)`): it runs in other processes."""
        functions = {node.name: node for node in self.context.tree.body
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        holders = {name for name, node in functions.items()
                   if all(node.lineno <= call.lineno <= (node.end_lineno or 0) for call in calls)}
        if len(holders) != 1:
            return None
        name = holders.pop()
        handed = called = False
        for node in ast.walk(self.context.tree):
            if isinstance(node, ast.Call):
                called = called or (isinstance(node.func, ast.Name) and node.func.id == name)
                values = [*node.args, *(k.value for k in node.keywords)]
                handed = handed or (OTHER_PROCESS.search(ast.unparse(node.func)) is not None
                                    and any(isinstance(v, ast.Name) and v.id == name for v in values))
        return name if handed and not called else None

    def makes_session(self) -> bool:
        """Whether the module makes a session itself (rather than running one it is handed)."""
        return any((self.context.call_name(call) or "").rsplit(".", 1)[-1] in SESSIONS
                   for call in self.context.facts.graph_calls)

    def graph_seed_fix(self, statement: str, calls: list[ast.Call]) -> Fix | None:
        """The graph-level seed where the graph that runs is made: after each
        `reset_default_graph()` and first in each `with tf.Graph().as_default():` block (a seed
        set before them goes to a graph the program throws away), else after the imports."""
        if not statement:
            return None
        blocks = [item for item, block in zip(self.graph_blocks, self.graph_withs, strict=True)
                  if self.runs_its_graph(block)]
        if not self.resets and not blocks:
            return insert_where_it_runs(self.context, calls, "set the graph-level seed", statement)
        edits = [Edit(EditAction.INSERT_AFTER_STATEMENT, self.context.span(reset), text=statement)
                 for reset in self.resets]
        if self.resets and 0 < self.first_graph_line < min(reset.lineno for reset in self.resets):
            edits.append(Edit(EditAction.INSERT_AFTER_IMPORTS, text=statement))  # a graph built before them
        elif not self.resets and self.draws_in_default_graph:
            # (a notebook drawing in the default graph between its `with tf.Graph()` blocks: a
            # default graph left unseeded makes enable_op_determinism raise on its random ops)
            edits.append(Edit(EditAction.INSERT_AFTER_IMPORTS, text=statement))
        edits += [Edit(EditAction.INSERT_AT_BLOCK_START, self.context.span(block), text=statement)
                  for block in blocks]
        return Fix(FixSafety.SAFE, "set the graph-level seed in each graph the program builds", tuple(edits))

    def host_seeds(self, draws: list[RandomUse]) -> list[tuple[str, tuple[str, ...]]]:
        """The calls seeding the generators outside TensorFlow the program draws from (NumPy noise
        fed to the graph): a graph seed never reaches them. Empty unless each can be spelled."""
        seeds = [seed_generator(self.context, rng) for rng in sorted({use.rng for use in draws} - {RNG.TENSORFLOW})]
        return seeds if all(statement for statement, _ in seeds) else []

    def with_host_seeds(self, fix: Fix | None, host: list[tuple[str, tuple[str, ...]]], calls: list[ast.Call]) -> Fix:
        """The graph seed's fix (if any) with the host generators' seeds where the program starts."""
        extra = [found for statement, imports in host
                 if (found := insert_where_it_runs(self.context, calls, "seed", statement, imports))]
        edits = tuple(edit for found in extra for edit in found.edits)
        imports = tuple(line for found in extra for line in found.imports)
        if fix is None:
            return Fix(FixSafety.SAFE, "seed the generators the program draws from", edits, imports)
        return Fix(fix.safety, f"{fix.description}, and seed the generators the program draws from",
                   (*fix.edits, *edits), (*fix.imports, *imports))

    def runs_its_graph(self, block: ast.With) -> bool:
        """Whether the graph of a `with` block may run: the block opens a session or runs one, or
        its graph outlives it (bound by `as`, returned, kept on an attribute); not a throwaway
        `with tf.Graph().as_default():` that only reads static shapes."""
        if any(item.optional_vars is not None for item in block.items):
            return True
        entered = block.items[0].context_expr
        if not (isinstance(entered, ast.Call) and isinstance(entered.func, ast.Attribute)
                and isinstance(entered.func.value, ast.Call)):
            return True  # `with graph.as_default():`, a session: a graph the program keeps
        for node in (inner for statement in block.body for inner in ast.walk(statement)):
            if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None and (
                    self.holds_tensors(node.value, block)):
                return True
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                    "run", "eval", "train", "fit", "as_graph_def", "export_meta_graph"):
                return True
            if isinstance(node, ast.Call) and (self.context.call_name(node) or "").rsplit(".", 1)[-1] in SESSIONS:
                return True
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                return True  # `self.logits = ...`: the graph's tensors kept beyond the block
        return False

    def holds_tensors(self, value: ast.expr, block: ast.With) -> bool:
        """Whether a returned value holds the block's tensors: a TensorFlow call's result, or a
        name the block bound to one (not `[v.shape.as_list() for v in tf.global_variables()]`)."""
        if isinstance(value, ast.Call) and (self.context.call_name(value) or "").startswith("tensorflow"):
            return True
        outputs = self.graph_outputs(block)
        return any(isinstance(node, ast.Name) and node.id in outputs for node in ast.walk(value))

    def graph_outputs(self, block: ast.With) -> set[str]:
        """Names the block binds to TensorFlow calls' results (tensors of its graph)."""
        return {target.id for statement in block.body for node in ast.walk(statement)
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and (self.context.call_name(node.value) or "").startswith("tensorflow")
                for target in node.targets if isinstance(target, ast.Name)}

    def runs_training(self, call: ast.Call) -> bool:
        """Whether a session run fetches what looks like a training step or an initializer
        built elsewhere (`sess.run(self.train_op)`, `sess.run(init)`), not a constant."""
        fetched = self.context.source.segment(self.context.span(call.args[0])) if call.args else ""
        if call.args and self.initializes_input(call.args[0]):
            return False  # `sess.run(init_op)` of `init_op = iterator.make_initializer(dataset)`
        return any(DRAWING_FETCH.search(word) and "local" not in word.lower()  # local variables count epochs
                   for word in re.findall(r"\w+", fetched))

    def model_built_elsewhere(self) -> bool:
        """Whether what an initializer or training fetch runs may be built outside the module: by
        a module of the program it imports whose code makes variables or layers, or by a library
        the audit cannot read. Not where it imports only TensorFlow, the standard library, data
        libraries and program modules that build nothing (bert-as-service's example4: a dataset
        mapped through a BertClient, whose `global_variables_initializer()` has nothing to do)."""
        memo = self.context.memo
        if "model_built_elsewhere" not in memo:  # (asked for each session run: read once)
            memo["model_built_elsewhere"] = self.imports_model_code()
        return bool(memo["model_built_elsewhere"])

    def imports_model_code(self) -> bool:
        project = self.context.project
        path = self.context.source.path
        used = {node.id for node in ast.walk(self.context.tree) if isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)}
        for statement in ast.walk(self.context.tree):  # (a program module imported and never used builds nothing)
            if isinstance(statement, ast.Import):
                bound = [(alias.name, alias.asname or alias.name.split(".")[0]) for alias in statement.names]
            elif isinstance(statement, ast.ImportFrom):  # (`from pkg import module`: that module, else pkg)
                bound = [(f"{statement.module or ''}.{alias.name}".lstrip("."), alias.asname or alias.name)
                         for alias in statement.names]
            else:
                continue
            for module, name in bound:
                level = getattr(statement, "level", 0) or 0
                found = project.resolve(path, module, level) or (
                    project.resolve(path, module.rsplit(".", 1)[0], level) if "." in module else None)
                if found is not None and name in used and MODEL_TEXT.search(project.text(found)):
                    return True
        for statement in ast.walk(self.context.tree):
            names = ([alias.name for alias in statement.names] if isinstance(statement, ast.Import)
                     else [statement.module] if isinstance(statement, ast.ImportFrom) and statement.module
                     and not statement.level else [])
            for name in names:
                root = name.split(".")[0]
                if root not in KNOWN_LIBRARY_ROOTS and root not in sys.stdlib_module_names \
                        and root not in NON_TF_LIBRARIES and project.locate(path, name) is None:
                    return True  # a library the audit does not read
        return False

    def initializes_input(self, fetched: ast.expr) -> bool:
        """A dataset iterator's initializer (`iterator.make_initializer(ds)`, `iterator.initializer`),
        fetched directly or through the name it is bound to: it starts reading data, and draws
        nothing a graph seed would fix (a shuffle in the dataset is a random op of its own)."""
        from estimator_audit.migrate.lookup import scopes  # scope tables, for such runs only

        value = scopes(self.context).reaching_value(fetched) if isinstance(fetched, ast.Name) else fetched
        if isinstance(value, ast.Call):
            value = value.func
        return isinstance(value, ast.Attribute) and value.attr in ("make_initializer", "initializer")

    def built_seeded(self, call: ast.Call) -> bool:
        """`model = build_model(config); model.fit(...)` where the program's builder seeds every
        generator first (`keras.utils.set_random_seed(config.tf_random_seed)`, as the premade
        rewrite writes it): the model it returns starts from that seed."""
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        made = self.context.assigned_value(receiver) if isinstance(receiver, ast.Name) else None
        if not isinstance(made, ast.Call):
            return False
        from estimator_audit.migrate.lookup import called  # whole-program lookup, for such calls only

        found = called(self.context, made)
        if found is None or not isinstance(found.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        return any(isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
                   and RNG.TENSORFLOW in SEEDING_CALLS.get(
                       found.context.names.qualified_name(statement.value.func) or "", frozenset())
                   for statement in found.node.body)

    def trained_estimator(self, call: ast.Call) -> ast.expr | None:
        """The estimator that `est.train(...)` or `train_and_evaluate(est, ...)` trains."""
        if self.context.call_name(call) in TF1_TRAINING_LOOPS:
            return None  # `slim.learning.train(train_op, logdir)`: a graph's training loop
        if isinstance(call.func, ast.Attribute) and (call.func.attr == "train" or (
                call.func.attr == "fit" and any(k.arg == "input_fn" for k in call.keywords))):
            return call.func.value  # `fit(input_fn=...)`: a tf.contrib.learn estimator
        if (self.context.call_name(call) or "").endswith(".train_and_evaluate"):
            estimator = argument(call, "estimator", ("estimator", "train_spec", "eval_spec"))
            return estimator if isinstance(estimator, ast.expr) else None
        return None

    def trains_seeded_estimator(self, call: ast.Call) -> bool:
        """An estimator training whose estimator is seeded by its RunConfig."""
        estimator = self.trained_estimator(call)
        named = isinstance(estimator, ast.Name)
        constructor = self.context.assigned_value(estimator) if named else estimator  # type: ignore[arg-type]
        return isinstance(constructor, ast.Call) and self.context.facts.estimator_seeded(constructor) is True
