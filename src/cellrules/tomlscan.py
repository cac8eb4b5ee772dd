"""Where each key of a TOML document was written: a token scanner that follows TOML's grammar.

tomllib returns plain dicts without positions, yet every message points at
`file:line:col`. This scanner reads the same text and records, for every key
path, the line and column of its key: ("cell", "stack_pressure"), for arrays of
tables ("interlayer", 0, "material"), for array elements ("sei", "components", 1).
It reads keys the way TOML does (bare, "basic" with escapes, 'literal', dotted,
with spaces around the dots) and skips strings of all four kinds, so a quote, a
bracket or a `key =` inside a string never moves a position.

It runs on every checked spec, so it moves by whole tokens with precompiled
regular expressions rather than character by character, and it never recurses:
an array nested 100,000 deep is a list of open brackets, not a call stack. The
text has been validated by tomllib first (except by `deepest_nesting`, which
locates the nesting tomllib could not parse), so on input that is not TOML it
only has to stop, never to diagnose.
"""
from __future__ import annotations

import bisect
import re

# Whitespace, comments and (where the grammar allows them) newlines between tokens.
_BLANK = re.compile(r"[ \t]*(?:#[^\n]*)?")
_BLANK_LINES = re.compile(r"(?:[ \t\r\n]*(?:#[^\n]*)?)*")
_KEY_PART = re.compile(r"""[ \t]*(?:([A-Za-z0-9_-]+)|"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)')[ \t]*""")
_STRING = re.compile(r'''
      """(?:[^"\\]|\\[\s\S]|""?(?!"))*"{3,5}     # multi-line basic: up to two quotes may end its content
    | \'\'\'[\s\S]*?\'{3,5}                      # multi-line literal
    | "(?:[^"\\\n]|\\.)*"                        # basic
    | '[^'\n]*'                                  # literal
''', re.VERBOSE)
# Numbers, booleans, dates and times; a date-time may hold one space before its time.
_SCALAR = re.compile(r"[^\s,\]}#=]+(?: \d\d:\d\d[^\s,\]}#]*)?")
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_SIMPLE_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "e": "\x1b", '"': '"', "\\": "\\"}


def positions(text: str) -> dict:
    """Key path tuple -> (line, column), 1-based, of the first place each key or table was written."""
    return _Scanner(text).document()


