"""The ontology directory: OWL vocabulary, SKOS schemes, alignments and SHACL shapes.

Real rdflib and pySHACL, no mocks. The SHACL tests validate small inline Turtle graphs: one that
conforms, and variants of it that each break one rule of the contract and must be reported.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.ontology import GRAPH_FILES, SHAPES_FILE

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_DIR = ROOT / "ontology"
# The project's copies of the shared Wikidata tables (a user's clone has no ../shared; a test in
# test_fidelity.py checks the copies equal the shared tables when they are there).
WIKIDATA_TABLES = ROOT / "kg" / "data"

DKG = Namespace("https://w3id.org/dispute-kg/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")
PROV = Namespace("http://www.w3.org/ns/prov#")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
GAF = Namespace("http://groundedannotationframework.org/gaf#")
ONTOLOGY_IRI = URIRef("https://w3id.org/dispute-kg/ontology")
CONCEPT_BASE = "https://w3id.org/dispute-kg/ontology/"
ID = "https://w3id.org/dispute-kg/id/"
FILES = (*GRAPH_FILES, SHAPES_FILE)

# The contract (notes/vocabulary.md), pinned here so a rename shows up as a failing test.
CONTRACT_CLASSES = {
    "Article", "Actor", "Person", "GovernmentBody", "State", "ArmedForce", "MediaOutlet",
    "CollectiveSource", "Organization", "Coalition", "Place", "City", "Region", "Village", "Sea",
    "Building", "Medium", "OnlineService", "DirectStatement", "Incident", "Attack", "ContextEvent",
    "Meeting", "Investigation", "RescueOperation", "Claim", "Figure", "CasualtyFigure", "Victim",
    "Evidence", "Dispute", "Rule", "Mention", "Polarity", "RuleRun", "Position", "Coreference",
}
CONTRACT_OBJECT_PROPERTIES = {
    "partOf", "basedIn", "locatedIn", "onCoastOf", "linkStatus", "addressee", "place",
    "datePrecision", "destroyed", "precedes", "attestation", "eventStatus", "participant",
    "conductedBy", "relatedIncident", "topicBackedBy", "claimant", "stance", "about", "medium",
    "reportedIn", "attributionBasis", "verificationStatus", "verificationStatedBy", "respondsTo",
    "continues", "elaborates", "counterIncident", "mentionsActor", "accusedActor",
    "concernsClaim", "claimedPerpetrator", "claimedEventType", "claimedCause",
    "claimedTargetKind", "claimedPlace", "claimedParticipant", "claimedEvidence",
    "reportsFigure", "reportsVictim", "figureKind", "qualifier", "includesVictim", "subsetOf",
    "harm", "relatedVictim", "relationshipCertainty", "evidenceKind", "aspect", "involvesClaim",
    "polarity", "attestedBy", "certainty", "temporality", "jurisdiction",
    "claimedRemoteParticipant", "possiblySame", "position", "takenBy", "positionValue",
    "positionPolarity", "contradicts", "disputeKind", "disputedFigureKind",
}
CONTRACT_DATATYPE_PROPERTIES = {
    "sentenceNumber", "translatedFromLanguage", "wikidataEvidence", "linkNote", "geonamesId",
    "date", "dateExpression", "partOfDay", "damageExtent", "topic", "contentText",
    "verbatimQuote", "claimedTarget", "claimedDate", "claimedDateExpression", "count",
    "inclusionText", "age", "ageText", "relationshipRole", "queryFile",
    "queryText", "sha256", "coordinateSource", "basis", "lowerBound", "upperBound",
    "relativeMargin",
}
CLAIM_CONTENT = {
    "claimedPerpetrator", "claimedEventType", "claimedCause", "claimedTarget",
    "claimedTargetKind", "claimedPlace", "claimedDate", "claimedDateExpression",
    "claimedParticipant", "claimedEvidence", "reportsFigure", "reportsVictim",
}
CONTRACT_SCHEMES = {
    "stance": {"asserts", "reports", "suggests", "accuses", "condemns", "announces", "denies",
               "declines-to-comment", "cannot-verify"},
    "incident-type": {"attack", "missile-strike", "drone-strike", "air-strike",
                      "munitions-detonation"},
    "casualty-kind": {"killed", "injured", "hospitalized", "body-recovered"},
    "count-kind": {"participating-countries", "volunteers", "missiles"},
    "count-qualifier": {"exact", "about", "at-least", "more-than", "up-to"},
    "verification-status": {"not-independently-verified", "preliminary"},
    "target-kind": {"civilian", "military"},
    # outlet-voice is beyond notes/vocabulary.md: kg/annotations.py emits it for what the outlet
    # says in its own voice ("l'attaque au double missile"), so the scheme has it.
    "attribution-basis": {"explicit", "contextual", "outlet-voice"},
    "event-status": {"planned", "ongoing", "opened"},
    "attestation": {"reported-by-article", "alleged-only"},
    "evidence-kind": {"footage"},
    "dispute-aspect": {"perpetrator", "cause", "event-type", "casualty-figure", "targeting",
                       "occurrence"},
    "date-precision": {"day", "month", "year"},
    "link-status": {"linked", "unlinked-unverified", "unlinked-no-candidate"},
    "certainty": {"certain", "probable", "possible", "underspecified"},
    "temporality": {"future", "non-future"},
    "dispute-kind": {"contradiction"},
}
CONTRACT_BROADER = {
    ("incident-type", "missile-strike"): "attack",
    ("incident-type", "drone-strike"): "attack",
    ("incident-type", "air-strike"): "attack",
    ("casualty-kind", "body-recovered"): "killed",
}
NEGATIVE_STANCES = {"denies"}
NEUTRAL_STANCES = {"cannot-verify", "declines-to-comment"}


def concept(scheme: str, slug: str) -> URIRef:
    return URIRef(f"{CONCEPT_BASE}{scheme}/{slug}")


@cache
def graph(name: str) -> Graph:
    return Graph().parse(ONTOLOGY_DIR / name, format="turtle")


@cache
def ontology_graph() -> Graph:
    """What the build loads into the ontology graph: vocabulary, schemes, alignments."""
    g = Graph()
    for name in GRAPH_FILES:
        g += graph(name)
    return g


def languages(g: Graph, subject, predicate) -> set[str]:
    return {o.language for o in g.objects(subject, predicate) if isinstance(o, Literal)}


def declared_terms() -> set[URIRef]:
    g = graph("dkg.ttl")
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
             OWL.NamedIndividual)
    return {s for kind in kinds for s in g.subjects(RDF.type, kind) if str(s).startswith(DKG)}


# ------------------------------------------------------------------------------ files and terms


@pytest.mark.parametrize("name", FILES)
def test_file_parses(name):
    assert len(graph(name)) > 0


@pytest.mark.parametrize("name", GRAPH_FILES)
def test_ontology_graph_files_have_no_blank_nodes(name):
    g = graph(name)
    assert not [t for t in g if any(isinstance(x, BNode) for x in t)]


def test_ontology_header():
    g = graph("dkg.ttl")
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    assert (ONTOLOGY_IRI, OWL.versionIRI, URIRef(f"{ONTOLOGY_IRI}/0.1.0")) in g
    assert (ONTOLOGY_IRI, OWL.versionInfo, Literal("0.1.0")) in g
    dcterms = Namespace("http://purl.org/dc/terms/")
    vann = Namespace("http://purl.org/vocab/vann/")
    assert (ONTOLOGY_IRI, dcterms.license,
            URIRef("https://creativecommons.org/licenses/by/4.0/")) in g
    assert (ONTOLOGY_IRI, vann.preferredNamespacePrefix, Literal("dkg")) in g
    assert (ONTOLOGY_IRI, vann.preferredNamespaceUri, Literal(str(DKG))) in g
    contributors = URIRef("https://w3id.org/dispute-kg/id/agent/contributors")
    assert (ONTOLOGY_IRI, dcterms.creator, contributors) in g  # an IRI, not a string
    assert (ONTOLOGY_IRI, dcterms.publisher, contributors) in g
    assert languages(g, contributors, RDFS.label) >= {"en", "fr"}
    for term in (dcterms.bibliographicCitation, dcterms.issued, dcterms.modified):
        assert list(g.objects(ONTOLOGY_IRI, term)), term
    status = URIRef("http://www.w3.org/2003/06/sw-vocab-status/ns#term_status")
    assert list(g.objects(ONTOLOGY_IRI, status))
    assert languages(g, ONTOLOGY_IRI, dcterms.title) >= {"en", "fr"}
    assert languages(g, ONTOLOGY_IRI, dcterms.description) >= {"en", "fr"}


def test_contract_terms_are_declared_with_their_kind():
    g = graph("dkg.ttl")
    for local in CONTRACT_CLASSES:
        assert (DKG[local], RDF.type, OWL.Class) in g, local
    for local in CONTRACT_OBJECT_PROPERTIES:
        assert (DKG[local], RDF.type, OWL.ObjectProperty) in g, local
    for local in CONTRACT_DATATYPE_PROPERTIES:
        assert (DKG[local], RDF.type, OWL.DatatypeProperty) in g, local
    for local in ("positive", "negative", "neutral"):
        assert (DKG[local], RDF.type, DKG.Polarity) in g, local


def test_contract_subclass_axioms():
    g = graph("dkg.ttl")
    schema = Namespace("http://schema.org/")
    sem = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
    oa = Namespace("http://www.w3.org/ns/oa#")
    expected = [
        (DKG.Actor, sem.Actor), (DKG.Actor, PROV.Agent), (DKG.Person, schema.Person),
        (DKG.GovernmentBody, schema.GovernmentOrganization), (DKG.State, schema.Country),
        (DKG.State, DKG.Place), (DKG.MediaOutlet, schema.NewsMediaOrganization),
        (DKG.Organization, schema.Organization), (DKG.Place, sem.Place),
        (DKG.Place, schema.Place), (DKG.Incident, sem.Event), (DKG.Attack, DKG.Incident),
        (DKG.ContextEvent, sem.Event), (DKG.Meeting, DKG.ContextEvent),
        (DKG.Claim, schema.Claim), (DKG.Claim, PROV.Entity),
        (DKG.CasualtyFigure, DKG.Figure), (DKG.Rule, PROV.Plan), (DKG.RuleRun, PROV.Activity),
        (DKG.Mention, NIF.OffsetBasedString), (DKG.Mention, GAF.Mention),
        (DKG.OnlineService, DKG.Medium), (DKG.DirectStatement, DKG.Medium),
    ]
    missing = [(s, o) for s, o in expected if (s, RDFS.subClassOf, o) not in g]
    assert not missing
    # a mention is a segment of the text, not a selector
    assert (DKG.Mention, RDFS.subClassOf, oa.TextPositionSelector) not in g
    for world in (DKG.Actor, DKG.Place, DKG.Medium, DKG.Incident, DKG.ContextEvent, DKG.Victim):
        assert (world, RDFS.subClassOf, GAF.Instance) in g, world


def test_every_dkg_term_used_is_declared():
    declared = declared_terms()
    used = set()
    for name in FILES:
        for triple in graph(name):
            used |= {x for x in triple if isinstance(x, URIRef) and str(x).startswith(DKG)}
    assert used - declared == set()


def test_no_property_is_functional():
    """With owl:sameAs to Wikidata, one extra value of a functional property would merge two
    states; cardinalities are SHACL's (shapes.ttl)."""
    g = ontology_graph()
    for kind in (OWL.FunctionalProperty, OWL.InverseFunctionalProperty):
        assert list(g.subjects(RDF.type, kind)) == []


