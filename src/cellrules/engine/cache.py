"""A cache of the compiled rule set, so a warm start imports neither Lark nor networkx.

The compiled rule set is kept in the user's signed store (engine/store.py), keyed
by a hash of the grammar, every rule and knowledge file, the cellrules version,
the Python version and cellrules' own source. The entries are pickles, and a
pickle can run code, so an entry is unpickled only after its HMAC proves that
this user's cellrules wrote it: a planted, foreign, damaged or stale entry is
rebuilt, with a note under -v. It holds the compiled rules and knowledge, never
check results.

When the rule set must be rebuilt (a lab edited its pack), each rule and
knowledge file's parse result is also kept, by content, in the `parsed`
namespace: the built-in pack's hundred rules are then not parsed again for
every edit.
"""
from __future__ import annotations

import functools
import hashlib
import pickle
import sys
from pathlib import Path

from cellrules.version import __version__
from cellrules.engine.ruleset import RuleSet, build_ruleset, rule_files
from cellrules.engine.store import Store, open_store
from cellrules.fileio import read_regular
from cellrules.knowledge.load import knowledge_files
from cellrules.resources import grammar_path


def _code_digest() -> bytes:
    """cellrules' version, Python's and every source file: a code change invalidates pickled classes."""
    digest = hashlib.sha256(f"{__version__}|{sys.version}".encode())
    for source in sorted(Path(__file__).resolve().parent.parent.rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.digest()


# Read with the modules, not when the cache is first used: a process that imported the old code must
# not file its pickles under the key of code that changed on disk while it ran.
_CODE = _code_digest()


def ruleset_key(directories) -> str | None:
    """The rule set's key (the result cache's keys include it too), or None when a file cannot be read (the build then reports it, uncached)."""
    digest = hashlib.sha256(_CODE)
    try:
        for path in [grammar_path(), *rule_files(directories), *knowledge_files(directories)]:
            digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
            digest.update(read_regular(path))
    except OSError:
        return None
    return digest.hexdigest()[:32]


def cached_ruleset(directories) -> RuleSet:
    store = open_store()
    key = ruleset_key(directories) if store is not None else None
    if store is None or key is None:
        return build_ruleset(directories)
    ruleset = _unpickled(store, "ruleset", key, RuleSet)
    if ruleset is None:
        ruleset = build_ruleset(directories, memo=functools.partial(_parsed_once, store))
        store.put("ruleset", key, pickle.dumps(ruleset, protocol=pickle.HIGHEST_PROTOCOL))
    return ruleset


def parse_memo():
    """`memo(path, kind, parse)` keeping each file's parse in the signed store (None without a store), for
    callers that parse the rule files themselves (the screen's column compiler needs the checked AST)."""
    store = open_store()
    return functools.partial(_parsed_once, store) if store is not None else None


def _parsed_once(store: Store, path: Path, kind: type, parse):
    """The `kind` that `parse()` makes of this content of `path`: from the cache, or parsed now and kept."""
    try:
        content = read_regular(path)
    except OSError:
        return parse()  # it reports the unreadable file
    key = hashlib.sha256(_CODE + str(path).encode("utf-8", "surrogateescape") + b"\0" + content).hexdigest()[:32]
    value = _unpickled(store, "parsed", key, kind)
    if value is None:
        value = parse()
        store.put("parsed", key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value


def _unpickled(store: Store, namespace: str, key: str, kind: type):
    """A verified entry unpickled, when it is a `kind`; None (and a note) otherwise.

    Only bytes whose signature verifies reach pickle: this user's cellrules wrote them.
    """
    data = store.get(namespace, key)
    if data is None:
        return None
    try:
        value = pickle.loads(data)
    except Exception:  # noqa: BLE001 - our own entry from an incompatible build: rebuild it
        value = None
    if not isinstance(value, kind):
        store.reject(namespace, key, f"not a {kind.__name__} of this cellrules")
        return None
    return value
