"""Cross-engine check of `kg serve --backend`: every saved query, with every parameter value,
gives the same rows on the embedded store and on two real SPARQL engines loaded from the dump.

    python bench/backends.py [--store data/store] [--engines oxigraph,virtuoso]

Starts, on 127.0.0.1 only: `oxigraph serve-read-only --union-default-graph` over a store loaded
with `oxigraph load` from the build's N-Quads dump; Debian's Virtuoso (`virtuoso-t -f -c` with
its own ini file and database in a temporary folder) loaded from the same dump with
`ld_dir`/`rdf_loader_run`; a local Wikidata-shaped stand-in for the federated queries; and one
`kg serve` per engine (embedded, `--backend` oxigraph, `--backend` virtuoso). Each saved query
is fetched from each server as JSON with the same parameters; rows are compared as multisets
after normalising terms (integer subtypes to xsd:integer, xsd:string to a simple literal,
language tags to lower case). Writes bench/results/backends.md and bench/work/backends.json;
exits 1 if any comparison outside the known engine differences (KNOWN) fails.
Install the engines first: scripts/install-peers.sh --virtuoso.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from endpoint_bench import free_port, stop_group  # noqa: E402

from kg.catalogue import SavedQuery, load_catalogue  # noqa: E402
from kg.virtuoso import PublishError, Virtuoso, publish  # noqa: E402
from kg.virtuoso import isql as isql_run  # noqa: E402

WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
OXIGRAPH = WORK / "venv-oxigraph" / "bin" / "oxigraph"
XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                              "positiveInteger", "negativeInteger", "nonPositiveInteger",
                              "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
# Known engine differences: (engine, saved query) -> reason. Reported, and expected to differ.
KNOWN: dict[tuple[str, str], str] = {
    ("virtuoso", "victims"): "Virtuoso 7.2 stores xsd:duration ages (P6M, P3Y) as a number "
    "(\"6\"^^xsd:duration): it has no duration type",
    ("virtuoso", "provenance"): "with `sentence` unset, Virtuoso 7.2 evaluates "
    "`COALESCE(?sentenceNumber = ?sentence, true)` to false, not true (a comparison with an "
    "unbound variable is an error, which COALESCE must skip): no rows instead of all",
    **{("virtuoso", name): "Virtuoso 7.2's SERVICE client rejects the Wikidata stand-in's "
       "SPARQL JSON answer (`unsupported Content-Type`); the stand-in (tests/wikidata_standin.py) "
       "answers JSON whatever Accept says, so this run cannot tell whether Virtuoso federates "
       "with the real Wikidata endpoint (no network here)"
       for name in ("wikidata-descriptions", "wikidata-places")},
}


@dataclass
class Proc:
    """A process we started in its own process group."""

    name: str
    proc: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        stop_group(self.proc, grace=15)


def _spawn(name: str, cmd: list[str], log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPUTE_KG_")}
    env["NO_PROXY"] = "*"
    return subprocess.Popen(cmd, cwd=cwd, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            env=env, start_new_session=True)


def _wait(p: Proc, probe: str, timeout: float = 120) -> Proc:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.proc.poll() is not None:
            raise RuntimeError(f"{p.name} exited: {p.log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(probe, timeout=2, trust_env=False).status_code == 200:
                return p
        time.sleep(0.2)
    p.stop()
    raise RuntimeError(f"{p.name} did not start: {p.log.read_text()[-3000:]}")


def _ask_url(endpoint: str) -> str:
    return endpoint + "?query=ASK%7B%7D"


def start_oxigraph(dump: Path, workdir: Path) -> Proc:
    """`oxigraph load` the N-Quads dump, then `serve-read-only --union-default-graph`."""
    if not OXIGRAPH.exists():
        raise RuntimeError(f"{OXIGRAPH} is missing: run scripts/install-peers.sh")
    location = workdir / "oxigraph-store"
    shutil.rmtree(location, ignore_errors=True)
    subprocess.run([str(OXIGRAPH), "load", "--location", str(location), "--file", str(dump)],
                   check=True, capture_output=True)
    port = free_port()
    log = workdir / "oxigraph.log"
    proc = _spawn("oxigraph", [str(OXIGRAPH), "serve-read-only", "--location", str(location),
                               "--bind", f"127.0.0.1:{port}", "--union-default-graph"], log)
    url = f"http://127.0.0.1:{port}/query"
    return _wait(Proc("oxigraph", proc, url, log), _ask_url(url))


VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
AllowOSCalls = 0
DirsAllowed = ., {d}, {d}/load
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""


def start_virtuoso_empty(workdir: Path) -> tuple[Proc, Virtuoso]:
    """An empty Virtuoso with its own ini and database in `workdir`, and how to publish to it."""
    binary = shutil.which("virtuoso-t")
    isql = shutil.which("isql-vt") or shutil.which("isql")
    if binary is None or isql is None:
        raise RuntimeError("virtuoso-t is missing: run scripts/install-peers.sh --virtuoso")
    d = workdir / "virtuoso"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    sql, http = free_port(), free_port()
    ini = d / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=d, sql=sql, http=http))
    log = workdir / "virtuoso.log"
    proc = _spawn("virtuoso", [binary, "-f", "-c", str(ini)], log, cwd=d)
    url = f"http://127.0.0.1:{http}/sparql"
    p = _wait(Proc("virtuoso", proc, url, log), _ask_url(url))
    return p, Virtuoso(f"127.0.0.1:{sql}", url, d / "load", isql_command=Path(isql).name)


def start_virtuoso(dump: Path, workdir: Path) -> Proc:
    """Virtuoso loaded from the N-Quads dump by `kg publish --virtuoso`'s code."""
    p, target = start_virtuoso_empty(workdir)
    try:
        # SERVICE needs these grants for Virtuoso's anonymous SPARQL user (its SERVICE client)
        isql_run(target, 'GRANT SELECT ON "DB.DBA.SPARQL_SINV_2" TO "SPARQL"; '
                 'GRANT EXECUTE ON "DB.DBA.SPARQL_SINV_IMP" TO "SPARQL";')
        publish(dump, target)
    except (PublishError, OSError):
        p.stop()
        raise
    return p


