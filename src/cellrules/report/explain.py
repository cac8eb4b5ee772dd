"""The explain report as a value: what is wrong with a design, why, how sure, what to do.

Built from a finished FileResult (evaluated with every outcome, `include_all`)
and the RuleSet that produced it. Nothing here reads files or evaluates rules:
the templates and the figures read only this model, so every format tells the
same story and a lab's own template sees exactly what the built-in ones see.
"""
from __future__ import annotations

import re
from pathlib import Path

import attrs

from cellrules import display, units
from cellrules.knowledge import names
from cellrules.resources import builtin_rules_dir
from cellrules.cellspec import fields as F

OUTCOMES = ("fail", "waived", "unknown", "skipped", "pass", "not-applicable")
SEVERITIES = ("error", "warning", "info")
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}

# Quantities the mechanics panel places against the limits of the rules that
# compare them with a constant: the two the review's mechanics criteria turn on.
GAUGES = (
    ("modulus_ratio", "shear-modulus ratio, electrolyte / anode"),
    ("cell.stack_pressure", "stack pressure"),
)
_COMPARISON = r"\s*(<=|>=|<|>)\s*(-?\d+\.?\d*(?:[eE][-+]?\d+)?(?: +[A-Za-z%][\w/^*.-]*)?)"


# ---------------------------------------------------------------- the model

@attrs.frozen
class Value:
    """A value a rule read: its name, its text with unit, and where it came from."""

    name: str
    value: str
    source: str


@attrs.frozen
class Derivation:
    """A derived value (`let`) the rule read, with the inputs it was computed from."""

    name: str
    expression: str
    value: str
    inputs: tuple[Value, ...]


@attrs.frozen
class MissingInput:
    name: str
    description: str
    remedy: str


@attrs.frozen
class RuleLink:
    rule: str
    title: str
    outcome: str


@attrs.frozen
class Material:
    """A knowledge-base material a mitigation can use, and whether the cell already has it."""

    name: str
    kind: str          # the interlayer class, or "SEI phase"
    carriers: str      # the carriers the knowledge base lists it for
    source: str
    in_cell: bool


@attrs.frozen
class Mitigation:
    text: str
    classes: tuple[str, ...]            # interlayer classes the text names
    materials: tuple[Material, ...]     # interlayers of those classes for this carrier and interface
    sei_phases: tuple[Material, ...]    # SEI phases the review recommends, when an artificial SEI is named


@attrs.frozen
class Technique:
    """A technique of review Table 5 that would confirm the failure."""

    name: str
    capability: str
    sample: str
    limitations: str
    source: str


@attrs.frozen
class Explanation:
    """Everything about one rule's finding for this cell."""

    rule: str
    title: str
    outcome: str
    severity: str
    failure_mode: str
    failure_title: str
    failure_mechanism: str
    message: str
    location: str                     # PATH:LINE:COL in the spec
    carriers: str
    applies: str                      # the guard, as written in the rule
    requires: str                     # the requirement, as written
    values: tuple[Value, ...]
    derivations: tuple[Derivation, ...]
    missing: tuple[MissingInput, ...]
    needs_data: tuple[tuple[MissingInput, ...], ...]   # an unknown rule: any one group of inputs would decide it
    basis: str                        # how sure: where the deciding values came from
    mechanism: str
    mitigations: tuple[Mitigation, ...]
    techniques: tuple[Technique, ...]
    citation: str
    outside: tuple[str, ...]
    needs: tuple[RuleLink, ...]
    refines: tuple[RuleLink, ...]
    replaces: tuple[RuleLink, ...]    # failures this refinement stands for
    prerequisites: tuple[RuleLink, ...]   # for a skipped rule: what did not pass
    dependants: tuple[RuleLink, ...]  # rules that need or refine this one, with their outcome
    defined_at: str

    @property
    def skipped_dependants(self) -> tuple[RuleLink, ...]:
        """The rules that could not run because this one did not pass."""
        return tuple(link for link in self.dependants if link.outcome == "skipped")


@attrs.frozen
class Layer:
    role: str          # current collector | anode | SEI | interlayer | electrolyte | coating | cathode
    name: str
    detail: str


@attrs.frozen
class Tally:
    label: str
    count: int


@attrs.frozen
class SeverityRow:
    severity: str
    fail: int
    waived: int
    unknown: int
    skipped: int


