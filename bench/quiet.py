"""A quiet client under runaways: its latency (p50, p99) and error count, with no runaway, with
as many runaway clients as workers, and with 20 concurrent runaway clients (issue 13).

Each runaway client is a distinct peer (its own 127.0.0.x source address) sending a five-way
cross-product COUNT again as soon as it is answered (after Retry-After, capped at 2 s, when it
is told to wait). The quiet client (127.0.0.1) sends small queries one after the other. The
same phases run against this tree and, with `--before REV`, against that commit's server (its
files extracted with `git archive`, run with this venv), on the same store, in the same run.

    python bench/quiet.py [--before 69a10d7] [--duration 20] [--workers 3] [--timeout 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
           "?m ?n2 ?o . ?p ?q ?r }")
QUIET = [
    "ASK { ?s ?p ?o }",
    "SELECT ?label WHERE { <https://w3id.org/dispute-kg/id/actor/zelensky> "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?label }",
    "SELECT ?i ?label WHERE { ?i a <https://w3id.org/dispute-kg/ontology#Incident> ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 10",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(tree: Path, store: Path, args: argparse.Namespace, log: Path) -> Iterator[str]:
    """`kg serve` from the source tree `tree` on a free port; its URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPUTE_KG_")}
    env["NO_PROXY"] = "*"
    cmd = [str(PYTHON), "-m", "server.cli", "serve", "--store", str(store), "--port", str(port),
           "--log-level", "warning", "--timeout", str(args.timeout), "--workers",
           str(args.workers), "--queue-wait", "2"]
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")
            try:
                if httpx.get(url + "/sparql", params={"query": QUIET[0]}, timeout=5).is_success:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def phase(url: str, runaways: int, duration: float) -> dict:
    """Runaway clients for the phase, the quiet client measured after a 2 s start."""
    stop = threading.Event()
    answered: dict[int, int] = {}
    lock = threading.Lock()

    def runaway(address: str) -> None:
        transport = httpx.HTTPTransport(local_address=address)
        with httpx.Client(transport=transport, timeout=120) as http:
            while not stop.is_set():
                try:
                    r = http.post(url + "/sparql", data={"query": RUNAWAY})
                except httpx.HTTPError:
                    continue
                with lock:
                    answered[r.status_code] = answered.get(r.status_code, 0) + 1
                if r.status_code in (429, 503):
                    time.sleep(min(2.0, float(r.headers.get("retry-after", "1"))))

    threads = [threading.Thread(target=runaway, args=(f"127.0.0.{10 + i}",), daemon=True)
               for i in range(runaways)]
    for t in threads:
        t.start()
    if runaways:
        time.sleep(2.0)
    latencies: list[float] = []
    errors: dict[int, int] = {}
    end = time.monotonic() + duration
    i = 0
    with httpx.Client(timeout=120) as http:
        while time.monotonic() < end:
            t0 = time.perf_counter()
            r = http.get(url + "/sparql", params={"query": QUIET[i % len(QUIET)]})
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors[r.status_code] = errors.get(r.status_code, 0) + 1
            i += 1
            time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(150)
    latencies.sort()
    n = len(latencies)
    return {"n": n, "errors": errors, "p50": 1000 * latencies[n // 2],
            "p99": 1000 * latencies[min(n - 1, int(n * 0.99))], "max": 1000 * latencies[-1],
            "runaways": dict(sorted(answered.items()))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", help="a commit to measure too (its server, same store)")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds measured per phase")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "quiet.md")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="quiet-bench-"))
    try:
        sys.path.insert(0, str(ROOT))
        from kg.build import build

        store = work / "store"
        build(ROOT / "seeds", store)
        trees = [("after", ROOT)]
        if args.before:
            old = work / "before"
            old.mkdir()
            archive = subprocess.run(["git", "archive", args.before], cwd=ROOT, check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            trees.insert(0, (f"before ({args.before})", old))
        results = []
        for label, tree in trees:
            with serving(tree, store, args, work / f"{label.split()[0]}.log") as url:
                for runaways in (0, args.workers, 20):
                    r = phase(url, runaways, args.duration)
                    results.append((label, runaways, r))
                    print(f"{label:22s} runaways={runaways:2d} quiet n={r['n']} errors="
                          f"{r['errors']} p50={r['p50']:.0f} p99={r['p99']:.0f} ms "
                          f"runaways={r['runaways']}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    lines = [
        "# A quiet client under runaway clients",
        "",
        f"`python bench/quiet.py {' '.join(argv or sys.argv[1:])}` at `{commit}`, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores shared "
        f"with other jobs; the seed build; `kg serve --workers {args.workers} --timeout "
        f"{args.timeout:g} --queue-wait 2`. Each phase measures the quiet client (small "
        f"queries one after the other, 50 ms apart, for {args.duration:g} s) while the runaway "
        "clients (each its own 127.0.0.x peer, a five-way cross-product COUNT again as soon as "
        "answered) run; the runaways start 2 s before the measurement.",
        "",
        "| server | runaway clients | quiet queries | quiet errors | p50 ms | p99 ms | max ms | "
        "runaway answers |",
        "|---|---:|---:|---|---:|---:|---:|---|",
    ]
    for label, runaways, r in results:
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(r["errors"].items())) or "0"
        answers = ", ".join(f"{k}: {v}" for k, v in r["runaways"].items()) or "-"
        lines.append(f"| {label} | {runaways} | {r['n']} | {errors} | {r['p50']:,.0f} | "
                     f"{r['p99']:,.0f} | {r['max']:,.0f} | {answers} |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(args.out, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
