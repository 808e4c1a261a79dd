"""HTTP limits of the server process (raw sockets against `kg serve`): header size and count,
request line, and deadlines for headers and bodies, so a slow sender cannot hold a
connection; each refusal is the JSON error body, and the server keeps serving."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Server, start_server, stop_server

HEADER_TIMEOUT = 0.5  # seconds, set small for these tests
BODY_TIMEOUT = 0.5
MAX_HEADERS = 20
MAX_HEADER_BYTES = 4096
WAIT = 30  # seconds a test waits for an answer before failing (a hang guard, not a timing)


@pytest.fixture(scope="module")
def limited(fixture_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(fixture_store, tmp_path_factory.mktemp("limits") / "server.log",
                       "--workers", "1", "--header-timeout", str(HEADER_TIMEOUT),
                       "--body-timeout", str(BODY_TIMEOUT), "--max-headers", str(MAX_HEADERS),
                       "--max-header-bytes", str(MAX_HEADER_BYTES), "--max-body-bytes", "8192")
    yield srv
    stop_server(srv)


def exchange(server: Server, *parts: bytes) -> tuple[int, dict]:
    """Send `parts` on a fresh connection, then read until the server closes it: the status
    and JSON body of its answer."""
    host, port = server.url.split("://", 1)[1].split(":")
    data = b""
    with socket.create_connection((host, int(port)), timeout=WAIT) as s:
        try:
            for part in parts:
                s.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before we finished sending: the answer is waiting
        try:
            while chunk := s.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass  # closed with our unread bytes in its buffer; what came first is the answer
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"x-content-type-options: nosniff" in head.lower()
    return status, json.loads(body)


def request_head(server: Server, *headers: str, method: str = "GET",
                 target: str = "/sparql?query=ASK%7B%7D") -> bytes:
    host = server.url.split("://", 1)[1]
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", *headers, "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def still_serving(server: Server) -> None:
    assert server.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200


def test_too_many_header_fields_431(limited: Server) -> None:
    status, body = exchange(limited, request_head(
        limited, *(f"X-Filler-{i}: x" for i in range(MAX_HEADERS + 5))))
    assert (status, body["error"], body["status"]) == (431, "headers-too-large", 431)
    still_serving(limited)


def test_a_huge_accept_header_431(limited: Server) -> None:
    huge = ", ".join(f"application/x-{i}" for i in range(500_000))  # ~9.4 MB
    status, body = exchange(limited, request_head(limited, f"Accept: {huge}"))
    assert (status, body["error"]) == (431, "headers-too-large")
    still_serving(limited)


def test_a_request_line_over_the_cap_414(limited: Server) -> None:
    status, body = exchange(limited, request_head(limited, target="/sparql?query=" + "a" * 9000))
    assert (status, body["error"]) == (414, "uri-too-long")


def test_a_connection_that_sends_nothing_is_closed_408(limited: Server) -> None:
    status, body = exchange(limited)  # connect, say nothing
    assert (status, body["error"]) == (408, "request-timeout")


def test_headers_sent_slowly_are_cut_off_408(limited: Server) -> None:
    host = limited.url.split("://", 1)[1]
    partial = f"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode()
    status, body = exchange(limited, partial)  # the rest of the headers never comes
    assert (status, body["error"]) == (408, "request-timeout")
    still_serving(limited)


def test_a_body_sent_slowly_is_cut_off_408(limited: Server) -> None:
    head = request_head(limited, "Content-Type: application/sparql-query",
                        "Content-Length: 100", method="POST", target="/sparql")
    status, body = exchange(limited, head, b"ASK {")  # 5 of the 100 bytes announced
    assert (status, body["error"]) == (408, "request-timeout")
    still_serving(limited)


def test_an_unparsable_request_is_a_json_400(limited: Server) -> None:
    status, body = exchange(limited, b"GET /sparql HTTP/1.1\r\nHost\r\n\r\n")
    assert (status, body["error"]) == (400, "bad-request")
