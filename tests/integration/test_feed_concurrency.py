"""Concurrent feeds of one bottle never overdraw it, on SQLite and on PostgreSQL.

Threads race through the whole HTTP stack, each with its own connection, as nurses at two
bedsides (or several gunicorn workers) would.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from nicu_milk.extensions import db
from nicu_milk.models import Container, Feed
from tests.api.conftest import receive_milk

# Minutes, not seconds: left out of a plain `pytest`, run by scripts/test.sh and CI.
pytestmark = pytest.mark.slow

THREADS = 8


def race(app, token: str, bodies: list[dict]) -> list:
    """POST every body to /feeds at the same moment, one thread each; the answers, in order."""
    barrier = threading.Barrier(len(bodies))
    answers: list = [None] * len(bodies)

    def feed(index: int) -> None:
        client = app.test_client()
        barrier.wait()
        answers[index] = client.post(
            "/api/v1/feeds", json=bodies[index], headers={"Authorization": f"Bearer {token}"}
        )

    threads = [threading.Thread(target=feed, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def _stored(code: str) -> tuple[Container, list[Feed]]:
    db.session.expire_all()
    bottle = db.session.scalars(db.select(Container).where(Container.code == code)).one()
    feeds = list(db.session.scalars(db.select(Feed).where(Feed.container_id == bottle.id)))
    return bottle, feeds


def test_racing_feeds_take_no_more_than_the_bottle_holds(app, unit):
    bottle = receive_milk(unit["nurse"], volume_ml=50)
    body = {"infant_code": "INF100", "container_code": bottle["code"], "volume_ml": 15}

    answers = race(app, unit["nurse"].token, [body] * THREADS)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] * 3 + [400] * 5, [a.get_json() for a in answers]
    refused = [a.get_json()["error"]["code"] for a in answers if a.status_code == 400]
    assert refused == ["VOLUME_EXCEEDS_REMAINING"] * 5
    stored, feeds = _stored(bottle["code"])
    assert stored.remaining_ml == 5
    assert sum(feed.volume_ml for feed in feeds) == Decimal(45)


def test_once_a_race_empties_the_bottle_the_rest_are_stopped_as_consumed(app, unit):
    bottle = receive_milk(unit["nurse"], volume_ml=50)
    body = {"infant_code": "INF100", "container_code": bottle["code"], "volume_ml": 10}

    answers = race(app, unit["nurse"].token, [body] * THREADS)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] * 5 + [409] * 3, [a.get_json() for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert [r["code"] for r in answer.get_json()["reasons"]] == ["CONSUMED"]
    stored, feeds = _stored(bottle["code"])
    assert stored.remaining_ml == 0
    assert stored.state == "consumed"
    assert sum(feed.volume_ml for feed in feeds) == Decimal(50)
    assert len(feeds) == 5


def test_no_feed_is_refused_merely_because_another_was_in_flight(app, unit):
    bottle = receive_milk(unit["nurse"], volume_ml=60)
    body = {"infant_code": "INF100", "container_code": bottle["code"], "volume_ml": 5}

    answers = race(app, unit["nurse"].token, [body] * THREADS)

    assert [answer.status_code for answer in answers] == [201] * THREADS
    remaining = sorted(answer.get_json()["container"]["remaining_ml"] for answer in answers)
    # Each feed saw the one before it: the remainders step down by 5 without a repeat.
    assert remaining == [60 - 5 * n for n in range(THREADS, 0, -1)]
    stored, feeds = _stored(bottle["code"])
    assert stored.remaining_ml == Decimal(60 - 5 * THREADS)
    assert len(feeds) == THREADS
