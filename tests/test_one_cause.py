"""One root cause, one finding: `supersedes` hides a finding another explains; `distinct` records two causes."""
from __future__ import annotations

import pytest

from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.engine.ruleset import build_ruleset
from cellrules.errors import ManyErrors
from cellrules.resources import builtin_rules_dir
from conftest import CELL_LI


def rule(rule_id, guard, requirement, severity="warning", extra=""):
    return f'''
rule {rule_id} "title" {{
  {extra}
  applies {guard}
  require {requirement}
  severity {severity}
  failure metal-creep
  because "b"
  mitigate "m"
  cite "c"
}}
'''


def pack(tmp_path, text):
    (tmp_path / "pack").mkdir(exist_ok=True)
    (tmp_path / "pack" / "lab.rules").write_text(text, encoding="utf-8")
    return [builtin_rules_dir(), tmp_path / "pack"]


def test_a_superseding_failure_hides_the_one_it_explains(tmp_path, write_spec):
    ruleset = build_ruleset(pack(tmp_path, rule("lab.soft", "known(cell.stack_pressure)", "cell.stack_pressure < 5 MPa")
                                 + rule("lab.hard", "known(cell.stack_pressure) and true", "cell.stack_pressure < 9 MPa",
                                        extra="supersedes lab.soft")))
    spec = write_spec(CELL_LI + 'stack_pressure = "{p}"\n'.format(p="10 MPa"))
    findings = {f.rule: f for f in check_file(ruleset, spec, CheckOptions()).findings}
    assert "lab.soft" not in findings and findings["lab.hard"].superseded == ("lab.soft",)
    assert findings["lab.hard"].message.endswith("[supersedes lab.soft]")
    spec = write_spec(CELL_LI + 'stack_pressure = "6 MPa"\n')
    shown = {f.rule for f in check_file(ruleset, spec, CheckOptions()).findings}
    assert "lab.soft" in shown and "lab.hard" not in shown  # the stronger one passed: the weaker speaks


def test_a_superseded_superseder_hands_on_what_it_replaced(tmp_path, write_spec):
    # lab.top hides lab.mid, which hid lab.low: the one finding shown names both, so a reader (and
    # the case tests) still learn that lab.low failed.
    ruleset = build_ruleset(pack(tmp_path,
        rule("lab.low", "known(cell.stack_pressure)", "cell.stack_pressure < 5 MPa")
        + rule("lab.mid", "known(cell.stack_pressure) and true", "cell.stack_pressure < 7 MPa", extra="supersedes lab.low")
        + rule("lab.top", "known(cell.stack_pressure) and true and true", "cell.stack_pressure < 9 MPa",
               extra="supersedes lab.mid")))
    spec = write_spec(CELL_LI + 'stack_pressure = "10 MPa"\n')
    findings = {f.rule: f for f in check_file(ruleset, spec, CheckOptions()).findings}
    assert "lab.low" not in findings and "lab.mid" not in findings
    assert findings["lab.top"].superseded == ("lab.low", "lab.mid")
    spec = write_spec(CELL_LI + 'stack_pressure = "8 MPa"\n')
    findings = {f.rule: f for f in check_file(ruleset, spec, CheckOptions()).findings}
    assert "lab.top" not in findings and findings["lab.mid"].superseded == ("lab.low",)


@pytest.mark.parametrize("text, message", [
    (rule("lab.a", "true", "true", "warning", "supersedes lab.b") + rule("lab.b", "false", "true", "error"),
     "rule lab.a (warning) cannot supersede lab.b (error)"),
    (rule("lab.a", "true", "true", "warning", "supersedes lab.nope"), "rule lab.a names unknown rule lab.nope in `supersedes`"),
    (rule("lab.a", "cell.name == \"x\"", "true") + rule("lab.b", "cell.name  ==  \"x\"", "false"),
     "rules lab.a and lab.b apply under the same guard and can fail together"),
])
def test_links_between_rules_are_checked(tmp_path, text, message):
    with pytest.raises(ManyErrors) as caught:
        build_ruleset(pack(tmp_path, text))
    assert any(message in p.message for p in caught.value.problems), [p.message for p in caught.value.problems]


def test_rules_under_one_guard_may_be_declared_two_causes(tmp_path):
    build_ruleset(pack(tmp_path, rule("lab.a", "cell.name == \"x\"", "true")
                       + rule("lab.b", "cell.name == \"x\"", "false", extra='distinct lab.a "different mechanism"')))
