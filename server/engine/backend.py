"""Where queries run: the embedded store (killable worker processes) or a remote SPARQL endpoint.

Every route and page runs its queries through one small interface, `Backend.execute(job,
timeout, client) -> Outcome`, so `/sparql`, the saved queries, the Linked Data pages, the
dispute view and the link report work the same on both. Both do the same before running:

1. per-client limits (server.engine.clients) for a request that names its client: 429;
2. one reading of the query (server.engine.guard), in this process, before any worker is used: 400
   syntax or ambiguity, 403 updates and SERVICE off the allowlist; a large text is read on a
   thread so the event loop keeps answering;
3. federation by the server (server.engine.federation): each allowlisted SERVICE block's answer is
   fetched here and written into the canonical text as VALUES;
4. the canonical text runs, under the request's deadline; a syntax error the engine finds in
   it is reported at its place in the user's text (400).

- `EmbeddedBackend`: the worker pool over the on-disk Oxigraph store (server.engine.workers), whose
  workers have no network (server.engine.isolation); where they could not be isolated, every SERVICE
  is refused.
- `RemoteBackend` (`kg serve --backend URL`): any SPARQL 1.1 endpoint over HTTP, sent the
  canonical text with its BASE (so the remote engine never federates either), plus a refusal
  of Virtuoso's engine built-ins (`bif:`, `sql:`); saved-query parameters are written into the
  text as validated RDF terms (server.engine.substitute); a bounded number of requests in
  flight (503 busy); the answer is streamed under a byte cap (507), parsed completely (an
  answer the engine cut short is a 502, never a 200) and re-serialised natively in the
  negotiated format.

The remote endpoint's default graph must be the union of the dataset's named graphs, as in the
embedded store (`oxigraph serve-read-only --union-default-graph`; Virtuoso does so by default).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import IO, TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlencode

import pyoxigraph as ox

from kg.sparql_lexer import SparqlLexError, lex
from server.engine.clients import ClientLimits, Priority
from server.engine.evaluate import CappedBuffer, Job, Outcome, Task, result_too_large, too_large
from server.engine.federation import Federator
from server.engine.formats import OX_FORMATS
from server.engine.guard import QueryRejected, Reading, read_query
from server.engine.substitute import SubstitutionError, substitute
from server.engine.workers import WorkerPool

if TYPE_CHECKING:  # httpx is imported only when a remote backend is used
    import httpx

TRANSFER_FACTOR = 4  # the engine's JSON / N-Triples may be this much wordier than the result
ERROR_EXCERPT = 2000  # characters of an engine's error message passed on
READ_IN_LOOP = 64 << 10  # characters: longer queries are read on a thread
RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
GRAPH_ACCEPT = ("application/n-triples, text/turtle;q=0.9, application/n-quads;q=0.8, "
                "application/rdf+xml;q=0.5")
ENGINE_BUILTINS = re.compile(r"(?i)^(?:bif|sql):")
DATASET_FORMATS = ("nquads", "trig")


class Backend(Protocol):
    """What the routes need from a query engine."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def execute(self, job: Job, timeout: float, client: str | None = None) -> Outcome:
        """Check and run one query under a deadline; never raises. `client` (the peer address)
        puts the request under the per-client limits."""
        ...

    def retry_after(self, timeout: float) -> int:
        """Seconds a client should wait before retrying a 503."""
        ...

    def health(self) -> dict[str, Any]:
        """What /health reports about the engine (never waits for a worker)."""
        ...


class _Engine:
    """What both backends do around running a query (see the module doc)."""

    federate = True  # whether SERVICE blocks may be fetched at all

    def __init__(self, clients: ClientLimits | None = None) -> None:
        self.clients = clients or ClientLimits()
        self.federation = Federator()

    async def execute(self, job: Job, timeout: float, client: str | None = None) -> Outcome:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if client is None:
            return await self._execute(job, timeout, deadline, self.clients.priority(None))
        refusal, start = self.clients.admit(client)
        if refusal is not None:
            return refusal
        outcome = Outcome(499, error="cancelled")  # the request went away
        try:
            outcome = await self._execute(job, timeout, deadline, self.clients.priority(client))
            return outcome
        finally:
            self.clients.finish(client, start, outcome)

    async def _execute(self, job: Job, timeout: float, deadline: float,
                       priority: Priority) -> Outcome:
        try:
            text = self._text(job)
            reading = await _read(text, job, self.federate)
        except SubstitutionError as exc:
            return Outcome(422, error="bad-parameter", message=str(exc))
        except QueryRejected as exc:
            return Outcome(exc.status, error=exc.error, message=exc.message,
                           details=exc.details)
        fmt = job.results_format if reading.kind == "results" else job.graph_format
        if fmt is None:
            return Outcome(406, form=reading.form, error="not-acceptable",
                           message=f"no acceptable media type for a {reading.form} query")
        answers = await self.federation.answers(reading, deadline, job.max_bytes, timeout)
        if isinstance(answers, Outcome):
            return answers
        return await self._run(reading, answers, job, timeout, deadline, priority)

    def _text(self, job: Job) -> str:
        return job.query

    async def _run(self, reading: Reading, answers: Sequence[str], job: Job, timeout: float,
                   deadline: float, priority: Priority) -> Outcome:
        raise NotImplementedError

    async def start(self) -> None:
        await self.federation.start()

    async def close(self) -> None:
        await self.federation.close()

    def _health(self) -> dict[str, Any]:
        return {"clients": self.clients.health(), "federation": dict(self.federation.calls)}


