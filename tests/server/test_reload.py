"""A rebuild swapped in while the server runs is seen by the next query (workers reopen)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
from fixture_data import BASE, build_fixture_store, trig
from harness import in_process

from kg.store import new_build

COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c a <{BASE}ontology#Claim> }}"


def claims(server) -> int:
    r = server.get("/sparql", params={"query": COUNT})
    assert r.status_code == 200, r.text
    return int(json.loads(r.content)["results"]["bindings"][0]["n"]["value"])


def test_swapped_store_is_reopened(tmp_path: Path) -> None:
    store = build_fixture_store(tmp_path / "store")
    with in_process(store=store, workers=1, timeout=5) as srv:
        assert claims(srv) == 2
        extra = (f'<{BASE}graph/extra> {{ <{BASE}id/claim/extra/one> a '
                 f'<{BASE}ontology#Claim> . }}')
        with new_build(store, info={"version": "second"}) as d:
            st = ox.Store(str(d))
            st.bulk_load((trig() + extra).encode(), format=ox.RdfFormat.TRIG)
            st.flush()
            del st
        assert claims(srv) == 3
        assert srv.get("/health").json()["info"]["version"] == "second"
    shutil.rmtree(tmp_path, ignore_errors=True)
