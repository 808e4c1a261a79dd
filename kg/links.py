"""The Wikidata link report: every entity once, with its link and evidence or why it has none.

Built from the rows of the `wikidata-links` saved query, so `kg links`, the `/links` page and
the query itself give the same answer (the server passes the rows it got from its backend).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.catalogue import load_catalogue
from kg.config import QUERIES_DIR

WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
Row = Mapping[str, str]  # a variable's value (IRI or literal text); unbound variables absent


@dataclass
class LinkEntry:
    entity: str
    label: str
    kind: str  # the label of its most specific class, in the report's language
    status: str  # the label of its link status
    wikidata: list[str] = field(default_factory=list)  # QIDs
    evidence: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def linked(self) -> bool:
        return bool(self.wikidata)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "linked": self.linked}


def entries(rows: Iterable[Row]) -> list[LinkEntry]:
    """One entry per entity, in the rows' order; of several kinds, the most specific one (the
    kind with the fewest members: a government body is an actor too)."""
    rows = list(rows)
    members = Counter((r.get("kind", ""), r["entity"]) for r in rows)
    size = Counter(kind for kind, _ in members)
    out: dict[str, LinkEntry] = {}
    for r in rows:
        iri, kind = r["entity"], r.get("kind", "")
        e = out.get(iri)
        if e is None:
            e = out[iri] = LinkEntry(iri, r.get("label", ""), kind, r.get("status", ""),
                                     reason=r.get("reason", ""))
        elif (size[kind], kind) < (size[e.kind], e.kind):
            e.kind = kind
        qid = r.get("wikidata", "").removeprefix(WIKIDATA_ENTITY)
        if qid and qid not in e.wikidata:
            e.wikidata.append(qid)
        evidence = r.get("evidence", "")
        if evidence and evidence not in e.evidence:
            e.evidence.append(evidence)
    return list(out.values())


def counts(items: list[LinkEntry]) -> dict[str, dict[str, int]]:
    """Linked and unlinked entities per kind, and in total."""
    out: dict[str, dict[str, int]] = {}
    for e in sorted(items, key=lambda e: e.kind):
        c = out.setdefault(e.kind, {"linked": 0, "unlinked": 0})
        c["linked" if e.linked else "unlinked"] += 1
    out["total"] = {k: sum(c[k] for c in out.values()) for k in ("linked", "unlinked")}
    return out


def link_report(db: ox.Store, lang: str = "en", queries: Path = QUERIES_DIR) -> list[LinkEntry]:
    """The report over a store opened in this process (`kg links`)."""
    query = load_catalogue(queries)["wikidata-links"]
    results = db.query(query.query, use_default_graph_as_union=True,
                       substitutions=dict(query.bind({"lang": lang}).items()))
    assert isinstance(results, ox.QuerySolutions)
    names = [v.value for v in results.variables]
    return entries({n: row[n].value for n in names if row[n] is not None} for row in results)
