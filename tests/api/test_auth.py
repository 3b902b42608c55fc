"""Tokens: issued, required, revoked, expiring, and kept across a restart; user accounts."""

import datetime as dt

from config import TestConfig
from nicu_milk import create_app
from nicu_milk.extensions import db
from tests.api.conftest import PASSWORD, CheckedApi, count, expect, snapshot
from tests.conftest import change_settings, make_user

UTC = dt.UTC


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_token_for_good_credentials_401_otherwise(staff, client):
    answer = client.post("/api/v1/auth/token", json={"username": "nina", "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["role"] == "nurse"
    assert body["expires_in_hours"] == 12
    assert len(body["token"]) >= 32
    me = client.get("/api/v1/auth/me", headers=bearer(body["token"]))
    assert me.status_code == 200 and me.get_json()["username"] == "nina"

    for wrong in (
        {"username": "nina", "password": "not it at all"},
        {"username": "nobody", "password": PASSWORD},
    ):
        refused = client.post("/api/v1/auth/token", json=wrong)
        assert refused.status_code == 401
        assert refused.get_json()["error"]["code"] == "INVALID_CREDENTIALS"
        assert "token" not in refused.get_json()
    assert client.post("/api/v1/auth/token", json={"username": "nina"}).status_code == 400


def test_no_token_or_a_bad_one_is_401(staff, client):
    before = count("containers")
    body = {
        "infant_mrn": "INF100",
        "expressed_at": "2026-11-27T10:00:00Z",
        "volume_ml": 10,
        "milk_type": "MOM",
        "location_code": "FR1",
    }
    for headers in (
        {},
        bearer("not-a-token"),
        {"Authorization": "Basic bmluYTpwdw=="},
        {"Authorization": "Bearer "},
        {"Authorization": staff["nurse"].token},
    ):
        for method, path in (
            ("GET", "/api/v1/locations"),
            ("POST", "/api/v1/containers"),
            ("GET", "/api/v1/auth/me"),
            ("DELETE", "/api/v1/auth/token"),
        ):
            answer = client.open(
                path, method=method, headers=headers, json=body if method == "POST" else None
            )
            assert answer.status_code == 401, (headers, path, answer.get_json())
            assert answer.get_json()["error"]["code"] in (
                "AUTHENTICATION_REQUIRED",
                "INVALID_TOKEN",
            )
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert count("containers") == before


def test_delete_revokes_the_token(staff, client):
    nurse = staff["nurse"]
    other = CheckedApi(client, "nina")  # a second sign-in of the same user
    assert nurse.delete("/auth/token").status_code == 204
    expect(nurse.get("/auth/me"), 401, "INVALID_TOKEN")
    expect(nurse.delete("/auth/token"), 401)
    assert expect(other.get("/auth/me"), 200)["username"] == "nina"


def test_an_expired_token_is_refused(staff, app):
    nurse = staff["nurse"]
    assert expect(nurse.get("/auth/me"), 200)["username"] == "nina"
    start = dt.datetime.now(UTC)
    app.config["CLOCK"] = lambda: start + dt.timedelta(hours=11, minutes=59)
    assert nurse.get("/auth/me").status_code == 200
    app.config["CLOCK"] = lambda: start + dt.timedelta(hours=12, minutes=1)
    expect(nurse.get("/auth/me"), 401, "INVALID_TOKEN")
    app.config.pop("CLOCK")
    change_settings(app, token_hours=1)
    brief = CheckedApi(app.test_client(), "cara")
    app.config["CLOCK"] = lambda: dt.datetime.now(UTC) + dt.timedelta(minutes=59)
    assert brief.get("/auth/me").status_code == 200
    app.config["CLOCK"] = lambda: dt.datetime.now(UTC) + dt.timedelta(minutes=61)
    expect(brief.get("/auth/me"), 401, "INVALID_TOKEN")


def test_tokens_survive_a_restart(staff, app):
    token = staff["charge_nurse"].token
    second = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        answer = second.test_client().get("/api/v1/auth/me", headers=bearer(token))
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["username"] == "cara"
        assert (
            second.test_client().get("/api/v1/auth/me", headers=bearer(token + "x")).status_code
            == 401
        )
    finally:
        with second.app_context():
            db.session.remove()
            db.engine.dispose()


def test_admin_manages_users(staff, unit):
    admin = unit["admin"]
    made = expect(
        admin.post(
            "/users",
            {
                "username": "pat",
                "password": "long enough pw",
                "role": "parent",
                "display_name": "Pat Nguyen",
                "infant_mrns": ["INF100"],
            },
        ),
        201,
    )
    assert made == {
        "username": "pat",
        "display_name": "Pat Nguyen",
        "role": "parent",
        "active": True,
        "infant_mrns": ["INF100"],
    }
    answer = admin.client.post(
        "/api/v1/auth/token", json={"username": "pat", "password": "long enough pw"}
    )
    assert answer.status_code == 200 and answer.get_json()["role"] == "parent"
    users = {u["username"]: u for u in expect(admin.get("/users"), 200)["users"]}
    assert users["linh"]["infant_mrns"] == ["INF100"]
    assert users["ada.okafor"]["infant_mrns"] == ["INF200", "INF201"]
    assert users["nina"]["role"] == "nurse"

    before = snapshot()
    expect(
        admin.post("/users", {"username": "nina", "password": "long enough pw", "role": "nurse"}),
        409,
        "DUPLICATE_USERNAME",
    )
    expect(admin.post("/users", {"username": "short", "password": "seven77", "role": "nurse"}), 400)
    expect(
        admin.post("/users", {"username": "x", "password": "long enough pw", "role": "surgeon"}),
        400,
    )
    expect(
        admin.post(
            "/users",
            {
                "username": "x",
                "password": "long enough pw",
                "role": "nurse",
                "infant_mrns": ["INF100"],
            },
        ),
        400,
        "NOT_A_PARENT",
    )
    expect(
        admin.post(
            "/users",
            {
                "username": "x",
                "password": "long enough pw",
                "role": "parent",
                "infant_mrns": ["NOBODY"],
            },
        ),
        404,
    )
    for role in ("charge_nurse", "nurse", "parent"):
        expect(
            unit[role].post(
                "/users", {"username": "y", "password": "long enough pw", "role": "admin"}
            ),
            403,
            "FORBIDDEN",
        )
        expect(unit[role].get("/users"), 403)
    assert snapshot() == before

    victim = staff["nurse2"]
    assert expect(victim.get("/auth/me"), 200)["username"] == "noor"
    expect(admin.post("/users/noor/revoke-tokens", {}), 200)
    expect(victim.get("/auth/me"), 401, "INVALID_TOKEN")
    expect(admin.post("/users/nobody/revoke-tokens"), 404, "UNKNOWN_USER")


def test_a_new_account_signs_in_and_sees_itself(app, client):
    make_user("solo", "nurse")
    api = CheckedApi(client, "solo")
    assert expect(api.get("/auth/me"), 200) == {
        "username": "solo",
        "display_name": None,
        "role": "nurse",
        "active": True,
        "infant_mrns": [],
    }
