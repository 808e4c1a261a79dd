#!/usr/bin/env bash
# The whole test suite, browser tests included, on a fresh clone: set up, lint, test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
exec .venv/bin/pytest "$@"
