"""The EA101 fix: a premade estimator and its call sites, rewritten as Keras.

Edits: the builder function (and a predictions helper when predict() is used) goes in right
before the top-level statement that builds the estimator; the constructor becomes a call of
the builder; each train/evaluate/predict call becomes fit/evaluate/predict on the same
dataset. Raises Unsupported, with the reason, when any part cannot be rewritten faithfully.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety
from estimator_audit.fixes import keras_spelling
from estimator_audit.migrate.emit import (
    Spelling,
    builder,
    call_site,
    described,
    predictions_helper,
    two_optimizer_model,
    uses_predict,
)
from estimator_audit.migrate.frontend import Migration, read_migration
from estimator_audit.migrate.model import Unsupported

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext


def free_name(context: ModuleContext, wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted_2`, ... : a module-level name the file does not bind yet."""
    bound = set(context.module_bindings) | taken
    name, number = wanted, 1
    while name in bound:
        number += 1
        name = f"{wanted}_{number}"
    taken.add(name)
    return name


def module_alias(context: ModuleContext, qualified: tuple[str, ...], short: str
                 ) -> tuple[str, tuple[str, ...]]:
    """The file's name for a module (the first of `qualified` it imports), or `short` and the
    import to add."""
    for name in qualified:
        alias = context.alias_for(name)
        if alias is not None:
            return alias, ()
    if short in context.module_bindings:
        raise Unsupported(f"the file binds `{short}` to something other than {qualified[0]}")
    return short, (f"import {qualified[0]} as {short}",)


def spelling(context: ModuleContext, needs: Migration) -> tuple[Spelling, tuple[str, ...]]:
    """How the rewrite names Keras, NumPy (for predictions) and TensorFlow (for a wide-and-deep
    training step), with the imports to add for those the file lacks and the code needs."""
    try:
        keras, imports = keras_spelling(context)
    except LookupError:
        raise Unsupported("the file binds `keras` to something else") from None
    numpy, numpy_import = module_alias(context, ("numpy",), "np")
    tensorflow, tf_import = module_alias(context, ("tensorflow", "tensorflow.compat.v1"), "tf")
    if uses_predict(needs):
        imports += numpy_import
    if combined(needs):
        imports += tf_import
    return Spelling(keras, numpy, tensorflow), imports


def combined(migration: Migration) -> bool:
    return migration.estimator.dnn is not None and migration.estimator.linear is not None


def top_level_statement(context: ModuleContext) -> ast.AST:
    """The module-level statement being visited (the def or the statement itself)."""
    return context.ancestors[1] if len(context.ancestors) > 1 else context.ancestors[-1]


def keras_rewrite(context: ModuleContext, call: ast.Call) -> Fix:
    """The unsafe fix that replaces the estimator `call` builds by a Keras model."""
    migration: Migration = read_migration(context, call)
    names, imports = spelling(context, migration)
    taken: set[str] = set()
    blocks = []
    model_class = ""
    if combined(migration):
        model_class = free_name(context, "WideAndDeepModel", taken)
        blocks.append(two_optimizer_model(model_class, names))
    build = free_name(context, f"build_{migration.variable}", taken)
    blocks.append(builder(migration, build, context.settings.seed, names, model_class))
    predictions = ""
    if uses_predict(migration):
        predictions = free_name(context, f"{migration.estimator.head.kind}_predictions", taken)
        blocks.append(predictions_helper(predictions, migration.estimator.head, names.numpy))
    anchor = context.span(top_level_statement(context))
    edits = [Edit(EditAction.INSERT_BEFORE_STATEMENT, anchor, text=block) for block in blocks]
    edits.append(Edit(EditAction.REPLACE, context.span(call), text=f"{build}()"))
    edits += [Edit(EditAction.REMOVE_STATEMENT, context.span(assign)) for assign in migration.obsolete]
    edits += [Edit(EditAction.REPLACE, context.span(site.call),
                   text=call_site(site, migration.variable, predictions)) for site in migration.sites]
    description = (f"Rewrite {migration.estimator.class_name} `{migration.variable}` as a Keras model "
                   f"({described(migration.estimator)}) and its {len(migration.sites)} call site(s)")
    return Fix(FixSafety.UNSAFE, description, tuple(edits), imports)
