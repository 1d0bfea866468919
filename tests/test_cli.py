"""The command line end to end, in fresh processes, as users run it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, run_cli

HAZARD = "import os\nos.environ['PYTHONHASHSEED'] = '0'\n"
ESTIMATOR = "import tensorflow as tf\nest = tf.estimator.DNNClassifier([3], cols)\n"


def audit_json(cwd: Path, *args: str) -> list[dict[str, Any]]:
    """The findings of a run in `cwd`, as the JSON output gives them."""
    done = run_cli([*args, "--output-format", "json"], cwd=cwd)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def fixed_text(cwd: Path, name: str, code: str) -> str:
    """The module after `estimator-audit NAME --select CODE --fix` in `cwd`."""
    done = run_cli([name, "--select", code, "--fix"], cwd=cwd)
    assert done.returncode == 0, done.stderr
    return (cwd / name).read_text()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_console_script_is_installed(project: Path) -> None:
    script = shutil.which("estimator-audit", path=str(Path(sys.executable).parent))
    assert script is not None
    write(project, "clean.py", "print('hello')\n")
    done = subprocess.run([script, "clean.py"], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "All checks passed" in done.stdout


def test_exit_codes(project: Path) -> None:
    write(project, "clean.py", "x = 1\n")
    write(project, "bad.py", HAZARD)
    assert run_cli(["clean.py"], cwd=project).returncode == 0
    dirty = run_cli(["bad.py"], cwd=project)
    assert dirty.returncode == 1
    assert "bad.py:2:1: EA401 " in dirty.stdout
    assert "Found 1 finding in 1 file checked." in dirty.stdout
    assert run_cli(["bad.py", "--exit-zero"], cwd=project).returncode == 0
    assert run_cli(["missing.py"], cwd=project).returncode == 2
    assert run_cli(["bad.py", "--select", "EA999"], cwd=project).returncode == 2
    assert run_cli(["bad.py", "--output-format", "xml"], cwd=project).returncode == 2


def test_never_imports_tensorflow(project: Path) -> None:
    probe = (
        "import sys\nfrom estimator_audit.cli import main\n"
        f"main([{str(FIXTURES)!r}, '--exit-zero', '-j', '1'])\n"
        "assert not any(m.split('.')[0] in ('tensorflow', 'keras', 'tensorflow_estimator') "
        "for m in sys.modules), sorted(sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_stdin_with_filename(project: Path) -> None:
    done = run_cli(["-", "--stdin-filename", "pkg/train.py"], cwd=project, stdin=HAZARD.encode())
    assert done.returncode == 1
    assert done.stdout.startswith("pkg/train.py:2:1: EA401")


def test_output_file_and_statistics(project: Path) -> None:
    write(project, "a.py", HAZARD + ESTIMATOR.replace("import tensorflow", "import os, tensorflow"))
    write(project, "b.py", ESTIMATOR)
    out = project / "report.txt"
    done = run_cli([".", "-o", str(out)], cwd=project)
    assert done.returncode == 1 and done.stdout == ""
    assert "Found 5 findings in 2 files checked." in out.read_text()
    stats = run_cli([".", "--statistics"], cwd=project)
    rows = stats.stdout.splitlines()
    assert rows[0].split() == ["2", "EA101", "premade-estimator"]
    assert rows[1].split() == ["2", "EA203", "estimator-seed"]  # no RunConfig on TF 2.21 (EA101 seeds)
    assert rows[2].split() == ["1", "EA401", "pythonhashseed-in-process"]


def test_select_and_ignore(project: Path) -> None:
    write(project, "a.py", HAZARD + ESTIMATOR)
    only = run_cli(["a.py", "--select", "EA1"], cwd=project).stdout
    assert "EA101" in only and "EA203" not in only and "EA401" not in only
    rest = run_cli(["a.py", "--ignore", "EA101,EA2"], cwd=project).stdout
    assert "EA401" in rest and "EA101" not in rest and "EA203" not in rest


def test_pyproject_configuration_and_cli_override(project: Path) -> None:
    write(project, "pyproject.toml", """
