"""The outermost layers every request goes through, the `/sparql` fast path included (pure
ASGI, so they cost a few dict operations):

- `SecurityHeaders`: `X-Content-Type-Options: nosniff` on every response;
- `HeadBody`: HEAD wherever GET is served (FastAPI's GET routes answer HEAD with 405): the
  headers of the GET answer and no body;
- `CatchAll`: an exception nothing else answered becomes the JSON 500 of server.web.errors;
- `CanonicalHost`: the `Host` header is never trusted. A request for a host not allowed
  (settings.allowed_hosts) is refused (421); any other is seen by the app as a request to the
  canonical public URL, so every absolute URL it writes starts with that URL.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.failures import Failure
from server.settings import Settings
from server.web.errors import failure_response

log = logging.getLogger("dispute_kg.web")
NOSNIFF = (b"x-content-type-options", b"nosniff")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(k.lower() == NOSNIFF[0] for k, _ in headers):
                    headers.append(NOSNIFF)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


class HeadBody:
    """HEAD is answered by the route's own HEAD where it has one (the dump files, the static
    assets: no body is read), else as the GET would be, without its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        refused = False

        async def native(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] in (404, 405):
                refused = True  # no HEAD route here (or one that shadows a GET route's path,
                # as /dumps/{name} does /dumps/index.json): answer as GET below
            if not refused:
                await send(_bodiless(message))

        await self.app(scope, receive, native)
        if refused:
            async def nothing() -> Message:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def bodiless(message: Message) -> None:
                await send(_bodiless(message))

            await self.app({**scope, "method": "GET"}, nothing, bodiless)


def _bodiless(message: Message) -> Message:
    if message["type"] == "http.response.body" and message.get("body"):
        return {**message, "body": b""}
    return message


class CatchAll:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"started": False, "done": False}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                state["done"] = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            if state["done"]:
                return  # answered (and logged) by the app's own handler
            if state["started"]:
                raise  # half an answer: the server closes the connection
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            failure = Failure("the server failed to answer this request; it has been logged")
            await failure_response(failure, self.settings)(scope, receive, send)


class CanonicalHost:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings
        self.allowed = {h.encode() for h in settings.allowed_hosts}
        public = urlsplit(settings.public_base)
        self.scheme = public.scheme
        self.netloc = public.netloc.encode()
        self.server = (public.hostname or "", public.port or (443 if public.scheme == "https"
                                                              else 80))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        host = next((v for k, v in headers if k == b"host"), None)
        if host is not None and host.lower() not in self.allowed:
            failure = Failure(f"this server answers for {self.settings.public_base} only",
                              status=421, error="misdirected-request")
            await failure_response(failure, self.settings)(scope, receive, send)
            return
        scope = {**scope, "scheme": self.scheme, "server": self.server,
                 "headers": [(k, v) for k, v in headers if k != b"host"]
                 + [(b"host", self.netloc)]}
        await self.app(scope, receive, send)
