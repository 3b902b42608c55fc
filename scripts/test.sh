#!/bin/sh
# Install what the tests need and run the whole suite: lint, unit, integration, API and browser
# tests, on SQLite and on PostgreSQL. With CI=true the PostgreSQL and browser tests are required.
set -eu
cd "$(dirname "$0")/.."
EXTRAS=test . scripts/venv.sh

# Browser tests drive Debian's Chromium; Playwright cannot download its own browser here.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Chromium for the browser tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# PostgreSQL: start the local cluster if it is installed but not answering.
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    fi
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
# -m "": every test, the slow ones too (a plain `pytest` leaves them out).
.venv/bin/python -m pytest -n 2 -m "" "$@"

# A whole run (no pytest arguments, as in CI) ends with a short pass of every benchmark, so
# that they keep working; bench/README.md has the real runs.
if [ $# -eq 0 ]; then
    sh bench/ci_smoke.sh
fi
