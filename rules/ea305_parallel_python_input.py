"""
## What it does
Flags Python input read by more than one worker, when the worker count is a literal above 1:

- `model.fit(..., workers=4)` and `model.fit_generator(..., workers=4)` (Keras 2) in a file
  that imports TensorFlow or Keras, unless the receiver is shown to come from another ML
  library (scikit-learn, gensim, XGBoost, ...);
- `super().__init__(workers=4)` in a subclass of `keras.utils.PyDataset` (or of `Sequence`,
  its Keras 3 alias, when the target TensorFlow is 2.16 or later), and `MyDataset(workers=4)` for such a class of the same file that has
  no `__init__` or forwards `**kwargs`; `keras.utils.PyDataset.__init__(self, workers=4)`.

`use_multiprocessing=True` alone is not flagged: with the default `workers=1` there is one
worker and the order is kept. A variable (`workers=args.workers`) is not judged, nor is `fit`
on input the file shows to be a `tf.data.Dataset` or a NumPy array, for which Keras 2 ignores
`workers`.

## Why is this bad?
With several workers, batches are produced concurrently. A `Sequence`/`PyDataset` keeps the
batch order, but anything random drawn inside `__getitem__` from the global NumPy or Python
RNG (augmentation, sampling) goes to whichever batch a worker is building at that moment, so
batches differ from run to run even with every seed set; with `use_multiprocessing=True`
every worker process starts from a copy of the same RNG state and repeats the same draws. A
plain Python generator with `use_multiprocessing=True` is copied into each worker process:
batches repeat and arrive in scheduling order.

On Keras 3 (TensorFlow 2.16+) `fit()` does not accept `workers`, `use_multiprocessing` or
`max_queue_size` at all: they moved to the `keras.utils.PyDataset` constructor.

## How it was verified
Keras 3.15 on TensorFlow 2.21 (`/root/venv-tf`): `inspect.signature(keras.Model.fit)` has no
`workers`/`use_multiprocessing`; on a compiled one-`Dense` model,
`model.fit(np.zeros((4, 2)), np.zeros((4, 1)), workers=4)` raised `TypeError: TensorFlowTrainer.fit() got an unexpected
keyword argument 'workers'` (likewise `use_multiprocessing`, `max_queue_size`);
`keras.Model` has no `fit_generator`; `keras.utils.PyDataset.__init__` is
`(self, workers=1, use_multiprocessing=False, max_queue_size=10)` and
`keras.utils.Sequence is keras.utils.PyDataset` is `True`.

This script (Keras 3.15) iterates a 16-batch `PyDataset` through the adapter `fit` uses,
run as `python script.py WORKERS thr|mp`:

```python
import sys, time, numpy as np, keras
from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter
workers, mp = int(sys.argv[1]), sys.argv[2] == "mp"
class Data(keras.utils.PyDataset):
    def __init__(self, **kw):
        super().__init__(**kw)
    def __len__(self):
        return 16
    def __getitem__(self, i):
        time.sleep(np.random.rand() * 0.01)      # uneven work, as real loading is
        noise = np.random.rand()                 # augmentation from the global RNG
        return np.full((1, 1), i + noise), np.zeros((1, 1))
keras.utils.set_random_seed(0)
adapter = PyDatasetAdapter(Data(workers=workers, use_multiprocessing=mp), shuffle=False)
batches = [float(x[0, 0]) for x, _ in adapter.get_numpy_iterator()]
print("order:", [int(b) for b in batches], "noise:", [round(b % 1, 3) for b in batches[:6]])
```

`1 thr`, twice: order `0..15` and noise `[0.715, 0.545, 0.646, 0.892, 0.383, 0.529]` both
times (`1 mp` too). `4 thr`, twice: order `0..15` both times, noise
`[0.424, 0.792, 0.964, 0.438, 0.071, 0.979]` then `[0.792, 0.438, 0.964, 0.424, 0.02, 0.979]`.
`4 mp`: `[0.715, 0.715, 0.715, 0.545, 0.545, 0.715]` then `[0.715, 0.715, 0.715, 0.715, 0.545, 0.545]`.

This script (Keras 2.15 on TensorFlow 2.15, `/root/venv-legacy`) records the batches `fit`
trains on, run as `python script.py WORKERS thr|mp gen|seq`:

```python
import sys, time, numpy as np, tensorflow as tf
workers, mp, kind = int(sys.argv[1]), sys.argv[2] == "mp", sys.argv[3]
seen = []
class Recorder(tf.keras.Model):
    def train_step(self, data):
        x, _ = data
        seen.append(float(x.numpy()[0, 0]))
        return {}
def gen():
    for i in range(16):
        time.sleep(np.random.rand() * 0.01)
        yield np.full((1, 1), i + np.random.rand()), np.zeros((1, 1))
class Seq(tf.keras.utils.Sequence):
    def __len__(self): return 16
    def __getitem__(self, i):
        time.sleep(np.random.rand() * 0.01)
        return np.full((1, 1), i + np.random.rand()), np.zeros((1, 1))
tf.keras.utils.set_random_seed(0)
inp = tf.keras.Input((1,))
model = Recorder(inp, tf.keras.layers.Dense(1)(inp))
model.compile("sgd", "mse", run_eagerly=True)
data = gen() if kind == "gen" else Seq()
model.fit(data, steps_per_epoch=16, epochs=1, verbose=0, workers=workers, use_multiprocessing=mp, shuffle=False)
print("order:", [int(v) for v in seen], "noise:", [round(v % 1, 3) for v in seen[:5]])
```

`4 thr seq`, twice: order `0..15` both times, noise `[0.792, 0.964, 0.438, 0.568, 0.979]`
then `[0.792, 0.964, 0.438, 0.568, 0.461]`. `4 mp gen`, twice: order
`[0, 1, 0, 1, 0, 1, 0, 1, 2, 2, 2, 3, 3, 3, 4, 2]` then `[0, 0, 0, 1, 1, 1, 0, 1, 2, 2, 2, 3, 3, 3, 2, 4]`.
`4 thr gen` raised "Your generator is NOT thread-safe". `1 thr gen`, `1 mp gen`, `1 thr seq`
and `1 mp seq`: order `0..15` and the same noise in both runs.
Keras 2.15's `Model.fit` docstring (`keras/src/engine/training.py`) says `workers` and
`use_multiprocessing` are "Used for generator or `keras.utils.Sequence` input only".

## Example
```python
import keras

class Images(keras.utils.PyDataset):
    def __init__(self, files, **kwargs):
        super().__init__(workers=8, use_multiprocessing=True, **kwargs)
```

## Use instead
```python
import keras
import numpy as np

class Images(keras.utils.PyDataset):
    def __init__(self, files, seed=42, **kwargs):
        super().__init__(workers=1, **kwargs)
        self.seed = seed

    def __getitem__(self, index):
        rng = np.random.default_rng(self.seed + index)  # randomness tied to the batch
        ...
```

## Fix safety
No automatic fix: fewer workers slow the input down, and per-batch RNGs change the data.
"""

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.findings import Severity
from estimator_audit.knowledge.calls import argument, assigned_values
from estimator_audit.knowledge.determinism import bool_value, int_value, root
from estimator_audit.knowledge.program import OTHER_ML_LIBRARIES
from estimator_audit.knowledge.tfapi import keras3
from estimator_audit.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

