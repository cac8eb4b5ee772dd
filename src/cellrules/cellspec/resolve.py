"""CellSpec + knowledge base -> the flat value table the compiled rules read.

Each field gets a value (or None: unknown) and a provenance. Precedence: the
spec's own value, then the knowledge-base entry its section names, then a rule
default. Nothing missing is ever filled with a guess.

The work is split by component (the cell, the anode, each electrolyte layer,
the cathode, the interlayers, the SEI, the collectors), each a function of its
own part of the spec and the knowledge base, so a caller that changes one part
(a suggested edit, a screened candidate) can resolve that part alone and patch
the table: `resolve_layer` returns one layer's values, `place_layers` writes the
two layer blocks and the layer records.
"""
from __future__ import annotations

import functools

import attrs

from cellrules.cellspec import fields as F
from cellrules.cellspec.model import CellSpec, ElectrolyteLayer, Material
from cellrules.errors import Location
from cellrules.knowledge import names
from cellrules.knowledge.base import Entry, KnowledgeBase


@attrs.frozen
class Provenance:
    """Where a value came from: `spec: PATH:LINE`, `knowledge-base: ENTRY (SOURCE)` or `rule default`."""

    source: str
    location: Location | None


@attrs.frozen
class Resolved:
    spec: CellSpec
    values: list             # slot -> value or None
    provenance: list         # slot -> Provenance or None
    texts: list              # slot -> the value as written (spec or knowledge base), or None
    given: frozenset = frozenset()   # slots whose value the spec itself set (read by the rule function given())
    layers: tuple = ()               # LayerValues of each electrolyte layer, anode side first

    def display_name(self, path: str, layer: int | None = None) -> str:
        """A field as the user addresses it: `electrolyte.X` in a one-layer cell, `electrolyte.N.X` in a
        stack; `layer` is the position that `electrolyte.*` stands for (a rule judged per layer)."""
        return _display_name(path, layer, len(self.spec.electrolytes))


@functools.lru_cache(maxsize=4096)
def _display_name(path: str, layer: int | None, count: int) -> str:
    block = F.layer_block_of(path)
    if block is None:
        return path
    key = path.split(".", 1)[1]
    if count <= 1:
        return f"electrolyte.{key}"
    position = count if block == "cathode_electrolyte" else layer or 1
    return f"electrolyte.{position}.{key}"


@attrs.frozen
class LayerValues:
    """One electrolyte layer resolved: key -> (value, text, Provenance), and the keys the spec set."""

    position: int
    entries: dict
    given: frozenset

    def value(self, key: str):
        item = self.entries.get(key)
        return item[0] if item else None


def resolve(spec: CellSpec, kb: KnowledgeBase) -> Resolved:
    table = _Table(spec)
    carrier = spec.carrier
    metal = kb.lookup("anode", carrier)
    cell_header = spec.sections.get("cell")
    if metal is not None:
        table.kb("cell.carrier_potential", metal.entry, "standard_potential", cell_header)
        table.kb("cell.carrier_charge", metal.entry, "charge", cell_header)
    table.default("cell.architecture", "bulk", cell_header)
    _anode(table, spec, kb, metal.entry if metal else None)
    _cathode(table, spec)
    _interlayers(table, spec)
    _sei(table, spec, kb)
    _collectors(table, spec)
    given = table.spec_values(spec.values)  # the spec's own values win
    layers = [resolve_layer(layer, spec, kb) for layer in spec.electrolytes]
    given |= place_layers(table, layers, spec, kb)
    return Resolved(spec, table.values, table.provenance, table.texts, frozenset(given), tuple(layers))


