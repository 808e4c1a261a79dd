"""SPARQL 1.1 Protocol over real HTTP: request forms, datasets, formats, conneg, errors.

Test names follow the W3C protocol test suite (rdf-tests/sparql/sparql11/protocol/manifest.ttl)
where one applies; the update cases are answered 403 by this read-only endpoint.
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from fixture_data import BASE, CLAIM_1, CLAIM_2, GRAPHS
from harness import Server

ART, DERIVED, ONTO = GRAPHS
SELECT_CLAIMS = f"SELECT ?c WHERE {{ ?c a <{BASE}ontology#Claim> }} ORDER BY ?c"
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = f"CONSTRUCT {{ ?c a <{BASE}ontology#Claim> }} WHERE {{ ?c a <{BASE}ontology#Claim> }}"
DESCRIBE = f"DESCRIBE <{CLAIM_1}>"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}


def claims(body: bytes) -> list[str]:
    return [b["c"]["value"] for b in json.loads(body)["results"]["bindings"]]


# --- request forms --------------------------------------------------------------------------

def test_query_get(server: Server) -> None:
    r = server.get("/sparql", params={"query": SELECT_CLAIMS})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert claims(r.content) == sorted([CLAIM_1, CLAIM_2])


def test_query_post_form(server: Server) -> None:
    r = server.post("/sparql", content=f"query={quote(ASK)}", headers=FORM)
    assert r.status_code == 200
    assert json.loads(r.content) == {"head": {}, "boolean": True}


def test_query_post_direct(server: Server) -> None:
    r = server.post("/sparql", content=SELECT_CLAIMS.encode(), headers=DIRECT)
    assert r.status_code == 200
    assert claims(r.content) == sorted([CLAIM_1, CLAIM_2])


def test_query_post_direct_with_utf8_charset(server: Server) -> None:
    r = server.post("/sparql", content=ASK.encode(),
                    headers={"Content-Type": "application/sparql-query; charset=UTF-8"})
    assert r.status_code == 200


def test_query_post_form_dataset_params_in_body(server: Server) -> None:
    body = (f"query={quote('SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }')}"
            f"&default-graph-uri={quote(DERIVED)}")
    r = server.post("/sparql", content=body, headers=FORM)
    assert r.status_code == 200
    n = int(json.loads(r.content)["results"]["bindings"][0]["n"]["value"])
    assert 0 < n < 30


def test_query_post_direct_dataset_params_in_url(server: Server) -> None:
    r = server.post("/sparql", params={"named-graph-uri": DERIVED},
                    content=b"SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", headers=DIRECT)
    assert r.status_code == 200
    assert [b["g"]["value"] for b in json.loads(r.content)["results"]["bindings"]] == [DERIVED]


# --- datasets -------------------------------------------------------------------------------

def count(server: Server, query: str, **params: str | list[str]) -> int:
    r = server.get("/sparql", params={"query": query, **params})
    assert r.status_code == 200, r.text
    return int(json.loads(r.content)["results"]["bindings"][0]["n"]["value"])


COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COUNT_NAMED = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def test_default_graph_is_union_of_all_graphs(server: Server) -> None:
    total = count(server, COUNT_ALL)
    parts = sum(count(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
                for g in GRAPHS)
    assert total == parts
    assert count(server, COUNT_NAMED) == 3


def test_graph_reaches_article_derived_and_ontology_graphs(server: Server) -> None:
    r = server.get("/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"})
    graphs = {b["g"]["value"] for b in json.loads(r.content)["results"]["bindings"]}
    assert graphs == set(GRAPHS)


def test_query_dataset_default_graphs_get(server: Server) -> None:
    one = count(server, COUNT_ALL, **{"default-graph-uri": DERIVED})
    two = count(server, COUNT_ALL, **{"default-graph-uri": [DERIVED, ONTO]})
    assert 0 < one < two < count(server, COUNT_ALL)
    # only default graphs given: no named graphs in the dataset
    assert count(server, COUNT_NAMED, **{"default-graph-uri": DERIVED}) == 0


def test_query_dataset_named_graphs_get(server: Server) -> None:
    assert count(server, COUNT_NAMED, **{"named-graph-uri": [DERIVED, ONTO]}) == 2
    # only named graphs given: the default graph is empty
    assert count(server, COUNT_ALL, **{"named-graph-uri": DERIVED}) == 0


def test_query_dataset_full(server: Server) -> None:
    n = count(server, COUNT_NAMED, **{"default-graph-uri": ART, "named-graph-uri": DERIVED})
    assert n == 1


def test_query_from_clause(server: Server) -> None:
    assert count(server, f"SELECT (COUNT(*) AS ?n) FROM <{DERIVED}> WHERE {{ ?s ?p ?o }}") == \
        count(server, COUNT_ALL, **{"default-graph-uri": DERIVED})


def test_query_multiple_dataset_protocol_overrides_from(server: Server) -> None:
    q = f"SELECT (COUNT(*) AS ?n) FROM <{ONTO}> WHERE {{ ?s ?p ?o }}"
    assert count(server, q, **{"default-graph-uri": DERIVED}) == \
        count(server, COUNT_ALL, **{"default-graph-uri": DERIVED})


def test_unknown_graph_is_empty_not_fetched(server: Server, recorder) -> None:
    before = len(recorder.connections)
    assert count(server, COUNT_ALL, **{"default-graph-uri": recorder.url}) == 0
    assert count(server, f"SELECT (COUNT(*) AS ?n) FROM <{recorder.url}> {{ ?s ?p ?o }}") == 0
    assert len(recorder.connections) == before


def test_bad_graph_uri(server: Server) -> None:
    r = server.get("/sparql", params={"query": ASK, "default-graph-uri": "not an iri"})
    assert r.status_code == 400


# --- result formats and content negotiation --------------------------------------------------

@pytest.mark.parametrize("accept,ctype", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("*/*", "application/sparql-results+json"),
    ("", "application/sparql-results+json"),
])
def test_query_content_type_select(server: Server, accept: str, ctype: str) -> None:
    r = server.get("/sparql", params={"query": SELECT_CLAIMS}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == ctype
    if ctype == "text/csv":
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["c"] and sorted(r[0] for r in rows[1:]) == sorted([CLAIM_1, CLAIM_2])
    if ctype.endswith("xml"):
        assert "<sparql" in r.text and CLAIM_1 in r.text
    if ctype == "text/tab-separated-values":
        assert r.text.splitlines()[0] == "?c" and f"<{CLAIM_1}>" in r.text


@pytest.mark.parametrize("accept", ["application/sparql-results+json",
                                    "application/sparql-results+xml"])
def test_query_content_type_ask(server: Server, accept: str) -> None:
    r = server.get("/sparql", params={"query": ASK}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(accept)
    assert "true" in r.text


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/n-quads", ox.RdfFormat.N_QUADS),
    ("application/trig", ox.RdfFormat.TRIG),
])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_query_content_type_graph(server: Server, accept: str, fmt, query: str) -> None:
    r = server.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == accept
    triples = list(ox.parse(r.content, format=fmt))
    subjects = {str(t.subject.value) for t in triples}
    assert CLAIM_1 in subjects


def test_graph_query_default_is_turtle(server: Server) -> None:
    r = server.get("/sparql", params={"query": CONSTRUCT})
    assert r.headers["content-type"].startswith("text/turtle")


def test_q_values_decide(server: Server) -> None:
    accept = "application/sparql-results+json;q=0.5, text/csv;q=0.9, application/xml;q=0.1"
    r = server.get("/sparql", params={"query": SELECT_CLAIMS}, headers={"Accept": accept})
    assert r.headers["content-type"].startswith("text/csv")
    accept = "text/turtle;q=0.2, application/ld+json;q=0.8"
    r = server.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.headers["content-type"].startswith("application/ld+json")


def test_q_zero_excludes(server: Server) -> None:
    accept = "application/sparql-results+json;q=0, */*;q=0.1"
    r = server.get("/sparql", params={"query": SELECT_CLAIMS}, headers={"Accept": accept})
    assert r.headers["content-type"].startswith("application/sparql-results+xml")


def test_charset_parameters(server: Server) -> None:
    ok = server.get("/sparql", params={"query": SELECT_CLAIMS},
                    headers={"Accept": "text/csv; charset=utf-8"})
    assert ok.status_code == 200 and ok.headers["content-type"] == "text/csv; charset=utf-8"
    bad = server.get("/sparql", params={"query": SELECT_CLAIMS},
                     headers={"Accept": "text/csv; charset=iso-8859-1"})
    assert bad.status_code == 406
    bad = server.get("/sparql", params={"query": SELECT_CLAIMS},
                     headers={"Accept-Charset": "iso-8859-1"})
    assert bad.status_code == 406


@pytest.mark.parametrize("fmt,ctype", [("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
                                       ("xml", "application/sparql-results+xml"),
                                       ("json", "application/sparql-results+json"),
                                       ("text/csv", "text/csv")])
def test_format_parameter_overrides_accept(server: Server, fmt: str, ctype: str) -> None:
    r = server.get("/sparql", params={"query": SELECT_CLAIMS, "format": fmt},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == ctype


def test_format_parameter_for_graphs(server: Server) -> None:
    r = server.get("/sparql", params={"query": CONSTRUCT, "format": "jsonld"},
                   headers={"Accept": "text/turtle"})
    assert r.headers["content-type"].startswith("application/ld+json")
    r = server.get("/sparql", params={"query": CONSTRUCT, "format": "ntriples"})
    assert r.headers["content-type"].startswith("application/n-triples")


def test_not_acceptable(server: Server) -> None:
    r = server.get("/sparql", params={"query": SELECT_CLAIMS}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert r.json()["error"] == "not-acceptable"
    # a graph format for a SELECT, and a results format for a CONSTRUCT
    r = server.get("/sparql", params={"query": SELECT_CLAIMS}, headers={"Accept": "text/turtle"})
    assert r.status_code == 406
    r = server.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406


def test_unknown_format_parameter(server: Server) -> None:
    r = server.get("/sparql", params={"query": SELECT_CLAIMS, "format": "yaml"})
    assert r.status_code == 400


# --- errors ---------------------------------------------------------------------------------

def test_bad_query_method(server: Server) -> None:
    for method in ("PUT", "DELETE"):
        r = server.request(method, "/sparql", params={"query": ASK})
        assert r.status_code == 405
        assert r.json() == {"error": "method-not-allowed", "status": 405,
                            "message": "Method Not Allowed"}


def test_bad_multiple_queries(server: Server) -> None:
    r = server.get("/sparql", params=[("query", ASK), ("query", "SELECT * {}")])
    assert r.status_code == 400 and r.json()["error"] == "multiple-queries"


def test_bad_query_wrong_media_type(server: Server) -> None:
    r = server.post("/sparql", content=ASK.encode(), headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


def test_bad_query_missing_form_type(server: Server) -> None:
    r = server.post("/sparql", content=f"query={quote(ASK)}".encode(),
                    headers={"Content-Type": ""})
    assert r.status_code == 415


def test_bad_query_missing_direct_type(server: Server) -> None:
    r = server.post("/sparql", content=ASK.encode())
    assert "content-type" not in r.request.headers
    assert r.status_code == 415


def test_bad_query_non_utf8(server: Server) -> None:
    r = server.post("/sparql", content=ASK.encode("utf-16"),
                    headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert r.status_code == 415
    r = server.post("/sparql", content=ASK.encode("utf-16"), headers=DIRECT)
    assert r.status_code == 400


def test_bad_query_syntax(server: Server) -> None:
    r = server.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p \n"})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "syntax-error"
    assert "line" in body and "column" in body and "line" in body["message"]


def test_missing_query(server: Server) -> None:
    assert server.get("/sparql", params={"timeout": "1"}).status_code == 400
    assert server.post("/sparql", content=b"", headers=FORM).status_code == 400


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <http://example.org/g>",
])
def test_updates_are_forbidden(server: Server, update: str) -> None:
    # update via URL-encoded POST, direct POST, GET, and disguised as a query
    r = server.post("/sparql", content=f"update={quote(update)}", headers=FORM)
    assert r.status_code == 403 and r.json()["error"] == "update-forbidden"
    r = server.post("/sparql", content=update.encode(),
                    headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 403
    r = server.get("/sparql", params={"update": update})
    assert r.status_code == 403
    r = server.get("/sparql", params={"query": update})
    assert r.status_code == 403


def test_bad_update_dataset_conflict(server: Server) -> None:
    r = server.post("/sparql", content=f"update={quote('CLEAR ALL')}&using-graph-uri="
                    f"{quote(DERIVED)}", headers=FORM)
    assert r.status_code == 403


def test_oversized_body(server: Server) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000
    r = server.post("/sparql", content=big.encode(), headers=DIRECT)
    assert r.status_code == 413
    r = server.post("/sparql", content=f"query={quote(big)}", headers=FORM)
    assert r.status_code == 413


def test_store_still_intact_after_updates(server: Server) -> None:
    assert count(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c a <{BASE}ontology#Claim> }}") == 2


# --- service description, UI, CORS ----------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("", ox.RdfFormat.TURTLE),
])
def test_service_description(server: Server, accept: str, fmt) -> None:
    r = server.get("/sparql", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200
    g = ox.Store()
    g.load(r.content, format=fmt, base_iri=server.url + "/sparql")
    ep = ox.NamedNode(server.url + "/sparql")
    assert g.query(f"ASK {{ <{ep.value}> a <{SD}Service> ; <{SD}endpoint> <{ep.value}> ; "
                   f"<{SD}supportedLanguage> <{SD}SPARQL11Query> ; "
                   f"<{SD}feature> <{SD}UnionDefaultGraph> }}")
    names = {str(s["n"].value) for s in g.query(
        f"SELECT ?n WHERE {{ ?d <{SD}namedGraph> ?ng . ?ng <{SD}name> ?n }}")}
    assert names == set(GRAPHS)
    formats = {str(s["f"].value) for s in g.query(f"SELECT ?f {{ ?s <{SD}resultFormat> ?f }}")}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_CSV" in formats
    comments = " ".join(str(s["c"].value) for s in g.query(
        "SELECT ?c { ?s <http://www.w3.org/2000/01/rdf-schema#comment> ?c }"))
    assert "union of all named graphs" in comments


def test_bare_get_from_browser_is_ui(server: Server) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = server.get("/sparql", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "/ui-assets/yasgui.min.js" in r.text
    assert f"{BASE}ontology#" in r.text  # the project prefixes are preloaded


def test_cors(server: Server) -> None:
    r = server.get("/sparql", params={"query": ASK}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] in ("*", "https://example.org")
    r = server.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 200
    assert "POST" in r.headers["access-control-allow-methods"]


def test_syntax_only_pyoxigraph_accepts_is_refused(server: Server) -> None:
    # RDF 1.2 triple terms parse in pyoxigraph but not in rdflib: refused, never evaluated
    r = server.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p <<( ?a ?b ?c )>> }"})
    assert r.status_code == 400
