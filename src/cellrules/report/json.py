"""`--format json`: exactly the document of cell-spec.md, field for field.

The document is written file by file (`JsonDocument`, report/stream.py): each result as soon
as it is final, byte for byte as json.dumps(indent=2) writes the whole document.
"""
from __future__ import annotations

from cellrules.report.safe import Prerendered, indented_json, json_dumps
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
        if len(_RECURRING) >= _RECURRING_MAX:
            _RECURRING.clear()
        wrapped = _RECURRING[key] = Prerendered(build(value))
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
        self.cache_key = f"json {self._list.indent!r}"   # a piece depends on the result alone (report/stream.py)

    def head(self) -> str:
        return self._list.head()

    def render(self, result) -> str:
        return indented_json(result_json(result, recurring=True), self._list.indent)

    def add(self, item) -> str:
        return self._list.item(item.piece)

    def tail(self) -> str:
        return self._list.tail()


def render_json(results) -> str:
    return render_whole(JsonDocument(), results)
