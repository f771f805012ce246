#!/usr/bin/env bash
# Migrate, load demo data, then serve the portal on http://127.0.0.1:5000 with its worker.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=portal PORTAL_ENV="${PORTAL_ENV:-development}"
BIN=.venv/bin

"$BIN/flask" db upgrade
"$BIN/flask" demo

"$BIN/flask" worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM

echo "Serving on http://127.0.0.1:5000 (Ctrl+C to stop)"
"$BIN/flask" run --host 127.0.0.1 --port "${PORT:-5000}"
