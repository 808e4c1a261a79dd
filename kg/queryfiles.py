"""SPARQL files with a metadata header, the grlc convention: leading `#+ key: value` lines
form a YAML document, the rest is the query. Used by the rules and the saved queries.

`tokens` splits a query into strings, IRIs, comments, variables and words, so that the text can
be rewritten (parameters written in, a page's LIMIT inserted) without touching what sits inside
strings, IRIs or comments."""

from __future__ import annotations

import re
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
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise AnnotationError(path, f"metadata header: {exc.problem}", line=line) from None
    if not isinstance(meta, dict):
        raise AnnotationError(path, "metadata header must be `#+ key: value` lines", line=1)
    query = "\n".join(body).strip() + "\n"
    if not query.strip():
        raise AnnotationError(path, "no query after the metadata header")
    return QueryFile(path, meta, query)


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s(){}\[\],;.]*)?|[A-Za-z_]*:[^\s(){}\[\],;]*)
  | (?P<other>.)
    """,
    re.X | re.S,
)


def tokens(query: str) -> list[tuple[str, str]]:
    """The query as (kind, text) tokens; concatenating the texts gives the query back."""
    return [(m.lastgroup or "other", m.group()) for m in _TOKEN.finditer(query)]
