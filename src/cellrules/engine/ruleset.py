"""A loaded rule set: knowledge base, checked rules, their graph and the compiled evaluator."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from cellrules.errors import CellrulesError, Location, ManyErrors, RuleError
from cellrules.fileio import read_problem, read_regular
from cellrules.knowledge.base import KnowledgeBase
from cellrules.language.compile import CompiledRules
from cellrules.cellspec import fields as F
from cellrules.tomlfile import decode_utf8

if TYPE_CHECKING:
    from cellrules.language import ast



@attrs.frozen
class RuleInfo:
    """Everything reports need about one rule, without its AST."""

    id: str
    title: str
    concern: str
    carriers: tuple[str, ...]
    severity: str
    failure_mode: str
    guard_source: str
    requirement_source: str
    message: str
    # The message as a %-format and the slot of each placeholder, split once here: substituting
    # placeholders by regular expression was a fifth of building a spec's findings.
    message_format: str
    message_slots: tuple[int, ...]
    mechanism: str
    mitigations: tuple[str, ...]
    citation: str
    outside: tuple[str, ...]
    needs: tuple[str, ...]
    refines: str | None
    supersedes: tuple[str, ...]
    distinct: tuple[tuple[str, str], ...]
    per_layer: bool                      # judged for each electrolyte layer (`each layer`)
    layer_slot: int | None               # for those: the slot holding the position of the layer that decided it
    guard_tree: tuple | None             # the guard as a plain tree (engine/needs.py), for what an unknown needs
    requirement_tree: tuple
    guard_slots: tuple[int, ...]         # slots the guard reads, derived values expanded after them
    requirement_slots: tuple[int, ...]
    examples: tuple[tuple[str, str], ...]
    source: str
    location: Location


@attrs.frozen
class DeriveInfo:
    name: str
    slot: int
    source: str
    kind: str                            # a field kind (quantity, bool, strings, ...): how its value is shown
    dimension: object
    input_slots: tuple[int, ...]
    location: Location


@attrs.frozen
class RuleSet:
    knowledge: KnowledgeBase
    rules: tuple[RuleInfo, ...]          # in evaluation order (index = outcome index)
    derives: tuple[DeriveInfo, ...]
    compiled: CompiledRules
    edges: tuple[tuple[str, str], ...]
    files: tuple[str, ...]
    derive_trees: dict = attrs.field(factory=dict, repr=False)   # derived slot -> its tree (engine/needs.py)
    layer_trees: tuple = attrs.field(default=(), repr=False)      # per-layer values, in record order, read on "self"
    _evaluator: list = attrs.field(factory=list, repr=False)
    # Looked up for every checked file: built once, not per spec (evaluation throughput).
    _by_id: dict = attrs.field(init=False, repr=False, eq=False)
    positions: dict = attrs.field(init=False, repr=False, eq=False)   # rule id -> index in `rules`
    _derive_at: dict = attrs.field(init=False, repr=False, eq=False)  # slot -> DeriveInfo
    refinements: tuple = attrs.field(init=False, repr=False, eq=False)  # indexes of rules that refine or supersede others
    _slots_read: dict = attrs.field(init=False, repr=False, eq=False)   # rule id -> guard then requirement slots
    # Values as shown to a user (engine/evaluate.py), by (type, value, kind, dimension, carrier): the knowledge
    # base's values recur in every spec that names the material, and formatting a quantity costs a microsecond.
    shown: dict = attrs.field(init=False, repr=False, eq=False)
    # A finding's inputs that do not name their spec (a knowledge-base or derived value), by slot, layer,
    # stack height, source, carrier and exact value: the same few recur in every spec (engine/evaluate.py).
    inputs: dict = attrs.field(init=False, repr=False, eq=False)
    # What an unknown rule needs, by the rule, the layer judged, the stack height and the values that decide
    # it (needs.reads, kept per tree in `tree_reads`): specs that leave out the same data miss the same
    # inputs, and working it out again was a sixth of building a spec's findings (engine/evaluate.py).
    alternatives: dict = attrs.field(init=False, repr=False, eq=False)
    tree_reads: dict = attrs.field(init=False, repr=False, eq=False)
    derived_sources: dict = attrs.field(init=False, repr=False, eq=False)  # slot -> "derived: <its let>"

    def __attrs_post_init__(self):
        object.__setattr__(self, "_by_id", {r.id: r for r in self.rules})
        object.__setattr__(self, "shown", {})
        object.__setattr__(self, "inputs", {})
        object.__setattr__(self, "alternatives", {})
        object.__setattr__(self, "tree_reads", {})
        object.__setattr__(self, "derived_sources", {d.slot: f"derived: {d.source}" for d in self.derives})
        object.__setattr__(self, "positions", {r.id: i for i, r in enumerate(self.rules)})
        object.__setattr__(self, "_derive_at", {d.slot: d for d in self.derives})
        object.__setattr__(self, "refinements", tuple(i for i, r in enumerate(self.rules) if r.refines or r.supersedes))
        object.__setattr__(self, "_slots_read", {r.id: r.guard_slots + tuple(
            s for s in r.requirement_slots if s not in r.guard_slots) for r in self.rules})

    @property
    def evaluator(self):
        if not self._evaluator:
            from cellrules.language.compile import load_evaluator
            self._evaluator.append(load_evaluator(self.compiled))
        return self._evaluator[0]

    def rule(self, rule_id: str) -> RuleInfo | None:
        return self.by_id.get(rule_id)

    @property
    def by_id(self) -> dict:
        return self._by_id

    def slot_name(self, slot: int) -> str:
        if slot < len(F.FIELDS):
            return F.FIELDS[slot].path
        return self._derive_at[slot].name

    def slots_read(self, rule_id: str) -> tuple[int, ...]:
        """Every slot a rule reads, its guard's first."""
        return self._slots_read[rule_id]

    def derive_at(self, slot: int) -> DeriveInfo:
        """The derived value a slot holds."""
        return self._derive_at[slot]


