"""The charge nurse's dashboard: expired and expiring milk, with the expiry report to print."""

from __future__ import annotations

import pypdfium2
import pytest
from playwright.sync_api import expect

from .conftest import scan, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_the_charge_nurse_prints_the_expiry_report(page, unit):
    expired = unit.receive("INF100", hours_ago=50, received_hours_ago=49)  # fridge: 48 h
    expiring = unit.receive("INF200", hours_ago=40)
    unit.receive("INF300", hours_ago=1)
    # A stopped feed makes a near miss for this shift.
    sign_in(page, "nina")
    scan(page, "INF100")
    scan(page, expiring)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "stop")
    page.click("text=Sign out")

    sign_in(page, "cara")
    expect(page.locator("[data-count=expired]")).to_have_text("1")
    expect(page.locator("[data-count=expiring]")).to_have_text("1")
    expired_row = page.locator(f"[data-section=expiry] [data-container={expired}]")
    expect(expired_row).to_contain_text("EXPIRED")
    expect(expired_row).to_contain_text("Milk fridge 1 / Top shelf")
    expect(page.locator(f"[data-section=expiry] [data-container={expiring}]")).to_contain_text(
        "Leo Okafor"
    )
    expect(page.locator("[data-count=near-misses-shift]")).to_have_text("1")
    near_misses = page.locator("[data-section=near-misses]")
    expect(near_misses).to_contain_text("Another baby's milk")
    expect(near_misses).to_contain_text("Ava Nguyen (MRN INF100)")
    expect(near_misses).to_contain_text("Nina Park")
    shoot(page, "charge-dashboard")

    link = page.locator("[data-print-expiry]")
    report = page.request.get(link.get_attribute("href"))
    assert report.status == 200
    assert report.headers["content-type"] == "application/pdf"
    text = pdf_text(report.body())
    assert expired in text and expiring in text

    page.goto("/charge/?within_hours=-3")
    expect(page.locator("main")).to_contain_text("Give the window in hours")
    page.goto("/charge/near-misses")
    expect(page.locator("[data-attempt]")).to_contain_text("Another baby's milk.")
    expect(page.locator("[data-attempt]")).to_contain_text("Nina Park")
    shoot(page, "charge-near-misses")


@pytest.mark.parametrize("width", [390, 1024])
def test_discharge_offers_discard_not_sent_home_for_expired_and_donor_milk(page, unit, width):
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 768})
    in_date = unit.receive("INF200", hours_ago=2)
    expired = unit.receive("INF200", hours_ago=50, received_hours_ago=49)  # fridge: 48 h
    donor = unit.receive("INF200", milk_type="DHM", location="FR1")
    sign_in(page, "cara")
    page.goto("/charge/discharge/INF200")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("button:has-text('Discharge Leo')")

    def row(code):
        return page.locator(f"[data-container={code}]")

    expect(row(in_date)).to_have_attribute("data-returnable", "yes")
    expect(row(in_date).locator("button:has-text('Sent home')")).to_have_count(1)
    for code, note in (
        (expired, "EXPIRED: will be discarded"),
        (donor, "DONOR MILK: stays with the hospital"),
    ):
        expect(row(code)).to_have_attribute("data-returnable", "no")
        expect(row(code).locator("[data-discharge-note]")).to_contain_text(note)
        expect(row(code).locator("button:has-text('Sent home')")).to_have_count(0)
        expect(row(code).locator("button:has-text('Discard')")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, f"charge-discharge-{width}")

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        row(expired).locator("button:has-text('Discard')").click()
    expect(page.locator("[data-flash=success]")).to_contain_text(
        f"{expired} is recorded as discarded"
    )
    expect(row(expired)).to_have_count(0)
    report = page.request.get("/charge/discharge/INF200.pdf")
    assert report.status == 200
    text = pdf_text(report.body())
    assert donor in text and "DONOR MILK: stays with the hospital" in " ".join(text.split())
