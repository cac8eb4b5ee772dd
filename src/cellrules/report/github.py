"""`--format github`: GitHub Actions workflow commands, and a job summary listing every finding.

A workflow step that runs `cellrules check --format github` puts failed rules on
their spec lines in the pull request's diff, without code scanning. The syntax
is `::error file=F,line=L,col=C,title=T::MESSAGE`; GitHub's toolkit escapes `%`,
CR and LF in the message, and additionally `:` and `,` in the properties, which
would otherwise end a property early. Only failures become annotations (cli.md);
a file that cannot be read is an `::error` at its line.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step
and drops the rest without a word (actions/toolkit, docs/problem-matchers.md).
So the annotations are ordered by severity, errors first, each kind is cut at
its limit, and one closing notice counts what was left out and says where the
whole list is: the job summary (`summary`, written to `$GITHUB_STEP_SUMMARY` by
the command line), which holds every finding.

Each file's annotations and summary rows are a function of that file's result
alone; only the ordering and the limits look at the whole run, so only what
those limits can show is kept while the files stream past (`GithubDocument`).
"""
from __future__ import annotations

import attrs

from cellrules.report.render import markdown
from cellrules.report.safe import shown_path, text_block, text_line
from cellrules.report.stream import render_whole

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
_RANK = {"error": 0, "warning": 1, "notice": 2}
# Per step, per kind (GitHub documents the same 10 for each; 50 per job in all).
LIMITS = {"error": 10, "warning": 10, "notice": 10}


@attrs.frozen
class Annotation:
    level: str          # error | warning | notice
    path: str
    line: int
    column: int
    title: str
    message: str

    def command(self) -> str:
        # Strings a spec, rule pack or file name supplies are escaped first (report/safe.py).
        properties = (f"file={escape_property(shown_path(self.path))},line={self.line},col={self.column},"
                      f"title={escape_property(text_line(self.title))}")
        return f"::{self.level} {properties}::{escape_data(text_block(self.message))}"

    def order(self) -> tuple:
        return _RANK[self.level], self.path, self.line, self.column, self.title


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, path: str, line: int, column: int, title: str, message: str) -> str:
    return Annotation(level, path, line, column, title, message).command()


def file_annotations(result) -> list[Annotation]:
    """The annotations of one file: each failure at its line, or each problem of an unreadable spec."""
    if result.status == "error":
        problems = [(e.message + (f"\nhint: {e.hint}" if e.hint else ""), e.location) for e in result.errors]
        annotations = []
        for message, where in problems or [(result.message, None)]:
            line, column = (where.line or 1, where.column or 1) if where is not None else (1, 1)
            annotations.append(Annotation("error", result.path, line, column, "cellrules: invalid spec", message))
        return annotations
    annotations = []
    for finding in result.findings:
        if finding.outcome != "fail":
            continue
        body = [finding.message, *(f"Mitigation: {m}" for m in finding.mitigations)]
        if finding.citation:
            body.append(f"Citation: {finding.citation}")
        annotations.append(Annotation(_COMMAND[finding.severity], result.path, finding.line, finding.column,
                                      f"cellrules {finding.rule}", "\n".join(body)))
    return annotations


def render_github(results, limits=None) -> str:
    """The annotations GitHub will show, most severe first, then a notice counting those it would not."""
    return render_whole(GithubDocument(limits), results)


class GithubDocument:
    """The annotations, written after the last file (they are ordered by severity across the run); only those
    GitHub will show are kept, and the job summary's rows up to its size limit (`Summary`), so memory stays
    bounded however many files fail. Results must arrive in path order."""

    head_last = False

    def __init__(self, limits=None, summary_limit: int | None = None):
        self._limits = LIMITS if limits is None else limits
        self._kept = {level: [] for level in self._limits}
        self._totals = dict.fromkeys(self._limits, 0)
        self.summary = Summary(SUMMARY_LIMIT if summary_limit is None else summary_limit)

    def head(self) -> str:
        return ""

    def render(self, result) -> tuple:
        """The file's annotations and its summary rows."""
        return sorted(file_annotations(result), key=Annotation.order), self.summary.rows(result)

    def add(self, item) -> str:
        annotations, rows = item.piece
        self.summary.add(item.status, rows)
        for annotation in annotations:
            self._totals[annotation.level] += 1
            if len(self._kept[annotation.level]) < self._limits[annotation.level]:
                self._kept[annotation.level].append(annotation)
        return ""

    def tail(self) -> str:
        limits, totals = self._limits, self._totals
        room = dict(limits)
        if any(totals[level] > room[level] for level in limits):
            room["notice"] -= 1          # the closing notice is a notice too
        lines = [a.command() for level in limits for a in self._kept[level][:room[level]]]
        left_out = {level: totals[level] - min(totals[level], room[level]) for level in limits}
        if any(left_out.values()):
            lines.append(closing_notice(left_out))
        return "".join(line + "\n" for line in lines)


def closing_notice(left_out: dict) -> str:
    counts = ", ".join(f"{count} {level}{'s' if count != 1 else ''}" for level, count in left_out.items() if count)
    total = sum(left_out.values())
    message = (f"{total} more finding{'s' if total != 1 else ''} not shown as annotations ({counts}): GitHub shows "
               f"at most {LIMITS['error']} of each kind per step. Every finding is in the job summary and the log.")
    return f"::notice title={escape_property('cellrules: annotations left out')}::{escape_data(message)}"


