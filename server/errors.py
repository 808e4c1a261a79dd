"""JSON error responses: every failure has a status, a stable `error` code and a message."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from server.evaluate import Outcome


def error_response(
    status: int, error: str, message: str, headers: dict[str, str] | None = None, **details: Any
) -> JSONResponse:
    """A JSON body {"error", "message", "status", ...details} with the given status."""
    body = {"error": error, "message": message, "status": status, **details}
    return JSONResponse(body, status_code=status, headers=headers)


def outcome_error(outcome: Outcome, retry_after: int | None = None) -> JSONResponse:
    """Turn a failed worker outcome into its error response (429 and 503 carry Retry-After:
    the outcome's own, else `retry_after` for a 503)."""
    retry = outcome.retry_after or (retry_after if outcome.status == 503 else None)
    headers = {"Retry-After": str(retry)} if retry else None
    return error_response(
        outcome.status, outcome.error, outcome.message, headers=headers, **outcome.details
    )
