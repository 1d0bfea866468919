"""Child side of `estimator-audit repro`: record what a training program does, step by step.

The parent runs `python -c BOOT trace.py config.json` under a TensorFlow runtime. This file is
loaded by its path (the runtimes have none of estimator-audit's dependencies), installs
post-import hooks, then runs the user's script with runpy as `__main__`. Nothing is imported
early: TensorFlow, Keras and even NumPy read environment variables when they load, and the
program may set them first, so each framework is patched only once the program imports it.

What is recorded, as a list of events (`Event`):
- `init`: a digest of every trainable variable before the first update of a training call;
- `step`: after every training step, the batch it was fed, its loss and every trainable
  variable (Keras `fit`/`train_on_batch` through a wrapped `train_step` that hands the batch,
  loss and updated variables to a `tf.numpy_function`; Estimator `train` through an injected
  SessionRunHook that fetches, in the step's own run, the features and labels `model_fn`
  received and reads of the variables ordered after the train op; TF1 `Session.run` calls that
  apply updates to trainable variables, with the iterator outputs and feeds as the batch);
- `evaluate` / `predict`: a digest of what the call returned.

A digest is the sha256 of a variable's raw bytes, computed on a worker thread while training
goes on (see `Recorder`). Full values go to `values-<event>.npz` only
for some events: every `init`, the first step of every training call, the last step, the
events the parent asks for, and (given the first run's trace as a reference) the first event
that differs from it, so a divergence report can say by how much without storing every step.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import json
import os
import runpy
import sys
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from numpy.typing import NDArray

TRACE_FILE = "trace.json"
FORMAT = 1
PENDING_STEPS = 4  # steps whose digests may still be computing before training waits for them

# TF1 ops that change a variable by an update rule (optimizers, manual assign_add/sub). Plain
# `Assign` is left out: it is how variables are initialised and restored, not trained.
UPDATE_OPS = ("Apply", "ResourceApply", "SparseApply", "ResourceSparseApply", "AssignAdd", "AssignSub",
              "ScatterAdd", "ScatterSub", "ResourceScatterAdd", "ResourceScatterSub")
# TF1 ops whose outputs are the batch a step consumes.
INPUT_OPS = ("IteratorGetNext", "IteratorGetNextSync", "QueueDequeue", "QueueDequeueV2", "QueueDequeueMany",
             "QueueDequeueManyV2", "QueueDequeueUpTo", "QueueDequeueUpToV2")


@dataclass(frozen=True)
class Event:
    """One thing a run did; two runs are identical when their events are equal, in order."""

    kind: str  # "init", "step", "evaluate" or "predict"
    source: str  # the API that did it: "keras Model.fit", "Estimator.train", "Session.run", ...
    call: int  # which training (or evaluation) call, counted from 1 over the whole run
    step: int | None = None  # training steps, counted from 0 over the whole run
    names: tuple[str, ...] = ()  # trainable variables, in the order of `digests`
    digests: tuple[str, ...] = ()
    batch: str | None = None  # digest of the features and labels a step was fed
    loss: str | None = None  # float.hex() of the loss: exact, and NaN equals NaN
    output: str | None = None  # digest of what evaluate/predict returned


@dataclass
class Trace:
    events: list[Event] = field(default_factory=list)
    values: dict[int, str] = field(default_factory=dict)  # event index -> .npz file name
    fingerprint: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def write_trace(path: Path, trace: Trace) -> None:
    """JSON with each distinct list of variable names stored once (steps repeat them)."""
    tables: dict[tuple[str, ...], int] = {}
    events = []
    for event in trace.events:
        row = {k: v for k, v in asdict(event).items() if v is not None and v != ()}
        if event.names:
            row["names"] = tables.setdefault(event.names, len(tables))
        events.append(row)
    document = {"format": FORMAT, "names": [list(n) for n in tables], "events": events,
                "values": {str(k): v for k, v in trace.values.items()},
                "fingerprint": trace.fingerprint, "notes": trace.notes}
    path.write_text(json.dumps(document), encoding="utf-8")


def read_trace(path: Path) -> Trace:
    document = json.loads(path.read_text(encoding="utf-8"))
    tables = [tuple(names) for names in document["names"]]
    events = []
    for row in document["events"]:
        names = tables[row.pop("names")] if "names" in row else ()
        events.append(Event(**{**row, "names": names, "digests": tuple(row.get("digests", ()))}))
    return Trace(events, {int(k): v for k, v in document["values"].items()},
                 document["fingerprint"], document["notes"])


def raw_bytes(value: Any) -> bytes | memoryview:
    """A value's bytes as hashed: the buffer of a numeric array, length-prefixed items of a string one."""
    import numpy as np

    array = np.asarray(value)
    if array.dtype == object:
        parts = (item if isinstance(item, bytes) else str(item).encode() for item in array.flat)
        return b"".join(len(part).to_bytes(8, "little") + part for part in parts)
    return np.ascontiguousarray(array).data


