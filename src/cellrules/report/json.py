"""`--format json`: exactly the document of cell-spec.md, field for field.

The document is written file by file (`JsonDocument`, report/stream.py): each result as soon
as it is final, byte for byte as json.dumps(indent=2) writes the whole document. `result_json`
is that document's result as a tree; `_ResultWriter` writes the same bytes without building it.
"""
from __future__ import annotations

from json.encoder import encode_basestring as _escaped   # the C escaper json.dumps(ensure_ascii=False) uses

from cellrules.engine.inputs import FindingInputs
from cellrules.report.safe import Prerendered, has_surrogate, indented_json, json_dumps
from cellrules.report.stream import JsonList, render_whole

# Rendered once, copied after (safe.Prerendered): a rule's mitigations recur in every finding of it, and
# a value from the knowledge base in many findings of many files (a spec's own values name their file:
# they never recur). Bounded: cleared when full.
_RECURRING: dict = {}
_RECURRING_MAX = 20_000


def finding_json(finding, recurring: bool = False) -> dict:
    """A finding as the document has it; with `recurring`, its recurring parts wrapped for indented_json."""
    document = {
        "rule": finding.rule,
        "outcome": finding.outcome,
        "severity": finding.severity,
        "failure_mode": finding.failure_mode,
        "message": finding.message,
        "location": {"line": finding.line, "column": finding.column},
        "inputs": {i.name: _recurring(("input", i.value, i.source, _exact(i.si), i.unit), _input, i)
                   if recurring and not i.source.startswith("spec:") else _input(i) for i in finding.inputs},
        "mitigations": _recurring(("mitigations", finding.mitigations), list, finding.mitigations) if recurring
        else list(finding.mitigations),
        "citation": finding.citation,
    }
    if finding.outcome == "unknown":
        # Missing data: any one group of inputs would decide the rule.
        document["needs"] = [list(group) for group in finding.alternatives]
    return document


def _recurring(key, build, value) -> Prerendered:
    wrapped = _RECURRING.get(key)
    if wrapped is None:
        wrapped = _remembered(_RECURRING, key, Prerendered(build(value)))
    return wrapped


def _exact(number: float | None):
    """A number as a key that tells -0.0 from 0.0 and matches NaN (both print differently)."""
    return None if number is None else float.hex(number)


def _input(item) -> dict:
    shown = {"value": item.value, "source": item.source}
    if item.si is not None:
        shown.update(si=_finite(item.si), unit=item.unit)
    return shown


def _finite(number: float):
    """JSON has no infinity or NaN: such a number is written as its text."""
    return number if number == number and abs(number) != float("inf") else str(number)


def error_message(result) -> str:
    """Every problem of an unreadable file, each with its line and column where there is one."""
    parts = []
    for error in result.errors or ():
        where = error.location
        prefix = f"line {where.line}, column {where.column}: " if where and where.line else ""
        hint = f" (hint: {error.hint})" if error.hint else ""
        parts.append(f"{prefix}{error.message}{hint}")
    return "; ".join(parts) or result.message


def result_json(result, recurring: bool = False) -> dict:
    document = {"file": result.path, "status": result.status,
                "findings": [finding_json(f, recurring) for f in result.findings]}
    if result.status == "error":
        document["message"] = error_message(result)
        document["errors"] = [_error(e) for e in result.errors or ()]
    return document


def _error(error) -> dict:
    where = error.location
    return {"message": error.message, "hint": error.hint or "",
            "location": {"line": where.line or 1, "column": where.column or 1} if where else {"line": 1, "column": 1}}


class JsonDocument:
    """`{"version": 1, "results": [...]}`, one result at a time."""

    head_last = False

    def __init__(self):
        self._list = JsonList(json_dumps({"version": 1, "results": []}, indent=2) + "\n")
        self._writer = _ResultWriter(self._list.indent)
        self.cache_key = f"json {self._list.indent!r}"   # a piece depends on the result alone (report/stream.py)

    def head(self) -> str:
        return self._list.head()

    def render(self, result) -> str:
        text = self._writer.result(result) if result.status != "error" else None
        if text is None:
            return indented_json(result_json(result, recurring=True), self._list.indent)
        return text

    def add(self, item) -> str:
        return self._list.item(item.piece)

    def tail(self) -> str:
        return self._list.tail()


