"""The landing page: what the dataset holds (counts per graph and class), its articles and
disputes, and the build it serves."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from kg.config import ONTOLOGY_NS
from kg.store import StoreMissing, build_info
from server.views.description import endpoint_url, graph_counts
from server.views.iris import href
from server.views.service import QueryService
from server.views.sparql import query
from server.views.terms import Link, label_of, value

COUNTED = ("Article", "Claim", "Dispute", "Incident", "Actor", "Place", "Mention")
LISTED = ("Article", "Dispute")


async def members(service: QueryService, cls: str) -> list[Link]:
    """The first instances of a dkg class, each once, with its label."""
    seen: dict[str, Link] = {}
    base = service.settings.base_iri
    for r in await service.select(query("class-members"), **{"class": ox.NamedNode(cls)}):
        s = value(r, "s")
        seen.setdefault(s, Link(label_of(r, "l") or s, href(s, base)))
    return list(seen.values())


async def landing(service: QueryService) -> dict[str, Any]:
    """The landing page's context (raises DataUnavailable)."""
    graphs = await graph_counts(service)
    found = {value(r, "c").removeprefix(ONTOLOGY_NS): int(value(r, "n"))
             for r in await service.select(query("class-counts"))}
    listing = {cls: await members(service, ONTOLOGY_NS + cls) for cls in LISTED}
    try:
        info = build_info(service.settings.store)
    except StoreMissing:
        info = {}
    return {
        "endpoint": endpoint_url(service),
        "triples": sum(c for _, c in graphs),
        "counts": [(f"{c}s", found.get(c, 0)) for c in COUNTED],
        "graphs": graphs,
        "articles": listing["Article"],
        "disputes": listing["Dispute"],
        "build": info,
    }
