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
    values: dict             # key -> SpecValue; "between" holds the kinds of its two sides
    location: Location
    interface: int | None    # along the stack: 0 anode | layer 1, k layer k | k+1, N layer N | cathode


@attrs.frozen
class ElectrolyteLayer:
    """One electrolyte layer of the stack, as the spec describes it (`[electrolyte]` or one `[[electrolyte]]`)."""

    position: int            # 1 at the anode, counting towards the cathode
    material: Material | None
    values: dict             # key (e.g. "ionic_conductivity", "window.low") -> SpecValue
    parts: dict              # "salt"/"solvent"/"additives" -> tuple[Material, ...]
    location: Location       # its table header

    @property
    def role(self) -> str | None:
        value = self.values.get("role")
        return value.value if value else None


@attrs.frozen
class Waiver:
    rule: str
    reason: str
    expires: datetime.date | None
    location: Location


@attrs.frozen
class CellSpec:
    path: str
    values: dict                         # field path -> SpecValue, for every section but the electrolyte layers
    materials: dict                      # "anode" / "cathode" -> Material
    electrolytes: tuple[ElectrolyteLayer, ...]   # from the anode side to the cathode side
    interlayers: tuple[Interlayer, ...]
    sei_components: tuple[Material, ...]
    collectors: dict                     # "anode"/"cathode" -> Material
    waivers: tuple[Waiver, ...]
    sections: dict                       # section -> Location of its header

    @property
    def carrier(self) -> str:
        return self.values["cell.carrier"].value
