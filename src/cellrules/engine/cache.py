"""A cache of the compiled rule set, so a warm start imports neither Lark nor networkx.

The cache lives in the user's cache directory ($XDG_CACHE_HOME/cellrules), is
keyed by a hash of the grammar, every rule and knowledge file, the cellrules
version and the Python version, is written atomically (temp file + rename),
and is rebuilt silently when it is missing, stale or corrupt. It holds the
compiled rules and knowledge, never check results.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

from cellrules import __version__
from cellrules.engine.ruleset import RuleSet, build_ruleset, rule_files
from cellrules.knowledge.load import knowledge_files
from cellrules.resources import grammar_path


def cache_dir() -> Path | None:
    if os.environ.get("CELLRULES_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cellrules"


def _key(directories) -> str:
    digest = hashlib.sha256(f"{__version__}|{sys.version}".encode())
    for path in [grammar_path(), *rule_files(directories), *knowledge_files(directories)]:
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    for source in sorted(Path(__file__).resolve().parent.parent.rglob("*.py")):
        digest.update(source.read_bytes())  # a code change invalidates pickled classes
    return digest.hexdigest()[:32]


def cached_ruleset(directories) -> RuleSet:
    folder = cache_dir()
    if folder is None:
        return build_ruleset(directories)
    path = folder / f"ruleset-{_key(directories)}.pickle"
    try:
        with open(path, "rb") as handle:
            ruleset = pickle.load(handle)
        if isinstance(ruleset, RuleSet):
            return ruleset
    except Exception:  # noqa: BLE001 - any unreadable cache is rebuilt
        pass
    ruleset = build_ruleset(directories)
    write_atomically(path, pickle.dumps(ruleset, protocol=pickle.HIGHEST_PROTOCOL))
    return ruleset


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder and rename, so no reader sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except OSError:
        pass  # an unwritable cache only costs speed
