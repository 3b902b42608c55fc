"""The bedside check reads with at most 3 SELECTs whatever the unit's history, after one for the
token and its user, and writes only a near miss and its audit row. Counted with SQLAlchemy's
cursor events, so a regression fails here."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

from nicu_milk.extensions import db
from tests.api.conftest import ago, receive_milk


@contextlib.contextmanager
def statements():
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _work(seen: list[str]) -> tuple[list[str], list[str]]:
    """SELECTs and writes, leaving out authentication (the token lookup), transaction control
    and the audit chain's head (locked only by a transaction that writes).

    Authentication itself is one SELECT: the token and its user together, nothing loaded later.
    """
    authentication = [s for s in seen if s.upper().startswith("SELECT") and "api_tokens" in s]
    assert len(authentication) == 1, authentication
    assert " users " in f" {authentication[0]} ".replace(",", " "), authentication
    selects = [
        s
        for s in seen
        if s.upper().startswith("SELECT") and "api_tokens" not in s and "FROM audit_head" not in s
    ]
    writes = [s for s in seen if s.split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    return selects, writes


@pytest.fixture
def busy_history(unit):
    """A baby with plenty of history: many bottles, moves, thaws and feeds."""
    nurse = unit["nurse"]
    codes = []
    for n in range(30):
        bottle = receive_milk(nurse, location="FZ1-S1", expressed_at=ago(days=20, hours=n))
        codes.append(bottle["code"])
    for code in codes[:10]:
        assert (
            nurse.post(f"/containers/{code}/thaw", {"location_code": "FR1-S1"}).status_code == 200
        )
    for code in codes[:5]:
        feed = {
            "infant_code": "INF100",
            "container_code": code,
            "volume_ml": 5,
            "acknowledge_warnings": True,
        }
        assert nurse.post("/feeds", feed).status_code == 201
    return codes


@pytest.mark.parametrize("history", [False, True], ids=["new unit", "busy history"])
def test_a_go_check_reads_three_times_and_writes_nothing(unit, request, history):
    if history:
        request.getfixturevalue("busy_history")
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, expressed_at=ago(minutes=30), colostrum=True)

    with statements() as seen:
        answer = nurse.post(
            "/feeds/check", {"infant_code": "INF100", "container_code": bottle["code"]}
        )

    assert answer.get_json()["verdict"] == "go", answer.get_json()
    selects, writes = _work(seen)
    assert len(selects) <= 3, selects
    assert writes == []
    assert not [s for s in seen if "audit_" in s], "a go check touched the audit trail"


def test_a_stop_check_reads_three_times_and_writes_only_the_near_miss(unit, busy_history):
    nurse = unit["nurse"]
    twin_milk = receive_milk(nurse, mrn="INF200")

    with statements() as seen:
        answer = nurse.post(
            "/feeds/check", {"infant_code": "INF100", "container_code": twin_milk["code"]}
        )

    assert answer.get_json()["verdict"] == "stop"
    selects, writes = _work(seen)
    # Another baby's bottle: the baby's own bottles (for USE_FIRST) are not read at all.
    assert len(selects) <= 2, selects
    # The near miss, its row on the audit trail, and the chain's head moved on.
    assert [w.split(" (")[0].split(" SET")[0].upper() for w in writes] == [
        "INSERT INTO CHECK_ATTEMPTS",
        "INSERT INTO AUDIT_EVENTS",
        "UPDATE AUDIT_HEAD",
    ], writes
    head_reads = [s for s in seen if s.startswith("SELECT") and "FROM audit_head" in s]
    assert len(head_reads) == 1, head_reads
