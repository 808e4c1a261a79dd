"""What a query worker process does with one job: check, evaluate, serialise natively to bytes.

Runs inside the killable worker processes (server.workers); nothing here talks HTTP.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.store import StoreMissing, current_build, open_read_only
from server.guard import CheckedQuery, QueryRejected, check_query
from server.protocol import OX_FORMATS


@dataclass(frozen=True)
class Job:
    """One query to run. Formats are pyoxigraph format names chosen by content negotiation;
    None for a query kind means no acceptable format (406, decided before evaluation)."""

    query: str
    results_format: str | None = "json"
    graph_format: str | None = "turtle"
    default_graph: tuple[str, ...] | None = None  # protocol default-graph-uri values
    named_graphs: tuple[str, ...] | None = None  # protocol named-graph-uri values
    max_bytes: int = 64 << 20
    service_allow: tuple[str, ...] = ()
    substitutions: dict[str, ox.NamedNode | ox.Literal] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What came back: `body` bytes on success, else an HTTP status and a JSON-able error."""

    status: int
    body: bytes = b""
    form: str = ""
    format: str = ""
    error: str = ""
    message: str = ""
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200


class ResultTooLarge(Exception):
    """The serialised result passed the byte cap."""


class CappedBuffer(io.RawIOBase):
    """A write-only buffer that refuses to grow past `limit` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if len(self.data) + len(b) > self.limit:
            raise ResultTooLarge
        self.data += b
        return len(b)


class Evaluator:
    """Holds a read-only store handle and reopens it when a rebuild is swapped in."""

    def __init__(self, store_path: Path) -> None:
        self.store_path = store_path
        self._store: ox.Store | None = None
        self._build: Path | None = None

    def store(self) -> ox.Store:
        """The read-only store of the current build (reopened after a swap)."""
        build = current_build(self.store_path)
        if build is None:
            raise StoreMissing(f"no store at {self.store_path}")
        if self._store is None or build != self._build:
            self._store = None
            self._store = open_read_only(self.store_path)
            self._build = build
        return self._store

    def run(self, job: Job) -> Outcome:
        """Check and evaluate one job; never raises."""
        try:
            checked = check_query(job.query, job.service_allow)
        except QueryRejected as exc:
            return Outcome(exc.status, error=exc.error, message=exc.message, details=exc.details)
        fmt = job.results_format if checked.kind == "results" else job.graph_format
        if fmt is None:
            return Outcome(406, form=checked.form, error="not-acceptable",
                           message=f"no acceptable media type for a {checked.form} query")
        try:
            store = self.store()
        except (StoreMissing, OSError) as exc:
            return Outcome(503, error="store-unavailable", message=str(exc))
        try:
            results = store.query(checked.text, **self._dataset(job, checked))
        except SyntaxError as exc:
            return Outcome(400, form=checked.form, error="syntax-error", message=str(exc))
        except Exception as exc:  # evaluation errors: SERVICE failures, type errors...
            return _failed(exc, checked)
        buffer = CappedBuffer(job.max_bytes)
        try:
            results.serialize(buffer, format=OX_FORMATS[fmt])
        except ResultTooLarge:
            return Outcome(507, form=checked.form, error="result-too-large",
                           message=f"the result is larger than {job.max_bytes} bytes; "
                           "add LIMIT or narrow the query", details={"limit": job.max_bytes})
        except Exception as exc:
            if isinstance(exc.__cause__, ResultTooLarge) or "ResultTooLarge" in repr(exc):
                return Outcome(507, form=checked.form, error="result-too-large",
                               message=f"the result is larger than {job.max_bytes} bytes",
                               details={"limit": job.max_bytes})
            return _failed(exc, checked)  # results are lazy: SERVICE calls happen here
        return Outcome(200, body=bytes(buffer.data), form=checked.form, format=fmt)

    @staticmethod
    def _dataset(job: Job, checked: CheckedQuery) -> dict:
        """pyoxigraph dataset arguments: protocol parameters, else FROM, else the union graph."""
        kwargs: dict = {}
        if job.substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in job.substitutions.items()}
        if job.default_graph is not None or job.named_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graph or ()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or ()]
        elif not checked.has_dataset:
            kwargs["use_default_graph_as_union"] = True
        return kwargs


def _failed(exc: Exception, checked: CheckedQuery) -> Outcome:
    """An evaluation error; pyoxigraph's HTTP client failing (OSError) in a federated query
    means a remote endpoint is down, which is not this server's fault: 503."""
    if isinstance(exc, OSError) and checked.services:
        return Outcome(503, form=checked.form, error="service-unavailable",
                       message=f"a remote SPARQL endpoint this query calls did not answer: {exc}")
    return Outcome(500, form=checked.form, error="query-failed", message=str(exc))
