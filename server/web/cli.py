"""`kg serve`: added to the `kg` command here, so that `kg` never imports `server`.

Its options are generated from server.settings.Settings (one per field, with its
`DISPUTE_KG_…` variable); the settings object they make is handed to the app as it is.
"""

from __future__ import annotations

import typer

from kg.cli import app
from kg.options import settings_options
from server.settings import Settings

if app.registered_callback is None:

    @app.callback()
    def _root() -> None:
        """dispute-kg: build, check, query and serve the knowledge graph."""


@app.command()
@settings_options(Settings)
def serve(settings: Settings) -> None:
    """Serve the SPARQL endpoint, Linked Data pages and query UI (builds the store if missing)."""
    from kg.annotations import AnnotationError
    from kg.store import current_build
    from server.web.app import create_app
    from server.web.httpserver import serve as run

    if current_build(settings.store) is None and not settings.backend:
        from kg.build import build  # imported lazily: the build is only needed the first time

        typer.echo(f"no store at {settings.store}: building it from {settings.seeds}", err=True)
        build(settings.seeds, settings.store, settings.base_iri)
    try:  # a malformed saved query is a startup error naming its file
        application = create_app(settings)
    except AnnotationError as exc:
        typer.echo(f"error: saved queries: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"dispute-kg SPARQL endpoint on {settings.public_base}sparql"
               + (f", querying {settings.backend}" if settings.backend else ""), err=True)
    run(application, settings)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
