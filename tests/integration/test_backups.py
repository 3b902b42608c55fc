"""`flask --app wsgi backup` and `restore`, on SQLite and on PostgreSQL.

The round trip is done under load: gunicorn takes a stream of receipts, feeds and moves while
the backup runs. The backup must then be one instant of the unit (every write acknowledged
before it began, nothing sent after it ended, each bottle's volume minus its feeds), the
restored database must hold exactly what the backup holds (every table, row and column), its
audit trail must verify and be the original's up to the backup's instant, and gunicorn must
start and serve on it, old tokens and all.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from config import TestConfig
from nicu_milk import create_app
from nicu_milk.extensions import db
from nicu_milk.services.backups import ToolFailed, find_tool
from tests.api.conftest import receive_milk
from tests.conftest import _postgres_database
from tests.integration import crashing, table_contents
from tests.integration.servers import ROOT, server_environment, start_cold

# Minutes, not seconds: left out of a plain `pytest`, run by scripts/test.sh and CI.
pytestmark = pytest.mark.slow


@pytest.fixture
def restore_target(database_url, tmp_path):
    """An empty database of the same kind, to restore into."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
    else:
        yield from _postgres_database()


def _backup_contents(path: Path) -> table_contents.Contents:
    with path.open("rb") as start:
        sqlite = start.read(6) == b"SQLite"
    return table_contents.of_sqlite_file(path) if sqlite else table_contents.of_pg_dump(path)


def _cli(url: str, *arguments: str, **config):
    """Run a command in-process, as `flask --app wsgi` would, against the database at `url`."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, **config)
    # Its own app context: the commands would otherwise use the test's app, already pushed.
    with app.app_context():
        try:
            return app.test_cli_runner().invoke(args=list(arguments))
        finally:
            db.engine.dispose()


def _chain(url: str) -> list[tuple[int, str, str]]:
    """The audit trail's links, (id, previous hash, hash), in order, read without the app."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [
                tuple(row)
                for row in connection.execute(
                    text("SELECT id, prev_hash, hash FROM audit_events ORDER BY id")
                )
            ]
    finally:
        engine.dispose()


def _writes_until(ledger: crashing.Ledger, count: int) -> None:
    deadline = time.monotonic() + 120
    while len(ledger.acknowledged) < count:
        assert time.monotonic() < deadline and not ledger.unexpected, ledger.unexpected
        time.sleep(0.01)


def test_a_backup_taken_under_load_is_one_instant_and_restores_to_a_serving_unit(
    app, unit, database_url, restore_target, tmp_path
):
    tokens = [unit["nurse"].token, unit["nurse2"].token]
    ledger, stop = crashing.Ledger(), threading.Event()
    backup = tmp_path / "unit.backup"
    server = start_cold(database_url, log_dir=tmp_path)
    try:
        writers = crashing.stream(server.base, tokens, ledger, random.Random(7), stop)
        _writes_until(ledger, 20)
        began = time.monotonic()
        made = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "backup", str(backup)],
            cwd=ROOT,
            env=server_environment(database_url),
            capture_output=True,
            text=True,
            check=False,
        )
        ended = time.monotonic()
        _writes_until(ledger, len(ledger.acknowledged) + 20)  # the unit moves on
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
    finally:
        stop.set()
        server.stop()
    assert made.returncode == 0, made.stderr
    assert f"to {backup}" in made.stdout, made.stdout
    written_during = sum(began < w.answered and w.sent < ended for w in ledger.acknowledged)

    restored = _cli(restore_target, "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert "which holds no records" in restored.output and "Restored." in restored.output
    # Every table, row and column the backup holds, and nothing else.
    snapshot = _backup_contents(backup)
    assert "containers" in snapshot and snapshot["containers"], snapshot.keys()
    assert table_contents.of_database(restore_target) == snapshot
    # The audit trail came back whole: it verifies, and it is the unit's own chain as it stood
    # at the backup's instant (the unit went on adding links after it).
    checked = _cli(restore_target, "verify-audit")
    assert checked.exit_code == 0, checked.output
    restored_chain, live_chain = _chain(restore_target), _chain(database_url)
    assert restored_chain and f"{len(restored_chain)} events verified" in checked.output
    assert restored_chain == live_chain[: len(restored_chain)]
    assert len(live_chain) > len(restored_chain)

    # The backup is one instant: what was acknowledged before it began is in it, what was sent
    # after it ended is not, and what was written while it ran is there whole or not at all.
    before = [w for w in ledger.acknowledged if w.answered < began]
    during = [w for w in ledger.acknowledged if w not in before and w.sent < ended]
    after = [w for w in ledger.acknowledged if w.sent > ended]
    assert before and after, (len(before), len(after))
    instant = crashing.Ledger(acknowledged=before, uncertain=during)
    server = start_cold(restore_target, log_dir=tmp_path)
    try:
        api = server.api(tokens[0])  # tokens issued before the backup still work
        problems = crashing.verify(api, instant)
        status, listed = api.get(f"/feeds?infant_mrn={crashing.INFANT}")
        stored_feeds = {feed["id"] for feed in listed["feeds"]}
        status, listed = api.get(f"/infants/{crashing.INFANT}/containers")
        stored_bottles = {bottle["code"] for bottle in listed["containers"]}
        later = [w.feed_id for w in after if w.kind == "feed" and w.feed_id in stored_feeds]
        later += [
            w.container for w in after if w.kind == "receipt" and w.container in stored_bottles
        ]
        # And it takes new milk and feeds, with ids after the restored ones.
        status, bottle = api.post(
            *crashing.Write("receipt", volume=Decimal(40), place="FR1").request()
        )
        assert status == 201, bottle
        status, fed = api.post(*crashing.Write("feed", bottle["code"], volume=Decimal(5)).request())
        assert status == 201, fed
        assert bottle["code"] not in stored_bottles and fed["feed"]["id"] not in stored_feeds
    finally:
        server.stop()
    assert problems == [], "\n".join(problems[:40])
    assert later == [], f"writes sent after the backup ended are in it: {later}"
    print(
        f"{len(before)} writes before the backup, {written_during} while it ran, "
        f"{len(after)} after; backup command {ended - began:.1f} s"
    )


def test_restore_replaces_records_only_when_told_to(
    app, unit, database_url, restore_target, tmp_path
):
    bottle = receive_milk(unit["nurse"])
    assert (
        unit["nurse"]
        .post(
            "/feeds", {"infant_code": "INF100", "container_code": bottle["code"], "volume_ml": 10}
        )
        .status_code
        == 201
    )
    backup = tmp_path / "quiet.backup"
    made = _cli(database_url, "backup", str(backup))
    assert made.exit_code == 0, made.output
    live = table_contents.of_database(database_url)

    assert _cli(restore_target, "restore", str(backup)).exit_code == 0
    assert table_contents.of_database(restore_target) == live
    assert _cli(restore_target, "verify-audit").exit_code == 0
    assert _chain(restore_target) == _chain(database_url)

    # The restored unit goes on: it now holds a record the backup does not.
    app_on_copy = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=restore_target)
    with app_on_copy.app_context():
        answer = app_on_copy.test_client().post(
            "/api/v1/containers",
            json={
                "infant_mrn": "INF100",
                "expressed_at": bottle["expressed_at"],
                "volume_ml": 30,
                "milk_type": "MOM",
                "location_code": "FR1",
            },
            headers={"Authorization": f"Bearer {unit['nurse'].token}"},
        )
        assert answer.status_code == 201, answer.get_json()
        db.session.remove()
        db.engine.dispose()
    diverged = table_contents.of_database(restore_target)
    assert diverged != live

    refused = _cli(restore_target, "restore", str(backup))
    assert refused.exit_code == 1
    assert "which holds 6 users, 3 infants, 2 containers, 1 feeds," in refused.output, (
        refused.output
    )
    assert "run again with --force" in refused.output
    assert table_contents.of_database(restore_target) == diverged

    forced = _cli(restore_target, "restore", "--force", str(backup))
    assert forced.exit_code == 0, forced.output
    assert "--force: they will be replaced by the backup's." in forced.output
    assert table_contents.of_database(restore_target) == live


