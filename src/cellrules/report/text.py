"""Text output of `check`: one line per finding, then a summary (cli.md).

Findings and unreadable files share the problem format of every command
(errors.problem_lines): `PATH:LINE:COL: SEVERITY: RULE-ID message`, missing data as
`PATH:LINE:COL: needs-data: RULE-ID message` (never a severity), and
`PATH:LINE:COL: error: message`, so gcc-style problem matchers read failures and errors alike.
Every string a spec, rule pack or file name supplies is escaped (report/safe.py): a line of
this output is always one finding, never a forged one or a terminal command.
"""
from __future__ import annotations

from cellrules.errors import CellrulesError, problem_lines
from cellrules.report.safe import shown_path, text_line


def _error_lines(result, path: str) -> list[str]:
    lines = []
    for error in result.errors:
        where = error.location
        line, column = (where.line or 1, where.column or 1) if where else (1, 1)
        hint = text_line(error.hint) if isinstance(error, CellrulesError) and error.hint else ""
        lines.extend(problem_lines(f"{path}:{line}:{column}", text_line(error.message), hint))
    return lines


def _finding_lines(result, path: str) -> list[str]:
    """Failures and waivers with their severity; missing data in its own channel, once per group of inputs
    it asks for (`needs-data`, never a severity); skipped rules not at all, since the failure or the
    missing data that skipped them is printed; passes and rules that do not apply (--all) by outcome."""
    lines, needs = [], {}
    for finding in result.findings:
        rule = text_line(finding.rule)
        if finding.outcome == "unknown":
            needs.setdefault(finding.alternatives, []).append(finding)
        elif finding.outcome in ("fail", "waived"):
            lines.append((finding.line, finding.rule, finding.column, finding.severity, text_line(finding.message)))
        elif finding.outcome != "skipped":
            lines.append((finding.line, finding.rule, finding.column, finding.outcome, text_line(finding.message)))
    for findings in needs.values():
        first, others = findings[0], [f.rule for f in findings[1:]]
        also = f" (the same data decides {', '.join(others)})" if others else ""
        lines.append((first.line, first.rule, first.column, "needs-data", text_line(first.message + also)))
    return [line for row, rule, column, label, message in sorted(lines)
            for line in problem_lines(f"{path}:{row}:{column}", f"{text_line(rule)} {message}", label=label)]


def result_lines(result, verbose: bool = False) -> list[str]:
    """One file's lines of the text output."""
    path = shown_path(result.path)
    lines = [f"{path}: {result.status}"] if verbose else []
    if result.status == "error":
        lines.extend(_error_lines(result, path))
    else:
        lines.extend(_finding_lines(result, path))
    return lines


def summary_line(counts: dict) -> str:
    total = sum(counts.values())
    noun = "file" if total == 1 else "files"
    return (f"{total} {noun}: {counts['pass']} pass, {counts['incomplete']} incomplete, "
            f"{counts['fail']} fail, {counts['error']} error")


def render_text(results, verbose: bool = False) -> str:
    lines: list[str] = []
    for result in sorted(results, key=lambda r: r.path):
        lines.extend(result_lines(result, verbose))
    counts = {status: sum(r.status == status for r in results) for status in ("pass", "incomplete", "fail", "error")}
    counts["other"] = len(results) - sum(counts.values())
    lines.append(summary_line(counts))
    return "\n".join(lines) + "\n"


def stream_text(results, write, verbose: bool = False, shown=lambda result: result) -> list:
    """Write each result's lines as soon as it arrives (results in path order), then the summary.

    Byte-identical to render_text over the same results. A result whose rendering raises becomes
    its file's internal error (as report/isolate.py does for whole documents). Returns the results
    as shown, each reduced to what the exit code and --debug read, so memory stays bounded.
    """
    from cellrules.engine.evaluate import internal_error_result

    counts = {"pass": 0, "incomplete": 0, "fail": 0, "error": 0, "other": 0}
    seen = []
    for result in results:
        result = shown(result)
        try:
            lines = result_lines(result, verbose)
        except Exception as error:  # noqa: BLE001 - this result breaks the format: report it as its file's error
            result = shown(internal_error_result(result.path, error))
            lines = result_lines(result, verbose)
        counts[result.status if result.status in counts else "other"] += 1
        if lines:
            write("\n".join(lines) + "\n")
        seen.append(result if result.status == "error" else _Brief(result.path, result.status))
    write(summary_line(counts) + "\n")
    return seen


class _Brief:
    """What the exit code reads of a file without errors: its path and status."""

    __slots__ = ("path", "status", "errors")

    def __init__(self, path: str, status: str):
        self.path, self.status, self.errors = path, status, ()
