"""A space's inputs as columns: each component's choices resolved once, never per candidate.

A candidate's value table is the union of its components' values: the anode's
slots come from its anode material (and the carrier), the electrolyte's from
its electrolyte, and so on. So each component is resolved once per distinct
combination of the dimensions that set it (through the spec loader and
resolver themselves, on a candidate that differs only there), and a chunk of
candidates builds its columns by gathering rows of those tables by index.

A numeric field varied by itself (a pressure, a temperature) sets only its own
slot: it is a table of its own, one row per value, and no component is
resolved again for it. That is checked, not assumed: if changing the value
changes any other slot, the dimension is resolved with its component.
"""
from __future__ import annotations

import itertools

import attrs
import numpy as np

from cellrules.cellspec import fields as F
from cellrules.cellspec.load import load_document
from cellrules.cellspec.resolve import resolve
from cellrules.errors import CellrulesError, ManyErrors
from cellrules.language import columns as C
from cellrules.language.compile_columns import Inputs, Layout

_NUMERIC = (F.QUANTITY, F.POTENTIAL, F.NUMBER)


@attrs.frozen
class Component:
    """Slots filled together, and the dimensions (sorted) whose choices set them."""

    name: str
    dims: tuple[int, ...]
    slots: tuple[int, ...]


@attrs.frozen(eq=False)
class SpaceInputs:
    layout: Layout
    inputs: Inputs
    vocabulary: C.Vocabulary
    components: tuple[Component, ...]


class _Resolver:
    """Load and resolve candidates by their choice indexes, each once, collecting every problem."""

    def __init__(self, space, knowledge, rule_ids):
        self.space, self.knowledge, self.rule_ids = space, knowledge, rule_ids
        self.memo: dict[tuple, object] = {}
        self.problems: dict[tuple, CellrulesError] = {}

    def resolved(self, indexes: tuple[int, ...]):
        if indexes not in self.memo:
            try:
                spec = load_document(self.space.spec_document(indexes), self.knowledge, self.rule_ids)
                self.memo[indexes] = resolve(spec, self.knowledge)
            except ManyErrors as error:
                self._note(error.problems)
                self.memo[indexes] = None
            except CellrulesError as error:
                self._note([error])
                self.memo[indexes] = None
        return self.memo[indexes]

    def _note(self, problems) -> None:
        for problem in problems:
            where = problem.location
            self.problems.setdefault((str(where), problem.message), problem)


def space_inputs(space, knowledge, rule_ids=()) -> SpaceInputs:
    """Resolve every component of `space` once per choice and lay the values out as columns."""
    resolver = _Resolver(space, knowledge, tuple(rule_ids))
    dimensions = space.dimensions
    first = (0,) * len(dimensions)
    resolver.resolved(first)
    carrier = next((i for i, d in enumerate(dimensions) if d.name == "cell.carrier"), None)
    direct = {i for i, d in enumerate(dimensions) if _may_be_direct(d, carrier)}
    direct -= {i for i in direct if not _only_own_slot(resolver, dimensions[i], i, first)}
    components = _components(dimensions, direct, carrier)
    tables = {}
    for component in components:
        rows = []
        for combination in itertools.product(*(range(len(dimensions[d].choices)) for d in component.dims)):
            indexes = list(first)
            for d, index in zip(component.dims, combination):
                indexes[d] = index
            rows.append(resolver.resolved(tuple(indexes)))
        tables[component] = rows
    if resolver.problems:
        raise ManyErrors(sorted(resolver.problems.values(), key=_order))
    vocabulary = C.Vocabulary()
    columns, given, slot_dims = {}, {}, {}
    for component in components:
        rows = tables[component]
        for slot in component.slots:
            field = F.FIELDS[slot]
            columns[slot] = C.from_python(field.kind, [r.values[slot] for r in rows], vocabulary, field.record)
            given[slot] = C.Values(np.array([slot in r.given for r in rows], dtype=bool), np.ones(len(rows), dtype=bool))
            slot_dims[slot] = component.dims
    layout = Layout(space.sizes, slot_dims)
    return SpaceInputs(layout, Inputs(columns, given), vocabulary, tuple(components))


def _may_be_direct(dimension, carrier: int | None) -> bool:
    field = dimension.field
    if field is None or field.kind not in _NUMERIC:
        return False
    # "4.3 V" without a reference is read against the cell's carrier: with a varied carrier it is not one value.
    return not (field.kind == F.POTENTIAL and carrier is not None)


def _only_own_slot(resolver: _Resolver, dimension, index: int, first) -> bool:
    """Whether changing this dimension's value changes its own slot alone (in values and in `given`)."""
    own = F.SLOT[dimension.field.path]
    baseline = resolver.resolved(first)
    for choice in range(1, len(dimension.choices)):
        indexes = list(first)
        indexes[index] = choice
        other = resolver.resolved(tuple(indexes))
        if baseline is None or other is None:
            return True  # its problem is reported; the layout does not matter
        for slot, (a, b) in enumerate(zip(baseline.values, other.values)):
            if slot != own and (a != b or (slot in baseline.given) != (slot in other.given)):
                return False
    return True


def _components(dimensions, direct: set[int], carrier: int | None) -> list[Component]:
    """One component per direct dimension, and one per spec section for the rest of its slots."""
    components = []
    owned = set()
    for i in sorted(direct):
        slot = F.SLOT[dimensions[i].field.path]
        components.append(Component(dimensions[i].name, (i,), (slot,)))
        owned.add(slot)
    sections = dict.fromkeys(f.section for f in F.FIELDS)
    for section in sections:
        dims = {i for i, d in enumerate(dimensions) if d.section == section and i not in direct}
        if carrier is not None:
            dims.add(carrier)  # every component's values depend on the carrier (its metal, its reactions)
        slots = tuple(s for s, f in enumerate(F.FIELDS) if f.section == section and s not in owned)
        if slots:
            components.append(Component(section, tuple(sorted(dims)), slots))
    return components


def _order(problem: CellrulesError):
    where = problem.location
    return (where.line if where else 0, where.column if where else 0, problem.message)
