"""SERVICE without SSRF: refused unless allowlisted, before any connection; allowlisted works."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
from harness import (
    MAX_RESULT,
    TEST_TIMEOUT,
    Recorder,
    Server,
    free_port,
    start_server,
    stop_server,
)


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX x: <{url}> SELECT * WHERE {{ SERVICE x: {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ {{ SELECT * {{ SERVICE <{url}> {{ ?a ?b ?c }} }} }} }}"
    " }}",
    "SELECT * WHERE {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?a ?b ?c }} }} }}",
    "ASK {{ SERVICE <{url}> {{ ?a ?b ?c }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
])
def test_service_not_allowlisted_is_refused_without_connection(
    server: Server, recorder: Recorder, template: str
) -> None:
    before = len(recorder.connections)
    r = server.get("/sparql", params={"query": template.format(url=recorder.url)})
    assert r.status_code == 403
    assert r.json()["error"] == "service-forbidden"
    assert recorder.url in r.json()["message"]
    assert len(recorder.connections) == before  # refused before evaluation


def test_service_escaped_iri_is_still_checked(server: Server, recorder: Recorder) -> None:
    escaped = recorder.url.replace("sparql", "\\u0073parql")
    before = len(recorder.connections)
    q = f"SELECT * {{ SERVICE <{escaped}> {{ ?s ?p ?o }} }}"
    r = server.get("/sparql", params={"query": q})
    assert r.status_code == 403 and recorder.url in r.json()["message"]
    assert len(recorder.connections) == before


def test_service_variable_is_refused(server: Server, recorder: Recorder) -> None:
    q = f"SELECT * {{ VALUES ?svc {{ <{recorder.url}> }} SERVICE ?svc {{ ?s ?p ?o }} }}"
    before = len(recorder.connections)
    r = server.get("/sparql", params={"query": q})
    assert r.status_code == 403 and "?svc" in r.json()["message"]
    assert len(recorder.connections) == before


def test_allowlisted_service_works(server: Server, standin: tuple[str, list[str]]) -> None:
    url, hits = standin
    q = f"""PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?place ?itemLabel WHERE {{
  ?place owl:sameAs ?item .
  SERVICE <{url}> {{ ?item <http://www.w3.org/2000/01/rdf-schema#label> ?itemLabel }}
}} ORDER BY ?place"""
    before = len(hits)
    r = server.get("/sparql", params={"query": q})
    assert r.status_code == 200, r.text
    rows = json.loads(r.content)["results"]["bindings"]
    assert {row["itemLabel"]["value"] for row in rows} == {"Kharkiv", "Ministry of Defence"}
    assert len(hits) > before


def test_recorder_saw_nothing_all_session(recorder: Recorder) -> None:
    assert recorder.connections == []


# --- federation by the server ----------------------------------------------------------------------

SECRET = "internal-secret-do-not-leak"
ANSWER = {"head": {"vars": ["item", "label", "extra"]}, "results": {"bindings": [
    {"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q42308"},
     "label": {"type": "literal", "value": "Kharkiv", "xml:lang": "en"},
     "extra": {"type": "literal", "value": "dropped"}},
    {"item": {"type": "bnode", "value": "b0"},
     "label": {"type": "literal", "value": "a \"quoted\" \\u0041 label"}},
    {"item": {"type": "bnode", "value": "b0"}},
]}}


class _Remote(http.server.BaseHTTPRequestHandler):
    """Allowlisted endpoints that answer well, badly or not at all, by path."""

    received: list[tuple[str, str]] = []
    redirect_to = ""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
        query = parse_qs(body).get("query", [""])[0]
        self.received.append((self.path, query))
        if self.path == "/slow":
            time.sleep(6)
        status, ctype, data = 200, "application/sparql-results+json", json.dumps(ANSWER).encode()
        if self.path == "/error":
            status, ctype, data = 500, "text/plain", f"stack trace: {SECRET}".encode()
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        elif self.path == "/big":
            data = json.dumps({"head": {"vars": ["item"]}, "results": {"bindings": [
                {"item": {"type": "literal", "value": "x" * 1000}}] * 400}}).encode()
        elif self.path == "/html":
            ctype, data = "text/html", f"<p>{SECRET}</p>".encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def remote(recorder: Recorder) -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Remote)
    _Remote.redirect_to = recorder.url
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


DEAD = f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there


@pytest.fixture(scope="module")
def federating(fixture_store: Path, remote: str,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    allow = ",".join(f"{remote}/{p}" for p in ("ok", "error", "redirect", "big", "html", "slow"))
    srv = start_server(fixture_store, tmp_path_factory.mktemp("federating") / "server.log",
                       "--timeout", str(TEST_TIMEOUT), "--workers", "2",
                       "--max-result-bytes", str(MAX_RESULT),
                       "--service-allow", f"{allow},{DEAD}")
    yield srv
    stop_server(srv)


def ask(srv: Server, query: str) -> httpx.Response:
    return srv.get("/sparql", params={"query": query},
                   headers={"Accept": "application/sparql-results+json"})


def test_the_server_fetches_the_block_and_the_engine_joins_the_answer(
        federating: Server, remote: str) -> None:
    before = len(_Remote.received)
    r = ask(federating, f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            f"SELECT ?item ?label ?extra WHERE {{ SERVICE <{remote}/ok> {{ ?item rdfs:label "
            "?label } } ORDER BY ?label")
    assert r.status_code == 200, r.text
    rows = r.json()["results"]["bindings"]
    (path, sent), = _Remote.received[before:]
    assert path == "/ok" and sent == ("SELECT * WHERE { ?item "
                                      "<http://www.w3.org/2000/01/rdf-schema#label> ?label }")
    assert len(rows) == 3
    assert all("extra" not in row for row in rows)  # not a variable of the block
    by_label = {row.get("label", {}).get("value"): row["item"] for row in rows}
    assert by_label["Kharkiv"] == {"type": "uri", "value": "http://www.wikidata.org/entity/Q42308"}
    assert by_label['a "quoted" \\u0041 label']["type"] == "uri"  # a blank node, skolemised
    skolem = by_label['a "quoted" \\u0041 label']["value"]
    assert skolem.startswith("urn:x-dispute-kg:service-bnode:") and skolem.endswith(":b0")
    assert by_label[None]["value"] == skolem  # the same blank node within one answer


@pytest.mark.parametrize(("path", "status", "error"), [
    ("error", 503, "service-unavailable"), ("redirect", 503, "service-unavailable"),
    ("html", 503, "service-unavailable"), ("big", 507, "result-too-large"),
    ("dead", 503, "service-unavailable"), ("slow", 504, "timeout")])
def test_a_failing_service_and_silent(federating: Server, remote: str, recorder: Recorder,
                                      path: str, status: int, error: str) -> None:
    url = DEAD if path == "dead" else f"{remote}/{path}"
    before = len(recorder.connections)
    r = ask(federating, f"SELECT ?x WHERE {{ BIND(1 AS ?x) SERVICE <{url}> {{ ?a ?b ?c }} }}")
    assert r.status_code == status, r.text
    assert r.json()["error"] == error and SECRET not in r.text
    if status == 503:
        assert url in r.json()["message"] and r.json()["service"] == url
    if path != "slow":  # SILENT: one empty solution instead of the failure
        r = ask(federating, f"SELECT ?x ?a WHERE {{ BIND(1 AS ?x) SERVICE SILENT <{url}> "
                "{ ?a ?b ?c } }")
        assert r.status_code == 200, r.text
        assert r.json()["results"]["bindings"] == [
            {"x": {"type": "literal", "value": "1",
                   "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]
    time.sleep(0.2)
    assert len(recorder.connections) == before  # a redirect is not followed


def test_a_remote_backend_never_sees_a_service(built_store: Path, standin: tuple[str, list[str]],
                                               tmp_path_factory: pytest.TempPathFactory
                                               ) -> None:
    """`kg serve --backend URL`: the SERVICE block is fetched by the server and sent to the
    engine as VALUES (a recording engine stands in for the remote SPARQL endpoint)."""
    got: list[str] = []

    class Engine(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
            got.append(parse_qs(body)["query"][0])
            data = b'{"head":{"vars":["item"]},"results":{"bindings":[]}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    engine = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Engine)
    threading.Thread(target=engine.serve_forever, daemon=True).start()
    srv = start_server(built_store, tmp_path_factory.mktemp("remote-fed") / "server.log",
                       "--backend", f"http://127.0.0.1:{engine.server_address[1]}/sparql",
                       "--service-allow", standin[0])
    try:
        r = ask(srv, f"SELECT ?item WHERE {{ SERVICE <{standin[0]}> {{ ?item ?p ?label }} }}")
        assert r.status_code == 200, r.text
    finally:
        stop_server(srv)
        engine.shutdown()
    (query,) = [q for q in got if "?item" in q]
    assert "SERVICE" not in query.upper()
    assert "VALUES ( ?item ) {" in query  # the block's variables the stand-in's answer binds
    assert "http://www.wikidata.org/entity/Q42308" in query
