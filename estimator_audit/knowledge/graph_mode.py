"""Graph-mode facts: whether code runs only in TF1 graph mode (a new Graph, a session's graph,
an eager test's graph branch) and whether a statement builds graph ops at all.
"""

from __future__ import annotations

import ast
import builtins
import os
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from estimator_audit.knowledge.calls import DEFINITIONS, FUNCTION_DEFS, statements_before
from estimator_audit.knowledge.program import (
    DATA_LIBRARIES,
    NON_TF_LIBRARIES,
    imported_through,
    modules_call,
    tf_free_library,
)
from estimator_audit.knowledge.seeding import SET_UP_METHODS
from estimator_audit.knowledge.tfapi import SESSIONS, spells_eager_switch

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext


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


# Sessions whose second parameter is the graph they run (`tf.compat.v1.Session(target, graph, config)`).
GRAPH_TAKING_SESSIONS = frozenset({"Session", "InteractiveSession"})


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
                        or any(keyword.arg == "graph" for keyword in call.keywords)
                        or (context is not None and len(call.args) > 1  # `Session(target, graph)`
                            and (context.call_name(call) or "").rsplit(".", 1)[-1] in GRAPH_TAKING_SESSIONS)):
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


# -- what builds graph ops ----------------------------------------------------------------------
BUILTIN_NAMES = frozenset(dir(builtins))
RESETS = frozenset({"tensorflow.reset_default_graph", "tensorflow.compat.v1.reset_default_graph"})
# Besides random ops and layers (the random uses), these create randomly initialised graph state.
GRAPH_STATE = ("get_variable", "layers.", "initializers.", "keras.")
MAX_CALL_DEPTH = 3  # calls of the program's own code followed to see whether they build ops
BUILTIN_METHODS = frozenset(name for kind in (list, dict, str, set, bytes) for name in dir(kind)
                            if not name.startswith("_")) | {"read", "readline", "readlines", "write", "close",
                                                            # a logger's (`log.info(...)` on a passed logger)
                                                            "debug", "info", "warning", "error", "exception",
                                                            "critical", "flush"}
# TensorFlow calls that make no graph node.
HARMLESS = re.compile(r"\.(?:app|flags|logging|gfile|io\.gfile|config|ConfigProto|GPUOptions|RunOptions|"
                      r"Graph|cluster_resolver|RunConfig|set_random_seed|random\.set_seed|train\.Saver|"
                      r"train\.latest_checkpoint|reset_default_graph)\b")


def built_before(context: ModuleContext, owner: ast.AST | None, statement: ast.stmt) -> bool:
    """Whether a statement of `owner`'s block before `statement` may build TF ops: a session
    block opened after it runs in graph mode what it builds itself (TF 2.21), not what came before.
    An earlier session or graph block built its ops in graph mode too (a notebook training two
    models, each in `reset_default_graph(); with tf.Session() as sess:`)."""
    return any(builds_ops(context, inner) for earlier in statements_before(owner, statement)
               if not isinstance(earlier, DEFINITIONS)  # a def or class builds nothing as it is defined
               and not graph_mode_block(context, earlier)
               for inner in ast.walk(earlier))


def graph_mode_block(context: ModuleContext, statement: ast.stmt) -> bool:
    """`with tf.Session() as sess:` or `with graph.as_default():`: what it builds is in graph mode."""
    return isinstance(statement, ast.With) and (in_own_graph([statement], context) or any(
        isinstance(item.context_expr, ast.Call)
        and (context.call_name(item.context_expr) or "").rsplit(".", 1)[-1] in SESSIONS
        for item in statement.items))


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
            root in NON_TF_LIBRARIES) or (root is not None and tf_free_library(context, root)):
        return False
    if name is None and isinstance(node.func, ast.Name) and node.func.id in BUILTIN_NAMES:
        return False
    if name is None and isinstance(node.func, ast.Attribute) and node.func.attr in BUILTIN_METHODS:
        return False  # `words.extend(...)`, `line.split()`: a list's, a string's, a file's
    return program_code_builds_ops(context, node, depth)


def program_code_builds_ops(context: ModuleContext, call: ast.Call, depth: int) -> bool:
    """Whether a call of the program's own code may make graph nodes: a function or class
    whose code (followed MAX_CALL_DEPTH calls deep) calls nothing that may, or a method of an
    object a standard-library call made (`pp = pprint.PrettyPrinter()`), does not. A call into
    a module Python 3 cannot parse makes none: the program cannot import that module at all."""
    from estimator_audit.migrate.lookup import called, definition, in_unparsed_module  # whole-program lookups

    if depth >= MAX_CALL_DEPTH:
        return True
    found = called(context, call)
    if found is None and in_unparsed_module(context, call.func):
        return False
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
