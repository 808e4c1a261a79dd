"""Check the whole dataset against ontology/shapes.ttl with pySHACL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate


@dataclass(frozen=True)
class ShaclReport:
    conforms: bool
    violations: int
    text: str


def check(quads: list[ox.Quad], shapes: Path) -> ShaclReport:
    """Validate the union of all graphs (data, derived, ontology) against the shapes."""
    data = rdflib.Graph()
    data.parse(data=ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                                 format=ox.RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    shapes_graph = rdflib.Graph().parse(shapes, format="turtle")
    conforms, report_graph, text = validate(
        data, shacl_graph=shapes_graph, inference="none", advanced=True, allow_warnings=True)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    violations = sum(1 for _ in report_graph.subjects(rdflib.RDF.type, sh.ValidationResult))
    return ShaclReport(bool(conforms), violations, str(text))
