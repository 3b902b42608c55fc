"""Finding a baby by name without regard to accents or case, on SQLite and PostgreSQL.

Names are compared in a folded form stored beside them (names.search_form), so both databases
answer alike without collations or extensions.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, select, text

from config import TestConfig
from nicu_milk import create_app
from nicu_milk.extensions import db
from nicu_milk.models import Infant
from nicu_milk.names import infant_search_name, search_form
from tests.conftest import _postgres_database

BABIES = (
    ("INF500", "Mateo", "Hernández", "MOM500", "Lucía", "Hernández"),
    ("INF501", "Zoë", "Müller", "MOM501", "Anke", "Müller"),
    ("INF502", "Siobhán", "O’Brien-Søndergaard", "MOM502", "Aoife", "O’Brien"),
    ("INF503", "Ava", "100% Test_Name", "MOM503", "Bea", "Test"),
)


@pytest.fixture
def admitted(as_user, unit):
    """Four babies with accents, apostrophes and LIKE's own characters, admitted on the page."""
    nurse = as_user("nina")
    for mrn, first, last, mother, mother_first, mother_last in BABIES:
        answer = nurse.post(
            "/charge/babies",
            {
                "mrn": mrn,
                "first_name": first,
                "last_name": last,
                "date_of_birth": "2026-11-20",
                "mother_mrn": mother,
                "mother_first_name": mother_first,
                "mother_last_name": mother_last,
            },
        )
        assert answer.status_code == 302, nurse.text(answer)[:400]
    return nurse


def found(nurse, query: str) -> list[str]:
    html = nurse.get("/milk/where", query_string={"q": query}).get_data(as_text=True)
    return sorted(set(re.findall(r'<section class="panel" data-infant="([^"]+)"', html)))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Hernandez", ["INF500"]),
        ("hernández", ["INF500"]),
        ("HERNANDEZ MATEO", ["INF500"]),  # the label's order, last name first
        ("Hernández, Mateo", ["INF500"]),
        ("mateo hern", ["INF500"]),
        ("zoe", ["INF501"]),
        ("ZOË MULLER", ["INF501"]),
        ("müller", ["INF501"]),
        ("obrien", ["INF502"]),
        ("O'Brien", ["INF502"]),
        ("sondergaard", ["INF502"]),
        ("siobhan obrien", ["INF502"]),
        ("100%", ["INF503"]),
        ("test_name", ["INF503"]),
        ("%", []),  # LIKE's wildcard is a character, not "anything"
        ("_", []),
        ("Hernandes", []),
    ],
)
def test_names_are_found_without_accents_or_case(admitted, query, expected):
    assert found(admitted, query) == expected


def test_the_folded_name_is_stored_and_kept_by_the_service(admitted):
    stored = dict(
        db.session.execute(
            select(Infant.mrn, Infant.search_name).where(Infant.mrn.in_([b[0] for b in BABIES]))
        ).all()
    )
    assert stored["INF500"] == "mateo hernandez | hernandez mateo"
    assert stored["INF502"] == "siobhan obrien søndergaard | obrien søndergaard siobhan".replace(
        "ø", "o"
    )
    # The seeded babies came in through the same service.
    for infant in db.session.scalars(select(Infant)):
        assert infant.search_name == infant_search_name(infant.first_name, infant.last_name)


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Zoë  Müller", "zoe muller"),
        ("Søren", "soren"),
        ("Æsa Łucja", "aesa lucja"),
        ("Straße", "strasse"),
        ("O’Brien", "obrien"),
        ("Anna-Lena", "anna lena"),
        ("  ", ""),
        ("王 小明", "王 小明"),
        ("%_%", ""),
    ],
)
def test_the_search_form_of_a_name(typed, folded):
    assert search_form(typed) == folded


def _database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite'}"
    else:
        yield from _postgres_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    yield from _database(request, tmp_path)


def test_the_migration_fills_in_babies_already_on_record(empty_database):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_database)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0001")
        engine = create_engine(empty_database.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO mothers (id, mrn, first_name, last_name) "
                    "VALUES (1, 'MOM1', 'Lucía', 'Hernández')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO infants (id, mrn, wristband_code, first_name, last_name, "
                    "date_of_birth, mother_id, donor_milk_consent, admitted, name_alert, "
                    "created_at) VALUES (1, 'INF1', 'INF1', 'Mateo', 'Hernández', :born, 1, "
                    "false, true, false, :now)"
                ),
                {"born": dt.date(2026, 11, 20), "now": dt.datetime(2026, 11, 20)},
            )
        engine.dispose()
        upgrade(directory=directory)
        assert db.session.scalars(select(Infant.search_name)).one() == (
            "mateo hernandez | hernandez mateo"
        )
        db.session.remove()
        downgrade(directory=directory, revision="0001")  # and back, for a unit that must
        upgrade(directory=directory)
        with db.engine.connect() as connection:  # the schema made is the models' schema
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        db.session.remove()
        db.engine.dispose()
