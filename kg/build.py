"""`kg build`: seeds/ → validate → anchor and map → rules → SHACL → atomic load into Oxigraph.

SHACL runs on everything by default; `shacl="sample:N"` validates a deterministic sample of N
articles (plus the ontology and the derived quads about them) and `shacl="off"` skips it; the
other checks run on every article in every mode (see kg.shacl).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pyoxigraph as ox

from kg import store as kgstore
from kg.annotations import AnnotationError, AnnotationErrors
from kg.article import Article, article_folders, load_article
from kg.config import DEFAULT_BASE, Iris
from kg.mapping import map_articles
from kg.ontology import ontology_quads, shapes_path
from kg.rules import RuleResult, load_rules, run_rules
from kg.shacl import ShaclMode, ShaclReport, check_mode

Progress = Callable[[str], None]


class BuildError(Exception):
    """The build stopped; the previous store is untouched."""


def project_version() -> str:
    try:
        return version("dispute-kg")
    except PackageNotFoundError:
        return "0.0.0"


@dataclass
class BuildReport:
    """What a build (or a dry run) produced, and how long each step took."""

    articles: list[str] = field(default_factory=list)
    quads: list[ox.Quad] = field(default_factory=list, repr=False)
    rules: list[RuleResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    store: Path | None = None
    shacl_mode: str = "all"  # all, off or sample:N
    shacl: ShaclReport | None = None  # None when SHACL was off
    dataset: ox.Store | None = field(default=None, repr=False)  # every quad, in memory
    # when the build ran: the end time of its rule runs and the dumps' version date
    built_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def shacl_summary(self) -> str:
        """One line on what SHACL checked: 'all', 'off', or the sample and its size."""
        if self.shacl is None:
            return "SHACL off"
        if not self.shacl.articles:
            return f"SHACL all ({self.shacl.quads} quads)"
        return (f"SHACL {self.shacl_mode}: {len(self.shacl.articles)} of {len(self.articles)} "
                f"article(s), {self.shacl.quads} of {len(self.quads)} quads")

    @contextmanager
    def step(self, name: str, progress: Progress | None) -> Iterator[None]:
        if progress:
            progress(name)
        start = time.perf_counter()
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def read_articles(seeds: Path) -> list[Article]:
    """Load every article folder; all errors of all folders are reported together."""
    articles, errors = [], []
    for folder in article_folders(seeds):
        try:
            articles.append(load_article(folder))
        except AnnotationErrors as exc:
            errors += exc.errors
    if errors:
        raise AnnotationErrors(errors)
    return articles


def compile_graph(seeds: Path, base: str = DEFAULT_BASE, shacl: bool | str | ShaclMode = True,
                  progress: Progress | None = None,
                  built_at: dt.datetime | None = None) -> BuildReport:
    """Everything but the store: the quads of all graphs, checked. Raises on any problem.

    `shacl`: True or "all" (default), "sample:N", or False / "off" (see kg.shacl).
    """
    mode = ShaclMode.parse(shacl)
    iris, report = Iris(base), BuildReport(shacl_mode=str(mode))
    report.built_at = built_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    with report.step("validate", progress):
        articles = read_articles(seeds)
        report.articles = [a.id for a in articles]
        rules = load_rules()
    with report.step("map", progress):
        quads, errors = map_articles(articles, iris)
        if errors:
            raise AnnotationErrors(errors)
        quads += ontology_quads(iris.ontology_graph)
    with report.step("rules", progress):
        dataset = ox.Store()
        dataset.bulk_extend(quads)
        derived, report.rules = run_rules(dataset, iris, rules, report.built_at,
                                          project_version())
        dataset.bulk_extend(derived)
        quads += derived
    report.quads = list(dict.fromkeys(quads))  # each quad once, in a stable order
    report.dataset = dataset
    if mode.kind != "off":
        with report.step("shacl", progress):
            # What is published, not what was mapped: the store canonicalises literals
            # (xsd:nonNegativeInteger is stored as xsd:integer), and the dumps are read from it.
            published = list(dataset.quads_for_pattern(None, None, None, None))
            result = check_mode(published, shapes_path(), mode,
                                {a: iris.graph(a) for a in report.articles},
                                iris.derived_graph, iris.ontology_graph)
            report.shacl = result
            if result is not None and not result.conforms:
                scope = f" (sample of {', '.join(result.articles)})" if result.articles else ""
                raise BuildError(f"the graph does not conform to ontology/shapes.ttl{scope} "
                                 f"({result.violations} violations):\n{result.text}")
    return report


def build(seeds: Path, store: Path, base: str = DEFAULT_BASE, shacl: bool | str | ShaclMode = True,
          progress: Progress | None = None, dumps: bool = True,
          built_at: dt.datetime | None = None) -> BuildReport:
    """Compile the graph and load it into a new store, swapped in only on success.

    With `dumps`, the downloadable files are also written to `<store's folder>/dumps`: rendered
    from the in-memory dataset (not read back from the new store) into a hidden folder before
    the swap, published after it; a failure before the swap (checks, load, dumps) leaves the
    previous store and dumps as they were.
    """
    from kg import export

    report = compile_graph(seeds, base, shacl, progress, built_at)
    dataset = report.dataset
    assert dataset is not None
    info = {"version": project_version(), "base": base, "articles": report.articles,
            "built_at": report.built_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "quads": len(report.quads), "shacl": report.shacl_summary()}
    staged = None
    try:
        with kgstore.new_build(store, info) as directory:
            with report.step("load", progress):
                target = ox.Store(str(directory))
                target.bulk_extend(report.quads)
                target.optimize()
                target.flush()
                del target
            if dumps:
                with report.step("export", progress):
                    staged = export.stage_dumps(export.release_of(dataset, info),
                                                dumps_dir(store))
    except BaseException:
        if staged is not None:
            export.discard(staged)
        raise
    report.store = store
    if staged is not None:
        with report.step("export", None):
            built = kgstore.current_build(store)
            export.publish(staged, built.name if built else None)
    return report


def dumps_dir(store: Path) -> Path:
    """Where the dumps of a store live: beside it (data/store → data/dumps)."""
    return store.parent / "dumps"


__all__ = ["AnnotationError", "AnnotationErrors", "BuildError", "BuildReport", "ShaclMode",
           "build", "compile_graph"]
