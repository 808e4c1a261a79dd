"""Federated saved queries: where their SERVICE calls go.

Saved queries name Wikidata's public endpoint. A deployment (or the test suite, offline) may
send those calls to another endpoint, e.g. a local stand-in serving a Wikidata-shaped graph;
only the endpoint IRIs of our own query files are replaced, never text a user sent.
"""

from __future__ import annotations

import re

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"


def remap_services(query: str, endpoints: dict[str, str]) -> str:
    """Replace `SERVICE [SILENT] <from>` by `<to>` for each mapping entry."""
    for source, target in endpoints.items():
        if source == target:
            continue
        if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", target):
            raise ValueError(f"endpoint {target!r} is not an http(s) IRI")
        pattern = re.compile(r"(SERVICE\s+(?:SILENT\s+)?)<" + re.escape(source) + ">", re.I)
        query = pattern.sub(lambda m, to=target: f"{m.group(1)}<{to}>", query)
    return query
