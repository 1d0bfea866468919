"""Name resolution: every import spelling legacy code uses, and the look-alikes that must not match."""

from __future__ import annotations

import ast
import textwrap

import pytest

from estimator_audit.resolve import NameResolver, canonical


def names_of_calls(code: str) -> list[str | None]:
    """Qualified names of every call, resolved in the scope where the call stands."""
    tree = ast.parse(textwrap.dedent(code))
    resolver = NameResolver(tree)
    found: list[str | None] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Call):
            found.append(resolver.qualified_name(node.func))
        scoped = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))
        if scoped:
            resolver.enter(node)
        for child in ast.iter_child_nodes(node):
            visit(child)
        if scoped:
            resolver.leave()

    visit(tree)
    return found


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import tensorflow as tf\ntf.estimator.DNNClassifier()", "tensorflow.estimator.DNNClassifier"),
        ("import tensorflow.compat.v1 as tf\ntf.Session()", "tensorflow.compat.v1.Session"),
        ("from tensorflow import estimator as est\nest.DNNClassifier()", "tensorflow.estimator.DNNClassifier"),
        ("from tensorflow.estimator import DNNClassifier\nDNNClassifier()", "tensorflow.estimator.DNNClassifier"),
        ("from tensorflow.compat import v1\nv1.train.AdamOptimizer()", "tensorflow.compat.v1.train.AdamOptimizer"),
        ("import tensorflow_estimator as te\nte.estimator.DNNClassifier()", "tensorflow.compat.v1.estimator.DNNClassifier"),
        ("from tensorflow import keras\nkeras.layers.Dense(1)", "tensorflow.keras.layers.Dense"),
        ("import keras\nkeras.utils.set_random_seed(1)", "keras.utils.set_random_seed"),
        ("import tensorflow as tf\ntf1 = tf.compat.v1\ntf1.set_random_seed(1)", "tensorflow.compat.v1.set_random_seed"),
        ("import tensorflow.compat.v2 as tf\ntf.random.set_seed(1)", "tensorflow.random.set_seed"),
        ("import tensorflow.compat.v1\ntensorflow.compat.v1.Session()", "tensorflow.compat.v1.Session"),
        ("def f():\n    import tensorflow as tf\n    tf.Session()", "tensorflow.Session"),
        ("def f():\n    tf.Session()\nimport tensorflow as tf", "tensorflow.Session"),
        ("import tensorflow as tf\nsess = tf.Session()\nsess.run(x)", "tensorflow.Session().run"),
        ("import tensorflow as tf\nwith tf.Session() as s:\n    s.run(x)", "tensorflow.Session().run"),
        ("try:\n    import tensorflow.compat.v1 as tf\nexcept ImportError:\n    import tensorflow as tf\ntf.Session()",
         "tensorflow.compat.v1.Session"),
        ("import numpy as np\nnp.random.seed(0)", "numpy.random.seed"),
        ("import tensorflow as tf\nclass A:\n    tf = None\n    def m(self):\n        tf.Session()", "tensorflow.Session"),
    ],
)
def test_spellings_resolve(code: str, expected: str) -> None:
    assert names_of_calls(code)[-1] == expected


@pytest.mark.parametrize(
    "code",
    [
        "class DNNClassifier:\n    pass\nDNNClassifier()",
        "from .estimators import DNNClassifier\nDNNClassifier()",
        "import tensorflow as tf\ndef f(tf):\n    tf.Session()",
        "import tensorflow as tf\ntf = make_fake()\ntf.Session()",
        "import random\nclass R:\n    pass\nrandom = R()\nrandom.seed(1)",
        "import tensorflow as tf\nfor tf in modules:\n    tf.Session()",
        "DNNClassifier()",
        "self.random.seed(3)",
    ],
)
def test_look_alikes_do_not_resolve(code: str) -> None:
    """None, or a relative import's own name (which the project index resolves): never an API."""
    name = names_of_calls(code)[-1]
    assert name is None or name.startswith(".")


def test_rebinding_is_flow_sensitive_at_module_level() -> None:
    code = "import tensorflow as tf\ntf.Session()\ntf = None\ntf.Session()"
    assert names_of_calls(code) == ["tensorflow.Session", None]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tensorflow.compat.v2.estimator.DNNClassifier", "tensorflow.estimator.DNNClassifier"),
        ("tensorflow.compat.v2", "tensorflow"),
        ("tensorflow_estimator.estimator.LinearClassifier", "tensorflow.compat.v1.estimator.LinearClassifier"),
        ("tensorflow.compat.v1.Session", "tensorflow.compat.v1.Session"),
        ("keras.layers.Dense", "keras.layers.Dense"),
    ],
)
def test_canonical_spellings(name: str, expected: str) -> None:
    assert canonical(name) == expected


def test_compat_v1_inside_compat_v1_is_compat_v1() -> None:
    code = "import tensorflow.compat.v1 as tf\nwith tf.compat.v1.Session() as s:\n    s.run(x)"
    assert names_of_calls(code) == ["tensorflow.compat.v1.Session", "tensorflow.compat.v1.Session().run"]


def test_a_name_asked_for_ahead_of_the_walk_is_resolved_again_in_its_own_scope() -> None:
    """A rule visiting a def may ask about calls inside it (EA209 does) while the walk is
    still in the enclosing scope; the walk must not later reuse that answer for the call."""
    from estimator_audit.check import ModuleContext, walk
    from estimator_audit.config import Settings
    from estimator_audit.rule import Rule
    from estimator_audit.source import Source

    code = textwrap.dedent("""\
        import numpy as np
        def load(seed=None):
            rng = np.random
            rng.seed(seed)
        """)
    tree = ast.parse(code)
    call = next(node for node in ast.walk(tree) if isinstance(node, ast.Call))
    seen: dict[str, str | None] = {}

    class AsksAhead(Rule):
        code = "EA999"

        def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
            seen["ahead"] = self.context.call_name(call)

        def visit_Call(self, node: ast.Call) -> None:
            seen["in scope"] = self.context.call_name(node)

    context = ModuleContext(Source("x.py", code), tree, Settings())
    walk(tree, context, [AsksAhead(context)])
    assert seen == {"ahead": None, "in scope": "numpy.random.seed"}
