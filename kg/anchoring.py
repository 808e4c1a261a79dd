"""Find each cited quote in the article text and turn it into a character span."""

from __future__ import annotations

import difflib
import os
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
    best, best_ratio = "", (-1.0, -1)
    last = max(0, len(text) - size)

    def scan(starts: range) -> int:
        nonlocal best, best_ratio
        best_start = starts.start
        for start in starts:
            window = text[start:start + size]
            matcher.set_seq1(window)
            prefix = len(os.path.commonprefix([window, needle]))
            ratio = (matcher.ratio(), prefix)  # ties go to the window that starts alike
            if ratio > best_ratio:
                best, best_ratio, best_start = window, ratio, start
        return best_start

    step = max(1, size // 4)
    coarse = scan(range(0, last + 1, step))  # then refine around the best coarse window
    scan(range(max(0, coarse - step), min(last, coarse + step) + 1))
    return best


class Anchorer:
    """Anchors quotes in one article text."""

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
