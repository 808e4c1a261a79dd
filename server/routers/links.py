"""`/links`: the Wikidata link report, from the `wikidata-links` saved query."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from server import protocol
from server.data import Binding, DataUnavailable, settings_of, value
from server.errors import error_response, outcome_error
from server.iris import href
from server.saved import rows
from server.templating import TEMPLATES

router = APIRouter(tags=["Wikidata links"])
WIKIDATA = "http://www.wikidata.org/entity/"


@dataclass
class Entry:
    entity: str
    label: str
    kind: str
    status: str
    href: str
    wikidata: list[str] = field(default_factory=list)  # QIDs
    evidence: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def linked(self) -> bool:
        return bool(self.wikidata)


def entries(bindings: list[Binding], base: str) -> list[Entry]:
    """One entry per entity; of several kinds, the most specific (the one with fewest members)."""
    members = Counter((value(r, "kind"), value(r, "entity")) for r in bindings)
    size = Counter(kind for kind, _ in members)
    out: dict[str, Entry] = {}
    for r in bindings:
        iri, kind = value(r, "entity"), value(r, "kind")
        e = out.get(iri)
        if e is None:
            e = out[iri] = Entry(iri, value(r, "label"), kind, value(r, "status"), href(iri, base),
                                 reason=value(r, "reason"))
        elif (size[kind], kind) < (size[e.kind], e.kind):
            e.kind = kind
        qid = value(r, "wikidata").removeprefix(WIKIDATA)
        if qid and qid not in e.wikidata:
            e.wikidata.append(qid)
        if value(r, "evidence") and value(r, "evidence") not in e.evidence:
            e.evidence.append(value(r, "evidence"))
    return list(out.values())


def counts(items: list[Entry]) -> dict[str, dict[str, int]]:
    """Linked and unlinked entities per kind, and in total."""
    out: dict[str, dict[str, int]] = {}
    for e in sorted(items, key=lambda e: e.kind):
        c = out.setdefault(e.kind, {"linked": 0, "unlinked": 0})
        c["linked" if e.linked else "unlinked"] += 1
    out["total"] = {k: sum(c[k] for c in out.values()) for k in ("linked", "unlinked")}
    return out


@router.get("/links", summary="The Wikidata link report (HTML, or JSON by Accept)")
async def links(request: Request) -> Response:
    """Every entity with its Wikidata link and evidence, or the reason it has none."""
    lang = request.query_params.get("lang", "en")
    if lang not in ("en", "fr"):
        return error_response(422, "bad-parameter", "lang must be en or fr", parameter="lang")
    base = settings_of(request).base_iri
    try:
        items = entries(await rows(request, "wikidata-links", lang=lang), base)
    except DataUnavailable as exc:
        return outcome_error(exc.outcome, 5)
    summary = counts(items)
    if not protocol.prefers_html(request.headers.get("accept")):
        return JSONResponse({"entities": [{**asdict(e), "linked": e.linked} for e in items],
                             "counts": summary}, headers={"Vary": "Accept"})
    return TEMPLATES.TemplateResponse(request, "links.html", {
        "linked": [e for e in items if e.linked], "unlinked": [e for e in items if not e.linked],
        "counts": summary, "lang": lang}, headers={"Vary": "Accept"})
