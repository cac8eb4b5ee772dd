"""The knowledge base resolves what design/knowledge-base.md promises, with a source for every value."""
import pytest

from cellrules.knowledge.base import Value

FAILURE_MODES = """electrolyte-reduction electrolyte-oxidation mixed-conducting-interphase sei-instability
dendrite-penetration metal-creep short-circuit contact-loss space-charge-layer interdiffusion lattice-mismatch
low-ionic-conductivity electronic-leakage dead-metal volume-change passivation hydrogen-evolution corrosion
polysulfide-shuttle thermal-instability moisture-sensitivity current-collector-reaction carrier-immobilization
nucleation-barrier energy-target-unmet incomparable-claim""".split()

# design/knowledge-base.md, "Materials cellrules resolves (the minimum)", by the section that names them.
MINIMUM = {
    "anode": "Li Na K Mg Zn Al Ca Li-In Li-Al Li-Mg Li-Si Li-Sn Li-Zn graphite Si Li4Ti5O12 "
             "Na-K Na-Sn Ca-Sn Ga5Mg2 Cu".split() + ["hard carbon", "stainless steel"],
    "electrolyte": ["Li7La3Zr2O12", "LLZO", "Ta-LLZO", "Al-LLZO", "Ga-LLZO", "Li10GeP2S12", "LGPS", "Li6PS5Cl",
                    "Li6PS5Br", "Li6PS5I", "Li5.5PS4.5Cl1.5", "Li7P3S11", "Li3PS4", "Li9.54Si1.74P1.44S11.7Cl0.3",
                    "Li0.33La0.56TiO3", "LLTO", "LATP", "Li1.3Al0.3Ti1.7(PO4)3", "LAGP", "Li1.5Al0.5Ge1.5(PO4)3",
                    "LiZr2(PO4)3", "LiPON", "Li3PO4", "Li3N", "Li3OCl", "Li3YCl6", "Li3InCl6", "Li2ZrCl6",
                    "Li3YBr6", "LiBH4", "PEO-LiTFSI", "PEO-LiClO4", "PAN-LiClO4",
                    "Na3Zr2Si2PO12", "NZSP", "Na3PS4", "Na3SbS4", "Na11Sn2PS12", "Na2.88Sb0.88W0.12S4",
                    "Na2ZrCl6", "Na3YCl6", "PEO-NaTFSI", "PEO-NaClO4",
                    "K2Fe4O7", "K3OI", "PEO-KFSI", "MgSc2Se4", "MgZr4(PO4)6", "MgPON", "ZnPS3",
                    "AlCl3-[EMIm]Cl", "AlCl3-urea"],
    "cathode": ["LiCoO2", "LCO", "LiFePO4", "LFP", "NMC111", "NMC532", "NMC622", "NMC811", "LiNi0.8Co0.1Mn0.1O2",
                "NCA", "LiMn2O4", "LiNi0.5Mn1.5O4", "TiS2", "V2O5", "S8", "Na3V2(PO4)3", "NaCrO2", "Mo6S8",
                "MgMn2O4", "MnO2", "ZnMn2O4", "graphite", "O2"],
    "interlayer": ["LiNbO3", "Li4Ti5O12", "LiAlO2", "LiTaO3", "Li3PO4", "Li3BO3", "BaTiO3", "Li2ZrO3", "Au", "Ag",
                   "Al", "Si", "Sn", "Ge", "Mg", "Zn", "Bi", "In", "Nb", "Li3N", "LiF", "LiPON", "Li3NBO4", "Mg3N2",
                   "NaF", "AlF3", "ZnF2", "ZnS", "Al2O3", "ZrO2", "ZnO", "MgO", "Li2SiO3", "graphite", "graphene",
                   "CNT", "PEO", "PAN", "PAM", "PAA"],
    "sei": "LiF Li2O Li3N Li2CO3 Li2S Li3P LiCl LiI NaF Na2O Na2CO3 Na2S Na3P KF K2O MgF2 MgO MgCl2 MgS ZnF2 ZnS "
           "ZnO CaF2 CaO CaCO3 CaH2 CaCl2 Ca3N2 Al2O3 AlF3".split(),
    "current_collector": ["Cu", "Al", "Ni", "Ti", "stainless steel"],
    "solvent": "H2O EC PC DMC DEC EMC FEC VC DME diglyme DOL THF acetonitrile".split(),
    "salt": "LiPF6 LiTFSI LiClO4 LiFSI NaPF6 NaClO4 NaFSI KFSI KPF6 ZnSO4 KOH AlCl3".split(),
    "additives": "LiNO3 MnSO4 FEC VC".split(),
}

# Table 2 (seed lines 367-370): every buffer material, as printed (groups like "polymers" resolve to a class entry).
TABLE_2 = ("Al2O3 carbon graphite Li3N Li3PO4 Li3NBO4 LiTaO3 BaTiO3 ZrO2 ZnO Ge Nb Sn Bi Au Mg Al Li2SiO3 SFC/CNT Mg3N2 "
           "LixZny Ca AlF3 Na-K CNT ZnS ZnF2 MXene graphene NC Ag MOF graphdiyne Polyamide PAN PAM PPA PAA").split()


@pytest.mark.parametrize("section, name", [(s, n) for s, names in MINIMUM.items() for n in names])
def test_minimum_material_resolves_in_its_section(knowledge, section, name):
    assert knowledge.lookup(section, name) is not None, f"{name} does not resolve in [{section}]"


