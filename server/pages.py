"""HTML pages that are not resource pages: the query UI (YASGUI)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import HTMLResponse

from server.data import settings_of
from server.iris import prefixes
from server.templating import TEMPLATES

LOCAL_ASSETS = "/ui-assets"


def saved_query_tabs() -> list[dict[str, str]]:
    """The saved queries as UI tabs ({name, title, query}), if the queries router offers them."""
    from server.routers import queries

    hook: Callable[[], list[dict[str, str]]] = getattr(queries, "saved_query_tabs", list)
    try:
        return list(hook())
    except Exception:  # a broken saved query must not take the UI down
        return []


def assets_url(request: Request) -> str:
    """Where the browser loads yasgui.min.{js,css}: the local mount or the configured URL."""
    settings = settings_of(request)
    if settings.local_ui_assets is not None:
        return LOCAL_ASSETS
    return settings.ui_assets.rstrip("/")


def default_query(base: str) -> str:
    pfx = prefixes(base)
    head = "".join(f"PREFIX {p}: <{pfx[p]}>\n" for p in ("dkg", "rdfs", "prov", "nif"))
    return (
        head
        + "\nSELECT ?claim ?label ?claimant WHERE {\n"
        + "  ?claim a dkg:Claim ; rdfs:label ?label ; dkg:claimant ?claimant .\n"
        + '  FILTER(lang(?label) = "en")\n} ORDER BY ?claim LIMIT 50\n'
    )


async def render_ui(request: Request) -> HTMLResponse:
    """The YASGUI page, pointed at /sparql, with the project prefixes and saved-query tabs."""
    settings = settings_of(request)
    return TEMPLATES.TemplateResponse(
        request,
        "ui.html",
        {
            "assets": assets_url(request),
            "endpoint": str(request.url_for("sparql")),
            "prefixes": prefixes(settings.base_iri),
            "tabs": saved_query_tabs(),
            "default_query": default_query(settings.base_iri),
            "timeout": f"{settings.timeout:g}",
        },
        headers={"Vary": "Accept"},
    )
