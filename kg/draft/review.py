"""Help a person review a draft: entries beside their sentences, drafted spans for the page.

Works on the YAML as written (a reviewer may have edited it), anchoring quotes the way the
build does; an entry whose quote no longer anchors is shown as such, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kg.anchoring import Anchorer, AnchorError
from kg.annotations import QuoteIn
from kg.article import DRAFT_FILE, sentences_by_line

__all__ = ["DRAFT_FILE", "drafted_spans", "entries_by_sentence", "items"]


def _anchor(anchorer: Anchorer, quote: Any) -> tuple[int, int] | None:
    try:
        if isinstance(quote, dict):
            span = anchorer.anchor(QuoteIn(**quote))
        elif isinstance(quote, str):
            span = anchorer.anchor(quote)
        else:
            return None
    except (AnchorError, TypeError, ValueError):
        return None
    return span.begin, span.end


def _words(quote: Any) -> str:
    return str(quote["quote"] if isinstance(quote, dict) else quote)


def _mark(entry: dict[str, Any]) -> str:
    mark = entry.get("drafted")
    if not isinstance(mark, dict):
        return "[reviewed]"
    return f"[{mark.get('rule')} {mark.get('confidence')}]"


@dataclass(frozen=True)
class Item:
    """One drafted entry, where it is and how to show it."""

    span: tuple[int, int] | None
    line: str
    drafted: bool


def items(text: str, data: Any) -> Iterator[Item]:
    """Every entry of an annotations mapping with its first quote's span."""
    if not isinstance(data, dict):
        return
    anchorer = Anchorer(text)

    def first(entry: dict[str, Any], *fields: str) -> Any:
        for name in fields:
            value = entry.get(name)
            if isinstance(value, list) and value:
                return value[0]
            if value:
                return value
        return None

    for e in data.get("entities") or []:
        quote = first(e, "mentions")
        extra = f" wikidata {e['wikidata']}" if e.get("wikidata") else ""
        yield Item(_anchor(anchorer, quote), f"entity {e.get('id')} ({e.get('kind')}) "
                   f"«{_words(quote)}»{extra} {_mark(e)}", "drafted" in e)
    for i in data.get("incidents") or []:
        quote = first(i, "mentions")
        date = i.get("date") or {}
        when = f" date «{_words(date.get('expression'))}»" if date else ""
        yield Item(_anchor(anchorer, quote), f"incident {i.get('id')} place {i.get('place')}"
                   f"{when} «{_words(quote)}» {_mark(i)}", "drafted" in i)
    for c in data.get("claims") or []:
        quote = first(c, "mentions")
        span = _anchor(anchorer, quote)
        medium = f", medium {c['medium']}" if c.get("medium") else ""
        about = f", about {', '.join(c.get('about') or [])}" if c.get("about") else ""
        how = c.get("attribution", "explicit")
        yield Item(span, f"claim {c.get('id')}: {c.get('claimant')} {c.get('stance')} ({how})"
                   f"{medium}{about} «{_words(c.get('content'))}» {_mark(c)}", "drafted" in c)
        for f in c.get("figures") or []:
            yield Item(_anchor(anchorer, f.get("quote")) or span,
                       f"  figure {f.get('kind')} {f.get('qualifier')} {f.get('count')} "
                       f"«{_words(f.get('quote'))}» {_mark(f)}", "drafted" in f)
        for v in c.get("victims") or []:
            yield Item(_anchor(anchorer, v.get("quote")) or span,
                       f"  victim age {v.get('age')} harm {v.get('harm')} "
                       f"«{_words(v.get('quote'))}» {_mark(v)}", "drafted" in v)


def entries_by_sentence(text: str, draft_yaml: str,
                        notes: list[tuple[tuple[int, int], str]]
                        ) -> list[tuple[str, list[str]]]:
    """(sentence, lines) for each sentence; entries whose quote does not anchor come last."""
    sentences = [(s.begin, s.end) for s in sentences_by_line(text)]
    rows: list[tuple[str, list[str]]] = [(text[a:b], []) for a, b in sentences]
    lost: list[str] = []

    def place(span: tuple[int, int] | None, line: str) -> None:
        if span is not None:
            for n, (a, b) in enumerate(sentences):
                if a <= span[0] < b:
                    rows[n][1].append(line)
                    return
        lost.append(line)

    for item in items(text, yaml.safe_load(draft_yaml)):
        place(item.span, item.line if item.span else item.line + " (quote not found)")
    for span, why in notes:
        place(span if span != (0, 0) else None, f"not drafted: {why} «{text[span[0]:span[1]]}»")
    if lost:
        rows.append(("(not in any sentence)", lost))
    return rows


def drafted_spans(folder: Path, text: str) -> list[dict[str, Any]]:
    """Spans of drafted entries for the article page: the pending draft's, and those of the
    accepted annotations that still carry a `drafted` mark (not reviewed yet)."""
    spans: list[dict[str, Any]] = []
    for name, status in ((DRAFT_FILE, "draft, not accepted"),
                         ("annotations.yaml", "drafted, accepted, not reviewed")):
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        for item in items(text, data):
            if item.drafted and item.span is not None:
                spans.append({"begin": item.span[0], "end": item.span[1],
                              "title": f"{status}: {item.line.strip()}"})
    return spans
