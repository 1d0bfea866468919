"""
## What it does
Flags every construction of a TF1 session: `tf.compat.v1.Session`, `InteractiveSession`,
`tf.compat.v1.train.MonitoredTrainingSession`, `MonitoredSession` and
`SingularMonitoredSession`, in their TF 1.x spellings too (`tf.Session`,
`tf.InteractiveSession`, `tf.train.MonitoredTrainingSession`, ...), through any import alias,
including `import tensorflow.compat.v1 as tf` and TensorFlow's internal modules. It fires
whatever the `target` setting: `tf.compat.v1.Session` still exists in TensorFlow 2.21. A
`tf.compat.v1` session in a module that trains nothing (no update op built or fetched, as
EA302 reads it) and runs no random op (restoring a checkpoint, inference, a unit test) is left
alone, and the TF 1.x spellings there are flagged for the AttributeError only (a session whose
runs the module shows is judged by what they fetch: a notebook's demo session beside cells that
train is not a training loop); so is a session that runs only with
eager execution off (`else` of `if tf.executing_eagerly():`) in a module that keeps it on.

## Why is this bad?
A session runs the TF1 graph API, and TensorFlow itself says that API cannot be made
deterministic. The documentation of `tf.config.experimental.enable_op_determinism` lists among
the requirements for deterministic training: "Do not use `tf.compat.v1.Session` and
`tf.distribute.experimental.ParameterServerStrategy`, which can introduce nondeterminism. [...]
Note that `tf.compat.v1.Session` is required to use the TF1 API, so determinism cannot be
guaranteed when using the TF1 API." So no amount of seeding makes a session-based training loop
reproducible by TensorFlow's own guarantee. The TF 1.x spellings (`tf.Session`,
`tf.train.MonitoredTrainingSession`) do not exist at all in TensorFlow 2: they raise
`AttributeError` before anything runs.

## How it was verified
The quotation is from the docstring of `enable_op_determinism` in
`tensorflow/python/framework/config.py` (TensorFlow 2.21.0; the same sentence is in 2.15.1's copy
of the file). This script, run with `/root/venv-tf/bin/python` (TensorFlow 2.21.0):
```python
import inspect
import tensorflow as tf
doc = inspect.getdoc(tf.config.experimental.enable_op_determinism)
i = doc.index("Do not use `tf.compat.v1.Session`")
print(tf.__version__, inspect.getsourcefile(tf.config.experimental.enable_op_determinism))
print(doc[i:i+430])
print("tf.Session", hasattr(tf, "Session"))
for n in ["Session", "InteractiveSession"]:
    print(n, hasattr(tf.compat.v1, n))
for n in ["MonitoredTrainingSession", "MonitoredSession", "SingularMonitoredSession"]:
    print(n, hasattr(tf.compat.v1.train, n), hasattr(tf.train, n))
```
printed the file `.../tensorflow/python/framework/config.py`, the quoted paragraph, `tf.Session
False`, True for `tf.compat.v1.Session` and `InteractiveSession`, and `True False` for each
monitored session (present in `tf.compat.v1.train`, absent from `tf.train`). A second run
printed `hasattr(tf, "InteractiveSession")` False and the classes' `__module__`:
`tensorflow.python.client.session` and `tensorflow.python.training.monitored_session`.

## Example
```python
import tensorflow.compat.v1 as tf

with tf.Session() as session:
    session.run(train_op)
```

## Use instead
TF2 code: eager execution or `tf.function`, with op determinism enabled:
```python
import tensorflow as tf

tf.keras.utils.set_random_seed(42)
tf.config.experimental.enable_op_determinism()


@tf.function
def train_step(features, labels):
    with tf.GradientTape() as tape:
        loss = loss_fn(labels, model(features, training=True))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                  model.trainable_variables))
```

## Fix safety
Safe, for the TF 1.x spellings TensorFlow 2 lacks: `tf.Session()` becomes
`tf.compat.v1.Session()`, spelled through the file's own name for TensorFlow. It is the same
class (TensorFlow 1.15 and 2.x export it under `tf.compat.v1`; the classes' `__module__` above is
the module both names point to), so the program computes what it did; on TensorFlow 2 it also
needs graph mode (EA109).

Unsafe, for a training script of the common shape (placeholders; `tf.Variable`s or `tf.layers`
dense, conv2d, pooling and flatten layers; a loss minimized by a TF1 optimizer; a `with
tf.Session() as sess:` block feeding NumPy values): the script is rewritten around a Keras
model of its graph (estimator_audit/migrate/graph.py). The statements that compute tensors
from the placeholders become the model's `call`, reading each placeholder from the fed dict
by name; `tf.Variable(init)` becomes `keras.Variable(init, name=<TF1's name>)`, the same
initial-value op; each `tf.layers` call a Keras layer built once, named as TF1 scoped its
variables; the optimizer its Keras 3 class with TF1's defaults written out; `minimize` the
model's `train_step`. In the session block, kept in place one level out, a training run
becomes `model.train_on_batch(feed)` (same batches, same order; the fetched loss is what it
returns) and other runs and `.eval()` calls `model.fetch(names, feed)`. TF1's graph seed
becomes `keras.utils.set_random_seed`. Scripts it cannot translate faithfully (a session used
for anything but runs, minimize with var_list, `tf.layers` sharing variables by scope, tf.contrib,
names TF2 lacks, several sessions, graph code in loops) keep the safe fix; with --fix alone
the safe fix applies too. Each rewrite is applied alone in a fix round; the next round's audit
reports what remains.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import replace
from typing import TYPE_CHECKING

from estimator_audit.findings import Fix, FixSafety, Severity
from estimator_audit.knowledge.calls import own_callee, tf_spelling
from estimator_audit.knowledge.facts import TRAINING_FETCH
from estimator_audit.knowledge.seeding import RNG
from estimator_audit.knowledge.tfsymbols import ATTRIBUTE_ERRORS, call_rename_fix, guarded
from estimator_audit.knowledge.v1api import INTERNAL_SESSIONS, TF1_ONLY_SESSIONS, is_session
from estimator_audit.migrate.model import Unsupported
from estimator_audit.migrate.scopes import contains
from estimator_audit.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

QUOTE = (
    "TensorFlow's enable_op_determinism documentation says \"tf.compat.v1.Session is required "
    "to use the TF1 API, so determinism cannot be guaranteed when using the TF1 API\""
)


class V1Session(Rule):
    code = "EA103"
    name = "v1-session"
    severity = Severity.WARNING
    summary = "A TF1 session: TensorFlow cannot guarantee determinism with the TF1 API."
    triggers = ("Session",)
    fix_safety = FixSafety.SAFE
    valid = (
        Valid(
            """
            import tensorflow as tf

            def score(losses, feed, checkpoint):  # the loss of the "training" objective, scored
                saver = tf.compat.v1.train.Saver()
                with tf.compat.v1.Session() as sess:
                    saver.restore(sess, checkpoint)
                    return sess.run(losses["training"], feed)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def ms_ssim(images):  # a metric's loop, not a training one
                with tf.Graph().as_default():
                    score = tf.reduce_mean(tf.image.ssim_multiscale(images, images, 1.0))
                    with tf.compat.v1.train.MonitoredTrainingSession() as session:
                        return session.run(score)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            model.fit(dataset, epochs=3)  # the notebook trains with Keras
            with tf.compat.v1.Session(tpu_address) as session:  # and only lists the TPU's devices
                devices = session.list_devices()
            """
        ),
        Valid(
            """
            import tensorflow as tf
            model.fit(x, y, epochs=3)
            with tf.compat.v1.Session() as sess:  # a demo beside the training: it fetches a constant
                print(sess.run(tf.constant([1, 2])))
            """
        ),
        Valid(
            """
            import requests
            from sqlalchemy.orm import Session
            http = requests.Session()
            db = Session(bind=engine)
            """
        ),
        Valid(
            """
            class Session:
                def run(self, fetches):
                    return fetches

            Session().run(1)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def train(client):
                session = client.Session()
                return tf.function(step)()
            """
        ),
        Valid(
            """
            import tensorflow as tf
            session = tf.compat.v1.keras.backend.get_session()
            assert isinstance(session, tf.compat.v1.Session)
            hook = tf.estimator.SessionRunHook()
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            with tf.Session("grpc://10.0.0.2:8470") as sess:
                tf.contrib.cloud.configure_gcs(sess, credentials=auth_info)
            tf.estimator.train_and_evaluate(estimator, train_spec, eval_spec)
            """,
            at=((2, 6),),
        ),
        Invalid(
            """
            import tensorflow as tf
            def test_gradient_override():
                with tf.Session().as_default():
                    x = tf.constant([1.0, -1.0])
                    grad = tf.gradients(tf.nn.relu(x), x)[0]
                    assert (grad.eval() == [1.0, 0.0]).all()
            """,
            at=((3, 10),),
        ),
        Invalid(
            """
            import tensorflow as tf
            with tf.compat.v1.Session() as session:
                session.run(train_op)
            """,
            at=((2, 6),),
            message="determinism cannot be guaranteed when using the TF1 API",
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            session = tf.Session(
                config=tf.ConfigProto(allow_soft_placement=True))
            interactive = tf.InteractiveSession()
            interactive.run(model.train_op)
            """,
            at=((2, 11), (4, 15)),
            message="tf.compat.v1.",
        ),
        Invalid(
            """
            import tensorflow as tf
            session = tf.Session()
            with tf.train.MonitoredTrainingSession(checkpoint_dir="/tmp/model") as monitored:
                monitored.run(train_op)
            """,
            at=((2, 11), (3, 6)),
            message="does not exist in TensorFlow 2",
            fixed="""
            import tensorflow as tf
            session = tf.compat.v1.Session()
            with tf.compat.v1.train.MonitoredTrainingSession(checkpoint_dir="/tmp/model") as monitored:
                monitored.run(train_op)
            """,
        ),
        Invalid(
            """
            from tensorflow.compat import v1
            def main():
                from tensorflow.compat.v1.train import MonitoredSession, SingularMonitoredSession
                from tensorflow.python.client import session as session_lib
                v1.Session()
                MonitoredSession(hooks=hooks)
                SingularMonitoredSession()
                return session_lib.Session(graph=graph)
            step = v1.train.GradientDescentOptimizer(0.1).minimize(loss)
            """,
            at=((5, 5), (6, 5), (7, 5), (8, 12)),
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        # (name, constructor, the name it is held under, the statement that holds it, the `with
        # graph.as_default():` block it runs in), judged once the module's training is known
        self.pending: list[tuple[str, ast.Call, str | None, ast.stmt | None, ast.With | None]] = []

    def visit_Call(self, node: ast.Call) -> None:
        name = self.context.call_name(node)
        if name is not None and is_session(name) and not guarded(self.context, node, ATTRIBUTE_ERRORS):
            holder = next((a for a in reversed(self.context.ancestors) if isinstance(a, ast.stmt)), None)
            assert holder is None or isinstance(holder, ast.stmt)
            graph = next((a for a in reversed(self.context.ancestors) if isinstance(a, ast.With) and any(
                isinstance(item.context_expr, ast.Call) and isinstance(item.context_expr.func, ast.Attribute)
                and item.context_expr.func.attr == "as_default" for item in a.items)), None)
            self.pending.append((name, node, session_name(self.context.ancestors, node), holder, graph))

    def finish(self) -> None:
        facts = self.context.facts
        # Graph training: a session run that trains or an update op built (not gradients a unit test
        # checks; an Estimator's or Keras model's training is not a session's loop).
        trains = any(facts.training_run(run) for run in facts.session_runs) or facts.applies_updates
        draws = any(use.rng is RNG.TENSORFLOW for use in facts.random_uses)
        for name, node, held, holder, graph in self.pending:
            # A session whose runs the module shows is judged by them (a notebook's demo session
            # fetching a constant, beside cells that train); one it passes on, by the module.
            runs = [run for run in facts.session_runs if isinstance(run.func, ast.Attribute)
                    and isinstance(run.func.value, ast.Name) and run.func.value.id == held
                    and self.runs_in(holder, held, run)]
            trained = any(facts.training_run(run) for run in runs) if runs else trains
            if runs and not trained and isinstance(holder, ast.With):
                trained = self.trains_in(holder)  # `sess.run(init)`, then the TF1 tutorials' `train_step.run(feed_dict=...)`
            if not runs and isinstance(holder, ast.With):
                # A `with` session block whose runs do not name it (`with tf.Session():`, the
                # default session of its block; `tensor.eval(session=sess)`; the session handed to
                # helpers): judged by the training in that block and in the module's functions it
                # calls (a CPU session extracting features, an inference or export function beside
                # the training one)
                trained = self.trains_in(holder)
            # (the random ops of the graph it runs: its `with graph.as_default():` block's, else its
            # own `with` block's when its runs do not name it, else the module's)
            scope = graph if graph is not None else holder if not runs and isinstance(holder, ast.With) else None
            block_draws = draws if scope is None else self.draws_in(scope)
            # (a MonitoredTrainingSession trains unless its runs shown fetch nothing named for
            # training: compare_gan's MS-SSIM metric loop)
            monitored = name.endswith("MonitoredTrainingSession") and (not runs or any(
                TRAINING_FETCH.search(ast.unparse(run.args[0] if run.args else run)) for run in runs))
            use = Use.TRAINS if trained or monitored else Use.DRAWS if block_draws else None
            if held is not None and not runs and self.only_lists_devices(held):
                use = None  # `with tf.Session(tpu_address) as sess: sess.list_devices()`: no graph runs
            if use is not None or name in TF1_ONLY_SESSIONS:  # a tf.compat.v1 session for inference: left alone
                fix, refused = self.fix(name, node, use)
                message = self.message(name, node, use)
                if refused is not None:
                    message += f"; the Keras rewrite (--unsafe-fixes) does not translate this script: {refused}"
                self.report(node, message, fix)

    def trains_in(self, block: ast.With) -> bool:
        """Whether a training call lies in the block, or in a function of this module the block
        calls by name (`train(sess)`, `self.fit(sess)`)."""
        training = self.context.facts.all_training_calls()
        if any(contains(block, call) for call in training):
            return True
        called = {own_callee(call) for call in ast.walk(block) if isinstance(call, ast.Call)}
        return any(isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and function.name in called
                   and any(contains(function, call) for call in training) for function in ast.walk(self.context.tree))

    def draws_in(self, block: ast.With) -> bool:
        """Whether TensorFlow random ops are built in the block, or in a function or class of this
        module the block calls by name (`model = RealNVP(hps)`, `logits = my_cnn(images)`)."""
        uses = [use.node for use in self.context.facts.random_uses if use.rng is RNG.TENSORFLOW]
        called = {own_callee(call) for call in ast.walk(block) if isinstance(call, ast.Call)}
        scopes = [block, *(node for node in ast.walk(self.context.tree) if isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name in called)]
        return any(contains(scope, use) for scope in scopes for use in uses)

    def runs_in(self, holder: ast.stmt | None, held: str | None, run: ast.Call) -> bool:
        """Whether a run under the session's name is this session's: inside its `with` block, or
        after `sess = tf.Session()` and before the name is bound to another session (notebook
        cells each opening `with tf.Session() as sess:`)."""
        if isinstance(holder, ast.With):
            return contains(holder, run)
        if not isinstance(holder, ast.Assign):
            return True
        later = [other.lineno for _, _, name, other, _ in self.pending
                 if name == held and other is not None and other is not holder and other.lineno > holder.lineno]
        return holder.lineno <= run.lineno < min(later, default=run.lineno + 1)

    def only_lists_devices(self, held: str) -> bool:
        """Whether every use of the session is `list_devices()` (or closing it)."""
        uses = [node for node in ast.walk(self.context.tree) if isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name) and node.value.id == held]
        return bool(uses) and all(use.attr in ("list_devices", "close") for use in uses)

    def fix(self, name: str, node: ast.Call, use: Use | None) -> tuple[Fix | None, str | None]:
        """The fix, and why a training script has no Keras rewrite."""
        renamed = (call_rename_fix(self.context, node, name, self.context.settings.target)
                   if name in TF1_ONLY_SESSIONS else None)
        if use is not Use.TRAINS:
            return renamed, None
        from estimator_audit.migrate.script_rewrite import script_rewrite  # only training sessions

        try:
            return replace(script_rewrite(self.context, node), fallback=renamed), None
        except Unsupported as reason:
            return renamed, str(reason)

    def message(self, name: str, node: ast.Call, use: Use | None) -> str:
        spelling = tf_spelling(INTERNAL_SESSIONS.get(name, name))
        advice = (f"{QUOTE}; rewrite the training loop in TF2 (eager or tf.function, or Keras fit) with "
                  "tf.config.experimental.enable_op_determinism()") if use is Use.TRAINS else (
                  f"{QUOTE}; port the graph code to TF2 (eager or tf.function) with "
                  "tf.config.experimental.enable_op_determinism()")
        if name in TF1_ONLY_SESSIONS:
            replacement = tf_spelling(name.replace("tensorflow.", "tensorflow.compat.v1.", 1))
            missing = (f"{spelling} does not exist in TensorFlow 2 (AttributeError; the TF1 API keeps it "
                       f"as {replacement})")
            return missing if use is None else f"{missing}, and {advice}"
        return f"{spelling} runs the TF1 graph API, and {advice}"


def session_name(ancestors: list[ast.AST], node: ast.Call) -> str | None:
    """The name a session is held under: `with tf.Session() as sess:` or `sess = tf.Session()`."""
    parent = ancestors[-1] if ancestors else None
    if isinstance(parent, ast.withitem) and parent.context_expr is node and isinstance(parent.optional_vars, ast.Name):
        return parent.optional_vars.id
    if isinstance(parent, ast.Assign) and parent.value is node and len(parent.targets) == 1 and isinstance(
            parent.targets[0], ast.Name):
        return parent.targets[0].id
    return None


class Use(enum.Enum):
    """What the module's sessions are for, as far as the determinism advice goes."""

    TRAINS = "trains"  # builds or fetches an update op
    DRAWS = "draws"  # runs random ops, training nothing
