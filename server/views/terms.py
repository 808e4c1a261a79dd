"""What views show of RDF terms: SPARQL JSON bindings, their values and labels, and links."""

from __future__ import annotations

from dataclasses import dataclass

Binding = dict[str, dict[str, str]]
LABEL_SUFFIXES = ("en", "pl", "fr", "any")  # the label variables a query selects, by preference


def value(row: Binding, var: str, default: str = "") -> str:
    cell = row.get(var)
    return cell["value"] if cell else default


def label_of(row: Binding, name: str) -> str:
    """The best label a query selected as ?{name}en, ?{name}pl (skos:prefLabel), ?{name}fr or
    ?{name}any (see server/views/queries/README.md)."""
    for suffix in LABEL_SUFFIXES:
        v = value(row, name + suffix)
        if v:
            return v
    return ""


@dataclass
class Link:
    """A term to show: its text and where it links (None for a literal)."""

    text: str
    href: str | None = None
    note: str = ""  # datatype or language of a literal, or the IRI under a label
