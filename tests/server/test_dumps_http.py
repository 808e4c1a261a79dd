"""`/dumps/` over real HTTP (uvicorn on a free loopback port): listing, ETag, 304, ranges, 404."""

from __future__ import annotations

import hashlib
import http.client
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import uvicorn
from harness import wait_until

from kg.export import SUMS, export_dumps
from kg.store import new_build
from server.settings import Settings
from server.web.app import create_app
from server.web.httpserver import protocol_for

BASE = "https://w3id.org/dispute-kg/"
VERSION = "0.1.0-20260103"
TTL = f"dispute-kg-{VERSION}.ttl"
TRIG = f"""
@prefix dkg: <{BASE}ontology#> .
@prefix schema: <http://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{BASE}graph/kharkiv-2026-01-02-bbc-fr> {{
  <{BASE}id/article/kharkiv-2026-01-02-bbc-fr> a dkg:Article ;
      schema:publisher <{BASE}id/actor/bbc> ; schema:url <https://www.bbc.com/afrique/x> .
  <{BASE}id/actor/bbc> schema:name "BBC" .
  <{BASE}id/claim/c1> a dkg:Claim ; rdfs:label "Deux personnes ont été tuées"@fr .
}}
<{BASE}graph/derived> {{ <{BASE}id/dispute/d1> a dkg:Dispute ; dkg:between <{BASE}id/claim/c1> . }}
<{BASE}graph/ontology> {{ dkg:Claim a <http://www.w3.org/2002/07/owl#Class> . }}
"""


def build_store(store: Path) -> Path:
    info = {"version": "0.1.0", "built_at": "2026-01-03T10:20:30Z",
            "articles": ["kharkiv-2026-01-02-bbc-fr"], "base": BASE}
    with new_build(store, info=info) as work:
        st = ox.Store(str(work))
        st.bulk_load(TRIG.encode(), ox.RdfFormat.TRIG)
        st.flush()
        del st
    return store


