"""Password guessing is limited on every door that takes a password, and every failure is kept.

The limits are small here (3 wrong passwords per account, 5 per address, in 15 minutes) so that
each test reaches them in a few requests; the counting is the same at the defaults.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from nicu_milk.extensions import db
from nicu_milk.models import SignInAttempt, User
from tests.api.conftest import PASSWORD, expect, failed_sign_ins, receive_milk
from tests.conftest import change_settings
from tests.web.conftest import Pages

TOKEN = "/api/v1/auth/token"


class Clock:
    def __init__(self):
        self.moment = dt.datetime.now(dt.UTC)

    def __call__(self):
        return self.moment


@pytest.fixture
def clock(app, unit):
    ticking = Clock()
    app.config["CLOCK"] = ticking
    change_settings(app, sign_in_window_minutes=15, sign_in_user_limit=3, sign_in_address_limit=5)
    return ticking


def token(client, username, password, address="127.0.0.1"):
    return client.post(
        TOKEN,
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_right_password_is_refused_after_too_many_wrong_ones(client, clock):
    for _ in range(3):
        expect(token(client, "nina", "guess"), 401, "INVALID_CREDENTIALS")
    refused = expect(token(client, "nina", PASSWORD), 429, "TOO_MANY_ATTEMPTS")
    assert "Try again in 15 minutes" in refused["error"]["message"]
    answer = token(client, "nina", PASSWORD)
    assert 14 * 60 < int(answer.headers["Retry-After"]) <= 15 * 60
    # From another address too: it is the account that is protected.
    expect(token(client, "nina", PASSWORD, "10.1.2.3"), 429, "TOO_MANY_ATTEMPTS")
    # The refusals at the limit are recorded but do not prolong it.
    clock.moment += dt.timedelta(minutes=15, seconds=1)
    expect(token(client, "nina", PASSWORD), 200)
    assert (
        failed_sign_ins()[-6:]
        == [("nina", "api_token", "wrong_password")] * 3 + [("nina", "api_token", "locked_out")] * 3
    )


def test_retry_after_counts_down_to_the_oldest_failure_leaving_the_window(client, clock):
    expect(token(client, "nina", "guess 1"), 401)
    clock.moment += dt.timedelta(minutes=10)
    expect(token(client, "nina", "guess 2"), 401)
    expect(token(client, "nina", "guess 3"), 401)
    answer = token(client, "nina", PASSWORD)
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) == 5 * 60
    clock.moment += dt.timedelta(minutes=5, seconds=1)
    expect(token(client, "nina", PASSWORD), 200)


def test_a_correct_password_ends_the_account_count(client, clock):
    for _ in range(2):
        expect(token(client, "nina", "typo"), 401)
    expect(token(client, "nina", PASSWORD), 200)
    for _ in range(2):
        expect(token(client, "nina", "typo"), 401)
    expect(token(client, "nina", PASSWORD), 200)


def test_guessing_many_names_from_one_address_is_limited(client, clock):
    for name in ("amy", "ben", "cal", "dee", "eve"):
        expect(token(client, name, "guess", "10.9.9.9"), 401, "INVALID_CREDENTIALS")
    expect(token(client, "nina", PASSWORD, "10.9.9.9"), 429, "TOO_MANY_ATTEMPTS")
    # Another address is not affected.
    expect(token(client, "nina", PASSWORD, "10.0.0.2"), 200)
    unknown = [row for row in failed_sign_ins() if row[2] == "unknown_user"]
    assert [row[0] for row in unknown] == ["amy", "ben", "cal", "dee", "eve"]


def test_signing_in_to_ones_own_account_does_not_reset_the_address_count(client, clock):
    attacker = "10.6.6.6"
    for _ in range(2):
        expect(token(client, "cara", "guess", attacker), 401)
    expect(token(client, "nina", PASSWORD, attacker), 200)  # the attacker's own account
    for _ in range(2):
        expect(token(client, "noor", "guess", attacker), 401)
    expect(token(client, "nina", PASSWORD, attacker), 200)
    expect(token(client, "ada", "guess", attacker), 401)  # the fifth failure from there
    expect(token(client, "noor", PASSWORD, attacker), 429, "TOO_MANY_ATTEMPTS")


def test_every_failure_is_recorded_with_name_address_channel_and_time(client, clock):
    token(client, "nina", "guess", "10.4.4.4")
    token(client, "nobody", "guess", "10.4.4.5")
    db.session.commit()
    rows = db.session.scalars(
        select(SignInAttempt).where(SignInAttempt.outcome != "ok").order_by(SignInAttempt.id)
    ).all()
    nina = db.session.scalars(select(User).where(User.username == "nina")).one()
    assert [(r.username, r.user_id, r.address, r.channel, r.outcome, r.at) for r in rows] == [
        ("nina", nina.id, "10.4.4.4", "api_token", "wrong_password", clock.moment),
        ("nobody", None, "10.4.4.5", "api_token", "unknown_user", clock.moment),
    ]


def test_a_deactivated_account_is_a_failure_like_any_other(client, clock):
    db.session.scalars(select(User).where(User.username == "noor")).one().active = False
    db.session.commit()
    expect(token(client, "noor", PASSWORD), 401, "INVALID_CREDENTIALS")
    assert failed_sign_ins()[-1] == ("noor", "api_token", "inactive")


def test_the_witness_password_is_limited_too(unit, clock):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)["code"]
    body = {"infant_code": "INF100", "container_code": bottle, "manual_entry": True}

    def witness(password):
        return {**body, "witness": {"username": "noor", "password": password}}

    for _ in range(3):
        expect(nurse.post("/feeds/check", witness("guess")), 400, "WITNESS_NOT_CONFIRMED")
    answer = nurse.post("/feeds/check", witness(PASSWORD))
    expect(answer, 429, "TOO_MANY_ATTEMPTS")
    assert int(answer.headers["Retry-After"]) > 0
    expect(nurse.post("/feeds", {**witness(PASSWORD), "volume_ml": 10}), 429, "TOO_MANY_ATTEMPTS")
    db.session.commit()
    rows = db.session.scalars(
        select(SignInAttempt).where(SignInAttempt.channel == "witness").order_by(SignInAttempt.id)
    ).all()
    nina = db.session.scalars(select(User).where(User.username == "nina")).one()
    assert [r.outcome for r in rows] == ["wrong_password"] * 3 + ["locked_out"] * 2
    assert {r.by_user_id for r in rows} == {nina.id}
    clock.moment += dt.timedelta(minutes=16)
    expect(nurse.post("/feeds/check", witness(PASSWORD)), 200)


def test_the_sign_in_page_is_limited_and_says_so(app, clock):
    db.session.scalars(select(User).where(User.username == "nina")).one().badge_code = "BADGE-NINA"
    db.session.commit()
    browser = Pages(app.test_client())
    browser.get("/login")
    for _ in range(3):
        answer = browser.post("/login", {"username": "BADGE-NINA", "password": "guess"})
        assert answer.status_code == 401
    answer = browser.post("/login", {"username": "nina", "password": PASSWORD})
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) > 0
    assert "Too many wrong passwords" in browser.text(answer)
    assert answer.mimetype == "text/html"
    # Badge and username are one account: the badge's failures counted against "nina".
    assert failed_sign_ins()[-4:] == [("BADGE-NINA", "badge", "wrong_password")] * 3 + [
        ("nina", "page", "locked_out")
    ]
    clock.moment += dt.timedelta(minutes=16)
    assert browser.post("/login", {"username": "nina", "password": PASSWORD}).status_code == 302


def test_the_typed_code_witness_on_the_scan_page_is_limited(app, clock):
    nurse = Pages(app.test_client())
    nurse.sign_in("nina")
    nurse.get("/scan")
    form = {"typed_code": "INF100", "witness_username": "noor", "witness_password": "guess"}
    for _ in range(3):
        assert nurse.post("/scan/typed", form).status_code == 400
    answer = nurse.post("/scan/typed", {**form, "witness_password": PASSWORD})
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) > 0
    assert "Too many wrong passwords" in nurse.text(answer)
    assert [row[1:] for row in failed_sign_ins()[-4:]] == [("witness", "wrong_password")] * 3 + [
        ("witness", "locked_out")
    ]
