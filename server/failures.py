"""The one error type of the server: a failure knows its HTTP status and its stable code.

Views and routes raise a `Failure` (or a subclass naming the case); server.web.errors turns
every one of them, and every other exception, into the same JSON body
`{"error", "message", "status", ...details}`. Nothing else writes an error response.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Failure(Exception):
    """A request that cannot be answered as asked."""

    status: ClassVar[int] = 500
    error: ClassVar[str] = "internal-error"

    def __init__(self, message: str, *, status: int | None = None, error: str | None = None,
                 headers: dict[str, str] | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}
        if status is not None:
            self.status = status  # type: ignore[misc]  # an instance may narrow its class's
        if error is not None:
            self.error = error  # type: ignore[misc]


class NotFound(Failure):
    status = 404
    error = "not-found"


class BadParameter(Failure):
    """A parameter value that does not fit (names the parameter)."""

    status = 422
    error = "bad-parameter"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message, parameter=parameter)


class BadPage(Failure):
    status = 400
    error = "bad-page"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message, parameter=parameter)
