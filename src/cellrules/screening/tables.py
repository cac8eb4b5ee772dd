"""A space's inputs as columns: each component's choices resolved once, never per candidate.

A candidate's value table is the union of its components' values: the anode's
slots come from its anode material (and the carrier), the electrolyte's from
its layers, and so on. So the slots are grouped by the dimensions they depend
on, each group is resolved once per combination of those dimensions (through
the spec loader and resolver themselves, on a candidate that differs only
there), and a chunk of candidates builds its columns by gathering rows of those
tables by index.

What a slot depends on is declared (its section's dimensions, the sections its
resolution reads, the carrier) and also seen: every single change of every
dimension is resolved, and a slot that changed depends on that dimension. A
numeric field varied by itself (a pressure, a temperature) therefore has a
table of its own, one row per value, unless a space shows it sets more.
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


# Which spec sections set the slots of a section, besides the carrier (which every value depends on):
# a section's own, and those its resolution reads (cellspec/resolve.py): an interface between two
# electrolyte layers is protected by an interlayer. Dependencies a space shows are also found by
# resolving every single change of a dimension; these cover the ones that only show in combination.
SOURCES = {
    "cathode_electrolyte": ("electrolyte",),
    "electrolyte_layers": ("electrolyte",),
    "electrolyte_interfaces": ("electrolyte", "interlayer"),
}
# An ionic conductivity a spec gives without its temperature holds at the cell's temperature: where a
# space gives one, these slots also depend on cell.temperature.
AT_CELL_TEMPERATURE = ("electrolyte.conductivity_temperature", "cathode_electrolyte.conductivity_temperature",
                       "electrolyte_layers")


def space_inputs(space, knowledge, rule_ids=()) -> SpaceInputs:
    """Resolve every component of `space` once per choice and lay the values out as columns."""
    resolver = _Resolver(space, knowledge, tuple(rule_ids))
    dimensions = space.dimensions
    first = (0,) * len(dimensions)
    for d, dimension in enumerate(dimensions):  # every single change: the dependencies a space shows
        for choice in range(len(dimension.choices)):
            resolver.resolved(_changed(first, {d: choice}))
    if resolver.problems:
        raise ManyErrors(sorted(resolver.problems.values(), key=_order))
    components = _components(dimensions, _dependencies(resolver, dimensions, first))
    tables = {}
    for component in components:
        rows = []
        for combination in itertools.product(*(range(len(dimensions[d].choices)) for d in component.dims)):
            rows.append(resolver.resolved(_changed(first, dict(zip(component.dims, combination)))))
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


def _changed(first: tuple, changes: dict) -> tuple:
    indexes = list(first)
    for d, index in changes.items():
        indexes[d] = index
    return tuple(indexes)


def _dependencies(resolver: _Resolver, dimensions, first) -> list[set[int]]:
    """slot -> the dimensions its value may depend on: declared (SOURCES, own section, carrier) and seen."""
    carrier = next((i for i, d in enumerate(dimensions) if d.name == "cell.carrier"), None)
    temperature = next((i for i, d in enumerate(dimensions) if d.name == "cell.temperature"), None)
    gives_conductivity = _gives_conductivity(resolver.space)
    depends: list[set[int]] = [set() for _ in F.FIELDS]
    for slot, field in enumerate(F.FIELDS):
        for source in SOURCES.get(field.section, (field.section,)):
            for d, dimension in enumerate(dimensions):
                if dimension.section == source and not _sets_only(dimension, slot):
                    depends[slot].add(d)
        if carrier is not None:
            depends[slot].add(carrier)
        if temperature is not None and gives_conductivity and field.path in AT_CELL_TEMPERATURE:
            depends[slot].add(temperature)
    baseline = resolver.resolved(first)
    for d, dimension in enumerate(dimensions):
        for choice in range(1, len(dimension.choices)):
            other = resolver.resolved(_changed(first, {d: choice}))
            for slot, (a, b) in enumerate(zip(baseline.values, other.values)):
                if a != b or (slot in baseline.given) != (slot in other.given):
                    depends[slot].add(d)
    return depends


def _gives_conductivity(space) -> bool:
    """Whether any candidate's spec gives an electrolyte layer's ionic conductivity itself."""
    stack = space.base.get("electrolyte")
    layers = stack if isinstance(stack, list) else [stack] if isinstance(stack, dict) else []
    return any(isinstance(layer, dict) and "ionic_conductivity" in layer for layer in layers) or \
        any(d.section == "electrolyte" and d.key == "ionic_conductivity" for d in space.dimensions)


def _sets_only(dimension, slot: int) -> bool:
    """A numeric field varied by itself sets its own slot (whether it sets others is seen, not declared)."""
    field = dimension.field
    return field is not None and field.kind in _NUMERIC and F.SLOT.get(field.path) != slot


def _components(dimensions, depends: list[set[int]]) -> list[Component]:
    """Slots grouped by the dimensions they depend on: one table per group, one row per combination."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for slot, dims in enumerate(depends):
        groups.setdefault(tuple(sorted(dims)), []).append(slot)
    components = []
    for dims, slots in groups.items():
        components.append(Component("+".join(dimensions[d].name for d in dims) or "constant", dims, tuple(slots)))
    return components


def _order(problem: CellrulesError):
    where = problem.location
    return (where.line if where else 0, where.column if where else 0, problem.message)
