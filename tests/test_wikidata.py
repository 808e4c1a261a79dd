"""Links to Wikidata: only from evidence, every entity accounted for, federation tested
offline against a local stand-in, and a Wikidata-shaped view of the incidents."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kg.annotations import AnnotationErrors
from kg.build import compile_graph
from kg.catalogue import load_catalogue
from kg.config import PROJECT_ROOT
from kg.links import counts, link_report
from tests.conftest import SEED_ID, select
from tests.wikidata_standin import WIKIDATA_SAMPLE as STANDIN
from tests.wikidata_standin import standin_endpoint

DATA = PROJECT_ROOT / "kg" / "data"
ID = "https://w3id.org/dispute-kg/id/"
WD = "http://www.wikidata.org/entity/"


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)


def test_an_id_outside_the_verified_table_fails_the_build(seeds_copy: Path) -> None:
    path = seeds_copy / SEED_ID / "annotations.yaml"
    stray = "Q" + "4" * 7  # built at run time so no unverified ID is written in the repo
    path.write_text(path.read_text("utf-8").replace("wikidata: Q7184", f"wikidata: {stray}"),
                    "utf-8")
    with pytest.raises(AnnotationErrors) as info:
        compile_graph(seeds_copy, shacl=False)
    assert any(stray in str(e) and "(id nato)" in str(e) and "verified" in str(e)
               for e in info.value.errors)


def test_each_link_records_its_evidence(db: ox.Store) -> None:
    with (DATA / "verified-qids.tsv").open(encoding="utf-8") as fh:
        evidence = {row["qid"]: row["evidence"] for row in csv.DictReader(fh, delimiter="\t")}
    rows = select(db, "SELECT ?s ?o ?e WHERE { ?s owl:sameAs ?o ; dkg:wikidataEvidence ?e }")
    assert len(rows) == len(select(db, "SELECT ?s WHERE { ?s owl:sameAs ?o }"))
    for r in rows:
        assert r["e"] == evidence[r["o"].removeprefix(WD)]


def test_every_entity_is_labelled_in_french_and_english(db: ox.Store) -> None:
    rows = select(db, """SELECT ?e (GROUP_CONCAT(DISTINCT LANG(?l)) AS ?langs) WHERE {
        VALUES ?c { dkg:Actor dkg:Place dkg:Medium } ?e a ?c ; rdfs:label ?l } GROUP BY ?e""")
    assert rows and all(set(r["langs"].split()) == {"fr", "en"} for r in rows)
    alt = {r["l"] for r in select(db, "SELECT ?l WHERE { ?e skos:altLabel ?l }")}
    assert {"M. Zelensky", "Kyiv", "Kiev", "UE", "EU"} <= alt


def test_khorly_keeps_its_geonames_point() -> None:
    with (DATA / "unverified.tsv").open(encoding="utf-8") as fh:
        note = next(r["note"] for r in csv.DictReader(fh, delimiter="\t")
                    if r["entity"].startswith("Khorly"))
    geonames, lat, lon = re.search(r"GeoNames (\d+), lat ([\d.]+) lon ([\d.]+)", note).groups()
    from tests.conftest import SEEDS

    report = compile_graph(SEEDS, shacl=False)
    db = ox.Store()
    db.bulk_extend(report.quads)
    rows = select(db, """SELECT ?wkt ?lat ?lon ?id ?see WHERE {
        <https://w3id.org/dispute-kg/id/place/khorly> geo:hasGeometry/geo:asWKT ?wkt ;
        schema:latitude ?lat ; schema:longitude ?lon ; dkg:geonamesId ?id ; rdfs:seeAlso ?see }"""
        .replace("SELECT", "PREFIX geo: <http://www.opengis.net/ont/geosparql#> SELECT"))
    assert rows == [{"wkt": f"POINT({lon} {lat})", "lat": lat, "lon": lon, "id": geonames,
                     "see": f"https://sws.geonames.org/{geonames}/"}]
    assert select(db, f"SELECT ?o WHERE {{ <{ID}place/khorly> owl:sameAs ?o }}") == []


def test_link_report_lists_every_entity_once_with_a_link_or_a_reason(
        db: ox.Store, built_store: Path) -> None:
    entries = link_report(db)
    entities = {r["e"] for r in select(db, """SELECT DISTINCT ?e WHERE {
        VALUES ?c { dkg:Actor dkg:Place dkg:Medium dkg:Incident } ?e a ?c }""")}
    assert sorted(e.entity for e in entries) == sorted(entities)
    for e in entries:
        assert bool(e.wikidata) != bool(e.reason), e
        assert (e.status == "linked") == e.linked
        assert all(q.startswith("Q") for q in e.wikidata), e
    table = counts(entries)
    total = table.pop("total")
    assert sum(c["linked"] + c["unlinked"] for c in table.values()) == len(entities)
    assert total["linked"] + total["unlinked"] == len(entities)
    assert table["Incident"] == {"linked": 0, "unlinked": 3}
    result = kg("links", "--format", "csv", "--store", str(built_store))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == len(entities) + 1




def test_federated_places_join_the_standin_with_local_entities(built_store: Path) -> None:
    with standin_endpoint(STANDIN) as (url, received):
        result = kg("query", "wikidata-places", "--format", "csv", "--store", str(built_store),
                    "--wikidata-endpoint", url)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    got = {(r["place"].removeprefix(ID), r["coordinates"], r["country"]) for r in rows}
    assert got == {("place/kharkiv", "Point(36.2311 49.9925)", WD + "Q212"),
                   ("place/kyiv", "Point(30.5233 50.45)", WD + "Q212"),
                   ("place/black-sea", "Point(34 43)", "")}
    assert received and all("VALUES" in q for q in received)


def test_federated_descriptions_join_labels(built_store: Path) -> None:
    with standin_endpoint(STANDIN) as (url, _):
        result = kg("query", "wikidata-descriptions", "--format", "csv", "--store",
                    str(built_store), "--wikidata-endpoint", url)
    assert result.returncode == 0, result.stderr
    rows = {r["entity"].removeprefix(ID): r for r in csv.DictReader(result.stdout.splitlines())}
    assert rows["actor/zelensky"]["wikidataDescription"] == "President of Ukraine (stand-in)"
    assert rows["place/kharkiv"]["wikidataLabel"] == "Kharkiv"


def test_federated_queries_name_every_linked_item(db: ox.Store) -> None:
    """pyoxigraph sends SERVICE blocks without local bindings, so each names its items."""
    catalogue = load_catalogue()
    places = {r["o"].removeprefix(WD) for r in select(db, """SELECT ?o WHERE {
        ?s a dkg:Place ; owl:sameAs ?o }""")}
    linked = {r["o"].removeprefix(WD) for r in select(db, "SELECT ?o WHERE { ?s owl:sameAs ?o }")}
    for name, wanted in (("wikidata-places", places), ("wikidata-descriptions", linked)):
        values = re.search(r"VALUES \?item \{([^}]*)\}", catalogue[name].query).group(1)
        assert set(re.findall(r"wd:(Q\d+)", values)) == wanted, name


def test_wikidata_view_is_rdf_with_listed_properties_only(db: ox.Store) -> None:
    query = load_catalogue()["wikidata-view"]
    turtle = db.query(query.query, use_default_graph_as_union=True).serialize(
        format=ox.RdfFormat.TURTLE)
    graph = rdflib.Graph().parse(data=turtle.decode("utf-8"), format="turtle")
    with (DATA / "properties.tsv").open(encoding="utf-8") as fh:
        allowed = {row["pid"] for row in csv.DictReader(fh, delimiter="\t")}
    used = {m for s, p, o in graph for m in re.findall(r"wikidata\.org/prop/(?:\w+/)?(P\d+)$", str(p))}
    assert used and used <= allowed
    assert {"P585", "P276", "P1120", "P1339", "P8031", "P3680", "P248"} <= used


def test_wikidata_view_gives_one_p1120_of_2_for_kharkiv_from_the_ukrainian_side(
        db: ox.Store) -> None:
    query = load_catalogue()["wikidata-view"]
    view = ox.Store()
    view.extend(ox.Quad(t.subject, t.predicate, t.object) for t in
                db.query(query.query, use_default_graph_as_union=True))
    rows = select(view, f"""
        PREFIX p: <http://www.wikidata.org/prop/>
        PREFIX ps: <http://www.wikidata.org/prop/statement/>
        PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
        PREFIX pr: <http://www.wikidata.org/prop/reference/>
        SELECT ?st ?n ?source ?article WHERE {{
          <{ID}incident/kharkiv-2026-01-02> p:P1120 ?st .
          ?st ps:P1120 ?n ; pq:P3680 ?source ; prov:wasDerivedFrom/pr:P248 ?article }}""")
    assert [(float(r["n"]), r["source"], r["article"]) for r in rows] == [
        (2.0, ID + "actor/ukrainian-officials", ID + f"article/{SEED_ID}")]
