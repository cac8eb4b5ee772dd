"""CI formats (SARIF, JUnit, GitHub annotations), batches and colour: what a CI system reads.

SARIF is validated against the official OASIS SARIF 2.1.0 schema, vendored in tests/data (see
tests/data/README.md); JUnit is parsed with xml.etree and its counts compared with the findings;
GitHub workflow commands are matched against the syntax GitHub documents.
"""
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from cellrules.cli.batch import Progress
from cellrules.report.color import colorize, wanted
from cellrules.report.github import escape_data, escape_property
from conftest import EXAMPLES, REPO, run_cli

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
DESIGN_REPO = EXAMPLES / "design-repo"
BROKEN = 'spec_version = 1\n\n[cell]\nname = "broken"\ncarrier = "Li"\nstack_pressure = 5\n'
# ::error file=F,line=L,col=C,title=T::MESSAGE, properties escaped so they hold no raw ':' or ','.
ANNOTATION = re.compile(r"^::(error|warning|notice) file=[^,:\r\n]+,line=\d+,col=\d+,title=[^,:\r\n]+::[^\r\n]*$")


@pytest.fixture
def workspace(tmp_path):
    """A repository with the shipped examples and one unreadable spec; the CLI runs from its root."""
    for example in EXAMPLES.glob("*.toml"):
        shutil.copy(example, tmp_path / example.name)
    (tmp_path / "broken.toml").write_text(BROKEN, encoding="utf-8")
    return tmp_path


def check(workspace, *options):
    return run_cli("check", *options, ".", cwd=workspace)


def json_findings(workspace, *options) -> dict:
    document = json.loads(check(workspace, "--format", "json", *options).stdout)
    return {entry["file"]: entry for entry in document["results"]}


# ---------------------------------------------------------------------------------------- SARIF


def sarif(workspace, *options) -> dict:
    result = check(workspace, "--format", "sarif", *options)
    assert result.returncode == 2 and "Traceback" not in result.stderr  # broken.toml is an error
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    return log


@pytest.mark.parametrize("options", [(), ("--all",)])
def test_sarif_validates_against_the_official_schema(workspace, options):
    log = sarif(workspace, *options)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1


def test_sarif_catalogue_describes_every_rule(workspace):
    driver = sarif(workspace)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "cellrules"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    listed = json.loads(run_cli("rules", "list", "--format", "json").stdout)
    assert {r["id"] for r in listed} <= set(rules)
    assert {"spec.invalid", "waiver.expired", "waiver.unused"} <= set(rules)
    assert list(rules) == sorted(rules)
    for entry in listed:
        rule = rules[entry["id"]]
        assert rule["shortDescription"]["text"] == entry["title"]
        assert rule["fullDescription"]["text"]
        assert "Mitigations:" in rule["help"]["text"] and entry["citation"] in rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning", "info": "note"}[
            entry["severity"]]
        assert entry["failure_mode"] in rule["properties"]["tags"]


def test_sarif_results_are_the_failures_at_their_spec_lines(workspace):
    log = sarif(workspace)
    run = log["runs"][0]
    expected = sorted(
        (entry["file"].removeprefix("./"), f["rule"], f["location"]["line"], f["location"]["column"])
        for entry in json_findings(workspace).values() for f in entry["findings"] if f["outcome"] == "fail")
    found = []
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        if result["ruleId"] != "spec.invalid":
            found.append((location["artifactLocation"]["uri"], result["ruleId"], location["region"]["startLine"],
                          location["region"]["startColumn"]))
    assert sorted(found) == expected
    assert all(not uri.startswith(("/", "file:", "./")) for uri, *_ in found)  # relative to the repository root


