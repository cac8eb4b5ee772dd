"""Checked rules -> a column program: the rule set evaluated for many candidates at once.

The second backend of the rule compiler (compile.py is the first). It reads the
same checked AST and gives every rule the same outcome the generated row-wise
function gives, for every row: unknown is a `known` mask (columns.py), Kleene
`and`/`or` are mask formulas, a rule's guard is decided before its
prerequisites (an excluded cell is not-applicable, never skipped), an unknown
guard is UNKNOWN_GUARD, and refinement reads its parent's outcome. Functions
whose numpy versions round differently from Python's `math` (exp, log10) are
evaluated with `math` on the distinct values of a column, so the derived
values, not only the outcomes, are equal to the row-wise ones.

A candidate space is a product of dimensions (materials, pressures, ...). Each
input slot depends on some of them (a knowledge-base value of the electrolyte
on the electrolyte dimension only), and so does every expression: the union of
what it reads. An expression whose dimensions span a small product ("static")
is evaluated once over that product and then gathered for every chunk of
candidates: a window rule over anode x electrolyte runs on a few hundred rows,
however many pressures and temperatures the space has. Only expressions over
large products run per chunk. The result does not depend on where an
expression was evaluated: every operation is elementwise.

Nothing is generated as text: the visitor (one method per AST node type, like
compile.py's _Emitter) returns plans, small objects that call numpy.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import attrs
import numpy as np

from cellrules.cellspec import fields as F
from cellrules.language import columns as C
from cellrules.language.compile import (
    _BOLTZMANN_J_PER_K, FAIL, NOT_APPLICABLE, PASS, SKIPPED, UNKNOWN, UNKNOWN_GUARD, _round)

if TYPE_CHECKING:
    from cellrules.language import ast

STATIC_LIMIT = 1 << 16      # an expression over at most this many combinations is evaluated once per process
_BLOCKING = np.array([FAIL, UNKNOWN, UNKNOWN_GUARD, SKIPPED], dtype=np.int8)
_UNDECIDED = np.array([UNKNOWN, UNKNOWN_GUARD, SKIPPED], dtype=np.int8)


@attrs.frozen
class Layout:
    """The space the program runs over: dimension sizes and the dimensions each input slot depends on."""

    sizes: tuple[int, ...]
    slot_dims: dict            # slot -> sorted tuple of dimension indexes


class Plan:
    """A compiled expression: the dimensions it depends on and how to compute it in a frame."""

    deps: tuple[int, ...] = ()
    local = False              # reads a quantifier's variable: computed where it stands, never hoisted
    shared = False             # read from several places (a derived value, a rule outcome): computed once per frame

    def run(self, ctx: Frame):  # pragma: no cover - every plan defines it
        raise NotImplementedError


def _union(*plans) -> tuple[int, ...]:
    dims: set[int] = set()
    for plan in plans:
        dims.update(plan.deps)
    return tuple(sorted(dims))


class _Const(Plan):
    def __init__(self, value):
        self.value = value

    def run(self, ctx):
        return C.constant(self.value, ctx.rows)


class _Slot(Plan):
    def __init__(self, slot: int, deps, given: bool = False):
        self.slot, self.deps, self.given = slot, deps, given

    def run(self, ctx):
        return ctx.source(self.slot, self.given)


class _Variable(Plan):
    """A quantifier's variable, or a field of the record it is bound to."""

    local = True

    def __init__(self, name: str, field: int | None, deps):
        self.name, self.field, self.deps = name, field, deps

    def run(self, ctx):
        element = ctx.scope[self.name]
        return element if self.field is None else element.fields[self.field]


class _Apply(Plan):
    """An operation on the values of its operands (arithmetic, comparison, functions)."""

    def __init__(self, function, operands):
        self.function, self.operands = function, tuple(operands)
        self.deps = _union(*self.operands)
        self.local = any(p.local for p in self.operands)

    def run(self, ctx):
        return self.function(*(ctx.eval(p) for p in self.operands))


class _Shared(Plan):
    """A derived value: one plan, however many expressions read it."""

    shared = True

    def __init__(self, name: str, inner: Plan):
        self.name, self.inner, self.deps, self.local = name, inner, inner.deps, inner.local

    def run(self, ctx):
        return ctx.eval(self.inner)


