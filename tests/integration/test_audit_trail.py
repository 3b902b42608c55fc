"""The audit trail on SQLite and PostgreSQL: what goes on it, and that tampering is seen.

Rows are edited, deleted and inserted with raw SQL, as someone with the database but not the
app would; `flask --app wsgi verify-audit` must then exit non-zero and name the first broken
link. Eight nurses writing at once must leave one chain, with no fork and no gap.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from nicu_milk.extensions import db
from nicu_milk.models import AuditEvent, AuditHead, Feed, Setting
from nicu_milk.services import audit
from tests.api.conftest import PASSWORD, ago, expect, receive_milk
from tests.web.conftest import Pages


def verify(runner):
    db.session.remove()  # the command reads what is committed, on its own session
    return runner.invoke(args=["verify-audit"])


def rows() -> list[AuditEvent]:
    db.session.remove()
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def actions() -> list[str]:
    return [row.action for row in rows()]


def test_every_kind_of_change_is_on_the_audit_trail(app, unit, client, runner):
    nurse, admin, charge = unit["nurse"], unit["admin"], unit["charge_nurse"]
    first = receive_milk(nurse, location="FZ1-S1")["code"]
    second = receive_milk(nurse)["code"]
    third = receive_milk(nurse)["code"]
    twin = receive_milk(nurse, mrn="INF200")["code"]
    expect(nurse.post(f"/containers/{first}/move", {"location_code": "DF1"}), 200)
    expect(nurse.post(f"/containers/{first}/thaw", {"location_code": "FR1"}), 200)
    expect(nurse.post(f"/containers/{second}/fortify", {"product": "HMF", "kcal_per_oz": 24}), 200)
    expect(nurse.post(f"/containers/{third}/hold", {"reason": "label smudged"}), 200)
    expect(nurse.post(f"/containers/{third}/release"), 200)
    expect(nurse.post(f"/containers/{third}/split", {"volumes_ml": [20, 20]}), 201)
    combined = receive_milk(nurse)["code"]
    expect(
        nurse.post("/containers/combine", {"codes": [third, combined], "location_code": "FR1"}),
        201,
    )
    feed = {"infant_code": "INF100", "container_code": second, "volume_ml": 10}
    expect(nurse.post("/feeds", {**feed, "acknowledge_warnings": True}), 201)
    expect(nurse.post("/feeds/check", {"infant_code": "INF100", "container_code": twin}), 200)
    witness = {"username": "noor", "password": "not the password"}
    check = {"infant_code": "INF100", "container_code": second, "manual_entry": True}
    expect(nurse.post("/feeds/check", {**check, "witness": witness}), 400)
    expect(nurse.post(f"/containers/{second}/discard", {"reason": "spilled"}), 200)
    expect(nurse.post(f"/containers/{first}/return"), 200)
    expect(nurse.post("/mothers/MOM200/hold", {"reason": "positive screen"}), 200)
    expect(nurse.get(f"/containers/{twin}/label.pdf"), 200)
    expect(charge.get("/reports/inventory.pdf"), 200)
    expect(admin.post("/users", {"username": "otto", "password": PASSWORD, "role": "nurse"}), 201)
    expect(admin.post("/users/otto/revoke-tokens"), 200)
    client.post("/api/v1/auth/token", json={"username": "otto", "password": "wrong password"})
    expect(nurse.delete("/auth/token"), 204)

    pages = Pages(app.test_client())
    pages.get("/login")
    assert pages.post("/login", {"username": "ada", "password": "nope"}).status_code == 401
    pages.sign_in("ada")
    assert (
        pages.post("/admin/users/otto/password", {"password": "a new password"}).status_code == 302
    )
    assert pages.post("/admin/users/linh/link", {"infant_mrn": "INF200"}).status_code == 302
    assert pages.post("/admin/users/otto/deactivate").status_code == 302
    assert pages.post("/logout").status_code == 302
    # The unit's policy file changed since the last init-db.
    db.session.add(Setting(key="policy_fingerprint", value="the policy before"))
    db.session.commit()
    assert runner.invoke(args=["init-db"]).exit_code == 0

    trail = rows()
    seen = {row.action for row in trail}
    for action in (
        # containers, every change
        "container.received",
        "container.moved",
        "container.thawed",
        "container.fortified",
        "container.held",
        "container.released",
        "container.split_into",
        "container.split_from",
        "container.combined_into",
        "container.combined_from",
        "container.consumed",
        "container.fed",
        "container.discarded",
        "container.returned",
        "container.mother_held",
        "container.label_printed",
        # near misses, prints, policy
        "near_miss.check",
        "print.report",
        "policy.applied",
        # sign-ins on every channel, and accounts
        "sign_in.ok",
        "sign_in.wrong_password",
        "user.created",
        "user.password_set",
        "user.linked",
        "user.deactivated",
        "user.signed_out",
        "token.issued",
        "token.revoked",
        # the unit's records
        "infant.admitted",
        "location.created",
        "mother.held",
    ):
        assert action in seen, f"{action} is not on the audit trail: {sorted(seen)}"

    by_action = {}
    for row in trail:
        by_action.setdefault(row.action, []).append(row)
    # Who, what, when: the nurse who fed, the bottle, when it happened and when recorded.
    [fed] = by_action["container.fed"]
    assert (fed.actor, fed.subject) == ("nina", f"container:{second}")
    assert fed.details["volume_ml"] == 10 and fed.occurred_at <= fed.recorded_at
    # Failed sign-ins on the API, the page and the witness's password, each with its channel.
    failed = {(r.subject, r.details["channel"]) for r in by_action["sign_in.wrong_password"]}
    assert {("user:otto", "api_token"), ("user:ada", "page"), ("user:noor", "witness")} <= failed
    # The administrator acted on otto's account; the sign-out is ada's own.
    assert {(r.actor, r.subject) for r in by_action["user.password_set"]} == {("ada", "user:otto")}
    assert {(r.actor, r.subject) for r in by_action["user.deactivated"]} == {("ada", "user:otto")}
    assert ("ada", "user:ada") in {(r.actor, r.subject) for r in by_action["user.signed_out"]}
    [policy] = by_action["policy.applied"]
    assert policy.actor == audit.SYSTEM and policy.details["previous"] == "the policy before"
    assert by_action["print.report"][0].details["report"] == "inventory"

    answer = verify(runner)
    assert answer.exit_code == 0, answer.output
    assert f"sound: {len(trail)} events verified" in answer.output


def test_a_new_unit_has_an_empty_sound_trail(app, runner):
    # Its first policy is no change: the database stays empty, ready for a restore.
    assert runner.invoke(args=["init-db"]).exit_code == 0
    answer = verify(runner)
    assert answer.exit_code == 0, answer.output
    assert "sound: 0 events verified" in answer.output


def test_a_go_check_leaves_no_trace_and_a_refused_request_no_half(app, unit, runner):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, expressed_at=ago(minutes=30), colostrum=True)["code"]
    before = actions()
    answer = nurse.post("/feeds/check", {"infant_code": "INF100", "container_code": bottle})
    assert expect(answer, 200)["verdict"] == "go"
    # A refused feed (more than is left) rolls back whole, audit row and all.
    too_much = {"infant_code": "INF100", "container_code": bottle, "volume_ml": 500}
    expect(nurse.post("/feeds", {**too_much, "acknowledge_warnings": True}), 400)
    assert actions() == before
    assert verify(runner).exit_code == 0


# --- tampering -------------------------------------------------------------------------------


def _raw(sql: str, **params) -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(text(sql), params)


def _middle() -> AuditEvent:
    trail = rows()
    assert len(trail) > 10, len(trail)
    return trail[len(trail) // 2]


def _forged_row(after: AuditEvent, *, linked: bool) -> dict:
    """A row a forger appends: the right shape, the right link and hash when `linked`."""
    row = {
        "id": after.id + 1,
        "occurred_at": after.occurred_at,
        "recorded_at": after.recorded_at,
        "actor_id": None,
        "actor": "mallory",
        "action": "user.role_changed",
        "subject": "user:mallory",
        "details": {"to": "admin"},
        "prev_hash": after.hash if linked else "0" * 64,
    }
    row["hash"] = audit.entry_hash(row) if linked else "f" * 64
    return row


def _insert(row: dict) -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(AuditEvent.__table__.insert(), [row])


def edit_a_field(target: AuditEvent) -> tuple[int, str, str]:
    _raw("UPDATE audit_events SET actor = 'mallory' WHERE id = :id", id=target.id)
    return target.id, target.action, "changed"


def edit_details_and_rehash(target: AuditEvent) -> tuple[int, str, str]:
    # A forger who knows the scheme recomputes the row's hash; the next row's link still holds.
    row = audit.as_row(target) | {"details": {**target.details, "volume_ml": 999}}
    row["hash"] = audit.entry_hash(row)
    db.session.remove()
    with db.engine.begin() as connection:
        table = AuditEvent.__table__
        connection.execute(
            table.update()
            .where(table.c.id == target.id)
            .values(details=row["details"], hash=row["hash"])
        )
    return target.id, target.action, "changed"


def delete_a_row(target: AuditEvent) -> tuple[int, str, str]:
    following = [row for row in rows() if row.id == target.id + 1][0]
    _raw("DELETE FROM audit_events WHERE id = :id", id=target.id)
    return following.id, following.action, "missing"


def delete_the_newest(target: AuditEvent) -> tuple[int, str | None, str]:
    newest = rows()[-1]
    _raw("DELETE FROM audit_events WHERE id = :id", id=newest.id)
    return newest.id, None, "missing"


def insert_a_linked_row(target: AuditEvent) -> tuple[int, str, str]:
    row = _forged_row(rows()[-1], linked=True)
    _insert(row)
    return row["id"], row["action"], "inserted"


def insert_a_made_up_row(target: AuditEvent) -> tuple[int, str, str]:
    row = _forged_row(rows()[-1], linked=False)
    _insert(row)
    return row["id"], row["action"], "inserted"


def replace_a_row(target: AuditEvent) -> tuple[int, str, str]:
    _raw("DELETE FROM audit_events WHERE id = :id", id=target.id)
    previous = [row for row in rows() if row.id == target.id - 1][0]
    _insert(_forged_row(previous, linked=True))
    return target.id, "user.role_changed", "changed"


TAMPERING = {
    "edit": edit_a_field,
    "edit and rehash": edit_details_and_rehash,
    "delete": delete_a_row,
    "delete the newest": delete_the_newest,
    "insert": insert_a_linked_row,
    "insert a made-up row": insert_a_made_up_row,
    "replace": replace_a_row,
}


@pytest.mark.parametrize("how", TAMPERING)
def test_verify_audit_names_a_row_edited_deleted_or_inserted_in_the_database(
    app, unit, runner, how
):
    nurse = unit["nurse"]
    for _ in range(3):
        code = receive_milk(nurse)["code"]
        feed = {"infant_code": "INF100", "container_code": code, "volume_ml": 5}
        expect(nurse.post("/feeds", {**feed, "acknowledge_warnings": True}), 201)
    sound = verify(runner)
    assert sound.exit_code == 0, sound.output
    target = _middle()
    if how == "edit and rehash":
        target = next(row for row in rows()[len(rows()) // 2 :] if row.action == "container.fed")

    named, action, kind = TAMPERING[how](target)

    broken = verify(runner)
    assert broken.exit_code == 1, broken.output
    link = f"event {named} ({action})" if action else f"event {named}"
    assert f"BROKEN at {link}: {kind}" in broken.output, broken.output


def test_the_app_writes_no_update_or_delete_of_audit_rows(app, unit):
    """Append-only: a day's work issues INSERTs into audit_events and nothing else."""
    from sqlalchemy import event

    seen: list[str] = []

    def look(conn, cursor, statement, *args):
        if "audit_events" in statement:
            seen.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", look)
    try:
        nurse = unit["nurse"]
        code = receive_milk(nurse)["code"]
        feed = {"infant_code": "INF100", "container_code": code, "volume_ml": 5}
        expect(nurse.post("/feeds", {**feed, "acknowledge_warnings": True}), 201)
        expect(nurse.post(f"/containers/{code}/discard", {"reason": "spilled"}), 200)
    finally:
        event.remove(db.engine, "before_cursor_execute", look)
    assert seen and set(seen) == {"INSERT"}, seen


