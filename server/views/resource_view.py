"""What a Linked Data HTML page shows about one resource, gathered with a few SPARQL queries
(server/views/queries/resource-*.rq, article-*.rq)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.config import ONTOLOGY_NS, PREFIXES
from server.views.iris import href, qname
from server.views.service import QueryService
from server.views.sparql import query
from server.views.terms import Binding, Link, label_of, value

RDF_TYPE = PREFIXES["rdf"] + "type"
LABELS = (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel")
SAME_AS = PREFIXES["owl"] + "sameAs"
NIF_CONTEXT = PREFIXES["nif"] + "Context"
ARTICLE = ONTOLOGY_NS + "Article"
WIKIDATA = PREFIXES["wd"]


@dataclass
class ResourceView:
    iri: str
    label_en: str = ""
    label_fr: str = ""
    types: list[Link] = field(default_factory=list)
    type_iris: list[str] = field(default_factory=list)
    statements: list[tuple[Link, Link]] = field(default_factory=list)
    incoming: list[tuple[Link, Link]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    disputes: list[Link] = field(default_factory=list)
    wikidata: list[Link] = field(default_factory=list)
    article: dict[str, Any] | None = None

    @property
    def exists(self) -> bool:
        return bool(self.statements or self.incoming)

    @property
    def title(self) -> str:
        return self.label_en or self.label_fr or self.iri


def _term(row: Binding, var: str, base: str, label: str = "") -> Link:
    cell = row[var]
    if cell["type"] == "uri":
        iri = cell["value"]
        return Link(label or qname(iri), href(iri, base), iri if label else "")
    if cell["type"] == "bnode":
        return Link("_:" + cell["value"])
    note = cell.get("xml:lang") or qname(cell.get("datatype", ""))
    return Link(cell["value"], None, "@" + note if cell.get("xml:lang") else note)


def _distinct(rows: list[Binding], *vars_: str) -> list[Binding]:
    """The rows with a first occurrence of their (vars) values, in order."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for r in rows:
        key = tuple(value(r, v) for v in vars_)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


async def resource_view(service: QueryService, iri: str) -> ResourceView:
    """Statements, types, quotes, claims, disputes and Wikidata links of `iri`."""
    this = ox.NamedNode(iri)
    base = service.settings.base_iri
    view = ResourceView(iri)
    for r in _distinct(await service.select(query("resource-statements"), this=this), "p", "o"):
        _statement(view, r, base)
    for r in _distinct(await service.select(query("resource-incoming"), this=this), "s", "p"):
        p = value(r, "p")
        view.incoming.append((_term(r, "s", base, label_of(r, "l")),
                              Link(qname(p), href(p, base))))
    for r in await service.select(query("resource-quotes"), this=this):
        view.quotes.append({
            "text": value(r, "anchor"), "begin": value(r, "b"), "end": value(r, "e"),
            "mention": href(value(r, "m"), base),
            "article": href(value(r, "ctx"), base) if value(r, "ctx") else None,
        })
    for r in _distinct(await service.select(query("resource-claims"), this=this), "claim", "p"):
        view.claims.append({
            "claim": _term(r, "claim", base, label_of(r, "l")),
            "role": qname(value(r, "p")),
            "claimant": _term(r, "claimant", base, label_of(r, "cl")) if "claimant" in r else None,
            "stance": qname(value(r, "stance")).split("/")[-1] if "stance" in r else "",
        })
    for r in _distinct(await service.select(query("resource-disputes"), this=this), "d"):
        view.disputes.append(_term(r, "d", base, label_of(r, "l")))
    if ARTICLE in view.type_iris or NIF_CONTEXT in view.type_iris:
        view.article = await article_view(service, iri)
    return view


def _statement(view: ResourceView, r: Binding, base: str) -> None:
    """Add one (p, o) row: a type, a label, a Wikidata link, and always a statement."""
    p, o = value(r, "p"), value(r, "o")
    obj = _term(r, "o", base, label_of(r, "l"))
    if p == RDF_TYPE:
        view.types.append(obj)
        view.type_iris.append(o)
    elif p in LABELS:
        lang = r["o"].get("xml:lang", "")
        if lang.startswith("en") and not view.label_en:
            view.label_en = o
        elif lang.startswith("fr") and not view.label_fr:
            view.label_fr = o
    if p == SAME_AS and o.startswith(WIKIDATA):
        qid = o[len(WIKIDATA):]
        view.wikidata.append(Link(qid, f"https://www.wikidata.org/wiki/{qid}", o))
    view.statements.append((Link(qname(p), href(p, base)), obj))


async def article_view(service: QueryService, iri: str) -> dict[str, Any] | None:
    """The article text cut into segments, each mapped span linked to the nodes it supports."""
    this = ox.NamedNode(iri)
    base = service.settings.base_iri
    rows = await service.select(query("article-text"), this=this)
    if not rows:
        return None
    text = value(rows[0], "t")
    spans: dict[tuple[int, int], dict[str, Any]] = {}
    for r in await service.select(query("article-spans"), this=this):
        b, e = int(value(r, "b")), int(value(r, "e"))
        if not (0 <= b < e <= len(text)):
            continue
        span = spans.setdefault((b, e), {"begin": b, "end": e, "quote": text[b:e], "nodes": {}})
        node = value(r, "node")
        if node not in span["nodes"]:
            span["nodes"][node] = Link(label_of(r, "l") or qname(node), href(node, base),
                                       node)
    for span in spans.values():
        span["nodes"] = list(span["nodes"].values())
        span["id"] = f"span-{span['begin']}-{span['end']}"
    drafted = _drafted(service, iri, text)
    return {"segments": _segments(text, spans, drafted),
            "spans": sorted(spans.values(), key=lambda s: s["begin"]),
            "drafted": bool(drafted)}


def _segments(text: str, spans: dict[tuple[int, int], dict[str, Any]],
              drafted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The text cut at every span boundary; a covered piece links to its innermost span, and
    a piece inside a drafted entry's span carries that entry's rule (`drafted`)."""
    cuts = sorted({0, len(text), *(b for b, _ in spans), *(e for _, e in spans),
                   *(d["begin"] for d in drafted), *(d["end"] for d in drafted)})
    segments: list[dict[str, Any]] = []
    for x, y in zip(cuts, cuts[1:], strict=False):
        covering = [sp for (b, e), sp in spans.items() if b <= x and y <= e]
        marks = [d["title"] for d in drafted if d["begin"] <= x and y <= d["end"]]
        segment: dict[str, Any] = {"text": text[x:y], "drafted": "\n".join(marks)}
        segments.append(segment)
        if not covering:
            continue
        inner = min(covering, key=lambda sp: sp["end"] - sp["begin"])
        nodes = inner["nodes"]
        segment.update({
            "href": nodes[0].href if len(nodes) == 1 else "#" + inner["id"],
            "title": "; ".join(n.text for sp in covering for n in sp["nodes"]),
            "depth": min(len(covering), 3),
        })
    return segments


def _drafted(service: QueryService, iri: str, text: str) -> list[dict[str, Any]]:
    """Spans of `kg draft` entries for this article (kg.draft.review), from its seeds folder."""
    import re

    from kg.annotations import SLUG
    from kg.draft.review import drafted_spans

    slug = iri.removeprefix(service.settings.base_iri + "id/article/")
    if slug == iri or not re.fullmatch(SLUG, slug):
        return []
    folder = service.settings.seeds / slug
    return drafted_spans(folder, text) if folder.is_dir() else []
