"""Browser tests: Playwright drives Debian's Chromium against a live server on SQLite.

Without /usr/bin/chromium the tests skip, saying why; with CI=true they fail instead, because
.ci/run installs Chromium and requires them. Screenshots of the main pages go to
test-artifacts/screenshots/ (ignored by git) for people to look at.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from config import TestConfig
from nicu_milk import create_app
from nicu_milk.extensions import db
from tests.conftest import TEST_SECRET_KEY
from tests.web import seed
from tests.web.seed import PASSWORD

CHROMIUM = Path(os.environ.get("NICU_MILK_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = (
        f"Debian's Chromium is not installed at {CHROMIUM} "
        "(apt-get install chromium); the browser tests need it"
    )
    if REQUIRED:
        pytest.fail(f"CI requires the browser tests, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_chromium()
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
        ],
    }


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    require_chromium()
    from flask_migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'nicu_milk.sqlite'}"
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=True, SECRET_KEY=TEST_SECRET_KEY
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    # Replaces pytest-base-url's fixture (a plugin method that pytest now warns about).
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A landscape tablet on a cart; the unit's time zone is the server's, not the browser's.
    return {**browser_context_args, "viewport": {"width": 1280, "height": 860}, "locale": "en-US"}


class Unit:
    """The seeded unit, and quick ways to put milk in it (through the services)."""

    def __init__(self, app: Flask):
        self.app = app

    def seed(self) -> None:
        with self.app.app_context():
            seed.wipe()
            seed.seed_unit()
            db.session.remove()

    def _run(self, function, *args, **kwargs):
        with self.app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    def receive(self, mrn: str = "INF100", **kwargs) -> str:
        return self._run(seed.receive, mrn, **kwargs)

    def reserve(self, mrn: str = "INF100", count: int = 1) -> list[str]:
        return self._run(seed.reserve, mrn, count)

    def crowd(self) -> dict[str, str]:
        return self._run(seed.crowd)

    def warm_fridge(self, code: str = "FR1", mrn: str = "INF100") -> tuple[str, int]:
        return self._run(seed.warm_fridge, code, mrn)

    def query(self, statement):
        return self._run(lambda: db.session.execute(statement).all())


@pytest.fixture
def unit(live_server) -> Unit:
    seeded = Unit(live_server.app)
    seeded.seed()
    return seeded


def shoot(page, name: str, *, full_page: bool = True) -> None:
    """A screenshot, for people to look at (never committed): the whole page, or only what the
    first screen shows."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def scan(page, text: str, selector: str = "input[name=scan]") -> None:
    """What a keyboard-wedge scanner does: the code, then Enter."""
    page.fill(selector, text)
    with page.expect_navigation():
        page.press(selector, "Enter")


def fill_time(page, name: str, date: str, clock: str) -> None:
    """A date and time field: the date picker, then the time typed on the 24-hour clock."""
    page.fill(f"input[name='{name}'][type=date]", date)
    page.fill(f"input[name='{name}'][data-clock]", clock)
