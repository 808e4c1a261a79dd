"""`kg draft`: what the drafter finds on small texts, and that every draft is the annotation
format (validates, every value quoted, every entry marked drafted).

Quality figures are measured by bench/extract.py, never asserted here. The short texts below
are written for these tests (invented), one pattern each.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from kg.anchoring import Anchorer
from kg.annotations import Annotations, ArticleMeta, QuoteIn
from kg.draft.corpus import load_corpus
from kg.draft.extract import Draft, Drafter
from kg.draft.lexicon import lexicon
from kg.draft.nlp import french
from kg.draft.run import CorpusFor, article_inputs, check_draft, draft_texts
from kg.draft.write import to_yaml

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "fixtures" / "drafting"
SEEDS = ROOT / "seeds"


def meta(published: str = "2026-02-05", publisher: str = "agence-horizon") -> ArticleMeta:
    return ArticleMeta.model_validate({
        "title": {"fr": "Essai", "en": "Test"}, "publisher": publisher, "language": "fr",
        "published": published, "invented": True})


def draft_of(text: str, published: str = "2026-02-05", corpus_dir: Path | None = None,
             publisher: str = "agence-horizon") -> tuple[Draft, dict[str, Any]]:
    """Draft a text (one sentence a line) and return the draft and its YAML as data."""
    text = text.strip() + "\n"
    lines = [line for line in text.split("\n") if line.strip()]
    docs = list(french().pipe(lines))
    drafter = Drafter("essai", text, meta(published, publisher), load_corpus(corpus_dir),
                      lexicon())
    draft = drafter.run(docs)
    data = yaml.safe_load(to_yaml(draft))
    Annotations.model_validate(data)  # the annotation format, whatever else
    return draft, data


def claims(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["claims"]


def entity(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(e for e in data["entities"] if e["id"] == key)


# --- speech acts and sources --------------------------------------------------------------

def test_inverted_subject_with_title_and_name_is_the_claimant() -> None:
    _, data = draft_of("Deux civils ont été tués mardi à Kherson, a indiqué le gouverneur de "
                       "la région, Petro Vasylenko, sur Telegram.", "2026-03-04")
    (claim,) = claims(data)
    person = entity(data, claim["claimant"])
    assert person["kind"] == "person"
    assert person["label"]["fr"] == "Petro Vasylenko"
    assert person["role"]["fr"].startswith("gouverneur")
    assert claim["stance"] == "reports"
    assert entity(data, claim["medium"])["kind"] == "online-service"


@pytest.mark.parametrize(("sentence", "stance"), [
    ("Le ministère russe de la défense a démenti toute frappe contre des civils.", "denies"),
    ("Le ministère russe de la défense a nié avoir visé la ville.", "denies"),
    ("Le ministère ukrainien des affaires étrangères a accusé la Russie d'avoir frappé "
     "une école.", "accuses"),
    ("L'Organisation des Nations unies a condamné l'attaque.", "condemns"),
    ("Le maire a qualifié la frappe de \"barbare\".", "condemns"),
    ("Un responsable militaire a suggéré que l'explosion venait d'un dépôt.", "suggests"),
    ("Le gouverneur a annoncé l'ouverture d'un centre d'accueil.", "announces"),
    ("Le Kremlin s'est refusé à tout commentaire.", "declines-to-comment"),
    ("L'armée russe n'a pas commenté ces informations.", "declines-to-comment"),
    ("L'agence Horizon n'a pas pu vérifier ces affirmations.", "cannot-verify"),
    ("L'agence Horizon n'est pas en mesure de vérifier ce bilan.", "cannot-verify"),
    ("La police a affirmé que la situation était sous contrôle.", "asserts"),
])
def test_verbs_of_saying_give_their_stance(sentence: str, stance: str) -> None:
    _, data = draft_of(sentence)
    assert [c["stance"] for c in claims(data)] == [stance]


def test_selon_and_d_apres_make_the_named_source_the_claimant() -> None:
    _, data = draft_of("Selon les services de secours, trois personnes ont été blessées.\n"
                       "D'après la police régionale, un immeuble a été endommagé.")
    first, second = claims(data)
    assert entity(data, first["claimant"])["label"]["fr"] == "services de secours"
    assert entity(data, second["claimant"])["label"]["fr"] == "police régionale"
    assert first["stance"] == second["stance"] == "reports"


def test_continuation_is_attached_to_the_previous_speaker() -> None:
    _, data = draft_of("Le ministère russe de la défense a démenti toute frappe sur la ville.\n"
                       "Il a ajouté que ses forces ne visaient que des cibles militaires.\n"
                       "Des drones ont touché un entrepôt, a-t-il précisé.")
    first, second, third = claims(data)
    for later in (second, third):
        assert later["claimant"] == first["claimant"]
        assert later["attribution"] == "contextual"
    assert second["continues"] == first["id"]
    assert third["continues"] == second["id"]


def test_unattributed_sentence_is_the_outlet_voice() -> None:
    _, data = draft_of("Cinq personnes ont été blessées lors d'une frappe sur Kharkiv.\n"
                       "L'agence Horizon n'a pas pu vérifier ce bilan.")
    voice, verify = claims(data)
    assert voice["claimant"] == verify["claimant"] == "agence-horizon"
    assert voice["attribution"] == "outlet-voice"
    assert verify["stance"] == "cannot-verify"


# --- media --------------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "kind", "addressee"), [
    ("Le gouverneur a déclaré sur sa chaîne Telegram que deux maisons avaient brûlé.",
     "online-service", None),
    ("Le ministre a écrit sur X que la frappe visait des civils.", "online-service", None),
    ("Le parquet a annoncé dans un communiqué l'ouverture d'une enquête.",
     "direct-statement", None),
    ("La porte-parole a démenti ces informations à la télévision.", "direct-statement", None),
    ("Un responsable, cité par l'agence Interfax, a démenti toute perte.",
     "direct-statement", "interfax"),
    ("Le ministère a déclaré à la BBC qu'il ne commenterait pas.", "direct-statement", "bbc"),
])
def test_media(sentence: str, kind: str, addressee: str | None) -> None:
    _, data = draft_of(sentence)
    (claim,) = claims(data)
    medium = entity(data, claim["medium"])
    assert medium["kind"] == kind
    assert medium.get("addressee") == addressee


# --- figures and victims ------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "kind", "count", "qualifier"), [
    ("Au moins 27 personnes ont été tuées, selon la police.", "killed", 27, "at-least"),
    ("Une trentaine de blessés ont été recensés, selon la police.", "injured", 30, "about"),
    ("Plus de 80 volontaires aident les secours, selon la mairie.", "volunteers", 80,
     "more-than"),
    ("Environ 45 personnes ont été blessées, selon la police.", "injured", 45, "about"),
    ("Vingt-sept morts ont été recensés, selon la police.", "killed", 27, "exact"),
    ("Selon la police, la frappe a fait près de 30 blessés.", "injured", 30, "about"),
    ("Selon la police, 16 blessés ont été transportés à l'hôpital.", "hospitalized", 16,
     "exact"),
    ("Un drone a frappé un bus, tuant deux personnes, selon la police.", "killed", 2, "exact"),
    ("Le bilan est passé à neuf morts, selon la police.", "killed", 9, "exact"),
])
def test_figures(sentence: str, kind: str, count: int, qualifier: str) -> None:
    _, data = draft_of(sentence)
    figures = [f for c in claims(data) for f in c.get("figures", [])]
    assert [(f["kind"], f["count"], f["qualifier"]) for f in figures] == \
        [(kind, count, qualifier)]


def test_figure_inclusion_and_victims_with_ages() -> None:
    _, data = draft_of("Trois personnes, dont un enfant de cinq ans, ont été tuées, a indiqué "
                       "la police.\nParmi les blessés figure un bébé de six mois, selon la "
                       "mairie.")
    first, second = claims(data)
    (killed,) = first["figures"]
    (child,) = first["victims"]
    assert killed["inclusion"] == "dont un enfant de cinq ans"
    assert killed["includes"] == [child["id"]]
    assert (child["age"], child["harm"]) == ("P5Y", "killed")
    (baby,) = second["victims"]
    assert (baby["age"], baby["harm"]) == ("P6M", "injured")


def test_figure_kinds_the_format_lacks_are_skipped_and_said() -> None:
    draft, data = draft_of("Une dizaine de personnes sont portées disparues, selon la police.")
    assert not [f for c in claims(data) for f in c.get("figures", [])]
    assert any("missing" in n.why for n in draft.notes)


def test_figures_attach_to_the_claim_whose_clause_holds_them() -> None:
    _, data = draft_of("Le ministère a démenti toute frappe, affirmant que 12 soldats avaient "
                       "été blessés par une mine.")
    denial, assertion = claims(data)
    assert "figures" not in denial
    assert [(f["kind"], f["count"]) for f in assertion["figures"]] == [("injured", 12)]


# --- incidents ----------------------------------------------------------------------------

def test_incident_with_place_and_date_resolved_against_publication() -> None:
    _, data = draft_of("Une frappe de missiles a touché jeudi soir un immeuble de Kharkiv, "
                       "selon la police.", "2026-02-07")
    (incident,) = data["incidents"]
    assert entity(data, incident["place"])["wikidata"] == "Q42308"  # from the verified table
    assert incident["date"]["expression"] == "jeudi soir"
    assert "5 février 2026" in incident["label"]["fr"]
    (claim,) = claims(data)
    assert claim["about"] == [incident["id"]]
    assert claim["event_type"] == ["missile-strike"]


def test_perpetrator_is_claim_content_never_on_the_incident() -> None:
    _, data = draft_of("Une frappe russe a tué deux personnes à Kherson, selon la police.")
    (incident,) = data["incidents"]
    assert "perpetrator" not in incident
    (claim,) = claims(data)
    assert [entity(data, p)["label"]["en"] for p in claim["perpetrator"]] == ["Russia"]


def test_an_incident_of_the_corpus_is_referred_to_not_duplicated() -> None:
    corpus = DEV  # its Kherson market strike of 5 February 2026
    _, data = draft_of("Une frappe sur un marché de Kherson a fait dix morts jeudi, selon la "
                       "police.", "2026-02-06", corpus_dir=corpus)
    (incident,) = data["incidents"]
    assert incident["id"] == "kherson-market-strike-2026-02-05"
    assert incident["drafted"]["rule"] == "incident-corpus"


def test_claimants_reuse_corpus_entities_and_verified_links() -> None:
    _, data = draft_of("Le ministère russe de la défense a démenti toute frappe.",
                       corpus_dir=SEEDS)
    (claim,) = claims(data)
    assert claim["claimant"] == "russian-mod"
    assert entity(data, "russian-mod")["wikidata"] == "Q1146492"


# --- the whole format ---------------------------------------------------------------------

QUOTE_FIELDS = {"mentions", "content", "verbatim", "quote", "inclusion", "expression",
                "part_of_day", "relationship_quote", "damage_extent", "extent", "topic"}


def quotes_in(node: Any, key: str = "") -> list[Any]:
    """Every quoted value of an annotations mapping (strings or {quote, within})."""
    found = []
    if isinstance(node, dict):
        if key in QUOTE_FIELDS and "quote" in node:
            return [node]
        for k, v in node.items():
            found += quotes_in(v, k)
    elif isinstance(node, list):
        for item in node:
            found += quotes_in(item, key)
    elif isinstance(node, str) and key in QUOTE_FIELDS:
        found.append(node)
    return found


def drafted_entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    entries = [*data["entities"], *data["incidents"], *data["claims"]]
    for c in data["claims"]:
        entries += c.get("figures", []) + c.get("victims", []) + c.get("evidence", [])
    return entries


@pytest.fixture(scope="module")
def dev_drafts() -> list[tuple[Path, str]]:
    folders = sorted(p for p in DEV.iterdir() if (p / "article.txt").is_file())[:4]
    items = [(f, *article_inputs(f)) for f in folders]
    return [(d.folder, d.yaml) for d in draft_texts(items, CorpusFor(DEV))]


def test_drafts_validate_as_the_build_would(dev_drafts: list[tuple[Path, str]]) -> None:
    for folder, text in dev_drafts:
        check_draft(folder, text, shacl="all")


def test_every_value_is_an_exact_quote_and_every_entry_is_marked(
        dev_drafts: list[tuple[Path, str]]) -> None:
    for folder, text in dev_drafts:
        article = (folder / "article.txt").read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        anchorer = Anchorer(article)
        quotes = quotes_in(data)
        assert len(quotes) > 20
        for q in quotes:
            anchorer.anchor(QuoteIn(**q) if isinstance(q, dict) else q)  # raises if not exact
        for entry in drafted_entries(data):
            mark = entry["drafted"]
            assert mark["rule"] and 0 <= mark["confidence"] <= 1, entry["id"]
        assert text.startswith("# yaml-language-server")
        assert "NOT reviewed" in text


# --- the dev set itself -------------------------------------------------------------------

def test_dev_set_is_marked_invented_and_uses_only_verified_qids() -> None:
    verified = {line.split("\t")[0] for line in
                (ROOT / "kg" / "data" / "verified-qids.tsv").read_text().splitlines()[1:]}
    folders = sorted(p for p in DEV.iterdir() if p.is_dir())
    assert len(folders) >= 10
    for folder in folders:
        first = (folder / "article.yaml").read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("#") and "invented" in first.lower(), folder.name
        _, m = article_inputs(folder)
        assert m.invented, folder.name
        for name in ("article.yaml", "annotations.yaml"):
            for qid in re.findall(r"\bQ[1-9][0-9]*\b", (folder / name).read_text()):
                assert qid in verified, (folder.name, qid)
    assert m.published <= dt.date(2026, 12, 31)
