"""TOML text for the data of a cell spec (a materialized candidate).

Specs hold strings, numbers, booleans, lists, tables and arrays of tables; this
writes exactly those, keys in the order given, so the same candidate always
gives the same bytes. Reading the text back with tomllib gives the data again
(tests check the round trip).
"""
from __future__ import annotations

import datetime
import math
import re

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def key_text(key: str) -> str:
    return key if _BARE_KEY.match(key) else string_text(key)


def string_text(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def value_text(value) -> str:
    """A value as it stands after `key = ` (tables inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return string_text(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key_text(k)} = {value_text(v)}" for k, v in value.items()) + " }" if value else "{}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def document_text(data: dict, header: str = "") -> str:
    """A whole document: plain keys first, then each table, then each array of tables."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()] if header else []
    plain = [(k, v) for k, v in data.items() if not _is_table(v) and not _is_table_array(v)]
    for key, value in plain:
        lines.append(f"{key_text(key)} = {value_text(value)}")
    for key, value in data.items():
        if _is_table(value):
            lines.append("")
            lines.append(f"[{key_text(key)}]")
            lines.extend(f"{key_text(k)} = {value_text(v)}" for k, v in value.items())
        elif _is_table_array(value):
            for table in value:
                lines.append("")
                lines.append(f"[[{key_text(key)}]]")
                lines.extend(f"{key_text(k)} = {value_text(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"


def _is_table(value) -> bool:
    return isinstance(value, dict)


def _is_table_array(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
