"""The Wikidata link report for `/links`: the `wikidata-links` rows through kg.links, the one
definition of the report (`kg links` prints the same)."""

from __future__ import annotations

from typing import Any

from kg.links import LinkEntry, counts, entries
from server.views.iris import href
from server.views.service import QueryService


async def link_report(service: QueryService, lang: str) -> dict[str, Any]:
    """Entities (each with its local `href`) and counts per kind (raises DataUnavailable)."""
    rows = await service.rows("wikidata-links", lang=lang)
    items: list[LinkEntry] = entries({k: v["value"] for k, v in r.items()} for r in rows)
    base = service.settings.base_iri
    return {"entities": [{**e.as_dict(), "href": href(e.entity, base)} for e in items],
            "counts": counts(items)}