def test_every_dkg_property_has_a_domain():
    g = graph("dkg.ttl")
    props = {s for k in (OWL.ObjectProperty, OWL.DatatypeProperty) for s in g.subjects(RDF.type, k)
             if str(s).startswith(str(DKG))}
    assert [p for p in props if (p, RDFS.domain, None) not in g] == []


def test_no_two_terms_share_a_label():
    g = graph("dkg.ttl")
    seen: dict[tuple[str, str], URIRef] = {}
    for term in declared_terms():
        for label in g.objects(term, RDFS.label):
            key = (str(label).lower(), label.language)
            assert seen.setdefault(key, term) == term, (label, term, seen[key])


def test_no_reference_to_files_that_do_not_exist():
    for name in FILES:
        assert "notes/vocabulary.md" not in (ONTOLOGY_DIR / name).read_text(encoding="utf-8")


def test_alignment_directions():
    """"A broadMatch B" says B is broader: CAMEO 19 and ACLED's explosions/remote violence are
    kinds of attack, ACLED's shelling is not broader than a missile strike, and P3082 only
    covers destruction while dkg:destroyed covers damage too."""
    g = graph("alignments.ttl")
    cameo, acled = Namespace(CONCEPT_BASE + "cameo/"), Namespace(CONCEPT_BASE + "acled/")
    wd = Namespace("http://www.wikidata.org/entity/")
    attack = concept("incident-type", "attack")
    assert (attack, SKOS.narrowMatch, cameo["19"]) in g
    assert (attack, SKOS.narrowMatch, acled["explosions-remote-violence"]) in g
    assert (DKG.Attack, SKOS.narrowMatch, cameo["19"]) in g
    missile = concept("incident-type", "missile-strike")
    assert (missile, SKOS.broadMatch, acled["shelling-artillery-missile-attack"]) not in g
    assert (DKG.destroyed, SKOS.narrowMatch, wd.P3082) in g
    assert (DKG.destroyed, SKOS.closeMatch, wd.P3082) not in g


