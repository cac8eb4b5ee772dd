"""What an unknown rule needs: the inputs that, once given, would let it be decided.

The compiled evaluator only says that a rule is unknown. To tell a user what to add,
each rule's expressions are also kept as a small tree of plain tuples (built once with
the rule set, so a warm start needs no AST) that is interpreted here, on the slow path,
for the rules that came out unknown. Interpreting gives exact three-valued answers for
every sub-expression, so alternatives stay alternatives: the conductivity at the cell's
temperature needs "an activation energy, or the two VFT parameters", not all three, and
a branch that no data can rescue (`when(false, ...)`) is dropped.

A need is a tuple of alternatives, each a frozenset of leaves that must all be given:
KNOWN (nothing is needed) or DEAD (no data helps) at the two ends.
"""
from __future__ import annotations

import operator

from cellrules.cellspec import fields as F

KNOWN: tuple = (frozenset(),)
DEAD: tuple = ()
_MAX_ALTERNATIVES = 8

_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "<": operator.lt, "<=": operator.le,
           ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
           "in": lambda a, b: a in b, "not in": lambda a, b: a not in b}


# ---------------------------------------------------------------- building the trees (with the rule set)

def build_tree(node, compiled, scale, layer: str = "electrolyte", scope=frozenset()):
    """The plain-tuple tree of a checked expression. `layer` is where `electrolyte.*` is read: a slot
    block ("electrolyte", "cathode_electrolyte") or "self", the layer record being judged."""
    from cellrules.language import ast
    from cellrules.language.compile import _round

    def walk(n, scope):
        if isinstance(n, ast.Quantity):
            return ("lit", _round(n.value))
        if isinstance(n, ast.PotentialLiteral):
            return ("lit", _round(scale.to_she(n.volts, n.reference)))
        if isinstance(n, (ast.String, ast.Boolean)):
            return ("lit", n.value)
        if isinstance(n, ast.SetLiteral):
            return ("lit", tuple(sorted(item.value for item in n.items)))
        if isinstance(n, ast.Name):
            return name(n, scope)
        if isinstance(n, ast.Call):
            return ("call", n.function, *(walk(a, scope) for a in n.args))
        if isinstance(n, ast.Quantifier):
            field = F.BY_PATH.get(n.collection.dotted) if n.collection.parts[0] not in scope else None
            record = field.record if field is not None else ""
            slot = F.SLOT.get(n.collection.dotted) if field is not None else None
            return ("quant", n.kind, n.variable, walk(n.collection, scope), walk(n.body, {**scope, n.variable: record}),
                    slot, record)
        if isinstance(n, (ast.Arithmetic, ast.Compare)):
            return ("op", n.operator, walk(n.left, scope), walk(n.right, scope))
        if isinstance(n, ast.Member):
            return ("op", "not in" if n.negated else "in", walk(n.item, scope), walk(n.collection, scope))
        if isinstance(n, ast.BoolOp):
            return (n.operator, walk(n.left, scope), walk(n.right, scope))
        if isinstance(n, ast.Negate):
            return ("neg", walk(n.operand, scope))
        if isinstance(n, ast.Not):
            return ("not", walk(n.operand, scope))
        raise TypeError(type(n).__name__)  # pragma: no cover - every node type of ast.py is handled

    def record_index(record, key):
        if record == "electrolyte_layer" and key in compiled.layer_keys:
            return len(F.RECORD_FIELDS[record]) + compiled.layer_keys.index(key)
        return F.record_index(record, key)

    def name(n, scope):
        head, key = n.parts[0], ".".join(n.parts[1:])
        if head in scope:
            return ("item", head, record_index(scope[head], key)) if key else ("var", head)
        if not key:
            return ("slot", compiled.derive_slots.get(head, F.SLOT.get(head)))
        dotted = n.dotted
        if head == "electrolyte":
            if layer == "self":
                return ("self", record_index("electrolyte_layer", key))
            dotted = f"{layer}.{key}"
        return ("slot", compiled.derive_slots.get(dotted, F.SLOT.get(dotted)))

    return None if node is None else walk(node, dict.fromkeys(scope, ""))


