"""The edits worth trying for one failing rule: from its inputs and from its mitigations' classes.

- Knobs: every input that is a continuous knob (knobs.py) and has a value, the spec's or the
  knowledge base's (a cathode's usual cut-off, which the edit then states in the spec), tuned in
  the context of the candidate being extended, both ways where that way is allowed.
- Layers: the interlayer classes the rule's mitigations name (or, for a rule that reads the
  interlayers, or the interfaces between electrolyte layers they protect, and names no class, every
  class), filled with the knowledge base's materials of that class at that interface for this
  carrier, plus any interlayer material a mitigation names. The interface is the part of the stack
  the rule reads (the anode side, the cathode side, the interfaces between electrolyte layers)
  where the class may sit: a cathode-coating at the cathode or between electrolyte layers, an
  alloying-interlayer at the anode; a class a mitigation names goes where it may sit even if the
  rule reads another part. In a stack of several layers the new layer's `between` names them
  (`["electrolyte.1", "electrolyte.2"]`).
- Swaps (only with --unsafe): another knowledge-base material for a declared component (the anode,
  an electrolyte layer, the cathode, a current collector) whose knowledge-base values the rule
  reads, for this carrier.

A rule that refines another is fixed by what fixes the rule it refines (a protected anode makes
the window crossing, and so its mixed-conducting refinement, not apply): both rules' inputs and
mitigations count. The order is deterministic: knobs, then what the mitigations name, by position.
"""
from __future__ import annotations

import re

from cellrules import display
from cellrules.cellspec import fields as F
from cellrules.fixes import knobs
from cellrules.fixes.edits import AddLayer, SetLayerValue, SetValue, Swap

_CLASS_PATTERNS = tuple((c, re.compile(r"\b" + c.replace("-", "[- ]") + r"\b", re.IGNORECASE))
                        for c in F.INTERLAYER_CLASSES)
# Where a class of layer may sit (Table 2: coatings on cathodes, or between a catholyte and its separator;
# alloying layers on anodes): the parts of the stack the rule reads among these, else these.
_CLASS_PARTS = {"cathode-coating": ("cathode", "layers"), "alloying-interlayer": ("anode",)}
_GEOMETRY_KEYS = ("thickness", "role")


