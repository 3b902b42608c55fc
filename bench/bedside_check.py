"""The bedside check at hospital speed, against a bare baseline: every target in bench/README.

    .venv/bin/python bench/bedside_check.py                        # SQLite and PostgreSQL, 1M
    .venv/bin/python bench/bedside_check.py --database sqlite --size 100k --scale 10k,100k
    .venv/bin/python bench/bedside_check.py --quick                # 10k, a few seconds a row

For each database it generates (or, for SQLite, copies from bench/data/) a unit, serves it with
gunicorn (2 workers x 4 threads, gthread, --no-control-socket) beside the baseline
(bench/baseline_app.py, same settings, same database), and drives both with wrk on the same
machine, 16 clients, baseline and check interleaved round by round. Each figure is the median
over rounds of check ÷ baseline in that round; the range is shown beside it.

Rows: the "go" path; the "stop" path (it writes a near miss); "go" while 4 other clients feed
other babies' bottles; "go" at each size of --scale; the expiry report (JSON and PDF) over the
unit's stock; the RSS of a gunicorn worker after all that. Then the query plan of every
statement of one real check at the main size (bench/explain.py).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import explain  # noqa: E402
import harness  # noqa: E402
from generate import SIZES, parse_size  # noqa: E402
from harness import Load, call, log, median, post_env, wrk  # noqa: E402

CHECK = "/api/v1/feeds/check"
BASELINE = "/baseline/check"
TARGETS = {"go": (2.0, 3.0, 0.5), "stop": (3.0, 5.0, None), "while feeding": (None, 3.0, None)}


@dataclass
class Row:
    name: str
    rounds: list[dict] = field(default_factory=list)
    note: str = ""

    def add(self, base: Load, subject: Load, **extra) -> None:
        if not subject.requests:  # not one check answered within the run
            subject = dataclasses.replace(subject, p50_ms=math.inf, p99_ms=math.inf)
        self.rounds.append(
            {
                "baseline": asdict(base) | {"rate": base.rate},
                "subject": asdict(subject) | {"rate": subject.rate},
                "p50": subject.p50_ms / base.p50_ms,
                "p99": subject.p99_ms / base.p99_ms,
                "rate": subject.rate / base.rate if base.rate else 0.0,
                **extra,
            }
        )

    def ratio(self, key: str) -> float:
        return median([r[key] for r in self.rounds])

    def spread(self, key: str) -> str:
        values = [r[key] for r in self.rounds]
        low, high = min(values), max(values)
        return f"{self.ratio(key):.2f}×" + (f" ({low:.2f}–{high:.2f})" if len(values) > 1 else "")

    def absolute(self, who: str, key: str) -> float:
        return median([r[who][key] for r in self.rounds])

    def errors(self) -> int:
        return sum(r["subject"]["errors"] + r["baseline"]["errors"] for r in self.rounds)


def interleaved(
    row: Row, base_run, subject_run, *, rounds: int, seconds: float, warm: float
) -> Row:
    """Warm both, then baseline and subject in turn, swapping which goes first each round."""
    base_run(warm)
    subject_run(warm)
    for number in range(rounds):
        if number % 2 == 0:
            base = base_run(seconds)
            subject = subject_run(seconds)
        else:
            subject = subject_run(seconds)
            base = base_run(seconds)
        extra = subject.extra if hasattr(subject, "extra") else {}
        row.add(base, subject, **extra)
        log(
            f"  {row.name} round {number + 1}: p50 {row.rounds[-1]['p50']:.2f}× "
            f"p99 {row.rounds[-1]['p99']:.2f}× throughput {row.rounds[-1]['rate']:.2f}×  "
            f"(check {subject.p50_ms:.1f}/{subject.p99_ms:.1f} ms {subject.rate:.0f}/s, "
            f"baseline {base.p50_ms:.1f}/{base.p99_ms:.1f} ms {base.rate:.0f}/s)"
        )
    return row


class Runs:
    """The wrk runs of one database: the servers, a token and the bottles."""

    def __init__(
        self, app: harness.Server, baseline: harness.Server, url: str, ready: int | None = None
    ):
        self.app = app
        self.baseline = baseline
        self.url = url
        self.token = harness.token_for(app.base)
        self.pairs = harness.pick_pairs(app.base, url, self.token, ready=ready)

    def post(self, server: harness.Server, path: str, pair, seconds: float) -> Load:
        """16 clients posting this pair's check (or the baseline's read of its bottle)."""
        body = {"infant_code": pair[0], "container_code": pair[1]}
        return wrk(
            server.base + path,
            script="request.lua",
            seconds=seconds,
            env=post_env(self.token, body, path),
        )

    def base(self, seconds: float) -> Load:
        return self.post(self.baseline, BASELINE, self.pairs.go, seconds)

    def go(self, seconds: float) -> Load:
        return self.post(self.app, CHECK, self.pairs.go, seconds)

    def stop(self, seconds: float) -> Load:
        return self.post(self.app, CHECK, self.pairs.stop, seconds)

    def go_while_feeding(self, seconds: float) -> Load:
        """16 clients check while 4 others feed; the feeds' own figures ride along."""
        feeds: dict = {}
        pairs = ",".join(f"{w}:{c}" for w, c in self.pairs.feeds)

        def feeding():
            feeds["load"] = wrk(
                self.app.base + "/api/v1/feeds",
                script="feeds.lua",
                seconds=seconds,
                connections=4,
                threads=1,
                env={"BENCH_TOKEN": self.token, "BENCH_PAIRS": pairs},
            )

        feeder = threading.Thread(target=feeding)
        feeder.start()
        checks = self.go(seconds)
        feeder.join()
        feed = feeds["load"]
        checks.extra = {"feeds": asdict(feed) | {"rate": feed.rate}}
        return checks


