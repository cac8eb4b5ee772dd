"""CellSpec + knowledge base -> the flat value table the compiled rules read.

Each field gets a value (or None: unknown) and a provenance. Precedence: the
spec's own value, then the knowledge-base entry its section names, then a rule
default. Nothing missing is ever filled with a guess.
"""
from __future__ import annotations

import attrs

from cellrules.errors import Location
from cellrules.knowledge import names
from cellrules.knowledge.base import Entry, KnowledgeBase
from cellrules.cellspec import fields as F
from cellrules.cellspec.model import CellSpec, Material


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


def resolve(spec: CellSpec, kb: KnowledgeBase) -> Resolved:
    table = _Table(spec)
    carrier = spec.carrier
    metal = kb.lookup("anode", carrier)
    cell_header = spec.sections.get("cell")
    if metal is not None:
        table.kb("cell.carrier_potential", metal.entry, "standard_potential", cell_header)
    table.default("cell.architecture", "bulk", cell_header)
    _anode(table, spec, kb, metal.entry if metal else None)
    _electrolyte(table, spec, kb, carrier)
    _cathode(table, spec)
    _interlayers(table, spec)
    _sei(table, spec)
    _collectors(table, spec)
    for path, value in spec.values.items():  # the spec's own values win
        table.spec_value(path, value)
    _derived_defaults(table, spec, kb, carrier)
    given = frozenset(F.SLOT[path] for path in spec.values if path in F.SLOT)
    return Resolved(spec, table.values, table.provenance, table.texts, given)


class _Table:
    def __init__(self, spec: CellSpec):
        self.spec = spec
        self.values = [None] * len(F.FIELDS)
        self.provenance = [None] * len(F.FIELDS)
        self.texts = [None] * len(F.FIELDS)

    def set(self, path, value, text, provenance) -> None:
        slot = F.SLOT[path]
        self.values[slot], self.texts[slot], self.provenance[slot] = value, text, provenance

    def known(self, path) -> bool:
        return self.values[F.SLOT[path]] is not None

    def get(self, path):
        return self.values[F.SLOT[path]]

    def spec_value(self, path, value) -> None:
        self.set(path, value.value, value.text,
                 Provenance(f"spec: {self.spec.path}:{value.location.line}", value.location))

    def kb(self, path, entry: Entry, key: str, where: Location | None, value=None, how: str = "") -> None:
        item = entry.values.get(key) if value is None else value
        if item is None:
            return
        source = f"knowledge-base: {entry.name} ({item.source})" + (f"; {how}" if how else "")
        self.set(path, item.value, item.text, Provenance(source, where))

    def default(self, path, value, where) -> None:
        self.set(path, value, str(value), Provenance("rule default", where))


def _anode(table: _Table, spec: CellSpec, kb: KnowledgeBase, carrier_metal: Entry | None) -> None:
    material = spec.materials.get("anode")
    if material is None:
        return
    table.set("anode.material", material.entry.name if material.entry else material.name, material.name,
              _material_provenance(spec, material))
    entry, where = material.entry, material.location
    if entry is None:
        return
    how = _how(material)
    if entry.kind == "metal":
        table.set("anode.kind", "metal", "metal", Provenance(f"knowledge-base: {entry.name} (carrier metal)", where))
        table.kb("anode.potential", entry, "standard_potential", where, how=how)
        for key in ("shear_modulus", "yield_strength", "melting_point", "molar_volume"):
            table.kb(f"anode.{key}", entry, key, where, how=how)
        return
    for key in ("kind", "potential", "shear_modulus", "melting_point", "molar_volume", "volume_change"):
        table.kb(f"anode.{key}", entry, key, where, how=how)
    if entry.get("kind") and entry.get("kind").value == "anode-free" and carrier_metal is not None:
        # Metal plates on the bare collector: the anode that cycles is the carrier metal itself.
        plated = f"plated {carrier_metal.name} on {entry.name}"
        table.kb("anode.potential", carrier_metal, "standard_potential", where, how=plated)
        for key in ("shear_modulus", "yield_strength", "melting_point", "molar_volume"):
            table.kb(f"anode.{key}", carrier_metal, key, where, how=plated)


def _electrolyte(table: _Table, spec: CellSpec, kb: KnowledgeBase, carrier: str) -> None:
    material = spec.materials.get("electrolyte")
    if material is None:
        return
    table.set("electrolyte.material", material.entry.name if material.entry else material.name, material.name,
              _material_provenance(spec, material))
    entry, where, how = material.entry, material.location, _how(material)
    if entry is not None:
        for key in ("state", "class", "ionic_conductivity", "conductivity_temperature", "activation_energy",
                    "electronic_conductivity", "shear_modulus", "homo", "lumo", "carriers", "moisture_sensitive",
                    "decomposition_temperature", "max_temperature", "critical_current_density", "aqueous",
                    "salt", "solvent"):
            table.kb(f"electrolyte.{key}", entry, key, where, how=how)
        vft = entry.values.get("vft")
        if vft:
            table.kb("electrolyte.vft_pseudo_energy", entry, "vft", where, value=vft["a"], how=how)
            table.kb("electrolyte.vft_t0", entry, "vft", where, value=vft["t0"], how=how)
        _window(table, entry, where, how)
        if entry.formula:
            formula_elements = names.elements(entry.formula)
            if formula_elements:
                table.set("electrolyte.elements", formula_elements, ", ".join(formula_elements),
                          Provenance(f"knowledge-base: {entry.name} (formula {entry.formula})", where))
        reaction = entry.reactions.get(carrier)
        if reaction is not None:
            provenance = Provenance(f"knowledge-base: {entry.name} ({reaction.source})", where)
            table.set("electrolyte.interphase_products", reaction.products, ", ".join(reaction.products), provenance)
            if reaction.electronic is not None:
                table.set("electrolyte.interphase_conducts_electrons", reaction.electronic,
                          str(reaction.electronic).lower(), provenance)
    _liquid_parts(table, spec)


