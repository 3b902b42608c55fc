"""Every page, at a phone's width and a tablet's, in a crowded unit: nothing runs off the side.

A crowded unit is where pages break: the longest names, NAME ALERT and every other badge, long
places, near misses, a discharged baby. Each page is shot at both sizes for people to look at.
"""

from __future__ import annotations

import re

import pytest

from tests.web import seed

from .conftest import scan, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 1024, "height": 768}}
WEB_BLUEPRINTS = ("auth", "bedside", "milkroom", "family", "charge", "admin", "coldchain")
# GET routes of the web blueprints that are not pages: printouts, images and redirects.
NOT_PAGES = {
    "auth.home": "a redirect to the role's start page",
    "milkroom.label": "a PDF label",
    "family.labels_pdf": "a PDF label sheet",
    "family.take_home_pdf": "a PDF list",
    "family.reprint": "a redirect to the label PDF",
    "charge.expiry_pdf": "a PDF report",
    "charge.inventory_pdf": "a PDF report",
    "charge.near_misses_pdf": "a PDF report",
    "charge.discharge_pdf": "a PDF list",
    "admin.location_barcode": "an SVG image",
    "coldchain.report_pdf": "a PDF report",
}

# Elements wider than the window that are not inside something that scrolls on its own.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.right <= width + 0.5 || box.width === 0) continue;
    let inside = element.parentElement, clipped = false;
    while (inside && inside !== document.body) {
      const style = getComputedStyle(inside);
      if (style.overflowX !== "visible") { clipped = true; break; }
      inside = inside.parentElement;
    }
    if (!clipped) found.push(element.tagName.toLowerCase() + "." + element.className
      + " → " + Math.round(box.right) + "px: " + element.textContent.trim().slice(0, 60));
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          clientWidth: width, culprits: found.slice(0, 5)};
}"""


def page_paths(codes: dict[str, str]) -> dict[str, tuple[str | None, str]]:
    """Each page: who opens it (None: signed out) and its address, with crowded data."""
    return {
        "auth.login": (None, "/login"),
        "bedside.scan": ("nina", "/scan"),
        "milkroom.index": ("nina", "/milk/"),
        "milkroom.new_container": ("nina", "/milk/new"),
        "milkroom.receive": ("nina", f"/milk/receive/{codes['waiting']}"),
        "milkroom.container": ("nina", f"/milk/c/{codes['busy']}"),
        "milkroom.where": ("nina", "/milk/where?q=Wolfeschlegelsteinhausenbergerdorff"),
        "milkroom.locations": ("nina", "/milk/locations"),
        "milkroom.location": ("nina", "/milk/locations/FR1"),
        "charge.dashboard": ("cara", "/charge/"),
        "charge.near_misses": ("cara", "/charge/near-misses"),
        "charge.discharge": ("cara", "/charge/discharge/INF300"),
        "charge.babies": ("cara", "/charge/babies"),
        "charge.baby": ("cara", "/charge/babies/INF900"),
        "admin.index": ("ada", "/admin/"),
        "admin.users": ("ada", "/admin/users"),
        "admin.user": ("ada", "/admin/users/maria.wolfeschlegel"),
        "admin.locations": ("ada", "/admin/locations"),
        "admin.location_label": ("ada", "/admin/locations/DF9-DRAWER-LEFT-BOTTOM/label"),
        "admin.policy_page": ("ada", "/admin/policy"),
        "admin.audit_trail": ("ada", "/admin/audit"),
        "family.index": ("maria.wolfeschlegel", "/family/"),
        "family.baby": ("maria.wolfeschlegel", "/family/INF900"),
        "family.drop_off": ("maria.wolfeschlegel", "/family/INF900/drop-off"),
        "family.label_sheet": ("maria.wolfeschlegel", "/family/INF900/labels"),
        "family.take_home": ("maria.wolfeschlegel", "/family/INF901/take-home"),
        "coldchain.index": ("nina", "/temperatures/"),
        "coldchain.excursion": ("cara", f"/temperatures/excursions/{codes.get('excursion')}"),
    }


def web_page_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint.split(".")[0] in WEB_BLUEPRINTS
    }


# "6:30 PM", "06:30 am": a time on the 12-hour clock, anywhere on a page.
TWELVE_HOUR = re.compile(r"\b\d{1,2}:\d{2}\s*[AaPp]\.?[Mm]\b")


def fits(page, name: str, size: str) -> list[str]:
    """Shoot the page; what overflows it, or shows a time off the 24-hour clock, if anything."""
    shoot(page, f"pages-{size}-{name}")
    problems = []
    measured = page.evaluate(OVERFLOW)
    if (
        measured["scrollWidth"] > measured["innerWidth"]
        or measured["scrollWidth"] > measured["clientWidth"]
    ):
        problems.append(
            f"{name} at {size}: {measured['scrollWidth']} px wide in a "
            f"{measured['innerWidth']} px window; {measured['culprits']}"
        )
    twelve_hour = page.locator("input[type=datetime-local], input[type=time]").count()
    if twelve_hour or TWELVE_HOUR.search(page.locator("body").inner_text()):
        problems.append(f"{name}: a time input or a time that is not on the 24-hour clock")
    return problems


def test_every_page_is_listed_here(live_server):
    listed = set(page_paths({"waiting": "", "busy": ""})) | set(NOT_PAGES)
    assert web_page_endpoints(live_server.app) == listed


@pytest.mark.parametrize("size", SIZES)
def test_no_page_overflows(page, unit, size):
    codes = unit.crowd()
    # A fridge of its own with an excursion, so that no crowded bottle is held by it.
    codes["excursion"] = str(unit.warm_fridge("FR-TEMPERATURE", "INF900")[1])
    page.set_viewport_size(SIZES[size])
    problems: list[str] = []
    signed_in = None
    for endpoint, (username, path) in page_paths(codes).items():
        if username != signed_in:
            if signed_in is not None:
                page.context.clear_cookies()
            if username is not None:
                sign_in(page, username)
            signed_in = username
        answer = page.goto(path)
        assert answer.status == 200, f"{path} answered {answer.status}"
        problems += fits(page, endpoint, size)

    # The bedside check with the crowded pair on it: a stop, a warning, and a go.
    page.context.clear_cookies()
    sign_in(page, "nina")
    for name, pair in (
        ("scan-stop", (seed.wristband("INF900"), codes["other"])),
        ("scan-warn", (seed.wristband("INF900"), codes["fed"])),
        ("scan-go", (seed.wristband("INF901"), codes["fed"])),
    ):
        page.goto("/scan")
        for text in pair:
            scan(page, text)
        page.wait_for_selector("[data-verdict]")
        problems += fits(page, name, size)
    page.goto(f"/milk/c/{codes['donor']}")
    problems += fits(page, "milkroom.container-donor", size)
    answer = page.goto("/milk/c/M0000009999")
    assert answer.status == 404
    problems += fits(page, "error-404", size)
    assert not problems, "\n".join(problems)
