"""`--format junit`: JUnit XML, which GitLab, Jenkins and Azure Pipelines show as a test report.

Each spec is a test suite and each rule that ran on it a test case, so a CI
test tab lists which design rules each cell passes. Following cli.md, a failure
at or above `fail-on` is a `<failure>`; a failure below it, a waived failure
and a rule that could not be evaluated (`unknown`, `skipped`) are `<skipped>`
with the reason; a file that cannot be read is one test case with an `<error>`.
Rules that do not apply to a cell did not run and are left out.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_RANK = {"info": 0, "warning": 1, "error": 2}
# Characters XML 1.0 cannot carry at all; a spec string may contain them as TOML escapes.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_junit(results, fail_on=None) -> str:
    """`fail_on`: spec path -> "error" or "warning" (the file's configuration); "error" where absent."""
    fail_on = fail_on or {}
    root = ET.Element("testsuites", name="cellrules")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for result in sorted(results, key=lambda r: r.path):
        suite = _suite(result, fail_on.get(result.path, "error"))
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key))
    for key, count in totals.items():
        root.set(key, str(count))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(result, fail_on: str) -> ET.Element:
    suite = ET.Element("testsuite", name=result.path)
    counts = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    if result.status == "error":
        case = _case(suite, result.path, "spec.invalid", _first_line(result))
        ET.SubElement(case, "error", message=_clean(result.message), type="spec.invalid").text = \
            _clean("\n".join(_problem_lines(result)))
        counts.update(tests=1, errors=1)
    for finding in result.findings:
        if finding.outcome == "not-applicable":
            continue
        counts["tests"] += 1
        case = _case(suite, result.path, finding.rule, finding.line)
        if finding.outcome == "fail" and _RANK[finding.severity] >= _RANK[fail_on]:
            failure = ET.SubElement(case, "failure", message=_clean(finding.message), type=finding.severity)
            failure.text = _clean(_details(result.path, finding))
            counts["failures"] += 1
        elif finding.outcome != "pass":
            ET.SubElement(case, "skipped", message=_clean(_skip_reason(finding, fail_on)))
            counts["skipped"] += 1
    for key, count in counts.items():
        suite.set(key, str(count))
    return suite


def _case(suite: ET.Element, path: str, name: str, line: int) -> ET.Element:
    return ET.SubElement(suite, "testcase", name=name, classname=path, file=path, line=str(line))


def _skip_reason(finding, fail_on: str) -> str:
    if finding.outcome == "fail":
        return f"{finding.severity} below fail-on {fail_on}: {finding.message}"
    if finding.outcome == "waived":
        return finding.message  # already "waived: REASON (the rule failed: ...)"
    return f"{finding.outcome}: {finding.message}"


def _details(path: str, finding) -> str:
    lines = [f"{path}:{finding.line}:{finding.column}: {finding.severity} {finding.rule}", finding.message]
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
        lines.append(f"{result.path}:{line}:{column}: {error.message}" + (f" (hint: {error.hint})" if error.hint else ""))
    return lines or [f"{result.path}: {result.message}"]


def _first_line(result) -> int:
    where = result.errors[0].location if result.errors else None
    return (where.line or 1) if where else 1


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
