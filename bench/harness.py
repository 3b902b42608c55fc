"""What the HTTP benchmarks share: databases to run on, gunicorn servers, wrk, and the bottles.

Every figure is taken against the baseline (bench/baseline_app.py) on the same gunicorn
settings and the same database, in the same run, interleaved, because the machine is shared
and its absolute speed drifts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DATA = BENCH / "data"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

PG_ADMIN_URL = os.environ.get("NICU_MILK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
TIMEZONE = "America/Chicago"
# gunicorn as the first measurements ran it: 2 workers x 4 threads, no control socket.
GUNICORN = [
    "--workers",
    "2",
    "--threads",
    "4",
    "--worker-class",
    "gthread",
    "--no-control-socket",
    "--log-level",
    "warning",
    "--timeout",
    "120",
]
# A cached SQLite unit older than this has let its fresh milk expire: generate it again.
CACHE_HOURS = 6.0


def end_cleanly_on_terminate() -> None:
    """On SIGTERM, unwind like an exception, so that servers stop and throwaway databases are
    dropped by the `finally` blocks below."""
    signal.signal(signal.SIGTERM, lambda number, _frame: sys.exit(128 + number))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- databases ------------------------------------------------------------------------------


@dataclass
class Database:
    engine_name: str  # sqlite or postgresql
    size: int
    url: str
    generated_s: float | None  # None: copied from the cache


@contextlib.contextmanager
def database(engine_name: str, size: int, *, workdir: Path) -> Iterator[Database]:
    """A unit of `size` containers to benchmark against, thrown away afterwards.

    SQLite: a copy of bench/data/unit-SIZE.sqlite (generated when missing or stale), so that
    feeds and near misses written by a run never reach the next one. PostgreSQL: a throwaway
    database, generated afresh and dropped at the end.
    """
    if engine_name == "sqlite":
        cached = generate.cache_path(size)
        seconds = None
        fresh = (
            cached.exists()
            and time.time() - cached.stat().st_mtime < CACHE_HOURS * 3600
            and schema_of(cached) == generate.schema_head()
        )
        if not fresh:
            seconds = generate_into(f"sqlite:///{cached}", size, replace=cached)
        path = workdir / f"unit-{size}.sqlite"
        shutil.copyfile(cached, path)
        yield Database("sqlite", size, f"sqlite:///{path}", seconds)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    name = f"nicu_milk_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"
    try:
        seconds = generate_into(url, size)
        yield Database("postgresql", size, url, seconds)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def schema_of(path: Path) -> str | None:
    """The migration a cached SQLite unit was generated at (None if it cannot be read)."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except (sqlite3.Error, TypeError):
        return None


def generate_into(url: str, size: int, *, replace: Path | None = None) -> float:
    if replace is not None:
        replace.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{replace}{suffix}").unlink(missing_ok=True)
    log(f"generating {size:,} containers into {url.rsplit('/', 1)[-1]} ...")
    started = time.perf_counter()
    generate.migrate(url)
    engine = create_engine(url)
    generate.fast_sqlite(engine)
    summary = generate.generate(engine, size, progress=sys.stderr.isatty())
    engine.dispose()
    seconds = time.perf_counter() - started
    log("  " + "\n  ".join(summary.lines()) + f"\n  (with the schema: {seconds:.0f} s)")
    return seconds


