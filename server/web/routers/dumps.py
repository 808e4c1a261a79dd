"""`/dumps/`: the versioned dump files, listed (HTML or JSON) and served with ETag and ranges.

The ETag of a file is its SHA-256 (the value in SHA256SUMS and void.ttl), so a client can check a
download against the published checksum from the header alone. Names are looked up in the dumps
directory listing, never joined onto a path, so no request can reach a file outside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from kg.config import PREFIXES
from kg.export import (
    SUMS,
    TITLE,
    VOID_FILE,
    classify,
    ensure_dumps,
    listed,
    sha256_file,
)
from kg.void import DCT, LICENSE
from server.engine.formats import HTML, Format
from server.failures import NotFound
from server.web import negotiation
from server.web.state import app_of

router = APIRouter(tags=["dumps"])
LISTING_JSON = Format("json", "application/json", (), "listing")

_digests: dict[tuple[str, int, int, int], str] = {}
_export_lock = asyncio.Lock()


@dataclass(frozen=True)
class Entry:
    """One row of the listing."""

    name: str
    url: str
    format: str
    media_type: str
    content_type: str
    size: int
    sha256: str
    date: str
    version: str | None
    latest_of: str | None


async def _ready_dir(request: Request) -> Path:
    """The dumps directory beside the store, exported from it first if never written."""
    settings = app_of(request).settings
    out = settings.dumps_dir
    if not (out / SUMS).exists():
        async with _export_lock:
            if not (out / SUMS).exists():
                with contextlib.suppress(FileNotFoundError):  # no build yet: empty listing
                    await run_in_threadpool(ensure_dumps, settings.store, out)
    return out


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, cached while its inode, size and mtime stay the same."""
    real = path.resolve()
    st = real.stat()
    key = (str(real), st.st_ino, st.st_size, st.st_mtime_ns)
    digest = _digests.get(key)
    if digest is None:
        digest = _digests[key] = sha256_file(real)
    return digest


def _entries(request: Request, out: Path) -> list[Entry]:
    rows = []
    for path in listed(out):
        kind = classify(path.name)
        if kind is None:
            continue
        real = path.resolve()
        st = real.stat()
        rows.append(Entry(
            name=path.name,
            url=str(request.url_for("dump_file", name=path.name)),
            format=kind.label,
            media_type=kind.media_type,
            content_type=kind.content_type,
            size=st.st_size,
            sha256=file_sha256(real),
            date=datetime.fromtimestamp(st.st_mtime, UTC).isoformat().replace("+00:00", "Z"),
            version=kind.version,
            latest_of=real.name if path.is_symlink() else None,
        ))
    return rows


def _void_meta(out: Path) -> dict[str, str]:
    """Title, rights note and version read back from void.ttl (empty if there is none)."""
    try:
        quads = list(ox.parse(path=str(out / VOID_FILE), format=ox.RdfFormat.TURTLE))
    except (OSError, SyntaxError):
        return {}
    wanted = {DCT + "rights": "rights", DCT + "title": "title",
              PREFIXES["dcat"] + "version": "version", DCT + "created": "created"}
    meta: dict[str, str] = {}
    for q in sorted(quads, key=str):
        if q.subject.value.endswith("#dataset") and q.predicate.value in wanted:
            meta.setdefault(wanted[q.predicate.value], q.object.value)
    return meta


def _prefers_json(request: Request) -> bool:
    """Whether Accept ranks application/json above HTML (HTML on a tie or when neither is
    acceptable, as a browser would want)."""
    try:
        chosen = negotiation.negotiate((HTML, LISTING_JSON), request.headers.get("accept"))
    except negotiation.NotAcceptable:
        return False
    return chosen is LISTING_JSON


def _listing_json(request: Request, out: Path) -> dict:
    meta = _void_meta(out)
    return {
        "title": meta.get("title", TITLE),
        "version": meta.get("version"),
        "created": meta.get("created"),
        "license": LICENSE,
        "rights": meta.get("rights"),
        "description": str(request.url_for("dump_file", name=VOID_FILE)),
        "checksums": str(request.url_for("dump_file", name=SUMS)),
        "files": [asdict(e) for e in _entries(request, out)],
    }


