"""Soak: mixed queries at concurrency 32 against `kg serve`, with runaway queries injected.

A quiet phase (no runaways) measures the quiet p99; then, for the rest of the run, a four-way
cross-product COUNT is sent every few seconds. Reports: unexpected errors (anything but 200 on a
normal query; 503 "busy" is the server's documented load shedding and is counted apart), whether
each runaway was answered 504 within the deadline + 2 s, clients' p99 while a runaway runs vs the
quiet p99 (target ≤ 2×), and the server's RSS growth (target < 10 %). Exit status 0 on PASS.

    python bench/soak.py [--size 100k] [--duration 300] [--concurrency 32] [--timeout 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from endpoint_bench import WORK, request, start, tree_rss_mb  # noqa: E402

from queries import bench_queries  # noqa: E402

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def p99(values: list[float]) -> float | None:
    v = sorted(values)
    return 1000 * v[min(len(v) - 1, int(len(v) * 0.99))] if v else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="soak test of kg serve")
    p.add_argument("--size", default="100k")
    p.add_argument("--duration", type=float, default=300.0)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--timeout", type=float, default=5.0, help="the server's query deadline")
    p.add_argument("--queue-wait", type=float, default=2.0,
                   help="the server's wait for a free worker before 503 busy")
    p.add_argument("--every", type=float, default=4.0, help="seconds between runaways")
    p.add_argument("--quiet", type=float, default=20.0, help="seconds of quiet phase")
    p.add_argument("--server-args", default="", help="more `kg serve` options, e.g. '--workers 4'")
    args = p.parse_args(argv)
    store = WORK / "stores" / args.size / "store"
    queries, _ = bench_queries(store)
    mix = list(queries.values())
    srv = start("kg", store, args.size, WORK / "logs",
                extra=["--timeout", str(args.timeout), "--queue-wait", str(args.queue_wait),
                       *args.server_args.split()])
    t_start = time.monotonic()
    quiet_end = t_start + args.quiet
    end = t_start + args.duration
    lock = threading.Lock()
    samples: list[tuple[float, float, int]] = []  # (start, latency, status)
    failures: dict[str, int] = {}
    runaways: list[dict] = []
    # (seconds since start, RSS of the server's process tree, a runaway in flight): a runaway
    # grows its worker by ~260 MB until it is killed, and that is not growth of the server
    rss: list[tuple[float, float, bool]] = []
    in_flight = threading.Event()

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        i = k
        while time.monotonic() < end:
            q = mix[i % len(mix)]
            i += 1
            t0 = time.monotonic()
            try:
                status, _ = request(srv, q, conn=conn)
            except (OSError, http.client.HTTPException) as exc:
                status = -1
                with lock:
                    failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
            with lock:
                samples.append((t0, time.monotonic() - t0, status))

    def injector() -> None:
        while time.monotonic() < quiet_end:
            time.sleep(0.2)
        while time.monotonic() < end - args.timeout - 3:
            t0 = time.monotonic()
            in_flight.set()
            try:
                status, _ = request(srv, RUNAWAY, timeout=args.timeout + 30)
            except (OSError, http.client.HTTPException) as exc:
                status = -1
                failures["runaway " + type(exc).__name__] = 1
            finally:
                in_flight.clear()
            elapsed = time.monotonic() - t0
            # Killed at the deadline, or refused as busy before it ever ran: either way it
            # stopped costing CPU on time.
            killed = status == 504 and elapsed <= args.timeout + 2
            refused = status == 503 and elapsed <= args.queue_wait + 2
            runaways.append({"start": t0, "elapsed": elapsed, "status": status,
                             "killed": killed, "refused": refused, "on_time": killed or refused})
            time.sleep(max(0.0, args.every - elapsed))

    def sampler() -> None:
        while time.monotonic() < end:
            busy_now = in_flight.is_set()
            rss.append((time.monotonic() - t_start, tree_rss_mb(srv.proc.pid),
                        busy_now or in_flight.is_set()))
            time.sleep(1.0)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(args.concurrency)]
    threads += [threading.Thread(target=injector), threading.Thread(target=sampler)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        srv.stop()

    ok = [s for s in samples if s[2] == 200]
    busy = sum(1 for s in samples if s[2] == 503)
    unexpected = {}
    for s in samples:
        if s[2] not in (200, 503):
            unexpected[str(s[2])] = unexpected.get(str(s[2]), 0) + 1
    quiet = [lat for t0, lat, st in ok if t0 < quiet_end]
    windows = [(r["start"], r["start"] + r["elapsed"]) for r in runaways]
    during = [lat for t0, lat, st in ok if t0 >= quiet_end
              and any(a <= t0 <= b for a, b in windows)]
    warm = [m for t, m, _ in rss if t >= args.quiet / 2][:10]
    last = [m for t, m, running in rss if not running and t >= args.quiet][-10:]
    rss_start = statistics.median(warm) if warm else 0.0
    rss_end = statistics.median(last) if last else 0.0
    with_runaways = statistics.median([m for _, m, _ in rss][-10:]) if rss else 0.0
    growth = (rss_end - rss_start) / rss_start if rss_start else 0.0
    quiet_p99, during_p99 = p99(quiet), p99(during)
    checks = {
        "no unexpected errors": not unexpected and not failures,
        "every runaway killed (504) within deadline + 2 s or refused busy (503) unrun":
        bool(runaways) and all(r["on_time"] for r in runaways),
        "RSS growth under 10 %": growth < 0.10,
        "p99 during runaways at most 2x quiet p99": bool(quiet_p99 and during_p99)
        and during_p99 <= 2 * quiet_p99,
    }
    report = {
        "size": args.size, "duration_s": args.duration, "concurrency": args.concurrency,
        "server_timeout_s": args.timeout, "requests": len(samples), "ok": len(ok),
        "busy_503": busy, "unexpected_status": unexpected, "client_exceptions": failures,
        "throughput": len(ok) / args.duration, "runaways": len(runaways),
        "runaways_on_time": sum(r["on_time"] for r in runaways),
        "runaways_killed_504": sum(r["killed"] for r in runaways),
        "runaways_refused_503": sum(r["refused"] for r in runaways),
        "runaway_elapsed_max_s": max((r["elapsed"] for r in runaways), default=None),
        "runaway_statuses": sorted({r["status"] for r in runaways}),
        "quiet_p99_ms": quiet_p99, "during_runaway_p99_ms": during_p99,
        "rss_start_mb": rss_start, "rss_end_mb": rss_end, "rss_growth": growth,
        "rss_max_mb": max((m for _, m, _ in rss), default=None),
        "rss_end_with_runaways_mb": with_runaways,
        "rss_samples_during_runaways": sum(1 for *_, running in rss if running),
        "rss_samples": len(rss),
        "checks": checks, "verdict": "PASS" if all(checks.values()) else "FAIL",
    }
    out = WORK / f"soak-{args.size}.json"
    out.write_text(json.dumps(report, indent=2))
    for k, v in report.items():
        if k != "checks":
            print(f"{k}: {v}")
    for k, v in checks.items():
        print(f"  [{'ok' if v else 'FAILED'}] {k}")
    print(report["verdict"])
    return 0 if report["verdict"] == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