class _Quantifier(Plan):
    def __init__(self, kind: str, variable: str, collection: Plan, body: Plan):
        self.kind, self.variable, self.collection, self.body = kind, variable, collection, body
        self.deps = _union(collection, body)
        self.local = collection.local or (body.local and _reads_outer(body, variable))

    def run(self, ctx):
        listed = ctx.eval(self.collection)
        rows = listed.known.shape[0]
        decided = np.zeros(rows, dtype=bool)       # any: a true item; all: a false item
        undecided = np.zeros(rows, dtype=bool)     # an item whose condition (or term) is unknown
        counted = np.zeros(rows, dtype=np.float64)
        decisive = self.kind != "all"
        for k in range(C.width(listed)):
            present = listed.present[:, k]
            body = ctx.bind(self.variable, C.position(listed, k)).eval(self.body)
            known = present & body.known
            undecided |= present & ~body.known
            if self.kind == "count":
                counted += known & body.value
            elif self.kind == "sum":
                # In item order, as the row-wise loop adds; an absent item adds 0.0, which changes no sum.
                counted = counted + np.where(present, body.value, 0.0)
            else:
                decided |= known & (body.value == decisive)
        if self.kind in ("count", "sum"):
            return C.Values(counted, listed.known & ~undecided)
        # Kleene: one decisive item settles it; otherwise an unknown item leaves it unknown.
        value = decided if decisive else ~decided
        return C.Values(value & listed.known, listed.known & (decided | ~undecided))


def _reads_outer(plan: Plan, inner_variable: str) -> bool:
    """Whether `plan` reads a quantifier variable other than `inner_variable` (so it must stay local)."""
    if isinstance(plan, _Variable):
        return plan.name != inner_variable
    if isinstance(plan, _Quantifier):
        return _reads_outer(plan.collection, inner_variable) or _reads_outer(plan.body, inner_variable)
    if isinstance(plan, (_Apply, _BoolOp)):
        return any(_reads_outer(p, inner_variable) for p in plan.operands)
    if isinstance(plan, _Shared):
        return _reads_outer(plan.inner, inner_variable)
    return False


LAYER_VARIABLE = "\x00layer"      # where a per-layer value reads `electrolyte.*` from, inside a layer record


class _LayerRecords(Plan):
    """electrolyte_layers with every per-layer value appended to each record, as compile._emit_layer_values does."""

    shared = True

    def __init__(self, collection: Plan, values, empty):
        self.collection, self.values, self.empty = collection, tuple(values), tuple(empty)
        self.deps = _union(collection, *self.values)

    def run(self, ctx):
        listed = ctx.eval(self.collection)
        appended: list[list] = [[] for _ in self.values]
        for k in range(C.width(listed)):
            element = C.position(listed, k)
            for i, plan in enumerate(self.values):
                value = ctx.bind(LAYER_VARIABLE, element).eval(plan)
                element = C.Record(element.fields + (value,))
                appended[i].append(value)
        rows = listed.known.shape[0]
        fields = [C.stack(columns) if columns else C.map_arrays(empty, lambda a: a.reshape((rows, 0, *a.shape[1:])))
                  for columns, empty in zip(appended, self.empty)]
        return C.Items(C.Record(listed.items.fields + tuple(fields)), listed.present, listed.known)


class _BoolOp(Plan):
    def __init__(self, operator: str, left: Plan, right: Plan):
        self.operator, self.operands = operator, (left, right)
        self.deps = _union(left, right)
        self.local = left.local or right.local

    def run(self, ctx):
        left, right = (ctx.eval(p) for p in self.operands)
        if self.operator == "and":
            false = (left.known & ~left.value) | (right.known & ~right.value)
            true = left.known & left.value & right.known & right.value
        else:
            true = (left.known & left.value) | (right.known & right.value)
            false = left.known & ~left.value & right.known & ~right.value
        return C.Values(true, true | false)


