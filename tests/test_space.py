"""Design-space files: expansion, exclusion and counting, and every mistake reported at its line.

Each bad space is checked for the message, the file:line:col it points at and
the hint, as for specs; a file with several mistakes reports all of them.
"""
from __future__ import annotations

import textwrap
import tomllib

import pytest

from cellrules.errors import CellrulesError, ManyErrors
from cellrules.screening.job import prepare
from cellrules.screening.run import count
from cellrules.screening.space import MAX_INTERLAYERS, class_members, load_space
from cellrules.screening.tomlwrite import document_text
from conftest import run_cli

HEAD = '''space_version = 1

[base.cell]
name = "t"
carrier = "Li"
'''


@pytest.fixture
def write_space(tmp_path):
    def write(text: str, head: str = HEAD) -> str:
        path = tmp_path / "space.toml"
        path.write_text(head + textwrap.dedent(text), encoding="utf-8")
        return str(path)
    return write


def problems(path, ruleset):
    with pytest.raises(CellrulesError) as caught:
        prepare(path, ruleset)
    error = caught.value
    found = error.problems if isinstance(error, ManyErrors) else [error]
    return [(p.location.line, p.location.column, p.message, p.hint) for p in found]


def test_lists_ranges_and_classes_expand(write_space, ruleset):
    path = write_space('''
        [vary]
        "electrolyte.material" = ["LGPS", "class:sulfide"]
        cell.stack_pressure = { from = "1 MPa", to = "100 MPa", steps = 3, scale = "log" }
        "cell.temperature" = { from = "25 degC", to = "85 degC", steps = 4 }
        "interlayer.cathode" = ["none", "class:cathode-coating", { material = "LiNbO3", thickness = "5 nm" }]
    ''')
    space = load_space(path, ruleset.knowledge)
    names = [d.name for d in space.dimensions]
    assert names == ["electrolyte.material", "cell.stack_pressure", "cell.temperature", "interlayer.cathode"]
    electrolytes = [c.label for c in space.dimensions[0].choices]
    sulfides = class_members(ruleset.knowledge, "electrolyte", "material", "sulfide", "Li")
    assert "Li10GeP2S12" in sulfides and len(sulfides) >= 3
    # LGPS is Li10GeP2S12: listed by its alias and again in its class, it is screened once, as written.
    assert electrolytes == ["LGPS"] + [m for m in sulfides if m != "Li10GeP2S12"]
    assert [c.label for c in space.dimensions[1].choices] == ["1 MPa", "10 MPa", "100 MPa"]
    assert [c.label for c in space.dimensions[2].choices] == ["25 degC", "45 degC", "65 degC", "85 degC"]
    layers = [c.label for c in space.dimensions[3].choices]
    assert layers[0] == "none" and "LiNbO3" in layers and 'LiNbO3 { thickness = "5 nm" }' in layers
    coatings = class_members(ruleset.knowledge, "interlayer", "cathode", "cathode-coating", "Li")
    assert "Li3PO4" in coatings  # an artificial SEI on an anode, a cathode coating on a cathode
    assert "Li3PO4" not in class_members(ruleset.knowledge, "interlayer", "anode", "cathode-coating", "Li")


def test_a_candidate_spec_sets_every_choice(write_space, ruleset):
    path = write_space('''
        [[base.interlayer]]
        material = "Li3N"
        between = ["anode", "electrolyte"]

        [vary]
        "interlayer.cathode" = ["none", "LiNbO3"]
        "cell.temperature" = ["25 degC", "60 degC"]
    ''')
    space = load_space(path, ruleset.knowledge)
    data = space.spec_data(space.indexes(3))
    assert data["cell"]["temperature"] == "60 degC"
    assert data["interlayer"] == [{"material": "Li3N", "between": ["anode", "electrolyte"]},
                                  {"material": "LiNbO3", "between": ["cathode", "electrolyte"]}]
    assert "interlayer" in space.spec_data(space.indexes(1)) and len(space.spec_data(space.indexes(1))["interlayer"]) == 1
    assert tomllib.loads(document_text(data, header="a\nb")) == data


