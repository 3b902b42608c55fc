"""Engine set-up: SQLite made safe for several workers, PostgreSQL left to its row locks."""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Whether the current transaction may write. On SQLite a writer starts with BEGIN IMMEDIATE
# and so holds the write lock from its first read: two feeds of one bottle queue instead of
# both reading the same remaining volume (or failing with "database is locked").
write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)

SQLITE_BUSY_TIMEOUT_MS = 30_000


def prepare_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control from the driver so that we can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Straight to the driver: every request begins, and this is a tenth of a bedside check
        # through SQLAlchemy's statement machinery.
        connection.connection.driver_connection.execute(
            "BEGIN IMMEDIATE" if write_intent.get() else "BEGIN"
        )


def write_from_here(session) -> None:
    """Make the rest of this request a writer, after a read that wrote nothing.

    The read's transaction ends first, so that on SQLite the next one begins with BEGIN
    IMMEDIATE and waits its turn for the write lock. Upgrading the read instead would fail at
    once ("database is locked") whenever another writer had committed since the read began.
    On PostgreSQL it only ends a read-only transaction early. Objects read so far keep the
    values the read saw (what the verdict was made on), so that recording it (the near miss and
    its audit row, which names the nurse) reads nothing again.
    """
    if write_intent.get():
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read-only transaction holds unsaved changes; declare writes=True")
    actual = session() if hasattr(session, "registry") else session
    expiring = actual.expire_on_commit
    actual.expire_on_commit = False
    try:
        actual.commit()
    finally:
        actual.expire_on_commit = expiring
    write_intent.set(True)
