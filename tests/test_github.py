"""GitHub Actions: annotations within GitHub's per-step limits, most severe first, and a job summary of everything.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and
silently drops the rest; `examples/` and `rules/cases/` together fail well over ten of each.
"""
from __future__ import annotations

import json
import re

import pytest

from cellrules.engine.results import FileResult, Finding
from cellrules.errors import Location, SpecError
from cellrules.report.github import LIMITS, render_github, summary
from conftest import REPO, TODAY, run_cli

COMMAND = re.compile(r"^::(error|warning|notice) ")
CLOSING = re.compile(r"^::notice title=cellrules%3A annotations left out::(\d+) more findings? not shown as "
                     r"annotations \(([^)]*)\)")


# The shipped examples alone no longer fail ten warnings (issue 12 took the noise out); the golden
# cases add enough of every severity for GitHub's limits to matter.
CHECKED = ("examples/", "rules/cases/")


@pytest.fixture(scope="module")
def examples_run(tmp_path_factory):
    summary_file = tmp_path_factory.mktemp("github") / "step-summary.md"
    summary_file.write_text("## an earlier step\n\n", encoding="utf-8")
    done = run_cli("check", "--format", "github", "--today", TODAY.isoformat(), *CHECKED, cwd=REPO,
                   env={"GITHUB_STEP_SUMMARY": str(summary_file)})
    findings = json.loads(run_cli("check", "--format", "json", "--today", TODAY.isoformat(), *CHECKED,
                                  cwd=REPO).stdout)
    failures = [(entry["file"], f) for entry in findings["results"] for f in entry["findings"] if f["outcome"] == "fail"]
    return done, summary_file.read_text(encoding="utf-8"), failures


def test_examples_stay_within_the_per_step_limits_and_count_the_rest(examples_run):
    done, _, failures = examples_run
    lines = done.stdout.splitlines()
    levels = [COMMAND.match(line).group(1) for line in lines]
    assert levels.count("error") <= 10 and levels.count("warning") <= 10 and levels.count("notice") <= 10
    by_severity = {s: sum(f["severity"] == s for _, f in failures) for s in ("error", "warning", "info")}
    assert by_severity["error"] > 10 and by_severity["warning"] > 10       # the limits matter here
    assert levels.count("error") == levels.count("warning") == 10
    closing = CLOSING.match(lines[-1])
    assert closing, lines[-1]
    shown = {"error": 10, "warning": 10, "notice": levels.count("notice") - 1}
    left = {"errors": by_severity["error"] - shown["error"], "warnings": by_severity["warning"] - shown["warning"],
            "notices": by_severity["info"] - shown["notice"]}
    assert int(closing.group(1)) == sum(left.values())
    assert closing.group(2) == ", ".join(f"{n} {kind}" for kind, n in left.items())


def test_annotations_come_most_severe_first(examples_run):
    levels = [COMMAND.match(line).group(1) for line in examples_run[0].stdout.splitlines()]
    rank = {"error": 0, "warning": 1, "notice": 2}
    assert levels == sorted(levels, key=rank.get)


def test_the_job_summary_lists_every_finding(examples_run):
    _, text, failures = examples_run
    assert text.startswith("## an earlier step\n\n## cellrules\n")       # appended, as GitHub asks
    failure_table, _, needs_table = text.partition("### Needs data")
    rows = [line for line in failure_table.splitlines() if line.startswith("| ") and not line.startswith("| severity")]
    assert len(rows) == len(failures)
    for path, finding in failures:
        where = f"{path}:{finding['location']['line']}"
        assert any(row.startswith(f"| {finding['severity']} | {where} | {finding['rule']} | ") for row in rows), where
    assert re.search(r"\d+ files: \d+ pass", text)
    # The rules that need data, without a severity: as many rows as unknown findings.
    unknown = json.loads(run_cli("check", "--format", "json", "--today", TODAY.isoformat(), *CHECKED,
                                 cwd=REPO).stdout)["results"]
    needs = [(entry["file"], f) for entry in unknown for f in entry["findings"] if f["outcome"] == "unknown"]
    needs_rows = [line for line in needs_table.splitlines() if line.startswith("| ") and not line.startswith("| where")]
    assert needs and len(needs_rows) == len(needs)
    assert not any(row.split(" | ")[0].strip("| ") in ("error", "warning", "info") for row in needs_rows)
    path, finding = needs[0]
    assert f"| {path}:{finding['location']['line']} | {finding['rule']} | " in needs_table


def _failure(rule: str, severity: str, line: int) -> Finding:
    return Finding(rule, "fail", severity, "mode", f"{rule} failed | badly", line, 1)


def test_limits_hold_for_any_mix_of_severities():
    for errors, warnings, infos in ((0, 0, 0), (3, 0, 0), (10, 10, 10), (11, 0, 0), (0, 0, 11), (30, 30, 30),
                                    (0, 12, 9), (0, 0, 10)):
        findings = ([_failure(f"a.e{i}", "error", i + 1) for i in range(errors)]
                    + [_failure(f"a.w{i}", "warning", i + 1) for i in range(warnings)]
                    + [_failure(f"a.i{i}", "info", i + 1) for i in range(infos)])
        lines = render_github([FileResult("x.toml", "fail", tuple(findings))]).splitlines()
        levels = [COMMAND.match(line).group(1) for line in lines]
        assert all(levels.count(level) <= limit for level, limit in LIMITS.items())
        cut = errors > 10 or warnings > 10 or infos > 10
        assert bool(CLOSING.match(lines[-1]) if lines else False) == cut
        shown = len(lines) - (1 if cut else 0)
        assert shown + (int(CLOSING.match(lines[-1]).group(1)) if cut else 0) == errors + warnings + infos


def test_an_unreadable_spec_is_an_error_annotation_and_a_summary_row():
    broken = FileResult("bad.toml", "error", message="no unit",
                        errors=(SpecError("stack_pressure = 5 has no unit", Location("bad.toml", 6, 1), 'add "5 MPa"'),))
    assert render_github([broken]).startswith("::error file=bad.toml,line=6,col=1,title=cellrules%3A invalid spec::")
    assert "| error | bad.toml:6 | spec.invalid | stack\\_pressure = 5 has no unit (hint: add \"5 MPa\") |" in summary([broken])


def test_the_summary_escapes_markdown_and_stays_under_githubs_size_limit():
    findings = tuple(_failure(f"a.r{i:05d}", "warning", i + 1) for i in range(3000))
    text = summary([FileResult("x.toml", "fail", findings)], limit=64 * 1024)
    assert len(text.encode()) <= 64 * 1024
    assert "a.r00000 failed \\| badly" in text
    left = re.search(r"(\d+) more findings left out", text)
    rows = [line for line in text.splitlines() if line.startswith("| warning")]
    assert left and len(rows) + int(left.group(1)) == 3000


def test_a_summary_that_cannot_be_written_is_reported_and_changes_no_verdict(tmp_path):
    done = run_cli("check", "--format", "github", "examples/li-lgps-bad.toml", cwd=REPO,
                   env={"GITHUB_STEP_SUMMARY": str(tmp_path / "missing" / "summary.md")})
    assert done.returncode == 1
    assert "cellrules: cannot write the job summary to" in done.stderr
    assert done.stdout.startswith("::error ")


def test_no_summary_without_the_variable(tmp_path):
    done = run_cli("check", "--format", "github", "examples/li-lgps-bad.toml", cwd=REPO,
                   env={"GITHUB_STEP_SUMMARY": ""})
    assert done.returncode == 1 and done.stderr == ""

