"""The vocabulary files of ontology/: what goes in the ontology graph, and the SHACL shapes."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.config import ONTOLOGY_DIR

GRAPH_FILES = ("dkg.ttl", "schemes.ttl", "alignments.ttl")
SHAPES_FILE = "shapes.ttl"


def ontology_quads(graph: str, folder: Path = ONTOLOGY_DIR) -> list[ox.Quad]:
    """The OWL vocabulary, SKOS schemes and alignments, as quads in the ontology graph."""
    target = ox.NamedNode(graph)
    quads: list[ox.Quad] = []
    for name in GRAPH_FILES:
        path = folder / name
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, target))
    return quads


def shapes_path(folder: Path = ONTOLOGY_DIR) -> Path:
    return folder / SHAPES_FILE
