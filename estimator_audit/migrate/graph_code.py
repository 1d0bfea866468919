"""The translation of TF1 graph-building code to TensorFlow 2 and Keras 3, shared by the rewrite's
front ends (Session scripts, custom Estimators' model_fns).

TensorFlow 2 runs the same ops eagerly, so graph code keeps the program's own statements in
TF2 spellings: TF1 names respelled, TF1-only keywords renamed, `tf.nn.dropout(x, keep_prob)`
given the rate it drops, `tf.losses.*` written as the reduced TF2 ops they computed, and
`tf.layers` calls turned into Keras layers the model builds once (`self.<attribute>`), named as
TF1 scoped their variables so that `dense/kernel` maps to the layer named `dense`. Functions of
the program the graph code calls are read too: they must make no variables and use no name
TensorFlow 2 lacks. Anything else raises Unsupported with the reason.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.findings import Span
from estimator_audit.knowledge.calls import UNKNOWN, argument
from estimator_audit.knowledge.facts import TF_RANDOM_OPS
from estimator_audit.knowledge.tfsymbols import changed_meaning, exists, replacement, v1_keywords
from estimator_audit.knowledge.v1api import keras_arguments, v1_optimizer
from estimator_audit.migrate.model import GraphLayer, Unsupported
from estimator_audit.migrate.support_files import SUPPORT_MODULE

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

TARGET = (2, 21)  # the TensorFlow the rewritten script runs on
VARIABLES = frozenset({"tensorflow.Variable", "tensorflow.compat.v1.Variable"})
GET_VARIABLES = frozenset({"tensorflow.get_variable", "tensorflow.compat.v1.get_variable"})
DROPOUT = "tensorflow.nn.dropout"  # TF1: (x, keep_prob); TF2: (x, rate)
# tf.layers functions -> (Keras 3 layer, the TF1 function's positional parameters after `inputs`,
# the TF1 default name the layer's variables are scoped under). TF1 layers and Keras layers
# share their defaults (glorot_uniform kernels, zero biases, "valid" padding).
LAYERS = {
    "dense": ("Dense", ("units", "activation", "use_bias", "kernel_initializer", "bias_initializer"),
              "dense"),
    "flatten": ("Flatten", (), "flatten"),
    "conv2d": ("Conv2D", ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                          "activation", "use_bias", "kernel_initializer", "bias_initializer"), "conv2d"),
    "max_pooling2d": ("MaxPooling2D", ("pool_size", "strides", "padding", "data_format"), "max_pooling2d"),
    "average_pooling2d": ("AveragePooling2D", ("pool_size", "strides", "padding", "data_format"),
                          "average_pooling2d"),
    "dropout": ("Dropout", ("rate", "noise_shape", "seed"), "dropout"),
}
# Arguments a TF1 layer function takes at call time, and their TF1 defaults: a Keras Dropout
# called inside a model that trains drops, while TF1's `tf.layers.dropout` dropped only when
# told `training=True`.
LAYER_CALL_ARGUMENTS = {"dropout": (("training", "False"),)}
# tf.compat.v1.losses functions -> (their parameters before `weights`, the TF2 per-element loss).
# With the default weights (1.0) and reduction (SUM_BY_NONZERO_WEIGHTS) TF1 returned the mean of
# the per-element losses over every element, in float32. `{tf}` is the module's TensorFlow.
TF1_LOSSES = {
    "mean_squared_error": (("labels", "predictions"), "{tf}.math.squared_difference("
                           "{tf}.cast({predictions}, {tf}.float32), {tf}.cast({labels}, {tf}.float32))"),
    "absolute_difference": (("labels", "predictions"), "{tf}.abs({tf}.cast({predictions}, {tf}.float32) - "
                            "{tf}.cast({labels}, {tf}.float32))"),
    "sparse_softmax_cross_entropy": (("labels", "logits"), "{tf}.nn.sparse_softmax_cross_entropy_with_logits("
                                     "labels={labels}, logits={logits})"),
    "softmax_cross_entropy": (("onehot_labels", "logits"), "{tf}.nn.softmax_cross_entropy_with_logits("
                              "labels={tf}.cast({onehot_labels}, {logits}.dtype), logits={logits})"),
    "sigmoid_cross_entropy": (("multi_class_labels", "logits"), "{tf}.nn.sigmoid_cross_entropy_with_logits("
                              "labels={tf}.cast({multi_class_labels}, {logits}.dtype), logits={logits})"),
}
LOSS_PREFIXES = ("tensorflow.losses.", "tensorflow.compat.v1.losses.")
# TF1 functions TensorFlow 2 renamed to a different object computing the same: on TF 2.21,
# tf.compat.v1.nn.softmax_cross_entropy_with_logits_v2 and tf.nn.softmax_cross_entropy_with_logits
# gave equal losses and equal gradients for labels and logits (TF1's `dim=` is TF2's `axis=`).
# name -> (TF2 name, the TF1 keywords it lacks, renamed by KEYWORD_RENAMES).
SAME_COMPUTATION = {"tensorflow.nn.softmax_cross_entropy_with_logits_v2":
                    ("tensorflow.nn.softmax_cross_entropy_with_logits", frozenset({"dim"}))}
LAYER_PREFIXES = ("tensorflow.layers.", "tensorflow.compat.v1.layers.")
# Calls that make variables: in code the model runs on every call, they would make new ones.
VARIABLE_MAKERS = re.compile(
    r"tensorflow\.(?:compat\.v1\.)?(?:get_variable$|get_local_variable$|nn\.rnn_cell\.|"
    r"layers\.(?!(?:dropout|flatten|(?:max|average)_pooling[123]d)$))"  # (layers that hold no variable)
    r"|tensorflow\.contrib\.(?:layers|rnn|slim)\."
    r"|tensorflow\.contrib\.framework\.(?:get_or_create_global_step|model_variable|variable)$"
    r"|tensorflow\.keras\.(?:layers\.|Sequential|Model)"
    r"|tensorflow\..*\.get_variable$")  # (`variable_scope.get_variable`, TensorFlow's own module)
# TF1 keywords TensorFlow 2 renamed, meaning the same (tf_upgrade_v2 renames them so).
KEYWORD_RENAMES = {"reduction_indices": "axis", "keep_dims": "keepdims", "dimension": "axis", "dim": "axis",
                   "squeeze_dims": "axis"}
PLAIN_PYTHON = frozenset({*dir(builtins), "numpy", "math"})
MAX_CALL_DEPTH = 3  # the program's own functions the graph code calls, followed this deep
# Keyword arguments of the TF1 layer functions that name a variable-scope detail Keras lacks.
LAYER_ONLY = frozenset({"reuse", "trainable"})


@dataclass
class Site:
    """A place the rewrite changes: its span and the new text (empty: the statement goes)."""

    span: Span
    text: str


def names_in(node: ast.AST) -> set[str]:
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}


class GraphCode:
    """Translates the graph code of one module for a Keras model; collects the layers it builds
    once, the random ops it runs on every call and the edits of the functions it calls.
    `aliases` spells names the front end maps itself (qualified TensorFlow name -> source)."""

    def __init__(self, context: ModuleContext, keras: str, aliases: dict[str, str] | None = None) -> None:
        self.context = context
        self.keras = keras
        self.aliases = aliases or {}
        self.layers: list[GraphLayer] = []
        self.layer_names: dict[str, int] = {}
        self.draws: set[str] = set()
        self.edits: list[Site] = []  # in the functions the graph code calls
        self.values: set[str] = set()  # local names of values (a dict `params`), not of modules
        self.lazy_layers = False  # layers made at call time (self.layer), not built in __init__

    def text(self, node: ast.AST) -> str:
        return self.context.source.segment(self.context.span(node))

    def keras_optimizer(self, call: ast.Call, name: str) -> str:
        optimizer = v1_optimizer(name)
        assert optimizer is not None
        if optimizer.keras_class is None:
            raise Unsupported(f"{optimizer.tf1_name} has no Keras 3 optimizer that trains the same "
                              f"({optimizer.note})")
        mapped = keras_arguments(optimizer, call)
        if not mapped.exact:
            raise Unsupported(f"{optimizer.tf1_name} is given an argument Keras 3 cannot reproduce")
        text = mapped.text(optimizer.keras_class, code=True)
        return self.keras + text[len("keras"):] if text.startswith("keras.") else text

    def variable_maker(self, context: ModuleContext, call: ast.Call, depth: int) -> str | None:
        """Where a call makes variables other than through `tf.Variable` (`tf.get_variable`, a
        layer, or the program's own function doing so), as a message names it; else None."""
        name = context.call_name(call) or ""
        if VARIABLE_MAKERS.match(name):
            return f"`{name.replace('tensorflow', 'tf', 1)}` at {context.place(call.lineno)}"
        if name.startswith("tensorflow.") or depth >= MAX_CALL_DEPTH:
            return None
        from estimator_audit.migrate.lookup import called  # whole-program lookup

        found = called(context, call)
        if found is None or not isinstance(found.node, (ast.FunctionDef, ast.Lambda)):
            return None
        function = found.node.name if isinstance(found.node, ast.FunctionDef) else "a lambda"
        for inner in ast.walk(found.node):
            if not isinstance(inner, ast.Call):
                continue
            if found.context.call_name(inner) in VARIABLES:
                return f"`{function}` (called at {context.place(call.lineno)})"
            maker = self.variable_maker(found.context, inner, depth + 1)
            if maker is not None:
                return maker
        return None


    def graph_code(self, statement: ast.stmt) -> str:
        """The statement in TF2: its calls checked in source order, then rendered."""
        calls = sorted((node for node in ast.walk(statement) if isinstance(node, ast.Call)),
                       key=lambda node: (node.lineno, node.col_offset))
        for node in calls:
            name = self.context.call_name(node) or ""
            if name in VARIABLES | GET_VARIABLES:
                shown = name.replace("tensorflow", "tf", 1)
                where = self.context.place(node.lineno)
                raise Unsupported(f"`{shown}` at {where} makes a variable inside code the Keras model runs "
                                  "on every call, which the rewrite does not translate")
            if not name.startswith("tensorflow."):
                self.called_code(self.context, node, 0)
            elif name in TF_RANDOM_OPS or name == DROPOUT:
                self.draws.add(name.replace("tensorflow", "tf", 1))
        return self.render(self.context, statement)

    def render(self, context: ModuleContext, node: ast.AST) -> str:
        """The node's source for TensorFlow 2, inside out so that rewrites compose: TF1 names
        respelled, tf.layers calls as the model's layers (in the graph statements), TF1
        arguments rewritten."""
        if isinstance(node, ast.Call):
            shaped = shape_receiver(node)
            if shaped is not None:
                return self.render(context, shaped) + ".shape"
            name = context.call_name(node) or ""
            if context is self.context and name.startswith(LAYER_PREFIXES):
                return self.layer(node, name)
            if name.startswith("tensorflow."):
                translated = self.tf1_call(context, node, name)
                if translated is not None:
                    return translated
        if isinstance(node, (ast.Attribute, ast.Name)) and context is self.context and self.aliases:
            qualified = context.qualified_name(node) or ""
            for known, alias in self.aliases.items():
                if qualified == known or qualified.startswith(known + "."):
                    return alias + qualified[len(known):]
        if isinstance(node, ast.Attribute) and context is self.context:
            spelled = self.spelled(node)
            if spelled is not None:
                return spelled
        replaced = []
        for child in positioned_children(node):
            text = self.render(context, child)
            if text != self.source(context, child):
                replaced.append((context.span(child), text))
        return with_replacements(context, node, replaced)

    def called_code(self, context: ModuleContext, call: ast.Call, depth: int) -> None:
        """The graph code's calls of the program's own functions run on every call of the model:
        they must make no variables (TF1 made them once, as the graph was built) and use no TF1
        name TensorFlow 2 lacks or gives another meaning. Unknown libraries are refused."""
        name = context.call_name(call)
        where = f"{context.source.path if context is not self.context else ''} {context.place(call.lineno)}"
        if name is not None and name.startswith("tensorflow."):
            shown = name.replace("tensorflow", "tf", 1)
            if self.lazy_layers and name.startswith(LAYER_PREFIXES) and context is self.context:
                # A model_fn's helper building layers: they are made, by TF1 name, in the model
                # whose model_fn is running (the support module's `layer`), as TF1 made them in
                # the graph being built.
                self.edits.append(Site(context.span(call), self.layer(call, name, owner=SUPPORT_MODULE)))
                return
            if VARIABLE_MAKERS.match(name) or name in VARIABLES:
                raise Unsupported(f"`{shown}` ({where.strip()}) would make new variables on every call of "
                                  "the model")
            if changed_meaning(name, TARGET) is not None:
                raise Unsupported(f"`{shown}` ({where.strip()}) means something else in TensorFlow 2")
            if not exists(name) and tf2_name(name) is None:
                raise Unsupported(f"`{shown}` ({where.strip()}) has no TensorFlow 2 equivalent the rewrite "
                                  "knows")
            if name in TF_RANDOM_OPS or name == DROPOUT:
                self.draws.add(shown)
            translated = self.tf1_call(context, call, name)
            if translated is not None:
                if context is not self.context:
                    raise Unsupported(f"`{shown}` ({where.strip()}) is called the TF1 way in another module")
                site = Site(context.span(call), translated)
                if site not in self.edits:  # a function the graph code calls twice
                    self.edits.append(site)
            return
        shaped = shape_receiver(call)
        if shaped is not None and not any(isinstance(inner, ast.Call) for inner in ast.walk(shaped)):
            if context is not self.context:
                raise Unsupported(f"`.get_shape()` ({where.strip()}) is called in another module: the "
                                  "rewrite's Keras variables have no get_shape()")
            self.edits.append(Site(context.span(call), self.source(context, shaped) + ".shape"))
            return
        from estimator_audit.migrate.lookup import called  # whole-program lookup

        found_def = called(context, call)
        if found_def is None or not isinstance(found_def.node, (ast.FunctionDef, ast.Lambda)):
            root = name.split(".", 1)[0] if name is not None else None
            if name is None or root in PLAIN_PYTHON or root in sys.stdlib_module_names or root in self.values:
                return  # a method of a value, a builtin, NumPy
            raise Unsupported(f"the graph code calls `{name}` ({where.strip()}), which the rewrite cannot "
                              "read")
        if depth >= MAX_CALL_DEPTH:
            raise Unsupported(f"the graph code calls functions more than {MAX_CALL_DEPTH} deep")
        for inner in ast.walk(found_def.node):  # outer calls first: a translated call's inner ones go with it
            if isinstance(inner, ast.Call) and not self.claimed(found_def.context, inner):
                self.called_code(found_def.context, inner, depth + 1)

    def claimed(self, context: ModuleContext, node: ast.AST) -> bool:
        """Whether an edit already rewrites the node (it lies inside a translated call)."""
        span = context.span(node)
        return context is self.context and any(span_within(span, site.span) for site in self.edits)

    def tf1_call(self, context: ModuleContext, call: ast.Call, name: str) -> str | None:
        """A TensorFlow call whose TF1 arguments TensorFlow 2 reads otherwise, written for TF2
        (`tf.nn.dropout(x, keep_prob)` keeps keep_prob: TF2 takes the rate dropped), or None
        when TF2 reads it as TF1 did; TF1-only keywords are refused."""
        shown = name.replace("tensorflow", "tf", 1)
        keywords = {k.arg for k in call.keywords}
        tf1_only = SAME_COMPUTATION[name][1] if name in SAME_COMPUTATION else v1_keywords(name, TARGET)
        dropped = tf1_only & keywords
        if name.startswith(LOSS_PREFIXES) and name.rsplit(".", 1)[-1] in TF1_LOSSES:
            return self.tf1_loss(context, call, name)
        if name == DROPOUT and (len(call.args) > 1 or "keep_prob" in keywords):
            keep = call.args[1] if len(call.args) > 1 else next(k.value for k in call.keywords
                                                                if k.arg == "keep_prob")
            if not call.args or len(call.args) > 2 or any(k.arg is None for k in call.keywords):
                raise Unsupported(f"`{shown}` at {context.place(call.lineno)} is called with arguments the "
                                  "rewrite does not translate")
            kept = self.render(context, keep)
            simple = isinstance(keep, (ast.Name, ast.Constant, ast.Attribute))
            rate = f"1 - {kept}" if simple else f"1 - ({kept})"
            rest = [f"{k.arg}={self.render(context, k.value)}" for k in call.keywords
                    if k.arg not in ("keep_prob", "rate", "x")]
            return self.rebuilt(context, call, [self.render(context, call.args[0]), f"rate={rate}", *rest])
        unknown = sorted(dropped - set(KEYWORD_RENAMES))
        if unknown or any(KEYWORD_RENAMES[k] in keywords for k in dropped):
            keyword = (unknown or sorted(dropped))[0]
            raise Unsupported(f"`{shown}({keyword}=...)` at {context.place(call.lineno)} is a TF1 keyword "
                              "TensorFlow 2 lacks")
        if not dropped:
            return None
        return self.rebuilt(context, call, [
            *(self.render(context, a) for a in call.args),
            *(f"{KEYWORD_RENAMES.get(k.arg, k.arg) if k.arg else '*'}{'=' if k.arg else '*'}"
              f"{self.render(context, k.value)}" for k in call.keywords)])

    def tf1_loss(self, context: ModuleContext, call: ast.Call, name: str) -> str:
        """`tf.losses.sparse_softmax_cross_entropy(labels, logits)` as the mean TF1 computed."""
        function = name.rsplit(".", 1)[-1]
        parameters, elementwise = TF1_LOSSES[function]
        where = f"`tf.losses.{function}` at {context.place(call.lineno)}"
        given: dict[str, str] = {}
        for parameter in (*parameters, "weights", "scope"):
            found = argument(call, parameter, (*parameters, "weights"))
            if found is UNKNOWN:
                raise Unsupported(f"{where} is called with *args or **kwargs")
            if isinstance(found, ast.expr):
                given[parameter] = self.render(context, found)
        known = {*parameters, "weights", "scope"}
        if len(call.args) > len(parameters) + 1 or {k.arg for k in call.keywords} - known:
            raise Unsupported(f"{where} is given a label smoothing, collection or reduction the rewrite "
                              "does not translate")
        if given.get("weights", "1.0") not in ("1.0", "1"):
            raise Unsupported(f"{where} weights its examples (TF1 divided by the non-zero weights)")
        missing = [p for p in parameters if p not in given]
        if missing:
            raise Unsupported(f"{where} is not given {', '.join(missing)}")
        logits = argument(call, "logits", parameters)
        if "{logits}.dtype" in elementwise and not isinstance(logits, ast.Name):
            raise Unsupported(f"{where} is given logits that are not a named tensor")
        tf = context.alias_for("tensorflow") or "tf"
        return f"{tf}.reduce_mean({elementwise.format(tf=tf, **given)})"

    @staticmethod
    def source(context: ModuleContext, node: ast.AST) -> str:
        return context.source.segment(context.span(node))

    def rebuilt(self, context: ModuleContext, call: ast.Call, arguments: list[str]) -> str:
        return f"{self.render(context, call.func)}({', '.join(arguments)})"

    def spelled(self, node: ast.Attribute) -> str | None:
        """The TF2 spelling of a TF1 TensorFlow name (None: the name stands as it is)."""
        qualified = self.context.qualified_name(node)
        if qualified is None or not qualified.startswith("tensorflow."):
            return None
        shown = qualified.replace("tensorflow", "tf", 1)
        if changed_meaning(qualified, TARGET) is not None:
            raise Unsupported(f"`{shown}` means something else in TensorFlow 2")
        if exists(qualified):
            return None
        found = tf2_name(qualified)
        if found is None:
            raise Unsupported(f"`{shown}` has no TensorFlow 2 equivalent the rewrite knows")
        alias = self.text(node).split(".", 1)[0]
        return alias + found[1][len("tensorflow"):] + qualified[len(found[0]):]

    def layer(self, call: ast.Call, name: str, owner: str = "self") -> str:
        function = name.rsplit(".", 1)[-1]
        if function not in LAYERS:
            raise Unsupported(f"tf.layers.{function} is not a layer the rewrite translates")
        keras_class, positional, default_name = LAYERS[function]
        at_call = dict(LAYER_CALL_ARGUMENTS.get(function, ()))
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            raise Unsupported(f"tf.layers.{function} is called with *args or **kwargs")
        given = dict(zip(("inputs", *positional, *at_call), call.args, strict=False))
        if len(call.args) > len(given):
            raise Unsupported(f"tf.layers.{function} is given more arguments than it takes")
        given.update({k.arg: k.value for k in call.keywords if k.arg is not None})
        inputs = given.pop("inputs", None)
        if inputs is None:
            raise Unsupported(f"tf.layers.{function} at {self.context.place(call.lineno)} is given no inputs")
        scoped = sorted(LAYER_ONLY & set(given))
        if scoped:
            raise Unsupported(f"tf.layers.{function}({scoped[0]}=...) shares or freezes variables by scope, "
                              "which Keras layers do not")
        named = given.pop("name", None)
        arguments = [f"{parameter}={self.render(self.context, value)}" for parameter, value in given.items()
                     if parameter not in at_call]
        if keras_class == "Dropout":
            self.draws.add(name.replace("tensorflow", "tf", 1))
        called = [self.render(self.context, inputs), *(
            f"{parameter}={self.render(self.context, given[parameter]) if parameter in given else default}"
            for parameter, default in at_call.items())]
        if self.lazy_layers:  # TF1 named the layer as the graph was built: so does the model
            named_text = [] if named is None else [f"name={self.text(named)}"]
            made = ", ".join([f"{self.keras}.layers.{keras_class}", repr(default_name), *named_text,
                              *arguments])
            return f"{owner}.layer({made})({', '.join(called)})"
        if named is None:
            count = self.layer_names.get(default_name, 0)
            self.layer_names[default_name] = count + 1
            layer_name = repr(default_name if not count else f"{default_name}_{count}")
        else:
            layer_name = self.text(named)
        attribute = f"{default_name}_{len(self.layers)}"
        self.layers.append(GraphLayer(attribute, keras_class, (*arguments, f"name={layer_name}")))
        return f"self.{attribute}({', '.join(called)})"


def tf2_name(qualified: str) -> tuple[str, str] | None:
    """(old prefix, TF2 name) for a TF1 name TensorFlow 2 has under another name: the same object
    (TensorFlow's rename table), or a function computing the same (SAME_COMPUTATION); None when
    only tf.compat.v1 keeps it."""
    if qualified in SAME_COMPUTATION:
        return qualified, SAME_COMPUTATION[qualified][0]
    found = replacement(qualified)
    return None if found is None or ".compat." in found[1] else found


def shape_receiver(call: ast.Call) -> ast.expr | None:
    """x of `x.get_shape()`, which the rewrite writes `x.shape`: its variables are Keras
    variables, whose `.shape` is a TensorShape on TensorFlow but which have no get_shape(); for
    tensors the two are the same."""
    method = call.func
    if isinstance(method, ast.Attribute) and method.attr == "get_shape" and not (call.args or call.keywords):
        return method.value
    return None


def span_within(span: Span, outer: Span) -> bool:
    return outer[:2] <= span[:2] and span[2:] <= outer[2:]


def positioned_children(node: ast.AST) -> Iterator[ast.AST]:
    """The nearest descendants with a source position (through keywords, comprehensions)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.expr, ast.stmt)):
            yield child
        elif not isinstance(child, (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)):
            yield from positioned_children(child)


def with_replacements(context: ModuleContext, node: ast.AST, replaced: list[tuple[Span, str]]) -> str:
    """The node's source with these (disjoint) spans replaced."""
    outer = context.span(node)
    lines = context.source.segment(outer).split("\n")
    for span, text in sorted(replaced, key=lambda r: r[0], reverse=True):
        line, column, end_line, end_column = span
        first, last = line - outer[0], end_line - outer[0]
        start = column - (outer[1] if first == 0 else 1)  # columns are 1-based
        end = end_column - (outer[1] if last == 0 else 1)
        merged = lines[first][:start] + text + lines[last][end:]
        lines[first:last + 1] = merged.split("\n")
    return "\n".join(lines)

