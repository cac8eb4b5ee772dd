"""`--format json`: exactly the document of cell-spec.md, field for field."""
from __future__ import annotations

import json


def finding_json(finding) -> dict:
    return {
        "rule": finding.rule,
        "outcome": finding.outcome,
        "severity": finding.severity,
        "failure_mode": finding.failure_mode,
        "message": finding.message,
        "location": {"line": finding.line, "column": finding.column},
        "inputs": {i.name: {"value": i.value, "source": i.source} for i in finding.inputs},
        "mitigations": list(finding.mitigations),
        "citation": finding.citation,
    }


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
    return document


def render_json(results) -> str:
    document = {"version": 1, "results": [result_json(r) for r in sorted(results, key=lambda r: r.path)]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
