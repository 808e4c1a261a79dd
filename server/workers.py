"""A pool of killable query worker processes.

pyoxigraph has no timeout and aggregates ignore signals, so each query runs in a worker process
(forkserver start; the worker opens its read-only store itself, after the fork). The parent waits
with a deadline, polls the worker's resident memory, kills it at the deadline or over the memory
cap, and starts a replacement. When every worker is busy past a short wait, the answer is 503.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import ctypes.util
import logging
import math
import multiprocessing as mp
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle, send_handle
from pathlib import Path

from server.evaluate import Evaluator, Job, Outcome

log = logging.getLogger("dispute_kg.workers")
PAGE = os.sysconf("SC_PAGE_SIZE")
POLL = 0.05  # seconds between memory checks while a query runs
MAX_PENDING_EXTRA = 32  # requests allowed to wait for a worker beyond one per worker
NICE_AFTER = 1.0  # seconds a query runs before its worker yields the CPU to others
NICE_LONG = 10  # the niceness of such a worker until its query ends
TRIM_AFTER = 0.02  # seconds a query must have run before its worker checks its memory
TRIM_OVER = 32 << 20  # bytes a worker may grow past its last trimmed size before a trim


def _worker_main(conn: Connection, store_path: str) -> None:
    """Child process: open the store (after the fork), then answer jobs until EOF."""
    evaluator = Evaluator(Path(store_path))
    with contextlib.suppress(Exception):
        evaluator.store()  # warm up; a missing store is reported per job
    trim = _heap_trimmer()
    floor = _own_rss()  # resident size after the last trim (the store's caches grow it)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        started = time.perf_counter()
        outcome = evaluator.run(job)
        conn.send(outcome)
        if outcome.spool is not None:  # the file itself follows its size
            send_handle(conn, outcome.spool.fd, os.getppid())
            outcome.spool.close()
        del outcome
        # only a query that ran a while can have grown the heap by much; reading /proc after
        # every small query would cost more than the query
        if time.perf_counter() - started > TRIM_AFTER and _own_rss() > floor + TRIM_OVER:
            trim()
            floor = _own_rss()


def _own_rss() -> int:
    """This process's resident memory in bytes."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * PAGE


