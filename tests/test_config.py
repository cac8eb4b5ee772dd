"""Project configuration: a design repository's cellrules.toml or [tool.cellrules] decides the verdict.

The story of each test: a repository with a config and a spec in it, `cellrules check` run from
elsewhere, and the exit code that CI sees. The spec is a Li | Li6PS5Cl | LiFePO4 cell (a cold-pressed
sulfide, where all three rungs of the ladder apply) whose stack
pressure drives the Li creep rules; the configs select those rules so that the verdict depends on
the configuration alone, not on the rest of the growing rule library.
"""
import json

from conftest import run_cli

CREEP, FAILURE, SHORT = ("mechanics.li-stack-pressure-creep", "mechanics.li-stack-pressure-failure",
                         "mechanics.li-stack-pressure-short")
SELECT_CREEP = f'select = ["{CREEP}", "{FAILURE}", "{SHORT}"]\n'
CELL = """\
spec_version = 1

[cell]
name = "Li | Li6PS5Cl | LiFePO4"
carrier = "Li"
temperature = "25 degC"
{pressure}
[anode]
material = "Li"

[electrolyte]
material = "Li6PS5Cl"

[cathode]
material = "LiFePO4"
"""


def repo(tmp_path, config: str, pressure="30 MPa", config_name="cellrules.toml", folder="designs"):
    """A design repository: the config at its root, one spec in `folder`; returns the spec's path."""
    root = tmp_path / "repo"
    (root / folder).mkdir(parents=True, exist_ok=True)
    if config is not None:
        (root / config_name).write_text(config, encoding="utf-8")
    spec = root / folder / "cell.toml"
    line = f'stack_pressure = "{pressure}"\n' if pressure else ""
    spec.write_text(CELL.format(pressure=line), encoding="utf-8")
    return spec


def exit_code(spec, *options, cwd=None):
    result = run_cli("check", *options, spec, cwd=cwd)
    assert "Traceback" not in result.stderr
    return result.returncode


def test_the_creep_failure_at_30_mpa_fails(tmp_path):
    assert exit_code(repo(tmp_path, SELECT_CREEP)) == 1


def test_select_changes_the_exit_code(tmp_path):
    # Only the warning-level creep rule runs: it fails, but warnings do not fail the check.
    assert exit_code(repo(tmp_path, f'select = ["{CREEP}"]\n')) == 0


def test_ignore_by_id_changes_the_exit_code(tmp_path):
    assert exit_code(repo(tmp_path, SELECT_CREEP + f'ignore = ["{FAILURE}", "{SHORT}"]\n')) == 0


def test_ignore_by_prefix(tmp_path):
    spec = repo(tmp_path, f'select = ["{CREEP}", "{FAILURE}", "{SHORT}", "window"]\nignore = ["mechanics"]\n')
    result = run_cli("check", "--all", "--format", "json", spec)
    assert result.returncode == 0
    rules = [f["rule"] for f in json.loads(result.stdout)["results"][0]["findings"]]
    assert rules and all(rule.startswith("window.") for rule in rules)
    # Ignoring everything that is selected runs no rule, which would pass any design: an error (D4).
    assert exit_code(repo(tmp_path / "all", SELECT_CREEP + 'ignore = ["mechanics"]\n')) == 2


def test_severity_changes_the_exit_code(tmp_path):
    assert exit_code(repo(tmp_path, SELECT_CREEP, pressure="10 MPa")) == 0
    spec = repo(tmp_path, SELECT_CREEP + f'severity = {{ "{CREEP}" = "error" }}\n', pressure="10 MPa")
    result = run_cli("check", "--format", "json", spec)
    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)["results"][0]["findings"]
    assert (finding["rule"], finding["severity"]) == (CREEP, "error")


def test_fail_on_warning_changes_the_exit_code(tmp_path):
    assert exit_code(repo(tmp_path, SELECT_CREEP + 'fail-on = "warning"\n', pressure="10 MPa")) == 1


def test_strict_makes_incomplete_fail(tmp_path):
    assert exit_code(repo(tmp_path, SELECT_CREEP, pressure=None)) == 0
    assert exit_code(repo(tmp_path, SELECT_CREEP + "strict = true\n", pressure=None)) == 1


def test_the_command_line_overrides_the_config(tmp_path):
    spec = repo(tmp_path, SELECT_CREEP + 'fail-on = "warning"\nstrict = true\n', pressure="10 MPa")
    assert exit_code(spec) == 1
    assert exit_code(spec, "--fail-on", "error") == 0
    assert exit_code(spec, "--select", CREEP, "--severity", f"{CREEP}=info", "--fail-on", "warning") == 0
    incomplete = repo(tmp_path, SELECT_CREEP + "strict = true\n", pressure=None)
    assert exit_code(incomplete, "--no-strict") == 0


def test_pyproject_tool_table_is_read(tmp_path):
    config = '[project]\nname = "designs"\n\n[tool.cellrules]\n' + SELECT_CREEP + 'fail-on = "warning"\n'
    assert exit_code(repo(tmp_path, config, pressure="10 MPa", config_name="pyproject.toml")) == 1


def test_pyproject_without_the_tool_table_is_passed_over(tmp_path):
    spec = repo(tmp_path, SELECT_CREEP + 'fail-on = "warning"\n', pressure="10 MPa")
    (spec.parent / "pyproject.toml").write_text('[project]\nname = "designs"\n')
    assert exit_code(spec) == 1  # the repository root's cellrules.toml still applies


def test_the_nearest_config_wins(tmp_path):
    spec = repo(tmp_path, SELECT_CREEP + 'fail-on = "warning"\n', pressure="10 MPa")
    (spec.parent / "cellrules.toml").write_text(SELECT_CREEP + 'fail-on = "error"\n')
    assert exit_code(spec) == 0