@attrs.frozen
class Level:
    """One level of the energy diagram, on the carrier's scale and on SHE."""

    key: str           # anode | cathode | window.low | window.high | lumo | homo | reference | SHE
    label: str
    vs_carrier: float
    vs_she: float
    text: str
    source: str
    layer: int = 0     # the electrolyte layer a window or orbital level belongs to (1 at the anode); 0 otherwise


@attrs.frozen
class EnergyDiagram:
    """Review Figure 1f for this cell: electrode potentials against the electrolyte's window."""

    carrier: str
    reference: str            # the carrier's couple, e.g. "Na/Na+"
    window_kind: str
    levels: tuple[Level, ...]
    anode_crosses: bool | None     # anode below the reduction limit of the layer it touches (None: cannot tell)
    cathode_crosses: bool | None   # cathode above the oxidation limit of the layer it touches
    layers: tuple[str, ...] = ()   # the electrolyte layers' materials, anode side first
    # When an electrode crosses the window but its window rule does not fail (a coating or a measured
    # window makes it not apply, or pass), why: the figure draws the electrode as guarded, not failing.
    anode_guard: str = ""
    cathode_guard: str = ""

    def level(self, key: str, layer: int | None = None) -> Level | None:
        """A level by key; a window or orbital level of `layer` (default: the first layer that has one)."""
        return next((lv for lv in self.levels if lv.key == key and (layer is None or lv.layer in (0, layer))), None)


@attrs.frozen
class Limit:
    rule: str
    operator: str
    value: float       # SI
    text: str
    severity: str
    outcome: str


@attrs.frozen
class Gauge:
    """A cell quantity placed against the constants rules compare it with."""

    name: str
    label: str
    value: float | None
    text: str
    source: str
    limits: tuple[Limit, ...]
    dimension: object = units.DIMENSIONLESS   # units.Dimension, for the axis labels


@attrs.frozen
class GraphNode:
    id: str
    kind: str          # rule | value
    outcome: str       # a rule's outcome; "known" or "unknown" for a derived value


@attrs.frozen
class GraphEdge:
    source: str
    target: str
    kind: str          # needs | refines | reads


@attrs.frozen
class RuleGraph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    not_drawn: int = 0      # rules left out of `applicable()`

    def outcome(self, node_id: str) -> str:
        return next((n.outcome for n in self.nodes if n.id == node_id), "not evaluated")

    def applicable(self) -> RuleGraph:
        """The part that concerns this cell: every chain with a rule that applies, every rule that applies.

        A rule pack for seven carriers has many rules that do not apply to a
        given cell; drawn, they would bury the few that do.
        """
        neighbours: dict[str, set[str]] = {n.id: set() for n in self.nodes}
        for edge in self.edges:
            neighbours[edge.source].add(edge.target)
            neighbours[edge.target].add(edge.source)
        applies = {n.id for n in self.nodes if n.kind == "rule" and n.outcome != "not-applicable"}
        kept, stack = set(), sorted(applies)
        while stack:
            node = stack.pop()
            if node not in kept:
                kept.add(node)
                stack.extend(sorted(neighbours[node] - kept))
        nodes = tuple(n for n in self.nodes if n.id in kept)
        edges = tuple(e for e in self.edges if e.source in kept and e.target in kept)
        hidden = sum(n.kind == "rule" for n in self.nodes) - sum(n.kind == "rule" for n in nodes)
        return RuleGraph(nodes, edges, hidden)


@attrs.frozen
class Report:
    path: str
    name: str
    source: str
    carrier: str
    reference: str
    status: str
    verdict: str
    outcome_counts: tuple[Tally, ...]
    severity_rows: tuple[SeverityRow, ...]
    stack: tuple[Layer, ...]
    failures: tuple[Explanation, ...]
    unknowns: tuple[Explanation, ...]
    skipped: tuple[Explanation, ...]
    waived: tuple[Explanation, ...]
    passed: tuple[RuleLink, ...]
    not_observed: tuple[RuleLink, ...]
    energy: EnergyDiagram
    gauges: tuple[Gauge, ...]
    graph: RuleGraph
    # The "Verified fixes" section (cellrules.fixes.section.VerifiedFixes) of a failing spec; None
    # when the spec does not fail or the search was not asked for (`explain --no-fixes`).
    fixes: object = None


@attrs.frozen
class RuleDoc:
    """One rule in general, for `explain --rule ID`."""

    id: str
    title: str
    severity: str
    failure_mode: str
    failure_title: str
    failure_mechanism: str
    carriers: str
    applies: str
    requires: str
    mechanism: str
    mitigations: tuple[Mitigation, ...]
    techniques: tuple[Technique, ...]
    citation: str
    outside: tuple[str, ...]
    needs: tuple[str, ...]
    refines: str
    needed_by: tuple[str, ...]
    passing_examples: tuple[str, ...]
    failing_examples: tuple[str, ...]
    defined_at: str
    source: str


