"""Killing the server in the middle of writes, and what must hold when it comes back.

Nurses (writer threads, each with their own account) send a steady stream of receipts, feeds
and moves to a real gunicorn. The client keeps a ledger: every write the server acknowledged
(a whole 2xx answer), and every write still in flight when the server died (its outcome is
unknown: it may have been committed just before the kill). Then the whole server, master and
workers, gets SIGKILL, and is started again on the same database.

`verify` reads the unit back through the restarted server's API:
- every acknowledged receipt, feed and move is there, as it was answered;
- nothing is there that was not acknowledged, except writes that were in flight at a kill;
- every bottle's remaining volume is its volume minus its feeds, and its life is possible
  (tests.integration.container_life);
- the audit trail's hash chain verifies, and every feed stored has its row on it (read straight
  from the database, when `verify` is given its URL).

The same code drives the CI test (tests/integration/test_crashes.py) and bench/crash.py.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from nicu_milk.models import AuditEvent, Feed
from nicu_milk.services import audit
from tests.integration import container_life
from tests.integration.servers import HttpApi, Server, ServerGone

INFANT = "INF100"
# Fridge, shelf and bedside: moves never freeze the milk, so that feeds keep going through.
PLACES = ("FR1", "FR1-S1", "BED3")
BOTTLE_ML = 60
FEED_ML = 5
# Keep this many bottles with milk in them, so that feeds and moves spread over a few.
IN_PLAY = 4
EXPECTED = {"receipt": {201}, "feed": {201, 400, 409}, "move": {200, 409}}


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Write:
    kind: str  # receipt, feed or move
    container: str | None = None  # None for a receipt, until it is answered
    volume: Decimal | None = None
    place: str | None = None
    feed_id: int | None = None
    moved: tuple | None = None  # (at, recorded_at, place) of the move's event
    sent: float = 0.0  # time.monotonic() when the request left, and when its answer came
    answered: float | None = None

    def request(self) -> tuple[str, dict]:
        if self.kind == "receipt":
            expressed = iso(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30))
            return "/containers", {
                "infant_mrn": INFANT,
                "expressed_at": expressed,
                "volume_ml": float(self.volume),
                "milk_type": "MOM",
                "location_code": self.place,
            }
        if self.kind == "feed":
            return "/feeds", {
                "infant_code": INFANT,
                "container_code": self.container,
                "volume_ml": float(self.volume),
                "acknowledge_warnings": True,
            }
        return f"/containers/{self.container}/move", {"location_code": self.place}


@dataclass
class Ledger:
    """What the client knows: acknowledged writes, writes in flight at a kill, refusals."""

    acknowledged: list[Write] = field(default_factory=list)
    uncertain: list[Write] = field(default_factory=list)
    refused: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    # Client-side guesses, only to choose the next write: milk left and place, per bottle.
    left: dict[str, Decimal] = field(default_factory=dict)
    place: dict[str, str] = field(default_factory=dict)
    # Figures.
    cycles: int = 0
    restart_seconds: list[float] = field(default_factory=list)
    verify_seconds: list[float] = field(default_factory=list)
    found_committed: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, rng: random.Random) -> Write:
        with self.lock:
            bottles = [code for code, left in self.left.items() if left >= FEED_ML]
            roll = rng.random()
            if len(bottles) < IN_PLAY or roll < 0.15:
                return Write("receipt", volume=Decimal(BOTTLE_ML), place=rng.choice(PLACES))
            code = rng.choice(bottles)
            if roll < 0.7:
                return Write("feed", code, volume=Decimal(FEED_ML))
            place = rng.choice([p for p in PLACES if p != self.place[code]])
            return Write("move", code, place=place)

    def answered(self, write: Write, status: int, payload: dict) -> None:
        with self.lock:
            if status not in EXPECTED[write.kind]:
                self.unexpected.append(f"{write.kind} {write.container}: {status} {payload}")
            elif status >= 400:
                self.refused[f"{write.kind} {payload['error']['code']}"] += 1
                if write.container and status == 409:
                    self.left[write.container] = Decimal(0)  # consumed: leave it be
            else:
                container = payload.get("container", payload)
                if write.kind == "receipt":
                    write.container = container["code"]
                elif write.kind == "feed":
                    write.feed_id = payload["feed"]["id"]
                else:
                    event = [e for e in container["events"] if e["type"] == "moved"][-1]
                    write.moved = (event["at"], event["recorded_at"], write.place)
                self.left[write.container] = Decimal(str(container["remaining_ml"]))
                self.place[write.container] = container["location_code"]
                self.acknowledged.append(write)

    def of(self, kind: str, writes: list[Write] | None = None) -> list[Write]:
        return [w for w in (self.acknowledged if writes is None else writes) if w.kind == kind]


def stream(
    base: str, tokens: list[str], ledger: Ledger, rng: random.Random, stop: threading.Event
) -> list[threading.Thread]:
    """One writer thread per token, each writing until `stop` is set or the server is gone."""

    def nurse(token: str, seed: float) -> None:
        api, own = HttpApi(base, token), random.Random(seed)
        while not stop.is_set():
            write = ledger.plan(own)
            path, body = write.request()
            write.sent = time.monotonic()
            try:
                status, payload = api.post(path, body)
            except ServerGone:
                with ledger.lock:
                    ledger.uncertain.append(write)
                return
            write.answered = time.monotonic()
            ledger.answered(write, status, payload)

    threads = [threading.Thread(target=nurse, args=(token, rng.random())) for token in tokens]
    for thread in threads:
        thread.start()
    return threads


def write_until_killed(
    server: Server, tokens: list[str], ledger: Ledger, rng: random.Random, *, kill_after: int
) -> set[str]:
    """Stream writes; SIGKILL the server once `kill_after` more writes were acknowledged, while
    the others are still in flight. Gives the bottles written to."""
    acknowledged, uncertain = len(ledger.acknowledged), len(ledger.uncertain)
    threads = stream(server.base, tokens, ledger, rng, threading.Event())
    deadline = time.monotonic() + 120
    while len(ledger.acknowledged) - acknowledged < kill_after:
        if time.monotonic() > deadline or not any(t.is_alive() for t in threads):
            server.kill()
            raise AssertionError(f"the writes did not get through: {server.log_tail()}")
        time.sleep(0.001)
    server.kill()
    for thread in threads:
        thread.join(timeout=120)
    ledger.cycles += 1
    written = ledger.acknowledged[acknowledged:] + ledger.uncertain[uncertain:]
    return {write.container for write in written if write.container}


def audit_problems(database_url: str) -> list[str]:
    """What is wrong with the audit trail: a broken chain, or a feed without its row."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            verdict = audit.verify_database(session)
            feeds = session.scalar(select(func.count()).select_from(Feed))
            audited = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "container.fed")
            )
    finally:
        engine.dispose()
    problems = [] if verdict.sound else [f"the audit trail is broken at {verdict.problem}"]
    if feeds != audited:
        problems.append(f"{feeds} feeds are stored, but {audited} are on the audit trail")
    return problems


