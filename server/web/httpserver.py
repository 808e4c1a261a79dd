"""The HTTP server: uvicorn with the limits it lacks, measured on uvicorn 0.55's httptools
protocol (the one `kg serve` runs):

- no cap on the size or number of header fields, or on the request line: a 9.4 MB `Accept`
  header was read in full and handed to the app;
- no deadline for a request's headers or body: a client that opens a connection and sends
  nothing, or sends a byte now and then, holds it open for ever (the keep-alive timeout runs
  only between requests).

`LimitedHttpTools` adds them: 414 past `max_body_bytes` of request line, 431 past
`max_header_bytes` or `max_headers` header fields, 408 when the line and headers take longer
than `header_timeout` (counted from the connection's opening or the request's first byte) or
the body longer than `body_timeout` (counted from the end of the headers); each answer is the
server's JSON error body and closes the connection.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from server.settings import Settings
from server.web.errors import error_body


class LimitedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with header limits and read deadlines."""

    settings: ClassVar[Settings]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._rejection: tuple[int, str] | None = None
        self._line_bytes = self._header_bytes = self._header_count = 0

    # phases: the deadline of the headers runs from the connection's opening (or a request's
    # first byte) to the end of the headers, the body's from there to the end of the message
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.settings.header_timeout, "the request's headers")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._line_bytes = self._header_bytes = self._header_count = 0
        if self._deadline is None:
            self._arm(self.settings.header_timeout, "the request's headers")

    def on_url(self, url: bytes) -> None:
        self._line_bytes += len(url)
        if self._line_bytes > self.settings.max_body_bytes:
            self._reject(414, f"the request line is over {self.settings.max_body_bytes} bytes; "
                         "POST a long query")
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._header_bytes += len(name) + len(value)
        if self._header_count > self.settings.max_headers:
            self._reject(431, f"more than {self.settings.max_headers} header fields")
        if self._header_bytes > self.settings.max_header_bytes:
            self._reject(431, f"header fields over {self.settings.max_header_bytes} bytes")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        self._arm(self.settings.body_timeout, "the request's body")

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request it cannot parse (and to our rejections): JSON."""
        status, message = self._rejection or (400, f"invalid HTTP request: {msg}")
        self._close_with(status, message)

    def _reject(self, status: int, message: str) -> None:
        self._rejection = (status, message)
        raise ValueError(message)  # stops the parser; data_received answers

    def _arm(self, seconds: float, what: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow, what, seconds)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self, what: str, seconds: float) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and cycle.response_started and not cycle.response_complete:
            self.transport.close()  # an answer is on its way: cut it, nothing else fits
            return
        self._close_with(408, f"{what} did not arrive within {seconds:g} s")

    def _close_with(self, status: int, message: str) -> None:
        codes = {400: "bad-request", 408: "request-timeout", 414: "uri-too-long",
                 431: "headers-too-large"}
        body = json.dumps(error_body(status, codes.get(status, "bad-request"), message)).encode()
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [b"content-type: application/json\r\n",
                 b"x-content-type-options: nosniff\r\n",
                 b"content-length: ", str(len(body)).encode(), b"\r\n",
                 b"connection: close\r\n\r\n", body]
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # the app's request is over: it reads a disconnect
            self.cycle.message_event.set()
        self.transport.write(b"".join(head))
        self.transport.close()


def protocol_for(settings: Settings) -> type[LimitedHttpTools]:
    """The protocol class uvicorn instantiates per connection, bound to these settings."""
    return type("LimitedHttpToolsProtocol", (LimitedHttpTools,), {"settings": settings})


def serve(app: Any, settings: Settings) -> None:
    """Run the app on settings.host:port until interrupted."""
    config = uvicorn.Config(app, host=settings.host, port=settings.port,
                            log_level=settings.log_level, http=protocol_for(settings),
                            lifespan="on")
    uvicorn.Server(config).run()