# ---------------------------------------------------------------- building it

def build_report(result, ruleset, fixes=None) -> Report:
    """The report of one evaluated spec; `result` must come from an evaluation with include_all.

    `fixes`: the VerifiedFixes of the spec (cellrules.fixes.section), found by the caller, since
    the search reads the spec's text and this module reads nothing.
    """
    context = _Context(result, ruleset)
    findings = result.findings
    by_outcome = {o: [f for f in findings if f.outcome == o] for o in OUTCOMES}
    failures = sorted(by_outcome["fail"], key=lambda f: (_SEVERITY_RANK.get(f.severity, 9), f.line, f.rule))
    unknowns = sorted(by_outcome["unknown"], key=lambda f: (_SEVERITY_RANK.get(f.severity, 9), f.rule))
    passes = sorted(by_outcome["pass"], key=lambda f: f.rule)
    spec = result.spec
    return Report(
        path=result.path,
        name=str(spec.values["cell.name"].value),
        source=str(spec.values["cell.source"].value) if "cell.source" in spec.values else "",
        carrier=context.carrier,
        reference=context.reference,
        status=result.status,
        verdict=_verdict(result.status, findings),
        outcome_counts=tuple(Tally(o, len(by_outcome[o])) for o in OUTCOMES),
        severity_rows=tuple(SeverityRow(s, *(sum(f.severity == s for f in by_outcome[o])
                                                 for o in ("fail", "waived", "unknown", "skipped")))
                            for s in SEVERITIES),
        stack=_stack(spec, context),
        failures=tuple(context.explain(f) for f in failures),
        unknowns=tuple(context.explain(f) for f in unknowns),
        skipped=tuple(context.explain(f) for f in sorted(by_outcome["skipped"], key=lambda f: f.rule)),
        waived=tuple(context.explain(f) for f in sorted(by_outcome["waived"], key=lambda f: f.rule)),
        passed=tuple(context.link(f.rule) for f in passes if not context.is_observation(f)),
        not_observed=tuple(context.link(f.rule) for f in passes if context.is_observation(f)),
        energy=_energy(context),
        gauges=tuple(g for g in (_gauge(context, name, label) for name, label in GAUGES) if g is not None),
        graph=_graph(context),
        fixes=fixes,
    )


def build_rule_doc(rule, ruleset, cases=()) -> RuleDoc:
    """What one rule checks and why, independent of any cell.

    `cases` are ("pass" | "fail", spec text) pairs from the shipped golden cases
    (engine/examples.py), shown after any `example` clauses of the rule itself.
    """
    examples = (*rule.examples, *cases)
    knowledge = ruleset.knowledge
    mode = knowledge.failure_modes.get(rule.failure_mode)
    carriers = rule.carriers or F.CARRIERS     # mitigations list the materials of every carrier it is for
    return RuleDoc(
        id=rule.id, title=rule.title, severity=rule.severity, failure_mode=rule.failure_mode,
        failure_title=_entry_text(mode, "title"), failure_mechanism=_entry_text(mode, "mechanism"),
        carriers=", ".join(rule.carriers) or "all carriers",
        applies=_one_line(rule.guard_source), requires=_one_line(rule.requirement_source),
        mechanism=rule.mechanism,
        mitigations=tuple(_mitigation(text, knowledge, carriers, frozenset()) for text in rule.mitigations),
        techniques=_techniques(mode, knowledge),
        citation=rule.citation, outside=rule.outside, needs=rule.needs, refines=rule.refines or "",
        needed_by=tuple(sorted(r.id for r in ruleset.rules if rule.id in r.needs or r.refines == rule.id)),
        passing_examples=tuple(text for expect, text in examples if expect == "pass"),
        failing_examples=tuple(text for expect, text in examples if expect == "fail"),
        defined_at=_rule_location(rule.location),
        source=rule.source,
    )


