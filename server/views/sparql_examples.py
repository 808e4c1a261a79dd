"""The catalogue as SHACL SPARQL executables: SIB's `/.well-known/sparql-examples` convention."""

from __future__ import annotations

import pyoxigraph as ox

from kg.catalogue import SavedQuery
from kg.config import PREFIXES
from server.views.rdf import RDF_TYPE, lit, n

SH, RDFS, OWL = PREFIXES["sh"], PREFIXES["rdfs"], PREFIXES["owl"]
SCHEMA = "https://schema.org/"  # SIB's examples use the https namespace
SPEX = "https://purl.expasy.org/sparql-examples/ontology#"
XSD_ANYURI = n(PREFIXES["xsd"] + "anyURI")
EXAMPLE_PREFIXES = {"sh": SH, "schema": SCHEMA, "spex": SPEX, "rdfs": RDFS, "owl": OWL}
KINDS = {  # query form → (executable class, property holding the text)
    "SELECT": (SH + "SPARQLSelectExecutable", SH + "select"),
    "ASK": (SH + "SPARQLAskExecutable", SH + "ask"),
    "CONSTRUCT": (SH + "SPARQLConstructExecutable", SH + "construct"),
    "DESCRIBE": (None, SPEX + "describe"),
}


def example_triples(catalogue: dict[str, SavedQuery], root: str) -> list[ox.Triple]:
    """One `sh:SPARQLExecutable` per saved query, with a shared `sh:prefixes` declaration."""
    ex = root + ".well-known/sparql-examples/"
    endpoint = root + "sparql"
    pfx = ox.BlankNode("sparql_examples_prefixes")
    t = [ox.Triple(pfx, RDF_TYPE, n(OWL + "Ontology")), ox.Triple(pfx, n(OWL + "imports"), n(SH))]
    for prefix, namespace in sorted(PREFIXES.items()):
        decl = ox.BlankNode(f"prefix_{prefix}")
        t += [ox.Triple(pfx, n(SH + "declare"), decl),
              ox.Triple(decl, n(SH + "prefix"), lit(prefix)),
              ox.Triple(decl, n(SH + "namespace"), ox.Literal(namespace, datatype=XSD_ANYURI))]
    for name, saved in sorted(catalogue.items()):
        s = n(ex + name)
        cls, prop = KINDS[saved.kind]
        t.append(ox.Triple(s, RDF_TYPE, n(SH + "SPARQLExecutable")))
        if cls:
            t.append(ox.Triple(s, RDF_TYPE, n(cls)))
        t += [
            ox.Triple(s, n(prop), lit(saved.query)),
            ox.Triple(s, n(RDFS + "comment"), lit(saved.description, "en")),
            ox.Triple(s, n(SH + "prefixes"), pfx),
            ox.Triple(s, n(SCHEMA + "target"), n(endpoint)),
            ox.Triple(s, n(RDFS + "seeAlso"), n(f"{root}queries/{name}")),
        ]
        t += [ox.Triple(s, n(RDFS + "label"), lit(text, lang))
              for lang, text in sorted(saved.title.items())]
    return t