# ---------------------------------------------------------------- interpreting them (for unknown rules)

class Needs:
    """Interprets the trees of one evaluated spec: `values` is the evaluated slot table."""

    def __init__(self, values, derive_trees: dict, layer_trees: tuple, runtime: dict):
        self.values = values
        self.derive_trees = derive_trees     # derived slot -> tree
        self.layer_trees = layer_trees       # per-layer values in record order -> tree read against "self"
        self.runtime = runtime
        self._memo: dict = {}               # derived slot, or ("layer", position, index) -> its need

    def of(self, tree, layer_record=None, layer_position=None) -> tuple:
        """The alternatives that would make `tree` known, for `electrolyte.*` = the given layer record."""
        return self._eval(tree, {"self": (layer_record, layer_position)})[1]

    def _eval(self, node, env) -> tuple[object, tuple]:
        tag = node[0]
        if tag == "lit":
            return node[1], KNOWN
        if tag == "slot":
            return self._slot(node[1])
        if tag == "self":
            record, position = env["self"]
            return self._field(record, node[1], ("layer", position, node[1]))
        if tag == "item":
            item, slot, index = env[node[1]]
            leaf = ("layer", index + 1, node[2]) if slot == F.SLOT["electrolyte_layers"] else ("item", slot, index, node[2])
            return self._field(item, node[2], leaf)
        if tag == "var":
            return env[node[1]][0], KNOWN
        if tag == "op":
            return self._op(node, env)
        if tag in ("neg", "not"):
            value, need = self._eval(node[1], env)
            return (None if value is None else (-value if tag == "neg" else not value)), need
        if tag in ("and", "or"):
            return self._bool(tag, node, env)
        if tag == "call":
            return self._call(node, env)
        return self._quantifier(node, env)

    def _slot(self, slot):
        value = self.values[slot]
        if value is not None:
            return value, KNOWN
        if slot in self.derive_trees:
            if slot not in self._memo:
                self._memo[slot] = self._eval(self.derive_trees[slot], {"self": (None, None)})[1]
            return None, self._memo[slot]
        return None, ((frozenset({("slot", slot)})),)

    def _field(self, record, index, leaf):
        value = record[index] if record is not None and index < len(record) else None
        if value is not None:
            return value, KNOWN
        width = len(F.RECORD_FIELDS["electrolyte_layer"])
        if leaf[0] == "layer" and index >= width:  # a per-layer value of that layer, once per layer
            if leaf not in self._memo:
                self._memo[leaf] = self._eval(self.layer_trees[index - width], {"self": (record, leaf[1])})[1]
            return None, self._memo[leaf]
        return None, (frozenset({leaf}),)

    def _op(self, node, env):
        (a, na), (b, nb) = self._eval(node[2], env), self._eval(node[3], env)
        if a is None or b is None:
            return None, _all([n for v, n in ((a, na), (b, nb)) if v is None])
        if node[1] == "/":
            value = self.runtime["_div"](a, b)
        else:
            value = _BINARY[node[1]](a, b)
        return value, KNOWN if value is not None else DEAD

    def _bool(self, tag, node, env):
        decisive = tag == "or"
        (a, na), (b, nb) = self._eval(node[1], env), self._eval(node[2], env)
        if a is decisive or b is decisive:
            return decisive, KNOWN
        if a is not None and b is not None:
            return not decisive, KNOWN
        return None, _all([n for v, n in ((a, na), (b, nb)) if v is None])

    def _call(self, node, env):
        name, args = node[1], node[2:]
        if name == "given":
            return None, KNOWN  # never unknown; its value is not needed to explain
        if name == "when":   # the value only where the condition does not rule it out
            condition, nc = self._eval(args[0], env)
            if condition is False:
                return None, DEAD
            value, nv = self._eval(args[1], env)
            if condition is True:
                return value, nv
            return None, _all([nc] + ([nv] if value is None else []))
        evaluated = [self._eval(a, env) for a in args]
        values = [v for v, _ in evaluated]
        if name == "known":
            return values[0] is not None, KNOWN
        if name == "first_known":
            known = next((v for v in values if v is not None), None)
            return (known, KNOWN) if known is not None else (None, _any([n for _, n in evaluated]))
        if None in values:
            return None, _all([n for v, n in evaluated if v is None])
        if name == "len":
            return len(values[0]), KNOWN
        if name in ("min", "max"):
            return (min if name == "min" else max)(values), KNOWN
        function = self.runtime["_call1"] if name in ("abs", "exp", "log10", "sqrt") else self.runtime[f"_{name}"]
        value = function(self.runtime[f"_{name}"], *values) if name in ("abs", "exp", "log10", "sqrt") \
            else function(*values)
        return value, KNOWN if value is not None else DEAD

    def _quantifier(self, node, env):
        _, kind, variable, collection, body, slot, _record = node
        items, need = self._eval(collection, env)
        if items is None:
            return None, need
        total, unknown = {"any": False, "all": True, "count": 0, "sum": 0.0}[kind], []
        for index, item in enumerate(items):
            value, item_need = self._eval(body, {**env, variable: (item, slot, index)})
            if value is None:
                unknown.append(item_need)
            elif kind == "any" and value:
                return True, KNOWN
            elif kind == "all" and not value:
                return False, KNOWN
            elif kind == "count":
                total += bool(value)
            elif kind == "sum":
                total += value
        return (total, KNOWN) if not unknown else (None, _all(unknown))


