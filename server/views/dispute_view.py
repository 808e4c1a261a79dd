"""The dispute view, assembled from saved-query rows only (disputes, attributions, denials,
casualty-figures, quotes, unverified-claims, evidence, incidents, timeline): what it shows is
exactly what a researcher gets from those queries."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

from server.views.iris import href
from server.views.service import QueryService
from server.views.terms import Binding, Link, value

Rows = list[Binding]


@dataclass
class ClaimCard:
    claim: Link
    claimant: Link
    stance: str
    content: str
    medium: str = ""
    figures: list[str] = field(default_factory=list)
    quotes: list[Link] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


@dataclass
class Side:
    label: str
    claims: list[ClaimCard] = field(default_factory=list)


@dataclass
class DisputeBox:
    dispute: Link
    rule: Link
    sides: list[Side] = field(default_factory=list)


@dataclass
class Aspect:
    label: str
    disputes: list[DisputeBox] = field(default_factory=list)


def link(row: Binding, var: str, base: str, label_var: str | None = None) -> Link:
    iri = value(row, var)
    return Link(value(row, label_var or var + "Label") or iri, href(iri, base), iri)


def slug(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def span_href(claim: str, base: str, begin: str, end: str) -> str:
    """The quote's row on its article page: claims are `id/claim/<article>/<slug>`."""
    article = claim[len(base + "id/claim/"):].split("/", 1)[0]
    return f"/id/article/{article}#span-{begin}-{end}"


def _by(rows_: Rows, var: str) -> dict[str, Rows]:
    out: dict[str, Rows] = defaultdict(list)
    for r in rows_:
        out[value(r, var)].append(r)
    return out


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


class Sources:
    """The rows of the saved queries one incident page needs, indexed by claim."""

    def __init__(self, base: str, figures: Rows, attributions: Rows, denials: Rows,
                 quotes: Rows, unverified: Rows, evidence: Rows) -> None:
        self.base = base
        self.figures = _by(figures, "claim")
        self.attributions = _by(attributions, "claim")
        self.denials = _by(denials, "claim")
        self.quotes = _by(quotes, "claim")
        self.unverified = _by(unverified, "claim")
        self.evidence = _by(evidence, "claim")

    def figure_texts(self, claim: str) -> list[str]:
        return _unique([f"{value(r, 'kindLabel')}: {value(r, 'qualifierLabel')} {value(r, 'count')}"
                        for r in self.figures[claim]])

    def card(self, row: Binding) -> ClaimCard:
        claim = value(row, "claim")
        quotes = [Link(value(r, "quote"), span_href(claim, self.base, value(r, "begin"),
                                                     value(r, "end")))
                  for r in self.quotes[claim]]
        status = [f"{value(r, 'statusLabel')} (according to {value(r, 'statedByLabel')})"
                  if value(r, "statedByLabel") else value(r, "statusLabel")
                  for r in self.unverified[claim]]
        return ClaimCard(
            claim=Link(slug(claim), href(claim, self.base), claim),
            claimant=link(row, "claimant", self.base),
            stance=value(row, "stanceLabel"), content=value(row, "content"),
            medium=value(row, "medium"), figures=self.figure_texts(claim),
            quotes=list({q.href: q for q in quotes}.values()), status=_unique(status),
            evidence=_unique([value(r, "evidenceLabel") for r in self.evidence[claim]]))

    def side_of(self, row: Binding, aspect: str, rule: str) -> str:
        """The position a claim takes in the dispute: the value it gives (affirmed or denied),
        or the range of its figure, as the rule that found the dispute labelled it."""
        return value(row, "positionLabel") or f"{value(row, 'stanceLabel')} ({aspect})"


