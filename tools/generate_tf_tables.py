"""Write the TensorFlow/Keras API tables (estimator_audit/data/tf_*.json, keras_*.json).

The linter never imports TensorFlow, so what exists in TensorFlow and Keras, which renames are
one-to-one and which constructors refuse `seed=` or `weights=` is recorded here, from the real
packages, and shipped as data. Two halves, each run by the interpreter that has the package:

    # TensorFlow 2.21 + Keras 3 (the current runtime):
    /root/venv-tf/bin/python tools/generate_tf_tables.py current
    # TensorFlow 2.15 + Keras 2.15 + tensorflow-estimator 2.15 (the legacy runtime):
    /root/venv-legacy/bin/python tools/generate_tf_tables.py legacy
    # Both, from any Python (each half in a subprocess under the given interpreter; without
    # --python / --legacy-python the installed runtimes of estimator_audit.shim are used):
    python tools/generate_tf_tables.py all --python /root/venv-tf/bin/python \
        --legacy-python /root/venv-legacy/bin/python

Add --check to compare with the committed files instead of writing them: the exit status is 1
and the differing files are named when they are out of date (tests/test_generated_data.py).

What each half writes:

- `current` (TensorFlow 2.21, Keras 3):
  - tf_api_2_21.json: every public module of the `tensorflow` API with its public members,
    walked with getattr/dir from `tensorflow` (lazily loaded modules included: tf.compat.v1,
    tf.raw_ops, tf.keras, which is Keras 3). A member that getattr refuses is left out (in
    2.21 `tf.compat.v1.layers.dense` and `tf.compat.v1.nn.rnn_cell.LSTMCell` raise); a module
    reached again under another path is recorded as an alias. Members that are not API
    modules (classes, functions, foreign modules such as tf.compat.v1.flags = absl flags,
    packages such as tensorflow.python) are listed but not walked: the linter does not judge
    below them.
  - keras_api_3.json: the same for standalone `keras` (Keras 3), plus the public members of
    a compiled keras.Model and keras.Sequential, the public method names of every public
    class of the TensorFlow and Keras APIs (a method named like a removed Model method is not
    flagged on an unknown receiver when some other class still has it) and the classes of
    keras.optimizers.legacy, which exist but raise ImportError when constructed.
  - tf_arguments_2_21.json: the constructors (tf.compat.v1.train.*Optimizer, keras.optimizers,
    keras.layers and their tf.keras spellings) that raise when given `seed=1`, and the
    keras.layers classes that raise when given `weights=None`, found by constructing each
    with minimal arguments without and then with the keyword; classes that could not be
    constructed at all are listed under not_constructed. dropped_keywords: for each
    `tf.compat.v1.X` whose TF2 name `tf.X` is another callable without **kwargs, the
    keywords the TF1 signature has and the TF2 one lacks (a TypeError when passed).
    keras_keywords: the keywords each public Keras class's constructor names;
    keras_open_classes: those whose constructor also takes **kwargs.
- `legacy` (TensorFlow 2.15, Keras 2.15, tensorflow-estimator 2.15):
  - tf_api_2_15.json: the 2.15 `tensorflow` API (with tf.estimator and Keras 2.15 as tf.keras).
  - keras_api_2_15.json: standalone `keras` 2.15, and keras.Model/Sequential's public members
    (methods apart).
  - tf_arguments_2_15.json: constructors refusing `seed=1` in 2.15.
  - tf_renames_v2.json: TensorFlow's own TF1 -> TF2 rename table
    (tensorflow/tools/compatibility/all_renames_v2.symbol_renames, as tf_upgrade_v2 uses it).
    A rename is one-to-one ("replacements") when, in 2.15, the TF1 symbol (tf.compat.v1.X)
    and the TF2 name are the same object; the others are kept apart ("renames").
    "changes_arguments" lists the TF1 names whose calls tf_upgrade_v2 rewrites beyond the name
    (TFAPIChangeSpec's function transformers, keyword renames, argument reorders and warnings);
    "v1_keywords" the TF1 keywords it renames or drops, per name (`reduction_indices`), that
    the TF2 function of the same name does not also accept (`tf.nn.l2_normalize` takes `dim`);
    "reorders" the names whose only rewrite is an argument reorder (TF1's positional arguments
    from some position on passed by keyword, then the TF2 name), with tf_upgrade_v2's list.

Runs are deterministic: members are sorted, modules are walked breadth first in sorted order.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import types
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import tablefile

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "estimator_audit" / "data"
CURRENT_FILES = ("tf_api_2_21.json", "keras_api_3.json", "tf_arguments_2_21.json")
LEGACY_FILES = ("tf_api_2_15.json", "keras_api_2_15.json", "tf_arguments_2_15.json", "tf_renames_v2.json")
GENERATED_BY = "tools/generate_tf_tables.py"

Tree = dict[str, Any]
# Modules whose names start so are API modules (tf.summary comes from TensorBoard in 2.15).
API_PREFIXES = ("tensorflow._api.", "tensorflow_estimator.python.estimator.api.",
                "tensorboard.summary._tf", "tensorflow.compat")
PROBE = "no_such_member_probe"

# -- walking an API ---------------------------------------------------------------------------


def module_name(module: object) -> str:
    """A module's __name__, read without loading a lazy loader (whose load may fail)."""
    try:
        name = vars(module).get("__name__", "")
    except TypeError:
        name = ""
    if not name and is_lazy_loader(module):
        try:
            name = getattr(module, "__name__", "")
        except Exception:
            name = ""
    return name if isinstance(name, str) else ""


