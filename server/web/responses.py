"""The 200 answer of a query: its bytes, or its spool file streamed while it is sent."""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from server.engine.evaluate import Outcome, Spool
from server.engine.formats import BY_NAME


def answer(outcome: Outcome, headers: dict[str, str]) -> Response:
    """The 200 response of a successful outcome: its bytes, or its spool file streamed."""
    media_type = BY_NAME[outcome.format].content_type
    if outcome.spool is not None:
        return SpoolResponse(outcome.spool, media_type, headers)
    return Response(outcome.data, media_type=media_type, headers=headers)


class SpoolResponse(Response):
    """A 200 whose body is read from a spooled answer a chunk at a time while it is sent, so a
    large answer is never held in this process; the descriptor is closed when done."""

    def __init__(self, spool: Spool, media_type: str, headers: dict[str, str]) -> None:
        super().__init__(None, media_type=media_type,
                         headers={**headers, "Content-Length": str(spool.size)})
        self.spool = spool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": self.status_code,
                        "headers": self.raw_headers})
            if scope.get("method") != "HEAD":
                for chunk in self.spool.chunks():
                    await send({"type": "http.response.body", "body": chunk,
                                "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self.spool.close()
