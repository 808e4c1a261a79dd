"""Map checked annotations to RDF quads in the article's named graph.

Every node points to the spans it comes from (`prov:wasDerivedFrom` a mention); disputed
content is only ever written on claims. Problems are collected, never raised one by one, so a
single run reports every error of an article.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from kg.anchoring import Anchorer, AnchorError, Span
from kg.annotations import (
    ACTOR_KINDS,
    MEDIUM_KINDS,
    PLACE_KINDS,
    AnnotationError,
    Claim,
    ContextEvent,
    Coreference,
    DateSpec,
    Entity,
    Evidence,
    Incident,
    QuoteIn,
    Text,
)
from kg.article import Article
from kg.config import Iris
from kg.dates import DateError, resolve_checked
from kg.fidelity import Names, within
from kg.terms import GAF, GEO, NIF, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, WD, XSD
from kg.wikidata import unverified, verified

ENTITY_CLASS = {
    "person": "Person", "government-body": "GovernmentBody", "state": "State",
    "armed-force": "ArmedForce", "media-outlet": "MediaOutlet", "collective": "CollectiveSource",
    "organization": "Organization", "coalition": "Coalition", "city": "City", "region": "Region",
    "village": "Village", "sea": "Sea", "building": "Building", "online-service": "OnlineService",
    "direct-statement": "DirectStatement",
}
EVENT_CLASS = {"meeting": "Meeting", "investigation": "Investigation",
               "rescue-operation": "RescueOperation"}
CASUALTY_KINDS = {"killed", "injured", "hospitalized", "body-recovered"}
# Claim fields mapped the same way: (dkg property, annotation field[, SKOS scheme]).
CLAIM_ACTORS = (("claimedPerpetrator", "perpetrator"), ("claimedParticipant", "participants"),
                ("claimedRemoteParticipant", "remote_participants"),
                ("accusedActor", "accused"), ("mentionsActor", "mentions_actors"))
CLAIM_CONCEPTS = (("claimedEventType", "event_type", "incident-type"),
                  ("claimedCause", "cause", "incident-type"),
                  ("claimedTargetKind", "target_kind", "target-kind"))
CLAIM_LINKS = (("respondsTo", "responds_to"), ("concernsClaim", "concerns"),
               ("continues", "continues"), ("elaborates", "elaborates"))
# Words for a figure's generated label, e.g. "killed: at least 27" / "tués : au moins 27".
FIGURE_WORDS = {
    "en": {"killed": "killed", "injured": "injured", "hospitalized": "hospitalized",
           "body-recovered": "bodies recovered", "participating-countries":
           "participating countries", "volunteers": "volunteers", "missiles": "missiles",
           "exact": "", "about": "about ", "at-least": "at least ", "more-than": "more than ",
           "up-to": "up to "},
    "fr": {"killed": "tués", "injured": "blessés", "hospitalized": "hospitalisés",
           "body-recovered": "corps retrouvés", "participating-countries": "pays participants",
           "volunteers": "volontaires", "missiles": "missiles", "exact": "",
           "about": "environ ", "at-least": "au moins ", "more-than": "plus de ",
           "up-to": "jusqu'à "},
}


@cache
def _named(iri: str) -> NamedNode:
    """One node per vocabulary IRI (a few hundred), not one per use: nodes are immutable."""
    return NamedNode(iri)


def entity_iri_kind(kind: str) -> str:
    """The IRI kind segment of an entity: actor, place or medium."""
    if kind in ACTOR_KINDS:
        return "actor"
    if kind in MEDIUM_KINDS:
        return "medium"
    return "place"


@dataclass
class Registry:
    """Entity, incident and event keys across all articles: shared keys are one node."""

    entities: dict[str, Entity] = field(default_factory=dict)
    incidents: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    by_qid: dict[str, str] = field(default_factory=dict)
    _names: Names | None = field(default=None, repr=False)

    @property
    def names(self) -> Names:
        """Every entity's names as word sequences (kg.fidelity), built once."""
        if self._names is None:
            self._names = Names.of(self.entities.values())
        return self._names

    def canonical(self, key: str) -> str:
        """The key that stands for an entity (the first one declared with its Wikidata ID)."""
        entity = self.entities.get(key)
        if entity and entity.wikidata:
            return self.by_qid.get(entity.wikidata, key)
        return key


