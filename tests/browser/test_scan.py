"""The bedside check in a real browser: go, advice, warn with acknowledgement, stop, and typed
entry."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from nicu_milk.models import CheckAttempt, Feed, User

from .conftest import PASSWORD, scan, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCAN = "input[name=scan]"


def test_go_records_a_feed_and_the_scan_box_keeps_focus(page, unit):
    bottle = unit.receive("INF100", volume=60)
    sign_in(page, "nina")
    expect(page).to_have_url(re.compile(r"/scan$"))
    expect(page.locator(SCAN)).to_be_focused()

    scan(page, "NOT-A-BABY")
    expect(page.locator("[data-verdict=stop] [data-reason=UNKNOWN_INFANT]")).to_be_visible()
    expect(page.locator(SCAN)).to_be_focused()

    scan(page, "INF100")
    baby = page.locator("[data-slot=infant]")
    expect(baby).to_contain_text("Ava Nguyen")
    expect(baby).to_contain_text("INF100")
    expect(page.locator(SCAN)).to_be_focused()
    expect(page.locator("[data-verdict]")).to_have_count(0)

    scan(page, f"  {bottle}\t")
    verdict = page.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "go")
    expect(page.locator("[data-reason]")).to_have_count(0)
    bottle_panel = page.locator("[data-slot=container]")
    for text in (bottle, "Fresh", "60 mL", "Mother’s own milk"):
        expect(bottle_panel).to_contain_text(text)
    expect(page.locator(SCAN)).to_be_focused()
    shoot(page, "scan-go")

    page.fill("input[name=volume_ml]", "25")
    with page.expect_navigation():
        page.click("[data-record-feed]")
    expect(page.locator("[data-flash=success]")).to_contain_text("Feed recorded: 25 mL")
    expect(page.locator("[data-flash=success]")).to_contain_text("35 mL left")
    expect(page.locator(SCAN)).to_be_focused()
    [(volume, manual)] = unit.query(select(Feed.volume_ml, Feed.manual_entry))
    assert (float(volume), manual) == (25.0, False)


def test_warning_must_be_acknowledged_before_the_feed(page, unit):
    unit.receive("INF100", colostrum=True, volume=10)
    # At room temperature for 3 h 30 min of its 4 h: EXPIRES_SOON, a warning.
    soon = unit.receive("INF100", volume=60, hours_ago=3.5, location="BED3")
    sign_in(page, "nina")

    # Either order: the bottle first, then the wristband.
    scan(page, soon)
    expect(page.locator("[data-slot=container]")).to_contain_text(soon)
    scan(page, "INF100")
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "warn")
    warning = page.locator("[data-reason=EXPIRES_SOON]")
    expect(warning).to_contain_text("expires at")
    # The colostrum bottle beside it is advice: shown, with nothing to tick.
    expect(page.locator("[data-reason=USE_FIRST] input")).to_have_count(0)
    expect(page.locator("input[name=acknowledge]")).to_have_count(1)
    shoot(page, "scan-warn")

    page.fill("input[name=volume_ml]", "20")
    with page.expect_navigation():
        page.click("[data-record-feed]")
    expect(page.locator("[data-error-for=acknowledge]")).to_contain_text("Tick each warning")
    expect(page.locator("input[name=volume_ml]")).to_have_value("20")
    assert unit.query(select(Feed.id)) == []
    shoot(page, "scan-warn-not-acknowledged")

    page.check("input[name=acknowledge][value=EXPIRES_SOON]")
    with page.expect_navigation():
        page.click("[data-record-feed]")
    expect(page.locator("[data-flash=success]")).to_contain_text("Feed recorded: 20 mL")
    [(acknowledged,)] = unit.query(select(Feed.acknowledged))
    assert acknowledged == ["EXPIRES_SOON"]


@pytest.mark.parametrize("width", [390, 1024])
def test_use_first_is_advice_the_verdict_stays_go_and_nothing_is_ticked(page, unit, width):
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 768})
    earlier = unit.receive("INF100", volume=60, hours_ago=30)  # fridge: 18 h left
    newer = unit.receive("INF100", volume=60, hours_ago=2)
    sign_in(page, "nina")
    scan(page, "INF100")
    scan(page, newer)

    verdict = page.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "go")
    expect(verdict).to_contain_text("GO")
    advice = page.locator("[data-reason=USE_FIRST]")
    expect(advice).to_be_visible()
    expect(advice).to_have_attribute("data-severity", "advice")
    expect(advice).to_have_attribute("data-use-instead", earlier)
    expect(advice).to_contain_text(f"Use container {earlier} first")
    # No tick box, no warning symbol, no warning colour: advice is not a warning.
    expect(advice.locator("input")).to_have_count(0)
    expect(page.locator("input[name=acknowledge]")).to_have_count(0)
    expect(verdict.locator(".symbol-warn, .badge-warn, .reason-warn")).to_have_count(0)
    colours = advice.evaluate(
        "e => [getComputedStyle(e).borderTopColor, getComputedStyle(e).backgroundColor]"
    )
    assert "rgb(178, 114, 0)" not in colours and "rgb(255, 243, 207)" not in colours, colours
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, f"scan-advice-{width}")

    page.fill("input[name=volume_ml]", "25")
    with page.expect_navigation():
        page.click("[data-record-feed]")
    expect(page.locator("[data-flash=success]")).to_contain_text("Feed recorded: 25 mL")
    [(acknowledged,)] = unit.query(select(Feed.acknowledged))
    assert acknowledged == []
    assert unit.query(select(CheckAttempt.id)) == []  # advice alone is no near miss


def test_another_babys_milk_is_a_stop_and_a_near_miss(page, unit):
    unit.receive("INF100")
    other = unit.receive("INF300")
    sign_in(page, "nina")
    scan(page, "INF100")
    scan(page, other)

    verdict = page.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "stop")
    expect(verdict).to_contain_text("STOP")
    expect(page.locator("[data-reason=WRONG_INFANT]")).to_contain_text("Do not feed")
    expect(page.locator("[data-record-feed]")).to_have_count(0)
    expect(page.locator(SCAN)).to_be_focused()
    shoot(page, "scan-stop-wrong-infant")
    [(verdict_code, reasons)] = unit.query(select(CheckAttempt.verdict, CheckAttempt.reasons))
    assert verdict_code == "stop" and [r["code"] for r in reasons] == ["WRONG_INFANT"]

    # Scanning another baby starts a new pair: the last bottle does not carry over.
    scan(page, "INF200")
    expect(page.locator("[data-slot=infant]")).to_contain_text("Leo Okafor")
    expect(page.locator("[data-slot=container]")).to_contain_text("Scan the bottle")
    expect(page.locator("[data-verdict]")).to_have_count(0)


def test_a_typed_code_needs_a_second_nurse(page, unit):
    bottle = unit.receive("INF100", volume=40)
    sign_in(page, "nina")
    scan(page, "INF100")

    # Typed by hand into the scan box (slow keys): refused, the scanner is the way.
    page.locator(SCAN).press_sequentially(bottle, delay=120)
    with page.expect_navigation():
        page.press(SCAN, "Enter")
    expect(page.locator("[data-scan-problem=TYPED_ENTRY]")).to_be_visible()
    expect(page.locator("[data-verdict]")).to_have_count(0)
    expect(page.locator(SCAN)).to_be_focused()

    page.click("[data-typed-entry] summary")
    page.fill("input[name=typed_code]", bottle)
    page.fill("input[name=witness_username]", "noor")
    page.fill("input[name=witness_password]", "wrong password")
    with page.expect_navigation():
        page.click("[data-typed-entry] button[type=submit]")
    expect(page.locator("[data-error-for=witness_password]")).to_contain_text("wrong")
    expect(page.locator("input[name=typed_code]")).to_have_value(bottle)
    expect(page.locator("input[name=witness_username]")).to_have_value("noor")
    shoot(page, "scan-typed-witness-error")

    page.fill("input[name=witness_password]", PASSWORD)
    with page.expect_navigation():
        page.click("[data-typed-entry] button[type=submit]")
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "go")
    expect(page.locator("[data-slot=container]")).to_contain_text("witnessed by Noor Haddad")
    shoot(page, "scan-typed-witnessed")

    page.fill("input[name=volume_ml]", "15")
    with page.expect_navigation():
        page.click("[data-record-feed]")
    expect(page.locator("[data-flash=success]")).to_contain_text("Feed recorded: 15 mL")
    [(manual, witness_id)] = unit.query(select(Feed.manual_entry, Feed.witness_id))
    [(noor_id,)] = unit.query(select(User.id).where(User.username == "noor"))
    assert manual is True and witness_id == noor_id


def test_badge_sign_in_and_a_tablet_sized_scan_page(page, unit):
    page.set_viewport_size({"width": 800, "height": 1280})
    page.goto("/scan")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fscan$"))
    page.fill("input[name=username]", "BADGE-NINA")
    page.press("input[name=username]", "Enter")  # a badge scan ends with Enter
    expect(page.locator("input[name=password]")).to_be_focused()
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    expect(page).to_have_url(re.compile(r"/scan$"))
    scan(page, "INF201")
    shoot(page, "scan-tablet-portrait")
