"""The verified Wikidata table the build links from, and the list of entities left unlinked.

Copied from ../shared/wikidata/ into kg/data/ so a clone builds on its own; a test checks
the copies still match the shared originals when those are present.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.config import WIKIDATA_DIR


@dataclass(frozen=True)
class VerifiedQid:
    qid: str
    label_en: str
    label_fr: str
    kind: str
    evidence: str


@dataclass(frozen=True)
class Unverified:
    entity: str
    note: str


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@cache
def verified(folder: Path = WIKIDATA_DIR) -> dict[str, VerifiedQid]:
    """QID → row of verified-qids.tsv."""
    return {r["qid"]: VerifiedQid(r["qid"], r["label_en"], r["label_fr"], r["kind"], r["evidence"])
            for r in _rows(folder / "verified-qids.tsv")}


@cache
def unverified(folder: Path = WIKIDATA_DIR) -> dict[str, Unverified]:
    """Entities researched and left unlinked, with the reason, by their `entity` column."""
    return {r["entity"]: Unverified(r["entity"], r["note"])
            for r in _rows(folder / "unverified.tsv")}


@cache
def properties(folder: Path = WIKIDATA_DIR) -> dict[str, str]:
    """Wikidata property ID → English label, the only properties the project may use."""
    return {r["pid"]: r["label_en"] for r in _rows(folder / "properties.tsv")}
