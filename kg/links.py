"""The Wikidata link report: every entity once, with its link and evidence or why it has none.

Built from the `wikidata-links` saved query, so `kg links`, the `/links` page and the query
give the same answer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

import pyoxigraph as ox

from kg.catalogue import load_catalogue


@dataclass(frozen=True)
class LinkEntry:
    entity: str
    label: str
    kind: str  # actor, place, medium or incident: the IRI's kind
    status: str  # linked, unlinked-unverified, unlinked-no-candidate
    wikidata: str | None
    evidence: str | None
    reason: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def link_report(db: ox.Store, lang: str = "en") -> list[LinkEntry]:
    """One entry per entity, sorted by kind, status and label."""
    query = load_catalogue()["wikidata-links"]
    results = db.query(query.query, use_default_graph_as_union=True,
                       substitutions=query.bind({"lang": lang}))
    entries: dict[str, LinkEntry] = {}
    for row in results:
        iri = row["entity"].value
        if iri in entries:
            continue
        entries[iri] = LinkEntry(
            entity=iri, label=row["label"].value, kind=iri.split("/id/", 1)[1].split("/", 1)[0],
            status=row["statusConcept"].value.rsplit("/", 1)[1],
            wikidata=row["wikidata"].value if row["wikidata"] else None,
            evidence=row["evidence"].value if row["evidence"] else None,
            reason=row["reason"].value if row["reason"] else None)
    return sorted(entries.values(), key=lambda e: (e.kind, e.status, e.label))


def counts(entries: list[LinkEntry]) -> dict[str, dict[str, int]]:
    """Linked and unlinked entities per kind."""
    table: dict[str, Counter[str]] = {}
    for e in entries:
        table.setdefault(e.kind, Counter())["linked" if e.wikidata else "unlinked"] += 1
    return {kind: {"linked": c["linked"], "unlinked": c["unlinked"]}
            for kind, c in sorted(table.items())}