@pytest.mark.parametrize("name", TABLE_2)
def test_every_table_2_buffer_material_is_an_interlayer(knowledge, name):
    match = knowledge.lookup("interlayer", name)
    assert match is not None, name
    entry = match.entry
    assert entry.get("class") is not None or entry.values.get("class_at") is not None


def test_every_table_1_row_is_present(knowledge):
    rows = knowledge.classes
    assert len(rows) == 34
    assert all("Table 1" in row.source for row in rows)
    assert {row.values["carrier"].value for row in rows} == {"Li", "Na", "K", "Mg", "Zn", "Al", "Ca"}


def test_the_whole_failure_mode_taxonomy_is_described(knowledge):
    assert set(knowledge.failure_modes) == set(FAILURE_MODES)
    for mode in knowledge.failure_modes.values():
        assert mode.get("mechanism") and mode.get("mitigations"), mode.name


def test_every_value_carries_a_source(knowledge):
    for entry in knowledge.entries:
        assert entry.source.strip(), entry.name
        for key, value in entry.values.items():
            items = value.values() if isinstance(value, dict) else [value]
            for item in items:
                if isinstance(item, Value):
                    assert item.source.strip(), (entry.name, key)


def test_interlayer_class_follows_the_interface(knowledge):
    li3po4 = knowledge.lookup("interlayer", "Li3PO4").entry
    assert li3po4.values["class_at"].value == {"cathode": "cathode-coating", "anode": "artificial-sei"}


def test_a_material_resolves_within_the_section_that_names_it(knowledge):
    assert knowledge.lookup("electrolyte", "LiPON").entry.kind == "electrolyte"
    assert knowledge.lookup("interlayer", "LiPON").entry.kind == "interlayer"
    assert knowledge.lookup("cathode", "graphite").entry.kind == "cathode"
    assert knowledge.lookup("anode", "graphite").entry.kind == "anode"


def test_reference_electrodes_from_the_knowledge_base(knowledge):
    li_in = knowledge.scale.to_she(0.0, "Li-In")
    assert li_in - knowledge.scale.to_she(0.0, "Li/Li+") == pytest.approx(0.62)


def _sei_status(knowledge, product):
    match = knowledge.lookup("sei", product)
    return match.entry.values["electronic"].value if match and "electronic" in match.entry.values else None


def test_a_reaction_recorded_as_passivating_holds_no_electron_conducting_sei_phase(knowledge):
    """One status per SEI phase everywhere (fidelity review K5, R8, R31): a reaction whose
    interphase passivates cannot list a phase that sei.toml calls conducting."""
    for entry in knowledge.by_kind("electrolyte"):
        for carrier, reaction in entry.reactions.items():
            if reaction.electronic is False:
                conducting = [p for p in reaction.products if _sei_status(knowledge, p) == "conducting"]
                assert not conducting, (entry.name, carrier, conducting)


def test_a_reaction_with_an_electron_conducting_product_keeps_growing(knowledge):
    for entry in knowledge.by_kind("electrolyte"):
        for carrier, reaction in entry.reactions.items():
            if any(_sei_status(knowledge, p) == "conducting" for p in reaction.products):
                assert reaction.electronic is True, (entry.name, carrier)


def test_the_phosphides_share_one_status(knowledge):
    """Li3P and Na3P are the same kind of small-gap phosphide; the review's passivating interphases hold them."""
    assert {_sei_status(knowledge, p) for p in ("Li3P", "Na3P", "Li2S", "Na2S")} == {"insulating"}


def test_every_common_solvent_has_a_boiling_point_in_kelvin(knowledge):
    for name in MINIMUM["solvent"]:
        value = knowledge.lookup("solvent", name).entry.values["boiling_point"]
        assert 300.0 < value.value < 550.0, (name, value.text)
    assert knowledge.lookup("solvent", "DOL").entry.values["boiling_point"].value < \
        knowledge.lookup("solvent", "DMC").entry.values["boiling_point"].value


def test_every_salt_of_the_minimum_names_its_anion_family(knowledge):
    for name in MINIMUM["salt"]:
        assert knowledge.lookup("salt", name).entry.values["anions"].value, name
    assert knowledge.lookup("salt", "APC").entry.values["anions"].value == ("chloride",)
    assert knowledge.lookup("salt", "LiTFSI").entry.values["anions"].value == ("imide",)


def test_every_polymer_and_gel_names_its_host(knowledge):
    for entry in knowledge.by_kind("electrolyte"):
        state = entry.values.get("state")
        if state and state.value in ("polymer", "gel"):
            # A host the review does not name is said so in the entry's note.
            assert "polymer_host" in entry.values or "polymer_host" in entry.note, entry.name
    assert knowledge.lookup("electrolyte", "PEO-LiTFSI").entry.values["polymer_host"].value == "polyether"
    assert knowledge.lookup("electrolyte", "PAN-LiClO4").entry.values["polymer_host"].value == "polynitrile"


def test_cathode_potentials_are_charge_cut_offs_above_their_plateaus(knowledge):
    """The field is the charge cut-off (fidelity review K11): never below the operating range's top."""
    for entry in knowledge.by_kind("cathode"):
        potential, window = entry.values.get("potential"), entry.values.get("potential_range")
        if potential and window and "high" in window:
            assert potential.value >= window["high"].value - 1e-9, entry.name
