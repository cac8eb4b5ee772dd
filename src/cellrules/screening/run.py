"""Running a job: chunks evaluated here, in worker processes or on Dask, results consumed in id order.

Whatever runs the chunks, they come back in id order and only a bounded number
are in flight (two per worker), so memory stays a few chunks deep however
large the space, and the result file is the same bytes on every scheduler.
"""
from __future__ import annotations

import collections
import os
import sys
import time

from cellrules.errors import UsageError

SCHEDULERS = ("local", "dask")
IN_FLIGHT_PER_WORKER = 2
# Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in every worker, and any explicit value turns off
# glibc's adaptive mmap threshold: every array above 128 KiB is then mapped and unmapped anew. Measured
# (CPU per 100,000-candidate chunk in a worker): 80 ms as Dask sets it, 73 ms with only the trim
# threshold raised, 37 ms with only the mmap threshold raised, 29.5 ms with both, 27 ms in a plain process.
WORKER_MALLOC = {"MALLOC_TRIM_THRESHOLD_": str(1 << 30), "MALLOC_MMAP_THRESHOLD_": str(1 << 30)}


def batches(job, jobs: int = 1, scheduler: str = "local", address: str | None = None):
    """The result batches of every chunk of `job`, in id order."""
    if scheduler not in SCHEDULERS:
        raise UsageError(f"unknown scheduler {scheduler!r}", hint="local or dask")
    chunks = list(job.chunks())
    if scheduler == "dask":
        yield from _dask(job, chunks, jobs, address)
    elif jobs <= 1 or len(chunks) <= 1:
        from cellrules.screening.chunk import run_chunk
        for start, stop in chunks:
            yield run_chunk(job, start, stop)
    else:
        yield from _processes(job, chunks, jobs)


def _in_order(submit, chunks, depth: int):
    """Submit chunks keeping `depth` in flight; yield their results in chunk order."""
    pending = collections.deque()
    upcoming = iter(chunks)
    for start, stop in upcoming:
        pending.append(submit(start, stop))
        if len(pending) >= depth:
            break
    while pending:
        result = pending.popleft().result()
        following = next(upcoming, None)
        if following is not None:
            pending.append(submit(*following))
        yield result


_WORKER_JOB = []


def _set_job(job) -> None:
    _WORKER_JOB[:] = [job]


def _run_in_worker(start: int, stop: int):
    from cellrules.screening.chunk import run_chunk
    return run_chunk(_WORKER_JOB[0], start, stop)


def _processes(job, chunks, jobs: int):
    import concurrent.futures
    import multiprocessing

    # A fresh interpreter per worker: forking a parent that runs Arrow's thread pools is not safe.
    context = multiprocessing.get_context("forkserver" if sys.platform.startswith("linux") else "spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_set_job,
                                                initargs=(job,)) as pool:
        yield from _in_order(lambda a, b: pool.submit(_run_in_worker, a, b), chunks, jobs * IN_FLIGHT_PER_WORKER)


def _dask(job, chunks, jobs: int, address: str | None):
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--scheduler dask needs dask.distributed", hint="pip install 'cellrules[screen]'") from None
    from cellrules.screening.chunk import run_chunk

    cluster = None
    if address:
        try:
            client = Client(address)  # waits distributed.comm.timeouts.connect (DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT)
        except (OSError, TimeoutError) as error:
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {error}",
                             hint="start one with `dask scheduler` and `dask worker ADDRESS`") from None
    else:
        environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
        environ.update(WORKER_MALLOC)
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
            cluster = LocalCluster(n_workers=max(jobs, 1), threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster)
    try:
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        shipped = client.scatter(job, broadcast=True, hash=False)
        submit = lambda a, b: client.submit(run_chunk, shipped, a, b, pure=False)  # noqa: E731
        yield from _in_order(submit, chunks, workers * IN_FLIGHT_PER_WORKER)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class Progress:
    """A one-line progress bar with rate and time left, on a terminal only."""

    def __init__(self, total: int, stream=None, every: float = 0.25):
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream)
        self.done = 0
        self.started = time.perf_counter()
        self.every = every
        self.shown = 0.0

    def advance(self, count: int) -> None:
        self.done += count
        now = time.perf_counter()
        if self.enabled and (now - self.shown >= self.every or self.done >= self.total):
            self.shown = now
            self.stream.write("\r" + self.line(now) + "\x1b[K")
            self.stream.flush()

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        share = self.done / self.total if self.total else 1.0
        filled = int(share * 24)
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        return (f"[{'#' * filled}{'.' * (24 - filled)}] {self.done:,}/{self.total:,} candidates "
                f"{share:4.0%}  {_rate(rate)}/s  ETA {_clock(left)}")

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


def _rate(rate: float) -> str:
    for factor, suffix in ((1e6, " M"), (1e3, " k")):
        if rate >= factor:
            return f"{rate / factor:.1f}{suffix}"
    return f"{rate:.0f}"


def _clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def count(job) -> int:
    """Candidates left after the exclude conditions, counted on the dimensions the conditions read."""
    import numpy as np
    from cellrules.screening.chunk import runner_for
    from cellrules.language.compile_columns import Frame

    if not job.space.excludes:
        return job.size
    runner = runner_for(job)
    plans = [runner.program.derives[e.name] for e in job.space.excludes]
    dims = tuple(sorted({d for p in plans for d in p.deps}))
    sizes = [job.space.sizes[d] for d in dims]
    product = int(np.prod(sizes, dtype=np.int64)) if dims else 1
    excluded = 0
    step = max(job.chunk_size, 1)
    for start in range(0, product, step):
        flat = np.arange(start, min(start + step, product), dtype=np.int64)
        grids = np.unravel_index(flat, sizes) if dims else ()
        frame = Frame(runner.evaluator, dims, dict(zip(dims, grids)), len(flat))
        out = np.zeros(len(flat), dtype=bool)
        with np.errstate(all="ignore"):
            for plan in plans:
                condition = frame.eval(plan)
                out |= condition.known & condition.value
        excluded += int(np.count_nonzero(out))
    return job.size - excluded * (job.size // product)
