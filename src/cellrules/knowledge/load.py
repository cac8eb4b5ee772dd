"""Load `knowledge/*.toml` into a KnowledgeBase, validating every key and value.

Quantities are parsed to SI floats and potentials to volts vs SHE here, once,
so rules evaluate on floats. A lab's pack (`--rules DIR`) may replace a
built-in entry by giving one of the same kind and name; the provenance then
names the lab's file.
"""
from __future__ import annotations

import math
from pathlib import Path

from cellrules import potential, units
from cellrules.cellspec import fields as F
from cellrules.cellspec import plausible
from cellrules.errors import KnowledgeError, Location, ManyErrors, did_you_mean
from cellrules.knowledge import names
from cellrules.knowledge.base import Entry, KnowledgeBase, Reaction, Value
from cellrules.tomlfile import TomlDocument, read_toml

_COMMON = {"name": "str", "aliases": "strs", "formula": "str", "family": "family", "source": "str",
           "sources": "sources", "note": "str"}
SCHEMA: dict[str, dict[str, object]] = {
    "metal": {"charge": "int", "standard_potential": "pot", "shear_modulus": units.PRESSURE,
              "melting_point": units.TEMPERATURE, "molar_volume": units.MOLAR_VOLUME,
              "yield_strength": units.PRESSURE, "density": units.DENSITY},
    "anode": {"carrier": "str", "kind": "str", "potential": "pot", "shear_modulus": units.PRESSURE,
              "melting_point": units.TEMPERATURE, "molar_volume": units.MOLAR_VOLUME,
              "volume_change": "num", "hosted": "bool", "ion_conducting_sei": "bool", "remarks": "str"},
    "reference_electrode": {"potential": "pot"},
    "electrolyte": {"state": "str", "class": "str", "carriers": "strs",
                    "ionic_conductivity": units.CONDUCTIVITY, "conductivity_temperature": units.TEMPERATURE,
                    "activation_energy": units.ENERGY, "vft": "vft",
                    "electronic_conductivity": units.CONDUCTIVITY, "shear_modulus": units.PRESSURE,
                    "window": "window", "measured_window": "window", "homo": "orbital", "lumo": "orbital",
                    "moisture_sensitive": "bool", "decomposition_temperature": units.TEMPERATURE,
                    "max_temperature": units.TEMPERATURE, "critical_current_density": units.CURRENT_DENSITY,
                    "bare_critical_current_density": units.CURRENT_DENSITY, "transference_number": "num",
                    "polymer_host": "str", "structure": "str", "polyanion": "str", "anions": "strs", "water_stable": "bool", "wetted_by": "strs",
                    "aqueous": "bool", "salt": "str", "solvent": "strs", "additives": "strs", "remarks": "str",
                    "reaction": "reaction"},
    "electrolyte_class": {"class": "str", "carrier": "str", "label": "str", "materials": "str",
                          "ionic_conductivity": ("range", units.CONDUCTIVITY),
                          "activation_energy": ("range", units.ENERGY),
                          "conductivity_temperature": units.TEMPERATURE, "remarks": "str"},
    "cathode": {"carrier": "str", "structure": "str", "potential": "pot", "potential_range": "window",
                "oxide": "bool", "remarks": "str"},
    "interlayer": {"class": "str", "class_at": "table", "conduction_group": "int", "carriers": "strs", "polyanion": "str",
                   "thickness_range": ("range", units.LENGTH), "deposition": "strs", "remarks": "str"},
    "sei_phase": {"carrier": "str", "electronic": "str", "ionic": "str", "preferred": "bool",
                  "soluble_in": "strs", "remarks": "str"},
    "collector": {"alloys_with": "strs", "corroded_by": "strs", "corroded_by_anions": "strs", "remarks": "str"},
    "salt": {"carrier": "str", "class": "str", "anions": "strs", "remarks": "str"},
    "solvent": {"class": "str", "water": "bool", "boiling_point": units.TEMPERATURE,
                "melting_point": units.TEMPERATURE, "remarks": "str"},
    "additive": {"carrier": "str", "class": "str", "water": "bool", "anions": "strs", "remarks": "str"},
    # Two electrolytes, by class or by material name, that react (or are reported compatible) where they touch.
    "electrolyte_pair": {"between": "strs", "reacts": "bool", "products": "strs", "remarks": "str"},
    "failure_mode": {"id": "str", "title": "str", "mechanism": "str", "drivers": "strs", "mitigations": "strs",
                     "techniques": "strs", "review": "str"},
    "technique": {"capability": "str", "sample": "str", "limitations": "str"},
}
_RANGE_KEYS = ("low", "high", "vs", "kind")


