"""Writing a report file by file: each result rendered and written as soon as it is final (issue 14).

Every format is a `Document`: the text before the first file (`head`), each file's part (`part`,
a function of that file's result and of nothing the document must keep), and the text after
the last (`tail`, where a summary goes). So memory is bounded by the results in flight, not by
the number of files, and the bytes equal those of the whole document rendered at once.

A result the format fails on becomes its file's internal error, rendered in its place: one
file never costs the report of the others. A document whose head depends on every file (JUnit's
totals) says so with `head_last`; its parts are then spooled to a temporary file, not kept.
"""
from __future__ import annotations

import shutil
import tempfile
from typing import Protocol


class Document(Protocol):
    head_last: bool

    def head(self) -> str: ...

    def part(self, result) -> str: ...

    def tail(self) -> str: ...


def stream_document(results, document: Document, write, shown=lambda result: result) -> list:
    """Write `document` over `results` (in the order given), each part as soon as its result arrives.

    `shown(result)` is the result as the user sees it (-v names an internal error's type).
    Returns the results as shown, each reduced to what the exit code and --debug read.
    """
    from cellrules.engine.evaluate import internal_error_result

    seen = []
    spool = tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogateescape") if document.head_last else None
    out = spool.write if spool is not None else write
    try:
        if spool is None:
            _written(write, document.head())
        for result in results:
            result = shown(result)
            try:
                text = document.part(result)
            except Exception as error:  # noqa: BLE001 - this result breaks the format: report it as its file's error
                result = shown(internal_error_result(result.path, error))
                text = document.part(result)
            _written(out, text)
            seen.append(result if result.status == "error" else Brief(result.path, result.status))
        if spool is not None:
            _written(write, document.head())
            spool.seek(0)
            shutil.copyfileobj(spool, _Writer(write))
        _written(write, document.tail())
    finally:
        if spool is not None:
            spool.close()
    return seen


def _written(write, text: str) -> None:
    if text:
        write(text)


class _Writer:
    """A file-like object over a write function, for shutil.copyfileobj."""

    def __init__(self, write):
        self.write = write


class Brief:
    """What the exit code reads of a file without errors: its path and status."""

    __slots__ = ("path", "status", "errors")

    def __init__(self, path: str, status: str):
        self.path, self.status, self.errors = path, status, ()


class JsonList:
    """A JSON document whose last list is written item by item: the document rendered with that list empty
    (`empty`, as json.dumps(indent=2) writes it) gives the text around the items and their indentation."""

    def __init__(self, empty: str):
        at = empty.rindex("[]")     # the streamed list is the document's last value: its last empty list
        self._head, self._rest = empty[:at + 1], empty[at + 2:]
        outer = empty[empty.rindex("\n", 0, at) + 1:at]
        self._outer = outer[:len(outer) - len(outer.lstrip(" "))]
        self.indent = self._outer + "  "
        self._first = True

    def head(self) -> str:
        return self._head

    def item(self, text: str) -> str:
        """`text`: one item as json.dumps(indent=2) writes it at the item's depth (see safe.indented_json)."""
        separator = "\n" if self._first else ",\n"
        self._first = False
        return separator + self.indent + text

    def tail(self) -> str:
        return ("]" if self._first else "\n" + self._outer + "]") + self._rest