class _Values:
    """Where resolving writes values: `set` is the target's own; `kb` writes an entry's value with its source."""

    def set(self, key, value, text, provenance) -> None:
        raise NotImplementedError

    def replay(self, items: tuple, where) -> None:
        """What an entry gives (_recorded), each value with its source at `where`, the spec's location."""
        for key, value, text, source in items:
            self.set(key, value, text, Provenance(source, where))

    def kb(self, key, entry: Entry, source_key: str, where: Location | None, value=None, how: str = "") -> None:
        """Entry `source_key` (or `value`, one of its items) under `key`; nothing when the entry has none."""
        item = entry.values.get(source_key) if value is None else value
        if item is not None:
            self.set(key, item.value, item.text, _kb_provenance(entry, item, where, how))


class _Table(_Values):
    def __init__(self, spec: CellSpec):
        self.spec = spec
        self.values = [None] * len(F.FIELDS)
        self.provenance = [None] * len(F.FIELDS)
        self.texts = [None] * len(F.FIELDS)

    def set(self, path, value, text, provenance) -> None:
        self.set_slot(F.SLOT[path], value, text, provenance)

    def set_slot(self, slot: int, value, text, provenance) -> None:
        self.values[slot], self.texts[slot], self.provenance[slot] = value, text, provenance

    def known(self, path) -> bool:
        return self.values[F.SLOT[path]] is not None

    def get(self, path):
        return self.values[F.SLOT[path]]

    def spec_values(self, given: dict) -> set[int]:
        """The spec's own values (path -> SpecValue) over what is there; returns their slots. A dozen a spec,
        each three list stores."""
        values, texts, provenance, spec, written = self.values, self.texts, self.provenance, self.spec, set()
        for key, value in given.items():
            slot = F.SLOT[key]
            values[slot], texts[slot] = value.value, value.text
            provenance[slot] = _spec_provenance(spec, value.location)
            written.add(slot)
        return written

    def replay(self, items: tuple, where) -> None:
        values, texts, provenance, slots = self.values, self.texts, self.provenance, F.SLOT
        for key, value, text, source in items:
            slot = slots[key]
            values[slot], texts[slot], provenance[slot] = value, text, Provenance(source, where)

    def default(self, path, value, where) -> None:
        self.set(path, value, str(value), Provenance("rule default", where))


def _spec_provenance(spec: CellSpec, where: Location) -> Provenance:
    return Provenance(f"spec: {spec.path}:{where.line}", where)


def _kb_provenance(entry: Entry, item, where, how: str = "") -> Provenance:
    return Provenance(f"knowledge-base: {entry.name} ({item.source})" + (f"; {how}" if how else ""), where)


def _anode(table: _Table, spec: CellSpec, kb: KnowledgeBase, carrier_metal: Entry | None) -> None:
    material = spec.materials.get("anode")
    if material is None:
        return
    table.set("anode.material", material.entry.name if material.entry else material.name, material.name,
              _material_provenance(spec, material))
    entry, how = material.entry, _how(material)
    if entry is not None:
        table.replay(kb.derived(entry, ("anode", how, carrier_metal and carrier_metal.name),
                                lambda: _recorded(_anode_entry, entry, how, carrier_metal)), material.location)


def _anode_entry(table: _Table, entry: Entry, where, how: str, carrier_metal: Entry | None) -> None:
    if entry.kind == "metal":
        table.set("anode.kind", "metal", "metal", Provenance(f"knowledge-base: {entry.name} (carrier metal)", where))
        table.kb("anode.potential", entry, "standard_potential", where, how=how)
        for key in ("shear_modulus", "yield_strength", "melting_point", "molar_volume"):
            table.kb(f"anode.{key}", entry, key, where, how=how)
        return
    for key in ("kind", "potential", "shear_modulus", "melting_point", "molar_volume", "volume_change", "hosted",
                "ion_conducting_sei"):
        table.kb(f"anode.{key}", entry, key, where, how=how)
    host_elements = names.elements(entry.formula) if entry.formula else ()
    if host_elements:
        table.set("anode.elements", host_elements, ", ".join(host_elements),
                  Provenance(f"knowledge-base: {entry.name} (formula {entry.formula})", where))
    if entry.get("kind") and entry.get("kind").value == "anode-free" and carrier_metal is not None:
        # Metal plates on the bare collector: the anode that cycles is the carrier metal itself.
        plated = f"plated {carrier_metal.name} on {entry.name}"
        table.kb("anode.potential", carrier_metal, "standard_potential", where, how=plated)
        for key in ("shear_modulus", "yield_strength", "melting_point", "molar_volume"):
            table.kb(f"anode.{key}", carrier_metal, key, where, how=plated)


