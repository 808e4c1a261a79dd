"""The graph says what the article says, attributed to whom it says it, with exact spans."""

from __future__ import annotations

import csv
import hashlib
import re
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.config import PROJECT_ROOT
from tests.conftest import SEED_ID, SEEDS, SHARED, select

ARTICLE = SEEDS / SEED_ID / "article.txt"
SEED_SHA256 = "8ac043e029bf53ad75eb8685690ce84108fd919c2a403b682932e5d6d387b14a"


def article_text() -> str:
    return ARTICLE.read_bytes().decode("utf-8")


def test_seed_is_the_shared_article_byte_for_byte() -> None:
    data = ARTICLE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SEED_SHA256
    shared = SHARED / "seeds" / "000_5d75f67c57fb49c1.txt"
    if shared.exists():
        assert data == shared.read_bytes()


def test_seeds_hold_only_real_articles() -> None:
    """seeds/ is the published dataset: no article there may be marked as invented."""
    from kg.article import article_folders, load_article

    invented = [f.name for f in article_folders(SEEDS) if load_article(f).meta.invented]
    assert not invented, f"invented articles in seeds/: {invented}"


def test_every_sentence_is_the_evidence_of_some_node(db: ox.Store) -> None:
    text = article_text()
    sentences = [line.strip() for line in text.split("\n") if line.strip()]
    assert len(sentences) == 18
    rows = select(db, """
        SELECT DISTINCT ?begin ?end WHERE {
          ?node prov:wasDerivedFrom|gaf:denotedBy|dkg:attestedBy ?m . ?m nif:sentence ?s .
          ?s nif:beginIndex ?begin ; nif:endIndex ?end .
        }""")
    evidenced = {text[int(r["begin"]):int(r["end"])] for r in rows}
    missing = [s for s in sentences if s not in evidenced]
    assert not missing, f"sentences that are nobody's evidence: {missing}"


def test_every_anchor_equals_the_article_text_at_its_offsets(db: ox.Store) -> None:
    text = article_text()
    rows = select(db, """
        SELECT ?m ?b ?e ?anchor ?context WHERE {
          ?m a dkg:Mention ; nif:beginIndex ?b ; nif:endIndex ?e ; nif:anchorOf ?anchor ;
             nif:referenceContext ?context .
        }""")
    assert len(rows) > 100
    wrong = [r for r in rows if text[int(r["b"]):int(r["e"])] != r["anchor"]]
    assert not wrong
    assert {r["context"] for r in rows} == {f"https://w3id.org/dispute-kg/id/article/{SEED_ID}"}
    stored = select(db, "SELECT ?t WHERE { ?a a dkg:Article ; nif:isString ?t }")
    assert [r["t"] for r in stored] == [text]


def test_every_mapped_node_has_evidence(db: ox.Store) -> None:
    """Records are derived from their mentions; real-world things are denoted by theirs."""
    rows = select(db, """
        SELECT ?node ?class WHERE {
          VALUES ?class { dkg:Claim dkg:Figure dkg:Evidence }
          ?node a ?class .
          FILTER NOT EXISTS { ?node prov:wasDerivedFrom/a dkg:Mention }
        }""")
    assert rows == []
    rows = select(db, """
        SELECT ?node ?class WHERE {
          VALUES ?class { dkg:Actor dkg:Place dkg:Medium dkg:Incident dkg:ContextEvent dkg:Victim }
          ?node a ?class .
          FILTER NOT EXISTS { ?node gaf:denotedBy/a dkg:Mention }
        }""")
    assert rows == []


def test_no_real_world_thing_is_derived_from_a_span(db: ox.Store) -> None:
    """With owl:sameAs, "derived from a sentence" would reach Wikidata's items (issue 19)."""
    rows = select(db, """
        SELECT ?node WHERE {
          VALUES ?class { dkg:Actor dkg:Place dkg:Medium dkg:Incident dkg:ContextEvent dkg:Victim }
          ?node a ?class ; prov:wasDerivedFrom ?m .
        }""")
    assert rows == []


