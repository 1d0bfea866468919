"""
## What it does
Flags a global seeding call (`tf.random.set_seed`, `keras.utils.set_random_seed`,
`tf.compat.v1.set_random_seed`) that comes, in the same straight-line block, after random ops,
layer or model construction, or training that no earlier seeding call covered. Seeding again
before building a second model (seed, build, seed, build) is fine and is not flagged; nor is a
seed followed in its block by new random draws or model construction (directly, or by calling a
function or class of the module that makes them): it starts a later part of the program, such as a
notebook's second experiment, rather than covering the earlier one.

## Why is this bad?
A seed only governs what is drawn after it. Weights already initialised, and ops already
created with their seeds fixed, stay random: the seed call looks like it makes the program
reproducible and does not.

## How it was verified
On TensorFlow 2.21 / Keras 3.15, building `keras.layers.Dense(3)` and then calling
`keras.utils.set_random_seed(42)` gave different kernels in two runs; with the seed call first,
the kernels were identical (the same runs as EA202's).

## Example
```python
import keras

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
keras.utils.set_random_seed(42)
model.fit(x, y)
```

## Use instead
```python
import keras

keras.utils.set_random_seed(42)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
model.fit(x, y)
```

## Fix safety
No automatic fix: moving the call could change which draws a reseed was meant to repeat.
"""

import ast

from estimator_audit.findings import Severity
from estimator_audit.knowledge.calls import call_text, called_names
from estimator_audit.knowledge.facts import BlockPosition, SeedingCall
from estimator_audit.rule import Invalid, Rule, Valid


class SeedAfterUse(Rule):
    code = "EA204"
    name = "seed-after-use"
    severity = Severity.ERROR
    summary = "A global seed set after the random ops, layers or training it was meant to cover."
    triggers = ("seed",)
    valid = (
        Valid(
            """
            import numpy as np
            import tensorflow as tf
            import tensorflow.contrib.keras as keras
            g = tf.Graph()
            with g.as_default():
                w = tf.Variable(2.0)
            with tf.Session(graph=g) as sess:
                sess.run(tf.global_variables_initializer())
            np.random.seed(123)
            tf.set_random_seed(123)
            model = keras.models.Sequential()
            model.add(keras.layers.Dense(units=50, input_dim=4))
            """
        ),
        Valid(
            """
            import keras
            keras.utils.set_random_seed(42)
            first = keras.Sequential([keras.layers.Dense(1)])
            keras.utils.set_random_seed(42)
            second = keras.Sequential([keras.layers.Dense(1)])
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def build():
                return tf.keras.Sequential([tf.keras.layers.Dense(1)])
            tf.random.set_seed(1)
            model = build()
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.random.rand(10)  # NumPy: tf.random.set_seed was never meant to cover it
            tf.random.set_seed(1)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            if fast:
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            else:
                tf.random.set_seed(3)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def build():
                return tf.keras.Sequential([tf.keras.layers.Dense(1)])
            baseline = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            baseline.fit(x, y)
            # Part 2: the same network, reproducibly
            tf.random.set_seed(42)
            seeded = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            seeded.fit(x, y)
            tf.random.set_seed(42)
            again = build()
            class Net(tf.keras.Model):
                def __init__(self):
                    super().__init__()
                    self.dense = tf.keras.layers.Dense(1)
            def run_models(runs):
                return [Net() for _ in range(runs)]
            tf.random.set_seed(7)
            results = run_models(5)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            c = tf.random_uniform([], -10, 10, seed=2)
            with tf.Session() as sess:
                print(sess.run(c))
            tf.set_random_seed(2)
            d = tf.random_uniform([], -10, 10)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import keras
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
            keras.utils.set_random_seed(42)
            model.fit(x, y)
            """,
            at=((3, 1),),
            message="after keras.layers.Dense",
        ),
        Invalid(
            """
            import tensorflow as tf
            def main():
                noise = tf.random.normal([3])
                tf.random.set_seed(0)
                return noise
            """,
            at=((4, 5),),
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            with tf.Session() as sess:
                sess.run(init)
                tf.set_random_seed(1)
                sess.run(train)
            """,
            at=((4, 5),),
        ),
    )

    def finish(self) -> None:
        facts = self.context.facts
        # Every session run counts: the graph it runs was built, and its op seeds fixed, before it.
        training = [(node, call_text(node)) for node in {*facts.all_training_calls(), *facts.session_runs}]
        seeds = [(call, facts.block_positions(call.node)) for call in facts.global_seeding_calls()]
        covering = [positions[0] for _, positions in seeds if positions]
        for call, positions in seeds:
            # A seed call is only meant to cover the generators it seeds.
            uses = [(use.node, use.what) for use in facts.random_uses if use.rng in call.seeds]
            uses = sorted(uses + training, key=lambda use: (use[0].lineno, use[0].col_offset))
            late = self.uncovered_use_before(positions[0], uses, covering) if positions else None
            if late is not None and not self.starts_later_part(call, positions[0]):
                node, what = late
                self.report(
                    call.node,
                    f"{call_text(call.node)} comes after {what} (line {node.lineno}), which it was "
                    "meant to cover: a seed only governs what is drawn after it; move it before the "
                    "first random operation",
                )

    def starts_later_part(self, call: SeedingCall, seed_at: BlockPosition) -> bool:
        """Whether the seed's block draws anew after it (a random op, a layer or model built, or a
        call of a module function that builds one): the seed is there for what follows."""
        facts = self.context.facts
        owner_id, field, index = seed_at
        draws = [use.node for use in facts.random_uses]  # whichever generator: what the seed was for
        if any(p[:2] == (owner_id, field) and p[2] > index for node in draws for p in facts.block_positions(node)):
            return True
        owner = next((a for a in facts.ancestry.get(id(call.node), ()) if id(a) == owner_id), None)
        drawing = self.drawing_definitions(draws) if owner is not None else set()
        later = getattr(owner, field, [])[index + 1:] if drawing else []
        return any(calls_any(statement, drawing) for statement in later)

    def drawing_definitions(self, draws: list[ast.Call]) -> set[str]:
        """The module's functions and classes whose code draws when called: it holds a draw, or
        calls another such definition (`run_models()` building `DCN(...)` models)."""
        definitions = [s for s in self.context.tree.body
                       if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        drawing = {d.name for d in definitions
                   if any(d.lineno <= node.lineno <= (d.end_lineno or 0) for node in draws)}
        while True:
            more = {d.name for d in definitions if d.name not in drawing and calls_any(d, drawing)}
            if not more:
                return drawing
            drawing |= more

    def uncovered_use_before(
        self, seed_at: BlockPosition, uses: list[tuple[ast.Call, str]], covering: list[BlockPosition]
    ) -> tuple[ast.Call, str] | None:
        """The first use earlier in the seed's own block that no earlier seed in it covers."""
        owner, field, index = seed_at
        for node, what in uses:
            used_at = next(
                (p for p in self.context.facts.block_positions(node) if p[:2] == (owner, field)), None
            )
            if used_at is None or used_at[2] >= index:
                continue
            if not any(p[:2] == (owner, field) and p[2] <= used_at[2] for p in covering):
                return node, what
        return None


def calls_any(node: ast.AST, names: set[str]) -> bool:
    """Whether code under `node` calls one of these module-level names."""
    return bool(names) and bool(called_names(node) & names)
