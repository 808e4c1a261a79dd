"""Real SPARQL clients against the server: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import csv
import io

import pytest
from fixture_data import BASE, CLAIM_1, CLAIM_2, GRAPHS
from harness import Server
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

SELECT = f"SELECT ?c WHERE {{ ?c a <{BASE}ontology#Claim> }} ORDER BY ?c"
ASK = f"ASK {{ <{CLAIM_1}> a <{BASE}ontology#Claim> }}"
CONSTRUCT = f"CONSTRUCT {{ ?c a <{BASE}ontology#Claim> }} WHERE {{ ?c a <{BASE}ontology#Claim> }}"


@pytest.fixture(scope="module")
def server(process_server: Server) -> Server:
    """A real `kg serve` process: real clients connect over TCP."""
    return process_server


def wrapper(server: Server, query: str, fmt: str, post: bool = False) -> SPARQLWrapper:
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if post:
        sw.setMethod(POST)
    return sw


@pytest.mark.parametrize("post", [False, True], ids=["get", "post"])
def test_sparqlwrapper_select_json(server: Server, post: bool) -> None:
    res = wrapper(server, SELECT, JSON, post).queryAndConvert()
    assert [b["c"]["value"] for b in res["results"]["bindings"]] == sorted([CLAIM_1, CLAIM_2])


def test_sparqlwrapper_select_xml(server: Server) -> None:
    doc = wrapper(server, SELECT, XML).queryAndConvert()
    uris = [n.firstChild.data for n in doc.getElementsByTagName("uri")]
    assert sorted(uris) == sorted([CLAIM_1, CLAIM_2])


def test_sparqlwrapper_select_csv(server: Server) -> None:
    raw = wrapper(server, SELECT, CSV).queryAndConvert()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows == [["c"], [CLAIM_2], [CLAIM_1]] or rows == [["c"], *sorted([[CLAIM_1], [CLAIM_2]])]


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(server: Server, fmt: str) -> None:
    res = wrapper(server, ASK, fmt).queryAndConvert()
    if fmt == JSON:
        value = res["boolean"]
    else:
        value = res.getElementsByTagName("boolean")[0].firstChild.data
    assert value in (True, "true")


@pytest.mark.parametrize("fmt", [TURTLE, XML], ids=["turtle", "rdfxml"])
def test_sparqlwrapper_construct(server: Server, fmt: str) -> None:
    res = wrapper(server, CONSTRUCT, fmt).queryAndConvert()
    g = res if isinstance(res, Graph) else Graph().parse(data=res, format="turtle")
    assert {str(s) for s in g.subjects()} == {CLAIM_1, CLAIM_2}


def test_rdflib_sparqlstore_json_select(server: Server) -> None:
    g = Graph(store=SPARQLStore(server.url + "/sparql", returnFormat="json"))
    assert sorted(str(r[0]) for r in g.query(SELECT)) == sorted([CLAIM_1, CLAIM_2])


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore(server: Server, method: str) -> None:
    store = SPARQLStore(server.url + "/sparql", method=method)  # default: XML results, RDF/XML
    g = Graph(store=store)
    rows = list(g.query(SELECT))
    assert sorted(str(r[0]) for r in rows) == sorted([CLAIM_1, CLAIM_2])
    assert g.query(ASK).askAnswer is True
    constructed = g.query(CONSTRUCT).graph
    assert {str(s) for s in constructed.subjects()} == {CLAIM_1, CLAIM_2}
    assert (URIRef(CLAIM_1), None, None) in g
    assert len(store) > 0
    assert {str(c) for c in store.contexts()} >= set(GRAPHS)
