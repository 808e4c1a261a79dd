"""Query workers without a network (server.engine.isolation): real worker processes on the seed store.

Where this machine lets a process leave the host's network (root, or unprivileged user
namespaces), the workers must have done so: a SERVICE handed to a worker directly, past every
check, reaches nothing. Where it does not, the backend must refuse every SERVICE."""

from __future__ import annotations

import asyncio
import errno
import subprocess
import sys
import time
from pathlib import Path

from harness import Recorder

from server.engine.backend import EmbeddedBackend
from server.engine.evaluate import Job, Task
from server.engine.workers import WorkerPool

ALLOWED = "https://query.wikidata.org/sparql"


def machine_can_isolate() -> bool:
    """Whether a fresh process here can leave the network (asked in a child process)."""
    code = ("from server.engine.isolation import isolate_network; "
            "print(isolate_network().isolated)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    return out.stdout.strip() == "True"


def test_a_worker_reaches_nothing_even_with_a_service_past_every_check(
        built_store: Path, recorder: Recorder) -> None:
    can = machine_can_isolate()

    async def scenario() -> tuple[bool, int, str]:
        pool = WorkerPool(built_store, 1, 2048, queue_wait=5)
        await pool.start()
        try:
            raw = f"SELECT * WHERE {{ SERVICE <{recorder.url}> {{ ?s ?p ?o }} }}"
            outcome = await pool.execute(Task(raw, "SELECT", False, None, Job(query="")), 10)
            return pool.isolation.isolated, outcome.status, outcome.message
        finally:
            await pool.close()

    before = len(recorder.connections)
    isolated, status, message = asyncio.run(scenario())
    assert isolated is can
    if can:
        assert status == 500 and "unreachable" in message.lower(), message
        time.sleep(0.3)
        assert len(recorder.connections) == before


def test_without_isolation_every_service_is_refused(built_store: Path) -> None:
    async def scenario() -> tuple[dict, int, str, int]:
        backend = EmbeddedBackend(WorkerPool(built_store, 1, 2048, queue_wait=5, isolate=False))
        await backend.start()
        try:
            job = Job(query=f"SELECT * WHERE {{ SERVICE <{ALLOWED}> {{ ?s ?p ?o }} }}",
                      service_allow=(ALLOWED,), base="http://localhost/sparql")
            refused = await backend.execute(job, 10)
            plain = await backend.execute(Job(query="ASK { ?s ?p ?o }"), 10)
            return backend.health(), refused.status, refused.message, plain.status
        finally:
            await backend.close()

    health, status, message, plain = asyncio.run(scenario())
    assert health["workers"]["network"]["isolated"] is False
    assert health["service"].startswith("refused")
    assert status == 403 and "off the network" in message
    assert plain == 200


def test_isolation_in_a_child_process_leaves_no_route() -> None:
    """The check itself: after isolate_network, connecting to loopback fails at once; when
    isolation is not possible, the report says why."""
    code = ("import socket; from server.engine.isolation import isolate_network; "
            "r = isolate_network(); s = socket.socket(); s.settimeout(1)\n"
            "try:\n    s.connect(('127.0.0.1', 9)); e = 'connected'\n"
            "except OSError as x:\n    e = x.errno\n"
            "print(r.isolated, e, bool(r.detail))")
    isolated, result, has_detail = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        check=True).stdout.split()
    assert has_detail == "True"
    if isolated == "True":
        assert result == str(errno.ENETUNREACH)
