"""Fixtures for the endpoint tests: the real server as a process on a free loopback port."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fixture_data import build_fixture_store

ROOT = Path(__file__).resolve().parents[2]
UI_ASSETS = ROOT / "ui" / "node_modules" / "@zazuko" / "yasgui" / "build"
TEST_TIMEOUT = 3.0  # seconds: the server's query deadline in these tests
MAX_RESULT = 200_000  # bytes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running `kg serve` process."""

    url: str
    process: subprocess.Popen
    log: Path

    def get(self, path: str, **kw) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **kw)

    def post(self, path: str, **kw) -> httpx.Response:
        return httpx.post(self.url + path, timeout=30, **kw)


def start_server(store: Path, log: Path, *extra: str) -> Server:
    """Start `python -m server.cli serve` on a free port and wait for /health."""
    port = free_port()
    cmd = [sys.executable, "-m", "server.cli", "serve", "--store", str(store),
           "--port", str(port), "--log-level", "warning", *extra]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPUTE_KG_")}
    env["NO_PROXY"] = "*"
    fh = log.open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return Server(url, proc, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(Server(url, proc, log))
    raise RuntimeError(f"server did not start: {log.read_text()}")


def stop_server(server: Server) -> None:
    """Stop the server and its worker processes (its own process group)."""
    pgid = os.getpgid(server.process.pid)
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


@dataclass
class Recorder:
    """A loopback socket that records every connection made to it (and never answers)."""

    port: int
    connections: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"


@pytest.fixture(scope="session")
def recorder() -> Iterator[Recorder]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    rec = Recorder(sock.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, addr = sock.accept()
            except OSError:
                continue
            rec.connections.append(f"{addr[0]}:{addr[1]}")
            conn.close()

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield rec
    stop.set()
    t.join(2)
    sock.close()


class _StandIn(http.server.BaseHTTPRequestHandler):
    """A tiny SPARQL endpoint: every query gets the same two-row JSON result."""

    hits: list[str] = []
    RESULT = {
        "head": {"vars": ["item", "itemLabel"]},
        "results": {"bindings": [
            {"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q42308"},
             "itemLabel": {"type": "literal", "value": "Kharkiv", "xml:lang": "en"}},
            {"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q1146492"},
             "itemLabel": {"type": "literal", "value": "Ministry of Defence", "xml:lang": "en"}},
        ]},
    }

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        self.hits.append(self.path + " " + body.decode("utf-8", "replace"))
        data = json.dumps(self.RESULT).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def standin() -> Iterator[tuple[str, list[str]]]:
    """An allowlisted local stand-in for Wikidata's endpoint: (url, recorded requests)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/sparql", _StandIn.hits
    httpd.shutdown()


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the small TriG fixture (shapes of the real build)."""
    return build_fixture_store(tmp_path_factory.mktemp("fixture-store") / "store")


@pytest.fixture(scope="session")
def server(
    fixture_store: Path, standin: tuple[str, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The real server over the fixture store, with short limits for the tests."""
    log = tmp_path_factory.mktemp("server-log") / "server.log"
    srv = start_server(
        fixture_store, log,
        "--timeout", str(TEST_TIMEOUT), "--workers", "2", "--queue-wait", "0.5",
        "--max-result-bytes", str(MAX_RESULT), "--max-body-bytes", "100000",
        "--memory-limit-mb", "700",
        "--service-allow", f"https://query.wikidata.org/sparql,{standin[0]}",
        "--ui-assets", str(UI_ASSETS), "--cors-origins", "*",
    )
    yield srv
    stop_server(srv)
