"""JUnit XML against the strictest schema in use: the Jenkins xUnit plugin's junit-10.xsd (tests/data).

Validated with xmlschema, a real XSD 1.0 validator; GitLab and the Jenkins JUnit plugin
read the same document.
"""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from conftest import EXAMPLES, REPO, TODAY, run_cli

SCHEMA = xmlschema.XMLSchema10(str(Path(__file__).parent / "data" / "junit-10.xsd"))


def junit(*args, cwd=REPO) -> str:
    done = run_cli("check", "--format", "junit", "--today", TODAY.isoformat(), *args, cwd=cwd)
    assert done.returncode in (0, 1, 2) and "Traceback" not in done.stderr, done.stderr
    return done.stdout


def test_the_examples_validate_against_junit_10():
    document = junit("examples/")
    SCHEMA.validate(document)
    root = ET.fromstring(document)
    checked = json.loads(run_cli("check", "--format", "json", "examples/", cwd=REPO).stdout)["results"]
    assert [suite.get("name") for suite in root.iter("testsuite")] == [entry["file"] for entry in checked]
    assert all(case.get("time") == "0.000" for case in root.iter("testcase"))
    assert root.get("time") == "0.000" and all(s.get("time") == "0.000" for s in root.iter("testsuite"))


def test_location_and_rule_are_properties_of_the_suite():
    root = ET.fromstring(junit("examples/li-lgps-bad.toml"))
    (suite,) = root.iter("testsuite")
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert properties["spec"] == "examples/li-lgps-bad.toml" and properties["status"] == "fail"
    assert properties["fail-on"] == "error"
    assert properties["location:mechanics.li-stack-pressure-failure"] == "examples/li-lgps-bad.toml:13:1"
    cases = {case.get("name") for case in suite.iter("testcase")}
    assert {name.removeprefix("location:") for name in properties if name.startswith("location:")} == cases
    assert all(case.get("classname") == "examples.li-lgps-bad" for case in suite.iter("testcase"))
    assert suite.get("file") == "examples/li-lgps-bad.toml"


def test_a_missing_path_still_gives_a_valid_report_with_an_error_case():
    done = run_cli("check", "--format", "junit", "no/such/spec.toml", "examples/li-llzo-lfp.toml", cwd=REPO)
    assert done.returncode == 2
    SCHEMA.validate(done.stdout)
    root = ET.fromstring(done.stdout)
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    missing = suites["no/such/spec.toml"]
    (case,) = missing.iter("testcase")
    error = case.find("error")
    assert error.get("type") == "spec.invalid" and error.get("message") == "no such file or directory"
    assert int(suites["examples/li-llzo-lfp.toml"].get("tests")) > 1    # the other spec is still checked
    assert root.get("errors") == "1"


@pytest.mark.parametrize("fail_on", ["error", "warning"])
def test_fail_on_and_unreadable_specs_validate(tmp_path, fail_on):
    for name in ("li-lgps-bad.toml", "li-in-lpscl-nmc811-uncoated.toml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    (tmp_path / "broken.toml").write_text('spec_version = 1\n[cell]\nname = "\\u0007 <&>"\ncarrier = "Li"\n'
                                          "stack_pressure = 5\n", encoding="utf-8")
    (tmp_path / "odd <&> \"name\".toml").write_text((EXAMPLES / "li-lgps-bad.toml").read_text(), encoding="utf-8")
    document = junit("--fail-on", fail_on, "--all", ".", cwd=tmp_path)
    SCHEMA.validate(document)


def test_a_waived_failure_and_a_design_repository_validate():
    SCHEMA.validate(junit("examples/design-repo/designs/"))
