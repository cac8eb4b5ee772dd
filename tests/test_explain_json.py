"""`explain --format json`: the report model as a JSON document, every field of it described in docs/explain-json.md."""
from __future__ import annotations

import json
import re
import typing

import attrs

from cellrules.report import explain as model
from conftest import REPO, TODAY, run_cli

DOC = (REPO / "docs" / "explain-json.md").read_text(encoding="utf-8")


def _documented() -> dict[str, list[str]]:
    """Heading name -> the fields its table lists, in order."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in DOC.splitlines():
        heading = re.match(r"^#{2,3} (\w[\w ]*)$", line)
        if heading:
            current = heading.group(1).replace(" ", "")
            sections[current] = []
        row = re.match(r"^\| `([a-z_]+)` \|", line)
        if row and current:
            sections[current].append(row.group(1))
    return sections


def _classes(root) -> list[type]:
    found: list[type] = []

    def walk(cls):
        if cls in found:
            return
        found.append(cls)
        hints = typing.get_type_hints(cls, vars(model))
        for field in attrs.fields(cls):
            for part in typing.get_args(hints[field.name]) or (hints[field.name],):
                for inner in typing.get_args(part) or (part,):
                    if attrs.has(inner) and inner.__module__ == model.__name__:
                        walk(inner)
    walk(root)
    return found


def test_every_field_of_the_model_is_documented_in_order():
    documented = _documented()
    for cls in _classes(model.Report) + _classes(model.RuleDoc):
        assert cls.__name__ in documented, f"docs/explain-json.md has no section for {cls.__name__}"
        assert documented[cls.__name__] == [f.name for f in attrs.fields(cls)], cls.__name__
    assert documented["Thedocument"] == ["format", "version", "cellrules", "kind", "report", "rule"]


def _fields_match(value, cls) -> None:
    assert list(value) == [f.name for f in attrs.fields(cls)], cls.__name__


def test_the_document_of_a_failing_spec_is_the_model():
    done = run_cli("explain", "--format", "json", "--today", TODAY.isoformat(), "examples/li-lgps-bad.toml", cwd=REPO)
    assert done.returncode == 0
    document = json.loads(done.stdout)
    assert (document["format"], document["version"], document["kind"]) == ("cellrules-explain", 1, "report")
    report = document["report"]
    _fields_match(report, model.Report)
    assert report["status"] == "fail" and report["path"] == "examples/li-lgps-bad.toml"
    failure = report["failures"][0]
    _fields_match(failure, model.Explanation)
    assert failure["severity"] == "error" and failure["location"].startswith("examples/li-lgps-bad.toml:")
    assert all(isinstance(level["vs_she"], float) for level in report["energy"]["levels"])
    assert {gauge["dimension"] for gauge in report["gauges"]} <= {"pressure", "dimensionless"}
    assert {entry["label"] for entry in report["outcome_counts"]} == set(model.OUTCOMES)
    # The same data the text report prints: every failure's message is in it.
    text = run_cli("explain", "--today", TODAY.isoformat(), "examples/li-lgps-bad.toml", cwd=REPO).stdout
    assert all(f["rule"] in text for f in report["failures"])


def test_a_rule_document_and_determinism():
    first = run_cli("explain", "--format", "json", "--rule", "window.anode-reduction", cwd=REPO)
    second = run_cli("explain", "--format", "json", "--rule", "window.anode-reduction", cwd=REPO)
    assert first.returncode == 0 and first.stdout == second.stdout
    document = json.loads(first.stdout)
    assert document["kind"] == "rule"
    _fields_match(document["rule"], model.RuleDoc)
    assert document["rule"]["failing_examples"] and document["rule"]["passing_examples"]


def test_json_takes_no_template():
    done = run_cli("explain", "--format", "json", "--template", "x.j2", "examples/li-lgps-bad.toml", cwd=REPO)
    assert done.returncode == 2 and "json is the model itself" in done.stderr
