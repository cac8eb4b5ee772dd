"""SARIF for code scanning: results that map to repository files, and alerts that survive edits.

The log must be the same whichever folder cellrules runs in: URIs relative to the
repository root (`%SRCROOT%`), fingerprints from content rather than line numbers.
Every log is validated against the OASIS SARIF 2.1.0 schema (tests/data).
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from conftest import EXAMPLES, TODAY, run_cli

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture
def repository(tmp_path):
    """A design repository (a .git folder at its root) with specs in designs/ and a broken one."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    designs = root / "designs"
    designs.mkdir()
    for name in ("li-lgps-bad.toml", "li-llzo-lfp.toml", "li-in-lpscl-nmc811-uncoated.toml"):
        shutil.copy(EXAMPLES / name, designs / name)
    (designs / "broken.toml").write_text('spec_version = 1\n[cell]\nname = "x"\ncarrier = "Li"\nstack_pressure = 5\n',
                                         encoding="utf-8")
    (root / "tools").mkdir()
    return root


def sarif(*args, cwd) -> dict:
    done = run_cli("check", "--format", "sarif", "--today", TODAY.isoformat(), *args, cwd=cwd)
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr, done.stderr
    log = json.loads(done.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    return log


def located(log: dict) -> list[tuple]:
    return sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"].get("uri"),
                   r["locations"][0]["physicalLocation"]["artifactLocation"].get("uriBaseId"),
                   r["locations"][0]["physicalLocation"]["region"]["startLine"],
                   json.dumps(r["partialFingerprints"])) for r in log["runs"][0]["results"])


def test_the_same_log_from_the_root_a_subfolder_and_outside_the_repository(repository, tmp_path):
    from_root = located(sarif("designs", cwd=repository))
    from_subfolder = located(sarif("../designs", cwd=repository / "tools"))
    from_outside = located(sarif(repository / "designs", cwd=tmp_path))
    assert from_root == from_subfolder == from_outside
    uris = {uri for _, uri, base, *_ in from_root}
    assert uris >= {"designs/li-lgps-bad.toml", "designs/li-in-lpscl-nmc811-uncoated.toml", "designs/broken.toml"}
    assert all(uri.startswith("designs/") for uri in uris)
    assert {base for _, _, base, *_ in from_root} == {"%SRCROOT%"}


def test_the_run_names_its_base_and_category(repository):
    run = sarif("designs", cwd=repository)["runs"][0]
    assert "%SRCROOT%" in run["originalUriBaseIds"]
    assert run["automationDetails"]["id"] == "cellrules/"
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert all(rule["name"][0].isupper() and "." not in rule["name"] for rule in run["tool"]["driver"]["rules"])


def test_root_overrides_the_repository_search(repository, tmp_path):
    log = sarif("designs/li-lgps-bad.toml", "--root", "designs", cwd=repository)
    assert {uri for _, uri, *_ in located(log)} == {"li-lgps-bad.toml"}
    assert run_cli("check", "--format", "sarif", "--root", "nowhere", "designs", cwd=repository).returncode == 2


def test_a_spec_outside_the_root_is_an_absolute_file_uri(repository, tmp_path):
    outside = tmp_path / "elsewhere.toml"
    shutil.copy(EXAMPLES / "li-lgps-bad.toml", outside)
    log = sarif("designs/li-lgps-bad.toml", str(outside), cwd=repository)
    locations = {(uri, base) for _, uri, base, *_ in located(log)}
    assert (outside.as_uri(), None) in locations and ("designs/li-lgps-bad.toml", "%SRCROOT%") in locations


def test_fingerprints_follow_content_not_line_numbers(repository):
    before = {(rule, fingerprint) for rule, uri, _, _, fingerprint in located(sarif("designs", cwd=repository))
              if uri == "designs/li-lgps-bad.toml"}
    spec = repository / "designs" / "li-lgps-bad.toml"
    spec.write_text("# a comment added at the top\n# and another\n" + spec.read_text(encoding="utf-8"), encoding="utf-8")
    moved = located(sarif("designs", cwd=repository))
    after = {(rule, fingerprint) for rule, uri, _, _, fingerprint in moved if uri == "designs/li-lgps-bad.toml"}
    assert before == after and len(before) >= 3
    lines = {rule: line for rule, uri, _, line, _ in moved if uri == "designs/li-lgps-bad.toml"}
    assert lines["mechanics.li-stack-pressure-failure"] == 15     # two lines down, same alert


