"""The rule language's syntax: what parses, and how syntax errors read."""
import pytest

from cellrules import units
from cellrules.errors import RuleError
from cellrules.language import ast
from cellrules.language.parse import parse_rules

RULE = '''
let ratio = electrolyte.shear_modulus / anode.shear_modulus

rule mechanics.demo-rule "A demo" "continued" {
  carriers Li, Na
  applies anode.kind == "metal" and electrolyte.state in {"solid", "polymer"}
  require ratio >= 2 and cathode.potential <= 4.0 V vs Li/Li+ and electrolyte.ionic_conductivity > 1e-4 S/cm
  severity warning
  failure dendrite-penetration
  needs window.anode-reduction
  because "why"
  mitigate "one"
  mitigate "two"
  cite "Section 4.2, refs [8,9]"
}
'''


def test_a_rule_parses_into_typed_nodes():
    parsed = parse_rules(RULE, "demo.rules")
    (derive,) = parsed.derives
    (rule,) = parsed.rules
    assert derive.name == "ratio" and isinstance(derive.expression, ast.Arithmetic)
    assert rule.id == "mechanics.demo-rule"
    assert rule.title == "A demo continued"
    assert rule.carriers == ("Li", "Na")
    assert rule.needs == ("window.anode-reduction",)
    assert rule.mitigations == ("one", "two")
    assert rule.location.line == 4 and rule.location.column == 6
    assert rule.requirement_source.startswith("ratio >= 2")


def test_unit_literals_fold_to_si_floats():
    rule = parse_rules(RULE, "demo.rules").rules[0]
    conductivity = rule.requirement.right.right  # ... > 1e-4 S/cm
    assert isinstance(conductivity, ast.Quantity)
    assert conductivity.value == pytest.approx(1e-2)  # 1e-4 S/cm = 1e-2 S/m
    assert conductivity.dimension == units.CONDUCTIVITY


def test_potential_literal_keeps_its_reference():
    rule = parse_rules(RULE, "demo.rules").rules[0]
    potential = rule.requirement.left.right.right
    assert isinstance(potential, ast.PotentialLiteral)
    assert potential.volts == 4.0 and potential.reference == "Li/Li+"


def test_precedence_and_binds_tighter_than_or():
    parsed = parse_rules('rule a.b "t" { require known(cell.name) or known(cell.source) and false }', "p.rules")
    requirement = parsed.rules[0].requirement
    assert isinstance(requirement, ast.BoolOp) and requirement.operator == "or"
    assert requirement.right.operator == "and"


def test_keyword_after_a_bare_number_is_not_a_unit():
    parsed = parse_rules('rule a.b "t" { require cell.cycles >= 2 and cell.cycles < 5 }', "p.rules")
    assert parsed.rules[0].requirement.operator == "and"


def test_quantifier_over_interlayers():
    parsed = parse_rules('rule a.b "t" { require any(i in interlayer: i.class == "cathode-coating" '
                         'and "cathode" in i.between) }', "p.rules")
    quantifier = parsed.rules[0].requirement
    assert isinstance(quantifier, ast.Quantifier) and quantifier.kind == "any" and quantifier.variable == "i"


def test_syntax_error_names_file_line_column_and_expected_tokens():
    with pytest.raises(RuleError) as caught:
        parse_rules('rule a.b "t" {\n  require anode.potential >=\n}\n', "bad.rules")
    error = caught.value
    assert (error.location.path, error.location.line, error.location.column) == ("bad.rules", 3, 1)
    assert "unexpected '}'" in error.message
    assert "a number" in error.hint and "a name" in error.hint


def test_unknown_character_is_a_syntax_error():
    with pytest.raises(RuleError) as caught:
        parse_rules('rule a.b "t" { require cell.cycles >= 2 ; }', "bad.rules")
    assert caught.value.location.column == 41
    assert "unexpected character ';'" in caught.value.message


def test_unknown_unit_in_a_literal_points_at_the_token():
    with pytest.raises(RuleError) as caught:
        parse_rules('rule a.b "t" { require cell.stack_pressure <= 5 bananas }', "bad.rules")
    assert caught.value.location.line == 1
    assert "bananas" in caught.value.message


def test_a_clause_given_twice_is_rejected():
    with pytest.raises(RuleError, match="two 'severity' clauses"):
        parse_rules('rule a.b "t" {\n severity error\n severity warning\n require true }', "bad.rules")


def test_file_ending_inside_a_rule():
    with pytest.raises(RuleError) as caught:
        parse_rules('rule a.b "t" {\n require true\n', "bad.rules")
    assert "unexpected end of file" in caught.value.message or "ends inside" in caught.value.message


@pytest.mark.parametrize("name", ["allowed", "summary", "counter", "anything", "all_x"])
def test_a_name_that_starts_with_a_quantifier_word_stays_a_name(name):
    parsed = parse_rules(f'let {name} = 1\nlet y = {name} + count(i in interlayer: true)\n', "q.rules")
    used = parsed.derives[1].expression
    assert isinstance(used.left, ast.Name) and used.left.parts == (name,)
    assert isinstance(used.right, ast.Quantifier) and used.right.kind == "count"
