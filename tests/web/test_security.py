"""Sessions that end when they should, sign-in that returns only to this site, and the headers
every answer carries."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from nicu_milk.extensions import db
from nicu_milk.models import User
from nicu_milk.security import CONTENT_SECURITY_POLICY

from . import seed
from .conftest import Pages

# --- a saved cookie stops working -----------------------------------------------------------


def _saved_session(browser: Pages) -> str:
    return browser.client.get_cookie("session").value


def _replay(app, cookie: str) -> Pages:
    """Another browser that pasted in a copy of a session cookie."""
    thief = Pages(app.test_client())
    thief.client.set_cookie("session", cookie)
    return thief


def test_a_cookie_saved_before_sign_out_no_longer_opens_the_scan_page(app, as_user):
    nurse = as_user("nina")
    saved = _saved_session(nurse)
    assert _replay(app, saved).get("/scan").status_code == 200  # the copy works until then
    nurse.post("/logout")
    answer = _replay(app, saved).get("/scan")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_a_cookie_saved_before_an_admin_reset_the_password_is_refused(app, as_user):
    nurse = as_user("nina")
    saved = _saved_session(nurse)
    admin = as_user("ada")
    answer = admin.post("/admin/users/nina/password", {"password": "a brand new one"})
    assert answer.status_code == 302
    assert _replay(app, saved).get("/scan").status_code == 302
    assert nurse.get("/scan").status_code == 302  # the nurse's own browser too


def test_a_cookie_saved_before_deactivation_is_refused_and_so_are_the_tokens(app, as_user):
    nurse = as_user("nina")
    saved = _saved_session(nurse)
    api = app.test_client()
    token = api.post(
        "/api/v1/auth/token", json={"username": "nina", "password": seed.PASSWORD}
    ).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/auth/me", headers=bearer).status_code == 200
    admin = as_user("ada")
    assert admin.post("/admin/users/nina/deactivate").status_code == 302
    assert _replay(app, saved).get("/scan").status_code == 302
    answer = api.get("/api/v1/auth/me", headers=bearer)
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "INVALID_TOKEN"
    # Reactivated, the old cookie still does not come back to life.
    assert admin.post("/admin/users/nina/activate").status_code == 302
    assert _replay(app, saved).get("/scan").status_code == 302


def test_signing_out_bumps_the_session_version_once(app, as_user):
    nurse = as_user("nina")
    before = db.session.scalars(select(User.session_version).where(User.username == "nina")).one()
    nurse.post("/logout")
    db.session.expire_all()
    after = db.session.scalars(select(User.session_version).where(User.username == "nina")).one()
    assert after == before + 1
    # Signing in again works, with the new version.
    nurse.sign_in("nina")
    assert nurse.get("/scan").status_code == 200


def test_a_session_from_before_versions_existed_is_refused(app, as_user):
    """Old cookies held a bare user id; they are not trusted after an upgrade."""
    from flask.sessions import SecureCookieSessionInterface

    nina = db.session.scalars(select(User).where(User.username == "nina")).one()
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    old = serializer.dumps({"_user_id": str(nina.id), "_fresh": True})
    assert _replay(app, old).get("/scan").status_code == 302
    current = serializer.dumps({"_user_id": nina.get_id(), "_fresh": True})
    assert _replay(app, current).get("/scan").status_code == 200


# --- sign-in returns only to this site ------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.example/steal",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/x",
    "/\r\nSet-Cookie: a=b",
    "/\x7f/x",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    " /scan",
    "/scan\u2028",
    "/\u202e/x",
    "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT, ids=repr)
def test_sign_in_never_follows_a_hostile_next(pages, target):
    pages.get("/login")
    answer = pages.post(
        "/login", {"username": "nina", "password": seed.PASSWORD}, query_string={"next": target}
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert (location.scheme, location.netloc) in (("", ""), ("http", "localhost"))
    assert location.path == "/scan", (target, answer.headers["Location"])


@pytest.mark.parametrize(
    "raw",
    [
        "next=/%09/evil.example",
        "next=/%0A/x",
        "next=/%0D%0A/x",
        "next=%2F%2Fevil.example",
        "next=/%5Cevil.example",
        "next=/%00",
    ],
)
def test_encoded_hostile_next_is_neither_followed_nor_a_500(pages, as_user, raw):
    # Signed out: the page opens (a NUL is refused with 400 before any page).
    assert pages.get(f"/login?{raw}").status_code == (400 if "%00" in raw else 200)
    # Signed in, the login page redirects at once: home, not where `next` says.
    nurse = as_user("nina")
    answer = nurse.get(f"/login?{raw}")
    assert answer.status_code in (302, 400), answer.status_code
    if answer.status_code == 302:
        assert answer.headers["Location"] == "/"
    pages.get("/login")
    answer = pages.post(f"/login?{raw}", {"username": "nina", "password": seed.PASSWORD})
    assert answer.status_code in (302, 400)
    if answer.status_code == 302:
        assert answer.headers["Location"] == "/scan"


def test_a_plain_path_on_this_site_is_followed(pages):
    pages.get("/login")
    answer = pages.post(
        "/login",
        {"username": "nina", "password": seed.PASSWORD},
        query_string={"next": "/milk/where?q=INF100"},
    )
    assert answer.headers["Location"] == "/milk/where?q=INF100"


# --- headers on every answer ----------------------------------------------------------------


def _assert_armoured(answer, *, cached: bool = False) -> None:
    headers = answer.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    if not cached:
        assert headers["Cache-Control"] == "no-store"
    assert headers["X-Request-Id"]
    assert "Strict-Transport-Security" not in headers  # plain HTTP here


def test_every_kind_of_answer_is_armoured(app, as_user, pages):
    nurse = as_user("nina")
    _assert_armoured(nurse.get("/scan"))  # a page with patients' names
    _assert_armoured(pages.get("/login"))  # a page without
    _assert_armoured(nurse.get("/no/such/page"))  # an error page
    _assert_armoured(nurse.get("/admin/users"))  # a 403
    static = pages.get("/static/app.js")
    _assert_armoured(static, cached=True)  # a static file
    static.close()
    api = app.test_client()
    _assert_armoured(api.get("/api/v1/infants"))  # a 401
    _assert_armoured(api.get("/api/v1/openapi.json"))
    _assert_armoured(api.post("/api/v1/auth/token", data=b"{", content_type="application/json"))
    token = api.post("/api/v1/auth/token", json={"username": "nina", "password": seed.PASSWORD})
    _assert_armoured(token)
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    _assert_armoured(api.get("/api/v1/infants/INF100", headers=bearer))


def test_hsts_is_sent_over_https_only(app, pages):
    assert "Strict-Transport-Security" not in pages.get("/login").headers
    secure = pages.client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_forwarded_https_counts_only_behind_a_configured_proxy(app, database_url):
    from config import TestConfig
    from nicu_milk import create_app
    from tests.conftest import TEST_SECRET_KEY

    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    direct = app.test_client().get("/login", headers=forwarded)
    assert "Strict-Transport-Security" not in direct.headers
    proxied_app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=TEST_SECRET_KEY, PROXY_HOPS=1
    )
    try:
        proxied = proxied_app.test_client().get("/login", headers=forwarded)
        assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        with proxied_app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(
    ("offered", "kept"),
    [
        ("nurse-station-4:req-1892", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("evil;Set-Cookie: x=y", False),
        ("caf\u00e9", False),
        ("<script>", False),
        ("", False),
    ],
)
def test_a_sane_request_id_is_echoed_and_any_other_replaced(pages, offered, kept):
    answer = pages.get("/login", headers={"X-Request-Id": offered} if offered else {})
    echoed = answer.headers["X-Request-Id"]
    assert (echoed == offered) is kept
    assert 1 <= len(echoed) <= 64 and echoed.isprintable()
