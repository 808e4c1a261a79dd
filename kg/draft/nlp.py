"""spaCy's official French pipeline, loaded once per process."""

from __future__ import annotations

from functools import cache
from typing import Any

MODEL = "fr_core_news_md"


class ModelMissing(RuntimeError):
    """The French pipeline is not installed (it is a dependency: run scripts/setup.sh)."""


@cache
def french() -> Any:
    """The `fr_core_news_md` pipeline (tagger, parser, NER, lemmatizer), loaded once."""
    import spacy

    try:
        return spacy.load(MODEL)
    except OSError as exc:
        raise ModelMissing(f"spaCy model {MODEL} is not installed ({exc}); it is a dependency "
                           "in pyproject.toml: run scripts/setup.sh") from None
