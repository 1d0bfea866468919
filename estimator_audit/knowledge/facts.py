"""Module facts the seeding rules share: where a module trains, and what it seeds where.

Collected in the same single walk as the rules (the checker visits this collector first), so
a rule's `finish()` can ask "does this module train?" without walking the tree again.
"""

from __future__ import annotations

import ast
import builtins
import enum
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.knowledge.calls import UNKNOWN, argument, is_none, own_callee, tf_spelling
from estimator_audit.knowledge.reachability import live_walk
from estimator_audit.knowledge.tfapi import (
    TF1_GRAPH_CALLS,
    estimator_class,
    is_run_config,
    keras3,
    keras_random_layers,
    spells_eager_switch,
)
from estimator_audit.knowledge.v1api import INTERNAL_SESSIONS, custom_estimator_entry
from estimator_audit.resolve import SCOPE_NODES

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext
    from estimator_audit.migrate.lookup import Definition


class RNG(enum.StrEnum):
    """The global random number generators a program can seed."""

    PYTHON = "Python's random"
    NUMPY = "NumPy's global RNG"
    TENSORFLOW = "TensorFlow's global seed"


ALL_RNGS = frozenset(RNG)
# Calls that seed global RNGs, and which ones. keras.utils.set_random_seed seeds all three
# (verified on TF 2.21 / Keras 3.15 with two runs of a seeded Dense layer).
SEEDING_CALLS: dict[str, frozenset[RNG]] = {
    "tensorflow.random.set_seed": frozenset({RNG.TENSORFLOW}),
    "tensorflow.compat.v1.set_random_seed": frozenset({RNG.TENSORFLOW}),
    "tensorflow.compat.v1.random.set_random_seed": frozenset({RNG.TENSORFLOW}),
    # TF 1.x spellings: missing on TensorFlow 2 (EA106 respells them), but the program's seed.
    "tensorflow.set_random_seed": frozenset({RNG.TENSORFLOW}),
    "tensorflow.random.set_random_seed": frozenset({RNG.TENSORFLOW}),
    "keras.utils.set_random_seed": ALL_RNGS,
    "tensorflow.keras.utils.set_random_seed": ALL_RNGS,
    "tf_keras.utils.set_random_seed": ALL_RNGS,
    "numpy.random.seed": frozenset({RNG.NUMPY}),
    "random.seed": frozenset({RNG.PYTHON}),
}
# The *global seeding calls* of the catalogue: TensorFlow's or Keras's, not NumPy's or Python's.
GLOBAL_SEEDING_CALLS = frozenset(n for n, rngs in SEEDING_CALLS.items() if RNG.TENSORFLOW in rngs)

KERAS_MODEL_FACTORIES = frozenset(
    f"{keras}.{name}"
    for keras in ("keras", "tensorflow.keras", "tf_keras")
    for name in ("Sequential", "Model", "models.Sequential", "models.Model", "models.load_model",
                 "saving.load_model", "models.clone_model")
)
# Libraries whose estimators have a fit of their own.
OTHER_ML_LIBRARIES = frozenset({"sklearn", "xgboost", "lightgbm", "catboost", "gensim"})
KERAS_TRAINING_METHODS = frozenset({"fit", "fit_generator", "train_on_batch"})
# The keywords Keras 1 to 3's Model.fit took: another keyword is another library's fit.
KERAS_FIT_KEYWORDS = frozenset({
    "x", "y", "batch_size", "epochs", "nb_epoch", "verbose", "callbacks", "validation_split",
    "validation_data", "shuffle", "class_weight", "sample_weight", "initial_epoch", "steps_per_epoch",
    "validation_steps", "validation_batch_size", "validation_freq", "max_queue_size", "workers",
    "use_multiprocessing", "show_accuracy"})
SESSION_CLASSES = frozenset(
    f"{tf}.{name}"
    for tf in ("tensorflow", "tensorflow.compat.v1")
    for name in ("Session", "InteractiveSession", "train.MonitoredTrainingSession",
                 "train.MonitoredSession", "train.SingularMonitoredSession", "get_default_session",
                 *(f"{module}Supervisor().{method}" for module in ("train.", "")  # (TF 0.x: tf.Supervisor)
                   for method in ("managed_session", "prepare_or_wait_for_session", "PrepareSession")))
) | frozenset(INTERNAL_SESSIONS)  # (tf-slim's `monitored_session.MonitoredTrainingSession`)
TRAIN_AND_EVALUATE = frozenset(
    {"tensorflow.estimator.train_and_evaluate", "tensorflow.compat.v1.estimator.train_and_evaluate"}
)
GRADIENT_TAPES = frozenset({"tensorflow.GradientTape", "tensorflow.compat.v1.GradientTape"})
# TF-Slim's training loops: they build their own Supervisor session on the default graph and run
# the train_op in it, so they train a TF1 graph the way `sess.run(train_op)` does.
TF1_TRAINING_LOOPS = frozenset(
    f"{slim}.{loop}"
    for slim in ("tensorflow.contrib.slim", "tf_slim", "tensorflow.contrib.slim.python.slim")
    for loop in ("learning.train", "training.train")
) | {"tensorflow.contrib.training.train"}


# tf.compat.v1.keras is TensorFlow's Keras too (Keras 3 from 2.16, unless TF_USE_LEGACY_KERAS);
# tf.contrib.keras was TF 1.x's (its layers drew from the graph seed).
KERAS_PACKAGES = ("keras", "tensorflow.keras", "tensorflow.compat.v1.keras", "tf_keras",
                  "tensorflow.contrib.keras")
TF1_KERAS = frozenset({"tf_keras", "tensorflow.contrib.keras"})  # never Keras 3
NUMPY_NOT_GLOBAL = frozenset(
    {"seed", "default_rng", "RandomState", "Generator", "PCG64", "PCG64DXSM", "MT19937", "Philox",
     "SFC64", "SeedSequence", "BitGenerator", "get_state", "set_state"}
)
PYTHON_RANDOM_FUNCTIONS = frozenset(
    {"random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform",
     "triangular", "gauss", "normalvariate", "lognormvariate", "expovariate", "vonmisesvariate",
     "gammavariate", "betavariate", "paretovariate", "weibullvariate", "getrandbits", "randbytes",
     "binomialvariate"}
)
TF_RANDOM_OPS = frozenset(
    [f"tensorflow.random.{op}" for op in ("normal", "uniform", "truncated_normal", "shuffle",
                                          "categorical", "gamma", "poisson", "experimental.choice")]
    + [f"tensorflow.{v1}{op}" for v1 in ("compat.v1.", "")  # TF 1.x spelled them at the top level
       for op in ("random_normal", "random_uniform", "truncated_normal", "random_shuffle", "random_crop",
                  "random_gamma", "random_poisson", "multinomial")]
    + [f"tensorflow.compat.v1.random.{op}" for op in ("normal", "uniform", "truncated_normal",
                                                      "shuffle", "categorical", "gamma", "poisson",
                                                      "multinomial")]
)
RUN_CONFIG_PARAMETERS = ("model_dir", "tf_random_seed")
# How many `config = ...` assignments and `.replace()` calls to follow back.
MAX_CONFIG_HOPS = 8
# TensorFlow 1's MNIST reader (or estimator-audit's port of it, mnist_input_data): next_batch
# shuffles each epoch with numpy.random.shuffle, but the DataSet constructor first reseeds NumPy
# from TensorFlow's graph seed (`numpy.random.seed(seed1)`, from `random_seed.get_seed`; None,
# so OS entropy, without one): the graph seed decides the shuffle, NumPy's is overwritten.
MNIST_BATCH = re.compile(r"(?:^|\.)(?:input_data|mnist|mnist_input_data)\.read_data_sets\(\)\."
                         r"(?:train|validation|test)\.next_batch$")
# TF1's MNIST DataSet shuffles with NumPy, reseeded from TensorFlow's graph seed as it is made.
MNIST_SHUFFLE = "the MNIST DataSet.next_batch shuffle"
TF_DATASETS = ("tensorflow.data.Dataset.", "tensorflow.compat.v1.data.Dataset.")
DETERMINISTIC_INITIALIZER_NAMES = frozenset({"zeros", "ones", "constant", "identity"})


@dataclass(frozen=True)
class SeedingCall:
    node: ast.Call
    name: str
    seeds: frozenset[RNG]


@dataclass(frozen=True)
class RandomUse:
    """A call that draws from a global RNG (or builds something that will) without its own seed."""

    node: ast.Call
    rng: RNG
    what: str  # for messages: "keras.layers.Dense", "np.random.rand"


def keras_member(name: str, module: str) -> tuple[str, str] | None:
    """(package, member) when `name` is `<keras package>.<module>.<Member>`."""
    for package in KERAS_PACKAGES:
        prefix = f"{package}.{module}."
        if name.startswith(prefix) and "." not in name[len(prefix) :]:
            return package, name[len(prefix) :]
    return None


# Seeding calls whose seed argument, left out or None, reseeds from the operating system's entropy.
ENTROPY_RESEEDABLE = frozenset({"numpy.random.seed", "random.seed"})


def entropy_reseed(call: ast.Call, name: str) -> bool:
    """`np.random.seed(None)`, `random.seed()`: a reseed from OS entropy, not a seed."""
    if name not in ENTROPY_RESEEDABLE:
        return False
    seed = call.args[0] if call.args else next(
        (k.value for k in call.keywords if k.arg in ("seed", "a")), None)  # random.seed(a=...)
    return seed is None or is_none(seed)


# Initializers that draw nothing (`kernel_initializer=tf.zeros_initializer()`, `"zeros"`).
CONSTANT_INITIALIZERS = re.compile(r"^(?:[Zz]eros|[Oo]nes|[Cc]onstant|[Ii]dentity)(?:_initializer)?$")


def draws_nothing(node: object) -> bool:
    """Whether an initializer argument is a constant one: by name, class or call."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and CONSTANT_INITIALIZERS.match(node.value) is not None
    function = node.func if isinstance(node, ast.Call) else node
    last = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return isinstance(function, (ast.Attribute, ast.Name)) and CONSTANT_INITIALIZERS.match(last) is not None


def has_seed(node: object) -> bool:
    """An argument that pins randomness: a seeded initializer call or a deterministic one."""
    if isinstance(node, ast.Constant):
        return node.value is not None and (
            not isinstance(node.value, str) or node.value.lower() in DETERMINISTIC_INITIALIZER_NAMES
        )
    if isinstance(node, ast.Call):
        return any(k.arg == "seed" and not is_none(k.value) for k in node.keywords) or bool(node.args)
    return node is not None


def receiver_class(qualified_method: str | None) -> str | None:
    """`tensorflow.Session().run` -> `tensorflow.Session`; None unless called on an instance."""
    if qualified_method is None or not qualified_method.rpartition(".")[0].endswith("()"):
        return None
    return qualified_method.rpartition(".")[0][:-2]


def receiver_text(node: ast.expr) -> str:
    """The dotted text of an attribute chain (`self.sess`), or '' for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


