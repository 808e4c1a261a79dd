"""The FastAPI application: SPARQL endpoint, Linked Data, discovery pages and the query UI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from server import saved, saved_openapi
from server.backend import Backend, EmbeddedBackend, RemoteBackend
from server.clients import ClientLimits, ClientPolicy
from server.pages import LOCAL_ASSETS
from server.settings import Settings
from server.workers import WorkerPool


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the query backend starts with the app and stops with it."""
    settings = settings or Settings.from_env()
    catalogue = saved.load(settings)  # a malformed .rq file stops the start, naming the file
    backend = make_backend(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await backend.start()
        from kg.export import ensure_dumps
        from kg.store import current_build

        if not settings.backend or current_build(settings.store) is not None:
            await asyncio.to_thread(ensure_dumps, settings.store, settings.dumps_dir)
        try:
            yield
        finally:
            await backend.close()

    app = _App(
        title="dispute-kg",
        description="A knowledge graph of a news article and the claims and counter-claims in "
        "it: SPARQL 1.1 endpoint, Linked Data, saved queries and dumps.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.backend = backend
    app.state.catalogue = catalogue
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "Accept-Charset"],
        expose_headers=["Retry-After", "Content-Type", "Content-Length", "ETag",
                        "Content-Range", "Accept-Ranges", "Content-Disposition", "Link"],
        max_age=3600,
    )
    from server.routers import discovery, disputes, dumps, linked_data, links, queries, sparql

    app.include_router(sparql.router)
    app.include_router(linked_data.router)
    app.include_router(discovery.router)
    app.include_router(queries.router)
    app.include_router(disputes.router)
    app.include_router(links.router)
    app.include_router(dumps.router)
    saved_openapi.install(app, catalogue)
    local = settings.local_ui_assets
    if local is not None:
        app.mount(LOCAL_ASSETS, StaticFiles(directory=str(local), check_dir=False), name="ui")
    return app


class _App(FastAPI):
    """FastAPI with a short way in for plain /sparql requests.

    A GET or POST to /sparql without an Origin header (so nothing for CORS to add) goes
    straight to the route's handler, skipping the middleware stack, the routing and
    FastAPI's per-request machinery; the handler and its answers are the same. Anything
    else takes the full stack."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["path"] == "/sparql"
                and scope["method"] in ("GET", "POST") and not self.root_path
                and not any(k == b"origin" for k, _ in scope["headers"])):
            from server.routers.sparql import sparql

            scope["app"] = self
            response = await sparql(Request(scope, receive))
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