FIT_METHODS = frozenset({"fit", "fit_generator"})
PYDATASET_CLASSES = frozenset(
    {"keras.utils.PyDataset", "tensorflow.keras.utils.PyDataset",
     "keras.src.trainers.data_adapters.py_dataset_adapter.PyDataset"}
)
# Keras 3 made Sequence an alias of PyDataset; Keras 2's Sequence takes no constructor arguments.
SEQUENCE_CLASSES = frozenset({"keras.utils.Sequence", "tensorflow.keras.utils.Sequence"})
PYDATASET_PARAMETERS = ("workers", "use_multiprocessing", "max_queue_size")
# Libraries whose fit() is not Keras's: the ML libraries the seeding facts know, and others.
OTHER_LIBRARIES = OTHER_ML_LIBRARIES | {"statsmodels", "torch", "pytorch_lightning", "lightning", "numpy",
                                        "pandas", "scipy", "prophet", "hmmlearn"}
# Methods of an array that give an array.
ARRAY_METHODS = frozenset({"astype", "reshape", "copy", "transpose", "squeeze", "flatten"})
IN_MEMORY_PREFIXES = ("tensorflow.data.", "tensorflow.compat.v1.data.")
KERAS_3 = (
    "Keras 3 (TensorFlow 2.16+) no longer accepts workers or use_multiprocessing in fit() and raises "
    "TypeError: they belong to the keras.utils.PyDataset constructor"
)


