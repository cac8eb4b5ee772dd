"""How a value is shown to a user: with its unit, potentials on the cell's carrier scale."""
from __future__ import annotations

from cellrules import units
from cellrules.cellspec import fields as F


def show(value, kind: str, dimension, scale, carrier: str) -> str:
    if value is None:
        return "unknown"
    if kind == F.POTENTIAL or (dimension is not None and getattr(dimension, "potential", False)):
        return f"{_number(scale.from_she(value, carrier))} V vs {scale.display_name(carrier)}"
    if kind in (F.QUANTITY, F.NUMBER) or dimension is not None:
        if dimension is None or dimension == units.DIMENSIONLESS:
            return _number(value)
        return units.format_quantity(value, dimension)
    if kind == F.BOOL:
        return "true" if value else "false"
    if kind == F.STRINGS:
        return ", ".join(value) if value else "none"
    if kind == F.RECORDS:
        return "; ".join(str(record[0]) for record in value) if value else "none"
    return str(value)


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}"
