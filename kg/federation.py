"""Federated saved queries: where their SERVICE calls go.

Saved queries name Wikidata's public endpoint. A deployment (or the test suite, offline) may
send those calls to another endpoint, e.g. a local stand-in serving a Wikidata-shaped graph;
only the endpoint IRIs of our own query files are replaced, never text a user sent.
"""

from __future__ import annotations

import re

from kg.sparql_lexer import lex, write_iri

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
_HTTP_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")


def remap_services(query: str, endpoints: dict[str, str]) -> str:
    """The query with each `SERVICE [SILENT] <from>` written `<to>`, for each mapping entry.

    Read with the project's SPARQL lexer, so an IRI inside a string or a comment, or an IRI
    written with escapes, is read exactly as the engine will read it."""
    for target in endpoints.values():
        if not _HTTP_IRI.fullmatch(target):
            raise ValueError(f"endpoint {target!r} is not an http(s) IRI")
    out: list[str] = []
    after_service = False
    for tok in lex(query):
        if tok.kind == "iri" and after_service and endpoints.get(tok.value, tok.value) != tok.value:
            out.append(write_iri(endpoints[tok.value]))
        else:
            out.append(tok.text)
        if tok.significant:
            after_service = tok.kind == "word" and (
                tok.value == "SERVICE" or (tok.value == "SILENT" and after_service))
    return "".join(out)
