"""A cell as a stack of layers: several electrolyte layers, each interface judged against both neighbours."""
from __future__ import annotations

import pytest

from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.engine.ruleset import build_ruleset
from cellrules.errors import ManyErrors
from cellrules.cellspec.load import load_spec
from cellrules.resources import builtin_rules_dir
from conftest import CELL_LI, outcome

ONE_LAYER = CELL_LI + """
[anode]
material = "Li"

[electrolyte]
material = "LGPS"

[cathode]
material = "NMC811"
potential = "4.3 V vs Li/Li+"
"""


def finding(result, rule_id):
    return next(f for f in result.findings if f.rule == rule_id or rule_id in f.superseded)


def test_a_one_layer_array_is_judged_like_an_electrolyte_table(check):
    table = check(ONE_LAYER)
    array = check(ONE_LAYER.replace("[electrolyte]", "[[electrolyte]]"))
    assert [(f.rule, f.outcome, f.message) for f in table.findings] == \
        [(f.rule, f.outcome, f.message) for f in array.findings]


def test_the_anode_side_rules_judge_the_layer_touching_the_anode(check):
    # LGPS is reduced to a mixed conductor by Li; behind a Li6PS5Cl layer it never meets Li.
    direct = check(ONE_LAYER)
    protected = check(ONE_LAYER.replace('[electrolyte]\nmaterial = "LGPS"',
                                        '[[electrolyte]]\nmaterial = "Li6PS5Cl"\n\n[[electrolyte]]\nmaterial = "LGPS"'))
    assert outcome(direct, "interphase.mixed-conducting") == "fail"
    assert outcome(protected, "interphase.mixed-conducting") == "pass"  # its products passivate
    assert "Li6PS5Cl" in finding(protected, "window.anode-reduction").message


def test_the_cathode_side_rules_judge_the_layer_touching_the_cathode(check):
    stack = ONE_LAYER.replace('[electrolyte]\nmaterial = "LGPS"', """[[electrolyte]]
material = "Li6PS5Cl"

[[electrolyte]]
material = "halide-catholyte"
custom = true
state = "solid"
class = "halide"
window = { low = "2.4 V", high = "4.3 V", vs = "Li/Li+" }""")
    result = check(stack)
    assert outcome(result, "window.cathode-oxidation") == "pass"
    assert outcome(result, "cathode.space-charge-layer") == "not-applicable"
    assert outcome(check(ONE_LAYER.replace("LGPS", "Li6PS5Cl")), "cathode.space-charge-high-voltage") == "fail"


def test_inputs_are_named_by_layer_in_a_stack(check):
    result = check(CELL_LI + """
[anode]
material = "Li"

[[electrolyte]]
material = "LLZO"
thickness = "50 um"

[[electrolyte]]
material = "slow-polymer"
custom = true
state = "polymer"
class = "polymer"
ionic_conductivity = "1e-7 S/cm"
thickness = "20 um"
""")
    slow = finding(result, "transport.ionic-conductivity-bulk")
    assert slow.outcome == "fail" and slow.message.startswith("slow-polymer conducts about 1.0e-07 S/cm")
    names = {i.name for i in slow.inputs}
    assert "electrolyte.2.ionic_conductivity" in names and "electrolyte.1.ionic_conductivity" not in names
    assert slow.line == 18  # the judged layer: its state, the first input, is given there


def test_area_specific_resistance_adds_up_the_layers(check):
    template = CELL_LI + """
current_density = "1 mA/cm^2"

[anode]
material = "Li"

[[electrolyte]]
material = "film"
custom = true
state = "solid"
class = "oxide"
ionic_conductivity = "1e-6 S/cm"
thickness = "{film}"

[[electrolyte]]
material = "LLZO"
thickness = "30 um"
"""
    assert outcome(check(template.replace("{film}", "1 um")), "transport.area-specific-resistance") == "pass"
    assert outcome(check(template.replace("{film}", "15 um")), "transport.area-specific-resistance") == "fail"


def test_an_interlayer_between_two_layers_separates_them(check):
    base = CELL_LI + """
[anode]
material = "Li-In"

[[electrolyte]]
material = "Li6PS5Cl"

[[electrolyte]]
material = "Li3InCl6"
"""
    assert outcome(check(base), "stack.interface-reaction") == "fail"
    coated = base + '\n[[interlayer]]\nmaterial = "LiNbO3"\nbetween = ["electrolyte.1", "electrolyte.2"]\n'
    assert outcome(check(coated), "stack.interface-reaction") == "pass"


def test_windows_that_do_not_overlap_form_an_interphase_between_layers(check):
    def stack(high):
        return CELL_LI + f"""
[[electrolyte]]
material = "a"
custom = true
state = "solid"
class = "oxide"
window = {{ low = "0 V", high = "{high}", vs = "Li/Li+" }}

[[electrolyte]]
material = "b"
custom = true
state = "solid"
class = "oxide"
window = {{ low = "2.5 V", high = "4.5 V", vs = "Li/Li+" }}
"""
    assert outcome(check(stack("3 V")), "stack.interface-windows") == "pass"
    assert outcome(check(stack("2 V")), "stack.interface-windows") == "fail"