class _Context:
    """Lookups shared by every part of one report."""

    def __init__(self, result, ruleset):
        self.result = result
        self.ruleset = ruleset
        self.knowledge = ruleset.knowledge
        self.scale = ruleset.knowledge.scale
        self.spec = result.spec
        self.resolved = result.resolved
        self.carrier = result.spec.carrier
        self.reference = self.scale.display_name(self.carrier)
        self.rules = ruleset.by_id
        self.outcomes = _outcomes(result.findings)
        self.in_cell = frozenset(
            [layer.material.entry.name for layer in self.spec.interlayers if layer.material.entry]
            + [m.entry.name for m in self.spec.sei_components if m.entry])

    def is_observation(self, finding) -> bool:
        """An info refinement is an observation: it "fails" when what it describes is the case (a
        passivating interphase, a kinetically stable cathode) and replaces its general rule with that
        context. When it passes, its premise is false; that is not a requirement the cell met, so the
        report lists it apart from the rules that passed."""
        rule = self.rules.get(finding.rule)
        return finding.severity == "info" and rule is not None and bool(rule.refines)

    def link(self, rule_id: str) -> RuleLink:
        rule = self.rules.get(rule_id)
        return RuleLink(rule_id, rule.title if rule else rule_id, self.outcomes.get(rule_id, "not evaluated"))

    def layer(self, position: int):
        """The resolved values of electrolyte layer `position` (1 at the anode), or None."""
        layers = self.resolved.layers if self.resolved is not None else ()
        return next((values for values in layers if values.position == position), None)

    def layer_text(self, values, key: str) -> str:
        """A layer's value as shown in reports, with its unit; '' when unknown."""
        item = values.entries.get(key) if values is not None else None
        if item is None or item[0] is None:
            return ""
        field = F.BY_PATH[f"electrolyte.{key}"]
        return display.show(item[0], field.kind, field.dimension, self.scale, self.carrier)

    def field(self, path: str):
        """(value, text shown, source) of a resolved field."""
        slot = F.SLOT[path]
        value = self.resolved.values[slot]
        provenance = self.resolved.provenance[slot]
        field = F.FIELDS[slot]
        shown = display.show(value, field.kind, field.dimension, self.scale, self.carrier)
        return value, shown, provenance.source if provenance else "missing"

    def explain(self, finding) -> Explanation:
        rule = self.rules.get(finding.rule)
        mode = self.knowledge.failure_modes.get(finding.failure_mode)
        fields_used = tuple(Value(i.name, i.value, i.source) for i in finding.inputs
                            if not i.source.startswith("derived:"))
        return Explanation(
            rule=finding.rule,
            title=rule.title if rule else finding.rule,
            outcome=finding.outcome,
            severity=finding.severity,
            failure_mode=finding.failure_mode,
            failure_title=_entry_text(mode, "title"),
            failure_mechanism=_entry_text(mode, "mechanism"),
            message=finding.message,
            location=f"{self.result.path}:{finding.line}:{finding.column}",
            carriers=(", ".join(rule.carriers) or "all carriers") if rule else "",
            applies=_one_line(rule.guard_source) if rule else "",
            requires=_one_line(rule.requirement_source) if rule else "",
            values=fields_used,
            derivations=self._derivations(finding, rule),
            missing=tuple(_missing(name) for name in finding.missing) if finding.outcome == "unknown" else (),
            needs_data=tuple(tuple(_missing(name) for name in group) for group in finding.alternatives)
            if finding.outcome == "unknown" else (),
            basis=_basis(finding.inputs) if finding.outcome in ("fail", "waived", "unknown") else "",
            mechanism=rule.mechanism if rule else "",
            mitigations=tuple(_mitigation(text, self.knowledge, (self.carrier,), self.in_cell)
                              for text in finding.mitigations),
            techniques=_techniques(mode, self.knowledge),
            citation=finding.citation,
            outside=rule.outside if rule else (),
            needs=tuple(self.link(r) for r in rule.needs) if rule else (),
            refines=(self.link(rule.refines),) if rule and rule.refines else (),
            replaces=tuple(self.link(r) for r in finding.superseded),
            prerequisites=tuple(self.link(r) for r in finding.prerequisites) if finding.outcome == "skipped" else (),
            dependants=tuple(self.link(r.id) for r in sorted(self.ruleset.rules, key=lambda r: r.id)
                             if finding.rule in r.needs or r.refines == finding.rule),
            defined_at=_rule_location(rule.location) if rule else "",
        )

    def _derivations(self, finding, rule) -> tuple[Derivation, ...]:
        """The derived values the rule read (known or not), each with the inputs it was computed from."""
        if rule is None:
            return ()
        shown = {i.name: i for i in finding.inputs}
        derives = {d.slot: d for d in self.ruleset.derives}
        steps = []
        for slot in dict.fromkeys(rule.guard_slots + rule.requirement_slots):
            derive = derives.get(slot)
            if derive is None:
                continue
            inputs = []
            for input_slot in derive.input_slots:
                name = self.ruleset.slot_name(input_slot)
                used = shown.get(name)
                inputs.append(Value(name, used.value, used.source) if used else
                              Value(name, self._show_slot(input_slot), self._source_of(input_slot)))
            expression = _one_line(derive.source.split("=", 1)[1]) if "=" in derive.source else derive.source
            steps.append(Derivation(derive.name, expression, self._show_slot(slot), tuple(inputs)))
        return tuple(steps)

    def _source_of(self, slot: int) -> str:
        if slot < len(F.FIELDS):
            provenance = self.resolved.provenance[slot]
            return provenance.source if provenance else "missing"
        derive = next(d for d in self.ruleset.derives if d.slot == slot)
        return "derived: " + _one_line(derive.source)

    def _show_slot(self, slot: int) -> str:
        values = self.result.values
        value = values[slot] if slot < len(values) else None
        if slot < len(F.FIELDS):
            field = F.FIELDS[slot]
            return display.show(value, field.kind, field.dimension, self.scale, self.carrier)
        derive = next(d for d in self.ruleset.derives if d.slot == slot)
        kind = F.BOOL if isinstance(value, bool) else ""
        return display.show(value, kind, derive.dimension, self.scale, self.carrier)


