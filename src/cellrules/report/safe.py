"""Strings from specs, rule packs and file names, made safe for each output before they are written.

Any string a user controls can reach a report: a custom material name, a rule's
message, a waiver reason, a file name. On a terminal a control character is a
command (an escape sequence retitles the window or clears the screen), a newline
forges a finding line, and a bidi control reorders what a reviewer reads. File
names need not be UTF-8 at all: Python decodes the bad bytes to lone surrogates,
which no UTF-8 stream can write and no JSON or XML parser accepts. Every format
therefore passes its strings through one of these helpers, and each shows the
offending character as a visible escape (`\\x1b`, `\\u202e`, `\\xe9` for the
undecodable byte 0xE9) instead of dropping it, so the user sees what is there.
"""
from __future__ import annotations

import re
from json.encoder import encode_basestring as _escaped   # the C escaper json.dumps(ensure_ascii=False) uses

# C0 and C1 controls, DEL; the line and paragraph separators and NEL that end a line in many
# viewers; bidi embeddings, overrides, isolates and marks; zero-width characters that hide text;
# lone surrogates (an undecodable byte of a file name, or a broken escape).
_INVISIBLE = "\u2028\u2029\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff\ufffe\uffff"
_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
_UNSAFE_BLOCK = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")   # keeps tab and newline
# XML 1.0 cannot carry these at all, not even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group(0)
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's surrogateescape: the undecodable byte itself
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def text_line(value) -> str:
    """One line of terminal text: no control, separator, bidi or surrogate character survives unescaped."""
    text = "" if value is None else str(value)
    return _UNSAFE_LINE.sub(_escape, text) if _UNSAFE_LINE.search(text) else text


def text_block(value) -> str:
    """Several lines of terminal text (a code block): newlines and tabs kept, everything else as in text_line."""
    text = "" if value is None else str(value)
    return _UNSAFE_BLOCK.sub(_escape, text)


def shown_path(path) -> str:
    """A file name as every format writes it: undecodable bytes and control characters as visible escapes."""
    return text_line(path)


def unicode_text(value) -> str:
    """A string any UTF-8 writer (JSON, SARIF) accepts: lone surrogates become visible escapes, the rest is kept
    (those formats escape control characters themselves)."""
    text = "" if value is None else str(value)
    return _SURROGATE.sub(_escape, text) if _SURROGATE.search(text) else text


def xml_text(value) -> str:
    """Text XML 1.0 can carry: the characters it forbids (and lone surrogates) as visible escapes."""
    text = "" if value is None else str(value)
    return _NOT_XML.sub(_escape, text) if _NOT_XML.search(text) else text


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_dumps(document, **options) -> str:
    """json.dumps that always writes valid JSON in UTF-8: a path's lone surrogates (in any field: a provenance
    names its file) become visible escapes, and a number JSON cannot hold (inf, NaN) its name as a string.
    A document without either costs one scan."""
    import json

    try:
        text = json.dumps(document, ensure_ascii=False, allow_nan=False, **options)
    except ValueError:
        text = None
    if text is not None and not _SURROGATE.search(text):
        return text
    return json.dumps(_clean_tree(document), ensure_ascii=False, allow_nan=False, **options)


def _clean_tree(value):
    if isinstance(value, str):
        return unicode_text(value)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        from cellrules.units import non_finite

        return non_finite(value)
    if isinstance(value, dict):
        return {_clean_tree(k): _clean_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_tree(v) for v in value]
    return value


def indented_json(value, indent: str) -> str:
    """`value` as json_dumps(value, indent=2) writes it nested at `indent` (every line but the first
    prefixed by it), byte for byte.

    Python's C encoder cannot indent, and json's pure-Python one is what `indent=2` runs. This
    writer of the report's plain trees (dicts, lists, strings, numbers) escapes strings with the
    C escaper: on 2,000 generated results, 97 us a result against 165 us for json.dumps(indent=2)
    and 61 us for the compact C encoding (an alternative writing each container of scalars with
    the C encoder measured slower, 126 us: one call per small container). Anything else (a
    surrogate, a non-finite number, a type it does not know) takes json_dumps itself.
    """
    out: list[str] = []
    try:
        _indented(value, indent, out)
    except _NotPlain:
        return json_dumps(_unwrapped(value), indent=2).replace("\n", "\n" + indent)
    text = "".join(out)
    if not text.isascii() and has_surrogate(text):
        return json_dumps(_unwrapped(value), indent=2).replace("\n", "\n" + indent)
    return text


class Prerendered:
    """A part of a report tree that recurs (a rule's mitigations in each of its findings, one input shown by
    several findings): `indented_json` writes it once per indent and then copies the text. The value
    must not change once wrapped."""

    __slots__ = ("value", "_texts")

    def __init__(self, value):
        self.value = value
        self._texts: dict[str, str] = {}

    def text(self, indent: str) -> str:
        text = self._texts.get(indent)
        if text is None:
            out: list[str] = []
            _indented(self.value, indent, out)
            text = self._texts[indent] = "".join(out)
        return text


def _unwrapped(value):
    """The tree with every Prerendered part replaced by its value (for json.dumps)."""
    if type(value) is Prerendered:
        return _unwrapped(value.value)
    if type(value) is dict:
        return {k: _unwrapped(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return [_unwrapped(v) for v in value]
    return value


def has_surrogate(text: str) -> bool:
    """Whether UTF-8 cannot write `text`; encoding costs a third of a regular-expression scan."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _NotPlain(Exception):
    """A value the fast writer leaves to json_dumps."""


_KEYS: dict = {}   # a dict key -> its JSON text and ": " (reports use a few hundred keys, over and over)


def _indented(value, indent: str, out: list) -> None:
    # One append per item, its separator and key included: appends were most of the cost.
    kind = type(value)
    if kind is dict:
        if not value:
            out.append("{}")
            return
        inner = indent + "  "
        separator = "{\n" + inner
        for key, item in value.items():
            written = _KEYS.get(key)
            if written is None:
                if type(key) is not str:
                    raise _NotPlain
                if len(_KEYS) >= 10_000:
                    _KEYS.clear()
                written = _KEYS[key] = _escaped(key) + ": "
            shape = type(item)
            if shape is str:
                out.append(separator + written + _escaped(item))
            elif shape is int:
                out.append(separator + written + int.__repr__(item))
            else:
                out.append(separator + written)
                _indented(item, inner, out)
            separator = ",\n" + inner
        out.append("\n" + indent + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        separator = "[\n" + inner
        for item in value:
            if type(item) is str:
                out.append(separator + _escaped(item))
            else:
                out.append(separator)
                _indented(item, inner, out)
            separator = ",\n" + inner
        out.append("\n" + indent + "]")
    elif kind is str:
        out.append(_escaped(value))
    elif kind is Prerendered:
        out.append(value.text(indent))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float and value == value and value not in (_INF, -_INF):
        out.append(float.__repr__(value))
    else:
        raise _NotPlain


_INF = float("inf")
