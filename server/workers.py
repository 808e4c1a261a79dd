"""A pool of killable query worker processes.

pyoxigraph has no timeout and aggregates ignore signals, so each query runs in a worker process
(forkserver start; the worker opens its read-only store itself, after the fork). The parent waits
with a deadline, polls the worker's resident memory, kills it at the deadline or over the memory
cap, and starts a replacement. When every worker is busy past a short wait, the answer is 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import multiprocessing as mp
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from server.evaluate import Evaluator, Job, Outcome

log = logging.getLogger("dispute_kg.workers")
PAGE = os.sysconf("SC_PAGE_SIZE")
POLL = 0.05  # seconds between memory checks while a query runs
MAX_PENDING_EXTRA = 32  # requests allowed to wait for a worker beyond one per worker


def _worker_main(conn: Connection, store_path: str) -> None:
    """Child process: open the store (after the fork), then answer jobs until EOF."""
    evaluator = Evaluator(Path(store_path))
    with contextlib.suppress(Exception):
        evaluator.store()  # warm up; a missing store is reported per job
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(evaluator.run(job))


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

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.join(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()


class WorkerPool:
    """Fixed-size pool; `execute` runs one job with a deadline and memory cap."""

    def __init__(self, store: Path, size: int, memory_limit_mb: int, queue_wait: float) -> None:
        self.store = store
        self.size = size
        self.memory_limit = memory_limit_mb * 1024 * 1024
        self.queue_wait = queue_wait
        self._ctx = mp.get_context("forkserver")
        self._ctx.set_forkserver_preload(["server.evaluate"])
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._executor = ThreadPoolExecutor(
            max_workers=size + MAX_PENDING_EXTRA, thread_name_prefix="query-wait"
        )
        self._pending = 0
        self._lock = threading.Lock()
        self._closed = False
        self.kills = {"timeout": 0, "memory": 0, "died": 0}

    def start(self) -> None:
        """Start all workers and wait until each has reported ready."""
        workers = [self._spawn() for _ in range(self.size)]
        for w in workers:
            self._await_ready(w)

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_worker_main, args=(child, str(self.store)), daemon=True, name="kg-query"
        )
        proc.start()
        child.close()
        return _Worker(proc, parent)

    def _await_ready(self, w: _Worker) -> None:
        if w.conn.poll(60):
            try:
                if w.conn.recv() == "ready":
                    self._idle.put(w)
                    return
            except (EOFError, OSError):
                pass
        log.error("a query worker failed to start")
        w.kill()

    def _replace(self, w: _Worker) -> None:
        """Kill a worker and start its replacement in the background."""
        w.kill()
        if self._closed:
            return

        def start() -> None:
            if not self._closed:
                self._await_ready(self._spawn())

        threading.Thread(target=start, daemon=True, name="kg-respawn").start()

    @property
    def idle(self) -> int:
        return self._idle.qsize()

    def retry_after(self, timeout: float) -> int:
        """Seconds a client should wait before retrying when the pool is full."""
        return max(1, min(10, math.ceil(timeout / 2)))

    async def execute(self, job: Job, timeout: float) -> Outcome:
        """Run `job` in a worker with a `timeout`-second deadline, without blocking the loop."""
        with self._lock:
            if self._pending >= self.size + MAX_PENDING_EXTRA:
                return _busy()
            self._pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self.run, job, timeout)
        finally:
            with self._lock:
                self._pending -= 1

    def run(self, job: Job, timeout: float) -> Outcome:
        """Blocking: take an idle worker (or give up with 503), send the job, watch it."""
        try:
            w = self._idle.get(timeout=self.queue_wait)
        except queue.Empty:
            return _busy()
        if not w.process.is_alive():
            self._replace(w)
            self.kills["died"] += 1
            return Outcome(503, error="worker-unavailable", message="a worker restarted; retry")
        started = time.monotonic()
        deadline = started + timeout
        try:
            w.conn.send(job)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.kills["timeout"] += 1
                    self._replace(w)
                    return Outcome(
                        504, error="timeout",
                        message=f"the query was stopped after {timeout:g} s",
                        details={"timeout": timeout},
                    )
                if w.conn.poll(min(POLL, remaining)):
                    outcome: Outcome = w.conn.recv()
                    self._idle.put(w)
                    return outcome
                if w.rss_bytes() > self.memory_limit:
                    self.kills["memory"] += 1
                    self._replace(w)
                    return Outcome(
                        507, error="memory-limit",
                        message="the query was stopped: it needed more than "
                        f"{self.memory_limit // (1024 * 1024)} MB of memory",
                        details={"memory_limit_mb": self.memory_limit // (1024 * 1024)},
                    )
        except (EOFError, OSError) as exc:
            self.kills["died"] += 1
            self._replace(w)
            return Outcome(500, error="worker-died", message=f"the query worker died: {exc}")

    def close(self) -> None:
        """Stop every worker (idle ones politely, busy ones are killed when they return)."""
        self._closed = True
        while True:
            try:
                w = self._idle.get_nowait()
            except queue.Empty:
                break
            with contextlib.suppress(Exception):
                w.conn.send(None)
            w.process.join(timeout=2)
            w.kill()
        for child in mp.active_children():
            with contextlib.suppress(Exception):
                child.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)


def _busy() -> Outcome:
    return Outcome(503, error="busy", message="all query workers are busy; retry shortly")
