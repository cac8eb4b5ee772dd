"""Cell spec TOML -> CellSpec, with every problem of the file at its line.

The messages follow cell-spec.md: a bare number says which unit to add, a
wrong dimension names both dimensions, an unknown key or material suggests the
closest names (and mentions `custom = true`), and impossible values (negative
thickness, a temperature below 0 K, an efficiency above 1) are rejected.
"""
from __future__ import annotations

import datetime
import functools
import math
import re
from collections.abc import Collection

from cellrules import potential, units
from cellrules.errors import Location, ManyErrors, SpecError, did_you_mean
from cellrules.knowledge.base import KnowledgeBase
from cellrules.cellspec import fields as F
from cellrules.cellspec import plausible
from cellrules.cellspec.model import CellSpec, ElectrolyteLayer, Interlayer, Material, SpecValue, Waiver
from cellrules.tomlfile import TomlDocument, read_toml

SPEC_VERSIONS = (1,)
TOP_LEVEL = ("spec_version", "cell", "anode", "electrolyte", "cathode", "interlayer", "sei",
             "current_collector", "waiver")
# Keys a section accepts besides its settable fields.
EXTRA_KEYS = {
    "anode": ("custom",),
    "electrolyte": ("custom", "window"),
    "cathode": ("custom",),
    "interlayer": ("custom",),
}
WAIVER_KEYS = ("rule", "reason", "expires")
# Quantities that cannot be negative (cell-spec.md, "Quantities").
_NON_NEGATIVE = {units.LENGTH, units.PRESSURE, units.CONDUCTIVITY, units.CURRENT_DENSITY,
                 units.AREAL_CAPACITY, units.CONCENTRATION, units.MOLAR_VOLUME}
FRACTIONS = ("cell.coulombic_efficiency", "cell.capacity_retention", "electrolyte.transference_number")
_NUMBER_EXAMPLES = {"cell.cycles": "500", "cell.coulombic_efficiency": "0.998", "cell.capacity_retention": "0.8",
                    "anode.volume_change": "3.0", "interlayer.conduction_group": "2"}
# Quantity strings already accepted for a field -> their SI value. Specs of one repository write the same few
# ("25 degC", "5 MPa") again and again; parsing and judging one costs ten times the look-up. Bounded; a
# string that was refused is not kept, so its problem is reported afresh, at its own line.
_ACCEPTED: dict[tuple[str, str], float] = {}
_ACCEPTED_MAX = 1 << 16


@functools.lru_cache(maxsize=None)
def section_keys(section: str) -> dict[str, F.Field]:
    """Spec keys of a section -> the field each sets (computed once: every section of every spec asks)."""
    if section == "interlayer":
        return {f.key: f for f in F.RECORD_FIELDS["interlayer"] if f.settable}
    keys = {f.key: f for f in F.FIELDS if f.section == section and f.settable and "." not in f.key}
    if section == "electrolyte":
        keys = {k: f for k, f in keys.items() if k not in ("homo", "lumo")}
    return keys


def load_spec(path: str, knowledge: KnowledgeBase, rule_ids=(), source: bytes | None = None) -> CellSpec:
    """Read and validate one spec file (or `source`, its bytes, named `path`); raises SpecError / ManyErrors."""
    return load_document(read_toml(path, SpecError, source=source), knowledge, rule_ids)


def load_document(doc: TomlDocument, knowledge: KnowledgeBase, rule_ids=()) -> CellSpec:
    """Validate a parsed spec: a file, TOML text or a dict given to the Python API, an edited spec, or a
    screened candidate (whose problems are then reported at the space file's positions)."""
    # The ids are only looked in when a waiver names a rule: a rule set's keys view is used as it is,
    # not copied into a set for every spec.
    return _Loader(doc, knowledge, rule_ids if isinstance(rule_ids, Collection) else tuple(rule_ids)).load()


