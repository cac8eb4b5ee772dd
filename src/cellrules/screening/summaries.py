"""What a screen keeps while its rows stream past: the best K, the Pareto front, a heat map.

Each takes one record batch at a time and keeps a bounded state (K rows; one
row per distinct point of the front; one cell per pair of heat-map values),
so summaries cost no more memory than the chunks they read.

Objectives are result columns: the counts (errors, warnings, infos,
needs_data), the derived values (cell_voltage_V, ...) and any varied numeric
field, written `min:NAME` or `max:NAME` (`NAME` alone minimises). An unknown
value is the worst value. A failed design is no trade-off: the Pareto front
is taken over candidates without an error failure.
"""
from __future__ import annotations

import attrs
import numpy as np
import pyarrow as pa

from cellrules.cellspec import fields as F
from cellrules.errors import UsageError
from cellrules.language import columns as C

COUNTS = ("errors", "warnings", "infos", "needs_data")
DEFAULT_RANK = ("errors", "warnings", "needs_data")
STATUS_ORDER = {"pass": 0, "incomplete": 1, "fail": 2}


@attrs.frozen
class Objective:
    name: str
    maximise: bool


def parse_objectives(text: str, job, what: str) -> tuple[Objective, ...]:
    """`min:errors,max:conductivity_S_per_cm` -> objectives; an unknown column is a usage error."""
    allowed = objective_columns(job)
    found = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        direction, _, name = part.rpartition(":")
        if direction not in ("", "min", "max"):
            raise UsageError(f"{what}: {part!r} is not min:NAME or max:NAME")
        if name not in allowed:
            from cellrules.errors import did_you_mean
            raise UsageError(f"{what}: no numeric result column {name!r}",
                             hint=did_you_mean(name, allowed) or "columns: " + ", ".join(allowed))
        found.append(Objective(name, direction == "max"))
    if not found:
        raise UsageError(f"{what} needs at least one column", hint="e.g. min:errors,max:conductivity_S_per_cm")
    return tuple(found)


def objective_columns(job) -> dict[str, object]:
    """Numeric result columns -> how to read them (a column name, or the SI values of a varied field)."""
    columns = {name: name for name in COUNTS}
    columns.update({column: column for column, _, _ in job.values})
    for index, dimension in enumerate(job.space.dimensions):
        values = numeric_values(job, index)
        if values is not None:
            columns[dimension.name] = values
    return columns


def numeric_values(job, index: int):
    """The SI value of each choice of a varied numeric field (its own table), else None."""
    field = job.space.dimensions[index].field
    slot = F.SLOT.get(field.path) if field is not None else None
    if slot is None or job.inputs.layout.slot_dims.get(slot) != (index,):
        return None
    column = job.inputs.inputs.columns[slot]
    if not isinstance(column, C.Values) or column.value.dtype != np.float64:
        return None
    return np.where(column.known, column.value, np.nan)


def objective_matrix(batch: pa.RecordBatch, objectives, job) -> np.ndarray:
    """Rows x objectives, all to be minimised; unknown values are +inf (the worst)."""
    readers = objective_columns(job)
    columns = []
    for objective in objectives:
        reader = readers[objective.name]
        if isinstance(reader, str):
            values = batch.column(reader).to_numpy(zero_copy_only=False).astype(np.float64)
        else:
            indices = batch.column(objective.name).indices.to_numpy(zero_copy_only=False)
            values = reader[indices]
        values = -values if objective.maximise else values
        columns.append(np.where(np.isnan(values), np.inf, values))
    return np.stack(columns, axis=1) if columns else np.zeros((batch.num_rows, 0))


def status_codes(batch: pa.RecordBatch) -> np.ndarray:
    column = batch.column("status")
    order = np.array([STATUS_ORDER[s] for s in column.dictionary.to_pylist()], dtype=np.int8)
    return order[column.indices.to_numpy(zero_copy_only=False)]


