"""Streaming output (issue 14): each file's result is written as soon as it is final, in path order,
byte-identical to the whole document rendered at once, and --jobs N to --jobs 1."""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import EXAMPLES, REPO, TODAY

from cellrules.cli.batch import Task, check_all, iter_results
from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.engine.results import FileResult, Finding, Input
from cellrules.report.github import GithubDocument, summary
from cellrules.report.json import JsonDocument, render_json, result_json
from cellrules.report.junit import JunitDocument, render_junit, suite
from cellrules.report.safe import Prerendered, _unwrapped, indented_json, json_dumps
from cellrules.report.sarif import SarifDocument, file_results, render_sarif, rule_catalogue
from cellrules.report.stream import rendered, stream_document
from cellrules.report.text import TextDocument, render_text

DOCUMENTS = {
    "text": lambda ruleset: TextDocument(),
    "json": lambda ruleset: JsonDocument(),
    "sarif": lambda ruleset: SarifDocument(ruleset.rules),
    "junit": lambda ruleset: JunitDocument(),
    "github": lambda ruleset: GithubDocument(),
}


@pytest.fixture(scope="module")
def results(ruleset):
    """Every shipped example and bad input, with every outcome: passes, failures, waivers, errors."""
    specs = sorted([*EXAMPLES.rglob("*.toml"), *(REPO / "tests" / "bad").rglob("*.toml")])
    return sorted((check_file(ruleset, str(p.relative_to(REPO)), CheckOptions(include_all=True, today=TODAY))
                   for p in specs), key=lambda r: r.path)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_each_file_is_written_before_the_next_is_checked(tmp_path, ruleset, fmt):
    for example in sorted(EXAMPLES.glob("*.toml"))[:6]:
        shutil.copyfile(example, tmp_path / example.name)
    dirs = ("builtin",)
    tasks = [Task(str(p), dirs, CheckOptions(today=TODAY)) for p in sorted(tmp_path.glob("*.toml"))]
    rulesets = {dirs: ruleset}
    produced, written, produced_when_written = [], [], []

    def checked():
        for result in iter_results(tasks, rulesets, jobs=1):
            produced.append(result.path)
            yield result

    def write(text):
        produced_when_written.append(len(produced))
        written.append(text)

    document = DOCUMENTS[fmt](ruleset)
    stream_document((rendered(document, result) for result in checked()), document, write)
    whole = {"text": render_text, "json": render_json,
             "sarif": lambda r: render_sarif(r, ruleset.rules)}[fmt](check_all(tasks, rulesets, jobs=1))
    assert "".join(written) == whole
    # each file's part was written no later than its own result, before the next file was checked
    parts = [n for n in produced_when_written if 0 < n <= len(tasks)]
    assert parts[0] == 1 and parts == sorted(parts) and len(set(parts)) > 1


def test_streamed_json_is_what_json_dumps_writes_of_the_whole_document(results):
    whole = json_dumps({"version": 1, "results": [result_json(r) for r in results]}, indent=2) + "\n"
    assert render_json(results) == whole
    assert render_json([]) == json_dumps({"version": 1, "results": []}, indent=2) + "\n"


def test_streamed_sarif_is_what_json_dumps_writes_of_the_whole_log(results, ruleset):
    for include_all in (False, True):
        streamed = render_sarif(results, ruleset.rules, include_all=include_all, root=str(REPO))
        log = json.loads(streamed)
        index = {d["id"]: i for i, d in enumerate(rule_catalogue(ruleset.rules))}
        assert log["runs"][0]["results"] == [e for r in results for e in file_results(r, index, str(REPO), include_all)]
        assert streamed == json_dumps(log, indent=2) + "\n"
    empty = render_sarif([], ruleset.rules)
    assert json.loads(empty)["runs"][0]["results"] == [] and empty == json_dumps(json.loads(empty), indent=2) + "\n"


def _whole_junit(results, fail_on: dict) -> str:
    """The JUnit report built as one tree, indented and written at once."""
    root = ET.Element("testsuites", name="cellrules")
    suites = [suite(r, fail_on.get(r.path, "error")) for r in results]
    root.extend(suites)
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(s.get(key)) for s in suites)))
    root.set("time", "0.000")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def test_streamed_junit_is_the_whole_tree_written_at_once(results):
    fail_on = {r.path: "warning" for r in results[::3]}
    assert render_junit(results, fail_on) == _whole_junit(results, fail_on)
    assert render_junit(results[:1]) == _whole_junit(results[:1], {})
    assert render_junit([]) == _whole_junit([], {})


