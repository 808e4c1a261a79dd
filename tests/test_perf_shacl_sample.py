"""SHACL at scale: `--shacl all|sample:N|off`. The seed build validates everything; a sample
catches a broken article inside it; `off` still runs the annotation, anchor and reference checks."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

import kg.build
from kg.annotations import AnnotationErrors
from kg.build import BuildError, compile_graph
from kg.config import PROJECT_ROOT
from kg.shacl import ShaclMode, pick_articles
from kg.synth import synth
from tests.conftest import SEED_ID, SEEDS

CLAIMANT = "https://w3id.org/dispute-kg/ontology#claimant"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four synthetic articles (shared entities, disputes across articles)."""
    folder = tmp_path_factory.mktemp("synth") / "seeds"
    synth(folder, articles=4)
    return folder


def _dropping_a_claimant_of(article: str,
                            real: Callable = kg.build.map_articles) -> Callable:
    """map_articles, but one claim of `article` loses its dkg:claimant (a SHACL-only defect)."""

    def mapped(*args: object, **kwargs: object) -> tuple[list[ox.Quad], list]:
        quads, errors = real(*args, **kwargs)
        victim = next(q for q in quads if q.predicate.value == CLAIMANT
                      and f"/claim/{article}/" in q.subject.value)
        return [q for q in quads if q != victim], errors

    return mapped


def _ids(corpus: Path) -> list[str]:
    return sorted(p.name for p in corpus.iterdir() if p.is_dir())


@pytest.mark.parametrize(("value", "expected"), [
    (True, "all"), ("all", "all"), (False, "off"), ("off", "off"), (None, "off"),
    ("sample:3", "sample:3"),
])
def test_modes_parse(value: bool | str | None, expected: str) -> None:
    assert str(ShaclMode.parse(value)) == expected


@pytest.mark.parametrize("value", ["sample:0", "sample:", "sample:x", "some", "sample:-1"])
def test_bad_modes_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="all, off or sample:N"):
        ShaclMode.parse(value)


def test_the_sample_is_deterministic_and_independent_of_order() -> None:
    ids = [f"article-{i:03d}" for i in range(50)]
    assert pick_articles(ids, 5) == pick_articles(reversed(ids), 5)
    assert len(set(pick_articles(ids, 5))) == 5
    assert set(pick_articles(ids, 5)) <= set(pick_articles(ids, 10))


def test_the_default_build_of_the_seeds_validates_everything() -> None:
    report = compile_graph(SEEDS)
    assert report.shacl_mode == "all"
    assert report.shacl is not None and report.shacl.conforms
    assert report.shacl.articles == () and report.shacl.quads == len(report.quads)
    assert report.shacl_summary().startswith("SHACL all")


def test_a_clean_sample_conforms_and_is_reported(corpus: Path) -> None:
    report = compile_graph(corpus, shacl="sample:1")
    assert report.shacl is not None and report.shacl.conforms
    assert report.shacl.articles == pick_articles(_ids(corpus), 1)
    assert 0 < report.shacl.quads < len(report.quads)
    assert report.shacl_summary().startswith("SHACL sample:1: 1 of 4 article(s)")


def test_the_sample_takes_the_disputes_of_its_articles_not_the_whole_derived_graph(
        corpus: Path) -> None:
    """The derived graph grows with the corpus: a sample holds only the disputes its articles'
    claims take part in (with their positions and rule runs), so its size stays bounded."""
    from kg.config import DEFAULT_BASE, Iris
    from kg.shacl import sample

    report = compile_graph(corpus, shacl="off")
    iris = Iris(DEFAULT_BASE)
    ids = _ids(corpus)
    s = sample(report.quads, {a: iris.graph(a) for a in ids}, iris.derived_graph,
               iris.ontology_graph, 1)
    (inside,) = s.articles
    dispute = "https://w3id.org/dispute-kg/ontology#Dispute"
    involves = "https://w3id.org/dispute-kg/ontology#involvesClaim"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    taken = {q.subject.value for q in s.quads
             if q.predicate.value == rdf_type and q.object.value == dispute}
    every = {q.subject.value for q in report.quads
             if q.predicate.value == rdf_type and q.object.value == dispute}
    mine = {q.subject.value for q in report.quads if q.predicate.value == involves
            and f"/claim/{inside}/" in q.object.value}
    assert taken == mine and mine < every


def test_a_broken_article_inside_the_sample_is_caught(corpus: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (inside,) = pick_articles(_ids(corpus), 1)
    monkeypatch.setattr(kg.build, "map_articles", _dropping_a_claimant_of(inside))
    with pytest.raises(BuildError, match=rf"(?s)sample of {inside}.*claimant"):
        compile_graph(corpus, shacl="sample:1")
    with pytest.raises(BuildError, match="claimant"):  # and, of course, by the full check
        compile_graph(corpus, shacl="all")


def test_a_broken_article_outside_the_sample_is_not_seen(corpus: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """What sampling gives up, stated as a test: only the sampled articles are validated."""
    (inside,) = pick_articles(_ids(corpus), 1)
    outside = next(a for a in _ids(corpus) if a != inside)
    monkeypatch.setattr(kg.build, "map_articles", _dropping_a_claimant_of(outside))
    assert compile_graph(corpus, shacl="sample:1").shacl.conforms  # type: ignore[union-attr]


def _edit(seeds: Path, old: str, new: str) -> None:
    path = seeds / SEED_ID / "annotations.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('mentions: ["l\'OTAN"]', 'mentions: ["l\'OTAM"]', "mentions.0"),  # an anchor
    ("claimant: russian-mfa", "claimant: russian-mfx", "unknown entity 'russian-mfx'"),
])
def test_off_still_runs_the_other_checks(seeds_copy: Path, old: str, new: str,
                                         expected: str) -> None:
    _edit(seeds_copy, old, new)
    for mode in ("off", "sample:1"):
        with pytest.raises(AnnotationErrors) as info:
            compile_graph(seeds_copy, shacl=mode)
        assert any(expected in str(e) for e in info.value.errors), info.value.errors


def test_off_skips_shacl_and_says_so(corpus: Path) -> None:
    report = compile_graph(corpus, shacl="off")
    assert report.shacl is None and "shacl" not in report.timings
    assert report.shacl_summary() == "SHACL off"


def test_the_cli_takes_the_mode_and_reports_it(corpus: Path) -> None:
    def kg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kg", *args], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=300)

    ok = kg("validate", "--seeds", str(corpus), "--shacl", "sample:1")
    assert ok.returncode == 0, ok.stderr
    assert "SHACL sample:1: 1 of 4 article(s)" in ok.stderr
    off = kg("validate", "--seeds", str(corpus), "--no-shacl")
    assert off.returncode == 0 and "SHACL off" in off.stderr
    bad = kg("validate", "--seeds", str(corpus), "--shacl", "sample:0")
    assert bad.returncode == 2 and "sample:N" in bad.stderr
