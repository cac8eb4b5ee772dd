"""The column backend gives every rule the row-wise evaluator's outcome, row by row.

The rows are random value tables, not specs: each field takes the value some
shipped example or golden case resolves to, or none (unknown), or an edge value
(zero, negative zero, infinity, a vocabulary word no material has), so the
three-valued logic meets combinations no real cell would produce. Derived values
are compared too: the backends must agree on the numbers, not only on verdicts.
"""
from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest

from cellrules.cellspec import fields as F
from cellrules.cellspec.load import load_spec
from cellrules.cellspec.resolve import resolve
from cellrules.errors import CellrulesError
from cellrules.language import columns as C
from cellrules.language import compile_columns as CC
from cellrules.screening.checked import checked_rules

ROOT = Path(__file__).resolve().parent.parent
EDGE_NUMBERS = (0.0, -0.0, math.inf, -math.inf, 1e-300, -1.0, 1e300, 273.15)


# Electrolyte stacks (no shipped example has one yet): two and three layers, interlayers between them.
STACKS = ["""
spec_version = 1
[cell]
name = "Li | Li6PS5Cl | Li3InCl6 | NMC811"
carrier = "Li"
temperature = "25 degC"
current_density = "1 mA/cm^2"
[anode]
material = "Li"
[[electrolyte]]
material = "Li6PS5Cl"
thickness = "300 um"
[[electrolyte]]
material = "Li3InCl6"
thickness = "50 um"
role = "catholyte"
[cathode]
material = "NMC811"
""", """
spec_version = 1
[cell]
name = "Li | LLZO | PEO | LFP"
carrier = "Li"
temperature = "60 degC"
current_density = "0.2 mA/cm^2"
[anode]
material = "Li"
[[electrolyte]]
material = "LLZO"
thickness = "100 um"
[[electrolyte]]
material = "PEO-LiTFSI"
thickness = "20 um"
[[interlayer]]
material = "Al2O3"
between = ["electrolyte.1", "electrolyte.2"]
[cathode]
material = "LiFePO4"
""", """
spec_version = 1
[cell]
name = "Li | LiPON | LGPS | LLZO | LCO"
carrier = "Li"
temperature = "25 degC"
[anode]
material = "Li"
[[electrolyte]]
material = "LiPON"
thickness = "1 um"
[[electrolyte]]
material = "LGPS"
ionic_conductivity = "5e-3 S/cm"
[[electrolyte]]
material = "LLZO"
thickness = "200 um"
[[interlayer]]
material = "LiNbO3"
between = ["electrolyte.3", "cathode"]
[cathode]
material = "LiCoO2"
"""]


@pytest.fixture(scope="module", params=["built-in", "with layer rules"])
def rules(request, ruleset):
    """The rule set, and the checked AST the column backend compiles: built in, or with a pack reading stacks."""
    if request.param == "built-in":
        return ruleset, checked_rules(ruleset)
    from cellrules.engine.ruleset import build_ruleset
    from cellrules.resources import builtin_rules_dir
    extended = build_ruleset([builtin_rules_dir(), ROOT / "tests" / "data" / "layer-rules"])
    return extended, checked_rules(extended)


@pytest.fixture(scope="module")
def pool(ruleset, tmp_path_factory):
    """Resolved value tables of every shipped spec that loads, and of a few electrolyte stacks."""
    folder = tmp_path_factory.mktemp("stacks")
    stacks = []
    for i, text in enumerate(STACKS):
        stacks.append(folder / f"stack{i}.toml")
        stacks[-1].write_text(text, encoding="utf-8")
    tables = []
    for path in sorted([*ROOT.glob("examples/*.toml"), *ROOT.glob("rules/cases/*.toml")]) + stacks * 8:
        try:
            spec = load_spec(str(path), ruleset.knowledge, ruleset.by_id.keys())
        except CellrulesError:
            assert path not in stacks
            continue
        resolved = resolve(spec, ruleset.knowledge)
        tables.append((resolved.values, resolved.given))
    assert len(tables) > 100
    return tables


def random_rows(pool, count: int, seed: int):
    rng = random.Random(seed)
    rows, givens = [], []
    for _ in range(count):
        values = []
        for slot, field in enumerate(F.FIELDS):
            value = rng.choice(pool)[0][slot]
            roll = rng.random()
            if roll < 0.15:
                value = None
            elif roll < 0.25 and field.kind in (F.QUANTITY, F.POTENTIAL, F.NUMBER):
                value = rng.choice(EDGE_NUMBERS) if rng.random() < 0.3 else \
                    (value if value is not None else 1.0) * rng.uniform(0.3, 3.0)
            elif roll < 0.3 and field.kind == F.STRING and field.vocabulary:
                value = rng.choice(field.vocabulary)
            elif roll < 0.32 and field.kind == F.BOOL:
                value = rng.random() < 0.5
            elif roll < 0.6 and field.kind == F.RECORDS and value:
                value = mixed_records(rng, pool, slot, field.record, value)
            values.append(value)
        if values[F.SLOT["cell.carrier"]] is None:
            values[F.SLOT["cell.carrier"]] = rng.choice(F.CARRIERS)
        rows.append(values)
        givens.append(frozenset(s for s in range(len(F.FIELDS)) if values[s] is not None and rng.random() < 0.5))
    return rows, givens