class _Rule(Plan):
    """A rule's outcome code, exactly as compile._emit_rule writes it."""

    shared = True

    def __init__(self, rule_id: str, carriers, carrier: Plan, guard, requirement: Plan, needs, refines):
        self.rule_id, self.carriers, self.carrier = rule_id, carriers, carrier
        self.guard, self.requirement, self.needs, self.refines = guard, requirement, tuple(needs), refines
        parts = [requirement, *self.needs] + ([carrier] if carriers is not None else []) + \
            ([guard] if guard is not None else []) + ([refines] if refines is not None else [])
        self.deps = _union(*parts)

    def run(self, ctx):
        return C.Values(self.verdict(ctx, self.reached(ctx)), np.broadcast_to(np.True_, (ctx.rows,)))

    def reached(self, ctx) -> np.ndarray:
        """The rows whose carrier the rule is for."""
        reach = np.ones(ctx.rows, dtype=bool)
        if self.carriers is not None:
            carrier = ctx.eval(self.carrier)
            reach &= carrier.known & np.isin(carrier.value, self.carriers)
        return reach

    def verdict(self, ctx, reach: np.ndarray) -> np.ndarray:
        """compile._emit_verdict for the rows in `reach` (the others are not-applicable)."""
        rows = ctx.rows
        outcome = np.full(rows, NOT_APPLICABLE, dtype=np.int8)
        reach = reach.copy()
        guard = None
        if self.guard is not None:
            guard = ctx.eval(self.guard)
            reach &= ~(guard.known & ~guard.value)        # the guard is not False
        if self.needs:
            blocked = np.zeros(rows, dtype=bool)
            for need in self.needs:
                blocked |= np.isin(ctx.eval(need).value, _BLOCKING)
            outcome[reach & blocked] = SKIPPED
            reach &= ~blocked
        if self.refines is not None:
            parent = ctx.eval(self.refines).value
            outcome[reach & np.isin(parent, _UNDECIDED)] = SKIPPED
            reach &= parent == FAIL
        if guard is not None:
            outcome[reach & ~guard.known] = UNKNOWN_GUARD
            reach &= guard.known
        result = ctx.eval(self.requirement)
        outcome[reach & ~result.known] = UNKNOWN
        decided = reach & result.known
        outcome[decided & result.value] = PASS
        outcome[decided & ~result.value] = FAIL
        return outcome


# How bad an outcome is, as compile._RANK: a rule with `each layer` keeps its worst layer's (the first of equals).
_RANK = np.array([1, 3, 2, 0, 4, 2], dtype=np.int8)   # PASS, FAIL, UNKNOWN, NOT_APPLICABLE, SKIPPED, UNKNOWN_GUARD


class _PerLayerRule(_Rule):
    """A rule with `each layer`: judged on every layer record (`electrolyte.*` the layer judged), its outcome
    the worst layer's. A stack that is unknown or has no layer counts as one layer of unknown values."""

    def __init__(self, rule_id, carriers, carrier, guard, requirement, needs, refines, layers: Plan):
        super().__init__(rule_id, carriers, carrier, guard, requirement, needs, refines)
        self.layers = layers
        self.deps = _union(self, layers)

    def run(self, ctx):
        reach = self.reached(ctx)
        listed = ctx.eval(self.layers)
        rows = ctx.rows
        none = ~listed.known | ~listed.present.any(axis=1)
        listed = C.pad(listed, max(C.width(listed), 1))
        present = listed.present.copy()
        present[:, 0] |= none
        # The one unknown layer of a row without layers: every field unknown (as compile's tuple of Nones).
        records = C.map_known(listed.items, lambda known: known & ~none.reshape((rows,) + (1,) * (known.ndim - 1)))
        worst = np.full(rows, NOT_APPLICABLE, dtype=np.int8)
        for k in range(C.width(listed)):
            layer = ctx.bind(LAYER_VARIABLE, C.map_arrays(records, lambda a: a[:, k]))
            verdict = self.verdict(layer, reach & present[:, k])
            worse = present[:, k] & (_RANK[verdict] > _RANK[worst])
            worst = np.where(worse, verdict, worst)
        return C.Values(worst, np.broadcast_to(np.True_, (rows,)))


