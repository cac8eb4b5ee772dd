"""`--format junit`: JUnit XML, which GitLab, Jenkins and Azure Pipelines show as a test report.

Each spec is a test suite and each rule that ran on it a test case, so a CI
test tab lists which design rules each cell passes. Following cli.md, a failure
at or above `fail-on` is a `<failure>`; a failure below it, a waived failure
and a rule that could not be evaluated (`unknown`, `skipped`) are `<skipped>`
with the reason; a file that cannot be read (or does not exist) is one test
case with an `<error>`. Rules that do not apply to a cell did not run and are
left out.

The document is valid against the strictest schema in use, the Jenkins xUnit
plugin's junit-10.xsd (vendored in tests/data): a `<testcase>` may carry only
`name`, `classname` and `time`, so where each rule is anchored in the spec goes
into the suite's `<properties>` (`location:RULE` = `PATH:LINE:COL`), beside the
spec's path and verdict. Every `time` is 0: checking a spec takes milliseconds,
and a measured time would make two runs on the same inputs differ, which
cellrules' output never does.

Each suite is a function of one file's result (`suite`); the root element only
adds up their counts, so the report is rendered suite by suite (`JunitDocument`).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from cellrules.report.safe import xml_text
from cellrules.report.stream import render_whole

_RANK = {"info": 0, "warning": 1, "error": 2}
TIME = "0.000"
_COUNTS = ("tests", "failures", "errors", "skipped")


def render_junit(results, fail_on=None) -> str:
    """`fail_on`: spec path -> "error" or "warning" (the file's configuration); "error" where absent."""
    return render_whole(JunitDocument(fail_on), results)


class JunitDocument:
    """The report written suite by suite, as ET.indent and ET.tostring write the whole tree.

    The root element carries the run's totals, so it is written last (`head_last`): the suites
    wait in a temporary file, not in memory.
    """

    head_last = True

    def __init__(self, fail_on=None):
        self._fail_on = fail_on or {}
        self._totals = dict.fromkeys(("tests", "failures", "errors"), 0)   # junit-10.xsd: no `skipped` on the root
        self._suites = 0

    def render(self, result) -> tuple[str, tuple[int, ...]]:
        element = suite(result, self._fail_on.get(result.path, "error"))
        ET.indent(element, level=1)
        return "\n  " + ET.tostring(element, encoding="unicode"), tuple(int(element.get(key)) for key in self._totals)

    def add(self, item) -> str:
        text, counts = item.piece
        for key, count in zip(self._totals, counts):
            self._totals[key] += count
        self._suites += 1
        return text

    def head(self) -> str:
        root = ET.Element("testsuites", name="cellrules")
        for key, total in self._totals.items():
            root.set(key, str(total))
        root.set("time", TIME)
        if self._suites:
            root.text = "\0"
        opening = ET.tostring(root, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + (opening.partition("\0")[0] if self._suites else opening)

    def tail(self) -> str:
        return "\n</testsuites>\n" if self._suites else "\n"


def suite(result, fail_on: str) -> ET.Element:
    """The test suite of one checked file."""
    element = ET.Element("testsuite", name=_clean(result.path))
    properties = ET.SubElement(element, "properties")
    _property(properties, "spec", result.path)
    _property(properties, "status", result.status)
    _property(properties, "fail-on", fail_on)
    counts = dict.fromkeys(_COUNTS, 0)
    if result.status == "error":
        where = _first_location(result)
        _property(properties, "location:spec.invalid", where)
        case = _case(element, result.path, "spec.invalid")
        ET.SubElement(case, "error", message=_clean(result.message), type="spec.invalid").text = \
            _clean("\n".join(_problem_lines(result)))
        counts.update(tests=1, errors=1)
    for finding in result.findings:
        if finding.outcome == "not-applicable":
            continue
        counts["tests"] += 1
        _property(properties, f"location:{finding.rule}", f"{result.path}:{finding.line}:{finding.column}")
        case = _case(element, result.path, finding.rule)
        if finding.outcome == "fail" and _RANK[finding.severity] >= _RANK[fail_on]:
            failure = ET.SubElement(case, "failure", message=_clean(finding.message), type=finding.severity)
            failure.text = _clean(_details(result.path, finding))
            counts["failures"] += 1
        elif finding.outcome != "pass":
            ET.SubElement(case, "skipped", message=_clean(_skip_reason(finding, fail_on)))
            counts["skipped"] += 1
    for key, count in counts.items():
        element.set(key, str(count))
    element.set("time", TIME)
    element.set("file", _clean(result.path))
    return element


def _property(properties: ET.Element, name: str, value: str) -> None:
    ET.SubElement(properties, "property", name=_clean(name), value=_clean(value))


def _case(suite_element: ET.Element, path: str, name: str) -> ET.Element:
    return ET.SubElement(suite_element, "testcase", name=_clean(name), classname=_clean(classname(path)), time=TIME)


def classname(path: str) -> str:
    """The spec as a dotted class name, so Jenkins groups suites by folder: `designs/garnet-rig.toml` ->
    `designs.garnet-rig`."""
    stem = path[:-5] if path.endswith(".toml") else path
    return ".".join(part for part in re.split(r"[/\\]+", stem) if part not in ("", "."))


def _skip_reason(finding, fail_on: str) -> str:
    if finding.outcome == "fail":
        return f"{finding.severity} below fail-on {fail_on}: {finding.message}"
    if finding.outcome == "waived":
        return finding.message  # already "waived: REASON (the rule failed: ...)"
    if finding.outcome == "unknown":
        return f"needs data: {finding.message}"   # undecided, whatever the rule's severity
    return f"{finding.outcome}: {finding.message}"


def _details(path: str, finding) -> str:
    lines = [f"{path}:{finding.line}:{finding.column}: {finding.severity}: {finding.rule}", finding.message]
    lines += [f"input {i.name} = {i.value} ({i.source})" for i in finding.inputs]
    lines += [f"mitigation: {m}" for m in finding.mitigations]
    if finding.citation:
        lines.append(f"citation: {finding.citation}")
    return "\n".join(lines)


def _problem_lines(result) -> list[str]:
    lines = []
    for error in result.errors:
        where = error.location
        line, column = (where.line or 1, where.column or 1) if where else (1, 1)
        hint = f" (hint: {error.hint})" if getattr(error, "hint", "") else ""
        lines.append(f"{result.path}:{line}:{column}: error: {error.message}{hint}")
    return lines or [f"{result.path}: {result.message}"]


def _first_location(result) -> str:
    where = result.errors[0].location if result.errors else None
    line, column = ((where.line or 1), (where.column or 1)) if where else (1, 1)
    return f"{result.path}:{line}:{column}"


def _clean(text: str) -> str:
    return xml_text(text)
