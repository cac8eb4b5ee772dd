"""Rule text -> typed AST (`RuleFile`), with syntax errors in the user's words.

Lark parses (LALR, positions kept); a Transformer builds attrs nodes. Unit
literals are folded to SI floats here, so a wrong unit is reported at its token.
"""
from __future__ import annotations

import functools

from cellrules import units
from cellrules.errors import Location, RuleError
from cellrules.language import ast
from cellrules.resources import grammar_path

# How a terminal is named to a user in "expected ..." messages.
_TERMINAL_WORDS = {
    "NAME": "a name (like anode.potential)",
    "QUANTITY": "a number, optionally with a unit (like 5 MPa)",
    "STRING": 'a quoted string ("...")',
    "RULE_ID": "a rule id (like window.anode-reduction)",
    "FAILURE_ID": "a failure-mode id (like electrolyte-reduction)",
    "REFERENCE": "a reference electrode (like Li/Li+ or SHE)",
    "CARRIER": "a carrier metal (Li, Na, K, Mg, Zn, Al, Ca)",
    "COMPARE": "a comparison (<, <=, ==, !=, >=, >)",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*' or '/'",
    "QUANTIFIER": "any, all, count or sum",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "COLON": "':'",
    "EQUAL": "'='",
    "MINUS": "'-'",
    "$END": "end of file",
}

MAX_DEPTH = 48  # levels of the parse tree, counted from the file (see _check_depth)

_CLAUSES = ("carriers", "each_layer", "applies", "require", "severity", "failure", "needs", "refines", "supersedes",
            "distinct",
            "message", "because", "mitigate", "cite", "outside", "example")


@functools.lru_cache(maxsize=1)
def _lark():
    from lark import Lark  # imported only when rule text must be parsed (cold cache)

    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr",
                propagate_positions=True, maybe_placeholders=True)


def _word(terminal: str) -> str:
    if terminal in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[terminal]
    if terminal.isupper():
        return f"'{terminal.lower()}'"
    return terminal


