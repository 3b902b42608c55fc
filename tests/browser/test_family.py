"""The parent portal: their own baby only, a drop-off registered, labels printed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from nicu_milk.models import Container, Infant
from tests.unit.printing.readback import pdfium_text

from .conftest import fill_time, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OTHER_FAMILIES = ("Okafor", "Fischer", "INF200", "INF201", "INF300")


def assert_nothing_of_other_families(page) -> None:
    text = page.locator("body").inner_text()
    for word in OTHER_FAMILIES:
        assert word not in text, f"{word!r} appears on {page.url}"


def test_a_parent_sees_only_their_own_baby(page, unit):
    unit.receive("INF100", location="FR1-S1", volume=50)
    unit.receive("INF100", location="FZ1-S1", volume=70)
    unit.receive("INF100", location="FR1-S1", hours_ago=47.5, volume=20)  # expires soon
    unit.receive("INF200", location="FR1-S1")
    unit.receive("INF300", location="FZ1-S1")
    sign_in(page, "linh")
    expect(page).to_have_url(re.compile(r"/family/$"))
    expect(page.locator("[data-infant]")).to_have_count(1)
    baby = page.locator("[data-infant=INF100]")
    expect(baby).to_contain_text("Ava Nguyen")
    expect(baby.locator("[data-volume=fresh]")).to_have_text("70 mL")
    expect(baby.locator("[data-volume=frozen]")).to_have_text("70 mL")
    expect(baby.locator("[data-expiring] li")).to_have_count(1)
    assert_nothing_of_other_families(page)
    shoot(page, "family-overview")

    page.goto("/family/INF100")
    assert_nothing_of_other_families(page)
    expect(page.locator("table.list tbody tr")).to_have_count(3)

    for path in ("/family/INF200", "/family/INF300/take-home", "/family/INF200/drop-off"):
        answer = page.goto(path)
        assert answer.status == 404, path
        expect(page.locator("[data-error-status]")).to_be_visible()
    for path in ("/scan", "/milk/where?q=Okafor", "/charge/", "/milk/locations/FR1"):
        answer = page.goto(path)
        assert answer.status == 403, path
        assert_nothing_of_other_families(page)


def test_a_parent_registers_a_drop_off_and_prints_the_labels(page, unit):
    sign_in(page, "linh")
    page.goto("/family/INF100/drop-off")
    fill_time(page, "bottles-0-expressed_at", "2026-11-27", "07:00")
    page.fill("input[name='bottles-0-volume_ml']", "60")
    page.check("input[name='bottles-0-colostrum']")
    page.fill("input[name='bottles-1-volume_ml']", "45")  # the pump time is missing
    with page.expect_navigation():
        page.click("main button[type=submit]")
    expect(page.locator("[data-error-for='bottles-1-expressed_at']")).to_contain_text("pumped")
    expect(page.locator("input[name='bottles-0-volume_ml']")).to_have_value("60")
    shoot(page, "family-drop-off-errors")
    assert unit.query(select(Container.id)) == []

    fill_time(page, "bottles-1-expressed_at", "2026-11-27", "11:30")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    expect(page.locator("[data-drop-off-done]")).to_contain_text("2 bottles registered")
    shoot(page, "family-drop-off-done")
    rows = unit.query(
        select(Container.state, Container.volume_ml, Container.colostrum)
        .join(Infant)
        .where(Infant.mrn == "INF100")
        .order_by(Container.code)
    )
    assert [(state, float(volume), colostrum) for state, volume, colostrum in rows] == [
        ("reserved", 60.0, True),
        ("reserved", 45.0, False),
    ]

    sheet = page.request.get(page.locator("[data-print-labels]").get_attribute("href"))
    assert sheet.status == 200
    assert sheet.headers["content-type"] == "application/pdf"
    # The labels carry what was typed, each on its own label; no blanks for the pump time.
    words = pdfium_text(sheet.body())
    first, second = (
        words.index(code) for code in sorted(code for (code,) in unit.query(select(Container.code)))
    )
    assert "Pumped 27 Nov 2026 07:00 CST" in words[first:second] and "60 mL" in words[first:]
    assert "COLOSTRUM" in words[first:second] and "COLOSTRUM" not in words[second:]
    assert "Pumped 27 Nov 2026 11:30 CST" in words[second:] and "45 mL" in words[second:]
    assert "Pumped: date" not in words

    page.goto("/family/INF100/labels")
    page.fill("input[name=count]", "6")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    expect(page.locator("[data-labels-ready]")).to_contain_text("6 labels ready")
    sheet = page.request.get(page.locator("[data-print-labels]").get_attribute("href"))
    assert sheet.status == 200 and sheet.body().startswith(b"%PDF")
    assert_nothing_of_other_families(page)


@pytest.mark.parametrize("width", [390, 1024])
def test_the_family_sees_which_milk_goes_home_and_which_is_discarded(page, unit, width):
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 768})
    going = unit.receive("INF100", hours_ago=2)
    expired = unit.receive("INF100", hours_ago=50, received_hours_ago=49)  # fridge: 48 h
    sign_in(page, "linh")
    page.goto("/family/INF100/take-home")
    heading = page.locator("[data-expired-list]")
    expect(heading).to_have_text("EXPIRED: will be discarded")
    expect(page.locator(f"[data-container={going}]")).to_have_count(1)
    # The expired bottle is listed after that heading, not among the milk that goes home.
    order = page.evaluate(
        """([heading, code]) => document.querySelector(heading).compareDocumentPosition(
               document.querySelector(`[data-container=${code}]`))""",
        ["[data-expired-list]", expired],
    )
    assert order & 4, "the expired bottle is listed under EXPIRED: will be discarded"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, f"family-take-home-{width}")
