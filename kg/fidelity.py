"""Checks that keep the annotations from saying more than the text (issue 14, rules 9 and 10).

- A claim's label names no actor, place or medium the claim's own sentences do not name, apart
  from its claimant and its medium (the frame the annotators give every claim). An inference of
  the annotators (that the Ministry's hotel attack is the Khorly strike) is recorded as a
  `coreferences` entry with its basis, never slipped into a label.
- A context event the text mentions only inside what its own conductors or participants say
  (an investigation the Committee says it opened) is known from their claim alone: its
  attestation is `alleged-only`.

Names are compared as sequences of case-folded words, so "l'Ukraine" names Ukraine and
"russe" does not name Russia.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.annotations import Entity

WORD = re.compile(r"\w+")


def words(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in WORD.findall(text))


@dataclass
class Names:
    """Every entity's labels and alternative labels, in both languages, as word sequences."""

    keys: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    longest: int = 0

    @classmethod
    def of(cls, entities: Iterable[Entity]) -> Names:
        names = cls()
        for e in entities:
            texts = [e.label.fr, e.label.en]
            if e.alt_labels:
                texts += e.alt_labels.fr + e.alt_labels.en
            for text in texts:
                w = words(text)
                if w and not (len(w) == 1 and len(w[0]) == 1):  # "X": too short to find
                    names.keys.setdefault(w, set()).add(e.id)
                    names.longest = max(names.longest, len(w))
        return names

    def named_in(self, text: str) -> set[str]:
        """The keys of the entities one of whose names occurs in `text` (as whole words)."""
        w, found = words(text), set()
        for i in range(len(w)):
            for n in range(1, min(self.longest, len(w) - i) + 1):
                found |= self.keys.get(w[i:i + n], set())
        return found

    def naming(self, text: str) -> set[str]:
        """The entities `text` names, reading the longest name at each point: "Kyiv Courier"
        names the outlet, not Kyiv, and "Armed Forces of Ukraine" not Ukraine."""
        w, found, i = words(text), set(), 0
        while i < len(w):
            for n in range(min(self.longest, len(w) - i), 0, -1):
                if w[i:i + n] in self.keys:
                    found |= self.keys[w[i:i + n]]
                    i += n
                    break
            else:
                i += 1
        return found


def within(inner: Iterable[tuple[int, int]], outer: Iterable[tuple[int, int]]) -> bool:
    """Whether every span of `inner` (at least one) lies inside some span of `outer`."""
    spans, around = list(inner), list(outer)
    return bool(spans) and all(any(b <= s and e <= t for b, t in around) for s, e in spans)
