"""Nurses racing on one bottle: the rounds, the answers they got, and what the unit must show after.

A round is one moment at the bedside: THREADS nurses, each with their own connection and
account, send one request each at the same instant (a barrier), all about the same bottle:
feeds, checks, moves into the freezer and back, thaws, splits, holds, releases and discards,
and feeds of the portions split from it. A bottle lives for a few rounds; then a new one comes,
fresh or frozen in turn.

`verify` reads everything back through the API and lists what is wrong:
- nothing overdrawn: each bottle's feeds and portions add up to what left it, never more;
- no event lost or invented: each accepted request has exactly its event (and feed), each
  refusal none, except that a refused feed or a stopped check is a near miss, exactly one;
- no container in a state its life (tests.integration.container_life) cannot reach.

The same code drives the CI test (Flask's test client in threads) and bench/races.py (longer,
optionally through gunicorn's worker processes).
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from tests.integration import container_life

INFANT = "INF100"
FRIDGE, SHELF, FREEZER = "FR1", "FR1-S1", "FZ1"
BOTTLE_ML = 150

# (method, path, body) -> (status, JSON body), as one nurse; `senders[i]` is nurse i.
Send = Callable[[str, str, dict | None], tuple[int, dict]]

# How often each action comes up in a round. Discards are rare so that bottles live a while.
WEIGHTS = {
    "feed": 4,
    "feed_portion": 3,
    "check": 1,
    "move_freezer": 1,
    "move_fridge": 1,
    "thaw": 2,
    "split": 1.5,
    "hold": 1,
    "release": 1.5,
    "discard": 0.1,
}
ACCEPTED = {"feed": 201, "feed_portion": 201, "split": 201}  # the rest answer 200
# The refusals the contract allows: a feed stopped by the check, a volume too large, or an
# action the bottle's state forbids. Anything else (a 500, "database is locked") is a failure.
REFUSALS = {400, 409}


def through_test_client(app, token: str) -> Send:
    """One nurse's own connection through Flask's test client (the whole HTTP stack, in-process)."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def send(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        answer = client.open(f"/api/v1{path}", method=method, json=body, headers=headers)
        return answer.status_code, answer.get_json()

    return send


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Answer:
    round: int
    nurse: int
    action: str
    target: str
    body: dict
    status: int
    payload: dict

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED.get(self.action, 200)

    @property
    def code(self) -> str:
        """The refusal as the figures show it: the error code, with the stop reasons of a feed."""
        if self.accepted:
            return ""
        error = self.payload.get("error", {}).get("code", str(self.status))
        reasons = self.payload.get("reasons", ())
        stops = sorted(r["code"] for r in reasons if r["severity"] == "stop")
        return f"{error}[{','.join(stops)}]" if stops else error


@dataclass
class Bottle:
    code: str
    portions: list[str] = field(default_factory=list)


@dataclass
class Race:
    usernames: list[str]
    started_at: dt.datetime
    bottles: list[Bottle] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    rounds: int = 0
    seconds: float = 0.0

    @property
    def codes(self) -> list[str]:
        return [code for bottle in self.bottles for code in (bottle.code, *bottle.portions)]


@dataclass(frozen=True)
class Request:
    action: str
    target: str
    path: str
    body: dict


def _request(action: str, bottle: Bottle, rng: random.Random) -> Request:
    """One nurse's action on this bottle (or, for a portion's feed, on one of its portions)."""
    if action == "feed_portion" and not bottle.portions:
        action = "feed"
    target = rng.choice(bottle.portions) if action == "feed_portion" else bottle.code
    path = f"/containers/{target}"
    if action in ("feed", "feed_portion"):
        volume = rng.choice((5, 10, 15) if target == bottle.code else (5, 10))
        return Request(
            action,
            target,
            "/feeds",
            {
                "infant_code": INFANT,
                "container_code": target,
                "volume_ml": volume,
                "acknowledge_warnings": True,
                "finished": rng.random() < 0.05,
            },
        )
    if action == "check":
        return Request(
            action, target, "/feeds/check", {"infant_code": INFANT, "container_code": target}
        )
    if action == "move_freezer":
        return Request(action, target, f"{path}/move", {"location_code": FREEZER})
    if action == "move_fridge":
        return Request(action, target, f"{path}/move", {"location_code": SHELF})
    if action == "thaw":
        return Request(action, target, f"{path}/thaw", {"location_code": FRIDGE})
    if action == "split":
        volumes = rng.choice(([10, 10], [15], [5, 20]))
        return Request(action, target, f"{path}/split", {"volumes_ml": volumes})
    if action in ("hold", "discard"):
        return Request(action, target, f"{path}/{action}", {"reason": f"race test: {action}"})
    return Request(action, target, f"{path}/release", {})