def test_sarif_reports_an_unreadable_file_at_its_line(workspace):
    (error,) = [r for r in sarif(workspace)["runs"][0]["results"] if r["ruleId"] == "spec.invalid"]
    assert error["level"] == "error"
    location = error["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "broken.toml"
    assert location["region"] == {"startLine": 6, "startColumn": 1}
    assert "stack_pressure = 5 has no unit" in error["message"]["text"] and "MPa" in error["message"]["text"]


def test_sarif_notes_unknown_and_skipped_only_with_all(workspace):
    no_pressure = (EXAMPLES / "li-llzo-lfp.toml").read_text().replace('stack_pressure = "1 MPa"\n', "")
    (workspace / "no-pressure.toml").write_text(no_pressure)
    def open_results(*options):
        return [r for r in sarif(workspace, *options)["runs"][0]["results"]
                if r.get("properties", {}).get("outcome") in ("unknown", "skipped")]

    notes = open_results("--all")
    assert open_results() == []
    assert {r["properties"]["outcome"] for r in notes} == {"unknown", "skipped"}
    assert {(r["kind"], r["level"]) for r in notes} == {("open", "none")}   # "could not determine", no label
    assert any(r["ruleId"] == "mechanics.li-stack-pressure-creep" and r["properties"]["missing"] == [
        "cell.stack_pressure"] for r in notes)


def test_sarif_uris_are_relative_even_for_absolute_paths(workspace):
    def uris(path):
        log = json.loads(run_cli("check", "--format", "sarif", path, cwd=workspace).stdout)
        return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}

    assert uris("li-lgps-bad.toml") == uris(workspace / "li-lgps-bad.toml") == {"li-lgps-bad.toml"}
    assert uris("./li-lgps-bad.toml") == {"li-lgps-bad.toml"}


def test_every_format_is_deterministic(workspace):
    for fmt in ("text", "json", "sarif", "junit", "github"):
        assert check(workspace, "--format", fmt).stdout == check(workspace, "--format", fmt).stdout


# ---------------------------------------------------------------------------------------- JUnit


def junit(workspace, *options) -> ET.Element:
    return ET.fromstring(check(workspace, "--format", "junit", *options).stdout)


def test_junit_has_one_testcase_per_spec_and_rule_that_ran(workspace):
    root = junit(workspace)
    everything = json_findings(workspace, "--all")
    suites = {suite.get("name").removeprefix("./"): suite for suite in root.iter("testsuite")}
    assert set(suites) == {path.removeprefix("./") for path in everything}
    for path, entry in everything.items():
        suite = suites[path.removeprefix("./")]
        if entry["status"] == "error":
            (case,) = suite.iter("testcase")
            assert case.find("error") is not None and "no unit" in case.find("error").get("message")
            continue
        ran = sorted(f["rule"] for f in entry["findings"] if f["outcome"] != "not-applicable")
        assert sorted(case.get("name") for case in suite.iter("testcase")) == ran


def test_junit_counts_match_the_findings(workspace):
    root = junit(workspace)
    findings = [f for entry in json_findings(workspace).values() for f in entry["findings"]]
    cases = list(root.iter("testcase"))
    assert int(root.get("tests")) == len(cases)
    assert int(root.get("failures")) == len(list(root.iter("failure"))) == sum(
        f["outcome"] == "fail" and f["severity"] == "error" for f in findings)
    assert int(root.get("errors")) == len(list(root.iter("error"))) == 1
    assert sum(int(suite.get("skipped")) for suite in root.iter("testsuite")) == len(list(root.iter("skipped")))
    for suite in root.iter("testsuite"):
        assert int(suite.get("tests")) == len(list(suite.iter("testcase")))
        assert int(suite.get("failures")) == len(list(suite.iter("failure")))


def test_junit_failures_below_fail_on_are_skipped(workspace):
    warnings = [f for entry in json_findings(workspace).values() for f in entry["findings"]
                if f["outcome"] == "fail" and f["severity"] == "warning"]
    assert warnings, "the examples have warnings"
    skipped = [s.get("message") for s in junit(workspace).iter("skipped")]
    assert sum(m.startswith("warning below fail-on error: ") for m in skipped) == len(warnings)
    strict = junit(workspace, "--fail-on", "warning")
    assert int(strict.get("failures")) == int(junit(workspace).get("failures")) + len(warnings)


def test_junit_failure_carries_inputs_mitigations_and_citation(workspace):
    failure = next(junit(workspace).iter("failure"))
    assert failure.get("type") == "error"
    assert "mitigation: " in failure.text and "citation: " in failure.text and "input " in failure.text


# ---------------------------------------------------------------------------------------- GitHub


