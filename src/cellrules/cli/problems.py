"""Bad input on standard error: every problem of an error, in the one problem format (errors.py)."""
from __future__ import annotations

import sys

from cellrules.errors import CellrulesError, ManyErrors, problem_lines


def report_error(error: CellrulesError) -> None:
    """Write each problem as `PATH:L:C: error: MESSAGE` plus its hint, escaped to one line each."""
    from cellrules.report.safe import text_line

    problems = error.problems if isinstance(error, ManyErrors) else [error]
    for problem in problems:
        where = text_line(str(problem.location)) if problem.location else ""
        hint = text_line(problem.hint) if problem.hint else ""
        for line in problem_lines(where, text_line(problem.message), hint):
            sys.stderr.write(line + "\n")
