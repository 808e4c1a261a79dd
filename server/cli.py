"""`kg serve`: added to the `kg` command here, so that `kg` never imports `server`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import typer

from kg.cli import app
from server.settings import ENV_PREFIX, Settings

E = ENV_PREFIX
_D = Settings()  # the option defaults are the settings' own, stated once in server/settings.py

if app.registered_callback is None:

    @app.callback()
    def _root() -> None:
        """dispute-kg: build, check, query and serve the knowledge graph."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar=E + "HOST", help="Address to listen on.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(envvar=E + "PORT", help="Port to listen on.")] = 8000,
    store: Annotated[Path, typer.Option(envvar=E + "STORE", help="Store link.")] = Path(
        "data/store"
    ),
    seeds: Annotated[
        Path, typer.Option(envvar=E + "SEEDS", help="Seeds to build from if the store is missing.")
    ] = Path("seeds"),
    base_iri: Annotated[
        str, typer.Option(envvar=E + "BASE_IRI", help="Base IRI of the dataset.")
    ] = _D.base_iri,
    timeout: Annotated[
        float, typer.Option(envvar=E + "TIMEOUT", help="Query deadline in seconds.")
    ] = _D.timeout,
    workers: Annotated[
        int, typer.Option(envvar=E + "WORKERS", help="Query worker processes.")
    ] = _D.workers,
    cors_origins: Annotated[
        str, typer.Option(envvar=E + "CORS_ORIGINS", help="Allowed CORS origins, comma-separated.")
    ] = ",".join(_D.cors_origins),
    service_allow: Annotated[
        str, typer.Option(envvar=E + "SERVICE_ALLOW", help="SERVICE IRIs allowed, comma-separated.")
    ] = ",".join(_D.service_allow),
    ui_assets: Annotated[
        str, typer.Option(envvar=E + "UI_ASSETS", help="YASGUI assets: URL prefix or directory.")
    ] = _D.ui_assets,
    max_result_bytes: Annotated[
        int, typer.Option(envvar=E + "MAX_RESULT_BYTES", help="Serialised result cap.")
    ] = _D.max_result_bytes,
    max_body_bytes: Annotated[
        int, typer.Option(envvar=E + "MAX_BODY_BYTES", help="Request body cap.")
    ] = _D.max_body_bytes,
    memory_limit_mb: Annotated[
        int, typer.Option(envvar=E + "MEMORY_LIMIT_MB", help="Memory cap of one query worker.")
    ] = _D.memory_limit_mb,
    queue_wait: Annotated[
        float, typer.Option(envvar=E + "QUEUE_WAIT", help="Seconds to wait for a free worker.")
    ] = _D.queue_wait,
    queries: Annotated[
        Path, typer.Option(envvar=E + "QUERIES_DIR", help="Folder of saved queries (*.rq).")
    ] = _D.queries_dir,
    wikidata_endpoint: Annotated[
        str, typer.Option(envvar=E + "WIKIDATA_ENDPOINT",
                          help="Where saved queries' SERVICE calls to Wikidata go.")
    ] = _D.wikidata_endpoint,
    backend: Annotated[
        str, typer.Option(envvar=E + "BACKEND",
                          help="Query this SPARQL 1.1 endpoint URL instead of the embedded store "
                          "(its default graph must be the union of the named graphs).")
    ] = "",
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the SPARQL endpoint, Linked Data pages and query UI (builds the store if missing)."""
    import uvicorn

    from kg.annotations import AnnotationError
    from kg.catalogue import load_catalogue
    from kg.store import current_build

    try:  # a malformed saved query is a startup error naming its file
        load_catalogue(queries)
    except AnnotationError as exc:
        typer.echo(f"error: saved queries: {exc}", err=True)
        raise typer.Exit(1) from None
    if backend and not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", backend):
        typer.echo(f"error: --backend {backend!r} is not an http(s) URL", err=True)
        raise typer.Exit(2)
    if current_build(store) is None and not backend:
        from kg.build import build  # imported lazily: the build is only needed the first time

        typer.echo(f"no store at {store}: building it from {seeds}", err=True)
        build(seeds, store, base_iri)
    values = {
        "STORE": os.path.abspath(store),  # not resolve(): the link is swapped by rebuilds
        "SEEDS": str(seeds),
        "BASE_IRI": base_iri,
        "TIMEOUT": str(timeout),
        "WORKERS": str(workers),
        "CORS_ORIGINS": cors_origins,
        "SERVICE_ALLOW": service_allow,
        "UI_ASSETS": ui_assets if "://" in ui_assets else str(Path(ui_assets).resolve()),
        "MAX_RESULT_BYTES": str(max_result_bytes),
        "MAX_BODY_BYTES": str(max_body_bytes),
        "MEMORY_LIMIT_MB": str(memory_limit_mb),
        "QUEUE_WAIT": str(queue_wait),
        "QUERIES_DIR": str(Path(queries).resolve()),
        "WIKIDATA_ENDPOINT": wikidata_endpoint,
        "BACKEND": backend,
    }
    for key, val in values.items():
        os.environ[E + key] = val
    typer.echo(f"dispute-kg SPARQL endpoint on http://{host}:{port}/sparql"
               + (f", querying {backend}" if backend else ""), err=True)
    uvicorn.run("server.app:create_app", factory=True, host=host, port=port, log_level=log_level)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