def test_fingerprints_are_unique_within_a_file(repository):
    results = sarif("designs", cwd=repository)["runs"][0]["results"]
    keys = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"],
             r["partialFingerprints"]["cellrulesLineContent/v1"]) for r in results]
    assert len(keys) == len(set(keys))
    # Two problems of one broken spec on lines of the same text still get two fingerprints.
    twice = repository / "designs" / "twice.toml"
    twice.write_text('spec_version = 1\n[cell]\nname = "x"\ncarrier = "Li"\n[anode]\nthickness = 5\n'
                     '[cathode]\nthickness = 5\n', encoding="utf-8")
    errors = [r for r in sarif("designs/twice.toml", cwd=repository)["runs"][0]["results"]]
    assert len(errors) >= 2 and len({json.dumps(r["partialFingerprints"]) for r in errors}) == len(errors)


def test_undecided_rules_are_open_results_without_a_level(repository):
    results = sarif("--all", "designs", cwd=repository)["runs"][0]["results"]
    undecided = [r for r in results if r.get("properties", {}).get("outcome") in ("unknown", "skipped")]
    assert undecided
    assert all(r["kind"] == "open" and r["level"] == "none" for r in undecided)
    unknown = [r for r in undecided if r["properties"]["outcome"] == "unknown"]
    assert unknown and all(r["properties"]["needs"] and all(r["properties"]["needs"]) for r in unknown)
    decided = [r for r in results if r.get("properties", {}).get("outcome") in ("fail", "waived")]
    assert all("kind" not in r and r["level"] in ("error", "warning", "note") for r in decided)


def test_help_uri_when_the_configuration_names_the_rule_pages(repository):
    assert all("helpUri" not in rule for rule in sarif("designs", cwd=repository)["runs"][0]["tool"]["driver"]["rules"])
    (repository / "cellrules.toml").write_text(
        'rule-docs-url = "https://github.com/lab/cellrules/blob/v0.1.0/docs/rules/{rule}.md"\n', encoding="utf-8")
    rules = sarif("designs", cwd=repository)["runs"][0]["tool"]["driver"]["rules"]
    by_id = {rule["id"]: rule for rule in rules}
    assert by_id["window.anode-reduction"]["helpUri"] == \
        "https://github.com/lab/cellrules/blob/v0.1.0/docs/rules/window.anode-reduction.md"
    (repository / "cellrules.toml").write_text('rule-docs-url = "https://lab.example/rules/"\n', encoding="utf-8")
    by_id = {r["id"]: r for r in sarif("designs", cwd=repository)["runs"][0]["tool"]["driver"]["rules"]}
    assert by_id["spec.invalid"]["helpUri"] == "https://lab.example/rules/spec.invalid.md"
    (repository / "cellrules.toml").write_text('rule-docs-url = "docs/rules"\n', encoding="utf-8")
    done = run_cli("check", "--format", "sarif", "designs", cwd=repository)
    assert done.returncode == 2 and "cellrules.toml:1:1: error: rule-docs-url must be an http(s) or file URL" in done.stderr


def test_every_help_uri_names_a_shipped_rule_page(repository):
    (repository / "cellrules.toml").write_text('rule-docs-url = "file:///docs/rules/"\n', encoding="utf-8")
    pages = Path(__file__).resolve().parent.parent / "docs" / "rules"
    for rule in sarif("designs", cwd=repository)["runs"][0]["tool"]["driver"]["rules"]:
        assert (pages / rule["helpUri"].removeprefix("file:///docs/rules/")).is_file(), rule["id"]


def test_a_git_worktree_file_marks_the_root_too(repository, tmp_path):
    shutil.rmtree(repository / ".git")
    (repository / ".git").write_text("gitdir: /somewhere/.git/worktrees/repo\n", encoding="utf-8")
    assert {uri for _, uri, *_ in located(sarif(repository / "designs", cwd=tmp_path))} >= {"designs/li-lgps-bad.toml"}


def test_a_real_git_repository(repository, tmp_path):
    shutil.rmtree(repository / ".git")
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    assert located(sarif("../designs", cwd=repository / "tools")) == located(sarif("designs", cwd=repository))
