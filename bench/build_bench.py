"""Build benchmark: wall time, triples/s and peak RSS of `kg build` at each corpus size.

Each size is built in its own child process (so `ru_maxrss` is that build's peak), by the real
`kg.build.build` with its `progress` callback and `report.timings`: validate (read YAML + models),
map (anchor quotes + map to RDF), rules, shacl, load (bulk load + optimize into a new store,
swapped in atomically), export (the dumps `kg build` writes, rendered from the in-memory dataset).

SHACL: pySHACL runs at about 9 claims/s on these articles (its `sh:sparql` constraints), so the
full check (`kg build`'s default, `--shacl all`) runs on the seed only; the synthetic sizes build
with `--shacl sample:N` (`--shacl-sample`, default 3 articles chosen deterministically, plus the
ontology and the derived quads about them): the `shacl` step is the cost of that sample, and the
JSON records what it covered. `--shacl-samples 3,10,30` additionally times full checks of small
synthetic corpora (claims/s), as the previous run did.

    python bench/build_bench.py --sizes seed,100k,1m [--out bench/work/build.json] [--stores DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SIZES = {"seed": None, "100k": 1e5, "1m": 1e6, "10m": 1e7}
SHACL_FULL_LIMIT = 5_000  # quads: above this the full SHACL check is not run in the benchmark


def corpus(size: str) -> Path:
    """The seeds folder of a size (generated on first use)."""
    if size == "seed":
        return ROOT / "seeds"
    from synth import articles_for, synth

    folder = WORK / "corpora" / size
    n = articles_for(SIZES[size])
    stamp = folder / ".complete"
    if not (stamp.exists() and stamp.read_text() == str(n)):
        synth(folder, articles=n)
        stamp.write_text(str(n))
    return folder


def store_for(size: str, stores: Path = WORK / "stores") -> Path:
    return stores / size / "store"


def _child(seeds: str, store: str, shacl: str, dumps: bool) -> None:
    """Run one build in this (fresh) process and print its measurements as JSON."""
    from kg.build import build

    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    def progress(name: str) -> None:
        marks.append((name, time.perf_counter() - start))
        print(f"step {name} at {marks[-1][1]:.1f} s", file=sys.stderr, flush=True)

    report = build(Path(seeds), Path(store), shacl=shacl, dumps=dumps, progress=progress)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    claims = sum(1 for q in report.quads if q.predicate.value.endswith("#type")
                 and q.object.value.endswith("#Claim"))
    sh = report.shacl
    print(json.dumps({
        "articles": len(report.articles), "quads": len(report.quads), "claims": claims,
        "disputes": sum(r.disputes for r in report.rules), "wall_s": wall,
        "timings": report.timings, "peak_rss_mb": usage.ru_maxrss / 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime, "shacl": shacl, "dumps": dumps,
        "shacl_summary": report.shacl_summary(),
        "shacl_articles": list(sh.articles) if sh else [],
        "shacl_quads": sh.quads if sh else 0,
    }))


def _not_finished(size: str, stderr: str, reason: str, **extra: float | None) -> dict:
    steps = [ln for ln in stderr.splitlines() if ln.startswith("step ")]
    return {"size": size, "dnf": True, "reason": reason, **extra,
            "last_step": steps[-1] if steps else "validate", "steps": steps}


def run_build(size: str, shacl: str, dumps: bool = True, timeout: float | None = None,
              stores: Path = WORK / "stores") -> dict:
    seeds, store = corpus(size), store_for(size, stores)
    store.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, __file__, "--child", str(seeds), str(store), shacl,
           "--dumps" if dumps else "--no-dumps"]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return _not_finished(size, err, f"stopped after {timeout:.0f} s",
                             killed_after_s=timeout)
    if proc.returncode < 0:
        # killed by a signal, most likely the kernel's OOM killer (SIGKILL) on a large size:
        # a measurement to report, not a reason to lose the other sizes' results
        name = signal.Signals(-proc.returncode).name
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return _not_finished(size, proc.stderr, f"killed by {name}{hint} after "
                             f"{time.perf_counter() - t0:.0f} s")
    if proc.returncode != 0:
        raise RuntimeError(f"build of {size} failed:\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update(size=size, process_wall_s=time.perf_counter() - t0, store=str(store))
    t = result["timings"]
    result["triples_per_s"] = result["quads"] / result["wall_s"]
    result["build_s_without_shacl_export"] = sum(
        v for k, v in t.items() if k not in ("shacl", "export"))
    return result


def shacl_samples(counts: tuple[int, ...] = (3, 10, 30)) -> list[dict]:
    """Time the SHACL step alone (compile_graph with and without it) on small synthetic corpora."""
    from synth import synth

    out = []
    for n in counts:
        folder = WORK / "corpora" / f"shacl-sample-{n}"
        synth(folder, articles=n)
        code = (
            "import json,sys,time;from pathlib import Path;from kg.build import compile_graph;"
            f"r=compile_graph(Path({str(folder)!r}),shacl=True);"
            "c=sum(1 for q in r.quads if q.object.value.endswith('#Claim') and "
            "q.predicate.value.endswith('#type'));"
            "print(json.dumps({'quads':len(r.quads),'claims':c,'shacl_s':r.timings['shacl']}))"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=ROOT, check=False)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-3000:])
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        row.update(articles=n, claims_per_s=row["claims"] / row["shacl_s"],
                   quads_per_s=row["quads"] / row["shacl_s"])
        out.append(row)
        print(f"shacl sample {n} articles: {row['quads']} quads, {row['claims']} claims, "
              f"{row['shacl_s']:.1f} s ({row['claims_per_s']:.1f} claims/s)", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        _child(argv[1], argv[2], argv[3], argv[4] == "--dumps")
        return 0
    p = argparse.ArgumentParser(description="build benchmark")
    p.add_argument("--sizes", default="seed,100k", help="comma-separated: seed,100k,1m,10m")
    p.add_argument("--out", type=Path, default=WORK / "build.json")
    p.add_argument("--shacl-sample", type=int, default=3,
                   help="articles in the SHACL sample of the synthetic sizes (the seed: all)")
    p.add_argument("--shacl-samples", default="",
                   help="also time full SHACL on small synthetic corpora, e.g. 3,10,30")
    p.add_argument("--no-dumps", action="store_true",
                   help="build without writing the dumps (the export step), e.g. to time the "
                   "rest of a size whose export does not finish")
    p.add_argument("--stores", type=Path, default=WORK / "stores",
                   help="where to build (SIZE/store, dumps beside it), e.g. a /tmp folder to "
                   "leave the benchmark stores as they are")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds before a build is "
                   "stopped and reported as not finished")
    args = p.parse_args(argv)
    results = {"builds": [], "shacl_samples": []}
    if args.out.exists():
        results = json.loads(args.out.read_text())
        results.setdefault("builds", [])
    for size in args.sizes.split(","):
        size = size.strip()
        print(f"[build] {size}: generating/locating corpus", file=sys.stderr)
        seeds = corpus(size)
        # The seed gets the full SHACL check (`kg build`'s default); the others a sample.
        shacl = "all" if size == "seed" else f"sample:{args.shacl_sample}"
        r = run_build(size, shacl=shacl, dumps=not args.no_dumps, timeout=args.timeout,
                      stores=args.stores)
        key = size if not args.no_dumps else f"{size} (no dumps)"
        r["seeds"] = os.path.relpath(seeds, ROOT)
        r["label"] = key
        results["builds"] = [b for b in results["builds"]
                             if b.get("label", b["size"]) != key] + [r]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))
        if r.get("dnf"):
            print(f"[build] {size}: NOT FINISHED, {r['reason']} ({r['last_step']})",
                  file=sys.stderr)
            continue
        t = r["timings"]
        print(f"[build] {size}: {r['articles']} articles, {r['quads']} quads, "
              f"{r['disputes']} disputes, wall {r['wall_s']:.1f} s, "
              + ", ".join(f"{k} {v:.1f}s" for k, v in t.items())
              + f", peak RSS {r['peak_rss_mb']:.0f} MB", file=sys.stderr)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))
    if args.shacl_samples:
        counts = tuple(int(c) for c in args.shacl_samples.split(",") if c)
        results["shacl_samples"] = shacl_samples(counts)
        args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