def _listing_html(doc: dict) -> str:
    e = html.escape
    rows = "\n".join(
        f"<tr><td><a href=\"{e(f['url'])}\">{e(f['name'])}</a>"
        + (f" → {e(f['latest_of'])}" if f["latest_of"] else "")
        + f"</td><td>{e(f['format'])}</td><td>{e(f['media_type'])}</td>"
        f"<td class=\"n\">{f['size']:,}</td><td><code>{e(f['sha256'])}</code></td>"
        f"<td>{e(f['date'])}</td></tr>"
        for f in doc["files"]
    )
    version = f" {e(doc['version'])}" if doc.get("version") else ""
    rights = f"<p>{e(doc['rights'])}</p>" if doc.get("rights") else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(doc['title'])}: dumps</title>
<link rel="alternate" type="application/json" href="index.json">
<link rel="describedby" type="text/turtle" href="{e(doc['description'])}">
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:80em}}
table{{border-collapse:collapse}}td,th{{padding:.2em .6em;border-bottom:1px solid #ddd;
text-align:left}}td.n{{text-align:right}}code{{font-size:.8em}}</style></head>
<body><h1>{e(doc['title'])}{version}: downloads</h1>
<p>Licence: <a rel="license" href="{e(doc['license'])}">CC BY 4.0</a>.
Description (VoID + DCAT): <a href="{e(doc['description'])}">void.ttl</a>.
Verify a download with <code>sha256sum -c SHA256SUMS</code>
(<a href="{e(doc['checksums'])}">SHA256SUMS</a>); each file's ETag is its SHA-256.
<code>latest-…</code> names always point to the newest version.
JSON: <a href="index.json">index.json</a>.</p>
{rights}
<table><thead><tr><th>File</th><th>Format</th><th>Media type</th><th>Bytes</th><th>SHA-256</th>
<th>Date</th></tr></thead><tbody>
{rows}
</tbody></table></body></html>
"""


@router.get("/dumps", include_in_schema=False)
async def dumps_redirect() -> RedirectResponse:
    return RedirectResponse("/dumps/", status_code=308)


@router.get("/dumps/", summary="List the dump files (HTML, or JSON by Accept)")
async def list_dumps(request: Request) -> Response:
    """Every dump with format, media type, size, SHA-256 and date; JSON if Accept prefers it."""
    out = await _ready_dir(request)
    doc = await run_in_threadpool(_listing_json, request, out)
    headers = {"Vary": "Accept", "Cache-Control": "no-cache"}
    if _prefers_json(request):
        return JSONResponse(doc, headers=headers)
    return HTMLResponse(_listing_html(doc), headers=headers)


@router.get("/dumps/index.json", summary="List the dump files as JSON")
async def list_dumps_json(request: Request) -> JSONResponse:
    """The listing as JSON: name, url, format, media type, size, SHA-256, date, version."""
    out = await _ready_dir(request)
    doc = await run_in_threadpool(_listing_json, request, out)
    return JSONResponse(doc, headers={"Cache-Control": "no-cache"})


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match comparison (weak, as RFC 9110 asks for GET)."""
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


@router.api_route("/dumps/{name}", methods=["GET", "HEAD"], name="dump_file",
                  summary="Download one dump file (ETag = SHA-256, byte ranges)")
async def dump_file(name: str, request: Request) -> Response:
    """Serve a listed file; 304 on a matching If-None-Match, 206/416 for ranges, else 404."""
    out = await _ready_dir(request)
    kind = classify(name)
    path = out / name
    if kind is None or name.startswith(".") or path not in listed(out):
        raise NotFound(f"no dump named {name!r}; see /dumps/")
    real = path.resolve()
    stat = await run_in_threadpool(os.stat, real)
    digest = await run_in_threadpool(file_sha256, real)
    etag = f'"{digest}"'
    aliased = kind.latest or name in (VOID_FILE, SUMS)
    headers = {
        "ETag": etag,
        "Cache-Control": "no-cache" if aliased else "public, max-age=3600",
        "Link": f'<{LICENSE}>; rel="license"',
        "X-Content-SHA256": digest,
    }
    if real.name != name:
        headers["Content-Location"] = str(request.url_for("dump_file", name=real.name))
    inm = request.headers.get("if-none-match")
    if inm is not None and _etag_matches(inm, etag):
        return Response(status_code=304, headers=headers)
    disposition = "inline" if name in (VOID_FILE, SUMS) else "attachment"
    return FileResponse(real, media_type=kind.content_type, filename=real.name, headers=headers,
                        stat_result=stat, content_disposition_type=disposition)
