"""Linked Data pages, the article page, the ontology, the landing page, VoID, health."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from fixture_data import ARTICLE, BASE, CLAIM_1, CLAIM_2, DISPUTE, GRAPHS, INCIDENT, KHARKIV, TEXT
from harness import Server

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def path(iri: str) -> str:
    return "/" + iri[len(BASE):]


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("*/*", ox.RdfFormat.TURTLE),
])
def test_resource_as_rdf(server: Server, accept: str, fmt) -> None:
    r = server.get(path(KHARKIV), headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == (
        "text/turtle" if accept == "*/*" else accept)
    triples = [q.triple for q in ox.parse(r.content, format=fmt)]
    assert ox.Triple(ox.NamedNode(KHARKIV), ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"),
                     ox.NamedNode("http://www.wikidata.org/entity/Q42308")) in triples
    # incoming links too
    assert any(t.subject == ox.NamedNode(INCIDENT) for t in triples)


def test_resource_format_parameter(server: Server) -> None:
    r = server.get(path(KHARKIV), params={"format": "jsonld"}, headers={"Accept": BROWSER})
    assert r.headers["content-type"].startswith("application/ld+json")


def test_resource_html(server: Server) -> None:
    r = server.get(path(KHARKIV), headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "<h1>Kharkiv</h1>" in html
    assert 'href="https://www.wikidata.org/wiki/Q42308"' in html
    assert "dkg:City" in html  # type
    assert f'href="{path(INCIDENT)}"' in html  # linked locally, not to w3id
    assert "<blockquote" in html and "Kharkiv" in html  # the quote it comes from


def test_claim_page_shows_disputes_and_quote(server: Server) -> None:
    html = server.get(path(CLAIM_2), headers={"Accept": BROWSER}).text
    assert "The ministry denies" in html
    assert f'href="{path(DISPUTE)}"' in html  # the dispute it is part of
    assert "Le ministère russe de la défense a démenti" in html


def test_incident_page_lists_claims_about_it(server: Server) -> None:
    html = server.get(path(INCIDENT), headers={"Accept": BROWSER}).text
    section = html.split("Claims about it")[1].split("</table>")[0]
    assert f'href="{path(CLAIM_1)}"' in section and f'href="{path(CLAIM_2)}"' in section
    assert "denies" in section and "asserts" in section
    assert f'href="{path(DISPUTE)}"' in html


def test_article_page_highlights_every_mapped_span(server: Server) -> None:
    html = server.get(path(ARTICLE), headers={"Accept": BROWSER}).text
    text_div = html.split('<div class="article-text" lang="fr">')[1].split("</div>")[0]
    plain = re.sub(r"<[^>]+>", "", text_div).replace("&#39;", "'")
    assert plain == TEXT  # the whole text, in order, nothing lost
    links = re.findall(r'<a class="span d\d" href="([^"]+)"', text_div)
    assert f"{path(KHARKIV)}" in links  # the innermost span links to its node
    assert f"{path(BASE + 'id/actor/ukrainian-officials')}" in links
    assert html.count('<tr id="span-') == 6


def test_unknown_resource_404(server: Server) -> None:
    r = server.get("/id/place/atlantis", headers={"Accept": BROWSER})
    assert r.status_code == 404
    assert server.get("/id/place/atlantis").status_code == 404


def test_resource_not_acceptable(server: Server) -> None:
    assert server.get(path(KHARKIV), headers={"Accept": "image/png"}).status_code == 406


def test_ontology(server: Server) -> None:
    r = server.get("/ontology", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    triples = [q.triple for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)]
    assert ox.NamedNode(BASE + "ontology#Claim") in {t.subject for t in triples}
    html = server.get("/ontology", headers={"Accept": BROWSER}).text
    assert 'id="Claim"' in html and "dkg:claimant" in html
    concept = server.get("/ontology/stance/denies", headers={"Accept": BROWSER})
    assert concept.status_code == 200 and "<h1>denies</h1>" in concept.text


def test_landing_page(server: Server) -> None:
    r = server.get("/", headers={"Accept": BROWSER})
    assert r.status_code == 200
    html = r.text
    for link in ('href="/sparql"', 'href="/queries"', 'href="/dumps/"', 'href="/ontology"'):
        assert link in html
    assert "Claims</th><td>2</td>" in html and "Disputes</th><td>1</td>" in html
    assert f'href="{path(DISPUTE)}"' in html


def test_void(server: Server) -> None:
    r = server.get("/.well-known/void")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = ox.Store()
    g.load(r.content, format=ox.RdfFormat.TURTLE)
    void = "http://rdfs.org/ns/void#"
    assert g.query(f"ASK {{ ?d a <{void}Dataset> ; <{void}sparqlEndpoint> "
                   f"<{server.url}/sparql> ; <{void}triples> ?n }}")
    subsets = {str(s["s"].value) for s in g.query(f"SELECT ?s {{ ?d <{void}subset> ?s }}")}
    assert subsets == set(GRAPHS)


def test_health(server: Server) -> None:
    r = server.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["workers"]["total"] == 2
    assert body["limits"]["timeout_s"] == 3.0


def test_openapi_lists_the_endpoint(server: Server) -> None:
    spec = server.get("/openapi.json").json()
    assert "/sparql" in spec["paths"] and "/id/{path}" in spec["paths"]
