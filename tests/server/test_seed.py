"""The server over the real build of seeds/ (`built_store`, a tests/conftest.py fixture)."""

from __future__ import annotations

import json
import re

from harness import Endpoint

BASE = "https://w3id.org/dispute-kg/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def select(server: Endpoint, query: str) -> list[dict]:
    r = server.get("/sparql", params={"query": query})
    assert r.status_code == 200, r.text
    return json.loads(r.content)["results"]["bindings"]


def test_graphs_and_disputes(seed: Endpoint) -> None:
    graphs = {b["g"]["value"] for b in select(seed, "SELECT DISTINCT ?g { GRAPH ?g {} }")}
    assert {BASE + "graph/derived", BASE + "graph/ontology"} <= graphs
    assert select(seed, f"SELECT ?d {{ ?d a <{BASE}ontology#Dispute> }} LIMIT 1")


def test_article_page_links_every_span(seed: Endpoint) -> None:
    rows = select(seed, f"SELECT ?a ?t {{ ?a a <{BASE}ontology#Article> ; "
                  "<http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#isString> ?t }")
    iri, text = rows[0]["a"]["value"], rows[0]["t"]["value"]
    html = seed.get("/" + iri[len(BASE):], headers={"Accept": BROWSER}).text
    div = html.split('<div class="article-text" lang="fr">')[1].split("</div>")[0]
    import html as html_lib

    assert html_lib.unescape(re.sub(r"<[^>]+>", "", div)) == text
    assert div.count('class="span') > 10


def test_every_resource_page_resolves(seed: Endpoint) -> None:
    rows = select(seed, f"""SELECT DISTINCT ?s {{ ?s ?p ?o
        FILTER(STRSTARTS(STR(?s), "{BASE}id/")) FILTER(!CONTAINS(STR(?s), "/mention/")) }}
        ORDER BY ?s LIMIT 25""")
    for row in rows:
        r = seed.get("/" + row["s"]["value"][len(BASE):], headers={"Accept": BROWSER})
        assert r.status_code == 200, row
