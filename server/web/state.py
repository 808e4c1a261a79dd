"""The application's typed state: the settings and the query service, owned by the app and
handed to routes through `Depends(service)`."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI, Request

from server.settings import Settings
from server.views.service import QueryService


class DisputeApp(FastAPI):
    """The FastAPI app with its settings and query service as typed attributes."""

    def __init__(self, settings: Settings, service: QueryService, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.service = service


def app_of(request: Request) -> DisputeApp:
    return cast(DisputeApp, request.app)


def service(request: Request) -> QueryService:
    """The app's query service (a FastAPI dependency)."""
    return app_of(request).service


def settings(request: Request) -> Settings:
    """The app's settings (a FastAPI dependency)."""
    return app_of(request).settings


Service = Annotated[QueryService, Depends(service)]  # a route's `service: Service` parameter


def peer(request: Request) -> str:
    """The client key of a request for the per-client limits: its peer address."""
    return request.client.host if request.client else ""
