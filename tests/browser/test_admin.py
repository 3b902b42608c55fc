"""Administration in the browser: a location with its barcode, a parent linked to twins."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_admin_adds_a_shelf_and_a_parent_of_twins(page, unit):
    sign_in(page, "ada")
    page.goto("/admin/locations")
    page.fill("input[name=code]", "FZ1-S2")
    page.fill("input[name=name]", "Shelf 2")
    page.fill("input[name=parent_code]", "FZ1")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    expect(page.locator("[data-flash=success]")).to_contain_text("Freezer 1 / Shelf 2")
    shoot(page, "admin-locations")
    with page.expect_navigation():
        page.click("[data-location=FZ1-S2] >> text=Print barcode")
    barcode = page.locator("[data-location-barcode]")
    expect(barcode).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", barcode.element_handle()) > 0
    shoot(page, "admin-location-barcode")

    page.goto("/admin/users")
    page.click("text=Create a user")
    page.fill("input[name=username]", "ada.okafor")
    page.fill("input[name=display_name]", "Ada Okafor")
    page.select_option("select[name=role]", "parent")
    page.fill("input[name=password]", "twins are double")
    page.fill("input[name=infant_mrn]", "INF200")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page.locator("[data-user='ada.okafor']")).to_contain_text("Leo Okafor")
    with page.expect_navigation():
        page.click("[data-user='ada.okafor'] a")
    page.fill("input[name=infant_mrn]", "INF201")
    with page.expect_navigation():
        page.click("text=Link baby")
    expect(page.locator("main")).to_contain_text("Mia Okafor")
    expect(page).to_have_url(re.compile(r"/admin/users/ada\.okafor$"))
    shoot(page, "admin-user")
    page.goto("/admin/users")
    shoot(page, "admin-users")
    page.goto("/admin/policy")
    expect(page.locator("[data-policy] [data-rule=fresh_refrigerator]")).to_contain_text(
        "Fresh milk in a refrigerator (≤ 4 °C)48 h"
    )
    shoot(page, "admin-policy")
