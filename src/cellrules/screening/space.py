"""Design-space files: a partial spec, the fields to vary, and combinations to leave out.

```toml
space_version = 1

[base.cell]                      # [base] holds the tables of a spec
name = "sulfide cells"
carrier = "Li"

[vary]
"electrolyte.material" = ["LGPS", "class:sulfide"]
"interlayer.cathode" = ["none", "class:cathode-coating"]
"cell.stack_pressure" = { from = "1 MPa", to = "100 MPa", steps = 9, scale = "log" }

[[exclude]]
when = 'anode.kind == "alloy" and cell.stack_pressure > 50 MPa'
reason = "alloy foils are not pressed that hard"
```

The candidates are the product of the [vary] lists, in file order, the last
varying fastest; a candidate's id is its position in that product. Every
problem is reported at the space file's line and column: values are checked by
the spec loader itself (space file positions stand in for a spec's), exclude
conditions by the rule checker.
"""
from __future__ import annotations

import copy
import math
import re

import attrs

from cellrules.cellspec import fields as F
from cellrules.cellspec.load import TOP_LEVEL as SPEC_TOP_LEVEL
from cellrules.cellspec.load import section_keys
from cellrules.errors import CellrulesError, Location, ManyErrors, did_you_mean
from cellrules.tomlfile import TomlDocument, read_toml

SPACE_VERSIONS = (1,)
TOP_LEVEL = ("space_version", "base", "vary", "exclude")
BASE_SECTIONS = tuple(s for s in SPEC_TOP_LEVEL if s not in ("spec_version", "waiver"))
EXCLUDE_KEYS = ("when", "reason")
RANGE_KEYS = ("from", "to", "steps", "scale")
# An interlayer dimension names the interface its layer sits at.
INTERFACES = {"anode": ("anode", "electrolyte"), "cathode": ("cathode", "electrolyte")}
# Limits that keep a chunk's columns small; the documentation states them.
MAX_INTERLAYERS = 6          # [[interlayer]] tables of one candidate: base ones plus one per interlayer dimension
MAX_LIST_ITEMS = 16          # items of a list value (SEI components, solvents, ...)
MAX_CANDIDATES = 10 ** 12
MAX_STEPS = 100_000
NONE = "none"
CLASS_PREFIX = "class:"
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


class SpaceError(CellrulesError):
    """A design-space file is malformed or names something unknown."""


@attrs.frozen
class Choice:
    """One value of a dimension: its label (results, --materialize) and the TOML value it puts in the spec."""

    label: str
    raw: object          # None: nothing is added (an interlayer dimension's "none")


@attrs.frozen
class Dimension:
    name: str            # as written in [vary], e.g. "cell.stack_pressure", "electrolyte.2.material"
    section: str         # the spec table it sets: "cell", ..., "interlayer"
    key: str             # the key in that table; for an interlayer, the interface ("anode", "cathode", "electrolyte.1")
    choices: tuple[Choice, ...]
    location: Location
    layer: int | None = None   # the [[electrolyte]] layer it sets (1 at the anode); None: the one [electrolyte] table

    @property
    def field(self) -> F.Field | None:
        """The slot field this dimension sets directly, if it sets exactly one (a middle layer sets a record)."""
        if self.section == "interlayer" or (self.layer or 1) > 1:
            return None
        return F.BY_PATH.get(f"{self.section}.{self.key}")


@attrs.frozen
class Exclude:
    name: str            # the derived value the condition compiles to
    text: str
    reason: str
    location: Location


