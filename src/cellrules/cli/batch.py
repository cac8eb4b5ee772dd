"""Checking many specs: in worker processes when it pays, with a progress bar on a terminal.

A design repository may hold hundreds of specs. Evaluation is pure CPU work
in Python, so threads would not help; worker processes each load the rule set
from the pickle cache (engine/cache.py: milliseconds, no Lark, no networkx) and
check their share. Results come back in the order of the input, stripped of the
resolved value tables the check formats never read, so `--jobs N` prints
byte-identical output to `--jobs 1`.
"""
from __future__ import annotations

import os
import sys

import attrs

from cellrules.engine.evaluate import CheckOptions, check_file

PROGRESS_MIN_FILES = 20
# Below this many files per worker, starting processes costs more than it saves.
_MIN_FILES_PER_WORKER = 4


@attrs.frozen
class Task:
    path: str
    rules_dirs: tuple[str, ...]
    options: CheckOptions
    source: bytes | None = None    # the spec's bytes when they came from standard input (`check -`)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def check_all(tasks: list[Task], rulesets: dict, jobs: int, stream=sys.stderr) -> list:
    """FileResults in task order; `rulesets` maps each task's rules_dirs to its loaded RuleSet."""
    return list(iter_results(tasks, rulesets, jobs, stream))


def iter_results(tasks: list[Task], rulesets: dict, jobs: int, stream=sys.stderr):
    """Each FileResult in task order as soon as it and all before it are final (output streams from this)."""
    progress = Progress(stream, len(tasks))
    workers = min(jobs, len(tasks) // _MIN_FILES_PER_WORKER)
    try:
        if workers <= 1:
            for task in tasks:
                result = check_file(rulesets[task.rules_dirs], task.path, task.options, task.source)
                progress.advance(1)
                yield result
            return
        yield from _in_processes(tasks, rulesets, workers, progress)
    finally:
        progress.close()


def _in_processes(tasks: list[Task], rulesets: dict, workers: int, progress: Progress):
    # Several chunks per worker keep every worker busy to the end and the bar moving. Chunks are
    # submitted a bounded window ahead of the one being yielded, so memory is bounded by work in flight.
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing costs ~20 ms of a one-file start

    size = max(1, min(64, len(tasks) // (workers * 4)))
    chunks = iter([tasks[i:i + size] for i in range(0, len(tasks), size)])
    window = deque()
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(sorted(rulesets),))
    try:
        for chunk in chunks:
            window.append((chunk, pool.submit(_check_chunk, chunk)))
            if len(window) >= workers * 4:
                break
        while window:
            chunk, future = window.popleft()
            try:
                done = future.result()
            except KeyboardInterrupt:
                raise
            except Exception:  # noqa: BLE001 - a worker died or a result did not cross: check this chunk here
                done = [_portable(check_file(rulesets[t.rules_dirs], t.path, t.options, t.source)) for t in chunk]
            following = next(chunks, None)
            if following is not None:
                window.append((following, pool.submit(_check_chunk, following)))
            progress.advance(len(done))
            yield from done
    except (KeyboardInterrupt, GeneratorExit):  # Ctrl-C or output closed: drop the queued chunks
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


_WORKER_RULESETS: dict = {}


def _start_worker(rules_dirs: list) -> None:
    """Load the rule sets; leave Ctrl-C to the parent.

    A terminal sends SIGINT to every process of the foreground group: each worker
    would print a KeyboardInterrupt traceback while the parent reports the
    interruption once and exits 130.
    """
    import signal

    from cellrules.cli.load import load_ruleset

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    for dirs in rules_dirs:
        _WORKER_RULESETS[dirs] = load_ruleset(dirs)


def _check_chunk(chunk: list[Task]) -> list:
    return [_portable(check_file(_WORKER_RULESETS[t.rules_dirs], t.path, t.options, t.source)) for t in chunk]


def _portable(result):
    """What the check formats read, without the spec, value tables and knowledge entries behind them."""
    return attrs.evolve(result, spec=None, resolved=None, values=())


class Progress:
    """`[#####.....] 120/400 specs` on stderr, redrawn in place; silent unless stderr is a terminal and the batch large."""

    WIDTH = 30

    def __init__(self, stream, total: int):
        self.stream = stream
        self.total = total
        self.done = 0
        self.shown = -1
        self.enabled = total >= PROGRESS_MIN_FILES and _is_terminal(stream)

    def advance(self, count: int) -> None:
        self.done += count
        if not self.enabled:
            return
        filled = self.WIDTH * self.done // self.total
        if filled == self.shown and self.done != self.total:
            return
        self.shown = filled
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} specs")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.shown >= 0:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
