"""The SPARQL 1.1 Service Description of `/sparql` (and the RDF helpers it shares with VoID)."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from fastapi import Request

from server import protocol
from server.data import DataUnavailable, select, settings_of, value
from server.iris import prefixes

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SD_PREFIXES = {"sd": SD, "formats": FORMATS}

# Format IRIs from https://www.w3.org/ns/formats/
FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
    "nquads": "N-Quads",
    "trig": "TriG",
}


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def lit(text: str | int, lang: str | None = None) -> ox.Literal:
    if isinstance(text, int):
        return ox.Literal(str(text), datatype=n("http://www.w3.org/2001/XMLSchema#integer"))
    return ox.Literal(text, language=lang) if lang else ox.Literal(text)


def serialize(triples: Iterable[ox.Triple], fmt: protocol.Format, base: str) -> bytes:
    """Serialise triples natively with the project prefixes (where the format has them)."""
    pfx = {**prefixes(base), **SD_PREFIXES, "void": "http://rdfs.org/ns/void#"}
    kwargs = {"prefixes": pfx} if fmt.name in ("turtle", "trig", "rdfxml", "jsonld") else {}
    out = ox.serialize(list(triples), format=fmt.oxigraph(), **kwargs)
    assert out is not None
    return out


async def graph_names(request: Request) -> list[str]:
    """The named graphs in the store, sorted."""
    try:
        graphs = request.app.state.settings.base_iri + "graph/"  # not an engine's own graphs
        rows = await select(request, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } "
                            f'FILTER(STRSTARTS(STR(?g), "{graphs}")) }} ORDER BY ?g')
    except DataUnavailable:
        return []
    return [value(r, "g") for r in rows]


def endpoint_url(request: Request) -> str:
    return str(request.url_for("sparql"))


async def service_description(request: Request, fmt: protocol.Format) -> bytes:
    """Describe the endpoint: language, formats, features, limits and the default dataset."""
    settings = settings_of(request)
    ep = endpoint_url(request)
    svc, ds, dg = n(ep), n(ep + "#dataset"), n(ep + "#default-graph")
    sd = lambda local: n(SD + local)  # noqa: E731
    comment = n("http://www.w3.org/2000/01/rdf-schema#comment")
    t: list[ox.Triple] = [
        ox.Triple(svc, RDF_TYPE, sd("Service")),
        ox.Triple(svc, sd("endpoint"), svc),
        ox.Triple(svc, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(svc, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(svc, sd("feature"), sd("BasicFederatedQuery")),
        ox.Triple(svc, sd("defaultEntailmentRegime"), n("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(svc, sd("defaultDataset"), ds),
        ox.Triple(svc, comment, lit(
            f"Read-only SPARQL 1.1 endpoint of dispute-kg. Each query is stopped after "
            f"{settings.timeout:g} s (the timeout parameter may lower it) or over "
            f"{settings.memory_limit_mb} MB; results are capped at {settings.max_result_bytes} "
            f"bytes. SERVICE is allowed only to: {', '.join(settings.service_allow) or 'none'}.",
            "en")),
        ox.Triple(ds, RDF_TYPE, sd("Dataset")),
        ox.Triple(ds, sd("defaultGraph"), dg),
        ox.Triple(dg, RDF_TYPE, sd("Graph")),
        ox.Triple(dg, comment, lit(
            "The default graph is the union of all named graphs (sd:UnionDefaultGraph): "
            "one graph per article, the derived graph and the ontology graph. "
            "default-graph-uri / named-graph-uri and FROM / FROM NAMED select named graphs "
            "of this store; they are never fetched from the Web.", "en")),
    ]
    for f in (*protocol.RESULT_FORMATS, *protocol.GRAPH_FORMATS):
        t.append(ox.Triple(svc, sd("resultFormat"), n(FORMATS + FORMAT_IRIS[f.name])))
    for i, g in enumerate(await graph_names(request)):
        ng = n(f"{ep}#named-graph-{i + 1}")
        t += [
            ox.Triple(ds, sd("namedGraph"), ng),
            ox.Triple(ng, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(ng, sd("name"), n(g)),
        ]
    return serialize(t, fmt, settings.base_iri)