def test_every_term_has_english_and_french_label_and_definition():
    g = graph("dkg.ttl")
    for term in declared_terms():
        assert languages(g, term, RDFS.label) >= {"en", "fr"}, term
        assert languages(g, term, SKOS.definition) >= {"en", "fr"}, term


# What a definition may not hold: examples (markers, quoted words, open lists) and rationale
# (because, so that...). They go to skos:example and skos:scopeNote. Parentheses are allowed
# only around term names ("(dkg:claimant)") and in formulas ("floor(n × (1 + m))").
EXAMPLE_OR_RATIONALE = re.compile(
    r"\be\.g\.|for example|for instance|such as|\bpar ex\.|\bpar exemple\b|\bp\. ?ex\.|notamment"
    r"|[\"“”«»…]|\.\.\.|(?:^|[\s(])'"
    r"|\bbecause\b|\bso that\b|\bparce que\b|\bpuisque\b|\bafin\b|\bcar\b"
    r"|\((?![a-z]+:[A-Za-z-]+(?:, [a-z]+:[A-Za-z-]+)*\))(?![^()]*[×+−])")


@pytest.mark.parametrize(("text", "bad"), [
    ("A sea (e.g. the Black Sea).", True), ("Une mer (par exemple la mer Noire).", True),
    ("A group the article names vaguely (\"Ukrainian officials\").", True),
    ("Un groupe (« des responsables »).", True), ("killed, injured…", True),
    ("Declared only: the data never asserts it, because it is disputed.", True),
    ("La source (en général le média).", True), ("'neither missiles nor weapons'", True),
    ("A claimant (dkg:claimant) with a stance.", False), ("from ceil(n × (1 − m))", False),
    ("Uniquement sur une dkg:Claim ; rapportée par exactement une affirmation.", False),
    ("l'article d'un média", False),
])
def test_the_definition_rule_itself(text: str, bad: bool) -> None:
    assert bool(EXAMPLE_OR_RATIONALE.search(text)) is bad