def parse_rules(text: str, path: str) -> ast.RuleFile:
    """Parse one rule file; raises RuleError with file:line:col on any syntax error."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

    try:
        tree = _lark().parse(text)
    except UnexpectedToken as error:
        # A missing '}' is the likeliest mistake, so it leads the list (the list is cut at eight).
        expected = sorted({_word(t) for t in error.expected}, key=lambda word: (word != "'}'", word))
        token = error.token
        found = "end of file" if token.type == "$END" else repr(str(token))
        raise RuleError(f"syntax error: unexpected {found}",
                        Location(path, error.line, error.column),
                        hint="expected " + ", ".join(expected[:8])) from None
    except UnexpectedCharacters as error:
        expected = sorted({_word(t) for t in error.allowed or ()})
        char = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        if char == '"':  # STRING cannot match: the quote is not closed before the end of its line
            raise RuleError("syntax error: a string is not closed on its line", Location(path, error.line, error.column),
                            hint='close it with "; a long text is several strings: "first part" "second part"') from None
        raise RuleError(f"syntax error: unexpected character {char!r}",
                        Location(path, error.line, error.column),
                        hint=("expected " + ", ".join(expected[:8])) if expected else "") from None
    except UnexpectedEOF as error:
        raise RuleError("syntax error: the file ends inside a rule",
                        Location(path, text.count("\n") + 1, 1),
                        hint="expected " + ", ".join(sorted({_word(t) for t in error.expected}))) from None
    except UnexpectedInput as error:  # pragma: no cover - the three above are exhaustive for LALR
        raise RuleError(f"syntax error: {error}", Location(path, getattr(error, "line", 0), getattr(error, "column", 0))) from None
    _check_depth(tree, path)
    try:
        return _Builder(text, path).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, RuleError):
            raise error.orig_exc from None
        raise


def _check_depth(tree, path: str) -> None:
    """Reject an expression nested deeper than MAX_DEPTH, before anything recurses over it.

    The transformer, the checker and the code generator recurse once per level,
    and the generated function indents once per nested `and`/`or`; Python caps
    both (recursion limit, 100 indentation levels). No real rule comes close.
    """
    from lark import Tree

    stack = [(tree, 1, tree)]
    while stack:
        node, depth, clause = stack.pop()
        clause = node if depth == 3 else clause  # a rule's clause, or the expression of a `let`
        if depth > MAX_DEPTH:
            raise RuleError(f"expression nested more than {MAX_DEPTH} levels deep",
                            Location(path, getattr(clause.meta, "line", 0), getattr(clause.meta, "column", 0)),
                            hint="split it into derived values with `let NAME = ...`")
        stack.extend((child, depth + 1, clause) for child in node.children if isinstance(child, Tree))


def _unescape(token: str) -> str:
    """Decode a STRING token's escapes without eval: \\" \\\\ \\n \\t."""
    body = token[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


@functools.lru_cache(maxsize=1)
def _builder_class():
    from lark import Transformer, v_args

    @v_args(meta=True)
    class Builder(Transformer):
        def __init__(self, text: str, path: str):
            super().__init__()
            self._text = text
            self._path = path

        def _loc(self, meta) -> Location:
            return Location(self._path, getattr(meta, "line", 0), getattr(meta, "column", 0))

        def _tok_loc(self, token) -> Location:
            return Location(self._path, token.line, token.column)

        def _source(self, meta) -> str:
            return self._text[meta.start_pos:meta.end_pos] if not meta.empty else ""

        # -- expressions -------------------------------------------------
        def quantity(self, meta, children):
            token = children[0]
            return ast.Quantity(*self._fold(token), location=self._tok_loc(token))

        def _fold(self, token):
            try:
                q = units.parse_quantity(str(token))
            except units.UnitError as error:
                column = token.column + (error.column or 0)
                raise RuleError(f"unit error in {str(token)!r}: {error.message}",
                                Location(self._path, token.line, column), hint=error.hint) from None
            return q.value, q.dimension, str(token)

        def potential(self, meta, children):
            token, reference = children
            value, dimension, text = self._fold(token)
            if dimension != units.VOLTAGE:
                raise RuleError(f"a potential needs a value in volts, got {dimension.name} ({text})",
                                self._tok_loc(token), hint="write e.g. 4 V vs Li/Li+")
            return ast.PotentialLiteral(value, str(reference), f"{text} vs {reference}",
                                        location=self._tok_loc(token))

        def string(self, meta, children):
            return ast.String(_unescape(str(children[0])), location=self._loc(meta))

        def true(self, meta, children):
            return ast.Boolean(True, location=self._loc(meta))

        def false(self, meta, children):
            return ast.Boolean(False, location=self._loc(meta))

        def set_literal(self, meta, children):
            return ast.SetLiteral(tuple(c for c in children if c is not None), location=self._loc(meta))

        def name(self, meta, children):
            return ast.Name(tuple(str(c) for c in children), location=self._loc(meta))

        def call(self, meta, children):
            function, *args = children
            return ast.Call(str(function), tuple(a for a in args if a is not None),
                            location=self._tok_loc(function))

        def quantifier(self, meta, children):
            kind, variable, collection, body = children
            return ast.Quantifier(str(kind), str(variable), collection, body, location=self._loc(meta))

        def arith(self, meta, children):
            left, operator, right = children
            return ast.Arithmetic(str(operator), left, right, location=self._tok_loc(operator))

        def neg(self, meta, children):
            return ast.Negate(children[0], location=self._loc(meta))

        def compare(self, meta, children):
            left, operator, right = children
            return ast.Compare(str(operator), left, right, location=self._tok_loc(operator))

        def member(self, meta, children):
            return ast.Member(children[0], children[1], False, location=self._loc(meta))

        def not_member(self, meta, children):
            return ast.Member(children[0], children[1], True, location=self._loc(meta))

        def and_(self, meta, children):
            return ast.BoolOp("and", children[0], children[1], location=self._loc(meta))

        def or_(self, meta, children):
            return ast.BoolOp("or", children[0], children[1], location=self._loc(meta))

        def not_(self, meta, children):
            return ast.Not(children[0], location=self._loc(meta))

        # -- declarations ------------------------------------------------
        def text(self, meta, children):
            return " ".join(_unescape(str(c)) for c in children)

        def derive(self, meta, children):
            name, expression = children
            return ast.Derive(name.dotted, expression, self._source(meta), location=name.location)

        def __default__(self, data, children, meta):
            # Clauses are collected as (name, children, location, source) and
            # assembled by _assemble_rule, which checks for repeats.
            if data in _CLAUSES:
                return (str(data), children, self._loc(meta), self._source(meta))
            return super().__default__(data, children, meta)

        def rule(self, meta, children):
            rule_id, title, *clauses = children
            return _assemble_rule(str(rule_id), title, clauses, Location(self._path, rule_id.line, rule_id.column),
                                  self._source(meta))

        def start(self, meta, children):
            derives = tuple(c for c in children if isinstance(c, ast.Derive))
            rules = tuple(c for c in children if isinstance(c, ast.Rule))
            return ast.RuleFile(derives, rules, location=Location(self._path, 1, 1))

    return Builder


_SINGLE = ("applies", "require", "severity", "failure", "refines", "message", "because", "cite", "carriers",
           "each_layer")


def _assemble_rule(rule_id: str, title: str, clauses, location: Location, source: str) -> ast.Rule:
    """Collect a rule's clauses, rejecting a clause given twice."""
    seen: dict[str, Location] = {}
    fields: dict = {"mitigations": [], "outside": [], "examples": [], "needs": [], "supersedes": [], "distinct": []}
    for name, children, where, text in clauses:
        if name in _SINGLE and name in seen:
            raise RuleError(f"rule {rule_id} has two '{name}' clauses", where,
                            hint=f"the first is at line {seen[name].line}")
        seen[name] = where
        if name == "carriers":
            fields["carriers"] = tuple(str(c) for c in children)
        elif name == "each_layer":
            fields["per_layer"] = True
        elif name == "applies":
            fields["guard"], fields["guard_source"] = children[0], text[len("applies"):].strip()
        elif name == "require":
            fields["requirement"], fields["requirement_source"] = children[0], text[len("require"):].strip()
        elif name == "severity":
            fields["severity"] = str(children[0])
        elif name == "failure":
            fields["failure_mode"] = str(children[0])
        elif name == "needs":
            fields["needs"].extend(str(c) for c in children)
        elif name == "refines":
            fields["refines"] = str(children[0])
        elif name == "supersedes":
            fields["supersedes"].extend(str(c) for c in children)
        elif name == "distinct":
            fields["distinct"].append((str(children[0]), children[1]))
        elif name == "message":
            fields["message"] = children[0]
        elif name == "because":
            fields["mechanism"] = children[0]
        elif name == "mitigate":
            fields["mitigations"].append(children[0])
        elif name == "cite":
            fields["citation"] = children[0]
        elif name == "outside":
            fields["outside"].append(children[0])
        elif name == "example":
            fields["examples"].append(ast.Example(str(children[0]), children[1], location=where))
    return ast.Rule(
        id=rule_id, title=title,
        carriers=fields.get("carriers", ()), per_layer=fields.get("per_layer", False),
        guard=fields.get("guard"), guard_source=fields.get("guard_source", ""),
        requirement=fields.get("requirement"), requirement_source=fields.get("requirement_source", ""),
        severity=fields.get("severity", ""), failure_mode=fields.get("failure_mode", ""),
        needs=tuple(fields["needs"]), refines=fields.get("refines"), supersedes=tuple(fields["supersedes"]),
        distinct=tuple(fields["distinct"]),
        message=fields.get("message", ""), mechanism=fields.get("mechanism", ""),
        mitigations=tuple(fields["mitigations"]), citation=fields.get("citation", ""),
        outside=tuple(fields["outside"]), examples=tuple(fields["examples"]),
        source=source, clause_locations=seen, location=location,
    )


def _Builder(text: str, path: str):
    return _builder_class()(text, path)
