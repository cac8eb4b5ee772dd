"""How a value is shown to a user: with its unit, potentials on the cell's carrier scale."""
from __future__ import annotations

import math

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
    """A plain number: whole numbers as integers, others to 4 digits; infinities and NaN by name.

    A derived value reaches infinity legally (x / 0 is inf in the rule language), so every
    report must be able to show one.
    """
    if not math.isfinite(value):
        return units.non_finite(value)
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}"