@attrs.frozen
class Space:
    path: str
    base: dict                 # spec tables
    positions: dict            # spec key path -> (line, column) in the space file, for the base's keys
    dimensions: tuple[Dimension, ...]
    excludes: tuple[Exclude, ...]
    exclude_files: tuple = ()  # the exclude conditions as parsed rule files (`let NAME = condition`)
    base_interlayers: int = 0

    @property
    def size(self) -> int:
        return math.prod(len(d.choices) for d in self.dimensions)

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(len(d.choices) for d in self.dimensions)

    def indexes(self, candidate: int) -> tuple[int, ...]:
        """A candidate id -> the index of its choice along each dimension."""
        found = []
        for size in reversed(self.sizes):
            candidate, index = divmod(candidate, size)
            found.append(index)
        return tuple(reversed(found))

    def spec_data(self, indexes) -> dict:
        """The spec (as TOML data) of the candidate with these choices."""
        data = copy.deepcopy(self.base)
        for dimension, index in zip(self.dimensions, indexes):
            raw = dimension.choices[index].raw
            if dimension.section == "interlayer":
                if raw is not None:
                    data.setdefault("interlayer", []).append(copy.deepcopy(raw))
            elif dimension.layer is not None:
                data["electrolyte"][dimension.layer - 1][dimension.key] = copy.deepcopy(raw)
            else:
                data.setdefault(dimension.section, {})[dimension.key] = copy.deepcopy(raw)
        return {"spec_version": 1, **data}

    def spec_document(self, indexes) -> TomlDocument:
        """The candidate as the spec loader reads it, every key located in the space file."""
        data = self.spec_data(indexes)
        positions = dict(self.positions)
        layer = self.base_interlayers
        for dimension, index in zip(self.dimensions, indexes):
            where = (dimension.location.line, dimension.location.column)
            if dimension.section == "interlayer":
                if dimension.choices[index].raw is not None:
                    positions[("interlayer", layer)] = where
                    for key in dimension.choices[index].raw:
                        positions[("interlayer", layer, key)] = where
                    layer += 1
            else:
                table = (dimension.section,) if dimension.layer is None else (dimension.section, dimension.layer - 1)
                positions[(*table, dimension.key)] = where
                raw = dimension.choices[index].raw
                if isinstance(raw, dict):
                    for key in raw:
                        positions[(*table, dimension.key, key)] = where
        positions.setdefault(("spec_version",), (1, 1))
        return TomlDocument(self.path, data, positions)


def vary_keys(section: str) -> tuple[str, ...]:
    """The keys of a spec table a [vary] entry may set (an electrolyte stack's as electrolyte.N.KEY)."""
    if section == "interlayer":
        return (*INTERFACES, "electrolyte.K")
    if section == "sei":
        return ("components", "thickness")
    if section == "current_collector":
        return ("anode", "cathode")
    keys = list(section_keys(section))
    if section == "electrolyte":
        keys += ["window", "homo", "lumo"]
    return tuple(keys)


ALL_VARY_NAMES = tuple(f"{s}.{k}" for s in BASE_SECTIONS for k in vary_keys(s))
_LIST_VALUED = {p for p in ALL_VARY_NAMES if F.BY_PATH.get(p) is not None and F.BY_PATH[p].kind == F.STRINGS} \
    | {"sei.components"}
def interface_between(interface: str) -> list[str]:
    """An interlayer dimension's interface as a spec's `between`: "electrolyte.1" is layers 1 | 2."""
    if interface in INTERFACES:
        return list(INTERFACES[interface])
    k = int(interface.split(".", 1)[1])
    return [f"electrolyte.{k}", f"electrolyte.{k + 1}"]


def _parse_name(name: str) -> tuple[str, str, str, int | None]:
    """A [vary] name -> (the name without a layer number, section, key, layer).

    "electrolyte.2.material" -> ("electrolyte.material", "electrolyte", "material", 2);
    "interlayer.electrolyte.1" -> ("interlayer.electrolyte.K", "interlayer", "electrolyte.1", None).
    """
    section, _, key = name.partition(".")
    if section == "electrolyte":
        head, _, rest = key.partition(".")
        if head.isdigit() and rest:
            return f"electrolyte.{rest}", section, rest, int(head)
    if section == "interlayer" and key.startswith("electrolyte."):
        return "interlayer.electrolyte.K", section, key, None
    return name, section, key, None


_CLASS_VOCABULARY = {"anode.material": ("anode kind", F.ANODE_KINDS),
                     "electrolyte.material": ("electrolyte class", F.ELECTROLYTE_CLASSES),
                     "cathode.material": ("cathode structure", F.CATHODE_STRUCTURES),
                     "interlayer.anode": ("interlayer class", F.INTERLAYER_CLASSES),
                     "interlayer.cathode": ("interlayer class", F.INTERLAYER_CLASSES),
                     "interlayer.electrolyte.K": ("interlayer class", F.INTERLAYER_CLASSES)}


