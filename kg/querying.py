"""What `kg query` runs: SPARQL text, a .rq file, or a saved query with parameters."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.catalogue import ParamError, load_catalogue
from kg.config import QUERIES_DIR
from kg.federation import WIKIDATA_SPARQL, remap_services


class QueryInputError(Exception):
    """A query or parameter given on the command line that cannot run: names what was given
    (the option, the file or `<query>`) and why."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


def parse_params(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise QueryInputError("--param", f"{pair!r} is not key=value")
        values[key] = value
    return values


def resolve_query(arg: str, pairs: list[str], queries: Path = QUERIES_DIR,
                  wikidata_endpoint: str = WIKIDATA_SPARQL,
                  ) -> tuple[str, dict[ox.Variable, ox.NamedNode | ox.Literal]]:
    """The query text and its substitutions for a CLI argument.

    A saved query's calls to Wikidata's endpoint go to `wikidata_endpoint` instead.
    """
    catalogue = load_catalogue(queries)
    if arg in catalogue:
        try:
            text = remap_services(catalogue[arg].query, {WIKIDATA_SPARQL: wikidata_endpoint})
            return text, catalogue[arg].bind(parse_params(pairs))
        except ParamError as exc:
            raise QueryInputError(f"queries/{arg}.rq", str(exc)) from None
        except ValueError as exc:
            raise QueryInputError("--wikidata-endpoint", str(exc)) from None
    if pairs:
        raise QueryInputError("--param", f"parameters only apply to saved queries; "
                              f"{arg!r} is not one of {', '.join(catalogue)}")
    path = Path(arg)
    if arg.endswith(".rq") or (len(arg) < 255 and "\n" not in arg and path.is_file()):
        try:
            return path.read_text(encoding="utf-8"), {}
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryInputError(arg, f"cannot read query file: {exc}") from None
    return arg, {}