[tool.estimator-audit]
ignore = ["EA401"]
per-file-ignores = {"legacy/*.py" = ["EA101"]}
exclude = ["generated"]
target = "2.15"
seed = 7
""")
    write(project, "train.py", HAZARD + ESTIMATOR)
    write(project, "legacy/old.py", "import tensorflow as tf\ntf.estimator.DNNClassifier([3], cols, config=c)\n")
    write(project, "generated/gen.py", HAZARD)
    out = run_cli(["."], cwd=project).stdout
    # target 2.15 still has tf.estimator: EA101 does not apply; EA401 is ignored.
    assert "EA101" not in out and "EA401" not in out and "generated" not in out
    assert out.startswith("train.py:4:7: EA203")
    out = run_cli([".", "--target", "2.16"], cwd=project).stdout
    assert "train.py:4:7: EA101" in out and "legacy/old.py" not in out
    assert run_cli([".", "--select", "EA4"], cwd=project).returncode == 0  # EA401 still ignored
    generated = run_cli(["generated/gen.py"], cwd=project)
    assert "All checks passed! (0 files checked)" in generated.stdout


def test_bad_configuration_exits_2(project: Path) -> None:
    write(project, "pyproject.toml", "[tool.estimator-audit]\nselcet = ['EA1']\n")
    done = run_cli(["."], cwd=project)
    assert done.returncode == 2 and "unknown setting(s): selcet" in done.stderr
    write(project, "pyproject.toml", "[tool.estimator-audit]\ntarget = 'two'\n")
    assert run_cli(["."], cwd=project).returncode == 2
    write(project, "pyproject.toml", "[tool.estimator-audit\n")
    assert run_cli(["."], cwd=project).returncode == 2
    for text in ("[tool]\nestimator-audit = 5\n", "[tool]\nestimator-audit = ['select']\n",
                 "[tool]\nestimator-audit = 'select'\n"):
        write(project, "pyproject.toml", text)
        done = run_cli(["."], cwd=project)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert "pyproject.toml: [tool.estimator-audit] must be a table of settings" in done.stderr
    write(project, "pyproject.toml", "[tool.estimator-audit]\nseed = 'x'\n")
    assert "pyproject.toml: [tool.estimator-audit]: seed must be an integer" in run_cli(["."], cwd=project).stderr
    write(project, "pyproject.toml", "[tool.estimator-audit]\nseed = -1\n")  # np.random.seed would raise
    assert "seed must be between 0 and 4294967295" in run_cli(["."], cwd=project).stderr
    write(project, "pyproject.toml", "[tool.estimator-audit]\nseed = 7\n")
    done = run_cli([".", "--seed", str(2**32)], cwd=project)
    assert done.returncode == 2 and "seed must be between 0 and 4294967295" in done.stderr
    write(project, "pyproject.toml", "tool = 5\n")  # not ours: the defaults apply
    assert run_cli(["."], cwd=project).returncode in (0, 1)


def test_output_file_that_cannot_be_written_is_an_error_not_a_traceback(project: Path, tmp_path: Path) -> None:
    for target in (tmp_path / "missing" / "report.txt", tmp_path):
        done = run_cli([".", "-o", str(target)], cwd=project)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert f"cannot write {target}" in done.stderr


def test_noqa_and_skip_file(project: Path) -> None:
    write(project, "a.py", "import os\nos.environ['PYTHONHASHSEED'] = '0'  # noqa: EA401\n"
                           "os.environ['PYTHONHASHSEED'] = '0'  # noqa\n"
                           "os.environ['PYTHONHASHSEED'] = '0'  # noqa: EA101\n")
    out = run_cli(["a.py"], cwd=project).stdout
    assert out.splitlines()[0].startswith("a.py:4:1: EA401")
    assert "Found 1 finding" in out
    write(project, "b.py", "# estimator-audit: skip-file\n" + HAZARD)
    assert run_cli(["b.py"], cwd=project).returncode == 0


def test_rule_documentation_command() -> None:
    done = run_cli(["rule", "EA203"])
    assert done.returncode == 0
    for part in ("# EA203 estimator-seed", "Severity: error", "## Why is this bad?",
                 "## How it was verified", "## Example", "## Use instead", "## Fix safety"):
        assert part in done.stdout
    listing = run_cli(["rule", "--all"]).stdout
    assert "| EA101 | premade-estimator | error |" in listing
    assert run_cli(["rule", "EA999"]).returncode == 2


def test_jobs_do_not_change_the_output(tmp_path: Path) -> None:
    for i in range(30):
        write(tmp_path, f"pkg{i % 3}/m{i:02}.py", HAZARD if i % 2 else ESTIMATOR)
    one = run_cli([".", "-j", "1"], cwd=tmp_path)
    two = run_cli([".", "-j", "2"], cwd=tmp_path)
    assert one.stdout == two.stdout and one.returncode == two.returncode == 1
    lines = one.stdout.splitlines()[:-1]
    assert lines == sorted(lines, key=lambda line: (line.split(":")[0], int(line.split(":")[1])))


def test_contradictory_flags_are_errors_not_ignored(project: Path) -> None:
    for args in (["a.py", "--stdin-filename", "x.py"], [".", "--statistics", "--output-format", "json"]):
        done = run_cli(args, cwd=project)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (args, done.stderr)
    assert run_cli(["rule", "EA203", "--all"], cwd=project).returncode == 2


def test_diff_exit_zero_and_an_empty_folder(project: Path) -> None:
    write(project, "train.py", HAZARD)
    assert run_cli(["train.py", "--diff", "--exit-zero"], cwd=project).returncode == 0
    (project / "empty").mkdir()
    done = run_cli(["empty"], cwd=project)
    assert done.returncode == 0 and "no Python files or notebooks to check under empty" in done.stderr


def test_fix_and_diff_on_standard_input(project: Path) -> None:
    """`- --fix` prints the fixed code on stdout and the report on stderr (ruff's convention);
    `- --diff` prints the diff and counts the fixes it shows."""
    code = b"import tensorflow as tf\nx = tf.placeholder(tf.float32)\n"
    fixed = run_cli(["-", "--fix", "--stdin-filename", "s.py"], cwd=project, stdin=code)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == ("import tensorflow as tf\ntf.compat.v1.disable_v2_behavior()\n"
                            "x = tf.compat.v1.placeholder(tf.float32)\n")
    assert "Fixed 2 findings." in fixed.stderr
    diff = run_cli(["-", "--diff", "--stdin-filename", "s.py"], cwd=project, stdin=code)
    assert diff.returncode == 1 and "+x = tf.compat.v1.placeholder(tf.float32)" in diff.stdout
    assert "Would fix 2 findings (1 file)" in diff.stderr


def test_a_library_module_is_told_to_seed_where_the_program_starts(tmp_path: Path) -> None:
    """Seen in TensorLayer and OpenAI baselines: a module other modules import, training only
    inside its functions. Seeding it (or enabling op determinism) at import time would reseed
    every program that imports it: the findings say where to seed and offer no fix; a script
    that trains as it runs keeps its fixes."""
    write(tmp_path, "lib.py", "import tensorflow as tf\n\n\ndef train(model, x, y):\n"
                              "    model.fit(x, y, epochs=2)\n")
    write(tmp_path, "main.py", "import lib\nimport tensorflow as tf\n"
                               "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
                               "lib.train(model, x, y)\nmodel.fit(x, y)\n")
    findings = audit_json(tmp_path, ".", "--select", "EA201,EA302")
    found = {(f["path"], f["code"]): f for f in findings}
    library = found[("lib.py", "EA201")]
    assert library["fix"] is None and "main.py imports this module" in library["message"]
    assert found[("lib.py", "EA302")]["fix"] is None
    assert found[("main.py", "EA201")]["fix"] is not None


def test_a_program_seeding_before_it_calls_through_another_module_seeds_the_library(tmp_path: Path) -> None:
    """Seen in SimGAN's TF1 code: main.py seeds, then builds a Trainer (trainer.py), which
    builds and runs the Model of model.py: the seed reaches model.py's graph through trainer.py."""
    write(tmp_path, "main.py", "import tensorflow as tf\nfrom trainer import Trainer\n\n\ndef main(_):\n"
                               "    tf.compat.v1.set_random_seed(123)\n    Trainer().train()\n")
    write(tmp_path, "trainer.py", "from model import Model\n\n\nclass Trainer:\n    def train(self):\n"
                                  "        Model().fit()\n")
    write(tmp_path, "model.py", "import tensorflow as tf\n\n\nclass Model:\n    def fit(self):\n"
                                "        w = tf.Variable(tf.random.normal([3, 1]))\n"
                                "        train_op = tf.compat.v1.train.AdamOptimizer().minimize(tf.reduce_sum(w))\n"
                                "        with tf.compat.v1.Session() as sess:\n"
                                "            sess.run(train_op)\n")
    assert audit_json(tmp_path, ".", "--select", "EA201") == []
    write(tmp_path, "main.py", "from trainer import Trainer\n\n\ndef main(_):\n    Trainer().train()\n")
    assert [f["path"] for f in audit_json(tmp_path, ".", "--select", "EA201")] == ["model.py"]


def test_a_program_seeding_through_its_own_helper_module_seeds_the_library(tmp_path: Path) -> None:
    """Seen in morph-net: main.py calls utils' `set_reproducible_environment(random_seed=seed)`,
    which sets the graph seed, before it builds model.py's graph; and in supervised-reptile: the
    entry point seeds Python's random, so the library's `random.shuffle` is not the evidence."""
    write(tmp_path, "utils.py", "import tensorflow as tf\n\n\ndef set_reproducible_environment(random_seed=None):\n"
                                "    if random_seed is not None:\n        tf.compat.v1.set_random_seed(random_seed)\n")
    write(tmp_path, "model.py", "import random\nimport tensorflow as tf\n\n\nclass Model:\n"
                                "    def fit(self, batches):\n        random.shuffle(batches)\n"
                                "        w = tf.Variable(tf.random.normal([3, 1]))\n"
                                "        train_op = tf.compat.v1.train.AdamOptimizer().minimize(tf.reduce_sum(w))\n"
                                "        with tf.compat.v1.Session() as sess:\n"
                                "            sess.run(train_op)\n")
    write(tmp_path, "main.py", "from model import Model\nfrom utils import set_reproducible_environment\n\n\n"
                               "def main(seed=0):\n    set_reproducible_environment(random_seed=seed)\n"
                               "    Model().fit([1, 2])\n")
    assert audit_json(tmp_path, ".", "--select", "EA201") == []
    write(tmp_path, "main.py", "import random\nfrom model import Model\n\n\ndef main(seed=0):\n"
                               "    random.seed(seed)\n    Model().fit([1, 2])\n")
    [finding] = audit_json(tmp_path, ".", "--select", "EA201")
    assert finding["path"] == "model.py" and "random.shuffle" not in finding["message"], finding


def test_a_program_class_deriving_from_a_keras_model_trains_where_it_is_fit(tmp_path: Path) -> None:
    """Seen in keras-adversarial and tensorflow/models' sentiment_main.py: a script fits an
    instance of a class another module derives from keras.Model; it trains there."""
    write(tmp_path, "sentiment_model.py", "import tensorflow as tf\n\n\nclass CNN(tf.keras.models.Model):\n"
                                          "    pass\n")
    write(tmp_path, "main.py", "import sentiment_model\n\nmodel = sentiment_model.CNN()\n"
                               "model.compile('adam', 'mse')\nmodel.fit(x, y)\n")
    found = {(f["path"], f["code"]) for f in audit_json(tmp_path, ".", "--select", "EA201,EA302")}
    assert found == {("main.py", "EA201"), ("main.py", "EA302")}


def test_a_model_built_by_a_class_method_of_another_module_is_a_keras_model(tmp_path: Path) -> None:
    """Seen in keras-resnet: cifar10.py imports only `resnet` and fits what its
    `ResnetBuilder.build_resnet_18(...)` static method returns (a keras Model)."""
    write(tmp_path, "resnet.py", "from keras.models import Model\nfrom keras.layers import Dense, Input\n\n\n"
                                 "class ResnetBuilder:\n    @staticmethod\n    def build(shape):\n"
                                 "        inp = Input(shape)\n        return Model(inp, Dense(1)(inp))\n")
    write(tmp_path, "cifar10.py", "import resnet\n\nmodel = resnet.ResnetBuilder.build((4,))\n"
                                  "model.fit(x, y, nb_epoch=10)\nmodel.fit_generator(batches)\n")
    found = sorted((f["line"], f["code"]) for f in audit_json(tmp_path, ".", "--select", "EA108,EA201,EA302"))
    assert found == [(4, "EA108"), (4, "EA201"), (4, "EA302"), (5, "EA108")]


def test_a_library_seeding_tensorflow_only_is_told_to_seed_numpy_beside_it(tmp_path: Path) -> None:
    """Seen in tensorflow-DeepFM: the model class seeds TensorFlow from its `random_seed` and
    draws NumPy values unseeded; main.py imports it. EA202's seed at import time would reseed
    every importer: it says where, and offers no fix."""
    write(tmp_path, "model.py", "import numpy as np\nimport tensorflow as tf\n\n\nclass Model:\n"
                                "    def __init__(self, seed=2016):\n        with tf.Graph().as_default():\n"
                                "            tf.compat.v1.set_random_seed(seed)\n"
                                "            self.w = tf.Variable(np.random.normal(size=(3, 3)))\n")
    write(tmp_path, "main.py", "from model import Model\n\nModel()\n")
    [finding] = audit_json(tmp_path, ".", "--select", "EA202")
    assert finding["fix"] is None and "main.py imports this module" in finding["message"]


def test_a_library_training_in_a_graph_of_its_own_is_seeded_inside_it(tmp_path: Path) -> None:
    """Seen in neural-style: the library trains inside `with tf.Graph().as_default():`, which
    takes no seed set before it, so the program's seed does not reach it; the seed goes first
    in that block (run when the function runs, not as the module is imported)."""
    write(tmp_path, "lib.py", "import tensorflow as tf\n\n\ndef stylize(steps):\n"
                              "    with tf.Graph().as_default():\n"
                              "        w = tf.Variable(tf.random.normal([4]))\n"
                              "        step = tf.compat.v1.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(w))\n"
                              "        with tf.compat.v1.Session() as sess:\n"
                              "            sess.run(step)\n")
    write(tmp_path, "main.py", "import tensorflow as tf\nimport lib\n\ntf.compat.v1.set_random_seed(42)\n"
                               "lib.stylize(10)\n")
    [finding] = audit_json(tmp_path, ".", "--select", "EA201")
    assert finding["path"] == "lib.py" and finding["fix"] is not None
    assert "inside each new graph that builds what it trains" in finding["message"]


def test_graph_code_in_a_module_keras_programs_import_gets_no_process_wide_switch(tmp_path: Path) -> None:
    """Seen in kubeflow's seq2seq_utils.py: a helper module's `test_gpu()` runs a session, and
    the trainer that imports it fits a Keras model; disable_v2_behavior() there would switch
    the trainer's Keras training to graph mode too."""
    write(tmp_path, "utils.py", "import tensorflow as tf\n\n\ndef test_gpu():\n    s = tf.Session()\n"
                                "    print(s.run(tf.constant(1)))\n")
    write(tmp_path, "train.py", "import keras\nfrom utils import test_gpu\n\n"
                                "model = keras.Sequential([keras.layers.Dense(1)])\n"
                                "model.compile(loss='mse', optimizer='adam')\nmodel.fit(x, y)\n")
    [finding] = audit_json(tmp_path, ".", "--select", "EA109")
    assert finding["fix"] is None and "a module that imports this one runs TF2 code" in finding["message"]


def test_no_determinism_fix_where_an_imported_model_builds_its_own_graph(tmp_path: Path) -> None:
    """Seen in recommenders' DKN notebooks: the model class builds its weights in a tf.Graph()
    of its own, which takes no global seed; op determinism on would make its unseeded random
    ops raise (RuntimeError: Random ops require a seed)."""
    write(tmp_path, "dkn.py", "import tensorflow as tf\n\n\nclass DKN:\n    def __init__(self):\n"
                              "        self.graph = tf.Graph()\n        with self.graph.as_default():\n"
                              "            self.w = tf.Variable(tf.random.uniform([3, 3]))\n")
    write(tmp_path, "run.py", "import tensorflow as tf\nfrom dkn import DKN\n\ntf.keras.utils.set_random_seed(42)\n"
                              "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\nmodel.fit(x, y)\nDKN()\n")
    [finding] = audit_json(tmp_path, "run.py", "--select", "EA302")
    assert finding["fix"] is None and "dkn.py, which the program imports, builds a tf.Graph()" in finding["message"]
    write(tmp_path, "run.py", "import tensorflow as tf\nfrom dkn import DKN\n\n"
                              "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\nmodel.fit(x, y)\nDKN()\n")
    [finding] = audit_json(tmp_path, "run.py", "--select", "EA201")  # seeded here, never in DKN's graph
    assert "dkn.py, which this program imports, builds a tf.Graph() of its own" in finding["message"]


def test_a_builder_of_several_premade_estimators_is_named_as_such(tmp_path: Path) -> None:
    """Seen in recommenders' wide_deep_utils: `build_model(...)` returns a LinearRegressor, a
    DNNRegressor or a combined one by its arguments; the finding names all three."""
    write(tmp_path, "utils.py", "import tensorflow as tf\n\n\ndef build_model(wide=(), deep=()):\n"
                                "    if wide and not deep:\n        return tf.estimator.LinearRegressor(wide)\n"
                                "    elif deep and not wide:\n        return tf.estimator.DNNRegressor([8], deep)\n"
                                "    return tf.estimator.DNNLinearCombinedRegressor(wide, deep, [8])\n")
    write(tmp_path, "test_it.py", "from utils import build_model\n\nmodel = build_model(deep=cols)\n"
                                  "model.train(input_fn, steps=10)\n")
    [finding] = audit_json(tmp_path, "test_it.py", "--select", "EA101")
    assert ("one of the premade estimators tf.estimator.LinearRegressor, tf.estimator.DNNRegressor or "
            "tf.estimator.DNNLinearCombinedRegressor built at") in finding["message"]
    assert finding["fix"] is None


def test_a_third_party_call_before_a_session_block_builds_no_ops(tmp_path: Path) -> None:
    """Seen in Information-Extraction-Chinese: text segmented with `jieba.cut` (a package the
    program imports, neither its own nor TensorFlow's) before `with tf.Session() as sess:`,
    inside which the graph is built, in graph mode."""
    write(tmp_path, "main.py", "import jieba\nimport tensorflow as tf\n\n\ndef train():\n"
                               "    segs = list(jieba.cut('abc'))\n"
                               "    with tf.compat.v1.Session() as sess:\n"
                               "        x = tf.compat.v1.placeholder(tf.float32)\n"
                               "        print(sess.run(x * 2, {x: float(len(segs))}))\n")
    assert audit_json(tmp_path, "main.py", "--select", "EA109") == []


def test_a_logging_helper_before_a_session_block_builds_no_ops(tmp_path: Path) -> None:
    """Seen in ChineseNER: `print_config(config, logger)` (a helper of a module without
    TensorFlow, calling `logger.info`) runs before `with tf.Session() as sess:`, which builds the
    whole graph inside, in graph mode."""
    write(tmp_path, "helpers.py", "def show(config, log):\n    for key, value in config.items():\n"
                                  "        log.info('%s %s', key, value)\n")
    write(tmp_path, "main.py", "import logging\nimport tensorflow as tf\nfrom helpers import show\n\n\n"
                               "def train():\n    show({'a': 1}, logging.getLogger())\n"
                               "    with tf.compat.v1.Session() as sess:\n"
                               "        x = tf.compat.v1.placeholder(tf.float32, [None, 3])\n"
                               "        sess.run(tf.reduce_sum(x), {x: [[1, 2, 3]]})\n")
    assert audit_json(tmp_path, "main.py", "--select", "EA109") == []


def test_a_call_into_a_module_that_does_not_parse_builds_no_ops(tmp_path: Path) -> None:
    """Seen in StackGAN: `skipthoughts.load_model()` (a Python 2 module, EA000) runs before
    `with tf.Session():`, inside which the graph is built in graph mode. What a module Python 3
    cannot import would build is not guessed: the session block keeps its exemption."""
    write(tmp_path, "othermod.py", "def load_model():\n    print 'loading'\n")
    write(tmp_path, "main.py", "import tensorflow as tf\nimport othermod\n\n\n"
                               "def build():\n    x = tf.compat.v1.placeholder(tf.float32, [None])\n    return x, x * 2\n\n\n"
                               "if __name__ == '__main__':\n    model = othermod.load_model()\n"
                               "    with tf.compat.v1.Session() as sess:\n"
                               "        x, y = build()\n        sess.run(y, {x: [1.0]})\n")
    assert audit_json(tmp_path, "main.py", "--select", "EA109") == []


def test_a_programs_own_copy_of_the_mnist_reader_shuffles_with_numpy(tmp_path: Path) -> None:
    """Seen in DeepLearning_tutorials: `import input_data`, the TF 0.x tutorials' copy beside the
    script, shuffles with numpy.random.shuffle and, unlike TF1's reader, never reseeds NumPy from
    the graph seed: the shuffle is a NumPy draw, and the fix seeds NumPy too."""
    write(tmp_path, "input_data.py", "import numpy\n\n\nclass DataSet:\n    def next_batch(self, n):\n"
                                     "        perm = numpy.arange(10)\n        numpy.random.shuffle(perm)\n"
                                     "        return perm[:n], perm[:n]\n\n\n"
                                     "class DataSets:\n    train = DataSet()\n\n\n"
                                     "def read_data_sets(folder, one_hot=False):\n    return DataSets()\n")
    write(tmp_path, "train.py", "import tensorflow as tf\nimport input_data\n\n"
                                "mnist = input_data.read_data_sets('MNIST_data/', one_hot=True)\n"
                                "x = tf.compat.v1.placeholder(tf.float32, [None, 784])\n"
                                "W = tf.Variable(tf.zeros([784, 10]))\n"
                                "loss = tf.reduce_mean(tf.matmul(x, W))\n"
                                "train_op = tf.compat.v1.train.GradientDescentOptimizer(0.5).minimize(loss)\n"
                                "with tf.compat.v1.Session() as sess:\n"
                                "    sess.run(tf.compat.v1.global_variables_initializer())\n"
                                "    for _ in range(10):\n"
                                "        batch_x, _ = mnist.train.next_batch(100)\n"
                                "        sess.run(train_op, feed_dict={x: batch_x})\n")
    [finding] = audit_json(tmp_path, "train.py", "--select", "EA201")
    assert "the next_batch shuffle of input_data.py (numpy.random.shuffle)" in finding["message"], finding
    assert "TF1's MNIST reader" not in finding["message"]
    fixed = fixed_text(tmp_path, "train.py", "EA201")
    assert "import input_data\nimport numpy\ntf.compat.v1.set_random_seed(42)\nnumpy.random.seed(42)\n" in fixed, fixed


def test_the_graph_mode_switch_goes_before_the_seeds_other_rules_insert(tmp_path: Path) -> None:
    """Seen in DeepLabCut's train.py: `import tensorflow as tf`, a version test, then
    `import tensorflow.contrib.slim` and the package's own modules. EA109 put its switch after the
    slim import (before the program's modules) while EA201 and EA302 put theirs after `import
    tensorflow as tf`: a graph seed set before disable_v2_behavior() is lost, and op determinism
    then raises on the first random op (TF 2.21)."""
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/config.py", "def load_config(path):\n    return {'lr': 0.1}\n")
    write(tmp_path, "pkg/train.py", "import os\n\nimport tensorflow as tf\n\nvers = tf.__version__.split('.')\n"
                                    "TF = tf.compat.v1 if int(vers[0]) == 1 else tf\n"
                                    "import tensorflow.contrib.slim as slim\n\n"
                                    "from pkg.config import load_config\n\n\n"
                                    "def train():\n    cfg = load_config('pose_cfg.yaml')\n"
                                    "    x = tf.placeholder(tf.float32, [None, 4])\n"
                                    "    net = slim.fully_connected(x, 1)\n"
                                    "    loss = tf.reduce_mean(net)\n"
                                    "    train_op = tf.train.GradientDescentOptimizer(cfg['lr']).minimize(loss)\n"
                                    "    with tf.Session() as sess:\n"
                                    "        sess.run(tf.global_variables_initializer())\n"
                                    "        sess.run(train_op, {x: [[1.0] * 4]})\n\n\n"
                                    "if __name__ == '__main__':\n    train()\n")
    done = run_cli(["pkg/train.py", "--select", "EA109,EA201,EA302", "--fix", "--unsafe-fixes"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    fixed = (tmp_path / "pkg/train.py").read_text()
    assert fixed.startswith("import os\n\nimport tensorflow as tf\ntf.compat.v1.disable_v2_behavior()\n"
                            "tf.compat.v1.set_random_seed(42)\n"), fixed


def test_no_graph_seed_fix_where_the_graph_run_is_an_imported_models_own(tmp_path: Path) -> None:
    """Seen in CapsNet-Tensorflow: `CapsNet()` builds everything in `self.graph = tf.Graph()`
    and main.py, which builds nothing itself, runs it: a seed set in main.py's default graph
    never reaches that graph, so no fix is offered and the message says where to seed."""
    write(tmp_path, "capsnet.py", "import tensorflow as tf\n\n\nclass CapsNet:\n    def __init__(self):\n"
                                  "        self.graph = tf.Graph()\n        with self.graph.as_default():\n"
                                  "            w = tf.Variable(tf.random.normal([4, 1]))\n"
                                  "            self.loss = tf.reduce_sum(w)\n"
                                  "            self.train_op = tf.compat.v1.train.AdamOptimizer().minimize(self.loss)\n")
    write(tmp_path, "main.py", "import tensorflow as tf\nfrom capsnet import CapsNet\n\n"
                               "model = CapsNet()\n"
                               "with tf.compat.v1.Session(graph=model.graph) as sess:\n"
                               "    sess.run(tf.compat.v1.variables_initializer(model.graph.get_collection('variables')))\n"
                               "    sess.run(model.train_op)\n")
    [finding] = audit_json(tmp_path, "main.py", "--select", "EA201")
    assert "(capsnet.py, which this program imports, builds a tf.Graph() of its own for the graph it runs" in (
        finding["message"]), finding["message"]
    assert finding["fix"] is None


def test_numpy_draws_in_the_programs_helper_module_are_named_and_seeded(tmp_path: Path) -> None:
    """Seen in ematvey's seq2seq tutorials: the batches come from `helpers.random_sequences`,
    which draws with np.random.randint in another module of the program; a graph seed never
    reaches it, so the message names it and the fix seeds NumPy too."""
    write(tmp_path, "helpers.py", "import numpy as np\n\n\ndef random_sequences(n):\n"
                                  "    return np.random.randint(2, 10, size=(n, 4)).astype('float32')\n")
    write(tmp_path, "train.py", "import numpy as np\nimport tensorflow as tf\nimport helpers\n\n"
                                "x = tf.compat.v1.placeholder(tf.float32, [None, 4])\n"
                                "w = tf.Variable(tf.zeros([4, 1]))\n"
                                "loss = tf.reduce_mean(tf.matmul(x, w))\n"
                                "train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)\n"
                                "with tf.compat.v1.Session() as sess:\n"
                                "    sess.run(tf.compat.v1.global_variables_initializer())\n"
                                "    for _ in range(10):\n"
                                "        sess.run(train_op, {x: helpers.random_sequences(8)})\n")
    [finding] = audit_json(tmp_path, "train.py", "--select", "EA201")
    assert "np.random.randint in helpers.py's random_sequences (line 12)" in finding["message"], finding["message"]
    assert "np.random.seed(42)" in fixed_text(tmp_path, "train.py", "EA201")


def test_a_library_that_resets_the_graph_is_told_to_seed_after_the_reset(tmp_path: Path) -> None:
    """Seen in hzy46's Char-RNN: `CharRNN.__init__` calls tf.reset_default_graph() before
    building, so a seed set where the program starts (train.py) is thrown away: the message
    names the reset, not the program's start."""
    write(tmp_path, "model.py", "import tensorflow as tf\n\n\nclass CharRNN:\n    def __init__(self):\n"
                                "        tf.compat.v1.reset_default_graph()\n"
                                "        w = tf.Variable(tf.random.normal([4, 1]))\n"
                                "        self.loss = tf.reduce_sum(w)\n"
                                "        self.train_op = tf.compat.v1.train.AdamOptimizer().minimize(self.loss)\n\n"
                                "    def train(self, steps):\n"
                                "        with tf.compat.v1.Session() as sess:\n"
                                "            sess.run(tf.compat.v1.global_variables_initializer())\n"
                                "            for _ in range(steps):\n"
                                "                sess.run(self.train_op)\n")
    write(tmp_path, "train.py", "import tensorflow as tf\nfrom model import CharRNN\n\n"
                                "tf.compat.v1.set_random_seed(42)\nCharRNN().train(10)\n")
    found = audit_json(tmp_path, "model.py", "--select", "EA201")
    assert len(found) == 1 and "right after the tf.reset_default_graph() at line 6" in found[0]["message"], found


def test_a_library_of_a_program_left_in_eager_mode_is_told_where_a_graph_seed_reaches(tmp_path: Path) -> None:
    """Seen in Information-Extraction-Chinese: main.py builds the model inside `with
    tf.Session() as sess:` and never turns eager execution off; a graph seed set where the
    program starts goes to the eager context and never reaches that session's graph (TF 2.21:
    the session graph's seed stays None)."""
    write(tmp_path, "model.py", "import tensorflow as tf\n\n\nclass Model:\n    def __init__(self):\n"
                                "        w = tf.Variable(tf.random.normal([4, 1]))\n"
                                "        self.loss = tf.reduce_sum(w)\n"
                                "        self.train_op = tf.compat.v1.train.AdamOptimizer().minimize(self.loss)\n\n"
                                "    def step(self, sess):\n        return sess.run([self.loss, self.train_op])\n")
    write(tmp_path, "main.py", "import tensorflow as tf\nfrom model import Model\n\n"
                               "with tf.compat.v1.Session() as sess:\n    model = Model()\n"
                               "    sess.run(tf.compat.v1.global_variables_initializer())\n    model.step(sess)\n")
    [finding] = audit_json(tmp_path, "model.py", "--select", "EA201")
    assert "never reaches that session's graph" in finding["message"], finding["message"]
    write(tmp_path, "main.py", "import tensorflow as tf\nfrom model import Model\ntf.compat.v1.disable_v2_behavior()\n\n"
                               "sess = tf.compat.v1.Session()\nmodel = Model()\n"
                               "sess.run(tf.compat.v1.global_variables_initializer())\nmodel.step(sess)\n")
    [finding] = audit_json(tmp_path, "model.py", "--select", "EA201")
    assert "never reaches that session's graph" not in finding["message"], finding["message"]


def test_saves_of_a_model_another_library_makes_are_not_keras_saves(tmp_path: Path) -> None:
    """Seen in SRGAN: `get_G()` returns a TensorLayer `Model`, whose save_weights writes HDF5 to
    any `.h5` name; Keras 3's rule about `.weights.h5` is not its own."""
    write(tmp_path, "model.py", "import tensorflow as tf\nfrom tensorlayer.models import Model\n\n\n"
                                "def get_G(shape):\n    G = Model(inputs=shape, outputs=shape, name='generator')\n"
                                "    return G\n")
    write(tmp_path, "train.py", "import tensorflow as tf\nfrom model import get_G\n\n"
                                "G = get_G((1, 96, 96, 3))\nG.save_weights('g.h5')\n")
    assert audit_json(tmp_path, "train.py", "--select", "EA108") == []
    write(tmp_path, "model.py", "import tensorflow as tf\n\n\ndef get_G(shape):\n"
                                "    return tf.keras.Sequential([tf.keras.layers.Dense(1)])\n")
    [finding] = audit_json(tmp_path, "train.py", "--select", "EA108")  # a Keras model: Keras 3 raises
    assert ".weights.h5" in finding["message"]


def test_a_model_module_whose_importer_resets_the_graph_is_told_to_seed_after_that_reset(tmp_path: Path) -> None:
    """Seen in ctrNet-tool: ctrNet.py's `build_model` resets the default graph, then builds
    `fm.Model(hparams)`; a seed set where the program starts is thrown away by that reset."""
    write(tmp_path, "fm.py", "import tensorflow as tf\n\n\nclass Model:\n    def __init__(self, lr):\n"
                             "        w = tf.Variable(tf.random.normal([4, 1]))\n"
                             "        self.train_op = tf.compat.v1.train.AdamOptimizer(lr).minimize(tf.reduce_sum(w))\n\n"
                             "    def train(self, sess):\n        sess.run(self.train_op)\n")
    write(tmp_path, "ctr.py", "import tensorflow as tf\nimport fm\n\n\ndef build_model(lr):\n"
                              "    tf.compat.v1.reset_default_graph()\n    return fm.Model(lr)\n")
    [finding] = audit_json(tmp_path, "fm.py", "--select", "EA201")
    assert "right after the tf.reset_default_graph() of ctr.py" in finding["message"], finding["message"]


def test_a_program_seeded_and_run_through_its_own_session_helpers(tmp_path: Path) -> None:
    """Seen in StyleGAN and progressive GANs: `init_tf()` in a utility module sets the graph seed
    from NumPy (which the entry point seeds first) and enters a session as the default one; the
    training module runs its update ops through the utility's `run(*args)` wrapper of sess.run."""
    write(tmp_path, "tfutil.py", "import numpy as np\nimport tensorflow as tf\n\n\ndef run(*args, **kwargs):\n"
                                 "    return tf.get_default_session().run(*args, **kwargs)\n\n\ndef init_tf():\n"
                                 "    tf.set_random_seed(np.random.randint(1 << 31))\n    session = tf.Session()\n"
                                 "    session.as_default().__enter__()\n    return session\n")
    write(tmp_path, "train.py", "import numpy as np\nimport tensorflow as tf\nimport tfutil\n\n\n"
                                "def train_loop():\n    x = tf.placeholder(tf.float32, [None, 4])\n"
                                "    loss = tf.reduce_mean(tf.layers.dense(x, 1))\n"
                                "    train_op = tf.train.AdamOptimizer(0.001).minimize(loss)\n"
                                "    for _ in range(100):\n        tfutil.run([train_op], {x: np.random.rand(8, 4)})\n"
                                "\n\nif __name__ == '__main__':\n    np.random.seed(1000)\n    tfutil.init_tf()\n"
                                "    train_loop()\n")
    found = {(f["path"], f["code"], f["line"]) for f in audit_json(tmp_path, ".", "--select", "EA2,EA109,EA302")}
    # seeded through init_tf (NumPy first, then the graph seed drawn from it); the session made
    # the default one leaves eager execution on, so train_loop's placeholder, which the module's
    # __main__ block runs, raises too; the wrapper's run trains
    assert found == {("tfutil.py", "EA109", 11), ("train.py", "EA109", 7), ("train.py", "EA302", 11)}


def test_a_generator_made_in_forked_workers_gets_no_fixed_seed(tmp_path: Path) -> None:
    """Seen in OpenAI's evolution-strategies-starter: main.py forks workers that each run
    es.run_worker, whose RandomState() draws the worker's noise; RandomState(42) would give every
    worker the same perturbations."""
    write(tmp_path, "es.py", "import numpy as np\n\n\ndef run_worker(noise):\n"
                             "    rs = np.random.RandomState()\n    return rs.randint(0, len(noise))\n")
    write(tmp_path, "main.py", "import os\nimport es\n\nfor _ in range(4):\n    if os.fork() == 0:\n"
                               "        es.run_worker([1, 2, 3])\n")
    [finding] = audit_json(tmp_path, ".", "--select", "EA205")
    assert finding["fix"] is None and "seed it per worker" in finding["message"]


def test_a_package_module_nothing_here_imports_is_a_library_too(tmp_path: Path) -> None:
    """Seen in lucid's recipes: a module of an installable package trains inside a function and
    nothing in the repository imports it; its users' programs do."""
    write(tmp_path, "recipes/__init__.py", "")
    write(tmp_path, "recipes/visualize.py",
        "import tensorflow as tf\n\n\ndef render(loss, steps):\n"
        "    train_op = tf.compat.v1.train.AdamOptimizer(0.05).minimize(loss)\n"
        "    with tf.compat.v1.Session() as sess:\n        for _ in range(steps):\n"
        "            sess.run(train_op)\n")
    findings = audit_json(tmp_path, ".", "--select", "EA201,EA302")
    found = {f["code"]: f for f in findings}
    assert set(found) == {"EA201", "EA302"}
    assert all(f["fix"] is None and "belongs to the package `recipes`" in f["message"] for f in found.values())


def test_a_module_in_a_namespace_folder_of_a_package_knows_its_importers(tmp_path: Path) -> None:
    """Seen in spinningup: spinup/__init__.py imports spinup.algos.tf1.ddpg.ddpg, and algos/tf1/
    has no __init__.py (a PEP 420 namespace part): the graph-mode switch there would turn eager
    execution off for every program that imports spinup, so it is not a safe fix."""
    write(tmp_path, "spinup/__init__.py", "from spinup.algos.tf1.ddpg.ddpg import ddpg\n")
    write(tmp_path, "spinup/algos/tf1/ddpg/__init__.py", "")
    write(tmp_path, "spinup/algos/tf1/ddpg/ddpg.py",
          "import tensorflow as tf\n\n\ndef ddpg(dim):\n    x = tf.compat.v1.placeholder(tf.float32, [None, dim])\n"
          "    sess = tf.compat.v1.Session()\n    return sess.run(x * 2, {x: [[1.0] * dim]})\n")
    [finding] = audit_json(tmp_path, "spinup/algos/tf1/ddpg/ddpg.py", "--select", "EA109")
    assert finding["fix"] is not None and finding["fix"]["safety"] == "unsafe", finding


def test_a_session_a_helper_loads_a_saved_model_into_runs_with_eager_on(tmp_path: Path) -> None:
    """Seen in spinningup's test_policy.py: `restore_tf_graph(sess, path)` (another module) loads a
    SavedModel into the session; TF 2.21 ran such a session's runs with eager execution on."""
    write(tmp_path, "logx.py", "import tensorflow as tf\n\n\ndef restore_tf_graph(sess, path):\n"
          "    tf.compat.v1.saved_model.loader.load(sess, ['serve'], path)\n"
          "    return tf.compat.v1.get_default_graph().get_tensor_by_name('pi:0')\n")
    write(tmp_path, "test_policy.py", "import tensorflow as tf\nfrom logx import restore_tf_graph\n\n"
          "sess = tf.compat.v1.Session()\npi = restore_tf_graph(sess, 'model')\nprint(sess.run(pi))\n")
    assert audit_json(tmp_path, "test_policy.py", "--select", "EA109") == []


def test_a_notebook_that_imports_a_module_makes_it_a_library(tmp_path: Path) -> None:
    """Seen in udacity/deep-learning: the notebook runs `import problem_unittests as tests`; the
    import sits in the notebook's JSON as `"import problem_unittests as tests\\n",`."""
    write(tmp_path, "problem_unittests.py",
          "import tensorflow as tf\n\n\ndef test_noise(make):\n    with tf.Graph().as_default():\n"
          "        noise = make(tf.compat.v1.random_normal([3]))\n"
          "        with tf.compat.v1.Session() as sess:\n            return sess.run(noise)\n")
    cells: list[dict[str, object]] = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": ["import tensorflow as tf\n", "import problem_unittests as tests\n",
                         "tests.test_noise(tf.nn.dropout)\n"]}]
    write(tmp_path, "project.ipynb", json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                 "nbformat_minor": 4}, indent=1))
    [finding] = audit_json(tmp_path, "problem_unittests.py", "--select", "EA201")
    assert "project.ipynb imports this module" in finding["message"], finding
    assert finding["fix"] is not None  # first in its own graph block: run when the test runs, not on import


