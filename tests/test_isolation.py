"""One file's fault never costs another file its result (issue 13, D2).

1,000 specs are checked through the real program, once as they are and once with two faults
injected by a wrapper around `cellrules.cli.main`: one file's evaluation raises, and another's
result carries a finding that every output format fails on. In each format and with `--jobs 1`
and `2`, both files must be reported as `error` ("internal error in this file", the exception
type with -v) and every other file's part of the output must be exactly what it was without
the faults.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest

from conftest import EXAMPLES, TODAY

FORMATS = ("text", "json", "sarif", "junit", "github")
FAULT_EVALUATE, FAULT_RENDER = "fault-evaluate.toml", "fault-render.toml"

WRAPPER = textwrap.dedent("""
    import sys

    import attrs

    from cellrules import cli
    from cellrules.cellspec import resolve as resolve_module
    from cellrules.engine import evaluate as evaluate_module


    class Poison:
        '''A message no format can write: str(), format() and JSON all fail on it.'''

        def __str__(self):
            raise RuntimeError("poisoned message")

        __format__ = lambda self, spec: str(self)


    real_resolve, real_evaluate = evaluate_module.resolve, evaluate_module.evaluate


    def resolve(spec, knowledge):
        if spec.path.endswith("FAULT_EVALUATE"):
            raise ZeroDivisionError("injected")
        return real_resolve(spec, knowledge)


    def evaluate(ruleset, resolved, options):
        result = real_evaluate(ruleset, resolved, options)
        if result.path.endswith("FAULT_RENDER"):  # a failure at error severity: every format writes its message
            findings = list(result.findings)
            at = next(i for i, f in enumerate(findings) if f.outcome == "fail" and f.severity == "error")
            findings[at] = attrs.evolve(findings[at], message=Poison())
            result = attrs.evolve(result, findings=tuple(findings))
        return result


    evaluate_module.resolve, evaluate_module.evaluate = resolve, evaluate
    sys.exit(cli.main(sys.argv[1:]))
    """).replace("FAULT_EVALUATE", FAULT_EVALUATE).replace("FAULT_RENDER", FAULT_RENDER)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """1,000 specs (the examples, cycled) in one folder; the two fault files are copies of failing designs."""
    root = tmp_path_factory.mktemp("isolation")
    folder = root / "specs"
    folder.mkdir()
    examples = sorted(EXAMPLES.glob("*.toml"))
    for i in range(998):
        shutil.copyfile(examples[i % len(examples)], folder / f"s{i:04d}-{examples[i % len(examples)].name}")
    (root / "wrapper.py").write_text(WRAPPER, encoding="utf-8")
    return root


def run(root, fmt: str, jobs: int, faults: bool):
    folder = root / "specs"
    for name in (FAULT_EVALUATE, FAULT_RENDER):
        target = folder / name
        if faults:
            shutil.copyfile(EXAMPLES / "li-lgps-bad.toml", target)
        elif target.exists():
            target.unlink()
    environment = dict(os.environ, XDG_CACHE_HOME=str(root / "cache"))
    process = subprocess.run([sys.executable, str(root / "wrapper.py"), "check", "-v", "--today", TODAY.isoformat(),
                              "--format", fmt, "--jobs", str(jobs), "specs"],
                             cwd=root, env=environment, capture_output=True, text=True, timeout=600)
    assert "internal error;" not in process.stderr, process.stderr
    return process


def parts(fmt: str, output: str) -> dict[str, object]:
    """Each file's part of a document: file name -> what the document says about it."""
    by_file: dict[str, list] = defaultdict(list)
    if fmt == "text":
        current = None
        for line in output.splitlines()[:-1]:  # the summary counts every file
            if not line.startswith("    hint: "):
                current = re.match(r"specs/[^:]+", line).group(0)
            by_file[current].append(line)
    elif fmt == "json":
        for result in json.loads(output)["results"]:
            by_file[result["file"]].append(result)
    elif fmt == "sarif":
        for result in json.loads(output)["runs"][0]["results"]:
            entry = dict(result)
            entry.pop("ruleIndex")  # two more files' rules do not change the catalogue, but be safe
            by_file[result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]].append(entry)
    elif fmt == "junit":
        for suite in ET.fromstring(output):
            by_file[suite.get("name")].append(ET.tostring(suite, encoding="unicode"))
    else:
        for line in output.splitlines():
            annotated = re.search(r"^::\w+ file=([^,]+)", line)
            if annotated:  # the run summary's group lines name no file
                by_file[annotated.group(1)].append(line)
    return dict(by_file)


