"""Properties of `cellrules suggest` on failing specs Hypothesis derives from the shipped cases.

- Every suggestion shown, once applied (written into the text) and checked from the file as
  `cellrules check` does, gives exactly the status and the fixed rules it claims and no new failure;
  at least 200 distinct failing specs (shipped cases and examples with random variations).
- The patched value table a search evaluates equals a full resolve of the edited spec.
- The judge's verdict from outcome codes equals the findings `evaluate` builds: the failures shown
  and the status, under varied options and waivers.
"""
from __future__ import annotations

import datetime
import functools
import tempfile
from pathlib import Path

import attrs
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cellrules import api
from cellrules.cellspec.load import load_spec
from cellrules.cellspec.model import Waiver
from cellrules.cellspec.resolve import resolve
from cellrules.engine.evaluate import CheckOptions, check_file, evaluate
from cellrules.errors import Location
from cellrules.fixes.edits import AddLayer, AppendTable, SetKey, SetLayerValue, SetValue, Swap, apply_all
from cellrules.fixes.judge import Judge
from cellrules.fixes.knobs import KNOBS
from cellrules.fixes.patch import Patcher
from cellrules.fixes.tomledit import EditError, apply_text
from cellrules.tomlfile import parse_toml
from conftest import EXAMPLES, REPO, TODAY

OPTIONS = CheckOptions(today=TODAY)
STACKS = REPO / "tests" / "data" / "stacks"       # specs of several electrolyte layers
PROPERTY = settings(max_examples=280, deadline=None,   # >= 200 distinct specs after repeats
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
PRESSURES = ("0.5 MPa", "5 MPa", "12 MPa", "30 MPa", "100 MPa")
TEMPERATURES = ("-10 degC", "25 degC", "60 degC", "80 degC", "150 degC")
CURRENTS = ("0.1 mA/cm^2", "1 mA/cm^2", "5 mA/cm^2")
THICKNESSES = ("1 um", "20 um", "500 um", "2 mm")
CUTOFFS = ("3.4 V", "4.0 V", "4.3 V", "4.7 V")
# Rules that often fail as warnings, waived at random: a fix that leaves the waiver unused must remove it.
WAIVED = ("window.cathode-oxidation", "interphase.passivating", "mechanics.yield-plasticity", "moisture.sulfide",
          "mechanics.li-stack-pressure-creep", "cathode.space-charge-layer", "mechanics.shear-modulus-ratio")


@functools.lru_cache(maxsize=None)
def ruleset():
    return api._ruleset(())


@functools.lru_cache(maxsize=None)
def shipped() -> tuple[Path, ...]:
    """Every shipped case and example that loads, and the test stacks (the bases of the variations)."""
    paths = sorted((REPO / "rules" / "cases").glob("*.toml")) + sorted(EXAMPLES.glob("*.toml")) + sorted(STACKS.glob("*.toml"))
    return tuple(p for p in paths if check_file(ruleset(), str(p), OPTIONS).status != "error")


@functools.lru_cache(maxsize=None)
def failing() -> tuple[Path, ...]:
    return tuple(p for p in shipped() if check_file(ruleset(), str(p), OPTIONS).status == "fail")


def _names(kinds) -> list[str]:
    return sorted(e.name for e in ruleset().knowledge.entries if e.kind in kinds)


@st.composite
def variations(draw, bases):
    """A shipped spec's text with one to three random edits: conditions, materials, layers."""
    path = draw(st.sampled_from(bases()))
    text = path.read_text(encoding="utf-8")
    document = parse_toml(text.encode(), str(path))
    tables = document.data
    layers = _layer_tables(tables)
    operations = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(("cell", "cell", "thickness", "cutoff", "material", "layer", "waiver")))
        if kind == "cell":
            key, values = draw(st.sampled_from((("stack_pressure", PRESSURES), ("temperature", TEMPERATURES),
                                                ("current_density", CURRENTS))))
            operations.append(SetKey(("cell",), key, draw(st.sampled_from(values))))
        elif kind == "thickness" and layers:
            operations.append(SetKey(draw(st.sampled_from(layers)), "thickness", draw(st.sampled_from(THICKNESSES))))
        elif kind == "cutoff" and isinstance(tables.get("cathode"), dict):
            operations.append(SetKey(("cathode",), "potential", draw(st.sampled_from(CUTOFFS))))
        elif kind == "material":
            table_path = draw(st.sampled_from([("anode",), ("cathode",), *layers]))
            table = _table(tables, table_path)
            if isinstance(table, dict) and "material" in table and not table.get("custom") \
                    and not ({"salt", "solvent"} & set(table)):
                kinds = {"anode": ("anode", "metal"), "electrolyte": ("electrolyte",), "cathode": ("cathode",)}
                operations.append(SetKey(table_path, "material", draw(st.sampled_from(_names(kinds[table_path[0]])))))
        elif kind == "waiver" and not tables.get("waiver"):
            operations.append(AppendTable("waiver", (("rule", draw(st.sampled_from(WAIVED))), ("reason", "accepted"))))
        elif kind == "layer" and layers:
            sides = draw(st.sampled_from(_interfaces(len(layers))))
            operations.append(AppendTable("interlayer", (("material", draw(st.sampled_from(_names(("interlayer",))))),
                                                         ("between", list(sides)))))
    try:
        return path.name, apply_text(text, document, operations) if operations else text
    except EditError:
        assume(False)


