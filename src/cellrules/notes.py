"""Diagnostics that are neither findings nor errors: what cellrules skipped, rebuilt or ignored, and why.

A check must never lose a result silently, yet some events do not change any
result: a FIFO skipped during discovery, a cache entry that failed its signature
and was rebuilt, a cache directory refused because another user owns it. They
go here instead of into the output formats (which stay a pure function of the
results) and the command line prints them on stderr: `notice` notes always,
`detail` notes only with `-v`. Each note is a plain value, so collecting them
costs nothing when nobody prints them.
"""
from __future__ import annotations

import sys

import attrs

NOTICE, DETAIL = "notice", "detail"


@attrs.frozen
class Note:
    message: str
    path: str = ""            # the file or folder it is about, as the user named it
    level: str = NOTICE       # NOTICE: printed always; DETAIL: printed with -v only

    def __str__(self) -> str:
        from cellrules.report.safe import shown_path, text_line

        where = f"{shown_path(self.path)}: " if self.path else ""
        return f"{where}note: {text_line(self.message)}"


class Notes:
    """The notes of one run, in the order they happened, each once."""

    def __init__(self):
        self._notes: dict[Note, None] = {}

    def add(self, message: str, path: str = "", level: str = NOTICE) -> None:
        self._notes.setdefault(Note(message, str(path), level), None)

    def detail(self, message: str, path: str = "") -> None:
        self.add(message, path, DETAIL)

    def drain(self) -> list[Note]:
        notes = list(self._notes)
        self._notes.clear()
        return notes

    def print(self, verbose: bool, stream=None) -> None:
        stream = stream or sys.stderr
        for note in self.drain():
            if note.level == NOTICE or verbose:
                stream.write(f"{note}\n")


# The run's notes. A module-level collector because notes arise deep in discovery and caching,
# whose callers (workers, explain, tests) should not all have to thread a collector through.
NOTES = Notes()
