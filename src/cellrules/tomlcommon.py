"""The common shape of a cell spec, read in one pass: its data exactly as tomllib gives it, and its positions.

Nearly every spec is blank and comment lines, `[table]` and `[[array]]` headers of one bare
key, and `key = value` lines whose value is a string without escapes, a decimal number, a
boolean, or a one-line array of those. Reading such a document costs tomllib ~65 us and the
position scanner (tomlscan.py) ~30 us more; matched whole lines give both for about a third of
that (issue 14). Anything else (an escape, a dotted key or header, an inline table, a date,
a multi-line value, a control character, CRLF, a key or table defined twice, a number TOML
writes in another base) makes `read_common` return None, and the caller reads the text with
tomllib and the scanner as before, with tomllib's own errors. So this reader never diagnoses
and never accepts what tomllib refuses; tests/test_toml_positions.py holds the two readings
equal on random documents, valid or not.
"""
from __future__ import annotations

import re

_STRING = r'''"[^"\\\n]*"|'[^'\n]*\''''   # basic without escapes, or literal
_BARE_VALUE = r"""[^\s,\]}\#=\[{"']+"""
_ITEM = rf"(?:{_STRING}|{_BARE_VALUE})"
_END = r"[ \t]*(?:\#[^\n]*)?(?:\n|\Z)"
_LINE = re.compile(rf"""
      [ \t]*(?:\#[^\n]*)?\n
    | [ \t]*(?P<key>[A-Za-z0-9_-]+)[ \t]*=[ \t]*(?P<value>{_ITEM}){_END}
    | [ \t]*(?P<array_key>[A-Za-z0-9_-]+)[ \t]*=[ \t]*\[(?P<items>[ \t]*(?:{_ITEM}[ \t]*,[ \t]*)*(?:{_ITEM}[ \t]*)?)\]{_END}
    | [ \t]*(?P<open>\[\[?)[ \t]*(?P<name>[A-Za-z0-9_-]+)[ \t]*(?P<close>\]\]?){_END}
""", re.VERBOSE)
_ITEMS = re.compile(rf"[ \t]*({_ITEM})[ \t]*,?")
_INTEGER = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)")
_FLOAT = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")   # TOML forbids them outside escapes; \r: CRLF text
_MAX_DIGITS = 100     # a longer integer is tomllib's to read (and to refuse past Python's digit limit)
_KEY, _ARRAY, _HEADER = 2, 4, 7   # match.lastindex of each kind of line ("value", "items", "close")


class _NotCommon(Exception):
    """The document has something outside the common shape: tomllib reads it."""


def read_common(text: str) -> tuple[dict, dict] | None:
    """(data as tomllib.loads gives it, key path -> (line, column) as tomlscan.positions gives it),
    or None when the document is not of the common shape."""
    if _CONTROL.search(text):
        return None
    try:
        return _read(text)
    except _NotCommon:
        return None


def _read(text: str) -> tuple[dict, dict]:
    root: dict = {}
    table, path = root, ()
    arrays: set[str] = set()           # top-level names made by [[name]] headers
    found: dict = {}
    pos = line_start = 0
    line = 1
    # Anchored at each line (never finditer: searching on past a line that does not match would try
    # every later offset, quadratic in a long line).
    while pos < len(text):
        match = _LINE.match(text, pos)
        if match is None or match.end() == pos:
            raise _NotCommon
        kind = match.lastindex
        if kind == _KEY or kind == _ARRAY:
            key = match.group(kind - 1)
            if key in table:
                raise _NotCommon       # defined twice: tomllib says so
            key_path = (*path, key)
            found.setdefault(key_path, (line, match.start(kind - 1) - line_start + 1))
            if kind == _KEY:
                table[key] = _value(match.group(kind))
            else:
                items = []
                for index, item in enumerate(_ITEMS.finditer(text, match.start(kind), match.end(kind))):
                    items.append(_value(item.group(1)))
                    found.setdefault((*key_path, index), (line, item.start(1) - line_start + 1))
                table[key] = items
        elif kind == _HEADER:
            opening, name, closing = match.group("open", "name", "close")
            if len(opening) != len(closing):
                raise _NotCommon
            if len(opening) == 1:
                if name in root:
                    raise _NotCommon   # a table defined twice, or over a value
                table = root[name] = {}
                path = (name,)
            else:
                if name in root and name not in arrays:
                    raise _NotCommon
                elements = root.setdefault(name, [])
                arrays.add(name)
                table = {}
                elements.append(table)
                path = (name, len(elements) - 1)
            found.setdefault(path, (line, match.start("open") - line_start + 1))
        pos = line_start = match.end()
        line += 1
    return root, found


def _value(token: str):
    first = token[0]
    if first == '"' or first == "'":
        return token[1:-1]
    if token == "true":
        return True
    if token == "false":
        return False
    if len(token) <= _MAX_DIGITS:
        if _INTEGER.fullmatch(token):
            return int(token.replace("_", ""))
        if _FLOAT.fullmatch(token):
            return float(token.replace("_", ""))
    raise _NotCommon   # a date, inf, nan, 0x..., or not TOML