def test_github_lines_follow_the_workflow_command_syntax(workspace):
    lines = check(workspace, "--format", "github").stdout.splitlines()
    closing = lines.pop()
    assert closing.startswith("::notice title=cellrules%3A annotations left out::")
    assert lines and all(ANNOTATION.match(line) for line in lines), lines
    assert "::error file=broken.toml,line=6,col=1,title=cellrules%3A invalid spec::" in "\n".join(lines)
    fails = {(path.removeprefix("./"), f["rule"]): f for path, entry in json_findings(workspace).items()
             for f in entry["findings"] if f["outcome"] == "fail"}
    for line in lines:
        match = re.match(r"^::(\w+) file=([^,]+),line=(\d+),col=(\d+),title=cellrules ([^:]+)::", line)
        if match is None:
            continue
        level, path, row, column, rule = match.groups()
        finding = fails[(path, rule)]
        assert level == {"error": "error", "warning": "warning", "info": "notice"}[finding["severity"]]
        assert (int(row), int(column)) == (finding["location"]["line"], finding["location"]["column"])


def test_github_escaping_as_documented():
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_escapes_hostile_paths(workspace):
    odd = workspace / "odd, name:1.toml"
    shutil.copy(EXAMPLES / "li-lgps-bad.toml", odd)
    lines = run_cli("check", "--format", "github", odd.name, cwd=workspace).stdout.splitlines()
    assert lines and all(ANNOTATION.match(line) for line in lines)
    assert all("file=odd%2C name%3A1.toml," in line for line in lines)


# ---------------------------------------------------------------------------------------- batches


def test_jobs_give_byte_identical_output(tmp_path):
    for copy in range(20):
        for example in EXAMPLES.glob("*.toml"):
            shutil.copy(example, tmp_path / f"{copy:02d}-{example.name}")
    (tmp_path / "broken.toml").write_text(BROKEN)
    for fmt in ("text", "json", "sarif", "junit"):
        serial = run_cli("check", "--format", fmt, "--jobs", "1", ".", cwd=tmp_path)
        parallel = run_cli("check", "--format", fmt, "--jobs", "2", ".", cwd=tmp_path)
        assert serial.returncode == parallel.returncode == 2
        assert serial.stdout == parallel.stdout, fmt
        assert parallel.stderr == ""  # no progress bar when stderr is not a terminal


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal_and_for_large_batches():
    terminal = _Terminal()
    progress = Progress(terminal, 40)
    for _ in range(40):
        progress.advance(1)
    progress.close()
    assert "40/40 specs" in terminal.getvalue() and terminal.getvalue().endswith("\r\x1b[K")
    for stream, total in ((io.StringIO(), 40), (_Terminal(), 5)):
        quiet = Progress(stream, total)
        quiet.advance(total)
        quiet.close()
        assert stream.getvalue() == ""


def test_jobs_must_be_positive(workspace):
    assert check(workspace, "--jobs", "0").returncode == 2
    assert "not a number" in check(workspace, "--jobs", "many").stderr


def test_jobs_auto_is_the_default(workspace):
    assert check(workspace, "--jobs", "auto").stdout == check(workspace).stdout == check(workspace, "--jobs", "1").stdout


# ---------------------------------------------------------------------------------------- colour