# ---------------------------------------------------------------- electrolyte layers

_KB_LAYER_KEYS = ("state", "class", "ionic_conductivity", "conductivity_temperature", "activation_energy",
                  "electronic_conductivity", "shear_modulus", "homo", "lumo", "carriers", "moisture_sensitive",
                  "decomposition_temperature", "max_temperature", "critical_current_density",
                  "bare_critical_current_density", "transference_number", "polymer_host", "structure", "polyanion",
                  "water_stable", "wetted_by", "aqueous",
                  "salt", "solvent", "additives")


class _Layer(_Values):
    """The values of one layer while it is being resolved."""

    def __init__(self, spec: CellSpec):
        self.spec = spec
        self.entries: dict = {}

    def set(self, key, value, text, provenance) -> None:
        self.entries[key] = (value, text, provenance)

    def replay(self, items: tuple, where) -> None:
        entries = self.entries
        for key, value, text, source in items:
            entries[key] = (value, text, Provenance(source, where))

    def get(self, key):
        item = self.entries.get(key)
        return item[0] if item else None


def resolve_layer(layer: ElectrolyteLayer, spec: CellSpec, kb: KnowledgeBase) -> LayerValues:
    """One electrolyte layer: its knowledge-base entry (or its parts), then the spec's own values."""
    values = _Layer(spec)
    material = layer.material
    if material is not None:
        values.set("material", material.entry.name if material.entry else material.name, material.name,
                   _material_provenance(spec, material))
        entry, where, how = material.entry, material.location, _how(material)
        if entry is not None:
            values.replay(kb.derived(entry, ("layer", how, spec.carrier),
                                     lambda: _recorded(_layer_entry, entry, how, spec.carrier)), where)
    _liquid_parts(values, layer)
    for key, value in layer.values.items():  # the spec's own values win
        values.set(key, value.value, value.text, _spec_provenance(spec, value.location))
    _from_parts(values, layer, kb, material.entry if material is not None else None)
    _layer_defaults(values, layer, spec, kb)
    return LayerValues(layer.position, values.entries, frozenset(layer.values))


class _Recorder(_Values):
    """Stands in for a _Table or _Layer while a knowledge-base entry's values are worked out once:
    keeps each (key, value, text, provenance source), to be replayed at each spec's location."""

    def __init__(self):
        self.items: list[tuple] = []

    def set(self, key, value, text, provenance) -> None:
        self.items.append((key, value, text, provenance.source))


def _recorded(function, entry: Entry, *args) -> tuple:
    """What `function(target, entry, None, *args)` sets from the entry alone, in order."""
    recorder = _Recorder()
    function(recorder, entry, None, *args)
    return tuple(recorder.items)


def _layer_entry(values: _Layer, entry: Entry, where, how: str, carrier: str) -> None:
    for key in _KB_LAYER_KEYS:
        values.kb(key, entry, key, where, how=how)
    vft = entry.values.get("vft")
    if vft:
        values.kb("vft_pseudo_energy", entry, "vft", where, value=vft["a"], how=how)
        values.kb("vft_t0", entry, "vft", where, value=vft["t0"], how=how)
    _window(values, entry, where, how)
    if entry.formula:
        formula_elements = names.elements(entry.formula)
        if formula_elements:
            values.set("elements", formula_elements, ", ".join(formula_elements),
                       Provenance(f"knowledge-base: {entry.name} (formula {entry.formula})", where))
    reaction = entry.reactions.get(carrier)
    if reaction is not None:
        provenance = Provenance(f"knowledge-base: {entry.name} ({reaction.source})", where)
        values.set("interphase_products", reaction.products, ", ".join(reaction.products), provenance)
        if reaction.electronic is not None:
            values.set("interphase_conducts_electrons", reaction.electronic, str(reaction.electronic).lower(),
                       provenance)


