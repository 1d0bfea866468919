"""The TensorFlow facts the rules state, re-verified on the real runtimes (marked `runtime`).

Each program runs twice in fresh processes: reproducibility is a property across runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_python

ESTIMATOR_RUN = """
import os, sys, tempfile
import numpy as np
import tensorflow as tf
seeded = sys.argv[1] == "runconfig"
tf.random.set_seed(42)
columns = [tf.feature_column.numeric_column("x", shape=(2,))]
config = tf.estimator.RunConfig(tf_random_seed=42 if seeded else None)
classifier = tf.estimator.DNNClassifier(
    hidden_units=[4], feature_columns=columns, model_dir=tempfile.mkdtemp(), config=config)
def input_fn():
    x = np.arange(16, dtype=np.float32).reshape(8, 2) / 16
    return tf.data.Dataset.from_tensor_slices(({"x": x}, (x[:, 0] > 0.5).astype(np.int32))).batch(8)
classifier.train(input_fn=input_fn, steps=1)
print(float(np.sum(classifier.get_variable_value("dnn/hiddenlayer_0/kernel"))))
"""

KERAS_RUN = """
import random, sys
import numpy as np
import tensorflow as tf
import keras
if sys.argv[1] == "tf+np":
    tf.random.set_seed(42); np.random.seed(42)
elif sys.argv[1] == "python":
    random.seed(42)
else:
    keras.utils.set_random_seed(42)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
print(float(np.asarray(model.layers[0].kernel).sum()))
"""


def twice(python: Path, program: str, mode: str) -> tuple[str, str]:
    code = f"import sys; sys.argv = ['x', {mode!r}]\n" + program
    return run_python(python, code).strip(), run_python(python, code).strip()


@pytest.mark.runtime
def test_global_seed_does_not_reach_an_estimator_but_runconfig_does(legacy_python: Path) -> None:
    """EA203 and EA201: tf.random.set_seed leaves a DNNClassifier random; RunConfig seeds it."""
    first, second = twice(legacy_python, ESTIMATOR_RUN, "global")
    assert first != second
    first, second = twice(legacy_python, ESTIMATOR_RUN, "runconfig")
    assert first == second


@pytest.mark.runtime
def test_keras3_layers_take_their_seed_from_python_random(current_python: Path) -> None:
    """EA202: tf.random.set_seed + np.random.seed leave Keras 3 layers unseeded."""
    first, second = twice(current_python, KERAS_RUN, "tf+np")
    assert first != second
    assert len(set(twice(current_python, KERAS_RUN, "python"))) == 1
    assert len(set(twice(current_python, KERAS_RUN, "keras"))) == 1


@pytest.mark.runtime
def test_keras3_keeps_add_metric_only_to_refuse_it(current_python: Path) -> None:
    """EA108's DISABLED_METHODS: a Keras 3 model's add_metric raises NotImplementedError."""
    out = run_python(current_python, "import keras\nmodel = keras.Sequential([keras.layers.Dense(1)])\n"
                     "try:\n    model.add_metric(1.0, name='m')\nexcept NotImplementedError:\n    print('refused')\n")
    assert out.split()[-1] == "refused"


@pytest.mark.runtime
def test_estimator_is_gone_from_current_tensorflow(current_python: Path) -> None:
    """EA101/EA102: tf.estimator does not exist on TensorFlow 2.21."""
    out = run_python(current_python, "import tensorflow as tf; print(hasattr(tf, 'estimator'), tf.__version__)")
    assert out.split() == ["False", "2.21.0"]


def test_pythonhashseed_set_in_process_changes_nothing() -> None:
    """EA401: hashing is fixed when the interpreter starts."""
    program = "import os; os.environ['PYTHONHASHSEED'] = '0'; print(hash('estimator-audit'))"
    runs = {subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin"}).stdout for _ in range(3)}
    assert len(runs) > 1