CLAIM_CONTENT = ["claimedPerpetrator", "claimedCause", "claimedEventType", "claimedTargetKind",
                 "claimedTarget", "reportsFigure", "reportsVictim", "claimedEvidence"]


@pytest.mark.parametrize("prop", CLAIM_CONTENT)
def test_disputed_content_only_on_claims(db: ox.Store, prop: str) -> None:
    on_claims = select(db, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s dkg:{prop} ?o . ?s a dkg:Claim }}")
    elsewhere = select(db, f"""SELECT ?s WHERE {{ ?s dkg:{prop} ?o .
                                FILTER NOT EXISTS {{ ?s a dkg:Claim }} }}""")
    assert int(on_claims[0]["n"]) > 0
    assert elsewhere == []


def test_no_disputed_proposition_is_a_bare_fact(db: ox.Store) -> None:
    # No incident is typed as an attack, nor carries a perpetrator, a cause or a count.
    assert select(db, "SELECT ?i WHERE { ?i a dkg:Attack }") == []
    bare = select(db, """
        SELECT ?i ?p WHERE { ?i a dkg:Incident ; ?p ?o .
          FILTER(?p IN (dkg:claimedPerpetrator, dkg:claimedCause, dkg:claimedEventType,
                        dkg:count, dkg:reportsFigure)) }""")
    assert bare == []
    # Wikidata's statement properties would state facts: none in the data graphs.
    wd = select(db, """SELECT ?p WHERE { GRAPH ?g { ?s ?p ?o }
        FILTER(?g != <https://w3id.org/dispute-kg/graph/ontology>)
        FILTER(STRSTARTS(STR(?p), "http://www.wikidata.org/")) }""")
    assert wd == []
    # Every count belongs to a figure that exactly one claim reports.
    counts = select(db, """SELECT ?f (COUNT(DISTINCT ?c) AS ?claims) WHERE {
        ?f dkg:count ?n . OPTIONAL { ?c dkg:reportsFigure ?f . ?c a dkg:Claim } } GROUP BY ?f""")
    assert counts and all(r["claims"] == "1" for r in counts)


def test_quoted_wording_of_the_foreign_ministry_stays_a_quote(db: ox.Store) -> None:
    rows = select(db, """SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o }
        FILTER(isLiteral(?o) && CONTAINS(STR(?o), "réunifiées"))
        FILTER(?g != <https://w3id.org/dispute-kg/graph/ontology>) }""")
    # Only the article text, the mention anchors and the claim's own quote/content carry it.
    allowed = {"http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#isString",
               "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#anchorOf",
               "https://w3id.org/dispute-kg/ontology#verbatimQuote",
               "https://w3id.org/dispute-kg/ontology#contentText"}
    assert rows and {r["p"] for r in rows} <= allowed
    claimants = select(db, """SELECT DISTINCT ?who WHERE { ?c dkg:verbatimQuote ?q ;
        dkg:claimant/rdfs:label ?who . FILTER(CONTAINS(?q, "réunifiées") && LANG(?who) = "en") }""")
    assert [r["who"] for r in claimants] == ["Ministry of Foreign Affairs of Russia"]


def _verified_qids() -> set[str]:
    table = SHARED / "wikidata" / "verified-qids.tsv"
    if not table.exists():  # a clone without shared/: the project's own copy
        table = PROJECT_ROOT / "kg" / "data" / "verified-qids.tsv"
    with table.open(encoding="utf-8") as fh:
        return {row["qid"] for row in csv.DictReader(fh, delimiter="\t")}


def test_project_copies_of_the_wikidata_tables_match_shared() -> None:
    for name in ("verified-qids.tsv", "unverified.tsv", "properties.tsv"):
        shared = SHARED / "wikidata" / name
        if shared.exists():
            assert (PROJECT_ROOT / "kg" / "data" / name).read_bytes() == shared.read_bytes()