def mixed_records(rng, pool, slot: int, record: str, records: tuple) -> tuple:
    """Records whose fields are drawn like a row's: some unknown, some from another spec's records."""
    fields = F.RECORD_FIELDS[record]
    others = [r for table, _ in pool for r in (table[slot] or ())]
    mixed = []
    for item in records:
        item = list(item)
        for k, field in enumerate(fields):
            roll = rng.random()
            if roll < 0.15:
                item[k] = None
            elif roll < 0.3 and others:
                item[k] = rng.choice(others)[k]
            elif roll < 0.35 and field.kind in (F.QUANTITY, F.POTENTIAL, F.NUMBER) and item[k] is not None:
                item[k] = item[k] * rng.uniform(0.3, 3.0)
        mixed.append(tuple(item))
    return tuple(mixed)


def row_wise(ruleset, rows, givens):
    outcomes, derived = [], []
    for values, given in zip(rows, givens):
        table = list(values) + [None] * (ruleset.compiled.slot_count - len(values))
        outcomes.append(ruleset.evaluator(table, given))
        derived.append(table[len(F.FIELDS):])
    return np.array(outcomes, dtype=np.int8), derived


def column_wise(ruleset, checked, rows, givens, static_limit=CC.STATIC_LIMIT):
    vocabulary = C.Vocabulary()
    count = len(rows)
    columns, given = {}, {}
    for slot, field in enumerate(F.FIELDS):
        columns[slot] = C.from_python(field.kind, [r[slot] for r in rows], vocabulary, field.record)
        given[slot] = C.Values(np.array([slot in g for g in givens]), np.ones(count, dtype=bool))
    layout = CC.Layout((count,), {slot: (0,) for slot in columns})
    program = CC.compile_columns(checked, ruleset.knowledge.scale, layout, vocabulary, static_limit=static_limit)
    evaluator = CC.Evaluator(program, CC.Inputs(columns, given))
    frame = evaluator.frame({0: np.arange(count)}, count)
    outcomes, values = CC.evaluate_rows(program, evaluator, frame, list(program.derives))
    return program, outcomes, values, vocabulary


def same_value(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


@pytest.mark.parametrize("static_limit", [CC.STATIC_LIMIT, 0], ids=["hoisted", "per-chunk"])
def test_every_outcome_and_derived_value_matches_row_wise(rules, pool, static_limit):
    ruleset, checked = rules
    rows, givens = random_rows(pool, 12_000 if static_limit else 4_000, seed=static_limit + 16)
    expected, expected_derived = row_wise(ruleset, rows, givens)
    program, outcomes, values, vocabulary = column_wise(ruleset, checked, rows, givens, static_limit)
    assert program.rule_ids == ruleset.compiled.rule_ids
    mismatched = np.argwhere(outcomes != expected)
    assert not len(mismatched), [(int(r), program.rule_ids[c], int(outcomes[r, c]), int(expected[r, c]))
                                 for r, c in mismatched[:10]]
    # Every outcome code occurs, and each rule of the stack pack meets several, or the comparison proves little.
    assert set(np.unique(expected).tolist()) == set(range(6))
    for i, rule_id in enumerate(program.rule_ids):
        if rule_id.startswith("test."):
            assert len(np.unique(expected[:, i])) >= 3, (rule_id, np.unique(expected[:, i]))
    assert set(values) == set(ruleset.compiled.derive_slots)
    for name, column in values.items():
        slot = ruleset.compiled.derive_slots[name] - len(F.FIELDS)
        for row in range(len(rows)):
            got = C.to_python(column, row, vocabulary)
            want = expected_derived[row][slot]
            if isinstance(want, int) and not isinstance(want, bool):
                want = float(want)
            assert same_value(got, want), (name, row, got, want)


def test_the_real_cells_give_every_outcome(rules, pool):
    """The shipped specs themselves, unmixed: the rows a screen is made of."""
    ruleset, checked = rules
    rows = [list(values) for values, _ in pool]
    givens = [given for _, given in pool]
    expected, _ = row_wise(ruleset, rows, givens)
    _, outcomes, _, _ = column_wise(ruleset, checked, rows, givens)
    assert (outcomes == expected).all()
