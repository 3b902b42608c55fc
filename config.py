"""Configuration for nicu_milk, read from NICU_MILK_* environment variables.

This is the one place that reads the environment; everything else asks the Flask config.
"""

import os


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"NICU_MILK_{name}")
    return value if value not in (None, "") else default


class Config:
    # Unset means a SQLite file in the instance folder (filled in by create_app).
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL")
    # Signs sessions. Unset (outside production) means a random key kept in the instance folder,
    # made once and shared by every worker and restart: no key in this source ever signs one.
    SECRET_KEY = _env("SECRET_KEY")
    TIMEZONE = _env("TIMEZONE", "UTC")
    POLICY_FILE = _env("POLICY")
    # Bodies larger than this are refused with 413 before they are parsed.
    MAX_CONTENT_LENGTH = int(_env("MAX_CONTENT_LENGTH", str(256 * 1024)))
    TOKEN_HOURS = float(_env("TOKEN_HOURS", "12"))
    SESSION_IDLE_MINUTES = float(_env("SESSION_IDLE_MINUTES", "15"))
    # Password guessing: wrong passwords allowed per account, and per client address, within
    # the window; then 429 until the oldest leaves it. Every password check counts (page, badge,
    # API token, a witness's password).
    SIGN_IN_WINDOW_MINUTES = float(_env("SIGN_IN_WINDOW_MINUTES", "15"))
    SIGN_IN_USER_LIMIT = int(_env("SIGN_IN_USER_LIMIT", "10"))
    SIGN_IN_ADDRESS_LIMIT = int(_env("SIGN_IN_ADDRESS_LIMIT", "30"))
    # How many reverse proxies in front of the app to trust for the client's address and
    # scheme (X-Forwarded-For, X-Forwarded-Proto). 0: none, the socket's peer is the client.
    PROXY_HOPS = int(_env("PROXY_HOPS", "0"))
    # When the unit's shifts change (local time), for "near misses this shift".
    SHIFT_CHANGES = _env("SHIFT_CHANGES", "07:00,19:00")
    UNIT_NAME = _env("UNIT_NAME", "Neonatal Intensive Care Unit")
    # host:port of the unit's Zebra label printer (raw TCP, usually port 9100).
    LABEL_PRINTER = _env("LABEL_PRINTER")
    LABEL_STOCK = _env("LABEL_STOCK", "thermal-2x1-203dpi")
    # A label that does not fit LABEL_STOCK (a very long name with everything on it) prints here.
    WIDE_LABEL_STOCK = _env("WIDE_LABEL_STOCK", "thermal-3x1.5-203dpi")
    SHEET_STOCK = _env("SHEET_STOCK", "sheet-letter-30")
    # And a parent's take-home sheet whose labels do not fit SHEET_STOCK prints here.
    WIDE_SHEET_STOCK = _env("WIDE_SHEET_STOCK", "sheet-letter-10")
    # Where pg_dump and pg_restore live, when they are not on PATH or under /usr/lib/postgresql.
    PG_BIN = _env("PG_BIN")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PRODUCTION = False
    PASSWORD_HASH_METHOD = "scrypt"


class ProductionConfig(Config):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = True


class TestConfig(Config):
    TESTING = True
    # No fixed key here either: a test passes its own, or gets the instance folder's random one.
    SECRET_KEY = None
    WTF_CSRF_ENABLED = True
    # Fast hashes keep the suite quick; production keeps werkzeug's scrypt default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    TIMEZONE = "America/Chicago"
    POLICY_FILE = None
    LABEL_PRINTER = None


def config_from_environment() -> type[Config]:
    """Pick the configuration named by NICU_MILK_ENV (production or development)."""
    if _env("ENV", "development") == "production":
        return ProductionConfig
    return Config
