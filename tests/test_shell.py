"""Shell conventions: standard input and output as `-`, Ctrl-C, one problem format, and where configuration stops.

Each test runs the real program as a subprocess, the way a shell, a pipe or an
editor's problem matcher meets it.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from cellrules import cli
from conftest import EXAMPLES, REPO, TODAY, run_cli

BAD = EXAMPLES / "li-lgps-bad.toml"
# gcc's format, which GitHub's and GitLab's problem matchers, Vim's errorformat and Emacs' compile mode read.
GCC_STYLE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<level>error|warning|info): (?P<message>.+)$")


def _findings(document: str) -> tuple:
    (result,) = json.loads(document)["results"]
    return result["findings"], result["status"]


# ---------------------------------------------------------------------------------------- `-`


def test_a_spec_on_standard_input_gives_the_findings_of_the_file():
    spec = BAD.read_text(encoding="utf-8")
    piped = run_cli("check", "--format", "json", "-", cwd=REPO, input_bytes=spec)
    named = run_cli("check", "--format", "json", BAD.relative_to(REPO), cwd=REPO)
    assert piped.returncode == named.returncode == 1
    assert json.loads(piped.stdout)["results"][0]["file"] == "-"    # reported under the path as given
    # The same findings; provenance names the spec as given ("spec: -:13").
    assert _findings(piped.stdout.replace('"spec: -:', f'"spec: {BAD.relative_to(REPO)}:')) == _findings(named.stdout)
    text = run_cli("check", "-", cwd=REPO, input_bytes=spec).stdout
    assert text.splitlines()[0].startswith("-:13:1: error: mechanics.li-stack-pressure-failure ")


def test_stdin_filename_names_the_spec_and_picks_its_configuration(tmp_path):
    spec = BAD.read_text(encoding="utf-8")
    named = run_cli("check", BAD.relative_to(REPO), cwd=REPO)
    piped = run_cli("check", "-", "--stdin-filename", BAD.relative_to(REPO), cwd=REPO, input_bytes=spec)
    assert piped.stdout == named.stdout
    # The configuration of the folder the name is in applies, as it would to the file.
    (tmp_path / ".git").mkdir()
    (tmp_path / "designs").mkdir()
    (tmp_path / "designs" / "cellrules.toml").write_text('select = ["moisture"]\n', encoding="utf-8")
    only_moisture = run_cli("check", "-", "--stdin-filename", "designs/cell.toml", cwd=tmp_path, input_bytes=spec)
    assert only_moisture.returncode == 0
    assert [line.split(": ")[2].split()[0] for line in only_moisture.stdout.splitlines()[:-1]] == ["moisture.sulfide"]


def test_stdin_among_other_paths_and_a_broken_spec_on_stdin():
    both = run_cli("check", "-", EXAMPLES / "li-llzo-lfp.toml", cwd=REPO, input_bytes=BAD.read_text())
    assert both.stdout.splitlines()[-1] == "2 files: 1 pass, 0 incomplete, 1 fail, 0 error"
    broken = run_cli("check", "-", cwd=REPO, input_bytes='spec_version = 1\n[cell]\nname = "x"\ncarrier = "Li"\n'
                                                          'stack_pressure = 5\n')
    assert broken.returncode == 2
    assert broken.stdout.splitlines()[0] == "-:5:1: error: stack_pressure = 5 has no unit"


def test_explain_reads_standard_input_too():
    piped = run_cli("explain", "-", "--stdin-filename", BAD.relative_to(REPO), "--today", TODAY.isoformat(),
                    cwd=REPO, input_bytes=BAD.read_text())
    named = run_cli("explain", BAD.relative_to(REPO), "--today", TODAY.isoformat(), cwd=REPO)
    assert piped.returncode == 0 and piped.stdout == named.stdout


def test_init_dash_prints_the_template_and_writes_no_file(tmp_path):
    result = run_cli("init", "-", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("# A cell spec for cellrules")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "cell.toml").write_text(result.stdout, encoding="utf-8")
    assert run_cli("check", "cell.toml", cwd=tmp_path).returncode in (0, 1)


def test_writing_a_file_is_announced_the_same_way_by_every_command(tmp_path):
    init = run_cli("init", "a.toml", cwd=tmp_path)
    explain = run_cli("explain", "a.toml", "-o", "a.txt", cwd=tmp_path)
    assert init.stdout == explain.stdout == ""
    assert init.stderr.startswith("wrote a.toml")
    assert explain.stderr == "wrote a.txt\n" and (tmp_path / "a.txt").read_text().strip()


# ---------------------------------------------------------------------------------------- Ctrl-C


def test_ctrl_c_exits_130_without_a_traceback():
    process = subprocess.Popen([sys.executable, "-m", "cellrules", "check", "-"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        time.sleep(1.5)      # started and waiting for the spec on standard input
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert stderr == "cellrules: interrupted\n" and stdout == ""


def test_an_interruption_anywhere_in_a_command_is_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    from cellrules.cli import check
    monkeypatch.setattr(check, "run", interrupted)
    assert cli.main(["check", "x.toml"]) == 130
    assert capsys.readouterr().err == "cellrules: interrupted\n"


def test_workers_leave_ctrl_c_to_the_parent(monkeypatch):
    from cellrules.cli import batch

    monkeypatch.setattr(signal, "signal", lambda number, handler: calls.append((number, handler)))
    monkeypatch.setattr("cellrules.cli.load.load_ruleset", lambda dirs: None)
    calls: list = []
    batch._start_worker([()], None, None)
    assert calls == [(signal.SIGINT, signal.SIG_IGN)]


# ---------------------------------------------------------------------------------------- one problem format


def test_every_command_prints_problems_in_one_format(tmp_path):
    (tmp_path / ".git").mkdir()
    broken = tmp_path / "broken.toml"
    broken.write_text('spec_version = 1\n[cell]\nname = "x"\ncarrier = "Li"\nstack_pressure = 5\n', encoding="utf-8")
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "bad.rules").write_text('rule lab.x "x" {\n  require cell.stack_presure > 1 MPa\n}\n', encoding="utf-8")
    outputs = {
        "check": run_cli("check", "broken.toml", cwd=tmp_path).stdout,
        "explain": run_cli("explain", "broken.toml", cwd=tmp_path).stderr,
        "rule pack": run_cli("check", "--rules", "pack", EXAMPLES / "li-llzo-lfp.toml", cwd=tmp_path).stderr,
        "config": run_cli("check", "--config", "bad.toml", "broken.toml", cwd=_with(tmp_path, "bad.toml",
                                                                                   "fail-on = 3\n")).stderr,
    }
    for command, output in outputs.items():
        lines = output.splitlines()
        problems = [line for line in lines if GCC_STYLE.match(line)]
        assert problems, f"{command}: {output}"
        hints = [line for line in lines if "hint:" in line]
        assert all(line.startswith("    hint: ") for line in hints), f"{command}: {output}"
    assert outputs["check"].splitlines()[0] == "broken.toml:5:1: error: stack_pressure = 5 has no unit"
    assert outputs["explain"].splitlines()[0] == "broken.toml:5:1: error: stack_pressure = 5 has no unit"


NEEDS_DATA = re.compile(r"^[^:\n]+:\d+:\d+: needs-data: [a-z0-9_.-]+ .+: needs .+$")


def test_findings_are_in_the_problem_format_too():
    lines = [line for line in run_cli("check", EXAMPLES, cwd=REPO).stdout.splitlines()[:-1]
             if not line.startswith("    hint: ")]
    failures = [GCC_STYLE.match(line) for line in lines if ": needs-data: " not in line]
    assert failures and all(failures), [line for line in lines if not GCC_STYLE.match(line)]
    assert {m.group("level") for m in failures} == {"error", "warning", "info"}
    needs = [line for line in lines if ": needs-data: " in line]
    assert needs and all(NEEDS_DATA.match(line) for line in needs), needs   # missing data: no severity


def _with(folder, name: str, text: str):
    (folder / name).write_text(text, encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------------------- messages


def test_explain_without_arguments_says_what_it_needs():
    result = run_cli("explain")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "error: explain needs a spec or --rule ID"
    both = run_cli("explain", BAD, "--rule", "window.anode-reduction")
    assert both.stderr.splitlines()[0] == "error: explain takes a spec or --rule ID, not both"


def test_a_bad_severity_level_lists_the_levels():
    result = run_cli("check", "--severity", "window.anode-reduction=fatal", BAD)
    assert result.returncode == 2
    assert "the levels are error, warning and info" in result.stderr


# ---------------------------------------------------------------------------------------- configuration


@pytest.fixture
def nested(tmp_path):
    """A stray configuration two folders above a checkout that holds a spec passing on its own."""
    outer = tmp_path / "home"
    checkout = outer / "work" / "designs-repo"
    checkout.mkdir(parents=True)
    (outer / "cellrules.toml").write_text('fail-on = "warning"\n', encoding="utf-8")
    spec = checkout / "cell.toml"
    spec.write_text((EXAMPLES / "li-lpscl-60c.toml").read_text(encoding="utf-8"), encoding="utf-8")   # one warning
    return outer, checkout, spec


def test_configuration_discovery_stops_at_the_repository_root(nested):
    outer, checkout, spec = nested
    outside_a_repository = run_cli("check", "-v", spec, cwd=checkout)
    assert outside_a_repository.returncode == 1           # the stray fail-on = "warning" applies
    assert f"configuration {os.path.relpath(outer / 'cellrules.toml', checkout)} (found) applies to 1 spec" \
        in outside_a_repository.stderr
    (checkout / ".git").mkdir()
    inside = run_cli("check", "-v", spec, cwd=checkout)
    assert inside.returncode == 0
    assert "no configuration file applies to 1 spec" in inside.stderr
    (checkout / "cellrules.toml").write_text('fail-on = "warning"\n', encoding="utf-8")   # the root's own counts
    assert run_cli("check", spec, cwd=checkout).returncode == 1


def test_a_worktree_checkout_is_a_repository_root_too(nested):
    outer, checkout, spec = nested
    (checkout / ".git").write_text("gitdir: /elsewhere/.git/worktrees/x\n", encoding="utf-8")
    assert run_cli("check", spec, cwd=outer).returncode == 0


def test_verbose_names_the_configuration_of_each_group_of_specs():
    result = run_cli("check", "-v", "examples/design-repo/designs", "examples/li-llzo-lfp.toml",
                     "--today", TODAY.isoformat(), cwd=REPO)
    lines = result.stderr.splitlines()
    assert "cellrules: configuration examples/design-repo/cellrules.toml (found) applies to 5 specs" in lines
    assert any(line.startswith("cellrules: no configuration file applies to 1 spec") for line in lines)
    assert any(line.startswith("examples/li-llzo-lfp.toml: ") for line in result.stdout.splitlines())


def test_rules_fields_columns_never_run_together():
    lines = run_cli("rules", "fields").stdout.splitlines()
    assert lines[0].split() == ["field", "kind", "meaning"]
    kind_at, meaning_at = lines[0].index("kind"), lines[0].index("meaning")
    for line in lines[1:]:
        assert line[kind_at - 2:kind_at] == "  " and line[kind_at] != " ", line       # two spaces, then the kind
        assert line[meaning_at - 2:meaning_at] == "  " and line[meaning_at] != " ", line
