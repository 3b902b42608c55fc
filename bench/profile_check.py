"""Where one bedside check spends its time: in-process timings against the baseline, and a profile.

    .venv/bin/python bench/profile_check.py                  # on bench/data/unit-1M.sqlite
    .venv/bin/python bench/profile_check.py --size 10k --repeats 100

Single-threaded, through Flask's test client: no HTTP, no lock contention, no other client.
It times the baseline's read (bench/baseline_app.py), GET /api/v1/auth/me and a "go"
POST /api/v1/feeds/check, interleaved, then profiles the check with pyinstrument (and cProfile)
and prints the top lines. bench/README.md keeps the last profile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from generate import PASSWORD, SIZES, cache_path, parse_size  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=parse_size, default=SIZES["1M"])
    parser.add_argument("--database-url", help="default: the cached SQLite unit of --size")
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--lines", type=int, default=45, help="profile lines to print")
    options = parser.parse_args()
    url = options.database_url
    if url is None:
        path = cache_path(options.size)
        if not path.exists():
            harness.generate_into(f"sqlite:///{path}", options.size, replace=path)
        url = f"sqlite:///{path}"

    from config import Config
    from nicu_milk import create_app

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, TIMEZONE=harness.TIMEZONE)
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/token", json={"username": "nurse001", "password": PASSWORD}
    ).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    os.environ["NICU_MILK_DATABASE_URL"] = url
    import baseline_app

    baseline = baseline_app.app.test_client()
    go, ready = None, 0
    # The baby with most bottles ready first: the check compares up to 10 of them (USE_FIRST).
    for wristband, code, _mother, bottles in harness.first_bottles(url):
        body = {"infant_code": wristband, "container_code": code}
        if (
            client.post("/api/v1/feeds/check", json=body, headers=headers).get_json()["verdict"]
            == "go"
        ):
            go, ready = body, bottles
            break
    if go is None:
        raise SystemExit("no bottle answers go: generate the unit again")

    requests = {
        "the baseline's read": lambda: baseline.post("/baseline/check", json=go, headers=headers),
        "GET /api/v1/auth/me": lambda: client.get("/api/v1/auth/me", headers=headers),
        "POST /api/v1/feeds/check, go": lambda: client.post(
            "/api/v1/feeds/check", json=go, headers=headers
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in requests}
    # CPU time of this thread as well: on a shared machine the wall time of one request also
    # counts the time the thread waited for a core, which CPU time leaves out.
    cpu: dict[str, list[float]] = {name: [] for name in requests}
    for _ in range(20):  # warm: caches, statement cache, connection pool
        for action in requests.values():
            action()
    for _ in range(options.repeats):
        for name, action in requests.items():
            started, started_cpu = time.perf_counter(), time.thread_time()
            answer = action()
            cpu[name].append((time.thread_time() - started_cpu) * 1000)
            times[name].append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, (name, answer.status_code)
    base = statistics.median(times["the baseline's read"])
    print(f"{harness.machine()}; load average {harness.load_average()}")
    print(
        f"{url.split('://')[0]}, {options.size:,} containers; median of {options.repeats}, "
        f"interleaved, single-threaded, Flask test client; the go bottle's baby has {ready} "
        "bottles ready\n"
    )
    base_cpu = statistics.median(cpu["the baseline's read"])
    print("| request | time | ÷ baseline | CPU time | ÷ baseline |\n|---|---|---|---|---|")
    for name, values in times.items():
        ms, cpu_ms = statistics.median(values), statistics.median(cpu[name])
        print(
            f"| {name} | {ms:.2f} ms | {ms / base:.1f}× | {cpu_ms:.2f} ms | "
            f"{cpu_ms / base_cpu:.1f}× |"
        )

    check = requests["POST /api/v1/feeds/check, go"]
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    if Profiler is not None:
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(options.repeats):
            check()
        profiler.stop()
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        print(f"\npyinstrument, {options.repeats} go checks:\n")
        print("\n".join(text.splitlines()[: options.lines]))
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(options.repeats):
        check()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(15)
    print(f"\ncProfile, {options.repeats} go checks, by own time:\n")
    print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
