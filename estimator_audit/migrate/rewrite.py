"""The EA101 fix: a premade estimator and every use of it, rewritten as Keras.

The plan covers the whole program (flow.py): the module that builds the estimator gets the
model builder (inserted before the top-level statement that builds it) and the construction
becomes a call of it; every module that uses the estimator gets its train/evaluate/predict,
train_and_evaluate and export calls rewritten on the same datasets. Each module's audit makes
the same plan and applies its own part. Raises Unsupported, with the reason, when any part of
the program cannot be rewritten faithfully.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety
from estimator_audit.fixes import keras_spelling
from estimator_audit.knowledge.calls import argument, is_none
from estimator_audit.knowledge.seeding import GLOBAL_SEEDING_CALLS
from estimator_audit.knowledge.tfapi import EAGER_SWITCHES, GRAPH_ONLY, estimator_class
from estimator_audit.layout import laid_out, one_line
from estimator_audit.migrate import emit
from estimator_audit.migrate.flow import Flow, Site, estimator_flow, is_premade, where
from estimator_audit.migrate.frontend import Construction, read_construction
from estimator_audit.migrate.inputs import InputReader
from estimator_audit.migrate.lookup import definition, scopes, text
from estimator_audit.migrate.metrics import Metric, metric_function
from estimator_audit.migrate.model import Estimator, ModelFunction, Unsupported
from estimator_audit.migrate.model_fn import CustomConstruction, read_custom
from estimator_audit.migrate.obsolete import obsolete_assignments
from estimator_audit.migrate.scopes import end_position, position
from estimator_audit.migrate.support_files import SERVING_FUNCTIONS, SUPPORT_MODULE, needed_by

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

SPECS = {
    "TrainSpec": ("input_fn", "max_steps", "hooks", "saving_listeners"),
    "EvalSpec": ("input_fn", "steps", "name", "hooks", "exporters", "start_delay_secs", "throttle_secs"),
}
# What the rewrite reproduces of each spec; the rest only schedules evaluation (start delay and
# throttle: train_and_evaluate evaluates the final model whatever they say) or names it.
SPEC_HANDLED = {"TrainSpec": frozenset({"input_fn", "max_steps"}),
                "EvalSpec": frozenset({"input_fn", "steps", "name", "exporters", "start_delay_secs",
                                       "throttle_secs"})}
EXPORTERS = ("LatestExporter", "FinalExporter", "BestExporter")
EXPORTER_PARAMETERS = ("name", "serving_input_receiver_fn")
EVAL_SPEC_DEFAULT_STEPS = "100"  # EvalSpec(steps=100) unless told otherwise


@dataclass(frozen=True)
class Replacement:
    """New code for one site: an expression for a call, or statements for a statement."""

    context: ModuleContext
    node: ast.AST
    text: str
    statements: tuple[str, ...] = ()  # for a statement: the statements that take its place


@dataclass(frozen=True)
class Plan:
    """One estimator's rewrite across the program."""

    construction: Construction | CustomConstruction
    constructor_context: ModuleContext
    flow: Flow
    replacements: tuple[Replacement, ...]
    obsolete: tuple[tuple[ModuleContext, ast.AST], ...]  # (module, spec or exporter value)
    removed: tuple[tuple[ModuleContext, ast.stmt], ...]  # statements that go whatever reads them
    uses_os: frozenset[int]  # ids of the modules whose new code calls os.path.join
    metrics: tuple[Metric, ...]  # metrics add_metrics added


