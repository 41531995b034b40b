"""Rendering unit documents in parallel worker processes.

The workers come from a fork server that imported WeasyPrint once, so each
worker starts in milliseconds with WeasyPrint loaded, and inherits neither
the database connections nor the Flask state of the process that asks
(unlike a plain fork of a web or job process). Units are shared out in a few
batches of equal weight per worker, each batch laid out as one document and
split by page (see :func:`audits.pack.worker.render_batch`). Each worker has
an address-space ceiling; the whole render has a deadline, after which the
workers are killed. In a daemon process (which may not have children), with
no workers configured, or for a few small units, they render in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent import futures
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Self

from audits.pack import worker


class RenderFailed(RuntimeError):
    """A unit could not be rendered (one sentence for the user)."""


@dataclass
class Job:
    key: str
    prefix: str  # the document up to <body>: jobs with the same prefix can share a document
    body: str  # one element, starting on a new page, with the id ``anchor``
    anchor: str
    files: dict[str, bytes]
    media_types: dict[str, str]
    label: str

    @property
    def weight(self) -> int:
        return len(self.body) + sum(len(data) for data in self.files.values()) // 8


@dataclass
class Rendered:
    key: str
    pdf: bytes
    seconds: float
    peak_rss_kib: int
    worker: int  # pid
    cpu_seconds: float  # of that process so far


def batches(jobs: list[Job], count: int) -> list[list[Job]]:
    """``jobs`` shared out over at most ``count`` batches of about equal weight (biggest first, each to the
    lightest batch), never mixing prefixes; the heaviest batches come first."""
    found: list[list[Job]] = []
    for prefix in dict.fromkeys(job.prefix for job in jobs):
        group = sorted((job for job in jobs if job.prefix == prefix), key=lambda job: job.weight, reverse=True)
        loads = [[0, []] for _ in range(max(1, min(count, len(group))))]
        for job in group:
            lightest = min(loads, key=lambda load: load[0])
            lightest[0] += job.weight
            lightest[1].append(job)
        found += [batch for _weight, batch in sorted(loads, key=lambda load: load[0], reverse=True)]
    return found


def results(returned) -> list[Rendered]:
    parts, seconds, peak, pid, cpu = returned
    return [Rendered(key, pdf, seconds / len(parts), peak, pid, cpu) for key, pdf in parts]


def _render_batch(batch: list[Job]):
    files = {sha: data for job in batch for sha, data in job.files.items()}
    media_types = {sha: kind for job in batch for sha, kind in job.media_types.items()}
    return batch[0].prefix, [(job.key, job.anchor, job.body) for job in batch], files, media_types


# Below this much HTML, starting workers costs more than it saves.
SMALL_JOBS = 15_000
# Few enough to pay a document's fixed costs rarely, enough to even out the workers' loads at the end.
BATCHES_PER_WORKER = 2


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([worker.__name__])
    return context


def may_use_workers(workers: int) -> bool:
    return workers > 0 and not multiprocessing.current_process().daemon


def warm_up(workers: int) -> None:
    """Start the fork server now, so that it imports WeasyPrint while this process gathers the pack."""
    if may_use_workers(workers):
        from multiprocessing import forkserver

        _context()
        forkserver.ensure_running()


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class Renderer:
    """Renders batches of jobs; the worker pool is started with the first batch big enough to need it
    and lives until the ``with`` block ends (killed if it ends with an error)."""

    def __init__(self, *, workers: int, memory_limit_mb: int | None, timeout: float):
        self.workers = workers
        self.memory_limit_mb = memory_limit_mb
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.executor: futures.ProcessPoolExecutor | None = None
        self.pending: dict[futures.Future, list[Job]] = {}
        self.queued: list[Job] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if self.executor is None:
            return
        if error is not None:
            # Running renders are not cancellable; the workers are killed so that nothing goes on in the background.
            for process in list(getattr(self.executor, "_processes", {}).values()):
                process.kill()
        self.executor.shutdown(wait=error is None, cancel_futures=True)

    def submit(self, jobs: list[Job]) -> None:
        """Start rendering ``jobs`` without waiting for them: a few batches per worker, so that one
        document's fixed costs (font subsetting above all) are paid a few times rather than per unit."""
        if not jobs:
            return
        if self.executor is None and (not may_use_workers(self.workers)
                                      or sum(job.weight for job in jobs) < SMALL_JOBS):
            self.queued += jobs
            return
        if self.executor is None:
            self.executor = futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=_context(), initializer=worker.start_worker,
                initargs=(self.memory_limit_mb,))
        for batch in batches(jobs, BATCHES_PER_WORKER * self.workers):
            future = self.executor.submit(worker.render_batch, *_render_batch(batch))
            self.pending[future] = batch

    def wait(self, done: Callable[[Rendered, Job], None]) -> None:
        """Call ``done`` in this process for every submitted job as it finishes."""
        queued, self.queued = self.queued, []
        for batch in batches(queued, 1):
            by_key = {job.key: job for job in batch}
            for result in results(worker.render_batch(*_render_batch(batch))):
                done(result, by_key[result.key])
        while self.pending:
            ready, _waiting = futures.wait(self.pending, timeout=max(0.0, self.deadline - time.monotonic()),
                                           return_when=futures.FIRST_COMPLETED)
            if not ready:
                raise RenderFailed(f"rendering took longer than the limit of {self.timeout:g} seconds")
            for future in ready:
                batch = self.pending.pop(future)
                label = ", ".join(job.label for job in batch)[:200]
                try:
                    finished = results(future.result())
                except BrokenProcessPool:
                    raise RenderFailed(f"a render worker died while rendering {label} "
                                       f"(over its memory limit?)") from None
                except MemoryError:
                    raise RenderFailed(f"{label} needs more memory than a render worker may use") from None
                by_key = {job.key: job for job in batch}
                for result in finished:
                    done(result, by_key[result.key])
