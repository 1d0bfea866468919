"""Module facts the seeding rules share: where a module trains, and what it seeds where.

Collected in the same single walk as the rules (the checker visits this collector first), so
a rule's `finish()` can ask "does this module train?" without walking the tree again. What
the collector asks of the rest of the program lives beside it, by subject: `program` (who
imports the module, what runs on load), `seeding` (what seeds which generator) and `graph_mode`
(what runs only in TF1 graph mode, what builds ops).
"""

from __future__ import annotations

import ast
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.knowledge.calls import (
    BLOCK_FIELDS,
    FUNCTION_DEFS,
    UNKNOWN,
    argument,
    call_text,
    innermost_function,
    is_none,
    own_callee,
    scope_of,
    tf_spelling,
)
from estimator_audit.knowledge.graph_mode import GRAPH_STATE, RESETS, given_to_keras
from estimator_audit.knowledge.program import (
    DATA_LIBRARIES,
    KNOWN_LIBRARY_ROOTS,
    OTHER_ML_LIBRARIES,
    defined_with_keras,
    imported_update_attributes,
    never_called,
    passed_arguments,
    program_function,
    program_keras_model,
    top_level_functions,
)
from estimator_audit.knowledge.seeding import (
    ALL_RNGS,
    LIBRARY_SEEDERS,
    RNG,
    SEEDING_CALLS,
    TEST_SPELLED,
    entropy_reseed,
    function_seeds,
    library_call,
    seeded_test_classes,
    seeding_callee,
)
from estimator_audit.knowledge.tfapi import (
    KERAS_MODEL_FACTORIES,
    TF1_GRAPH_CALLS,
    estimator_class,
    is_run_config,
    keras3,
    keras_random_layers,
)
from estimator_audit.knowledge.v1api import INTERNAL_SESSIONS
from estimator_audit.resolve import SCOPE_NODES

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext
    from estimator_audit.migrate.lookup import Definition


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
        if isinstance(fetches, ast.Name) and any(
                self.names_update(value) for value in self.bound_values().get(fetches.id, [])):
            return True  # a fetch list bound in one of several branches: `output_feed = [self.updates[b]]`
        if isinstance(fetches, ast.Name):  # `run_ops = [loss, ops["train_op"]]; sess.run(run_ops)`
            fetches = self.collected_fetches(fetches, run)
        if self.names_update(fetches):
            return True
        attributes = {n.attr for n in ast.walk(fetches) if isinstance(n, ast.Attribute)}
        if attributes and attributes & imported_update_attributes(self.context):
            return True  # `sess.run([model.meta_op])`, the update op a module it imports binds (MAML's)
        if self.handed_update(fetches, run):
            return True
        opaque = isinstance(fetches, (ast.Name, ast.Attribute, ast.Subscript, ast.Call))
        if opaque and id(run) in self.discarding_runs and not NOT_TRAINING.search(ast.unparse(fetches)):
            return True  # `_, loss = sess.run(ops, feed)`: ops built elsewhere, an update op's None dropped
        # The module names its update ops: does this run fetch one? (A parameter, `def
        # train(train_op, ...)`, is the caller's op, judged by its name.)
        if self.update_names and (self.fetches_derived_update(fetches) or not self.parameter(fetches, run)):
            return self.fetches_derived_update(fetches)
        while isinstance(fetches, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            fetches = fetches.elt  # `[tf.assign(v, 1) for v in update_switches]` fetches the assignments
        fetches = self.unread_fetches(fetches, run)
        parts = fetches.elts if isinstance(fetches, (ast.List, ast.Tuple)) else [fetches]
        words = [word for part in parts if not self.assigns_only(part) for word in fetch_words(part)]
        # (through the program's run wrapper, an `update` word is no training step: MaskGAN's
        # assign_percent_real(sess, model.percent_real_update, ...) assigns a variable)
        says_training = WRAPPED_TRAINING_FETCH if id(run) in self.wrapper_fetches else TRAINING_FETCH
        return any(says_training.search(word) and not NOT_TRAINING.search(word)
                   and word not in self.metric_names
                   and (self.applies_updates or not METRIC_UPDATE.match(word)) for word in words)

    def assigns_only(self, fetch: ast.expr, depth: int = 0) -> bool:
        """A fetch that only sets variables: `tf.assign(model.is_train, False)`, `v.assign_add(1)`,
        a tf.group of such, or a name the module binds to nothing else (`self.update_tf_op =
        tf.group(self.s.assign(svd_s))`, a cached SVD refreshed): its name says nothing of training."""
        if isinstance(fetch, ast.Call):
            last = (self.context.call_name(fetch) or ast.unparse(fetch.func)).rsplit(".", 1)[-1]
            if last == "group":
                return bool(fetch.args) and all(self.assigns_only(part, depth) for part in fetch.args)
            return last in ASSIGNMENTS
        if not isinstance(fetch, (ast.Name, ast.Attribute)) or depth >= MAX_BINDING_HOPS:
            return False
        values = self.bound_values().get(fetch.id if isinstance(fetch, ast.Name) else fetch.attr, [])
        return bool(values) and all(self.assigns_only(value, depth + 1) for value in values)

    def bound_values(self) -> dict[str, list[ast.expr]]:
        """What the module assigns to each name and attribute name (`x = ...`, `self.x = ...`)."""
        if "bound_values" not in self.context.memo:
            bound: dict[str, list[ast.expr]] = {}
            for node in ast.walk(self.context.tree):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, (ast.Name, ast.Attribute)):
                            bound.setdefault(target.id if isinstance(target, ast.Name) else target.attr,
                                             []).append(node.value)
            self.context.memo["bound_values"] = bound
        values: dict[str, list[ast.expr]] = self.context.memo["bound_values"]
        return values

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

    def handed_update(self, fetches: ast.expr, run: ast.Call) -> bool:
        """Whether the run fetches, among others, a parameter of its function that the module's
        calls of that function fill with a training step (TensorFlow's PTB tutorial:
        `run_epoch(session, m, data, m.train_op)` running `[m.cost, m.final_state, eval_op]`)."""
        function = innermost_function(self.ancestry.get(id(run), ()))
        if function is None or not isinstance(fetches, (ast.List, ast.Tuple, ast.Dict)):
            return False
        parameters = {a.arg for a in function.args.args}
        memo = self.context.memo.setdefault("passed_arguments", {})  # (function, parameter) -> values
        handed: list[ast.expr] = []
        for parameter in {node.id for node in ast.walk(fetches) if isinstance(node, ast.Name)} & parameters:
            if (id(function), parameter) not in memo:
                memo[id(function), parameter] = passed_arguments(self.context, function, parameter)
            handed += memo[id(function), parameter]
        return any((isinstance(value, ast.Attribute) and value.attr in self.update_names) or any(
            TRAINING_FETCH.search(word) and not NOT_TRAINING.search(word) for word in fetch_words(value))
            for value in handed)

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
        """Whether an expression names an update op (`train_op`, `self.policy_train_op`, an entry
        of a dict or list the module builds with one: `ops["optimizer"]`, `self.updates[b]`), or
        calls a function of the module that returns one (`self.train_op = self._train()`)."""
        return any((isinstance(part, ast.Name) and part.id in self.update_names)
                   or (isinstance(part, ast.Attribute) and part.attr in self.update_names)
                   or (isinstance(part, ast.Subscript) and isinstance(part.slice, ast.Constant)
                       and part.slice.value in self.update_names)
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
            elif method in UPDATE_METHODS and isinstance(parent, ast.Dict):
                # `return {"optimizer": opt.minimize(loss), ...}`, fetched as `model["optimizer"]`
                self.update_names |= {key.value for key, value in zip(parent.keys, parent.values, strict=True)
                                      if value is node and isinstance(key, ast.Constant)
                                      and isinstance(key.value, str)}
            elif method in UPDATE_METHODS and appended_to(parent) is not None:
                # `self.updates.append(opt.apply_gradients(...))` per bucket, fetched as `self.updates[b]`
                self.update_names.add(appended_to(parent) or "")
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

    def unseeded_mnist_copy(self, name: str) -> str | None:
        """The file name of the program's own copy of the MNIST reader (`import input_data`, the
        TF 0.x tutorials' input_data.py) when it shuffles with NumPy but, unlike TF1's reader,
        never reseeds NumPy from the graph seed (`random_seed.get_seed`)."""
        reader = name.split(".read_data_sets", 1)[0]
        located = self.context.project.locate(self.context.source.path, f"{reader}.read_data_sets")
        if located is None:
            return None
        text = self.context.project.read(located[0]) or b""
        return None if b"get_seed" in text else os.path.basename(located[0])

    def keras_rng(self, package: str) -> RNG:
        """Keras 3 seeds unseeded layers from Python's random; Keras 2 (tf_keras, or tf.keras
        before TF 2.16 or in a module that sets TF_USE_LEGACY_KERAS) from TensorFlow's global seed."""
        from estimator_audit.knowledge.tfsymbols import uses_legacy_keras  # tfsymbols reads facts' rules

        is_keras3 = package not in TF1_KERAS and keras3(self.context.settings.target) and (
            package == "keras" or not uses_legacy_keras(self.context))
        return RNG.PYTHON if is_keras3 else RNG.TENSORFLOW

    def helper_draws(self) -> list[RandomUse]:
        """NumPy and Python draws in the program's own functions in other modules that this one
        calls (`helpers.random_sequences(...)` making its batches with np.random.randint): they
        feed the graph as the module's own draws do, and no graph seed reaches them. One per
        function, at the call, unless the function seeds them itself."""
        if "helper_draws" in self.context.memo:
            found: list[RandomUse] = self.context.memo["helper_draws"]
            return found
        from estimator_audit.migrate.lookup import called  # whole-program lookup

        found = []
        seen: set[int] = set()
        project, path = self.context.project, self.context.source.path
        calls = (node for node in ast.walk(self.context.tree) if isinstance(node, ast.Call)) \
            if self.graph_calls else ()  # (what a TF1 graph is fed; a Keras fix seeds NumPy itself)
        names: set[str] = set()
        for call in calls:
            name = self.context.call_name(call)
            root = name.split(".", 1)[0] if name else ""
            if not name or name in names or root in KNOWN_LIBRARY_ROOTS or root in sys.stdlib_module_names:
                continue
            names.add(name)  # (one lookup per function called, however often)
            located = project.locate(path, name)  # (cached: the costly lookup only for the program's code)
            if located is None or project.key(located[0]) == project.key(path):
                continue
            target = called(self.context, call)
            if (target is None or target.context is self.context
                    or not isinstance(target.node, ast.FunctionDef) or id(target.node) in seen):
                continue
            seen.add(id(target.node))
            inner = [target.context.call_name(node) or "" for node in ast.walk(target.node)
                     if isinstance(node, ast.Call)]
            if any(SEEDING_CALLS.get(inner_name) for inner_name in inner):
                continue
            draw = next((drawn for drawn in map(host_draw, inner) if drawn is not None), None)
            if draw is not None:
                where = os.path.basename(target.context.source.path)
                found.append(RandomUse(call, draw[0], f"{draw[1]} in {where}'s {target.node.name}"))
        self.context.memo["helper_draws"] = found
        return found

    def random_use(self, node: ast.Call, name: str) -> tuple[RNG, str] | None:
        """Which global RNG this call draws from, if it draws from one without its own seed."""
        if name.startswith("numpy.random."):
            return host_draw(name)
        if MNIST_BATCH.search(name):
            shuffle = argument(node, "shuffle", ("batch_size", "fake_data", "shuffle"))
            if isinstance(shuffle, ast.Constant) and shuffle.value is False:
                return None
            copy = self.unseeded_mnist_copy(name)
            if copy is not None:
                return RNG.NUMPY, f"the next_batch shuffle of {copy} (numpy.random.shuffle)"
            return RNG.TENSORFLOW, MNIST_SHUFFLE
        if name.startswith("random."):
            return host_draw(name)
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


UPDATE_METHODS = frozenset({"minimize", "apply_gradients", "compute_gradients"})
# A fetched name that says training (`train_op`, `update_ops`), not a result (`updated_nodes`)
# nor a word that holds one (`unconstrained_objective`, `optimal_bound`).
TRAINING_FETCH = re.compile(r"(?<![a-z])train|(?<![a-z])optim(?!al)|updat(?!ed)|minimi|(?<![a-z])apply|"
                            r"opt_op", re.IGNORECASE)
TRAIN_WORD = re.compile(r"(?<![a-z])train", re.IGNORECASE)
# Ops that set variables to values given (not an optimizer's update), and how many bindings of a
# fetched name are followed back to one.
ASSIGNMENTS = frozenset({"assign", "assign_add", "assign_sub", "scatter_update", "scatter_add",
                         "scatter_nd_update", "load"})
MAX_BINDING_HOPS = 3
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


def host_draw(name: str) -> tuple[RNG, str] | None:
    """A draw from NumPy's or Python's global generator, by the called name."""
    if name.startswith("numpy.random."):
        function = name[len("numpy.random.") :]
        drawn = "." not in function and function not in NUMPY_NOT_GLOBAL
        return (RNG.NUMPY, f"np.random.{function}") if drawn else None
    if name.startswith("random."):
        return (RNG.PYTHON, name) if name[len("random.") :] in PYTHON_RANDOM_FUNCTIONS else None
    return None


def appended_to(node: ast.AST | None) -> str | None:
    """The name of the list a call appends to (`updates` of `self.updates.append(...)`)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append"):
        return None
    held = node.func.value
    return held.id if isinstance(held, ast.Name) else held.attr if isinstance(held, ast.Attribute) else None


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


def applies_update(node: ast.AST) -> bool:
    """`opt.minimize(loss)`, `opt.apply_gradients(grads)`: a call that makes an update op."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
        node.func.attr in UPDATE_METHODS - {"compute_gradients"})


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


def discards_first(targets: Sequence[ast.expr]) -> bool:
    """`_, loss = ...`: the first of several values unpacked is thrown away, as a training run
    drops the None its update op fetches."""
    return any(isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) > 1
               and isinstance(target.elts[0], ast.Name) and target.elts[0].id == "_" for target in targets)
