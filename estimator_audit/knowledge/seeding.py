"""Seeding facts: the global random number generators, the calls that seed them, and whether a
function, a test case's setUp, an importing program or an imported module seeds them.
"""

from __future__ import annotations

import ast
import enum
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from estimator_audit.knowledge.calls import (
    FUNCTION_DEFS,
    FunctionNode,
    call_text,
    calls_with_ancestors,
    is_none,
)
from estimator_audit.knowledge.program import (
    IMPORTER_DEPTH,
    KNOWN_LIBRARY_ROOTS,
    calls_program_code,
    importers_through,
    modules_call,
)

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
# Seeding calls whose seed argument, left out or None, reseeds from the operating system's entropy.
ENTROPY_RESEEDABLE = frozenset({"numpy.random.seed", "random.seed"})


def entropy_reseed(call: ast.Call, name: str) -> bool:
    """`np.random.seed(None)`, `random.seed()`: a reseed from OS entropy, not a seed."""
    if name not in ENTROPY_RESEEDABLE:
        return False
    seed = call.args[0] if call.args else next(
        (k.value for k in call.keywords if k.arg in ("seed", "a")), None)  # random.seed(a=...)
    return seed is None or is_none(seed)


TEST_CASES = frozenset({"tensorflow.test.TestCase", "tensorflow.compat.v1.test.TestCase",
                        "tensorflow.compat.v2.test.TestCase",
                        "tensorflow.python.framework.test_util.TensorFlowTestCase",
                        "tensorflow.python.platform.test.TestCase"})


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


def seeding_callee(context: ModuleContext, call: ast.Call, ancestors: Sequence[ast.AST]) -> Definition | None:
    """The program function or method a call of a seeding helper calls: a name or module
    attribute (`set_global_seeds(seed)`), or `self.set_random_seed(seed)`, a method of the class
    or of a base class of the program."""
    from estimator_audit.migrate.lookup import called, self_method  # whole-program lookups, for these calls

    return self_method(context, call, ancestors) or called(context, call)


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


def seeds_tensorflow(context: ModuleContext, call: ast.Call) -> bool:
    """Whether a call sets TensorFlow's global seed."""
    return RNG.TENSORFLOW in SEEDING_CALLS.get(context.names.qualified_name(call.func) or "", frozenset())


def spells_seed(text: str) -> bool:
    return "seed" in text


def imports_seeding_module(context: ModuleContext) -> bool:
    """Whether a module of the program this one imports sets TensorFlow's global seed as it is
    imported (a module-level `tf.set_random_seed(1)` in the RL_brain.py a script imports): the
    seed is set before this module builds its graph."""
    paths = [str(path) for path in context.project.imported_paths(context.source.path)]
    return modules_call(context, paths, spells_seed, seeds_tensorflow, as_imported=True)


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


def call_seeds(context: ModuleContext, call: ast.Call) -> frozenset[RNG]:
    """The global generators a call seeds, itself or as a seeding function of the program."""
    seeds = SEEDING_CALLS.get(context.names.qualified_name(call.func) or "")
    if seeds is not None:
        return seeds
    callee = context.facts.project_function(call)
    if callee is None or not isinstance(callee.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return frozenset()
    return function_seeds(callee.context, callee.node)
