"""A small TriG dataset shaped like the real build (notes/vocabulary.md), offsets computed."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.store import new_build

BASE = "https://w3id.org/dispute-kg/"
ARTICLE_ID = "test-article"
TEXT = (
    "Deux personnes ont été tuées lors d'une attaque russe sur Kharkiv, ont indiqué des "
    "responsables ukrainiens.\nLe ministère russe de la défense a démenti les informations "
    "faisant état d'une attaque."
)
CLAIM_1 = f"{BASE}id/claim/{ARTICLE_ID}/officials-attack"
CLAIM_2 = f"{BASE}id/claim/{ARTICLE_ID}/mod-denies"
KHARKIV = f"{BASE}id/place/kharkiv"
INCIDENT = f"{BASE}id/incident/kharkiv-strike"
DISPUTE = f"{BASE}id/dispute/kharkiv-strike-perpetrator"
ARTICLE = f"{BASE}id/article/{ARTICLE_ID}"
GRAPHS = (f"{BASE}graph/{ARTICLE_ID}", f"{BASE}graph/derived", f"{BASE}graph/ontology")


def _mention(quote: str, start: int = 0) -> tuple[str, str]:
    b = TEXT.index(quote, start)
    e = b + len(quote)
    iri = f"{BASE}id/mention/{ARTICLE_ID}/{b}-{e}"
    esc = quote.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    ttl = (
        f"<{iri}> a dkg:Mention, nif:OffsetBasedString ; nif:beginIndex {b} ; nif:endIndex {e} ;\n"
        f'    nif:anchorOf "{esc}" ; nif:referenceContext <{ARTICLE}> .\n'
    )
    return iri, ttl


def trig() -> str:
    """The fixture dataset as TriG."""
    m_kharkiv, t1 = _mention("Kharkiv")
    m_attack, t2 = _mention("attaque russe sur Kharkiv")
    m_officials, t3 = _mention("des responsables ukrainiens")
    m_mod, t4 = _mention("Le ministère russe de la défense")
    s1, t5 = _mention(TEXT.split("\n")[0])
    s2, t6 = _mention(TEXT.split("\n")[1])
    text = TEXT.replace("\n", "\\n")
    g_art, g_der, g_ont = GRAPHS
    return f"""
@prefix dkg: <{BASE}ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix gaf: <http://groundedannotationframework.org/gaf#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix schema: <http://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix wd: <http://www.wikidata.org/entity/> .

<{g_art}> {{
<{ARTICLE}> a dkg:Article, nif:Context, schema:NewsArticle ;
    rdfs:label "Frappe sur Kharkiv (test)"@fr, "Strike on Kharkiv (test)"@en ;
    nif:isString "{text}" ; nif:beginIndex 0 ; nif:endIndex {len(TEXT)} ;
    schema:inLanguage "fr" ; schema:datePublished "2026-01-02"^^xsd:date .
{t1}{t2}{t3}{t4}{t5}{t6}
<{s1}> a nif:Sentence . <{s2}> a nif:Sentence .
<{KHARKIV}> a dkg:Place, dkg:City ; rdfs:label "Kharkiv"@fr, "Kharkiv"@en ;
    owl:sameAs wd:Q42308 ; gaf:denotedBy <{m_kharkiv}> .
<{BASE}id/actor/ukrainian-officials> a dkg:Actor, dkg:CollectiveSource ;
    rdfs:label "responsables ukrainiens"@fr, "Ukrainian officials"@en ;
    gaf:denotedBy <{m_officials}> .
<{BASE}id/actor/russian-defence-ministry> a dkg:Actor, dkg:GovernmentBody ;
    rdfs:label "ministère russe de la défense"@fr, "Russian Ministry of Defence"@en ;
    owl:sameAs wd:Q1146492 ; gaf:denotedBy <{m_mod}> .
<{INCIDENT}> a dkg:Incident ; rdfs:label "frappe sur Kharkiv"@fr, "Kharkiv strike"@en ;
    dkg:place <{KHARKIV}> ; dkg:date "2026-01-02"^^xsd:date ;
    gaf:denotedBy <{m_attack}> .
<{CLAIM_1}> a dkg:Claim ; rdfs:label "Les responsables : attaque russe"@fr,
    "Officials: a Russian attack"@en ;
    dkg:claimant <{BASE}id/actor/ukrainian-officials> ;
    dkg:stance <{BASE}ontology/stance/asserts> ; dkg:about <{INCIDENT}> ;
    dkg:claimedPerpetrator <{BASE}id/actor/russian-defence-ministry> ;
    dkg:reportedIn <{ARTICLE}> ; prov:wasDerivedFrom <{s1}> .
<{CLAIM_2}> a dkg:Claim ; rdfs:label "Le ministère dément"@fr, "The ministry denies"@en ;
    dkg:claimant <{BASE}id/actor/russian-defence-ministry> ;
    dkg:stance <{BASE}ontology/stance/denies> ; dkg:about <{INCIDENT}> ;
    dkg:reportedIn <{ARTICLE}> ; prov:wasDerivedFrom <{s2}> .
}}

