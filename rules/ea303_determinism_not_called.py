"""
## What it does
Flags `tf.config.experimental.enable_op_determinism` written without the call parentheses, in
any import spelling (`from tensorflow.config.experimental import enable_op_determinism`,
`from tensorflow.config import experimental`):

- as a statement of its own (also inside `flag and ...` or `... if flag else ...`);
- assigned to a name that the file never calls.

Passing the function somewhere (`strategy.run(enable_op_determinism)`), returning it, or
testing it in an `if` (a check that the API exists) is not flagged.

## Why is this bad?
Naming a function does not run it. The line looks like it turns op determinism on, but
TensorFlow keeps its nondeterministic GPU kernels and parallel `tf.data` ordering, and no
error ever says so.

## How it was verified
This script was run on TensorFlow 2.21 (`/root/venv-tf`) and 2.15 (`/root/venv-legacy`):

```python
import tensorflow as tf
from tensorflow.python.framework import config as tf_config
tf.config.experimental.enable_op_determinism        # referenced, not called
print("after bare reference:", tf_config.is_op_determinism_enabled())
print("unseeded random op:", tf.random.uniform(()).shape, "(no error)")
tf.config.experimental.enable_op_determinism()
print("after call:", tf_config.is_op_determinism_enabled())
try:
    tf.random.uniform(())
except RuntimeError as e:
    print("unseeded random op now raises RuntimeError:", str(e)[:60])
print("compat.v1 has it:", hasattr(tf.compat.v1.config.experimental, "enable_op_determinism"))
```

On both it printed `after bare reference: False`, `unseeded random op: () (no error)`,
`after call: True`, `unseeded random op now raises RuntimeError: Random ops require a seed to
be set when determinism is enab` and `compat.v1 has it: False`: `tf.compat.v1.config.experimental`
has no `enable_op_determinism`, so only the TF2 spelling is matched.

## Example
```python
import tensorflow as tf

tf.keras.utils.set_random_seed(42)
tf.config.experimental.enable_op_determinism
```

## Use instead
```python
import tensorflow as tf

tf.keras.utils.set_random_seed(42)
tf.config.experimental.enable_op_determinism()
```

## Fix safety
The fix adds the call parentheses to the bare statement (`tf.config.experimental.enable_op_determinism`
-> `tf.config.experimental.enable_op_determinism()`, also inside `flag and ...` or `... if flag
else ...`), which does what the line meant. The assigned-but-never-called case gets no fix:
where the name should be called is not shown.

Safe when the module sets a global seed (`tf.random.set_seed`, `tf.compat.v1.set_random_seed`,
`keras.utils.set_random_seed`, anywhere in the module), unsafe otherwise: with op determinism on,
a random op without a seed raises `RuntimeError: Random ops require a seed to be set when
determinism is enabled` (the script above), so in an unseeded module the call can make the
program raise where it ran before. The seed call's position is not compared with the
statement's: a module that enables determinism before it seeds, and draws random numbers in
between, still raises. As with EA302's fix, ops without a deterministic GPU kernel raise
`UnimplementedError` once it is on (see EA304), which is the point.
"""

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.knowledge.determinism import ENABLE_OP_DETERMINISM
from estimator_audit.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

MESSAGE_STATEMENT = (
    "tf.config.experimental.enable_op_determinism is named but not called: this statement does "
    "nothing, so op determinism stays off (nondeterministic GPU kernels and tf.data ordering remain); "
    "call it: tf.config.experimental.enable_op_determinism()"
)
MESSAGE_ASSIGNED = (
    "tf.config.experimental.enable_op_determinism is assigned to '{name}', which this file never "
    "calls: op determinism stays off; call it: tf.config.experimental.enable_op_determinism()"
)


@dataclass
class Assigned:
    node: ast.Assign
    names: list[str] = field(default_factory=list)