@dataclass(frozen=True)
class LocalCall:
    node: ast.Call
    class_name: str
    workers: int
    multiprocessing: bool


class ParallelPythonInput(Rule):
    code = "EA305"
    name = "parallel-python-input"
    severity = Severity.WARNING
    summary = "Python input read by several workers: random draws land in different batches each run."
    # `super().__init__(4)` passes workers by position: the file then names PyDataset or Sequence.
    triggers = ("workers", "PyDataset", "Sequence")
    valid = (
        Valid(
            """
            import numpy as np
            from sklearn.model_selection import train_test_split

            images = np.array(loaded) / 255.0
            x_train, x_valid, y_train, y_valid = train_test_split(images, np.array(labels))
            model.fit(x_train, y_train, workers=8)  # arrays: Keras 2 ignored workers
            """
        ),
        Valid(
            """
            import numpy as np
            import keras

            (x_train, y_train), _ = keras.datasets.mnist.load_data()
            x_train = (x_train / 255.0).astype(np.float32)  # arrays: Keras 2 ignores workers
            model = keras.Sequential([keras.layers.Dense(10)])
            model.fit(x_train, y_train, epochs=2, workers=2)
            """,
            target="2.15",
        ),
        Valid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.fit(generator, epochs=3, workers=1, use_multiprocessing=True)
            model.fit(generator, epochs=3, use_multiprocessing=True)
            model.fit(generator, epochs=3, workers=args.workers)
            train = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(32)
            model.fit(train, epochs=3, workers=4, use_multiprocessing=True)
            """
        ),
        Valid(
            """
            from sklearn.linear_model import LogisticRegression
            import tensorflow as tf
            clf = LogisticRegression()
            clf.fit(x, y, workers=4)
            """
        ),
        Valid(
            """
            import keras
            class Images(keras.utils.PyDataset):
                def __init__(self, files, **kwargs):
                    super().__init__(**kwargs)
            data = Images(files, workers=1)
            class Loader:
                def __init__(self, workers):
                    self.workers = workers
            Loader(workers=8)
            """
        ),
        Valid(
            """
            from gensim.models import Word2Vec
            model = Word2Vec(sentences, workers=4)
            model.fit(corpus, workers=4)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.models.load_model(path)
            model.fit_generator(train_generator, steps_per_epoch=100, workers=4, use_multiprocessing=True)
            model.fit(
                train_sequence,
                epochs=10,
                workers=8,
            )
            """,
            at=((3, 1), (4, 1)),
            message="TypeError",
        ),
        Invalid(
            """
            import keras
            import project_models
            images = keras.preprocessing.image.ImageDataGenerator().flow_from_directory("train/")
            model = project_models.build()
            model.fit_generator(generator=images, workers=2, use_multiprocessing=True)
            """,
            at=((5, 1),),
            message="use_multiprocessing=True",
        ),
        Invalid(
            """
            from tensorflow import keras
            from keras.utils import PyDataset
            class Images(PyDataset):
                def __init__(self, files, **kwargs):
                    super().__init__(workers=8, use_multiprocessing=True, **kwargs)
            class Tiles(keras.utils.Sequence):
                def __init__(self):
                    super(Tiles, self).__init__(4)
            """,
            at=((5, 9), (8, 9)),
            message="workers=1",
        ),
        Invalid(
            """
            import keras
            def load(files):
                return Frames(files, workers=6)
            class Frames(keras.utils.PyDataset):
                def __getitem__(self, index):
                    return self.files[index]
            class Clips(keras.utils.PyDataset):
                def __init__(self, files, **kwargs):
                    keras.utils.PyDataset.__init__(self, **kwargs)
            clips = Clips(files, workers=3)
            """,
            at=((3, 12), (10, 9)),
        ),
    )

    def __init__(self, context: "ModuleContext") -> None:
        super().__init__(context)
        self.local_datasets: dict[str, bool] = {}  # class name -> accepts workers
        self.local_calls: list[LocalCall] = []

    def is_pydataset(self, name: str | None) -> bool:
        if name in PYDATASET_CLASSES:
            return True
        return name in SEQUENCE_CLASSES and keras3(self.context.settings.target)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if any(self.is_pydataset(self.context.qualified_name(base)) for base in node.bases):
            self.local_datasets[node.name] = forwards_workers(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = self.context.call_name(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in FIT_METHODS:
            workers, multiprocessing = read_workers(node, ())
            if workers and self.is_keras_fit(name) and not self.in_memory_input(node, func.attr):
                self.report(node, fit_message(func.attr, workers, multiprocessing))
            return
        parameters = self.pydataset_parameters(node, name)
        if parameters is not None:
            workers, multiprocessing = read_workers(node, parameters)
            if workers:
                self.report(node, dataset_message(workers, multiprocessing))
        elif isinstance(func, ast.Name) and name is None:
            workers, multiprocessing = read_workers(node, ())
            if workers:
                self.local_calls.append(LocalCall(node, func.id, workers, multiprocessing))

    def is_keras_fit(self, name: str | None) -> bool:
        """A fit on a receiver that may be a Keras model, in a file that imports TensorFlow or Keras.

        `workers` in fit() is Keras's own, so receivers the file does not show, or that come from
        the project's own modules (`build_model().fit`), count; instances of other ML libraries
        (scikit-learn, gensim, ...) do not.
        """
        if not self.context.imports_tensorflow():
            return False
        return name is None or root(name) not in OTHER_LIBRARIES

    def in_memory_input(self, node: ast.Call, method: str) -> bool:
        """Input the file shows to be a tf.data.Dataset or a NumPy array: Keras 2 ignores workers."""
        data = argument(node, "x" if method == "fit" else "generator", ("x",) if method == "fit" else ("generator",))
        if not isinstance(data, ast.expr):
            return False
        return self.array_like(data, set())

    def array_like(self, value: ast.expr, seen: set[str]) -> bool:
        """A dataset or NumPy array: a tf.data or NumPy name or call, a Keras dataset's
        `load_data()`, scikit-learn's train_test_split of arrays, arithmetic, `.astype`/`.reshape` or a slice of one, or a name every
        assignment of which is one (`x = (x / 255.0).astype(np.float32)`)."""
        qualified = self.context.qualified_name(value)
        if qualified is not None and (qualified.startswith(IN_MEMORY_PREFIXES) or root(qualified) == "numpy"):
            return True
        if isinstance(value, ast.Call):
            name = self.context.call_name(value) or ""
            if name.startswith(IN_MEMORY_PREFIXES) or root(name) == "numpy" or name.endswith(".load_data"):
                return True
            if name.endswith("model_selection.train_test_split"):  # splits of arrays are arrays
                return bool(value.args) and all(self.array_like(a, seen) for a in value.args)
            return isinstance(value.func, ast.Attribute) and value.func.attr in ARRAY_METHODS and (
                self.array_like(value.func.value, seen))
        if isinstance(value, ast.BinOp):
            return self.array_like(value.left, seen) or self.array_like(value.right, seen)
        if isinstance(value, ast.Subscript):
            return self.array_like(value.value, seen)
        if isinstance(value, ast.Name):
            if value.id in seen:
                return True  # `x = x / 255.0`: what x held before, judged where it was assigned
            seen.add(value.id)
            sources = list(assigned_values(self.context.tree, value.id))
            return bool(sources) and all(self.array_like(source, seen) for source in sources)
        return False

    def pydataset_parameters(self, node: ast.Call, name: str | None) -> tuple[str, ...] | None:
        """The parameters when the call runs PyDataset's constructor, else None.

        `keras.utils.PyDataset(...)`, `keras.utils.PyDataset.__init__(self, ...)`, or
        `super().__init__(...)` / `super(Cls, self).__init__(...)` in a PyDataset subclass.
        """
        if self.is_pydataset(name):
            return PYDATASET_PARAMETERS
        if name is not None and name.endswith(".__init__") and self.is_pydataset(name[: -len(".__init__")]):
            return ("self", *PYDATASET_PARAMETERS)
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "__init__"
            and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name)
            and func.value.func.id == "super"
        ):
            owner = enclosing_class(self.context.ancestors)
            if owner is not None and any(
                self.is_pydataset(self.context.qualified_name(base)) for base in owner.bases
            ):
                return PYDATASET_PARAMETERS
        return None

    def finish(self) -> None:
        for call in self.local_calls:
            if self.local_datasets.get(call.class_name):
                self.report(call.node, dataset_message(call.workers, call.multiprocessing))


def enclosing_class(ancestors: list[ast.AST]) -> ast.ClassDef | None:
    """The class whose method (the innermost def) contains the node being visited."""
    for index in range(len(ancestors) - 1, 0, -1):
        if isinstance(ancestors[index], (ast.FunctionDef, ast.AsyncFunctionDef)):
            parent = ancestors[index - 1]
            return parent if isinstance(parent, ast.ClassDef) else None
    return None


def forwards_workers(node: ast.ClassDef) -> bool:
    """A PyDataset subclass whose constructor takes `workers`: no __init__, or one with **kwargs."""
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef) and statement.name == "__init__":
            arguments = statement.args
            return arguments.kwarg is not None or any(
                a.arg == "workers" for a in [*arguments.args, *arguments.kwonlyargs]
            )
    return True


def read_workers(node: ast.Call, parameters: tuple[str, ...]) -> tuple[int | None, bool]:
    """A literal worker count above 1 (else None), and whether use_multiprocessing=True."""
    workers = int_value(argument(node, "workers", parameters))
    multiprocessing = bool_value(argument(node, "use_multiprocessing", parameters)) is True
    return (workers if workers is not None and workers > 1 else None), multiprocessing


def describe(workers: int, multiprocessing: bool) -> str:
    return f"workers={workers}" + (", use_multiprocessing=True" if multiprocessing else "")


def fit_message(method: str, workers: int, multiprocessing: bool) -> str:
    copies = (
        " (a plain generator is copied into each process, so batches repeat and arrive out of order)"
        if multiprocessing
        else ""
    )
    return (
        f"{method}(..., {describe(workers, multiprocessing)}) reads a generator or Sequence with "
        f"{workers} parallel workers: random draws made while building a batch land in whichever batch "
        f"a worker is on, so batches differ between runs even with every seed set{copies}; use "
        f"workers=1 for reproducible runs. {KERAS_3}"
    )


def dataset_message(workers: int, multiprocessing: bool) -> str:
    repeat = (
        "; with use_multiprocessing=True each worker process also repeats the same random draws"
        if multiprocessing
        else ""
    )
    return (
        f"PyDataset with {describe(workers, multiprocessing)}: Keras calls __getitem__ from {workers} "
        "parallel workers, so random augmentation drawn there from the global NumPy or Python RNG lands "
        f"in different batches on every run, even with every seed set{repeat}; use workers=1, or draw "
        "each batch's randomness from an RNG seeded with its index"
    )
