"""Quantities resolved once, at load time, into SI floats with a dimension.

Rules evaluate on plain floats: a pint Quantity operation costs microseconds and
``import pint`` alone costs more than half of the 300 ms cold-start budget
(design/engine.md, "Speed by design"). So every quantity of a cell spec, a rule
literal or the knowledge base is parsed here by a small hand-written parser over
a table of unit symbols and SI prefixes, into a float in SI base units and a
:class:`Dimension`. pint is imported only for a unit the table lacks, and the
test suite checks every table entry against pint, so both always agree.

No text is ever evaluated as code: units are parsed by a tokenizer and a
recursive-descent parser. Private records are plain namedtuples: an attrs
class costs about a millisecond of import time, ``typing.NamedTuple`` pulls in
``typing`` (about 5 ms).
"""

from __future__ import annotations

import functools
import math
import re
import types
from collections import namedtuple
from collections.abc import Mapping

import attrs

__all__ = [
    "AMOUNT",
    "AREA",
    "AREAL_CAPACITY",
    "ASR",
    "CHARGE",
    "CONCENTRATION",
    "CONDUCTANCE",
    "CONDUCTIVITY",
    "CURRENT",
    "CURRENT_DENSITY",
    "DENSITY",
    "DIMENSIONLESS",
    "DISPLAY_UNITS",
    "Dimension",
    "DimensionError",
    "ELECTRON_VOLT",
    "ENERGY",
    "ENERGY_PER_AMOUNT",
    "FORCE",
    "FREQUENCY",
    "LENGTH",
    "MASS",
    "MOLAR_VOLUME",
    "POTENTIAL",
    "POWER",
    "PRESSURE",
    "Quantity",
    "RESISTANCE",
    "SPECIFIC_CAPACITY",
    "SPECIFIC_ENERGY",
    "TEMPERATURE",
    "TIME",
    "Unit",
    "UnitError",
    "VOLTAGE",
    "VOLUME",
    "add_dims",
    "comparable",
    "div_dims",
    "format_quantity",
    "mul_dims",
    "parse_quantity",
    "parse_unit",
    "require_comparable",
    "sub_dims",
    "table_units",
    "to_display",
]