class Candidates:
    def __init__(self, session, writer: knobs.Writer, layer_tables: tuple):
        self.session = session
        self.writer = writer
        self.ruleset = session.ruleset
        self.knowledge = session.ruleset.knowledge
        self.spec = session.spec
        self.carrier = session.spec.carrier
        self.layer_tables = layer_tables          # the TOML table of each electrolyte layer
        self._fixed_edits: dict[int, tuple] = {}      # rule index -> its layers and swaps
        self._knob_settings: dict[int, list] = {}     # rule index -> its knobs
        self._read: dict[int, list] = {}              # rule index -> the fields it (and what it refines) reads
        self._tuned: dict = {}                        # (knob, direction, failure) -> its value for the spec itself

    def for_failure(self, failure: str, state) -> list[tuple]:
        """(edit, trial or None) pairs for one failure id in the context of `state` (a Trial)."""
        index = self.session.judge.rule_index(failure)
        if index is None:
            return []
        found = list(self._knobs(index, failure, state))
        found.extend((edit, None) for edit in self._static(index))
        return found

    # -- what a rule reads and says ----------------------------------------------------------
    def _chain(self, index: int) -> list:
        rule = self.ruleset.rules[index]
        chain = [rule]
        while rule.refines and rule.refines in self.ruleset.by_id:
            rule = self.ruleset.by_id[rule.refines]
            chain.append(rule)
        return chain

    def _fields(self, index: int) -> list[str]:
        if index not in self._read:
            paths = []
            for rule in self._chain(index):
                for slot in self.ruleset.slots_read(rule.id):
                    if slot < len(F.FIELDS) and F.FIELDS[slot].path not in paths:
                        paths.append(F.FIELDS[slot].path)
            self._read[index] = paths
        return self._read[index]

    def _mitigations(self, index: int) -> list[str]:
        return [text for rule in self._chain(index) for text in rule.mitigations]

    def _layers_read(self, fields, key: str | None = None) -> list[int]:
        """The electrolyte layers (0-based) whose `key` (any key when None) the fields read."""
        count = len(self.spec.electrolytes)
        if not count:
            return []
        found = set()
        for path in fields:
            block, _, field_key = path.partition(".")
            if path in ("electrolyte_layers", "electrolyte_interfaces"):
                found.update(range(count))
            elif block in F.LAYER_BLOCKS and (key is None or field_key == key):
                found.add(0 if block == "electrolyte" else count - 1)
        return sorted(found)

    # -- knobs -----------------------------------------------------------------------------
    def _settings(self, index: int) -> list[knobs.Setting]:
        if index not in self._knob_settings:
            self._knob_settings[index] = self._find_settings(index)
        return self._knob_settings[index]

    def _find_settings(self, index: int) -> list[knobs.Setting]:
        settings = []
        fields = self._fields(index)
        base = self.session.patcher.base
        for path in fields:
            knob = knobs.KNOBS.get(path)
            if knob is None:
                continue
            given = self.spec.values.get(path)
            if given is not None:
                current, text = given.value, given.text
            else:   # the knowledge base's value (a cathode's usual cut-off): the edit states it in the spec
                current, field = base[F.SLOT[path]], F.BY_PATH[path]
                text = display.show(current, field.kind, field.dimension, self.knowledge.scale, self.carrier)
            if isinstance(current, float):
                settings.append(knobs.Setting(knob, ("set", path), current, text,
                                              _set_value(path, text, given is not None),
                                              potential=F.BY_PATH[path].kind == F.POTENTIAL))
        count = len(self.spec.electrolytes)
        for i in self._layers_read(fields, "thickness"):
            given = self.spec.electrolytes[i].values.get("thickness")
            if given is not None:
                shown = "electrolyte.thickness" if count == 1 else f"electrolyte.{i + 1}.thickness"
                settings.append(knobs.Setting(knobs.KNOBS["electrolyte.thickness"],
                                              ("layer-value", "electrolyte", i, "thickness"), given.value, given.text,
                                              _set_layer_value("electrolyte", i, self.layer_tables[i], shown,
                                                               given.text)))
        if "interlayer" in fields:
            for i, layer in enumerate(self.spec.interlayers):
                given = layer.values.get("thickness")
                if given is not None:
                    settings.append(knobs.Setting(knobs.KNOBS["interlayer.thickness"],
                                                  ("layer-value", "interlayer", i, "thickness"), given.value,
                                                  given.text, _set_layer_value("interlayer", i, ("interlayer", i),
                                                                               f"interlayer.{i + 1}.thickness",
                                                                               given.text)))
        return settings

    def _knobs(self, index: int, failure: str, state):
        session = self.session
        for setting in self._settings(index):
            if setting.group in state.groups:
                continue
            for direction in ("down", "up"):
                safety = setting.knob.down if direction == "down" else setting.knob.up
                if safety is None or (safety == knobs.UNSAFE and not session.unsafe):
                    continue
                found = self._tune(setting, direction, failure, state)
                if found is not None:
                    yield found

    def _tune(self, setting, direction: str, failure: str, state):
        """A knob's value in this state: for a failure of the spec, the value found for the spec itself if it
        still holds (tuning every extended candidate anew spent most of a search on bisection steps);
        for a failure the state brought in, tuned in the state."""
        session = self.session

        def probe(edit):
            trial = session.trial((*state.edits, edit))
            return trial if session.settles(trial, state, failure) else None

        key = (setting.group, direction, failure)
        if not state.edits:
            if key not in self._tuned:
                self._tuned[key] = knobs.tune(setting, direction, probe, self.writer)
            return self._tuned[key]
        if failure not in self.session.root.effect.problems:
            return knobs.tune(setting, direction, probe, self.writer)    # a failure the state brought in
        at_root = self._tuned.get(key)
        if at_root is None:
            return None                       # the knob cannot settle this failure of the spec itself
        trial = probe(at_root[0])
        return (at_root[0], trial) if trial is not None else None

    # -- layers and swaps ------------------------------------------------------------------
    def _static(self, index: int) -> tuple:
        if index not in self._fixed_edits:
            self._fixed_edits[index] = (*self._layers(index), *(self._swaps(index) if self.session.unsafe else ()))
        return self._fixed_edits[index]

    def _interfaces(self, fields) -> dict:
        """The interfaces of the stack a new layer may go: part -> [(between as written, interface, class side)]."""
        count = len(self.spec.electrolytes)
        if not count:
            return {}
        single = count == 1
        stack = {
            "anode": [(("anode", "electrolyte") if single else ("anode", "electrolyte.1"), 0, "anode")],
            "cathode": [(("cathode", "electrolyte") if single else (f"electrolyte.{count}", "cathode"), count,
                         "cathode")],
            "layers": [((f"electrolyte.{k}", f"electrolyte.{k + 1}"), k, "anode") for k in range(1, count)],
        }
        # The cathode side is read as `cathode.*` and as the layer touching it, `cathode_electrolyte.*`.
        read = [part for part, heads in (("anode", ("anode.",)), ("cathode", ("cathode.", "cathode_electrolyte.")))
                if any(p.startswith(heads) for p in fields)]
        if "electrolyte_interfaces" in fields and not single:
            read.append("layers")
        stack["read"] = [place for part in (read or ("anode", "cathode", "layers")) for place in stack[part]]
        return stack

    def _layers(self, index: int) -> list:
        texts = self._mitigations(index)
        fields = self._fields(index)
        named_classes = [c for c, pattern in _CLASS_PATTERNS if any(pattern.search(t) for t in texts)]
        if not named_classes and not {"interlayer", "electrolyte_interfaces"} & set(fields):
            return []       # (an interface record says whether an interlayer protects it)
        classes = named_classes or list(F.INTERLAYER_CLASSES)
        stack = self._interfaces(fields)
        if not stack:
            return []
        entries = [e for e in self.knowledge.by_kind("interlayer") if _serves(e, self.carrier)]
        mentioned = _mentions(entries, texts)
        edits, seen = [], set()

        def places(layer_class):
            allowed = _CLASS_PARTS.get(layer_class)
            if allowed is None:
                return stack["read"]
            read = [place for place in stack["read"] if any(place in stack[part] for part in allowed)]
            if read or layer_class not in named_classes:     # a class the rule names goes where it belongs
                return read
            return [place for part in allowed for place in stack[part]]

        def add(entry, place, layer_class):
            between, interface, _ = place
            if (entry.name, interface) not in seen and not self._present(entry.name, interface):
                seen.add((entry.name, interface))
                edits.append(AddLayer(entry.name, between, interface, layer_class, entry))

        for entry in sorted((e for e in entries if e.name in mentioned), key=lambda e: mentioned[e.name]):
            for place in stack["anode"] + stack["layers"] + stack["cathode"]:
                layer_class = _class_at(entry, place[2])
                if layer_class and place in places(layer_class):
                    add(entry, place, layer_class)
        for layer_class in classes:
            for place in places(layer_class):
                for entry in sorted(entries, key=lambda e: e.name.casefold()):
                    if _class_at(entry, place[2]) == layer_class:
                        add(entry, place, layer_class)
        return edits

    def _present(self, material: str, interface: int) -> bool:
        return any(layer.interface == interface and (layer.material.entry.name if layer.material.entry
                                                     else layer.material.name) == material
                   for layer in self.spec.interlayers)

    def _swaps(self, index: int) -> list:
        fields = self._fields(index)
        texts = self._mitigations(index)
        spec = self.spec
        edits = []
        for section in ("anode", "cathode"):
            derived = [p for p in fields if p.startswith(section + ".") and p not in spec.values]
            material = spec.materials.get(section)
            if derived and self._swappable(section, material):
                edits.extend(self._swap_options(section, 0, (section,), "material", section, material.entry.name,
                                                self._swap_entries(section), texts))
        count = len(spec.electrolytes)
        for i in self._layers_read(fields):
            layer = spec.electrolytes[i]
            if layer.material is not None and layer.material.entry is not None and not layer.parts \
                    and set(layer.values) <= set(_GEOMETRY_KEYS):
                label = "electrolyte" if count == 1 else f"electrolyte layer {i + 1}"
                edits.extend(self._swap_options("electrolyte", i, self.layer_tables[i], "material", label,
                                                layer.material.entry.name, self._swap_entries("electrolyte"), texts))
        for side in ("anode", "cathode"):
            material = spec.collectors.get(side)
            if material is not None and any(p.startswith(f"current_collector.{side}") for p in fields):
                edits.extend(self._swap_options(f"current_collector.{side}", 0, ("current_collector",), side,
                                                f"{side} current collector", material.entry.name,
                                                self.knowledge.by_kind("collector"), texts))
        return edits

    def _swappable(self, section: str, material) -> bool:
        """A knowledge-base material whose section gives no values of its own (they would override the new one's)."""
        if material is None or material.entry is None:
            return False
        return not any(path.startswith(section + ".") and path.split(".", 1)[1] not in _GEOMETRY_KEYS
                       for path in self.spec.values)

    def _swap_entries(self, section: str) -> list:
        kb, carrier = self.knowledge, self.carrier
        if section == "anode":
            metal = kb.lookup("anode", carrier)
            own = [metal.entry] if metal is not None and metal.entry.kind == "metal" else []
            return own + [e for e in kb.by_kind("anode") if _value(e, "carrier") in (None, carrier)]
        if section == "electrolyte":
            return [e for e in kb.by_kind("electrolyte") if carrier in (_value(e, "carriers") or ())]
        return [e for e in kb.by_kind("cathode") if _value(e, "carrier") == carrier]

    def _swap_options(self, section, index, table, key, label, current, entries, texts) -> list:
        mentioned = _mentions(entries, texts)
        order = sorted((e for e in entries if e.name != current),
                       key=lambda e: (e.name not in mentioned, mentioned.get(e.name, ()), e.name.casefold()))
        return [Swap(section, index, table, key, label, e.name, current, e) for e in order]


