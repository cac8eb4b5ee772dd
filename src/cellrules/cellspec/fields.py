"""The fields a rule can read, and which a spec may set.

This table is the contract between cell specs (cell-spec.md), the knowledge base
and rule expressions: the checker rejects a name that is not here (with a did
you mean), the spec loader rejects a key that is not here, and the resolver
fills each field from the spec, else the knowledge base, else leaves it unknown.
Every field becomes one slot of a flat value table, so compiled rules read
`values[slot]` instead of walking dictionaries.
"""
from __future__ import annotations

import attrs

from cellrules import units

CARRIERS = ("Li", "Na", "K", "Mg", "Zn", "Al", "Ca")
ARCHITECTURES = ("bulk", "thin-film")
ANODE_KINDS = ("metal", "alloy", "intercalation", "anode-free")
STATES = ("solid", "polymer", "gel", "liquid", "hybrid")
ELECTROLYTE_CLASSES = (
    "garnet", "perovskite", "nasicon", "beta-alumina", "oxide", "sulfide", "selenide", "halide",
    "antiperovskite", "hydride", "nitride", "thin-film", "polymer", "gel-polymer", "carbonate", "ether",
    "aqueous", "ionic-liquid", "concentrated",
)
INTERLAYER_CLASSES = ("cathode-coating", "alloying-interlayer", "artificial-sei", "oxide-barrier",
                      "carbon", "polymer-buffer")
CATHODE_STRUCTURES = ("layered-oxide", "spinel", "olivine", "polyanion", "sulfide", "sulfur",
                      "conversion", "prussian-blue", "chevrel", "graphite", "organic", "oxygen")
INTERFACES = ("anode", "electrolyte", "cathode", "current_collector")
WINDOW_KINDS = ("thermodynamic", "measured", "given")
LAYER_ROLES = ("separator", "catholyte", "anolyte")
# Structure families of inorganic electrolytes that rules key on (an argyrodite Li6PS5X of any halide).
ELECTROLYTE_STRUCTURES = ("argyrodite", "lgps-type")
# The polyanion network of an electrolyte or interlayer (Li3PO4, LiPON, LATP: phosphate).
POLYANIONS = ("phosphate", "thiophosphate")
POLYMER_HOSTS = ("polyether", "polynitrile", "fluoropolymer", "polycarbonate", "polyacrylate", "polyacrylamide",
                 "polyvinyl-alcohol")
# Anion families a salt or additive brings (rules/knowledge/liquids.toml): what corrodes a collector.
ANIONS = ("chloride", "bromide", "iodide", "hexafluorophosphate", "tetrafluoroborate", "perchlorate", "imide",
          "triflate", "sulfate", "nitrate", "hydroxide", "fluoroalkoxyborate", "borohydride", "amide")
SEI_ELECTRONIC = ("insulating", "conducting")
SEI_IONIC = ("good", "moderate", "poor")

# Value kinds. A "quantity" has a dimension; a "potential" is a quantity on an
# electrode scale, held in volts vs SHE.
QUANTITY, POTENTIAL, NUMBER, STRING, BOOL, STRINGS, RECORDS = (
    "quantity", "potential", "number", "string", "bool", "strings", "records")


