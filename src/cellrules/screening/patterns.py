"""A chunk's outcomes as a few distinct outcome vectors, so rows are summarised once per vector.

A result row needs every rule's outcome only to derive its status, counts and
failing lists. Rules over a small product of dimensions (static, see
compile_columns.py) have few distinct outcome vectors on that product: the
window rules over anode x electrolyte x interlayers take a few dozen. So each
group of static rules is evaluated once over its product and its vectors are
numbered; a chunk gathers one code per group per row (not one outcome per rule),
combines the codes into a signature, and only the distinct signatures of the
chunk (hundreds, where the chunk has 100,000 rows) get their full outcome
vector rebuilt and summarised. Rules over large products are evaluated per
chunk and enter the signature as packed outcome codes.
"""
from __future__ import annotations

import attrs
import numpy as np

from cellrules.language import columns as C
from cellrules.language.compile_columns import Frame

_SPAN_LIMIT = 1 << 62
_PACK = 24                    # outcomes per packed int64 of per-chunk rules (6**24 < 2**63)


@attrs.frozen(eq=False)
class _Group:
    deps: tuple[int, ...]
    rules: np.ndarray         # rule positions
    codes: C.Values           # over the product of deps: the number of each row's outcome vector
    patterns: np.ndarray      # int8 (distinct vectors, len(rules))


class OutcomePatterns:
    def __init__(self, program, evaluator):
        self.program = program
        self.evaluator = evaluator
        self.rule_count = len(program.rules)
        static = {}
        self.dynamic = []
        for i, plan in enumerate(program.rules):
            if program.static(plan.deps):
                static.setdefault(plan.deps, []).append(i)
            else:
                self.dynamic.append(i)
        self.dynamic = np.array(self.dynamic, dtype=np.int64)
        self.groups = [self._group(deps, rules) for deps, rules in _merged(static).items()]

    def _group(self, deps, rules) -> _Group:
        frame = Frame.product(self.evaluator, deps)
        with np.errstate(all="ignore"):
            outcomes = np.stack([np.asarray(frame.eval(self.program.rules[i]).value, dtype=np.int8) for i in rules],
                                axis=1)
        patterns, codes = distinct_rows(outcomes)
        return _Group(deps, np.array(rules, dtype=np.int64), C.Values(codes, np.ones(len(codes), dtype=bool)), patterns)

    def distinct(self, frame: Frame) -> tuple[np.ndarray, np.ndarray]:
        """(inverse, outcomes): row r's outcome vector is outcomes[inverse[r]] (distinct vectors, rules)."""
        rows = frame.rows
        parts = []                                   # (codes per row, number of codes)
        for group in self.groups:
            parts.append((np.asarray(frame.gather(group.codes, group.deps).value, dtype=np.int64), len(group.patterns)))
        dynamic = np.empty((rows, len(self.dynamic)), dtype=np.int8)
        with np.errstate(all="ignore"):
            for k, i in enumerate(self.dynamic):
                dynamic[:, k] = frame.eval(self.program.rules[i]).value
        for start in range(0, len(self.dynamic), _PACK):
            packed = np.zeros(rows, dtype=np.int64)
            for k in range(start, min(start + _PACK, len(self.dynamic))):
                packed = packed * 6 + dynamic[:, k]
            parts.append((packed, 6 ** (min(start + _PACK, len(self.dynamic)) - start)))
        signature, span = np.zeros(rows, dtype=np.int64), 1
        for codes, count in parts:
            if span * count >= _SPAN_LIMIT:
                _, signature = np.unique(signature, return_inverse=True)
                signature = signature.reshape(-1).astype(np.int64)
                span = int(signature.max()) + 1 if rows else 1
            signature = signature * count + codes
            span *= count
        _, first, inverse = np.unique(signature, return_index=True, return_inverse=True)
        outcomes = np.empty((len(first), self.rule_count), dtype=np.int8)
        for group, (codes, _) in zip(self.groups, parts):
            outcomes[:, group.rules] = group.patterns[codes[first]]
        if len(self.dynamic):
            outcomes[:, self.dynamic] = dynamic[first]
        return inverse.reshape(-1), outcomes


def distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct rows, each row's number among them), like np.unique(axis=0) but by a 64-bit hash of each row.

    Sorting rows as bytes is what np.unique(axis=0) does, and it cost half a worker's start-up. The
    grouping by hash is checked row by row against its representative; a collision (never seen, but
    possible) falls back to the exact sort.
    """
    rows = matrix.shape[0]
    weights = np.random.default_rng(16).integers(1, 2 ** 63, size=matrix.shape[1], dtype=np.uint64) | np.uint64(1)
    with np.errstate(over="ignore"):
        hashes = (matrix.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64) if matrix.shape[1] else \
            np.zeros(rows, dtype=np.uint64)
        hashes ^= hashes >> np.uint64(29)
        hashes *= np.uint64(0xBF58476D1CE4E5B9)
    _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    patterns = matrix[first]
    if not np.array_equal(patterns[inverse], matrix):
        patterns, inverse = np.unique(matrix, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
    return patterns, inverse.astype(np.int32)


def _merged(groups: dict) -> dict:
    """Groups of rules by dimensions, each folded into a largest group whose dimensions contain its own."""
    keys = sorted(groups, key=lambda d: (-len(d), d))
    maximal = [d for d in keys if not any(set(d) < set(e) for e in keys)]
    merged = {d: [] for d in maximal}
    for deps in keys:
        home = next(m for m in maximal if set(deps) <= set(m))
        merged[home].extend(groups[deps])
    return {d: sorted(rules) for d, rules in merged.items()}
