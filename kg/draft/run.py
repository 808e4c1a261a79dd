"""Draft article folders: read, parse (one spaCy pipeline per process), draft, write, check."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.annotations import AnnotationError, AnnotationErrors, ArticleMeta, load_model
from kg.article import read_text, sentences_by_line
from kg.draft.corpus import Corpus, load_corpus
from kg.draft.extract import Draft, Drafter
from kg.draft.lexicon import lexicon
from kg.draft.nlp import french
from kg.draft.review import DRAFT_FILE
from kg.draft.write import to_yaml

ANNOTATIONS_FILE = "annotations.yaml"


@dataclass
class Drafted:
    folder: Path
    draft: Draft
    yaml: str


def article_inputs(folder: Path) -> tuple[str, ArticleMeta]:
    """The text and metadata of an article folder (errors name the file)."""
    text, _ = read_text(folder / "article.txt")
    meta, _ = load_model(folder / "article.yaml", ArticleMeta)
    return text, meta


def draft_texts(items: Iterable[tuple[Path, str, ArticleMeta]], corpus_for: CorpusFor,
                processes: int = 1, batch_size: int = 64) -> Iterator[Drafted]:
    """Draft many articles, parsing all their lines in one `nlp.pipe` stream."""
    items = list(items)
    nlp = french()
    lines: list[str] = []
    owners: list[int] = []
    for n, (_folder, text, _meta) in enumerate(items):
        for span in sentences_by_line(text):
            lines.append(text[span.begin:span.end])
            owners.append(n)
    docs: list[list[object]] = [[] for _ in items]
    kwargs = {"n_process": processes} if processes > 1 else {}
    for owner, doc in zip(owners, nlp.pipe(lines, batch_size=batch_size, **kwargs),
                          strict=True):
        docs[owner].append(doc)
    lex = lexicon()
    for n, (folder, text, meta) in enumerate(items):
        draft = Drafter(folder.name, text, meta, corpus_for(folder), lex).run(docs[n])
        yield Drafted(folder, draft, to_yaml(draft))


class CorpusFor:
    """The corpus a folder is drafted against: the accepted articles of `seeds`, without the
    folder itself (loaded once)."""

    def __init__(self, seeds: Path | None) -> None:
        self.seeds = seeds
        self.whole: Corpus | None = None
        self.cache: dict[Path, Corpus] = {}

    def __call__(self, folder: Path) -> Corpus:
        seeds = self.seeds
        if seeds is not None and folder.resolve().parent == seeds.resolve() and \
                (folder / ANNOTATIONS_FILE).is_file():
            if folder not in self.cache:
                self.cache[folder] = load_corpus(seeds, exclude=folder)
            return self.cache[folder]
        if self.whole is None:
            self.whole = load_corpus(seeds)
        return self.whole


def check_draft(folder: Path, draft_text: str, shacl: str = "off") -> None:
    """Validate a draft as the build would, in a scratch copy of the folder: the same
    anchoring, references and mapping checks (and SHACL when asked). Raises AnnotationErrors
    naming the draft file."""
    from kg.build import compile_graph

    with tempfile.TemporaryDirectory(prefix="kg-draft-") as tmp:
        copy = Path(tmp) / folder.name
        copy.mkdir()
        for name in ("article.txt", "article.yaml"):
            shutil.copyfile(folder / name, copy / name)
        (copy / ANNOTATIONS_FILE).write_text(draft_text, encoding="utf-8")
        try:
            compile_graph(Path(tmp), shacl=shacl)
        except AnnotationErrors as exc:
            raise AnnotationErrors([
                AnnotationError(folder / DRAFT_FILE, e.message, line=e.line, entry=e.entry,
                                field=e.field) for e in exc.errors]) from None


def reviewed(path: Path) -> bool:
    """Whether an annotations.yaml holds any entry (kg new writes one with none)."""
    from kg.annotations import Annotations

    if not path.is_file():
        return False
    try:
        annotations, _ = load_model(path, Annotations)
    except AnnotationErrors:
        return True  # a file a person is editing: never overwrite it silently
    return bool(annotations.entities or annotations.incidents or annotations.events or
                annotations.claims)


class AcceptError(Exception):
    """--accept would lose a reviewed file, or there is no draft."""


def accept(folder: Path, force: bool = False) -> Path:
    """Make the folder's draft its annotations.yaml (the draft file is moved)."""
    draft, target = folder / DRAFT_FILE, folder / ANNOTATIONS_FILE
    if not draft.is_file():
        raise AcceptError(f"{draft}: no draft to accept (run `kg draft {folder}` first)")
    if reviewed(target) and not force:
        raise AcceptError(f"{target} already holds annotations; --accept would replace them "
                          "with the draft: merge by hand, or add --force")
    draft.replace(target)
    return target