@pytest.mark.parametrize("text, line, column, message, hint", [
    ('[vary]\n"cell.stack_presure" = ["5 MPa"]\n', 7, 1, "cannot vary 'cell.stack_presure'", "cell.stack_pressure"),
    ('[vary]\n"cell.stack_pressure" = ["5 MPa", 5]\n', 7, 1, "stack_pressure = 5 has no unit", '"5 MPa"'),
    ('[vary]\n"electrolyte.material" = ["LGSP"]\n', 7, 1, "unknown electrolyte material 'LGSP'", "LGPS"),
    ('[vary]\n"electrolyte.material" = ["class:sulfid"]\n', 7, 1, "unknown electrolyte class 'sulfid'", "sulfide"),
    ('[vary]\n"cell.temperature" = { from = "25 degC", to = "80 degC" }\n', 7, 1, "a range needs steps", "steps"),
    ('[vary]\n"cell.temperature" = { from = "25 degC", to = "350 K", steps = 3 }\n', 7, 1, "must share a unit", "degC"),
    ('[vary]\n"cell.temperature" = { from = "25 degC", to = "80 degC", steps = 3, scael = "log" }\n', 7, 1,
     "unknown key 'scael' in a range", "scale"),
    ('[vary]\n"cell.source" = { from = 1, to = 2, steps = 2 }\n', 7, 1, "is not a number", ""),
    ('[vary]\n"cell.temperature" = []\n', 7, 1, "an empty list varies nothing", ""),
    ('[vary]\n"cell.temperature" = ["5 degC"]\n"cell.temperature" = ["25 degC"]\n', 8, 33, "malformed TOML", ""),
    ('[vary]\n"cell.temperature" = ["5 degC"]\ncell.temperature = ["25 degC"]\n', 8, 1, "cell.temperature is varied twice",
     "line 7"),
    ('[base.waiver]\nrule = "x"\n[vary]\n"cell.temperature" = ["25 degC"]\n', 6, 1, "a space does not take waivers",
     "[[exclude]]"),
    ('[vary]\n"cell.temperature" = "25 degC"\n', 7, 1, "a [vary] value is a list or a range", ""),
    ('[varry]\n"cell.temperature" = ["25 degC"]\n', 6, 1, "unknown key 'varry'", "vary"),
    ('[vary]\n"cell.temperature" = ["25 degC"]\n[[exclude]]\nwhen = \'cell.temperature > 30 degC and\'\n', 9, 36,
     "syntax error", ""),
    ('[vary]\n"cell.temperature" = ["25 degC"]\n[[exclude]]\nwhen = \'cell.temprature > 30 degC\'\n', 9, 9,
     "unknown field 'cell.temprature'", "cell.temperature"),
    ('[vary]\n"cell.temperature" = ["25 degC"]\n[[exclude]]\nwhen = "cell.temperature"\n', 9, 1,
     "must be true or false", ""),
    ('[vary]\n"cell.temperature" = ["25 degC"]\n[[exclude]]\nreason = "x"\n', 8, 1, "an exclude needs a condition", ""),
])
def test_mistakes_are_reported_at_their_line(write_space, ruleset, text, line, column, message, hint):
    found = problems(write_space(text), ruleset)
    assert any(message in m and (not line or (l, c) == (line, column)) and hint in h for l, c, m, h in found), found


def test_the_base_is_checked_like_a_spec(write_space, ruleset):
    path = write_space('''
        stack_pressure = 5
        [base.anode]
        material = "Lithum"
        [vary]
        "cell.temperature" = ["25 degC"]
    ''')
    found = problems(path, ruleset)
    assert any("stack_pressure = 5 has no unit" in m and (l, c) == (7, 1) for l, c, m, _ in found), found
    assert any("unknown anode material 'Lithum'" in m and (l, c) == (9, 1) for l, c, m, _ in found), found


def test_a_class_needs_a_fixed_carrier(write_space, ruleset):
    path = write_space('''
        [vary]
        "cell.carrier" = ["Li", "Na"]
        "electrolyte.material" = ["class:sulfide"]
    ''', head='space_version = 1\n[base.cell]\nname = "t"\n')
    found = problems(path, ruleset)
    assert any("expanded for the cell's carrier" in m for _, _, m, _ in found), found


def test_too_many_interlayers_are_refused(write_space, ruleset):
    layers = "".join('[[base.interlayer]]\nmaterial = "LiNbO3"\nbetween = ["cathode", "electrolyte"]\n'
                     for _ in range(MAX_INTERLAYERS))
    path = write_space(layers + '[vary]\n"interlayer.anode" = ["none", "Li3N"]\n')
    found = problems(path, ruleset)
    assert any(f"at most {MAX_INTERLAYERS} are screened" in m for _, _, m, _ in found), found


