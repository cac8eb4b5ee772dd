"""A seeded mutator of cell specs: the bad and odd inputs a fuzzer (or a tired researcher) produces.

`Mutator(seed).mutate(text, mode)` returns one mutant of a spec's text, the same for the same
seed, so a failure found by the slow suite is reproduced by its seed alone. Modes:

- "mixed": one to three mutations of any kind (bytes, lines, values, units, numbers, names,
  strings, TOML types, structure);
- "semantic": exactly one mutation that keeps the TOML valid (a value, unit, number, name or
  string swapped, a key or section deleted);
- "delete": one deletion, a key line or a whole section (header and keys).

`deletions(text)` lists every single deletion of a spec deterministically, as (what, mutant)
pairs: a test can then assert, for instance, that deleting optional data never turns a failing
design into a pass.
"""
from __future__ import annotations

import random
import re

SHIPPED_GLOBS = ("examples/*.toml", "examples/design-repo/designs/*.toml", "examples/design-repo/drafts/*.toml",
                 "rules/cases/*.toml")
MODES = ("mixed", "semantic", "delete")

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"]+)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^(\s*)([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)(\s*=\s*)(.*)$")
_QUANTITY = re.compile(r'^"(?P<number>[+\-]?[0-9.eE+\-]+)(?P<space>\s*)(?P<unit>[^"]*)"(?P<rest>.*)$')

UNITS = ("MPa", "GPa", "Pa", "kPa", "bar", "psi", "um", "µm", "nm", "mm", "cm", "m", "S/cm", "mS/cm", "S/m",
         "degC", "K", "°C", "degF", "mA/cm^2", "A/m^2", "mAh/cm^2", "Wh/kg", "eV", "kJ/mol", "V", "mV",
         "V vs Li/Li+", "V vs SHE", "V vs Na/Na+", "V vs Zn/Zn2+", "V vs Li/Li++", "cm^3/mol", "mol/L", "M",
         "g/cm^3", "%", "", "MPa^2", "m^-2", "S/(cm", "mA/cm²", "ohm", "ohm·cm^2", "J/mol K", "furlong",
         "MPa MPa", "1/s", "h", "m**2", "cm-2", "s^400", "(" * 3000 + "MPa" + ")" * 3000, "m^" + "2" * 5000,
         "V vs Zn/Zn" + "9" * 5000 + "+", "V vs Li/Li" + "+" * 50, "V vs " + "x" * 300, "GPa/" * 40)
NUMBERS = ("0", "-0", "1", "-1", "0.5", "1e308", "-1e308", "1e-308", "5e-324", "nan", "inf", "-inf", "1e400",
           "1 x 10^400", "1 × 10^-400", "9" * 400, "0." + "0" * 399 + "1", "1e99999", "1_000", "0x10", "1.5.2",
           "++1", "2e", ".", "", "3000", "1 x 10^" + "9" * 5000, "1e-" + "9" * 5000, "1" + "0" * 5000)
STRINGS = ("", " ", "\\u001b]0;pwned\\u0007\\u001b[2J", "<script>alert(1)</script>", "{{ 7*7 }}", "\\n\\r\\t",
           "x" * 5000, "\\u202eevil", "\\u2028line", "a\\\"[", "it'''s", "${HOME}", "`rm -rf /`", "%s%s%n",
           "\\u0000", "Ḽơᶉëᶆ ȋṕšᶙṁ", "LLZO", "Li", "garnet")
TOML_VALUES = ("true", "false", "1979-05-27", "1979-05-27T07:32:00Z", "07:32:00", "[]", "[1, 2]", '["a", 1]',
               "{}", '{ a = 1 }', "[[1]]", '"""multi\nline"""', "'literal'", "1.0", "-0.0", "[" * 50 + "]" * 50)
MATERIAL_VARIANTS = (str.upper, str.lower, lambda n: " " + n + " ", lambda n: n.replace("o", "о"),
                     lambda n: n + "-II", lambda n: n[:-1], lambda n: n + n, lambda n: "(" + n + ")",
                     lambda n: n.replace("Li", "Li" + "9" * 30), lambda n: n + "9" * 400,
                     lambda n: "(" * 1000 + n + ")" * 1000, lambda n: n + "(" + n + ")" + "9" * 400)
