"""Page tests through Flask's test client, with CSRF on, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from flask import g

from . import seed

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Pages:
    """A person at a browser without JavaScript: pages, forms and the CSRF token they carry."""

    def __init__(self, client):
        self.client = client
        self.csrf: str | None = None

    def _remember(self, response):
        if response.mimetype == "text/html":
            found = CSRF_META.search(response.get_data(as_text=True))
            if found:
                self.csrf = found.group(1)
        return response

    @staticmethod
    def _new_request_globals() -> None:
        # The `app` fixture keeps one app context open, and requests made inside it share its
        # `g`. Flask-Login caches the user there and Flask-WTF the CSRF token; a real server
        # starts every request with an empty `g`, and so do these tests.
        for name in list(vars(g)):
            delattr(g, name)

    def get(self, url: str, **kwargs):
        self._new_request_globals()
        return self._remember(self.client.get(url, **kwargs))

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            if self.csrf is None:
                self.get("/login")
            data["csrf_token"] = self.csrf
        self._new_request_globals()
        return self._remember(self.client.post(url, data=data, **kwargs))

    def sign_in(self, username: str, password: str = seed.PASSWORD):
        self.get("/login")
        answer = self.post("/login", {"username": username, "password": password})
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
        # A new session on sign-in: its token comes with the first page.
        self.get(answer.headers["Location"])
        return answer

    def text(self, response) -> str:
        """The page's words, without tags."""
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def unit(app):
    seed.seed_unit()
    return seed


@pytest.fixture
def pages(app, unit):
    return Pages(app.test_client())


@pytest.fixture
def as_user(app, unit):
    """A signed-in browser per user: as_user("nina")."""

    def sign_in(username: str) -> Pages:
        browser = Pages(app.test_client())
        browser.sign_in(username)
        return browser

    return sign_in
