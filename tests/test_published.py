"""What is published (the store and the dumps) is what the project's own shapes validate.

pyoxigraph canonicalises literals on the way in (an `xsd:nonNegativeInteger` is stored as
`xsd:integer`), so a check of the mapped quads can pass while every dump fails: these tests read
the published files back with rdflib and validate them with pySHACL.
"""

from __future__ import annotations

import pyshacl
import rdflib

from kg.build import BuildReport, dumps_dir
from kg.ontology import shapes_path


def published_turtle(seed_build: BuildReport) -> rdflib.Graph:
    assert seed_build.store is not None
    path = dumps_dir(seed_build.store) / "latest-dispute-kg.ttl"
    return rdflib.Graph().parse(path, format="turtle")


def test_the_exported_dump_conforms_to_the_shapes(seed_build: BuildReport) -> None:
    data = published_turtle(seed_build)
    assert len(data) > 1000
    shapes = rdflib.Graph().parse(shapes_path(), format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                         advanced=True, allow_warnings=True)
    assert conforms, text


def test_mapped_literals_are_stored_unchanged(seed_build: BuildReport) -> None:
    """The mapping emits the datatypes the store keeps, so the built quads are the published ones."""
    assert seed_build.dataset is not None
    stored = set(seed_build.dataset.quads_for_pattern(None, None, None, None))
    changed = [q for q in seed_build.quads if q not in stored]
    assert changed == []

