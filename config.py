"""Configuration for nicu_milk: the NICU_MILK_* environment variables, read and checked once.

This is the one place that reads the environment. create_app() reads it (or takes a Config
class and overrides, as the tests do), checks every value with read_settings(), and keeps the
typed result: everything else asks the app's Settings, never the environment or a raw string.
A wrong value stops start-up with a SettingsError that names each wrong variable, says what is
wrong with it and what it must be.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PREFIX = "NICU_MILK_"


class SettingsError(RuntimeError):
    """One or more NICU_MILK_* settings are wrong; the message names each and how to fix it."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Printer:
    """The unit's Zebra label printer: raw TCP, usually port 9100."""

    host: str
    port: int = 9100

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class Settings:
    """Every setting, checked and typed. Made once, at start-up, by read_settings()."""

    production: bool
    database_url: str | None
    secret_key: str | None
    timezone: ZoneInfo
    policy_file: str | None
    unit_name: str
    label_stock: str
    sheet_stock: str
    wide_label_stock: str
    wide_sheet_stock: str
    label_printer: Printer | None
    token_hours: int
    session_idle_minutes: int
    max_content_length: int
    pg_bin: str | None
    sign_in_user_limit: int
    sign_in_address_limit: int
    sign_in_window_minutes: int
    proxy_hops: int
    shift_changes: tuple[dt.time, ...]


class _Wrong(ValueError):
    """What is wrong with one value, said to the person who set it."""


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Wrong(f"must be text, got {value!r}")
    return value.strip()


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return parse(value)

    return read


def _whole(low: int, high: int, unit: str) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            number = None
        elif isinstance(value, int):
            number = value
        else:
            text = value.strip().replace("_", "")
            number = int(text) if re.fullmatch(r"[+-]?[0-9]{1,12}", text) else None
        if number is None or not low <= number <= high:
            raise _Wrong(
                f"must be a whole number of {unit} between {low} and {high}, got {value!r}"
            )
        return number

    return read


def _name(limit: int) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        text = _text(value)
        if not text or len(text) > limit or not text.isprintable():
            raise _Wrong(f"must be 1 to {limit} printable characters, got {value!r}")
        return text

    return read


