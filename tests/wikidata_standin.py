"""A stand-in for Wikidata's SPARQL endpoint on 127.0.0.1: a real SPARQL endpoint (pyoxigraph
in memory, SPARQL 1.1 protocol over http.server) serving a small Wikidata-shaped graph."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox

# A few facts in Wikidata's shape (same IRIs and wdt: properties) for the linked items.
WIKIDATA_SAMPLE = """
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
wd:Q42308 wdt:P625 "Point(36.2311 49.9925)"^^geo:wktLiteral ; wdt:P17 wd:Q212 ;
    rdfs:label "Kharkiv"@en, "Kharkiv"@fr ; schema:description "city in Ukraine (stand-in)"@en .
wd:Q1899 wdt:P625 "Point(30.5233 50.45)"^^geo:wktLiteral ; wdt:P17 wd:Q212 ;
    rdfs:label "Kyiv"@en, "Kiev"@fr .
wd:Q166 wdt:P625 "Point(34 43)"^^geo:wktLiteral ; rdfs:label "Black Sea"@en .
wd:Q3874799 rdfs:label "Volodymyr Zelenskyy"@en ; schema:description "President of Ukraine (stand-in)"@en .
"""


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
