"""The coverage map of the review's criteria: generated, current, and with nothing missing."""
import pytest

from cellrules.errors import Location, ManyErrors
from cellrules.report.coverage import Criterion, check_mapping

from conftest import REPO, run_cli


def test_checked_in_coverage_map_is_current():
    result = run_cli("rules", "coverage")
    assert result.returncode == 0, result.stderr
    assert (REPO / "rules" / "COVERAGE.md").read_text(encoding="utf-8") == result.stdout, \
        "regenerate with: cellrules rules coverage -o rules/COVERAGE.md"


def test_no_checkable_criterion_is_missing_without_a_reason():
    text = run_cli("rules", "coverage").stdout
    assert "**MISSING**" not in text
    assert ", 0 missing." in text


def test_a_criterion_naming_an_unknown_rule_is_an_error(ruleset):
    criterion = Criterion("x", "s", "L1", "statement", ("sei.thicknes",), "", Location("coverage.toml", 7, 1))
    with pytest.raises(ManyErrors) as caught:
        check_mapping([criterion], ruleset.by_id)
    (problem,) = caught.value.problems
    assert problem.message == "criterion x names unknown rule sei.thicknes"
    assert "sei.thickness" in problem.hint and problem.location.line == 7


def test_an_unwritable_output_is_an_error_not_silence(tmp_path):
    target = tmp_path / "no-such-folder" / "COVERAGE.md"
    result = run_cli("rules", "coverage", "-o", target)
    assert result.returncode == 2
    assert f"{target}: error: cannot write the coverage map" in result.stderr


def test_dormant_listing_of_the_shipped_specs_is_empty():
    """Every rule fails on some shipped case or example: none is dormant."""
    result = run_cli("rules", "coverage", "--dormant")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("0 of ") and "rules fail on none of" in first


def test_dormant_listing_names_the_rules_and_the_inputs_they_lack(tmp_path):
    spec = tmp_path / "bare.toml"
    spec.write_text('spec_version = 1\n[cell]\nname = "bare"\ncarrier = "Li"\n[anode]\nmaterial = "Li"\n', encoding="utf-8")
    result = run_cli("rules", "coverage", "--dormant", "--specs", spec)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    count = int(lines[0].split()[0])
    assert count > 0 and lines[0].endswith("rules fail on none of 1 specs")
    rule_lines = [line for line in lines[1:] if not line.startswith("    ")]
    assert len(rule_lines) == count
    # the melting-point rule cannot decide a spec without a temperature and says what it lacks
    index = next(i for i, line in enumerate(lines) if line.startswith("thermal.anode-melting:"))
    assert lines[index] == "thermal.anode-melting: unknown 1"
    assert lines[index + 1].startswith("    lacks: ") and "cell.temperature" in lines[index + 1]
