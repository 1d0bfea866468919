"""
## What it does
Flags every construction of a TF1 optimizer: the `tf.compat.v1.train.*Optimizer` classes
(`AdamOptimizer`, `GradientDescentOptimizer`, `MomentumOptimizer`, `AdagradOptimizer`,
`AdadeltaOptimizer`, `RMSPropOptimizer`, `FtrlOptimizer`, `ProximalAdagradOptimizer`,
`ProximalGradientDescentOptimizer`, `AdagradDAOptimizer`) and the TF1 optimizer wrappers
(`SyncReplicasOptimizer`, `tf.compat.v1.tpu.CrossShardOptimizer`,
`MixedPrecisionLossScaleOptimizer`), in their TF 1.x spellings too (`tf.train.AdamOptimizer`,
`tf.contrib.tpu.CrossShardOptimizer`), through any import alias and TensorFlow's internal
modules. The message names the Keras 3 optimizer that applies the same updates, with the TF1
defaults written out where Keras 3's differ (`keras.optimizers.Adam(learning_rate=0.001,
epsilon=1e-08)`), or says that there is none. It fires whatever the `target` setting: the
classes still exist in `tf.compat.v1` in TensorFlow 2.21. An optimizer the file drives the TF1
way (its `minimize`, `compute_gradients`, `global_step=`, in a TF1 graph, handed to a TF1 API
such as an Estimator or `CrossShardOptimizer`) keeps working through `tf.compat.v1`: a
`tf.compat.v1` spelling of it is not flagged, and a TF 1.x spelling only for its AttributeError.

## Why is this bad?
A TF1 optimizer is not a Keras optimizer. Keras 2 (TensorFlow up to 2.15) accepted one in
`model.compile`; Keras 3, the default from TensorFlow 2.16, rejects it:
`ValueError: Could not interpret optimizer identifier: <tensorflow.python.training.adam.AdamOptimizer object ...>`.
It still works through its own `minimize`/`apply_gradients` (the tf.compat.v1 API), and the
TF 1.x spellings (`tf.train.AdamOptimizer`) do not exist in TensorFlow 2 at all. Swapping in
the Keras class of the same name silently changes training where the defaults differ:
`AdamOptimizer` and `AdadeltaOptimizer` use `epsilon=1e-08`, Keras 3 `1e-07`; TF1 Adagrad has
no epsilon (Keras 3 adds `1e-07` inside the square root); TF1 `RMSPropOptimizer` starts its
mean-square accumulator at 1 where Keras 3 `RMSprop` starts at 0, so no Keras 3 argument
reproduces it.

## How it was verified
`estimator_audit/data/v1_optimizers.json` is written by `tools/generate_optimizer_table.py`,
run with `/root/venv-legacy/bin/python` (TensorFlow 2.15.1): it lists the optimizer classes
`tf.compat.v1` exports and their constructor defaults with `inspect.signature`, reads the
Keras 3 defaults with `inspect.signature` under `/root/venv-tf` (TensorFlow 2.21.0, Keras
3.15.1), checks which TF 1.x spellings neither runtime exports, and replays 10 identical
float32 gradient steps through each TF1 optimizer (graph and Session) and its Keras 3 mapping
(`apply_gradients`). Adam, Adadelta, Adagrad (with `epsilon=0.0`), Ftrl and SGD (for
GradientDescent, and for Momentum with and without Nesterov) ended within 1.2e-07 of the TF1
variables; RMSProp ended 0.146 away (1.0 centered with momentum), so its `keras_class` is null.
Momentum with the learning rate changed between steps (0.1, 0.05, 0.02, 0.01) ended at
`[0.858, -2.284]` in TF1 and `[0.736, -2.527]` in Keras 3's SGD. This script:
```python
import numpy as np
import tensorflow as tf
import keras
print(tf.__version__, keras.__version__)
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
try:
    model.compile(optimizer=tf.compat.v1.train.AdamOptimizer(0.1), loss="mse")
    print("compile ok")
    model.fit(np.zeros((4, 3)), np.zeros((4, 1)), epochs=1, verbose=0)
    print("fit ok")
except Exception as error:
    print(type(error).__module__ + "." + type(error).__name__ + ":", error)
```
printed `2.21.0 3.15.1` and `builtins.ValueError: Could not interpret optimizer identifier:
<tensorflow.python.training.adam.AdamOptimizer object at 0x...>` on `/root/venv-tf`, and
`2.15.1 2.15.0`, `compile ok`, `fit ok` on `/root/venv-legacy`. On 2.21 the same optimizer's
`minimize(lambda: v * v, var_list=[v])` and `apply_gradients` also ran eagerly and inside a
`tf.function`, so the rule does not claim that TF1 optimizers need a graph.

What the fix writes was checked on `/root/venv-tf` with this script:
```python
import inspect

import keras
import numpy as np
import tensorflow as tf

print(tf.__version__, keras.__version__, tf.keras.optimizers.Adam is keras.optimizers.Adam)
optimizers = [keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-08, name="Adam"),
              keras.optimizers.Adagrad(learning_rate=0.1, epsilon=0.0),
              keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)]
for optimizer in optimizers:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(np.zeros((4, 3)), np.zeros((4, 1)), epochs=1, verbose=0)
adam = optimizers[0]
print([m for m in ("minimize", "compute_gradients", "get_slot", "get_slot_names") if hasattr(adam, m)],
      inspect.signature(adam.apply_gradients), type(adam.variables).__name__)
try:
    keras.optimizers.Adam(use_locking=False)
except Exception as error:
    print(type(error).__name__, error)
```
It printed `2.21.0 3.15.1 True` (tf.keras is Keras 3), compiled and fitted all three, then
`[] (grads_and_vars) list` (no `minimize`, `compute_gradients` or `get_slot`; no `global_step`)
and `ValueError Argument(s) not recognized: {'use_locking': False}`. Their state differs:
```python
import keras
import tensorflow as tf

v = tf.Variable([1.0, 2.0], name="v")
tf1 = tf.compat.v1.train.AdamOptimizer(0.1)
tf1.minimize(lambda: tf.reduce_sum(v * v), var_list=[v])
print(sorted(tf1.get_slot_names()), [w.name for w in tf1.variables()])
k3 = keras.optimizers.Adam(learning_rate=0.1, epsilon=1e-08)
k3.apply_gradients([(tf.constant([1.0, 1.0]), v)])
print([w.path for w in k3.variables])
```
printed `['m', 'v'] ['beta1_power:0', 'beta2_power:0', 'v/Adam:0', 'v/Adam_1:0']` and
`['adam/iteration', 'adam/learning_rate', 'adam/v_0_momentum', 'adam/v_0_velocity']`. And a
Keras 3 optimizer does not work in a TF1 graph:
```python
import keras
import tensorflow as tf

tf.compat.v1.disable_eager_execution()
v = tf.compat.v1.get_variable("v", initializer=[1.0, 2.0])
loss = tf.reduce_sum(v * v)
grads = tf.compat.v1.gradients(loss, [v])
try:
    op = keras.optimizers.Adam(learning_rate=0.1, epsilon=1e-08).apply_gradients(zip(grads, [v]))
    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        sess.run(op)
        print("graph ok", sess.run(v))
except Exception as error:
    print(type(error).__name__, str(error)[:200])
```
printed `TypeError Argument `fetch` = <Variable path=adam/iteration, shape=(), dtype=int64> has
invalid type "Variable" must be a string or Tensor. (Can not convert a Variable into a Tensor
or Operation.)`: `apply_gradients` returns a Keras variable, not an op a Session can run.
`tf.compat.v1.train.Supervisor(logdir=...)` raised `RuntimeError Supervisors are incompatible
with eager execution.` there, so a file that makes one builds graphs.

## Example
```python
import tensorflow as tf

optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=0.001)
model.compile(optimizer=optimizer, loss="mse")
```

## Use instead
```python
import keras

optimizer = keras.optimizers.Adam(learning_rate=0.001, epsilon=1e-08)
model.compile(optimizer=optimizer, loss="mse")
```

## Fix safety
Unsafe. The fix replaces the call by the Keras 3 class the table names, spelled through the
file's own import (`keras.optimizers.Adam` after `import keras` or `from tensorflow import
keras`, `tf.keras.optimizers.Adam` after `import tensorflow as tf`; otherwise it adds `import
keras`), and rewrites the arguments in place, comments and layout kept: each argument the call
passes (positional ones by the TF1 parameter order) becomes a keyword renamed through the
table (`beta1` -> `beta_1`, `use_nesterov` -> `nesterov`, `name` stays `name`), values as
written (a learning-rate tensor, variable or callable is passed through unchanged); an argument
with no Keras counterpart is dropped only when it is literally at its TF1 default
(`use_locking=False`, Ftrl's `accum_name=None`); then the Keras arguments that reproduce the
TF1 defaults are added (`epsilon=1e-08` for Adam and Adadelta, `epsilon=0.0` for Adagrad) with
the learning rate when the call relied on its default:
`tf.compat.v1.train.AdamOptimizer(0.01)` -> `keras.optimizers.Adam(learning_rate=0.01,
epsilon=1e-08)`. `MomentumOptimizer` -> `SGD` matches only for a constant learning rate (TF1
scales the accumulated gradients by the current rate); the fix's description says so.

It is unsafe because it changes which optimizer class runs: a TF1 graph optimizer becomes a
Keras 3 one, with other state variables (so a TF1 checkpoint's optimizer state does not carry
over) and without `minimize`, `compute_gradients`, `get_slot` or `global_step`
(`apply_gradients` takes only the gradients and variables; `variables` is a list). Code that
uses the optimizer the TF1 way (`opt.minimize(loss, global_step=...)` in an Estimator
`model_fn`) then raises AttributeError, and in a TF1 graph even a plain
`apply_gradients(zip(grads, variables))` cannot be run by a Session (see How it was verified).
So there is no fix in a file that builds TF1 graphs (it calls `tf.compat.v1.Session`,
`MonitoredTrainingSession`, `train.Supervisor`, `placeholder`, `disable_eager_execution`,
`disable_v2_behavior` or `EstimatorSpec`) or drives TF1 optimizers through names the rule cannot
follow (it calls `compute_gradients`, `get_slot` or `get_slot_names` on anything, or passes
`global_step=` to a `minimize` or `apply_gradients`), nor where the file shows a TF1 use of
this optimizer: one of those methods
called on a name that holds it (`opt`, `self.opt`, the parameter it is the default of, the
keyword it is passed as, the names the results of the function returning it are assigned to)
or chained on the call (`tf.train.AdamOptimizer(lr).minimize(loss)`,
`make_optimizer().minimize(loss)`), or the optimizer passed to a non-Keras TensorFlow API
(`CrossShardOptimizer`, `SyncReplicasOptimizer`, an Estimator, `tf.contrib`, slim) or to the
program's own code in another module (`Autoencoder(n_input, optimizer=opt)` from a models
package, whose class calls `optimizer.minimize`: research/autoencoder broke on the Keras fix). Nor is
there a fix where an argument is hidden in `*args`/`**kwargs`, a required one is missing, one
has no Keras counterpart and is not at its TF1 default (`use_locking=True`), the class takes no
such keyword, or the table has no faithful Keras class (RMSProp, the proximal and
dual-averaging optimizers, the wrappers). Uses in other files (an optimizer returned to, or
passed to, code elsewhere) are not seen: review them before keeping the fix.

Where there is no Keras fix and the call uses a TF 1.x spelling TensorFlow 2 lacks
(`tf.train.GradientDescentOptimizer(0.5).minimize(loss)` in a Session script), the fix is the
safe one: the same class under its TensorFlow 2 name, `tf.compat.v1.train.GradientDescentOptimizer`
(the table's `missing_in_tf2` spellings; TensorFlow 1.15 exports the class under both names), so
the program computes what it did and, in graph mode (EA109), runs on TensorFlow 2.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.knowledge.calls import tf_spelling
from estimator_audit.knowledge.program import program_importers
from estimator_audit.knowledge.tfapi import GRAPH_ONLY
from estimator_audit.knowledge.tfsymbols import call_rename_fix
from estimator_audit.knowledge.v1api import V1Optimizer, keras_arguments, v1_optimizer
from estimator_audit.rule import CallRule, Invalid, Valid

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

KERAS_3 = (
    "which Keras 3 (TensorFlow 2.16+) rejects: model.compile raises ValueError \"Could not "
    "interpret optimizer identifier\" (a TF1 optimizer only works through its own "
    "minimize/apply_gradients)"
)
# Where the fix finds Keras: the file's own import of it, else `import keras`.
KERAS_SPELLINGS = (("keras", "optimizers"), ("tensorflow.keras", "optimizers"),
                   ("tensorflow", "keras.optimizers"))
# Methods of a TF1 optimizer that a Keras 3 optimizer lacks (`variables` is a list there).
TF1_METHODS = frozenset({"minimize", "compute_gradients", "get_slot", "get_slot_names", "get_name",
                         "variables"})
# APIs that take a TF1 optimizer (wrappers, Estimators, slim, contrib), not a Keras one.
TF1_APIS = ("tensorflow.", "tensorflow_estimator.", "tf_slim.")
PASS_THROUGH = (ast.IfExp, ast.BoolOp)
# Methods of an unseen object that hand an optimizer to Keras (Model.compile), not to TF1 code.
KERAS_TAKERS = frozenset({"compile"})
# Methods only a TF1 optimizer has: a file that calls one, on whatever, drives TF1 optimizers.
TF1_ONLY_METHODS = frozenset({"compute_gradients", "get_slot", "get_slot_names"})
MINIMIZES = re.compile(r"\.(?:minimize|compute_gradients)\(")
# A module's text that drives optimizers the TF1 way or builds TF1 graphs.
TF1_OPTIMIZER_USE = re.compile(r"\.(?:minimize|compute_gradients|get_slot)\(|global_step=|Session\(|EstimatorSpec\(")


class TF1Optimizer(CallRule):
    code = "EA104"
    name = "v1-optimizer"
    severity = Severity.WARNING
    summary = "A TF1 optimizer: Keras 3 cannot compile a model with it."
    triggers = ("Optimizer",)
    fix_safety = FixSafety.UNSAFE
    valid = (
        Valid(
            """
            import tensorflow as tf

            def check_training(agent_class, network):  # a test parametrised by the agent's class
                optimizer = tf.compat.v1.train.GradientDescentOptimizer(learning_rate=0.1)
                agent = agent_class(network, optimizer=optimizer)
                return agent.train()
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from agents import ppo_agent

            class ActorDistAgent(ppo_agent.PPOAgent):
                def __init__(self, actor_net):
                    super().__init__(actor_net=actor_net, optimizer=tf.compat.v1.train.AdamOptimizer())  # the base uses it
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from gan_estimator import get_estimator_spec  # the program's code in another module

            class GANEstimatorTest(tf.test.TestCase):
                @classmethod
                def setUpClass(cls):
                    cls._generator_optimizer = tf.compat.v1.train.GradientDescentOptimizer(1.0)

                def test_spec(self):  # the class attribute, read through self, handed on
                    get_estimator_spec("train", generator_optimizer=self._generator_optimizer)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            z = tf.compat.v1.placeholder(tf.float32, [None, 64])  # a TF1 graph program
            optimizer = tf.train.AdamOptimizer  # EA106 reports the TF 1.x spelling here
            g_optimizer, d_optimizer = optimizer(0.0001), optimizer(0.0001)
            g_step = g_optimizer.minimize(g_loss, var_list=g_vars)
            """
        ),
        Valid(
            """
            class AdamOptimizer:
                def __init__(self, learning_rate=0.001):
                    self.learning_rate = learning_rate

            optimizer = AdamOptimizer(0.01)
            """
        ),
        Valid(
            """
            import keras
            import tensorflow as tf
            a = keras.optimizers.Adam(learning_rate=0.001, epsilon=1e-08)
            b = tf.keras.optimizers.SGD(0.1, momentum=0.9)
            c = tf.keras.optimizers.legacy.Adam()
            """
        ),
        Valid(
            """
            import tensorflow as tf
            class AdamWeightDecayOptimizer(tf.compat.v1.train.Optimizer):
                def __init__(self, learning_rate):
                    super().__init__(False, "AdamWeightDecay")
            optimizer = AdamWeightDecayOptimizer(1e-4)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def build(opt, tf):
                step = opt.AdamOptimizer(0.1)
                return tf.train.AdamOptimizer(0.1)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            from lucid.optvis import render
            optimizer = tf.compat.v1.train.AdamOptimizer(0.05)
            print(optimizer)
            images = render.render_vis(model, "mixed4b_pre_relu:452", optimizer=optimizer)
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            class Builder:
                def __init__(self, optimizer):
                    self._optimizer = optimizer
                def build_train_op(self, loss, var_list):
                    return self._optimizer.minimize(loss=loss, var_list=var_list)
            builder = Builder(optimizer=tf.train.RMSPropOptimizer(learning_rate=0.001))
            def _optimizer(lr):
                return tf.train.GradientDescentOptimizer(lr), lr
            search = Builder(optimizer_fn=_optimizer)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import edward as ed
            import tensorflow as tf
            inference = ed.MAP({"w": w}, data={"x": x})
            inference.initialize(optimizer=tf.train.AdamOptimizer(0.01, epsilon=1.0))  # Edward drives it, TF1's way
            """,
            at=((4, 32),),
            message="which still works the TF1 way the program uses it",
        ),
        Invalid(
            """
            import tensorflow as tf
            reader = readers[name](shared_resources)  # its train() calls compute_gradients elsewhere
            reader.train(tf.train.AdamOptimizer(), data_set, batch_size=1)
            """,
            at=((3, 14),),
            message="which still works the TF1 way the program uses it",
            fixed="""
            import tensorflow as tf
            reader = readers[name](shared_resources)  # its train() calls compute_gradients elsewhere
            reader.train(tf.compat.v1.train.AdamOptimizer(), data_set, batch_size=1)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf

            class AdamTest(tf.test.TestCase):
                def test_update(self):
                    opt = tf.train.AdamOptimizer()
                    update = opt.apply_gradients(zip(grads, variables))  # a TF1 op the test runs
                    update.run()
                    self.evaluate(tf.train.AdamOptimizer().apply_gradients(zip(grads, variables)))
            """,
            at=((5, 15), (8, 23)),
            message="which still works the TF1 way the program uses it",
        ),
        Invalid(
            """
            import tensorflow as tf
            import texar

            optimizer_fn = texar.get_optimizer_fn({"type": tf.train.MomentumOptimizer(0.001, 0.9)})
            """,
            at=((4, 48),),
            message="which still works the TF1 way the program uses it",
            fixed="""
            import tensorflow as tf
            import texar

            optimizer_fn = texar.get_optimizer_fn({"type": tf.compat.v1.train.MomentumOptimizer(0.001, 0.9)})
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorpack import ModelDesc

            class Model(ModelDesc):
                def optimizer(self):  # the framework calls it and drives the optimizer itself
                    lr = tf.compat.v1.get_variable("learning_rate", initializer=1e-3, trainable=False)
                    return tf.train.AdamOptimizer(lr)
            """,
            at=((7, 16),),
            message="of a `ModelDesc` subclass to code outside this file",
            fixed="""
            import tensorflow as tf
            from tensorpack import ModelDesc

            class Model(ModelDesc):
                def optimizer(self):  # the framework calls it and drives the optimizer itself
                    lr = tf.compat.v1.get_variable("learning_rate", initializer=1e-3, trainable=False)
                    return tf.compat.v1.train.AdamOptimizer(lr)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            optimizer = tf.compat.v1.train.AdamOptimizer()
            """,
            at=((2, 13),),
            message="keras.optimizers.Adam(learning_rate=0.001, epsilon=1e-08)",
            fixed="""
            import tensorflow as tf
            optimizer = tf.keras.optimizers.Adam(learning_rate=0.001, epsilon=1e-08)
            """,
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            optimizer = tf.train.MomentumOptimizer(
                learning_rate=lr,  # decayed by the schedule
                momentum=0.9,
                use_nesterov=True)
            model.compile(optimizer=optimizer, loss="mse")
            """,
            at=((2, 13),),
            message="keras.optimizers.SGD(learning_rate=lr, momentum=0.9, nesterov=True)",
            fixed="""
            import tensorflow.compat.v1 as tf
            import keras
            optimizer = keras.optimizers.SGD(
                learning_rate=lr,  # decayed by the schedule
                momentum=0.9,
                nesterov=True)
            model.compile(optimizer=optimizer, loss="mse")
            """,
        ),
        Invalid(
            """
            from tensorflow.compat import v1
            from tensorflow.compat.v1.train import AdamOptimizer as Adam
            def make(rate):
                from tensorflow.compat.v1.train import AdagradOptimizer
                a = Adam(rate, beta1=0.8)
                b = AdagradOptimizer(0.1)
                return v1.train.GradientDescentOptimizer(rate)
            """,
            at=((5, 9), (6, 9), (7, 12)),
            message="model.compile raises",
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.python.training import momentum
            opt = tf.train.AdamOptimizer(1e-3)
            opt = tf.contrib.tpu.CrossShardOptimizer(opt)
            rms = tf.compat.v1.train.RMSPropOptimizer(0.01)
            sgd = momentum.MomentumOptimizer(0.1, 0.9)
            """,
            at=((3, 7), (4, 7), (5, 7), (6, 7)),
            fixed="""
            import tensorflow as tf
            from tensorflow.python.training import momentum
            opt = tf.compat.v1.train.AdamOptimizer(1e-3)
            opt = tf.contrib.tpu.CrossShardOptimizer(opt)
            rms = tf.compat.v1.train.RMSPropOptimizer(0.01)
            sgd = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            optimizer = tf.train.AdamOptimizer(0.1, beta1=0.8)
            """,
            at=((2, 13),),
            message="tf.train.AdamOptimizer does not exist in TensorFlow 2",
        ),
        Invalid(
            """
            import tensorflow as tf
            optimizer = tf.compat.v1.train.RMSPropOptimizer(0.01)
            """,
            at=((2, 13),),
            message="no faithful Keras 3 counterpart",
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.compat.v1 import train
            def build(model, rate):
                model.compile(
                    optimizer=train.AdagradOptimizer(
                        rate,  # from the flags
                        0.1,
                        False,
                        "adagrad",
                    ),
                    loss="mse",
                )
            """,
            at=((5, 19),),
            message="keras.optimizers.Adagrad(learning_rate=rate, initial_accumulator_value=0.1, name='adagrad', epsilon=0.0)",
            fixed="""
            from tensorflow import keras
            def build(model, rate):
                model.compile(
                    optimizer=keras.optimizers.Adagrad(
                        learning_rate=rate,  # from the flags
                        initial_accumulator_value=0.1,
                        name="adagrad",
                        epsilon=0.0,
                    ),
                    loss="mse",
                )
            """,
        ),
        Invalid(
            """
            import keras
            import tensorflow as tf
            a = tf.train.AdamOptimizer(learning_rate=0.1, use_locking=False, epsilon=1e-4)
            b = tf.train.AdamOptimizer(0.1, use_locking=True)
            c = tf.train.AdamOptimizer(0.1, seed=1)
            d = tf.train.AdamOptimizer(**params)
            e = tf.train.GradientDescentOptimizer(0.1)
            train_op = e.minimize(loss)
            f = tf.train.FtrlOptimizer(0.1).minimize(loss)
            g = tf.train.ProximalAdagradOptimizer(0.1)
            """,
            at=((3, 5), (4, 5), (5, 5), (6, 5), (7, 5), (9, 5), (10, 5)),
            fixed="""
            import keras
            import tensorflow as tf
            a = keras.optimizers.Adam(learning_rate=0.1, epsilon=1e-4)
            b = tf.compat.v1.train.AdamOptimizer(0.1, use_locking=True)
            c = tf.compat.v1.train.AdamOptimizer(0.1, seed=1)
            d = tf.compat.v1.train.AdamOptimizer(**params)
            e = tf.compat.v1.train.GradientDescentOptimizer(0.1)
            train_op = e.minimize(loss)
            f = tf.compat.v1.train.FtrlOptimizer(0.1).minimize(loss)
            g = tf.compat.v1.train.ProximalAdagradOptimizer(0.1)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            def make_optimizer(rate):
                return tf.train.AdamOptimizer(rate)
            def train_op(loss):
                return make_optimizer(0.1).minimize(loss)
            class Trainer:
                def _optimizer(self):
                    opt = tf.train.MomentumOptimizer(0.1, 0.9)
                    return opt
                def build(self, loss):
                    self.step, self.opt = tf.train.get_or_create_global_step(), self._optimizer()
                    return self.opt.minimize(loss)
                def compile(self, model):
                    optimizer = tf.compat.v1.train.AdagradOptimizer(0.1)
                    model.compile(optimizer=optimizer)
                    return optimizer
            """,
            at=((3, 12), (8, 15), (14, 21)),
            fixed="""
            import tensorflow as tf
            def make_optimizer(rate):
                return tf.compat.v1.train.AdamOptimizer(rate)
            def train_op(loss):
                return make_optimizer(0.1).minimize(loss)
            class Trainer:
                def _optimizer(self):
                    opt = tf.compat.v1.train.MomentumOptimizer(0.1, 0.9)
                    return opt
                def build(self, loss):
                    self.step, self.opt = tf.train.get_or_create_global_step(), self._optimizer()
                    return self.opt.minimize(loss)
                def compile(self, model):
                    optimizer = tf.keras.optimizers.Adagrad(learning_rate=0.1, epsilon=0.0)
                    model.compile(optimizer=optimizer)
                    return optimizer
            """,
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        # Found in the walk, reported in finish() once every use of the file is known.
        self.pending: list[Pending] = []
        self.used_as_tf1: set[str] = set()  # names (`opt`, `self.opt`, `make()`) used the TF1 way
        self.calls_used_as_tf1: set[int] = set()  # constructions used the TF1 way directly
        self.results_of: dict[str, set[str]] = {}  # function name -> names its results are held in
        # The file builds TF1 graphs (a call that only works in one) or drives TF1 optimizers
        # (compute_gradients, get_slot, global_step=), even through names it does not show.
        self.tf1_code = False

    def visit_Call(self, node: ast.Call) -> None:
        self.note_tf1_use(node)
        self.note_result(node)
        name = self.context.call_name(node)
        if name is not None and self.matches(name, node):
            optimizer = v1_optimizer(name)
            assert optimizer is not None
            holders = self.holders(node)
            rename = call_rename_fix(self.context, node, name, self.context.settings.target) if (
                name in optimizer.missing_in_tf2) else None
            returned_by = self.returned_by(node, holders)
            self.pending.append(Pending(node, self.message(name, node), self.tf1_message(name),
                                        self.keras_fix(optimizer, node), rename, holders, returned_by,
                                        self.framework_base(returned_by)))

    def finish(self) -> None:
        for pending in self.pending:
            names = set(pending.holders)
            if pending.returned_by is not None:
                names |= {f"{pending.returned_by}()", *self.results_of.get(pending.returned_by, ())}
            if pending.framework is not None:
                # Returned by a hook a framework's class calls (tensorpack's ModelDesc.optimizer()):
                # what the framework does with it is not in this file; the safe spelling keeps it
                # (and tf.compat.v1's, already spelled so, is left alone).
                if pending.tf1_message is None or isinstance(pending.node.func, ast.Name):
                    continue
                optimizer = v1_optimizer(self.context.call_name(pending.node) or "")
                assert optimizer is not None
                self.report(pending.node, f"{pending.tf1_message.split(', which still works')[0]}); it is "
                            f"returned by `{pending.returned_by}()` of a `{pending.framework}` subclass to "
                            "code outside this file, which may drive it the TF1 way (compute_gradients, "
                            f"apply_gradients in a graph): {'the fix keeps' if pending.rename else 'keep'} TF1's "
                            "class; where that code hands it to Keras 3's compile instead, "
                            f"{replacement(optimizer, pending.node)}", pending.rename)
                continue
            if (self.tf1_code or id(pending.node) in self.calls_used_as_tf1 or names & self.used_as_tf1
                    or self.returned_to_tf1_code(pending.returned_by) or self.read_by_tf1_code(pending.holders)):
                # A Keras 3 optimizer cannot do what the file does with this one, and tf.compat.v1's
                # still does it: only a TF 1.x spelling breaks. Called through a name the file bound
                # to the class (`optimizer = tf.train.AdamOptimizer`), the spelling is where the
                # name was bound, and EA106 reports it there.
                if pending.tf1_message is not None and not isinstance(pending.node.func, ast.Name):
                    self.report(pending.node, pending.tf1_message, pending.rename)
                continue
            self.report(pending.node, pending.message, pending.fix or pending.rename)

    def matches(self, name: str, node: ast.Call) -> bool:
        return v1_optimizer(name) is not None

    def tf1_message(self, name: str) -> str | None:
        """For an optimizer the file drives the TF1 way (minimize, compute_gradients, a graph):
        the AttributeError of a TF 1.x spelling, else nothing."""
        optimizer = v1_optimizer(name)
        assert optimizer is not None
        if name not in optimizer.missing_in_tf2:
            return None
        return (f"{tf_spelling(name)} does not exist in TensorFlow 2 (AttributeError; the TF1 API keeps it "
                f"as {tf_spelling(optimizer.public_name)}, which still works the TF1 way the program uses it)")

    def message(self, name: str, node: ast.Call) -> str:
        optimizer = v1_optimizer(name)
        assert optimizer is not None
        spelling = tf_spelling(optimizer.public_name)
        if name in optimizer.missing_in_tf2:
            what = (
                f"{tf_spelling(name)} does not exist in TensorFlow 2 (AttributeError; the TF1 "
                f"API keeps it as {spelling}), and it is a TF1 optimizer,"
            )
        else:
            what = f"{spelling} is a TF1 optimizer,"
        return f"{what} {KERAS_3}; {replacement(optimizer, node)}"

    # -- the fix -------------------------------------------------------------------------------
    def keras_fix(self, optimizer: V1Optimizer, node: ast.Call) -> Fix | None:
        """The Keras call in place of the TF1 one, its arguments renamed in place."""
        mapped = keras_arguments(optimizer, node)
        spelled = self.keras_optimizers(node)
        if optimizer.keras_class is None or not mapped.exact or spelled is None:
            return None
        module, imports = spelled
        keras_class = f"{module}.{optimizer.keras_class.rsplit('.', 1)[-1]}"
        span = self.context.span(node)
        edits = [Edit(EditAction.REPLACE, self.context.span(node.func), text=keras_class)]
        passed = [a for a in mapped.arguments if a.value is not None]
        # Positions first, the last one first (a positional argument may not follow a keyword),
        # while no argument is removed; then keywords.
        renames = [(a.passed_as, a.keras_name) for a in passed if a.passed_as != a.keras_name]
        renames += [(how, name) for how, name in mapped.dropped if how.isdigit()]
        renames.sort(key=lambda rename: -int(rename[0]) if rename[0].isdigit() else 1)
        edits += [Edit(EditAction.NAME_ARGUMENT, span, name, how) for how, name in renames]
        edits += [Edit(EditAction.REMOVE_KEYWORD, span, name) for how, name in mapped.dropped]
        edits += [Edit(EditAction.SET_KEYWORD, span, a.keras_name, repr(a.default))
                  for a in mapped.arguments if a.value is None]
        note = f" ({optimizer.note})" if optimizer.note else ""
        description = (
            f"replace {tf_spelling(optimizer.public_name)} by {keras_class} with the TF1 defaults "
            f"written out{note}"
        )
        return Fix(FixSafety.UNSAFE, description, tuple(edits), imports)

    def keras_optimizers(self, node: ast.Call) -> tuple[str, tuple[str, ...]] | None:
        """`keras.optimizers` through the file's import of Keras (or TensorFlow) as the call
        sees it, or through an added `import keras`; None when `keras` means something else."""
        names = self.context.names
        at = (node.lineno, node.col_offset)
        for qualified, path in KERAS_SPELLINGS:
            alias = self.context.alias_for(qualified)
            if alias is not None and names.qualified_name(ast.Name(id=alias), at) == qualified:
                return f"{alias}.{path}", ()
        if any("keras" in scope.bindings for scope in (*names.stack, names.scope)):
            return None
        return "keras.optimizers", ("import keras",)

    # -- uses a Keras 3 optimizer cannot stand in for ------------------------------------------
    def note_tf1_use(self, node: ast.Call) -> None:
        """`opt.minimize(...)`, `opt.compute_gradients(...)`, `opt.apply_gradients(gv,
        global_step=...)` and an optimizer passed to a TensorFlow API (CrossShardOptimizer,
        an Estimator, slim): what they receive must stay a TF1 optimizer."""
        func = node.func
        if isinstance(func, ast.Attribute) and (
            func.attr in TF1_METHODS or func.attr.startswith("_get_")  # (`opt._get_beta_accumulators()`)
            or (func.attr == "apply_gradients" and (len(node.args) > 1 or node.keywords or self.op_run(node)))
        ):
            self.note_used(func.value)
        if isinstance(func, ast.Attribute) and (func.attr in TF1_ONLY_METHODS or (
                func.attr in ("minimize", "apply_gradients")
                and any(k.arg == "global_step" for k in node.keywords))):
            self.tf1_code = True
        name = self.context.call_name(node)
        if name is not None and name.startswith("tensorflow") and "()" not in name and (
                name.rsplit(".", 1)[-1] in GRAPH_ONLY):
            self.tf1_code = True
        if (name is not None and ((name.startswith(TF1_APIS) and ".keras." not in name) or self.elsewhere(name))) or (
                name is None and isinstance(node.func, ast.Name) and (self.minimizes() or self.unseen_callee(node.func))
        ) or self.to_base_class(node) or self.unseen_method(node, name):
            for value in [*node.args, *(k.value for k in node.keywords)]:
                value = value.value if isinstance(value, ast.Starred) else value
                self.note_used(value)
                if isinstance(value, ast.Name):
                    self.used_as_tf1.add(f"{value.id}()")  # `optimizer_fn=make`: what make returns

    def op_run(self, node: ast.Call) -> bool:
        """Whether the result of `opt.apply_gradients(...)` is run as a TF1 op: `sess.run(...)` or
        a test's `self.evaluate(...)` of it, or `update = ...` then `update.run()` (TensorFlow's
        own optimizer tests); a Keras 3 optimizer's apply_gradients returns no op to run."""
        parent = self.context.ancestors[-1] if self.context.ancestors else None
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) and parent.func.attr in (
                "run", "evaluate"):
            return True
        if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
            return False
        name = re.escape(parent.targets[0].id)
        return re.search(rf"\b{name}\.run\(|\.(?:run|evaluate)\(\s*\[?\s*{name}\b", self.context.source.text) is not None

    def unseen_callee(self, func: ast.Name) -> bool:
        """A callable the file does not define (`agent_class(..., optimizer=opt)`, a test's
        parameter, a `functools.partial` of one): what it does with the optimizer is not shown."""
        memo = self.context.memo
        if "defined_names" not in memo:  # walked once a module
            memo["defined_names"] = {node.name for node in ast.walk(self.context.tree)
                                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        return (func.id not in memo["defined_names"] and func.id not in self.context.module_bindings
                and func.id not in BUILTINS)

    def unseen_method(self, node: ast.Call, name: str | None) -> bool:
        """A method of an object the file does not show (`reader.train(tf.train.AdamOptimizer(),
        data)`, jack's readers driving it with compute_gradients in another module), other than
        Keras's `compile`: what it does with the optimizer is not seen here."""
        return name is None and isinstance(node.func, ast.Attribute) and node.func.attr not in KERAS_TAKERS

    def to_base_class(self, node: ast.Call) -> bool:
        """`super().__init__(..., optimizer=opt)` in a class whose bases are not Keras's: the
        base class (TF-Agents' agents) decides what to do with it, out of this file's sight."""
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "__init__" and isinstance(func.value, ast.Call)
                and isinstance(func.value.func, ast.Name) and func.value.func.id == "super"):
            return False
        cls = next((a for a in reversed(self.context.ancestors) if isinstance(a, ast.ClassDef)), None)
        return cls is not None and not any(
            (self.context.qualified_name(base) or "").split(".", 1)[0] in ("keras", "tensorflow", "tf_keras")
            for base in cls.bases)

    def minimizes(self) -> bool:
        """Whether the module calls `minimize` or `compute_gradients` on something: its own
        classes and functions (`SimpleDNNGenerator(optimizer=opt)` building with
        `self._optimizer.minimize(...)`) drive the optimizers handed to them the TF1 way."""
        memo = self.context.memo
        if "ea104_minimizes" not in memo:
            memo["ea104_minimizes"] = MINIMIZES.search(self.context.source.text) is not None
        return bool(memo["ea104_minimizes"])

    def elsewhere(self, name: str) -> bool:
        """Whether a call goes to code this file does not show: the program's own code in
        another module (`Autoencoder(..., optimizer=opt)` from autoencoder_models/) or a
        third-party library (lucid's `render_vis(..., optimizer=opt)`). What it does with an
        optimizer is not seen here, and TF1-era code hands its optimizers to model classes and
        libraries that call minimize."""
        root = name.split(".", 1)[0]
        if root in ("keras", "tensorflow", "tf_keras") or root in sys.stdlib_module_names:
            return False
        if "()" in name:  # a method of what a library made (Edward's `ed.MAP(...).initialize(optimizer=opt)`)
            return name.rsplit(".", 1)[-1] not in KERAS_TAKERS and self.context.imports_any((root,))
        found = self.context.project.locate(self.context.source.path, name)
        if found is not None:
            return found[0] != self.context.source.path
        return self.context.imports_any((root,))  # an imported library, not a builtin or local name

    def returned_to_tf1_code(self, function: str | None) -> bool:
        """Whether a module that imports this one calls the function that returns the optimizer
        and drives optimizers the TF1 way, itself or in the program's modules it imports (SSD's
        `configure_optimizer` in a tf_utils module, whose caller calls compute_gradients)."""
        if function is None:
            return False
        project = self.context.project
        # Named beyond its def here (`optimizer_factory = {"adam": create_adam_optimizer}`): the
        # importers reach it through that name.
        handed_on = len(re.findall(rf"\b{re.escape(function)}\b", self.context.source.text)) > 1
        for path in program_importers(self.context):
            text = project.text(path)
            if not (f"{function}(" in text or handed_on):
                continue
            # The importer, or the program's code it imports and hands the optimizer on to
            # (tflearn's estimator.py calling get_tensor() and building a TrainOp of trainer.py).
            reached = [text, *(project.text(str(module)) for module in project.imported_paths(path))]
            if any(TF1_OPTIMIZER_USE.search(code) for code in reached):
                return True
        return False

    def read_by_tf1_code(self, holders: tuple[str, ...]) -> bool:
        """Whether a module importing this one reads the instance attribute holding the optimizer
        (`self.opt` of a scheduler class; `opt = scheduler.opt`) and drives optimizers the TF1 way
        (`opt.compute_gradients(loss)`, `apply_gradients(grads, global_step=step)`)."""
        attributes = [key[len("self."):] for key in holders if key.startswith("self.") and "." not in key[5:]]
        project = self.context.project
        return bool(attributes) and any(
            TF1_OPTIMIZER_USE.search(text) and any(re.search(rf"\.{re.escape(name)}\b", text) for name in attributes)
            for text in map(project.text, program_importers(self.context)))

    def note_used(self, value: ast.expr) -> None:
        if isinstance(value, (ast.Dict, ast.List, ast.Tuple, ast.Set)):  # `{"type": MomentumOptimizer(...)}`
            for element in (value.values if isinstance(value, ast.Dict) else value.elts):
                self.note_used(element.value if isinstance(element, ast.Starred) else element)
            return
        if isinstance(value, ast.Call):
            self.calls_used_as_tf1.add(id(value))
            function = callee_name(value)
            if function is not None:
                self.used_as_tf1.add(f"{function}()")  # `make().minimize(...)`
        key = holder_key(value)
        if key is not None:
            self.used_as_tf1.add(key)

    def note_result(self, node: ast.Call) -> None:
        """`opt = make(...)`, `step, self.opt = self.make()`: where make's results are held."""
        function = callee_name(node)
        parent = next((a for a in reversed(self.context.ancestors)
                       if not isinstance(a, ast.Tuple | ast.List)), None)
        if function is None or not isinstance(parent, ast.Assign):
            return
        targets = [e for t in parent.targets for e in (t.elts if isinstance(t, ast.Tuple | ast.List) else [t])]
        self.results_of.setdefault(function, set()).update(
            k for k in map(holder_key, targets) if k is not None)

    def returned_by(self, node: ast.Call, holders: tuple[str, ...]) -> str | None:
        """The function that returns the optimizer (itself, or a name holding it), if any."""
        function = next((a for a in reversed(self.context.ancestors)
                         if isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)), None)
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            return None
        def returns(scope: ast.AST) -> bool:
            return any(isinstance(statement, ast.Return) and statement.value is not None and any(
                value is node or (isinstance(value, ast.Name | ast.Attribute) and holder_key(value) in holders)
                for value in ast.walk(statement.value)) for statement in ast.walk(scope))

        if returns(function):
            return function.name
        # Stored on the instance (`self.tensor = ...` in build()): a method of the module's classes
        # that returns it hands it out (tflearn's Optimizer.get_tensor()).
        if any(key.startswith("self.") for key in holders):
            for method in ast.walk(self.context.tree):
                if isinstance(method, ast.FunctionDef) and method is not function and returns(method):
                    return method.name
        return None

    def framework_base(self, returned_by: str | None) -> str | None:
        """The base class, defined outside this file, of the class whose method returns the
        optimizer (`class Model(ModelDesc): def optimizer(self): return tf.train.AdamOptimizer()`):
        the framework that calls the method uses the optimizer, out of sight."""
        if returned_by is None:
            return None
        ancestors = self.context.ancestors
        for index, ancestor in enumerate(ancestors[:-1]):
            method = ancestors[index + 1]
            if isinstance(ancestor, ast.ClassDef) and isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) \
                    and method.name == returned_by:
                local = {node.name for node in self.context.tree.body if isinstance(node, ast.ClassDef)}
                outside = [base for base in ancestor.bases if ast.unparse(base).split(".")[-1] not in local
                           and ast.unparse(base) != "object" and not (self.context.qualified_name(base) or "")
                           .startswith(("tensorflow", "keras", "tf_keras"))]  # a framework's class
                return ast.unparse(outside[0]) if outside else None
        return None

    def holders(self, node: ast.Call) -> tuple[str, ...]:
        """The names the optimizer is stored under (`opt = ...`, `self.opt = ...`, a parameter's
        default, a keyword argument), to match against uses of those names."""
        child: ast.AST = node
        parent: ast.AST | None = None
        for ancestor in reversed(self.context.ancestors):
            if not isinstance(ancestor, PASS_THROUGH):  # `x = a if c else b`: x holds a and b
                parent = ancestor
                break
            child = ancestor
        if isinstance(parent, ast.Assign):
            return tuple(k for k in map(holder_key, parent.targets) if k is not None)
        if isinstance(parent, ast.AnnAssign):
            key = holder_key(parent.target)
            return (key,) if key is not None else ()
        if isinstance(parent, ast.keyword) and parent.arg is not None:
            return (parent.arg,)
        if isinstance(parent, ast.arguments):
            positional = [*parent.posonlyargs, *parent.args]
            pairs = [*zip(positional[len(positional) - len(parent.defaults):], parent.defaults, strict=True),
                     *zip(parent.kwonlyargs, parent.kw_defaults, strict=True)]
            return tuple(arg.arg for arg, default in pairs if default is child)
        return ()


