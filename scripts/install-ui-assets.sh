#!/usr/bin/env bash
# Install the query UI's front-end assets (@zazuko/yasgui) from npm into ui/node_modules, for
# offline use (`kg serve --ui-assets ui/node_modules/@zazuko/yasgui/build`) and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/../ui"
ASSETS=node_modules/@zazuko/yasgui/build
if [ -f "$ASSETS/yasgui.min.js" ] && [ -f "$ASSETS/yasgui.min.css" ]; then
  echo "UI assets present: ui/$ASSETS"
  exit 0
fi
npm ci --ignore-scripts --no-audit --no-fund
test -f "$ASSETS/yasgui.min.js"
echo "UI assets installed: ui/$ASSETS"
