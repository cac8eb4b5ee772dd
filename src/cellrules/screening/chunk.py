"""One chunk of candidates -> one Arrow record batch of result rows.

A chunk is a range of candidate ids. Each id is decoded into its index along
every dimension, the column program runs over those rows (gathering from the
component tables and from results computed once per process), the exclude
conditions drop rows, and the outcomes become a row each: status, counts by
severity, failing rules and failure modes (a failed refinement hides the
failure it refines, as `check` reports one root cause once), key derived values.
"""
from __future__ import annotations

import attrs
import numpy as np
import pyarrow as pa

from cellrules.language.compile import FAIL, SKIPPED, UNKNOWN, UNKNOWN_GUARD
from cellrules.language.compile_columns import Evaluator, compile_columns

STATUSES = ("pass", "incomplete", "fail")
# Failing rule ids and failure modes are one string a row, sorted and joined: a screen has few distinct
# failure sets, so a dictionary of them is small, and Parquet writes it 8x faster than a list column.
SEPARATOR = ";"
SEVERITIES = ("error", "warning", "info")
_RUNNERS: dict[str, ChunkRunner] = {}


def runner_for(job) -> ChunkRunner:
    """This process's runner of `job`, compiled on first use (a worker runs many chunks of one job)."""
    key = job.digest
    if key not in _RUNNERS:
        _RUNNERS.clear()  # one job at a time: a worker that moved on frees the last one's static results
        _RUNNERS[key] = ChunkRunner(job)
    return _RUNNERS[key]


def run_chunk(job, start: int, stop: int) -> pa.RecordBatch:
    return runner_for(job).batch(start, stop)


@attrs.frozen
class Dictionaries:
    """The dictionary of every dictionary-encoded column: fixed per job, so every batch has one schema."""

    dimensions: tuple[pa.Array, ...]
    status: pa.Array
    rules: pa.Array
    modes: pa.Array
    rules_hash: pa.Array
    knowledge_hash: pa.Array


