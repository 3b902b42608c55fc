"""Fridges & freezers: temperatures, alarms, the 24-hour chart, the one-tap sign-off, excursions
and the charge nurse's decision, and what the charge nurse's dashboard shows first."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from nicu_milk.coldchain_models import SignOff
from nicu_milk.extensions import db

from . import seed

UTC = dt.UTC


def pdf_text(pdf: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def warm_fridge(with_freezer_sensor: bool = True) -> tuple[str, int]:
    """An hour out of range in FR1 with a bottle in it, and a silent sensor on FZ1."""
    from nicu_milk.runtime import now, unit
    from nicu_milk.services import coldchain
    from nicu_milk.services.storage import get_location

    found = seed.warm_fridge("FR1")
    if with_freezer_sensor:
        current = unit()
        yesterday = type(current)(**{**vars(current), "now": now() - dt.timedelta(days=1)})
        coldchain.assign_sensor(db.session, yesterday, get_location(db.session, "FZ1"), "T-FZ1")
        db.session.commit()
    return found


def test_the_temperatures_page_shows_each_unit_its_alarm_and_a_chart_with_the_limits(as_user):
    warm_fridge()
    nurse = as_user("nina")
    page = nurse.get("/temperatures/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = nurse.text(page)
    # The silent freezer comes first; then the fridge, whose excursion is over but whose milk
    # still waits for the charge nurse.
    assert html.index('data-unit="FZ1"') < html.index('data-unit="FR1"')
    fridge = html[html.index('data-unit="FR1"') :]
    assert 'data-alarm="DECISION_NEEDED"' in fridge
    assert "3.2 °C" in fridge  # the latest reading
    assert re.search(r"data-age>\d+ min ago", fridge)
    assert "3.0 to 8.0 °C" in fridge  # min and max (never signed off: the last 24 h)
    assert fridge.count("data-reading-line") == 1
    assert 'data-limit="0.0 °C"' in fridge and 'data-limit="4.0 °C"' in fridge
    assert fridge.count("data-out-of-range") == 1
    assert "peak 8.0 °C" in fridge
    freezer = html[html.index('data-unit="FZ1"') : html.index('data-unit="FR1"')]
    assert 'data-alarm="NO_DATA"' in freezer
    assert "No readings in the last 24 hours" in freezer
    assert "<script>" not in html and "style=" not in html
    assert "Fridges & freezers: temperatures" in text


def test_sign_off_is_one_tap_and_records_the_minimum_and_maximum(as_user):
    warm_fridge()
    nurse = as_user("nina")
    nurse.get("/temperatures/")
    answer = nurse.post("/temperatures/FR1/sign-off", {})
    assert answer.status_code == 302
    page = nurse.get(answer.headers["Location"])
    assert "Signed off Milk fridge 1: 3.0 to 8.0 °C." in nurse.text(page)
    record = db.session.scalars(select(SignOff)).one()
    assert (record.min_celsius, record.max_celsius) == (3.0, 8.0)
    assert "since sign-off" in nurse.text(page)
    assert nurse.post("/temperatures/FR1/sign-off", {}, csrf=False).status_code == 400
    assert nurse.post("/temperatures/FR1-S1/sign-off", {}).status_code == 400
    assert db.session.scalars(select(SignOff)).all() == [record]


def test_the_charge_nurse_sees_the_excursion_first_and_decides_on_each_bottle(as_user):
    code, excursion_id = warm_fridge()
    charge = as_user("cara")
    dashboard = charge.get("/charge/")
    html = dashboard.get_data(as_text=True)
    assert html.index('data-section="cold-chain"') < html.index('data-section="expiry"')
    assert 'data-cold-alert="EXCURSION"' in html
    assert 'data-cold-alert="NO_DATA" data-location="FZ1"' in html
    assert (
        "Ava Nguyen"
        in html[html.index('data-section="cold-chain"') : html.index('data-section="expiry"')]
    )

    path = f"/temperatures/excursions/{excursion_id}"
    page = charge.get(path)
    assert page.status_code == 200
    assert "ON HOLD" in charge.text(page)
    refused = charge.post(f"{path}/decision", {"reason": "no action chosen"})
    assert refused.status_code == 400
    assert "Choose release, discard or thawed." in charge.text(refused)
    thawed = charge.post(
        f"{path}/decision", {"action": "thawed", "reason": "x", "location_code": "FR1"}
    )
    assert thawed.status_code == 409
    assert "only milk from a freezer" in charge.text(thawed)
    done = charge.post(
        f"{path}/decision", {"action": "release", "codes": [code], "reason": "8 °C for 1 h: safe"}
    )
    assert done.status_code == 302, charge.text(done)[-1500:]
    page = charge.get(path)
    assert "8 °C for 1 h: safe" in charge.text(page)
    assert "Cara Lopez" in charge.text(page)
    dashboard = charge.get("/charge/")
    assert 'data-cold-alert="EXCURSION"' not in dashboard.get_data(as_text=True)

    report = charge.get(f"{path}/report.pdf")
    assert report.status_code == 200
    assert report.mimetype == "application/pdf"
    text = pdf_text(report.data)
    for words in (
        "Temperature excursion record",
        "Milk fridge 1 (FR1), refrigerator",
        "peak 8.0 °C",
        "60 minutes out of range",
        "limit 4.0 °C",
        "limit 0.0 °C",
        code,
        "Ava Nguyen (MRN INF100)",
        "release by Cara Lopez",
        "8 °C for 1 h: safe",
    ):
        assert words in text, (words, text)


def test_a_nurse_sees_an_excursion_but_the_charge_nurse_decides(as_user):
    _, excursion_id = warm_fridge()
    nurse = as_user("nina")
    page = nurse.get(f"/temperatures/excursions/{excursion_id}")
    assert page.status_code == 200
    assert "The charge nurse decides" in nurse.text(page)
    answer = nurse.post(
        f"/temperatures/excursions/{excursion_id}/decision", {"action": "release", "reason": "x"}
    )
    assert answer.status_code == 403
    assert nurse.get("/temperatures/excursions/999999").status_code == 404


def test_a_device_account_cannot_sign_in_to_pages(pages, app):
    from tests.conftest import make_user

    make_user("gateway", "device")
    pages.get("/login")
    answer = pages.post("/login", {"username": "gateway", "password": seed.PASSWORD})
    assert answer.status_code == 403
    assert "sensor gateway" in pages.text(answer)
    assert pages.get("/temperatures/").status_code == 302
