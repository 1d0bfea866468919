"""
## What it does
Reports a file that cannot be read: permission denied, vanished during the run, a directory
where a file was named, a notebook that is not nbformat 4 JSON, or a binary file named `.py`
(control bytes in its first kilobyte and no valid encoding declaration: an executable or an
archive, not source with a bad cookie, which is EA000).

## Why is this bad?
A file that cannot be read cannot be audited. Saying so, instead of skipping it in silence or
crashing, keeps a clean report honest: every other file is still checked.

## How it was verified
The message is the operating system's error, or the JSON decoder's for notebooks.

## Example
A notebook saved half-way, `{"cells": [`.

## Use instead
Restore the file (`git checkout -- notebook.ipynb`) or exclude it.

## Fix safety
No automatic fix.
"""

from estimator_audit.findings import Severity
from estimator_audit.rule import Invalid, Rule, Valid


class UnreadableFile(Rule):
    code = "EA001"
    name = "unreadable-file"
    severity = Severity.ERROR
    summary = "The file cannot be read, or the notebook is not valid nbformat 4 JSON."
    engine_reported = True
    valid = (
        Valid('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "empty.ipynb"),
    )
    invalid = (
        Invalid('{"cells": [', filename="truncated.ipynb", at=((1, 1),), message="not valid JSON"),
        Invalid('{"cells": 3}', filename="odd.ipynb", at=((1, 1),), message="no list of cells"),
    )
