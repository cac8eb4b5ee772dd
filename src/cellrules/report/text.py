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


def _finding_lines(result) -> list[str]:
    """Failures and waivers with their severity; missing data in its own channel, once per group of inputs
    it asks for (`needs-data`, never a severity); skipped rules not at all, since the failure or the
    missing data that skipped them is printed; passes and rules that do not apply (--all) by outcome."""
    lines, needs = [], {}
    for finding in result.findings:
        if finding.outcome == "unknown":
            needs.setdefault(finding.alternatives, []).append(finding)
        elif finding.outcome in ("fail", "waived"):
            lines.append((finding.line, finding.rule, finding.column,
                          f"{finding.severity} {finding.rule} {finding.message}"))
        elif finding.outcome != "skipped":
            lines.append((finding.line, finding.rule, finding.column, f"{finding.outcome} {finding.rule} {finding.message}"))
    for findings in needs.values():
        first, others = findings[0], [f.rule for f in findings[1:]]
        also = f" (the same data decides {', '.join(others)})" if others else ""
        lines.append((first.line, first.rule, first.column, f"needs-data {first.rule} {first.message}{also}"))
    return [f"{result.path}:{line}:{column}: {text}" for line, _, column, text in sorted(lines)]


def render_text(results, verbose: bool = False) -> str:
    lines: list[str] = []
    for result in sorted(results, key=lambda r: r.path):
        if verbose:
            lines.append(f"{result.path}: {result.status}")
        if result.status == "error":
            lines.extend(_error_lines(result))
            continue
        lines.extend(_finding_lines(result))
    counts = {status: sum(r.status == status for r in results) for status in ("pass", "incomplete", "fail", "error")}
    noun = "file" if len(results) == 1 else "files"
    lines.append(f"{len(results)} {noun}: {counts['pass']} pass, {counts['incomplete']} incomplete, "
                 f"{counts['fail']} fail, {counts['error']} error")
    return "\n".join(lines) + "\n"