class Top:
    """The K best rows: by status (pass first), then the rank objectives, then id."""

    def __init__(self, count: int, objectives, job):
        self.count, self.objectives, self.job = count, objectives, job
        self.rows: pa.Table | None = None

    def add(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        table = pa.Table.from_batches([batch])
        if self.rows is not None:
            table = pa.concat_tables([self.rows, table])
        merged = table.combine_chunks().to_batches()[0]
        matrix = objective_matrix(merged, self.objectives, self.job)
        keys = [status_codes(merged).astype(np.float64), *matrix.T, merged.column("id").to_numpy().astype(np.float64)]
        order = np.lexsort(keys[::-1])[: self.count]
        self.rows = pa.Table.from_batches([merged.take(pa.array(order))])


class Front:
    """The Pareto front over the objectives, among candidates without an error failure.

    One entry per distinct point: its lowest id and how many candidates share it.
    """

    def __init__(self, objectives, job):
        self.objectives, self.job = objectives, job
        self.points = np.zeros((0, len(objectives)))
        self.ids = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros(0, dtype=np.int64)
        self.rows: dict[int, dict] = {}

    def add(self, batch: pa.RecordBatch) -> None:
        keep = status_codes(batch) < 2
        if not keep.any():
            return
        matrix = objective_matrix(batch, self.objectives, self.job)[keep]
        ids = batch.column("id").to_numpy()[keep]
        distinct, first, inverse = np.unique(matrix, axis=0, return_index=True, return_inverse=True)
        counts = np.bincount(inverse.reshape(-1), minlength=len(distinct))
        points = np.concatenate([self.points, distinct])
        point_ids = np.concatenate([self.ids, ids[first]])
        point_counts = np.concatenate([self.counts, counts])
        merged = {}
        for point, pid, n in zip(map(tuple, points), point_ids, point_counts):
            if point in merged:
                merged[point] = (min(merged[point][0], int(pid)), merged[point][1] + int(n))
            else:
                merged[point] = (int(pid), int(n))
        points = np.array(list(merged), dtype=np.float64).reshape(-1, len(self.objectives))
        front = _non_dominated(points)
        self.points = points[front]
        self.ids = np.array([merged[tuple(p)][0] for p in self.points], dtype=np.int64)
        self.counts = np.array([merged[tuple(p)][1] for p in self.points], dtype=np.int64)
        wanted = set(self.ids.tolist())
        self.rows = {i: r for i, r in self.rows.items() if i in wanted}
        index = {int(i): k for k, i in enumerate(batch.column("id").to_numpy())}
        for candidate in wanted - self.rows.keys():
            if candidate in index:
                self.rows[candidate] = batch.slice(index[candidate], 1).to_pylist()[0]

    def entries(self):
        """(row, count) of each point, by id."""
        order = np.argsort(self.ids)
        return [(self.rows[int(self.ids[k])], int(self.counts[k])) for k in order]


def _non_dominated(points: np.ndarray) -> np.ndarray:
    """Indexes of the points no other point dominates (<= everywhere, < somewhere); all minimised."""
    order = np.lexsort(points.T[::-1])
    kept: list[int] = []
    for i in order:
        p = points[i]
        if kept:
            front = points[kept]
            if np.any(np.all(front <= p, axis=1) & np.any(front < p, axis=1)):
                continue
        kept.append(i)
    return np.array(sorted(kept), dtype=np.int64)


class HeatMap:
    """Per pair of values of two varied fields: the best status over the other fields, passing/total."""

    def __init__(self, x: str, y: str, job):
        names = [d.name for d in job.space.dimensions]
        for name in (x, y):
            if name not in names:
                from cellrules.errors import did_you_mean
                raise UsageError(f"--heatmap: {name!r} is not a varied field",
                                 hint=did_you_mean(name, names) or "varied: " + ", ".join(names))
        if x == y:
            raise UsageError("--heatmap needs two different fields")
        self.x, self.y = x, y
        self.x_labels = [c.label for c in job.space.dimensions[names.index(x)].choices]
        self.y_labels = [c.label for c in job.space.dimensions[names.index(y)].choices]
        shape = (len(self.x_labels), len(self.y_labels))
        self.passing = np.zeros(shape, dtype=np.int64)
        self.total = np.zeros(shape, dtype=np.int64)
        self.best = np.full(shape, 3, dtype=np.int8)   # 3: no candidate (all excluded)

    def add(self, batch: pa.RecordBatch) -> None:
        xs = batch.column(self.x).indices.to_numpy(zero_copy_only=False).astype(np.int64)
        ys = batch.column(self.y).indices.to_numpy(zero_copy_only=False).astype(np.int64)
        status = status_codes(batch)
        cells = xs * self.total.shape[1] + ys
        size = self.total.size
        self.total += np.bincount(cells, minlength=size).reshape(self.total.shape)
        self.passing += np.bincount(cells[status == 0], minlength=size).reshape(self.total.shape)
        best = self.best.reshape(-1)
        np.minimum.at(best, cells, status)
        self.best = best.reshape(self.total.shape)
