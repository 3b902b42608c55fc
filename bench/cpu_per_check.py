"""CPU time the gunicorn workers spend per go check, against the baseline's per read.

    .venv/bin/python bench/cpu_per_check.py                         # copies unit-10k.sqlite
    .venv/bin/python bench/cpu_per_check.py --size 1M --rounds 3
    .venv/bin/python bench/cpu_per_check.py --database postgresql   # a throwaway database

Both servers as bench/bedside_check.py runs them (2 workers x 4 threads, wrk with 16
connections), one after the other. For each run: the workers' user + system CPU time (from
/proc) divided by the requests answered. On a shared machine this moves far less with the load
than latency does: a request waiting for a core costs no CPU time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from generate import SIZES, parse_size  # noqa: E402


def workers_cpu_seconds(server: harness.Server) -> float:
    pid = server.process.pid
    ticks = 0
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _measure(url: str, options) -> dict[str, list[float]]:
    wristband, code, *_ = next(b for b in harness.first_bottles(url) if b is not None)
    go = {"infant_code": wristband, "container_code": code}
    per_request: dict[str, list[float]] = {"baseline": [], "check": []}
    with (
        harness.serve("nicu_milk", url, app="wsgi:app") as ours,
        harness.serve("baseline", url, app="baseline_app:app") as baseline,
    ):
        token = harness.token_for(ours.base)
        for _ in range(options.rounds):
            for name, server, address in (
                ("baseline", baseline, "/baseline/check"),
                ("check", ours, "/api/v1/feeds/check"),
            ):
                before = workers_cpu_seconds(server)
                load = harness.wrk(
                    server.base,
                    script="request.lua",
                    env=harness.post_env(token, go, address),
                    seconds=options.seconds,
                )
                used = workers_cpu_seconds(server) - before
                per_request[name].append(1000 * used / max(load.requests, 1))
                print(
                    f"{name}: {load.requests} requests, {used:.2f} CPU s, "
                    f"{per_request[name][-1]:.2f} ms CPU a request, {load.rate:.0f}/s"
                )
    return per_request


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", type=parse_size, default=SIZES["10k"])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as workdir,
        harness.database(options.database, options.size, workdir=Path(workdir)) as unit,
    ):
        per_request = _measure(unit.url, options)
    base, check = (statistics.median(per_request[n]) for n in ("baseline", "check"))
    print(
        f"{harness.machine()}; load average {harness.load_average()}\n"
        f"{options.database} {options.size:,}: CPU a go check {check:.2f} ms, "
        f"a baseline read {base:.2f} ms: {check / base:.1f}×"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