def test_a_package_that_turns_graph_mode_on_as_it_is_imported_covers_its_importers(tmp_path: Path) -> None:
    """Seen in tflearn: its __init__.py calls tf.disable_v2_behavior(), so a test that imports
    tflearn builds its placeholders in graph mode."""
    write(tmp_path, "tflearn/__init__.py", "import tensorflow.compat.v1 as tf\ntf.disable_v2_behavior()\n"
          "from . import config\n")
    write(tmp_path, "tflearn/config.py", "VERSION = 1\n")
    write(tmp_path, "tests/test_layers.py", "import tensorflow.compat.v1 as tf\nimport tflearn\n\n"
          "x = tf.placeholder(tf.float32, [None, 2])\nwith tf.Session() as sess:\n"
          "    print(sess.run(x, {x: [[1.0, 2.0]]}))\n")
    assert audit_json(tmp_path, "tests/test_layers.py", "--select", "EA109") == []


def test_an_optimizer_returned_to_a_module_that_drives_it_the_tf1_way_keeps_it_tf1(tmp_path: Path) -> None:
    """Seen in SSD-Tensorflow: tf_utils.configure_optimizer returns a TF1 optimizer to the
    training script, which calls compute_gradients: a Keras 3 optimizer would break it."""
    write(tmp_path, "tf_utils.py",
        "import tensorflow as tf\n\n\ndef configure_optimizer(rate):\n"
        "    return tf.train.AdamOptimizer(rate)\n")
    write(tmp_path, "train.py",
        "import tf_utils\n\noptimizer = tf_utils.configure_optimizer(0.01)\n"
        "gradients = optimizer.compute_gradients(loss)\n")
    [finding] = audit_json(tmp_path, "tf_utils.py", "--select", "EA104")
    assert "still works the TF1 way" in finding["message"]
    assert finding["fix"]["description"].startswith("use tf.compat.v1.train.AdamOptimizer")


