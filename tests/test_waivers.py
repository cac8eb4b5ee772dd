"""Waivers: a team accepts a known failure in the spec itself, with a reason and maybe an expiry date.

Each test is the user's story: a spec with a [[waiver]] in, the verdict and exit code out. The
cell is a Li | Li6PS5Cl | LiFePO4 cold-pressed sulfide cell (the 25 MPa error is the sulfide's); its stack pressure decides the Li creep rules
(mechanics.li-stack-pressure-*), which the tests select so that other rules cannot change the verdict.
"""
import json

from conftest import run_cli

CREEP_RULES = "mechanics.li-stack-pressure-creep,mechanics.li-stack-pressure-failure,mechanics.li-stack-pressure-short"
SELECT = ("--select", CREEP_RULES)
PRESSED = """\
spec_version = 1

[cell]
name = "Li | Li6PS5Cl | LiFePO4 pressed at {pressure}"
carrier = "Li"
temperature = "25 degC"
stack_pressure = "{pressure}"

[anode]
material = "Li"

[electrolyte]
material = "Li6PS5Cl"

[cathode]
material = "LiFePO4"
"""
WAIVER = """
[[waiver]]
rule = "mechanics.li-stack-pressure-failure"
{lines}
"""


def spec(tmp_path, pressure="30 MPa", waiver='reason = "press rig only goes this low"', name="cell.toml"):
    path = tmp_path / name
    text = PRESSED.format(pressure=pressure) + (WAIVER.format(lines=waiver) if waiver is not None else "")
    path.write_text(text, encoding="utf-8")
    return path


def findings(result) -> dict:
    (entry,) = json.loads(result.stdout)["results"]
    return {f["rule"]: f for f in entry["findings"]}


def test_without_a_waiver_the_failure_fails_the_check(tmp_path):
    result = run_cli("check", *SELECT, spec(tmp_path, waiver=None))
    assert result.returncode == 1
    assert "error: mechanics.li-stack-pressure-failure" in result.stdout


def test_a_waived_failure_is_reported_as_waived_with_its_reason(tmp_path):
    result = run_cli("check", *SELECT, "--format", "json", spec(tmp_path))
    assert result.returncode == 0, result.stdout
    waived = findings(result)["mechanics.li-stack-pressure-failure"]
    assert waived["outcome"] == "waived"
    assert "press rig only goes this low" in waived["message"]
    assert json.loads(result.stdout)["results"][0]["status"] == "pass"


def test_a_waiver_holds_through_its_expiry_day(tmp_path):
    path = spec(tmp_path, waiver='reason = "until the new press arrives"\nexpires = 2027-06-30')
    assert run_cli("check", *SELECT, "--today", "2027-06-30", path).returncode == 0


def test_an_expired_waiver_fails_the_check_and_says_since_when(tmp_path):
    path = spec(tmp_path, waiver='reason = "until the new press arrives"\nexpires = 2027-06-30')
    result = run_cli("check", *SELECT, "--today", "2027-07-01", "--format", "json", path)
    assert result.returncode == 1
    by_rule = findings(result)
    expired = by_rule["waiver.expired"]
    assert expired["severity"] == "error" and expired["outcome"] == "fail"
    assert "2027-06-30" in expired["message"] and "mechanics.li-stack-pressure-failure" in expired["message"]
    assert expired["location"]["line"] == 18  # the [[waiver]] header
    assert expired["failure_mode"] == by_rule["mechanics.li-stack-pressure-failure"]["failure_mode"]
    assert by_rule["mechanics.li-stack-pressure-failure"]["outcome"] == "fail"


def test_a_waiver_without_a_reason_makes_the_file_an_error(tmp_path):
    result = run_cli("check", *SELECT, spec(tmp_path, waiver=""))
    assert result.returncode == 2
    assert "has no reason" in result.stdout
    assert ":18:1: error" in result.stdout  # at the waiver


def test_a_blank_reason_is_no_reason(tmp_path):
    assert run_cli("check", *SELECT, spec(tmp_path, waiver='reason = "   "')).returncode == 2


def test_a_quoted_expiry_date_is_the_same_date_and_anything_else_is_refused(tmp_path):
    # Editors (Taplo, check-jsonschema) see a TOML date as a string: the schema cannot tell the two apart, so
    # cellrules does not either.
    quoted = run_cli("check", *SELECT, "--format", "json", spec(tmp_path, waiver='reason = "r"\nexpires = "2027-06-30"'))
    bare = run_cli("check", *SELECT, "--format", "json", spec(tmp_path, waiver='reason = "r"\nexpires = 2027-06-30'))
    assert quoted.returncode == bare.returncode and quoted.stdout == bare.stdout
    for wrong in ('"2027-02-30"', '"30.06.2027"', "2027-06-30T12:00:00", "20270630"):
        result = run_cli("check", *SELECT, spec(tmp_path, waiver=f'reason = "r"\nexpires = {wrong}'))
        assert result.returncode == 2 and "waiver expires must be a date, YYYY-MM-DD" in result.stdout, wrong


def test_a_waiver_of_an_unknown_rule_suggests_the_closest(tmp_path):
    path = spec(tmp_path)
    path.write_text(path.read_text().replace("li-stack-pressure-failure", "li-stack-pressure-failur"))
    result = run_cli("check", *SELECT, path)
    assert result.returncode == 2
    assert "did you mean mechanics.li-stack-pressure-failure" in result.stdout


def test_an_unused_waiver_is_a_warning(tmp_path):
    result = run_cli("check", *SELECT, "--format", "json", spec(tmp_path, pressure="1 MPa"))
    assert result.returncode == 0  # a warning: fails only with fail-on = "warning"
    unused = findings(result)["waiver.unused"]
    assert unused["severity"] == "warning" and unused["outcome"] == "fail"
    assert "mechanics.li-stack-pressure-failure" in unused["message"] and "remove the waiver" in unused["message"]
    assert run_cli("check", *SELECT, "--fail-on", "warning", spec(tmp_path, pressure="1 MPa")).returncode == 1


def test_a_waiver_of_a_rule_left_out_by_select_is_not_called_unused(tmp_path):
    result = run_cli("check", "--select", "window", "--format", "json", spec(tmp_path))
    assert "waiver.unused" not in findings(result)


def test_waived_findings_are_sarif_results_with_a_suppression(tmp_path):
    result = run_cli("check", *SELECT, "--format", "sarif", spec(tmp_path), cwd=tmp_path)
    results = json.loads(result.stdout)["runs"][0]["results"]
    (waived,) = [r for r in results if r["ruleId"] == "mechanics.li-stack-pressure-failure"]
    assert waived["suppressions"] == [{"kind": "inSource", "status": "accepted",
                                       "justification": "press rig only goes this low"}]


def test_waived_findings_are_neither_annotations_nor_junit_failures(tmp_path):
    path = spec(tmp_path)
    assert run_cli("check", *SELECT, "--format", "github", path).stdout == ""
    junit = run_cli("check", *SELECT, "--format", "junit", path).stdout
    assert "<failure" not in junit and 'message="waived: waived: ' not in junit
    assert "<skipped message=\"waived: " in junit


def test_a_rule_waived_twice_is_an_error_naming_the_first(tmp_path):
    path = spec(tmp_path)
    path.write_text(path.read_text() + WAIVER.format(lines='reason = "a second, different reason"'))
    result = run_cli("check", *SELECT, path)
    assert result.returncode == 2
    assert ":22:1: error: rule mechanics.li-stack-pressure-failure is waived twice" in result.stdout
    assert "the first waiver is at line 18" in result.stdout
