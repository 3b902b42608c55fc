"""Receiving and labelling milk, acting on it by scanning, and finding it again."""

from __future__ import annotations

import re

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import expect
from sqlalchemy import select

from nicu_milk.models import Container

from .conftest import fill_time, scan, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def read_barcodes(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=300 / 72, grayscale=True).to_pil()
    finally:
        document.close()
    return [
        found.text
        for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
    ]


def test_a_reserved_label_is_received_by_scanning_and_labelled(page, unit):
    [code] = unit.reserve("INF200")
    sign_in(page, "nina")
    page.goto("/milk/")
    expect(page.locator("input[name=scan]")).to_be_focused()
    scan(page, code)
    expect(page).to_have_url(re.compile(rf"/milk/receive/{code}$"))
    expect(page.locator("main")).to_contain_text("Leo Okafor")

    # Mistakes are shown beside the fields, and what was typed stays.
    fill_time(page, "expressed_at", "2026-11-20", "0830")
    page.fill("input[name=volume_ml]", "0")
    page.fill("textarea[name=medications]", "Sertraline 50 mg")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    expect(page.locator("[data-error-for=volume_ml]")).to_contain_text("more than 0")
    expect(page.locator("[data-error-for=location_code]")).to_contain_text("Scan the location")
    expect(page.locator("input[name=expressed_at][type=date]")).to_have_value("2026-11-20")
    expect(page.locator("input[name=expressed_at][data-clock]")).to_have_value("08:30")
    expect(page.locator("textarea[name=medications]")).to_have_value("Sertraline 50 mg")
    shoot(page, "receive-errors")

    page.fill("input[name=volume_ml]", "45")
    page.select_option("select[name=location_code_pick]", "FZ1-S1")
    expect(page.locator("input[name=location_code]")).to_have_value("FZ1-S1")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/milk/c/{code}\?step=label$"))
    expect(page.locator("[data-flash=success]")).to_contain_text(f"Received {code}")
    expect(page.locator("[data-state]").first).to_have_attribute("data-state", "frozen")
    expect(page.locator("main")).to_contain_text("Freezer 1 / Shelf 1")
    shoot(page, "container-after-receive")

    label = page.request.get(
        page.locator("[data-next-step] [data-print-label]").get_attribute("href")
    )
    assert label.status == 200
    assert label.headers["content-type"] == "application/pdf"
    assert read_barcodes(label.body()) == [code]


def test_new_milk_is_received_then_thawed_by_scanning(page, unit):
    sign_in(page, "nina")
    page.goto("/milk/new")
    scan_field = page.locator("input[name=infant]")
    expect(scan_field).to_be_focused()
    scan_field.fill("INF100")
    fill_time(page, "expressed_at", "2026-11-27", "06:15")
    page.fill("input[name=volume_ml]", "80")
    page.fill("input[name=location_code]", "FZ1")  # a scanned shelf label
    page.check("input[name=colostrum]")
    shoot(page, "receive-new")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    expect(page.locator("[data-flash=success]")).to_contain_text("for Ava Nguyen")
    code = page.locator("[data-container-code]").first.inner_text()

    page.click("#action-thaw summary")
    page.fill("input[name=thaw-location_code]", "FR1-S2")
    with page.expect_navigation():
        page.click("#action-thaw button[type=submit]")
    expect(page.locator("[data-flash=success]")).to_contain_text("print a new label")
    expect(page.locator("[data-state]").first).to_have_attribute("data-state", "thawed")
    shoot(page, "container-thawed")

    # Thawed milk is never refrozen: the answer says so beside the field.
    page.click("#action-move summary")
    page.fill("input[name=move-location_code]", "FZ1-S1")
    with page.expect_navigation():
        page.click("#action-move button[type=submit]")
    expect(page.locator("[data-error-for='move-location_code']")).to_contain_text("never")
    [(state,)] = unit.query(select(Container.state).where(Container.code == code))
    assert state == "thawed"


def test_where_is_it_and_the_freezer_map(page, unit):
    unit.receive("INF200", location="FZ1-S1")
    unit.receive("INF201", location="FR1-S1")
    unit.receive("INF100", location="FR1-S2")
    sign_in(page, "nina")
    page.goto("/milk/where")
    page.fill("input[name=q]", "okafor")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    expect(page.locator("[data-infant]")).to_have_count(2)
    expect(page.locator("[data-infant=INF200]")).to_contain_text("Freezer 1 / Shelf 1")
    expect(page.locator("[data-infant=INF201]")).to_contain_text("Milk fridge 1 / Top shelf")
    expect(page.locator("main")).not_to_contain_text("Ava Nguyen")
    shoot(page, "where-is-it")

    page.goto("/milk/locations")
    with page.expect_navigation():
        page.click("[data-location=FR1]")
    expect(page.locator("[data-location=FR1-S1] [data-container]")).to_have_count(1)
    expect(page.locator("[data-location=FR1-S2]")).to_contain_text("Ava Nguyen")
    shoot(page, "freezer-map")
