"""Checked rules -> one generated Python function that evaluates them all.

Why generated code: evaluation runs once per spec over ~100 rules, and a tree
of closures costs 4-5x hand-written Python where straight-line code costs
~1.2x (design/engine.md). Safety comes from what may reach the source text:
field and derived names become integer slot indexes, literals become `repr()`
of floats, strings and tuples, and operators come from a fixed table. No text
of a rule, spec or template is ever placed in the code as code.

Semantics are three-valued: None means unknown. Arithmetic and comparisons
with an unknown operand are unknown; `and`/`or` follow Kleene logic (false and
unknown is false, true or unknown is true); `known(x)` is never unknown.
"""
from __future__ import annotations

import marshal
import math
from typing import TYPE_CHECKING

import attrs

from cellrules.cellspec import fields as F

if TYPE_CHECKING:  # the AST is needed to generate code, not to run it (a warm start never imports it)
    from cellrules.language import ast

# Outcome codes written by the generated function, one per rule.
PASS, FAIL, UNKNOWN, NOT_APPLICABLE, SKIPPED, UNKNOWN_GUARD = range(6)
OUTCOME_NAMES = {PASS: "pass", FAIL: "fail", UNKNOWN: "unknown", NOT_APPLICABLE: "not-applicable",
                 SKIPPED: "skipped", UNKNOWN_GUARD: "unknown"}

_LITERALS = ("Quantity", "PotentialLiteral", "String", "Boolean", "SetLiteral")   # AST nodes never None
_BOLTZMANN_J_PER_K = 1.380649e-23
_ARITH = {"+": "+", "-": "-", "*": "*"}
_COMPARE = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}


def _div(a, b):
    if b:
        return a / b
    return None if a == 0 else math.copysign(math.inf, a)


def _arrhenius(sigma, t_ref, energy, t):
    """Eq. 7: sigma(T) = sigma_ref * exp(-Ea/k (1/T - 1/T_ref))."""
    if None in (sigma, t_ref, energy, t) or t <= 0 or t_ref <= 0:
        return None
    return _scaled(sigma, -energy / _BOLTZMANN_J_PER_K * (1.0 / t - 1.0 / t_ref))


def _vft(sigma, t_ref, pseudo, t0, t):
    """Eq. 8: sigma(T) = A exp(-B / (T - T0)), scaled through sigma at T_ref."""
    if None in (sigma, t_ref, pseudo, t0, t) or t <= t0 or t_ref <= t0:
        return None
    return _scaled(sigma, -pseudo * (1.0 / (t - t0) - 1.0 / (t_ref - t0)))


def _scaled(sigma, exponent):
    """sigma * exp(exponent), unknown where no float holds it (a negative activation energy far from T_ref)."""
    try:
        return sigma * math.exp(exponent)
    except OverflowError:
        return None


def _call1(function, value):
    if value is None:
        return None
    try:
        return function(value)
    except (ValueError, OverflowError):
        return None


# How bad an outcome is, for keeping the worst over the layers of a rule with `each layer`.
_RANK = {PASS: 1, FAIL: 3, UNKNOWN: 2, NOT_APPLICABLE: 0, SKIPPED: 4, UNKNOWN_GUARD: 2}
RUNTIME = {"_div": _div, "_arrhenius": _arrhenius, "_vft": _vft, "_call1": _call1,
           "_exp": math.exp, "_log10": math.log10, "_sqrt": math.sqrt, "_abs": abs,
           "_rank": tuple(_RANK[code] for code in range(len(_RANK)))}


@attrs.frozen
class CompiledRules:
    """The generated evaluator's source and the slot layout it assumes."""

    source: str
    slot_count: int                       # fields + derived values + layer positions
    derive_slots: dict                    # derived name -> slot
    layer_slots: dict                     # rule id (with `each layer`) -> slot of the position of the layer that decided it
    layer_keys: tuple[str, ...]           # per-layer values, in the order they follow a layer record's fields
    rule_ids: tuple[str, ...]             # index in the outcome list -> rule id
    bytecode: bytes                       # marshalled code of `source`: compiling it anew cost a warm start ~35 ms


