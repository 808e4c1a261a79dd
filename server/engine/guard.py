"""Query policy on one reading of the query: check its tokens, and write the text that runs.

The query is read once, by kg.sparql_lexer (the SPARQL 1.1 terminals as pyoxigraph reads them;
texts the two could read differently are refused). The checks run on that token stream:

- the form: SELECT, ASK, CONSTRUCT or DESCRIBE; an update (INSERT, DELETE, LOAD, ...) is 403;
- SERVICE: the IRI, after prefix expansion and BASE resolution, must be on the allowlist (403;
  `SERVICE ?var` 403); a SERVICE nested in an allowlisted one is the remote endpoint's to run;
- size: brackets nested deeper than MAX_DEPTH, or more than MAX_OPERATORS operators (each adds
  a level to pyoxigraph's recursive parse and plan), are refused (400) well below the depth at
  which pyoxigraph's parser overflows its stack and kills the worker (see MAX_DEPTH).

What runs is never the request's text but the canonical text re-emitted from these tokens
(`Reading.text`): no comments, no code point escapes, every IRI and prefixed name written as an
absolute IRI (relative IRIs resolved against the last BASE, else the base given, the endpoint's
URL), strings re-escaped by kg.sparql_lexer.write_string, keywords in capitals, one space or the
user's line breaks between tokens. Each allowlisted SERVICE block is cut out of that text: the
server fetches its answer (server.engine.federation) and the text runs with the answer written
in its place as a VALUES block, so the engine never connects anywhere.

A syntax error found by pyoxigraph in the canonical text is reported at the position of the
user's text it comes from (`Reading.origin`).

Readings are cached per process by (text, allowlist, base, federation allowed) in a bounded
LRU; texts over VERDICT_CACHE_MAX_CHARS characters are read every time. Rejections are cached
too and raised again as new exceptions of the same class, status, message and details.
"""

from __future__ import annotations

import bisect
import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyoxigraph as ox

from kg.iri_reference import AmbiguousReference, is_absolute, resolve
from kg.sparql_lexer import (
    FUNCTIONS,
    UPDATE_WORDS,
    SparqlLexError,
    Token,
    lex,
    line_column,
    words,
    write_iri,
    write_string,
)

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# pyoxigraph 0.5.13's parser overflows the stack (SIGSEGV, the worker dies) at ~830 nested
# FILTER EXISTS groups, ~2,190 nested groups, ~4,670 nested parentheses, and at ~2,600 chained
# BINDs or MINUS, ~6,500 UNIONs, ~6,900 '+' (bench/guard_cost.py --depths measures them)
MAX_DEPTH = 128  # brackets ({ ( [) open at once
MAX_OPERATORS = 1000  # operators and pattern keywords in the whole query
VERDICT_CACHE_SIZE = 256  # readings kept per process (least recently used dropped first)
VERDICT_CACHE_MAX_CHARS = 16_384  # longer texts are read every time, never cached
_OPERATOR_PUNCT = words("|| && = != < > <= >= + - * / ! | ^ ?")
_OPERATOR_WORDS = words("UNION OPTIONAL MINUS BIND FILTER GRAPH SERVICE VALUES IN NOT EXISTS")
_CLOSE = {"}": "{", ")": "(", "]": "["}
_ERROR_AT = re.compile(r"error at (\d+):(\d+): ?(.*)", re.S)


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


class AmbiguousQuery(QueryRejected):
    """Text that SPARQL 1.1 and pyoxigraph could read differently: refused, not guessed."""

    status = 400
    error = "ambiguous-query"


class QueryTooComplex(QueryRejected):
    status = 400
    error = "query-too-complex"


class UpdateForbidden(QueryRejected):
    status = 403
    error = "update-forbidden"


class ServiceForbidden(QueryRejected):
    status = 403
    error = "service-forbidden"


@dataclass(frozen=True)
class ServiceCall:
    """One allowlisted SERVICE block, cut out of the canonical text."""

    iri: str
    silent: bool
    pattern: str  # the block's canonical text, braces included
    variables: tuple[str, ...]  # the variables named in the block (without ? or $)
    offset: int  # where SERVICE starts in the user's text

    def query(self) -> str:
        """What the remote endpoint is asked (as pyoxigraph would ask it)."""
        return f"SELECT * WHERE {self.pattern}"