def test_an_optimizer_a_library_hands_out_to_its_own_tf1_trainer_keeps_it_tf1(tmp_path: Path) -> None:
    """Seen in tflearn: optimizers.py stores the TF1 optimizer on the instance in build() and
    hands it out through get_tensor(); estimator.py passes it to trainer.py's TrainOp, which
    calls apply_gradients(..., global_step=...) in a TF1 graph."""
    write(tmp_path, "lib/__init__.py", "")
    write(tmp_path, "lib/optimizers.py",
          "import tensorflow.compat.v1 as tf\n\n\nclass Adam:\n    def build(self):\n"
          "        self.tensor = tf.train.AdamOptimizer(0.001)\n\n    def get_tensor(self):\n"
          "        self.build()\n        return self.tensor\n")
    write(tmp_path, "lib/trainer.py",
          "class TrainOp:\n    def __init__(self, optimizer, loss, step):\n"
          "        self.op = optimizer.apply_gradients(optimizer.compute_gradients(loss), global_step=step)\n")
    write(tmp_path, "lib/estimator.py",
          "from lib import optimizers\nfrom lib.trainer import TrainOp\n\n\ndef regression(loss, step):\n"
          "    return TrainOp(optimizers.Adam().get_tensor(), loss, step)\n")
    assert audit_json(tmp_path, "lib/optimizers.py", "--select", "EA104") == []


