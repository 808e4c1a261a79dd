"""Turn a character span of the article into a quote the annotation format accepts."""

from __future__ import annotations

from typing import Any


class Citer:
    """Cites spans of one text: the exact words if they occur once, else {quote, within}."""

    def __init__(self, text: str) -> None:
        self.text = text

    def count(self, needle: str) -> int:
        n, start = 0, self.text.find(needle)
        while start != -1:
            n += 1
            start = self.text.find(needle, start + 1)
        return n

    def cite(self, begin: int, end: int) -> Any:
        """A string or {quote, within} that anchors exactly to text[begin:end]."""
        quote = self.text[begin:end]
        if self.count(quote) == 1:
            return quote
        lo, hi = begin, end
        while lo > 0 or hi < len(self.text):
            lo, hi = self._widen(lo, hi)
            within = self.text[lo:hi]
            if self.count(within) == 1 and within.count(quote) == 1:
                return {"quote": quote, "within": within}
        raise ValueError(f"cannot cite {quote!r} uniquely")

    def _widen(self, lo: int, hi: int) -> tuple[int, int]:
        """Grow a window by one word on each side (never splitting a word)."""
        text = self.text
        if lo > 0:
            lo -= 1
            while lo > 0 and not text[lo - 1].isspace():
                lo -= 1
        if hi < len(text):
            hi += 1
            while hi < len(text) and not text[hi].isspace():
                hi += 1
        while lo < hi and text[lo].isspace():
            lo += 1
        while hi > lo and text[hi - 1].isspace():
            hi -= 1
        return lo, hi
