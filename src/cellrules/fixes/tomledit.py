"""A suggestion written into the spec's own text: every other byte, comments included, stays as it was.

The key positions come from the TOML reader (tomlfile.py): a changed value is replaced where its key
was written, a new key goes after the last key of its table, a new [[interlayer]] after the last one
(or at the end of the file), and a removed [[waiver]] takes its header and key lines with it. Nothing is re-serialised. The edited text is then parsed again and must
equal the parsed original with the same edits applied to its data; where it would not (a layout the
editor does not handle, such as a value spread over several lines), the edit is refused with an
error rather than written wrong.
"""
from __future__ import annotations

import copy
import json
import re
import sys

from cellrules.errors import CellrulesError, Location
from cellrules.fixes.edits import AppendTable, RemoveTable, SetKey

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_KEY = re.compile(r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')\s*=\s*')
_SCALAR = re.compile(r"[^\s,#}\]]+")


class EditError(CellrulesError):
    """An edit that cannot be written into this file's text without changing anything else."""


def apply_data(data: dict, operations) -> dict:
    """The parsed spec with the operations applied (the original is not changed)."""
    edited = copy.deepcopy(data)
    for op in operations:
        if isinstance(op, SetKey):
            table = edited
            for part in op.table:
                table = table[part] if isinstance(part, int) else table.setdefault(part, {})
            table[op.key] = copy.deepcopy(op.value)
        elif isinstance(op, AppendTable):
            edited.setdefault(op.array, []).append({key: copy.deepcopy(value) for key, value in op.items})
    removed = sorted(((op.array, op.index) for op in operations if isinstance(op, RemoveTable)), reverse=True)
    for array, index in removed:                 # last first: the indexes are the original file's
        del edited[array][index]
        if not edited[array]:
            del edited[array]
    return edited


def apply_text(text: str, document, operations) -> str:
    """`text` (whose parse is `document`) with the operations written in; raises EditError."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    replaced: dict[int, list] = {}      # line index -> [(column, key length, new value), ...]
    inserted: dict[int, list] = {}      # insert after line index (-1: before the first) -> lines
    removed: set[int] = set()           # line indexes of removed tables
    for op in operations:
        if isinstance(op, SetKey):
            where = document.positions.get((*op.table, op.key))
            if where is not None:
                replaced.setdefault(where[0] - 1, []).append((where[1] - 1, op.value))
            else:
                inserted.setdefault(_after_table(lines, document, op.table), []).append(
                    f"{op.key} = {_literal(op.value)}{newline}")
        elif isinstance(op, AppendTable):
            block = [newline, f"[[{op.array}]]{newline}",
                     *(f"{key} = {_literal(value)}{newline}" for key, value in op.items)]
            inserted.setdefault(_after_array(lines, document, op.array), []).extend(block)
        elif isinstance(op, RemoveTable):
            removed.update(_table_lines(lines, document, (op.array, op.index)))
    out = list(inserted.get(-1, ()))
    for i, line in enumerate(lines):
        for column, value in sorted(replaced.get(i, ()), reverse=True):
            line = _replace_value(line, column, value, document.path, i + 1)
        if i not in removed:
            out.append(line)
        out.extend(inserted.get(i, ()))
    edited = "".join(out)
    _check(edited, document, operations)
    return edited


def _check(edited: str, document, operations) -> None:
    try:
        parsed = tomllib.loads(edited)
    except tomllib.TOMLDecodeError as error:
        raise EditError(f"the edit would make the file invalid TOML ({error})", Location(document.path)) from None
    if parsed != apply_data(document.data, operations):
        raise EditError("the edit cannot be written into this file's layout without changing other values",
                        Location(document.path), hint="apply it by hand")


def _replace_value(line: str, column: int, value, path: str, number: int) -> str:
    key = _KEY.match(line, column)
    if key is None:
        raise EditError("cannot find the key to edit", Location(path, number, column + 1))
    start = key.end()
    end = _value_end(line, start)
    if end is None:
        raise EditError("cannot edit a value written over several lines", Location(path, number, start + 1),
                        hint="apply the suggestion by hand")
    return line[:start] + _literal(value) + line[end:]


def _value_end(line: str, start: int) -> int | None:
    """Where the value starting at `start` ends on this line; None when it continues on the next."""
    if line.startswith(('"""', "'''"), start):
        return None
    first = line[start:start + 1]
    if first == '"':
        match = re.compile(r'"(?:[^"\\\n]|\\.)*"').match(line, start)
        return match.end() if match else None
    if first == "'":
        close = line.find("'", start + 1)
        return close + 1 if close > 0 else None
    if first in "[{":
        return _bracket_end(line, start)
    match = _SCALAR.match(line, start)
    return match.end() if match else None


def _bracket_end(line: str, start: int) -> int | None:
    depth, quote, i = 0, None, start
    while i < len(line):
        char = line[i]
        if quote:
            if char == "\\" and quote == '"':
                i += 1
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return None
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _last_key_line(lines, document, table: tuple) -> int | None:
    """The index of the last line holding a key of `table` itself, if its value ends on that line."""
    rows = [(line, column) for path, (line, column) in document.positions.items()
            if len(path) == len(table) + 1 and path[:len(table)] == table]
    if not rows:
        return None
    line, column = max(rows)
    key = _KEY.match(lines[line - 1], column - 1)
    if key is None or _value_end(lines[line - 1], key.end()) is None:
        return None
    return line - 1


def _table_lines(lines, document, table: tuple) -> range:
    """The lines of a table from its header to its last key, and a blank line before it that would be left doubled."""
    header = document.positions.get(table)
    last = _last_key_line(lines, document, table)
    if header is None or last is None:
        raise EditError(f"cannot find the lines of [[{table[0]}]] {table[1] + 1} to remove", Location(document.path),
                        hint="remove it by hand")
    start = header[0] - 1
    blank_before = start > 0 and not lines[start - 1].strip()
    blank_after = last + 1 >= len(lines) or not lines[last + 1].strip()
    return range(start - 1 if blank_before and blank_after else start, last + 1)


def _after_table(lines, document, table: tuple) -> int:
    last = _last_key_line(lines, document, table)
    if last is not None:
        return last
    header = document.positions.get(table)
    if header is None:
        raise EditError(f"the spec has no [{'.'.join(map(str, table))}] table to add the key to",
                        Location(document.path), hint="add the table, then run suggest again")
    return header[0] - 1


def _after_array(lines, document, array: str) -> int:
    count = len(document.data.get(array, ())) if isinstance(document.data.get(array), list) else 0
    if count:
        line = _last_key_line(lines, document, (array, count - 1))
        if line is not None:
            return line
    return len(lines) - 1


def _literal(value) -> str:
    """A TOML literal: a basic string (JSON's escapes are TOML's) or an array of them."""
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
