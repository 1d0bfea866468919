"""
## What it does
In a module that builds a TF1 graph (it runs a session, makes placeholders or switches to graph
mode), or that a module building one imports (its layers run in that graph) and that is TF1 code
itself (it names a symbol TF2 lacks or spells the TF1 API: a TF2 library a legacy script imports
keeps TF2's meaning), flags TF 1.x names that TensorFlow 2 kept for another object: `tf.summary.scalar`,
`histogram`, `image`, `audio` and `text` (TF2's summary ops), `tf.where`, `tf.nn.ctc_loss`,
`tf.saved_model.load`, the initializer classes (`tf.zeros_initializer`,
`tf.random_normal_initializer`, ...), `tf.losses.Reduction`: the names TensorFlow's own
`tf_upgrade_v2` respells as `tf.compat.v1.<name>` while they still exist under their old name.
Keras names are EA108's. It also flags calls that pass a TF1 keyword the TF2 function of the
same name lacks (`tf.reduce_sum(x, reduction_indices=1)`, `keep_dims=`, `tf.nn.softmax(dim=)`:
tf_upgrade_v2's keyword renames, listed in the generated table), and TF1's
`tf.nn.dropout(x, keep_prob)`: TF2's second parameter is the rate of units dropped, so the call
runs and silently keeps 20% of the units where TF1 kept 80% (checked on TensorFlow 2.21:
`tf.nn.dropout(x, 0.8)` kept 20.6% of 1,000 ones, `tf.compat.v1.nn.dropout(x, 0.8)` 80.1%); a
literal 0.5 means the same either way and is left alone.
It also flags positional `tf.nn.softmax_cross_entropy_with_logits(logits, labels)` (and the
sigmoid and sparse variants) in TF1 graph programs: TensorFlow 0.x's order, which TensorFlow 2
reads as (labels, logits); functions TensorFlow 2 kept under their TF1 name with the parameters in
another order, given a moved one by position in a TF1 graph program (`tf.nn.in_top_k(predictions,
targets, k)`, TF2's `(targets, predictions, k)`; `tf.random.poisson(lam, shape)`; tf_upgrade_v2's
reorder table), with an unsafe fix passing them by keyword; and TensorFlow 0.x's axis-first `tf.concat(0, values)` and
`tf.split(0, 2, value)` in any module (TF 1 and 2 take `concat(values, axis)` and
`split(value, num_or_size_splits, axis)`: on TF 2.21 the old order raises ValueError "Shape must
have rank 0" for concat, and for split a TypeError in a graph (InvalidArgumentError eagerly) when
the value is float, as images are, InvalidArgumentError as it runs when it is int32 (checked in a
TF1 graph, a tf.function and eagerly); the safe fix moves the axis). Keywords that are a TypeError whatever the program (`keep_dims`, `reduction_indices`,
`squeeze_dims`, `keep_prob`, `*_dim`) are flagged in any module; the rest only in
TF1 graph programs, and `tf.name_scope(None)` (TF1's root scope: TF 2.21 raises ValueError) and `tf.name_scope(name, default_name, values)` (TF1's signature: TF2's takes only a
name, a TypeError) in any module. Calls TF2's object answers as TF1's did are left alone: `assert_equal`,
`assert_greater`, `assert_less` and `assert_rank` without a third positional argument (TF1's
`data`, TF2's `message`; TF2's assert calls TF1's), `zeros_initializer()`,
`ones_initializer()`, `constant_initializer(value)`, one-argument `where(condition)`,
three-argument `where` whose condition compares, element by element, a tensor its values are
computed from (it then has their shape: TF 2.21 gave the same values and gradients with either
where; TF1's rank-1 condition picking rows of a matrix raises on TF2), and
`random_normal_initializer` given its stddev and `random_uniform_initializer` given both bounds,
with no seed or dtype. Names
spelled through
`tf.compat.v2` (`import tensorflow.compat.v2 as tf2`) ask for the TF2 function and are left
alone. It fires when the `target` setting is TensorFlow 2 or later.

## Why is this bad?
EA106 cannot see these names: they exist. But they are not what the TF1 program called. In a
graph program on TensorFlow 2.21, `tf.summary.scalar("loss", loss)` runs TF2's summary op,
which needs TensorBoard installed (`TBNotInstalledError: TensorBoard is not installed, missing
implementation for tf.summary.scalar`) and a default writer and step to record anything, where
TF1's op returned a summary tensor to merge and write; `tf.where` with one argument and the
initializers take other arguments or broadcast differently. And `tf.reduce_sum(x,
reduction_indices=1)` raises `TypeError: Got an unexpected keyword argument
'reduction_indices'` (aymericdamien's TF1 logistic regression, on TensorFlow 2.21 in graph mode):
TF2's reduce_sum takes `axis`; `tf.compat.v1.reduce_sum` still takes both.

## How it was verified
The names are tf_upgrade_v2's renames into `tf.compat.v1` (`tensorflow/tools/compatibility`,
TensorFlow 2.15.1) that `estimator_audit/data/tf_renames_v2.json` lists as the same object
(checked on TensorFlow 2.15), restricted to those that exist under their old name in the
generated TensorFlow 2.21 API table. The TensorBoard error is what a TF1 regression script
(fixtures/graph/reset_graph) raised on TensorFlow 2.21 after its other names were fixed and
graph mode was on; with `tf.compat.v1.summary.scalar` it ran.

## Example
```python
import tensorflow as tf
tf.compat.v1.disable_v2_behavior()
loss = tf.reduce_mean(tf.square(prediction - y))
tf.summary.scalar("loss", loss)
```

## Use instead
```python
import tensorflow as tf
tf.compat.v1.disable_v2_behavior()
loss = tf.reduce_mean(tf.square(prediction - y))
tf.compat.v1.summary.scalar("loss", loss)
```

## Fix safety
Safe: the name is respelled `tf.compat.v1.<name>` through the file's own name for TensorFlow,
the object the TF1 program called (for a TF1 keyword: the TF1 function, whose signature it
is), in a module that runs as a TF1 graph program.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.knowledge.calls import argument, tf_spelling
from estimator_audit.knowledge.program import importer_builds_tf1_graph, in_estimator_program
from estimator_audit.knowledge.tfsymbols import (
    Reference,
    SymbolReferenceRule,
    changed_meaning,
    guarded,
    missing,
    reorder,
    spelled_v2,
    spelling,
    v1_keywords,
)
from estimator_audit.rule import Invalid, Valid

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext


# What TF1 code spells: a module that spells none of it is TF2 code, even when a TF1 graph
# program imports it (its `tf.where` means TF2's; TF-Agents' library under a legacy script).
TF1_SPELLED = re.compile(r"compat\.v1|placeholder|Session|get_variable|variable_scope|tf\.layers\.|"
                         r"tf\.contrib|GraphKeys|global_variables|tf\.train\.\w+Optimizer|tf\.losses\.")


@dataclass(frozen=True)
class Pending:
    node: ast.AST
    message: str
    fix: Fix | None
    anywhere: bool = False  # a TypeError whatever the program: reported outside TF1 graph programs too
    errors: frozenset[str] = frozenset()  # what the call raises: a `try` catching them is a version shim


# What a call TensorFlow 2 refuses raises: a `try` catching either tolerates it (keras-rl's
# `try: tf.concat(1, parts)` / `except (TypeError, ValueError): tf.concat(parts, 1)`).
RAISED = frozenset({"TypeError", "ValueError"})
DROPOUT = "tensorflow.nn.dropout"
# What TF 0.x's axis-first concat and split raise on TF 2.21, by the position the axis moves to
# (split's depends on the value's dtype: the axis slot takes int32 only).
TF0_ERRORS = {1: "ValueError, Shape must have rank 0",
              2: "TypeError in a graph, InvalidArgumentError eagerly, where the value is float; "
                 "InvalidArgumentError as it runs where it is int32"}
# TensorFlow 0.x took (logits, labels) by position; TF 1.x refused positional arguments; TF2
# takes (labels, logits): a positional call in an old graph program now swaps them silently.
SWAPPED = frozenset({"tensorflow.nn.softmax_cross_entropy_with_logits",
                     "tensorflow.nn.sigmoid_cross_entropy_with_logits",
                     "tensorflow.nn.sparse_softmax_cross_entropy_with_logits"})
# TensorFlow 0.x put the axis first (`concat(concat_dim, values)`, `split(split_dim, num_split,
# value)`); TensorFlow 1.0 moved it (`concat(values, axis)`, `split(value, num_or_size_splits,
# axis)`): the function and the position of the axis, the one the axis moved to.
TF0_AXIS_FIRST = {"tensorflow.concat": 1, "tensorflow.split": 2}
# TF2 objects kept under a TF1 name that answer some calls exactly as TF1's did (checked on
# TensorFlow 2.21 in a TF1 graph: get_variable with `zeros_initializer()`, `ones_initializer()`,
# `constant_initializer(0.5)`, `random_normal_initializer(0.0, 0.1)` and
# `random_uniform_initializer(-0.3, 0.3)` made the same values under a graph seed, one-argument
# `where` the same indices): the parameters such a call may pass (by position or keyword), and
# those it must pass. The random ones differ in their defaults, and with an op seed
# (TF2's then draws with stateless ops); `dtype=` raises TypeError on TF2's.
SAME_VALUES: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "tensorflow.zeros_initializer": ((), frozenset()),
    "tensorflow.ones_initializer": ((), frozenset()),
    "tensorflow.constant_initializer": (("value",), frozenset()),
    # their tf.initializers spellings (TF 2.21: Keras 3's Constant, Zeros, Ones; get_variable
    # made the same values with them)
    "tensorflow.initializers.constant": (("value",), frozenset()),
    "tensorflow.initializers.zeros": ((), frozenset()),
    "tensorflow.initializers.ones": ((), frozenset()),
    "tensorflow.where": (("condition",), frozenset({"condition"})),
    # TF1's mean and TF2's both default to 0.0: only the stddev (1.0 against 0.05) must be given
    "tensorflow.random_normal_initializer": (("mean", "stddev"), frozenset({"stddev"})),
    "tensorflow.random_uniform_initializer": (("minval", "maxval"), frozenset({"minval", "maxval"})),
    # TF2's asserts (TF 2.21: `assert_equal_v2(x, y, message=None, summarize=None, name=None)`
    # returns `assert_equal(x=x, y=y, summarize=..., message=..., name=...)`, TF1's op); only
    # a third positional argument differs: TF1's `data`, TF2's `message`.
    **{f"tensorflow.{name}": (("x", "y"), frozenset({"x", "y"})) for name in ("assert_equal", "assert_greater",
                                                                             "assert_less")},
    "tensorflow.assert_rank": (("x", "rank"), frozenset({"x", "rank"})),
}
# Positional arguments TF1's call took that TF2's reads as a parameter changing no value: TF1's
# `constant_initializer(0.0, tf.float32)` passes the dtype second, which TF2's reads as its
# `support_partition` flag (TF 2.21: get_variable made the same values with both).
SAME_POSITIONAL = {"tensorflow.constant_initializer": ("dtype",)}
# TF2 functions that take only a name where TF1's took more (TF 2.21: `name_scope_v2(name)`;
# TF1's `name_scope(name, default_name=None, values=None)`), which tf_upgrade_v2 respells
# tf.compat.v1 when given more.
TF2_ONLY_NAME = frozenset({"tensorflow.name_scope"})
# Keywords the calls above may pass besides their parameters, meaning the same to both objects.
SAME_KEYWORDS = {**{f"tensorflow.{name}": frozenset({"message", "summarize", "name"})
                    for name in ("assert_equal", "assert_greater", "assert_less")},
                 "tensorflow.assert_rank": frozenset({"message", "name"})}


# Members that hold the same value under the TF1 class and the TF2 one of the same name
# (TF 2.21: tf.losses.Reduction.NONE and tf.compat.v1.losses.Reduction.NONE are both "none").
SAME_MEMBERS = frozenset({"tensorflow.losses.Reduction.NONE"})


# Classes get_variable may be handed uncalled (`initializer=tf.zeros_initializer`): it calls them
# (TF 2.21 made the same zeros).
UNCALLED_SAME = frozenset({"tensorflow.zeros_initializer", "tensorflow.ones_initializer"})


# Keywords only TensorFlow 2's summary ops take (TF 2.21: tf.summary.scalar/histogram/image/audio/
# text take `data`, `step`, `description`, histogram `buckets`, audio `encoding`; their
# tf.compat.v1 namesakes take `tensor`/`values`, `collections`, `family` instead).
TF2_SUMMARY_KEYWORDS = frozenset({"data", "step", "description", "buckets", "encoding"})


def tf2_keywords(reference: Reference) -> bool:
    """A summary call passing a keyword only the TF2 op takes (`step=`): TF2 code, on purpose."""
    node = reference.node
    return (isinstance(node, ast.Call) and reference.qualified.startswith("tensorflow.summary.")
            and any(keyword.arg in TF2_SUMMARY_KEYWORDS for keyword in node.keywords))


def same_values(reference: Reference) -> bool:
    """A call of a changed-meaning name that TF2's object answers as TF1's did."""
    call = reference.node
    entry = SAME_VALUES.get(reference.qualified)
    if entry is not None and not isinstance(call, ast.Call) and reference.qualified in UNCALLED_SAME:
        return True  # the class handed to get_variable, which makes one itself
    if entry is None or not isinstance(call, ast.Call):
        return False
    parameters, required = entry
    positional = (*parameters, *SAME_POSITIONAL.get(reference.qualified, ()))
    if len(call.args) > len(positional):
        return False
    keywords = [keyword.arg for keyword in call.keywords]
    passed = {*positional[:len(call.args)], *keywords}
    allowed = {*parameters, *positional[:len(call.args)]} | SAME_KEYWORDS.get(reference.qualified, frozenset())
    return passed <= allowed and len(passed) == len(call.args) + len(keywords) and required <= passed


WHERE = "tensorflow.where"
# Element-wise comparisons and logic: a condition made with them has its operands' shape.
ELEMENTWISE_TESTS = frozenset(f"tensorflow.{prefix}{name}" for prefix in ("", "math.") for name in (
    "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_or",
    "logical_not", "logical_xor", "is_nan", "is_inf", "is_finite"))
# Calls whose result has their first argument's shape (`tf.cast(tf.ones_like(x), tf.bool)`).
SHAPE_KEEPING = frozenset(f"tensorflow.{prefix}{name}" for prefix in ("", "compat.v1.", "dtypes.")
                          for name in ("cast", "ones_like", "zeros_like", "sign", "abs", "stop_gradient"))
MAX_DERIVATION_HOPS = 6  # assignments followed back from where's values to the condition's tensors


def elementwise_where(context: ModuleContext, node: ast.AST) -> bool:
    """`tf.where(condition, x, y)` whose condition compares, element by element, a tensor the
    values are computed from (`tf.where(tf.abs(d) < 1.0, 0.5 * tf.square(d), tf.abs(d) - 0.5)`):
    the condition then has the values' shape, and TF2's broadcasting where picks exactly what
    TF1's did (TF 2.21: same values and gradients). TF1's rank-1 condition picking rows of a
    matrix is what changed (TF2 raises, or broadcasts it along the last axis when square)."""
    if not isinstance(node, ast.Call):
        return False
    given = [argument(node, parameter, ("condition", "x", "y")) for parameter in ("condition", "x", "y")]
    passed = [a for a in given if isinstance(a, ast.expr)]
    if len(passed) != 3 or any(k.arg not in ("condition", "x", "y", "name") for k in node.keywords):
        return False  # (by position or by keyword: `where(condition=..., x=..., y=...)`)
    condition, *values = passed
    compared = compared_tensors(context, condition)
    if not compared:
        return False
    sources = {chain for value in values for chain in tensor_chains(context, value)}
    scope = next((a for a in reversed(context.ancestors)
                  if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))), context.tree)
    assignments: dict[str, list[ast.expr]] = {}
    # An RNN's time loop, `for t in range(steps): h = tf.where(tf.greater(lengths, t), h_new, h)`,
    # picks the rows still running (TF1's rank-1 condition): the state it rebinds is not made from
    # the condition, so that assignment, the where itself, does not count.
    steps = {a.target.id for a in context.ancestors if isinstance(a, ast.For) and isinstance(a.target, ast.Name)}
    for statement in ast.walk(scope):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and not (
                compared & steps and any(inner is node for inner in ast.walk(statement.value))):
            assignments.setdefault(ast.unparse(statement.targets[0]), []).append(statement.value)
    frontier = set(sources)
    for _ in range(MAX_DERIVATION_HOPS):
        if compared & sources:
            return True
        frontier = {chain for name in frontier for value in assignments.get(name, [])
                    for chain in tensor_chains(context, value)} - sources
        if not frontier:
            break
        sources |= frontier
    return bool(compared & sources)


def compared_tensors(context: ModuleContext, condition: ast.expr) -> set[str]:
    """The tensors an element-wise condition compares (names and attribute chains), or none
    when the condition is anything else."""
    if isinstance(condition, ast.Compare):
        compared = (condition.left, *condition.comparators)
        return {chain for part in compared for chain in tensor_chains(context, part)}
    if isinstance(condition, ast.BoolOp) or (isinstance(condition, ast.UnaryOp)
                                             and isinstance(condition.op, (ast.Not, ast.Invert))):
        parts = list(condition.values) if isinstance(condition, ast.BoolOp) else [condition.operand]
        found = [compared_tensors(context, part) for part in parts]
        return set().union(*found) if all(found) else set()
    if isinstance(condition, ast.Call) and context.call_name(condition) in ELEMENTWISE_TESTS:
        return {chain for argument in condition.args for chain in tensor_chains(context, argument)}
    if isinstance(condition, ast.Call) and context.call_name(condition) in SHAPE_KEEPING and condition.args:
        first = condition.args[0]  # (lm-human-preferences' `tf.cast(tf.ones_like(x), tf.bool)`)
        return compared_tensors(context, first) if isinstance(first, ast.Call) else tensor_chains(context, first)
    if isinstance(condition, ast.Name):  # `cond = tf.less(residual, delta); tf.where(cond, ...)`
        value = context.assigned_value(condition)
        return compared_tensors(context, value) if value is not None and not isinstance(value, ast.Name) else set()
    return set()


def tensor_chains(context: ModuleContext, node: ast.expr) -> set[str]:
    """Names and `self.` attributes (`self.delta`) an expression reads, imported modules left out."""
    chains = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name) and child.value.id == "self":
            chains.add(ast.unparse(child))
        elif isinstance(child, ast.Name) and child.id != "self":
            bindings = context.module_bindings.get(child.id, [])  # an import: a qualified name, no value
            if not bindings or not all(b.qualified is not None and b.value is None for b in bindings):
                chains.add(child.id)
    return chains


def scalar_branches(node: ast.AST) -> bool:
    """`tf.where(x > 0, 1, 0)`: TF1's where needs values shaped like the condition (scalars raise
    there), so the call is TF2 code, which broadcasts them."""
    return isinstance(node, ast.Call) and len(node.args) == 3 and all(
        isinstance(value, ast.Constant) or (isinstance(value, ast.UnaryOp) and isinstance(value.operand, ast.Constant))
        for value in node.args[1:])


# TF1 functions whose TF2 namesake takes fewer required arguments: a call short of TF1's is
# TF2 code (`tf.saved_model.load(path, tags="serve")`; TF1's is `load(sess, tags, export_dir)`).
TF1_REQUIRED = {"tensorflow.saved_model.load": ("sess", "tags", "export_dir")}


def none_name(call: ast.Call) -> bool:
    """`tf.name_scope(None)`: TF1's root scope; TF 2.21's name_scope raises ValueError on it."""
    name = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "name"), None)
    return isinstance(name, ast.Constant) and name.value is None


def axis_first(call: ast.Call, qualified: str) -> bool:
    """`tf.concat(1, [a, b])`, `tf.split(0, 2, x)`: an integer literal where TF 1 and 2 take the
    values, and something else where they take the axis; or `tf.concat(axis, [x, -x])`: a list of
    values written out where TF 1 and 2 take the axis."""
    moved_to = TF0_AXIS_FIRST.get(qualified)
    if moved_to is None or len(call.args) != moved_to + 1 or any(k.arg == "axis" for k in call.keywords):
        return False
    first, last = call.args[0], call.args[moved_to]
    if qualified == "tensorflow.concat" and isinstance(last, (ast.List, ast.Tuple)) and not isinstance(
            first, (ast.List, ast.Tuple, ast.ListComp, ast.Starred)):
        return True
    return integer_literal(first) and not integer_literal(last)


def integer_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


def tf1_cannot_call(reference: Reference) -> bool:
    """A call TF1's function would reject for missing arguments: written for TF2's."""
    required = TF1_REQUIRED.get(reference.qualified)
    call = reference.node
    if required is None or not isinstance(call, ast.Call) or any(
            isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return False
    passed = {*required[:len(call.args)], *(k.arg for k in call.keywords)}
    return not set(required) <= passed


def spelled_as_rate(node: ast.expr) -> bool:
    """A second argument that is a drop rate already: `1 - keep` (the TF2 call written from a
    keep probability; `1 - dropout` is TF1's keep_prob from a rate) or a name saying rate
    (`dropout_rate`). A name saying only dropout proves nothing: TF1 programs feed their keep
    probability through `self.dropout` and `dropout_pl` placeholders as often as not."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and isinstance(node.left, ast.Constant) \
            and node.left.value == 1:
        return "keep" in name_of(node.right).lower()
    name = name_of(node).lower()
    return "rate" in name and "keep" not in name


def name_of(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def keeps_half(context: ModuleContext, node: ast.expr) -> bool:
    """0.5: a literal, a name last bound to one (`keep_prob = 0.5` above the call), or a
    parameter of the enclosing function defaulting to 0.5 that no call of the function in the
    module passes otherwise (`def _dropout(self, x, ratio=0.5)`)."""
    if isinstance(node, ast.Constant):
        return node.value == 0.5
    assigned = context.assigned_value(node)
    if isinstance(assigned, ast.Constant):
        return assigned.value == 0.5
    function = next((a for a in reversed(context.ancestors) if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))),
                    None)
    if not isinstance(node, ast.Name) or function is None:
        return False
    parameters = [argument.arg for argument in function.args.args]
    defaults = dict(zip(parameters[len(parameters) - len(function.args.defaults):], function.args.defaults,
                        strict=True))
    default = defaults.get(node.id)
    if not (isinstance(default, ast.Constant) and default.value == 0.5):
        return False
    for call in ast.walk(context.tree):
        if not (isinstance(call, ast.Call) and function.name == (
                call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None))):
            continue
        bound = isinstance(call.func, ast.Attribute) and parameters[:1] in (["self"], ["cls"])
        position = parameters.index(node.id) - bound
        given = [k.value for k in call.keywords if k.arg == node.id] + call.args[position:position + 1]
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords) or (
                given and not (isinstance(given[0], ast.Constant) and given[0].value == 0.5)):
            return False
    return True


