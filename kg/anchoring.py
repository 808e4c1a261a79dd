"""Find each cited quote in the article text and turn it into a character span."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from kg.annotations import QuoteIn


@dataclass(frozen=True, order=True)
class Span:
    """Unicode code-point offsets into the article text, 0-based, end-exclusive."""

    begin: int
    end: int


class AnchorError(ValueError):
    """A quote is absent from the text or occurs more than once."""


def _occurrences(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start != -1:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


def nearest_match(text: str, needle: str) -> str:
    """The passage of the text most like the needle, to help fix a mistyped quote."""
    size = len(needle)
    if not text or not size:
        return ""
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(needle)
    best, best_ratio = "", -1.0
    step = max(1, size // 4)
    for start in range(0, max(1, len(text) - size + 1), step):
        window = text[start:start + size]
        matcher.set_seq1(window)
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = window, ratio
    return best


class Anchorer:
    """Anchors quotes in one article text; caches results."""

    def __init__(self, text: str) -> None:
        self.text = text

    def unique(self, needle: str, within: tuple[int, int] | None = None) -> Span:
        lo, hi = within or (0, len(self.text))
        hits = [lo + i for i in _occurrences(self.text[lo:hi], needle)]
        if not hits:
            near = nearest_match(self.text[lo:hi], needle)
            raise AnchorError(f"quote {needle!r} is not in the article; nearest passage: {near!r}")
        if len(hits) > 1:
            raise AnchorError(
                f"quote {needle!r} occurs {len(hits)} times (at offsets "
                f"{', '.join(map(str, hits))}); make it longer or use {{quote, within}}")
        return Span(hits[0], hits[0] + len(needle))

    def anchor(self, quote: str | QuoteIn) -> Span:
        if isinstance(quote, QuoteIn):
            outer = self.unique(quote.within)
            if quote.quote not in quote.within:
                raise AnchorError(f"quote {quote.quote!r} is not inside {quote.within!r}")
            return self.unique(quote.quote, within=(outer.begin, outer.end))
        return self.unique(quote)
