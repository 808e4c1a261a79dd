"""The competency questions of the knowledge graph, answered by SPARQL on the built store.

Expected values are read off the article by a person, not produced by the code.
"""

from __future__ import annotations

import pyoxigraph as ox

from tests.conftest import select

KHARKIV = "https://w3id.org/dispute-kg/id/incident/kharkiv-2026-01-02"
KHORLY = "https://w3id.org/dispute-kg/id/incident/khorly-new-years-eve"
HOTEL = "https://w3id.org/dispute-kg/id/incident/kherson-hotel-attack"


def en(rows: list[dict], key: str) -> set[str]:
    return {r[key] for r in rows}


def test_cq1_incidents_where_and_when(db: ox.Store) -> None:
    rows = select(db, """
        SELECT ?incident ?place ?date ?expr ?claimedPlace ?claimedDate WHERE {
          ?incident a dkg:Incident .
          OPTIONAL { ?incident dkg:place/rdfs:label ?place . FILTER(LANG(?place) = "en") }
          OPTIONAL { ?incident dkg:date ?date ; dkg:dateExpression ?expr }
          OPTIONAL { ?c dkg:about ?incident ; dkg:claimedPlace/rdfs:label ?claimedPlace .
                     FILTER(LANG(?claimedPlace) = "en") }
          OPTIONAL { ?c2 dkg:about ?incident ; dkg:claimedDate ?claimedDate }
        }""")
    kharkiv = [r for r in rows if r["incident"] == KHARKIV]
    assert {(r["place"], r["date"], r["expr"]) for r in kharkiv} == {
        ("Kharkiv", "2026-01-02", "vendredi après-midi")}
    khorly = [r for r in rows if r["incident"] == KHORLY]
    # Khorly's place and date are only known through Russian claims, never on the incident.
    assert {r["place"] for r in khorly} == {None} and {r["date"] for r in khorly} == {None}
    assert en(khorly, "claimedPlace") == {"Khorly"}
    hotel = [r for r in rows if r["incident"] == HOTEL]
    assert en(hotel, "claimedPlace") == {"Kherson Oblast"}
    assert en(hotel, "claimedDate") == {"2025-12-31"}


def test_cq2_who_attributes_to_whom_and_who_denies(db: ox.Store) -> None:
    rows = select(db, """
        SELECT ?incident ?claimant ?stance ?perpetrator WHERE {
          ?c dkg:about ?incident ; dkg:stance ?stance ; dkg:claimant/rdfs:label ?claimant .
          ?incident a dkg:Incident .
          OPTIONAL { ?c dkg:claimedPerpetrator/rdfs:label ?perpetrator .
                     FILTER(LANG(?perpetrator) = "en") }
          FILTER(LANG(?claimant) = "en")
        }""")
    pairs = {(r["claimant"], r["perpetrator"]) for r in rows if r["incident"] == KHARKIV
             and r["perpetrator"] and r["stance"].endswith(("reports", "accuses", "asserts"))}
    assert ("Ukrainian officials", "Russia") in pairs
    assert ("Volodymyr Zelenskyy", "the Russians") in pairs
    assert ("Ministry of Defence of the Russian Federation", "Armed Forces of Ukraine") in pairs
    denials = {(r["claimant"], r["perpetrator"]) for r in rows
               if r["incident"] == KHARKIV and r["stance"].endswith("/denies")}
    assert ("Ministry of Defence of the Russian Federation",
            "Armed Forces of the Russian Federation") in denials
    khorly = {(r["claimant"], r["perpetrator"]) for r in rows
              if r["incident"] == KHORLY and r["perpetrator"]}
    assert khorly == {("Russia", "Ukraine")}


def test_cq3_alternative_cause_by_whom_with_what_evidence(db: ox.Store) -> None:
    rows = select(db, """
        SELECT ?claimant ?cause ?evidence ?quote WHERE {
          ?c dkg:about <https://w3id.org/dispute-kg/id/incident/kharkiv-2026-01-02> ; dkg:claimedCause ?causeC ;
             dkg:claimant/rdfs:label ?claimant .
          ?causeC skos:prefLabel ?cause . FILTER(LANG(?cause) = "en" && LANG(?claimant) = "en")
          OPTIONAL { ?c dkg:claimedEvidence ?e . ?e rdfs:label ?evidence ;
                     dkg:verbatimQuote ?quote . FILTER(LANG(?evidence) = "fr") }
        }""")
    assert {r["claimant"] for r in rows} == {"Ministry of Defence of the Russian Federation"}
    assert all("munition" in r["cause"].lower() for r in rows)
    assert {r["quote"] for r in rows if r["quote"]} == {"une épaisse fumée d'origine inconnue"}
    assert {r["evidence"] for r in rows if r["evidence"]} == {"images filmées avant l'attaque"}


