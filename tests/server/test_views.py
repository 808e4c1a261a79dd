"""Views run without HTTP: each takes the query service (settings, backend, catalogue) as a
plain argument, as a Datasette view takes its Datasette."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fixture_data import BASE, CLAIM_1

from kg.catalogue import load_catalogue
from server.engine.formats import TURTLE
from server.settings import Settings
from server.views.description import service_description
from server.views.landing import landing
from server.views.resource_view import resource_view
from server.views.service import QueryService
from server.web.app import make_backend


def test_views_are_plain_functions_of_the_query_service(fixture_store: Path) -> None:
    settings = Settings(store=fixture_store, workers=1, public_url="https://kg.example.org/")

    async def scenario() -> tuple[object, ...]:
        service = QueryService(settings, make_backend(settings),
                               load_catalogue(settings.queries_dir))
        await service.backend.start()
        try:
            return (await resource_view(service, CLAIM_1), await landing(service),
                    await service_description(service, TURTLE),
                    await service.select(f"SELECT ?c WHERE {{ ?c a <{BASE}ontology#Claim> }}"))
        finally:
            await service.backend.close()

    claim, page, description, claims = asyncio.run(scenario())
    assert claim.exists and claim.iri == CLAIM_1  # type: ignore[attr-defined]
    assert page["endpoint"] == "https://kg.example.org/sparql"  # type: ignore[index]
    assert b"<https://kg.example.org/sparql>" in description  # type: ignore[operator]
    assert CLAIM_1 in {r["c"]["value"] for r in claims}  # type: ignore[union-attr]
