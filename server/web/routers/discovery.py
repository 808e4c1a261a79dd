"""Discovery: the landing page, VoID at /.well-known/void and /health."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from kg.store import StoreMissing, build_info, current_build
from server.engine.formats import RDF_DOC_FORMATS
from server.failures import Failure
from server.views import description, landing
from server.web import negotiation
from server.web.state import Service
from server.web.templating import TEMPLATES

router = APIRouter(tags=["Discovery"])


@router.get("/", summary="Landing page", response_class=Response)
async def landing_page(request: Request,
                       service: Service) -> Response:
    """What the dataset is, what it holds and where to go next."""
    return TEMPLATES.TemplateResponse(request, "landing.html", await landing.landing(service))


@router.get("/.well-known/void", summary="VoID description of the dataset")
async def void(request: Request, service: Service) -> Response:
    """VoID: the dataset, its graphs as subsets, the endpoint, the URI space and the dumps."""
    fmt = negotiation.negotiate(RDF_DOC_FORMATS, request.headers.get("accept"),
                                request.query_params.get("format"))
    return Response(await description.void(service, fmt), media_type=fmt.content_type,
                    headers={"Vary": "Accept"})


@router.get("/health", summary="Liveness and store status")
async def health(service: Service) -> JSONResponse:
    """200 when the store is there (or a remote backend is configured), else 503; answered
    without a query worker, so it stays up while every worker is busy."""
    settings = service.settings
    build = current_build(settings.store)
    body: dict[str, Any] = {
        "store": str(settings.store),
        "build": build.name if build else None,
        **service.backend.health(),
        "limits": {"timeout_s": settings.timeout, "max_result_bytes": settings.max_result_bytes,
                   "max_body_bytes": settings.max_body_bytes,
                   "memory_limit_mb": settings.memory_limit_mb},
    }
    if build is None and not settings.backend:
        raise Failure(f"no store at {settings.store}", status=503, error="no-store", **body)
    with contextlib.suppress(StoreMissing):
        body["info"] = build_info(settings.store)
    return JSONResponse({"status": "ok", **body})
