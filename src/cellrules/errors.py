"""One error hierarchy for everything a user can get wrong.

Every error carries where it happened (file, line, column), what is wrong and,
where one exists, a hint (a "did you mean", the unit to add). Every command
prints a problem the same way, `file:line:col: error: message` and an indented
`hint:` line (`problem_lines`), the form gcc-style problem matchers and editors
read, and exits 2; no traceback reaches the user.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable

import attrs


@attrs.frozen
class Location:
    """A place in a file; line and column are 1-based, 0 means unknown."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path


HINT_INDENT = "    "


def problem_lines(where: str, message: str, hint: str = "", label: str = "error") -> list[str]:
    """One problem as printed by every command: `WHERE: LABEL: message`, then `    hint: ...`."""
    lines = [f"{where}: {label}: {message}" if where else f"{label}: {message}"]
    if hint:
        lines.append(f"{HINT_INDENT}hint: {hint}")
    return lines


class CellrulesError(Exception):
    """Base of every error cellrules reports to a user."""

    def __init__(self, message: str, location: Location | None = None, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        hint = f"\n  hint: {self.hint}" if self.hint else ""
        return f"{where}{self.message}{hint}"


class RuleError(CellrulesError):
    """A rule file is malformed or fails a static check."""


class SpecError(CellrulesError):
    """A cell spec is malformed, names an unknown material or has a wrong value."""


class KnowledgeError(CellrulesError):
    """A knowledge-base file is malformed."""


class ConfigError(CellrulesError):
    """A configuration file is malformed."""


class UsageError(CellrulesError):
    """The command line was misused (missing path, unknown rule id, ...)."""


INTERNAL_ERROR = "internal error in this file"


class InternalError(CellrulesError):
    """A bug that one file triggered (an exception cellrules did not expect), kept as that file's result.

    Whatever goes wrong while loading, evaluating or rendering one file must not cost
    the results of the others, so the exception becomes this value: the file is
    reported as an `error`, its exception type is shown with -v and the traceback
    with --debug.
    """

    def __init__(self, message: str = INTERNAL_ERROR, location: Location | None = None, hint: str = "",
                 exception_type: str = "", traceback: str = ""):
        super().__init__(message, location, hint)
        self.exception_type = exception_type
        self.traceback = traceback

    @classmethod
    def of(cls, exception: BaseException, path: str) -> InternalError:
        import traceback

        return cls(INTERNAL_ERROR, Location(path), "please report it with this file (-v shows the exception type, "
                   "--debug its traceback)", type(exception).__name__,
                   "".join(traceback.format_exception(type(exception), exception, exception.__traceback__)))

    def verbose(self) -> InternalError:
        """The same error, its message naming the exception type (for -v)."""
        shown = f"{INTERNAL_ERROR} ({self.exception_type})" if self.exception_type else self.message
        return InternalError(shown, self.location, self.hint, self.exception_type, self.traceback)


def did_you_mean(word: str, candidates: Iterable[str], *, describe=None, owner=None) -> str:
    """A hint naming the closest candidates, or '' when nothing is close.

    `describe` maps a candidate to the text shown for it, so an alias can be
    shown with the entry it belongs to ("LLZO (Li7La3Zr2O12)"); `owner` maps
    it to that entry, so three aliases of one entry are suggested once.
    """
    pool = sorted(set(candidates))
    lowered = {c.casefold(): c for c in pool}
    shown, owners = [], set()
    for close in difflib.get_close_matches(word.casefold(), list(lowered), n=12, cutoff=0.6):
        candidate = lowered[close]
        key = owner(candidate) if owner else candidate
        if key not in owners and len(shown) < 3:
            owners.add(key)
            shown.append(describe(candidate) if describe else candidate)
    return "did you mean " + " or ".join(shown) + "?" if shown else ""


class ManyErrors(CellrulesError):
    """Several problems found in one pass; `problems` holds each, in file order."""

    def __init__(self, problems: list[CellrulesError]):
        first = problems[0]
        super().__init__(first.message, first.location, first.hint)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
