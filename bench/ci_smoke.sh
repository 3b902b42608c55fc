#!/bin/sh
# A short pass of every benchmark at its smallest size, so that none of them rots: CI runs it
# after the test suite (scripts/test.sh). Its figures mean nothing; a failure means a benchmark
# no longer runs, or the load test saw an error.
set -eu
cd "$(dirname "$0")/.."
sh bench/install.sh >/dev/null
PY=.venv/bin/python
started=$(date +%s)
passed=0
step() {
    echo "== $*"
    "$@"
    passed=$((passed + 1))
}
step $PY bench/printing.py --quick
step $PY bench/bedside_check.py --quick
step $PY bench/profile_check.py --size 10k --repeats 20 --lines 25
step $PY bench/cpu_per_check.py --size 10k --rounds 1 --seconds 1
step $PY bench/load.py --quick
step $PY bench/races.py --rounds 10
step $PY bench/crash.py --cycles 2
echo "benchmark smoke pass took $(( $(date +%s) - started )) s"
echo "smoke: $passed passed, 0 failed"
