"""The VoID + DCAT description of the dumps (`void.ttl`) and the SHACL shape it must satisfy.

Everything in it is derived from the build (its date, version and counts taken while the dumps
were written) and from the dump files (sizes and SHA-256), so two exports of one build describe
themselves identically.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.config import ONTOLOGY_NS, PREFIXES
from kg.turtle import RDF_TYPE, TYPE, XSD, Group, Prefixes, literal_token, write_turtle

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
IANA = "http://www.iana.org/assignments/media-types/"
VOID, DCAT, DCT = PREFIXES["void"], PREFIXES["dcat"], PREFIXES["dcterms"]
OWL, RDFS = PREFIXES["owl"], PREFIXES["rdfs"]
SPDX = "http://spdx.org/rdf/terms#"
FOAF = "http://xmlns.com/foaf/0.1/"
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID_PREFIXES = {**PREFIXES, "spdx": SPDX, "foaf": FOAF, "sd": SD}
FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass
class Stats:
    """Counts VoID states about one graph (or the union of all), fed one subject at a time."""

    entity_prefix: str
    triples: int = 0
    subjects: int = 0
    entities: int = 0
    objects: set[str] = field(default_factory=set)
    classes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: dict[str, str] = field(default_factory=dict)
    uses: dict[str, int] = field(default_factory=dict)  # triples per predicate token

    def add(self, group: Group) -> None:
        """Count one subject's triples; each subject must come once (sorted, distinct lines)."""
        s, preds = group
        self.subjects += 1
        iri = s[1:-1] if s[0] == "<" else None
        if iri is not None and iri.startswith(self.entity_prefix):
            self.entities += 1
        uses = self.uses
        for p, objs in preds:
            self.triples += len(objs)
            self.objects.update(objs)
            uses[p] = uses.get(p, 0) + len(objs)
            if p == TYPE:
                for o in objs:
                    if o[0] == "<":
                        self._instance(o[1:-1], iri)

    def _instance(self, cls: str, iri: str | None) -> None:
        self.classes[cls] += 1
        if iri is not None and (cls not in self.examples or iri < self.examples[cls]):
            self.examples[cls] = iri

    @property
    def properties(self) -> dict[str, int]:
        """Triples per property IRI."""
        return {p[1:-1]: n for p, n in self.uses.items()}


@dataclass(frozen=True)
class DumpFile:
    """One written dump as the description needs it."""

    name: str
    label: str
    media_type: str
    compressed: bool
    size: int
    sha256: str
    ontology_only: bool = False


def _slug(iri: str, prefixes: Prefixes) -> str:
    short = prefixes.shorten(iri)
    if short is not None:
        return re.sub(r"[^A-Za-z0-9_-]", "-", short)
    return "iri-" + hashlib.sha256(iri.encode()).hexdigest()[:16]


