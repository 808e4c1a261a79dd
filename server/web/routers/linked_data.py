"""Linked Data: `/id/...` and `/ontology` dereference the dataset's IRIs on this server.

HTML for browsers, Turtle / JSON-LD / N-Triples / RDF/XML for RDF clients, by content negotiation
(or `?format=`).
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response

from server.engine.formats import HTML, JSONLD, NTRIPLES, RDFXML, TURTLE, Format
from server.failures import NotFound
from server.views.ontology_page import ontology_page, ontology_rdf
from server.views.resource_view import resource_view
from server.views.service import QueryService
from server.views.sparql import query
from server.web import negotiation
from server.web.state import Service
from server.web.templating import TEMPLATES

router = APIRouter(tags=["Linked Data"])
LD_FORMATS = (TURTLE, JSONLD, NTRIPLES, RDFXML)
EMPTY = (b"", b"[]", b"{}")  # an empty graph in the formats above


def _choose(request: Request) -> Format:
    """HTML or an RDF format for this request (raises NotAcceptable / UnknownFormat)."""
    fmt = request.query_params.get("format")
    if fmt:
        return negotiation.by_param(fmt, (*LD_FORMATS, HTML))
    accept = request.headers.get("accept")
    if negotiation.prefers_html(accept):
        return HTML
    try:
        return negotiation.negotiate(LD_FORMATS, accept, None,
                                     request.headers.get("accept-charset"))
    except negotiation.NotAcceptable:
        raise negotiation.NotAcceptable(LD_FORMATS, "available: text/html, " + ", ".join(
            f.media_type for f in LD_FORMATS)) from None


def _node(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise NotFound("not a resource of this dataset") from None


async def describe(request: Request, service: QueryService, iri: str) -> Response:
    """Answer for one resource IRI under the base: 404 if the graph says nothing about it."""
    chosen = _choose(request)
    node = _node(iri)
    headers = {"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"'}
    if chosen is HTML:
        view = await resource_view(service, iri)
        if not view.exists:
            raise NotFound(f"nothing is known about <{iri}>")
        return TEMPLATES.TemplateResponse(request, "resource.html",
                                          {"v": view, "path": request.url.path},
                                          headers=headers)
    body = await service.run(query("resource-graph"), chosen.name, {"this": node})
    if body.strip() in EMPTY:
        raise NotFound(f"nothing is known about <{iri}>")
    return Response(body, media_type=chosen.content_type, headers=headers)


@router.get("/id/{path:path}", summary="Dereference a resource IRI")
async def resource(request: Request, path: str,
                   service: Service) -> Response:
    """`<base>id/<kind>/<slug>` as HTML or RDF."""
    return await describe(request, service, service.settings.base_iri + "id/" + path)


@router.get("/ontology/{path:path}", summary="Dereference an ontology concept IRI")
async def concept(request: Request, path: str,
                  service: Service) -> Response:
    """SKOS concepts and schemes: `<base>ontology/<scheme>/<slug>`."""
    return await describe(request, service, service.settings.base_iri + "ontology/" + path)


@router.get("/ontology", summary="The ontology (Turtle or HTML)")
async def ontology(request: Request, service: Service) -> Response:
    """The ontology graph as RDF, or an HTML rendering of its classes, properties and schemes."""
    chosen = _choose(request)
    if chosen is not HTML:
        return Response(await ontology_rdf(service, chosen.name),
                        media_type=chosen.content_type, headers={"Vary": "Accept"})
    return TEMPLATES.TemplateResponse(request, "ontology.html", await ontology_page(service),
                                      headers={"Vary": "Accept"})
