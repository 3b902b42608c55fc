"""The audit trail's hash chain, checked without a database: rows in, the first problem out."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nicu_milk.services.audit import GENESIS, canonical, entry_hash, verify_chain

UTC = dt.UTC
T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
ACTIONS = ("container.received", "container.fed", "sign_in.ok", "near_miss.check", "user.created")


def link(rows: list[dict], **fields) -> dict:
    """Append a row to the chain as the app does: next id, previous hash, own hash."""
    row = {
        "id": len(rows) + 1,
        "occurred_at": T0 + dt.timedelta(minutes=len(rows)),
        "recorded_at": T0 + dt.timedelta(minutes=len(rows), seconds=3),
        "actor_id": 7,
        "actor": "nina",
        "action": ACTIONS[len(rows) % len(ACTIONS)],
        "subject": f"container:M{len(rows):010d}",
        "details": {"volume_ml": 5.0, "location": "FR1"},
        "prev_hash": rows[-1]["hash"] if rows else GENESIS,
        **fields,
    }
    row["hash"] = entry_hash(row)
    rows.append(row)
    return row


def chain(length: int) -> tuple[list[dict], dict]:
    rows: list[dict] = []
    for _ in range(length):
        link(rows)
    return rows, head_of(rows)


def head_of(rows: list[dict]) -> dict:
    return {"seq": len(rows), "hash": rows[-1]["hash"] if rows else GENESIS}


def rehash(row: dict) -> None:
    row["hash"] = entry_hash(row)


# --- tampering, as someone with the database but not the app would do it --------------------


def edit(rows, head):
    rows[2]["actor"] = "mallory"
    return rows, head


def edit_and_rehash(rows, head):
    rows[2]["details"] = {"volume_ml": 50.0, "location": "FR1"}
    rehash(rows[2])
    return rows, head


def edit_last_and_rehash(rows, head):
    rows[-1]["subject"] = "container:M9999999999"
    rehash(rows[-1])
    return rows, head


def edit_the_time(rows, head):
    rows[4]["occurred_at"] += dt.timedelta(hours=1)
    return rows, head


def delete_one(rows, head):
    del rows[2]
    return rows, head


def delete_several(rows, head):
    del rows[1:4]
    return rows, head


def delete_the_last(rows, head):
    return rows[:-1], head


def delete_the_first(rows, head):
    return rows[1:], head


def insert_at_the_end(rows, head):
    link(rows, action="user.role_changed", subject="user:mallory", details={"to": "admin"})
    return rows, head


def insert_a_forged_first_row(rows, head):
    rows[0] = {**rows[0], "prev_hash": hashlib.sha256(b"elsewhere").hexdigest()}
    rehash(rows[0])
    return rows, head


def insert_with_a_made_up_hash(rows, head):
    rows.append({**rows[-1], "id": len(rows) + 1, "hash": "f" * 64})
    return rows, head


def lose_the_head(rows, head):
    return rows, None


def edit_the_head(rows, head):
    return rows, {**head, "hash": "e" * 64}


# name: (tampering, id named, kind of problem, words in the message, rows verified before it)
CASES = {
    "field edited": (edit, 3, "changed", "no longer match its hash", 2),
    "edited, hash recomputed": (edit_and_rehash, 3, "changed", "event 4 links to", 3),
    "last edited, hash recomputed": (edit_last_and_rehash, 8, "changed", "head holds", 8),
    "time moved": (edit_the_time, 5, "changed", "no longer match its hash", 4),
    "one row deleted": (delete_one, 4, "missing", "event 3 is missing", 2),
    "rows deleted": (delete_several, 5, "missing", "events 2-4 are missing", 1),
    "last row deleted": (delete_the_last, 8, "missing", "event 8 is missing at the end", 7),
    "first row deleted": (delete_the_first, 2, "missing", "event 1 is missing", 0),
    "row appended outside the app": (insert_at_the_end, 9, "inserted", "after the chain's head", 8),
    "made-up row appended": (insert_with_a_made_up_hash, 9, "inserted", "outside the app", 8),
    "forged first row": (insert_a_forged_first_row, 1, "inserted", "start of the chain", 0),
    "head row deleted": (lose_the_head, 1, "missing", "head row", 0),
    "head edited": (edit_the_head, 8, "changed", "head holds", 8),
}


@pytest.mark.parametrize("name", CASES)
def test_each_kind_of_tampering_names_the_first_broken_link(name):
    tamper, named, kind, words, verified = CASES[name]
    rows, head = tamper(*chain(8))
    verdict = verify_chain(rows, head)
    assert not verdict.sound
    assert (verdict.problem.id, verdict.problem.kind) == (named, kind), verdict.problem
    assert words in verdict.problem.message, verdict.problem.message
    assert verdict.verified == verified
    # The action is named when the row is there to name it.
    if kind != "missing" or named <= len(rows):
        assert verdict.problem.action in (*ACTIONS, "user.role_changed")
    assert str(verdict.problem).startswith(f"event {named}")


@pytest.mark.parametrize("length", [0, 1, 2, 50])
def test_a_sound_chain_verifies_whole(length):
    rows, head = chain(length)
    verdict = verify_chain(rows, head)
    assert verdict.sound and verdict.problem is None
    assert verdict.verified == length and verdict.head_seq == length


def test_the_hash_covers_every_field_and_the_link():
    [row], _ = chain(1)
    for name, other in (
        ("id", 2),
        ("occurred_at", T0 + dt.timedelta(microseconds=1)),
        ("recorded_at", T0),
        ("actor_id", None),
        ("actor", "nina "),
        ("action", "container.fed "),
        ("subject", "container:M0000000001"),
        ("details", {"volume_ml": 5.0, "location": "FR2"}),
        ("prev_hash", "1" * 64),
    ):
        assert entry_hash({**row, name: other}) != row["hash"], name


def test_the_serialisation_is_canonical():
    # Key order, the offset a time is given in, and white space do not change the text.
    east = dt.timezone(dt.timedelta(hours=5, minutes=30))
    assert canonical({"b": 1, "a": T0}) == canonical({"a": T0.astimezone(east), "b": 1})
    assert canonical({"a": T0}) == '{"a":"2026-11-30T08:00:00.000000Z"}'
    assert canonical({"name": "Zoë"}) == '{"name":"Zo\\u00eb"}'
    with pytest.raises(ValueError):
        canonical({"a": dt.datetime(2026, 11, 30, 8, 0)})


# --- any single change is seen ----------------------------------------------------------------

FIELD_VALUES = {
    "id": st.integers(min_value=-5, max_value=40),
    "occurred_at": st.datetimes(timezones=st.just(UTC)),
    "recorded_at": st.datetimes(timezones=st.just(UTC)),
    "actor_id": st.none() | st.integers(min_value=0, max_value=1000),
    "actor": st.text(max_size=20),
    "action": st.sampled_from((*ACTIONS, "user.role_changed")),
    "subject": st.text(max_size=30),
    "details": st.dictionaries(
        st.text(max_size=8), st.integers() | st.text(max_size=8) | st.booleans(), max_size=3
    ),
    "prev_hash": st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    "hash": st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
}


@st.composite
def tampered(draw):
    length = draw(st.integers(min_value=1, max_value=12))
    rows, head = chain(length)
    if draw(st.booleans()):  # a row
        index = draw(st.integers(min_value=0, max_value=length - 1))
        name = draw(st.sampled_from(sorted(FIELD_VALUES)))
        value = draw(FIELD_VALUES[name])
        assume(value != rows[index][name])
        if name == "id":  # the id is the primary key: the database allows no duplicate
            assume(value not in {row["id"] for row in rows})
        rows[index][name] = value
        # A careful forger recomputes the row's own hash (not possible for the hash itself).
        if name != "hash" and draw(st.booleans()):
            rehash(rows[index])
        rows.sort(key=lambda row: row["id"])  # the database gives them in id order
    else:  # the head
        name = draw(st.sampled_from(["seq", "hash"]))
        value = draw(
            st.integers(min_value=0, max_value=40) if name == "seq" else FIELD_VALUES["hash"]
        )
        assume(value != head[name])
        head[name] = value
    return rows, head


@given(tampered())
def test_any_single_field_changed_anywhere_is_detected(case):
    rows, head = case
    verdict = verify_chain(rows, head)
    assert not verdict.sound
    assert verdict.problem.kind in ("changed", "missing", "inserted")