class _Loader:
    def __init__(self, doc: TomlDocument, knowledge: KnowledgeBase, rule_ids: Collection[str]):
        self.doc = doc
        self.kb = knowledge
        self.rule_ids = rule_ids
        self.problems: list[SpecError] = []
        self.values: dict[str, SpecValue] = {}
        self.carrier = "Li"

    def problem(self, message: str, location: Location, hint: str = "") -> None:
        self.problems.append(SpecError(message, location, hint))

    def load(self) -> CellSpec:
        data = self.doc.data
        self._top_level(data)
        cell = data.get("cell")
        if not isinstance(cell, dict):
            if cell is None:
                self.problem("missing [cell] table", Location(self.doc.path, 1, 1),
                             'add [cell] with name = "..." and carrier = "Li" (or Na, K, Mg, Zn, Al, Ca)')
            elif isinstance(cell, list):
                self.problem("[[cell]] is an array of tables: a spec has one [cell] table", self.doc.where("cell", 0),
                             "a spec describes one cell: write [cell] once")
            else:
                self.problem(f"cell must be a table [cell], got {_shown(cell)}", self.doc.where("cell"),
                             'write [cell] with name = "..." and carrier = "Li" below it')
            raise ManyErrors(self.problems)
        self._carrier(cell)
        sections = {}
        for section in ("cell", "anode", "cathode", "sei", "current_collector"):
            table = data.get(section)
            if table is None:
                continue
            if not isinstance(table, dict):
                self.problem(f"{section} must be a table [{section}]", self.doc.where(section))
                continue
            sections[section] = self.doc.where(section)
            self._section(section, table)
        materials = {s: m for s in ("anode", "cathode")
                     if isinstance(data.get(s), dict) and (m := self._material(s, data[s]))}
        electrolytes = self._electrolytes(data.get("electrolyte"))
        if electrolytes:
            sections["electrolyte"] = electrolytes[0].location
        interlayers = self._interlayers(data.get("interlayer", []), len(electrolytes))
        if interlayers:
            sections["interlayer"] = interlayers[0].location
        sei = self._sei(data.get("sei"))
        collectors = self._collectors(data.get("current_collector"))
        waivers = self._waivers(data.get("waiver", []))
        self._cross_checks(materials, electrolytes)
        if self.problems:
            raise ManyErrors(sorted(self.problems, key=lambda p: (p.location.line, p.location.column, p.message)))
        return CellSpec(self.doc.path, self.values, materials, electrolytes, interlayers, sei, collectors, waivers,
                        sections)

    def _cross_checks(self, materials: dict, electrolytes) -> None:
        """Values that are possible one by one but not together (cellspec/plausible.py): a cathode at or below
        its anode, a HOMO at or above the LUMO. Each is reported at the value the spec gave."""
        cathode = self.values.get("cathode.potential")
        anode = self.values.get("anode.potential")
        anode_she = anode.value if anode else _entry_potential(materials.get("anode"))
        if cathode is not None and plausible.electrodes_reversed(anode_she, cathode.value):
            scale, carrier = self.kb.scale, self.carrier
            shown = f"{scale.from_she(anode_she, carrier):.2f} V vs {scale.display_name(carrier)}"
            source = anode.text if anode else f"{materials['anode'].name}, from the knowledge base"
            self.problem(f"cathode.potential {cathode.text!r} is at or below the anode's potential ({shown}; {source})",
                         cathode.location, "the cathode is the positive electrode: check both references, "
                                           "or whether anode and cathode are swapped")
        for layer in electrolytes:
            homo, lumo = layer.values.get("homo"), layer.values.get("lumo")
            if homo is not None and lumo is not None and plausible.orbitals_reversed(homo.value, lumo.value):
                self.problem(f"homo {homo.text!r} is at or above lumo {lumo.text!r}", homo.location,
                             "the HOMO is the lower orbital energy (more negative eV); swap them or check the signs")

    # -- file level ----------------------------------------------------------
    def _top_level(self, data: dict) -> None:
        for key in data:
            if key not in TOP_LEVEL:
                self.problem(f"unknown key {key!r}", self.doc.where(key),
                             did_you_mean(key, TOP_LEVEL) or "top-level tables: " + ", ".join(TOP_LEVEL[1:]))
        version = data.get("spec_version")
        if version is None:
            self.problem("missing spec_version", Location(self.doc.path, 1, 1), "add `spec_version = 1` as the first line")
        elif version not in SPEC_VERSIONS or not isinstance(version, int) or isinstance(version, bool):
            self.problem(f"unsupported spec_version {version!r}", self.doc.where("spec_version"),
                         "this cellrules reads spec_version " + ", ".join(map(str, SPEC_VERSIONS)))

    def _carrier(self, cell: dict) -> None:
        """The one check of cell.carrier (_section skips it), since every potential depends on it."""
        carrier = cell.get("carrier")
        where = self.doc.where("cell", "carrier")
        if carrier is None:
            self.problem("[cell] needs a carrier", self.doc.where("cell"), 'add carrier = "Li" (or Na, K, Mg, Zn, Al, Ca)')
        elif not isinstance(carrier, str):
            self.problem(f"carrier must be a string, got {_shown(carrier)}", where,
                         'e.g. carrier = "Li" (or Na, K, Mg, Zn, Al, Ca)')
        elif carrier not in F.CARRIERS:
            metal = self.kb.lookup("anode", carrier)  # "lithium" is an alias of the metal Li
            named = metal.entry.name if metal is not None and metal.entry.name in F.CARRIERS else None
            self.problem(f"unknown carrier {carrier!r}", where,
                         (f"did you mean {named}?" if named else did_you_mean(carrier, F.CARRIERS))
                         or "carriers: " + ", ".join(F.CARRIERS))
        else:
            self.carrier = carrier
            self.values["cell.carrier"] = SpecValue(carrier, carrier, where)
        if "name" not in cell:
            self.problem("[cell] needs a name", self.doc.where("cell"), 'add name = "a short description of the design"')

    # -- sections ------------------------------------------------------------
    def _section(self, section: str, table: dict, path: tuple = (), values: dict | None = None) -> None:
        """Read one table's keys; `path` locates it (("electrolyte", 1) for a layer of [[electrolyte]]) and
        `values` collects what it sets (a layer's own dict, keyed by field key; else self.values by path)."""
        path = path or (section,)
        keys = section_keys(section)
        extra = EXTRA_KEYS.get(section, ())
        orbital = ("homo", "lumo") if section == "electrolyte" else ()
        for key, raw in table.items():
            where = self.doc.where(*path, key)
            if key in extra or key in orbital:
                if key == "window":
                    self._window(raw, where, path, values)
                elif key in orbital:
                    self._orbital(key, raw, where, values)
                elif key == "custom" and not isinstance(raw, bool):
                    self.problem("custom must be true or false", where)
                continue
            if section == "electrolyte" and key in ("salt", "solvent", "additives"):
                continue  # resolved as knowledge-base parts in _parts
            if section == "sei" and key == "components":
                continue
            if section == "current_collector" and key in ("anode", "cathode"):
                continue  # materials, resolved in _collectors
            field = keys.get(key)
            if field is None:
                allowed = list(keys) + list(extra) + list(orbital)
                self.problem(f"unknown key {key!r} in [{section}]", where,
                             did_you_mean(key, allowed) or "keys: " + ", ".join(sorted(allowed)))
                continue
            if key == "material" or field.path == "cell.carrier":
                continue
            parsed = self.value(field, raw, where)
            if parsed is not None:
                if values is None:
                    self.values[field.path] = parsed
                else:
                    values[field.key] = parsed

    def _electrolytes(self, raw) -> tuple[ElectrolyteLayer, ...]:
        """`[electrolyte]` (one layer) or `[[electrolyte]]` (layers from the anode side to the cathode side)."""
        if raw is None:
            return ()
        if isinstance(raw, dict):
            tables = [((("electrolyte",)), raw)]
        elif isinstance(raw, list) and raw and all(isinstance(t, dict) for t in raw):
            tables = [(("electrolyte", index), table) for index, table in enumerate(raw)]
        else:
            self.problem("electrolyte must be a table [electrolyte], or an array of tables [[electrolyte]] "
                         "(one per layer, from the anode side to the cathode side)", self.doc.where("electrolyte"))
            return ()
        layers = []
        for position, (path, table) in enumerate(tables, start=1):
            values: dict = {}
            self._section("electrolyte", table, path, values)
            material = self._material("electrolyte", table, path)
            parts = self._parts(table, path, values)
            layers.append(ElectrolyteLayer(position, material, values, parts, self.doc.where(*path)))
        return tuple(layers)

    def value(self, field: F.Field, raw, where: Location) -> SpecValue | None:
        """Parse one value for `field`, reporting a problem (and returning None) when it is wrong."""
        kind = field.kind
        if kind in (F.QUANTITY, F.POTENTIAL):
            return self._quantity(field, raw, where)
        if kind == F.NUMBER:
            example = f"e.g. {field.key} = {_NUMBER_EXAMPLES.get(field.path, '1')}"
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                self.problem(f"{field.key} must be a plain number, got {_shown(raw)}", where, example)
                return None
            if _finite(raw) is None:
                self.problem(f"{field.key} must be a finite number, got {raw}", where, example)
                return None
            if field.path in FRACTIONS and not 0 <= raw <= 1:
                self.problem(f"{field.key} must be a fraction between 0 and 1, got {raw}", where,
                             f"write {raw / 100:g} for {raw} %" if 1 < raw <= 100 else "")
                return None
            if raw < 0:
                self.problem(f"{field.key} cannot be negative, got {raw}", where)
                return None
            text = str(raw)
            return self._plausible(field, SpecValue(float(raw), text, where), text)
        if kind == F.STRING:
            if not isinstance(raw, str):
                self.problem(f"{field.key} must be a string, got {_shown(raw)}", where,
                             "values: " + ", ".join(field.vocabulary) if field.vocabulary else
                             f'write {field.key} = "{raw}"' if isinstance(raw, (int, float)) else "")
                return None
            if field.vocabulary and raw not in field.vocabulary:
                self.problem(f"{field.key} {raw!r} is not one of the accepted values", where,
                             did_you_mean(raw, field.vocabulary) or "values: " + ", ".join(field.vocabulary))
                return None
            return self._plausible(field, SpecValue(raw, raw, where))
        if kind == F.BOOL:
            if not isinstance(raw, bool):
                self.problem(f"{field.key} must be true or false, got {_shown(raw)}", where)
                return None
            return SpecValue(raw, str(raw).lower(), where)
        if kind == F.STRINGS:
            if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
                self.problem(f"{field.key} must be a list of strings", where, f'e.g. {field.key} = ["..."]')
                return None
            bad = [x for x in raw if field.vocabulary and x not in field.vocabulary]
            for word in bad:
                self.problem(f"{field.key}: {word!r} is not one of the accepted values", where,
                             did_you_mean(word, field.vocabulary) or "values: " + ", ".join(field.vocabulary))
            return None if bad else SpecValue(tuple(raw), ", ".join(raw), where)
        raise AssertionError(kind)  # pragma: no cover

    def _quantity(self, field: F.Field, raw, where: Location) -> SpecValue | None:
        if type(raw) is str:
            accepted = _ACCEPTED.get((field.path, raw))
            if accepted is not None:
                return SpecValue(accepted, raw, where)
        expected = units.VOLTAGE if field.kind == F.POTENTIAL else field.dimension
        example = functools.partial(example_value, field)   # for a problem's hint only: most values have none
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            self.problem(f"{field.key} must be a quantity string, got {_shown(raw)}", where, f'e.g. {field.key} = "{example()}"')
            return None
        if isinstance(raw, (int, float)):
            if isinstance(raw, float) and not math.isfinite(raw):
                self.problem(f"{field.key} = {raw} is not a number a cell can have", where, f'e.g. {field.key} = "{example()}"')
                return None
            unit = example().split(" ", 1)[1].split(" vs ")[0] if " " in example() else ""
            number = raw if isinstance(raw, int) else format(raw, "g")  # format(int, "g") overflows past 1e308
            self.problem(f"{field.key} = {raw} has no unit", where, f'add a unit, e.g. "{number} {unit}"')
            return None
        try:
            if field.kind == F.POTENTIAL:
                parsed = potential.parse_potential(raw, self.carrier, self.kb.scale)
                return self._plausible(field, SpecValue(parsed.she, raw, where))
            quantity = units.parse_quantity(raw)
        except (units.UnitError, potential.PotentialError) as error:
            self.problem(f"{field.key}: {error.message}", where, error.hint)
            return None
        if quantity.dimension == units.DIMENSIONLESS and expected != units.DIMENSIONLESS:
            self.problem(f"{field.key} = {raw!r} has no unit", where,
                         f'add a unit, e.g. "{_number_part(raw)} {example().split(" ", 1)[1]}"')
            return None
        if quantity.dimension != expected:
            self.problem(f"{field.key}: expected {_article(expected.name)}, got {_article(quantity.dimension.name)} ({raw})",
                         where, f'e.g. {field.key} = "{example()}"')
            return None
        if expected == units.TEMPERATURE and quantity.value < 0:
            self.problem(f"{field.key} = {raw!r} is below absolute zero", where)
            return None
        if (expected in _NON_NEGATIVE or field.key.endswith("modulus") or field.key == "activation_energy") \
                and quantity.value < 0:
            self.problem(f"{field.key} cannot be negative ({raw})", where)
            return None
        value = self._plausible(field, SpecValue(quantity.value, raw, where))
        if value is not None:
            if len(_ACCEPTED) >= _ACCEPTED_MAX:
                _ACCEPTED.clear()
            _ACCEPTED[field.path, raw] = quantity.value
        return value

    def _plausible(self, field: F.Field, value: SpecValue, written: str | None = None) -> SpecValue | None:
        """`value` when it is physically possible for `field` (cellspec/plausible.py); else a problem and None,
        quoting the value as `written` (by default its text, quoted: made only for a problem)."""
        if isinstance(value.value, str):
            if value.value.strip():
                return value
            self.problem(f"{field.key} is empty", value.location, f"write {field.key} = \"...\" or leave the key out")
            return None
        bounds = plausible.out_of_range(field.path, value.value)
        if bounds is None:
            return value
        written = repr(value.text) if written is None else written
        self.problem(plausible.message(field.key, written, value.value, bounds, self.kb.scale, self.carrier),
                     value.location, bounds.hint)
        return None

    def _window(self, raw, where: Location, path: tuple, values: dict) -> None:
        if not isinstance(raw, dict):
            self.problem("window must be a table", where, 'e.g. window = { low = "1.7 V", high = "2.1 V", vs = "Li/Li+" }')
            return
        for key in raw:
            if key not in ("low", "high", "vs"):
                self.problem(f"unknown key {key!r} in window", where, did_you_mean(key, ("low", "high", "vs")))
        reference = raw.get("vs", self.carrier)
        if not isinstance(reference, str):
            self.problem(f"window.vs must be a reference electrode, got {_shown(reference)}",
                         self.doc.where(*path, "window", "vs"), 'e.g. vs = "Li/Li+"')
            return
        for key in ("low", "high"):
            if key not in raw:
                continue
            at = self.doc.where(*path, "window", key)
            if isinstance(raw[key], bool) or not isinstance(raw[key], (str, int, float)):
                self.problem(f"window.{key} must be a potential string, got {_shown(raw[key])}", at, 'e.g. "1.7 V"')
                continue
            text = raw[key] if isinstance(raw[key], str) else str(raw[key])
            try:
                parsed = potential.parse_potential(text if " vs" in text else f"{text} vs {reference}", reference, self.kb.scale)
            except (units.UnitError, potential.PotentialError) as error:
                self.problem(f"window.{key}: {error.message}", at, error.hint or 'e.g. "1.7 V"')
                continue
            limit = self._plausible(F.BY_PATH[f"electrolyte.window.{key}"], SpecValue(
                parsed.she, f"{text} vs {reference}" if " vs" not in text else text, at), repr(raw[key]))
            if limit is not None:
                values[f"window.{key}"] = limit
        low, high = values.get("window.low"), values.get("window.high")
        if low and high and low.value > high.value:
            self.problem("window.low is above window.high", where, "swap them")

    def _orbital(self, key: str, raw, where: Location, values: dict) -> None:
        try:
            quantity = units.parse_quantity(raw) if isinstance(raw, str) else None
        except units.UnitError as error:
            self.problem(f"{key}: {error.message}", where, error.hint)
            return
        if quantity is None or quantity.dimension != units.ENERGY:
            self.problem(f"{key} must be an orbital energy in eV (vacuum scale)", where, 'e.g. homo = "-6.9 eV"')
            return
        she = potential.energy_to_potential_she(quantity.value / units.ELECTRON_VOLT)
        orbital = self._plausible(F.BY_PATH[f"electrolyte.{key}"], SpecValue(she, raw, where))
        if orbital is not None:
            values[key] = orbital

    # -- materials -----------------------------------------------------------
    def _material(self, section: str, table: dict, path: tuple = ()) -> Material | None:
        path = path or (section,)
        where = self.doc.where(*path, "material")
        name = table.get("material")
        custom = table.get("custom") is True
        if name is None:
            if custom:
                name = f"custom {section}"
            else:
                return None
        if not isinstance(name, str):
            self.problem("material must be a string", where)
            return None
        if custom:
            required = {"anode": ("kind",), "electrolyte": ("state", "class")}.get(section, ())
            for key in required:
                if key not in table:
                    self.problem(f"a custom {section} must give {key}", self.doc.where(*path),
                                 f"add {key} = ... ({', '.join(F.BY_PATH[f'{section}.{key}'].vocabulary)})")
            known = self.kb.lookup(section, name) if "material" in table else None
            if known is not None:
                self.problem(f"{section} material {name!r} is in the knowledge base, yet custom = true ignores what it "
                             f"knows of it", self.doc.where(*path, "custom"),
                             f"remove custom = true to use the knowledge base's {known.entry.name} (values given here "
                             "still override it), or give the custom material a name of its own")
            return Material(name, None, "custom", where)
        match = self.kb.lookup(section, name)
        if match is not None:
            return Material(name, match.entry, match.how, where)
        if section == "electrolyte" and ("salt" in table or "solvent" in table):
            return Material(name, None, "label", where)  # a liquid described by its parts
        self._unknown_material(section, name, where)
        return None

    def _unknown_material(self, section: str, name: str, where: Location) -> None:
        known = self.kb.names_for(section)
        hint = did_you_mean(name, known, describe=lambda alias: alias if known[alias] == alias else f"{known[alias]} ({alias})",
                            owner=known.get)
        extra = f"or declare it with custom = true in [{section}] and give its properties" if section in EXTRA_KEYS \
            else "see `cellrules knowledge list`"
        shown = name if len(name) <= 80 else f"{name[:60]}... ({len(name)} characters)"
        self.problem(f"unknown {section.replace('_', ' ')} material {shown!r}", where, f"{hint} {extra}".strip() if hint else extra)

    def _lookup_list(self, section: str, names, where: Location) -> tuple[Material, ...]:
        found = []
        for name in names:
            match = self.kb.lookup(section, name)
            if match is None:
                self._unknown_material(section, name, where)
            else:
                found.append(Material(name, match.entry, match.how, where))
        return tuple(found)

    def _parts(self, table: dict, path: tuple, values: dict) -> dict:
        """A liquid's salt, solvents and additives, each a knowledge-base entry."""
        parts = {}
        for key in ("salt", "solvent", "additives"):
            if key not in table:
                continue
            raw = table[key]
            where = self.doc.where(*path, key)
            items = [raw] if (key == "salt" and isinstance(raw, str)) else raw
            if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
                self.problem(f"electrolyte.{key} must be {'a string' if key == 'salt' else 'a list of strings'}", where)
                continue
            parts[key] = self._lookup_list(key, items, where)
            values[key] = SpecValue(
                (parts[key][0].entry.name if parts[key] else items[0]) if key == "salt"
                else tuple(m.entry.name for m in parts[key]), ", ".join(items), where)
        return parts

    def _interlayers(self, raw, layer_count: int) -> tuple[Interlayer, ...]:
        if not isinstance(raw, list) or not all(isinstance(table, dict) for table in raw):
            self.problem("interlayer must be an array of tables [[interlayer]]", self.doc.where("interlayer"))
            return ()
        keys = section_keys("interlayer")
        layers = []
        for index, table in enumerate(raw):
            header = self.doc.where("interlayer", index)
            values, interface = {}, None
            for key, value in table.items():
                where = self.doc.where("interlayer", index, key)
                if key == "custom" and not isinstance(value, bool):
                    self.problem("custom must be true or false", where)
                if key in ("material", "custom"):
                    continue
                if key == "between":
                    parsed, interface = self._between(value, where, layer_count)
                else:
                    field = keys.get(key)
                    if field is None:
                        self.problem(f"unknown key {key!r} in [[interlayer]]", where, did_you_mean(key, [*keys, "custom"]))
                        continue
                    parsed = self.value(field, value, where)
                if parsed is not None:
                    values[key] = parsed
            if "between" not in table:
                self.problem("an interlayer needs `between`", header, 'e.g. between = ["cathode", "electrolyte"]')
            material = self._material("interlayer", table, ("interlayer", index))
            if material is None and "material" not in table:
                self.problem("an interlayer needs a material", header, 'e.g. material = "LiNbO3"')
            if material is not None:
                if material.entry is None and "class" not in values:
                    self.problem("a custom interlayer must give its class", header,
                                 "class = " + " | ".join(F.INTERLAYER_CLASSES))
                layers.append(Interlayer(material, values, header, interface))
        return tuple(layers)

    def _between(self, raw, where: Location, layer_count: int) -> tuple[SpecValue | None, int | None]:
        """`between = [A, B]`: two adjacent members of the stack, read as the sides rules see.

        The stack is anode | electrolyte.1 | ... | electrolyte.N | cathode (a current collector
        sits outside either electrode). "electrolyte" alone is the layer next to the other side.
        The value rules read names the kinds of the two sides (["anode", "electrolyte"],
        ["electrolyte", "electrolyte"], ...); `interface` numbers the interface along the stack.
        """
        example = 'e.g. between = ["cathode", "electrolyte"]' + _layers_hint(layer_count)
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            self.problem("between must be a list of strings", where, example)
            return None, None
        known = _stack_names(layer_count) + (["electrolyte.1"] if layer_count <= 1 else ["electrolyte"])
        for text in raw:
            if text not in known:
                self.problem(f"between: {text!r} is not one of the accepted values", where,
                             did_you_mean(text, _stack_names(layer_count))
                             or "sides: " + ", ".join(_stack_names(layer_count)))
        if len(raw) != 2:
            self.problem(f"between names the two sides of the interface, got {len(raw)}", where, example)
            return None, None
        if any(text not in known for text in raw):
            return None, None
        first, second = (_stack_position(a, b, layer_count) for a, b in (raw, raw[::-1]))
        if first is None or second is None or abs(first - second) != 1:
            self.problem(f"between {raw[0]!r} and {raw[1]!r}: the two sides are not adjacent in the stack", where,
                         "the stack is " + " | ".join(_stack_names(layer_count)[1:]) + _layers_hint(layer_count))
            return None, None
        low = min(first, second)
        kinds = tuple(text.split(".")[0] for text in raw)
        interface = low if "electrolyte" in kinds and 0 <= low <= max(layer_count, 1) else None
        return SpecValue(kinds, ", ".join(raw), where), interface

    def _sei(self, table) -> tuple[Material, ...]:
        if not isinstance(table, dict) or "components" not in table:
            return ()
        where = self.doc.where("sei", "components")
        raw = table["components"]
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            self.problem("sei.components must be a list of strings", where, 'e.g. components = ["LiF", "Li3N"]')
            return ()
        return self._lookup_list("sei", raw, where)

    def _collectors(self, table) -> dict:
        if not isinstance(table, dict):
            return {}
        found = {}
        for side in ("anode", "cathode"):
            name = table.get(side)
            if isinstance(name, str):
                where = self.doc.where("current_collector", side)
                materials = self._lookup_list("current_collector", [name], where)
                if materials:
                    found[side] = materials[0]
            elif name is not None:
                self.problem(f"current_collector.{side} must be a string", self.doc.where("current_collector", side))
        return found

    def _waivers(self, raw) -> tuple[Waiver, ...]:
        if not isinstance(raw, list) or not all(isinstance(table, dict) for table in raw):
            self.problem("waiver must be an array of tables [[waiver]]", self.doc.where("waiver"))
            return ()
        waivers = []
        for index, table in enumerate(raw):
            where = self.doc.where("waiver", index)
            for key in table:
                if key not in WAIVER_KEYS:
                    self.problem(f"unknown key {key!r} in [[waiver]]", self.doc.where("waiver", index, key),
                                 did_you_mean(key, WAIVER_KEYS))
            rule, reason, expires = table.get("rule"), table.get("reason"), table.get("expires")
            if not isinstance(rule, str):
                self.problem("a waiver needs the rule id it waives", where, 'rule = "mechanics.shear-modulus-ratio"')
                continue
            if self.rule_ids and rule not in self.rule_ids:
                self.problem(f"waiver names unknown rule {rule!r}", self.doc.where("waiver", index, "rule"),
                             did_you_mean(rule, self.rule_ids) or "list the rules with `cellrules rules list`")
            if not isinstance(reason, str) or not reason.strip():
                self.problem(f"the waiver of {rule} has no reason", where, 'add reason = "why this failure is accepted"')
                continue
            expires = _expiry_date(expires)
            if expires is False:
                self.problem("waiver expires must be a date, YYYY-MM-DD", self.doc.where("waiver", index, "expires"),
                             "write expires = 2027-06-30")
                continue
            earlier = next((w for w in waivers if w.rule == rule), None)
            if earlier is not None:
                # Two waivers of one rule: which reason and expiry hold would depend on their order.
                self.problem(f"rule {rule} is waived twice", where, f"the first waiver is at line {earlier.location.line}; "
                             "keep one")
                continue
            waivers.append(Waiver(rule, reason.strip(), expires, where))
        return tuple(waivers)


