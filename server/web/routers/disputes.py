"""`/disputes`: the dispute view, built from the saved queries run through the worker pool."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response

from server.failures import BadPage, NotFound
from server.views.dispute_view import INCIDENTS_PER_PAGE, incident_list, incident_page
from server.web.params import Lang
from server.web.state import Service
from server.web.templating import TEMPLATES

router = APIRouter(tags=["Dispute view"])


def _page_url(lang: str, page: int) -> str:
    params = [*([f"lang={lang}"] if lang != "en" else []), *([f"page={page}"] if page > 1 else [])]
    return "/disputes" + ("?" + "&".join(params) if params else "")


@router.get("/disputes", summary="Incidents and their disputes (HTML), a page at a time")
async def disputes(request: Request, lang: Lang,
                   service: Service) -> Response:
    """A page of incidents (`page`, from 1) with the disputes the rules found about each; the
    next and previous pages are links on the page and in the `Link` header."""
    raw = request.query_params.get("page", "1")
    if not re.fullmatch(r"[1-9][0-9]{0,8}", raw):
        raise BadPage("page", f"parameter 'page': {raw!r} is not a page number (1, 2, …)")
    page = int(raw)
    incidents, more = await incident_list(service, lang, page)
    nav = {**({"prev": _page_url(lang, page - 1)} if page > 1 else {}),
           **({"next": _page_url(lang, page + 1)} if more else {})}
    headers = {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in nav.items())} \
        if nav else {}
    return TEMPLATES.TemplateResponse(request, "disputes.html",
                                      {"incidents": incidents, "lang": lang, "page": page,
                                       "per_page": INCIDENTS_PER_PAGE, "nav": nav},
                                      headers=headers)


@router.get("/disputes/{slug}", summary="One incident's competing claims (HTML)")
async def incident(request: Request, slug: str, lang: Lang,
                   service: Service) -> Response:
    """The competing claims side by side, by aspect and side, with the timeline."""
    iri = f"{service.settings.base_iri}id/incident/{slug}"
    view = await incident_page(service, iri, lang)
    if view is None:
        raise NotFound(f"no incident {slug!r}; see /disputes")
    return TEMPLATES.TemplateResponse(request, "dispute.html", {**view, "lang": lang,
                                                                "slug": slug})
