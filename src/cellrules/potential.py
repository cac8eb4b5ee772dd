"""Electrode potentials on one internal scale: volts versus SHE.

A spec may give a window versus Na/Na+, a cathode potential versus SHE and an
electrolyte's HOMO in eV on the vacuum scale; rules compare them directly. So
every potential is converted once, at load time, to volts versus the standard
hydrogen electrode, using each metal's standard potential and the absolute
potential of the SHE for orbital energies.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping

import attrs

from cellrules import units

__all__ = [
    "ABSOLUTE_SHE",
    "CARRIER_CHARGES",
    "PotentialError",
    "PotentialValue",
    "ReferenceScale",
    "SHE",
    "energy_to_potential_she",
    "normalize_reference",
    "parse_potential",
    "potential_she_to_energy",
]

ABSOLUTE_SHE = 4.44
"""Absolute potential of the SHE in volts (electron at rest in vacuum = 0), so that
an orbital energy E (eV, vacuum scale) sits at U = -E/e - 4.44 V vs SHE.
Source: S. Trasatti, "The absolute electrode potential: an explanatory note
(Recommendations 1986)", IUPAC, Pure Appl. Chem. 58 (1986) 955, 4.44 +/- 0.02 V at 25 degC."""

CARRIER_CHARGES: Mapping[str, int] = types.MappingProxyType(
    {"Li": 1, "Na": 1, "K": 1, "Mg": 2, "Zn": 2, "Al": 3, "Ca": 2}
)
"""Ion charge of each carrier metal a cell spec may name (cell.carrier)."""

SHE = "SHE"