def _window(values: _Layer, entry: Entry, where, how) -> None:
    """The computed (thermodynamic) window where there is one, else the measured one."""
    candidates = [entry.values.get("window"), entry.values.get("measured_window")]
    chosen = next((w for w in candidates if w and w.get("kind") == "thermodynamic"), None) \
        or entry.values.get("measured_window") or entry.values.get("window")
    if not chosen:
        return
    kind = chosen.get("kind", "measured")
    if kind not in F.WINDOW_KINDS:
        kind = "measured"
    for side in ("low", "high"):
        if side in chosen:
            values.kb(f"window.{side}", entry, "window", where, value=chosen[side],
                      how=f"{kind} window" + (f"; {how}" if how else ""))
    values.set("window_kind", kind, kind, Provenance(f"knowledge-base: {entry.name} ({kind} window)", where))
    measured = entry.values.get("measured_window")
    if measured and "high" in measured:
        values.kb("measured_window.high", entry, "measured_window", where, value=measured["high"],
                  how="measured window" + (f"; {how}" if how else ""))


def _liquid_parts(values: _Layer, layer: ElectrolyteLayer) -> None:
    """A liquid described by salt/solvent/additives: its class and water content come from the parts."""
    solvents = layer.parts.get("solvent", ())
    for material in solvents:
        water = material.entry.get("water")
        if water and water.value:
            values.kb("aqueous", material.entry, "water", material.location)
        solvent_class = material.entry.get("class")
        if solvent_class and values.get("class") is None:
            values.kb("class", material.entry, "class", material.location)
    if solvents and values.get("state") is None:
        values.set("state", "liquid", "liquid",
                   Provenance("rule default (an electrolyte described by its solvents is a liquid)", solvents[0].location))


def _from_parts(values: _Layer, layer: ElectrolyteLayer, kb: KnowledgeBase, entry: Entry | None) -> None:
    """What follows from a liquid's parts, whether the spec names them or its knowledge-base entry does:
    the anions its salts and additives bring (collector corrosion) and the boiling point of its most
    volatile solvent. A value the spec gives itself stands."""
    def parts(section: str, key: str) -> list[Entry]:
        named = layer.parts.get(key)
        if named is not None:
            return [m.entry for m in named]
        listed = values.get(key)
        listed = [listed] if isinstance(listed, str) else listed or ()
        return [match.entry for name in listed if (match := kb.lookup(section, name)) is not None]

    if "anions" not in layer.values:
        sources = [e for e in ([entry] if entry else []) + parts("salt", "salt") + parts("additives", "additives")
                   if e.get("anions")]
        anions = tuple(sorted({a for e in sources for a in e.get("anions").value}))
        if anions:
            names_ = ", ".join(e.name for e in sources)
            values.set("anions", anions, ", ".join(anions),
                       Provenance(f"knowledge-base: anions of {names_}", layer.material.location if layer.material
                                  else layer.location))
    if "boiling_point" not in layer.values:
        solvents = [e for e in parts("solvent", "solvent") if e.get("boiling_point")]
        if solvents:
            lowest = min(solvents, key=lambda e: e.get("boiling_point").value)
            values.kb("boiling_point", lowest, "boiling_point", layer.material.location if layer.material
                      else layer.location, how="the most volatile solvent")


