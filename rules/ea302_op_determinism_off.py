"""
## What it does
Flags a module that trains (as EA201 defines it; a session's `run` trains when the module
builds an update op, `minimize`, `apply_gradients` or `gradients`, or fetches one by name, such
as `model.train_op`: restoring a checkpoint, inference and benchmarks do not) but never calls
`tf.config.experimental.enable_op_determinism()` and never sets `TF_DETERMINISTIC_OPS`.
Reported once, at the first training call. In a library module (imported by the program's
other modules or part of a package, with no `__main__` block, training only inside functions
and classes) no fix is offered: enabling op determinism at import time would switch every
importing program. Not flagged in a module that hides every GPU
(`os.environ["CUDA_VISIBLE_DEVICES"] = ""` or `"-1"`, a session made with
`ConfigProto(device_count={"GPU": 0})`: on the CPU the kernels it is about do not
run), nor one that runs Keras 3 on JAX or PyTorch (`os.environ["KERAS_BACKEND"] = "jax"`) or
Keras 1/2 on Theano or CNTK, whose kernels TensorFlow's switch does not reach, nor one whose graph runs in `with
tf.device("/cpu:0"), tf.Session():` (here or in a module importing it) or whose session is
made, with the graph it trains, inside a `with tf.device("/cpu:0"):` block, nor one whose session (here
or in a module importing it) sees CPUs and parameter servers only (a distributed worker's
`ConfigProto(device_filters=["/job:ps", "/job:worker/task:0/cpu:0"])`), nor one that trains on TPUs
only (a TPU strategy or cluster resolver made unconditionally, or a TPUEstimator given
`use_tpu=True`, and no strategy that runs on GPUs: a `MirroredStrategy` fallback or a
`use_tpu=FLAGS.use_tpu` trains on GPUs too). Severity info:
it matters on GPUs, where several
kernels (reductions with atomics, cuDNN convolutions' algorithm choice, scatter ops) are
nondeterministic by default.

## Why is this bad?
Seeds fix what is drawn; they do not fix the order in which floating-point sums are
accumulated on a GPU. Without op determinism, two seeded runs on the same GPU can drift apart
after the first step.

## How it was verified
The docstring of `tf.config.experimental.enable_op_determinism` in TensorFlow 2.21
(`tensorflow/python/framework/config.py`) says: "By default, op determinism is not enabled, so
ops might return different results when run with the same inputs ... Most of these cases of
nondeterminism occur on GPUs". Calling it on TensorFlow 2.21 on a CPU succeeded. There is no GPU
on the machines this project is tested on, so the GPU drift itself was not reproduced here.

## Example
```python
import keras

keras.utils.set_random_seed(42)
model.fit(x, y)
```

## Use instead
```python
import keras
import tensorflow as tf

keras.utils.set_random_seed(42)
tf.config.experimental.enable_op_determinism()
model.fit(x, y)
```

## Fix safety
Safe, and offered only when the module sets a global seed (after EA201's fix, it does): with op
determinism on, a random op without a seed raises `RuntimeError: Random ops require a seed to
be set when determinism is enabled` (checked on TensorFlow 2.21). It can make training slower
on a GPU, and it raises on ops that have no deterministic kernel (see EA304), which is the
point. It needs the file's `import tensorflow as tf` (any alias). Not offered where a random op
or training comes before the first seed (a notebook seeding in a late cell): they would raise;
nor in a test module (`test_*.py`, `*_test.py`, under `tests/`): pytest imports them all into one
process, and the switch would make other tests' unseeded random ops raise `RuntimeError: Random
ops require a seed to be set when determinism is enabled` (checked on TF 2.21).
"""

import ast
import re
from collections.abc import Iterator

from estimator_audit.check import ModuleContext
from estimator_audit.findings import Fix, FixSafety, Severity
from estimator_audit.fixes import insert_where_it_runs, top_level_alias
from estimator_audit.knowledge.calls import call_text, string_value
from estimator_audit.knowledge.determinism import NON_TENSORFLOW_BACKENDS, keras_backend
from estimator_audit.knowledge.facts import SESSION_CLASSES
from estimator_audit.knowledge.graph_mode import imported_private_graph
from estimator_audit.knowledge.program import handed_on_by_importer, imported_library, test_module
from estimator_audit.rule import Invalid, Rule, Valid

