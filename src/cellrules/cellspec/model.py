"""A validated cell spec: every value parsed, located and matched to the knowledge base."""
from __future__ import annotations

import datetime

import attrs

from cellrules.errors import Location


@attrs.frozen
class SpecValue:
    """A value as the spec gave it: SI float / V vs SHE / str / bool / tuple, its text and where it was written."""

    value: object
    text: str
    location: Location


@attrs.frozen
class Material:
    """A section's `material`: the knowledge-base entry it names (None when custom or a free label)."""

    name: str
    entry: object            # knowledge.base.Entry | None
    how: str                 # "name", "alias", "formula", "family member ...", "custom", "label"
    location: Location


@attrs.frozen
class Interlayer:
    material: Material
    values: dict             # key -> SpecValue
    location: Location


@attrs.frozen
class Waiver:
    rule: str
    reason: str
    expires: datetime.date | None
    location: Location


@attrs.frozen
class CellSpec:
    path: str
    values: dict                         # field path -> SpecValue
    materials: dict                      # section -> Material
    interlayers: tuple[Interlayer, ...]
    sei_components: tuple[Material, ...]
    parts: dict                          # "salt"/"solvent"/"additives" -> tuple[Material, ...]
    collectors: dict                     # "anode"/"cathode" -> Material
    waivers: tuple[Waiver, ...]
    sections: dict                       # section -> Location of its header

    @property
    def carrier(self) -> str:
        return self.values["cell.carrier"].value
