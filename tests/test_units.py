"""Quantities in a cell spec become SI floats with a dimension, agreeing with pint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellrules import units
from cellrules.units import (
    AREAL_CAPACITY,
    ASR,
    CONCENTRATION,
    CONDUCTIVITY,
    CURRENT_DENSITY,
    DENSITY,
    DIMENSIONLESS,
    ENERGY,
    ENERGY_PER_AMOUNT,
    LENGTH,
    MOLAR_VOLUME,
    POTENTIAL,
    PRESSURE,
    SPECIFIC_CAPACITY,
    SPECIFIC_ENERGY,
    TEMPERATURE,
    TIME,
    VOLTAGE,
    Dimension,
    DimensionError,
    UnitError,
    format_quantity,
    parse_quantity,
    parse_unit,
)

SRC = Path(__file__).resolve().parents[1] / "src"
PINT_DIMENSIONS = ("[length]", "[mass]", "[time]", "[current]", "[temperature]", "[substance]")


@pytest.fixture(scope="module")
def ureg() -> pint.UnitRegistry:
    return pint.UnitRegistry()


def pint_base(ureg: pint.UnitRegistry, text: str) -> tuple[float, tuple[int, ...]]:
    quantity = ureg.Quantity(1, ureg.parse_units(text))
    dimensionality = quantity.dimensionality
    return (
        quantity.to_base_units().magnitude,
        tuple(int(dimensionality.get(d, 0)) for d in PINT_DIMENSIONS),
    )


def assert_agrees_with_pint(ureg, ours_text: str, pint_text: str) -> None:
    ours = parse_unit(ours_text)
    factor, exponents = pint_base(ureg, pint_text)
    assert ours.offset == 0.0
    assert ours.factor == pytest.approx(factor, rel=1e-12, abs=0.0), ours_text
    assert ours.dimension.exponents == exponents, ours_text


# (our spelling, pint's spelling of the same unit); None: pint reads ours as is.
EXPRESSIONS: list[tuple[str, str | None]] = [
    ("MPa", None),
    ("GPa", None),
    ("kPa", None),
    ("Pa", None),
    ("bar", None),
    ("mbar", None),
    ("atm", None),
    ("psi", None),
    ("S/cm", None),
    ("mS/cm", None),
    ("uS/cm", None),
    ("µS/cm", None),
    ("μS/cm", None),
    ("S/m", None),
    ("S", None),
    ("mA/cm^2", None),
    ("mA cm^-2", None),
    ("mA/cm2", "mA/cm^2"),
    ("mA cm-2", "mA cm^-2"),
    ("mA cm⁻²", None),
    ("mA*cm**-2", None),
    ("A/m^2", None),
    ("mAh/cm^2", None),
    ("mAh cm⁻²", None),
    ("mAh/g", None),
    ("Ah/kg", None),
    ("Wh/kg", None),
    ("Wh/L", None),
    ("kWh", None),
    ("ohm*cm^2", None),
    ("Ω·cm²", None),
    ("\u2126·cm²", "Ω*cm^2"),  # OHM SIGN
    ("kohm", None),
    ("mΩ", None),
    ("cm^3/mol", None),
    ("cm³/mol", None),
    ("mol/L", None),
    ("mol/l", None),
    ("M", None),
    ("mM", None),
    ("mol/kg", None),
    ("um", None),
    ("µm", None),
    ("μm", None),
    ("nm", None),
    ("mm", None),
    ("cm", None),
    ("m", None),
    ("Å", None),
    ("\u212b", None),  # ANGSTROM SIGN
    ("angstrom", None),
    ("K", None),
    ("mK", None),
    ("eV", None),
    ("meV", None),
    ("keV", None),
    ("J", None),
    ("kJ/mol", None),
    ("kcal/mol", None),
    ("J/mol/K", None),
    ("J/(mol*K)", None),
    ("J/(mol·K)", "J/(mol*K)"),
    ("V", None),
    ("mV", None),
    ("V/s", None),
    ("mV/s", None),
    ("h", None),
    ("hr", None),
    ("min", None),
    ("s", None),
    ("ms", None),
    ("d", None),
    ("day", None),
    ("g/cm^3", None),
    ("kg/m^3", None),
    ("g/cm³", None),
    ("A", None),
    ("mA", None),
    ("C", None),
    ("mC/cm^2", None),
    ("W", None),
    ("mW/cm^2", None),
    ("W/kg", None),
    ("L", None),
    ("mL", None),
    ("mol", None),
    ("mmol", None),
    ("g", None),
    ("kg", None),
    ("mg/cm^2", None),
    ("Hz", None),
    ("kHz", None),
    ("N", None),
    ("N/m", None),
    ("%", None),
    ("ppm", None),
    ("m^-1·kg^-1·s^3·A^2", "m^-1*kg^-1*s^3*A^2"),
    ("(m/s)^2", None),
    ("1/s", None),
    ("hbar", None),
]


def test_the_expression_list_is_long_enough():
    assert len(EXPRESSIONS) >= 60


@pytest.mark.parametrize(("ours", "theirs"), EXPRESSIONS)
def test_unit_expression_agrees_with_pint(ureg, ours, theirs):
    assert_agrees_with_pint(ureg, ours, theirs or ours)


def test_every_table_unit_agrees_with_pint(ureg):
    spellings = [s for s in units.table_units() if not parse_unit(s).offset]
    assert len(spellings) > 400
    for spelling in spellings:
        # pint lacks the OHM SIGN; the table reads it as the Greek capital omega
        assert_agrees_with_pint(ureg, spelling, spelling.replace("\u2126", "\u03a9"))


@pytest.mark.parametrize(
    ("text", "pint_text"),
    [("degC", "degC"), ("°C", "degC"), ("℃", "degC"), ("degF", "degF"), ("°F", "degF"), ("℉", "degF")],
)
@pytest.mark.parametrize("number", [-40.0, 0.0, 25.0, 100.0, 451.0])
def test_offset_temperatures_agree_with_pint(ureg, text, pint_text, number):
    expected = ureg.Quantity(number, pint_text).to("kelvin").magnitude
    assert parse_quantity(f"{number} {text}").value == pytest.approx(expected, rel=1e-12)


def test_offset_temperature_values():
    assert parse_quantity("25 degC").value == pytest.approx(298.15)
    assert parse_quantity("77 degF").value == pytest.approx(298.15)
    assert parse_quantity("-40 degC").value == pytest.approx(parse_quantity("-40 degF").value)
    assert parse_quantity("0 K").value == 0.0
    assert parse_quantity("25 °C").dimension == TEMPERATURE


@pytest.mark.parametrize("text", ["5 degC/s", "5 degC^2", "5 kdegC", "5 J/degC", "5 degC*m"])
def test_an_offset_unit_only_stands_alone(text):
    with pytest.raises(UnitError) as caught:
        parse_quantity(text)
    assert caught.value.column is not None


@pytest.mark.parametrize(
    "spellings",
    [
        ["mA/cm^2", "mA cm^-2", "mA/cm2", "mA cm-2", "mA cm⁻²", "mA*cm**-2", "mA·cm^-2", "mA/cm²", "mA / cm^2"],
        ["ohm*cm^2", "Ω·cm²", "\u2126 cm^2", "ohm cm2", "Ω⋅cm²"],
        ["um", "µm", "μm", "micrometer"],
        ["M", "mol/L", "mol L^-1", "mol/dm^3"],
        ["J/mol/K", "J/(mol*K)", "J mol^-1 K^-1"],
    ],
)
def test_spellings_of_one_unit_agree(spellings):
    first = parse_unit(spellings[0])
    for spelling in spellings[1:]:
        other = parse_unit(spelling)
        assert other.factor == pytest.approx(first.factor, rel=1e-12), spelling
        assert other.dimension == first.dimension, spelling


def test_molar_alone_and_mega_as_prefix():
    assert parse_unit("M").dimension == CONCENTRATION
    assert parse_unit("M").factor == 1000.0
    assert parse_unit("MPa").dimension == PRESSURE
    assert parse_unit("MPa").factor == 1e6
    assert parse_unit("mM").factor == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("text", "value", "dimension"),
    [
        ("5 MPa", 5e6, PRESSURE),
        ("0.5 mS/cm", 0.05, CONDUCTIVITY),
        ("1e-4 S/cm", 1e-2, CONDUCTIVITY),
        ("1.2E+3 S/m", 1200.0, CONDUCTIVITY),
        ("1×10^-4 S/cm", 1e-2, CONDUCTIVITY),
        ("1x10^-4 S/cm", 1e-2, CONDUCTIVITY),
        ("1 × 10⁻⁴ S/cm", 1e-2, CONDUCTIVITY),
        ("20 um", 20e-6, LENGTH),
        ("20um", 20e-6, LENGTH),
        ("0.5 mA/cm^2", 5.0, CURRENT_DENSITY),
        ("2 mAh/cm^2", 72000.0, AREAL_CAPACITY),
        ("4.2 GPa", 4.2e9, PRESSURE),
        ("0.25 eV", 0.25 * units.ELECTRON_VOLT, ENERGY),
        ("-0.76 V", -0.76, VOLTAGE),
        ("−0.76 V", -0.76, VOLTAGE),
        ("+3 V", 3.0, VOLTAGE),
        (".5 V", 0.5, VOLTAGE),
        ("5. V", 5.0, VOLTAGE),
        ("12 cm^3/mol", 12e-6, MOLAR_VOLUME),
        ("2 mol/L", 2000.0, CONCENTRATION),
        ("474 h", 474 * 3600.0, TIME),
        ("5 Å", 5e-10, LENGTH),
        ("5 %", 0.05, DIMENSIONLESS),
        ("5%", 0.05, DIMENSIONLESS),
        ("0.998", 0.998, DIMENSIONLESS),
        ("  500 ", 500.0, DIMENSIONLESS),
    ],
)
def test_parse_quantity(text, value, dimension):
    quantity = parse_quantity(text)
    assert quantity.value == pytest.approx(value, rel=1e-12)
    assert quantity.dimension == dimension
    assert quantity.text == text


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_a_written_number_reads_back(number):
    assert parse_quantity(f"{number!r} MPa").value == pytest.approx(number * 1e6, rel=1e-12)
    assert parse_quantity(repr(number)).value == number


def test_an_unknown_unit_goes_to_pint(ureg):
    quantity = parse_quantity("5 furlongs/fortnight")
    expected = ureg.Quantity(5, "furlong/fortnight").to_base_units().magnitude
    assert quantity.value == pytest.approx(expected, rel=1e-12)
    assert quantity.dimension == LENGTH / TIME


def test_the_pint_fallback_keeps_no_disk_cache(tmp_path, ureg):
    """pint's own cache holds pickles in a shared folder and names another installation's files."""
    environment = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
                   "PYTHONDONTWRITEBYTECODE": "1"}
    code = "from cellrules.units import parse_quantity; print(parse_quantity('5 furlongs/fortnight').value)"
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    expected = ureg.Quantity(5, "furlong/fortnight").to_base_units().magnitude
    assert float(done.stdout) == pytest.approx(expected, rel=1e-12)
    assert not [p for p in tmp_path.rglob("*") if "pint" in p.name.lower()]


PINT_ONLY = {"1/s", "hbar", "micrometer"}  # left to the pint fallback on purpose


def test_table_units_never_import_pint():
    table_units = [ours for ours, _ in EXPRESSIONS if ours not in PINT_ONLY]
    code = (
        "import json, sys, cellrules.units as u, cellrules.potential\n"
        "assert 'pint' not in sys.modules, 'pint imported by the import'\n"
        "for text in json.load(sys.stdin):\n"
        "    u.parse_quantity('5 ' + text)\n"
        "    assert 'pint' not in sys.modules, text\n"
        "u.format_quantity(5e6, u.PRESSURE)\n"
        "assert 'pint' not in sys.modules, 'pint imported'\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(table_units),
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC), "PYTHONIOENCODING": "utf-8"},
    )


@pytest.mark.parametrize(
    ("text", "column", "hint_part"),
    [
        ("5 mpa", 2, "MPa"),
        ("5 Mpa", 2, "MPa"),
        ("5 mah/cm^2", 2, "mAh"),
        ("5 ms/CM", 5, "cm"),
        ("5 bananas", 2, None),
        ("5 MPa.", 5, "*"),
        ("5 N.m", 3, "*"),
        ("5 J/mol K", 8, "J/(mol*K)"),
        ("5 W/m*K", 5, "J/(mol*K)"),
        ("5 mA/cm^", 7, "cm^2"),
        ("5 mA/", 5, None),
        ("5 (mA", 5, None),
        ("5 mA)", 4, None),
        ("5 mA//cm", 5, None),
        ("MPa", 0, "5 MPa"),
        ("", 0, None),
        ("  abc", 2, None),
        ("1e999 MPa", 0, None),
        ("5 cm^99", 4, None),
    ],
)
def test_errors_point_at_the_problem(text, column, hint_part):
    with pytest.raises(UnitError) as caught:
        parse_quantity(text)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.column == column, error.message
    if hint_part is None:
        assert error.hint is None or isinstance(error.hint, str)
    else:
        assert hint_part in error.hint


def test_a_case_slip_suggests_the_common_unit_only():
    with pytest.raises(UnitError) as caught:
        parse_quantity("5 mpa")
    assert caught.value.hint == "did you mean MPa?"
    assert "unknown unit 'mpa'" in caught.value.message


def test_a_unit_of_a_foreign_dimension_is_refused():
    with pytest.raises(UnitError, match="luminosity"):
        parse_quantity("5 lumen")


# ------------------------------------------------------------------ dimensions


def test_dimension_arithmetic():
    assert LENGTH * LENGTH == LENGTH**2
    assert PRESSURE / PRESSURE == DIMENSIONLESS
    assert (LENGTH**-1).exponents == (-1, 0, 0, 0, 0, 0)
    assert DIMENSIONLESS.is_dimensionless and not LENGTH.is_dimensionless
    assert hash(Dimension((1, 0, 0, 0, 0, 0))) == hash(LENGTH)
    assert len({VOLTAGE, POTENTIAL, Dimension(VOLTAGE.exponents)}) == 2
    assert POTENTIAL * CONDUCTIVITY == VOLTAGE * CONDUCTIVITY


@pytest.mark.parametrize("bad", [(1, 0, 0), (1.0, 0, 0, 0, 0, 0), (True, 0, 0, 0, 0, 0)])
def test_a_dimension_has_six_integer_exponents(bad):
    with pytest.raises(ValueError):
        Dimension(bad)


def test_only_a_voltage_can_be_a_potential():
    with pytest.raises(ValueError):
        Dimension(LENGTH.exponents, potential=True)


@pytest.mark.parametrize(
    ("dimension", "name"),
    [
        (PRESSURE, "pressure"),
        (CONDUCTIVITY, "electrical conductivity"),
        (LENGTH, "length"),
        (TEMPERATURE, "temperature"),
        (CURRENT_DENSITY, "current density"),
        (AREAL_CAPACITY, "areal capacity"),
        (ENERGY, "energy"),
        (POTENTIAL, "potential on an electrode scale"),
        (VOLTAGE, "voltage"),
        (SPECIFIC_CAPACITY, "specific capacity"),
        (MOLAR_VOLUME, "molar volume"),
        (CONCENTRATION, "concentration"),
        (TIME, "time"),
        (ASR, "area-specific resistance"),
        (SPECIFIC_ENERGY, "specific energy"),
        (DENSITY, "density"),
        (ENERGY_PER_AMOUNT, "energy per amount"),
        (DIMENSIONLESS, "dimensionless"),
        (CONDUCTIVITY * LENGTH**2, "m^-1·kg^-1·s^3·A^2"),
    ],
)
def test_dimension_names(dimension, name):
    assert dimension.name == name


def test_phrases_for_messages():
    assert f"expected {PRESSURE.phrase}, got {CONDUCTIVITY.phrase}" == (
        "expected a pressure, got an electrical conductivity"
    )
    assert DIMENSIONLESS.phrase == "a dimensionless number"
    assert POTENTIAL.phrase == "a potential on an electrode scale"
    assert (LENGTH * TIME).phrase == "a quantity in m·s"


def test_addition_needs_equal_dimensions():
    assert units.add_dims(PRESSURE, PRESSURE) == PRESSURE
    with pytest.raises(DimensionError, match="pressure"):
        units.add_dims(PRESSURE, CONDUCTIVITY)


def test_potential_arithmetic():
    assert units.add_dims(POTENTIAL, VOLTAGE) == POTENTIAL
    assert units.add_dims(VOLTAGE, POTENTIAL) == POTENTIAL
    assert units.sub_dims(POTENTIAL, VOLTAGE) == POTENTIAL
    assert units.sub_dims(POTENTIAL, POTENTIAL) == VOLTAGE
    assert units.sub_dims(VOLTAGE, VOLTAGE) == VOLTAGE
    with pytest.raises(DimensionError, match="two potentials"):
        units.add_dims(POTENTIAL, POTENTIAL)
    with pytest.raises(DimensionError):
        units.sub_dims(VOLTAGE, POTENTIAL)
    assert units.mul_dims(POTENTIAL, CONDUCTIVITY) == VOLTAGE * CONDUCTIVITY
    assert units.div_dims(POTENTIAL, VOLTAGE) == DIMENSIONLESS
    assert units.div_dims(POTENTIAL, POTENTIAL) == DIMENSIONLESS


def test_comparisons():
    assert units.comparable(POTENTIAL, POTENTIAL)
    assert units.comparable(PRESSURE, PRESSURE)
    assert not units.comparable(PRESSURE, CONDUCTIVITY)
    assert not units.comparable(POTENTIAL, VOLTAGE)
    with pytest.raises(DimensionError) as caught:
        units.require_comparable(POTENTIAL, VOLTAGE)
    assert "compare a potential with a voltage: give the reference, e.g. 4 V vs Li/Li+" in caught.value.message
    with pytest.raises(DimensionError, match="cannot compare an electrical conductivity with a pressure"):
        units.require_comparable(CONDUCTIVITY, PRESSURE)
    units.require_comparable(LENGTH, LENGTH)


# --------------------------------------------------------------------- display


@pytest.mark.parametrize(
    ("text", "dimension", "shown"),
    [
        ("5 MPa", PRESSURE, "5 MPa"),
        ("0.1 MPa", PRESSURE, "0.1 MPa"),
        ("4.2 GPa", PRESSURE, "4.2 GPa"),
        ("4199.9999999 MPa", PRESSURE, "4.2 GPa"),
        ("1e-4 S/cm", CONDUCTIVITY, "1.0e-04 S/cm"),
        ("0.5 mS/cm", CONDUCTIVITY, "5.0e-04 S/cm"),
        ("1.234e-3 S/cm", CONDUCTIVITY, "1.23e-03 S/cm"),
        ("1e-9 S/cm", CONDUCTIVITY, "1.0e-09 S/cm"),
        ("0.012 S/cm", CONDUCTIVITY, "0.012 S/cm"),
        ("20 um", LENGTH, "20 µm"),
        ("5 nm", LENGTH, "5 nm"),
        ("0.5 um", LENGTH, "500 nm"),
        ("750 um", LENGTH, "750 µm"),
        ("25 degC", TEMPERATURE, "25 degC"),
        ("298.15 K", TEMPERATURE, "25 degC"),
        ("77 degF", TEMPERATURE, "25 degC"),
        ("0 K", TEMPERATURE, "-273.15 degC"),
        ("0.5 mA/cm^2", CURRENT_DENSITY, "0.5 mA/cm^2"),
        ("2 mAh/cm^2", AREAL_CAPACITY, "2 mAh/cm^2"),
        ("0.25 eV", ENERGY, "0.25 eV"),
        ("4.2 V", VOLTAGE, "4.2 V"),
        ("12.97 cm^3/mol", MOLAR_VOLUME, "12.97 cm^3/mol"),
        ("50 ohm*cm^2", ASR, "50 ohm·cm^2"),
        ("474 h", TIME, "474 h"),
        ("2 M", CONCENTRATION, "2 mol/L"),
        ("200 mAh/g", SPECIFIC_CAPACITY, "200 mAh/g"),
        ("350 Wh/kg", SPECIFIC_ENERGY, "350 Wh/kg"),
        ("5.1 g/cm^3", DENSITY, "5.1 g/cm^3"),
        ("0.998", DIMENSIONLESS, "0.998"),
    ],
)
def test_format_quantity_reads_well(text, dimension, shown):
    quantity = parse_quantity(text)
    assert quantity.dimension == dimension
    assert format_quantity(quantity.value, dimension) == shown


def test_format_quantity_has_no_float_noise():
    assert format_quantity(4.199999999e9, PRESSURE) == "4.2 GPa"
    assert format_quantity(0.1 + 0.2, VOLTAGE) == "0.3 V"
    assert format_quantity(-3.04, POTENTIAL) == "-3.04 V vs SHE"
    assert format_quantity(0.0, LENGTH) == "0 µm"
    assert format_quantity(2.0, LENGTH * TIME) == "2 m·s"


def test_to_display():
    assert units.to_display(5e6, PRESSURE) == (pytest.approx(5.0), "MPa")
    assert units.to_display(298.15, TEMPERATURE) == (pytest.approx(25.0), "degC")
    assert units.DISPLAY_UNITS[PRESSURE] == "MPa"
    assert units.DISPLAY_UNITS[LENGTH] == "µm"
    assert units.DISPLAY_UNITS[CONDUCTIVITY] == "S/cm"


@pytest.mark.parametrize("dimension", sorted(units.DISPLAY_UNITS, key=lambda d: (d.exponents, d.potential)))
def test_display_units_parse_to_their_dimension(dimension):
    text = units.DISPLAY_UNITS[dimension]
    if not text:
        assert dimension == DIMENSIONLESS
        return
    assert parse_unit(text.removesuffix(" vs SHE")).dimension.exponents == dimension.exponents


DISPLAYED = st.sampled_from(
    [PRESSURE, CONDUCTIVITY, LENGTH, CURRENT_DENSITY, AREAL_CAPACITY, ENERGY, VOLTAGE,
     MOLAR_VOLUME, ASR, TIME, CONCENTRATION, DENSITY]
)


@given(DISPLAYED, st.floats(min_value=1e-12, max_value=1e12))
def test_formatted_text_reads_back(dimension, value):
    shown = format_quantity(value, dimension)
    assert format_quantity(value, dimension) == shown
    assert parse_quantity(shown).value == pytest.approx(value, rel=5e-3)
    assert parse_quantity(shown).dimension == dimension


@given(st.floats(min_value=0.0, max_value=5000.0))
def test_formatted_temperature_reads_back(kelvin):
    assert parse_quantity(format_quantity(kelvin, TEMPERATURE)).value == pytest.approx(kelvin, abs=0.06)


def test_a_value_out_of_float_range_is_an_error():
    with pytest.raises(UnitError, match="out of range"):
        parse_quantity("1e308 GPa")