def _heap_trimmer() -> Callable[[], object]:
    """glibc's malloc_trim(0), or a no-op: a large query leaves a worker's heap holding its
    peak (hundreds of MB at 1M triples) after freeing it; trimming hands it back to the system."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return lambda: libc.malloc_trim(0)
    return lambda: None


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection

    def rss_bytes(self) -> int:
        """Resident memory of the worker process (0 if it is gone)."""
        try:
            with open(f"/proc/{self.process.pid}/statm", encoding="ascii") as fh:
                return int(fh.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            return 0

    def renice(self, niceness: int) -> bool:
        """Set the worker's scheduling niceness; False when not permitted (or it is gone)."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid or 0, niceness)
        except (OSError, ValueError):
            return False
        return True

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.join(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()


class WorkerPool:
    """Fixed-size pool; `execute` runs one job with a deadline and a memory cap.

    Everything happens on the event loop: a request waits for an idle worker in FIFO order,
    sends its job down the worker's pipe and is woken by the loop when the answer is readable,
    so a fast query costs no thread hop. The deadline covers the wait and the run, so every
    answer (result, 503 or 504) comes within the request's timeout. A query still running after
    `NICE_AFTER` seconds has its worker reniced, so a runaway yields the CPU to short queries
    until its deadline kills it.
    """

    def __init__(self, store: Path, size: int, memory_limit_mb: int, queue_wait: float) -> None:
        self.store = store
        self.size = size
        self.memory_limit = memory_limit_mb * 1024 * 1024
        self.queue_wait = queue_wait
        self._ctx = mp.get_context("forkserver")
        self._ctx.set_forkserver_preload(["server.evaluate"])
        self._idle: collections.deque[_Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self.kills = {"timeout": 0, "memory": 0, "died": 0}

    async def start(self) -> None:
        """Start all workers and wait until each has reported ready."""
        self._loop = asyncio.get_running_loop()
        workers = [self._spawn() for _ in range(self.size)]
        for w in workers:
            if await asyncio.to_thread(_await_ready, w):
                self._release(w)

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_worker_main, args=(child, str(self.store)), daemon=True, name="kg-query"
        )
        with _main_not_reimported():
            proc.start()
        child.close()
        return _Worker(proc, parent)

    def _release(self, w: _Worker) -> None:
        """Hand an idle worker to the longest-waiting request, or park it (loop thread only)."""
        if self._closed:
            w.kill()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(w)
                return
        self._idle.append(w)

    def _replace(self, w: _Worker) -> None:
        """Kill a worker and start its replacement in the background."""
        w.kill()
        if self._closed or self._loop is None:
            return
        loop = self._loop

        def start() -> None:
            fresh = self._spawn()
            if _await_ready(fresh):
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(self._release, fresh)

        threading.Thread(target=start, daemon=True, name="kg-respawn").start()

    @property
    def idle(self) -> int:
        return len(self._idle)

    def retry_after(self, timeout: float) -> int:
        """Seconds a client should wait before retrying when the pool is full."""
        return max(1, min(10, math.ceil(timeout / 2)))

    async def _acquire(self, wait: float) -> _Worker | None:
        """An idle worker, waiting up to `wait` seconds in FIFO order; None when none came.

        The most recently used idle worker goes first: its store caches (per process) are
        the warmest, and the other workers stay spare."""
        if self._idle:
            return self._idle.pop()
        if len(self._waiters) >= self.size + MAX_PENDING_EXTRA or wait <= 0:
            return None
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[_Worker] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(wait, _expire, waiter)
        try:
            return await waiter
        except TimeoutError:
            self._forget(waiter)
            return None
        except asyncio.CancelledError:
            self._forget(waiter)
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._release(waiter.result())  # handed over just as the request went away
            raise
        finally:
            timer.cancel()

    def _forget(self, waiter: asyncio.Future[_Worker]) -> None:
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)

    async def execute(self, job: Job, timeout: float) -> Outcome:
        """Run `job` in a worker; the `timeout`-second deadline covers waiting and running."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        w = await self._acquire(min(self.queue_wait, timeout))
        if w is None:
            return _busy()
        try:
            return await self._run(w, job, deadline, timeout)
        except _WorkerGone:
            self.kills["died"] += 1
            self._replace(w)
            return Outcome(503, error="worker-unavailable", message="a worker restarted; retry")
        except asyncio.CancelledError:  # the request went away mid-query: stop the query too
            self._replace(w)
            raise
        except (EOFError, OSError) as exc:
            self.kills["died"] += 1
            self._replace(w)
            return Outcome(500, error="worker-died", message=f"the query worker died: {exc}")

    async def _run(self, w: _Worker, job: Job, deadline: float, timeout: float) -> Outcome:
        """Send the job and wait for the answer, the deadline or the memory cap."""
        loop = asyncio.get_running_loop()
        fd = w.conn.fileno()  # blocking here: a fresh pipe, or reset below after the last job
        try:
            w.conn.send(job)
        except OSError:  # an idle worker that died: its end of the pipe is closed
            raise _WorkerGone from None
        started = loop.time()
        reniced = False
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                self.kills["timeout"] += 1
                self._replace(w)
                return Outcome(504, error="timeout",
                               message=f"the query was stopped after {timeout:g} s",
                               details={"timeout": timeout})
            woken: asyncio.Future[bool] = loop.create_future()
            loop.add_reader(fd, _wake, woken, True)
            timer = loop.call_later(min(POLL, remaining), _wake, woken, False)
            try:
                readable = await woken
            finally:
                timer.cancel()
                loop.remove_reader(fd)
            if readable:
                break
            if w.rss_bytes() > self.memory_limit:
                self.kills["memory"] += 1
                self._replace(w)
                limit_mb = self.memory_limit // (1024 * 1024)
                return Outcome(507, error="memory-limit",
                               message="the query was stopped: it needed more than "
                               f"{limit_mb} MB of memory",
                               details={"memory_limit_mb": limit_mb})
            if not reniced and loop.time() - started > NICE_AFTER:
                reniced = w.renice(NICE_LONG)
        os.set_blocking(fd, True)  # the loop's poller made it non-blocking
        outcome: Outcome = w.conn.recv()
        if outcome.spool is not None:
            try:
                outcome.spool.attach(recv_handle(w.conn))
            except RuntimeError as exc:  # the descriptor did not come: the worker broke
                raise EOFError(str(exc)) from None
        if reniced and not w.renice(0):
            self._replace(w)  # could not restore its priority: a fresh worker instead
        else:
            self._release(w)
        return outcome

    async def close(self) -> None:
        """Stop every worker (idle ones politely, busy ones are killed when they return)."""
        self._closed = True
        for waiter in self._waiters:
            waiter.cancel()
        while self._idle:
            w = self._idle.popleft()
            with contextlib.suppress(Exception):
                w.conn.send(None)
            await asyncio.to_thread(w.process.join, 2)
            w.kill()
        for child in mp.active_children():
            with contextlib.suppress(Exception):
                child.kill()


_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def _main_not_reimported() -> Iterator[None]:
    """Start a worker without the parent's `__main__` (the `kg` script, hence the whole CLI).

    multiprocessing tells each child to re-import the parent's main module; a worker needs only
    server.evaluate, and the re-import costs ~15 MB of private memory per worker. Hiding
    `__main__`'s file and spec while the start-up data is written skips it.
    """
    main = sys.modules["__main__"]
    with _MAIN_LOCK:
        saved_file = main.__dict__.pop("__file__", None)
        saved_spec = getattr(main, "__spec__", None)
        main.__spec__ = None
        try:
            yield
        finally:
            main.__spec__ = saved_spec
            if saved_file is not None:
                main.__file__ = saved_file


class _WorkerGone(Exception):
    """The worker picked for a job was no longer running."""


def _expire(waiter: asyncio.Future[_Worker]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


def _wake(future: asyncio.Future[bool], readable: bool) -> None:
    if not future.done():
        future.set_result(readable)


def _await_ready(w: _Worker) -> bool:
    """Blocking: wait for a new worker's "ready" (it opens the store first); kill it if silent."""
    if w.conn.poll(60):
        try:
            if w.conn.recv() == "ready":
                return True
        except (EOFError, OSError):
            pass
    log.error("a query worker failed to start")
    w.kill()
    return False


def _busy() -> Outcome:
    return Outcome(503, error="busy", message="all query workers are busy; retry shortly")
