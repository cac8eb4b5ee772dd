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


@attrs.frozen(cache_hash=True)
class SetValue:
    """A continuous knob of a section: `cell.stack_pressure = "5 MPa"`."""

    path: str               # field path
    value: float            # SI (potentials in V vs SHE), exactly what the loader reads from `text`
    text: str
    old_text: str
    safe: bool
    magnitude: float        # the size of the change (knobs.py), for ranking

    kind = "set"

    @property
    def group(self) -> tuple:
        return ("set", self.path)

    def describe(self) -> str:
        return f'set {self.path} = "{self.text}" (was "{self.old_text}")'

    def operations(self) -> tuple:
        section, key = self.path.split(".", 1)
        return (SetKey((section,), key, self.text),)

    def apply(self, spec: CellSpec) -> CellSpec:
        old = spec.values.get(self.path)
        where = old.location if old else spec.sections.get(self.path.split(".", 1)[0], Location(spec.path))
        return attrs.evolve(spec, values={**spec.values, self.path: SpecValue(self.value, self.text, where)})


@attrs.frozen(cache_hash=True)
class SetLayerValue:
    """A continuous knob of an interlayer the spec declares: its thickness."""

    index: int              # position among the spec's [[interlayer]] tables
    key: str
    layer: str              # the layer's material, for the description
    value: float
    text: str
    old_text: str
    safe: bool
    magnitude: float

    kind = "set"

    @property
    def group(self) -> tuple:
        return ("layer-value", self.index, self.key)

    @property
    def path(self) -> str:
        return f"interlayer.{self.index + 1}.{self.key}"

    def describe(self) -> str:
        return f'set the {self.layer} interlayer\'s {self.key} = "{self.text}" (was "{self.old_text}")'

    def operations(self) -> tuple:
        return (SetKey(("interlayer", self.index), self.key, self.text),)

    def apply(self, spec: CellSpec) -> CellSpec:
        layers = list(spec.interlayers)
        layer = layers[self.index]
        old = layer.values.get(self.key)
        value = SpecValue(self.value, self.text, old.location if old else layer.location)
        layers[self.index] = attrs.evolve(layer, values={**layer.values, self.key: value})
        return attrs.evolve(spec, interlayers=tuple(layers))


@attrs.frozen(cache_hash=True)
class AddLayer:
    """A new [[interlayer]] of a knowledge-base material at an interface."""

    material: str           # the knowledge-base entry's name
    between: tuple          # ("anode", "electrolyte"), ("cathode", "electrolyte"), ...
    layer_class: str        # its class at that interface
    entry: object = attrs.field(eq=False, repr=False)

    kind = "add-layer"
    safe = True
    magnitude = 1.0         # a whole new part: more than any re-tuned value (knobs.py keeps those below 1)

    @property
    def group(self) -> tuple:
        return ("add-layer", self.between)

    def describe(self) -> str:
        return f"add [[interlayer]] {self.material} ({self.layer_class}) between {self.between[0]} and {self.between[1]}"

    def operations(self) -> tuple:
        return (AppendTable("interlayer", (("material", self.material), ("between", list(self.between)))),)

    def apply(self, spec: CellSpec) -> CellSpec:
        where = Location(spec.path)
        layer = Interlayer(Material(self.material, self.entry, "name", where),
                           {"between": SpecValue(self.between, ", ".join(self.between), where)}, where)
        return attrs.evolve(spec, interlayers=(*spec.interlayers, layer))


@attrs.frozen(cache_hash=True)
class Swap:
    """Another knowledge-base material for a declared component: the anode, or a current collector."""

    section: str            # "anode", "electrolyte", "cathode", "current_collector.anode", ...
    material: str
    old: str
    entry: object = attrs.field(eq=False, repr=False)

    kind = "swap"
    safe = False
    magnitude = 1.0

    @property
    def group(self) -> tuple:
        return ("swap", self.section)

    def describe(self) -> str:
        return f"replace the {_SECTION_NAMES.get(self.section, self.section)} {self.old} by {self.material}"

    def operations(self) -> tuple:
        if self.section.startswith("current_collector."):
            return (SetKey(("current_collector",), self.section.split(".", 1)[1], self.material),)
        return (SetKey((self.section,), "material", self.material),)

    def apply(self, spec: CellSpec) -> CellSpec:
        if self.section.startswith("current_collector."):
            side = self.section.split(".", 1)[1]
            old = spec.collectors[side]
            return attrs.evolve(spec, collectors={**spec.collectors, side: Material(
                self.material, self.entry, "name", old.location)})
        old = spec.materials[self.section]
        return attrs.evolve(spec, materials={**spec.materials, self.section: Material(
            self.material, self.entry, "name", old.location)})


_SECTION_NAMES = {"current_collector.anode": "anode current collector",
                  "current_collector.cathode": "cathode current collector"}


def apply_all(spec: CellSpec, edits) -> CellSpec:
    for edit in edits:
        spec = edit.apply(spec)
    return spec
