"""Signing in and out, CSRF on every form, the idle timeout, and who may open which page."""

from __future__ import annotations

import datetime as dt

import pytest

from nicu_milk.extensions import db
from nicu_milk.models import User
from tests.conftest import change_settings

from .conftest import Pages


def test_the_login_page_has_the_hooks_and_a_csrf_token(pages):
    page = pages.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html
    assert 'name="csrf_token"' in html


def test_a_form_without_its_csrf_token_is_refused(pages):
    answer = pages.post(
        "/login", {"username": "nina", "password": "correct horse battery"}, csrf=False
    )
    assert answer.status_code == 400
    assert "out of date" in pages.text(answer)
    assert pages.get("/scan").status_code == 302  # not signed in


def test_a_wrong_password_says_so_and_keeps_the_username(pages):
    pages.get("/login")
    answer = pages.post("/login", {"username": "nina", "password": "not it"})
    assert answer.status_code == 401
    html = answer.get_data(as_text=True)
    assert "username or password is wrong" in html
    assert 'value="nina"' in html
    assert "not it" not in html


def test_a_scanned_badge_signs_in(pages):
    pages.get("/login")
    answer = pages.post(
        "/login", {"username": " BADGE-NINA\r\n", "password": "correct horse battery"}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/scan"


def test_a_deactivated_user_cannot_sign_in(pages, app):
    db.session.scalars(db.select(User).where(User.username == "noor")).one().active = False
    db.session.commit()
    pages.get("/login")
    assert (
        pages.post("/login", {"username": "noor", "password": "correct horse battery"}).status_code
        == 401
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/milk/where?q=INF100", "/milk/where?q=INF100"),
        ("//evil.example/steal", "/scan"),
        ("https://evil.example/", "/scan"),
        ("/\\evil.example", "/scan"),
    ],
)
def test_sign_in_returns_only_to_this_site(pages, target, expected):
    pages.get("/login")
    answer = pages.post(
        f"/login?next={target}", {"username": "nina", "password": "correct horse battery"}
    )
    assert answer.headers["Location"] == expected


def test_sign_out_is_a_post(as_user):
    nurse = as_user("nina")
    assert nurse.get("/logout").status_code == 405
    assert nurse.post("/logout").headers["Location"] == "/login"
    assert nurse.get("/scan").status_code == 302


class Clock:
    def __init__(self):
        self.moment = dt.datetime.now(dt.UTC)

    def __call__(self):
        return self.moment


def test_an_idle_session_is_signed_out(app, unit):
    clock = Clock()
    app.config["CLOCK"] = clock
    nurse = Pages(app.test_client())
    nurse.sign_in("nina")
    clock.moment += dt.timedelta(minutes=14)
    assert nurse.get("/scan").status_code == 200
    clock.moment += dt.timedelta(minutes=14)  # 14 minutes since the last page: still in
    assert nurse.get("/milk/").status_code == 200
    clock.moment += dt.timedelta(minutes=15, seconds=1)
    answer = nurse.get("/scan")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login?next=/scan"
    page = nurse.get("/login?next=/scan")
    assert "signed out after 15 minutes" in nurse.text(page)
    assert nurse.get("/scan").status_code == 302


def test_the_idle_limit_is_configurable(app, unit):
    clock = Clock()
    app.config["CLOCK"] = clock
    change_settings(app, session_idle_minutes=2)
    nurse = Pages(app.test_client())
    nurse.sign_in("nina")
    clock.moment += dt.timedelta(minutes=2, seconds=5)
    assert nurse.get("/scan").status_code == 302


PAGES_BY_ROLE = {
    "/scan": {"nina", "cara", "ada"},
    "/milk/": {"nina", "cara", "ada"},
    "/milk/where?q=INF100": {"nina", "cara", "ada"},
    "/milk/locations/FR1": {"nina", "cara", "ada"},
    "/charge/": {"nina", "cara", "ada"},
    "/charge/babies": {"nina", "cara", "ada"},
    "/admin/": {"ada"},
    "/admin/users": {"ada"},
    "/admin/policy": {"ada"},
    "/family/": {"linh"},
    "/family/INF100": {"linh"},
}


def test_each_page_opens_for_its_roles_only(as_user, app):
    for username in ("nina", "cara", "ada", "linh"):
        browser = as_user(username)
        for path, allowed in PAGES_BY_ROLE.items():
            status = browser.get(path).status_code
            assert status == (200 if username in allowed else 403), (username, path, status)
    anonymous = Pages(app.test_client())
    for path in PAGES_BY_ROLE:
        answer = anonymous.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_each_role_starts_on_its_own_page(as_user):
    starts = {"nina": "/scan", "cara": "/charge/", "ada": "/admin/", "linh": "/family/"}
    for username, start in starts.items():
        assert as_user(username).get("/").headers["Location"] == start
