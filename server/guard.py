"""Query policy: parse every query with rdflib before pyoxigraph sees it.

Refuses updates (and so LOAD), SERVICE calls outside the allowlist or with a variable IRI, and
anything rdflib cannot parse: a query that was not checked is never evaluated.

rdflib's parser is slow (about 1 ms for a one-pattern lookup, 20-80 ms for the saved queries), so
the verdict is cached per worker process by (query text, allowlist) in a bounded LRU
(`VERDICT_CACHE_SIZE` entries; texts over `VERDICT_CACHE_MAX_CHARS` characters are checked every
time and never cached). The verdict is a pure function of those two inputs, so a cached answer
is the answer a fresh parse would give; rejections are cached too and raised again as new
exceptions of the same class, with the same status, message and details.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
VERDICT_CACHE_SIZE = 256  # verdicts kept per process (least recently used dropped first)
VERDICT_CACHE_MAX_CHARS = 16_384  # longer query texts are parsed every time, never cached


class QueryRejected(Exception):
    """A query the endpoint will not evaluate; `status` is the HTTP status to answer."""

    status = 400
    error = "bad-request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class QuerySyntaxError(QueryRejected):
    status = 400
    error = "syntax-error"


class UpdateForbidden(QueryRejected):
    status = 403
    error = "update-forbidden"


class ServiceForbidden(QueryRejected):
    status = 403
    error = "service-forbidden"


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the policy, with what the endpoint needs to know about it."""

    text: str  # with \\u escapes decoded: exactly what rdflib checked and pyoxigraph evaluates
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    has_dataset: bool  # the query has FROM / FROM NAMED
    services: tuple[str, ...]  # the SERVICE IRIs it calls (all allowlisted)

    @property
    def kind(self) -> str:
        """'results' for SELECT/ASK, 'graph' for CONSTRUCT/DESCRIBE."""
        return "results" if self.form in ("SELECT", "ASK") else "graph"


def decode_escapes(text: str) -> str:
    """Apply SPARQL's \\uXXXX / \\UXXXXXXXX code point escapes, as both parsers must agree."""

    def repl(m: re.Match[str]) -> str:
        cp = int(m.group(1) or m.group(2), 16)
        if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
            raise QuerySyntaxError(f"invalid code point escape {m.group(0)}")
        return chr(cp)

    return _ESCAPE.sub(repl, text)


@dataclass(frozen=True)
class _Rejection:
    """A cached rejection: enough to raise an equal QueryRejected again."""

    cls: type[QueryRejected]
    message: str
    details: dict[str, Any]

    def exception(self) -> QueryRejected:
        """A new exception equal to the original (details copied: callers may mutate them)."""
        return self.cls(self.message, **copy.deepcopy(self.details))


def check_query(query: str, service_allow: Iterable[str]) -> CheckedQuery:
    """Parse `query` and apply the policy, or raise a QueryRejected subclass.

    Verdicts (both kinds) are served from a per-process LRU cache keyed by the query text and
    the allowlist; see the module docstring.
    """
    allow = frozenset(service_allow)
    if len(query) > VERDICT_CACHE_MAX_CHARS:
        return _check(query, allow)
    verdict = _cached_verdict(query, allow)
    if isinstance(verdict, _Rejection):
        raise verdict.exception()
    return verdict


@lru_cache(maxsize=VERDICT_CACHE_SIZE)
def _cached_verdict(query: str, allow: frozenset[str]) -> CheckedQuery | _Rejection:
    """The verdict on one (query, allowlist): the checked query or the rejection."""
    try:
        return _check(query, allow)
    except QueryRejected as exc:
        return _Rejection(type(exc), exc.message, copy.deepcopy(exc.details))


def verdict_cache_info() -> Any:
    """Hits, misses and size of this process's verdict cache (functools' CacheInfo)."""
    return _cached_verdict.cache_info()


def clear_verdict_cache() -> None:
    """Forget every cached verdict (tests, or after changing the policy code at run time)."""
    _cached_verdict.cache_clear()


def _check(query: str, allow: frozenset[str]) -> CheckedQuery:
    """The uncached check: parse with rdflib and apply the policy."""
    if not query.strip():
        raise QuerySyntaxError("the query is empty")
    text = decode_escapes(query)
    try:
        parsed = parseQuery(text)
    except ParseBaseException as exc:
        if _is_update(text):
            raise UpdateForbidden(
                "SPARQL Update (including LOAD) is not allowed: this endpoint is read-only"
            ) from None
        raise QuerySyntaxError(
            f"syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}",
            line=exc.lineno,
            column=exc.col,
        ) from None
    except Exception as exc:  # rdflib raises a few non-pyparsing errors on odd input
        raise QuerySyntaxError(f"the query could not be parsed: {exc}") from None
    prologue_part, body = parsed[0], parsed[1]
    try:
        prologue = translatePrologue(prologue_part, None)
    except Exception as exc:
        raise QuerySyntaxError(f"bad prologue: {exc}") from None
    form = FORMS.get(body.name)
    if form is None:
        raise QuerySyntaxError(f"unsupported query form {body.name}")
    services: list[str] = []
    for node in _walk(body):
        if node.name != "ServiceGraphPattern":
            continue
        term = node["term"] if "term" in node else None  # noqa: SIM401 (CompValue.get echoes)
        if isinstance(term, Variable):
            raise ServiceForbidden(
                f"SERVICE ?{term} is refused: the service IRI must be a constant on the allowlist"
            )
        try:
            iri = str(prologue.absolutize(term))
        except Exception as exc:
            raise QuerySyntaxError(f"bad SERVICE IRI: {exc}") from None
        if iri not in allow:
            raise ServiceForbidden(
                f"SERVICE <{iri}> is not on this endpoint's allowlist",
                service=iri,
                allowed=sorted(allow),
            )
        services.append(iri)
    has_dataset = "datasetClause" in body and bool(body["datasetClause"])
    return CheckedQuery(text=text, form=form, has_dataset=has_dataset, services=tuple(services))


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except Exception:
        return False
    return True


def _walk(node: Any) -> Iterator[CompValue]:
    """Every CompValue in an rdflib parse tree, depth first."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, CompValue):
            yield cur
            stack.extend(cur.values())
        elif isinstance(cur, dict):
            stack.extend(cur.values())
        elif isinstance(cur, list | tuple) or type(cur).__name__ == "ParseResults":
            stack.extend(list(cur))
        elif isinstance(cur, URIRef | str):
            continue
