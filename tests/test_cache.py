"""The rule-set cache only ever costs or saves time, and never runs code it did not write (issue 13, D1, D20).

Entries are signed with a per-user key kept outside the cache: a planted pickle, an entry
from another user's cache, a damaged, truncated or non-regular entry is rebuilt (a note with
-v, silence without), never executed or trusted. A cache directory others can write or
another user owns is not used; a relative XDG_CACHE_HOME is ignored; a missing HOME is never
created; the store stays under its size cap; a run killed while writing leaves no
half-written file under a final name.
"""
from __future__ import annotations

import os
import pickle
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cellrules.engine.store import Store, open_store, private_directory, secret_key, xdg_base
from cellrules.notes import Notes
from conftest import EXAMPLES, TODAY

SPEC = EXAMPLES / "li-lgps-bad.toml"


def environment(root: Path, **extra) -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=str(root / "cache"), XDG_STATE_HOME=str(root / "state"))
    env.pop("CELLRULES_NO_CACHE", None)
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def check(root: Path, *args, cwd=None, **extra):
    return subprocess.run([sys.executable, "-m", "cellrules", "check", "--today", TODAY.isoformat(), *args, str(SPEC)],
                          env=environment(root, **extra), capture_output=True, text=True, timeout=300, cwd=cwd)


def entries(root: Path, namespace: str = "*") -> list[Path]:
    return sorted((root / "cache" / "cellrules").glob(f"{namespace}/*.entry"))


def same(run, first) -> bool:
    """The same exit code and findings; -v adds a status line per file."""
    findings = [line for line in run.stdout.splitlines() if not re.match(r"^\S+: (pass|fail|incomplete|error)$", line)]
    return run.returncode == first.returncode and findings == first.stdout.splitlines()


def store_of(root: Path) -> Store:
    return open_store(environ=environment(root), notes=Notes())


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """A cold run that fills a fresh cache; every later run must print exactly what it printed."""
    root = tmp_path_factory.mktemp("cache")
    run = check(root)
    assert run.returncode == 1 and run.stderr == ""
    assert len(entries(root, "ruleset")) == 1 and entries(root, "parsed")
    return root, run


def test_the_key_lives_outside_the_cache_and_is_private(first_run):
    root, _ = first_run
    key = root / "state" / "cellrules" / "cache-key"
    assert key.stat().st_mode & 0o777 == 0o600 and (root / "state" / "cellrules").stat().st_mode & 0o077 == 0
    assert not any(p.name == "cache-key" for p in (root / "cache").rglob("*"))
    assert (root / "cache" / "cellrules" / "ruleset").stat().st_mode & 0o077 == 0


DAMAGE = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "flipped": lambda data: data[:-10] + bytes([data[-10] ^ 1]) + data[-9:],
    "header-only": lambda data: data[:50],
    "unsigned-pickle": lambda data: pickle.dumps({"a": "dict, not a rule set"}),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_cache_is_rebuilt_with_a_note_under_verbose(first_run, damage):
    root, first = first_run
    (ruleset_file,) = entries(root, "ruleset")
    for entry in entries(root):
        entry.write_bytes(DAMAGE[damage](entry.read_bytes()))
    quiet = check(root)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (first.returncode, first.stdout, "")
    for entry in entries(root):
        entry.write_bytes(DAMAGE[damage](entry.read_bytes()))
    verbose = check(root, "-v")
    assert same(verbose, first)
    assert "note: cache entry ignored and rebuilt" in verbose.stderr and str(ruleset_file) in verbose.stderr
    assert store_of(root).get("ruleset", ruleset_file.stem) is not None  # whole and verified again


PAYLOAD = textwrap.dedent("""
    import os, pickle, sys
    from pathlib import Path

    class Payload:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + sys.argv[2],))

    data = pickle.dumps(Payload())
    for entry in Path(sys.argv[1]).rglob("*"):
        if entry.is_file():
            # A bare pickle, and one behind a signed entry's header (whose signature cannot match).
            entry.write_bytes(data if entry.stat().st_size % 2 else entry.read_bytes()[:50] + data)
    """)


