"""Text output of `check`: one line per finding, then a summary (cli.md)."""
from __future__ import annotations

from cellrules.errors import CellrulesError


def _error_lines(result) -> list[str]:
    lines = []
    for error in result.errors:
        where = error.location
        line, column = (where.line or 1, where.column or 1) if where else (1, 1)
        lines.append(f"{result.path}:{line}:{column}: error {error.message}")
        if isinstance(error, CellrulesError) and error.hint:
            lines.append(f"    hint: {error.hint}")
    return lines


def render_text(results, verbose: bool = False) -> str:
    lines: list[str] = []
    for result in sorted(results, key=lambda r: r.path):
        if verbose:
            lines.append(f"{result.path}: {result.status}")
        if result.status == "error":
            lines.extend(_error_lines(result))
            continue
        for finding in result.findings:
            lines.append(f"{result.path}:{finding.line}:{finding.column}: {finding.severity} {finding.rule} "
                         f"{finding.message}")
    counts = {status: sum(r.status == status for r in results) for status in ("pass", "incomplete", "fail", "error")}
    noun = "file" if len(results) == 1 else "files"
    lines.append(f"{len(results)} {noun}: {counts['pass']} pass, {counts['incomplete']} incomplete, "
                 f"{counts['fail']} fail, {counts['error']} error")
    return "\n".join(lines) + "\n"
