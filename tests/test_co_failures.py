"""One root cause, one finding (issue 12): rules that fail together on a shipped spec must say how they relate.

For every spec of examples/ and rules/cases/ (the specs `cellrules check` finds there, as
tests/test_rule_cases.py reads them), every pair of rules whose warning or error failures are shown
together must be linked in the rule language (`refines`, `supersedes` or `distinct`, in either
direction) or be listed below as two independent causes with a one-line reason. Info findings are
context and are left out: two of them, or an info and a warning, are not two alarms for one cause.

Pairs not yet triaged are listed in tests/data/co_failures_untriaged.txt: that file is debt owned by
the rule owners, not a verdict of independence. The test fails on a co-failing pair in neither list
(a new one: link it or reason it here) and on a reasoned pair that no longer fails together (strike
it). The untriaged list only shrinks: `python tests/test_co_failures.py` rewrites it from the rules
as they are, dropping the pairs that a link or a severity change has resolved (and adding none that
were not already listed, unless run with --add).
"""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from cellrules.cli.discover import find_specs
from cellrules.engine.evaluate import CheckOptions, check_file

from conftest import EXAMPLES, TODAY

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "rules" / "cases"
UNTRIAGED = Path(__file__).resolve().parent / "data" / "co_failures_untriaged.txt"

# Two causes that the literature treats separately; each pair sorted, with why both findings are owed.
INDEPENDENT = {
    ("thermal.aqueous-boiling", "zn.hydrogen-evolution"):
        "boiling is the water's temperature limit; hydrogen evolution is the anode's potential below water's reduction limit",
    ("thermal.aqueous-freezing", "zn.hydrogen-evolution"):
        "freezing is the water's temperature limit; hydrogen evolution is the anode's potential below water's reduction limit",
}


def _linked(rules, a: str, b: str) -> bool:
    ra, rb = rules[a], rules[b]
    return (ra.refines == b or rb.refines == a or b in ra.supersedes or a in rb.supersedes
            or b in {other for other, _ in ra.distinct} or a in {other for other, _ in rb.distinct})


def _untriaged() -> set[tuple[str, str]]:
    pairs = set()
    for line in UNTRIAGED.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            a, b = line.split()
            pairs.add(tuple(sorted((a, b))))
    return pairs


def co_failing_pairs(ruleset) -> dict[tuple[str, str], list[str]]:
    """Unlinked pairs of rules whose warning/error failures show together, with the specs where they do."""
    rules = {rule.id: rule for rule in ruleset.rules}
    pairs: dict[tuple[str, str], list[str]] = {}
    for path in find_specs([str(EXAMPLES), str(CASES)]):
        result = check_file(ruleset, path, CheckOptions(today=TODAY))
        failed = sorted({f.rule for f in result.findings
                         if f.outcome == "fail" and f.severity in ("warning", "error") and f.rule in rules})
        for a, b in itertools.combinations(failed, 2):
            if not _linked(rules, a, b):
                pairs.setdefault((a, b), []).append(str(Path(path).resolve().relative_to(REPO)))
    return pairs


@pytest.fixture(scope="module")
def co_failures(ruleset):
    return co_failing_pairs(ruleset)


def test_every_co_failing_pair_is_linked_or_reasoned(co_failures):
    allowed = set(INDEPENDENT) | _untriaged()
    unexplained = {pair: specs[:3] for pair, specs in co_failures.items() if pair not in allowed}
    assert unexplained == {}


def test_the_lists_name_only_pairs_that_still_fail_together(co_failures, ruleset):
    ids = {rule.id for rule in ruleset.rules}
    for pair in INDEPENDENT:
        assert pair == tuple(sorted(pair)) and set(pair) <= ids, pair
        assert pair in co_failures, f"{pair} no longer fails together: strike it from INDEPENDENT"
    assert all(pair == tuple(sorted(pair)) for pair in _untriaged())
    assert not set(INDEPENDENT) & _untriaged()


def test_independent_causes_stay_few_and_reasoned():
    assert len(INDEPENDENT) <= 10
    assert all(reason.strip() and "\n" not in reason for reason in INDEPENDENT.values())


def _rewrite(add: bool) -> None:
    from cellrules.engine.ruleset import build_ruleset
    from cellrules.resources import builtin_rules_dir

    pairs = co_failing_pairs(build_ruleset([builtin_rules_dir()]))
    keep = _untriaged()
    head = [line for line in UNTRIAGED.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    rows = [f"{a} {b}  # {specs[0]}" + (f" (+{len(specs) - 1})" if len(specs) > 1 else "")
            for (a, b), specs in sorted(pairs.items())
            if (a, b) not in INDEPENDENT and (add or (a, b) in keep)]
    UNTRIAGED.write_text("\n".join(head + rows) + "\n", encoding="utf-8")
    print(f"{UNTRIAGED}: {len(rows)} pairs")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    _rewrite("--add" in sys.argv[1:])