def test_definitions_hold_no_example_or_rationale():
    """Examples are skos:example, rationale and usage notes skos:scopeNote (issue 19, item 8):
    in the vocabulary, the schemes and the CAMEO/ACLED proxies."""
    g = ontology_graph()
    bad = sorted((str(s), str(o)) for s, o in g.subject_objects(SKOS.definition)
                 if EXAMPLE_OR_RATIONALE.search(str(o)))
    assert bad == []
    examples = {s for s in g.subjects(SKOS.example, None)}
    assert {DKG.Person, DKG.Sea, DKG.CollectiveSource, concept("count-qualifier", "about")} <= examples
    assert (DKG.Attack, SKOS.scopeNote, None) in g and (DKG.partOf, SKOS.scopeNote, None) in g


def test_claim_content_rule_is_stated_in_definitions():
    g = graph("dkg.ttl")
    for local in CLAIM_CONTENT:
        english = next(o for o in g.objects(DKG[local], SKOS.definition) if o.language == "en")
        assert "claim" in english.lower(), local
        assert (DKG[local], RDFS.domain, DKG.Claim) in g, local


# ----------------------------------------------------------------------------------- schemes


def test_schemes_match_the_contract():
    g = graph("schemes.ttl")
    for scheme, slugs in CONTRACT_SCHEMES.items():
        scheme_iri = URIRef(CONCEPT_BASE + scheme)
        assert (scheme_iri, RDF.type, SKOS.ConceptScheme) in g, scheme
        in_scheme = set(g.subjects(SKOS.inScheme, scheme_iri))
        assert in_scheme == {concept(scheme, slug) for slug in slugs}, scheme
        for slug in slugs:
            c = concept(scheme, slug)
            assert (c, RDF.type, SKOS.Concept) in g
            broader = CONTRACT_BROADER.get((scheme, slug))
            if broader is None:
                assert (c, SKOS.topConceptOf, scheme_iri) in g, c
                assert (scheme_iri, SKOS.hasTopConcept, c) in g, c
            else:
                assert (c, SKOS.broader, concept(scheme, broader)) in g, c
                assert (c, SKOS.topConceptOf, scheme_iri) not in g, c


