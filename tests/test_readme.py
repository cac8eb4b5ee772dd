"""The README says what the program does today: its tour is compared with the real output, its counts with the tree.

A line of a console block that ends with ` ...` stands for any real line that starts with the
text before it; every other line must be printed exactly.
"""
from __future__ import annotations

import collections
import json
import re

from conftest import EXAMPLES, REPO, TODAY, run_cli

README = (REPO / "README.md").read_text(encoding="utf-8")


def _matches(shown: list[str], real: list[str]) -> list[str]:
    """The README lines that the real output does not bear out, in order; [] when all do."""
    wrong = []
    if len(shown) != len(real):
        wrong.append(f"{len(shown)} lines shown, {len(real)} printed")
    for expected, line in zip(shown, real):
        if expected.endswith(" ..."):
            if not line.startswith(expected[:-4]):
                wrong.append(f"{expected!r} vs {line!r}")
        elif expected != line:
            wrong.append(f"{expected!r} vs {line!r}")
    return wrong


def _console(text: str, command: str) -> list[str]:
    block = re.search(r"```console\n\$ " + re.escape(command) + r"\n(.*?)```", text, re.S)
    assert block, f"no console block for {command}"
    return block.group(1).splitlines()


def test_the_tour_shows_the_spec_as_it_is():
    block = re.search(r"A cell spec \(`examples/li-lgps-bad.toml`.*?```toml\n(.*?)```", README, re.S)
    assert block and block.group(1) == (EXAMPLES / "li-lgps-bad.toml").read_text(encoding="utf-8")


def test_the_tour_shows_the_real_output():
    real = run_cli("check", "examples/li-lgps-bad.toml", cwd=REPO, env={"NO_COLOR": "1"}).stdout.splitlines()
    assert _matches(_console(README, "cellrules check examples/li-lgps-bad.toml"), real) == []


def test_the_design_repository_readme_shows_the_real_summary():
    text = (EXAMPLES / "design-repo" / "README.md").read_text(encoding="utf-8")
    shown = _console(text, "cellrules check .")
    real = run_cli("check", "--today", TODAY.isoformat(), ".", cwd=EXAMPLES / "design-repo").stdout.splitlines()
    assert shown[-1] == real[-1]


def test_the_counts_are_those_of_the_tree():
    rules = json.loads(run_cli("rules", "list", "--format", "json").stdout)
    severities = collections.Counter(rule["severity"] for rule in rules)
    concerns = {rule["concern"] for rule in rules}
    assert f"**{len(rules)} rules** in {len(concerns)} concerns" in README
    assert (f"{severities['error']} are errors, {severities['warning']} warnings, {severities['info']} info"
            in README)
    examples = len(list(EXAMPLES.glob("*.toml")))
    designs = len(list((EXAMPLES / "design-repo" / "designs").glob("*.toml")))
    checked = run_cli("check", "--today", TODAY.isoformat(), "examples/", cwd=REPO).stdout.splitlines()[-1]
    total = int(checked.split()[0])
    assert f"**{examples} example cells**" in README
    assert f"a design repository of {designs} more" in README and f"{total} specs in all" in README
    assert examples + designs == total
    cases = len(list((REPO / "rules" / "cases").glob("*.toml")))
    assert f"{cases} golden cases" in README
    criteria = (REPO / "rules" / "coverage.toml").read_text(encoding="utf-8").count("[[criterion]]")
    assert f"the review's {criteria} catalogued" in README
    bad = len([p for p in (REPO / "tests" / "bad").rglob("*") if p.is_file() and p.name != "README.md"])
    assert f"`tests/bad/` holds {bad} broken" in README


def test_the_problem_format_the_readme_states_is_the_one_printed(tmp_path):
    assert "`PATH:LINE:COL: error: message`" in README and "`PATH:LINE:COL: SEVERITY: RULE-ID message`" in README
    (tmp_path / "bad.toml").write_text('spec_version = 1\n[cell]\nname = "x"\ncarrier = "Li"\nstack_pressure = 5\n',
                                       encoding="utf-8")
    assert run_cli("check", "bad.toml", cwd=tmp_path).stdout.startswith("bad.toml:5:1: error: ")
