"""Saved queries: each `queries/*.rq` file with its metadata header is one catalogue entry.

Header keys (YAML behind `#+`): title {en, fr}, description, params (a mapping
name → {type, description, default, allowed, example}), example (a mapping of example values).
Types: iri, wikidata-id, date, integer, string, lang-string. Values are validated first, then
bound with pyoxigraph `substitutions`: never pasted into the query text.

How a bound parameter behaves (pyoxigraph 0.5): it becomes a constant in triple patterns and
comparisons and in the projection, but BOUND(), BIND and OPTIONAL do not see it. So a parameter
must appear in the SELECT projection and constrain through a required triple pattern or a
comparison; an optional one filters with `FILTER(COALESCE(?value = ?param, true))` (all rows when
unset). Never use a parameter only inside OPTIONAL: it would be stamped on rows it does not
match. tests/test_saved_queries.py checks every parameter with a value that matches nothing.
A parameter with a default also names it in the text (`COALESCE(?lang, "en")`), so the query
gives the same rows when run as written in the editor.

Paging (header key `paging: {unit: dispute, size: 25, max: 500}`): the query's first subquery
picks the units (one row per `?unit`, in a total order) and ends with its ORDER BY; the rest of
the query looks up what each unit needs. A page is that text with `LIMIT size OFFSET …` written
after the subquery's ORDER BY, so a page holds whole units and consecutive pages are disjoint;
the text as written (no LIMIT) is the whole answer. The outer ORDER BY must begin with the
subquery's order key, so that the pages, one after the other, are the whole answer row for row.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from kg.annotations import AnnotationError
from kg.config import QUERIES_DIR
from kg.queryfiles import parse_query_file
from kg.sparql_lexer import SparqlLexError, lex

ParamType = Literal["iri", "wikidata-id", "date", "integer", "string", "lang-string"]
PARAM_TYPES = ("iri", "wikidata-id", "date", "integer", "string", "lang-string")
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")


class ParamError(ValueError):
    """A parameter value that does not fit its declared type."""

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        super().__init__(f"parameter '{param}': {message}")


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType
    description: str = ""
    default: str | None = None
    allowed: tuple[str, ...] = ()
    example: str | None = None

    def term(self, raw: str) -> ox.NamedNode | ox.Literal:
        """Validate a raw value and turn it into the RDF term that is bound."""
        value = raw  # exact: surrounding white space is an error, not something to guess about
        if self.allowed and value not in self.allowed:
            raise ParamError(self.name, f"{value!r} is not one of {', '.join(self.allowed)}")
        if self.type == "iri":
            if not _IRI.fullmatch(value):
                raise ParamError(self.name, f"{value!r} is not an absolute IRI")
            try:
                return ox.NamedNode(value)  # what the engine will accept (percent-encoding, …)
            except ValueError as exc:
                raise ParamError(self.name, f"{value!r} is not a valid IRI: {exc}") from None
        if self.type == "wikidata-id":
            if not re.fullmatch(r"Q[1-9][0-9]*", value):
                raise ParamError(self.name,
                                 f"{value!r} is not a Wikidata ID (Q followed by digits)")
            return ox.NamedNode(WIKIDATA_ENTITY + value)
        if self.type == "date":
            try:
                return ox.Literal(dt.date.fromisoformat(value).isoformat(),
                                  datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
            except ValueError:
                raise ParamError(self.name, f"{value!r} is not a date YYYY-MM-DD") from None
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?[0-9]{1,18}", value):  # fullmatch: no trailing newline
                raise ParamError(self.name, f"{value!r} is not an integer")
            return ox.Literal(str(int(value)),
                              datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        if self.type == "lang-string":
            match = re.fullmatch(r"(.*)@([a-zA-Z]{2,8}(?:-[a-zA-Z0-9]{1,8})*)", value, re.S)
            if not match:
                raise ParamError(self.name, f"{value!r} is not text@language (e.g. Kiev@fr)")
            return ox.Literal(match.group(1), language=match.group(2).lower())
        return ox.Literal(value)


class PageError(ValueError):
    """A paging parameter (`page`, `page_size`) that is not a valid value."""

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        super().__init__(f"parameter '{param}': {message}")


PAGE, PAGE_SIZE, ALL = "page", "page_size", "all"


@dataclass(frozen=True)
class Page:
    """One page of a paged query: `number` from 1; `size` units, or None for the whole answer."""

    number: int = 1
    size: int | None = None


@dataclass(frozen=True)
class Paging:
    """How a saved query is cut into pages of whole units (see the module doc)."""

    unit: str
    size: int
    max_size: int
    insert_at: int  # where `LIMIT … OFFSET …` goes: after the unit subquery's ORDER BY

    def page(self, values: dict[str, str]) -> Page:
        """The page that `page` and `page_size` ask for (defaults: page 1, `size` units)."""
        raw_number = values.get(PAGE, "1")
        if not re.fullmatch(r"[1-9][0-9]{0,8}", raw_number):
            raise PageError(PAGE, f"{raw_number!r} is not a page number (1, 2, …)")
        raw_size = values.get(PAGE_SIZE, str(self.size))
        if raw_size == ALL:
            if raw_number != "1":
                raise PageError(PAGE, f"page_size=all is the whole answer: there is no page "
                                f"{raw_number}")
            return Page(1, None)
        if not re.fullmatch(r"[1-9][0-9]{0,8}", raw_size) or int(raw_size) > self.max_size:
            raise PageError(PAGE_SIZE, f"{raw_size!r} is not a number of {self.unit}s from 1 "
                            f"to {self.max_size}, or `all` for the whole answer")
        return Page(int(raw_number), int(raw_size))

    def text(self, query: str, page: Page) -> str:
        """The query for one page (the query itself for the whole answer)."""
        if page.size is None:
            return query
        offset = (page.number - 1) * page.size
        cut = f" LIMIT {page.size}" + (f" OFFSET {offset}" if offset else "")
        return query[:self.insert_at] + cut + query[self.insert_at:]


@dataclass(frozen=True)
class SavedQuery:
    name: str
    path: Path
    title: dict[str, str]
    description: str
    query: str
    params: tuple[Param, ...] = ()
    example: dict[str, str] = field(default_factory=dict)
    kind: str = "SELECT"
    paging: Paging | None = None

    def split_paging(self, values: dict[str, str]) -> tuple[Page | None, dict[str, str]]:
        """The page asked for (None if the query is not paged) and the query's own values."""
        if self.paging is None:
            return None, values
        own = {k: v for k, v in values.items() if k not in (PAGE, PAGE_SIZE)}
        return self.paging.page(values), own

    def bind(self, values: dict[str, str]) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        """Validated substitutions for the given raw values (defaults filled in)."""
        known = {p.name: p for p in self.params}
        unknown = set(values) - set(known)
        if unknown:
            name = sorted(unknown)[0]
            raise ParamError(name, f"unknown parameter; this query takes "
                             f"{', '.join(known) or 'no parameters'}")
        bound = {}
        for param in self.params:
            raw = values.get(param.name, param.default)
            if raw is None or raw == "":
                continue
            bound[ox.Variable(param.name)] = param.term(str(raw))
        return bound