@pytest.mark.parametrize("between, message", [
    ('["anode", "electrolyte.2"]', "between 'anode' and 'electrolyte.2': the two sides are not adjacent in the stack"),
    ('["electrolyte.3", "cathode"]', "between: 'electrolyte.3' is not one of the accepted values"),
    ('["electrolyte", "electrolyte"]', "between 'electrolyte' and 'electrolyte': the two sides are not adjacent"),
    ('["anode"]', "between names the two sides of the interface, got 1"),
])
def test_between_names_two_adjacent_members_of_the_stack(knowledge, write_spec, between, message):
    path = write_spec(CELL_LI + f"""
[[electrolyte]]
material = "Li6PS5Cl"

[[electrolyte]]
material = "Li3InCl6"

[[interlayer]]
material = "LiNbO3"
between = {between}
""")
    with pytest.raises(ManyErrors) as caught:
        load_spec(path, knowledge)
    assert any(message in p.message for p in caught.value.problems), [p.message for p in caught.value.problems]
    assert all(p.location.line == 16 for p in caught.value.problems)


def test_bare_electrolyte_in_between_is_the_layer_next_to_the_electrode(knowledge, write_spec):
    spec = load_spec(write_spec(CELL_LI + """
[[electrolyte]]
material = "Li6PS5Cl"

[[electrolyte]]
material = "Li3InCl6"

[[interlayer]]
material = "LiNbO3"
between = ["cathode", "electrolyte"]

[[interlayer]]
material = "Li3PO4"
between = ["electrolyte.1", "electrolyte.2"]
"""), knowledge)
    assert [layer.interface for layer in spec.interlayers] == [2, 1]
    assert [layer.values["between"].value for layer in spec.interlayers] == \
        [("cathode", "electrolyte"), ("electrolyte", "electrolyte")]


def test_a_conductivity_given_without_its_temperature_holds_at_the_cell_temperature(check):
    result = check(CELL_LI + """
[electrolyte]
material = "my-polymer"
custom = true
state = "polymer"
class = "polymer"
ionic_conductivity = "1e-6 S/cm"
""")
    slow = finding(result, "transport.ionic-conductivity-bulk")
    assert slow.outcome == "fail"
    source = next(i.source for i in slow.inputs if i.name == "electrolyte.conductivity_temperature")
    assert "without conductivity_temperature, so it holds at the cell's temperature" in source


@pytest.mark.parametrize("formula, dopant, x", [
    ("Li6.4Ga0.2La3Zr2O12", "Ga", "0.2"), ("Li6.25Al0.25La3Zr2O12", "Al", "0.25"),
    ("Li6.4La3Zr1.4Ta0.6O12", "Ta", "0.6"), ("Li6.75La3Zr1.75Nb0.25O12", "Nb", "0.25"),
    ("Li6.5La3Zr1.75Te0.25O12", "Te", "0.25"), ("Li6.7La3Zr2Al0.1O12", "Al", "0.1"),
])
def test_every_documented_dopant_of_a_family_resolves_with_its_amount(knowledge, formula, dopant, x):
    match = knowledge.lookup("electrolyte", formula)
    assert match.entry.name == "Li7La3Zr2O12"
    assert f"{dopant}-doped, x = {x}" in match.how


LAYER_RULES = """
let electrolyte.sheet_resistance = electrolyte.thickness / electrolyte.ionic_conductivity

rule lab.layer-resistance "Every layer below 10 ohm cm2" {
  each layer
  require electrolyte.sheet_resistance < 10 ohm*cm^2
  severity warning
  failure low-ionic-conductivity
  message "{electrolyte.material} has {electrolyte.sheet_resistance}"
  because "b"
  mitigate "m"
  cite "c"
}

rule lab.stack-resistance "Stack below 10 ohm cm2" {
  require sum(l in electrolyte_layers: l.sheet_resistance) < 10 ohm*cm^2
  severity warning
  failure low-ionic-conductivity
  because "b"
  mitigate "m"
  cite "c"
}
"""


def test_per_layer_values_and_rules_in_a_lab_pack(tmp_path, write_spec):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "lab.rules").write_text(LAYER_RULES, encoding="utf-8")
    ruleset = build_ruleset([builtin_rules_dir(), tmp_path / "pack"])
    spec = write_spec(CELL_LI + """
[[electrolyte]]
material = "a"
custom = true
state = "solid"
class = "oxide"
ionic_conductivity = "1e-3 S/cm"
thickness = "50 um"

[[electrolyte]]
material = "b"
custom = true
state = "solid"
class = "oxide"
ionic_conductivity = "1e-4 S/cm"
thickness = "8 um"
""")
    result = check_file(ruleset, spec, CheckOptions(include_all=True))
    layer, stack = finding(result, "lab.layer-resistance"), finding(result, "lab.stack-resistance")
    assert layer.outcome == "pass" and stack.outcome == "fail"   # 5 + 8 ohm cm2 in series
    assert {"electrolyte.1.sheet_resistance", "electrolyte.2.sheet_resistance"} <= {i.name for i in stack.inputs}


@pytest.mark.parametrize("text, message", [
    ("let electrolyte.x = cathode_electrolyte.thickness\n", "a per-layer value reads its own layer as electrolyte.*"),
    ("let y = anode.thickness\nlet electrolyte.x = y\n", "a per-layer value cannot read the derived value 'y'"),
    ("let anode.x = anode.thickness\n", "cannot define 'anode.x'"),
])
def test_per_layer_values_read_their_own_layer(tmp_path, text, message):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "lab.rules").write_text(text, encoding="utf-8")
    with pytest.raises(ManyErrors) as caught:
        build_ruleset([builtin_rules_dir(), tmp_path / "pack"])
    assert any(message in p.message for p in caught.value.problems), [p.message for p in caught.value.problems]
