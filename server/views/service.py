"""The query service: the one object every view runs its queries through, owned by the app.

It holds the settings, the backend and the saved-query catalogue, as a Datasette view holds
its `Datasette` and calls `db.execute`: a route gets it through `Depends(service)`
(server.web.state), a view takes it as a plain argument, so a view runs without HTTP.
Queries the server writes itself (server/views/queries/*.rq) bind their values with
pyoxigraph substitutions (server.engine.substitute for a remote backend), never by pasting text.
Saved-query parameters are validated by kg.catalogue and bound the same way; the other
rewrites are the SERVICE address of Wikidata (our own files, see kg.federation) and, for a
paged query, the page's `LIMIT … OFFSET …` (kg.catalogue.Paging).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.catalogue import Page, SavedQuery
from kg.federation import WIKIDATA_SPARQL, remap_services
from server.engine.backend import Backend
from server.engine.evaluate import Job, Outcome
from server.failures import Failure
from server.settings import Settings
from server.views.terms import Binding

Catalogue = dict[str, SavedQuery]
Term = ox.NamedNode | ox.Literal


class DataUnavailable(Failure):
    """A query the server ran gave no answer (busy pool, deadline, missing store, engine
    down…): answered with the engine's status, code, message and details."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.message or "the query gave no answer",
                         status=outcome.status, error=outcome.error or "query-failed",
                         headers={"Retry-After": str(outcome.retry_after)}
                         if outcome.retry_after else None, **outcome.details)
        self.outcome = outcome


@dataclass(frozen=True)
class QueryService:
    settings: Settings
    backend: Backend
    catalogue: Catalogue

    async def execute(self, job: Job, timeout: float | None = None,
                      client: str | None = None) -> Outcome:
        """Run one job under the deadline (a request may lower it); never raises. `client`
        (a peer address) puts the job under that client's limits."""
        limit = self.settings.timeout if timeout is None else min(timeout, self.settings.timeout)
        return await self.backend.execute(job, limit, client=client)

    async def run(self, query: str, fmt: str = "json",
                  bindings: Mapping[str, Term] | None = None) -> bytes:
        """A query the server wrote, serialised (raises DataUnavailable)."""
        outcome = await self.execute(Job(
            query=query, results_format=fmt, graph_format=fmt,
            max_bytes=self.settings.max_result_bytes, service_allow=(),
            substitutions=dict(bindings or {})))
        if not outcome.ok:
            raise DataUnavailable(outcome)
        return outcome.body

    async def select(self, query: str, **bindings: Term) -> list[Binding]:
        """SELECT bindings as SPARQL JSON dicts: {var: {"type", "value", "xml:lang"?, …}}."""
        body = await self.run(query, "json", bindings)
        rows: list[Binding] = json.loads(body)["results"]["bindings"]
        return rows

    def saved_text(self, saved: SavedQuery) -> str:
        """The text that runs: the file's query, with Wikidata's SERVICE address as set."""
        return remap_services(saved.query, {WIKIDATA_SPARQL: self.settings.wikidata_endpoint})

    async def saved(self, saved: SavedQuery, values: Mapping[str, str], fmt: str,
                    page: Page | None = None, client: str | None = None) -> Outcome:
        """Validate `values` (raises ParamError) and run the saved query (or one page of it);
        `client` puts it under that client's limits, as on /sparql."""
        settings = self.settings
        substitutions = {var.value: term for var, term in saved.bind(dict(values)).items()}
        allow = settings.service_allow
        if WIKIDATA_SPARQL in allow:  # the remapped address stands in for an allowed Wikidata
            allow = (*allow, settings.wikidata_endpoint)
        text = self.saved_text(saved)
        if saved.paging is not None and page is not None:
            text = saved.paging.text(text, page)
        return await self.execute(Job(query=text, results_format=fmt, graph_format=fmt,
                                      max_bytes=settings.max_result_bytes, service_allow=allow,
                                      substitutions=substitutions), client=client)

    async def saved_page(self, saved: SavedQuery, values: Mapping[str, str], fmt: str,
                         page: Page | None, client: str | None = None) -> tuple[Outcome, bool]:
        """One page and whether a next page has rows: the first unit after this page is asked
        for at the same time (LIMIT 1), on another worker. A probe that fails says 'maybe':
        the next page is advertised and may turn out empty. The page counts against `client`'s
        limits; the probe is the server's own."""
        if page is None or page.size is None:
            return await self.saved(saved, values, fmt, page, client), False
        probe_page = Page(page.number * page.size + 1, 1)
        outcome, probe = await asyncio.gather(self.saved(saved, values, fmt, page, client),
                                              self.saved(saved, values, "json", probe_page))
        if not probe.ok:
            return outcome, True
        return outcome, bool(json.loads(probe.body)["results"]["bindings"])

    async def rows(self, name: str, **values: str) -> list[Binding]:
        """SELECT rows of a saved query as SPARQL JSON bindings (raises DataUnavailable)."""
        outcome = await self.saved(self.catalogue[name], values, "json")
        if not outcome.ok:
            raise DataUnavailable(outcome)
        data: dict[str, Any] = json.loads(outcome.body)
        rows: list[Binding] = data["results"]["bindings"]
        return rows