def load_space(path: str, knowledge) -> Space:
    """Read a space file; raises SpaceError / ManyErrors listing every problem found."""
    doc = read_toml(path, SpaceError)
    return _SpaceLoader(doc, knowledge).load()


class _SpaceLoader:
    def __init__(self, doc: TomlDocument, knowledge):
        self.doc = doc
        self.kb = knowledge
        self.problems: list[CellrulesError] = []

    def problem(self, message: str, location: Location, hint: str = "") -> None:
        self.problems.append(SpaceError(message, location, hint))

    def load(self) -> Space:
        data = self.doc.data
        for key in data:
            if key not in TOP_LEVEL:
                self.problem(f"unknown key {key!r}", self.doc.where(key),
                             did_you_mean(key, TOP_LEVEL) or "a space file has " + ", ".join(TOP_LEVEL))
        version = data.get("space_version")
        if version is None:
            self.problem("missing space_version", Location(self.doc.path, 1, 1), "add `space_version = 1` as the first line")
        elif isinstance(version, bool) or version not in SPACE_VERSIONS:
            self.problem(f"unsupported space_version {version!r}", self.doc.where("space_version"),
                         "this cellrules reads space_version " + ", ".join(map(str, SPACE_VERSIONS)))
        base, positions = self._base(data.get("base", {}))
        dimensions = self._vary(data.get("vary"), base)
        excludes, files = self._excludes(data.get("exclude", []))
        base_layers = len(base.get("interlayer", ())) if isinstance(base.get("interlayer"), list) else 0
        layers = base_layers + sum(1 for d in dimensions if d.section == "interlayer")
        if layers > MAX_INTERLAYERS:
            self.problem(f"a candidate would have {layers} interlayers; at most {MAX_INTERLAYERS} are screened",
                         self.doc.where("vary"), "screen fewer interfaces at once")
        space = Space(self.doc.path, base, positions, tuple(dimensions), tuple(excludes), tuple(files), base_layers)
        if not self.problems and space.size > MAX_CANDIDATES:
            self.problem(f"the space has {space.size:,} candidates; at most {MAX_CANDIDATES:,} are screened",
                         self.doc.where("vary"), "split it into several spaces, or vary fewer values")
        if self.problems:
            raise ManyErrors(sorted(self.problems, key=_order))
        return space

    # -- [base] -------------------------------------------------------------------------------
    def _base(self, raw) -> tuple[dict, dict]:
        if not isinstance(raw, dict):
            self.problem("base must be a table [base]", self.doc.where("base"), "e.g. [base.cell] with name and carrier")
            return {}, {}
        for key in raw:
            if key == "waiver":
                self.problem("a space does not take waivers", self.doc.where("base", key),
                             "a screen reports every failure; waive it in a materialized spec, or leave the "
                             "candidates out with [[exclude]]")
            elif key == "spec_version":
                self.problem("spec_version belongs to specs; a space has space_version", self.doc.where("base", key))
            elif key not in BASE_SECTIONS:
                self.problem(f"unknown table {key!r} in [base]", self.doc.where("base", key),
                             did_you_mean(key, BASE_SECTIONS) or "spec tables: " + ", ".join(BASE_SECTIONS))
        base = {k: v for k, v in raw.items() if k in BASE_SECTIONS}
        positions = {path[1:]: at for path, at in self.doc.positions.items() if path[:1] == ("base",) and len(path) > 1}
        return base, positions

    # -- [vary] -------------------------------------------------------------------------------
    def _vary(self, raw, base: dict) -> list[Dimension]:
        if raw is None:
            self.problem("missing [vary]", Location(self.doc.path, 1, 1),
                         'add [vary] with e.g. "electrolyte.material" = ["LGPS", "Li6PS5Cl"]')
            return []
        if not isinstance(raw, dict):
            self.problem("vary must be a table [vary]", self.doc.where("vary"))
            return []
        dimensions = []
        seen: dict[str, Location] = {}
        stack = base.get("electrolyte")
        layers = len(stack) if isinstance(stack, list) else 1
        for key_path, value in _flatten(raw):
            name = ".".join(key_path)
            where = self.doc.where("vary", *key_path)
            generic, section, key, layer = _parse_name(name)
            if generic not in ALL_VARY_NAMES:
                self.problem(f"cannot vary {name!r}", where, _vary_hint(name))
                continue
            if name in seen:  # "cell.x" quoted and cell.x dotted are two TOML keys but one field
                self.problem(f"{name} is varied twice", where, f"the first is at line {seen[name].line}; keep one")
                continue
            seen[name] = where
            if not self._fits_stack(name, section, key, layer, layers, where):
                continue
            if layer is not None and not isinstance(stack, list):
                layer = None                       # electrolyte.1.KEY of a one-layer cell is its [electrolyte]
            table = stack[layer - 1] if layer is not None else base.get(section)
            if section != "interlayer" and isinstance(table, dict) and key in table:
                self.problem(f"{name} is both set in [base] and varied", where, "remove it from [base]")
                continue
            choices = self._choices(generic, value, where, base, key if section == "interlayer" else None)
            if choices:
                dimensions.append(Dimension(name, section, key, tuple(choices), where, layer))
        if raw and not dimensions and not self.problems:
            self.problem("[vary] varies nothing", self.doc.where("vary"))
        return dimensions

    def _fits_stack(self, name: str, section: str, key: str, layer, layers: int, where: Location) -> bool:
        """A layer or an interface between layers that the base's electrolyte stack has."""
        if section == "electrolyte":
            if layer is None and layers > 1:
                self.problem(f"{name}: the base has {layers} electrolyte layers; name one", where,
                             f"e.g. electrolyte.1.{key} ... electrolyte.{layers}.{key}")
                return False
            if layer is not None and not 1 <= layer <= layers:
                self.problem(f"{name}: the base has {layers} electrolyte layer{'s' if layers > 1 else ''}", where,
                             "add [[base.electrolyte]] tables for the layers, from the anode side")
                return False
        if section == "interlayer" and key.startswith("electrolyte."):
            k = key.split(".", 1)[1]
            if not (k.isdigit() and 1 <= int(k) < layers):
                self.problem(f"{name}: no interface electrolyte.{k} | electrolyte.{int(k) + 1 if k.isdigit() else '?'} "
                             f"in a stack of {layers} layer{'s' if layers > 1 else ''}", where,
                             "interlayer.electrolyte.K sits between layers K and K+1" if layers > 1
                             else "a one-layer cell has interlayer.anode and interlayer.cathode")
                return False
        return True

    def _choices(self, name: str, value, where: Location, base: dict, interface: str | None = None) -> list[Choice]:
        if isinstance(value, dict):
            found = self._range(name, value, where)
        elif isinstance(value, list):
            if not value:
                self.problem(f"{name}: an empty list varies nothing", where, "give at least one value")
                return []
            found = []
            for item in value:
                found.extend(self._item(name, item, where, base, interface))
        else:
            self.problem(f"{name}: a [vary] value is a list or a range", where,
                         'e.g. ["5 MPa", "10 MPa"] or { from = "1 MPa", to = "10 MPa", steps = 4 }')
            return []
        unique: dict[object, Choice] = {}
        for choice in found:
            unique.setdefault(self._identity(name, choice), choice)  # a material listed and in its class: once
        return list(unique.values())

    def _identity(self, name: str, choice: Choice):
        """What makes two choices the same: the knowledge-base entry a material names (an alias is no new one)."""
        section, _, key = name.partition(".")
        material = choice.raw.get("material") if isinstance(choice.raw, dict) else choice.raw
        if key == "material" or section in ("interlayer", "current_collector"):
            match = self.kb.lookup(section, material) if isinstance(material, str) and material != NONE else None
            if match is not None:
                rest = {k: v for k, v in choice.raw.items() if k != "material"} if isinstance(choice.raw, dict) else {}
                return ("entry", match.entry.name, inline(rest))
        return ("label", choice.label)

    def _item(self, name: str, item, where: Location, base: dict, interface: str | None) -> list[Choice]:
        section, _, key = name.partition(".")
        if isinstance(item, str) and item.startswith(CLASS_PREFIX):
            return self._class(name, item[len(CLASS_PREFIX):].strip(), where, base, interface)
        if section == "interlayer":
            return self._interlayer(interface, item, where)
        if name in _LIST_VALUED:
            if not isinstance(item, list) or not all(isinstance(x, str) for x in item):
                self.problem(f"{name}: each value is a list of strings", where, f'e.g. {name} = [["LiF"], ["LiF", "Li3N"]]')
                return []
            if len(item) > MAX_LIST_ITEMS:
                self.problem(f"{name}: a list of {len(item)} items; at most {MAX_LIST_ITEMS} are screened", where)
                return []
            return [Choice(" + ".join(item) if item else NONE, list(item))]
        if isinstance(item, (list, dict)) and not (name == "electrolyte.window" and isinstance(item, dict)):
            self.problem(f"{name}: {_kind(item)} is not a value of this field", where,
                         'list the values themselves, e.g. ["5 MPa", "10 MPa"]')
            return []
        return [Choice(label(item), item)]

    def _interlayer(self, interface: str, item, where: Location) -> list[Choice]:
        between = interface_between(interface)
        if item == NONE:
            return [Choice(NONE, None)]
        if isinstance(item, str):
            return [Choice(item, {"material": item, "between": between})]
        if isinstance(item, dict):
            if "between" in item:
                self.problem(f"interlayer.{interface}: the dimension names the interface; leave out between", where)
                return []
            material = item.get("material")
            if not isinstance(material, str):
                self.problem(f"interlayer.{interface}: a table value needs a material", where,
                             'e.g. { material = "LiNbO3", thickness = "5 nm" }')
                return []
            rest = {k: v for k, v in item.items() if k != "material"}
            return [Choice(f"{material} {inline(rest)}" if rest else material,
                           {"material": material, **rest, "between": between})]
        self.problem(f"interlayer.{interface}: {_kind(item)} is not an interlayer", where,
                     'give a material, "none", "class:NAME" or { material = "...", thickness = "..." }')
        return []

    def _class(self, name: str, wanted: str, where: Location, base: dict, interface: str | None) -> list[Choice]:
        if name not in _CLASS_VOCABULARY:
            self.problem(f"{name} cannot be given as a class", where,
                         "class:NAME expands " + ", ".join(_CLASS_VOCABULARY))
            return []
        what, vocabulary = _CLASS_VOCABULARY[name]
        if wanted not in vocabulary:
            self.problem(f"unknown {what} {wanted!r}", where, did_you_mean(wanted, vocabulary) or
                         f"{what}s: " + ", ".join(vocabulary))
            return []
        cell = base.get("cell") if isinstance(base.get("cell"), dict) else {}
        carrier = cell.get("carrier")
        if not isinstance(carrier, str) or carrier not in F.CARRIERS:
            self.problem(f"class:{wanted} is expanded for the cell's carrier, which [base.cell] does not give", where,
                         'set carrier = "Li" (or Na, K, Mg, Zn, Al, Ca) in [base.cell]; a varied carrier cannot '
                         "expand a class")
            return []
        section, _, key = name.partition(".")
        materials = class_members(self.kb, section, interface or key, wanted, carrier)
        if not materials:
            self.problem(f"no knowledge-base {section} of {what} {wanted} serves {carrier}", where,
                         "list materials by name instead")
            return []
        if section == "interlayer":
            return [Choice(m, {"material": m, "between": interface_between(interface)}) for m in materials]
        return [Choice(m, m) for m in materials]

    def _range(self, name: str, raw: dict, where: Location) -> list[Choice]:
        field = F.BY_PATH.get(name)
        if field is None or field.kind not in (F.QUANTITY, F.POTENTIAL, F.NUMBER):
            self.problem(f"{name} is not a number: list its values instead of a range", where)
            return []
        for key in raw:
            if key not in RANGE_KEYS:
                self.problem(f"unknown key {key!r} in a range", where, did_you_mean(key, RANGE_KEYS) or
                             "a range has " + ", ".join(RANGE_KEYS))
        missing = [k for k in ("from", "to", "steps") if k not in raw]
        if missing:
            self.problem(f"{name}: a range needs {', '.join(missing)}", where,
                         'e.g. { from = "1 MPa", to = "100 MPa", steps = 9, scale = "log" }')
            return []
        steps, scale = raw["steps"], raw.get("scale", "linear")
        if isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= MAX_STEPS:
            self.problem(f"{name}: steps must be a whole number from 2 to {MAX_STEPS:,}, got {steps!r}", where)
            return []
        if scale not in ("linear", "log"):
            self.problem(f"{name}: scale must be linear or log, got {scale!r}", where, did_you_mean(str(scale), ("linear", "log")))
            return []
        ends = [_split_number(raw[k], field) for k in ("from", "to")]
        if None in ends:
            example = '{ from = 0.9, to = 0.99, steps = 4 }' if field.kind == F.NUMBER else \
                '{ from = "1 MPa", to = "100 MPa", steps = 9 }'
            self.problem(f"{name}: from and to must be {'numbers' if field.kind == F.NUMBER else 'quantity strings'}",
                         where, f"e.g. {example}")
            return []
        (low, unit), (high, unit_to) = ends
        if unit != unit_to:
            self.problem(f"{name}: from ({unit or 'no unit'}) and to ({unit_to or 'no unit'}) must share a unit", where,
                         f"write both in {unit or unit_to}")
            return []
        if scale == "log" and (low <= 0 or high <= 0):
            self.problem(f"{name}: a log range needs positive ends", where, 'use scale = "linear"')
            return []
        values = []
        for i in range(steps):
            if i == steps - 1:
                x = high
            elif scale == "log":
                x = low * (high / low) ** (i / (steps - 1))
            else:
                x = low + (high - low) * i / (steps - 1)
            values.append(float(f"{x:.6g}"))
        if field.kind == F.NUMBER:
            return [Choice(_number(x), x) for x in values]
        return [Choice(text, text) for text in (f"{_number(x)} {unit}".strip() for x in values)]

    # -- [[exclude]] --------------------------------------------------------------------------
    def _excludes(self, raw):
        if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
            self.problem("exclude must be an array of tables [[exclude]]", self.doc.where("exclude"))
            return [], []
        from cellrules.language.parse import parse_rules

        excludes, files = [], []
        for index, table in enumerate(raw):
            where = self.doc.where("exclude", index)
            for key in table:
                if key not in EXCLUDE_KEYS:
                    self.problem(f"unknown key {key!r} in [[exclude]]", self.doc.where("exclude", index, key),
                                 did_you_mean(key, EXCLUDE_KEYS) or "an exclude has when and reason")
            when, reason = table.get("when"), table.get("reason", "")
            if not isinstance(when, str) or not when.strip():
                self.problem("an exclude needs a condition", where,
                             "when = 'anode.kind == \"alloy\" and cell.stack_pressure > 50 MPa'")
                continue
            if not isinstance(reason, str):
                self.problem("reason must be a string", self.doc.where("exclude", index, "reason"))
                continue
            name = f"space_exclude_{index + 1}"
            at = self.doc.where("exclude", index, "when")
            mapper = ConditionPositions(self.doc.path, at, source_lines(self.doc.path), len(f"let {name} = "))
            try:
                files.append(parse_rules(f"let {name} = {when}", mapper.synthetic))
            except CellrulesError as error:
                self.problems.append(mapper.remap(error))
                continue
            excludes.append(Exclude(name, when, reason, at))
        return excludes, files


