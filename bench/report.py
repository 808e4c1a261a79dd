"""Write bench/results/latest.md and the PNG plots from bench/work/*.json.

Every figure is compared with the targets of issue 7; a missed target says MISSED with the
measured figure. Plots need matplotlib: run with bench/work/peers/bin/python.

    bench/work/peers/bin/python bench/report.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
SERVERS = ("kg", "oxigraph", "rdflib")
CLIENT_TIMEOUT = 15.0  # bench/endpoint_bench.py: a request over this counts as an error
LABEL = {"kg": "kg serve", "oxigraph": "oxigraph serve-read-only", "rdflib": "rdflib-endpoint"}


def load(name: str) -> dict | None:
    p = WORK / name
    return json.loads(p.read_text()) if p.exists() else None


def machine() -> list[str]:
    def run(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    mem = run("free", "-h").splitlines()
    pyver = run(str(ROOT / ".venv" / "bin" / "python"), "--version")
    pkgs = run(str(ROOT / ".venv" / "bin" / "python"), "-c",
               "from importlib.metadata import version as v;print(', '.join(f'{p} {v(p)}' for p in "
               "('pyoxigraph','rdflib','pyshacl','fastapi','uvicorn')))")
    peers = run(str(WORK / "peers" / "bin" / "python"), "-c",
                "from importlib.metadata import version as v;print(', '.join(f'{p} {v(p)}' for p "
                "in ('rdflib-endpoint','rdflib','matplotlib')))")
    oxi = run(str(WORK / "venv-oxigraph" / "bin" / "oxigraph"), "--version")
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                .splitlines() if ln.startswith("model name")), "?")
    return [f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}",
            f"- `nproc`: {os.cpu_count()} ({cpu}); kernel {platform.release()}",
            f"- memory: {mem[1] if len(mem) > 1 else '?'} (`free -h`: total used free ...)",
            f"- project venv: {pyver}; {pkgs}",
            f"- peers: {oxi or 'oxigraph ?'}; {peers}",
            "- the load generator (Python, 2 processes × threads, http.client keep-alive) runs "
            "on the same 2 cores as the server it measures: every server figure is depressed "
            "by it, the fast servers (oxigraph) most. Nothing else on the machine is stopped "
            "for the run; the guard-parse column of each \"where the time goes\" table (pure "
            "Python, the same work in every run) shows how fast the CPU was compared with "
            "other runs."]


def fmt(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**MISSED**")


def _shacl_cell(r: dict) -> str:
    """What the build's SHACL step covered, and its rate."""
    summary = r.get("shacl_summary")
    if summary is None:
        return "all" if r.get("shacl") is True else "off"
    claims = r.get("claims") or 0
    shacl_s = r["timings"].get("shacl")
    n = len(r.get("shacl_articles") or []) or r.get("articles") or 0
    if shacl_s and claims and r.get("articles"):
        rate = claims * n / r["articles"] / shacl_s
        return f"{summary.removeprefix('SHACL ')} (~{rate:.0f} claims/s)"
    return summary.removeprefix("SHACL ")


def _dnf_reason(r: dict) -> str:
    """Why a build did not finish (older results only recorded the timeout)."""
    return r.get("reason") or f"stopped after {r['killed_after_s']:.0f} s"


def _rss_note(r: dict) -> str:
    """How the soak's end RSS was taken (older results counted runaway samples too)."""
    if "rss_end_with_runaways_mb" not in r:
        return ""
    return (f"; the end is the median of the last 10 samples with no runaway in flight, "
            f"{fmt(r['rss_end_with_runaways_mb'], 0)} MB counting every sample; peak "
            f"{fmt(r['rss_max_mb'], 0)} MB")