@dataclass
class Mapper:
    """Maps one article; `quads` and `errors` fill up as it goes."""

    article: Article
    iris: Iris
    registry: Registry
    quads: list[Quad] = field(default_factory=list)
    errors: list[AnnotationError] = field(default_factory=list)
    mentions: dict[Span, NamedNode] = field(default_factory=dict)
    # the quads about entities, incidents and events: the only nodes several articles describe
    shared: range = range(0)

    def __post_init__(self) -> None:
        self.denoted = GAF.denotedBy
        self.attested = _named(self.iris.term("attestedBy"))
        self.anchorer = Anchorer(self.article.text)
        self.graph = NamedNode(self.iris.graph(self.article.id))
        self.loc = self.article.locator

    # --- small helpers -------------------------------------------------------------------
    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        self.quads.append(Quad(s, p, o, self.graph))

    def dkg(self, local: str) -> NamedNode:
        return _named(self.iris.term(local))

    def concept(self, scheme: str, slug: str) -> NamedNode:
        return _named(self.iris.concept(scheme, slug))

    def node(self, kind: str, slug: str) -> NamedNode:
        return NamedNode(self.iris.resource(kind, slug))

    def local(self, kind: str, slug: str) -> NamedNode:
        """A node that belongs to this article (claims, figures, victims, evidence)."""
        return self.node(kind, f"{self.article.id}/{slug}")

    def error(self, loc: tuple[Any, ...], message: str) -> None:
        self.errors.append(self.loc.error(loc, message))

    def texts(self, s: NamedNode, p: NamedNode, text: Text) -> None:
        self.add(s, p, Literal(text.fr, language="fr"))
        self.add(s, p, Literal(text.en, language="en"))

    def span(self, quote: str | QuoteIn, loc: tuple[Any, ...]) -> Span | None:
        try:
            return self.anchorer.anchor(quote)
        except AnchorError as exc:
            self.error(loc, str(exc))
            return None

    def mention(self, span: Span) -> NamedNode:
        """The mention node of a span, created once per span."""
        if span in self.mentions:
            return self.mentions[span]
        iri = self.node("mention", f"{self.article.id}/{span.begin}-{span.end}")
        self.mentions[span] = iri
        return iri

    def evidence(self, s: NamedNode, quote: str | QuoteIn, loc: tuple[Any, ...],
                 via: NamedNode = PROV.wasDerivedFrom) -> str | None:
        """Anchor a quote, link it to `s` through `via`, and return the exact text.

        Records (claims, figures, evidence) are `prov:wasDerivedFrom` their mentions; real-world
        things are `gaf:denotedBy` the mentions naming them (DENOTED) and `dkg:attestedBy` those
        stating a circumstance of them (ATTESTED).
        """
        span = self.span(quote, loc)
        if span is None:
            return None
        self.add(s, via, self.mention(span))
        return self.article.text[span.begin:span.end]

    def evidences(self, s: NamedNode, quotes: Iterable[str | QuoteIn],
                  loc: tuple[Any, ...], via: NamedNode = PROV.wasDerivedFrom) -> None:
        for i, quote in enumerate(quotes):
            self.evidence(s, quote, (*loc, i), via)

    def ref(self, key: str, expected: set[str], loc: tuple[Any, ...]) -> NamedNode | None:
        """Resolve a reference to an entity of one of the expected kinds."""
        entity = self.registry.entities.get(key)
        if entity is None:
            self.error(loc, f"unknown entity {key!r}")
            return None
        if entity.kind not in expected:
            self.error(loc, f"{key!r} is of kind {entity.kind}; expected one of "
                       f"{', '.join(sorted(expected))}")
            return None
        canon = self.registry.entities[self.registry.canonical(key)]
        return self.node(entity_iri_kind(canon.kind), canon.id)

    def incident_or_event(self, key: str, loc: tuple[Any, ...],
                          events: bool = True) -> NamedNode | None:
        if key in self.registry.incidents:
            return self.node("incident", key)
        if events and key in self.registry.events:
            return self.node("event", key)
        self.error(loc, f"unknown {'incident or event' if events else 'incident'} {key!r}")
        return None

    def date(self, s: NamedNode, spec: DateSpec, loc: tuple[Any, ...],
             prefix: str = "") -> None:
        via = PROV.wasDerivedFrom if prefix else self.attested
        text = self.evidence(s, spec.expression, (*loc, "expression"), via)
        if text is None:
            return
        try:
            value = resolve_checked(text, self.article.meta.published, spec.value)
        except DateError as exc:
            self.error((*loc, "expression"), str(exc))
            return
        name = "claimedDate" if prefix else "date"
        self.add(s, self.dkg(name), Literal(value.isoformat(), datatype=XSD.date))
        self.add(s, self.dkg(name + "Expression" if prefix else "dateExpression"),
                 Literal(text, language=self.article.meta.language))
        if not prefix:
            self.add(s, self.dkg("datePrecision"), self.concept("date-precision", spec.precision))
            if spec.part_of_day is not None:
                part = self.evidence(s, spec.part_of_day, (*loc, "part_of_day"), via)
                if part is not None:
                    self.add(s, self.dkg("partOfDay"),
                             Literal(part, language=self.article.meta.language))

    # --- the article ---------------------------------------------------------------------
    def map(self) -> None:
        a = self.annotations = self.article.annotations
        self.claim_keys = {c.id: c for c in a.claims}
        self.figure_keys = {f.id for c in a.claims for f in c.figures}
        self.victim_keys = {v.id for c in a.claims for v in c.victims}
        self.map_article()
        start = len(self.quads)
        for i, entity in enumerate(a.entities):
            self.map_entity(entity, ("entities", i))
        for i, incident in enumerate(a.incidents):
            self.map_incident(incident, ("incidents", i))
        for i, event in enumerate(a.events):
            self.map_event(event, ("events", i))
        self.shared = range(start, len(self.quads))
        for i, claim in enumerate(a.claims):
            self.map_claim(claim, ("claims", i))
        for i, event in enumerate(a.events):
            self.check_attestation(event, ("events", i))
        for i, coref in enumerate(a.coreferences):
            self.map_coreference(coref, ("coreferences", i))
        self.map_mentions()

    def map_coreference(self, c: Coreference, loc: tuple[Any, ...]) -> None:
        """The annotators' inference that victims (or incidents) may be one: a record of theirs,
        with its basis; the members stay distinct nodes."""
        s = self.local("coreference", c.id)
        self.add(s, RDF.type, self.dkg("Coreference"))
        self.texts(s, RDFS.label, c.basis)
        self.texts(s, self.dkg("basis"), c.basis)
        self.add(s, PROV.wasAttributedTo, _named(self.iris.resource("agent", "annotators")))
        for i, key in enumerate(c.members):
            if key in self.victim_keys:
                node = self.local("victim", key)
            elif key in self.registry.incidents:
                node = self.node("incident", key)
            else:
                self.error((*loc, "members", i), f"unknown victim or incident {key!r}")
                continue
            self.add(s, self.dkg("possiblySame"), node)

    def map_article(self) -> None:
        meta, text = self.article.meta, self.article.text
        s = self.article_node = self.node("article", self.article.id)
        for cls in (self.dkg("Article"), NIF.Context, SCHEMA.NewsArticle):
            self.add(s, RDF.type, cls)
        self.texts(s, RDFS.label, meta.title)
        self.add(s, NIF.isString, Literal(text))
        self.add(s, NIF.beginIndex, Literal(str(0), datatype=XSD.integer))
        self.add(s, NIF.endIndex, Literal(str(len(text)), datatype=XSD.integer))
        self.add(s, SCHEMA.inLanguage, Literal(meta.language))
        if meta.translated_from:
            self.add(s, self.dkg("translatedFromLanguage"), Literal(meta.translated_from))
        self.add(s, SCHEMA.datePublished, Literal(meta.published.isoformat(), datatype=XSD.date))
        if meta.url:
            self.add(s, SCHEMA.url, Literal(meta.url, datatype=XSD.anyURI))
        self.add(s, self.dkg("sha256"), Literal(self.article.sha256))
        publisher = self.ref(meta.publisher, {"media-outlet", "organization"}, ("publisher",))
        if publisher is not None:
            self.add(s, SCHEMA.publisher, publisher)

    def map_entity(self, e: Entity, loc: tuple[Any, ...]) -> None:
        canon_key = self.registry.canonical(e.id)
        canon = self.registry.entities[canon_key]
        s = self.node(entity_iri_kind(canon.kind), canon_key)
        kind_group = entity_iri_kind(e.kind)
        self.add(s, RDF.type, self.dkg({"actor": "Actor", "place": "Place",
                                        "medium": "Medium"}[kind_group]))
        self.add(s, RDF.type, self.dkg(ENTITY_CLASS[e.kind]))
        if e.kind == "state":
            self.add(s, RDF.type, self.dkg("Place"))
        label_predicate = RDFS.label if canon_key == e.id else SKOS.altLabel
        self.texts(s, label_predicate, e.label)
        for lang in ("fr", "en"):
            for alt in getattr(e.alt_labels, lang):
                self.add(s, SKOS.altLabel, Literal(alt, language=lang))
        if e.role:
            self.texts(s, SCHEMA.jobTitle, e.role)
        self.link(s, e, loc)
        for key in e.part_of:
            if (o := self.ref(key, ACTOR_KINDS, (*loc, "part_of"))) is not None:
                self.add(s, self.dkg("partOf"), o)
        for name, field_name, keys in (("basedIn", "based_in", e.based_in),
                                       ("locatedIn", "located_in", e.located_in),
                                       ("onCoastOf", "on_coast_of", e.on_coast_of),
                                       ("jurisdiction", "jurisdiction", e.jurisdiction)):
            for key in keys:
                if (o := self.ref(key, PLACE_KINDS, (*loc, field_name))) is not None:
                    self.add(s, self.dkg(name), o)
        if e.addressee:
            if e.kind != "direct-statement":
                self.error((*loc, "addressee"), "only a direct-statement has an addressee")
            elif (o := self.ref(e.addressee, ACTOR_KINDS, (*loc, "addressee"))) is not None:
                self.add(s, self.dkg("addressee"), o)
        if e.damage_extent is not None:
            extent = self.evidence(s, e.damage_extent, (*loc, "damage_extent"), self.attested)
            if extent is not None:
                self.add(s, self.dkg("damageExtent"),
                         Literal(extent, language=self.article.meta.language))
        if e.coordinates is not None or e.geonames:
            self.gazetteer(s, e)
        self.evidences(s, e.mentions, (*loc, "mentions"), self.denoted)

    def gazetteer(self, s: NamedNode, e: Entity) -> None:
        """Coordinates and a GeoNames ID come from a gazetteer, not from the article: they go to
        the gazetteer graph, on a geometry node derived from the gazetteer's record."""
        graph = _named(self.iris.graph("gazetteer"))
        quads = self.quads
        if e.geonames:
            record = NamedNode(f"https://sws.geonames.org/{e.geonames}/")
            quads.append(Quad(s, self.dkg("geonamesId"), Literal(e.geonames), graph))
            quads.append(Quad(s, RDFS.seeAlso, record, graph))
        if e.coordinates is not None:
            c = e.coordinates
            geometry = NamedNode(str(s.value) + "/geometry")
            for p, o in ((GEO.hasGeometry, geometry),
                         (SCHEMA.latitude, Literal(str(c.lat), datatype=XSD.decimal)),
                         (SCHEMA.longitude, Literal(str(c.lon), datatype=XSD.decimal))):
                quads.append(Quad(s, p, o, graph))
            for p, o in ((RDF.type, GEO.Geometry),
                         (GEO.asWKT, Literal(f"POINT({c.lon} {c.lat})", datatype=GEO.wktLiteral)),
                         (self.dkg("coordinateSource"), Literal(c.source))):
                quads.append(Quad(geometry, p, o, graph))
            if e.geonames:
                quads.append(Quad(geometry, PROV.wasDerivedFrom, record, graph))

    def link(self, s: NamedNode, e: Entity | Incident, loc: tuple[Any, ...]) -> None:
        """owl:sameAs to Wikidata only from the verified table, with its evidence."""
        qid = getattr(e, "wikidata", None)
        if qid:
            row = verified().get(qid)
            if row is None:
                self.error((*loc, "wikidata"), f"{qid} is not in the verified Wikidata table "
                           "(kg/data/verified-qids.tsv); a link needs evidence")
                return
            self.add(s, OWL.sameAs, WD[qid])
            self.add(s, self.dkg("wikidataEvidence"), Literal(row.evidence))
            self.add(s, self.dkg("linkStatus"), self.concept("link-status", "linked"))
        elif e.unverified:
            rows = unverified()
            if e.unverified not in rows:
                self.error((*loc, "unverified"), f"{e.unverified!r} is not an entity of "
                           "kg/data/unverified.tsv")
                return
            self.add(s, self.dkg("linkStatus"), self.concept("link-status", "unlinked-unverified"))
            self.add(s, self.dkg("linkNote"), Literal(rows[e.unverified].note))
        else:
            self.add(s, self.dkg("linkStatus"),
                     self.concept("link-status", "unlinked-no-candidate"))
            self.add(s, self.dkg("linkNote"), Literal(
                e.link_note or "no Wikidata ID in the verified table and none researched "
                               "(not listed in unverified.tsv)"))

    def map_incident(self, inc: Incident, loc: tuple[Any, ...]) -> None:
        s = self.node("incident", inc.id)
        self.add(s, RDF.type, self.dkg("Incident"))
        self.texts(s, RDFS.label, inc.label)
        self.add(s, self.dkg("attestation"), self.concept("attestation", inc.attestation))
        self.link(s, inc, loc)
        if inc.place and (o := self.ref(inc.place, PLACE_KINDS, (*loc, "place"))) is not None:
            self.add(s, self.dkg("place"), o)
        if inc.date:
            self.date(s, inc.date, (*loc, "date"))
        for key in inc.destroyed:
            if (o := self.ref(key, {"building"}, (*loc, "destroyed"))) is not None:
                self.add(s, self.dkg("destroyed"), o)
        for key in inc.precedes:
            if key not in self.registry.events:
                self.error((*loc, "precedes"), f"unknown event {key!r}")
            else:
                self.add(s, self.dkg("precedes"), self.node("event", key))
        self.evidences(s, inc.mentions, (*loc, "mentions"), self.denoted)

    def map_event(self, ev: ContextEvent, loc: tuple[Any, ...]) -> None:
        s = self.node("event", ev.id)
        self.add(s, RDF.type, self.dkg("ContextEvent"))
        self.add(s, RDF.type, self.dkg(EVENT_CLASS[ev.kind]))
        self.texts(s, RDFS.label, ev.label)
        self.add(s, self.dkg("attestation"), self.concept("attestation", ev.attestation))
        if ev.status:
            self.add(s, self.dkg("eventStatus"), self.concept("event-status", ev.status))
        if ev.place and (o := self.ref(ev.place, PLACE_KINDS, (*loc, "place"))) is not None:
            self.add(s, self.dkg("place"), o)
        if ev.date:
            self.date(s, ev.date, (*loc, "date"))
        if ev.topic is not None:
            topic = self.evidence(s, ev.topic, (*loc, "topic"), self.attested)
            if topic is not None:
                self.add(s, self.dkg("topic"), Literal(topic, language=self.article.meta.language))
        for name, field_name, keys in (
                ("topicBackedBy", "topic_backed_by", ev.topic_backed_by),
                ("participant", "participants", ev.participants),
                ("conductedBy", "conducted_by", ev.conducted_by)):
            for key in keys:
                if (o := self.ref(key, ACTOR_KINDS, (*loc, field_name))) is not None:
                    self.add(s, self.dkg(name), o)
        for key in ev.related_incidents:
            o = self.incident_or_event(key, (*loc, "related_incidents"), events=False)
            if o is not None:
                self.add(s, self.dkg("relatedIncident"), o)
        self.evidences(s, ev.mentions, (*loc, "mentions"), self.denoted)

    def claim_ref(self, key: str, loc: tuple[Any, ...]) -> NamedNode | None:
        if key not in self.claim_keys:
            self.error(loc, f"unknown claim {key!r}")
            return None
        return self.local("claim", key)

    # --- claims: each step maps one group of fields (tables at the top of the module) -------
    def map_claim(self, c: Claim, loc: tuple[Any, ...]) -> None:
        s = self.local("claim", c.id)
        self.claim_frame(s, c, loc)
        self.claim_words(s, c, loc)
        self.claim_content(s, c, loc)
        self.claim_relations(s, c, loc)
        self.claim_verification(s, c, loc)
        for i, ev in enumerate(c.evidence):
            self.map_evidence(s, ev, (*loc, "evidence", i))
        lang = self.article.meta.language
        for i, fig in enumerate(c.figures):
            self.map_figure(s, fig, (*loc, "figures", i), lang)
        for i, victim in enumerate(c.victims):
            self.map_victim(s, victim, (*loc, "victims", i), lang)

    def claim_frame(self, s: NamedNode, c: Claim, loc: tuple[Any, ...]) -> None:
        """Who says it, how, where it is reported, what it is about."""
        self.add(s, RDF.type, self.dkg("Claim"))
        self.texts(s, RDFS.label, c.label)
        if (o := self.ref(c.claimant, ACTOR_KINDS, (*loc, "claimant"))) is not None:
            self.add(s, self.dkg("claimant"), o)
        for name, scheme, slug in (("stance", "stance", c.stance),
                                   ("attributionBasis", "attribution-basis", c.attribution),
                                   ("certainty", "certainty", c.certainty),
                                   ("temporality", "temporality", c.temporality)):
            self.add(s, self.dkg(name), self.concept(scheme, slug))
        self.add(s, self.dkg("reportedIn"), self.article_node)
        for key in c.about:
            if (o := self.incident_or_event(key, (*loc, "about"))) is not None:
                self.add(s, self.dkg("about"), o)
        medium = self.medium_of(c, loc)
        if medium and (o := self.ref(medium, MEDIUM_KINDS, (*loc, "medium"))) is not None:
            self.add(s, self.dkg("medium"), o)
        self.check_label(c, medium, loc)

    # --- what the text does not say (kg.fidelity) ------------------------------------------
    def spans_of(self, quotes: Iterable[str | QuoteIn]) -> list[Span]:
        """The spans of quotes, skipping those that do not anchor (already reported)."""
        spans = []
        for quote in quotes:
            try:
                spans.append(self.anchorer.anchor(quote))
            except AnchorError:
                continue
        return spans

    def places_of(self, keys: Iterable[str]) -> list[str]:
        """The places the article states (in its own voice) for these incidents and events."""
        a, wanted = self.article.annotations, set(keys)
        things: list[Incident | ContextEvent] = [*a.incidents, *a.events]
        return [x.place for x in things if x.id in wanted and x.place]

    def check_label(self, c: Claim, medium: str | None, loc: tuple[Any, ...]) -> None:
        """A claim's label names no actor, place or medium its sentences do not name, beyond
        its frame: claimant, medium and the stated place of what it is about."""
        names, canonical = self.registry.names, self.registry.canonical
        frame = {canonical(k) for k in (c.claimant, medium, *self.places_of(c.about)) if k}
        named = {canonical(k) for k in names.naming(c.label.fr) | names.naming(c.label.en)}
        if not named - frame:
            return
        mentions = self.spans_of(c.mentions)
        text = " ".join(self.article.text[s.begin:s.end] for s in self.article.sentences
                        if any(s.begin <= m.begin and m.end <= s.end for m in mentions))
        said = {canonical(k) for k in names.named_in(text)}
        for key in sorted(named - frame - said):
            self.error((*loc, "label"), f"names {key!r}, which the claim's sentences do not "
                       "name: a label says no more than the text (an inference of the "
                       "annotators goes under `coreferences`, with its basis)")

    def check_attestation(self, ev: ContextEvent, loc: tuple[Any, ...]) -> None:
        """An event the text mentions only inside claims of its own conductors or participants
        is known from what they say of their own acts: it is alleged-only."""
        if ev.attestation != "reported-by-article":
            return
        canonical = self.registry.canonical
        actors = {canonical(k) for k in (*ev.conducted_by, *ev.participants)}
        claims = [c for c in self.article.annotations.claims if canonical(c.claimant) in actors]
        spoken = [(s.begin, s.end) for c in claims for s in self.spans_of(c.mentions)]
        if within(((s.begin, s.end) for s in self.spans_of(ev.mentions)), spoken):
            self.error((*loc, "attestation"), "the text mentions this event only in what its "
                       f"own conductors or participants say ({', '.join(c.id for c in claims)}):"
                       " what an actor says of its own acts is a claim, so the attestation is "
                       "alleged-only")

    def medium_of(self, c: Claim, loc: tuple[Any, ...]) -> str | None:
        """A claim's medium: its own, or, for a continuation, always that of what it continues.

        A continuation ("Elle a ajouté") names no source: it is the same claimant speaking
        through the same channel, so a differing claimant or medium is an annotation error."""
        if c.attribution == "contextual" and not c.continues:
            self.error((*loc, "attribution"), "a contextual attribution must name the claim it "
                       "continues (`continues`); a sentence that only elaborates another and "
                       "names no source is the outlet's voice (attribution: outlet-voice)")
        seen: set[str] = {c.id}
        source = c
        while source.continues and source.continues in self.claim_keys:
            if source.continues in seen:
                self.error((*loc, "continues"), f"claims continue each other in a cycle "
                           f"({', '.join(sorted(seen))})")
                return c.medium
            seen.add(source.continues)
            source = self.claim_keys[source.continues]
        if source is c:
            return c.medium
        if source.claimant != c.claimant:
            self.error((*loc, "claimant"), f"continues {source.id!r} of {source.claimant!r}: "
                       "a continuation has the claimant of what it continues")
        if c.medium and c.medium != source.medium:
            self.error((*loc, "medium"), f"{c.medium!r} differs from the medium "
                       f"{source.medium!r} of {source.id!r}, which this claim continues")
        return source.medium

    def claim_words(self, s: NamedNode, c: Claim, loc: tuple[Any, ...]) -> None:
        """The sentences, the words carrying the content, the verbatim quotes."""
        self.evidences(s, c.mentions, (*loc, "mentions"))
        content = self.evidence(s, c.content, (*loc, "content"))
        if content is not None:
            self.add(s, self.dkg("contentText"), Literal(content))
        for i, quote in enumerate(c.verbatim):
            text = self.evidence(s, quote, (*loc, "verbatim", i))
            if text is not None:
                self.add(s, self.dkg("verbatimQuote"), Literal(text))

    def claim_content(self, s: NamedNode, c: Claim, loc: tuple[Any, ...]) -> None:
        """The structured content: actors, concepts, places, target, date."""
        for name, field_name in CLAIM_ACTORS:
            for key in getattr(c, field_name):
                if (o := self.ref(key, ACTOR_KINDS, (*loc, field_name))) is not None:
                    self.add(s, self.dkg(name), o)
        for name, field_name, scheme in CLAIM_CONCEPTS:
            values = getattr(c, field_name)
            for slug in values if isinstance(values, list) else [values] if values else []:
                self.add(s, self.dkg(name), self.concept(scheme, slug))
        if c.target:
            self.texts(s, self.dkg("claimedTarget"), c.target)
        for key in c.place:
            if (o := self.ref(key, PLACE_KINDS, (*loc, "place"))) is not None:
                self.add(s, self.dkg("claimedPlace"), o)
        if c.date:
            self.date(s, c.date, (*loc, "date"), prefix="claimed")

    def claim_relations(self, s: NamedNode, c: Claim, loc: tuple[Any, ...]) -> None:
        """Links to other claims and incidents."""
        for name, field_name in CLAIM_LINKS:
            value = getattr(c, field_name)
            for key in value if isinstance(value, list) else [value] if value else []:
                if (o := self.claim_ref(key, (*loc, field_name))) is not None:
                    self.add(s, self.dkg(name), o)
        for key in c.counter_incident:
            o = self.incident_or_event(key, (*loc, "counter_incident"), events=False)
            if o is not None:
                self.add(s, self.dkg("counterIncident"), o)

    def claim_verification(self, s: NamedNode, c: Claim, loc: tuple[Any, ...]) -> None:
        for i, v in enumerate(c.verification):
            self.add(s, self.dkg("verificationStatus"),
                     self.concept("verification-status", v.status))
            if v.stated_by and (o := self.claim_ref(
                    v.stated_by, (*loc, "verification", i, "stated_by"))) is not None:
                self.add(s, self.dkg("verificationStatedBy"), o)

    def map_evidence(self, claim: NamedNode, ev: Evidence, loc: tuple[Any, ...]) -> None:
        e = self.local("evidence", ev.id)
        self.add(claim, self.dkg("claimedEvidence"), e)
        self.add(e, RDF.type, self.dkg("Evidence"))
        self.texts(e, RDFS.label, ev.description)
        self.texts(e, SCHEMA.description, ev.description)
        self.add(e, self.dkg("evidenceKind"), self.concept("evidence-kind", ev.kind))
        self.evidence(e, ev.quote, (*loc, "quote"))
        if ev.verbatim is not None:
            text = self.evidence(e, ev.verbatim, (*loc, "verbatim"))
            if text is not None:
                self.add(e, self.dkg("verbatimQuote"), Literal(text))

    def map_figure(self, claim: NamedNode, fig: Any, loc: tuple[Any, ...], lang: str) -> None:
        f = self.local("figure", fig.id)
        casualty = fig.kind in CASUALTY_KINDS
        self.add(claim, self.dkg("reportsFigure"), f)
        self.add(f, RDF.type, self.dkg("Figure"))
        if casualty:
            self.add(f, RDF.type, self.dkg("CasualtyFigure"))
        scheme = "casualty-kind" if casualty else "count-kind"
        self.add(f, self.dkg("figureKind"), self.concept(scheme, fig.kind))
        self.add(f, self.dkg("count"), Literal(str(fig.count), datatype=XSD.integer))
        self.add(f, self.dkg("qualifier"), self.concept("count-qualifier", fig.qualifier))
        self.evidence(f, fig.quote, (*loc, "quote"))
        for label_lang, words in FIGURE_WORDS.items():
            colon = " :" if label_lang == "fr" else ":"
            self.add(f, RDFS.label, Literal(
                f"{words[fig.kind]}{colon} {words[fig.qualifier]}{fig.count}", language=label_lang))
        if fig.inclusion is not None:
            text = self.evidence(f, fig.inclusion, (*loc, "inclusion"))
            if text is not None:
                self.add(f, self.dkg("inclusionText"), Literal(text, language=lang))
        for key in fig.includes:
            if key not in self.victim_keys:
                self.error((*loc, "includes"), f"unknown victim {key!r}")
            else:
                self.add(f, self.dkg("includesVictim"), self.local("victim", key))
        if fig.subset_of:
            if fig.subset_of not in self.figure_keys:
                self.error((*loc, "subset_of"), f"unknown figure {fig.subset_of!r}")
            else:
                self.add(f, self.dkg("subsetOf"), self.local("figure", fig.subset_of))

    def map_victim(self, claim: NamedNode, v: Any, loc: tuple[Any, ...], lang: str) -> None:
        s = self.local("victim", v.id)
        self.add(claim, self.dkg("reportsVictim"), s)
        self.add(s, RDF.type, self.dkg("Victim"))
        self.texts(s, RDFS.label, v.description)
        self.texts(s, SCHEMA.description, v.description)
        self.evidence(s, v.quote, (*loc, "quote"), self.denoted)
        if v.age:
            self.add(s, self.dkg("age"), Literal(v.age, datatype=XSD.duration))
        if v.harm:
            self.add(s, self.dkg("harm"), self.concept("casualty-kind", v.harm))
        if v.relationship:
            self.texts(s, self.dkg("relationshipRole"), v.relationship)
        if v.related_to:
            if v.related_to not in self.victim_keys:
                self.error((*loc, "related_to"), f"unknown victim {v.related_to!r}")
            else:
                self.add(s, self.dkg("relatedVictim"), self.local("victim", v.related_to))
        if v.relationship_certainty:
            self.add(s, self.dkg("relationshipCertainty"),
                     self.concept("verification-status", v.relationship_certainty))
        if v.relationship_quote is not None:
            self.evidence(s, v.relationship_quote, (*loc, "relationship_quote"), self.attested)

    def map_mentions(self) -> None:
        """Sentence nodes for every sentence, and the mentions anchored during mapping."""
        text, context = self.article.text, self.article_node
        sentence_nodes: list[tuple[Span, NamedNode]] = []
        for number, span in enumerate(self.article.sentences, start=1):
            node = self.mention(span)
            sentence_nodes.append((span, node))
            self.add(node, RDF.type, NIF.Sentence)
            self.add(node, self.dkg("sentenceNumber"),
                     Literal(str(number), datatype=XSD.integer))
        for span, node in sorted(self.mentions.items()):
            self.add(node, RDF.type, self.dkg("Mention"))
            self.add(node, RDF.type, NIF.OffsetBasedString)
            self.add(node, NIF.beginIndex,
                     Literal(str(span.begin), datatype=XSD.integer))
            self.add(node, NIF.endIndex, Literal(str(span.end), datatype=XSD.integer))
            self.add(node, NIF.anchorOf, Literal(text[span.begin:span.end]))
            self.add(node, NIF.referenceContext, context)
            containing = [n for s, n in sentence_nodes
                          if s.begin <= span.begin and span.end <= s.end]
            if containing:
                self.add(node, NIF.sentence, containing[0])
            else:
                self.errors.append(AnnotationError(
                    self.article.folder / "annotations.yaml",
                    f"quote {text[span.begin:span.end]!r} crosses a sentence boundary"))