class _Emitter:
    def __init__(self, derive_slots: dict[str, int], layer_slots: dict[str, int], layer_keys: tuple[str, ...], scale):
        self.lines: list[str] = []
        self.depth = 1
        self.counter = 0
        self.derive_slots = derive_slots
        self.layer_slots = layer_slots
        self.layer_keys = layer_keys      # per-layer values, in the order they follow a layer record's fields
        self.scale = scale
        # While a per-layer value is emitted, where `electrolyte.*` is read from: a slot block
        # ("electrolyte" / "cathode_electrolyte") or a record variable of electrolyte_layers.
        self.layer: tuple[str, str] | None = None

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def temp(self) -> str:
        self.counter += 1
        return f"t{self.counter}"

    def expr(self, node: ast.Node, scope: dict[str, tuple[str, str]]) -> str:
        """Emit statements computing `node`; return a name or literal holding it."""
        return getattr(self, "_" + type(node).__name__)(node, scope)

    def _Quantity(self, node, scope):
        return _float_literal(_round(node.value), node)

    def _PotentialLiteral(self, node, scope):
        return _float_literal(_round(self.scale.to_she(node.volts, node.reference)), node)

    def _String(self, node, scope):
        return repr(node.value)

    def _Boolean(self, node, scope):
        return repr(node.value)

    def _SetLiteral(self, node, scope):
        return repr(tuple(sorted(item.value for item in node.items)))

    def _Name(self, node, scope):
        head, *rest = node.parts
        if head in scope:
            variable, record = scope[head]
            if not rest:
                return variable
            return f"{variable}[{self.record_index(record, '.'.join(rest))}]"
        if not rest:
            return f"v[{self.derive_slots[head]}]" if head in self.derive_slots else f"v[{F.SLOT[head]}]"
        dotted = node.dotted
        if self.layer is not None and head == "electrolyte":
            kind, where = self.layer
            if kind == "record":
                return f"{where}[{self.record_index('electrolyte_layer', '.'.join(rest))}]"
            dotted = f"{where}.{'.'.join(rest)}"
        if dotted in self.derive_slots:
            return f"v[{self.derive_slots[dotted]}]"
        return f"v[{F.SLOT[dotted]}]"

    def record_index(self, record: str, key: str) -> int:
        """A key's position in a record; per-layer values follow the fields of a layer record."""
        if record == "electrolyte_layer" and key in self.layer_keys:
            return len(F.RECORD_FIELDS[record]) + self.layer_keys.index(key)
        return F.record_index(record, key)

    def _Call(self, node, scope):
        args = [self.expr(a, scope) for a in node.args]
        t = self.temp()
        name = node.function
        if name == "known":
            self.line(f"{t} = not ({_unknown_if_none(args[0])})")
        elif name == "given":
            self.line(f"{t} = {F.SLOT[node.args[0].dotted]} in g")
        elif name == "len":
            self.line(f"{t} = None if {_unknown_if_none(args[0])} else len({args[0]})")
        elif name in ("min", "max"):
            self.line(f"{t} = None if None in ({', '.join(args)},) else {name}({', '.join(args)})")
        elif name == "when":
            self.line(f"{t} = {args[1]} if {args[0]} is True else None")
        elif name == "first_known":
            # The first argument that is known: a chain of conditionals (the arguments are names and
            # subscripts, cheap to read twice), not a generator made for every spec.
            chain = "None"
            for arg, node_arg in reversed(list(zip(args, node.args))):
                literal = type(node_arg).__name__ in _LITERALS
                chain = arg if literal else f"{arg} if {arg} is not None else {chain}"   # a literal is known
            self.line(f"{t} = {chain}")
        elif name in ("abs", "exp", "log10", "sqrt"):
            self.line(f"{t} = _call1(_{name}, {args[0]})")
        else:
            self.line(f"{t} = _{name}({', '.join(args)})")
        return t

    def _Quantifier(self, node, scope):
        collection = self.expr(node.collection, scope)
        t, item = self.temp(), self.temp()
        record = _record_of(node.collection, scope)
        inner = {**scope, node.variable: (item, record)}
        start = {"any": "False", "all": "True", "count": "0", "sum": "0.0"}[node.kind]
        self.line(f"{t} = None if {collection} is None else {start}")
        self.line(f"if {collection} is not None:")
        self.depth += 1
        self.line(f"for {item} in {collection}:")
        self.depth += 1
        body = self.expr(node.body, inner)
        if node.kind in ("any", "all"):
            # Kleene: one decisive item (true for any, false for all) settles it; an unknown item
            # leaves the answer unknown unless a decisive one follows.
            decisive = "True" if node.kind == "any" else "False"
            self.line(f"if {body} is {decisive}:")
            self.line(f"    {t} = {decisive}")
            self.line("    break")
            self.line(f"if {body} is None:")
            self.line(f"    {t} = None")
        else:
            self.line(f"if {body} is None:")
            self.line(f"    {t} = None")
            self.line("    break")
            if node.kind == "sum":
                self.line(f"{t} += {body}")
            else:
                self.line(f"if {body}:")
                self.line(f"    {t} += 1")
        self.depth -= 2
        return t

    def _Arithmetic(self, node, scope):
        a, b = self.expr(node.left, scope), self.expr(node.right, scope)
        t = self.temp()
        if node.operator == "/":
            self.line(f"{t} = None if {_unknown_if_none(a, b)} else _div({a}, {b})")
        else:
            self.line(f"{t} = None if {_unknown_if_none(a, b)} else {a} {_ARITH[node.operator]} {b}")
        return t

    def _Negate(self, node, scope):
        a = self.expr(node.operand, scope)
        t = self.temp()
        self.line(f"{t} = None if {_unknown_if_none(a)} else -{a}")
        return t

    def _Compare(self, node, scope):
        a, b = self.expr(node.left, scope), self.expr(node.right, scope)
        t = self.temp()
        self.line(f"{t} = None if {_unknown_if_none(a, b)} else {a} {_COMPARE[node.operator]} {b}")
        return t

    def _Member(self, node, scope):
        a, b = self.expr(node.item, scope), self.expr(node.collection, scope)
        t = self.temp()
        test = "not in" if node.negated else "in"
        self.line(f"{t} = None if {_unknown_if_none(a, b)} else {a} {test} {b}")
        return t

    def _BoolOp(self, node, scope):
        t = self.temp()
        left = self.expr(node.left, scope)
        decisive = "False" if node.operator == "and" else "True"
        self.line(f"if {left} is {decisive}:")
        self.line(f"    {t} = {decisive}")
        self.line("else:")
        self.depth += 1
        right = self.expr(node.right, scope)
        self.line(f"{t} = {decisive} if {right} is {decisive} else "
                  f"(None if {left} is None or {right} is None else {'True' if decisive == 'False' else 'False'})")
        self.depth -= 1
        return t

    def _Not(self, node, scope):
        a = self.expr(node.operand, scope)
        t = self.temp()
        self.line(f"{t} = None if {a} is None else not {a}")
        return t


