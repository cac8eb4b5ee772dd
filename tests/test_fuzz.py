"""20,000 seeded mutants of every shipped spec, through the real program: no internal error, no lost result
(issue 13, acceptance; `pytest -m slow`, run by .ci/run).

Each batch of 1,000 mutants (tests/mutator.py: mixed, semantic and deletion mutations) is
checked by one `cellrules check` process, the formats and job counts taken in turn. Every
file named must come back with a status (JSON, JUnit and verbose text list every file), every
document must parse, and no file may be an internal error. A sample also goes through the
explain report in every format. A failing batch names its seed: `Mutator(seed)` rebuilds it.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from conftest import REPO, TODAY
from mutator import Mutator, shipped_specs

pytestmark = pytest.mark.slow

MUTANTS = int(os.environ.get("CELLRULES_FUZZ_MUTANTS", "20000"))
BATCH = 1000
SEED = 20261201
# (format, extra arguments, jobs) per batch, in turn: every format, both job counts, with and without --all.
RUNS = [("json", [], 2), ("junit", [], 1), ("json", ["--all"], 1), ("text", ["-v"], 2), ("sarif", ["--all"], 2),
        ("json", [], 1), ("github", [], 2), ("text", ["-v", "--all"], 1), ("junit", [], 2), ("json", ["--all"], 2)]
STATUSES = {"pass", "incomplete", "fail", "error"}


def _names(ruleset) -> tuple[str, ...]:
    return tuple(sorted({n for e in ruleset.knowledge.entries for n in (e.name, *e.aliases)}))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, ruleset):
    """The mutants, written in batches; mutant k of a batch comes from spec k mod the number of specs."""
    specs = [path.read_text(encoding="utf-8") for path in shipped_specs(REPO)]
    assert len(specs) >= 200
    root = tmp_path_factory.mktemp("fuzz")
    batches = []
    names = _names(ruleset)
    for number in range((MUTANTS + BATCH - 1) // BATCH):
        seed = SEED + number
        mutator = Mutator(seed, names)
        folder = root / f"batch{number:02d}"
        folder.mkdir()
        files = []
        for k in range(min(BATCH, MUTANTS - number * BATCH)):
            mode = ("mixed", "semantic", "semantic", "delete", "mixed", "semantic", "mixed")[k % 7]
            mutant = mutator.mutate(specs[(number * BATCH + k) % len(specs)], mode)
            path = folder / f"m{k:04d}.toml"
            path.write_bytes(mutant.encode("utf-8", "surrogateescape"))
            files.append(path.name)
        batches.append((seed, folder, files))
    return root, batches


def _statuses(fmt: str, output: str, args) -> dict[str, str] | None:
    """file -> status, from a format that lists every file; None for formats that list only findings."""
    if fmt == "json":
        return {r["file"]: r["status"] for r in json.loads(output)["results"]}
    if fmt == "junit":
        root = ET.fromstring(output.encode("utf-8"))
        return {s.get("name"): ("error" if int(s.get("errors")) else "checked") for s in root}
    if fmt == "text" and "-v" in args:
        return dict(re.findall(r"^(m\d{4}\.toml): (pass|incomplete|fail|error)$", output, re.M))
    if fmt == "sarif":
        json.loads(output)
    return None


@pytest.mark.parametrize("number", range((MUTANTS + BATCH - 1) // BATCH))
def test_every_mutant_is_checked_and_reported(corpus, number):
    root, batches = corpus
    seed, folder, files = batches[number]
    fmt, args, jobs = RUNS[number % len(RUNS)]
    environment = dict(os.environ, XDG_CACHE_HOME=str(root / "cache"), XDG_STATE_HOME=str(root / "state"),
                       PYTHONIOENCODING="utf-8")
    process = subprocess.run([sys.executable, "-m", "cellrules", "check", "--today", TODAY.isoformat(),
                              "--format", fmt, "--jobs", str(jobs), *args, *files], cwd=folder, env=environment,
                             capture_output=True, timeout=900)
    output, errors = process.stdout.decode("utf-8"), process.stderr.decode("utf-8")  # strict: all valid UTF-8
    context = f"seed {seed}, {fmt} {args} --jobs {jobs}"
    assert process.returncode in (0, 1, 2), context
    assert "internal error" not in output + errors, f"{context}: {_first_internal(output + errors)}"
    assert "Traceback" not in errors, context
    statuses = _statuses(fmt, output, args)
    if statuses is not None:
        lost = sorted(set(files) - set(statuses))
        assert not lost, f"{context}: {len(lost)} files without a result, e.g. {lost[:3]}"
        assert set(statuses.values()) <= STATUSES | {"checked"}, context
    if fmt == "json":
        print(f"seed {seed}: {dict(sorted(Counter(statuses.values()).items()))}")


def _first_internal(text: str) -> str:
    return next((line for line in text.splitlines() if "internal error" in line), "")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_explain_reports_every_mutant_it_can_read(corpus, ruleset, fmt):
    """A sample of the mutants through the explain report: a readable spec is explained, an unreadable one
    is a precise error; nothing raises."""
    from cellrules.engine.evaluate import CheckOptions, check_file
    from cellrules.errors import InternalError
    from cellrules.report.explain import build_report
    from cellrules.report.context import report_context
    from cellrules.report.render import render

    _, batches = corpus
    explained = 0
    for seed, folder, files in batches[: 3]:
        for name in files[{"text": 0, "markdown": 1, "html": 2}[fmt]::15]:
            result = check_file(ruleset, str(folder / name), CheckOptions(include_all=True, today=TODAY))
            assert not any(isinstance(e, InternalError) for e in result.errors), (seed, name, result.errors)
            if result.status != "error":
                render("report", fmt, report_context(build_report(result, ruleset), fmt))
                explained += 1
    assert explained > 20
