"""The evaluator's value table for the spec with a set of edits, re-resolving only what an edit touches.

A full resolve costs about three evaluations; a search tries tens of thousands of candidates. Each
edit is therefore turned into the part of the slot table it changes (a `Part`), and a candidate's
table is the base table with its edits' parts laid over it:

- a knob is written where the resolver would write it: a cell value into its slot (the spec's own
  values win), a layer's thickness into its layer block and its record, an interlayer's thickness
  into its record. Nothing else reads those values while resolving, except the cell temperature,
  which a layer given a conductivity without its temperature is read at (resolve.py): that knob's
  part is found by resolving;
- a swapped electrolyte layer is resolved alone (`resolve_layer`) and placed with the others
  (`place_layers`): its part is what changed in the layer blocks and the layer and interface records;
- a new interlayer, or another swapped material, is resolved once with the edited spec, and its part
  is what changed: the records it adds, the slots of its component, the interface records it protects.

Where two parts write one slot with different values, they do not combine and the whole edited spec
is resolved instead: the table is always what `resolve` gives (tests compare the two).
"""
from __future__ import annotations

import attrs

from cellrules.cellspec import fields as F
from cellrules.cellspec.resolve import place_layers, resolve, resolve_layer
from cellrules.fixes.edits import AddLayer, SetLayerValue, SetValue, Swap, apply_all

INTERLAYER = F.SLOT["interlayer"]
LAYERS = F.SLOT["electrolyte_layers"]
_INTERLAYER_FIELD = {f.key: i for i, f in enumerate(F.RECORD_FIELDS["interlayer"])}
_LAYER_FIELD = {key: i for i, key in enumerate(F.ELECTROLYTE_KEYS)}
_PLAIN_LAYER_KEYS = ("thickness",)      # layer values no other part of the resolver reads
_BLOCK_SLOTS = tuple(F.SLOT[f"{block}.{key}"] for block in F.LAYER_BLOCKS for key in F.ELECTROLYTE_KEYS)


@attrs.frozen
class Part:
    slots: dict = attrs.field(factory=dict)    # slot -> value
    given: frozenset = frozenset()             # slots the spec now sets itself
    added: tuple = ()                          # interlayer records added
    fields: tuple = ()                         # (record slot, record index, field index, value), laid over last


class Patcher:
    def __init__(self, knowledge, spec, resolved, slot_count: int):
        self.knowledge = knowledge
        self.spec = spec
        self.base = resolved.values + [None] * (slot_count - len(resolved.values))
        self.given = resolved.given
        self._parts: dict = {}
        self._layers = None     # the spec's electrolyte layers resolved (resolve_layer), on the first layer swap
        # A layer given a conductivity without its temperature holds it at the cell's temperature.
        self._temperature_read = any("ionic_conductivity" in layer.values and "conductivity_temperature" not in
                                     layer.values for layer in spec.electrolytes)

    def table(self, edits) -> tuple[list, frozenset]:
        """The values and given-slots of the spec with `edits`, ready for the evaluator."""
        values = self.base.copy()
        if not edits:
            return values, self.given
        given, added, fields, written = self.given, [], [], []
        for edit in edits:
            part = self._parts.get(edit) or self.part(edit)
            if part.slots:
                written.append(part.slots)
            if part.given:
                given = given | part.given
            if part.added:
                added.extend(part.added)
            if part.fields:
                fields.extend(part.fields)
        if len(written) > 1 and _clash(written):
            return self.resolved_table(edits)
        for slots in written:
            for slot, value in slots.items():
                values[slot] = value
        if added:
            values[INTERLAYER] = (*values[INTERLAYER], *added)
        for slot, index, field, value in fields:
            records = list(values[slot])
            record = list(records[index])
            record[field] = value
            records[index] = tuple(record)
            values[slot] = tuple(records)
        return values, given

    def resolved_table(self, edits) -> tuple[list, frozenset]:
        """The same table by resolving the whole edited spec (the reference `table` must agree with)."""
        resolved = resolve(apply_all(self.spec, edits), self.knowledge)
        return resolved.values + [None] * (len(self.base) - len(resolved.values)), resolved.given

    def part(self, edit) -> Part:
        part = self._parts.get(edit)
        if part is None:
            part = self._parts[edit] = self._part(edit)
        return part

    def _part(self, edit) -> Part:
        if isinstance(edit, SetValue) and not (edit.path == "cell.temperature" and self._temperature_read):
            slot = F.SLOT[edit.path]
            return Part({slot: edit.value}, frozenset((slot,)))
        if isinstance(edit, SetLayerValue) and (edit.component == "interlayer" or edit.key in _PLAIN_LAYER_KEYS):
            return self._layer_value(edit)
        if isinstance(edit, Swap) and edit.section == "electrolyte":
            return self._layer_swap(edit)
        return self._diff(edit)

    def _layer_swap(self, edit: Swap) -> Part:
        edited = edit.apply(self.spec)
        if self._layers is None:
            self._layers = [resolve_layer(layer, self.spec, self.knowledge) for layer in self.spec.electrolytes]
        layers = list(self._layers)
        layers[edit.index] = resolve_layer(edited.electrolytes[edit.index], edited, self.knowledge)
        placed = _Placed()
        given = place_layers(placed, layers, edited, self.knowledge)
        changed = {slot: value for slot, value in placed.values.items() if not _same(value, self.base[slot])}
        return Part(changed, frozenset(given) - self.given)

    def _layer_value(self, edit: SetLayerValue) -> Part:
        if edit.component == "interlayer":
            return Part(fields=((INTERLAYER, edit.index, _INTERLAYER_FIELD[edit.key], edit.value),))
        slots = {}
        if edit.index == 0:
            slots[F.SLOT[f"electrolyte.{edit.key}"]] = edit.value
        if edit.index == len(self.spec.electrolytes) - 1:
            slots[F.SLOT[f"cathode_electrolyte.{edit.key}"]] = edit.value
        return Part(slots, frozenset(slots), fields=((LAYERS, edit.index, _LAYER_FIELD[edit.key], edit.value),))

    def _diff(self, edit) -> Part:
        """Resolve the spec with this one edit and keep what changed."""
        resolved = resolve(edit.apply(self.spec), self.knowledge)
        base_records = self.base[INTERLAYER]
        added = tuple(resolved.values[INTERLAYER][len(base_records):]) if isinstance(edit, AddLayer) else ()
        changed = {slot: value for slot, value in enumerate(resolved.values)
                   if slot != INTERLAYER and not _same(value, self.base[slot])}
        return Part(changed, resolved.given - self.given, added)


def _clash(written: list) -> bool:
    """Do two parts write one slot with different values?"""
    for i, first in enumerate(written):
        for second in written[i + 1:]:
            if not first.keys().isdisjoint(second) and \
                    any(not _same(first[slot], second[slot]) for slot in first.keys() & second.keys()):
                return True
    return False


class _Placed:
    """Where `place_layers` writes: both layer blocks start empty, as in a full resolve, then get the layers."""

    def __init__(self):
        self.values = dict.fromkeys(_BLOCK_SLOTS)
        self.texts: dict = {}          # written by place_layers beside the values; a part is its values
        self.provenance: dict = {}

    def set(self, path, value, text, provenance) -> None:
        self.set_slot(F.SLOT[path], value, text, provenance)

    def set_slot(self, slot: int, value, text, provenance) -> None:
        self.values[slot] = value


def _same(a, b) -> bool:
    return a == b and type(a) is type(b)
