"""Row locks on PostgreSQL: an action that waited for another server's change sees all of it."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from nicu_milk.extensions import db
from tests.api.conftest import receive_milk


def test_an_action_that_waited_for_a_move_sees_where_the_bottle_went(app, unit, database_url):
    """On PostgreSQL a locking read that waited re-reads only the locked row: the bottle's
    location, joined from another table, used to come back empty, and the split failed (500)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole write transactions")
    bottle = receive_milk(unit["nurse"], location="FR1")
    token = unit["nurse"].token
    answers = []
    with db.engine.connect() as mover, db.engine.connect() as watcher:
        # Another server moves the bottle to the shelf and has not committed yet.
        mover.execute(
            text(
                "UPDATE containers SET location_id = "
                "(SELECT id FROM storage_locations WHERE code = 'FR1-S1') WHERE code = :code"
            ),
            {"code": bottle["code"]},
        )
        splitter = threading.Thread(
            target=lambda: answers.append(
                app.test_client().post(
                    f"/api/v1/containers/{bottle['code']}/split",
                    json={"volumes_ml": [10]},
                    headers={"Authorization": f"Bearer {token}"},
                )
            )
        )
        splitter.start()
        # Commit only once the split is waiting for the bottle's row lock.
        while not watcher.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
            watcher.rollback()
            assert splitter.is_alive(), answers[0].get_json()
            time.sleep(0.01)
        mover.commit()
        splitter.join(timeout=60)
    [answer] = answers
    assert answer.status_code == 201, answer.get_json()
    [portion] = answer.get_json()["containers"]
    assert portion["location_code"] == "FR1-S1"
