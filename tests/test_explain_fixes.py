"""The explain report's "Verified fixes" section: the same fixes `cellrules suggest` verifies, in every format."""
from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES, REPO, TODAY, run_cli

from cellrules import api

FAILING = sorted(p.relative_to(REPO).as_posix() for p in EXAMPLES.glob("*.toml")
                 if api.check(p, today=TODAY).status == "fail")


def explain_json(*args) -> dict:
    result = run_cli("explain", "--format", "json", "--today", TODAY.isoformat(), *args, cwd=REPO)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["report"]


def suggest_json(spec) -> dict:
    return json.loads(run_cli("suggest", "--format", "json", "--today", TODAY.isoformat(), spec, cwd=REPO).stdout)


def test_there_are_failing_examples_to_explain():
    assert len(FAILING) >= 5


@pytest.mark.parametrize("spec", FAILING)
def test_the_section_shows_the_best_fixes_suggest_verifies(spec):
    section, suggested = explain_json(spec)["fixes"], suggest_json(spec)
    assert section["failures"] == suggested["failures"] and section["found"] == suggested["search"]["found"]
    top = suggested["suggestions"][:3]
    assert [(f["rank"], f["status"], f["fixes"], f["safe"]) for f in section["fixes"]] == \
        [(s["rank"], s["status"], s["fixes"], s["safe"]) for s in top]
    assert [[c["description"] for c in f["changes"]] for f in section["fixes"]] == \
        [[c["description"] for c in s["changes"]] for s in top]
    assert section["command"] == f"cellrules suggest {spec}"


def test_the_uncoated_cathode_report_offers_a_coating_that_passes(tmp_path):
    spec = "examples/li-in-lpscl-nmc811-uncoated.toml"
    text = run_cli("explain", "--today", TODAY.isoformat(), spec, cwd=REPO).stdout
    section = text.split("== Verified fixes: ", 1)[1].split("\n== ", 1)[0]
    first = section.split("\n1. ", 1)[1].split("\n2. ", 1)[0]
    assert "the spec then checks pass" in first and "(cathode-coating) between cathode and" in first
    assert "knowledge base: " in first and "why: cathode." in first
    out = tmp_path / "fixed.toml"
    assert run_cli("suggest", "--today", TODAY.isoformat(), spec, "--apply", "1", "-o", out, cwd=REPO).returncode == 0
    assert api.check(out, today=TODAY).status == "pass"


@pytest.mark.parametrize("fmt, heading", [("text", "== Verified fixes: "), ("markdown", "## Verified fixes: "),
                                          ("html", '<section id="fixes">')])
def test_every_format_has_the_section_of_a_failing_spec_and_only_then(fmt, heading):
    def report(*args):
        return run_cli("explain", "--format", fmt, "--today", TODAY.isoformat(), *args, cwd=REPO).stdout

    assert heading in report("examples/li-lpscl-25mpa.toml")
    assert heading not in report("examples/li-lpscl-5mpa.toml")          # it passes: nothing to fix
    assert heading not in report("--no-fixes", "examples/li-lpscl-25mpa.toml")


def test_the_json_model_has_no_section_without_a_failure_or_with_no_fixes():
    assert explain_json("examples/li-lpscl-5mpa.toml")["fixes"] is None
    assert explain_json("--no-fixes", "examples/li-lpscl-25mpa.toml")["fixes"] is None


def test_the_section_of_a_spec_read_from_standard_input_edits_that_text():
    spec = (EXAMPLES / "li-lpscl-25mpa.toml").read_text()
    result = run_cli("explain", "--format", "json", "--today", TODAY.isoformat(), "--stdin-filename", "cell.toml", "-",
                     input_bytes=spec, cwd=REPO)
    section = json.loads(result.stdout)["report"]["fixes"]
    assert section["command"] == "cellrules suggest cell.toml"
    assert section["fixes"][0]["status"] == "pass"


def test_the_python_api_report_carries_the_section():
    explained = api.explain(EXAMPLES / "li-lpscl-25mpa.toml", today=TODAY)
    assert explained.report.fixes.fixes[0].status == "pass"
    assert "Verified fixes" in explained.text and "Verified fixes" in explained.html
    assert api.explain(EXAMPLES / "li-lpscl-25mpa.toml", today=TODAY, fixes=False).report.fixes is None
