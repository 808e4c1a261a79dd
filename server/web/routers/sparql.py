"""`/sparql`: the SPARQL 1.1 Protocol (query operation; updates are refused)."""

from __future__ import annotations

import functools
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from starlette.requests import ClientDisconnect

from server.engine.evaluate import Job
from server.engine.formats import GRAPH_FORMATS, RDF_DOC_FORMATS, RESULT_FORMATS, Format
from server.failures import Failure
from server.settings import Settings
from server.views.description import service_description
from server.views.service import DataUnavailable, QueryService
from server.web import negotiation
from server.web.negotiation import NotAcceptable, UnknownFormat
from server.web.pages import render_ui
from server.web.responses import answer
from server.web.state import Service, peer

router = APIRouter(tags=["SPARQL"])

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
CACHED_HEADERS = 512  # characters of Accept & co. up to which a negotiation is cached
READ_ONLY = "SPARQL Update (including LOAD) is not allowed: this endpoint is read-only"


class ProtocolError(Failure):
    """A request that breaks the protocol."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message, status=status, error=error)


def _media_type(header: str | None) -> tuple[str, dict[str, str]]:
    if not header:
        return "", {}
    parts = [p.strip() for p in header.split(";")]
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.strip().lower()] = v.strip().strip('"').lower()
    return parts[0].lower(), params


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything over `limit` bytes before reading it all."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise ProtocolError(413, "body-too-large", f"request body over {limit} bytes")
    chunks = bytearray()
    try:
        async for chunk in request.stream():
            chunks += chunk
            if len(chunks) > limit:
                raise ProtocolError(413, "body-too-large", f"request body over {limit} bytes")
    except ClientDisconnect:  # gone (or cut off by the body deadline): nobody reads an answer
        raise ProtocolError(400, "client-disconnected", "the body did not arrive") from None
    return bytes(chunks)


def _decode(body: bytes, charset: str | None) -> str:
    if charset and charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, "unsupported-charset", f"charset {charset} is not supported; "
                            "send UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, "bad-encoding", f"the body is not valid UTF-8: {exc}") from None


async def read_params(request: Request, settings: Settings) -> list[tuple[str, str]]:
    """All protocol parameters of a request, in order, from the URL and (for POST) the body."""
    params = list(request.query_params.multi_items())
    if request.method != "POST":
        return params
    media, mparams = _media_type(request.headers.get("content-type"))
    body = await _read_body(request, settings.max_body_bytes)
    if media == FORM:
        text = _decode(body, mparams.get("charset"))
        try:
            params += parse_qsl(text, keep_blank_values=True, strict_parsing=False)
        except ValueError as exc:
            raise ProtocolError(400, "bad-form", str(exc)) from None
    elif media == DIRECT:
        params.append(("query", _decode(body, mparams.get("charset"))))
    elif media == UPDATE:
        raise ProtocolError(403, "update-forbidden", READ_ONLY)
    elif not media:
        raise ProtocolError(415, "unsupported-media-type", "POST needs a Content-Type: "
                            f"{FORM} or {DIRECT}")
    else:
        raise ProtocolError(415, "unsupported-media-type", f"Content-Type {media} is not "
                            f"accepted; use {FORM} or {DIRECT}")
    return params


def _timeout(values: list[str], ceiling: float) -> float:
    if not values:
        return ceiling
    try:
        asked = float(values[-1])
    except ValueError:
        raise ProtocolError(400, "bad-timeout", "timeout must be a number of seconds") from None
    if not asked > 0:
        raise ProtocolError(400, "bad-timeout", "timeout must be a positive number of seconds")
    return min(asked, ceiling)


def _formats(request: Request, fmt: str | None) -> tuple[str | None, str | None]:
    """The negotiated (results, graph) format names, None where nothing is acceptable."""
    headers = request.headers
    accept, charset = headers.get("accept"), headers.get("accept-charset")
    if len(accept or "") + len(charset or "") + len(fmt or "") > CACHED_HEADERS:
        return _negotiated.__wrapped__(accept, fmt, charset)
    return _negotiated(accept, fmt, charset)


@functools.lru_cache(maxsize=512)
def _negotiated(accept: str | None, fmt: str | None,
                accept_charset: str | None) -> tuple[str | None, str | None]:
    """Both negotiations at once; cached, as a client repeats its headers."""
    return (_pick(RESULT_FORMATS, accept, fmt, accept_charset),
            _pick(GRAPH_FORMATS, accept, fmt, accept_charset))


def _pick(offered: tuple[Format, ...], accept: str | None, fmt: str | None,
          accept_charset: str | None) -> str | None:
    try:
        return negotiation.negotiate(offered, accept, fmt, accept_charset).name
    except (NotAcceptable, UnknownFormat):
        return None


@router.api_route(
    "/sparql",
    methods=["GET", "POST"],
    summary="SPARQL 1.1 Protocol query endpoint",
    description="Query by GET (`query=`), URL-encoded POST or direct POST "
    "(`application/sparql-query`). The default graph is the union of all graphs.",
)
async def sparql(request: Request, service: Service) -> Response:
    """Answer one SPARQL protocol request: query, service description or UI."""
    return await sparql_answer(request, service)


async def sparql_answer(request: Request, service: QueryService) -> Response:
    """The answer to a /sparql request (the route's, and the app's fast path's); raises
    Failure for every error."""
    settings = service.settings
    params = await read_params(request, settings)
    by_name: dict[str, list[str]] = {}
    for k, v in params:
        by_name.setdefault(k, []).append(v)
    queries = by_name.get("query", [])
    if by_name.get("update") or by_name.get("using-graph-uri") or by_name.get(
        "using-named-graph-uri"
    ):
        if queries:
            raise ProtocolError(400, "bad-request", "a request carries a query or an update, "
                                "not both")
        raise ProtocolError(403, "update-forbidden", READ_ONLY)
    if len(queries) > 1:
        raise ProtocolError(400, "multiple-queries", "exactly one query parameter is allowed")
    if not queries:
        if request.method in ("GET", "HEAD") and not params:
            return await _bare_get(request, service)
        raise ProtocolError(400, "missing-query", "the query parameter is missing")
    timeout = _timeout(by_name.get("timeout", []), settings.timeout)
    formats = by_name.get("format") or by_name.get("output")
    fmt = formats[-1] if formats else None
    results_fmt, graph_fmt = _formats(request, fmt)
    if results_fmt is None and graph_fmt is None:
        if fmt:
            raise UnknownFormat(f"unknown format {fmt!r}")
        raise NotAcceptable((*RESULT_FORMATS, *GRAPH_FORMATS),
                            "no acceptable media type; available: "
                            + ", ".join(f.media_type for f in (*RESULT_FORMATS, *GRAPH_FORMATS)))
    dg = by_name.get("default-graph-uri")
    ng = by_name.get("named-graph-uri")
    if dg is not None or ng is not None:
        bad = [g for g in (*(dg or ()), *(ng or ())) if not _is_iri(g)]
        if bad:
            raise ProtocolError(400, "bad-graph-uri", f"not an absolute IRI: {bad[0]!r}")
    job = Job(
        query=queries[0],
        results_format=results_fmt,
        graph_format=graph_fmt,
        default_graph=tuple(dg) if dg is not None else None,
        named_graphs=tuple(ng) if ng is not None else None,
        max_bytes=settings.max_result_bytes,
        service_allow=settings.service_allow,
        base=settings.public_base + "sparql",  # relative IRIs resolve against it
    )
    outcome = await service.execute(job, timeout, client=peer(request))
    if not outcome.ok:
        raise DataUnavailable(outcome)
    return answer(outcome, {"Vary": "Accept, Accept-Charset", "Cache-Control": "no-cache"})


def _is_iri(value: str) -> bool:
    import pyoxigraph as ox

    if ":" not in value:
        return False
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return True


async def _bare_get(request: Request, service: QueryService) -> Response:
    """A bare GET: the query UI for browsers, else the Service Description."""
    accept = request.headers.get("accept")
    if negotiation.prefers_html(accept):
        return render_ui(request, service)
    fmt = negotiation.negotiate(RDF_DOC_FORMATS, accept, None,
                                request.headers.get("accept-charset"))
    body = await service_description(service, fmt)
    return Response(body, media_type=fmt.content_type, headers={"Vary": "Accept"})
