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
import json
import os
import re
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Annotated, BinaryIO, cast

import pyoxigraph as ox
import typer

from kg.config import DEFAULT_BASE, DEFAULT_STORE, ONTOLOGY_NS, PREFIXES, PROJECT_ROOT, base_iri
from kg.store import StoreMissing, build_info, current_build, open_read_only
from kg.turtle import (
    RDF_TYPE,
    Group,
    canonical_blank_nodes,
    comment,
    jsonld_chunks,
    literal_parts,
    split_line,
    subjects,
    trig_chunks,
    turtle_chunks,
)
from kg.void import LICENSE, DumpFile, Stats, describe

NAME = "dispute-kg"
DEFAULT_DUMPS = PROJECT_ROOT / "data" / "dumps"
SUMS = "SHA256SUMS"
SCHEMA_URL = "http://schema.org/url"
NAMES = ("http://schema.org/name", "http://www.w3.org/2000/01/rdf-schema#label",
         "http://www.w3.org/2004/02/skos/core#prefLabel", "http://xmlns.com/foaf/0.1/name")
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


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Counted:
    """A binary file that counts and hashes the bytes written to it."""

    def __init__(self, file: BinaryIO) -> None:
        self.file, self.size, self._sha = file, 0, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self._sha.update(data)
        self.size += len(data)
        return self.file.write(data)

    def sha256(self) -> str:
        return self._sha.hexdigest()


@contextmanager
def atomic_stream(path: Path, mtime: float | None = None) -> Iterator[_Counted]:
    """Write to a hidden temporary name in the same directory, then rename over ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            yield _Counted(f)
            f.flush()
            os.fsync(f.fileno())
        if mtime is not None:
            os.utime(tmp, (mtime, mtime))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes, mtime: float | None = None) -> None:
    """Write ``data`` to ``path`` atomically (see ``atomic_stream``)."""
    with atomic_stream(path, mtime) as f:
        f.write(data)


def atomic_symlink(path: Path, target: str) -> None:
    """Point the link ``path`` at ``target`` (a name in the same directory) in one rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.link")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, path)


def _gzip(raw: _Counted) -> gzip.GzipFile:
    """Gzip with no file name and time 0 in the header, so equal input gives equal bytes."""
    return gzip.GzipFile(filename="", mode="wb", fileobj=cast(BinaryIO, raw), mtime=0,
                         compresslevel=9)


def _encoded(pieces: Iterable[str], size: int = 1 << 20) -> Iterator[bytes]:
    """UTF-8 bytes of some text pieces, joined into chunks of about ``size`` characters."""
    batch: list[str] = []
    length = 0
    for piece in pieces:
        batch.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(batch).encode()
            batch, length = [], 0
    if batch:
        yield "".join(batch).encode()


def _value(token: str) -> str:
    """What pyoxigraph's ``.value`` gives for a term: IRI, blank node label or lexical form."""
    if token[0] == "<":
        return token[1:-1]
    return token[2:] if token[0] == "_" else literal_parts(token)[0]


def _read_graphs(st: ox.Store) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Every graph's sorted N-Triples lines by graph token ("" for the default graph).

    Blank nodes are relabelled stably (``canonical_blank_nodes``); returns the new labels too.
    """
    names = [ox.DefaultGraph(), *st.named_graphs()]

    def dump(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> bytes:
        return st.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b""

    graphs: dict[str, list[str]] = {}
    with ThreadPoolExecutor(2) as pool:  # pyoxigraph reads without the GIL: two at a time
        for graph, data in zip(names, pool.map(dump, names), strict=True):
            if data:  # split on newlines only: literals may hold U+2028 and the like
                key = "" if isinstance(graph, ox.DefaultGraph) else str(graph)
                graphs[key] = data.decode().split("\n")[:-1]
    labels = canonical_blank_nodes([(*split_line(x), g) for g, lines in graphs.items()
                                    for x in lines if g.startswith("_:") or "_:" in x])
    if labels:
        graphs = {labels.get(g, g): [_relabel(x, labels) if "_:" in x else x for x in lines]
                  for g, lines in graphs.items()}
    for lines in graphs.values():
        lines.sort()
    return graphs, labels


def _relabel(line: str, labels: Mapping[str, str]) -> str:
    s, p, o = split_line(line)
    return f"{labels.get(s, s)} {p} {labels.get(o, o)} ."


@dataclass(frozen=True)
class Release:
    """What one export is made of: every graph's sorted lines, the version and build metadata."""

    graphs: dict[str, list[str]]
    base: str
    version: str
    built_at: str
    publishers: list[str]
    sources: list[str]
    articles: dict[str, list[str]]  # article IRI: its schema:url values

    @property
    def ontology_graph(self) -> str:
        return f"<{self.base}graph/ontology>"

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

    def quads(self) -> list[tuple[str, str]]:
        """Every (N-Triples line, graph token), sorted: the order of N-Quads lines."""
        quads = [(line, g) for g, lines in self.graphs.items() for line in lines]
        quads.sort()  # runs of already sorted lines: a merge, not a full sort
        return quads


