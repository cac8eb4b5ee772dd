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