@dataclass(frozen=True)
class Reading:
    """A query that passed the policy: its canonical text and what the endpoint needs to know.

    `parts` holds the canonical text split at each SERVICE block (one more part than
    services); `text(answers)` joins them with the answers' VALUES blocks."""

    parts: tuple[str, ...]
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    has_dataset: bool  # the query has FROM / FROM NAMED
    base: str | None  # the base IRI in force after the prologue (for IRI() and friends)
    services: tuple[ServiceCall, ...] = ()
    source: str = field(default="", repr=False)  # the user's text
    marks: tuple[int, ...] = field(default=(), repr=False)  # canonical start of each token
    ends: tuple[int, ...] = field(default=(), repr=False)  # canonical end of each token
    origins: tuple[int, ...] = field(default=(), repr=False)  # its start in the user's text
    lengths: tuple[int, ...] = field(default=(), repr=False)  # its length in the user's text
    slots: tuple[int, ...] = field(default=(), repr=False)  # canonical offsets of the blocks

    @property
    def kind(self) -> str:
        """'results' for SELECT/ASK, 'graph' for CONSTRUCT/DESCRIBE."""
        return "results" if self.form in ("SELECT", "ASK") else "graph"

    def text(self, answers: Sequence[str] = ()) -> str:
        """The canonical text, with each SERVICE block's answer (a VALUES block) in place."""
        if not self.services:
            return self.parts[0]
        if len(answers) != len(self.services):
            raise ValueError(f"{len(self.services)} SERVICE answers needed, {len(answers)} given")
        out = [self.parts[0]]
        for answer, part in zip(answers, self.parts[1:], strict=True):
            out += (answer, part)
        return "".join(out)

    def with_base(self, answers: Sequence[str] = ()) -> str:
        """The canonical text for an engine that takes only text: the BASE declared first, on
        a line of its own (`syntax_error(…, lines_before=1)` places the engine's errors)."""
        text = self.text(answers)
        return f"BASE {write_iri(self.base)}\n{text}" if self.base else text

    def origin(self, line: int, column: int, answers: Sequence[str] = ()) -> tuple[int, int]:
        """The line and column in the user's text of a position in `text(answers)`."""
        return line_column(self.source, self.origin_offset(line, column, answers))

    def origin_offset(self, line: int, column: int, answers: Sequence[str] = ()) -> int:
        """The offset in the user's text of a position in `text(answers)`."""
        canonical = self.text(answers)
        lines = canonical.split("\n")
        line = min(max(line, 1), len(lines))
        offset = sum(len(x) + 1 for x in lines[: line - 1]) + max(column, 1) - 1
        shift = 0
        for slot, answer, call in zip(self.slots, answers, self.services, strict=False):
            if offset < slot + shift:
                break
            if offset < slot + shift + len(answer):
                return call.offset
            shift += len(answer)
        offset -= shift
        i = bisect.bisect_right(self.marks, offset) - 1
        if i < 0:  # before the first token
            return self.origins[0] if self.origins else 0
        if offset >= self.ends[i]:  # in the space after token i: the next token, or the end
            return self.origins[i + 1] if i + 1 < len(self.origins) else len(self.source)
        inside = offset - self.marks[i]
        if self.ends[i] - self.marks[i] != self.lengths[i]:
            inside = 0  # rewritten token (an expanded IRI, a re-escaped string): its start
        return self.origins[i] + inside

    def syntax_error(self, message: str, answers: Sequence[str] = (),
                     lines_before: int = 0) -> QuerySyntaxError:
        """An engine's `error at L:C: …` (pyoxigraph's form) on the canonical text, placed in
        the user's text; `lines_before` lines were sent ahead of it (a BASE declaration)."""
        m = _ERROR_AT.search(message)
        if m is None or int(m.group(1)) <= lines_before:
            return QuerySyntaxError(f"syntax error: {_expected(message)}")
        offset = self.origin_offset(int(m.group(1)) - lines_before, int(m.group(2)), answers)
        line, column = line_column(self.source, offset)
        return QuerySyntaxError(f"syntax error at line {line}, column {column}: "
                                f"{_expected(m.group(3))}{self._hint(offset)}", line=line,
                                column=column)

    def _hint(self, offset: int) -> str:
        """A word on `<…>` read as a relative IRI where a comparison was probably meant."""
        if not self.source.startswith("<", offset):
            return ""
        end = self.source.find(">", offset)
        if end < 0 or is_absolute(self.source[offset + 1:end]):
            return ""
        return (f" ({self.source[offset:end + 1][:60]} is read as an IRI, as the SPARQL grammar "
                "reads it; put spaces around < and > used as comparisons)")


