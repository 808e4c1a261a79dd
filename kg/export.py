"""Versioned, deterministic, checksummed dumps of the built store (`kg export`, issue 6).

Files, for ``<version>`` = ``<project version>-<build date YYYYMMDD>``::

    dispute-kg-<version>.ttl / .ttl.gz   the union of all graphs as sorted, readable Turtle
    dispute-kg-<version>.nt.gz           N-Triples, lines sorted (``LC_ALL=C sort``)
    dispute-kg-<version>.trig.gz / .nq.gz   the named graphs kept (sorted)
    dispute-kg-<version>.jsonld          JSON-LD 1.1, named graphs kept, project prefixes as context
    dispute-kg-ontology-<version>.ttl    the ontology graph alone
    void.ttl                             VoID + DCAT description with sizes and SHA-256
    SHA256SUMS                           ``sha256sum -c`` input for every file in the directory
    latest-dispute-kg.<suffix>, latest-dispute-kg-ontology.ttl   symbolic links to the newest

Every file is written to a hidden temporary name and renamed, so a reader never sees a partial
file; gzip headers carry no name and time 0, and file times are set to the build time.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Annotated

import pyoxigraph as ox
import typer

from kg.config import DEFAULT_BASE, DEFAULT_STORE, ONTOLOGY_NS, PREFIXES, PROJECT_ROOT, base_iri
from kg.store import StoreMissing, build_info, current_build, open_read_only
from kg.turtle import (
    RDF_TYPE,
    canonical_blank_nodes,
    comment,
    write_jsonld,
    write_trig,
    write_turtle,
)
from kg.void import LICENSE, DumpFile, describe

NAME = "dispute-kg"
DEFAULT_DUMPS = PROJECT_ROOT / "data" / "dumps"
SUMS = "SHA256SUMS"
VOID_FILE = "void.ttl"
MARKER = ".export.json"
TITLE = "dispute-kg: claims and counter-claims in war news"
DESCRIPTION = (
    "A knowledge graph of a news article on a strike on Kharkiv and the claims and counter-claims "
    "it reports: who claims what about the incident, casualty figures, victims and context events, "
    "each node tied to the exact quote of the article it comes from, with disputes between claims "
    "derived by explainable rules. One named graph per article, one for derived disputes and one "
    "for the ontology."
)


@dataclass(frozen=True)
class Format:
    """One kind of dump file: its suffix, label and the media type of its (uncompressed) content."""

    suffix: str
    label: str
    media_type: str
    compressed: bool
    ontology_only: bool = False

    def filename(self, version: str) -> str:
        stem = f"{NAME}-ontology" if self.ontology_only else NAME
        return f"{stem}-{version}.{self.suffix}"

    def latest(self) -> str:
        stem = f"{NAME}-ontology" if self.ontology_only else NAME
        return f"latest-{stem}.{self.suffix}"


FORMATS: tuple[Format, ...] = (
    Format("ttl", "Turtle (all graphs merged)", "text/turtle", False),
    Format("ttl.gz", "Turtle (all graphs merged), gzip", "text/turtle", True),
    Format("nt.gz", "N-Triples (all graphs merged), gzip", "application/n-triples", True),
    Format("trig.gz", "TriG (named graphs kept), gzip", "application/trig", True),
    Format("nq.gz", "N-Quads (named graphs kept), gzip", "application/n-quads", True),
    Format("jsonld", "JSON-LD (named graphs kept)", "application/ld+json", False),
    Format("ttl", "Ontology graph, Turtle", "text/turtle", False, ontology_only=True),
)

_VERSIONED = re.compile(
    rf"^{NAME}(?P<onto>-ontology)?-(?P<version>[0-9A-Za-z.]+-[0-9]{{8}})\.(?P<suffix>[a-z.]+)$"
)
_LATEST = re.compile(rf"^latest-{NAME}(?P<onto>-ontology)?\.(?P<suffix>[a-z.]+)$")


@dataclass(frozen=True)
class FileKind:
    """What a name in the dumps directory is: label, media types and version (None for aliases)."""

    label: str
    media_type: str
    content_type: str
    compressed: bool
    version: str | None
    latest: bool = False


def _content_type(media_type: str, compressed: bool) -> str:
    if compressed:
        return "application/gzip"
    return media_type + "; charset=utf-8" if media_type.startswith("text/") else media_type


def classify(name: str) -> FileKind | None:
    """Describe a dump file name, or None if it is not one this module writes."""
    if name == VOID_FILE:
        return FileKind("VoID + DCAT description", "text/turtle", "text/turtle; charset=utf-8",
                        False, None)
    if name == SUMS:
        return FileKind("SHA-256 checksums", "text/plain", "text/plain; charset=utf-8", False, None)
    m = _VERSIONED.match(name) or _LATEST.match(name)
    if m is None:
        return None
    for f in FORMATS:
        if f.suffix == m["suffix"] and f.ontology_only == bool(m["onto"]):
            version = m.groupdict().get("version")
            return FileKind(f.label, f.media_type, _content_type(f.media_type, f.compressed),
                            f.compressed, version, latest=version is None)
    return None


def gzip_bytes(data: bytes) -> bytes:
    """Gzip with no file name and time 0 in the header, so equal input gives equal bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def atomic_write(path: Path, data: bytes, mtime: float | None = None) -> None:
    """Write to a hidden temporary name in the same directory, then rename over ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mtime is not None:
            os.utime(tmp, (mtime, mtime))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_symlink(path: Path, target: str) -> None:
    """Point the link ``path`` at ``target`` (a name in the same directory) in one rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.link")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, path)


