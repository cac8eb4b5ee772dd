"""Typed syntax tree of the rule language.

Every node is a frozen attrs value that remembers where it was written, so the
checker can point at the exact token and explanations can quote the source.
"""
from __future__ import annotations

import re

import attrs

from cellrules.errors import Location

# `{name}` in a rule's message: the value of a field or derived value, shown with its unit.
MESSAGE_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


@attrs.frozen
class Node:
    location: Location = attrs.field(kw_only=True, eq=False)


@attrs.frozen
class Quantity(Node):
    """A number with an optional unit, folded to SI base units by the parser."""

    value: float
    dimension: object  # cellrules.units.Dimension
    text: str


@attrs.frozen
class PotentialLiteral(Node):
    """`4 V vs Li/Li+`: a potential on a named scale; the checker converts it to SHE."""

    volts: float
    reference: str
    text: str


@attrs.frozen
class String(Node):
    value: str


@attrs.frozen
class Boolean(Node):
    value: bool


@attrs.frozen
class SetLiteral(Node):
    items: tuple[Node, ...]


@attrs.frozen
class Name(Node):
    """A dotted path: `anode.potential`, `electrolyte.window.low`, `i.class`, `modulus_ratio`."""

    parts: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@attrs.frozen
class Call(Node):
    function: str
    args: tuple[Node, ...]


@attrs.frozen
class Quantifier(Node):
    """`any(i in interlayer: ...)`, `all(...)`, `count(...)`, `sum(...)` over a list of records or strings."""

    kind: str
    variable: str
    collection: Name
    body: Node


@attrs.frozen
class Arithmetic(Node):
    operator: str
    left: Node
    right: Node


@attrs.frozen
class Negate(Node):
    operand: Node


@attrs.frozen
class Compare(Node):
    operator: str
    left: Node
    right: Node


@attrs.frozen
class Member(Node):
    item: Node
    collection: Node
    negated: bool


@attrs.frozen
class BoolOp(Node):
    operator: str  # "and" | "or"
    left: Node
    right: Node


@attrs.frozen
class Not(Node):
    operand: Node


@attrs.frozen
class Derive(Node):
    """`let NAME = expr`: a derived value, a node of the dependency graph.

    `let electrolyte.NAME = expr` is a per-layer value: `expr` reads one layer as `electrolyte.*`, and the
    value exists for every layer (`electrolyte.NAME`, `cathode_electrolyte.NAME`, `l.NAME` in a quantifier
    over `electrolyte_layers`).
    """

    name: str
    expression: Node
    source: str

    @property
    def per_layer(self) -> bool:
        return "." in self.name

    @property
    def key(self) -> str:
        """The name without its `electrolyte.` prefix."""
        return self.name.split(".", 1)[-1]


@attrs.frozen
class Example(Node):
    """`example pass "spec snippet"`: documentation a test can run."""

    expect: str
    text: str


@attrs.frozen
class Rule(Node):
    """A rule; with `each layer` (per_layer) it judges every electrolyte layer, `electrolyte.*` being the
    layer judged, and its outcome is the worst over the layers (fail, then unknown, then pass)."""

    id: str
    title: str
    carriers: tuple[str, ...]
    per_layer: bool
    guard: Node | None
    requirement: Node | None
    requirement_source: str
    guard_source: str
    severity: str
    failure_mode: str
    needs: tuple[str, ...]
    refines: str | None
    supersedes: tuple[str, ...]            # rules whose failure this one's failure replaces (one cause, one finding)
    distinct: tuple[tuple[str, str], ...]  # (rule id, why): a rule that can fail with this one for another cause
    message: str
    mechanism: str
    mitigations: tuple[str, ...]
    citation: str
    outside: tuple[str, ...]
    examples: tuple[Example, ...]
    source: str
    clause_locations: dict = attrs.field(factory=dict, eq=False)


@attrs.frozen
class RuleFile(Node):
    derives: tuple[Derive, ...]
    rules: tuple[Rule, ...]


def children(node: Node) -> tuple[Node, ...]:
    """The sub-expressions of an expression node, for generic walks."""
    if isinstance(node, (Arithmetic, Compare, BoolOp)):
        return (node.left, node.right)
    if isinstance(node, (Negate, Not)):
        return (node.operand,)
    if isinstance(node, Member):
        return (node.item, node.collection)
    if isinstance(node, SetLiteral):
        return node.items
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Quantifier):
        return (node.collection, node.body)
    return ()
