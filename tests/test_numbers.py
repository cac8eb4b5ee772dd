"""Every number can be shown, drawn and compiled, finite or not (issue 13, D3, D12, D13).

A derived value reaches infinity legally (x / 0 is inf in the rule language: a liquid-metal
anode's shear modulus of 0 makes the modulus ratio infinite), so every format and figure must
write one. A figure must survive levels far off its scale, and the generated evaluator must
never contain a float's repr() that is a name rather than a literal (inf, nan).
"""
from __future__ import annotations

import ast as python_ast
import json
import math
import re

import pytest

from cellrules import display, units
from cellrules.cellspec import fields as F
from cellrules.errors import RuleError
from cellrules.language.compile import _float_literal
from cellrules.report import figures
from cellrules.report.explain import EnergyDiagram, Gauge, Level, Limit
from conftest import EXAMPLES, TODAY, run_cli

NON_FINITE = [math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("value", NON_FINITE, ids=["inf", "-inf", "nan"])
@pytest.mark.parametrize("field", [f for f in F.FIELDS if f.kind in (F.QUANTITY, F.POTENTIAL, F.NUMBER)],
                         ids=lambda f: f.path)
def test_every_field_shows_a_non_finite_value(knowledge, field, value):
    shown = display.show(value, field.kind, field.dimension, knowledge.scale, "Li")
    assert ("not a number" if math.isnan(value) else "infinite") in shown


@pytest.mark.parametrize("dimension", [units.PRESSURE, units.DIMENSIONLESS, units.LENGTH, units.TEMPERATURE,
                                       units.POTENTIAL, units.CONDUCTIVITY])
def test_derived_values_of_any_dimension_show_non_finite_values(knowledge, dimension):
    for value in NON_FINITE:
        assert display.show(value, "", dimension, knowledge.scale, "Na") != ""


@pytest.fixture(scope="module")
def liquid_metal_anode(tmp_path_factory):
    """A passing spec whose anode has no shear modulus (a liquid metal): its modulus ratio is infinite."""
    folder = tmp_path_factory.mktemp("infinite")
    text = (EXAMPLES / "li-llzo-lfp.toml").read_text(encoding="utf-8")
    spec = folder / "cell.toml"
    spec.write_text(text.replace('[anode]\n', '[anode]\nshear_modulus = "0 GPa"\n', 1), encoding="utf-8")
    assert 'shear_modulus = "0 GPa"' in spec.read_text(encoding="utf-8")
    return spec


@pytest.mark.parametrize("args", [["--format", "junit"], ["--all"], ["--all", "--format", "json"],
                                  ["--all", "--format", "sarif"], ["--all", "--format", "github"]])
def test_check_writes_an_infinite_derived_value(liquid_metal_anode, args):
    result = run_cli("check", "--today", TODAY.isoformat(), *args, liquid_metal_anode)
    assert result.returncode in (0, 1), result.stderr
    assert "internal error" not in result.stderr + result.stdout
    if "json" in args:
        shown = [i["value"] for r in json.loads(result.stdout)["results"] for f in r["findings"]
                 for i in f["inputs"].values()]
        assert "infinite" in shown


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_explain_writes_an_infinite_derived_value(liquid_metal_anode, fmt):
    result = run_cli("explain", "--today", TODAY.isoformat(), "--format", fmt, liquid_metal_anode)
    assert result.returncode == 0, result.stderr
    assert "infinite" in result.stdout


_BAD_COORDINATE = re.compile(r'="[^"]*(nan|inf)[^"]*"')  # an SVG attribute no viewer can place


def _level(key: str, volts: float) -> Level:
    return Level(key, key, volts, volts - 3.04, f"{volts} V", "test")


@pytest.mark.parametrize("far", [1e300, -1e300, 1e308, math.inf, -math.inf, math.nan])
def test_the_energy_diagram_draws_levels_far_off_any_scale(far):
    diagram = EnergyDiagram("Li", "Li/Li+", "given", (
        _level("anode", 0.0), _level("window.low", -far if math.isfinite(far) else 0.0), _level("window.high", far),
        _level("cathode", 4.2), _level("reference", 0.0), _level("SHE", 3.04)), None, None)
    svg = figures.energy_diagram(diagram)
    assert svg.startswith("<svg") and not _BAD_COORDINATE.search(svg)


@pytest.mark.parametrize("value", [1e300, math.inf, 0.0, -5.0, math.nan, None])
def test_the_mechanics_panel_draws_any_value(value):
    gauge = Gauge("ratio", "modulus ratio", value, "shown", "test",
                  (Limit("mechanics.shear-modulus-ratio", ">=", 1.8, "1.8", "warning", "pass"),
                   Limit("lab.huge", "<", 1e300, "1e300", "error", "pass")))
    svg = figures.mechanics_panel((gauge,))
    assert svg.startswith("<svg") and not _BAD_COORDINATE.search(svg)


@pytest.mark.parametrize("value", NON_FINITE)
def test_a_non_finite_literal_is_a_rule_error_not_generated_code(value):
    from cellrules.language.ast import Quantity

    from cellrules.errors import Location

    node = Quantity(value, units.PRESSURE, "1e308 V vs LabRef", location=Location("lab.rules", 3, 20))
    with pytest.raises(RuleError, match="out of range once converted"):
        _float_literal(value, node)
    assert _float_literal(1.5e300, node) == "1.5e+300"


def test_the_generated_evaluator_names_no_float_constant(ruleset):
    tree = python_ast.parse(ruleset.compiled.source)
    names = {node.id for node in python_ast.walk(tree) if isinstance(node, python_ast.Name)}
    assert not names & {"inf", "nan", "infinity"}
