"""
## What it does
Flags `tf.config.run_functions_eagerly(True)` and the deprecated
`tf.config.experimental_run_functions_eagerly(True)`, in any import spelling
(`tf.compat.v1.config`, `from tensorflow.config import run_functions_eagerly`), where the
code shows it is meant for reproducibility:

- it stands in a function whose name mentions seeds, determinism or reproducibility
  (`set_seeds`, `make_deterministic`), or in a file so named (`reproducibility.py`);
- a comment on its line or the two lines above mentions them ("for reproducibility");
- or one of the three statements before or after it seeds (`tf.random.set_seed`,
  `np.random.seed`, `keras.utils.set_random_seed`, ...), calls `enable_op_determinism`, or sets
  `PYTHONHASHSEED`, `TF_DETERMINISTIC_OPS` or `TF_CUDNN_DETERMINISTIC`.

Elsewhere the switch is a debugging aid or makes `.numpy()` work inside a `tf.function`, and
is not flagged. `False`, or a value the file does not show (`run_functions_eagerly(args.debug)`),
is not flagged either.

## Why is this bad?
Running `tf.function`s eagerly is a debugging switch, often left in "to make training
deterministic". It does not: unseeded random ops and `tf.data` shuffles still differ from
run to run, it has no effect at all on functions passed to `tf.data` transformations (they
always run as graphs), and it changes what seeded random ops inside a `tf.function` draw.
Meanwhile every `tf.function`, the Keras training step included, runs op by op, which is
much slower. Reproducibility comes from seeds (`keras.utils.set_random_seed`) and
`tf.config.experimental.enable_op_determinism()`.

## How it was verified
On TensorFlow 2.21 (`/root/venv-tf`) and 2.15 (`/root/venv-legacy`),
`"experimental_run_functions_eagerly" in dir(tf.config)`, `"run_functions_eagerly" in
dir(tf.config)` and `hasattr(tf.compat.v1.config, ...)` for both names all printed `True`, and
`tf.config.experimental_run_functions_eagerly(True)` logged "experimental_run_functions_eagerly
... is deprecated ... Use `tf.config.run_functions_eagerly` instead" and returned without error:
the deprecated name does not crash.

This script was run on TF 2.21 as separate processes, with the argument `eager` or `graph`:

```python
import sys, tensorflow as tf
tf.config.run_functions_eagerly(sys.argv[1] == "eager")
seen = []
def fn(x):
    seen.append(tf.executing_eagerly())
    return x
ds = tf.data.Dataset.range(10).shuffle(10).map(fn)
@tf.function
def draw():
    return tf.random.uniform((3,))
print("eager:", tf.config.functions_run_eagerly(), "order:", [int(v) for v in ds], "map fn eager:", set(seen), "draw:", [round(float(v), 3) for v in draw()])
```

With `eager`, two runs printed the orders `[8, 3, 0, 6, 9, 5, 1, 7, 2, 4]` and
`[9, 2, 5, 4, 3, 7, 6, 0, 1, 8]` and draws `[0.331, 0.995, 0.69]` and `[0.113, 0.194, 0.514]`;
the map function saw `tf.executing_eagerly() == False`, and TensorFlow warned "this option
does not apply to tf.data functions". With `tf.random.set_seed(1)` put before
`tf.config.run_functions_eagerly`, two eager runs and two graph runs each repeated exactly (order `[6, 7, 0, 3, 4, 8, 9, 5, 1, 2]`), but the
eager runs drew `[0.51, 0.444, 0.409]` and the graph runs `[0.813, 0.079, 0.892]`.

The slowdown, on the same machine (CPU), with Keras 3.15:

```python
import sys, time, numpy as np, keras, tensorflow as tf
tf.config.run_functions_eagerly(sys.argv[1] == "eager")
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
model.compile("adam", "mse")
x, y = np.random.rand(6400, 32), np.random.rand(6400, 1)
model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # warm-up (tracing)
start = time.perf_counter()
model.fit(x, y, batch_size=32, epochs=2, verbose=0)
print(sys.argv[1], "400 steps: %.2f s" % (time.perf_counter() - start))
```

printed `graph 400 steps: 0.84 s` and `eager 400 steps: 11.47 s`.

## Example
```python
import tensorflow as tf

tf.config.run_functions_eagerly(True)  # "for reproducibility"
```

## Use instead
```python
import tensorflow as tf

tf.keras.utils.set_random_seed(42)
tf.config.experimental.enable_op_determinism()
```

## Fix safety
No automatic fix: the call may be there for debugging, and removing it changes what seeded
random ops inside `tf.function`s draw.
"""

import ast
import re

from estimator_audit.findings import Severity
from estimator_audit.knowledge.calls import argument, string_value, tf_spelling
from estimator_audit.knowledge.determinism import ENABLE_OP_DETERMINISM, bool_value
from estimator_audit.knowledge.seeding import SEEDING_CALLS
from estimator_audit.rule import Invalid, Rule, Valid