def start_kg(store: Path, log: Path, *extra: str) -> Proc:
    """`kg serve` on a free port (with `--backend URL` among `extra` for a remote engine)."""
    port = free_port()
    cmd = [str(ROOT / ".venv" / "bin" / "python"), "-m", "server.web.cli", "serve", "--store",
           str(store), "--port", str(port), "--log-level", "warning", *extra]
    url = f"http://127.0.0.1:{port}"
    return _wait(Proc("kg", _spawn("kg", cmd, log), url, log), url + "/health")


# --- comparing -------------------------------------------------------------------------------

def parameter_sets(q: SavedQuery) -> list[dict[str, str]]:
    """Every combination of: unset, the default, each allowed value, the examples, and a value
    that matches nothing, for each parameter."""
    options: dict[str, list[str | None]] = {}
    for p in q.params:
        values = {*p.allowed, p.example, q.example.get(p.name), p.default}
        values |= {"iri": {"https://w3id.org/dispute-kg/id/nothing"}, "integer": {"1", "999"},
                   "wikidata-id": {"Q1"}}.get(p.type, set())
        options[p.name] = [None, *sorted(v for v in values if v is not None)]
    names = list(options)
    return [{k: v for k, v in zip(names, combo, strict=True) if v is not None}
            for combo in itertools.product(*(options[n] for n in names))]


def norm_term(cell: dict[str, str]) -> tuple[str, ...]:
    """A SPARQL JSON term, normalised across engines."""
    kind = cell["type"]
    if kind == "uri":
        return ("uri", cell["value"])
    if kind == "bnode":
        return ("bnode",)
    lang = cell.get("xml:lang")
    if lang:
        return ("lit", cell["value"], "@" + lang.lower())
    datatype = cell.get("datatype", XSD + "string")
    value = cell["value"]
    if datatype in INTEGERS:
        with contextlib.suppress(ValueError):
            return ("lit", str(int(value)), XSD + "integer")
    return ("lit", value, "" if datatype == XSD + "string" else datatype)


def norm_rows(body: dict[str, Any]) -> Counter:
    if "boolean" in body:
        return Counter([("boolean", body["boolean"])])
    names = body["head"]["vars"]
    return Counter(tuple(norm_term(r[n]) if n in r else None for n in names)
                   for r in body["results"]["bindings"])


