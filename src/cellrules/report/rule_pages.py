"""One Markdown page per rule (docs/rules/ID.md), the pattern of ruff's rule pages: what it checks, why,
an example that fails and its fix, and the citation.

The pages are what a SARIF `helpUri` points at (`rule-docs-url` in the
configuration) and what a reviewer reads when a pull request shows a finding.
They are generated, never written by hand, from the same model as
`cellrules explain --rule ID`, and their examples are the golden cases shipped
in rules/cases/ (every rule fails in one and passes in another; a test makes
sure of it): the failing example is the shortest case the rule fails in, with
the finding cellrules really prints for it, and the fix is the passing case
closest to it, shown as a diff. A test regenerates the pages and compares them
with docs/rules/, so they cannot drift from the rules.
"""
from __future__ import annotations

import datetime
import difflib
from pathlib import Path

import attrs

from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.report.explain import build_rule_doc
from cellrules.report.render import render
from cellrules.report.sarif import ENGINE_RULES

# Cases are evaluated on a fixed day, so a waiver's expiry never changes a page.
TODAY = datetime.date(2026, 1, 1)
_EXPECTATION = "# expect-"
_CELL = """spec_version = 1

[cell]
name = "Li | Ta-LLZO | LiFePO4"
carrier = "Li"
temperature = "25 degC"
stack_pressure = "{pressure}"

[anode]
material = "Li"

[electrolyte]
material = "Ta-LLZO"

[cathode]
material = "LiFePO4"
"""
_WAIVER = """
[[waiver]]
rule = "mechanics.li-stack-pressure-creep"
reason = "rig reference cell, cross-sectioned after every run"
expires = {expires}
"""
# The engine's own checks have no golden case: a failing spec and its fix for each, evaluated like the cases.
ENGINE_EXAMPLES = {
    "spec.invalid": (_CELL.replace('"{pressure}"', "5"), _CELL.format(pressure="5 MPa")),
    "waiver.expired": (_CELL.format(pressure="10 MPa") + _WAIVER.format(expires="2025-06-30"),
                       _CELL.format(pressure="10 MPa") + _WAIVER.format(expires="2026-06-30")),
    "waiver.unused": (_CELL.format(pressure="1 MPa") + _WAIVER.format(expires="2026-06-30"),
                      _CELL.format(pressure="1 MPa")),
}


@attrs.frozen
class Case:
    """A golden case as a page shows it."""

    name: str                 # rules/cases/NAME.toml
    text: str                 # without the test's expectation comments
    finding: str = ""         # the line `cellrules check` prints for the rule (failing cases)
    expects: tuple = attrs.field(default=(), eq=False)   # ("fail" | "pass", rule id) the case was written to show


@attrs.frozen
class Page:
    rule: object              # RuleDoc, or an engine rule's EngineRule
    concern: str
    failing: Case | None
    fix: Case | None
    diff: str                 # failing -> fix, unified
    reported_as: str          # the refinement that reports this rule's failure, if any


@attrs.frozen
class EngineRule:
    """A check of the engine itself (an unreadable spec, a waiver): no rule file defines it."""

    id: str
    title: str
    severity: str
    mechanism: str
    mitigations: tuple[str, ...]


def rule_pages(ruleset, case_paths) -> dict[str, str]:
    """{file name: Markdown} for every rule of `ruleset` and the engine's own, plus README.md, an index."""
    cases = _evaluated(ruleset, case_paths)
    pages: dict[str, str] = {}
    entries = []
    for rule in sorted(ruleset.rules, key=lambda r: r.id):
        page = _rule_page(rule, ruleset, cases)
        pages[f"{rule.id}.md"] = render("rule-page", "markdown", {"page": page, "kind": "rule"})
        entries.append((rule.concern, rule.id, rule.title, rule.severity))
    for rule_id, title, severity, why, fixes in ENGINE_RULES:
        engine = EngineRule(rule_id, title, severity, why, fixes)
        page = _engine_page(engine, ruleset)
        pages[f"{rule_id}.md"] = render("rule-page", "markdown", {"page": page, "kind": "engine"})
        entries.append((rule_id.split(".")[0], rule_id, title, severity))
    pages["README.md"] = render("rule-index", "markdown", {"entries": sorted(entries)})
    return pages