def _expiry_date(raw):
    """A waiver's `expires`: a TOML date, or the same date quoted ("2027-06-30"), which editors cannot tell apart
    (Taplo and check-jsonschema see every TOML date as a string); None when absent, False when not a date."""
    if raw is None:
        return None
    if isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        try:
            return datetime.date.fromisoformat(raw.strip())
        except ValueError:
            return False
    return False


def _stack_names(layer_count: int) -> list[str]:
    """The members of the stack an interlayer can sit between, anode side first."""
    layers = [f"electrolyte.{k}" for k in range(1, layer_count + 1)] if layer_count > 1 else ["electrolyte"]
    return ["current_collector", "anode", *layers, "cathode"]


def _stack_position(name: str, other: str, layer_count: int) -> int | None:
    """Where `name` sits: anode 0, electrolyte.k at k, cathode N+1; a collector outside the electrode
    it pairs with; bare "electrolyte" is the layer next to `other`. None when that is ambiguous."""
    last = max(layer_count, 1)
    if name == "anode":
        return 0
    if name == "cathode":
        return last + 1
    if name.startswith("electrolyte."):
        return int(name.split(".", 1)[1])
    if name == "electrolyte":
        if other in ("anode", "current_collector"):
            return 1
        if other == "cathode":
            return last
        return 1 if layer_count <= 1 and not other.startswith("electrolyte") else None
    # current_collector: outside the electrode (or, in an anode-free cell, against the first layer)
    return {"anode": -1, "cathode": last + 2}.get(other, 0 if other in ("electrolyte", "electrolyte.1") else None)


