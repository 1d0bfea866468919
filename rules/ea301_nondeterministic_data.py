"""
## What it does
Flags a `tf.data` pipeline whose element order is explicitly left to thread scheduling:

- `deterministic=False` on `Dataset.map`, `Dataset.interleave`, `Dataset.batch`,
  `Dataset.map_with_legacy_function` or `tf.data.experimental.parse_example_dataset` when it
  runs in parallel: `num_parallel_calls` is passed and is not `None` or `1` (without it
  TensorFlow ignores the argument and warns so);
- `sloppy=True` on `tf.data.experimental.parallel_interleave` (also `tf.contrib.data`);
- `options.deterministic = False` or `options.experimental_deterministic = False` on a
  `tf.data.Options`;
- TF1's queue batching with several threads: `tf.train.batch`, `tf.train.shuffle_batch`,
  `tf.train.maybe_batch` or `tf.train.maybe_shuffle_batch` (also under `tf.compat.v1`) given a
  literal `num_threads` above 1.

A method call counts when the file imports TensorFlow and its receiver is a dataset or not
shown (`ds.map(...)`); a receiver the file shows to be something else (a pandas frame) does not.
An attribute assignment counts when its receiver is a `tf.data.Options()`, or is not shown
(a parameter) in a file that creates a `tf.data.Options`; the read-only options returned by
`dataset.options()` are left out (mutating them raises `ValueError` on TF 2.21). So
`torch.backends.cudnn.deterministic = False` or `args.deterministic = False` are not flagged.
Options never applied to a dataset, or applied only by `dataset.with_options(options)` calls
whose result nobody reads (an expression statement, or a local variable reassigned before it is
read, as in `dataset = files.with_options(options)` followed by
`dataset = tf.data.TFRecordDataset(...)`) are not flagged either: they never reach a pipeline.
Only the literals `False`/`True` are read; a variable (`sloppy=is_training`) is not judged.

## Why is this bad?
With determinism off, a parallel transformation hands elements on in the order its calls
finish, not in input order. Batches then hold different examples, in a different order, on
every run, and no seed brings them back. TF1's batching queues are filled by `num_threads`
Python threads, each enqueueing as it is scheduled: the same holds, and op determinism, which
covers tf.data, does not reach them.

## How it was verified
The parameters were read from TensorFlow 2.21 (`/root/venv-tf`) with `inspect.signature` on
every `tf.data.Dataset` and `tf.data.experimental` callable: `deterministic` is taken by
`Dataset.map`, `Dataset.interleave`, `Dataset.batch` (and `map_with_legacy_function` in
`tf.compat.v1.data.Dataset`) and `tf.data.experimental.parse_example_dataset`;
`padded_batch` and `map_and_batch` take none; `parallel_interleave` takes `sloppy`. The same
holds on 2.15 (`/root/venv-legacy`). Their docstrings (`tensorflow/python/data/ops/dataset_ops.py`)
say `deterministic` only matters "when `num_parallel_calls` is specified".

This script was run with TensorFlow 2.21, each mode twice and once more with `opdet`:

```python
import sys, time, random, tensorflow as tf
mode, opdet = sys.argv[1], sys.argv[2:] == ["opdet"]
if opdet:
    tf.config.experimental.enable_op_determinism()
def slow(x):  # a random 0-10 ms of work per element
    return tf.py_function(lambda v: time.sleep(random.random() / 100) or v, [x], tf.int64)
def uneven(x):  # a busy loop whose length depends on x
    n = ((x * 7919) % 13 + 1) * 20000
    return x + 0 * tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + 1),
                                 (tf.constant(0, tf.int64), tf.constant(0, tf.int64)))[1]
ds = tf.data.Dataset.range(12)
options = tf.data.Options()
if mode == "map_false":
    ds = ds.map(slow, num_parallel_calls=4, deterministic=False)
elif mode == "map_true":
    ds = ds.map(slow, num_parallel_calls=4, deterministic=True)
elif mode == "map_1":
    ds = ds.map(slow, num_parallel_calls=1, deterministic=False)
elif mode == "options":
    options.deterministic = False
    ds = ds.map(slow, num_parallel_calls=4).with_options(options)
elif mode == "exp_options":
    options.experimental_deterministic = False
    ds = ds.map(slow, num_parallel_calls=4).with_options(options)
elif mode == "sloppy":
    ds = ds.apply(tf.data.experimental.parallel_interleave(
        lambda x: tf.data.Dataset.from_tensors(x).map(slow), cycle_length=4, sloppy=True))
elif mode == "interleave_false":
    ds = ds.interleave(lambda x: tf.data.Dataset.from_tensors(x).map(uneven),
                       cycle_length=4, num_parallel_calls=4, deterministic=False)
print(mode, "opdet" if opdet else "", [int(v) for v in ds])
```

It printed (first run, second run):

- `map_false`: `[2, 0, 3, 1, 4, 6, 7, 5, 8, 9, 11, 10]`, `[0, 1, 4, 5, 2, 3, 7, 6, 8, 9, 11, 10]`;
- `options`: `[0, 1, 2, 3, 4, 7, 5, 6, 8, 11, 9, 10]`, `[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 10]`;
- `exp_options`: `[0, 1, 3, 2, 4, 5, 7, 9, 6, 10, 11, 8]`, `[0, 2, 3, 6, 1, 4, 5, 7, 8, 9, 11, 10]`;
- `sloppy`: `[2, 3, 5, 6, 4, 8, 9, 10, 11, 0, 7, 1]`, `[0, 2, 5, 6, 3, 8, 1, 10, 7, 9, 4, 11]`;
- `interleave_false`: `[0, 2, 3, 4, 5, 1, 6, 10, 11, 7, 8, 9]`, `[0, 1, 2, 3, 4, 5, 8, 10, 9, 6, 7, 11]`;
- `map_true` and `map_1` (`num_parallel_calls=1`): `[0, 1, ..., 11]` both times;
- every mode with `opdet`: `[0, 1, ..., 11]`. Op determinism overrides these settings, as
  its docstring says (`tensorflow/python/framework/config.py`, "Determinism and tf.data").

`ds.map(f, deterministic=False)` without `num_parallel_calls` makes TensorFlow warn "The
`deterministic` argument has no effect unless the `num_parallel_calls` argument is specified"
(`tensorflow/python/data/ops/map_op.py`).

For `Dataset.batch(..., num_parallel_calls=8, deterministic=False)` the out-of-order output is
taken from its docstring (the same text as `map`'s): batching 2000 equal-sized elements of
`tf.data.Dataset.range` with `batch(10, num_parallel_calls=8, deterministic=False)` kept the
order in two runs here.

A TF1 queue pipeline (`slice_input_producer` over 2,000 integers with `shuffle=False`,
`tf.train.batch(item, batch_size=50, num_threads=8)`, 20 batches read after
`start_queue_runners`, graph seed 1) was run three times on TensorFlow 2.21 under
`tf.compat.v1` with `disable_v2_behavior()`: the MD5 of the batches was different in each run
(`c4282ea6...`, `c7575a8e...`, `b09578d0...`); with `num_threads=1` two runs gave the same
`c4282ea6...`.

## Example
```python
import tensorflow as tf

dataset = tf.data.TFRecordDataset(files)
dataset = dataset.map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
options = tf.data.Options()
options.deterministic = False
```

## Use instead
```python
import tensorflow as tf

dataset = tf.data.TFRecordDataset(files)
dataset = dataset.map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
options = tf.data.Options()
options.deterministic = True
```

## Fix safety
Safe: the fix turns determinism back on where the finding is, and nothing else: `deterministic=False`
becomes `deterministic=True`, `sloppy=True` becomes `sloppy=False` (the literal is replaced in
place when passed by position), and `options.deterministic = False` /
`options.experimental_deterministic = False` assign `True` instead. The pipeline yields the same
elements, in input order instead of completion order (the runs above), at some cost in speed
when the parallel calls take uneven time. An assignment with several targets (`flag =
options.deterministic = False`) gets no fix: the value is shared with the other target.
Unsafe for TF1's queues: `num_threads` becomes 1, so one thread reads and preprocesses every
example, which can starve a GPU; porting the input to `tf.data` keeps the speed.
"""

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.findings import Edit, EditAction, Fix, FixSafety, Severity
from estimator_audit.knowledge.calls import UNKNOWN, argument, is_none
from estimator_audit.knowledge.determinism import bool_value, int_value, is_tensorflow_or_unknown
from estimator_audit.migrate.lookup import scopes
from estimator_audit.migrate.scopes import Scopes
from estimator_audit.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext

