"""Streaming output (issue 14): each file's result is written as soon as it is final, in path order,
byte-identical to the whole-document rendering, and --jobs N to --jobs 1."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from conftest import EXAMPLES, TODAY

from cellrules.cli.batch import Task, check_all, iter_results
from cellrules.engine.evaluate import CheckOptions
from cellrules.report.text import render_text, stream_text


def test_each_file_is_written_before_the_next_is_checked(tmp_path, ruleset):
    for example in sorted(EXAMPLES.glob("*.toml"))[:6]:
        shutil.copyfile(example, tmp_path / example.name)
    dirs = ("builtin",)
    tasks = [Task(str(p), dirs, CheckOptions(today=TODAY)) for p in sorted(tmp_path.glob("*.toml"))]
    rulesets = {dirs: ruleset}
    produced, written, produced_when_written = [], [], []

    def results():
        for result in iter_results(tasks, rulesets, jobs=1):
            produced.append(result.path)
            yield result

    def write(text):
        produced_when_written.append(len(produced))
        written.append(text)

    stream_text(results(), write)
    assert "".join(written) == render_text(check_all(tasks, rulesets, jobs=1))
    # the first chunk was written when one result existed; each later one no later than its own result
    assert produced_when_written[0] == 1
    assert produced_when_written == sorted(produced_when_written) and len(set(produced_when_written)) > 1


def test_jobs_2_output_is_byte_identical_to_jobs_1(tmp_path):
    folder = tmp_path / "specs"
    folder.mkdir()
    examples = sorted(EXAMPLES.glob("*.toml"))
    for i in range(60):
        shutil.copyfile(examples[i % len(examples)], folder / f"s{i:03d}-{examples[i % len(examples)].name}")
    environment = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))

    def run(fmt, jobs):
        return subprocess.run([sys.executable, "-m", "cellrules", "check", "--today", TODAY.isoformat(), "--format",
                               fmt, "--jobs", str(jobs), str(folder)], env=environment, capture_output=True,
                              timeout=600)

    for fmt in ("text", "json"):
        one, two = run(fmt, 1), run(fmt, 2)
        assert one.returncode == two.returncode
        assert one.stdout == two.stdout and one.stdout
