"""Columns of rule values for many candidates at once: numpy arrays with a known mask.

The row-wise evaluator holds one value per slot, None when unknown. Here a
slot holds one array per candidate row and a boolean `known` array beside it,
so three-valued logic becomes mask arithmetic:

- `Values`: numbers (float64), booleans (bool) or strings (int32 codes into a
  vocabulary, so `==` and `in` compare integers);
- `Items`: a list per row (strings, or records), padded to the longest list of
  the column, with a `present` mask saying which positions hold an item;
- `Record`: the fields of one record, each itself a column.

Lists and records keep the row axis first and the list position second, so
"the k-th item of every row" is `a[:, k]` for every array of the column, at
any depth. Only numpy is needed here; the rule compiler is compile_columns.py.
"""
from __future__ import annotations

import attrs
import numpy as np

from cellrules.cellspec import fields as F


@attrs.frozen(eq=False)
class Values:
    value: np.ndarray    # float64 numbers, bool, or int32 string codes
    known: np.ndarray    # bool, the shape of `value`


@attrs.frozen(eq=False)
class Items:
    items: object        # Values or Record whose arrays have the list position as axis 1
    present: np.ndarray  # bool (rows, width): which positions hold an item
    known: np.ndarray    # bool (rows,): whether the list itself is known


@attrs.frozen(eq=False)
class Record:
    fields: tuple        # one column per field of the record type, in F.RECORD_FIELDS order


def map_arrays(column, function):
    """`column` with `function` applied to every array it holds (take rows, slice a position, ...)."""
    if isinstance(column, Values):
        return Values(function(column.value), function(column.known))
    if isinstance(column, Items):
        return Items(map_arrays(column.items, function), function(column.present), function(column.known))
    return Record(tuple(map_arrays(f, function) for f in column.fields))


def map_known(column, function):
    """`column` with `function` applied to the `known` mask of every value it holds (not to list positions)."""
    if isinstance(column, Values):
        return Values(column.value, function(column.known))
    if isinstance(column, Items):
        return Items(column.items, column.present, function(column.known))
    return Record(tuple(map_known(f, function) for f in column.fields))


def take(column, rows: np.ndarray):
    """The rows `rows` of `column` (a gather: how a chunk reads a material's table)."""
    return map_arrays(column, lambda a: a.take(rows, axis=0))


def position(column: Items, k: int):
    """The k-th item of every row's list (the quantifier's variable at step k)."""
    return map_arrays(column.items, lambda a: a[:, k])


def width(column: Items) -> int:
    return column.present.shape[1]


def broadcast(column, rows: int):
    """A one-row column repeated for `rows` rows, without copying."""
    return map_arrays(column, lambda a: np.broadcast_to(a[:1], (rows, *a.shape[1:])))


def stack(columns: list):
    """Columns of one kind as the positions of a new list axis (axis 1); lists are padded to one width."""
    first = columns[0]
    if isinstance(first, Items):
        wide = max(width(c) for c in columns)
        padded = [pad(c, wide) for c in columns]
        return Items(stack([c.items for c in padded]), np.stack([c.present for c in padded], axis=1),
                     np.stack([c.known for c in padded], axis=1))
    if isinstance(first, Record):
        return Record(tuple(stack([c.fields[i] for c in columns]) for i in range(len(first.fields))))
    rows = max(np.shape(c.value)[0] for c in columns)
    return Values(np.stack([np.broadcast_to(c.value, (rows, *np.shape(c.value)[1:])) for c in columns], axis=1),
                  np.stack([np.broadcast_to(c.known, (rows, *np.shape(c.known)[1:])) for c in columns], axis=1))


def select(mask: np.ndarray, chosen, other):
    """Row by row, `chosen` where `mask` holds, else `other` (two columns of one kind; lists are padded)."""
    if isinstance(chosen, Items):
        wide = max(width(chosen), width(other))
        chosen, other = pad(chosen, wide), pad(other, wide)
        return Items(select(mask, chosen.items, other.items), _pick(mask, chosen.present, other.present),
                     _pick(mask, chosen.known, other.known))
    if isinstance(chosen, Record):
        return Record(tuple(select(mask, a, b) for a, b in zip(chosen.fields, other.fields)))
    return Values(_pick(mask, chosen.value, other.value), _pick(mask, chosen.known, other.known))


