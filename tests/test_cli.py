"""The command line as users and CI scripts run it: a subprocess, exit codes, stdout/stderr."""
import json

from conftest import CELL_LI, EXAMPLES, REPO, run_cli

GOOD = CELL_LI.lstrip() + 'stack_pressure = "1 MPa"\n[anode]\nmaterial = "Li"\n[electrolyte]\nmaterial = "LLZO"\n'
BAD_UNIT = CELL_LI.lstrip() + "stack_pressure = 5\n"


def test_check_examples_from_any_directory(tmp_path):
    result = run_cli("check", EXAMPLES, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines()[-1].startswith(f"{len(list(EXAMPLES.glob('*.toml')))} files: ") or \
        " files: " in result.stdout.splitlines()[-1]


def test_json_output_matches_the_contract_field_for_field(tmp_path):
    result = run_cli("check", "--format", "json", EXAMPLES, cwd=REPO)
    document = json.loads(result.stdout)
    assert set(document) == {"version", "results"} and document["version"] == 1
    files = [r["file"] for r in document["results"]]
    assert files == sorted(files)
    for entry in document["results"]:
        assert set(entry) == {"file", "status", "findings"}
        assert entry["status"] in ("pass", "incomplete", "fail")
        for finding in entry["findings"]:
            contract = {"rule", "outcome", "severity", "failure_mode", "message", "location", "inputs",
                        "mitigations", "citation"}
            assert set(finding) == contract | ({"needs"} if finding["outcome"] == "unknown" else set())
            assert finding["outcome"] in ("fail", "unknown", "skipped", "waived")
            assert set(finding["location"]) == {"line", "column"} and finding["location"]["line"] >= 1
            if finding["outcome"] == "unknown":  # any one group of inputs decides the rule
                assert finding["needs"] and all(group and all(isinstance(n, str) for n in group)
                                                for group in finding["needs"])
            for value in finding["inputs"].values():
                assert set(value) in ({"value", "source"}, {"value", "source", "si", "unit"})
                if "si" in value:
                    assert isinstance(value["si"], float) and value["unit"]


def test_json_numbers_carry_their_si_value_and_unit(tmp_path):
    result = run_cli("check", "--format", "json", "examples/li-lgps-bad.toml", cwd=REPO)
    finding = next(f for f in json.loads(result.stdout)["results"][0]["findings"]
                   if f["rule"] == "mechanics.li-stack-pressure-failure")
    assert finding["inputs"]["cell.stack_pressure"] == {
        "value": "30 MPa", "source": "spec: examples/li-lgps-bad.toml:13", "si": 30e6, "unit": "Pa"}


def test_json_of_an_unreadable_spec_lists_every_problem_with_its_location(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('spec_version = 1\n[cell]\nname = "x"\ncarrier = "Li"\nstack_presure = "5 MPa"\n'
                   '[anode]\nthickness = "5"\n', encoding="utf-8")
    result = run_cli("check", "--format", "json", bad, cwd=tmp_path)
    entry = json.loads(result.stdout)["results"][0]
    assert entry["status"] == "error" and entry["findings"] == []
    assert [(e["location"]["line"], e["message"]) for e in entry["errors"]] == [
        (5, "unknown key 'stack_presure' in [cell]"), (7, "thickness = '5' has no unit")]
    assert entry["errors"][0]["hint"] == "did you mean stack_pressure?"


def test_exit_codes_pass_fail_error(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(GOOD)
    bad_design = tmp_path / "bad_design.toml"
    bad_design.write_text(GOOD.replace('"LLZO"', '"LGPS"'))
    unreadable = tmp_path / "unreadable.toml"
    unreadable.write_text(BAD_UNIT)
    assert run_cli("check", good).returncode == 0
    assert run_cli("check", bad_design).returncode == 1
    mixed = run_cli("check", good, bad_design, unreadable)
    assert mixed.returncode == 2  # 2 outranks 1
    assert f"{unreadable}:7:1: error: stack_pressure = 5 has no unit" in mixed.stdout
    assert f"{bad_design}:" in mixed.stdout  # the other files are still checked
    assert mixed.stdout.splitlines()[-1] == "3 files: 1 pass, 0 incomplete, 1 fail, 1 error"


def test_error_file_in_json_has_a_message_with_line(tmp_path):
    unreadable = tmp_path / "unreadable.toml"
    unreadable.write_text(BAD_UNIT)
    document = json.loads(run_cli("check", "--format", "json", unreadable).stdout)
    (entry,) = document["results"]
    assert entry["status"] == "error" and entry["findings"] == []
    assert entry["message"].startswith("line 7, column 1: stack_pressure = 5 has no unit")


def test_misuse_exits_2():
    assert run_cli("check").returncode == 2
    missing = run_cli("check", "no/such/file.toml")
    assert missing.returncode == 2
    assert missing.stdout.splitlines()[0] == "no/such/file.toml:1:1: error: no such file or directory"


def test_directory_without_specs_is_misuse(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    result = run_cli("check", tmp_path)
    assert result.returncode == 2 and "no cell spec found" in result.stderr


def test_directory_search_skips_config_hidden_and_non_specs(tmp_path):
    (tmp_path / "cell.toml").write_text(GOOD)
    (tmp_path / "notes.toml").write_text("[something]\nelse = 1\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "cell.toml").write_text(BAD_UNIT)
    result = run_cli("check", "--format", "json", tmp_path)
    assert [r["file"] for r in json.loads(result.stdout)["results"]] == [str(tmp_path / "cell.toml")]


def test_all_includes_passes(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(GOOD)
    plain = json.loads(run_cli("check", "--format", "json", good).stdout)
    everything = json.loads(run_cli("check", "--format", "json", "--all", good).stdout)
    outcomes = {f["outcome"] for f in everything["results"][0]["findings"]}
    assert "pass" in outcomes and "not-applicable" in outcomes
    assert len(everything["results"][0]["findings"]) > len(plain["results"][0]["findings"])


def test_output_is_byte_identical_across_runs():
    first = run_cli("check", "--format", "json", "--all", EXAMPLES, cwd=REPO, env={"PYTHONHASHSEED": "1"})
    second = run_cli("check", "--format", "json", "--all", EXAMPLES, cwd=REPO, env={"PYTHONHASHSEED": "2"})
    assert first.stdout == second.stdout


def test_rules_list_groups_by_concern():
    result = run_cli("rules", "list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert "window" in lines and "mechanics" in lines
    assert any(line.split()[0] == "window.anode-reduction" and "electrolyte-reduction" in line for line in lines if line)


def test_rules_list_json():
    rules = json.loads(run_cli("rules", "list", "--format", "json").stdout)
    assert {"id", "title", "severity", "failure_mode", "concern", "carriers", "citation"} == set(rules[0])


def test_rules_show_and_unknown_id():
    shown = run_cli("rules", "show", "mechanics.shear-modulus-ratio")
    assert shown.returncode == 0 and "modulus_ratio >= 2" in shown.stdout and "Section 4.1" in shown.stdout
    unknown = run_cli("rules", "show", "mechanics.shear-modulus-rati")
    assert unknown.returncode == 2 and "did you mean mechanics.shear-modulus-ratio" in unknown.stderr


def test_user_rule_pack_is_added(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "lab.rules").write_text('rule lab.thin-anode "Anode at most 50 um" {\n  require anode.thickness <= 50 um\n'
                                    '  severity warning\n  failure energy-target-unmet\n  because "lab practice"\n'
                                    '  mitigate "use thinner foil"\n  cite "lab notebook"\n}\n')
    spec = tmp_path / "cell.toml"
    spec.write_text(GOOD.replace('material = "Li"\n', 'material = "Li"\nthickness = "100 um"\n', 1))
    result = run_cli("check", "--rules", pack, spec)
    assert "warning: lab.thin-anode" in result.stdout


def test_broken_rule_pack_is_exit_2_with_location(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "bad.rules").write_text('rule lab.x "t" {\n  require anode.thicknes <= 50 um\n}\n')
    result = run_cli("check", "--rules", pack, EXAMPLES)
    assert result.returncode == 2
    assert f"{pack / 'bad.rules'}:2:11: error: unknown field 'anode.thicknes'" in result.stderr
    assert "Traceback" not in result.stderr


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("cellrules ")