def test_every_concept_and_scheme_has_bilingual_labels_and_definitions():
    g = ontology_graph()
    nodes = set(g.subjects(RDF.type, SKOS.Concept)) | set(g.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(nodes) > 50
    for node in nodes:
        assert languages(g, node, SKOS.prefLabel) >= {"en", "fr"}, node
        assert languages(g, node, SKOS.definition) >= {"en", "fr"}, node


def test_stance_polarities():
    g = graph("schemes.ttl")
    for slug in CONTRACT_SCHEMES["stance"]:
        if slug in NEGATIVE_STANCES:
            expected = DKG.negative
        elif slug in NEUTRAL_STANCES:
            expected = DKG.neutral
        else:
            expected = DKG.positive
        assert list(g.objects(concept("stance", slug), DKG.polarity)) == [expected], slug


# -------------------------------------------------------------------------------- alignments


def wikidata_property_ids() -> set[str]:
    path = WIKIDATA_TABLES / "properties.tsv"
    with path.open(encoding="utf-8", newline="") as f:
        return {row["pid"] for row in csv.DictReader(f, delimiter="\t")}


def test_wikidata_iris_in_alignments_use_listed_properties_only():
    allowed = wikidata_property_ids()
    g = graph("alignments.ttl")
    wikidata = {x for t in g for x in t if isinstance(x, URIRef) and "wikidata.org" in str(x)}
    assert wikidata, "the alignments should reference some Wikidata properties"
    for iri in wikidata:
        match = re.fullmatch(r"http://www\.wikidata\.org/entity/(P[0-9]+)", str(iri))
        assert match, f"{iri} is not a Wikidata property entity IRI"
        assert match.group(1) in allowed, f"{iri} is not in properties.tsv"


def test_no_wikidata_item_anywhere_in_the_ontology():
    for name in FILES:
        text = (ONTOLOGY_DIR / name).read_text(encoding="utf-8")
        assert not re.search(r"wikidata\.org/(entity|wiki)/Q[0-9]|wd:Q[0-9]", text), name


def test_claim_content_is_never_entailed_as_a_fact():
    """No OWL axiom lets a reasoner turn claim content into a bare statement."""
    entailing = (RDFS.subPropertyOf, OWL.equivalentProperty, OWL.sameAs,
                 OWL.propertyChainAxiom, OWL.inverseOf)
    for name in ("dkg.ttl", "alignments.ttl"):
        g = graph(name)
        for local in CLAIM_CONTENT:
            for predicate in entailing:
                assert not list(g.objects(DKG[local], predicate)), (name, local, predicate)
        # nothing in our files is an OWL sub-/equivalent property of a Wikidata property
        for s, p, o in g:
            if p in entailing and "wikidata.org" in str(o):
                pytest.fail(f"{s} {p} {o}: Wikidata is aligned with SKOS only")


def test_grasp_polarity_alignment():
    g = graph("alignments.ttl")
    graspf = Namespace("http://groundedannotationframework.org/grasp/factuality#")
    assert (DKG.positive, SKOS.closeMatch, graspf.POSITIVE) in g
    assert (DKG.negative, SKOS.closeMatch, graspf.NEGATIVE) in g


def test_cameo_and_acled_proxies_carry_their_codes():
    g = graph("alignments.ttl")
    cameo = Namespace(CONCEPT_BASE + "cameo/")
    acled = Namespace(CONCEPT_BASE + "acled/")
    assert (cameo["1952"], SKOS.notation, Literal("1952")) in g
    assert (concept("incident-type", "drone-strike"), SKOS.closeMatch, cameo["1952"]) in g
    assert (acled["air-drone-strike"], SKOS.notation, Literal("Air/drone strike")) in g
    assert (concept("stance", "accuses"), SKOS.closeMatch, cameo["112"]) in g


# ------------------------------------------------------------------------------------- SHACL

TEXT = ("Deux personnes 👶 ont été tuées à Kharkiv, ont indiqué des responsables. "
        "Moscou a démenti toute attaque, a déclaré le ministère à la BBC.")

PREFIXES = f"""
@prefix dkg:    <{DKG}> .
@prefix id:     <{ID}> .
@prefix m:      <{ID}mention/test/> .
@prefix nif:    <{NIF}> .
@prefix prov:   <{PROV}> .
@prefix gaf:    <{GAF}> .
@prefix cy:     <{CONCEPT_BASE}certainty/> .
@prefix tp:     <{CONCEPT_BASE}temporality/> .
@prefix dk:     <{CONCEPT_BASE}dispute-kind/> .
@prefix owl:    <http://www.w3.org/2002/07/owl#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix schema: <http://schema.org/> .
@prefix wd:     <http://www.wikidata.org/entity/> .
@prefix stance: <{CONCEPT_BASE}stance/> .
@prefix it:     <{CONCEPT_BASE}incident-type/> .
@prefix ck:     <{CONCEPT_BASE}casualty-kind/> .
@prefix cq:     <{CONCEPT_BASE}count-qualifier/> .
@prefix ab:     <{CONCEPT_BASE}attribution-basis/> .
@prefix att:    <{CONCEPT_BASE}attestation/> .
@prefix dp:     <{CONCEPT_BASE}date-precision/> .
@prefix da:     <{CONCEPT_BASE}dispute-aspect/> .
@prefix ls:     <{CONCEPT_BASE}link-status/> .
@prefix cok:    <{CONCEPT_BASE}count-kind/> .
"""

# A small graph that follows the contract. Offsets are code points: the emoji at 15 is one
# code point (two UTF-16 units), so every later offset would be off by one in UTF-16.
CONFORMING = """
id:article\\/test a dkg:Article , nif:Context , schema:NewsArticle ;
    rdfs:label "Frappe sur Kharkiv"@fr , "Strike on Kharkiv"@en ;
    nif:isString "%(text)s" ;
    nif:beginIndex "0"^^xsd:integer ;
    nif:endIndex "136"^^xsd:integer ;
    schema:publisher id:actor\\/bbc ;
    schema:inLanguage "fr" ;
    dkg:translatedFromLanguage "en" ;
    schema:datePublished "2026-01-02"^^xsd:date .

m:0-71 a dkg:Mention , nif:OffsetBasedString , nif:Sentence ;
    nif:beginIndex "0"^^xsd:integer ; nif:endIndex "71"^^xsd:integer ;
    nif:anchorOf "Deux personnes 👶 ont été tuées à Kharkiv, ont indiqué des responsables." ;
    nif:referenceContext id:article\\/test ; nif:sentence m:0-71 ;
    dkg:sentenceNumber "1"^^xsd:integer .
m:72-136 a dkg:Mention , nif:OffsetBasedString , nif:Sentence ;
    nif:beginIndex "72"^^xsd:integer ; nif:endIndex "136"^^xsd:integer ;
    nif:anchorOf "Moscou a démenti toute attaque, a déclaré le ministère à la BBC." ;
    nif:referenceContext id:article\\/test ; nif:sentence m:72-136 ;
    dkg:sentenceNumber "2"^^xsd:integer .
m:0-30 a dkg:Mention , nif:OffsetBasedString ;
    nif:beginIndex "0"^^xsd:integer ; nif:endIndex "30"^^xsd:integer ;
    nif:anchorOf "Deux personnes 👶 ont été tuées" ;
    nif:referenceContext id:article\\/test ; nif:sentence m:0-71 .
m:15-16 a dkg:Mention , nif:OffsetBasedString ;
    nif:beginIndex "15"^^xsd:integer ; nif:endIndex "16"^^xsd:integer ;
    nif:anchorOf "👶" ;
    nif:referenceContext id:article\\/test ; nif:sentence m:0-71 .
m:33-40 a dkg:Mention , nif:OffsetBasedString ;
    nif:beginIndex "33"^^xsd:integer ; nif:endIndex "40"^^xsd:integer ;
    nif:anchorOf "Kharkiv" ;
    nif:referenceContext id:article\\/test ; nif:sentence m:0-71 .
m:54-70 a dkg:Mention , nif:OffsetBasedString ;
    nif:beginIndex "54"^^xsd:integer ; nif:endIndex "70"^^xsd:integer ;
    nif:anchorOf "des responsables" ;
    nif:referenceContext id:article\\/test ; nif:sentence m:0-71 .
m:81-102 a dkg:Mention , nif:OffsetBasedString ;
    nif:beginIndex "81"^^xsd:integer ; nif:endIndex "102"^^xsd:integer ;
    nif:anchorOf "démenti toute attaque" ;
    nif:referenceContext id:article\\/test ; nif:sentence m:72-136 .
m:117-126 a dkg:Mention , nif:OffsetBasedString ;
    nif:beginIndex "117"^^xsd:integer ; nif:endIndex "126"^^xsd:integer ;
    nif:anchorOf "ministère" ;
    nif:referenceContext id:article\\/test ; nif:sentence m:72-136 .
m:132-135 a dkg:Mention , nif:OffsetBasedString ;
    nif:beginIndex "132"^^xsd:integer ; nif:endIndex "135"^^xsd:integer ;
    nif:anchorOf "BBC" ;
    nif:referenceContext id:article\\/test ; nif:sentence m:72-136 .

id:actor\\/bbc a dkg:Actor , dkg:MediaOutlet ;
    rdfs:label "BBC"@fr , "BBC"@en ;
    gaf:denotedBy m:132-135 ;
    dkg:linkStatus ls:unlinked-unverified .
id:actor\\/officials a dkg:Actor , dkg:CollectiveSource ;
    rdfs:label "responsables ukrainiens"@fr , "Ukrainian officials"@en ;
    gaf:denotedBy m:54-70 ;
    dkg:linkStatus ls:unlinked-no-candidate ;
    dkg:linkNote "named only vaguely" .
id:actor\\/ministry a dkg:Actor , dkg:GovernmentBody ;
    rdfs:label "ministère russe de la défense"@fr , "Russian Ministry of Defence"@en ;
    gaf:denotedBy m:81-102 , m:117-126 ;
    dkg:linkStatus ls:unlinked-unverified .
id:place\\/kharkiv a dkg:Place , dkg:City ;
    rdfs:label "Kharkiv"@fr , "Kharkiv"@en ;
    gaf:denotedBy m:33-40 ;
    dkg:linkStatus ls:linked ;
    owl:sameAs wd:%(qid)s ;
    dkg:wikidataEvidence "test evidence" .

id:medium\\/statement-to-bbc a dkg:Medium , dkg:DirectStatement ;
    rdfs:label "déclaration à la BBC"@fr , "statement to the BBC"@en ;
    gaf:denotedBy m:72-136 ;
    dkg:addressee id:actor\\/bbc .

id:incident\\/strike a dkg:Incident ;
    rdfs:label "explosion à Kharkiv"@fr , "explosion in Kharkiv"@en ;
    gaf:denotedBy m:0-30 ;
    dkg:place id:place\\/kharkiv ;
    dkg:date "2026-01-02"^^xsd:date ;
    dkg:datePrecision dp:day ;
    dkg:attestation att:reported-by-article .

id:claim\\/test\\/killed a dkg:Claim ;
    rdfs:label "deux tués, selon des responsables"@fr , "two killed, say officials"@en ;
    prov:wasDerivedFrom m:0-71 ;
    dkg:claimant id:actor\\/officials ;
    dkg:stance stance:reports ;
    dkg:about id:incident\\/strike ;
    dkg:reportedIn id:article\\/test ;
    dkg:attributionBasis ab:explicit ; dkg:certainty cy:certain ; dkg:temporality tp:non-future ;
    dkg:contentText "Deux personnes 👶 ont été tuées à Kharkiv" ;
    dkg:claimedEventType it:attack ;
    dkg:reportsFigure id:figure\\/test\\/killed ;
    dkg:reportsVictim id:victim\\/test\\/baby .
id:claim\\/test\\/denial a dkg:Claim ;
    rdfs:label "Moscou dément"@fr , "Moscow denies"@en ;
    prov:wasDerivedFrom m:72-136 ;
    dkg:claimant id:actor\\/ministry ;
    dkg:stance stance:denies ;
    dkg:about id:incident\\/strike ;
    dkg:medium id:medium\\/statement-to-bbc ;
    dkg:reportedIn id:article\\/test ;
    dkg:attributionBasis ab:explicit ; dkg:certainty cy:certain ; dkg:temporality tp:non-future ;
    dkg:contentText "démenti toute attaque" ;
    dkg:respondsTo id:claim\\/test\\/killed ;
    dkg:claimedEventType it:attack .

id:figure\\/test\\/killed a dkg:Figure , dkg:CasualtyFigure ;
    rdfs:label "deux tués"@fr , "two killed"@en ;
    prov:wasDerivedFrom m:0-30 ;
    dkg:figureKind ck:killed ;
    dkg:count "2"^^xsd:integer ;
    dkg:qualifier cq:exact ;
    dkg:includesVictim id:victim\\/test\\/baby .
id:victim\\/test\\/baby a dkg:Victim ;
    rdfs:label "un bébé"@fr , "a baby"@en ;
    gaf:denotedBy m:15-16 ;
    dkg:description "un bébé"@fr ;
    dkg:harm ck:killed .

id:dispute\\/test a dkg:Dispute ;
    rdfs:label "Attaque ou non ?"@fr , "Attack or not?"@en ;
    dkg:about id:incident\\/strike ;
    dkg:aspect da:event-type ; dkg:disputeKind dk:contradiction ;
    dkg:involvesClaim id:claim\\/test\\/killed , id:claim\\/test\\/denial ;
    dkg:position id:dispute\\/test\\/affirms , id:dispute\\/test\\/denies ;
    prov:wasGeneratedBy id:rule-run\\/event-type .
id:dispute\\/test\\/affirms a dkg:Position ; rdfs:label "attaque"@fr , "attack"@en ;
    dkg:takenBy id:claim\\/test\\/killed ; dkg:positionValue it:attack ;
    dkg:positionPolarity dkg:positive ; dkg:contradicts id:dispute\\/test\\/denies .
id:dispute\\/test\\/denies a dkg:Position ; rdfs:label "démenti : attaque"@fr , "denied: attack"@en ;
    dkg:takenBy id:claim\\/test\\/denial ; dkg:positionValue it:attack ;
    dkg:positionPolarity dkg:negative ; dkg:contradicts id:dispute\\/test\\/affirms .
id:rule-run\\/event-type a dkg:RuleRun , prov:Activity ;
    prov:endedAtTime "2026-01-03T10:00:00Z"^^xsd:dateTime ;
    prov:wasAssociatedWith id:agent\\/kg-build ;
    prov:qualifiedAssociation id:rule-run\\/event-type\\/association ;
    prov:used id:article\\/test .
id:rule-run\\/event-type\\/association a prov:Association ;
    prov:agent id:agent\\/kg-build ; prov:hadPlan id:rule\\/occurrence .
id:agent\\/kg-build a prov:SoftwareAgent .
id:rule\\/occurrence a dkg:Rule ;
    rdfs:label "occurrence"@en ;
    dkg:queryFile "queries/rules/occurrence.rq"^^xsd:anyURI ;
    dkg:queryText "SELECT * WHERE {}" .
"""


def verified_qid() -> str:
    """A Wikidata ID from the verified table (the only IDs the project may link to)."""
    path = WIKIDATA_TABLES / "verified-qids.tsv"
    with path.open(encoding="utf-8", newline="") as f:
        return next(csv.DictReader(f, delimiter="\t"))["qid"]


def turtle(body: str) -> Graph:
    return Graph().parse(data=PREFIXES + body, format="turtle")


@cache
def conforming_data() -> Graph:
    return turtle(CONFORMING % {"text": TEXT, "qid": verified_qid()})


@cache
def shapes() -> Graph:
    return graph(SHAPES_FILE)


def validate(data: Graph) -> tuple[bool, Graph]:
    conforms, results, _ = pyshacl.validate(
        data + ontology_graph(), shacl_graph=shapes(), inference="none", allow_warnings=False
    )
    return conforms, results


def violations(results: Graph) -> set[tuple[str, str | None, str]]:
    """(focus node, result path, constraint component) of every validation result.

    The path is None for node-level results and for inverse paths (blank nodes)."""
    found = set()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        component = str(results.value(result, SH.sourceConstraintComponent))
        found.add((str(focus), str(path) if isinstance(path, URIRef) else None,
                   component.removeprefix(str(SH)).removesuffix("ConstraintComponent")))
    return found


def test_inline_offsets_are_code_points():
    """The hand-written offsets of the conforming graph are right (and not UTF-16 units)."""
    data = conforming_data()
    for mention in data.subjects(NIF.anchorOf, None):
        begin = int(data.value(mention, NIF.beginIndex))
        end = int(data.value(mention, NIF.endIndex))
        assert TEXT[begin:end] == str(data.value(mention, NIF.anchorOf))
    assert len(TEXT) == 136 and len(TEXT.encode("utf-16-le")) // 2 == 137


def test_shapes_graph_is_valid_shacl():
    conforms, _, text = pyshacl.validate(
        ontology_graph(), shacl_graph=shapes(), meta_shacl=True, inference="none"
    )
    assert conforms, text


def test_conforming_graph_conforms():
    conforms, results = validate(conforming_data())
    assert conforms, sorted(violations(results))


A = f"{ID}article/test"
CLAIM = f"{ID}claim/test/killed"
DENIAL = f"{ID}claim/test/denial"

# (name, triples to remove, triples to add, an expected (focus node, result path, component)).
BREAKS = [
    ("wrong anchor",
     "m:33-40 nif:anchorOf \"Kharkiv\" .",
     "m:33-40 nif:anchorOf \"Kharkov\" .",
     (f"{ID}mention/test/33-40", str(NIF.anchorOf), "SPARQL")),
    ("anchor read with UTF-16 offsets",
     "m:33-40 nif:anchorOf \"Kharkiv\" .",
     "m:33-40 nif:anchorOf \" Kharki\" .",
     (f"{ID}mention/test/33-40", str(NIF.anchorOf), "SPARQL")),
    ("claimedPerpetrator on an incident",
     "",
     "id:incident\\/strike dkg:claimedPerpetrator id:actor\\/ministry .",
     (f"{ID}incident/strike", None, "Class")),
    ("figure reported by no claim",
     "id:claim\\/test\\/killed dkg:reportsFigure id:figure\\/test\\/killed .",
     "",
     (f"{ID}figure/test/killed", None, "MinCount")),
    ("figure reported by two claims",
     "",
     "id:claim\\/test\\/denial dkg:reportsFigure id:figure\\/test\\/killed .",
     (f"{ID}figure/test/killed", None, "MaxCount")),
    ("victim reported by two claims",
     "",
     "id:claim\\/test\\/denial dkg:reportsVictim id:victim\\/test\\/baby .",
     (f"{ID}victim/test/baby", None, "MaxCount")),
    ("claim with two stances",
     "",
     "id:claim\\/test\\/killed dkg:stance stance:asserts .",
     (CLAIM, str(DKG.stance), "MaxCount")),
    ("stance from the wrong scheme",
     "id:claim\\/test\\/denial dkg:stance stance:denies .",
     "id:claim\\/test\\/denial dkg:stance cq:exact .",
     (DENIAL, str(DKG.stance), "Node")),
    ("claim without claimant",
     "id:claim\\/test\\/killed dkg:claimant id:actor\\/officials .",
     "",
     (CLAIM, str(DKG.claimant), "MinCount")),
    ("content text not in the article",
     "id:claim\\/test\\/denial dkg:contentText \"démenti toute attaque\" .",
     "id:claim\\/test\\/denial dkg:contentText \"a démenti toute attaque russe\" .",
     (DENIAL, str(DKG.contentText), "SPARQL")),
    ("dispute with one claim",
     "id:dispute\\/test dkg:involvesClaim id:claim\\/test\\/denial .",
     "",
     (f"{ID}dispute/test", str(DKG.involvesClaim), "MinCount")),
    ("dispute without rule run",
     "id:dispute\\/test prov:wasGeneratedBy id:rule-run\\/event-type .",
     "",
     (f"{ID}dispute/test", str(PROV.wasGeneratedBy), "MinCount")),
    ("actor without English label",
     "id:actor\\/officials rdfs:label \"Ukrainian officials\"@en .",
     "",
     (f"{ID}actor/officials", str(RDFS.label), "QualifiedMinCount")),
    ("place label without language",
     "id:place\\/kharkiv rdfs:label \"Kharkiv\"@en .",
     "id:place\\/kharkiv rdfs:label \"Kharkiv\" .",
     (f"{ID}place/kharkiv", str(RDFS.label), "Datatype")),
    ("victim not denoted by a mention",
     "id:victim\\/test\\/baby gaf:denotedBy m:15-16 .",
     "",
     (f"{ID}victim/test/baby", str(GAF.denotedBy), "MinCount")),
    ("real-world thing derived from a span",
     "",
     "id:place\\/kharkiv prov:wasDerivedFrom m:33-40 .",
     (f"{ID}place/kharkiv", str(PROV.wasDerivedFrom), "MaxCount")),
    ("claim without certainty",
     "id:claim\\/test\\/denial dkg:certainty cy:certain .",
     "",
     (DENIAL, str(DKG.certainty), "MinCount")),
    ("denial reporting a figure",
     "",
     "id:claim\\/test\\/denial dkg:reportsFigure id:figure\\/test\\/killed .",
     (DENIAL, None, "SPARQL")),
    ("dispute with one position",
     "id:dispute\\/test dkg:position id:dispute\\/test\\/denies .",
     "",
     (f"{ID}dispute/test", str(DKG.position), "MinCount")),
    ("sameAs outside Wikidata",
     "",
     "id:actor\\/bbc owl:sameAs <http://dbpedia.org/resource/BBC> .",
     (f"{ID}actor/bbc", str(OWL.sameAs), "Pattern")),
    ("sameAs on a claim",
     "",
     "id:claim\\/test\\/killed owl:sameAs wd:P31 .",
     (CLAIM, None, "Or")),
    ("linked without sameAs",
     "id:place\\/kharkiv owl:sameAs wd:%(qid)s .",
     "",
     (f"{ID}place/kharkiv", None, "SPARQL")),
    ("actor with two kinds",
     "",
     "id:actor\\/ministry a dkg:Person .",
     (f"{ID}actor/ministry", None, "Xone")),
    ("incident typed as an attack",
     "",
     "id:incident\\/strike a dkg:Attack .",
     (f"{ID}incident/strike", None, "Not")),
    ("casualty figure with a count kind",
     "id:figure\\/test\\/killed dkg:figureKind ck:killed .",
     "id:figure\\/test\\/killed dkg:figureKind cok:volunteers .",
     (f"{ID}figure/test/killed", str(DKG.figureKind), "SPARQL")),
    ("mention IRI not matching its offsets",
     "m:33-40 nif:beginIndex \"33\"^^xsd:integer ; nif:anchorOf \"Kharkiv\" .",
     "m:33-40 nif:beginIndex \"34\"^^xsd:integer ; nif:anchorOf \"harkiv\" .",
     (A, None, "SPARQL")),
    ("article end index not its length",
     "id:article\\/test nif:endIndex \"136\"^^xsd:integer .",
     "id:article\\/test nif:endIndex \"137\"^^xsd:integer .",
     (A, str(NIF.endIndex), "SPARQL")),
    ("mention outside its sentence",
     "m:81-102 nif:sentence m:72-136 .",
     "m:81-102 nif:sentence m:0-71 .",
     (A, None, "SPARQL")),
    ("sentence whose sentence is another",
     "m:72-136 nif:sentence m:72-136 .",
     "m:72-136 nif:sentence m:0-71 .",
     (f"{ID}mention/test/72-136", str(NIF.sentence), "SPARQL")),
]


@pytest.mark.parametrize("name,remove,add,expected", BREAKS, ids=[b[0] for b in BREAKS])
def test_each_broken_rule_is_reported(name, remove, add, expected):
    qid = {"qid": verified_qid()}
    data = Graph()
    data += conforming_data()
    removed = turtle(remove % qid)
    assert all(t in data for t in removed), f"{name}: the triples to remove are not in the graph"
    data -= removed
    data += turtle(add % qid)
    conforms, results = validate(data)
    assert not conforms, name
    assert expected in violations(results), sorted(violations(results))