def test_cq4_casualty_figures_by_source_and_qualifier(db: ox.Store) -> None:
    rows = select(db, """
        SELECT ?incident ?claimant ?kind ?count ?qualifier WHERE {
          ?c dkg:about ?incident ; dkg:claimant/rdfs:label ?claimant ; dkg:reportsFigure ?f .
          ?incident a dkg:Incident . ?f a dkg:CasualtyFigure ; dkg:count ?count ;
             dkg:figureKind ?kind ; dkg:qualifier ?qualifier .
          FILTER(LANG(?claimant) = "en")
        }""")
    got = {(r["incident"].rsplit("/", 1)[1], r["claimant"], r["kind"].rsplit("/", 1)[1],
            int(r["count"]), r["qualifier"].rsplit("/", 1)[1]) for r in rows}
    expected = {
        ("kharkiv-2026-01-02", "Ukrainian officials", "killed", 2, "exact"),
        ("kharkiv-2026-01-02", "Ukrainian officials", "injured", 28, "about"),
        ("kharkiv-2026-01-02", "BBC", "hospitalized", 16, "exact"),
        ("khorly-new-years-eve", "Russia", "killed", 27, "at-least"),
        ("khorly-new-years-eve", "Russia", "injured", 30, "more-than"),
    }
    assert expected <= got
    other = select(db, """SELECT ?kind ?count ?qualifier WHERE { ?f a dkg:Figure ;
        dkg:figureKind ?kind ; dkg:count ?count ; dkg:qualifier ?qualifier .
        FILTER NOT EXISTS { ?f a dkg:CasualtyFigure } }""")
    assert {(r["kind"].rsplit("/", 1)[1], int(r["count"]), r["qualifier"].rsplit("/", 1)[1])
            for r in other} == {("volunteers", 80, "more-than"),
                                ("participating-countries", 15, "about"),
                                ("missiles", 2, "exact")}
    inclusion = select(db, """SELECT ?text WHERE { ?f dkg:count 2 ; dkg:inclusionText ?text }""")
    assert [r["text"] for r in inclusion] == ["dont un enfant de trois ans"]


def test_cq5_victims_with_age_and_harm(db: ox.Store) -> None:
    rows = select(db, """
        SELECT ?desc ?age ?harm ?role WHERE {
          ?v a dkg:Victim ; schema:description ?desc . FILTER(LANG(?desc) = "fr")
          OPTIONAL { ?v dkg:age ?age } OPTIONAL { ?v dkg:harm ?harm }
          OPTIONAL { ?v dkg:relationshipRole ?role . FILTER(LANG(?role) = "fr") }
        }""")
    got = {(r["desc"], r["age"], (r["harm"] or "").rsplit("/", 1)[1], r["role"]) for r in rows}
    assert ("un bébé de six mois", "P6M", "injured", None) in got
    assert ("un enfant de trois ans", "P3Y", "killed", None) in got
    assert ("une femme", None, "body-recovered", "mère") in got
    assert ("un enfant de trois ans", "P3Y", "body-recovered", "fils") in got


def test_cq6_claims_the_outlet_could_not_verify(db: ox.Store) -> None:
    rows = select(db, """
        SELECT ?claim ?claimant ?by WHERE {
          ?claim dkg:verificationStatus
                 <https://w3id.org/dispute-kg/ontology/verification-status/not-independently-verified> ;
                 dkg:claimant/rdfs:label ?claimant ; dkg:verificationStatedBy/dkg:claimant ?by .
          FILTER(LANG(?claimant) = "en")
        }""")
    assert {r["claimant"] for r in rows} == {"Russia", "Ministry of Defence of the Russian Federation"}
    assert {r["by"] for r in rows} == {"https://w3id.org/dispute-kg/id/actor/bbc"}
    about = select(db, """SELECT DISTINCT ?i WHERE { ?c dkg:verificationStatus ?s ; dkg:about ?i }""")
    assert {r["i"] for r in about} == {KHORLY, HOTEL}