def _unknown_if_none(*operands: str) -> str:
    """The `x is None or ...` test for the operands that can be None.

    A literal cannot be None, and `5.0 is None` would make Python print a SyntaxWarning at compile time.
    """
    tests = [f"{x} is None" for x in operands if x.startswith(("t", "v["))]
    return " or ".join(tests) if tests else "False"


def _record_of(collection: ast.Name, scope) -> str:
    head = collection.parts[0]
    if head in scope:
        return ""
    field = F.BY_PATH.get(collection.dotted)
    return field.record if field is not None else ""


def _float_literal(value: float, node) -> str:
    """A float as Python source. repr() of a non-finite float is a name ("inf", "nan"), not a literal: such a
    value (a potential literal whose reference electrode is itself 1e308 V away) is refused at the rule."""
    if not math.isfinite(value):
        from cellrules.errors import RuleError

        raise RuleError(f"the value {node.text} is out of range once converted to SI units (V vs SHE for a potential)",
                        node.location, "no rule needs a limit beyond about 1e300; check the number, its unit or reference")
    return repr(value)


def _round(value: float) -> float:
    """12 significant figures: unit folding must not leave 4.199999999 noise."""
    return float(f"{value:.12g}")


def compile_rules(checked, scale) -> CompiledRules:
    """Generate the evaluator for checked rules (see module docstring)."""
    derive_slots = derive_slot_layout(checked.derives)
    rules = {r.id: r for r in checked.rules}
    rule_ids = tuple(key.split(":", 1)[1] for key in checked.order if key.startswith("rule:"))
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    derives = {d.name: d for d in checked.derives}
    # Per-layer values first, in dependency order: rules reach them through records as well as by name.
    layer_order = [name for kind, name in (k.split(":", 1) for k in checked.order)
                   if kind == "derive" and derives[name].per_layer]
    after = len(F.FIELDS) + len(derive_slots)
    layer_slots = {rule.id: after + k for k, rule in enumerate(r for r in checked.rules if r.per_layer)}
    emit = _Emitter(derive_slots, layer_slots, tuple(derives[name].key for name in layer_order), scale)
    emit.line(f"o = [{NOT_APPLICABLE}] * {len(rule_ids)}")
    emit.line(f"carrier = v[{F.SLOT['cell.carrier']}]")
    _emit_layer_values(emit, [derives[name] for name in layer_order])
    for key in checked.order:
        kind, name = key.split(":", 1)
        if kind == "derive" and not derives[name].per_layer:
            emit.line(f"# let {name}")
            value = emit.expr(derives[name].expression, {})
            emit.line(f"v[{derive_slots[name]}] = {value}")
        elif kind == "rule":
            _emit_rule(emit, rules[name], index)
    emit.line("return o")
    # g: the slots the spec itself set (cellspec/resolve.py), for given(); empty when a caller has none.
    source = "def evaluate(v, g=()):\n" + "\n".join(emit.lines) + "\n"
    bytecode = marshal.dumps(compile(source, "<cellrules rules>", "exec"))  # the cache key names the Python version
    return CompiledRules(source, after + len(layer_slots), derive_slots, layer_slots, emit.layer_keys, rule_ids,
                         bytecode)


