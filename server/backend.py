"""Where queries run: the embedded store (killable worker processes) or a remote SPARQL endpoint.

Every route and page runs its queries through one small interface, `Backend.execute(job,
timeout) -> Outcome`, so `/sparql`, the saved queries, the Linked Data pages, the dispute view
and the link report work the same on both:

- `EmbeddedBackend`: the existing worker pool over the on-disk Oxigraph store (server.workers).
- `RemoteBackend` (`kg serve --backend URL`): any SPARQL 1.1 endpoint over HTTP, with the same
  policy and limits. The query is checked by server.guard first (updates and LOAD 403, SERVICE
  off the allowlist 403, syntax 400) plus a refusal of Virtuoso's engine built-ins (`bif:`,
  `sql:`); saved-query parameters are written into the text as validated RDF terms
  (server.substitute); the request has a total deadline (504) and a bounded number of requests
  in flight (503 busy); the answer is streamed under a byte cap (507), parsed completely
  (an answer the engine cut short is a 502, never a 200) and re-serialised natively in the
  negotiated format, so every format is offered whatever the engine speaks.

The remote endpoint's default graph must be the union of the dataset's named graphs, as in the
embedded store (`oxigraph serve-read-only --union-default-graph`; Virtuoso does so by default).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

import pyoxigraph as ox

from server.evaluate import CappedBuffer, Job, Outcome, ResultTooLarge
from server.guard import QueryRejected, check_query
from server.protocol import OX_FORMATS
from server.substitute import SubstitutionError, substitute, tokens
from server.workers import WorkerPool

if TYPE_CHECKING:  # httpx is imported only when a remote backend is used
    import httpx

TRANSFER_FACTOR = 4  # the engine's JSON / N-Triples may be this much wordier than the result
ERROR_EXCERPT = 2000  # characters of an engine's error message passed on
RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
GRAPH_ACCEPT = ("application/n-triples, text/turtle;q=0.9, application/n-quads;q=0.8, "
                "application/rdf+xml;q=0.5")
ENGINE_BUILTINS = re.compile(r"(?i)^(?:<(?:bif|sql):|(?:bif|sql):)")
DATASET_FORMATS = ("nquads", "trig")


class Backend(Protocol):
    """What the routes need from a query engine."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def execute(self, job: Job, timeout: float) -> Outcome:
        """Check and run one query under a deadline; never raises."""
        ...

    def retry_after(self, timeout: float) -> int:
        """Seconds a client should wait before retrying a 503."""
        ...

    def health(self) -> dict[str, Any]:
        """What /health reports about the engine."""
        ...


