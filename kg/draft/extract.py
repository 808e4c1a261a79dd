"""Draft one article: sentences read by kg.draft.analyse become entities, incidents and claims.

The result (`Draft`) holds character spans; kg.draft.write turns it into the annotation format.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, get_args

from kg.annotations import ACTOR_KINDS, ArticleMeta, Claim, Figure
from kg.article import sentences_by_line
from kg.dates import MONTHS_FR, DateError, resolve
from kg.draft.analyse import (
    Act,
    EventFound,
    FigureFound,
    MediumFound,
    SentenceReader,
    VictimFound,
    lemma,
)
from kg.draft.corpus import Corpus, normalize
from kg.draft.lexicon import Lexicon

Span = tuple[int, int]  # character offsets in the article, end-exclusive
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
STANCE_EN = {"asserts": "asserts", "reports": "reports", "suggests": "suggests",
             "accuses": "accuses", "condemns": "condemns", "announces": "announces",
             "denies": "denies", "declines-to-comment": "declines to comment",
             "cannot-verify": "cannot verify"}
KIND_WORDS = {"killed": ("tués", "killed"), "injured": ("blessés", "injured"),
              "hospitalized": ("hospitalisés", "hospitalized"),
              "body-recovered": ("corps retrouvés", "bodies recovered"),
              "participating-countries": ("pays participants", "participating countries"),
              "volunteers": ("volontaires", "volunteers")}
QUALIFIER_WORDS = {"exact": ("", ""), "about": ("environ ", "about "),
                   "at-least": ("au moins ", "at least "), "more-than": ("plus de ", "more than ")}


def supported(model: Any, name: str) -> set[str]:
    """The values the annotation format accepts for a Literal field (read, not assumed, so a
    value the format gains later is drafted without a code change)."""
    annotation = model.model_fields[name].annotation
    args = get_args(annotation)
    while args and not isinstance(args[0], str):
        args = get_args(args[0])
    return {a for a in args if isinstance(a, str)}


def slugify(text: str, words: int = 6) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    parts = [p for p in re.split(r"[^a-z0-9]+", text) if p][:words]
    return "-".join(parts) or "x"


@dataclass
class EntityDraft:
    id: str
    kind: str
    label_fr: str
    label_en: str
    rule: str
    confidence: float
    spans: list[Span] = field(default_factory=list)
    role: str | None = None
    wikidata: str | None = None
    unverified: str | None = None
    link_note: str | None = None
    addressee: str | None = None
    alt_fr: list[str] = field(default_factory=list)
    alt_en: list[str] = field(default_factory=list)

    def mention(self, span: Span) -> None:
        if span not in self.spans and not any(a <= span[0] and span[1] <= b and (a, b) != span
                                              for a, b in self.spans):
            self.spans = [s for s in self.spans if not (span[0] <= s[0] and s[1] <= span[1])]
            self.spans.append(span)


@dataclass
class FigureDraft:
    id: str
    kind: str
    count: int
    qualifier: str
    span: Span
    rule: str
    confidence: float
    inclusion: Span | None = None
    includes: list[str] = field(default_factory=list)
    subset_of: str | None = None


@dataclass
class VictimDraft:
    id: str
    description_fr: str
    description_en: str
    span: Span
    age: str
    harm: str | None
    rule: str = "victim-age"
    confidence: float = 0.8


@dataclass
class ClaimDraft:
    id: str
    claimant: str
    stance: str
    attribution: str
    sentence: int
    mention: Span
    content: Span
    rule: str
    confidence: float
    medium: str | None = None
    about: list[str] = field(default_factory=list)
    continues: str | None = None
    elaborates: str | None = None
    perpetrator: list[str] = field(default_factory=list)
    event_type: list[str] = field(default_factory=list)
    accused: list[str] = field(default_factory=list)
    verbatim: list[Span] = field(default_factory=list)
    figures: list[FigureDraft] = field(default_factory=list)
    victims: list[VictimDraft] = field(default_factory=list)


@dataclass
class IncidentDraft:
    id: str
    label_fr: str
    label_en: str
    rule: str
    confidence: float
    spans: list[Span] = field(default_factory=list)
    place: str | None = None
    date: Span | None = None
    part_of_day: Span | None = None
    reused: bool = False


@dataclass
class Note:
    """Something the drafter saw and did not draft, with the reason (shown by --explain)."""

    span: Span
    why: str


@dataclass
class Draft:
    article_id: str
    text: str
    sentences: list[Span]
    entities: dict[str, EntityDraft] = field(default_factory=dict)
    incidents: list[IncidentDraft] = field(default_factory=list)
    claims: list[ClaimDraft] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


@dataclass
class _Sentence:
    index: int
    begin: int
    doc: Any
    reader: SentenceReader
    acts: list[Act]
    figures: list[FigureFound]
    victims: list[VictimFound]
    events: list[EventFound]
    media: list[MediumFound]


class Drafter:
    """Drafts one article from its parsed lines; `corpus` supplies existing ids."""

    def __init__(self, article_id: str, text: str, meta: ArticleMeta, corpus: Corpus,
                 lex: Lexicon) -> None:
        self.meta, self.corpus, self.lex = meta, corpus, lex
        spans = [(s.begin, s.end) for s in sentences_by_line(text)]
        self.draft = Draft(article_id, text, spans)
        self.kinds_ok = supported(Figure, "kind")
        self.qualifiers_ok = supported(Figure, "qualifier")
        self.stances_ok = supported(Claim, "stance")
        self.ids: set[str] = set()
        self.last_claim: ClaimDraft | None = None
        self.publisher = self.find_publisher()

    # --- helpers -------------------------------------------------------------------------
    def unique_id(self, base: str) -> str:
        candidate, n = base, 2
        while candidate in self.ids:
            candidate, n = f"{base}-{n}", n + 1
        self.ids.add(candidate)
        return candidate

    @staticmethod
    def tok_span(s: _Sentence, a: int, b: int) -> Span:
        doc = s.doc
        return s.begin + doc[a].idx, s.begin + doc[b].idx + len(doc[b].text)

    def words(self, span: Span) -> str:
        return self.draft.text[span[0]:span[1]]

    # --- the publisher and outlets -------------------------------------------------------
    def outlet_pattern(self, words: list[str]) -> re.Pattern[str]:
        body = r"[\s\-]+".join(re.escape(w) for w in words)
        return re.compile(rf"(?<![\w])(?:l['’]agence\s+|le\s+|la\s+|l['’])?{body}(?![\w])",
                          re.IGNORECASE)

    def find_publisher(self) -> EntityDraft | None:
        """The publisher named in article.yaml, found in the text by its corpus labels or the
        words of its id ("agence-horizon" → "l'agence Horizon")."""
        key = self.meta.publisher
        known = self.corpus.entities.get(key)
        names = [known.label.fr, *known.alt_labels.fr] if known else []
        names.append(key.replace("-", " "))
        for name in names:
            words = [w for w in re.split(r"[\s\-]+", name) if w]
            matches = list(self.outlet_pattern(words).finditer(self.draft.text))
            if matches:
                label = known.label.fr if known else " ".join(
                    w[:1].upper() + w[1:] for w in words)
                ent = self.entity(key, "media-outlet", label, "publisher", 0.9,
                                  label_en=known.label.en if known else label)
                for m in matches:
                    ent.mention((m.start(), m.end()))
                return ent
        self.draft.notes.append(Note((0, 0), f"the publisher '{key}' is not named in the text: "
                                     "the draft cannot cite it (add it by hand)"))
        return None

    def entity(self, key: str, kind: str, label: str, rule: str, confidence: float,
               label_en: str | None = None, **extra: Any) -> EntityDraft:
        """The entity `key` of this draft, created on first use (reusing the corpus's)."""
        if key in self.draft.entities:
            return self.draft.entities[key]
        known = self.corpus.entities.get(key)
        if known is not None:
            ent = EntityDraft(key, known.kind, known.label.fr, known.label.en, "entity-corpus",
                              max(confidence, 0.85),
                              role=known.role.fr if known.role else None,
                              wikidata=known.wikidata, unverified=known.unverified,
                              link_note=known.link_note, addressee=known.addressee,
                              alt_fr=list(known.alt_labels.fr), alt_en=list(known.alt_labels.en))
            ent.rule = f"{rule}+corpus" if rule != "entity-corpus" else rule
        else:
            qid = self.corpus.qid(label)
            ent = EntityDraft(key, kind, label, label_en or label, rule, confidence, **extra)
            if qid:
                ent.wikidata, ent.rule = qid, f"{rule}+verified-table"
                ent.confidence = max(confidence, 0.85)
            elif not ent.unverified and not ent.link_note:
                ent.link_note = "drafted: no entity of the corpus or row of the verified " \
                                "Wikidata table has this name"
        self.ids.add(key)
        self.draft.entities[key] = ent
        return ent

    def named(self, text: str, kind: str, rule: str, confidence: float,
              role: str | None = None) -> EntityDraft:
        """An entity by its name: the corpus's if known, else a new one."""
        known = self.corpus.entity(text) or (self.corpus.entity(role) if role else None)
        if known is not None:
            return self.entity(known.id, known.kind, known.label.fr, "entity-corpus", 0.85)
        label = re.sub(r"^(?:les|le|la|des|du|un|une)\s+|^l['’]\s*", "", text.strip(),
                       flags=re.IGNORECASE)
        label = label.strip(" ,")
        for ent in self.draft.entities.values():
            if normalize(ent.label_fr) == normalize(label):
                return ent
            if kind == "person" and ent.kind == "person" and \
                    normalize(ent.label_fr).split()[-1:] == normalize(label).split()[-1:]:
                return ent  # "M. Zelensky" after "Volodymyr Zelensky"
        key = slugify(label)
        if key in self.draft.entities and normalize(self.draft.entities[key].label_fr) != \
                normalize(label):
            key = self.unique_id(key)
        ent = self.entity(key, kind, label, rule, confidence, role=role)
        return ent

    # --- the article ---------------------------------------------------------------------
    def run(self, docs: list[Any]) -> Draft:
        sents = []
        for index, ((begin, _end), doc) in enumerate(zip(self.draft.sentences, docs,
                                                         strict=True)):
            reader = SentenceReader(doc, self.lex, self.kinds_ok, self.qualifiers_ok)
            figures = reader.figures()
            inclusions = [f.inclusion for f in figures if f.inclusion]
            sents.append(_Sentence(index, begin, doc, reader, reader.acts(), figures,
                                   reader.victims(inclusions), reader.events(), reader.media()))
            for skip in reader.skips:
                self.draft.notes.append(Note(self.tok_span(sents[-1], skip.start, skip.end),
                                             skip.why))
        self.places(sents)
        self.incidents(sents)
        for s in sents:
            self.sentence(s)
        return self.draft

    def places(self, sents: list[_Sentence]) -> None:
        """Every place and person the NER finds becomes an entity (places: kind from the word
        before, "la région de X")."""
        place_nouns = self.lex.actors["places"]
        states = self.lex.actors["states"]
        self.place_of: dict[Span, str] = {}
        for s in sents:
            doc = s.doc
            for ent in doc.ents:
                if ent.label_ == "PER" or (ent.label_ == "LOC" and self.titled(doc, ent.start)):
                    span = self.tok_span(s, ent.start, ent.end - 1)
                    self.named(ent.text, "person", "entity-ner", 0.6).mention(span)
                    continue
                if ent.label_ not in ("LOC", "GPE"):
                    continue
                start = ent.start
                kind, label = "city", ent.text
                head = lemma(doc[ent.start])
                if ent.start >= 2 and doc[ent.start - 1].lower_ in ("de", "d'", "d’") and \
                        lemma(doc[ent.start - 2]) in place_nouns:
                    noun = doc[ent.start - 2]
                    kind = place_nouns[lemma(noun)]
                    if kind == "region":
                        label, start = f"{noun.text} de {ent.text}", noun.i
                elif head in place_nouns:
                    kind = place_nouns[head]
                elif head in states or ent.text.lower() in states:
                    meta = states.get(head) or states[ent.text.lower()]
                    if meta.get("metonymy"):
                        continue
                    state = self.state(head if head in states else ent.text.lower())
                    if state is not None:
                        span = self.tok_span(s, start, ent.end - 1)
                        state.mention(span)
                        self.place_of[span] = state.id
                    continue
                span = self.tok_span(s, start, ent.end - 1)
                e = self.named(label, kind, "entity-place", 0.6)
                e.mention(span)
                self.place_of[span] = e.id

    def state(self, word: str) -> EntityDraft | None:
        meta = self.lex.actors["states"].get(word.lower())
        if meta is None:
            return None
        known = self.corpus.entities.get(meta["id"])
        if known is None:
            for candidate in self.corpus.entities.values():
                if candidate.kind == "state" and \
                        normalize(candidate.label.fr) == normalize(meta["label"]):
                    known = candidate
        if known is not None:
            return self.entity(known.id, known.kind, known.label.fr, "entity-corpus", 0.85)
        qid = self.corpus.qid_by_label_en(meta.get("verified_label_en", ""))
        ent = self.entity(meta["id"], "state", meta["label"], "entity-demonym", 0.8,
                          label_en=meta.get("verified_label_en") or meta["label"])
        if qid and not ent.wikidata:
            ent.wikidata, ent.link_note = qid, None
        return ent

    # --- incidents -----------------------------------------------------------------------
    def incidents(self, sents: list[_Sentence]) -> None:
        self.event_incident: dict[tuple[int, int], IncidentDraft] = {}
        main: IncidentDraft | None = None
        pending: list[tuple[_Sentence, EventFound]] = []
        for s in sents:
            for ev in s.events:
                span = self.tok_span(s, ev.start, ev.end)
                place_ids = []
                for p in ev.places:
                    pspan = self.tok_span(s, p.start, p.end - 1)
                    pid = next((v for k, v in self.place_of.items()
                                if k[0] <= pspan[0] and pspan[1] <= k[1]), None)
                    if pid:
                        place_ids.append(pid)
                if not place_ids and main is None:
                    # "Une frappe russe a tué deux personnes à Kharkiv": the clause's place
                    place_ids = [v for (a, b), v in sorted(self.place_of.items())
                                 if self.draft.sentences[s.index][0] <= a <
                                 self.draft.sentences[s.index][1] and
                                 self.draft.entities[v].kind != "state"][:1]
                place = place_ids[0] if place_ids else None
                if place is None or (main is not None and main.place == place):
                    if main is None:
                        pending.append((s, ev))
                        continue
                    target = main
                else:
                    found = next((i for i in self.draft.incidents if i.place == place), None)
                    target = found or self.new_incident(s, ev, place)
                    if main is None:
                        main = target
                target.spans.append(span)
                self.event_incident[(s.index, ev.start)] = target
        if main is None and pending:
            s, ev = pending[0]
            main = self.new_incident(s, ev, None)
        for s, ev in pending:
            assert main is not None
            main.spans.append(self.tok_span(s, ev.start, ev.end))
            self.event_incident[(s.index, ev.start)] = main
        self.main_incident = main
        for inc in self.draft.incidents:
            inc.spans = sorted(set(inc.spans))

    def new_incident(self, s: _Sentence, ev: EventFound, place: str | None) -> IncidentDraft:
        date_span = part = None
        date: dt.date | None = None
        found = s.reader.date()
        if found is not None:
            (a, b), pod = found
            candidate = self.tok_span(s, a, b)
            try:
                date = resolve(self.words(candidate), self.meta.published)
                date_span = candidate
                part = self.tok_span(s, *pod) if pod else None
            except DateError:
                date = None
        place_ent = self.draft.entities.get(place) if place else None
        reuse = self.corpus.incident_for(place, date) if place else None
        if reuse is not None and reuse.id not in self.ids:
            inc = IncidentDraft(reuse.id, reuse.label.fr, reuse.label.en, "incident-corpus", 0.7,
                                place=place, reused=True)
            self.ids.add(reuse.id)
            self.draft.incidents.append(inc)
            return inc
        noun_fr = ev.noun.capitalize()
        noun_en = ev.noun_en.capitalize()
        where_fr = f" à {place_ent.label_fr}" if place_ent else ""
        where_en = f" in {place_ent.label_en}" if place_ent else ""
        when_fr = when_en = ""
        if date:
            when_fr = f" du {date.day} {MONTHS_FR[date.month - 1]} {date.year}"
            when_en = f" on {date.day} {MONTHS_EN[date.month - 1]} {date.year}"
        key = "-".join(p for p in (place or "", slugify(ev.noun_en, 2),
                                   (date or self.meta.published).isoformat()) if p)
        inc = IncidentDraft(self.unique_id(key), f"{noun_fr}{where_fr}{when_fr}",
                            f"{noun_en}{where_en}{when_en}", "incident-event-noun", 0.6,
                            place=place, date=date_span, part_of_day=part)
        self.draft.incidents.append(inc)
        return inc

    # --- claims --------------------------------------------------------------------------
    def sentence(self, s: _Sentence) -> None:
        doc = s.doc
        sent_span = self.draft.sentences[s.index]
        claims: list[tuple[Act | None, ClaimDraft]] = []
        facts = bool(s.figures or s.victims or s.events)
        fact_words = set(self.lex.events.get("facts", []))
        relays = bool(s.figures or s.victims or s.reader.skips) or any(
            lemma(w) in fact_words for w in doc)
        for act in s.acts:
            claimant, attribution, continues = self.claimant(s, act, claims)
            if claimant is None:
                continue
            stance = act.stance
            if act.participle_of is not None:
                stance = act.stance
            if stance == "neutral" and self.future(s, act):
                stance = "announces"  # "selon X, une quinzaine de pays devraient participer"
            if stance == "neutral":
                stance = "reports" if relays else "asserts"
            elif stance == "asserts" and self.holds_toll(s, act):
                stance = "reports"  # "…, tuant deux personnes, a affirmé le parquet"
            content = act.content
            if content is not None and stance in ("asserts", "reports") and \
                    self.negated_content(s, content):
                stance = "denies"
            if stance not in self.stances_ok:
                continue
            if content is None:
                content_span = self.sentence_body(sent_span)
            else:
                content_span = self.tok_span(s, *content)
            mention = sent_span if len(s.acts) == 1 else self.act_mention(s, act)
            claim = ClaimDraft(
                self.unique_id(f"{claimant}-{stance}"), claimant, stance, attribution, s.index,
                mention, content_span, act.rule, self.act_confidence(act), continues=continues)
            if lemma(act.head) == "accuser":
                self.accused(s, act, claim)
            claims.append((act, claim))
        relative = [a for a, _ in claims if a is not None and a.relative]
        if not claims and s.figures and (earlier := self.restated(s)) is not None:
            body = self.sentence_body(sent_span)
            claim = ClaimDraft(self.unique_id(f"{earlier.claimant}-{earlier.stance}"),
                               earlier.claimant, earlier.stance, "contextual", s.index,
                               sent_span, body, "elaboration", 0.55, elaborates=earlier.id)
            claims.append((None, claim))
        elif (not claims or relative) and facts and self.publisher is not None:
            end = sent_span[1]
            if relative:
                first = relative[0].head.left_edge.i
                end = self.tok_span(s, 0, max(0, first - 2))[1]
            body = self.sentence_body((sent_span[0], end))
            claim = ClaimDraft(self.unique_id(f"{self.publisher.id}-reports"),
                               self.publisher.id, "reports", "outlet-voice", s.index,
                               (sent_span[0], end) if relative else sent_span, body,
                               "outlet-voice", 0.5)
            claims.insert(0, (None, claim))
        if not claims:
            return
        self.attach_media(s, claims)
        self.attach_facts(s, claims)
        for _act, claim in claims:
            if claim.continues and claim.medium is None:
                continued = next(c for c in self.draft.claims if c.id == claim.continues)
                claim.medium = continued.medium  # "Elle a ajouté": the same statement
            self.draft.claims.append(claim)
            self.last_claim = claim
        _ = doc

    def restated(self, s: _Sentence) -> ClaimDraft | None:
        """An earlier claim whose figure this unattributed sentence restates ("Sur les 28
        blessés, …" after "environ 28 autres blessées, ont indiqué des responsables")."""
        publisher = self.publisher.id if self.publisher else None
        for f in s.figures:
            for c in reversed(self.draft.claims):
                if c.claimant != publisher and any(
                        (g.kind, g.count) == (f.kind, f.count) for g in c.figures):
                    return c
        return None

    @staticmethod
    def future(s: _Sentence, act: Act) -> bool:
        """Whether the act's content speaks of the future ("devraient participer", "se
        tiendront"): what a source says will happen is announced."""
        if act.content is None:
            return False
        a, b = act.content
        for w in s.doc[a:b + 1]:
            if "Fut" in w.morph.get("Tense"):
                return True
            if lemma(w) == "devoir" and "Cnd" in w.morph.get("Mood"):
                return True
        return False

    @staticmethod
    def holds_toll(s: _Sentence, act: Act) -> bool:
        """Whether the act's content holds a figure or a victim (a toll is reported)."""
        if act.content is None:
            return False
        a, b = act.content
        return any(a <= f.start and f.end <= b for f in s.figures) or any(
            a <= v.start and v.end <= b for v in s.victims)

    def accused(self, s: _Sentence, act: Act, claim: ClaimDraft) -> None:
        """"X a accusé Y de …": Y is accused; the perpetrator too when the charge is an attack."""
        obj = next((c for c in act.head.children if c.dep_ == "obj"), None)
        if obj is None:
            return
        ent = self.actor(s, obj, s.reader.noun_phrase(obj))
        if ent is None:
            return
        ent.mention(self.tok_span(s, *s.reader.noun_phrase(obj)))
        claim.accused.append(ent.id)
        harm = set(self.lex.figures["kinds"]["verbs"]) | set(self.lex.events["strike_verbs"])
        if any(lemma(w) in harm for w in obj.head.subtree if w.i > obj.i):
            claim.perpetrator.append(ent.id)

    def sentence_body(self, span: Span) -> Span:
        text = self.draft.text
        a, b = span
        while b > a and text[b - 1] in " .;,":
            b -= 1
        return a, b

    def act_mention(self, s: _Sentence, act: Act) -> Span:
        parts = [act.head.i, act.head.left_edge.i if act.participle_of else act.head.i]
        if act.speaker:
            parts += list(act.speaker)
        if act.content:
            parts += list(act.content)
        if act.participle_of is None:
            parts.append(act.head.left_edge.i)
        a, b = min(parts), max(parts)
        doc = s.doc
        while b > a and doc[b].is_punct and doc[b].text not in "\"»":
            b -= 1
        return self.tok_span(s, a, b)

    @staticmethod
    def act_confidence(act: Act) -> float:
        return {"speech-verb": 0.8, "speech-phrase": 0.8, "negated-verb": 0.85,
                "source-selon": 0.8, "source-d-apres": 0.8, "continuation": 0.65,
                "speech-participle": 0.7}.get(act.rule, 0.6)

    def negated_content(self, s: _Sentence, content: tuple[int, int]) -> bool:
        window = s.doc[content[0]:content[1] + 1]
        lows = [w.lower_ for w in window]
        return any(w in ("ne", "n'", "n’") for w in lows) and any(
            w in ("pas", "ni", "jamais", "aucun", "aucune") for w in lows)

    def claimant(self, s: _Sentence, act: Act, claims: list[tuple[Act | None, ClaimDraft]]
                 ) -> tuple[str | None, str, str | None]:
        """(entity id, attribution, continued claim id) of an act's speaker."""
        if act.participle_of is not None:
            owner = next((c for a, c in claims if a is act.participle_of), None)
            if owner is not None:
                return owner.claimant, owner.attribution, owner.continues
            return None, "explicit", None
        if act.continuation:
            if self.last_claim is None:
                return None, "explicit", None
            return self.last_claim.claimant, "contextual", self.last_claim.id
        if act.speaker is None or act.speaker_head is None:
            return None, "explicit", None
        a, b = act.speaker
        span = self.tok_span(s, a, b)
        ent = self.actor(s, act.speaker_head, (a, b))
        if ent is None:
            return None, "explicit", None
        ent.mention(span)
        return ent.id, "explicit", None

    def actor(self, s: _Sentence, head: Any, tokens: tuple[int, int]) -> EntityDraft | None:
        """The entity a source noun phrase names: the publisher, an entity named earlier in
        the article, one of the corpus, a state, or a new one."""
        doc = s.doc
        words = doc[tokens[0]:tokens[1] + 1]
        text = words.text
        kinds, anaphoric = self.lex.actors["kinds"], set(self.lex.actors["anaphoric"])
        if self.publisher is not None and any(
                a <= self.tok_span(s, *tokens)[0] < b or
                self.tok_span(s, *tokens)[0] <= a < self.tok_span(s, *tokens)[1]
                for a, b in self.publisher.spans):
            return self.publisher
        head_word = lemma(head)
        content = [w for w in words if not w.is_punct and w.pos_ not in ("DET",)]
        if head_word in anaphoric and len(content) == 1:
            for claim in reversed(self.draft.claims):
                ent = self.draft.entities[claim.claimant]
                names = [ent.label_fr, ent.role or ""] + [self.words(sp) for sp in ent.spans]
                if head_word == "responsable" and ent.kind == "person":
                    return ent
                if any(normalize(head_word) in normalize(n).split() for n in names):
                    return ent
        state = self.lex.actors["states"].get(head_word) or \
            self.lex.actors["states"].get(head.lower_)
        if state is not None and head.pos_ == "PROPN" and len(content) <= 2:
            return self.state(head.lower_ if head.lower_ in self.lex.actors["states"]
                              else head_word)
        person = self.person_name(doc, tokens)
        if person is not None:
            role_words = [w.text for w in words if w.i < person.start and not w.is_punct]
            while role_words and role_words[0].lower() in ("le", "la", "l'", "les", "un", "une"):
                role_words.pop(0)
            role = " ".join(role_words).replace("' ", "'") or None
            ent = self.named(person.text, "person", "entity-person", 0.75, role=role)
            if role and not ent.role:
                ent.role = role
            return ent
        kind = kinds.get(head_word) or kinds.get(head.lower_)
        if kind is None:
            kind = "organization" if head.pos_ == "PROPN" else "collective"
        if kind == "person" and head.morph.get("Number") == ["Plur"]:
            kind = "collective"
        ent = self.named(text, kind, "entity-source", 0.6)
        if ent.kind not in ACTOR_KINDS:
            if "corpus" in ent.rule:
                return None  # a place of the corpus cannot speak
            ent.kind = kind  # the NER took a source for a place ("Le Kremlin")
        return ent

    def titled(self, doc: Any, start: int) -> bool:
        """Whether the words before token `start` are a person's title, directly or with a
        comma ("le gouverneur régional Andriï K.", "le gouverneur de la région, Mykola D.")."""
        kinds = self.lex.actors["kinds"]
        if start == 0:
            return False
        before = doc[start - 1]
        if before.pos_ in ("ADP", "DET"):
            return False
        return any(kinds.get(lemma(w)) == "person" and w.pos_ == "NOUN"
                   for w in doc[max(0, start - 6):start])

    def person_name(self, doc: Any, tokens: tuple[int, int]) -> Any:
        """A person's name inside a noun phrase: a PER entity, or a name after a title that
        the NER took for a place."""
        for e in doc.ents:
            inside = tokens[0] <= e.start and e.end - 1 <= tokens[1]
            if inside and (e.label_ == "PER" or (e.label_ in ("LOC", "MISC") and
                                                 self.titled(doc, e.start))):
                return e
        return None

    # --- media ---------------------------------------------------------------------------
    def outlets_in(self, s: _Sentence) -> list[tuple[Span, EntityDraft, str]]:
        """Outlets named in the sentence, each with the words before it."""
        text = self.draft.text
        a, b = self.draft.sentences[s.index]
        found: list[tuple[Span, EntityDraft, str]] = []
        if self.publisher is not None:
            for sp in self.publisher.spans:
                if a <= sp[0] < b:
                    found.append((sp, self.publisher, text[a:sp[0]]))
        for outlet in self.lex.media["outlets"]:
            for words in outlet["words"]:
                for m in self.outlet_pattern(words.split()).finditer(text, a, b):
                    if any(m.start() < y and x < m.end() for (x, y), _, _ in found):
                        continue
                    ent = self.outlet(outlet)
                    ent.mention((m.start(), m.end()))
                    found.append(((m.start(), m.end()), ent, text[a:m.start()]))
        for known in self.corpus.entities.values():
            if known.kind != "media-outlet" or (self.publisher and known.id == self.publisher.id):
                continue
            for name in (known.label.fr, *known.alt_labels.fr):
                words = [w for w in re.split(r"[\s\-]+", name) if w]
                for m in self.outlet_pattern(words).finditer(text, a, b):
                    if any(m.start() < y and x < m.end() for (x, y), _, _ in found):
                        continue
                    ent = self.entity(known.id, "media-outlet", known.label.fr, "entity-corpus",
                                      0.85)
                    ent.mention((m.start(), m.end()))
                    found.append(((m.start(), m.end()), ent, text[a:m.start()]))
        for m in re.finditer(r"l['’]agence\s+((?:[A-ZÀ-Ý][\w\-]*\s?)+)", text[a:b]):
            sp = (a + m.start(), a + m.end(1) - (1 if m.group(1).endswith(" ") else 0))
            if any(sp[0] < y and x < sp[1] for (x, y), _, _ in found):
                continue
            name = m.group(1).strip()
            ent = self.named(name, "media-outlet", "outlet-agency", 0.7)
            ent.kind = "media-outlet"
            ent.mention(sp)
            found.append((sp, ent, text[a:sp[0]]))
        return found

    def outlet(self, meta: dict[str, Any]) -> EntityDraft:
        known = self.corpus.entity(meta["label"])
        if known is not None:
            return self.entity(known.id, known.kind, known.label.fr, "entity-corpus", 0.85)
        ent = self.entity(meta["id"], "media-outlet", meta["label"], "outlet-lexicon", 0.8)
        if meta.get("verified_label_en") and not ent.wikidata:
            ent.wikidata = self.corpus.qid_by_label_en(meta["verified_label_en"])
            if ent.wikidata:
                ent.link_note = None
        return ent

    ADDRESSEE = re.compile(
        r"(?:(?:cit|interrog|sollicit)(?:é|ée|és|ées)\s+par|auprès\s+d(?:u|e\s+la|e\s+l['’]|e)|"
        r"questions\s+d(?:u|e\s+la|e\s+l['’]|e)|(?:\w+é|transmise?s?|dit)\s+à(?:\s+la|\s+l['’]|"
        r"\s+le)?)\s*$", re.IGNORECASE)

    def attach_media(self, s: _Sentence, claims: list[tuple[Act | None, ClaimDraft]]) -> None:
        found: list[tuple[int, str]] = []  # (character position, medium entity id)
        for m in s.media:
            span = self.tok_span(s, m.start, m.end)
            if m.kind == "online-service":
                svc = next(x for x in self.lex.media["online_services"] if x["id"] == m.key)
                ent = self.service(svc)
            elif m.kind == "journalists":
                ent = self.entity("statement-to-journalists", "direct-statement",
                                  "déclaration aux journalistes", "medium-journalists", 0.7,
                                  label_en="statement to journalists",
                                  link_note="a statement, not an entity Wikidata describes")
            else:
                words = self.lex.media["statements"][m.key]
                owner = self.nearest(s, claims, span[0])
                if owner is None or owner.claimant == (self.publisher.id if self.publisher
                                                       else None):
                    continue
                claimant = self.draft.entities[owner.claimant]
                ent = self.entity(f"{owner.claimant}-{slugify(words['en'])}", "direct-statement",
                                  f"{words['fr']} ({claimant.label_fr})", "medium-statement",
                                  0.7, label_en=f"{words['en']} ({claimant.label_en})",
                                  link_note="a statement, not an entity Wikidata describes")
            ent.mention(span)
            found.append((span[0], ent.id))
        for span, outlet, before in self.outlets_in(s):
            marker = self.ADDRESSEE.search(before)
            if marker is None:
                continue
            if outlet is self.publisher and marker.group(0).lower().startswith("cit"):
                continue  # "selon des médias russes cités par Radio Steppe": the outlet relays
            ent = self.entity(f"statement-to-{outlet.id}", "direct-statement",
                              f"déclaration à {outlet.label_fr}", "medium-addressee", 0.7,
                              label_en=f"statement to {outlet.label_en}", addressee=outlet.id,
                              link_note="a statement, not an entity Wikidata describes")
            ent.mention((span[0] - len(marker.group(0)), span[1]))
            found.append((span[0], ent.id))
        for pos, medium in found:
            owner = self.nearest(s, claims, pos)
            if owner is not None and owner.medium is None:
                owner.medium = medium

    def service(self, svc: dict[str, Any]) -> EntityDraft:
        known = self.corpus.entity(svc["label"])
        if known is not None:
            return self.entity(known.id, known.kind, known.label.fr, "entity-corpus", 0.85)
        extra: dict[str, Any] = {}
        if svc.get("unverified"):
            extra["unverified"] = svc["unverified"]
        ent = self.entity(svc["id"], "online-service", svc["label"], "medium-online", 0.85,
                          **extra)
        if svc.get("verified_label_en"):
            qid = self.corpus.qid_by_label_en(svc["verified_label_en"])
            if qid:
                ent.wikidata, ent.link_note = qid, None
        return ent

    def nearest(self, s: _Sentence, claims: list[tuple[Act | None, ClaimDraft]],
                pos: int) -> ClaimDraft | None:
        spoken = [(a, c) for a, c in claims if a is not None]
        if not spoken:
            return None

        def distance(pair: tuple[Act | None, ClaimDraft]) -> int:
            act = pair[0]
            assert act is not None
            anchor = s.begin + act.head.idx
            return abs(anchor - pos)

        return min(spoken, key=distance)[1]

    # --- figures, victims, incidents on claims --------------------------------------------
    def owner_of(self, s: _Sentence, claims: list[tuple[Act | None, ClaimDraft]],
                 span: Span) -> ClaimDraft:
        """The claim whose clause holds a span: the narrowest content around it."""
        holding = [c for _a, c in claims if c.content[0] <= span[0] and span[1] <= c.content[1]]
        spoken = [c for c in holding if c.attribution != "outlet-voice"] or holding
        if spoken:
            return min(spoken, key=lambda c: c.content[1] - c.content[0])
        return claims[0][1]

    def attach_facts(self, s: _Sentence, claims: list[tuple[Act | None, ClaimDraft]]) -> None:
        quotes = s.reader.quotes()
        for _a, c in claims:
            for qa, qb in quotes:
                span = (s.begin + qa, s.begin + qb)
                if c.mention[0] <= span[0] and span[1] <= c.mention[1]:
                    c.verbatim.append(span)
        victims: list[tuple[VictimFound, VictimDraft, ClaimDraft]] = []
        for v in s.victims:
            span = self.tok_span(s, v.start, v.end)
            owner = self.owner_of(s, claims, span)
            words = self.words(span)
            desc = words[:1].lower() + words[1:]
            draft = VictimDraft(self.unique_id(f"victim-{slugify(v.noun_en)}-{v.age.lower()}"),
                                desc, f"a {v.age_words} {v.noun_en}", span, v.age,
                                v.harm if v.harm in ("killed", "injured", "hospitalized",
                                                     "body-recovered") else None)
            owner.victims.append(draft)
            victims.append((v, draft, owner))
        for f in s.figures:
            span = self.tok_span(s, f.start, f.end)
            owner = self.owner_of(s, claims, span)
            fig = FigureDraft(self.unique_id(f"{f.kind}-{f.count}"), f.kind, f.count,
                              f.qualifier, span, f.rule, f.confidence)
            if f.inclusion:
                fig.inclusion = self.tok_span(s, *f.inclusion)
                for v, vd, vowner in victims:
                    if f.inclusion[0] <= v.start and v.end <= f.inclusion[1] and \
                            vowner is owner:
                        fig.includes.append(vd.id)
                        if vd.harm is None and f.kind in ("killed", "injured"):
                            vd.harm = f.kind
            if f.subset and owner.figures:
                fig.subset_of = owner.figures[-1].id
            owner.figures.append(fig)
        for _a, c in claims:
            events = [ev for ev in s.events
                      if c.content[0] <= self.tok_span(s, ev.start, ev.end)[0] < c.content[1]]
            incident = None
            for ev in events:
                incident = incident or self.event_incident.get((s.index, ev.start))
                if ev.type and ev.type not in c.event_type:
                    c.event_type.append(ev.type)
                for adj in ev.demonyms:
                    ent = self.state(lemma(adj))
                    if ent is not None and ent.id not in c.perpetrator:
                        c.perpetrator.append(ent.id)
                        ent.mention(self.tok_span(s, adj.i, adj.i))
            if incident is None:
                any_ev = next((self.event_incident.get((s.index, ev.start)) for ev in s.events),
                              None)
                incident = any_ev or self.main_incident
            if incident is not None:
                c.about = [incident.id]
