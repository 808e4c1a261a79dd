"""RDF terms of the vocabularies the mapping writes, as pyoxigraph nodes."""

from __future__ import annotations

from pyoxigraph import NamedNode

from kg.config import PREFIXES


class Namespace:
    """`NS.term` → NamedNode(prefix + term); `NS["odd-term"]` for names Python can't spell."""

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __getattr__(self, name: str) -> NamedNode:
        """Make the node once: later reads find it as a plain attribute (nodes are immutable)."""
        if name.startswith("__"):
            raise AttributeError(name)
        node = self.__dict__[name] = NamedNode(self.iri + name)
        return node

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self.iri + name)


RDF = Namespace(PREFIXES["rdf"])
RDFS = Namespace(PREFIXES["rdfs"])
OWL = Namespace(PREFIXES["owl"])
XSD = Namespace(PREFIXES["xsd"])
SKOS = Namespace(PREFIXES["skos"])
PROV = Namespace(PREFIXES["prov"])
SCHEMA = Namespace(PREFIXES["schema"])
NIF = Namespace(PREFIXES["nif"])
GEO = Namespace(PREFIXES["geo"])
WD = Namespace(PREFIXES["wd"])
GAF = Namespace(PREFIXES["gaf"])
