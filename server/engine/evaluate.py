"""What a query worker process does with one task: evaluate, serialise natively to bytes.

A `Job` is what a route asks for; a `Task` is what a worker runs: the canonical text that
server.engine.guard re-emitted from its reading of the query (with the answers of SERVICE blocks the
server fetched written in), never the request's own text. Runs inside the killable worker
processes (server.engine.workers), which have no network; nothing here talks HTTP. A small
answer comes back as bytes; a large one is spooled to an unnamed temporary file whose
descriptor is handed to the main process, so its bytes are never copied through pipes and
process memory (the page cache holds them, and the file vanishes with its last descriptor).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.store import StoreMissing, current_build, open_read_only
from server.engine.formats import OX_FORMATS

if TYPE_CHECKING:
    from server.engine.guard import Reading

SPOOL_OVER = 1 << 17  # bytes: answers up to this size travel as bytes over the worker's pipe;
# past it a file is cheaper (measured: a 570 KB answer 2.3 ms of overhead by pipe, 1.1 by file)
CHUNK = 1 << 20  # bytes per write to, and per read from, a spool file


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
    spool_over: int = SPOOL_OVER  # answers larger than this go to a temporary file
    base: str | None = None  # relative IRIs resolve against it (the endpoint's URL)


@dataclass(frozen=True)
class Task:
    """What a worker runs: a canonical text from server.engine.guard and the job's other
    settings."""

    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    has_dataset: bool  # the text has FROM / FROM NAMED
    base: str | None
    job: Job  # formats, dataset, caps and substitutions (its `query` is not sent)

    @classmethod
    def of(cls, reading: Reading, job: Job, answers: Sequence[str] = ()) -> Task:
        """The task for a job read by server.engine.guard, with its SERVICE answers written in."""
        return cls(reading.text(answers), reading.form, reading.has_dataset, reading.base,
                   replace(job, query=""))

    @property
    def kind(self) -> str:
        return "results" if self.form in ("SELECT", "ASK") else "graph"

    @property
    def format(self) -> str | None:
        """The negotiated format for this form (None: nothing acceptable)."""
        return self.job.results_format if self.kind == "results" else self.job.graph_format


class Spool:
    """A serialised answer in an unnamed temporary file: its descriptor and size.

    Pickled, it keeps only its size: the worker sends the descriptor itself over the pipe
    (SCM_RIGHTS) right after the outcome, and the receiver `attach`es it. The descriptor is
    closed by `close()`, or when the spool is garbage-collected.
    """

    def __init__(self, size: int, fd: int = -1) -> None:
        self.size = size
        self.fd = -1
        self._closer: weakref.finalize | None = None
        if fd >= 0:
            self.attach(fd)

    def attach(self, fd: int) -> None:
        self.fd = fd
        self._closer = weakref.finalize(self, _close_quietly, fd)

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
        self.fd = -1

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The file's bytes from the start, `size` at a time (positional reads)."""
        offset = 0
        while offset < self.size:
            chunk = os.pread(self.fd, min(size, self.size - offset), offset)
            if not chunk:
                raise OSError(f"spooled answer truncated at {offset} of {self.size} bytes")
            offset += len(chunk)
            yield chunk

    def read(self) -> bytes:
        """The whole answer in memory (for callers that parse it)."""
        return b"".join(self.chunks())

    def __getstate__(self) -> dict:
        return {"size": self.size}

    def __setstate__(self, state: dict) -> None:
        self.size, self.fd, self._closer = state["size"], -1, None


@dataclass(frozen=True)
class Outcome:
    """What came back: on success the answer as `data` bytes, or in `spool` when it is large
    (`body` gives the bytes either way); else an HTTP status and a JSON-able error."""

    status: int
    data: bytes = b""
    form: str = ""
    format: str = ""
    error: str = ""
    message: str = ""
    details: dict = field(default_factory=dict)
    spool: Spool | None = None
    retry_after: int | None = None  # seconds, for a 429 or 503 the client may retry
    ran: float = 0.0  # seconds the query held a worker (set by the pool)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def body(self) -> bytes:
        """The answer's bytes (read from the spool file when spooled)."""
        return self.spool.read() if self.spool is not None else self.data

    @property
    def size(self) -> int:
        return self.spool.size if self.spool is not None else len(self.data)


class ResultTooLarge(Exception):
    """The serialised result passed the byte cap."""


