"""The HTML rendering of the ontology: its classes, properties and schemes, by section."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from kg.config import ONTOLOGY_NS, PREFIXES
from server.views.iris import href, qname
from server.views.service import QueryService
from server.views.sparql import query
from server.views.terms import Link, label_of, value

OWL, SKOS = PREFIXES["owl"], PREFIXES["skos"]
SECTIONS = {
    OWL + "Class": "Classes",
    OWL + "ObjectProperty": "Object properties",
    OWL + "DatatypeProperty": "Datatype properties",
    OWL + "AnnotationProperty": "Annotation properties",
    SKOS + "ConceptScheme": "Concept schemes",
    OWL + "NamedIndividual": "Individuals",
}
ONTOLOGY = ONTOLOGY_NS.rstrip("#")  # the ontology's own IRI


def ontology_graph(service: QueryService) -> ox.NamedNode:
    return ox.NamedNode(service.settings.base_iri + "graph/ontology")


async def ontology_rdf(service: QueryService, fmt: str) -> bytes:
    """The ontology graph, serialised (raises DataUnavailable)."""
    return await service.run(query("ontology-graph"), fmt, {"graph": ontology_graph(service)})


async def ontology_page(service: QueryService) -> dict[str, Any]:
    """The page's context: title, comment, IRI and the terms of each section."""
    base = service.settings.base_iri
    graph = ontology_graph(service)
    terms: dict[str, dict[str, Any]] = {}
    for r in await service.select(query("ontology-terms"), graph=graph):
        s = value(r, "s")
        t = terms.setdefault(s, {
            "iri": s, "qname": qname(s), "label": label_of(r, "l"),
            "comment": value(r, "c"), "section": SECTIONS[value(r, "type")], "parents": [],
            "anchor": s.rsplit("#", 1)[-1] if "#" in s else s.rsplit("/", 1)[-1],
        })
        parent = value(r, "parent")
        if parent and all(p.text != qname(parent) for p in t["parents"]):
            t["parents"].append(Link(qname(parent), href(parent, base)))
    meta = await service.select(query("ontology-meta"), graph=graph,
                                this=ox.NamedNode(ONTOLOGY))
    sections = [(name, [t for t in terms.values() if t["section"] == name])
                for name in SECTIONS.values()]
    return {
        "title": label_of(meta[0], "l") if meta else "dispute-kg ontology",
        "comment": value(meta[0], "c") if meta else "",
        "iri": ONTOLOGY,
        "sections": [(n, ts) for n, ts in sections if ts],
    }
