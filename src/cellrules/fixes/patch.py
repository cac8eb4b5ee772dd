"""The evaluator's value table for the spec with a set of edits, re-resolving only what an edit touches.

A full resolve costs about three evaluations; a search tries tens of thousands of candidates. Each
edit is therefore resolved once, into the part of the slot table it changes (a `Part`), and a
candidate's table is the base table with its edits' parts laid over it:

- a value the spec sets (a knob) is one slot, and the spec's own values win in the resolver too;
- a new or re-tuned interlayer is one record of the `interlayer` slot, which depends only on that
  layer and its knowledge-base entry, so records of several edits combine;
- a swapped material changes the slots of its section, found by resolving the edited spec once.

Where two parts write one slot with different values, the parts do not combine and the whole
edited spec is resolved instead: the table is always what `resolve` would give (tests compare them).
"""
from __future__ import annotations

import attrs

from cellrules.cellspec import fields as F
from cellrules.cellspec.resolve import resolve
from cellrules.fixes.edits import AddLayer, SetLayerValue, SetValue, apply_all

INTERLAYER = F.SLOT["interlayer"]


@attrs.frozen
class Part:
    slots: dict = attrs.field(factory=dict)           # slot -> value
    given: frozenset = frozenset()                    # slots the spec now sets itself
    records: tuple = ()                               # interlayer records added
    replaced: dict = attrs.field(factory=dict)        # index -> interlayer record replaced


class Patcher:
    def __init__(self, knowledge, spec, resolved, slot_count: int):
        self.knowledge = knowledge
        self.spec = spec
        self.base = resolved.values + [None] * (slot_count - len(resolved.values))
        self.given = resolved.given
        self.records = tuple(resolved.values[INTERLAYER] or ())
        self._parts: dict = {}

    def table(self, edits) -> tuple[list, frozenset]:
        """The values and given-slots of the spec with `edits`, ready for the evaluator."""
        if not edits:
            return list(self.base), self.given
        values = list(self.base)
        given = self.given
        records = list(self.records)
        written: dict = {}
        for part in (self.part(edit) for edit in edits):
            for slot, value in part.slots.items():
                if slot in written and not _same(written[slot], value):
                    return self.resolved_table(edits)
                written[slot] = values[slot] = value
            given = given | part.given if part.given else given
            for index, record in part.replaced.items():
                records[index] = record
            records.extend(part.records)
        values[INTERLAYER] = tuple(records)
        return values, given

    def resolved_table(self, edits) -> tuple[list, frozenset]:
        """The same table by resolving the whole edited spec (the reference `table` must agree with)."""
        resolved = resolve(apply_all(self.spec, edits), self.knowledge)
        return resolved.values + [None] * (len(self.base) - len(resolved.values)), resolved.given

    def part(self, edit) -> Part:
        part = self._parts.get(edit)
        if part is None:
            part = self._parts[edit] = self._resolve_part(edit)
        return part

    def _resolve_part(self, edit) -> Part:
        if isinstance(edit, SetValue):
            slot = F.SLOT[edit.path]
            return Part({slot: edit.value}, frozenset((slot,)))
        resolved = resolve(edit.apply(self.spec), self.knowledge)
        if isinstance(edit, AddLayer):
            return Part(records=tuple(resolved.values[INTERLAYER][len(self.records):]))
        if isinstance(edit, SetLayerValue):
            return Part(replaced={edit.index: resolved.values[INTERLAYER][edit.index]})
        changed = {slot: value for slot, value in enumerate(resolved.values)
                   if slot != INTERLAYER and not _same(value, self.base[slot])}
        return Part(changed, resolved.given - self.given)


def _same(a, b) -> bool:
    return a == b and type(a) is type(b)