def test_a_planted_pickle_never_runs(tmp_path, first_run):
    """D1: whoever can write the cache directory can plant a pickle at the computed path; it must not run."""
    _, first = first_run
    check(tmp_path)  # fill this cache
    marker = tmp_path / "pwned"
    subprocess.run([sys.executable, "-c", PAYLOAD, str(tmp_path / "cache"), str(marker)], check=True)
    run = check(tmp_path, "-v")
    assert not marker.exists()
    assert same(run, first)
    assert "cache entry ignored and rebuilt" in run.stderr


def test_an_entry_signed_by_another_user_is_not_trusted(tmp_path, first_run):
    """A CI cache restored from elsewhere holds well-formed entries signed with another key."""
    root, first = first_run
    check(tmp_path)
    mine = {p.relative_to(tmp_path / "cache"): p for p in entries(tmp_path)}
    for relative, path in mine.items():
        path.write_bytes((root / "cache" / relative).read_bytes() if (root / "cache" / relative).exists() else b"")
    for ruleset in entries(root, "ruleset"):
        target = tmp_path / "cache" / "cellrules" / "ruleset" / ruleset.name
        target.write_bytes(ruleset.read_bytes())  # valid under the other key, not under ours
    run = check(tmp_path, "-v")
    assert same(run, first)
    assert "signature does not verify" in run.stderr


def test_a_fifo_at_an_entry_path_is_damage_not_a_hang(tmp_path, first_run):
    _, first = first_run
    check(tmp_path)
    (entry,) = entries(tmp_path, "ruleset")
    entry.unlink()
    os.mkfifo(entry)
    run = check(tmp_path, "-v")  # would block forever opening the FIFO for reading
    assert same(run, first)
    assert "a FIFO, not a cache entry" in run.stderr
    assert entry.is_file()  # replaced by a real entry


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_a_cache_directory_others_may_write_is_not_used(tmp_path, first_run, mode):
    _, first = first_run
    folder = tmp_path / "cache" / "cellrules"
    folder.mkdir(parents=True)
    folder.chmod(mode)
    run = check(tmp_path, "-v")
    assert same(run, first)
    assert "cache not used: the directory may be written by" in run.stderr
    assert not list(folder.rglob("*.entry"))


def test_a_directory_another_user_owns_is_refused(tmp_path):
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    assert private_directory(folder, os.getuid(), create=False) == ""
    assert "owned by user" in private_directory(folder, os.getuid() + 1, create=False)
    notes = Notes()
    store = Store(folder, b"k" * 32, uid=os.getuid() + 1, notes=notes)
    store.put("ruleset", "abc123", b"data")
    assert store.get("ruleset", "abc123") is None and not list(folder.rglob("*.entry"))
    assert any("owned by user" in n.message for n in notes.drain())


def test_a_key_others_can_read_is_replaced(tmp_path):
    state = tmp_path / "state"
    first = secret_key(state, notes=Notes())
    assert len(first) == 32 and secret_key(state, notes=Notes()) == first
    (state / "cache-key").chmod(0o644)
    notes = Notes()
    second = secret_key(state, notes=notes)
    assert second is not None and second != first and (state / "cache-key").stat().st_mode & 0o777 == 0o600
    assert "cache key replaced" in notes.drain()[0].message
    state.chmod(0o777)
    assert secret_key(state, notes=Notes()) is None  # a key folder others can write could hold their key