def count_rows(url: str, table: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        value = connection.execute(select(func.count()).select_from(text(table))).scalar_one()
    engine.dispose()
    return value


def on_hand(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        value = connection.execute(
            text("SELECT count(*) FROM containers WHERE state IN ('fresh', 'frozen', 'thawed')")
        ).scalar_one()
    engine.dispose()
    return value


def reports(runs: Runs, repeats: int, windows=(24, 24 * 31)) -> list[dict]:
    """Expiry report, JSON and PDF, one request at a time, each after a baseline request.

    Over the default 24 hours (what the charge nurse prints each shift) and the longest window
    the API allows (31 days), which lists far more of the stock.
    """
    results = []
    for within in windows:
        for kind in ("expiry", "expiry.pdf"):
            path = f"/api/v1/reports/{kind}?within_hours={within}"
            status, answer = call(runs.app.base, "GET", path, token=runs.token)  # warm
            if status != 200:
                raise RuntimeError(f"{path} answered {status}: {answer}")
            rows = (
                (len(answer["expired"]) + len(answer["expiring"]))
                if isinstance(answer, dict)
                else None
            )
            times, bases = [], []
            for _ in range(repeats):
                started = time.perf_counter()
                call(runs.baseline.base, "GET", f"/baseline/container/{runs.pairs.go[1]}")
                bases.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                status, answer = call(runs.app.base, "GET", path, token=runs.token)
                times.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
            if rows is None:
                rows = next(r["rows"] for r in results if r["within_hours"] == within)
            results.append(
                {
                    "report": kind,
                    "within_hours": within,
                    "rows": rows,
                    "ms": median(times),
                    "baseline_ms": median(bases),
                    "ratio": median(times) / median(bases),
                    "size_kb": (
                        len(answer) if isinstance(answer, bytes) else len(json.dumps(answer))
                    )
                    / 1024,
                }
            )
            log(
                f"  {kind} within {within} h: {rows} rows, {median(times):.0f} ms "
                f"(baseline request {median(bases):.1f} ms)"
            )
    return results


def bench_database(engine_name: str, options, workdir: Path) -> dict:
    sizes = sorted(set(options.scale) | {options.size})
    result: dict = {
        "database": engine_name,
        "size": options.size,
        "rows": {},
        "scale": {},
        "generated_s": {},
        "started": dt.datetime.now(dt.UTC).isoformat(),
        "load_before": harness.load_average(),
    }
    rounds, seconds, warm = options.rounds, options.seconds, options.warm
    with contextlib.ExitStack() as stack:
        units = {}
        for size in reversed(sizes):
            units[size] = stack.enter_context(harness.database(engine_name, size, workdir=workdir))
            result["generated_s"][size] = units[size].generated_s
        unit = units[options.size]
        app = stack.enter_context(harness.serve("nicu_milk", unit.url, app="wsgi:app"))
        baseline = stack.enter_context(harness.serve("baseline", unit.url, app="baseline_app:app"))
        runs = Runs(app, baseline, unit.url)
        log(
            f"{engine_name} {options.size:,}: go {runs.pairs.go} ({runs.pairs.ready} bottles "
            f"ready for that baby), stop {runs.pairs.stop}, {len(runs.pairs.feeds)} bottles "
            "for the feeding clients"
        )
        result["go_ready"] = runs.pairs.ready
        result["on_hand"] = on_hand(unit.url)
        result["rows"]["go"] = interleaved(
            Row("go"), runs.base, runs.go, rounds=rounds, seconds=seconds, warm=warm
        )
        before = count_rows(unit.url, "check_attempts")
        stop = interleaved(
            Row("stop"), runs.base, runs.stop, rounds=rounds, seconds=seconds, warm=warm
        )
        stop.note = f"{count_rows(unit.url, 'check_attempts') - before:,} near misses written"
        result["rows"]["stop"] = stop
        feeding = interleaved(
            Row("while feeding"),
            runs.base,
            runs.go_while_feeding,
            rounds=rounds,
            seconds=seconds,
            warm=warm,
        )
        fed = [r["feeds"] for r in feeding.rounds]
        feeding.note = (
            f"feeds: {median([f['rate'] for f in fed]):.0f}/s, p99 "
            f"{median([f['p99_ms'] for f in fed]):.0f} ms, "
            f"{sum(f['errors'] for f in fed)} non-2xx"
        )
        result["rows"]["while feeding"] = feeding
        result["reports"] = reports(
            runs, options.report_repeats, (24,) if options.quick else (24, 24 * 31)
        )
        result["rss_mb"] = {
            "nicu_milk": app.worker_rss_mb(),
            "baseline": baseline.worker_rss_mb(),
        }
        log(
            f"  worker RSS: nicu_milk {result['rss_mb']['nicu_milk']}, "
            f"baseline {result['rss_mb']['baseline']}"
        )
        result["explain"] = explain.capture(unit.url, runs.pairs.go, runs.pairs.stop)
        if len(sizes) > 1:
            result["scale"] = scale(stack, runs, units, options)
    result["finished"] = dt.datetime.now(dt.UTC).isoformat()
    result["load_after"] = harness.load_average()
    return result


def scale(stack, runs: Runs, units: dict, options) -> dict:
    """The go check on every size, each on its own server, all measured in the same rounds
    (and the baseline with them), so that the machine's drift hits every size alike."""
    # Babies with as many bottles ready in every unit, so that each check compares as many.
    ready = runs.pairs.ready
    checks = {}
    for size, unit in units.items():
        app = runs.app
        if size != options.size:
            app = stack.enter_context(harness.serve(f"nicu_milk {size}", unit.url, app="wsgi:app"))
        checks[size] = Runs(app, runs.baseline, unit.url, ready=ready)
        log(f"  scale {size:,}: go {checks[size].pairs.go}, {checks[size].pairs.ready} ready")
    runners = [("baseline", runs.base)] + [(size, checks[size].go) for size in sorted(checks)]
    for _name, run in runners:
        run(options.warm)
    rounds = []
    for number in range(options.rounds):
        shift = number % len(runners)
        measured = {name: run(options.seconds) for name, run in runners[shift:] + runners[:shift]}
        rounds.append({str(name): asdict(load) for name, load in measured.items()})
        log(
            f"  scale round {number + 1}: p50 "
            + ", ".join(f"{name}: {load.p50_ms:.1f} ms" for name, load in measured.items())
        )
    smallest, largest = min(checks), max(checks)
    return {
        "ready": {size: checks[size].pairs.ready for size in sorted(checks)},
        "sizes": {
            size: median([r[str(size)]["p50_ms"] / r["baseline"]["p50_ms"] for r in rounds])
            for size in sorted(checks)
        },
        "largest_over_smallest": median(
            [r[str(largest)]["p50_ms"] / r[str(smallest)]["p50_ms"] for r in rounds]
        ),
        "range": [
            min(r[str(largest)]["p50_ms"] / r[str(smallest)]["p50_ms"] for r in rounds),
            max(r[str(largest)]["p50_ms"] / r[str(smallest)]["p50_ms"] for r in rounds),
        ],
        "rounds": rounds,
    }


def table(result: dict) -> str:
    rows = result["rows"]
    lines = [
        f"{result['database']}, {result['size']:,} containers "
        f"({result.get('on_hand', 0):,} on hand); load average {result['load_before']} "
        f"before, {result['load_after']} after",
        "",
        "| what | p50 ÷ baseline | p99 ÷ baseline | throughput ÷ baseline | target | note |",
        "|---|---|---|---|---|---|",
    ]
    targets = {
        "go": "p50 ≤ 2×, p99 ≤ 3×, throughput ≥ 0.5×",
        "stop": "p50 ≤ 3×, p99 ≤ 5×",
        "while feeding": "p99 ≤ 3×",
    }
    labels = {
        "go": "check, go, 16 clients",
        "stop": "check, stop (near miss), 16 clients",
        "while feeding": "check, go, while 4 clients feed",
    }
    for key, row in rows.items():
        base = (
            f"check {row.absolute('subject', 'p50_ms'):.1f}/"
            f"{row.absolute('subject', 'p99_ms'):.0f} ms, "
            f"{row.absolute('subject', 'rate'):.0f}/s; baseline "
            f"{row.absolute('baseline', 'p50_ms'):.1f}/"
            f"{row.absolute('baseline', 'p99_ms'):.0f} ms, "
            f"{row.absolute('baseline', 'rate'):.0f}/s"
        )
        note = "; ".join(x for x in (base, row.note, f"{row.errors()} errors") if x)
        lines.append(
            f"| {labels[key]} | {row.spread('p50')} | {row.spread('p99')} | "
            f"{row.spread('rate')} | {targets[key]} | {note} |"
        )
    grown = result["scale"]
    if grown:
        cells = ", ".join(f"{size:,}: {ratio:.2f}×" for size, ratio in grown["sizes"].items())
        low, high = grown["range"]
        lines.append(
            f"| check, go, p50 at the largest size ÷ at the smallest, same rounds | "
            f"{grown['largest_over_smallest']:.2f}× ({low:.2f}–{high:.2f}) | | | "
            f"largest ≤ 1.2× smallest | p50 ÷ baseline by size: {cells}; bottles the baby "
            "has ready: " + ", ".join(f"{k:,}: {v}" for k, v in grown["ready"].items()) + " |"
        )
    for report in result.get("reports", []):
        target = "≤ 3 s" if report["report"].endswith("pdf") else "≤ 300 ms"
        lines.append(
            f"| {report['report']}, within {report['within_hours']} h, "
            f"{report['rows']:,} rows | {report['ratio']:.0f}× | | | {target} | "
            f"{report['ms']:.0f} ms, one request at a time; baseline request "
            f"{report['baseline_ms']:.1f} ms; {report['size_kb']:.0f} kB |"
        )
    if "rss_mb" in result:
        ours, base = max(result["rss_mb"]["nicu_milk"]), max(result["rss_mb"]["baseline"])
        lines.append(
            f"| gunicorn worker RSS after the load | {ours / base:.1f}× | | | ≤ 150 MB "
            f"| {ours:.0f} MB (largest worker); baseline {base:.0f} MB |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--size",
        type=parse_size,
        default=None,
        help="the unit every row runs on (default 1M; --quick: 10k)",
    )
    parser.add_argument(
        "--scale",
        default=None,
        help="sizes for the scale row, comma-separated (default 10k,100k,1M)",
    )
    parser.add_argument("--seconds", type=float, default=None, help="per wrk run (default 10)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help="10k only, 1 s runs, 1 round: a smoke run for CI"
    )
    parser.add_argument("--json", type=Path, help="write the figures here as well")
    options = parser.parse_args()
    harness.end_cleanly_on_terminate()
    quick = options.quick
    options.size = options.size or (SIZES["10k"] if quick else SIZES["1M"])
    default_scale = str(options.size) if quick else "10k,100k,1M"
    options.scale = [parse_size(s) for s in (options.scale or default_scale).split(",")]
    options.seconds = options.seconds or (1.0 if quick else 10.0)
    options.rounds = options.rounds or (1 if quick else 3)
    options.warm = 1.0 if quick else 3.0
    options.report_repeats = 1 if quick else 7
    engines = ("sqlite", "postgresql") if options.database == "both" else (options.database,)
    try:
        subprocess.run(["wrk", "--version"], capture_output=True, check=False)
    except FileNotFoundError:
        log("wrk is missing: run sh bench/install.sh")
        return 2
    print(f"{harness.machine()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print("command: " + " ".join(["bench/bedside_check.py", *sys.argv[1:]]))
    results = []
    with tempfile.TemporaryDirectory(
        dir=harness.DATA if harness.DATA.exists() else None, prefix="run-"
    ) as workdir:
        for engine_name in engines:
            result = bench_database(engine_name, options, Path(workdir))
            results.append(result)
            print()
            print(table(result))
            print()
            print(result["explain"])
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(results, default=_plain, indent=1) + "\n")
    return 0


def _plain(value):
    if isinstance(value, Row):
        return asdict(value)
    raise TypeError(type(value))


if __name__ == "__main__":
    raise SystemExit(main())
