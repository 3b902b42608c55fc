#!/bin/sh
# Set up nicu_milk in a local virtual environment, load a demo unit on SQLite, and serve it
# on http://127.0.0.1:5000. Run it again at any time: the database is upgraded, never wiped,
# and the demo's milk ages as real milk does. `sh scripts/demo.sh --reset` loads the demo unit
# again, anchored to now.
set -eu
cd "$(dirname "$0")/.."
. scripts/venv.sh
export NICU_MILK_TIMEZONE="${NICU_MILK_TIMEZONE:-America/Chicago}"
.venv/bin/flask --app wsgi init-db
.venv/bin/flask --app wsgi demo-data "$@"
echo "Serving nicu_milk on http://127.0.0.1:5000 (Ctrl-C stops it)."
exec .venv/bin/gunicorn --bind 127.0.0.1:5000 --workers 2 --no-control-socket wsgi:app
