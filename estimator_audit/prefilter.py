"""Prefilter stage: the cheapest exact test of which rules could fire on a file.

Each rule names words of which a file must contain at least one for it to fire (a
`DNNClassifier` cannot be constructed by a file that never spells "Classifier"). Rules whose
words are all absent are not run, and a file left with no rule is never walked. The
equivalence test runs every fixture and example with and without this stage and requires
identical findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from estimator_audit.rule import Rule

SKIP_FILE = re.compile(r"^[ \t]*#[ \t]*estimator-audit:[ \t]*skip-file\b", re.MULTILINE)


def skip_file(text: str) -> bool:
    """`# estimator-audit: skip-file` on a line of its own opts the whole file out."""
    return "skip-file" in text and SKIP_FILE.search(text) is not None


STAR_IMPORT = re.compile(r"^[ \t]*from[ \t]+\S+[ \t]+import[ \t]+\*", re.MULTILINE)


def rules_that_can_fire(text: str, rules: Iterable[type[Rule]]) -> list[type[Rule]]:
    """The rules whose words the file spells; all of them in a file with a star import, which
    can bring `tf` in without the file ever spelling "tensorflow"."""
    if "*" in text and STAR_IMPORT.search(text):
        return list(rules)
    return [rule for rule in rules if not rule.triggers or any(w in text for w in rule.triggers)]
