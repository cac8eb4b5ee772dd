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
from cellrules.report.stream import render_whole


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
    return render_whole(TextDocument(verbose), results)


class TextDocument:
    """The text output written file by file: each file's lines, then the summary line."""

    head_last = False

    def __init__(self, verbose: bool = False):
        self.verbose = verbose
        self.cache_key = f"text verbose={verbose}"      # a piece depends on the result and -v (report/stream.py)
        self.counts = {"pass": 0, "incomplete": 0, "fail": 0, "error": 0, "other": 0}

    def head(self) -> str:
        return ""

    def render(self, result) -> str:
        return "".join(line + "\n" for line in result_lines(result, self.verbose))

    def add(self, item) -> str:
        self.counts[item.status if item.status in self.counts else "other"] += 1
        return item.piece

    def tail(self) -> str:
        return summary_line(self.counts) + "\n"