class DeterminismNotCalled(Rule):
    code = "EA303"
    name = "determinism-not-called"
    severity = Severity.ERROR
    summary = "enable_op_determinism is referenced but never called, so determinism stays off."
    triggers = ("enable_op_determinism",)
    fix_safety = FixSafety.SAFE  # UNSAFE where the module sets no global seed (see the docs)
    valid = (
        Valid(
            """
            import tensorflow as tf
            tf.config.experimental.enable_op_determinism()
            """
        ),
        Valid(
            """
            import tensorflow as tf
            enable = tf.config.experimental.enable_op_determinism
            if args.deterministic:
                enable()
            if hasattr(tf.config.experimental, "enable_op_determinism"):
                pass
            if tf.config.experimental.enable_op_determinism:
                tf.config.experimental.enable_op_determinism()
            """
        ),
        Valid(
            """
            import tensorflow as tf
            strategy.run(tf.config.experimental.enable_op_determinism)
            hooks = {"determinism": tf.config.experimental.enable_op_determinism}
            def pick():
                return tf.config.experimental.enable_op_determinism
            """
        ),
        Valid(
            """
            class config:
                class experimental:
                    enable_op_determinism = True
            config.experimental.enable_op_determinism
            enable_op_determinism = None
            enable_op_determinism
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            tf.keras.utils.set_random_seed(42)
            tf.config.experimental.enable_op_determinism  # make GPU kernels deterministic
            """,
            at=((3, 1),),
            message="not called",
            fixed="""
            import tensorflow as tf
            tf.keras.utils.set_random_seed(42)
            tf.config.experimental.enable_op_determinism()  # make GPU kernels deterministic
            """,
        ),
        Invalid(
            """
            from tensorflow.config.experimental import enable_op_determinism
            from tensorflow.config import experimental as tfx
            def set_seeds(deterministic):
                if deterministic:
                    enable_op_determinism
                deterministic and tfx.enable_op_determinism
                (tfx
                 .enable_op_determinism) if deterministic else None
            """,
            at=((5, 9), (6, 23), (7, 6)),
            fixed="""
            from tensorflow.config.experimental import enable_op_determinism
            from tensorflow.config import experimental as tfx
            def set_seeds(deterministic):
                if deterministic:
                    enable_op_determinism()
                deterministic and tfx.enable_op_determinism()
                (tfx
                 .enable_op_determinism)() if deterministic else None
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            deterministic_ops = tf.config.experimental.enable_op_determinism
            """,
            at=((2, 1),),
            message="never calls",
        ),
    )

    def __init__(self, context: "ModuleContext") -> None:
        super().__init__(context)
        self.assigned: list[Assigned] = []
        self.called: set[str] = set()
        # Bare references: reported in finish(), when the module's seeding calls are all known.
        self.statements: list[ast.expr] = []

    def is_target(self, node: ast.expr) -> bool:
        return self.context.qualified_name(node) == ENABLE_OP_DETERMINISM

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load) and node.attr == "enable_op_determinism":
            self.check_reference(node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.check_reference(node)

    def check_reference(self, node: ast.expr) -> None:
        if not self.is_target(node):
            return
        child: ast.AST = node
        for parent in reversed(self.context.ancestors):
            if isinstance(parent, ast.Expr):
                self.statements.append(node)
                return
            if isinstance(parent, ast.BoolOp) or (isinstance(parent, ast.IfExp) and child is not parent.test):
                child = parent
                continue
            return

    def visit_Assign(self, node: ast.Assign) -> None:
        if self.is_target(node.value):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if names and len(names) == len(node.targets):
                self.assigned.append(Assigned(node, names))

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name):
            self.called.add(node.func.id)

    def finish(self) -> None:
        for node in self.statements:
            self.report(node, MESSAGE_STATEMENT, self.fix(node))
        for item in self.assigned:
            never_called = [name for name in item.names if name not in self.called]
            if len(never_called) == len(item.names):
                self.report(item.node, MESSAGE_ASSIGNED.format(name=never_called[0]))

    def fix(self, node: ast.expr) -> Fix:
        """Call it. Safe only after a global seed: with op determinism on, unseeded random ops raise."""
        seeded = bool(self.context.facts.global_seeding_calls())
        safety = FixSafety.SAFE if seeded else FixSafety.UNSAFE
        return Fix(safety, "call enable_op_determinism()", (Edit(EditAction.CALL, self.context.span(node)),))
