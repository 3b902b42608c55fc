"""Load: 50 people using the unit at once for 5 minutes, against gunicorn on loopback.

    .venv/bin/python bench/load.py                       # SQLite, 50 clients, 300 s, 100k unit
    .venv/bin/python bench/load.py --database postgresql
    .venv/bin/python bench/load.py --quick               # 20 s, 10k unit: the CI pass

The server is nicu_milk under gunicorn as the other benchmarks run it (2 workers x 4 threads,
gthread) on a generated unit (bench/generate.py). The clients are threads, each a person in a
closed loop (no pause between requests unless --think is given):

- bedside scanners (API, a token each): the feeding check, feeds of a little milk, receipts of
  new bottles;
- nurses at the bedside page (a signed-in session, a CSRF token from each form): scan the
  wristband, scan the bottle, record a feed through the form;
- charge nurses: the dashboard and the near-miss page;
- parents: their baby's page.

Every answer is checked against what that request must answer (a status, and for pages the
verdict element). Anything else, a refused connection or a time-out, is an error; the target
is 0. The run exits 1 when there is any error.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import http.client
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from generate import PASSWORD, SIZES, parse_size  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERDICT = re.compile(r'data-verdict="(go|warn|stop)"')
REASON = re.compile(r'data-reason="([A-Z_]+)"')


class Failure(Exception):
    """An answer that is not what this request must answer."""


@dataclasses.dataclass
class Result:
    kind: str
    ms: float
    error: str | None


class Client:
    """One person's HTTP connection: keep-alive, the session cookie, a token if any."""

    def __init__(self, port: int, results: list, lock: threading.Lock):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""
        self.token = ""
        self.results = results
        self.lock = lock

    def request(
        self, method: str, path: str, *, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[int, str, dict]:
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                answer = self.connection.getresponse()
                payload = answer.read().decode("utf-8", errors="replace")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection; a browser reconnects too.
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return answer.status, payload, dict(answer.getheaders())

    def timed(self, kind: str, action) -> object:
        started = time.perf_counter()
        error = None
        value = None
        try:
            value = action()
        except Failure as failure:
            error = str(failure)
        except (OSError, http.client.HTTPException) as broken:
            error = f"{type(broken).__name__}: {broken}"
        with self.lock:
            self.results.append(Result(kind, (time.perf_counter() - started) * 1000, error))
        return value

    def api(self, method: str, path: str, body: dict | None, expect: tuple[int, ...]) -> dict:
        status, payload, _ = self.request(
            method,
            path,
            body=json.dumps(body).encode() if body is not None else None,
            content_type="application/json" if body is not None else None,
        )
        if status not in expect:
            raise Failure(f"{method} {path} answered {status}: {payload[:300]}")
        return json.loads(payload) if payload else {}

    def page(self, path: str, expect: int = 200) -> str:
        status, payload, _ = self.request("GET", path)
        if status != expect:
            raise Failure(f"GET {path} answered {status}")
        return payload

    def form(self, path: str, fields: dict | list, expect: tuple[int, ...]) -> str:
        status, payload, headers = self.request(
            "POST",
            path,
            body=urllib.parse.urlencode(fields, doseq=True).encode(),
            content_type="application/x-www-form-urlencoded",
        )
        if status not in expect:
            problem = re.search(r'class="(?:problem|error)[^"]*"[^>]*>(.{0,200})', payload, re.S)
            raise Failure(
                f"POST {path} answered {status}: "
                f"{problem.group(1).strip() if problem else payload[:200]}"
            )
        return payload


def csrf(html: str) -> str:
    found = CSRF.search(html)
    if not found:
        raise Failure("no CSRF token on the page")
    return found.group(1)


@dataclasses.dataclass
class Unit:
    """What the clients need to know about the generated unit."""

    nurses: list[str]
    charge: list[str]
    parents: list[tuple[str, str]]  # (username, baby's MRN)
    babies: list[tuple[str, str, str]]  # (wristband, first bottle, MRN) for admitted babies
    fridge: str


def read_unit(url: str) -> Unit:
    engine = create_engine(url)
    with engine.connect() as connection:
        staff = connection.execute(
            text(
                "SELECT username, role FROM users "
                "WHERE active AND role IN ('nurse', 'charge_nurse') ORDER BY username"
            )
        ).all()
        parents = connection.execute(
            text(
                "SELECT u.username, i.mrn FROM users u JOIN parent_infants p ON p.user_id = u.id "
                "JOIN infants i ON i.id = p.infant_id WHERE u.active AND i.admitted "
                "ORDER BY u.username"
            )
        ).all()
        fridge = (
            connection.execute(
                text(
                    "SELECT code FROM storage_locations WHERE kind = 'refrigerator' "
                    "AND parent_id IS NOT NULL ORDER BY code"
                )
            )
            .scalars()
            .first()
        )
        mrns = dict(
            connection.execute(text("SELECT wristband_code, mrn FROM infants WHERE admitted")).all()
        )
    engine.dispose()
    babies = [
        (w, c, mrns[w])
        for w, c, _m, _ready in harness.first_bottles(url, margin_hours=2, min_remaining_ml=20)
    ]
    return Unit(
        nurses=[u for u, r in staff if r == "nurse"],
        charge=[u for u, r in staff if r == "charge_nurse"],
        parents=list(dict(parents).items()),
        babies=babies,
        fridge=fridge,
    )


# --- the people -----------------------------------------------------------------------------


def sign_in_page(client: Client, username: str) -> None:
    def go():
        login = client.page("/login")
        client.form(
            "/login",
            {"csrf_token": csrf(login), "username": username, "password": PASSWORD},
            expect=(302,),
        )

    client.timed("sign-in (page)", go)


def scanner(client: Client, unit: Unit, username: str, deadline: float, rng, think) -> None:
    """A bedside scanner and milk-room device on the API."""
    answer = client.timed(
        "sign-in (API)",
        lambda: client.api(
            "POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD}, (200,)
        ),
    )
    if not answer:
        return
    client.token = answer["token"]
    received: list[tuple[str, str]] = []
    while time.monotonic() < deadline:
        wristband, bottle, mrn = rng.choice(unit.babies)
        roll = rng.random()
        if roll < 0.6:
            client.timed(
                "check (API)",
                lambda w=wristband, b=bottle: client.api(
                    "POST", "/api/v1/feeds/check", {"infant_code": w, "container_code": b}, (200,)
                ),
            )
        elif roll < 0.85:
            w, b = rng.choice(received) if received and rng.random() < 0.7 else (wristband, bottle)
            client.timed(
                "feed (API)",
                lambda w=w, b=b: client.api(
                    "POST",
                    "/api/v1/feeds",
                    {
                        "infant_code": w,
                        "container_code": b,
                        "volume_ml": 0.1,
                        "acknowledge_warnings": True,
                    },
                    (201,),
                ),
            )
        else:
            now = dt.datetime.now(dt.UTC)
            body = {
                "infant_mrn": mrn,
                "volume_ml": rng.choice((20, 30, 60)),
                "milk_type": "MOM",
                "location_code": unit.fridge,
                "expressed_at": (now - dt.timedelta(hours=1)).isoformat(),
            }
            made = client.timed(
                "receipt (API)", lambda b=body: client.api("POST", "/api/v1/containers", b, (201,))
            )
            if made:
                received.append((wristband, made["code"]))
        think()


def bedside_nurse(client: Client, unit: Unit, username: str, deadline: float, rng, think) -> None:
    """A nurse at the scan page: wristband, bottle, then now and then the feed."""
    sign_in_page(client, username)
    if not client.cookie:
        return
    while time.monotonic() < deadline:
        wristband, bottle, _mrn = rng.choice(unit.babies)
        bedside_round(client, wristband, bottle, feed=rng.random() < 0.3)
        think()


def bedside_round(client: Client, wristband: str, bottle: str, *, feed: bool) -> None:
    state: dict = {}

    def open_scan():
        state["token"] = csrf(client.page("/scan"))
        return True

    def scan(text: str, infant_code: str) -> str:
        html = client.form(
            "/scan",
            {
                "csrf_token": state["token"],
                "scan": text,
                "entry": "scanner",
                "infant_code": infant_code,
                "container_code": "",
            },
            expect=(200,),
        )
        state["token"] = csrf(html)
        return html

    def scan_baby():
        scan(wristband, "")
        return True

    def scan_bottle():
        html = scan(bottle, wristband)
        verdict = VERDICT.search(html)
        if not verdict:
            raise Failure("the scan page shows no verdict")
        state["verdict"] = verdict.group(1)
        state["reasons"] = REASON.findall(html)
        return True

    def give():
        client.form(
            "/scan/feed",
            [
                ("csrf_token", state["token"]),
                ("infant_code", wristband),
                ("container_code", bottle),
                ("volume_ml", "0.1"),
                ("fed_at", ""),
                *(("acknowledge", code) for code in state["reasons"]),
            ],
            expect=(302,),
        )

    for kind, step in (
        ("scan page", open_scan),
        ("scan wristband (page)", scan_baby),
        ("scan bottle (page)", scan_bottle),
    ):
        if not client.timed(kind, step):
            return  # the step failed (counted as an error): start again with the next baby
    if feed and state.get("verdict") in ("go", "warn"):
        client.timed("feed (page)", give)


def charge_nurse(client: Client, unit: Unit, username: str, deadline: float, rng, think) -> None:
    sign_in_page(client, username)
    while client.cookie and time.monotonic() < deadline:
        if rng.random() < 0.7:
            client.timed("charge dashboard (page)", lambda: client.page("/charge/"))
        else:
            client.timed("near misses (page)", lambda: client.page("/charge/near-misses"))
        think()


def parent(
    client: Client, unit: Unit, username: str, mrn: str, deadline: float, rng, think
) -> None:
    sign_in_page(client, username)
    while client.cookie and time.monotonic() < deadline:
        client.timed("family baby (page)", lambda: client.page(f"/family/{mrn}"))
        think()


def run_load(
    port: int, unit: Unit, clients: int, seconds: float, think_s: float, seed: int
) -> tuple[list[Result], float]:
    results: list[Result] = []
    lock = threading.Lock()
    rng_root = random.Random(seed)
    people = []
    # 40 % scanners, 40 % bedside pages, 10 % charge nurses, 10 % parents.
    for index in range(clients):
        share = index % 10
        people.append(
            "scanner"
            if share < 4
            else "bedside"
            if share < 8
            else "charge"
            if share == 8
            else "parent"
        )
    started = time.monotonic()
    deadline = started + seconds
    threads = []
    for index, role in enumerate(people):
        client = Client(port, results, lock)
        rng = random.Random(rng_root.random())

        def think(rng=rng):
            if think_s:
                time.sleep(rng.uniform(0, 2 * think_s))

        if role == "scanner":
            args = (scanner, client, unit, unit.nurses[index % len(unit.nurses)])
        elif role == "bedside":
            args = (bedside_nurse, client, unit, unit.nurses[(index + 37) % len(unit.nurses)])
        elif role == "charge":
            args = (charge_nurse, client, unit, unit.charge[index % len(unit.charge)])
        else:
            username, mrn = unit.parents[index % len(unit.parents)]
            args = (parent, client, unit, username, mrn)
        threads.append(
            threading.Thread(target=args[0], args=(*args[1:], deadline, rng, think), daemon=True)
        )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 300)
    return results, time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(results: list[Result], elapsed: float) -> tuple[str, int]:
    by_kind: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_kind[result.kind].append(result)
    lines = ["| request | count | p50 ms | p99 ms | errors |", "|---|---|---|---|---|"]
    errors = 0
    for kind in sorted(by_kind):
        items = by_kind[kind]
        times = [r.ms for r in items]
        failed = sum(1 for r in items if r.error)
        errors += failed
        lines.append(
            f"| {kind} | {len(items):,} | {statistics.median(times):.0f} | "
            f"{percentile(times, 0.99):.0f} | {failed} |"
        )
    everything = [r.ms for r in results]
    lines.append(
        f"| all | {len(results):,} ({len(results) / elapsed:.0f}/s) | "
        f"{statistics.median(everything):.0f} | {percentile(everything, 0.99):.0f} | "
        f"{errors} |"
    )
    return "\n".join(lines), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=None, help="default 300 (--quick 20)")
    parser.add_argument(
        "--size",
        type=parse_size,
        default=None,
        help="the generated unit (default 100k; --quick 10k)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause between one person's requests, in seconds",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="20 s on a 10k unit, for CI")
    options = parser.parse_args()
    harness.end_cleanly_on_terminate()
    seconds = options.seconds or (20.0 if options.quick else 300.0)
    size = options.size or (SIZES["10k"] if options.quick else SIZES["100k"])
    print(
        f"{harness.machine()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; "
        f"load average {harness.load_average()}"
    )
    print("command: " + " ".join(["bench/load.py", *sys.argv[1:]]))
    with (
        tempfile.TemporaryDirectory(
            dir=harness.DATA if harness.DATA.exists() else None, prefix="load-"
        ) as workdir,
        harness.database(options.database, size, workdir=Path(workdir)) as database,
        harness.serve("nicu_milk", database.url, app="wsgi:app") as server,
    ):
        unit = read_unit(database.url)
        port = int(server.base.rsplit(":", 1)[1])
        results, elapsed = run_load(
            port, unit, options.clients, seconds, options.think, options.seed
        )
        rss = server.worker_rss_mb()
    table, errors = report(results, elapsed)
    print(
        f"\n{options.database}, {size:,} containers, {options.clients} clients, "
        f"{elapsed:.0f} s, think {options.think:g} s; worker RSS after: "
        + ", ".join(f"{mb:.0f} MB" for mb in rss)
        + f"; load average {harness.load_average()}"
    )
    print()
    print(table)
    failures = [r for r in results if r.error]
    if failures:
        print("\nFirst errors:")
        seen = set()
        for failure in failures:
            if failure.error not in seen and len(seen) < 10:
                seen.add(failure.error)
                print(f"- {failure.kind}: {failure.error}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
