"""The web layer's guarantees on every path (in process): JSON error bodies, nosniff, HEAD
wherever GET is served, CORS preflight with Range, /health without a worker, and absolute URLs
from the canonical public URL only (the Host header is never trusted)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_data import BASE, CLAIM_1
from harness import BROWSER, InProcess, busy_workers, fixture_settings, in_process, wait_until
from starlette.routing import Mount

from server.engine.formats import RESULT_FORMATS
from server.web.app import ROUTERS
from server.web.negotiation import MAX_RANGES, negotiate, parse_accept

RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
           "?m ?n2 ?o . ?p ?q ?r }")
ASK = "ASK { ?s ?p ?o }"
# one concrete path per GET route of the app (a test below checks none is missing)
SAMPLES = {
    "/": "/", "/sparql": "/sparql", "/health": "/health", "/.well-known/void": "/.well-known/void",
    "/ontology": "/ontology", "/ontology/{path:path}": "/ontology/stance/denies",
    "/id/{path:path}": "/" + CLAIM_1[len(BASE):], "/queries": "/queries",
    "/queries.json": "/queries.json", "/queries/{name}": "/queries/incidents",
    "/.well-known/sparql-examples": "/.well-known/sparql-examples",
    "/disputes": "/disputes", "/disputes/{slug}": "/disputes/nothing-here",
    "/links": "/links", "/dumps": "/dumps", "/dumps/": "/dumps/",
    "/dumps/index.json": "/dumps/index.json", "/dumps/{name}": "/dumps/SHA256SUMS",
    "/openapi.json": "/openapi.json", "/docs": "/docs", "/docs/oauth2-redirect":
    "/docs/oauth2-redirect", "/redoc": "/redoc",
}


def is_error_body(r, status: int, error: str | None = None) -> bool:  # noqa: ANN001
    body = r.json()
    return (r.status_code == status and r.headers["content-type"].startswith("application/json")
            and set(body) >= {"error", "message", "status"} and body["status"] == status
            and (error is None or body["error"] == error))


def test_errors_are_json_on_every_path(server: InProcess) -> None:
    assert is_error_body(server.get("/no/such/page"), 404, "not-found")
    assert is_error_body(server.request("PUT", "/sparql", params={"query": ASK}), 405,
                         "method-not-allowed")
    assert is_error_body(server.get("/dumps/nope.ttl"), 404, "not-found")
    assert is_error_body(server.get("/queries/nope"), 404, "not-found")
    assert is_error_body(server.get("/disputes?page=x"), 400, "bad-page")
    assert is_error_body(server.get("/links?lang=de"), 422, "bad-parameter")
    assert is_error_body(server.get("/.well-known/void?format=nope"), 400, "bad-format")


def test_an_unexpected_error_is_a_json_500_on_the_fast_path_too(
        server: InProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a fault injected by the test")

    monkeypatch.setattr(server.app.service.backend, "execute", broken)
    plain = server.get("/sparql", params={"query": ASK})  # the fast path
    cors = server.get("/sparql", params={"query": ASK}, headers={"Origin": "https://a.example"})
    page = server.get("/links")  # the full stack
    for r in (plain, cors, page):
        assert is_error_body(r, 500, "internal-error"), (r.status_code, r.text[:200])
        assert "fault injected" not in r.text  # the message does not leak internals


def test_nosniff_on_every_response(server: InProcess) -> None:
    responses = [server.get("/"), server.get("/sparql", params={"query": ASK}),
                 server.get("/sparql", params={"query": ASK}, headers={"Origin": "https://a.b"}),
                 server.get("/sparql", params={"query": "nonsense"}), server.get("/nope"),
                 server.get("/ui-assets/yasgui.min.js"), server.get("/dumps/SHA256SUMS"),
                 server.get("/health", headers={"Host": "evil.example"})]
    for r in responses:
        assert r.headers.get("x-content-type-options") == "nosniff", (r.url, r.status_code)


def test_head_wherever_get_is_served(server: InProcess) -> None:
    routes = [*server.app.routes, *(r for m in ROUTERS for r in m.router.routes)]
    templates = {route.path for route in routes
                 if not isinstance(route, Mount) and "GET" in (getattr(route, "methods", None)
                                                               or ())}
    assert templates <= set(SAMPLES), templates - set(SAMPLES)
    for template in sorted(templates):
        path = SAMPLES[template]
        get, head = server.get(path), server.head(path)
        assert head.status_code == get.status_code, (path, head.status_code, get.status_code)
        assert head.content == b"", path
        assert head.headers.get("content-type") == get.headers.get("content-type"), path
    head = server.head("/sparql", params={"query": ASK})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"].startswith("application/sparql-results+json")


def test_cors_preflight_allows_range(server: InProcess) -> None:
    r = server.options("/dumps/SHA256SUMS", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "range"})
    assert r.status_code == 200, r.text
    assert "range" in r.headers["access-control-allow-headers"].lower()


def test_health_answers_while_every_worker_is_busy(fixture_store: Path,
                                                   standin: tuple[str, list[str]]) -> None:
    with in_process(**fixture_settings(fixture_store, standin[0], workers=1,
                                       timeout=30)) as app:
        runaway = threading.Thread(target=app.get, args=("/sparql",),
                                   kwargs={"params": {"query": RUNAWAY, "timeout": "3"}})
        runaway.start()
        wait_until(lambda: busy_workers(app) == 1, what="the runaway taking the only worker")
        r = app.get("/health")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "ok" and r.json()["workers"]["idle"] == 0
        runaway.join(60)


# --- the canonical public URL ---------------------------------------------------------------

def test_a_request_for_another_host_is_refused(server: InProcess) -> None:
    r = server.get("/sparql", headers={"Host": "evil.example", "Accept": "text/turtle"})
    assert is_error_body(r, 421, "misdirected-request")
    assert "evil.example" not in r.text


PUBLIC = "https://kg.example.org/"


@pytest.fixture(scope="module")
def published(fixture_store: Path, standin: tuple[str, list[str]]) -> Iterator[InProcess]:
    """The app published at PUBLIC, also answering for an internal name, but asked (as the
    harness does) through its own canonical URL or that alias."""
    settings = fixture_settings(fixture_store, standin[0], public_url=PUBLIC,
                                trusted_hosts=("kg.internal:8080",))
    with in_process(**settings) as app:
        yield app


def absolute_urls(text: str) -> set[str]:
    return set(re.findall(r"https?://(?:kg\.|evil|127\.0\.0\.1:8000|localhost|testserver)"
                          r"[^\s\"<>']*", text))


def test_every_absolute_url_starts_with_the_public_url(published: InProcess) -> None:
    for host in ("kg.example.org", "kg.internal:8080"):
        headers = {"Host": host}
        answers = [
            published.get("/sparql", headers={**headers, "Accept": "text/turtle"}),
            published.get("/.well-known/void", headers={**headers, "Accept": "text/turtle"}),
            published.get("/sparql", headers={**headers, "Accept": BROWSER}),
            published.get("/queries.json", headers=headers),
            published.get("/dumps/", headers={**headers, "Accept": "application/json"}),
            published.get("/", headers={**headers, "Accept": BROWSER}),
            published.get("/.well-known/sparql-examples", headers=headers),
        ]
        for r in answers:
            assert r.status_code == 200, (r.url, r.text[:200])
            urls = absolute_urls(r.text)
            assert urls and all(u.startswith(PUBLIC) for u in urls), (r.url, urls)
        latest = published.get("/dumps/latest-dispute-kg.ttl", headers=headers)
        assert latest.headers["content-location"].startswith(PUBLIC + "dumps/")
        moved = published.get("/dumps", headers=headers)
        assert moved.status_code in (301, 307, 308)
        assert moved.headers["location"] in ("/dumps/", PUBLIC + "dumps/")
    sd = published.get("/sparql", headers={"Accept": "text/turtle"}).text
    assert f"<{PUBLIC}sparql>" in sd or "sd:endpoint <sparql>" in sd


def test_an_untrusted_host_cannot_choose_the_urls(published: InProcess) -> None:
    r = published.get("/sparql", headers={"Host": "evil.example", "Accept": "text/turtle"})
    assert is_error_body(r, 421, "misdirected-request")


# --- Accept ---------------------------------------------------------------------------------

def test_only_the_first_accept_ranges_are_considered() -> None:
    huge = ", ".join(f"application/x-{i}" for i in range(500_000)) + ", application/json"
    assert len(huge) > 9_000_000
    assert len(parse_accept(huge)) == MAX_RANGES
    short = ", ".join(f"application/x-{i}" for i in range(MAX_RANGES - 1)) + ", text/csv"
    assert negotiate(RESULT_FORMATS, short).name == "csv"


def test_a_huge_accept_is_answered(server: InProcess) -> None:
    huge = ", ".join(f"application/x-{i};q=0.5" for i in range(200_000)) + ", text/csv"
    r = server.get("/sparql", params={"query": ASK}, headers={"Accept": huge})
    assert r.status_code == 406  # the wanted type is past the ranges considered
    assert is_error_body(r, 406, "not-acceptable")