def verify(
    api: HttpApi,
    ledger: Ledger,
    *,
    histories_of: set[str] | None = None,
    database_url: str | None = None,
) -> list[str]:
    """What is wrong with the unit as the restarted server shows it.

    Receipts, feeds and each bottle's volumes are checked for the whole ledger every time; the
    moves' events, and each bottle's life, for the bottles in `histories_of` (all when None);
    the audit chain, when the database's URL is given.
    """
    started = time.monotonic()
    problems = list(ledger.unexpected)
    if database_url is not None:
        problems += audit_problems(database_url)
    status, listed = api.get(f"/infants/{INFANT}/containers")
    assert status == 200, listed
    containers = {c["code"]: c for c in listed["containers"]}
    status, listed = api.get(f"/feeds?infant_mrn={INFANT}")
    assert status == 200, listed
    feeds = {f["id"]: f for f in listed["feeds"]}

    # Every acknowledged write is there, as it was answered.
    for write in ledger.of("receipt"):
        stored = containers.get(write.container)
        if stored is None or Decimal(str(stored["volume_ml"])) != write.volume:
            problems.append(f"acknowledged receipt {write.container} is {stored}")
    for write in ledger.of("feed"):
        stored = feeds.get(write.feed_id)
        if stored is None or (stored["container_code"], Decimal(str(stored["volume_ml"]))) != (
            write.container,
            write.volume,
        ):
            problems.append(f"acknowledged feed {write.feed_id} of {write.container} is {stored}")

    # Anything else was in flight at a kill.
    known = {w.container for w in ledger.of("receipt")}
    extra_bottles = len(set(containers) - known)
    if extra_bottles > len(ledger.of("receipt", ledger.uncertain)):
        problems.append(f"{extra_bottles} bottles nobody was told about")
    acknowledged_feeds = {w.feed_id for w in ledger.of("feed")}
    extra_feeds = Counter(
        (f["container_code"], Decimal(str(f["volume_ml"])))
        for i, f in feeds.items()
        if i not in acknowledged_feeds
    )
    in_flight = Counter((w.container, w.volume) for w in ledger.of("feed", ledger.uncertain))
    if extra_feeds - in_flight:
        problems.append(f"feeds nobody was told about: {dict(extra_feeds - in_flight)}")

    # Remaining volume is volume minus feeds, for every bottle, whoever made it.
    given: Counter = Counter()
    for f in feeds.values():
        given[f["container_code"]] += Decimal(str(f["volume_ml"]))
    for code, bottle in containers.items():
        volume, left = Decimal(str(bottle["volume_ml"])), Decimal(str(bottle["remaining_ml"]))
        if left != volume - given[code] or left < 0:
            problems.append(f"{code}: {left} ml left of {volume} ml after {given[code]} ml fed")
        if (left == 0) != (bottle["state"] == "consumed"):
            problems.append(f"{code} is {bottle['state']} with {left} ml left")

    # Moves, and each bottle's whole life, from its history.
    moves = {}
    for write in ledger.of("move"):
        moves.setdefault(write.container, []).append(write.moved)
    in_flight_moves = Counter(w.container for w in ledger.of("move", ledger.uncertain))
    extra_moves = 0
    for code in sorted(containers if histories_of is None else histories_of & set(containers)):
        status, history = api.get(f"/containers/{code}")
        assert status == 200, history
        recorded = [
            (e["at"], e["recorded_at"], e["details"].get("location"))
            for e in history["events"]
            if e["type"] == "moved"
        ]
        missing = [m for m in moves.get(code, ()) if m not in recorded]
        if missing:
            problems.append(f"{code}: acknowledged moves {missing} are not in its history")
        extra = len(recorded) - len(moves.get(code, ()))
        if extra > in_flight_moves[code]:
            problems.append(f"{code}: moves nobody was told about: {recorded}")
        extra_moves += max(extra, 0)
        problems += container_life.problems(history)

    if histories_of is None:  # the figures: what the writes in flight at a kill came to
        ledger.found_committed = Counter(
            receipt=extra_bottles, feed=sum(extra_feeds.values()), move=extra_moves
        )
    ledger.verify_seconds.append(time.monotonic() - started)
    return problems


def figures(ledger: Ledger, database: str, seconds: float) -> str:
    acknowledged = Counter(w.kind for w in ledger.acknowledged)
    uncertain = Counter(w.kind for w in ledger.uncertain)
    restarts = ledger.restart_seconds or [0.0]
    lines = [
        f"{database}: {ledger.cycles} SIGKILLs in {seconds:.1f} s; restart to serving "
        f"{statistics.median(restarts):.2f} s median, {max(restarts):.2f} s max; "
        f"checks {statistics.median(ledger.verify_seconds or [0]):.2f} s median",
        f"{'write':<9}{'acknowledged':>13}{'in flight at a kill':>21}{'  of those, committed':>22}",
    ]
    for kind in ("receipt", "feed", "move"):
        lines.append(
            f"{kind:<9}{acknowledged[kind]:>13}{uncertain[kind]:>21}"
            f"{ledger.found_committed[kind]:>22}"
        )
    refused = ", ".join(f"{code} {n}" for code, n in sorted(ledger.refused.items()))
    lines.append(f"refused: {refused or 'none'}")
    return "\n".join(lines)
