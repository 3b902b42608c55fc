"""The pages work under the Content-Security-Policy: no inline script or style is refused.

Chromium reports every refusal on the console ("Refused to execute inline script because it
violates the following Content Security Policy directive ..."); the main pages of every role
are opened, and their scripts exercised, with none.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from nicu_milk.security import CONTENT_SECURITY_POLICY

from .conftest import scan, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {
    "nina": [
        "/scan",
        "/milk/",
        "/milk/where?q=INF100",
        "/milk/locations",
        "/milk/locations/FR1",
        "/milk/new",
        "/milk/c/{code}",
        "/charge/",
        "/charge/babies",
        "/charge/babies/INF100",
        "/charge/near-misses",
        "/charge/discharge/INF100",
    ],
    "ada": [
        "/admin/",
        "/admin/users",
        "/admin/users/nina",
        "/admin/locations",
        "/admin/locations/FR1/label",
        "/admin/policy",
    ],
    "linh": [
        "/family/",
        "/family/INF100",
        "/family/INF100/drop-off",
        "/family/INF100/labels",
        "/family/INF100/take-home",
    ],
}
# The pages whose inline styles moved into app.css: looked at on a phone and a tablet.
RESTYLED = {
    "ada": ["/admin/locations", "/admin/users"],
    "nina": ["/charge/babies", "/charge/", "/milk/c/{code}"],
}


@pytest.fixture
def violations(page):
    found: list[str] = []

    def listen(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            found.append(f"{page.url}: {message.text}")

    page.on("console", listen)
    page.on("pageerror", lambda error: found.append(f"{page.url}: {error}"))
    return found


@pytest.mark.parametrize("username", sorted(PAGES))
def test_the_main_pages_run_under_the_policy(page, unit, violations, username):
    code = unit.receive("INF100")
    sign_in(page, username)
    for path in PAGES[username]:
        answer = page.goto(path.format(code=code))
        assert answer.status == 200, path
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        # app.js ran: it marks forms as they are sent and wires the buttons (no inline handlers).
        page.wait_for_load_state("load")
    assert violations == []


def test_the_scan_page_script_still_works_under_the_policy(page, unit, violations):
    code = unit.receive("INF100")
    sign_in(page, "nina")
    page.goto("/scan")
    # app.js keeps focus in the scan box: that is the page's script at work.
    expect(page.locator("input[name=scan]")).to_be_focused()
    scan(page, "INF100")
    scan(page, code)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "go")
    assert violations == []


def test_an_inline_script_would_be_refused(page, unit, violations):
    """The listener above does hear a refusal: the policy is enforced, not only sent."""
    sign_in(page, "nina")
    page.goto("/scan")
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.__ran = true';
        document.body.appendChild(script);
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__ran === true") is False
    assert any("inline script" in text for text in violations), violations


@pytest.mark.parametrize("width", [390, 1024])
def test_restyled_pages_do_not_overflow(page, unit, violations, width):
    code = unit.receive("INF100")
    page.set_viewport_size({"width": width, "height": 900})
    for username, paths in RESTYLED.items():
        page.context.clear_cookies()
        sign_in(page, username)
        for path in paths:
            path = path.format(code=code)
            page.goto(path)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, width, overflow)
            shoot(page, f"csp-{path.strip('/').replace('/', '-') or 'home'}-{width}")
    assert violations == []
