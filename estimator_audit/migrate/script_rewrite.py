"""The EA103 fix for a Session training script: its graph as a Keras model, its session block
as plain TF2 code driving that model on the same batches.

graph.py reads the script into a `Graph` and the places that change; emit.py writes the model
class; this module turns both into edits: the class takes the place of the first graph
statement, the other graph statements, placeholders and initializers go, `minimize` becomes
building and compiling the model, and the session block is replaced by its own body, one level
out, with its runs rewritten. A script the rewrite cannot translate keeps its finding, with the
reason.
"""

from __future__ import annotations

import ast
import textwrap
from typing import TYPE_CHECKING

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety
from estimator_audit.fixes import keras_spelling
from estimator_audit.migrate import emit
from estimator_audit.migrate.graph import ScriptPlan, read_script, sessions
from estimator_audit.migrate.graph_code import Site, span_within
from estimator_audit.migrate.model import Unsupported
from estimator_audit.migrate.rewrite import module_seeded
from estimator_audit.migrate.scopes import contains

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

MODEL_CLASS = "TrainingGraph"


def owner_of(context: ModuleContext, statement: ast.stmt) -> tuple[ast.AST, list[ast.stmt]]:
    """The node whose block holds the statement, and that block."""
    for node in ast.walk(context.tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and statement in block:
                return node, block
    raise Unsupported("the session block is not a statement of the module or of a function")


def enclosing_body(context: ModuleContext, session: ast.With | ast.Assign
                   ) -> tuple[list[ast.stmt], ast.With | None]:
    """The block the session block stands in (the module's, or a function's), and the
    `with tf.Graph().as_default():` block around it, when there is one: the rewrite then
    replaces that block by its body (TF2 runs the model eagerly, outside any graph)."""
    owner, block = owner_of(context, session)
    if isinstance(owner, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)):
        return block, None
    if isinstance(owner, ast.With) and block is owner.body and all(
            isinstance(item.context_expr, ast.Call) and isinstance(item.context_expr.func, ast.Attribute)
            and item.context_expr.func.attr == "as_default" for item in owner.items):
        outer, _ = owner_of(context, owner)
        if isinstance(outer, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)):
            bound = {item.optional_vars.id for item in owner.items
                     if isinstance(item.optional_vars, ast.Name)}
            used = [node for node in ast.walk(owner) if isinstance(node, ast.Name) and node.id in bound
                    and isinstance(node.ctx, ast.Load)
                    and not contains(session_constructor(session), node)]
            if used:
                raise Unsupported(f"the graph block's graph `{used[0].id}` is used beyond the session "
                                  f"({context.place(used[0].lineno)})")
            return block, owner
    raise Unsupported("the session block is inside a loop, branch or other block")


def session_constructor(session: ast.With | ast.Assign) -> ast.AST:
    return session.value if isinstance(session, ast.Assign) else session.items[0].context_expr


def session_block(context: ModuleContext, constructor: ast.Call) -> ast.With | ast.Assign:
    """The statement that opens the session: a `with` block, or an assignment to one name."""
    for node in ast.walk(context.tree):
        if isinstance(node, ast.With) and any(item.context_expr is constructor for item in node.items):
            return node
        if isinstance(node, ast.Assign) and node.value is constructor:
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute):
                held = ast.unparse(node.targets[0])
                raise Unsupported(f"the session is held by an object (`{held}`), whose graph the rewrite "
                                  "does not follow across its methods")
            if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
                raise Unsupported("the session is not assigned to one name")
            return node
    raise Unsupported("the session is neither opened by a `with` statement nor assigned to a name")


def script_plan(context: ModuleContext, constructor: ast.Call, keras: str) -> ScriptPlan:
    session = session_block(context, constructor)
    body, graph_block = enclosing_body(context, session)
    if sum(1 for _ in sessions(context, body)) > 1:
        raise Unsupported("the script opens several sessions")
    if context.alias_for("tensorflow") is None:
        if context.alias_for("tensorflow.compat.v1") is not None:
            raise Unsupported("the script imports TensorFlow only as tensorflow.compat.v1 (the rewrite "
                              "writes TF2 code, through `import tensorflow as tf`)")
        raise Unsupported("the script does not import TensorFlow itself (`import tensorflow as tf`)")
    plan = read_script(context, session, body, keras)
    plan.graph_block = graph_block
    return plan


def unwrapped(context: ModuleContext, block: ast.With, sites: list[Site]) -> Site:
    """A `with` block replaced by its body, these sites edited in it, one level out (text at
    column 0), with the comments above its first statement and those indented under its last
    (which libcst counts in the block, so the site's span reaches them)."""
    opened = block.items[-1]
    header = (opened.optional_vars or opened.context_expr).end_lineno or block.lineno
    first, last = header + 1, block.body[-1].end_lineno or header
    # libcst's block ends at the last comment indented under it (before the next statement).
    scan, total = last, len(context.source.text.splitlines())
    while scan < total and (following := context.source.line_text(scan + 1)).strip()[:1] in ("", "#"):
        scan += 1
        if following.strip() and len(following) - len(following.lstrip()) > block.col_offset:
            last = scan
    lines = [context.source.line_text(number) for number in range(first, last + 1)]
    for site in sorted(sites, key=lambda s: s.span, reverse=True):
        line, column, end_line, end_column = site.span
        start, end = line - first, end_line - first
        before, rest = lines[start][: column - 1], lines[end][end_column - 1:]
        if not site.text and not before.strip() and (not rest.strip() or rest.strip().startswith("#")):
            del lines[start:end + 1]
            continue
        # statements put at a statement's place take its indentation, line by line
        text = site.text.rstrip("\n")
        text = text.replace("\n", "\n" + before) if not before.strip() else text
        lines[start:end + 1] = (before + text + rest).split("\n")
    text = textwrap.dedent("\n".join(line if line.strip() else "" for line in lines)).strip("\n") or "pass"
    line, column = context.span(block)[:2]
    return Site((line, column, last, len(context.source.line_text(last)) + 1), text)


