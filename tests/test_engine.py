"""Engine outcomes: pass, fail, unknown (naming inputs), skipped (naming the prerequisite), refinements."""
import ast as python_ast
import textwrap

import pytest

from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.engine.ruleset import build_ruleset
from cellrules.language.compile import RUNTIME
from cellrules.resources import builtin_rules_dir

from conftest import CELL_LI, TODAY, outcome

PACK = '''
rule demo.needs-modulus "Needs the modulus rule" {
  needs mechanics.shear-modulus-ratio
  require cell.stack_pressure <= 100 MPa
  severity error
  failure metal-creep
  because "demo"
  mitigate "demo"
  cite "demo"
}
'''

SOFT_ELECTROLYTE = CELL_LI + '''
[anode]
material = "Li"

[electrolyte]
material = "soft"
custom = true
state = "solid"
class = "oxide"
{extra}
'''


@pytest.fixture(scope="module")
def pack_ruleset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pack")
    (folder / "demo.rules").write_text(PACK)
    return build_ruleset([builtin_rules_dir(), folder])


def run(ruleset, write_spec, text):
    return check_file(ruleset, write_spec(text), CheckOptions(include_all=True, today=TODAY))


def finding(result, rule_id):
    return next(f for f in result.findings if f.rule == rule_id)


def test_missing_input_gives_unknown_naming_it(ruleset, write_spec):
    result = run(ruleset, write_spec, SOFT_ELECTROLYTE.replace("{extra}", ""))
    modulus = finding(result, "mechanics.shear-modulus-ratio")
    assert modulus.outcome == "unknown"
    assert modulus.missing == ("electrolyte.shear_modulus",)
    assert modulus.alternatives == (("electrolyte.shear_modulus",),)
    assert modulus.message.endswith(": needs electrolyte.shear_modulus")


def test_missing_data_names_its_alternatives(ruleset, write_spec):
    # A conductivity away from its measurement temperature needs an activation energy (Arrhenius)
    # or the two VFT parameters: either group decides, so they are offered as alternatives.
    result = run(ruleset, write_spec, CELL_LI.replace("25 degC", "60 degC") + """
[electrolyte]
material = "my-oxide"
custom = true
state = "solid"
class = "oxide"
ionic_conductivity = "1e-4 S/cm"
conductivity_temperature = "25 degC"
""")
    bulk = finding(result, "transport.ionic-conductivity-bulk")
    assert bulk.alternatives == (("electrolyte.activation_energy",),
                                 ("electrolyte.vft_pseudo_energy", "electrolyte.vft_t0"))
    assert "needs electrolyte.activation_energy, or electrolyte.vft_pseudo_energy and electrolyte.vft_t0" in bulk.message


def test_text_output_prints_missing_data_in_its_own_channel(ruleset, write_spec):
    from cellrules.report.text import render_text

    result = run(ruleset, write_spec, SOFT_ELECTROLYTE.replace("{extra}", ""))
    lines = render_text([result]).splitlines()
    needs = [line for line in lines if ": needs-data: " in line]
    assert any("mechanics.shear-modulus-ratio" in line and "needs electrolyte.shear_modulus" in line for line in needs)
    assert not any(": warning: " in line and "needs " in line for line in lines)
    assert not any(": skipped: " in line or ": error: " in line and "skipped" in line for line in lines)


def test_dependent_rule_is_skipped_naming_its_prerequisite(pack_ruleset, write_spec):
    result = run(pack_ruleset, write_spec, SOFT_ELECTROLYTE.replace("{extra}", ""))
    skipped = finding(result, "demo.needs-modulus")
    assert skipped.outcome == "skipped"
    assert skipped.prerequisites == ("mechanics.shear-modulus-ratio",)
    assert "mechanics.shear-modulus-ratio (unknown)" in skipped.message
    assert result.status == "incomplete"  # an error-severity rule could not be decided


def test_failed_prerequisite_also_skips(pack_ruleset, write_spec):
    result = run(pack_ruleset, write_spec, SOFT_ELECTROLYTE.replace("{extra}", 'shear_modulus = "1 GPa"'))
    assert finding(result, "mechanics.shear-modulus-ratio").outcome == "fail"
    assert finding(result, "demo.needs-modulus").outcome == "skipped"


def test_passed_prerequisite_lets_the_rule_run(pack_ruleset, write_spec):
    result = run(pack_ruleset, write_spec, SOFT_ELECTROLYTE.replace("{extra}", 'shear_modulus = "20 GPa"'))
    assert finding(result, "mechanics.shear-modulus-ratio").outcome == "pass"
    assert finding(result, "demo.needs-modulus").outcome == "unknown"  # no stack pressure given
    assert finding(result, "demo.needs-modulus").missing == ("cell.stack_pressure",)


