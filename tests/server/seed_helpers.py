"""Helpers for tests of the saved queries over the real seed build (`built_store`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Server, start_server

BASE = "https://w3id.org/dispute-kg/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
KHARKIV = BASE + "id/incident/kharkiv-2026-01-02"
KHORLY = BASE + "id/incident/khorly-new-years-eve"


def seed_store(request: pytest.FixtureRequest) -> Path:
    """The session's seed build (tests/conftest.py always provides it; nothing is skipped)."""
    return request.getfixturevalue("built_store")


def start_seed_server(store: Path, log: Path, standin_url: str, *extra: str) -> Server:
    """The real server over the seed build; saved queries' Wikidata calls go to the stand-in."""
    return start_server(store, log, "--timeout", "10", "--workers", "2",
                        "--service-allow", f"https://query.wikidata.org/sparql,{standin_url}",
                        "--wikidata-endpoint", standin_url, *extra)


def rows(response) -> list[dict[str, str]]:
    """SPARQL JSON results as plain {var: value} dicts."""
    assert response.status_code == 200, response.text
    data = json.loads(response.content)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