def aspects(disputes: Rows, sources: Sources) -> list[Aspect]:
    """Disputes grouped by aspect, each with its positions (sides) and the claims taking them."""
    base = sources.base
    out: dict[str, Aspect] = {}
    boxes: dict[tuple[str, str], DisputeBox] = {}
    for r in disputes:
        aspect_iri, dispute = value(r, "aspect"), value(r, "dispute")
        aspect = out.setdefault(aspect_iri, Aspect(value(r, "aspectLabel")))
        key = (aspect_iri, dispute)
        if key not in boxes:
            boxes[key] = DisputeBox(Link(slug(dispute), href(dispute, base), dispute),
                                    link(r, "rule", base))
            aspect.disputes.append(boxes[key])
        box = boxes[key]
        label = sources.side_of(r, slug(aspect_iri), value(r, "rule"))
        side = next((s for s in box.sides if s.label == label), None)
        if side is None:
            side = Side(label)
            box.sides.append(side)
        if all(c.claim.note != value(r, "claim") for c in side.claims):
            side.claims.append(sources.card(r))
    return [out[iri] for iri in sorted(out)]  # aspects in the order of their IRIs


async def incident_page(service: QueryService, incident: str, lang: str) -> dict | None:
    """Everything the page of one incident shows, or None if no incident has that IRI."""
    base = service.settings.base_iri
    rows = service.rows
    incidents = [r for r in await rows("incidents", lang=lang)
                 if value(r, "incident") == incident]
    if not incidents:
        return None
    one = {"incident": incident, "lang": lang}
    disputes = await rows("disputes", **one)
    sources = Sources(
        base,
        figures=await rows("casualty-figures", **one),
        attributions=await rows("attributions", **one),
        denials=[r for r in await rows("denials", lang=lang)
                 if value(r, "incident") == incident],
        quotes=await rows("quotes", lang=lang),
        unverified=await rows("unverified-claims", lang=lang),
        evidence=await rows("evidence", lang=lang),
    )
    timeline = [{"date": value(r, "date"), "what": link(r, "what", base, "label"),
                 "expression": value(r, "expression"), "according_to": value(r, "accordingTo"),
                 "current": value(r, "what") == incident}
                for r in await rows("timeline", lang=lang)]
    first = incidents[0]
    return {
        "incident": link(first, "incident", base, "label"),
        "facts": {k: _unique([value(r, k) for r in incidents])
                  for k in ("attestation", "place", "date", "expression", "destroyed")},
        "aspects": aspects(disputes, sources),
        "timeline": timeline,
    }


INCIDENTS_PER_PAGE = 20


async def incident_list(service: QueryService, lang: str,
                        page: int = 1) -> tuple[list[dict], bool]:
    """One page of incidents (whole incidents, in the order of the `incidents` query), each
    with its disputes (aspect, rule, claimants), and whether there is a next page. Only the
    page's incidents are asked for their disputes, one `disputes` query each."""
    base = service.settings.base_iri
    order: dict[str, Binding] = {}
    for r in await service.rows("incidents", lang=lang):
        order.setdefault(value(r, "incident"), r)
    first = (page - 1) * INCIDENTS_PER_PAGE
    shown = list(order)[first:first + INCIDENTS_PER_PAGE]
    answers = await asyncio.gather(*(service.rows("disputes", lang=lang, incident=iri)
                                     for iri in shown))
    out: dict[str, dict] = {}
    for iri, found in zip(shown, answers, strict=True):
        r = order[iri]
        disputes: dict[str, dict] = {}
        for d in found:
            entry = disputes.setdefault(value(d, "dispute"), {
                "rule": value(d, "ruleLabel"), "aspects": [], "claimants": []})
            entry["aspects"] = _unique([*entry["aspects"], value(d, "aspectLabel")])
            entry["claimants"] = _unique([*entry["claimants"], value(d, "claimantLabel")])
        out[iri] = {"incident": link(r, "incident", base, "label"), "slug": slug(iri),
                    "attestation": value(r, "attestation"), "date": value(r, "date"),
                    "disputes": list(disputes.values())}
    return list(out.values()), first + INCIDENTS_PER_PAGE < len(order)
