"""Read a TOML file and remember the line and column of every key.

tomllib returns plain dicts without positions, yet every message cellrules
prints points at `file:line:col`; tomlscan.py therefore records, for each key
path, where its key was written: ("cell", "stack_pressure") or, for arrays of
tables, ("interlayer", 0, "material").
"""
from __future__ import annotations

import re
import sys

import attrs

from cellrules.errors import CellrulesError, Location
from cellrules.fileio import read_problem, read_regular
from cellrules.tomlcommon import read_common

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MAX_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_DECLARED_TWICE = re.compile(r"Cannot declare \((.*)\) twice")
_TUPLE_PART = re.compile(r"'([^']*)'")
_LONG_NUMBER = re.compile(r"[\d_]{4000,}")


@attrs.frozen
class TomlDocument:
    path: str
    data: dict
    positions: dict  # key path tuple -> (line, column)

    def where(self, *key_path) -> Location:
        """The location of a key, else of its nearest enclosing table, else line 1."""
        found = self.positions.get(key_path)    # nearly always: the key was written
        if found is not None:
            return Location(self.path, found[0], found[1])
        path = key_path[:-1]
        while path:
            if path in self.positions:
                line, column = self.positions[path]
                return Location(self.path, line, column)
            path = path[:-1]
        return Location(self.path, 1, 1)


def read_toml(path: str, error_class=CellrulesError, max_bytes: int = MAX_BYTES,
              source: bytes | None = None) -> TomlDocument:
    """Read, size-check, decode and parse `path` (or `source`, bytes read already); errors carry file:line:col."""
    return parse_toml(_read_bytes(path, error_class, max_bytes, source), path, error_class)


def read_toml_text(path: str, error_class=CellrulesError, source: bytes | None = None) -> tuple[TomlDocument, str, bool]:
    """`read_toml`, and the text with whether it began with a byte-order mark: for tools that edit the text
    (`suggest --apply` keeps every other byte, so it needs the text exactly as read, from one read)."""
    raw = _read_bytes(path, error_class, MAX_BYTES, source)
    return parse_toml(raw, path, error_class), decode_utf8(raw, path, error_class), raw.startswith(_BOM)


def _read_bytes(path: str, error_class, max_bytes: int, source: bytes | None) -> bytes:
    if source is not None:
        raw = source[:max_bytes + 1]
    else:
        try:
            raw = read_regular(path, max_bytes)
        except OSError as error:
            raise error_class(f"cannot read the file: {read_problem(path, error)}", Location(path)) from None
    if len(raw) > max_bytes:
        raise error_class(f"file is larger than {max_bytes // 1024} KiB", Location(path, 1, 1),
                          hint="a cell spec is a few kilobytes; is this the right file?")
    return raw


def decode_utf8(raw: bytes, path: str, error_class=CellrulesError) -> str:
    """The text of a file that must be UTF-8; a bad byte is reported at its line and column."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise error_class(f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x})",
                          Location(path, line, column), hint="save the file as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def parse_toml(raw: bytes, path: str, error_class=CellrulesError) -> TomlDocument:
    text = decode_utf8(raw, path, error_class)
    common = read_common(text)    # nearly every spec: data and positions in one pass (tomlcommon.py)
    if common is not None:
        return TomlDocument(path, *common)
    from cellrules.tomlscan import deepest_nesting, positions   # the rare spec of another shape: not at start-up

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _TOML_POSITION.search(message)
        line, column = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        reason = _TOML_POSITION.sub("", message).strip().rstrip(".")
        reason = _DECLARED_TWICE.sub(lambda m: f"table [{'.'.join(_TUPLE_PART.findall(m.group(1)))}] is declared twice",
                                     reason)  # tomllib prints the table as a Python tuple
        raise error_class(f"malformed TOML: {reason}", Location(path, line, column),
                          hint=_toml_hint(reason)) from None
    except RecursionError:
        line, column, depth = deepest_nesting(text)
        raise error_class(f"malformed TOML: arrays or inline tables nested {depth} deep, too deep to read",
                          Location(path, line, column), hint="no cellrules file nests more than a few levels") from None
    except ValueError:  # int() refuses more than sys.get_int_max_str_digits() digits
        line, column = _position_of(text, _LONG_NUMBER.search(text))
        raise error_class(f"malformed TOML: a number with more than {sys.get_int_max_str_digits()} digits",
                          Location(path, line, column), hint="no quantity of a cell needs that many digits") from None
    return TomlDocument(path, data, positions(text))


def _position_of(text: str, match) -> tuple[int, int]:
    if match is None:
        return 1, 1
    line_start = text.rfind("\n", 0, match.start()) + 1
    return text.count("\n", 0, match.start()) + 1, match.start() - line_start + 1


def _toml_hint(reason: str) -> str:
    if "Invalid value" in reason or "invalid value" in reason.lower():
        return 'quote strings and quantities: name = "...", stack_pressure = "5 MPa"'
    if "Cannot overwrite" in reason or "declared twice" in reason:
        return "each key and table may appear once"
    if reason == "Illegal character '\\n'":  # a string still open at the end of its line
        return 'close the string on its line: name = "..." (use """...""" for several lines)'
    if "Expected '=' after a key" in reason or "expected '='" in reason.lower():
        return "write key = value; quote strings"
    return ""