def _wrap(text: str, width: int = 96) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])


def _objects(st: ox.Store, subjects: Iterable[ox.NamedNode | ox.BlankNode],
             predicates: Iterable[str], labels: Mapping[str, str]) -> set[str]:
    """Tokens of the objects of ``subjects`` through ``predicates`` (blank nodes relabelled)."""
    found = {str(q.object) for s in subjects for p in predicates
             for q in st.quads_for_pattern(s, ox.NamedNode(p), None, None)}
    return {labels.get(t, t) for t in found}


def _articles(st: ox.Store, labels: Mapping[str, str]) -> tuple[dict[str, list[str]], list[str]]:
    """Each article (token) with its ``schema:url`` values, and the names of its publishers."""
    nodes = {q.subject for q in st.quads_for_pattern(
        None, ox.NamedNode(RDF_TYPE), ox.NamedNode(ONTOLOGY_NS + "Article"), None)
        if isinstance(q.subject, ox.NamedNode | ox.BlankNode)}
    articles = {labels.get(str(a), str(a)): sorted(map(_value, _objects(st, [a], [SCHEMA_URL],
                                                                        labels)))
                for a in nodes}
    publisher_nodes = {q.object for a in nodes for q in st.quads_for_pattern(
        a, ox.NamedNode("http://schema.org/publisher"), None, None)}
    resources = [p for p in publisher_nodes if isinstance(p, ox.NamedNode | ox.BlankNode)]
    publishers = {_value(t) for t in _objects(st, resources, NAMES, labels)}
    publishers |= {p.value for p in publisher_nodes if isinstance(p, ox.Literal)}
    return articles, sorted(publishers)


def load_release(store: Path) -> Release:
    """Read the current build: every graph's lines (blank nodes relabelled) and its metadata."""
    info = dict(build_info(store))
    if not info.get("built_at"):
        target = current_build(store)
        if target is None:
            raise StoreMissing(f"no store at {store}: run `kg build` first")
        stamp = datetime.fromtimestamp(target.stat().st_mtime, UTC).replace(microsecond=0)
        info["built_at"] = stamp.isoformat().replace("+00:00", "Z")
    return release_of(open_read_only(store), info)


def release_of(st: ox.Store, info: Mapping[str, object]) -> Release:
    """The release of a dataset held in ``st`` with the build's ``info`` (needs ``built_at``).

    ``kg build`` calls this on its in-memory dataset, so the dumps need not re-read the store.
    """
    base = str(info.get("base") or base_iri() or DEFAULT_BASE)
    built_at = str(info["built_at"])
    try:
        project = str(info.get("version") or metadata.version("dispute-kg"))
    except metadata.PackageNotFoundError:
        project = "0.0.0"
    version = f"{project}-{built_at[:10].replace('-', '')}"
    graphs, labels = _read_graphs(st)
    articles, publishers = _articles(st, labels)
    sources = sorted({url for urls in articles.values() for url in urls})
    sources = sources or sorted(_value(a) for a in articles)
    iris = {a[1:-1]: urls for a, urls in sorted(articles.items()) if a.startswith("<")}
    return Release(graphs, base, version, built_at, publishers, sources, iris)


def _distinct(quads: Iterable[tuple[str, str]]) -> Iterator[str]:
    """The lines of sorted quads, each once: the union's sorted N-Triples lines."""
    last = None
    for line, _ in quads:
        if line != last:
            yield line
            last = line


