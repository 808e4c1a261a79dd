"""`/disputes`: the dispute view, built from the saved queries run through the worker pool."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response

from server.data import DataUnavailable, settings_of
from server.dispute_view import INCIDENTS_PER_PAGE, incident_list, incident_page
from server.errors import error_response, outcome_error
from server.templating import TEMPLATES

router = APIRouter(tags=["Dispute view"])
LANGS = ("en", "fr")


def _lang(request: Request) -> str | None:
    lang = request.query_params.get("lang", "en")
    return lang if lang in LANGS else None


def _page_url(lang: str, page: int) -> str:
    params = [*([f"lang={lang}"] if lang != "en" else []), *([f"page={page}"] if page > 1 else [])]
    return "/disputes" + ("?" + "&".join(params) if params else "")


@router.get("/disputes", summary="Incidents and their disputes (HTML), a page at a time")
async def disputes(request: Request) -> Response:
    """A page of incidents (`page`, from 1) with the disputes the rules found about each; the
    next and previous pages are links on the page and in the `Link` header."""
    lang = _lang(request)
    if lang is None:
        return error_response(422, "bad-parameter", "lang must be en or fr", parameter="lang")
    raw = request.query_params.get("page", "1")
    if not re.fullmatch(r"[1-9][0-9]{0,8}", raw):
        return error_response(400, "bad-page", f"parameter 'page': {raw!r} is not a page "
                              "number (1, 2, …)", parameter="page")
    page = int(raw)
    try:
        incidents, more = await incident_list(request, settings_of(request).base_iri, lang, page)
    except DataUnavailable as exc:
        return outcome_error(exc.outcome, 5)
    nav = {**({"prev": _page_url(lang, page - 1)} if page > 1 else {}),
           **({"next": _page_url(lang, page + 1)} if more else {})}
    headers = {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in nav.items())} \
        if nav else {}
    return TEMPLATES.TemplateResponse(request, "disputes.html",
                                      {"incidents": incidents, "lang": lang, "page": page,
                                       "per_page": INCIDENTS_PER_PAGE, "nav": nav},
                                      headers=headers)


@router.get("/disputes/{slug}", summary="One incident's competing claims (HTML)")
async def incident(request: Request, slug: str) -> Response:
    """The competing claims side by side, by aspect and side, with the timeline."""
    lang = _lang(request)
    if lang is None:
        return error_response(422, "bad-parameter", "lang must be en or fr", parameter="lang")
    base = settings_of(request).base_iri
    try:
        view = await incident_page(request, f"{base}id/incident/{slug}", base, lang)
    except DataUnavailable as exc:
        return outcome_error(exc.outcome, 5)
    if view is None:
        return error_response(404, "not-found", f"no incident {slug!r}; see /disputes")
    return TEMPLATES.TemplateResponse(request, "dispute.html", {**view, "lang": lang,
                                                                "slug": slug})
