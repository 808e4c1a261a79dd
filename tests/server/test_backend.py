"""`kg serve --backend URL` against real engines on 127.0.0.1, loaded from the seed build's dump.

- oxigraph serve-read-only (bench/work/venv-oxigraph, scripts/install-peers.sh) and Debian's
  Virtuoso (scripts/install-peers.sh --virtuoso) each start once per session; a missing engine
  fails the tests that need it (it is not skipped).
- Every saved query, with every parameter combination, gives the same rows through
  `kg serve --backend` as pyoxigraph with `substitutions` on the embedded store; known engine
  differences are listed by name in bench.backends.KNOWN and expected to fail (strictly).
- /sparql keeps its protocol, formats, guard and limits in front of the remote engine.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from harness import BROWSER, KHARKIV, MAX_RESULT, Server, start_server, stop_server

from bench.backends import (
    KNOWN,
    Proc,
    norm_graph,
    norm_rows,
    parameter_sets,
    start_oxigraph,
    start_virtuoso,
)
from kg.catalogue import load_catalogue
from kg.federation import WIKIDATA_SPARQL, remap_services
from server.engine.formats import OX_FORMATS
from server.engine.substitute import SubstitutionError, substitute
from tests.wikidata_standin import WIKIDATA_SAMPLE, standin_endpoint

CATALOGUE = load_catalogue()
ENGINES = ("oxigraph", "virtuoso")
ZELENSKY = "https://w3id.org/dispute-kg/id/actor/zelensky"


@pytest.fixture(scope="session")
def wikidata() -> Iterator[str]:
    with standin_endpoint(WIKIDATA_SAMPLE) as (url, _):
        yield url


@pytest.fixture(scope="session")
def seed_dump(built_store: Path) -> Path:
    from kg.build import dumps_dir
    from kg.export import ensure_dumps

    ensure_dumps(built_store, dumps_dir(built_store))
    dump = dumps_dir(built_store) / "latest-dispute-kg.nq.gz"
    assert dump.exists(), dump
    return dump


def _engine(name: str, dump: Path, tmp: pytest.TempPathFactory) -> Iterator[Proc]:
    start = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}[name]
    proc = start(dump, tmp.mktemp(name))
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def oxigraph_engine(seed_dump: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    yield from _engine("oxigraph", seed_dump, tmp_path_factory)


@pytest.fixture(scope="session")
def virtuoso_engine(seed_dump: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    yield from _engine("virtuoso", seed_dump, tmp_path_factory)


def _serve(store: Path, backend: str, wikidata: str, tmp: pytest.TempPathFactory,
           name: str) -> Iterator[Server]:
    srv = start_server(store, tmp.mktemp(f"kg-{name}") / "server.log",
                       "--backend", backend, "--timeout", "10", "--workers", "4",
                       "--queue-wait", "2", "--max-result-bytes", str(MAX_RESULT),
                       "--service-allow", f"{WIKIDATA_SPARQL},{wikidata}",
                       "--wikidata-endpoint", wikidata)
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def on_oxigraph(built_store: Path, oxigraph_engine: Proc, wikidata: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _serve(built_store, oxigraph_engine.url, wikidata, tmp_path_factory, "oxigraph")


@pytest.fixture(scope="session")
def on_virtuoso(built_store: Path, virtuoso_engine: Proc, wikidata: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _serve(built_store, virtuoso_engine.url, wikidata, tmp_path_factory, "virtuoso")


def embedded(db: ox.Store, name: str, values: dict[str, str], wikidata: str) -> object:
    """What the embedded store answers (pyoxigraph substitutions), normalised like bench does."""
    q = CATALOGUE[name]
    text = remap_services(q.query, {WIKIDATA_SPARQL: wikidata})
    result = db.query(text, use_default_graph_as_union=True, substitutions=q.bind(values))
    if isinstance(result, ox.QueryTriples):
        return norm_graph(result.serialize(format=ox.RdfFormat.N_TRIPLES).decode())
    return norm_rows(json.loads(result.serialize(format=OX_FORMATS["json"])))


def remote(srv: Server, name: str, values: dict[str, str]) -> object:
    graph = CATALOGUE[name].kind in ("CONSTRUCT", "DESCRIBE")
    r = srv.get(f"/queries/{name}.{'nt' if graph else 'json'}", params=values)
    assert r.status_code == 200, r.text[:500]
    return norm_graph(r.text) if graph else norm_rows(r.json())


def _cases() -> list:
    cases = []
    for engine in ENGINES:
        for name in CATALOGUE:
            reason = KNOWN.get((engine, name))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(engine, name, marks=marks, id=f"{engine}-{name}"))
    return cases


# --- parameters written into the text ----------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_substituted_text_gives_the_rows_of_pyoxigraph_substitutions(db: ox.Store, name: str,
                                                                     wikidata: str) -> None:
    """On the same store, the rewritten text and pyoxigraph's substitutions agree, for every
    parameter combination (unset, default, allowed, examples, a value matching nothing)."""
    q = CATALOGUE[name]
    for values in parameter_sets(q):
        bound = {v.value: t for v, t in q.bind(values).items()}
        text = remap_services(substitute(q.query, bound), {WIKIDATA_SPARQL: wikidata})
        got = db.query(text, use_default_graph_as_union=True)
        if isinstance(got, ox.QueryTriples):
            rows = norm_graph(got.serialize(format=ox.RdfFormat.N_TRIPLES).decode())
        else:
            rows = norm_rows(json.loads(got.serialize(format=OX_FORMATS["json"])))
        assert rows == embedded(db, name, values, wikidata), values


def test_substitution_keeps_the_projection_and_leaves_strings_alone() -> None:
    text = ('SELECT ?x ?lang WHERE { ?x ?p "?lang" . <urn:?lang> ?q ?x # ?lang\n'
            ' FILTER(LANG(?x) = COALESCE($lang, "en")) BIND(1 AS ?lang2) } ORDER BY ?lang')
    out = substitute(text, {"lang": ox.Literal("fr")})
    assert out == ('SELECT ?x ("fr" AS ?lang) WHERE { ?x ?p "?lang" . <urn:?lang> ?q ?x # ?lang\n'
                   ' FILTER(LANG(?x) = COALESCE("fr", "en")) BIND(1 AS ?lang2) } ORDER BY ("fr")')


@pytest.mark.parametrize("value", ['x" } ; DROP ALL ; SELECT * { "', "a\nb\rc\\d", "}>'\"#",
                                   "'''", 'SERVICE <http://evil/> {}', "a\\u0022b",
                                   "a\\U00000022", "\\\\u0041"])
def test_a_literal_cannot_leave_its_quotes(db: ox.Store, value: str) -> None:
    """Whatever the text, the substituted query binds exactly that string."""
    out = substitute("SELECT ?v WHERE {}", {"v": ox.Literal(value)})
    rows = list(db.query(out))
    assert [r["v"] for r in rows] == [ox.Literal(value)]


@pytest.mark.parametrize("query", ["SELECT * WHERE { ?s ?p ?lang }",
                                   "SELECT ?lang WHERE { FILTER(BOUND(?lang)) }",
                                   "SELECT ?lang WHERE { VALUES ?lang { 1 } }"])
def test_where_the_semantics_differ_substitution_is_refused(query: str) -> None:
    with pytest.raises(SubstitutionError):
        substitute(query, {"lang": ox.Literal("fr")})


# --- every saved query on both engines -----------------------------------------------------------

@pytest.mark.parametrize(("engine", "name"), _cases())
def test_saved_query_rows_match_the_embedded_store(request: pytest.FixtureRequest, db: ox.Store,
                                                   wikidata: str, engine: str,
                                                   name: str) -> None:
    srv: Server = request.getfixturevalue(f"on_{engine}")
    for values in parameter_sets(CATALOGUE[name]):
        assert remote(srv, name, values) == embedded(db, name, values, wikidata), values


# --- /sparql in front of a remote engine ---------------------------------------------------------

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SELECT = f"SELECT ?label WHERE {{ <{ZELENSKY}> <{RDFS_LABEL}> ?label }}"
CONSTRUCT = f"CONSTRUCT {{ <{ZELENSKY}> ?p ?o }} WHERE {{ <{ZELENSKY}> ?p ?o }}"


def _labels(db: ox.Store) -> set[str]:
    return {str(r["label"]) for r in db.query(SELECT, use_default_graph_as_union=True)}


def test_the_three_request_forms(on_oxigraph: Server, db: ox.Store) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    answers = [
        on_oxigraph.get("/sparql", params={"query": SELECT}, headers=accept),
        on_oxigraph.post("/sparql", data={"query": SELECT}, headers=accept),
        on_oxigraph.post("/sparql", content=SELECT.encode(), headers={
            **accept, "Content-Type": "application/sparql-query"}),
    ]
    for r in answers:
        assert r.status_code == 200, r.text
        got = {str(ox.Literal(b["label"]["value"], language=b["label"]["xml:lang"]))
               for b in r.json()["results"]["bindings"]}
        assert got == _labels(db)


@pytest.mark.parametrize(("fmt", "media"), [
    ("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_result_formats(on_oxigraph: Server, fmt: str, media: str) -> None:
    r = on_oxigraph.get("/sparql", params={"query": SELECT}, headers={"Accept": media})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    assert "Zelensky" in r.text


@pytest.mark.parametrize(("fmt", "media"), [
    ("turtle", "text/turtle"), ("ntriples", "application/n-triples"),
    ("jsonld", "application/ld+json"), ("rdfxml", "application/rdf+xml"),
    ("nquads", "application/n-quads"), ("trig", "application/trig")])
def test_graph_formats_parse_to_the_embedded_graph(on_oxigraph: Server, db: ox.Store, fmt: str,
                                                   media: str) -> None:
    r = on_oxigraph.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": media})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(media)
    got = {q.triple if isinstance(q, ox.Quad) else q
           for q in ox.parse(r.content, format=OX_FORMATS[fmt])}  # type: ignore[arg-type]
    assert got == set(db.query(CONSTRUCT, use_default_graph_as_union=True))


def test_ask_and_named_graphs(on_oxigraph: Server) -> None:
    ask = on_oxigraph.get("/sparql", params={"query": f"ASK {{ <{ZELENSKY}> ?p ?o }}"})
    assert ask.json()["boolean"] is True
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    derived = "https://w3id.org/dispute-kg/graph/derived"
    one = on_oxigraph.get("/sparql", params={"query": q, "default-graph-uri": derived})
    everything = on_oxigraph.get("/sparql", params={"query": q})
    n_one = int(one.json()["results"]["bindings"][0]["n"]["value"])
    n_all = int(everything.json()["results"]["bindings"][0]["n"]["value"])
    assert 0 < n_one < n_all


@pytest.mark.parametrize(("query", "status", "error"), [
    ("DELETE WHERE { ?s ?p ?o }", 403, "update-forbidden"),
    ("LOAD <http://127.0.0.1:9/x.ttl>", 403, "update-forbidden"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 403,
     "service-forbidden"),
    ("SELECT * WHERE { SERVICE ?x { ?s ?p ?o } }", 403, "service-forbidden"),
    ("SELECT * WHERE { ?s ?p }", 400, "syntax-error"),
    ("SELECT (bif:sprintf('%d', 1) AS ?x) WHERE {}", 403, "extension-forbidden"),
    ("PREFIX f: <sql:> SELECT (f:x(1) AS ?x) WHERE {}", 403, "extension-forbidden"),
    ("SELECT * WHERE { ?s ?p ?o }", 507, "result-too-large"),
])
def test_guard_and_limits_hold_in_front_of_the_engine(on_oxigraph: Server, query: str,
                                                      status: int, error: str) -> None:
    r = on_oxigraph.get("/sparql", params={"query": query})
    assert r.status_code == status, r.text
    assert r.json()["error"] == error


def test_a_slow_query_is_stopped_at_the_deadline(on_oxigraph: Server) -> None:
    slow = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f "
            "FILTER(STRLEN(STR(?c)) + STRLEN(STR(?f)) > 0) }")
    r = on_oxigraph.get("/sparql", params={"query": slow, "timeout": "0.2"})
    assert r.status_code == 504
    assert r.json()["error"] == "timeout"
    assert on_oxigraph.get("/health").status_code == 200


def test_not_acceptable(on_oxigraph: Server) -> None:
    r = on_oxigraph.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert r.status_code == 406


# --- pages -----------------------------------------------------------------------------------------

def test_pages_come_from_the_engine(on_oxigraph: Server) -> None:
    health = on_oxigraph.get("/health").json()
    assert health["status"] == "ok" and health["backend"].startswith("http://127.0.0.1:")
    dispute = on_oxigraph.get("/disputes/kharkiv-2026-01-02", headers={"Accept": BROWSER})
    assert dispute.status_code == 200
    assert "Ministry of Defence of the Russian Federation" in dispute.text
    page = on_oxigraph.get("/id/actor/zelensky", headers={"Accept": BROWSER})
    assert page.status_code == 200 and "Zelensky" in page.text
    assert on_oxigraph.get("/id/actor/nobody", headers={"Accept": BROWSER}).status_code == 404
    assert on_oxigraph.get("/", headers={"Accept": BROWSER}).status_code == 200
    links = on_oxigraph.get("/links").json()
    assert links["counts"]["total"]["linked"] > 0


def test_saved_query_page_and_parameter_errors(on_oxigraph: Server) -> None:
    r = on_oxigraph.get("/queries/disputes", params={"incident": KHARKIV},
                        headers={"Accept": BROWSER})
    assert r.status_code == 200 and "kharkiv" in r.text.lower()
    bad = on_oxigraph.get("/queries/disputes.json", params={"incident": "not an iri"})
    assert bad.status_code == 422


def test_virtuoso_pages_list_only_the_dataset_graphs(on_virtuoso: Server) -> None:
    void = on_virtuoso.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert void.status_code == 200
    assert "virtrdf" not in void.text and "graph/derived" in void.text
    assert on_virtuoso.get("/disputes/kharkiv-2026-01-02",
                           headers={"Accept": BROWSER}).status_code == 200


# --- an engine that misbehaves ---------------------------------------------------------------------

class _Misbehaving(http.server.BaseHTTPRequestHandler):
    """Answers by what the query asks for: a cut 200, Virtuoso's partial 200, or an error."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
        headers = {"Content-Type": "application/sparql-results+json"}
        status, data = 200, b'{"head":{"vars":["x"]},"results":{"bindings":[]}}'
        if "cut" in body:
            data = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"uri",'
        elif "partial" in body:
            headers["X-SQL-State"] = "S1TAT"
        elif "broken" in body:
            status, data = 500, b"engine exploded"
        elif "hangup" in body:
            self.close_connection = True  # no answer at all
            return
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def on_misbehaving(built_store: Path, wikidata: str,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/sparql"
    yield from _serve(built_store, url, wikidata, tmp_path_factory, "misbehaving")
    httpd.shutdown()


@pytest.mark.parametrize(("word", "status", "error"), [
    ("fine", 200, None), ("cut", 502, "backend-error"), ("partial", 504, "timeout"),
    ("broken", 502, "backend-error"), ("hangup", 503, "backend-unavailable")])
def test_an_engine_answer_is_never_passed_on_cut(on_misbehaving: Server, word: str, status: int,
                                                 error: str | None) -> None:
    query = f'SELECT ?x WHERE {{ BIND("{word}" AS ?y) }}'
    r = on_misbehaving.get("/sparql", params={"query": query})
    assert r.status_code == status, r.text
    if error:
        assert r.json()["error"] == error


def test_backend_must_be_an_http_url(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "server.web.cli", "serve", "--backend",
                          "file:///etc/passwd"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "not an http(s) URL" in out.stderr


@pytest.mark.parametrize("engine", ENGINES)
def test_pages_match_the_embedded_store(request: pytest.FixtureRequest, db: ox.Store,
                                        wikidata: str, engine: str) -> None:
    """A page is the same standard SPARQL on every engine: the same rows, page by page."""
    from kg.catalogue import Page

    srv: Server = request.getfixturevalue(f"on_{engine}")
    q = CATALOGUE["disputes"]
    assert q.paging is not None
    for values in ({}, {"incident": KHARKIV, "lang": "fr"}):
        for number in (1, 2, 3, 9):
            page = Page(number, 1)
            expected = norm_rows(json.loads(db.query(
                q.paging.text(q.query, page), use_default_graph_as_union=True,
                substitutions=q.bind(values)).serialize(format=OX_FORMATS["json"])))
            got = remote(srv, "disputes", {**values, "page": str(number), "page_size": "1"})
            assert got == expected, (values, number)
            assert sum(expected.values()) > 0 or number == 9
