"""The result cache (issue 14): a re-run over unchanged specs reuses their results, and only ever saves time.

Output is byte-identical with and without the cache in every format; editing a rule file
invalidates every result, editing one spec re-checks that spec alone (the -v note counts
them); entries are plain JSON in the signed store, so a damaged or planted entry is checked
again, never used.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cellrules.engine.evaluate import CheckOptions, check_file, internal_error_result
from cellrules.engine.result_cache import NAMESPACE, ResultCache, open_result_cache, result_from_json, result_to_json
from cellrules.engine.results import FileResult, Finding, Input
from cellrules.engine.store import Store
from cellrules.notes import Notes
from cellrules.report.json import render_json
from conftest import EXAMPLES, REPO, TODAY

PACK_RULE = """
rule lab.stack-pressure "Stack pressure at most 50 MPa" {
  require cell.stack_pressure <= 50 MPa
  severity warning failure metal-creep because "the lab's press" mitigate "lower it" cite "lab notebook"
}
"""


def environment(root: Path) -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=str(root / "cache"), XDG_STATE_HOME=str(root / "state"))
    for name in ("CELLRULES_NO_CACHE", "GITHUB_STEP_SUMMARY"):
        env.pop(name, None)
    return env


def check(root: Path, *args):
    return subprocess.run([sys.executable, "-m", "cellrules", "check", "--today", TODAY.isoformat(), *map(str, args)],
                          env=environment(root), capture_output=True, timeout=600)


def from_cache(run) -> tuple[int, int]:
    """(results taken from the cache, results in all), from the -v note."""
    found = re.search(rb"note: (\d+) of (\d+) results from the result cache", run.stderr)
    assert found, run.stderr[-2000:]
    return int(found.group(1)), int(found.group(2))


@pytest.fixture
def repository(tmp_path):
    """A design repository: every example, a bad spec, and a lab's rule pack."""
    specs = tmp_path / "designs"
    specs.mkdir()
    for example in sorted(EXAMPLES.glob("*.toml")):
        shutil.copyfile(example, specs / example.name)
    (specs / "zz-broken.toml").write_text("spec_version = 1\n[cell\n", encoding="utf-8")
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "lab.rules").write_text(PACK_RULE, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_output_is_byte_identical_with_and_without_the_cache(repository, fmt):
    args = ("--format", fmt, "--rules", repository / "pack", repository / "designs")
    uncached = check(repository, "--no-cache", *args)
    filling, cached = check(repository, "-v", *args), check(repository, "-v", *args)
    total = len(list((repository / "designs").glob("*.toml")))
    assert from_cache(filling) == (0, total) and from_cache(cached) == (total, total)
    plain = check(repository, *args)
    assert uncached.returncode == filling.returncode == cached.returncode == plain.returncode == 2
    assert uncached.stdout == plain.stdout and uncached.stdout
    assert filling.stdout == cached.stdout      # -v adds a status line per file to the text output
    assert b"results from the result cache" not in uncached.stderr


def test_jobs_2_takes_the_same_results_from_the_cache(repository):
    args = ("--format", "json", repository / "designs")
    first = check(repository, "--jobs", "1", *args)
    parallel = check(repository, "-v", "--jobs", "2", *args)
    assert from_cache(parallel)[0] == from_cache(parallel)[1]
    assert parallel.stdout == first.stdout


def test_changing_one_rule_file_invalidates_every_result(repository):
    args = ("-v", "--rules", repository / "pack", repository / "designs")
    check(repository, *args)
    again = check(repository, *args)
    assert from_cache(again)[0] == from_cache(again)[1]
    rule = repository / "pack" / "lab.rules"
    rule.write_text(PACK_RULE.replace("50 MPa", "40 MPa"), encoding="utf-8")
    after = check(repository, *args)
    assert from_cache(after)[0] == 0
    assert after.stdout == check(repository, "-v", "--no-cache", *args[1:]).stdout
    assert from_cache(check(repository, *args))[0] == from_cache(after)[1]


def test_changing_one_spec_rechecks_only_that_spec(repository):
    args = ("-v", "--format", "json", repository / "designs")
    first = check(repository, *args)
    spec = repository / "designs" / "li-lgps-bad.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("30 MPa", "3 MPa"), encoding="utf-8")
    after = check(repository, *args)
    cached, total = from_cache(after)
    assert (cached, total) == (total - 1, from_cache(first)[1])
    assert after.stdout == check(repository, "--no-cache", *args[1:]).stdout
    assert after.stdout != first.stdout


def test_other_options_are_other_results(repository):
    designs = repository / "designs"
    check(repository, designs)
    for options in (("--all",), ("--today", "2031-01-01"), ("--ignore", "mechanics"), ("--fail-on", "warning"),
                    ("--severity", "mechanics.li-stack-pressure-creep=info")):
        run = check(repository, "-v", *options, designs)
        assert from_cache(run)[0] == 0, options
        assert run.stdout == check(repository, "-v", "--no-cache", *options, designs).stdout


# ------------------------------------------------------------------------------- the entries themselves

@pytest.fixture(scope="module")
def results(ruleset):
    specs = sorted([*EXAMPLES.rglob("*.toml"), *(REPO / "tests" / "bad").rglob("*.toml")])
    return [check_file(ruleset, str(p.relative_to(REPO)), CheckOptions(include_all=True, today=TODAY)) for p in specs]


def _readable(result) -> tuple:
    return (result.path, result.status, result.message, result.findings,
            [(type(e), e.message, e.location, e.hint) for e in result.errors])


def test_an_entry_is_plain_json_that_gives_back_the_result(results):
    cached = 0
    for result in results:
        entry = result_to_json(result)
        if entry is None:
            continue
        back = result_from_json(json.loads(json.dumps(entry, allow_nan=False)))
        assert _readable(back) == _readable(result)
        cached += 1
    assert cached == len(results) and any(r.status == "error" for r in results)
    odd = FileResult("odd.toml", "pass", (Finding("r", "fail", "info", "m", "x", 1, 1,
                                                  (Input("a", "inf", "spec", math.inf, "Pa"),)),))
    assert result_from_json(json.loads(json.dumps(result_to_json(odd)))).findings[0].inputs[0].si == math.inf


def test_an_internal_error_is_never_cached():
    assert result_to_json(internal_error_result("x.toml", ZeroDivisionError("bug"))) is None


def _cache(root: Path, secret: bytes = b"k" * 32) -> tuple[ResultCache, Store, Notes]:
    notes = Notes()
    store = Store(root / "results", secret, notes=notes)
    return ResultCache(store, {(): "rules"}), store, notes


def test_a_damaged_or_planted_entry_is_never_used(tmp_path, results):
    cache, store, notes = _cache(tmp_path)
    result = next(r for r in results if r.status == "fail")
    key = cache.key((), result.path, CheckOptions(today=TODAY), b"spec bytes")
    cache.put(key, result)
    assert render_json([cache.result(cache.get(key))]) == render_json([result])
    entry = tmp_path / "results" / NAMESPACE / f"{key}.entry"
    good = entry.read_bytes()

    entry.write_bytes(good[:-5] + bytes([good[-5] ^ 1]) + good[-4:])  # edited after it was signed
    assert cache.get(key) is None
    entry.write_bytes(good[:len(good) // 2])                          # truncated
    assert cache.get(key) is None
    forged, _, _ = _cache(tmp_path, secret=b"x" * 32)                 # planted by someone without this user's key
    forged.put(key, FileResult(result.path, "pass"))
    assert cache.get(key) is None
    store.put(NAMESPACE, key, b'{"not": "a result"}')                 # signed, but not a result of this cellrules
    assert cache.get(key) is None
    reasons = {note.message for note in notes.drain()}      # each reason once (notes are deduplicated)
    assert any("signature does not verify" in reason for reason in reasons)
    assert any("not a check result" in reason for reason in reasons)


def test_pieces_come_back_exactly_as_rendered(tmp_path, results):
    # Pieces are kept as written (no JSON escaping to undo on a re-run): a text, a list of texts (SARIF),
    # empty ones, non-ASCII, and a lone surrogate (a file name that is not UTF-8) all come back the same.
    cache, store, _ = _cache(tmp_path)
    result = next(r for r in results if r.status == "fail")
    pieces = {"text": ["fail", "a.toml:1:1: error: x \u00e9\n"], "sarif": ["fail", ["{\n  1\n}", "", "\udcff"]],
              "empty": ["pass", ""]}
    key = cache.key((), result.path, CheckOptions(today=TODAY), b"spec")
    cache.put(key, result, pieces)
    entry = cache.get(key)
    assert entry.pieces == pieces
    assert render_json([cache.result(entry)]) == render_json([result])
    data = store.get(NAMESPACE, key)
    header, _, rest = data.partition(b"\n")
    longer = json.dumps({"text": ["fail", len(rest) + 1]}).encode()
    for damaged in (longer + b"\n" + rest, b'{"text": ["fail", -1]}\n' + rest, b'["fail"]\n' + rest,
                    b'{"text": ["fail", 1.5]}\n' + rest, b'{"text": "fail"}\n' + rest, b"no header"):
        store.put(NAMESPACE, key, damaged)      # signed, so only the layout can be wrong
        assert cache.get(key) is None, damaged[:40]


def test_the_cache_lives_under_xdg_cache_home_apart_from_the_rule_set_cache(tmp_path):
    cache = open_result_cache({(): "rules"}, environ={"XDG_CACHE_HOME": str(tmp_path / "c"),
                                                    "XDG_STATE_HOME": str(tmp_path / "s"), "HOME": str(tmp_path)})
    result = FileResult("a.toml", "pass")
    key = cache.key((), "a.toml", CheckOptions(today=TODAY), b"x")
    cache.put(key, result)
    assert list((tmp_path / "c" / "cellrules-results" / NAMESPACE).glob("*/*.entry"))
    assert open_result_cache({}, environ={"CELLRULES_NO_CACHE": "1", "XDG_CACHE_HOME": str(tmp_path / "c")}) is None


def test_a_result_that_is_not_plain_data_is_not_kept(tmp_path):
    cache, _, _ = _cache(tmp_path)
    odd = FileResult("odd.toml", "fail", (Finding("r", "fail", "error", "m", object(), 1, 1),))
    key = cache.key((), "odd.toml", CheckOptions(today=TODAY), b"x")
    cache.put(key, odd)
    assert cache.get(key) is None and not list(tmp_path.rglob("*.entry"))


def test_a_damaged_entry_is_checked_and_rendered_again(repository):
    """An entry holds the result and the format's rendering of it; a damaged one is never used."""
    args = ("--format", "json", repository / "designs")
    first = check(repository, *args)
    entries = sorted((repository / "cache" / "cellrules-results" / NAMESPACE).glob("*/*.entry"))
    holding = [b'"json ' in entry.read_bytes() for entry in entries]
    # Every entry holds its JSON piece but the broken spec's (an error is rendered afresh). Entries are named
    # by a key that holds the spec's path, so which comes first changes from run to run.
    assert len(entries) > 3 and holding.count(False) == 1
    for entry in entries:
        entry.write_bytes(entry.read_bytes().replace(b"fail", b"pass"))
    again = check(repository, "-v", *args)
    assert again.stdout == first.stdout
    assert b"signature does not verify" in again.stderr


def test_a_sharded_store_stays_under_its_cap(tmp_path):
    """One entry per checked file, in folders by the key's first two characters, evicted like any other."""
    store = Store(tmp_path / "results", b"k" * 32, max_bytes=64 * 1024, notes=Notes(), shards=True)
    keys = [f"{n:032x}"[::-1] for n in range(200)]
    for key in keys:
        store.put(NAMESPACE, key, b"x" * 1024)
    entries = list((tmp_path / "results" / NAMESPACE).glob("*/*.entry"))
    assert len({entry.parent.name for entry in entries}) > 1
    assert sum(entry.stat().st_size for entry in entries) <= 64 * 1024 + 8 * 1024 + 2048
    assert store.get(NAMESPACE, keys[-1]) == b"x" * 1024