def free_name(context: ModuleContext, wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted_2`, ... : a module-level name the file does not bind yet."""
    bound = scopes(context).module_names() | taken
    name, number = wanted, 1
    while name in bound:
        number += 1
        name = f"{wanted}_{number}"
    taken.add(name)
    return name


def top_level_statement(context: ModuleContext, node: ast.AST) -> ast.AST:
    """The module-level statement that holds a node."""
    table = scopes(context)
    current = node
    while table.parent(current) is not None and table.parent(current) is not context.tree:
        current = table.parent(current)  # type: ignore[assignment]
    return current


def plan_for(context: ModuleContext, constructor: ast.Call) -> Plan:
    """Read the estimator and follow it through the program; every site must be rewritable.
    Worked out once per construction and audit (EA101's fix, and EA105/EA106 asking whether
    the module's estimators can be rewritten at all)."""
    plans = context.memo.setdefault("plans", {})
    key = id(constructor)
    if key not in plans:
        try:
            plans[key] = planned(context, constructor)
        except Unsupported as reason:
            plans[key] = reason
    found = plans[key]
    if isinstance(found, Unsupported):
        raise found
    assert isinstance(found, Plan)
    return found


def unmigrated_estimator(context: ModuleContext, follow_premade: bool = True) -> str | None:
    """The first estimator the module builds that the Keras rewrite does not migrate (a custom
    one it cannot rewrite, or, with `follow_premade`, a premade one it cannot follow), as
    `tf.estimator.DNNClassifier (line 40)`, or None: fixes that make the module's columns and
    configs Keras objects are only right where its estimators become Keras models. Premade
    ones are only judged in the module being audited, where the rewrite's plan is made."""
    key = f"unmigrated:{follow_premade}"
    memo = context.memo
    if key not in memo:
        memo[key] = None
        for node in ast.walk(context.tree):
            if not isinstance(node, ast.Call) or estimator_class(context.call_name(node)) is None:
                continue
            try:
                if follow_premade or not is_premade(context, node):
                    plan_for(context, node)  # a custom estimator's model_fn may be rewritten too
            except Unsupported:
                memo[key] = f"{context.source.segment(context.span(node.func))} ({where(context, node)})"
                break
    found = memo[key]
    return found if isinstance(found, str) else None


def unmigrated_nearby(context: ModuleContext) -> str | None:
    """unmigrated_estimator for the module, and the custom estimators of the program's modules
    it imports and of those that import it: columns built in `featurizer.py` feed the estimator
    `model.py` builds, a RunConfig made in `task.py` the one `model.py` builds."""
    found = unmigrated_estimator(context)
    if found is not None:
        return found
    project = context.project
    path = context.source.path
    neighbours = [*project.importers(path), *(str(p) for p in project.imported_paths(path))]
    for neighbour in neighbours:
        other = project.context(neighbour)
        found = unmigrated_estimator(other, follow_premade=False) if other is not None else None
        if found is not None:
            return found  # `where` names the other module
    return None


def planned(context: ModuleContext, constructor: ast.Call) -> Plan:
    construction: Construction | CustomConstruction
    if is_premade(context, constructor):
        construction = read_construction(context, constructor)
        described: Estimator | ModelFunction = construction.estimator
    else:
        construction = read_custom(context, constructor, module_keras(context))
        described = construction.model
    flow = estimator_flow(context, constructor)
    replacements: list[Replacement] = []
    obsolete: list[tuple[ModuleContext, ast.AST]] = []
    uses_os: set[int] = set()
    inputs = InputReader()
    for site in flow.sites:
        replacement, read = site_replacement(site, described, inputs)
        replacements.append(replacement)
        obsolete += [(site.context, node) for node in read]
        if "os.path.join" in replacement.text:
            uses_os.add(id(site.context))
    users = [*(site.context for site in flow.sites), *(holder.context for holder in flow.holders)]
    modules = {id(module): module for module in (context, *users)}
    changed = set(modules)  # the modules the rewrite changes
    removed: list[tuple[ModuleContext, ast.stmt]] = []
    metrics: list[Metric] = []
    for wrapper in flow.wrappers:
        if id(wrapper.context) not in changed:
            raise Unsupported(f"add_metrics() at {where(wrapper.context, wrapper.call)} is in a module the "
                              "rewrite does not change")
        if not isinstance(described, Estimator):
            raise Unsupported(f"add_metrics() at {where(wrapper.context, wrapper.call)} adds metrics to a "
                              "custom Estimator: add them to its model_fn's eval_metric_ops")
        metrics += metric_function(wrapper.context, wrapper.metric_fn, described.head, context)
        statement = scopes(wrapper.context).parent(wrapper.call)
        if isinstance(statement, ast.Assign) and [getattr(t, "id", None) for t in statement.targets] == [
                wrapper.receiver]:
            removed.append((wrapper.context, statement))  # `estimator = add_metrics(estimator, ...)`
        else:
            replacements.append(Replacement(wrapper.context, wrapper.call, wrapper.receiver))
    for iterated in {id(found.node): found for found in inputs.iterated}.values():
        if id(iterated.context) not in changed:
            where_it_is = f"{iterated.context.source.path}:{iterated.node.lineno}"
            raise Unsupported(f"the input_fn at {where_it_is} returns tensors from an iterator, in a module "
                              "the rewrite does not change; make it return its dataset")
        replacements.append(Replacement(iterated.context, iterated.node, iterated.dataset))
        removed += [(iterated.context, statement) for statement in iterated.dropped]
    names = [metric.name for metric in metrics]
    if len(set(names)) != len(names):
        raise Unsupported(f"add_metrics adds {names}: a metric name twice")
    for module in modules.values():
        removed += [(module, statement) for statement in eager_switches(module)]
    return Plan(construction, context, flow, tuple(replacements), tuple(obsolete), tuple(removed),
                frozenset(uses_os), tuple(metrics))


def eager_switches(context: ModuleContext) -> list[ast.stmt]:
    """The statements that turn eager execution off in a module the rewrite changes: Keras 3
    trains eagerly, so they go with the estimator, unless the module also builds a TF1 graph
    that needs graph mode (then the estimator stays, and the finding says why)."""
    switches: list[ast.Call] = []
    graph_code: list[ast.Call] = []
    for node in ast.walk(context.tree):
        name = context.call_name(node) if isinstance(node, ast.Call) else None
        if name is None or not name.startswith("tensorflow.") or name.rsplit(".", 1)[-1] not in GRAPH_ONLY:
            continue
        assert isinstance(node, ast.Call)
        (switches if name.rsplit(".", 1)[-1] in EAGER_SWITCHES else graph_code).append(node)
    if not switches:
        return []
    off = f"`{one_line(text(context, switches[0]))}` at {where(context, switches[0])}"
    if graph_code:
        raise Unsupported(f"the module turns eager execution off ({off}) and builds a TF1 graph "
                          f"(`{one_line(text(context, graph_code[0]))}` at {where(context, graph_code[0])}); "
                          "a Keras 3 model trains eagerly")
    statements = [scopes(context).parent(call) for call in switches]
    if not all(isinstance(statement, ast.Expr) for statement in statements):
        raise Unsupported(f"the module turns eager execution off ({off}) in an expression the rewrite "
                          "cannot remove; a Keras 3 model trains eagerly")
    return [statement for statement in statements if isinstance(statement, ast.stmt)]


def site_replacement(site: Site, estimator: Estimator | ModelFunction, inputs: InputReader
                     ) -> tuple[Replacement, list[ast.AST]]:
    """The Keras code for one use, and the spec or exporter values it read (maybe obsolete)."""
    context, receiver, arguments = site.context, site.receiver, site.arguments

    def steps(name: str) -> str | None:
        node = arguments.get(name)
        return text(context, node) if node is not None and not is_none(node) else None

    needed = {"train": "input_fn", "evaluate": "input_fn", "predict": "input_fn", "export": "export_dir_base"}
    if needed.get(site.method, "") not in arguments and site.method in needed:
        raise Unsupported(f"{site.method}() at {where(context, site.call)} is not given its "
                          f"{needed[site.method]}")
    if site.method == "train":
        dataset = inputs.dataset_expression(context, arguments["input_fn"], training=True)
        code = emit.fit_text(receiver, dataset, steps("steps"), steps("max_steps"))
        return Replacement(context, site.call, code), []
    if site.method == "evaluate":
        dataset = inputs.dataset_expression(context, arguments["input_fn"])
        return Replacement(context, site.call, emit.evaluate_text(receiver, dataset, steps("steps"))), []
    if site.method == "predict":
        dataset = inputs.dataset_expression(context, arguments["input_fn"])
        return Replacement(context, site.call, emit.predictions(receiver, dataset)), []
    if site.method == "export":
        if isinstance(estimator, ModelFunction):
            raise Unsupported(f"the custom Estimator is exported at {where(context, site.call)}: its "
                              "serving signature comes from the model_fn's export_outputs, which the rewrite "
                              "does not translate")
        export_dir = text(context, arguments["export_dir_base"])
        serving = serving_function(context, arguments["serving_input_receiver_fn"])
        return Replacement(context, site.call, emit.export(receiver, export_dir, serving)), []
    return train_and_evaluate(site, estimator, inputs)


def serving_function(context: ModuleContext, node: ast.expr) -> str:
    """The serving_input_receiver_fn an export is given: a function of the program (whose
    tf.estimator.export helpers EA106 spells from keras_feature_columns), one a function of the
    program makes, or a call of one of those helpers."""
    target = node.func if isinstance(node, ast.Call) else node
    found = definition(context, target) if isinstance(target, (ast.Name, ast.Attribute)) else None
    made = context.call_name(node) if isinstance(node, ast.Call) else None
    if (found is None or not isinstance(found.node, (ast.FunctionDef, ast.AsyncFunctionDef))) and not (
            made and made.rsplit(".", 1)[-1] in SERVING_FUNCTIONS):
        raise Unsupported(f"the serving input function `{text(context, node)}` at {where(context, node)} is "
                          "not a function the rewrite can read")
    return one_line(text(context, node))


def spec(context: ModuleContext, node: ast.expr, kind: str) -> tuple[dict[str, ast.expr], list[ast.AST]]:
    """The arguments of a TrainSpec/EvalSpec given directly or through a variable."""
    read: list[ast.AST] = []
    value = node
    if isinstance(node, ast.Name):
        binding = scopes(context).reaching(node)
        found = scopes(context).value(binding) if binding is not None else None
        if found is None:
            raise Unsupported(f"`{node.id}` at {where(context, node)} is not a {kind} this program shows")
        read.append(found)
        value = found
    name = context.call_name(value) if isinstance(value, ast.Call) else None
    if not isinstance(value, ast.Call) or name not in (f"tensorflow.estimator.{kind}",
                                                       f"tensorflow.compat.v1.estimator.{kind}"):
        raise Unsupported(f"`{text(context, node)}` at {where(context, node)} is not a {kind} this program "
                          "shows")
    parameters = SPECS[kind]
    found_arguments = {p: a for p in parameters if isinstance(a := argument(value, p, parameters), ast.expr)}
    extra = sorted(p for p, a in found_arguments.items() if p not in SPEC_HANDLED[kind] and not is_none(a))
    if extra:
        raise Unsupported(f"{kind}({', '.join(f'{p}=...' for p in extra)}) at {where(context, value)} is not "
                          "reproduced")
    return found_arguments, read


def exporters(context: ModuleContext, node: ast.expr) -> tuple[list[tuple[str, ast.expr]], list[ast.AST]]:
    """(name, serving_input_receiver_fn) of each exporter an EvalSpec is given."""
    read: list[ast.AST] = []
    items: list[ast.expr] = list(node.elts) if isinstance(node, (ast.List, ast.Tuple)) else [node]
    found = []
    for item in items:
        value = item
        if isinstance(item, ast.Name):
            binding = scopes(context).reaching(item)
            assigned = scopes(context).value(binding) if binding is not None else None
            if assigned is None:
                raise Unsupported(f"exporter `{item.id}` at {where(context, item)} is not one this program "
                                  "shows")
            read.append(assigned)
            value = assigned
        name = context.call_name(value) if isinstance(value, ast.Call) else None
        short = (name or "").rsplit(".", 1)[-1]
        if not isinstance(value, ast.Call) or short not in EXPORTERS or not (name or "").startswith(
                ("tensorflow.estimator.", "tensorflow.compat.v1.estimator.")):
            raise Unsupported(f"exporter `{text(context, item)}` at {where(context, item)} is not one the "
                              "rewrite knows")
        export_name = argument(value, "name", EXPORTER_PARAMETERS)
        serving = argument(value, "serving_input_receiver_fn", EXPORTER_PARAMETERS)
        if not isinstance(export_name, ast.expr) or not isinstance(serving, ast.expr):
            raise Unsupported(f"exporter at {where(context, value)} has no name or serving_input_receiver_fn")
        found.append((text(context, export_name), serving))
    return found, read


def train_and_evaluate(site: Site, estimator: Estimator | ModelFunction, inputs: InputReader
                       ) -> tuple[Replacement, list[ast.AST]]:
    """`train_and_evaluate(est, train_spec, eval_spec)`: train to max_steps, evaluate the final
    model (what train_and_evaluate always does last; its throttled evaluations in between
    depend on wall-clock time), then export as the exporters did."""
    context, receiver = site.context, site.receiver
    train, read = spec(context, site.arguments["train_spec"], "TrainSpec")
    evaluation, read_eval = spec(context, site.arguments["eval_spec"], "EvalSpec")
    read += read_eval
    max_steps = train.get("max_steps")
    steps = text(context, max_steps) if max_steps is not None and not is_none(max_steps) else None
    trained = inputs.dataset_expression(context, train["input_fn"], training=True)
    lines = [emit.fit_text(receiver, trained, None, steps)]
    eval_steps = evaluation.get("steps")
    steps_text = EVAL_SPEC_DEFAULT_STEPS if eval_steps is None else (
        None if is_none(eval_steps) else text(context, eval_steps))
    evaluated = inputs.dataset_expression(context, evaluation["input_fn"])
    lines.append(emit.evaluate_text(receiver, evaluated, steps_text))
    if "exporters" in evaluation and not is_none(evaluation["exporters"]):
        if isinstance(estimator, ModelFunction):
            raise Unsupported("the EvalSpec exports the custom Estimator, whose serving signature comes from "
                              "the model_fn's export_outputs, which the rewrite does not translate")
        if estimator.model_dir is None and estimator.config is None:
            raise Unsupported("exporters write into the estimator's model_dir, and it has none")
        found, read_exporters = exporters(context, evaluation["exporters"])
        read += read_exporters
        lines += [emit.export(receiver, f'os.path.join({receiver}.model_dir, "export", {name})',
                              serving_function(context, serving))
                  for name, serving in found]
    statement = scopes(context).parent(site.call)
    assert statement is not None  # train_and_evaluate_site took only an expression statement
    return Replacement(context, statement, "\n".join(lines), tuple(lines)), read


def module_imports(context: ModuleContext, plan: Plan, needs_keras: bool) -> tuple[str, tuple[str, ...]]:
    """How this module spells Keras, and the imports its new code needs."""
    imports: tuple[str, ...] = (support_import(context),)
    keras = "keras"
    if needs_keras:
        keras = module_keras(context)
        imports += keras_spelling(context)[1]
    if id(context) in plan.uses_os:
        imports += ("import os",) if context.alias_for("os") != "os" else ()
    return keras, imports


def module_keras(context: ModuleContext) -> str:
    """How the module's new code spells Keras."""
    try:
        return keras_spelling(context)[0]
    except LookupError:
        raise Unsupported("the file binds `keras` to something else") from None


def support_import(context: ModuleContext) -> str:
    """`import keras_feature_columns` in the style the module imports its siblings."""
    bound = scopes(context).bindings_in(context.tree, SUPPORT_MODULE)
    if not all(isinstance(b.node, (ast.Import, ast.ImportFrom)) for b in bound):
        raise Unsupported(f"the file binds `{SUPPORT_MODULE}` to something else")
    return needed_by(context)[1]


def local_edits(context: ModuleContext, plan: Plan) -> list[Edit]:
    """This module's part of the plan: its sites, and the assignments they leave unread."""
    edits = []
    replaced: list[ast.AST] = []
    for replacement in plan.replacements:
        if replacement.context is not context:
            continue
        edits.append(replace_edit(context, replacement))
        replaced.append(replacement.node)
    candidates = [node for owner, node in plan.obsolete if owner is context]
    if context is plan.constructor_context:
        replaced.append(plan.construction.call)
        candidates += plan.construction.followed
    removed = [statement for owner, statement in plan.removed if owner is context]
    edits += [Edit(EditAction.REMOVE_STATEMENT, context.span(statement))
              for statement in [*removed, *obsolete_assignments(context, replaced, candidates)]]
    edits.append(needed_by(context)[0])
    return edits


def formatted(context: ModuleContext, replacement: Replacement) -> str:
    """The replacement wrapped to the line width where it lands: statements at their block's
    indentation, an expression after the start of its line when it ends the statement."""
    span = context.span(replacement.node)
    line = context.source.line_text(span[0])
    if replacement.statements:
        indent = line[: span[1] - 1]
        return "\n".join(laid_out(indent, code) for code in replacement.statements)
    statement = scopes(context).parent(replacement.node)
    if span[2] == span[0] or (isinstance(statement, (ast.Expr, ast.Assign, ast.AugAssign, ast.Return))
                              and end_position(statement) == end_position(replacement.node)):
        return laid_out(line[: span[1] - 1], replacement.text)
    return replacement.text


def replace_edit(context: ModuleContext, replacement: Replacement) -> Edit:
    action = EditAction.REPLACE_STATEMENT if replacement.statements else EditAction.REPLACE
    return Edit(action, context.span(replacement.node), text=formatted(context, replacement))


def builder_name(context: ModuleContext, constructor: ast.Call, class_name: str) -> str:
    """`build_<variable>`, numbered when the module builds several estimators into one variable
    (a notebook that tries a linear model, then a DNN), and free in the module."""
    wanted = f"build_{wanted_name(context, constructor) or snake(class_name)}"
    earlier = [node for node in ast.walk(context.tree)
               if isinstance(node, ast.Call) and is_premade(context, node)
               and position(node) < position(constructor)
               and f"build_{wanted_name(context, node) or snake(class_name)}" == wanted]
    return free_name(context, f"{wanted}_{len(earlier) + 1}" if earlier else wanted, set())


def wanted_name(context: ModuleContext, constructor: ast.Call) -> str | None:
    holder = scopes(context).parent(constructor)
    if isinstance(holder, ast.Assign) and len(holder.targets) == 1:
        target = holder.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    return None


def seeding_edits(context: ModuleContext, seed: object, keras: str) -> list[Edit]:
    """The seed after the imports, unless the module seeds already: the estimator seeded the
    graph its input_fn ran in; Keras reads datasets the program made before building the model,
    so the seed goes first (the estimator's own seed when its RunConfig shows one)."""
    if module_seeded(context):
        return []
    value = seed if isinstance(seed, int) else context.settings.seed
    return [Edit(EditAction.INSERT_AFTER_IMPORTS, text=f"{keras}.utils.set_random_seed({value})")]


def module_seeded(context: ModuleContext) -> bool:
    """Whether a module-level statement already seeds TensorFlow's global RNG."""
    return any(isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
               and context.call_name(statement.value) in GLOBAL_SEEDING_CALLS
               for statement in context.tree.body)


def keras_rewrite(context: ModuleContext, constructor: ast.Call) -> Fix:
    """The unsafe fix, in the module that builds the estimator."""
    plan = plan_for(context, constructor)
    assert isinstance(plan.construction, Construction)
    estimator = plan.construction.estimator
    keras, imports = module_imports(context, plan, needs_keras=True)
    name = builder_name(context, constructor, estimator.class_name)
    code = emit.builder(estimator, name, context.settings.seed, emit.Spelling(keras),
                        plan.construction.comments, plan.metrics)
    anchor = context.span(top_level_statement(context, constructor))
    edits = [Edit(EditAction.INSERT_BEFORE_STATEMENT, anchor, text=code),
             replace_edit(context, Replacement(context, constructor, emit.construction(estimator, name))),
             *local_edits(context, plan)]
    edits += seeding_edits(context, estimator.seed, keras)
    # Alone in its fix round: the graph-mode switch and Keras 2 (fixes the module's TF1 code may
    # carry) would break the Keras 3 model; the next round's audit sees it and offers neither.
    return Fix(FixSafety.UNSAFE, description(plan), tuple(edits), imports, exclusive=True)


def holder_rewrite(context: ModuleContext, holder: ast.Call, plan: Plan) -> Fix:
    """The unsafe fix in a module that uses an estimator another module builds."""
    _, imports = module_imports(context, plan, needs_keras=False)
    return Fix(FixSafety.UNSAFE, description(plan), tuple(local_edits(context, plan)), imports)


def custom_rewrite(context: ModuleContext, constructor: ast.Call) -> Fix:
    """The unsafe fix of a custom Estimator: its model_fn becomes a Keras model class (in the
    function's place), the construction a builder's call, its uses fit/evaluate/predict."""
    plan = plan_for(context, constructor)
    construction = plan.construction
    assert isinstance(construction, CustomConstruction)
    model = construction.model
    function = construction.function
    uses = [node for node in ast.walk(context.tree) if isinstance(node, ast.Name) and node.id == function.name
            and isinstance(node.ctx, ast.Load) and not (node in constructor.args or any(
                node is keyword.value for keyword in constructor.keywords))]
    if uses:
        raise Unsupported(f"the model_fn `{function.name}` is also used at {where(context, uses[0])}")
    keras, imports = module_imports(context, plan, needs_keras=True)
    variable = wanted_name(context, constructor)
    wanted = camel(variable) if variable else camel(function.name)
    if wanted == "EstimatorModel":  # the support module's base class: name it after the model_fn
        wanted = camel(function.name)
    class_name = free_name(context, wanted, set())
    name = builder_name(context, constructor, "estimator")
    edits = [Edit(EditAction.REPLACE_STATEMENT, context.span(function),
                  text=emit.model_fn_class(model, class_name, keras).rstrip("\n")),
             Edit(EditAction.INSERT_BEFORE_STATEMENT, context.span(top_level_statement(context, constructor)),
                  text=emit.model_fn_builder(model, class_name, name, context.settings.seed, keras)),
             replace_edit(context, Replacement(context, constructor, emit.construction(model, name))),
             *(Edit(EditAction.REPLACE, site.span, text=site.text) for site in construction.helper_edits),
             *local_edits(context, plan)]
    edits += seeding_edits(context, model.seed, keras)
    optimizer = model.optimizer.split("(", 1)[0].rsplit(".", 1)[-1]
    return Fix(FixSafety.UNSAFE, f"Rewrite the custom Estimator as a Keras model running `{function.name}` "
               f"({optimizer}) and its {len(plan.flow.sites)} use(s)", tuple(edits), imports, exclusive=True)


def camel(name: str) -> str:
    """model_fn -> Model, cnn_model_fn -> CnnModel: the class that runs that model_fn."""
    words = [word for word in name.removesuffix("_fn").split("_") if word]
    joined = "".join(word[:1].upper() + word[1:] for word in words) or "Estimator"
    return joined if joined.endswith("Model") else f"{joined}Model"


def description(plan: Plan) -> str:
    assert isinstance(plan.construction, Construction)
    estimator = plan.construction.estimator
    return (f"Rewrite {estimator.class_name} as a Keras model ({described(estimator)}) and its "
            f"{len(plan.flow.sites)} use(s)")


def described(estimator: Estimator) -> str:
    parts = []
    if estimator.dnn is not None:
        hidden = estimator.dnn.hidden_units
        parts.append(f"hidden layers {list(hidden)}" if isinstance(hidden, tuple) else "hidden layers from "
                     f"`{hidden.text}`")
        optimizer = estimator.dnn.optimizer
    else:
        assert estimator.linear is not None
        optimizer = estimator.linear.optimizer
    rate = dict(optimizer.arguments).get("learning_rate")
    at = f" at learning rate {emit.value_text(rate)}" if rate is not None else ""
    parts.append(f"{optimizer.keras_class}{at}")
    parts.append(f"{estimator.head.described}, loss reduced by {estimator.head.loss_reduction}")
    return ", ".join(parts)


def snake(name: str) -> str:
    """DNNLinearCombinedClassifier -> dnn_linear_combined_classifier."""
    out = []
    for index, char in enumerate(name):
        following = name[index + 1] if index + 1 < len(name) else ""
        if char.isupper() and index and (name[index - 1].islower() or following.islower()):
            out.append("_")
        out.append(char.lower())
    return "".join(out)
