"""Evaluate a rule set against one spec: outcomes -> findings -> a file verdict.

The compiled evaluator fills an outcome per rule; this module turns the ones a
user must see into findings: the values used with their provenance, the
missing inputs of an unknown rule, the prerequisite of a skipped one. A failed
refinement replaces the failure it refines (one root cause, one finding), and
waivers turn accepted failures into `waived`.
"""
from __future__ import annotations

import copy
import datetime

import attrs

from cellrules import display
from cellrules.engine.inputs import FindingInputs, joined
from cellrules.engine.needs import Needs, reads as needs_reads
from cellrules.engine.results import FileResult, Finding, Input
from cellrules.engine.ruleset import RuleInfo, RuleSet
from cellrules.errors import CellrulesError, InternalError, ManyErrors
from cellrules.language.compile import (FAIL, NOT_APPLICABLE, OUTCOME_NAMES, PASS, RUNTIME, SKIPPED, UNKNOWN,
                                        UNKNOWN_GUARD)
from cellrules.cellspec import fields as F
from cellrules.cellspec.load import load_document, load_spec
from cellrules.cellspec.resolve import Resolved, resolve
from cellrules.tomlfile import TomlDocument

# Outcome code -> 1 when its finding is shown without --all (a passed or inapplicable rule's is not), as a
# bytes.translate table (_shown_without_all).
_SHOWN_WITHOUT_ALL = bytes(outcome not in (PASS, NOT_APPLICABLE) for outcome in range(len(OUTCOME_NAMES))).ljust(256, b"\0")
_FIELD_COUNT = len(F.FIELDS)    # slots below are spec fields, the rest derived values
_SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
_HIDDEN = (FAIL, UNKNOWN, UNKNOWN_GUARD, SKIPPED)     # outcomes a superseding finding stands in for
_SHOWN_MAX = 50_000      # values remembered as shown (a few MB); then forgotten and remembered afresh
_NEEDS_MAX = 20_000      # needs of unknown rules remembered (keys hold the values read: ~10 MB)


@attrs.frozen
class CheckOptions:
    include_all: bool = False
    today: datetime.date = attrs.field(factory=datetime.date.today)
    severity: dict = attrs.field(factory=dict)     # rule id -> severity override
    select: tuple[str, ...] = ()                   # rule ids or prefixes; empty: all
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    # Each finding's inputs (values with provenance). The text and GitHub formats never print them, and
    # showing every value read was a third of building the findings (issue 14): those formats skip it.
    finding_inputs: bool = True

    def selected(self, rule_id: str) -> bool:
        if not self.select and not self.ignore:  # asked for every rule of every spec: the usual case first
            return True

        def matches(patterns):
            return any(rule_id == p or rule_id.startswith(p.rstrip(".") + ".") for p in patterns)
        return (not self.select or matches(self.select)) and not matches(self.ignore)


def check_file(ruleset: RuleSet, path: str, options: CheckOptions, source: bytes | None = None) -> FileResult:
    """Load, resolve and evaluate one spec; a bad file becomes an `error` result, never an exception.

    That includes a bug the file triggers: one file must never cost the results of the others.
    `source`: the spec's bytes when they were read already (from standard input); `path` then only names it.
    """
    return _checked(path, lambda: load_spec(path, ruleset.knowledge, ruleset.by_id.keys(), source), ruleset, options)


def check_document(ruleset: RuleSet, document: TomlDocument, options: CheckOptions) -> FileResult:
    """`check_file` for a spec already parsed: TOML text or a dict given to the Python API, an edited spec."""
    return _checked(document.path, lambda: load_document(document, ruleset.knowledge, ruleset.by_id.keys()),
                    ruleset, options)


def _checked(path: str, load, ruleset: RuleSet, options: CheckOptions) -> FileResult:
    try:
        spec = load()
        resolved = resolve(spec, ruleset.knowledge)
        return evaluate(ruleset, resolved, options)
    except ManyErrors as error:
        return FileResult(path, "error", message=error.problems[0].message, errors=tuple(error.problems))
    except CellrulesError as error:
        return FileResult(path, "error", message=error.message, errors=(error,))
    except Exception as error:  # noqa: BLE001 - any failure of this file is this file's result
        return internal_error_result(path, error)


