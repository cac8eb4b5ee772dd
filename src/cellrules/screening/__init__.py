"""Design-space screening: every candidate of a space checked by the whole rule set, as columns.

    import cellrules.screening as screening
    result = screening.screen("space.toml", "results.parquet", jobs=2)
    result.statuses            # {"pass": ..., "incomplete": ..., "fail": ...}
    screening.count("space.toml")
    print(screening.materialize("space.toml", 1234))   # one candidate as a spec `check` reads

Needs the `screen` extra (numpy, pyarrow; dask.distributed for scale-out):
`pip install 'cellrules[screen]'`. docs/screening.md describes the space file.
"""
from __future__ import annotations

import time

import attrs

from cellrules.errors import UsageError

EXTRA_HINT = "install the screen extra: pip install 'cellrules[screen]'"


def require_extra() -> None:
    """numpy and pyarrow, or a usage error naming the extra that brings them (the core install lacks them)."""
    missing = []
    for module in ("numpy", "pyarrow"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise UsageError(f"cellrules screen needs {' and '.join(missing)}, which the core install leaves out",
                         hint=EXTRA_HINT)


@attrs.frozen
class ScreenResult:
    """What a screen found: candidates evaluated, counts by status, and the summaries asked for."""

    candidates: int
    statuses: dict
    seconds: float
    output: str | None = None
    table: object = None          # every row as a pyarrow.Table, when no output file was given
    top: object = None            # the best rows as a pyarrow.Table (top=K)
    front: tuple = ()             # (row, candidates sharing its objective values) of the Pareto front
    heat_map: object = None       # summaries.HeatMap

    def _repr_html_(self) -> str:
        from html import escape
        cells = "".join(f"<td>{escape(k)}</td><td>{v:,}</td>" for k, v in self.statuses.items())
        return (f"<p>{self.candidates:,} candidates screened in {self.seconds:.1f} s</p>"
                f"<table><tr>{cells}</tr></table>")


def load_job(space, rules=(), chunk_size: int | None = None):
    """A prepared job for `space` (a path) with the built-in rules plus `rules` directories."""
    require_extra()
    from cellrules.cli.load import load_ruleset
    from cellrules.screening.job import DEFAULT_CHUNK, prepare

    if chunk_size is not None and chunk_size < 1:
        raise UsageError("the chunk size must be at least 1")
    return prepare(str(space), load_ruleset(tuple(str(r) for r in rules)), chunk_size or DEFAULT_CHUNK)


def count(space, rules=()) -> int:
    """The number of candidates of `space` left after its exclude conditions."""
    from cellrules.screening.run import count as count_job
    return count_job(load_job(space, rules))


def materialize(space, candidate: int, rules=()) -> str:
    """Candidate `candidate` of `space` as the text of a spec that `cellrules check` reads."""
    from cellrules.screening.candidate import materialize_text
    return materialize_text(load_job(space, rules), candidate)


def screen(space, output=None, *, jobs: int = 1, scheduler: str = "local", address: str | None = None,
           rules=(), chunk_size: int | None = None, top: int = 0, rank: str | None = None,
           pareto: str | None = None, heat_map: tuple[str, str] | None = None, progress: bool = False,
           job=None) -> ScreenResult:
    """Screen every candidate of `space`; rows go to `output` (.parquet, .csv, .jsonl) or, without one,
    into `result.table` (for spaces that fit in memory)."""
    from cellrules.screening import summaries
    from cellrules.screening.output import open_sink
    from cellrules.screening.run import Progress, batches

    job = job or load_job(space, rules, chunk_size)
    keepers = []
    top_rows = summaries.Top(top, summaries.parse_objectives(rank or ",".join(summaries.DEFAULT_RANK), job, "--rank"),
                             job) if top else None
    front = summaries.Front(summaries.parse_objectives(pareto, job, "--pareto"), job) if pareto else None
    heat = summaries.HeatMap(heat_map[0], heat_map[1], job) if heat_map else None
    keepers = [k for k in (top_rows, front, heat) if k is not None]
    sink = open_sink(str(output), _schema(job)) if output is not None else None
    kept = [] if output is None else None
    statuses = dict.fromkeys(("pass", "incomplete", "fail"), 0)
    meter = Progress(job.size) if progress else None
    started = time.perf_counter()
    rows = 0
    try:
        for batch in batches(job, jobs, scheduler, address):
            rows += batch.num_rows
            for code, n in zip(*_status_counts(batch)):
                statuses[code] += n
            if sink is not None:
                sink.write(batch)
            else:
                kept.append(batch)
            for keeper in keepers:
                keeper.add(batch)
            if meter is not None:
                meter.advance(min(job.chunk_size, job.size - meter.done))
        if sink is not None:
            sink.close()
    except BaseException:
        if sink is not None:
            sink.abandon()
        raise
    finally:
        if meter is not None:
            meter.finish()
    table = None
    if kept is not None:
        import pyarrow as pa
        table = pa.Table.from_batches(kept, schema=_schema(job))
    return ScreenResult(rows, statuses, time.perf_counter() - started, str(output) if output is not None else None,
                        table, top_rows.rows if top_rows else None, tuple(front.entries()) if front else (), heat)


def _schema(job):
    from cellrules.screening.chunk import runner_for
    return runner_for(job).schema


def _status_counts(batch):
    import numpy as np
    column = batch.column("status")
    counts = np.bincount(column.indices.to_numpy(zero_copy_only=False), minlength=len(column.dictionary))
    return column.dictionary.to_pylist(), counts.tolist()