# -- operations on values ---------------------------------------------------------------------
def _arith(operator):
    def apply(a, b):
        known = a.known & b.known
        if operator == "+":
            return C.Values(a.value + b.value, known)
        if operator == "-":
            return C.Values(a.value - b.value, known)
        if operator == "*":
            return C.Values(a.value * b.value, known)
        # compile._div: a / b where b is not zero; 0/0 is unknown; x/0 is infinite with the sign of x.
        nonzero = b.value != 0
        quotient = np.where(nonzero, a.value / np.where(nonzero, b.value, 1.0), np.copysign(np.inf, a.value))
        return C.Values(quotient, known & (nonzero | (a.value != 0)))
    return apply


_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
            "==": np.equal, "!=": np.not_equal}


def _compare(operator):
    function = _COMPARE[operator]
    return lambda a, b: C.Values(function(a.value, b.value), a.known & b.known)


def _negate(a):
    return C.Values(-a.value, a.known)


def _not(a):
    return C.Values(~a.value, a.known)


def _known(a):
    return C.Values(a.known.copy(), np.broadcast_to(np.True_, a.known.shape))


def _length(a):
    return C.Values(a.present.sum(axis=1).astype(np.float64), a.known)


def _when(condition, value):
    return _with_known(value, condition.known & condition.value & value.known)


def _first_known(*options):
    chosen = options[0]
    for option in options[1:]:
        chosen = C.select(chosen.known, chosen, option)
    return chosen


def _with_known(column, known):
    if isinstance(column, C.Items):
        return C.Items(column.items, column.present, known)
    return C.Values(column.value, known)


def _extreme(smaller: bool):
    """Python's min/max: keep the first, replace it by a later one that is strictly smaller (larger)."""
    def apply(*options):
        value, known = options[0].value, options[0].known
        for option in options[1:]:
            better = option.value < value if smaller else option.value > value
            value = np.where(better, option.value, value)
            known = known & option.known
        return C.Values(value, known)
    return apply


def _by_distinct(function, values: np.ndarray, valid: np.ndarray):
    """`function` (a math function) of every valid value, computed once per distinct value.

    Returns the results and where `function` raised (ValueError, OverflowError), which is unknown.
    """
    out = np.zeros(values.shape, dtype=np.float64)
    failed = np.zeros(values.shape, dtype=bool)
    chosen = values[valid]
    if chosen.size:
        distinct, inverse = np.unique(chosen, return_inverse=True)
        results = np.empty(distinct.shape, dtype=np.float64)
        raised = np.zeros(distinct.shape, dtype=bool)
        for i, x in enumerate(distinct.tolist()):
            try:
                results[i] = function(x)
            except (ValueError, OverflowError):
                raised[i] = True
        out[valid] = results[inverse]
        failed[valid] = raised[inverse]
    return out, failed


def _math1(function):
    def apply(a):
        if function is abs:
            return C.Values(np.abs(a.value), a.known)
        if function is math.sqrt:  # IEEE square roots are exact in numpy too; only negatives raise
            return C.Values(np.sqrt(np.where(a.value < 0, 0.0, a.value)), a.known & ~(a.value < 0))
        out, failed = _by_distinct(function, a.value, a.known)
        return C.Values(out, a.known & ~failed)
    return apply


def _scaled(sigma, exponent, valid):
    """compile._scaled: sigma * exp(exponent), unknown where exp overflows."""
    grown, failed = _by_distinct(math.exp, exponent, valid)
    return C.Values(sigma * grown, valid & ~failed)


def _arrhenius(sigma, t_ref, energy, t):
    valid = sigma.known & t_ref.known & energy.known & t.known & ~(t.value <= 0) & ~(t_ref.value <= 0)
    safe_t, safe_ref = np.where(valid, t.value, 1.0), np.where(valid, t_ref.value, 1.0)
    exponent = -energy.value / _BOLTZMANN_J_PER_K * (1.0 / safe_t - 1.0 / safe_ref)
    return _scaled(sigma.value, exponent, valid)


def _vft(sigma, t_ref, pseudo, t0, t):
    valid = (sigma.known & t_ref.known & pseudo.known & t0.known & t.known
             & ~(t.value <= t0.value) & ~(t_ref.value <= t0.value))
    above, ref_above = np.where(valid, t.value - t0.value, 1.0), np.where(valid, t_ref.value - t0.value, 1.0)
    exponent = -pseudo.value * (1.0 / above - 1.0 / ref_above)
    return _scaled(sigma.value, exponent, valid)


