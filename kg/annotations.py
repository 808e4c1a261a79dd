"""The annotation format (`annotations.yaml`, `article.yaml`): models, loading and checking.

This is the project's input contract: people write it now, an extractor will draft it later.
Every value that comes from the article is cited by an exact quote, never by offsets.
Errors are collected, each on one line naming file, line, entry and field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

SLUG = r"^[a-z0-9][a-z0-9-]*$"
Slug = Annotated[str, Field(pattern=SLUG)]
Qid = Annotated[str, Field(pattern=r"^Q[1-9][0-9]*$")]


class AnnotationError(Exception):
    """One precise problem in an input file."""

    def __init__(self, file: Path | str, message: str, line: int | None = None,
                 entry: str | None = None, field: str | None = None) -> None:
        self.file, self.line, self.entry, self.field = str(file), line, entry, field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.entry:
            parts.append(self.entry)
        if self.field:
            parts.append(f"field '{self.field}'")
        return ": ".join(parts) + ": " + self.message


class AnnotationErrors(Exception):
    """All problems found in one validation pass."""

    def __init__(self, errors: list[AnnotationError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A label or description in French (as the article says it) and English."""

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)


class AltLabels(_Model):
    fr: list[str] = []
    en: list[str] = []


class QuoteIn(_Model):
    """A quote that occurs more than once, made unique by a longer passage that contains it."""

    quote: str = Field(min_length=1)
    within: str = Field(min_length=1)


Quote = str | QuoteIn
"""An exact passage of the article: a string that occurs exactly once, or {quote, within}."""


class DateSpec(_Model):
    """A date as the article words it; the value is resolved against the publication date."""

    expression: Quote
    value: dt.date | None = None
    precision: Literal["day", "month", "year"] = "day"
    part_of_day: Quote | None = None


class Drafted(_Model):
    """How `kg draft` produced an entry: the rule that matched and its confidence (0-1).

    A reviewer keeps, corrects or deletes drafted entries; the mark says which entries a person
    has not written, so reviews can start from the least certain."""

    rule: str = Field(min_length=1, description="the drafting rule that produced the entry")
    confidence: float = Field(ge=0, le=1, description="the rule's confidence, 0 to 1")