class ModuleFacts:
    """Collects training and seeding calls during the checker's walk."""

    def __init__(self, context: ModuleContext) -> None:
        self.context = context
        self.training_calls: list[ast.Call] = []
        # A session's run() trains only where the module builds an update op or the fetch says
        # so: the same call restores checkpoints, runs inference and benchmarks.
        self.session_runs: list[ast.Call] = []
        # what a call of the program's own sess.run wrapper runs (`self.run_epoch(data, ops)`: ops)
        self.wrapper_fetches: dict[int, ast.expr] = {}
        self.discarding_runs: set[int] = set()  # `_, loss = sess.run(...)`: the first fetch's result dropped
        self.builds_update_op = False  # an optimizer's update op, or gradients (`tf.gradients`)
        self.applies_updates = False  # an optimizer's update op: gradients alone train nothing
        # names (or attributes: `self.train_op`) bound to an update op (`train_op = opt.minimize(...)`)
        self.update_names: set[str] = set()
        self.metric_names: set[str] = set()  # names bound to a tf.metrics result (`acc, update_op = ...`)
        self.seeding_calls: list[SeedingCall] = []
        self.uses_gradient_tape = False
        self.tape_applies: list[ast.Call] = []
        self.random_uses: list[RandomUse] = []
        # Calls that only a TF1 graph program makes (sessions, placeholders, graph-mode switches).
        self.graph_calls: list[ast.Call] = []
        # Ancestors of every call recorded above, for rules that reason about blocks.
        self.ancestry: dict[int, tuple[ast.AST, ...]] = {}
        self.resets: list[ast.Call] = []  # tf.reset_default_graph() calls
        self.graph_state: list[ast.Call] = []  # calls that make randomly initialised graph state
        self.entropy_reseeds: list[ast.Call] = []  # `np.random.seed(None)`, `random.seed()`

    @property
    def builds_tf1_graph(self) -> bool:
        """Whether the module runs TF1 graph code, where Keras seeding is not the natural spelling."""
        return bool(self.graph_calls)

    @property
    def trains(self) -> bool:
        return bool(self.all_training_calls())

    def all_training_calls(self) -> list[ast.Call]:
        """Training calls in source order, apply_gradients counting when a GradientTape is used,
        a session's run when it runs an update op (see `training_run`); not those in a function
        the program never calls."""
        calls = self.training_calls + (self.tape_applies if self.uses_gradient_tape else [])
        calls += [run for run in self.session_runs if self.training_run(run)]
        return sorted((call for call in calls if not self.in_uncalled_function(call)),
                      key=lambda c: (c.lineno, c.col_offset))

    def in_uncalled_function(self, call: ast.Call) -> bool:
        outer = next((a for a in self.ancestry.get(id(call), ()) if isinstance(a, FUNCTION_DEFS)), None)
        return outer is not None and never_called(self.context, outer)

    def training_run(self, run: ast.Call) -> bool:
        """Whether `sess.run(...)` trains: it fetches an update op the module binds to a name
        (`train_op = opt.minimize(loss)`), or one named so (`model.train_op`, `optimizer`)."""
        fetches = self.wrapper_fetches.get(id(run)) or (run.args[0] if run.args else argument(run, "fetches"))
        if not isinstance(fetches, ast.expr):
            return False
        if isinstance(fetches, ast.Name):  # `run_ops = [loss, ops["train_op"]]; sess.run(run_ops)`
            fetches = self.collected_fetches(fetches, run)
        if any((isinstance(n, ast.Name) and n.id in self.update_names)
               or (isinstance(n, ast.Attribute) and n.attr in self.update_names) for n in ast.walk(fetches)):
            return True
        attributes = {n.attr for n in ast.walk(fetches) if isinstance(n, ast.Attribute)}
        if attributes and attributes & imported_update_attributes(self.context):
            return True  # `sess.run([model.meta_op])`, the update op a module it imports binds (MAML's)
        opaque = isinstance(fetches, (ast.Name, ast.Attribute, ast.Subscript, ast.Call))
        if opaque and id(run) in self.discarding_runs and not NOT_TRAINING.search(ast.unparse(fetches)):
            return True  # `_, loss = sess.run(ops, feed)`: ops built elsewhere, an update op's None dropped
        # The module names its update ops: does this run fetch one? (A parameter, `def
        # train(train_op, ...)`, is the caller's op, judged by its name.)
        if self.update_names and (self.fetches_derived_update(fetches) or not self.parameter(fetches, run)):
            return self.fetches_derived_update(fetches)
        while isinstance(fetches, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            fetches = fetches.elt  # `[tf.assign(v, 1) for v in update_switches]` fetches the assignments
        words = fetch_words(self.unread_fetches(fetches, run))
        # (through the program's run wrapper, an `update` word is no training step: MaskGAN's
        # assign_percent_real(sess, model.percent_real_update, ...) assigns a variable)
        says_training = WRAPPED_TRAINING_FETCH if id(run) in self.wrapper_fetches else TRAINING_FETCH
        return any(says_training.search(word) and not NOT_TRAINING.search(word)
                   and word not in self.metric_names
                   and (self.applies_updates or not METRIC_UPDATE.match(word)) for word in words)

    def unread_fetches(self, fetches: ast.expr, run: ast.Call) -> ast.expr:
        """The fetches whose results the program does not read, or whose names say train. An
        optimizer's update op returns None: a fetch unpacked into a name read later is a value
        (`lr, optimizer = sess.run([model.lrn_rate, model.optimizer])`, then `if optimizer != ...`),
        but a train op made by tf-slim's create_train_op returns the loss."""
        ancestors = self.ancestry.get(id(run), ())
        parent = ancestors[-1] if ancestors else None
        targets = parent.targets[0] if isinstance(parent, ast.Assign) and len(parent.targets) == 1 else None
        if not (isinstance(targets, (ast.Tuple, ast.List)) and isinstance(fetches, (ast.List, ast.Tuple))
                and len(targets.elts) == len(fetches.elts)):
            return fetches
        scope = scope_of(ancestors) or self.context.tree
        read = {node.id for node in ast.walk(scope)
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
        return ast.List([fetch for fetch, target in zip(fetches.elts, targets.elts, strict=True)
                         if not (isinstance(target, ast.Name) and target.id in read)
                         or any(TRAIN_WORD.search(word) for word in fetch_words(fetch))], ast.Load())

    def parameter(self, fetches: ast.expr, run: ast.Call) -> bool:
        """Whether the run fetches a parameter of the function it is in (tf-slim's
        `train(train_op, logdir)` running `session.run(train_op)`)."""
        function = next((a for a in reversed(self.ancestry.get(id(run), ())) if isinstance(
            a, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
        return isinstance(fetches, ast.Name) and function is not None and fetches.id in {
            a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}

    def collected_fetches(self, name: ast.Name, run: ast.Call) -> ast.expr:
        """What a fetches variable holds: the list, tuple or dict it was bound to (`dict(loss=...)`
        too), with the entries set on it afterwards in the same function
        (`fetches = {"loss": loss}; fetches["train_op"] = train_op`, texar's shape)."""
        from estimator_audit.migrate.lookup import scopes  # scope tables, for such runs only

        listed = scopes(self.context).reaching_value(name)
        if isinstance(listed, ast.Call) and isinstance(listed.func, ast.Name) and listed.func.id == "dict":
            listed = ast.List([keyword.value for keyword in listed.keywords] + list(listed.args), ast.Load())
        if not isinstance(listed, (ast.List, ast.Tuple, ast.Dict)):
            return name
        scope = scope_of(self.ancestry.get(id(run), ())) or self.context.tree
        added = [node.value for node in ast.walk(scope) if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
            and target.value.id == name.id for target in node.targets)]
        return ast.List([listed, *added], ast.Load()) if added else listed

    def fetches_derived_update(self, fetches: ast.expr) -> bool:
        """Whether a fetched name holds a value made from an update op
        (`train_op = apply_gradient_op if is_train else []`, DeepSpeech's shape)."""
        from estimator_audit.migrate.lookup import scopes  # scope tables, for such runs only

        table = scopes(self.context)
        for name in (node for node in ast.walk(fetches) if isinstance(node, ast.Name)):
            value = table.reaching_value(name)
            if value is not None and self.names_update(value):
                return True
        gated = self.gated_by_update()
        if any((isinstance(node, ast.Name) and node.id in gated) or (
                isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "self" and node.attr in gated) for node in ast.walk(fetches)):
            return True
        held = {node.attr for node in ast.walk(fetches) if isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name) and node.value.id == "self"}
        return bool(held) and any(  # `self.step_ops = [policy_loss, policy_train_op]` (stable-baselines' SAC)
            self.names_update(value) for attribute, value in self.attribute_values() if attribute in held)

    def gated_by_update(self) -> frozenset[str]:
        """Names bound inside `with tf.control_dependencies([update]):` blocks whose dependencies
        are update ops (`train_op = tf.no_op()` after `opt.minimize(loss)`, tensorflow-yolov3's
        shape): running them runs the update. Read once a module."""
        memo = self.context.memo
        if "gated_by_update" not in memo:
            names: set[str] = set()
            for block in ast.walk(self.context.tree):
                if not isinstance(block, ast.With) or not any(self.depends_on_update(item.context_expr)
                                                              for item in block.items):
                    continue
                names.update(target.id if isinstance(target, ast.Name) else target.attr
                             for statement in block.body if isinstance(statement, ast.Assign)
                             for target in statement.targets if isinstance(target, ast.Name) or (
                                 isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                                 and target.value.id == "self"))  # (`self.train_op = tf.group(...)`)
            memo["gated_by_update"] = frozenset(names)
        found: frozenset[str] = memo["gated_by_update"]
        return found

    def depends_on_update(self, manager: ast.expr) -> bool:
        """`tf.control_dependencies([opt.minimize(loss)])` or `([train_step])`: the block's ops
        wait for an update op."""
        if not (isinstance(manager, ast.Call) and isinstance(manager.func, ast.Attribute)
                and manager.func.attr == "control_dependencies"):
            return False
        return any(self.names_update(arg) or any(
            isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr in UPDATE_METHODS for call in ast.walk(arg)) for arg in manager.args)

    def names_update(self, value: ast.expr) -> bool:
        """Whether an expression names an update op (`train_op`, `self.policy_train_op`), or
        calls a function of the module that returns one (`self.train_op = self._train()`)."""
        return any((isinstance(part, ast.Name) and part.id in self.update_names)
                   or (isinstance(part, ast.Attribute) and part.attr in self.update_names)
                   or (isinstance(part, ast.Call) and own_callee(part) in self.update_makers())
                   for part in ast.walk(value))

    def update_makers(self) -> frozenset[str]:
        """The module's functions and methods that return an update op (tensorflow-yolo's
        `def _train(self): ... return opt.apply_gradients(grads)`). Read once a module."""
        memo = self.context.memo
        if "update_makers" not in memo:
            makers: set[str] = set()
            for function in ast.walk(self.context.tree):
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                bound = {target.id for statement in ast.walk(function)
                         if isinstance(statement, ast.Assign) and applies_update(statement.value)
                         for target in statement.targets if isinstance(target, ast.Name)}
                for statement in ast.walk(function):
                    returned = statement.value if isinstance(statement, ast.Return) else None
                    if returned is not None and any(applies_update(part) or (
                            isinstance(part, ast.Name) and part.id in bound) for part in ast.walk(returned)):
                        makers.add(function.name)
            memo["update_makers"] = frozenset(makers)
        found: frozenset[str] = memo["update_makers"]
        return found

    def attribute_values(self) -> list[tuple[str, ast.expr]]:
        """`self.X = value` and `self.X += value` of the module: (X, value), read once a module."""
        memo = self.context.memo
        if "attribute_values" not in memo:
            memo["attribute_values"] = [
                (target.attr, node.value) for node in ast.walk(self.context.tree)
                if isinstance(node, (ast.Assign, ast.AugAssign)) and node.value is not None
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                and target.value.id == "self"]
        found: list[tuple[str, ast.expr]] = memo["attribute_values"]
        return found

    def first_training_call(self) -> ast.Call | None:
        calls = self.all_training_calls()
        return calls[0] if calls else None

    def seeded(self) -> frozenset[RNG]:
        seeded: set[RNG] = set()
        for call in self.seeding_calls:
            seeded |= call.seeds
        return frozenset(seeded)

    def global_seeding_calls(self) -> list[SeedingCall]:
        return [c for c in self.seeding_calls if RNG.TENSORFLOW in c.seeds]

    def seeds_lost_to_reset(self) -> list[tuple[SeedingCall, ast.Call]]:
        """(seed, reset) pairs: `tf.reset_default_graph()` after the seed in the same function
        (or module), then TensorFlow draws built with no seeding call between the reset and them.
        The reset makes a new default graph, which has no seed (TF 2.21: graph.seed None after it,
        and a random_uniform differed between two runs)."""
        resets = self.resets
        draws = [use.node for use in self.random_uses if use.rng is RNG.TENSORFLOW] + self.graph_state
        found = []
        for seed in self.global_seeding_calls():
            scope = scope_of(self.ancestry.get(id(seed.node), ()))
            later = [reset for reset in resets if reset.lineno > seed.node.lineno
                     and scope_of(self.ancestry.get(id(reset), ())) is scope]
            for reset in later[:1]:
                reseeded = [other.node.lineno for other in self.global_seeding_calls()
                            if other.node.lineno > reset.lineno]
                unseeded = [draw for draw in draws if draw.lineno > reset.lineno
                            and scope_of(self.ancestry.get(id(draw), ())) is scope
                            and not any(reset.lineno < line <= draw.lineno for line in reseeded)]
                if unseeded:
                    found.append((seed, reset))
        return found

    def seeding_helper(self, node: ast.Call, callee: Definition | None) -> frozenset[RNG]:
        """The generators a call of the program's own seeding function seeds (baselines'
        `set_global_seeds(seed)`, a `seed_everything()` in a utils module, a `util.init_tf()`
        that sets the graph seed before making the session): read from the function's body.
        A callee named for seeding is followed wherever it is defined; any other callee only
        when it is a function of another module of the program (`callee`: this module's own
        functions are walked with it)."""
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if "seed" in name.lower():
            callee = seeding_callee(self.context, node, self.context.ancestors)
            if callee is None and name in LIBRARY_SEEDERS and node.args and library_call(self.context, node):
                return ALL_RNGS  # tensor2tensor's `trainer_lib.set_random_seed(FLAGS.random_seed)`
        if callee is None or not isinstance(callee.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return frozenset()
        return function_seeds(callee.context, callee.node)

    def program_callee(self, node: ast.Call) -> Definition | None:
        """The program's function or method a call runs, where it may seed or run a session:
        `self.evaluate([self.train_op], x)` (a method of the class or a base class), or a
        function of another module."""
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            from estimator_audit.migrate.lookup import self_method  # whole-program lookups

            return self_method(self.context, node, self.context.ancestors)
        return self.project_function(node)

    def project_function(self, node: ast.Call) -> Definition | None:
        """The top-level function of another program module a call names (`util.init_tf()`,
        `from util import init_tf; init_tf()`), when that module may seed or run a session;
        None for libraries and this module's names."""
        qualified = self.context.call_name(node)
        root = qualified.split(".")[0] if qualified is not None else ""
        if not root or root in KNOWN_LIBRARY_ROOTS or root in sys.stdlib_module_names:
            return None
        located = self.context.project.locate(self.context.source.path, qualified or "")
        if located is None or len(located[1]) != 1 or located[0] == self.context.source.path:
            return None
        text = self.context.project.text(located[0])
        if "seed" not in text and ".run(" not in text:
            return None  # (neither a seeding helper nor a session-run wrapper: not parsed)
        other = self.context.project.context(located[0])
        function = top_level_functions(other).get(located[1][0]) if other is not None else None
        if other is None or function is None:
            return None
        from estimator_audit.migrate.lookup import Definition  # whole-program lookups

        return Definition(other, function)

    def visit_Call(self, node: ast.Call) -> None:
        recorded = self.record(node)
        if recorded:
            self.ancestry[id(node)] = tuple(self.context.ancestors)

    def block_positions(self, node: ast.Call) -> list[BlockPosition]:
        """Where a recorded call stands in its enclosing statement lists, innermost first."""
        return block_positions(self.ancestry.get(id(node), ()), node)

    def record(self, node: ast.Call) -> bool:
        """File the call under what it does; False when it is none of the recorded kinds."""
        test_seeds = self.test_seeds()
        if RNG.TENSORFLOW in test_seeds:
            return False  # tf.test.TestCase seeds every generator before each test
        name = self.context.call_name(node)
        if name is not None and ".metrics." in name and name.startswith("tensorflow"):
            self.note_metric_names()
        if isinstance(node.func, ast.Attribute) and node.func.attr == "run" and self.in_session_hook():
            return False  # a SessionRunHook runs ops in the session and graph its Estimator owns
        if name in SEEDING_CALLS:
            if entropy_reseed(node, name):
                self.entropy_reseeds.append(node)  # `np.random.seed(None)`: seeds from the OS, undoing a seed
            else:
                self.seeding_calls.append(SeedingCall(node, name, SEEDING_CALLS[name]))
            return True
        if name in RESETS:
            self.resets.append(node)
            return True
        parent = self.context.ancestors[-1] if self.context.ancestors else None
        statement = isinstance(parent, (ast.Expr, ast.Assign, ast.Return))  # where helpers are called
        callee = self.program_callee(node) if statement else None
        helper = self.seeding_helper(node, callee)
        if helper:
            self.seeding_calls.append(SeedingCall(node, call_text(node), helper))
            return True
        fetched = fetched_argument(callee, node) if callee is not None else None
        if fetched is not None:
            self.session_runs.append(node)  # `tfutil.run([train_op], feed)`: the program's sess.run wrapper
            self.wrapper_fetches[id(node)] = fetched
            return True
        if name is not None:
            use = self.random_use(node, name)
            if use is not None and use[0] not in test_seeds and not self.made_text(node) \
                    and not self.derives_seed():
                self.random_uses.append(RandomUse(node, *use))
                return True
        if name is not None and name.startswith(("tensorflow.", "keras.")) and any(
                part in name for part in GRAPH_STATE) and not name.endswith(".Variable"):
            self.graph_state.append(node)  # (a tf.Variable draws only through its initial value's random op)
            self.ancestry[id(node)] = tuple(self.context.ancestors)
        if name in GRADIENT_TAPES:
            self.uses_gradient_tape = True
            return False
        if (name is not None and name.startswith("tensorflow") and name.rsplit(".", 1)[-1] in TF1_GRAPH_CALLS
                and not given_to_keras(self.context.ancestors, node, self.context)):
            self.graph_calls.append(node)
        if name in TRAIN_AND_EVALUATE:
            self.training_calls.append(node)
            return True
        if name in TF1_TRAINING_LOOPS:
            self.training_calls.append(node)
            self.graph_calls.append(node)
            return True
        if not isinstance(node.func, ast.Attribute):
            return False
        method = node.func.attr
        if method in UPDATE_METHODS or (name or "").endswith(".gradients"):
            self.builds_update_op = True
            self.applies_updates = self.applies_updates or method in UPDATE_METHODS
            parent = self.context.ancestors[-1] if self.context.ancestors else None
            if method in UPDATE_METHODS and isinstance(parent, ast.Assign) and parent.value is node:
                self.update_names |= {t.id if isinstance(t, ast.Name) else t.attr for t in parent.targets
                                      if isinstance(t, (ast.Name, ast.Attribute))}  # not gradients
        if method == "apply_gradients":
            if self.in_optimizer_method():
                return False  # an optimizer's own apply_gradients delegating: library code
            self.tape_applies.append(node)
            return True
        if method == "run" and self.is_training_method(node, method, name):
            owner = receiver_class(name)
            if owner is not None and owner.endswith((".minimize", ".apply_gradients")):
                self.training_calls.append(node)  # `train_step.run()`: the update op runs itself
            else:
                self.session_runs.append(node)
                parent = self.context.ancestors[-1] if self.context.ancestors else None
                if isinstance(parent, ast.Assign) and discards_first(parent.targets):
                    self.discarding_runs.add(id(node))
            return True
        if self.is_training_method(node, method, name):
            self.training_calls.append(node)
            return True
        return False

    def estimator_seeded(self, constructor: ast.Call) -> bool | None:
        """Whether an estimator's RunConfig sets tf_random_seed: True, False, or None when the
        file does not show the config (a parameter, **kwargs)."""
        return self.estimator_config(constructor)[0]

    def estimator_config(self, constructor: ast.Call) -> tuple[bool | None, ast.expr | None]:
        """(seeded, where to seed it): the RunConfig (or `.replace`) call that lacks the seed,
        a `config=None` to replace, or None when no config is passed at all."""
        estimator = estimator_class(self.context.call_name(constructor))
        if estimator is None:
            return None, None
        config = argument(constructor, "config", estimator.parameters)
        for _ in range(MAX_CONFIG_HOPS):
            if config is None:
                return False, None
            if is_none(config):
                return False, config  # type: ignore[return-value]
            if isinstance(config, ast.Name):
                config = self.context.assigned_value(config)
                if config is None:
                    return None, None  # a parameter, a loop variable: not shown in this file
                continue
            if not isinstance(config, ast.Call):
                return None, None
            if isinstance(config.func, ast.Attribute) and config.func.attr == "replace":
                seed = argument(config, "tf_random_seed")
                if seed is UNKNOWN:
                    return None, None
                if seed is not None:
                    return not is_none(seed), config
                config = config.func.value
                continue
            if not is_run_config(self.context.call_name(config)):
                return None, None
            seed = argument(config, "tf_random_seed", RUN_CONFIG_PARAMETERS)
            if seed is UNKNOWN:
                return None, None
            return seed is not None and not is_none(seed), config
        return None, None

    def keras_rng(self, package: str) -> RNG:
        """Keras 3 seeds unseeded layers from Python's random; Keras 2 (tf_keras, or tf.keras
        before TF 2.16 or in a module that sets TF_USE_LEGACY_KERAS) from TensorFlow's global seed."""
        from estimator_audit.knowledge.tfsymbols import uses_legacy_keras  # tfsymbols reads facts' rules

        is_keras3 = package not in TF1_KERAS and keras3(self.context.settings.target) and (
            package == "keras" or not uses_legacy_keras(self.context))
        return RNG.PYTHON if is_keras3 else RNG.TENSORFLOW

    def random_use(self, node: ast.Call, name: str) -> tuple[RNG, str] | None:
        """Which global RNG this call draws from, if it draws from one without its own seed."""
        if name.startswith("numpy.random."):
            function = name[len("numpy.random.") :]
            if "." not in function and function not in NUMPY_NOT_GLOBAL:
                return RNG.NUMPY, f"np.random.{function}"
            return None
        if MNIST_BATCH.search(name):
            shuffle = argument(node, "shuffle", ("batch_size", "fake_data", "shuffle"))
            if isinstance(shuffle, ast.Constant) and shuffle.value is False:
                return None
            return RNG.TENSORFLOW, MNIST_SHUFFLE
        if name.startswith("random."):
            function = name[len("random.") :]
            return (RNG.PYTHON, name) if function in PYTHON_RANDOM_FUNCTIONS else None
        if name in TF_RANDOM_OPS:
            return None if has_seed(argument(node, "seed")) else (RNG.TENSORFLOW, tf_spelling(name))
        if name.startswith(TF_DATASETS) and name.endswith(").shuffle"):
            # Dataset.shuffle(buffer_size, seed=None, ...): unseeded, it takes TensorFlow's seed.
            seed = argument(node, "seed", ("buffer_size", "seed"))
            return None if has_seed(seed) else (RNG.TENSORFLOW, "tf.data.Dataset.shuffle")
        layer = keras_member(name, "layers")
        if layer is not None:
            parameters = keras_random_layers().get(layer[1], ())
            initializers = [p for p in parameters if p != "seed"] or list(parameters)
            if initializers and not all(has_seed(given := argument(node, p)) or draws_nothing(given)
                                        for p in initializers):
                return self.keras_rng(layer[0]), tf_spelling(f"{layer[0]}.layers.{layer[1]}")
            return None
        initializer = keras_member(name, "initializers")
        # Positional arguments may hold the seed (its position differs per class): no verdict.
        if (
            initializer is not None
            and initializer[1][:1].isupper()
            and not node.args
            and not has_seed(argument(node, "seed"))
        ):
            what = tf_spelling(f"{initializer[0]}.initializers.{initializer[1]}")
            return self.keras_rng(initializer[0]), what
        return None

    def in_optimizer_method(self) -> bool:
        """Whether the walk is in a method that implements an optimizer's update
        (`def apply_gradients(...)`, `def minimize(...)` of a class)."""
        return self.in_method(UPDATE_METHODS)

    def in_method(self, names: frozenset[str]) -> bool:
        """Whether the walk is in a method (a function directly in a class's code) of these names."""
        ancestors = self.context.ancestors
        functions = [a for a in ancestors if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))]
        return bool(functions) and functions[-1].name in names and any(
            isinstance(a, ast.ClassDef) for a in ancestors)

    def made_text(self, node: ast.Call) -> bool:
        """A draw turned straight into text (`'graph' + str(np.random.rand())`, a display id):
        it feeds no model or data."""
        parent = self.context.ancestors[-1] if self.context.ancestors else None
        return (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "str"
                ) or isinstance(parent, ast.FormattedValue)

    def derives_seed(self) -> bool:
        """A draw that becomes a seed: handed to a seeding call (`def init_tf():
        tf.set_random_seed(np.random.randint(1 << 31))`), or bound to a name a seeding call of the
        same scope takes (`s = random.randint(0, 2**31 - 1); np.random.seed(s)`, a data worker
        giving each trial its own seed). The seed is derived on purpose: from whatever seeded that
        generator before (the caller's choice), or from the OS so that parallel workers differ."""
        ancestors = self.context.ancestors
        if any(isinstance(a, ast.Call) and self.context.call_name(a) in SEEDING_CALLS for a in ancestors):
            return True
        # (a fallback `self.seed = seed or random.randint(1, 10000)`: bound to a name saying seed)
        parent = next((a for a in reversed(ancestors) if not isinstance(a, (ast.BoolOp, ast.IfExp))), None)
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and SEED_NAME.search(
                ast.unparse(parent.targets[0])):
            return True
        if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1
                and isinstance(parent.targets[0], ast.Name)):
            return False
        held = parent.targets[0].id
        scope = scope_of(ancestors) or self.context.tree
        return any(isinstance(node, ast.Call) and self.context.call_name(node) in SEEDING_CALLS
                   and any(isinstance(arg, ast.Name) and arg.id == held for arg in node.args)
                   for node in ast.walk(scope))

    def note_metric_names(self) -> None:
        """`acc, update_op = tf.metrics.accuracy(...)`: the names a metric's ops are bound to."""
        parent = self.context.ancestors[-1] if self.context.ancestors else None
        if isinstance(parent, ast.Assign):
            for target in parent.targets:
                for element in (target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]):
                    if isinstance(element, ast.Name):
                        self.metric_names.add(element.id)

    def in_session_hook(self) -> bool:
        """Whether the walk is in a class derived from a SessionRunHook (or another `...Hook`)."""
        def hook(base: ast.expr) -> bool:
            name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
            return str(name).endswith("Hook")

        return any(isinstance(a, ast.ClassDef) and any(map(hook, a.bases)) for a in self.context.ancestors)

    def test_seeds(self) -> frozenset[RNG]:
        """The generators seeded before each test when the walk is inside a test class: all of
        them under tf.test.TestCase (checked on TensorFlow 2.21's TensorFlowTestCase.setUp), those
        its own setUp (or a project base class's) seeds otherwise."""
        memo = self.context.memo
        if "seeded_tests" not in memo:  # most modules never spell a test class: no walk for them
            spelled = TEST_SPELLED.search(self.context.source.text) is not None
            memo["seeded_tests"] = seeded_test_classes(self.context) if spelled else {}
        classes: dict[int, frozenset[RNG]] = memo["seeded_tests"]
        if not classes:
            return frozenset()
        seeds = frozenset().union(*(classes.get(id(a), frozenset()) for a in self.context.ancestors))
        if seeds:
            return seeds
        if "seeded_test_helpers" not in memo:
            memo["seeded_test_helpers"] = test_only_helpers(
                self.context.tree, {cls for cls, rngs in classes.items() if rngs == ALL_RNGS})
        helpers = memo["seeded_test_helpers"]
        return ALL_RNGS if any(id(a) in helpers for a in self.context.ancestors[:2]) else frozenset()

    def in_other_library_class(self) -> bool:
        """Whether the walk is in a class derived from another ML library's (scikit-learn's
        BaseEstimator, TransformerMixin): its own fit is that library's, not Keras's."""
        cls = next((a for a in reversed(self.context.ancestors) if isinstance(a, ast.ClassDef)), None)
        if cls is None:
            return False
        return bool({(self.context.qualified_name(base) or "").split(".", 1)[0] for base in cls.bases}
                    & OTHER_ML_LIBRARIES)

    def delegates(self, method: str) -> bool:
        """Whether the walk is in a method of the same name of a class (tflearn's
        VocabularyProcessor.fit calling the wrapped processor's fit): the call is what that
        method does, and its callers are the ones that train, if anything does."""
        return self.in_method(frozenset({method}))

    def holds_other_library_object(self, receiver: ast.expr) -> bool:
        """A receiver the module binds only to objects that are not models TensorFlow trains
        (scikit-learn's TfidfVectorizer in serene's text matcher, Keras' ImageDataGenerator,
        whose fit computes statistics): `self.X`, a loop over a list of them, a dict of them, or
        a function's parameter every call of it in the module passes one."""
        made = [self.context.call_name(value) or "" for value in self.held_values(receiver)
                if isinstance(value, ast.Call)]
        return bool(made) and all(name.split(".")[0] in OTHER_ML_LIBRARIES | DATA_LIBRARIES
                                  or ".preprocessing." in name for name in made)

    def held_values(self, receiver: ast.expr) -> list[ast.expr]:
        """What the module binds to a receiver, where it shows all of it (else nothing)."""
        owner = receiver.value if isinstance(receiver, (ast.Attribute, ast.Subscript)) else None
        if isinstance(receiver, ast.Attribute) and isinstance(owner, ast.Name) and owner.id == "self":
            return [value for attribute, value in self.attribute_values() if attribute == receiver.attr]
        if isinstance(receiver, ast.Subscript) and isinstance(owner, ast.Name):  # `knn[layer] = ...`
            return [node.value for node in ast.walk(self.context.tree) if isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                            and t.value.id == owner.id for t in node.targets)]
        if not isinstance(receiver, ast.Name):
            return []
        for scope in reversed(self.context.ancestors):
            loop = scope if isinstance(scope, ast.For) else None
            if loop is not None and isinstance(loop.target, ast.Name) and loop.target.id == receiver.id:
                iterated = loop.iter
                if isinstance(iterated, ast.Name):
                    iterated = self.context.assigned_value(iterated) or iterated
                if isinstance(iterated, (ast.ListComp, ast.GeneratorExp)):
                    return [iterated.elt]
                return list(iterated.elts) if isinstance(iterated, (ast.List, ast.Tuple)) else []
            if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return passed_arguments(self.context, scope, receiver.id)
        return []

    def holds_keras_model(self, receiver: ast.expr) -> bool:
        """`self.model` where the module compiles it (`self.model.compile(Adam(lr), "mse")`) or
        binds it to a Keras model (`self.model = Model(inp, out)`): an agent's own `fit` handing
        on to it trains that model (Deep-RL-Keras' agents), unlike a library's wrapper."""
        if not (isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)
                and receiver.value.id == "self"):
            return False
        if f"self.{receiver.attr}.compile(" in self.context.source.text:
            return True
        return any(attribute == receiver.attr and isinstance(value, ast.Call)
                   and self.context.call_name(value) in KERAS_MODEL_FACTORIES
                   for attribute, value in self.attribute_values())

    def is_training_method(self, node: ast.Call, method: str, name: str | None) -> bool:
        owner = receiver_class(name)
        receiver = node.func.value  # type: ignore[attr-defined]
        if method in KERAS_TRAINING_METHODS:
            if self.holds_other_library_object(receiver):
                return False  # `self.vectorizer = TfidfVectorizer(...)`, fit later
            if method == "fit" and {k.arg for k in node.keywords if k.arg} - KERAS_FIT_KEYWORDS:
                return False  # `fit(X, y, eval_set=..., early_stopping_rounds=5)`: LightGBM's, XGBoost's
            if self.delegates(method) and not self.holds_keras_model(receiver):
                return False  # a wrapper class's own fit() handing on to the object it wraps: library code
            if isinstance(receiver, ast.Name) and receiver.id == "self" and self.in_other_library_class():
                return False  # `self.fit(X, y)` in a scikit-learn transformer (anago's IndexTransformer)
            # A receiver the file does not show (`model = build()`, `self.model`) is taken to be
            # a Keras model; one the file shows to be something else (scikit-learn) is not.
            if owner is not None and program_keras_model(self.context, owner):
                return True  # a program class deriving from a Keras model, in another module
            built = owner is not None and program_function(self.context, owner)  # `model = get_model()`
            keras_model = name is None or owner in KERAS_MODEL_FACTORIES or built
            return keras_model and (self.context.imports_tensorflow() or (
                built and defined_with_keras(self.context, owner)))  # (a script importing only its builder)
        if method == "train":
            if isinstance(receiver, ast.Call) and getattr(receiver.func, "id", None) == "super":
                return False  # an Estimator subclass's own train() handing on to its base: library code
            if owner is not None:
                return estimator_class(owner) is not None
            return name is None and any(k.arg == "input_fn" for k in node.keywords)
        if method == "run":
            if owner is not None:  # a session's run, or `train_step.run()` on an optimizer's update op
                return owner in SESSION_CLASSES or owner.endswith((".minimize", ".apply_gradients"))
            program_object = name is None or not (  # `vae.sess.run(...)` on a program class's instance
                name.split(".")[0] in KNOWN_LIBRARY_ROOTS or name.split(".")[0] in sys.stdlib_module_names)
            return (program_object and "sess" in receiver_text(receiver).rsplit(".", 1)[-1].lower()
                    and self.context.imports_tensorflow())  # not nox's `session.run("pytest")`
        return False



