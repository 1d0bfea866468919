"""Fix builders several rules share: statements spelled the way the file already spells things."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety
from estimator_audit.knowledge.calls import UNKNOWN, argument, is_none
from estimator_audit.knowledge.seeding import RNG
from estimator_audit.layout import LINE_WIDTH, comments_in, one_line
from estimator_audit.text_edits import bound_names

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext


def top_level_alias(context: ModuleContext, qualified: str) -> str | None:
    """The module's name for a qualified name, when a top-level import binds it: a statement put
    after the imports can use it (not one imported only in the `__main__` block or a function)."""
    alias = context.alias_for(qualified)
    if alias is None or not any(alias in bound_names(statement) for statement in context.tree.body):
        return None
    return alias


def module_spelling(context: ModuleContext, module: str) -> tuple[str, tuple[str, ...]] | None:
    """How the file names a module (`logging`, `absl.app`), with the import to add: its own
    top-level import's name, else the module under its own name; None when the file binds that
    name to something else (`from absl import logging` makes `logging` another module)."""
    alias = top_level_alias(context, module)
    if alias is not None:
        return alias, ()
    root = module.split(".", 1)[0]
    if root not in context.module_bindings or top_level_alias(context, root) == root:
        return module, (f"import {module}",)
    return None


def keras_spelling(context: ModuleContext) -> tuple[str, tuple[str, ...]]:
    """How the file names Keras (`keras`, `tf.keras`), with the import to add when it cannot.

    On TensorFlow 2.16+ `tf.keras` is Keras 3, so a file that imports only TensorFlow keeps
    spelling Keras through it; one that imports tf_keras (Keras 2) seeds through it rather than
    import Keras 3 beside it."""
    spellings = (("tf_keras", ""), ("keras", ""), ("tensorflow.keras", ""), ("tensorflow", ".keras"))
    for qualified, path in spellings:
        alias = top_level_alias(context, qualified)
        if alias is not None:
            return f"{alias}{path}", ()
    if "keras" not in context.module_bindings:
        return "keras", ("import keras",)
    raise LookupError("the file binds `keras` to something other than Keras")


def main_block(context: ModuleContext, calls: list[ast.Call]) -> ast.If | None:
    """The module's top-level `if __name__ == "__main__":` block that holds all the calls, when
    other modules of the program import the module (Mask R-CNN's parallel_model.py and its
    self-test): a statement put after the imports would run whenever they import it."""
    for statement in context.tree.body:
        if (isinstance(statement, ast.If) and "__main__" in ast.unparse(statement.test)
                and all(statement.lineno <= call.lineno <= (statement.end_lineno or 0) for call in calls)):
            return statement if context.project.importers(context.source.path) else None
    return None


def insert_where_it_runs(context: ModuleContext, calls: list[ast.Call], description: str, statement: str,
                         imports: tuple[str, ...] = ()) -> Fix | None:
    """A statement after the imports, or first in the `__main__` block that holds the calls of a
    module other modules import."""
    if not statement:
        return None
    block = main_block(context, calls)
    if block is None:
        return insert_statement(f"{description} after the imports", statement, imports)
    edit = Edit(EditAction.INSERT_AT_BLOCK_START, context.span(block.test), text=statement)
    return Fix(FixSafety.SAFE, f"{description} first in the `__main__` block (other modules import this one)",
               (edit,), imports)


def seed_everything(context: ModuleContext) -> tuple[str, tuple[str, ...]]:
    """`keras.utils.set_random_seed(N)` through the file's own import of Keras or TensorFlow,
    with the import to add when it has none. It seeds Python, NumPy and TensorFlow."""
    try:
        keras, imports = keras_spelling(context)
    except LookupError:
        return "", ()
    return f"{keras}.utils.set_random_seed({context.settings.seed})", imports


def compat_v1_call(context: ModuleContext, call: str) -> str:
    """`tf.compat.v1.<call>` through the file's alias (`tf.<call>` after `import
    tensorflow.compat.v1 as tf`), or '' when the file names TensorFlow nowhere."""
    v1 = top_level_alias(context, "tensorflow.compat.v1")
    if v1 is not None:
        return f"{v1}.{call}"
    tf = top_level_alias(context, "tensorflow")
    return f"{tf}.compat.v1.{call}" if tf is not None else ""


def seed_graph(context: ModuleContext) -> str:
    """`tf.compat.v1.set_random_seed(N)` for TF1 graph code, through the file's alias, or ''."""
    return compat_v1_call(context, f"set_random_seed({context.settings.seed})")


def seed_generator(context: ModuleContext, rng: RNG) -> tuple[str, tuple[str, ...]]:
    """The call that seeds one global generator, through the file's own imports (with the
    import to add): for TF1 graph programs, where importing Keras to seed is out of place."""
    seed = context.settings.seed
    if rng is RNG.TENSORFLOW:
        return seed_graph(context), ()
    # (the module an alias may name, the seeding call under it), preferred first
    spellings = [("numpy", "random.seed"), ("numpy.random", "seed")] if rng is RNG.NUMPY else [
        ("random", "seed")]
    for module, call in spellings:
        alias = context.alias_for(module)
        if alias is not None:
            return f"{alias}.{call}({seed})", ()
    module, call = spellings[0]
    if module in context.module_bindings:
        return "", ()  # the name means something else here
    return f"{module}.{call}({seed})", (f"import {module}",)


def insert_statement(description: str, statement: str, imports: tuple[str, ...] = (),
                     safety: FixSafety = FixSafety.SAFE) -> Fix | None:
    """A fix that adds one statement after the module's imports (and the imports it needs)."""
    if not statement:
        return None
    return Fix(safety, description, (Edit(EditAction.INSERT_AFTER_IMPORTS, text=statement),), imports)


# tensorflow-estimator 2.15's signatures (checked with inspect in the legacy runtime).
INPUT_FN_PARAMETERS = {
    "numpy_input_fn": ("x", "y", "batch_size", "num_epochs", "shuffle", "queue_capacity", "num_threads"),
    "pandas_input_fn": ("x", "y", "batch_size", "num_epochs", "shuffle", "queue_capacity", "num_threads",
                        "target_column"),
}


def queue_pipeline(context: ModuleContext, call: ast.Call, helper: str) -> str | None:
    """`numpy_input_fn(x, y, batch_size=32, shuffle=True)` as the tf.data dataset its input
    function stood for: `tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1000, seed=42)
    .batch(32)` (the helper's defaults as tensorflow-estimator 2.15 has them). Written over
    several lines in parentheses when it would not fit where the call stands, or when comments
    were written inside the call (they are kept, above the pipeline). None when the call cannot
    be read (*args, a target_column, a shuffle that is not a literal)."""
    parameters = INPUT_FN_PARAMETERS.get(helper)
    tf = context.alias_for("tensorflow")
    if parameters is None or tf is None:
        return None
    args = {name: argument(call, name, parameters) for name in parameters}
    shuffle = args["shuffle"]
    if (any(value is UNKNOWN for value in args.values()) or args["x"] is None
            or args.get("target_column") is not None
            or not (isinstance(shuffle, ast.Constant) and isinstance(shuffle.value, bool))):
        return None

    def text(node: object) -> str:
        assert isinstance(node, ast.AST)
        return one_line(context.source.segment(context.span(node)))

    features = text(args["x"]) if helper == "numpy_input_fn" else f"dict({text(args['x'])})"
    labels = args["y"]
    elements = f"({features}, {text(labels)})" if labels is not None and not is_none(labels) else features
    steps = [f"{tf}.data.Dataset.from_tensor_slices({elements})"]
    if shuffle.value:
        capacity = text(args["queue_capacity"]) if args["queue_capacity"] is not None else "1000"
        steps.append(f".shuffle({capacity}, seed={context.settings.seed})")
    epochs = args["num_epochs"]
    if epochs is not None:
        steps.append(".repeat()" if is_none(epochs) else f".repeat({text(epochs)})")
    steps.append(f".batch({text(args['batch_size']) if args['batch_size'] is not None else '128'})")
    comments = comments_in(context.source.segment(context.span(call)))
    prefix = context.source.line_text(call.lineno)[: context.span(call)[1] - 1]
    if not comments and len(prefix) + len("lambda: ") + sum(map(len, steps)) <= LINE_WIDTH:
        return "".join(steps)
    return "\n".join(["(", *(f"    {line}" for line in [*comments, *steps]), ")"])


# tf.contrib.learn's estimators, Experiment and learn_runner, however imported.
CONTRIB_LEARN = re.compile(r"contrib\.learn|contrib import learn|learn_runner")


def used_as_tensors(context: ModuleContext, call: ast.Call, parent: ast.AST | None) -> bool:
    """Whether the program reads the input function's (features, labels) itself, which a
    Dataset would not give: the name it is bound to is called and its result unpacked
    (`features, labels = train_input()`, `Namespace(**input_fn())`), or tf.contrib.learn drives
    it (its estimators' `fit(input_fn=...)` and Experiments unpack `features, labels =
    input_fn()`)."""
    if CONTRIB_LEARN.search(context.source.text):
        return True
    targets = parent.targets if isinstance(parent, ast.Assign) else []
    names = {t.id for t in targets if isinstance(t, ast.Name)}
    for parent_node in ast.walk(context.tree) if names else ():
        for child in ast.iter_child_nodes(parent_node):
            if (isinstance(child, ast.Call) and isinstance(child.func, ast.Name)
                    and child.func.id in names and unpacks(parent_node, child)):
                return True
    for node in ast.walk(context.tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr == "fit" and any(
                keyword.arg == "input_fn" and (keyword.value is call or (
                    isinstance(keyword.value, ast.Name) and keyword.value.id in names))
                for keyword in node.keywords):
            return True  # a tf.contrib.learn estimator's fit (Keras's takes no input_fn)
    return False


def unpacks(parent: ast.AST, value: ast.expr) -> bool:
    """Whether `parent` reads `value` as features and labels: `features, labels = value`,
    `**value`, `value["x"]`, `value[0]`, `*value`."""
    return ((isinstance(parent, ast.Assign) and parent.value is value
             and any(isinstance(t, (ast.Tuple, ast.List)) for t in parent.targets))
            or (isinstance(parent, ast.keyword) and parent.arg is None)
            or (isinstance(parent, ast.Subscript) and parent.value is value)
            or isinstance(parent, ast.Starred))


def input_fn_as_dataset(context: ModuleContext, call: ast.Call, helper: str) -> Fix | None:
    """The queue-based helper as an input function over its tf.data pipeline:
    `lambda: <queue_pipeline(...)>`.

    Unsafe: the queue-based helper mixed epochs and ran feeder threads; the pipeline shuffles
    with the configured seed, so the batches (and the training) differ from the old ones.
    """
    parent = context.ancestors[-1] if context.ancestors else None
    if isinstance(parent, ast.Attribute) or (isinstance(parent, ast.Call) and parent.func is call):
        return None  # called or dereferenced on the spot: a lambda there would change meaning
    if used_as_tensors(context, call, parent):
        return None  # `features, labels = input_fn()`: a Dataset there would break the program
    if context.imports_any(("horovod",)):
        return None  # one shuffle seed would give every Horovod worker the same batches
    pipeline = queue_pipeline(context, call, helper)
    if pipeline is None:
        return None
    edit = Edit(EditAction.REPLACE, context.span(call), text=f"lambda: {pipeline}")
    return Fix(FixSafety.UNSAFE, "replace the queue-based input helper by a seeded tf.data pipeline", (edit,))
