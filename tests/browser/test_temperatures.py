"""Fridges & freezers in Chromium: the chart is drawn (no script), the limits are on it, the
sign-off is one tap, and the charge nurse decides on held milk, at a phone's and a tablet's
width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import shoot, sign_in
from .test_every_page import fits

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1024])
def test_temperatures_and_an_excursion_read_well_at_both_widths(page, unit, width):
    bottle, excursion = unit.warm_fridge("FR1")
    size = "phone" if width == 390 else "tablet"
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 768})
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )

    sign_in(page, "nina")
    page.goto("/temperatures/")
    fridge = page.locator("[data-unit=FR1]")
    expect(fridge).to_have_attribute("data-alarm", "DECISION_NEEDED")
    expect(fridge.locator("[data-current]")).to_have_text("3.2 °C")
    chart = fridge.locator("svg.chart-svg")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["width"] <= width and box["height"] > 100
    expect(fridge.locator("[data-limit]")).to_have_count(2)
    expect(fridge.locator("[data-out-of-range]")).to_have_count(1)
    # The line is really drawn: its box spans most of the last four hours of the chart.
    line = fridge.locator("[data-reading-line]").bounding_box()
    assert line["width"] > box["width"] * 0.1
    assert fits(page, "temperatures", size) == []

    with page.expect_navigation():
        fridge.locator("[data-sign-off=FR1]").click()
    expect(page.locator("[data-flash=success]")).to_contain_text("Signed off Milk fridge 1")
    shoot(page, f"temperatures-{size}")
    page.context.clear_cookies()

    sign_in(page, "cara")
    expect(page.locator("[data-section=cold-chain]")).to_contain_text("Milk fridge 1")
    expect(page.locator("[data-section=cold-chain]")).to_contain_text("Ava Nguyen")
    shoot(page, f"charge-dashboard-cold-chain-{size}", full_page=False)
    page.locator("[data-section=cold-chain] a").first.click()
    expect(page.locator(f"[data-held={bottle}]")).to_contain_text("ON HOLD")
    assert fits(page, "excursion", size) == []
    shoot(page, f"excursion-{size}")
    page.check("input[name=action][value=release]")
    page.check(f"input[name=codes][value={bottle}]")
    page.fill("input[name=reason]", "8 °C for an hour: within the unit's tolerance")
    with page.expect_navigation():
        page.click("[data-decide]")
    expect(page.locator(f"[data-held={bottle}]")).to_contain_text("release")
    expect(page.locator(f"[data-held={bottle}]")).to_contain_text("Cara Lopez")
    assert errors == []
    assert excursion > 0