ENABLE = frozenset({"tensorflow.config.experimental.enable_op_determinism"})


# `os.environ["CUDA_VISIBLE_DEVICES"] = ""` (or "-1"), by item or setdefault: no GPU is visible.
# A session opened with the graph pinned to the CPU: `with tf.device("/cpu:0"), tf.Session() as sess:`,
# the session's graph pinned in the same `with` (`with tf.Session(graph=g) as sess, g.device("/cpu:0"):`),
# or a session block whose first statement pins what follows (`with tf.device("/cpu:0"):`).
# Distribution strategies that train on GPUs (or the CPU), beside or instead of a TPU.
GPU_STRATEGIES = frozenset({"MirroredStrategy", "MultiWorkerMirroredStrategy", "OneDeviceStrategy",
                            "CentralStorageStrategy", "ParameterServerStrategy", "get_strategy"})
CPU_DEVICES = frozenset({"/cpu:0", "/CPU:0", "/device:CPU:0", "cpu:0", "CPU:0"})
CPU_SESSION = re.compile(r"""device\(\s*['"]/(?:cpu|CPU):0['"]\s*\)\s*,\s*[\w.]*Session\("""
                         r"""|Session\([^\n]*\)\s+as\s+\w+\s*,\s*[\w.]*device\(\s*['"]/(?:cpu|CPU):0['"]\s*\)"""
                         r"""|Session\([^\n]*:[ \t]*(?:#[^\n]*)?\n\s*with\s+[\w.]*device\(\s*['"]/(?:cpu|CPU):0['"]\s*\)\s*:""")
# Keras 3 on JAX or PyTorch: TensorFlow's op determinism does not reach their kernels.
# A session configured without GPUs: `tf.ConfigProto(device_count={'GPU': 0})`.
NO_GPU_SESSION = re.compile(r"""device_count\s*=\s*\{\s*['"]GPU['"]\s*:\s*0\s*\}""")
# Ops placed on a GPU by name: `tf.device('/gpu:%d' % i)`, `tf.device("/device:GPU:0")`.
GPU_DEVICE = re.compile(r"""device\(\s*[fF]?['"][^'"\n]*gpu""", re.IGNORECASE)
# A session whose device filters show it CPUs and parameter servers only (distributed A3C workers'
# `ConfigProto(device_filters=["/job:ps", "/job:worker/task:{}/cpu:0".format(task)])`).
DEVICE_FILTERS = re.compile(r"device_filters\s*=\s*\[([^\]]*)\]")
NO_GPU = re.compile(r"""CUDA_VISIBLE_DEVICES['"]\s*(?:\]\s*=|,)\s*['"](?:-1)?['"]""")


def calls_with_condition(tree: ast.AST) -> Iterator[tuple[ast.Call, bool]]:
    """Every call, with whether it runs only under a condition (in an `if`, a `try` or an
    `except`, a conditional expression)."""
    def walk(node: ast.AST, conditional: bool) -> Iterator[tuple[ast.Call, bool]]:
        if isinstance(node, ast.Call):
            yield node, conditional
        inner = conditional or isinstance(node, (ast.If, ast.Try, ast.IfExp, ast.ExceptHandler))
        for child in ast.iter_child_nodes(node):
            yield from walk(child, inner)

    return walk(tree, False)