def test_a_relative_xdg_cache_home_is_ignored(tmp_path, first_run):
    _, first = first_run
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    run = check(tmp_path, cwd=work, XDG_CACHE_HOME="relative-cache", XDG_STATE_HOME="relative-state", HOME=str(home))
    assert (run.returncode, run.stdout, run.stderr) == (first.returncode, first.stdout, "")
    assert list(work.iterdir()) == []  # nothing written into the working directory
    assert list((home / ".cache" / "cellrules" / "ruleset").glob("*.entry"))
    assert (home / ".local" / "state" / "cellrules" / "cache-key").is_file()
    assert xdg_base("XDG_CACHE_HOME", ".cache", {"XDG_CACHE_HOME": "rel", "HOME": str(home)}) == home / ".cache"


def test_a_missing_home_is_never_created(tmp_path, first_run):
    _, first = first_run
    home = tmp_path / "no" / "such" / "home"
    run = check(tmp_path, "-v", XDG_CACHE_HOME=None, XDG_STATE_HOME=None, HOME=str(home))
    assert same(run, first)
    assert not (tmp_path / "no").exists()
    assert "cache not used: no cache directory" in run.stderr


def test_the_store_evicts_the_least_recently_used_entries(tmp_path):
    filling = Store(tmp_path / "store", b"s" * 32, notes=Notes())
    for i in range(12):
        filling.put("result", f"k{i:02d}", bytes(900))
        os.utime(filling.folder / "result" / f"k{i:02d}.entry", (1000 + i, 1000 + i))
    notes = Notes()
    store = Store(tmp_path / "store", b"s" * 32, max_bytes=8 * 1000, notes=notes)
    assert store.get("result", "k00") is not None  # used now: the most recent
    store.put("result", "k12", bytes(900))          # a process's first write sweeps
    kept = sorted(p.stem for p in (store.folder / "result").glob("*.entry"))
    total = sum(p.stat().st_size for p in (store.folder / "result").glob("*.entry"))
    assert total <= store.max_bytes
    assert "k00" in kept and "k12" in kept and "k01" not in kept and "k11" in kept
    assert any("evicted" in n.message for n in notes.drain())


def test_an_entry_is_bound_to_its_key(tmp_path):
    store = Store(tmp_path / "store", b"s" * 32, notes=Notes())
    store.put("result", "aaaa", b"one")
    store.put("result", "bbbb", b"two")
    assert (store.get("result", "aaaa"), store.get("result", "bbbb")) == (b"one", b"two")
    (store.folder / "result" / "bbbb.entry").write_bytes((store.folder / "result" / "aaaa.entry").read_bytes())
    assert store.get("result", "bbbb") is None  # a valid entry moved to another key does not verify
    assert Store(tmp_path / "store", b"t" * 32, notes=Notes()).get("result", "aaaa") is None  # another key


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
    assert "lab.pressure-cap" in check(tmp_path, "--rules", str(pack)).stdout
    (pack / "lab.rules").write_text(rule.replace("LIMIT", "100 MPa"), encoding="utf-8")
    assert "lab.pressure-cap" not in check(tmp_path, "--rules", str(pack)).stdout


WRITER = """
import os, sys, time
from pathlib import Path
from cellrules.fileio import replace_file

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
replace_file(Path(sys.argv[1]), b"new " * 100_000, 0o600)
"""


@pytest.mark.parametrize("existing", [None, b"old, complete content"])
def test_a_kill_while_writing_leaves_no_partial_file_under_the_final_name(tmp_path, existing):
    target = tmp_path / "0123.entry"
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
    for delay in (0.2, 0.5, 0.9):
        run = subprocess.Popen([sys.executable, "-m", "cellrules", "check", "--today", TODAY.isoformat(), str(SPEC)],
                               env=environment(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        store = store_of(tmp_path) if (tmp_path / "state" / "cellrules" / "cache-key").exists() else None
        for entry in entries(tmp_path):
            assert store.get(entry.parent.name, entry.stem) is not None  # every file under a final name is whole
    after = check(tmp_path)
    assert (after.returncode, after.stdout, after.stderr) == (first.returncode, first.stdout, "")
