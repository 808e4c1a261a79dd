"""A stand-in for Wikidata's SPARQL endpoint on 127.0.0.1: a real SPARQL endpoint (pyoxigraph
in memory, SPARQL 1.1 protocol over http.server) serving a small Wikidata-shaped graph."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox


@contextmanager
def standin_endpoint(turtle: str) -> Iterator[tuple[str, list[str]]]:
    """Serve the graph; yield (endpoint URL, list of the queries received)."""
    store = ox.Store()
    store.load(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("query")
            self._answer(query[0] if query else "")

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            if self.headers.get("Content-Type", "").startswith("application/x-www-form"):
                body = urllib.parse.parse_qs(body).get("query", [""])[0]
            self._answer(body)

        def _answer(self, query: str) -> None:
            received.append(query)
            try:
                out = store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
                status = 200
            except (SyntaxError, OSError) as exc:
                out, status = str(exc).encode(), 400
            self.send_response(status)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/sparql", received
    finally:
        server.shutdown()
        server.server_close()
