#!/bin/sh
# Install what the benchmarks need: wrk from Debian, and the bench extras (tqdm, pyinstrument)
# into .venv beside the test extras. Safe to run again; apt is skipped when wrk is already there.
set -eu
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "wrk is missing: install Debian's wrk package (apt-get install -y wrk) as root." >&2
        exit 1
    fi
    echo "Installing wrk..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
EXTRAS=test,bench . scripts/venv.sh
wrk --version 2>&1 | head -n 1 || true
