"""What the rules know about the TensorFlow API, read from tables generated from real TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from estimator_audit.data import load

# tensorflow-estimator dropped the boosted-trees estimators before 2.15, so the generated table
# (made from 2.15) cannot list them; they were premade estimators in the TF 2.12 API.
REMOVED_PREMADE = ("BoostedTreesClassifier", "BoostedTreesRegressor", "BoostedTreesEstimator")
RUN_CONFIGS = frozenset(
    {
        "tensorflow.estimator.RunConfig",
        "tensorflow.compat.v1.estimator.RunConfig",
        "tensorflow.compat.v1.estimator.tpu.RunConfig",
        "tensorflow_estimator.python.estimator.run_config.RunConfig",
        "tensorflow_estimator.python.estimator.tpu.tpu_config.RunConfig",
        "tensorflow.contrib.learn.RunConfig",
        "tensorflow.contrib.tpu.RunConfig",
        # TPU and TF 1.x internal spellings of the same classes
        "tensorflow.estimator.tpu.RunConfig",
        "tensorflow.contrib.tpu.python.tpu.tpu_config.RunConfig",
        "tensorflow.python.estimator.run_config.RunConfig",
        "tensorflow.contrib.learn.python.learn.estimators.run_config.RunConfig",
    }
)

# TF 1.x spellings of TPUEstimator (tf.contrib.tpu, its module path, tf.estimator.tpu in 1.15),
# all the class tensorflow-estimator 2.15 exports as tf.compat.v1.estimator.tpu.TPUEstimator.
TPU_ESTIMATOR_SPELLINGS = dict.fromkeys(
    ("tensorflow.contrib.tpu.TPUEstimator", "tensorflow.contrib.tpu.python.tpu.tpu_estimator.TPUEstimator",
     "tensorflow.estimator.tpu.TPUEstimator"), "tensorflow.compat.v1.estimator.tpu.TPUEstimator")

# tf.contrib.learn's estimators (TensorFlow 1.x; TensorFlow 2.0 dropped tf.contrib): premade or
# not. Their constructors take other parameters than tf.estimator's, so none is listed: the
# rules read `config=` by keyword only (positionally it comes after eight or more parameters).
CONTRIB_LEARN = "tensorflow.contrib.learn"
CONTRIB_LEARN_ESTIMATORS = {
    **dict.fromkeys(("DNNClassifier", "DNNRegressor", "DNNLinearCombinedClassifier",
                     "DNNLinearCombinedRegressor", "LinearClassifier", "LinearRegressor", "LogisticRegressor",
                     "KMeansClustering", "SVM", "DynamicRnnEstimator", "StateSavingRnnEstimator"), True),
    "Estimator": False,
}
CONTRIB_LEARN_INTERNAL = f"{CONTRIB_LEARN}.python.learn.estimators."

# Calls that turn eager execution off for the whole process.
EAGER_SWITCHES = frozenset({"disable_eager_execution", "disable_v2_behavior"})


def spells_eager_switch(text: str) -> bool:
    """Whether a module's text names a graph-mode switch: the quick test before reading its tree."""
    return any(switch in text for switch in EAGER_SWITCHES)

# TF1 graph programs (by last name): the sessions that run a graph, the placeholders fed to it.
SESSIONS = frozenset({"Session", "InteractiveSession", "MonitoredTrainingSession", "MonitoredSession",
                      "SingularMonitoredSession", "Supervisor"})
PLACEHOLDERS = frozenset({"placeholder", "placeholder_with_default", "sparse_placeholder"})
# Those that raise with eager execution on (TF 2.21: placeholder_with_default returns its default).
EAGER_FAILING_PLACEHOLDERS = PLACEHOLDERS - {"placeholder_with_default"}
TF1_GRAPH_CALLS = SESSIONS | PLACEHOLDERS | EAGER_SWITCHES
# Calls that load a saved graph into the default graph (qualified-name endings): a session that
# runs it runs the graph's own ops, whose seeds were fixed when it was built.
GRAPH_LOADS = ("import_graph_def", "import_meta_graph", "saved_model.loader.load",
               "compat.v1.saved_model.load")
