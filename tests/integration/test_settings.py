"""Every NICU_MILK_* setting is read and checked once, at start-up: a wrong one stops the app
with a message that names the variable, says what is wrong and what it must be.

Row by row through create_app (as gunicorn starts it), and all at once through
`flask --app wsgi`, which must say the same without a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config import Config, Printer, SettingsError, config_from_environment, read_settings
from nicu_milk import StartupError, create_app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")

# (variable, a wrong value, what the message must say about it)
WRONG = [
    ("TOKEN_HOURS", "abc", "must be a whole number of hours between 1 and 168, got 'abc'"),
    ("TOKEN_HOURS", "0", "between 1 and 168, got '0'"),
    ("TOKEN_HOURS", "1.5", "whole number of hours between 1 and 168, got '1.5'"),
    ("TOKEN_HOURS", "169", "between 1 and 168, got '169'"),
    ("SESSION_IDLE_MINUTES", "-5", "whole number of minutes between 1 and 720, got '-5'"),
    ("SESSION_IDLE_MINUTES", "a while", "whole number of minutes"),
    ("MAX_CONTENT_LENGTH", "256k", "whole number of bytes between 4096 and 104857600"),
    ("MAX_CONTENT_LENGTH", "0", "got '0'"),
    ("SIGN_IN_USER_LIMIT", "0", "whole number of attempts between 1 and"),
    ("SIGN_IN_ADDRESS_LIMIT", "thirty", "whole number of attempts"),
    ("SIGN_IN_WINDOW_MINUTES", "1e3", "whole number of minutes between 1 and 1440, got '1e3'"),
    ("PROXY_HOPS", "-1", "whole number of proxies between 0 and 10"),
    ("PROXY_HOPS", "yes", "whole number of proxies"),
    ("SHIFT_CHANGES", "07:00,25:00", "has '25:00', which is not a time of day"),
    ("SHIFT_CHANGES", "07:00,7pm", "has '7pm', which is not a time of day as HH:MM"),
    ("SHIFT_CHANGES", "07:00,,19:00", "has '', which is not a time of day"),
    ("SHIFT_CHANGES", "07:00,07:00", "lists the same time twice"),
    ("LABEL_PRINTER", "printer:port", "must be host:port of the label printer"),
    ("LABEL_PRINTER", "10.0.0.5:70000", "got '10.0.0.5:70000'"),
    ("LABEL_PRINTER", "a b:9100", "must be host:port"),
    ("TIMEZONE", "Mars/Olympus", "must be an IANA time zone name"),
    ("ENV", "prod", "must be production or development, got 'prod'"),
    ("DATABASE_URL", "not a url", "must be a SQLAlchemy database URL"),
    ("POLICY", "/no/such/policy.toml", "must name an existing file"),
    ("PG_BIN", "/no/such/folder", "must name an existing folder"),
    ("UNIT_NAME", "x" * 101, "must be 1 to 100 printable characters"),
    ("LABEL_STOCK", "no-such-stock", "must name a thermal layout in"),
    ("SHEET_STOCK", "thermal-2x1-203dpi", "must name a sheet layout in"),
    ("WIDE_LABEL_STOCK", "thermal-2x1-203dpi", "cannot take every label"),
    ("WIDE_SHEET_STOCK", "no-such-sheet", "must name a sheet layout in"),
]


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """A clean environment with a working database and key: only the row's variable is wrong."""
    for name in list(os.environ):
        if name.startswith("NICU_MILK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NICU_MILK_DATABASE_URL", f"sqlite:///{tmp_path / 'unit.sqlite'}")
    monkeypatch.setenv("NICU_MILK_SECRET_KEY", "k" * 64)
    return monkeypatch


@pytest.mark.parametrize(("variable", "value", "says"), WRONG)
def test_a_wrong_setting_stops_start_up_naming_it(environment, tmp_path, variable, value, says):
    environment.setenv(f"NICU_MILK_{variable}", value)
    with pytest.raises(StartupError) as stopped:
        create_app(instance_path=str(tmp_path))
    message = str(stopped.value)
    assert f"NICU_MILK_{variable} " in message
    assert says in message


def _refused_start(env: dict) -> subprocess.CompletedProcess:
    """`flask --app wsgi init-db` with these variables: it must stop, saying why, and with
    gunicorn's 'could not load the application' status, not a traceback."""
    started = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "init-db"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 4, started.stderr
    assert "Traceback" not in started.stderr
    return started