def _new_bottle(send: Send, frozen: bool) -> Bottle:
    status, payload = send(
        "POST",
        "/containers",
        {
            "infant_mrn": INFANT,
            "expressed_at": iso(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)),
            "volume_ml": BOTTLE_ML,
            "milk_type": "MOM",
            "location_code": FREEZER if frozen else FRIDGE,
        },
    )
    assert status == 201, payload
    return Bottle(payload["code"])


def run(
    senders: list[Send],
    usernames: list[str],
    *,
    rounds: int,
    rounds_per_bottle: int = 5,
    seed: int = 20261128,
) -> Race:
    """Race len(senders) nurses for `rounds` rounds; each nurse has its own connection."""
    rng = random.Random(seed)
    actions, weights = list(WEIGHTS), list(WEIGHTS.values())
    race = Race(usernames, started_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    barrier = threading.Barrier(len(senders))
    started = time.monotonic()
    bottle = None
    for number in range(rounds):
        if number % rounds_per_bottle == 0:
            # Every other bottle arrives frozen, so that thaws race with feeds and moves.
            bottle = _new_bottle(senders[0], frozen=len(race.bottles) % 2 == 1)
            race.bottles.append(bottle)
        planned = [_request(rng.choices(actions, weights)[0], bottle, rng) for _ in senders]
        got: list[Answer | None] = [None] * len(senders)

        def nurse(index: int, number=number, planned=planned, got=got) -> None:
            request = planned[index]
            barrier.wait()
            status, payload = senders[index]("POST", request.path, request.body)
            got[index] = Answer(
                number, index, request.action, request.target, request.body, status, payload
            )

        threads = [threading.Thread(target=nurse, args=(i,)) for i in range(len(senders))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert all(answer is not None for answer in got), f"round {number}: a nurse never answered"
        race.answers.extend(got)
        for answer in got:
            if answer.action == "split" and answer.accepted:
                bottle.portions.extend(child["code"] for child in answer.payload["containers"])
        race.rounds += 1
    race.seconds = time.monotonic() - started
    return race


# --- reading it back ---------------------------------------------------------------------------

EVENT_OF = {
    "feed": "fed",
    "feed_portion": "fed",
    "move_freezer": "moved",
    "move_fridge": "moved",
    "thaw": "thawed",
    "split": "split_into",
    "hold": "held",
    "release": "released",
    "discard": "discarded",
}


def _near_miss_key(action: str, user: str, code: str, verdict: str, reasons) -> tuple:
    return (action, user, code, verdict, tuple(sorted(r["code"] for r in reasons)))


def verify(race: Race, get: Callable[[str], tuple[int, dict]]) -> list[str]:
    """Everything wrong with the unit after the race, read back through the API."""
    found: list[str] = []
    ours = set(race.codes)
    containers = {}
    for code in race.codes:
        status, payload = get(f"/containers/{code}")
        assert status == 200, (code, payload)
        containers[code] = payload
    status, listed = get(f"/feeds?infant_mrn={INFANT}")
    assert status == 200, listed
    feeds = {feed["id"]: feed for feed in listed["feeds"] if feed["container_code"] in ours}
    status, report = get(f"/reports/near-misses?since={iso(race.started_at)}")
    assert status == 200, report
    near_misses = Counter(
        _near_miss_key(n["action"], n["user"], n["container_code"], n["verdict"], n["reasons"])
        for n in report["near_misses"]
        if n["container_code"] in ours
    )

    expected_events: dict[str, Counter] = {code: Counter() for code in race.codes}
    for bottle in race.bottles:  # each bottle was received by the first nurse
        expected_events[bottle.code][("received", race.usernames[0])] += 1
    expected_feeds: dict[int, tuple] = {}
    expected_misses: Counter = Counter()
    for answer in race.answers:
        user = race.usernames[answer.nurse]
        if answer.status not in REFUSALS and not answer.accepted:
            found.append(
                f"round {answer.round}: {answer.action} of {answer.target} answered "
                f"{answer.status}: {answer.payload}"
            )
            continue
        if answer.status == 400 and answer.code != "VOLUME_EXCEEDS_REMAINING":
            found.append(
                f"round {answer.round}: {answer.action} refused as malformed: {answer.payload}"
            )
        if answer.action == "check":
            verdict = answer.payload["verdict"]
            if verdict != "go":
                expected_misses[
                    _near_miss_key("check", user, answer.target, verdict, answer.payload["reasons"])
                ] += 1
            continue
        # A stopped feed, and a warned one given with the warnings acknowledged, are both near
        # misses; a feed refused for its volume (400) is nothing.
        fed = answer.action in ("feed", "feed_portion") and answer.status in (201, 409)
        if fed and answer.payload["verdict"] != "go":
            expected_misses[
                _near_miss_key(
                    "feed",
                    user,
                    answer.target,
                    answer.payload["verdict"],
                    answer.payload["reasons"],
                )
            ] += 1
        if not answer.accepted:
            continue
        expected_events[answer.target][(EVENT_OF[answer.action], user)] += 1
        if answer.action in ("feed", "feed_portion"):
            feed = answer.payload["feed"]
            expected_feeds[feed["id"]] = (answer.target, Decimal(str(feed["volume_ml"])), user)
        if answer.action == "split":
            for child in answer.payload["containers"]:
                expected_events[child["code"]][("split_from", user)] += 1

    # Every accepted request has its event, every refusal none (emptying is checked below).
    for code, container in containers.items():
        events = container["events"]
        recorded = Counter((e["type"], e["user"]) for e in events if e["type"] != "consumed")
        if recorded != expected_events[code]:
            found.append(
                f"{code}: events {dict(recorded)} but accepted requests "
                f"{dict(expected_events[code])}"
            )
        emptied = [i for i, e in enumerate(events) if e["type"] == "consumed"]
        if len(emptied) > 1:
            found.append(f"{code} was consumed {len(emptied)} times")
        for i in emptied:
            before = events[i - 1]
            if before["type"] not in ("fed", "split_into") or before["user"] != events[i]["user"]:
                found.append(f"{code} consumed by {events[i]['user']}, not by a feed or split")

    # Every accepted feed is stored as answered; no feed was stored that was not accepted.
    stored = {
        i: (f["container_code"], Decimal(str(f["volume_ml"])), f["user"]) for i, f in feeds.items()
    }
    if stored != expected_feeds:
        lost = sorted(set(expected_feeds) - set(stored))
        extra = sorted(set(stored) - set(expected_feeds))
        changed = sorted(
            i for i in set(stored) & set(expected_feeds) if stored[i] != expected_feeds[i]
        )
        found.append(f"feeds lost {lost}, never accepted {extra}, altered {changed}")
    if near_misses != expected_misses:
        found.append(
            f"near misses recorded {dict(near_misses - expected_misses)} beyond the "
            f"refusals, missing {dict(expected_misses - near_misses)}"
        )

    # Nothing overdrawn, and every container in a state its life can reach.
    for bottle in race.bottles:
        parent = containers[bottle.code]
        life = container_life.replay(parent)
        found += container_life.problems(parent)
        given = sum((d[1] for d in expected_feeds.values() if d[0] == bottle.code), Decimal(0))
        portioned = sum(
            (Decimal(str(containers[c]["volume_ml"])) for c in bottle.portions), Decimal(0)
        )
        taken = Decimal(str(parent["volume_ml"])) - Decimal(str(parent["remaining_ml"]))
        if taken != given + portioned or given + portioned > Decimal(BOTTLE_ML):
            found.append(
                f"{bottle.code}: {taken} ml left it, but feeds took {given} ml and "
                f"portions {portioned} ml"
            )
        for event in parent["events"]:
            if event["type"] == "split_into":
                split = sum(
                    Decimal(str(containers[c]["volume_ml"])) for c in event["details"]["children"]
                )
                if split != Decimal(str(event["details"]["volume_ml"])):
                    found.append(
                        f"{bottle.code}: portions of {split} ml from a split of "
                        f"{event['details']['volume_ml']} ml"
                    )
        for code in bottle.portions:
            portion = containers[code]
            if portion["parents"] != [bottle.code]:
                found.append(f"{code} lists parents {portion['parents']}, not {bottle.code}")
            found += container_life.problems(portion, life.children.get(code))
    return found


def figures(race: Race) -> str:
    """Accepted and refused per action, and the refusals by code, as a small table."""
    by_action: dict[str, Counter] = {}
    for answer in race.answers:
        tally = by_action.setdefault(answer.action, Counter())
        tally["sent"] += 1
        if answer.action == "check":  # answered 200 with a verdict; a stop is a near miss
            tally["accepted"] += answer.accepted
            tally[f"verdict {answer.payload.get('verdict', answer.status)}"] += 1
        elif answer.accepted:
            tally["accepted"] += 1
        else:
            tally[answer.code] += 1
    lines = [
        f"{race.rounds} rounds x {len(race.usernames)} nurses, {len(race.bottles)} bottles, "
        f"{sum(len(b.portions) for b in race.bottles)} portions, "
        f"{len(race.answers)} requests in {race.seconds:.1f} s"
    ]
    lines.append(f"{'action':<14}{'sent':>6}{'accepted':>10}  refused (by code) / verdicts")
    for action in WEIGHTS:
        tally = by_action.get(action)
        if not tally:
            continue
        rest = ", ".join(
            f"{code} {n}" for code, n in sorted(tally.items()) if code not in ("sent", "accepted")
        )
        lines.append(f"{action:<14}{tally['sent']:>6}{tally['accepted']:>10}  {rest}")
    return "\n".join(lines)