def describe(
    union: Stats,
    graphs: Mapping[str, Stats],
    files: Sequence[DumpFile],
    *,
    articles: Mapping[str, Sequence[str]],
    base: str,
    version: str,
    built_at: str,
    title: str,
    description: str,
    rights: str,
    publisher_name: str = "the dispute-kg project",
    endpoint: str | None = None,
    header: str = "",
) -> bytes:
    """VoID + DCAT Turtle for a dataset and its dump ``files``.

    ``union`` and ``graphs`` (named graph IRI to its counts) describe the data; ``articles``
    maps each article IRI to the ``schema:url`` values it came from.
    """
    doc = base + "dumps/void.ttl"
    ds = doc + "#dataset"
    table = Prefixes(VOID_PREFIXES)
    out: list[str] = []

    def add(s: str, p: str, o: str) -> None:
        out.append(f"<{s}> <{p}> <{o}> .")

    def lit(s: str, p: str, value: object, dt: str | None = None, lang: str | None = None) -> None:
        token = literal_token(str(value), XSD + dt if dt else None, lang)
        out.append(f"<{s}> <{p}> {token} .")

    date = built_at[:10]
    ontology_graph = base + "graph/ontology"

    add(doc, RDF_TYPE, VOID + "DatasetDescription")
    lit(doc, DCT + "title", f"VoID and DCAT description of {title} {version}", lang="en")
    add(doc, FOAF + "primaryTopic", ds)
    add(doc, DCT + "license", LICENSE)

    publisher = doc + "#publisher"
    add(publisher, RDF_TYPE, FOAF + "Organization")
    lit(publisher, FOAF + "name", publisher_name)
    add(publisher, FOAF + "homepage", base)

    for cls in (VOID + "Dataset", DCAT + "Dataset"):
        add(ds, RDF_TYPE, cls)
    lit(ds, DCT + "title", title, lang="en")
    lit(ds, DCT + "description", description, lang="en")
    add(ds, DCT + "publisher", publisher)
    add(ds, DCT + "license", LICENSE)
    lit(ds, DCT + "rights", rights, lang="en")
    lit(ds, DCT + "created", built_at, "dateTime")
    lit(ds, DCT + "issued", date, "date")
    lit(ds, DCAT + "version", version)
    lit(ds, OWL + "versionInfo", version)
    add(ds, DCAT + "landingPage", base)
    lit(ds, VOID + "uriSpace", base + "id/")
    add(ds, VOID + "sparqlEndpoint", endpoint or base + "sparql")
    add(ds, VOID + "rootResource", base)
    for fmt in ("Turtle", "N-Triples", "TriG", "N-Quads", "JSON-LD"):
        add(ds, VOID + "feature", FORMATS_NS + fmt)

    for article, urls in articles.items():
        add(ds, DCT + "source", article)
        for url in urls:
            add(ds, "http://www.w3.org/ns/prov#wasDerivedFrom", url)
    for local in ("Incident", "Claim", "Dispute", "CasualtyFigure", "Actor", "Article"):
        example = union.examples.get(ONTOLOGY_NS + local)
        if example is not None:
            add(ds, VOID + "exampleResource", example)
    used = union.properties
    for ns in sorted({ns for ns in VOID_PREFIXES.values()
                      if any(p.startswith(ns) for p in used)
                      or any(c.startswith(ns) for c in union.classes)}):
        add(ds, VOID + "vocabulary", ns)

    def counts(node: str, st: Stats, slug: str) -> None:
        properties = st.properties
        lit(node, VOID + "triples", st.triples, "integer")
        lit(node, VOID + "distinctSubjects", st.subjects, "integer")
        lit(node, VOID + "distinctObjects", len(st.objects), "integer")
        lit(node, VOID + "entities", st.entities, "integer")
        lit(node, VOID + "classes", len(st.classes), "integer")
        lit(node, VOID + "properties", len(properties), "integer")
        for cls in sorted(st.classes):
            part = f"{doc}#{slug}class-{_slug(cls, table)}"
            add(node, VOID + "classPartition", part)
            add(part, VOID + "class", cls)
            lit(part, VOID + "entities", st.classes[cls], "integer")
        for prop in sorted(properties):
            part = f"{doc}#{slug}property-{_slug(prop, table)}"
            add(node, VOID + "propertyPartition", part)
            add(part, VOID + "property", prop)
            lit(part, VOID + "triples", properties[prop], "integer")

    counts(ds, union, "")
    subsets: dict[str, str] = {}
    for graph in sorted(graphs):
        name = graph[len(base + "graph/"):] if graph.startswith(base + "graph/") else None
        slug = "graph-" + (name if name and re.fullmatch(r"[a-z0-9-]+", name)
                           else hashlib.sha256(graph.encode()).hexdigest()[:16])
        node = f"{doc}#{slug}"
        subsets[graph] = node
        add(ds, VOID + "subset", node)
        for cls in (VOID + "Dataset", SD + "NamedGraph"):
            add(node, RDF_TYPE, cls)
        add(node, SD + "name", graph)
        lit(node, DCT + "title", f"named graph {name or graph}", lang="en")
        counts(node, graphs[graph], slug + "-")

    for f in files:
        url = base + "dumps/" + f.name
        dist = f"{doc}#{f.name}"
        owner = ds
        if f.ontology_only:
            owner = subsets.get(ontology_graph, ds)
            if owner != ds:
                add(owner, RDF_TYPE, DCAT + "Dataset")
                add(owner, DCT + "license", LICENSE)
        add(owner, DCAT + "distribution", dist)
        if not f.ontology_only:
            add(ds, VOID + "dataDump", url)
        add(dist, RDF_TYPE, DCAT + "Distribution")
        lit(dist, DCT + "title", f.label, lang="en")
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "accessURL", base + "dumps/")
        add(dist, DCAT + "mediaType", IANA + f.media_type)
        if f.compressed:
            add(dist, DCAT + "compressFormat", IANA + "application/gzip")
        lit(dist, DCAT + "byteSize", f.size, "nonNegativeInteger")
        add(dist, DCT + "license", LICENSE)
        lit(dist, DCT + "issued", date, "date")
        checksum = dist + "-sha256"
        add(dist, SPDX + "checksum", checksum)
        add(checksum, RDF_TYPE, SPDX + "Checksum")
        add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        lit(checksum, SPDX + "checksumValue", f.sha256, "hexBinary")
    return write_turtle(out, VOID_PREFIXES, header=header, first=(doc, ds, publisher))


