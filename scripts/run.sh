#!/usr/bin/env bash
# Migrate, load demo data, then serve the portal on http://127.0.0.1:5000 with its worker and
# scheduler.
# The demo feeds are served offline from copies (flask demo-feeds serve) unless ONLINE_FEEDS=1,
# when the worker fetches them from their real addresses on the internet.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=portal PORTAL_ENV="${PORTAL_ENV:-development}"
# Links in emails and feeds point here; requests for any other host get 400.
export PUBLIC_URL="${PUBLIC_URL:-http://127.0.0.1:${PORT:-5000}}"
export TRUSTED_HOSTS="${TRUSTED_HOSTS:-127.0.0.1,localhost}"
# The NHS fonts load from https://assets.nhs.uk; offline, every page would wait for them.
export NHSUK_FONTS="${NHSUK_FONTS:-system}"
BIN=.venv/bin

"$BIN/flask" db upgrade
"$BIN/flask" demo

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
if [ "${ONLINE_FEEDS:-0}" != "1" ] && [ -z "${DEMO_FEED_MIRROR:-}" ]; then
  mirror_port="${DEMO_FEED_PORT:-5081}"
  "$BIN/flask" demo-feeds serve --port "$mirror_port" &
  pids+=($!)
  export DEMO_FEED_MIRROR="http://127.0.0.1:$mirror_port"
  # the worker scans the demo feeds at once: let the mirror listen first
  for _ in $(seq 1 50); do
    (: <"/dev/tcp/127.0.0.1/$mirror_port") 2>/dev/null && break
    sleep 0.1
  done
fi

# Background tasks: one worker and the scheduler, on a SQLite file in instance/ as their
# queue (TASK_BROKER_URL; in production, Redis: see the README's "Running in production").
# Threads, not processes: Ctrl+C reaches every process of the group at once, and a pool
# process killed while holding its queue lock would leave the worker unable to exit.
"$BIN/flask" worker --pool threads --concurrency 4 &
pids+=($!)
"$BIN/flask" scheduler &
pids+=($!)

echo "Serving on http://127.0.0.1:${PORT:-5000} (Ctrl+C to stop)"
"$BIN/flask" run --host 127.0.0.1 --port "${PORT:-5000}"
