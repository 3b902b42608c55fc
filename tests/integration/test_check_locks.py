"""A bedside check never takes the write lock. A go answers while a feed holds the lock (SQLite)
or the bottle's row (PostgreSQL); a stop waits only to record its near miss, and records it."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time

from sqlalchemy import text

from nicu_milk.extensions import db
from tests.api.conftest import ago, count, receive_milk


@contextlib.contextmanager
def a_feed_in_progress(database_url: str, code: str):
    """Another server in the middle of a feed of this bottle, not yet committed."""
    if database_url.startswith("sqlite"):
        feeder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        feeder.execute("BEGIN IMMEDIATE")  # the unit's write lock, as every feed takes it
        feeder.execute("UPDATE containers SET remaining_ml = 1 WHERE code = ?", (code,))
        try:
            yield
        finally:
            feeder.execute("ROLLBACK")
            feeder.close()
    else:
        with db.engine.connect() as feeder:
            feeder.execute(
                text("SELECT id FROM containers WHERE code = :code FOR UPDATE"), {"code": code}
            )
            feeder.execute(
                text("UPDATE containers SET remaining_ml = 1 WHERE code = :code"), {"code": code}
            )
            try:
                yield
            finally:
                feeder.rollback()


def _check_in_background(app, token: str, body: dict) -> tuple[threading.Thread, list]:
    answers: list = []
    checker = threading.Thread(
        target=lambda: answers.append(
            app.test_client().post(
                "/api/v1/feeds/check", json=body, headers={"Authorization": f"Bearer {token}"}
            )
        )
    )
    checker.start()
    return checker, answers


def test_a_go_answers_while_a_feed_holds_the_lock(app, unit, database_url):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, expressed_at=ago(minutes=30))
    body = {"infant_code": "INF100", "container_code": bottle["code"]}
    before = count("check_attempts")

    with a_feed_in_progress(database_url, bottle["code"]):
        checker, answers = _check_in_background(app, nurse.token, body)
        checker.join(timeout=10)
        answered_while_locked = not checker.is_alive()
    checker.join(timeout=60)

    assert answered_while_locked, "the go check waited for the feed's lock"
    [answer] = answers
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["verdict"] == "go"
    # It read what was committed, not the feed's uncommitted volume.
    assert answer.get_json()["container"]["remaining_ml"] == 60
    assert count("check_attempts") == before


def test_a_stop_waits_only_to_record_its_near_miss_and_records_it(app, unit, database_url):
    nurse = unit["nurse"]
    twin_milk = receive_milk(nurse, mrn="INF200")
    body = {"infant_code": "INF100", "container_code": twin_milk["code"]}
    before = count("check_attempts")

    with a_feed_in_progress(database_url, twin_milk["code"]):
        checker, answers = _check_in_background(app, nurse.token, body)
        time.sleep(0.5)
        if database_url.startswith("sqlite"):
            # The verdict is read; writing the near miss waits for the unit's write lock.
            assert checker.is_alive(), answers and answers[0].get_json()
    checker.join(timeout=60)

    [answer] = answers
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["verdict"] == "stop"
    assert [r["code"] for r in answer.get_json()["reasons"]] == ["WRONG_INFANT"]
    assert count("check_attempts") == before + 1


def test_every_warn_and_stop_among_concurrent_checks_is_a_near_miss(app, unit):
    """Eight nurses check at once, go and stop mixed: exactly one near miss per stop."""
    nurse = unit["nurse"]
    own = receive_milk(nurse, expressed_at=ago(minutes=30))
    twin_milk = receive_milk(nurse, mrn="INF200")
    before = count("check_attempts")
    bodies = [
        {"infant_code": "INF100", "container_code": (own if n % 2 else twin_milk)["code"]}
        for n in range(16)
    ]
    started = [_check_in_background(app, nurse.token, body) for body in bodies]
    verdicts = []
    for checker, answers in started:
        checker.join(timeout=120)
        [answer] = answers
        assert answer.status_code == 200, answer.get_json()
        verdicts.append(answer.get_json()["verdict"])
    assert verdicts.count("stop") == 8 and verdicts.count("go") == 8
    assert count("check_attempts") == before + 8
