#!/usr/bin/env bash
# Run the whole test suite on SQLite and PostgreSQL, browser tests included.
# Installs Debian's chromium when missing, starts PostgreSQL when it is not answering, and
# installs redis-server when Redis is neither answering nor installed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "Starting PostgreSQL..."
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

# The many-node tests use Redis at 127.0.0.1:6379, or start redis-server themselves.
if ! (: </dev/tcp/127.0.0.1/6379) 2>/dev/null && ! command -v redis-server >/dev/null; then
  echo "Installing Debian's redis-server for the many-node tests..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi

export FAIL_ON_SKIP=1
exec "$BIN/python" -m pytest --durations=25 "$@"