class EmbeddedBackend:
    """The on-disk store, queried in killable worker processes."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool

    async def start(self) -> None:
        await self.pool.start()

    async def close(self) -> None:
        await self.pool.close()

    async def execute(self, job: Job, timeout: float) -> Outcome:
        return await self.pool.execute(job, timeout)

    def retry_after(self, timeout: float) -> int:
        return self.pool.retry_after(timeout)

    def health(self) -> dict[str, Any]:
        pool = self.pool
        return {"backend": "embedded",
                "workers": {"total": pool.size, "idle": pool.idle, "killed": dict(pool.kills)}}


class RemoteBackend:
    """A SPARQL 1.1 endpoint over HTTP, behind the same policy and limits as the embedded one."""

    def __init__(self, url: str, concurrency: int, queue_wait: float) -> None:
        self.url = url
        self.concurrency = max(1, concurrency)
        self.queue_wait = queue_wait
        self._slots = asyncio.Semaphore(self.concurrency)
        self._client: httpx.AsyncClient | None = None
        self.counts = {"timeout": 0, "too-large": 0, "backend-error": 0, "unavailable": 0}

    async def start(self) -> None:
        import httpx

        self._client = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=self.concurrency),
            follow_redirects=False, trust_env=False,
            headers={"User-Agent": "dispute-kg (kg serve --backend)"})

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def retry_after(self, timeout: float) -> int:
        return max(1, min(10, int(timeout / 2) or 1))

    def health(self) -> dict[str, Any]:
        return {"backend": self.url, "concurrency": self.concurrency,
                "in_flight": self.concurrency - self._slots._value,  # noqa: SLF001
                "stopped": dict(self.counts)}

    async def execute(self, job: Job, timeout: float) -> Outcome:
        import httpx

        try:
            text = substitute(job.query, job.substitutions)
            checked = check_query(text, job.service_allow)
        except SubstitutionError as exc:
            return Outcome(422, error="bad-parameter", message=str(exc))
        except QueryRejected as exc:
            return Outcome(exc.status, error=exc.error, message=exc.message, details=exc.details)
        builtin = _engine_builtin(checked.text)
        if builtin:
            return Outcome(403, form=checked.form, error="extension-forbidden",
                           message=f"{builtin}: engine-specific built-in functions are not "
                           "allowed through this endpoint")
        fmt = job.results_format if checked.kind == "results" else job.graph_format
        if fmt is None:
            return Outcome(406, form=checked.form, error="not-acceptable",
                           message=f"no acceptable media type for a {checked.form} query")
        try:
            await asyncio.wait_for(self._slots.acquire(), self.queue_wait)
        except TimeoutError:
            return Outcome(503, error="busy", message="all backend connections are busy; retry "
                           "shortly")
        try:
            async with asyncio.timeout(timeout):
                status, ctype, body, sql_state = await self._fetch(job, checked.text,
                                                                   checked.kind, timeout)
        except TimeoutError:
            self.counts["timeout"] += 1
            return Outcome(504, form=checked.form, error="timeout",
                           message=f"the query was stopped after {timeout:g} s",
                           details={"timeout": timeout})
        except _TooLarge:
            self.counts["too-large"] += 1
            return _too_large(checked.form, job.max_bytes)
        except httpx.HTTPError as exc:
            self.counts["unavailable"] += 1
            return Outcome(503, form=checked.form, error="backend-unavailable",
                           message=f"the SPARQL backend did not answer: {type(exc).__name__}")
        finally:
            self._slots.release()
        if sql_state:  # Virtuoso's "anytime" answer: a partial result sent as 200
            self.counts["timeout"] += 1
            return Outcome(504, form=checked.form, error="timeout",
                           message=f"the backend stopped the query early ({sql_state}); "
                           "its partial result is not passed on")
        if status != 200:
            self.counts["backend-error"] += 1
            if status >= 500 and checked.services:  # as embedded: a SERVICE endpoint failed
                return Outcome(503, form=checked.form, error="service-unavailable",
                               message="the backend could not complete the SERVICE call: "
                               + body[:ERROR_EXCERPT].decode("utf-8", "replace").strip())
            return Outcome(502, form=checked.form, error="backend-error",
                           message=f"the SPARQL backend answered {status}: "
                           + body[:ERROR_EXCERPT].decode("utf-8", "replace").strip(),
                           details={"backend_status": status})
        return _transcode(body, ctype, checked.kind, checked.form, fmt, job.max_bytes)

    async def _fetch(self, job: Job, text: str, kind: str,
                     timeout: float) -> tuple[int, str, bytes, str]:
        """POST the query (form-encoded) and read the answer, at most the transfer cap."""
        assert self._client is not None, "RemoteBackend.start() was not called"
        form: list[tuple[str, str]] = [("query", text)]
        form += [("default-graph-uri", g) for g in job.default_graph or ()]
        form += [("named-graph-uri", g) for g in job.named_graphs or ()]
        limit = job.max_bytes * TRANSFER_FACTOR
        headers = {"Accept": RESULTS_ACCEPT if kind == "results" else GRAPH_ACCEPT}
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        async with self._client.stream("POST", self.url, content=urlencode(form).encode("ascii"),
                                       headers=headers, timeout=timeout) as resp:
            length = resp.headers.get("content-length")
            if resp.status_code == 200 and length and length.isdigit() and int(length) > limit:
                raise _TooLarge
            chunks = bytearray()
            async for chunk in resp.aiter_bytes():
                chunks += chunk
                if len(chunks) > limit:
                    if resp.status_code == 200:
                        raise _TooLarge
                    break
            return (resp.status_code, resp.headers.get("content-type", ""), bytes(chunks),
                    resp.headers.get("x-sql-state", ""))


class _TooLarge(Exception):
    """The engine's answer passed the transfer cap."""


def _engine_builtin(text: str) -> str:
    """The first `bif:` / `sql:` name or IRI outside strings and comments, else ''."""
    for kind, tok in tokens(text):
        if kind in ("iri", "word") and ENGINE_BUILTINS.match(tok):
            return tok
    return ""


def _too_large(form: str, limit: int) -> Outcome:
    return Outcome(507, form=form, error="result-too-large",
                   message=f"the result is larger than {limit} bytes; add LIMIT or narrow the "
                   "query", details={"limit": limit})


def _media(ctype: str) -> str:
    return ctype.split(";")[0].strip().lower()


def _transcode(body: bytes, ctype: str, kind: str, form: str, fmt: str, limit: int) -> Outcome:
    """Parse the engine's whole answer, then serialise it in the negotiated format."""
    media = _media(ctype)
    buffer = CappedBuffer(limit)
    try:
        if kind == "results":
            rformat = ox.QueryResultsFormat.from_media_type(media)
            if rformat is None:
                raise ValueError(f"unexpected Content-Type {media!r} for {form} results")
            # parsed lazily into a buffer: an answer cut short fails here, before any byte is sent
            ox.parse_query_results(body, format=rformat).serialize(buffer,
                                                                   format=OX_FORMATS[fmt])
        else:
            gformat = ox.RdfFormat.N_TRIPLES if media == "text/plain" \
                else ox.RdfFormat.from_media_type(media)
            if gformat is None:
                raise ValueError(f"unexpected Content-Type {media!r} for a {form} graph")
            triples = [q.triple if isinstance(q, ox.Quad) else q
                       for q in ox.parse(body, format=gformat)]
            items: list[Any] = [ox.Quad(t.subject, t.predicate, t.object) for t in triples] \
                if fmt in DATASET_FORMATS else triples
            ox.serialize(items, buffer, format=OX_FORMATS[fmt])
    except ResultTooLarge:
        return _too_large(form, limit)
    except (SyntaxError, ValueError) as exc:
        if isinstance(exc.__cause__, ResultTooLarge) or "ResultTooLarge" in repr(exc):
            return _too_large(form, limit)
        return Outcome(502, form=form, error="backend-error",
                       message=f"the SPARQL backend's answer is incomplete or malformed: {exc}")
    except Exception as exc:
        if isinstance(exc.__cause__, ResultTooLarge) or "ResultTooLarge" in repr(exc):
            return _too_large(form, limit)
        raise
    return buffer.outcome(form, fmt)
