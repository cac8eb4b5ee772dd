"""The physical range of every quantity, and the checks that keep impossible values out.

A value can parse, carry the right unit and still be impossible: a cathode at
"43 V vs Li/Li+", a 30 m thick anode, a conductivity of 50 S/cm, an electrolyte
whose HOMO lies above its LUMO. Such a value must never be checked as if it were
a design (it can pass, or be misdiagnosed), so it is a spec error, at its
file:line:col, with the range in the message. The same table judges the
knowledge base, so a lab's knowledge file cannot slip in what a spec may not
say; and the knowledge base's words (an electrolyte class, an anode kind) are
checked against the same vocabularies as a spec's.

The ranges are generous on purpose: they are the bounds of physics and of cells
(every electrode couple lies between Li/Li+ and F2/F-; no cell runs at 2,000 K
or under 1 GPa), not of good designs, which the rules judge.
"""
from __future__ import annotations

import math

import attrs

from cellrules import units
from cellrules.cellspec import fields as F


@attrs.frozen
class Range:
    """[low, high] in SI (potentials in V vs SHE); `low_open` excludes low; `whole` allows integers only."""

    low: float
    high: float
    shown: str            # the range as messages write it
    hint: str             # what to check
    low_open: bool = False
    whole: bool = False

    def holds(self, value: float) -> bool:
        if math.isnan(value) or value > self.high or value < self.low or (self.low_open and value <= self.low):
            return False
        return not self.whole or value == int(value)


def _si(text: str) -> float:
    return units.parse_quantity(text).value


def _quantity(low: str, high: str, hint: str, low_open: bool = False) -> Range:
    shown = f"above {low}, up to {high}" if low_open else f"{low} to {high}"
    return Range(_si(low), _si(high), shown, hint, low_open)


# Every electrode couple lies between Li/Li+ (-3.04 V vs SHE) and F2/F- (+2.87 V): a potential or window
# limit beyond this band (with room for over- and under-potentials, 7 V vs Li/Li+ at the top) is no potential
# of a cell.
POTENTIAL_LOW, POTENTIAL_HIGH = -3.6, 4.0
_POTENTIAL = Range(POTENTIAL_LOW, POTENTIAL_HIGH, f"{POTENTIAL_LOW:g} to {POTENTIAL_HIGH:g} V vs SHE",
                   "every electrode couple lies between Li/Li+ (-3.04 V vs SHE) and F2/F- (+2.87 V vs SHE); "
                   "check the number and the reference electrode")
# Orbital energies are given in eV on the vacuum scale and held as potentials: E = -(V_SHE + 4.44) eV.
_ORBITAL = Range(-5 - 4.44, 15 - 4.44, "-15 to 5 eV on the vacuum scale",
                 "frontier orbital energies of electrolytes lie between about -12 and +2 eV; check the sign")
_TEMPERATURE = _quantity("0 K", "2000 K", "a temperature is above absolute zero and no cell works near 2,000 K; "
                         "check the unit (degC or K)", low_open=True)
_THICKNESS = _quantity("0 um", "5 mm", "cell layers are nanometres to a few millimetres thick; check the unit "
                       "(nm, um, mm)")
_CONDUCTIVITY = _quantity("0 S/cm", "1 S/cm", "no electrolyte conducts better than about 1 S/cm; check the unit "
                          "(S/cm or mS/cm)")
_MODULUS = _quantity("0 GPa", "1000 GPa", "elastic moduli of cell materials lie below 1000 GPa; check the unit "
                     "(MPa or GPa)")
_CURRENT = _quantity("0 mA/cm^2", "1000 mA/cm^2", "cells run at up to tens of mA/cm^2; check the unit (mA/cm^2)")
_OVERPOTENTIAL = _quantity("0 mV", "5 V", "plating overpotentials are millivolts to a few hundred millivolts, given as "
                           "magnitudes; check the unit (mV) and drop the sign")
_ACTIVATION = _quantity("0 eV", "5 eV", "activation energies of ion conduction lie between about 0.1 and 2 eV; "
                        "check the unit (eV or kJ/mol)")