def build_registry(articles: Iterable[Article]) -> tuple[Registry, list[AnnotationError]]:
    """Collect every key of every article; report duplicates within an article."""
    registry, errors = Registry(), []
    for article in articles:
        a, loc = article.annotations, article.locator
        seen: dict[str, tuple[str, int]] = {}
        groups: tuple[tuple[str, Sequence[Entity | Incident | ContextEvent | Claim]], ...] = (
            ("entities", a.entities), ("incidents", a.incidents), ("events", a.events),
            ("claims", a.claims))
        for group, items in groups:
            for i, item in enumerate(items):
                if item.id in seen:
                    g, j = seen[item.id]
                    errors.append(loc.error((group, i, "id"),
                                            f"duplicate id {item.id!r} (also {g}[{j}])"))
                seen[item.id] = (group, i)
        inner: dict[str, tuple[int, str]] = {}
        for i, claim in enumerate(a.claims):
            for part in ("figures", "victims", "evidence"):
                for j, item in enumerate(getattr(claim, part)):
                    if item.id in inner:
                        errors.append(loc.error(("claims", i, part, j, "id"),
                                                f"duplicate id {item.id!r} in this article"))
                    inner[item.id] = (i, part)
        for entity in a.entities:
            registry.entities.setdefault(entity.id, entity)
            if entity.wikidata:
                registry.by_qid.setdefault(entity.wikidata, entity.id)
        registry.incidents.update(i.id for i in a.incidents)
        registry.events.update(e.id for e in a.events)
    return registry, errors


def map_articles(articles: list[Article], iris: Iris) -> tuple[list[Quad], list[AnnotationError]]:
    """Map every article into its own named graph; return all quads and all errors.

    A triple several articles state (a shared entity's label or type) is kept once, in the graph
    of the first of them: pyoxigraph's union default graph repeats a triple once per graph that
    holds it, which would multiply every join on shared entities. Each article's evidence
    (its mentions) is its own and stays in its graph. Only the quads about shared nodes
    (`Mapper.shared`) are looked up: every other subject's IRI holds the article's id.
    """
    registry, errors = build_registry(articles)
    quads: list[Quad] = []
    first_graph: dict[tuple[Any, Any, Any], NamedNode] = {}
    for article in articles:
        mapper = Mapper(article, iris, registry)
        mapper.map()
        mine, shared = mapper.graph, mapper.shared
        quads += mapper.quads[:shared.start]
        for quad in mapper.quads[shared.start:shared.stop]:
            key = (quad.subject, quad.predicate, quad.object)
            if first_graph.setdefault(key, mine) == mine:
                quads.append(quad)
        quads += mapper.quads[shared.stop:]
        errors += mapper.errors
    return quads, errors
