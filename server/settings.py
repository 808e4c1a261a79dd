"""Server configuration: one frozen object read from DISPUTE_KG_* environment variables.

`kg serve` turns its options into these variables, so the app factory (and any process uvicorn
starts) sees the same settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kg.config import DEFAULT_BASE, DEFAULT_SEEDS, DEFAULT_STORE, QUERIES_DIR

ENV_PREFIX = "DISPUTE_KG_"
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
CDN_ASSETS = "https://cdn.jsdelivr.net/npm/@zazuko/yasgui@4.6.2/build"


def _split(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.replace(",", " ").split() if v)


def _env(name: str, default: str) -> str:
    return os.environ.get(ENV_PREFIX + name, default)


@dataclass(frozen=True)
class Settings:
    """Everything the server can be told; defaults are safe for a public endpoint."""

    store: Path = DEFAULT_STORE
    seeds: Path = DEFAULT_SEEDS
    base_iri: str = DEFAULT_BASE
    timeout: float = 30.0  # seconds; a request's `timeout` may only lower it
    # query worker processes: one per core plus a spare, so that one runaway query (held until
    # its deadline) cannot halve the pool (bench/soak.py measures this)
    workers: int = max(2, (os.cpu_count() or 1) + 1)
    queue_wait: float = 2.0  # seconds a request waits for a free worker before 503
    long_queries: int | None = None  # queries past 1 s run on at once (None: `workers`)
    client_concurrency: int = 5  # /sparql queries one client may have at once (429 past it)
    client_seconds: float = 60.0  # /sparql query seconds per minute one client may use (429)
    max_body_bytes: int = 1 << 20  # request body cap (413)
    max_result_bytes: int = 64 << 20  # serialised result cap
    memory_limit_mb: int = 2048  # resident memory cap of one query worker
    cors_origins: tuple[str, ...] = ("*",)
    service_allow: tuple[str, ...] = (WIKIDATA_SPARQL,)
    ui_assets: str = CDN_ASSETS  # URL prefix, or a local directory holding yasgui.min.{js,css}
    queries_dir: Path = QUERIES_DIR  # the saved queries (*.rq), served everywhere
    wikidata_endpoint: str = WIKIDATA_SPARQL  # where saved queries' SERVICE calls to Wikidata go
    backend: str = ""  # a SPARQL 1.1 endpoint URL to query instead of the embedded store

    @classmethod
    def from_env(cls) -> Settings:
        """Read the DISPUTE_KG_* variables, falling back to the defaults above."""
        d = cls()
        base = _env("BASE_IRI", d.base_iri)
        return cls(
            store=Path(_env("STORE", str(d.store))),
            seeds=Path(_env("SEEDS", str(d.seeds))),
            base_iri=base if base.endswith("/") else base + "/",
            timeout=float(_env("TIMEOUT", str(d.timeout))),
            workers=max(1, int(_env("WORKERS", str(d.workers)))),
            queue_wait=float(_env("QUEUE_WAIT", str(d.queue_wait))),
            long_queries=int(_env("LONG_QUERIES", "")) if _env("LONG_QUERIES", "") else None,
            client_concurrency=max(1, int(_env("CLIENT_CONCURRENCY",
                                                str(d.client_concurrency)))),
            client_seconds=float(_env("CLIENT_SECONDS", str(d.client_seconds))),
            max_body_bytes=int(_env("MAX_BODY_BYTES", str(d.max_body_bytes))),
            max_result_bytes=int(_env("MAX_RESULT_BYTES", str(d.max_result_bytes))),
            memory_limit_mb=int(_env("MEMORY_LIMIT_MB", str(d.memory_limit_mb))),
            cors_origins=_split(_env("CORS_ORIGINS", " ".join(d.cors_origins))),
            service_allow=_split(_env("SERVICE_ALLOW", " ".join(d.service_allow))),
            ui_assets=_env("UI_ASSETS", d.ui_assets),
            queries_dir=Path(_env("QUERIES_DIR", str(d.queries_dir))),
            wikidata_endpoint=_env("WIKIDATA_ENDPOINT", d.wikidata_endpoint),
            backend=_env("BACKEND", d.backend).strip(),
        )

    @property
    def dumps_dir(self) -> Path:
        """Where `kg build` wrote this store's dumps (beside the store)."""
        from kg.build import dumps_dir

        return dumps_dir(self.store)

    @property
    def local_ui_assets(self) -> Path | None:
        """The UI asset directory when `ui_assets` is a local path rather than a URL."""
        if "://" in self.ui_assets or self.ui_assets.startswith("//"):
            return None
        return Path(self.ui_assets)
