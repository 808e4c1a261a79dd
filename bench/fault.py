"""Fault: `kg build` killed with SIGKILL at random points must leave the served store intact.

1. A first build of the corpus (default: the ~100k synthetic corpus, without SHACL) into
   bench/work/fault/store; `kg serve` is started on it.
2. N times: start `kg build` on the same corpus and store, SIGKILL its process group at a random
   moment within the measured build time; then check that the store link still resolves to a
   complete build, that a fresh read-only open holds the expected number of quads, and that the
   running server still answers the same count.
3. A last build runs to completion: it must succeed, and the server must see it after a reopen.
PASS when every check holds. Leftover `*.partial` directories are reported (kg prunes them
after an hour).

    python bench/fault.py [--size 100k] [--kills 8] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from build_bench import corpus  # noqa: E402
from endpoint_bench import WORK, request, start  # noqa: E402

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def kg_build(seeds: Path, store: Path) -> subprocess.Popen:
    cmd = [str(ROOT / ".venv" / "bin" / "python"), "-m", "kg", "build", "--seeds", str(seeds),
           "--store", str(store), "--no-shacl"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def stored_quads(store: Path) -> int:
    code = ("import sys;from pathlib import Path;from kg.store import open_read_only;"
            f"print(len(open_read_only(Path({str(store)!r}))))")
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", code], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def served_quads(srv) -> int:
    status, body = request(srv, COUNT, timeout=60)
    if status != 200:
        raise RuntimeError(f"server answered {status}: {body[:300]!r}")
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="SIGKILL kg build at random points")
    p.add_argument("--size", default="100k")
    p.add_argument("--kills", type=int, default=8)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    seeds = corpus(args.size)
    store = WORK / "fault" / args.size / "store"
    checks: list[tuple[str, bool]] = []
    t0 = time.monotonic()
    first = kg_build(seeds, store)
    _, err = first.communicate()
    build_s = time.monotonic() - t0
    if first.returncode != 0:
        print(err.decode()[-2000:])
        print("FAIL (the first build failed)")
        return 1
    expected = stored_quads(store)
    print(f"first build: {build_s:.1f} s, {expected} quads in the store")
    srv = start("kg", store, f"fault-{args.size}", WORK / "logs")
    try:
        checks.append(("server answers after the first build", served_quads(srv) == expected))
        for k in range(args.kills):
            at = rng.uniform(0.05, 1.0) * build_s
            proc = kg_build(seeds, store)
            time.sleep(at)
            finished = proc.poll() is not None
            if not finished:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            link_ok = store.is_symlink() and store.resolve().is_dir() and not str(
                store.resolve()).endswith(".partial")
            fresh = stored_quads(store)
            served = served_quads(srv)
            ok = link_ok and fresh == expected and served == expected
            checks.append((f"kill {k + 1} at {at:.1f} s"
                           f"{' (build had already finished)' if finished else ''}: link "
                           f"{'ok' if link_ok else 'BROKEN'}, store {fresh}, served {served}",
                           ok))
            print(("ok  " if ok else "FAIL") + " " + checks[-1][0])
        last = kg_build(seeds, store)
        _, err = last.communicate()
        checks.append(("a full build succeeds after the kills", last.returncode == 0))
        if last.returncode != 0:
            print(err.decode()[-2000:])
        checks.append(("the store holds the same quads after it",
                       stored_quads(store) == expected))
        time.sleep(1.0)
        checks.append(("the server sees the new build", served_quads(srv) == expected))
    finally:
        srv.stop()
    partial = sorted(p.name for p in store.with_name(store.name + ".builds").glob("*.partial"))
    for name, ok in checks[-3:]:
        print(("ok  " if ok else "FAIL") + " " + name)
    print(f"leftover .partial directories (pruned by kg after 1 h): {len(partial)}")
    verdict = "PASS" if all(ok for _, ok in checks) else "FAIL"
    (WORK / f"fault-{args.size}.json").write_text(json.dumps({
        "size": args.size, "kills": args.kills, "build_s": build_s, "quads": expected,
        "checks": [{"check": n, "ok": ok} for n, ok in checks], "leftover_partial": partial,
        "verdict": verdict}, indent=2))
    print(verdict)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
