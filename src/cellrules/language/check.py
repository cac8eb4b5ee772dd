"""Static checks of parsed rule files, before anything runs.

Each problem is a RuleError at file:line:col with a hint: unknown field or
function (did you mean), incompatible dimensions (S/cm vs GPa), an undefined
derived value, a cycle among derived values or rules (the cycle printed), an
unknown failure-mode id, a duplicate rule id, a word outside a field's
vocabulary. The checker collects every problem it can find rather than
stopping at the first, so a rule author fixes a file in one pass.
"""
from __future__ import annotations

import attrs

from cellrules import units
from cellrules.errors import Location, ManyErrors, RuleError, did_you_mean
from cellrules.language import ast
from cellrules.language import types as T
from cellrules.cellspec import fields as F

SEVERITIES = ("error", "warning", "info")
FUNCTIONS = ("known", "given", "abs", "min", "max", "exp", "log10", "sqrt", "len", "arrhenius", "vft", "first_known", "when")
MAX_QUANTIFIER_NESTING = 8
EXAMPLE_VERDICTS = ("pass", "fail")
# Ids the engine gives its own findings (a spec that cannot be read, a waiver's state): a pack rule with one
# would share the SARIF descriptor and the waiver logic with them.
RESERVED_PREFIXES = ("spec.", "waiver.")


@attrs.frozen
class CheckedRules:
    """Rule files that passed every static check, ready to compile."""

    derives: tuple[ast.Derive, ...]
    rules: tuple[ast.Rule, ...]
    derive_types: dict
    order: tuple[str, ...]          # node keys ("derive:NAME", "rule:ID") in evaluation order
    graph_edges: tuple[tuple[str, str], ...]


