"""SERVICE without SSRF: refused unless allowlisted, before any connection; allowlisted works."""

from __future__ import annotations

import json

import pytest
from harness import Recorder, Server


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
