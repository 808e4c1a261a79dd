"""Routers whose GET routes answer HEAD too (FastAPI's own routes list GET only, so HEAD was
405 where GET works); the body of a HEAD answer is dropped by server.web.edge.HeadBody."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope


class GetAlsoHead(APIRoute):
    """A route that matches HEAD wherever it matches GET; the handler sees method HEAD."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("method") == "HEAD" and "GET" in self.methods and "HEAD" not in self.methods:
            match, child = super().matches({**scope, "method": "GET"})
            return match, child
        return super().matches(scope)


def router(**kwargs: Any) -> APIRouter:
    return APIRouter(route_class=GetAlsoHead, **kwargs)
