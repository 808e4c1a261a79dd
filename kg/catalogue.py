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
            return ox.NamedNode(value)
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
    unknown = set(meta) - {"title", "description", "params", "example", "tags"}
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
    kind = _query_kind(qf.query)
    if kind is None:
        raise _fail(path, "the query must be a SELECT, ASK, CONSTRUCT or DESCRIBE")
    saved = SavedQuery(qf.name, path, {k: str(v) for k, v in title.items()},
                       " ".join(str(meta.get("description", "")).split()), qf.query,
                       tuple(params), {k: str(v) for k, v in (meta.get("example") or {}).items()},
                       kind)
    for param in saved.params:  # defaults must be valid values themselves
        if param.default is not None:
            try:
                param.term(param.default)
            except ParamError as exc:
                raise _fail(path, f"default: {exc}") from None
    return saved


def _query_kind(query: str) -> str | None:
    body = re.sub(r"(?m)^\s*#.*$", "", query)
    body = re.sub(r"(?is)^\s*((PREFIX\s+\S*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*", "", body)
    match = re.match(r"(?i)\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body)
    return match.group(1).upper() if match else None


def load_catalogue(folder: Path = QUERIES_DIR) -> dict[str, SavedQuery]:
    """Every saved query in the folder (not the rules/ subfolder), by name."""
    return {p.stem: load_saved_query(p) for p in sorted(folder.glob("*.rq"))}