class TF1MeaningChanged(SymbolReferenceRule):
    code = "EA110"
    name = "tf1-meaning-changed"
    severity = Severity.ERROR
    summary = "A TF1 graph program calls a name TensorFlow 2 kept for another object, or with a TF1 keyword."
    # It reports in TF1 graph programs (facts.builds_tf1_graph) and the modules they import.
    triggers = ("tensorflow",)
    fix_safety = FixSafety.SAFE
    valid = (
        Valid(
            """
            import tensorflow as tf
            def clip(x, c):
                x = tf.compat.v1.placeholder(tf.float32, [None, 3])
                return tf.where(tf.cast(tf.ones_like(x), tf.bool), x, tf.ones_like(x) * c)  # x's shape
            sess = tf.compat.v1.Session()
            """
        ),
        Valid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 4])

            def huber(residual, delta):
                condition = tf.less(residual, delta)  # compared element by element, then held
                return tf.where(condition, 0.5 * tf.square(residual), delta * residual - 0.5 * delta**2)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None])
            eps = tf.compat.v1.get_variable("eps", [], initializer=tf.initializers.constant(1e-12))
            beta = tf.compat.v1.get_variable("beta", [4], tf.float32,
                                             initializer=tf.constant_initializer(0.0, tf.float32))
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def flatten(zeros, tril):
                try:  # TensorFlow 0.x's order first; TF 1 and 2 raise and take the handler's
                    return tf.concat(1, [zeros, tril])
                except (TypeError, ValueError):
                    return tf.concat([zeros, tril], 1)
            """
        ),
        Valid(
            """
            import tensorflow as tf

            def join(parts):
                try:  # a version shim: the handler runs only where the try does not fit
                    return tf.concat(parts, 1)
                except:
                    return tf.concat(1, parts)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            keep = 0.7
            h = tf.compat.v1.placeholder(tf.float32, [None, 8])
            dropped = tf.nn.dropout(h, 1 - keep)  # a rate already: TF2's call
            binary = tf.where(h > 0, 1.0, 0.0)  # scalar values: TF1's where would raise, TF2's broadcasts
            model = tf.saved_model.load(export_dir, tags="serve")  # TF1's load needs (sess, tags, export_dir)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 3])
            with tf.control_dependencies([tf.assert_equal(tf.rank(x), 2, message="a matrix")]):
                y = tf.transpose(x, [1, 0])  # TF2's assert_equal(x, y) calls TF1's
            checks = [tf.assert_rank(x, 2), tf.assert_less(x, 1.0, summarize=3)]
            """
        ),
        Valid(
            """
            import tensorflow as tf
            tf.compat.v1.disable_v2_behavior()
            x = tf.compat.v1.placeholder(tf.float32, [None])
            loss = tf.compat.v1.losses.huber_loss(x, x * 2, reduction=tf.losses.Reduction.NONE)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            tf.compat.v1.disable_v2_behavior()
            x = tf.compat.v1.placeholder(tf.float32)

            def log(writer, session, episodes, iteration):
                if session is None:
                    with writer.as_default():
                        tf.summary.scalar("Train/NumEpisodes", episodes, step=iteration)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 10])

            class Network:
                def _dropout_layer(self, bottom, name, ratio=0.5):  # keep 0.5 is rate 0.5
                    return tf.nn.dropout(bottom, ratio, name=name)

                def build(self):
                    return self._dropout_layer(tf.nn.relu(x), "fc7")
            """
        ),
        Valid(
            """
            import tensorflow as tf
            targets = tf.compat.v1.placeholder(tf.float32, [None])
            delta = targets - predictions
            # the condition compares what the values are made of: it has their shape
            error = tf.where(tf.abs(delta) < 1.0, 0.5 * tf.square(delta), tf.abs(delta) - 0.5, name="huber")
            safe = tf.where(condition=tf.equal(delta, 0), x=tf.ones_like(delta), y=delta)
            with tf.compat.v1.Session() as sess:
                sess.run(error, {targets: batch})
            """
        ),
        Valid(
            """
            import tensorflow as tf
            @tf.function
            def forward(x):
                return tf.nn.dropout(tf.nn.relu(x), 0.2)  # TF2: the rate
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            import tensorflow.compat.v2 as tf2
            tf.disable_v2_behavior()
            x = tf.placeholder(tf.float32)
            with tf.Session() as sess:
                with writer.as_default():
                    tf2.summary.scalar("loss", 1.0, step=3)
                    tf.compat.v2.summary.scalar("accuracy", 0.5, step=3)
            from tensorflow.compat.v2 import summary
            summary.scalar("loss", 2.0, step=4)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            writer = tf.summary.create_file_writer("/tmp/logs")
            with writer.as_default():
                tf.summary.scalar("loss", 0.5, step=1)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            tf.compat.v1.disable_v2_behavior()
            tf.compat.v1.summary.scalar("loss", loss)
            x = tf.compat.v1.placeholder(tf.float32)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 4])
            q = tf.compat.v1.layers.dense(x, 2, kernel_initializer=tf.random_normal_initializer(0, 0.1))
            h = tf.nn.dropout(tf.nn.l2_normalize(q, dim=1), 0.5)  # keep_prob 0.5 is rate 0.5
            keep_prob = 0.5
            h = tf.nn.dropout(h, keep_prob)  # so is a name bound to it
            b = tf.compat.v1.get_variable("b", [2], initializer=tf.zeros_initializer)
            w = tf.random_uniform_initializer(minval=-0.3, maxval=0.3)
            e = tf.random_normal_initializer(stddev=0.1)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            tf.compat.v1.disable_v2_behavior()
            lengths = tf.compat.v1.placeholder(tf.int32, [100])
            inputs = tf.compat.v1.placeholder(tf.float32, [100, 250])
            h = tf.zeros([100, 250])
            for step in range(5):  # TF1's rank-1 condition picks the rows still running
                h = tf.where(tf.greater(lengths, step), tf.tanh(inputs + h), h)
            """,
            at=((7, 9),),
            message="tf.where is not what TF1 code called",
        ),
        Invalid(
            """
            import tensorflow as tf
            tf.compat.v1.disable_v2_behavior()
            logits = tf.compat.v1.placeholder(tf.float32, [None, 10])
            labels = tf.compat.v1.placeholder(tf.int32, [None])
            top5 = tf.nn.in_top_k(logits, labels, 5)  # TF1's (predictions, targets, k)
            named = tf.nn.in_top_k(targets=labels, predictions=logits, k=5)
            """,
            at=((5, 8),),
            message="is given predictions, targets, k by position in TF1's order",
            fixed="""
            import tensorflow as tf
            tf.compat.v1.disable_v2_behavior()
            logits = tf.compat.v1.placeholder(tf.float32, [None, 10])
            labels = tf.compat.v1.placeholder(tf.int32, [None])
            top5 = tf.nn.in_top_k(predictions=logits, targets=labels, k=5)  # TF1's (predictions, targets, k)
            named = tf.nn.in_top_k(targets=labels, predictions=logits, k=5)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf

            class Trainer:  # the graph is built and run by another module's agent
                def init_board(self, agent, log_dir):
                    tf.summary.scalar("loss", agent.loss)
                    self.summary = tf.compat.v1.summary.merge_all()
            """,
            at=((5, 9),),
            message="TensorFlow 2 kept the name for another object",
            fixed="""
            import tensorflow as tf

            class Trainer:  # the graph is built and run by another module's agent
                def init_board(self, agent, log_dir):
                    tf.compat.v1.summary.scalar("loss", agent.loss)
                    self.summary = tf.compat.v1.summary.merge_all()
            """,
        ),
        Invalid(
            """
            import tensorflow as tf

            def build(x):
                with tf.name_scope(None):  # TF1's root scope
                    return tf.identity(x)
            """,
            at=((4, 10),),
            message="ValueError: name for name_scope must be a string",
            fixed="""
            import tensorflow as tf

            def build(x):
                with tf.compat.v1.name_scope(None):  # TF1's root scope
                    return tf.identity(x)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            red, green, blue = tf.split(3, 3, image * 255.0)  # a float image
            """,
            at=((2, 20),),
            message="TypeError in a graph, InvalidArgumentError eagerly, where the value is float",
        ),
        Invalid(
            """
            import tensorflow as tf

            def join(a, b):
                pair = tf.concat(1, [a, b])
                left, right = tf.split(1, 2, pair)
                axis = len(left.get_shape()) - 1
                both = tf.concat(axis, [left, -right])  # the axis first, by name
                return tf.concat([left, right], 1)  # TF 1's order
            """,
            at=((4, 12), (5, 19), (7, 12)),
            fixed="""
            import tensorflow as tf

            def join(a, b):
                pair = tf.concat([a, b], 1)
                left, right = tf.split(pair, 2, 1)
                axis = len(left.get_shape()) - 1
                both = tf.concat([left, -right], axis)  # the axis first, by name
                return tf.concat([left, right], 1)  # TF 1's order
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            if not tf.executing_eagerly():
                print("graph mode")
            x = tf.compat.v1.placeholder(tf.float32, [None])
            thin = lambda t: tf.nn.dropout(t, 0.8)  # in a lambda: its body is an expression
            """,
            at=((5, 18),),
            message="keeps 20% of them",
        ),
        Invalid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 8])
            dropout_pl = tf.compat.v1.placeholder(tf.float32, [])  # fed the keep probability
            h = tf.nn.dropout(x, dropout_pl)
            """,
            at=((4, 5),),
        ),
        Invalid(
            """
            import tensorflow as tf

            def squared_distance(a, b, scope=None):
                with tf.name_scope(scope, "SqDist", [a, b]):  # TF1's (name, default_name, values)
                    return tf.reduce_sum(tf.square(a - b))
            """,
            at=((4, 10),),
            fixed="""
            import tensorflow as tf

            def squared_distance(a, b, scope=None):
                with tf.compat.v1.name_scope(scope, "SqDist", [a, b]):  # TF1's (name, default_name, values)
                    return tf.reduce_sum(tf.square(a - b))
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None])
            check = tf.assert_equal(x, 1.0, [x])  # TF1's third parameter is data, TF2's message
            """,
            at=((3, 9),),
        ),
        Invalid(
            """
            import tensorflow as tf
            labels = tf.compat.v1.placeholder(tf.int32, [None])
            rows = tf.compat.v1.placeholder(tf.float32, [None, 8])
            picked = tf.where(tf.equal(labels, 1), rows, tf.zeros_like(rows))  # TF1 picks rows
            with tf.compat.v1.Session() as sess:
                sess.run(picked, {labels: ids, rows: batch})
            """,
            at=((4, 10),),
            message="tf.compat.v1.where",
        ),
        Invalid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 4])
            a = tf.random_normal_initializer(0.5)
            b = tf.random_normal_initializer(0.0, 0.1, seed=3)
            """,
            at=((3, 5), (4, 5)),
        ),
        Invalid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 10])
            keep = tf.compat.v1.placeholder(tf.float32)
            hidden = tf.nn.dropout(tf.nn.relu(x), keep)
            with tf.compat.v1.Session() as sess:
                sess.run(hidden, {x: batch, keep: 0.8})
            """,
            at=((4, 10),),
            message="keeps 20% of them",
            fixed="""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 10])
            keep = tf.compat.v1.placeholder(tf.float32)
            hidden = tf.compat.v1.nn.dropout(tf.nn.relu(x), keep)
            with tf.compat.v1.Session() as sess:
                sess.run(hidden, {x: batch, keep: 0.8})
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            x = tf.placeholder(tf.float32, [None, 4])
            y = tf.placeholder(tf.float32, [None, 3])
            pred = tf.matmul(x, tf.Variable(tf.zeros([4, 3])))
            cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(pred, y))
            with tf.Session() as sess:
                sess.run(cost, {x: features, y: labels})
            """,
            at=((5, 23),),
            message="TensorFlow 2 reads (labels, logits)",
        ),
        Invalid(
            """
            import tensorflow as tf
            def normalise(x):
                mean, variance = tf.nn.moments(x, axes=[1], keep_dims=True)
                return (x - mean) / tf.sqrt(variance)
            """,
            at=((3, 22),),
            message="TypeError",
            fixed="""
            import tensorflow as tf
            def normalise(x):
                mean, variance = tf.compat.v1.nn.moments(x, axes=[1], keep_dims=True)
                return (x - mean) / tf.sqrt(variance)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 10])
            cost = tf.reduce_mean(-tf.reduce_sum(x * tf.log(x), reduction_indices=1))
            total = tf.reduce_sum(x, axis=1)
            """,
            at=((3, 24),),
            message="reduction_indices",
            fixed="""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 10])
            cost = tf.reduce_mean(-tf.compat.v1.reduce_sum(x * tf.log(x), reduction_indices=1))
            total = tf.reduce_sum(x, axis=1)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 1])
            b = tf.compat.v1.get_variable("b", [1], initializer=tf.compat.v1.zeros_initializer())
            tf.summary.scalar("loss", tf.reduce_mean(x + b))
            merged = tf.compat.v1.summary.merge_all()
            """,
            at=((4, 1),),
            message="TensorFlow 2 kept the name for another object",
            fixed="""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 1])
            b = tf.compat.v1.get_variable("b", [1], initializer=tf.compat.v1.zeros_initializer())
            tf.compat.v1.summary.scalar("loss", tf.reduce_mean(x + b))
            merged = tf.compat.v1.summary.merge_all()
            """,
        ),
        Invalid(
            """
            import tensorflow as tf

            class DecoderTest(tf.test.TestCase):  # no graph program: the TypeError is raised anywhere
                def test_beam(self):
                    init = tf.constant_initializer(0.5, dtype=tf.float32)
                    paths = tf.nn.ctc_beam_search_decoder(logits, lengths, merge_repeated=False)
            """,
            at=((5, 16), (6, 17)),
            message="is the TF1 signature",
            fixed="""
            import tensorflow as tf

            class DecoderTest(tf.test.TestCase):  # no graph program: the TypeError is raised anywhere
                def test_beam(self):
                    init = tf.compat.v1.constant_initializer(0.5, dtype=tf.float32)
                    paths = tf.compat.v1.nn.ctc_beam_search_decoder(logits, lengths, merge_repeated=False)
            """,
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        self.pending: list[Pending] = []
        self.names_tf1_api = False  # the module names a symbol TF2 lacks (`tf.sparse_tensor_dense_matmul`)

    def check(self, reference: Reference, errors: frozenset[str], error: str) -> None:
        if not self.names_tf1_api and reference.qualified.startswith("tensorflow"):
            self.names_tf1_api = missing(reference.qualified, self.target) is not None
        found = changed_meaning(reference.qualified, self.target)
        if found is None or self.passes_dropped_keyword(reference):
            self.check_keywords(reference)  # (a keyword the TF2 object lacks: TypeError, whatever else changed)
            return
        if reference.qualified in SAME_MEMBERS:
            return  # `tf.losses.Reduction.NONE`: the same string in both versions
        if spelled_v2(self.context, reference.node) or same_values(reference) or tf2_keywords(reference) or (
                reference.qualified == WHERE and (elementwise_where(self.context, reference.node)
                                                  or scalar_branches(reference.node))) or tf1_cannot_call(reference):
            return  # spelled through tf.compat.v2 on purpose, or a call both versions answer alike
        old, new = found
        chain = reference.node.func if isinstance(reference.node, ast.Call) else reference.node
        fix = None
        if isinstance(chain, ast.Attribute):
            text = spelling(self.context, chain, reference.base, new + reference.qualified[len(old):])
            if text is not None:
                fix = Fix(FixSafety.SAFE, f"use {text}",
                          (Edit(EditAction.REPLACE, self.context.span(chain), text=text),))
        message = (f"{tf_spelling(old)} is not what TF1 code called: TensorFlow 2 kept the name for another "
                   f"object (tf_upgrade_v2 respells it {tf_spelling(new)}); in this TF1 graph program use "
                   f"{tf_spelling(new)}")
        merged = old.startswith("tensorflow.summary.") and self.merges_summaries()
        self.add(Pending(reference.node, message, fix, anywhere=merged))

    def reordered(self, reference: Reference, call: ast.Call) -> bool:
        """A function TensorFlow 2 kept under its TF1 name with its parameters in another order
        (`tf.nn.in_top_k(predictions, targets, k)`, TF2's `(targets, predictions, k)`;
        `tf.random.poisson(lam, shape)`), given by position one that moved: TF2 reads it as
        another parameter. tf_upgrade_v2 passes the moved ones by keyword, as the fix does."""
        order = reorder(reference.qualified)
        if order is None or missing(reference.qualified, self.target) is not None or any(
                isinstance(a, ast.Starred) for a in call.args) or len(call.args) > len(order):
            return False
        moved = [(index, keyword) for index, keyword in enumerate(order[:len(call.args)]) if keyword is not None]
        if not moved:
            return False
        name = tf_spelling(reference.qualified)
        given = ", ".join(keyword for _, keyword in moved)
        edits = tuple(Edit(EditAction.NAME_ARGUMENT, self.context.span(call), keyword, str(index))
                      for index, keyword in reversed(moved))  # (the last position first)
        self.add(Pending(call, (
            f"{name} is given {given} by position in TF1's order, but TensorFlow 2's {name} orders its "
            "parameters otherwise and reads them as others (swapped inputs compute a wrong result, silently "
            "where their shapes agree); pass them by keyword, as tf_upgrade_v2 does"),
            Fix(FixSafety.UNSAFE, f"pass {given} by keyword, tf_upgrade_v2's rewrite", edits)))
        return True

    def merges_summaries(self) -> bool:
        """Whether the module merges TF1 summaries (`tf.summary.merge_all()`): its summary ops
        are TF1's whoever builds the graph (TF2's leave the collection empty). Read once a module."""
        memo = self.context.memo
        if "ea110_merges_summaries" not in memo:
            memo["ea110_merges_summaries"] = any(
                isinstance(node, ast.Call) and (self.context.call_name(node) or "").endswith(
                    ("summary.merge_all", "summary.merge")) for node in ast.walk(self.context.tree))
        return bool(memo["ea110_merges_summaries"])

    def check_keywords(self, reference: Reference) -> None:
        """A call passing a TF1 keyword that the TF2 function of the same name lacks, or TF1's
        `tf.nn.dropout(x, keep_prob)`, whose second argument TF2 reads as the drop rate."""
        call = reference.node
        if isinstance(call, ast.Call) and reference.qualified in SWAPPED and len(call.args) >= 2:
            name = tf_spelling(reference.qualified)
            self.add(Pending(call, (
                f"{name}(a, b) by position is TensorFlow 0.x's (logits, labels), but TensorFlow 2 reads "
                "(labels, logits): with the two swapped the call trains on a wrong loss, silently where their "
                "shapes agree (it raises where they differ, as sparse labels do); name them "
                "(logits=..., labels=...)"), None))
            return
        if isinstance(call, ast.Call) and self.reordered(reference, call):
            return
        if isinstance(call, ast.Call) and axis_first(call, reference.qualified):
            self.tf0_order(call, reference.qualified)
            return
        if isinstance(call, ast.Call) and reference.qualified in TF2_ONLY_NAME and (
                len(call.args) > 1 or any(k.arg != "name" for k in call.keywords)
                or none_name(call)) and not spelled_v2(self.context, call):
            self.tf1_signature(reference, call)
            return
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute) or (
                not call.keywords and reference.qualified != DROPOUT):
            return
        keywords = v1_keywords(reference.qualified, self.target) | (
            {"keep_prob"} if reference.qualified == DROPOUT else set())
        passed = sorted({k.arg for k in call.keywords if k.arg} & keywords)
        positional_rate = (reference.qualified == DROPOUT and len(call.args) >= 2 and not passed
                           and not keeps_half(self.context, call.args[1]) and not spelled_as_rate(call.args[1]))
        # (keep_prob 0.5 is rate 0.5: the same mask scaled the same, bit for bit on TF 2.21)
        if not (passed or positional_rate) or spelled_v2(self.context, call):
            return
        new, fix = self.tf1_function(reference, call)
        name = tf_spelling(reference.qualified)
        if positional_rate:
            message = (f"{name}(x, keep_prob) is the TF1 call: TensorFlow 2's {name} reads its second argument as the "
                       "rate of units to drop, so keep_prob=0.8 keeps 20% of them, silently (a 1.0 fed at "
                       "evaluation drops them all; a literal 1.0 raises ValueError); in this TF1 graph program "
                       f"use {tf_spelling(new)}, which keeps keep_prob")
            self.add(Pending(call, message, fix))
            return
        message = (f"{name}({passed[0]}=...) is the TF1 signature: TensorFlow 2's {name} has no {passed[0]} "
                   f"(TypeError: unexpected keyword argument); use {tf_spelling(new)}, the TF1 function")
        self.add(Pending(call, message, fix, anywhere=True, errors=RAISED))  # a TypeError in any program

    def passes_dropped_keyword(self, reference: Reference) -> bool:
        call = reference.node
        return isinstance(call, ast.Call) and bool(
            {k.arg for k in call.keywords if k.arg} & v1_keywords(reference.qualified, self.target))

    def tf0_order(self, call: ast.Call, qualified: str) -> None:
        """`tf.concat(0, [a, b])`: TensorFlow 0.x's order, which TF1 and TF2 reject; the fix swaps
        the axis and the argument that now comes first into place."""
        moved_to = TF0_AXIS_FIRST[qualified]
        first, last = call.args[0], call.args[moved_to]
        axis, other = (self.context.source.segment(self.context.span(node)) for node in (first, last))
        edits = (Edit(EditAction.REPLACE, self.context.span(first), text=other),
                 Edit(EditAction.REPLACE, self.context.span(last), text=axis))
        order = "(values, axis)" if moved_to == 1 else "(value, num_or_size_splits, axis)"
        self.add(Pending(call, (
            f"{tf_spelling(qualified)}({axis}, ...) puts the axis first, TensorFlow 0.x's order: TensorFlow 1 "
            f"and 2 take {order}, so the call raises (TensorFlow 2.21: {TF0_ERRORS[moved_to]}); move the "
            "axis to its place"), Fix(FixSafety.SAFE, "move the axis to its TensorFlow 1 place", edits),
            anywhere=True, errors=RAISED))

    def tf1_signature(self, reference: Reference, call: ast.Call) -> None:
        """`tf.name_scope(name, default_name, values)`: TF1's signature, a TypeError on TF 2."""
        new, fix = self.tf1_function(reference, call)
        name = tf_spelling(reference.qualified)
        if none_name(call) and len(call.args) <= 1:
            self.add(Pending(call, f"{name}(None) is TF1's: TensorFlow 2's {name} takes only a string (ValueError: "
                             f"name for name_scope must be a string, on 2.21); use {tf_spelling(new)}, the TF1 "
                             "function", fix, anywhere=True, errors=RAISED))
            return
        self.add(Pending(call, f"{name}(name, default_name, values) is the TF1 signature: TensorFlow 2's {name} "
                         f"takes only a name (TypeError); use {tf_spelling(new)}, the TF1 function", fix,
                         anywhere=True, errors=RAISED))

    def tf1_function(self, reference: Reference, call: ast.Call) -> tuple[str, Fix | None]:
        """The TF1 function under tf.compat.v1, and the safe fix calling it there (None where the
        call is not spelled through an attribute chain the file can respell)."""
        new = "tensorflow.compat.v1." + reference.qualified[len("tensorflow."):]
        text = spelling(self.context, call.func, reference.base, new) if isinstance(call.func, ast.Attribute) else None
        fix = Fix(FixSafety.SAFE, f"use {text}, the TF1 function",
                  (Edit(EditAction.REPLACE, self.context.span(call.func), text=text),)) if text else None
        return new, fix

    def tf1_code(self) -> bool:
        """Whether the module is TF1 code: it names a symbol TF2 lacks or spells the TF1 API. One
        that does neither is TF2 code even when a TF1 graph program imports it."""
        return self.names_tf1_api or TF1_SPELLED.search(self.context.source.text) is not None

    def add(self, pending: Pending) -> None:
        """Keep a finding for `finish`, unless the code runs on one TensorFlow version only, by the
        program's own test (checked here, where the walk knows the node's ancestors)."""
        if not guarded(self.context, pending.node, pending.errors):
            self.pending.append(pending)

    def finish(self) -> None:
        graph = self.context.facts.builds_tf1_graph or (
            any(not pending.anywhere for pending in self.pending) and self.tf1_code()
            and (importer_builds_tf1_graph(self.context) or in_estimator_program(self.context)))
        for pending in self.pending:
            if graph or pending.anywhere:
                self.report(pending.node, pending.message, pending.fix)
