"""Resolve the article's relative date expressions against its publication date.

Only forms the resolver knows are accepted; anything else must carry an explicit `value`, so
no date is ever guessed.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

WEEKDAYS_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]


class DateError(ValueError):
    """An expression the resolver does not know, or one contradicting an explicit value."""


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower().strip()


def resolve(expression: str, published: dt.date) -> dt.date:
    """The calendar date an expression denotes, seen from the publication date.

    A bare weekday is the nearest such day (the publication day itself if it matches,
    otherwise within three days either side, ties going forward); "le 6 janvier" is that day
    in the publication year; "la veille du Nouvel An" is the last 31 December on or before it.
    """
    words = _norm(expression)
    for index, name in enumerate(WEEKDAYS_FR):
        if re.search(rf"\b{name}\b", words):
            offset = (index - published.weekday()) % 7
            return published + dt.timedelta(days=offset if offset <= 3 else offset - 7)
    match = re.search(r"\b(\d{1,2})(?:er)?\s+(" + "|".join(MONTHS_FR) + r")\b(?:\s+(\d{4}))?",
                      words)
    if match:
        year = int(match.group(3)) if match.group(3) else published.year
        return dt.date(year, MONTHS_FR.index(match.group(2)) + 1, int(match.group(1)))
    if "veille du nouvel an" in words or "saint-sylvestre" in words:
        last_eve = dt.date(published.year, 12, 31)
        year = published.year if published >= last_eve else published.year - 1
        return dt.date(year, 12, 31)
    raise DateError(f"cannot resolve date expression {expression!r}; give an explicit 'value'")


def resolve_checked(expression: str, published: dt.date, value: dt.date | None) -> dt.date:
    """Resolve, or take the explicit value; if both exist they must agree."""
    try:
        resolved = resolve(expression, published)
    except DateError:
        if value is None:
            raise
        return value
    if value is not None and value != resolved:
        raise DateError(f"explicit value {value} contradicts {expression!r}, "
                        f"which resolves to {resolved} from the publication date {published}")
    return resolved