def is_statement(context: ModuleContext, site: Site) -> bool:
    """Whether the site is a whole statement (replaced as one), not an expression in one."""
    return any(site.span == context.span(s) for s in ast.walk(context.tree) if isinstance(s, ast.stmt))


def statement_edit(context: ModuleContext, site: Site, statement: bool) -> Edit:
    if not site.text:
        return Edit(EditAction.REMOVE_STATEMENT, site.span)
    return Edit(EditAction.REPLACE_STATEMENT if statement else EditAction.REPLACE, site.span, text=site.text)


def seeding(context: ModuleContext, keras: str) -> list[Edit]:
    """TF1's graph seed becomes Keras's, which seeds TensorFlow, NumPy and Python; a script
    with none is seeded with the configured seed."""
    edits = []
    for statement in ast.walk(context.tree):
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) and (
                context.call_name(statement.value) or "").endswith("set_random_seed") and (
                context.call_name(statement.value) or "").startswith("tensorflow."):
            arguments = ", ".join(ast.unparse(a) for a in statement.value.args)
            edits.append(Edit(EditAction.REPLACE_STATEMENT, context.span(statement),
                              text=f"{keras}.utils.set_random_seed({arguments})"))
    if not edits and not module_seeded(context):
        seed = context.settings.seed
        edits.append(Edit(EditAction.INSERT_AFTER_IMPORTS, text=f"{keras}.utils.set_random_seed({seed})"))
    return edits


def script_rewrite(context: ModuleContext, constructor: ast.Call) -> Fix:
    """The unsafe fix: the whole script rewritten around a Keras model of its graph."""
    try:
        keras, imports = keras_spelling(context)
    except LookupError:
        raise Unsupported("the file binds `keras` to something else") from None
    plan = script_plan(context, constructor, keras)
    tf = context.alias_for("tensorflow") or "tf"
    model = emit.graph_class(plan.graph, MODEL_CLASS, keras, tf)
    if plan.graph_block is not None:
        edits = graph_block_edits(context, plan, model, seeding(context, keras))
    else:
        edits = script_edits(context, plan, model) + seeding(context, keras)
    return Fix(FixSafety.UNSAFE, "Rewrite the script's TF1 graph and session as a Keras model trained on the "
                                 "same batches", tuple(edits), imports, exclusive=True)


def session_sites(context: ModuleContext, plan: ScriptPlan) -> list[Site]:
    """The session block replaced by its body, one level out; or, for `sess = tf.Session()`,
    the assignment gone and the statements after it edited in place."""
    if isinstance(plan.session, ast.With):
        return [unwrapped(context, plan.session, plan.session_body)]
    return [Site(context.span(plan.session), ""), *plan.session_body]


def graph_block_edits(context: ModuleContext, plan: ScriptPlan, model: str, seeds: list[Edit]) -> list[Edit]:
    """A script inside `with tf.Graph().as_default():`: the block is replaced by its body, one
    level out, with the model class at the first graph statement and every edit made in it."""
    assert plan.graph_block is not None
    around = context.span(plan.graph_block)
    inside = [edit for edit in seeds if edit.span is not None and span_within(edit.span, around)]
    sites = [Site(plan.class_at, model), *plan.edits, *session_sites(context, plan),
             *(Site(edit.span, edit.text) for edit in inside if edit.span is not None)]
    block = unwrapped(context, plan.graph_block, sites)
    return [Edit(EditAction.REPLACE_STATEMENT, block.span, text=block.text),
            *(edit for edit in seeds if edit not in inside)]



def script_edits(context: ModuleContext, plan: ScriptPlan, model: str) -> list[Edit]:
    """A script at module or function level: the class placed, each site an edit of its own."""
    if any(context.span(statement) == plan.model_at for statement in context.tree.body):
        # At module level the class goes right before the model is built, with a def's blank
        # lines around it.
        edits = [Edit(EditAction.INSERT_BEFORE_STATEMENT, plan.model_at, text=model),
                 Edit(EditAction.REMOVE_STATEMENT, plan.class_at)]
    else:
        edits = [Edit(EditAction.REPLACE_STATEMENT, plan.class_at, text=model)]
    edits += [statement_edit(context, site, is_statement(context, site)) for site in plan.edits]
    if isinstance(plan.session, ast.With):  # the block's body, one level out
        block = unwrapped(context, plan.session, plan.session_body)
        return [*edits, Edit(EditAction.REPLACE_STATEMENT, block.span, text=block.text)]
    return [*edits, *(statement_edit(context, site, is_statement(context, site))
                      for site in session_sites(context, plan))]
