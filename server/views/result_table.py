"""A SPARQL JSON result as an HTML table: IRIs shown by their label column and linked locally."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.views.iris import href, local_path, qname
from server.views.terms import Binding, Link


@dataclass
class Table:
    columns: list[str] = field(default_factory=list)
    rows: list[list[Link | None]] = field(default_factory=list)
    boolean: bool | None = None


def label_column(var: str, variables: list[str]) -> str | None:
    """The column holding `var`'s label (`varLabel`), if the query selects one."""
    name = var + "Label"
    return name if name in variables else None


def cell(row: Binding, var: str, base: str, label: str = "") -> Link | None:
    """One value: an IRI as a link (its label if known), a literal with its language/datatype."""
    term = row.get(var)
    if term is None:
        return None
    if term["type"] == "uri":
        iri = term["value"]
        path = local_path(iri, base)
        text = label or (path.lstrip("/") if path and path.startswith("/id/") else qname(iri))
        return Link(text, href(iri, base), iri)
    if term["type"] == "bnode":
        return Link("_:" + term["value"])
    lang = term.get("xml:lang")
    note = "@" + lang if lang else ""
    return Link(term["value"], None, note)


def table(results: dict[str, Any], base: str) -> Table:
    """Columns and cells; a `xLabel` column is folded into the IRI column `x` it names."""
    if "boolean" in results:
        return Table(boolean=bool(results["boolean"]))
    variables: list[str] = results["head"]["vars"]
    folded = {label_column(v, variables) for v in variables} - {None}
    columns = [v for v in variables if v not in folded]
    out = Table(columns)
    for row in results["results"]["bindings"]:
        cells = []
        for var in columns:
            lab = label_column(var, variables)
            text = row[lab]["value"] if lab and lab in row else ""
            cells.append(cell(row, var, base, text))
        out.rows.append(cells)
    return out
