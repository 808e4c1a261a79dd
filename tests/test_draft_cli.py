"""`kg new`, `kg draft` (--explain, --accept) and what the build does with a draft: the
commands as a researcher runs them, and the article page of a real server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kg.cli import app

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "fixtures" / "drafting"
ARTICLE = DEV / "sumy-bus-drone-horizon-0227"
# Invented for this test (not a real article): two sentences in the style of wire copy.
TEXT = ("Un drone a frappé jeudi un immeuble de Kherson, tuant deux personnes, a indiqué la "
        "police régionale.\nL'agence Horizon n'a pas pu vérifier ces informations.\n")

runner = CliRunner()


def kg(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus folder holding one accepted article (from the dev set), for ids to reuse."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copytree(ARTICLE, seeds / ARTICLE.name)
    return seeds


def new_article(corpus: Path, tmp_path: Path) -> Path:
    source = tmp_path / "text.txt"
    source.write_bytes(TEXT.encode("utf-8"))
    code, out = kg("new", "kherson-drone-horizon-0305", "--text", str(source), "--seeds",
                   str(corpus), "--publisher", "agence-horizon", "--published", "2026-03-05",
                   "--title", "Essai (inventé)")
    assert code == 0, out
    return corpus / "kherson-drone-horizon-0305"


def test_kg_new_copies_the_text_byte_for_byte_and_never_overwrites(corpus: Path,
                                                                   tmp_path: Path) -> None:
    folder = new_article(corpus, tmp_path)
    assert (folder / "article.txt").read_bytes() == TEXT.encode("utf-8")
    meta = yaml.safe_load((folder / "article.yaml").read_text())
    assert (meta["publisher"], meta["published"]) == ("agence-horizon", "2026-03-05")
    annotations = yaml.safe_load((folder / "annotations.yaml").read_text())
    assert annotations == {"entities": [], "incidents": [], "events": [], "claims": []}
    code, out = kg("new", folder.name, "--text", str(tmp_path / "text.txt"), "--seeds",
                   str(corpus), "--publisher", "x", "--published", "2026-03-05", "--title", "t")
    assert code == 1 and "already exists" in out


def test_kg_new_from_html_extracts_text_and_date(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    paragraphs = "".join(f"<p>{line} Cette phrase allonge le paragraphe pour l'extracteur de "
                         "texte, qui ignore les fragments trop courts.</p>"
                         for line in TEXT.splitlines())
    page.write_text(
        "<!doctype html><html><head><title>Frappe sur Kherson</title>"
        '<meta property="article:published_time" content="2026-03-05T09:30:00+02:00">'
        '<meta property="og:site_name" content="Agence Horizon"></head><body>'
        "<nav>Accueil | Monde | Sport</nav><article><h1>Frappe sur Kherson</h1>"
        f"{paragraphs}</article><footer>Mentions légales</footer></body></html>",
        encoding="utf-8")
    seeds = tmp_path / "seeds"
    code, out = kg("new", "kherson-html", "--html", str(page), "--seeds", str(seeds))
    assert code == 0, out
    folder = seeds / "kherson-html"
    text = (folder / "article.txt").read_text(encoding="utf-8")
    assert "Un drone a frappé jeudi un immeuble de Kherson" in text
    assert "Mentions légales" not in text and "Accueil" not in text
    meta = yaml.safe_load((folder / "article.yaml").read_text())
    assert meta["published"] == "2026-03-05"
    assert meta["publisher"] == "agence-horizon"
    assert meta["title"]["fr"] == "Frappe sur Kherson"


def test_draft_explain_accept_and_the_build_refusal(corpus: Path, tmp_path: Path) -> None:
    folder = new_article(corpus, tmp_path)
    (folder / "annotations.yaml").unlink()  # a folder with only a draft, as a user might
    code, out = kg("draft", str(folder), "--seeds", str(corpus), "--explain")
    assert code == 0, out
    assert "it validates" in out
    assert "S1 Un drone a frappé jeudi" in out and "claim " in out and "figure killed" in out
    draft = folder / "annotations.draft.yaml"
    data = yaml.safe_load(draft.read_text())
    assert {e["id"] for e in data["entities"]} >= {"agence-horizon", "kherson"}

    for command in (("validate", "--seeds", str(corpus)),
                    ("build", "--seeds", str(corpus), "--store", str(tmp_path / "store"))):
        code, out = kg(*command)
        assert code == 1
        assert "annotations.draft.yaml" in out and "not accepted yet" in out
    assert not (tmp_path / "store").exists()

    code, out = kg("draft", str(folder), "--seeds", str(corpus))
    assert code == 1 and "a draft exists" in out  # a draft under review is not redrafted

    code, out = kg("draft", "--accept", str(folder))
    assert code == 0, out
    assert not draft.exists() and (folder / "annotations.yaml").is_file()
    code, out = kg("validate", "--seeds", str(corpus))
    assert code == 0, out

    code, out = kg("draft", str(folder), "--seeds", str(corpus))
    assert code == 0, out
    code, out = kg("draft", "--accept", str(folder))
    assert code == 1 and "--force" in out  # never replaces reviewed annotations silently
    code, out = kg("draft", "--accept", "--force", str(folder))
    assert code == 0, out


def test_an_empty_annotations_file_beside_a_draft_is_not_accepted(corpus: Path,
                                                                  tmp_path: Path) -> None:
    folder = new_article(corpus, tmp_path)  # kg new's empty annotations.yaml
    code, out = kg("draft", str(folder), "--seeds", str(corpus), "--no-check")
    assert code == 0, out
    code, out = kg("validate", "--seeds", str(corpus), "--no-shacl")
    assert code == 1 and "not accepted yet" in out
    code, out = kg("draft", "--accept", str(folder))  # an empty file is not a reviewed one
    assert code == 0, out


def test_article_page_outlines_drafted_spans(corpus: Path, tmp_path: Path) -> None:
    from tests.harness import in_process

    store = tmp_path / "store"
    code, out = kg("build", "--seeds", str(corpus), "--store", str(store), "--no-shacl")
    assert code == 0, out
    folder = corpus / ARTICLE.name
    path = f"/id/article/{ARTICLE.name}"
    with in_process(store=store, seeds=corpus, workers=1) as endpoint:
        html = endpoint.get(path, headers={"Accept": "text/html"}).text
        assert 'class="drafted"' not in html  # reviewed gold: nothing drafted

        code, out = kg("draft", str(folder), "--seeds", str(corpus), "--no-check")
        assert code == 0, out
        html = endpoint.get(path, headers={"Accept": "text/html"}).text
        assert html.count('<mark class="drafted"') >= 5
        assert "draft, not accepted: claim " in html
