"""A cache of the compiled rule set, so a warm start imports neither Lark nor networkx.

The cache lives in the user's cache directory ($XDG_CACHE_HOME/cellrules), is
keyed by a hash of the grammar, every rule and knowledge file, the cellrules
version and the Python version, is written atomically (temp file + rename),
and is rebuilt silently when it is missing, stale or corrupt. It holds the
compiled rules and knowledge, never check results.

When the rule set must be rebuilt (a lab edited its pack), each rule and
knowledge file's parse result is also kept, by content, under `parsed/`: the
built-in pack's hundred rules are then not parsed again for every edit.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
from pathlib import Path

from cellrules.version import __version__
from cellrules.engine.ruleset import RuleSet, build_ruleset, rule_files
from cellrules.fileio import write_atomically as _write_file
from cellrules.knowledge.load import knowledge_files
from cellrules.resources import grammar_path


def cache_dir() -> Path | None:
    if os.environ.get("CELLRULES_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cellrules"


def _code_digest() -> bytes:
    """cellrules' version, Python's and every source file: a code change invalidates pickled classes."""
    digest = hashlib.sha256(f"{__version__}|{sys.version}".encode())
    for source in sorted(Path(__file__).resolve().parent.parent.rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.digest()


# Read with the modules, not when the cache is first used: a process that imported the old code must
# not file its pickles under the key of code that changed on disk while it ran.
_CODE = _code_digest()


def _key(directories) -> str:
    digest = hashlib.sha256(_CODE)
    for path in [grammar_path(), *rule_files(directories), *knowledge_files(directories)]:
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def cached_ruleset(directories) -> RuleSet:
    folder = cache_dir()
    if folder is None:
        return build_ruleset(directories)
    path = folder / f"ruleset-{_key(directories)}.pickle"
    ruleset = _read(path)
    if not isinstance(ruleset, RuleSet):
        ruleset = build_ruleset(directories, memo=functools.partial(_parsed_once, folder / "parsed"))
        write_atomically(path, pickle.dumps(ruleset, protocol=pickle.HIGHEST_PROTOCOL))
    return ruleset


def _parsed_once(folder: Path, path: Path, kind: type, parse):
    """The `kind` that `parse()` makes of this content of `path`: from the cache, or parsed now and kept."""
    try:
        content = path.read_bytes()
    except OSError:
        return parse()  # it reports the unreadable file
    entry = folder / (hashlib.sha256(_CODE + str(path).encode() + content).hexdigest()[:32] + ".pickle")
    value = _read(entry)
    if not isinstance(value, kind):
        value = parse()
        write_atomically(entry, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value


def _read(path: Path):
    """A pickled cache entry, or None when it is missing, truncated or corrupt."""
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except Exception:  # noqa: BLE001 - any unreadable cache entry is rebuilt
        return None


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder and rename, so no reader sees half a file.

    An unwritable cache only costs speed, so a failed write is silent (reports use
    cellrules.fileio, which raises).
    """
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_file(path, data)