def test_names_a_star_import_brings_from_a_module_of_the_program_resolve(tmp_path: Path) -> None:
    """Seen in tkipf/gcn: `tf` reaches models.py only through `from gcn.layers import *`, and
    layers.py has it from `from gcn.inits import *`; the file never spells "tensorflow"."""
    write(tmp_path, "gcn/__init__.py", "")
    write(tmp_path, "gcn/inits.py", "import tensorflow as tf\n")
    write(tmp_path, "gcn/layers.py", "from gcn.inits import *\n")
    write(tmp_path, "gcn/models.py", "from gcn.layers import *\n\nsaver = tf.train.Saver()\n"
                                         "opt_op = tf.train.AdamOptimizer(0.01).minimize(loss)\n"
                                         "sess = tf.Session()\nsess.run(opt_op)\n")
    findings = audit_json(tmp_path, "gcn/models.py")
    found = {(f["line"], f["code"]) for f in findings}
    assert {(3, "EA106"), (4, "EA104"), (5, "EA103"), (6, "EA201")} <= found


def test_a_test_case_derived_through_another_module_is_seeded_by_its_set_up(tmp_path: Path) -> None:
    """Seen in adanet: `class EstimatorTest(tu.AdanetTestCase)`, where tu's class derives from
    tf.test.TestCase, whose setUp seeds every generator before each test."""
    write(tmp_path, "tu.py", "import tensorflow as tf\n\n\nclass AdanetTestCase(tf.test.TestCase):\n"
                             "    pass\n")
    write(tmp_path, "estimator_test.py",
        "import tensorflow as tf\nimport tu\n\n\nclass EstimatorTest(tu.AdanetTestCase):\n"
        "    def test_fit(self):\n        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
        "        model.fit(x, y)\n")
    findings = audit_json(tmp_path, "estimator_test.py", "--select", "EA201,EA302")
    assert findings == []
    write(tmp_path, "tu.py", "class AdanetTestCase(object):\n    pass\n")
    findings = audit_json(tmp_path, "estimator_test.py", "--select", "EA201", "--no-cache")
    assert [f["code"] for f in findings] == ["EA201"]


def test_a_unittest_base_that_seeds_numpy_in_set_up_covers_numpy_draws_only(tmp_path: Path) -> None:
    """A project's unittest base class (in another module) whose setUp calls np.random.seed: the
    NumPy draws of its subclasses' tests are seeded (no EA202), their Keras weights are not (EA201)."""
    write(tmp_path, "base.py", "import unittest\nimport numpy as np\n\n\nclass SeededCase(unittest.TestCase):\n"
                               "    def setUp(self):\n        np.random.seed(0)\n")
    write(tmp_path, "test_model.py",
        "import numpy as np\nimport tensorflow as tf\nfrom base import SeededCase\n\n\nclass ModelTest(SeededCase):\n"
        "    def test_fit(self):\n        x = np.random.rand(8, 3)\n"
        "        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n        model.fit(x, x[:, :1])\n")
    findings = audit_json(tmp_path, "test_model.py", "--select", "EA201,EA202")
    assert [f["code"] for f in findings] == ["EA201"]
    write(tmp_path, "base.py", "import unittest\nimport keras\n\n\nclass SeededCase(unittest.TestCase):\n"
                               "    def setUp(self):\n        keras.utils.set_random_seed(0)\n")
    assert audit_json(tmp_path, "test_model.py", "--select", "EA201,EA202", "--no-cache") == []


def test_tf_keras_re_exported_by_a_compat_module_is_keras_2(tmp_path: Path) -> None:
    """Seen in tensorflow/transform's examples: `from tensorflow_transform.keras_lib import
    tf_keras`, a module binding the Keras 2 package: Keras 2's save(save_format=) is no EA108, and
    its model.fit trains (EA201, seeded through tf_keras, not an import of Keras 3)."""
    write(tmp_path, "lib/__init__.py", "")
    write(tmp_path, "lib/keras_lib.py", "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\nimport tf_keras\n")
    write(tmp_path, "train.py",
        "from lib.keras_lib import tf_keras\n\n\ndef main(dataset, path):\n"
        "    model = tf_keras.Sequential([tf_keras.layers.Dense(1)])\n    model.compile('sgd', 'mse')\n"
        "    model.fit(dataset)\n    model.save(path, save_format='tf')\n\n\n"
        "if __name__ == '__main__':\n    main(None, 'out')\n")
    findings = audit_json(tmp_path, "train.py", "--select", "EA108,EA201")
    assert [f["code"] for f in findings] == ["EA201"]
    fixed = run_cli(["train.py", "--select", "EA201", "--diff"], cwd=tmp_path).stdout
    assert "+tf_keras.utils.set_random_seed(42)" in fixed and "import keras" not in fixed


def test_absolute_imports_of_a_tree_without_packages_resolve_from_its_repository_root(tmp_path: Path) -> None:
    """Seen in tensorflow/fold (Bazel, no __init__.py files): `from tensorflow_fold.blocks import
    test_lib` resolves from the repository root (its WORKSPACE), wherever the audit starts, so
    a test class derived from tf.test.TestCase in another module is seeded by its setUp."""
    repo = tmp_path / "fold"
    write(repo, "WORKSPACE", "")
    write(repo, "tensorflow_fold/blocks/test_lib.py",
          "import tensorflow as tf\n\n\nclass TestCase(tf.test.TestCase):\n    pass\n")
    write(repo, "tensorflow_fold/blocks/blocks_test.py",
          "import tensorflow as tf\nfrom tensorflow_fold.blocks import test_lib\n\n\n"
          "class BlocksTest(test_lib.TestCase):\n    def test_run(self):\n"
          "        w = tf.Variable(tf.random.normal([3]))\n        with self.test_session() as sess:\n"
          "            sess.run(tf.compat.v1.global_variables_initializer())\n")
    from_parent = audit_json(tmp_path, "fold", "--select", "EA201,EA302")
    from_inside = audit_json(repo, ".", "--select", "EA201,EA302", "--no-cache")
    assert from_parent == [] and from_inside == []


def test_a_test_module_in_a_tests_package_is_not_a_library(tmp_path: Path) -> None:
    """Seen in keras-bert: tests/layers/test_conv.py, in a package only the test runner imports,
    was told to seed "where the program starts (this module belongs to the package `layers`)"."""
    write(tmp_path, "tests/__init__.py", "")
    write(tmp_path, "tests/layers/__init__.py", "")
    write(tmp_path, "tests/layers/test_conv.py",
          "import unittest\nimport numpy as np\nimport keras\n\n\nclass TestConv(unittest.TestCase):\n"
          "    def test_fit(self):\n        model = keras.Sequential([keras.layers.Dense(2)])\n"
          "        model.fit(np.ones((8, 3)), np.ones((8, 2)))\n")
    [finding] = audit_json(tmp_path, "tests", "--select", "EA201")
    assert "where the program starts" not in finding["message"] and finding["fix"] is not None
    # keras-contrib's test_utils.py: named like a test, but a helper the package's modules import
    write(tmp_path, "pkg/__init__.py", "from pkg import layers\n")
    write(tmp_path, "pkg/layers.py", "from pkg.test_utils import layer_test\n")
    write(tmp_path, "pkg/test_utils.py", "import numpy as np\nimport keras\n\n\ndef layer_test(layer):\n"
                                         "    model = keras.Sequential([layer])\n"
                                         "    model.train_on_batch(np.ones((2, 3)), np.ones((2, 1)))\n")
    [finding] = audit_json(tmp_path, "pkg/test_utils.py", "--select", "EA201")
    assert "layers.py imports this module" in finding["message"] and finding["fix"] is None


def test_a_tf2_module_a_tf1_script_imports_keeps_its_tf2_meaning(tmp_path: Path) -> None:
    """Seen in tensorflow/agents: TF2 library modules (no TF1 API anywhere) imported by a legacy
    Session script; their `tf.where` means TF2's. A module spelling TF1 code is still judged."""
    write(tmp_path, "linalg.py", "import tensorflow as tf\n\n\ndef masked(mask, x, y):\n"
                                 "    return tf.where(mask, x, y)\n")
    write(tmp_path, "train_eval.py", "import tensorflow as tf\nimport linalg\n\n"
                                     "x = tf.compat.v1.placeholder(tf.float32, [3])\n"
                                     "with tf.compat.v1.Session() as sess:\n"
                                     "    sess.run(linalg.masked(x > 0, x, -x), {x: [1.0, -2.0, 3.0]})\n")
    assert audit_json(tmp_path, "linalg.py", "--select", "EA110") == []
    write(tmp_path, "linalg.py", "import tensorflow as tf\n\n\ndef masked(mask, x, y):\n"
                                 "    tf.compat.v1.add_to_collection('masks', mask)\n    return tf.where(mask, x, y)\n")
    assert [f["code"] for f in audit_json(tmp_path, "linalg.py", "--select", "EA110", "--no-cache")] == ["EA110"]


def test_a_model_a_function_of_another_module_returns_is_a_keras_model(tmp_path: Path) -> None:
    """Seen in yu4u/age-gender-estimation: `model = get_model()`, imported from the program's own
    module, then `model.fit_generator(...)`: Keras 3 has no fit_generator, and it trains."""
    write(tmp_path, "model.py", "from keras.models import Model\nfrom keras.layers import Dense, Input\n\n\n"
                                "def get_model():\n    x = Input((3,))\n    return Model(x, Dense(1)(x))\n")
    write(tmp_path, "train.py", "import keras\nfrom model import get_model\n\n\ndef main(batches):\n"
                                "    model = get_model()\n    model.fit_generator(batches, steps_per_epoch=10)\n")
    findings = audit_json(tmp_path, "train.py", "--select", "EA108,EA201")
    assert sorted(f["code"] for f in findings) == ["EA108", "EA201"]


def test_a_library_module_of_a_program_that_seeds_is_not_told_to_seed(tmp_path: Path) -> None:
    """Seen in openai/glow: model.py trains inside functions; train.py, which imports it, calls
    tf.set_random_seed before building the graph."""
    write(tmp_path, "model.py",
        "import tensorflow as tf\n\n\ndef train(sess, train_op):\n    w = tf.compat.v1.get_variable('w', [3])\n"
        "    return sess.run(train_op)\n")
    write(tmp_path, "train.py", "import tensorflow as tf\nimport model\n\n\ndef main(seed):\n"
                                "    tf.set_random_seed(seed)\n    model.train(sess, op)\n")
    findings = audit_json(tmp_path, "model.py", "--select", "EA201")
    assert findings == []