class ChunkRunner:
    def __init__(self, job):
        self.job = job
        inputs = job.inputs
        self.program = compile_columns(job.checked, job.scale, inputs.layout, inputs.vocabulary.copy())
        self.evaluator = Evaluator(self.program, inputs.inputs)
        assert self.program.rule_ids == tuple(r.id for r in job.rules), "the row-wise and column orders differ"
        self.sizes = np.array(job.space.sizes, dtype=np.int64)
        self.strides = np.array([int(np.prod(self.sizes[i + 1:])) for i in range(len(self.sizes))], dtype=np.int64)
        rules = job.rules
        self.by_id = np.argsort(np.array([r.id for r in rules]), kind="stable")   # failing lists sorted by id
        self.severity = {s: np.array([i for i, r in enumerate(rules) if r.severity == s], dtype=np.int64)
                         for s in SEVERITIES}
        modes = sorted({r.failure_mode for r in rules})
        self.mode_rules = [np.array([i for i, r in enumerate(rules) if r.failure_mode == m], dtype=np.int64)
                           for m in modes]
        self.dictionaries = Dictionaries(
            tuple(pa.array([c.label for c in d.choices], type=pa.string()) for d in job.space.dimensions),
            pa.array(STATUSES), pa.array([rules[i].id for i in self.by_id]), pa.array(modes),
            pa.array([job.rules_hash]), pa.array([job.knowledge_hash]))
        self.schema = schema(job, self.dictionaries)
        self._patterns = None

    def indexes(self, ids: np.ndarray) -> list[np.ndarray]:
        """Each candidate's index along every dimension (ids ascending)."""
        if len(ids) and ids[-1] - ids[0] == len(ids) - 1:
            return [_runs(int(ids[0]), len(ids), int(stride), int(size)) for stride, size in zip(self.strides, self.sizes)]
        return [(ids // stride) % size for stride, size in zip(self.strides, self.sizes)]

    def batch(self, start: int, stop: int) -> pa.RecordBatch:
        return self.batch_of(np.arange(start, stop, dtype=np.int64))

    def batch_of(self, ids: np.ndarray) -> pa.RecordBatch:
        """The rows of these candidate ids (ascending), less the excluded ones."""
        ids, indexes = self.kept(ids)
        frame = self.evaluator.frame(dict(enumerate(indexes)), len(ids))
        inverse, outcomes = self.patterns.distinct(frame)
        with np.errstate(all="ignore"):
            values = {name: frame.eval(self.program.derives[name]) for _, name, _ in self.job.values}
        return self.rows(ids, indexes, inverse, outcomes, values)

    def outcomes(self, ids: np.ndarray) -> np.ndarray:
        """Every rule's outcome (rows, rules) for these candidate ids, as the result rows are built from."""
        indexes = self.indexes(ids)
        inverse, outcomes = self.patterns.distinct(self.evaluator.frame(dict(enumerate(indexes)), len(ids)))
        return outcomes[inverse]

    @property
    def patterns(self):
        if self._patterns is None:
            from cellrules.screening.patterns import OutcomePatterns
            self._patterns = OutcomePatterns(self.program, self.evaluator)
        return self._patterns

    def kept(self, ids: np.ndarray):
        indexes = self.indexes(ids)
        if self.job.space.excludes:
            kept = ~self.excluded(indexes, len(ids))
            if not kept.all():
                ids = ids[kept]
                indexes = [i[kept] for i in indexes]
        return ids, indexes

    def excluded(self, indexes, count: int) -> np.ndarray:
        frame = self.evaluator.frame(dict(enumerate(indexes)), count)
        out = np.zeros(count, dtype=bool)
        with np.errstate(all="ignore"):
            for exclude in self.job.space.excludes:
                condition = frame.eval(self.program.derives[exclude.name])
                out |= condition.known & condition.value  # an unknown condition excludes nothing
        return out

    def summaries(self, outcomes: np.ndarray):
        """Status, counts and failing lists of distinct outcome vectors (rows of `outcomes`)."""
        failed = outcomes == FAIL
        hidden = np.zeros_like(failed)
        for i, j in self.job.hides:   # one cause, one finding: a failed refinement or superseding rule explains j
            hidden[:, j] |= failed[:, i]
        shown = failed & ~hidden
        counts = {s: np.count_nonzero(shown[:, cols], axis=1).astype(np.int32) for s, cols in self.severity.items()}
        undecided = ((outcomes == UNKNOWN) | (outcomes == UNKNOWN_GUARD) | (outcomes == SKIPPED)) & ~hidden
        incomplete = undecided[:, self.severity["error"]].any(axis=1)
        status = np.where(counts["error"] > 0, 2, np.where(incomplete, 1, 0)).astype(np.int8)
        needs = np.count_nonzero(undecided, axis=1).astype(np.int32)
        modes = np.stack([shown[:, cols].any(axis=1) for cols in self.mode_rules], axis=1) if self.mode_rules \
            else np.zeros((len(outcomes), 0), dtype=bool)
        d = self.dictionaries
        return status, counts, needs, _lists(shown[:, self.by_id], d.rules), _lists(modes, d.modes)

    def rows(self, ids, indexes, inverse, outcomes: np.ndarray, values: dict) -> pa.RecordBatch:
        count = len(ids)
        status, counts, needs, failing, modes = self.summaries(outcomes)
        d = self.dictionaries
        arrays = [pa.array(ids, type=pa.int64())]
        arrays += [pa.DictionaryArray.from_arrays(pa.array(i.astype(index_type(len(labels)).to_pandas_dtype())), labels)
                   for i, labels in zip(indexes, d.dimensions)]
        arrays.append(pa.DictionaryArray.from_arrays(pa.array(status[inverse]), d.status))
        arrays += [pa.array(counts[s][inverse].astype(np.int16)) for s in SEVERITIES]
        arrays.append(pa.array(needs[inverse].astype(np.int16)))
        arrays += [_expand(failing, inverse), _expand(modes, inverse)]
        for _, name, factor in self.job.values:
            column = values[name]
            value = np.asarray(column.value, dtype=np.float64)
            arrays.append(pa.array(value * factor if factor != 1.0 else value, type=pa.float64(),
                                   mask=~np.asarray(column.known, dtype=bool)))
        zeros = pa.array(np.zeros(count, dtype=np.int8))
        arrays.append(pa.DictionaryArray.from_arrays(zeros, d.rules_hash))
        arrays.append(pa.DictionaryArray.from_arrays(zeros, d.knowledge_hash))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


def _runs(start: int, count: int, stride: int, size: int) -> np.ndarray:
    """(id // stride) % size for the ids start .. start+count-1: runs of `stride` equal indexes, no division."""
    first, last = start // stride, (start + count - 1) // stride
    lengths = np.full(last - first + 1, stride, dtype=np.int64)
    lengths[0] -= start - first * stride
    lengths[-1] -= (last + 1) * stride - (start + count)
    return np.repeat(np.arange(first, last + 1, dtype=np.int64) % size, lengths)


def _lists(matrix: np.ndarray, labels: pa.Array) -> pa.Array:
    """Row r's labels of the columns set in matrix[r], in column order, joined by ';' ('' for none)."""
    import pyarrow.compute as pc

    rows, cols = np.nonzero(matrix)
    offsets = np.zeros(matrix.shape[0] + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=matrix.shape[0]), out=offsets[1:])
    values = labels.take(pa.array(cols.astype(np.int32)))
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), values), SEPARATOR).dictionary_encode()


def _expand(distinct: pa.DictionaryArray, inverse: np.ndarray) -> pa.DictionaryArray:
    """The distinct rows' dictionary column, row by row (one index gather, the dictionary kept)."""
    indices = distinct.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(indices[inverse]), distinct.dictionary)


def index_type(labels: int) -> pa.DataType:
    """The smallest signed index type for a dictionary of `labels` values (what a chunk ships is smaller)."""
    return pa.int8() if labels <= 127 else pa.int16() if labels <= 32767 else pa.int32()


def schema(job, dictionaries: Dictionaries) -> pa.Schema:
    label = pa.dictionary(pa.int32(), pa.string())
    fields = [pa.field("id", pa.int64(), nullable=False)]
    fields += [pa.field(d.name, pa.dictionary(index_type(len(d.choices)), pa.string()), nullable=False)
               for d in job.space.dimensions]
    fields += [pa.field("status", pa.dictionary(pa.int8(), pa.string()), nullable=False)]
    fields += [pa.field(f"{s}s", pa.int16(), nullable=False) for s in SEVERITIES]
    fields += [pa.field("needs_data", pa.int16(), nullable=False)]
    fields += [pa.field("failing_rules", label, nullable=False), pa.field("failure_modes", label, nullable=False)]
    fields += [pa.field(column, pa.float64()) for column, _, _ in job.values]
    fields += [pa.field("rules_hash", pa.dictionary(pa.int8(), pa.string()), nullable=False),
               pa.field("knowledge_hash", pa.dictionary(pa.int8(), pa.string()), nullable=False)]
    return pa.schema(fields)