def _outcomes(findings) -> dict[str, str]:
    """Rule id -> outcome; a failure a refinement replaced counts as failed."""
    outcomes = {f.rule: f.outcome for f in findings}
    for finding in findings:
        for replaced in finding.superseded:
            outcomes[replaced] = "fail"
    return outcomes


def _verdict(status: str, findings) -> str:
    errors = sum(f.outcome == "fail" and f.severity == "error" for f in findings)
    warnings = sum(f.outcome == "fail" and f.severity == "warning" for f in findings)
    open_errors = sum(f.outcome in ("unknown", "skipped") and f.severity == "error" for f in findings)
    if status == "fail":
        return (f"fail: {_plural(errors, 'error-severity rule')} failed; the design is expected to fail "
                f"as specified" + (f" ({_plural(warnings, 'warning')} besides)" if warnings else ""))
    if status == "incomplete":
        return (f"incomplete: no error-severity rule failed, but {_plural(open_errors, 'error-severity rule')} "
                f"could not be decided for missing data" + (f"; {_plural(warnings, 'warning')}" if warnings else ""))
    return "pass: every applicable error-severity rule passed" + (
        f"; {_plural(warnings, 'warning')} to review" if warnings else "")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _entry_text(entry, key: str) -> str:
    value = entry.get(key) if entry is not None else None
    return str(value.value) if value is not None else ""


def _rule_location(location) -> str:
    """Where a rule is defined; built-in rules relative to the pack, so reports do not name this machine."""
    path = Path(location.path)
    try:
        shown = "rules/" + path.resolve().relative_to(builtin_rules_dir().resolve()).as_posix()
    except ValueError:
        shown = location.path
    return f"{shown}:{location.line}" if location.line else shown


def _missing(name: str) -> MissingInput:
    field = F.BY_PATH.get(name)
    if field is None:
        return MissingInput(name, "", "")
    section, key = field.path.split(".", 1)
    remedy = (f"give {key} in [{section}] of the spec" if field.settable
              else "cellrules derives it from the knowledge base; name a material the knowledge base knows")
    return MissingInput(name, field.description, remedy)


def _basis(inputs) -> str:
    """How sure the verdict is: how many deciding values the spec, the knowledge base or defaults gave."""
    kinds = {"spec": 0, "knowledge base": 0, "outside source": 0, "rule default": 0, "missing": 0}
    for item in inputs:
        if item.source.startswith("spec:"):
            kinds["spec"] += 1
        elif item.source.startswith("knowledge-base:"):
            kinds["knowledge base"] += 1
            kinds["outside source"] += "outside:" in item.source
        elif item.source.startswith("rule default"):
            kinds["rule default"] += 1
        elif item.source == "missing":
            kinds["missing"] += 1
    parts = [f"{kinds['spec']} from the spec", f"{kinds['knowledge base']} from the knowledge base"
             + (f" ({kinds['outside source']} citing an outside source)" if kinds["outside source"] else "")]
    if kinds["rule default"]:
        parts.append(f"{kinds['rule default']} rule default")
    if kinds["missing"]:
        parts.append(f"{kinds['missing']} missing")
    return ", ".join(parts)


