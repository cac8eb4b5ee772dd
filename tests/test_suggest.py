"""`cellrules suggest`: the shipped bad/good twins are golden cases; exit codes, budget, --apply, JSON.

The twins pin what the issue asks of them (a cathode coating for the uncoated NMC811, at most 5 MPa
for the 25 MPa cell, an anode-side interlayer for Li | LATP, no one-edit fix but a fix within three
edits for li-lgps-bad); everything else asserts properties of the suggestions, not today's verdicts.
"""
from __future__ import annotations

import json

import pytest

from cellrules import api, units
from conftest import EXAMPLES, REPO, TODAY, run_cli

OPTIONS = dict(today=TODAY)


def suggest_cli(*args):
    return run_cli("suggest", *args, "--today", TODAY.isoformat())


def check_status(path) -> str:
    result = run_cli("check", path, "--format", "json", "--today", TODAY.isoformat())
    return json.loads(result.stdout)["results"][0]["status"]


# ---------------------------------------------------------------------------------------- golden twins

def test_uncoated_nmc811_gets_a_cathode_coating_whose_applied_spec_passes(tmp_path):
    spec = EXAMPLES / "li-in-lpscl-nmc811-uncoated.toml"
    fixes = api.suggest(spec, **OPTIONS)
    coatings = [s for s in fixes.suggestions
                if any(c.kind == "add-layer" and c.between == ("cathode", "electrolyte")
                       and "cathode-coating" in c.description for c in s.changes)]
    assert coatings, [s.changes for s in fixes.suggestions]
    rank = coatings[0].rank
    out = tmp_path / "coated.toml"
    result = suggest_cli(spec, "--apply", rank, "-o", out)
    assert result.returncode == 0, result.stderr
    assert check_status(out) == coatings[0].status == "pass"


def test_25_mpa_cell_gets_a_stack_pressure_of_at_most_5_mpa(tmp_path):
    spec = EXAMPLES / "li-lpscl-25mpa.toml"
    fixes = api.suggest(spec, **OPTIONS)
    pressures = [c for s in fixes.suggestions for c in s.changes if c.target == "cell.stack_pressure"]
    assert pressures
    assert units.parse_quantity(pressures[0].value).value <= 5e6
    assert fixes.suggestions[0].changes[0].target == "cell.stack_pressure"   # the one-edit, safe, smallest fix
    out = tmp_path / "5mpa.toml"
    assert suggest_cli(spec, "--apply", 1, "-o", out).returncode == 0
    assert check_status(out) == fixes.suggestions[0].status


def test_li_latp_gets_an_anode_side_interlayer():
    fixes = api.suggest(EXAMPLES / "li-latp-direct.toml", **OPTIONS)
    assert fixes.suggestions
    best = fixes.suggestions[0]
    assert [c.kind for c in best.changes] == ["add-layer"] and best.changes[0].between == ("anode", "electrolyte")
    assert "interphase.mixed-conducting" in best.fixes
    assert best.changes[0].evidence.mitigation and best.changes[0].evidence.entry


def test_li_lgps_bad_has_no_one_edit_fix_and_a_fix_within_three(tmp_path):
    spec = EXAMPLES / "li-lgps-bad.toml"
    one = suggest_cli(spec, "--max-edits", 1)
    assert one.returncode == 1, one.stdout
    assert "no verified fix within 1 edit" in one.stdout
    fixes = api.suggest(spec, max_edits=3, **OPTIONS)
    assert fixes.suggestions and len(fixes.suggestions[0].changes) <= 3
    assert set(fixes.suggestions[0].fixes) == set(fixes.failures)
    out = tmp_path / "fixed.toml"
    result = suggest_cli(spec, "--max-edits", 3, "--apply", 1, "-o", out)
    assert result.returncode == 0, result.stderr
    assert check_status(out) == fixes.suggestions[0].status