@attrs.frozen
class Field:
    path: str
    kind: str
    description: str
    dimension: units.Dimension | None = None
    vocabulary: tuple[str, ...] = ()
    settable: bool = True          # may a spec set it directly?
    record: str = ""               # for RECORDS: the record type's name

    @property
    def section(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.path.split(".", 1)[1]


def _q(path, dimension, description, **kw):
    return Field(path, QUANTITY, description, dimension=dimension, **kw)


def _s(path, description, vocabulary=(), **kw):
    return Field(path, STRING, description, vocabulary=vocabulary, **kw)


def _p(path, description, **kw):
    return Field(path, POTENTIAL, description, dimension=units.POTENTIAL, **kw)


U = units
# One electrolyte layer: the keys a `[electrolyte]` / `[[electrolyte]]` table may set, and what the
# knowledge base fills in. Paths are written `electrolyte.KEY`; every layer of a stack has them all.
ELECTROLYTE_LAYER: tuple[Field, ...] = (
    _s("electrolyte.material", "electrolyte material (knowledge-base name, or a label for a liquid described by parts)"),
    _s("electrolyte.state", "solid, polymer, gel, liquid or hybrid", STATES),
    _s("electrolyte.class", "electrolyte class", ELECTROLYTE_CLASSES),
    _q("electrolyte.thickness", U.LENGTH, "electrolyte (separator) thickness"),
    _q("electrolyte.ionic_conductivity", U.CONDUCTIVITY, "ionic conductivity at conductivity_temperature"),
    _q("electrolyte.conductivity_temperature", U.TEMPERATURE, "temperature at which ionic_conductivity holds"),
    _q("electrolyte.activation_energy", U.ENERGY, "activation energy of ionic conduction (Arrhenius, Eq. 7)"),
    _q("electrolyte.vft_pseudo_energy", U.TEMPERATURE, "VFT pseudo-activation B/k (Eq. 8), in kelvin"),
    _q("electrolyte.vft_t0", U.TEMPERATURE, "VFT ideal glass-transition temperature T0 (Eq. 8)"),
    _q("electrolyte.electronic_conductivity", U.CONDUCTIVITY, "electronic conductivity"),
    _q("electrolyte.shear_modulus", U.PRESSURE, "shear modulus"),
    _p("electrolyte.window.low", "reduction limit of the stability window"),
    _p("electrolyte.window.high", "oxidation limit of the stability window"),
    _s("electrolyte.window_kind", "thermodynamic (computed), measured, or given (in the spec)", WINDOW_KINDS, settable=False),
    _p("electrolyte.measured_window.high", "oxidation limit of the measured (experimental) window, where the knowledge base has one besides a computed window", settable=False),
    _p("electrolyte.homo", "HOMO as a potential (given in eV on the vacuum scale)"),
    _p("electrolyte.lumo", "LUMO as a potential (given in eV on the vacuum scale)"),
    Field("electrolyte.carriers", STRINGS, "carrier ions the electrolyte conducts", vocabulary=CARRIERS),
    Field("electrolyte.elements", STRINGS, "elements of the electrolyte's formula", settable=False),
    Field("electrolyte.interphase_products", STRINGS, "products of its reaction with the carrier metal"),
    Field("electrolyte.interphase_conducts_electrons", BOOL, "whether those products conduct electrons (mixed conducting interphase)"),
    Field("electrolyte.moisture_sensitive", BOOL, "degrades in air or moisture"),
    _q("electrolyte.decomposition_temperature", U.TEMPERATURE, "temperature at which it decomposes"),
    _q("electrolyte.max_temperature", U.TEMPERATURE, "highest operating temperature"),
    _q("electrolyte.critical_current_density", U.CURRENT_DENSITY, "critical current density against the carrier metal"),
    _q("electrolyte.bare_critical_current_density", U.CURRENT_DENSITY,
       "critical current density of a bare metal interface, at room temperature without stack pressure"),
    Field("electrolyte.transference_number", NUMBER, "carrier-ion transference number, a fraction 0-1"),
    _s("electrolyte.polymer_host", "chemistry of a polymer electrolyte's host", POLYMER_HOSTS),
    _s("electrolyte.structure", "structure family of an inorganic electrolyte", ELECTROLYTE_STRUCTURES),
    _s("electrolyte.polyanion", "polyanion network of the electrolyte", POLYANIONS),
    Field("electrolyte.anions", STRINGS, "anion families of its salts and additives", vocabulary=ANIONS),
    Field("electrolyte.water_stable", BOOL, "a dense solid that keeps conducting in contact with water"),
    Field("electrolyte.wetted_by", STRINGS, "metals reported to make a conformal, low-resistance contact with its "
          "bare surface (no interlayer)", vocabulary=CARRIERS),
    _q("electrolyte.boiling_point", U.TEMPERATURE, "boiling point of its most volatile solvent"),
    Field("electrolyte.aqueous", BOOL, "water-based (or water-containing)"),
    _s("electrolyte.salt", "salt of a liquid/gel electrolyte"),
    _q("electrolyte.concentration", U.CONCENTRATION, "salt concentration"),
    Field("electrolyte.solvent", STRINGS, "solvents of a liquid/gel electrolyte"),
    Field("electrolyte.additives", STRINGS, "additives of a liquid/gel electrolyte"),
    _q("electrolyte.class_conductivity.low", U.CONDUCTIVITY, "Table 1 lower conductivity bound for this class and carrier", settable=False),
    _q("electrolyte.class_conductivity.high", U.CONDUCTIVITY, "Table 1 upper conductivity bound for this class and carrier", settable=False),
    _q("electrolyte.class_conductivity_temperature", U.TEMPERATURE, "temperature at which the Table 1 conductivity range holds", settable=False),
    _q("electrolyte.class_activation_energy.low", U.ENERGY, "Table 1 lower activation-energy bound for this class and carrier", settable=False),
    _q("electrolyte.class_activation_energy.high", U.ENERGY, "Table 1 upper activation-energy bound for this class and carrier", settable=False),
    _s("electrolyte.role", "what the layer is for in a stack: separator, catholyte or anolyte", LAYER_ROLES),
)

FIELDS: tuple[Field, ...] = (
    # [cell]
    _s("cell.name", "free-text name of the design"),
    _s("cell.carrier", "the carrier metal", CARRIERS),
    _s("cell.architecture", "bulk or thin-film (default bulk)", ARCHITECTURES),
    _q("cell.temperature", U.TEMPERATURE, "operating temperature"),
    _q("cell.stack_pressure", U.PRESSURE, "stack pressure on the cell"),
    _q("cell.current_density", U.CURRENT_DENSITY, "operating current density"),
    _q("cell.areal_capacity", U.AREAL_CAPACITY, "areal capacity cycled"),
    Field("cell.cycles", NUMBER, "claimed or target cycle life"),
    Field("cell.coulombic_efficiency", NUMBER, "coulombic efficiency, a fraction 0-1"),
    Field("cell.capacity_retention", NUMBER, "capacity retention claimed after `cycles`, a fraction 0-1"),
    _q("cell.energy_density", U.SPECIFIC_ENERGY, "claimed or target specific energy"),
    _q("cell.nucleation_overpotential", U.VOLTAGE,
       "measured nucleation overpotential of the first plating (the voltage spike, magnitude), e.g. \"40 mV\""),
    _q("cell.plateau_overpotential", U.VOLTAGE,
       "measured plateau (growth) overpotential of the plating that follows, magnitude, e.g. \"15 mV\""),
    _q("cell.sintering_temperature", U.TEMPERATURE,
       "highest temperature at which electrode and electrolyte are processed together (co-sintering)"),
    _s("cell.source", "where this design comes from"),
    _p("cell.carrier_potential", "standard potential of the carrier metal", settable=False),
    Field("cell.carrier_charge", NUMBER, "charge of the carrier ion (1 for Li+, 2 for Zn2+, 3 for Al3+)", settable=False),
    # [anode]
    _s("anode.material", "anode material (knowledge-base name)"),
    _s("anode.kind", "metal, alloy, intercalation or anode-free", ANODE_KINDS),
    _q("anode.thickness", U.LENGTH, "anode thickness"),
    _p("anode.potential", "anode potential (plating/stripping or alloying potential)"),
    _q("anode.shear_modulus", U.PRESSURE, "shear modulus of the anode metal"),
    _q("anode.yield_strength", U.PRESSURE, "yield strength of the anode metal"),
    _q("anode.melting_point", U.TEMPERATURE, "melting point of the anode"),
    _q("anode.molar_volume", U.MOLAR_VOLUME, "molar volume of the anode metal"),
    Field("anode.volume_change", NUMBER, "volume change on full lithiation/alloying, a fraction (3.0 = 300 %)"),
    Field("anode.hosted", BOOL, "the metal is held in a 3D conductive host (a composite anode)"),
    Field("anode.elements", STRINGS, "elements of the anode's formula (an alloy's host elements)", settable=False),
    Field("anode.ion_conducting_sei", BOOL, "an alloy reported to form an ion-conducting, passivating SEI where the bare metal's interphase conducts electrons"),
    # [electrolyte]: the layer that touches the anode (in a one-layer cell, the electrolyte)
    *ELECTROLYTE_LAYER,
    # [cathode]
    _s("cathode.material", "cathode material"),
    _p("cathode.potential", "upper operating potential (charge cut-off)"),
    _s("cathode.structure", "structure family", CATHODE_STRUCTURES),
    Field("cathode.oxide", BOOL, "an oxide cathode"),
    _q("cathode.thickness", U.LENGTH, "cathode thickness"),
    # [[interlayer]]
    Field("interlayer", RECORDS, "buffer layers, coatings and artificial SEIs", record="interlayer"),
    # [sei]
    Field("sei.components", STRINGS, "SEI phases (knowledge-base names)"),
    Field("sei.phases", RECORDS, "SEI phases with their properties", record="sei_phase", settable=False),
    _q("sei.thickness", U.LENGTH, "SEI thickness"),
    # [current_collector]
    _s("current_collector.anode", "anode-side current collector"),
    _s("current_collector.cathode", "cathode-side current collector"),
    _q("current_collector.anode_thickness", U.LENGTH, "thickness of the anode-side current collector (film or foil)"),
    Field("current_collector.anode_alloys_with", STRINGS, "carrier metals the anode collector alloys with", settable=False),
    Field("current_collector.cathode_corroded_by", STRINGS, "electrolyte classes that corrode the cathode collector", settable=False),
    Field("current_collector.cathode_corroded_by_anions", STRINGS, "anion families that corrode the cathode collector",
          vocabulary=ANIONS, settable=False),
    # The layer that touches the cathode (the same layer as `electrolyte` in a one-layer cell).
    *(attrs.evolve(f, path="cathode_electrolyte." + f.key, settable=False,
                   description=f.description + " (the layer touching the cathode)") for f in ELECTROLYTE_LAYER),
    # Every layer, and every interface between two layers, anode side first.
    Field("electrolyte_layers", RECORDS, "the electrolyte layers from the anode side to the cathode side",
          record="electrolyte_layer", settable=False),
    Field("electrolyte_interfaces", RECORDS, "the interfaces between adjacent electrolyte layers, anode side first",
          record="electrolyte_interface", settable=False),
)

# Fields of the records in a RECORDS field, in slot order.
RECORD_FIELDS: dict[str, tuple[Field, ...]] = {
    # Per-layer derived values (`let electrolyte.NAME = ...`) follow these in each record.
    "electrolyte_layer": (
        *(attrs.evolve(f, path="electrolyte_layer." + f.key, settable=False) for f in ELECTROLYTE_LAYER),
        Field("electrolyte_layer.position", NUMBER, "1 for the layer at the anode, counting towards the cathode",
              settable=False),
    ),
    "electrolyte_interface": (
        _s("electrolyte_interface.label", "the two layers, e.g. Li6PS5Cl | Li3InCl6", settable=False),
        Field("electrolyte_interface.position", NUMBER, "k for the interface between layers k and k+1", settable=False),
        _s("electrolyte_interface.anode_side_material", "the layer on the anode side", settable=False),
        _s("electrolyte_interface.anode_side_class", "its class", ELECTROLYTE_CLASSES, settable=False),
        _p("electrolyte_interface.anode_side_window.low", "its reduction limit", settable=False),
        _p("electrolyte_interface.anode_side_window.high", "its oxidation limit", settable=False),
        _s("electrolyte_interface.cathode_side_material", "the layer on the cathode side", settable=False),
        _s("electrolyte_interface.cathode_side_class", "its class", ELECTROLYTE_CLASSES, settable=False),
        _p("electrolyte_interface.cathode_side_window.low", "its reduction limit", settable=False),
        _p("electrolyte_interface.cathode_side_window.high", "its oxidation limit", settable=False),
        Field("electrolyte_interface.protected", BOOL, "an interlayer separates the two layers", settable=False),
        Field("electrolyte_interface.reacts", BOOL,
              "the knowledge base records that the two layers react (true) or are compatible (false)", settable=False),
        Field("electrolyte_interface.reaction_products", STRINGS, "what their reaction forms", settable=False),
    ),
    "interlayer": (
        _s("interlayer.material", "interlayer material"),
        _s("interlayer.class", "buffer-layer class", INTERLAYER_CLASSES),
        Field("interlayer.between", STRINGS, "the interface it sits at", vocabulary=INTERFACES),
        _q("interlayer.thickness", U.LENGTH, "layer thickness"),
        Field("interlayer.conduction_group", NUMBER, "conduction group 1-4 of Section 6.1"),
        Field("interlayer.carriers", STRINGS, "carriers Table 2 names it for", vocabulary=CARRIERS, settable=False),
        _s("interlayer.polyanion", "polyanion network of the layer", POLYANIONS),
    ),
    "sei_phase": (
        _s("sei_phase.material", "SEI phase"),
        _s("sei_phase.carrier", "its carrier", CARRIERS),
        _s("sei_phase.electronic", "insulating or conducting", SEI_ELECTRONIC),
        _s("sei_phase.ionic", "good, moderate or poor ionic conduction", SEI_IONIC),
        Field("sei_phase.preferred", BOOL, "a composition the review recommends"),
        Field("sei_phase.soluble_in", STRINGS, "electrolyte classes it dissolves in", vocabulary=ELECTROLYTE_CLASSES),
    ),
}

BY_PATH: dict[str, Field] = {f.path: f for f in FIELDS}
SLOT: dict[str, int] = {f.path: i for i, f in enumerate(FIELDS)}
ELECTROLYTE_KEYS: tuple[str, ...] = tuple(f.key for f in ELECTROLYTE_LAYER)
# The two slot blocks of layer fields: the layer touching the anode, the one touching the cathode.
LAYER_BLOCKS = ("electrolyte", "cathode_electrolyte")


def record_index(record: str, key: str) -> int:
    """Position of `key` (which may be dotted, like `window.low`) inside a record of type `record`."""
    for i, field in enumerate(RECORD_FIELDS[record]):
        if field.key == key:
            return i
    raise KeyError(key)


def layer_block_of(path: str) -> str | None:
    """`electrolyte` or `cathode_electrolyte` when `path` is a field of one of the two layer blocks."""
    head = path.split(".", 1)[0]
    return head if head in LAYER_BLOCKS else None