def is_lazy_loader(value: object) -> bool:
    return any(cls.__name__.endswith("LazyLoader") for cls in type(value).__mro__)


def is_api_module(value: object) -> bool:
    """A module of the public TensorFlow, tensorflow-estimator or Keras API (not its internals)."""
    if not isinstance(value, types.ModuleType):
        return False
    name = module_name(value)
    if name.startswith(API_PREFIXES) or (not name and is_lazy_loader(value)):
        return True
    try:
        filename = vars(value).get("__file__") or ""
    except TypeError:
        filename = ""
    # tensorflow.__path__ includes tensorflow/_api/v2, so `tensorflow.experimental` is an API
    # module file imported under a short name.
    if name.startswith("tensorflow.") and f"{os.sep}_api{os.sep}" in str(filename):
        return True
    return name.startswith("keras.") and "src" not in name.split(".")


def public_names(module: types.ModuleType) -> list[str]:
    """dir() of a module; the wrapped module's own names when dir() itself fails.

    In TF 2.21, dir(tf.compat.v1.layers) raises (it asks for tf_keras, which Keras 3 lacks).
    """
    try:
        names = list(dir(module))
    except Exception:
        wrapped = getattr(module, "_tfmw_wrapped_module", None)
        names = list(vars(wrapped or module))
    return sorted(n for n in set(names) if not n.startswith("_"))


def disk_packages(module: types.ModuleType) -> list[str]:
    """Subpackages importable from the module's folders (`import tensorflow.python.ops`)."""
    try:
        path = list(getattr(module, "__path__", []) or [])
    except Exception:
        return []
    return sorted({m.name for m in pkgutil.iter_modules(path) if not m.name.startswith("_")})


def fixed_alias(path: str, root: str) -> str | None:
    """tf.compat.v2 is the TF2 API itself, and compat.v1/compat.v2 inside compat repeat it."""
    if root != "tensorflow":
        return None
    if path.endswith(".compat.v2"):
        return "tensorflow"
    if path.endswith(".compat.v1") and path != "tensorflow.compat.v1":
        return "tensorflow.compat.v1"
    return None


def walk_api(root: types.ModuleType, root_path: str) -> Tree:
    """{modules: {path: [members]}, aliases: {path: path}} for an API, breadth first."""
    modules: dict[str, list[str]] = {}
    aliases: dict[str, str] = {}
    unavailable: dict[str, str] = {}
    first_path: dict[str, str] = {}
    queue: deque[tuple[str, types.ModuleType]] = deque([(root_path, root)])
    while queue:
        path, module = queue.popleft()
        alias = fixed_alias(path, root_path)
        name = module_name(module)
        if alias is None and name and name in first_path:
            alias = first_path[name]
        if alias is not None:
            aliases[path] = alias
            continue
        first_path[name or path] = path
        members = set()
        for member in public_names(module):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    value = getattr(module, member)
            except Exception:
                continue  # raises on access: not usable, so not a member
            members.add(member)
            if is_api_module(value):
                queue.append((f"{path}.{member}", value))
        members.update(disk_packages(module))
        modules[path] = sorted(members)
        if is_lazy_loader(module):
            reason = refusal(module)
            if reason:
                unavailable[path] = reason
    return {
        "modules": dict(sorted(modules.items())),
        "aliases": dict(sorted(aliases.items())),
        "unavailable": dict(sorted(unavailable.items())),
    }


