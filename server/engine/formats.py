"""The serialisations the engine writes: short names, media types and pyoxigraph formats.

Content negotiation (Accept, q-values) is the web layer's: server.web.negotiation."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    """One serialisation the server can produce."""

    name: str  # short name, accepted by the `format=` parameter
    media_type: str  # canonical media type sent in Content-Type
    aliases: tuple[str, ...]  # other media types that select it
    kind: str  # "results" (SELECT/ASK), "graph" (CONSTRUCT/DESCRIBE) or "html"
    text: bool = True  # whether Content-Type carries charset=utf-8
    short: tuple[str, ...] = ()  # other `format=` names

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    def oxigraph(self) -> ox.QueryResultsFormat | ox.RdfFormat:
        """The pyoxigraph serialiser for this format."""
        return OX_FORMATS[self.name]


JSON = Format("json", "application/sparql-results+json", ("application/json",), "results",
              short=("srj",))
XML = Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"), "results",
             short=("srx",))
CSV = Format("csv", "text/csv", (), "results")
TSV = Format("tsv", "text/tab-separated-values", (), "results")
TURTLE = Format("turtle", "text/turtle", ("application/x-turtle",), "graph", short=("ttl",))
NTRIPLES = Format("ntriples", "application/n-triples", ("text/plain",), "graph", short=("nt",))
JSONLD = Format("jsonld", "application/ld+json", ("application/json",), "graph",
                short=("json-ld",))
RDFXML = Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"), "graph",
                short=("rdf", "xml"))
NQUADS = Format("nquads", "application/n-quads", (), "graph", short=("nq",))
TRIG = Format("trig", "application/trig", (), "graph")
HTML = Format("html", "text/html", ("application/xhtml+xml",), "html")

OX_FORMATS: dict[str, ox.QueryResultsFormat | ox.RdfFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}

# Server preference order: the first acceptable one wins a tie.
RESULT_FORMATS = (JSON, XML, CSV, TSV)
GRAPH_FORMATS = (TURTLE, NTRIPLES, JSONLD, RDFXML, NQUADS, TRIG)
RDF_DOC_FORMATS = (TURTLE, JSONLD, NTRIPLES, RDFXML, NQUADS, TRIG)
BY_NAME = {f.name: f for f in (*RESULT_FORMATS, *GRAPH_FORMATS, HTML)}
