"""Saved queries on the server: the catalogue loaded at startup, run through the backend.

Parameters are validated by `kg.catalogue` and bound as pyoxigraph substitutions in the worker
(for a remote backend, written into the text as validated RDF terms: server.substitute). The
other rewrites are the SERVICE address of Wikidata (our own files, see kg.federation) and, for
a paged query, the page's `LIMIT … OFFSET …` (kg.catalogue.Paging).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

from fastapi import Request

from kg.catalogue import Page, ParamError, SavedQuery, load_catalogue
from kg.federation import WIKIDATA_SPARQL, remap_services
from server.data import Binding, DataUnavailable, settings_of
from server.evaluate import Job, Outcome
from server.settings import Settings

Catalogue = dict[str, SavedQuery]
_registry: dict[str, Catalogue] = {}


def load(settings: Settings) -> Catalogue:
    """Parse every saved query of the configured folder (raises AnnotationError naming a file)."""
    catalogue = load_catalogue(settings.queries_dir)
    _registry["current"] = catalogue
    return catalogue


def current() -> Catalogue:
    """The catalogue the running app loaded (or the configured folder's, outside an app)."""
    if "current" not in _registry:
        return load(Settings.from_env())
    return _registry["current"]


def catalogue_of(request: Request) -> Catalogue:
    return request.app.state.catalogue


def query_values(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Request parameters as one value each; a repeated parameter is an error."""
    values: dict[str, str] = {}
    for key, val in items:
        if key in values:
            raise ParamError(key, "given more than once")
        values[key] = val
    return values


def query_text(saved: SavedQuery, settings: Settings) -> str:
    """The text that runs: the file's query, with Wikidata's SERVICE address as configured."""
    return remap_services(saved.query, {WIKIDATA_SPARQL: settings.wikidata_endpoint})


async def execute(request: Request, saved: SavedQuery, values: dict[str, str],
                  fmt: str, page: Page | None = None) -> Outcome:
    """Validate `values` (raises ParamError) and run the query (or one page of it) in a
    killable worker."""
    settings = settings_of(request)
    substitutions = {var.value: term for var, term in saved.bind(values).items()}
    allow = settings.service_allow
    if WIKIDATA_SPARQL in allow:  # the remapped address stands in for an allowed Wikidata
        allow = (*allow, settings.wikidata_endpoint)
    text = query_text(saved, settings)
    if saved.paging is not None and page is not None:
        text = saved.paging.text(text, page)
    job = Job(query=text, results_format=fmt, graph_format=fmt,
              max_bytes=settings.max_result_bytes, service_allow=allow,
              substitutions=substitutions)
    return await request.app.state.backend.execute(job, settings.timeout)


async def execute_page(request: Request, saved: SavedQuery, values: dict[str, str], fmt: str,
                       page: Page | None) -> tuple[Outcome, bool]:
    """One page and whether a next page has rows: the first unit after this page is asked
    for at the same time (LIMIT 1), on another worker. A probe that fails says 'maybe': the
    next page is advertised and may turn out empty."""
    if page is None or page.size is None:
        return await execute(request, saved, values, fmt, page), False
    probe_page = Page(page.number * page.size + 1, 1)
    outcome, probe = await asyncio.gather(execute(request, saved, values, fmt, page),
                                          execute(request, saved, values, "json", probe_page))
    if not probe.ok:
        return outcome, True
    return outcome, bool(json.loads(probe.body)["results"]["bindings"])


async def rows(request: Request, name: str, **values: str) -> list[Binding]:
    """SELECT rows of a saved query as SPARQL JSON bindings (raises DataUnavailable)."""
    outcome = await execute(request, catalogue_of(request)[name], values, "json")
    if not outcome.ok:
        raise DataUnavailable(outcome)
    data: dict[str, Any] = json.loads(outcome.body)
    return data["results"]["bindings"]
