"""A finding's inputs, built when something first reads them (issue 14).

Most findings' inputs are never read as Input values: the text and GitHub formats print none,
and JSON writes them from the evaluated values (`texts`), the text of a value that recurs
across files remembered by what fixes it. Building an Input for every value every finding
read, for every file, was about a tenth of a JSON check. `FindingInputs` is an immutable
sequence of Input that builds them the first time it is iterated, indexed or compared (the
Python API, SARIF, JUnit, explain, the result cache), equal to and hashed as the tuple it
stands for, and pickled as that tuple.
"""
from __future__ import annotations

from collections.abc import Sequence


class FindingInputs(Sequence):
    """The values a finding read (`slots`) that were known, then what it needs (`missing`): one Input per name.

    `context` is the evaluation (engine/evaluate.py) that knows the values, their sources and how
    each is shown; it builds the Inputs (`built_inputs`) or their texts (`input_texts`).
    """

    __slots__ = ("_context", "_slots", "_missing", "_built")

    def __init__(self, context, slots: tuple[int, ...], missing: tuple[str, ...]):
        self._context = context
        self._slots = slots
        self._missing = missing
        self._built: tuple | None = None

    def _inputs(self) -> tuple:
        if self._built is None:
            self._built = self._context.built_inputs(self._slots, self._missing)
        return self._built

    def texts(self, halves, quote, recurring: dict, per_file: dict) -> list[str]:
        """Each input's text, in order: `halves(Input)`, the text before and after its source, around
        `quote(source)`; without building the Input of a value whose text `recurring` (the caller's, across
        files) or `per_file` (the caller's, for one file) has."""
        if self._built is not None:
            return [joined(item, halves, quote) for item in self._built]
        return self._context.input_texts(self._slots, self._missing, halves, quote, recurring, per_file)

    def __len__(self) -> int:
        return len(self._inputs())

    def __getitem__(self, index):
        return self._inputs()[index]

    def __iter__(self):
        return iter(self._inputs())

    def __bool__(self) -> bool:
        return bool(self._missing) or self._context.any_known(self._slots)

    def __eq__(self, other) -> bool:
        if isinstance(other, FindingInputs):
            other = other._inputs()
        if not isinstance(other, tuple):
            return NotImplemented
        return self._inputs() == other

    def __hash__(self) -> int:
        return hash(self._inputs())

    def __repr__(self) -> str:
        return repr(self._inputs())

    def __reduce__(self):
        return tuple, (self._inputs(),)


def joined(item, halves, quote) -> str:
    """An Input's text: `halves(item)`, the text before and after its source, around `quote(item.source)`."""
    before, after = halves(item)
    return before + quote(item.source) + after