class ConditionPositions:
    """Maps locations inside a condition string (parsed as `let NAME = ...`) back to the space file."""

    def __init__(self, path: str, key: Location, lines: list[str], prefix: int):
        self.path = path
        self.synthetic = f"<{path} condition at line {key.line}>"
        self.prefix = prefix
        self.line, self.column = _string_start(lines, key)

    def remap(self, error: CellrulesError) -> CellrulesError:
        where = error.location
        if where is None or where.path != self.synthetic:
            return error
        if where.line <= 1:
            location = Location(self.path, self.line, self.column + max(where.column - 1 - self.prefix, 0))
        else:
            location = Location(self.path, self.line + where.line - 1, where.column)
        return SpaceError(error.message, location, error.hint)


def _string_start(lines: list[str], key: Location) -> tuple[int, int]:
    """Line and column of the first character of the string value of the key at `key`."""
    if not key.line or key.line > len(lines):
        return key.line, key.column
    text = lines[key.line - 1]
    equals = text.find("=", key.column - 1)
    start = equals + 1
    while start < len(text) and text[start] in " \t":
        start += 1
    for quote in ('"""', "'''", '"', "'"):
        if text.startswith(quote, start):
            start += len(quote)
            if len(quote) == 3 and start >= len(text.rstrip()):
                return key.line + 1, 1  # TOML drops the newline right after an opening triple quote
            break
    return key.line, start + 1


