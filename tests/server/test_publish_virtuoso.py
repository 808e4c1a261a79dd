"""`kg publish --virtuoso`: the build's N-Quads dump bulk-loaded into a real Virtuoso (Debian's
virtuoso-opensource, started on 127.0.0.1 with its own database), every graph's quad count
checked, and publishing again replacing rather than adding."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.backends import Proc, start_virtuoso_empty
from kg.build import dumps_dir
from kg.export import ensure_dumps
from kg.virtuoso import PublishError, Virtuoso, count_quads, isql, loaded_counts, verify

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def empty_virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Proc, Virtuoso]]:
    proc, target = start_virtuoso_empty(tmp_path_factory.mktemp("virtuoso-publish"))
    yield proc, target
    proc.stop()


def kg_publish(store: Path, target: Virtuoso) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg", "publish", "--store", str(store),
         "--virtuoso", target.isql, "--sparql", target.sparql, "--load-dir", str(target.load_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_publish_loads_every_graph_whole_and_again_without_doubling(
        built_store: Path, empty_virtuoso: tuple[Proc, Virtuoso]) -> None:
    _, target = empty_virtuoso
    ensure_dumps(built_store, dumps_dir(built_store))
    expected = count_quads(dumps_dir(built_store) / "latest-dispute-kg.nq.gz")
    assert len(expected) >= 3 and sum(expected.values()) > 1000  # article, derived, ontology
    for _ in range(2):  # the second publish replaces the graphs: the same counts, not double
        done = kg_publish(built_store, target)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"kg serve --backend {target.sparql}"
        assert f"loaded {sum(expected.values())} quads in {len(expected)} graphs" in done.stderr
        assert loaded_counts(target, list(expected)) == expected


def test_a_graph_that_differs_from_the_dump_is_an_error(
        built_store: Path, empty_virtuoso: tuple[Proc, Virtuoso]) -> None:
    _, target = empty_virtuoso
    ensure_dumps(built_store, dumps_dir(built_store))
    expected = count_quads(dumps_dir(built_store) / "latest-dispute-kg.nq.gz")
    assert kg_publish(built_store, target).returncode == 0
    graph = next(g for g in expected if g.endswith("/graph/derived"))
    isql(target, f"SPARQL INSERT INTO GRAPH <{graph}> {{ <urn:x:s> <urn:x:p> <urn:x:o> }};")
    with pytest.raises(PublishError, match="derived>: .* in the dump"):
        verify(target, expected)


def test_publish_without_a_store_says_so(tmp_path: Path,
                                        empty_virtuoso: tuple[Proc, Virtuoso]) -> None:
    done = kg_publish(tmp_path / "no-store", empty_virtuoso[1])
    assert done.returncode == 1
    assert "no store at" in done.stderr and "kg build" in done.stderr