def build_section(b: dict | None) -> list[str]:
    if not b:
        return ["(no build results)"]
    out = ["| size | articles | quads | disputes | validate s | map s | rules s | shacl s | "
           "load s | export s | wall s | triples/s | peak RSS MB | SHACL checked |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in b["builds"]:
        if r.get("dnf"):
            marks = "; ".join(m.removeprefix("step ") for m in r.get("steps", []))
            out.append(f"| {r.get('label', r['size'])} | {r.get('articles', '—')} | — | — | "
                       f"not finished: {_dnf_reason(r)} "
                       f"(steps started: {marks or r['last_step']}) ||||||||||")
            continue
        t = r["timings"]
        out.append(f"| {r.get('label', r['size'])} | {r['articles']} | {r['quads']:,} | "
                   f"{r['disputes']} | "
                   + " | ".join(fmt(t.get(k), 2) if k in t else ("skipped" if k == "shacl"
                                                                 else "—")
                                for k in ("validate", "map", "rules", "shacl", "load", "export"))
                   + f" | {fmt(r['wall_s'])} | {fmt(r['triples_per_s'], 0)} | "
                   f"{fmt(r['peak_rss_mb'], 0)} | {_shacl_cell(r)} |")
    if b.get("shacl_samples"):
        out += ["", "SHACL (pySHACL, full shapes, `advanced=True`) on samples of synthetic "
                "articles:", "", "| articles | quads | claims | SHACL s | claims/s |",
                "|---:|---:|---:|---:|---:|"]
        for s in b["shacl_samples"]:
            out.append(f"| {s['articles']} | {s['quads']:,} | {s['claims']} | "
                       f"{fmt(s['shacl_s'])} | {fmt(s['claims_per_s'])} |")
    for one_m in (r for r in b["builds"] if r["size"] == "1m"):
        ok = not one_m.get("dnf") and one_m["wall_s"] <= 60
        if one_m.get("dnf"):
            fig = f"not finished: {_dnf_reason(one_m)}"
        else:
            t = one_m["timings"]
            fig = (f"{one_m['wall_s']:.1f} s wall; its steps without SHACL and export sum to "
                   f"{sum(v for k, v in t.items() if k not in ('shacl', 'export')):.1f} s")
        out += ["", f"Target: build of the 1M-triple corpus ≤ 60 s "
                f"(`{one_m.get('label', '1m')}`): {verdict(ok)} ({fig})."]
    return out


def endpoint_section(e: dict) -> list[str]:
    runs = [r for r in e["runs"] if "skipped" not in r]
    ref = {(r["query"], r["concurrency"]): r for r in runs if r["server"] == "oxigraph"}
    out = [f"Store: `{e['size']}`; {e['duration_s']:.0f} s per run; queries: "
           + "; ".join(f"`{k}` from {v}" for k, v in e["query_sources"].items()) + ".", "",
           "| query | c | server | req/s | × oxigraph | p50 ms | p99 ms | errors | "
           "server RSS MB | server PSS MB |", "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(e["runs"], key=lambda r: (list(e["queries"]).index(r["query"]),
                                              r["concurrency"], SERVERS.index(r["server"]))):
        if "skipped" in r:
            out.append(f"| {r['query']} | {r['concurrency']} | {LABEL[r['server']]} | — | — | "
                       f"— | — | {r['skipped']} | — | — |")
            continue
        base = ref.get((r["query"], r["concurrency"]))
        ratio = r["throughput"] / base["throughput"] if base and base["throughput"] else None
        out.append(f"| {r['query']} | {r['concurrency']} | {LABEL[r['server']]} | "
                   f"{fmt(r['throughput'])} | {fmt(ratio, 2)} | {fmt(r['p50_ms'], 2)} | "
                   f"{fmt(r['p99_ms'], 1)} | {r['errors']} | {fmt(r['server_rss_mb'], 0)} | "
                   f"{fmt(r.get('server_pss_mb'), 0)} |")
    # targets
    def get(server: str, query: str, c: int) -> dict | None:
        return next((r for r in runs if r["server"] == server and r["query"] == query
                     and r["concurrency"] == c), None)

    lines = ["", "Targets (issue 7):", ""]
    kg, ox = get("kg", "point-lookup", 8), get("oxigraph", "point-lookup", 8)
    if kg and ox:
        ratio = kg["throughput"] / ox["throughput"]
        lines.append(f"- point lookup (tiny SELECT) at c=8 ≥ 0.5× oxigraph: "
                     f"{verdict(ratio >= 0.5)} ({ratio:.2f}×: {kg['throughput']:.0f} vs "
                     f"{ox['throughput']:.0f} req/s)")
    for q in ("disputes", "casualty-figures"):
        kg, ox = get("kg", q, 8), get("oxigraph", q, 8)
        if kg and ox and not ox["throughput"]:
            lines.append(f"- `{q}` at c=8 ≥ 0.9× oxigraph: not comparable (oxigraph "
                         f"answered nothing in the run, errors {ox['error_kinds']}; kg serve "
                         f"{kg['throughput']:.1f} req/s)")
        elif kg and ox:
            ratio = kg["throughput"] / ox["throughput"]
            lines.append(f"- `{q}` at c=8 ≥ 0.9× oxigraph: {verdict(ratio >= 0.9)} "
                         f"({ratio:.2f}×: {kg['throughput']:.1f} vs {ox['throughput']:.1f} req/s)")
    for q in e["queries"]:
        for c in e["concurrency"]:
            kg, rd = get("kg", q, c), get("rdflib", q, c)
            if kg and rd and rd["throughput"]:
                ratio = kg["throughput"] / rd["throughput"]
                lines.append(f"- ≥ 10× rdflib-endpoint on `{q}` at c={c}: "
                             f"{verdict(ratio >= 10)} ({ratio:.1f}×)")
            skipped = next((r for r in e["runs"] if r["server"] == "rdflib" and r["query"] == q
                            and r["concurrency"] == c and "skipped" in r), None)
            if kg and kg["throughput"] and skipped:
                lines.append(f"- ≥ 10× rdflib-endpoint on `{q}` at c={c}: met (rdflib-endpoint: "
                             f"{skipped['skipped']})")
    rd_runs = [r for r in e["runs"] if r["server"] == "rdflib"]
    if not rd_runs:
        lines.append("- ≥ 10× rdflib-endpoint: n/a (rdflib-endpoint not run on this store)")
    for q in e["queries"]:
        for c in e["concurrency"]:
            kg, rd = get("kg", q, c), get("rdflib", q, c)
            if kg and kg["throughput"] and rd and not rd["throughput"]:
                lines.append(f"- ≥ 10× rdflib-endpoint on `{q}` at c={c}: met (rdflib-endpoint "
                             f"answered nothing within {CLIENT_TIMEOUT:.0f} s; errors "
                             f"{rd['error_kinds']})")
    ip = e.get("in_process", {})
    for q, v in ip.items():
        kg = get("kg", q, 1)
        if kg and kg["p50_ms"] is None:
            lines.append(f"- endpoint overhead over in-process pyoxigraph, `{q}`, p50 ≤ 1 ms: "
                         f"**MISSED** (kg serve answered nothing at c=1 within "
                         f"{CLIENT_TIMEOUT:.0f} s, errors {kg['error_kinds']}; "
                         f"{v['p50_ms']:.2f} ms in process)")
        elif kg:
            over = kg["p50_ms"] - v["p50_ms"]
            lines.append(f"- endpoint overhead over in-process pyoxigraph, `{q}`, p50 ≤ 1 ms: "
                         f"{verdict(over <= 1.0)} ({over:.2f} ms: {kg['p50_ms']:.2f} vs "
                         f"{v['p50_ms']:.2f} ms in process)")
    kg, whole = get("kg", "disputes", 1), get("kg", "disputes-all", 1)
    if kg and kg["p50_ms"] is not None:
        tail = "" if e["size"] == "1m" else f" (measured on `{e['size']}`, not 1M)"
        beside = "" if not whole else (
            "; the whole answer, `disputes-all` (`page_size=all`): "
            + (f"{fmt(whole['p50_ms'], 1)} ms" if whole["p50_ms"] is not None
               else f"no answer within {CLIENT_TIMEOUT:.0f} s"))
        lines.append(f"- `disputes` saved query, its default page (what `/queries/disputes` "
                     f"answers), p50 ≤ 100 ms on the 1M corpus: "
                     f"{verdict(kg['p50_ms'] <= 100) if e['size'] == '1m' else 'n/a'} "
                     f"({kg['p50_ms']:.1f} ms{tail}{beside})")
    rss = max((r["server_rss_mb"] for r in runs if r["server"] == "kg"), default=None)
    pss = max((r.get("server_pss_mb") or 0 for r in runs if r["server"] == "kg"), default=0)
    if rss is not None:
        lines.append(f"- kg serve RSS ≤ 300 MB at 1M: "
                     f"{verdict(rss <= 300) if e['size'] == '1m' else 'n/a'} (max {rss:.0f} MB "
                     f"on `{e['size']}`: the RSS of the main process, its query workers, the "
                     f"forkserver and the resource tracker summed; their PSS, which counts shared "
                     f"pages "
                     f"once, peaked at {pss:.0f} MB)")
    if ip and "guard_parse_ms" in next(iter(ip.values())):
        lines += ["", "Where the time of one request goes (medians, ms; `kg serve` at c=1 over "
                  "HTTP; the guard reads a query in the main process and caches its reading, so "
                  "repeated texts skip the reading):", "",
                  "| query | result bytes | pyoxigraph in process | guard reading (uncached) | "
                  "guard (cached) | Evaluator.run | worker pool (IPC) | kg serve HTTP p50 |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for q, v in ip.items():
            kg = get("kg", q, 1)
            lines.append(f"| {q} | {v.get('bytes', 0):,} | {v['p50_ms']:.2f} | "
                         f"{v['guard_parse_ms']:.2f} | {v['guard_cached_ms']:.4f} | "
                         f"{v['evaluator_ms']:.2f} | {v['pool_ms']:.2f} | "
                         f"{fmt(kg['p50_ms'] if kg else None, 2)} |")
    prev = load(f"prev/endpoint-{e['size']}.json")
    if prev:
        what = f"commit {prev.get('commit', 'unknown')}, {prev.get('date', 'date unknown')}"
        lines += ["", "Change since the previous run (`kg serve`, before → after; the before "
                  f"figures are bench/work/prev/: {what}):", "",
                  "| query | c | req/s before | req/s after | p50 ms before | p50 ms after |",
                  "|---|---:|---:|---:|---:|---:|"]
        for q in e["queries"]:
            for c in e["concurrency"]:
                a = get("kg", q, c)
                b = next((r for r in prev["runs"] if r["server"] == "kg" and r["query"] == q
                          and r["concurrency"] == c and "skipped" not in r), None)
                if a and b:
                    lines.append(f"| {q} | {c} | {fmt(b['throughput'])} | "
                                 f"{fmt(a['throughput'])} | {fmt(b['p50_ms'], 2)} | "
                                 f"{fmt(a['p50_ms'], 2)} |")
    rows = e["servers"]
    lines += ["", "Rows per query (a sanity check that the servers agree): "
              + "; ".join(f"{LABEL[s]}: {v['rows']}" for s, v in rows.items())]
    return out + lines


def in_process_section(e: dict) -> list[str]:
    """A store measured without HTTP (no server could be run on it)."""
    out = [e.get("note", "In process only, no HTTP servers."), "",
           "| query | pyoxigraph in process ms | guard reading (uncached) ms | Evaluator.run ms | "
           "worker pool (IPC) ms |", "|---|---:|---:|---:|---:|"]
    for q, v in e["in_process"].items():
        out.append(f"| {q} | {v['p50_ms']:,.2f} | {v['guard_parse_ms']:.2f} | "
                   f"{v['evaluator_ms']:,.2f} | {v['pool_ms']:,.2f} |")
    d, whole = e["in_process"].get("disputes"), e["in_process"].get("disputes-all")
    if d and e["size"] == "1m":
        beside = (f"; the whole answer, `disputes-all`: {whole['p50_ms'] / 1000:.2f} s in "
                  f"pyoxigraph, {whole['pool_ms'] / 1000:.2f} s through the pool" if whole else "")
        out += ["", f"Target: `disputes` saved query, its default page, p50 ≤ 100 ms on the 1M "
                f"corpus: {verdict(d['pool_ms'] <= 100)} ({d['p50_ms']:.0f} ms in pyoxigraph "
                f"alone, {d['pool_ms']:.0f} ms through the worker pool; over HTTP it can "
                f"only be slower{beside})."]
    out.append("- kg serve RSS ≤ 300 MB at 1M: not measured (kg serve did not start on this "
               "store)")
    return out


def plots(build: dict | None, endpoints: list[dict]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    for e in endpoints:
        for metric, name in (("throughput", "req/s"), ("p99_ms", "p99 latency (ms)")):
            queries = list(e["queries"])
            fig, axes = plt.subplots(1, len(queries), figsize=(4 * len(queries), 3.6))
            for ax, q in zip(axes, queries, strict=True):
                for s in SERVERS:
                    pts = [(r["concurrency"], r[metric]) for r in e["runs"]
                           if r["server"] == s and r["query"] == q and "skipped" not in r
                           and r[metric] is not None]
                    if pts:
                        ax.plot(*zip(*pts, strict=True), marker="o", label=LABEL[s])
                ax.set_title(q)
                ax.set_xlabel("concurrency")
                ax.set_xscale("log", base=2)
                ax.set_yscale("log")
                ax.set_ylabel(name)
            axes[0].legend(fontsize=7)
            fig.suptitle(f"{name} by concurrency, store {e['size']} (2 cores, load generator "
                         "on the same machine)")
            fig.tight_layout()
            path = RESULTS / f"endpoint-{e['size']}-{metric.split('_')[0]}.png"
            fig.savefig(path, dpi=90)
            plt.close(fig)
            made.append(path.name)
    if build:
        done = [r for r in build["builds"] if not r.get("dnf")]
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
        xs = [r["quads"] for r in done]
        steps = ("validate", "map", "rules", "shacl", "load", "export")
        bottom = [0.0] * len(done)
        for st in steps:
            ys = [r["timings"].get(st, 0.0) for r in done]
            a1.bar([r.get("label", r["size"]) for r in done], ys, bottom=bottom, label=st)
            bottom = [b + y for b, y in zip(bottom, ys, strict=True)]
        a1.set_ylabel("seconds")
        a1.set_title("build time by step")
        a1.legend(fontsize=7)
        a2.plot(xs, [r["peak_rss_mb"] for r in done], marker="o")
        a2.set_xscale("log")
        a2.set_xlabel("quads")
        a2.set_ylabel("peak RSS (MB)")
        a2.set_title("build peak RSS by corpus size")
        dnf = [r.get("label", r["size"]) for r in build["builds"] if r.get("dnf")]
        if dnf:
            fig.suptitle(f"not finished (not plotted): {', '.join(dnf)}")
        fig.tight_layout()
        fig.savefig(RESULTS / "build.png", dpi=90)
        plt.close(fig)
        made.append("build.png")
    return made



def _runaways_on_time(r: dict) -> str:
    """How many runaways stopped on time: killed with 504, or refused 503 before they ran."""
    if "runaways_killed_504" not in r:  # a report from before refusals were told apart
        return f"{r['runaways_on_time']} answered 504"
    return (f"{r['runaways_on_time']} stopped: {r['runaways_killed_504']} killed with 504, "
            f"{r['runaways_refused_503']} refused 503 busy before running")

def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    build = load("build.json")
    endpoints = [e for e in (load(f"endpoint-{s}.json") for s in ("seed", "100k", "1m", "10m"))
                 if e]
    soak = {s: load(f"soak-{s}.json") for s in ("seed", "100k", "1m")}
    fault = {s: load(f"fault-{s}.json") for s in ("100k", "1m")}
    made = plots(build, endpoints)
    md = ["# dispute-kg benchmark results", "", "Written by `bench/report.py` from "
          "`bench/work/*.json` (run everything with `bench/run.sh`).", "", "## Machine", "",
          *machine(), "", "## Build (`kg build`, each size in its own process)", "",
          *build_section(build), ""]
    for e in endpoints:
        md += [f"## Endpoints, store `{e['size']}`", "", *endpoint_section(e), ""]
    for size in ("1m", "10m"):
        e = load(f"inprocess-{size}.json")
        if e and not any(x["size"] == size for x in endpoints):
            md += [f"## Store `{size}`: in process only", "", *in_process_section(e), ""]
    for s, r in soak.items():
        if r:
            md += [f"## Soak ({s}): {r['verdict']}", "",
                   f"{r['duration_s']:.0f} s at concurrency {r['concurrency']}, server deadline "
                   f"{r['server_timeout_s']} s: {r['ok']} answered, {r['busy_503']} × 503 busy, "
                   f"unexpected {r['unexpected_status'] or 'none'}; {r['runaways']} runaways, "
                   f"{_runaways_on_time(r)} on time (max "
                   f"{fmt(r['runaway_elapsed_max_s'])} s); p99 quiet {fmt(r['quiet_p99_ms'])} ms"
                   f", during runaways {fmt(r['during_runaway_p99_ms'])} ms; RSS "
                   f"{fmt(r['rss_start_mb'], 0)} → {fmt(r['rss_end_mb'], 0)} MB "
                   f"({100 * r['rss_growth']:+.1f} %{_rss_note(r)}).", "",
                   *[f"- {'ok' if v else '**FAILED**'}: {k}" for k, v in r["checks"].items()],
                   ""]
    for s, r in fault.items():
        if r:
            md += [f"## Fault ({s}): {r['verdict']}", "",
                   *[f"- {'ok' if c['ok'] else '**FAILED**'}: {c['check']}"
                     for c in r["checks"]], ""]
    md += ["## Plots", "", *[f"![{m}]({m})" for m in made], ""]
    (RESULTS / "latest.md").write_text("\n".join(md), encoding="utf-8")
    print(f"wrote {RESULTS / 'latest.md'} and {len(made)} plots")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
