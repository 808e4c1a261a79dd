"""`/links`: the Wikidata link report, from the `wikidata-links` saved query."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from server.views.link_report import link_report
from server.web import negotiation
from server.web.params import Lang
from server.web.state import Service
from server.web.templating import TEMPLATES

router = APIRouter(tags=["Wikidata links"])
@router.get("/links", summary="The Wikidata link report (HTML, or JSON by Accept)")
async def links(request: Request, lang: Lang,
                service: Service) -> Response:
    """Every entity with its Wikidata link and evidence, or the reason it has none."""
    report = await link_report(service, lang)
    if not negotiation.prefers_html(request.headers.get("accept")):
        return JSONResponse(report, headers={"Vary": "Accept"})
    items = report["entities"]
    return TEMPLATES.TemplateResponse(request, "links.html", {
        "linked": [e for e in items if e["linked"]],
        "unlinked": [e for e in items if not e["linked"]],
        "counts": report["counts"], "lang": lang}, headers={"Vary": "Accept"})
