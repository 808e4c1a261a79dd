"""Linked Data: `/id/...` and `/ontology` dereference the dataset's IRIs on this server.

HTML for browsers, Turtle / JSON-LD / N-Triples / RDF/XML for RDF clients, by content negotiation
(or `?format=`).
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response

from server import protocol
from server.data import DataUnavailable, run, select, settings_of, value
from server.errors import error_response, outcome_error
from server.iris import href, qname
from server.resource_view import Link, label_of, labels_clause, resource_view
from server.templating import TEMPLATES

router = APIRouter(tags=["Linked Data"])
LD_FORMATS = (protocol.TURTLE, protocol.JSONLD, protocol.NTRIPLES, protocol.RDFXML)


def _choose(request: Request) -> protocol.Format | Response:
    """HTML or an RDF format for this request, or a 406/400 response."""
    fmt = request.query_params.get("format")
    if fmt:
        try:
            return protocol.by_param(fmt, (*LD_FORMATS, protocol.HTML))
        except protocol.UnknownFormat as exc:
            return error_response(400, "bad-format", str(exc))
    accept = request.headers.get("accept")
    if protocol.prefers_html(accept):
        return protocol.HTML
    try:
        return protocol.negotiate(LD_FORMATS, accept, None, request.headers.get("accept-charset"))
    except protocol.NotAcceptable:
        return error_response(406, "not-acceptable", "available: text/html, "
                              + ", ".join(f.media_type for f in LD_FORMATS))


def _valid_iri(iri: str) -> bool:
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


async def describe(request: Request, iri: str) -> Response:
    """Answer for one resource IRI under the base: 404 if the graph says nothing about it."""
    settings = settings_of(request)
    base = settings.base_iri
    chosen = _choose(request)
    if isinstance(chosen, Response):
        return chosen
    if not _valid_iri(iri):
        return error_response(404, "not-found", "not a resource of this dataset")
    headers = {"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"'}
    try:
        if chosen is protocol.HTML:
            view = await resource_view(request, iri, base)
            if not view.exists:
                return error_response(404, "not-found", f"nothing is known about <{iri}>")
            return TEMPLATES.TemplateResponse(
                request, "resource.html", {"v": view, "path": request.url.path},
                headers=headers,
            )
        body = await run(request, f"""CONSTRUCT {{ <{iri}> ?p ?o . ?s ?q <{iri}> }}
WHERE {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?q <{iri}> }} }}""", chosen.name)
    except DataUnavailable as exc:
        return outcome_error(exc.outcome, 5)
    if not body.strip() or body.strip() in (b"[]", b"{}"):
        return error_response(404, "not-found", f"nothing is known about <{iri}>")
    return Response(body, media_type=chosen.content_type, headers=headers)


@router.api_route("/id/{path:path}", methods=["GET"], summary="Dereference a resource IRI")
async def resource(request: Request, path: str) -> Response:
    """`<base>id/<kind>/<slug>` as HTML or RDF."""
    return await describe(request, settings_of(request).base_iri + "id/" + path)


@router.get("/ontology/{path:path}", summary="Dereference an ontology concept IRI")
async def concept(request: Request, path: str) -> Response:
    """SKOS concepts and schemes: `<base>ontology/<scheme>/<slug>`."""
    return await describe(request, settings_of(request).base_iri + "ontology/" + path)


@router.get("/ontology", summary="The ontology (Turtle or HTML)")
async def ontology(request: Request) -> Response:
    """The ontology graph as RDF, or an HTML rendering of its classes, properties and schemes."""
    settings = settings_of(request)
    base = settings.base_iri
    graph = base + "graph/ontology"
    chosen = _choose(request)
    if isinstance(chosen, Response):
        return chosen
    try:
        if chosen is not protocol.HTML:
            body = await run(
                request, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                chosen.name,
            )
            return Response(body, media_type=chosen.content_type, headers={"Vary": "Accept"})
        return await _ontology_html(request, base, graph)
    except DataUnavailable as exc:
        return outcome_error(exc.outcome, 5)


SECTIONS = {
    "http://www.w3.org/2002/07/owl#Class": "Classes",
    "http://www.w3.org/2002/07/owl#ObjectProperty": "Object properties",
    "http://www.w3.org/2002/07/owl#DatatypeProperty": "Datatype properties",
    "http://www.w3.org/2002/07/owl#AnnotationProperty": "Annotation properties",
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": "Concept schemes",
    "http://www.w3.org/2002/07/owl#NamedIndividual": "Individuals",
}


async def _ontology_html(request: Request, base: str, graph: str) -> Response:
    types = " ".join(f"<{t}>" for t in SECTIONS)
    rows = await select(request, f"""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?type ?len ?lfr ?lpl ?lany ?c ?parent WHERE {{ GRAPH <{graph}> {{
  VALUES ?type {{ {types} }} ?s a ?type . FILTER(isIRI(?s))
  {labels_clause("?s", "l")}
  OPTIONAL {{ ?s rdfs:comment|skos:definition ?c FILTER(langMatches(lang(?c), "en")) }}
  OPTIONAL {{ ?s rdfs:subClassOf|rdfs:subPropertyOf ?parent FILTER(isIRI(?parent)) }}
}} }} ORDER BY ?type ?s""")
    onto = base + "ontology"
    meta = await select(request, f"""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?len ?lfr ?lpl ?lany ?c WHERE {{ GRAPH <{graph}> {{ <{onto}> ?any_p ?any_o .
  {labels_clause(f"<{onto}>", "l")}
  OPTIONAL {{ <{onto}> rdfs:comment|dcterms:description ?c FILTER(langMatches(lang(?c), "en")) }}
}} }} LIMIT 1""")
    terms: dict[str, dict] = {}
    for r in rows:
        s = value(r, "s")
        t = terms.setdefault(s, {
            "iri": s, "qname": qname(s, base), "label": label_of(r, "l"),
            "comment": value(r, "c"), "section": SECTIONS[value(r, "type")], "parents": [],
            "anchor": s.rsplit("#", 1)[-1] if "#" in s else s.rsplit("/", 1)[-1],
        })
        parent = value(r, "parent")
        if parent and all(p.text != qname(parent, base) for p in t["parents"]):
            t["parents"].append(Link(qname(parent, base), href(parent, base)))
    sections = [
        (name, [t for t in terms.values() if t["section"] == name]) for name in SECTIONS.values()
    ]
    return TEMPLATES.TemplateResponse(request, "ontology.html", {
        "title": label_of(meta[0], "l") if meta else "dispute-kg ontology",
        "comment": value(meta[0], "c") if meta else "",
        "iri": onto,
        "sections": [(n, ts) for n, ts in sections if ts],
    }, headers={"Vary": "Accept"})
