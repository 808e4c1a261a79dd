"""The drafting lexicons: data files in kg/data/lexicons that a researcher reads and extends."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LEXICON_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicons"


def _load(name: str, folder: Path) -> dict[str, Any]:
    data = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{folder / name}: expected a mapping at the top level")
    return data


@dataclass(frozen=True)
class Lexicon:
    """Everything the drafter looks words up in, read once per process."""

    speech: dict[str, Any]
    media: dict[str, Any]
    figures: dict[str, Any]
    actors: dict[str, Any]
    events: dict[str, Any]

    @property
    def verbs(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.speech["verbs"].items()}

    @property
    def negated(self) -> dict[str, str]:
        return self.speech["negated"]

    @property
    def qualifiers(self) -> list[tuple[list[str], str]]:
        """(words, qualifier), longest first, so "plus de" wins over "plus"."""
        pairs = [(k.lower().replace("'", "' ").split(), v)
                 for k, v in self.figures["qualifiers"].items()]
        return sorted(pairs, key=lambda p: -len(p[0]))


@cache
def lexicon(folder: Path = LEXICON_DIR) -> Lexicon:
    """Read the five lexicon files of `folder` (cached: once per process)."""
    return Lexicon(*(_load(f"{n}.yaml", folder)
                     for n in ("speech", "media", "figures", "actors", "events")))
