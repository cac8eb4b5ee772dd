"""Static checks: every mistake in a rule file is caught at load time, at file:line:col, with a hint."""
import pytest

from cellrules.errors import ManyErrors
from cellrules.language.check import check_rules
from cellrules.language.parse import parse_rules

HEADER = 'severity warning\n  failure dendrite-penetration\n  because "x"\n  mitigate "y"\n  cite "Section 4"\n'


def rule(rule_id: str, requirement: str, extra: str = "") -> str:
    return f'rule {rule_id} "title" {{\n  require {requirement}\n  {HEADER}{extra}}}\n'


def problems(knowledge, *texts):
    files = [parse_rules(text, f"file{i}.rules") for i, text in enumerate(texts)]
    with pytest.raises(ManyErrors) as caught:
        check_rules(files, knowledge.scale, knowledge.failure_modes.keys())
    return caught.value.problems


def test_a_correct_rule_passes(knowledge):
    files = [parse_rules(rule("mechanics.ok", "electrolyte.shear_modulus >= 2 * anode.shear_modulus"), "ok.rules")]
    checked = check_rules(files, knowledge.scale, knowledge.failure_modes.keys())
    assert [r.id for r in checked.rules] == ["mechanics.ok"]


def test_unknown_field_suggests_the_closest(knowledge):
    (problem,) = problems(knowledge, rule("a.b", "anode.shear_modulos > 1 GPa"))
    assert problem.message == "unknown field 'anode.shear_modulos'"
    assert (problem.location.path, problem.location.line, problem.location.column) == ("file0.rules", 2, 11)
    assert "anode.shear_modulus" in problem.hint


def test_unknown_function_suggests_the_closest(knowledge):
    (problem,) = problems(knowledge, rule("a.b", "knwn(anode.potential)"))
    assert "unknown function 'knwn'" in problem.message and "known" in problem.hint


def test_comparing_conductivity_with_modulus_is_a_dimension_error(knowledge):
    (problem,) = problems(knowledge, rule("a.b", "electrolyte.ionic_conductivity > 4 GPa"))
    assert "cannot compare" in problem.message
    assert "electrical conductivity" in problem.message and "pressure" in problem.message
    assert problem.location.line == 2


def test_adding_incompatible_dimensions(knowledge):
    (problem,) = problems(knowledge, rule("a.b", "electrolyte.ionic_conductivity + 1 MPa > 1 S/cm"))
    assert "incompatible dimensions" in problem.message


def test_potential_against_plain_voltage_asks_for_a_reference(knowledge):
    (problem,) = problems(knowledge, rule("a.b", "cathode.potential <= 4 V"))
    assert "vs Li/Li+" in problem.hint


def test_undefined_derived_value(knowledge):
    (problem,) = problems(knowledge, rule("a.b", "modulus_ration >= 2"))
    assert "undefined name 'modulus_ration'" in problem.message


def test_cycle_among_derived_values_is_printed(knowledge):
    text = "let a = b + 1 MPa\nlet b = a - 1 MPa\n" + rule("a.b", "a > 1 MPa")
    messages = [p.message for p in problems(knowledge, text)]
    assert any("dependency cycle: a -> b -> a" in m or "dependency cycle: b -> a -> b" in m for m in messages)


def test_cycle_among_rules_is_printed(knowledge):
    text = rule("a.one", "true", "  needs a.two\n") + rule("a.two", "true", "  needs a.one\n")
    (problem,) = problems(knowledge, text)
    assert "dependency cycle: a.one -> a.two -> a.one" in problem.message


def test_duplicate_rule_id_names_both_places(knowledge):
    (problem,) = problems(knowledge, rule("a.same", "true"), rule("a.same", "false"))
    assert problem.message == "duplicate rule id a.same"
    assert problem.location.path == "file1.rules"
    assert "file0.rules:1" in problem.hint


def test_unknown_failure_mode_suggests_the_closest(knowledge):
    text = rule("a.b", "true").replace("dendrite-penetration", "dendrite-penetrations")
    (problem,) = problems(knowledge, text)
    assert problem.message == "unknown failure mode 'dendrite-penetrations'"
    assert "dendrite-penetration" in problem.hint
    assert problem.location.line == 4


def test_word_outside_a_vocabulary(knowledge):
    (problem,) = problems(knowledge, rule("a.b", 'electrolyte.class == "sulfde"'))
    assert "'sulfde' is not a value" in problem.message and "sulfide" in problem.hint


def test_unknown_rule_dependency(knowledge):
    (problem,) = problems(knowledge, rule("a.b", "true", "  needs window.anode-reductio\n"))
    assert "unknown rule window.anode-reductio" in problem.message


def test_every_rule_needs_its_explanation(knowledge):
    text = 'rule a.b "t" {\n  require true\n  severity error\n  failure short-circuit\n}\n'
    messages = {p.message for p in problems(knowledge, text)}
    assert {"rule a.b has no 'because' clause", "rule a.b has no 'cite' clause",
            "rule a.b has no 'mitigate' clause"} <= messages


def test_requirement_must_be_a_condition(knowledge):
    (problem,) = problems(knowledge, rule("a.b", "anode.shear_modulus * 2"))
    assert "'require' needs a true/false condition" in problem.message


def test_all_problems_are_reported_at_once(knowledge):
    text = rule("a.one", "anode.nope > 1 MPa") + rule("a.two", "electrolyte.ionic_conductivity > 1 GPa")
    assert len(problems(knowledge, text)) == 2


def test_given_takes_a_spec_field(knowledge):
    (problem,) = problems(knowledge, "let x = anode.shear_modulus\n" + rule("a.b", "given(x)"))
    assert problem.message.startswith("given() takes a spec field")
