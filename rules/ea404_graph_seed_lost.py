"""
## What it does
Flags a graph-level seed set on one graph while the random ops are built in another:
`tf.compat.v1.set_random_seed(...)` (or `tf.random.set_seed`), then
`with tf.Graph().as_default():` (or `graph.as_default()`, `self.graph.as_default()` of a graph made
by `tf.Graph()`, or `tf.Session(graph=g)` of one) building random ops, variables or layers without
seeding the new graph, or `tf.compat.v1.reset_default_graph()` later in the same function (or notebook) with
random ops built after it and no seed set again. Reported at the seeding call that is lost.

## Why is this bad?
A graph-level seed belongs to the graph that was the default when it was set. A new graph starts
with no seed, so every random op built in it draws a fresh seed: the program looks seeded and is
not.

## How it was verified
On TensorFlow 2.15 and on TensorFlow 2.21, `tf.compat.v1.set_random_seed(1)` (and, separately,
`tf.random.set_seed(1)`) followed by `with tf.Graph().as_default() as g: x =
tf.random.uniform([1])` gave `g.seed == None` and a different value of `x` in each of two runs
(0.684 and 0.085 on 2.15). On TensorFlow 2.21 with `disable_v2_behavior()`,
`tf.set_random_seed(1)` then `tf.reset_default_graph()` left the new default graph's `seed` None,
and a `random_uniform` built after it printed 0.739 and 0.383 in two runs.

## Example
```python
import tensorflow.compat.v1 as tf

tf.set_random_seed(42)
with tf.Graph().as_default():
    weights = tf.get_variable("w", [10, 10])
```

## Use instead
```python
import tensorflow.compat.v1 as tf

with tf.Graph().as_default():
    tf.set_random_seed(42)
    weights = tf.get_variable("w", [10, 10])
```

## Fix safety
No automatic fix.
"""

import ast

from estimator_audit.check import ModuleContext
from estimator_audit.findings import Severity
from estimator_audit.knowledge.calls import call_text
from estimator_audit.knowledge.graph_mode import enters_new_graph
from estimator_audit.rule import Invalid, Rule, Valid


class GraphSeedLost(Rule):
    code = "EA404"
    name = "graph-seed-lost"
    severity = Severity.ERROR
    summary = "A graph-level seed set on one graph while the random ops are built in another."
    triggers = ("Graph", "reset_default_graph")
    valid = (
        Valid(
            """
            import tensorflow as tf
            tf.compat.v1.set_random_seed(1)
            with tf.Graph().as_default():  # a new graph, but nothing in it draws
                v = tf.Variable(tf.linspace(0.0, 1.0, 6))
                with tf.compat.v1.Session() as sess:
                    sess.run(tf.compat.v1.global_variables_initializer())
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            tf.disable_v2_behavior()
            tf.set_random_seed(42)
            tf.reset_default_graph()
            tf.set_random_seed(42)
            weights = tf.get_variable("w", [10, 10])
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            with tf.Graph().as_default():
                tf.set_random_seed(42)
                w = tf.get_variable("w", [3])
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            tf.set_random_seed(42)
            w = tf.get_variable("w", [3])
            with tf.Graph().as_default():
                c = tf.constant(1.0)
            """
        ),
        Valid(
            """
            import tensorflow as tf
            with tf.Graph().as_default():
                x = tf.random.uniform([1])
            tf.random.set_seed(1)
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            def test_seeded():
                with tf.Graph().as_default():
                    tf.set_random_seed(42)
                    x = tf.random_uniform([3])
            def test_other():
                with tf.Graph().as_default():
                    y = tf.random_uniform([3])
            """
        ),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            def first():
                tf.set_random_seed(1)
            def second():
                with tf.Graph().as_default():
                    y = tf.random_uniform([3])
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            tf.disable_v2_behavior()
            tf.set_random_seed(42)
            tf.reset_default_graph()
            weights = tf.get_variable("w", [10, 10])
            """,
            at=((3, 1),),
            message="replaces it with a new graph, which has no seed",
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            tf.set_random_seed(42)
            with tf.Graph().as_default():
                weights = tf.get_variable("w", [10, 10])
            """,
            at=((2, 1),),
            message="new graph",
        ),
        Invalid(
            """
            import tensorflow as tf
            def main():
                tf.random.set_seed(1)
                graph = tf.Graph()
                with graph.as_default(), tf.compat.v1.Session() as sess:
                    x = tf.random.uniform([1])
                    print(sess.run(x))
            """,
            at=((3, 5),),
        ),
        Invalid(
            """
            import tensorflow as tf

            class BaseModel:
                def __init__(self, seed=None, graph=None):
                    tf.compat.v1.set_random_seed(seed)
                    self.graph = graph if graph is not None else tf.Graph()
                    with self.graph.as_default():  # a graph of the model's own: no seed
                        self.w = tf.compat.v1.get_variable("w", [3])

            def train(seed):
                tf.compat.v1.set_random_seed(seed)
                g = tf.Graph()
                with tf.compat.v1.Session(graph=g) as sess:  # the session makes g the default
                    sess.run(tf.compat.v1.get_variable("v", [3]))
            """,
            at=((5, 9), (11, 5)),
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        self.graphs: list[tuple[ast.With, tuple[ast.AST, ...]]] = []

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            if enters_new_graph(self.context, item.context_expr):
                self.graphs.append((node, tuple(self.context.ancestors)))
                return

    def finish(self) -> None:
        facts = self.context.facts
        graphs = [graph for graph, _ in self.graphs]
        # A seed set inside a `with graph.as_default():` seeds that graph, not the default one.
        seeds = [
            (seed, facts.ancestry.get(id(seed.node), ()))
            for seed in facts.global_seeding_calls()
            if not any(inside(g, facts.ancestry.get(id(seed.node), ())) for g in graphs)
        ]
        for seed, reset in facts.seeds_lost_to_reset():
            self.report(seed.node, f"{call_text(seed.node)} seeds the default graph, but "
                        f"{call_text(reset)}() at line {reset.lineno} replaces it with a new graph, which has no "
                        "seed, before the random ops are built: set the seed after the reset")
        if not seeds:
            return
        built = [(u.node, facts.ancestry.get(id(u.node), ())) for u in facts.random_uses]
        built += [(node, facts.ancestry.get(id(node), ())) for node in facts.graph_state]
        reported: set[int] = set()
        for graph, graph_ancestors in self.graphs:
            if any(inside(graph, facts.ancestry.get(id(s.node), ())) for s in facts.global_seeding_calls()):
                continue  # the new graph is seeded
            if not any(inside(graph, ancestors) for _, ancestors in built):
                continue  # nothing random is built in it
            for seed, seed_ancestors in seeds:
                # Lost only to a graph made later in the seed's own function (or module).
                before = (seed.node.lineno, seed.node.col_offset) < (graph.lineno, graph.col_offset)
                if before and inside(scope_of(seed_ancestors), graph_ancestors) and id(seed.node) not in reported:
                    reported.add(id(seed.node))
                    self.report(
                        seed.node,
                        f"{call_text(seed.node)} seeds the graph that is the default here, but the "
                        f"random ops are built in a new graph (line {graph.lineno}), which has no "
                        "seed: set the seed inside `with graph.as_default():`",
                    )


def inside(block: ast.AST, ancestors: tuple[ast.AST, ...]) -> bool:
    return any(ancestor is block for ancestor in ancestors)


def scope_of(ancestors: tuple[ast.AST, ...]) -> ast.AST:
    """The innermost function (or the module) a node stands in."""
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return ancestor
    return ancestors[0]