def reads(tree, derive_trees: dict, layer_trees: tuple) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(slots, fields of the layer record) whose values decide what `tree` needs.

    Those the tree reads, and, since an unknown derived or per-layer value is interpreted in turn,
    those its derived values and per-layer values read. `Needs.of` is a function of these values
    (a collection a quantifier runs over is one of the slots), of the layer position and of
    nothing else, so its answer can be remembered by them (engine/evaluate.py).
    """
    slots, fields, seen = set(), set(), set()
    width = len(F.RECORD_FIELDS["electrolyte_layer"])

    def walk(node):
        tag = node[0]
        if tag == "lit":
            return
        if tag == "slot":
            slots.add(node[1])
            if node[1] in derive_trees and node[1] not in seen:
                seen.add(node[1])
                walk(derive_trees[node[1]])
            return
        if tag == "self":
            fields.add(node[1])
            if node[1] >= width and ("self", node[1]) not in seen:
                seen.add(("self", node[1]))
                walk(layer_trees[node[1] - width])
            return
        if tag in ("item", "var"):
            return     # an item of a collection: the collection is a slot read
        if tag == "quant":
            walk(node[3])
            walk(node[4])
            return
        for child in node[2:] if tag in ("op", "call") else node[1:]:
            walk(child)

    walk(tree)
    return tuple(sorted(slots)), tuple(sorted(fields))


def _all(needs: list) -> tuple:
    """Every one of `needs` must be met: the products of their alternatives."""
    needs = [need for need in needs if need != KNOWN]
    if len(needs) == 1:   # a need this module made is minimal already
        return needs[0]
    combined = KNOWN
    for need in needs:
        combined = _minimal(tuple(a | b for a in combined for b in need))
    return combined


def _any(needs: list) -> tuple:
    """Any one of `needs` suffices: their alternatives side by side."""
    return _minimal(tuple(a for need in needs for a in need))


def _minimal(alternatives: tuple) -> tuple:
    """Drop an alternative that asks for more than another one does; keep the first few, smallest first."""
    if len(alternatives) == 1:
        return alternatives
    unique = sorted(set(alternatives), key=_order)
    kept = [a for a in unique if not any(b < a for b in unique)]
    return tuple(kept[:_MAX_ALTERNATIVES])


def _order(alternative: frozenset) -> tuple:
    """Where an alternative sorts: fewer leaves first, then by the leaves' reprs (a stable order across runs).
    The same few alternatives recur in every spec: their keys are remembered (bounded)."""
    key = _ORDERS.get(alternative)
    if key is None:
        if len(_ORDERS) >= _ORDERS_MAX:
            _ORDERS.clear()
        key = _ORDERS[alternative] = (len(alternative), sorted(map(repr, alternative)))
    return key


_ORDERS: dict = {}
_ORDERS_MAX = 1 << 14
