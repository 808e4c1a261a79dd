"""Saved queries served from the `.rq` files: catalogue, pages, twins, UI tabs, SHACL examples.

A paged query (kg.catalogue.Paging) answers one page of whole units at a time: `page`,
`page_size` (or `page_size=all`); the next and previous pages are advertised in the `Link`
header (`rel="next"`, `rel="prev"`) and as links on the HTML page.
The per-query OpenAPI operations come from server.saved_openapi; `kg query NAME` from kg.cli.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from kg.catalogue import PAGE, PAGE_SIZE, Page, PageError, ParamError, SavedQuery
from kg.config import PREFIXES
from server.engine.formats import BY_NAME, GRAPH_FORMATS, JSONLD, NTRIPLES, RESULT_FORMATS, TURTLE
from server.failures import BadParameter, NotFound
from server.views.rdf import serialize
from server.views.result_table import table
from server.views.service import DataUnavailable, QueryService
from server.views.sparql_examples import EXAMPLE_PREFIXES, example_triples
from server.web import negotiation
from server.web.errors import as_failure
from server.web.params import single_values
from server.web.responses import answer
from server.web.saved_openapi import paging_params, twin_extensions
from server.web.state import Service, peer
from server.web.templating import TEMPLATES

router = APIRouter(tags=["Saved queries"])
EXTENSIONS = {"json": "json", "csv": "csv", "tsv": "tsv", "ttl": "turtle", "jsonld": "jsonld",
              "nt": "ntriples"}


def editor_link(q: SavedQuery) -> str:
    """The YASGUI page with the query in a new tab (YASGUI reads `#query=&tabTitle=`)."""
    return f"/sparql#query={quote(q.query, safe='')}&tabTitle={quote(q.title['en'], safe='')}"


def _entry(service: QueryService, q: SavedQuery) -> dict[str, Any]:
    root = service.settings.public_base
    page = f"{root}queries/{q.name}"
    paging = {} if q.paging is None else {"paging": {
        "unit": q.paging.unit, "page_size": q.paging.size, "max_page_size": q.paging.max_size,
        "whole_answer": f"{PAGE_SIZE}=all",
        "next": 'the `Link: <…>; rel="next"` header, or the "next" link of the HTML page'}}
    return {
        "name": q.name,
        "title": q.title,
        "description": q.description,
        "kind": q.kind,
        "params": [{"name": p.name, "type": p.type, "description": p.description,
                    "default": p.default, "allowed": list(p.allowed) or None,
                    "example": p.example or q.example.get(p.name)} for p in q.params]
        + [{"name": p["name"], "type": p["type"], "description": p["description"],
            "default": p["default"], "allowed": None, "example": p["example"]}
           for p in paging_params(q)],
        **paging,
        "query": q.query,
        "links": {
            "page": page,
            **{ext: f"{page}.{ext}" for ext in twin_extensions(q)},
            "editor": root.rstrip("/") + editor_link(q),
            "openapi": f"{root}docs#/Saved%20queries/{q.name}",
            "sparql_example": f"{root}.well-known/sparql-examples/{q.name}",
        },
    }


def _catalogue_json(service: QueryService) -> JSONResponse:
    entries = [_entry(service, q) for q in service.catalogue.values()]
    return JSONResponse({"queries": entries}, headers={"Vary": "Accept"})


@router.get("/queries.json", summary="The saved-query catalogue as JSON")
async def catalogue_json(service: Service) -> JSONResponse:
    """Every saved query: name, titles, description, typed parameters, links."""
    return _catalogue_json(service)


@router.get("/queries", summary="The saved-query catalogue (HTML or JSON by Accept)")
async def catalogue(request: Request, service: Service) -> Response:
    """HTML for browsers, JSON otherwise."""
    if not negotiation.prefers_html(request.headers.get("accept")):
        return _catalogue_json(service)
    entries = [_entry(service, q) for q in service.catalogue.values()]
    return TEMPLATES.TemplateResponse(request, "queries.html", {"entries": entries},
                                      headers={"Vary": "Accept", "Link": '</queries.json>; '
                                               'rel="alternate"; type="application/json"'})


def _resolve(catalogue: dict[str, SavedQuery], name: str) -> tuple[SavedQuery, str | None]:
    """The saved query a path names, and the format its extension fixes (None: negotiate)."""
    if name in catalogue:
        return catalogue[name], None
    stem, _, ext = name.rpartition(".")
    q = catalogue.get(stem)
    if q is None or ext not in twin_extensions(q):
        raise NotFound(f"no saved query {name!r}; see /queries")
    return q, EXTENSIONS[ext]


def _links(q: SavedQuery, query_string: str) -> str:
    suffix = f"?{query_string}" if query_string else ""
    links = [f'</queries/{q.name}{suffix}>; rel="alternate"; type="text/html"']
    for ext in twin_extensions(q):
        fmt = BY_NAME[EXTENSIONS[ext]]
        links.append(f'</queries/{q.name}.{ext}{suffix}>; rel="alternate"; '
                     f'type="{fmt.media_type}"')
    return ", ".join(links)


def page_url(path: str, items: list[tuple[str, str]], number: int) -> str:
    """`path` with the request's parameters and `page=number` (page 1: no `page`)."""
    kept = [(k, v) for k, v in items if k != PAGE]
    if number > 1:
        kept.append((PAGE, str(number)))
    return f"{path}?{urlencode(kept)}" if kept else path


