"""Small RDF documents the server writes itself (Service Description, VoID, SPARQL
examples), built as pyoxigraph triples and serialised natively."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from kg.config import PREFIXES
from kg.void import SD
from server.engine.formats import Format

FORMATS = "http://www.w3.org/ns/formats/"
DOC_PREFIXES = {**PREFIXES, "sd": SD, "formats": FORMATS}
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
WITH_PREFIXES = ("turtle", "trig", "rdfxml", "jsonld")  # formats that write prefixes


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def lit(text: str | int, lang: str | None = None) -> ox.Literal:
    if isinstance(text, int):
        return ox.Literal(str(text), datatype=n(PREFIXES["xsd"] + "integer"))
    return ox.Literal(text, language=lang) if lang else ox.Literal(text)


def serialize(triples: Iterable[ox.Triple], fmt: Format,
              prefixes: dict[str, str] | None = None) -> bytes:
    """Serialise triples natively, with prefixes where the format has them."""
    rdf = fmt.oxigraph()
    assert isinstance(rdf, ox.RdfFormat), fmt
    if fmt.name in WITH_PREFIXES:
        out = ox.serialize(list(triples), format=rdf, prefixes=prefixes or DOC_PREFIXES)
    else:
        out = ox.serialize(list(triples), format=rdf)
    assert out is not None
    return out
