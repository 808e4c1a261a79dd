#!/usr/bin/env bash
# The main job: set up, build the graph from seeds/ into data/store if needed, and serve it
# on http://127.0.0.1:8000/ (options and environment variables: `kg serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/kg serve "$@"
