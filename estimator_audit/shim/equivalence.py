"""The child side of `estimator-audit compare`: run one program under one TensorFlow runtime and
record what it trained on, how its loss went and what it computed.

This file runs inside the legacy runtime (TF 2.15 + tensorflow-estimator) or the current one
(TF 2.21 + Keras 3), which have neither estimator_audit's dependencies nor estimator_audit
itself: it imports only the standard library, NumPy and TensorFlow, and the parent loads it by
file path and calls `main` (compare.BOOT). The program runs unchanged (`runpy`, as `__main__`);
the training calls are wrapped instead:

- legacy, `Estimator.train`: the batches the input_fn yields are materialised first (through
  the estimator's own input path, under its graph seed, up to the steps trained), then the real
  estimator trains on exactly those batches; a SessionRunHook records every variable after
  initialisation (before step 1) and after the last step, and the loss of every step.
- current, `keras.Model.fit`: in equivalence mode the legacy initial variables are loaded into
  the model through the parent's variable mapping and the data is replaced by the legacy batches
  (same order), so both sides take the same gradient steps; the loss of every batch is read
  from the model's own loss computation (Keras's `loss` log is a running mean).
- both: `evaluate` results and `predict` outputs, for the outcome comparison.

The record is one .npz: arrays by name plus a JSON `meta` entry.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import runpy
import sys
import tempfile
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any

import numpy as np

MAX_STEPS_WITHOUT_END = 100_000
"""A train call without steps on an input that never ends would train forever; stop there."""
MAX_PREDICTIONS = 100_000
"""Predictions are read eagerly (the program may only look at the first): at most this many."""
NPZ_META = "meta"
DISTRIBUTIONS = {"tensorflow": ("tensorflow", "tensorflow-cpu"),
                 "tensorflow-estimator": ("tensorflow-estimator",), "keras": ("keras",), "numpy": ("numpy",)}
"""Packages whose versions the report shows, and the distributions that provide them."""


def prediction_key(outputs: dict[str, Any]) -> str:
    """The output both sides compare: logits, else a regressor's predictions, else the first key
    in sorted order (a custom Estimator's own predictions dict)."""
    for key in ("logits", "predictions"):
        if key in outputs:
            return key
    return sorted(outputs)[0]


class Record:
    """What one program did, in arrays (variables, losses, batches) and JSON (the rest)."""

    def __init__(self, side: str, mode: str) -> None:
        self.arrays: dict[str, np.ndarray[Any, Any]] = {}
        self.losses: list[float] = []
        self.meta: dict[str, Any] = {"side": side, "mode": mode, "segments": [], "requested": [],
                                     "evaluations": [], "predictions": [], "notes": [],
                                     "problems": [], "batch_check": []}

    def variables(self, prefix: str, values: dict[str, np.ndarray[Any, Any]]) -> None:
        for name, value in values.items():
            self.arrays[f"{prefix}/{name}"] = np.asarray(value)

    def batch(self, prefix: str, index: int, features: dict[str, Any], labels: Any) -> None:
        for key, value in features.items():
            self.arrays[f"{prefix}/{index}/x/{key}"] = plain(value)
        if labels is not None:
            self.arrays[f"{prefix}/{index}/y"] = plain(labels)

    def evaluation(self, results: dict[str, Any]) -> None:
        numbers = {}
        for key, value in results.items():
            array = np.asarray(value)
            if array.size == 1 and array.dtype.kind in "fiub":
                numbers[str(key)] = float(array.reshape(()))
        self.meta["evaluations"].append(numbers)

    def prediction(self, key: str, values: np.ndarray[Any, Any]) -> None:
        self.arrays[f"predictions/{len(self.meta['predictions'])}"] = np.asarray(values, np.float64)
        self.meta["predictions"].append(key)

    def save(self, path: str) -> None:
        arrays = dict(self.arrays)
        arrays["loss"] = np.asarray(self.losses, np.float64)
        arrays[NPZ_META] = np.asarray(json.dumps(self.meta))
        np.savez(path, **arrays)  # type: ignore[arg-type]


def plain(value: Any) -> np.ndarray[Any, Any]:
    """A batch value as a NumPy array that savez stores without pickling (strings as bytes)."""
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    if array.dtype == object:
        array = np.asarray(array.tolist(), dtype=bytes)
    return array


def load_batches(arrays: Any, prefix: str) -> list[tuple[dict[str, np.ndarray[Any, Any]], Any]]:
    """The batches a Record stored under `prefix`, in step order."""
    batches: dict[int, tuple[dict[str, np.ndarray[Any, Any]], Any]] = {}
    for name in arrays.files:
        if not name.startswith(prefix + "/"):
            continue
        index, kind, *key = name[len(prefix) + 1:].split("/", 2)
        features, _ = batches.setdefault(int(index), ({}, None))
        if kind == "x":
            features[key[0]] = arrays[name]
        else:
            batches[int(index)] = (features, arrays[name])
    return [batches[index] for index in sorted(batches)]


def versions() -> dict[str, str | None]:
    """The runtime's versions, from package metadata (nothing is imported for them)."""
    found: dict[str, str | None] = {"python": ".".join(map(str, sys.version_info[:3]))}
    for name, distributions in DISTRIBUTIONS.items():
        found[name] = None
        for distribution in distributions:
            try:
                found[name] = metadata.version(distribution)
                break
            except metadata.PackageNotFoundError:
                continue
    return found


def bound(function: Callable[..., Any], *args: Any, **kwargs: Any) -> inspect.BoundArguments:
    """The call's arguments by parameter name, defaults filled in."""
    arguments = inspect.signature(function).bind(*args, **kwargs)
    arguments.apply_defaults()
    return arguments


# -- legacy: tf.estimator --------------------------------------------------------------------------

def patch_estimator(spec: dict[str, Any], record: Record) -> None:
    """Wrap the Estimator base class, which every premade estimator trains through."""
    import tensorflow as tf
    from tensorflow.python.training import training_util
    from tensorflow_estimator.python.estimator import estimator as estimator_lib
    from tensorflow_estimator.python.estimator.mode_keys import ModeKeys

    tf.get_logger().setLevel("ERROR")  # deprecation warnings of the estimator's own code
    base = estimator_lib.Estimator
    original_init, original_train = base.__init__, base.train
    original_evaluate, original_predict = base.evaluate, base.predict
    original_model_fn = base._call_model_fn

    @functools.wraps(original_init)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        """Checkpoints go to a fresh folder in the parent's scratch folder: an existing model_dir
        would warm-start the estimator from the program's last run, and compare must not write
        into it."""
        arguments = bound(original_init, self, *args, **kwargs)
        model_dir = tempfile.mkdtemp(prefix="model_dir-", dir=spec["scratch"])
        arguments.arguments["model_dir"] = model_dir
        config = arguments.arguments.get("config")
        if config is not None and config.model_dir:
            arguments.arguments["config"] = config.replace(model_dir=model_dir)
        original_init(*arguments.args, **arguments.kwargs)

    def call_model_fn(self: Any, features: Any, labels: Any, mode: Any, config: Any) -> Any:
        result = original_model_fn(self, features, labels, mode, config)
        if mode == ModeKeys.TRAIN:
            self._estimator_audit_loss = result.loss
        return result

    class Recorder(tf.compat.v1.train.SessionRunHook):  # type: ignore[misc]
        """Variables after initialisation (first train call) and after the last step; the loss
        of every step, fetched in the same run as the train op (so before the update)."""

        def __init__(self, estimator: Any) -> None:
            self.estimator = estimator

        def begin(self) -> None:
            self.loss = self.estimator._estimator_audit_loss

        def after_create_session(self, session: Any, coord: Any) -> None:
            if not any(name.startswith("initial/") for name in record.arrays):
                record.variables("initial", graph_variables(session))
                # A custom Estimator's model variables map by name onto the Keras rewrite's.
                record.meta["trainable"] = [v.op.name for v in tf.compat.v1.trainable_variables()]

        def before_run(self, run_context: Any) -> Any:
            return tf.compat.v1.train.SessionRunArgs(self.loss)

        def after_run(self, run_context: Any, run_values: Any) -> None:
            record.losses.append(float(run_values.results))

        def end(self, session: Any) -> None:
            record.variables("final", graph_variables(session))

    def graph_variables(session: Any) -> dict[str, np.ndarray[Any, Any]]:
        """Every global variable under its checkpoint name; partitioned variables (V1 DNN and
        linear models use a partitioner) are assembled from their slices."""
        variables = tf.compat.v1.global_variables()
        values = session.run({variable.name: variable for variable in variables})
        found: dict[str, np.ndarray[Any, Any]] = {}
        for variable in variables:
            value = np.asarray(values[variable.name])
            info = getattr(variable, "_save_slice_info", None)
            if info is None:
                found[variable.op.name] = value
                continue
            whole = found.setdefault(info.full_name, np.zeros(info.full_shape, value.dtype))
            whole[tuple(slice(start, start + value.shape[axis])
                        for axis, start in enumerate(info.var_offset))] = value
        return found

    def materialise(self: Any, input_fn: Callable[..., Any], count: int | None
                    ) -> list[tuple[dict[str, Any], Any]]:
        """The batches the estimator would read: the graph is set up as `_train_model_default`
        sets it up before it calls the input_fn (graph seed, then the global step ops), so an
        input pipeline that draws op seeds from the graph seed draws the same ones."""
        batches: list[tuple[dict[str, Any], Any]] = []
        with tf.Graph().as_default() as graph:
            tf.compat.v1.random.set_random_seed(self.config.tf_random_seed)
            if self._create_and_assert_global_step(graph) is not None:
                training_util._get_or_create_global_step_read(graph)
            features, labels, hooks = self._get_features_and_labels_from_input_fn(input_fn, ModeKeys.TRAIN)
            if not isinstance(features, dict):
                features = {"__features__": features}
            limit = count if count is not None else MAX_STEPS_WITHOUT_END
            with tf.compat.v1.train.MonitoredSession(hooks=hooks) as session:
                while len(batches) < limit and not session.should_stop():
                    try:
                        batch = session.run((features, labels))
                    except tf.errors.OutOfRangeError:
                        break
                    batches.append(batch)
        if count is None and len(batches) == MAX_STEPS_WITHOUT_END:
            raise RuntimeError(f"train() without steps on an input that did not end after "
                               f"{MAX_STEPS_WITHOUT_END} batches; pass --steps")
        return batches

    def replay(batches: list[tuple[dict[str, Any], Any]]) -> Callable[[], Any]:
        """An input_fn that yields exactly these batches, in order."""
        first_features, first_labels = batches[0]

        def signature(value: Any) -> Any:
            array = np.asarray(value)
            dtype = tf.string if array.dtype.kind in "SOU" else tf.as_dtype(array.dtype)
            return tf.TensorSpec((None, *array.shape[1:]), dtype)

        spec = ({key: signature(value) for key, value in first_features.items()},
                None if first_labels is None else signature(first_labels))

        def generate() -> Iterator[Any]:
            for features, labels in batches:
                yield (features, labels) if labels is not None else (features,)

        def input_fn() -> Any:
            shapes = spec if spec[1] is not None else spec[:1]
            dataset = tf.data.Dataset.from_generator(generate, output_signature=shapes)
            if "__features__" in spec[0]:
                return dataset.map(lambda x, *y: (x["__features__"], *y))
            return dataset

        return input_fn

    def train(self: Any, input_fn: Callable[..., Any], hooks: Any = None, steps: int | None = None,
              max_steps: int | None = None, saving_listeners: Any = None) -> Any:
        count = spec["steps"] if spec["steps"] is not None else steps
        if count is None and max_steps is not None:
            done = self.get_variable_value("global_step") if self.latest_checkpoint() else 0
            count = max(int(max_steps) - int(done), 0)
        record.meta["requested"].append(count)
        recorder = Recorder(self)
        all_hooks = [*(hooks or []), recorder]
        if spec["mode"] != "equivalence":
            before = len(record.losses)
            result = original_train(self, input_fn, all_hooks, count, None, saving_listeners)
            record.meta["segments"].append(len(record.losses) - before)
            return result
        batches = materialise(self, input_fn, count)
        segment = len(record.meta["segments"])
        offset = sum(record.meta["segments"])
        for index, (features, labels) in enumerate(batches):
            record.batch("batches", offset + index, features, labels)
        record.meta["segments"].append(len(batches))
        if not batches:
            record.meta["notes"].append(f"train call {segment + 1} had no data")
            return self
        return original_train(self, replay(batches), all_hooks, len(batches), None, saving_listeners)

    def evaluate(self: Any, *args: Any, **kwargs: Any) -> Any:
        results = original_evaluate(self, *args, **kwargs)
        record.evaluation(results)
        return results

    def predict(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """Read eagerly (the program may stop after one example): logits, else predictions."""
        generator = original_predict(self, *args, **kwargs)
        read = []
        for item in generator:
            read.append(item)
            if len(read) == MAX_PREDICTIONS:
                break
        if read and isinstance(read[0], dict):
            key = prediction_key(read[0])
            record.prediction(key, np.stack([np.asarray(item[key]) for item in read]))
        elif read:
            record.prediction("output", np.stack([np.asarray(item) for item in read]))
        yield from read
        yield from generator

    base.__init__ = init
    base.train = train
    base.evaluate = evaluate
    base.predict = predict
    base._call_model_fn = call_model_fn
    patch_train_and_evaluate(record)


def patch_train_and_evaluate(record: Record) -> None:
    """train_and_evaluate evaluates at every checkpoint it saves and at the end; the rewrite's
    fit and evaluate evaluate at the end. Keep its last evaluation, and say how many it made."""
    import tensorflow as tf
    from tensorflow_estimator.python.estimator import training

    original = training.train_and_evaluate

    @functools.wraps(original)
    def train_and_evaluate(*args: Any, **kwargs: Any) -> Any:
        before = len(record.meta["evaluations"])
        result = original(*args, **kwargs)
        made = record.meta["evaluations"][before:]
        if len(made) > 1:
            record.meta["evaluations"][before:] = made[-1:]
            record.meta["notes"].append(f"train_and_evaluate evaluated {len(made)} times (at each checkpoint "
                                        "and at the end): its last evaluation is compared")
        return result

    for namespace in (training, tf.estimator, tf.compat.v1.estimator):
        namespace.train_and_evaluate = train_and_evaluate


# -- current: Keras 3 -------------------------------------------------------------------------------

def fresh_model_dirs(spec: dict[str, Any]) -> None:
    """The migrated program's keras_feature_columns models checkpoint into a fresh folder, as
    the legacy estimator does here: a checkpoint left in the program's model_dir by an earlier
    run would make the model resume and train nothing. The module is the program's own copy, so
    its `Model` is wrapped when the program imports it."""
    import importlib.abc
    import importlib.machinery

    def redirect(module: Any) -> None:
        original_init = module.Model.__init__

        @functools.wraps(original_init)
        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(self, *args, **kwargs)
            if getattr(self, "model_dir", None) is not None:
                self.model_dir = tempfile.mkdtemp(prefix="model_dir-", dir=spec["scratch"])

        module.Model.__init__ = init

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
            if name.rsplit(".", 1)[-1] != "keras_feature_columns":
                return None
            found = importlib.machinery.PathFinder.find_spec(name, path)
            loader = getattr(found, "loader", None)
            if loader is not None and hasattr(loader, "exec_module"):
                original_exec = loader.exec_module

                def exec_module(module: Any) -> None:
                    original_exec(module)
                    if hasattr(module, "Model"):
                        redirect(module)

                loader.exec_module = exec_module
            return found

    sys.meta_path.insert(0, Finder())


def patch_keras(spec: dict[str, Any], record: Record) -> None:
    """Wrap keras.Model, which the migrated model trains through (tf.keras is Keras 3 here)."""
    import keras
    import tensorflow as tf

    fresh_model_dirs(spec)

    legacy = np.load(spec["legacy"], allow_pickle=False) if spec["mode"] == "equivalence" else None
    model_class = keras.Model
    original_fit, original_evaluate = model_class.fit, model_class.evaluate
    original_predict = model_class.predict
    state: dict[str, Any] = {"fits": 0, "step": 0}
    batch_loss = tf.Variable(0.0, dtype=tf.float64, trainable=False, name="estimator_audit_loss")

    def record_loss(model: Any) -> None:
        """The loss of each training batch, as the model computed it for its gradient step."""
        if getattr(model, "_estimator_audit_loss", False):
            return
        compute = model.compute_loss

        def compute_and_keep(*args: Any, **kwargs: Any) -> Any:
            loss = compute(*args, **kwargs)
            if kwargs.get("training", True):
                batch_loss.assign(tf.cast(loss, tf.float64))
            return loss

        model.compute_loss = compute_and_keep
        model._estimator_audit_loss = True

    class LossPerBatch(keras.callbacks.Callback):  # type: ignore[misc]
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            record.losses.append(float(batch_loss.numpy()))

    def model_variables(model: Any) -> dict[str, Any]:
        """The model's float variables by path (`hiddenlayer_0/kernel`), RNG states left out."""
        return {variable.path: variable for variable in model.variables
                if "seed_generator" not in variable.path and np.dtype(variable.dtype).kind == "f"}

    def carry_initial_weights(model: Any) -> None:
        """Set every mapped Keras variable from the legacy initial variables (blocks stacked
        on the first axis). The parent reports why an entry failed (from the final variables);
        this reports the Keras variables left at the migrated program's own initial values."""
        assert legacy is not None
        variables = model_variables(model)
        for entry in spec["mapping"]:
            names = [f"initial/{name}" for name, _ in entry["sources"]]
            variable = variables.get(entry["keras"])
            if variable is None or not all(name in legacy.files for name in names):
                continue
            value = np.concatenate([legacy[name] for name in names], axis=0)
            if tuple(value.shape) == tuple(variable.shape):
                variable.assign(value.astype(np.dtype(variable.dtype)))
                del variables[entry["keras"]]
        record.meta["problems"] += [f"{path} of the migrated model was not set from the estimator's "
                                    "initial variables" for path in sorted(variables)]

    def requested_steps(x: Any, epochs: int, steps_per_epoch: int | None) -> int | None:
        if steps_per_epoch is not None:
            return epochs * int(steps_per_epoch)
        if isinstance(x, tf.data.Dataset):
            cardinality = int(x.cardinality())
            return epochs * cardinality if cardinality >= 0 else None
        return None

    def segment(index: int) -> list[tuple[dict[str, Any], Any]]:
        assert legacy is not None
        meta = json.loads(str(legacy[NPZ_META]))
        segments = meta["segments"]
        if index >= len(segments):
            return []
        start = sum(segments[:index])
        batches = load_batches(legacy, "batches")
        return batches[start:start + segments[index]]

    def check_batches(x: Any, batches: list[tuple[dict[str, Any], Any]], offset: int) -> None:
        """Keep the batches the migrated program's own dataset yields, to compare with legacy."""
        if not isinstance(x, tf.data.Dataset):
            record.meta["batch_check"].append("fit was not given a tf.data.Dataset")
            return
        for index, element in enumerate(x.take(len(batches))):
            features, labels = (element[0], element[1]) if isinstance(element, tuple) else (element, None)
            if not isinstance(features, dict):
                features = {"__features__": features}
            record.batch("seen", offset + index, features, labels)
        record.meta["batch_check"].append("checked")

    def replay(batches: list[tuple[dict[str, Any], Any]]) -> Any:
        def generate() -> Iterator[Any]:
            for features, labels in batches:
                x = features["__features__"] if list(features) == ["__features__"] else features
                yield (x, labels) if labels is not None else x

        first = next(generate())
        signature = tf.nest.map_structure(
            lambda value: tf.TensorSpec((None, *np.shape(value)[1:]), tf.constant(value).dtype), first)
        return tf.data.Dataset.from_generator(generate, output_signature=signature)

    @functools.wraps(original_fit)
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = bound(original_fit, self, *args, **kwargs).arguments
        x, epochs, steps_per_epoch = arguments["x"], arguments["epochs"], arguments["steps_per_epoch"]
        index = state["fits"]
        state["fits"] += 1
        record_loss(self)
        callbacks = [*(arguments["callbacks"] or []), LossPerBatch()]
        steps = spec["steps"]
        record.meta["requested"].append(
            steps if steps is not None else requested_steps(x, epochs, steps_per_epoch))
        if spec["mode"] != "equivalence":
            before = len(record.losses)
            overrides: dict[str, Any] = {"callbacks": callbacks, "verbose": 0}
            if steps is not None:
                overrides.update(epochs=1, steps_per_epoch=steps)
            history = original_fit(self, **{**dict(list(arguments.items())[1:]), **overrides})
            record.meta["segments"].append(len(record.losses) - before)
        else:
            history = replay_segment(self, index, x, callbacks)
        record.variables("final", {path: v.numpy() for path, v in model_variables(self).items()})
        return history

    def make_layers(model: Any, batches: list[tuple[dict[str, Any], Any]]) -> None:
        """A custom Estimator's Keras model makes its layers the first time its model_fn runs:
        run it once on the first legacy batch, in TRAIN mode (no step is taken)."""
        if model.variables or not hasattr(model, "run_model_fn") or not batches:
            return
        features, labels = batches[0]
        x = features["__features__"] if list(features) == ["__features__"] else features
        model.run_model_fn(x, labels, "train")

    def replay_segment(model: Any, index: int, x: Any, callbacks: list[Any]) -> Any:
        """Equivalence mode: the legacy batches of train call `index`, from the legacy start."""
        batches = segment(index)
        if index == 0:
            make_layers(model, batches)
            carry_initial_weights(model)
        offset = state["step"]
        state["step"] += len(batches)
        record.meta["segments"].append(len(batches))
        if not batches:
            record.meta["notes"].append(f"fit call {index + 1} has no legacy train call to replay")
            return None
        check_batches(x, batches, offset)
        return original_fit(model, replay(batches), epochs=1, callbacks=callbacks, verbose=0)

    @functools.wraps(original_evaluate)
    def evaluate(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original_evaluate(self, *args, **kwargs)
        if isinstance(result, dict):
            record.evaluation(result)
        elif isinstance(result, (list, tuple)):
            record.evaluation({name: result[i] for i, name in enumerate(self.metrics_names)})
        else:
            record.evaluation({"loss": result})
        return result

    @functools.wraps(original_predict)
    def predict(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original_predict(self, *args, **kwargs)
        if isinstance(result, dict):
            key = prediction_key(result)
            record.prediction(key, result[key])
        elif isinstance(result, (list, tuple)):
            record.prediction("output 0", result[0])
        else:
            record.prediction("output", result)
        return result

    model_class.fit = fit
    model_class.evaluate = evaluate
    model_class.predict = predict


def sibling(name: str) -> Any:
    """A module next to this file, loaded by path under a private name (see compare.BOOT)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_estimator_audit_compare_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def patch_session(spec: dict[str, Any], record: Record) -> None:
    """Legacy side of a Session script: every run that updates trainable variables (found as
    `repro` finds them) is a step; its feeds are the batch (keyed as the Keras model is fed:
    the script's names for the placeholders), the float scalar it fetched the loss (no losses
    are kept when a step fetches none), and the variables before the first step and after the
    last are kept by name (`dense/kernel`)."""
    import tensorflow as tf

    trace = sibling("trace")
    placeholders: dict[str, str] = spec["placeholders"]  # graph name -> the key the model is fed under
    session_class: Any = sys.modules["tensorflow.python.client.session"].BaseSession
    original_run = session_class.run
    outcome = spec["mode"] == "outcome"

    def run(self: Any, fetches: Any, feed_dict: Any = None, options: Any = None,
            run_metadata: Any = None) -> Any:
        plan = trace.session_plan(tf, self.graph, fetches)
        if plan is None:
            results = original_run(self, fetches, feed_dict, options, run_metadata)
            if outcome:
                last_evaluation(record, tf.nest.flatten(results))
            return results
        if outcome:  # the script trains on its own: its steps are counted
            count_step(record)
            return original_run(self, fetches, feed_dict, options, run_metadata)
        if not record.meta["segments"]:
            record.meta["segments"].append(0)
            initial = original_run(self, plan.variables)
            record.variables("initial", dict(zip(plan.names, initial, strict=True)))
        graph_names = {str(getattr(key, "name", key)).removesuffix(":0"): value
                       for key, value in (feed_dict or {}).items()}
        fed = {placeholders.get(name, name): value for name, value in graph_names.items()}
        record.batch("batches", record.meta["segments"][0], fed, None)
        results = original_run(self, fetches, feed_dict, options, run_metadata)
        scalars = [v for v in tf.nest.flatten(results) if np.ndim(v) == 0 and np.asarray(v).dtype.kind == "f"]
        if scalars and "no loss" not in record.meta:
            record.losses.append(float(scalars[0]))
        else:
            record.meta["no loss"] = True
            record.losses.clear()
        record.meta["segments"][0] += 1
        record.variables("final", dict(zip(plan.names, original_run(self, plan.variables), strict=True)))
        return results

    session_class.run = run


def last_evaluation(record: Record, values: list[Any]) -> None:
    """Outcome mode of a Session script: the numbers of its last run that trains nothing (the
    session's `accuracy.eval(...)`, the rewrite's `model.fetch('accuracy', ...)`), by position."""
    numbers = {f"last evaluation, value {index}": value for index, value in enumerate(values, start=1)}
    earlier, record.meta["evaluations"] = record.meta["evaluations"], []
    record.evaluation(numbers)
    if not record.meta["evaluations"][0]:  # a run of no numbers (an initializer): the last one stands
        record.meta["evaluations"] = earlier


def count_step(record: Record) -> None:
    """One training step of a program compared in outcome mode (both sides count theirs)."""
    count = record.meta["segments"][0] + 1 if record.meta["segments"] else 1
    record.meta["segments"] = [count]
    record.meta["requested"] = [count]


def patch_fetch(record: Record) -> None:
    """Current side of a rewritten Session script in outcome mode: it trains on its own; its
    steps are counted, and the values of its last `fetch` (the rewritten class's method, wrapped
    as the program defines the class) kept."""
    import keras

    original = keras.Model.train_on_batch

    @functools.wraps(original)
    def train_on_batch(self: Any, *args: Any, **kwargs: Any) -> Any:
        count_step(record)
        return original(self, *args, **kwargs)

    def init_subclass(cls: type, /, **kwargs: Any) -> None:
        fetch = cls.__dict__.get("fetch")
        if callable(fetch):
            @functools.wraps(fetch)
            def recorded(self: Any, names: Any, feed: Any) -> Any:
                values = fetch(self, names, feed)
                last_evaluation(record, list(values) if isinstance(names, (list, tuple)) else [values])
                return values

            cls.fetch = recorded  # type: ignore[attr-defined]
        super(keras.Model, cls).__init_subclass__(**kwargs)

    keras.Model.train_on_batch = train_on_batch
    keras.Model.__init_subclass__ = classmethod(init_subclass)


def patch_train_on_batch(spec: dict[str, Any], record: Record) -> None:
    """Current side of a rewritten Session script: the model starts from the legacy initial
    variables (matched by name, the model's own name left out of the path) and each
    train_on_batch call trains on the legacy step's feeds; the feeds the migrated program gave
    are kept to compare."""
    import keras

    legacy = np.load(spec["legacy"], allow_pickle=False)
    batches = load_batches(legacy, "batches")
    original = keras.Model.train_on_batch
    state = {"step": 0}

    def named(model: Any) -> dict[str, Any]:
        return {variable.path.removeprefix(f"{model.name}/"): variable for variable in model.variables
                if "seed_generator" not in variable.path and np.dtype(variable.dtype).kind == "f"}

    @functools.wraps(original)
    def train_on_batch(self: Any, x: Any = None, *args: Any, **kwargs: Any) -> Any:
        step = state["step"]
        if step < len(batches):
            legacy_feed = batches[step][0]
        if step == 0 and not self.built and step < len(batches):  # its layers make their variables now
            import tensorflow as tf

            self({key: tf.convert_to_tensor(value) for key, value in legacy_feed.items()})
        if step == 0:
            record.meta["requested"].append(None)
            record.meta["segments"].append(0)
            unset = dict(named(self)) if self.built else {}
            for name, variable in named(self).items():
                if f"initial/{name}" in legacy.files:
                    variable.assign(legacy[f"initial/{name}"].astype(np.dtype(variable.dtype)))
                    unset.pop(name, None)
            record.meta["problems"] += [f"{name} of the migrated model has no legacy variable of that name"
                                        for name in sorted(unset)]
        if isinstance(x, dict):
            record.batch("seen", step, x, None)
        if step < len(batches):
            x = legacy_feed
        else:
            record.meta["notes"].append(f"train_on_batch call {step + 1} has no legacy step to replay")
        loss = original(self, x, *args, **kwargs)
        logged = loss["loss"] if isinstance(loss, dict) else loss  # (return_dict=True: a GAN's losses)
        record.losses.append(float(np.asarray(logged).reshape(-1)[0]))
        state["step"] += 1
        record.meta["segments"][0] += 1
        record.variables("final", {name: v.numpy() for name, v in named(self).items()})
        return loss

    keras.Model.train_on_batch = train_on_batch


def run_program(path: str) -> None:
    """Run the program as its author does: `python PATH` (as __main__, its folder first on
    sys.path), or, for a module of a package that imports through its package (`trainer/task.py`
    with `from trainer import model` or a relative import), `python -m trainer.task` from the
    folder above the package."""
    folder, module = os.path.dirname(os.path.abspath(path)), os.path.splitext(os.path.basename(path))[0]
    parts = [module]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        folder, package = os.path.split(folder)
        parts.insert(0, package)
    sys.argv = [path]
    as_module = len(parts) > 1 and imports_through_package(path, parts[0])
    sys.path[0] = folder if as_module else os.path.dirname(os.path.abspath(path))
    try:
        if as_module:
            runpy.run_module(".".join(parts), run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(path, run_name="__main__")
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise


def imports_through_package(path: str, package: str) -> bool:
    """Whether the module imports relatively or through its own top-level package: then it only
    runs as part of the package (`python -m`); otherwise as a script."""
    import ast

    with open(path, "rb") as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] == package):
            return True
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == package for alias in node.names):
            return True
    return False


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as handle:
        spec: dict[str, Any] = json.load(handle)
    record = Record(spec["side"], spec["mode"])
    record.meta["versions"] = versions()
    if spec.get("kind") == "session":
        import tensorflow  # noqa: F401  (the session module patched below)

        if spec["side"] == "legacy":
            patch_session(spec, record)
        elif spec["mode"] == "outcome":
            patch_fetch(record)
        else:
            patch_train_on_batch(spec, record)
    elif spec["side"] == "legacy":
        patch_estimator(spec, record)
    else:
        patch_keras(spec, record)
    run_program(spec["program"])
    record.save(spec["output"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
