"""Shared fixtures: the app on SQLite and on PostgreSQL, clients signed in per role.

Every test that uses `app` runs once per database. PostgreSQL tests skip, saying why, when no
server answers; with CI=true they are required and fail instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from config import TestConfig
from nicu_milk import create_app
from nicu_milk.extensions import db

PG_ADMIN_URL = os.environ.get("NICU_MILK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
# The race and crash tests write their figures here; the run's log ends with them.
FIGURES = Path(__file__).resolve().parents[1] / "test-artifacts" / "figures"
RUN_STARTED = time.time()
REQUIRED = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "correct horse battery"
# The tests' own session key, new on every run: no key in the source signs a session.
TEST_SECRET_KEY = secrets.token_hex(32)
UTC = dt.UTC


def _postgres_database() -> Iterator[str]:
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as unreachable:  # noqa: BLE001 - any failure to connect means "no server"
        reason = f"no PostgreSQL server answers at {PG_ADMIN_URL}: {unreachable}".strip()
        if REQUIRED:
            pytest.fail(f"CI requires PostgreSQL, but {reason}")
        pytest.skip(reason)
    name = f"nicu_milk_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A throwaway database for this test session, migrated to the current schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'nicu_milk.sqlite'}"
        _migrate(url)
        yield url
    else:
        for url in _postgres_database():
            _migrate(url)
            yield url


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()


TABLES_IN_DELETE_ORDER = (
    "excursion_holds",
    "excursions",
    "cold_chain_sign_offs",
    "sensor_readings",
    "sensor_assignments",
    "audit_events",
    "sign_in_attempts",
    "check_attempts",
    "feeds",
    "container_events",
    "container_parents",
    "containers",
    "api_tokens",
    "parent_infants",
    "users",
    "infants",
    "mothers",
    "storage_locations",
    "settings",
)


@pytest.fixture
def app(database_url):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=TEST_SECRET_KEY)
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as connection:
            for table in TABLES_IN_DELETE_ORDER:
                connection.execute(text(f"DELETE FROM {table}"))
            connection.execute(text("UPDATE counters SET value = 0"))
            # The next test's audit trail starts a new chain.
            connection.execute(text(f"UPDATE audit_head SET seq = 0, hash = '{'0' * 64}'"))
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def change_settings(app, **changes) -> None:
    """Run on with other settings, as a restart with other NICU_MILK_* variables would."""
    state = app.extensions["nicu_milk"]
    state["settings"] = dataclasses.replace(state["settings"], **changes)


def make_user(username: str, role: str, infants: tuple[str, ...] = ()) -> None:
    from nicu_milk.services import accounts

    accounts.create_user(
        db.session,
        username,
        role,
        PASSWORD,
        infant_mrns=list(infants),
        hash_method=TestConfig.PASSWORD_HASH_METHOD,
    )
    db.session.commit()


class Api:
    """The test client, signed in as one user through the real token endpoint."""

    def __init__(self, client, username: str, token: str | None = None):
        self.client = client
        self.username = username
        if token is None:
            answer = client.post(
                "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
            )
            assert answer.status_code == 200, answer.get_json()
            token = answer.get_json()["token"]
        self.token = token

    def _headers(self, extra=None):
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path, **kwargs):
        return self.client.get(
            f"/api/v1{path}", headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    def post(self, path, json=None, **kwargs):
        return self.client.post(
            f"/api/v1{path}",
            json=json,
            headers=self._headers(kwargs.pop("headers", None)),
            **kwargs,
        )

    def patch(self, path, json=None, **kwargs):
        return self.client.patch(
            f"/api/v1{path}",
            json=json,
            headers=self._headers(kwargs.pop("headers", None)),
            **kwargs,
        )

    def delete(self, path, **kwargs):
        return self.client.delete(
            f"/api/v1{path}", headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )


@pytest.fixture
def staff(app, client):
    """Clients signed in as each staff role."""
    for username, role in (
        ("ada", "admin"),
        ("cara", "charge_nurse"),
        ("nina", "nurse"),
        ("noor", "nurse"),
    ):
        make_user(username, role)
    return {
        "admin": Api(client, "ada"),
        "charge_nurse": Api(client, "cara"),
        "nurse": Api(client, "nina"),
        "nurse2": Api(client, "noor"),
    }


def pytest_terminal_summary(terminalreporter):
    written = sorted(p for p in FIGURES.glob("*.txt") if p.stat().st_mtime >= RUN_STARTED)
    if written:
        terminalreporter.section("figures (test-artifacts/figures)")
        for path in written:
            terminalreporter.write_line(path.read_text())
