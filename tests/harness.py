"""Helpers of the endpoint tests: the app in this process (the default), a real `kg serve`
process (where process behaviour is the point: limits, kills, real clients, the browser), a
loopback socket that records connections, and a stand-in for Wikidata's endpoint.

Tests import these from here; tests/server/conftest.py only turns them into fixtures.
"""

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
from typing import Any

import httpx
from starlette.testclient import TestClient

from server.settings import LOCAL_UI_ASSETS, Settings
from server.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
UI_ASSETS = LOCAL_UI_ASSETS
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TEST_TIMEOUT = 3.0  # seconds: the query deadline of the fixture server
MAX_RESULT = 200_000  # bytes: the result cap of the fixture server
WIKIDATA = "https://query.wikidata.org/sparql"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Endpoint:
    """What a test talks to: `url`, and `get`/`post`/`request` returning httpx responses."""

    url: str

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        raise NotImplementedError

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def head(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("HEAD", path, **kw)

    def options(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("OPTIONS", path, **kw)


class InProcess(Endpoint):
    """The app built by `create_app(settings)` in this process, with its real worker pool,
    answered through Starlette's TestClient (httpx over ASGI, the app's loop in a thread)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.url = settings.public_base.rstrip("/")
        self.client = TestClient(self.app, base_url=self.url, raise_server_exceptions=False,
                                 follow_redirects=False)

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        kw.pop("timeout", None)
        return self.client.request(method, path, **kw)

    def __enter__(self) -> InProcess:
        self.client.__enter__()  # runs the app's lifespan: the workers start
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.__exit__(*exc)


@contextlib.contextmanager
def in_process(**settings: Any) -> Iterator[InProcess]:
    """The app over `settings` (Settings fields), started and stopped around the block."""
    with InProcess(Settings(**settings)) as app:
        yield app


@dataclass
class Server(Endpoint):
    """A running `kg serve` process."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        kw.setdefault("timeout", 30)
        return httpx.request(method, self.url + path, **kw)


def start_server(store: Path, log: Path, *extra: str) -> Server:
    """Start `python -m server.web.cli serve` on a free port and wait for /health."""
    port = free_port()
    cmd = [sys.executable, "-m", "server.web.cli", "serve", "--store", str(store),
           "--port", str(port), "--log-level", "warning", *extra]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPUTE_KG_")}
    env["NO_PROXY"] = "*"
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return Server(url, proc, log)
        time.sleep(0.2)  # polling for the server to come up, not an ordering barrier
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


def wait_until(check: Any, timeout: float = 30.0, what: str = "the condition") -> None:
    """Poll an observable state until `check()` is true (fails after `timeout` seconds: a
    guard against hanging, not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)


def client_from(address: str) -> httpx.Client:
    """An HTTP client whose connections come from `address` (127.0.0.x: a distinct peer, so a
    distinct client for the server's per-client limits and priorities)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


def busy_workers(endpoint: Endpoint) -> int:
    """How many query workers are busy, from /health (which needs no worker)."""
    workers = endpoint.get("/health").json()["workers"]
    return int(workers["total"]) - int(workers["idle"])


@dataclass
class Recorder:
    """A loopback socket that records every connection made to it (and never answers)."""

    port: int
    connections: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"


@contextlib.contextmanager
def recording_socket() -> Iterator[Recorder]:
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
    try:
        yield rec
    finally:
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


@contextlib.contextmanager
def standin_endpoint() -> Iterator[tuple[str, list[str]]]:
    """An allowlisted local stand-in for Wikidata's endpoint: (url, recorded requests)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/sparql", _StandIn.hits
    finally:
        httpd.shutdown()


def fixture_settings(store: Path, standin_url: str, **extra: Any) -> dict[str, Any]:
    """The settings of the fixture server: short limits for the tests."""
    return {"store": store, "timeout": TEST_TIMEOUT, "workers": 2, "queue_wait": 0.5,
            "max_result_bytes": MAX_RESULT, "max_body_bytes": 100_000,
            "memory_limit_mb": 700, "service_allow": (WIKIDATA, standin_url),
            "ui_assets": str(UI_ASSETS), "cors_origins": ("*",), **extra}


def fixture_args(settings: dict[str, Any]) -> list[str]:
    """The same settings as `kg serve` options (for a server process)."""
    from kg.options import option_name

    args = []
    for name, value in settings.items():
        if name == "store":
            continue
        text = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
        args += [option_name(name, Settings.model_fields[name]), text]
    return args


def seed_settings(store: Path, standin_url: str, **extra: Any) -> dict[str, Any]:
    """The server over the seed build; saved queries' Wikidata calls go to the stand-in."""
    return {"store": store, "timeout": 10, "workers": 2,
            "service_allow": (WIKIDATA, standin_url), "wikidata_endpoint": standin_url,
            "ui_assets": str(UI_ASSETS), **extra}


def rows(response: httpx.Response) -> list[dict[str, str]]:
    """SPARQL JSON results as plain {var: value} dicts."""
    assert response.status_code == 200, response.text
    data = json.loads(response.content)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


BASE = "https://w3id.org/dispute-kg/"
KHARKIV = BASE + "id/incident/kharkiv-2026-01-02"
KHORLY = BASE + "id/incident/khorly-new-years-eve"
