"""Front end for TF1 Session scripts: a graph fed through placeholders and trained with
`sess.run(train_op, feed_dict=...)`, read into the neutral description of `model.Graph`.

The translation keeps the program's own graph code: TensorFlow 2 runs the same ops eagerly,
so the statements that compute tensors from the placeholders become the body of a Keras
model's `call` (a placeholder is read from the fed dict under its name), `tf.Variable`s
become Keras variables the model tracks (same initial-value op, so the same distribution),
`tf.layers` calls become Keras layers built once, and the optimizer's `minimize` becomes the
model's `train_step`. The session block stays where it was, its runs turned into
`train_on_batch` (training: the batches and their order are the program's own) and into reads
of the model's outputs. What cannot be translated faithfully raises Unsupported with the
reason the finding quotes; the rewrite is all or nothing for one script.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from estimator_audit.findings import Span
from estimator_audit.knowledge.tfapi import PLACEHOLDERS
from estimator_audit.knowledge.v1api import COMPAT_SESSIONS, TF1_ONLY_SESSIONS, v1_optimizer
from estimator_audit.migrate.graph_code import (
    GET_VARIABLES,
    VARIABLES,
    GraphCode,
    Site,
    names_in,
    span_within,
    with_replacements,
)
from estimator_audit.migrate.model import Graph, GraphStage, Objective, Placeholder, Unsupported

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

SESSIONS = frozenset({name for name in COMPAT_SESSIONS | TF1_ONLY_SESSIONS if name.endswith("Session")
                      and ".train." not in name})
# TF1 initializers TensorFlow 2 has under the same name, drawing the same when a variable calls
# them with its shape and dtype (checked on TF 2.15's tf.compat.v1 and TF 2.21): their TF1
# parameters TF2 shares and the TF1 defaults (None: leave out); TF2's namesakes default to other
# values (random_normal's stddev 0.05, random_uniform's [-0.05, 0.05)), so they are written out.
# Initializer objects a variable calls with its shape and dtype (`tf.zeros_initializer()`,
# `keras.initializers.HeNormal()`), unlike an initial value.
INITIALIZER = re.compile(r"_initializer$|\.initializers\.")
TF1_INITIALIZER_DEFAULTS: dict[str, dict[str, str | None]] = {
    "random_normal_initializer": {"mean": "0.0", "stddev": "1.0", "seed": None},
    "random_uniform_initializer": {"minval": "0.0", "maxval": "1.0", "seed": None},
    "constant_initializer": {"value": "0"},
    "zeros_initializer": {},
    "ones_initializer": {},
}
INITIALIZERS = frozenset({f"{prefix}.{name}" for prefix in ("tensorflow", "tensorflow.compat.v1")
                          for name in ("global_variables_initializer", "initialize_all_variables")})


@dataclass
class ScriptPlan:
    """What the rewrite of one script does: the model, where its class goes, and the edits."""

    graph: Graph
    class_at: Span  # the first graph statement: the class replaces it
    model_at: Span  # the optimizer's minimize: the model is built there
    session: ast.With | ast.Assign  # `with tf.Session() as sess:`, or `sess = tf.Session()`
    edits: list[Site] = field(default_factory=list)
    session_body: list[Site] = field(default_factory=list)  # edits inside the session block
    graph_block: ast.With | None = None  # a `with tf.Graph().as_default():` around it all


def assigned_names(statement: ast.stmt) -> list[str] | None:
    """The names an assignment binds, or None when it binds anything else (an attribute)."""
    if not isinstance(statement, ast.Assign):
        return None
    found: list[str] = []
    for target in statement.targets:
        elements = target.elts if isinstance(target, ast.Tuple) else [target]
        for element in elements:
            if not isinstance(element, ast.Name):
                return None
            found.append(element.id)
    return found


class ScriptReader:
    """Reads one Session script: the block its session runs in and the graph built before."""

    def __init__(self, context: ModuleContext, session: ast.With | ast.Assign, keras: str) -> None:
        self.context = context
        self.keras = keras
        self.session = session
        self.session_name = self.bound_session(session)
        self.placeholders: dict[str, ast.Call] = {}
        self.tensors: dict[str, set[str]] = {}  # graph tensor -> the placeholders it needs
        self.stages: list[tuple[frozenset[str], str, list[str]]] = []
        self.code = GraphCode(context, keras)
        self.variables: list[str] = []
        self.variable_count = 0
        self.variable_helpers: set[str] = set()  # `def weight_variable(shape): return tf.Variable(...)`
        self.initializers: set[str] = set()
        self.optimizers: dict[str, str] = {}  # optimizer name -> its Keras 3 source
        self.objectives: list[Objective] = []
        self.train_ops: set[str] = set()
        self.plan_edits: list[Site] = []
        self.body_edits: list[Site] = []
        self.first_graph: ast.stmt | None = None
        self.model_at: Span | None = None
        self.computed_fetches = False  # a run fetches an expression of the tensors
        self.readers: dict[str, set[frozenset[str]]] = {}  # tensor -> the needs of the stages reading it
        self.feed_dicts: dict[str, ast.Dict] = {}  # `feeds = {x: batch_x, y: batch_y}`, by name

    def text(self, node: ast.AST) -> str:
        return self.context.source.segment(self.context.span(node))

    def bound_session(self, session: ast.With | ast.Assign) -> str:
        if isinstance(session, ast.Assign):
            target = session.targets[0]
            assert isinstance(target, ast.Name)  # session_block checked it
            return target.id
        if len(session.items) != 1 or not isinstance(session.items[0].optional_vars, ast.Name):
            raise Unsupported("the session is not bound to one name (`with tf.Session() as sess:`)")
        return session.items[0].optional_vars.id

    # -- the graph ---------------------------------------------------------------------------

    def read(self, statements: list[ast.stmt]) -> ScriptPlan:
        index = statements.index(self.session)
        # A `with` block's body runs with the session; a session assigned to a name, everything after.
        inside = self.session.body if isinstance(self.session, ast.With) else statements[index + 1:]
        after = statements[index + 1:] if isinstance(self.session, ast.With) else []
        for statement in statements[:index]:
            self.statement(statement, in_session=False)
        for statement in inside:
            self.statement(statement, in_session=True)
        if not self.objectives:
            raise Unsupported("the script trains no loss with a TF1 optimizer's minimize")
        if not self.placeholders:
            raise Unsupported("the graph reads no placeholder")
        for statement in after:
            if self.graph_names() & names_in(statement) or self.session_name in names_in(statement):
                raise Unsupported(f"{self.context.place(statement.lineno)} uses the graph after the session")
        assert self.first_graph is not None
        graph = Graph(
            placeholders=tuple(self.placeholder(name, call) for name, call in self.placeholders.items()),
            variables=tuple(self.variables),
            layers=tuple(self.code.layers),
            stages=tuple(GraphStage(tuple(sorted(needs)), tuple(texts), tuple(outputs))
                         for needs, texts, outputs in self.ordered_stages()),
            objectives=tuple(self.objectives),
            draws=tuple(sorted(self.code.draws)),
            computed_fetches=self.computed_fetches,
        )
        assert self.model_at is not None
        return ScriptPlan(graph, self.context.span(self.first_graph), self.model_at, self.session,
                          [*self.plan_edits, *self.code.edits], self.body_edits)

    def placeholder(self, name: str, call: ast.Call) -> Placeholder:
        given = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg == "dtype"), None)
        if given is None:
            raise Unsupported(f"the placeholder at {self.context.place(call.lineno)} names no dtype")
        named = next((k.value for k in call.keywords if k.arg == "name"), None)
        if named is None and len(call.args) > 2:
            named = call.args[2]
        if named is None:  # TF1 numbers unnamed placeholders in the order it made them
            unnamed = [c for c in self.placeholders.values() if len(c.args) < 3 and not any(
                k.arg == "name" for k in c.keywords)]
            index = unnamed.index(call)
            graph_name = f"Placeholder_{index}" if index else "Placeholder"
        else:
            literal = named.value if isinstance(named, ast.Constant) else None
            graph_name = literal if isinstance(literal, str) else name
        return Placeholder(name, self.code.render(self.context, given), graph_name)

    def graph_names(self) -> set[str]:
        return set(self.placeholders) | set(self.tensors) | self.train_ops | self.initializers

    def ordered_stages(self) -> list[tuple[frozenset[str], list[str], list[str]]]:
        """Graph statements grouped by the placeholders they need, smaller needs first: a
        statement can only read tensors whose needs are a subset of its own."""
        groups: dict[frozenset[str], tuple[list[str], list[str]]] = {}
        for needs, text, outputs in self.stages:
            texts, names = groups.setdefault(needs, ([], []))
            texts.append(text)
            names.extend(output for output in outputs if output not in names)  # a name rebound once
        order = sorted(groups, key=len)
        return [(needs, *groups[needs]) for needs in order]

    def statement(self, statement: ast.stmt, in_session: bool) -> None:
        edits = self.body_edits if in_session else self.plan_edits
        call = statement.value if isinstance(statement, (ast.Assign, ast.Expr)) else None
        name = self.context.call_name(call) if isinstance(call, ast.Call) else None
        targets = assigned_names(statement)
        if name is not None and name.rsplit(".", 1)[-1] in PLACEHOLDERS and name.startswith("tensorflow."):
            if not targets or len(targets) != 1 or in_session:
                raise Unsupported(f"the placeholder at {self.context.place(statement.lineno)} is not "
                                  "assigned to one name before the session")
            if not name.endswith(".placeholder"):
                raise Unsupported(f"`{name.rsplit('.', 1)[-1]}` has no plain Keras input")
            self.placeholders[targets[0]] = call  # type: ignore[assignment]
            edits.append(Site(self.context.span(statement), ""))
            return
        if name in INITIALIZERS and targets:
            self.initializers.update(targets)
            edits.append(Site(self.context.span(statement), ""))
            return
        if isinstance(call, ast.Call) and name is not None and v1_optimizer(name) is not None and targets:
            self.optimizers[targets[0]] = self.code.keras_optimizer(call, name)
            edits.append(Site(self.context.span(call), self.optimizers[targets[0]]))
            return
        if isinstance(call, ast.Call) and self.minimize(call, targets, statement, edits):
            return
        if self.feed_statement(statement, edits):
            return
        if in_session and self.session_run(statement, edits):
            return
        if in_session and self.closes_session(statement):
            edits.append(Site(self.context.span(statement), ""))
            return
        runs = (node for node in ast.walk(statement) if isinstance(node, ast.Call) and self.is_run(node))
        if in_session and any(runs):
            self.driver(statement)  # reads graph values: it stays, its runs rewritten
            return
        used = free_names(statement)
        graph_inputs = used & (set(self.placeholders) | set(self.tensors))
        if graph_inputs and targets and isinstance(statement, ast.Assign):
            needs = set().union(*(self.tensors.get(n, {n}) for n in graph_inputs))
            # `h = tf.matmul(x, w)` then `h = tf.nn.tanh(h)`: the model computes one stage's
            # statements in order, so a name rebound in its own stage, read by nothing of another
            # stage in between, holds what the Python name held when the session ran it.
            rebound = [t for t in targets if t in self.placeholders or (t in self.tensors and (
                self.tensors[t] != needs or in_session or self.readers.get(t, set()) - {frozenset(needs)}))]
            if rebound:
                raise Unsupported(f"{self.context.place(statement.lineno)} binds `{rebound[0]}` to a "
                                  "second graph tensor")
            for name in graph_inputs:
                self.readers.setdefault(name, set()).add(frozenset(needs))
            self.stages.append((frozenset(needs), self.code.graph_code(statement), targets))
            self.tensors.update({target: needs for target in targets})
            if self.first_graph is None and not in_session:
                self.first_graph = statement
                return  # the class takes its place
            edits.append(Site(self.context.span(statement), ""))
            return
        if in_session:
            self.driver(statement)
            return
        if graph_inputs or self.session_name in used:
            builds = any((self.context.call_name(node) or "").startswith("tensorflow")
                         for node in ast.walk(statement) if isinstance(node, ast.Call))
            where = self.context.place(statement.lineno)
            raise Unsupported(f"{where} builds part of the graph in a statement the rewrite cannot move into "
                              "the model (not one assignment)" if builds else
                              f"{where} uses graph tensors outside the graph code and the session's runs")
        self.variables_in(statement, targets, edits)

    def minimize(self, call: ast.Call, targets: list[str] | None, statement: ast.stmt,
                 edits: list[Site]) -> bool:
        """`train_op = optimizer.minimize(loss[, var_list=...])`, the optimizer named or built in
        place. The first builds and compiles the model; a second (a GAN's other network) adds
        an objective its train_step minimizes too, its optimizer built for its variables there."""
        function = call.func
        if not (isinstance(function, ast.Attribute) and function.attr == "minimize"):
            return False
        owner = function.value
        if isinstance(owner, ast.Call) and v1_optimizer(self.context.call_name(owner)) is not None:
            if self.objectives:
                where = self.context.place(statement.lineno)
                raise Unsupported(f"the second optimizer ({where}) is built inside minimize(...), unnamed: "
                                  "the rewrite names each optimizer of a script it trains with several")
            source = self.code.keras_optimizer(owner, self.context.call_name(owner) or "")
        elif isinstance(owner, ast.Name) and owner.id in self.optimizers:
            source = owner.id
        else:
            return False
        if not targets or len(targets) != 1:
            raise Unsupported("the train op is not assigned to one name")
        loss = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "loss"), None)
        var_list = call.args[2] if len(call.args) > 2 else next(
            (k.value for k in call.keywords if k.arg == "var_list"), None)
        extra = [k.arg for k in call.keywords if k.arg not in ("loss", "global_step", "var_list", "name")] + (
            ["gate_gradients"] if len(call.args) > 3 else [])
        if extra:
            raise Unsupported(f"minimize({', '.join(str(e) for e in extra)}=...) has no Keras train_step "
                              "counterpart the rewrite writes")
        if not isinstance(loss, ast.Name) or loss.id not in self.tensors:
            raise Unsupported("the minimized loss is not a graph tensor the script names")
        if any(objective.loss == loss.id for objective in self.objectives):
            raise Unsupported("the script minimizes the same loss twice")
        variables = self.var_list(var_list) if var_list is not None else None
        first = not self.objectives
        optimizer = "self.optimizer" if first else source
        self.objectives.append(Objective(targets[0], loss.id, optimizer, variables))
        self.train_ops.add(targets[0])
        if first:
            self.model_at = self.context.span(statement)
            edits.append(Site(self.context.span(statement),
                              f"model = TrainingGraph()\nmodel.compile(optimizer={source})"))
        else:  # (built before training: a tf.function step would otherwise make its slots)
            edits.append(Site(self.context.span(statement),
                              f"{source}.build({variables or 'model.trainable_variables'})"))
        return True

    def var_list(self, given: ast.expr) -> str:
        """The variables a minimize updates, as the model's train_step names them: a list of the
        script's variables or a name bound to one (`gen_vars = [weights['gen_out'], ...]`), not
        one computed from TF1's collections, which hold no Keras variable."""
        value = self.context.assigned_value(given) if isinstance(given, ast.Name) else given
        if not isinstance(value, (ast.List, ast.Tuple)) or any(
                isinstance(node, (ast.Call, ast.comprehension)) for node in ast.walk(value)):
            raise Unsupported(f"the var_list at {self.context.place(given.lineno)} is not a list of the "
                              "script's variables (one computed from TF1's collections would hold no Keras "
                              "variable)")
        if not names_in(value) or not names_in(value) <= set(self.variables):
            raise Unsupported(f"the var_list at {self.context.place(given.lineno)} holds something other "
                              "than the script's tf.Variables")
        return self.text(given)

    def variables_in(self, statement: ast.stmt, targets: list[str] | None, edits: list[Site]) -> None:
        """Statements that create the graph's variables: `tf.Variable(init)` becomes a Keras
        variable with the same initial value, named as TF1 named it; so does each variable a
        helper function makes (`W = weight_variable([784, 10])`)."""
        if isinstance(statement, ast.FunctionDef) and self.variable_helper(statement, edits):
            return
        calls = [(node, self.context.call_name(node) or "") for node in ast.walk(statement)
                 if isinstance(node, ast.Call)]
        helped = [node for node in bound_values(statement) if isinstance(node, ast.Call)
                  and isinstance(node.func, ast.Name) and node.func.id in self.variable_helpers]
        self.refuse_untracked_variables(node for node, name in calls
                                        if name not in GET_VARIABLES and node not in helped)
        created = [node for node, name in calls if name in VARIABLES | GET_VARIABLES or node in helped]
        if not created:
            return  # plain Python, or TF1 names other findings respell
        if not isinstance(statement, ast.Assign):
            raise Unsupported(f"the variables at {self.context.place(statement.lineno)} are made inside a "
                              f"`{type(statement).__name__.lower()}` block the rewrite does not open")
        if not targets:
            raise Unsupported(f"the variables at {self.context.place(statement.lineno)} are not "
                              "assigned to names")
        for call in created:
            if self.context.call_name(call) in GET_VARIABLES:
                edits.append(Site(self.context.span(call), self.got_variable(call)))
                continue
            if call in helped:  # the helper takes the name TF1 gave the variable it made
                arguments = [self.code.render(self.context, a) for a in call.args]
                arguments += [f"{k.arg}={self.code.render(self.context, k.value)}" for k in call.keywords]
                edits.append(Site(self.context.span(call), f"{self.text(call.func)}({', '.join(arguments)}, "
                                                           f"name={self.tf1_variable_name()!r})"))
                continue
            keywords = {k.arg for k in call.keywords}
            if len(call.args) != 1 or keywords - {"name", "dtype"}:
                raise Unsupported(f"tf.Variable at {self.context.place(call.lineno)} is given arguments "
                                  "beyond its initial value and name")
            given = {k.arg: self.code.render(self.context, k.value) for k in call.keywords}
            if "name" not in given:  # TF1's own name for it, which compare maps by
                given["name"] = repr(self.tf1_variable_name())
            initial = self.code.render(self.context, call.args[0])
            arguments = [initial, *(f"{k}={v}" for k, v in given.items())]
            edits.append(Site(self.context.span(call), f"{self.keras}.Variable({', '.join(arguments)})"))
        self.variables.extend(t for t in targets if t not in self.variables)

    def refuse_untracked_variables(self, calls: Iterable[ast.Call]) -> None:
        """Refuses a call making variables the Keras model would not track, so never train."""
        for call in calls:
            maker = self.code.variable_maker(self.context, call, 0)
            if maker is not None:
                raise Unsupported(f"{maker} makes a variable the rewrite does not carry into the Keras model")

    def tf1_variable_name(self) -> str:
        """The name TF1 gave the next unnamed tf.Variable: Variable, Variable_1, ..."""
        count = self.variable_count
        self.variable_count += 1
        return f"Variable_{count}" if count else "Variable"

    def variable_helper(self, function: ast.FunctionDef, edits: list[Site]) -> bool:
        """A function that returns one new unnamed `tf.Variable` of an initial value it computes
        (the TF1 tutorials' `weight_variable(shape)`): it returns the Keras variable instead,
        named by a `name` parameter each call passes, as TF1 named them in creation order.
        False for any other function; a helper making variables otherwise is refused."""
        made = [node for node in ast.walk(function) if isinstance(node, ast.Call)
                and self.context.call_name(node) in VARIABLES | GET_VARIABLES]
        if not made:
            return False
        variable = made[0]
        arguments = function.args
        returned = [node for node in function.body if isinstance(node, ast.Return) and node.value is variable]
        parameters = [a.arg for a in arguments.args]
        positional = bool(parameters) and "name" not in parameters and not (
            arguments.vararg or arguments.kwarg or arguments.kwonlyargs or arguments.posonlyargs)
        if (len(made) != 1 or not returned or function.decorator_list or not positional
                or self.context.call_name(variable) not in VARIABLES or len(variable.args) != 1
                or {k.arg for k in variable.keywords} - {"dtype"}
                or any(isinstance(node, (ast.FunctionDef, ast.Lambda, ast.Global, ast.Nonlocal))
                       for node in ast.walk(function) if node is not function)):
            raise Unsupported(f"the variables at {self.context.place(function.lineno)} are made inside a "
                              "function the rewrite does not translate (only one returning a new unnamed "
                              "tf.Variable of the value it computes)")
        self.refuse_untracked_variables(node for node in ast.walk(function)
                                        if isinstance(node, ast.Call) and node is not variable)
        given = [self.code.render(self.context, variable.args[0]),
                 *(f"dtype={self.code.render(self.context, k.value)}" for k in variable.keywords),
                 "name=name"]
        replaced = [(self.context.span(variable), f"{self.keras}.Variable({', '.join(given)})"),
                    (self.context.span(arguments.args[-1]), f"{self.text(arguments.args[-1])}, name=None")]
        for statement in function.body:
            rendered = self.code.render(self.context, statement)
            if statement is not returned[0] and rendered != self.text(statement):
                replaced.append((self.context.span(statement), rendered))
        edits.append(Site(self.context.span(function), with_replacements(self.context, function, replaced)))
        self.variable_helpers.add(function.name)
        return True

    def got_variable(self, call: ast.Call) -> str:
        """`tf.get_variable(name, shape, dtype, initializer)` as the Keras variable TF1 made: its
        name, shape and dtype (float32 when not given), drawn by the same initializer (TF1's
        default for floating variables is Glorot uniform), or holding the value given."""
        where = self.context.place(call.lineno)
        parameters = ("name", "shape", "dtype", "initializer")
        extra = {k.arg for k in call.keywords} - set(parameters) - {"trainable"}
        if len(call.args) > len(parameters) or extra:
            raise Unsupported(f"tf.get_variable at {where} is given arguments beyond its name, shape, dtype, "
                              "initializer and trainable")
        given = dict(zip(parameters, call.args, strict=False))
        given.update({k.arg: k.value for k in call.keywords if k.arg})
        if "name" not in given:
            raise Unsupported(f"tf.get_variable at {where} is given no name")
        initializer = given.pop("initializer", None)
        rendered = {key: self.code.render(self.context, value) for key, value in given.items()}
        if initializer is None:
            rendered["initializer"] = f"{self.keras}.initializers.GlorotUniform()"
        elif isinstance(initializer, ast.Call) and self.makes_initializer(initializer):
            rendered["initializer"] = self.tf1_initializer(initializer, where)
        elif "shape" not in given and isinstance(initializer, (ast.Name, ast.Call, ast.Constant, ast.List)):
            rendered["initializer"] = self.code.render(self.context, initializer)  # the initial value itself
        else:
            raise Unsupported(f"tf.get_variable at {where} is given an initializer the rewrite cannot tell "
                              "from a value")
        rendered.setdefault("dtype", "'float32'")
        order = ("initializer", "shape", "dtype", "trainable", "name")
        arguments = ", ".join(f"{key}={rendered[key]}" for key in order if key in rendered)
        return f"{self.keras}.Variable({arguments})"

    def makes_initializer(self, call: ast.Call) -> bool:
        return INITIALIZER.search(self.context.call_name(call) or "") is not None

    def tf1_initializer(self, call: ast.Call, where: str) -> str:
        """A TF1 initializer as TensorFlow 2's namesake drawing the same: TF2's random normal and
        uniform initializers changed their defaults (stddev 0.05, not 1; [-0.05, 0.05), not
        [0, 1)), so TF1's are written out; a dtype argument (TF2's take none) is refused."""
        name = self.context.call_name(call) or ""
        function = name.rsplit(".", 1)[-1]
        defaults = TF1_INITIALIZER_DEFAULTS.get(function)
        if defaults is None or not name.startswith(("tensorflow.", "tensorflow.compat.v1.")):
            return self.code.render(self.context, call)  # TF2's own, or a TF1 name the renames respell
        parameters = tuple(defaults)
        if len(call.args) > len(parameters) or any(k.arg not in parameters for k in call.keywords):
            raise Unsupported(f"`tf.{function}` at {where} is given arguments TensorFlow 2's lacks")
        given = dict(zip(parameters, (self.code.render(self.context, a) for a in call.args), strict=False))
        given.update({k.arg: self.code.render(self.context, k.value) for k in call.keywords if k.arg})
        written = ", ".join(f"{key}={given.get(key, default)}" for key, default in defaults.items()
                            if key in given or default is not None)
        module = self.text(call.func).rsplit(".", 1)[0].replace(".compat.v1", "")  # `tf`, as imported
        return f"{module}.{function}({written})"

    # -- the session block ------------------------------------------------------------------------

    def closes_session(self, statement: ast.stmt) -> bool:
        """`sess.close()`, or an initializer run as an op (`tf.global_variables_initializer().run()`):
        statements with nothing left to do."""
        value = statement.value if isinstance(statement, ast.Expr) else None
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
            return False
        owner = value.func.value
        if value.func.attr == "close":
            return isinstance(owner, ast.Name) and owner.id == self.session_name
        return value.func.attr == "run" and (
            (isinstance(owner, ast.Call) and self.context.call_name(owner) in INITIALIZERS)
            or (isinstance(owner, ast.Name) and owner.id in self.initializers))

    def session_run(self, statement: ast.stmt, edits: list[Site]) -> bool:
        """`sess.run(init)` goes; a training run (`sess.run(train_op, ...)`, or the TF1
        tutorials' `train_op.run(feed_dict=...)`) becomes `train_on_batch`."""
        value = statement.value if isinstance(statement, (ast.Assign, ast.Expr)) else None
        if (isinstance(statement, ast.Expr) and isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute) and value.func.attr == "run"
                and isinstance(value.func.value, ast.Name) and value.func.value.id in self.train_ops):
            if len(self.train_ops) > 1:
                where = self.context.place(statement.lineno)
                raise Unsupported(f"the training run at {where} runs one of the script's train ops: the "
                                  "Keras train_step steps every optimizer at once")
            given = value.args[0] if value.args else next(
                (k.value for k in value.keywords if k.arg == "feed_dict"), None)
            run = f"model.train_on_batch({self.feed(value, given)})"
            edits.append(Site(self.context.span(statement), run))
            return True
        if not (isinstance(value, ast.Call) and self.is_run(value)):
            return False
        first = value.args[0] if value.args else None
        if isinstance(first, ast.Call) and self.context.call_name(first) in INITIALIZERS:
            edits.append(Site(self.context.span(statement), ""))
            return True
        if first is not None and not isinstance(first, (ast.Name, ast.List, ast.Tuple)):
            return False  # an expression of the tensors: an evaluation (computed_fetch)
        fetches = self.fetched(value)
        if set(fetches) <= self.initializers:
            edits.append(Site(self.context.span(statement), ""))
            return True
        trained = set(fetches) & self.train_ops
        if not trained:
            return False
        where = self.context.place(statement.lineno)
        if trained != self.train_ops:
            ran, left = ", ".join(sorted(trained)), ", ".join(sorted(self.train_ops - trained))
            raise Unsupported(f"the training run at {where} runs {ran} but not {left}: the Keras "
                              "train_step steps every optimizer of the script at once")
        losses = [objective.loss for objective in self.objectives]
        others = [f for f in fetches if f not in self.train_ops]
        if others and (not set(others) <= set(losses) or len(set(others)) != len(others)
                       or (len(losses) == 1 and others != losses)):
            raise Unsupported(f"the training run at {where} also fetches "
                              f"{', '.join(f for f in others if f not in losses) or ', '.join(others)}")
        several = len(self.objectives) > 1
        run = f"model.train_on_batch({self.feed(value)}{', return_dict=True' if several and others else ''})"
        if isinstance(statement, ast.Expr):
            edits.append(Site(self.context.span(statement), run))
            return True
        targets = assigned_names(statement)
        if targets is None:
            raise Unsupported("the training run's results are not assigned to names")
        if not others:
            edits.append(Site(self.context.span(statement), run))
            return True
        shape = statement.targets[0]  # type: ignore[attr-defined]
        if not isinstance(shape, ast.Tuple) or len(shape.elts) != len(fetches):
            raise Unsupported("the training run's results are not unpacked one name per fetch")
        named = [(self.text(shape.elts[fetches.index(loss)]), loss) for loss in others]
        if not several:
            edits.append(Site(self.context.span(statement), f"{named[0][0]} = {run}"))
            return True
        edits.append(Site(self.context.span(statement), f"step_logs = {run}\n"
                          f"{', '.join(target for target, _ in named)} = "
                          f"{', '.join(f'step_logs[{loss!r}]' for _, loss in named)}"))
        return True

    def is_run(self, call: ast.Call) -> bool:
        function = call.func
        return (isinstance(function, ast.Attribute) and function.attr == "run"
                and isinstance(function.value, ast.Name) and function.value.id == self.session_name)

    def fetched(self, call: ast.Call) -> list[str]:
        fetches = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg == "fetches"), None)
        elements = fetches.elts if isinstance(fetches, (ast.List, ast.Tuple)) else [fetches]
        if not all(isinstance(e, ast.Name) for e in elements):
            raise Unsupported(f"a run at {self.context.place(call.lineno)} fetches something other than "
                              "named tensors")
        return [e.id for e in elements]  # type: ignore[union-attr]

    def feed_statement(self, statement: ast.stmt, edits: list[Site]) -> bool:
        """`feeds = {x: batch_xs, y: batch_ys}`: a feed dict bound to a name before the runs it
        feeds, rewritten keyed by the placeholders' names as the runs' own dicts are."""
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name) and isinstance(statement.value, ast.Dict)):
            return False
        given = statement.value
        keys = given.keys
        if not keys or not all(isinstance(k, ast.Name) and k.id in self.placeholders for k in keys):
            return False
        if any(names_in(value) & self.graph_names() for value in given.values):
            raise Unsupported(f"the feed dict at {self.context.place(statement.lineno)} feeds graph tensors")
        name = statement.targets[0].id
        self.feed_dicts[name] = given
        edits.append(Site(self.context.span(statement), f"{name} = {self.feed(statement.value, given)}"))
        return True

    def feed(self, call: ast.expr, given: ast.expr | None = None) -> str:
        """The fed dict, keyed by the placeholders' names (a named feed dict is already)."""
        if given is None and isinstance(call, ast.Call):
            given = call.args[1] if len(call.args) > 1 else next(
                (k.value for k in call.keywords if k.arg == "feed_dict"), None)
        if isinstance(given, ast.Name) and given.id in self.feed_dicts:
            return given.id
        if not isinstance(given, ast.Dict) or not all(isinstance(k, ast.Name) and k.id in self.placeholders
                                                       for k in given.keys):
            raise Unsupported(f"the run at {self.context.place(call.lineno)} is not fed a dict of the "
                              "script's placeholders")
        entries = ", ".join(f"{k.id!r}: {self.text(v)}"  # type: ignore[union-attr]
                            for k, v in zip(given.keys, given.values, strict=True))
        return "{" + entries + "}"

    def driver(self, statement: ast.stmt) -> None:
        """Code inside the session that is not graph code: training runs become train_on_batch,
        other runs and evaluations reads of the model's outputs; anything else touching the
        session or the graph is refused."""
        blocks = [getattr(statement, field) for field in ("body", "orelse", "finalbody")
                  if isinstance(getattr(statement, field, None), list)]
        blocks += [handler.body for handler in getattr(statement, "handlers", [])]
        if blocks:
            headers: list[ast.AST] = [child for child in ast.iter_child_nodes(statement)
                                      if not isinstance(child, (ast.stmt, ast.excepthandler))]
            for header in headers:
                self.evaluations(header)
            for block in blocks:
                for child in block:
                    if self.feed_statement(child, self.body_edits):
                        continue
                    if isinstance(child, ast.Assign) and names_in(child.value) & (
                            set(self.placeholders) | set(self.tensors)) and not self.is_run_statement(child):
                        raise Unsupported(f"{self.context.place(child.lineno)} builds graph tensors inside "
                                          "a loop or branch of the session block")
                    self.driver(child)
            return
        if self.session_run(statement, self.body_edits):
            return
        self.evaluations(statement)

    def is_run_statement(self, statement: ast.Assign) -> bool:
        """`loss = sess.run(...)`, or `acc = accuracy.eval(feed_dict=...)`: a read of the graph."""
        value = statement.value
        return isinstance(value, ast.Call) and (self.is_run(value) or self.evaluated(value) is not None)

    def evaluated(self, call: ast.Call) -> str | None:
        """The tensor or variable of the script `tensor.eval(feed_dict=...)` reads, if it is one."""
        owner = call.func.value if isinstance(call.func, ast.Attribute) and call.func.attr == "eval" else None
        if isinstance(owner, ast.Name) and owner.id in (*self.tensors, *self.variables):
            return owner.id
        return None

    def evaluations(self, node: ast.AST) -> None:
        for child in ast.walk(node):
            if isinstance(child, ast.Call) and self.is_run(child) and self.computed_fetch(child):
                continue
            if isinstance(child, ast.Call) and self.is_run(child):
                fetches = self.fetched(child)
                if set(fetches) & (self.train_ops | self.initializers):
                    raise Unsupported(f"the training run at {self.context.place(child.lineno)} is not a "
                                      "statement of its own")
                self.body_edits.append(Site(self.context.span(child), self.evaluation(child, fetches, None)))
            elif isinstance(child, ast.Call) and (evaluated := self.evaluated(child)) is not None:
                given = child.args[0] if child.args else next(
                    (k.value for k in child.keywords if k.arg == "feed_dict"), None)
                read = self.evaluation(child, [evaluated], given)
                self.body_edits.append(Site(self.context.span(child), read))
        claimed = [site.span for site in self.body_edits]
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and child.id in (self.graph_names() | {self.session_name}) \
                    and not any(span_within(self.context.span(child), span) for span in claimed):
                raise Unsupported(f"{self.context.place(child.lineno)} uses `{child.id}` outside a run the "
                                  "rewrite translates")

    def computed_fetch(self, call: ast.Call) -> bool:
        """`sess.run(tf.reduce_sum(tf.pow(pred - Y, 2)) / n, feed_dict={X: x, Y: y})`: an
        expression of the graph's tensors built inside the run (TensorFlow-Examples' test cost)
        becomes a function the model's fetch applies to its outputs, the placeholders it reads
        cast from the fed values as the graph cast them. False for a run of named tensors."""
        fetched = call.args[0] if call.args else None
        if fetched is None or isinstance(fetched, (ast.Name, ast.List, ast.Tuple)):
            return False
        given = call.args[1] if len(call.args) > 1 else next(
            (k.value for k in call.keywords if k.arg == "feed_dict"), None)
        where = self.context.place(call.lineno)
        makes_variables = any(isinstance(node, ast.Call) and self.context.call_name(node) in VARIABLES
                              for node in ast.walk(fetched))
        if makes_variables or self.code.render(self.context, fetched) != self.text(fetched):
            raise Unsupported(f"the run at {where} fetches an expression the rewrite would have to translate")
        names = [node for node in ast.walk(fetched) if isinstance(node, ast.Name)]
        if any(name.id in self.train_ops | self.initializers for name in names):
            raise Unsupported(f"the run at {where} trains inside an expression")
        if isinstance(given, ast.Name) and given.id in self.feed_dicts:  # read through the rewritten dict
            fed = {key.id: f"{given.id}[{key.id!r}]" for key in self.feed_dicts[given.id].keys
                   if isinstance(key, ast.Name)}
        else:
            fed = {key.id: self.text(value) for key, value in zip(given.keys, given.values, strict=True)
                   if isinstance(key, ast.Name)} if isinstance(given, ast.Dict) else {}
        tf = self.context.alias_for("tensorflow") or "tf"
        replaced = []
        for name in names:
            if name.id in self.tensors:
                replaced.append((self.context.span(name), f"t[{name.id!r}]"))
            elif name.id in self.placeholders:
                if name.id not in fed:
                    raise Unsupported(f"the run at {where} reads placeholder `{name.id}` it is not fed")
                dtype = self.placeholder(name.id, self.placeholders[name.id]).dtype
                replaced.append((self.context.span(name), f"{tf}.cast({fed[name.id]}, {dtype})"))
        if not any(name.id in self.tensors for name in names):
            return False  # no graph tensor: not a graph expression
        expression = with_replacements(self.context, fetched, replaced)
        feed = self.feed(call, given) if given is not None else "{}"
        self.computed_fetches = True
        self.body_edits.append(Site(self.context.span(call), f"model.fetch(lambda t: {expression}, {feed})"))
        return True

    def evaluation(self, call: ast.Call, fetches: list[str], given: ast.expr | None) -> str:
        single = given is not None or isinstance(call.args[0] if call.args else None, ast.Name)
        if all(f in self.variables for f in fetches):  # a variable's value needs no feed
            values = [f"{f}.numpy()" for f in fetches]
            return values[0] if single else f"[{', '.join(values)}]"
        unknown = [f for f in fetches if f not in self.tensors]
        if unknown:
            raise Unsupported(f"the run at {self.context.place(call.lineno)} fetches {', '.join(unknown)}, "
                              "which the rewrite does not compute")
        feed = self.feed(call, given) if given is not None or call.args[1:] or call.keywords else "{}"
        names = ", ".join(repr(f) for f in fetches)
        return f"model.fetch({names if single else f'[{names}]'}, {feed})"