def internal_error_shown(fmt: str, part) -> bool:
    text = json.dumps(part) if fmt in ("json", "sarif") else "\n".join(part)
    return "internal error in this file" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_fault_in_one_file_costs_no_other_file_its_result(batch, fmt):
    clean = run(batch, fmt, 1, faults=False)
    assert clean.returncode == 1, clean.stderr
    expected = parts(fmt, clean.stdout)
    for jobs in (1, 2):
        faulty = run(batch, fmt, jobs, faults=True)
        assert faulty.returncode == 2, faulty.stderr
        found = parts(fmt, faulty.stdout)
        faults = {name: found.pop(f"specs/{name}", None) for name in (FAULT_EVALUATE, FAULT_RENDER)}
        for name, part in faults.items():
            assert part is not None, f"{name} is missing from the {fmt} output (--jobs {jobs})"
            assert internal_error_shown(fmt, part), part
        if fmt == "github":
            # GitHub caps annotations per step across the run (report/github.py LIMITS), so the two
            # faults' errors displace others; every annotation still shown must be unchanged.
            for name, lines in found.items():
                assert set(lines) <= set(expected.get(name, [])), f"github, --jobs {jobs}: {name} changed"
        else:
            assert found == expected, f"{fmt}, --jobs {jobs}: another file's result changed"
        if fmt == "text":
            shown = "\n".join(faults[FAULT_EVALUATE])
            assert "specs/fault-evaluate.toml: error" in shown
            assert "internal error in this file (ZeroDivisionError)" in shown
            assert "internal error in this file (RuntimeError)" in "\n".join(faults[FAULT_RENDER])
            counts = clean.stdout.splitlines()[-1].replace("998 files", "1000 files").replace(" 0 error", " 2 error")
            assert faulty.stdout.splitlines()[-1] == counts


def test_debug_prints_the_traceback_of_a_file_internal_error(batch):
    folder = batch / "single"
    folder.mkdir(exist_ok=True)
    shutil.copyfile(EXAMPLES / "li-lgps-bad.toml", folder / FAULT_EVALUATE)
    shutil.copyfile(EXAMPLES / "li-llzo-lfp.toml", folder / "good.toml")
    environment = dict(os.environ, XDG_CACHE_HOME=str(batch / "cache"))
    process = subprocess.run([sys.executable, str(batch / "wrapper.py"), "--debug", "check", "single"], cwd=batch,
                             env=environment, capture_output=True, text=True, timeout=300)
    assert process.returncode == 2
    assert "Traceback (most recent call last)" in process.stderr and "ZeroDivisionError: injected" in process.stderr
    assert process.stdout.splitlines()[-1] == "2 files: 1 pass, 0 incomplete, 0 fail, 1 error"


EXPLAIN_WRAPPER = textwrap.dedent("""
    import sys

    from cellrules import cli
    from cellrules.report import explain


    def build_report(result, ruleset):
        raise KeyError("injected")


    explain.build_report = build_report
    sys.exit(cli.main(sys.argv[1:]))
    """)


def test_a_fault_while_explaining_is_that_file_s_error(tmp_path):
    (tmp_path / "wrapper.py").write_text(EXPLAIN_WRAPPER, encoding="utf-8")
    environment = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    process = subprocess.run([sys.executable, str(tmp_path / "wrapper.py"), "explain", str(EXAMPLES / "li-lgps-bad.toml")],
                             env=environment, capture_output=True, text=True, timeout=300)
    assert process.returncode == 2
    assert "li-lgps-bad.toml: error: internal error in this file" in process.stderr
    assert "cellrules: internal error;" not in process.stderr
