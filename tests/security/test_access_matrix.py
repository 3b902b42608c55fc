"""Every cell of the access matrix (access_matrix.py), sent as a real request through the test
client: every route of the URL map, for each caller, on a seeded unit, on SQLite and PostgreSQL.

- Pages are asked with the caller's signed-in session cookie and a valid CSRF token; the API with
  the caller's bearer token. Each request is one a caller who may do the thing would make
  successfully (real codes and MRNs, a valid body), so that an answer says who may, not what was
  malformed; an allowed write must have changed the database.
- A refused request must change nothing in the database. After a request that did change it, the
  database is put back as seeded, so that no request depends on another's writes.
- A parent who may open an address sees nothing of another family there. A refusal that names
  Ava's baby or milk is word for word the one for a baby or bottle that does not exist, so that
  a parent of another family learns nothing, not even that she exists.
- The table names every route of the URL map, and nothing else: a new route fails here until
  someone decides who may use it.
- An administrator's cookie and token replayed after signing out, or after they expired, and a
  token sent to pages or a cookie to the API, open nothing; a form posted with another session's
  CSRF token is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import pytest
from flask import Flask, current_app, g
from sqlalchemy import select, text

from config import TestConfig
from nicu_milk import codes, create_app
from nicu_milk.extensions import db
from tests.conftest import TABLES_IN_DELETE_ORDER, TEST_SECRET_KEY
from tests.unit.printing.readback import text as pdf_text
from tests.web import seed
from tests.web.conftest import Pages

from .access_matrix import CALLERS, DENIED, LOGIN, MATRIX, NOT_FOUND, OK, Row

IGNORED_METHODS = {"HEAD", "OPTIONS"}
PASSWORD = seed.PASSWORD
USERNAMES = {
    "parent": "linh",
    "other_parent": "okafor",
    "nurse": "nina",
    "charge_nurse": "cara",
    "admin": "ada",
}
PARENTS = ("parent", "other_parent")
# Who signs in when an anonymous caller posts the sign-in forms, and who witnesses a typed code.
SOMEONE = "noor"


# --- the seeded unit -------------------------------------------------------------------------


def seed_matrix_unit() -> dict[str, str]:
    """The page tests' unit (tests/web/seed.py), with a parent for the Okafor twins and milk of
    Ava Nguyen (INF100, Linh's baby) in every state an address needs. Returns codes by name.

    What the page tests' seed does not do is done through the API, as the unit would."""
    seed.seed_unit()
    made = {
        "fresh": seed.receive("INF100"),
        "fresh2": seed.receive("INF100"),
        "frozen": seed.receive("INF100", location="FZ1-S1"),
        "held": seed.receive("INF100", location="FR1-S2"),
        "theirs": seed.receive("INF200"),
    }
    [made["blank"]] = seed.reserve("INF100")
    # An hour out of range in fridge FR1, holding a bottle of Ava's.
    made["warm"], excursion = seed.warm_fridge("FR1", "INF100")
    made["excursion"] = str(excursion)
    api_call(
        "ada",
        "POST",
        "/users",
        {
            "username": USERNAMES["other_parent"],
            "password": PASSWORD,
            "role": "parent",
            "display_name": "Ada Okafor",
            "infant_mrns": ["INF200", "INF201"],
        },
    )
    api_call("nina", "POST", f"/containers/{made['held']}/hold", {"reason": "Positive culture"})
    made["waiting"] = api_call(
        "linh",
        "POST",
        "/containers",
        {
            "infant_mrn": "INF100",
            "expressed_at": iso(ago(hours=1)),
            "volume_ml": 45,
            "milk_type": "MOM",
        },
    )["code"]
    return made


def api_call(username: str, method: str, path: str, body: dict) -> dict:
    """One API call as this user, which must succeed; its JSON answer."""
    api = current_app.test_client(use_cookies=False)
    _fresh_request_globals()
    signed_in = api.post(f"{API}/auth/token", json={"username": username, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.get_json()
    _fresh_request_globals()
    bearer = {"Authorization": f"Bearer {signed_in.get_json()['token']}"}
    answer = api.open(f"{API}{path}", method=method, json=body, headers=bearer)
    assert answer.status_code < 300, (path, answer.get_json())
    return answer.get_json()


def family_words(made: dict[str, str]) -> dict[str, set[str]]:
    """What names each family's records: a parent of another family must see none of it."""
    ours = {
        made[name] for name in ("fresh", "fresh2", "frozen", "held", "blank", "waiting", "warm")
    }
    return {
        "nguyen": {"INF100", "MOM100", "Nguyen", *ours},
        "okafor": {"INF200", "INF201", "MOM200", "Okafor", made["theirs"]},
        "fischer": {"INF300", "MOM300", "Fischer"},
    }


OWN_FAMILY = {"parent": "nguyen", "other_parent": "okafor"}


# --- what each cell sends ----------------------------------------------------------------------

# The variable parts of addresses, by name: a literal, or the name of seeded milk (see above).
# Everything is about Ava Nguyen (INF100), Linh's baby.
PARAMETERS = {
    "mrn": "INF100",
    "code": "fresh",
    "username": "linh",
    "action": "hold",
    "change": None,  # any() converters: each route says which
    "filename": "app.css",
    "excursion_id": "excursion",
}


def ago(**delta) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(**delta)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def local(moment: dt.datetime) -> str:
    from nicu_milk.web.display import local_input

    return local_input(moment)


def today_minus(days: int) -> str:
    from nicu_milk.runtime import zone

    return (dt.datetime.now(zone()).date() - dt.timedelta(days=days)).isoformat()


Body = Callable[[dict[str, str], str], dict]


@dataclass(frozen=True)
class Send:
    """How to ask for one route: address parts (overriding PARAMETERS), query, body."""

    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    # (seeded codes, caller) -> the form fields or JSON body
    body: Body | None = None
    # Done through the services just before the request: the state the request needs.
    prepare: Callable[[], None] | None = None
    # A POST that, done, records something (a check that says go, or one scan, records nothing).
    records: bool = True


def _own_or_staff_milk(made: dict[str, str], who: str) -> dict:
    body = {
        "infant_mrn": "INF100",
        "expressed_at": iso(ago(hours=1)),
        "volume_ml": 50,
        "milk_type": "MOM",
    }
    # A parent pre-registers milk; staff say where they store it.
    return body if who in PARENTS else {**body, "location_code": "FR1-S1"}


def _sign_in(made: dict[str, str], who: str) -> dict:
    return {"username": USERNAMES.get(who, SOMEONE), "password": PASSWORD}


def _hold_ava_mothers_milk() -> None:
    api_call("nina", "POST", "/mothers/MOM100/hold", {"reason": "New medication"})


ADMISSION = {
    "mrn": "INF700",
    "first_name": "Noa",
    "last_name": "Berg",
    "mother_mrn": "MOM700",
    "mother_first_name": "Ida",
    "mother_last_name": "Berg",
}
API = "/api/v1"

SENDS: dict[tuple[str, str], Send] = {
    # Pages.
    ("POST", "/login"): Send(body=_sign_in),
    ("POST", "/scan"): Send(body=lambda m, who: {"scan": "INF100"}, records=False),
    ("POST", "/scan/feed"): Send(
        body=lambda m, who: {
            "infant_code": "INF100",
            "container_code": m["fresh"],
            "volume_ml": "10",
        }
    ),
    ("POST", "/scan/typed"): Send(
        body=lambda m, who: {
            "infant_code": "INF100",
            "typed_code": m["fresh"],
            "witness_username": SOMEONE,
            "witness_password": PASSWORD,
        }
    ),
    ("POST", "/milk/new"): Send(
        body=lambda m, who: {
            "infant": "INF100",
            "milk_type": "MOM",
            "expressed_at": local(ago(hours=1)),
            "volume_ml": "50",
            "location_code": "FR1-S1",
        }
    ),
    ("GET", "/milk/receive/<code>"): Send(params={"code": "waiting"}),
    ("POST", "/milk/receive/<code>"): Send(
        params={"code": "waiting"},
        body=lambda m, who: {
            "expressed_at": local(ago(hours=1)),
            "volume_ml": "45",
            "location_code": "FR1-S1",
        },
    ),
    ("POST", "/milk/c/<code>/<action>"): Send(
        params={"action": "hold"}, body=lambda m, who: {"hold-reason": "Positive culture"}
    ),
    ("GET", "/milk/where"): Send(query={"q": "INF100"}),
    ("GET", "/milk/locations/<code>"): Send(params={"code": "FR1"}),
    ("POST", "/charge/babies"): Send(
        body=lambda m, who: {**ADMISSION, "date_of_birth": today_minus(2)}
    ),
    ("POST", "/charge/babies/<mrn>"): Send(
        body=lambda m, who: {"donor_milk_consent": "y", "daily_volume_ml": "200"}
    ),
    ("POST", "/charge/babies/<mrn>/mother/<any(hold, release):change>"): Send(
        params={"change": "hold"}, body=lambda m, who: {"reason": "New medication"}
    ),
    ("POST", "/charge/discharge/<mrn>/<code>/<action>"): Send(
        params={"action": "discard"}, body=lambda m, who: {"reason": "Spilled"}
    ),
    ("POST", "/family/<mrn>/drop-off"): Send(
        body=lambda m, who: {
            "bottles-0-expressed_at": local(ago(hours=1)),
            "bottles-0-volume_ml": "40",
        }
    ),
    ("POST", "/family/<mrn>/labels"): Send(body=lambda m, who: {"count": "2"}),
    ("GET", "/family/<mrn>/labels.pdf"): Send(query={"codes": "blank"}),
    ("POST", "/admin/users"): Send(
        body=lambda m, who: {
            "username": "newnurse",
            "role": "nurse",
            "password": "a long new password",
            "display_name": "New Nurse",
        }
    ),
    ("POST", "/admin/users/<username>/password"): Send(
        body=lambda m, who: {"password": "a brand new password"}
    ),
    ("POST", "/admin/users/<username>/<any(deactivate, activate):change>"): Send(
        params={"change": "deactivate"}
    ),
    ("POST", "/admin/users/<username>/link"): Send(body=lambda m, who: {"infant_mrn": "INF300"}),
    ("POST", "/admin/locations"): Send(
        body=lambda m, who: {"code": "FR9", "name": "Fridge 9", "kind": "refrigerator"}
    ),
    ("GET", "/admin/locations/<code>/barcode.svg"): Send(params={"code": "FR1"}),
    ("GET", "/admin/locations/<code>/label"): Send(params={"code": "FR1"}),
    # The API.
    ("POST", f"{API}/auth/token"): Send(body=_sign_in),
    ("POST", f"{API}/users"): Send(
        body=lambda m, who: {"username": "newbie", "password": "long enough pw", "role": "nurse"}
    ),
    ("POST", f"{API}/users/<username>/revoke-tokens"): Send(body=lambda m, who: {}),
    ("POST", f"{API}/infants"): Send(
        body=lambda m, who: {
            "mrn": ADMISSION["mrn"],
            "first_name": ADMISSION["first_name"],
            "last_name": ADMISSION["last_name"],
            "date_of_birth": today_minus(2),
            "mother": {"mrn": "MOM700", "first_name": "Ida", "last_name": "Berg"},
            "donor_milk_consent": False,
        }
    ),
    ("PATCH", f"{API}/infants/<mrn>"): Send(body=lambda m, who: {"donor_milk_consent": True}),
    ("POST", f"{API}/infants/<mrn>/reserved-labels"): Send(body=lambda m, who: {"count": 2}),
    ("GET", f"{API}/infants/<mrn>/reserved-labels.pdf"): Send(query={"codes": "blank"}),
    ("POST", f"{API}/mothers/<mrn>/hold"): Send(
        params={"mrn": "MOM100"}, body=lambda m, who: {"reason": "New medication"}
    ),
    ("POST", f"{API}/mothers/<mrn>/release"): Send(
        params={"mrn": "MOM100"}, prepare=_hold_ava_mothers_milk
    ),
    ("POST", f"{API}/containers"): Send(body=_own_or_staff_milk),
    ("POST", f"{API}/containers/<container:code>/receive"): Send(
        params={"code": "waiting"}, body=lambda m, who: {"location_code": "FR1-S1"}
    ),
    ("POST", f"{API}/containers/<container:code>/move"): Send(
        body=lambda m, who: {"location_code": "FR1-S2"}
    ),
    ("POST", f"{API}/containers/<container:code>/thaw"): Send(
        params={"code": "frozen"}, body=lambda m, who: {"location_code": "FR1-S1"}
    ),
    ("POST", f"{API}/containers/<container:code>/fortify"): Send(
        body=lambda m, who: {"product": "Human milk fortifier"}
    ),
    ("POST", f"{API}/containers/<container:code>/hold"): Send(
        body=lambda m, who: {"reason": "Positive culture"}
    ),
    ("POST", f"{API}/containers/<container:code>/release"): Send(params={"code": "held"}),
    ("POST", f"{API}/containers/<container:code>/discard"): Send(
        body=lambda m, who: {"reason": "Spilled"}
    ),
    ("POST", f"{API}/containers/<container:code>/split"): Send(
        body=lambda m, who: {"volumes_ml": [10, 10]}
    ),
    ("POST", f"{API}/containers/combine"): Send(
        body=lambda m, who: {"codes": [m["fresh"], m["fresh2"]], "location_code": "FR1-S1"}
    ),
    ("POST", f"{API}/containers/<container:code>/print"): Send(body=lambda m, who: {}),
    ("POST", f"{API}/feeds/check"): Send(
        body=lambda m, who: {"infant_code": "INF100", "container_code": m["fresh"]},
        records=False,
    ),
    ("POST", f"{API}/feeds"): Send(
        body=lambda m, who: {"infant_code": "INF100", "container_code": m["fresh"], "volume_ml": 10}
    ),
    ("GET", f"{API}/feeds"): Send(query={"infant_mrn": "INF100"}),
    ("POST", f"{API}/locations"): Send(
        body=lambda m, who: {"code": "FR9", "name": "Fridge 9", "kind": "refrigerator"}
    ),
    ("GET", f"{API}/locations/<code>"): Send(params={"code": "FR1"}),
    ("GET", f"{API}/reports/expiry"): Send(query={"within_hours": "24"}),
    # The cold chain.
    ("POST", "/temperatures/<code>/sign-off"): Send(params={"code": "FR1"}, body=lambda m, who: {}),
    ("POST", "/temperatures/excursions/<int:excursion_id>/decision"): Send(
        body=lambda m, who: {"action": "release", "reason": "Probe in a glycol bottle stayed cold"}
    ),
    ("POST", f"{API}/readings"): Send(
        body=lambda m, who: {
            "readings": [{"sensor_id": "T-FR1", "at": iso(ago(minutes=1)), "celsius": 4.0}]
        }
    ),
    ("PATCH", f"{API}/locations/<code>"): Send(
        params={"code": "FR1"}, body=lambda m, who: {"sensor_id": "T-FR1-SPARE"}
    ),
    ("POST", f"{API}/locations/<code>/sign-off"): Send(
        params={"code": "FR1"}, body=lambda m, who: {}
    ),
    ("POST", f"{API}/excursions/<excursion_id>/decision"): Send(
        body=lambda m, who: {"action": "release", "reason": "Probe in a glycol bottle stayed cold"}
    ),
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: dict | None

    @property
    def api(self) -> bool:
        return self.path.startswith(API + "/")

    def map_strings(self, change: Callable[[str], str]) -> Request:
        def each(value):
            if isinstance(value, str):
                return change(value)
            if isinstance(value, list):
                return [each(item) for item in value]
            if isinstance(value, dict):
                return {key: each(item) for key, item in value.items()}
            return value

        return replace(self, path=change(self.path), query=each(self.query), body=each(self.body))


def route_keys(app: Flask) -> set[tuple[str, str]]:
    """(method, rule) of every route in the URL map, HEAD and OPTIONS aside."""
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    }


def build(app: Flask, key: tuple[str, str], made: dict[str, str], who: str) -> Request:
    """The request for one cell: the address filled in, the query and the body."""
    method, template = key
    spec = SENDS.get(key, Send())
    [rule] = [r for r in app.url_map.iter_rules() if r.rule == template and method in r.methods]
    values = {}
    for name in rule.arguments:
        value = spec.params.get(name, PARAMETERS[name])
        values[name] = made.get(value, value)
    _, path = rule.build(values, append_unknown=False)
    query = {name: made.get(value, value) for name, value in spec.query.items()}
    body = spec.body(made, who) if spec.body else None
    return Request(method, path, query, body)


# --- the callers -------------------------------------------------------------------------------


@dataclass
class Caller:
    """One column of the table: a browser for the pages, a client with a token for the API."""

    name: str
    pages: Pages
    cookie: str | None
    csrf: str | None
    api: object  # a FlaskClient without cookies
    api_headers: dict[str, str]
    page_headers: dict[str, str] = field(default_factory=dict)


def sign_in(app: Flask, name: str) -> Caller:
    browser = Pages(app.test_client())
    username = USERNAMES.get(name)
    if username is None:
        browser.get("/login")  # an anonymous visitor's session holds only its CSRF token
    else:
        browser.sign_in(username)
    cookie = browser.client.get_cookie("session")
    api = app.test_client(use_cookies=False)
    headers = {}
    if username is not None:
        answer = api.post(f"{API}/auth/token", json={"username": username, "password": PASSWORD})
        assert answer.status_code == 200, answer.get_json()
        headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    return Caller(name, browser, cookie.value if cookie else None, browser.csrf, api, headers)


def _fresh_request_globals() -> None:
    # As a server does: each request starts with an empty `g` and its own database session.
    for name in list(vars(g)):
        delattr(g, name)
    db.session.remove()


def send(caller: Caller, request: Request):
    _fresh_request_globals()
    if request.api:
        return caller.api.open(
            request.path,
            method=request.method,
            query_string=request.query,
            json=request.body,
            headers=caller.api_headers,
        )
    client = caller.pages.client
    # Every request carries the session as it was at sign-in: signing out in one cell must not
    # sign the caller out of the next (the database is put back, the cookie is put back here).
    if caller.cookie is None:
        client.delete_cookie("session")
    else:
        client.set_cookie("session", caller.cookie)
    data = None
    if request.method != "GET":
        data = {**(request.body or {}), "csrf_token": caller.csrf or ""}
    return client.open(
        request.path,
        method=request.method,
        query_string=request.query,
        data=data,
        headers=caller.page_headers,
    )


def outcome(answer, changed: bool) -> str:
    """The answer's class, in the table's words, or its status when it fits none.

    A redirect to the sign-in page is LOGIN, unless the request changed something: then it is
    where signing out ends (a refused request changes nothing, which is checked apart)."""
    status = answer.status_code
    if status == 401:
        return LOGIN
    if 300 <= status < 400:
        to_sign_in = urlsplit(answer.headers.get("Location", "")).path == "/login"
        return LOGIN if to_sign_in and not changed else OK
    if 200 <= status < 300:
        return OK
    return {403: DENIED, 404: NOT_FOUND}.get(status, f"HTTP {status}")


def _said(answer) -> str:
    if answer.mimetype == "application/json":
        return json.dumps(answer.get_json(silent=True))[:300]
    if answer.mimetype == "text/html":
        found = re.search(r'<p class="lead">(.*?)</p>', answer.get_data(as_text=True), re.S)
        if found:
            return found.group(1).strip()[:300]
        errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', answer.get_data(as_text=True))
        return " | ".join(e.strip() for e in errors)[:300]
    return answer.mimetype


def words_of(answer) -> str | None:
    """What an answer shows, as text; None for a file the test cannot read."""
    if answer.mimetype == "application/pdf":
        return pdf_text(answer.data)
    if answer.mimetype.startswith("text/") or answer.mimetype in (
        "application/json",
        "image/svg+xml",
        "application/javascript",
    ):
        return answer.get_data(as_text=True)
    return None


# --- the database, as seeded ---------------------------------------------------------------------


class Seeded:
    """The database as seeded: every row, to put back, and a fingerprint of each table's rows,
    read in one query, to tell quickly which tables a request changed."""

    def __init__(self):
        self.tables = db.metadata.sorted_tables
        self.query = text(
            "SELECT "
            + ", ".join(
                f"({_table_text(table, db.engine.dialect.name)}) AS t{number}"
                for number, table in enumerate(self.tables)
            )
        )
        self.rows = self._rows()
        # Rows put back are written by this test, not by the app (a number or a time may be
        # stored in another form): fingerprint them as put back, so that putting back is exact.
        self.put_back([table.name for table in self.tables])
        self.fingerprints = self.now()

    def _rows(self) -> dict[str, list[dict]]:
        db.session.remove()
        with db.engine.connect() as connection:
            rows = {
                table.name: [dict(row._mapping) for row in connection.execute(select(table))]
                for table in self.tables
            }
            connection.rollback()
        return rows

    def now(self) -> dict[str, str]:
        """Each table's fingerprint now, read on a connection of its own."""
        db.session.remove()
        with db.engine.connect() as connection:
            found = connection.execute(self.query).one()
            connection.rollback()
        return {table.name: value for table, value in zip(self.tables, found, strict=True)}

    def changed(self, now: dict[str, str], before: dict[str, str] | None = None) -> list[str]:
        before = before or self.fingerprints
        return [name for name, value in now.items() if value != before[name]]

    def put_back(self, changed: list[str]) -> None:
        """The changed tables hold their seeded rows again, and so do the tables that refer to
        them (their rows are deleted with them)."""
        names = set(changed)
        grew = True
        while grew:
            refer = {
                table.name
                for table in self.tables
                if any(key.column.table.name in names for key in table.foreign_keys)
            }
            grew = not refer <= names
            names |= refer
        tables = [table for table in self.tables if table.name in names]
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(tables):
                connection.execute(table.delete())
            for table in tables:
                if self.rows[table.name]:
                    connection.execute(table.insert(), self.rows[table.name])


def _table_text(table, dialect: str) -> str:
    """SQL for one table's rows as one text, the same whenever the rows are."""
    name = f'"{table.name}"'
    if dialect == "postgresql":
        return f"SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {name} r"
    row = " || ',' || ".join(f'quote("{column.name}")' for column in table.columns)
    return (
        f"SELECT coalesce(group_concat(r, '|'), '') FROM (SELECT {row} AS r FROM {name} ORDER BY r)"
    )


# --- a label printer on loopback ------------------------------------------------------------


class Printer:
    """Accepts every connection and keeps nothing: printing works, so printing is allowed."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                while connection.recv(65536):
                    pass

    def close(self):
        self.server.close()


@pytest.fixture(scope="module")
def unit(database_url):
    """One app and one seeded unit for every caller of this module (on each database): each
    cell's writes are undone after it, so the callers' runs cannot see each other's."""
    printer = Printer()
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        SECRET_KEY=TEST_SECRET_KEY,
        LABEL_PRINTER=printer.address,
    )
    with app.app_context():
        made = seed_matrix_unit()
        yield app, made
        db.session.remove()
        with db.engine.begin() as connection:
            for table in TABLES_IN_DELETE_ORDER:
                connection.execute(text(f"DELETE FROM {table}"))
            connection.execute(text("UPDATE counters SET value = 0"))
        db.engine.dispose()
    printer.close()


# --- running the cells ---------------------------------------------------------------------------


@dataclass
class Cell:
    key: tuple[str, str]
    expected: str
    got: str
    said: str = ""
    problem: str = ""

    def line(self) -> str:
        method, rule = self.key
        text = f"{method:6} {rule:58} expected {self.expected:9} got {self.got}"
        return f"{text}: {self.problem or self.said}".rstrip(": ")


def run_cells(
    app: Flask,
    caller: Caller,
    made: dict[str, str],
    expect: Callable[[Row], str],
    *,
    thorough: bool = True,
) -> list[Cell]:
    """Send every route of the table as this caller; the cells whose answer was not the table's.

    Thorough (a caller of the table, not a spent or misplaced credential): also what a parent
    sees, and that each refusal is the same for a baby or bottle that does not exist."""
    seeded = Seeded()
    families = family_words(made)
    unknown = _unknown_values(made)
    wrong = []
    for key in sorted(MATRIX):
        expected = expect(MATRIX[key])
        spec = SENDS.get(key, Send())
        before = None
        if spec.prepare:
            spec.prepare()
            before = seeded.now()
        request = build(app, key, made, caller.name)
        answer = send(caller, request)
        said = _said(answer)
        problems = []
        twin = request.map_strings(lambda text: _swap(text, unknown))
        assert twin != request or expected != NOT_FOUND, f"{key}: nothing of Ava's to swap"
        if thorough and expected != OK and twin != request and outcome(answer, False) == expected:
            # Refused the same way whether the baby or bottle exists or not.
            problems.append(_differs_from_unknown(caller, twin, answer, unknown))
        now = seeded.now()
        changed = seeded.changed(now, before)
        cell = Cell(key, expected, outcome(answer, bool(changed)), said)
        if cell.got == expected and expected != OK and changed:
            problems.append(f"refused, but changed {changed}")
        if cell.got == expected == OK and request.method != "GET" and spec.records and not changed:
            # A form that redirects with a flashed error answers like one that worked.
            problems.append("answered, but nothing was done: is the request still valid?")
        if cell.got == expected == OK and thorough and caller.name in PARENTS:
            problems.append(_leaks(answer, caller.name, families))
        cell.problem = "; ".join(problem for problem in problems if problem)
        if cell.got != expected or cell.problem:
            wrong.append(cell)
        answer.close()
        dirty = seeded.changed(now)
        if dirty:
            seeded.put_back(dirty)
    return wrong


def _leaks(answer, who: str, families: dict[str, set[str]]) -> str:
    shown = words_of(answer)
    if shown is None:
        return ""
    squashed = "".join(shown.split())
    seen = sorted(
        word
        for family, words in families.items()
        if family != OWN_FAMILY[who]
        for word in words
        if word in shown or word in squashed
    )
    return f"shows another family's {seen}" if seen else ""


def _unknown_values(made: dict[str, str]) -> dict[str, str]:
    """For each identifier of Ava's family, one of the same form that is on no record."""
    # The excursion is the unit's, not the family's: its number is no identifier of theirs.
    ours = sorted({made[name] for name in made if name not in ("theirs", "excursion")})
    swaps = {"INF100": "INF999", "MOM100": "MOM999"}
    for number, code in enumerate(ours):
        swaps[code] = codes.container_code(codes.MAX_SERIAL - number)
    return swaps


def _swap(text: str, swaps: dict[str, str]) -> str:
    for old, new in swaps.items():
        text = text.replace(old, new)
    return text


def _differs_from_unknown(caller: Caller, twin: Request, answer, unknown) -> str:
    """'' when the twin request, about a baby or bottle that does not exist, is refused with the
    same status and the same words as this one."""
    other = send(caller, twin)
    said = _said(other)
    other.close()
    back = {new: old for old, new in unknown.items()}
    if other.status_code != answer.status_code:
        return f"for one that does not exist: {other.status_code} ({said})"
    if _swap(said, back) != _said(answer):
        return f"for one that does not exist it says {said!r}"
    return ""


def report(caller: str, wrong: list[Cell]) -> str:
    return f"{len(wrong)} cells for {caller} differ from access_matrix.py:\n" + "\n".join(
        cell.line() for cell in wrong
    )


# --- the tests -----------------------------------------------------------------------------


def missing_and_stale(app: Flask) -> tuple[list, list]:
    routes = route_keys(app)
    return sorted(routes - set(MATRIX)), sorted(set(MATRIX) - routes)


def bare_app() -> Flask:
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY=TEST_SECRET_KEY)


def test_the_table_names_every_route_and_no_other():
    app = bare_app()
    missing, stale = missing_and_stale(app)
    assert not missing, (
        "Routes with no row in tests/security/access_matrix.py; decide who may use each and add "
        f"it: {missing}"
    )
    assert not stale, f"Rows in access_matrix.py for routes that no longer exist: {stale}"
    assert set(SENDS) <= set(MATRIX), sorted(set(SENDS) - set(MATRIX))
    arguments = {name for rule in app.url_map.iter_rules() for name in rule.arguments}
    assert arguments <= set(PARAMETERS), sorted(arguments - set(PARAMETERS))


def test_a_new_route_fails_until_it_has_a_row():
    app = bare_app()
    app.add_url_rule("/milk/secret", "secret", lambda: "nothing", methods=["GET", "POST"])
    missing, _ = missing_and_stale(app)
    assert missing == [("GET", "/milk/secret"), ("POST", "/milk/secret")]


@pytest.mark.parametrize("who", CALLERS)
def test_every_route_answers_each_caller_as_the_table_says(unit, who):
    app, made = unit
    caller = sign_in(app, who)
    wrong = run_cells(app, caller, made, lambda row: getattr(row, who))
    assert not wrong, report(who, wrong)


def test_pages_take_no_token_and_the_api_no_session_cookie(unit):
    """An administrator's token opens no page and their page session opens no API call: each is
    answered as for someone not signed in (so a page cannot be forged into an API call)."""
    app, made = unit
    admin = sign_in(app, "admin")
    anonymous = sign_in(app, "anonymous")
    crossed = Caller(
        "anonymous",
        pages=anonymous.pages,
        cookie=anonymous.cookie,
        csrf=anonymous.csrf,
        api=admin.pages.client,  # sends the administrator's session cookie, and no token
        api_headers={},
        page_headers=admin.api_headers,  # a page request with the administrator's token
    )
    admin.pages.client.set_cookie("session", admin.cookie)
    wrong = run_cells(app, crossed, made, lambda row: row.anonymous, thorough=False)
    assert not wrong, report("a token on pages and a session cookie on the API", wrong)


class Clock:
    def __init__(self, moment: dt.datetime):
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment


@pytest.mark.parametrize("spent", ["signed out", "expired"])
def test_a_spent_session_cookie_or_token_opens_nothing(unit, spent):
    """An administrator's session cookie and API token, replayed after they signed out (both),
    or after they expired (the page session idle past its limit, the token past its lifetime):
    every address answers as for someone not signed in, and nothing changes."""
    app, made = unit
    if spent == "signed out":
        admin = sign_in(app, "admin")
        browser = Pages(app.test_client())
        browser.client.set_cookie("session", admin.cookie)
        assert browser.post("/logout", {"csrf_token": admin.csrf}, csrf=False).status_code == 302
        _fresh_request_globals()
        revoked = admin.api.delete(f"{API}/auth/token", headers=admin.api_headers)
        assert revoked.status_code == 204
    else:
        # Signed in a week ago: longer than a token lives (12 h) or a page session idles.
        app.config["CLOCK"] = Clock(dt.datetime.now(dt.UTC) - dt.timedelta(days=7))
        try:
            admin = sign_in(app, "admin")
        finally:
            del app.config["CLOCK"]
    # The same cookie and token, sent as if anonymous: the table's first column.
    replayed = replace(admin, name="anonymous")
    wrong = run_cells(app, replayed, made, lambda row: row.anonymous, thorough=False)
    assert not wrong, report(f"an administrator's cookie and token, {spent}", wrong)


def test_a_form_posted_with_another_sessions_csrf_token_is_refused(unit):
    """A CSRF token is good only with the session it came with: a nurse's browser posting every
    form with the administrator's token (as a forged page would) is refused, and nothing changes."""
    app, made = unit
    nurse, admin = sign_in(app, "nurse"), sign_in(app, "admin")
    forged = replace(nurse, csrf=admin.csrf)
    seeded = Seeded()
    forms = [key for key in sorted(MATRIX) if key[0] != "GET" and not key[1].startswith(API)]
    assert len(forms) >= 20, forms
    wrong = []
    for key in forms:
        answer = send(forged, build(app, key, made, "nurse"))
        changed = seeded.changed(seeded.now())
        if answer.status_code != 400 or "out of date" not in answer.get_data(as_text=True):
            wrong.append(f"{key}: {answer.status_code} {_said(answer)}")
        elif changed:
            wrong.append(f"{key}: refused, but changed {changed}")
        answer.close()
        if changed:
            seeded.put_back(changed)
    assert not wrong, wrong
