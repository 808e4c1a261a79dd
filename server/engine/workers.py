"""A pool of killable query worker processes, with room kept for short queries.

pyoxigraph has no timeout and aggregates ignore signals, so each query runs in a worker process
(forkserver start; the worker leaves the network (server.engine.isolation) and opens its read-only
store itself, after the fork). The parent waits with a deadline, polls the worker's resident
memory, kills it at the deadline or over the memory cap, and starts a replacement.

Two lanes. `size` workers take new queries (the short lane). A query still running after
LONG_AFTER seconds moves to the long lane, bounded by `long_queries`: its worker is reniced and
no longer counts against the short lane, where a warm spare worker takes its place at once (a
new spare is started in the background). When the long lane is full, a query that passes the
threshold is stopped with 503 and Retry-After. So runaways, however many, hold a short-lane
worker for at most LONG_AFTER seconds each.

Requests wait for a short-lane worker in order of priority (server.engine.clients: quiet clients,
then clients not seen lately, then heavy ones; within a class, less recent query time first;
then arrival), and the last RESERVE idle worker(s) of the short lane are kept for quiet
clients: a client whose queries keep running past the threshold can never take every worker.
A request that gets no worker within `queue_wait` seconds (or its deadline) is answered 503
busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import heapq
import itertools
import logging
import math
import multiprocessing as mp
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle, send_handle
from pathlib import Path

from server.engine.evaluate import Evaluator, Outcome, Task
from server.engine.isolation import NOT_TRIED, Isolation, isolate_network

log = logging.getLogger("dispute_kg.workers")
PAGE = os.sysconf("SC_PAGE_SIZE")
POLL = 0.05  # seconds between memory checks while a query runs
MAX_PENDING_EXTRA = 32  # requests allowed to wait for a worker beyond one per worker
LONG_AFTER = 1.0  # seconds a query runs before it moves to the long lane
NICE_LONG = 10  # the niceness of a long-lane worker until its query ends
SPARES = 1  # warm workers kept ready to take a promoted worker's place
TRIM_AFTER = 0.02  # seconds a query must have run before its worker checks its memory
TRIM_OVER = 32 << 20  # bytes a worker may grow past its last trimmed size before a trim
RESPAWN_DELAY = 1.0  # seconds before trying again when a worker failed to start
RESERVE = 1  # idle short-lane workers only quiet clients may take (none in a 1-worker pool)
QUIET = 0  # the priority class of quiet clients (server.engine.clients)
Priority = tuple[int, float]  # (class, recent query seconds): lower waits less


def _worker_main(conn: Connection, store_path: str, isolate: bool) -> None:
    """Child process: leave the network, open the store (after the fork), answer tasks."""
    isolation = isolate_network() if isolate else NOT_TRIED
    evaluator = Evaluator(Path(store_path))
    with contextlib.suppress(Exception):
        evaluator.store()  # warm up; a missing store is reported per task
    trim = _heap_trimmer()
    floor = _own_rss()  # resident size after the last trim (the store's caches grow it)
    conn.send(("ready", isolation))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        started = time.perf_counter()
        outcome = evaluator.run(task)
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


@dataclass(eq=False)
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    lane: str = "short"  # "short" (takes new queries), "long" (a promoted query) or "spare"
    isolation: Isolation = field(default=NOT_TRIED)

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
    """`execute` runs one task in a worker with a deadline and a memory cap (see the module doc).

    Everything happens on the event loop: a request waits for an idle short-lane worker,
    sends its task down the worker's pipe and is woken by the loop when the answer is
    readable, so a fast query costs no thread hop. The deadline covers the wait and the run,
    so every answer (result, 503 or 504) comes within the request's timeout. Workers are
    started on threads (a start blocks until the worker has opened the store) and handed to
    the loop when ready.
    """

    def __init__(self, store: Path, size: int, memory_limit_mb: int, queue_wait: float,
                 long_queries: int | None = None, spares: int = SPARES,
                 isolate: bool = True) -> None:
        self.store = store
        self.size = size
        self.long_queries = size if long_queries is None else max(0, long_queries)
        self.spares = max(0, spares)
        self.memory_limit = memory_limit_mb * 1024 * 1024
        self.queue_wait = queue_wait
        self.isolate = isolate
        self._ctx = mp.get_context("forkserver")
        self._ctx.set_forkserver_preload(["server.engine.evaluate"])
        self._idle: list[_Worker] = []  # short lane, idle (the last one is the warmest)
        self._spare: list[_Worker] = []
        self._short_busy = 0
        self._long_busy = 0
        self._starting = 0
        self._workers: set[_Worker] = set()  # every live worker this pool started
        self._waiters: list[tuple[Priority, int, asyncio.Future[_Worker]]] = []  # a heap
        self.reserve = RESERVE if size > RESERVE else 0
        self._pending = 0  # waiters not yet served, expired or cancelled
        self._order = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._isolation: Isolation | None = None  # the least isolated worker seen so far
        self.kills = {"timeout": 0, "memory": 0, "died": 0, "long-lane-full": 0}
        self.promoted = 0

    # --- what the backend reads -----------------------------------------------------------

    @property
    def idle(self) -> int:
        return len(self._idle)

    @property
    def isolation(self) -> Isolation:
        """Whether every worker started so far runs without a network."""
        return self._isolation or Isolation(False, "", "no worker has started yet")

    def retry_after(self, timeout: float) -> int:
        """Seconds a client should wait before retrying when the pool is full."""
        return max(1, min(10, math.ceil(timeout / 2)))

    def health(self) -> dict[str, object]:
        return {"total": self.size, "idle": self.idle, "killed": dict(self.kills),
                "long": {"running": self._long_busy, "max": self.long_queries,
                         "after_s": LONG_AFTER, "promoted": self.promoted},
                "spares": len(self._spare), "starting": self._starting,
                "network": self.isolation.as_dict()}

    # --- starting and placing workers (loop thread) ----------------------------------------

    async def start(self) -> None:
        """Start the short lane and the spares; wait until each has reported ready."""
        self._loop = asyncio.get_running_loop()
        fresh = [self._spawn() for _ in range(self.size + self.spares)]
        for w in fresh:
            status = await asyncio.to_thread(_await_ready, w)
            self._arrived(w, status, counted=False)
        iso = self.isolation
        shown = logging.getLogger("uvicorn.error")  # the server's own log, shown by default
        if iso.isolated:
            shown.info("query workers run without a network (%s): %s", iso.method, iso.detail)
        else:
            shown.warning("query workers could NOT be taken off the network (%s); every "
                          "SERVICE is refused", iso.detail)

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, args=(child, str(self.store), self.isolate),
                                 daemon=True, name="kg-query")
        with _main_not_reimported():
            proc.start()
        child.close()
        w = _Worker(proc, parent)
        self._workers.add(w)
        return w

    def _spawn_later(self) -> None:
        """Start one worker on a thread; it joins the pool (`_arrived`) when ready."""
        if self._closed or self._loop is None:
            return
        loop = self._loop
        self._starting += 1

        def start() -> None:
            w = self._spawn()
            status = _await_ready(w)
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._arrived, w, status)

        threading.Thread(target=start, daemon=True, name="kg-respawn").start()

    def _arrived(self, w: _Worker, status: Isolation | None, counted: bool = True) -> None:
        """A started worker is ready (status) or failed (None): place it where it is needed."""
        if counted:
            self._starting -= 1
        if status is None:
            self._retire(w)
            if self._loop is not None and not self._closed:
                self._loop.call_later(RESPAWN_DELAY, self._rebalance)
            return
        w.isolation = status
        if self._isolation is None or (self._isolation.isolated and not status.isolated):
            self._isolation = status
        self._place(w)
        self._rebalance()

    def _place(self, w: _Worker) -> None:
        """A ready, free worker goes to the short lane if it is short, else to the spares."""
        if self._closed:
            self._retire(w)
        elif len(self._idle) + self._short_busy < self.size:
            w.lane = "short"
            self._release(w)
        elif len(self._spare) < self.spares:
            w.lane = "spare"
            self._spare.append(w)
        else:
            self._retire(w)

    def _rebalance(self) -> None:
        """Fill the short lane from the spares, and start what is missing in the background."""
        if self._closed:
            return
        while self._spare and len(self._idle) + self._short_busy < self.size:
            w = self._spare.pop()
            w.lane = "short"
            self._release(w)
        live = (len(self._idle) + self._short_busy + self._long_busy + len(self._spare)
                + self._starting)
        for _ in range(self.size + self._long_busy + self.spares - live):
            self._spawn_later()

    def _retire(self, w: _Worker) -> None:
        self._workers.discard(w)
        w.kill()

    def _release(self, w: _Worker) -> None:
        """Hand a free short-lane worker to the waiting request with the best priority, or
        park it; a worker that would leave fewer than `reserve` idle goes to a quiet client
        only (loop thread only)."""
        if self._closed:
            self._retire(w)
            return
        while self._waiters:
            priority, _, waiter = self._waiters[0]
            if waiter.done():
                heapq.heappop(self._waiters)
                continue
            if priority[0] != QUIET and len(self._idle) < self.reserve:
                break  # kept for a quiet client
            heapq.heappop(self._waiters)
            self._pending -= 1
            self._short_busy += 1
            waiter.set_result(w)
            return
        self._idle.append(w)

    def _finished(self, w: _Worker) -> None:
        """A worker answered its query and is free again."""
        if w.lane == "long":
            self._long_busy -= 1
            self._place(w)  # the short lane was refilled when it left: usually a spare now
        else:
            self._short_busy -= 1
            self._release(w)

    def _lost(self, w: _Worker) -> None:
        """A worker was killed (or died) while it held a query: replace what it was."""
        if w.lane == "long":
            self._long_busy -= 1
        else:
            self._short_busy -= 1
        self._retire(w)
        self._rebalance()

    def _promote(self, w: _Worker) -> None:
        """Move a short-lane worker running a long query to the long lane."""
        self._short_busy -= 1
        self._long_busy += 1
        self.promoted += 1
        w.lane = "long"
        self._rebalance()

    # --- running a task ----------------------------------------------------------------------

    async def _acquire(self, wait: float, priority: Priority) -> _Worker | None:
        """An idle short-lane worker, waiting up to `wait` seconds; None when none came."""
        if self._idle and (priority[0] == QUIET or len(self._idle) > self.reserve):
            self._short_busy += 1
            return self._idle.pop()
        if self._pending >= self.size + MAX_PENDING_EXTRA or wait <= 0:
            return None
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[_Worker] = loop.create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), waiter))
        self._pending += 1
        timer = loop.call_later(wait, _expire, waiter)
        try:
            return await waiter
        except TimeoutError:
            self._pending -= 1
            return None
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                w = waiter.result()  # handed over just as the request went away
                self._short_busy -= 1
                self._release(w)
            elif not (waiter.done() and not waiter.cancelled()):
                self._pending -= 1
            raise
        finally:
            timer.cancel()

    async def execute(self, task: Task, timeout: float, deadline: float | None = None,
                      priority: Priority = (QUIET, 0.0)) -> Outcome:
        """Run `task` in a worker. `deadline` (loop time; default now + `timeout`) covers
        waiting and running; `timeout` is what a 504 reports; lower `priority` waits less."""
        loop = asyncio.get_running_loop()
        if deadline is None:
            deadline = loop.time() + timeout
        w = await self._acquire(min(self.queue_wait, deadline - loop.time()), priority)
        if w is None:
            return _busy(self.retry_after(timeout))
        started = loop.time()
        try:
            outcome = await self._run(w, task, deadline, timeout)
            return replace(outcome, ran=loop.time() - started)
        except _WorkerGone:
            self.kills["died"] += 1
            self._lost(w)
            return Outcome(503, error="worker-unavailable", message="a worker restarted; retry",
                           retry_after=1)
        except asyncio.CancelledError:  # the request went away mid-query: stop the query too
            self._lost(w)
            raise
        except (EOFError, OSError) as exc:
            self.kills["died"] += 1
            self._lost(w)
            return Outcome(500, error="worker-died", message=f"the query worker died: {exc}")

    async def _run(self, w: _Worker, task: Task, deadline: float, timeout: float) -> Outcome:
        """Send the task and wait for the answer, the deadline or the memory cap; move the
        query to the long lane (or stop it) when it passes LONG_AFTER."""
        loop = asyncio.get_running_loop()
        fd = w.conn.fileno()  # blocking here: a fresh pipe, or reset below after the last task
        try:
            w.conn.send(task)
        except OSError:  # an idle worker that died: its end of the pipe is closed
            raise _WorkerGone from None
        started = loop.time()
        reniced = False
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                self.kills["timeout"] += 1
                self._lost(w)
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
                self._lost(w)
                limit_mb = self.memory_limit // (1024 * 1024)
                return Outcome(507, error="memory-limit",
                               message="the query was stopped: it needed more than "
                               f"{limit_mb} MB of memory",
                               details={"memory_limit_mb": limit_mb})
            if w.lane == "short" and loop.time() - started > LONG_AFTER:
                if self._long_busy >= self.long_queries:
                    self.kills["long-lane-full"] += 1
                    self._lost(w)
                    retry = self.retry_after(timeout)
                    return Outcome(503, error="long-lane-full", retry_after=retry,
                                   message=f"the query was stopped after {LONG_AFTER:g} s: "
                                   f"{self.long_queries} long queries are running already, "
                                   "the most this server runs at once; retry later, or "
                                   "narrow the query")
                self._promote(w)
                reniced = w.renice(NICE_LONG)
        os.set_blocking(fd, True)  # the loop's poller made it non-blocking
        outcome: Outcome = w.conn.recv()
        if outcome.spool is not None:
            try:
                outcome.spool.attach(recv_handle(w.conn))
            except RuntimeError as exc:  # the descriptor did not come: the worker broke
                raise EOFError(str(exc)) from None
        if reniced and not w.renice(0):
            self._lost(w)  # could not restore its priority: a fresh worker instead
        else:
            self._finished(w)
        return outcome

    async def close(self) -> None:
        """Stop this pool's workers (idle ones politely) and only them."""
        self._closed = True
        for _, _, waiter in self._waiters:
            waiter.cancel()
        polite = [*self._idle, *self._spare]
        self._idle.clear()
        self._spare.clear()
        for w in polite:
            with contextlib.suppress(Exception):
                w.conn.send(None)
        for w in polite:
            await asyncio.to_thread(w.process.join, 2)
        for w in list(self._workers):
            self._retire(w)


_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def _main_not_reimported() -> Iterator[None]:
    """Start a worker without the parent's `__main__` (the `kg` script, hence the whole CLI).

    multiprocessing tells each child to re-import the parent's main module; a worker needs only
    server.engine.evaluate, and the re-import costs ~15 MB of private memory per worker. Hiding
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


def _await_ready(w: _Worker) -> Isolation | None:
    """Blocking: wait for a new worker's ("ready", isolation) (it opens the store first);
    None, and the worker killed, if it stays silent or says anything else."""
    if w.conn.poll(60):
        try:
            message = w.conn.recv()
            if isinstance(message, tuple) and message[0] == "ready":
                return message[1]
        except (EOFError, OSError):
            pass
    log.error("a query worker failed to start")
    w.kill()
    return None


def _busy(retry_after: int) -> Outcome:
    return Outcome(503, error="busy", message="all query workers are busy; retry shortly",
                   retry_after=retry_after)
