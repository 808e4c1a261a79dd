"""The VoID + DCAT description of the dumps (`void.ttl`) and the SHACL shape it must satisfy.

Everything in it is derived from the build (its date, version and quads) and from the dump files
(sizes and SHA-256), so two exports of one build describe themselves identically.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.config import ONTOLOGY_NS, PREFIXES
from kg.turtle import RDF_TYPE, XSD, Prefixes, write_turtle

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
IANA = "http://www.iana.org/assignments/media-types/"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
SPDX = "http://spdx.org/rdf/terms#"
FOAF = "http://xmlns.com/foaf/0.1/"
SD = "http://www.w3.org/ns/sparql-service-description#"
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
VOID_PREFIXES = {**PREFIXES, "spdx": SPDX, "foaf": FOAF, "sd": SD}
FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass
class Stats:
    """Counts VoID states about one graph (or the union of all)."""

    triples: int = 0
    subjects: set = field(default_factory=set)
    objects: set = field(default_factory=set)
    classes: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    properties: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, t: ox.Triple) -> None:
        self.triples += 1
        self.subjects.add(t.subject)
        self.objects.add(t.object)
        self.properties[t.predicate.value] += 1
        if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            self.classes[t.object.value].add(t.subject)


def stats(triples: Iterable[ox.Triple]) -> Stats:
    """Triples, distinct subjects/objects, class instances and property uses of some triples."""
    s = Stats()
    for t in triples:
        s.add(t)
    return s


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
    quads: Sequence[ox.Quad],
    files: Sequence[DumpFile],
    *,
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
    """VoID + DCAT Turtle for the dataset in ``quads`` and its dump ``files``."""
    doc = base + "dumps/void.ttl"
    ds = doc + "#dataset"
    table = Prefixes(VOID_PREFIXES)
    out: list[ox.Triple] = []

    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    def add(s: str, p: str, o: ox.NamedNode | ox.Literal | str) -> None:
        out.append(ox.Triple(n(s), n(p), n(o) if isinstance(o, str) else o))

    def lit(value: object, dt: str | None = None, lang: str | None = None) -> ox.Literal:
        if lang:
            return ox.Literal(str(value), language=lang)
        return ox.Literal(str(value), datatype=n(XSD + dt) if dt else None)

    date = built_at[:10]
    ontology_graph = base + "graph/ontology"
    union_triples = {q.triple for q in quads}
    union = stats(union_triples)
    per_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for q in quads:
        if isinstance(q.graph_name, ox.NamedNode):
            per_graph[q.graph_name.value].append(q.triple)

    add(doc, RDF_TYPE, VOID + "DatasetDescription")
    add(doc, DCT + "title", lit(f"VoID and DCAT description of {title} {version}", lang="en"))
    add(doc, FOAF + "primaryTopic", ds)
    add(doc, DCT + "license", LICENSE)

    publisher = doc + "#publisher"
    add(publisher, RDF_TYPE, FOAF + "Organization")
    add(publisher, FOAF + "name", lit(publisher_name))
    add(publisher, FOAF + "homepage", base)

    for cls in (VOID + "Dataset", DCAT + "Dataset"):
        add(ds, RDF_TYPE, cls)
    add(ds, DCT + "title", lit(title, lang="en"))
    add(ds, DCT + "description", lit(description, lang="en"))
    add(ds, DCT + "publisher", publisher)
    add(ds, DCT + "license", LICENSE)
    add(ds, DCT + "rights", lit(rights, lang="en"))
    add(ds, DCT + "created", lit(built_at, "dateTime"))
    add(ds, DCT + "issued", lit(date, "date"))
    add(ds, DCAT + "version", lit(version))
    add(ds, OWL + "versionInfo", lit(version))
    add(ds, DCAT + "landingPage", base)
    add(ds, VOID + "uriSpace", lit(base + "id/"))
    add(ds, VOID + "sparqlEndpoint", endpoint or base + "sparql")
    add(ds, VOID + "rootResource", base)
    for fmt in ("Turtle", "N-Triples", "TriG", "N-Quads", "JSON-LD"):
        add(ds, VOID + "feature", FORMATS_NS + fmt)

    article_cls = ONTOLOGY_NS + "Article"
    urls: dict[str, list[ox.Triple]] = {}  # one pass, not one scan per article
    for t in union_triples:
        if t.predicate.value == "http://schema.org/url":
            urls.setdefault(t.subject.value, []).append(t)
    for article in sorted(s.value for s in union.classes.get(article_cls, ())
                          if isinstance(s, ox.NamedNode)):
        add(ds, DCT + "source", article)
        for t in sorted(urls.get(article, ()), key=str):
            add(ds, "http://www.w3.org/ns/prov#wasDerivedFrom",
                t.object if isinstance(t.object, ox.NamedNode) else n(t.object.value))
    for local in ("Incident", "Claim", "Dispute", "CasualtyFigure", "Actor", "Article"):
        members = sorted(s.value for s in union.classes.get(ONTOLOGY_NS + local, ())
                         if isinstance(s, ox.NamedNode))
        if members:
            add(ds, VOID + "exampleResource", members[0])
    for ns in sorted({ns for ns in VOID_PREFIXES.values()
                      if any(p.startswith(ns) for p in union.properties)
                      or any(c.startswith(ns) for c in union.classes)}):
        add(ds, VOID + "vocabulary", ns)

    def counts(node: str, st: Stats, slug: str) -> None:
        add(node, VOID + "triples", lit(st.triples, "integer"))
        add(node, VOID + "distinctSubjects", lit(len(st.subjects), "integer"))
        add(node, VOID + "distinctObjects", lit(len(st.objects), "integer"))
        entities = {s for s in st.subjects
                    if isinstance(s, ox.NamedNode) and s.value.startswith(base + "id/")}
        add(node, VOID + "entities", lit(len(entities), "integer"))
        add(node, VOID + "classes", lit(len(st.classes), "integer"))
        add(node, VOID + "properties", lit(len(st.properties), "integer"))
        for cls in sorted(st.classes):
            part = f"{doc}#{slug}class-{_slug(cls, table)}"
            add(node, VOID + "classPartition", part)
            add(part, VOID + "class", cls)
            add(part, VOID + "entities", lit(len(st.classes[cls]), "integer"))
        for prop in sorted(st.properties):
            part = f"{doc}#{slug}property-{_slug(prop, table)}"
            add(node, VOID + "propertyPartition", part)
            add(part, VOID + "property", prop)
            add(part, VOID + "triples", lit(st.properties[prop], "integer"))

    counts(ds, union, "")
    subsets: dict[str, str] = {}
    for graph in sorted(per_graph):
        name = graph[len(base + "graph/"):] if graph.startswith(base + "graph/") else None
        slug = "graph-" + (name if name and re.fullmatch(r"[a-z0-9-]+", name)
                           else hashlib.sha256(graph.encode()).hexdigest()[:16])
        node = f"{doc}#{slug}"
        subsets[graph] = node
        add(ds, VOID + "subset", node)
        for cls in (VOID + "Dataset", SD + "NamedGraph"):
            add(node, RDF_TYPE, cls)
        add(node, SD + "name", graph)
        add(node, DCT + "title", lit(f"named graph {name or graph}", lang="en"))
        counts(node, stats(per_graph[graph]), slug + "-")

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
        add(dist, DCT + "title", lit(f.label, lang="en"))
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "accessURL", base + "dumps/")
        add(dist, DCAT + "mediaType", IANA + f.media_type)
        if f.compressed:
            add(dist, DCAT + "compressFormat", IANA + "application/gzip")
        add(dist, DCAT + "byteSize", lit(f.size, "nonNegativeInteger"))
        add(dist, DCT + "license", LICENSE)
        add(dist, DCT + "issued", lit(date, "date"))
        checksum = dist + "-sha256"
        add(dist, SPDX + "checksum", checksum)
        add(checksum, RDF_TYPE, SPDX + "Checksum")
        add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        add(checksum, SPDX + "checksumValue", lit(f.sha256, "hexBinary"))
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


def validate_void(data: bytes | str, extra: Mapping[str, str] | None = None) -> tuple[bool, str]:
    """Check a VoID description against ``VOID_SHAPES``; returns (conforms, report text)."""
    import pyshacl
    import rdflib

    graph = rdflib.Graph().parse(data=data, format="turtle")
    shapes = rdflib.Graph().parse(data=VOID_SHAPES, format="turtle")
    conforms, _, text = pyshacl.validate(graph, shacl_graph=shapes, **(extra or {}))
    return bool(conforms), str(text)