def _layers_hint(layer_count: int) -> str:
    return '; with several electrolyte layers name them "electrolyte.1" ... "electrolyte.N"' if layer_count > 1 else ""


def _number_part(text: str) -> str:
    """The number a quantity string starts with ("5" of "5 %"), for a hint that must itself be valid."""
    match = re.match(r"\s*([+\-−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-]?\d+)?)", text)
    return match.group(1) if match else "1"


def _entry_potential(material) -> float | None:
    """An anode material's potential (V vs SHE) from its knowledge-base entry, if it has one."""
    entry = material.entry if material is not None else None
    if entry is None:
        return None
    value = entry.get("potential") or entry.get("standard_potential")
    return value.value if value is not None else None


def _finite(number) -> float | None:
    """`number` as a float, or None when it is nan, infinite or too large for a float (TOML ints are unbounded)."""
    try:
        value = float(number)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


_TOML_TYPES = {"bool": "boolean", "int": "integer", "float": "float", "list": "array", "dict": "table",
               "date": "date", "datetime": "date-time", "time": "time"}


def _shown(raw) -> str:
    """A value as TOML would call it: `integer 3`, `boolean true`, `array ['Li']`."""
    if isinstance(raw, str):
        return repr(raw)
    shown = str(raw).lower() if isinstance(raw, bool) else str(raw)
    return f"{_TOML_TYPES.get(type(raw).__name__, type(raw).__name__)} {shown}"


def _article(name: str) -> str:
    return ("an " if name[:1] in "aeiou" else "a ") + name


def example_value(field: F.Field) -> str:
    if field.kind == F.POTENTIAL:
        return "4.3 V vs Li/Li+"
    examples = {
        units.PRESSURE: "5 MPa", units.CONDUCTIVITY: "1e-4 S/cm", units.LENGTH: "20 um",
        units.TEMPERATURE: "25 degC", units.CURRENT_DENSITY: "0.5 mA/cm^2", units.AREAL_CAPACITY: "2 mAh/cm^2",
        units.ENERGY: "0.3 eV", units.MOLAR_VOLUME: "13 cm^3/mol", units.CONCENTRATION: "1 mol/L",
        units.SPECIFIC_ENERGY: "400 Wh/kg",
    }
    if field.key.endswith("modulus") or field.key.endswith("strength"):
        return "4.2 GPa"
    return examples.get(field.dimension, "1")
