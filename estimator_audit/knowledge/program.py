"""Whole-program reach, what a module's rules need to know of the rest of the program: which
modules import it (and through how many hops), what runs as a module loads, whether a call
reaches the program's own code or a library, and whether the program forks workers.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from estimator_audit.knowledge.calls import (
    DEFINITIONS,
    FUNCTION_DEFS,
    FunctionNode,
    argument,
    calls_by_name,
    own_callee,
)
from estimator_audit.knowledge.reachability import live_walk
from estimator_audit.knowledge.tfapi import KERAS_MODEL_FACTORIES, TF1_GRAPH_CALLS
from estimator_audit.knowledge.v1api import custom_estimator_entry
from estimator_audit.resolve import SCOPE_NODES

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext


# Libraries whose estimators have a fit of their own.
OTHER_ML_LIBRARIES = frozenset({"sklearn", "xgboost", "lightgbm", "catboost", "gensim"})


def passed_arguments(context: ModuleContext, function: FunctionNode, parameter: str) -> list[ast.expr]:
    """What the calls of a module's function pass for one of its parameters, where every call
    passes it by position or keyword (`show(ImageDataGenerator(rotation_range=45))`); else nothing."""
    names = tuple(argument.arg for argument in function.args.args)
    calls = calls_by_name(context.tree, function.name)
    passed = [argument(call, parameter, names) for call in calls]
    found = [value for value in passed if isinstance(value, ast.expr) and not isinstance(value, ast.Starred)]
    return found if parameter in names and calls and len(found) == len(passed) else []


def top_level_functions(context: ModuleContext) -> dict[str, FunctionNode]:
    """A module's top-level functions by name (its last definition of each), read once."""
    if "top_level_functions" not in context.memo:
        context.memo["top_level_functions"] = {node.name: node for node in context.tree.body
                                               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    found: dict[str, FunctionNode] = context.memo["top_level_functions"]
    return found


IMPORTER_DEPTH = 3  # modules between the program that seeds and the module that trains, at most
IMPORT_DEPTH = 3  # imports followed from a module to what the modules it imports do as they load
# Ways a program runs functions it never names: `tf.app.run()` calls `main`, `fire.Fire()` exposes
# them all, `globals()[mode]()` picks one by a string.
IMPLICIT_CALLS = re.compile(r"\bFire\(|\bglobals\(\)|sys\.modules\[__name__\]")


def run_on_load(context: ModuleContext) -> frozenset[int]:
    """The ids of the module's functions that run when it runs: called from its top-level code
    (by name, a class by its __init__), or, by name or as `self.` methods, from functions that
    are (`m = Net()` running `__init__`, which calls `self.build()` making placeholders)."""
    if "run_on_load" not in context.memo:
        by_name: dict[str, list[ast.AST]] = {}
        for statement in context.tree.body:
            if isinstance(statement, FUNCTION_DEFS):
                by_name.setdefault(statement.name, []).append(statement)
            elif isinstance(statement, ast.ClassDef):
                for method in statement.body:
                    if isinstance(method, FUNCTION_DEFS):
                        by_name.setdefault(statement.name if method.name == "__init__" else method.name,
                                           []).append(method)
        context.memo["run_on_load"] = frozenset(id(scope) for scope in top_level_reach(context.tree, by_name)
                                                if isinstance(scope, FUNCTION_DEFS))
    found: frozenset[int] = context.memo["run_on_load"]
    return found


def top_level_reach(tree: ast.Module, definitions: Mapping[str, Sequence[ast.AST]]) -> list[ast.AST]:
    """The module's top-level code (outside its defs and classes), then the definitions its calls
    reach by name (`train()`, `self.build()`), then those their calls reach, and so on."""
    scopes: list[ast.AST] = [statement for statement in tree.body if not isinstance(statement, DEFINITIONS)]
    seen: set[int] = set()
    for scope in scopes:  # (grows with the definitions reached)
        for call in (node for node in ast.walk(scope) if isinstance(node, ast.Call)):
            for definition in definitions.get(own_callee(call) or "", ()):
                if id(definition) not in seen:
                    seen.add(id(definition))
                    scopes.append(definition)
    return scopes


def never_called(context: ModuleContext, function: ast.AST) -> bool:
    """Whether a module-level function (or class) is named nowhere but in its def, in this module
    and in the modules that import it (glow's unused `upsample`, a script's leftover `train_old`,
    a notebook's Keras layer class no model uses)."""
    name = getattr(function, "name", None)
    if (name is None or name == "main" or getattr(function, "decorator_list", None)
            or function not in context.tree.body or IMPLICIT_CALLS.search(context.source.text)):
        return False  # `main` is what `tf.app.run()` calls; decorators register functions
    memo = context.memo.setdefault("never_called", {})
    if name not in memo:
        word = re.compile(rf"\b{re.escape(name)}\b")
        project = context.project
        importers = project.importers(context.source.path)
        program = bool(importers) or "__main__" in context.source.text or context.source.cells is not None
        memo[name] = (len(word.findall(context.source.text)) == 1
                      and program  # else a library whose callers are other programs (a notebook is one)
                      and not any(word.search(project.text(path)) for path in importers))
    return bool(memo[name])


def importers_through(context: ModuleContext, hops: int) -> Iterator[str]:
    """The program's modules that import this one, and those that import them, up to `hops`
    away (train.py importing train_lib importing this library), nearest first: a question
    answered by a near importer never asks who imports the far ones."""
    project = context.project
    found = {context.source.path}
    frontier = [context.source.path]
    for _ in range(hops):
        frontier = list(dict.fromkeys(path for module in frontier for path in project.importers(module)
                                      if path not in found))
        found.update(frontier)
        yield from frontier


def imported_through(context: ModuleContext) -> list[str]:
    """The program's modules this one imports, and those they import, IMPORT_DEPTH deep."""
    project = context.project
    found: list[str] = []
    frontier = [context.source.path]
    for _ in range(IMPORT_DEPTH):
        frontier = [str(path) for module in frontier for path in project.imported_paths(module)
                    if str(path) not in found and str(path) != context.source.path]
        found += list(dict.fromkeys(frontier))
    return found


def imported_update_attributes(context: ModuleContext) -> frozenset[str]:
    """Attributes the program's modules this one imports bind to an update op
    (`self.meta_op = optimizer.apply_gradients(...)`): fetching `model.meta_op` trains. Read
    once a module."""
    memo = context.memo
    if "imported_update_attributes" not in memo:
        project = context.project
        found: set[str] = set()
        for path in imported_through(context):
            if not UPDATE_TEXT.search(project.text(path)):
                continue
            other = project.context(path)
            if other is None:
                continue
            found.update(target.attr for node in ast.walk(other.tree)
                         if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                         and isinstance(node.value.func, ast.Attribute)
                         and node.value.func.attr in ("minimize", "apply_gradients")
                         for target in node.targets if isinstance(target, ast.Attribute))
        memo["imported_update_attributes"] = frozenset(found)
    attributes: frozenset[str] = memo["imported_update_attributes"]
    return attributes


UPDATE_TEXT = re.compile(r"\.(?:minimize|apply_gradients)\(")


def modules_call(context: ModuleContext, paths: Iterable[str], spelled: Callable[[str], bool],
                 matches: Callable[[ModuleContext, ast.Call], bool], as_imported: bool = False,
                 unreadable: bool = False) -> bool:
    """Whether one of these modules of the program makes a call that `matches`: only modules whose
    text passes `spelled` are parsed; with `as_imported`, only calls that run as the module is
    imported (not in a def or class) count; a module whose text passes but which does not parse
    (Python 2) counts as `unreadable` says."""
    project = context.project
    for path in paths:
        if not spelled(project.text(path)):
            continue
        other = project.context(path)
        if other is None:
            if unreadable:
                return True
            continue
        if as_imported:
            nodes: Iterable[ast.AST] = (node for s in other.tree.body if not isinstance(s, SCOPE_NODES)
                                        for node in ast.walk(s))
        else:  # (not code that never runs: a graph-mode switch parked under `if False:`)
            nodes = live_walk(other.tree, other.source)
        if any(isinstance(node, ast.Call) and matches(other, node) for node in nodes):
            return True
    return False


def graph_call(context: ModuleContext, call: ast.Call) -> bool:
    """A TensorFlow call that only a TF1 graph program makes (a session, a placeholder)."""
    name = context.names.qualified_name(call.func) or ""
    return name.startswith("tensorflow") and name.rsplit(".", 1)[-1] in TF1_GRAPH_CALLS


# A module's text that runs TF1 graphs: a session or a placeholder, in any spelling.
TF1_GRAPH_TEXT = re.compile(r"Session\(|placeholder\(|Supervisor\(|disable_v2_behavior|"
                            r"disable_eager_execution")


def spells_tf1_graph(text: str) -> bool:
    return TF1_GRAPH_TEXT.search(text) is not None


def importer_builds_tf1_graph(context: ModuleContext) -> bool:
    """Whether a module that imports this one, directly or through modules that import it, runs
    TF1 graphs (gae's train.py, with the session and placeholders, importing the layers.py that
    builds the model; tensorflow-yolov3's train.py -> core/yolov3.py -> core/common.py): the
    library's ops run in that graph, as TF1 code."""
    # (an importer unreadable as Python 3 yet spelling sessions, AnoGAN's Python 2 model.py: TF1 code)
    return modules_call(context, importers_through(context, IMPORTER_DEPTH), spells_tf1_graph, graph_call,
                        unreadable=True)


def custom_estimator_call(context: ModuleContext, call: ast.Call) -> bool:
    """A custom Estimator's construction (`tf.estimator.Estimator(model_fn=...)`, TPUEstimator)."""
    return custom_estimator_entry(context.names.qualified_name(call.func) or "") is not None


def in_estimator_program(context: ModuleContext) -> bool:
    """Whether this module or one importing it makes a custom Estimator, whose `model_fn` builds a
    TF1 graph (BERT's run_classifier.py importing the modeling.py its model_fn calls)."""
    return any(isinstance(node, ast.Call) and custom_estimator_call(context, node)
               for node in ast.walk(context.tree)) or (
        modules_call(context, importers_through(context, IMPORTER_DEPTH), lambda text: "Estimator" in text,
                     custom_estimator_call))


# Calls that run a function they are handed in another process or executor (by last name).
HANDOFFS = (r"(?:TFCluster\.run|Process|spawn|foreachPartition|mapPartitions|apply_async|starmap|"
            r"create_component_from_func|func_to_container_op|MirroredStrategyRunner\([^()]*\)\.run)")


def handed_on_by_importer(context: ModuleContext, calls: Sequence[ast.Call]) -> tuple[str, str] | None:
    """(function, importer) when the function or method holding the training calls (one name:
    each worker class's `train`) is handed, not called, by a module importing this one to
    another process or executor
    (`rdd.mapPartitions(worker.train)`, `Process(target=lib.train)`)."""
    functions = [node for node in ast.walk(context.tree) if isinstance(node, FUNCTION_DEFS)]
    names = set()
    for call in calls:  # the innermost function holding each (`train` of each worker class)
        holders = [node for node in functions if node.lineno <= call.lineno <= (node.end_lineno or 0)]
        if not holders:
            return None
        names.add(max(holders, key=lambda node: node.lineno).name)
    if len(names) != 1:
        return None
    name = names.pop()
    handed = re.compile(HANDOFFS + r"\((?:[^()]|\([^()]*\))*?\b" + re.escape(name) + r"\b(?!\s*\()")
    for path in program_importers(context):
        if handed.search(context.project.text(path)):
            return name, os.path.basename(path)
    return None


def program_importers(context: ModuleContext) -> list[str]:
    """The modules that import this one, and those importing it through a package's
    `__init__.py` that re-exports it (wavenet's model.py, imported by train.py as `wavenet`)."""
    project = context.project
    found: list[str] = []
    for path in project.importers(context.source.path):
        found.append(path)
        if os.path.basename(path) == "__init__.py":
            package = project.context(path)
            if package is not None:
                found += [p for p in project.importers(path) if p not in found]
    return found


def calls_program_code(text: str) -> bool:
    """Whether a module's text imports something beyond the libraries it may seed through: the
    program's own helpers (the quick test before reading it)."""
    roots = {(match.group(1) or match.group(2)).split(".")[0] for match in IMPORTED.finditer(text)}
    libraries = KNOWN_LIBRARY_ROOTS | NON_TF_LIBRARIES | sys.stdlib_module_names
    return any(not root or root not in libraries for root in roots)  # (`from . import x`: no root)


IMPORTED = re.compile(r"^\s*(?:from\s+(\.*[\w.]*)\s+import|import\s+([\w.]+))", re.MULTILINE)
KERAS_IMPORT = re.compile(r"^\s*(?:import|from)\s+(?:tensorflow|keras|tf_keras)\b", re.MULTILINE)


def defined_with_keras(context: ModuleContext, qualified: str | None) -> bool:
    """Whether the program module defining a name imports TensorFlow or Keras (keras-resnet's
    `resnet.ResnetBuilder.build_resnet_18`, whose script imports only `resnet`)."""
    found = context.project.locate(context.source.path, qualified) if qualified else None
    return found is not None and KERAS_IMPORT.search(context.project.text(found[0])) is not None


def program_function(context: ModuleContext, qualified: str) -> bool:
    """Whether a qualified name is a function of the program (`model.get_model`, imported from
    its own module, or a class's method such as `resnet.ResnetBuilder.build_resnet_18`): what it
    returns (`model = get_model()`) is as unknown as a parameter, not another library's object."""
    project = context.project
    found = project.locate(context.source.path, qualified)
    if found is None or len(found[1]) not in (1, 2):
        return False
    module = project.context(found[0])
    if module is None:
        return False
    body: list[ast.stmt] = module.tree.body
    # (a class's static or class method, `ResnetBuilder.build_resnet_18`, or an instance's,
    # `RSNA_Net().model`)
    parts = [part.removesuffix("()") for part in found[1]]
    if len(parts) == 2:
        owner = next((node for node in body if isinstance(node, ast.ClassDef) and node.name == parts[0]),
                     None)
        body = owner.body if owner is not None else []
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == parts[-1]
               for node in body)


