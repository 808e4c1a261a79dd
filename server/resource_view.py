"""What a Linked Data HTML page shows about one resource, gathered with a few SPARQL queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from server.data import Binding, select, value
from server.iris import href, qname

P = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
PREFIX dkg: <{ont}>
"""
LABEL = """OPTIONAL {{ {v} rdfs:label ?{n}en FILTER(langMatches(lang(?{n}en), "en")) }}
OPTIONAL {{ {v} rdfs:label ?{n}fr FILTER(langMatches(lang(?{n}fr), "fr")) }}
OPTIONAL {{ {v} skos:prefLabel ?{n}pl FILTER(langMatches(lang(?{n}pl), "en")) }}
OPTIONAL {{ {v} rdfs:label ?{n}any }}"""
NIF_CONTEXT = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#Context"
WIKIDATA = "http://www.wikidata.org/entity/"


def label_of(row: Binding, n: str) -> str:
    for suffix in ("en", "pl", "fr", "any"):
        v = value(row, n + suffix)
        if v:
            return v
    return ""


def labels_clause(var: str, name: str) -> str:
    return LABEL.format(v=var, n=name)


@dataclass
class Link:
    """A term to show: its text and where it links (None for a literal)."""

    text: str
    href: str | None = None
    note: str = ""  # datatype or language of a literal, or the IRI under a label


@dataclass
class ResourceView:
    iri: str
    label_en: str = ""
    label_fr: str = ""
    types: list[Link] = field(default_factory=list)
    type_iris: list[str] = field(default_factory=list)
    statements: list[tuple[Link, Link]] = field(default_factory=list)
    incoming: list[tuple[Link, Link]] = field(default_factory=list)
    quotes: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    disputes: list[Link] = field(default_factory=list)
    wikidata: list[Link] = field(default_factory=list)
    article: dict | None = None

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
        return Link(label or qname(iri, base), href(iri, base), iri if label else "")
    if cell["type"] == "bnode":
        return Link("_:" + cell["value"])
    note = cell.get("xml:lang") or qname(cell.get("datatype", ""), base)
    return Link(cell["value"], None, "@" + note if cell.get("xml:lang") else note)


async def resource_view(request: Request, iri: str, base: str) -> ResourceView:
    """Statements, types, quotes, claims, disputes and Wikidata links of `iri`."""
    s = f"<{iri}>"
    pre = P.format(ont=base + "ontology#")
    view = ResourceView(iri)
    rows = await select(request, pre + f"""
SELECT ?p ?o ?len ?lfr ?lpl ?lany WHERE {{ {s} ?p ?o . {labels_clause("?o", "l")} }}
ORDER BY ?p ?o LIMIT 2000""")
    seen: set[tuple[str, str]] = set()
    for r in rows:
        key = (value(r, "p"), value(r, "o"))
        if key in seen:
            continue
        seen.add(key)
        p, o = key
        obj = _term(r, "o", base, label_of(r, "l"))
        if p == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
            view.types.append(obj)
            view.type_iris.append(o)
        elif p in ("http://www.w3.org/2000/01/rdf-schema#label",
                   "http://www.w3.org/2004/02/skos/core#prefLabel"):
            lang = r["o"].get("xml:lang", "")
            if lang.startswith("en") and not view.label_en:
                view.label_en = o
            elif lang.startswith("fr") and not view.label_fr:
                view.label_fr = o
        if p == "http://www.w3.org/2002/07/owl#sameAs" and o.startswith(WIKIDATA):
            qid = o[len(WIKIDATA):]
            view.wikidata.append(Link(qid, f"https://www.wikidata.org/wiki/{qid}", o))
        view.statements.append((Link(qname(p, base), href(p, base)), obj))
    rows = await select(request, pre + f"""
SELECT ?s ?p ?len ?lfr ?lpl ?lany WHERE {{ ?s ?p {s} . {labels_clause("?s", "l")} }}
ORDER BY ?p ?s LIMIT 2000""")
    seen.clear()
    for r in rows:
        key = (value(r, "s"), value(r, "p"))
        if key not in seen:
            seen.add(key)
            view.incoming.append((_term(r, "s", base, label_of(r, "l")),
                                  Link(qname(key[1], base), href(key[1], base))))
    rows = await select(request, pre + f"""
SELECT DISTINCT ?m ?anchor ?b ?e ?ctx WHERE {{
  {s} prov:wasDerivedFrom|<http://groundedannotationframework.org/gaf#denotedBy>|dkg:attestedBy ?m .
  ?m nif:anchorOf ?anchor ; nif:beginIndex ?b ; nif:endIndex ?e .
  OPTIONAL {{ ?m nif:referenceContext ?ctx }} }} ORDER BY ?ctx ?b""")
    for r in rows:
        view.quotes.append({
            "text": value(r, "anchor"), "begin": value(r, "b"), "end": value(r, "e"),
            "mention": href(value(r, "m"), base),
            "article": href(value(r, "ctx"), base) if value(r, "ctx") else None,
        })
    rows = await select(request, pre + f"""
SELECT ?claim ?p ?len ?lfr ?lpl ?lany ?claimant ?clen ?clfr ?clpl ?clany ?stance WHERE {{
  ?claim a dkg:Claim ; ?p {s} .
  OPTIONAL {{ ?claim dkg:claimant ?claimant . {labels_clause("?claimant", "cl")} }}
  OPTIONAL {{ ?claim dkg:stance ?stance }}
  {labels_clause("?claim", "l")} }} ORDER BY ?claim""")
    seen.clear()
    for r in rows:
        key = (value(r, "claim"), value(r, "p"))
        if key in seen:
            continue
        seen.add(key)
        view.claims.append({
            "claim": _term(r, "claim", base, label_of(r, "l")),
            "role": qname(key[1], base),
            "claimant": _term(r, "claimant", base, label_of(r, "cl")) if "claimant" in r else None,
            "stance": qname(value(r, "stance"), base).split("/")[-1] if "stance" in r else "",
        })
    rows = await select(request, pre + f"""
SELECT DISTINCT ?d ?len ?lfr ?lpl ?lany WHERE {{
  ?d a dkg:Dispute .
  {{ ?d dkg:about {s} }} UNION {{ ?d dkg:involvesClaim {s} }}
  UNION {{ ?d dkg:involvesClaim ?c . ?c dkg:claimant {s} }}
  UNION {{ ?d dkg:involvesClaim ?c2 . ?c2 dkg:about {s} }}
  {labels_clause("?d", "l")} }} ORDER BY ?d""")
    done: set[str] = set()
    for r in rows:
        if value(r, "d") not in done:
            done.add(value(r, "d"))
            view.disputes.append(_term(r, "d", base, label_of(r, "l")))
    if base + "ontology#Article" in view.type_iris or NIF_CONTEXT in view.type_iris:
        view.article = await article_view(request, iri, base, pre)
    return view


