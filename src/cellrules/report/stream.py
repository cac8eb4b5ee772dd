"""Writing a report file by file: each result rendered and written as soon as it is final (issue 14).

Every format is a `Document` in two halves. `render(result)` is a pure function of one
file's result giving plain data (text, or the few values a format must see across files),
so it runs where the result was made, in a worker process with `--jobs N`: only that piece
crosses back, never the result, and the rendering is shared out like the checking. `add`
then takes each piece, in input order, and gives the text to write now; `head` and `tail`
are the text around the files (the summary goes in the tail). Memory is bounded by the
pieces in flight, not by the number of files, and the bytes equal those of the whole
document rendered at once.

A result the format fails on becomes its file's internal error, rendered in its place
(`rendered`): one file never costs the report of the others. A document whose head
depends on every file (JUnit's totals) says so with `head_last`; its parts are then
spooled to a temporary file, not kept.
"""
from __future__ import annotations

import shutil
import tempfile
from typing import Protocol

import attrs


class Document(Protocol):
    head_last: bool

    def render(self, result): ...

    def add(self, item: Rendered) -> str: ...

    def head(self) -> str: ...

    def tail(self) -> str: ...


@attrs.frozen
class Rendered:
    """One file's result as a document rendered it: what the exit code and --debug read, and its piece."""

    path: str
    status: str
    piece: object
    errors: tuple = ()     # an error result's errors (internal errors carry their traceback)


def rendered(document: Document, result, shown=None) -> Rendered:
    """`result` rendered by `document`; a result it fails on is rendered as its file's internal error.

    `shown(result)`: the result as the user sees it (-v names an internal error's type).
    """
    result = shown(result) if shown is not None else result
    try:
        piece = document.render(result)
    except Exception as error:  # noqa: BLE001 - this result breaks the format: report it as its file's error
        from cellrules.engine.evaluate import internal_error_result

        result = internal_error_result(result.path, error)
        result = shown(result) if shown is not None else result
        piece = document.render(result)
    return Rendered(result.path, result.status, piece, result.errors if result.status == "error" else ())


@attrs.frozen
class Renderer:
    """`rendered` with its document and `shown`, as one value a worker process can be given (pickled)."""

    document: object
    shown: object = None

    def __call__(self, result) -> Rendered:
        return rendered(self.document, result, self.shown)

    @property
    def cache_key(self) -> str | None:
        """What the document's pieces depend on besides the result, when they may be cached (None: not)."""
        return getattr(self.document, "cache_key", None)


def stream_document(items, document: Document, write) -> list[Rendered]:
    """Write `document` over `items` (Rendered, in the order given), each part as soon as it arrives.

    Returns the items without their pieces, for the exit code and --debug.
    """
    seen = []
    spool = tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogateescape") if document.head_last else None
    out = spool.write if spool is not None else write
    try:
        if spool is None:
            _written(write, document.head())
        for item in items:
            _written(out, document.add(item))
            seen.append(attrs.evolve(item, piece=None))
        if spool is not None:
            _written(write, document.head())
            spool.seek(0)
            shutil.copyfileobj(spool, _Writer(write))
        _written(write, document.tail())
    finally:
        if spool is not None:
            spool.close()
    return seen


def render_whole(document: Document, results) -> str:
    """The whole document over `results` (sorted by path here), as one string: for the API and tests."""
    parts: list[str] = []
    stream_document((rendered(document, r) for r in sorted(results, key=lambda r: r.path)), document, parts.append)
    return "".join(parts)


def _written(write, text: str) -> None:
    if text:
        write(text)


class _Writer:
    """A file-like object over a write function, for shutil.copyfileobj."""

    def __init__(self, write):
        self.write = write


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