@contextmanager
def serve(store: Path) -> Iterator[str]:
    """The app over `store` (its dumps beside it) in uvicorn, in a thread, on a free
    127.0.0.1 port; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = Settings(store=store, workers=1, port=port)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning",
                                           http=protocol_for(settings)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), what="uvicorn starting")
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("http")
    store = build_store(root / "store")
    out = root / "dumps"  # where the app looks: beside the store
    export_dumps(store, out)
    with serve(store) as url:
        yield url, out


def test_listing_html_and_json(site: tuple[str, Path]) -> None:
    url, out = site
    page = httpx.get(url + "/dumps/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert TTL in page.text and "CC BY 4.0" in page.text and "BBC" in page.text
    for how in ({"headers": {"Accept": "application/json"}, "path": "/dumps/"},
                {"headers": {}, "path": "/dumps/index.json"}):
        res = httpx.get(url + how["path"], headers=how["headers"])
        assert res.status_code == 200 and res.headers["content-type"] == "application/json"
        doc = res.json()
        files = {f["name"]: f for f in doc["files"]}
        assert set(files) == {p.name for p in out.iterdir() if not p.name.startswith(".")}
        raw = (out / TTL).read_bytes()
        assert files[TTL]["size"] == len(raw)
        assert files[TTL]["sha256"] == hashlib.sha256(raw).hexdigest()
        assert files[TTL]["media_type"] == "text/turtle"
        assert files[TTL]["date"] == "2026-01-03T10:20:30Z"
        assert files["latest-dispute-kg.ttl"]["latest_of"] == TTL
        assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
        assert "BBC" in doc["rights"]
    assert httpx.get(url + "/dumps").status_code == 308


def test_download_200_with_headers(site: tuple[str, Path]) -> None:
    url, out = site
    raw = (out / f"dispute-kg-{VERSION}.nq.gz").read_bytes()
    res = httpx.get(f"{url}/dumps/dispute-kg-{VERSION}.nq.gz")
    assert res.status_code == 200
    assert res.content == raw
    assert res.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in res.headers  # the .gz is the download, not a transfer coding
    assert res.headers["content-length"] == str(len(raw))
    assert res.headers["etag"] == f'"{hashlib.sha256(raw).hexdigest()}"'
    disposition = f'attachment; filename="dispute-kg-{VERSION}.nq.gz"'
    assert res.headers["content-disposition"] == disposition
    assert res.headers["accept-ranges"] == "bytes"
    ttl = httpx.get(f"{url}/dumps/{TTL}")
    assert ttl.headers["content-type"] == "text/turtle; charset=utf-8"
    jsonld = httpx.get(f"{url}/dumps/dispute-kg-{VERSION}.jsonld")
    assert jsonld.headers["content-type"] == "application/ld+json"
    head = httpx.head(f"{url}/dumps/{TTL}")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str((out / TTL).stat().st_size)


def test_latest_alias_serves_the_versioned_file(site: tuple[str, Path]) -> None:
    url, out = site
    res = httpx.get(f"{url}/dumps/latest-dispute-kg.ttl")
    assert res.status_code == 200 and res.content == (out / TTL).read_bytes()
    assert res.headers["content-disposition"] == f'attachment; filename="{TTL}"'
    assert res.headers["content-location"].endswith(f"/dumps/{TTL}")
    sums = httpx.get(f"{url}/dumps/{SUMS}")
    assert "  latest-dispute-kg.ttl\n" in sums.text


def test_if_none_match_gives_304(site: tuple[str, Path]) -> None:
    url, _ = site
    first = httpx.get(f"{url}/dumps/{TTL}")
    etag = first.headers["etag"]
    again = httpx.get(f"{url}/dumps/{TTL}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    weak = httpx.get(f"{url}/dumps/{TTL}", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    other = httpx.get(f"{url}/dumps/{TTL}", headers={"If-None-Match": '"0000"'})
    assert other.status_code == 200


def test_ranges_206_and_416(site: tuple[str, Path]) -> None:
    url, out = site
    raw = (out / TTL).read_bytes()
    part = httpx.get(f"{url}/dumps/{TTL}", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == raw[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(raw)}"
    assert part.headers["content-length"] == "10"
    tail = httpx.get(f"{url}/dumps/{TTL}", headers={"Range": "bytes=-7"})
    assert tail.status_code == 206 and tail.content == raw[-7:]
    resume = httpx.get(f"{url}/dumps/{TTL}", headers={"Range": "bytes=100-"})
    assert resume.status_code == 206 and resume.content == raw[100:]
    stale = httpx.get(f"{url}/dumps/{TTL}", headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200 and stale.content == raw
    bad = httpx.get(f"{url}/dumps/{TTL}", headers={"Range": f"bytes={len(raw) + 5}-"})
    assert bad.status_code == 416
    assert bad.headers["content-range"] == f"bytes */{len(raw)}"


def raw_get(url: str, path: str) -> int:
    """GET a path exactly as written (no client-side normalisation of ``..`` or ``%2F``)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", path)
    status = conn.getresponse().status
    conn.close()
    return status


def test_unknown_names_and_traversal_404(site: tuple[str, Path]) -> None:
    url, out = site
    assert httpx.get(f"{url}/dumps/nope.ttl").status_code == 404
    assert httpx.get(f"{url}/dumps/dispute-kg-9.9.9-20000101.ttl").status_code == 404
    assert httpx.get(f"{url}/dumps/.export.json").status_code == 404
    (out / "secret.txt").write_text("not a dump")
    assert httpx.get(f"{url}/dumps/secret.txt").status_code == 404
    for path in ("/dumps/..%2F..%2Fetc%2Fpasswd", "/dumps/%2E%2E/store", "/dumps/../pyproject.toml",
                 "/dumps/..%2Fstore.builds"):
        assert raw_get(url, path) == 404, path


def test_first_request_exports_when_missing(tmp_path: Path) -> None:
    store = build_store(tmp_path / "store")
    with serve(store) as url:
        doc = httpx.get(url + "/dumps/index.json").json()
        assert TTL in {f["name"] for f in doc["files"]}
        assert httpx.get(f"{url}/dumps/{TTL}").status_code == 200