def test_every_wrong_setting_is_named_at_once_by_flask_without_a_traceback(tmp_path):
    """An operator fixes them all in one go: flask --app wsgi lists every one, and stops."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NICU_MILK_")}
    stocks = {"LABEL_STOCK", "SHEET_STOCK", "WIDE_LABEL_STOCK", "WIDE_SHEET_STOCK"}
    first = {variable: value for variable, value, _ in reversed(WRONG) if variable not in stocks}
    env.update({f"NICU_MILK_{variable}": value for variable, value in first.items()})
    started = _refused_start(env)
    assert started.stderr.startswith("nicu_milk cannot start:")
    for variable, value, says in WRONG:
        if first.get(variable) == value:
            assert re.search(rf"NICU_MILK_{variable} .*{re.escape(says)}", started.stderr), variable


def test_a_wrong_label_stock_is_named_by_flask_without_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NICU_MILK_")}
    env.update(
        NICU_MILK_DATABASE_URL=f"sqlite:///{tmp_path / 'unit.sqlite'}",
        NICU_MILK_LABEL_STOCK="no-such-stock",
        NICU_MILK_WIDE_SHEET_STOCK="sheet-letter-30",
    )
    started = _refused_start(env)
    assert "NICU_MILK_LABEL_STOCK must name a thermal layout" in started.stderr
    assert "NICU_MILK_WIDE_SHEET_STOCK names 'sheet-letter-30', which cannot take" in (
        started.stderr
    )


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("TOKEN_HOURS", " 24 ", "token_hours", 24),
        ("LABEL_PRINTER", "10.1.2.3", "label_printer", Printer("10.1.2.3", 9100)),
        (
            "LABEL_PRINTER",
            "zebra-3.nicu.example:6101",
            "label_printer",
            Printer("zebra-3.nicu.example", 6101),
        ),
        ("LABEL_PRINTER", "[fe80::1]:9100", "label_printer", Printer("fe80::1", 9100)),
        ("SHIFT_CHANGES", "19:00, 07:00", "shift_changes", (dt.time(7), dt.time(19))),
        (
            "SHIFT_CHANGES",
            "06:30,14:30,22:30",
            "shift_changes",
            (dt.time(6, 30), dt.time(14, 30), dt.time(22, 30)),
        ),
        ("ENV", "Production", "production", True),
        ("PROXY_HOPS", "1", "proxy_hops", 1),
        ("MAX_CONTENT_LENGTH", "1048576", "max_content_length", 1048576),
    ],
)
def test_a_right_setting_is_read_into_its_type(variable, value, field, expected):
    environ = {f"NICU_MILK_{variable}": value}
    if variable == "ENV":
        environ["NICU_MILK_SECRET_KEY"] = "k" * 64
    assert getattr(read_settings(config_from_environment(environ)), field) == expected


def test_the_defaults_are_the_readmes():
    settings = read_settings(config_from_environment({}))
    assert settings.token_hours == 12
    assert settings.session_idle_minutes == 15
    assert settings.max_content_length == 262144
    assert (settings.sign_in_user_limit, settings.sign_in_address_limit) == (10, 30)
    assert settings.sign_in_window_minutes == 15
    assert settings.proxy_hops == 0
    assert settings.shift_changes == (dt.time(7), dt.time(19))
    assert settings.label_printer is None and not settings.production


def test_every_wrong_value_is_listed_not_only_the_first():
    with pytest.raises(SettingsError) as stopped:
        read_settings({**vars_of(Config), "TOKEN_HOURS": "x", "PROXY_HOPS": "y"})
    assert [p.split()[0] for p in stopped.value.problems] == [
        "NICU_MILK_TOKEN_HOURS",
        "NICU_MILK_PROXY_HOPS",
    ]


def vars_of(config: type) -> dict:
    return {key: getattr(config, key) for key in dir(config) if key.isupper()}


def test_every_variable_in_the_readme_is_checked():
    """The README's table is the list a unit's IT support reads: each variable there is read
    and checked here, and each checked here is in the README."""
    from config import SETTINGS

    documented = set(re.findall(r"`(NICU_MILK_[A-Z_]+)`", README)) - {"NICU_MILK_TEST_PG"}
    checked = {setting.name for setting in SETTINGS}
    assert documented == checked
    wrongly_tested = {f"NICU_MILK_{variable}" for variable, _, _ in WRONG}
    assert checked - wrongly_tested <= {"NICU_MILK_SECRET_KEY"}  # the security tests' own
