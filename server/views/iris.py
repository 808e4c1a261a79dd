"""Mapping between the dataset's base IRI and this server's own paths, and display names."""

from __future__ import annotations

from kg.config import PREFIXES


def local_path(iri: str, base: str) -> str | None:
    """The server path that dereferences `iri`, if it lies under the base IRI and is served."""
    if not iri.startswith(base):
        return None
    rest = iri[len(base):]
    if rest.startswith("id/") or rest == "ontology" or rest.startswith(("ontology#", "ontology/")):
        return "/" + rest
    return None


def href(iri: str, base: str) -> str:
    """Where a link to `iri` should point: local for the dataset's own IRIs, else the IRI."""
    return local_path(iri, base) or iri


def qname(iri: str) -> str:
    """A compact prefix:local form for display (the project prefixes), or the full IRI."""
    best = ""
    best_prefix = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, best_prefix = ns, prefix
    local = iri[len(best):]
    if best and local and all(c.isalnum() or c in "-_." for c in local):
        return f"{best_prefix}:{local}"
    return iri