def test_exclude_conditions_prune_and_count(write_space, ruleset, tmp_path):
    path = write_space('''
        [vary]
        "anode.material" = ["Li", "Li-In", "Li-Al"]
        "electrolyte.material" = ["LGPS", "Li6PS5Cl", "LLZO"]
        "cell.stack_pressure" = ["1 MPa", "5 MPa", "30 MPa", "80 MPa"]
        "cell.temperature" = ["25 degC", "60 degC"]

        [[exclude]]
        when = 'anode.kind == "alloy" and cell.stack_pressure > 50 MPa'
        reason = "alloy foils are not pressed that hard"

        [[exclude]]
        when = 'electrolyte.class == "garnet" and anode.material == "Li-Al"'
    ''')
    job = prepare(path, ruleset)
    # alloys (2) x 80 MPa (1) x 3 electrolytes x 2 temperatures = 12; LLZO x Li-Al x 3 other pressures x 2 = 6
    assert count(job) == 72 - 12 - 6
    out = tmp_path / "r.jsonl"
    assert run_cli("screen", path, "-o", out).returncode == 0
    rows = [__import__("json").loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 54
    assert not any(r["anode.material"] != "Li" and r["cell.stack_pressure"] == "80 MPa" for r in rows)
    done = run_cli("screen", path, "--count")
    assert done.stdout == "54\n"
    materialized = run_cli("screen", path, "--materialize", "71")
    assert materialized.returncode == 0 and "alloy foils are not pressed that hard" in materialized.stderr


def test_an_unknown_exclude_value_excludes_nothing(write_space, ruleset):
    path = write_space('''
        [vary]
        "electrolyte.material" = ["LGPS", "LLZO"]
        [[exclude]]
        when = "electrolyte.shear_modulus > 10 GPa"
    ''')
    # LGPS has no shear modulus in the knowledge base: unknown is not a reason to leave it out.
    assert count(prepare(path, ruleset)) == 1


STACK = HEAD + """
[[base.electrolyte]]
material = "Li6PS5Cl"
[[base.electrolyte]]
role = "catholyte"
"""


@pytest.mark.parametrize("vary, message, hint", [
    ('"electrolyte.material" = ["Li3InCl6"]', "the base has 2 electrolyte layers; name one", "electrolyte.2.material"),
    ('"electrolyte.3.material" = ["Li3InCl6"]', "electrolyte.3.material: the base has 2 electrolyte layers", ""),
    ('"electrolyte.1.material" = ["LGPS"]', "electrolyte.1.material is both set in [base] and varied", ""),
    ('"interlayer.electrolyte.2" = ["Al2O3"]', "no interface electrolyte.2 | electrolyte.3 in a stack of 2 layers",
     "between layers K and K+1"),
    ('"electrolyte.2.materal" = ["Li3InCl6"]', "cannot vary 'electrolyte.2.materal'", ""),
])
def test_stack_dimensions_name_their_layer(tmp_path, ruleset, vary, message, hint):
    path = tmp_path / "space.toml"
    path.write_text(STACK + "[vary]\n" + vary + "\n", encoding="utf-8")
    found = problems(str(path), ruleset)
    assert any(message in m and hint in h for _, _, m, h in found), found


def test_a_stack_space_sets_each_layer(tmp_path, ruleset):
    path = tmp_path / "space.toml"
    path.write_text(STACK + '[vary]\nelectrolyte.2.material = ["Li3InCl6", "Li3YCl6"]\n'
                    '"interlayer.electrolyte.1" = ["none", "Al2O3"]\n', encoding="utf-8")
    space = load_space(str(path), ruleset.knowledge)
    data = space.spec_data((1, 1))
    assert [layer.get("material") for layer in data["electrolyte"]] == ["Li6PS5Cl", "Li3YCl6"]
    assert data["interlayer"] == [{"material": "Al2O3", "between": ["electrolyte.1", "electrolyte.2"]}]
    assert space.dimensions[0].layer == 2 and space.dimensions[0].field is None


def test_each_component_is_resolved_once_per_choice(ruleset):
    """The table layout: a candidate's columns are gathered from per-component tables, not resolved."""
    from pathlib import Path
    from cellrules.cellspec import fields as F

    job = prepare(str(Path(__file__).parent / "spaces" / "sulfide-li.toml"), ruleset)
    names = [d.name for d in job.space.dimensions]
    dims = job.inputs.layout.slot_dims
    assert dims[F.SLOT["cell.stack_pressure"]] == (names.index("cell.stack_pressure"),)
    assert dims[F.SLOT["electrolyte.shear_modulus"]] == (names.index("electrolyte.material"),)
    assert dims[F.SLOT["anode.potential"]] == (names.index("anode.material"),)
    assert dims[F.SLOT["interlayer"]] == (names.index("interlayer.anode"), names.index("interlayer.cathode"))
    assert dims[F.SLOT["cell.name"]] == ()
    rows = {len(column.known) for slot, column in job.inputs.inputs.columns.items()
            if dims[slot] == (names.index("electrolyte.material"),)}
    assert rows == {len(job.space.dimensions[names.index("electrolyte.material")].choices)}
