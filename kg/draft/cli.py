"""`kg draft` and `kg new`: start an article folder, draft its annotations, review, accept."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from kg.annotations import SLUG, AnnotationError, AnnotationErrors
from kg.config import DEFAULT_SEEDS

err = Console(stderr=True, emoji=False)
out = Console(emoji=False, highlight=False, soft_wrap=True)


def _expand(folders: list[Path]) -> list[Path]:
    """Article folders: each given folder, or the article folders inside a corpus folder."""
    found: list[Path] = []
    for folder in folders:
        if (folder / "article.txt").is_file():
            found.append(folder)
        elif folder.is_dir() and (subs := sorted(p for p in folder.iterdir()
                                                 if (p / "article.txt").is_file())):
            found += subs
        else:
            raise AnnotationErrors([AnnotationError(folder, "not an article folder (no "
                                                    "article.txt) nor a folder of them")])
    return found


def draft(
    folders: Annotated[list[Path], typer.Argument(help="article folder(s), or a folder of them")],
    seeds: Annotated[Path, typer.Option("--seeds", help="the corpus whose entities and "
                                        "incidents the draft reuses")] = DEFAULT_SEEDS,
    accept: Annotated[bool, typer.Option("--accept", help="make the folder's draft its "
                                         "annotations.yaml")] = False,
    force: Annotated[bool, typer.Option("--force", help="with --accept: replace a reviewed "
                                        "annotations.yaml; otherwise: redraft over an "
                                        "existing draft")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="print each drafted entry beside "
                                          "its sentence")] = False,
    check: Annotated[bool, typer.Option("--check/--no-check", help="validate each draft as "
                                        "kg validate would (with SHACL)")] = True,
    processes: Annotated[int, typer.Option("--processes", min=1, help="parser processes "
                                           "(nlp.pipe n_process)")] = 1,
) -> None:
    """Draft annotations.draft.yaml from article.txt (spaCy fr_core_news_md + lexicons).

    The draft is the annotation format, every value quoted and every entry marked drafted;
    it never builds until accepted (`kg draft --accept FOLDER`)."""
    from kg.draft.run import DRAFT_FILE, AcceptError
    from kg.draft.run import accept as accept_draft

    with _failures():
        targets = _expand(folders)
        if accept:
            for folder in targets:
                try:
                    path = accept_draft(folder, force=force)
                except AcceptError as exc:
                    raise AnnotationErrors([AnnotationError(folder, str(exc))]) from None
                err.print(f"accepted: {path} (the draft's `drafted` marks stay on its entries "
                          "until a reviewer removes them)", highlight=False)
            return
        existing = [f for f in targets if (f / DRAFT_FILE).is_file()]
        if explain and existing and not force:
            for folder in existing:
                _explain_file(folder)
            targets = [f for f in targets if f not in existing]
            if not targets:
                return
        elif existing and not force:
            raise AnnotationErrors([AnnotationError(
                f / DRAFT_FILE, "a draft exists (perhaps being reviewed): --explain reviews "
                "it, --accept accepts it, --force drafts it again (edits are lost)")
                for f in existing])
        _draft(targets, seeds, explain, check, processes)


def _draft(targets: list[Path], seeds: Path, explain: bool, check: bool,
           processes: int) -> None:
    from kg.draft.run import DRAFT_FILE, CorpusFor, article_inputs, check_draft, draft_texts

    items = [(f, *article_inputs(f)) for f in targets]
    problems: list[AnnotationError] = []
    for drafted in draft_texts(items, CorpusFor(seeds), processes=processes):
        path = drafted.folder / DRAFT_FILE
        path.write_text(drafted.yaml, encoding="utf-8")
        d = drafted.draft
        figures = sum(len(c.figures) for c in d.claims)
        victims = sum(len(c.victims) for c in d.claims)
        status = ""
        if check:
            try:
                check_draft(drafted.folder, drafted.yaml, shacl="all")
                status = "; it validates"
            except AnnotationErrors as exc:
                problems += exc.errors
                status = f"; it does NOT validate ({len(exc.errors)} error(s))"
        err.print(f"wrote {path}: {len(d.entities)} entities, {len(d.incidents)} incident(s), "
                  f"{len(d.claims)} claims, {figures} figures, {victims} victims{status}",
                  highlight=False, soft_wrap=True)
        if explain:
            _explain(drafted.folder, drafted.yaml, [(n.span, n.why) for n in d.notes])
    if problems:
        raise AnnotationErrors(problems)


def _explain_file(folder: Path) -> None:
    from kg.draft.run import DRAFT_FILE

    _explain(folder, (folder / DRAFT_FILE).read_text(encoding="utf-8"), [])


def _explain(folder: Path, draft_yaml: str, notes: list[tuple[tuple[int, int], str]]) -> None:
    """Each sentence, then the drafted entries whose first quote lies in it."""
    from kg.draft.review import entries_by_sentence

    text = (folder / "article.txt").read_text(encoding="utf-8")
    out.print(f"[bold]{escape(str(folder))}[/bold]")
    for n, (sentence, entries) in enumerate(entries_by_sentence(text, draft_yaml, notes), 1):
        out.print(f"\n[bold]S{n}[/bold] {escape(sentence)}")
        for line in entries:
            out.print("    " + escape(line))


def new(
    slug: Annotated[str, typer.Argument(help="the article's id (folder name), e.g. "
                                        "kharkiv-2026-01-02-bbc-fr")],
    text: Annotated[Path | None, typer.Option("--text", help="the article as UTF-8 text: "
                                              "copied byte for byte")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="a saved HTML page: the text "
                                              "and date are extracted (trafilatura, "
                                              "htmldate)")] = None,
    seeds: Annotated[Path, typer.Option("--seeds", help="where the folder is created")] =
        DEFAULT_SEEDS,
    publisher: Annotated[str | None, typer.Option(help="the outlet's entity id")] = None,
    published: Annotated[str | None, typer.Option(help="publication date YYYY-MM-DD")] = None,
    title: Annotated[str | None, typer.Option(help="a descriptive title, in French")] = None,
    title_en: Annotated[str | None, typer.Option(help="the title in English")] = None,
    language: Annotated[str, typer.Option(help="the text's language")] = "fr",
    translated_from: Annotated[str | None, typer.Option(help="the language it was "
                                                        "translated from")] = None,
    url: Annotated[str | None, typer.Option(help="where it was published")] = None,
) -> None:
    """Create seeds/SLUG/ with article.txt, article.yaml and an empty annotations.yaml."""
    from kg.draft.newarticle import NewArticleError, create

    with _failures():
        if (text is None) == (html is None):
            raise typer.BadParameter("give --text FILE or --html FILE (one of them)")
        if not re.match(SLUG, slug):
            raise typer.BadParameter(f"{slug!r} is not a slug (lower-case letters, digits, "
                                     "hyphens)", param_hint="SLUG")
        date = None
        if published is not None:
            try:
                date = dt.date.fromisoformat(published)
            except ValueError:
                raise typer.BadParameter("expected YYYY-MM-DD",
                                         param_hint="--published") from None
        try:
            folder = create(seeds / slug, text_file=text, html_file=html, publisher=publisher,
                            published=date, title=title, title_en=title_en,
                            language=language, translated_from=translated_from, url=url)
        except NewArticleError as exc:
            raise AnnotationErrors([AnnotationError(exc.path, str(exc))]) from None
    err.print(f"created {folder}: article.txt, article.yaml, annotations.yaml (empty); next: "
              f"kg draft {folder}", highlight=False, soft_wrap=True)


class _failures:
    """Input errors → one line each on stderr, exit status 1 (as the other kg commands)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        from kg.draft.nlp import ModelMissing

        if isinstance(exc, AnnotationErrors):
            for error in exc.errors:
                err.print(f"[red]error[/red] {escape(str(error))}", highlight=False,
                          soft_wrap=True)
            err.print(f"{len(exc.errors)} error(s)", highlight=False)
            raise typer.Exit(1)
        if isinstance(exc, AnnotationError | ModelMissing):
            err.print(f"[red]error[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(1)
