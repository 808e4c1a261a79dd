"""Shared fixtures: the seed graph built once per session by the real build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import store as kgstore
from kg.build import BuildReport, build
from kg.config import DEFAULT_BASE, PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"
SEED_ID = "kharkiv-2026-01-02-bbc-fr"
# Articles invented for the tests (never published): each exercises rules the seed does not.
INVENTED = PROJECT_ROOT / "tests" / "fixtures" / "articles"
SHARED = PROJECT_ROOT.parent / "shared"

PREFIXES = """
PREFIX dkg: <https://w3id.org/dispute-kg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
PREFIX schema: <http://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX id: <https://w3id.org/dispute-kg/id/>
PREFIX stance: <https://w3id.org/dispute-kg/ontology/stance/>
PREFIX gaf: <http://groundedannotationframework.org/gaf#>
"""


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> BuildReport:
    """The seed article built by the real pipeline into an on-disk store."""
    store = tmp_path_factory.mktemp("seed-build") / "store"
    return build(SEEDS, store, base=DEFAULT_BASE)


@pytest.fixture(scope="session")
def built_store(seed_build: BuildReport) -> Path:
    """Path of the store link built from seeds/ (open it read-only; do not write to it)."""
    assert seed_build.store is not None
    return seed_build.store


@pytest.fixture(scope="session")
def db(built_store: Path) -> ox.Store:
    return kgstore.open_read_only(built_store)


@pytest.fixture(scope="session")
def invented_db(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """The invented articles of tests/fixtures/articles, built alone by the real pipeline."""
    store = tmp_path_factory.mktemp("invented-build") / "store"
    build(INVENTED, store, base=DEFAULT_BASE, dumps=False)
    return kgstore.open_read_only(store)


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of seeds/ to break on purpose."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def select(db: ox.Store, query: str, **bindings: ox.NamedNode | ox.Literal) -> list[dict]:
    """Rows of a SELECT as dicts of plain strings (values of IRIs and literals)."""
    results = db.query(PREFIXES + query, use_default_graph_as_union=True,
                       substitutions={ox.Variable(k): v for k, v in bindings.items()})
    names = [v.value for v in results.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names}
            for row in results]
