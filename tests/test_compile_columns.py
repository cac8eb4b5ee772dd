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


@pytest.fixture(scope="module")
def checked(ruleset):
    return checked_rules(ruleset)


@pytest.fixture(scope="module")
def pool(ruleset):
    """Resolved value tables of every shipped spec that loads."""
    tables = []
    for path in sorted([*ROOT.glob("examples/*.toml"), *ROOT.glob("rules/cases/*.toml")]):
        try:
            spec = load_spec(str(path), ruleset.knowledge, ruleset.by_id.keys())
        except CellrulesError:
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
            values.append(value)
        if values[F.SLOT["cell.carrier"]] is None:
            values[F.SLOT["cell.carrier"]] = rng.choice(F.CARRIERS)
        rows.append(values)
        givens.append(frozenset(s for s in range(len(F.FIELDS)) if values[s] is not None and rng.random() < 0.5))
    return rows, givens


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
    names = [d.name for d in checked.derives]
    outcomes, values = CC.evaluate_rows(program, evaluator, frame, names)
    return program, outcomes, values, vocabulary


def same_value(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


@pytest.mark.parametrize("static_limit", [CC.STATIC_LIMIT, 0], ids=["hoisted", "per-chunk"])
def test_every_outcome_and_derived_value_matches_row_wise(ruleset, checked, pool, static_limit):
    rows, givens = random_rows(pool, 12_000, seed=static_limit + 16)
    expected, expected_derived = row_wise(ruleset, rows, givens)
    program, outcomes, values, vocabulary = column_wise(ruleset, checked, rows, givens, static_limit)
    assert program.rule_ids == ruleset.compiled.rule_ids
    mismatched = np.argwhere(outcomes != expected)
    assert not len(mismatched), [(int(r), program.rule_ids[c], int(outcomes[r, c]), int(expected[r, c]))
                                 for r, c in mismatched[:10]]
    # Every outcome code occurs, or the comparison proves little.
    assert set(np.unique(expected).tolist()) == set(range(6))
    for name, column in values.items():
        slot = ruleset.compiled.derive_slots[name] - len(F.FIELDS)
        for row in range(len(rows)):
            got = C.to_python(column, row, vocabulary)
            want = expected_derived[row][slot]
            if isinstance(want, int) and not isinstance(want, bool):
                want = float(want)
            assert same_value(got, want), (name, row, got, want)


def test_the_real_cells_give_every_outcome(ruleset, checked, pool):
    """The shipped specs themselves, unmixed: the rows a screen is made of."""
    rows = [list(values) for values, _ in pool]
    givens = [given for _, given in pool]
    expected, _ = row_wise(ruleset, rows, givens)
    _, outcomes, _, _ = column_wise(ruleset, checked, rows, givens)
    assert (outcomes == expected).all()