def _fail(path: Path, message: str) -> AnnotationError:
    return AnnotationError(path, f"metadata header: {message}", line=1)


def load_saved_query(path: Path) -> SavedQuery:
    """Parse and check one saved query file; any problem names the file."""
    qf = parse_query_file(path)
    meta = qf.meta
    if not _NAME.fullmatch(qf.name):
        raise _fail(path, f"file name {qf.name!r} must be lower-case words joined by hyphens")
    title = meta.get("title")
    if not (isinstance(title, dict) and {"en", "fr"} <= set(title)):
        raise _fail(path, "`title` must be a mapping with `en` and `fr`")
    unknown = set(meta) - {"title", "description", "params", "example", "tags", "paging"}
    if unknown:
        raise _fail(path, f"unknown key(s) {', '.join(sorted(unknown))}")
    params = []
    for name, spec in (meta.get("params") or {}).items():
        if not (isinstance(name, str) and _VAR.fullmatch(name)):
            raise _fail(path, f"parameter name {name!r} is not a SPARQL variable name")
        if not isinstance(spec, dict) or spec.get("type") not in PARAM_TYPES:
            raise _fail(path, f"parameter {name!r} needs `type`, one of {', '.join(PARAM_TYPES)}")
        extra = set(spec) - {"type", "description", "default", "allowed", "example"}
        if extra:
            raise _fail(path, f"parameter {name!r}: unknown key(s) {', '.join(sorted(extra))}")
        if f"?{name}" not in qf.query and f"${name}" not in qf.query:
            raise _fail(path, f"parameter {name!r} does not occur in the query as ?{name}")
        params.append(Param(name, spec["type"], str(spec.get("description", "")),
                            None if spec.get("default") is None else str(spec["default"]),
                            tuple(str(v) for v in spec.get("allowed") or ()),
                            None if spec.get("example") is None else str(spec["example"])))
    kind = _query_kind(path, qf.query)
    if kind is None:
        raise _fail(path, "the query must be a SELECT, ASK, CONSTRUCT or DESCRIBE")
    paging = None
    if meta.get("paging") is not None:
        if kind != "SELECT":
            raise _fail(path, "`paging` applies to SELECT queries only")
        if {PAGE, PAGE_SIZE} & {p.name for p in params}:
            raise _fail(path, f"with `paging`, no parameter may be called {PAGE} or {PAGE_SIZE}")
        paging = _paging(path, meta["paging"], qf.query)
    saved = SavedQuery(qf.name, path, {k: str(v) for k, v in title.items()},
                       " ".join(str(meta.get("description", "")).split()), qf.query,
                       tuple(params), {k: str(v) for k, v in (meta.get("example") or {}).items()},
                       kind, paging)
    for param in saved.params:  # defaults must be valid values themselves
        if param.default is not None:
            try:
                param.term(param.default)
            except ParamError as exc:
                raise _fail(path, f"default: {exc}") from None
    return saved


