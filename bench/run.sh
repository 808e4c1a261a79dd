#!/usr/bin/env bash
# Run every benchmark on a fresh machine and write bench/results/latest.md and the plots.
#   bench/run.sh           seed and ~100k corpora (and ~1M, bounded by BUILD_TIMEOUT)
#   bench/run.sh --full    adds the ~10M corpus
# Peers are installed into their own venvs under bench/work/ (git-ignored), never into .venv:
#   bench/work/venv-oxigraph  the `oxigraph` CLI (oxigraph serve-read-only)
#   bench/work/peers          rdflib-endpoint, and matplotlib for the plots
# Soak and fault tests run separately: bench/soak.py, bench/fault.py (each prints PASS/FAIL);
# then run bench/report.py again (as below) to add them to latest.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
SIZES="seed,100k,1m"; TIMEOUT=900
# a build past BUILD_TIMEOUT seconds is stopped and reported as not finished
if [ "${1:-}" = "--full" ]; then SIZES="$SIZES,10m"; TIMEOUT=3600; fi
BUILD_TIMEOUT="${BUILD_TIMEOUT:-$TIMEOUT}"
DURATION="${DURATION:-3}"
bash scripts/setup.sh
mkdir -p bench/work bench/results
pip_install() {  # venv, packages...
  local venv="$1"; shift
  [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"
  local stamp="$venv/.installed-$(echo "$*" | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
    touch "$stamp"
  fi
}
pip_install bench/work/venv-oxigraph oxigraph
pip_install bench/work/peers "rdflib-endpoint[cli]" matplotlib  # [cli]: its command needs click, uvicorn
# the previous run's endpoint figures become the "before" of the report's change table
if compgen -G "bench/work/endpoint-*.json" >/dev/null; then
  rm -rf bench/work/prev && mkdir -p bench/work/prev && cp bench/work/endpoint-*.json bench/work/prev/
fi
.venv/bin/python bench/build_bench.py --sizes "$SIZES" --timeout "$BUILD_TIMEOUT"
for size in ${SIZES//,/ }; do
  if [ -e "bench/work/stores/$size/store" ] \
     && .venv/bin/python -c "import json,sys; b=[x for x in json.load(open('bench/work/build.json'))['builds'] if x['size']=='$size']; sys.exit(0 if b and not b[0].get('dnf') else 1)"; then
    # every query at every size (the shared-triple fix made the saved dispute queries scale);
    # the 10M store is built on demand only and not served here
    [ "$size" = "10m" ] && continue
    .venv/bin/python bench/endpoint_bench.py --size "$size" --duration "$DURATION"
  else
    echo "no finished build for $size: endpoint benchmark skipped" >&2
  fi
done
bench/work/peers/bin/python bench/report.py
