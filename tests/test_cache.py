"""The rule-set cache only ever costs or saves time: a corrupt, truncated or stale cache is rebuilt
without a word, and a run killed while writing leaves no half-written file under a final name."""
from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from cellrules.engine.ruleset import RuleSet
from conftest import EXAMPLES, TODAY

SPEC = EXAMPLES / "li-lgps-bad.toml"


def check(cache, *args):
    environment = dict(os.environ, XDG_CACHE_HOME=str(cache))
    return subprocess.run([sys.executable, "-m", "cellrules", "check", "--today", TODAY.isoformat(), *args, str(SPEC)],
                          env=environment, capture_output=True, text=True, timeout=300)


def cached_rulesets(cache):
    return sorted((cache / "cellrules").glob("ruleset-*.pickle"))


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """A cold run that fills a fresh cache; every later run must print exactly what it printed."""
    cache = tmp_path_factory.mktemp("cache")
    run = check(cache)
    assert run.returncode == 1 and run.stderr == ""
    return cache, run


@pytest.mark.parametrize("damage", [
    pytest.param(lambda data: b"", id="empty"),
    pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
    pytest.param(lambda data: b"not a pickle at all" + data[20:], id="corrupt"),
    pytest.param(lambda data: pickle.dumps({"a": "dict, not a rule set"}), id="wrong-object"),
])
def test_a_damaged_cache_is_rebuilt_silently(first_run, damage):
    cache, first = first_run
    (ruleset_file,) = cached_rulesets(cache)
    ruleset_file.write_bytes(damage(ruleset_file.read_bytes()))
    for parsed in (cache / "cellrules" / "parsed").iterdir():
        parsed.write_bytes(damage(parsed.read_bytes()))
    run = check(cache)
    assert (run.returncode, run.stdout, run.stderr) == (first.returncode, first.stdout, "")
    with open(ruleset_file, "rb") as handle:
        assert isinstance(pickle.load(handle), RuleSet)  # and the cache is whole again


def test_an_edited_rule_pack_is_not_served_from_the_cache(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    rule = textwrap.dedent("""
        rule lab.pressure-cap "Our cells stay at or below {limit}" {
          require cell.stack_pressure <= LIMIT
          severity warning
          failure metal-creep
          because "our creep tests"
          mitigate "lower the pressure"
          cite "lab notebook 12"
        }
        """)
    (pack / "lab.rules").write_text(rule.replace("LIMIT", "1 MPa"), encoding="utf-8")
    assert "lab.pressure-cap" in check(tmp_path / "cache", "--rules", str(pack)).stdout
    (pack / "lab.rules").write_text(rule.replace("LIMIT", "100 MPa"), encoding="utf-8")
    assert "lab.pressure-cap" not in check(tmp_path / "cache", "--rules", str(pack)).stdout


WRITER = """
import os, sys, time
from pathlib import Path
from cellrules.engine.cache import write_atomically

real_fdopen = os.fdopen

class Stalls:
    # Writes half of what it is given, says so, then waits to be killed.
    def __init__(self, handle):
        self.handle = handle
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.handle.close()
    def write(self, data):
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        print("writing", flush=True)
        time.sleep(600)

os.fdopen = lambda fd, mode: Stalls(real_fdopen(fd, mode))
write_atomically(Path(sys.argv[1]), b"new " * 100_000)
"""


@pytest.mark.parametrize("existing", [None, b"old, complete content"])
def test_a_kill_while_writing_leaves_no_partial_file_under_the_final_name(tmp_path, existing):
    target = tmp_path / "ruleset-0123.pickle"
    if existing is not None:
        target.write_bytes(existing)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "writing\n"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    if existing is None:
        assert not target.exists()
    else:
        assert target.read_bytes() == existing  # the old file, whole
    leftovers = [p for p in tmp_path.iterdir() if p != target]
    assert all(p.name.endswith(".tmp") for p in leftovers)  # half a file only ever under a temp name


def test_a_check_killed_at_any_moment_leaves_a_usable_cache(tmp_path, first_run):
    _, first = first_run
    cache = tmp_path / "cache"
    for delay in (0.2, 0.5, 0.9):
        environment = dict(os.environ, XDG_CACHE_HOME=str(cache))
        run = subprocess.Popen([sys.executable, "-m", "cellrules", "check", "--today", TODAY.isoformat(), str(SPEC)],
                               env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        for entry in (cache / "cellrules").rglob("*.pickle") if (cache / "cellrules").exists() else ():
            with open(entry, "rb") as handle:
                pickle.load(handle)  # every file under a final name is whole
    after = check(cache)
    assert (after.returncode, after.stdout, after.stderr) == (first.returncode, first.stdout, "")