def internal_error_result(path: str, exception: BaseException) -> FileResult:
    """The `error` result of a file that triggered a bug ("internal error in this file")."""
    error = InternalError.of(exception, path)
    return FileResult(path, "error", message=error.message, errors=(error,))


def evaluate(ruleset: RuleSet, resolved: Resolved, options: CheckOptions) -> FileResult:
    values = resolved.values + [None] * (ruleset.compiled.slot_count - len(resolved.values))
    outcomes = ruleset.evaluator(values, resolved.given)
    context = _Context(ruleset, resolved, values, outcomes, options)
    findings = context.findings()
    status = _status(findings, ruleset, options)
    spec = resolved.spec
    return FileResult(spec.path, status, tuple(sorted(findings, key=lambda f: (f.line, f.rule, f.column))),
                      spec=spec, resolved=resolved, values=tuple(values))


class _Context:
    def __init__(self, ruleset: RuleSet, resolved: Resolved, values, outcomes, options: CheckOptions):
        self.ruleset = ruleset
        self.resolved = resolved
        self.values = values
        self.evaluated = values          # the table as evaluated (a layer view patches `values`, never this)
        self.provenance = resolved.provenance
        self.layer: int | None = None     # the layer `electrolyte.*` stands for (rules judged per layer)
        self.outcomes = outcomes
        self.options = options
        self.index = ruleset.positions
        self.carrier = resolved.spec.carrier
        self._height = len(resolved.spec.electrolytes)   # layers in the stack: with the slot, fixes a name shown
        self.scale = ruleset.knowledge.scale
        self._inputs: dict[int, Input] = {}
        self._texts: dict[int, str] = {}
        self._needs: Needs | None = None

    def for_layer(self, position: int) -> _Context:
        """This context with `electrolyte.*` holding layer `position` (1-based) instead of the layer at the
        anode: what a rule judged per layer read when it judged that layer."""
        if position is None or not self.resolved.layers or position == 1:
            return self
        view = copy.copy(self)
        view.layer, view._inputs, view._texts = int(position), {}, {}
        view.values, view.provenance = list(self.values), list(self.provenance)
        layer = self.resolved.layers[view.layer - 1]
        for key in F.ELECTROLYTE_KEYS:
            slot = F.SLOT[f"electrolyte.{key}"]
            view.values[slot], _, view.provenance[slot] = layer.entries.get(key, (None, None, None))
        record = self.values[F.SLOT["electrolyte_layers"]][view.layer - 1]
        compiled = self.ruleset.compiled
        for k, key in enumerate(compiled.layer_keys):
            view.values[compiled.derive_slots[f"electrolyte.{key}"]] = record[len(F.RECORD_FIELDS["electrolyte_layer"]) + k]
        return view

    def findings(self) -> list[Finding]:
        superseded = self._superseded()
        waivers = {w.rule: w for w in self.resolved.spec.waivers}
        findings: list[Finding] = []
        failed = set()
        outcomes, rules = self.outcomes, self.ruleset.rules
        shown = range(len(rules)) if self.options.include_all else _shown_without_all(outcomes)
        selected = self.options.selected if self.options.select or self.options.ignore else None
        for i in shown:
            rule, outcome = rules[i], outcomes[i]
            if selected is not None and not selected(rule.id):
                continue
            if outcome == FAIL:
                failed.add(rule.id)
            if rule.id in superseded and outcome in _HIDDEN:
                continue  # one cause, one finding: the finding that supersedes it says more
            context = self.for_layer(self.values[rule.layer_slot]) if rule.per_layer else self
            finding = context._finding(i, rule, outcome, superseded_by=superseded)
            waiver = waivers.get(rule.id)
            if outcome == FAIL and waiver is not None:
                if waiver.expires is not None and waiver.expires < self.options.today:
                    findings.append(self._expired(rule, waiver))
                else:
                    finding = attrs.evolve(finding, outcome="waived", reason=waiver.reason,
                                           message=f"waived: {waiver.reason} (the rule failed: {finding.message})")
            findings.append(finding)
        for waiver in self.resolved.spec.waivers:
            # A rule left out by select/ignore did not run: its waiver is neither used nor unused.
            if waiver.rule in self.index and waiver.rule not in failed and self.options.selected(waiver.rule):
                rule = self.ruleset.rules[self.index[waiver.rule]]
                findings.append(Finding("waiver.unused", "fail", "warning", rule.failure_mode,
                                        f"waiver of {waiver.rule} is unused: the rule did not fail "
                                        f"({OUTCOME_NAMES[self.outcomes[self.index[waiver.rule]]]}); remove the waiver",
                                        waiver.location.line, waiver.location.column, citation=rule.citation))
        return findings

    def _superseded(self) -> dict[str, str]:
        return superseded(self.ruleset, self.outcomes, self.options)

    def _expired(self, rule: RuleInfo, waiver) -> Finding:
        return Finding("waiver.expired", "fail", "error", rule.failure_mode,
                       f"waiver of {rule.id} expired on {waiver.expires.isoformat()}: the failure counts again "
                       f"(reason given: {waiver.reason})",
                       waiver.location.line, waiver.location.column, citation=rule.citation)

    def _final_superseder(self, rule_id: str, superseded_by: dict) -> str:
        """The shown finding that stands for `rule_id`: a superseding rule that is itself superseded
        (a warning refined into an error, say) passes what it replaced on to the finding that replaces it."""
        seen = {rule_id}
        current = superseded_by[rule_id]
        while current in superseded_by and current not in seen \
                and self.outcomes[self.index[current]] in _HIDDEN:
            seen.add(current)
            current = superseded_by[current]
        return current

    def _finding(self, i: int, rule: RuleInfo, outcome: int, superseded_by: dict) -> Finding:
        severity = self.options.severity.get(rule.id, rule.severity)
        slots = rule.guard_slots if outcome == UNKNOWN_GUARD else self.ruleset.slots_read(rule.id)
        unknown = outcome == UNKNOWN or outcome == UNKNOWN_GUARD
        if unknown:
            alternatives, missing, needed = self._alternatives(rule, outcome)
        else:
            alternatives = missing = ()
        inputs = FindingInputs(self, slots, missing) if self.options.finding_inputs and (slots or missing) else ()
        line, column = self._location(rule, slots)
        replaced = tuple(sorted(k for k in superseded_by
                                if self._final_superseder(k, superseded_by) == rule.id
                                and self.outcomes[self.index[k]] in _HIDDEN)) if superseded_by else ()
        prerequisites: tuple[str, ...] = ()
        if outcome == FAIL:
            message = self._fail_message(rule, replaced)
        elif unknown:
            message = f"{rule.title}: needs {needed}" if alternatives else \
                f"{rule.title}: cannot be decided from the values given"
        elif outcome == SKIPPED:
            prerequisites = tuple(p for p in (*rule.needs, *([rule.refines] if rule.refines else ()))
                                  if self.outcomes[self.index[p]] in _HIDDEN)
            states = ", ".join(f"{p} ({OUTCOME_NAMES[self.outcomes[self.index[p]]]})" for p in prerequisites)
            message = f"{rule.title}: skipped because {states} did not pass"
        elif outcome == PASS:
            message = f"{rule.title}: holds"
        else:
            message = f"{rule.title}: does not apply to this cell"
        return Finding(rule.id, OUTCOME_NAMES[outcome], severity, rule.failure_mode, message, line, column,
                       inputs, rule.mitigations, rule.citation, missing, prerequisites, replaced,
                       alternatives=alternatives)

    def _alternatives(self, rule: RuleInfo, outcome: int) -> tuple:
        """What would decide an unknown rule: groups of inputs, any one group sufficing (engine/needs.py);
        with every input of them once, and the groups as the message says them (needs_text)."""
        tree = rule.guard_tree if outcome == UNKNOWN_GUARD else rule.requirement_tree
        record = None
        if rule.per_layer and self.layer is not None:
            record = self.values[F.SLOT["electrolyte_layers"]][self.layer - 1]
        elif rule.per_layer and self.resolved.layers:
            record = self.values[F.SLOT["electrolyte_layers"]][0]
        position = self.layer or (1 if rule.per_layer and self.resolved.layers else None)
        key, memo = self._alternatives_key(rule, outcome, tree, record), self.ruleset.alternatives
        try:
            found = memo.get(key)
        except TypeError:    # a list among the values: worked out afresh
            found = key = None
        if found is None:
            if self._needs is None:
                self._needs = Needs(self.evaluated, self.ruleset.derive_trees, self.ruleset.layer_trees, RUNTIME)
            alternatives = tuple(tuple(sorted(dict.fromkeys(self._leaf_name(leaf) for leaf in alternative)))
                                 for alternative in self._needs.of(tree, record, position))
            found = (alternatives, tuple(dict.fromkeys(name for alternative in alternatives for name in alternative)),
                     needs_text(alternatives))
            if key is not None:
                _bounded_put(memo, key, found, _NEEDS_MAX)
        return found

    def _alternatives_key(self, rule: RuleInfo, outcome: int, tree, record) -> tuple:
        """What an unknown rule's alternatives depend on: the rule and tree, the layer judged and the stack
        height (they fix the position and the names shown), and the values that decide the tree (needs.reads),
        each with its type (True and 1 are equal keys, but `or` tells them apart)."""
        reads = self.ruleset.tree_reads.get(id(tree))
        if reads is None:    # the trees live as long as the rule set: their ids stay theirs
            reads = self.ruleset.tree_reads[id(tree)] = needs_reads(
                tree, self.ruleset.derive_trees, self.ruleset.layer_trees)
        slots, fields = reads
        values = tuple(map(self.evaluated.__getitem__, slots))
        fields_read = () if record is None else tuple(record[i] if i < len(record) else None for i in fields)
        return (rule.id, outcome, self.layer, self._height, values, tuple(map(type, values)),
                fields_read, tuple(map(type, fields_read)))

    def _leaf_name(self, leaf: tuple) -> str:
        """A missing input as the user addresses it."""
        if leaf[0] == "slot":
            return self._name(leaf[1])
        if leaf[0] == "layer":
            key = F.RECORD_FIELDS["electrolyte_layer"][leaf[2]].key
            return self.resolved.display_name(f"electrolyte.{key}", leaf[1])
        _, slot, index, field = leaf
        record = F.FIELDS[slot].record
        key = F.RECORD_FIELDS[record][field].key
        if record == "electrolyte_interface" and key.startswith(("anode_side_", "cathode_side_")):
            side, layer_key = key.split("_side_", 1)
            return self.resolved.display_name(f"electrolyte.{layer_key}", index + (1 if side == "anode" else 2))
        return f"{F.FIELDS[slot].path}.{index + 1}.{key}"

    def built_inputs(self, slots, missing: tuple[str, ...]) -> tuple[Input, ...]:
        """A finding's inputs, one per name (the last of a name wins): the values it read, then what it needs
        (engine/inputs.py builds them from here when something reads them)."""
        values, by_name = self.values, {}
        for slot in slots:
            if values[slot] is not None:
                item = self._input(slot)
                by_name[item.name] = item
        for name in missing:
            item = self._missing(name)
            by_name[item.name] = item
        return tuple(by_name.values())

    def input_texts(self, slots, missing: tuple[str, ...], halves, quote, recurring: dict, per_file: dict) -> list[str]:
        """The text of each of built_inputs(slots, missing): `halves(Input)`, the text before and after its
        source, around `quote(source)`. No Input is built for a value whose text `per_file` (the caller's, for
        one file) has by layer and slot, nor for one whose halves `recurring` (the caller's, across files) has
        by what fixes them (_text_key): the value of nearly every input of a JSON finding recurs in file after
        file, from the knowledge base, derived, or the same number given in another spec.
        """
        values, by_name = self.values, {}
        layer = (self.layer or 0) << 20     # per_file's key: the layer judged and the slot, as one int
        for slot in slots:
            if values[slot] is not None:
                named = per_file.get(layer | slot)
                if named is None:
                    named = per_file[layer | slot] = self._input_text(slot, halves, quote, recurring)
                by_name[named[0]] = named[1]
        for name in missing:
            named = recurring.get(name)
            if named is None:
                named = _bounded_put(recurring, name, (name, joined(self._missing(name), halves, quote)))
            by_name[name] = named[1]
        return list(by_name.values())

    def _input_text(self, slot: int, halves, quote, recurring: dict) -> tuple[str, str]:
        """(name, text) of a slot's input. A value from the knowledge base or derived is remembered with its
        source, its whole text; a value of the spec without it, as the halves around it (its source names the
        spec's file and line: it never recurs)."""
        source = self._source(slot)
        own = self._names_its_spec(slot, source)
        key = self._text_key(slot, None if own else source)
        try:
            named = recurring.get(key)
        except TypeError:    # a list of records: shown afresh
            key = named = None
        if named is None:
            item = self._show_input(slot)
            named = (item.name, *halves(item)) if own else (item.name, joined(item, halves, quote))
            if key is not None:
                _bounded_put(recurring, key, named)
        return (named[0], named[1] + quote(source) + named[2]) if own else named

    def any_known(self, slots) -> bool:
        values = self.values
        return any(values[slot] is not None for slot in slots)

    def _input(self, slot: int) -> Input:
        """The value a slot holds, shown with its unit and source; once per spec (many rules read one value)."""
        shown = self._inputs.get(slot)
        if shown is None:
            shown = self._inputs[slot] = self._show_input(slot)
        return shown

    def _missing(self, name: str) -> Input:
        """A missing input: one Input per name for the whole run, like the recurring values."""
        shown = self.ruleset.inputs.get(name)
        if shown is None:
            shown = _bounded_put(self.ruleset.inputs, name, Input(name, "unknown", "missing"))
        return shown

    def _name(self, slot: int) -> str:
        return self.resolved.display_name(self.ruleset.slot_name(slot), self.layer)

    def _show_input(self, slot: int) -> Input:
        value, source = self.values[slot], self._source(slot)
        if self._names_its_spec(slot, source):
            return self._new_input(slot, self._name(slot), value, source)
        key = self._text_key(slot, source)
        memo = self.ruleset.inputs
        try:
            shown = memo.get(key)
        except TypeError:    # a list of records: shown afresh
            return self._new_input(slot, self._name(slot), value, source)
        if shown is None:
            shown = _bounded_put(memo, key, self._new_input(slot, self._name(slot), value, source))
        return shown

    def _source(self, slot: int) -> str:
        if slot < _FIELD_COUNT:
            provenance = self.provenance[slot]
            return provenance.source if provenance else "missing"
        return self.ruleset.derived_sources[slot]

    @staticmethod
    def _names_its_spec(slot: int, source: str) -> bool:
        """A value of the spec itself: its source names the spec's file and line, so it never recurs."""
        return slot < _FIELD_COUNT and source.startswith("spec:")

    def _text_key(self, slot: int, source: str | None) -> tuple:
        """What fixes how a slot's value is shown, with `source` (None: without it). The slot, the layer it
        stands for and the stack's height fix the name shown (_name). -0.0 equals 0.0 but is shown and
        written otherwise: a float is keyed by its exact bits. A key can still hold a list (of records),
        which no dict takes: the caller then shows the value afresh."""
        value = self.values[slot]
        return (slot, self.layer, self._height, source, self.carrier, type(value),
                value.hex() if type(value) is float else value)

    def _new_input(self, slot: int, name: str, value, source: str) -> Input:
        kind, dimension = self._kind(slot)
        shown = self._text(slot)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and kind in (F.QUANTITY, F.POTENTIAL, F.NUMBER):
            return Input(name, shown, source, float(value), dimension.si_unit if dimension is not None else "1")
        return Input(name, shown, source)

    def _kind(self, slot: int) -> tuple:
        """(kind, dimension) of a spec field or a derived value."""
        described = F.FIELDS[slot] if slot < _FIELD_COUNT else self.ruleset.derive_at(slot)
        return described.kind, described.dimension

    def _text(self, slot: int) -> str:
        """A slot's value as shown, with its unit: all a message's placeholder prints (no name, no source)."""
        text = self._texts.get(slot)
        if text is None:
            text = self._texts[slot] = self._shown(self.values[slot], *self._kind(slot))
        return text

    def _shown(self, value, kind: str, dimension) -> str:
        """display.show, remembered per rule set for values that can be dict keys."""
        memo = self.ruleset.shown
        try:
            key = (type(value), value, kind, dimension, self.carrier)
            shown = memo.get(key)
        except TypeError:    # a list of records: shown afresh
            return display.show(value, kind, dimension, self.scale, self.carrier)
        if shown is None:
            shown = _bounded_put(memo, key, display.show(value, kind, dimension, self.scale, self.carrier))
        return shown

    def _location(self, rule: RuleInfo, slots) -> tuple[int, int]:
        """The spec key that supplied the first input; else the rule's section header; else line 1."""
        for slot in slots:
            if slot < _FIELD_COUNT:
                provenance = self.provenance[slot]
                if provenance is not None and provenance.location is not None and provenance.location.line:
                    return provenance.location.line, provenance.location.column or 1
        spec = self.resolved.spec
        sections = {**spec.sections, "electrolyte": spec.electrolytes[(self.layer or 1) - 1].location,
                    "cathode_electrolyte": spec.electrolytes[-1].location} if spec.electrolytes else spec.sections
        for slot in slots:
            section = F.FIELDS[slot].section if slot < _FIELD_COUNT else None
            if section in sections:
                where = sections[section]
                return where.line, where.column or 1
        return 1, 1

    def _fail_message(self, rule: RuleInfo, replaced: tuple[str, ...]) -> str:
        if rule.message:
            text = rule.message_format % tuple(map(self._text, rule.message_slots)) if rule.message_slots \
                else rule.message
        else:
            shown = ", ".join(f"{i.name} = {i.value}" for i in
                              (self._input(s) for s in rule.requirement_slots[:4]))
            text = f"{rule.title}: requires {rule.requirement_source}" + (f" ({shown})" if shown else "")
        refined = [r for r in replaced if r == rule.refines]
        covered = [r for r in replaced if r != rule.refines]
        if refined:
            text += f" [refines {refined[0]}]"
        if covered:
            text += f" [supersedes {', '.join(covered)}]"
        return text


