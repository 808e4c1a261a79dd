"""The query worker pool on its own (real worker processes on the seed store, no HTTP): the
deadline covers the wait for a worker, a long query moves to the long lane and a spare takes
its place, a full long lane stops the next long query, waiting requests are served by priority,
cancelled requests do not leak workers, and a pool stops only its own processes."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
from pathlib import Path

from server.engine import workers
from server.engine.evaluate import Job, Task
from server.engine.guard import read_query
from server.engine.workers import WorkerPool

RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
           "?m ?n2 ?o . ?p ?q ?r }")
SIMPLE = "ASK { ?s ?p ?o }"


def task(query: str) -> Task:
    """What the backend sends a worker for `query` (its canonical text)."""
    return Task.of(read_query(query), Job(query=query))


def run(coro):  # noqa: ANN001, ANN201 - any coroutine
    return asyncio.run(coro)


async def answered_in_order(pool: WorkerPool, *calls: tuple[str, str, float, float, int]
                            ) -> list[tuple[str, int]]:
    """Run (name, query, start delay, timeout, priority class) calls; (name, status) as they
    end."""
    answered: list[tuple[str, int]] = []

    async def call(name: str, query: str, delay: float, timeout: float, prio: int) -> None:
        await asyncio.sleep(delay)
        outcome = await pool.execute(task(query), timeout, priority=(prio, 0.0))
        answered.append((name, outcome.status))

    await asyncio.gather(*(call(*c) for c in calls))
    return answered


def test_the_deadline_covers_the_wait_for_a_worker(built_store: Path) -> None:
    async def scenario() -> list[tuple[str, int]]:
        pool = WorkerPool(built_store, 1, 2048, queue_wait=30)
        await pool.start()
        try:
            # the runaway holds the only short-lane worker until it moves to the long lane at
            # LONG_AFTER; the waiting request gives up at its own deadline before that, not
            # at the 30 s queue wait; the runaway is stopped at its own deadline
            return await answered_in_order(pool, ("runaway", RUNAWAY, 0, 3, 0),
                                           ("waiting", SIMPLE, 0.3, 0.4, 0))
        finally:
            await pool.close()

    assert run(scenario()) == [("waiting", 503), ("runaway", 504)]


def test_a_long_query_leaves_its_worker_to_new_queries(built_store: Path) -> None:
    async def scenario() -> tuple[list[tuple[str, int]], int]:
        pool = WorkerPool(built_store, 1, 2048, queue_wait=30)
        await pool.start()
        try:
            order = await answered_in_order(pool, ("runaway", RUNAWAY, 0, 4, 0),
                                            ("quiet", SIMPLE, 0.3, 3.5, 0))
            return order, pool.promoted
        finally:
            await pool.close()

    assert run(scenario()) == ([("quiet", 200), ("runaway", 504)], 1)


def test_a_full_long_lane_stops_the_next_long_query_with_retry_after(built_store: Path) -> None:
    async def scenario() -> tuple[list[tuple[str, int]], dict]:
        pool = WorkerPool(built_store, 1, 2048, queue_wait=30, long_queries=1)
        await pool.start()
        try:
            first = asyncio.create_task(pool.execute(task(RUNAWAY), 6))
            await asyncio.sleep(0.3)
            second = await pool.execute(task(RUNAWAY), 6)  # on the spare, then stopped
            return [("second", second.status), ("first", (await first).status)], {
                "error": second.error, "retry": second.retry_after, "kills": dict(pool.kills)}
        finally:
            await pool.close()

    order, info = run(scenario())
    assert order == [("second", 503), ("first", 504)]
    assert info["error"] == "long-lane-full" and info["retry"] >= 1
    assert info["kills"]["long-lane-full"] == 1 and info["kills"]["timeout"] == 1


def test_waiting_requests_are_served_by_priority(built_store: Path) -> None:
    async def scenario() -> list[tuple[str, int]]:
        pool = WorkerPool(built_store, 1, 2048, queue_wait=30, spares=0)
        await pool.start()
        try:
            # while the runaway holds the worker, a heavy client (class 2) then a quiet one
            # (class 0) wait; the quiet one goes first when a worker is free
            return await answered_in_order(pool, ("runaway", RUNAWAY, 0, 4, 0),
                                           ("heavy", SIMPLE, 0.2, 20, 2),
                                           ("quiet", SIMPLE, 0.4, 20, 0))
        finally:
            await pool.close()

    assert run(scenario())[:2] == [("quiet", 200), ("heavy", 200)]


def test_a_long_query_is_reniced_and_its_worker_restored(built_store: Path,
                                                         monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(workers, "LONG_AFTER", 0.2)

    async def scenario() -> tuple[int, int, int, int]:
        pool = WorkerPool(built_store, 1, 2048, queue_wait=5)
        await pool.start()
        try:
            pid = pool._idle[0].process.pid  # noqa: SLF001
            before = os.getpriority(os.PRIO_PROCESS, pid)
            running = asyncio.create_task(pool.execute(task(RUNAWAY), 30))
            while os.getpriority(os.PRIO_PROCESS, pid) == before:  # reniced past LONG_AFTER
                await asyncio.sleep(0.02)
            during = os.getpriority(os.PRIO_PROCESS, pid)
            running.cancel()  # done with the runaway: its worker is killed and replaced
            await asyncio.gather(running, return_exceptions=True)
            fresh = pool._idle[0].process.pid  # noqa: SLF001
            after = os.getpriority(os.PRIO_PROCESS, fresh)
            status = (await pool.execute(task(SIMPLE), 5)).status
        finally:
            await pool.close()
        return before, during, after, status

    before, during, after, status = run(scenario())
    assert (before, during, after, status) == (0, workers.NICE_LONG, 0, 200)


def test_a_cancelled_request_does_not_leak_its_worker(built_store: Path) -> None:
    async def scenario() -> list[int]:
        pool = WorkerPool(built_store, 1, 2048, queue_wait=5)
        await pool.start()
        try:
            running = asyncio.create_task(pool.execute(task(RUNAWAY), 30))
            while pool.idle:  # until the runaway holds the only worker
                await asyncio.sleep(0.01)
            running.cancel()  # the client went away: the query must not keep the worker
            await asyncio.gather(running, return_exceptions=True)
            waiting = asyncio.create_task(pool.execute(task(SIMPLE), 20))
            return [(await waiting).status, pool.size]
        finally:
            await pool.close()

    assert run(scenario()) == [200, 1]


def test_an_idle_worker_that_died_is_replaced_and_the_request_told_to_retry(
        built_store: Path) -> None:
    async def scenario() -> tuple[int, str, int, int]:
        pool = WorkerPool(built_store, 1, 2048, queue_wait=5)
        await pool.start()
        try:
            victim = pool._idle[0].process  # noqa: SLF001
            victim.kill()
            victim.join(5)
            told = await pool.execute(task(SIMPLE), 20)  # found dead when the task is sent
            retried = await pool.execute(task(SIMPLE), 20)  # the spare took its place
            return told.status, told.error, pool.kills["died"], retried.status
        finally:
            await pool.close()

    assert run(scenario()) == (503, "worker-unavailable", 1, 200)


def _sleep() -> None:
    import time

    time.sleep(60)


def test_closing_a_pool_stops_its_own_workers_only(built_store: Path) -> None:
    async def scenario() -> tuple[bool, bool, int, int]:
        other = mp.get_context("spawn").Process(target=_sleep, daemon=True)
        other.start()
        first = WorkerPool(built_store, 1, 2048, queue_wait=5)
        second = WorkerPool(built_store, 1, 2048, queue_wait=5)
        await first.start()
        await second.start()
        try:
            mine = [w.process for w in (*first._idle, *first._spare)]  # noqa: SLF001
            await first.close()
            status = (await second.execute(task(SIMPLE), 10)).status
            return other.is_alive(), any(p.is_alive() for p in mine), status, len(mine)
        finally:
            await second.close()
            other.kill()

    assert run(scenario()) == (True, False, 200, 2)


def test_the_last_idle_worker_is_kept_for_quiet_clients(built_store: Path) -> None:
    async def scenario() -> list[tuple[str, int]]:
        pool = WorkerPool(built_store, 2, 2048, queue_wait=30, spares=0)
        await pool.start()
        try:
            # a heavy client's runaway takes one worker; its next query may not take the last
            # idle one (it gives up at its deadline, before the runaway leaves the short lane),
            # a quiet client's query takes it
            return await answered_in_order(pool, ("runaway", RUNAWAY, 0, 3, 2),
                                           ("heavy", SIMPLE, 0.2, 0.5, 2),
                                           ("quiet", SIMPLE, 0.3, 5, 0))
        finally:
            await pool.close()

    assert run(scenario()) == [("quiet", 200), ("heavy", 503), ("runaway", 504)]