def _tap(groups: Iterable[Group], see: Callable[[Group], None]) -> Iterator[Group]:
    """Pass ``groups`` on, showing each to ``see`` first (to count while writing)."""
    for group in groups:
        see(group)
        yield group


def _texts(release: Release, union: Stats,
           per_graph: dict[str, Stats]) -> dict[str, Callable[[], Iterable[str]]]:
    """Each dump's text as pieces, by content key (``_content``).

    The union's counts are taken while the Turtle text is read, each graph's with the TriG.
    """
    quads, prefixes, graphs = release.quads(), release.prefixes(), release.graphs
    entity_prefix = release.base + "id/"

    def counted(graph: str) -> Iterator[Group]:
        stats = per_graph[graph] = Stats(entity_prefix)
        return _tap(subjects(graphs[graph]), stats.add)

    def nt() -> Iterator[str]:
        yield comment(release.header("all graphs merged, N-Triples"))
        yield from (line + "\n" for line in _distinct(quads))

    def nq() -> Iterator[str]:
        yield comment(release.header("named graphs, N-Quads"))
        yield from (f"{line[:-1]}{g} .\n" if g else line + "\n" for line, g in quads)

    named = {g: (lambda g=g: subjects(graphs[g])) for g in graphs if g}
    return {
        "ttl": lambda: turtle_chunks(_tap(subjects(_distinct(quads)), union.add), prefixes,
                                     release.header("all graphs merged")),
        "nt": nt,
        "trig": lambda: trig_chunks(((g, counted(g)) for g in sorted(graphs)), prefixes,
                                    release.header("named graphs, TriG")),
        "nq": nq,
        "jsonld": lambda: jsonld_chunks(subjects(graphs.get("", [])), named, prefixes),
        "ontology": lambda: turtle_chunks(subjects(graphs.get(release.ontology_graph, [])),
                                          prefixes, release.header("the ontology graph")),
    }


def _content(fmt: Format) -> str:
    return "ontology" if fmt.ontology_only else fmt.suffix.removesuffix(".gz")


def _write_all(sinks: Sequence[_Counted | gzip.GzipFile], data: bytes) -> None:
    for sink in sinks:
        sink.write(data)


def _write(pieces: Iterable[str], paths: Sequence[tuple[Path, bool]],
           mtime: float) -> list[tuple[int, str]]:
    """Write one text to several files at once (gzipped where asked); their sizes and SHA-256.

    Compressing, hashing and writing run in order on a second thread (zlib and hashlib release
    the GIL), while this one renders the next chunk.
    """
    with ExitStack() as stack:
        raws = [stack.enter_context(atomic_stream(path, mtime)) for path, _ in paths]
        sinks = [stack.enter_context(_gzip(raw)) if gz else raw
                 for raw, (_, gz) in zip(raws, paths, strict=True)]
        pool = stack.enter_context(ThreadPoolExecutor(1))
        pending: deque[Future[None]] = deque()
        for data in _encoded(pieces):
            pending.append(pool.submit(_write_all, sinks, data))
            if len(pending) > 4:
                pending.popleft().result()
        for done in pending:
            done.result()
    return [(raw.size, raw.sha256()) for raw in raws]


_SIDE = ("nt", "nq")  # little to render, mostly gzip: written on a second thread


def write_dumps(release: Release, out: Path, mtime: float, union: Stats,
                per_graph: dict[str, Stats]) -> list[DumpFile]:
    """Write every dump format of ``release`` into ``out``, streaming; describe what was written.

    N-Triples and N-Quads are little more than gzip (which releases the GIL), so they are
    written on a second thread while this one renders Turtle, TriG and JSON-LD.
    """
    texts = _texts(release, union, per_graph)

    def write(content: str) -> dict[Format, DumpFile]:
        formats = [f for f in FORMATS if _content(f) == content]
        paths = [(out / f.filename(release.version), f.compressed) for f in formats]
        sums = _write(texts[content](), paths, mtime)
        return {f: DumpFile(path.name, f.label, f.media_type, f.compressed, size, sha,
                            f.ontology_only)
                for f, (path, _), (size, sha) in zip(formats, paths, sums, strict=True)}

    done: dict[Format, DumpFile] = {}
    with ThreadPoolExecutor(1) as side:
        later = [side.submit(write, content) for content in _SIDE]
        for content in texts:
            if content not in _SIDE:
                done.update(write(content))
        for job in later:
            done.update(job.result())
    return [done[f] for f in FORMATS]


