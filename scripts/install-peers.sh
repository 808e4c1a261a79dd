#!/usr/bin/env bash
# Install the SPARQL engines `kg serve --backend` is proven against, never into .venv:
#   bench/work/venv-oxigraph   the `oxigraph` CLI from PyPI (oxigraph serve-read-only, oxigraph load)
#   virtuoso-opensource        Debian's Virtuoso 7 (virtuoso-t, isql-vt), with `--virtuoso`
# Idempotent: a second run only checks what is there. Used by bench/backends.py and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
venv=bench/work/venv-oxigraph
if [ ! -x "$venv/bin/oxigraph" ]; then
  [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check oxigraph
fi
if [ "${1:-}" = "--virtuoso" ] && ! command -v virtuoso-t >/dev/null 2>&1; then
  sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # the package asks for a DBA password through debconf; the engines we start use their own
  # database in a temporary folder, so the answers only silence the prompt
  echo "virtuoso-opensource-7 virtuoso-opensource-7/dba-password password dba" | $sudo_ debconf-set-selections
  echo "virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password dba" | $sudo_ debconf-set-selections
  $sudo_ apt-get install -y -q --no-install-recommends virtuoso-opensource >/dev/null \
    || { $sudo_ apt-get update -q >/dev/null && $sudo_ apt-get install -y -q --no-install-recommends virtuoso-opensource >/dev/null; }
fi
exit 0