def _member(negated: bool, codes=None):
    def apply(item, collection=None):
        if codes is not None:   # a set literal
            found = np.zeros(item.value.shape, dtype=bool)
            for code in codes:
                found |= item.value == code
            known = item.known
        else:
            found = np.zeros(item.value.shape, dtype=bool)
            items = collection.items
            for k in range(C.width(collection)):
                found |= collection.present[:, k] & (items.value[:, k] == item.value)
            known = item.known & collection.known
        return C.Values(~found if negated else found, known)
    return apply


_FUNCTIONS = {"abs": abs, "exp": math.exp, "log10": math.log10, "sqrt": math.sqrt}


# -- the visitor ------------------------------------------------------------------------------
class _Compiler:
    def __init__(self, checked, scale, layout: Layout, vocabulary: C.Vocabulary):
        self.scale = scale
        self.layout = layout
        self.vocabulary = vocabulary
        self.types = checked.derive_types
        self.derives: dict[str, _Shared] = {}
        self.derive_asts = {d.name: d for d in checked.derives}
        # Per-layer values in evaluation order: they follow a layer record's fields in that order.
        self.layer_order = [name for kind, name in (k.split(":", 1) for k in checked.order)
                            if kind == "derive" and self.derive_asts[name].per_layer]
        self.layer_keys = tuple(self.derive_asts[name].key for name in self.layer_order)
        self.layer: tuple[str, str] | None = None   # while compiling a per-layer value: ("block", B) or ("record", VAR)
        self.slots: dict[tuple[int, bool], _Slot] = {}
        self.layer_records: _LayerRecords | None = None

    def plan(self, node: ast.Node, scope: dict[str, str]) -> Plan:
        """The plan of `node`; `scope` maps quantifier variables to their record type ("" for strings)."""
        return getattr(self, "_" + type(node).__name__)(node, scope)

    def slot(self, slot: int, given: bool = False) -> _Slot:
        key = (slot, given)
        if key not in self.slots:
            self.slots[key] = _Slot(slot, self.layout.slot_dims.get(slot, ()), given)
        return self.slots[key]

    def derive(self, name: str) -> _Shared:
        """A plain derived value, or a per-layer value of one layer block (`cathode_electrolyte.NAME`)."""
        if name not in self.derives:
            block, _, key = name.partition(".")
            if key and f"electrolyte.{key}" in self.derive_asts:
                self.derives[name] = _Shared(name, self._in_layer(("block", block), f"electrolyte.{key}"))
            else:
                self.derives[name] = _Shared(name, self.plan(self.derive_asts[name].expression, {}))
        return self.derives[name]

    def _in_layer(self, layer, name: str) -> Plan:
        outer, self.layer = self.layer, layer
        try:
            return self.plan(self.derive_asts[name].expression, {})
        finally:
            self.layer = outer

    def extended_layers(self) -> Plan:
        """electrolyte_layers as rules read it: each record carrying the per-layer values."""
        collection = self.slot(F.SLOT["electrolyte_layers"])
        if not self.layer_order:
            return collection
        if self.layer_records is None:
            values = []
            for name in self.layer_order:
                plan = self._in_layer(("record", LAYER_VARIABLE), name)
                _give_variable_dims(plan, LAYER_VARIABLE, collection.deps)
                values.append(plan)
            empty = [self._empty(name) for name in self.layer_order]
            self.layer_records = _LayerRecords(collection, values, empty)
        return self.layer_records

    def per_layer_rule(self, rule, carriers, carrier, needs, refines) -> _PerLayerRule:
        """A rule with `each layer`: its guard and requirement read `electrolyte.*` from the layer record judged."""
        layers = self.extended_layers()
        outer, self.layer = self.layer, ("record", LAYER_VARIABLE)
        try:
            guard = self.plan(rule.guard, {}) if rule.guard is not None else None
            requirement = self.plan(rule.requirement, {})
        finally:
            self.layer = outer
        for plan in (guard, requirement):
            if plan is not None:
                _give_variable_dims(plan, LAYER_VARIABLE, layers.deps)
        return _PerLayerRule(rule.id, carriers, carrier, guard, requirement, needs, refines, layers)

    def _empty(self, name: str):
        """A column of no rows of a per-layer value's type (the records of a cell with no layers)."""
        kind = self.types[name].kind if self.types.get(name) is not None else F.NUMBER
        record = self.types[name].record if self.types.get(name) is not None else ""
        return C.from_python(kind, [], self.vocabulary, record)

    def record_index(self, record: str, key: str) -> int:
        """A key's position in a record; per-layer values follow the fields of a layer record."""
        if record == "electrolyte_layer" and key in self.layer_keys:
            return len(F.RECORD_FIELDS[record]) + self.layer_keys.index(key)
        return F.record_index(record, key)

    def _Quantity(self, node, scope):
        return _Const(np.float64(_round(node.value)))

    def _PotentialLiteral(self, node, scope):
        return _Const(np.float64(_round(self.scale.to_she(node.volts, node.reference))))

    def _String(self, node, scope):
        return _Const(np.int32(self.vocabulary.code(node.value)))

    def _Boolean(self, node, scope):
        return _Const(np.bool_(node.value))

    def _Name(self, node, scope):
        head, *rest = node.parts
        if head in scope:
            record = scope[head]
            deps = ()  # filled by the quantifier: a variable has the collection's dimensions
            return _Variable(head, self.record_index(record, ".".join(rest)) if rest else None, deps)
        if not rest:
            if head in self.derive_asts:
                return self.derive(head)
            return self.extended_layers() if head == "electrolyte_layers" else self.slot(F.SLOT[head])
        dotted = node.dotted
        if self.layer is not None and head == "electrolyte":
            kind, where = self.layer
            if kind == "record":
                return _Variable(where, self.record_index("electrolyte_layer", ".".join(rest)), ())
            dotted = f"{where}.{'.'.join(rest)}"
        block, _, key = dotted.partition(".")
        if block in F.LAYER_BLOCKS and f"electrolyte.{key}" in self.derive_asts:
            return self.derive(dotted)
        return self.slot(F.SLOT[dotted])

    def _Call(self, node, scope):
        name = node.function
        if name == "given":
            return self.slot(F.SLOT[node.args[0].dotted], given=True)
        args = [self.plan(a, scope) for a in node.args]
        if name == "known":
            return _Apply(_known, args)
        if name == "len":
            return _Apply(_length, args)
        if name in ("min", "max"):
            return _Apply(_extreme(name == "min"), args)
        if name == "when":
            return _Apply(_when, args)
        if name == "first_known":
            return _Apply(_first_known, args)
        if name in _FUNCTIONS:
            return _Apply(_math1(_FUNCTIONS[name]), args)
        if name == "arrhenius":
            return _Apply(_arrhenius, args)
        if name == "vft":
            return _Apply(_vft, args)
        raise ValueError(f"no column form of function {name}()")  # the checker admits only the ones above

    def _Quantifier(self, node, scope):
        collection = self.plan(node.collection, scope)
        record = _record_of(node.collection, scope)
        body = self.plan(node.body, {**scope, node.variable: record})
        _give_variable_dims(body, node.variable, collection.deps)
        return _Quantifier(node.kind, node.variable, collection, body)

    def _Arithmetic(self, node, scope):
        return _Apply(_arith(node.operator), [self.plan(node.left, scope), self.plan(node.right, scope)])

    def _Negate(self, node, scope):
        return _Apply(_negate, [self.plan(node.operand, scope)])

    def _Compare(self, node, scope):
        return _Apply(_compare(node.operator), [self.plan(node.left, scope), self.plan(node.right, scope)])

    def _Member(self, node, scope):
        from cellrules.language import ast
        item = self.plan(node.item, scope)
        if isinstance(node.collection, ast.SetLiteral):
            codes = tuple(self.vocabulary.code(i.value) for i in node.collection.items)
            return _Apply(_member(node.negated, codes), [item])
        return _Apply(_member(node.negated), [item, self.plan(node.collection, scope)])

    def _BoolOp(self, node, scope):
        return _BoolOp(node.operator, self.plan(node.left, scope), self.plan(node.right, scope))

    def _Not(self, node, scope):
        return _Apply(_not, [self.plan(node.operand, scope)])

    def _SetLiteral(self, node, scope):  # pragma: no cover - the checker admits a set only after `in`
        raise ValueError("a set literal stands only after `in`")