class OpDeterminismOff(Rule):
    code = "EA302"
    name = "op-determinism-off"
    severity = Severity.INFO
    summary = "A training module that never enables op determinism."
    fix_safety = FixSafety.SAFE
    triggers = ("fit", "train", "run", "apply_gradients")
    valid = (
        Valid(
            """
            import numpy as np
            import tensorflow as tf

            class SvdWrapper:  # a cached decomposition refreshed by an assign op named `update`
                def __init__(self, target):
                    self.s = tf.Variable(np.zeros(3, dtype=np.float32))
                    svd_s, _, _ = tf.linalg.svd(target)
                    self.update_tf_op = tf.group(self.s.assign(svd_s))

                def update(self, sess):
                    sess.run(self.update_tf_op)

            with tf.compat.v1.Session() as sess:
                model_is_train = tf.Variable(True, trainable=False)
                sess.run(tf.compat.v1.assign(model_is_train, tf.constant(False)))  # evaluation mode
                SvdWrapper(tf.eye(3)).update(sess)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from sklearn.feature_extraction.text import TfidfVectorizer

            class TextMatcher:
                def __init__(self):
                    self.vectorizer = TfidfVectorizer(ngram_range=(1, 2))

                def train(self, texts):
                    self.vectorizer.fit(texts)  # scikit-learn's fit
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def refresh_accumulators(sess, generated):  # an evaluation: flips switches, trains nothing
                update_switches = [v for v in tf.compat.v1.global_variables() if "accu" in v.name]
                sess.run([tf.compat.v1.assign(v, 1) for v in update_switches])
                sess.run(generated)

            with tf.compat.v1.Session() as sess:
                refresh_accumulators(sess, images)
            """
        ),
        Valid(
            """
            import os
            import keras

            def train(x, y):
                model = keras.Sequential([keras.layers.Dense(1)])
                model.fit(x, y)

            if __name__ == "__main__":
                os.environ["CUDA_VISIBLE_DEVICES"] = ""  # before train() runs: no GPU
                train(x, y)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def run_on_cpu(train_op, steps):
                config = tf.compat.v1.ConfigProto(device_count={"GPU": 0})  # no GPU for this session
                with tf.compat.v1.Session(config=config) as sess:
                    for _ in range(steps):
                        sess.run(train_op)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            g = tf.Graph()
            with tf.compat.v1.Session(graph=g) as sess, g.device("/cpu:0"):  # the graph pinned to the CPU
                tf.compat.v1.set_random_seed(1)
                v = tf.compat.v1.get_variable("v", [3])
                sess.run(tf.compat.v1.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(v * v)))
            """
        ),
        Valid(
            """
            import tensorflow as tf

            class Certificate:
                def compute(self, feed):  # evaluates an objective: `unconstrained` is not `train`
                    return self.sess.run(self.unconstrained_objective, feed_dict=feed)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def evaluate_checkpoint(tensors, update_op, checkpoint):  # update_op: the metrics'
                saver = tf.compat.v1.train.Saver()
                with tf.compat.v1.Session() as sess:
                    saver.restore(sess, checkpoint)
                    for _ in range(10):
                        sess.run([tensors, update_op])
            """
        ),
        Valid(
            """
            import tensorflow as tf
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu="grpc://10.0.0.2:8470")
            strategy = tf.distribute.TPUStrategy(resolver)
            with strategy.scope():
                model = build_model()
            model.fit(dataset, epochs=3)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            tf.compat.v1.disable_v2_behavior()
            nodes = tf.compat.v1.placeholder(tf.float32, [None, 4])
            updated_nodes = tf.compat.v1.layers.dense(nodes, 4)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                print(sess.run(updated_nodes, {nodes: [[1.0, 2.0, 3.0, 4.0]]}))
            """
        ),
        Valid(
            """
            import tensorflow as tf

            with tf.device("/cpu:0"):  # the session and its whole graph made on the CPU
                sess = tf.compat.v1.Session()
                x = tf.compat.v1.placeholder(tf.float32, [None, 3])
                loss = tf.reduce_sum(tf.compat.v1.layers.dense(x, 1))
                train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
                sess.run(tf.compat.v1.global_variables_initializer())
                sess.run(train_op, {x: [[1.0, 2.0, 3.0]]})
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def main(_):
                with tf.Graph().as_default(), tf.compat.v1.Session() as session:
                    with tf.device("/cpu:0"):  # every op on the CPU: no GPU kernel runs
                        model = Word2Vec(options, session)
                    for _ in range(options.epochs_to_train):
                        session.run(model.train_op)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            class TPUEstimator(tf.compat.v1.estimator.Estimator):  # a vendored library class
                def train(self, input_fn, hooks=None, steps=None, max_steps=None):
                    return super(TPUEstimator, self).train(input_fn, hooks=hooks, steps=steps,
                                                           max_steps=max_steps)
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            tf.disable_v2_behavior()
            saver = tf.train.Saver()
            with tf.Session() as sess:
                saver.restore(sess, "model.ckpt")
                print(sess.run(logits, feed_dict={images: batch}))
            """
        ),
        Valid(
            """
            import tensorflow as tf
            tf.config.experimental.enable_op_determinism()
            model.fit(x, y)
            """
        ),
        Valid(
            """
            import os
            os.environ["TF_DETERMINISTIC_OPS"] = "1"
            import tensorflow as tf
            model.fit(x, y)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.predict(x)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            accuracy, update_op = tf.compat.v1.metrics.accuracy(labels, predictions)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.local_variables_initializer())
                for batch in batches:
                    sess.run(update_op, feed_dict=batch)
                sess.run(metric_update_ops)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            x = tf.Variable(2.0)
            grad_z = tf.compat.v1.gradients(3.0 + (2.0 * x ** 3) ** 2, [x])
            with tf.compat.v1.Session() as sess:
                sess.run(x.initializer)
                print(sess.run(grad_z))
            """
        ),
        Valid(
            """
            import os
            os.environ["CUDA_VISIBLE_DEVICES"] = ""
            import tensorflow as tf
            tf.random.set_seed(1)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.fit(x, y)
            """
        ),
        Valid(
            """
            import os
            os.environ["KERAS_BACKEND"] = "jax"
            import keras
            keras.utils.set_random_seed(1)
            model = keras.Sequential([keras.layers.Dense(1)])
            model.fit(x, y)
            """
        ),
        Valid(
            """
            import os
            os.environ["KERAS_BACKEND"] = "theano"  # Keras 1/2 on Theano: no TensorFlow kernel runs
            import numpy as np
            np.random.seed(1)
            from keras.models import Sequential
            model = Sequential()
            model.fit(x, y, nb_epoch=1)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            tf.compat.v1.set_random_seed(1)
            with tf.device("/cpu:0"), tf.compat.v1.Session() as sess:
                train_op = build_model()
                sess.run(train_op)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            class Agent:
                def set_params(self):  # hyperparameters read back: `optimizer` is a value, not an op
                    [lrn_rate, optimizer] = self.sess.run([self.model.lrn_rate, self.model.optimizer])
                    if optimizer != "adam":
                        self.sess.run(self.model.assign_ops)

            class Data:
                def set_handles(self, sess):  # a dataset iterator's handle, whatever its name says
                    self.handle = sess.run(self.train_iterator.string_handle())
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def run_worker(task, server, train_op):
                # each worker sees the parameter servers and its own CPU only
                config = tf.compat.v1.ConfigProto(device_filters=["/job:ps", "/job:worker/task:{}/cpu:0".format(task)])
                with tf.compat.v1.train.MonitoredTrainingSession(server.target, config=config) as sess:
                    sess.run(train_op)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            tf.compat.v1.set_random_seed(1)

            def build(loss):  # the update op returned in a dict, fetched by its key
                return {"loss": loss, "optimizer": tf.compat.v1.train.AdamOptimizer().minimize(loss)}

            def train(session, model):
                for step in range(100):
                    session.run(model["optimizer"])
            """,
            at=((9, 9),),
        ),
        Invalid(
            """
            import tensorflow as tf

            class Seq2SeqModel:  # TensorFlow's translate tutorial: one update op per bucket
                def __init__(self, losses, params):
                    tf.compat.v1.set_random_seed(1)
                    opt = tf.compat.v1.train.GradientDescentOptimizer(0.5)
                    self.losses = losses
                    self.updates = []
                    for loss in losses:
                        self.updates.append(opt.apply_gradients(zip(tf.gradients(loss, params), params)))

                def step(self, session, feed, bucket_id, forward_only):
                    if not forward_only:
                        output_feed = [self.updates[bucket_id], self.losses[bucket_id]]
                    else:
                        output_feed = [self.losses[bucket_id]]
                    return session.run(output_feed, feed)

            def build(loss):
                return {"loss": loss, "optimizer": tf.compat.v1.train.AdamOptimizer().minimize(loss)}

            def train(session, model):
                session.run(model["optimizer"])
            """,
            at=((17, 16),),
        ),
        Invalid(
            """
            import tensorflow as tf

            def test_reader_trains():
                tf.random.set_seed(42)
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                model.fit(x, y, epochs=1)
            """,
            filename="tests/test_reader.py",
            at=((6, 5),),
            message="no automatic fix: pytest imports every test module into one process",
        ),
        Invalid(
            """
            import tensorflow as tf
            tf.compat.v1.set_random_seed(1)

            def run_epoch(session, model, data, eval_op):
                for x, y in data:
                    cost, _ = session.run([model.cost, eval_op], {model.x: x, model.y: y})  # the caller's op

            with tf.compat.v1.Session() as session:
                session.run(tf.compat.v1.global_variables_initializer())
                run_epoch(session, train_model, train_data, train_model.train_op)
                run_epoch(session, valid_model, valid_data, tf.no_op())
            """,
            at=((6, 19),),
        ),
        Invalid(
            """
            import tensorflow as tf

            if FLAGS.use_tpu:
                estimator = tf.compat.v1.estimator.tpu.TPUEstimator(model_fn=model_fn, use_tpu=True)
            else:  # the GPU fallback trains on GPUs
                estimator = tf.estimator.Estimator(model_fn=model_fn)
            estimator.train(input_fn, steps=10)
            """,
            at=((7, 1),),
            target="2.15",
        ),
        Invalid(
            """
            import tensorflow as tf
            tf.compat.v1.set_random_seed(1)
            with tf.Graph().as_default(), tf.device("/cpu:0"):
                towers = []
                for i in range(2):
                    with tf.device("/gpu:%d" % i):  # each tower's forward and backward pass on a GPU
                        towers.append(opt.compute_gradients(tower_loss(i)))
                train_op = opt.apply_gradients(average(towers))
                with tf.compat.v1.Session() as sess:
                    sess.run(train_op)
            """,
            at=((10, 9),),
        ),
        Invalid(
            """
            import tensorflow as tf

            def main():
                train_op = tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss)
                supervisor = tf.Supervisor(logdir="/tmp/run")  # TF 0.x's name for tf.train.Supervisor
                sess = supervisor.prepare_or_wait_for_session()
                for _ in range(10):
                    sess.run([train_op, loss])
            """,
            at=((8, 9),),
        ),
        Invalid(
            """
            import tensorflow as tf

            class Trainer:
                def __init__(self, loss, ema_op):
                    self.loss = loss
                    self.opt = tf.compat.v1.train.AdagradOptimizer(0.1)
                    opt_op = self.opt.apply_gradients(self.opt.compute_gradients(loss))
                    with tf.control_dependencies([opt_op]):
                        self.train_op = tf.group(ema_op)  # running it runs the update

                def step(self, sess, feed):
                    return sess.run([self.loss, self.train_op], feed_dict=feed)
            """,
            at=((12, 16),),
        ),
        Invalid(
            """
            import tensorflow as tf

            class Solver:
                def _train(self):  # the update op comes from a helper method
                    optimizer = tf.compat.v1.train.MomentumOptimizer(0.01, 0.9)
                    return optimizer.apply_gradients(optimizer.compute_gradients(self.loss))

                def construct_graph(self):
                    self.images = tf.compat.v1.placeholder(tf.float32, [None, 4])
                    self.loss = tf.reduce_mean(self.images)
                    self.train_op = self._train()

                def solve(self, batches):
                    sess = tf.compat.v1.Session()
                    for batch in batches:
                        sess.run([self.train_op, self.loss], feed_dict={self.images: batch})
            """,
            at=((16, 13),),
            message="this module trains (sess.run)",
        ),
        Invalid(
            """
            import tensorflow as tf

            def train(batches):
                x = tf.compat.v1.placeholder(tf.float32, [None, 3])
                step = tf.compat.v1.train.AdamOptimizer(0.1).minimize(tf.reduce_mean(x))
                with tf.control_dependencies([step]):
                    train_op = tf.no_op()  # running it runs the update
                with tf.compat.v1.Session() as sess:
                    for batch in batches:
                        sess.run(train_op, feed_dict={x: batch})
            """,
            at=((10, 13),),
            message="this module trains (sess.run)",
        ),
        Invalid(
            """
            import tensorflow as tf

            class LFADS:
                def __init__(self, opt, loss, grads):
                    self.train_op = opt.apply_gradients(grads)

                def train_epoch(self, datasets):
                    return self.run_epoch(datasets, [self.loss, self.train_op])  # its 2nd argument runs

                def run_epoch(self, datasets, ops_to_eval):
                    session = tf.compat.v1.get_default_session()
                    return [session.run(ops_to_eval, feed_dict=batch) for batch in datasets]
            """,
            at=((8, 16),),
        ),
        Invalid(
            """
            import tensorflow as tf

            class SAC:
                def setup(self, policy_loss, value_loss):
                    policy_train_op = tf.compat.v1.train.AdamOptimizer().minimize(policy_loss)
                    self.step_ops = [policy_loss, value_loss, policy_train_op]  # run through the attribute

                def train_step(self, feed_dict):
                    return self.sess.run(self.step_ops, feed_dict)
            """,
            at=((9, 16),),
        ),
        Invalid(
            """
            import tensorflow as tf

            class Agent:  # the session is the network's, made in another module
                def __init__(self, net):
                    self.net = net
                    self.train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(net.loss)

                def train(self, x):
                    self.evaluate([self.train_op], x)

                def evaluate(self, tensors, x):
                    return self.net.session.run(tensors, feed_dict={self.net.x: x})
            """,
            at=((9, 9),),
        ),
        Invalid(
            """
            import tensorflow as tf
            import mylib

            def train(sess, loss, feed):
                fetches = {"loss": loss}
                fetches["train_op"] = mylib.get_train_op(loss)  # the update op, added to the dict
                return sess.run(fetches, feed)
            """,
            at=((7, 12),),
        ),
        Invalid(
            """
            import os
            import subprocess
            import keras

            keras.utils.set_random_seed(42)
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile("sgd", "mse")
            model.fit(x, y)  # on the GPU
            os.environ["CUDA_VISIBLE_DEVICES"] = "-1"  # for the workers started next, not for this process
            subprocess.run(["python", "worker.py"])
            """,
            at=((8, 1),),
        ),
        Invalid(
            """
            import tensorflow as tf
            try:
                resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
                strategy = tf.distribute.TPUStrategy(resolver)
            except ValueError:  # no TPU here: the GPUs of this machine
                strategy = tf.distribute.MirroredStrategy()
            with strategy.scope():
                model = build_model()
            model.fit(dataset, epochs=3)
            """,
            at=((9, 1),),
        ),
        Invalid(
            """
            import tensorflow as tf
            with tf.Graph().as_default(), tf.device("/cpu:0"), tf.compat.v1.Session() as sess:
                features = sess.run(tf.constant([1.0]))  # only this session is pinned to the CPU
            with tf.Graph().as_default(), tf.compat.v1.Session() as sess:
                tf.compat.v1.set_random_seed(1)
                w = tf.Variable(tf.random.normal([3, 1]))
                step = tf.compat.v1.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(w))
                sess.run(step)
            """,
            at=((8, 5),),
        ),
        Invalid(
            """
            import tensorflow as tf

            def train(ops):
                with tf.compat.v1.Session() as sess:
                    for _ in range(100):
                        run_ops = [ops["loss"], ops["train_op"]]
                        loss, _ = sess.run(run_ops)  # the training run: its fetches are listed above
            """,
            at=((7, 23),),
        ),
        Invalid(
            """
            import tensorflow as tf
            x = tf.random.normal((3, 3))
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.fit(x, y)
            tf.random.set_seed(1)
            """,
            at=((4, 1),),
        ),
        Invalid(
            """
            import tensorflow as tf
            tf.compat.v1.set_random_seed(1)
            with tf.compat.v1.Session() as sess:
                sess.run(train_init_op)
                for step in range(100):
                    sess.run(model.train_op)
            """,
            at=((6, 9),),
        ),
        Invalid(
            """
            import tensorflow as tf
            tf.random.set_seed(1)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.fit(x, y)
            """,
            at=((4, 1),),
            message="enable_op_determinism",
            fixed="""
            import tensorflow as tf
            tf.config.experimental.enable_op_determinism()
            tf.random.set_seed(1)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.fit(x, y)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            tf.config.experimental.enable_op_determinism  # referenced, never called
            est = tf.estimator.LinearRegressor(cols, config=tf.estimator.RunConfig(tf_random_seed=1))
            est.train(input_fn=train_fn)
            """,
            at=((4, 1),),
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        text = context.source.text
        # Op determinism is about GPU kernels: a program that hides every GPU runs on the CPU.
        hidden = NO_GPU.search(text) if "CUDA_VISIBLE_DEVICES" in text else None
        # (hiding the GPUs after training has started hides them from child processes only)
        self.gpus_hidden_at = text.count("\n", 0, hidden.start()) + 1 if hidden is not None else None
        self.enabled = "TF_DETERMINISTIC_OPS" in text or (
            "device_count" in text and NO_GPU_SESSION.search(text) is not None) or (
            keras_backend(text) in NON_TENSORFLOW_BACKENDS)

    def visit_Call(self, node: ast.Call) -> None:
        if self.context.call_name(node) in ENABLE:
            self.enabled = True

    def finish(self) -> None:
        first = self.context.facts.first_training_call()
        if first is not None and self.gpus_hidden_at is not None and (
                self.gpus_hidden_at < first.lineno or self.in_function(first)):
            return  # every GPU hidden before the training runs (a function runs when called): on the CPU
        if first is not None and not self.enabled and not self.pinned_to_cpu() and not self.tpu_only():
            message = (f"this module trains ({call_text(first)}) without "
                       "tf.config.experimental.enable_op_determinism() or TF_DETERMINISTIC_OPS=1: on a "
                       "GPU, seeded runs can still differ after the first step")
            calls = self.context.facts.all_training_calls()
            library = imported_library(self.context, calls)
            handed = handed_on_by_importer(self.context, calls) if library is not None else None
            if handed is not None:  # elephas' `rdd.mapPartitions(worker.train)`
                self.report(first, f"{message}; enable it at the start of `{handed[0]}`, which {handed[1]} hands to "
                            "another process or executor to run (enabling it where the program starts never "
                            "reaches that process; no automatic fix)", None)
                return
            if library is not None:
                self.report(first, f"{message}; enable it where the program starts ({library}: enabling "
                            "it here would switch every importing program)", None)
                return
            private = imported_private_graph(self.context)
            if private is not None:
                self.report(first, f"{message} (no automatic fix: {private}, which the program imports, builds a "
                            "tf.Graph() of its own, and a new graph takes no global seed: with op determinism on, "
                            "its unseeded random ops would raise; seed inside that graph first)", None)
                return
            if test_module(self.context.source.path):
                self.report(first, f"{message} (no automatic fix: pytest imports every test module into one "
                            "process, where op determinism switched on here would make the unseeded random ops "
                            "of other tests raise; enable it inside the test, after its seed)", None)
                return
            self.report(first, message, self.fix())

    def in_function(self, call: ast.Call) -> bool:
        return any(isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                   for a in self.context.facts.ancestry.get(id(call), ()))

    def tpu_only(self) -> bool:
        """Whether the module trains on TPUs only: a TPU strategy or cluster resolver made
        unconditionally, or a TPUEstimator given `use_tpu=True` (a literal), and no strategy that
        runs on GPUs (`try: TPUStrategy(...) except ValueError: MirroredStrategy()` falls back to
        them); no GPU kernel runs on a TPU."""
        tpu = False
        for node, conditional in calls_with_condition(self.context.tree):
            name = self.context.call_name(node) or ""
            last = name.rsplit(".", 1)[-1]
            if name.startswith("tensorflow") and last in GPU_STRATEGIES:
                return False
            if name.startswith("tensorflow") and last in ("TPUStrategy", "TPUClusterResolver"):
                tpu = tpu or not conditional
            elif last == "TPUEstimator":
                literal = any(k.arg == "use_tpu" and isinstance(k.value, ast.Constant) and k.value.value is True
                              for k in node.keywords)
                if not literal:
                    return False
                tpu = tpu or not conditional  # (`if use_tpu: TPUEstimator(...) else: Estimator(...)`)
        return tpu

    def pinned_to_cpu(self) -> bool:
        """Whether the program runs its graph pinned to the CPU: every training call of the
        module inside a `with tf.device('/cpu:0'), tf.Session() as sess:` block (a CPU session
        that only extracts features beside a training session on the GPU pins nothing), or such
        a block in a module that imports this one (NTM's main.py building and training every
        task in one)."""
        context = self.context
        if GPU_DEVICE.search(context.source.text):
            return False  # towers placed on GPUs inside the CPU block (`with tf.device('/gpu:%d' % i):`)
        if "device" in context.source.text:
            lines = context.source.lines
            blocks = [(node.lineno, node.end_lineno or node.lineno) for node in ast.walk(context.tree)
                      if isinstance(node, ast.With) and (CPU_SESSION.search(
                          "\n".join(lines[node.lineno - 1:node.body[0].end_lineno or node.lineno]))
                          or self.cpu_block_with_session(node))]
            if blocks and all(any(start <= call.lineno <= end for start, end in blocks)
                              for call in context.facts.all_training_calls()):
                return True
        project = context.project
        texts = [project.text(path) for path in project.importers(context.source.path)]
        return cpu_filtered(context.source.text) or any(
            "device" in text and (CPU_SESSION.search(text) or cpu_filtered(text)) for text in texts)

    def cpu_block_with_session(self, block: ast.With) -> bool:
        """`with tf.device('/cpu:0'):` around the whole program: the session is made inside it,
        so the graph it runs is built there too, every op on the CPU."""
        pinned = any(isinstance(item.context_expr, ast.Call)
                     and (self.context.call_name(item.context_expr) or "").endswith(".device")
                     and string_value(item.context_expr.args[0] if item.context_expr.args else None) in CPU_DEVICES
                     for item in block.items)
        return pinned and any(isinstance(node, ast.Call) and (self.context.call_name(node) or "") in SESSION_CLASSES
                              for statement in block.body for node in ast.walk(statement))

    def fix(self) -> Fix | None:
        """Only after a global seed: with op determinism on, unseeded random ops raise."""
        tf = top_level_alias(self.context, "tensorflow")
        facts = self.context.facts
        seeds = facts.global_seeding_calls()
        if tf is None or not seeds or facts.seeds_lost_to_reset():
            return None  # no seed, or one a reset_default_graph() throws away (EA404): random ops would raise
        first_seed = min(seed.node.lineno for seed in seeds)
        draws = [use.node.lineno for use in facts.random_uses] + [call.lineno for call in facts.all_training_calls()]
        if any(line < first_seed for line in draws):
            return None  # determinism on after the imports would make the draws before the seed raise
        return insert_where_it_runs(self.context, self.context.facts.all_training_calls(), "enable op determinism",
                                    f"{tf}.config.experimental.enable_op_determinism()")


def cpu_filtered(text: str) -> bool:
    """Whether a session is configured to see only CPUs besides its parameter servers
    (`device_filters=["/job:ps", "/job:worker/task:{}/cpu:0".format(task)]`): the workers'
    ops run on no GPU."""
    for found in DEVICE_FILTERS.finditer(text) if "device_filters" in text else ():
        devices = [device.lower() for device in re.findall(r"""['"]([^'"]*)['"]""", found.group(1))]
        if any("cpu:" in device for device in devices) and all(
                "cpu:" in device or (device.startswith("/job:ps") and "gpu" not in device) for device in devices):
            return True
    return False
