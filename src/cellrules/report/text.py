"""Text output of `check`: one line per finding, then a summary (cli.md).

Findings and unreadable files share the problem format of every command
(errors.problem_lines): `PATH:LINE:COL: SEVERITY: RULE-ID message` and
`PATH:LINE:COL: error: message`, so gcc-style problem matchers read both.
"""
from __future__ import annotations

from cellrules.errors import CellrulesError, problem_lines


def _error_lines(result) -> list[str]:
    lines = []
    for error in result.errors:
        where = error.location
        line, column = (where.line or 1, where.column or 1) if where else (1, 1)
        hint = error.hint if isinstance(error, CellrulesError) else ""
        lines.extend(problem_lines(f"{result.path}:{line}:{column}", error.message, hint))
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
            lines.extend(problem_lines(f"{result.path}:{finding.line}:{finding.column}",
                                       f"{finding.rule} {finding.message}", label=finding.severity))
    counts = {status: sum(r.status == status for r in results) for status in ("pass", "incomplete", "fail", "error")}
    noun = "file" if len(results) == 1 else "files"
    lines.append(f"{len(results)} {noun}: {counts['pass']} pass, {counts['incomplete']} incomplete, "
                 f"{counts['fail']} fail, {counts['error']} error")
    return "\n".join(lines) + "\n"