def _layer_tables(tables: dict) -> list[tuple]:
    raw = tables.get("electrolyte")
    return [("electrolyte", i) for i in range(len(raw))] if isinstance(raw, list) else \
        [("electrolyte",)] if isinstance(raw, dict) else []


def _table(tables: dict, path: tuple):
    table = tables.get(path[0])
    return table[path[1]] if len(path) > 1 and isinstance(table, list) else table


def _interfaces(count: int) -> list[tuple]:
    if count == 1:
        return [("anode", "electrolyte"), ("cathode", "electrolyte")]
    return [("anode", "electrolyte.1"), *((f"electrolyte.{k}", f"electrolyte.{k + 1}") for k in range(1, count)),
            (f"electrolyte.{count}", "cathode")]


def _failures(result) -> set[str]:
    """The failures a check shows; a waiver's own finding names its rule ("waiver.unused:R", as suggest does)."""
    return {f"{f.rule}:{f.message.split()[2]}" if f.rule.startswith("waiver.") else f.rule
            for f in result.findings if f.outcome == "fail"}


def assert_claims_hold(name: str, text: str, unsafe: bool, max_edits: int = 2, budget: int = 1500) -> None:
    base = api.check(text, today=TODAY)
    fixes = api.suggest(text, max_edits=max_edits, budget=budget, unsafe=unsafe, today=TODAY)
    assert fixes.unconfirmed == 0 and fixes.failures
    assert not fixes.exhausted or fixes.evaluations == fixes.budget
    before = _failures(base)
    with tempfile.TemporaryDirectory() as folder:
        for suggestion in fixes.suggestions:
            path = Path(folder) / f"{name}.{suggestion.rank}.toml"
            path.write_text(fixes.apply(suggestion.rank), encoding="utf-8")
            after = check_file(ruleset(), str(path), OPTIONS)
            assert after.status == suggestion.status != "fail", (name, suggestion)
            assert _failures(after) <= before, (name, suggestion, _failures(after) - before)
            assert before - _failures(after) == {*suggestion.fixes, *suggestion.also_fixes}, (name, suggestion)
            assert set(suggestion.fixes) == set(fixes.failures)
            assert unsafe or suggestion.safe


def test_every_suggestion_applied_and_checked_gives_what_it_claims():
    checked: set[str] = set()

    @PROPERTY
    @given(variations(failing), st.booleans())
    def run(variant, unsafe):
        name, text = variant
        assume(api.check(text, today=TODAY).status == "fail")
        assert_claims_hold(name, text, unsafe)
        checked.add(text)

    run()
    assert len(checked) >= 200


def test_the_shipped_failing_specs_themselves():
    for path in failing():
        assert_claims_hold(path.name, path.read_text(encoding="utf-8"), unsafe=True, max_edits=3, budget=20_000)


# -------------------------------------------------------------------------------- patch and judge

