"""Capacity for quiet clients, through the real server: with as many runaway clients as workers,
and with 20 concurrent runaways, a quiet client's small queries keep being answered 200.
Runaway clients are distinct peers (127.0.0.x source addresses). Statuses are asserted, never
timings. Then the per-client limits (server.engine.clients), in process with a clock of their own."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import (
    Server,
    busy_workers,
    client_from,
    in_process,
    start_server,
    stop_server,
    wait_until,
)

from server.engine.clients import HEAVY, QUIET, UNKNOWN, ClientLimits, ClientPolicy
from server.engine.evaluate import Outcome

RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
           "?m ?n2 ?o . ?p ?q ?r }")
SIMPLE = "ASK { ?s ?p ?o }"
WORKERS = 3
DURATION = 12.0  # seconds of runaways per scenario


@pytest.fixture(scope="module")
def busy_server(fixture_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(fixture_store, tmp_path_factory.mktemp("capacity") / "server.log",
                       "--timeout", "6", "--workers", str(WORKERS), "--queue-wait", "2")
    yield srv
    stop_server(srv)


def scenario(srv: Server, runaways: list[str]) -> tuple[list[int], dict[int, int]]:
    """Each runaway address sends runaway queries one after the other while a quiet client
    sends small ones; the quiet client's statuses, and how the runaways were answered."""
    stop = threading.Event()
    answered: dict[int, int] = {}
    lock = threading.Lock()

    def runaway(address: str) -> None:
        with client_from(address) as http:
            while not stop.is_set():
                r = http.post(srv.url + "/sparql", data={"query": RUNAWAY})
                with lock:
                    answered[r.status_code] = answered.get(r.status_code, 0) + 1
                if r.status_code in (429, 503):
                    time.sleep(min(2.0, float(r.headers.get("retry-after", "1"))))

    threads = [threading.Thread(target=runaway, args=(a,), daemon=True) for a in runaways]
    for t in threads:
        t.start()
    quiet: list[int] = []
    time.sleep(1.5)  # the runaways hold every worker and the long lane fills
    end = time.monotonic() + DURATION
    with client_from("127.0.0.1") as http:
        while time.monotonic() < end:
            r = http.get(srv.url + "/sparql", params={"query": SIMPLE})
            quiet.append(r.status_code)
            time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(30)
    return quiet, answered


def test_as_many_runaways_as_workers(busy_server: Server) -> None:
    quiet, answered = scenario(busy_server, [f"127.0.0.{2 + i}" for i in range(WORKERS)])
    assert len(quiet) >= 10 and set(quiet) == {200}, quiet
    assert set(answered) <= {503, 504}, answered


def test_twenty_concurrent_runaways(busy_server: Server) -> None:
    quiet, answered = scenario(busy_server, [f"127.0.0.{10 + i}" for i in range(20)])
    assert len(quiet) >= 10 and set(quiet) == {200}, quiet
    assert set(answered) <= {429, 503, 504} and 503 in answered, answered
    health = busy_server.get("/health").json()["workers"]
    assert health["killed"]["long-lane-full"] > 0 and health["long"]["max"] == WORKERS


def test_a_client_over_its_concurrent_share_gets_429(busy_server: Server) -> None:
    statuses: list[tuple[int, str | None]] = []

    def send() -> None:
        with client_from("127.0.0.40") as http:
            r = http.post(busy_server.url + "/sparql", data={"query": RUNAWAY, "timeout": "2"})
            statuses.append((r.status_code, r.headers.get("retry-after")))

    threads = [threading.Thread(target=send) for _ in range(ClientPolicy().concurrency + 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    refused = [retry for status, retry in statuses if status == 429]
    assert len(refused) >= 2 and all(retry and int(retry) >= 1 for retry in refused), statuses


def test_the_saved_query_api_counts_against_the_same_client(fixture_store: Path) -> None:
    """A client's saved-query calls share its limits with its /sparql queries: with its one
    query at a time taken by a runaway, its saved-query call is refused 429 too."""
    with in_process(store=fixture_store, workers=2, queue_wait=30, timeout=20,
                    client_concurrency=1) as app:
        runaway = threading.Thread(target=lambda: app.post(
            "/sparql", data={"query": RUNAWAY, "timeout": "3"}))
        runaway.start()
        try:
            wait_until(lambda: busy_workers(app) >= 1, what="the runaway taking a worker")
            r = app.get("/queries/incidents.json")
            assert r.status_code == 429 and r.json()["error"] == "too-many-queries", r.text
            assert int(r.headers["retry-after"]) >= 1
        finally:
            runaway.join(30)
        assert app.get("/queries/incidents.json").status_code == 200  # its share is back


# --- per-client limits in process ---------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ran(seconds: float, status: int = 200, error: str = "") -> Outcome:
    return Outcome(status, error=error, ran=seconds)


def test_concurrency_limit() -> None:
    limits = ClientLimits(ClientPolicy(concurrency=2, seconds=60, window=60), Clock())
    a, s1 = limits.admit("a")
    b, s2 = limits.admit("a")
    refused, _ = limits.admit("a")
    assert a is None and b is None and refused is not None
    assert (refused.status, refused.error, refused.retry_after) == (429, "too-many-queries", 1)
    assert limits.admit("b")[0] is None  # another client is not affected
    limits.finish("a", s1, ran(0.01))
    assert limits.admit("a")[0] is None


def test_query_seconds_per_window() -> None:
    clock = Clock()
    limits = ClientLimits(ClientPolicy(concurrency=5, seconds=10, window=60), clock)
    _, start = limits.admit("a")
    clock.now += 30  # 5 s waiting for a worker (not counted), 25 s running in it
    limits.finish("a", start, ran(25, 504, "timeout"))
    refused, _ = limits.admit("a")
    assert refused is not None and (refused.status, refused.error) == (429, "query-time-exceeded")
    assert refused.retry_after == 90  # 15 s of debt at 10 s per 60 s
    clock.now += 90
    assert limits.admit("a")[0] is None


def test_priority_classes() -> None:
    clock = Clock()
    limits = ClientLimits(ClientPolicy(), clock)
    assert limits.priority(None) == (QUIET, 0.0)  # the server's own page queries
    assert limits.priority("new")[0] == UNKNOWN
    _, q = limits.admit("quiet")
    limits.finish("quiet", q, ran(0.02))
    _, r = limits.admit("runaway")
    limits.finish("runaway", r, ran(1.2, 503, "long-lane-full"))
    _, m = limits.admit("hog")
    limits.finish("hog", m, ran(0.5, 507, "memory-limit"))
    _, b = limits.admit("busy-only")
    limits.finish("busy-only", b, Outcome(503, error="busy"))  # waited, never ran
    assert [limits.priority(k)[0] for k in ("quiet", "runaway", "hog", "busy-only")] == [
        QUIET, HEAVY, HEAVY, UNKNOWN]
    clock.now += 61  # a window later, the runaway is no longer heavy
    assert limits.priority("runaway")[0] == UNKNOWN and limits.priority("quiet")[0] == UNKNOWN
