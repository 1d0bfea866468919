"""
## What it does
Flags a module that builds and runs a TF1 graph while eager execution is on: it runs a TF1
session (`Session`, `InteractiveSession`, `MonitoredTrainingSession`, `MonitoredSession`,
`train.Supervisor`) or makes placeholders (`placeholder`, `sparse_placeholder`; not
`placeholder_with_default`, which returns its default with eager execution on) as the module runs, in any spelling (`tf.placeholder`, `tf.compat.v1.placeholder`, `import
tensorflow.compat.v1 as tf`), and neither it nor a module of the program that imports it calls
`tf.compat.v1.disable_v2_behavior()` or `disable_eager_execution()`. One finding per module, at
the first graph-only call. Placeholders made only inside functions of a module that runs no
session are left alone: an Estimator's `serving_input_fn` builds them in the graph the
Estimator makes, and a library's graph is run by the module that holds the session. Graph code
that builds in a graph of its own (inside `with graph.as_default():`, or a Session given
`graph=g`) works with eager execution on and is left alone, as is code that runs only with eager
execution off (the `else` of `if tf.executing_eagerly():`; a session's own `as_default()`
entered by hand makes it the default session, not graph mode: TF 2.21 raised on a placeholder
after it), and so are sessions that run a
graph the module loads into the default graph (`tf.import_graph_def`, `saved_model.loader.load`;
not into a graph of its own, which a plain session does not run) without making
placeholders other than those of an Estimator's serving input receiver. `import_meta_graph` and
`train.Supervisor` raise with eager execution on, even given a graph of their own
(`Supervisor(graph=g)`) outside its `as_default()` block. A session nothing runs or evaluates
(`tf.Session(address).list_devices()`, which works with eager execution on) is left alone, as
is code in the block of `with tf.compat.v1.Session():` when nothing before the `with` in its
block builds TF ops: the block runs in graph mode (TF 2.21 ran ops built inside it, and raised
`AttributeError: Tensor.graph is undefined when eager execution is enabled` for ops built
before it); and code after `tf.compat.v1.InteractiveSession(graph=g)`, which makes `g` the
default graph for good (eager execution was off after it).
It fires when the `target` setting is TensorFlow 2 or later.

## Why is this bad?
TensorFlow 2 runs eagerly, so TF1 graph code fails on its first graph-only call, even once
every name is spelled through `tf.compat.v1`: a placeholder raises `RuntimeError:
tf.placeholder() is not compatible with eager execution`, a session asked to run ops built
eagerly raises (`RuntimeError: The Session graph is empty`, or `AttributeError: Tensor.graph is
undefined when eager execution is enabled`), and
`optimizer.minimize(loss)` on a tensor raises. TensorFlow's migration guide starts TF1 code on
TensorFlow 2 with `tf.compat.v1.disable_v2_behavior()` (`tf_upgrade_v2 --mode SAFETY` swaps the
import only, which does not make such a script run).

## How it was verified
On TensorFlow 2.21 (Keras 3.15), this script
```python
import tensorflow as tf
try:
    tf.compat.v1.placeholder(tf.float32, [None, 3])
except Exception as e:
    print(type(e).__name__ + ":", e)
c = tf.constant(1.0)
try:
    with tf.compat.v1.Session() as s:
        s.run(c)
except Exception as e:
    print(type(e).__name__ + ":", e)
try:
    v = tf.Variable(1.0)
    tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(v * v)
except Exception as e:
    print(type(e).__name__ + ":", e)
tf.compat.v1.disable_v2_behavior()
x = tf.compat.v1.placeholder(tf.float32, [None, 3])
w = tf.Variable(tf.ones([3, 1]))
step = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(tf.matmul(x, w)))
with tf.compat.v1.Session() as s:
    s.run(tf.compat.v1.global_variables_initializer())
    s.run(step, {x: [[1, 2, 3]]})
    print("graph mode ok", s.run(w).ravel().tolist())
```
printed `RuntimeError: tf.placeholder() is not compatible with eager execution.`, `RuntimeError:
The Session graph is empty. Add operations to the graph before calling run().` (the constant was
built eagerly, before the `with`),
`RuntimeError: `loss` passed to Optimizer.compute_gradients should be a function when eager
execution is enabled.`, then `graph mode ok [0.9, 0.8, 0.7]` (to float32 precision). The order
matters for seeds: run twice as separate processes, a graph seeded with
`tf.compat.v1.set_random_seed(42)` after `disable_v2_behavior()` gave the same variable values
both times, and seeded before it gave different ones (the seed went to the eager context, not
to the graph), so the fix puts the switch before any seed call it finds after the imports.
With eager execution on, a placeholder, `x * 2` and a Session built inside `with
graph.as_default():`, and `tf.compat.v1.Session(graph=graph)` run outside it, printed `[2.]` and
`[4.]` for feeds of 1.0 and 2.0, and `tf.executing_eagerly()` was still True afterwards; that
graph's GraphDef loaded with `tf.import_graph_def(graph_def, name="")` and run by a plain
`tf.compat.v1.Session()` with `sess.run("y:0", {"x:0": [1.0, 2.0]})` printed `[2. 4.]`.

## Example
```python
import tensorflow as tf

x = tf.compat.v1.placeholder(tf.float32, [None, 3])
with tf.compat.v1.Session() as session:
    session.run(train_op, {x: batch})
```

## Use instead
```python
import tensorflow as tf
tf.compat.v1.disable_v2_behavior()

x = tf.compat.v1.placeholder(tf.float32, [None, 3])
with tf.compat.v1.Session() as session:
    session.run(train_op, {x: batch})
```
Or port the module to TF2 (eager code or Keras), which EA103 describes.

## Fix safety
The fix adds `disable_v2_behavior()` through the file's own name for `tensorflow.compat.v1`
(`tf.compat.v1.disable_v2_behavior()`, or `tf.disable_v2_behavior()` after `import
tensorflow.compat.v1 as tf`) after the imports of the names it uses, before any seed call there.
Safe in a module no other module of the program imports (a script, a notebook): it cannot run
under eager execution at all, and the switch changes nothing else in it. Unsafe in a module that
others import: the switch is process-wide, and TF2 code the importer runs afterwards would run
in graph mode. No fix where the module also runs TF2 code (`tf.function`, `GradientTape`, a
Keras model's `compile`/`fit`, `enable_eager_execution`): graph mode would break that code.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, ClassVar, TypeGuard

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.fixes import compat_v1_call, insert_statement, insert_where_it_runs, main_block
from estimator_audit.knowledge.calls import call_text, innermost_function, own_callee, tf_spelling
from estimator_audit.knowledge.graph_mode import (
    GRAPH_TAKING_SESSIONS,
    builds_ops,
    built_before,
    given_to_keras,
    graph_mode_only,
    in_own_graph,
)
from estimator_audit.knowledge.program import (
    OTHER_ML_LIBRARIES,
    imported_through,
    importers_through,
    modules_call,
    run_on_load,
)
from estimator_audit.knowledge.tfapi import (
    EAGER_FAILING_PLACEHOLDERS,
    EAGER_GRAPH_LOADS,
    EAGER_SWITCHES,
    SESSIONS,
    spells_eager_switch,
)
from estimator_audit.migrate.support_files import support_import
from estimator_audit.rule import Invalid, Rule, Valid
from estimator_audit.text_edits import after_imports_position

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

GRAPH_BUILDERS = SESSIONS | EAGER_FAILING_PLACEHOLDERS
# TF1 initializer makers that return None with eager execution on (TF 2.21), which Session.run refuses.
NONE_WHEN_EAGER = frozenset({"global_variables_initializer", "initialize_all_variables",
                             "local_variables_initializer", "initialize_local_variables"})
# Estimator export calls: placeholders in a function that makes one are built in the graph the
# Estimator makes when it exports, not in the default graph.
SERVING_RECEIVERS = ("ServingInputReceiver", "build_raw_serving_input_receiver_fn")
# TF2 code that graph mode would break (qualified-name prefixes, and Keras model methods).
TF2_CODE = ("tensorflow.function", "tensorflow.GradientTape", "tensorflow.compat.v1.enable_eager_execution",
            "tensorflow.compat.v1.enable_v2_behavior", "tensorflow.enable_eager_execution")
# A graph being run or evaluated somewhere in the module (not `tf.app.run(main)`).
RUNS = re.compile(r"(?<!\bapp)\.(?:run|eval|partial_run)\(")
# A session handed to code that may run it (`model.sample(sess)`, `saver.restore(sess, path)`).
HANDED_ON = re.compile(r"[(,]\s*(?:self\.)?sess(?:ion)?\w*\s*[,)]")
IMPORT_HOPS = 5  # importers of importers followed to the program that turns graph mode on
KERAS_TRAINING = frozenset({"compile", "fit", "fit_generator", "train_on_batch"})




class GraphUnderEager(Rule):
    code = "EA109"
    name = "graph-under-eager"
    severity = Severity.ERROR
    summary = "TF1 graph code (placeholders, a Session) with eager execution on: it fails on TensorFlow 2."
    triggers = ("placeholder", "Session", "Supervisor")
    fix_safety = FixSafety.SAFE
    valid: ClassVar[tuple[Valid, ...]] = (
        Valid(
            """
            import tensorflow as tf

            g = tf.Graph()
            with g.as_default():
                x = tf.compat.v1.placeholder(tf.float32, [None])
                y = x * 2
            sess = tf.compat.v1.Session("", g)  # the graph given by position: its own graph runs
            print(sess.run(y, {x: [1.0]}))
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from model_new import Seq2SeqModel, train_on_copy_task

            tf.compat.v1.reset_default_graph()
            with tf.compat.v1.Session() as session:  # graph mode inside
                model = Seq2SeqModel(bidirectional=False)
                session.run(tf.compat.v1.global_variables_initializer())
                train_on_copy_task(session, model)
            tf.compat.v1.reset_default_graph()
            with tf.compat.v1.Session() as session:  # the block before built its ops in graph mode too
                model = Seq2SeqModel(bidirectional=True)
                session.run(tf.compat.v1.global_variables_initializer())
                train_on_copy_task(session, model)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def run():
                sess = tf.compat.v1.Session()
                with sess:  # entered: its graph is the default in the block (2.0 on TF 2.21)
                    x = tf.constant(1.0) * 2
                    print(sess.run(x))

            run()
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def main():
                tf.compat.v1.reset_default_graph()  # builds nothing: the block still runs in graph mode
                with tf.compat.v1.Session() as sess:
                    x = tf.compat.v1.placeholder(tf.float32, [None, 3])
                    print(sess.run(tf.reduce_sum(x), {x: [[1.0, 2.0, 3.0]]}))  # 6.0 on TF 2.21

            main()
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def gpu_session():  # lm-human-preferences' mpi_session: the callers build in graphs of their own
                config = tf.compat.v1.ConfigProto()
                config.gpu_options.allow_growth = True
                return tf.compat.v1.Session(config=config)
            """
        ),
        Valid(
            """
            import cv2
            import tensorflow as tf

            class Net(object):
                def __init__(self, n):
                    self.n = n  # builds nothing as it is made

                def forward(self, x):
                    return tf.compat.v1.layers.dense(x, self.n)

            net = Net(3)
            image = cv2.resize(cv2.imread("a.jpg"), (4, 4))
            with tf.compat.v1.Session() as sess:  # graph mode inside: what it runs is built here
                x = tf.compat.v1.placeholder(tf.float32, [1, 3])
                sess.run(net.forward(x), {x: image})
            """
        ),
        Valid(
            """
            import tensorflow as tf

            class SessionUtilsTest(tf.test.TestCase):
                def setUp(self):
                    super().setUp()
                    if tf.executing_eagerly():
                        self.skipTest("graph mode only")  # every test skipped on TensorFlow 2

                def test_session(self):
                    x = tf.compat.v1.placeholder(tf.float32, [2])
                    with tf.compat.v1.Session() as sess:
                        sess.run(x, {x: [1.0, 2.0]})
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf

            def main():
                resolver = tf.distribute.cluster_resolver.TPUClusterResolver("")  # builds no op
                with tf.Session(target=resolver.master(), config=tf.ConfigProto()) as sess:
                    sess.run(tf.constant(1))
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from lib import compat

            def generate(dataset):
                if compat.get_tf_behavior() == 2:  # the project's own test for TF2 behaviour
                    yield from dataset.as_numpy_iterator()
                else:
                    element = tf.compat.v1.data.make_one_shot_iterator(dataset).get_next()
                    with tf.compat.v1.Session() as sess:
                        yield sess.run(element)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            config = tf.compat.v1.ConfigProto()
            config.gpu_options.allow_growth = True
            sess = tf.compat.v1.Session(config=config)  # only handed to Keras: nothing runs in it
            tf.compat.v1.keras.backend.set_session(sess)

            def main(model, batches):
                model.compile(optimizer="adam", loss="mse")
                model.fit(batches)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            class Net:
                def __init__(self, sess):
                    self.sess = sess
                    self.build_model()

                def build_model(self):  # runs only inside the session block below
                    self.x = tf.compat.v1.placeholder(tf.float32, [None, 3])
                    self.y = self.x * 2

            with tf.compat.v1.Session() as sess:
                net = Net(sess)
                sess.run(net.y, {net.x: [[1.0, 2.0, 3.0]]})
            """
        ),
        Valid(
            """
            import tensorflow as tf

            class Model:
                def __init__(self):
                    self.graph = tf.Graph()
                    with self.graph.as_default():
                        self.x = tf.compat.v1.placeholder(tf.float32)
                        self.y = self.x * 2
                        self.sess = self._init_session()  # the session is made inside the graph

                def _init_session(self):
                    return tf.compat.v1.Session()
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf
            batch = np.zeros((2, 4), dtype=np.float32)
            with tf.device("/cpu:0"):
                with tf.compat.v1.Session() as sess:
                    images = tf.compat.v1.placeholder("float", [2, 4])
                    print(sess.run(images * 2, feed_dict={images: batch}))
            """
        ),
        Valid(
            """
            import unittest
            import tensorflow.compat.v1 as tf

            class GraphTest(unittest.TestCase):
                def setUp(self):
                    self._entered = tf.Graph().as_default()
                    self._entered.__enter__()

                def test_placeholder(self):
                    x = tf.placeholder(tf.float32, [2])
                    with tf.Session() as sess:
                        self.assertEqual(len(sess.run(x, {x: [1.0, 2.0]})), 2)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            class GeneratorTest(tf.test.TestCase):
                def test_shapes(self):
                    if tf.executing_eagerly():
                        return  # graph-mode only: dead on TensorFlow 2
                    images = tf.compat.v1.placeholder(tf.float32, [None, 8])
                    with tf.compat.v1.train.MonitoredTrainingSession() as sess:
                        sess.run(images, {images: batch})
            """
        ),
        Valid(
            """
            import argparse
            import os
            import tensorflow as tf

            def parse_args():  # the program's own code, building nothing before the session
                parser = argparse.ArgumentParser()
                parser.add_argument("--steps", type=int, default=10)
                args = parser.parse_args()
                os.makedirs("out", exist_ok=True)
                return args

            def main():
                args = parse_args()
                with tf.Session() as sess:
                    x = tf.placeholder(tf.float32, [None, 2])
                    print(sess.run(tf.reduce_sum(x), feed_dict={x: [[1.0, 2.0]]}))
            """
        ),
        Valid(
            """
            import tensorflow as tf

            sess = tf.compat.v1.Session()
            with sess.graph.as_default():  # every op goes into the session's own graph
                x = tf.compat.v1.placeholder(tf.float32, [None, 2])
                total = tf.reduce_sum(x)
            print(sess.run(total, feed_dict={x: [[1.0, 2.0]]}))
            """
        ),
        Valid(
            """
            import tensorflow as tf

            sess = tf.compat.v1.Session()  # given no graph: the global one, entered below
            graph = tf.compat.v1.get_default_graph()
            with graph.as_default():
                x = tf.compat.v1.placeholder(tf.float32, [None])
                doubled = x * 2.0

            def predict(values):
                with graph.as_default():
                    return sess.run(doubled, {x: values})
            """
        ),
        Valid(
            """
            import tensorflow as tf
            with tf.io.gfile.GFile("frozen.pb", "rb") as handle:
                graph_def = tf.compat.v1.GraphDef.FromString(handle.read())
            tf.import_graph_def(graph_def, name="")
            with tf.compat.v1.Session() as sess:
                print(sess.run("scores:0", {"images:0": batch}))
            """
        ),
        Valid(
            """
            import tensorflow as tf
            graph = tf.Graph()
            with graph.as_default():
                images = tf.compat.v1.placeholder(tf.float32, [None, 28, 28])
                logits = tf.compat.v1.layers.dense(tf.reshape(images, [-1, 784]), 10)
            with tf.compat.v1.Session(graph=graph) as session:
                session.run(logits, feed_dict={images: batch})
            if tf.executing_eagerly():
                sample = next(iter(dataset))
            else:
                sample = tf.compat.v1.Session().run(dataset.make_one_shot_iterator().get_next())
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            tf.disable_v2_behavior()
            x = tf.placeholder(tf.float32, [None, 3])
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def main():
                tf.compat.v1.disable_eager_execution()
                with tf.compat.v1.Session() as session:
                    session.run(train_op)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def serving_input_fn():
                receivers = {"x": tf.compat.v1.placeholder(tf.float32, [None])}
                return tf.estimator.export.ServingInputReceiver(receivers, receivers)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def make_serving_input_receiver_fn():
                inputs = {"image": tf.compat.v1.placeholder(tf.float32, [None, 784])}
                return tf.estimator.export.build_raw_serving_input_receiver_fn(inputs)
            def graph_def(saved_model_dir):
                with tf.compat.v1.Session() as session:
                    meta_graph = tf.compat.v1.saved_model.loader.load(session, ["serve"], saved_model_dir)
                return meta_graph.graph_def
            """
        ),
        Valid(
            """
            import requests
            session = requests.Session()
            x = placeholder("text")
            """
        ),
        Valid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32)
            """,
            target="1.15",
        ),
        Valid(
            """
            import tensorflow as tf
            with tf.compat.v1.Session("grpc://10.0.0.2:8470") as session:
                print(session.list_devices())
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def main(argv):
                with tf.compat.v1.Session():
                    images = tf.io.decode_raw(read(argv[1]), tf.uint8)
                    print(images.eval())
                sess = tf.compat.v1.Session("grpc://tpu")
                with sess.graph.as_default():
                    x = tf.compat.v1.placeholder(tf.float32)
            graph = tf.Graph()
            interactive = tf.compat.v1.InteractiveSession(graph=graph)
            y = tf.compat.v1.placeholder(tf.float32)
            tf.compat.v1.app.run(main)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            import keras.backend as K
            config = tf.compat.v1.ConfigProto()
            config.gpu_options.allow_growth = True
            K.set_session(tf.compat.v1.Session(config=config))
            model.fit(x_train, y_train)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            graph = tf.Graph().as_default()
            with graph:
                sess = tf.compat.v1.Session()
                x = tf.compat.v1.placeholder(tf.float32, [None, 4])
                saver.restore(sess, checkpoint)
            print(sess.run(logits, {x: batch}))
            """
        ),
    )
    invalid: ClassVar[tuple[Invalid, ...]] = (
        Invalid(
            """
            import tensorflow as tf

            class Net(object):
                def __init__(self):
                    self.x = tf.compat.v1.placeholder(tf.float32, [None, 3])  # made as `Net()` runs below

                def fit(self, data):
                    with tf.compat.v1.Session() as sess:
                        sess.run(tf.reduce_sum(self.x), {self.x: data})

            Net().fit([[1.0, 2.0, 3.0]])
            """,
            at=((5, 18),),
            message="builds a TF1 graph (tf.compat.v1.placeholder) but eager execution is on",
        ),
        Invalid(
            """
            import tensorflow as tf
            graph_def = tf.compat.v1.GraphDef.FromString(open("model.pb", "rb").read())
            tf.import_graph_def(graph_def, name="")
            sess = tf.compat.v1.Session()
            sess.run(tf.compat.v1.global_variables_initializer())  # None when made eagerly: TypeError
            print(sess.run("output:0", {"input:0": [[1.0]]}))
            """,
            at=((5, 10),),
            message="Session.run(None) raises TypeError",
        ),
        Invalid(
            """
            import tensorflow as tf
            def sample(model, args):
                sess = tf.compat.v1.Session()
                tf.compat.v1.train.Saver().restore(sess, args.checkpoint)
                return model.sample(sess, args.num)
            """,
            at=((3, 12),),
        ),
        Invalid(
            """
            import tensorflow as tf
            from model import Model
            def train(args):
                model = Model(args)
                with tf.compat.v1.Session() as sess:
                    sess.run(model.train_op)
            def sample(args):
                model = Model(args)
                sess = tf.compat.v1.Session()
                print(model.sample(sess, args.num))
            """,
            at=((5, 10),),
        ),
        Invalid(
            """
            import tensorflow as tf
            def infer(meta_graph, checkpoint):
                saver = tf.compat.v1.train.import_meta_graph(meta_graph, clear_devices=True)
                with tf.compat.v1.Session() as sess:
                    saver.restore(sess, checkpoint)
                    return sess.run("predictions:0")
            """,
            at=((4, 10),),
        ),
        Invalid(
            """
            import tensorflow as tf
            graph = tf.Graph()
            supervisor = tf.compat.v1.train.Supervisor(graph=graph, logdir="train")
            """,
            at=((3, 14),),
        ),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.set_random_seed(1)
            X = tf.compat.v1.placeholder("float")
            with tf.compat.v1.Session() as sess:
                sess.run(train_op, feed_dict={X: np.ones(3)})
            """,
            at=((4, 5),),
            message="not compatible with eager execution",
            fixed="""
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_v2_behavior()
            tf.compat.v1.set_random_seed(1)
            X = tf.compat.v1.placeholder("float")
            with tf.compat.v1.Session() as sess:
                sess.run(train_op, feed_dict={X: np.ones(3)})
            """,
        ),
        Invalid(
            """
            from __future__ import print_function
            import tensorflow.compat.v1 as tf
            sess = tf.InteractiveSession()
            print(total.eval())
            """,
            at=((3, 8),),
            fixed="""
            from __future__ import print_function
            import tensorflow.compat.v1 as tf
            tf.disable_v2_behavior()
            sess = tf.InteractiveSession()
            print(total.eval())
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 4])

            @tf.function
            def step(batch):
                return model(batch)
            """,
            at=((2, 5),),
            message="also runs TF2 code",
        ),
        Invalid(
            """
            import tensorflow as tf

            def load_graph(graph_def):
                graph = tf.Graph()
                with graph.as_default():  # the frozen graph goes into a graph of its own...
                    tf.import_graph_def(graph_def)
                return graph

            def read_image(path):  # ...and this session runs ops built eagerly
                normalized = tf.image.decode_jpeg(tf.io.read_file(path)) / 255
                return tf.compat.v1.Session().run(normalized)
            """,
            at=((11, 12),),
        ),
        Invalid(
            """
            import tensorflow as tf
            session = tf.compat.v1.Session()
            session.as_default().__enter__()  # the default session, not graph mode
            x = tf.compat.v1.placeholder(tf.float32, [None, 4])
            print(session.run(x, {x: [[1, 2, 3, 4]]}))
            """,
            at=((2, 11),),
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        self.first: ast.Call | None = None
        self.first_name = ""  # what the first graph call calls
        self.failing: list[ast.Call] = []  # every graph call made with eager execution on
        self.eager_initializer: ast.Call | None = None  # `global_variables_initializer()` made eagerly: None
        self.runs_graph = False  # a session, or a placeholder made as the module runs
        self.switched = False
        self.tf2_code: ast.Call | ast.FunctionDef | ast.stmt | None = support_import(context)
        self.placeholders = False  # placeholders made outside a graph of their own
        self.imports_graph = False
        self.supervisor = False  # a frozen graph or meta graph loaded into the default graph

    def visit_Call(self, node: ast.Call) -> None:
        if enters_graph(self.context, node):
            self.switched = True  # `graph.as_default().__enter__()`: graph mode from here on
        name = self.context.call_name(node)
        if name is not None and name.startswith("tensorflow") and "()" not in name:
            last = name.rsplit(".", 1)[-1]
            if last in EAGER_SWITCHES:
                self.switched = True
            elif last in NONE_WHEN_EAGER and self.eager_initializer is None and not self.in_graph_mode(node):
                self.eager_initializer = node
            elif name.endswith(EAGER_GRAPH_LOADS):  # (into the default graph: not one of its own)
                self.imports_graph = self.imports_graph or not in_own_graph(self.context.ancestors, self.context)
            elif last in GRAPH_BUILDERS:
                ancestors = self.context.ancestors
                given_graph = last != "Supervisor" and (any(keyword.arg == "graph" for keyword in node.keywords) or (
                    last in GRAPH_TAKING_SESSIONS and len(node.args) > 1))  # (`Session(target, graph)`)
                if last == "InteractiveSession" and given_graph:
                    self.switched = True  # it makes its graph the default: graph mode from here on
                    return
                if given_graph or self.in_graph_mode(node) or given_to_keras(ancestors, node, self.context) or (
                        last in SESSIONS and (self.session_block_builds_its_graph(node)
                                              or self.builds_in_session_graph(node)
                                              or self.entered_later(node))):
                    return  # builds in a graph of its own, or runs only with eager execution off
                if last in EAGER_FAILING_PLACEHOLDERS and self.in_serving_function():
                    return  # built in the graph the Estimator makes to export
                if last in SESSIONS and ancestors and isinstance(ancestors[-1], ast.Return):
                    return  # a session factory (`return tf.Session(config=...)`): its callers pick the graph
                if self.first is None:  # (its name as resolved here: finish() resolves in module scope)
                    self.first, self.first_name = node, name
                self.failing.append(node)
                self.supervisor = self.supervisor or last == "Supervisor"  # raises as it is made
                self.placeholders = self.placeholders or last in EAGER_FAILING_PLACEHOLDERS
                function = next((a for a in reversed(self.context.ancestors)
                                 if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))), None)
                # (a placeholder in a function the module itself runs: `m = Net()` building its graph)
                self.runs_graph = self.runs_graph or last not in EAGER_FAILING_PLACEHOLDERS or function is None or (
                    id(function) in run_on_load(self.context))
            elif name.startswith(TF2_CODE) and self.tf2_code is None:
                self.tf2_code = node
        elif (self.tf2_code is None and isinstance(node.func, ast.Attribute) and node.func.attr in KERAS_TRAINING
              and name is not None and ".keras." in f".{name}"):
            self.tf2_code = node
        elif not self.imports_graph and self.loads_graph_for_session(node):
            self.imports_graph = True

    def in_graph_mode(self, node: ast.Call) -> bool:
        """Whether the call runs in graph mode where it is: in a graph of its own, only with eager
        execution off, in a session block that turns graph mode on, or in a function called only
        from such places."""
        ancestors = self.context.ancestors
        return (in_own_graph(ancestors, self.context) or graph_mode_only(self.context, ancestors, node)
                or self.in_graph_mode_session_block() or self.called_only_in_own_graph())

    def session_block_builds_its_graph(self, node: ast.Call) -> bool:
        """`with tf.Session() as sess:` turns graph mode on inside its block (TF 2.21: ops built
        there run, ops built before it raise AttributeError: Tensor.graph is undefined): whether
        the session is such a `with` item and nothing before it in its block builds TF ops."""
        ancestors = self.context.ancestors
        statement = next((a for a in reversed(ancestors) if isinstance(a, ast.stmt)), None)
        if not isinstance(statement, ast.With) or not any(item.context_expr is node for item in statement.items):
            return False
        owner = next((a for a in reversed(ancestors) if a is not statement and isinstance(a, ast.stmt | ast.Module)),
                     None)
        return not built_before(self.context, owner, statement)

    def entered_later(self, node: ast.Call) -> bool:
        """`sess = tf.Session()` then, in the same block, `with sess:` with nothing building ops in
        between: entering a session makes its graph the default, so the block runs in graph mode
        as `with tf.Session() as sess:` does (TensorFlow's own analyzer_cli_test)."""
        ancestors = self.context.ancestors
        holder = ancestors[-1] if ancestors else None
        block = next((getattr(a, field) for a in reversed(ancestors[:-1]) for field in ("body", "orelse")
                      if isinstance(getattr(a, field, None), list) and holder in getattr(a, field)), None)
        if not (isinstance(holder, ast.Assign) and len(holder.targets) == 1) or block is None:
            return False
        held = ast.unparse(holder.targets[0])
        later = block[block.index(holder) + 1:]
        entered = next((index for index, statement in enumerate(later) if isinstance(statement, ast.With) and any(
            ast.unparse(item.context_expr) == held for item in statement.items)), None)
        return entered is not None and not any(
            builds_ops(self.context, call) for statement in later[:entered] for call in ast.walk(statement))

    def called_only_in_own_graph(self) -> bool:
        """Whether the code is in a function of this module that runs only in graph mode: called
        only from inside a graph of its own (`with self.graph.as_default(): ... self.sess =
        self._init_session()`, DeepFM's shape) or a session block that turns graph mode on, or
        from functions that are (`with tf.Session() as sess: net = Net(sess)`, whose __init__
        calls `self.build_model()`, which makes the placeholders)."""
        function = innermost_function(self.context.ancestors)
        memo = self.context.memo
        if "graph_blocks_spelled" not in memo:  # read once a module
            text = self.context.source.text
            memo["graph_blocks_spelled"] = "as_default" in text or "graph=" in text or "Session(" in text
        if function is None or not memo["graph_blocks_spelled"]:
            return False  # (no graph block anywhere in the module: no walk)
        if "graph_mode_functions" not in memo:
            memo["graph_mode_functions"] = self.graph_mode_functions()
        return id(function) in memo["graph_mode_functions"]

    def graph_mode_functions(self) -> set[int]:
        """The ids of the module's functions every call of which (by name, `self.` methods by
        theirs, a class by its __init__) is in a graph block or in such a function."""
        tree = self.context.tree
        parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        blocks = [node for node in ast.walk(tree) if isinstance(node, ast.With) and (
            in_own_graph([node], self.context) or self.turns_graph_mode_on(node, statement_owner(node, parents)))]
        inside = {id(call) for block in blocks for call in ast.walk(block) if isinstance(call, ast.Call)}
        functions: dict[int, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                owner = parents.get(id(node))
                constructor = node.name == "__init__" and isinstance(owner, ast.ClassDef)
                functions[id(node)] = owner.name if constructor else node.name  # type: ignore[union-attr]
        calls: dict[str, list[tuple[bool, int | None]]] = {}  # name -> (in a block, the calling function)
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and (callee := own_callee(call)) is not None:
                caller = parents.get(id(call))
                while caller is not None and id(caller) not in functions:
                    caller = parents.get(id(caller))
                calls.setdefault(callee, []).append((id(call) in inside, id(caller) if caller else None))
        graph_mode: set[int] = set()
        changed = True
        while changed:
            changed = False
            for key, name in functions.items():
                sites = calls.get(name, [])
                if key not in graph_mode and sites and all(block or caller in graph_mode for block, caller in sites):
                    graph_mode.add(key)
                    changed = True
        return graph_mode

    def turns_graph_mode_on(self, block: ast.With, owner: ast.AST | None) -> bool:
        """A `with tf.Session() as sess:` with nothing before it in its block (`owner`'s) that
        builds TF ops: TF 2.21 runs the graph built inside it in graph mode."""
        return any(isinstance(item.context_expr, ast.Call)
                   and (self.context.call_name(item.context_expr) or "").rsplit(".", 1)[-1] in SESSIONS
                   for item in block.items) and not built_before(self.context, owner, block)

    def in_graph_mode_session_block(self) -> bool:
        """Whether the code is in the block of a `with tf.Session():` that turns graph mode on
        (nothing before it in its block builds TF ops), however deep (`with tf.device(...):`
        around it): TF 2.21 ran a placeholder fed and fetched there with eager execution on."""
        ancestors = self.context.ancestors
        for index, ancestor in enumerate(ancestors):
            if isinstance(ancestor, ast.With):
                owner = next((a for a in reversed(ancestors[:index]) if isinstance(a, ast.stmt | ast.Module)), None)
                if self.turns_graph_mode_on(ancestor, owner):
                    return True
        return False

    def loads_graph_for_session(self, node: ast.Call) -> bool:
        """`restore_tf_graph(sess, path)`: a function of the program, handed a session, that loads
        a SavedModel or frozen graph into it (TF 2.21 ran such a session's runs with eager on)."""
        def session(argument: ast.expr) -> bool:
            value = self.context.assigned_value(argument) if isinstance(argument, ast.Name) else None
            return isinstance(value, ast.Call) and (self.context.call_name(value) or "").rsplit(".", 1)[-1] in SESSIONS

        if not any(session(argument) for argument in node.args):
            return False
        from estimator_audit.migrate.lookup import called  # whole-program lookup, for such calls only

        found = called(self.context, node)
        return found is not None and isinstance(found.node, ast.FunctionDef) and any(
            isinstance(inner, ast.Call) and (found.context.call_name(inner) or "").endswith(EAGER_GRAPH_LOADS)
            for inner in ast.walk(found.node))

    def builds_in_session_graph(self, node: ast.Call) -> bool:
        """`sess = tf.Session(); with sess.graph.as_default(): <graph code>`: the graph is the
        session's own (TF 2.21 with eager on ran such a program's training step); so is the
        global graph of `graph = tf.get_default_graph(); with graph.as_default():` for a session
        given no graph (TF 2.21 ran a placeholder fed and fetched so)."""
        parent = self.context.ancestors[-1] if self.context.ancestors else None
        if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1
                and isinstance(parent.targets[0], ast.Name)):
            return False
        held = parent.targets[0].id
        scope = innermost_function(self.context.ancestors) or self.context.tree
        return any(isinstance(item.context_expr, ast.Call) and (
            ast.unparse(item.context_expr.func) == f"{held}.graph.as_default"
            or self.enters_global_graph(item.context_expr)) for block in ast.walk(scope)
            if isinstance(block, ast.With) for item in block.items)

    def enters_global_graph(self, entered: ast.Call) -> bool:
        """`graph.as_default()` of `graph = tf.get_default_graph()` (the graph of the session the
        module makes with no graph of its own)."""
        function = entered.func
        if not (isinstance(function, ast.Attribute) and function.attr == "as_default"):
            return False
        graph = function.value
        made = self.context.assigned_value(graph) if isinstance(graph, ast.Name) else graph
        return isinstance(made, ast.Call) and (self.context.call_name(made) or "").endswith(".get_default_graph")

    def in_serving_function(self) -> bool:
        """Whether the innermost function around the node makes an Estimator's serving input
        receiver."""
        function = innermost_function(self.context.ancestors)
        return function is not None and any(
            isinstance(n, ast.Call) and (self.context.call_name(n) or "").endswith(SERVING_RECEIVERS)
            for n in ast.walk(function))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if self.tf2_code is None and any(
                (self.context.qualified_name(d.func if isinstance(d, ast.Call) else d) or "").startswith(TF2_CODE)
                for d in node.decorator_list):
            self.tf2_code = node

    def finish(self) -> None:
        target = self.context.settings.target
        if self.first is None or not self.runs_graph or self.switched or target < (2, 0):
            return
        if self.imports_graph and not self.placeholders and self.eager_initializer is None:
            return  # sessions running an imported graph: it lives in the default graph, eager or not
        text = self.context.source.text
        if not self.placeholders and not self.supervisor and RUNS.search(text) is None and (
                HANDED_ON.search(text) is None):
            return  # a session nothing runs (`session.list_devices()` works with eager execution on)
        program = list(importers_through(self.context, IMPORT_HOPS))  # the modules that import this one
        if modules_call(self.context, program, spells_eager_switch, eager_switch):
            return  # the program turns graph mode on before it imports this module
        imported = imported_through(self.context)
        if modules_call(self.context, imported, spells_eager_switch, eager_switch, as_imported=True):
            return  # a module it imports turns graph mode on as it is imported (`import tflearn`)
        if modules_call(self.context, imported, lambda text: "__enter__" in text, enters_graph):
            return  # a test base class it imports enters a graph by hand in its setUp
        what = tf_spelling(self.first_name)
        if self.imports_graph and not self.placeholders and self.eager_initializer is not None:
            self.report(self.eager_initializer, (  # (ctpn's demo_pb.py, round 26)
                "this module runs an imported graph in a TF1 session, and eager execution is on: this "
                f"{call_text(self.eager_initializer)}() is made eagerly, where it is None, and Session.run(None) "
                "raises TypeError (TF 2.21); call tf.compat.v1.disable_v2_behavior() after the imports"),
                self.fix(bool(program)))
            return
        failure = ("RuntimeError (a placeholder is not compatible with eager execution)" if self.placeholders
                   else "at its first graph-only call (a session run of ops built eagerly: RuntimeError: the "
                   "Session graph is empty, or AttributeError: Tensor.graph is undefined; tf.gradients or "
                   "minimize on a tensor: RuntimeError)" if not self.supervisor
                   else "RuntimeError (Supervisors are incompatible with eager execution)")
        message = (f"this module builds a TF1 graph ({what}) but eager execution is on: on TensorFlow 2 "
                   f"this raises {failure}")
        if self.tf2_code is not None:
            self.report(self.first, f"{message}; it also runs TF2 code (line {self.tf2_code.lineno}), which "
                        "graph mode would break: port the graph code to TF2", None)
            return
        if modules_call(self.context, program, spells_tf2_code, runs_tf2_code):
            self.report(self.first, f"{message}; a module that imports this one runs TF2 code (Keras training, "
                        "tf.function), which the process-wide graph-mode switch would break: port this graph "
                        "code to TF2, or build and run it in a graph of its own (`with tf.Graph().as_default():`)",
                        None)
            return
        where = ("first in the `__main__` block (other modules import this one: a switch after the imports "
                 "would turn graph mode on in each)" if program and main_block(self.context, self.failing)
                 else "after the imports")
        self.report(self.first, f"{message}; call tf.compat.v1.disable_v2_behavior() {where}", self.fix(bool(program)))

    def fix(self, imported: bool) -> Fix | None:
        statement = compat_v1_call(self.context, "disable_v2_behavior()")
        if imported and main_block(self.context, self.failing) is not None:
            # (a library's self-test: graph mode for it alone, not for the programs importing it)
            return insert_where_it_runs(self.context, self.failing, "switch to graph mode", statement)
        early = self.tensorflow_import_before_program_modules(statement)
        if early is not None and statement:
            edit = Edit(EditAction.INSERT_AFTER_STATEMENT, self.context.span(early), text=statement)
            return Fix(FixSafety.UNSAFE if imported else FixSafety.SAFE,
                       "switch to graph mode right after importing TensorFlow, before the program's own "
                       "modules are imported (what they build or seed as they load goes to the graph)", (edit,))
        if imported:
            return insert_statement("switch the process to graph mode after the imports (other modules import "
                                    "this one: the switch is process-wide)", statement, safety=FixSafety.UNSAFE)
        return insert_statement("switch to graph mode after the imports", statement)


    def tensorflow_import_before_program_modules(self, switch: str) -> ast.stmt | None:
        """The last top-level statement importing TensorFlow before a top-level import of a module
        of the program (which may seed or build graph nodes as it is imported: a seed set before
        the switch goes to the eager context and is lost, checked on TF 2.21), when the switch put
        after the imports would land after that import; None when it would land before it (there
        the fix stage puts the switch ahead of the seeds other rules insert after the imports)."""
        project = self.context.project
        path = self.context.source.path
        after_imports = after_imports_position(self.context.source.text, self.context.tree, switch)
        last_tensorflow: ast.stmt | None = None
        for position, statement in enumerate(self.context.tree.body):
            if isinstance(statement, ast.Import):
                modules, level = [alias.name for alias in statement.names], 0
            elif isinstance(statement, ast.ImportFrom):
                modules, level = [statement.module or ""], statement.level
            else:
                continue
            if any(module.split(".")[0] == "tensorflow" for module in modules) and not level:
                last_tensorflow = statement
            elif last_tensorflow is not None and any(
                    project.resolve(path, module, level) is not None for module in modules):
                return last_tensorflow if after_imports is None or after_imports > position else None
        return None


def statement_owner(node: ast.AST, parents: dict[int, ast.AST]) -> ast.AST | None:
    """The statement (or module) whose block holds `node`."""
    owner = parents.get(id(node))
    while owner is not None and not isinstance(owner, ast.stmt | ast.Module):
        owner = parents.get(id(owner))
    return owner


def enters_graph(context: ModuleContext, call: ast.Call) -> bool:
    """`g.as_default().__enter__()`, or `self._graph = g.as_default()` then
    `self._graph.__enter__()`: a graph made the default by hand, as a `with` block would
    (prettytensor's test base class; TF 2.21 ran a placeholder and a Session after it with eager on).
    Not a session's `as_default()` entered so (StyleGAN's `init_tf`): that makes the session the
    default one, not its graph (TF 2.21 raised on a placeholder made after it with eager on)."""
    function = call.func
    if not (isinstance(function, ast.Attribute) and function.attr == "__enter__"):
        return False
    receiver = function.value
    if is_as_default(receiver):
        return not session_default(context, receiver)
    written = ast.unparse(receiver)
    return any(isinstance(node, ast.Assign) and len(node.targets) == 1 and ast.unparse(node.targets[0]) == written
               and is_as_default(node.value) and not session_default(context, node.value)
               for node in ast.walk(context.tree))


def is_as_default(node: ast.AST) -> TypeGuard[ast.Call]:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "as_default"


def session_default(context: ModuleContext, as_default: ast.Call) -> bool:
    """Whether `X.as_default()` is a session's: X is a session call, or a name the module
    binds to one (`session = tf.Session(); session.as_default()`)."""
    owner = as_default.func.value if isinstance(as_default.func, ast.Attribute) else as_default.func
    values = [owner] if isinstance(owner, ast.Call) else [
        node.value for node in ast.walk(context.tree) if isinstance(node, ast.Assign) and len(node.targets) == 1
        and ast.unparse(node.targets[0]) == ast.unparse(owner)]
    return any(isinstance(value, ast.Call) and (context.call_name(value) or "").rsplit(".", 1)[-1] in SESSIONS
               for value in values)


def eager_switch(context: ModuleContext, call: ast.Call) -> bool:
    """A call of disable_v2_behavior or disable_eager_execution."""
    return (context.names.qualified_name(call.func) or "").rsplit(".", 1)[-1] in EAGER_SWITCHES




def spells_tf2_code(text: str) -> bool:
    return "fit" in text or "compile" in text or "function" in text or "GradientTape" in text


def runs_tf2_code(context: ModuleContext, call: ast.Call) -> bool:
    """Code that graph mode would break: tf.function, GradientTape, Keras training calls."""
    name = context.call_name(call) or ""
    if name.startswith(TF2_CODE):
        return True
    training = isinstance(call.func, ast.Attribute) and call.func.attr in KERAS_TRAINING
    # (`model = models.build(...); model.fit(...)` in a Keras program: a model the program builds)
    keras_program = context.imports_any(("keras",)) or (context.imports_tensorflow() and "keras" in context.source.text)
    return training and (".keras." in f".{name}" or (name.split(".")[0] not in OTHER_ML_LIBRARIES and keras_program))