async def _read(text: str, job: Job, federate: bool) -> Reading:
    """server.engine.guard's reading, on a thread for a long text."""
    if len(text) > READ_IN_LOOP:
        return await asyncio.to_thread(read_query, text, job.service_allow, job.base, federate)
    return read_query(text, job.service_allow, job.base, federate)


class EmbeddedBackend(_Engine):
    """The on-disk store, queried in killable worker processes without a network."""

    def __init__(self, pool: WorkerPool, clients: ClientLimits | None = None) -> None:
        super().__init__(clients)
        self.pool = pool

    @property
    def federate(self) -> bool:  # type: ignore[override]
        """SERVICE is fetched by the server only while every worker is off the network."""
        return self.pool.isolation.isolated

    async def start(self) -> None:
        await super().start()
        await self.pool.start()

    async def close(self) -> None:
        await self.pool.close()
        await super().close()

    async def _run(self, reading: Reading, answers: Sequence[str], job: Job, timeout: float,
                   deadline: float, priority: Priority) -> Outcome:
        task = Task.of(reading, job, answers)
        outcome = await self.pool.execute(task, timeout, deadline=deadline, priority=priority)
        if outcome.status == 400 and outcome.error == "syntax-error":  # pyoxigraph's, placed
            placed = reading.syntax_error(outcome.message, answers)
            return replace(outcome, message=placed.message, details=placed.details)
        return outcome

    def retry_after(self, timeout: float) -> int:
        return self.pool.retry_after(timeout)

    def health(self) -> dict[str, Any]:
        pool = self.pool
        return {"backend": "embedded", "workers": pool.health(),
                "service": "fetched by the server" if self.federate else "refused: the query "
                "workers could not be taken off the network", **self._health()}


