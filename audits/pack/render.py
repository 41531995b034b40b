"""Rendering unit documents in parallel worker processes.

The workers come from a fork server that imported WeasyPrint once, so each
worker starts in milliseconds with WeasyPrint loaded, and inherits neither
the database connections nor the Flask state of the process that asks
(unlike a plain fork of a web or job process). Units are shared out in one
batch of equal weight per worker (more for a very large pack), each batch laid
out as one document and split by page (see :func:`audits.pack.worker.render_batch`); the
pack's other pieces (the cover, the page-number pieces, the contents) go to the
same workers, so the calling process never imports WeasyPrint itself: the fork
server has, while the pack was being gathered. Each worker has
an address-space ceiling; the whole render has a deadline, after which the
workers are killed. In a daemon process (which may not have children), with
no workers configured, or when the body has little to render (a repeat pack after a small change),
everything renders in this process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent import futures
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Self

from audits.pack import worker

log = logging.getLogger(__name__)


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


# Below this much HTML to render (a repeat pack after a small change), everything renders in the calling
# process: importing WeasyPrint there costs less than the fork server's start (WeasyPrint and a warm-up document).
SMALL_JOBS = 15_000
# Below this much (a pack of up to about 40 pages) everything renders in the calling process too when the
# machine has no core to spare: workers then only add CPU time of their own (the fork server's start, each
# batch's styles and font subsets), 1.5-1.7 times the serial render's for a 28-page pack, and share the
# same cores. With a core idle, they finish sooner than one process would.
SERIAL_JOBS = 120_000
# Each document has fixed costs (styles computed afresh for every document, font subsets, about half a
# CPU second for a pack's body), which outweigh evening out the workers' loads with smaller batches: one
# batch per worker, shared out by weight, finished within a few tenths of a second of each other when measured.
BATCHES_PER_WORKER = 1
# ... but no batch above this weight (about 200 pages of checklist tables), to bound a worker's memory.
MAX_BATCH_WEIGHT = 600_000


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([worker.__name__, f"{__package__}.warm"])
    return context


def _start_fork_server() -> None:
    from multiprocessing import forkserver

    _context()
    # The instance's method where there is one, not the module's alias of it: a job's process may use its
    # worker's fork server (see :func:`_share_fork_server_with_children`), which replaces the instance's.
    server = getattr(forkserver, "_forkserver", None)
    (server.ensure_running if server is not None else forkserver.ensure_running)()


def may_use_workers(workers: int) -> bool:
    return workers > 0 and not multiprocessing.current_process().daemon


def warm_up(workers: int) -> None:
    """Start the fork server now, so that it imports WeasyPrint while this process gathers the pack; only
    with a core to spare: otherwise its start (about 0.75 CPU seconds) competes with the gathering, and the pack
    may not need it at all (nothing changed, a small change, a small pack: see :func:`renders_here`).
    The pool starts it when the workers are needed."""
    if may_use_workers(workers) and not cores_busy():
        _start_fork_server()


# The process that started the fork server kept between packs (see :func:`keep_warm`), when one did.
_fork_server_owner: int | None = None


def keep_warm(workers: int) -> None:
    """Make this long-lived process (a job worker, which forks one process per job) ready for the packs of
    every job forked from it: WeasyPrint imported, its fonts loaded and one small document laid out here (a pack
    small enough to render in the job's own process starts with them), and the render workers' fork server
    started once and kept running between packs (a pack that uses workers forks them warm at once).

    Where this Python's fork server cannot be shared (see :func:`_shareable_fork_server`), none is started
    here: each job's process starts one of its own when its pack needs workers, slower but correct."""
    global _fork_server_owner
    if may_use_workers(workers):
        server = _shareable_fork_server()
        if server is None:
            log.info("the render workers' fork server is not kept between packs: this Python's cannot be shared")
        else:
            _start_fork_server()
            _fork_server_owner = os.getpid()
            _share_fork_server_with_children(server)
    worker.warm()


# The parts of the standard library's fork server (private, as in Python 3.11 to 3.13) that sharing it with
# forked processes relies on.
_FORK_SERVER_PARTS = ("_forkserver_pid", "_forkserver_address", "_forkserver_alive_fd", "ensure_running")


def _shareable_fork_server():
    """The standard library's fork server object, when it has every part :func:`_share_fork_server_with_children`
    uses; None when another Python version has them no more (or under other names)."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    if server is None or not all(hasattr(server, part) for part in _FORK_SERVER_PARTS):
        return None
    return server


def _share_fork_server_with_children(server) -> None:
    """Let the processes forked from this one use its fork server (``server``, see :func:`_shareable_fork_server`).

    The standard library asks whether its fork server still runs by waiting for it as a child
    (``waitpid``), which only the process that started it may do: a job's process, forked from the
    worker that started it, would fail there. Its processes ask whether it is still there instead, and
    start a fork server of their own only when it is gone.
    """
    from multiprocessing import resource_tracker

    if getattr(server, "_dealerqms_shared", False):
        return
    own_check = type(server).ensure_running

    def ensure_running() -> None:
        pid = server._forkserver_pid
        if pid is not None and os.getpid() != _fork_server_owner:
            if _still_running(pid):
                resource_tracker.ensure_running()
                return
            # Gone (a zombie of the worker, which alone may reap it): this process starts one of its own.
            os.close(server._forkserver_alive_fd)
            server._forkserver_pid = server._forkserver_address = server._forkserver_alive_fd = None
        own_check(server)

    server.ensure_running = ensure_running
    server._dealerqms_shared = True


def _still_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def load_average() -> float:
    """Processes running or waiting for a core, over the last minute (0 where the system does not say)."""
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return 0.0


def cores_busy() -> bool:
    """Whether every core this process may use is taken already (by it and by others)."""
    return load_average() >= default_workers()


def renders_here(weight: int) -> bool:
    """Whether ``weight`` worth of units renders in the calling process rather than in workers."""
    return weight < SMALL_JOBS or (weight < SERIAL_JOBS and cores_busy())


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
        self._submitting: threading.Thread | None = None
        self.in_process: bool | None = None  # decided by the first submit: how much there is to render
        self.weight = 0  # of the first submit's jobs
        self._submit_error: BaseException | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if self._submitting is not None:
            self._submitting.join()
        if self.executor is None:
            return
        if error is not None:
            # Running renders are not cancellable; the workers are killed so that nothing goes on in the background.
            for process in list(getattr(self.executor, "_processes", {}).values()):
                process.kill()
            # A worker killed while sending its result leaves half a message in the result pipe. This
            # process holds a write end of that pipe too, so the pool's manager thread would wait for the
            # rest forever (and with it the interpreter's exit); with it closed, the thread reads EOF and
            # winds the broken pool up.
            writer = getattr(getattr(self.executor, "_result_queue", None), "_writer", None)
            if writer is not None:
                writer.close()
        self.executor.shutdown(wait=error is None, cancel_futures=True)

    def submit(self, jobs: list[Job], *, background: bool = False) -> None:
        """Start rendering ``jobs`` without waiting for them: one batch per worker (see BATCHES_PER_WORKER),
        so that a document's fixed costs are paid once per worker rather than per unit.

        Starting a worker waits until the fork server has imported WeasyPrint (a second or so after
        :func:`warm_up`); with ``background`` the jobs are handed over from a thread, so that this process
        goes on with its own work meanwhile (the thread is joined by the next submit or wait)."""
        self._join()
        if self.in_process is None:
            self.weight = sum(job.weight for job in jobs)
            self.in_process = renders_here(self.weight)
        if not jobs:
            return
        if self._pool() is None:
            self.queued += jobs
            return
        count = max(BATCHES_PER_WORKER * self.workers, -(-sum(job.weight for job in jobs) // MAX_BATCH_WEIGHT))
        shared = batches(jobs, count)
        if background:
            self._submitting = threading.Thread(target=self._hand_over, args=(shared,), daemon=True)
            self._submitting.start()
        else:
            self._hand_over(shared)

    @property
    def here(self) -> bool:
        """Whether this process renders everything itself (known after the first :meth:`submit`)."""
        return bool(self.in_process) or not may_use_workers(self.workers)

    def _pool(self) -> futures.ProcessPoolExecutor | None:
        """The worker pool, started on first use; None where this process renders everything itself."""
        if self.executor is None and may_use_workers(self.workers) and not self.in_process:
            # Workers are forked from the fork server :func:`warm_up` started: it has imported WeasyPrint
            # meanwhile, so even one small unit costs a fork, not an import.
            # One more worker than batches of the body: the pack's small documents (cover, margins,
            # page-number pieces, contents draft) render beside the body instead of after it.
            self.executor = futures.ProcessPoolExecutor(
                max_workers=self.workers + 1,
                mp_context=_context(),
                initializer=worker.start_worker,
                initargs=(self.memory_limit_mb, os.getpgid(0)),
            )
        return self.executor

    def call(self, function: Callable, *args) -> futures.Future:
        """``function(*args)`` (a function of :mod:`audits.pack.worker`) in a worker, or here without workers;
        :meth:`outcome` waits for it."""
        pool = self._pool()
        if pool is not None:
            return pool.submit(function, *args)
        self.check()
        done: futures.Future = futures.Future()
        done.set_result(function(*args))
        return done

    def outcome(self, future: futures.Future, label: str):
        """What a :meth:`call` returned, within the deadline."""
        left = self.deadline - time.monotonic()
        if left <= 0 and not future.done():
            raise RenderFailed(f"rendering took longer than the limit of {self.timeout:g} seconds")
        try:
            return future.result(timeout=max(left, 0))
        except futures.TimeoutError:
            raise RenderFailed(f"rendering took longer than the limit of {self.timeout:g} seconds") from None
        except BrokenProcessPool:
            raise RenderFailed(f"a render worker died while rendering {label} (over its memory limit?)") from None
        except MemoryError:
            raise RenderFailed(f"{label} needs more memory than a render worker may use") from None

    def render_now(self, jobs: list[Job], done: Callable[[Rendered, Job], None]) -> None:
        """Render ``jobs`` (one batch each prefix) and wait for just them."""
        self._join()
        pool = self._pool()
        for batch in batches(jobs, 1):
            by_key = {job.key: job for job in batch}
            if pool is None:
                self.check()
                finished = results(worker.render_batch(*_render_batch(batch)))
            else:
                label = ", ".join(job.label for job in batch)[:200]
                finished = results(self.outcome(pool.submit(worker.render_batch, *_render_batch(batch)), label))
            for result in finished:
                done(result, by_key[result.key])

    def _hand_over(self, shared: list[list[Job]]) -> None:
        try:
            for batch in shared:
                future = self.executor.submit(worker.render_batch, *_render_batch(batch))
                self.pending[future] = batch
        except Exception as error:  # noqa: BLE001 - raised again in the thread that waits
            self._submit_error = error

    def _join(self) -> None:
        if self._submitting is not None:
            self._submitting.join()
            self._submitting = None
        if self._submit_error is not None:
            error, self._submit_error = self._submit_error, None
            raise error

    def take_queued(self) -> list[Job]:
        """The jobs submitted to render in this process and not rendered yet, which the caller renders itself."""
        self._join()
        queued, self.queued = self.queued, []
        return queued

    def check(self) -> None:
        """Stop (RenderFailed) once the deadline has passed: renders in this process count against it too."""
        if time.monotonic() > self.deadline:
            raise RenderFailed(f"rendering took longer than the limit of {self.timeout:g} seconds")

    def wait(self, done: Callable[[Rendered, Job], None]) -> None:
        """Call ``done`` in this process for every submitted job as it finishes."""
        self._join()
        queued, self.queued = self.queued, []
        for batch in batches(queued, 1):
            by_key = {job.key: job for job in batch}
            for result in results(worker.render_batch(*_render_batch(batch))):
                done(result, by_key[result.key])
        while self.pending:
            # Past the deadline is over the limit even when results are waiting (this process was busy).
            left = self.deadline - time.monotonic()
            ready = (
                futures.wait(self.pending, timeout=left, return_when=futures.FIRST_COMPLETED)[0] if left > 0 else set()
            )
            if not ready:
                raise RenderFailed(f"rendering took longer than the limit of {self.timeout:g} seconds")
            for future in ready:
                self._finish(future, done)

    def collect(self, done: Callable[[Rendered, Job], None]) -> None:
        """Call ``done`` for the submitted jobs the workers have finished by now, without waiting: the
        pack's progress moves while this process does its own share, not only when it waits at the end."""
        if self._submitting is not None and self._submitting.is_alive():
            return  # the hand-over thread is still filling ``pending``
        self._join()
        for future in [future for future in self.pending if future.done()]:
            self._finish(future, done)

    def _finish(self, future: futures.Future, done: Callable[[Rendered, Job], None]) -> None:
        batch = self.pending.pop(future)
        finished = results(self.outcome(future, ", ".join(job.label for job in batch)[:200]))
        by_key = {job.key: job for job in batch}
        for result in finished:
            done(result, by_key[result.key])