def _set_value(path: str, old_text: str, stated: bool):
    return lambda value, text, safe, magnitude: SetValue(path, value, text, old_text, safe, magnitude, stated)


def _set_layer_value(component: str, index: int, table: tuple, shown: str, old_text: str):
    return lambda value, text, safe, magnitude: SetLayerValue(component, index, "thickness", table, shown, value,
                                                              text, old_text, safe, magnitude)


def _value(entry, key: str):
    value = entry.get(key)
    return value.value if value is not None else None


def _serves(entry, carrier: str) -> bool:
    return carrier in (_value(entry, "carriers") or ())


def _class_at(entry, side: str) -> str | None:
    """An interlayer's class at an interface: `class_at` where it depends on the side, else `class`."""
    by_side = entry.values.get("class_at")
    if by_side is not None and side in by_side.value:
        return by_side.value[side]
    return _value(entry, "class")


def _mentions(entries, texts) -> dict:
    """Entries a mitigation names -> (line, position) of the first mention (earlier lines and words first)."""
    joined = "\n".join(texts)
    named = [(entry.name, names) for entry in entries
             if (names := [n for n in (entry.name, *entry.aliases) if n and n in joined])]
    found: dict = {}
    for line, text in enumerate(texts):
        for name, names in named:
            if name not in found:
                positions = [p for p in (_standing(text, n) for n in names) if p >= 0]
                if positions:
                    found[name] = (line, min(positions))
    return found


def _standing(text: str, name: str) -> int:
    """Where `name` first stands alone in `text` (not inside a longer word or formula), else -1."""
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        if (start == 0 or not _joins(text[start - 1])) and (end == len(text) or not _joins(text[end])):
            return start
        start = text.find(name, start + 1)
    return -1


def _joins(char: str) -> bool:
    return char.isalnum() or char in "_-"
