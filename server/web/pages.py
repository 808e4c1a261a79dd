"""The query page: YASGUI over `/sparql`, with a plain form that works without scripts.

YASGUI's files are served from this server by default (the directory settings.ui_assets,
filled by scripts/install-ui-assets.sh), so the page works offline; `--ui-assets cdn` loads the
pinned jsDelivr build instead, each file checked by its subresource-integrity hash. Until the
editor has loaded (and for good when scripts are blocked or the files are missing) the page
offers a text area, a format choice and the saved queries as links.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import HTMLResponse

from kg.config import PREFIXES
from server.settings import CDN
from server.views.description import endpoint_url
from server.views.service import QueryService
from server.web.templating import TEMPLATES

log = logging.getLogger("dispute_kg.web")
LOCAL_ASSETS = "/ui-assets"
CDN_ASSETS = "https://cdn.jsdelivr.net/npm/@zazuko/yasgui@4.6.2/build"
# sha384 of the files of the npm package @zazuko/yasgui 4.6.2 (ui/package-lock.json), which
# jsDelivr serves unchanged; a browser refuses a CDN file with any other content
CDN_INTEGRITY = {
    "yasgui.min.js": "sha384-PHnh6NwOkxapuqrOSGWoU3gL5yzpM3UyH8b61pBZa2CGVBIx3zaMRua0OjVzxTE5",
    "yasgui.min.css": "sha384-XrXS+j7Q5QPO5/8oDm3teEl9OpxieOPoG+28Qw1GpFjZcEGvZw++uYGBsSy/E3df",
}
PLAIN_FORMATS = (("csv", "CSV (SELECT)"), ("tsv", "TSV (SELECT)"),
                 ("json", "JSON (SELECT, ASK)"), ("xml", "XML (SELECT, ASK; RDF/XML: CONSTRUCT)"),
                 ("turtle", "Turtle (CONSTRUCT)"), ("ntriples", "N-Triples (CONSTRUCT)"))
DEFAULT_QUERY = """PREFIX dkg: <{dkg}>
PREFIX rdfs: <{rdfs}>
PREFIX prov: <{prov}>
PREFIX nif: <{nif}>

SELECT ?claim ?label ?claimant WHERE {{
  ?claim a dkg:Claim ; rdfs:label ?label ; dkg:claimant ?claimant .
  FILTER(lang(?label) = "en")
}} ORDER BY ?claim LIMIT 50
""".format(**PREFIXES)


def assets(service: QueryService) -> dict[str, str]:
    """Where the browser loads yasgui.min.{js,css}, and their integrity (CDN only)."""
    if service.settings.ui_assets == CDN:
        return {"url": CDN_ASSETS, "js": CDN_INTEGRITY["yasgui.min.js"],
                "css": CDN_INTEGRITY["yasgui.min.css"]}
    return {"url": LOCAL_ASSETS, "js": "", "css": ""}


def check_assets(service: QueryService) -> None:
    """Say at start-up when the local YASGUI files are missing (the plain form still works)."""
    local = service.settings.local_ui_assets
    if local is not None and not (local / "yasgui.min.js").is_file():
        log.warning("no YASGUI files in %s (run scripts/install-ui-assets.sh): the query "
                    "page offers its plain form only", local)


def render_ui(request: Request, service: QueryService) -> HTMLResponse:
    """The query page, pointed at /sparql, with the project prefixes and a tab per saved
    query (from the app's catalogue)."""
    tabs = [{"name": q.name, "title": q.title["en"], "query": q.query}
            for q in service.catalogue.values()]
    return TEMPLATES.TemplateResponse(request, "ui.html", {
        "assets": assets(service),
        "endpoint": endpoint_url(service),
        "prefixes": PREFIXES,
        "tabs": tabs,
        "default_query": DEFAULT_QUERY,
        "formats": PLAIN_FORMATS,
        "timeout": f"{service.settings.timeout:g}",
    }, headers={"Vary": "Accept"})
