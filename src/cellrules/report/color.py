"""Colour for the text format on a terminal: severities stand out, the summary is bold.

Colour is added to finished text output rather than woven into the text
renderer, so the text format stays one plain, greppable contract (cli.md) and
colour is a layer that the command line adds only on a terminal.
"""
from __future__ import annotations

import re

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
_SEVERITY = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
_FINDING = re.compile(r"^(?P<where>.+?:\d+:\d+:) (?P<severity>error|warning|info) (?P<rest>.*)$")
_SUMMARY = re.compile(r"^\d+ files?: \d+ pass, ")


def colorize(text: str) -> str:
    return "".join(_line(line) for line in text.splitlines(keepends=True))


def _line(line: str) -> str:
    body = line.rstrip("\n")
    newline = line[len(body):]
    match = _FINDING.match(body)
    if match:
        severity = match.group("severity")
        return (f"{BOLD}{match.group('where')}{RESET} {_SEVERITY[severity]}{severity}{RESET} "
                f"{match.group('rest')}{newline}")
    if _SUMMARY.match(body):
        return f"{BOLD}{body}{RESET}{newline}"
    return line


def wanted(choice: str, is_terminal: bool, environ) -> bool:
    """Never with NO_COLOR set or `--color never` (cli.md); `always` also colours a pipe (e.g. into `less -R`)."""
    if choice == "never" or environ.get("NO_COLOR"):
        return False
    return choice == "always" or is_terminal