def _class_pattern(name: str) -> re.Pattern:
    return re.compile(r"\b" + name.replace("-", "[- ]") + r"\b", re.IGNORECASE)


_CLASS_PATTERNS = tuple((c, _class_pattern(c)) for c in F.INTERLAYER_CLASSES)


def _mitigation(text: str, knowledge, carriers, in_cell) -> Mitigation:
    """A mitigation with the knowledge base's materials for each buffer-layer class it names."""
    classes = tuple(c for c, pattern in _CLASS_PATTERNS if pattern.search(text))
    materials = []
    for layer_class in classes:
        side = "cathode" if layer_class == "cathode-coating" else "anode"
        for entry in knowledge.by_kind("interlayer"):
            if _layer_class(entry, side) == layer_class and _serves(entry, carriers):
                materials.append(Material(entry.name, layer_class, entry.get("carriers").text, entry.source,
                                          entry.name in in_cell))
    phases = ()
    if "artificial-sei" in classes:
        phases = tuple(Material(e.name, "SEI phase", e.get("carrier").value, e.source, e.name in in_cell)
                       for e in knowledge.by_kind("sei_phase")
                       if _flag(e, "preferred") and e.get("carrier") and e.get("carrier").value in carriers)
    order = lambda m: (m.kind, m.name.casefold())  # noqa: E731 - a sort key
    return Mitigation(text, classes, tuple(sorted(materials, key=order)), tuple(sorted(phases, key=order)))


def _layer_class(entry, side: str) -> str | None:
    by_side = entry.values.get("class_at")
    if by_side is not None and side in by_side.value:
        return by_side.value[side]
    value = entry.get("class")
    return value.value if value else None


def _serves(entry, carriers) -> bool:
    served = entry.get("carriers")
    return bool(carriers) and served is not None and any(c in served.value for c in carriers)


def _flag(entry, key: str) -> bool:
    value = entry.get(key)
    return bool(value and value.value)


def _techniques(mode, knowledge) -> tuple[Technique, ...]:
    """The Table 5 techniques the failure mode's knowledge entry names, with what each can see."""
    listed = mode.get("techniques") if mode is not None else None
    if listed is None:
        return ()
    entries = {}
    for entry in knowledge.by_kind("technique"):
        for alias in (entry.name, *entry.aliases):
            entries.setdefault(names.fold(alias), entry)
    found = []
    for name in listed.value:
        entry = entries.get(names.fold(name))
        if entry is None:
            found.append(Technique(name, "", "", "", "not in the knowledge base"))
        else:
            found.append(Technique(entry.name, _entry_text(entry, "capability"), _entry_text(entry, "sample"),
                                   _entry_text(entry, "limitations"), entry.source))
    return tuple(found)


# ---------------------------------------------------------------- the layer stack

def _stack(spec, context: _Context) -> tuple[Layer, ...]:
    """The cell from anode to cathode: collector, anode, SEI, then the electrolyte layers with the interlayers
    between them where the spec puts them, coatings, cathode, collector."""
    layers = []
    collectors = spec.collectors
    if "anode" in collectors:
        layers.append(Layer("current collector", collectors["anode"].name, ""))
    layers.append(_electrode_layer(spec, context, "anode", ("kind", "thickness")))
    if spec.sei_components:
        layers.append(Layer("SEI", ", ".join(m.name for m in spec.sei_components), _spec_text(spec, "sei.thickness")))
    count = len(spec.electrolytes)
    at = {}                      # interface along the stack -> its interlayers, in spec order
    for layer in spec.interlayers:
        at.setdefault(_interface(layer, count), []).append(layer)
    layers.extend(_interlayer(layer, "interlayer") for layer in at.get(0, ()))
    for position, electrolyte in enumerate(spec.electrolytes, start=1):
        layers.append(_electrolyte_layer(electrolyte, context, count))
        if position < count:
            layers.extend(_interlayer(layer, "interlayer") for layer in at.get(position, ()))
    layers.extend(_interlayer(layer, "coating") for layer in at.get(max(count, 1), ()) if count)
    layers.append(_electrode_layer(spec, context, "cathode", ("potential", "thickness")))
    if "cathode" in collectors:
        layers.append(Layer("current collector", collectors["cathode"].name, ""))
    return tuple(layers)


def _interface(layer, count: int) -> int:
    """Where along the stack an interlayer sits: 0 at the anode, k between layers k and k+1, `count` at the cathode."""
    if layer.interface is not None:
        return layer.interface
    return count if "cathode" in _between(layer) else 0


