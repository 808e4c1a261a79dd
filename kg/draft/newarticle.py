"""`kg new`: a new article folder from a text file (byte for byte) or a saved HTML page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import yaml

from kg.annotations import AnnotationErrors
from kg.article import read_text

EMPTY_ANNOTATIONS = """\
# yaml-language-server: $schema=../annotations.schema.json
# The mapping of article.txt (see README "Annotation format"). Empty: write it by hand, or
# `kg draft {folder}` writes annotations.draft.yaml to review and `kg draft --accept` makes it
# this file.
entities: []
incidents: []
events: []
claims: []
"""


class NewArticleError(Exception):
    """The folder cannot be created as asked."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        super().__init__(message)


def from_html(html: bytes) -> tuple[str, dt.date | None, str | None, str | None, str | None]:
    """(text, date, title, site name, url) of a saved page, with trafilatura and htmldate.

    Both read the page given to them and nothing else (htmldate gets a parsed tree, so a
    string that looks like a URL is never fetched)."""
    import lxml.html
    import trafilatura
    from htmldate import find_date

    document = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                           include_tables=False, favor_precision=True)
    text = getattr(document, "text", None) if document is not None else None
    if not text:
        raise ValueError("no article text found in the page")
    found = find_date(lxml.html.fromstring(html), original_date=True, outputformat="%Y-%m-%d")
    date = dt.date.fromisoformat(found) if found else None
    return (text.strip() + "\n", date, getattr(document, "title", None),
            getattr(document, "sitename", None), getattr(document, "url", None))


def slug(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return "-".join(p for p in re.split(r"[^a-z0-9]+", text) if p)


def create(folder: Path, *, text_file: Path | None, html_file: Path | None,
           publisher: str | None, published: dt.date | None, title: str | None,
           title_en: str | None, language: str = "fr", translated_from: str | None = None,
           url: str | None = None) -> Path:
    """Write article.txt, article.yaml and an empty annotations.yaml into a new folder."""
    if folder.exists():
        raise NewArticleError(folder, "already exists: kg new never overwrites an article")
    source = text_file or html_file
    assert source is not None
    if not source.is_file():
        raise NewArticleError(source, "file is missing")
    text = None
    if text_file is not None:
        try:
            text, _ = read_text(text_file)  # strict UTF-8, not empty; copied as bytes below
        except AnnotationErrors as exc:
            raise NewArticleError(text_file, exc.errors[0].message) from None
    else:
        try:
            text, date, page_title, site, page_url = from_html(source.read_bytes())
        except ValueError as exc:
            raise NewArticleError(source, str(exc)) from None
        published = published or date
        title = title or page_title
        publisher = publisher or (slug(site) if site else None)
        url = url or page_url
    missing = [name for name, value in (("--publisher", publisher),
                                        ("--published", published), ("--title", title))
               if not value]
    if missing:
        raise NewArticleError(source, f"give {', '.join(missing)} (not found in the input)")
    if publisher and not re.match(r"^[a-z0-9][a-z0-9-]*$", publisher):
        raise NewArticleError(source, f"publisher {publisher!r} is not an id (lower-case "
                              "letters, digits, hyphens)")
    meta = {"title": {"fr": title, "en": title_en or title}, "publisher": publisher,
            "language": language}
    if translated_from:
        meta["translated_from"] = translated_from
    meta["published"] = published.isoformat() if published else None
    if url:
        meta["url"] = url
    meta["segmentation"] = "lines"
    folder.mkdir(parents=True)
    try:
        if text_file is not None:
            shutil.copyfile(text_file, folder / "article.txt")  # byte for byte
        else:
            (folder / "article.txt").write_text(text, encoding="utf-8")
        header = ("# yaml-language-server: $schema=../article.schema.json\n"
                  "# Metadata of the article as published (written by kg new: check it; the "
                  "title is the annotators').\n")
        if not title_en:
            header += "# title.en repeats the French title: translate it.\n"
        (folder / "article.yaml").write_text(
            header + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8")
        (folder / "annotations.yaml").write_text(EMPTY_ANNOTATIONS.format(folder=folder),
                                                 encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder
