"""
## What it does
Flags a module that seeds some of Python's `random`, NumPy's global RNG and TensorFlow, but
draws from one it did not seed (not counting a draw that becomes a seed, handed to a seeding
call or bound to a name one takes: a seed derived on purpose, from the caller's seeding or, for
parallel workers, from the OS): `np.random.*` legacy functions use NumPy's global RNG,
`random.*` functions use Python's, `tf.random.*` ops and `tf.data.Dataset.shuffle` without a
`seed` use TensorFlow's, and,
with Keras 3, a layer or initializer constructed without a seed takes its seed from Python's
`random`. So the recipe most articles end on, `tf.random.set_seed` plus `np.random.seed`, leaves
every Keras 3 layer unseeded. One finding per module, at the first such call. In a Horovod or
SageMaker data-parallel (`smdistributed`) program, which runs once per worker, no fix is offered:
the message says to seed by each worker's rank.

## Why is this bad?
The program looks seeded, so nobody suspects it; yet its initial weights (or data order, or
augmentation) differ from run to run.

## How it was verified
On TensorFlow 2.21 / Keras 3.15, two runs of `tf.random.set_seed(42); np.random.seed(42);
keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])` gave kernels summing to -1.4228
and 1.4947; with `random.seed(42)` alone both runs gave 0.7141, and with
`keras.utils.set_random_seed(42)` both gave 0.7141 too. The layers that draw random numbers are
generated from Keras 3 by `tools/generate_keras_random_layers.py`.

## Example
```python
import numpy as np
import tensorflow as tf

tf.random.set_seed(42)
np.random.seed(42)
model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
```

## Use instead
```python
import keras

keras.utils.set_random_seed(42)  # seeds Python, NumPy and TensorFlow
model = keras.Sequential([keras.layers.Dense(10)])
```

## Fix safety
Safe: one `keras.utils.set_random_seed` call after the imports seeds all three generators (the
partial seeding calls stay; they no longer leave anything unseeded). It is spelled through the
file's own Keras or TensorFlow import. The seed value comes from the `seed` setting (default 42).
In a TF1 graph program (it runs a session, makes placeholders or switches to graph mode) the fix
seeds each generator the module draws from unseeded by its own call instead, through the file's
imports (`np.random.seed(42)`, `random.seed(42)`, `tf.compat.v1.set_random_seed(42)`): importing
Keras there would be out of place. On TensorFlow 2.21, after `disable_v2_behavior()`, a graph
seeded with `tf.compat.v1.set_random_seed` gave the same variable values in two processes.
"""

import ast
import os

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.fixes import insert_statement, main_block, seed_everything, seed_generator
from estimator_audit.knowledge.facts import RandomUse
from estimator_audit.knowledge.program import data_parallel, imported_library, training_importer
from estimator_audit.knowledge.seeding import RNG
from estimator_audit.rule import Invalid, Rule, Valid

# How each global generator is seeded, spelled as usual: for a module that has no name for it.
USUAL_SEEDING = {RNG.TENSORFLOW: "tf.compat.v1.set_random_seed({seed})", RNG.NUMPY: "np.random.seed({seed})",
                 RNG.PYTHON: "random.seed({seed})"}


class PartialSeed(Rule):
    code = "EA202"
    name = "partial-seed"
    severity = Severity.ERROR
    summary = "Some global RNGs are seeded, but the module draws from one that is not."
    fix_safety = FixSafety.SAFE
    triggers = ("seed",)  # every seeding call spells it
    valid = (
        Valid(
            """
            import random
            import numpy as np
            import tensorflow as tf

            class Oracle:
                def __init__(self, seed=None):
                    self.seed = seed or random.randint(1, 10000)  # a seed drawn when none is given
                    self.generator = np.random.RandomState(self.seed)

            class AutoModel:
                def __init__(self, seed=None):
                    if seed:
                        np.random.seed(seed)
                        tf.random.set_seed(seed)
                    self.oracle = Oracle(seed=seed)
            """
        ),
        Valid(
            """
            import keras
            import numpy as np
            keras.utils.set_random_seed(0)
            x = np.random.rand(3)
            model = keras.Sequential([keras.layers.Dense(1)])
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.random.rand(3)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            """
        ),
        Valid(
            """
            import random
            import numpy as np
            import tensorflow as tf
            random.seed(1); np.random.seed(1); tf.random.set_seed(1)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1), tf.keras.layers.Dropout(0.5)])
            noise = tf.random.normal([3])
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf
            tf.random.set_seed(1)
            init = tf.keras.initializers.GlorotUniform(seed=1)
            layer = tf.keras.layers.Dense(4, kernel_initializer=init, bias_initializer="zeros")
            rng = np.random.default_rng(3)
            """
        ),
        Valid(
            """
            import numpy as np
            np.random.seed(0)
            class Layers:
                def Dense(self, n):
                    return n
            layers = Layers()
            layers.Dense(3)
            """
        ),
        Valid(
            """
            import random
            import numpy as np

            for trial in range(64):  # parallel workers: each trial its own seed, on purpose
                seed = random.randint(0, 2**31 - 1)
                np.random.seed(seed)
                np.savez(f"record/{seed}.npz", actions=np.random.rand(100))
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf

            def init_tf():  # the graph seed derives from NumPy, which the caller seeds
                tf.compat.v1.set_random_seed(np.random.randint(1 << 31))
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            tf.random.set_seed(42)  # reaches neither NumPy nor Keras 3's layers
            index = np.random.randint(100)
            model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
            """,
            at=((4, 9),),
            message="tf.keras.layers.Dense (line 5) draws from Python's random (Keras 3 seeds layers and "
                    "initializers without a seed from Python's random), which it never seeds either",
        ),
        Invalid(
            """
            import random
            import numpy as np

            random.seed(0)
            sample = np.random.choice(10, 5)  # no TensorFlow here: NumPy's own seed, not Keras'
            """,
            at=((5, 10),),
            fixed="""
            import random
            import numpy as np
            np.random.seed(42)

            random.seed(0)
            sample = np.random.choice(10, 5)  # no TensorFlow here: NumPy's own seed, not Keras'
            """,
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            tf.set_random_seed(1)
            layer = tf.keras.layers.Dense(3)
            """,
            at=((3, 9),),
            message="draws from Python's random",
        ),
        Invalid(
            """
            import numpy
            import tensorflow as tf
            tf.compat.v1.disable_v2_behavior()
            tf.compat.v1.set_random_seed(42)
            rng = numpy.random
            W = tf.Variable(rng.randn(), name="weight")
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
            """,
            at=((6, 17),),
            message="call numpy.random.seed(42)",
            fixed="""
            import numpy
            import tensorflow as tf
            tf.compat.v1.disable_v2_behavior()
            tf.compat.v1.set_random_seed(42)
            numpy.random.seed(42)
            rng = numpy.random
            W = tf.Variable(rng.randn(), name="weight")
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
            """,
        ),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            np.random.seed(42)
            tf.random.set_seed(42)
            model = tf.keras.Sequential([
                tf.keras.layers.Dense(10, input_shape=(10,), activation='relu'),
                tf.keras.layers.Dense(1)
            ])
            """,
            at=((6, 5),),
            message="Python's random",
            fixed="""
            import numpy as np
            import tensorflow as tf
            tf.keras.utils.set_random_seed(42)
            np.random.seed(42)
            tf.random.set_seed(42)
            model = tf.keras.Sequential([
                tf.keras.layers.Dense(10, input_shape=(10,), activation='relu'),
                tf.keras.layers.Dense(1)
            ])
            """,
        ),
        Invalid(
            """
            import random
            import numpy as np
            random.seed(0)
            batch = np.random.choice(100, 10)
            index = random.randint(0, 9)
            """,
            at=((4, 9),),
            message="NumPy's global RNG",
        ),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            np.random.seed(0)
            noise = tf.random.normal([4])
            """,
            at=((4, 9),),
            message="TensorFlow's global seed",
        ),
        Invalid(
            """
            from numpy.random import seed
            from keras import layers, initializers
            seed(7)
            embedding = layers.Embedding(100, 8)
            init = initializers.HeNormal()
            """,
            at=((4, 13),),
        ),
        Invalid(
            """
            import tensorflow as tf
            import smdistributed.dataparallel.tensorflow as sdp
            tf.random.set_seed(42)  # one seed for every worker the launcher starts
            model = tf.keras.Sequential([tf.keras.layers.Dense(8), tf.keras.layers.Dropout(0.5)])
            """,
            at=((4, 30),),
            message="in this SageMaker data-parallel program seed Python's random too, by each worker's rank",
        ),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            np.random.seed(1)
            dataset = tf.data.Dataset.from_tensor_slices(np.arange(100))
            dataset = dataset.shuffle(100, reshuffle_each_iteration=False).batch(10)
            """,
            at=((5, 11),),
            message="tf.data.Dataset.shuffle",
        ),
    )

    def finish(self) -> None:
        facts = self.context.facts
        seeded = facts.seeded()
        if not seeded:
            return  # nothing seeded at all is EA201's finding
        unseeded = [use for use in facts.random_uses if use.rng not in seeded]
        if not unseeded:
            return
        ordered = sorted(unseeded, key=lambda use: (use.node.lineno, use.node.col_offset))
        first = ordered[0]
        names = ", ".join(sorted(rng.value for rng in seeded))
        firsts = {use.rng: use for use in reversed(ordered)}  # each unseeded generator's first draw
        why = keras_draw(first) + "".join(  # (every generator left unseeded: seeding one leaves the others)
            f"; {use.what} ({self.context.place(use.node.lineno)}) draws from {use.rng.value}{keras_draw(use)}, "
            "which it never seeds either" for rng, use in sorted(firsts.items()) if rng is not first.rng)
        library = imported_library(self.context, [use.node for use in unseeded]) or self.imported_script(unseeded)
        if library is not None:  # seeding as it is imported would reseed every importing program
            self.report(first.node, f"{first.what} draws from {first.rng.value}, which this module never "
                        f"seeds{why}; it seeds only {names}: seed {' and '.join(sorted(firsts))} beside that seed, or where "
                        f"the program starts ({library}; no automatic fix: a seed set as the module is "
                        "imported would reseed every program that imports it)", None)
            return
        if (parallel := data_parallel(self.context)) is not None:
            self.report(first.node, f"{first.what} draws from {first.rng.value}, which this module never seeds{why}; "
                        f"it seeds only {names}: in this {parallel[0]} program seed {' and '.join(sorted(firsts))} "
                        f"too, by each worker's rank ({parallel[1]}: one seed for every worker gives them all the "
                        "same draws; no automatic fix)", None)
            return
        if facts.builds_tf1_graph or not self.context.imports_tensorflow():
            self.report_for_graph(first, names, why)  # (no Keras to seed through: each generator's own seed)
            return
        statement, imports = seed_everything(self.context)
        self.report(
            first.node,
            f"{first.what} draws from {first.rng.value}, which this module never seeds{why}; it "
            f"seeds only {names}: call keras.utils.set_random_seed({self.context.settings.seed}), "
            "which seeds Python, NumPy and TensorFlow",
            insert_statement("seed Python, NumPy and TensorFlow after the imports", statement, imports),
        )

    def imported_script(self, unseeded: list[RandomUse]) -> str | None:
        """Who imports a module that has a `__main__` demo but draws in functions its importers
        call (gary9987's dataset module, round 30): a seed put after its imports would reseed
        every program that imports it, and one in the `__main__` block misses their draws."""
        nodes = [use.node for use in unseeded]
        ancestry = self.context.facts.ancestry
        importers = self.context.project.importers(self.context.source.path)
        if self.context.source.cells is not None or not importers or main_block(self.context, nodes) is not None:
            return None
        if any(not any(isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                       for a in ancestry.get(id(node), ())) for node in nodes):
            return None  # it draws as it runs
        return f"{os.path.basename(training_importer(self.context, importers))} imports this module"

    def report_for_graph(self, first: RandomUse, names: str, why: str) -> None:
        """In a TF1 graph program, or one without TensorFlow or Keras: seed each generator it
        draws from unseeded, by its own call."""
        facts = self.context.facts
        missing = sorted({use.rng for use in facts.random_uses} - facts.seeded())
        calls = [seed_generator(self.context, rng) for rng in missing]
        fix = None
        if all(statement for statement, _ in calls):
            edits = tuple(Edit(EditAction.INSERT_AFTER_IMPORTS, text=statement) for statement, _ in calls)
            fix = Fix(FixSafety.SAFE, "seed the generators it draws from after the imports", edits,
                      tuple(line for _, imports in calls for line in imports))
        # (a generator the module cannot spell, its TensorFlow from a star import: named as usual)
        spelled = [statement or USUAL_SEEDING[rng].format(seed=self.context.settings.seed)
                   for (statement, _), rng in zip(calls, missing, strict=True)]
        self.report(
            first.node,
            f"{first.what} draws from {first.rng.value}, which this module never seeds{why}; it "
            f"seeds only {names}: call {' and '.join(spelled)}",
            fix,
        )


def keras_draw(use: RandomUse) -> str:
    """Why a Keras layer or initializer draws from Python's random, where it does."""
    if use.rng is RNG.PYTHON and ("layers." in use.what or "initializers." in use.what):
        return " (Keras 3 seeds layers and initializers without a seed from Python's random)"
    return ""
