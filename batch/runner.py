"""Run a batch: stream the sources, skip what the output already holds, review the rest on every core, record each
result as it comes, and tally the whole batch for the summary and the exit code.

Streaming and bounded: messages are read one at a time and sent to the workers in chunks, with at most a few
chunks per worker in flight, so memory stays flat however large the archive (only the keys already recorded are
kept, to skip them). The rules engine runs in processes (it is CPU-bound Python); an engine that waits on a model
server runs in `concurrency` threads. A file of one message is read by the worker that reviews it (the parent only
lists the folders); containers (mbox, JSONL, CSV) and stdin are read by the parent. Results, failures included,
are written in input order, chunk by chunk.

Ctrl-C stops reading, lets nothing half-written through (a chunk is recorded whole or not at all, see
`batch.sinks`), and exits 130; the same command then carries on where it stopped.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from batch.sinks import JsonlSink, Sink
from reviewer.batch import Record, Result, prepare, record_from_item, refused_result, review_record
from reviewer.config import Settings
from reviewer.errors import EngineError, ExitCode, InputError
from reviewer.hook import ExitPolicy, Outcome
from reviewer.sources import ReadOptions, Refused, Unread, iter_work

CHUNK = 32
"""Messages per task: large enough to make a process hop cheap, small enough to lose little on a kill."""


@dataclass
class Tally:
    """What the batch holds so far: this run's work and what earlier runs recorded."""

    reviewed: int = 0
    failed: int = 0
    skipped: int = 0
    """Already recorded by an earlier run (or named twice), so not reviewed again."""
    cached: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    error_codes: Counter[int] = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    started: float = field(default_factory=time.monotonic)

    def add(self, result: Result, *, earlier: bool = False) -> None:
        if result["status"] == "failed":
            self.error_codes[int(result.get("exit_code") or ExitCode.USAGE)] += 1
            if not earlier:
                self.failed += 1
            return
        if result.get("verdict"):
            self.verdicts[str(result["verdict"])] += 1
        if earlier:
            return
        self.reviewed += 1
        self.cached += bool(result.get("cached"))
        self.prompt_tokens += int(result.get("prompt_tokens") or 0)
        self.completion_tokens += int(result.get("completion_tokens") or 0)
        self.cost_usd += float(result.get("cost_usd") or 0.0)

    @property
    def done(self) -> int:
        return self.reviewed + self.failed

    def outcomes(self) -> Iterator[Outcome]:
        """One outcome per distinct kind, which is all `ExitPolicy.run_exit_code` needs (a running maximum)."""
        yield from self.verdicts  # type: ignore[misc]
        for code in self.error_codes:
            yield EngineError("failed") if code == ExitCode.ENGINE else InputError("failed")

    def exit_code(self, policy: ExitPolicy) -> ExitCode:
        return policy.run_exit_code(self.outcomes())


@dataclass(frozen=True)
class Unreadable:
    """A source found unreadable while the sources were walked (a bad JSONL line, a missing file): its failed
    result, sent on in its chunk so that every failure is recorded in input order, wherever it was found."""

    result: Result


Work = Record | Unread | Unreadable
"""What a chunk holds: a message's record, a file of one message that the worker reads itself, or a refusal."""


def review_work(work: Iterable[Work], settings: Settings, options: ReadOptions, *, rewrite: bool) -> list[Result]:
    """`reviewer.batch.review_records` over a chunk's work, one result each, in order. A file is read here, in the
    worker, into its record (`record_from_item`) or, unreadable, its failed result (`refused_result`): the same
    result as when the parent read it, while the parent, which shares the cores with the workers, only lists the
    folders and writes. A refusal found while walking the sources is its own result.

    Every file of the chunk is read before the first review, as the parent did: reading and reviewing in turn,
    message by message, cost more time for fewer instructions (each evicting the other's code and data from the
    processor's caches)."""
    read = [_read_work(piece, options) for piece in work]
    return [done if done is not None else review_record(record, settings, rewrite=rewrite) for record, done in read]


def _read_work(piece: Work, options: ReadOptions) -> tuple[Record, Result | None]:
    """A piece of work as (its record, None), or ({}, its result) when it has one without a review (a refusal)."""
    if isinstance(piece, Unreadable):
        return {}, piece.result
    if isinstance(piece, Unread):
        item = piece.read(options)
        return ({}, refused_result(item)) if isinstance(item, Refused) else (record_from_item(item), None)
    return piece, None


_WORKER: tuple[Settings, ReadOptions, bool] | None = None
"""What this worker reviews with: the settings, how files are read, and whether results carry the rewrite."""


def _init_worker(settings: Settings, options: ReadOptions, rewrite: bool, parent: int | None) -> None:
    """Set a worker up once: the reviewer is built here, before the first chunk (in a forked process it is the
    parent's, already built). A worker process leaves Ctrl-C to the parent, which stops the batch cleanly; it only
    reviews, and it ends when the parent does, even by `kill -9` (which no parent can clean up after)."""
    global _WORKER
    _WORKER = (settings, options, rewrite)
    prepare(settings, rewrite=rewrite)
    if parent is not None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        threading.Thread(target=_end_with_parent, args=(parent,), daemon=True).start()


def _end_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def _review_chunk(work: list[Work]) -> list[Result]:
    assert _WORKER is not None
    settings, options, rewrite = _WORKER
    return review_work(work, settings, options, rewrite=rewrite)