BLOCK_FIELDS = ("body", "orelse", "finalbody")
BlockPosition = tuple[int, str, int]  # (id of the block's owner node, field, statement index)


def block_positions(ancestors: tuple[ast.AST, ...], node: ast.AST) -> list[BlockPosition]:
    """Where a node stands in each enclosing statement list, innermost first.

    Stops at the innermost def, lambda or class: code inside one does not run where it stands.
    """
    positions = []
    chain = (*ancestors, node)
    for depth in range(len(chain) - 2, -1, -1):
        owner, child = chain[depth], chain[depth + 1]
        for field in BLOCK_FIELDS:
            statements = getattr(owner, field, None)
            if isinstance(statements, list):
                for index, statement in enumerate(statements):
                    if statement is child:
                        positions.append((id(owner), field, index))
        if isinstance(owner, SCOPE_NODES) and depth < len(chain) - 2:
            break
    return positions


TEST_CASES = frozenset({"tensorflow.test.TestCase", "tensorflow.compat.v1.test.TestCase",
                        "tensorflow.compat.v2.test.TestCase",
                        "tensorflow.python.framework.test_util.TensorFlowTestCase",
                        "tensorflow.python.platform.test.TestCase"})
UPDATE_METHODS = frozenset({"minimize", "apply_gradients", "compute_gradients"})
# A fetched name that says training (`train_op`, `update_ops`), not a result (`updated_nodes`)
# nor a word that holds one (`unconstrained_objective`, `optimal_bound`).
TRAINING_FETCH = re.compile(r"(?<![a-z])train|(?<![a-z])optim(?!al)|updat(?!ed)|minimi|(?<![a-z])apply|"
                            r"opt_op", re.IGNORECASE)