def _window(table: _Table, entry: Entry, where, how) -> None:
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
            table.kb(f"electrolyte.window.{side}", entry, "window", where, value=chosen[side],
                     how=f"{kind} window" + (f"; {how}" if how else ""))
    table.set("electrolyte.window_kind", kind, kind, Provenance(f"knowledge-base: {entry.name} ({kind} window)", where))
    measured = entry.values.get("measured_window")
    if measured and "high" in measured:
        table.kb("electrolyte.measured_window.high", entry, "measured_window", where, value=measured["high"],
                 how="measured window" + (f"; {how}" if how else ""))


def _liquid_parts(table: _Table, spec: CellSpec) -> None:
    """A liquid described by salt/solvent/additives: its class and water content come from the parts."""
    solvents = spec.parts.get("solvent", ())
    for material in solvents:
        water = material.entry.get("water")
        if water and water.value:
            table.kb("electrolyte.aqueous", material.entry, "water", material.location)
        solvent_class = material.entry.get("class")
        if solvent_class and not table.known("electrolyte.class"):
            table.kb("electrolyte.class", material.entry, "class", material.location)
    if solvents and not table.known("electrolyte.state"):
        table.set("electrolyte.state", "liquid", "liquid",
                  Provenance("rule default (an electrolyte described by its solvents is a liquid)", solvents[0].location))


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
        name = entry.name if entry else layer.material.name
        records.append(tuple([name] + [values.get(f.key) for f in F.RECORD_FIELDS["interlayer"][1:]]))
    where = spec.interlayers[0].location if spec.interlayers else spec.sections.get("cell")
    shown = "; ".join(f"{r[0]} ({r[1]}, {'/'.join(r[2] or ())})" for r in records) or "none"
    source = f"spec: {spec.path}:{where.line}" if spec.interlayers else "spec: no [[interlayer]] (none present)"
    table.set("interlayer", tuple(records), shown, Provenance(source, where))


def _sei(table: _Table, spec: CellSpec) -> None:
    if not spec.sei_components:
        return
    components = tuple(m.entry.name for m in spec.sei_components)
    where = spec.sei_components[0].location
    provenance = Provenance(f"spec: {spec.path}:{where.line}", where)
    table.set("sei.components", components, ", ".join(m.name for m in spec.sei_components), provenance)
    phases = []
    for material in spec.sei_components:
        entry = material.entry
        phases.append(tuple([entry.name] + [
            entry.get(f.key).value if entry.get(f.key) else None for f in F.RECORD_FIELDS["sei_phase"][1:]]))
    table.set("sei.phases", tuple(phases), ", ".join(components),
              Provenance(f"knowledge-base: SEI phases {', '.join(components)}", where))


def _collectors(table: _Table, spec: CellSpec) -> None:
    for side, key in (("anode", "alloys_with"), ("cathode", "corroded_by")):
        material = spec.collectors.get(side)
        if material is None:
            continue
        table.set(f"current_collector.{side}", material.entry.name, material.name, _material_provenance(spec, material))
        value = material.entry.get(key)
        field = f"current_collector.{side}_{key}"
        table.set(field, value.value if value else (), value.text if value else "none",
                  Provenance(material.entry.provenance(key), material.location))


def _derived_defaults(table: _Table, spec: CellSpec, kb: KnowledgeBase, carrier: str) -> None:
    """Values that follow from others once the spec has had its say."""
    if any(p in spec.values for p in ("electrolyte.window.low", "electrolyte.window.high")):
        where = spec.values.get("electrolyte.window.low", spec.values.get("electrolyte.window.high")).location
        table.set("electrolyte.window_kind", "given", "given", Provenance(f"spec: {spec.path}:{where.line}", where))
    electrolyte_class = table.get("electrolyte.class")
    if electrolyte_class == "aqueous" and not table.known("electrolyte.aqueous"):
        table.set("electrolyte.aqueous", True, "true", table.provenance[F.SLOT["electrolyte.class"]])
    row = kb.class_row(electrolyte_class, carrier) if electrolyte_class else None
    if row is not None:
        # The Table 1 envelopes of the electrolyte's class for this carrier (plausibility only).
        where = table.provenance[F.SLOT["electrolyte.class"]].location
        for key, field in (("ionic_conductivity", "class_conductivity"), ("activation_energy", "class_activation_energy")):
            for side, item in row.values.get(key, {}).items():
                table.kb(f"electrolyte.{field}.{side}", row, key, where, value=item)
        if "ionic_conductivity" in row.values:
            table.kb("electrolyte.class_conductivity_temperature", row, "conductivity_temperature", where)


def _how(material: Material) -> str:
    return "" if material.how in ("name", "alias") else f"matched by {material.how}"


def _material_provenance(spec: CellSpec, material: Material) -> Provenance:
    return Provenance(f"spec: {spec.path}:{material.location.line}", material.location)