def knowledge_files(directories) -> list[Path]:
    """`knowledge/*.toml` of each pack; a folder so named is no file (anything else is read, and reported)."""
    files: list[Path] = []
    for directory in directories:
        files.extend(sorted(p for p in Path(directory, "knowledge").glob("*.toml") if not p.is_dir()))
    return files


def load_knowledge(directories, memo=lambda path, kind, parse: parse()) -> KnowledgeBase:
    """Load the knowledge of each rule directory in order; later entries replace earlier ones.

    `memo(path, kind, parse)` may return a document parsed earlier (see engine/ruleset.build_ruleset).
    """
    problems: list[KnowledgeError] = []
    documents, pack_of = [], {}
    for pack, directory in enumerate(directories):
        for path in knowledge_files([directory]):
            try:
                documents.append(memo(path, TomlDocument, lambda: read_toml(str(path), KnowledgeError)))
                pack_of[str(path)] = pack
            except KnowledgeError as error:
                problems.append(error)
    raw = [(doc, kind, index, table) for doc in documents for kind, tables in sorted(doc.data.items())
           for index, table in enumerate(tables if isinstance(tables, list) else [tables])]
    valid = []
    for doc, kind, index, table in raw:
        if kind not in SCHEMA:
            problems.append(KnowledgeError(f"unknown entry kind [[{kind}]]", doc.where(kind),
                                           did_you_mean(kind, SCHEMA) or "kinds: " + ", ".join(SCHEMA)))
        elif not isinstance(table, dict):
            problems.append(KnowledgeError(f"{kind} must be an array of tables [[{kind}]]", doc.where(kind)))
        else:
            try:
                _check_keys(doc, kind, index, table)
                valid.append((doc, kind, index, table))
            except KnowledgeError as error:
                problems.append(error)
    raw = valid
    scale = _scale([r for r in raw if r[1] in ("metal", "reference_electrode")], problems)
    entries: dict[tuple[str, str], Entry] = {}
    for doc, kind, index, table in raw:
        try:
            entry = _entry(doc, kind, index, table, scale)
        except KnowledgeError as error:
            problems.append(error)
            continue
        key = (kind, names.fold(entry.name))
        earlier = entries.get(key)
        if earlier is not None and pack_of[earlier.location.path] == pack_of[doc.path]:
            # Within one pack a repeated name is a mistake; a later pack replaces on purpose.
            problems.append(KnowledgeError(f"{kind} {entry.name} is defined twice", entry.location,
                                           f"also defined at {earlier.location}"))
        entries[key] = entry
    problems.extend(_alias_clashes(entries.values()))
    if problems:
        # The scale and the entry both read a metal's standard_potential: one report of each problem.
        raise ManyErrors(list({(str(p.location), p.message): p for p in problems}.values()))
    ordered = tuple(entries.values())
    failure_modes = {e.values["id"].value: e for e in ordered if e.kind == "failure_mode" and "id" in e.values}
    classes = tuple(e for e in ordered if e.kind == "electrolyte_class")
    return KnowledgeBase(ordered, scale, failure_modes, classes)