def page_links(path: str, items: list[tuple[str, str]], page: Page | None,
               more: bool) -> dict[str, str]:
    """The `next` / `prev` URLs of a page (none for an unpaged or whole answer)."""
    if page is None or page.size is None:
        return {}
    links = {"next": page_url(path, items, page.number + 1)} if more else {}
    if page.number > 1:
        links["prev"] = page_url(path, items, page.number - 1)
    return links


def with_nav(headers: dict[str, str], nav: dict[str, str]) -> dict[str, str]:
    """`headers` with the page's next / prev links added to its `Link` header."""
    links = [headers["Link"], *(f'<{url}>; rel="{rel}"' for rel, url in nav.items())]
    return {**headers, "Link": ", ".join(links)}


@router.get("/queries/{name}", include_in_schema=False)
async def saved_query(request: Request, name: str,
                      service: Service) -> Response:
    """A saved query's page, or its results as JSON/CSV/TSV (by extension or Accept)."""
    q, fmt = _resolve(service.catalogue, name)
    items = request.query_params.multi_items()
    query_string = urlencode(items)
    headers = {"Vary": "Accept", "Link": _links(q, query_string)}
    html = fmt is None and negotiation.prefers_html(request.headers.get("accept"))
    try:
        values = single_values(items)
        page, values = q.split_paging(values)
        q.bind(values)  # validate before choosing a format or running anything
    except (ParamError, PageError, BadParameter) as exc:
        if not html:
            raise
        return await _page(request, service, q, dict(request.query_params), headers, None,
                           error=exc)
    if html:
        return await _page(request, service, q, values, headers, page)
    if fmt is None:
        offered = RESULT_FORMATS if q.kind in ("SELECT", "ASK") else GRAPH_FORMATS
        fmt = negotiation.negotiate(offered, request.headers.get("accept"), None,
                                    request.headers.get("accept-charset")).name
    outcome, more = await service.saved_page(q, values, fmt, page, peer(request))
    if not outcome.ok:
        raise DataUnavailable(outcome)
    headers = with_nav(headers, page_links(request.url.path, items, page, more))
    return answer(outcome, {**headers, "Cache-Control": "no-cache"})


async def _page(request: Request, service: QueryService, q: SavedQuery, values: dict[str, str],
                headers: dict[str, str], page: Page | None,
                error: ParamError | PageError | BadParameter | None = None) -> Response:
    """The HTML page: form, query text, editor link and the result table (one page of it)."""
    items = request.query_params.multi_items()
    context: dict[str, Any] = {"q": q, "entry": _entry(service, q), "values": values,
                               "editor": editor_link(q), "error": None,
                               "table": None, "graph": None, "page": page, "nav": {},
                               "page_size": request.query_params.get(PAGE_SIZE, ""),
                               "query_string": urlencode(items)}
    status = 200
    if error is not None:
        failure = as_failure(error)
        context["error"] = {"parameter": failure.details.get("parameter"),
                            "message": failure.message}
        status = failure.status
    else:
        graph = q.kind in ("CONSTRUCT", "DESCRIBE")
        outcome, more = await service.saved_page(q, values, "turtle" if graph else "json", page,
                                                 peer(request))
        if not outcome.ok:
            context["error"] = {"parameter": None, "message": outcome.message}
            status = outcome.status
        elif graph:
            context["graph"] = outcome.body.decode("utf-8")
        else:
            context["table"] = table(json.loads(outcome.body), service.settings.base_iri)
            context["nav"] = page_links(request.url.path, items, page, more)
            headers = with_nav(headers, context["nav"])
            if page is not None and page.size is not None:
                context["whole"] = page_url(request.url.path, [
                    (k, v) for k, v in items if k != PAGE_SIZE] + [(PAGE_SIZE, "all")], 1)
    return TEMPLATES.TemplateResponse(request, "query.html", context, status_code=status,
                                      headers=headers)


@router.get("/.well-known/sparql-examples", summary="The saved queries as SHACL executables")
async def sparql_examples(request: Request,
                          service: Service) -> Response:
    """SIB's convention: each saved query a `sh:SPARQLExecutable` (Turtle or JSON-LD)."""
    fmt = negotiation.negotiate((TURTLE, JSONLD, NTRIPLES), request.headers.get("accept"),
                                request.query_params.get("format"))
    root = service.settings.public_base
    triples = example_triples(service.catalogue, root)
    prefixes = {**PREFIXES, **EXAMPLE_PREFIXES, "ex": f"{root}.well-known/sparql-examples/"}
    return Response(serialize(triples, fmt, prefixes), media_type=fmt.content_type,
                    headers={"Vary": "Accept"})