class _ResultWriter:
    """A checked file's result as indented_json(result_json(result)) writes it at `indent`, written directly.

    A result is its findings, and a finding has one fixed shape: building that tree and walking it
    again was two thirds of JSON's cost over text (about 115 us a file on the benchmark's specs).
    Here the parts a rule fixes (rule, outcome, severity, failure mode; mitigations and citation)
    are written once per rule and copied, an input once per file (findings of a file share their
    inputs) or once per run when its value recurs across files, and the rest is joined from
    escaped strings. Whatever this writer does not cover (a lone surrogate, a duplicate input
    name, a value of a type it does not expect) it declines with None, and the tree is written
    instead: tests/test_streaming.py holds both to the same bytes.
    """

    def __init__(self, indent: str):
        self._indent = indent
        self._at = indent + "  "                  # the result's keys
        self._finding = self._at + "  "           # a finding
        self._key = self._finding + "  "          # a finding's keys
        # What recurs across files, kept per indent for the whole run (and not pickled: see __reduce__).
        self._heads, self._tails, self._needs, self._recurring = _MEMOS.setdefault(indent, ({}, {}, {}, {}))

    def __reduce__(self):
        return _ResultWriter, (self._indent,)     # a worker process gets the indent, not the memos

    def result(self, result) -> str | None:
        try:
            return self._result(result)
        except (_Declined, TypeError):            # TypeError: a field that is not a string
            return None

    def _result(self, result) -> str | None:
        at, finding = self._at, self._finding
        parts = ["{\n", at, '"file": ', _escaped(result.path), ",\n", at, '"status": ', _escaped(result.status),
                 ",\n", at, '"findings": ']
        if result.findings:
            texts: dict = {}     # the file's input texts, each written once: its findings share them
            separator = "[\n" + finding
            for item in result.findings:
                parts.append(separator)
                parts.append(self._written(item, texts))
                separator = ",\n" + finding
            parts.append("\n" + at + "]")
        else:
            parts.append("[]")
        parts.append("\n" + at[:-2] + "}")
        text = "".join(parts)
        if not text.isascii() and has_surrogate(text):
            return None
        return text

    def _written(self, finding, texts: dict) -> str:
        key = self._key
        if type(finding.line) is not int or type(finding.column) is not int:
            raise _Declined
        head = self._heads.get((finding.rule, finding.outcome, finding.severity, finding.failure_mode))
        if head is None:
            head = self._head(finding)
        tail = self._tails.get((finding.mitigations, finding.citation))
        if tail is None:
            tail = self._tail(finding)
        if type(finding.inputs) is FindingInputs:  # the engine's: texts without Inputs where they recur
            inputs = finding.inputs.texts(self._input_halves, _escaped, self._recurring, texts)
        else:                                     # a result from the cache or made by hand
            inputs = [self._input_text(i) for i in finding.inputs]
            if len({i.name for i in finding.inputs}) != len(inputs):
                raise _Declined                   # the tree keeps the last of a name: leave it to the tree
        if inputs:
            between = ",\n" + key + "  "
            written_inputs = "{\n" + key + "  " + between.join(inputs) + "\n" + key + "}"
        else:
            written_inputs = "{}"
        text = (f"{head}{_escaped(finding.message)},\n{key}\"location\": {{\n{key}  \"line\": {finding.line},\n"
                f"{key}  \"column\": {finding.column}\n{key}}},\n{key}\"inputs\": {written_inputs},\n{tail}")
        if finding.outcome == "unknown":
            needs = self._needs.get(finding.alternatives)
            if needs is None:
                needs = self._needs_text(finding.alternatives)
            text += needs
        return text + "\n" + self._finding + "}"

    def _head(self, finding) -> str:
        key = self._key
        head = "".join(("{\n", key, '"rule": ', _escaped(finding.rule), ",\n", key, '"outcome": ', _escaped(finding.outcome),
                        ",\n", key, '"severity": ', _escaped(finding.severity), ",\n", key, '"failure_mode": ',
                        _escaped(finding.failure_mode), ",\n", key, '"message": '))
        return _remembered(self._heads, (finding.rule, finding.outcome, finding.severity, finding.failure_mode), head)

    def _tail(self, finding) -> str:
        key = self._key
        tail = "".join((key, '"mitigations": ', indented_json(list(finding.mitigations), key), ",\n",
                        key, '"citation": ', _escaped(finding.citation)))
        return _remembered(self._tails, (finding.mitigations, finding.citation), tail)

    def _needs_text(self, alternatives) -> str:
        """An unknown finding's needs: the same few groups recur in finding after finding (engine/needs.py)."""
        needs = ",\n" + self._key + '"needs": ' + indented_json([list(g) for g in alternatives], self._key)
        return _remembered(self._needs, alternatives, needs)

    def _input_text(self, item) -> str:
        before, after = self._input_halves(item)
        return before + _escaped(item.source) + after

    def _input_halves(self, item) -> tuple[str, str]:
        """An input's text before and after its source: a spec's own value recurs in other specs but its
        source, which names the file (engine/evaluate.py keeps the halves)."""
        inner = self._key + "    "
        before = f"{_escaped(item.name)}: {{\n{inner}\"value\": {_escaped(item.value)},\n{inner}\"source\": "
        si = item.si
        if si is None:
            return before, "\n" + self._key + "  }"
        if type(si) is float:
            si = _finite(si)
            si = float.__repr__(si) if type(si) is float else _escaped(si)
        elif type(si) is int:
            si = int.__repr__(si)
        else:
            raise _Declined
        return before, f",\n{inner}\"si\": {si},\n{inner}\"unit\": {_escaped(item.unit)}\n{self._key}  }}"


class _Declined(Exception):
    """A result _ResultWriter leaves to the tree."""


# Per indent: rule heads, rule tails, needs, and the texts of recurring inputs by what fixes them
# (engine/evaluate.py), each bounded as _RECURRING is.
_MEMOS: dict[str, tuple[dict, dict, dict, dict]] = {}


def _remembered(memo: dict, key, value):
    """memo[key] = value, the memo emptied first when full (_RECURRING_MAX); returns value."""
    if len(memo) >= _RECURRING_MAX:
        memo.clear()
    memo[key] = value
    return value


def render_json(results) -> str:
    return render_whole(JsonDocument(), results)