def _alias_clashes(entries) -> list[KnowledgeError]:
    """An alias that names two entries of one kind would make a spec's meaning depend on file order."""
    owner: dict[tuple[str, str], Entry] = {}
    problems = []
    for entry in entries:
        for alias in dict.fromkeys((entry.name, *entry.aliases)):
            key = (entry.kind, names.fold(alias))
            other = owner.setdefault(key, entry)
            if other is not entry:
                problems.append(KnowledgeError(f"{entry.kind} alias {alias!r} of {entry.name} also names {other.name}",
                                               entry.location, f"{other.name} is at {other.location}"))
    return problems


def _scale(raw, problems) -> potential.ReferenceScale:
    """Reference electrodes from the metals' standard potentials and the extra electrodes."""
    metals: dict[str, tuple[int, float]] = {}
    for doc, kind, index, table in raw:
        if kind != "metal":
            continue
        name, charge = _name(table), table.get("charge", 1)
        if "standard_potential" not in table:
            problems.append(KnowledgeError(f"metal {name}: a standard_potential vs SHE is required", doc.where(kind, index),
                                           'e.g. standard_potential = "-3.04 V vs SHE"'))
            continue
        if isinstance(charge, bool) or not isinstance(charge, int):
            continue  # the entry reports it
        try:
            she = potential.parse_potential(_text(table["standard_potential"]), "SHE", potential.ReferenceScale({}, {}))
        except (potential.PotentialError, units.UnitError, TypeError) as error:
            problems.append(KnowledgeError(f"metal {name}, standard_potential: {getattr(error, 'message', error)}",
                                           doc.where(kind, index, "standard_potential"),
                                           'a standard potential is written vs SHE: "-3.04 V vs SHE"'))
            continue
        metals[name] = (charge, she.she)
    scale = potential.ReferenceScale(metals, {})
    others: dict[str, tuple[str, float]] = {}
    for doc, kind, index, table in raw:
        if kind != "reference_electrode":
            continue
        name = _name(table)
        if "potential" not in table:
            problems.append(KnowledgeError(f"reference electrode {name}: a potential is required", doc.where(kind, index),
                                           'e.g. potential = "0.62 V vs Li/Li+"'))
            continue
        try:
            value = potential.parse_potential(_text(table["potential"]), "SHE", scale)
        except (potential.PotentialError, units.UnitError, TypeError) as error:
            problems.append(KnowledgeError(f"reference_electrode {name}, potential: {getattr(error, 'message', error)}",
                                           doc.where(kind, index, "potential"), getattr(error, "hint", "") or ""))
            continue
        for alias in (name, *table.get("aliases", ())):
            others[potential.normalize_reference(alias)] = (table["name"], value.she)
    return potential.ReferenceScale(metals, others)


def _check_keys(doc: TomlDocument, kind: str, index: int, table: dict) -> None:
    """Unknown keys and the keys every kind shares, checked before anything reads them."""
    schema = {**_COMMON, **SCHEMA[kind]}
    where = doc.where(kind, index)
    for key in table:
        if key not in schema:
            raise KnowledgeError(f"unknown key {key!r} in [[{kind}]]", doc.where(kind, index, key),
                                 did_you_mean(key, schema) or "keys: " + ", ".join(sorted(schema)))
    name = _name(table)
    if not isinstance(name, str) or not name.strip():
        raise KnowledgeError(f"[[{kind}]] entry without a name", where, 'add name = "..."')
    if kind == "failure_mode" and not isinstance(table.get("id"), str):
        raise KnowledgeError(f"failure_mode {name} has no id", where, f'add id = "{name}" (the id rules name in `failure`)')
    source = table.get("source")
    if not isinstance(source, str) or not source.strip():
        raise KnowledgeError(f"{kind} {name}: every entry needs a source", where,
                             'e.g. source = "seed Table 1 (line 225), refs [104]"')
    for key, expected in (("formula", "a string"), ("note", "a string")):
        if key in table and not isinstance(table[key], str):
            raise KnowledgeError(f"{kind} {name}, {key}: expected {expected}", doc.where(kind, index, key))
    if "formula" in table and names.composition(table["formula"]) is None:
        raise KnowledgeError(f"{kind} {name}, formula: {table['formula']!r} is not a chemical formula",
                             doc.where(kind, index, "formula"), "omit formula for a mixture; e.g. formula = \"Li3PS4\"")
    aliases = table.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise KnowledgeError(f"{kind} {name}, aliases: expected a list of strings", doc.where(kind, index, "aliases"),
                             'e.g. aliases = ["LLZO", "garnet"]')
    sources = table.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        raise KnowledgeError(f"{kind} {name}, sources: expected a table of strings", doc.where(kind, index, "sources"),
                             'e.g. sources = { shear_modulus = "outside: ..." }')
    for key in sources:
        if key not in table:
            raise KnowledgeError(f"{kind} {name}, sources: {key!r} is not a value of this entry",
                                 doc.where(kind, index, "sources"), did_you_mean(key, table))
    if "family" in table:
        _check_family(table["family"], f"{kind} {name}, family", doc.where(kind, index, "family"))


