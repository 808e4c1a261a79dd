"""The ontology under reasoners: OWL-RL (owlrl) over the ontology, the built data and the
PROV-O, SEM and SKOS axioms the ontology uses (kept as minimal fixtures in tests/fixtures/axioms),
and an OWL 2 DL reasoner (HermiT, through owlready2 and the JDK).

OWL-RL gives annotation properties the same rules as any property, where OWL 2 DL gives their
domain, range and sub-property axioms no meaning at all; `ontology()` reads the SKOS axioms the
DL way: the axioms about a property the ontology declares owl:AnnotationProperty are left out.

What must never follow: a disputed fact (claim content on the incident), a real-world thing (or
its Wikidata item, through owl:sameAs) derived from a text span, an OWL term typed as a SKOS
concept, two states made the same by one extra claimant triple; what must follow: a reported
violation when claim content is written on an incident.
"""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

import owlrl
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.build import BuildReport
from kg.config import ONTOLOGY_DIR, PROJECT_ROOT
from kg.ontology import GRAPH_FILES

AXIOMS = PROJECT_ROOT / "tests" / "fixtures" / "axioms"
DKG = rdflib.Namespace("https://w3id.org/dispute-kg/ontology#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
SEM = rdflib.Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
ERR = rdflib.URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")
ID = "https://w3id.org/dispute-kg/id/"
WORLD = (DKG.Actor, DKG.Place, DKG.Medium, DKG.Incident, DKG.ContextEvent, DKG.Victim)
CONTENT = (DKG.claimedPerpetrator, DKG.claimedEventType, DKG.claimedCause, DKG.claimedTarget,
           DKG.claimedTargetKind, DKG.claimedPlace, DKG.reportsFigure, DKG.reportsVictim)


AXIOMS_ON_PROPERTIES = (RDFS.domain, RDFS.range, RDFS.subPropertyOf, RDF.type)


def ontology(folder: Path = ONTOLOGY_DIR) -> rdflib.Graph:
    """The ontology's graph files plus the external axioms, SKOS's read as OWL 2 DL reads
    them: no axiom about a property the ontology declares an annotation property."""
    g = rdflib.Graph()
    for name in GRAPH_FILES:
        g.parse(folder / name, format="turtle")
    annotations = set(g.subjects(RDF.type, OWL.AnnotationProperty))
    for name in ("prov-o.ttl", "sem.ttl", "skos.ttl"):
        external = rdflib.Graph().parse(AXIOMS / name, format="turtle")
        g += ((s, p, o) for s, p, o in external
              if not (s in annotations and p in AXIOMS_ON_PROPERTIES))
    return g


def data_of(report: BuildReport) -> rdflib.Graph:
    """Every triple the build publishes (what the store holds), as one rdflib graph."""
    assert report.dataset is not None
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in report.dataset}
    text = ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES).decode()
    return rdflib.Graph().parse(data=text, format="nt")


def closure(g: rdflib.Graph) -> rdflib.Graph:
    out = rdflib.Graph()
    out += g
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(out)
    return out


@pytest.fixture(scope="module")
def reasoned(seed_build: BuildReport) -> tuple[rdflib.Graph, rdflib.Graph]:
    """(what was given, its OWL-RL closure)."""
    given = data_of(seed_build) + ontology()
    return given, closure(given)


def test_no_disputed_fact_is_inferred(reasoned) -> None:
    """Neither on the incident nor on the claim: content aligned as a fact (claimedPerpetrator
    under sem:hasActor, say) would make each claim an event with the alleged perpetrator as its
    actor."""
    given, inferred = reasoned
    incidents = set(given.subjects(RDF.type, DKG.Incident))
    claims = set(given.subjects(RDF.type, DKG.Claim))
    assert incidents and claims
    for incident in incidents:
        assert (incident, RDF.type, DKG.Claim) not in inferred
        assert (incident, RDF.type, DKG.Attack) not in inferred
        for p in (*CONTENT, SEM.hasActor):
            assert not list(inferred.objects(incident, p)), (incident, p)
    for claim in claims:
        assert not {(claim, RDF.type, c) for c in (SEM.Event, DKG.Incident, DKG.Attack)
                    } & set(inferred.triples((claim, RDF.type, None)))
        for p in (SEM.hasActor, SEM.hasPlace, SEM.hasTimeStamp):
            assert not list(inferred.objects(claim, p)), (claim, p)
    assert not list(inferred.subjects(RDF.type, ERR))


