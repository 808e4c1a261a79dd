"""SPARQL files with a metadata header, the grlc convention: leading `#+ key: value` lines
form a YAML document, the rest is the query. Used by the rules and the saved queries.
(The query text itself is split into tokens by kg.sparql_lexer.)"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kg.annotations import AnnotationError


@dataclass(frozen=True)
class QueryFile:
    path: Path
    meta: dict[str, Any]
    query: str

    @property
    def name(self) -> str:
        return self.path.stem


def parse_query_file(path: Path) -> QueryFile:
    """Split header and query; a malformed header is an error naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise AnnotationError(path, f"not valid UTF-8 at byte {exc.start}") from None
    header, body, in_header = [], [], True
    for line in text.splitlines():
        if in_header and line.startswith("#+"):
            header.append(line[2:].removeprefix(" "))
        else:
            in_header = False
            body.append(line)
    try:
        meta = yaml.safe_load("\n".join(header)) if header else {}
    except yaml.MarkedYAMLError as exc:
        where = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise AnnotationError(path, f"metadata header: {exc.problem}", line=where) from None
    if not isinstance(meta, dict):
        raise AnnotationError(path, "metadata header must be `#+ key: value` lines", line=1)
    query = "\n".join(body).strip() + "\n"
    if not query.strip():
        raise AnnotationError(path, "no query after the metadata header")
    return QueryFile(path, meta, query)