def _layer_defaults(values: _Layer, layer: ElectrolyteLayer, spec: CellSpec, kb: KnowledgeBase) -> None:
    """Values that follow from others once the spec has had its say."""
    if any(key in layer.values for key in ("window.low", "window.high")):
        where = layer.values.get("window.low", layer.values.get("window.high")).location
        values.set("window_kind", "given", "given", _spec_provenance(spec, where))
    given_conductivity = layer.values.get("ionic_conductivity")
    if given_conductivity is not None and "conductivity_temperature" not in layer.values:
        # A measured conductivity given without its temperature is read as measured at the cell's
        # temperature (and unknown when the cell states none), never paired with a knowledge-base one.
        temperature = spec.values.get("cell.temperature")
        values.entries.pop("conductivity_temperature", None)
        if temperature is not None:
            values.set("conductivity_temperature", temperature.value, temperature.text, Provenance(
                f"spec: {spec.path}:{given_conductivity.location.line} gives ionic_conductivity without "
                f"conductivity_temperature, so it holds at the cell's temperature "
                f"(spec: {spec.path}:{temperature.location.line})", given_conductivity.location))
    electrolyte_class = values.get("class")
    if electrolyte_class == "aqueous" and values.get("aqueous") is None:
        values.set("aqueous", True, "true", values.entries["class"][2])
    row = kb.class_row(electrolyte_class, spec.carrier) if electrolyte_class else None
    if row is not None:
        # The Table 1 envelopes of the electrolyte's class for this carrier (plausibility only).
        where = values.entries["class"][2].location
        for key, field in (("ionic_conductivity", "class_conductivity"), ("activation_energy", "class_activation_energy")):
            for side, item in row.values.get(key, {}).items():
                values.kb(f"{field}.{side}", row, key, where, value=item)
        if "ionic_conductivity" in row.values:
            values.kb("class_conductivity_temperature", row, "conductivity_temperature", where)


# The slots of each layer key in the blocks of the layer at the anode and the one at the cathode.
_BLOCK_SLOTS = {key: (F.SLOT[f"electrolyte.{key}"], F.SLOT[f"cathode_electrolyte.{key}"]) for key in F.ELECTROLYTE_KEYS}


def place_layers(table: _Table, layers: list[LayerValues], spec: CellSpec, kb: KnowledgeBase) -> set[int]:
    """Write the layer touching the anode and the one touching the cathode into their slot blocks, and
    every layer and interface into the record lists; return the slots the spec itself set."""
    given: set[int] = set()
    if layers:
        values, texts, provenances = table.values, table.texts, table.provenance   # ~60 values a spec: no calls
        for block, layer in ((0, layers[0]), (1, layers[-1])):
            for key, (value, text, provenance) in layer.entries.items():
                slot = _BLOCK_SLOTS[key][block]
                values[slot], texts[slot], provenances[slot] = value, text, provenance
            given.update(slots[block] for key in layer.given if (slots := _BLOCK_SLOTS.get(key)) is not None)
    where = spec.sections.get("electrolyte") or spec.sections.get("cell")
    records = tuple(tuple([item[0] if (item := layer.entries.get(key)) else None for key in F.ELECTROLYTE_KEYS]
                          + [float(layer.position)]) for layer in layers)
    shown = " | ".join(str(layer.value("material")) for layer in layers) or "none"
    table.set("electrolyte_layers", records, shown, Provenance(
        f"spec: {spec.path}:{where.line}" if layers else "spec: no [electrolyte]", where))
    interfaces = tuple(_interface(first, second, spec, kb) for first, second in zip(layers, layers[1:]))
    table.set("electrolyte_interfaces", interfaces, "; ".join(i[0] for i in interfaces) or "none",
              Provenance(f"spec: {spec.path}:{where.line}" if interfaces else "spec: one electrolyte layer", where))
    return given


def _interface(first: LayerValues, second: LayerValues, spec: CellSpec, kb: KnowledgeBase) -> tuple:
    """The record of the interface between two adjacent layers (fields: RECORD_FIELDS electrolyte_interface)."""
    pair = kb.electrolyte_pair((first.value("material"), first.value("class")),
                               (second.value("material"), second.value("class")))
    reacts = pair.get("reacts") if pair else None
    products = pair.get("products") if pair else None
    protected = any(layer.interface == first.position for layer in spec.interlayers)
    return (f"{first.value('material')} | {second.value('material')}", float(first.position),
            first.value("material"), first.value("class"), first.value("window.low"), first.value("window.high"),
            second.value("material"), second.value("class"), second.value("window.low"), second.value("window.high"),
            protected, reacts.value if reacts else None, products.value if products else None)