TALLIED = ("status", "exit_code", "verdict", "cached", "prompt_tokens", "completion_tokens", "cost_usd")
"""What `Tally.add` reads of a result."""


def _review_chunk_encoded(work: list[Work]) -> list[tuple[Result, str]]:
    """The chunk's results as JSON Lines, each with what the tally needs: the worker encodes, and the parent,
    which also reads the sources for both workers, only writes (a line pickles far cheaper than a result)."""
    return [({k: r[k] for k in TALLIED if k in r}, JsonlSink.encode(r)) for r in _review_chunk(work)]


def default_jobs(settings: Settings) -> int:
    return max(1, os.cpu_count() or 1) if settings.engine == "rules" else max(1, settings.concurrency)


def _executor(settings: Settings, options: ReadOptions, jobs: int, rewrite: bool) -> Executor | None:
    """Processes for the rules engine (CPU-bound Python), threads for an engine that waits on a server. Either
    way the reviewer is built here first (rubric, engine, HTTP client, tokenizer), so that forked workers inherit
    it and threads share it instead of each building their own on a first call."""
    if jobs <= 1:
        return None
    prepare(settings, rewrite=rewrite)
    if settings.engine == "rules":
        return ProcessPoolExecutor(
            max_workers=jobs, initializer=_init_worker, initargs=(settings, options, rewrite, os.getpid())
        )
    return ThreadPoolExecutor(
        max_workers=jobs, initializer=_init_worker, initargs=(settings, options, rewrite, None)
    )


def _chunks(records: Iterable[Work], size: int) -> Iterator[list[Work]]:
    chunk: list[Work] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _finished(sink: Sink, tally: Tally) -> set[str]:
    """The keys earlier runs finished (reviewed, or refused as unreadable: trying again would not help), counted
    into `tally`. Messages the engine failed on (a server down, a timeout) are not finished: this run retries them."""
    finished: dict[str, Result] = {}
    for result in sink.recorded():
        key = str(result["key"])
        if result["status"] == "failed" and result.get("stage") == "review":
            continue
        if key not in finished or result["status"] == "reviewed":
            finished[key] = result
    for result in finished.values():
        tally.add(result, earlier=True)
    return set(finished)


def run_batch(
    sources: list[str],
    options: ReadOptions,
    settings: Settings,
    sink: Sink,
    *,
    jobs: int,
    rewrite: bool = False,
    on_progress: Callable[[Tally], None] = lambda tally: None,
) -> Tally:
    """Review every message of `sources` not yet in `sink`; returns the tally of the whole batch. With `rewrite`,
    each result also holds the suggested rewrite (`reviewer.batch.reviewed_result`)."""
    tally = Tally()
    seen = _finished(sink, tally)

    def fresh_work() -> Iterator[Work]:
        for item in iter_work(sources, options):
            found: Work
            if isinstance(item, Unread):
                # Its key is its name, as its record's or its refusal's will be (`record_from_item`).
                found, key = item, item.where
            elif isinstance(item, Refused):
                found = Unreadable(refused_result(item))
                key = str(found.result["key"])
            else:
                found = record_from_item(item)
                key = str(found["key"])
            if key in seen:
                tally.skipped += 1
                continue
            seen.add(key)
            yield found

    def record(results: list[Result]) -> None:
        sink.write(results)
        for result in results:
            tally.add(result)
        on_progress(tally)

    chunk_size = CHUNK if settings.engine == "rules" else 1
    work = fresh_work()
    executor = _executor(settings, options, jobs, rewrite)
    if executor is None:
        for chunk in _chunks(work, chunk_size):
            record(review_work(chunk, settings, options, rewrite=rewrite))
        return tally
    window: deque[Future[Any]] = deque()
    chunks = _chunks(work, chunk_size)
    if isinstance(executor, ThreadPoolExecutor):
        # The first review alone, in this thread: the engine's lazy imports and clients are then ready, instead
        # of every thread loading them at once on its first call.
        first = next(chunks, None)
        if first is not None:
            record(review_work(first, settings, options, rewrite=rewrite))
    if isinstance(executor, ProcessPoolExecutor) and isinstance(sink, JsonlSink):
        task: Callable[[list[Work]], Any] = _review_chunk_encoded
        jsonl = sink

        def record_encoded(encoded: list[tuple[Result, str]]) -> None:
            jsonl.write_encoded([(summary["status"], line) for summary, line in encoded])
            for summary, _ in encoded:
                tally.add(summary)
            on_progress(tally)

        finish: Callable[[Any], None] = record_encoded
    else:
        task, finish = _review_chunk, record
    stopped_early = False
    try:
        for chunk in chunks:
            window.append(executor.submit(task, chunk))
            while len(window) >= jobs * 2 or (window and window[0].done()):
                finish(window.popleft().result())
        while window:
            finish(window.popleft().result())
    except BaseException:  # Ctrl-C, or an output that can no longer be written
        stopped_early = True
        raise
    finally:
        for future in window:
            future.cancel()
        # Stopped early: let the workers go without waiting for them (they only review, and the parent has written
        # every result it received); on Ctrl-C `candor batch` then ends the process at once (`batch.cli`).
        executor.shutdown(wait=not stopped_early, cancel_futures=True)
    return tally