def test_an_op_in_a_function_the_program_never_calls_is_not_reported(tmp_path: Path) -> None:
    """Seen in openai/glow: tfops.upsample resizes nearest-neighbour, and nothing calls it."""
    write(tmp_path, "tfops.py",
        "import tensorflow as tf\n\n\ndef upsample(x):\n    return tf.image.resize_nearest_neighbor(x, [8, 8])\n\n\n"
        "def upsample2(x):\n    return tf.image.resize_nearest_neighbor(x, [8, 8])\n\n\n"
        "def dense(x, units):\n    return tf.layers.dense(x, units)\n")
    write(tmp_path, "model.py", "import tfops\n\nh = tfops.upsample2(tfops.dense(x, 4))\n")
    findings = audit_json(tmp_path, "tfops.py", "--select", "EA304")
    assert [f["line"] for f in findings] == [9]


def test_columns_a_test_hands_to_an_imported_input_layer_keep_their_type(tmp_path: Path) -> None:
    """Seen in adanet: simple_dnn_test.py builds columns for simple_dnn.Generator, whose builder
    calls tf.compat.v1.feature_column.input_layer: a Keras column there raises ValueError."""
    write(tmp_path, "simple_dnn.py",
        "import tensorflow as tf\n\n\nclass Generator:\n    def __init__(self, feature_columns):\n"
        "        self._columns = feature_columns\n\n    def build(self, features):\n"
        "        return tf.compat.v1.feature_column.input_layer(features, self._columns)\n")
    write(tmp_path, "simple_dnn_test.py",
        "import tensorflow as tf\nimport simple_dnn\n\n"
        "generator = simple_dnn.Generator(feature_columns=[tf.feature_column.numeric_column('x')])\n")
    [finding] = audit_json(tmp_path, "simple_dnn_test.py", "--select", "EA105")
    assert finding["fix"] is None and "simple_dnn.py, which this module imports" in finding["message"]


def test_a_script_importing_a_module_that_seeds_as_it_loads(tmp_path: Path) -> None:
    """Seen in MorvanZhou's RL tutorials: RL_brain.py calls tf.set_random_seed(1) at import
    time. The script that imports it is seeded (no EA201), and EA109's switch to graph mode goes
    right after `import tensorflow`, before RL_brain loads: a seed set before the switch is lost."""
    write(tmp_path, "RL_brain.py",
        "import tensorflow as tf\ntf.set_random_seed(1)\n\n\nclass DeepQNetwork:\n"
        "    def __init__(self):\n        self.s = tf.placeholder(tf.float32, [None, 2])\n")
    script = ("import gym\nimport tensorflow as tf\nfrom RL_brain import DeepQNetwork\n\n"
              "RL = DeepQNetwork()\nsess = tf.Session()\nsess.run(tf.global_variables_initializer())\n")
    write(tmp_path, "run_this.py", script)
    findings = audit_json(tmp_path, "run_this.py", "--select", "EA109,EA201")
    assert [f["code"] for f in findings] == ["EA109"]
    assert fixed_text(tmp_path, "run_this.py", "EA109") == script.replace(
        "import tensorflow as tf\n", "import tensorflow as tf\ntf.compat.v1.disable_v2_behavior()\n")


@pytest.mark.parametrize(("library", "text", "importer", "code", "block"), [
    ("parallel_model.py",
     "import tensorflow as tf\nimport keras.backend as K\n\n\nclass ParallelModel:\n    pass\n\n\n"
     "if __name__ == \"__main__\":\n    import keras.optimizers\n    model.fit_generator(batches, steps_per_epoch=50)\n",
     ("model.py", "import parallel_model\n"), "EA201",
     "if __name__ == \"__main__\":\n    tf.keras.utils.set_random_seed(42)\n    import keras.optimizers\n"
     "    model.fit_generator(batches, steps_per_epoch=50)\n"),
    ("nets/resnet.py",
     "import tensorflow as tf\n\n\ndef net(x):\n    return tf.layers.dense(x, 2)\n\n\n"
     "if __name__ == \"__main__\":\n    inp = tf.placeholder(tf.float32, (None, 3))\n    net(inp)\n",
     ("model.py", "from nets import resnet\n"), "EA109",
     "if __name__ == \"__main__\":\n    tf.compat.v1.disable_v2_behavior()\n"
     "    inp = tf.placeholder(tf.float32, (None, 3))\n    net(inp)\n"),
], ids=["seed", "graph-mode"])
def test_a_module_others_import_is_fixed_in_its_main_block(tmp_path: Path, library: str, text: str,
                                                          importer: tuple[str, str], code: str, block: str) -> None:
    """A library whose training or graph code is only its `__main__` self-test gets its fix first
    in that block (after the imports it would run whenever its importer imports it). Seen in
    Mask R-CNN's parallel_model.py (importing keras there: `keras` is not bound above) and
    argman/EAST's nets/resnet_v1.py (round 26: a placeholder)."""
    write(tmp_path, library, text)
    write(tmp_path, *importer)
    assert fixed_text(tmp_path, library, code).endswith(block)


def test_tf1_calls_in_a_library_of_a_graph_program_are_read_as_tf1(tmp_path: Path) -> None:
    """Seen in tkipf/gae: layers.py calls `tf.nn.dropout(x, 1 - self.dropout)` (TF1's keep_prob)
    and optimizer.py passes `targets=`; neither builds a graph, train.py does (sessions,
    placeholders). TF2 would read the keep probability as the drop rate."""
    write(tmp_path, "layers.py",
        "import tensorflow as tf\nFLAGS = tf.app.flags.FLAGS\n\n\ndef dense(x, w, dropout):\n"
        "    return tf.matmul(tf.nn.dropout(x, 1 - dropout), w)\n")
    write(tmp_path, "train.py",
        "import tensorflow as tf\nimport layers\n\nx = tf.placeholder(tf.float32, [None, 4])\n"
        "h = layers.dense(x, w, 0.1)\nsess = tf.Session()\n")
    findings = audit_json(tmp_path, "layers.py", "--select", "EA110")
    assert [(f["line"], f["code"]) for f in findings] == [(6, "EA110")]


def test_tf1_calls_in_a_library_of_an_estimator_program_are_read_as_tf1(tmp_path: Path) -> None:
    """Seen in albert_zh (round 25): modeling.py calls `tf.nn.dropout(x, 1.0 - dropout_prob)`
    and only TPUEstimator programs import it: their model_fn builds a TF1 graph, where TF2's
    dropout would read the keep probability as the drop rate."""
    write(tmp_path, "modeling.py",
        "import tensorflow as tf\n\n\ndef dropout(x, p):\n    return tf.nn.dropout(x, 1.0 - p)\n\n\n"
        "def dense(x, units):\n    return dropout(tf.matmul(x, tf.get_variable('w', [4, units])), 0.1)\n")
    write(tmp_path, "run_classifier.py",
        "import tensorflow as tf\nimport modeling\n\n\ndef model_fn(features, labels, mode):\n"
        "    return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_sum(modeling.dense(features, 2)))\n\n\n"
        "estimator = tf.estimator.Estimator(model_fn=model_fn)\n")
    findings = audit_json(tmp_path, "modeling.py", "--select", "EA110")
    assert [(f["line"], f["code"]) for f in findings] == [(5, "EA110")]
    write(tmp_path, "run_classifier.py", "import tensorflow as tf\nimport modeling\n\nprint(modeling.dense)\n")
    assert audit_json(tmp_path, "modeling.py", "--select", "EA110") == []


def test_a_library_of_a_python2_graph_program_is_read_as_tf1(tmp_path: Path) -> None:
    """Seen in LeeDoYup/AnoGAN-tf (round 26): ops.py aliases `tf.summary.scalar` and
    `tf.summary.FileWriter` for a model.py that is Python 2 (a print statement) and runs a
    Session: its text says TF1 graph code though it cannot be parsed, so the aliases are TF1's
    and the FileWriter runs in graph mode (no eager-mode RuntimeError claimed)."""
    write(tmp_path, "ops.py", "import tensorflow as tf\nscalar_summary = tf.summary.scalar\n"
          "SummaryWriter = tf.summary.FileWriter\n")
    write(tmp_path, "model.py", "import tensorflow as tf\nfrom ops import *\nprint 'building'\n"
          "sess = tf.Session()\nwriter = SummaryWriter('logs', sess.graph)\n")
    findings = audit_json(tmp_path, "ops.py", "--select", "EA106,EA110")
    assert [(f["line"], f["code"]) for f in findings] == [(2, "EA110"), (3, "EA106")]
    assert "RuntimeError" not in findings[1]["message"] and findings[1]["fix"]["available"]


def test_a_run_fetching_an_update_op_an_imported_module_binds_trains(tmp_path: Path) -> None:
    """Seen in dragen1860/MAML-TensorFlow (round 27): main.py runs `model.meta_op`, which
    maml.py binds to an optimizer's apply_gradients: the run trains, though its name says
    nothing of training."""
    write(tmp_path, "lib.py",
        "import tensorflow as tf\n\n\nclass M:\n    def build(self, x):\n"
        "        w = tf.compat.v1.get_variable('w', [3, 1])\n"
        "        self.meta_op = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(tf.reduce_mean(x @ w))\n")
    write(tmp_path, "main.py",
        "import tensorflow as tf\nfrom lib import M\n\n\ndef train(model, sess):\n    for _ in range(10):\n"
        "        sess.run([model.meta_op])\n\n\nmodel = M()\nmodel.build(tf.zeros([4, 3]))\n"
        "train(model, tf.compat.v1.InteractiveSession())\n")
    findings = audit_json(tmp_path, "main.py", "--select", "EA201,EA302")
    assert [(f["line"], f["code"]) for f in findings] == [(7, "EA201"), (7, "EA302")]


def test_a_package_library_of_a_tf1_program_is_read_through_its_init(tmp_path: Path) -> None:
    """Seen in ibab/tensorflow-wavenet: train.py imports `wavenet`, whose __init__.py re-exports
    model.py (TF2's tf.summary.scalar in a TF1 graph) and ops.py's optimizer_factory (a dict of
    functions returning TF1 optimizers that train.py minimizes): both are TF1 code."""
    write(tmp_path, "wavenet/__init__.py", "from .model import WaveNetModel\nfrom .ops import optimizer_factory\n")
    write(tmp_path, "wavenet/ops.py",
        "import tensorflow as tf\n\n\ndef create_adam_optimizer(learning_rate, momentum):\n"
        "    return tf.train.AdamOptimizer(learning_rate=learning_rate, epsilon=1e-4)\n\n\n"
        "optimizer_factory = {'adam': create_adam_optimizer}\n")
    write(tmp_path, "wavenet/model.py",
        "import tensorflow as tf\n\n\nclass WaveNetModel:\n    def loss(self, x):\n"
        "        tf.summary.scalar('loss', x)\n        return tf.to_float(x)\n")
    write(tmp_path, "train.py",
        "import tensorflow as tf\nfrom wavenet import WaveNetModel, optimizer_factory\n\n"
        "optimizer = optimizer_factory['adam'](learning_rate=0.001, momentum=0.9)\n"
        "train_op = optimizer.minimize(loss)\nx = tf.placeholder(tf.float32)\n")
    findings = audit_json(tmp_path, "wavenet", "--select", "EA104,EA110")
    found = {(Path(f["path"]).name, f["code"]): f for f in findings}
    assert set(found) == {("model.py", "EA110"), ("ops.py", "EA104")}
    assert "still works the TF1 way" in found[("ops.py", "EA104")]["message"]


