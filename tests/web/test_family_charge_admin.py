"""Parents' pages, the charge nurse's pages and the admin pages through the test client."""

from __future__ import annotations

import datetime as dt
import html as markup
import re

from sqlalchemy import select

from nicu_milk.extensions import db
from nicu_milk.models import Container, Infant, StorageLocation, User
from nicu_milk.runtime import now, zone


def local(moment: dt.datetime) -> str:
    return moment.astimezone(zone()).strftime("%Y-%m-%dT%H:%M")


# --- parents --------------------------------------------------------------------------------


def test_a_parent_never_reaches_another_family(as_user, unit):
    [own] = unit.reserve("INF100")
    [other] = unit.reserve("INF300")
    unit.receive("INF300")
    parent = as_user("linh")
    for path in (
        "/family/INF300",
        "/family/INF300/drop-off",
        "/family/INF300/labels",
        "/family/INF300/take-home",
        "/family/INF300/take-home.pdf",
        f"/family/INF300/labels.pdf?codes={other}",
        f"/family/INF100/labels.pdf?codes={other}",
        "/family/NOBODY",
    ):
        answer = parent.get(path)
        assert answer.status_code == 404, path
        assert "Fischer" not in answer.get_data(as_text=True), path
    for path in (f"/milk/c/{other}", "/milk/where?q=INF300", "/charge/discharge/INF300"):
        assert parent.get(path).status_code == 403, path
    assert parent.post("/family/INF300/drop-off", {}).status_code == 404
    sheet = parent.get(f"/family/INF100/labels.pdf?codes={own}")
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"


def test_a_parent_prints_no_second_label_for_milk_already_in_the_unit(as_user, unit):
    stocked = unit.receive("INF100")
    parent = as_user("linh")
    answer = parent.get(f"/family/INF100/labels.pdf?codes={stocked}")
    assert answer.status_code == 409
    assert "already in the unit" in parent.text(answer)


