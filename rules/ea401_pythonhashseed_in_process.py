"""
## What it does
Flags `PYTHONHASHSEED` assigned inside the running program: `os.environ["PYTHONHASHSEED"] = ...`,
`os.environ.setdefault`, `os.environ.update`, `os.putenv`, through any import spelling.
Building the environment of a child process (`env = dict(os.environ); env[...] = ...;
subprocess.run(..., env=env)`) is correct and is not flagged.

## Why is this bad?
Python fixes its hash randomisation when the interpreter starts. Setting the variable later
changes nothing for the running process (only for processes it starts afterwards), so the
popular `set_seeds()` helper that begins with this line does not make `hash()`, set iteration
order or anything derived from them reproducible.

## How it was verified
`python3 -c "import os; os.environ['PYTHONHASHSEED'] = '0'; print(hash('estimator'))"` printed
two different values in two runs on Python 3.11; `PYTHONHASHSEED=0 python3 -c ...` printed the
same value twice.

## Example
```python
import os

os.environ["PYTHONHASHSEED"] = "0"
```

## Use instead
Set it where the interpreter is launched:
```sh
PYTHONHASHSEED=0 python train.py
```

## Fix safety
No automatic fix: the right place (a shell script, a Dockerfile, a job spec) is outside the file.
"""

import ast

from estimator_audit.findings import Severity
from estimator_audit.knowledge.calls import string_value
from estimator_audit.rule import Invalid, Rule, Valid

VARIABLE = "PYTHONHASHSEED"
MESSAGE = (
    "PYTHONHASHSEED set inside the running program has no effect on it: hash randomisation is "
    "fixed when the interpreter starts; set it in the environment that launches Python"
)


class PythonHashSeedInProcess(Rule):
    code = "EA401"
    name = "pythonhashseed-in-process"
    severity = Severity.WARNING
    summary = "PYTHONHASHSEED assigned inside the program: hashing was fixed at start-up."
    triggers = (VARIABLE,)
    valid = (
        Valid(
            """
            import os, subprocess
            env = dict(os.environ)
            env["PYTHONHASHSEED"] = "0"
            subprocess.run(["python", "train.py"], env=env)
            subprocess.run(["python", "train.py"], env={**os.environ, "PYTHONHASHSEED": "0"})
            """
        ),
        Valid(
            """
            import os
            seed = os.environ["PYTHONHASHSEED"]
            print(os.environ.get("PYTHONHASHSEED"))
            """
        ),
        Valid(
            """
            class Config:
                environ = {}
            os = Config()
            os.environ["PYTHONHASHSEED"] = "0"
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import os
            def set_seeds(seed=42):
                os.environ['PYTHONHASHSEED'] = str(seed)
            """,
            at=((3, 5),),
            message="no effect",
        ),
        Invalid(
            """
            from os import environ, putenv
            import os as system
            environ.setdefault("PYTHONHASHSEED", "0")
            system.environ.update({"PYTHONHASHSEED": "0"})
            system.environ.update(PYTHONHASHSEED="0")
            putenv("PYTHONHASHSEED", "0")
            system.environ |= {"PYTHONHASHSEED": "0"}
            """,
            at=((3, 1), (4, 1), (5, 1), (6, 1), (7, 1)),
        ),
    )

    def is_environ(self, node: ast.expr) -> bool:
        return self.context.qualified_name(node) == "os.environ"

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if (
                isinstance(target, ast.Subscript)
                and self.is_environ(target.value)
                and string_value(target.slice) == VARIABLE
            ):
                self.report(node, MESSAGE)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if self.is_environ(node.target) and mentions_variable(node.value):
            self.report(node, MESSAGE)

    def visit_Call(self, node: ast.Call) -> None:
        name = self.context.call_name(node)
        if name in ("os.environ.setdefault", "os.putenv", "os.environ.__setitem__"):
            if node.args and string_value(node.args[0]) == VARIABLE:
                self.report(node, MESSAGE)
        elif name == "os.environ.update" and (
            any(keyword.arg == VARIABLE for keyword in node.keywords)
            or any(mentions_variable(arg) for arg in node.args)
        ):
            self.report(node, MESSAGE)


def mentions_variable(node: ast.expr) -> bool:
    """A dict display (or dict(...) call) with PYTHONHASHSEED among its keys."""
    if isinstance(node, ast.Dict):
        return any(string_value(key) == VARIABLE for key in node.keys)
    if isinstance(node, ast.Call):
        return any(keyword.arg == VARIABLE for keyword in node.keywords)
    return False
