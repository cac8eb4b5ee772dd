"""`--format json`: exactly the document of cell-spec.md, field for field.

The document is written file by file (`JsonDocument`, report/stream.py): each result as soon
as it is final, byte for byte as json.dumps(indent=2) writes the whole document.
"""
from __future__ import annotations

from cellrules.report.safe import indented_json, json_dumps
from cellrules.report.stream import JsonList, render_whole


def finding_json(finding) -> dict:
    document = {
        "rule": finding.rule,
        "outcome": finding.outcome,
        "severity": finding.severity,
        "failure_mode": finding.failure_mode,
        "message": finding.message,
        "location": {"line": finding.line, "column": finding.column},
        "inputs": {i.name: _input(i) for i in finding.inputs},
        "mitigations": list(finding.mitigations),
        "citation": finding.citation,
    }
    if finding.outcome == "unknown":
        # Missing data: any one group of inputs would decide the rule.
        document["needs"] = [list(group) for group in finding.alternatives]
    return document


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


def result_json(result) -> dict:
    document = {"file": result.path, "status": result.status,
                "findings": [finding_json(f) for f in result.findings]}
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
        return indented_json(result_json(result), self._list.indent)

    def add(self, item) -> str:
        return self._list.item(item.piece)

    def tail(self) -> str:
        return self._list.tail()


def render_json(results) -> str:
    return render_whole(JsonDocument(), results)
