"""A cache of check results, so a re-run over an unchanged design repository costs little more than reading it.

A file's result depends only on its bytes, its name (messages and locations carry
it), the rule set and knowledge base it was checked with, the options of the
check, and cellrules itself. The key hashes all of them: the rule set's key
(engine/cache.py) covers the grammar, every rule and knowledge file, the
cellrules version, Python's and cellrules' own source, so editing one rule file
invalidates every result, while editing one spec re-checks only that spec.

A format's rendering of a result (its piece, report/stream.py) is kept in the same
entry, by the format's configuration, so an unchanged file is neither checked nor
rendered again.

Entries are plain data: a JSON header, the rendered pieces as text, the result as
JSON compressed with zlib (never a pickle: nothing read back can run code), kept in
the user's signed store (engine/store.py), which returns only entries this user
wrote and keeps itself under a size cap; results live in their own store beside
the rule-set cache so thousands of them never evict the compiled rule set. A
result that says a bug was hit (an internal error) is never cached: the next
run, with the bug fixed or a traceback asked for, checks the file again.
"""
from __future__ import annotations

import hashlib
import json
import math
import zlib

import attrs

from cellrules.engine.results import FileResult, Finding, Input
from cellrules.errors import Location, SpecError

NAMESPACE = "result"
FORMAT = 2                      # the entry's layout; a change also changes the code hash in every key
# A result with its JSON rendering takes ~11 KB (the rendering kept as written, so a re-run only reads it; the
# result, read only for another format, compressed about 5x): 100,000 specs checked in text and JSON ~1.3 GB.
MAX_BYTES = 2 * 1024 * 1024 * 1024


class ResultCache:
    """Results by content: `key` for a file about to be checked, then `get`, or `put` after checking.

    An entry holds each format's rendering of the result (`pieces`: document key -> [status,
    piece], report/stream.py) first (see `_pieces`) and the result after it (zlib), in one file:
    creating files is most of what filling the cache costs, and a re-run that finds its
    format's piece parses only that line. `ruleset_keys`: each rule set's key
    (engine/cache.ruleset_key) by its rules_dirs.
    """

    def __init__(self, store, ruleset_keys: dict):
        self._store = store
        self._ruleset_keys = ruleset_keys
        self._prefix: tuple | None = None    # (options, rule-set key, the hash of both) of the last key

    def key(self, rules_dirs, path: str, options, data: bytes) -> str | None:
        ruleset = self._ruleset_keys.get(rules_dirs)
        if ruleset is None:
            return None     # its rule files could not be read for a key: checked, not cached
        last = self._prefix
        if last is None or last[0] is not options or last[1] != ruleset:   # one run checks every file alike
            last = self._prefix = (options, ruleset,
                                   hashlib.sha256(f"{FORMAT}\0{ruleset}\0{_options_text(options)}\0".encode()))
        digest = last[2].copy()
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
        return digest.hexdigest()[:32]

    def get(self, key: str) -> Entry | None:
        """The entry under `key`: its pieces read now, its result only when asked for (`result`)."""
        data = self._store.get(NAMESPACE, key)
        if data is None:
            return None
        pieces = _pieces(data)
        if pieces is None:
            self._store.reject(NAMESPACE, key, "not a check result of this cellrules")
            return None
        return Entry(key, data[pieces[0]:], pieces[1])

    def result(self, entry: Entry) -> FileResult | None:
        """The entry's result, built only when a format's piece was not cached (most re-runs need none)."""
        try:
            return result_from_json(json.loads(zlib.decompress(entry.stored)))
        except (ValueError, TypeError, KeyError, IndexError, zlib.error):
            self._store.reject(NAMESPACE, entry.key, "not a check result of this cellrules")
            return None

    def put(self, key: str, result: FileResult, pieces: dict | None = None) -> None:
        """Keep `result` (and `pieces`); one that is not plain data all through (a bug put an object in it) is
        not kept."""
        stored = result_to_json(result)
        if stored is None:
            return
        try:
            header, texts = {}, []
            for document, (status, piece) in (pieces or {}).items():
                parts = [piece] if isinstance(piece, str) else list(piece)   # a piece is a text or a list of them
                encoded = [part.encode("utf-8", "surrogatepass") for part in parts]
                header[document] = [status, len(encoded[0]) if isinstance(piece, str) else [len(e) for e in encoded]]
                texts.extend(encoded)
            data = (json.dumps(header, separators=(",", ":")) + "\n").encode() + b"".join(texts) + \
                zlib.compress(json.dumps(stored, separators=(",", ":"), allow_nan=False).encode(), 1)
        except (TypeError, ValueError, AttributeError):
            return
        self._store.put(NAMESPACE, key, data)