def rule_files(directories) -> list[Path]:
    """Every `*.rules` of each pack, in its subfolders too; a folder so named is searched, not read.

    Anything else so named (a FIFO, a dangling link) is kept: reading it fails with a
    precise error rather than the pack silently losing a rule file.
    """
    files: list[Path] = []
    for directory in directories:
        files.extend(sorted(p for p in Path(directory).rglob("*.rules") if not p.is_dir()))
    return files


def _parse_now(path: Path, kind: type, parse):
    return parse()


def build_ruleset(directories, memo=_parse_now) -> RuleSet:
    """Parse, check and compile every rule file and the knowledge of `directories`.

    `memo(path, kind, parse)` returns `parse()`, or a `kind` kept from an earlier
    parse of the same file (engine/cache.py), so only changed files are parsed again.
    """
    from cellrules.knowledge.load import load_knowledge
    from cellrules.language.ast import RuleFile
    from cellrules.language.check import check_rules
    from cellrules.language.compile import compile_rules
    from cellrules.language.parse import parse_rules

    knowledge = load_knowledge(directories, memo)
    problems: list[CellrulesError] = []
    parsed = []
    files = rule_files(directories)
    for path in files:
        try:
            raw = read_regular(path)
        except OSError as error:
            problems.append(RuleError(f"cannot read rule file: {read_problem(path, error)}", Location(str(path))))
            continue
        try:
            parsed.append(memo(path, RuleFile, lambda: parse_rules(decode_utf8(raw, str(path), RuleError), str(path))))
        except RuleError as error:
            problems.append(error)
    if problems:
        raise ManyErrors(problems)
    checked = check_rules(parsed, knowledge.scale, knowledge.failure_modes.keys())
    compiled = compile_rules(checked, knowledge.scale)
    derives = tuple(info for d in checked.derives for info in _derive_infos(d, compiled, checked))
    derive_inputs = {d.slot: d.input_slots for d in derives}
    by_id = {r.id: r for r in checked.rules}
    rules = tuple(_rule_info(by_id[rule_id], compiled, derive_inputs, knowledge.scale) for rule_id in compiled.rule_ids)
    derive_trees, layer_trees = _derive_trees(checked.derives, compiled, knowledge.scale)
    return RuleSet(knowledge, rules, derives, compiled, checked.graph_edges, tuple(str(f) for f in files),
                   derive_trees, layer_trees)


def _derive_trees(derives, compiled: CompiledRules, scale) -> tuple[dict, tuple]:
    """Each derived slot's tree; a per-layer value has one per layer block and one read on a layer record."""
    from cellrules.engine.needs import build_tree

    trees, by_key = {}, {}
    for derive in derives:
        if not derive.per_layer:
            trees[compiled.derive_slots[derive.name]] = build_tree(derive.expression, compiled, scale)
            continue
        for block in F.LAYER_BLOCKS:
            trees[compiled.derive_slots[f"{block}.{derive.key}"]] = build_tree(derive.expression, compiled, scale, block)
        by_key[derive.key] = build_tree(derive.expression, compiled, scale, "self")
    return trees, tuple(by_key[key] for key in compiled.layer_keys)