def _pick(mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    shape = mask.shape + (1,) * (max(a.ndim, b.ndim) - mask.ndim)
    return np.where(mask.reshape(shape), a, b)


def pad(column: Items, wide: int) -> Items:
    """A list column widened to `wide` positions, the new ones holding no item."""
    extra = wide - width(column)
    if extra <= 0:
        return column

    def widen(a):
        padding = np.zeros((a.shape[0], extra, *a.shape[2:]), dtype=a.dtype)
        return np.concatenate([a, padding], axis=1)
    return Items(map_arrays(column.items, widen), widen(column.present), column.known)


def constant(value, rows: int) -> Values:
    return Values(np.broadcast_to(np.asarray(value), (rows,)), np.broadcast_to(np.True_, (rows,)))


class Vocabulary:
    """Strings <-> int32 codes; codes are given in first-seen order, so the same inputs give the same codes."""

    def __init__(self, words=()):
        self.words: list[str] = []
        self._codes: dict[str, int] = {}
        for word in words:
            self.code(word)

    def code(self, word: str) -> int:
        found = self._codes.get(word)
        if found is None:
            found = self._codes[word] = len(self.words)
            self.words.append(word)
        return found

    def copy(self) -> Vocabulary:
        return Vocabulary(self.words)


def from_python(kind: str, values: list, vocabulary: Vocabulary, record: str = ""):
    """A column from row-wise values (None = unknown) of one field kind, as the resolver writes them."""
    rows = len(values)
    known = np.array([v is not None for v in values], dtype=bool)
    if kind in (F.QUANTITY, F.POTENTIAL, F.NUMBER):
        return Values(np.array([0.0 if v is None else float(v) for v in values], dtype=np.float64), known)
    if kind == F.BOOL:
        return Values(np.array([bool(v) if v is not None else False for v in values], dtype=bool), known)
    if kind == F.STRING:
        return Values(np.array([vocabulary.code(v) if v is not None else -1 for v in values], dtype=np.int32), known)
    lists = [v if v is not None else () for v in values]
    longest = max((len(v) for v in lists), default=0)
    present = np.zeros((rows, longest), dtype=bool)
    for i, items in enumerate(lists):
        present[i, :len(items)] = True
    if kind == F.STRINGS:
        codes = np.full((rows, longest), -1, dtype=np.int32)
        for i, items in enumerate(lists):
            codes[i, :len(items)] = [vocabulary.code(word) for word in items]
        return Items(Values(codes, present.copy()), present, known)
    if kind == F.RECORDS:
        fields = []
        for position_in_record, field in enumerate(F.RECORD_FIELDS[record]):
            flat = [items[k][position_in_record] if k < len(items) else None for items in lists for k in range(longest)]
            column = from_python(field.kind, flat, vocabulary, field.record)
            fields.append(map_arrays(column, lambda a: a.reshape((rows, longest, *a.shape[1:]))))
        return Items(Record(tuple(fields)), present, known)
    raise ValueError(f"no column kind for {kind!r}")


def to_python(column, row: int, vocabulary: Vocabulary):
    """One row of a column as the row-wise evaluator would hold it (tests compare the two backends with it)."""
    if isinstance(column, Values):
        if not column.known[row]:
            return None
        value = column.value[row]
        if column.value.dtype == np.int32:
            return vocabulary.words[int(value)]
        return bool(value) if column.value.dtype == bool else float(value)
    if isinstance(column, Items):
        if not column.known[row]:
            return None
        count = int(column.present[row].sum())
        return tuple(_item(column.items, row, k, vocabulary) for k in range(count))
    raise ValueError("a record is read through its list")


def _item(items, row: int, k: int, vocabulary: Vocabulary):
    sliced = map_arrays(items, lambda a: a[:, k])
    if isinstance(sliced, Record):
        return tuple(to_python(f, row, vocabulary) for f in sliced.fields)
    return to_python(sliced, row, vocabulary)
