"""`--format sarif`: one SARIF 2.1.0 log, for GitHub code scanning and any SARIF viewer.

Code scanning shows a result on the offending line of the spec and the rule's
help (mechanism, mitigations, citation) beside it, so the rule catalogue goes
into `tool.driver.rules` and every result points at its spec line. What
becomes a result follows cli.md: failures; waived failures, with a
`suppressions` entry carrying the waiver's reason; `unknown` and `skipped` as
`note` results only with `--all`; and every file that could not be read. URIs
are relative to the repository root (the working directory), so the log is the
same on every machine.
"""
from __future__ import annotations

import json
import os
import posixpath
from pathlib import Path
from urllib.parse import quote

from cellrules import __version__

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SPEC_INVALID = "spec.invalid"
# Findings that no rule file defines: the engine's own checks of waivers and of the spec file.
ENGINE_RULES = (
    (SPEC_INVALID, "The spec file can be read and is valid", "error",
     "A spec that cannot be read (malformed TOML, an unknown key or material, a value without its unit) "
     "cannot be checked at all, so the file is reported as an error and fails the check with exit code 2.",
     ("Fix the problem at the line shown; the message names what is wrong and the hint how to fix it",)),
    ("waiver.expired", "A waiver has not expired", "error",
     "A waiver accepts a known failure until its expiry date; after that the failure counts again, "
     "so that accepted risks are reviewed instead of forgotten.",
     ("Fix the design, or review the waiver and move its `expires` date",)),
    ("waiver.unused", "Every waiver waives a failure", "warning",
     "A waiver whose rule does not fail hides nothing today but would silently hide a future failure.",
     ("Remove the waiver",)),
)


def render_sarif(results, rules, include_all: bool = False, root: str = ".") -> str:
    """`rules`: the RuleInfo of every rule that ran; `root`: the folder URIs are relative to."""
    catalogue = sorted(
        [_descriptor(r.id, r.title, r.severity, r.mechanism, r.mitigations, r.citation, r.outside,
                     {"concern": r.concern, "failure_mode": r.failure_mode, "carriers": list(r.carriers)})
         for r in {r.id: r for r in rules}.values()]
        + [_descriptor(rule_id, title, severity, why, fixes, "", (), {"concern": rule_id.split(".")[0]})
           for rule_id, title, severity, why, fixes in ENGINE_RULES],
        key=lambda d: d["id"])
    index = {d["id"]: i for i, d in enumerate(catalogue)}
    entries = []
    for result in sorted(results, key=lambda r: r.path):
        uri = artifact_uri(result.path, root)
        if result.status == "error":
            entries.extend(_error_results(result, uri, index))
            continue
        for finding in result.findings:
            shown = _finding_result(finding, uri, index, include_all)
            if shown is not None:
                entries.append(shown)
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "cellrules", "version": __version__, "semanticVersion": __version__,
                                "rules": catalogue}},
            "columnKind": "unicodeCodePoints",
            "results": entries,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def artifact_uri(path: str, root: str) -> str:
    """A relative URI reference for a path given relative (or absolute under `root`); a file: URI otherwise."""
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path, root)
        except ValueError:  # another drive on Windows
            return Path(path).as_uri()
        if relative.startswith(".."):
            return Path(path).as_uri()
        path = relative
    return quote(posixpath.normpath(path.replace(os.sep, "/")))


def _descriptor(rule_id, title, severity, mechanism, mitigations, citation, outside, properties) -> dict:
    text, markdown = _help(mechanism, mitigations, citation, outside)
    tags = sorted({properties["concern"], properties.get("failure_mode", properties["concern"])})
    descriptor = {
        "id": rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": mechanism},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {"tags": tags, **properties},
    }
    if citation:
        descriptor["properties"]["citation"] = citation
    return descriptor


def _help(mechanism: str, mitigations, citation: str, outside) -> tuple[str, str]:
    """The rule's help as plain text and as Markdown: why it matters, what to do, where it comes from."""
    text = [mechanism, "", "Mitigations:", *(f"- {m}" for m in mitigations)]
    markdown = [mechanism, "", "**Mitigations**", "", *(f"- {m}" for m in mitigations)]
    if citation:
        source = f"Shinde et al., Adv. Sci. 2023, {citation}"
        text += ["", f"Citation: {source}", *(f"See also: {o}" for o in outside)]
        markdown += ["", f"**Citation**: {source}"]
        if outside:
            markdown += ["", *(f"- See also: {o}" for o in outside)]
    return "\n".join(text), "\n".join(markdown)


def _location(uri: str, line: int, column: int) -> list:
    return [{"physicalLocation": {"artifactLocation": {"uri": uri},
                                  "region": {"startLine": max(line, 1), "startColumn": max(column, 1)}}}]


def _finding_result(finding, uri: str, index: dict, include_all: bool) -> dict | None:
    if finding.outcome in ("fail", "waived"):
        level = LEVELS[finding.severity]
    elif finding.outcome in ("unknown", "skipped") and include_all:
        level = "note"
    else:
        return None
    entry = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": level,
        "message": {"text": finding.message},
        "locations": _location(uri, finding.line, finding.column),
        "properties": {
            "outcome": finding.outcome,
            "failure_mode": finding.failure_mode,
            "inputs": {i.name: {"value": i.value, "source": i.source} for i in finding.inputs},
        },
    }
    if finding.missing:
        entry["properties"]["missing"] = list(finding.missing)
    if finding.outcome == "waived":
        entry["suppressions"] = [{"kind": "inSource", "status": "accepted", "justification": finding.reason}]
    return entry


def _error_results(result, uri: str, index: dict) -> list:
    problems = [(e.message, e.hint, e.location) for e in result.errors] or [(result.message, "", None)]
    entries = []
    for message, hint, where in problems:
        line, column = (where.line or 1, where.column or 1) if where is not None else (1, 1)
        entries.append({
            "ruleId": SPEC_INVALID,
            "ruleIndex": index[SPEC_INVALID],
            "level": "error",
            "message": {"text": f"{message} (hint: {hint})" if hint else message},
            "locations": _location(uri, line, column),
        })
    return entries