def source_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().lstrip("\ufeff").splitlines()
    except OSError:
        return []


def class_members(knowledge, section: str, key: str, wanted: str, carrier: str) -> list[str]:
    """Knowledge-base materials of a class that serve `carrier`, in knowledge-base order.

    Interlayers are classed at the interface they sit at (Li3PO4 is a cathode coating on a
    cathode and an artificial SEI on an anode), as explain's mitigations list them.
    """
    found = []
    if section == "anode":
        if wanted == "metal":
            metal = knowledge.lookup("anode", carrier)
            return [metal.entry.name] if metal is not None else []
        for entry in knowledge.by_kind("anode"):
            if _value(entry, "kind") == wanted and _value(entry, "carrier") == carrier:
                found.append(entry.name)
    elif section == "electrolyte":
        for entry in knowledge.by_kind("electrolyte"):
            if _value(entry, "class") == wanted and carrier in (_value(entry, "carriers") or ()):
                found.append(entry.name)
    elif section == "cathode":
        for entry in knowledge.by_kind("cathode"):
            if _value(entry, "structure") == wanted and _value(entry, "carrier") == carrier:
                found.append(entry.name)
    else:
        side = INTERFACES[key][0] if key in INTERFACES else "anode"  # between two layers: no cathode there
        for entry in knowledge.by_kind("interlayer"):
            by_side = entry.values.get("class_at")
            layer_class = by_side.value.get(side) if by_side is not None and side in by_side.value \
                else _value(entry, "class")
            if layer_class == wanted and carrier in (_value(entry, "carriers") or ()):
                found.append(entry.name)
    return found