@dataclass(frozen=True)
class Pending:
    """A finding made in the walk, reported in finish()."""

    node: ast.Call
    message: str
    tf1_message: str | None  # the message where the file uses it the TF1 way (None: nothing breaks)
    fix: Fix | None
    rename: Fix | None  # the safe respelling of a TF 1.x name, where the Keras fix does not fit
    holders: tuple[str, ...]  # names the optimizer is stored under
    returned_by: str | None  # the function returning it
    framework: str | None = None  # the outside base class of the class whose method returns it


BUILTINS = frozenset(dir(builtins))  # `print(opt)` hands it to no optimizer consumer


def callee_name(node: ast.Call) -> str | None:
    """`make` for `make(...)` and `self.make(...)`."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def holder_key(node: ast.expr) -> str | None:
    """`opt` or `self.opt`: a name or attribute chain, as written (a class attribute set through
    `cls.` is read through `self.`); None for anything else."""
    inner = node
    while isinstance(inner, ast.Attribute):
        inner = inner.value
    if not isinstance(inner, ast.Name):
        return None
    text = ast.unparse(node)
    return "self" + text[len("cls"):] if inner.id == "cls" and isinstance(node, ast.Attribute) else text


def replacement(optimizer: V1Optimizer, node: ast.Call) -> str:
    """What replaces the optimizer, with this call's arguments mapped to Keras names."""
    if optimizer.keras_class is None:
        nearest = ""
        if optimizer.nearest_keras_class is not None:
            nearest = f" ({optimizer.nearest_keras_class} is the nearest)"
        return f"it has no faithful Keras 3 counterpart{nearest}: {optimizer.note}"
    note = f"; {optimizer.note}" if optimizer.note else ""
    return (
        f"use {keras_arguments(optimizer, node).text(optimizer.keras_class)} (the same updates, "
        f"with the TF1 defaults written out where Keras 3's differ){note}"
    )
