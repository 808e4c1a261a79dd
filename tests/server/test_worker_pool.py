"""The query worker pool on its own (real worker processes on the seed store, no HTTP):
the deadline covers the wait for a worker, runaways are reniced, and cancelled requests
do not leak workers."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from server import workers
from server.evaluate import Job
from server.workers import WorkerPool

RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
           "?m ?n2 ?o . ?p ?q ?r }")
SIMPLE = Job(query="ASK { ?s ?p ?o }")


def run(coro):  # noqa: ANN001, ANN201 - any coroutine
    return asyncio.run(coro)


def test_the_deadline_covers_the_wait_for_a_worker(built_store: Path) -> None:
    async def scenario() -> list[tuple[str, int]]:
        pool = WorkerPool(built_store, 1, 2048, queue_wait=30)
        await pool.start()
        answered: list[tuple[str, int]] = []

        async def ask(name: str, job: Job, timeout: float) -> None:
            answered.append((name, (await pool.execute(job, timeout)).status))

        try:
            runaway = asyncio.create_task(ask("runaway", Job(query=RUNAWAY), 3))
            while pool.idle:  # until the runaway holds the only worker
                await asyncio.sleep(0.01)
            await ask("waiting", SIMPLE, 1)
            await runaway
        finally:
            await pool.close()
        return answered

    # the waiting request gives up at its own 1 s deadline (not the 30 s queue wait), before
    # the runaway's 3 s deadline; then the runaway is stopped
    assert run(scenario()) == [("waiting", 503), ("runaway", 504)]


def test_a_long_query_is_reniced_and_its_worker_restored(built_store: Path,
                                                         monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(workers, "NICE_AFTER", 0.2)

    async def scenario() -> tuple[int, int, int, int]:
        pool = WorkerPool(built_store, 1, 2048, queue_wait=5)
        await pool.start()
        try:
            pid = pool._idle[0].process.pid  # noqa: SLF001
            before = os.getpriority(os.PRIO_PROCESS, pid)
            task = asyncio.create_task(pool.execute(Job(query=RUNAWAY), 30))
            while os.getpriority(os.PRIO_PROCESS, pid) == before:  # reniced past NICE_AFTER
                await asyncio.sleep(0.02)
            during = os.getpriority(os.PRIO_PROCESS, pid)
            task.cancel()  # done with the runaway: its worker is killed and replaced
            await asyncio.gather(task, return_exceptions=True)
            for _ in range(200):  # the killed worker is replaced in the background
                if pool.idle:
                    break
                await asyncio.sleep(0.05)
            fresh = pool._idle[0].process.pid  # noqa: SLF001
            after = os.getpriority(os.PRIO_PROCESS, fresh)
            status = (await pool.execute(SIMPLE, 5)).status
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
            task = asyncio.create_task(pool.execute(Job(query=RUNAWAY), 30))
            while pool.idle:  # until the runaway holds the only worker
                await asyncio.sleep(0.01)
            task.cancel()  # the client went away: the query must not keep the worker
            await asyncio.gather(task, return_exceptions=True)
            waiting = asyncio.create_task(pool.execute(SIMPLE, 20))
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
            told = await pool.execute(SIMPLE, 20)  # found dead when the job is sent
            retried = await pool.execute(SIMPLE, 20)  # waits for the replacement
            return told.status, told.error, pool.kills["died"], retried.status
        finally:
            await pool.close()

    assert run(scenario()) == (503, "worker-unavailable", 1, 200)
