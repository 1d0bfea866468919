"""The version tests programs write, read as they evaluate on the target (TF 2.21, Keras 3)."""

from __future__ import annotations

import ast
import textwrap

import pytest

from estimator_audit.check import ModuleContext, walk
from estimator_audit.config import Settings
from estimator_audit.knowledge.versions import taken_on_target
from estimator_audit.rule import Rule
from estimator_audit.source import Source


def values_on_target(code: str) -> list[bool | None]:
    """What each `if` test of the module gives on the target, in order."""
    code = textwrap.dedent(code)
    tree = ast.parse(code)
    context = ModuleContext(Source("x.py", code), tree, Settings())
    found: list[bool | None] = []

    class Tests(Rule):
        def visit_If(self, node: ast.If) -> None:
            found.append(taken_on_target(self.context, node.test))

    walk(tree, context, [Tests(context)])
    return found


@pytest.mark.parametrize(("code", "expected"), [
    ('import tensorflow as tf\nif tf.__version__ < "2.1": pass', False),
    ('import tensorflow as tf\nif tf.__version__.startswith("1."): pass', False),
    ('import tensorflow as tf\nif int(tf.__version__.split(".")[0]) >= 2: pass', True),
    ('import tensorflow as tf\nif tf.VERSION[0] == "1": pass', False),
    ('import keras\nnew = int(keras.__version__.split(".")[0]) > 1\nif new: pass', True),
    ('import sys\nif sys.version_info[0] < 3: pass', False),
    ('import sys\nif sys.version_info >= (3, 8): pass', True),
    ('from distutils.version import LooseVersion\nimport tensorflow as tf\n'
     'if LooseVersion(tf.__version__) >= LooseVersion("2.0"): pass', True),
    ('from packaging import version\nimport tensorflow as tf\n'
     'if version.parse(tf.__version__) < version.parse("1.15"): pass', False),
    ('import tensorflow as tf\nif tf.__version__ >= "2" and not use_tpu: pass', None),  # a flag: unknown
    ('import tensorflow as tf\nif is_tf2(): pass', None),
    ('from distutils.version import LooseVersion\nimport tensorflow as tf\n'
     'def tf_later_than(v):\n    """Whether TF is later than v."""\n'
     '    return LooseVersion(tf.__version__) > LooseVersion(v)\n'
     'if tf_later_than("2"): pass', True),
])
def test_a_version_test_is_read_as_python_reads_it_on_the_target(code: str, expected: bool | None) -> None:
    assert values_on_target(code) == [expected]