class PotentialError(ValueError):
    """A potential or reference electrode that cannot be read.

    ``column`` is the 0-based offset into the parsed text, or None; ``hint`` a
    suggestion such as a did-you-mean, or None.
    """

    def __init__(self, message: str, column: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.column = column
        self.hint = hint

    def within(self, offset: int) -> PotentialError:
        """This error, raised for the part of a longer text that starts at ``offset``."""
        column = offset if self.column is None else offset + self.column
        return PotentialError(self.message, column, self.hint)


def energy_to_potential_she(energy_ev: float) -> float:
    """An orbital energy in eV (vacuum scale) as a potential in V vs SHE: -E/e - 4.44 V."""
    return -energy_ev - ABSOLUTE_SHE


def potential_she_to_energy(potential_she: float) -> float:
    """A potential in V vs SHE as an electron energy in eV on the vacuum scale."""
    return -(potential_she + ABSOLUTE_SHE)


# ---------------------------------------------------------------------- reference names

_ASCII_CHARGES = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_SHE_SPELLINGS = frozenset({"she", "nhe", "h2/h+", "h+/h2"})
_METAL = r"[A-Z][a-z]?"
_CHARGE = r"(?P<charge>\d+\+|\++)"
_METAL_FIRST = re.compile(rf"(?P<metal>{_METAL})/(?P<ion>{_METAL}){_CHARGE}")
_ION_FIRST = re.compile(rf"(?P<ion>{_METAL}){_CHARGE}/(?P<metal>{_METAL})")
_NAME_NOISE = re.compile(r"[\s\-_]+")


def _couple_name(metal: str, charge: int) -> str:
    return f"{metal}/{metal}{'' if charge == 1 else charge}+"


def _charge(written: str) -> int:
    """An ion's charge as written ("2+", "++"); no ion has more than a few, so a long one is an error."""
    charge = int(written[:-1]) if written[0].isdigit() and len(written) <= 4 else len(written)
    if charge > 8:
        raise PotentialError(f"an ion charge of {written[:8]}{'...' if len(written) > 8 else ''} is out of range",
                             hint="a metal couple is written like Zn/Zn2+ or Al/Al3+")
    return charge


def normalize_reference(text: str, charges: Mapping[str, int] = CARRIER_CHARGES) -> str:
    """The canonical key of a reference electrode as written.

    A metal couple in any accepted spelling (``Li/Li+``, ``Li+/Li``, ``Zn²⁺/Zn``,
    ``Zn/Zn++``, or the bare metal of ``charges``) becomes the metal symbol; SHE
    and NHE become ``"SHE"``; anything else a name folded for lookup among the
    knowledge base's other electrodes (``Li-In``, ``li in`` -> ``"liin"``). A
    written charge must be the metal's own: ``Zn/Zn+`` is an error.
    """
    compact = re.sub(r"\s+", "", text.translate(_ASCII_CHARGES))
    if compact.casefold() in _SHE_SPELLINGS:
        return SHE
    couple = _METAL_FIRST.fullmatch(compact) or _ION_FIRST.fullmatch(compact)
    if couple is not None:
        metal = couple.group("metal")
        if couple.group("ion") != metal:
            raise PotentialError(
                f"{text.strip()!r} pairs {metal} with another metal's ion",
                hint=f"a metal reference is a metal and its own ion, e.g. {_couple_name(metal, charges.get(metal, 1))}",
            )
        charge = _charge(couple.group("charge"))
        if metal in charges and charges[metal] != charge:
            couple_name = _couple_name(metal, charges[metal])
            raise PotentialError(f"{metal}'s couple is {couple_name}", hint=f"write {couple_name}")
        return metal
    if compact in charges:
        return compact
    return _fold(text)


def _fold(name: str) -> str:
    """A name as other reference electrodes are keyed: no case, spaces, hyphens or underscores."""
    return _NAME_NOISE.sub("", name.translate(_ASCII_CHARGES)).casefold()


def _read_only(mapping: Mapping) -> Mapping:
    return types.MappingProxyType(dict(mapping))


@attrs.frozen
class ReferenceScale:
    """The reference electrodes a spec may name, with their potentials vs SHE.

    Built by the caller from the knowledge base: ``metals`` maps a symbol to its
    (ion charge, standard potential vs SHE); ``others`` maps a normalized name
    (:func:`normalize_reference`) to (display name, potential vs SHE). Every
    method accepts a reference as written or as its canonical key.
    """

    metals: Mapping[str, tuple[int, float]] = attrs.field(converter=_read_only)
    others: Mapping[str, tuple[str, float]] = attrs.field(converter=_read_only, factory=dict)

    def __reduce__(self):
        # A mappingproxy cannot be pickled, yet the scale travels in the cached rule set (engine/cache.py).
        return (ReferenceScale, (dict(self.metals), dict(self.others)))

    def _charges(self) -> dict[str, int]:
        return {metal: charge for metal, (charge, _) in self.metals.items()}

    def known_references(self) -> tuple[str, ...]:
        """Display names of every reference this scale resolves: metals, SHE, then the others."""
        metals = sorted(_couple_name(m, charge) for m, (charge, _) in self.metals.items())
        others = sorted({name for name, _ in self.others.values()})
        return (*metals, SHE, *others)

    def resolve(self, reference_text: str) -> str:
        """The canonical key of a reference; an unknown one is an error with a did-you-mean."""
        key = normalize_reference(reference_text, self._charges())
        if key == SHE or key in self.metals or key in self.others:
            return key
        raise PotentialError(
            f"unknown reference electrode {reference_text.strip()!r}",
            hint=self._did_you_mean(reference_text),
        )

    def _did_you_mean(self, reference_text: str) -> str:
        import difflib  # only on the error path

        known = self.known_references()
        by_folded = {key: name for key, (name, _) in self.others.items()}
        by_folded.update((_fold(name), name) for name in known)
        close = difflib.get_close_matches(_fold(reference_text), list(by_folded), n=5, cutoff=0.6)
        names = list(dict.fromkeys(by_folded[c] for c in close))[:3]
        guess = f"did you mean {' or '.join(names)}? " if names else ""
        return f"{guess}known references: {', '.join(known)}"

    def potential_of(self, reference: str) -> float:
        """The potential of the reference electrode itself, in V vs SHE."""
        key = self.resolve(reference)
        if key == SHE:
            return 0.0
        if key in self.metals:
            return self.metals[key][1]
        return self.others[key][1]

    def to_she(self, value_v: float, reference_text: str) -> float:
        return value_v + self.potential_of(reference_text)

    def from_she(self, value_she: float, reference_key: str) -> float:
        return value_she - self.potential_of(reference_key)

    def display_name(self, key: str) -> str:
        """``"Li/Li+"``, ``"Zn/Zn2+"``, ``"SHE"`` or an electrode's own name (``"Li-In"``)."""
        key = self.resolve(key)
        if key == SHE:
            return SHE
        if key in self.metals:
            return _couple_name(key, self.metals[key][0])
        return self.others[key][0]

    def format(self, value_she: float, reference: str) -> str:
        """A potential held vs SHE, written versus ``reference``: ``"4.7 V vs Li/Li+"``."""
        volts = units.format_quantity(self.from_she(value_she, reference), units.VOLTAGE)
        return f"{volts} vs {self.display_name(reference)}"


@attrs.frozen
class PotentialValue:
    """A potential resolved at load time: ``she`` in V vs SHE, ``reference`` the key it was given against."""

    she: float
    text: str
    reference: str


# Lower case only, as the spec format writes it: "4.3 Vs vs Li" must not split at "Vs".
_VERSUS = re.compile(r"\s+(?:versus|vs)(?:\s+|\.\s*|$)")


def parse_potential(text: str, default_reference: str, scale: ReferenceScale) -> PotentialValue:
    """Read ``"4.3 V vs Li/Li+"``, ``"-0.76 V vs. SHE"``, ``"620 mV versus Li-In"`` or ``"1.2 V"``.

    Without ``vs ...`` the value is versus ``default_reference`` (the cell's
    carrier metal). Errors carry the column of the offending part of ``text``.
    """
    versus = _VERSUS.search(text)
    number_part = text if versus is None else text[: versus.start()]
    try:
        quantity = units.parse_quantity(number_part)
    except units.UnitError as error:
        raise PotentialError(error.message, error.column, error.hint) from None
    if quantity.dimension != units.VOLTAGE:
        raise PotentialError(
            f"expected a potential in V, got {quantity.dimension.phrase}",
            len(number_part) - len(number_part.lstrip()),
            _unit_hint(quantity, number_part.strip()),
        )
    if versus is None:
        reference_text, column = default_reference, None
    else:
        reference_text, column = text[versus.end() :].rstrip(), versus.end()
        if not reference_text:
            raise PotentialError("a reference electrode is missing after 'vs'", len(text), "e.g. 4.3 V vs Li/Li+")
    try:
        key = scale.resolve(reference_text)
    except PotentialError as error:
        raise (error if column is None else error.within(column)) from None
    return PotentialValue(scale.to_she(quantity.value, key), text, key)


def _unit_hint(quantity: units.Quantity, written: str) -> str:
    if quantity.dimension.is_dimensionless:
        return f'add a unit and the reference, e.g. "{written} V vs Li/Li+"'
    if quantity.dimension == units.ENERGY:
        return "an orbital energy (eV, vacuum scale) is a homo or lumo, not a potential"
    return "write a potential in V with its reference, e.g. 4.3 V vs Li/Li+"