def _electrolyte_layer(layer, context: _Context, count: int) -> Layer:
    """One electrolyte layer: its material and what the resolved values say of it (role, class, state, thickness)."""
    if layer.material is None:
        return Layer("electrolyte", "not given", "")
    details = []
    if count > 1:
        details.append(f"layer {layer.position} of {count}" + (f", {layer.role}" if layer.role else ""))
    material = layer.material
    if material.entry is not None and material.entry.name != material.name:
        details.append(f"{material.entry.name} in the knowledge base")
    if material.how == "custom":
        details.append("custom material")
    values = context.layer(layer.position)
    for key in ("class", "state", "thickness"):
        shown = context.layer_text(values, key)
        if shown:
            details.append(shown)
    return Layer("electrolyte", material.name, ", ".join(details))


def _electrode_layer(spec, context: _Context, section: str, keys) -> Layer:
    material = spec.materials.get(section)
    if material is None:
        return Layer(section, "not given", "")
    details = []
    if material.entry is not None and material.entry.name != material.name:
        details.append(f"{material.entry.name} in the knowledge base")
    if material.how == "custom":
        details.append("custom material")
    for key in keys:
        value, shown, _ = context.field(f"{section}.{key}")
        if value is not None:
            details.append(shown)
    return Layer(section, material.name, ", ".join(details))


def _between(layer) -> tuple:
    between = layer.values.get("between")
    return tuple(between.value) if between is not None else ()


def _interlayer(layer, role: str) -> Layer:
    details = []
    for key in ("class", "thickness"):
        item = layer.values.get(key)
        if item is not None:
            details.append(item.text)
    if "class" not in layer.values and layer.material.entry is not None:
        side = "cathode" if role == "coating" else "anode"
        default = _layer_class(layer.material.entry, side)
        if default:
            details.insert(0, default)
    return Layer(role, layer.material.name, ", ".join(details))


def _spec_text(spec, path: str) -> str:
    item = spec.values.get(path)
    return item.text if item is not None else ""


# ---------------------------------------------------------------- figures' models

_ELECTRODE_LEVELS = (("anode", "anode.potential", "anode"), ("cathode", "cathode.potential", "cathode"))
_WINDOW_LEVELS = (("window.low", "reduction limit"), ("window.high", "oxidation limit"), ("lumo", "LUMO"),
                  ("homo", "HOMO"))


def _energy(context: _Context) -> EnergyDiagram:
    """Every potential of the cell on the carrier's scale, converted from V vs SHE with the knowledge base's scale.

    In a stack each electrolyte layer has its own window: the anode is judged against the layer it touches
    (the first), the cathode against the last.
    """
    scale, carrier = context.scale, context.carrier
    carrier_she = scale.potential_of(carrier)
    materials = {"anode": _material_name(context, "anode"), "cathode": _material_name(context, "cathode")}
    levels = []
    for key, path, label in _ELECTRODE_LEVELS:
        value, shown, source = context.field(path)
        if value is None:
            continue
        levels.append(Level(key, f"{label} ({materials[key]})" if materials[key] else label,
                            scale.from_she(value, carrier), value, shown, source))
    electrolytes = context.spec.electrolytes
    kinds = []
    for layer in electrolytes:
        values = context.layer(layer.position)
        name = layer.material.name if layer.material is not None else f"layer {layer.position}"
        for key, label in _WINDOW_LEVELS:
            item = values.entries.get(key) if values is not None else None
            if item is None or item[0] is None:
                continue
            shown = context.layer_text(values, key)
            levels.append(Level(key, f"{label} ({name})" if len(electrolytes) > 1 else label,
                                scale.from_she(item[0], carrier), item[0], shown, item[2].source if item[2] else "",
                                layer.position))
        kind = values.value("window_kind") if values is not None else None
        if kind and str(kind) not in kinds:
            kinds.append(str(kind))
    levels.append(Level("reference", f"{context.reference} reference", 0.0, carrier_she,
                        f"0 V vs {context.reference}", "definition of the scale"))
    levels.append(Level("SHE", "standard hydrogen electrode", -carrier_she, 0.0, "0 V vs SHE",
                        context.field("cell.carrier_potential")[2]))
    first, last = (1, len(electrolytes)) if electrolytes else (0, 0)
    at_anode = {lv.key: lv.vs_she for lv in levels if lv.layer in (0, first)}
    at_cathode = {lv.key: lv.vs_she for lv in levels if lv.layer in (0, last)}
    orbitals = any(lv.key in ("lumo", "homo") for lv in levels)
    window_kind = ", ".join(kinds) or ("HOMO-LUMO gap" if orbitals else "")
    anode_crosses = _crosses(at_anode, "anode", "window.low", "lumo", below=True)
    cathode_crosses = _crosses(at_cathode, "cathode", "window.high", "homo", below=False)
    return EnergyDiagram(carrier, context.reference, window_kind,
                         tuple(sorted(levels, key=lambda lv: (lv.vs_she, lv.key, lv.layer))),
                         anode_crosses, cathode_crosses,
                         tuple(layer.material.name if layer.material else f"layer {layer.position}"
                               for layer in electrolytes),
                         _guard(context, anode_crosses, "window.anode-reduction", "anode"),
                         _guard(context, cathode_crosses, "window.cathode-oxidation", "cathode"))