def test_indented_json_writes_every_value_as_json_dumps_does():
    values = [{"a": [1, 2.5, -0.0, 1e300, True, False, None, "x\u00e9\"\\\n\t\u2028"], "b": {}, "c": [], "d": {"e": {"f": []}}},
              ["surrogate \udce9 in a path"], {"inf": math.inf, "nan": [math.nan]}, {1: "an int key"}, [(1, 2)], "s", 3]
    for value in values:
        for indent in ("", "    ", "        "):
            assert indented_json(value, indent) == json_dumps(value, indent=2).replace("\n", "\n" + indent)


def test_a_prerendered_part_is_written_as_its_value_at_every_depth():
    # A part rendered once and copied (a rule's mitigations, a knowledge-base input) must give the bytes
    # its value gives, wherever it stands, and reach json.dumps as its value when the fast writer gives up.
    shared = Prerendered({"value": "25 degC", "si": -0.0, "list": ["a", "b\u00e9"]})
    values = [{"x": shared, "y": [shared, {"z": shared}]}, [shared, "surrogate \udce9 in a path"],
              {"inf": math.inf, "part": shared}, {1: shared}, {"empty": Prerendered([])}]
    for value in values:
        for indent in ("", "    ", "        "):
            expected = json_dumps(_unwrapped(value), indent=2).replace("\n", "\n" + indent)
            assert indented_json(value, indent) == expected


def _failing(path: str, count: int, severity: str = "error") -> FileResult:
    findings = tuple(Finding(f"rule.r{i:04d}", "fail", severity, "mode", f"failure {i} of {path} " + "x" * 200, i + 1, 1,
                             (Input("cell.temperature", "25 degC", "spec"),)) for i in range(count))
    return FileResult(path, "fail", findings)


def test_github_keeps_only_what_it_can_show():
    """Annotations past GitHub's per-kind limit and summary rows past its size limit are counted, not kept."""
    many = [_failing(f"spec{n:04d}.toml", 50, ("error", "warning", "info")[n % 3]) for n in range(300)]
    document = GithubDocument()
    written = []
    stream_document((rendered(document, result) for result in many), document, written.append)
    assert sum(len(kept) for kept in document._kept.values()) <= 30
    for capped in document.summary._rows.values():     # each severity's rows: at most the 1 MiB shown, and one row
        assert sum(len(row.encode()) + 1 for row in capped.rows) <= 1024 * 1024 + 400
    assert sum(c.total for c in document.summary._rows.values()) == 300 * 50
    text = document.summary.text()
    assert text == summary(many) and "more findings left out" in text and len(text.encode()) <= 1024 * 1024
    assert written[-1].count("\n") == 30 and "annotations left out" in written[-1]


def test_a_result_the_format_cannot_render_is_that_file_s_internal_error(results, ruleset):
    broken = FileResult("zz-broken.toml", "fail", (Finding("no.such-rule", "fail", "fatal", "m", "msg", 1, 1),))
    for fmt in ("sarif", "junit", "github"):   # each looks the severity up
        parts, document = [], DOCUMENTS[fmt](ruleset)
        seen = stream_document((rendered(document, r) for r in [*results[:3], broken]), document, parts.append)
        assert [r.status for r in seen][-1] == "error" and "internal error" in seen[-1].errors[0].message
        assert "zz-broken.toml" in "".join(parts)


def test_jobs_2_output_is_byte_identical_to_jobs_1_in_every_format(tmp_path):
    folder = tmp_path / "specs"
    folder.mkdir()
    examples = sorted(EXAMPLES.glob("*.toml"))
    for i in range(60):
        shutil.copyfile(examples[i % len(examples)], folder / f"s{i:03d}-{examples[i % len(examples)].name}")
    (folder / "s999-broken.toml").write_text("spec_version = 1\n[cell\n", encoding="utf-8")
    environment = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    environment.pop("GITHUB_STEP_SUMMARY", None)

    def run(fmt, jobs):
        return subprocess.run([sys.executable, "-m", "cellrules", "check", "--today", TODAY.isoformat(), "--format",
                               fmt, "--jobs", str(jobs), str(folder)], env=environment, capture_output=True,
                              timeout=600)

    for fmt in ("text", "json", "sarif", "junit", "github"):
        one, two = run(fmt, 1), run(fmt, 2)
        assert one.returncode == two.returncode == 2
        assert one.stdout == two.stdout and one.stdout, fmt