TRAIN_WORD = re.compile(r"(?<![a-z])train", re.IGNORECASE)
SEED_NAME = re.compile(r"seed$", re.IGNORECASE)  # `seed`, `self.seed`, `random_seed`
WRAPPED_TRAINING_FETCH = re.compile(r"(?<![a-z])train|(?<![a-z])optim(?!al)|minimi|(?<![a-z])apply|opt_op",
                                    re.IGNORECASE)
# Fetched names that say initializer, metric, evaluation or a dataset's iterator, whatever else
# they say (`train_init_op`, `metric_update_ops`, tf-slim's `eval_ops`,
# `train_iterator.string_handle()`).
NOT_TRAINING = re.compile(r"init|metric|(?<![a-z])eval|handle|iterator", re.IGNORECASE)
# `update_op`: what tf.metrics return beside their value; a training step only in a module that
# builds an optimizer's update (an evaluation helper handed `update_op` runs the metrics').
METRIC_UPDATE = re.compile(r"update_ops?$")
# Containers of results, whose string keys name a mode or a part, not an op (`losses["training"]`
# is the training loss: fetching it trains nothing).
RESULT_CONTAINER = re.compile(r"loss|metric|accura|pred|output|logit|summar|score|result|stats",
                              re.IGNORECASE)


def fetch_words(fetches: ast.expr) -> list[str]:
    """The words of what a run fetches that may name an update op: its text, less the string
    keys that pick from a container of results."""
    text = ast.unparse(fetches)
    for node in ast.walk(fetches):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and RESULT_CONTAINER.search(ast.unparse(node.value).rsplit(".", 1)[-1]):
            text = text.replace(ast.unparse(node), ast.unparse(node.value))
    return re.findall(r"\w+", text)