class Checker:
    def __init__(self, reference_scale, failure_modes):
        self._scale = reference_scale
        self._failure_modes = frozenset(failure_modes)
        self.problems: list[RuleError] = []
        self._derive_types: dict[str, T.Type] = {}
        self._derives: dict[str, ast.Derive] = {}
        # Typing something that reads one layer as `electrolyte.*`: "value" for a per-layer value
        # (`let electrolyte.NAME = ...`), "rule" for a rule with `each layer`; None otherwise.
        self._layer_context: str | None = None

    def problem(self, message: str, location: Location, hint: str = "") -> None:
        self.problems.append(RuleError(message, location, hint))

    # -- expressions -------------------------------------------------------
    def type_of(self, node: ast.Node, scope: dict[str, T.Type]) -> T.Type | None:
        """The static type of `node`, or None after reporting a problem."""
        method = getattr(self, "_type_" + type(node).__name__)
        return method(node, scope)

    def _type_Quantity(self, node, scope):
        return T.quantity(node.dimension)

    def _type_PotentialLiteral(self, node, scope):
        from cellrules.potential import PotentialError
        try:
            self._scale.resolve(node.reference)
        except PotentialError as error:
            self.problem(f"unknown reference electrode {node.reference!r}", node.location,
                         error.hint or "write e.g. Li/Li+, Zn/Zn2+ or SHE")
            return None
        return T.quantity(units.POTENTIAL)

    def _type_String(self, node, scope):
        return T.STRING

    def _type_Boolean(self, node, scope):
        return T.BOOL

    def _type_SetLiteral(self, node, scope):
        for item in node.items:
            if not isinstance(item, ast.String):
                self.problem("a set literal holds only quoted strings", item.location)
        return T.Type("set")

    def _type_Name(self, node, scope):
        head, *rest = node.parts
        if head in scope:
            variable = scope[head]
            if not rest:
                return variable
            key = ".".join(rest)
            if variable.kind != "record":
                self.problem(f"{node.dotted}: {head} has no field {key}", node.location)
                return None
            record_fields = {f.key: f for f in F.RECORD_FIELDS[variable.record]}
            if key in record_fields:
                return T.of_field(record_fields[key])
            if variable.record == "electrolyte_layer" and f"electrolyte.{key}" in self._derives:
                return self._derive_type(f"electrolyte.{key}")
            self.problem(f"unknown field {key!r} of {variable.record} records", node.location,
                         did_you_mean(key, [*record_fields, *self._layer_keys()]))
            return None
        if not rest and head not in F.BY_PATH:  # `interlayer` is a field with no section prefix
            if self._layer_context == "value":
                self.problem(f"a per-layer value cannot read the derived value {head!r}", node.location,
                             "per-layer values read fields and other per-layer values (electrolyte.NAME)")
                return None
            if head in self._derives:
                return self._derive_type(head)
            self.problem(f"undefined name {head!r}", node.location,
                         did_you_mean(head, list(self._derives) + list(F.SLOT)) or
                         "define it with `let NAME = ...` or use a field like anode.potential")
            return None
        if self._layer_context and (F.layer_block_of(node.dotted) == "cathode_electrolyte"
                                    or head in ("electrolyte_layers", "electrolyte_interfaces")):
            what = "a per-layer value" if self._layer_context == "value" else "a rule with `each layer`"
            self.problem(f"{what} reads its own layer as electrolyte.*, not {node.dotted}", node.location)
            return None
        layer_derive = _layer_derive_name(node.dotted)
        if layer_derive in self._derives:
            return self._derive_type(layer_derive)
        field = F.BY_PATH.get(node.dotted)
        if field is None:
            if any(p.startswith(node.dotted + ".") for p in F.SLOT):
                parts = sorted(p for p in F.SLOT if p.startswith(node.dotted + "."))
                self.problem(f"{node.dotted} is a range", node.location, "use " + " or ".join(parts))
            else:
                self.problem(f"unknown field {node.dotted!r}", node.location,
                             _field_hint(node.dotted) or f"the fields of [{head}] are listed by `cellrules rules fields`")
            return None
        return T.of_field(field)

    def _derive_type(self, name: str) -> T.Type | None:
        # None when defined but not yet typed: reported as a cycle or its own error
        return self._derive_types.get(name)

    def _layer_keys(self) -> list[str]:
        return [d.key for d in self._derives.values() if d.per_layer]

    def _type_Call(self, node, scope):
        args = [self.type_of(a, scope) for a in node.args]
        name = node.function
        if name not in FUNCTIONS:
            self.problem(f"unknown function {name!r}", node.location,
                         did_you_mean(name, FUNCTIONS) or "functions: " + ", ".join(FUNCTIONS))
            return None
        if None in args:
            return None
        arity = {"known": 1, "given": 1, "abs": 1, "exp": 1, "log10": 1, "sqrt": 1, "len": 1, "arrhenius": 4, "vft": 5,
                 "when": 2}
        if name in arity and len(args) != arity[name]:
            self.problem(f"{name}() takes {arity[name]} argument(s), got {len(args)}", node.location)
            return None
        if name == "known":
            return T.BOOL
        if name == "given":
            argument = node.args[0]
            if not (isinstance(argument, ast.Name) and argument.dotted in F.SLOT and argument.parts[0] not in scope):
                self.problem("given() takes a spec field, like given(electrolyte.ionic_conductivity)", node.location,
                             "it says whether the spec itself set the value, rather than the knowledge base")
                return None
            return T.BOOL
        if name == "len":
            if args[0].kind not in (F.STRINGS, F.RECORDS):
                self.problem(f"len() needs a list, got {args[0].describe()}", node.location)
                return None
            return T.NUMBER
        if name == "when":
            if args[0] != T.BOOL:
                self.problem(f"the first argument of when() is a condition, got {args[0].describe()}", node.location)
                return None
            return args[1]
        if name == "first_known":
            if not args or any(a != args[0] for a in args):
                self.problem("first_known() needs arguments of one type", node.location,
                             "got " + ", ".join(a.describe() for a in args))
                return None
            return args[0]
        if name in ("min", "max"):
            if not args or not all(a.numeric and a.dimension == args[0].dimension for a in args):
                self.problem(f"{name}() needs numbers of one dimension", node.location)
                return None
            return args[0]
        if name == "abs":
            return self._numeric(args[0], node, "abs()")
        if name in ("exp", "log10", "sqrt"):
            if args[0] != T.NUMBER:
                self.problem(f"{name}() needs a plain number, got {args[0].describe()}", node.location,
                             "divide by a quantity of the same dimension first")
                return None
            return T.NUMBER
        # arrhenius(sigma_ref, t_ref, activation_energy, t) / vft(sigma_ref, t_ref, pseudo_energy_K, t0, t)
        expected = ([None, units.TEMPERATURE, units.ENERGY, units.TEMPERATURE] if name == "arrhenius"
                    else [None, units.TEMPERATURE, units.TEMPERATURE, units.TEMPERATURE, units.TEMPERATURE])
        for position, (arg, dimension) in enumerate(zip(args, expected)):
            if dimension is not None and arg.dimension != dimension:
                self.problem(f"argument {position + 1} of {name}() must be {dimension.name}, got {arg.describe()}",
                             node.args[position].location)
                return None
        return self._numeric(args[0], node, f"{name}()")

    def _numeric(self, t, node, what):
        if not t.numeric:
            self.problem(f"{what} needs a number, got {t.describe()}", node.location)
            return None
        return t

    def _type_Quantifier(self, node, scope):
        if len(scope) >= MAX_QUANTIFIER_NESTING:  # each level is a nested loop; Python allows 20
            self.problem(f"quantifiers nested more than {MAX_QUANTIFIER_NESTING} deep", node.location,
                         "split the condition into derived values with `let NAME = ...`")
            return None
        collection = self.type_of(node.collection, scope)
        if collection is None:
            return None
        if collection.kind == F.RECORDS:
            element = T.Type("record", record=collection.record)
        elif collection.kind == F.STRINGS:
            element = T.Type(F.STRING, vocabulary=collection.vocabulary)
        else:
            self.problem(f"{node.kind}() ranges over a list, got {collection.describe()}", node.collection.location)
            return None
        body = self.type_of(node.body, {**scope, node.variable: element})
        if node.kind == "sum":
            if body is not None and not body.numeric:
                self.problem(f"sum() adds up numbers, got {body.describe()}", node.body.location)
                return None
            return body
        if body is not None and body != T.BOOL:
            self.problem(f"the condition of {node.kind}() must be true/false, got {body.describe()}", node.body.location)
        return T.NUMBER if node.kind == "count" else T.BOOL

    def _type_Arithmetic(self, node, scope):
        left, right = self.type_of(node.left, scope), self.type_of(node.right, scope)
        if left is None or right is None:
            return None
        for side in (left, right):
            if not side.numeric:
                self.problem(f"'{node.operator}' needs numbers, got {side.describe()}", node.location)
                return None
        try:
            if node.operator in "+-":
                dimension = units.add_dims(left.dimension, right.dimension) if node.operator == "+" \
                    else units.sub_dims(left.dimension, right.dimension)
            elif node.operator == "*":
                dimension = units.mul_dims(left.dimension, right.dimension)
            else:
                dimension = units.div_dims(left.dimension, right.dimension)
        except units.DimensionError as error:
            self.problem(f"incompatible dimensions: {error}", node.location)
            return None
        return T.quantity(dimension)

    def _type_Negate(self, node, scope):
        operand = self.type_of(node.operand, scope)
        return None if operand is None else self._numeric(operand, node, "'-'")

    def _type_Compare(self, node, scope):
        left, right = self.type_of(node.left, scope), self.type_of(node.right, scope)
        if left is None or right is None:
            return None
        if left.numeric and right.numeric:
            if not units.comparable(left.dimension, right.dimension):
                self.problem(f"cannot compare {left.describe()} with {right.describe()}", node.location,
                             _comparison_hint(left, right))
            return T.BOOL
        if left.kind == right.kind and left.kind in (F.STRING, F.BOOL):
            if node.operator not in ("==", "!="):
                self.problem(f"'{node.operator}' does not order {left.describe()}s", node.location, "use == or !=")
            self._check_word(left, node.right)
            self._check_word(right, node.left)
            return T.BOOL
        self.problem(f"cannot compare {left.describe()} with {right.describe()}", node.location)
        return T.BOOL

    def _check_word(self, typed, literal) -> None:
        """A string literal compared with a vocabulary field must be one of its words."""
        if typed.vocabulary and isinstance(literal, ast.String) and literal.value not in typed.vocabulary:
            self.problem(f"{literal.value!r} is not a value this field takes", literal.location,
                         did_you_mean(literal.value, typed.vocabulary) or "values: " + ", ".join(typed.vocabulary))

    def _type_Member(self, node, scope):
        item, collection = self.type_of(node.item, scope), self.type_of(node.collection, scope)
        if item is None or collection is None:
            return None
        if item.kind != F.STRING or collection.kind not in (F.STRINGS, "set"):
            self.problem(f"'in' tests a string against a list or set, got {item.describe()} in {collection.describe()}",
                         node.location)
            return T.BOOL
        vocabulary = item.vocabulary or collection.vocabulary
        if vocabulary:
            words = node.collection.items if isinstance(node.collection, ast.SetLiteral) else \
                ([node.item] if isinstance(node.item, ast.String) else [])
            for word in words:
                if isinstance(word, ast.String) and word.value not in vocabulary:
                    self.problem(f"{word.value!r} is not a value this field takes", word.location,
                                 did_you_mean(word.value, vocabulary) or "values: " + ", ".join(vocabulary))
        return T.BOOL

    def _type_BoolOp(self, node, scope):
        for side in (node.left, node.right):
            self._boolean(side, scope, f"'{node.operator}'")
        return T.BOOL

    def _type_Not(self, node, scope):
        self._boolean(node.operand, scope, "'not'")
        return T.BOOL

    def _boolean(self, node, scope, what) -> None:
        t = self.type_of(node, scope)
        if t is not None and t != T.BOOL:
            self.problem(f"{what} needs a true/false condition, got {t.describe()}", node.location)

    # -- declarations ------------------------------------------------------
    def check(self, files: list[ast.RuleFile]) -> CheckedRules:
        derives, rules = self._collect(files)
        edges = self._edges(derives, rules)
        order = self._order(derives, rules, edges)
        for key in order:
            kind, name = key.split(":", 1)
            if kind == "derive":
                derive = self._derives[name]
                self._layer_context = "value" if derive.per_layer else None
                self._derive_types[name] = self.type_of(derive.expression, {})
                self._layer_context = None
        for rule in rules.values():
            self._check_rule(rule, rules)
        self._check_shared_guards(rules)
        if self.problems:
            raise ManyErrors(sorted(self.problems, key=_problem_order))
        return CheckedRules(tuple(self._derives.values()), tuple(rules.values()), dict(self._derive_types),
                            tuple(order), tuple(edges))

    def _collect(self, files):
        rules: dict[str, ast.Rule] = {}
        for rule_file in files:
            for derive in rule_file.derives:
                if derive.name in self._derives:
                    first = self._derives[derive.name].location
                    self.problem(f"derived value {derive.name!r} is defined twice", derive.location,
                                 f"also defined at {first}")
                elif derive.name in F.SLOT or derive.name in FUNCTIONS:
                    self.problem(f"{derive.name!r} is already a field or function name", derive.location)
                elif derive.per_layer and (not derive.name.startswith("electrolyte.") or "." in derive.key):
                    self.problem(f"cannot define {derive.name!r}", derive.location,
                                 "a derived value is a plain name (let NAME = ...) or a per-layer value "
                                 "(let electrolyte.NAME = ...)")
                else:
                    self._derives[derive.name] = derive
            for rule in rule_file.rules:
                for example in rule.examples:
                    if example.expect not in EXAMPLE_VERDICTS:
                        self.problem(f"example {example.expect!r}: an example is a design that must pass or fail",
                                     example.location, 'write example pass "..." or example fail "..."')
                reserved = next((p for p in RESERVED_PREFIXES if rule.id.startswith(p)), None)
                if reserved is not None:
                    self.problem(f"rule id {rule.id} is reserved: the engine reports {reserved}* findings itself",
                                 rule.location, "give the rule an id of your pack, e.g. lab." + rule.id.split(".", 1)[1])
                elif rule.id in rules:
                    self.problem(f"duplicate rule id {rule.id}", rule.location,
                                 f"also defined at {rules[rule.id].location}; rule ids must be unique")
                else:
                    rules[rule.id] = rule
        return self._derives, rules

    def _edges(self, derives, rules) -> list[tuple[str, str]]:
        """Dependency edges: (prerequisite, dependant)."""
        edges = []
        for derive in derives.values():
            for used in sorted(_names_used(derive.expression) & derives.keys()):
                edges.append((f"derive:{used}", f"derive:{derive.name}"))
        for rule in rules.values():
            used = set()
            for expression in (rule.guard, rule.requirement):
                if expression is not None:
                    used |= _names_used(expression)
            for name in sorted(used & derives.keys()):
                edges.append((f"derive:{name}", f"rule:{rule.id}"))
            for prerequisite in (*rule.needs, *([rule.refines] if rule.refines else [])):
                if prerequisite not in rules:
                    clause = "needs" if prerequisite in rule.needs else "refines"
                    self.problem(f"rule {rule.id} depends on unknown rule {prerequisite}",
                                 rule.clause_locations.get(clause, rule.location), did_you_mean(prerequisite, rules) or "")
                else:
                    edges.append((f"rule:{prerequisite}", f"rule:{rule.id}"))
        return edges

    def _order(self, derives, rules, edges) -> list[str]:
        import networkx as nx  # only when rules are compiled, never on a warm start

        graph = nx.DiGraph()
        graph.add_nodes_from(f"derive:{d}" for d in derives)
        graph.add_nodes_from(f"rule:{r}" for r in rules)
        graph.add_edges_from(edges)
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return list(nx.lexicographical_topological_sort(graph))
        members = [a for a, _ in cycle]
        printed = " -> ".join(m.split(":", 1)[1] for m in members + [members[0]])
        first = members[0].split(":", 1)
        where = derives[first[1]].location if first[0] == "derive" else rules[first[1]].location
        self.problem(f"dependency cycle: {printed}", where, "break the cycle: a value or rule cannot depend on itself")
        return [n for n in graph.nodes if n not in set(members)]

    def _check_shared_guards(self, rules) -> None:
        """Rules that apply under the same guard to the same cells can fail together; unless they are
        declared one cause (supersedes, refines, needs) or two (distinct), one root cause would give
        two findings."""
        groups: dict = {}
        for rule in rules.values():
            if rule.guard_source:
                key = (" ".join(rule.guard_source.split()), tuple(sorted(rule.carriers)), rule.per_layer)
                groups.setdefault(key, []).append(rule)
        for group in groups.values():
            for i, first in enumerate(group):
                for second in group[i + 1:]:
                    if not _linked(first, second):
                        self.problem(f"rules {first.id} and {second.id} apply under the same guard and can fail together",
                                     second.location, f"if one cause, give the stronger `supersedes {first.id}`; if two, "
                                     f'declare `distinct {first.id} "why they are separate causes"`')

    def _check_rule(self, rule: ast.Rule, rules) -> None:
        where = rule.location
        if not rule.title.strip():
            self.problem(f"rule {rule.id} has an empty title", where)
        self._layer_context = "rule" if rule.per_layer else None
        if rule.requirement is None:
            self.problem(f"rule {rule.id} has no 'require' clause", where, 'add e.g. `require anode.potential >= 0 V vs Li/Li+`')
        else:
            self._boolean(rule.requirement, {}, "'require'")
        if rule.guard is not None:
            self._boolean(rule.guard, {}, "'applies'")
        self._layer_context = None
        for other in (*rule.supersedes, *(rule_id for rule_id, _ in rule.distinct)):
            clause = "supersedes" if other in rule.supersedes else "distinct"
            if other not in rules:
                self.problem(f"rule {rule.id} names unknown rule {other} in `{clause}`",
                             rule.clause_locations.get(clause, where), did_you_mean(other, rules) or "")
            elif other == rule.id:
                self.problem(f"rule {rule.id} names itself in `{clause}`", rule.clause_locations.get(clause, where))
            elif clause == "supersedes" and _SEVERITY_RANK.get(rules[other].severity, 0) > _SEVERITY_RANK.get(rule.severity, 0):
                self.problem(f"rule {rule.id} ({rule.severity}) cannot supersede {other} ({rules[other].severity})",
                             rule.clause_locations.get(clause, where),
                             "a finding may hide only a finding of the same or a lower severity; give the stronger "
                             "rule the `supersedes` clause")
        refined = rules.get(rule.refines) if rule.refines else None
        if rule.per_layer and rule.refines or refined is not None and refined.per_layer:
            self.problem(f"rule {rule.id}: a rule with `each layer` can neither refine nor be refined",
                         rule.clause_locations.get("refines", where),
                         "a refinement replaces one failure; a rule judged per layer has one per layer")
        if rule.severity not in SEVERITIES:
            self.problem(f"rule {rule.id}: severity must be error, warning or info, got {rule.severity or 'nothing'!r}",
                         rule.clause_locations.get("severity", where), did_you_mean(rule.severity, SEVERITIES))
        if not rule.failure_mode:
            self.problem(f"rule {rule.id} has no 'failure' clause", where, "name a failure mode of failure-modes.md")
        elif rule.failure_mode not in self._failure_modes:
            self.problem(f"unknown failure mode {rule.failure_mode!r}", rule.clause_locations.get("failure", where),
                         did_you_mean(rule.failure_mode, self._failure_modes) or "the ids are in failure-modes.md")
        for carrier in rule.carriers:
            if carrier not in F.CARRIERS:
                self.problem(f"unknown carrier {carrier!r}", rule.clause_locations.get("carriers", where),
                             did_you_mean(carrier, F.CARRIERS) or "carriers: " + ", ".join(F.CARRIERS))
        for missing in ("mechanism", "citation"):
            if not getattr(rule, missing):
                clause = "because" if missing == "mechanism" else "cite"
                self.problem(f"rule {rule.id} has no '{clause}' clause", where,
                             "every rule explains its mechanism and cites the review")
        if not rule.mitigations:
            self.problem(f"rule {rule.id} has no 'mitigate' clause", where, "say what a designer can do about it")
        for placeholder in ast.MESSAGE_PLACEHOLDER.findall(rule.message):
            if placeholder not in F.SLOT and placeholder not in self._derives \
                    and _layer_derive_name(placeholder) not in self._derives:
                self.problem(f"message of {rule.id} names unknown value {{{placeholder}}}",
                             rule.clause_locations.get("message", where),
                             _field_hint(placeholder) or did_you_mean(placeholder, self._derives))


_SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


def _linked(first: ast.Rule, second: ast.Rule) -> bool:
    """Declared as one cause (refines, supersedes, needs) or as two (distinct), in either direction."""
    def names(rule, other):
        return other.id in (rule.refines, *rule.supersedes, *rule.needs, *(r for r, _ in rule.distinct))
    return names(first, second) or names(second, first)


def _field_hint(dotted: str) -> str:
    """Did you mean, among the fields of the same section: a shared `cell.` prefix is no likeness."""
    section, _, key = dotted.partition(".")
    keys = {path.partition(".")[2]: path for path in F.SLOT if path.startswith(section + ".")}
    if key and keys:
        return did_you_mean(key, keys, describe=keys.get)
    return did_you_mean(dotted, F.SLOT)


def _problem_order(error: RuleError):
    loc = error.location or Location("")
    return (loc.path, loc.line, loc.column, error.message)


def _comparison_hint(left: T.Type, right: T.Type) -> str:
    if {left.kind, right.kind} == {F.POTENTIAL, F.QUANTITY}:
        return "compare a potential with a potential: give the reference, e.g. 4 V vs Li/Li+"
    return "both sides of a comparison need the same dimension"


def _layer_derive_name(dotted: str) -> str:
    """`electrolyte.X` / `cathode_electrolyte.X` -> the per-layer value's name `electrolyte.X`."""
    head, _, key = dotted.partition(".")
    return f"electrolyte.{key}" if head in F.LAYER_BLOCKS and key and "." not in key else ""


def _names_used(node: ast.Node, bound: frozenset = frozenset()) -> set[str]:
    """Derived values an expression reads by name (plain names, and per-layer values through either
    layer block), ignoring quantifier variables."""
    if isinstance(node, ast.Name):
        if node.parts[0] in bound:
            return set()
        return {node.parts[0]} if len(node.parts) == 1 else {_layer_derive_name(node.dotted)} - {""}
    if isinstance(node, ast.Quantifier):
        return _names_used(node.collection, bound) | _names_used(node.body, bound | {node.variable})
    used: set[str] = set()
    for child in ast.children(node):
        used |= _names_used(child, bound)
    return used


def check_rules(files: list[ast.RuleFile], reference_scale, failure_modes) -> CheckedRules:
    """Check parsed rule files together; raises ManyErrors listing every problem."""
    return Checker(reference_scale, failure_modes).check(files)