def _record_of(collection, scope) -> str:
    head = collection.parts[0]
    if head in scope:
        return ""
    field = F.BY_PATH.get(collection.dotted)
    return field.record if field is not None else ""


def _give_variable_dims(plan: Plan, variable: str, deps: tuple[int, ...]) -> None:
    """A variable depends on what its collection depends on; recompute the deps of the plans above it."""
    if isinstance(plan, _Variable):
        if plan.name == variable:
            plan.deps = deps
        return
    if isinstance(plan, (_Apply, _BoolOp)):
        for operand in plan.operands:
            _give_variable_dims(operand, variable, deps)
        plan.deps = _union(*plan.operands)
    elif isinstance(plan, _Quantifier):
        _give_variable_dims(plan.collection, variable, deps)
        _give_variable_dims(plan.body, variable, deps)
        plan.deps = _union(plan.collection, plan.body)


@attrs.frozen(eq=False)
class ColumnProgram:
    """The compiled rule set: one plan per rule (in row-wise evaluation order) and per derived value."""

    layout: Layout
    vocabulary: C.Vocabulary
    rule_ids: tuple[str, ...]
    rules: tuple[Plan, ...]
    derives: dict                 # name -> Plan (per-layer values once per layer block, as compile.py's slots)

    static_limit: int = STATIC_LIMIT

    def static(self, deps: tuple[int, ...]) -> bool:
        size = 1
        for d in deps:
            size *= self.layout.sizes[d]
        return size <= self.static_limit