EAGER_SWITCHES = frozenset(
    f"{tf}.config.{name}"
    for tf in ("tensorflow", "tensorflow.compat.v1")
    for name in ("run_functions_eagerly", "experimental_run_functions_eagerly")
)
PARAMETERS = ("run_eagerly",)
INTENT = re.compile(r"determinis|reproduc|seed", re.IGNORECASE)
DETERMINISM_VARIABLES = frozenset({"PYTHONHASHSEED", "TF_DETERMINISTIC_OPS", "TF_CUDNN_DETERMINISTIC"})
NEIGHBOURS = 3  # statements before and after the call that are looked at
COMMENT_LINES_ABOVE = 2


class EagerForDeterminism(Rule):
    code = "EA403"
    name = "eager-for-determinism"
    severity = Severity.WARNING
    summary = "run_functions_eagerly(True) makes nothing reproducible and slows every tf.function."
    triggers = ("functions_eagerly",)
    valid = (
        Valid(
            """
            import tensorflow as tf
            tf.config.run_functions_eagerly(False)
            tf.config.run_functions_eagerly(args.debug)
            tf.config.run_functions_eagerly(run_eagerly=False)
            print(tf.config.functions_run_eagerly())
            """
        ),
        Valid(
            """
            class config:
                @staticmethod
                def run_functions_eagerly(flag):
                    pass
            config.run_functions_eagerly(True)
            def run_functions_eagerly(flag):
                pass
            run_functions_eagerly(True)
            """
        ),
        Valid(
            """
            import numpy as np
            import tensorflow as tf
            tf.config.run_functions_eagerly(True)  # train_step calls .numpy()
            x = np.zeros(3)
            y = np.ones(3)
            model = build()
            np.random.seed(0)
            def debug_step():
                tf.config.run_functions_eagerly(True)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            tf.random.set_seed(42)
            tf.config.run_functions_eagerly(True)
            """,
            at=((3, 1),),
            message="tf.config.run_functions_eagerly(True)",
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            from tensorflow.config import experimental_run_functions_eagerly as eager
            from tensorflow import config
            def set_seeds():
                tf.config.experimental_run_functions_eagerly(True)
                eager(True)
                config.run_functions_eagerly(
                    run_eagerly=True,
                )
            """,
            at=((5, 5), (6, 5), (7, 5)),
            message="enable_op_determinism",
        ),
        Invalid(
            """
            import os
            import tensorflow as tf
            # Make every run reproducible.
            tf.config.run_functions_eagerly(True)
            if True:
                os.environ["TF_DETERMINISTIC_OPS"] = "1"
                tf.config.experimental_run_functions_eagerly(True)
            """,
            at=((4, 1), (7, 5)),
        ),
        Invalid(
            """
            import tensorflow as tf
            tf.config.run_functions_eagerly(True)
            """,
            filename="utils/reproducibility.py",
            at=((2, 1),),
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        name = self.context.call_name(node)
        if (
            name in EAGER_SWITCHES
            and bool_value(argument(node, "run_eagerly", PARAMETERS)) is True
            and self.meant_for_reproducibility(node)
        ):
            self.report(
                node,
                f"{tf_spelling(name)}(True) makes no run reproducible: unseeded random ops and tf.data "
                "shuffles still differ between runs, tf.data functions always run as graphs, and seeded "
                "random ops inside tf.function draw different values than in graph mode; meanwhile every "
                "tf.function, the Keras training step included, runs op by op, much slower. For "
                "reproducible runs call keras.utils.set_random_seed(...) and "
                "tf.config.experimental.enable_op_determinism(), and keep this switch for debugging",
            )

    def meant_for_reproducibility(self, node: ast.Call) -> bool:
        ancestors = self.context.ancestors
        functions = [a.name for a in ancestors if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))]
        stem = self.context.source.path.replace("\\", "/").rsplit("/", 1)[-1]
        if any(INTENT.search(name) for name in [*functions, stem]):
            return True
        for line in range(max(1, node.lineno - COMMENT_LINES_ABOVE), (node.end_lineno or node.lineno) + 1):
            text = self.context.source.line_text(line)
            if "#" in text and INTENT.search(text.split("#", 1)[1]):
                return True
        return any(self.sets_up_reproducibility(s) for s in neighbours(ancestors))

    def sets_up_reproducibility(self, statement: ast.stmt) -> bool:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                name = self.context.call_name(node)
                if name in SEEDING_CALLS or name == ENABLE_OP_DETERMINISM:
                    return True
            elif string_value(node) in DETERMINISM_VARIABLES:
                return True
        return False


def neighbours(ancestors: list[ast.AST]) -> list[ast.stmt]:
    """The statements around the one holding the call, in the same block."""
    statement = next((a for a in reversed(ancestors) if isinstance(a, ast.stmt)), None)
    if statement is None:
        return []
    index_in_ancestors = ancestors.index(statement)
    if index_in_ancestors == 0:
        return []
    owner = ancestors[index_in_ancestors - 1]
    for field in ("body", "orelse", "finalbody"):
        block = getattr(owner, field, None)
        if isinstance(block, list) and statement in block:
            position = block.index(statement)
            return [
                s for s in block[max(0, position - NEIGHBOURS) : position + NEIGHBOURS + 1] if s is not statement
            ]
    return []