def test_inputs_carry_values_with_units_and_provenance(ruleset, write_spec):
    result = run(ruleset, write_spec, SOFT_ELECTROLYTE.replace("{extra}", 'shear_modulus = "1 GPa"'))
    modulus = finding(result, "mechanics.shear-modulus-ratio")
    inputs = {i.name: i for i in modulus.inputs}
    assert inputs["electrolyte.shear_modulus"].value == "1 GPa"
    assert inputs["electrolyte.shear_modulus"].source.startswith("spec: ")
    assert inputs["anode.shear_modulus"].source.startswith("knowledge-base: Li (")
    assert inputs["modulus_ratio"].source.startswith("derived: let modulus_ratio")
    assert modulus.line == 9  # the spec line that selected the first input the rule read (anode.kind via material)


@pytest.mark.parametrize("pressure, expected_rule, severity", [
    ("5 MPa", None, None),
    ("10 MPa", "mechanics.li-stack-pressure-creep", "warning"),
    ("25 MPa", "mechanics.li-stack-pressure-failure", "error"),
    ("80 MPa", "mechanics.li-stack-pressure-short", "error"),
])
def test_one_root_cause_gives_one_finding(ruleset, write_spec, pressure, expected_rule, severity):
    text = CELL_LI + f'stack_pressure = "{pressure}"\n[anode]\nmaterial = "Li"\n[electrolyte]\nmaterial = "Li6PS5Cl"\n'
    result = check_file(ruleset, write_spec(text), CheckOptions(today=TODAY))
    pressure_findings = [f for f in result.findings if f.rule.startswith("mechanics.li-stack-pressure")]
    if expected_rule is None:
        assert pressure_findings == []
    else:
        assert [(f.rule, f.severity) for f in pressure_findings] == [(expected_rule, severity)]


def test_stack_pressure_does_not_apply_to_zinc(ruleset, write_spec):
    text = CELL_LI.replace('"Li"', '"Zn"') + 'stack_pressure = "50 MPa"\n'
    result = run(ruleset, write_spec, text)
    assert outcome(result, "mechanics.li-stack-pressure-creep") == "not-applicable"


def test_evaluation_is_deterministic(ruleset, write_spec):
    path = write_spec(SOFT_ELECTROLYTE.replace("{extra}", 'shear_modulus = "1 GPa"'))
    first = check_file(ruleset, path, CheckOptions(include_all=True, today=TODAY))
    second = check_file(ruleset, path, CheckOptions(include_all=True, today=TODAY))
    assert first.findings == second.findings


def test_generated_code_holds_no_rule_text(tmp_path):
    """Hostile strings in a rule file stay data: they never reach the generated source as code."""
    hostile = '__import__("os").system("touch PWNED")'
    quoted = hostile.replace('"', '\\"')  # as written inside a rule-file string
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "evil.rules").write_text(textwrap.dedent(f'''
        rule evil.strings "{quoted}" {{
          applies cell.name == "{quoted}" or cell.source in {{"{quoted}", "}}; import os"}}
          require cell.name != "\\"); import os; os.system(\\"touch PWNED2\\"); (\\""
          severity info
          failure incomparable-claim
          message "{{cell.name}} {quoted}"
          because "{quoted}"
          mitigate "{quoted}"
          cite "{quoted}"
        }}
    '''))
    ruleset = build_ruleset([builtin_rules_dir(), pack])
    tree = python_ast.parse(ruleset.compiled.source)
    assert not [n for n in python_ast.walk(tree) if isinstance(n, (python_ast.Import, python_ast.ImportFrom,
                                                                   python_ast.Attribute))]
    called = {n.func.id for n in python_ast.walk(tree) if isinstance(n, python_ast.Call)}
    assert called <= set(RUNTIME) | {"len", "min", "max", "next"}
    assert repr(hostile) in ruleset.compiled.source  # present only as a string literal
    spec = tmp_path / "cell.toml"
    spec.write_text(textwrap.dedent(f'''
        spec_version = 1
        [cell]
        name = '{hostile}'
        carrier = "Li"
    '''))
    result = check_file(ruleset, str(spec), CheckOptions(include_all=True, today=TODAY))
    assert outcome(result, "evil.strings") == "pass"  # cell.name == the hostile string: compared, not run
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "PWNED2").exists()
