"""One article folder of `seeds/`: its text, metadata, sentences and annotations."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from kg.anchoring import Span
from kg.annotations import (
    AnnotationError,
    AnnotationErrors,
    Annotations,
    ArticleMeta,
    Locator,
    load_model,
)

DRAFT_FILE = "annotations.draft.yaml"  # written by `kg draft`, never built (see kg.draft)


@dataclass(frozen=True)
class Article:
    """An article as read from disk, not yet checked against its annotations."""

    id: str
    folder: Path
    text: str
    sha256: str
    meta: ArticleMeta
    annotations: Annotations
    locator: Locator = field(repr=False)
    sentences: tuple[Span, ...] = ()


def read_text(path: Path) -> tuple[str, str]:
    """The article text decoded strictly as UTF-8, and the SHA-256 of its bytes."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AnnotationErrors([AnnotationError(path, "file is missing")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AnnotationErrors([AnnotationError(
            path, f"not valid UTF-8 at byte {exc.start} ({exc.reason}); "
                  "the article must be UTF-8 text", line=line)]) from None
    if not text.strip():
        raise AnnotationErrors([AnnotationError(path, "the article text is empty")])
    return text, hashlib.sha256(raw).hexdigest()


def sentences_by_line(text: str) -> tuple[Span, ...]:
    """Sentences are the non-empty lines (the seed has one sentence a line), trimmed."""
    spans, start = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            begin = start + line.index(stripped)
            spans.append(Span(begin, begin + len(stripped)))
        start += len(line) + 1
    return tuple(spans)


def load_article(folder: Path) -> Article:
    """Read article.txt, article.yaml and annotations.yaml of one folder."""
    errors: list[AnnotationError] = []
    text = sha = None
    meta = annotations = locator = None
    try:
        text, sha = read_text(folder / "article.txt")
    except AnnotationErrors as exc:
        errors += exc.errors
    try:
        meta, _ = load_model(folder / "article.yaml", ArticleMeta)
    except AnnotationErrors as exc:
        errors += exc.errors
    draft = folder / DRAFT_FILE
    try:
        annotations, locator = load_model(folder / "annotations.yaml", Annotations)
    except AnnotationErrors as exc:
        if not (draft.is_file() and not (folder / "annotations.yaml").is_file()):
            errors += exc.errors
        annotations = None
    if draft.is_file() and (annotations is None or not any(
            (annotations.entities, annotations.incidents, annotations.events,
             annotations.claims))) and not any(e.file == str(draft) for e in errors):
        errors.append(AnnotationError(
            draft, "a draft, not accepted yet: a drafted article never builds into the "
            f"published graph. Review it (kg draft --explain {folder}), then "
            f"`kg draft --accept {folder}` makes it annotations.yaml"))
    if errors:
        raise AnnotationErrors(errors)
    assert text is not None and sha is not None and meta is not None
    assert annotations is not None and locator is not None
    return Article(id=folder.name, folder=folder, text=text, sha256=sha, meta=meta,
                   annotations=annotations, locator=locator,
                   sentences=sentences_by_line(text))


def article_folders(seeds: Path) -> list[Path]:
    """The article folders under seeds/, sorted, each holding an article.txt."""
    if not seeds.is_dir():
        raise AnnotationErrors([AnnotationError(seeds, "seeds folder is missing")])
    folders = sorted(p for p in seeds.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise AnnotationErrors([AnnotationError(seeds, "no article folders in seeds")])
    return folders
