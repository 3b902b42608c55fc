"""One unit of work per page: each view declares whether it writes; reads never start as
writers; a writer's work is committed once, and a refused one is undone before the form is
shown again."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask
from sqlalchemy import event, select

from nicu_milk.extensions import db
from nicu_milk.models import StorageLocation
from nicu_milk.web import work

# The only pages a GET may write from: the printouts. A label printed is recorded on each
# container printed, and every printout on the audit trail.
WRITING_GETS = {
    "milkroom.label",
    "family.labels_pdf",
    "family.take_home_pdf",
    "charge.expiry_pdf",
    "charge.inventory_pdf",
    "charge.near_misses_pdf",
    "charge.discharge_pdf",
}


def test_only_the_printouts_write_on_a_get(app):
    served = {}  # endpoint: the methods its addresses answer
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if hasattr(view, work.ATTRIBUTE):
            served.setdefault(rule.endpoint, set()).update(rule.methods)
    assert len(served) > 40  # every page of the six blueprints is declared
    writing = {
        (endpoint, method)
        for endpoint, methods in served.items()
        for method in methods
        if work.writes(app.view_functions[endpoint], method)
    }
    assert {endpoint for endpoint, method in writing if method == "GET"} == WRITING_GETS
    assert {
        ("bedside.feed", "POST"),
        ("bedside.scan_post", "POST"),
        ("milkroom.act", "POST"),
        ("auth.login", "POST"),
    } <= writing


def test_a_page_that_forgets_to_declare_stops_the_start():
    app = Flask(__name__)
    forgetful = Blueprint("forgetful", __name__)

    @forgetful.route("/x", methods=["POST"])
    def undeclared():
        return ""

    @forgetful.route("/y")
    @work.page()
    def declared():
        return ""

    app.register_blueprint(forgetful)
    with pytest.raises(RuntimeError, match="forgetful.undeclared"):
        work.check_declared(app, {"forgetful"})


@pytest.fixture
def begins(app):
    """The BEGIN statements SQLite is sent, in order (PostgreSQL has no BEGIN IMMEDIATE)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite takes its write lock at BEGIN IMMEDIATE")
    seen: list[str] = []

    def trace(statement: str) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    # The app sends BEGIN straight to the driver (nicu_milk.database), so the statements are
    # read where SQLite itself sees them: its trace callback, set before each transaction begins.
    def watch(connection):
        connection.connection.driver_connection.set_trace_callback(trace)

    event.listen(db.engine, "begin", watch, insert=True)
    db.session.commit()
    yield seen
    event.remove(db.engine, "begin", watch)


@pytest.mark.parametrize("path", ["/scan", "/charge/", "/milk/locations", "/milk/new"])
def test_reading_pages_never_take_the_write_lock(as_user, begins, path):
    nurse = as_user("nina")
    begins.clear()
    answer = nurse.get(path)
    assert answer.status_code == 200
    assert begins and set(begins) == {"BEGIN"}, begins


def test_a_form_that_records_takes_the_write_lock_and_commits_once(as_user, begins):
    admin = as_user("ada")
    admin.get("/admin/locations")
    begins.clear()
    answer = admin.post(
        "/admin/locations", {"code": "FR9", "name": "Fridge 9", "kind": "refrigerator"}
    )
    assert answer.status_code == 302, admin.text(answer)[:500]
    assert begins[0] == "BEGIN IMMEDIATE", begins
    db.session.rollback()
    assert db.session.scalars(
        select(StorageLocation.code).where(StorageLocation.code == "FR9")
    ).one()


def test_a_refused_form_records_nothing_and_says_why(as_user):
    admin = as_user("ada")
    admin.get("/admin/locations")
    answer = admin.post(
        "/admin/locations", {"code": "FR1-S9", "name": "Shelf 9", "parent_code": "NOWHERE"}
    )
    assert answer.status_code == 400
    assert "NOWHERE" in admin.text(answer)
    db.session.rollback()
    assert (
        db.session.scalars(select(StorageLocation).where(StorageLocation.code == "FR1-S9")).all()
        == []
    )
