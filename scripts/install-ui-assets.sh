#!/usr/bin/env bash
# Install the query UI's front-end assets (@zazuko/yasgui, pinned in ui/package-lock.json) from
# npm into ui/node_modules, where `kg serve` serves them from by default: the query page then
# works offline. Installs Debian's npm first if it is missing. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../ui"
ASSETS=node_modules/@zazuko/yasgui/build
if [ -f "$ASSETS/yasgui.min.js" ] && [ -f "$ASSETS/yasgui.min.css" ]; then
  echo "UI assets present: ui/$ASSETS"
  exit 0
fi
if ! command -v npm >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends npm
fi
npm ci --ignore-scripts --no-audit --no-fund
test -f "$ASSETS/yasgui.min.js"
echo "UI assets installed: ui/$ASSETS"
