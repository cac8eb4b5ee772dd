"""`--format sarif`: one SARIF 2.1.0 log, for GitHub code scanning and any SARIF viewer.

Code scanning shows a result on the offending line of the spec and the rule's
help (mechanism, mitigations, citation) beside it, so the rule catalogue goes
into `tool.driver.rules` and every result points at its spec line. What
becomes a result follows cli.md: failures; waived failures, with a
`suppressions` entry carrying the waiver's reason; with `--all`, rules that
could not be decided (`unknown`, `skipped`) as `kind: "open"` results, which
SARIF defines as "could not determine" and which carry no warning or error
level; and every file that could not be read.

What code scanning needs to follow a result across runs and machines:
- URIs relative to the repository root (`%SRCROOT%`, found from `.git` above
  the specs, or given with `--root`), whatever the working directory, so a log
  made in a subfolder or outside the checkout maps to the same files;
- `partialFingerprints` from the content of the spec line a result is
  anchored at, not its number, so an edit above it does not open a new alert;
- `automationDetails.id`, the category the results belong to;
- per rule, `helpUri` when the configuration names where the rule pages are
  published (`rule-docs-url`; the pages are docs/rules/, generated).

Each file's results are a function of that file's result alone (`file_results`);
the catalogue and the run around them are the header, so the log is written file by file
(`SarifDocument`, report/stream.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
from pathlib import Path
from urllib.parse import quote

from cellrules.report.safe import indented_json, json_dumps
from cellrules.report.stream import JsonList, render_whole
from cellrules.version import __version__

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SPEC_INVALID = "spec.invalid"
SRCROOT = "%SRCROOT%"
AUTOMATION_ID = "cellrules/"          # category "cellrules", as the shipped action uploads it
FINGERPRINT = "cellrulesLineContent/v1"
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


def render_sarif(results, rules, include_all: bool = False, root: str = ".", line_text=None,
                 help_url: str = "") -> str:
    """The SARIF log of a run (see SarifDocument for the arguments)."""
    return render_whole(SarifDocument(rules, include_all, root, line_text, help_url), results)


class SarifDocument:
    """The SARIF log written file by file: the run with its rule catalogue, then each file's results.

    `rules`: the RuleInfo of every rule that ran; `root`: the repository root URIs are relative to;
    `line_text(path, line)`: the text of a spec line, for fingerprints (none: fingerprints of the rule
    alone); `help_url`: where the rule pages are published (`{rule}` stands for the id).
    """

    head_last = False

    def __init__(self, rules, include_all: bool = False, root: str = ".", line_text=None, help_url: str = ""):
        catalogue = rule_catalogue(rules, help_url)
        self._index = {d["id"]: i for i, d in enumerate(catalogue)}
        self._include_all, self._root, self._line_text = include_all, root, line_text
        log = {
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "cellrules", "version": __version__, "semanticVersion": __version__,
                                    "rules": catalogue}},
                "automationDetails": {"id": AUTOMATION_ID},
                "originalUriBaseIds": {SRCROOT: {"description": {
                    "text": "The root of the repository the specs are in (the folder holding .git, or --root)"}}},
                "invocations": [{"executionSuccessful": True}],
                "columnKind": "unicodeCodePoints",
                "results": [],      # last: streamed
            }],
        }
        self._list = JsonList(json_dumps(log, indent=2) + "\n")
        # A piece depends on the result (the spec's lines with it) and these (report/stream.py).
        self.cache_key = "sarif " + hashlib.sha256(json.dumps(
            [sorted(self._index.items()), root, include_all, line_text is not None]).encode()).hexdigest()

    def head(self) -> str:
        return self._list.head()

    def render(self, result) -> list[str]:
        return [indented_json(entry, self._list.indent)
                for entry in file_results(result, self._index, self._root, self._include_all, self._line_text)]

    def add(self, item) -> str:
        return "".join(self._list.item(entry) for entry in item.piece)

    def tail(self) -> str:
        return self._list.tail()


def rule_catalogue(rules, help_url: str = "") -> list[dict]:
    """`tool.driver.rules`: every rule that ran and the engine's own, sorted by id."""
    return sorted(
        [_descriptor(r.id, r.title, r.severity, r.mechanism, r.mitigations, r.citation, r.outside,
                     {"concern": r.concern, "failure_mode": r.failure_mode, "carriers": list(r.carriers)}, help_url)
         for r in {r.id: r for r in rules}.values()]
        + [_descriptor(rule_id, title, severity, why, fixes, "", (), {"concern": rule_id.split(".")[0]}, help_url)
           for rule_id, title, severity, why, fixes in ENGINE_RULES],
        key=lambda d: d["id"])