RANGES: dict[str, Range] = {
    # [cell]
    "cell.temperature": _TEMPERATURE,
    "cell.stack_pressure": _quantity("0 MPa", "1 GPa", "stack pressures of cells lie below a few hundred MPa; "
                                     "check the unit (MPa)"),
    "cell.current_density": _CURRENT,
    "cell.areal_capacity": _quantity("0 mAh/cm^2", "1000 mAh/cm^2", "areal capacities lie between about 0.1 and "
                                     "100 mAh/cm^2; check the unit (mAh/cm^2)"),
    "cell.cycles": Range(0, 1e7, "a whole number from 0 to 10,000,000", "count full cycles", whole=True),
    "cell.coulombic_efficiency": Range(0, 1, "0 to 1", "a fraction: 0.998, not 99.8"),
    "cell.capacity_retention": Range(0, 1, "0 to 1", "a fraction: 0.8, not 80"),
    "cell.energy_density": _quantity("0 Wh/kg", "15000 Wh/kg", "no cell chemistry stores more than about "
                                     "11,000 Wh/kg (Li-air, on lithium alone); check the unit (Wh/kg)"),
    "cell.sintering_temperature": _TEMPERATURE,
    "cell.nucleation_overpotential": _OVERPOTENTIAL,
    "cell.plateau_overpotential": _OVERPOTENTIAL,
    "cell.carrier_potential": _POTENTIAL,
    "cell.carrier_charge": Range(1, 4, "a whole number from 1 to 4", "the carrier ions are Li+, Na+, K+, Mg2+, "
                                 "Ca2+, Zn2+ and Al3+", whole=True),
    # [anode]
    "anode.thickness": _THICKNESS,
    "anode.potential": _POTENTIAL,
    "anode.shear_modulus": _MODULUS,
    "anode.yield_strength": _quantity("0 MPa", "100 GPa", "yield strengths of metals lie below a few GPa; "
                                      "check the unit (MPa)"),
    "anode.melting_point": _TEMPERATURE,
    "anode.molar_volume": _quantity("0 cm^3/mol", "1000 cm^3/mol", "molar volumes of metals lie between about 5 "
                                    "and 100 cm^3/mol; check the unit (cm^3/mol)", low_open=True),
    "anode.volume_change": Range(0, 100, "0 to 100", "a fraction of the original volume: 3.0 for 300 %"),
    # [electrolyte], each layer
    "electrolyte.thickness": _THICKNESS,
    "electrolyte.ionic_conductivity": _CONDUCTIVITY,
    "electrolyte.conductivity_temperature": _TEMPERATURE,
    "electrolyte.activation_energy": _ACTIVATION,
    "electrolyte.vft_pseudo_energy": _quantity("0 K", "100000 K", "VFT pseudo-activation energies B/k lie between "
                                               "about 100 and 10,000 K", low_open=True),
    "electrolyte.vft_t0": _TEMPERATURE,
    "electrolyte.electronic_conductivity": _CONDUCTIVITY,
    "electrolyte.shear_modulus": _MODULUS,
    "electrolyte.window.low": _POTENTIAL,
    "electrolyte.window.high": _POTENTIAL,
    "electrolyte.measured_window.high": _POTENTIAL,
    "electrolyte.homo": _ORBITAL,
    "electrolyte.lumo": _ORBITAL,
    "electrolyte.decomposition_temperature": _TEMPERATURE,
    "electrolyte.max_temperature": _TEMPERATURE,
    "electrolyte.critical_current_density": _CURRENT,
    "electrolyte.bare_critical_current_density": _CURRENT,
    "electrolyte.transference_number": Range(0, 1, "0 to 1", "a transference number is a fraction: 0.4, not 40"),
    "electrolyte.boiling_point": _TEMPERATURE,
    "electrolyte.concentration": _quantity("0 mol/L", "30 mol/L", "salt concentrations lie below about 20 mol/L; "
                                           "check the unit (mol/L)", low_open=True),
    "electrolyte.class_conductivity.low": _CONDUCTIVITY,
    "electrolyte.class_conductivity.high": _CONDUCTIVITY,
    "electrolyte.class_conductivity_temperature": _TEMPERATURE,
    "electrolyte.class_activation_energy.low": _ACTIVATION,
    "electrolyte.class_activation_energy.high": _ACTIVATION,
    # [cathode]
    "cathode.potential": _POTENTIAL,
    "cathode.thickness": _THICKNESS,
    # [[interlayer]], [sei]
    "interlayer.thickness": _THICKNESS,
    "interlayer.conduction_group": Range(1, 4, "a whole number from 1 to 4", "the conduction groups of Section 6.1 "
                                         "are 1 (metals) to 4 (insulators)", whole=True),
    "sei.thickness": _THICKNESS,
    "current_collector.anode_thickness": _THICKNESS,
    # knowledge only: a metal's own values
    "metal.charge": Range(1, 4, "a whole number from 1 to 4", "the carrier ions are Li+, Na+, K+, Mg2+, Ca2+, "
                          "Zn2+ and Al3+", whole=True),
    "metal.density": _quantity("0 g/cm^3", "25 g/cm^3", "densities of metals lie between about 0.5 and 23 g/cm^3; "
                               "check the unit (g/cm^3)", low_open=True),
}

