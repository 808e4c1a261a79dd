"""`kg build`: bad input gets a one-line error and the previous store keeps serving; builds are
deterministic; several articles build together and share entities."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import store as kgstore
from kg.build import build
from kg.config import PROJECT_ROOT
from tests.conftest import SEED_ID, SEEDS, select


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300)


def sorted_nquads(store: Path) -> list[bytes]:
    return sorted(kgstore.open_read_only(store).dump(format=ox.RdfFormat.N_QUADS).splitlines())


def test_two_builds_give_identical_sorted_nquads(seed_build, built_store: Path,
                                                 tmp_path: Path) -> None:
    """Same input and build time (recorded as the rule runs' end), same quads."""
    other = tmp_path / "store"
    build(SEEDS, other, dumps=False, built_at=seed_build.built_at)
    assert sorted_nquads(other) == sorted_nquads(built_store)


@pytest.fixture(scope="module")
def good_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("good") / "store"
    result = kg("build", "--store", str(store))
    assert result.returncode == 0, result.stderr
    return store


ANN = f"{SEED_ID}/annotations.yaml"


def _edit(seeds: Path, name: str, old: str, new: str) -> None:
    path = seeds / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BREAKAGES = {
    "missing-field": (ANN, "    claimant: russian-mfa\n", "",
                      ["annotations.yaml:", "claims[20] (id mfa-accuses-zelensky)",
                       "field 'claimant'", "required"]),
    "unknown-entity": (ANN, "claimant: russian-mfa", "claimant: russian-mfx",
                       ["annotations.yaml:", "claims[20] (id mfa-accuses-zelensky)",
                        "field 'claimant'", "unknown entity 'russian-mfx'"]),
    "quote-not-in-text": (ANN, 'mentions: ["l\'OTAN"]', 'mentions: ["l\'OTAM"]',
                          ["annotations.yaml:", "entities[", "(id nato)", "field 'mentions.0'",
                           "not in the article", "nearest passage: \"l'OTAN"]),
    "duplicated-id": (ANN, "  - id: nato\n", "  - id: france\n",
                      ["annotations.yaml:", "(id france)", "duplicate id 'france'"]),
}


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_bad_annotation_one_line_error_and_previous_store_intact(
        case: str, good_store: Path, seeds_copy: Path) -> None:
    name, old, new, expected = BREAKAGES[case]
    _edit(seeds_copy, name, old, new)
    _assert_refused(good_store, seeds_copy, expected)


def test_non_utf8_article_is_refused(good_store: Path, seeds_copy: Path) -> None:
    path = seeds_copy / SEED_ID / "article.txt"
    path.write_bytes(path.read_bytes().replace("États".encode(), b"\xc9tats", 1))
    _assert_refused(good_store, seeds_copy, ["article.txt:", "not valid UTF-8 at byte"])


def _assert_refused(store: Path, seeds: Path, expected: list[str]) -> None:
    before = store.resolve()
    claims_before = select(kgstore.open_read_only(store), "SELECT (COUNT(*) AS ?n) "
                           "WHERE { ?c a dkg:Claim }")
    result = kg("build", "--seeds", str(seeds), "--store", str(store))
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert errors, result.stderr
    assert any(all(part in line for part in expected) for line in errors), errors
    assert store.resolve() == before
    assert select(kgstore.open_read_only(store), "SELECT (COUNT(*) AS ?n) "
                  "WHERE { ?c a dkg:Claim }") == claims_before


def test_validate_reports_every_error_at_once(seeds_copy: Path) -> None:
    _edit(seeds_copy, ANN, "claimant: russian-mfa", "claimant: nobody")
    _edit(seeds_copy, ANN, "stance: condemns", "stance: condemn")
    result = kg("validate", "--seeds", str(seeds_copy), "--no-shacl")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert any("field 'stance'" in e and "'condemn'" in e for e in errors), errors
    # Field errors stop before references are resolved; fix that one and the next shows.
    _edit(seeds_copy, ANN, "stance: condemn", "stance: condemns")
    result = kg("validate", "--seeds", str(seeds_copy), "--no-shacl")
    assert "unknown entity 'nobody'" in result.stderr


SECOND_TEXT = ("Trois personnes ont été tuées à Kharkiv vendredi lors d'une frappe de drone, "
               "selon une source russe.\nLe président Volodymyr Zelensky n'a pas commenté ce "
               "bilan.\n")
SECOND_META = """title: {fr: "Article de test", en: "Test article"}
publisher: bbc
language: fr
published: 2026-01-02
"""
SECOND_ANN = """entities:
  - {id: russie, kind: state, label: {fr: Russie, en: Russia}, wikidata: Q159,
     mentions: ["une source russe"]}
  - {id: kharkiv, kind: city, label: {fr: Kharkiv, en: Kharkiv}, wikidata: Q42308,
     mentions: ["Kharkiv"]}
  - {id: volodymyr-zelensky, kind: person, wikidata: Q3874799,
     label: {fr: "Volodymyr Zelensky", en: "Volodymyr Zelenskyy"},
     mentions: ["Volodymyr Zelensky"]}
claims:
  - id: russian-source-toll
    label: {fr: "Une source russe : trois tués", en: "A Russian source: three killed"}
    claimant: russie
    stance: reports
    about: [kharkiv-2026-01-02]
    mentions: ["Trois personnes ont été tuées à Kharkiv vendredi lors d'une frappe de drone, selon une source russe."]
    content: "Trois personnes ont été tuées à Kharkiv vendredi lors d'une frappe de drone"
    event_type: [drone-strike]
    figures: [{id: killed-3, kind: killed, count: 3, qualifier: exact, quote: "Trois personnes"}]
  - id: zelensky-no-comment
    label: {fr: "Pas de commentaire", en: "No comment"}
    claimant: volodymyr-zelensky
    stance: declines-to-comment
    mentions: ["Le président Volodymyr Zelensky n'a pas commenté ce bilan."]
    content: "n'a pas commenté ce bilan"
"""


@pytest.fixture(scope="module")
def two_articles(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    seeds = tmp_path_factory.mktemp("two") / "seeds"
    import shutil

    shutil.copytree(SEEDS, seeds)
    folder = seeds / "zz-test-second-article"
    folder.mkdir()
    (folder / "article.txt").write_text(SECOND_TEXT, encoding="utf-8")
    (folder / "article.yaml").write_text(SECOND_META, encoding="utf-8")
    (folder / "annotations.yaml").write_text(SECOND_ANN, encoding="utf-8")
    store = seeds.parent / "store"
    build(seeds, store, dumps=False)
    return kgstore.open_read_only(store)


def test_shared_entities_are_one_node(two_articles: ox.Store) -> None:
    graphs = select(two_articles, """SELECT DISTINCT ?g WHERE { GRAPH ?g {
        <https://w3id.org/dispute-kg/id/actor/zelensky> ?p ?o } }""")
    assert {r["g"].rsplit("/", 1)[1] for r in graphs} == {SEED_ID, "zz-test-second-article"}
    assert select(two_articles, "SELECT ?p WHERE { <https://w3id.org/dispute-kg/id/actor/volodymyr-zelensky> ?p ?o }") == []
    claimant = select(two_articles, """SELECT ?who WHERE {
        <https://w3id.org/dispute-kg/id/claim/zz-test-second-article/russian-source-toll> dkg:claimant ?who }""")
    assert [r["who"] for r in claimant] == ["https://w3id.org/dispute-kg/id/actor/russia"]


def test_rules_find_figure_and_event_type_disputes_across_articles(two_articles: ox.Store) -> None:
    rows = select(two_articles, """SELECT ?aspect ?claim WHERE { ?d a dkg:Dispute ;
        dkg:about <https://w3id.org/dispute-kg/id/incident/kharkiv-2026-01-02> ; dkg:aspect ?aspect ; dkg:involvesClaim ?claim }""")
    by_aspect: dict[str, set[str]] = {}
    for r in rows:
        by_aspect.setdefault(r["aspect"].rsplit("/", 1)[1], set()).add(r["claim"].rsplit("/", 1)[1])
    assert by_aspect["casualty-figure"] == {"russian-source-toll", "ua-officials-kharkiv-toll"}
    # every claim giving an event type of the incident takes a position in its one dispute
    assert by_aspect["event-type"] == {"russian-source-toll", "bbc-double-missile-attack",
                                       "ua-officials-kharkiv-toll", "mod-denies-attack",
                                       "mod-telegram-denial"}


def test_a_triple_two_articles_state_is_stored_once(two_articles: ox.Store) -> None:
    """The union default graph would otherwise answer it once per graph."""
    rows = select(two_articles, """SELECT ?label WHERE {
        <https://w3id.org/dispute-kg/id/actor/zelensky> rdfs:label ?label }""")
    assert sorted(r["label"] for r in rows) == ["Volodymyr Zelensky", "Volodymyr Zelenskyy"]


def test_committed_json_schemas_are_generated_from_the_models() -> None:
    from kg.annotations import json_schemas

    for name, text in json_schemas().items():
        assert (SEEDS / name).read_text(encoding="utf-8") == text, f"run `kg schema` ({name})"


def test_a_build_whose_dumps_fail_leaves_the_previous_store(tmp_path: Path) -> None:
    """The dumps are written before the new store is swapped in: if they fail, nothing changed."""
    store = tmp_path / "store"
    build(SEEDS, store, shacl="off", dumps=False)
    before = kgstore.current_build(store)
    (tmp_path / "dumps").write_text("not a folder", encoding="utf-8")  # the dumps cannot go here
    with pytest.raises(OSError):
        build(SEEDS, store, shacl="off", dumps=True)
    assert kgstore.current_build(store) == before
    assert [p.name for p in kgstore.builds_dir(store).iterdir() if p.is_dir()] == [before.name]
    assert (tmp_path / "dumps").read_text(encoding="utf-8") == "not a folder"
