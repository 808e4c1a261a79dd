"""Identifiers and namespaces of dispute-kg: the one place that says how IRIs are formed."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.federation import WIKIDATA_SPARQL

DEFAULT_BASE = "https://w3id.org/dispute-kg/"
# The vocabulary keeps its identity whatever base a mirror serves its resources under.
ONTOLOGY_NS = "https://w3id.org/dispute-kg/ontology#"
CONCEPT_BASE = "https://w3id.org/dispute-kg/ontology/"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = PROJECT_ROOT / "seeds"
DEFAULT_STORE = PROJECT_ROOT / "data" / "store"
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
QUERIES_DIR = PROJECT_ROOT / "queries"
RULES_DIR = QUERIES_DIR / "rules"
WIKIDATA_DIR = PROJECT_ROOT / "kg" / "data"

# The kinds of resource IRI: <base>id/<kind>/<slug> (ontology/README.md documents each).
KINDS = (
    "article", "actor", "place", "incident", "claim", "figure", "victim", "event",
    "dispute", "mention", "medium", "evidence", "rule", "rule-run", "agent", "coreference",
)

PREFIXES: dict[str, str] = {
    "dkg": "https://w3id.org/dispute-kg/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "http://schema.org/",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "nif": "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#",
    "oa": "http://www.w3.org/ns/oa#",
    "gaf": "http://groundedannotationframework.org/gaf#",
    "dcterms": "http://purl.org/dc/terms/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
}

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*$")


@dataclass(frozen=True)
class Iris:
    """IRI factory for one base IRI (configurable so a mirror can serve its own)."""

    base: str = DEFAULT_BASE

    @property
    def ontology(self) -> str:
        return ONTOLOGY_NS

    def term(self, local: str) -> str:
        """A term of the dkg ontology (fixed namespace, not re-based)."""
        return ONTOLOGY_NS + local

    def concept(self, scheme: str, slug: str) -> str:
        """A SKOS concept of one of the ontology's schemes, e.g. stance/denies."""
        return f"{CONCEPT_BASE}{scheme}/{slug}"

    def resource(self, kind: str, slug: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown resource kind {kind!r}")
        if not _SLUG.match(slug):
            raise ValueError(f"slug {slug!r} is not lower-case letters, digits and hyphens")
        return f"{self.base}id/{kind}/{slug}"

    def graph(self, name: str) -> str:
        """Named graphs: one per article id, plus 'derived', 'ontology' and 'gazetteer'."""
        return f"{self.base}graph/{name}"

    @property
    def derived_graph(self) -> str:
        return self.graph("derived")

    @property
    def ontology_graph(self) -> str:
        return self.graph("ontology")


ENV_PREFIX = "DISPUTE_KG_"


def _slash(base: str) -> str:
    return base if base.endswith("/") else base + "/"


def _absolute(path: Path) -> Path:
    """Relative to the working directory, made absolute once; not resolved, since the store
    is a link that rebuilds swap."""
    return Path(os.path.abspath(path))


AbsPath = Annotated[Path, AfterValidator(_absolute)]


class KgSettings(BaseSettings):
    """The settings the `kg` commands share with the server, each declared once here: a
    field is an option (`--name`, or the field's `option`) and a `DISPUTE_KG_NAME` variable.
    The server's settings (server.settings) extend this class."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid",
                                      validate_default=True)

    store: AbsPath = Field(DEFAULT_STORE, description="The on-disk Oxigraph store (a link "
                           "into its builds).")
    seeds: AbsPath = Field(DEFAULT_SEEDS, description="The folder of article folders to build "
                           "from.")
    base_iri: Annotated[str, AfterValidator(_slash)] = Field(
        DEFAULT_BASE, description="The base IRI of the dataset's resources.")
    queries_dir: AbsPath = Field(QUERIES_DIR, description="The folder of saved queries (*.rq).",
                                 json_schema_extra={"option": "--queries"})
    wikidata_endpoint: str = Field(
        WIKIDATA_SPARQL, pattern=r"^https?://[^\s<>\"{}|\\^`]+$",
        description="Where the saved queries' SERVICE calls to Wikidata go (a mirror, a "
        "stand-in).")


def base_iri() -> str:
    """The base IRI in force (KgSettings: DISPUTE_KG_BASE_IRI or the w3id default)."""
    return KgSettings().base_iri
