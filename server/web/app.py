"""The FastAPI application: SPARQL endpoint, Linked Data, discovery pages and the query UI.

`create_app(settings)` builds everything from one settings object: the query service (backend
and saved-query catalogue), the routes, the error handlers and the edge layers every request
goes through (server.web.edge).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from kg.catalogue import load_catalogue
from server.engine.backend import Backend, EmbeddedBackend, RemoteBackend
from server.engine.clients import ClientLimits, ClientPolicy
from server.engine.workers import WorkerPool
from server.failures import Failure
from server.settings import Settings
from server.views.service import QueryService
from server.web import errors, saved_openapi
from server.web.edge import CanonicalHost, CatchAll, HeadBody, SecurityHeaders
from server.web.errors import failure_response
from server.web.pages import LOCAL_ASSETS, check_assets
from server.web.routers import discovery, disputes, dumps, linked_data, links, queries, sparql
from server.web.state import DisputeApp

ROUTERS = (sparql, linked_data, discovery, queries, disputes, links, dumps)
CORS_ALLOW_HEADERS = ["Accept", "Content-Type", "Accept-Charset", "Range", "If-None-Match"]
CORS_EXPOSE_HEADERS = ["Retry-After", "Content-Type", "Content-Length", "ETag", "Content-Range",
                       "Accept-Ranges", "Content-Disposition", "Link"]


def create_app(settings: Settings | None = None) -> DisputeApp:
    """Build the app; the query backend starts with the app and stops with it. A malformed
    saved query stops the start, naming its file (kg.annotations.AnnotationError)."""
    settings = settings or Settings()
    service = QueryService(settings, make_backend(settings), load_catalogue(settings.queries_dir))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.backend.start()
        from kg.export import ensure_dumps
        from kg.store import current_build

        check_assets(service)
        if not settings.backend or current_build(settings.store) is not None:
            await asyncio.to_thread(ensure_dumps, settings.store, settings.dumps_dir)
        try:
            yield
        finally:
            await service.backend.close()

    app = _App(
        settings, service,
        title="dispute-kg",
        description="A knowledge graph of a news article and the claims and counter-claims in "
        "it: SPARQL 1.1 endpoint, Linked Data, saved queries and dumps.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        max_age=3600,
    )
    errors.install(app)
    for module in ROUTERS:
        app.include_router(module.router)
    saved_openapi.install(app, service.catalogue)
    local = settings.local_ui_assets
    if local is not None:
        app.mount(LOCAL_ASSETS, StaticFiles(directory=str(local), check_dir=False), name="ui")
    return app


class _App(DisputeApp):
    """The app behind its edge layers, with a short way in for plain /sparql requests.

    Every request first goes through server.web.edge (canonical host, nosniff, HEAD, JSON 500).
    Then a GET or POST to /sparql without an Origin header (so nothing for CORS to add) goes
    straight to the route's code, skipping FastAPI's routing, dependency and middleware
    machinery; the answers, errors included, are the same. Anything else takes the full
    stack."""

    def __init__(self, settings: Settings, service: QueryService, **kwargs: object) -> None:
        super().__init__(settings, service, **kwargs)
        inner: ASGIApp = self._dispatch
        self._edge: ASGIApp = SecurityHeaders(HeadBody(CatchAll(CanonicalHost(inner, settings),
                                                                settings)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._edge(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["path"] == "/sparql"
                and scope["method"] in ("GET", "POST")
                and not any(k == b"origin" for k, _ in scope["headers"])):
            scope["app"] = self
            try:
                response = await sparql.sparql_answer(Request(scope, receive), self.service)
            except Failure as exc:
                response = failure_response(exc, self.settings)
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def make_backend(settings: Settings) -> Backend:
    """The embedded worker pool, or the remote endpoint `settings.backend` names."""
    clients = ClientLimits(ClientPolicy(settings.client_concurrency, settings.client_seconds))
    if settings.backend:
        return RemoteBackend(settings.backend, settings.workers, settings.queue_wait, clients)
    return EmbeddedBackend(WorkerPool(settings.store, settings.workers,
                                      settings.memory_limit_mb, settings.queue_wait,
                                      long_queries=settings.long_queries), clients)
