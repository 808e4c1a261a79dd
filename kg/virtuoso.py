"""`kg publish --virtuoso`: load a build's N-Quads dump into a running Virtuoso with its bulk
loader, and check that every graph arrived whole.

Virtuoso's bulk loader (`ld_dir` + `rdf_loader_run`) reads the file itself, so the dump is
copied into a folder the server may read (its `DirsAllowed`). Loading replaces the dataset's
graphs (they are cleared first), so publishing a new build twice gives the same store. The
check counts the quads of each graph over Virtuoso's SPARQL endpoint and compares them with the
dump's own counts: a load that lost or merged statements is an error, not a warning.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

SPARQL_TIMEOUT = 600.0  # seconds for the count query on a large store
LOADER_GRAPH = "urn:dispute-kg:unnamed"  # ld_dir's fallback graph: N-Quads name their own


class PublishError(Exception):
    """The dump could not be loaded into Virtuoso, or arrived incomplete."""


@dataclass(frozen=True)
class Virtuoso:
    """Where a Virtuoso listens and how to reach it."""

    isql: str  # host:port of its SQL (isql) port
    sparql: str  # its SPARQL endpoint URL (for the count, and the `kg serve --backend` line)
    load_dir: Path  # a folder the server may read (listed in its DirsAllowed)
    user: str = "dba"
    password: str = "dba"
    isql_command: str = "isql-vt"


@dataclass(frozen=True)
class Published:
    """What a publish did: the file loaded, quads per graph, and the loader's time."""

    file: Path
    graphs: dict[str, int]
    load_seconds: float

    @property
    def quads(self) -> int:
        return sum(self.graphs.values())


def count_quads(dump: Path) -> dict[str, int]:
    """Quads per named graph of an N-Quads file (gzipped or not), streamed."""
    counts: Counter[str] = Counter()
    with (gzip.open(dump, "rb") if dump.suffix == ".gz" else dump.open("rb")) as fh:
        for quad in ox.parse(cast(IO[bytes], fh), format=ox.RdfFormat.N_QUADS):
            graph = quad.graph_name
            counts[graph.value if isinstance(graph, ox.NamedNode) else ""] += 1
    if "" in counts:
        raise PublishError(f"{dump} has {counts['']} quads in the default graph; a build's "
                           "dump names the graph of every quad")
    return dict(sorted(counts.items()))


def isql(target: Virtuoso, script: str, timeout: float = 3600) -> str:
    """Run SQL statements through Virtuoso's isql client; its output, or PublishError."""
    command = shutil.which(target.isql_command) or shutil.which("isql")
    if command is None:
        raise PublishError(f"{target.isql_command} is not installed (Debian: "
                           "virtuoso-opensource)")
    try:
        done = subprocess.run([command, target.isql, target.user, target.password,
                               f"exec={script}"], capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise PublishError(f"isql did not finish within {timeout:g} s") from None
    output = done.stdout + done.stderr
    if done.returncode != 0 or "*** Error" in output:
        raise PublishError(f"isql {target.isql} failed: {output.strip()[-2000:]}")
    return done.stdout


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_script(graphs: list[str], folder: Path, name: str) -> str:
    """Clear the dataset's graphs, forget an earlier load of the same file, bulk-load it."""
    clears = " ".join(f"SPARQL CLEAR GRAPH <{g}>;" for g in graphs)
    return (f"log_enable(3,1); {clears} "
            f"DELETE FROM DB.DBA.load_list WHERE ll_file = {_sql_string(str(folder / name))}; "
            f"ld_dir({_sql_string(str(folder))}, {_sql_string(name)}, "
            f"{_sql_string(LOADER_GRAPH)}); rdf_loader_run(); checkpoint; "
            "SELECT ll_state, ll_error FROM DB.DBA.load_list WHERE ll_file = "
            f"{_sql_string(str(folder / name))};")


def loaded_counts(target: Virtuoso, graphs: list[str]) -> dict[str, int]:
    """Quads per graph as Virtuoso's SPARQL endpoint counts them."""
    import httpx

    values = " ".join(f"<{g}>" for g in graphs)
    query = (f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
             "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    response = httpx.post(target.sparql, data={"query": query}, timeout=SPARQL_TIMEOUT,
                          headers={"Accept": "application/sparql-results+json"},
                          trust_env=False)
    if response.status_code != 200:
        raise PublishError(f"{target.sparql} answered {response.status_code} to the count: "
                           f"{response.text[:500]}")
    rows = response.json()["results"]["bindings"]
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


def publish(dump: Path, target: Virtuoso) -> Published:
    """Bulk-load `dump` (a build's .nq.gz) into Virtuoso and check every graph's quad count."""
    import time

    if not dump.is_file():
        raise PublishError(f"no dump at {dump}: run `kg build` (or `kg export`) first")
    expected = count_quads(dump)
    target.load_dir.mkdir(parents=True, exist_ok=True)
    copy = target.load_dir / dump.resolve().name
    if not copy.exists() or copy.stat().st_size != dump.stat().st_size:
        shutil.copyfile(dump, copy)
    started = time.perf_counter()
    out = isql(target, load_script(list(expected), target.load_dir.resolve(), copy.name))
    seconds = time.perf_counter() - started
    state = [line.split() for line in out.splitlines() if line.strip().startswith("2 ")]
    if not state or state[-1][1:] != ["NULL"]:
        raise PublishError(f"Virtuoso's bulk loader did not finish {copy.name} cleanly:\n"
                           f"{out.strip()[-2000:]}")
    verify(target, expected)
    return Published(copy, expected, seconds)


def verify(target: Virtuoso, expected: dict[str, int]) -> None:
    """PublishError unless Virtuoso holds exactly `expected` quads in each graph."""
    found = loaded_counts(target, list(expected))
    wrong = {g: (n, found.get(g, 0)) for g, n in expected.items() if found.get(g, 0) != n}
    if wrong:
        lines = "; ".join(f"<{g}>: {n} in the dump, {m} in Virtuoso" for g, (n, m) in
                          wrong.items())
        raise PublishError(f"the load does not match the dump: {lines}")
