"""Write a `Draft` in the annotation format: every value an exact quote, every entry marked."""

from __future__ import annotations

from typing import Any

import yaml

from kg.draft.cite import Citer
from kg.draft.extract import ClaimDraft, Draft, EntityDraft, IncidentDraft

HEADER = """\
# yaml-language-server: $schema=../annotations.schema.json
# DRAFT written by `kg draft` from article.txt: NOT reviewed. Every entry carries
# `drafted: {rule, confidence}`; check each against its quote (`kg draft --explain` prints
# them beside their sentences), correct or delete it, translate the English labels the draft
# left in French, then `kg draft --accept` makes this file the article's annotations.yaml.
# A drafted article never builds into the published graph before that.
"""


class _Dumper(yaml.SafeDumper):
    """Block style for entries, flow style for the small maps (labels, drafted marks)."""


def _flow_map(dumper: yaml.SafeDumper, data: dict[str, Any]) -> Any:
    flow = isinstance(data, _Flow)
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


class _Flow(dict):
    pass


_Dumper.add_representer(_Flow, _flow_map)
_Dumper.add_representer(dict, _flow_map)


def _mark(rule: str, confidence: float) -> _Flow:
    return _Flow(rule=rule, confidence=round(confidence, 2))


def _text(fr: str, en: str) -> _Flow:
    return _Flow(fr=fr, en=en or fr)


class Writer:
    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.citer = Citer(draft.text)

    def q(self, span: tuple[int, int]) -> Any:
        cited = self.citer.cite(*span)
        return _Flow(cited) if isinstance(cited, dict) else cited

    def entity(self, e: EntityDraft) -> dict[str, Any]:
        out: dict[str, Any] = {"id": e.id, "kind": e.kind, "label": _text(e.label_fr, e.label_en)}
        if e.alt_fr or e.alt_en:
            alt: dict[str, Any] = {}
            if e.alt_fr:
                alt["fr"] = e.alt_fr
            if e.alt_en:
                alt["en"] = e.alt_en
            out["alt_labels"] = _Flow(alt)
        if e.wikidata:
            out["wikidata"] = e.wikidata
        elif e.unverified:
            out["unverified"] = e.unverified
        elif e.link_note:
            out["link_note"] = e.link_note
        if e.role:
            out["role"] = _text(e.role, e.role)
        if e.addressee:
            out["addressee"] = e.addressee
        out["mentions"] = [self.q(sp) for sp in sorted(e.spans)]
        out["drafted"] = _mark(e.rule, e.confidence)
        return out

    def incident(self, i: IncidentDraft) -> dict[str, Any]:
        out: dict[str, Any] = {"id": i.id, "label": _text(i.label_fr, i.label_en),
                               "attestation": "reported-by-article"}
        if i.place:
            out["place"] = i.place
        if i.date is not None:
            date: dict[str, Any] = {"expression": self.q(i.date)}
            if i.part_of_day is not None:
                date["part_of_day"] = self.q(i.part_of_day)
            out["date"] = _Flow(date)
        out["mentions"] = [self.q(sp) for sp in i.spans]
        out["drafted"] = _mark(i.rule, i.confidence)
        return out

    def claim(self, c: ClaimDraft) -> dict[str, Any]:
        ents = self.draft.entities
        who = ents[c.claimant]
        content = self.draft.text[c.content[0]:c.content[1]]
        short = content if len(content) <= 90 else content[:87].rsplit(" ", 1)[0] + " …"
        figures = ", ".join(
            f"{_QUAL_EN[f.qualifier]}{f.count} {_KIND_EN[f.kind]}" for f in c.figures)
        en = f"{who.label_en} {_STANCE_EN[c.stance]}" + (f": {figures}" if figures else "")
        out: dict[str, Any] = {"id": c.id, "label": _text(f"{who.label_fr} : {short}", en),
                               "claimant": c.claimant, "stance": c.stance}
        if c.attribution != "explicit":
            out["attribution"] = c.attribution
        if c.continues:
            out["continues"] = c.continues
        if c.elaborates:
            out["elaborates"] = c.elaborates
        if c.about:
            out["about"] = c.about
        if c.medium:
            out["medium"] = c.medium
        out["mentions"] = [self.q(c.mention)]
        out["content"] = self.q(c.content)
        out["drafted"] = _mark(c.rule, c.confidence)
        if c.verbatim:
            out["verbatim"] = [self.q(sp) for sp in c.verbatim]
        for name in ("perpetrator", "event_type", "accused"):
            if getattr(c, name):
                out[name] = list(dict.fromkeys(getattr(c, name)))
        if c.figures:
            out["figures"] = []
            for f in c.figures:
                fig: dict[str, Any] = {"id": f.id, "kind": f.kind, "count": f.count,
                                       "qualifier": f.qualifier, "quote": self.q(f.span)}
                if f.inclusion:
                    fig["inclusion"] = self.q(f.inclusion)
                if f.includes:
                    fig["includes"] = f.includes
                if f.subset_of:
                    fig["subset_of"] = f.subset_of
                fig["drafted"] = _mark(f.rule, f.confidence)
                out["figures"].append(fig)
        if c.victims:
            out["victims"] = []
            for v in c.victims:
                vic: dict[str, Any] = {"id": v.id,
                                       "description": _text(v.description_fr, v.description_en),
                                       "quote": self.q(v.span), "age": v.age}
                if v.harm:
                    vic["harm"] = v.harm
                vic["drafted"] = _mark(v.rule, v.confidence)
                out["victims"].append(vic)
        return out

    def data(self) -> dict[str, Any]:
        d = self.draft
        used = {c.claimant for c in d.claims} | {c.medium for c in d.claims if c.medium}
        used |= {x for c in d.claims for x in (*c.perpetrator, *c.accused)}
        used |= {i.place for i in d.incidents if i.place}
        used |= {e.addressee for e in d.entities.values() if e.addressee}
        entities = [e for e in d.entities.values() if e.spans]
        _ = used
        return {"entities": [self.entity(e) for e in entities],
                "incidents": [self.incident(i) for i in d.incidents],
                "events": [],
                "claims": [self.claim(c) for c in d.claims]}

    def yaml(self) -> str:
        body = yaml.dump(self.data(), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                         width=100, default_flow_style=False)
        return HEADER + body


_STANCE_EN = {"asserts": "asserts", "reports": "reports", "suggests": "suggests",
              "accuses": "accuses", "condemns": "condemns", "announces": "announces",
              "denies": "denies", "declines-to-comment": "declines to comment",
              "cannot-verify": "cannot verify"}
_KIND_EN = {"killed": "killed", "injured": "injured", "hospitalized": "hospitalized",
            "body-recovered": "bodies recovered", "participating-countries": "countries",
            "volunteers": "volunteers"}
_QUAL_EN = {"exact": "", "about": "about ", "at-least": "at least ", "more-than": "more than "}


def to_yaml(draft: Draft) -> str:
    return Writer(draft).yaml()