def test_colour_only_when_asked_or_on_a_terminal(workspace):
    piped = check(workspace).stdout
    assert "\x1b[" not in piped
    forced = check(workspace, "--color", "always").stdout
    assert "\x1b[1;31merror:\x1b[0m" in forced and forced != piped
    assert re.sub(r"\x1b\[[0-9;]*m", "", forced) == piped
    # The flag beats the environment (no-color.org); with auto, the environment decides.
    assert run_cli("check", "--color", "always", ".", cwd=workspace, env={"NO_COLOR": "1"}).stdout == forced
    assert run_cli("check", "--color", "never", ".", cwd=workspace, env={"FORCE_COLOR": "1"}).stdout == piped
    assert run_cli("check", ".", cwd=workspace, env={"FORCE_COLOR": "1"}).stdout == forced
    assert run_cli("check", ".", cwd=workspace, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout == piped
    assert check(workspace, "--color", "never").stdout == piped
    assert "\x1b[" not in check(workspace, "--color", "always", "--format", "json").stdout
    assert check(workspace, "--color", "sometimes").returncode == 2


@pytest.mark.parametrize(("choice", "terminal", "environ", "coloured"), [
    ("auto", True, {}, True),
    ("auto", False, {}, False),
    ("auto", True, {"NO_COLOR": "1"}, False),
    ("auto", True, {"NO_COLOR": ""}, True),          # set but empty: no-color.org says ignore it
    ("auto", False, {"FORCE_COLOR": "1"}, True),
    ("auto", False, {"FORCE_COLOR": ""}, False),
    ("auto", True, {"TERM": "dumb"}, False),
    ("auto", False, {"TERM": "dumb", "FORCE_COLOR": "1"}, True),
    ("always", False, {"NO_COLOR": "1", "TERM": "dumb"}, True),
    ("never", True, {"FORCE_COLOR": "1"}, False),
])
def test_the_colour_decision(choice, terminal, environ, coloured):
    assert wanted(choice, terminal, environ) is coloured


def test_colorize_leaves_unknown_lines_alone():
    text = "a.toml:1:2: warning: x.y message\n    hint: add a unit\n3 files: 1 pass, 0 incomplete, 1 fail, 1 error\n"
    coloured = colorize(text)
    assert "    hint: add a unit\n" in coloured
    assert coloured.endswith("\x1b[1m3 files: 1 pass, 0 incomplete, 1 fail, 1 error\x1b[0m\n")


# ---------------------------------------------------------------------------------------- design repo


def test_design_repository_end_to_end(tmp_path):
    """The example repository as its CI runs it: config found, waiver applied, every format consistent."""
    repository = tmp_path / "design-repo"
    shutil.copytree(DESIGN_REPO, repository)
    checked = run_cli("check", "--format", "json", ".", cwd=repository)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    results = {entry["file"]: entry for entry in json.loads(checked.stdout)["results"]}
    assert sorted(results) == sorted(p.relative_to(repository).as_posix()
                                     for p in (repository / "designs").glob("*.toml"))  # drafts/ is excluded
    assert all(entry["status"] != "error" for entry in results.values())

    def finding(path, rule):
        return next(f for f in results[path]["findings"] if f["rule"] == rule)

    # cellrules.toml raises Li creep to an error: the pressed cell fails on it ...
    creep = finding("designs/garnet-pressed.toml", "mechanics.li-stack-pressure-creep")
    assert (creep["outcome"], creep["severity"]) == ("fail", "error")
    assert results["designs/garnet-pressed.toml"]["status"] == "fail"
    # ... and the rig cell waives it, with the reason, for good (no expiry date).
    waived = finding("designs/garnet-rig.toml", "mechanics.li-stack-pressure-creep")
    assert waived["outcome"] == "waived" and "rig reference cell" in waived["message"]
    later = run_cli("check", "--today", "2099-12-31", "--format", "json", "designs/garnet-rig.toml", cwd=repository)
    assert "waiver.expired" not in later.stdout

    log = json.loads(run_cli("check", "--format", "sarif", ".", cwd=repository).stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    suppressed = [r for r in log["runs"][0]["results"] if "suppressions" in r]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in suppressed] == [
        "designs/garnet-rig.toml"]
    junit_root = ET.fromstring(run_cli("check", "--format", "junit", ".", cwd=repository).stdout)
    assert {suite.get("name") for suite in junit_root.iter("testsuite")} == set(results)
    annotations = run_cli("check", "--format", "github", ".", cwd=repository).stdout
    assert "::error file=designs/garnet-pressed.toml,line=13,col=1,title=cellrules mechanics.li-stack-pressure-creep::" \
        in annotations


def test_design_repository_ci_files_run_the_documented_commands():
    hooks = (REPO / ".pre-commit-hooks.yaml").read_text()
    assert "id: cellrules" in hooks and "entry: cellrules check --only-specs" in hooks
    action = (REPO / "action.yml").read_text()
    assert "using: composite" in action and "github/codeql-action/upload-sarif" in action
    assert "--format sarif" in action
    gitlab = (REPO / "docs" / "ci" / "gitlab-ci.yml").read_text()
    assert "--format junit" in gitlab and "junit:" in gitlab
    assert (DESIGN_REPO / ".pre-commit-config.yaml").is_file()
    assert (DESIGN_REPO / ".github" / "workflows" / "cellrules.yml").is_file()