def refusal(module: types.ModuleType) -> str | None:
    """Why a lazily loaded module refuses every member, when it says so.

    In TF 2.21, tf.compat.v1.layers.X raises "`X` is not available with Keras 3."
    """
    try:
        getattr(module, PROBE)
    except Exception as error:
        text = str(error)
        if f"`{PROBE}`" in text:
            return text.replace(f"`{PROBE}` ", "").strip()
    return None


def lookup(tree: Tree, dotted: str) -> str | None:
    """The module path a dotted name is walked as, following aliases; None if not a module."""
    parts = dotted.split(".")
    path = parts[0]
    for part in parts[1:]:
        path = tree["aliases"].get(path, path)
        if part not in tree["modules"].get(path, ()):
            return None
        path = f"{path}.{part}"
    path = tree["aliases"].get(path, path)
    return path if path in tree["modules"] else None


def resolve_object(root: object, dotted: str) -> object:
    for part in dotted.split("."):
        root = getattr(root, part)
    return root


def api_classes(root: object, tree: Tree) -> Iterator[tuple[str, type]]:
    """(path, class) for each public class member of each walked module, in sorted order."""
    for path, members in tree["modules"].items():
        try:
            module = resolve_object(root, path.split(".", 1)[1]) if "." in path else root
        except Exception:
            continue
        for member in members:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    value = getattr(module, member)
            except Exception:
                continue
            if inspect.isclass(value):
                yield f"{path}.{member}", value


OWN_PACKAGES = ("tensorflow", "keras", "tensorflow_estimator", "tensorboard")


def method_names(classes: Iterator[tuple[str, type]]) -> list[str]:
    """Public method names the given classes define or inherit from TensorFlow/Keras classes.

    Methods inherited from other packages (scikit-learn's, for Keras's scikit-learn wrappers
    when it is installed) are left out, so the table does not depend on optional packages.
    """
    names: set[str] = set()
    seen: set[int] = set()
    for _, cls in classes:
        for klass in cls.__mro__:
            if id(klass) in seen:
                continue
            seen.add(id(klass))
            if str(getattr(klass, "__module__", "")).split(".")[0] not in OWN_PACKAGES:
                continue
            for name, value in list(vars(klass).items()):
                if not name.startswith("_") and (
                    callable(value) or isinstance(value, (staticmethod, classmethod))
                ):
                    names.add(name)
    return sorted(names)


# -- constructing classes with and without a keyword -------------------------------------------


def minimal_arguments(tf: Any, keras: Any) -> dict[str, Callable[[], object]]:
    """Plausible values for the required constructor parameters, by parameter name."""
    return {
        "filters": lambda: 2,
        "kernel_size": lambda: 2,
        "units": lambda: 2,
        "rate": lambda: 0.5,
        "pool_size": lambda: 2,
        "output_size": lambda: 2,
        "factor": lambda: 0.1,
        "height_factor": lambda: 0.1,
        "width_factor": lambda: 0.1,
        "height": lambda: 2,
        "width": lambda: 2,
        "input_dim": lambda: 10,
        "output_dim": lambda: 2,
        "num_bins": lambda: 2,
        "activation": lambda: "relu",
        "axes": lambda: 1,
        "equation": lambda: "ab,bc->ac",
        "output_shape": lambda: 2,
        "stddev": lambda: 0.1,
        "head_dim": lambda: 2,
        "num_query_heads": lambda: 2,
        "num_key_value_heads": lambda: 1,
        "function": lambda: (lambda x: x),
        "max_number": lambda: 2,
        "num_heads": lambda: 2,
        "key_dim": lambda: 2,
        "dims": lambda: (1,),
        "n": lambda: 2,
        "scale": lambda: 1.0,
        "target_shape": lambda: (2,),
        "layer": lambda: keras.layers.Dense(2),
        "cell": lambda: keras.layers.LSTMCell(2),
        "cells": lambda: [keras.layers.LSTMCell(2)],
        "layers": lambda: [keras.layers.Dense(2)],
        "learning_rate": lambda: 0.1,
        "momentum": lambda: 0.9,
        "global_step": lambda: tf.Variable(0, dtype=tf.int64),
        "use_locking": lambda: False,
        "name": lambda: "probe",
        "inner_optimizer": lambda: keras.optimizers.SGD(),
        "optimizer": lambda: keras.optimizers.SGD(),
        "opt": lambda: tf.compat.v1.train.GradientDescentOptimizer(0.1),
        "replicas_to_aggregate": lambda: 1,
        "mode": lambda: "int",
        "data_format": lambda: "channels_last",
        "size": lambda: 2,
        "cropping": lambda: 1,
        "padding": lambda: 1,
    }