class Coordinates(_Model):
    """WGS84 latitude and longitude (for places with no Wikidata item, from a gazetteer)."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    source: str = Field(min_length=1)


EntityKind = Literal[
    "person", "government-body", "state", "armed-force", "media-outlet", "collective",
    "organization", "coalition", "city", "region", "village", "sea", "building",
    "online-service", "direct-statement",
]
ACTOR_KINDS = {"person", "government-body", "state", "armed-force", "media-outlet",
               "collective", "organization", "coalition"}
PLACE_KINDS = {"city", "region", "village", "sea", "building", "state"}
MEDIUM_KINDS = {"online-service", "direct-statement"}


class Entity(_Model):
    """An actor, a place or a medium the article names."""

    id: Slug
    kind: EntityKind
    label: Text
    alt_labels: AltLabels = AltLabels()
    wikidata: Qid | None = None
    role: Text | None = None
    part_of: list[Slug] = []
    based_in: list[Slug] = []
    located_in: list[Slug] = []
    on_coast_of: list[Slug] = []
    jurisdiction: list[Slug] = Field(
        default=[], description="the places an office-holder's office covers (a regional "
        "governor's region), even where the article names the office only")
    addressee: Slug | None = None
    damage_extent: Quote | None = None
    unverified: str | None = Field(
        default=None, description="the `entity` column of the unverified.tsv row that explains "
                                  "why this entity carries no Wikidata link")
    link_note: str | None = Field(
        default=None, description="why an entity with no candidate carries no Wikidata link")
    geonames: str | None = Field(default=None, pattern=r"^[0-9]+$")
    coordinates: Coordinates | None = None
    mentions: list[Quote] = Field(min_length=1)
    drafted: Drafted | None = Field(default=None, description="set by `kg draft`")


class Incident(_Model):
    """A neutral happening. Its type as an attack and its perpetrator are claimed, never here."""

    id: Slug
    label: Text
    attestation: Literal["reported-by-article", "alleged-only"]
    unverified: str | None = None
    link_note: str | None = None
    place: Slug | None = None
    date: DateSpec | None = None
    destroyed: list[Slug] = []
    precedes: list[Slug] = []
    mentions: list[Quote] = Field(min_length=1)
    drafted: Drafted | None = Field(default=None, description="set by `kg draft`")


class ContextEvent(_Model):
    """A meeting, investigation or rescue operation the article reports around the incidents."""

    id: Slug
    kind: Literal["meeting", "investigation", "rescue-operation"]
    label: Text
    attestation: Literal["reported-by-article", "alleged-only"] = Field(
        default="reported-by-article", description="reported-by-article: the outlet reports it "
        "in its own voice; alleged-only: known only from a claim (an actor's own statement of "
        "its acts is a claim, not a fact)")
    status: Literal["planned", "ongoing", "opened"] | None = None
    place: Slug | None = None
    date: DateSpec | None = None
    topic: Quote | None = None
    topic_backed_by: list[Slug] = []
    participants: list[Slug] = []
    conducted_by: list[Slug] = []
    related_incidents: list[Slug] = []
    mentions: list[Quote] = Field(min_length=1)
    drafted: Drafted | None = Field(default=None, description="set by `kg draft`")


class Victim(_Model):
    """An individual the article describes without naming."""

    id: Slug
    description: Text
    quote: Quote
    age: str | None = Field(default=None, pattern=r"^P(\d+Y)?(\d+M)?(\d+D)?$")
    harm: Literal["killed", "injured", "hospitalized", "body-recovered"] | None = None
    relationship: Text | None = None
    related_to: Slug | None = None
    relationship_certainty: Literal["preliminary"] | None = None
    relationship_quote: Quote | None = None
    drafted: Drafted | None = Field(default=None, description="set by `kg draft`")


class Figure(_Model):
    """A count as one source reports it."""

    id: Slug
    kind: Literal["killed", "injured", "hospitalized", "body-recovered",
                  "participating-countries", "volunteers", "missiles"]
    count: int = Field(ge=0)
    qualifier: Literal["exact", "about", "at-least", "more-than", "up-to"] = Field(
        description="exact n, about n (a range of the width the ontology declares), at least n, "
        "more than n, up to n: how the figure's range is read (README, 'Figures are ranges')")
    quote: Quote
    inclusion: Quote | None = None
    includes: list[Slug] = []
    subset_of: Slug | None = None
    drafted: Drafted | None = Field(default=None, description="set by `kg draft`")


class Evidence(_Model):
    """What a claim offers as proof."""

    id: Slug
    kind: Literal["footage"]
    description: Text
    quote: Quote
    verbatim: Quote | None = None
    drafted: Drafted | None = Field(default=None, description="set by `kg draft`")


class Verification(_Model):
    status: Literal["not-independently-verified", "preliminary"]
    stated_by: Slug | None = None


class Claim(_Model):
    """What a named source says, with its stance and its structured content."""

    id: Slug
    label: Text
    claimant: Slug
    stance: Literal["asserts", "reports", "suggests", "accuses", "condemns", "announces",
                    "denies", "declines-to-comment", "cannot-verify"]
    attribution: Literal["explicit", "contextual", "outlet-voice"] = Field(
        default="explicit", description="explicit: the sentence names the source; contextual: "
        "it continues (`continues`) a claim of the same source, whose medium it inherits; "
        "outlet-voice: nobody else is named, so the claimant is the publisher")
    certainty: Literal["certain", "probable", "possible", "underspecified"] = Field(
        default="certain", description="how certain the claimant presents the content "
        "(\"suggérant\": probable)")
    temporality: Literal["future", "non-future"] = Field(
        default="non-future", description="whether the content is about the future "
        "(\"devraient participer\")")
    about: list[Slug] = []
    medium: Slug | None = None
    mentions: list[Quote] = Field(min_length=1)
    drafted: Drafted | None = Field(default=None, description="set by `kg draft`")
    content: Quote
    verbatim: list[Quote] = []
    perpetrator: list[Slug] = []
    event_type: list[Literal["attack", "missile-strike", "drone-strike", "air-strike",
                             "munitions-detonation"]] = []
    cause: list[Literal["attack", "missile-strike", "drone-strike", "air-strike",
                        "munitions-detonation"]] = []
    target: Text | None = None
    target_kind: Literal["civilian", "military"] | None = None
    place: list[Slug] = []
    date: DateSpec | None = None
    participants: list[Slug] = []
    remote_participants: list[Slug] = Field(
        default=[], description="participants the claimant says join remotely (by video link)")
    accused: list[Slug] = []
    mentions_actors: list[Slug] = []
    evidence: list[Evidence] = []
    figures: list[Figure] = []
    victims: list[Victim] = []
    responds_to: list[Slug] = []
    continues: Slug | None = None
    elaborates: Slug | None = None
    concerns: list[Slug] = []
    counter_incident: list[Slug] = []
    verification: list[Verification] = []


class Coreference(_Model):
    """The annotators' inference that two or more victims, or two incidents, may be the same,
    with its basis: the article does not say so, so it is recorded as theirs, never merged."""

    id: Slug
    members: list[Slug] = Field(min_length=2)
    basis: Text
    drafted: Drafted | None = Field(default=None, description="set by `kg draft`")


class Annotations(_Model):
    entities: list[Entity] = []
    incidents: list[Incident] = []
    events: list[ContextEvent] = []
    claims: list[Claim] = []
    coreferences: list[Coreference] = []


class ArticleMeta(_Model):
    """`article.yaml`: what the article is, as published."""

    title: Text = Field(description="a descriptive title assigned by the annotators")
    publisher: Slug
    language: str = Field(pattern=r"^[a-z]{2,3}$")
    translated_from: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    published: dt.date
    url: str | None = None
    segmentation: Literal["lines"] = "lines"
    invented: bool = Field(
        default=False, description="true for a text written for the tests (tests/fixtures): "
        "never a real article, so never in seeds/, the published dataset")

    @field_validator("published", mode="before")
    @classmethod
    def _iso(cls, value: Any) -> Any:
        if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
            raise ValueError("expected an ISO date YYYY-MM-DD")
        return value


# --- YAML with line numbers -------------------------------------------------------------

class _LineDict(dict):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[valid-type,misc]  # libyaml when present
    """A safe loader whose mappings remember their lines (libyaml's parser gives marks too)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    result = _LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay strings until the models parse them, so a bad date is a field error, not a crash.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, keeping line numbers; syntax errors name the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise AnnotationErrors([AnnotationError(
            path, f"not valid UTF-8 at byte {exc.start}")]) from None
    except FileNotFoundError:
        raise AnnotationErrors([AnnotationError(path, "file is missing")]) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        raise AnnotationErrors([AnnotationError(
            path, f"YAML syntax: {exc.problem or exc}", line=line)]) from None


