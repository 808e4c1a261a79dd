"""Server configuration: each setting declared once, as a field of `Settings`.

A field is at the same time a `DISPUTE_KG_<NAME>` environment variable, a `kg serve` option
(generated from the field by kg.options) and a documented line of the README's configuration
list (a test checks it). `kg serve` builds one `Settings` object and hands it to
`server.web.app.create_app`; nothing goes back through the environment.

Adding a setting is adding a field here (with its description), then reading it where it is used.
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_settings import NoDecode

from kg.config import PROJECT_ROOT, KgSettings
from kg.federation import WIKIDATA_SPARQL

LOCAL_UI_ASSETS = PROJECT_ROOT / "ui" / "node_modules" / "@zazuko" / "yasgui" / "build"
CDN = "cdn"  # --ui-assets cdn: the pinned YASGUI build from jsDelivr, with SRI hashes
_HTTP_URL = r"https?://[^\s<>\"{}|\\^`]+"


def _split(value: object) -> object:
    """A list given as text (option or variable): comma- or space-separated."""
    if isinstance(value, str):
        return tuple(v for v in value.replace(",", " ").split() if v)
    return value


def _public_url(url: str) -> str:
    if not url:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL, e.g. https://kg.example.org/")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("must be the root of a site (no path, query or fragment): the "
                         "server's pages link to absolute paths")
    return f"{parts.scheme}://{parts.netloc.lower()}/"


def _assets(value: str) -> str:
    if value == CDN:
        return value
    if "://" in value or value.startswith("//"):
        raise ValueError("is a local directory, or `cdn` for the pinned CDN build")
    return os.path.abspath(value)


def _http_url(value: str) -> str:
    if value and not re.fullmatch(_HTTP_URL, value):
        raise ValueError("not an http(s) URL")
    return value


Words = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_split)]


class Settings(KgSettings):
    """Everything the server can be told; the defaults are safe for a public endpoint."""

    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8000, ge=0, le=65535, description="Port to listen on.")
    public_url: Annotated[str, AfterValidator(_public_url)] = Field(
        "", description="The canonical URL the endpoint is published at (e.g. "
        "https://kg.example.org/): every absolute URL the server writes starts with it. "
        "Default: http://HOST:PORT/ (127.0.0.1 when listening on every address).",
        json_schema_extra={"shown_default": "http://HOST:PORT/"})
    trusted_hosts: Words = Field(
        (), description="Other Host names (host or host:port, comma-separated) answered, from "
        "the canonical URL; requests for any other host are refused (421).")
    timeout: float = Field(30.0, gt=0, description="Query deadline in seconds (a request's "
                           "`timeout` may only lower it).")
    # one per core plus a spare, so that one runaway query (held until its deadline) cannot
    # halve the pool (bench/soak.py measures this)
    workers: int = Field(default_factory=lambda: max(2, (os.cpu_count() or 1) + 1), ge=1,
                         description="Query worker processes.",
                         json_schema_extra={"shown_default": "cores + 1"})
    queue_wait: float = Field(2.0, ge=0, description="Seconds a request waits for a free "
                              "worker before 503.")
    long_queries: int | None = Field(
        None, ge=1, description="Queries running past 1 s that may run at once (the long "
        "lane); the next one to pass 1 s is stopped with 503 long-lane-full.",
        json_schema_extra={"shown_default": "workers"})
    client_concurrency: int = Field(
        5, ge=1, description="Queries (/sparql and the saved-query API) one client (peer "
        "address) may have at once; past it 429.")
    client_seconds: float = Field(
        60.0, gt=0, description="Query seconds (/sparql and the saved-query API) one client may "
        "use per minute; past it 429.")
    memory_limit_mb: int = Field(2048, gt=0, description="Resident memory cap of one query "
                                 "worker, in MB.")
    max_result_bytes: int = Field(64 << 20, gt=0, description="Serialised result cap (507).")
    max_body_bytes: int = Field(1 << 20, gt=0, description="Request body cap (413); also the "
                                "cap on a request line's length (414).")
    max_header_bytes: int = Field(32 << 10, gt=0, description="Cap on the header fields of a "
                                  "request, names and values together (431).")
    max_headers: int = Field(100, gt=0, description="Cap on the number of header fields of a "
                             "request (431).")
    header_timeout: float = Field(10.0, gt=0, description="Seconds a client has to send a "
                                  "request's line and headers (from its first byte, or from "
                                  "the connection's opening); then 408 and the connection "
                                  "closes.")
    body_timeout: float = Field(30.0, gt=0, description="Seconds a client has to send a "
                                "request's body once its headers are in; then 408 and the "
                                "connection closes.")
    cors_origins: Words = Field(("*",), description="Allowed CORS origins, comma-separated.")
    service_allow: Words = Field((WIKIDATA_SPARQL,), description="SERVICE IRIs a query may "
                                 "call, comma-separated.")
    ui_assets: Annotated[str, AfterValidator(_assets)] = Field(
        str(LOCAL_UI_ASSETS), description="YASGUI's files: a local directory "
        "(scripts/install-ui-assets.sh fills the default one), or `cdn` for the pinned "
        "jsDelivr build with subresource integrity.",
        json_schema_extra={"shown_default": "ui/node_modules/@zazuko/yasgui/build"})
    backend: Annotated[str, BeforeValidator(str.strip), AfterValidator(_http_url)] = Field(
        "", description="Query this SPARQL 1.1 endpoint URL "
        "instead of the embedded store (its default graph must be the union of the named "
        "graphs).")
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = Field(
        "info", description="uvicorn's log level.")

    @property
    def public_base(self) -> str:
        """The canonical URL every absolute URL the server writes starts with (ends in /)."""
        if self.public_url:
            return self.public_url
        host = self.host
        if host in ("", "0.0.0.0", "::"):
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """The Host header values answered: the canonical URL's host, the trusted hosts, and,
        with no public URL, the loopback names of the port listened on."""
        parts = urlsplit(self.public_base)
        default = parts.port is None
        canonical = {parts.netloc}
        if default and parts.hostname:
            canonical.add(f"{parts.hostname}:{80 if parts.scheme == 'http' else 443}")
        if not self.public_url and _is_loopback(self.host):
            canonical |= {f"{name}:{self.port}" for name in ("127.0.0.1", "localhost", "[::1]")}
        return frozenset(h.lower() for h in (*canonical, *self.trusted_hosts))

    @property
    def dumps_dir(self) -> Path:
        """Where `kg build` wrote this store's dumps (beside the store)."""
        from kg.build import dumps_dir

        return dumps_dir(self.store)

    @property
    def local_ui_assets(self) -> Path | None:
        """The UI asset directory, or None when the assets come from the CDN."""
        return None if self.ui_assets == CDN else Path(self.ui_assets)


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "", "0.0.0.0", "::"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