VOID_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix dks: <https://w3id.org/dispute-kg/shapes/void#> .

dks:Dataset a sh:NodeShape ;
    sh:targetClass dcat:Dataset ;
    sh:property [ sh:path dcterms:title ; sh:minCount 1 ] ,
        [ sh:path dcterms:license ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ,
        [ sh:path dcat:distribution ; sh:minCount 1 ; sh:class dcat:Distribution ] .

dks:Root a sh:NodeShape ;
    sh:targetObjectsOf <http://xmlns.com/foaf/0.1/primaryTopic> ;
    sh:property [ sh:path dcterms:description ; sh:minCount 1 ] ,
        [ sh:path dcterms:publisher ; sh:minCount 1 ] ,
        [ sh:path dcterms:rights ; sh:minCount 1 ] ,
        [ sh:path dcterms:created ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:dateTime ] ,
        [ sh:path dcat:version ; sh:minCount 1 ; sh:maxCount 1 ] ,
        [ sh:path dcterms:source ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ,
        [ sh:path void:sparqlEndpoint ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ,
        [ sh:path void:exampleResource ; sh:minCount 1 ] ,
        [ sh:path void:subset ; sh:minCount 1 ] .

dks:VoidDataset a sh:NodeShape ;
    sh:targetClass void:Dataset ;
    sh:property [ sh:path void:triples ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:datatype xsd:integer ; sh:minInclusive 0 ] ,
        [ sh:path void:distinctSubjects ; sh:minCount 1 ; sh:maxCount 1 ;
          sh:datatype xsd:integer ] ,
        [ sh:path void:classPartition ; sh:minCount 1 ] ,
        [ sh:path void:propertyPartition ; sh:minCount 1 ] .

dks:ClassPartition a sh:NodeShape ;
    sh:targetObjectsOf void:classPartition ;
    sh:property [ sh:path void:class ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ,
        [ sh:path void:entities ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:integer ] .

dks:PropertyPartition a sh:NodeShape ;
    sh:targetObjectsOf void:propertyPartition ;
    sh:property [ sh:path void:property ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ,
        [ sh:path void:triples ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:integer ] .

dks:Distribution a sh:NodeShape ;
    sh:targetClass dcat:Distribution ;
    sh:property [ sh:path dcat:downloadURL ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ,
        [ sh:path dcat:mediaType ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ,
        [ sh:path dcat:byteSize ; sh:minCount 1 ; sh:maxCount 1 ;
          sh:datatype xsd:nonNegativeInteger ] ,
        [ sh:path dcterms:license ; sh:minCount 1 ] ,
        [ sh:path spdx:checksum ; sh:minCount 1 ; sh:maxCount 1 ; sh:node dks:Checksum ] .

dks:Checksum a sh:NodeShape ;
    sh:property [ sh:path spdx:algorithm ; sh:hasValue spdx:checksumAlgorithm_sha256 ] ,
        [ sh:path spdx:checksumValue ; sh:minCount 1 ; sh:maxCount 1 ;
          sh:datatype xsd:hexBinary ; sh:pattern "^[0-9a-f]{64}$" ] .
"""


def validate_void(data: bytes | str, extra: Mapping[str, Any] | None = None) -> tuple[bool, str]:
    """Check a VoID description against ``VOID_SHAPES``; returns (conforms, report text)."""
    import pyshacl
    import rdflib

    graph = rdflib.Graph().parse(data=data, format="turtle")
    shapes = rdflib.Graph().parse(data=VOID_SHAPES, format="turtle")
    conforms, _, text = pyshacl.validate(graph, shacl_graph=shapes, **(extra or {}))
    return bool(conforms), str(text)