def help_uri(help_url: str, rule_id: str) -> str:
    """A rule's page: `{rule}` in the configured URL replaced by the id, else the id's page below that URL."""
    if "{rule}" in help_url:
        return help_url.replace("{rule}", quote(rule_id))
    return help_url.rstrip("/") + "/" + quote(rule_id) + ".md"


def artifact_location(path: str, root: str) -> dict:
    """A path as SARIF locates it: relative to %SRCROOT% when it lies in the repository, a file: URI otherwise."""
    if path == "-":     # a spec read from standard input without --stdin-filename: no file to point at
        return {"uri": "-", "description": {"text": "the spec read from standard input"}}
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, os.path.abspath(root))
    except ValueError:  # another drive on Windows
        return {"uri": Path(absolute).as_uri()}
    if relative == ".." or relative.startswith(".." + os.sep):
        return {"uri": Path(absolute).as_uri()}
    # A name's own bytes, surrogate escapes included (a file name that is not UTF-8), percent-encoded.
    return {"uri": quote(posixpath.normpath(relative.replace(os.sep, "/")), errors="surrogateescape"),
            "uriBaseId": SRCROOT}


def file_results(result, index: dict, root: str, include_all: bool = False, line_text=None) -> list[dict]:
    """The SARIF results of one checked file."""
    location = artifact_location(result.path, root)
    seen: dict = {}

    def fingerprint(rule: str, line: int) -> dict:
        content = " ".join((line_text(result.path, line) if line_text else "").split())
        occurrence = seen.get((rule, content), 0)
        seen[(rule, content)] = occurrence + 1
        digest = hashlib.sha256(f"{rule}\0{content}\0{occurrence}".encode()).hexdigest()[:32]
        return {FINGERPRINT: digest}

    if result.status == "error":
        return _error_results(result, location, index, fingerprint)
    entries = []
    for finding in result.findings:
        entry = _finding_result(finding, location, index, include_all)
        if entry is not None:
            entry["partialFingerprints"] = fingerprint(finding.rule, finding.line)
            entries.append(entry)
    return entries


def _descriptor(rule_id, title, severity, mechanism, mitigations, citation, outside, properties, help_url) -> dict:
    text, markdown = _help(mechanism, mitigations, citation, outside)
    tags = sorted({properties["concern"], properties.get("failure_mode", properties["concern"])})
    descriptor = {
        "id": rule_id,
        "name": _pascal(rule_id),
        "shortDescription": {"text": title},
        "fullDescription": {"text": mechanism},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {"tags": tags, **properties},
    }
    if help_url:
        descriptor["helpUri"] = help_uri(help_url, rule_id)
    if citation:
        descriptor["properties"]["citation"] = citation
    return descriptor


def _pascal(rule_id: str) -> str:
    """SARIF's readable rule name: `mechanics.li-stack-pressure-creep` -> `MechanicsLiStackPressureCreep`."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", rule_id) if part)


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


def _locations(location: dict, line: int, column: int) -> list:
    return [{"physicalLocation": {"artifactLocation": dict(location),
                                  "region": {"startLine": max(line, 1), "startColumn": max(column, 1)}}}]


def _finding_result(finding, location: dict, index: dict, include_all: bool) -> dict | None:
    if finding.outcome in ("fail", "waived"):
        kind, level = None, LEVELS[finding.severity]
    elif finding.outcome in ("unknown", "skipped") and include_all:
        kind, level = "open", "none"     # not decided: SARIF forbids a level other than none for it
    else:
        return None
    entry = {"ruleId": finding.rule, "ruleIndex": index[finding.rule]}
    if kind:
        entry["kind"] = kind
    entry.update({
        "level": level,
        "message": {"text": finding.message},
        "locations": _locations(location, finding.line, finding.column),
        "properties": {
            "outcome": finding.outcome,
            "failure_mode": finding.failure_mode,
            "inputs": {i.name: {"value": i.value, "source": i.source} for i in finding.inputs},
        },
    })
    if finding.missing:
        entry["properties"]["missing"] = list(finding.missing)
    if finding.outcome == "unknown":
        entry["properties"]["needs"] = [list(group) for group in finding.alternatives]   # any one group decides it
    if finding.outcome == "waived":
        entry["suppressions"] = [{"kind": "inSource", "status": "accepted", "justification": finding.reason}]
    return entry


def _error_results(result, location: dict, index: dict, fingerprint) -> list:
    problems = [(e.message, e.hint, e.location) for e in result.errors] or [(result.message, "", None)]
    entries = []
    for message, hint, where in problems:
        line, column = (where.line or 1, where.column or 1) if where is not None else (1, 1)
        entries.append({
            "ruleId": SPEC_INVALID,
            "ruleIndex": index[SPEC_INVALID],
            "level": "error",
            "message": {"text": f"{message} (hint: {hint})" if hint else message},
            "locations": _locations(location, line, column),
            "partialFingerprints": fingerprint(SPEC_INVALID, line),
        })
    return entries
