"""The `kg` command: build, validate, inspect and query the knowledge graph.

`server.web.cli` adds `kg serve` to this app, so that `kg` never imports `server`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pyoxigraph as ox
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from kg import store as kgstore
from kg.annotations import AnnotationError, AnnotationErrors
from kg.config import DEFAULT_SEEDS, KgSettings
from kg.options import settings_options
from kg.querying import QueryInputError

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Build, check and query the dispute-kg knowledge graph.")
# Messages carry file text (paths, quotes, labels): no emoji codes (":100:" in
# "annotations.yaml:100:" would become an emoji) and no markup in what they quote.
err = Console(stderr=True, emoji=False)
# Tables keep whole values (IRIs, quotes) when the output is a pipe or a file: rich would
# otherwise fit them to 80 columns and cut them with an ellipsis.
out = Console(emoji=False, width=None if sys.stdout.isatty() else 1 << 16)

STEPS = ("validate", "map", "rules", "shacl", "load", "export")
ShaclOpt = Annotated[str, typer.Option(
    "--shacl", help="SHACL check: all (default), sample:N (N articles chosen deterministically, "
    "plus the ontology and the derived quads about them) or off; the other checks always run")]
NoShaclOpt = Annotated[bool, typer.Option("--no-shacl", help="same as --shacl off")]


def _shacl_mode(shacl: str, no_shacl: bool) -> str:
    """The SHACL mode of the options, or a usage error."""
    from kg.shacl import ShaclMode

    try:
        return str(ShaclMode.parse("off" if no_shacl else shacl))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--shacl") from None


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


@contextmanager
def _failures() -> Iterator[None]:
    """Turn input errors into one line each on stderr and exit status 1."""
    from kg.build import BuildError

    try:
        yield
    except AnnotationErrors as exc:
        for error in exc.errors:
            err.print(f"[red]error[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
        err.print(f"{len(exc.errors)} error(s); nothing was written", highlight=False)
        raise typer.Exit(1) from None
    except (AnnotationError, QueryInputError, BuildError, kgstore.StoreMissing) as exc:
        err.print(f"[red]error[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal)


@app.command()
@settings_options(KgSettings, "seeds", "store", "base_iri")
def build(settings: KgSettings, shacl: ShaclOpt = "all", no_shacl: NoShaclOpt = False) -> None:
    """Build the graph from seeds/ into a new store and swap it in (atomically)."""
    from kg.build import build as run_build

    mode = _shacl_mode(shacl, no_shacl)
    with _failures(), _progress() as bar:
        task = bar.add_task("build", total=len(STEPS))

        def step(name: str) -> None:
            bar.update(task, description=name, completed=STEPS.index(name))

        report = run_build(settings.seeds, settings.store, base=settings.base_iri, shacl=mode,
                           progress=step)
    disputes = sum(r.disputes for r in report.rules)
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items())
    err.print(f"built {len(report.quads)} quads from {len(report.articles)} article(s), "
              f"{disputes} dispute(s) → {settings.store} ({timings}; "
              f"{report.shacl_summary()})",
              highlight=False, soft_wrap=True)


@app.command()
@settings_options(KgSettings, "seeds", "base_iri")
def validate(settings: KgSettings, shacl: ShaclOpt = "all", no_shacl: NoShaclOpt = False) -> None:
    """Check annotations, anchors, rules and shapes without touching the store."""
    from kg.build import compile_graph

    mode = _shacl_mode(shacl, no_shacl)
    with _failures():
        report = compile_graph(settings.seeds, base=settings.base_iri, shacl=mode)
    conforms = "" if report.shacl is None else ", conforms to the shapes"
    err.print(f"ok: {len(report.articles)} article(s), {len(report.quads)} quads{conforms} "
              f"({report.shacl_summary()})", highlight=False, soft_wrap=True)


@app.command()
@settings_options(KgSettings, "store")
def stats(settings: KgSettings) -> None:
    """Triples per graph, instances per class, claims and disputes."""
    from kg.stats import STATS_QUERIES

    with _failures():
        db = kgstore.open_read_only(settings.store)
        for title, query in STATS_QUERIES:
            _print_table(db.query(query, use_default_graph_as_union=True), title=title)


@app.command()
@settings_options(KgSettings, "store", "queries_dir", "wikidata_endpoint")
def query(
    settings: KgSettings,
    query: Annotated[str, typer.Argument(help="SPARQL text, a .rq file, or a saved query name")],
    fmt: Annotated[OutputFormat, typer.Option("--format", help="output format")] =
        OutputFormat.table,
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="saved-query parameter key=value (repeatable)")] = None,
) -> None:
    """Run a SPARQL query, a .rq file, or a saved query (by name) and print the results."""
    from kg.querying import resolve_query

    with _failures():
        text, substitutions = resolve_query(query, param or [], settings.queries_dir,
                                            settings.wikidata_endpoint)
        db = kgstore.open_read_only(settings.store)
        try:
            results = db.query(text, use_default_graph_as_union=True,
                               substitutions=dict(substitutions.items()))
        except SyntaxError as exc:
            raise QueryInputError("<query>", f"SPARQL syntax: {exc}") from None
        if fmt is OutputFormat.table:
            _print_table(results)
            return
        _write_serialized(results, fmt)


@app.command()
def schema(out_dir: Annotated[Path, typer.Option("--out", help="folder to write into")] =
           DEFAULT_SEEDS) -> None:
    """Write the JSON Schemas of annotations.yaml and article.yaml, generated from the models."""
    from kg.annotations import json_schemas

    for name, text in json_schemas().items():
        (out_dir / name).write_text(text, encoding="utf-8")
        err.print(f"wrote {out_dir / name}", highlight=False)


@app.command()
@settings_options(KgSettings, "store", "queries_dir")
def links(settings: KgSettings,
          fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
          lang: Annotated[str, typer.Option(help="label language: en or fr")] = "en") -> None:
    """The Wikidata link report: every entity with its link and evidence, or why it has none."""
    import csv
    import json

    from kg.links import counts, link_report

    with _failures():
        entries = link_report(kgstore.open_read_only(settings.store), lang,
                              settings.queries_dir)
    if fmt is OutputFormat.json:
        out.print_json(json.dumps({"entities": [e.as_dict() for e in entries],
                                   "counts": counts(entries)}, ensure_ascii=False))
        return
    columns = ("entity", "label", "kind", "status", "wikidata", "evidence", "reason")
    cells = [(e.entity, e.label, e.kind, e.status, " ".join(e.wikidata),
              "; ".join(e.evidence), e.reason) for e in entries]
    if fmt in (OutputFormat.csv, OutputFormat.tsv):
        writer = csv.writer(sys.stdout, delimiter="," if fmt is OutputFormat.csv else "\t")
        writer.writerow(columns)
        writer.writerows(cells)
        return
    table = Table("kind", "label", "status", "wikidata / reason", title="Wikidata links")
    for e in entries:
        table.add_row(*(Text(v) for v in (e.kind, e.label, e.status,
                                          " ".join(e.wikidata) or e.reason)))
    out.print(table)
    summary = Table("kind", "linked", "unlinked", title="Counts")
    for kind, c in counts(entries).items():
        summary.add_row(kind, str(c["linked"]), str(c["unlinked"]))
    out.print(summary)


QueryResults = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def _write_serialized(results: QueryResults, fmt: OutputFormat) -> None:
    if isinstance(results, ox.QuerySolutions | ox.QueryBoolean):
        formats = {OutputFormat.csv: ox.QueryResultsFormat.CSV,
                   OutputFormat.tsv: ox.QueryResultsFormat.TSV,
                   OutputFormat.json: ox.QueryResultsFormat.JSON}
        data = results.serialize(format=formats[fmt])
    else:
        rdf = {OutputFormat.json: ox.RdfFormat.JSON_LD}.get(fmt, ox.RdfFormat.N_TRIPLES)
        data = results.serialize(format=rdf)
    sys.stdout.buffer.write(data or b"")


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return term.value + (f" @{term.language}" if term.language else "")
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


def _print_table(results: QueryResults, title: str | None = None) -> None:
    if isinstance(results, ox.QueryBoolean):
        out.print("true" if bool(results) else "false")
        return
    if isinstance(results, ox.QuerySolutions):
        names = [v.value for v in results.variables]
        table = Table(*names, title=title, title_justify="left", show_lines=False)
        for row in results:
            table.add_row(*(Text(_cell(row[name])) for name in names))
        out.print(table)
        return
    table = Table("subject", "predicate", "object", title=title)
    for triple in results:
        table.add_row(*(Text(_cell(t)) for t in (triple.subject, triple.predicate,
                                                  triple.object)))
    out.print(table)


@app.command()
def synth(
    out: Annotated[Path, typer.Argument(help="folder to write the article folders into "
                                        "(replaced)")],
    articles: Annotated[int | None, typer.Option(help="number of articles", min=1)] = None,
    triples: Annotated[float | None, typer.Option(
        help="approximate number of triples (e.g. 1e6); the article count follows from the "
        "measured yield")] = None,
) -> None:
    """Write a synthetic corpus in the real annotation format (for benchmarks at scale)."""
    from kg.synth import articles_for
    from kg.synth import synth as write_corpus

    if articles is not None and triples is not None:
        raise typer.BadParameter("give --articles or --triples, not both")
    n = articles if articles is not None else articles_for(triples or 1e5)
    write_corpus(out, articles=n)
    err.print(f"wrote {n} synthetic article(s) to {out}", highlight=False)


@app.command()
@settings_options(KgSettings, "store")
def publish(
    settings: KgSettings,
    virtuoso: Annotated[str, typer.Option(
        "--virtuoso", help="host:port of a running Virtuoso's SQL (isql) port")],
    sparql: Annotated[str, typer.Option(
        "--sparql", help="that Virtuoso's SPARQL endpoint URL (the count check, and the "
        "`kg serve --backend` line printed at the end)")],
    load_dir: Annotated[Path, typer.Option(
        "--load-dir", help="a folder that Virtuoso may read (in its DirsAllowed): the dump is "
        "copied there for its bulk loader")],
    user: Annotated[str, typer.Option(envvar="DISPUTE_KG_VIRTUOSO_USER")] = "dba",
    password: Annotated[str, typer.Option(envvar="DISPUTE_KG_VIRTUOSO_PASSWORD",
                                          help="(better given by the environment variable)")]
    = "dba",
) -> None:
    """Bulk-load the build's N-Quads dump into Virtuoso, replacing the dataset's graphs there,
    and check every graph's quad count."""
    from kg.build import dumps_dir
    from kg.export import ensure_dumps
    from kg.virtuoso import PublishError, Virtuoso
    from kg.virtuoso import publish as load

    store = settings.store
    with _failures():
        if kgstore.current_build(store) is None:
            raise kgstore.StoreMissing(f"no store at {store}: run `kg build` first")
        ensure_dumps(store, dumps_dir(store))
    try:
        done = load(dumps_dir(store) / "latest-dispute-kg.nq.gz",
                    Virtuoso(virtuoso, sparql, load_dir, user, password))
    except PublishError as exc:
        err.print(f"[red]error[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    err.print(f"loaded {done.quads} quads in {len(done.graphs)} graphs from {done.file.name} "
              f"({done.load_seconds:.1f} s); every graph's count matches the dump",
              highlight=False, soft_wrap=True)
    out.print(f"kg serve --backend {sparql}", highlight=False, soft_wrap=True)


def _register_export() -> None:
    from kg.export import export_command

    app.command("export")(export_command)


_register_export()


def _register_draft() -> None:
    """`kg draft` and `kg new` live in kg.draft.cli (spaCy is imported only when they run)."""
    from kg.draft.cli import draft, new

    app.command("draft")(draft)
    app.command("new")(new)


_register_draft()


def main() -> None:
    app()