# Knowledge-base keys judged by a field's range or vocabulary (kind, key) -> field path; a key not listed
# here is looked up as "KIND.KEY" (electrolyte.ionic_conductivity is the field of the same name).
KNOWLEDGE_FIELDS: dict[tuple[str, str], str] = {
    ("metal", "standard_potential"): "anode.potential",
    ("metal", "shear_modulus"): "anode.shear_modulus",
    ("metal", "melting_point"): "anode.melting_point",
    ("metal", "molar_volume"): "anode.molar_volume",
    ("metal", "yield_strength"): "anode.yield_strength",
    ("reference_electrode", "potential"): "anode.potential",
    ("electrolyte", "measured_window"): "electrolyte.window",
    ("electrolyte", "vft.a"): "electrolyte.vft_pseudo_energy",
    ("electrolyte", "vft.t0"): "electrolyte.vft_t0",
    ("electrolyte_class", "ionic_conductivity"): "electrolyte.ionic_conductivity",
    ("electrolyte_class", "activation_energy"): "electrolyte.activation_energy",
    ("electrolyte_class", "conductivity_temperature"): "electrolyte.conductivity_temperature",
    ("cathode", "potential_range"): "cathode.potential",
    ("interlayer", "thickness_range"): "interlayer.thickness",
    ("solvent", "boiling_point"): "electrolyte.boiling_point",
    ("solvent", "melting_point"): "electrolyte.boiling_point",   # a temperature, judged as one
    # words
    ("anode", "carrier"): "cell.carrier",
    ("cathode", "carrier"): "cell.carrier",
    ("electrolyte_class", "class"): "electrolyte.class",
    ("electrolyte_class", "carrier"): "cell.carrier",
    ("interlayer", "class"): "interlayer.class",
    ("interlayer", "carriers"): "cell.carrier",
    ("sei_phase", "carrier"): "cell.carrier",
    ("sei_phase", "electronic"): "sei_phase.electronic",
    ("sei_phase", "ionic"): "sei_phase.ionic",
    ("sei_phase", "soluble_in"): "electrolyte.class",
    ("collector", "alloys_with"): "cell.carrier",
    ("collector", "corroded_by"): "electrolyte.class",
    ("salt", "carrier"): "cell.carrier",
    ("salt", "class"): "electrolyte.class",
    ("solvent", "class"): "electrolyte.class",
    ("additive", "carrier"): "cell.carrier",
    ("additive", "class"): "electrolyte.class",
}

# A field's vocabulary by its path, record fields included.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    **{f.path: f.vocabulary for f in F.FIELDS if f.vocabulary},
    **{f.path: f.vocabulary for fields in F.RECORD_FIELDS.values() for f in fields if f.vocabulary},
}


# The blocks that show one electrolyte layer under another name hold the same quantities.
_LAYER_BLOCKS = ("cathode_electrolyte.", "electrolyte_layer.")


# Values the engine derives from others, judged as what they are.
_SAME_AS = {f"electrolyte_interface.{side}_side_window.{limit}": f"electrolyte.window.{limit}"
            for side in ("anode", "cathode") for limit in ("low", "high")}


def range_of(path: str) -> Range | None:
    for block in _LAYER_BLOCKS:
        if path.startswith(block):
            path = "electrolyte." + path[len(block):]
    return RANGES.get(_SAME_AS.get(path, path))


def knowledge_path(kind: str, key: str) -> str:
    return KNOWLEDGE_FIELDS.get((kind, key), f"{kind}.{key}")


def out_of_range(path: str, value: float) -> Range | None:
    """The range `value` (SI; V vs SHE) breaks for the field at `path`, or None when it holds (or has none)."""
    bounds = range_of(path)
    return None if bounds is None or bounds.holds(value) else bounds


def range_text(bounds: Range, scale=None, carrier: str = "") -> str:
    """The range as a message shows it; a potential range also on the cell's own scale."""
    if bounds is _POTENTIAL and scale is not None and carrier:
        low, high = (scale.from_she(v, carrier) for v in (bounds.low, bounds.high))
        return f"{low:.2f} to {high:.2f} V vs {scale.display_name(carrier)}, i.e. {bounds.shown}"
    return bounds.shown


def message(key: str, written: str, value: float, bounds: Range, scale=None, carrier: str = "") -> str:
    """`KEY = WRITTEN is outside the physical range (RANGE)`: the one wording specs and knowledge share."""
    shown = range_text(bounds, scale, carrier)
    if bounds.whole and bounds.low <= value <= bounds.high and value != int(value):
        return f"{key} = {written} is not a whole number ({shown})"
    return f"{key} = {written} is outside the physical range ({shown})"


def unknown_word(path: str, word) -> bool:
    """Whether `word` is outside the vocabulary of the field at `path` (False for a field without one)."""
    vocabulary = VOCABULARIES.get(path)
    return bool(vocabulary) and word not in vocabulary


# ---------------------------------------------------------------- checks across fields

def orbitals_reversed(homo_she: float | None, lumo_she: float | None) -> bool:
    """HOMO at or above LUMO: held as potentials (E = -(V + 4.44) eV), the HOMO's potential is the larger one."""
    return homo_she is not None and lumo_she is not None and homo_she <= lumo_she


def electrodes_reversed(anode_she: float | None, cathode_she: float | None) -> bool:
    """A cathode at or below its anode: the cell would have no positive electrode."""
    return anode_she is not None and cathode_she is not None and cathode_she <= anode_she