def norm_graph(ntriples: str) -> Counter:
    import pyoxigraph as ox

    def t(term: Any) -> tuple[str, ...]:
        if isinstance(term, ox.NamedNode):
            return norm_term({"type": "uri", "value": term.value})
        if isinstance(term, ox.Literal):
            cell = {"type": "literal", "value": term.value}
            if term.language:
                cell["xml:lang"] = term.language
            else:
                cell["datatype"] = term.datatype.value
            return norm_term(cell)
        return ("bnode",)

    return Counter((t(x.subject), t(x.predicate), t(x.object))
                   for x in ox.parse(ntriples.encode(), format=ox.RdfFormat.N_TRIPLES))


def fetch(server: str, q: SavedQuery, values: dict[str, str]) -> tuple[int, Counter | str]:
    """One saved query from one server: (status, normalised rows or the error)."""
    graph = q.kind in ("CONSTRUCT", "DESCRIBE")
    ext = "nt" if graph else "json"
    r = httpx.get(f"{server}/queries/{q.name}.{ext}", params=values, timeout=120,
                  trust_env=False)
    if r.status_code != 200:
        return r.status_code, r.text[:300]
    return 200, norm_graph(r.text) if graph else norm_rows(r.json())


def describe_diff(a: Counter, b: Counter) -> str:
    missing, extra = a - b, b - a
    parts = []
    if missing:
        parts.append(f"{sum(missing.values())} row(s) missing, e.g. {_short(next(iter(missing)))}")
    if extra:
        parts.append(f"{sum(extra.values())} extra, e.g. {_short(next(iter(extra)))}")
    return "; ".join(parts)


def _short(row: Any) -> str:
    text = json.dumps(row, ensure_ascii=False)
    return text if len(text) < 240 else text[:240] + "…"