# ---------------------------------------------------------------- cathode, interlayers, SEI, collectors

def _cathode(table: _Table, spec: CellSpec) -> None:
    material = spec.materials.get("cathode")
    if material is None:
        return
    table.set("cathode.material", material.entry.name if material.entry else material.name, material.name,
              _material_provenance(spec, material))
    if material.entry is not None:
        for key in ("potential", "structure", "oxide"):
            table.kb(f"cathode.{key}", material.entry, key, material.location, how=_how(material))


def _interlayers(table: _Table, spec: CellSpec) -> None:
    records = []
    for layer in spec.interlayers:
        entry = layer.material.entry
        values = {key: v.value for key, v in layer.values.items()}
        between = values.get("between", ())
        if entry is not None:
            side = "cathode" if "cathode" in between else "anode"
            class_at = entry.values.get("class_at")
            by_side = class_at.value.get(side) if class_at else None
            default_class = by_side or (entry.get("class").value if entry.get("class") else None)
            values.setdefault("class", default_class)
            if entry.get("conduction_group"):
                values.setdefault("conduction_group", entry.get("conduction_group").value)
            if entry.get("carriers"):
                values.setdefault("carriers", entry.get("carriers").value)
            if entry.get("polyanion"):
                values.setdefault("polyanion", entry.get("polyanion").value)
        name = entry.name if entry else layer.material.name
        records.append(tuple([name] + [values.get(f.key) for f in F.RECORD_FIELDS["interlayer"][1:]]))
    where = spec.interlayers[0].location if spec.interlayers else spec.sections.get("cell")
    shown = "; ".join(f"{r[0]} ({r[1]}, {'/'.join(r[2] or ())})" for r in records) or "none"
    source = f"spec: {spec.path}:{where.line}" if spec.interlayers else "spec: no [[interlayer]] (none present)"
    table.set("interlayer", tuple(records), shown, Provenance(source, where))


def _sei(table: _Table, spec: CellSpec, kb: KnowledgeBase) -> None:
    if not spec.sei_components:
        return
    components = tuple(m.entry.name for m in spec.sei_components)
    where = spec.sei_components[0].location
    table.set("sei.components", components, ", ".join(m.name for m in spec.sei_components),
              _spec_provenance(spec, where))
    phases = tuple(kb.derived(m.entry, ("sei_phase",), lambda entry=m.entry: _sei_phase(entry))
                   for m in spec.sei_components)
    table.set("sei.phases", phases, ", ".join(components),
              Provenance(f"knowledge-base: SEI phases {', '.join(components)}", where))


def _sei_phase(entry: Entry) -> tuple:
    return tuple([entry.name] + [entry.get(f.key).value if entry.get(f.key) else None
                                 for f in F.RECORD_FIELDS["sei_phase"][1:]])


def _collectors(table: _Table, spec: CellSpec) -> None:
    for side, keys in (("anode", ("alloys_with",)), ("cathode", ("corroded_by", "corroded_by_anions"))):
        material = spec.collectors.get(side)
        if material is None:
            continue
        table.set(f"current_collector.{side}", material.entry.name, material.name, _material_provenance(spec, material))
        for key in keys:
            value = material.entry.get(key)
            table.set(f"current_collector.{side}_{key}", value.value if value else (), value.text if value else "none",
                      Provenance(material.entry.provenance(key), material.location))


def _how(material: Material) -> str:
    return "" if material.how in ("name", "alias") else f"matched by {material.how}"


def _material_provenance(spec: CellSpec, material: Material) -> Provenance:
    return _spec_provenance(spec, material.location)