# Libraries of models that are not Keras models (their save_weights, fit... are their own).
OTHER_MODEL_LIBRARIES = ("tensorlayer.", "tflearn.", "sonnet.", "torch.")


def returns_other_model(context: ModuleContext, qualified: str) -> bool:
    """Whether a function of the program returns a model another library makes (SRGAN's
    `get_G()` returning `tensorlayer.models.Model(...)`), not a Keras one."""
    from estimator_audit.migrate.lookup import located_definition  # whole-program lookup

    found = located_definition(context, qualified)
    if found is None or not isinstance(found.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    bound = {target.id: node.value for node in ast.walk(found.node) if isinstance(node, ast.Assign)
             for target in node.targets if isinstance(target, ast.Name)}  # (`G = Model(...)`, `return G`)
    returned = [bound.get(node.value.id, node.value) if isinstance(node.value, ast.Name) else node.value
                for node in ast.walk(found.node) if isinstance(node, ast.Return) and node.value]
    return bool(returned) and all(isinstance(value, ast.Call) and (
        found.context.call_name(value) or "").startswith(OTHER_MODEL_LIBRARIES) for value in returned)


def program_keras_model(context: ModuleContext, qualified: str) -> bool:
    """Whether a qualified name is a class of the program deriving from a Keras model
    (keras-adversarial's `AdversarialModel(Model)`, fit by its example scripts)."""
    from estimator_audit.migrate.lookup import inherited_names, located_definition  # whole-program lookups

    found = located_definition(context, qualified)
    return found is not None and isinstance(found.node, ast.ClassDef) and any(
        name in KERAS_MODEL_FACTORIES for name in inherited_names(found.context, found.node))


def test_module(path: str) -> bool:
    """`test_conv.py`, `conv_test.py`, or a module under a `tests/` folder."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (name.startswith("test_") or name.endswith("_test.py")
            or any(part in ("tests", "test") for part in parts[:-1]))


# What a module that trains says: its name, or a call of a training method or function.
TRAINING_IMPORTER = re.compile(r"\.(?:fit|fit_generator)\(|train\w*\(")


def training_importer(context: ModuleContext, importers: Sequence[str]) -> str:
    """The importer to name where the program starts: a program named for training (zi2zi's
    train.py, not the export.py that comes first by name), else one calling a training method,
    else any program (a test module last)."""
    programs = [path for path in importers if not test_module(path)] or list(importers)
    named = [path for path in programs if "train" in os.path.basename(path).lower()]
    return named[0] if named else next(
        (path for path in programs if TRAINING_IMPORTER.search(context.project.text(path))), programs[0])


def imported_library(context: ModuleContext, calls: Sequence[ast.Call]) -> str | None:
    """Who imports the module, when it is a library: it has no `__main__` block, trains only
    inside functions and classes, and other modules of the program import it ("train.py imports
    this module") or it belongs to a package programs import ("this module belongs to the
    package `recipes`"). A seed or op determinism set here would be set whenever it is imported,
    overriding the program's own choice: they belong where the program starts."""
    ancestry = context.facts.ancestry
    if context.source.cells is not None:
        return None  # a notebook runs its cells; nothing imports it (BERT's notebook beside its package)
    if any(not any(isinstance(a, SCOPE_NODES) for a in ancestry.get(id(call), ())) for call in calls):
        return None  # it trains as it runs: a script
    if "__main__" in context.source.text:
        return None
    importers = context.project.importers(context.source.path)
    if importers:
        return f"{os.path.basename(training_importer(context, importers))} imports this module"
    if test_module(context.source.path):
        return None  # tests a runner imports one by one, which no module imports (not a library)
    folder = os.path.dirname(context.source.path)
    if os.path.isfile(os.path.join(folder, "__init__.py")):
        return f"this module belongs to the package `{os.path.basename(folder)}`, which programs import"
    return None


# Calls that run the program's code in several processes at once.
PROCESS_SPAWNS = frozenset({"os.fork", "multiprocessing.Process", "multiprocessing.Pool",
                            "multiprocessing.get_context", "concurrent.futures.ProcessPoolExecutor"})


def forks_workers(context: ModuleContext) -> bool:
    """Whether this module, or a module that imports it, starts worker processes (`os.fork()`,
    multiprocessing): code here may run once in each, where one fixed seed gives every worker
    the same numbers (OpenAI's ES workers draw their noise so)."""
    def spawns(other: ModuleContext, call: ast.Call) -> bool:
        return (other.call_name(call) or "") in PROCESS_SPAWNS

    def spelled(text: str) -> bool:
        return "fork" in text or "multiprocessing" in text or "ProcessPool" in text

    if "forks_workers" not in context.memo:  # (asked per finding: once per module)
        paths = [context.source.path, *context.project.importers(context.source.path)]
        context.memo["forks_workers"] = modules_call(context, paths, spelled, spawns)
    return bool(context.memo["forks_workers"])


DATA_LIBRARIES = frozenset({"numpy", "pandas", "scipy", "sklearn", "six", "absl", "gflags", "argparse"})
# Roots of qualified names that are libraries, never the program's own modules.
KNOWN_LIBRARY_ROOTS = DATA_LIBRARIES | OTHER_ML_LIBRARIES | {"tensorflow", "keras", "tf_keras", "torch",
                                                            "jax"}
# Libraries that never make TensorFlow ops (images, video, plots, progress bars, files).
NON_TF_LIBRARIES = frozenset({"cv2", "PIL", "imageio", "skimage", "matplotlib", "tqdm", "h5py", "yaml",
                              "scipy", "seaborn", "sklearn", "pandas", "gym", "requests", "wget"})
# Third-party packages that build TensorFlow ops for their callers (besides tensorflow_* ones).
TF_LIBRARIES = frozenset({"keras", "tf_keras", "tf_slim", "sonnet", "tflearn", "tensorlayer", "tensorpack",
                          "horovod", "tensor2tensor", "trfl", "lingvo", "gpflow", "edward", "dm_sonnet",
                          "tensorflow_hub", "official", "object_detection", "nets", "deeplab", "bert"})


# Data-parallel libraries whose launcher runs the module once per worker: (name, the worker's rank).
DATA_PARALLEL = {"horovod": ("Horovod", "hvd.rank()"),
                 "smdistributed": ("SageMaker data-parallel", "sdp.rank()")}


def data_parallel(context: ModuleContext) -> tuple[str, str] | None:
    """The data-parallel library the module trains with (`horovod`, `smdistributed.dataparallel`),
    whose launcher runs it once per worker, and how its rank is read: one seed for them all
    gives every worker the same draws, so each must be seeded by its rank."""
    return next((found for root, found in DATA_PARALLEL.items() if context.imports_any((root,))), None)


def tf_free_library(context: ModuleContext, root: str) -> bool:
    """Whether `root` is a third-party package the module imports whole (`import jieba`, then
    `jieba.cut(...)`) that builds no TensorFlow ops: not one of TensorFlow's family, and no
    module of the program (a `from model import Model` the program does not hold stays unknown:
    it is most often the program's own code, run from elsewhere)."""
    if root in TF_LIBRARIES or "tensor" in root or root.startswith("tf"):
        return False
    if "imported_whole" not in context.memo:  # (asked for every call that may build ops: read once)
        context.memo["imported_whole"] = frozenset(
            alias.name for node in context.tree.body if isinstance(node, ast.Import)
            for alias in node.names if alias.asname is None)
    imported_whole: frozenset[str] = context.memo["imported_whole"]
    return root in imported_whole and context.project.locate(context.source.path, root) is None