def _sorted_lines(data: bytes) -> bytes:
    lines = sorted(set(data.splitlines(keepends=True)))
    return b"".join(lines)


def _literal_values(quads: Iterable[ox.Quad], subjects: set, predicates: set[str]) -> list[str]:
    return sorted({q.object.value for q in quads
                   if q.subject in subjects and q.predicate.value in predicates})


@dataclass(frozen=True)
class Release:
    """What one export is made of: the quads, their version and the build's metadata."""

    quads: list[ox.Quad]
    base: str
    version: str
    built_at: str
    publishers: list[str]
    sources: list[str]

    @property
    def ontology_graph(self) -> ox.NamedNode:
        return ox.NamedNode(self.base + "graph/ontology")

    def prefixes(self) -> dict[str, str]:
        """The project prefixes (the vocabulary's namespace is fixed, whatever the base IRI)."""
        return dict(PREFIXES)

    def rights(self) -> str:
        who = " and ".join(self.publishers) if self.publishers else "its publisher"
        return (
            f"The text of the source article(s) quoted in this graph (nif:isString, nif:anchorOf "
            f"and quoted claims) belongs to its publisher ({who}); it is included only as the "
            f"evidence the graph cites and is not covered by the CC BY 4.0 licence."
        )

    def header(self, what: str) -> str:
        lines = [
            f"{TITLE}: {what}",
            f"Version {self.version}, built {self.built_at}.",
            f"Licence: CC BY 4.0 ({LICENSE}); cite as \"dispute-kg {self.version}\".",
            *_wrap(self.rights()),
        ]
        lines += [f"Source article: {s}" for s in self.sources]
        lines.append(f"Description, sizes and checksums: {self.base}dumps/{VOID_FILE}")
        return "\n".join(lines)


def _wrap(text: str, width: int = 96) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])


def load_release(store: Path) -> Release:
    """Read the current build: all quads (blank nodes relabelled stably) and its metadata."""
    info = build_info(store)
    base = info.get("base") or base_iri() or DEFAULT_BASE
    built_at = info.get("built_at")
    if not built_at:
        target = current_build(store)
        if target is None:
            raise StoreMissing(f"no store at {store}: run `kg build` first")
        stamp = datetime.fromtimestamp(target.stat().st_mtime, UTC).replace(microsecond=0)
        built_at = stamp.isoformat().replace("+00:00", "Z")
    try:
        project = info.get("version") or metadata.version("dispute-kg")
    except metadata.PackageNotFoundError:
        project = "0.0.0"
    version = f"{project}-{built_at[:10].replace('-', '')}"
    st = open_read_only(store)
    quads = canonical_blank_nodes(list(st.quads_for_pattern(None, None, None, None)))
    articles = {q.subject for q in quads if q.predicate.value == RDF_TYPE
                and q.object == ox.NamedNode(ONTOLOGY_NS + "Article")}
    publisher_nodes = {q.object for q in quads if q.subject in articles
                       and q.predicate.value == "http://schema.org/publisher"}
    names = {"http://schema.org/name", "http://www.w3.org/2000/01/rdf-schema#label",
             "http://www.w3.org/2004/02/skos/core#prefLabel", "http://xmlns.com/foaf/0.1/name"}
    publishers = _literal_values(quads, publisher_nodes, names)
    publishers += sorted(p.value for p in publisher_nodes if isinstance(p, ox.Literal))
    sources = _literal_values(quads, articles, {"http://schema.org/url"})
    sources = sources or sorted(a.value for a in articles)
    return Release(quads, base, version, built_at, sorted(set(publishers)), sources)