def bound_values(statement: ast.stmt) -> list[ast.expr]:
    """What an assignment binds to its names: its value, or the items of the dict, list or tuple
    it is (`weights = {'h1': weight_variable(...), ...}`)."""
    value = statement.value if isinstance(statement, ast.Assign) else None
    if isinstance(value, ast.Dict):
        return list(value.values)
    if isinstance(value, (ast.List, ast.Tuple)):
        return list(value.elts)
    return [value] if value is not None else []


def free_names(statement: ast.stmt) -> set[str]:
    """The names a statement reads from outside: a function's parameters and the names it binds
    are its own (`def sample_z(m, n)` does not read a placeholder named `m`)."""
    if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return names_in(statement)
    arguments = statement.args
    own = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    own |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    own |= {node.id for node in ast.walk(statement)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    return names_in(statement) - own



def sessions(context: ModuleContext, body: list[ast.stmt]) -> Iterator[ast.With | ast.Assign]:
    """The statements of a block that open a session: `with tf.Session() as sess:` blocks and
    `sess = tf.Session()` assignments."""
    for statement in body:
        if isinstance(statement, (ast.With, ast.Assign)) and any(
                isinstance(call, ast.Call) and context.call_name(call) in SESSIONS
                for call in ([item.context_expr for item in statement.items]
                             if isinstance(statement, ast.With) else [statement.value])):
            yield statement


def read_script(context: ModuleContext, session: ast.With | ast.Assign, body: list[ast.stmt], keras: str
                ) -> ScriptPlan:
    """The rewrite plan of the script whose block `body` holds the session block; `keras` is how
    the rewritten file spells Keras."""
    return ScriptReader(context, session, keras).read(body)
