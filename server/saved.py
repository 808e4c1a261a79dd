"""Saved queries on the server: the catalogue loaded at startup, run through the backend.

Parameters are validated by `kg.catalogue` and bound as pyoxigraph substitutions in the worker
(for a remote backend, written into the text as validated RDF terms: server.substitute). The
only other rewrite is the SERVICE address of Wikidata (our own files, see kg.federation).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fastapi import Request

from kg.catalogue import ParamError, SavedQuery, load_catalogue
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
                  fmt: str) -> Outcome:
    """Validate `values` (raises ParamError) and run the query in a killable worker."""
    settings = settings_of(request)
    substitutions = {var.value: term for var, term in saved.bind(values).items()}
    allow = settings.service_allow
    if WIKIDATA_SPARQL in allow:  # the remapped address stands in for an allowed Wikidata
        allow = (*allow, settings.wikidata_endpoint)
    job = Job(query=query_text(saved, settings), results_format=fmt, graph_format=fmt,
              max_bytes=settings.max_result_bytes, service_allow=allow,
              substitutions=substitutions)
    return await request.app.state.backend.execute(job, settings.timeout)


async def rows(request: Request, name: str, **values: str) -> list[Binding]:
    """SELECT rows of a saved query as SPARQL JSON bindings (raises DataUnavailable)."""
    outcome = await execute(request, catalogue_of(request)[name], values, "json")
    if not outcome.ok:
        raise DataUnavailable(outcome)
    data: dict[str, Any] = json.loads(outcome.body)
    return data["results"]["bindings"]
