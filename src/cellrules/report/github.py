"""`--format github`: GitHub Actions workflow commands, one annotation per failure.

A workflow step that runs `cellrules check --format github` puts each failed
rule on its spec line in the pull request's diff, without code scanning. The
syntax is `::error file=F,line=L,col=C,title=T::MESSAGE`; GitHub's toolkit
escapes `%`, CR and LF in the message, and additionally `:` and `,` in the
properties, which would otherwise end a property early. Only failures become
annotations (cli.md); a file that cannot be read is an `::error` at its line.
"""
from __future__ import annotations

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, path: str, line: int, column: int, title: str, message: str) -> str:
    properties = f"file={escape_property(path)},line={line},col={column},title={escape_property(title)}"
    return f"::{level} {properties}::{escape_data(message)}"


def render_github(results) -> str:
    lines = []
    for result in sorted(results, key=lambda r: r.path):
        if result.status == "error":
            lines.extend(_error_annotations(result))
            continue
        for finding in result.findings:
            if finding.outcome != "fail":
                continue
            body = [finding.message, *(f"Mitigation: {m}" for m in finding.mitigations)]
            if finding.citation:
                body.append(f"Citation: {finding.citation}")
            lines.append(annotation(_COMMAND[finding.severity], result.path, finding.line, finding.column,
                                    f"cellrules {finding.rule}", "\n".join(body)))
    return "".join(line + "\n" for line in lines)


def _error_annotations(result) -> list[str]:
    """One ::error per problem of an unreadable spec, at its line (line 1 when it has none)."""
    problems = [(e.message + (f"\nhint: {e.hint}" if e.hint else ""), e.location) for e in result.errors]
    annotations = []
    for message, where in problems or [(result.message, None)]:
        line, column = (where.line or 1, where.column or 1) if where is not None else (1, 1)
        annotations.append(annotation("error", result.path, line, column, "cellrules: invalid spec", message))
    return annotations
