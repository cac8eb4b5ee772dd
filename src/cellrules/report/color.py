"""Colour for the text format on a terminal: severities stand out, the summary is bold.

Colour is added to finished text output rather than woven into the text
renderer, so the text format stays one plain, greppable contract (cli.md) and
colour is a layer that the command line adds only on a terminal.
"""
from __future__ import annotations

import re

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
# Severities stand out; missing data (needs-data) is marked, but not in a severity's colour.
_SEVERITY = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m", "needs-data": "\x1b[35m"}
_FINDING = re.compile(r"^(?P<where>.+?:\d+:\d+:) (?P<severity>error|warning|info|needs-data): (?P<rest>.*)$")
_SUMMARY = re.compile(r"^\d+ files?: \d+ pass, ")


def colorize(text: str) -> str:
    return "".join(_line(line) for line in text.splitlines(keepends=True))


def _line(line: str) -> str:
    body = line.rstrip("\n")
    newline = line[len(body):]
    match = _FINDING.match(body)
    if match:
        severity = match.group("severity")
        return (f"{BOLD}{match.group('where')}{RESET} {_SEVERITY[severity]}{severity}:{RESET} "
                f"{match.group('rest')}{newline}")
    if _SUMMARY.match(body):
        return f"{BOLD}{body}{RESET}{newline}"
    return line


def wanted(choice: str, is_terminal: bool, environ) -> bool:
    """Whether to colour: the command line first, then the environment, then whether stdout is a terminal.

    `--color always|never` is an explicit request and wins over everything
    (no-color.org: a flag overrides NO_COLOR). With `auto`: NO_COLOR (set and
    not empty) turns colour off, FORCE_COLOR (set and not empty, force-color.org)
    turns it on even into a pipe, TERM=dumb (a terminal that shows escapes as
    text, e.g. Emacs' shell) turns it off, and otherwise a terminal gets colour.
    """
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    return is_terminal