SECTIONS = ("cell", "anode", "electrolyte", "cathode", "sei", "current_collector", "interlayer", "waiver")


class Mutator:
    """Mutants of spec texts from one seeded random stream."""

    def __init__(self, seed: int, names: tuple[str, ...] = ("LLZO", "Li", "LiCoO2", "Li6PS5Cl", "Na", "Zn")):
        self.random = random.Random(seed)
        self.names = tuple(names)
        self._semantic = (self.swap_value, self.swap_unit, self.swap_number, self.swap_name, self.swap_string,
                          self.delete_key, self.delete_section, self.swap_toml_type, self.duplicate_key,
                          self.add_custom, self.append_section)
        self._raw = (self.flip_byte, self.insert_bytes, self.delete_bytes, self.delete_header,
                     self.array_of_tables, self.splice_line)

    def mutate(self, text: str, mode: str = "mixed") -> str:
        if mode == "delete":
            return self.random.choice((self.delete_key, self.delete_section))(text)
        if mode == "semantic":
            return self.random.choice(self._semantic)(text)
        for _ in range(self.random.randint(1, 3)):
            text = self.random.choice(self._semantic + self._raw)(text)
        return text

    # -- helpers ---------------------------------------------------------------
    def _key_lines(self, lines) -> list[int]:
        return [i for i, line in enumerate(lines) if _KEY.match(line) and not line.lstrip().startswith("#")]

    def _replace_value(self, text: str, choose) -> str:
        lines = text.split("\n")
        keys = self._key_lines(lines)
        if not keys:
            return text
        i = self.random.choice(keys)
        indent, key, equals, value = _KEY.match(lines[i]).groups()
        lines[i] = f"{indent}{key}{equals}{choose(key, value)}"
        return "\n".join(lines)

    # -- semantic mutations (the TOML stays valid, or nearly) -------------------
    def swap_value(self, text: str) -> str:
        lines = text.split("\n")
        keys = self._key_lines(lines)
        if len(keys) < 2:
            return text
        a, b = self.random.sample(keys, 2)
        value_b = _KEY.match(lines[b]).group(4)
        indent, key, equals, _ = _KEY.match(lines[a]).groups()
        lines[a] = f"{indent}{key}{equals}{value_b}"
        return "\n".join(lines)

    def swap_unit(self, text: str) -> str:
        def choose(key, value):
            match = _QUANTITY.match(value)
            if not match:
                return value
            return f'"{match.group("number")} {self.random.choice(UNITS)}"{match.group("rest")}'
        return self._replace_value(text, choose)

    def swap_number(self, text: str) -> str:
        def choose(key, value):
            number = self.random.choice(NUMBERS)
            match = _QUANTITY.match(value)
            if match:
                return f'"{number}{match.group("space") or " "}{match.group("unit")}"{match.group("rest")}'
            return number if self.random.random() < 0.7 else f'"{number}"'
        return self._replace_value(text, choose)

    def swap_name(self, text: str) -> str:
        def choose(key, value):
            name = self.random.choice(self.names)
            if self.random.random() < 0.4:
                name = self.random.choice(MATERIAL_VARIANTS)(name)
            return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return self._replace_value(text, choose)

    def swap_string(self, text: str) -> str:
        return self._replace_value(text, lambda key, value: '"' + self.random.choice(STRINGS) + '"')

    def swap_toml_type(self, text: str) -> str:
        return self._replace_value(text, lambda key, value: self.random.choice(TOML_VALUES))

    def delete_key(self, text: str) -> str:
        lines = text.split("\n")
        keys = self._key_lines(lines)
        if not keys:
            return text
        del lines[self.random.choice(keys)]
        return "\n".join(lines)

    def delete_section(self, text: str) -> str:
        sections = _sections(text.split("\n"))
        if not sections:
            return text
        start, end = self.random.choice(sections)
        lines = text.split("\n")
        return "\n".join(lines[:start] + lines[end:])

    def duplicate_key(self, text: str) -> str:
        lines = text.split("\n")
        keys = self._key_lines(lines)
        if not keys:
            return text
        i = self.random.choice(keys)
        lines.insert(i + 1, lines[i])
        return "\n".join(lines)

    def add_custom(self, text: str) -> str:
        lines = text.split("\n")
        headers = [i for i, line in enumerate(lines) if _HEADER.match(line)]
        if not headers:
            return text
        lines.insert(self.random.choice(headers) + 1, self.random.choice(("custom = true", "custom = false",
                                                                          'custom = "yes"')))
        return "\n".join(lines)

    def append_section(self, text: str) -> str:
        section = self.random.choice(SECTIONS)
        bracket = ("[[", "]]") if section in ("interlayer", "waiver") or self.random.random() < 0.2 else ("[", "]")
        body = self.random.choice(('material = "LiNbO3"\nbetween = ["cathode", "electrolyte"]', 'rule = "window.x"',
                                   'material = "' + self.random.choice(self.names) + '"', "", 'x = 1',
                                   'thickness = "1 um"', 'reason = "because"\nrule = "mechanics.shear-modulus-ratio"'))
        return f"{text.rstrip()}\n\n{bracket[0]}{section}{bracket[1]}\n{body}\n"

    # -- raw mutations (anything may break) --------------------------------------
    def flip_byte(self, text: str) -> str:
        data = bytearray(text.encode("utf-8", "surrogateescape"))
        if data:
            i = self.random.randrange(len(data))
            data[i] ^= 1 << self.random.randrange(8)
        return data.decode("utf-8", "surrogateescape")

    def insert_bytes(self, text: str) -> str:
        i = self.random.randrange(len(text) + 1)
        junk = self.random.choice(('"', "'", "[", "]", "=", "\n", "#", "\\", "{", "\x00", "\ufeff", "\r\n", "é",
                                   '"""', "[[", " = ", "\udcff"))
        return text[:i] + junk + text[i:]

    def delete_bytes(self, text: str) -> str:
        if not text:
            return text
        i = self.random.randrange(len(text))
        return text[:i] + text[i + self.random.randint(1, 8):]

    def delete_header(self, text: str) -> str:
        lines = text.split("\n")
        headers = [i for i, line in enumerate(lines) if _HEADER.match(line)]
        if not headers:
            return text
        del lines[self.random.choice(headers)]
        return "\n".join(lines)

    def array_of_tables(self, text: str) -> str:
        lines = text.split("\n")
        headers = [i for i, line in enumerate(lines) if _HEADER.match(line)]
        if not headers:
            return text
        i = self.random.choice(headers)
        line = lines[i].strip()
        lines[i] = line[1:-1] if line.startswith("[[") else f"[{line}]"
        return "\n".join(lines)

    def splice_line(self, text: str) -> str:
        lines = text.split("\n")
        if len(lines) < 2:
            return text
        lines.insert(self.random.randrange(len(lines)), self.random.choice(lines))
        return "\n".join(lines)


def _sections(lines) -> list[tuple[int, int]]:
    """(first line, end) of every table: its header and the key lines up to the next header."""
    headers = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    return [(start, headers[n + 1] if n + 1 < len(headers) else len(lines)) for n, start in enumerate(headers)]


def deletions(text: str) -> list[tuple[str, str]]:
    """Every single deletion of a spec: each key line, then each section (its header and keys)."""
    lines = text.split("\n")
    found = []
    for i, line in enumerate(lines):
        if _KEY.match(line) and not line.lstrip().startswith("#"):
            found.append((f"line {i + 1}: {line.strip()}", "\n".join(lines[:i] + lines[i + 1:])))
    for start, end in _sections(lines):
        found.append((f"section {lines[start].strip()} (lines {start + 1}-{end})", "\n".join(lines[:start] + lines[end:])))
    return found


def shipped_specs(root) -> list:
    """Every spec shipped with cellrules: the examples, the design repository and the golden rule cases."""
    return sorted(path for pattern in SHIPPED_GLOBS for path in root.glob(pattern))
