"""Internal read queries for the pages (landing, Linked Data, VoID), run through the worker pool."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from server.evaluate import Job, Outcome
from server.settings import Settings

Binding = dict[str, dict[str, str]]


class DataUnavailable(Exception):
    """An internal query failed (busy pool, timeout, missing store): carries the outcome."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


async def run(request: Request, query: str, fmt: str = "json", **job: Any) -> bytes:
    """Run a trusted query through the pool and return the serialised bytes."""
    settings = settings_of(request)
    outcome = await request.app.state.backend.execute(
        Job(
            query=query,
            results_format=fmt,
            graph_format=fmt,
            max_bytes=settings.max_result_bytes,
            service_allow=(),
            **job,
        ),
        settings.timeout,
    )
    if not outcome.ok:
        raise DataUnavailable(outcome)
    return outcome.body


async def select(request: Request, query: str, **job: Any) -> list[Binding]:
    """SELECT bindings as SPARQL JSON dicts: {var: {"type", "value", "xml:lang"?, ...}}."""
    body = await run(request, query, "json", **job)
    return json.loads(body)["results"]["bindings"]


async def ask(request: Request, query: str, **job: Any) -> bool:
    body = await run(request, query, "json", **job)
    return bool(json.loads(body)["boolean"])


def value(row: Binding, var: str, default: str = "") -> str:
    cell = row.get(var)
    return cell["value"] if cell else default