# ---------------------------------------------------------------------------------------- the job summary

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


SUMMARY_LIMIT = 1024 * 1024   # bytes; GitHub refuses a larger step summary and shows none of it


def summary(results, limit: int = SUMMARY_LIMIT) -> str:
    """A Markdown job summary: the verdict per file, a table of every failure, most severe first, and one of the
    rules that need data (never with a severity).

    Past GitHub's 1 MiB the tables stop, with a line counting the findings left out.
    """
    collected = Summary(limit)
    for result in sorted(results, key=lambda r: r.path):
        collected.add(result.status, collected.rows(result))
    return collected.text()


class Summary:
    """The job summary, collected file by file (in path order).

    Rows are kept per severity, each list only up to the summary's size limit, since no row past
    it can be shown; the rest are only counted, for the line that says how many were left out.
    """

    def __init__(self, limit: int = SUMMARY_LIMIT):
        self.limit = limit
        self.counts = {status: 0 for status in ("pass", "incomplete", "fail", "error")}
        self.files = 0
        self._rows = {rank: _Capped(limit) for rank in sorted(set(_SEVERITY_ORDER.values()))}
        self._needs = _Capped(limit)

    @staticmethod
    def rows(result) -> tuple[list, list]:
        """One file's failure rows (severity rank, row), most severe first, and its needs-data rows."""
        return [(key[0], row) for key, row in sorted(summary_rows(result), key=lambda row: row[0])], needs_rows(result)

    def add(self, status: str, rows: tuple[list, list]) -> None:
        failures, needs = rows
        self.files += 1
        if status in self.counts:
            self.counts[status] += 1
        for rank, row in failures:
            self._rows[rank].add(row)
        for row in needs:
            self._needs.add(row)

    def text(self) -> str:
        counts, limit = self.counts, self.limit
        head = ["## cellrules", "",
                f"{self.files} file{'s' if self.files != 1 else ''}: {counts['pass']} pass, "
                f"{counts['incomplete']} incomplete, {counts['fail']} fail, {counts['error']} error", ""]
        rows = [row for capped in self._rows.values() for row in capped.rows]
        tables = [(rows, sum(capped.total for capped in self._rows.values()))]
        if self._needs.total:
            tables.append((self._needs.rows, self._needs.total))
        lines = list(head)
        if tables[0][1]:
            lines += ["| severity | where | rule | finding |", "|---|---|---|---|"]
        else:
            lines.append("No rule failed.")
        room = limit - len("\n".join(lines).encode()) - 400     # 400: the section heading and the line about the rest
        for number, (table, total) in enumerate(tables):
            if number == 1:
                lines += ["", "### Needs data", "", "Rules that could not be decided; any one group of the inputs "
                          "named would decide each.", "", "| where | rule | needs |", "|---|---|---|"]
            for index, row in enumerate(table):
                room -= len(row.encode()) + 1
                if room < 0:
                    left = total - index + sum(t for _, t in tables[number + 1:])
                    lines += ["", f"{left} more findings left out: a job summary holds at most "
                                  f"{limit // 1024} KiB. Every finding is in the log."]
                    return "\n".join(lines) + "\n\n"
                lines.append(row)
        return "\n".join(lines) + "\n\n"


class _Capped:
    """Rows in arrival order until their size passes `limit` bytes, and a count of every row."""

    def __init__(self, limit: int):
        self.rows: list[str] = []
        self.total = 0
        self._room = limit

    def add(self, row: str) -> None:
        self.total += 1
        if self._room >= 0:
            self._room -= len(row.encode()) + 1
            self.rows.append(row)


def summary_rows(result) -> list[tuple]:
    """(sort key, Markdown table row) for each failure or problem of one file."""
    rows = []
    if result.status == "error":
        for error in result.errors or ():
            where = error.location
            line = (where.line or 1) if where else 1
            message = error.message + (f" (hint: {error.hint})" if error.hint else "")
            rows.append(((0, result.path, line, ""), _row("error", f"{result.path}:{line}", "spec.invalid", message)))
        if not result.errors:
            rows.append(((0, result.path, 1, ""), _row("error", result.path, "spec.invalid", result.message)))
        return rows
    for finding in result.findings:
        if finding.outcome != "fail":
            continue
        key = (_SEVERITY_ORDER[finding.severity], result.path, finding.line, finding.rule)
        rows.append((key, _row(finding.severity, f"{result.path}:{finding.line}", finding.rule, finding.message)))
    return rows


def needs_rows(result) -> list[str]:
    """A Markdown row for each rule of one file that needs data: where, which rule, which inputs would decide it."""
    rows = []
    for finding in result.findings if result.status != "error" else ():
        if finding.outcome == "unknown":
            groups = " or ".join(" and ".join(group) for group in finding.alternatives) or ", ".join(finding.missing)
            rows.append(f"| {markdown(f'{result.path}:{finding.line}')} | {markdown(finding.rule)} | {markdown(groups)} |")
    return rows


def _row(severity: str, where: str, rule: str, message: str) -> str:
    return f"| {severity} | {markdown(where)} | {markdown(rule)} | {markdown(message)} |"
