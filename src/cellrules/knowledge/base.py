"""Knowledge-base entries and lookup by name, alias, formula or family."""
from __future__ import annotations

import attrs

from cellrules.errors import Location
from cellrules.knowledge import names


@attrs.frozen
class Value:
    """One knowledge-base value: SI float (potentials in V vs SHE), string, bool or list, with its text and source."""

    value: object
    text: str
    source: str


@attrs.frozen
class Reaction:
    """What an electrolyte forms against one carrier metal."""

    products: tuple[str, ...]
    electronic: bool | None
    source: str


@attrs.frozen
class Entry:
    kind: str
    name: str
    aliases: tuple[str, ...]
    formula: str
    families: tuple                      # substitution series it stands for: ((formula, variable, low, high), ...)
    source: str
    note: str
    values: dict                         # key -> Value, or key -> {"low": Value, "high": Value, "kind": str}
    reactions: dict                      # carrier -> Reaction
    location: Location

    def get(self, key: str) -> Value | None:
        value = self.values.get(key)
        return value if isinstance(value, Value) else None

    def provenance(self, key: str | None = None) -> str:
        value = self.values.get(key) if key else None
        source = value.source if isinstance(value, Value) else self.source
        return f"knowledge-base: {self.name} ({source})"


@attrs.frozen
class Match:
    entry: Entry
    how: str        # "name", "alias", "formula" or "family member (x = 0.6)"


# Which entry kinds a spec section resolves in (knowledge-base.md: a material
# that serves in several roles resolves within the section that names it).
SECTION_KINDS = {
    "anode": ("metal", "anode"),
    "electrolyte": ("electrolyte",),
    "cathode": ("cathode",),
    "interlayer": ("interlayer",),
    "sei": ("sei_phase",),
    "current_collector": ("collector",),
    "salt": ("salt",),
    "solvent": ("solvent",),
    "additives": ("additive", "solvent", "salt"),
}


@attrs.frozen
class KnowledgeBase:
    entries: tuple[Entry, ...]
    scale: object                        # cellrules.potential.ReferenceScale
    failure_modes: dict                  # id -> Entry
    classes: tuple[Entry, ...]           # electrolyte_class entries (Table 1 rows)
    _index: dict = attrs.field(factory=dict, repr=False)
    # (section, text) -> Match or None: every spec of a repository names a few dozen materials, each looked up
    # by folding its name and, failing that, by formula and family (issue 14).
    _found: dict = attrs.field(factory=dict, repr=False, eq=False)
    # What resolving a spec takes from one entry alone (cellspec/resolve.py), by a key naming the entry.
    _derived: dict = attrs.field(factory=dict, repr=False, eq=False)

    def __attrs_post_init__(self):
        index: dict = {}
        for entry in self.entries:
            bucket = index.setdefault(entry.kind, {"name": {}, "formula": {}, "family": [], "entries": []})
            bucket["entries"].append(entry)
            for alias in (entry.name, *entry.aliases):
                bucket["name"].setdefault(names.fold(alias), entry)
            key = names.fixed_key(entry.formula) if entry.formula else None
            if key:
                bucket["formula"].setdefault(key, entry)
            if entry.families:
                bucket["family"].append(entry)
        self._index.update(index)

    def lookup(self, section: str, text: str) -> Match | None:
        key = (section, text)
        if key not in self._found:
            if len(self._found) >= 10_000:
                self._found.clear()
            self._found[key] = self._lookup(section, text)
        return self._found[key]

    def derived(self, entry: Entry, key: tuple, compute):
        """`compute()`, once per entry and key: work that depends on the knowledge base alone.

        Keyed by the entry's identity; the entry is kept with the value, so the key cannot outlive it.
        """
        memo_key = (id(entry), *key)
        found = self._derived.get(memo_key)
        if found is None or found[0] is not entry:
            if len(self._derived) >= 10_000:
                self._derived.clear()
            found = self._derived[memo_key] = (entry, compute())
        return found[1]

    def _lookup(self, section: str, text: str) -> Match | None:
        kinds = SECTION_KINDS[section]
        folded = names.fold(text)
        for kind in kinds:
            bucket = self._index.get(kind)
            if bucket and folded in bucket["name"]:
                entry = bucket["name"][folded]
                return Match(entry, "name" if names.fold(entry.name) == folded else "alias")
        key = names.fixed_key(text)
        if key is None:
            return None
        for kind in kinds:
            bucket = self._index.get(kind)
            if bucket and key in bucket["formula"]:
                return Match(bucket["formula"][key], "formula")
        for kind in kinds:
            for entry in (self._index.get(kind) or {}).get("family", ()):
                for formula, variable, low, high in entry.families:
                    x = names.family_member(formula, low, high, text)
                    if x is not None:
                        dopants = "".join(f"{element}-doped, " for element in names.dopants(formula))
                        return Match(entry, f"family member of {formula} ({dopants}{variable} = {x:g})")
        return None

    def names_for(self, section: str) -> dict[str, str]:
        """Every name and alias a section accepts -> the entry's canonical name."""
        found: dict[str, str] = {}
        for entry in self.entries:
            if entry.kind in SECTION_KINDS[section]:
                for alias in (entry.name, *entry.aliases):
                    found.setdefault(alias, entry.name)
        return found

    def by_kind(self, kind: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind == kind)

    def electrolyte_pair(self, first: tuple[str | None, str | None], second: tuple[str | None, str | None]) -> Entry | None:
        """The record of two touching electrolytes, each given as (material name, class): a record naming
        the two materials wins over one naming a material and a class, which wins over two classes."""
        wanted = [{names.fold(x) for x in side if x} for side in (first, second)]
        best, rank = None, -1
        for entry in self._index.get("electrolyte_pair", {}).get("entries", ()):
            sides = [names.fold(x) for x in entry.values["between"].value]
            for a, b in ((0, 1), (1, 0)):
                if len(sides) == 2 and sides[0] in wanted[a] and sides[1] in wanted[b]:
                    score = sum(side in {names.fold(first[0] or ""), names.fold(second[0] or "")} for side in sides)
                    if score > rank:
                        best, rank = entry, score
        return best

    def class_row(self, electrolyte_class: str, carrier: str) -> Entry | None:
        key = ("class_row", electrolyte_class, carrier)
        if key not in self._found:
            self._found[key] = self._class_row(electrolyte_class, carrier)
        return self._found[key]

    def _class_row(self, electrolyte_class: str, carrier: str) -> Entry | None:
        for row in self.classes:
            if row.values.get("class") and row.values["class"].value == electrolyte_class \
                    and row.values.get("carrier") and row.values["carrier"].value == carrier:
                return row
        return None
