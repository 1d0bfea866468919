"""
## What it does
Reports a file, or a notebook cell, that Python 3 cannot parse, at the line the parser names
and with its message. Undecodable bytes and null bytes count: the interpreter refuses them too,
as it refuses a `from __future__` import that follows other code in a file (which `ast.parse`
accepts; in a notebook cell IPython compiles statement by statement, and it runs).

## Why is this bad?
Legacy TensorFlow repositories often still hold Python 2 files (`print "loss", loss`,
`except ValueError, e`). Nothing else can be checked in such a file, and it cannot run on any
TensorFlow that supports Python 3. The other files of the run are still checked.

## How it was verified
The message is CPython's own (`ast.parse`); Python 2 messages get a hint, because TensorFlow
has not supported Python 2 since 2.1.

## Example
```python
print "training done"
```

## Use instead
```python
print("training done")
```

## Fix safety
No automatic fix: port the file to Python 3 first (`2to3`, or by hand).
"""

from estimator_audit.findings import Severity
from estimator_audit.rule import Invalid, Rule, Valid


class SyntaxErrorRule(Rule):
    code = "EA000"
    name = "syntax-error"
    severity = Severity.ERROR
    summary = "The file (or notebook cell) does not parse as Python 3."
    engine_reported = True
    valid = (
        Valid("print('training done')\n"),
        Valid("# a comment only\n"),
        Valid(""),
        Valid('"""Docstring."""\nfrom __future__ import division\nfrom __future__ import print_function\nx = 1\n'),
    )
    invalid = (
        Invalid("import tensorflow as tf\nprint 'step', 1\n", at=((2, 1),), message="Python 2"),
        Invalid("try:\n    pass\nexcept ValueError, e:\n    pass\n", at=((3, 8),)),
        Invalid("x = (1,\n", at=((1, 5),), message="never closed"),
        Invalid("def f():\nreturn 1\n", at=((2, 1),), message="indented block"),
        Invalid("import numpy as np\nfrom __future__ import print_function\n", at=((2, 1),),
                message="from __future__ imports must occur at the beginning of the file"),
        Invalid(
            '{"cells": [{"cell_type": "code", "source": "x = 1"},'
            ' {"cell_type": "code", "source": ["y = (\\n", "2"]}],'
            ' "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
            filename="example.ipynb",
            at=((1, 5),),
        ),
    )