async def article_view(request: Request, iri: str, base: str, pre: str) -> dict | None:
    """The article text cut into segments, each mapped span linked to the nodes it supports."""
    rows = await select(request, pre + f"SELECT ?t WHERE {{ <{iri}> nif:isString ?t }} LIMIT 1")
    if not rows:
        return None
    text = value(rows[0], "t")
    rows = await select(request, pre + f"""
SELECT ?m ?b ?e ?node ?len ?lfr ?lpl ?lany WHERE {{
  ?m nif:referenceContext <{iri}> ; nif:beginIndex ?b ; nif:endIndex ?e .
  ?node prov:wasDerivedFrom|<http://groundedannotationframework.org/gaf#denotedBy>
        |dkg:attestedBy ?m .
  {labels_clause("?node", "l")} }} ORDER BY ?b ?e ?node""")
    spans: dict[tuple[int, int], dict] = {}
    for r in rows:
        b, e = int(value(r, "b")), int(value(r, "e"))
        if not (0 <= b < e <= len(text)):
            continue
        span = spans.setdefault((b, e), {"begin": b, "end": e, "quote": text[b:e], "nodes": {}})
        node = value(r, "node")
        if node not in span["nodes"]:
            span["nodes"][node] = Link(label_of(r, "l") or qname(node, base), href(node, base),
                                       node)
    for span in spans.values():
        span["nodes"] = list(span["nodes"].values())
        span["id"] = f"span-{span['begin']}-{span['end']}"
    cuts = sorted({0, len(text), *(b for b, _ in spans), *(e for _, e in spans)})
    segments = []
    for x, y in zip(cuts, cuts[1:], strict=False):
        covering = [sp for (b, e), sp in spans.items() if b <= x and y <= e]
        if not covering:
            segments.append({"text": text[x:y]})
            continue
        inner = min(covering, key=lambda sp: sp["end"] - sp["begin"])
        nodes = inner["nodes"]
        segments.append({
            "text": text[x:y],
            "href": nodes[0].href if len(nodes) == 1 else "#" + inner["id"],
            "title": "; ".join(n.text for sp in covering for n in sp["nodes"]),
            "depth": min(len(covering), 3),
        })
    return {"segments": segments, "spans": sorted(spans.values(), key=lambda s: s["begin"])}
