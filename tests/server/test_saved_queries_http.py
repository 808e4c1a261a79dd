"""Saved queries served everywhere from the .rq files: pages, twins, OpenAPI, UI tabs,
/.well-known/sparql-examples and `kg query`; typed, injection-safe parameters."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
import pytest
from harness import (
    BROWSER,
    KHARKIV,
    ROOT,
    Endpoint,
    in_process,
    rows,
    seed_settings,
    start_server,
    stop_server,
)

from kg.catalogue import load_catalogue

CATALOGUE = load_catalogue()
SELECTS = sorted(n for n, q in CATALOGUE.items() if q.kind == "SELECT")
TWINS = {"json": "application/sparql-results+json", "csv": "text/csv",
         "tsv": "text/tab-separated-values"}
SH = "http://www.w3.org/ns/shacl#"
NEW_QUERY = """#+ title: {en: "Actors by label", fr: "Acteurs par libellé"}
#+ description: >
#+   Added by a test: actors whose label is the given text (plain or language-tagged).
#+ params:
#+   name: {type: string, description: "a label, without language", example: "Russia"}
#+   tagged: {type: lang-string, description: "a label with its language", example: "Russie@fr"}
PREFIX dkg: <https://w3id.org/dispute-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?actor ?label ?name ?tagged
WHERE {
  ?actor a dkg:Actor ; rdfs:label ?label .
  FILTER(COALESCE(STR(?label) = ?name, true))
  FILTER(COALESCE(?label = ?tagged, true))
}
ORDER BY ?actor ?label
"""


@pytest.fixture(scope="module")
def store(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue("built_store")


@pytest.fixture(scope="module")
def added(store: Path, standin, tmp_path_factory: pytest.TempPathFactory,
          ) -> Iterator[tuple[Endpoint, Path]]:
    """The server over a copy of queries/ with one more .rq file."""
    folder = tmp_path_factory.mktemp("catalogue") / "queries"
    shutil.copytree(ROOT / "queries", folder)
    (folder / "actors-by-label.rq").write_text(NEW_QUERY, encoding="utf-8")
    with in_process(**seed_settings(store, standin[0], queries_dir=folder)) as app:
        yield app, folder


# --- the catalogue --------------------------------------------------------------------------

def test_catalogue_as_json_and_html(seed: Endpoint) -> None:
    data = seed.get("/queries.json").json()
    assert [e["name"] for e in data["queries"]] == sorted(CATALOGUE)
    by_accept = seed.get("/queries", headers={"Accept": "application/json"}).json()
    assert by_accept == data
    disputes = next(e for e in data["queries"] if e["name"] == "disputes")
    assert disputes["title"] == {"en": "Disputes", "fr": "Différends"}
    params = {p["name"]: p for p in disputes["params"]}
    assert params["incident"]["type"] == "iri" and params["incident"]["example"] == KHARKIV
    assert params["lang"] == {"name": "lang", "type": "string", "default": "en",
                              "allowed": ["en", "fr"], "example": None,
                              "description": "language of the labels"}
    assert disputes["links"]["csv"].endswith("/queries/disputes.csv")
    html = seed.get("/queries", headers={"Accept": BROWSER}).text
    for name, q in CATALOGUE.items():
        assert f'href="/queries/{name}"' in html and q.title["fr"] in unescape(html)


@pytest.mark.parametrize("name", SELECTS)
def test_page_twins_and_links(seed: Endpoint, name: str) -> None:
    page = seed.get(f"/queries/{name}", headers={"Accept": BROWSER})
    assert page.status_code == 200, page.text[:300]
    html = page.text
    assert CATALOGUE[name].title["en"] in unescape(html) and "<form" in html
    assert 'class="results"' in html
    for ext, media in TWINS.items():
        assert f'<link rel="alternate" type="{media}" href="/queries/{name}.{ext}">' in html
        assert f'</queries/{name}.{ext}>; rel="alternate"; type="{media}"' in \
            page.headers["link"]
        twin = seed.get(f"/queries/{name}.{ext}")
        assert twin.status_code == 200 and twin.headers["content-type"].startswith(media)
        by_accept = seed.get(f"/queries/{name}", headers={"Accept": media})
        assert by_accept.content == twin.content
    editor = re.search(r'href="(/sparql#query=[^"]+)"', html)
    assert editor, "no editor link"
    query = unquote(editor.group(1).split("#query=", 1)[1].split("&amp;")[0])
    assert query == CATALOGUE[name].query


def test_twins_are_pyoxigraph_serialisations(seed: Endpoint, store: Path) -> None:
    from kg.store import open_read_only

    db = open_read_only(store)
    q = CATALOGUE["casualty-figures"]
    for ext, fmt in (("json", ox.QueryResultsFormat.JSON), ("csv", ox.QueryResultsFormat.CSV),
                     ("tsv", ox.QueryResultsFormat.TSV)):
        expected = db.query(q.query, use_default_graph_as_union=True,
                            substitutions=q.bind({"incident": KHARKIV})).serialize(format=fmt)
        got = seed.get(f"/queries/casualty-figures.{ext}", params={"incident": KHARKIV})
        assert got.content == expected


def test_result_table_shows_labels_and_links_locally(seed: Endpoint) -> None:
    html = seed.get("/queries/casualty-figures", params={"incident": KHARKIV},
                    headers={"Accept": BROWSER}).text
    assert '<a href="/id/actor/ukrainian-officials" title="https://w3id.org/dispute-kg/id/actor/' \
           'ukrainian-officials">Ukrainian officials</a>' in html
    assert "<th>claimantLabel</th>" not in html  # folded into the claimant column
    rows_ = csv.DictReader(io.StringIO(seed.get("/queries/casualty-figures.csv",
                                                params={"incident": KHARKIV}).text))
    assert {(r["kindLabel"], r["count"]) for r in rows_} >= {("killed", "2"), ("injured", "28")}


def test_bad_and_unknown_parameters_are_422_naming_the_parameter(seed: Endpoint) -> None:
    cases = [
        ("disputes", {"incident": "not an iri"}, "incident"),
        ("disputes", {"lang": "de"}, "lang"),
        ("claims-by-actor", {"wikidata": "Q0"}, "wikidata"),
        ("provenance", {"sentence": "nine"}, "sentence"),
        ("disputes", {"colour": "red"}, "colour"),
        ("disputes", [("lang", "en"), ("lang", "fr")], "lang"),
    ]
    for name, params, bad in cases:
        for path in (f"/queries/{name}", f"/queries/{name}.csv"):
            r = seed.get(path, params=params)
            assert r.status_code == 422, (path, params, r.text)
            body = r.json()
            assert body["error"] == "bad-parameter" and body["parameter"] == bad
            assert f"'{bad}'" in body["message"]
        page = seed.get(f"/queries/{name}", params=params, headers={"Accept": BROWSER})
        assert page.status_code == 422 and f"<code>{bad}</code>" in page.text
    assert seed.get("/queries/no-such-query").status_code == 404
    assert seed.get("/queries/disputes.xlsx").status_code == 404


def test_parameters_filter(seed: Endpoint) -> None:
    all_rows = rows(seed.get("/queries/disputes.json"))
    kharkiv = rows(seed.get("/queries/disputes.json", params={"incident": KHARKIV}))
    assert 0 < len(kharkiv) < len(all_rows)
    assert {r["incident"] for r in kharkiv} == {KHARKIV}
    fr = rows(seed.get("/queries/disputes.json", params={"lang": "fr"}))
    assert "Explosion à Kharkiv du 2 janvier 2026" in {r["incidentLabel"] for r in fr}


def test_openapi_has_one_typed_operation_per_saved_query(seed: Endpoint) -> None:
    doc = seed.get("/openapi.json").json()
    ops = {op["operationId"]: (path, op) for path, item in doc["paths"].items()
           for op in item.values() if isinstance(op, dict) and "operationId" in op}
    for name, q in CATALOGUE.items():
        path, op = ops[name]
        assert path == f"/queries/{name}"
        params = {p["name"]: p for p in op["parameters"]}
        paging = {"page", "page_size"} if q.paging else set()
        assert set(params) == {p.name for p in q.params} | paging
        assert "422" in op["responses"]
    params = {p["name"]: p["schema"] for p in ops["claims-by-actor"][1]["parameters"]}
    assert params["actor"] == {"type": "string", "format": "uri"}
    assert params["wikidata"]["pattern"] == "^Q[1-9][0-9]*$"
    assert params["lang"] == {"type": "string", "enum": ["en", "fr"], "default": "en"}
    assert {p["name"]: p["schema"] for p in ops["provenance"][1]["parameters"]}["sentence"] == \
        {"type": "integer"}
    example = {p["name"]: p.get("example") for p in ops["disputes"][1]["parameters"]}
    assert example["incident"] == KHARKIV


def test_query_ui_has_a_tab_per_saved_query(seed: Endpoint) -> None:
    html = seed.get("/sparql", headers={"Accept": BROWSER}).text
    tabs = json.loads(re.search(r"const savedTabs = (\[.*?\]);\n", html, re.S).group(1))
    assert {t["name"] for t in tabs} == set(CATALOGUE)
    for t in tabs:
        assert t["query"] == CATALOGUE[t["name"]].query
        assert t["title"] == CATALOGUE[t["name"]].title["en"]


def _examples(server: Endpoint) -> ox.Store:
    r = server.get("/.well-known/sparql-examples", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    db = ox.Store()
    db.load(r.content, format=ox.RdfFormat.TURTLE)
    return db


def test_sparql_examples_follow_the_sib_convention(seed: Endpoint) -> None:
    db = _examples(seed)
    sh = lambda local: ox.NamedNode(SH + local)  # noqa: E731
    examples = {t.subject.value: t.subject for t in db.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        sh("SPARQLExecutable"))}
    base = seed.url + "/.well-known/sparql-examples/"
    assert set(examples) == {base + n for n in CATALOGUE}
    for name, q in CATALOGUE.items():
        s = examples[base + name]

        def objects(p: str, subject: ox.NamedNode = s) -> list:
            return [t.object for t in db.quads_for_pattern(subject, ox.NamedNode(p), None)]

        prop = {"SELECT": "select", "CONSTRUCT": "construct", "ASK": "ask"}[q.kind]
        assert [o.value for o in objects(SH + prop)] == [q.query]
        kinds = {o.value for o in objects("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")}
        assert SH + f"SPARQL{prop.capitalize()}Executable" in kinds
        assert [o.value for o in objects("https://schema.org/target")] == [seed.url + "/sparql"]
        assert {(o.value, o.language) for o in objects(
            "http://www.w3.org/2000/01/rdf-schema#label")} == \
            {(q.title["en"], "en"), (q.title["fr"], "fr")}
        assert [o.value for o in objects("http://www.w3.org/2000/01/rdf-schema#comment")] == \
            [q.description]
        (prefixes,) = objects(SH + "prefixes")
        declared = {}
        for decl in objects(SH + "declare", prefixes):
            (p,) = objects(SH + "prefix", decl)
            (ns,) = objects(SH + "namespace", decl)
            declared[p.value] = ns.value
        assert declared["dkg"] == "https://w3id.org/dispute-kg/ontology#"
    jsonld = seed.get("/.well-known/sparql-examples", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    other = ox.Store()
    other.load(jsonld.content, format=ox.RdfFormat.JSON_LD)
    assert len(other) == len(db)


def test_federated_saved_query_goes_to_the_configured_endpoint(seed: Endpoint, standin) -> None:
    before = len(standin[1])
    r = seed.get("/queries/wikidata-places.json")
    assert r.status_code == 200, r.text
    assert len(standin[1]) > before  # the stand-in was asked, not query.wikidata.org


# --- adding a .rq file adds it everywhere -----------------------------------------------------

def test_a_new_rq_file_appears_everywhere(added: tuple[Endpoint, Path], store: Path) -> None:
    srv, folder = added
    name = "actors-by-label"
    assert name in [e["name"] for e in srv.get("/queries.json").json()["queries"]]
    assert "Acteurs par libellé" in srv.get("/queries", headers={"Accept": BROWSER}).text
    page = srv.get(f"/queries/{name}", headers={"Accept": BROWSER})
    assert page.status_code == 200 and 'name="tagged"' in page.text
    for ext in TWINS:
        assert srv.get(f"/queries/{name}.{ext}").status_code == 200
    russia = rows(srv.get(f"/queries/{name}.json", params={"name": "Russia"}))
    assert [r["actor"] for r in russia] == ["https://w3id.org/dispute-kg/id/actor/russia"]
    ops = srv.get("/openapi.json").json()["paths"][f"/queries/{name}"]["get"]
    assert ops["operationId"] == name
    assert {p["name"] for p in ops["parameters"]} == {"name", "tagged"}
    html = srv.get("/sparql", headers={"Accept": BROWSER}).text
    assert "Actors by label" in html
    assert f"/.well-known/sparql-examples/{name}>".encode() in srv.get(
        "/.well-known/sparql-examples", headers={"Accept": "application/n-triples"}).content
    out = subprocess.run(
        [sys.executable, "-m", "kg", "query", name, "--queries", str(folder), "--store",
         str(store), "--param", "name=Russia", "--format", "csv"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "https://w3id.org/dispute-kg/id/actor/russia" in out.stdout


def test_a_malformed_header_stops_the_server_naming_the_file(
        store: Path, tmp_path: Path) -> None:
    folder = tmp_path / "queries"
    shutil.copytree(ROOT / "queries", folder)
    (folder / "broken.rq").write_text('#+ title: {en: "Broken", fr: [unclosed\n'
                                      "SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(RuntimeError) as err:
        srv = start_server(store, tmp_path / "server.log", "--queries", str(folder))
        stop_server(srv)
    assert "broken.rq" in str(err.value)


# --- injection ------------------------------------------------------------------------------

PAYLOADS = [
    '"', "'", "{", "}", "} UNION { ?s ?p ?o }", '" } UNION { ?s ?p ?o } #',
    "x\n} UNION { ?s ?p ?o }", "en\n", '"@en', 'Russia"@en . ?s ?p ?o #', "Russia@en\n",
    f"{KHARKIV}> }} UNION {{ ?s ?p ?o }} #", f"{KHARKIV}>", "https://example.org/a>b",
    '"; DROP', "Q1 } UNION {", "2026-01-02\"^^<http://www.w3.org/2001/XMLSchema#date> }",
    "1 } UNION { ?s ?p ?o }", "$lang", "?lang", "\\u0022", "en' || true || '",
]
NOTHING = {"iri": "https://example.invalid/nothing", "wikidata-id": "Q" + "9" * 9,
           "date": "1900-01-01", "integer": "99999", "string": "zz-nothing",
           "lang-string": "zz-nothing@en"}


def _check_injections(server: Endpoint, name: str, params: dict[str, str]) -> None:
    """Every payload in every parameter: 422, or exactly the rows of a non-matching value."""
    everything = rows(server.get(f"/queries/{name}.json"))
    for param, ptype in params.items():
        plain = server.get(f"/queries/{name}.json", params={param: NOTHING[ptype]})
        baseline = rows(plain) if plain.status_code == 200 else None
        for payload in PAYLOADS:
            r = server.get(f"/queries/{name}.json", params={param: payload})
            assert r.status_code in (200, 422), (name, param, payload, r.text)
            if r.status_code == 422:
                assert r.json()["parameter"] == param
                continue
            got = rows(r)
            assert len(got) <= len(everything), (name, param, payload)
            strip = [{k: v for k, v in row.items() if k != param} for row in got]
            assert strip == [{k: v for k, v in row.items() if k != param}
                             for row in baseline or []], (name, param, payload)


@pytest.mark.parametrize("name", ["disputes", "claims-by-actor", "provenance", "quotes",
                                  "casualty-figures", "attributions"])
def test_injection_attempts_change_nothing(seed: Endpoint, name: str) -> None:
    _check_injections(seed, name, {p.name: p.type for p in CATALOGUE[name].params})


def test_injection_into_free_text_parameters(added: tuple[Endpoint, Path]) -> None:
    srv, _ = added
    _check_injections(srv, "actors-by-label", {"name": "string", "tagged": "lang-string"})
    assert len(rows(srv.get("/queries/actors-by-label.json",
                            params={"tagged": "Russie@fr"}))) == 1


def test_no_server_error_on_any_page(seed: Endpoint) -> None:
    for path in ("/queries", "/queries.json", "/.well-known/sparql-examples"):
        assert seed.get(path).status_code == 200
    assert seed.get("/queries/disputes", params={"incident": "\x00"}).status_code == 422
