"""What the corpus already knows: entities and incidents of the accepted articles, and the
verified Wikidata table, so a draft reuses their ids instead of inventing new ones."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kg.anchoring import Anchorer, AnchorError
from kg.annotations import AnnotationErrors, Entity, Incident
from kg.article import load_article
from kg.dates import DateError, resolve
from kg.wikidata import verified

_DETERMINERS = re.compile(r"^(?:le|la|les|l'|l’|un|une|des|du|de la|de l'|d'|d’|au|aux|ses|sa|son|"
                          r"leur|leurs)\s*", re.IGNORECASE)
_SYNONYMS = {"oblast": "région"}


def normalize(text: str) -> str:
    """A key for matching names: lower case, no accents, no leading article, one space."""
    text = unicodedata.normalize("NFKD", text.strip().strip(",.;:\"«»"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("’", "'")
    for _ in range(2):
        text = _DETERMINERS.sub("", text)
    words = [_SYNONYMS.get(w, w) for w in re.split(r"[\s\-]+", text) if w]
    return " ".join(words)


@dataclass
class KnownIncident:
    incident: Incident
    dates: set[dt.date] = field(default_factory=set)


@dataclass
class Corpus:
    """Entities by normalized name, incidents by place, the verified table by label."""

    entities: dict[str, Entity] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # normalized name → entity id
    incidents: dict[str, KnownIncident] = field(default_factory=dict)
    qids: dict[str, str] = field(default_factory=dict)  # normalized label → QID

    def entity(self, name: str) -> Entity | None:
        key = self.names.get(normalize(name))
        return self.entities.get(key) if key else None

    def qid(self, name: str) -> str | None:
        return self.qids.get(normalize(name))

    def qid_by_label_en(self, label_en: str) -> str | None:
        for row in verified().values():
            if row.label_en == label_en:
                return row.qid
        return None

    def incident_for(self, place: str, date: dt.date | None) -> Incident | None:
        """An existing incident at this place within a day of this date (none without a date)."""
        if date is None:
            return None
        for known in self.incidents.values():
            if known.incident.place == place and any(
                    abs((d - date).days) <= 1 for d in known.dates):
                return known.incident
        return None

    def add_entity(self, entity: Entity, mention_texts: list[str]) -> None:
        self.entities.setdefault(entity.id, entity)
        names = [entity.label.fr, entity.label.en, *entity.alt_labels.fr, *entity.alt_labels.en,
                 *mention_texts]
        for name in names:
            self.names.setdefault(normalize(name), entity.id)


def load_corpus(seeds: Path | None, exclude: Path | None = None) -> Corpus:
    """Index the accepted articles under `seeds` (all but `exclude`) and the verified table.

    Articles that do not load (a draft not accepted, a broken file) are skipped: the corpus is
    a help for naming, never a reason to fail a draft."""
    corpus = Corpus()
    for row in verified().values():
        for label in (row.label_fr, row.label_en):
            corpus.qids.setdefault(normalize(label), row.qid)
    if seeds is None or not seeds.is_dir():
        return corpus
    skip = exclude.resolve() if exclude else None
    for folder in sorted(p for p in seeds.iterdir() if (p / "annotations.yaml").is_file()):
        if skip is not None and folder.resolve() == skip:
            continue
        try:
            article = load_article(folder)
        except AnnotationErrors:
            continue
        anchorer = Anchorer(article.text)
        for entity in article.annotations.entities:
            texts = []
            for quote in entity.mentions:
                try:
                    span = anchorer.anchor(quote)
                except AnchorError:
                    continue
                texts.append(article.text[span.begin:span.end])
            corpus.add_entity(entity, texts)
        for incident in article.annotations.incidents:
            known = corpus.incidents.setdefault(incident.id, KnownIncident(incident))
            if known.incident.place is None and incident.place is not None:
                known.incident = incident
            if incident.date is not None:
                try:
                    span = anchorer.anchor(incident.date.expression)
                    known.dates.add(resolve(article.text[span.begin:span.end],
                                            article.meta.published))
                except (AnchorError, DateError):
                    if incident.date.value:
                        known.dates.add(incident.date.value)
    return corpus