def _evaluated(ruleset, case_paths) -> list[tuple[Case, dict]]:
    """Each case with {rule id: (outcome, the finding that reports it)}; a superseded failure counts as failed."""
    options = CheckOptions(include_all=True, today=TODAY)
    evaluated = []
    for path in sorted(case_paths, key=_shown_name):
        name = _shown_name(path)
        result = check_file(ruleset, str(path), options)
        if result.status == "error":
            continue
        outcomes: dict = {}
        for finding in result.findings:
            outcomes.setdefault(finding.rule, (finding.outcome, finding))
            for replaced in finding.superseded:
                outcomes[replaced] = ("fail", finding)
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        text = "\n".join(line for line in lines if not line.startswith(_EXPECTATION)).strip() + "\n"
        evaluated.append((Case(name, text, expects=_expectations(lines)), outcomes))
    return evaluated


def _shown_name(path) -> str:
    """A built-in case as `rules/cases/NAME.toml` wherever cellrules is installed; a lab's case as given."""
    from cellrules.resources import builtin_rules_dir

    path = Path(path)
    try:
        return "rules/" + path.resolve().relative_to(builtin_rules_dir().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _expectations(lines) -> tuple:
    """What a case states it shows: `# expect-fail: a.b, c.d` and `# expect-pass: ...`."""
    stated = []
    for line in lines:
        for verdict in ("fail", "pass"):
            prefix = f"{_EXPECTATION}{verdict}:"
            if line.startswith(prefix):
                stated += [(verdict, rule.strip()) for rule in line[len(prefix):].split(",") if rule.strip()]
    return tuple(stated)


def _rule_page(rule, ruleset, cases) -> Page:
    """The failing example: a case written to fail the rule, the shortest first; the fix: a passing case
    written for the rule, the one closest to the failing spec first."""
    doc = build_rule_doc(rule, ruleset)
    failing = [(case, outcomes[rule.id][1]) for case, outcomes in cases
               if outcomes.get(rule.id, ("",))[0] == "fail"]
    passing = [case for case, outcomes in cases if outcomes.get(rule.id, ("",))[0] == "pass"]
    if not failing:
        return Page(doc, rule.concern, None, None, "", "")
    case, finding = min(failing, key=lambda pair: (("fail", rule.id) not in pair[0].expects, len(pair[0].text),
                                                   pair[0].name))
    shown = Case(case.name, case.text,
                 f"{case.name}:{finding.line}:{finding.column}: {finding.severity}: {finding.rule} {finding.message}")
    reported_as = finding.rule if finding.rule != rule.id else ""
    fix = max(passing, key=lambda other: (("pass", rule.id) in other.expects, _similarity(case.text, other.text),
                                          -len(other.text), other.name), default=None)
    diff = _diff(case.text, fix.text, case.name, fix.name) if fix is not None else ""
    return Page(doc, rule.concern, shown, fix, diff, reported_as)


def _engine_page(rule: EngineRule, ruleset) -> Page:
    failing_text, fixed_text = ENGINE_EXAMPLES[rule.id]
    name = "example.toml"
    result = check_file(ruleset, name, CheckOptions(include_all=True, today=TODAY), failing_text.encode())
    if result.status == "error":
        error = result.errors[0]
        shown = f"{name}:{error.location.line}:{error.location.column}: error: {error.message}"
    else:
        finding = next(f for f in result.findings if f.rule == rule.id and f.outcome == "fail")
        shown = f"{name}:{finding.line}:{finding.column}: {finding.severity}: {finding.rule} {finding.message}"
    fix = Case("the fix", fixed_text)
    return Page(rule, rule.id.split(".")[0], Case(name, failing_text, shown), fix,
                _diff(failing_text, fixed_text, name, name), "")


def _diff(failing: str, fixed: str, failing_name: str, fixed_name: str) -> str:
    """The changes that fix the spec; comment lines (each case's description) are left out of the comparison."""
    return "".join(difflib.unified_diff(_code_lines(failing), _code_lines(fixed), fromfile=failing_name,
                                        tofile=fixed_name, n=1))


def _code_lines(text: str) -> list[str]:
    return [line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#")]


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _code_lines(a), _code_lines(b), autojunk=False).ratio()


def write_pages(pages: dict[str, str], folder: str) -> list[str]:
    """Write every page atomically; remove pages of rules that no longer exist. Returns the files written."""
    from cellrules.fileio import write_atomically

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for stale in sorted(target.glob("*.md")):
        if stale.name not in pages:
            stale.unlink()
    for name, text in sorted(pages.items()):
        write_atomically(str(target / name), text.encode("utf-8"))
    return sorted(pages)