def _zone(value: Any) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    try:
        return ZoneInfo(_text(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise _Wrong(
            f"must be an IANA time zone name (for example America/Chicago), got {value!r}"
        ) from None


def _environment(value: Any) -> bool:
    text = _text(value or "development").lower()
    if text not in ("development", "production"):
        raise _Wrong(f"must be production or development, got {value!r}")
    return text == "production"


def _database_url(value: Any) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    text = _text(value)
    try:
        make_url(text)
    except ArgumentError:
        raise _Wrong(
            "must be a SQLAlchemy database URL (postgresql+psycopg://user@host/db or "
            f"sqlite:///path), got {value!r}"
        ) from None
    return text


def _existing(kind: str) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        path = Path(_text(value))
        found = path.is_dir() if kind == "folder" else path.is_file()
        if not found:
            raise _Wrong(f"must name an existing {kind}, got {value!r}")
        return str(path)

    return read


def _printer(value: Any) -> Printer:
    if isinstance(value, Printer):
        return value
    text = _text(value)
    wrong = _Wrong(
        f"must be host:port of the label printer (for example 10.1.2.3:9100), got {value!r}"
    )
    bracketed = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(.*))?", text)
    if bracketed:
        host, port = bracketed.group(1), bracketed.group(2)
    elif text.count(":") == 1:
        host, port = text.split(":")
    elif ":" not in text:
        host, port = text, None
    else:
        raise wrong
    if not re.fullmatch(r"[A-Za-z0-9.\-_:]{1,253}", host):
        raise wrong
    if port is None:
        return Printer(host)
    if not re.fullmatch(r"[0-9]{1,5}", port) or not 1 <= int(port) <= 65535:
        raise wrong
    return Printer(host, int(port))


def _shift_changes(value: Any) -> tuple[dt.time, ...]:
    if isinstance(value, tuple | list) and all(isinstance(t, dt.time) for t in value):
        entries = list(value)
    else:
        entries = []
        for part in _text(value).split(","):
            entry = part.strip()
            if not re.fullmatch(r"[0-9]{2}:[0-9]{2}", entry):
                raise _Wrong(
                    f"has {entry!r}, which is not a time of day as HH:MM on the 24-hour clock; "
                    f"give the unit's shift changes like 07:00,19:00 (got {value!r})"
                )
            try:
                entries.append(dt.time.fromisoformat(entry))
            except ValueError:
                raise _Wrong(
                    f"has {entry!r}, which is not a time of day (00:00 to 23:59); "
                    f"give the unit's shift changes like 07:00,19:00 (got {value!r})"
                ) from None
    if not entries:
        raise _Wrong(f"must list at least one shift change, like 07:00,19:00, got {value!r}")
    if len(set(entries)) != len(entries):
        raise _Wrong(f"lists the same time twice, got {value!r}")
    return tuple(sorted(entries))


@dataclass(frozen=True)
class Setting:
    field: str  # Settings' attribute
    key: str  # the Flask config key; the variable is NICU_MILK_ + its name
    parse: Callable[[Any], Any]
    variable: str = ""

    @property
    def name(self) -> str:
        return PREFIX + (self.variable or self.key)


# Every variable, once: what it is called, and how it is read and checked.
SETTINGS = (
    Setting("production", "ENV", _environment, "ENV"),
    Setting("database_url", "SQLALCHEMY_DATABASE_URI", _optional(_database_url), "DATABASE_URL"),
    Setting("secret_key", "SECRET_KEY", _optional(_text)),
    Setting("timezone", "TIMEZONE", _zone),
    Setting("policy_file", "POLICY_FILE", _optional(_existing("file")), "POLICY"),
    Setting("unit_name", "UNIT_NAME", _name(100)),
    Setting("label_stock", "LABEL_STOCK", _name(100)),
    Setting("sheet_stock", "SHEET_STOCK", _name(100)),
    Setting("wide_label_stock", "WIDE_LABEL_STOCK", _name(100)),
    Setting("wide_sheet_stock", "WIDE_SHEET_STOCK", _name(100)),
    Setting("label_printer", "LABEL_PRINTER", _optional(_printer)),
    Setting("token_hours", "TOKEN_HOURS", _whole(1, 168, "hours")),
    Setting("session_idle_minutes", "SESSION_IDLE_MINUTES", _whole(1, 720, "minutes")),
    Setting("max_content_length", "MAX_CONTENT_LENGTH", _whole(4096, 100 * 1024 * 1024, "bytes")),
    Setting("pg_bin", "PG_BIN", _optional(_existing("folder"))),
    Setting("sign_in_user_limit", "SIGN_IN_USER_LIMIT", _whole(1, 10**9, "attempts")),
    Setting("sign_in_address_limit", "SIGN_IN_ADDRESS_LIMIT", _whole(1, 10**9, "attempts")),
    Setting("sign_in_window_minutes", "SIGN_IN_WINDOW_MINUTES", _whole(1, 1440, "minutes")),
    Setting("proxy_hops", "PROXY_HOPS", _whole(0, 10, "proxies")),
    Setting("shift_changes", "SHIFT_CHANGES", _shift_changes),
)


def read_settings(config: Mapping[str, Any]) -> Settings:
    """Check every setting in `config` (Flask config keys); raise SettingsError naming each
    wrong one, or return them typed."""
    values, problems = {}, []
    for setting in SETTINGS:
        try:
            values[setting.field] = setting.parse(config.get(setting.key))
        except _Wrong as wrong:
            problems.append(f"{setting.name} {wrong}.")
    if problems:
        raise SettingsError(problems)
    return Settings(**values)


class Config:
    """The defaults. Flask's own settings are here too, under Flask's names."""

    ENV = "development"
    # Unset means a SQLite file in the instance folder (filled in by create_app).
    SQLALCHEMY_DATABASE_URI = None
    # Signs sessions. Unset (outside production) means a random key kept in the instance folder,
    # made once and shared by every worker and restart: no key in this source ever signs one.
    SECRET_KEY = None
    TIMEZONE = "UTC"
    POLICY_FILE = None
    # Bodies larger than this are refused with 413 before they are parsed.
    MAX_CONTENT_LENGTH = 256 * 1024
    TOKEN_HOURS = 12
    SESSION_IDLE_MINUTES = 15
    # Password guessing: wrong passwords allowed per account, and per client address, within
    # the window; then 429 until the oldest leaves it. Every password check counts (page, badge,
    # API token, a witness's password).
    SIGN_IN_WINDOW_MINUTES = 15
    SIGN_IN_USER_LIMIT = 10
    SIGN_IN_ADDRESS_LIMIT = 30
    # How many reverse proxies in front of the app to trust for the client's address and
    # scheme (X-Forwarded-For, X-Forwarded-Proto). 0: none, the socket's peer is the client.
    PROXY_HOPS = 0
    # When the unit's shifts change (local time), for "near misses this shift".
    SHIFT_CHANGES = "07:00,19:00"
    UNIT_NAME = "Neonatal Intensive Care Unit"
    # host:port of the unit's Zebra label printer (raw TCP, usually port 9100).
    LABEL_PRINTER = None
    LABEL_STOCK = "thermal-2x1-203dpi"
    # A label that does not fit LABEL_STOCK (a very long name with everything on it) prints here.
    WIDE_LABEL_STOCK = "thermal-3x1.5-203dpi"
    SHEET_STOCK = "sheet-letter-30"
    # And a parent's take-home sheet whose labels do not fit SHEET_STOCK prints here.
    WIDE_SHEET_STOCK = "sheet-letter-10"
    # Where pg_dump and pg_restore live, when they are not on PATH or under /usr/lib/postgresql.
    PG_BIN = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PASSWORD_HASH_METHOD = "scrypt"


class ProductionConfig(Config):
    ENV = "production"
    SESSION_COOKIE_SECURE = True


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = True
    # Fast hashes keep the suite quick; production keeps werkzeug's scrypt default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    TIMEZONE = "America/Chicago"


def config_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The defaults (production's when NICU_MILK_ENV=production), then every NICU_MILK_*
    variable that is set, as raw text: read_settings() checks them."""
    environ = os.environ if environ is None else environ

    def given(setting: Setting) -> str | None:
        value = environ.get(setting.name)
        return value if value not in (None, "") else None

    environment = {s.key: given(s) for s in SETTINGS if given(s) is not None}
    production = str(environment.get("ENV", "")).strip().lower() == "production"
    base = ProductionConfig if production else Config
    defaults = {key: getattr(base, key) for key in dir(base) if key.isupper()}
    return {**defaults, **environment}