def _pieces(data: bytes) -> tuple[int, dict] | None:
    """(where the stored result begins, the pieces) of an entry's bytes; None if they are not an entry.

    An entry is a line of compact JSON, {document key: [status, length]} (for a piece that is a list
    of texts, a list of lengths), lengths in bytes; then the pieces as written, one after another (read
    back without unescaping 10 KB of JSON a file); then the result, compressed.
    """
    line, newline, _ = data.partition(b"\n")
    try:
        header = json.loads(line) if newline else None
    except ValueError:
        return None
    if not isinstance(header, dict):
        return None
    pieces, at = {}, len(line) + 1
    for document, value in header.items():
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
            return None
        lengths = value[1] if isinstance(value[1], list) else [value[1]]
        parts = []
        for length in lengths:
            if not (type(length) is int and 0 <= length <= len(data) - at):
                return None
            try:
                parts.append(data[at:at + length].decode("utf-8", "surrogatepass"))
            except UnicodeDecodeError:
                return None
            at += length
        pieces[document] = [value[0], parts if isinstance(value[1], list) else parts[0]]
    return at, pieces


@attrs.frozen
class Entry:
    key: str
    stored: bytes         # the result as plain data (result_to_json), as JSON, compressed
    pieces: dict          # document key -> [status, piece]


def open_result_cache(ruleset_keys: dict, environ=None) -> ResultCache | None:
    """The user's result cache, or None when caching is off or there is no safe place for it."""
    from cellrules.engine.store import open_store

    store = open_store(environ=environ, folder="cellrules-results", max_bytes=MAX_BYTES, shards=True)
    return None if store is None else ResultCache(store, ruleset_keys)


def _options_text(options) -> str:
    """Every field of the check's options, by name: any one changed, or one added later, gives other keys."""
    fields = {field.name: getattr(options, field.name) for field in attrs.fields(type(options))}
    return json.dumps(fields, sort_keys=True, default=str)     # dates as ISO text


# ------------------------------------------------------------------ the entry: a FileResult as plain data

def result_to_json(result: FileResult) -> list | None:
    """The parts of a result every format reads; None for one that cannot be cached (an internal error)."""
    if any(type(error) is not SpecError for error in result.errors):
        return None
    errors = [[e.message, e.location.path, e.location.line, e.location.column, e.hint] if e.location
              else [e.message, None, 0, 0, e.hint] for e in result.errors]
    findings = [[f.rule, f.outcome, f.severity, f.failure_mode, f.message, f.line, f.column,
                 [[i.name, i.value, i.source, _number(i.si), i.unit] for i in f.inputs],
                 list(f.mitigations), f.citation, list(f.missing), list(f.prerequisites), list(f.superseded),
                 f.reason, [list(group) for group in f.alternatives]] for f in result.findings]
    return [result.path, result.status, result.message, findings, errors]


def result_from_json(entry: list) -> FileResult:
    path, status, message, findings, errors = entry
    return FileResult(
        path, status,
        tuple(Finding(rule, outcome, severity, mode, text, line, column,
                      tuple(Input(name, value, source, _float(si), unit) for name, value, source, si, unit in inputs),
                      tuple(mitigations), citation, tuple(missing), tuple(prerequisites), tuple(superseded), reason,
                      tuple(tuple(group) for group in alternatives))
              for rule, outcome, severity, mode, text, line, column, inputs, mitigations, citation, missing,
              prerequisites, superseded, reason, alternatives in findings),
        message=message,
        errors=tuple(SpecError(text, Location(where, line, column) if where is not None else None, hint)
                     for text, where, line, column, hint in errors))


def _number(value):
    """JSON holds no infinity or NaN: such a value is kept as its name."""
    return value if value is None or math.isfinite(value) else repr(value)


def _float(value):
    return float(value) if isinstance(value, str) else value
