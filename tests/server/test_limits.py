"""Limits that hold: deadline, memory cap, result cap, busy pool; the server keeps serving."""

from __future__ import annotations

import json
import threading

import pytest
from harness import MAX_RESULT, Server, busy_workers, client_from, wait_until

# Five-way cross product under COUNT: blocks inside Rust for hours, ignores signals.
RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
           "?m ?n2 ?o . ?p ?q ?r }")
# ORDER BY over a cross product: memory grows fast.
HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?a ?c ?f ?i ?l"
SIMPLE = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def server(process_server: Server) -> Server:
    """A real `kg serve` process: deadlines, kills and a busy pool, in the process that serves."""
    return process_server


def ask_ok(server: Server) -> bool:
    r = server.get("/sparql", params={"query": SIMPLE})
    return r.status_code == 200 and json.loads(r.content)["boolean"] is True


def test_runaway_query_is_stopped_while_others_are_answered(server: Server) -> None:
    result: dict = {}

    def runaway() -> None:  # from another peer than the simple queries below
        with client_from("127.0.0.2") as http:
            result["response"] = http.post(server.url + "/sparql", data={"query": RUNAWAY})

    killed = server.get("/health").json()["workers"]["killed"]["timeout"]
    assert ask_ok(server)  # this client has run brief queries only: a quiet client
    t = threading.Thread(target=runaway)
    t.start()
    wait_until(lambda: busy_workers(server) >= 1, what="the runaway taking a worker")
    # the quiet client is answered while the runaway burns its worker
    assert ask_ok(server)
    assert t.is_alive(), "the runaway query should still be running"
    t.join(30)
    r = result["response"]
    assert r.status_code == 504
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] == "timeout"
    # its worker was killed at the deadline, and the server keeps serving afterwards
    assert ask_ok(server)
    assert server.get("/health").json()["workers"]["killed"]["timeout"] > killed


def test_timeout_parameter_only_lowers(server: Server) -> None:
    r = server.get("/sparql", params={"query": RUNAWAY, "timeout": "1"})
    assert r.status_code == 504 and r.json()["timeout"] == 1.0
    r = server.get("/sparql", params={"query": SIMPLE, "timeout": "3600"})
    assert r.status_code == 200
    assert server.get("/sparql", params={"query": SIMPLE, "timeout": "-1"}).status_code == 400
    assert server.get("/sparql", params={"query": SIMPLE, "timeout": "soon"}).status_code == 400


def test_memory_cap_kills_the_worker(server: Server) -> None:
    r = server.get("/sparql", params={"query": HOG})
    assert r.status_code in (507, 504)  # over the memory cap, or the deadline if slower
    assert r.json()["error"] in ("memory-limit", "timeout")
    assert ask_ok(server)


def test_result_cap_fails_before_any_byte(server: Server) -> None:
    q = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    r = server.get("/sparql", params={"query": q})
    assert r.status_code == 507
    assert r.json() == {"error": "result-too-large", "status": 507, "limit": MAX_RESULT,
                        "message": r.json()["message"]}
    r = server.get("/sparql", params={"query": q + " LIMIT 10"}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and len(r.text.splitlines()) == 11


def test_busy_pool_answers_503_with_retry_after(server: Server) -> None:
    heavy = "127.0.0.3"  # a client with runaways in flight is not a quiet client

    def runaway() -> None:
        with client_from(heavy) as http:
            http.post(server.url + "/sparql", data={"query": RUNAWAY, "timeout": "2"})

    threads = [threading.Thread(target=runaway) for _ in range(2)]
    for t in threads:
        t.start()
    # The first runaway holds a worker; the pool keeps the last idle one for quiet clients, so
    # the same client's next query must wait, and is told to come back later.
    wait_until(lambda: busy_workers(server) >= 1, what="a runaway taking a worker")
    with client_from(heavy) as http:
        r = http.get(server.url + "/sparql", params={"query": SIMPLE})
    assert r.status_code == 503
    assert int(r.headers["retry-after"]) >= 1
    assert r.json()["error"] == "busy"
    for t in threads:
        t.join(30)
    # the killed workers are replaced
    wait_until(lambda: server.get("/health").json()["workers"]["idle"] == 2,
               what="the killed workers replaced")
    assert ask_ok(server)
