"""A phone at the bedside and in a parent's hand: the verdict in the first screen, a menu that
folds away, a tone for stop and another for go, and forms that show their mistakes first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from nicu_milk.models import Container, Infant

from .conftest import fill_time, scan, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
STOP_NOTES = [196, 196, 147]
GO_NOTES = [660, 990]


def in_first_screen(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (
        f"{selector} is not wholly in the first screen: {box}"
    )
    return box


def test_a_stop_on_a_phone_is_in_the_first_screen(page, unit):
    unit.receive("INF100")
    other = unit.receive("INF300")
    page.set_viewport_size(PHONE)
    sign_in(page, "nina")
    expect(page.locator("[data-menu-toggle]")).to_be_visible()
    expect(page.locator("#menu")).to_be_hidden()  # folded away: the scan box comes first
    scan(page, "INF100")
    scan(page, other)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "stop")
    shoot(page, "phone-scan-stop-first-screen", full_page=False)
    assert page.evaluate("window.scrollY") == 0
    verdict = page.locator("[data-verdict]").bounding_box()
    assert verdict["y"] < PHONE["height"] / 2, verdict  # the verdict starts in the top half
    in_first_screen(page, "[data-verdict] .verdict-title")
    in_first_screen(page, "[data-verdict] [data-reason=WRONG_INFANT]")


def test_a_go_on_a_phone_shows_the_verdict_and_the_volume_first(page, unit):
    bottle = unit.receive("INF100")
    page.set_viewport_size(PHONE)
    sign_in(page, "nina")
    scan(page, "INF100")
    scan(page, bottle)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "go")
    shoot(page, "phone-scan-go-first-screen", full_page=False)
    in_first_screen(page, "[data-verdict] .verdict-title")
    in_first_screen(page, "input[name=volume_ml]")


def test_the_phone_menu_opens_and_closes_from_the_keyboard(page, unit):
    page.set_viewport_size(PHONE)
    sign_in(page, "nina")
    toggle = page.locator("[data-menu-toggle]")
    expect(page.locator("input[name=scan]")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # from the scan box back to the Menu button, nothing between
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#menu")).to_be_visible()
    expect(page.locator("#who button")).to_have_text("Sign out")
    shoot(page, "phone-menu-open", full_page=False)
    page.keyboard.press("Tab")
    expect(page.locator("#who button")).to_be_focused()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(page.locator("#menu")).to_be_hidden()
    page.keyboard.press("Space")
    expect(page.locator("#menu")).to_be_visible()
    with page.expect_navigation():
        page.locator("#menu").get_by_role("link", name="Milk room").click()
    expect(page).to_have_url(re.compile(r"/milk/$"))

    page.set_viewport_size(TABLET)  # a cart tablet has room: the menu is simply there
    expect(page.locator("[data-menu-toggle]")).to_be_hidden()
    expect(page.locator("#menu")).to_be_visible()
    expect(page.locator("#who")).to_be_visible()


def tones(page) -> list[dict]:
    return page.evaluate("window.nicuMilkTones || []")


def test_a_stop_and_a_go_each_sound_their_own_tone(page, unit):
    mine = unit.receive("INF100")
    other = unit.receive("INF300")
    twin_milk = unit.receive("INF201")
    sign_in(page, "nina")
    toggle = page.locator("[data-sound-toggle]")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-pressed", "true")  # on by default
    expect(toggle).to_contain_text("on")

    scan(page, "INF100")
    assert tones(page) == []  # a baby alone is no verdict
    scan(page, other)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-tone", "stop")
    page.wait_for_function("(window.nicuMilkTones || []).length > 0")
    assert tones(page) == [{"kind": "stop", "outcome": "played", "notes": STOP_NOTES}]

    scan(page, "INF200")
    scan(page, twin_milk)  # a sibling's milk: a warning to read, with no tone
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "warn")
    expect(page.locator("[data-tone]")).to_have_count(0)
    assert tones(page) == []

    page.goto("/scan")
    scan(page, "INF300")
    scan(page, other)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "go")
    page.wait_for_function("(window.nicuMilkTones || []).length > 0")
    assert tones(page) == [{"kind": "go", "outcome": "played", "notes": GO_NOTES}]
    assert GO_NOTES != STOP_NOTES
    shoot(page, "scan-go-with-sound")

    # Off, for this device only; the switch gives focus back to the scan box.
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(toggle).to_contain_text("off")
    expect(page.locator("input[name=scan]")).to_be_focused()
    assert page.evaluate("localStorage.getItem('nicu-milk.verdict-sound')") == "off"
    scan(page, "INF100")
    scan(page, mine)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-tone", "go")
    page.wait_for_timeout(600)  # the time a tone takes to start: none does
    assert tones(page) == []
    expect(page.locator("[data-sound-toggle]")).to_have_attribute("aria-pressed", "false")
    shoot(page, "scan-sound-off")

    # On again: a sample of the go tone says what it sounds like.
    page.locator("[data-sound-toggle]").click()
    page.wait_for_function("(window.nicuMilkTones || []).length > 0")
    assert tones(page) == [{"kind": "go", "outcome": "played", "notes": GO_NOTES}]


def test_a_parents_drop_off_on_a_phone_shows_its_mistakes_first(page, unit):
    page.set_viewport_size(PHONE)
    sign_in(page, "linh")
    page.goto("/family/INF100/drop-off")
    shoot(page, "phone-drop-off")
    fill_time(page, "bottles-0-expressed_at", "2026-11-27", "1830")
    page.locator("input[name='bottles-0-expressed_at'][data-clock]").blur()
    expect(page.locator("input[name='bottles-0-expressed_at'][data-clock]")).to_have_value(
        "18:30"
    )  # typed as 1830, shown on the 24-hour clock
    page.fill("input[name='bottles-0-volume_ml']", "60")
    page.fill("input[name='bottles-2-volume_ml']", "45")  # the pump time is missing
    fill_time(page, "bottles-3-expressed_at", "2026-11-27", "6:30 PM")  # not the 24-hour clock
    page.fill("input[name='bottles-3-volume_ml']", "30")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    in_first_screen(page, "[data-error-summary] h2")
    links = summary.locator("[data-error-link]")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_contain_text("Bottle 3, Pumped at — Enter when you pumped")
    expect(links.nth(1)).to_contain_text("Use the 24-hour clock: 18:30 for 6:30 PM.")
    shoot(page, "phone-drop-off-errors", full_page=False)
    for number in (2, 3):
        for part in ("[type=date]", "[data-clock]"):
            field = page.locator(f"input[name='bottles-{number}-expressed_at']{part}")
            expect(field).to_have_attribute("aria-invalid", "true")
            described = field.get_attribute("aria-describedby").split()
            assert f"bottles-{number}-expressed_at-error" in described
    expect(page.locator("#bottles-3-expressed_at-error")).to_contain_text("18:30")
    expect(page.locator("input[name='bottles-3-expressed_at'][data-clock]")).to_have_value(
        "6:30 PM"
    )  # what was typed stays, to be corrected

    links.nth(1).click()
    expect(page.locator("#bottles-3-expressed_at")).to_be_focused()
    in_first_screen(page, "#bottles-3-expressed_at")
    assert unit.query(select(Container.id)) == []

    fill_time(page, "bottles-2-expressed_at", "2026-11-27", "20:45")
    page.fill("input[name='bottles-3-expressed_at'][data-clock]", "18:30")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    expect(page.locator("[data-drop-off-done]")).to_contain_text("3 bottles registered")
    shoot(page, "phone-drop-off-done")
    rows = unit.query(select(Container.volume_ml).join(Infant).where(Infant.mrn == "INF100"))
    assert sorted(float(volume) for (volume,) in rows) == [30.0, 45.0, 60.0]
