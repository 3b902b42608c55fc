"""The query plan of every statement on the check's hot path, captured during real checks.

    .venv/bin/python bench/explain.py                                   # bench/data/unit-1M.sqlite
    .venv/bin/python bench/explain.py --database-url postgresql+psycopg://.../db

One "go" and one "stop" check go through the app (Flask's test client, a real token). SQLAlchemy's
cursor events record each statement with its parameters; each is then explained on the same
database (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL). A full scan of a table that grows
with the unit's history (containers, their events, feeds, near misses) is flagged.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from generate import PASSWORD, cache_path  # noqa: E402

HISTORY = ("containers", "container_events", "feeds", "check_attempts", "container_parents")
_SCAN = re.compile(r"\b(?:SCAN|Seq Scan on)\s+(\w+)")


def capture(url: str, go: tuple[str, str], stop: tuple[str, str]) -> str:
    from config import Config
    from nicu_milk import create_app
    from nicu_milk.extensions import db

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, TIMEZONE=harness.TIMEZONE)
    client = app.test_client()
    answer = client.post("/api/v1/auth/token", json={"username": "nurse001", "password": PASSWORD})
    token = answer.get_json()["token"]
    sections = []
    with app.app_context():
        engine = db.engine
        for name, (wristband, code) in (("go", go), ("stop", stop)):
            seen: list[tuple[str, object]] = []

            def record(conn, cursor, statement, parameters, context, executemany, seen=seen):
                seen.append((statement, parameters))

            event.listen(engine, "before_cursor_execute", record)
            try:
                answer = client.post(
                    "/api/v1/feeds/check",
                    json={"infant_code": wristband, "container_code": code},
                    headers={"Authorization": f"Bearer {token}"},
                )
            finally:
                event.remove(engine, "before_cursor_execute", record)
            verdict = answer.get_json().get("verdict")
            sections.append(
                f"### {name} check ({wristband} + {code}): verdict {verdict}, "
                f"{len(seen)} statements"
            )
            sections += [
                _explain(engine, statement, parameters)
                for statement, parameters in seen
                if statement.split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE")
            ]
        engine.dispose()
    text_out = "\n\n".join(sections)
    scans = sorted({table for table in _SCAN.findall(text_out) if table in HISTORY})
    verdict = (
        f"FULL SCANS of history tables: {', '.join(scans)}"
        if scans
        else "No statement scans a history table (containers, events, feeds, near misses)."
    )
    return f"## Query plans, {url.split(':', 1)[0]}\n\n{text_out}\n\n{verdict}"


def _shorten(statement: str) -> str:
    """The statement on one line, its column list counted rather than spelt out."""
    flat = " ".join(statement.split())
    columns = re.match(r"SELECT (.+?) FROM ", flat)
    if columns:
        count = columns.group(1).count(",") + 1
        flat = f"SELECT <{count} columns> FROM " + flat[columns.end() :]  # noqa: S608 - shown
    return flat


def _explain(engine, statement: str, parameters) -> str:
    short = _shorten(statement)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            plan = [f"  {row[3]}" for row in rows]
        else:
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            plan = [f"  {row[0]}" for row in rows]
        connection.rollback()
    return f"{short}\n  params: {parameters!r}\n" + "\n".join(plan or ["  (no plan)"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{cache_path(1_000_000)}")
    options = parser.parse_args()
    candidates = harness.first_bottles(options.database_url)
    go = candidates[0]
    stranger = next(c for c in candidates if c.mother != go.mother)
    print(capture(options.database_url, go[:2], (stranger.wristband, go.code)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
