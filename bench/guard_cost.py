"""The guard's cost per query text, before and after one reading of the query (issue 13).

Before: the rdflib check the guard ran until then, reproduced here as it was (decode the code
point escapes, rdflib's parseQuery, translatePrologue, a walk of the parse tree for SERVICE).
After: server.engine.guard.read_query (kg.sparql_lexer's tokens, the checks and the canonical text),
its cache cleared before each call. Both run in this process, one after the other, on the same
texts: `queries/disputes.rq` (the issue's yardstick), every other saved query, and a ~1 MiB
VALUES query. Medians of repeated calls; the ratio is before/after.

`--depths` also finds, in child processes, the nesting or chain length at which pyoxigraph's
parser overflows its stack (the worker dies with SIGSEGV), for the limits in server.engine.guard.

    python bench/guard_cost.py [--out bench/results/guard.md] [--depths]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.catalogue import load_catalogue  # noqa: E402
from server.engine import guard  # noqa: E402

ENDPOINT = "http://127.0.0.1:8000/sparql"
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def rdflib_check(text: str) -> tuple[str, ...]:
    """The former guard's work on one text: what it cost per request before this change."""
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    parsed = parseQuery(decoded)
    prologue = translatePrologue(parsed[0], None)
    services = []
    stack: list[Any] = [parsed[1]]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                services.append(str(prologue.absolutize(node["term"])))
            stack.extend(node.values())
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
            stack.extend(list(node))
    return tuple(services)


def lexer_check(text: str) -> guard.Reading:
    guard.clear_verdict_cache()
    return guard.read_query(text, ("https://query.wikidata.org/sparql",), ENDPOINT)


def median_ms(fn: Callable[[], object], budget: float, cap: int = 200) -> tuple[float, int]:
    """Median wall time of `fn` over up to `cap` calls (at least min(3, cap)) within about
    `budget` seconds."""
    times: list[float] = []
    end = time.perf_counter() + budget
    while len(times) < min(3, cap) or (time.perf_counter() < end and len(times) < cap):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times), len(times)


def texts() -> Iterator[tuple[str, str]]:
    catalogue = load_catalogue()
    yield "disputes", catalogue["disputes"].query
    for name, q in sorted(catalogue.items()):
        if name != "disputes":
            yield name, q.query
    values = " ".join(f"<https://w3id.org/dispute-kg/id/thing/{i:07d}>" for i in range(20_000))
    yield "values-iris-918KiB", f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?x {{ {values} }} }}"
    numbers = " ".join(str(i) for i in range(150_000))
    yield "values-numbers-917KiB", f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?x {{ {numbers} }} }}"


CRASH_CHILD = r"""
import sys, pyoxigraph as ox
kind, n = sys.argv[1], int(sys.argv[2])
q = {
  "nested groups": "SELECT * WHERE " + "{ " * n + "?s ?p ?o " + "} " * n,
  "nested FILTER EXISTS": "ASK { " + "FILTER EXISTS { " * n + "?s ?p ?o" + " }" * n + " }",
  "nested parentheses": "ASK { FILTER(" + "(" * n + "1" + ")" * n + ") }",
  "chained BIND": "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?x{i})" for i in range(n)) + " }",
  "chained UNION": "SELECT * WHERE { {}" + " UNION {}" * n + " }",
  "chained +": "SELECT (1" + " + 1" * n + " AS ?x) {}",
}[kind]
try:
    list(ox.Store().query(q))
except SyntaxError:
    pass
"""


def crashes(kind: str, n: int) -> bool:
    try:
        out = subprocess.run([sys.executable, "-c", CRASH_CHILD, kind, str(n)],
                             capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return False
    return out.returncode < 0


def crash_depth(kind: str, hi: int = 20_000) -> int | None:
    """The smallest n that kills the process, to ~2 %; None if `hi` does not."""
    if not crashes(kind, hi):
        return None
    lo = 16
    while hi - lo > max(8, lo // 50):
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if crashes(kind, mid) else (mid, hi)
    return hi


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "guard.md")
    ap.add_argument("--budget", type=float, default=3.0, help="seconds per measurement")
    ap.add_argument("--depths", action="store_true", help="find pyoxigraph's crash depths too")
    args = ap.parse_args(argv)
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    rows = []
    for name, text in texts():
        big = len(text) > 100_000
        if not big:  # (the big ones have no SERVICE; one rdflib call is all they get)
            reading = lexer_check(text)
            assert tuple(c.iri for c in reading.services) == rdflib_check(text), name
        before, n_before = median_ms(lambda t=text: rdflib_check(t), args.budget,
                                     cap=1 if big else 200)
        after, n_after = median_ms(lambda t=text: lexer_check(t), args.budget,
                                   cap=5 if big else 2000)
        guard.read_query(text, ("https://query.wikidata.org/sparql",), ENDPOINT)
        cached, _ = median_ms(lambda t=text: guard.read_query(
            t, ("https://query.wikidata.org/sparql",), ENDPOINT), 0.3, cap=2000)
        rows.append((name, len(text), before, n_before, after, n_after,
                     cached if len(text) <= guard.VERDICT_CACHE_MAX_CHARS else None))
        print(f"{name:24s} {len(text):9,d} chars  rdflib {before:9.2f} ms  "
              f"lexer {after:8.3f} ms  x{before / after:6.1f}", file=sys.stderr)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# The guard's cost per query text: rdflib (before) and one reading (after)",
        "",
        f"`python bench/guard_cost.py` at `{commit}`, {stamp}; Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores shared "
        "with other jobs. Medians of repeated "
        "calls in one process; before = the former check (escape decoding, rdflib parseQuery, "
        "translatePrologue, SERVICE walk), after = `server.engine.guard.read_query` with its cache "
        "cleared (tokens, checks and the canonical text). Both find the same SERVICE IRIs in "
        "every text (checked).",
        "",
        "| text | characters | before: rdflib ms (calls) | after: reading ms (calls) | "
        "before / after | after, cached µs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, size, before, nb, after, na, cached in rows:
        cell = f"{1000 * cached:.1f}" if cached is not None else "not cached (over 16 KiB)"
        lines.append(f"| `{name}` | {size:,} | {before:,.2f} ({nb}) | {after:,.3f} ({na}) | "
                     f"{before / after:,.0f}× | {cell} |")
    if args.depths:
        lines += ["", "Where pyoxigraph's parser overflows its stack (SIGSEGV) in a child "
                  "process with the default 8 MB stack (smallest n found, to ~2 %):", "",
                  "| construct | n | server.engine.guard's limit |", "|---|---:|---|"]
        for kind in ("nested groups", "nested FILTER EXISTS", "nested parentheses",
                     "chained BIND", "chained UNION", "chained +"):
            n = crash_depth(kind)
            limit = (f"{guard.MAX_DEPTH} brackets" if kind.startswith("nested")
                     else f"{guard.MAX_OPERATORS} operators")
            lines.append(f"| {kind} | {n if n is not None else 'none up to 20,000'} | {limit} |")
            print(f"{kind}: {n}", file=sys.stderr)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(args.out, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