def _name(table: dict):
    """An entry's name; a failure mode may be named by its id alone."""
    return table.get("name") or table.get("id")


def _check_family(families, what: str, where: Location) -> None:
    """`family` is one substitution series, or an array of them (one per dopant)."""
    example = 'e.g. family = { formula = "Li7-xLa3Zr2-xTaxO12", variable = "x", min = 0, max = 1 }, or an array of such'
    for family in families if isinstance(families, list) and families else [families]:
        _check_one_family(family, what, where, example)


def _check_one_family(family, what: str, where: Location, example: str) -> None:
    if not isinstance(family, dict) or not isinstance(family.get("formula"), str):
        raise KnowledgeError(f"{what}: expected a table with a formula", where, example)
    unknown = sorted(set(family) - {"formula", "variable", "min", "max"})
    if unknown:
        raise KnowledgeError(f"{what}: unknown key {unknown[0]!r}", where, "keys: formula, variable, min, max")
    if not isinstance(family.get("variable", "x"), str) or any(
            isinstance(family.get(k, 0), bool) or not isinstance(family.get(k, 0), (int, float)) for k in ("min", "max")):
        raise KnowledgeError(f"{what}: variable is a string, min and max are numbers", where, example)
    if names.composition(family["formula"]) is None:
        raise KnowledgeError(f"{what}: {family['formula']!r} is not a chemical formula", where, example)


def _entry(doc: TomlDocument, kind: str, index: int, table: dict, scale) -> Entry:
    """One entry whose keys _check_keys accepted; values are parsed here."""
    schema = {**_COMMON, **SCHEMA[kind]}
    name, source = _name(table), table["source"]
    sources = table.get("sources", {})
    default_reference = table.get("carrier", "SHE")
    values, reactions = {}, {}
    for key, raw in table.items():
        if key in _COMMON:
            continue
        kind_of = schema[key]
        at = doc.where(kind, index, key)
        value_source = sources.get(key, source)
        try:
            if kind_of == "reaction":
                reactions = _reactions(raw, source, doc, (kind, index, key), f"{kind} {name}")
            else:
                values[key] = _value(kind_of, raw, value_source, default_reference, scale)
        except (units.UnitError, potential.PotentialError) as error:
            raise KnowledgeError(f"{kind} {name}, {key}: {error.message}", at, error.hint) from None
        except (TypeError, ValueError) as error:
            raise KnowledgeError(f"{kind} {name}, {key}: {error}", at) from None
    _judge(doc, kind, index, name, values, table)
    raw_families = table.get("family", [])  # checked by _check_family
    families = tuple((fam["formula"], fam.get("variable", "x"), float(fam.get("min", 0)), float(fam.get("max", 1)))
                     for fam in (raw_families if isinstance(raw_families, list) else [raw_families]))
    return Entry(kind, name, tuple(table.get("aliases", ())), table.get("formula", ""), families, source,
                 table.get("note", ""), values, reactions, Location(doc.path, *doc.positions.get((kind, index), (0, 0))))