def test_a_drop_off_with_a_half_filled_row_is_refused_beside_it(as_user, unit):
    parent = as_user("linh")
    empty = parent.post("/family/INF100/drop-off", {})
    assert empty.status_code == 400 and "at least one bottle" in empty.get_data(as_text=True)
    half = parent.post(
        "/family/INF100/drop-off", {"bottles-0-volume_ml": "50", "medications": "Ibuprofen"}
    )
    html = half.get_data(as_text=True)
    assert 'data-error-for="bottles-0-expressed_at"' in html and "Ibuprofen" in html
    pumped = (now() - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    done = parent.post(
        "/family/INF100/drop-off",
        {
            "bottles-0-volume_ml": "50",
            "bottles-0-expressed_at": local(pumped),
            "medications": "Ibuprofen",
        },
    )
    assert done.status_code == 200 and "1 bottle registered" in done.get_data(as_text=True)
    bottle = db.session.scalars(select(Container)).one()
    assert (bottle.state, bottle.expressed_at, bottle.medications) == (
        "reserved",
        pumped,
        "Ibuprofen",
    )
    assert bottle.reserved_by_id is not None


def test_a_take_home_label_sheet(as_user, unit):
    parent = as_user("linh")
    assert parent.post("/family/INF100/labels", {"count": "0"}).status_code == 400
    assert parent.post("/family/INF100/labels", {"count": "many"}).status_code == 400
    made = parent.post("/family/INF100/labels", {"count": "3"})
    assert made.status_code == 200
    codes = db.session.scalars(select(Container.code).order_by(Container.code)).all()
    assert len(codes) == 3 and all(code in made.get_data(as_text=True) for code in codes)


# --- the charge nurse -----------------------------------------------------------------------


def test_the_dashboard_and_its_printouts(as_user, unit):
    expired = unit.receive("INF100", hours_ago=50, received_hours_ago=49)
    charge = as_user("cara")
    page = charge.get("/charge/")
    assert page.status_code == 200 and expired in page.get_data(as_text=True)
    for path in (
        "/charge/expiry.pdf?within_hours=12",
        "/charge/inventory.pdf",
        "/charge/near-misses.pdf",
        "/charge/discharge/INF100.pdf",
    ):
        answer = charge.get(path)
        assert answer.status_code == 200 and answer.mimetype == "application/pdf", path
    for hours in ("nan", "inf", "-1", "abc", "100000"):
        answer = charge.get(f"/charge/?within_hours={hours}")
        assert answer.status_code == 200 and "Give the window in hours" in charge.text(answer)
    weird = charge.get("/charge/near-misses?since=yesterday&until=2026-13-45T99:99")
    assert weird.status_code == 400


def test_discharge_and_the_milk_sent_home(as_user, unit):
    first = unit.receive("INF100")
    second = unit.receive("INF100")
    charge = as_user("cara")
    assert charge.post("/charge/discharge/INF100", {}).status_code == 302
    infant = db.session.scalars(select(Infant).where(Infant.mrn == "INF100")).one()
    assert not infant.admitted
    assert "Ava Nguyen" in charge.text(charge.get("/charge/"))
    assert charge.post(f"/charge/discharge/INF100/{first}/return", {}).status_code == 302
    assert (
        charge.post(
            f"/charge/discharge/INF100/{second}/discard", {"reason": "Not taken home"}
        ).status_code
        == 302
    )
    states = dict(db.session.execute(select(Container.code, Container.state)).all())
    assert states == {first: "returned", second: "discarded"}
    again = charge.post("/charge/discharge/INF100", {})
    assert "already been discharged" in charge.text(charge.get(again.headers["Location"]))


def test_admitting_a_baby(as_user, unit):
    nurse = as_user("nina")
    duplicate = nurse.post(
        "/charge/babies",
        {
            "mrn": "INF100",
            "first_name": "Zoe",
            "last_name": "Park",
            "date_of_birth": "2026-11-20",
            "mother_mrn": "MOM900",
            "mother_first_name": "Ana",
            "mother_last_name": "Park",
        },
    )
    html = duplicate.get_data(as_text=True)
    assert duplicate.status_code == 400 and 'data-error-for="mrn"' in html
    assert 'value="Zoe"' in html
    admitted = nurse.post(
        "/charge/babies",
        {
            "mrn": "INF900",
            "first_name": "Zoe",
            "last_name": "Park",
            "date_of_birth": "2026-11-20",
            "mother_mrn": "MOM900",
            "mother_first_name": "Ana",
            "mother_last_name": "Park",
            "donor_milk_consent": "y",
            "daily_volume_ml": "180",
        },
    )
    assert admitted.status_code == 302
    baby = db.session.scalars(select(Infant).where(Infant.mrn == "INF900")).one()
    assert baby.donor_milk_consent and float(baby.daily_volume_ml) == 180.0
    assert nurse.post("/charge/babies/INF900", {}).status_code == 302
    db.session.expire_all()
    assert not baby.donor_milk_consent and baby.daily_volume_ml is None


# --- administration -------------------------------------------------------------------------


def test_user_accounts(as_user, app, unit):
    admin = as_user("ada")
    taken = admin.post(
        "/admin/users",
        {
            "username": "nina",
            "display_name": "Nina Two",
            "role": "nurse",
            "password": "long enough pw",
        },
    )
    html = taken.get_data(as_text=True)
    assert taken.status_code == 400 and 'data-error-for="username"' in html
    assert 'value="Nina Two"' in html and "long enough pw" not in html
    short = admin.post("/admin/users", {"username": "paul", "role": "nurse", "password": "x"})
    assert 'data-error-for="password"' in short.get_data(as_text=True)
    made = admin.post(
        "/admin/users",
        {
            "username": "ada.okafor",
            "role": "parent",
            "password": "long enough pw",
            "infant_mrn": "INF200",
        },
    )
    assert made.status_code == 302
    assert admin.post("/admin/users/ada.okafor/link", {"infant_mrn": "INF201"}).status_code == 302
    twice = admin.post("/admin/users/ada.okafor/link", {"infant_mrn": "INF201"})
    assert 'data-error-for="infant_mrn"' in twice.get_data(as_text=True)
    parent = db.session.scalars(select(User).where(User.username == "ada.okafor")).one()
    assert sorted(baby.mrn for baby in parent.infants) == ["INF200", "INF201"]
    assert admin.post("/admin/users/ada.okafor/unlink/INF201", {}).status_code == 302

    assert (
        admin.post("/admin/users/noor/password", {"password": "a new password"}).status_code == 302
    )
    assert admin.post("/admin/users/noor/deactivate", {}).status_code == 302
    from .conftest import Pages

    noor = Pages(app.test_client())
    noor.get("/login")
    assert (
        noor.post("/login", {"username": "noor", "password": "a new password"}).status_code == 401
    )
    assert admin.post("/admin/users/noor/activate", {}).status_code == 302
    assert (
        noor.post("/login", {"username": "noor", "password": "a new password"}).status_code == 302
    )
    assert admin.post("/admin/users/ada/deactivate", {}).status_code == 302
    assert db.session.scalars(select(User.active).where(User.username == "ada")).one()


def test_locations_and_their_barcodes(as_user, unit):
    admin = as_user("ada")
    no_kind = admin.post("/admin/locations", {"code": "FR2", "name": "Fridge 2"})
    assert 'data-error-for="kind"' in no_kind.get_data(as_text=True)
    assert (
        admin.post(
            "/admin/locations", {"code": "FR2", "name": "Fridge 2", "kind": "refrigerator"}
        ).status_code
        == 302
    )
    assert (
        admin.post(
            "/admin/locations", {"code": "FR2-S1", "name": "Shelf 1", "parent_code": "FR2"}
        ).status_code
        == 302
    )
    duplicate = admin.post("/admin/locations", {"code": "FR2", "name": "Again", "kind": "room"})
    assert 'data-error-for="code"' in duplicate.get_data(as_text=True)
    shelf = db.session.scalars(
        select(StorageLocation).where(StorageLocation.code == "FR2-S1")
    ).one()
    assert shelf.kind == "refrigerator"
    svg = admin.get("/admin/locations/FR2-S1/barcode.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data
    assert admin.get("/admin/locations/FR2-S1/label").status_code == 200
    assert admin.get("/admin/locations/NOPE/label").status_code == 404


def test_the_policy_in_force_is_a_table_in_words(as_user):
    admin = as_user("ada")
    page = admin.get("/admin/policy")
    html, words = page.get_data(as_text=True), markup.unescape(admin.text(page))
    row = re.search(r'<tr data-rule="fresh_refrigerator">(.*?)</tr>', html, re.S)
    assert row, "no row for milk in a refrigerator"
    assert " ".join(re.sub(r"<[^>]+>", " ", row.group(1)).split()) == (
        "Fresh milk in a refrigerator (≤ 4 °C) 48 h Expression"
    )
    for phrase in (
        "Thawed mother's own milk (MOM) 24 h Thaw completed",
        "Milk that expires within 60 minutes is a warning to tick",
        "A warning to tick (twins share their mother’s milk)",
        "Under 2 days of the baby’s expected daily volume",
        "Refrigerator 0.0 to 4.0 °C 30 minutes out of range",
        "Freezer (−20 °C) At most -18.0 °C",
    ):
        assert phrase in words, phrase
    # No key dump: the rule names are hooks for tests, not words on the page.
    assert "fresh_refrigerator" not in words and "<pre" not in html


def test_holding_all_of_a_mothers_milk(as_user, unit):
    twin_milk = unit.receive("INF201")
    nurse = as_user("nina")
    assert nurse.post("/charge/babies/INF200/mother/hold", {"reason": ""}).status_code == 400
    held = nurse.post("/charge/babies/INF200/mother/hold", {"reason": "Positive culture"})
    assert held.status_code == 302
    page = nurse.text(nurse.get("/charge/babies/INF201"))
    assert "ON HOLD" in page and "Positive culture" in page
    check = nurse.post("/scan", {"scan": twin_milk, "infant_code": "INF201", "container_code": ""})
    assert 'data-reason="HELD"' in check.get_data(as_text=True)
    assert nurse.post("/charge/babies/INF201/mother/release", {}).status_code == 302
    assert "ON HOLD" not in nurse.text(nurse.get("/charge/babies/INF200"))


def test_without_a_label_printer_the_pdf_is_offered(as_user, unit):
    code = unit.receive("INF100")
    nurse = as_user("nina")
    answer = nurse.post(f"/milk/c/{code}/send-label", {})
    assert answer.status_code == 302
    assert "Print the PDF label instead" in nurse.text(nurse.get(answer.headers["Location"]))
