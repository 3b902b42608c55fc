"""Schema migrations: donor milk recorded before it stopped being the mother's loses her on
upgrade, and gets her back on downgrade; SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from config import TestConfig
from nicu_milk import create_app
from nicu_milk.extensions import db
from tests.conftest import _postgres_database

ROWS = """
INSERT INTO mothers (id, mrn, first_name, last_name) VALUES (1, 'MOM1', 'Ada', 'Okafor');
INSERT INTO infants (id, mrn, wristband_code, first_name, last_name, date_of_birth, mother_id,
                     donor_milk_consent, admitted, name_alert, created_at)
    VALUES (1, 'INF1', 'INF1', 'Leo', 'Okafor', '2026-11-20', 1, TRUE, TRUE, FALSE,
            '2026-11-20 10:00:00');
INSERT INTO containers (id, code, infant_id, mother_id, milk_type, colostrum, state, created_at)
    VALUES (1, 'M0000000195', 1, 1, 'MOM', FALSE, 'fresh', '2026-11-20 10:00:00'),
           (2, 'M0000000292', 1, 1, 'DHM', FALSE, 'fresh', '2026-11-20 10:00:00');
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    else:
        yield from _postgres_database()


def _mothers(app) -> dict[str, int | None]:
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT code, mother_id FROM containers ORDER BY code"))
        return dict(rows.all())


def test_donor_milk_loses_the_mother_on_upgrade_and_gets_her_back_on_downgrade(empty_database):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_database)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0001")
        with db.engine.begin() as connection:
            for statement in ROWS.split(";"):
                if statement.strip():
                    connection.execute(text(statement))
        upgrade(directory=directory, revision="0003_donor_milk_not_mothers")
        assert _mothers(app) == {"M0000000195": 1, "M0000000292": None}
        downgrade(directory=directory, revision="0001")
        assert _mothers(app) == {"M0000000195": 1, "M0000000292": 1}
        upgrade(directory=directory)
        assert _mothers(app) == {"M0000000195": 1, "M0000000292": None}
        db.engine.dispose()