def compile_columns(checked, scale, layout: Layout, vocabulary: C.Vocabulary,
                    static_limit: int = STATIC_LIMIT) -> ColumnProgram:
    """Compile checked rules to a column program.

    `vocabulary` must hold the string codes the input columns use; the literals of the rules are added to it.
    """
    compiler = _Compiler(checked, scale, layout, vocabulary)
    rules = {r.id: r for r in checked.rules}
    order = [key.split(":", 1)[1] for key in checked.order if key.startswith("rule:")]
    carrier = compiler.slot(F.SLOT["cell.carrier"])
    plans: dict[str, _Rule] = {}
    for rule_id in order:
        rule = rules[rule_id]
        carriers = np.array([vocabulary.code(c) for c in sorted(rule.carriers)], dtype=np.int32) \
            if rule.carriers else None
        needs, refines = [plans[p] for p in rule.needs], plans[rule.refines] if rule.refines else None
        if getattr(rule, "per_layer", False):
            plans[rule_id] = compiler.per_layer_rule(rule, carriers, carrier, needs, refines)
            continue
        guard = compiler.plan(rule.guard, {}) if rule.guard is not None else None
        plans[rule_id] = _Rule(rule_id, carriers, carrier, guard, compiler.plan(rule.requirement, {}), needs, refines)
    derives = {}
    for name, derive in compiler.derive_asts.items():   # the row-wise slots: per-layer values once per block
        for full in ([f"{block}.{derive.key}" for block in F.LAYER_BLOCKS] if derive.per_layer else [name]):
            derives[full] = compiler.derive(full)
    return ColumnProgram(layout, vocabulary, tuple(order), tuple(plans[r] for r in order), derives,
                         static_limit)


# -- evaluation -------------------------------------------------------------------------------
class Inputs:
    """What a program reads: per input slot, its column over the product of its dimensions, and `given`."""

    def __init__(self, columns: dict, given: dict):
        self.columns = columns      # slot -> column with one row per combination of layout.slot_dims[slot]; every field
        self.given = given          # slot -> Values (bool) of the same rows: the spec itself set the value