class CappedBuffer(io.RawIOBase):
    """A write-only buffer that refuses to grow past `limit` bytes; past `spool_over` bytes it
    moves what it holds to an unnamed temporary file and writes on there in large blocks."""

    def __init__(self, limit: int, spool_over: int = SPOOL_OVER) -> None:
        super().__init__()
        self.limit = limit
        self.spool_over = spool_over
        self.data = bytearray()
        self.size = 0
        self.fd = -1

    def writable(self) -> bool:
        return True

    def write(self, b: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        n = len(b)
        if self.size + n > self.limit:
            raise ResultTooLarge
        self.data += b
        self.size += n
        if len(self.data) > (self.spool_over if self.fd < 0 else CHUNK):
            self._flush()
        return n

    def _flush(self) -> None:
        if self.fd < 0:
            self.fd = _anonymous_file()
        view = memoryview(self.data)
        while view:
            view = view[os.write(self.fd, view):]
        view.release()
        del self.data[:]

    def outcome(self, form: str, fmt: str) -> Outcome:
        """The 200 outcome of what was written: bytes, or the spool file (descriptor owned by
        the outcome from now on)."""
        if self.fd < 0:
            return Outcome(200, data=bytes(self.data), form=form, format=fmt)
        self._flush()
        fd, self.fd = self.fd, -1
        return Outcome(200, form=form, format=fmt, spool=Spool(self.size, fd))

    def discard(self) -> None:
        """Drop what was written (the spool file goes with its descriptor)."""
        if self.fd >= 0:
            _close_quietly(self.fd)
            self.fd = -1
        del self.data[:]

    def close(self) -> None:
        """Also when collected: a spool file not handed to an outcome is dropped."""
        self.discard()
        super().close()


def _anonymous_file() -> int:
    """A read-write file with no name in the temporary directory (O_TMPFILE where possible):
    nothing to clean up, even if the process is killed while writing it."""
    directory = tempfile.gettempdir()
    with contextlib.suppress(OSError, AttributeError):
        return os.open(directory, os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
    fd, name = tempfile.mkstemp(dir=directory)
    os.unlink(name)
    return fd


def _close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


class Evaluator:
    """Holds a read-only store handle and reopens it when a rebuild is swapped in."""

    def __init__(self, store_path: Path) -> None:
        self.store_path = store_path
        self._store: ox.Store | None = None
        self._build: Path | None = None
        self._link: str | None = None  # the store link's target when the store was opened

    def store(self) -> ox.Store:
        """The read-only store of the current build (reopened after a swap).

        A rebuild swaps the store link, so an unchanged link target (one readlink) means the
        open store is current; anything else takes the full check."""
        try:
            link: str | None = os.readlink(self.store_path)
        except OSError:
            link = None
        if link is not None and link == self._link and self._store is not None:
            return self._store
        build = current_build(self.store_path)
        if build is None:
            raise StoreMissing(f"no store at {self.store_path}")
        if self._store is None or build != self._build:
            self._store = None
            self._store = open_read_only(self.store_path)
            self._build = build
        self._link = link
        return self._store

    def run(self, task: Task) -> Outcome:
        """Evaluate one task; never raises."""
        job = task.job
        fmt = task.format
        if fmt is None:
            return Outcome(406, form=task.form, error="not-acceptable",
                           message=f"no acceptable media type for a {task.form} query")
        try:
            store = self.store()
        except (StoreMissing, OSError) as exc:
            return Outcome(503, error="store-unavailable", message=str(exc))
        try:
            results: Any = store.query(task.text, base_iri=task.base, **self._dataset(task))
        except SyntaxError as exc:  # placed in the user's text by the backend
            return Outcome(400, form=task.form, error="syntax-error", message=str(exc))
        except Exception as exc:  # evaluation errors: type errors...
            return _failed(exc, task)
        buffer = CappedBuffer(job.max_bytes, job.spool_over)
        try:
            results.serialize(buffer, format=OX_FORMATS[fmt])
            return buffer.outcome(task.form, fmt)
        except Exception as exc:  # results are lazy: evaluation errors surface here too
            buffer.discard()
            if too_large(exc):
                return result_too_large(task.form, job.max_bytes)
            return _failed(exc, task)

    @staticmethod
    def _dataset(task: Task) -> dict:
        """pyoxigraph dataset arguments: protocol parameters, else FROM, else the union graph."""
        job = task.job
        kwargs: dict = {}
        if job.substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in job.substitutions.items()}
        if job.default_graph is not None or job.named_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graph or ()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or ()]
        elif not task.has_dataset:
            kwargs["use_default_graph_as_union"] = True
        return kwargs


def too_large(exc: BaseException) -> bool:
    """Whether `exc` is the byte cap (ResultTooLarge) as a serialiser passes it on: itself, as
    the cause, or named in the message of pyoxigraph's own error around it."""
    return (isinstance(exc, ResultTooLarge) or isinstance(exc.__cause__, ResultTooLarge)
            or "ResultTooLarge" in repr(exc))


def result_too_large(form: str, limit: int) -> Outcome:
    return Outcome(507, form=form, error="result-too-large",
                   message=f"the result is larger than {limit} bytes; add LIMIT or narrow the "
                   "query", details={"limit": limit})


def _failed(exc: Exception, task: Task) -> Outcome:
    """An evaluation error (a bug or an engine limit): 500 with pyoxigraph's message."""
    return Outcome(500, form=task.form, error="query-failed", message=str(exc))
