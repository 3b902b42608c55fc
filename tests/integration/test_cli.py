"""The command-line tools and start-up checks, as an IT team would use them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import ProductionConfig, TestConfig
from nicu_milk import StartupError, create_app
from nicu_milk.extensions import db
from nicu_milk.models import Container, Infant, StorageLocation, User
from nicu_milk.policy import PolicyError
from nicu_milk.printing import LayoutError
from nicu_milk.services import reports
from tests.api.conftest import receive_milk
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _count(model) -> int:
    try:
        return db.session.scalar(select(func.count()).select_from(model))
    finally:
        db.session.commit()  # end the read, so that the next command can write


def test_init_db_upgrades_in_place_and_keeps_every_record(runner, app):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    before = (_count(Infant), _count(Container), _count(User))
    assert before[0] >= 18 and before[1] >= 200

    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "Database ready" in result.output

    db.session.expire_all()
    assert (_count(Infant), _count(Container), _count(User)) == before


def test_demo_data_is_a_realistic_unit(runner, app):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    states = dict(
        db.session.execute(select(Container.state, func.count()).group_by(Container.state)).all()
    )
    for state in ("reserved", "fresh", "frozen", "thawed", "consumed", "discarded"):
        assert states.get(state, 0) > 0, states
    babies = list(db.session.scalars(select(Infant)))
    assert 18 <= len(babies) <= 25
    mothers = [baby.mother_id for baby in babies]
    assert len(set(mothers)) < len(mothers), "the demo unit has twins"
    assert sum(baby.name_alert for baby in babies) >= 2
    kinds = {place.kind for place in db.session.scalars(select(StorageLocation))}
    assert {"refrigerator", "freezer", "deep_freezer"} <= kinds
    assert db.session.scalar(
        select(func.count()).where(Container.milk_type == "DHM", Container.donor_lot.is_not(None))
    )
    # Some milk has expired and some is about to: the expiry report has something to show.
    report = reports.expiry(db.session, dt.datetime.now(dt.UTC), within_hours=12)
    assert report.expired and report.expiring
    again = runner.invoke(args=["demo-data"]).output
    assert again.startswith("The database already holds the demo unit")
    assert "demo-data --reset" in again


def test_no_mothers_milk_in_the_demo_was_pumped_before_the_baby_was_born(runner, app):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    zone = app.extensions["nicu_milk"]["policy"].zone
    rows = db.session.execute(
        select(Container.code, Container.expressed_at, Infant.first_name, Infant.date_of_birth)
        .join(Infant, Infant.id == Container.infant_id)
        .where(Container.milk_type == "MOM", Container.expressed_at.is_not(None))
    ).all()
    assert len(rows) > 100
    early = [
        (code, first, pumped, born)
        for code, pumped, first, born in rows
        if pumped.astimezone(zone).date() < born
    ]
    assert early == []


def test_demo_data_prints_how_to_sign_in_every_time(runner, app):
    for _ in range(2):
        result = runner.invoke(args=["demo-data"])
        assert result.exit_code == 0, result.output
        assert "admin, charge, nurse, nurse2, or parent" in result.output
        assert "'nicu-demo-2026'" in result.output


def test_demo_data_reset_loads_the_unit_again_anchored_to_now(runner, app):
    real_now = dt.datetime.now(dt.UTC)
    app.config["CLOCK"] = lambda: real_now - dt.timedelta(days=3)
    try:
        assert runner.invoke(args=["demo-data"]).exit_code == 0
    finally:
        app.config.pop("CLOCK")
    db.session.commit()
    stale = reports.expiry(db.session, real_now, within_hours=12)
    newest_then = db.session.scalar(select(func.max(Container.received_at)))
    assert real_now - newest_then > dt.timedelta(days=2)

    result = runner.invoke(args=["demo-data", "--reset"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Loaded ") and "nicu-demo-2026" in result.output
    db.session.expire_all()
    newest = db.session.scalar(select(func.max(Container.received_at)))
    assert real_now - newest < dt.timedelta(hours=2)
    fresh = reports.expiry(db.session, dt.datetime.now(dt.UTC), within_hours=12)
    assert fresh.expiring and len(fresh.expired) < len(stale.expired)
    assert _count(Infant) == 21 and _count(User) == 5  # reloaded, not added to


def test_demo_data_reset_never_wipes_a_real_unit(runner, app, unit):
    before = (_count(Infant), _count(User))
    result = runner.invoke(args=["demo-data", "--reset"])
    assert result.exit_code != 0
    assert "not the demo unit" in result.output
    db.session.expire_all()
    assert (_count(Infant), _count(User)) == before


def test_create_user_reads_the_password_from_stdin(runner, app, client):
    result = runner.invoke(
        args=["create-user", "rosa", "--role", "charge_nurse", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    answer = client.post("/api/v1/auth/token", json={"username": "rosa", "password": PASSWORD})
    assert answer.status_code == 200
    assert answer.get_json()["role"] == "charge_nurse"


def test_create_user_links_a_parent_to_twins(runner, app, unit):
    result = runner.invoke(
        args=[
            "create-user",
            "dad",
            "--role",
            "parent",
            "--password-stdin",
            "--infant",
            "INF200",
            "--infant",
            "INF201",
        ],
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    dad = db.session.scalars(select(User).where(User.username == "dad")).one()
    assert sorted(baby.mrn for baby in dad.infants) == ["INF200", "INF201"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["create-user", "x", "--role", "parent", "--password-stdin", "--infant", "NOPE"], "NOPE"),
        (["create-user", "y", "--role", "nurse", "--password-stdin"], "8 characters"),
    ],
)
def test_create_user_refuses_clearly(runner, app, args, message):
    password = "short" if "8 characters" in message else PASSWORD
    result = runner.invoke(args=args, input=f"{password}\n")
    assert result.exit_code != 0
    assert message in result.output
    assert _count(User) == 0


def test_show_policy_prints_the_rules_in_force(runner, app):
    result = runner.invoke(args=["show-policy"])
    assert result.exit_code == 0
    for rule in ("fresh_refrigerator", "thawed_mom", "hang_time", "48 h", "6 months"):
        assert rule in result.output


def test_a_policy_file_changes_the_rules_and_a_broken_one_stops_start_up(tmp_path, database_url):
    good = tmp_path / "unit-policy.toml"
    good.write_text("[limits]\nfrozen_freezer = { months = 3 }\n")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, POLICY_FILE=str(good))
    output = app.test_cli_runner().invoke(args=["show-policy"]).output
    assert "3 months" in output and str(good) in output

    bad = tmp_path / "broken.toml"
    bad.write_text("[limits]\nthawed_mom = { hours = -4 }\n")
    with pytest.raises(PolicyError, match=r"broken.toml.*thawed_mom"):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, POLICY_FILE=str(bad))


def test_start_up_refuses_a_bad_time_zone_and_production_without_a_secret(database_url):
    with pytest.raises(StartupError, match="Mars/Olympus"):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, TIMEZONE="Mars/Olympus")
    with pytest.raises(StartupError, match="NICU_MILK_SECRET_KEY"):
        create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=None)


def test_init_db_recomputes_stored_expiries_after_the_policy_changes(tmp_path, app, unit, runner):
    nurse = unit["nurse"]
    frozen = receive_milk(nurse, location="FZ1-S1")
    assert runner.invoke(args=["init-db"]).exit_code == 0  # records the policy in force
    shorter = tmp_path / "three-months.toml"
    shorter.write_text("[limits]\nfrozen_freezer = { months = 3 }\n")
    stricter = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        POLICY_FILE=str(shorter),
    )

    with stricter.app_context():
        result = stricter.test_cli_runner().invoke(args=["init-db"])
        db.session.remove()
        db.engine.dispose()

    assert result.exit_code == 0, result.output
    assert "recomputed the expiry of 1 containers" in result.output
    db.session.expire_all()
    stored = db.session.scalars(select(Container).where(Container.code == frozen["code"])).one()
    before = dt.datetime.fromisoformat(frozen["expires_at"])
    assert stored.expires_at < before - dt.timedelta(days=80)
    assert stored.expiry_rule == "frozen_freezer"


def test_a_broken_label_layout_stops_start_up_naming_the_file_and_field(tmp_path, database_url):
    for layout in (ROOT / "labels").glob("*.toml"):
        (tmp_path / layout.name).write_text(layout.read_text())
    broken = tmp_path / "thermal-2x1-203dpi.toml"
    broken.write_text(broken.read_text().replace("[code128]", "[code128]\nsurprise = 1", 1))

    with pytest.raises(LayoutError, match=r"thermal-2x1-203dpi.toml.*surprise"):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, LABELS_DIR=str(tmp_path))