@dataclass(frozen=True)
class Staged:
    """Dumps written into a hidden folder of ``out``, waiting to be published (``publish``)."""

    out: Path
    folder: Path
    names: list[str]  # the versioned files and void.ttl, in the order they were written
    sums: dict[str, str]  # file name: SHA-256
    mtime: float
    version: str
    built_at: str


STAGING = ".staging-"


def stage_dumps(release: Release, out: Path, endpoint: str | None = None) -> Staged:
    """Write every dump and ``void.ttl`` of ``release`` into a hidden folder of ``out``.

    Nothing a reader of ``out`` sees changes until ``publish``; ``kg build`` stages while the
    new store loads and publishes once it is swapped in. Staging folders left by a killed
    process are removed after an hour.
    """
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(STAGING + "*"):
        if old.stat().st_mtime < time.time() - 3600:
            shutil.rmtree(old, ignore_errors=True)
    folder = out / f"{STAGING}{os.getpid()}-{time.monotonic_ns() % 10**9}"
    folder.mkdir()
    try:
        mtime = datetime.fromisoformat(release.built_at.replace("Z", "+00:00")).timestamp()
        union, per_graph = Stats(release.base + "id/"), cast(dict[str, Stats], {})
        files = write_dumps(release, folder, mtime, union, per_graph)
        named = {g[1:-1]: stats for g, stats in per_graph.items() if g.startswith("<")}
        void = describe(
            union, named, files, articles=release.articles, base=release.base,
            version=release.version, built_at=release.built_at, title=TITLE,
            description=DESCRIPTION, rights=release.rights(), endpoint=endpoint,
            header=release.header("VoID and DCAT description of the dumps"),
        )
        atomic_write(folder / VOID_FILE, void, mtime)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Staged(out, folder, [f.name for f in files] + [VOID_FILE],
                  {f.name: f.sha256 for f in files}, mtime, release.version, release.built_at)


def discard(staged: Staged) -> None:
    """Remove staged dumps that will not be published (the build failed after staging)."""
    shutil.rmtree(staged.folder, ignore_errors=True)


def publish(staged: Staged, build: str | None) -> list[Path]:
    """Move staged dumps into ``out``, point the ``latest-`` links at them, write ``SHA256SUMS``.

    Each file arrives by one rename. ``build`` (the store build they describe) goes into the
    marker ``ensure_dumps`` reads. Returns the paths, as ``export_dumps`` does.
    """
    out = staged.out
    written = []
    for name in staged.names:
        os.replace(staged.folder / name, out / name)
        written.append(out / name)
    staged.folder.rmdir()
    for fmt in FORMATS:
        atomic_symlink(out / fmt.latest(), fmt.filename(staged.version))
        written.append(out / fmt.latest())
    write_sums(out, staged.mtime, staged.sums)
    written.append(out / SUMS)
    marker = {"build": build, "built_at": staged.built_at, "version": staged.version}
    atomic_write(out / MARKER, json.dumps(marker, sort_keys=True).encode())
    return written


def export_dumps(store: Path = DEFAULT_STORE, out: Path = DEFAULT_DUMPS,
                 endpoint: str | None = None) -> list[Path]:
    """Write every dump, ``void.ttl``, the ``latest-`` links and ``SHA256SUMS``; return the paths.

    Older versions already in ``out`` are kept and checksummed.
    """
    staged = stage_dumps(load_release(store), out, endpoint)
    target = current_build(store)
    return publish(staged, target.name if target else None)


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


def write_sums(out: Path, mtime: float | None = None,
               known: Mapping[str, str] | None = None) -> Path:
    """``SHA256SUMS`` over every listed file but itself, sorted by name (``sha256sum -c``).

    ``known`` gives the SHA-256 of files just written (by the name a link resolves to).
    """
    known = known or {}
    lines = [f"{known.get(p.resolve().name) or sha256_file(p)}  {p.name}\n"
             for p in listed(out) if p.name != SUMS]
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