# Dataset methods that take `deterministic`, with their parameters in order (TF 2.21).
PARALLEL_METHODS: dict[str, tuple[str, ...]] = {
    "map": ("map_func", "num_parallel_calls", "deterministic"),
    "interleave": ("map_func", "cycle_length", "block_length", "num_parallel_calls", "deterministic"),
    "batch": ("batch_size", "drop_remainder", "num_parallel_calls", "deterministic"),
    "map_with_legacy_function": ("map_func", "num_parallel_calls", "deterministic"),
}
PARSE_EXAMPLE_DATASET = frozenset(
    f"{tf}.data.experimental.parse_example_dataset" for tf in ("tensorflow", "tensorflow.compat.v1")
)
PARSE_EXAMPLE_PARAMETERS = ("features", "num_parallel_calls", "deterministic")
PARALLEL_INTERLEAVE = frozenset(
    {
        "tensorflow.data.experimental.parallel_interleave",
        "tensorflow.compat.v1.data.experimental.parallel_interleave",
        "tensorflow.contrib.data.parallel_interleave",
        "tensorflow.compat.v1.contrib.data.parallel_interleave",
    }
)
PARALLEL_INTERLEAVE_PARAMETERS = ("map_func", "cycle_length", "block_length", "sloppy")
OPTIONS_CLASSES = frozenset({"tensorflow.data.Options", "tensorflow.compat.v1.data.Options"})
OPTIONS_INSTANCES = frozenset(f"{name}()" for name in OPTIONS_CLASSES)
OPTION_NAMES = ("deterministic", "experimental_deterministic")
# TF1's queue batchers, with their parameters up to num_threads (TF 2.21's tf.compat.v1.train).
QUEUE_BATCHERS: dict[str, tuple[str, ...]] = {
    f"{tf}.train.{name}": parameters
    for tf in ("tensorflow", "tensorflow.compat.v1")
    for name, parameters in (
        ("batch", ("tensors", "batch_size", "num_threads")),
        ("shuffle_batch", ("tensors", "batch_size", "capacity", "min_after_dequeue", "num_threads")),
        ("maybe_batch", ("tensors", "keep_input", "batch_size", "num_threads")),
        ("maybe_shuffle_batch", ("tensors", "batch_size", "capacity", "min_after_dequeue", "keep_input",
                                 "num_threads")),
    )
}
OVERRIDE = "tf.config.experimental.enable_op_determinism() also overrides it"


