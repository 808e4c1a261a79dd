"""`/disputes`: the dispute view, built from the saved queries run through the worker pool."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from server.data import DataUnavailable, settings_of
from server.dispute_view import incident_list, incident_page
from server.errors import error_response, outcome_error
from server.templating import TEMPLATES

router = APIRouter(tags=["Dispute view"])
LANGS = ("en", "fr")


def _lang(request: Request) -> str | None:
    lang = request.query_params.get("lang", "en")
    return lang if lang in LANGS else None


@router.get("/disputes", summary="Incidents and their disputes (HTML)")
async def disputes(request: Request) -> Response:
    """Every incident with the disputes the rules found about it."""
    lang = _lang(request)
    if lang is None:
        return error_response(422, "bad-parameter", "lang must be en or fr", parameter="lang")
    try:
        incidents = await incident_list(request, settings_of(request).base_iri, lang)
    except DataUnavailable as exc:
        return outcome_error(exc.outcome, 5)
    return TEMPLATES.TemplateResponse(request, "disputes.html",
                                      {"incidents": incidents, "lang": lang})


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
