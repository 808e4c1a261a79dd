"""Request parameters several routes share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request

from server.failures import BadParameter

LANGS = ("en", "fr")


def label_language(request: Request) -> str:
    """The `lang` parameter of a page (en or fr; 422 otherwise)."""
    lang = request.query_params.get("lang", "en")
    if lang not in LANGS:
        raise BadParameter("lang", "lang must be en or fr")
    return lang


def single_values(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Request parameters as one value each; a repeated parameter is an error (422)."""
    values: dict[str, str] = {}
    for key, val in items:
        if key in values:
            raise BadParameter(key, f"parameter '{key}': given more than once")
        values[key] = val
    return values


Lang = Annotated[str, Depends(label_language)]  # a route's `lang: Lang` parameter