def test_a_star_imported_function_is_read_where_it_is_defined(tmp_path: Path) -> None:
    """`from utils import *` brings the program's own functions too: the whole-program lookup
    reads `check_folder` in utils.py (it makes a folder, no graph op), so the session block that
    builds its graph runs in graph mode and EA109 says nothing; the same helper building a
    placeholder is graph code made before the session."""
    write(tmp_path, "utils.py", "import os\n\n\ndef check_folder(path):\n    os.makedirs(path, exist_ok=True)\n"
                                "    return path\n")
    write(tmp_path, "main.py", textwrap.dedent("""
        import tensorflow as tf
        from utils import *

        def main():
            check_folder("checkpoints")
            with tf.compat.v1.Session() as sess:
                x = tf.compat.v1.placeholder(tf.float32)
                print(sess.run(x * 2.0, {x: 1.0}))
        """))
    assert audit_json(tmp_path, "main.py", "--select", "EA109") == []
    write(tmp_path, "utils.py", "import tensorflow as tf\n\n\ndef check_folder(path):\n"
                                "    return tf.compat.v1.placeholder(tf.string)\n")
    assert [f["code"] for f in audit_json(tmp_path, "main.py", "--select", "EA109", "--no-cache")] == ["EA109"]


def test_a_library_session_runs_in_the_graph_mode_its_program_turns_on(tmp_path: Path) -> None:
    """train.py turns graph mode on and imports train_lib, which imports the library that runs
    the session: the library is not told to switch (the program did), two imports away."""
    write(tmp_path, "library.py", "import tensorflow as tf\n\n\ndef gan_train(train_op):\n"
                                  "    step = tf.compat.v1.placeholder(tf.int64)\n"
                                  "    with tf.compat.v1.train.MonitoredTrainingSession() as sess:\n"
                                  "        sess.run(train_op, {step: 0})\n")
    write(tmp_path, "train_lib.py", "import library\n\n\ndef train(op):\n    library.gan_train(op)\n")
    write(tmp_path, "train.py", "import tensorflow as tf\nimport train_lib\n\nif __name__ == '__main__':\n"
                                "    tf.compat.v1.disable_v2_behavior()\n    train_lib.train(None)\n")
    assert audit_json(tmp_path, "library.py", "--select", "EA109") == []
    write(tmp_path, "train.py", "import train_lib\n\nif __name__ == '__main__':\n    train_lib.train(None)\n")
    assert [f["code"] for f in audit_json(tmp_path, "library.py", "--select", "EA109", "--no-cache")] == ["EA109"]


def test_a_seed_set_through_an_inherited_method_of_another_module(tmp_path: Path) -> None:
    """Seen in stable-baselines: each model seeds its own graph with `self.set_random_seed(seed)`,
    a method of its base class in another module, which calls the program's `set_global_seeds`."""
    write(tmp_path, "common/__init__.py", "")
    write(tmp_path, "common/misc.py", "import random\nimport numpy as np\nimport tensorflow as tf\n\n\n"
                                      "def set_global_seeds(seed):\n    tf.set_random_seed(seed)\n"
                                      "    np.random.seed(seed)\n    random.seed(seed)\n")
    write(tmp_path, "common/base.py", "from common.misc import set_global_seeds\n\n\nclass Base:\n"
                                      "    def set_random_seed(self, seed):\n        set_global_seeds(seed)\n")
    write(tmp_path, "a2c.py", "import numpy as np\nimport tensorflow as tf\nfrom common.base import Base\n\n\n"
                              "class A2C(Base):\n    def setup(self):\n        self.graph = tf.Graph()\n"
                              "        with self.graph.as_default():\n            self.set_random_seed(0)\n"
                              "            self.sess = tf.Session(graph=self.graph)\n"
                              "            w = tf.get_variable('w', [4, 1])\n"
                              "            self.train_op = tf.train.AdamOptimizer().minimize(tf.reduce_sum(w))\n\n"
                              "    def learn(self):\n        np.random.rand(8)\n        self.sess.run(self.train_op)\n")
    assert audit_json(tmp_path, "a2c.py", "--select", "EA2") == []


def test_an_import_continued_by_a_backslash_makes_its_module_an_importer(tmp_path: Path) -> None:
    """Seen in OpenSeq2Seq: run.py turns graph mode on, then imports a package whose funcs.py
    imports helpers.py by `from .helpers import A, \\` (a continued line): helpers.py's session
    runs in graph mode."""
    write(tmp_path, "run.py", "import tensorflow as tf\ntf.compat.v1.disable_eager_execution()\n"
                              "from pkg import train\n\ntrain(None)\n")
    write(tmp_path, "pkg/__init__.py", "from .funcs import train\n")
    write(tmp_path, "pkg/funcs.py", "from .helpers import make_session, \\\n    OTHER\n\n\n"
                                    "def train(op):\n    make_session().run(op)\n")
    write(tmp_path, "pkg/helpers.py", "import tensorflow as tf\nOTHER = 1\n\n\n"
                                      "def make_session():\n    return tf.compat.v1.train.MonitoredSession()\n\n\n"
                                      "def restore(session, op):\n    session.run(op)\n")
    assert audit_json(tmp_path, ".", "--select", "EA109") == []


def test_a_script_training_a_model_class_of_a_folder_beside_it(tmp_path: Path) -> None:
    """Seen in WorldModelsExperiments (a clone without markers): `from vae.vae import ConvVAE`
    in scripts beside `vae/` (no __init__.py); the model holds its graph and session, and the
    script trains through `vae.sess.run([..., vae.train_op])`."""
    write(tmp_path, "vae/vae.py", "import tensorflow as tf\n\n\nclass ConvVAE:\n    def __init__(self):\n"
                                  "        self.g = tf.Graph()\n        with self.g.as_default():\n"
                                  "            w = tf.compat.v1.get_variable('w', [4])\n"
                                  "            self.loss = tf.reduce_sum(w)\n"
                                  "            self.train_op = tf.compat.v1.train.AdamOptimizer().minimize(self.loss)\n"
                                  "            self.sess = tf.compat.v1.Session(graph=self.g)\n"
                                  "            self.sess.run(tf.compat.v1.global_variables_initializer())\n")
    write(tmp_path, "vae_train.py", "import numpy as np\nimport tensorflow as tf\nfrom vae.vae import ConvVAE\n\n"
                                    "vae = ConvVAE()\nfor epoch in range(10):\n    np.random.shuffle(data)\n"
                                    "    loss, _ = vae.sess.run([vae.loss, vae.train_op])\n")
    found = {(f["path"], f["code"]): f for f in audit_json(tmp_path, ".", "--select", "EA201,EA302")}
    assert set(found) == {("vae_train.py", "EA201"), ("vae_train.py", "EA302"), ("vae/vae.py", "EA201")}
    assert ("vae.py, which this program imports, builds a tf.Graph() of its own"
            in found[("vae_train.py", "EA201")]["message"])
    assert "vae_train.py imports this module" in found[("vae/vae.py", "EA201")]["message"]


def test_a_library_running_inference_in_a_session_it_is_handed(tmp_path: Path) -> None:
    """Seen in stable-baselines' policies: `step()` runs the action op in the model's session,
    on the model's graph, which the model module makes and seeds; the policy module makes no
    session and trains nothing, so the seed is not its to set (the model's module is judged)."""
    write(tmp_path, "sb/__init__.py", "")
    write(tmp_path, "sb/policies.py", "import tensorflow as tf\n\n\nclass Policy:\n"
                                      "    def __init__(self, sess, obs):\n        self.sess, self.obs = sess, obs\n"
                                      "        self.action = tf.random.categorical(tf.compat.v1.layers.dense(obs, 4), 1)\n\n"
                                      "    def step(self, x):\n        return self.sess.run(self.action, {self.obs: x})\n")
    write(tmp_path, "sb/model.py", "import tensorflow as tf\nfrom sb.policies import Policy\n\n\nclass Model:\n"
                                   "    def setup(self):\n        self.graph = tf.Graph()\n"
                                   "        with self.graph.as_default():\n"
                                   "            self.sess = tf.compat.v1.Session(graph=self.graph)\n"
                                   "            obs = tf.compat.v1.placeholder(tf.float32, [None, 4])\n"
                                   "            self.policy = Policy(self.sess, obs)\n"
                                   "            self.sess.run(tf.compat.v1.global_variables_initializer())\n")
    write(tmp_path, "run.py", "from sb.model import Model\n\nmodel = Model()\nmodel.setup()\n"
                              "print(model.policy.step([[0, 0, 0, 0]]))\n")
    assert audit_json(tmp_path, ".", "--select", "EA201") == []


def test_training_a_module_hands_to_spark_executors_is_seeded_where_it_runs(tmp_path: Path) -> None:
    """Seen in elephas: a worker class's `train` fits the model; spark_model.py hands it to
    `rdd.mapPartitions(worker.train)`, so it runs in executor processes that a seed (or op
    determinism) set where the program starts never reaches."""
    write(tmp_path, "lib/__init__.py", "")
    write(tmp_path, "lib/worker.py", "import keras\n\n\nclass Worker:\n    def train(self, rows):\n"
                                     "        model = keras.models.model_from_json(self.json)\n"
                                     "        self.model = model\n        self.model.fit(x, y)\n"
                                     "        yield self.model.get_weights()\n")
    write(tmp_path, "lib/spark_model.py", "from lib.worker import Worker\n\n\ndef fit(rdd):\n"
                                          "    return rdd.mapPartitions(Worker().train).collect()\n")
    found = {f["code"]: f for f in audit_json(tmp_path, ".", "--select", "EA201,EA302")}
    assert set(found) == {"EA201", "EA302"} and all(f["fix"] is None for f in found.values())
    assert all("at the start of `train`, which spark_model.py hands to another process" in f["message"]
               for f in found.values())


def test_a_notebook_beside_a_package_init_is_a_program_not_a_library(tmp_path: Path) -> None:
    """Seen in google-research/bert: the repository root holds __init__.py and a notebook whose
    cells define and call a training function; nothing imports a notebook, so its seed goes in
    the notebook (a fix), not "where the program starts"."""
    write(tmp_path, "__init__.py", "")
    cells: list[dict[str, object]] = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": ["import tensorflow as tf\n", "\n", "def train(steps):\n",
                         "    x = tf.compat.v1.get_variable('w', [3])\n",
                         "    loss = tf.reduce_sum(tf.nn.dropout(x, rate=0.5))\n",
                         "    op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)\n",
                         "    with tf.compat.v1.Session() as sess:\n",
                         "        sess.run(tf.compat.v1.global_variables_initializer())\n",
                         "        for _ in range(steps):\n", "            sess.run(op)\n"]},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": ["train(10)\n"]}]
    write(tmp_path, "demo.ipynb", json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}))
    [finding] = audit_json(tmp_path, "demo.ipynb", "--select", "EA201")
    assert "where the program starts" not in finding["message"] and finding["fix"] is not None, finding


def test_a_generator_handed_to_a_function_of_another_module_that_seeds_it(tmp_path: Path) -> None:
    """Seen in uber-research/deep-neuroevolution (round 28): `rollout(env,
    random_stream=np.random.RandomState(), policy_seed=seed)`, where rollout, in another module,
    calls `random_stream.seed(policy_seed)`; a callee that only draws leaves it unseeded."""
    write(tmp_path, "lib.py",
        "def rollout(env, random_stream=None, policy_seed=None):\n    if policy_seed:\n"
        "        random_stream.seed(policy_seed)\n    return random_stream.randn()\n\n\n"
        "def draw(random_stream):\n    return random_stream.randn()\n")
    write(tmp_path, "main.py",
        "import numpy as np\nimport lib\n\nseed = np.random.randint(2**31 - 1)\n"
        "lib.rollout(None, random_stream=np.random.RandomState(), policy_seed=seed)\n"
        "lib.draw(np.random.RandomState())\n")
    findings = audit_json(tmp_path, "main.py", "--select", "EA205")
    assert [(f["line"], f["code"]) for f in findings] == [(6, "EA205")]