def digest(value: Any) -> str:
    return hashlib.sha256(raw_bytes(value)).hexdigest()


def digest_all(values: Sequence[Any]) -> str:
    """One digest for several arrays (a batch's features and labels); shapes keep them apart."""
    import numpy as np

    combined = hashlib.sha256()
    for value in values:
        combined.update(repr(np.shape(value)).encode())
        combined.update(raw_bytes(value))
    return combined.hexdigest()


def flatten_output(value: Any) -> list[Any]:
    """Leaves of what evaluate/predict return (dicts by sorted key, lists, tuples, arrays)."""
    if isinstance(value, dict):
        return [leaf for key in sorted(value, key=str) for leaf in [key, *flatten_output(value[key])]]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in flatten_output(item)]
    return [value]


def loss_text(value: Any) -> str | None:
    try:
        return float(value).hex()
    except (TypeError, ValueError):
        return None


class Recorder:
    """The run's events, the values it keeps, and the state the framework wrappers share.

    Digests are computed on one worker thread, in the order events happen: hashlib releases the
    GIL, so a step's weights are hashed while the next step trains. Only the worker touches the
    events and the saved values.
    """

    def __init__(self, out: Path, model_dirs: Path, dump: Sequence[int] = (),
                 reference: Trace | None = None) -> None:
        self.out = out
        self.model_dirs = model_dirs
        self.trace = Trace()
        self.dump = set(dump)
        self.reference = reference.events if reference is not None else None
        self.matching = reference is not None  # until the first event that differs from it
        self.calls = 0
        self.steps = 0
        self.depth = 0  # > 0 inside Estimator calls and our own reads: their Session.run is not traced
        self.first_steps: set[int] = set()  # calls whose first step was recorded
        self.last: tuple[int, list[NDArray[Any]]] | None = None  # the latest step, saved at the end
        self.redirected: dict[str, str] = {}
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="estimator-audit-trace")
        self.pending: deque[Future[None]] = deque()

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def begin_call(self) -> int:
        self.calls += 1
        return self.calls

    def note(self, text: str) -> None:
        if text not in self.trace.notes:
            self.trace.notes.append(text)

    def model_dir_for(self, given: str) -> str:
        """A fresh directory per model_dir the program names, the same one each time it names it."""
        if given not in self.redirected:
            fresh = self.model_dirs / f"model_dir_{len(self.redirected) + 1}"
            fresh.mkdir(parents=True, exist_ok=True)
            self.redirected[given] = str(fresh)
            self.note(f"model_dir {given} redirected to a fresh directory for this run")
        return self.redirected[given]

    def later(self, job: Callable[[], None]) -> None:
        """Queue a job for the worker; wait for the oldest when too many are queued."""
        self.pending.append(self.worker.submit(job))
        while self.pending and (len(self.pending) > PENDING_STEPS or self.pending[0].done()):
            self.pending.popleft().result()  # a job's exception surfaces here

    def initial(self, source: str, call: int, names: Sequence[str], values: Sequence[Any]) -> None:
        def job() -> None:
            event = Event("init", source, call, names=tuple(names), digests=tuple(digest(v) for v in values))
            self.add(event, values, keep=True)

        self.later(job)

    def step(self, source: str, call: int, names: Sequence[str], values: Sequence[Any],
             batch: Sequence[Any] | None, loss: Any) -> None:
        """Values may be views of tensors that die with the step: the worker gets copies."""
        import numpy as np

        number = self.steps
        self.steps += 1
        first = call not in self.first_steps
        self.first_steps.add(call)
        batch_digest = digest_all(batch) if batch is not None else None
        copies = [np.array(v, copy=True) for v in values]

        def job() -> None:
            event = Event("step", source, call, number, tuple(names), tuple(digest(v) for v in copies),
                          batch_digest, loss_text(loss))
            index = self.add(event, copies, keep=first)
            self.last = None if index in self.trace.values else (index, copies)

        self.later(job)

    def output(self, kind: str, source: str, output_digest: str) -> None:
        event = Event(kind, source, self.begin_call(), output=output_digest)

        def job() -> None:
            self.add(event, (), keep=False)

        self.later(job)

    def add(self, event: Event, values: Sequence[Any], keep: bool) -> int:
        index = len(self.trace.events)
        self.trace.events.append(event)
        if self.matching and self.reference is not None:
            expected = self.reference[index] if index < len(self.reference) else None
            if expected != event:
                self.matching = False
                keep = True
        if values and (keep or index in self.dump):
            self.save(index, values)
        return index

    def save(self, index: int, values: Sequence[Any]) -> None:
        import numpy as np

        name = f"values-{index}.npz"
        np.savez(self.out / name, *[np.asarray(v) for v in values])  # arr_0, arr_1, ... as in names
        self.trace.values[index] = name

    def finish(self, fingerprint: dict[str, object]) -> None:
        self.worker.shutdown(wait=True)
        while self.pending:
            self.pending.popleft().result()
        if self.last is not None:
            self.save(*self.last)
        self.trace.fingerprint = fingerprint
        write_trace(self.out / TRACE_FILE, self.trace)