def required_parameters(cls: type) -> list[inspect.Parameter] | None:
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return None
    return [
        p for p in signature.parameters.values()
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def construct(cls: type, arguments: dict[str, Callable[[], object]],
              extra: dict[str, object],
              overrides: dict[str, dict[str, Callable[[], object]]] | None = None
              ) -> BaseException | str | None:
    """None if cls(minimal arguments, **extra) works, else the exception; a str if no attempt."""
    required = required_parameters(cls)
    if required is None:
        return "no signature"
    args: list[object] = []
    special = (overrides or {}).get(cls.__name__, {})
    kwargs: dict[str, object] = {name: make() for name, make in special.items()}
    for parameter in required:
        if parameter.name in kwargs:
            continue
        if parameter.name not in arguments:
            return f"no value for {parameter.name}"
        value = arguments[parameter.name]()
        if parameter.kind is parameter.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[parameter.name] = value
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cls(*args, **kwargs, **extra)
    except Exception as error:
        return error
    return None


def keyword_verdicts(classes: list[tuple[str, type]], arguments: dict[str, Callable[[], object]],
                     overrides: dict[str, dict[str, Callable[[], object]]],
                     keyword: str, value: object) -> tuple[dict[str, str], list[str]]:
    """({path: exception name} for classes that refuse the keyword, [paths not constructed]).

    A class refuses the keyword when it constructs with minimal arguments but raises once the
    keyword is added, with an error that names the keyword.
    """
    refused: dict[str, str] = {}
    unknown: list[str] = []
    verdict: dict[int, str | None] = {}
    for path, cls in classes:
        if id(cls) not in verdict:
            if construct(cls, arguments, {}, overrides) is not None:
                verdict[id(cls)] = "?"
            else:
                error = construct(cls, arguments, {keyword: value}, overrides)
                if error is None:
                    verdict[id(cls)] = None
                elif isinstance(error, BaseException) and keyword in str(error):
                    verdict[id(cls)] = type(error).__name__
                else:
                    verdict[id(cls)] = "?"
        found = verdict[id(cls)]
        if found == "?":
            unknown.append(path)
        elif found is not None:
            refused[path] = found
    return dict(sorted(refused.items())), sorted(unknown)


def classes_in(root: object, tree: Tree, namespaces: tuple[str, ...],
               base: tuple[type, ...]) -> list[tuple[str, type]]:
    """Public subclasses of `base` in the given module paths (and their submodules)."""
    found = []
    for path, cls in api_classes(root, tree):
        module = path.rsplit(".", 1)[0]
        if any(module == n or module.startswith(n + ".") for n in namespaces) and issubclass(cls, base):
            found.append((path, cls))
    return found


def model_members(keras: Any) -> tuple[list[str], list[str]]:
    """(methods, other attributes) of a compiled Sequential and a functional Model, public."""
    sequential = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    sequential.compile(optimizer="sgd", loss="mse")
    inputs = keras.Input((2,))
    functional = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    functional.compile(optimizer="sgd", loss="mse")
    names: set[str] = set()
    for obj in (keras.Model, keras.Sequential, sequential, functional):
        names.update(n for n in dir(obj) if not n.startswith("_"))
    methods = {
        n for n in names
        if any(callable(getattr(cls, n, None)) for cls in (keras.Model, keras.Sequential))
    }
    return sorted(methods), sorted(names - methods)


# -- the two halves ---------------------------------------------------------------------------


def quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    warnings.simplefilter("ignore")


def header(mode: str, **versions: str) -> dict[str, object]:
    return {"generated_by": f"{GENERATED_BY} {mode}", "versions": dict(sorted(versions.items()))}


def seed_classes(tf: Any, keras: Any, tf_tree: Tree, keras_tree: Tree) -> list[tuple[str, type]]:
    """tf.compat.v1.train optimizers, Keras optimizers and layers, under every spelling walked."""
    keras_bases: tuple[type, ...] = (keras.optimizers.Optimizer, keras.layers.Layer)
    legacy = getattr(getattr(keras.optimizers, "legacy", None), "Optimizer", None)
    if isinstance(legacy, type):
        keras_bases += (legacy,)
    wanted = (
        (tf, tf_tree, ("tensorflow.compat.v1.train",), (tf.compat.v1.train.Optimizer,)),
        (tf, tf_tree, ("tensorflow.keras.optimizers", "tensorflow.keras.layers",
                       "tensorflow.compat.v1.keras.optimizers", "tensorflow.compat.v1.keras.layers"),
         keras_bases),
        (keras, keras_tree, ("keras.optimizers", "keras.layers"), keras_bases),
    )
    classes: dict[str, type] = {}
    for root, tree, namespaces, bases in wanted:
        walked = tuple(sorted({p for p in (lookup(tree, n) for n in namespaces) if p is not None}))
        classes.update(classes_in(root, tree, walked, bases))
    return sorted(classes.items())


def dropped_keywords(tf: Any, tree: Tree) -> dict[str, list[str]]:
    """For each `tf.compat.v1.X` whose TF2 name `tf.X` is another callable that takes no
    **kwargs: the keywords the TF1 one takes and the TF2 one lacks (`merge_repeated` of
    ctc_beam_search_decoder, `dtype` of constant_initializer), keyed by the TF2 name."""
    prefix = "tensorflow.compat.v1"
    found: dict[str, list[str]] = {}
    for path, members in sorted(tree["modules"].items()):
        if not (path == prefix or path.startswith(prefix + ".")) or ".compat.v1.compat" in path:
            continue
        v2_module = "tensorflow" + path[len(prefix):]
        if lookup(tree, v2_module) is None:
            continue
        for member in members:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    old: Any = resolve_object(tf, f"{path}.{member}".split(".", 1)[1])
                    new: Any = resolve_object(tf, f"{v2_module}.{member}".split(".", 1)[1])
                old_parameters = inspect.signature(old).parameters
                new_parameters = inspect.signature(new).parameters
            except Exception:
                continue
            if old is new or isinstance(old, types.ModuleType) or any(
                    p.kind is inspect.Parameter.VAR_KEYWORD for p in new_parameters.values()):
                continue
            named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
            lacking = sorted(name for name, p in old_parameters.items() if name not in new_parameters
                             and p.kind in named)
            if lacking:
                found[f"{v2_module}.{member}"] = lacking
    return found


def keras_keywords(keras: Any, tree: Tree) -> tuple[dict[str, list[str]], list[str]]:
    """The keywords each public Keras class's constructor names, and the classes whose
    constructor also takes **kwargs: a keyword the others do not name raises TypeError (Keras
    2's `ModelCheckpoint(period=...)`), while a named one is the class's own (Embedding's
    `output_dim`, which Keras 1 used for Dense's `units`)."""
    named_kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    found: dict[str, list[str]] = {}
    open_classes: list[str] = []
    for path, cls in api_classes(keras, tree):
        try:
            parameters = inspect.signature(vars(cls).get("__init__") or cls).parameters
        except (TypeError, ValueError):
            continue
        found[path] = sorted(name for name, p in parameters.items()
                             if name != "self" and p.kind in named_kinds)
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            open_classes.append(path)
    return found, sorted(open_classes)


def class_overrides(keras: Any, tf: Any) -> dict[str, dict[str, Callable[[], object]]]:
    """Arguments some classes need beyond their required parameters, by class name."""
    keras3 = keras.__version__.startswith("3.")
    return {
        "Bidirectional": {"layer": lambda: keras.layers.LSTM(2)},
        "CategoryEncoding": {"num_tokens": lambda: 2},
        "Discretization": {"num_bins": lambda: 2},
        "InputLayer": {"shape" if keras3 else "input_shape": lambda: (2,)},
        "RandomPosterization": {"factor": lambda: (1, 8)},
        "DenseFeatures": {"feature_columns": lambda: [tf.feature_column.numeric_column("x")]},
        "MixedPrecisionLossScaleOptimizer": {"loss_scale": lambda: "dynamic"},
        "MultiOptimizer": {"optimizers_and_layers": lambda: []},
        # The default window needs scipy, which TensorFlow does not install.
        "STFTSpectrogram": {"window": lambda: None},
    }


def current() -> dict[str, object]:
    """The tables made from TensorFlow 2.21 and Keras 3 (run with that interpreter)."""
    quiet_tensorflow()
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    versions = {"tensorflow": tf.__version__, "keras": keras.__version__}
    tf_tree = walk_api(tf, "tensorflow")
    keras_tree = walk_api(keras, "keras")
    arguments = minimal_arguments(tf, keras)

    # keras.optimizers.legacy still exists in Keras 3, but its classes raise when constructed.
    legacy_optimizers: dict[str, str] = {}
    for tree, root, dotted in ((keras_tree, keras, "keras.optimizers.legacy"),
                               (tf_tree, tf, "tensorflow.keras.optimizers.legacy")):
        path = lookup(tree, dotted)
        for member_path, cls in classes_in(root, tree, (path,) if path else (), (object,)):
            error = construct(cls, arguments, {})
            if isinstance(error, BaseException):
                legacy_optimizers[member_path] = type(error).__name__
    methods, attributes = model_members(keras)
    keywords, open_classes = keras_keywords(keras, keras_tree)
    other_methods = method_names(api_classes(tf, tf_tree))
    other_methods = sorted(set(other_methods) | set(method_names(api_classes(keras, keras_tree))))

    classes = seed_classes(tf, keras, tf_tree, keras_tree)
    overrides = class_overrides(keras, tf)
    rejects_seed, seed_unknown = keyword_verdicts(classes, arguments, overrides, "seed", 1)
    layers = [(p, c) for p, c in classes if issubclass(c, keras.layers.Layer)]
    rejects_weights, weights_unknown = keyword_verdicts(layers, arguments, overrides, "weights", None)
    accepts_weights = sorted(
        p for p, _ in layers if p not in rejects_weights and p not in weights_unknown
    )
    return {
        "tf_api_2_21.json": {**header("current", **versions), **tf_tree},
        "keras_api_3.json": {
            **header("current", **versions),
            **keras_tree,
            "model_methods": methods,
            "model_attributes": attributes,
            "class_methods": other_methods,
            "unusable": dict(sorted(legacy_optimizers.items())),
        },
        "tf_arguments_2_21.json": {
            **header("current", **versions),
            "rejects_seed": rejects_seed,
            "rejects_weights": rejects_weights,
            "accepts_weights": accepts_weights,
            "not_constructed": sorted(set(seed_unknown) | set(weights_unknown)),
            "dropped_keywords": dropped_keywords(tf, tf_tree),
            "keras_keywords": keywords,
            "keras_open_classes": open_classes,
        },
    }


def renames(tf: Any) -> dict[str, object]:
    """TF1 -> TF2 renames from tf_upgrade_v2's table, split by whether they are one-to-one,
    and the names whose arguments tf_upgrade_v2 rewrites too."""
    from tensorflow.tools.compatibility import all_renames_v2, tf_upgrade_v2

    def find(dotted: str) -> object:
        rest = dotted.split(".", 1)[1]
        return resolve_object(tf, rest)

    replacements: dict[str, str] = {}
    others: dict[str, str] = {}
    for old, new in sorted(all_renames_v2.symbol_renames.items()):
        if not (old.startswith("tf.") and new.startswith("tf.")):
            continue
        key = "tensorflow." + old[3:]
        value = "tensorflow." + new[3:]
        try:
            same = find("tf.compat.v1." + old[3:]) is find(new)
        except Exception:
            same = False
        (replacements if same else others)[key] = value
    spec = tf_upgrade_v2.TFAPIChangeSpec()
    rewritten = {*spec.function_transformers, *spec.function_keyword_renames, *spec.function_reorders,
                 *spec.function_warnings, *spec.function_arg_warnings}
    changes = sorted("tensorflow." + name[3:] for name in rewritten if name.startswith("tf."))
    keywords = {}
    for name, renamed in sorted(spec.function_keyword_renames.items()):
        if not name.startswith("tf."):
            continue
        try:  # the TF2 function of the same name may still take a TF1 keyword (l2_normalize's `dim`)
            function = find(name)
            accepted = set(inspect.signature(function).parameters) if callable(function) else set()
        except Exception:
            accepted = set()
        lacking = sorted(set(renamed) - accepted)
        if lacking:
            keywords["tensorflow." + name[3:]] = lacking
    # Names whose only rewrite is tf_upgrade_v2's reorder: TF1's arguments from a position on
    # passed by keyword (its list: None keeps a position), then the TF2 name (decode_csv's
    # `name` moved after `na_value`).
    others_rewritten = {*spec.function_transformers, *spec.function_keyword_renames, *spec.function_warnings,
                        *spec.function_arg_warnings}
    reorders = {"tensorflow." + name[3:]: list(order)
                for name, order in sorted(spec.function_reorders.items())
                if name.startswith("tf.") and name not in others_rewritten}
    return {"replacements": replacements, "renames": others, "changes_arguments": changes,
            "v1_keywords": keywords, "reorders": reorders}


def legacy() -> dict[str, object]:
    """The tables made from TensorFlow 2.15, Keras 2.15 and tensorflow-estimator 2.15."""
    quiet_tensorflow()
    import keras
    import tensorflow as tf
    import tensorflow_estimator

    tf.get_logger().setLevel("ERROR")
    versions = {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "tensorflow_estimator": getattr(tensorflow_estimator, "__version__", "2.15.0"),
    }
    tf_tree = walk_api(tf, "tensorflow")
    keras_tree = walk_api(keras, "keras")
    methods, attributes = model_members(keras)
    arguments = minimal_arguments(tf, keras)
    classes = seed_classes(tf, keras, tf_tree, keras_tree)
    rejects_seed, seed_unknown = keyword_verdicts(classes, arguments, class_overrides(keras, tf),
                                                  "seed", 1)
    return {
        "tf_api_2_15.json": {**header("legacy", **versions), **tf_tree},
        "keras_api_2_15.json": {
            **header("legacy", **versions),
            **keras_tree,
            "model_methods": methods,
            "model_attributes": attributes,
        },
        "tf_arguments_2_15.json": {
            **header("legacy", **versions),
            "rejects_seed": rejects_seed,
            "not_constructed": seed_unknown,
        },
        "tf_renames_v2.json": {**header("legacy", **versions), **renames(tf)},
    }


# -- writing and checking -------------------------------------------------------------------


def dump(table: object) -> str:
    return json.dumps(table, indent=0, sort_keys=True, ensure_ascii=True) + "\n"


def versions_note(old: str, new: str) -> str | None:
    """Say so when the runtime's package versions differ from the ones a file records."""
    recorded = json.loads(old).get("versions") if old else None
    current = json.loads(new).get("versions")
    return f"was generated with {recorded}; this runtime has {current}" if recorded != current else None


def write_or_check(tables: dict[str, object], check: bool) -> int:
    outputs = {DATA / filename: dump(table) for filename, table in tables.items()}
    regenerate = (f"{GENERATED_BY} (see its docstring), or check that the runtime has the "
                  "versions recorded in the files")
    return tablefile.write_or_check(outputs, check, regenerate, versions_note)


def default_python(runtime: str) -> str:
    sys.path.insert(0, str(REPO))
    from estimator_audit.shim.runtimes import install

    return str(install(runtime))


def run_both(python: str | None, legacy_python: str | None, check: bool) -> int:
    status = 0
    for mode, interpreter in (("current", python), ("legacy", legacy_python)):
        interpreter = interpreter or default_python(mode)
        command = [interpreter, str(Path(__file__).resolve()), mode, *(["--check"] if check else [])]
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        done = subprocess.run(command, env=env, check=False)
        status = status or done.returncode
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("mode", nargs="?", default="all", choices=("all", "current", "legacy"))
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--python", help="interpreter with TensorFlow 2.21 (mode all)")
    parser.add_argument("--legacy-python", help="interpreter with TensorFlow 2.15 (mode all)")
    options = parser.parse_args(argv)
    if options.mode == "all":
        return run_both(options.python, options.legacy_python, options.check)
    tables = current() if options.mode == "current" else legacy()
    return write_or_check(tables, options.check)


if __name__ == "__main__":
    sys.exit(main())
