"""Large answers cost the server little memory: a worker spools an answer over the threshold
to an unnamed temporary file whose descriptor the main process streams from, and a worker
hands its heap back after a query that grew it (real store, real worker processes, real
server on loopback)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from harness import Server, start_server, stop_server

from server.engine.evaluate import SPOOL_OVER, Job, Task
from server.engine.guard import read_query
from server.engine.workers import WorkerPool

# every pair of statements about one subject: ~20 MB of JSON on the seed store
BIG = "SELECT * WHERE { ?s ?p ?o . ?s ?p2 ?o2 }"
# a DISTINCT over a three-way self-join: its hash set grows the worker's heap by ~60 MB,
# then the answer is one number
HEAP_HOG = ("SELECT (COUNT(*) AS ?n) WHERE { { SELECT DISTINCT ?s ?o ?o2 ?o3 WHERE { "
            "?s ?p ?o . ?s ?p2 ?o2 . ?s ?p3 ?o3 } } }")
# every triple of statements about one subject: over 100 MB
TOO_BIG = "SELECT * WHERE { ?s ?p ?o . ?s ?p2 ?o2 . ?s ?p3 ?o3 }"
CAP = 60_000_000  # bytes: BIG fits, TOO_BIG (~320 MB) does not


def status_kb(pid: int, field: str) -> int:
    """A memory figure of /proc/PID/status, in kB (VmHWM: the peak resident size)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def open_temp_files(pid: int) -> list[str]:
    """The process's open descriptors on files in the temporary directory (spool files)."""
    tmp = os.path.realpath(tempfile.gettempdir())
    targets = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
    return [t for t in targets if t.startswith(tmp + "/")]


@pytest.fixture(scope="module")
def big_server(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(built_store, tmp_path_factory.mktemp("large") / "server.log",
                       "--workers", "1", "--max-result-bytes", str(CAP), "--timeout", "60")
    yield srv
    stop_server(srv)


def in_process(db: ox.Store, query: str, fmt: ox.QueryResultsFormat) -> bytes:
    out = io.BytesIO()
    db.query(query, use_default_graph_as_union=True).serialize(out, format=fmt)
    return out.getvalue()


def test_a_large_answer_is_streamed_without_being_held_by_the_server(
        big_server: Server, db: ox.Store) -> None:
    pid = big_server.process.pid
    assert big_server.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    held = open_temp_files(pid)
    peak_before = status_kb(pid, "VmHWM")
    expected = in_process(db, BIG, ox.QueryResultsFormat.JSON)
    assert len(expected) > 8 * SPOOL_OVER
    with httpx.stream("GET", big_server.url + "/sparql", params={"query": BIG},
                      headers={"Accept": "application/sparql-results+json"}, timeout=60) as r:
        assert r.status_code == 200
        assert int(r.headers["content-length"]) == len(expected)
        body = b"".join(r.iter_bytes())
    assert body == expected
    grown_mb = (status_kb(pid, "VmHWM") - peak_before) / 1024
    # the 20 MB answer went through in chunks: the main process never held a copy of it
    assert grown_mb < len(expected) / 2**20 / 2, grown_mb
    # over the cap past the spool threshold: still a 507 decided before any byte is sent
    r = big_server.get("/sparql", params={"query": TOO_BIG})
    assert r.status_code == 507 and r.json()["error"] == "result-too-large"
    assert r.json()["limit"] == CAP
    # and no spool file stays open in the server
    assert open_temp_files(pid) == held


def run(coro):  # noqa: ANN001, ANN201 - any coroutine
    return asyncio.run(coro)


def task(job: Job) -> Task:
    """What the backend hands a worker for a job (its canonical text)."""
    return Task.of(read_query(job.query), job)


def test_a_spooled_outcome_reads_back_identically_and_closes_its_file(
        built_store: Path) -> None:
    async def scenario() -> tuple[bytes, bytes, int, int]:
        pool = WorkerPool(built_store, 1, 2048, queue_wait=5)
        await pool.start()
        try:
            whole = await pool.execute(task(Job(query=BIG, spool_over=1 << 30)), 60)
            spooled = await pool.execute(task(Job(query=BIG, spool_over=1000)), 60)
        finally:
            await pool.close()
        assert whole.spool is None and spooled.spool is not None
        fd = spooled.spool.fd
        return whole.body, spooled.body, spooled.size, fd

    whole, spooled, size, fd = run(scenario())
    assert spooled == whole and size == len(whole)
    gc.collect()  # the outcome is gone: so is its descriptor
    with pytest.raises(OSError):
        os.fstat(fd)


def worker_rss_mb(pool: WorkerPool) -> float:
    pid = pool._idle[0].process.pid  # noqa: SLF001
    return status_kb(pid, "VmRSS") / 1024


def test_a_worker_hands_its_heap_back_after_a_large_query(built_store: Path) -> None:
    async def scenario() -> tuple[float, float, float]:
        pool = WorkerPool(built_store, 1, 2048, queue_wait=5)
        await pool.start()
        try:
            assert (await pool.execute(task(Job(query="ASK { ?s ?p ?o }")), 10)).ok
            before = worker_rss_mb(pool)
            pid = pool._idle[0].process.pid  # noqa: SLF001
            assert (await pool.execute(task(Job(query=HEAP_HOG)), 60)).ok
            for _ in range(100):  # the trim runs after the answer is sent
                if pool.idle:
                    break
                await asyncio.sleep(0.05)
            await pool.execute(task(Job(query="ASK { ?s ?p ?o }")), 10)  # after the trim, surely
            return before, status_kb(pid, "VmHWM") / 1024, worker_rss_mb(pool)
        finally:
            await pool.close()

    before, peak, after = run(scenario())
    assert peak - before > 40, (before, peak)  # the query did grow the heap
    assert after - before < 20, (before, peak, after)