def test_budget_50_on_li_lgps_bad_is_reported_and_exits_1():
    result = suggest_cli(EXAMPLES / "li-lgps-bad.toml", "--budget", 50)
    assert result.returncode == 1
    assert "budget of 50 evaluations exhausted at 1 edit: there may be more" in result.stdout
    document = json.loads(suggest_cli(EXAMPLES / "li-lgps-bad.toml", "--budget", 50, "--format", "json").stdout)
    assert document["search"]["exhausted"] is True and document["search"]["evaluations"] == 50
    assert document["search"]["message"].startswith("budget of 50 evaluations exhausted")


# ---------------------------------------------------------------------------------------- the command

def test_a_passing_spec_has_nothing_to_fix_and_exits_0():
    result = suggest_cli(EXAMPLES / "li-in-lpscl-lnbo-nmc811.toml")
    assert result.returncode == 0
    assert "nothing to fix" in result.stdout


def test_bad_input_exits_2_with_a_located_message(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('spec_version = 1\n[cell]\nname = "x"\ncarrier = "Li"\nstack_pressure = 5\n')
    result = suggest_cli(bad)
    assert result.returncode == 2
    assert f"{bad}:5:1: error: stack_pressure = 5 has no unit" in result.stderr
    assert suggest_cli(tmp_path / "missing.toml").returncode == 2


@pytest.mark.parametrize("args", [("--apply", "1"), ("-o", "x.toml"), ("--format", "yaml"), ("--budget", "0"),
                                  ("--max-edits", "none")])
def test_misuse_exits_2(args):
    assert suggest_cli(EXAMPLES / "li-lpscl-25mpa.toml", *args).returncode == 2


def test_apply_of_a_rank_that_does_not_exist_is_misuse(tmp_path):
    result = suggest_cli(EXAMPLES / "li-lpscl-25mpa.toml", "--apply", 99, "-o", tmp_path / "x.toml")
    assert result.returncode == 2
    assert "there is no suggestion 99" in result.stderr
    assert not (tmp_path / "x.toml").exists()


def test_apply_keeps_every_other_byte_comments_included(tmp_path):
    spec = EXAMPLES / "li-lgps-bad.toml"
    out = tmp_path / "fixed.toml"
    assert suggest_cli(spec, "--apply", 1, "-o", out).returncode == 0
    before, after = spec.read_text().splitlines(), out.read_text().splitlines()
    changed = [line for line in before if line not in after]
    assert changed == ['stack_pressure = "30 MPa"']
    assert after[:len(before)] == [line.replace("30 MPa", "5 MPa") for line in before]
    added = after[len(before):]
    assert added.count("[[interlayer]]") == 2 and all(line.startswith(("[[", "material", "between")) or not line
                                                      for line in added)


def test_json_document(tmp_path):
    result = suggest_cli(EXAMPLES / "li-latp-direct.toml", "--format", "json")
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert document["version"] == 1 and document["status"] == "fail"
    assert document["failures"] == ["interphase.mixed-conducting"]
    first = document["suggestions"][0]
    assert first["rank"] == 1 and first["safe"] is True and first["status"] in ("pass", "incomplete")
    change = first["changes"][0]
    assert set(change) == {"kind", "target", "value", "previous", "between", "safe", "description", "evidence"}
    assert set(change["evidence"]) == {"rule", "mitigation", "citation", "entry", "source"}
    assert change["evidence"]["source"]
    assert set(document["search"]) >= {"found", "evaluations", "budget", "max_edits", "exhausted", "exhausted_at"}


def test_output_is_deterministic():
    first = suggest_cli(EXAMPLES / "li-lgps-bad.toml", "--format", "json").stdout
    assert first == suggest_cli(EXAMPLES / "li-lgps-bad.toml", "--format", "json").stdout


def test_unsafe_edits_appear_only_with_unsafe():
    spec = EXAMPLES / "li-peo-nmc811.toml"
    safe = api.suggest(spec, **OPTIONS)
    assert all(s.safe for s in safe.suggestions)
    unsafe = api.suggest(spec, unsafe=True, **OPTIONS)
    assert unsafe.suggestions and not all(s.safe for s in unsafe.suggestions)
    assert all(c.safe for s in safe.suggestions for c in s.changes)


def test_ranking_fewer_edits_then_safe_then_smaller():
    fixes = api.suggest(EXAMPLES / "li-lgps-bad.toml", unsafe=True, **OPTIONS)
    keys = [(len(s.changes), not s.safe) for s in fixes.suggestions]
    assert keys == sorted(keys)
    assert len(fixes.suggestions[0].changes) <= 3


def test_every_suggestion_carries_its_evidence():
    for name in ("li-lgps-bad.toml", "li-in-lpscl-nmc811-uncoated.toml", "li-latp-direct.toml"):
        for suggestion in api.suggest(EXAMPLES / name, **OPTIONS).suggestions:
            assert suggestion.fixes
            for change in suggestion.changes:
                evidence = change.evidence
                assert evidence.rule and evidence.citation
                if change.kind == "add-layer":
                    assert evidence.entry == change.value and evidence.source
                    assert evidence.mitigation


def test_a_new_layer_in_a_stack_names_the_electrolyte_layers(tmp_path):
    spec = REPO / "tests" / "data" / "stacks" / "latp-argyrodite-nmc811.toml"
    fixes = api.suggest(spec, **OPTIONS)
    layers = [c for s in fixes.suggestions for c in s.changes if c.kind == "add-layer"]
    assert layers and all(c.between in (("anode", "electrolyte.1"), ("electrolyte.1", "electrolyte.2"),
                                        ("electrolyte.2", "cathode")) for c in layers)
    assert layers[0].between == ("anode", "electrolyte.1")
    out = tmp_path / "stack.toml"
    assert suggest_cli(spec, "--apply", 1, "-o", out).returncode == 0
    assert 'between = ["anode", "electrolyte.1"]' in out.read_text()
    assert check_status(out) == fixes.suggestions[0].status


def test_the_verified_fixes_section_data_for_the_explain_report():
    from cellrules.fixes.section import verified_fixes

    fixes = api.suggest(EXAMPLES / "li-lgps-bad.toml", **OPTIONS)
    section = verified_fixes(fixes)
    assert [f.rank for f in section.fixes] == [1, 2, 3] and section.found == fixes.found
    assert [f.status for f in section.fixes] == [s.status for s in fixes.suggestions[:3]]
    assert all(c.evidence and c.evidence[0].startswith("why: ") for f in section.fixes for c in f.changes)
    assert section.command.endswith("li-lgps-bad.toml") and any("searched" in n for n in section.notes)
    assert not any("--format json" in n for n in section.notes)     # suggest's own words stay suggest's
    starved = verified_fixes(api.suggest(EXAMPLES / "li-lgps-bad.toml", budget=50, **OPTIONS))
    assert not starved.fixes and any("budget of 50 evaluations exhausted" in n for n in starved.notes)


def test_the_readme_shows_todays_output():
    readme = (REPO / "README.md").read_text()
    block = readme.split("$ cellrules suggest examples/li-lpscl-25mpa.toml\n", 1)[1].split("```", 1)[0]
    assert run_cli("suggest", "examples/li-lpscl-25mpa.toml", cwd=REPO).stdout == block


def test_a_cut_off_the_knowledge_base_gives_is_a_knob_the_edit_states():
    text = (EXAMPLES / "li-peo-nmc811.toml").read_text().replace('potential = "4.3 V vs Li/Li+"\n', "")
    assert not api.suggest(text, **OPTIONS).suggestions          # changing the cut-off is unsafe
    fixes = api.suggest(text, unsafe=True, **OPTIONS)
    cut_offs = [s for s in fixes.suggestions if [c.target for c in s.changes] == ["cathode.potential"]]
    assert cut_offs and not cut_offs[0].safe
    assert "the knowledge base gives" in cut_offs[0].changes[0].description
    edited = fixes.apply(cut_offs[0].rank)
    assert edited.startswith(text.rstrip("\n")) and edited.endswith(f'potential = "{cut_offs[0].changes[0].value}"\n')
    assert api.check(edited, **OPTIONS).status == cut_offs[0].status


def test_a_waiver_a_fix_leaves_unused_goes_with_the_fix(tmp_path):
    spec = tmp_path / "waived.toml"
    spec.write_text((EXAMPLES / "li-lgps-bad.toml").read_text() + '\n[[waiver]]\nrule = "window.cathode-oxidation"\n'
                    'reason = "CEI accepted for this screening cell"\n')
    fixes = api.suggest(spec, **OPTIONS)
    best = fixes.suggestions[0]
    assert [c.kind for c in best.changes][-1] == "drop-waiver" and best.changes[-1].value == "window.cathode-oxidation"
    out = tmp_path / "fixed.toml"
    result = suggest_cli(spec, "--apply", 1, "-o", out)
    assert result.returncode == 0 and "1. 3 edits, safe" in result.stdout
    assert "[[waiver]]" not in out.read_text() and check_status(out) == best.status == "pass"


def test_a_buffer_between_two_electrolyte_layers_under_the_specs_own_configuration(tmp_path):
    # Li6PS5Cl | Li3InCl6 react where they touch (a warning); the project fails on warnings.
    spec = tmp_path / "stack.toml"
    spec.write_text((REPO / "rules" / "cases" / "stack-halide-catholyte-sulfide-separator.toml").read_text())
    (tmp_path / "cellrules.toml").write_text('fail-on = "warning"\n')
    document = json.loads(suggest_cli(spec, "--format", "json", "--max-edits", 2).stdout)
    assert any(f.startswith("stack.") for f in document["failures"])     # a rule of the layers' interface
    best = document["suggestions"][0]
    assert any(c["between"] == ["electrolyte.1", "electrolyte.2"] for c in best["changes"])
    buffer = next(c for c in best["changes"] if c["between"] == ["electrolyte.1", "electrolyte.2"])
    assert buffer["evidence"]["rule"] in best["fixes"] + best["also_fixes"] and buffer["evidence"]["mitigation"]
    out = tmp_path / "fixed.toml"
    assert suggest_cli(spec, "--max-edits", 2, "--apply", 1, "-o", out).returncode == 0
    assert check_status(out) == best["status"]          # check finds the same cellrules.toml


def test_a_labs_rule_pack_is_fixed_like_the_built_in_rules(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "lab.rules").write_text('rule lab.thin-anode "Anode at most 50 um" {\n  require anode.thickness <= 50 um\n'
                                    '  severity error\n  failure energy-target-unmet\n  because "lab practice"\n'
                                    '  mitigate "use thinner foil"\n  cite "lab notebook"\n}\n')
    spec = tmp_path / "cell.toml"
    spec.write_text((EXAMPLES / "li-lpscl-5mpa.toml").read_text().replace(
        'material = "Li"\n', 'material = "Li"\nthickness = "100 um"\n', 1))
    document = json.loads(suggest_cli(spec, "--rules", pack, "--format", "json").stdout)
    assert document["failures"] == ["lab.thin-anode"]
    change = document["suggestions"][0]["changes"][0]
    assert change["target"] == "anode.thickness" and units.parse_quantity(change["value"]).value <= 50e-6
    assert change["evidence"]["mitigation"] == "use thinner foil"
    out = tmp_path / "thin.toml"
    assert suggest_cli(spec, "--rules", pack, "--apply", 1, "-o", out).returncode == 0
    status = json.loads(run_cli("check", "--rules", pack, out, "--format", "json", "--today",
                                TODAY.isoformat()).stdout)["results"][0]["status"]
    assert status == document["suggestions"][0]["status"]


def test_fixes_a_files_layout_cannot_take_are_counted_not_hidden(tmp_path):
    spec = tmp_path / "inline.toml"
    spec.write_text('spec_version = 1\ninterlayer = [ { material = "ZnO", between = ["cathode", "electrolyte"] } ]\n'
                    '[cell]\nname = "x"\ncarrier = "Li"\ntemperature = "25 degC"\nstack_pressure = "1 MPa"\n'
                    '[anode]\nmaterial = "Li"\n[electrolyte]\nmaterial = "LATP"\n')
    result = suggest_cli(spec)
    assert result.returncode == 1
    assert "no verified fix can be written into this file's layout" in result.stdout
    assert "verified fixes are not shown: they cannot be written" in result.stdout