def test_no_real_world_thing_is_derived_from_a_span(reasoned) -> None:
    given, inferred = reasoned
    world = {s for c in WORLD for s in inferred.subjects(RDF.type, c)}
    items = {o for s in world for o in inferred.objects(s, OWL.sameAs)}
    assert world and any("wikidata.org" in str(i) for i in items)
    derived = [(s, o) for s in world | items for o in inferred.objects(s, PROV.wasDerivedFrom)]
    assert derived == []
    typed = [s for s in world | items if (s, RDF.type, PROV.Entity) in inferred]
    assert typed == []


def test_no_owl_term_is_typed_as_a_concept(reasoned) -> None:
    given, inferred = reasoned
    terms = {s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
             for s in given.subjects(RDF.type, kind) if str(s).startswith(str(DKG))}
    assert len(terms) > 100
    assert [t for t in terms if (t, RDF.type, SKOS.Concept) in inferred] == []


def test_skos_mappings_between_owl_terms_are_annotations() -> None:
    """So an OWL 2 DL reasoner reads them as annotations, never as relations of concepts."""
    g = ontology()
    owl_terms = {s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                                OWL.NamedIndividual) for s in g.subjects(RDF.type, kind)}
    used = {p for s, p, _ in g if s in owl_terms and str(p).startswith(str(SKOS))
            and p.endswith("Match")}
    assert used
    assert [p for p in used if (p, RDF.type, OWL.AnnotationProperty) not in g] == []


def one_claim(extra: str) -> rdflib.Graph:
    """A claim by one actor about one incident, plus `extra` Turtle."""
    return rdflib.Graph().parse(format="turtle", data=f"""
@prefix dkg: <{DKG}> . @prefix id: <{ID}> . @prefix owl: <{OWL}> .
id:claim\\/a\\/one a dkg:Claim ; dkg:claimant id:actor\\/russia ; dkg:about id:incident\\/x ;
    dkg:medium id:medium\\/telegram ; dkg:reportedIn id:article\\/a .
id:actor\\/russia a dkg:Actor , dkg:State ; owl:sameAs <http://www.wikidata.org/entity/Q159> .
id:actor\\/ukraine a dkg:Actor , dkg:State ; owl:sameAs <http://www.wikidata.org/entity/Q212> .
id:incident\\/x a dkg:Incident .
{extra}""")


def test_one_extra_claimant_does_not_merge_two_states() -> None:
    slip = one_claim("id:claim\\/a\\/one dkg:claimant id:actor\\/ukraine .")
    inferred = closure(slip + ontology())
    russia, ukraine = rdflib.URIRef(ID + "actor/russia"), rdflib.URIRef(ID + "actor/ukraine")
    assert (russia, OWL.sameAs, ukraine) not in inferred
    assert (rdflib.URIRef("http://www.wikidata.org/entity/Q159"), OWL.sameAs,
            rdflib.URIRef("http://www.wikidata.org/entity/Q212")) not in inferred


def test_claim_content_on_an_incident_is_reported_as_a_violation() -> None:
    """Claims are disjoint from what they are about: content on an incident is inconsistent."""
    given = one_claim("id:incident\\/x dkg:claimedPerpetrator id:actor\\/ukraine .") + ontology()
    inferred = closure(given)
    errors = [str(o) for e in inferred.subjects(RDF.type, ERR) for o in inferred.objects(e, None)
              if isinstance(o, rdflib.Literal)]
    assert any("incident/x" in e for e in errors), errors
    clean = closure(one_claim("") + ontology())
    assert not list(clean.subjects(RDF.type, ERR))


# ------------------------------------------------------------------------ OWL 2 DL (HermiT)

@cache
def _java() -> str | None:
    return shutil.which("java")


def test_the_owl_file_loads_in_an_owl2_dl_reasoner(tmp_path: Path) -> None:
    if _java() is None:
        pytest.fail("no java on PATH: scripts/setup.sh --test installs default-jre-headless")
    owlready2 = pytest.importorskip("owlready2")
    g = rdflib.Graph()
    for name in GRAPH_FILES:
        g.parse(ONTOLOGY_DIR / name, format="turtle")
    path = tmp_path / "dkg.owl"
    g.serialize(path, format="xml")
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load()
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    inconsistent = list(world.inconsistent_classes())
    assert inconsistent == []
    claim = world.search_one(iri=str(DKG.Claim))
    assert claim is not None and claim.disjoints()


def test_ontology_declares_no_range_outside_the_owl2_datatype_map() -> None:
    g = ontology()
    outside = {rdflib.XSD.date, rdflib.XSD.duration, RDF.langString, rdflib.XSD.dateTimeStamp}
    bad = [(s, o) for s, o in g.subject_objects(RDFS.range) if o in outside
           and str(s).startswith(str(DKG))]
    assert bad == []
