"""The session key: never one written in the source; made once per instance, private, shared."""

from __future__ import annotations

import stat
import threading

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from config import Config, TestConfig
from nicu_milk import StartupError, create_app, security
from nicu_milk.extensions import db
from nicu_milk.models import User
from tests.web import seed
from tests.web.conftest import Pages

# The key main used to sign every session with, outside production.
OLD_PUBLIC_KEY = "dev-only-not-secret"


def _cookie(key: str, user_id: str) -> str:
    """A session cookie saying "user `user_id` is signed in", signed with `key`."""
    forger = Flask("forger")
    forger.secret_key = key
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    return serializer.dumps({"_user_id": user_id, "_fresh": True})


def test_no_configuration_carries_a_key():
    assert Config.SECRET_KEY is None or Config.SECRET_KEY != OLD_PUBLIC_KEY
    assert TestConfig.SECRET_KEY is None


def test_without_a_key_one_is_made_in_the_instance_folder_private_and_shared(
    tmp_path, database_url
):
    first = create_app(TestConfig, instance_path=tmp_path, SQLALCHEMY_DATABASE_URI=database_url)
    key_file = tmp_path / security.SECRET_FILE_NAME
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= 64
    # A second worker, or the same server restarted, signs with the same key.
    second = create_app(TestConfig, instance_path=tmp_path, SQLALCHEMY_DATABASE_URI=database_url)
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    # Another instance folder (another installation) gets a key of its own.
    other = create_app(
        TestConfig, instance_path=tmp_path / "other", SQLALCHEMY_DATABASE_URI=database_url
    )
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]
    for app in (first, second, other):
        with app.app_context():
            db.engine.dispose()


def test_workers_starting_at_once_agree_on_one_key(tmp_path):
    starting = threading.Barrier(8)
    keys: list[str] = []

    def worker():
        starting.wait()
        keys.append(security.instance_secret(tmp_path))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    # No half-made temporary file is left beside the key.
    assert [p.name for p in tmp_path.iterdir()] == [security.SECRET_FILE_NAME]


def test_a_key_file_others_can_read_stops_start_up(tmp_path, database_url):
    security.instance_secret(tmp_path)
    (tmp_path / security.SECRET_FILE_NAME).chmod(0o644)
    with pytest.raises(StartupError, match="chmod 600"):
        create_app(TestConfig, instance_path=tmp_path, SQLALCHEMY_DATABASE_URI=database_url)


def test_a_cookie_forged_with_the_old_public_key_opens_nothing(app):
    seed.seed_unit()
    ada = db.session.scalars(db.select(User).where(User.username == "ada")).one()
    browser = Pages(app.test_client())
    for user_id in ("1", str(ada.id), ada.get_id()):
        browser.client.set_cookie("session", _cookie(OLD_PUBLIC_KEY, user_id))
        answer = browser.get("/admin/users")
        assert answer.status_code == 302, user_id
        assert answer.headers["Location"].startswith("/login")
    # The same cookie signed with the server's real key does open the page: the refusal above
    # is the key's doing, not the cookie's shape.
    browser.client.set_cookie("session", _cookie(app.config["SECRET_KEY"], ada.get_id()))
    assert browser.get("/admin/users").status_code == 200
