"""The edits a suggestion is made of, each in three forms: on the CellSpec, on the TOML data, on the text.

An edit is a frozen value: two candidates holding the same edit share its resolution (fixes/patch.py),
and a set of edits is a candidate. `group` says which edits exclude each other (one value per knob,
one new layer per interface, one material per section). `safe` follows the issue's definition: adding
a layer or moving a condition into the range the literature reports working is safe; swapping a
declared material or changing the cell's intent (a lower cut-off, a higher temperature) is not.
"""
from __future__ import annotations

import attrs

from cellrules.cellspec.model import CellSpec, Interlayer, Material, SpecValue
from cellrules.errors import Location

# TOML-level operations: what tomledit.py writes into the text and applies to the parsed data.


@attrs.frozen
class SetKey:
    """Give `key` of the table at `table` (("cell",) or ("interlayer", 0)) the value `value`."""

    table: tuple
    key: str
    value: object           # str or list of str: what TOML holds


@attrs.frozen
class AppendTable:
    """Append a table to the array of tables `array` ([[interlayer]]), its keys in order."""

    array: str
    items: tuple            # ((key, value), ...)


@attrs.frozen
class RemoveTable:
    """Remove the table `index` of the array of tables `array` (a [[waiver]] left with nothing to accept)."""

    array: str
    index: int


@attrs.frozen(cache_hash=True)
class SetValue:
    """A continuous knob of a section: `cell.stack_pressure = "5 MPa"`."""

    path: str               # field path
    value: float            # SI (potentials in V vs SHE), exactly what the loader reads from `text`
    text: str
    old_text: str
    safe: bool
    magnitude: float        # the size of the change (knobs.py), for ranking
    stated: bool = True     # the spec states the old value (else the knowledge base gives it)

    kind = "set"

    @property
    def group(self) -> tuple:
        return ("set", self.path)

    def describe(self) -> str:
        was = "was" if self.stated else "the knowledge base gives"
        return f'set {self.path} = "{self.text}" ({was} "{self.old_text}")'

    def operations(self) -> tuple:
        section, key = self.path.split(".", 1)
        return (SetKey((section,), key, self.text),)

    def apply(self, spec: CellSpec) -> CellSpec:
        old = spec.values.get(self.path)
        where = old.location if old else spec.sections.get(self.path.split(".", 1)[0], Location(spec.path))
        return attrs.evolve(spec, values={**spec.values, self.path: SpecValue(self.value, self.text, where)})


@attrs.frozen(cache_hash=True)
class SetLayerValue:
    """A continuous knob of a layer the spec declares: an electrolyte layer's or an interlayer's thickness."""

    component: str          # "electrolyte" (spec.electrolytes) or "interlayer" (spec.interlayers)
    index: int              # 0-based, from the anode side
    key: str
    table: tuple            # the layer's TOML table: ("electrolyte",), ("electrolyte", 1), ("interlayer", 0)
    path: str               # as a user names it: "electrolyte.thickness", "electrolyte.2.thickness", ...
    value: float
    text: str
    old_text: str
    safe: bool
    magnitude: float

    kind = "set"

    @property
    def group(self) -> tuple:
        return ("layer-value", self.component, self.index, self.key)

    def describe(self) -> str:
        return f'set {self.path} = "{self.text}" (was "{self.old_text}")'

    def operations(self) -> tuple:
        return (SetKey(self.table, self.key, self.text),)

    def apply(self, spec: CellSpec) -> CellSpec:
        layers = list(spec.electrolytes if self.component == "electrolyte" else spec.interlayers)
        layer = layers[self.index]
        old = layer.values.get(self.key)
        value = SpecValue(self.value, self.text, old.location if old else layer.location)
        layers[self.index] = attrs.evolve(layer, values={**layer.values, self.key: value})
        if self.component == "electrolyte":
            return attrs.evolve(spec, electrolytes=tuple(layers))
        return attrs.evolve(spec, interlayers=tuple(layers))


@attrs.frozen(cache_hash=True)
class AddLayer:
    """A new [[interlayer]] of a knowledge-base material at an interface of the stack."""

    material: str           # the knowledge-base entry's name
    between: tuple          # as written: ("anode", "electrolyte"), ("electrolyte.1", "electrolyte.2"), ...
    interface: int          # along the stack: 0 anode | layer 1, k layer k | k+1, N layer N | cathode
    layer_class: str        # its class at that interface
    entry: object = attrs.field(eq=False, repr=False)

    kind = "add-layer"
    safe = True
    magnitude = 1.0         # a whole new part: more than any re-tuned value (knobs.py keeps those below 1)

    @property
    def group(self) -> tuple:
        return ("add-layer", self.interface)

    def describe(self) -> str:
        return f"add [[interlayer]] {self.material} ({self.layer_class}) between {self.between[0]} and {self.between[1]}"

    def operations(self) -> tuple:
        return (AppendTable("interlayer", (("material", self.material), ("between", list(self.between)))),)

    def apply(self, spec: CellSpec) -> CellSpec:
        where = Location(spec.path)
        kinds = tuple(side.split(".", 1)[0] for side in self.between)
        layer = Interlayer(Material(self.material, self.entry, "name", where),
                           {"between": SpecValue(kinds, ", ".join(self.between), where)}, where, self.interface)
        return attrs.evolve(spec, interlayers=(*spec.interlayers, layer))


@attrs.frozen(cache_hash=True)
class Swap:
    """Another knowledge-base material for a declared component: the anode, an electrolyte layer, the
    cathode or a current collector."""

    section: str            # "anode", "electrolyte", "cathode", "current_collector.anode", ...
    index: int              # the electrolyte layer (0-based); 0 for the other sections
    table: tuple            # the TOML table holding the material
    key: str                # its key there: "material", or "anode"/"cathode" in [current_collector]
    label: str              # "anode", "electrolyte", "electrolyte layer 2", "anode current collector", ...
    material: str
    old: str
    entry: object = attrs.field(eq=False, repr=False)

    kind = "swap"
    safe = False
    magnitude = 1.0

    @property
    def group(self) -> tuple:
        return ("swap", self.section, self.index)

    def describe(self) -> str:
        return f"replace the {self.label} {self.old} by {self.material}"

    def operations(self) -> tuple:
        return (SetKey(self.table, self.key, self.material),)

    def apply(self, spec: CellSpec) -> CellSpec:
        if self.section == "electrolyte":
            layers = list(spec.electrolytes)
            old = layers[self.index].material
            layers[self.index] = attrs.evolve(layers[self.index], material=Material(
                self.material, self.entry, "name", old.location))
            return attrs.evolve(spec, electrolytes=tuple(layers))
        if self.section.startswith("current_collector."):
            side = self.section.split(".", 1)[1]
            old = spec.collectors[side]
            return attrs.evolve(spec, collectors={**spec.collectors, side: Material(
                self.material, self.entry, "name", old.location)})
        old = spec.materials[self.section]
        return attrs.evolve(spec, materials={**spec.materials, self.section: Material(
            self.material, self.entry, "name", old.location)})


def apply_all(spec: CellSpec, edits) -> CellSpec:
    for edit in edits:
        spec = edit.apply(spec)
    return spec