def _bounded_put(memo: dict, key, value, limit: int = _SHOWN_MAX):
    """memo[key] = value, the memo emptied first when it holds `limit` entries; returns value."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value


def superseded(ruleset: RuleSet, outcomes, options: CheckOptions) -> dict[str, str]:
    """Rules whose finding a failed refinement or superseding rule replaces -> that rule's id.

    Shared with `cellrules suggest`, which judges candidates from their outcomes without building findings.
    """
    replaced = {}
    for i in ruleset.refinements:
        rule = ruleset.rules[i]
        if outcomes[i] == FAIL and options.selected(rule.id):
            for other in (*([rule.refines] if rule.refines else ()), *rule.supersedes):
                replaced.setdefault(other, rule.id)
    return replaced


def needs_text(alternatives) -> str:
    """`a, or b and c`: the groups of inputs of which any one would decide a rule."""
    return ", or ".join(" and ".join(group) for group in alternatives)


def _shown_without_all(outcomes) -> list[int]:
    """The rules whose findings are shown without --all: most rules of most specs pass or do not apply,
    and finding the few others with bytes.find costs a quarter of testing each outcome in Python."""
    flags = bytes(outcomes).translate(_SHOWN_WITHOUT_ALL)
    shown, at = [], flags.find(1)
    while at >= 0:
        shown.append(at)
        at = flags.find(1, at + 1)
    return shown


def _status(findings, ruleset: RuleSet, options: CheckOptions) -> str:
    threshold = _SEVERITY_RANK["warning" if options.fail_on == "warning" else "error"]
    if any(f.outcome == "fail" and _SEVERITY_RANK[f.severity] >= threshold for f in findings):
        return "fail"
    if any(f.outcome in ("unknown", "skipped") and f.severity == "error" for f in findings):
        return "incomplete"
    return "pass"
