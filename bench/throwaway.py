"""A throwaway database holding a small unit, for the race and crash benchmarks.

The unit is what tests.integration.racing and tests.integration.crashing need: a fridge with a
shelf, a freezer, a bedside, one baby (INF100) and nurses, each with an API token. PostgreSQL
databases are made and dropped on the test server (NICU_MILK_TEST_PG, as for the tests).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config import TestConfig  # noqa: E402
from nicu_milk import create_app  # noqa: E402
from nicu_milk.extensions import db  # noqa: E402
from tests.conftest import Api, _migrate, _postgres_database, make_user  # noqa: E402

PLACES = (
    {"code": "FR1", "name": "Milk fridge 1", "kind": "refrigerator"},
    {"code": "FR1-S1", "name": "Shelf 1", "parent_code": "FR1"},
    {"code": "FZ1", "name": "Freezer 1", "kind": "freezer"},
    {"code": "BED3", "name": "Bedside 3", "kind": "room"},
)
BABY = {
    "mrn": "INF100",
    "first_name": "Ava",
    "last_name": "Nguyen",
    "date_of_birth": "2026-11-20",
    "mother": {"mrn": "MOM100", "first_name": "Linh", "last_name": "Nguyen"},
}


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    """A migrated, empty database of this kind ("sqlite" or "postgresql"), dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="nicu-bench-") as folder:
            url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
            _migrate(url)
            yield url
        return
    databases = _postgres_database()
    url = next(databases)
    try:
        _migrate(url)
        yield url
    finally:
        databases.close()  # drops it


def unit(url: str, nurses: int) -> tuple[object, list[str], list[str]]:
    """Set the unit up through the API; the app (for in-process clients), usernames, tokens."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    usernames = [f"nurse{n}" for n in range(1, nurses + 1)]
    with app.app_context():
        make_user("admin", "admin")
        for username in usernames:
            make_user(username, "nurse")
        client = app.test_client()
        admin = Api(client, "admin")
        for body in PLACES:
            answer = admin.post("/locations", body)
            assert answer.status_code == 201, answer.get_json()
        answer = admin.post("/infants", BABY)
        assert answer.status_code == 201, answer.get_json()
        tokens = [Api(client, username).token for username in usernames]
        db.session.remove()
        db.engine.dispose()
    return app, usernames, tokens