def test_explicit_config_replaces_the_search(tmp_path):
    spec = repo(tmp_path, SELECT_CREEP, pressure="10 MPa")
    strict = tmp_path / "ci.toml"
    strict.write_text(SELECT_CREEP + 'fail-on = "warning"\n')
    assert exit_code(spec) == 0
    assert exit_code(spec, "--config", strict) == 1


def test_unknown_key_is_an_error_naming_it_with_a_did_you_mean(tmp_path):
    spec = repo(tmp_path, SELECT_CREEP + 'fail_on = "warning"\n')
    result = run_cli("check", spec, cwd=tmp_path / "repo")
    assert result.returncode == 2
    assert "cellrules.toml:2:1: error: unknown configuration key 'fail_on' in cellrules.toml" in result.stderr
    assert "did you mean fail-on?" in result.stderr
    # The spec is that configuration's only file: it is an error, reported as such (D11).
    assert "cannot use the configuration: cellrules.toml:2:1: unknown configuration key 'fail_on'" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 file: 0 pass, 0 incomplete, 0 fail, 1 error"


def test_unknown_key_in_pyproject_points_into_the_tool_table(tmp_path):
    config = '[project]\nname = "designs"\n\n[tool.cellrules]\nselct = ["window"]\n'
    spec = repo(tmp_path, config, config_name="pyproject.toml")
    result = run_cli("check", spec, cwd=tmp_path / "repo")
    assert result.returncode == 2
    assert "pyproject.toml:5:1: error: unknown configuration key 'selct' in [tool.cellrules]" in result.stderr
    assert "did you mean select?" in result.stderr


def test_wrong_values_are_errors_at_their_line(tmp_path):
    spec = repo(tmp_path, 'fail-on = "warnings"\nstrict = "yes"\nseverity = { "window.anode-reduction" = "fatal" }\n')
    result = run_cli("check", spec, cwd=tmp_path / "repo")
    assert result.returncode == 2
    assert "cellrules.toml:1:1: error: fail-on must be error or warning, got 'warnings'" in result.stderr
    assert "did you mean warning?" in result.stderr
    assert "cellrules.toml:2:1: error: strict must be true or false" in result.stderr
    assert "cellrules.toml:3:14: error: severity of window.anode-reduction must be error, warning or info" in result.stderr


def test_a_bad_severity_is_reported_at_its_own_key_however_the_key_is_written(tmp_path):
    # attack review D18: a bad [severity] entry was reported at the table's header.
    config = ('fail-on = "error"\n\n[severity]\n"window.anode-reduction" = "error"\n'
              "'mechanics.shear-modulus-ratio' = \"fatal\"\n")
    spec = repo(tmp_path, config)
    result = run_cli("check", spec, cwd=tmp_path / "repo")
    assert result.returncode == 2
    assert "cellrules.toml:5:1: error: severity of mechanics.shear-modulus-ratio must be" in result.stderr
    spec = repo(tmp_path, '[tool.cellrules]\nseverity."mechanics.shear-modulus-ratio" = "fatal"\n', config_name="pyproject.toml")
    (tmp_path / "repo" / "cellrules.toml").unlink()
    result = run_cli("check", spec, cwd=tmp_path / "repo")
    assert "pyproject.toml:2:1: error: severity of mechanics.shear-modulus-ratio" in result.stderr


def test_an_unknown_rule_id_in_select_is_an_error(tmp_path):
    spec = repo(tmp_path, 'select = ["mechanics.li-stack-presure-creep"]\n')
    result = run_cli("check", spec, cwd=tmp_path / "repo")
    assert result.returncode == 2
    assert "cellrules.toml:1:1: error: select: unknown rule id or prefix 'mechanics.li-stack-presure-creep'" \
        in result.stderr
    assert "did you mean" in result.stderr and CREEP in result.stderr
    assert run_cli("check", "--ignore", "windw", spec).returncode == 2


def test_exclude_skips_files_in_directory_search_only(tmp_path):
    spec = repo(tmp_path, SELECT_CREEP + 'exclude = ["drafts"]\n', pressure="1 MPa")
    draft = spec.parent.parent / "drafts" / "broken.toml"
    draft.parent.mkdir()
    draft.write_text("spec_version = 1\n[cell]\nname = 'half-written'\n")
    result = run_cli("check", spec.parent.parent)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "1 file: 1 pass, 0 incomplete, 0 fail, 0 error"
    assert exit_code(draft) == 2  # named on the command line: checked whatever the config says
    assert exit_code(draft, "--only-specs") == 0  # ... unless asked to filter like pre-commit does


def test_rules_dirs_are_relative_to_the_config_file(tmp_path):
    spec = repo(tmp_path, 'rules-dirs = ["lab-rules"]\nselect = ["lab"]\n')
    pack = spec.parent.parent / "lab-rules"
    pack.mkdir()
    (pack / "lab.rules").write_text(
        'rule lab.low-pressure "Stack pressure at most 20 MPa" {\n  require cell.stack_pressure <= 20 MPa\n'
        '  severity error\n  failure metal-creep\n  because "our press"\n  mitigate "press less"\n'
        '  cite "lab notebook"\n}\n')
    result = run_cli("check", spec, cwd=tmp_path)
    assert result.returncode == 1
    assert "error: lab.low-pressure" in result.stdout
    missing = repo(tmp_path / "other", 'rules-dirs = ["nowhere"]\n')
    result = run_cli("check", missing, cwd=tmp_path)
    assert result.returncode == 2 and "rules-dirs entry 'nowhere' is not a directory" in result.stderr