def compare(servers: dict[str, str], catalogue: dict[str, SavedQuery],
            reference: str = "embedded") -> dict[str, dict[str, dict[str, Any]]]:
    """{query: {engine: {"combos", "same", "rows", "first_difference"}}} against `reference`."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name, q in catalogue.items():
        out[name] = {}
        combos = parameter_sets(q)
        ref = [fetch(servers[reference], q, v) for v in combos]
        for engine, url in servers.items():
            if engine == reference:
                continue
            same, first, rows = 0, "", 0
            for values, (ref_status, ref_rows) in zip(combos, ref, strict=True):
                status, got = fetch(url, q, values)
                if ref_status != 200:
                    first = first or f"embedded answered {ref_status}: {ref_rows}"
                    continue
                rows += sum(ref_rows.values()) if isinstance(ref_rows, Counter) else 0
                if status == 200 and got == ref_rows:
                    same += 1
                elif not first:
                    shown = json.dumps(values) if values else "no parameters"
                    first = (f"{shown}: {status} {got}" if status != 200 else
                             f"{shown}: {describe_diff(ref_rows, got)}")  # type: ignore[arg-type]
            out[name][engine] = {"combos": len(combos), "same": same, "rows": rows,
                                 "first_difference": first}
    return out


def report(results: dict[str, dict[str, dict[str, Any]]], engines: list[str],
           versions: dict[str, str]) -> tuple[str, bool]:
    """The Markdown table, and whether every difference is a known one."""
    ok = True
    lines = ["# Saved queries across SPARQL engines", "",
             "Every saved query, with every combination of parameter values (unset, default, each "
             "allowed value, examples, a value that matches nothing), fetched as JSON from "
             "`kg serve` on the embedded store and from `kg serve --backend` over each engine "
             "loaded from the same N-Quads dump; rows compared as multisets after normalising "
             "terms. Regenerate: `python bench/backends.py`.", "",
             "Engines: " + ", ".join(f"{e} ({versions.get(e, '?')})" for e in engines), "",
             "| query | combos | rows (embedded) | " + " | ".join(engines) + " |",
             "|---|---|---|" + "---|" * len(engines)]
    notes = []
    for name, per in results.items():
        cells = []
        first = next(iter(per.values()))
        for e in engines:
            r = per[e]
            if r["same"] == r["combos"]:
                cells.append(f"pass ({r['same']}/{r['combos']})")
                continue
            known = KNOWN.get((e, name))
            cells.append(f"{'known difference' if known else 'FAIL'} "
                         f"({r['same']}/{r['combos']})")
            ok = ok and known is not None
            notes.append(f"- **{name}** on {e}: {known or ''} {'— ' if known else ''}"
                         f"{r['first_difference']}")
        lines.append(f"| {name} | {first['combos']} | {first['rows']} | " + " | ".join(cells)
                     + " |")
    if notes:
        lines += ["", "## Differences", "", *notes]
    lines += ["", "## Other engine differences seen through `kg serve --backend`", "",
              "- Virtuoso's default graph is the union of *all* its graphs, including its own "
              "system graphs (`virtrdf:`, LDP, URIQA: ~2,500 triples), so an unrestricted "
              "`SELECT (COUNT(*) AS ?n) { ?s ?p ?o }` counts more than the embedded store. The "
              "pages that list graphs (landing page, VoID, service description) keep only the "
              "dataset's graphs (`<base>graph/…`); the saved queries are unaffected.",
              "- Virtuoso's \"anytime\" queries answer a query that hits "
              "`MaxQueryExecutionTime` with a partial result and HTTP 200 plus an `X-SQL-State` "
              "header; `kg serve --backend` turns such an answer into 504 (tested against a fake "
              "engine; not reproduced with Virtuoso here). `ResultSetMaxRows` caps the rows of "
              "a result: the ini file these runs use sets it to 10,000,000 (not measured here).",
              "- `oxigraph serve --timeout-s` answers a cut-off 200 (DESIGN §6); `kg serve "
              "--backend` parses every answer completely before sending anything, so a cut "
              "answer is a 502 (tested against a fake engine).",
              "- A query stopped at the deadline is abandoned, not killed: the engine may keep "
              "computing after `kg serve` hangs up (use the engine's own timeout as well).", ""]
    return "\n".join(lines), ok


def versions() -> dict[str, str]:
    out = {}
    with contextlib.suppress(Exception):
        out["oxigraph"] = subprocess.run([str(OXIGRAPH), "--version"], capture_output=True,
                                         text=True).stdout.strip()
    with contextlib.suppress(Exception):
        text = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True)
        line = next(ln for ln in (text.stdout + text.stderr).splitlines() if "Version" in ln)
        out["virtuoso"] = "Virtuoso " + line.split("Version", 1)[1].strip()
    return out


@contextlib.contextmanager
def engines_running(store: Path, names: list[str], workdir: Path) -> Iterator[dict[str, str]]:
    """Start the engines and one `kg serve` per engine plus the embedded one: {name: url}."""
    sys.path.insert(0, str(ROOT / "tests"))
    from wikidata_standin import WIKIDATA_SAMPLE, standin_endpoint

    from kg.build import dumps_dir

    dump = dumps_dir(store) / "latest-dispute-kg.nq.gz"
    started: list[Proc] = []
    try:
        with standin_endpoint(WIKIDATA_SAMPLE) as (standin, _):
            common = ["--timeout", "60", "--workers", "2",
                      "--service-allow", f"https://query.wikidata.org/sparql,{standin}",
                      "--wikidata-endpoint", standin]
            servers = {}
            p = start_kg(store, workdir / "kg-embedded.log", *common)
            started.append(p)
            servers["embedded"] = p.url
            for name in names:
                engine = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}[name](
                    dump, workdir)
                started.append(engine)
                p = start_kg(store, workdir / f"kg-{name}.log", *common, "--backend", engine.url)
                started.append(p)
                servers[name] = p.url
            yield servers
    finally:
        for p in reversed(started):
            p.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, default=ROOT / "data" / "store")
    ap.add_argument("--engines", default="oxigraph,virtuoso")
    ap.add_argument("--out", type=Path, default=RESULTS / "backends.md")
    args = ap.parse_args(argv)
    from kg.store import current_build

    if current_build(args.store) is None:
        from kg.build import build

        build(ROOT / "seeds", args.store)
    names = [n for n in args.engines.split(",") if n]
    WORK.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK, prefix="backends-") as tmp, \
            engines_running(args.store, names, Path(tmp)) as servers:
        results = compare(servers, load_catalogue())
    text, ok = report(results, names, versions())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    (WORK / "backends.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(text)
    print("PASS" if ok else "FAIL: differences outside the known list", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