def test_a_backup_never_overwrites_a_file(app, unit, database_url, tmp_path):
    existing = tmp_path / "yesterday.backup"
    existing.write_bytes(b"yesterday's backup")
    refused = _cli(database_url, "backup", str(existing))
    assert refused.exit_code == 1
    assert "already exists. Backups are never overwritten" in refused.output
    assert existing.read_bytes() == b"yesterday's backup"
    missing = _cli(database_url, "backup", str(tmp_path / "no" / "such.backup"))
    assert missing.exit_code == 1 and "There is no folder" in missing.output


def test_restore_refuses_what_is_no_backup_of_this_unit(
    app, database_url, restore_target, tmp_path
):
    text = tmp_path / "notes.txt"
    text.write_text("not a backup")
    refused = _cli(restore_target, "restore", str(text))
    assert refused.exit_code == 1
    assert "neither a SQLite database nor a pg_dump custom-format archive" in refused.output

    # Another program's SQLite database, and one made by a newer release of nicu_milk.
    foreign = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(foreign)) as other:
        other.execute("CREATE TABLE notes (body TEXT)")
        other.commit()
    refused = _cli(restore_target, "restore", str(foreign))
    assert refused.exit_code == 1
    if database_url.startswith("sqlite"):
        assert "is a SQLite database, but not nicu_milk's" in refused.output
        newer = tmp_path / "newer.sqlite"
        assert _cli(database_url, "backup", str(newer)).exit_code == 0
        with closing(sqlite3.connect(newer)) as copy:
            copy.execute("UPDATE alembic_version SET version_num = '9999_future'")
            copy.commit()
        refused = _cli(restore_target, "restore", str(newer))
        assert refused.exit_code == 1
        assert (
            "schema is 9999_future, which this release of nicu_milk does not know" in refused.output
        )
    else:
        assert "not nicu_milk's" in refused.output  # checked before the kind of database
    # Nothing was written where the restore would have gone.
    if database_url.startswith("sqlite"):
        assert not Path(restore_target.split(":///", 1)[1]).exists()
    else:
        assert table_contents.of_database(restore_target) == {}


def test_without_pg_dump_the_backup_says_where_it_looked(app, database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite backs up with Python's own sqlite3 module")
    nowhere = tmp_path / "bin"
    nowhere.mkdir()
    refused = _cli(database_url, "backup", str(tmp_path / "unit.backup"), PG_BIN=str(nowhere))
    assert refused.exit_code == 1
    assert f"pg_dump is not in {nowhere} (NICU_MILK_PG_BIN)" in refused.output
    assert not (tmp_path / "unit.backup").exists()


def test_the_newest_installed_pg_dump_is_found_when_none_is_on_path(tmp_path):
    for version in ("13", "15", "9.6"):
        tool = tmp_path / version / "bin" / "pg_dump"
        tool.parent.mkdir(parents=True)
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    found = find_tool("pg_dump", search_path="", roots=(str(tmp_path),))
    assert found == str(tmp_path / "15" / "bin" / "pg_dump")
    with pytest.raises(ToolFailed) as missing:
        find_tool("pg_dump", search_path="", roots=(str(tmp_path / "none"),))
    assert "apt-get install postgresql-client" in missing.value.message
    assert os.access(found, os.X_OK)
