"""Potentials given against any reference electrode meet on one scale: volts vs SHE."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellrules.potential import (
    ABSOLUTE_SHE,
    PotentialError,
    ReferenceScale,
    energy_to_potential_she,
    normalize_reference,
    parse_potential,
    potential_she_to_energy,
)

# Standard potentials vs SHE as the knowledge base gives them.
METALS = {
    "Li": (1, -3.04),
    "Na": (1, -2.71),
    "K": (1, -2.93),
    "Mg": (2, -2.37),
    "Zn": (2, -0.76),
    "Al": (3, -1.66),
    "Ca": (2, -2.87),
}


@pytest.fixture(scope="module")
def scale() -> ReferenceScale:
    """The scale the knowledge-base loader builds: metals, then Li-In defined vs Li/Li+."""
    metals_only = ReferenceScale(METALS)
    li_in = parse_potential("0.62 V vs Li/Li+", "SHE", metals_only).she
    others = {
        normalize_reference(name): ("Li-In", li_in) for name in ("Li-In", "LiIn", "Li-In alloy", "Li/In")
    }
    others[normalize_reference("Ag/AgCl")] = ("Ag/AgCl", 0.197)
    return ReferenceScale(METALS, others)


REFERENCES = ["Li/Li+", "Na/Na+", "K/K+", "Mg/Mg2+", "Zn/Zn2+", "Al/Al3+", "Ca/Ca2+", "SHE", "Li-In", "Ag/AgCl"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Li/Li+", "Li"),
        ("Li+/Li", "Li"),
        ("Li/Li⁺", "Li"),
        ("Li⁺/Li", "Li"),
        ("Li", "Li"),
        (" Li / Li+ ", "Li"),
        ("Li/Li1+", "Li"),
        ("Zn/Zn2+", "Zn"),
        ("Zn2+/Zn", "Zn"),
        ("Zn²⁺/Zn", "Zn"),
        ("Zn/Zn²⁺", "Zn"),
        ("Zn/Zn++", "Zn"),
        ("Al/Al3+", "Al"),
        ("Al/Al+++", "Al"),
        ("SHE", "SHE"),
        ("NHE", "SHE"),
        ("she", "SHE"),
        ("H+/H2", "SHE"),
        ("Li-In", "liin"),
        ("LiIn", "liin"),
        ("li in", "liin"),
        ("Li_In", "liin"),
    ],
)
def test_normalize_reference(text, key):
    assert normalize_reference(text) == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Zn/Zn+", "Zn's couple is Zn/Zn2+"), ("Li/Li2+", "Li's couple is Li/Li+"), ("Al++/Al", "Al's couple is Al/Al3+")],
)
def test_a_written_charge_must_be_the_metals(text, expected):
    with pytest.raises(PotentialError) as caught:
        normalize_reference(text)
    assert expected in caught.value.message


def test_charges_are_passed_in():
    assert normalize_reference("Zn/Zn+", {"Zn": 1}) == "Zn"
    assert normalize_reference("Li", {}) == "li"


def test_a_couple_of_two_metals_is_an_error():
    with pytest.raises(PotentialError, match="another metal's ion"):
        normalize_reference("Li/Na+")


def test_zero_vs_lithium_is_the_lithium_standard_potential(scale):
    value = parse_potential("0 V vs Li/Li+", "Li", scale)
    assert value.she == pytest.approx(-3.04)
    assert value.reference == "Li"
    assert value.text == "0 V vs Li/Li+"


@pytest.mark.parametrize(
    ("text", "she", "reference"),
    [
        ("4.3 V vs Li/Li+", 1.26, "Li"),
        ("4.3 V vs. Li+/Li", 1.26, "Li"),
        ("4.3 V vs.Li+/Li", 1.26, "Li"),
        ("4.3 V versus Li/Li+", 1.26, "Li"),
        ("4.3 V vs Li/Li⁺", 1.26, "Li"),
        ("-0.76 V vs SHE", -0.76, "SHE"),
        ("1.2 V vs Zn/Zn2+", 0.44, "Zn"),
        ("1.2 V vs Zn²⁺/Zn", 0.44, "Zn"),
        ("620 mV vs Li-In", -3.04 + 0.62 + 0.62, "liin"),
        ("0 V vs li in", -3.04 + 0.62, "liin"),
        ("1.2 V", -3.04 + 1.2, "Li"),
        ("4.3V vs Li/Li+", 1.26, "Li"),
    ],
)
def test_parse_potential(scale, text, she, reference):
    value = parse_potential(text, "Li", scale)
    assert value.she == pytest.approx(she)
    assert value.reference == reference


def test_without_vs_the_default_reference_applies(scale):
    assert parse_potential("1.2 V", "Zn", scale).she == pytest.approx(0.44)
    assert parse_potential("1.2 V", "Zn", scale).reference == "Zn"


def test_homo_becomes_a_potential():
    """HOMO -6.1 eV: 6.1 - 4.44 = 1.66 V vs SHE, 4.70 V vs Li/Li+ with Li at -3.04 V."""
    she = energy_to_potential_she(-6.1)
    assert she == pytest.approx(1.66)
    assert ReferenceScale(METALS).from_she(she, "Li") == pytest.approx(4.70)
    assert ReferenceScale(METALS).format(she, "Li/Li+") == "4.7 V vs Li/Li+"
    assert ABSOLUTE_SHE == 4.44


@given(st.floats(min_value=-20.0, max_value=20.0))
def test_energy_and_potential_convert_back(energy):
    assert potential_she_to_energy(energy_to_potential_she(energy)) == pytest.approx(energy, abs=1e-12)


@given(
    st.floats(min_value=-10.0, max_value=10.0),
    st.sampled_from(REFERENCES),
    st.sampled_from(REFERENCES),
)
def test_round_trip_across_every_pair_of_references(scale, value, given_vs, shown_vs):
    she = scale.to_she(value, given_vs)
    on_other_scale = scale.from_she(she, shown_vs)
    assert scale.to_she(on_other_scale, shown_vs) == pytest.approx(she, abs=1e-9)
    assert scale.from_she(scale.to_she(on_other_scale, shown_vs), given_vs) == pytest.approx(value, abs=1e-9)
    reparsed = parse_potential(f"{on_other_scale!r} V vs {shown_vs}", "Li", scale)
    assert reparsed.she == pytest.approx(she, abs=1e-9)


def test_a_sodium_window_meets_a_cathode_given_vs_she(scale):
    """An electrolyte stable 0-2.5 V vs Na/Na+ (-2.71..-0.21 V vs SHE)."""
    low = parse_potential("0 V", "Na", scale).she
    high = parse_potential("2.5 V vs Na/Na+", "Na", scale).she
    inside = parse_potential("-0.5 V vs SHE", "Na", scale).she
    above = parse_potential("0.5 V vs SHE", "Na", scale).she
    assert low < inside < high
    assert above > high
    assert high == pytest.approx(-0.21)
    # the same cathode written vs Na/Na+ lands on the same point of the scale
    assert parse_potential("3.21 V vs Na/Na+", "Na", scale).she == pytest.approx(above)


def test_a_lithium_cathode_against_a_sodium_window(scale):
    cathode = parse_potential("3.0 V vs Li/Li+", "Li", scale).she  # -0.04 V vs SHE
    window_high = parse_potential("2.5 V vs Na/Na+", "Na", scale).she  # -0.21 V vs SHE
    assert cathode > window_high
    assert scale.from_she(cathode, "Na/Na+") == pytest.approx(2.67)


def test_display_names(scale):
    assert scale.display_name("Li") == "Li/Li+"
    assert scale.display_name("Zn") == "Zn/Zn2+"
    assert scale.display_name("Al3+/Al") == "Al/Al3+"
    assert scale.display_name("SHE") == "SHE"
    assert scale.display_name("liin") == "Li-In"
    assert scale.display_name("li in alloy") == "Li-In"
    assert scale.format(-3.04, "Zn") == "-2.28 V vs Zn/Zn2+"


def test_an_unknown_reference_suggests_the_known_ones(scale):
    with pytest.raises(PotentialError) as caught:
        parse_potential("4.3 V vs Li/Lii+", "Li", scale)
    error = caught.value
    assert error.message == "unknown reference electrode 'Li/Lii+'"
    assert error.column == len("4.3 V vs ")
    assert error.hint.startswith("did you mean Li/Li+")
    assert "known references: " in error.hint and "Li-In" in error.hint and "SHE" in error.hint


@pytest.mark.parametrize(("written", "suggested"), [("Li-Inn", "Li-In"), ("Ag/AgCI", "Ag/AgCl"), ("SEH", "SHE")])
def test_did_you_mean(scale, written, suggested):
    with pytest.raises(PotentialError) as caught:
        scale.resolve(written)
    assert f"did you mean {suggested}" in caught.value.hint


def test_a_metal_missing_from_the_knowledge_base_is_unknown(scale):
    with pytest.raises(PotentialError, match="unknown reference electrode 'Cu/Cu2"):
        scale.resolve("Cu/Cu2+")


def test_a_wrong_charge_points_at_the_reference(scale):
    with pytest.raises(PotentialError) as caught:
        parse_potential("1.2 V vs Zn/Zn+", "Zn", scale)
    assert caught.value.message == "Zn's couple is Zn/Zn2+"
    assert caught.value.column == len("1.2 V vs ")


@pytest.mark.parametrize(
    ("text", "message", "column", "hint_part"),
    [
        ("-6.1 eV", "expected a potential in V, got an energy", 0, "homo"),
        ("4.3", "expected a potential in V, got a dimensionless number", 0, '"4.3 V vs Li/Li+"'),
        ("5 MPa vs Li/Li+", "expected a potential in V, got a pressure", 0, "4.3 V vs Li/Li+"),
        ("4.3 V vs", "a reference electrode is missing after 'vs'", 8, None),
        ("4.3 Vs vs Li", "unknown unit 'Vs'", 4, None),
        ("abc vs Li", "expected a number", 0, None),
    ],
)
def test_errors(scale, text, message, column, hint_part):
    with pytest.raises(PotentialError) as caught:
        parse_potential(text, "Li", scale)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.message == message
    assert error.column == column
    if hint_part is not None:
        assert hint_part in error.hint


def test_known_references(scale):
    assert scale.known_references() == (
        "Al/Al3+", "Ca/Ca2+", "K/K+", "Li/Li+", "Mg/Mg2+", "Na/Na+", "Zn/Zn2+", "SHE", "Ag/AgCl", "Li-In",
    )


def test_the_scale_is_read_only(scale):
    with pytest.raises(TypeError):
        scale.metals["Cu"] = (2, 0.34)
