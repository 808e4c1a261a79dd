"""Federated saved queries over HTTP: the server sends their Wikidata calls to a local,
Wikidata-shaped stand-in put on the allowlist in place of the real address."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import BASE, Endpoint, in_process, rows, seed_settings

from tests.wikidata_standin import WIKIDATA_SAMPLE, standin_endpoint


@pytest.fixture(scope="module")
def federated(built_store: Path, tmp_path_factory: pytest.TempPathFactory,
              ) -> Iterator[tuple[Endpoint, list[str]]]:
    with standin_endpoint(WIKIDATA_SAMPLE) as (url, received), \
            in_process(**seed_settings(built_store, url)) as server:
        yield server, received


def test_places_join_wikidata_coordinates_with_local_places(federated) -> None:
    server, received = federated
    got = {(r["place"].removeprefix(BASE), r["coordinates"])
           for r in rows(server.get("/queries/wikidata-places.json"))}
    assert got == {("id/place/kharkiv", "Point(36.2311 49.9925)"),
                   ("id/place/kyiv", "Point(30.5233 50.45)"), ("id/place/black-sea", "Point(34 43)")}
    assert received, "the stand-in was never asked"


def test_descriptions_in_french_too(federated) -> None:
    server, _ = federated
    got = {r["entity"].removeprefix(BASE): r["wikidataLabel"]
           for r in rows(server.get("/queries/wikidata-descriptions.json", params={"lang": "fr"}))}
    assert got == {"id/place/kharkiv": "Kharkiv", "id/place/kyiv": "Kiev"}


def test_a_raw_service_to_the_real_address_is_not_rerouted(federated) -> None:
    """Only our own saved queries are remapped; a user's SERVICE goes where it says (and here,
    with no network, the allowlisted real address fails cleanly rather than hanging)."""
    server, received = federated
    before = len(received)
    r = server.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } } LIMIT 1"},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 503, r.text  # the documented "remote service unavailable" answer
    assert r.json()["error"] == "service-unavailable"
    assert len(received) == before
