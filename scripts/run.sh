#!/usr/bin/env bash
# The main job: set up (the query UI's files included, so the query page works offline),
# build the graph from seeds/ into data/store if needed, and serve it on
# http://127.0.0.1:8000/ (options and environment variables: `kg serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install-ui-assets.sh >&2 || echo "warning: no YASGUI files; the query page offers its plain form only" >&2
exec .venv/bin/kg serve "$@"