# --- post-import hooks ---------------------------------------------------------------------

class PostImportHooks:
    """A meta-path finder that runs a patch function right after a named module finishes loading."""

    def __init__(self, hooks: dict[str, Callable[[ModuleType], None]], recorder: Recorder) -> None:
        self.hooks = hooks
        self.recorder = recorder

    def find_spec(self, name: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if name not in self.hooks:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if finder is not self and find is not None else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        execute = loader.exec_module

        def exec_then_patch(module: ModuleType) -> None:
            execute(module)
            hook = self.hooks.pop(name, None)  # find_spec may also be a probe (importlib.util.find_spec)
            if hook is not None:
                self.run(name, hook, module)

        loader.exec_module = exec_then_patch  # this loader instance belongs to this spec only
        return spec

    def run(self, name: str, hook: Callable[[ModuleType], None], module: ModuleType) -> None:
        """A hook that fails costs the trace of that framework, never the program."""
        try:
            hook(module)
        except Exception as error:
            self.recorder.note(f"could not instrument {name}: {error!r}")


def install(recorder: Recorder) -> None:
    hooks: dict[str, Callable[[ModuleType], None]] = {
        "tensorflow": lambda module: patch_session(recorder),
        "keras": lambda module: patch_keras(module, recorder),
        "tf_keras": lambda module: patch_keras(module, recorder),
        "tensorflow_estimator.python.estimator.estimator": lambda module: patch_estimator(module, recorder),
    }
    sys.meta_path.insert(0, PostImportHooks(hooks, recorder))


def variable_name(variable: Any) -> str:
    name = getattr(variable, "path", None) or variable.name
    return str(name).removesuffix(":0")


# --- Keras -----------------------------------------------------------------------------------

class KerasTracer:
    """Per model: wraps its train_step so every executed step reports to the recorder."""

    def __init__(self, model: Any, recorder: Recorder, tf: Any) -> None:
        self.model = model
        self.recorder = recorder
        self.tf = tf
        self.source = ""
        self.call = 0
        self.pending_init = False
        self.original_step = model.train_step
        self.original_make = model.make_train_function
        model.train_step = self.train_step
        model.make_train_function = self.make_train_function
        model.train_function = None  # one made before now would not call the wrapper

    def begin(self, source: str) -> None:
        self.source = source
        self.call = self.recorder.begin_call()
        self.pending_init = True

    def make_train_function(self, *args: Any, **kwargs: Any) -> Any:
        """fit and train_on_batch call this after building the model: the initial weights."""
        if self.pending_init:
            self.pending_init = False
            variables = list(self.model.trainable_variables) if getattr(self.model, "built", True) else []
            if variables:
                self.recorder.initial(self.source, self.call, [variable_name(v) for v in variables],
                                      [v.numpy() for v in variables])
            else:
                self.recorder.note("a Keras model without an input shape is built inside its first step: "
                                   "its initial weights were not observable")
        if getattr(self.model, "jit_compile", False):
            self.recorder.note("a Keras model compiled with jit_compile=True: XLA cannot run the step "
                               "recorder, so its steps were not traced")
            self.model.train_step = self.original_step
        return self.original_make(*args, **kwargs)

    def train_step(self, data: Any) -> Any:
        """The model's own step, then one numpy_function that receives batch, loss and weights."""
        tf = self.tf
        logs = self.original_step(data)
        batch = [t for t in tf.nest.flatten(data, expand_composites=True) if t is not None]
        loss = logs.get("loss") if isinstance(logs, dict) else None
        variables = list(self.model.trainable_variables)
        names = [variable_name(v) for v in variables]
        has_loss = loss is not None
        inputs = [*batch, *([loss] if has_loss else []), *[tf.convert_to_tensor(v) for v in variables]]

        def record(*arrays: Any) -> None:
            try:
                losses = arrays[len(batch):len(batch) + has_loss]
                self.recorder.step(self.source, self.call, names, arrays[len(batch) + has_loss:],
                                   arrays[:len(batch)], losses[0] if losses else None)
            except Exception as error:  # never the user's training
                self.recorder.note(f"a Keras step was not recorded: {error!r}")

        tf.numpy_function(record, inputs, [], stateful=True)
        return logs


def patch_keras(keras: Any, recorder: Recorder) -> None:
    backend = keras.backend.backend() if hasattr(keras.backend, "backend") else "tensorflow"
    if backend != "tensorflow":
        recorder.note(f"Keras runs on {backend}: only TensorFlow models are traced")
        return
    tf = importlib.import_module("tensorflow")
    model_class = keras.Model
    tracers: weakref.WeakKeyDictionary[Any, KerasTracer] = weakref.WeakKeyDictionary()

    def tracer(model: Any) -> KerasTracer:
        if model not in tracers:
            tracers[model] = KerasTracer(model, recorder, tf)
        return tracers[model]

    original_fit = model_class.fit
    original_train_on_batch = model_class.train_on_batch

    # Session.run stays traced inside these: TF1 graph-mode Keras trains through it, not train_step.
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        tracer(self).begin("keras Model.fit")
        return original_fit(self, *args, **kwargs)

    def train_on_batch(self: Any, *args: Any, **kwargs: Any) -> Any:
        traced = tracer(self)
        if traced.source != "keras Model.train_on_batch":
            traced.begin("keras Model.train_on_batch")
        return original_train_on_batch(self, *args, **kwargs)

    model_class.fit = fit
    model_class.train_on_batch = train_on_batch
    for method, kind in (("evaluate", "evaluate"), ("predict", "predict")):
        setattr(model_class, method, recording(getattr(model_class, method), kind, f"keras Model.{method}",
                                               recorder))


def recording(original: Callable[..., Any], kind: str, source: str, recorder: Recorder) -> Callable[..., Any]:
    """A method that records a digest of what it returns."""

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        with recorder.inside():
            result = original(self, *args, **kwargs)
        recorder.output(kind, source, digest_all(flatten_output(result)))
        return result

    return method


# --- Estimator -------------------------------------------------------------------------------

@dataclass
class EstimatorTraining:
    """What one Estimator.train call's graph holds for the hook: its loss, train op and batch tensors."""

    call: int
    loss: Any = None
    train_op: Any = None
    batch: list[Any] = field(default_factory=list)


def patch_estimator(module: ModuleType, recorder: Recorder) -> None:
    tf = importlib.import_module("tensorflow")
    estimator_class: Any = module.Estimator
    training: list[EstimatorTraining] = []  # the Estimator.train calls under way, innermost last

    hook_class: Any = tf.compat.v1.train.SessionRunHook

    class TraceHook(hook_class):  # type: ignore[misc]
        """Fetches the loss, the batch and the updated weights with every training step."""

        def __init__(self, state: EstimatorTraining) -> None:
            self.state = state
            self.variables: list[Any] = []
            self.updated: list[Any] = []

        def begin(self) -> None:
            """Reads that run after the train op, so one session run gives the step's new weights."""
            self.variables = sorted(tf.compat.v1.trainable_variables(), key=lambda v: v.name)
            self.names = [variable_name(v) for v in self.variables]
            with tf.control_dependencies([self.state.train_op]):
                self.updated = [v.read_value() for v in self.variables]

        def after_create_session(self, session: Any, coord: Any) -> None:
            recorder.initial("Estimator.train", self.state.call, self.names, session.run(self.variables))

        def before_run(self, run_context: Any) -> Any:
            return tf.compat.v1.train.SessionRunArgs(
                {"loss": self.state.loss, "batch": self.state.batch, "weights": self.updated})

        def after_run(self, run_context: Any, run_values: Any) -> None:
            results = run_values.results
            recorder.step("Estimator.train", self.state.call, self.names, results["weights"],
                          results["batch"], results["loss"])

    original_init = estimator_class.__init__

    def __init__(self: Any, model_fn: Any, model_dir: Any = None, config: Any = None, params: Any = None,
                 warm_start_from: Any = None) -> None:
        given = model_dir if model_dir is not None else getattr(config, "model_dir", None)
        if given:
            model_dir = recorder.model_dir_for(os.fspath(given))
            if getattr(config, "model_dir", None):
                config = config.replace(model_dir=model_dir)
        original_init(self, model_fn, model_dir, config, params, warm_start_from)

    original_call_model_fn = estimator_class._call_model_fn

    def _call_model_fn(self: Any, features: Any, labels: Any, mode: Any, config: Any) -> Any:
        spec = original_call_model_fn(self, features, labels, mode, config)
        if training and mode == "train" and training[-1].loss is None:
            training[-1].loss = spec.loss
            training[-1].train_op = spec.train_op
            training[-1].batch = [t for t in tf.nest.flatten((features, labels), expand_composites=True)
                                  if isinstance(t, tf.Tensor)]
        return spec

    original_train = estimator_class.train

    def train(self: Any, input_fn: Any, hooks: Any = None, steps: Any = None, max_steps: Any = None,
              saving_listeners: Any = None) -> Any:
        with recorder.inside():
            state = EstimatorTraining(recorder.begin_call())
            training.append(state)
            try:
                return original_train(self, input_fn, [*(hooks or []), TraceHook(state)], steps, max_steps,
                                      saving_listeners)
            finally:
                training.pop()

    original_predict = estimator_class.predict

    def predict(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """Predictions are a generator: digest them as the program consumes them."""
        predictions = original_predict(self, *args, **kwargs)
        combined = hashlib.sha256()
        try:
            while True:
                with recorder.inside():
                    try:
                        prediction = next(predictions)
                    except StopIteration:
                        return
                combined.update(digest_all(flatten_output(prediction)).encode())
                yield prediction
        finally:
            recorder.output("predict", "Estimator.predict", combined.hexdigest())

    estimator_class.__init__ = __init__
    estimator_class._call_model_fn = _call_model_fn
    estimator_class.train = train
    estimator_class.evaluate = recording(estimator_class.evaluate, "evaluate", "Estimator.evaluate", recorder)
    estimator_class.predict = predict


# --- TF1 sessions ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SessionPlan:
    """For one graph and set of fetches that trains: what to read around the run."""

    variables: list[Any]
    names: list[str]
    batch: list[Any]  # outputs of the iterator/queue ops the run executes


def session_plan(tf: Any, graph: Any, fetches: Any) -> SessionPlan | None:
    """A plan when the run executes an update of a trainable variable, else None."""
    ops = []
    for leaf in tf.nest.flatten(fetches, expand_composites=True):
        try:
            element = graph.as_graph_element(leaf, allow_tensor=True, allow_operation=True)
        except (TypeError, ValueError, KeyError):
            continue
        ops.append(element if isinstance(element, tf.Operation) else element.op)
    seen: set[Any] = set()
    while ops:
        op = ops.pop()
        if op not in seen:
            seen.add(op)
            ops.extend(tensor.op for tensor in op.inputs)
            ops.extend(op.control_inputs)
    trainable = sorted(graph.get_collection(tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES), key=lambda v: v.name)
    targets = {v.op for v in trainable}
    if not any(op.type.startswith(UPDATE_OPS) and op.inputs and op.inputs[0].op in targets for op in seen):
        return None
    batch = [t for op in sorted(seen, key=lambda o: o.name) if op.type in INPUT_OPS for t in op.outputs]
    return SessionPlan(trainable, [variable_name(v) for v in trainable], batch)


def patch_session(recorder: Recorder) -> None:
    tf = importlib.import_module("tensorflow")
    session_class: Any = importlib.import_module("tensorflow.python.client.session").BaseSession
    original_run = session_class.run
    plans: weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], SessionPlan | None]]
    plans = weakref.WeakKeyDictionary()
    calls: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()

    def plan_for(graph: Any, fetches: Any) -> SessionPlan | None:
        leaves = tf.nest.flatten(fetches, expand_composites=True)
        key = tuple(str(getattr(leaf, "name", leaf)) for leaf in leaves)
        cached = plans.setdefault(graph, {})
        if key not in cached:
            cached[key] = session_plan(tf, graph, fetches)
        return cached[key]

    def run(self: Any, fetches: Any, feed_dict: Any = None, options: Any = None,
            run_metadata: Any = None) -> Any:
        plan = None if recorder.depth else plan_for(self.graph, fetches)
        if plan is None:
            return original_run(self, fetches, feed_dict, options, run_metadata)
        with recorder.inside():
            if self not in calls:
                calls[self] = recorder.begin_call()
                recorder.initial("Session.run", calls[self], plan.names, original_run(self, plan.variables))
            results = original_run(self, {"fetches": fetches, "batch": plan.batch}, feed_dict, options,
                                   run_metadata)
            fed = [feed_dict[k] for k in sorted(feed_dict or {}, key=lambda k: str(getattr(k, "name", k)))]
            scalars = [v for v in tf.nest.flatten(results["fetches"]) if getattr(v, "shape", None) == ()
                       and getattr(getattr(v, "dtype", None), "kind", "") == "f"]
            recorder.step("Session.run", calls[self], plan.names, original_run(self, plan.variables),
                          [*fed, *results["batch"]], scalars[0] if scalars else None)
        return results["fetches"]

    session_class.run = run


# --- entry point -----------------------------------------------------------------------------

def load_sibling(name: str) -> ModuleType:
    """A module next to this file, by path and under a private name, so no user module clashes."""
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_estimator_audit_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(config_path: str) -> None:
    """Run the configured script as `__main__`, traced; the trace is written however it ends."""
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    fingerprint = load_sibling("fingerprint")
    started = fingerprint.environment_now()
    reference = read_trace(Path(config["reference"])) if config.get("reference") else None
    recorder = Recorder(Path(config["out"]), Path(config["model_dirs"]), config.get("dump", ()), reference)
    install(recorder)
    script = config["script"]
    sys.argv = [script, *config["argv"]]
    sys.path[0] = os.path.dirname(script)
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        recorder.finish(fingerprint.gather(started))