def _guard(context: _Context, crosses: bool | None, rule_id: str, side: str) -> str:
    """Why an electrode beyond the window is not failing: its window rule passed or does not apply."""
    if not crosses or context.outcomes.get(rule_id) not in ("pass", "not-applicable"):
        return ""
    at = 0 if side == "anode" else len(context.spec.electrolytes)
    layers = [layer.material.name for layer in context.spec.interlayers
              if layer.material is not None and layer.interface == at]
    if layers:
        return f"separated by {', '.join(layers)}"
    return f"{rule_id}: {context.outcomes[rule_id]}"


def _crosses(levels: dict, electrode: str, limit: str, orbital: str, below: bool) -> bool | None:
    bound = levels.get(limit, levels.get(orbital))
    if electrode not in levels or bound is None:
        return None
    return levels[electrode] < bound if below else levels[electrode] > bound


def _material_name(context: _Context, section: str) -> str:
    material = context.spec.materials.get(section)
    return material.name if material is not None else ""


def _gauge(context: _Context, name: str, label: str) -> Gauge | None:
    ruleset = context.ruleset
    derive = next((d for d in ruleset.derives if d.name == name), None)
    if derive is not None:
        values = context.result.values
        value = values[derive.slot] if derive.slot < len(values) else None
        text = display.show(value, "", derive.dimension, context.scale, context.carrier)
        source = "derived: " + _one_line(derive.source.split("=", 1)[1])
        dimension = derive.dimension or units.DIMENSIONLESS
    elif name in F.SLOT:
        value, text, source = context.field(name)
        dimension = F.BY_PATH[name].dimension or units.DIMENSIONLESS
    else:
        return None
    pattern = re.compile(r"(?<![\w.])" + re.escape(name) + _COMPARISON)
    limits = []
    for rule in sorted(ruleset.rules, key=lambda r: r.id):
        if rule.carriers and context.carrier not in rule.carriers:
            continue
        for operator, literal in pattern.findall(rule.requirement_source):
            quantity = units.parse_quantity(literal)
            shown = units.format_quantity(quantity.value, quantity.dimension)
            limits.append(Limit(rule.id, operator, quantity.value, shown, rule.severity,
                                context.outcomes.get(rule.id, "not evaluated")))
    return Gauge(name, label, value if isinstance(value, float) else None, text, source,
                 tuple(sorted(limits, key=lambda lim: (lim.value, lim.rule))), dimension)


def _graph(context: _Context) -> RuleGraph:
    """The evaluated dependency graph: rules coloured by outcome, derived values by whether they are known."""
    ruleset = context.ruleset
    values = context.result.values
    nodes = [GraphNode(r.id, "rule", context.outcomes.get(r.id, "not evaluated"))
             for r in sorted(ruleset.rules, key=lambda r: r.id)]
    derived = sorted({node.split(":", 1)[1] for edge in ruleset.edges for node in edge if node.startswith("derive:")})
    slots = {d.name: d.slot for d in ruleset.derives}
    for name in derived:
        slot = slots.get(name)
        known = slot is not None and slot < len(values) and values[slot] is not None
        nodes.append(GraphNode(name, "value", "known" if known else "unknown"))
    edges = []
    for source, target in ruleset.edges:
        source_kind, source_id = source.split(":", 1)
        target_id = target.split(":", 1)[1]
        if source_kind == "derive":
            kind = "reads"
        else:
            rule = context.rules.get(target_id)
            kind = "refines" if rule is not None and rule.refines == source_id else "needs"
        edges.append(GraphEdge(source_id, target_id, kind))
    return RuleGraph(tuple(nodes), tuple(sorted(set(edges), key=lambda e: (e.source, e.target))))
