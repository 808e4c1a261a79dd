"""What the endpoint says about itself: the SPARQL 1.1 Service Description of `/sparql` and
the VoID description at `/.well-known/void`, both with the canonical public URL."""

from __future__ import annotations

import pyoxigraph as ox

from kg.config import ONTOLOGY_NS, PREFIXES
from kg.void import DCT, LICENSE, VOID
from server.engine.formats import GRAPH_FORMATS, RESULT_FORMATS, Format
from server.views.rdf import FORMATS, RDF_TYPE, SD, lit, n, serialize
from server.views.service import DataUnavailable, QueryService
from server.views.sparql import query
from server.views.terms import value

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
COMMENT = n(PREFIXES["rdfs"] + "comment")
DESCRIPTION = ("Claims and counter-claims about a strike on Kharkiv, from a French BBC article, "
               "with the disputes between them and provenance to the exact words.")


def endpoint_url(service: QueryService) -> str:
    return service.settings.public_base + "sparql"


def _graphs(service: QueryService) -> ox.Literal:
    """The prefix of the dataset's graph IRIs (an engine may have graphs of its own)."""
    return ox.Literal(service.settings.base_iri + "graph/")


async def graph_counts(service: QueryService) -> list[tuple[str, int]]:
    """Triples per named graph of the dataset."""
    rows = await service.select(query("graph-counts"), graphs=_graphs(service))
    return [(value(r, "g"), int(value(r, "n", "0"))) for r in rows]


async def graph_names(service: QueryService) -> list[str]:
    """The named graphs of the dataset, sorted (none when the store cannot answer)."""
    try:
        rows = await service.select(query("graph-names"), graphs=_graphs(service))
    except DataUnavailable:
        return []
    return [value(r, "g") for r in rows]


async def service_description(service: QueryService, fmt: Format) -> bytes:
    """Describe the endpoint: language, formats, features, limits and the default dataset."""
    settings = service.settings
    ep = endpoint_url(service)
    svc, ds, dg = n(ep), n(ep + "#dataset"), n(ep + "#default-graph")

    def sd(local: str) -> ox.NamedNode:
        return n(SD + local)

    t: list[ox.Triple] = [
        ox.Triple(svc, RDF_TYPE, sd("Service")),
        ox.Triple(svc, sd("endpoint"), svc),
        ox.Triple(svc, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(svc, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(svc, sd("feature"), sd("BasicFederatedQuery")),
        ox.Triple(svc, sd("defaultEntailmentRegime"), n("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(svc, sd("defaultDataset"), ds),
        ox.Triple(svc, COMMENT, lit(
            f"Read-only SPARQL 1.1 endpoint of dispute-kg. Each query is stopped after "
            f"{settings.timeout:g} s (the timeout parameter may lower it) or over "
            f"{settings.memory_limit_mb} MB; results are capped at {settings.max_result_bytes} "
            f"bytes. SERVICE is allowed only to: {', '.join(settings.service_allow) or 'none'}.",
            "en")),
        ox.Triple(ds, RDF_TYPE, sd("Dataset")),
        ox.Triple(ds, sd("defaultGraph"), dg),
        ox.Triple(dg, RDF_TYPE, sd("Graph")),
        ox.Triple(dg, COMMENT, lit(
            "The default graph is the union of all named graphs (sd:UnionDefaultGraph): "
            "one graph per article, the derived graph and the ontology graph. "
            "default-graph-uri / named-graph-uri and FROM / FROM NAMED select named graphs "
            "of this store; they are never fetched from the Web.", "en")),
    ]
    for f in (*RESULT_FORMATS, *GRAPH_FORMATS):
        t.append(ox.Triple(svc, sd("resultFormat"), n(FORMATS + FORMAT_IRIS[f.name])))
    for i, g in enumerate(await graph_names(service)):
        ng = n(f"{ep}#named-graph-{i + 1}")
        t += [
            ox.Triple(ds, sd("namedGraph"), ng),
            ox.Triple(ng, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(ng, sd("name"), n(g)),
        ]
    return serialize(t, fmt)


async def void(service: QueryService, fmt: Format) -> bytes:
    """VoID: the dataset, its graphs as subsets, the endpoint, the URI space and the dumps."""
    base = service.settings.base_iri
    root = service.settings.public_base
    endpoint = n(endpoint_url(service))
    graphs = await graph_counts(service)
    ds = n(base + "dumps/void.ttl#dataset")

    def v(local: str) -> ox.NamedNode:
        return n(VOID + local)

    t = [
        ox.Triple(ds, RDF_TYPE, v("Dataset")),
        ox.Triple(ds, n(DCT + "title"), lit("dispute-kg", "en")),
        ox.Triple(ds, n(DCT + "description"), lit(DESCRIPTION, "en")),
        ox.Triple(ds, n(DCT + "license"), n(LICENSE)),
        ox.Triple(ds, v("sparqlEndpoint"), endpoint),
        ox.Triple(ds, v("uriSpace"), lit(base + "id/")),
        ox.Triple(ds, v("vocabulary"), n(ONTOLOGY_NS)),
        ox.Triple(ds, v("dataDump"), n(root + "dumps/")),
        ox.Triple(ds, v("rootResource"), n(root)),
        ox.Triple(ds, v("triples"), lit(sum(c for _, c in graphs))),
    ]
    for g, count in graphs:
        sub = n(g)
        t += [
            ox.Triple(ds, v("subset"), sub),
            ox.Triple(sub, RDF_TYPE, v("Dataset")),
            ox.Triple(sub, v("triples"), lit(count)),
            ox.Triple(sub, v("sparqlEndpoint"), endpoint),
        ]
    return serialize(t, fmt)