def derive_slot_layout(derives) -> dict[str, int]:
    """Slots after the fields: one per derived value, two per per-layer value (one per layer block)."""
    names: list[str] = []
    for derive in derives:
        names.extend([f"{block}.{derive.key}" for block in F.LAYER_BLOCKS] if derive.per_layer else [derive.name])
    return {name: len(F.FIELDS) + i for i, name in enumerate(names)}


def _emit_layer_values(emit: _Emitter, derives) -> None:
    """Each per-layer value for the two layer blocks, then appended to every record of electrolyte_layers."""
    for derive in derives:
        for block in F.LAYER_BLOCKS:
            emit.layer = ("block", block)
            emit.line(f"# let {block}.{derive.key}")
            value = emit.expr(derive.expression, {})
            emit.line(f"v[{emit.derive_slots[f'{block}.{derive.key}']}] = {value}")
    if not derives:
        emit.layer = None
        return
    layers, record, extended = f"v[{F.SLOT['electrolyte_layers']}]", emit.temp(), emit.temp()
    emit.line(f"if {layers} is not None:")
    emit.line(f"    {extended} = ()")
    emit.line(f"    for {record} in {layers}:")
    emit.depth += 2
    emit.layer = ("record", record)
    for derive in derives:
        emit.line(f"# {derive.name} of each layer")
        value = emit.expr(derive.expression, {})
        emit.line(f"{record} = {record} + ({value},)")
    emit.line(f"{extended} += ({record},)")
    emit.depth -= 2
    emit.line(f"    {layers} = {extended}")
    emit.layer = None