def _judge(doc: TomlDocument, kind: str, index: int, name: str, values: dict, table: dict) -> None:
    """The knowledge base is held to what a spec is held to (cellspec/plausible.py): every word from its
    field's vocabulary, every quantity inside its physical range, every range and window the right way round.
    A lab's misspelt class or impossible modulus would otherwise change verdicts in silence."""
    for key, value in values.items():
        where = doc.where(kind, index, key)
        path = plausible.knowledge_path(kind, key)
        parts = value.items() if isinstance(value, dict) else [("", value)]
        for part, item in parts:
            if not isinstance(item, Value):
                continue
            if isinstance(item.value, float):
                target = _range_path(kind, key, part, path)
                bounds = plausible.out_of_range(target, item.value)
                if bounds is not None:
                    shown = f"{key}.{part}" if part else key
                    raw = table[key][part] if part else table[key]
                    written = repr(raw) if isinstance(raw, str) else item.text
                    raise KnowledgeError(f"{kind} {name}, " + plausible.message(shown, written, item.value, bounds),
                                         where, bounds.hint)
            words = item.value if isinstance(item.value, tuple) else (item.value,) if isinstance(item.value, str) else ()
            for word in words:
                if plausible.unknown_word(path, word):
                    vocabulary = plausible.VOCABULARIES[path]
                    raise KnowledgeError(f"{kind} {name}, {key}: {word!r} is not one of the accepted values", where,
                                         did_you_mean(word, vocabulary) or "values: " + ", ".join(vocabulary))
        if key == "class_at":
            _check_class_at(value.value, f"{kind} {name}, class_at", where)
        if isinstance(value, dict):
            low, high = value.get("low"), value.get("high")
            if isinstance(low, Value) and isinstance(high, Value) and low.value > high.value:
                raise KnowledgeError(f"{kind} {name}, {key}: low {low.text!r} is above high {high.text!r}", where,
                                     "swap them")
    homo, lumo = values.get("homo"), values.get("lumo")
    if homo is not None and lumo is not None and plausible.orbitals_reversed(homo.value, lumo.value):
        raise KnowledgeError(f"{kind} {name}: homo {homo.text!r} is at or above lumo {lumo.text!r}",
                             doc.where(kind, index, "homo"), "the HOMO is the lower orbital energy; check the signs")


def _range_path(kind: str, key: str, part: str, path: str) -> str:
    """The field whose range judges one value of an entry: `vft.a`, `window.low`, a range's `low`."""
    if not part:
        return path
    explicit = plausible.knowledge_path(kind, f"{key}.{part}")
    if explicit != f"{kind}.{key}.{part}":
        return explicit
    return f"{path}.{part}" if plausible.range_of(f"{path}.{part}") else path


def _check_class_at(class_at: dict, what: str, where: Location) -> None:
    for side, layer_class in class_at.items():
        if side not in ("anode", "cathode"):
            raise KnowledgeError(f"{what}: {side!r} is not a side", where, "sides: anode, cathode")
        if layer_class not in F.INTERLAYER_CLASSES:
            raise KnowledgeError(f"{what}: {layer_class!r} is not one of the accepted values", where,
                                 did_you_mean(str(layer_class), F.INTERLAYER_CLASSES)
                                 or "values: " + ", ".join(F.INTERLAYER_CLASSES))