def test_a_generator_the_module_cannot_spell_is_named_as_usual(tmp_path: Path) -> None:
    """Seen in taki0112's SAGAN (round 29): TensorFlow comes from `from ops import *`, so the
    module has no name of its own to seed it through; EA202's message named no call at all."""
    write(tmp_path, "ops.py", "import tensorflow as tf\n")
    write(tmp_path, "utils.py", "import numpy as np\n\n\ndef load_data():\n    np.random.seed(777)\n"
          "    return np.random.permutation(8)\n")
    write(tmp_path, "gan.py",
        "from ops import *\nfrom utils import *\n\n\nclass GAN:\n    def __init__(self):\n"
        "        self.data = load_data()\n        self.x = tf.placeholder(tf.float32, [None, 3])\n\n"
        "    def penalty(self, real):\n        return tf.random_uniform(shape=[4, 1]) * real\n")
    [finding] = audit_json(tmp_path, "gan.py", "--select", "EA202")
    assert finding["message"].endswith("it seeds only NumPy's global RNG: call tf.compat.v1.set_random_seed(42)")
    assert finding["fix"] is None


def test_a_test_case_of_a_module_re_exporting_tensorflow_is_seeded(tmp_path: Path) -> None:
    """Seen in tensorflow/lingvo (round 29): `import lingvo.compat as tf`, a module of the
    program star-importing tensorflow.compat.v2; its test_utils.TestCase derives from that
    `tf.test.TestCase`, which seeds every generator before each test."""
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/compat.py", "import tensorflow.compat.v1 as tf1\nfrom tensorflow.compat.v2 import *\n")
    write(tmp_path, "pkg/test_utils.py", "from pkg import compat as tf\n\n\nclass TestCase(tf.test.TestCase):\n"
          "    def setUp(self):\n        super().setUp()\n")
    write(tmp_path, "pkg/shampoo_test.py",
        "import numpy as np\nfrom pkg import compat as tf\nfrom pkg import test_utils\n\n\n"
        "class ShampooTest(test_utils.TestCase):\n    def test_update(self):\n"
        "        grads = np.random.rand(2, 2)\n        with self.session() as sess:\n"
        "            update = tf.compat.v1.train.GradientDescentOptimizer(0.1).apply_gradients([(grads, var)])\n"
        "            update.run()\n")
    assert audit_json(tmp_path, "pkg/shampoo_test.py", "--select", "EA201,EA202") == []


def test_a_graph_an_imported_module_fills_with_a_graph_def_takes_no_seed_advice(tmp_path: Path) -> None:
    """Seen in gary9987/tensorflow-get-started (round 30): the imported dataset module's only
    tf.Graph() imports a frozen model's GraphDef to count its FLOPs; it runs nothing random, so
    the trainer's findings keep their fix and say nothing of seeding that graph."""
    write(tmp_path, "flops.py",
        "import tensorflow as tf\n\n\ndef get_flops(graph_def):\n    with tf.Graph().as_default() as graph:\n"
        "        tf.graph_util.import_graph_def(graph_def, name='')\n"
        "        return tf.compat.v1.profiler.profile(graph=graph)\n")
    write(tmp_path, "train.py",
        "import tensorflow as tf\nimport flops\n\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
        "model.compile(optimizer='sgd', loss='mse')\nmodel.fit(x, y, epochs=2)\n")
    findings = audit_json(tmp_path, "train.py", "--select", "EA201")
    assert len(findings) == 1 and "tf.Graph()" not in findings[0]["message"], findings
    assert findings[0]["fix"] is not None


def test_an_optimizer_held_on_an_instance_an_importer_drives_the_tf1_way_stays_tf1(tmp_path: Path) -> None:
    """Seen in rwightman/tensorflow-litterbox (round 30): a scheduler class keeps `self.opt =
    tf.train.AdamOptimizer(...)`; the training module reads `scheduler.opt` and calls
    compute_gradients and apply_gradients(global_step=...): only the TF1 spelling breaks."""
    write(tmp_path, "sched.py", "import tensorflow as tf\n\n\nclass Scheduler:\n    def __init__(self, rate):\n"
          "        self.opt = tf.train.AdamOptimizer(rate)\n")
    write(tmp_path, "train.py", "import tensorflow as tf\nfrom sched import Scheduler\n\nopt = Scheduler(0.1).opt\n"
          "grads = opt.compute_gradients(loss)\ntrain_op = opt.apply_gradients(grads, global_step=step)\n")
    [finding] = audit_json(tmp_path, "sched.py", "--select", "EA104")
    assert "which still works the TF1 way the program uses it" in finding["message"], finding["message"]


def test_a_module_with_a_demo_block_that_others_import_is_not_seeded_as_it_loads(tmp_path: Path) -> None:
    """Seen in gary9987/tensorflow-get-started (round 30): a dataset module five trainers import
    draws in its functions and has a `__main__` demo; a seed after its imports would reseed every
    importer, and one in the demo block would miss their draws: no fix, seed where they start."""
    write(tmp_path, "dataset.py", "import random\nimport numpy as np\n\n\ndef load(seed):\n    random.seed(seed)\n"
          "    return list(range(10))\n\n\ndef split(data):\n    return np.random.permutation(len(data))\n\n\n"
          "if __name__ == '__main__':\n    print(split(load(0)))\n")
    write(tmp_path, "train.py", "import dataset\n\nprint(dataset.split(dataset.load(1)))\n")
    [finding] = audit_json(tmp_path, "dataset.py", "--select", "EA202")
    assert finding["fix"] is None and "train.py imports this module" in finding["message"], finding


def test_a_graph_mode_switch_parked_under_if_false_makes_no_importer_tf1(tmp_path: Path) -> None:
    """Seen in seongsikpark/TensorFlow-SNNs (round 31, 65 findings): the program's model module
    keeps `tf.compat.v1.disable_eager_execution()` under `if False:`; the library it imports is
    TF2 code, whose broadcasting tf.where tf.compat.v1.where would break."""
    write(tmp_path, "lib/__init__.py", "from lib import layers\n")
    write(tmp_path, "lib/layers.py", "import tensorflow as tf\n\n\ndef gate(mask, x, y):\n"
          "    tf.compat.v1.logging.info('gate')\n    return tf.where(mask, x, y)\n")
    write(tmp_path, "main.py", "import tensorflow as tf\nimport lib\n\n\nclass Exporter:\n    def export(self):\n"
          "        if False:\n            tf.compat.v1.disable_eager_execution()\n")
    assert audit_json(tmp_path, ".", "--select", "EA110") == []
    write(tmp_path, "main.py", "import tensorflow as tf\nimport lib\n\ntf.compat.v1.disable_eager_execution()\n")
    assert [f["code"] for f in audit_json(tmp_path, ".", "--select", "EA110")] == ["EA110"]


def test_a_library_training_in_a_session_given_a_new_graph_is_seeded_inside_it(tmp_path: Path) -> None:
    """Seen in MichaelOVertolli/Tensorflow-ConnectorGraph (round 31): `with
    tf.Session(graph=tf.Graph()) as sess:` builds and runs a graph of its own, which a seed set
    where the program starts never reaches."""
    write(tmp_path, "lib.py",
        "import tensorflow as tf\n\n\ndef train(data):\n    with tf.Session(graph=tf.Graph()) as sess:\n"
        "        w = tf.Variable(tf.random_normal([3, 1]))\n"
        "        step = tf.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(w))\n"
        "        sess.run(tf.global_variables_initializer())\n        sess.run(step)\n")
    write(tmp_path, "main.py", "import lib\n\nlib.train([1.0])\n")
    [finding] = audit_json(tmp_path, "lib.py", "--select", "EA201")
    assert "inside each new graph that builds what it trains" in finding["message"], finding["message"]


def test_a_program_seeding_through_a_helper_not_named_for_seeding_seeds_its_library(tmp_path: Path) -> None:
    """Seen in Light4Code/tensorflow-research (round 31): train.py calls utils'
    `setup_environment()`, which seeds random, NumPy and TensorFlow, before the training engine
    it imports fits the model; train.py's text never says seed."""
    write(tmp_path, "utils.py", "import random\nimport numpy as np\nimport tensorflow as tf\n\n\n"
          "def setup_environment(seed=33):\n    random.seed(seed)\n    np.random.seed(seed)\n"
          "    tf.random.set_seed(seed)\n")
    write(tmp_path, "engine.py", "import tensorflow as tf\n\n\nclass Engine:\n    def __init__(self, model):\n"
          "        self.model = model\n\n    def train(self, x, y):\n        self.model.fit(x, y, epochs=2)\n")
    write(tmp_path, "train.py", "from utils import setup_environment\nfrom engine import Engine\n\n\n"
          "def main():\n    setup_environment()\n    Engine(build()).train(x, y)\n\n\nif __name__ == '__main__':\n"
          "    main()\n")
    assert audit_json(tmp_path, ".", "--select", "EA201") == []


def test_a_split_in_a_loader_the_program_calls_after_seeding_numpy_is_seeded(tmp_path: Path) -> None:
    """Round 31 (Light4Code/tensorflow-research): utils' load_dataset splits with
    train_test_split; train.py calls setup_environment(), seeding NumPy, before it."""
    write(tmp_path, "utils.py", "import numpy as np\nfrom sklearn.model_selection import train_test_split\n\n\n"
          "def setup_environment(seed=33):\n    np.random.seed(seed)\n\n\n"
          "def load_dataset(x, y):\n    return train_test_split(x, y)\n")
    write(tmp_path, "train.py", "from utils import setup_environment, load_dataset\n\nsetup_environment()\n"
          "data = load_dataset([1, 2, 3, 4], [0, 1, 0, 1])\n")
    assert audit_json(tmp_path, ".", "--select", "EA207") == []


def test_a_keras_model_subclass_of_another_module_saves_as_keras_3_does(tmp_path: Path) -> None:
    """Seen in leohsuofnthu/Tensorflow-YOLACT (round 32): `model = Yolact(...)`, a
    tf.keras.Model subclass defined in yolact.py, then `model.save_weights(f"...{map}.h5")`."""
    write(tmp_path, "yolact.py", "import tensorflow as tf\n\n\nclass Yolact(tf.keras.Model):\n"
          "    def call(self, x):\n        return x\n")
    write(tmp_path, "train.py", "import tensorflow as tf\nfrom yolact import Yolact\n\nmodel = Yolact()\n"
          "model.save_weights(f'weights_{1}.h5')\n")
    [finding] = audit_json(tmp_path, "train.py", "--select", "EA108")
    assert "the file name must end in .weights.h5" in finding["message"], finding["message"]


def test_fit_on_a_model_an_imported_class_s_method_returns_trains(tmp_path: Path) -> None:
    """Seen in dimitrymindlin/CycleGAN-Tensorflow-2 (round 32): `model = RSNA_Net().model()`,
    a Keras model built by a method of a class of another module, compiled and fit; only NumPy
    is seeded."""
    write(tmp_path, "nets.py", "import tensorflow as tf\n\n\nclass RSNA_Net:\n    def model(self):\n"
          "        return tf.keras.Sequential([tf.keras.layers.Dense(1), tf.keras.layers.Dropout(0.6)])\n")
    write(tmp_path, "train.py", "import numpy as np\nimport tensorflow as tf\nfrom nets import RSNA_Net\n\n"
          "np.random.seed(1000)\nmodel = RSNA_Net().model()\nmodel.compile(optimizer='adam', loss='mse')\n"
          "model.fit(x, y, epochs=2)\n")
    assert [f["code"] for f in audit_json(tmp_path, "train.py", "--select", "EA201,EA302")] == ["EA201", "EA302"]