class UnitError(ValueError):
    """A quantity or unit that cannot be read.

    ``column`` is the 0-based offset into the text that was parsed (the whole
    quantity for :func:`parse_quantity`), so the spec loader can point a caret at
    the exact character; ``hint`` is a suggestion for the user, or None.
    """

    def __init__(self, message: str, column: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.column = column
        self.hint = hint

    def shifted(self, offset: int) -> UnitError:
        """The same error with its column moved by ``offset`` (text embedded in a longer text)."""
        column = None if self.column is None else self.column + offset
        return UnitError(self.message, column, self.hint)


class DimensionError(ValueError):
    """Arithmetic or a comparison between quantities whose dimensions do not fit."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


# --------------------------------------------------------------------------- dimensions

_BASE_SYMBOLS = ("m", "kg", "s", "A", "K", "mol")


def _exponent_tuple(value) -> tuple[int, ...]:
    exponents = tuple(value)
    if len(exponents) != len(_BASE_SYMBOLS) or not all(
        isinstance(e, int) and not isinstance(e, bool) for e in exponents
    ):
        raise ValueError(f"a dimension has {len(_BASE_SYMBOLS)} integer exponents, got {value!r}")
    return exponents


@attrs.frozen(cache_hash=True)   # a key of the display memos, hashed for every value a report shows
class Dimension:
    """Exponents over (length, mass, time, current, temperature, amount).

    ``potential`` marks a potential on an electrode scale (a value versus a
    reference electrode) as distinct from a plain voltage: a potential minus a
    potential is a voltage, while comparing a potential with a bare voltage is a
    mistake the rule checker must catch (the reference is missing).
    """

    exponents: tuple[int, ...] = attrs.field(converter=_exponent_tuple)
    potential: bool = False

    def __attrs_post_init__(self) -> None:
        if self.potential and self.exponents != _VOLTAGE_EXPONENTS:
            raise ValueError("only a voltage can be a potential on an electrode scale")

    # The operators return plain dimensions: a potential multiplies, divides and
    # raises to a power as the voltage it is.
    def __mul__(self, other: Dimension) -> Dimension:
        if not isinstance(other, Dimension):
            return NotImplemented
        return Dimension(tuple(a + b for a, b in zip(self.exponents, other.exponents)))

    def __truediv__(self, other: Dimension) -> Dimension:
        if not isinstance(other, Dimension):
            return NotImplemented
        return Dimension(tuple(a - b for a, b in zip(self.exponents, other.exponents)))

    def __pow__(self, power: int) -> Dimension:
        if not isinstance(power, int) or isinstance(power, bool):
            return NotImplemented
        return Dimension(tuple(a * power for a in self.exponents))

    @property
    def is_dimensionless(self) -> bool:
        return not any(self.exponents)

    @property
    def base_units(self) -> str:
        """The SI base-unit expression, e.g. ``m^-3·kg^-1·s^3·A^2``; ``1`` when dimensionless."""
        parts = [
            symbol if exponent == 1 else f"{symbol}^{exponent}"
            for symbol, exponent in zip(_BASE_SYMBOLS, self.exponents)
            if exponent
        ]
        return "·".join(parts) or "1"

    @property
    def si_unit(self) -> str:
        """The coherent SI unit values of this dimension are held in ("S/m", "Pa", "V vs SHE"), for JSON."""
        if self.potential:
            return "V vs SHE"
        unit = _SI_UNITS.get(self.exponents)     # not .get(..., self.base_units): that builds the fallback each time
        return unit if unit is not None else self.base_units

    @property
    def name(self) -> str:
        """A human name ("pressure"), or the base-unit expression when the table has none."""
        if self.potential:
            return "potential on an electrode scale"
        name = _DIMENSION_NAMES.get(self.exponents)
        return name if name is not None else self.base_units

    @property
    def phrase(self) -> str:
        """The name with its article, for messages: "expected a pressure, got an energy"."""
        if self.is_dimensionless:
            return "a dimensionless number"
        if not self.potential and self.exponents not in _DIMENSION_NAMES:
            return f"a quantity in {self.base_units}"
        name = self.name
        return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


_VOLTAGE_EXPONENTS = (2, 1, -3, -1, 0, 0)

DIMENSIONLESS = Dimension((0, 0, 0, 0, 0, 0))
LENGTH = Dimension((1, 0, 0, 0, 0, 0))
MASS = Dimension((0, 1, 0, 0, 0, 0))
TIME = Dimension((0, 0, 1, 0, 0, 0))
CURRENT = Dimension((0, 0, 0, 1, 0, 0))
TEMPERATURE = Dimension((0, 0, 0, 0, 1, 0))
AMOUNT = Dimension((0, 0, 0, 0, 0, 1))

AREA = LENGTH**2
VOLUME = LENGTH**3
FREQUENCY = TIME**-1
FORCE = MASS * LENGTH / TIME**2
PRESSURE = FORCE / AREA
ENERGY = FORCE * LENGTH
POWER = ENERGY / TIME
CHARGE = CURRENT * TIME
VOLTAGE = POWER / CURRENT
POTENTIAL = Dimension(VOLTAGE.exponents, potential=True)
RESISTANCE = VOLTAGE / CURRENT
CONDUCTANCE = CURRENT / VOLTAGE
CONDUCTIVITY = CONDUCTANCE / LENGTH
CURRENT_DENSITY = CURRENT / AREA
AREAL_CAPACITY = CHARGE / AREA
SPECIFIC_CAPACITY = CHARGE / MASS
SPECIFIC_ENERGY = ENERGY / MASS
ENERGY_PER_AMOUNT = ENERGY / AMOUNT
MOLAR_VOLUME = VOLUME / AMOUNT
CONCENTRATION = AMOUNT / VOLUME
DENSITY = MASS / VOLUME
ASR = RESISTANCE * AREA

_DIMENSION_NAMES: dict[tuple[int, ...], str] = {
    d.exponents: name
    for d, name in (
        (DIMENSIONLESS, "dimensionless"),
        (LENGTH, "length"),
        (MASS, "mass"),
        (TIME, "time"),
        (CURRENT, "current"),
        (TEMPERATURE, "temperature"),
        (AMOUNT, "amount of substance"),
        (AREA, "area"),
        (VOLUME, "volume"),
        (FREQUENCY, "frequency"),
        (FORCE, "force"),
        (PRESSURE, "pressure"),
        (ENERGY, "energy"),
        (POWER, "power"),
        (CHARGE, "charge"),
        (VOLTAGE, "voltage"),
        (RESISTANCE, "electrical resistance"),
        (CONDUCTANCE, "electrical conductance"),
        (CONDUCTIVITY, "electrical conductivity"),
        (CURRENT_DENSITY, "current density"),
        (AREAL_CAPACITY, "areal capacity"),
        (SPECIFIC_CAPACITY, "specific capacity"),
        (SPECIFIC_ENERGY, "specific energy"),
        (ENERGY_PER_AMOUNT, "energy per amount"),
        (MOLAR_VOLUME, "molar volume"),
        (CONCENTRATION, "concentration"),
        (DENSITY, "density"),
        (ASR, "area-specific resistance"),
    )
}


_SI_UNITS: dict[tuple[int, ...], str] = {
    d.exponents: unit
    for d, unit in (
        (DIMENSIONLESS, "1"), (LENGTH, "m"), (MASS, "kg"), (TIME, "s"), (CURRENT, "A"), (TEMPERATURE, "K"),
        (AMOUNT, "mol"), (AREA, "m^2"), (VOLUME, "m^3"), (FREQUENCY, "Hz"), (FORCE, "N"), (PRESSURE, "Pa"),
        (ENERGY, "J"), (POWER, "W"), (CHARGE, "C"), (VOLTAGE, "V"), (RESISTANCE, "ohm"), (CONDUCTANCE, "S"),
        (CONDUCTIVITY, "S/m"), (CURRENT_DENSITY, "A/m^2"), (AREAL_CAPACITY, "C/m^2"), (SPECIFIC_CAPACITY, "C/kg"),
        (SPECIFIC_ENERGY, "J/kg"), (ENERGY_PER_AMOUNT, "J/mol"), (MOLAR_VOLUME, "m^3/mol"),
        (CONCENTRATION, "mol/m^3"), (DENSITY, "kg/m^3"), (ASR, "ohm*m^2"),
    )
}


# --------------------------------------------------------------------------- arithmetic typing


def mul_dims(a: Dimension, b: Dimension) -> Dimension:
    """Dimension of ``a * b``; a potential multiplies as the voltage it is."""
    return a * b


def div_dims(a: Dimension, b: Dimension) -> Dimension:
    """Dimension of ``a / b``; a potential divides as the voltage it is."""
    return a / b


def _require_same(a: Dimension, b: Dimension, verb: str) -> None:
    if a.exponents != b.exponents:
        raise DimensionError(f"cannot {verb} {a.phrase} and {b.phrase}")


def add_dims(a: Dimension, b: Dimension) -> Dimension:
    """Dimension of ``a + b``: a potential shifted by a voltage stays on its scale."""
    _require_same(a, b, "add")
    if a.potential and b.potential:
        raise DimensionError(
            "cannot add two potentials",
            hint="subtract them for a cell voltage, e.g. cathode.potential - anode.potential",
        )
    return POTENTIAL if a.potential or b.potential else a


def sub_dims(a: Dimension, b: Dimension) -> Dimension:
    """Dimension of ``a - b``: the difference of two potentials is a voltage."""
    _require_same(a, b, "subtract")
    if a.potential and b.potential:
        return VOLTAGE
    if b.potential:
        raise DimensionError(
            "cannot subtract a potential from a voltage: the result is on no electrode scale",
            hint="subtract the voltage from the potential instead, or compare two potentials",
        )
    return a


def comparable(a: Dimension, b: Dimension) -> bool:
    """Whether ``a < b`` means something: equal dimensions, and both or neither a potential."""
    return a == b


def require_comparable(a: Dimension, b: Dimension) -> None:
    """Raise :class:`DimensionError` with the message the rule checker shows, unless comparable."""
    if comparable(a, b):
        return
    if a.exponents == b.exponents:
        raise DimensionError(
            "cannot compare a potential with a voltage: give the reference, e.g. 4 V vs Li/Li+"
        )
    raise DimensionError(f"cannot compare {a.phrase} with {b.phrase}")


# --------------------------------------------------------------------------- units


@attrs.frozen
class Unit:
    """A parsed unit: ``value_SI = (number + offset) * factor``.

    ``offset`` is nonzero only for the offset temperatures (degC, degF), which
    only ever stand alone.
    """

    factor: float
    offset: float
    dimension: Dimension
    text: str

    def to_si(self, number: float) -> float:
        return (number + self.offset) * self.factor


@attrs.frozen
class Quantity:
    """A quantity resolved at load time: ``value`` in SI base units, ``text`` as written."""

    value: float
    dimension: Dimension
    text: str


# A unit symbol of the table: SI factor, dimension, whether SI prefixes apply,
# and the offset of an offset temperature.
_Symbol = namedtuple("_Symbol", "factor dimension prefixable offset", defaults=(0.0,))


_PREFIXES: dict[str, float] = {
    "y": 1e-24,
    "z": 1e-21,
    "a": 1e-18,
    "f": 1e-15,
    "p": 1e-12,
    "n": 1e-9,
    "u": 1e-6,
    "µ": 1e-6,  # U+00B5 MICRO SIGN
    "μ": 1e-6,  # U+03BC GREEK SMALL LETTER MU
    "m": 1e-3,
    "c": 1e-2,
    "d": 1e-1,
    "da": 1e1,
    "h": 1e2,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
}

ELECTRON_VOLT = 1.602176634e-19  # J; exact since the 2019 SI redefinition
_POUND_FORCE = 0.45359237 * 9.80665  # N
_INCH = 0.0254  # m


def _symbol_table() -> dict[str, _Symbol]:
    entries: list[tuple[tuple[str, ...], _Symbol]] = [
        (("m",), _Symbol(1.0, LENGTH, True)),
        # U+00C5 LATIN CAPITAL A WITH RING ABOVE and U+212B ANGSTROM SIGN
        (("Å", "\u212b", "angstrom"), _Symbol(1e-10, LENGTH, False)),
        (("g",), _Symbol(1e-3, MASS, True)),
        (("s", "sec"), _Symbol(1.0, TIME, True)),
        (("min",), _Symbol(60.0, TIME, False)),
        (("h", "hr"), _Symbol(3600.0, TIME, False)),
        (("d", "day"), _Symbol(86400.0, TIME, False)),
        (("A",), _Symbol(1.0, CURRENT, True)),
        (("K",), _Symbol(1.0, TEMPERATURE, True)),
        (("degC", "°C", "℃"), _Symbol(1.0, TEMPERATURE, False, offset=273.15)),
        (("degF", "°F", "℉"), _Symbol(5.0 / 9.0, TEMPERATURE, False, offset=459.67)),
        (("mol",), _Symbol(1.0, AMOUNT, True)),
        (("Hz",), _Symbol(1.0, FREQUENCY, True)),
        (("N",), _Symbol(1.0, FORCE, True)),
        (("Pa",), _Symbol(1.0, PRESSURE, True)),
        (("bar",), _Symbol(1e5, PRESSURE, True)),
        (("atm",), _Symbol(101325.0, PRESSURE, False)),
        (("psi",), _Symbol(_POUND_FORCE / _INCH**2, PRESSURE, False)),
        (("J",), _Symbol(1.0, ENERGY, True)),
        (("eV",), _Symbol(ELECTRON_VOLT, ENERGY, True)),
        (("Wh",), _Symbol(3600.0, ENERGY, True)),
        (("cal",), _Symbol(4.184, ENERGY, True)),
        (("W",), _Symbol(1.0, POWER, True)),
        (("C",), _Symbol(1.0, CHARGE, True)),
        (("Ah",), _Symbol(3600.0, CHARGE, True)),
        (("V",), _Symbol(1.0, VOLTAGE, True)),
        # U+03A9 GREEK CAPITAL OMEGA and U+2126 OHM SIGN
        (("ohm", "Ω", "\u2126"), _Symbol(1.0, RESISTANCE, True)),
        (("S",), _Symbol(1.0, CONDUCTANCE, True)),
        (("L", "l"), _Symbol(1e-3, VOLUME, True)),
        # molar: mol/L. "M" alone is this; "MPa" is mega-pascal because a
        # symbol is first looked up whole, then as prefix + symbol.
        (("M",), _Symbol(1e3, CONCENTRATION, True)),
        (("%",), _Symbol(1e-2, DIMENSIONLESS, False)),
        (("ppm",), _Symbol(1e-6, DIMENSIONLESS, False)),
    ]
    return {name: symbol for names, symbol in entries for name in names}


_SYMBOLS = _symbol_table()

# Spellings a battery spec commonly uses; a misspelt unit is matched against
# these first, so "mpa" suggests MPa rather than also the millipascal.
_COMMON_SPELLINGS = frozenset(
    "MPa GPa kPa Pa bar atm psi S mS µS m cm mm µm um nm Å K degC degF mA µA A "
    "mAh Ah V mV eV meV J kJ W Wh kWh g kg mg mol mmol M mM L mL h min s ms "
    "ohm Ω Hz C % ppm".split()
)


# Prefixed spellings that pint reads as another unit; left to pint so both agree.
_PINT_NAMES = frozenset({"hbar"})  # the reduced Planck constant, not a hectobar


def _lookup(symbol: str) -> _Symbol | None:
    """A symbol looked up whole first (M, min, Pa), then as SI prefix + prefixable symbol."""
    found = _SYMBOLS.get(symbol)
    if found is not None or symbol in _PINT_NAMES:
        return found
    for prefix, scale in _PREFIXES.items():
        if symbol.startswith(prefix):
            base = _SYMBOLS.get(symbol[len(prefix) :])
            if base is not None and base.prefixable:
                return _Symbol(scale * base.factor, base.dimension, False)
    return None


@functools.cache
def table_units() -> tuple[str, ...]:
    """Every unit symbol read without pint, prefixed or not (for suggestions and the pint test)."""
    names = [name for name, s in _SYMBOLS.items() if not s.prefixable]
    for name, symbol in _SYMBOLS.items():
        if symbol.prefixable:
            names.append(name)
            names.extend(prefix + name for prefix in _PREFIXES)
    return tuple(sorted(set(names) - _PINT_NAMES))


def _suggestion(symbol: str) -> str | None:
    """'did you mean MPa?' for a case slip ("mpa"), else for a near spelling."""
    folded = symbol.casefold()
    same_letters = [s for s in table_units() if s.casefold() == folded]
    choices = [s for s in same_letters if s in _COMMON_SPELLINGS] or same_letters
    if not choices:
        import difflib  # only on the error path

        choices = difflib.get_close_matches(symbol, sorted(_COMMON_SPELLINGS), n=3, cutoff=0.75)
    return f"did you mean {' or '.join(choices)}?" if choices else None


# ----------------------------------------------------------------- tokenizer and parser

# Superscript digits and signs, and the Unicode minus, read as ASCII in powers.
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺−", "0123456789-+-")
# Letters, but not superscript digits: Python's \w counts "²" as alphanumeric.
_SYMBOL_RE = re.compile(r"°[CF]|[%℃℉]|[^\W\d_⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_POWER_RE = re.compile(
    r"(?:\^|\*\*)(?P<caret>[+\-−]?\d+)|(?P<trailing>-?\d+)|(?P<superscript>[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
)
_TIMES = frozenset("*·⋅")
_MAX_POWER = 12


# kind: symbol | power | times | divide | open | close
_Token = namedtuple("_Token", "kind text column")


class _Unresolved(UnitError):
    """A unit the table cannot read but pint might (a symbol or syntax it lacks)."""


# No unit needs a longer power or deeper parentheses; beyond these a unit is refused, not parsed
# (int() refuses 4,300 digits, and recursion ends in a RecursionError far later).
_MAX_POWER_DIGITS = 4
_MAX_NESTING = 32


def _power_value(match: re.Match[str]) -> int:
    digits = match.group("caret") or match.group("trailing") or match.group("superscript")
    digits = digits.translate(_SUPERSCRIPT_DIGITS)
    if len(digits.lstrip("+-−")) > _MAX_POWER_DIGITS:
        raise UnitError(f"power {digits[:8]}... is out of range", match.start())
    return int(digits)


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
            continue
        if char in _TIMES and not text.startswith("**", pos):
            tokens.append(_Token("times", char, pos))
            pos += 1
            continue
        if char in "/()":
            kind = {"/": "divide", "(": "open", ")": "close"}[char]
            tokens.append(_Token(kind, char, pos))
            pos += 1
            if kind != "close":
                continue
        else:
            match = _SYMBOL_RE.match(text, pos)
            if match is None and char == ".":
                raise UnitError("unexpected '.' in unit", pos, "join units with '*' or '·', e.g. N*m")
            if match is None:
                raise _Unresolved(f"unexpected {char!r} in unit", pos)
            tokens.append(_Token("symbol", match.group(), pos))
            pos = match.end()
        power = _POWER_RE.match(text, pos)
        if power is not None:
            tokens.append(_Token("power", str(_power_value(power)), pos))
            pos = power.end()
        elif text.startswith(("^", "**"), pos):
            raise UnitError("expected an integer power", pos, "e.g. cm^2, cm^-2, cm2 or cm²")
    return tokens


_Term = namedtuple("_Term", "factor dimension")


class _Parser:
    """Recursive descent over the tokens of one unit expression.

    ``a/b/c`` is ``a/(b*c)`` as in pint; a multiplication right after a division
    (``J/mol K``, ``W/m*K``) is rejected, because writers mean ``W/(m*K)`` while
    pint reads ``(W/m)*K``: the SI Brochure's rule against a product after a
    solidus without parentheses.
    """

    def __init__(self, text: str, tokens: list[_Token]):
        self.text = text
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def parse(self) -> _Term:
        term = self._product()
        if self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            raise UnitError(f"unmatched {token.text!r}", token.column)
        return term

    def _peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _product(self) -> _Term:
        term = self._factor()
        divided = False
        while (token := self._peek()) is not None and token.kind != "close":
            if token.kind == "divide":
                self.pos += 1
                divisor = self._factor()
                term = _Term(term.factor / divisor.factor, term.dimension / divisor.dimension)
                divided = True
                continue
            if divided:
                raise UnitError(
                    "ambiguous unit: a product after '/'",
                    token.column,
                    "use parentheses or a second '/', e.g. J/(mol*K) or J/mol/K",
                )
            if token.kind == "times":
                self.pos += 1
            other = self._factor()
            term = _Term(term.factor * other.factor, term.dimension * other.dimension)
        return term

    def _factor(self) -> _Term:
        token = self._peek()
        if token is None:
            raise UnitError("a unit is missing at the end", len(self.text))
        self.pos += 1
        if token.kind == "symbol":
            term = self._symbol(token)
        elif token.kind == "open":
            self.depth += 1
            if self.depth > _MAX_NESTING:
                raise UnitError(f"parentheses nested more than {_MAX_NESTING} deep", token.column)
            term = self._product()
            self.depth -= 1
            closing = self._peek()
            if closing is None or closing.kind != "close":
                raise UnitError("missing ')'", len(self.text) if closing is None else closing.column)
            self.pos += 1
        else:
            raise UnitError(f"expected a unit before {token.text!r}", token.column)
        power = self._peek()
        if power is None or power.kind != "power":
            return term
        self.pos += 1
        exponent = int(power.text)
        if abs(exponent) > _MAX_POWER:
            raise UnitError(f"power {exponent} is out of range", power.column)
        return _Term(term.factor**exponent, term.dimension**exponent)

    def _symbol(self, token: _Token) -> _Term:
        symbol = _lookup(token.text)
        if symbol is None:
            raise _Unresolved(f"unknown unit {token.text!r}", token.column, _suggestion(token.text))
        if symbol.offset:
            raise UnitError(
                f"{token.text} is an offset unit and must stand alone",
                token.column,
                "for a temperature difference or rate use K, e.g. K/min",
            )
        return _Term(symbol.factor, symbol.dimension)


def _parse_with_table(text: str) -> Unit:
    stripped = text.strip()
    if not stripped:
        raise UnitError("a unit is missing", len(text), 'write one, e.g. "MPa"')
    whole = _SYMBOLS.get(stripped)
    if whole is not None and whole.offset:
        return Unit(whole.factor, whole.offset, whole.dimension, text)
    term = _Parser(text, _tokens(text)).parse()
    if not math.isfinite(term.factor) or term.factor == 0.0:
        raise UnitError(f"the unit {stripped!r} is out of range", 0)
    return Unit(term.factor, 0.0, term.dimension, text)


# ------------------------------------------------------------------------- pint fallback

_PINT_DIMENSIONS = ("[length]", "[mass]", "[time]", "[current]", "[temperature]", "[substance]")


@functools.cache
def _pint_registry():
    """pint, imported and set up only the first time the table lacks a unit.

    Without pint's disk cache (`cache_folder=":auto:"`, in ~/.cache/pint): its entries are pickles
    that any process able to write there could plant (the class of attack the signed store refuses
    for cellrules' own cache), and they name the definition files of the installation that wrote
    them, so removing one virtual environment broke the pint fallback of every other (seen here:
    "No such file ... default_en.txt/constants_en.txt"). Parsing the definitions costs about
    0.15 s, once per process, and only for a unit the table lacks.
    """
    import pint

    return pint.UnitRegistry(cache_folder=None)


def _parse_with_pint(text: str) -> Unit:
    """Convert pint's reading of ``text`` to a :class:`Unit` through its SI base units.

    ``factor`` and ``offset`` come from the base values of 0 and 1 of the unit,
    which is exact for plain units and right for pint's offset temperatures.
    """
    registry = _pint_registry()
    unit = registry.parse_units(text)
    zero = float(registry.Quantity(0, unit).to_base_units().magnitude)
    one = registry.Quantity(1, unit)
    factor = float(one.to_base_units().magnitude) - zero
    dimensionality = dict(one.dimensionality)
    foreign = sorted(set(dimensionality) - set(_PINT_DIMENSIONS))
    powers = [dimensionality.get(d, 0) for d in _PINT_DIMENSIONS]
    if foreign or any(p != int(p) for p in powers):
        reason = f"dimension {', '.join(foreign)}" if foreign else "a fractional power"
        raise UnitError(f"the unit {text.strip()!r} has {reason}, which cellrules does not use", 0)
    return Unit(factor, zero / factor, Dimension(tuple(int(p) for p in powers)), text)


@functools.lru_cache(maxsize=1024)
def parse_unit(text: str) -> Unit:
    """Parse a unit expression such as ``mA/cm^2``, ``Ω·cm²`` or ``degC``.

    Factors are joined by ``*``, ``·`` or a space and divided by ``/``; a power is
    ``^2``, ``**2``, ``^-2``, a trailing integer (``cm2``, ``cm-2``) or Unicode
    superscripts (``cm⁻²``); parentheses group. A unit the table lacks is handed to
    pint; if pint cannot read it either, the table's error (with its column and
    did-you-mean) is raised.
    """
    try:
        return _parse_with_table(text)
    except _Unresolved as miss:
        unresolved = miss
    try:
        return _parse_with_pint(text)
    except UnitError:
        raise
    except Exception:  # noqa: BLE001
        # pint raises many exception types on text it cannot read (its tokenizer,
        # UndefinedUnitError, OffsetUnitCalculusError, ...); each means "not a
        # unit", and the table's message, column and did-you-mean serve better.
        raise UnitError(unresolved.message, unresolved.column, unresolved.hint) from None


# ----------------------------------------------------------------------------- quantities

_NUMBER_RE = re.compile(
    r"""
    \s*
    (?P<mantissa>[+\-−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-−]?\d+)?)
    (?:\s*[×xX]\s*10(?:(?:\^|\*\*)(?P<power>[+\-−]?\d+)|(?P<superscript>[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)))?
    """,
    re.VERBOSE,
)


def _number(match: re.Match[str]) -> float:
    """The number of a quantity; OverflowError when no float holds it."""
    value = float(match.group("mantissa").replace("−", "-"))
    exponent = match.group("power") or match.group("superscript")
    if exponent is not None:
        digits = exponent.translate(_SUPERSCRIPT_DIGITS).replace("−", "-")
        if len(digits.lstrip("+-").lstrip("0")) > _MAX_POWER_DIGITS:  # 10^(5,000 digits): int() would refuse it
            if value == 0:
                return 0.0
            if digits.startswith("-"):
                return 0.0 * value
            raise OverflowError("exponent out of range")
        value *= 10.0 ** int(digits)
    return value


def parse_quantity(text: str) -> Quantity:
    """Split ``"1e-4 S/cm"``, ``"1×10^-4 S/cm"`` or ``"25 degC"`` into number and unit; SI float.

    A bare number is dimensionless: whether a unit was required is the caller's
    judgement (it knows the field, and can say "add a unit, e.g. 5 MPa").
    """
    match = _NUMBER_RE.match(text)
    if match is None:
        column = len(text) - len(text.lstrip())
        raise UnitError("expected a number", column, 'write a number and a unit, e.g. "5 MPa"')
    try:
        number = _number(match)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise UnitError("the number is out of range", match.start("mantissa"))
    rest = text[match.end() :]
    if not rest.strip():
        return Quantity(number, DIMENSIONLESS, text)
    start = match.end() + len(rest) - len(rest.lstrip())
    try:
        unit = parse_unit(text[start:].rstrip())
    except UnitError as error:
        raise error.shifted(start) from None
    value = unit.to_si(number)
    if not math.isfinite(value):
        raise UnitError("the value is out of range", match.start("mantissa"))
    return Quantity(value, unit.dimension, text)


# -------------------------------------------------------------------------------- display


class _Display(
    namedtuple(
        "_Display",
        "unit at_least below significant scientific_below reference",
        defaults=(0.0, math.inf, 4, 1e-3, ""),
    )
):
    """A display unit (``""`` for a plain number), the magnitude range [at_least, below)
    in SI where an alternative unit applies, the significant digits, the magnitude
    (in the display unit) below which 1.0e-04 notation is used, and for potentials
    the reference the value is held against (SHE)."""

    __slots__ = ()

    @property
    def label(self) -> str:
        return f"{self.unit} vs {self.reference}" if self.reference else self.unit


# Per dimension, the preferred display unit, then alternatives for the
# magnitudes where the preferred one reads badly (4.2 GPa, not 4200 MPa).
_DISPLAYS: dict[Dimension, tuple[_Display, ...]] = {
    PRESSURE: (_Display("MPa"), _Display("GPa", at_least=1e9)),
    CONDUCTIVITY: (_Display("S/cm", significant=3, scientific_below=1e-2),),
    LENGTH: (_Display("µm"), _Display("nm", at_least=math.ulp(0.0), below=1e-6)),
    TEMPERATURE: (_Display("degC", significant=5),),
    CURRENT_DENSITY: (_Display("mA/cm^2"),),
    AREAL_CAPACITY: (_Display("mAh/cm^2"),),
    SPECIFIC_CAPACITY: (_Display("mAh/g"),),
    SPECIFIC_ENERGY: (_Display("Wh/kg"),),
    ENERGY: (_Display("eV"),),
    ENERGY_PER_AMOUNT: (_Display("kJ/mol"),),
    VOLTAGE: (_Display("V"),),
    POTENTIAL: (_Display("V", reference="SHE"),),
    MOLAR_VOLUME: (_Display("cm^3/mol"),),
    CONCENTRATION: (_Display("mol/L"),),
    DENSITY: (_Display("g/cm^3"),),
    ASR: (_Display("ohm·cm^2"),),
    TIME: (_Display("h"),),
    MASS: (_Display("g"),),
    CURRENT: (_Display("mA"),),
    CHARGE: (_Display("mAh"),),
    AREA: (_Display("cm^2"),),
    RESISTANCE: (_Display("ohm"),),
    DIMENSIONLESS: (_Display(""),),
}

DISPLAY_UNITS: Mapping[Dimension, str] = types.MappingProxyType(
    {dimension: choices[0].label for dimension, choices in _DISPLAYS.items()}
)
"""The preferred display unit per dimension (format_quantity may pick GPa or nm by magnitude)."""


def _display_for(value_si: float, dimension: Dimension) -> _Display:
    """The display unit; a dimension without one is shown in SI base units."""
    # The fallback only when needed: building base_units for every value shown cost evaluation ~10 %.
    preferred, *alternatives = _DISPLAYS.get(dimension) or (_Display(dimension.base_units),)
    magnitude = abs(value_si)
    return next((a for a in alternatives if a.at_least <= magnitude < a.below), preferred)


def _displayed(value_si: float, display: _Display) -> float:
    if not display.unit:
        return value_si
    unit = parse_unit(display.unit)
    return value_si / unit.factor - unit.offset


def to_display(value_si: float, dimension: Dimension) -> tuple[float, str]:
    """The number and unit text a human reads for an SI value (``5e6, PRESSURE -> 5.0, "MPa"``)."""
    display = _display_for(value_si, dimension)
    return _displayed(value_si, display), display.label


def _format_number(x: float, significant: int, scientific_below: float) -> str:
    """Fixed notation to ``significant`` digits without trailing zeros; tiny or huge as 1.0e-04."""
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return non_finite(x)
    magnitude = abs(x)
    if magnitude < scientific_below or magnitude >= 1e6:
        mantissa, exponent = f"{x:.{significant - 1}e}".split("e")
        mantissa = mantissa.rstrip("0")
        return f"{mantissa}0e{exponent}" if mantissa.endswith(".") else f"{mantissa}e{exponent}"
    decimals = max(0, significant - 1 - math.floor(math.log10(magnitude)))
    text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def non_finite(x: float) -> str:
    """How every report writes a value that is not a finite number."""
    return "not a number" if math.isnan(x) else ("infinite" if x > 0 else "-infinite")


def format_quantity(value_si: float, dimension: Dimension) -> str:
    """Human text in the display unit of the dimension: ``"5 MPa"``, ``"1.0e-04 S/cm"``, ``"25 degC"``.

    Deterministic (same float, same text) and free of float noise (4.2, not 4.199999).
    """
    display = _display_for(value_si, dimension)
    text = _format_number(_displayed(value_si, display), display.significant, display.scientific_below)
    return f"{text} {display.label}" if display.label else text