def _emit_rule(emit: _Emitter, rule: ast.Rule, index: dict[str, int]) -> None:
    """A rule's outcome into o[i]; a rule with `each layer` judges every layer record (an unknown
    stack counts as one layer of unknown values) and keeps the worst verdict and its layer's position."""
    i = index[rule.id]
    emit.line(f"# rule {i}: {rule.id}".replace("\n", " "))
    opened = 0
    if rule.carriers:
        emit.line(f"if carrier in {tuple(sorted(rule.carriers))!r}:")
        emit.depth += 1
        opened += 1
    if not rule.per_layer:
        _emit_verdict(emit, rule, index, f"o[{i}]")
        emit.depth -= opened
        return
    record, verdict, where = emit.temp(), emit.temp(), f"v[{emit.layer_slots[rule.id]}]"
    unknown_layer = (None,) * (len(F.RECORD_FIELDS["electrolyte_layer"]) + len(emit.layer_keys))
    emit.line(f"for {record} in (v[{F.SLOT['electrolyte_layers']}] or ({unknown_layer!r},)):")
    emit.depth += 1
    emit.layer = ("record", record)
    emit.line(f"{verdict} = {NOT_APPLICABLE}")
    _emit_verdict(emit, rule, index, verdict)
    emit.layer = None
    emit.line(f"if {verdict} == {SKIPPED}:")
    emit.line(f"    o[{i}], {where} = {SKIPPED}, None")
    emit.line("    break")
    emit.line(f"if _rank[{verdict}] > _rank[o[{i}]]:")
    emit.line(f"    o[{i}], {where} = {verdict}, {record}[{F.record_index('electrolyte_layer', 'position')}]")
    emit.depth -= 1 + opened


def _emit_verdict(emit: _Emitter, rule: ast.Rule, index: dict[str, int], target: str) -> None:
    """Guard first: a rule whose own guard excludes the cell is not-applicable whatever its
    prerequisites did, so an unknown parent cannot make it `skipped` and the cell spuriously
    incomplete. Then the prerequisites, then the requirement. `target` starts not-applicable."""
    opened = 0
    guard = None
    if rule.guard is not None:
        guard = emit.expr(rule.guard, {})
        emit.line(f"if {guard} is not False:")
        emit.depth += 1
        opened += 1
    if rule.needs:
        # A prerequisite that failed, is unknown or was skipped makes this verdict meaningless.
        # One test for all of them: a block per prerequisite would indent without limit.
        blocked = " or ".join(f"o[{index[p]}] in ({FAIL}, {UNKNOWN}, {UNKNOWN_GUARD}, {SKIPPED})" for p in rule.needs)
        emit.line(f"if {blocked}:")
        emit.line(f"    {target} = {SKIPPED}")
        emit.line("else:")
        emit.depth += 1
        opened += 1
    if rule.refines:
        j = index[rule.refines]
        emit.line(f"if o[{j}] in ({UNKNOWN}, {UNKNOWN_GUARD}, {SKIPPED}):")
        emit.line(f"    {target} = {SKIPPED}")
        emit.line(f"elif o[{j}] == {FAIL}:")
        emit.depth += 1
        opened += 1
    if guard is not None:
        emit.line(f"if {guard} is None:")
        emit.line(f"    {target} = {UNKNOWN_GUARD}")
        emit.line("else:")
        emit.depth += 1
        opened += 1
    result = emit.expr(rule.requirement, {})
    emit.line(f"{target} = {UNKNOWN} if {result} is None else ({PASS} if {result} else {FAIL})")
    emit.depth -= opened


def load_evaluator(compiled: CompiledRules):
    """Turn the generated code into a callable; the namespace holds only RUNTIME helpers."""
    namespace = dict(RUNTIME)
    namespace["__builtins__"] = {"len": len, "min": min, "max": max, "abs": abs, "next": next}
    exec(marshal.loads(compiled.bytecode), namespace)  # noqa: S102 - source generated from the checked AST, see module docstring
    return namespace["evaluate"]