def _paging(path: Path, spec: object, query: str) -> Paging:
    """Check the `paging` header against the query and find where a page's LIMIT goes."""
    if not (isinstance(spec, dict) and set(spec) == {"unit", "size", "max"}
            and isinstance(spec["unit"], str) and _VAR.fullmatch(spec["unit"])
            and all(isinstance(spec[k], int) and spec[k] > 0 for k in ("size", "max"))
            and spec["size"] <= spec["max"]):
        raise _fail(path, "`paging` must be {unit: VARIABLE, size: N, max: M} with 0 < N <= M")
    unit = spec["unit"]
    toks = lex(query)
    starts = [i for i, t in enumerate(toks) if t.kind == "word" and t.value == "SELECT"]
    if len(starts) < 2:
        raise _fail(path, "`paging` needs a subquery `{ SELECT ?unit … ORDER BY … }` that picks "
                    "the units")
    first = starts[1]
    depth, end, words, in_projection, projected = 0, None, [], True, False
    for i in range(first, len(toks)):
        kind, text = toks[i].kind, toks[i].text
        if kind == "punct" and text == "{":
            depth += 1
            in_projection = False
        elif kind == "punct" and text == "}":
            if depth == 0:
                end = i
                break
            depth -= 1
        elif depth == 0 and kind == "word":
            words.append(toks[i].value)
        projected = projected or (in_projection and kind == "var" and text[1:] == unit)
    if end is None or not projected:
        raise _fail(path, f"the first subquery must project ?{unit}, the paging unit")
    if "ORDER" not in words or {"LIMIT", "OFFSET"} & set(words):
        raise _fail(path, "the first subquery must end with ORDER BY (a total order of the "
                    "units) and have no LIMIT or OFFSET of its own")
    last = end - 1  # the end of the last token before the subquery's `}` (not in a comment)
    while not toks[last].significant:
        last -= 1
    insert_at = toks[last].end
    return Paging(unit, spec["size"], spec["max"], insert_at)


def _query_kind(path: Path, query: str) -> str | None:
    """The query form: the first keyword after the BASE and PREFIX declarations."""
    try:
        toks = [t for t in lex(query) if t.significant]
    except SparqlLexError as exc:
        raise AnnotationError(path, f"the query: {exc}") from None
    i = 0
    while i < len(toks) and toks[i].kind == "word" and toks[i].value in ("BASE", "PREFIX"):
        i += 2 if toks[i].value == "BASE" else 3
    if i < len(toks) and toks[i].value in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        return toks[i].value
    return None


def load_catalogue(folder: Path = QUERIES_DIR) -> dict[str, SavedQuery]:
    """Every saved query in the folder (not the rules/ subfolder), by name."""
    return {p.stem: load_saved_query(p) for p in sorted(folder.glob("*.rq"))}