def _expected(text: str) -> str:
    """pyoxigraph's list of what it expected, cut to a readable length."""
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:300] + "…"


@dataclass(frozen=True)
class _Rejection:
    """A cached rejection: enough to raise an equal QueryRejected again."""

    cls: type[QueryRejected]
    message: str
    details: dict[str, Any]

    def exception(self) -> QueryRejected:
        """A new exception equal to the original (details copied: callers may mutate them)."""
        return self.cls(self.message, **copy.deepcopy(self.details))


def read_query(query: str, service_allow: Iterable[str] = (), base: str | None = None,
               federate: bool = True) -> Reading:
    """Read `query` and apply the policy, or raise a QueryRejected subclass.

    `base` resolves relative IRIs when the query declares no BASE (the endpoint's URL);
    `federate=False` refuses every SERVICE (the workers could not be isolated)."""
    allow = frozenset(service_allow)
    if len(query) > VERDICT_CACHE_MAX_CHARS:
        return _Reader(query, allow, base, federate).read()
    verdict = _cached_reading(query, allow, base, federate)
    if isinstance(verdict, _Rejection):
        raise verdict.exception()
    return verdict


@lru_cache(maxsize=VERDICT_CACHE_SIZE)
def _cached_reading(query: str, allow: frozenset[str], base: str | None,
                    federate: bool) -> Reading | _Rejection:
    try:
        return _Reader(query, allow, base, federate).read()
    except QueryRejected as exc:
        return _Rejection(type(exc), exc.message, copy.deepcopy(exc.details))


def verdict_cache_info() -> Any:
    """Hits, misses and size of this process's reading cache (functools' CacheInfo)."""
    return _cached_reading.cache_info()


def clear_verdict_cache() -> None:
    """Forget every cached reading."""
    _cached_reading.cache_clear()


def check_iri(iri: str) -> str:
    """`iri` if pyoxigraph accepts it as an absolute IRI, else ValueError."""
    ox.NamedNode(iri)
    if not is_absolute(iri):
        raise ValueError(f"{iri!r} is not an absolute IRI")
    return iri


def _glued(before: Token, token: Token) -> bool:
    """Whether `token` is written right after `before`: a built-in function's name and its
    `(` (pyoxigraph reads `COALESCE (…)` and `CONCAT (…)` as errors)."""
    return (before.kind == "word" and before.value in FUNCTIONS
            and (token.kind == "nil" or (token.kind == "punct" and token.value == "(")))