# --- servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base: str

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each gunicorn worker (the master's children), in MB."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        sizes = []
        for child in children:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes


def server_env(url: str) -> dict:
    return {
        **os.environ,
        "NICU_MILK_DATABASE_URL": url,
        "NICU_MILK_TIMEZONE": TIMEZONE,
        "NICU_MILK_SECRET_KEY": "bench-only-secret",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@contextlib.contextmanager
def serve(name: str, url: str, *, app: str) -> Iterator[Server]:
    """gunicorn on loopback: app "wsgi:app" (nicu_milk) or "baseline_app:app"."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *GUNICORN,
        "--bind",
        f"127.0.0.1:{port}",
        "--pythonpath",
        str(BENCH),
        app,
    ]
    log_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(
        command, cwd=ROOT, env=server_env(url), stdout=log_file, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    probe = "/baseline/ready" if app.startswith("baseline") else "/login"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(base + probe, timeout=5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log_file.seek(0)
                    raise RuntimeError(
                        f"{name} did not start: {log_file.read().decode()[-3000:]}"
                    ) from None
                time.sleep(0.2)
        yield Server(name, process, base)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.seek(0)
        errors = [
            line
            for line in log_file.read().decode(errors="replace").splitlines()
            if "Traceback" in line or "ERROR" in line
        ]
        if errors:
            log(f"{name} logged errors: " + " | ".join(errors[:5]))
        log_file.close()


def call(
    base: str, method: str, path: str, body: dict | None = None, token: str | None = None
) -> tuple[int, dict | bytes]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        base + path,
        method=method,
        headers=headers,
        data=json.dumps(body).encode() if body is not None else None,
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            status, raw, kind = answer.status, answer.read(), answer.headers.get_content_type()
    except urllib.error.HTTPError as refused:
        status, raw, kind = refused.code, refused.read(), refused.headers.get_content_type()
    return status, (json.loads(raw) if kind == "application/json" else raw)


def token_for(base: str, username: str = "nurse001") -> str:
    status, answer = call(
        base, "POST", "/api/v1/auth/token", {"username": username, "password": generate.PASSWORD}
    )
    if status != 200:
        raise RuntimeError(f"could not sign in as {username}: {status} {answer}")
    return answer["token"]


# --- the bottles a run uses -----------------------------------------------------------------


@dataclass
class Pairs:
    go: tuple[str, str]  # (wristband, container): the bottle that should go first for its baby
    stop: tuple[str, str]  # another family's baby and the same bottle: WRONG_INFANT
    feeds: list[tuple[str, str]]  # other babies' first bottles, for the clients that feed
    ready: int  # bottles the go baby has ready: the check compares up to COMPARED of them


class Bottle(NamedTuple):
    wristband: str
    code: str
    mother: int
    ready: int  # how many bottles this baby has ready to feed, this one included


# The check compares the scanned bottle with at most this many of the baby's others (USE_FIRST),
# so a baby with more bottles ready than this costs a check no more.
COMPARED = 10


def first_bottles(
    url: str, *, margin_hours: float = 3.0, min_remaining_ml: float = 0
) -> list[Bottle]:
    """For each admitted baby, the bottle the check says should go first, if it is good for
    a few hours more (and holds enough for many small feeds); babies with most bottles ready
    come first, since their checks compare the most."""
    engine = create_engine(url)
    now = dt.datetime.now(dt.UTC)
    sql = text("""
        SELECT i.wristband_code, c.code, c.expires_at, i.mother_id, c.remaining_ml
        FROM infants i JOIN mothers m ON m.id = i.mother_id
        JOIN containers c ON c.infant_id = i.id
        WHERE i.admitted AND m.hold_reason IS NULL AND c.state IN ('fresh', 'thawed')
          AND c.hold_reason IS NULL AND c.expires_at > :now
          AND (c.milk_type = 'MOM' OR i.donor_milk_consent)
        ORDER BY i.id, c.colostrum DESC, c.expires_at, c.id""")
    bound = now.replace(tzinfo=None) if engine.dialect.name == "sqlite" else now
    first: dict[str, tuple | None] = {}
    ready: dict[str, int] = {}
    with engine.connect() as connection:
        for wristband, code, expires_at, mother, remaining in connection.execute(
            sql, {"now": bound}
        ):
            ready[wristband] = ready.get(wristband, 0) + 1
            if wristband in first:
                continue
            expires = (
                expires_at
                if isinstance(expires_at, dt.datetime)
                else dt.datetime.fromisoformat(str(expires_at))
            )
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=dt.UTC)
            # None if the first bottle is about to expire: EXPIRES_SOON would make it a warn.
            first[wristband] = (
                (wristband, code, mother)
                if expires - now > dt.timedelta(hours=margin_hours)
                and float(remaining) >= min_remaining_ml
                else None
            )
    engine.dispose()
    bottles = [Bottle(*found, ready[found[0]]) for found in first.values() if found is not None]
    return sorted(bottles, key=lambda bottle: -min(bottle.ready, COMPARED + 1))


def pick_pairs(
    base: str, url: str, token: str, feeders: int = 24, ready: int | None = None
) -> Pairs:
    """Pairs checked for real through the server before they are measured. The go bottle is
    the first of a baby with `ready` bottles ready (default: as many as the median baby), since
    the check compares the bottle with the baby's others (USE_FIRST)."""
    candidates = first_bottles(url)
    if len(candidates) < 2:
        raise RuntimeError(
            "fewer than two babies have a usable bottle: generate the unit again "
            "(its fresh milk may have expired since it was generated)"
        )
    if ready is None:
        # A typical baby: as many bottles ready as the median baby has.
        ready = sorted(min(c.ready, COMPARED + 1) for c in candidates)[len(candidates) // 2]
    candidates.sort(key=lambda c: abs(min(c.ready, COMPARED + 1) - ready))
    go = None
    for candidate in candidates:
        status, answer = call(
            base,
            "POST",
            "/api/v1/feeds/check",
            {"infant_code": candidate.wristband, "container_code": candidate.code},
            token,
        )
        if status == 200 and answer["verdict"] == "go":
            go = candidate
            break
    if go is None:
        raise RuntimeError("no bottle answered go; see the verdicts with bench/explain.py")
    stranger = next(c for c in candidates if c.mother != go.mother)
    stop = (stranger.wristband, go.code)
    status, answer = call(
        base,
        "POST",
        "/api/v1/feeds/check",
        {"infant_code": stop[0], "container_code": stop[1]},
        token,
    )
    if answer.get("verdict") != "stop":
        raise RuntimeError(f"the stop pair answered {status} {answer}")
    # Feeds of 0.1 ml from bottles that hold plenty: none runs dry during a run.
    feeds = [
        (c.wristband, c.code)
        for c in first_bottles(url, min_remaining_ml=20)
        if c.mother != go.mother and c.wristband != stranger.wristband
    ][:feeders]
    return Pairs(go=(go.wristband, go.code), stop=stop, feeds=feeds, ready=go.ready)


# --- wrk ------------------------------------------------------------------------------------


@dataclass
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk(
    url: str, *, script: str, env: dict, seconds: float, connections: int = 16, threads: int = 2
) -> Load:
    duration = f"{max(1, round(seconds))}s"  # wrk takes whole seconds
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        duration,
        "--timeout",
        "60s",
        "-s",
        str(BENCH / "wrk" / script),
        url,
    ]
    done = subprocess.run(
        command,
        env={**os.environ, "BENCH_WRK_DIR": str(BENCH / "wrk"), **env},
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    figures = json.loads(line.removeprefix("BENCH "))
    return Load(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors=sum(v for k, v in figures.items() if k.startswith("errors_")),
    )


def post_env(token: str, body: dict, path: str) -> dict:
    return {
        "BENCH_TOKEN": token,
        "BENCH_BODY": json.dumps(body),
        "BENCH_PATH": path,
        "BENCH_METHOD": "POST",
    }


def median(values):
    return statistics.median(values) if values else float("nan")


def machine() -> str:
    import platform

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
