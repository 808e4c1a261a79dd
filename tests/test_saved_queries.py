"""Every saved query runs on the seed graph; its rows say what the article says."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.annotations import AnnotationError
from kg.catalogue import Page, PageError, ParamError, load_catalogue, load_saved_query
from kg.config import PROJECT_ROOT
from kg.federation import WIKIDATA_SPARQL, remap_services
from tests.wikidata_standin import WIKIDATA_SAMPLE, standin_endpoint

CATALOGUE = load_catalogue()
ID = "https://w3id.org/dispute-kg/id/"
KHARKIV = ID + "incident/kharkiv-2026-01-02"
KHORLY = ID + "incident/khorly-new-years-eve"
HOTEL = ID + "incident/kherson-hotel-attack"
MOD = "Ministry of Defence of the Russian Federation"


@pytest.fixture(scope="module")
def wikidata() -> Iterator[str]:
    """Federated queries go to a local stand-in: no test touches the network."""
    with standin_endpoint(WIKIDATA_SAMPLE) as (url, _):
        yield url


def run(db: ox.Store, name: str, endpoint: str = "http://127.0.0.1:9/none",
        **params: str) -> list[dict[str, str | None]]:
    query = CATALOGUE[name]
    text = remap_services(query.query, {WIKIDATA_SPARQL: endpoint})
    results = db.query(text, use_default_graph_as_union=True, substitutions=query.bind(params))
    if isinstance(results, ox.QueryTriples):
        return [{"s": t.subject.value, "p": t.predicate.value, "o": t.object.value}
                for t in results]
    return plain(results)


def plain(results: ox.QuerySolutions) -> list[dict[str, str | None]]:
    """SELECT rows as {variable: value} dicts (None where unbound)."""
    names = [v.value for v in results.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in results]


def tail(iri: str | None) -> str | None:
    return iri.rsplit("/", 1)[1] if iri else None


def test_the_catalogue_has_the_questions_researchers_ask() -> None:
    assert {"disputes", "claims-by-actor", "denials", "attributions", "casualty-figures",
            "victims", "unverified-claims", "evidence", "counter-accusations", "quotes",
            "timeline", "context-events", "wikidata-links", "provenance"} <= set(CATALOGUE)
    for query in CATALOGUE.values():
        assert query.title["en"] and query.title["fr"] and query.description


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_saved_query_runs_and_answers(db: ox.Store, wikidata: str, name: str) -> None:
    assert run(db, name, wikidata), f"{name} returned no rows on the seed"


def _nothing(param_type: str) -> str:
    return {"iri": "https://example.invalid/nothing", "wikidata-id": "Q" + "9" * 9,
            "date": "1900-01-01", "integer": "99999", "string": "zz-nothing",
            "lang-string": "nothing@zz"}[param_type]


PARAMS = [(q.name, p.name, p.type) for q in CATALOGUE.values() for p in q.params
          if p.default is None]


@pytest.mark.parametrize(("name", "param", "kind"), PARAMS)
def test_each_parameter_restricts_the_rows(db: ox.Store, name: str, param: str, kind: str) -> None:
    """A value that matches nothing gives no rows (a parameter used only in OPTIONAL would
    instead be stamped on every row); the documented example gives some rows."""
    assert run(db, name, **{param: _nothing(kind)}) == []
    example = next(p.example for p in CATALOGUE[name].params if p.name == param)
    assert example, f"{name}: parameter {param} needs an example"
    rows = run(db, name, **{param: example})
    assert rows and len(rows) <= len(run(db, name))


def test_disputes(db: ox.Store) -> None:
    rows = run(db, "disputes", incident=KHARKIV)
    assert {r["incident"] for r in rows} == {KHARKIV}
    sides = {(tail(r["aspect"]), r["claimantLabel"]) for r in rows}
    assert ("event-type", MOD) in sides and ("event-type", "Ukrainian officials") in sides
    assert ("cause", MOD) in sides and ("perpetrator", "Ukrainian officials") in sides
    # a claim appears under an aspect only through the position it takes on it: the BBC names
    # no perpetrator, so it is not in the perpetrator dispute
    assert ("perpetrator", "BBC") not in sides
    positions = {(tail(r["aspect"]), r["positionLabel"], r["claimantLabel"]) for r in rows}
    assert ("perpetrator", "denied: Armed Forces of the Russian Federation", MOD) in positions
    assert ("perpetrator", "the Russians", "Volodymyr Zelenskyy") in positions
    assert all(r["rule"].startswith(ID + "rule/") and r["ruleLabel"] for r in rows)
    khorly = run(db, "disputes", incident=KHORLY)
    assert {(tail(r["aspect"]), r["claimantLabel"]) for r in khorly} >= {
        ("targeting", "Russia"), ("targeting", "Ukraine")}
    assert {r["lang"] for r in run(db, "disputes", lang="fr")} == {"fr"}


def test_claims_by_actor_by_iri_and_by_wikidata(db: ox.Store) -> None:
    by_iri = run(db, "claims-by-actor", actor=ID + "actor/russian-mod")
    by_qid = run(db, "claims-by-actor", wikidata="Q1146492")
    assert {r["claim"] for r in by_iri} == {r["claim"] for r in by_qid}
    assert len({r["claim"] for r in by_iri}) == 6  # S3 twice, S11, S12, S13 twice
    assert {r["medium"] for r in by_iri} == {None, "Telegram"}
    assert run(db, "claims-by-actor", wikidata="Q159")[0]["actorLabel"] == "Russia"


def test_denials_name_the_russian_mod_denying_the_kharkiv_attack(db: ox.Store) -> None:
    rows = run(db, "denials")
    assert {(r["claimantLabel"], r["incident"]) for r in rows} == {(MOD, KHARKIV)}
    assert {r["deniedEventType"] for r in rows} >= {"attack", "missile strike", "air strike"}
    assert "Armed Forces of the Russian Federation" in {r["deniedPerpetrator"] for r in rows}
    assert "Telegram" in {r["medium"] for r in rows}


def test_attributions(db: ox.Store) -> None:
    rows = run(db, "attributions")
    got = {(tail(r["incident"]), r["claimantLabel"], r["perpetratorLabel"]) for r in rows}
    assert got == {("kharkiv-2026-01-02", "Ukrainian officials", "Russia"),
                   ("kharkiv-2026-01-02", "Volodymyr Zelenskyy", "the Russians"),
                   ("kharkiv-2026-01-02", MOD, "Armed Forces of Ukraine"),
                   ("khorly-new-years-eve", "Russia", "Ukraine")}
    assert {r["eventType"] for r in rows if r["claimantLabel"] == "Russia"} == {"drone strike"}


def test_casualty_figures(db: ox.Store) -> None:
    rows = run(db, "casualty-figures")
    got = {(tail(r["incident"]), r["claimantLabel"], tail(r["kind"]), int(r["count"]),
            tail(r["qualifier"])) for r in rows}
    assert {("kharkiv-2026-01-02", "Ukrainian officials", "killed", 2, "exact"),
            ("kharkiv-2026-01-02", "Ukrainian officials", "injured", 28, "about"),
            ("kharkiv-2026-01-02", "BBC", "hospitalized", 16, "exact"),
            ("khorly-new-years-eve", "Russia", "killed", 27, "at-least"),
            ("khorly-new-years-eve", "Russia", "injured", 30, "more-than")} <= got
    quotes = {r["quote"] for r in rows}
    assert {"Deux personnes", "environ 28 autres blessées", "au moins 27 personnes",
            "plus de 30 autres"} <= quotes
    assert "dont un enfant de trois ans" not in quotes  # the inclusion is its own column
    assert {r["inclusion"] for r in rows if r["count"] == "2"} == {"dont un enfant de trois ans"}


def test_victims(db: ox.Store) -> None:
    rows = run(db, "victims", lang="fr")
    got = {(r["description"], r["age"], r["relationship"]) for r in rows}
    assert got == {("un enfant de trois ans", "P3Y", None), ("un bébé de six mois", "P6M", None),
                   ("une femme", None, "mère"), ("un enfant de trois ans", "P3Y", "fils")}
    assert {r["claimantLabel"] for r in rows} == {"responsables ukrainiens", "autorités de Kharkiv",
                                                 "BBC"}
    # the three-year-old child of sentences 1 and 7, possibly one child, is counted once
    assert len(rows) == 4 and len({r["person"] for r in rows}) == 3


def test_unverified_claims_are_the_khorly_claims_the_bbc_could_not_verify(db: ox.Store) -> None:
    rows = run(db, "unverified-claims")
    assert {(r["claimantLabel"], r["incident"]) for r in rows} == {
        ("Russia", KHORLY), (MOD, HOTEL)}
    assert {r["statedByLabel"] for r in rows} == {"BBC"}
    assert all("vérifier de manière indépendante" in r["statement"] for r in rows)


def test_evidence(db: ox.Store) -> None:
    rows = run(db, "evidence")
    assert [(r["claimantLabel"], r["quote"]) for r in rows] == [
        (MOD, "une épaisse fumée d'origine inconnue")]
    assert "forces armées ukrainiennes avaient fait exploser des munitions" in rows[0]["content"]


def test_counter_accusations(db: ox.Store) -> None:
    rows = run(db, "counter-accusations")
    assert (MOD, HOTEL) in {(r["claimantLabel"], r["target"]) for r in rows
                             if r["relation"] == "brings up another incident"}
    replies = {(r["claimantLabel"], tail(r["target"])) for r in rows
               if r["relation"] == "responds to a claim"}
    assert ("Ukraine", "russia-accuses-ukraine-khorly") in replies


def test_quotes_by_speaker_and_medium(db: ox.Store) -> None:
    text = (PROJECT_ROOT / "seeds/kharkiv-2026-01-02-bbc-fr/article.txt").read_text("utf-8")
    rows = run(db, "quotes")
    for r in rows:
        assert text[int(r["begin"]):int(r["end"])] == r["quote"]
        assert f'"{r["quote"]}"' in text  # the article puts these words in quotation marks
    assert {(r["speakerLabel"], r["medium"]) for r in rows} >= {
        ("Volodymyr Zelenskyy", "X"), (MOD, "Telegram"),
        ("Ministry of Foreign Affairs of Russia", None)}
    zelensky = run(db, "quotes", speaker=ID + "actor/zelensky")
    assert {r["quote"] for r in zelensky} >= {"odieuse"}


def test_timeline(db: ox.Store) -> None:
    rows = run(db, "timeline")
    got = [(r["date"], tail(r["what"]), r["accordingTo"]) for r in rows]
    assert got == [("2025-12-31", "kherson-hotel-attack", MOD),
                   ("2026-01-02", "kharkiv-2026-01-02", None),
                   ("2026-01-03", "kyiv-peace-talks", None),
                   ("2026-01-06", "coalition-meeting-2026-01-06", None)]


def test_context_events(db: ox.Store) -> None:
    rows = run(db, "context-events")
    events = {tail(r["event"]): r for r in rows}
    assert set(events) == {"kyiv-peace-talks", "coalition-meeting-2026-01-06",
                           "kharkiv-rescue-operation", "khorly-investigation"}
    kyiv = {r["participant"]: r["announcedBy"] for r in rows if tail(r["event"]) == "kyiv-peace-talks"}
    assert kyiv == {"European Union": "Volodymyr Zelenskyy", "NATO": "Volodymyr Zelenskyy",
                    "United States": "Volodymyr Zelenskyy"}
    assert {r["participant"] for r in rows if tail(r["event"]) == "khorly-investigation"} == {
        "Investigative Committee of Russia"}


def test_wikidata_links(db: ox.Store) -> None:
    rows = run(db, "wikidata-links")
    linked = {r["label"]: r["wikidata"] for r in rows if r["wikidata"]}
    assert linked["Volodymyr Zelenskyy"] == "http://www.wikidata.org/entity/Q3874799"
    assert linked["Kharkiv"] == "http://www.wikidata.org/entity/Q42308"
    reasons = {r["label"]: r["reason"] for r in rows if r["reason"]}
    assert "leave unlinked" in reasons["Oleh Syniehubov"]
    assert "GeoNames 706295" in reasons["Khorly"]


def test_provenance_for_a_node_and_a_sentence(db: ox.Store) -> None:
    rows = run(db, "provenance", node=ID + "medium/telegram")
    assert [(r["quote"], r["sentenceNumber"]) for r in rows] == [("Telegram", "11")]
    sentence = run(db, "provenance", sentence="14")
    assert {r["sentenceText"] for r in sentence} == {
        line for line in (PROJECT_ROOT / "seeds/kharkiv-2026-01-02-bbc-fr/article.txt")
        .read_text("utf-8").splitlines() if line.startswith("La Russie a accusé")}


@pytest.mark.parametrize("bad", ["Q1 } UNION { ?s ?p ?o", "Q" + "12\n", "q42", "Q0", "42"])
def test_wikidata_parameter_rejects_anything_but_a_qid(bad: str) -> None:
    with pytest.raises(ParamError, match="wikidata"):
        CATALOGUE["claims-by-actor"].bind({"wikidata": bad})


@pytest.mark.parametrize("bad", ["not an iri", "http://a b", "<http://x>", "http://x>{", "http://x\n", "",
                                 "http://a/%zz", "http://a/x#y#z", "http://[::1"])
def test_iri_parameter_rejects_non_iris(bad: str) -> None:
    if bad == "":
        assert CATALOGUE["disputes"].bind({"incident": bad}) == CATALOGUE["disputes"].bind({})
        return
    with pytest.raises(ParamError, match="incident"):
        CATALOGUE["disputes"].bind({"incident": bad})


def test_unknown_parameter_and_disallowed_value_are_refused() -> None:
    with pytest.raises(ParamError, match="unknown parameter"):
        CATALOGUE["denials"].bind({"incident": KHARKIV})
    with pytest.raises(ParamError, match="not one of"):
        CATALOGUE["denials"].bind({"lang": "de"})


def test_string_injection_changes_nothing(db: ox.Store) -> None:
    for attempt in ['en") } UNION { ?s ?p ?o } #', "en\n} SELECT * {", 'fr"@en']:
        with pytest.raises(ParamError):  # lang only takes its allowed values
            run(db, "disputes", lang=attempt)


@pytest.mark.parametrize("header,message", [
    ("#+ title: {en: x}\n", "title"),
    ("#+ title: {en: a, fr: b}\n#+ params:\n#+   x: {type: float}\n", "type"),
    ("#+ title: {en: a, fr: b}\n#+ params:\n#+   y: {type: iri}\n", "does not occur"),
    ("#+ title: [unclosed\n", "metadata header"),
])
def test_malformed_header_is_an_error_naming_the_file(tmp_path: Path, header: str,
                                                       message: str) -> None:
    path = tmp_path / "broken-query.rq"
    path.write_text(header + "SELECT ?x WHERE { ?x ?p ?o }\n", encoding="utf-8")
    with pytest.raises(AnnotationError, match=message) as info:
        load_saved_query(path)
    assert "broken-query.rq" in str(info.value)


def test_cli_runs_saved_queries_with_parameters(built_store: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "kg", "query", "claims-by-actor", "--param",
                             "wikidata=Q3874799", "--format", "csv", "--store", str(built_store)],
                            capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Volodymyr Zelenskyy") >= 3
    assert "Russia" not in result.stdout.split("\n", 1)[1].split(",")[1]
    bad = subprocess.run([sys.executable, "-m", "kg", "query", "claims-by-actor", "--param",
                          "wikidata=Q1 } UNION {", "--store", str(built_store)],
                         capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60)
    assert bad.returncode == 1 and "parameter 'wikidata'" in bad.stderr


# --- paging ---------------------------------------------------------------------------------

def test_pages_of_the_seed_add_up_to_the_whole_answer(db: ox.Store) -> None:
    """Page after page at one dispute per page: whole disputes, in order, the whole answer."""
    q = CATALOGUE["disputes"]
    assert q.paging is not None and q.paging.unit == "dispute"
    whole = run(db, "disputes")
    pages = []
    for number in range(1, 20):
        text = q.paging.text(q.query, Page(number, 1))
        rows = plain(db.query(text, use_default_graph_as_union=True, substitutions=q.bind({})))
        if not rows:
            break
        assert len({r["dispute"] for r in rows}) == 1
        pages.append(rows)
    assert len(pages) == len({r["dispute"] for r in whole}) > 1
    assert [r for p in pages for r in p] == whole
    assert q.paging.text(q.query, Page(1, None)) == q.query


@pytest.mark.parametrize(("values", "page"), [
    ({}, Page(1, 25)), ({"page": "3"}, Page(3, 25)), ({"page_size": "500"}, Page(1, 500)),
    ({"page_size": "all"}, Page(1, None)), ({"page": "1", "page_size": "all"}, Page(1, None))])
def test_page_parameters(values: dict[str, str], page: Page) -> None:
    assert CATALOGUE["disputes"].split_paging({**values, "lang": "fr"}) == (page, {"lang": "fr"})


@pytest.mark.parametrize(("values", "param"), [
    ({"page": "0"}, "page"), ({"page": "01"}, "page"), ({"page": "2\n"}, "page"),
    ({"page_size": "501"}, "page_size"), ({"page_size": "-3"}, "page_size"),
    ({"page": "2", "page_size": "all"}, "page")])
def test_bad_page_parameters(values: dict[str, str], param: str) -> None:
    with pytest.raises(PageError) as info:
        CATALOGUE["disputes"].split_paging(values)
    assert info.value.param == param


@pytest.mark.parametrize(("paging", "query", "message"), [
    ("{unit: dispute, size: 0, max: 5}", "SELECT ?x WHERE { { SELECT ?dispute WHERE { ?dispute ?p ?o } ORDER BY ?dispute } }", "0 < N"),
    ("{unit: dispute, size: 5, max: 2}", "SELECT ?x WHERE { { SELECT ?dispute WHERE { ?dispute ?p ?o } ORDER BY ?dispute } }", "0 < N"),
    ("{unit: dispute, size: 5, max: 9}", "SELECT ?dispute WHERE { ?dispute ?p ?o } ORDER BY ?dispute", "subquery"),
    ("{unit: claim, size: 5, max: 9}", "SELECT ?x WHERE { { SELECT ?dispute WHERE { ?dispute ?p ?o } ORDER BY ?dispute } }", r"project \?claim"),
    ("{unit: dispute, size: 5, max: 9}", "SELECT ?x WHERE { { SELECT ?dispute WHERE { ?dispute ?p ?o } } }", "ORDER BY"),
    ("{unit: dispute, size: 5, max: 9}", "SELECT ?x WHERE { { SELECT ?dispute WHERE { ?dispute ?p ?o } ORDER BY ?dispute LIMIT 3 } }", "no LIMIT"),
])
def test_malformed_paging_header_names_the_file(tmp_path: Path, paging: str, query: str,
                                                message: str) -> None:
    path = tmp_path / "paged-query.rq"
    path.write_text(f"#+ title: {{en: a, fr: b}}\n#+ paging: {paging}\n{query}\n",
                    encoding="utf-8")
    with pytest.raises(AnnotationError, match=message) as info:
        load_saved_query(path)
    assert "paged-query.rq" in str(info.value)


def test_page_limit_goes_after_the_subquery_order() -> None:
    q = CATALOGUE["disputes"]
    assert q.paging is not None
    text = q.paging.text(q.query, Page(3, 10))
    assert "ORDER BY ?disputeKey LIMIT 10 OFFSET 20 }" in text
    assert text.replace(" LIMIT 10 OFFSET 20", "") == q.query


def test_remap_services_rewrites_only_service_iris() -> None:
    """The SERVICE address is rewritten where the engine reads one: never inside a comment or
    a string, and after SERVICE SILENT too."""
    stand_in = "http://127.0.0.1:9/sparql"
    text = (f"SELECT * WHERE {{ SERVICE SILENT <{WIKIDATA_SPARQL}> {{ ?a ?b ?c }} "
            f"# SERVICE <{WIKIDATA_SPARQL}>\n"
            f"FILTER(?x = \"SERVICE <{WIKIDATA_SPARQL}>\") SERVICE\n<{WIKIDATA_SPARQL}> {{}} }}")
    out = remap_services(text, {WIKIDATA_SPARQL: stand_in})
    assert out.count(stand_in) == 2 and out.count(WIKIDATA_SPARQL) == 2
    assert f"# SERVICE <{WIKIDATA_SPARQL}>" in out and f'"SERVICE <{WIKIDATA_SPARQL}>"' in out