def _slots(node, compiled: CompiledRules, bound=frozenset(), block: str = "electrolyte") -> list[int]:
    """Slots an expression reads, in reading order, without repeats; `block` is where `electrolyte.*`
    is read from (the cathode-side block for the cathode copy of a per-layer value)."""
    from cellrules.language import ast  # building only: a warm start never imports the AST
    found: list[int] = []

    def add(dotted):
        slot = compiled.derive_slots.get(dotted, F.SLOT.get(dotted))
        if slot is not None and slot not in found:
            found.append(slot)

    def walk(n, bound, layer_variables):
        if isinstance(n, ast.Name):
            head, key = n.parts[0], ".".join(n.parts[1:])
            if head in layer_variables and key:
                # A layer record's value: explained by the two layer blocks (every layer of a
                # one- or two-layer stack), so a missing value is named as the user wrote it.
                for layer_block in F.LAYER_BLOCKS:
                    add(f"{layer_block}.{key}")
            elif head not in bound:
                add(f"{block}.{key}" if head == "electrolyte" and key else n.dotted)
            return
        if isinstance(n, ast.Quantifier):
            walk(n.collection, bound, layer_variables)
            over_layers = n.collection.dotted == "electrolyte_layers" and n.collection.parts[0] not in bound
            walk(n.body, bound | {n.variable}, layer_variables | {n.variable} if over_layers else layer_variables)
            return
        for child in ast.children(n):
            walk(child, bound, layer_variables)

    if node is not None:
        walk(node, bound, frozenset())
    return found


def _expand(slots: list[int], derive_inputs: dict) -> tuple[int, ...]:
    """Add the inputs of derived values after them, so explanations reach the spec's own values."""
    out: list[int] = []
    for slot in slots:
        if slot not in out:
            out.append(slot)
        for inner in _expand(list(derive_inputs.get(slot, ())), derive_inputs):
            if inner not in out:
                out.append(inner)
    return tuple(out)


def _derive_infos(derive: ast.Derive, compiled: CompiledRules, checked) -> list[DeriveInfo]:
    """One per slot: a per-layer value has one in each layer block, reading that block's fields."""
    dtype = checked.derive_types.get(derive.name)
    kind, dimension = (dtype.kind, dtype.dimension) if dtype else ("", None)
    blocks = F.LAYER_BLOCKS if derive.per_layer else (None,)
    infos = []
    for block in blocks:
        name = f"{block}.{derive.key}" if block else derive.name
        inputs = tuple(_slots(derive.expression, compiled, block=block or "electrolyte"))
        infos.append(DeriveInfo(name, compiled.derive_slots[name], derive.source, kind, dimension, inputs,
                                derive.location))
    return infos


def _message_template(message: str, compiled: CompiledRules) -> tuple[str, tuple[int, ...]]:
    """`message` as a %-format with a `%s` for each `{placeholder}`, and the slot each one shows."""
    from cellrules.language.ast import MESSAGE_PLACEHOLDER

    pieces = MESSAGE_PLACEHOLDER.split(message)     # literal, name, literal, name, ..., literal
    names = pieces[1::2]
    slots = tuple(F.SLOT.get(name, compiled.derive_slots.get(name)) for name in names)
    return "%s".join(piece.replace("%", "%%") for piece in pieces[::2]), slots


def _rule_info(rule: ast.Rule, compiled: CompiledRules, derive_inputs: dict, scale) -> RuleInfo:
    from cellrules.engine.needs import build_tree

    layer = "self" if rule.per_layer else "electrolyte"
    message_format, message_slots = _message_template(rule.message, compiled)
    return RuleInfo(
        guard_tree=build_tree(rule.guard, compiled, scale, layer),
        requirement_tree=build_tree(rule.requirement, compiled, scale, layer),
        id=rule.id, title=rule.title, concern=rule.id.split(".", 1)[0], carriers=rule.carriers,
        per_layer=rule.per_layer, layer_slot=compiled.layer_slots.get(rule.id),
        severity=rule.severity, failure_mode=rule.failure_mode,
        guard_source=rule.guard_source, requirement_source=rule.requirement_source,
        message=rule.message, message_format=message_format, message_slots=message_slots,
        mechanism=rule.mechanism, mitigations=rule.mitigations,
        citation=rule.citation, outside=rule.outside, needs=rule.needs, refines=rule.refines,
        supersedes=rule.supersedes, distinct=rule.distinct,
        guard_slots=_expand(_slots(rule.guard, compiled), derive_inputs),
        requirement_slots=_expand(_slots(rule.requirement, compiled), derive_inputs),
        examples=tuple((e.expect, e.text) for e in rule.examples), source=rule.source, location=rule.location,
    )
