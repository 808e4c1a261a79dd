"""Endpoint benchmark: the same store and the same queries against three servers.

- `kg serve` (this project: FastAPI + killable pyoxigraph worker processes), default options;
- `oxigraph serve-read-only --union-default-graph` (the Rust server of the same on-disk store,
  from the PyPI package `oxigraph`, installed in bench/work/venv-oxigraph): the reference, 1.0×;
- `rdflib-endpoint serve dump.nq` (rdflib, in-memory, loaded from the build's N-Quads dump;
  installed in bench/work/peers).

Queries (bench/queries.py): a point lookup, the `disputes` and `casualty-figures` saved queries
(queries/*.rq with `?lang` bound by VALUES, the incident parameter left open: every incident;
`disputes` is its default page, `disputes-all` its whole answer), a join of denials against
assertions, and a text FILTER. Each (server, query, concurrency) runs
for a bounded time on loopback; the load generator is Python (processes × threads, http.client
keep-alive) and runs on the same 2-core machine as the server, so it competes with it for CPU.

    python bench/endpoint_bench.py --size 100k [--duration 3] [--servers kg,oxigraph,rdflib]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from queries import bench_queries  # noqa: E402

OXIGRAPH = WORK / "venv-oxigraph" / "bin" / "oxigraph"
RDFLIB_ENDPOINT = WORK / "peers" / "bin" / "rdflib-endpoint"
CONCURRENCY = (1, 8, 32)
CLIENT_TIMEOUT = 15.0  # seconds a request may take before the client counts it as an error


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> set[int]:
    """A process and all its descendants."""
    pids, frontier = {pid}, [pid]
    while frontier:
        p = frontier.pop()
        with contextlib.suppress(OSError):
            for child in Path(f"/proc/{p}/task/{p}/children").read_text().split():
                if int(child) not in pids:
                    pids.add(int(child))
                    frontier.append(int(child))
    return pids


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (MB): the sum of their RSS, which
    counts a page shared by several processes (forked workers, the mapped store) once each."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * os.sysconf(
                "SC_PAGE_SIZE")
    return total / 2**20


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process tree (MB): shared pages split between their users,
    so the sum is the memory the tree really holds."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError, ValueError, StopIteration):
            line = next(x for x in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines()
                        if x.startswith("Pss:"))
            total += int(line.split()[1]) * 1024
    return total / 2**20


@dataclass
class Running:
    name: str
    proc: subprocess.Popen
    port: int
    path: str  # the SPARQL query path
    log: Path

    def stop(self) -> None:
        stop_group(self.proc)


def stop_group(proc: subprocess.Popen, grace: float = 10) -> None:
    """Stop a process started in its own group: TERM, then KILL what is left of the group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def start(name: str, store: Path, size: str, log_dir: Path,
          extra: list[str] | None = None) -> Running:
    """Start one server on a free loopback port and wait until it answers a query."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPUTE_KG_")}
    env["NO_PROXY"] = "*"
    # the load generator is one client (one address) standing for many: kg serve's per-client
    # limits (5 queries at once, 60 s of query time a minute) are lifted for it
    env["DISPUTE_KG_CLIENT_CONCURRENCY"] = "100000"
    env["DISPUTE_KG_CLIENT_SECONDS"] = "1e9"
    if name == "kg":
        cmd = [str(ROOT / ".venv" / "bin" / "python"), "-m", "server.web.cli", "serve",
               "--store", str(store), "--port", str(port), "--log-level", "warning",
               *(extra or [])]
        path = "/sparql"
    elif name == "oxigraph":
        cmd = [str(OXIGRAPH), "serve-read-only", "--location", str(store.resolve()),
               "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
        path = "/query"
    elif name == "rdflib":
        dump = nquads_dump(store, size)
        cmd = [str(RDFLIB_ENDPOINT), "serve", str(dump), "--host", "127.0.0.1",
               "--port", str(port)]
        path = "/"
    else:
        raise ValueError(name)
    log = log_dir / f"{name}-{size}.log"
    fh = log.open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    srv = Running(name, proc, port, path, log)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _ = request(srv, "ASK { ?s ?p ?o }", timeout=5)
            if status == 200:
                return srv
        time.sleep(0.3)
    srv.stop()
    raise RuntimeError(f"{name} did not start")


def nquads_dump(store: Path, size: str) -> Path:
    """The build's N-Quads dump, decompressed for rdflib-endpoint (which picks by extension).

    Without dumps (a build run with --no-dumps), the store itself is dumped as N-Quads.
    """
    target = WORK / "dumps" / f"{size}.nq"
    source = store.parent / "dumps" / "latest-dispute-kg.nq.gz"
    stamp = (store.resolve().name + "\n").encode()
    marker = target.with_suffix(".build")
    if target.exists() and marker.exists() and marker.read_bytes() == stamp:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.exists() and source.resolve().stat().st_mtime >= store.resolve().stat().st_mtime:
        with gzip.open(source, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        import pyoxigraph as ox

        from kg.store import open_read_only

        open_read_only(store).dump(str(target), format=ox.RdfFormat.N_QUADS)
    marker.write_bytes(stamp)
    return target


def request(srv: Running, query: str, timeout: float = CLIENT_TIMEOUT,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    try:
        body = urllib.parse.urlencode({"query": query})
        conn.request("POST", srv.path, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        if own:
            conn.close()


def _client(port: int, path: str, query: str, threads: int, duration: float,
            out: mp.Queue) -> None:
    """One load-generator process: `threads` keep-alive clients for `duration` seconds."""
    srv = Running("", None, port, path, Path())  # type: ignore[arg-type]
    stop_at = time.monotonic() + duration
    lat: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()

    def loop() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        mine, errs = [], {}
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                status, _ = request(srv, query, conn=conn)
                if status == 200:
                    mine.append(time.perf_counter() - t0)
                else:
                    errs[str(status)] = errs.get(str(status), 0) + 1
            except (OSError, http.client.HTTPException) as exc:
                errs[type(exc).__name__] = errs.get(type(exc).__name__, 0) + 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        conn.close()
        with lock:
            lat.extend(mine)
            for k, v in errs.items():
                errors[k] = errors.get(k, 0) + v

    ts = [threading.Thread(target=loop) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.put((lat, errors))


def load(srv: Running, query: str, concurrency: int, duration: float) -> dict:
    """Run `concurrency` clients for `duration` s; throughput, latency percentiles, errors."""
    procs_n = min(concurrency, 2)  # two cores: two client processes, threads inside
    ctx = mp.get_context("fork")
    q: mp.Queue = ctx.Queue()
    procs = []
    for k in range(procs_n):
        threads = concurrency // procs_n + (1 if k < concurrency % procs_n else 0)
        p = ctx.Process(target=_client, args=(srv.port, srv.path, query, threads, duration, q))
        p.start()
        procs.append(p)
    rss_peak = pss_peak = 0.0
    t0 = time.monotonic()
    results = []
    while len(results) < procs_n:
        with contextlib.suppress(Exception):
            results.append(q.get(timeout=0.25))
            continue
        rss_peak = max(rss_peak, tree_rss_mb(srv.proc.pid))
        pss_peak = max(pss_peak, tree_pss_mb(srv.proc.pid))
    elapsed = time.monotonic() - t0
    for p in procs:
        p.join()
    rss_peak = max(rss_peak, tree_rss_mb(srv.proc.pid))
    pss_peak = max(pss_peak, tree_pss_mb(srv.proc.pid))
    lat = sorted(x for r in results for x in r[0])
    errors: dict[str, int] = {}
    for r in results:
        for k, v in r[1].items():
            errors[k] = errors.get(k, 0) + v
    n = len(lat)
    return {
        "ok": n, "errors": sum(errors.values()), "error_kinds": errors,
        "elapsed_s": elapsed, "throughput": n / elapsed if elapsed else 0.0,
        "p50_ms": 1000 * lat[n // 2] if n else None,
        "p99_ms": 1000 * lat[min(n - 1, int(n * 0.99))] if n else None,
        "mean_ms": 1000 * statistics.fmean(lat) if n else None,
        "server_rss_mb": rss_peak,
        "server_pss_mb": pss_peak,
    }


def rows(body: bytes) -> int | None:
    try:
        return len(json.loads(body)["results"]["bindings"])
    except (ValueError, KeyError, TypeError):
        return None


def _median_ms(fn: object, repeat: float, cap: int = 2000) -> tuple[float, int]:
    """Median wall time of `fn()` over `repeat` seconds (at least 3 runs, at most `cap`)."""
    lat: list[float] = []
    stop = time.monotonic() + repeat
    while (time.monotonic() < stop or len(lat) < 3) and len(lat) < cap:
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        lat.append(time.perf_counter() - t0)
    lat.sort()
    return 1000 * lat[len(lat) // 2], len(lat)


ENDPOINT = "http://127.0.0.1:8000/sparql"  # the base of relative IRIs (there are none)


def in_process(store: Path, queries: dict[str, str], repeat: float = 2.0) -> dict:
    """Per query, without HTTP: where the time of one request goes.

    - `p50_ms`: pyoxigraph in this process, query + native JSON serialisation;
    - `guard_parse_ms`: server.engine.guard's reading and policy (kg.sparql_lexer tokens, checks and
      the canonical text; reading cache cleared each time: the cost of a text not seen before);
    - `guard_cached_ms`: the same reading answered from the cache;
    - `evaluator_ms`: server.engine.evaluate.Evaluator.run of the canonical text (store-reopen
      check, query, serialise into the capped buffer), in this process;
    - `pool_ms`: WorkerPool.execute with one worker process, on an event loop (adds the pipe IPC
      of the task and the result bytes, and the deadline / memory polling), no HTTP.
    """
    import asyncio
    import io

    import pyoxigraph as ox

    from kg.store import open_read_only
    from server.engine.evaluate import Evaluator, Job, Task
    from server.engine.guard import clear_verdict_cache, read_query
    from server.engine.workers import WorkerPool

    db = open_read_only(store)
    evaluator = Evaluator(store)
    pool = WorkerPool(store, 1, 2048, 2.0)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(pool.start())
    out = {}
    try:
        for name, text in queries.items():
            buf = io.BytesIO()

            def run(text: str = text) -> None:
                nonlocal buf
                buf = io.BytesIO()
                db.query(text, use_default_graph_as_union=True).serialize(
                    buf, format=ox.QueryResultsFormat.JSON)

            def parse(text: str = text) -> None:
                clear_verdict_cache()
                read_query(text, (), ENDPOINT)

            job = Task.of(read_query(text, (), ENDPOINT), Job(query=text))
            p50, runs = _median_ms(run, repeat)
            parse_ms, _ = _median_ms(parse, min(repeat, 1.0), cap=50)
            read_query(text, (), ENDPOINT)
            cached_ms, _ = _median_ms(lambda text=text: read_query(text, (), ENDPOINT), 0.2)
            evaluator_ms, _ = _median_ms(lambda job=job: evaluator.run(job), repeat / 2)
            pool_ms, _ = _median_ms(
                lambda job=job: loop.run_until_complete(pool.execute(job, 60)), repeat / 2)
            out[name] = {"p50_ms": p50, "runs": runs, "rows": rows(buf.getvalue()),
                         "bytes": len(buf.getvalue()), "guard_parse_ms": parse_ms,
                         "guard_cached_ms": cached_ms, "evaluator_ms": evaluator_ms,
                         "pool_ms": pool_ms}
            print(f"[in-process] {name:18s} query {p50:8.2f} ms, guard parse {parse_ms:7.2f} "
                  f"ms / cached {1000 * cached_ms:6.1f} µs, evaluator {evaluator_ms:8.2f} ms, "
                  f"pool {pool_ms:8.2f} ms", file=sys.stderr)
    finally:
        loop.run_until_complete(pool.close())
        loop.close()
    return out


def git_commit() -> str:
    """The commit the benchmark ran on (`-dirty` with uncommitted changes), for before/after."""
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="endpoint benchmark")
    p.add_argument("--size", default="100k")
    p.add_argument("--servers", default="kg,oxigraph,rdflib")
    p.add_argument("--duration", type=float, default=3.0, help="seconds per run")
    p.add_argument("--concurrency", default="1,8,32")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--queries", default="", help="comma-separated subset of the query names")
    p.add_argument("--in-process-only", action="store_true",
                   help="only the in-process breakdown, no servers (e.g. a store `kg serve` "
                   "cannot start on)")
    args = p.parse_args(argv)
    store = WORK / "stores" / args.size / "store"
    if not store.exists():
        raise SystemExit(f"no store at {store}: run bench/build_bench.py --sizes {args.size}")
    out = args.out or WORK / f"endpoint-{args.size}.json"
    queries, sources = bench_queries(store)
    if args.queries:
        keep = args.queries.split(",")
        queries = {k: v for k, v in queries.items() if k in keep}
        sources = {k: v for k, v in sources.items() if k in keep}
    conc = [int(c) for c in args.concurrency.split(",")]
    result: dict = {"size": args.size, "commit": git_commit(),
                    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                    "duration_s": args.duration, "concurrency": conc,
                    "query_sources": sources, "queries": queries, "runs": [],
                    "in_process": in_process(store, queries), "servers": {}}
    log_dir = WORK / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    if args.in_process_only:
        result["in_process_only"] = True
        out.with_name(f"inprocess-{args.size}.json").write_text(json.dumps(result, indent=2))
        return 0
    for name in args.servers.split(","):
        t0 = time.monotonic()
        srv = start(name, store, args.size, log_dir)
        info = {"startup_s": time.monotonic() - t0, "idle_rss_mb": tree_rss_mb(srv.proc.pid),
                "idle_pss_mb": tree_pss_mb(srv.proc.pid),
                "rows": {}}
        print(f"[endpoint] {name} up in {info['startup_s']:.1f} s, "
              f"RSS {info['idle_rss_mb']:.0f} MB", file=sys.stderr)
        try:
            for qname, text in queries.items():
                try:
                    status, body = request(srv, text, timeout=60)
                    info["rows"][qname] = rows(body) if status == 200 else f"HTTP {status}"
                except (OSError, http.client.HTTPException) as exc:
                    info["rows"][qname] = f"{type(exc).__name__} (> 60 s)"
                    # a server that cannot cancel keeps computing: restart it for the next query
                    srv.stop()
                    srv = start(name, store, args.size, log_dir)
                    for c in conc:
                        result["runs"].append({"server": name, "query": qname, "concurrency": c,
                                               "skipped": "first request over 60 s"})
                    continue
                for c in conc:
                    r = load(srv, text, c, args.duration)
                    r.update(server=name, query=qname, concurrency=c)
                    result["runs"].append(r)
                    print(f"[endpoint] {name:9s} {qname:18s} c={c:<3d} "
                          f"{r['throughput']:8.1f} req/s p50 {r['p50_ms'] or 0:8.1f} ms "
                          f"p99 {r['p99_ms'] or 0:8.1f} ms err {r['errors']} "
                          f"RSS {r['server_rss_mb']:.0f} MB", file=sys.stderr)
                    if r["errors"] and r["ok"] == 0 and "timeout" in str(r["error_kinds"]):
                        srv.stop()
                        srv = start(name, store, args.size, log_dir)
        finally:
            srv.stop()
        result["servers"][name] = info
        out.write_text(json.dumps(result, indent=2))
    out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
