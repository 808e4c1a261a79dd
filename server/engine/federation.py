"""Federation by the server: the answer of each allowlisted SERVICE block is fetched here, in
the main process, and written into the query as a VALUES block, so the engine (a worker with
no network, or a remote engine) evaluates data and never connects anywhere.

What the remote endpoint is asked is what pyoxigraph would ask it: `SELECT * WHERE { block }`
(the block's canonical text), by a URL-encoded POST, with Accept for SPARQL JSON and XML
results. The request has its own HTTP client (no redirects followed, no proxy from the
environment), the request's deadline, and the result size cap on the answer's bytes.

- The answer's rows become `VALUES (?v …) { (…) … }` over the block's variables that the
  answer binds (other columns are dropped), UNDEF where a row leaves one unbound. The engine
  joins it where the block was, as it would join the SERVICE's solutions.
- Blank nodes in an answer become IRIs `urn:x-dispute-kg:service-bnode:<uuid>:<label>`, one
  fresh uuid per answer: VALUES cannot hold blank nodes, and such an IRI, like a blank node of
  a remote answer, joins within that answer and matches nothing in the store. `isBlank` sees
  an IRI there. An answer holding RDF 1.2 triple terms or directional literals is refused.
- A failure (no connection, a status other than 200, an answer that is not SPARQL results)
  is 503 `service-unavailable`, naming the service and the failure, never quoting the remote's
  body; with SILENT it is one empty solution (`VALUES () { () }`), as SPARQL specifies. An
  answer over the size cap is 507 (SILENT: the empty solution).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.sparql_lexer import write_iri, write_literal
from server.engine.evaluate import Outcome
from server.engine.guard import Reading, ServiceCall

if TYPE_CHECKING:
    import httpx

ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
USER_AGENT = "dispute-kg (server-side SPARQL federation)"
EMPTY = " VALUES ( ) { ( ) } "  # one solution binding nothing: a SILENT failure
SKOLEM = "urn:x-dispute-kg:service-bnode:"
IN_LOOP_BYTES = 1 << 20  # answers up to this size are turned into VALUES on the event loop


class ServiceFailed(Exception):
    """A SERVICE call that gave no usable answer; `status` is what the request gets."""

    def __init__(self, call: ServiceCall, reason: str, status: int = 503,
                 error: str = "service-unavailable") -> None:
        super().__init__(reason)
        self.call, self.reason, self.status, self.error = call, reason, status, error


class Federator:
    """Fetches SERVICE answers with its own HTTP client (started with the backend)."""

    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None
        self.calls = {"answered": 0, "failed": 0, "silent": 0}

    async def start(self) -> None:
        import httpx

        self._client = httpx.AsyncClient(follow_redirects=False, trust_env=False,
                                         headers={"User-Agent": USER_AGENT})

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def answers(self, reading: Reading, deadline: float, max_bytes: int,
                      timeout: float) -> list[str] | Outcome:
        """The VALUES text standing for each SERVICE block of `reading`, in order, or the
        outcome that ends the request (503, 504 or 507)."""
        if not reading.services:
            return []
        loop = asyncio.get_running_loop()
        remaining = deadline - loop.time()
        try:
            async with asyncio.timeout(max(0.0, remaining)):
                return list(await asyncio.gather(
                    *(self._answer(call, max_bytes) for call in reading.services)))
        except TimeoutError:
            return Outcome(504, form=reading.form, error="timeout",
                           message=f"the query was stopped after {timeout:g} s, waiting for a "
                           "SERVICE endpoint to answer", details={"timeout": timeout})
        except ServiceFailed as exc:
            return Outcome(exc.status, form=reading.form, error=exc.error,
                           message=f"SERVICE <{exc.call.iri}> {exc.reason}",
                           details={"service": exc.call.iri})

    async def _answer(self, call: ServiceCall, max_bytes: int) -> str:
        try:
            values = await self._fetch(call, max_bytes)
        except ServiceFailed:
            self.calls["failed"] += 1
            if call.silent:
                self.calls["silent"] += 1
                return EMPTY
            raise
        self.calls["answered"] += 1
        return values

    async def _fetch(self, call: ServiceCall, max_bytes: int) -> str:
        import httpx

        assert self._client is not None, "Federator.start() was not called"
        try:
            async with self._client.stream(
                    "POST", call.iri, data={"query": call.query()},
                    headers={"Accept": ACCEPT}) as resp:
                if resp.status_code != 200:
                    raise ServiceFailed(call, f"answered HTTP {resp.status_code}")
                length = resp.headers.get("content-length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise _too_large(call, max_bytes)
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise _too_large(call, max_bytes)
                media = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        except httpx.HTTPError as exc:
            raise ServiceFailed(call, f"did not answer ({type(exc).__name__})") from None
        fmt = ox.QueryResultsFormat.from_media_type(media) if media else None
        if fmt is None:
            raise ServiceFailed(call, f"answered {media or 'no Content-Type'}, not SPARQL "
                                "results")
        try:
            if len(body) > IN_LOOP_BYTES:  # a large answer is parsed off the event loop
                return await asyncio.to_thread(_parse, call, bytes(body), fmt)
            return _parse(call, bytes(body), fmt)
        except (SyntaxError, ValueError) as exc:
            raise ServiceFailed(call, f"gave an answer that cannot be used: "
                                f"{str(exc)[:200]}") from None


def _too_large(call: ServiceCall, max_bytes: int) -> ServiceFailed:
    return ServiceFailed(call, f"answered more than {max_bytes} bytes, this endpoint's "
                         "result size cap", status=507, error="result-too-large")


def _parse(call: ServiceCall, body: bytes, fmt: ox.QueryResultsFormat) -> str:
    return values_block(call, ox.parse_query_results(body, format=fmt))


def values_block(call: ServiceCall, results: Any) -> str:
    """The VALUES block standing for a SERVICE's solutions (see the module doc)."""
    if not isinstance(results, ox.QuerySolutions):
        raise ValueError("the answer is not a table of solutions (an ASK result?)")
    answered = {v.value for v in results.variables}
    names = [v for v in call.variables if v in answered]
    labels = f"{SKOLEM}{uuid.uuid4().hex}:"
    rows = []
    for solution in results:
        rows.append("( " + " ".join(_term(solution[name], labels) for name in names) + " )")
    head = " ".join(f"?{v}" for v in names)
    return f" VALUES ( {head} ) {{ {' '.join(rows)} }} "


def _term(term: Any, labels: str) -> str:
    if term is None:
        return "UNDEF"
    if isinstance(term, ox.NamedNode):
        return write_iri(term.value)
    if isinstance(term, ox.BlankNode):
        return write_iri(labels + term.value)
    if isinstance(term, ox.Literal):
        if getattr(term, "direction", None) is not None:
            raise ValueError("a directional language-tagged literal (RDF 1.2)")
        return write_literal(term.value, term.language, term.datatype.value)
    raise ValueError(f"a {type(term).__name__} (RDF 1.2 triple term) cannot be passed on")
