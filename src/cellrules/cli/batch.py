"""Checking many specs: in worker processes when it pays, with a progress bar on a terminal.

A design repository may hold hundreds of specs. Evaluation is pure CPU work
in Python, so threads would not help; worker processes each load the rule set
from the pickle cache (engine/cache.py: milliseconds, no Lark, no networkx) and
check their share in chunks, a bounded window of chunks ahead. Each worker also
renders its results for the output format (report/stream.py), so only the
rendered pieces cross back, in the order of the input: `--jobs N` prints
byte-identical output to `--jobs 1`. With the result cache, a file checked before
with the same bytes, rules and options is not checked again.
"""
from __future__ import annotations

import os
import sys

import attrs

from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.fileio import read_regular
from cellrules.notes import NOTES
from cellrules.report.stream import Rendered
from cellrules.tomlfile import MAX_BYTES

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


@attrs.define
class CacheCounts:
    """How many results a run took from the result cache, of how many (for the -v note)."""

    cached: int = 0
    total: int = 0


def iter_results(tasks: list[Task], rulesets: dict, jobs: int, stream=sys.stderr, cache: bool = False,
                 counts: CacheCounts | None = None, render=None):
    """Each FileResult in task order as soon as it and all before it are final (output streams from this).

    With `cache`, a file whose bytes, rule set and options were checked before takes its result from
    the result cache (engine/result_cache.py); `counts` then says how many did. With `render` (a
    report/stream.Renderer), what it makes of each result is yielded instead, made where the result
    was: in the workers, so they share the rendering too and only the rendered piece crosses back.
    """
    progress = Progress(stream, len(tasks))
    counts = CacheCounts() if counts is None else counts
    keys = ruleset_keys(rulesets) if cache else None
    workers = min(jobs, len(tasks) // _MIN_FILES_PER_WORKER)
    try:
        if workers <= 1:
            results = _ResultSource(keys, render)
            for task in tasks:
                result, cached = results.check(task, rulesets[task.rules_dirs])
                counts.cached += cached
                counts.total += 1
                progress.advance(1)
                yield result
            return
        yield from _in_processes(tasks, rulesets, workers, progress, keys, counts, render)
    finally:
        progress.close()


def ruleset_keys(rulesets: dict) -> dict:
    """Each rule set's content key (engine/cache.py), by its rules_dirs, for the result cache's keys."""
    from cellrules.engine.cache import ruleset_key
    from cellrules.resources import builtin_rules_dir

    return {dirs: ruleset_key([builtin_rules_dir(), *dirs]) for dirs in rulesets}


class _ResultSource:
    """Checks a task, through the result cache when there is one; reads each spec once either way.

    With `render`, each result is rendered here; when the format's pieces can be cached
    (`render.cache_key`), an unchanged file's piece comes straight from the cache, neither
    checked nor rendered again (a re-run then costs little more than reading the files).
    """

    def __init__(self, keys: dict | None, render=None):
        from cellrules.engine.result_cache import open_result_cache

        self.cache = open_result_cache(keys) if keys is not None else None
        self.render = render
        self.document_key = render.cache_key if render is not None else None

    def check(self, task: Task, ruleset) -> tuple:
        """(the FileResult, or its Rendered piece with `render`; whether it came from the cache)."""
        data, key = self._key(task)
        entry = self.cache.get(key) if key is not None else None
        if entry is not None and self.document_key in entry.pieces:
            status, piece = entry.pieces[self.document_key]
            return Rendered(task.path, status, piece), True
        result = self.cache.result(entry) if entry is not None else None
        if result is None:
            entry, result = None, check_file(ruleset, task.path, task.options, data)
        item = self.render(result) if self.render is not None else result
        if key is not None:
            pieces = dict(entry.pieces) if entry is not None else {}
            if self.document_key is not None and item.status != "error":  # errors carry exceptions: rendered afresh
                pieces[self.document_key] = [item.status, item.piece]
            if entry is None or pieces != entry.pieces:
                self.cache.put(key, result, pieces)
        return item, entry is not None

    def _key(self, task: Task) -> tuple[bytes | None, str | None]:
        """The spec's bytes, read once for the key and the check, and its key; (source, None) uncached."""
        if self.cache is None:
            return task.source, None
        data = task.source
        if data is None:
            try:
                data = read_regular(task.path, MAX_BYTES)
            except OSError:  # the loader reports why, uncached
                return None, None
        return data, self.cache.key(task.rules_dirs, task.path, task.options, data)


def _in_processes(tasks: list[Task], rulesets: dict, workers: int, progress: Progress, keys, counts: CacheCounts,
                  render):
    # Several chunks per worker keep every worker busy to the end and the bar moving. Chunks are
    # submitted a bounded window ahead of the one being yielded, so memory is bounded by work in flight.
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing costs ~20 ms of a one-file start

    size = max(1, min(64, len(tasks) // (workers * 4)))
    chunks = iter([tasks[i:i + size] for i in range(0, len(tasks), size)])
    window = deque()
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                               initargs=(sorted(rulesets), keys, render))
    try:
        for chunk in chunks:
            window.append((chunk, pool.submit(_check_chunk, chunk)))
            if len(window) >= workers * 4:
                break
        while window:
            chunk, future = window.popleft()
            try:
                done, cached, notes = future.result()
            except KeyboardInterrupt:
                raise
            except Exception:  # noqa: BLE001 - a worker died or a result did not cross: check this chunk here
                local = _ResultSource(None, render)
                done = [local.check(t, rulesets[t.rules_dirs])[0] for t in chunk]
                done = done if render is not None else [_portable(r) for r in done]
                cached, notes = 0, []
            for note in notes:    # what the workers' caches rejected or evicted, for -v
                NOTES.add(note.message, note.path, note.level)
            following = next(chunks, None)
            if following is not None:
                window.append((following, pool.submit(_check_chunk, following)))
            progress.advance(len(done))
            counts.cached += cached
            counts.total += len(done)
            yield from done
    except (KeyboardInterrupt, GeneratorExit):  # Ctrl-C or output closed: drop the queued chunks
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


_WORKER_RULESETS: dict = {}
_WORKER: dict = {}   # "source": the worker's _ResultSource


def _start_worker(rules_dirs: list, keys: dict | None, render) -> None:
    """Load the rule sets and open the result cache; leave Ctrl-C to the parent.

    A terminal sends SIGINT to every process of the foreground group: each worker
    would print a KeyboardInterrupt traceback while the parent reports the
    interruption once and exits 130.
    """
    import signal

    from cellrules.cli.load import load_ruleset

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    for dirs in rules_dirs:
        _WORKER_RULESETS[dirs] = load_ruleset(dirs)
    _WORKER["source"] = _ResultSource(keys, render)


def _check_chunk(chunk: list[Task]) -> tuple[list, int, list]:
    """The chunk's results (or what `render` made of them), how many came from the cache, and the notes made
    meanwhile."""
    source, results, cached = _WORKER["source"], [], 0
    for task in chunk:
        result, hit = source.check(task, _WORKER_RULESETS[task.rules_dirs])
        results.append(result if source.render is not None else _portable(result))
        cached += hit
    return results, cached, NOTES.drain()


def _portable(result):
    """A result as it crosses back from a worker without `render`: without the spec, value tables and knowledge
    entries behind it, which no check format reads."""
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