def test_cq7_who_said_what_through_which_medium(db: ox.Store) -> None:
    rows = select(db, """
        SELECT ?claimant ?medium ?quote WHERE {
          ?c dkg:medium/rdfs:label ?medium ; dkg:claimant/rdfs:label ?claimant .
          OPTIONAL { ?c dkg:verbatimQuote ?quote }
          FILTER(LANG(?medium) = "en" && LANG(?claimant) = "en")
        }""")
    media = {(r["claimant"], r["medium"]) for r in rows}
    assert {("Volodymyr Zelenskyy", "X"), ("Ministry of Defence of the Russian Federation",
            "Telegram"), ("Ukraine", "statement to the BBC")} <= media
    x_quotes = {r["quote"] for r in rows if r["medium"] == "X" and r["quote"]}
    assert any(q.startswith("Malheureusement, c'est ainsi que les Russes") for q in x_quotes)


def test_cq8_disputes_between_which_claims_on_which_aspect(db: ox.Store) -> None:
    rows = select(db, """
        SELECT ?dispute ?incident ?aspect ?rule ?claimant WHERE {
          GRAPH <https://w3id.org/dispute-kg/graph/derived> {
            ?dispute a dkg:Dispute ; dkg:about ?incident ; dkg:aspect ?aspect ;
                     prov:wasGeneratedBy/prov:qualifiedAssociation/prov:hadPlan ?rule ;
                     dkg:involvesClaim ?claim }
          ?claim dkg:claimant/rdfs:label ?claimant . FILTER(LANG(?claimant) = "en")
        }""")
    by_aspect: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        key = (r["incident"].rsplit("/", 1)[1], r["aspect"].rsplit("/", 1)[1])
        by_aspect.setdefault(key, set()).add(r["claimant"])
    mod = "Ministry of Defence of the Russian Federation"
    assert {"Ukrainian officials", mod} <= by_aspect[("kharkiv-2026-01-02", "perpetrator")]
    assert {"Ukrainian officials", mod} <= by_aspect[("kharkiv-2026-01-02", "cause")]
    # the Ministry denies an attack, not the explosion: the clash is on the event type
    assert {"Ukrainian officials", "BBC", mod} <= by_aspect[("kharkiv-2026-01-02", "event-type")]
    assert ("kharkiv-2026-01-02", "occurrence") not in by_aspect
    assert by_aspect[("khorly-new-years-eve", "targeting")] >= {"Russia", "Ukraine"}
    assert all("/id/rule/" in r["rule"] for r in rows)
    rules = select(db, "SELECT ?r ?file WHERE { ?r a dkg:Rule ; dkg:queryFile ?file }")
    assert all(r["file"].startswith("queries/rules/") for r in rules)


def test_cq9_planned_meetings_where_when_with_whom(db: ox.Store) -> None:
    rows = select(db, """
        SELECT ?meeting ?place ?date ?participant WHERE {
          ?meeting a dkg:Meeting ; dkg:eventStatus ?status ; dkg:place/rdfs:label ?place ;
                   dkg:date ?date .
          FILTER(STRENDS(STR(?status), "/planned") && LANG(?place) = "en")
          OPTIONAL { { ?meeting dkg:participant ?p } UNION
                     { ?c dkg:about ?meeting ; dkg:claimedParticipant|dkg:claimedRemoteParticipant ?p }
                     ?p rdfs:label ?participant . FILTER(LANG(?participant) = "en") }
        }""")
    kyiv = [r for r in rows if r["place"] == "Kyiv"]
    assert {r["date"] for r in kyiv} == {"2026-01-03"}
    assert {"European Union", "NATO", "United States"} <= {r["participant"] for r in kyiv}
    france = [r for r in rows if r["place"] == "France"]
    assert {r["date"] for r in france} == {"2026-01-06"}
    assert {r["participant"] for r in france} == {"leaders of the coalition of the willing"}
    countries = select(db, """SELECT ?n ?q WHERE { ?c dkg:about <https://w3id.org/dispute-kg/id/event/kyiv-peace-talks> ;
        dkg:reportsFigure [ dkg:count ?n ; dkg:qualifier ?q ] }""")
    assert [(r["n"], r["q"].rsplit("/", 1)[1]) for r in countries] == [("15", "about")]


def test_cq10_the_sentence_behind_any_node(db: ox.Store) -> None:
    rows = select(db, """
        SELECT ?number ?sentence WHERE {
          <https://w3id.org/dispute-kg/id/victim/kharkiv-2026-01-02-bbc-fr/kharkiv-baby-injured> gaf:denotedBy ?m .
          ?m nif:sentence ?s . ?s dkg:sentenceNumber ?number ; nif:anchorOf ?sentence .
        }""")
    assert {(int(r["number"]), r["sentence"]) for r in rows} == {
        (9, "Sur les 28 blessés, dont un bébé de six mois, 16 ont été transportés à l'hôpital.")}