<{g_der}> {{
<{DISPUTE}> a dkg:Dispute ; rdfs:label "Who struck Kharkiv?"@en, "Qui a frappé Kharkiv ?"@fr ;
    dkg:about <{INCIDENT}> ; dkg:involvesClaim <{CLAIM_1}>, <{CLAIM_2}> ;
    dkg:aspect <{BASE}ontology/dispute-aspect/perpetrator> ;
    dkg:position <{DISPUTE}/affirms-russian-defence-ministry>, <{DISPUTE}/denies> ;
    prov:wasGeneratedBy <{BASE}id/rule-run/perpetrator> .
<{DISPUTE}/affirms-russian-defence-ministry> a dkg:Position ;
    rdfs:label "Russian Ministry of Defence"@en, "ministère russe de la défense"@fr ;
    dkg:takenBy <{CLAIM_1}> ; dkg:positionPolarity dkg:positive ;
    dkg:positionValue <{BASE}id/actor/russian-defence-ministry> ;
    dkg:contradicts <{DISPUTE}/denies> .
<{DISPUTE}/denies> a dkg:Position ; rdfs:label "denied"@en, "démenti"@fr ;
    dkg:takenBy <{CLAIM_2}> ; dkg:positionPolarity dkg:negative ;
    dkg:contradicts <{DISPUTE}/affirms-russian-defence-ministry> .
<{BASE}id/rule-run/perpetrator> a dkg:RuleRun ;
    prov:qualifiedAssociation <{BASE}id/rule-run/perpetrator/association> .
<{BASE}id/rule-run/perpetrator/association> prov:hadPlan <{BASE}id/rule/deny-vs-assert> .
<{BASE}id/rule/deny-vs-assert> a dkg:Rule ; rdfs:label "deny vs assert"@en .
}}

<{g_ont}> {{
<{BASE}ontology> a owl:Ontology ; rdfs:label "dispute-kg ontology"@en ;
    rdfs:comment "Claims, counter-claims and disputes about incidents."@en .
dkg:Claim a owl:Class ; rdfs:label "claim"@en, "affirmation"@fr ;
    rdfs:comment "A proposition put forward by a named source."@en .
dkg:Dispute a owl:Class ; rdfs:label "dispute"@en .
dkg:claimant a owl:ObjectProperty ; rdfs:label "claimant"@en ; rdfs:domain dkg:Claim .
<{BASE}ontology/stance/denies> a <http://www.w3.org/2004/02/skos/core#Concept> ;
    <http://www.w3.org/2004/02/skos/core#prefLabel> "denies"@en .
}}
"""


def build_fixture_store(store: Path) -> Path:
    """Write the fixture dataset into a store at `store` (a build link, as `kg build` makes)."""
    with new_build(store, info={"version": "test", "source": "tests/server/fixture_data.py"}) as d:
        st = ox.Store(str(d))
        st.bulk_load(trig().encode("utf-8"), format=ox.RdfFormat.TRIG)
        st.flush()
        del st
    return store
