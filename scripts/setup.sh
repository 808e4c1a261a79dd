#!/usr/bin/env bash
# Set up a fresh clone: a virtual environment in .venv with the project installed.
# `scripts/setup.sh --test` also installs the test tools, Debian's Chromium and the query-UI
# assets the browser tests use, and a JRE for the OWL 2 DL reasoner test. Idempotent: a second
# run only checks what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "dispute-kg needs Python 3.11 or newer (found $("$PYTHON" --version))" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
extra=""; [ "${1:-}" = "--test" ] && extra="[test]"
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)${extra:+-test}"
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -e ".${extra}"
  touch "$stamp"
fi
if [ -n "$extra" ]; then
  bash scripts/install-browser.sh
  bash scripts/install-ui-assets.sh
  bash scripts/install-peers.sh --virtuoso   # the engines `kg serve --backend` is tested on
  # HermiT (tests/test_reasoning.py, through owlready2) needs a JRE: Debian's, like Chromium
  if ! command -v java >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
      --no-install-recommends default-jre-headless
  fi
fi
exit 0