def render(release: Release) -> dict[Format, bytes]:
    """The bytes of every dump format for one release."""
    quads, prefixes = release.quads, release.prefixes()
    triples = sorted({q.triple for q in quads}, key=str)
    turtle = write_turtle(triples, prefixes, header=release.header("all graphs merged"))
    nt = comment(release.header("all graphs merged, N-Triples")).encode() + _sorted_lines(
        ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    nq = comment(release.header("named graphs, N-Quads")).encode() + _sorted_lines(
        ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    trig = write_trig(quads, prefixes, header=release.header("named graphs, TriG"))
    onto = [q.triple for q in quads if q.graph_name == release.ontology_graph]
    data = {
        "ttl": turtle,
        "ttl.gz": gzip_bytes(turtle),
        "nt.gz": gzip_bytes(nt),
        "trig.gz": gzip_bytes(trig),
        "nq.gz": gzip_bytes(nq),
        "jsonld": write_jsonld(quads, prefixes),
    }
    out = {f: data[f.suffix] for f in FORMATS if not f.ontology_only}
    for f in FORMATS:
        if f.ontology_only:
            out[f] = write_turtle(onto, prefixes, header=release.header("the ontology graph"))
    return out


def export_dumps(store: Path = DEFAULT_STORE, out: Path = DEFAULT_DUMPS,
                 endpoint: str | None = None) -> list[Path]:
    """Write every dump, ``void.ttl``, the ``latest-`` links and ``SHA256SUMS``; return the paths.

    Call at the end of ``kg build``. Older versions already in ``out`` are kept and checksummed.
    """
    release = load_release(store)
    out.mkdir(parents=True, exist_ok=True)
    mtime = datetime.fromisoformat(release.built_at.replace("Z", "+00:00")).timestamp()
    written: list[Path] = []
    files: list[DumpFile] = []
    for fmt, data in render(release).items():
        path = out / fmt.filename(release.version)
        atomic_write(path, data, mtime)
        written.append(path)
        files.append(DumpFile(path.name, fmt.label, fmt.media_type, fmt.compressed, len(data),
                              hashlib.sha256(data).hexdigest(), fmt.ontology_only))
    void = describe(
        release.quads, files, base=release.base, version=release.version,
        built_at=release.built_at, title=TITLE, description=DESCRIPTION, rights=release.rights(),
        endpoint=endpoint, header=release.header("VoID and DCAT description of the dumps"),
    )
    atomic_write(out / VOID_FILE, void, mtime)
    written.append(out / VOID_FILE)
    for fmt in FORMATS:
        atomic_symlink(out / fmt.latest(), fmt.filename(release.version))
        written.append(out / fmt.latest())
    write_sums(out, mtime)
    written.append(out / SUMS)
    target = current_build(store)
    marker = {"build": target.name if target else None, "built_at": release.built_at,
              "version": release.version}
    atomic_write(out / MARKER, json.dumps(marker, sort_keys=True).encode())
    return written


def listed(out: Path) -> list[Path]:
    """The dump files in ``out`` a reader may see: known names, complete, inside ``out``."""
    if not out.is_dir():
        return []
    root = out.resolve()
    found = []
    for p in sorted(out.iterdir()):
        if p.name.startswith(".") or classify(p.name) is None:
            continue
        real = p.resolve()
        if real.parent == root and real.is_file():
            found.append(p)
    return found


def write_sums(out: Path, mtime: float | None = None) -> Path:
    """``SHA256SUMS`` over every listed file but itself, sorted by name (``sha256sum -c``)."""
    lines = [f"{sha256_file(p)}  {p.name}\n" for p in listed(out) if p.name != SUMS]
    path = out / SUMS
    atomic_write(path, "".join(lines).encode(), mtime)
    return path


def ensure_dumps(store: Path = DEFAULT_STORE, out: Path = DEFAULT_DUMPS) -> list[Path]:
    """Export unless ``out`` already holds the dumps of the current build (for server start)."""
    target = current_build(store)
    if target is None:
        return []
    try:
        marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        marker = {}
    if marker.get("build") == target.name and (out / SUMS).exists():
        return []
    return export_dumps(store, out)


def export_command(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the dumps into.")] = Path(
        "dist"),
    store: Annotated[Path, typer.Option("--store", help="The built store (a `kg build` link).")]
    = DEFAULT_STORE,
) -> None:
    """Write versioned dumps (Turtle, N-Triples, TriG, N-Quads, JSON-LD), VoID and SHA256SUMS."""
    try:
        paths = export_dumps(store, out)
    except StoreMissing as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    for p in paths:
        typer.echo(str(p))