class _Reader:
    """One pass over the tokens: prologue, form, checks and the canonical text."""

    def __init__(self, query: str, allow: frozenset[str], base: str | None,
                 federate: bool) -> None:
        self.query = query
        self.allow = allow
        self.base = base
        self.federate = federate
        self.prefixes: dict[str, str] = {}

    def fail(self, cls: type[QueryRejected], message: str, offset: int) -> QueryRejected:
        line, column = line_column(self.query, offset)
        return cls(f"{message} (line {line}, column {column})", line=line, column=column)

    def read(self) -> Reading:
        if not self.query.strip():
            raise QuerySyntaxError("the query is empty")
        try:
            tokens = lex(self.query)
        except SparqlLexError as exc:
            cls = AmbiguousQuery if exc.ambiguous else QuerySyntaxError
            raise cls(f"{'ambiguous query' if exc.ambiguous else 'syntax error'} at line "
                      f"{exc.line}, column {exc.column}: {exc.message}", line=exc.line,
                      column=exc.column) from None
        # significant tokens, each with the number of line breaks before it
        sig: list[Token] = []
        breaks: list[int] = []
        pending = 0
        for t in tokens:
            if t.kind == "ws" or t.kind == "comment":
                pending += t.text.count("\n")
                continue
            sig.append(t)
            breaks.append(pending)
            pending = t.text.count("\n") if t.kind == "string" else 0
        i = self._prologue(sig)
        form = self._form(sig, i)
        self._limits(sig)
        return self._emit(sig, breaks, i, form)

    def _prologue(self, sig: list[Token]) -> int:
        """Apply BASE and PREFIX declarations; the index of the first token after them."""
        i = 0
        while i < len(sig) and sig[i].kind == "word" and sig[i].value in ("BASE", "PREFIX"):
            if sig[i].value == "BASE":
                if i + 1 >= len(sig) or sig[i + 1].kind != "iri":
                    raise self.fail(QuerySyntaxError, "BASE must be followed by an IRI",
                                    sig[i].start)
                self.base = self._iri(sig[i + 1])
                i += 2
            else:
                if (i + 2 >= len(sig) or sig[i + 1].kind != "pname"
                        or not sig[i + 1].value.endswith(":") or sig[i + 2].kind != "iri"):
                    raise self.fail(QuerySyntaxError, "PREFIX must be followed by a prefix "
                                    "name ending in ':' and an IRI", sig[i].start)
                self.prefixes[sig[i + 1].value[:-1]] = self._iri(sig[i + 2])
                i += 3
        return i

    def _form(self, sig: list[Token], i: int) -> str:
        if i >= len(sig):
            raise QuerySyntaxError("the query has no SELECT, ASK, CONSTRUCT or DESCRIBE")
        first = sig[i]
        if first.kind == "word" and first.value in UPDATE_WORDS:
            raise UpdateForbidden("SPARQL Update (including LOAD) is not allowed: this endpoint "
                                  "is read-only")
        if first.kind != "word" or first.value not in FORMS:
            raise self.fail(QuerySyntaxError, "expected SELECT, ASK, CONSTRUCT or DESCRIBE "
                            f"after the prologue, found {first.text[:40]!r}", first.start)
        return first.value

    def _limits(self, sig: list[Token]) -> None:
        """Bracket nesting and operator count (see MAX_DEPTH), and brackets that match."""
        stack: list[Token] = []
        operators = 0
        for t in sig:
            kind, value = t.kind, t.value
            if kind == "punct":
                if value in "{([":
                    stack.append(t)
                    if len(stack) > MAX_DEPTH:
                        raise self.fail(QueryTooComplex, f"brackets nested more than {MAX_DEPTH}"
                                        " deep", t.start)
                elif value in _CLOSE:
                    if not stack or stack[-1].value != _CLOSE[value]:
                        raise self.fail(QuerySyntaxError, f"unbalanced {value!r}", t.start)
                    stack.pop()
                elif value in _OPERATOR_PUNCT:
                    operators += 1
            elif (kind == "word" and value in _OPERATOR_WORDS) or (
                    kind == "number" and value[0] in "+-"):
                operators += 1
            if operators > MAX_OPERATORS:
                raise self.fail(QueryTooComplex, f"more than {MAX_OPERATORS} operators and "
                                "pattern keywords", t.start)
        if stack:
            raise self.fail(QuerySyntaxError, f"{stack[-1].value!r} is never closed",
                            stack[-1].start)

    def _iri(self, tok: Token) -> str:
        """The absolute IRI an IRI token or prefixed name stands for."""
        if tok.kind == "pname":
            prefix, _, local = tok.value.partition(":")
            if prefix not in self.prefixes:
                raise self.fail(QuerySyntaxError, f"the prefix {prefix}: is not declared",
                                tok.start)
            iri = self.prefixes[prefix] + local
        elif is_absolute(tok.value):
            iri = tok.value
        elif self.base is None:
            raise self.fail(QuerySyntaxError, f"the relative IRI {tok.text} needs a BASE",
                            tok.start)
        else:
            try:
                iri = resolve(self.base, tok.value)
            except AmbiguousReference as exc:
                raise self.fail(AmbiguousQuery, str(exc), tok.start) from None
        try:
            return check_iri(iri)
        except ValueError as exc:
            raise self.fail(QuerySyntaxError, f"{tok.text} is not a valid IRI: {exc}",
                            tok.start) from None

    def _emit(self, sig: list[Token], breaks: list[int], start: int, form: str) -> Reading:
        parts: list[str] = []
        out: list[str] = []
        size = 0
        marks: list[int] = []
        ends: list[int] = []
        origins: list[int] = []
        lengths: list[int] = []
        slots: list[int] = []
        services: list[ServiceCall] = []
        has_dataset = False
        i = start
        n = len(sig)
        while i < n:
            t = sig[i]
            if t.kind == "word" and t.value == "FROM":
                has_dataset = True
            if t.kind == "word" and t.value == "SERVICE":
                call, i = self._service(sig, i)
                services.append(call)
                parts.append("".join(out))
                out = []
                slots.append(size)
                continue
            sep = "\n" * breaks[i] if breaks[i] else " "
            if i == start or (_glued(sig[i - 1], t) and not breaks[i]):
                sep = "\n" * breaks[i]
            text = self._canonical(t)
            marks.append(size + len(sep))
            size += len(sep) + len(text)
            ends.append(size)
            origins.append(t.start)
            lengths.append(len(t.text))
            out += (sep, text)
            i += 1
        parts.append("".join(out))
        return Reading(tuple(parts), form, has_dataset, self.base, tuple(services), self.query,
                       tuple(marks), tuple(ends), tuple(origins), tuple(lengths), tuple(slots))

    def _canonical(self, t: Token) -> str:
        kind = t.kind
        if kind == "iri" or kind == "pname":
            return write_iri(self._iri(t))
        if kind == "string":
            return write_string(t.value)
        if kind == "word":
            return t.value.lower() if t.value in ("TRUE", "FALSE") else t.value
        if kind == "nil":
            return "()"
        if kind == "anon":
            return "[]"
        return t.text  # var, bnode, langtag, number, punct

    def _service(self, sig: list[Token], i: int) -> tuple[ServiceCall, int]:
        """Check the SERVICE at sig[i]; its call and the index after its block."""
        keyword = sig[i]
        j = i + 1
        silent = j < len(sig) and sig[j].kind == "word" and sig[j].value == "SILENT"
        j += silent
        if j >= len(sig) or sig[j].kind not in ("iri", "pname", "var"):
            raise self.fail(QuerySyntaxError, "SERVICE must be followed by an IRI and a group",
                            keyword.start)
        name = sig[j]
        if name.kind == "var":
            raise self.fail(ServiceForbidden, f"SERVICE {name.text} is refused: the service IRI "
                            "must be a constant on the allowlist", name.start)
        iri = self._iri(name)
        if not self.federate:
            raise ServiceForbidden(
                f"SERVICE <{iri}> is refused: this server could not take its query workers off "
                "the network, so it runs no federated query (see /health)", service=iri)
        if iri not in self.allow:
            raise ServiceForbidden(f"SERVICE <{iri}> is not on this endpoint's allowlist",
                                   service=iri, allowed=sorted(self.allow))
        j += 1
        if j >= len(sig) or sig[j].value != "{" or sig[j].kind != "punct":
            raise self.fail(QuerySyntaxError, "SERVICE needs a group { … } after its IRI",
                            name.start)
        depth = 0
        body: list[str] = []
        variables: dict[str, None] = {}
        while j < len(sig):
            t = sig[j]
            if t.kind == "punct" and t.value == "{":
                depth += 1
            elif t.kind == "punct" and t.value == "}":
                depth -= 1
            elif t.kind == "var":
                variables.setdefault(t.value[1:])
            if body and not _glued(sig[j - 1], t):
                body.append(" ")
            body.append(self._canonical(t))
            j += 1
            if depth == 0:
                break
        return ServiceCall(iri, bool(silent), "".join(body), tuple(variables),
                           keyword.start), j
