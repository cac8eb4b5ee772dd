"""Read a TOML file and remember the line and column of every key.

tomllib returns plain dicts without positions, yet every message cellrules
prints points at `file:line:col`. A small line scanner therefore records, for
each key path, where its key was written: ("cell", "stack_pressure") or, for
arrays of tables, ("interlayer", 0, "material"). The scanner only needs to
follow headers and `key =` lines; tomllib has already validated the syntax.
"""
from __future__ import annotations

import re
import sys

import attrs

from cellrules.errors import CellrulesError, Location

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MAX_BYTES = 1024 * 1024

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r'^\s*((?:[A-Za-z0-9_-]+|"[^"]*")(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"))*)\s*=')
_INLINE_KEY = re.compile(r'([A-Za-z0-9_-]+)\s*=')
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
        path = tuple(key_path)
        while path:
            if path in self.positions:
                line, column = self.positions[path]
                return Location(self.path, line, column)
            path = path[:-1]
        return Location(self.path, 1, 1)


def read_toml(path: str, error_class=CellrulesError, max_bytes: int = MAX_BYTES) -> TomlDocument:
    """Read, size-check, decode and parse `path`; errors carry file:line:col."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        raise error_class(f"cannot read the file: {error.strerror or error}", Location(path)) from None
    if len(raw) > max_bytes:
        raise error_class(f"file is larger than {max_bytes // 1024} KiB", Location(path, 1, 1),
                          hint="a cell spec is a few kilobytes; is this the right file?")
    return parse_toml(raw, path, error_class)


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
        raise error_class("malformed TOML: nested too deeply", Location(path, 1, 1)) from None
    except ValueError:  # int() refuses more than sys.get_int_max_str_digits() digits
        line, column = _position_of(text, _LONG_NUMBER.search(text))
        raise error_class(f"malformed TOML: a number with more than {sys.get_int_max_str_digits()} digits",
                          Location(path, line, column), hint="no quantity of a cell needs that many digits") from None
    return TomlDocument(path, data, _positions(text))


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


def _split_key(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip().strip('"') for part in re.findall(r'"[^"]*"|[^.]+', dotted))


def _positions(text: str) -> dict:
    positions: dict = {}
    table: tuple = ()
    counts: dict = {}
    in_multiline = None
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if in_multiline in line:
                in_multiline = None
            continue
        if depth > 0:  # inside a multi-line array or inline table
            depth += _bracket_balance(line)
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            name = _in_arrays(_split_key(header.group(2)), counts)
            if header.group(1) == "[[":
                index = counts.get(name, 0)
                counts[name] = index + 1
                table = (*name, index)
            else:
                table = name
            positions.setdefault(table, (number, line.index("[") + 1))
            continue
        key = _KEY.match(line)
        if not key:
            continue
        path = (*table, *_split_key(key.group(1)))
        positions.setdefault(path, (number, line.index(key.group(1)[0]) + 1))
        rest = line[key.end():]
        if rest.lstrip().startswith("{"):
            offset = key.end() + (len(rest) - len(rest.lstrip()))
            for inner in _INLINE_KEY.finditer(line, offset):
                positions.setdefault((*path, inner.group(1)), (number, inner.start() + 1))
        for quote in ('"""', "'''"):
            if rest.count(quote) == 1:
                in_multiline = quote
        if not in_multiline:
            depth = _bracket_balance(rest)
    return positions


def _in_arrays(name: tuple, counts: dict) -> tuple:
    """A header's key path with the index of each enclosing array of tables.

    `[electrolyte.reaction.Li]` after the second `[[electrolyte]]` belongs to
    that element: ("electrolyte", 1, "reaction", "Li").
    """
    path: tuple = ()
    for part in name[:-1]:
        path = (*path, part)
        if path in counts:
            path = (*path, counts[path] - 1)
    return (*path, name[-1])


def _bracket_balance(fragment: str) -> int:
    """Open minus closed brackets outside strings and comments."""
    balance, quote = 0, None
    for char in fragment:
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in "[{":
            balance += 1
        elif char in "]}":
            balance -= 1
    return max(balance, 0)
