"""Impossible values are spec errors, judged by one table for specs and knowledge (issue 12, Plausibility).

Every quantity field has a physical range; for each one a spec value just outside it is an
error at its line with the range in the message, and one just inside is not. Knowledge files
are held to the same table and the same vocabularies (D4, D14).
"""
from __future__ import annotations

import textwrap

import pytest

from cellrules import units
from cellrules.cellspec import fields as F
from cellrules.cellspec import plausible
from cellrules.cellspec.load import section_keys
from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.engine.ruleset import build_ruleset
from cellrules.errors import CellrulesError
from cellrules.knowledge.load import SCHEMA
from cellrules.resources import builtin_rules_dir
from conftest import TODAY

RANGED_KINDS = (F.QUANTITY, F.POTENTIAL, F.NUMBER)
SETTABLE = [f for f in F.FIELDS if f.kind in RANGED_KINDS and f.settable and f.section in
            ("cell", "anode", "electrolyte", "cathode", "sei")]
SETTABLE += [f for f in F.RECORD_FIELDS["interlayer"] if f.kind in RANGED_KINDS and f.settable]


def test_every_quantity_field_has_a_range():
    every = [f for f in F.FIELDS if f.kind in RANGED_KINDS]
    every += [f for fields in F.RECORD_FIELDS.values() for f in fields if f.kind in RANGED_KINDS]
    positions = {f.path for f in every if f.path.endswith(".position")}  # counters the engine sets
    assert [f.path for f in every if f.path not in positions and plausible.range_of(f.path) is None] == []


def test_every_knowledge_quantity_has_a_range():
    for kind, schema in SCHEMA.items():
        for key, kind_of in schema.items():
            dimension = kind_of[1] if isinstance(kind_of, tuple) else kind_of
            if isinstance(dimension, units.Dimension) or kind_of in ("pot", "orbital", "int", "num", "window"):
                path = plausible.knowledge_path(kind, key)
                judged = [path] if plausible.range_of(path) else [f"{path}.low", f"{path}.high"]
                assert all(plausible.range_of(p) for p in judged), (kind, key, path)


def _text(field: F.Field, value: float) -> str:
    """A spec value for `field` holding `value` (SI; V vs SHE), written in the field's display unit."""
    if field.kind == F.NUMBER:
        return repr(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)
    if field.path in ("electrolyte.homo", "electrolyte.lumo"):
        return f'"{-(value + 4.44)!r} eV"'
    if field.kind == F.POTENTIAL:
        return f'"{value!r} V vs SHE"'
    number, unit = units.to_display(value, field.dimension)
    return f'"{number!r} {unit}"'


def _spec(field: F.Field, text: str) -> str:
    head = 'spec_version = 1\n[cell]\nname = "range"\ncarrier = "Li"\n'
    key = field.key
    if field.section == "cell":
        return head + f"{key} = {text}\n"
    if field.section == "interlayer":
        return head + f'[[interlayer]]\nmaterial = "LiNbO3"\nbetween = ["cathode", "electrolyte"]\n{key} = {text}\n'
    if key.startswith("window."):
        return head + f'[electrolyte]\nmaterial = "LLZO"\nwindow = {{ {key.split(".")[1]} = {text}, vs = "SHE" }}\n'
    material = {"anode": "Li", "electrolyte": "LLZO", "cathode": "LiCoO2"}.get(field.section)
    return head + f"[{field.section}]\n" + (f'material = "{material}"\n' if material else "") + f"{key} = {text}\n"


def _outside(bounds: plausible.Range) -> list[float]:
    above = bounds.high * 1.5 if bounds.high > 0 else bounds.high + 1
    below = [bounds.low] if bounds.low_open else ([bounds.low - max(abs(bounds.low) * 0.5, 1.0)] if bounds.low < 0
                                                  else [])
    return [above, *below]


def _inside(bounds: plausible.Range) -> float:
    middle = (bounds.low + bounds.high) / 2 if bounds.high - bounds.low < 1e6 else bounds.high / 1e3
    return float(round(middle)) if bounds.whole else middle


def _settable(field: F.Field) -> bool:
    if field.section == "interlayer":
        return True
    if field.key in ("homo", "lumo") or field.key.startswith("window."):
        return True
    return field.key in section_keys(field.section)


@pytest.mark.parametrize("field", [f for f in SETTABLE if _settable(f)], ids=lambda f: f.path)
def test_a_value_outside_its_range_is_a_spec_error(ruleset, write_spec, field):
    bounds = plausible.range_of(field.path)
    for value in _outside(bounds):
        result = check_file(ruleset, write_spec(_spec(field, _text(field, value))), CheckOptions(today=TODAY))
        assert result.status == "error", (field.path, value)
        messages = [e.message for e in result.errors]
        shown = [m for m in messages if "physical range" in m or "cannot be negative" in m or "absolute zero" in m
                 or "fraction between 0 and 1" in m or "is not a whole number" in m]
        assert shown, (field.path, value, messages)
        assert all(e.location.line > 1 for e in result.errors)
    inside = check_file(ruleset, write_spec(_spec(field, _text(field, _inside(bounds)))), CheckOptions(today=TODAY))
    assert not [e.message for e in inside.errors if "physical range" in e.message], field.path


LAB_ELECTROLYTE = """
    [[electrolyte]]
    name = "MyLabGlass"
    state = "solid"
    class = "{word}"
    source = "lab notebook 7"
    ionic_conductivity = "{conductivity}"
    """


@pytest.mark.parametrize("word, conductivity, problem", [
    ("sulfde", "1e-3 S/cm", "'sulfde' is not one of the accepted values"),
    ("sulfide", "20 S/cm", "outside the physical range"),
    ("sulfide", "1e-3 S/cm", None),
])
def test_lab_knowledge_is_held_to_the_spec_rules(tmp_path, word, conductivity, problem):
    pack = tmp_path / "pack"
    (pack / "knowledge").mkdir(parents=True)
    (pack / "knowledge" / "lab.toml").write_text(textwrap.dedent(LAB_ELECTROLYTE).format(
        word=word, conductivity=conductivity), encoding="utf-8")
    (pack / "lab.rules").write_text("", encoding="utf-8")
    if problem is None:
        assert build_ruleset([builtin_rules_dir(), pack]).knowledge.lookup("electrolyte", "MyLabGlass")
        return
    with pytest.raises(CellrulesError) as raised:
        build_ruleset([builtin_rules_dir(), pack])
    assert problem in str(raised.value)


def test_a_misspelt_lab_class_no_longer_turns_a_failing_design_into_a_pass(tmp_path):
    """D4: a lab electrolyte with class = "sulfde" made a design that fails cathode.space-charge-high-voltage pass."""
    from conftest import run_cli

    pack = tmp_path / "pack"
    (pack / "knowledge").mkdir(parents=True)
    (pack / "knowledge" / "lab.toml").write_text(textwrap.dedent(LAB_ELECTROLYTE).format(
        word="sulfde", conductivity="1e-3 S/cm"), encoding="utf-8")
    (pack / "lab.rules").write_text("", encoding="utf-8")
    spec = tmp_path / "cell.toml"
    spec.write_text('spec_version = 1\n[cell]\nname = "x"\ncarrier = "Li"\ntemperature = "25 degC"\n'
                    '[anode]\nmaterial = "Li-In"\n[electrolyte]\nmaterial = "MyLabGlass"\n'
                    '[cathode]\nmaterial = "LiCoO2"\n', encoding="utf-8")
    result = run_cli("check", "--rules", pack, spec)
    assert result.returncode == 2 and "'sulfde' is not one of the accepted values" in result.stderr
