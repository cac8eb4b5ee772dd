"""docs/rules/: one generated page per rule, kept current, with an example that really fails and its fix."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from cellrules.engine.examples import case_files
from cellrules.report.render import markdown
from cellrules.report.rule_pages import TODAY, rule_pages
from cellrules.report.sarif import ENGINE_RULES
from cellrules.resources import builtin_rules_dir
from conftest import REPO, run_cli

PAGES = REPO / "docs" / "rules"


@pytest.fixture(scope="module")
def generated(ruleset):
    return rule_pages(ruleset, case_files([builtin_rules_dir()]))


def test_the_shipped_pages_are_current(generated):
    shipped = {path.name: path.read_text(encoding="utf-8") for path in PAGES.glob("*.md")}
    stale = sorted(set(shipped) - set(generated))
    missing = sorted(set(generated) - set(shipped))
    changed = sorted(name for name in set(shipped) & set(generated) if shipped[name] != generated[name])
    assert (stale, missing, changed) == ([], [], []), "regenerate: cellrules rules pages -o docs/rules"


def test_every_rule_has_a_page_in_the_ruff_pattern(ruleset, generated):
    ids = {rule.id for rule in ruleset.rules} | {rule_id for rule_id, *_ in ENGINE_RULES}
    assert {name.removesuffix(".md") for name in generated} == ids | {"README"}
    for rule in ruleset.rules:
        page = generated[f"{rule.id}.md"]
        for heading in ("## What it checks", "## Why it matters", "## Example", "## The fix", "## What to do",
                        "## Citation"):
            assert heading in page, (rule.id, heading)
        assert markdown(rule.citation) in page
    index = generated["README.md"]
    assert all(f"]({rule_id}.md)" in index for rule_id in ids)


def test_each_example_is_what_check_prints_for_that_case(generated):
    shown = {}
    for name, page in generated.items():
        match = re.search(r"reports[^\n]*:\n\n```text\n(.*)\n```", page)
        if match and "example.toml" not in match.group(1):
            shown[name] = match.group(1)
    assert len(shown) >= 100
    output = run_cli("check", "--today", TODAY.isoformat(), "rules/cases/", cwd=REPO).stdout.splitlines()
    missing = {name: line for name, line in shown.items() if line not in output}
    assert missing == {}


def test_engine_examples_are_real_output(tmp_path, generated):
    for rule_id, *_ in ENGINE_RULES:
        page = generated[f"{rule_id}.md"]
        spec = re.search(r"```toml\n(.*?)\n```", page, re.S).group(1) + "\n"
        line = re.search(r"```text\n(.*)\n```", page).group(1)
        (tmp_path / "example.toml").write_text(spec, encoding="utf-8")
        output = run_cli("check", "--today", TODAY.isoformat(), "example.toml", cwd=tmp_path).stdout
        assert line in output.splitlines(), rule_id


def test_the_fix_passes_the_rule(ruleset, generated):
    from cellrules.engine.evaluate import CheckOptions, check_file

    for rule in ruleset.rules:
        page = generated[f"{rule.id}.md"]
        fix = re.search(r"## The fix\n\n`([^`]+)` passes", page)
        assert fix, rule.id
        result = check_file(ruleset, str(REPO / fix.group(1)), CheckOptions(include_all=True, today=TODAY))
        outcome = next(f.outcome for f in result.findings if f.rule == rule.id)
        assert outcome == "pass", (rule.id, fix.group(1))


def test_the_command_writes_the_pages_and_removes_stale_ones(tmp_path):
    (tmp_path / "gone.rule.md").write_text("old", encoding="utf-8")
    done = run_cli("rules", "pages", "-o", tmp_path / "pages")
    assert done.returncode == 0 and done.stderr.startswith("wrote ")
    assert (tmp_path / "pages" / "window.anode-reduction.md").read_text(encoding="utf-8") == \
        (PAGES / "window.anode-reduction.md").read_text(encoding="utf-8")
    (tmp_path / "pages" / "gone.rule.md").write_text("old", encoding="utf-8")
    assert run_cli("rules", "pages", "-o", tmp_path / "pages").returncode == 0
    assert not (tmp_path / "pages" / "gone.rule.md").exists()
    assert Path(tmp_path / "gone.rule.md").exists()          # only the pages folder is touched