def _value(kind_of, raw, source, default_reference, scale):
    if isinstance(kind_of, units.Dimension):
        quantity = _quantity(raw, kind_of)
        return Value(quantity.value, str(raw), source)
    if isinstance(kind_of, tuple):
        _, dimension = kind_of
        _keys(raw, _RANGE_KEYS)
        return {k: Value(_quantity(raw[k], dimension).value, str(raw[k]), source) for k in ("low", "high") if k in raw}
    if kind_of == "pot":
        parsed = potential.parse_potential(_text(raw), default_reference, scale)
        return Value(parsed.she, str(raw), source)
    if kind_of == "orbital":
        energy = _quantity(raw, units.ENERGY)
        return Value(potential.energy_to_potential_she(energy.value / units.ELECTRON_VOLT), str(raw), source)
    if kind_of == "window":
        _keys(raw, _RANGE_KEYS)
        reference = _text(raw.get("vs", default_reference))
        if raw.get("kind", "measured") not in ("thermodynamic", "measured"):
            raise ValueError(f"kind must be \"thermodynamic\" or \"measured\", got {raw['kind']!r}")
        window = {k: Value(potential.parse_potential(_text(raw[k]), reference, scale).she, f"{raw[k]} vs {reference}", source)
                  for k in ("low", "high") if k in raw}
        window["kind"] = raw.get("kind", "measured")
        return window
    if kind_of == "vft":
        _keys(raw, ("a", "t0"))
        return {k: Value(_quantity(raw[k], units.TEMPERATURE).value, str(raw[k]), source) for k in ("a", "t0")}
    if kind_of == "str":
        return Value(_text(raw), raw, source)
    if kind_of == "strs":
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise TypeError("expected a list of strings")
        return Value(tuple(raw), ", ".join(raw), source)
    if kind_of == "bool":
        if not isinstance(raw, bool):
            raise TypeError("expected true or false")
        return Value(raw, str(raw).lower(), source)
    if kind_of == "int" and (isinstance(raw, bool) or not isinstance(raw, int)):
        raise TypeError("expected a whole number")
    if kind_of in ("int", "num"):
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise TypeError("expected a number")
        try:
            number = float(raw)
        except OverflowError:  # a TOML integer has no size limit; a float does
            number = math.inf
        if not math.isfinite(number):
            raise ValueError(f"expected a finite number, got {_short(raw)}")
        return Value(number, _short(raw), source)
    if kind_of in ("table", "sources", "family"):
        if not isinstance(raw, dict):
            raise TypeError("expected a table")
        return Value(dict(raw), str(raw), source)
    raise AssertionError(kind_of)  # pragma: no cover - SCHEMA holds only the kinds above


def _short(raw) -> str:
    """A number as shown in a message: a 400-digit integer is abbreviated."""
    text = str(raw) if not isinstance(raw, int) or raw.bit_length() < 200 else f"{str(raw)[:12]}... ({len(str(raw))} digits)"
    return text


def _text(raw) -> str:
    if not isinstance(raw, str):
        raise TypeError(f"expected a string, got {raw!r}")
    return raw


def _keys(raw, allowed) -> None:
    if not isinstance(raw, dict):
        raise TypeError(f"expected a table with keys {', '.join(allowed)}")
    unknown = set(raw) - set(allowed)
    if unknown:
        raise ValueError(f"unknown key {sorted(unknown)[0]!r}; allowed: {', '.join(allowed)}")


def _quantity(raw, dimension):
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise TypeError(f'a quantity needs a unit: "{raw} {units.DISPLAY_UNITS.get(dimension, "...")}"')
    quantity = units.parse_quantity(_text(raw))
    if quantity.dimension != dimension:
        raise ValueError(f"expected {dimension.name}, got {quantity.dimension.name} ({raw})")
    return quantity


def _reactions(raw, default_source, doc: TomlDocument, at: tuple, what: str) -> dict:
    """`[KIND.reaction.CARRIER]` tables: products (strings), electronic (bool), source."""
    if not isinstance(raw, dict):
        raise TypeError("expected tables [electrolyte.reaction.CARRIER]")
    reactions = {}
    for carrier, table in raw.items():
        where = doc.where(*at, carrier)
        try:
            _keys(table, ("products", "electronic", "source"))
            products, electronic = table.get("products", []), table.get("electronic")
            if not isinstance(products, list) or not all(isinstance(p, str) for p in products):
                raise TypeError("products: expected a list of strings")
            if electronic is not None and not isinstance(electronic, bool):
                raise TypeError("electronic: expected true or false")
            source = _text(table.get("source", default_source))
        except (TypeError, ValueError) as error:
            raise KnowledgeError(f"{what}, reaction with {carrier}: {error}", where) from None
        reactions[carrier] = Reaction(tuple(products), electronic, source)
    return reactions
