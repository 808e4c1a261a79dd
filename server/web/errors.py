"""The one place that turns failures into HTTP: every error body is JSON
`{"error", "message", "status", ...details}`, whatever raised it and on every path.

Registered on the app for `Failure` (ours, which carry their status and code), for Starlette's
`HTTPException` (404 for no route, 405 for a wrong method), for FastAPI's request validation,
for kg.catalogue's parameter errors, and for any other exception (500). The `/sparql` fast path
and the edge middleware call `failure_response` directly, so they answer the same way.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from kg.catalogue import PageError, ParamError
from server.failures import BadPage, BadParameter, Failure
from server.settings import Settings

log = logging.getLogger("dispute_kg.web")
RETRY_STATUSES = (429, 503)
HTTP_CODES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
              405: "method-not-allowed", 406: "not-acceptable", 408: "request-timeout",
              413: "body-too-large", 414: "uri-too-long", 415: "unsupported-media-type",
              421: "misdirected-request", 422: "bad-parameter", 431: "headers-too-large",
              500: "internal-error", 503: "unavailable"}


def retry_after(settings: Settings) -> int:
    """Seconds a client should wait before retrying a 429 or 503: half the deadline (a
    running query is over by then or killed), between 1 and 10."""
    return max(1, min(10, math.ceil(settings.timeout / 2)))


def error_body(status: int, error: str, message: str, **details: Any) -> dict[str, Any]:
    return {"error": error, "message": message, "status": status, **details}


def failure_response(exc: Failure, settings: Settings | None) -> JSONResponse:
    """The response of a failure (a 429 or 503 tells when to retry)."""
    headers = dict(exc.headers)
    if exc.status in RETRY_STATUSES and "Retry-After" not in headers and settings is not None:
        headers["Retry-After"] = str(retry_after(settings))
    return JSONResponse(error_body(exc.status, exc.error, exc.message, **exc.details),
                        status_code=exc.status, headers=headers)


def as_failure(exc: BaseException) -> Failure:
    """Any exception as the failure it is answered with."""
    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, PageError):
        return BadPage(exc.param, str(exc))
    if isinstance(exc, ParamError):
        return BadParameter(exc.param, str(exc))
    if isinstance(exc, HTTPException):
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return Failure(message, status=exc.status_code,
                       error=HTTP_CODES.get(exc.status_code, "error"),
                       headers=dict(exc.headers or {}))
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:])
        return Failure(f"{where}: {first.get('msg', 'invalid request')}", status=422,
                       error="bad-parameter", parameter=where or None)
    return Failure("the server failed to answer this request; it has been logged")


def settings_of(request: Request) -> Settings | None:
    settings = getattr(request.app, "settings", None)
    return settings if isinstance(settings, Settings) else None


async def _handle(request: Request, exc: Exception) -> Response:
    failure = as_failure(exc)
    if failure is not exc and failure.status >= 500:
        log.error("unexpected error on %s %s", request.method, request.url.path,
                  exc_info=(type(exc), exc, exc.__traceback__))
    return failure_response(failure, settings_of(request))


def install(app: FastAPI) -> None:
    """Register the handlers: ours, Starlette's HTTPException, validation, anything else."""
    for kind in (Failure, HTTPException, RequestValidationError, ParamError, PageError,
                 Exception):
        app.add_exception_handler(kind, _handle)
