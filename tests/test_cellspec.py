"""Cell specs: loading, the errors cell-spec.md promises, units, potentials and materials."""
import pytest

from cellrules.errors import ManyErrors, SpecError
from cellrules.cellspec import fields as F
from cellrules.cellspec.load import load_spec
from cellrules.cellspec.resolve import resolve

from conftest import CELL_LI, outcome


def problems_of(knowledge, path):
    with pytest.raises((ManyErrors, SpecError)) as caught:
        load_spec(path, knowledge)
    error = caught.value
    return error.problems if isinstance(error, ManyErrors) else [error]


def value(knowledge, path, field):
    resolved = resolve(load_spec(path, knowledge), knowledge)
    return resolved.values[F.SLOT[field]], resolved.provenance[F.SLOT[field]]


def test_bare_number_asks_for_a_unit(knowledge, write_spec):
    path = write_spec(CELL_LI + "stack_pressure = 5\n")
    (problem,) = problems_of(knowledge, path)
    assert problem.message == "stack_pressure = 5 has no unit"
    assert problem.hint == 'add a unit, e.g. "5 MPa"'
    assert (problem.location.line, problem.location.column) == (7, 1)


def test_wrong_dimension_names_both(knowledge, write_spec):
    (problem,) = problems_of(knowledge, write_spec(CELL_LI + 'stack_pressure = "5 mS/cm"\n'))
    assert problem.message == "stack_pressure: expected a pressure, got an electrical conductivity (5 mS/cm)"


def test_unknown_key_suggests_the_closest(knowledge, write_spec):
    (problem,) = problems_of(knowledge, write_spec(CELL_LI + 'stack_presure = "5 MPa"\n'))
    assert problem.message == "unknown key 'stack_presure' in [cell]"
    assert "stack_pressure" in problem.hint


@pytest.mark.parametrize("line, message", [
    ('[anode]\nmaterial = "Li"\nthickness = "-20 um"\n', "thickness cannot be negative"),
    ('temperature_x = 1\n', "unknown key"),
    ('coulombic_efficiency = 1.2\n', "fraction between 0 and 1"),
])
def test_impossible_values(knowledge, write_spec, line, message):
    text = CELL_LI.replace('temperature = "25 degC"\n', "") + line
    problems = problems_of(knowledge, write_spec(text))
    assert any(message in p.message for p in problems), [p.message for p in problems]


def test_temperature_below_absolute_zero(knowledge, write_spec):
    path = write_spec(CELL_LI.replace('"25 degC"', '"-300 degC"'))
    (problem,) = problems_of(knowledge, path)
    assert "below absolute zero" in problem.message


def test_missing_spec_version_and_cell(knowledge, write_spec):
    messages = [p.message for p in problems_of(knowledge, write_spec('[anode]\nmaterial = "Li"\n'))]
    assert "missing spec_version" in messages and "missing [cell] table" in messages


def test_other_spec_version(knowledge, write_spec):
    (problem,) = problems_of(knowledge, write_spec(CELL_LI.replace("spec_version = 1", "spec_version = 2")))
    assert problem.message == "unsupported spec_version 2" and "1" in problem.hint


def test_malformed_toml_has_line_and_column(knowledge, write_spec):
    (problem,) = problems_of(knowledge, write_spec(CELL_LI + "stack_pressure = 5 MPa\n"))
    assert problem.message.startswith("malformed TOML")
    assert problem.location.line == 7


def test_file_over_one_mebibyte_is_refused_before_parsing(knowledge, tmp_path):
    path = tmp_path / "huge.toml"
    path.write_bytes(b"# " + b"x" * (1024 * 1024) + b"\n")
    (problem,) = problems_of(knowledge, str(path))
    assert "larger than 1024 KiB" in problem.message


def test_non_utf8_bytes(knowledge, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'spec_version = 1\n[cell]\nname = "caf\xe9"\ncarrier = "Li"\n')
    (problem,) = problems_of(knowledge, str(path))
    assert "not UTF-8" in problem.message and problem.location.line == 3


def test_unknown_material_suggests_names_and_custom(knowledge, write_spec):
    (problem,) = problems_of(knowledge, write_spec(CELL_LI + '[electrolyte]\nmaterial = "LLZ0"\n'))
    assert problem.message == "unknown electrolyte material 'LLZ0'"
    assert "LLZO" in problem.hint and "custom = true" in problem.hint


def test_custom_electrolyte_needs_state_and_class(knowledge, write_spec):
    problems = problems_of(knowledge, write_spec(CELL_LI + '[electrolyte]\nmaterial = "X"\ncustom = true\n'))
    assert {p.message for p in problems} == {"a custom electrolyte must give state", "a custom electrolyte must give class"}


@pytest.mark.parametrize("name", ["LLZO", "llzo", "Ta-LLZO", "Li7La3Zr2O12", "Li6.4La3Zr1.4Ta0.6O12"])
def test_materials_resolve_by_name_alias_formula_and_family(knowledge, name):
    match = knowledge.lookup("electrolyte", name)
    assert match is not None and match.entry.formula.startswith("Li7")


