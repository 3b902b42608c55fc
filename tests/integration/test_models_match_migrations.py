"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String

from nicu_milk.extensions import db


def test_the_migrated_database_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
        connection.rollback()
    assert differences == []


def _differences_from(metadata) -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
        connection.rollback()
    return differences


def test_the_comparison_fails_on_a_model_the_migrations_do_not_build(app):
    """The check above can fail: a column added to a model without a migration is found, and
    so is a changed type."""
    changed = MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["infants"].append_column(Column("nickname", String(40)))
    changed.tables["storage_locations"].c.kind.type = String(99)

    differences = _differences_from(changed)

    added = [d for d in differences if d[0] == "add_column"]
    assert [(d[2], d[3].name) for d in added] == [("infants", "nickname")]
    retyped = [d for d in differences if isinstance(d, list) and d[0][0] == "modify_type"]
    assert [(d[0][2], d[0][3]) for d in retyped] == [("storage_locations", "kind")]