def test_only_helpers(tree: ast.Module, classes: set[int]) -> set[int]:
    """The ids of the module's functions called only from these (seeded test) classes: kfac's
    module-level helpers that build and train a model for its tests run under their setUp."""
    ranges = [(node.lineno, node.end_lineno or node.lineno) for node in ast.walk(tree)
              if isinstance(node, ast.ClassDef) and id(node) in classes]
    functions = {node.name: node for node in tree.body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    uses: dict[str, list[int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in functions:
            uses.setdefault(node.id, []).append(node.lineno)
    return {id(functions[name]) for name, lines in uses.items()
            if all(any(low <= line <= high for low, high in ranges) for line in lines)}


FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def function_seeds(context: ModuleContext, function: FunctionNode, depth: int = 0) -> frozenset[RNG]:
    """The global generators a function's body seeds, itself or through the program's seeding
    helpers it calls (`set_random_seed(self, seed)` calling `set_global_seeds(seed)`); read once
    per function."""
    key = f"function_seeds:{id(function)}"
    if key not in context.memo:
        context.memo[key] = frozenset()  # (a helper calling itself seeds nothing more)
        seeds: set[RNG] = set()
        for inner, ancestors in calls_with_ancestors(function):
            name = context.names.qualified_name(inner.func)
            if name in SEEDING_CALLS and not entropy_reseed(inner, name):
                seeds |= SEEDING_CALLS[name]
            elif depth < MAX_SEEDING_HOPS and "seed" in call_text(inner).rsplit(".", 1)[-1].lower():
                callee = seeding_callee(context, inner, ancestors)
                if callee is not None and isinstance(callee.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    seeds |= function_seeds(callee.context, callee.node, depth + 1)
        context.memo[key] = frozenset(seeds)
    found: frozenset[RNG] = context.memo[key]
    return found


MAX_SEEDING_HOPS = 3  # seeding helpers followed through the helpers they call


# Seeding helpers of ML libraries the audit does not read, by name: each seeds Python's random,
# NumPy and TensorFlow (tensor2tensor's trainer_lib.set_random_seed, baselines' set_global_seeds).
LIBRARY_SEEDERS = frozenset({"set_random_seed", "set_global_seeds", "seed_everything", "set_seed"})


def library_call(context: ModuleContext, call: ast.Call) -> bool:
    """A call of another package's function (`trainer_lib.set_random_seed(...)`, imported from a
    library the program does not hold), not TensorFlow's, the standard library's or a method."""
    qualified = context.call_name(call)
    root = qualified.split(".")[0] if qualified else ""
    return bool(root) and root not in KNOWN_LIBRARY_ROOTS and root not in sys.stdlib_module_names and (
        context.project.locate(context.source.path, qualified or "") is None)


def applies_update(node: ast.AST) -> bool:
    """`opt.minimize(loss)`, `opt.apply_gradients(grads)`: a call that makes an update op."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
        node.func.attr in UPDATE_METHODS - {"compute_gradients"})


def seeding_callee(context: ModuleContext, call: ast.Call, ancestors: Sequence[ast.AST]) -> Definition | None:
    """The program function or method a call of a seeding helper calls: a name or module
    attribute (`set_global_seeds(seed)`), or `self.set_random_seed(seed)`, a method of the class
    or of a base class of the program."""
    from estimator_audit.migrate.lookup import called, self_method  # whole-program lookups, for these calls

    return self_method(context, call, ancestors) or called(context, call)


def passed_arguments(context: ModuleContext, function: FunctionNode, parameter: str) -> list[ast.expr]:
    """What the calls of a module's function pass for one of its parameters, where every call
    passes it by position or keyword (`show(ImageDataGenerator(rotation_range=45))`); else nothing."""
    names = tuple(argument.arg for argument in function.args.args)
    calls = calls_by_name(context.tree, function.name)
    passed = [argument(call, parameter, names) for call in calls]
    found = [value for value in passed if isinstance(value, ast.expr) and not isinstance(value, ast.Starred)]
    return found if parameter in names and calls and len(found) == len(passed) else []


def calls_by_name(tree: ast.AST, name: str) -> list[ast.Call]:
    """The calls spelling a function by its bare name (`input_fn(x, y, 32)`), in walk order."""
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id == name]


def calls_with_ancestors(function: FunctionNode) -> Iterator[tuple[ast.Call, tuple[ast.AST, ...]]]:
    """The calls in a function's body, each with the nodes around it (from the function down)."""
    stack: list[tuple[ast.AST, tuple[ast.AST, ...]]] = [(function, ())]
    while stack:
        node, ancestors = stack.pop()
        if isinstance(node, ast.Call):
            yield node, ancestors
        inner = (*ancestors, node)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def top_level_functions(context: ModuleContext) -> dict[str, FunctionNode]:
    """A module's top-level functions by name (its last definition of each), read once."""
    if "top_level_functions" not in context.memo:
        context.memo["top_level_functions"] = {node.name: node for node in context.tree.body
                                               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    found: dict[str, FunctionNode] = context.memo["top_level_functions"]
    return found


def fetched_argument(function: Definition, call: ast.Call) -> ast.expr | None:
    """What a call of a program function runs as a session's fetches, where the function hands
    one of its parameters to a session's run (StyleGAN's `def run(*args, **kwargs): return
    tf.get_default_session().run(*args, **kwargs)`; LFADS' `self.run_epoch(datasets,
    ops_to_eval)` running `session.run(ops_to_eval, ...)`): the argument passed for it."""
    node = function.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    parameters = [argument.arg for argument in node.args.args]
    method = parameters[:1] == ["self"] and isinstance(call.func, ast.Attribute)
    bound = parameters[1:] if method else parameters
    for inner in ast.walk(node):
        if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
                and inner.func.attr == "run" and inner.args):
            continue
        receiver = inner.func.value
        made = function.context.call_name(receiver) if isinstance(receiver, ast.Call) else None
        if not (made in SESSION_CLASSES or "sess" in receiver_text(receiver).rsplit(".", 1)[-1].lower()):
            continue
        first = inner.args[0]
        if isinstance(first, ast.Starred) and isinstance(first.value, ast.Name) and node.args.vararg \
                and first.value.id == node.args.vararg.arg and call.args:
            return call.args[0]  # `run(*args)`: the first argument given
        if isinstance(first, ast.Name) and first.id in bound:
            passed = argument(call, first.id, bound)
            return passed if isinstance(passed, ast.expr) else None
    return None


def seeded_test_classes(context: ModuleContext) -> dict[int, frozenset[RNG]]:
    """The generators seeded before each test of the module's test classes, by id: all of them
    for classes derived, directly, through each other or through a project class of another
    module (adanet's `tu.AdanetTestCase`), from tf.test.TestCase; those a setUp of the class or
    of a base class seeds otherwise. The mixins such a class derives from (`class
    DecoderTest(tf.test.TestCase, DecoderTests)`) get the same: their methods run as its tests."""
    classes = [node for node in context.tree.body if isinstance(node, ast.ClassDef)]  # tests are top-level
    seeded: dict[str, frozenset[RNG]] = {}
    changed = True
    while changed:
        changed = False
        for node in classes:
            seeds = set_up_seeds(context, node).union(
                *(seeded.get(base.id, frozenset()) if isinstance(base, ast.Name) and base.id in seeded
                  else test_case_seeds(context, base, 0) for base in node.bases))
            if seeds and seeded.get(node.name) != seeds:
                seeded[node.name] = seeds
                changed = True
    mixins = {base.id: seeded[node.name] for node in classes if node.name in seeded
              for base in node.bases if isinstance(base, ast.Name)}
    return {id(node): seeded.get(node.name, frozenset()) | mixins.get(node.name, frozenset())
            for node in classes if node.name in seeded or node.name in mixins}


MAX_TEST_CASE_HOPS = 4  # classes followed across modules


def test_case_seeds(context: ModuleContext, base: ast.expr, hops: int) -> frozenset[RNG]:
    """The generators a base class seeds before each test: all of them for tf.test.TestCase and,
    in the program, what derives from it; those the setUp of a project test class seeds."""
    qualified = context.names.qualified_name(base) or ""
    if qualified in TEST_CASES or (qualified.endswith(".test.TestCase")
                                   and re_exports_tensorflow(context, qualified)):
        return ALL_RNGS
    if hops >= MAX_TEST_CASE_HOPS or not isinstance(base, (ast.Name, ast.Attribute)):
        return frozenset()
    from estimator_audit.migrate.lookup import definition  # whole-program lookups, for test classes only

    found = definition(context, base)
    if found is None or not isinstance(found.node, ast.ClassDef):
        return frozenset()
    return set_up_seeds(found.context, found.node).union(
        *(test_case_seeds(found.context, inner, hops + 1) for inner in found.node.bases))


def re_exports_tensorflow(context: ModuleContext, qualified: str) -> bool:
    """Whether a name's module is a program module serving TensorFlow's API under its own name
    (lingvo's `import lingvo.compat as tf`, star-importing tensorflow.compat.v2): its
    `test.TestCase` is TensorFlow's."""
    located = context.project.locate(context.source.path, qualified)
    if located is None or located[1] != ["test", "TestCase"]:
        return False
    return STAR_TENSORFLOW.search(context.project.text(located[0])) is not None


STAR_TENSORFLOW = re.compile(r"^from tensorflow[\w.]* import \*", re.MULTILINE)


# What a test module spells: a TestCase base, a setUp, or a test class deriving from a project's base.
TEST_SPELLED = re.compile(r"TestCase|setUp|setup_method|class \w*Test")
SET_UP_METHODS = frozenset({"setUp", "setUpClass", "setup_method", "setup_class"})


def set_up_seeds(context: ModuleContext, cls: ast.ClassDef) -> frozenset[RNG]:
    """The generators a test class seeds in its setUp (`np.random.seed(0)`: NumPy's; a helper
    named for seeding: all): each of its tests, and its subclasses', starts from that seed."""
    seeds: set[RNG] = set()
    for method in cls.body:
        if isinstance(method, FUNCTION_DEFS) and method.name in SET_UP_METHODS:
            for node in ast.walk(method):
                if isinstance(node, ast.Call):
                    name = context.names.qualified_name(node.func) or ""
                    helper = ALL_RNGS if spells_seed(call_text(node)) else frozenset()
                    seeds |= SEEDING_CALLS.get(name, helper)
    return frozenset(seeds)


IMPORTER_DEPTH = 3  # modules between the program that seeds and the module that trains, at most
IMPORT_DEPTH = 3  # imports followed from a module to what the modules it imports do as they load


FUNCTION_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Ways a program runs functions it never names: `tf.app.run()` calls `main`, `fire.Fire()` exposes
# them all, `globals()[mode]()` picks one by a string.
IMPLICIT_CALLS = re.compile(r"\bFire\(|\bglobals\(\)|sys\.modules\[__name__\]")


def run_on_load(context: ModuleContext) -> frozenset[int]:
    """The ids of the module's functions that run when it runs: called from its top-level code
    (by name, a class by its __init__), or, by name or as `self.` methods, from functions that
    are (`m = Net()` running `__init__`, which calls `self.build()` making placeholders)."""
    if "run_on_load" not in context.memo:
        by_name: dict[str, list[ast.AST]] = {}
        for statement in context.tree.body:
            if isinstance(statement, FUNCTION_DEFS):
                by_name.setdefault(statement.name, []).append(statement)
            elif isinstance(statement, ast.ClassDef):
                for method in statement.body:
                    if isinstance(method, FUNCTION_DEFS):
                        by_name.setdefault(statement.name if method.name == "__init__" else method.name,
                                           []).append(method)
        context.memo["run_on_load"] = frozenset(id(scope) for scope in top_level_reach(context.tree, by_name)
                                                if isinstance(scope, FUNCTION_DEFS))
    found: frozenset[int] = context.memo["run_on_load"]
    return found


def top_level_reach(tree: ast.Module, definitions: Mapping[str, Sequence[ast.AST]]) -> list[ast.AST]:
    """The module's top-level code (outside its defs and classes), then the definitions its calls
    reach by name (`train()`, `self.build()`), then those their calls reach, and so on."""
    scopes: list[ast.AST] = [statement for statement in tree.body if not isinstance(statement, DEFINITIONS)]
    seen: set[int] = set()
    for scope in scopes:  # (grows with the definitions reached)
        for call in (node for node in ast.walk(scope) if isinstance(node, ast.Call)):
            for definition in definitions.get(own_callee(call) or "", ()):
                if id(definition) not in seen:
                    seen.add(id(definition))
                    scopes.append(definition)
    return scopes


def never_called(context: ModuleContext, function: ast.AST) -> bool:
    """Whether a module-level function (or class) is named nowhere but in its def, in this module
    and in the modules that import it (glow's unused `upsample`, a script's leftover `train_old`,
    a notebook's Keras layer class no model uses)."""
    name = getattr(function, "name", None)
    if (name is None or name == "main" or getattr(function, "decorator_list", None)
            or function not in context.tree.body or IMPLICIT_CALLS.search(context.source.text)):
        return False  # `main` is what `tf.app.run()` calls; decorators register functions
    memo = context.memo.setdefault("never_called", {})
    if name not in memo:
        word = re.compile(rf"\b{re.escape(name)}\b")
        project = context.project
        importers = project.importers(context.source.path)
        program = bool(importers) or "__main__" in context.source.text or context.source.cells is not None
        memo[name] = (len(word.findall(context.source.text)) == 1
                      and program  # else a library whose callers are other programs (a notebook is one)
                      and not any(word.search(project.text(path)) for path in importers))
    return bool(memo[name])


def importers_through(context: ModuleContext, hops: int) -> Iterator[str]:
    """The program's modules that import this one, and those that import them, up to `hops`
    away (train.py importing train_lib importing this library), nearest first: a question
    answered by a near importer never asks who imports the far ones."""
    project = context.project
    found = {context.source.path}
    frontier = [context.source.path]
    for _ in range(hops):
        frontier = list(dict.fromkeys(path for module in frontier for path in project.importers(module)
                                      if path not in found))
        found.update(frontier)
        yield from frontier


def imported_through(context: ModuleContext) -> list[str]:
    """The program's modules this one imports, and those they import, IMPORT_DEPTH deep."""
    project = context.project
    found: list[str] = []
    frontier = [context.source.path]
    for _ in range(IMPORT_DEPTH):
        frontier = [str(path) for module in frontier for path in project.imported_paths(module)
                    if str(path) not in found and str(path) != context.source.path]
        found += list(dict.fromkeys(frontier))
    return found


def imported_update_attributes(context: ModuleContext) -> frozenset[str]:
    """Attributes the program's modules this one imports bind to an update op
    (`self.meta_op = optimizer.apply_gradients(...)`): fetching `model.meta_op` trains. Read
    once a module."""
    memo = context.memo
    if "imported_update_attributes" not in memo:
        project = context.project
        found: set[str] = set()
        for path in imported_through(context):
            if not UPDATE_TEXT.search(project.text(path)):
                continue
            other = project.context(path)
            if other is None:
                continue
            found.update(target.attr for node in ast.walk(other.tree)
                         if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                         and isinstance(node.value.func, ast.Attribute)
                         and node.value.func.attr in ("minimize", "apply_gradients")
                         for target in node.targets if isinstance(target, ast.Attribute))
        memo["imported_update_attributes"] = frozenset(found)
    attributes: frozenset[str] = memo["imported_update_attributes"]
    return attributes


UPDATE_TEXT = re.compile(r"\.(?:minimize|apply_gradients)\(")


def modules_call(context: ModuleContext, paths: Iterable[str], spelled: Callable[[str], bool],
                 matches: Callable[[ModuleContext, ast.Call], bool], as_imported: bool = False,
                 unreadable: bool = False) -> bool:
    """Whether one of these modules of the program makes a call that `matches`: only modules whose
    text passes `spelled` are parsed; with `as_imported`, only calls that run as the module is
    imported (not in a def or class) count; a module whose text passes but which does not parse
    (Python 2) counts as `unreadable` says."""
    project = context.project
    for path in paths:
        if not spelled(project.text(path)):
            continue
        other = project.context(path)
        if other is None:
            if unreadable:
                return True
            continue
        if as_imported:
            nodes: Iterable[ast.AST] = (node for s in other.tree.body if not isinstance(s, SCOPE_NODES)
                                        for node in ast.walk(s))
        else:  # (not code that never runs: a graph-mode switch parked under `if False:`)
            nodes = live_walk(other.tree, other.source)
        if any(isinstance(node, ast.Call) and matches(other, node) for node in nodes):
            return True
    return False


def seeds_tensorflow(context: ModuleContext, call: ast.Call) -> bool:
    """Whether a call sets TensorFlow's global seed."""
    return RNG.TENSORFLOW in SEEDING_CALLS.get(context.names.qualified_name(call.func) or "", frozenset())


def discards_first(targets: Sequence[ast.expr]) -> bool:
    """`_, loss = ...`: the first of several values unpacked is thrown away, as a training run
    drops the None its update op fetches."""
    return any(isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) > 1
               and isinstance(target.elts[0], ast.Name) and target.elts[0].id == "_" for target in targets)


def graph_call(context: ModuleContext, call: ast.Call) -> bool:
    """A TensorFlow call that only a TF1 graph program makes (a session, a placeholder)."""
    name = context.names.qualified_name(call.func) or ""
    return name.startswith("tensorflow") and name.rsplit(".", 1)[-1] in TF1_GRAPH_CALLS


def spells_seed(text: str) -> bool:
    return "seed" in text


def imports_seeding_module(context: ModuleContext) -> bool:
    """Whether a module of the program this one imports sets TensorFlow's global seed as it is
    imported (a module-level `tf.set_random_seed(1)` in the RL_brain.py a script imports): the
    seed is set before this module builds its graph."""
    paths = [str(path) for path in context.project.imported_paths(context.source.path)]
    return modules_call(context, paths, spells_seed, seeds_tensorflow, as_imported=True)


# A module's text that runs TF1 graphs: a session or a placeholder, in any spelling.
TF1_GRAPH_TEXT = re.compile(r"Session\(|placeholder\(|Supervisor\(|disable_v2_behavior|"
                            r"disable_eager_execution")


def spells_tf1_graph(text: str) -> bool:
    return TF1_GRAPH_TEXT.search(text) is not None


def importer_builds_tf1_graph(context: ModuleContext) -> bool:
    """Whether a module that imports this one, directly or through modules that import it, runs
    TF1 graphs (gae's train.py, with the session and placeholders, importing the layers.py that
    builds the model; tensorflow-yolov3's train.py -> core/yolov3.py -> core/common.py): the
    library's ops run in that graph, as TF1 code."""
    # (an importer unreadable as Python 3 yet spelling sessions, AnoGAN's Python 2 model.py: TF1 code)
    return modules_call(context, importers_through(context, IMPORTER_DEPTH), spells_tf1_graph, graph_call,
                        unreadable=True)


def custom_estimator_call(context: ModuleContext, call: ast.Call) -> bool:
    """A custom Estimator's construction (`tf.estimator.Estimator(model_fn=...)`, TPUEstimator)."""
    return custom_estimator_entry(context.names.qualified_name(call.func) or "") is not None


def in_estimator_program(context: ModuleContext) -> bool:
    """Whether this module or one importing it makes a custom Estimator, whose `model_fn` builds a
    TF1 graph (BERT's run_classifier.py importing the modeling.py its model_fn calls)."""
    return any(isinstance(node, ast.Call) and custom_estimator_call(context, node)
               for node in ast.walk(context.tree)) or (
        modules_call(context, importers_through(context, IMPORTER_DEPTH), lambda text: "Estimator" in text,
                     custom_estimator_call))


# Calls that run a function they are handed in another process or executor (by last name).
HANDOFFS = (r"(?:TFCluster\.run|Process|spawn|foreachPartition|mapPartitions|apply_async|starmap|"
            r"create_component_from_func|func_to_container_op)")


def handed_on_by_importer(context: ModuleContext, calls: Sequence[ast.Call]) -> tuple[str, str] | None:
    """(function, importer) when the function or method holding the training calls (one name:
    each worker class's `train`) is handed, not called, by a module importing this one to
    another process or executor
    (`rdd.mapPartitions(worker.train)`, `Process(target=lib.train)`)."""
    functions = [node for node in ast.walk(context.tree) if isinstance(node, FUNCTION_DEFS)]
    names = set()
    for call in calls:  # the innermost function holding each (`train` of each worker class)
        holders = [node for node in functions if node.lineno <= call.lineno <= (node.end_lineno or 0)]
        if not holders:
            return None
        names.add(max(holders, key=lambda node: node.lineno).name)
    if len(names) != 1:
        return None
    name = names.pop()
    handed = re.compile(HANDOFFS + r"\((?:[^()]|\([^()]*\))*?\b" + re.escape(name) + r"\b(?!\s*\()")
    for path in program_importers(context):
        if handed.search(context.project.text(path)):
            return name, os.path.basename(path)
    return None


def program_importers(context: ModuleContext) -> list[str]:
    """The modules that import this one, and those importing it through a package's
    `__init__.py` that re-exports it (wavenet's model.py, imported by train.py as `wavenet`)."""
    project = context.project
    found: list[str] = []
    for path in project.importers(context.source.path):
        found.append(path)
        if os.path.basename(path) == "__init__.py":
            package = project.context(path)
            if package is not None:
                found += [p for p in project.importers(path) if p not in found]
    return found


def importer_seeds(context: ModuleContext) -> bool:
    """Whether a module that imports this one, directly or through modules that import it
    (main.py -> trainer.py -> model.py), sets TensorFlow's global seed (glow's train.py seeding
    before it calls the model and data modules)."""
    return RNG.TENSORFLOW in importers_seed(context)


def importers_seed(context: ModuleContext) -> frozenset[RNG]:
    """The global generators the modules importing this one seed (read once per module), by a
    seeding call or through a seeding function of the program (morph-net's main.py calling
    utils' `set_reproducible_environment(random_seed=0)`; supervised-reptile's `random.seed`)."""
    if "importers_seed" not in context.memo:
        seeds: set[RNG] = set()
        project = context.project
        for path in importers_through(context, IMPORTER_DEPTH):
            # (an importer that never spells seed may call a helper that does: `setup_environment()`)
            other = project.context(path) if spells_seed(project.text(path)) or calls_program_code(
                project.text(path)) else None
            if other is not None:
                calls = [node for node in ast.walk(other.tree) if isinstance(node, ast.Call)]
                seeds.update(*(call_seeds(other, call) for call in calls))
        context.memo["importers_seed"] = frozenset(seeds)
    found: frozenset[RNG] = context.memo["importers_seed"]
    return found


def calls_program_code(text: str) -> bool:
    """Whether a module's text imports something beyond the libraries it may seed through: the
    program's own helpers (the quick test before reading it)."""
    roots = {(match.group(1) or match.group(2)).split(".")[0] for match in IMPORTED.finditer(text)}
    libraries = KNOWN_LIBRARY_ROOTS | NON_TF_LIBRARIES | sys.stdlib_module_names
    return any(not root or root not in libraries for root in roots)  # (`from . import x`: no root)


IMPORTED = re.compile(r"^\s*(?:from\s+(\.*[\w.]*)\s+import|import\s+([\w.]+))", re.MULTILINE)


def call_seeds(context: ModuleContext, call: ast.Call) -> frozenset[RNG]:
    """The global generators a call seeds, itself or as a seeding function of the program."""
    seeds = SEEDING_CALLS.get(context.names.qualified_name(call.func) or "")
    if seeds is not None:
        return seeds
    callee = context.facts.project_function(call)
    if callee is None or not isinstance(callee.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return frozenset()
    return function_seeds(callee.context, callee.node)


KERAS_IMPORT = re.compile(r"^\s*(?:import|from)\s+(?:tensorflow|keras|tf_keras)\b", re.MULTILINE)


def defined_with_keras(context: ModuleContext, qualified: str | None) -> bool:
    """Whether the program module defining a name imports TensorFlow or Keras (keras-resnet's
    `resnet.ResnetBuilder.build_resnet_18`, whose script imports only `resnet`)."""
    found = context.project.locate(context.source.path, qualified) if qualified else None
    return found is not None and KERAS_IMPORT.search(context.project.text(found[0])) is not None


def program_function(context: ModuleContext, qualified: str) -> bool:
    """Whether a qualified name is a function of the program (`model.get_model`, imported from
    its own module, or a class's method such as `resnet.ResnetBuilder.build_resnet_18`): what it
    returns (`model = get_model()`) is as unknown as a parameter, not another library's object."""
    project = context.project
    found = project.locate(context.source.path, qualified)
    if found is None or len(found[1]) not in (1, 2):
        return False
    module = project.context(found[0])
    if module is None:
        return False
    body: list[ast.stmt] = module.tree.body
    # (a class's static or class method, `ResnetBuilder.build_resnet_18`, or an instance's,
    # `RSNA_Net().model`)
    parts = [part.removesuffix("()") for part in found[1]]
    if len(parts) == 2:
        owner = next((node for node in body if isinstance(node, ast.ClassDef) and node.name == parts[0]),
                     None)
        body = owner.body if owner is not None else []
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == parts[-1]
               for node in body)


def program_keras_model(context: ModuleContext, qualified: str) -> bool:
    """Whether a qualified name is a class of the program deriving from a Keras model
    (keras-adversarial's `AdversarialModel(Model)`, fit by its example scripts)."""
    from estimator_audit.migrate.lookup import inherited_names, located_definition  # whole-program lookups

    found = located_definition(context, qualified)
    return found is not None and isinstance(found.node, ast.ClassDef) and any(
        name in KERAS_MODEL_FACTORIES for name in inherited_names(found.context, found.node))


def test_module(path: str) -> bool:
    """`test_conv.py`, `conv_test.py`, or a module under a `tests/` folder."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (name.startswith("test_") or name.endswith("_test.py")
            or any(part in ("tests", "test") for part in parts[:-1]))


# What a module that trains says: its name, or a call of a training method or function.
TRAINING_IMPORTER = re.compile(r"\.(?:fit|fit_generator)\(|train\w*\(")


def training_importer(context: ModuleContext, importers: Sequence[str]) -> str:
    """The importer to name where the program starts: a program named for training (zi2zi's
    train.py, not the export.py that comes first by name), else one calling a training method,
    else any program (a test module last)."""
    programs = [path for path in importers if not test_module(path)] or list(importers)
    named = [path for path in programs if "train" in os.path.basename(path).lower()]
    return named[0] if named else next(
        (path for path in programs if TRAINING_IMPORTER.search(context.project.text(path))), programs[0])


def imported_library(context: ModuleContext, calls: Sequence[ast.Call]) -> str | None:
    """Who imports the module, when it is a library: it has no `__main__` block, trains only
    inside functions and classes, and other modules of the program import it ("train.py imports
    this module") or it belongs to a package programs import ("this module belongs to the
    package `recipes`"). A seed or op determinism set here would be set whenever it is imported,
    overriding the program's own choice: they belong where the program starts."""
    ancestry = context.facts.ancestry
    if context.source.cells is not None:
        return None  # a notebook runs its cells; nothing imports it (BERT's notebook beside its package)
    if any(not any(isinstance(a, SCOPE_NODES) for a in ancestry.get(id(call), ())) for call in calls):
        return None  # it trains as it runs: a script
    if "__main__" in context.source.text:
        return None
    importers = context.project.importers(context.source.path)
    if importers:
        return f"{os.path.basename(training_importer(context, importers))} imports this module"
    if test_module(context.source.path):
        return None  # tests a runner imports one by one, which no module imports (not a library)
    folder = os.path.dirname(context.source.path)
    if os.path.isfile(os.path.join(folder, "__init__.py")):
        return f"this module belongs to the package `{os.path.basename(folder)}`, which programs import"
    return None


def given_to_keras(ancestors: Sequence[ast.AST], node: ast.Call,
                   context: ModuleContext | None = None) -> bool:
    """`K.set_session(tf.Session(config=config))`: a session only handed to Keras 2's backend
    (Horovod's examples) runs nothing itself; Keras trains eagerly with it (TF 2.15). Also
    `sess = tf.Session(config=config)` whose every use in the module is such a hand-over."""
    parent = ancestors[-1] if ancestors else None
    if isinstance(parent, ast.Assign) and parent.value is node and context is not None and (
            len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
        if "set_session" not in context.source.text:
            return False
        if "session_uses" not in context.memo:  # name -> (its reads, those handed to set_session)
            handed = {id(argument) for call in ast.walk(context.tree) if isinstance(call, ast.Call)
                      and sets_session(call) for argument in call.args}
            uses: dict[str, list[int]] = {}
            for use in ast.walk(context.tree):
                if isinstance(use, ast.Name) and isinstance(use.ctx, ast.Load):
                    uses.setdefault(use.id, []).append(id(use))
            context.memo["session_uses"] = (uses, handed)
        uses, handed = context.memo["session_uses"]
        reads = uses.get(parent.targets[0].id, [])
        return bool(reads) and all(read in handed for read in reads)
    return isinstance(parent, ast.Call) and node in parent.args and sets_session(parent)


def sets_session(call: ast.Call) -> bool:
    func = call.func
    return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) == "set_session"


def in_own_graph(ancestors: Sequence[ast.AST], context: ModuleContext | None = None) -> bool:
    """Whether code runs inside a graph of its own, which works with eager execution on (checked
    on TensorFlow 2.21): a `with <graph>.as_default():` block (also `g = graph.as_default()`,
    then `with g:`, given the context to follow the name), or a `with` of a Session given its
    graph (`tf.Session(graph=g)`)."""
    for ancestor in ancestors:
        if isinstance(ancestor, ast.With):
            for item in ancestor.items:
                call = item.context_expr
                if isinstance(call, ast.Name) and context is not None:
                    call = context.assigned_value(call) or call
                if isinstance(call, ast.Call) and (
                        (isinstance(call.func, ast.Attribute) and call.func.attr == "as_default")
                        or any(keyword.arg == "graph" for keyword in call.keywords)):
                    return True
    return False


NEW_GRAPH = frozenset({"tensorflow.Graph().as_default", "tensorflow.compat.v1.Graph().as_default"})
GRAPHS = frozenset({"tensorflow.Graph", "tensorflow.compat.v1.Graph"})


def enters_new_graph(context: ModuleContext, entered: ast.expr) -> bool:
    """What a `with` item enters is a new graph: `tf.Graph().as_default()`, `graph.as_default()`
    or `self.graph.as_default()` of a graph made by `tf.Graph()`, or `tf.Session(graph=g)` of
    one (a session entered makes its graph the default). A new graph has no seed."""
    if not isinstance(entered, ast.Call):
        return False
    name = context.call_name(entered) or ""
    if name in NEW_GRAPH:
        return True
    function = entered.func
    if isinstance(function, ast.Attribute) and function.attr == "as_default":
        return made_graph(context, function.value)
    given = next((k.value for k in entered.keywords if k.arg == "graph"), None)
    return name.endswith("Session") and given is not None and made_graph(context, given)


# Calls that run the program's code in several processes at once.
PROCESS_SPAWNS = frozenset({"os.fork", "multiprocessing.Process", "multiprocessing.Pool",
                            "multiprocessing.get_context", "concurrent.futures.ProcessPoolExecutor"})


def forks_workers(context: ModuleContext) -> bool:
    """Whether this module, or a module that imports it, starts worker processes (`os.fork()`,
    multiprocessing): code here may run once in each, where one fixed seed gives every worker
    the same numbers (OpenAI's ES workers draw their noise so)."""
    def spawns(other: ModuleContext, call: ast.Call) -> bool:
        return (other.call_name(call) or "") in PROCESS_SPAWNS

    def spelled(text: str) -> bool:
        return "fork" in text or "multiprocessing" in text or "ProcessPool" in text

    if "forks_workers" not in context.memo:  # (asked per finding: once per module)
        paths = [context.source.path, *context.project.importers(context.source.path)]
        context.memo["forks_workers"] = modules_call(context, paths, spelled, spawns)
    return bool(context.memo["forks_workers"])


def imported_private_graph(context: ModuleContext) -> str | None:
    """The file name of the first module of the program this one imports (IMPORT_DEPTH deep)
    that makes a tf.Graph() of its own (recommenders' DKN builds its model in `self.graph`): a
    global seed set here never reaches that graph."""
    def makes_graph(other: ModuleContext, call: ast.Call) -> bool:
        return other.call_name(call) in GRAPHS and not holds_imported_graph(other, call)

    for path in imported_through(context):
        if modules_call(context, [path], lambda text: "Graph(" in text, makes_graph):
            return os.path.basename(path)
    return None


def holds_imported_graph(context: ModuleContext, call: ast.Call) -> bool:
    """Whether the function making a tf.Graph() fills it with a GraphDef it imports (a frozen
    model's FLOPs profiled, a graph served): a graph of constants, where no seed matters."""
    functions = [node for node in ast.walk(context.tree) if isinstance(node, FUNCTION_DEFS)
                 and any(inner is call for inner in ast.walk(node))]
    return bool(functions) and any(isinstance(node, ast.Call) and (context.call_name(node) or "").endswith(
        "import_graph_def") for node in ast.walk(functions[-1]))


def made_graph(context: ModuleContext, node: ast.expr) -> bool:
    """Whether a name (`g`) or an instance attribute (`self.graph`, assigned anywhere in the
    module) holds a graph made by `tf.Graph()` (also `graph if graph else tf.Graph()`)."""
    if isinstance(node, ast.Name):
        values = [context.assigned_value(node)]
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        values = [statement.value for statement in ast.walk(context.tree)
                  if isinstance(statement, ast.Assign) and any(
                      isinstance(target, ast.Attribute) and target.attr == node.attr
                      and isinstance(target.value, ast.Name) and target.value.id == "self"
                      for target in statement.targets)]
    else:
        return False
    return any(isinstance(call, ast.Call) and context.call_name(call) in GRAPHS
               for value in values if value is not None for call in ast.walk(value))


def graph_mode_only(context: ModuleContext, ancestors: Sequence[ast.AST], node: ast.AST) -> bool:
    """Whether code runs only when eager execution is off, in a module that never turns it off:
    in the body of `if not tf.executing_eagerly():`, the `else` of `if tf.executing_eagerly():`
    (or of a project's `if compat.get_tf_behavior() == 2:`),
    or after `if tf.executing_eagerly(): return` (or raise, or a test's skipTest) in its block
    (dead on TensorFlow 2: the dual-mode tests of TF-GAN)."""
    memo = context.memo
    if "graph_mode_branches" not in memo:  # read once: most modules never test executing_eagerly
        text = context.source.text
        tested = EAGER_TEST_SPELLED.search(text) is not None
        memo["graph_mode_branches"] = tested and not spells_eager_switch(text)
    if not memo["graph_mode_branches"]:
        return False
    path = [*ancestors, node]
    for index, ancestor in enumerate(path[:-1]):
        if not isinstance(ancestor, ast.If):
            continue
        child = path[index + 1]
        eager = eager_test(context, ancestor.test)
        if eager is None:
            continue
        branch = ancestor.orelse if eager else ancestor.body
        if any(child is statement for statement in branch):
            return True
    if any(isinstance(ancestor, ast.ClassDef) and skips_when_eager(context, ancestor)
           for ancestor in path[:-1]):
        return True  # a test class whose setUp skips every test when eager (TF-Agents' session tests)
    for index, ancestor in enumerate(path[:-1]):
        child = path[index + 1]
        fields = [getattr(ancestor, field, None) for field in ("body", "orelse", "finalbody")]
        block = next((f for f in fields if isinstance(f, list) and child in f), None)  # a lambda's is not
        if block is not None and any(eager_exit(context, earlier) for earlier in block[:block.index(child)]):
            return True
    return False


# How programs test for TensorFlow 2 behaviour: `tf.executing_eagerly()`, `tf2.enabled()`, or a
# project helper (`compat.get_tf_behavior() == 2`, TensorFlow Lite Model Maker's).
EAGER_TEST_SPELLED = re.compile(r"executing_eagerly|tf2\.enabled|tf_behavior|tf2_behavior")
TF_BEHAVIOR = re.compile(r"tf_behavior|tf2_behavior")


def eager_test(context: ModuleContext, test: ast.expr) -> bool | None:
    """True when an `if` test holds exactly when eager execution (TF2 behaviour) is on, False
    when exactly when it is off, None when it tests something else."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = eager_test(context, test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.Call):
        name = context.qualified_name(test.func) or ast.unparse(test.func)
        return True if name.endswith(("executing_eagerly", "tf2.enabled")) else None
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Call)
            and TF_BEHAVIOR.search(ast.unparse(test.left.func))
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value in (1, 2)
            and isinstance(test.ops[0], (ast.Eq, ast.NotEq))):
        version_two = test.comparators[0].value == 2
        return version_two if isinstance(test.ops[0], ast.Eq) else not version_two
    return None


def skips_when_eager(context: ModuleContext, cls: ast.ClassDef) -> bool:
    """A test class whose setUp leaves (`self.skipTest(...)`) when eager execution is on."""
    return any(eager_exit(context, statement) for method in cls.body
               if isinstance(method, FUNCTION_DEFS) and method.name in SET_UP_METHODS
               for statement in method.body)


def eager_exit(context: ModuleContext, statement: ast.stmt) -> bool:
    """`if tf.executing_eagerly(): return` (raise, or `self.skipTest(...)`)."""
    if not (isinstance(statement, ast.If) and isinstance(statement.test, ast.Call)
            and (context.qualified_name(statement.test.func) or "").endswith("executing_eagerly")):
        return False
    last = statement.body[-1]
    return isinstance(last, (ast.Return, ast.Raise)) or (
        isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
        and isinstance(last.value.func, ast.Attribute) and last.value.func.attr == "skipTest")


def call_text(node: ast.Call) -> str:
    """How the call's callee is written (`model.fit`), for messages."""
    return ast.unparse(node.func)


# -- what builds graph ops ----------------------------------------------------------------------
BUILTIN_NAMES = frozenset(dir(builtins))
RESETS = frozenset({"tensorflow.reset_default_graph", "tensorflow.compat.v1.reset_default_graph"})
# Besides random ops and layers (the random uses), these create randomly initialised graph state.
GRAPH_STATE = ("get_variable", "layers.", "initializers.", "keras.")


def innermost_function(ancestors: Sequence[ast.AST]) -> FunctionNode | None:
    """The innermost def a node stands in (a lambda between them does not count)."""
    return next((a for a in reversed(ancestors) if isinstance(a, FUNCTION_DEFS)), None)


def scope_of(ancestors: Sequence[ast.AST]) -> ast.AST | None:
    """The innermost function (or the module) a node stands in."""
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return ancestor
    return ancestors[0] if ancestors else None
MAX_CALL_DEPTH = 3  # calls of the program's own code followed to see whether they build ops
BUILTIN_METHODS = frozenset(name for kind in (list, dict, str, set, bytes) for name in dir(kind)
                            if not name.startswith("_")) | {"read", "readline", "readlines", "write", "close",
                                                            # a logger's (`log.info(...)` on a passed logger)
                                                            "debug", "info", "warning", "error", "exception",
                                                            "critical", "flush"}
DATA_LIBRARIES = frozenset({"numpy", "pandas", "scipy", "sklearn", "six", "absl", "gflags", "argparse"})
# Roots of qualified names that are libraries, never the program's own modules.
KNOWN_LIBRARY_ROOTS = DATA_LIBRARIES | OTHER_ML_LIBRARIES | {"tensorflow", "keras", "tf_keras", "torch",
                                                            "jax"}
# TensorFlow calls that make no graph node.
HARMLESS = re.compile(r"\.(?:app|flags|logging|gfile|io\.gfile|config|ConfigProto|GPUOptions|RunOptions|"
                      r"Graph|cluster_resolver|RunConfig|set_random_seed|random\.set_seed|train\.Saver|"
                      r"train\.latest_checkpoint|reset_default_graph)\b")


DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


# Libraries that never make TensorFlow ops (images, video, plots, progress bars, files).
NON_TF_LIBRARIES = frozenset({"cv2", "PIL", "imageio", "skimage", "matplotlib", "tqdm", "h5py", "yaml",
                              "scipy", "seaborn", "sklearn", "pandas", "gym", "requests", "wget"})


def built_before(context: ModuleContext, owner: ast.AST | None, statement: ast.stmt) -> bool:
    """Whether a statement of `owner`'s block before `statement` may build TF ops: a session
    block opened after it runs in graph mode what it builds itself (TF 2.21), not what came before."""
    fields = [getattr(owner, field, None) for field in ("body", "orelse", "finalbody")]
    body = next((f for f in fields if isinstance(f, list) and statement in f), [])
    before = body[:body.index(statement)] if statement in body else []
    return any(builds_ops(context, inner) for earlier in before
               if not isinstance(earlier, DEFINITIONS)  # a def or class builds nothing as it is defined
               for inner in ast.walk(earlier))


def builds_ops(context: ModuleContext, node: ast.AST, depth: int = 0) -> bool:
    """A call that may make graph nodes: a TensorFlow call (not flags, logging, file or config
    calls), or the program's own code that makes any (`model = Model(args)` building
    placeholders; an argument parser does not), anything but the standard library, builtins
    and NumPy-like data libraries."""
    if not isinstance(node, ast.Call):
        return False
    name = context.call_name(node)
    root = name.split(".", 1)[0] if name is not None else None
    if root == "tensorflow":
        return not HARMLESS.search(name or "")
    if root in sys.stdlib_module_names or root in DATA_LIBRARIES or root in BUILTIN_NAMES or (
            root in NON_TF_LIBRARIES):
        return False
    if name is None and isinstance(node.func, ast.Name) and node.func.id in BUILTIN_NAMES:
        return False
    if name is None and isinstance(node.func, ast.Attribute) and node.func.attr in BUILTIN_METHODS:
        return False  # `words.extend(...)`, `line.split()`: a list's, a string's, a file's
    return program_code_builds_ops(context, node, depth)


def program_code_builds_ops(context: ModuleContext, call: ast.Call, depth: int) -> bool:
    """Whether a call of the program's own code may make graph nodes: a function or class
    whose code (followed MAX_CALL_DEPTH calls deep) calls nothing that may, or a method of an
    object a standard-library call made (`pp = pprint.PrettyPrinter()`), does not."""
    from estimator_audit.migrate.lookup import called, definition  # whole-program lookups

    if depth >= MAX_CALL_DEPTH:
        return True
    found = called(context, call)
    if found is None and isinstance(call.func, ast.Attribute):
        owner = definition(context, call.func.value)
        if owner is not None and isinstance(owner.node, ast.Call):
            return builds_ops(owner.context, owner.node, depth + 1)
        return True
    if found is None or not isinstance(found.node, (ast.FunctionDef, ast.ClassDef)):
        return True
    runs: list[ast.AST] = [found.node]
    if isinstance(found.node, ast.ClassDef):  # constructing it runs its __init__ and class body only
        init = next((d for d in found.node.body if isinstance(d, ast.FunctionDef) and d.name == "__init__"),
                    None)
        if init is None and any(not (isinstance(b, ast.Name) and b.id == "object") for b in found.node.bases):
            return True  # an inherited __init__
        runs = [*(s for s in found.node.body if not isinstance(s, DEFINITIONS)), *([init] if init else [])]
    return any(builds_ops(found.context, inner, depth + 1) for node in runs for inner in ast.walk(node))