@dataclass(frozen=True)
class Locator:
    """Turns a pydantic/semantic error location into file, line and entry names."""

    path: Path
    data: Any

    def locate(self, loc: tuple[Any, ...]) -> tuple[int | None, str | None, str | None]:
        """(line, entry, field) for a path such as ("claims", 3, "figures", 0, "count").

        The entry is the top-level list item ("claims[3] (id x)"); the field is the rest
        ("figures[0] (id y).count", "mentions.0").
        """
        node: Any = self.data
        line: int | None = getattr(node, "line", None)
        entry: str | None = None
        parts: list[str] = []
        for depth, key in enumerate(loc):
            if isinstance(node, _LineDict) and isinstance(key, str):
                line = node.key_lines.get(key, node.line)
            item = None
            if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
                item = node[key]
                line = getattr(item, "line", line)
            elif isinstance(key, str) and isinstance(node, dict):
                item = node.get(key)
            ident = f" (id {item['id']})" if isinstance(item, dict) and "id" in item else ""
            if entry is None and depth == 1 and isinstance(key, int):
                entry = f"{loc[0]}[{key}]{ident}"
                parts = []
            elif isinstance(key, int):
                if ident and parts:
                    parts[-1] += f"[{key}]{ident}"
                else:
                    parts.append(str(key))
            else:
                parts.append(str(key))
            node = item
        if entry is None and parts and len(loc) > 1:
            entry = None
        return line, entry, ".".join(parts) or None

    def error(self, loc: tuple[Any, ...], message: str) -> AnnotationError:
        line, entry, field = self.locate(loc)
        return AnnotationError(self.path, message, line=line, entry=entry, field=field)


def _pydantic_errors(locator: Locator, exc: ValidationError) -> list[AnnotationError]:
    errors = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (
            p in {"str", "QuoteIn", "function-after[_iso()]"} or p.startswith("literal["))))
        message = err["msg"]
        if err["type"] == "missing":
            message = "required field is missing"
        elif err["type"] == "extra_forbidden":
            message = "unknown field (not part of the annotation format)"
        elif "input" in err and err["type"] not in {"model_type"}:
            message = f"{message} (got {err['input']!r})"
        errors.append(locator.error(loc, message))
    return errors


def load_model(path: Path, model: type[_Model]) -> tuple[Any, Locator]:
    """Load one YAML file into a model, raising AnnotationErrors with precise locations."""
    data = read_yaml(path)
    locator = Locator(path, data)
    if not isinstance(data, dict):
        raise AnnotationErrors([AnnotationError(path, "expected a mapping at the top level")])
    try:
        return model.model_validate(data), locator
    except ValidationError as exc:
        raise AnnotationErrors(_pydantic_errors(locator, exc)) from None


SCHEMAS: dict[str, type[BaseModel]] = {"annotations.schema.json": Annotations,
                                       "article.schema.json": ArticleMeta}


def json_schemas() -> dict[str, str]:
    """The JSON Schemas of the two input files, generated from the models (file name → text)."""
    import json

    out = {}
    for name, model in SCHEMAS.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://w3id.org/dispute-kg/schema/{name}"
        out[name] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return out