def test_every_wikidata_link_is_verified(db: ox.Store) -> None:
    rows = select(db, "SELECT ?s ?o WHERE { ?s owl:sameAs ?o }")
    assert rows
    qids = {r["o"].removeprefix("http://www.wikidata.org/entity/") for r in rows}
    assert all(r["o"].startswith("http://www.wikidata.org/entity/Q") for r in rows)
    assert qids <= _verified_qids()


def test_unverified_entities_carry_no_link(db: ox.Store) -> None:
    with (PROJECT_ROOT / "kg" / "data" / "unverified.tsv").open(encoding="utf-8") as fh:
        names = [row["entity"] for row in csv.DictReader(fh, delimiter="\t")]
    linked = {r["label"].lower() for r in select(db, """SELECT ?label WHERE {
        ?s owl:sameAs ?o ; rdfs:label|skos:altLabel ?label }""")}
    for name in names:
        for part in name.split(";"):
            label = re.sub(r"\s*\(.*\)$", "", part.strip()).lower()
            assert label not in linked, f"{name!r} is unverified but linked"
    unlinked = select(db, """SELECT ?label WHERE { ?s dkg:linkStatus
        <https://w3id.org/dispute-kg/ontology/link-status/unlinked-unverified> ;
        rdfs:label ?label . FILTER(LANG(?label) = "en") }""")
    assert {"Oleh Syniehubov", "Khorly", "Telegram", "Investigative Committee of Russia",
            "Ministry of Foreign Affairs of Russia", "Armed Forces of Ukraine",
            "Armed Forces of the Russian Federation", "coalition of the willing"} <= {
        r["label"] for r in unlinked}


def test_no_unverified_qid_in_any_tracked_file() -> None:
    files = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    pattern = re.compile(r"(?:wd:|wikidata\.org/(?:entity|wiki)/)Q[0-9]+|\bQ[0-9]{2,9}\b")
    found: dict[str, str] = {}
    # The one exception: the verbatim copy of the researched non-links, whose notes name an ID
    # only to say that ID is NOT the entity (a wrong candidate). It is never read as a link.
    files = [f for f in files if f != "kg/data/unverified.tsv"]
    for name in files:
        path = PROJECT_ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for match in pattern.findall(text):
            found.setdefault(re.search(r"Q[0-9]+", match).group(), name)
    stray = {q: f for q, f in found.items() if q not in _verified_qids()}
    assert not stray, f"Wikidata IDs without evidence: {stray}"


def test_store_dir_is_a_link_into_builds(built_store: Path) -> None:
    assert built_store.is_symlink()
    assert Path(built_store.resolve()).parent.name == "store.builds"


def _undeclared(quads: list[ox.Quad]) -> set[str]:
    """The dkg: terms and scheme concepts among `quads`, outside the ontology graph, that the
    ontology does not declare."""
    from kg.config import CONCEPT_BASE, ONTOLOGY_NS, Iris
    from kg.ontology import ontology_quads

    graph = Iris("https://w3id.org/dispute-kg/").ontology_graph
    declared = {q.subject.value for q in ontology_quads(graph)}
    used = {t.value for q in quads if q.graph_name.value != graph
            for t in (q.predicate, q.object, q.subject) if isinstance(t, ox.NamedNode)
            and (t.value.startswith(ONTOLOGY_NS) or t.value.startswith(CONCEPT_BASE))}
    return used - declared


def test_every_ontology_iri_the_build_emits_is_declared(seed_build, tmp_path: Path) -> None:
    """In the article graphs, the derived graph and the gazetteer: of the seed, of the invented
    articles and of a synthetic article."""
    from kg.build import compile_graph
    from kg.synth import synth
    from tests.conftest import INVENTED

    assert _undeclared(seed_build.quads) == set()
    assert _undeclared(compile_graph(INVENTED, shacl=False).quads) == set()
    synth(tmp_path / "synth", articles=3)
    assert _undeclared(compile_graph(tmp_path / "synth", shacl=False).quads) == set()
