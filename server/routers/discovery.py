"""Discovery: the landing page, VoID at /.well-known/void and /health."""

from __future__ import annotations

import contextlib

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from kg.store import StoreMissing, build_info, current_build
from server import protocol
from server.data import DataUnavailable, select, settings_of, value
from server.errors import error_response, outcome_error
from server.iris import href
from server.resource_view import Link, label_of, labels_clause
from server.service_description import RDF_TYPE, endpoint_url, lit, n, serialize

router = APIRouter(tags=["Discovery"])
VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
COUNTED = ("Article", "Claim", "Dispute", "Incident", "Actor", "Place", "Mention")


async def _graph_counts(request: Request) -> list[tuple[str, int]]:
    graphs = settings_of(request).base_iri + "graph/"  # not an engine's own system graphs
    rows = await select(request, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                        f'FILTER(STRSTARTS(STR(?g), "{graphs}")) }} GROUP BY ?g ORDER BY ?g')
    return [(value(r, "g"), int(value(r, "n", "0"))) for r in rows]


@router.get("/", summary="Landing page", response_class=Response)
async def landing(request: Request) -> Response:
    """What the dataset is, what it holds and where to go next."""
    from server.templating import TEMPLATES

    settings = settings_of(request)
    base = settings.base_iri
    ont = base + "ontology#"
    try:
        graphs = await _graph_counts(request)
        values = " ".join(f"<{ont}{c}>" for c in COUNTED)
        rows = await select(request, f"""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{
          VALUES ?c {{ {values} }} ?s a ?c }} GROUP BY ?c""")
        found = {value(r, "c")[len(ont):]: int(value(r, "n")) for r in rows}
        listing = {}
        for cls in ("Article", "Dispute"):
            items = await select(request, f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?len ?lfr ?lpl ?lany WHERE {{ ?s a <{ont}{cls}> . {labels_clause("?s", "l")} }}
ORDER BY ?s LIMIT 200""")
            seen: dict[str, Link] = {}
            for r in items:
                s = value(r, "s")
                seen.setdefault(s, Link(label_of(r, "l") or s, href(s, base)))
            listing[cls] = list(seen.values())
    except DataUnavailable as exc:
        return outcome_error(exc.outcome, 5)
    try:
        info = build_info(settings.store)
    except StoreMissing:
        info = {}
    return TEMPLATES.TemplateResponse(request, "landing.html", {
        "endpoint": endpoint_url(request),
        "triples": sum(c for _, c in graphs),
        "counts": [(f"{c}s", found.get(c, 0)) for c in COUNTED],
        "graphs": graphs,
        "articles": listing["Article"],
        "disputes": listing["Dispute"],
        "build": info,
    })


@router.get("/.well-known/void", summary="VoID description of the dataset")
async def void(request: Request) -> Response:
    """VoID: the dataset, its graphs as subsets, the endpoint, the URI space and the dumps."""
    settings = settings_of(request)
    base = settings.base_iri
    try:
        fmt = protocol.negotiate(protocol.RDF_DOC_FORMATS, request.headers.get("accept"),
                                 request.query_params.get("format"))
    except protocol.NotAcceptable as exc:
        return error_response(406, "not-acceptable", str(exc))
    except protocol.UnknownFormat as exc:
        return error_response(400, "bad-format", str(exc))
    try:
        graphs = await _graph_counts(request)
    except DataUnavailable as exc:
        return outcome_error(exc.outcome, 5)
    root = str(request.base_url)
    ds = n(base + "dumps/void.ttl#dataset")
    v = lambda local: n(VOID + local)  # noqa: E731
    t = [
        ox.Triple(ds, RDF_TYPE, v("Dataset")),
        ox.Triple(ds, n(DCT + "title"), lit("dispute-kg", "en")),
        ox.Triple(ds, n(DCT + "description"), lit(
            "Claims and counter-claims about a strike on Kharkiv, from a French BBC article, "
            "with the disputes between them and provenance to the exact words.", "en")),
        ox.Triple(ds, n(DCT + "license"), n("https://creativecommons.org/licenses/by/4.0/")),
        ox.Triple(ds, v("sparqlEndpoint"), n(endpoint_url(request))),
        ox.Triple(ds, v("uriSpace"), lit(base + "id/")),
        ox.Triple(ds, v("vocabulary"), n(base + "ontology#")),
        ox.Triple(ds, v("dataDump"), n(root + "dumps/")),
        ox.Triple(ds, v("rootResource"), n(root)),
        ox.Triple(ds, v("triples"), lit(sum(c for _, c in graphs))),
    ]
    for g, count in graphs:
        sub = n(g)
        t += [
            ox.Triple(ds, v("subset"), sub),
            ox.Triple(sub, RDF_TYPE, v("Dataset")),
            ox.Triple(sub, v("triples"), lit(count)),
            ox.Triple(sub, v("sparqlEndpoint"), n(endpoint_url(request))),
        ]
    return Response(serialize(t, fmt, base), media_type=fmt.content_type,
                    headers={"Vary": "Accept"})


@router.get("/health", summary="Liveness and store status")
async def health(request: Request) -> JSONResponse:
    """200 when the store is there and a worker answers a trivial query, else 503."""
    settings = settings_of(request)
    build = current_build(settings.store)
    body: dict = {
        "store": str(settings.store),
        "build": build.name if build else None,
        **request.app.state.backend.health(),
        "limits": {"timeout_s": settings.timeout, "max_result_bytes": settings.max_result_bytes,
                   "max_body_bytes": settings.max_body_bytes,
                   "memory_limit_mb": settings.memory_limit_mb},
    }
    if build is None and not settings.backend:
        return JSONResponse({"status": "no-store", **body}, status_code=503)
    try:
        await select(request, "SELECT (1 AS ?x) WHERE {}")
    except DataUnavailable as exc:
        return JSONResponse({"status": exc.outcome.error, **body}, status_code=503,
                            headers={"Retry-After": "5"})
    with contextlib.suppress(StoreMissing):
        body["info"] = build_info(settings.store)
    return JSONResponse({"status": "ok", **body})