class RemoteBackend(_Engine):
    """A SPARQL 1.1 endpoint over HTTP, behind the same policy and limits as the embedded one."""

    def __init__(self, url: str, concurrency: int, queue_wait: float,
                 clients: ClientLimits | None = None) -> None:
        super().__init__(clients)
        self.url = url
        self.concurrency = max(1, concurrency)
        self.queue_wait = queue_wait
        self._slots = asyncio.Semaphore(self.concurrency)
        self._in_flight = 0
        self._client: httpx.AsyncClient | None = None
        self.counts = {"timeout": 0, "too-large": 0, "backend-error": 0, "unavailable": 0}

    async def start(self) -> None:
        import httpx

        await super().start()
        self._client = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=self.concurrency),
            follow_redirects=False, trust_env=False,
            headers={"User-Agent": "dispute-kg (kg serve --backend)"})

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        await super().close()

    def retry_after(self, timeout: float) -> int:
        return max(1, min(10, int(timeout / 2) or 1))

    def health(self) -> dict[str, Any]:
        return {"backend": self.url, "concurrency": self.concurrency,
                "in_flight": self._in_flight, "stopped": dict(self.counts),
                "service": "fetched by the server", **self._health()}

    def _text(self, job: Job) -> str:
        text = substitute(job.query, job.substitutions)
        builtin = _engine_builtin(text)
        if builtin:
            raise _ExtensionForbidden(builtin)
        return text

    async def _execute(self, job: Job, timeout: float, deadline: float,
                       priority: Priority) -> Outcome:
        try:
            return await super()._execute(job, timeout, deadline, priority)
        except _ExtensionForbidden as exc:
            return Outcome(403, error="extension-forbidden",
                           message=f"{exc}: engine-specific built-in functions are not allowed "
                           "through this endpoint")

    async def _run(self, reading: Reading, answers: Sequence[str], job: Job, timeout: float,
                   deadline: float, priority: Priority) -> Outcome:
        text = reading.with_base(answers)
        builtin = _engine_builtin(text)  # prefixed names are expanded now
        if builtin:
            return Outcome(403, form=reading.form, error="extension-forbidden",
                           message=f"{builtin}: engine-specific built-in functions are not "
                           "allowed through this endpoint")
        loop = asyncio.get_running_loop()
        started = loop.time()
        outcome = await self._exchange(reading, answers, text, job, timeout, deadline)
        return replace(outcome, ran=loop.time() - started)

    async def _exchange(self, reading: Reading, answers: Sequence[str], text: str, job: Job,
                        timeout: float, deadline: float) -> Outcome:
        """Send the canonical text to the engine and bring its answer back, re-serialised."""
        import httpx

        fmt = job.results_format if reading.kind == "results" else job.graph_format
        assert fmt is not None  # checked before
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(self._slots.acquire(),
                                   max(0.0, min(self.queue_wait, deadline - loop.time())))
        except TimeoutError:
            return Outcome(503, error="busy", retry_after=self.retry_after(timeout),
                           message="all backend connections are busy; retry shortly")
        self._in_flight += 1
        try:
            async with asyncio.timeout(max(0.0, deadline - loop.time())):
                status, ctype, body, sql_state = await self._fetch(job, text, reading.kind,
                                                                   timeout)
        except TimeoutError:
            self.counts["timeout"] += 1
            return Outcome(504, form=reading.form, error="timeout",
                           message=f"the query was stopped after {timeout:g} s",
                           details={"timeout": timeout})
        except _TooLarge:
            self.counts["too-large"] += 1
            return result_too_large(reading.form, job.max_bytes)
        except httpx.HTTPError as exc:
            self.counts["unavailable"] += 1
            return Outcome(503, form=reading.form, error="backend-unavailable",
                           message=f"the SPARQL backend did not answer: {type(exc).__name__}")
        finally:
            self._in_flight -= 1
            self._slots.release()
        if sql_state:  # Virtuoso's "anytime" answer: a partial result sent as 200
            self.counts["timeout"] += 1
            return Outcome(504, form=reading.form, error="timeout",
                           message=f"the backend stopped the query early ({sql_state}); "
                           "its partial result is not passed on")
        if status == 400:  # the engine could not parse the canonical text: the query's fault
            placed = reading.syntax_error(body[:ERROR_EXCERPT].decode("utf-8", "replace"),
                                          answers, lines_before=1 if reading.base else 0)
            return Outcome(400, form=reading.form, error=placed.error, message=placed.message,
                           details=placed.details)
        if status != 200:
            self.counts["backend-error"] += 1
            return Outcome(502, form=reading.form, error="backend-error",
                           message=f"the SPARQL backend answered {status}: "
                           + body[:ERROR_EXCERPT].decode("utf-8", "replace").strip(),
                           details={"backend_status": status})
        return _transcode(body, ctype, reading.kind, reading.form, fmt, job.max_bytes)

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


class _ExtensionForbidden(Exception):
    """A Virtuoso built-in (`bif:`, `sql:`) in a query for a remote engine."""


def _engine_builtin(text: str) -> str:
    """The first `bif:` / `sql:` prefixed name or IRI outside strings and comments, else ''."""
    try:
        tokens = lex(text)
    except SparqlLexError:
        return ""  # the guard says what is wrong with it
    for tok in tokens:
        if tok.kind in ("iri", "pname") and ENGINE_BUILTINS.match(tok.value):
            return tok.text
    return ""


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
            results: Any = ox.parse_query_results(body, format=rformat)
            results.serialize(buffer, format=OX_FORMATS[fmt])
        else:
            gformat = ox.RdfFormat.N_TRIPLES if media == "text/plain" \
                else ox.RdfFormat.from_media_type(media)
            if gformat is None:
                raise ValueError(f"unexpected Content-Type {media!r} for a {form} graph")
            triples = [q.triple if isinstance(q, ox.Quad) else q
                       for q in ox.parse(body, format=gformat)]
            items: list[Any] = [ox.Quad(t.subject, t.predicate, t.object) for t in triples] \
                if fmt in DATASET_FORMATS else triples
            ox.serialize(items, cast(IO[bytes], buffer), format=OX_FORMATS[fmt])  # type: ignore[arg-type]
    except Exception as exc:
        buffer.discard()
        if too_large(exc):
            return result_too_large(form, limit)
        if isinstance(exc, SyntaxError | ValueError):
            return Outcome(502, form=form, error="backend-error",
                           message=f"the SPARQL backend's answer is incomplete or malformed: "
                           f"{exc}")
        raise
    return buffer.outcome(form, fmt)
