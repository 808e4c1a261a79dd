"""`/links`: every entity exactly once with its Wikidata link and evidence, or the reason it has
none; counts by kind that add up; the same as the `wikidata-links` saved query."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape

from harness import BASE, BROWSER, Endpoint, rows


def test_every_entity_once_with_a_link_or_a_reason(seed: Endpoint) -> None:
    data = seed.get("/links", headers={"Accept": "application/json"}).json()
    entities = data["entities"]
    query_rows = rows(seed.get("/queries/wikidata-links.json"))
    assert Counter(e["entity"] for e in entities) == Counter(
        {iri: 1 for iri in {r["entity"] for r in query_rows}})
    for e in entities:
        if e["linked"]:
            assert e["wikidata"] and all(re.fullmatch(r"Q[1-9][0-9]*", q) for q in e["wikidata"])
            assert e["evidence"], e
        else:
            assert not e["wikidata"] and e["reason"], e
    by_iri = {e["entity"]: e for e in entities}
    assert by_iri[BASE + "id/actor/russian-mod"]["wikidata"] == ["Q1146492"]
    assert not by_iri[BASE + "id/place/khorly"]["linked"]
    assert "GeoNames" in by_iri[BASE + "id/place/khorly"]["reason"]


def test_counts_add_up(seed: Endpoint) -> None:
    data = seed.get("/links", headers={"Accept": "application/json"}).json()
    entities, counts = data["entities"], data["counts"]
    total = counts.pop("total")
    assert total["linked"] + total["unlinked"] == len(entities)
    for kind, c in counts.items():
        members = [e for e in entities if e["kind"] == kind]
        assert c == {"linked": sum(e["linked"] for e in members),
                     "unlinked": sum(not e["linked"] for e in members)}
    assert sum(c["linked"] for c in counts.values()) == total["linked"]
    assert {"Actor", "Place", "Medium", "Incident"} <= set(counts)


def test_html_report(seed: Endpoint) -> None:
    r = seed.get("/links", headers={"Accept": BROWSER})
    assert r.status_code == 200
    html = r.text
    data = seed.get("/links", headers={"Accept": "application/json"}).json()
    rendered = re.findall(r'<tr class="entity" data-entity="([^"]+)"', html)
    assert sorted(rendered) == sorted(e["entity"] for e in data["entities"])
    assert '<a class="wikidata" href="https://www.wikidata.org/wiki/Q1146492">Q1146492</a>' in html
    assert "no trustworthy ID found offline" in unescape(html)
    total = data["counts"]["total"]
    assert re.search(rf'<tr class="total"><th>total</th><td>{total["linked"]}</td>'
                     rf'<td>{total["unlinked"]}</td></tr>', html)
    assert "Acteur" in unescape(seed.get("/links?lang=fr", headers={"Accept": BROWSER}).text)


def test_most_specific_kind_wins() -> None:
    from kg.links import entries

    def row(entity: str, kind: str) -> dict[str, str]:
        return {"entity": entity, "label": entity, "kind": kind, "status": "linked"}

    got = entries([row("a", "Actor"), row("b", "Actor"), row("c", "Medium"),
                   row("c", "Actor")])
    assert [(e.entity, e.kind) for e in got] == [("a", "Actor"), ("b", "Actor"), ("c", "Medium")]