def test_formula_in_another_element_order_resolves(knowledge):
    a = knowledge.lookup("cathode", "LiNi0.8Mn0.1Co0.1O2")
    b = knowledge.lookup("cathode", "LiNi0.8Co0.1Mn0.1O2")
    c = knowledge.lookup("cathode", "NMC811")
    assert a.entry is b.entry is c.entry


def test_family_member_provenance_says_so(knowledge, write_spec):
    path = write_spec(CELL_LI + '[electrolyte]\nmaterial = "Li6.75La3Zr1.75Ta0.25O12"\n')
    _, provenance = value(knowledge, path, "electrolyte.shear_modulus")
    assert "family member" in provenance.source and "x = 0.25" in provenance.source


def test_spec_value_overrides_the_knowledge_base(knowledge, write_spec):
    path = write_spec(CELL_LI + '[electrolyte]\nmaterial = "LLZO"\nshear_modulus = "50 GPa"\n')
    modulus, provenance = value(knowledge, path, "electrolyte.shear_modulus")
    assert modulus == pytest.approx(50e9)
    assert provenance.source == f"spec: {path}:9"


def test_homo_lumo_in_ev_become_potentials_vs_li(knowledge, write_spec):
    path = write_spec(CELL_LI + '[electrolyte]\nmaterial = "X"\ncustom = true\nstate = "solid"\nclass = "oxide"\n'
                      'homo = "-6.9 eV"\nlumo = "-1.2 eV"\n')
    homo, _ = value(knowledge, path, "electrolyte.homo")
    lumo, _ = value(knowledge, path, "electrolyte.lumo")
    lithium = knowledge.scale.to_she(0.0, "Li/Li+")
    # U vs SHE = -E/e - 4.44 V; then vs Li/Li+ subtract Li's standard potential.
    assert homo - lithium == pytest.approx(6.9 - 4.44 - lithium)
    assert lumo - lithium == pytest.approx(1.2 - 4.44 - lithium)
    assert homo == pytest.approx(2.46)


NA_CELL = '''
spec_version = 1

[cell]
name = "Na cell: window vs Na/Na+, cathode vs SHE"
carrier = "Na"

[anode]
material = "Na"

[electrolyte]
material = "test electrolyte"
custom = true
state = "solid"
class = "sulfide"
window = { low = "0.0 V", high = "3.5 V", vs = "Na/Na+" }

[cathode]
material = "test cathode"
custom = true
potential = "{potential} V vs SHE"
'''


def test_window_vs_sodium_against_cathode_vs_she(check, knowledge):
    sodium = knowledge.scale.to_she(0.0, "Na/Na+")
    above = 3.6 + sodium   # 3.6 V vs Na/Na+ written vs SHE: outside a 3.5 V window
    below = 3.4 + sodium
    assert outcome(check(NA_CELL.replace("{potential}", f"{above:.3f}")), "window.cathode-oxidation") == "fail"
    assert outcome(check(NA_CELL.replace("{potential}", f"{below:.3f}")), "window.cathode-oxidation") == "pass"
    assert outcome(check(NA_CELL.replace("{potential}", f"{below:.3f}")), "window.anode-reduction") == "pass"


def test_unknown_reference_electrode_suggests(knowledge, write_spec):
    path = write_spec(CELL_LI + '[cathode]\nmaterial = "LiCoO2"\npotential = "4.2 V vs Li/Na+"\n')
    (problem,) = problems_of(knowledge, path)
    assert "potential" in problem.message


def test_potential_without_reference_is_versus_the_carrier(knowledge, write_spec):
    path = write_spec(CELL_LI + '[cathode]\nmaterial = "LiCoO2"\npotential = "4.2 V"\n')
    potential, _ = value(knowledge, path, "cathode.potential")
    assert potential == pytest.approx(knowledge.scale.to_she(4.2, "Li/Li+"))


def test_every_problem_of_a_file_is_reported(knowledge, write_spec):
    path = write_spec(CELL_LI + 'stack_pressure = 5\ncurrent_density = "1 MPa"\n')
    assert len(problems_of(knowledge, path)) == 2


def test_a_quantity_accepted_for_one_field_is_judged_afresh_for_another(knowledge, write_spec):
    """Accepted quantity strings are remembered per field: the same text is still refused where it does
    not fit, in every spec that writes it, at that spec's own line."""
    good = write_spec(CELL_LI + 'stack_pressure = "5 MPa"\n')
    assert value(knowledge, good, "cell.stack_pressure")[0] == 5e6
    wrong_field = CELL_LI.replace('temperature = "25 degC"', 'temperature = "5 MPa"')
    for _ in range(2):
        (problem,) = problems_of(knowledge, write_spec(wrong_field))
        assert problem.message == "temperature: expected a temperature, got a pressure (5 MPa)"


def test_a_refused_quantity_is_reported_in_every_spec_that_writes_it(knowledge, write_spec):
    for extra in ("", "# a comment moves the key down a line\n"):
        path = write_spec(CELL_LI + extra + 'stack_pressure = "-5 MPa"\n')
        (problem,) = problems_of(knowledge, path)
        assert "cannot be negative" in problem.message
        lines = open(path, encoding="utf-8").read().splitlines()
        assert lines[problem.location.line - 1] == 'stack_pressure = "-5 MPa"'