def _value(entry, key: str):
    value = entry.get(key)
    return value.value if value is not None else None


def _flatten(table: dict, prefix=()):
    """[vary] entries as (key path, value): dotted keys make nested tables, which are walked."""
    for key, value in table.items():
        path = (*prefix, key)
        if isinstance(value, dict) and not (set(value) & set(RANGE_KEYS)) and _parse_name(".".join(path))[0] not in ALL_VARY_NAMES:
            yield from _flatten(value, path)
        else:
            yield path, value


def _vary_hint(name: str) -> str:
    section, _, key = name.partition(".")
    if section in BASE_SECTIONS and key:
        return did_you_mean(key, vary_keys(section), describe=lambda k: f"{section}.{k}") or \
            f"[{section}] keys: " + ", ".join(vary_keys(section))
    return did_you_mean(name, ALL_VARY_NAMES) or 'write "section.key", e.g. "cell.stack_pressure"'


def _split_number(raw, field: F.Field):
    """A range end -> (number, unit text); None when it is not one."""
    if field.kind == F.NUMBER:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            return None
        return float(raw), ""
    if not isinstance(raw, str):
        return None
    match = _NUMBER.match(raw)
    if not match:
        return None
    return float(match.group(1)), match.group(2)


def _number(x: float) -> str:
    return f"{x:.6g}"


def _kind(item) -> str:
    return {list: "a list", dict: "a table", bool: "a boolean"}.get(type(item), f"{item!r}")


def label(raw) -> str:
    """How a value is shown in results: strings as written, anything else as TOML writes it."""
    return raw if isinstance(raw, str) else inline(raw)


def inline(raw) -> str:
    from cellrules.screening.tomlwrite import value_text
    return value_text(raw)


def _order(problem: CellrulesError):
    where = problem.location or Location("")
    return (where.line, where.column, problem.message)