def deepest_nesting(text: str) -> tuple[int, int, int]:
    """(line, column, depth) of the key whose value nests arrays or inline tables deepest; (1, 1, 0) if none."""
    scanner = _Scanner(text)
    scanner.document()
    return scanner.deepest


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.found: dict = {}
        self.table: tuple = ()
        self.arrays: dict = {}           # array-of-tables path (with enclosing indexes) -> elements so far
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.deepest = (1, 1, 0)

    # -------------------------------------------------------------- positions

    def where(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def record(self, path: tuple, offset: int) -> None:
        if path not in self.found:
            self.found[path] = self.where(offset)

    # -------------------------------------------------------------- grammar

    def document(self) -> dict:
        text = self.text
        while True:
            self.pos = _BLANK_LINES.match(text, self.pos).end()
            if self.pos >= len(text):
                return self.found
            start = self.pos
            if text.startswith("[", start):
                ok = self.header()
            else:
                ok = self.key_value()
            if not ok:  # not TOML after all (only deepest_nesting sees such text): resume on the next line
                newline = text.find("\n", max(self.pos, start + 1))
                if newline < 0:
                    return self.found
                self.pos = newline + 1

    def header(self) -> bool:
        start = self.pos
        double = self.text.startswith("[[", start)
        self.pos += 2 if double else 1
        parts = self.key()
        if parts is None:
            return False
        close = "]]" if double else "]"
        if not self.text.startswith(close, self.pos):
            return False
        self.pos += len(close)
        path = self._in_arrays(parts)
        if double:
            index = self.arrays.get(path, 0)
            self.arrays[path] = index + 1
            path = (*path, index)
        self.table = path
        self.record(path, start)
        return True

    def _in_arrays(self, parts: tuple) -> tuple:
        """A header's key path with the current index of every enclosing array of tables.

        `[electrolyte.reaction.Li]` after the second `[[electrolyte]]` belongs to
        that element: ("electrolyte", 1, "reaction", "Li").
        """
        path: tuple = ()
        for part in parts[:-1]:
            path = (*path, part)
            if path in self.arrays:
                path = (*path, self.arrays[path] - 1)
        return (*path, parts[-1])

    def key_value(self, prefix: tuple | None = None) -> bool:
        start = self.pos
        parts = self.key()
        if parts is None or not self.text.startswith("=", self.pos):
            return False
        base = self.table if prefix is None else prefix
        for length in range(1, len(parts) + 1):   # a dotted key defines its enclosing tables where it stands
            self.record((*base, *parts[:length]), start)
        self.pos += 1
        return self.value((*base, *parts), start)

    def key(self) -> tuple | None:
        """A (dotted) key, as the strings tomllib uses for it; None if there is none here."""
        parts = []
        while True:
            match = _KEY_PART.match(self.text, self.pos)
            if match is None:
                return None
            bare, basic, literal = match.groups()
            parts.append(bare if bare is not None else _unescape(basic) if basic is not None else literal)
            self.pos = match.end()
            if not self.text.startswith(".", self.pos):
                return tuple(parts)
            self.pos += 1

    def value(self, path: tuple, key_start: int) -> bool:
        """One value, however deeply its arrays and inline tables nest, with an explicit stack of open ones."""
        text = self.text
        open_: list[list] = []          # [kind "[" or "{", path, element index]
        current = path
        while True:
            # ---- at the start of a value (or of a closing bracket in an open array or table)
            self.pos = (_BLANK_LINES if open_ and open_[-1][0] == "[" else _BLANK).match(text, self.pos).end()
            char = text[self.pos:self.pos + 1]
            closed = False
            if open_ and open_[-1][0] == "[" and char == "]":
                closed = True
            elif open_ and open_[-1][0] == "{":
                if char == "}":
                    closed = True
                else:
                    key_at = self.pos
                    parts = self.key()
                    if parts is None or not text.startswith("=", self.pos):
                        return False
                    for length in range(1, len(parts) + 1):
                        self.record((*open_[-1][1], *parts[:length]), key_at)
                    current = (*open_[-1][1], *parts)
                    self.pos = _BLANK.match(text, self.pos + 1).end()
                    char = text[self.pos:self.pos + 1]
            elif open_:
                current = (*open_[-1][1], open_[-1][2])
                self.record(current, self.pos)
            if closed:
                self.pos += 1
                open_.pop()
            elif char in ("[", "{"):
                open_.append([char, current, 0])
                self.pos += 1
                if len(open_) > self.deepest[2]:
                    self.deepest = (*self.where(key_start), len(open_))
                continue
            else:
                match = (_STRING if char in "\"'" else _SCALAR).match(text, self.pos)
                if match is None:
                    return False
                self.pos = match.end()
            # ---- after a value: a separator, closing brackets, or the end of the key/value pair
            while True:
                if not open_:
                    return True
                self.pos = (_BLANK_LINES if open_[-1][0] == "[" else _BLANK).match(text, self.pos).end()
                char = text[self.pos:self.pos + 1]
                if char == ",":
                    self.pos += 1
                    open_[-1][2] += 1
                    break
                if char == ("]" if open_[-1][0] == "[" else "}"):
                    self.pos += 1
                    open_.pop()
                    continue
                return False


def _unescape(body: str) -> str:
    """The text of a basic string's body: TOML's escapes resolved."""
    if "\\" not in body:
        return body

    def one(match: re.Match) -> str:
        short, long_, simple = match.groups()
        code = short or long_
        if code:
            try:
                return chr(int(code, 16))
            except ValueError:  # beyond U+10FFFF: tomllib refused the file already
                return ""
        return _SIMPLE_ESCAPES.get(simple, simple)

    return _ESCAPE.sub(one, body)
