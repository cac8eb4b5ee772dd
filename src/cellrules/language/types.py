"""Static types of rule expressions, known before anything is evaluated."""
from __future__ import annotations

import attrs

from cellrules import units
from cellrules.cellspec import fields as F


@attrs.frozen
class Type:
    kind: str                                  # one of the field kinds, or "set"
    dimension: units.Dimension | None = None   # for quantity and potential
    vocabulary: tuple[str, ...] = ()           # for strings: the allowed words
    record: str = ""                           # for records: the record type

    def describe(self) -> str:
        if self.kind in (F.QUANTITY, F.POTENTIAL, F.NUMBER):
            return self.dimension.name if self.dimension else "a number"
        return {F.STRING: "a string", F.BOOL: "a boolean", F.STRINGS: "a list of strings",
                F.RECORDS: f"a list of {self.record} records", "set": "a set of strings"}[self.kind]

    @property
    def numeric(self) -> bool:
        return self.kind in (F.QUANTITY, F.POTENTIAL, F.NUMBER)


BOOL = Type(F.BOOL)
STRING = Type(F.STRING)
STRINGS = Type(F.STRINGS)
NUMBER = Type(F.NUMBER, units.DIMENSIONLESS)


def quantity(dimension: units.Dimension) -> Type:
    if dimension == units.DIMENSIONLESS:
        return NUMBER
    if dimension.potential:
        return Type(F.POTENTIAL, dimension)
    return Type(F.QUANTITY, dimension)


def of_field(field: F.Field) -> Type:
    if field.kind == F.NUMBER:
        return NUMBER
    if field.kind in (F.QUANTITY, F.POTENTIAL):
        return quantity(field.dimension)
    return Type(field.kind, vocabulary=field.vocabulary, record=field.record)