class Evaluator:
    """Runs a program over frames of candidates, keeping the static results it has computed."""

    def __init__(self, program: ColumnProgram, inputs: Inputs):
        self.program = program
        self.inputs = inputs
        self._static: dict[int, object] = {}
        self._strides: dict = {}
        self.sizes = program.layout.sizes

    def strides(self, dims: tuple[int, ...]) -> list[int]:
        """Mixed-radix strides of the product of `dims` (the last dimension varies fastest)."""
        found = self._strides.get(dims)
        if found is None:
            found, step = [], 1
            for d in reversed(dims):
                found.append(step)
                step *= self.sizes[d]
            found = self._strides[dims] = found[::-1]
        return found

    def static_result(self, plan: Plan):
        found = self._static.get(id(plan))
        if found is None:
            frame = Frame.product(self, plan.deps)
            found = self._static[id(plan)] = frame.eval(plan, hoist=False)  # plans live as long as the program
        return found

    def frame(self, indexes: dict[int, np.ndarray], rows: int) -> Frame:
        """A frame of candidates given by their index along every dimension."""
        return Frame(self, tuple(sorted(indexes)), indexes, rows)


class Frame:
    """A set of rows to evaluate on: the index of each row along each of the frame's dimensions."""

    def __init__(self, evaluator: Evaluator, dims: tuple[int, ...], indexes: dict, rows: int,
                 scope=None, memo=None, flat=None, product: bool = False):
        self.evaluator = evaluator
        self.dims = dims
        self.indexes = indexes
        self.rows = rows
        self.product = product      # the rows are the whole product of dims, in order (not a list of candidates)
        self.scope = scope or {}
        self.memo = {} if memo is None else memo
        self._flat = {} if flat is None else flat

    @classmethod
    def product(cls, evaluator: Evaluator, dims: tuple[int, ...]) -> Frame:
        sizes = [evaluator.sizes[d] for d in dims]
        rows = int(np.prod(sizes, dtype=np.int64)) if dims else 1
        grids = np.unravel_index(np.arange(rows, dtype=np.int64), sizes) if dims else ()
        return cls(evaluator, dims, dict(zip(dims, grids)), rows, product=True)

    def bind(self, variable: str, element) -> Frame:
        """The same frame with a quantifier variable bound (memos of this frame stay shared)."""
        return Frame(self.evaluator, self.dims, self.indexes, self.rows, {**self.scope, variable: element},
                     self.memo, self._flat, self.product)

    def flat(self, dims: tuple[int, ...]) -> np.ndarray | None:
        """Each row's position in the product of `dims` (None: the product has one row)."""
        if not dims:
            return None
        found = self._flat.get(dims)
        if found is None:
            strides = self.evaluator.strides(dims)
            found = self.indexes[dims[0]] * strides[0]
            for d, stride in zip(dims[1:], strides[1:]):
                found = found + self.indexes[d] * stride
            self._flat[dims] = found
        return found

    def gather(self, column, dims: tuple[int, ...]):
        """`column`, one row per combination of `dims`, read for this frame's rows."""
        if self.product and dims == self.dims:
            return column
        rows = self.flat(dims)
        return C.broadcast(column, self.rows) if rows is None else C.take(column, rows)

    def source(self, slot: int, given: bool):
        inputs = self.evaluator.inputs
        column = inputs.given.get(slot) if given else inputs.columns[slot]
        if column is None:  # no input sets it: the spec never gave this value
            return C.constant(np.False_, self.rows)
        return self.gather(column, self.evaluator.program.layout.slot_dims.get(slot, ()))

    def eval(self, plan: Plan, hoist: bool = True):
        if hoist and not plan.local and not (self.product and plan.deps == self.dims) \
                and self.evaluator.program.static(plan.deps):
            return self.gather(self.evaluator.static_result(plan), plan.deps)
        if plan.shared and not plan.local:
            found = self.memo.get(id(plan))
            if found is None:
                found = self.memo[id(plan)] = plan.run(self)
            return found
        return plan.run(self)


def evaluate_rows(program: ColumnProgram, evaluator: Evaluator, frame: Frame, names=()):
    """Every rule's outcome for the frame's rows, as an int8 array (rows, rules), and the named derived values."""
    with np.errstate(all="ignore"):
        outcomes = np.empty((frame.rows, len(program.rules)), dtype=np.int8)
        for i, plan in enumerate(program.rules):
            outcomes[:, i] = frame.eval(plan).value
        values = {name: frame.eval(program.derives[name]) for name in names}
    return outcomes, values
