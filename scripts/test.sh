#!/usr/bin/env bash
# The whole test suite, browser tests included, on a fresh clone: set up, lint, type-check
# (kg and server, configured in pyproject.toml), test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/pytest "$@"
