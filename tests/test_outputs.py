"""JSON, SARIF (validated against the official 2.1.0 schema) and GitHub annotations."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from estimator_audit.catalogue import all_rules
from tests.conftest import FIXTURES, run_cli

# OASIS's published SARIF 2.1.0 schema (errata01), vendored so the suite runs in any clone.
SARIF_SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding copies of the fixtures, with a space in one folder name."""
    root = tmp_path_factory.mktemp("repo")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for program in FIXTURES.iterdir():
        if not program.is_file():
            continue
        target = root / ("legacy code" if program.suffix == ".ipynb" else "src") / program.name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(program.read_bytes())
    return root


def test_json_has_every_field(repo: Path) -> None:
    done = run_cli([".", "--output-format", "json"], cwd=repo)
    assert done.returncode == 1
    findings = json.loads(done.stdout)
    assert {"EA000", "EA101", "EA203", "EA401"} <= {f["code"] for f in findings}
    first = next(f for f in findings if f["code"] == "EA203")
    assert set(first) == {"code", "name", "severity", "message", "path", "cell", "line", "column",
                          "end_line", "end_column", "fix"}
    assert first["severity"] == "error" and first["name"] == "estimator-seed"
    assert first["end_line"] >= first["line"]
    notebook = [f for f in findings if f["path"].endswith(".ipynb")]
    expected = (FIXTURES / "housing_regressor.expected").read_text().splitlines()
    cells = {f"cell {f['cell']}:{f['line']}:{f['column']} {f['code']}" for f in notebook}
    assert cells == set(expected)


def test_sarif_validates_and_carries_what_github_needs(repo: Path) -> None:
    done = run_cli([".", "--output-format", "sarif"], cwd=repo)
    log = json.loads(done.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "estimator-audit"
    assert [rule["id"] for rule in driver["rules"]] == list(all_rules())
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith("# ")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "src/census_dnn.py" in uris and "legacy%20code/housing_regressor.ipynb" in uris
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["region"]["startLine"] >= 1
        assert location["region"].get("startColumn", 1) >= 1  # notebooks: the JSON line, no column
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    ea401 = next(r for r in run["results"] if r["ruleId"] == "EA401" and "census" in str(r))
    assert ea401["level"] == "warning"
    assert ea401["locations"][0]["physicalLocation"]["region"]["startColumn"] == 1


def test_sarif_columns_count_characters(tmp_path: Path) -> None:
    (tmp_path / "u.py").write_text(
        "import tensorflow as tf\nnamé = 'é'; est = tf.estimator.DNNClassifier([1], c)\n",
        encoding="utf-8")
    log = json.loads(run_cli(["u.py", "--output-format", "sarif"], cwd=tmp_path).stdout)
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in log["runs"][0]["results"]]
    assert {(r["startLine"], r["startColumn"]) for r in regions} == {(2, 19)}


def test_github_annotations(repo: Path) -> None:
    done = run_cli(["src/census_dnn.py", "--output-format", "github"], cwd=repo)
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "::warning file=src/census_dnn.py,line=9,col=1,endLine=9,endColumn=35,"
        "title=EA401 pythonhashseed-in-process::EA401 PYTHONHASHSEED set inside the running "
        "program has no effect on it: hash randomisation is fixed when the interpreter starts; "
        "set it in the environment that launches Python"
    )
    levels = {line.split(" ", 1)[0] for line in lines}
    assert levels == {"::error", "::warning", "::notice"}  # EA203, EA105, EA302


def test_text_format(repo: Path) -> None:
    out = run_cli(["src/python2_train.py"], cwd=repo).stdout.splitlines()
    assert out[0].startswith("src/python2_train.py:7:13: EA000 Missing parentheses in call to 'print'")
    assert out[0].endswith("(Python 2 syntax: estimator-audit checks Python 3 code)")
    assert out[1] == "Found 1 finding in 1 file checked."


def test_concise_output_is_one_short_line_per_finding() -> None:
    done = run_cli([str(FIXTURES / "census_dnn.py"), "--output-format", "concise"])
    lines = done.stdout.splitlines()
    assert done.returncode == 1 and len(lines) == 9
    assert all(len(line.split(": ", 1)[1]) <= 130 for line in lines[:-1]), lines
    assert lines[1].endswith("EA105 tf.feature_column.numeric_column is part of the deprecated feature-column API")


def test_notebook_annotations_point_at_the_notebooks_own_lines() -> None:
    """A pull request shows the .ipynb file: GitHub annotations and SARIF regions name the line
    of its JSON that holds the flagged source line, not the line inside the cell."""
    notebook = FIXTURES / "housing_regressor.ipynb"
    lines = notebook.read_text(encoding="utf-8").splitlines()
    annotations = run_cli([str(notebook), "--output-format", "github"]).stdout.splitlines()
    first = next(a for a in annotations if "EA401" in a)
    line = int(first.split("line=", 1)[1].split(",", 1)[0])
    assert "PYTHONHASHSEED" in lines[line - 1] and "cell 3, line 1:" in first
    sarif = json.loads(run_cli([str(notebook), "--output-format", "sarif"]).stdout)
    region = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert "PYTHONHASHSEED" in lines[region["startLine"] - 1] and "startColumn" not in region