@st.composite
def edited_specs(draw):
    """A shipped spec (loaded) with a random set of edits of every kind, one per group."""
    path = draw(st.sampled_from(shipped()))
    rules = ruleset()
    spec = load_spec(str(path), rules.knowledge, rules.by_id.keys())
    kb = rules.knowledge
    count = len(spec.electrolytes)
    edits = {}
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("set", "layer", "layer-value", "swap")))
        if kind == "set":
            knob = draw(st.sampled_from(sorted(p for p in KNOBS if p.split(".")[0] in ("cell", "anode", "cathode"))))
            old = spec.values.get(knob)
            value = draw(st.floats(1e-9, 1e9)) if "potential" not in knob else draw(st.floats(-3.0, 3.0))
            edit = SetValue(knob, value, f"{value}", old.text if old else "", True, 0.5)
        elif kind == "layer" and count:
            entry = draw(st.sampled_from(kb.by_kind("interlayer")))
            interface = draw(st.integers(0, count))
            edit = AddLayer(entry.name, _interfaces(count)[interface] if count > 1 else
                            (("anode", "electrolyte") if interface == 0 else ("cathode", "electrolyte")),
                            interface, "x", entry)
        elif kind == "layer-value":
            component = draw(st.sampled_from(("electrolyte", "interlayer")))
            layers = spec.electrolytes if component == "electrolyte" else spec.interlayers
            if not layers:
                continue
            index = draw(st.integers(0, len(layers) - 1))
            edit = SetLayerValue(component, index, "thickness", (component, index), "x", draw(st.floats(1e-10, 1e-3)),
                                 "t", "", True, 0.5)
        elif kind == "swap":
            section = draw(st.sampled_from(("anode", "electrolyte", "cathode", "current_collector.anode")))
            index = 0
            if section.startswith("current_collector"):
                if "anode" not in spec.collectors:
                    continue
                old = spec.collectors["anode"]
                entry = draw(st.sampled_from(kb.by_kind("collector")))
            elif section == "electrolyte":
                if not count:
                    continue
                index = draw(st.integers(0, count - 1))
                old = spec.electrolytes[index].material
                if old is None:
                    continue
                entry = draw(st.sampled_from(kb.by_kind("electrolyte")))
            else:
                old = spec.materials.get(section)
                if old is None:
                    continue
                kinds = {"anode": ("anode", "metal"), "cathode": ("cathode",)}
                entry = draw(st.sampled_from([e for e in kb.entries if e.kind in kinds[section]]))
            edit = Swap(section, index, (section,), "material", section, entry.name, old.name, entry)
        else:
            continue
        edits.setdefault(edit.group, edit)
    return spec, tuple(edits.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_specs())
def test_the_patched_table_is_the_resolved_table(case):
    spec, edits = case
    rules = ruleset()
    patcher = Patcher(rules.knowledge, spec, resolve(spec, rules.knowledge), rules.compiled.slot_count)
    assert patcher.table(edits) == patcher.resolved_table(edits)


@st.composite
def options_and_waivers(draw):
    rule_ids = sorted(ruleset().by_id)
    severity = draw(st.dictionaries(st.sampled_from(rule_ids), st.sampled_from(("info", "warning", "error")),
                                    max_size=4))
    select = draw(st.sampled_from(((), ("mechanics", "interphase", "cathode"), ("window.anode-reduction",))))
    ignore = draw(st.sampled_from(((), ("moisture",), ("mechanics.li-stack-pressure-creep",))))
    options = CheckOptions(today=TODAY, severity=severity, select=select, ignore=ignore,
                           fail_on=draw(st.sampled_from(("error", "warning"))))
    waived = draw(st.lists(st.sampled_from(rule_ids), max_size=3, unique=True))
    expiry = draw(st.sampled_from((None, TODAY - datetime.timedelta(days=1), TODAY + datetime.timedelta(days=1))))
    return options, tuple(Waiver(r, "accepted", expiry, Location("x", 1, 1)) for r in waived)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_specs(), options_and_waivers())
def test_the_judge_reads_outcomes_as_evaluate_reads_findings(case, settings_):
    spec, edits = case
    options, waivers = settings_
    rules = ruleset()
    spec = attrs.evolve(spec, waivers=waivers)
    patcher = Patcher(rules.knowledge, spec, resolve(spec, rules.knowledge), rules.compiled.slot_count)
    outcomes = rules.evaluator(*patcher.table(edits))
    verdict = Judge(rules, options, spec.waivers).verdict(outcomes)
    result = evaluate(rules, resolve(apply_all(spec, edits), rules.knowledge), options)
    assert verdict.status == result.status
    assert verdict.visible == _failures(result)