# --- writers at once -------------------------------------------------------------------------

THREADS = 8
FEEDS_EACH = 6


def test_eight_nurses_writing_at_once_leave_one_chain(app, unit, runner):
    """Feeds of eight bottles at the same moment: every one is on one chain, in order."""
    nurse = unit["nurse"]
    bottles = [receive_milk(nurse)["code"] for _ in range(THREADS)]
    db.session.remove()
    before = db.session.scalar(select(AuditHead.seq))
    db.session.remove()  # this thread holds no transaction while the nurses write
    start, failures = threading.Barrier(THREADS), []

    def feed(code: str) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {nurse.token}"}
        start.wait()
        for _ in range(FEEDS_EACH):
            answer = client.post(
                "/api/v1/feeds",
                json={
                    "infant_code": "INF100",
                    "container_code": code,
                    "volume_ml": 5,
                    "acknowledge_warnings": True,
                },
                headers=headers,
            )
            if answer.status_code != 201:
                failures.append((code, answer.status_code, answer.get_json()))
            # Audit rows of other kinds, interleaved: a move of the same bottle.
            moved = client.post(
                f"/api/v1/containers/{code}/move", json={"location_code": "FR1"}, headers=headers
            )
            if moved.status_code != 200:
                failures.append((code, moved.status_code, moved.get_json()))

    threads = [threading.Thread(target=feed, args=(code,)) for code in bottles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []

    trail = rows()
    fed = [row for row in trail if row.id > before and row.action == "container.fed"]
    moved = [row for row in trail if row.id > before and row.action == "container.moved"]
    assert len(fed) == len(moved) == THREADS * FEEDS_EACH
    assert db.session.scalar(select(func.count()).select_from(Feed)) == THREADS * FEEDS_EACH
    # One chain: ids 1..n with no gap, each row linked to the one before, the head at the end.
    assert [row.id for row in trail] == list(range(1, len(trail) + 1))
    assert all(b.prev_hash == a.hash for a, b in zip(trail, trail[1:], strict=False))
    head = db.session.get(AuditHead, audit.HEAD_ID)
    assert (head.seq, head.hash) == (trail[-1].id, trail[-1].hash)
    answer = verify(runner)
    assert answer.exit_code == 0, answer.output
    assert f"{len(trail)} events verified" in answer.output
    # Every bottle's six feeds, each as given.
    for code in bottles:
        left = [row.details for row in fed if row.subject == f"container:{code}"]
        assert len(left) == FEEDS_EACH and all(d["volume_ml"] == 5 for d in left)
    print(
        f"{THREADS} threads, {len(fed) + len(moved)} audited writes at once, chain of {len(trail)}"
    )


def test_the_administrators_page_lists_events_and_says_when_the_chain_is_broken(app, unit):
    receive_milk(unit["nurse"])
    nurse = Pages(app.test_client())
    nurse.sign_in("nina")
    assert nurse.get("/admin/audit").status_code == 403

    admin = Pages(app.test_client())
    admin.sign_in("ada")
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    words = admin.text(page)
    assert 'data-chain="sound"' in page.get_data(as_text=True)
    assert "container.received" in words and "sign_in.ok" in words and "Intact" in words

    target = _middle()
    _raw("UPDATE audit_events SET subject = 'container:M0000000000' WHERE id = :id", id=target.id)
    words = admin.text(admin.get("/admin/audit"))
    assert f"Broken The record was tampered with at event {target.id} ({target.action})" in words


def test_a_message_from_the_hospital_record_is_one_call_and_its_changes_are_its_own(app, runner):
    """What ADT will do: record the message, and run the use case acting as ADT."""
    import datetime as dt

    from nicu_milk.services import families

    sent = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
    audit.record(db.session, audit.ADT, "adt.A01", "infant:INF700", {"control_id": "MSG1"}, sent)
    with audit.acting_as(audit.ADT):
        families.admit_infant(
            db.session,
            mrn="INF700",
            first_name="Noa",
            last_name="Berg",
            date_of_birth=dt.date.today(),
            mother_mrn="MOM700",
            mother_first_name="Ida",
            mother_last_name="Berg",
            donor_milk_consent=False,
            wristband_code=None,
            daily_volume_ml=None,
            today=dt.date.today(),
        )
    db.session.commit()
    trail = rows()
    assert [(r.actor, r.action, r.subject) for r in trail] == [
        ("adt", "adt.A01", "infant:INF700"),
        ("adt", "infant.admitted", "infant:INF700"),
    ]
    assert trail[0].occurred_at == sent and trail[0].details == {"control_id": "MSG1"}
    assert verify(runner).exit_code == 0
