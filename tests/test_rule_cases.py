"""Golden cases: specs whose expected findings are written in the spec itself.

Every file of examples/ and rules/cases/ may carry expectation comments:

    # expect-fail: interphase.mixed-conducting, mechanics.li-stack-pressure-failure
    # expect-pass: mechanics.shear-modulus-ratio
    # expect-unknown: transport.ionic-conductivity-bulk
    # expect-not-applicable: mechanics.li-stack-pressure-creep
    # expect-status: fail
    # expect-no-error          (no error-severity failure: a well-established working cell)
    # expect-error-mode: mixed-conducting-interphase   (some error-severity failure has this failure mode)
    # expect-info: mechanics.shear-modulus-ratio        (fails, at info severity: context, not a defect)

`expect-fail` of a rule whose failure a refinement replaced still holds. The
last test asserts that every rule of the library passes in some case and fails
in another, so no rule goes untested in either direction.
"""
from pathlib import Path

import pytest

from cellrules.cli.discover import find_specs
from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.engine.examples import expectations

from conftest import EXAMPLES, TODAY

CASES = Path(__file__).resolve().parent.parent / "rules" / "cases"  # shipped: explain --rule shows them
# The specs `cellrules check` itself would find (config files and non-specs such as .taplo.toml are skipped).
SPECS = [Path(p) for p in find_specs([str(EXAMPLES), str(CASES)])]
def outcomes(result) -> dict[str, str]:
    table = {}
    for finding in result.findings:
        table[finding.rule] = finding.outcome
        for replaced in finding.superseded:
            table[replaced] = "fail"
    return table


@pytest.fixture(scope="module")
def results(ruleset):
    return {path: check_file(ruleset, str(path), CheckOptions(include_all=True, today=TODAY)) for path in SPECS}


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(p.parent.parent)))
def test_case_meets_its_expectations(results, path):
    result = results[path]
    expect = expectations(path)
    assert result.status != "error", [str(e) for e in result.errors]
    table = outcomes(result)
    for kind in ("fail", "pass", "unknown", "not-applicable", "skipped", "waived"):
        for rule_id in expect.get(kind, []):
            assert table.get(rule_id) == kind, f"{rule_id}: expected {kind}, got {table.get(rule_id)}"
    for status in expect.get("status", []):
        assert result.status == status
    errors = [f for f in result.findings if f.outcome == "fail" and f.severity == "error"]
    if "no-error" in expect:
        assert errors == [], [f"{f.rule}: {f.message}" for f in errors]
    for rule_id in expect.get("info", []):
        (finding,) = [f for f in result.findings if f.rule == rule_id]
        assert (finding.outcome, finding.severity) == ("fail", "info"), (finding.outcome, finding.severity)
    for mode in expect.get("error-mode", []):
        assert mode in {f.failure_mode for f in errors}, [f"{f.rule} ({f.failure_mode})" for f in errors]


def test_every_case_states_an_expectation():
    """examples/design-repo/ is a sample team repository with tests of its own (tests/test_ci_*.py)."""
    golden = [p for p in SPECS if p.parent in (EXAMPLES, CASES)]
    assert [p for p in golden if not expectations(p)] == []


def test_every_rule_passes_in_a_shipped_case_and_fails_in_another(ruleset, results):
    """The shipped cases alone cover both verdicts: `explain --rule` shows them as the rule's examples."""
    seen: dict[str, set[str]] = {rule.id: set() for rule in ruleset.rules}
    for path, result in results.items():
        if path.parent != CASES:
            continue
        for rule_id, outcome in outcomes(result).items():
            if rule_id in seen:
                seen[rule_id].add(outcome)
    untested = {rule_id: sorted(o) for rule_id, o in seen.items() if not {"pass", "fail"} <= o}
    assert untested == {}, f"rules without both a passing and a failing case: {untested}"
