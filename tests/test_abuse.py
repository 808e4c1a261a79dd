"""Abuse of the build input, and the scale generator's contract (no wall-clock assertions).

The synthetic articles of bench/synth.py are valid input in the real format: every quote
anchors exactly once, and every dispute rule fires on them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kg.annotations import AnnotationErrors
from kg.build import compile_graph
from kg.config import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
import synth  # noqa: E402  # bench/synth.py: part of the repository, never skipped


def test_synthetic_articles_build_and_every_rule_fires(tmp_path: Path) -> None:
    synth.synth(tmp_path / "seeds", articles=6)
    report = compile_graph(tmp_path / "seeds", shacl=False)
    assert len(report.articles) == 6
    assert {r.name for r in report.rules} >= {"occurrence", "perpetrator", "casualty-figure"}
    assert all(r.disputes >= 2 for r in report.rules), report.rules
    per_article = (len(report.quads) - synth.ONTOLOGY_TRIPLES) / 6
    assert 0.8 * synth.TRIPLES_PER_ARTICLE < per_article < 1.2 * synth.TRIPLES_PER_ARTICLE


def test_synthetic_articles_conform_to_the_shapes(tmp_path: Path) -> None:
    synth.synth(tmp_path / "seeds", articles=1)
    compile_graph(tmp_path / "seeds", shacl=True)  # raises BuildError on any violation


@pytest.mark.parametrize("garbage", [
    b"\xff\xfe\x00",  # not UTF-8
    b"entities: [",  # YAML syntax
    b"- a list\n- not a mapping\n",
    b"entities: {a: 1}\n",
    b"claims:\n  - id: x\n    claimant: nobody\n" * 2000,  # many broken entries
    b"a: &a [*a]\n",  # a recursive alias
])
def test_garbage_annotations_fail_cleanly(tmp_path: Path, garbage: bytes) -> None:
    folder = synth.write(tmp_path / "seeds", 1)[0]
    (folder / "annotations.yaml").write_bytes(garbage)
    with pytest.raises(AnnotationErrors) as exc:
        compile_graph(tmp_path / "seeds", shacl=False)
    assert all("annotations.yaml" in str(e) for e in exc.value.errors)


def test_a_quote_repeated_in_the_text_is_refused(tmp_path: Path) -> None:
    folder = synth.write(tmp_path / "seeds", 1)[0]
    text = (folder / "article.txt").read_text(encoding="utf-8")
    (folder / "article.txt").write_text(text + text, encoding="utf-8")
    with pytest.raises(AnnotationErrors) as exc:
        compile_graph(tmp_path / "seeds", shacl=False)
    assert any("occurs 2 times" in str(e) for e in exc.value.errors)