@dataclass(frozen=True)
class Pending:
    node: ast.AST
    message: str
    needs_options: bool  # the receiver is not shown: only report if the file makes a tf.data.Options
    fix: Fix | None = None
    options: ast.Name | None = None  # the variable holding the Options set, when it is one


class NondeterministicData(Rule):
    code = "EA301"
    name = "nondeterministic-data"
    severity = Severity.WARNING
    summary = ("A tf.data pipeline with determinism switched off, or a TF1 batching queue fed by several "
               "threads: element order depends on thread timing.")
    # `sloppy` and `deterministic` can be passed by position to these two functions.
    triggers = ("deterministic", "sloppy", "parallel_interleave", "parse_example_dataset", "batch")
    fix_safety = FixSafety.SAFE
    valid = (
        Valid(
            """
            import tensorflow as tf
            dataset = tf.data.TFRecordDataset(files)
            dataset = dataset.map(parse, num_parallel_calls=8, deterministic=True)
            dataset = dataset.map(parse, deterministic=False)  # sequential: the flag does nothing
            options = tf.data.Options()
            options.deterministic = True
            options.experimental_deterministic = not is_training
            dataset = dataset.apply(tf.data.experimental.parallel_interleave(read, cycle_length=4, sloppy=is_training))
            """
        ),
        Valid(
            """
            import pandas as pd
            import tensorflow as tf
            frame = pd.DataFrame({"a": [1]})
            frame.map(str, num_parallel_calls=4, deterministic=False)
            """
        ),
        Valid(
            """
            import torch
            import tensorflow as tf
            from torch.backends import cudnn
            torch.backends.cudnn.deterministic = False
            cudnn.deterministic = False
            options = tf.data.Options()
            current = dataset.options()
            current.experimental_deterministic = False
            dataset.options().deterministic = False
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def build(deterministic=False):
                return make_dataset(files, num_parallel_calls=4, deterministic=False)
            args.deterministic = False
            """
        ),
        Valid(
            """
            import tensorflow as tf
            def load_dataset(filenames):
                opt = tf.data.Options()
                opt.experimental_deterministic = False
                dataset = tf.data.Dataset.from_tensor_slices(filenames).with_options(opt)
                dataset = tf.data.TFRecordDataset(filenames, num_parallel_reads=16)
                return dataset.map(read_tfrecord)
            def other(dataset):
                options = tf.data.Options()
                options.deterministic = False
                dataset.with_options(options)
                return dataset
            """
        ),
        Valid(
            """
            from multiprocessing.pool import ThreadPool
            pool.map(fn, items, num_parallel_calls=4, deterministic=False)
            """
        ),
    )
    invalid = (
        Invalid(
            """
            import tensorflow as tf
            dataset = tf.data.TFRecordDataset(files)
            dataset = dataset.map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
            """,
            at=((3, 11),),
            message="deterministic=True",
            fixed="""
            import tensorflow as tf
            dataset = tf.data.TFRecordDataset(files)
            dataset = dataset.map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            options = tf.data.Options()
            options.experimental_deterministic = False
            options.deterministic = (False)  # faster
            flag = options.deterministic = False
            dataset = dataset.with_options(options)
            """,
            at=((3, 1), (4, 1), (5, 1)),
            message="options.deterministic = True",
            fixed="""
            import tensorflow as tf
            options = tf.data.Options()
            options.experimental_deterministic = True
            options.deterministic = (True)  # faster
            flag = options.deterministic = False
            dataset = dataset.with_options(options)
            """,
        ),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            from tensorflow.data import Options as DataOptions
            dataset = dataset.apply(tf.data.experimental.parallel_interleave(
                tf.data.TFRecordDataset, cycle_length=8, sloppy=True))
            tf.contrib.data.parallel_interleave(read, 4, 1, True)
            opts = DataOptions()
            opts.deterministic = False
            dataset = dataset.with_options(opts)
            """,
            at=((3, 25), (5, 1), (7, 1)),
            fixed="""
            import tensorflow.compat.v1 as tf
            from tensorflow.data import Options as DataOptions
            dataset = dataset.apply(tf.data.experimental.parallel_interleave(
                tf.data.TFRecordDataset, cycle_length=8, sloppy=False))
            tf.contrib.data.parallel_interleave(read, 4, 1, False)
            opts = DataOptions()
            opts.deterministic = True
            dataset = dataset.with_options(opts)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            dataset = (
                tf.data.Dataset.from_tensor_slices(files)
                .interleave(
                    tf.data.TFRecordDataset,
                    cycle_length=4,
                    num_parallel_calls=4,
                    deterministic=False,  # order does not matter here
                )
                .batch(32, False, 8, deterministic=False)
            )
            """,
            at=((3, 5), (3, 5)),
            fixed="""
            import tensorflow as tf
            dataset = (
                tf.data.Dataset.from_tensor_slices(files)
                .interleave(
                    tf.data.TFRecordDataset,
                    cycle_length=4,
                    num_parallel_calls=4,
                    deterministic=True,  # order does not matter here
                )
                .batch(32, False, 8, deterministic=True)
            )
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            def load_dataset(filenames, ordered):
                opt = tf.data.Options()
                opt.experimental_deterministic = False
                dataset = tf.data.TFRecordDataset(filenames, num_parallel_reads=16)
                if not ordered:
                    dataset = dataset.with_options(opt)
                return dataset.map(read_tfrecord)
            for name in names:
                if name:
                    print(ds)
                ds = files.with_options(opt)
            """,
            at=((4, 5),),
            fixed="""
            import tensorflow as tf
            def load_dataset(filenames, ordered):
                opt = tf.data.Options()
                opt.experimental_deterministic = True
                dataset = tf.data.TFRecordDataset(filenames, num_parallel_reads=16)
                if not ordered:
                    dataset = dataset.with_options(opt)
                return dataset.map(read_tfrecord)
            for name in names:
                if name:
                    print(ds)
                ds = files.with_options(opt)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            image, label = read_and_decode(filename_queue)
            images, labels = tf.compat.v1.train.shuffle_batch(
                [image, label], batch_size=32, capacity=2000, min_after_dequeue=1000, num_threads=8)
            words = tf.train.batch([word], 64, 4)
            one = tf.compat.v1.train.batch([word], 64, num_threads=1)
            """,
            at=((3, 18), (5, 9)),
            message="depends on thread scheduling",
            fixed="""
            import tensorflow as tf
            image, label = read_and_decode(filename_queue)
            images, labels = tf.compat.v1.train.shuffle_batch(
                [image, label], batch_size=32, capacity=2000, min_after_dequeue=1000, num_threads=1)
            words = tf.train.batch([word], 64, 1)
            one = tf.compat.v1.train.batch([word], 64, num_threads=1)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            def configure(options):
                options.experimental_deterministic = False
                return options
            dataset = dataset.with_options(configure(tf.data.Options()))
            features = tf.data.experimental.parse_example_dataset(spec, 4, deterministic=False)
            more = tf.data.experimental.parse_example_dataset(spec, 4, False)
            """,
            at=((3, 5), (6, 12), (7, 8)),
            fixed="""
            import tensorflow as tf
            def configure(options):
                options.experimental_deterministic = True
                return options
            dataset = dataset.with_options(configure(tf.data.Options()))
            features = tf.data.experimental.parse_example_dataset(spec, 4, deterministic=True)
            more = tf.data.experimental.parse_example_dataset(spec, 4, True)
            """,
        ),
    )

    def __init__(self, context: "ModuleContext") -> None:
        super().__init__(context)
        self.pending: list[Pending] = []
        self.creates_options = False

    def visit_Call(self, node: ast.Call) -> None:
        name = self.context.call_name(node)
        if name in OPTIONS_CLASSES:
            self.creates_options = True
        elif name in PARALLEL_INTERLEAVE:
            sloppy = argument(node, "sloppy", PARALLEL_INTERLEAVE_PARAMETERS)
            if bool_value(sloppy) is True:
                fix = self.set_argument(node, "sloppy", sloppy, "False")
                self.pending.append(Pending(node, sloppy_message(), needs_options=False, fix=fix))
        elif name in QUEUE_BATCHERS:
            self.check_queue(node, name)
        elif name in PARSE_EXAMPLE_DATASET:
            self.check_parallel(node, "tf.data.experimental.parse_example_dataset", PARSE_EXAMPLE_PARAMETERS,
                                keyword_only=False)
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in PARALLEL_METHODS
            and is_tensorflow_or_unknown(name)
            and self.context.imports_tensorflow()
        ):
            method = node.func.attr
            self.check_parallel(node, f"Dataset.{method}", PARALLEL_METHODS[method], keyword_only=True)

    def check_parallel(self, node: ast.Call, label: str, parameters: tuple[str, ...], keyword_only: bool) -> None:
        """deterministic=False where num_parallel_calls makes the transformation parallel."""
        # Dataset methods only count with the keyword (the prefilter looks for the word).
        deterministic = argument(node, "deterministic", () if keyword_only else parameters)
        if bool_value(deterministic) is not False:
            return
        calls = argument(node, "num_parallel_calls", parameters)
        if calls is None or is_none(calls) or int_value(calls) == 1:
            return
        if calls is UNKNOWN and not any(k.arg == "num_parallel_calls" for k in node.keywords):
            calls_text = "**kwargs"
        else:
            calls_text = "num_parallel_calls"
        self.pending.append(
            Pending(
                node,
                f"{label}(..., deterministic=False) with {calls_text} hands elements on in the order "
                "the parallel calls finish, not in input order, so batches change from run to run "
                f"even with every seed set; pass deterministic=True ({OVERRIDE})",
                needs_options=False,
                fix=self.set_argument(node, "deterministic", deterministic, "True"),
            )
        )

    def check_queue(self, node: ast.Call, name: str) -> None:
        """A TF1 batching queue filled by a literal number of threads above one."""
        threads = argument(node, "num_threads", QUEUE_BATCHERS[name])
        count = int_value(threads)
        if count is None or count <= 1:
            return
        shown = name.replace("tensorflow", "tf", 1)
        fix = self.set_argument(node, "num_threads", threads, "1")
        self.pending.append(Pending(
            node,
            f"{shown}(..., num_threads={count}) fills its queue from {count} threads: which examples make "
            "up each batch, and in what order, depends on thread scheduling and changes from run to run "
            "even with every seed set (op determinism does not reach TF1 queues); pass num_threads=1 or "
            "port the input pipeline to tf.data",
            needs_options=False,
            fix=Fix(FixSafety.UNSAFE, fix.description, fix.edits),
        ))

    def set_argument(self, node: ast.Call, name: str, value: object, text: str) -> Fix:
        """`name=text` in place of the literal passed for `name`, by keyword or by position."""
        description = f"pass {name}={text}"
        if any(k.arg == name and k.value is value for k in node.keywords):
            edit = Edit(EditAction.SET_KEYWORD, self.context.span(node), name, text)
        else:
            assert isinstance(value, ast.expr)
            edit = Edit(EditAction.REPLACE, self.context.span(value), text=text)
        return Fix(FixSafety.SAFE, description, (edit,))

    def visit_Assign(self, node: ast.Assign) -> None:
        if bool_value(node.value) is not False:
            return
        for target in node.targets:
            if not (isinstance(target, ast.Attribute) and target.attr in OPTION_NAMES):
                continue
            receiver = self.context.qualified_name(target.value)
            if receiver is not None and receiver not in OPTIONS_INSTANCES:
                continue
            shown = self.context.assigned_value(target.value) if isinstance(target.value, ast.Name) else target.value
            if receiver is None and from_options_method(shown):
                continue  # Options returned by dataset.options() raise ValueError when mutated
            fix = None
            if len(node.targets) == 1:  # `a.x = b.deterministic = False`: the other target is not ours
                edit = Edit(EditAction.REPLACE, self.context.span(node.value), text="True")
                fix = Fix(FixSafety.SAFE, f"set {target.attr} = True", (edit,))
            held = target.value if isinstance(target.value, ast.Name) else None
            self.pending.append(
                Pending(node, options_message(target.attr), needs_options=receiver is None, fix=fix, options=held)
            )

    def finish(self) -> None:
        for item in self.pending:
            if item.needs_options and not self.creates_options:
                continue
            if item.options is not None and never_applied(scopes(self.context), item.options):
                continue
            self.report(item.node, item.message, item.fix)


def never_applied(table: Scopes, options: ast.Name) -> bool:
    """Whether the Options a variable holds never reach a pipeline that is used: every other use
    of the variable is `x.with_options(options)` whose resulting dataset nobody reads."""
    binding = table.reaching(options)
    uses = table.uses_of(binding) if binding is not None else None
    if uses is None:
        return False
    for use in uses:
        parent = table.parent(use)
        if isinstance(parent, ast.Attribute) and parent.value is use:
            if isinstance(parent.ctx, ast.Store):
                continue  # options.threading... = ...: another option set
            return False
        if not (isinstance(parent, ast.Call) and parent.args == [use] and not parent.keywords
                and isinstance(parent.func, ast.Attribute) and parent.func.attr == "with_options"):
            return False
        if not result_unread(table, parent):
            return False
    return True


def result_unread(table: Scopes, call: ast.Call) -> bool:
    """Whether the value of `call` (and of a method chain on it) is dropped: an expression
    statement, or local variables that are read by nothing before they are bound again."""
    current: ast.AST = call
    parent = table.parent(current)
    while (isinstance(parent, ast.Attribute) and parent.value is current) or (
            isinstance(parent, ast.Call) and parent.func is current):
        current, parent = parent, table.parent(parent)
    if isinstance(parent, ast.Expr):
        return True
    if not isinstance(parent, ast.Assign) or not all(isinstance(t, ast.Name) for t in parent.targets):
        return False
    scope = table.scope(parent)
    if any(isinstance(a, (ast.For, ast.AsyncFor, ast.While)) for a in ancestors(table, parent, scope)):
        return False  # a later iteration may read it before the loop binds it again
    for target in parent.targets:
        assert isinstance(target, ast.Name)
        binding = table.binding_of(parent, target.id)
        later = [b for b in table.bindings_in(scope, target.id) if binding is not None and b.after > binding.after]
        if binding is None or table.uses_of(binding) != [] or not (
                later or isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef))):
            return False  # read, or a module-level name other code may import
    return True


def ancestors(table: Scopes, node: ast.AST, scope: ast.AST) -> list[ast.AST]:
    found = []
    current = table.parent(node)
    while current is not None and current is not scope:
        found.append(current)
        current = table.parent(current)
    return found


def from_options_method(value: ast.expr | None) -> bool:
    """`dataset.options()`: its result is read-only (mutating it raises ValueError)."""
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "options"
        and not value.args
        and not value.keywords
    )


def options_message(attribute: str) -> str:
    deprecated = " (the deprecated name of tf.data.Options.deterministic)" if attribute != "deterministic" else ""
    return (
        f"tf.data.Options.{attribute} = False{deprecated} lets every parallel transformation of the "
        "pipeline (map, interleave, batch with num_parallel_calls, parallel readers) hand elements on "
        "in the order they finish, so batches change from run to run even with every seed set; set "
        f"options.deterministic = True, the default ({OVERRIDE})"
    )


def sloppy_message() -> str:
    return (
        "tf.data.experimental.parallel_interleave(..., sloppy=True) takes elements from whichever "
        "input is ready first, so the order of examples changes from run to run even with every "
        f"seed set; pass sloppy=False ({OVERRIDE})"
    )
