"""Bind saved-query parameters into the query text for a remote SPARQL endpoint.

The embedded store binds parameters with pyoxigraph `substitutions`; a remote endpoint takes
only text. A trailing `VALUES` block is not the same thing: it joins after the WHERE clause, so
a FILTER inside the group (`FILTER(LANG(?l) = COALESCE(?lang, "en"))`,
`FILTER(COALESCE(?n = ?sentence, true))`) would never see the value. Instead, every occurrence
of the variable as a token is replaced by the RDF term itself, which is what pyoxigraph's
substitution does in triple patterns, FILTER expressions and the projection:

- in the SELECT projection, `?p` becomes `(<term> AS ?p)`, so each row still carries the value;
- in a subquery's projection it is dropped: inside, it is the term everywhere, and projecting
  it would put `?p` in scope of the outer WHERE, where `(<term> AS ?p)` is then an error. A
  subquery that projects the parameter is how a query makes pyoxigraph's substitution reach
  into it (queries/disputes.rq pages within the bound incident that way);
- after `AS` (a BIND or projection target) it is left alone;
- in `GROUP BY` / `ORDER BY` it becomes `(<term>)`;
- everywhere else (triple patterns, expressions, CONSTRUCT templates) it becomes `<term>`.

A parameter in a `VALUES` variable list, in `BOUND()` or under `SELECT *` is refused
(`SubstitutionError`): there the two semantics differ, and no saved query does that.

Why this is injection-safe: the values were validated and typed by `kg.catalogue` first (an
IRI matching the IRI grammar without `<>"{}|\\^\\``, a date, an integer, a language tag...),
and what goes into the text is the serialisation of that RDF term by `sparql_term`, never the
raw request text, written by kg.sparql_lexer's writers: an IRI between `<` `>` (one holding
a character IRIs cannot hold is refused), a literal between `"` with `\\`, `"`, CR and LF
escaped and a `u` after a backslash written `\\u0075`, so that SPARQL 1.1 (which decodes code
point escapes before parsing) and pyoxigraph read the same value. The query is split by
kg.sparql_lexer, the same lexer as server.engine.guard's, so a `?name` inside a string, IRI or
comment is never touched; the rewritten text is then read and checked by server.engine.guard
like any other.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox

from kg.sparql_lexer import SparqlLexError, Token, lex, write_iri, write_literal

Term = ox.NamedNode | ox.Literal


class SubstitutionError(ValueError):
    """A parameter that cannot be written into this query the way pyoxigraph would bind it."""


def sparql_term(term: Term) -> str:
    """The SPARQL syntax of an already validated IRI or literal."""
    try:
        if isinstance(term, ox.NamedNode):
            return write_iri(term.value)
        return write_literal(term.value, term.language, term.datatype.value)
    except ValueError as exc:
        raise SubstitutionError(str(exc)) from None


def substitute(query: str, values: Mapping[str, Term]) -> str:
    """`query` with each variable named in `values` replaced by its term (see the module doc)."""
    if not values:
        return query
    terms = {name: sparql_term(term) for name, term in values.items()}
    try:
        toks = lex(query)
    except SparqlLexError:
        return query  # not a query at all: server.engine.guard says why
    out: list[str] = []
    significant = [i for i, t in enumerate(toks) if t.significant]
    prev: dict[int, str] = {}
    for a, b in zip(significant, significant[1:], strict=False):
        prev[b] = toks[a].value.upper()
    depth = 0  # parenthesis depth
    braces = 0  # group depth: a SELECT inside braces is a subquery
    projection: list[int] = []  # parenthesis depth at each open SELECT clause
    nested: list[bool] = []  # whether each open SELECT clause is a subquery's
    modifier = ""  # "GROUP", "ORDER" while in a GROUP BY / ORDER BY clause at this depth
    for i, tok in enumerate(toks):
        kind, text, up = tok.kind, tok.text, tok.value.upper()
        if kind == "word":
            if up == "SELECT":
                projection.append(depth)
                nested.append(braces > 0)
            elif up in ("WHERE", "FROM") and projection and projection[-1] == depth:
                projection.pop()
                nested.pop()
            elif up in ("GROUP", "ORDER"):
                modifier = up
            elif up in ("HAVING", "LIMIT", "OFFSET", "VALUES"):
                modifier = ""
            out.append(text)
            continue
        if kind in ("punct", "nil"):
            if text == "(":
                depth += 1
            elif text == ")":
                depth -= 1
            elif text == "{":
                if projection and projection[-1] == depth:
                    projection.pop()
                    nested.pop()
                braces += 1
                modifier = ""
            elif text == "}":
                braces -= 1
                modifier = ""
            elif text == "*" and projection and projection[-1] == depth and \
                    prev.get(i) in ("SELECT", "DISTINCT", "REDUCED"):
                raise SubstitutionError("SELECT * with a bound parameter: name the parameter "
                                        "in the projection")
            out.append(text)
            continue
        name = text[1:] if kind == "var" else ""
        if name not in terms:
            out.append(text)
            continue
        before = prev.get(i, "")
        if before == "AS":
            out.append(text)  # a BIND / projection target keeps its name
        elif before in ("BOUND(", "BOUND") or _bound_call(toks, i):
            raise SubstitutionError(f"BOUND(?{name}) does not see a bound parameter")
        elif _in_values_vars(toks, i):
            raise SubstitutionError(f"?{name} is a VALUES variable")
        elif projection and projection[-1] == depth:
            out.append("" if nested[-1] else f"({terms[name]} AS ?{name})")
        elif modifier and depth == 0:
            out.append(f"({terms[name]})")
        else:
            out.append(terms[name])
    return "".join(out)


def _bound_call(toks: list[Token], i: int) -> bool:
    """Whether token `i` is the argument of BOUND( ... )."""
    j = i - 1
    while j >= 0 and not toks[j].significant:
        j -= 1
    if j < 0 or toks[j].text != "(":
        return False
    j -= 1
    while j >= 0 and not toks[j].significant:
        j -= 1
    return j >= 0 and toks[j].value == "BOUND"


def _in_values_vars(toks: list[Token], i: int) -> bool:
    """Whether token `i` is in the variable list of a VALUES clause (before its `{`)."""
    j = i - 1
    while j >= 0:
        tok = toks[j]
        if not tok.significant or tok.kind == "var" or tok.text == "(":
            j -= 1
            continue
        return tok.value == "VALUES"
    return False
