"""The baseline: a bare Flask endpoint that reads one container row by its indexed code.

It runs on the same gunicorn settings and the same database as nicu_milk in each benchmark, and
takes the same request (a JSON body with a bearer token), so a ratio against it shows what
nicu_milk adds on top of HTTP, Flask, the driver and one indexed read.

    gunicorn --pythonpath bench baseline_app:app    # with NICU_MILK_DATABASE_URL set
"""

from __future__ import annotations

import os

from flask import Flask, abort, jsonify, request
from sqlalchemy import create_engine, event, text

SQLITE_BUSY_TIMEOUT_MS = 30_000

engine = create_engine(os.environ["NICU_MILK_DATABASE_URL"])
if engine.dialect.name == "sqlite":

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # The connection settings nicu_milk uses on SQLite (nicu_milk/database.py).
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


ONE_ROW = text("SELECT * FROM containers WHERE code = :code")
app = Flask(__name__)


def _row(code: str):
    with engine.connect() as connection:
        row = connection.execute(ONE_ROW, {"code": code}).mappings().first()
    if row is None:
        abort(404)
    return jsonify(
        {
            "code": row["code"],
            "state": row["state"],
            "expires_at": str(row["expires_at"]),
            "remaining_ml": str(row["remaining_ml"]),
        }
    )


@app.post("/baseline/check")
def check():
    return _row(request.get_json()["container_code"])


@app.get("/baseline/container/<code>")
def container(code: str):
    return _row(code)


@app.get("/baseline/ready")
def ready():
    return "ready"