# Those of them that work with eager execution on (TF 2.21: import_meta_graph raises "Exporting/
# importing meta graphs is not supported when eager execution is enabled").
EAGER_GRAPH_LOADS = tuple(load for load in GRAPH_LOADS if load != "import_meta_graph")
# TensorFlow calls that only work in a TF1 graph (by last name): a file that makes one builds
# graphs, where a Keras 3 optimizer's apply_gradients returns a variable Session.run cannot
# fetch, and where a Keras 3 model's fit cannot run.
GRAPH_ONLY = TF1_GRAPH_CALLS | {"EstimatorSpec", "TPUEstimatorSpec"}


# TensorFlow 2.16 dropped tf.estimator and made Keras 3 the default (tf.keras is Keras 3).
TF_2_16 = (2, 16)


def version_text(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))


def estimator_removed(target: tuple[int, int]) -> bool:
    """Whether the target TensorFlow no longer ships tf.estimator."""
    return target >= TF_2_16


def keras3(target: tuple[int, int]) -> bool:
    """Whether `keras` and `tf.keras` are Keras 3 on the target TensorFlow."""
    return target >= TF_2_16


@dataclass(frozen=True)
class EstimatorClass:
    """One estimator class as tensorflow-estimator 2.15 exports it."""

    public_name: str  # e.g. tensorflow.estimator.DNNClassifier
    premade: bool
    parameters: tuple[str, ...]  # constructor parameters in order, without self

    @property
    def short_name(self) -> str:
        return self.public_name.rsplit(".", 1)[-1]


@cache
def keras_random_layers() -> dict[str, tuple[str, ...]]:
    """Keras 3 layer class -> the constructor parameters its randomness comes through."""
    data = load("keras_random_layers.json")
    return {name: tuple(parameters) for name, parameters in data["layers"].items()}


@cache
def estimator_table() -> dict[str, EstimatorClass]:
    """Every spelling of every estimator class (public and internal) to its description."""
    data = load("estimators.json")
    table: dict[str, EstimatorClass] = {}
    for public, entry in data["estimators"].items():
        info = EstimatorClass(public, entry["premade"], tuple(entry["parameters"]))
        table[public] = info
        table.setdefault(entry["class"], info)
    for namespace in ("tensorflow.estimator", "tensorflow.compat.v1.estimator"):
        for name in REMOVED_PREMADE:
            table[f"{namespace}.{name}"] = EstimatorClass(f"{namespace}.{name}", True, ())
    return table


def estimator_class(qualified: str | None) -> EstimatorClass | None:
    """The estimator class a qualified name spells, in any of its spellings, or None."""
    if qualified is None:
        return None
    if qualified.startswith("tensorflow.python.estimator."):  # TF 1.x internal path
        qualified = "tensorflow_estimator" + qualified[len("tensorflow") :]
    if qualified.startswith(CONTRIB_LEARN):
        return contrib_learn_estimator(qualified)
    return estimator_table().get(TPU_ESTIMATOR_SPELLINGS.get(qualified, qualified))


def contrib_learn_estimator(qualified: str) -> EstimatorClass | None:
    """`tf.contrib.learn.DNNRegressor` (or its module path) as an estimator class."""
    module, _, name = qualified.rpartition(".")
    if name not in CONTRIB_LEARN_ESTIMATORS or not (module == CONTRIB_LEARN or
                                                     qualified.startswith(CONTRIB_LEARN_INTERNAL)):
        return None
    return EstimatorClass(f"{CONTRIB_LEARN}.{name}", CONTRIB_LEARN_ESTIMATORS[name], ())


def tf1_only_estimator(public_name: str) -> bool:
    """An estimator no TensorFlow 2 has (tf.contrib.learn's), whatever the target."""
    return public_name.startswith(CONTRIB_LEARN)


def is_run_config(qualified: str | None) -> bool:
    return qualified in RUN_CONFIGS


KERAS_MODEL_FACTORIES = frozenset(
    f"{keras}.{name}"
    for keras in ("keras", "tensorflow.keras", "tf_keras")
    for name in ("Sequential", "Model", "models.Sequential", "models.Model", "models.load_model",
                 "saving.load_model", "models.clone_model")
)
