"""What a hostile or careless client sends, to every API route: each gets a 4xx with the error
code that says what was wrong, and the database is exactly as before. Each route's walk ends
with its valid request, which must succeed, so the refusals were the garbage's doing.

- no token, a malformed one, an expired one, a revoked one, a signed-out (replayed) one, and
  one of a deactivated account;
- bodies too large, invalid JSON, invalid UTF-8, lone surrogates, the wrong media type;
- every field given the wrong type;
- control characters and invisible characters in every text field, and injection strings in
  every identifier (an MRN, a code, a lot).
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

import pytest
from sqlalchemy import select

from nicu_milk import identifiers
from nicu_milk.api import ENDPOINTS
from nicu_milk.extensions import db
from nicu_milk.models import User
from nicu_milk.services import accounts
from tests.api.conftest import assert_error_shape, snapshot
from tests.api.test_bad_input import VALID, _default_params, _fill

PREFIX = "/api/v1"
ROUTES = sorted({(e.method, e.path) for e in ENDPOINTS})
GUARDED = [key for key in ROUTES if next(e for e in ENDPOINTS if (e.method, e.path) == key).roles]
BODIES = sorted(key for key in VALID if key != ("DELETE", "/auth/token"))

INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE infants; --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "${jndi:ldap://x/a}",
    "^XA^FO50,50^FDx^FS^XZ",
    "%00",
    "{{7*7}}",
]
INVISIBLE = ["\u200b", "\u200d", "\u2060", "\ufeff", "\u202e", "\u00ad"]
CONTROL = ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85"]


# Patterns whose refusals name an invisible character.
STRICT = (
    identifiers.IDENTIFIER_PATTERN,
    identifiers.NAME_PATTERN,
    identifiers.SCANNED_PATTERN,
    identifiers.WORD_PATTERN,
)


def _route(method, path):
    [route] = [e for e in ENDPOINTS if e.method == method and e.path == path]
    return route


def _request(client, method, path, *, token=None, data=b"", content_type="application/json"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(
        f"{PREFIX}{path}", method=method, data=data, content_type=content_type, headers=headers
    )


def _expect(answer, status, code, context=None):
    body = answer.get_json(silent=True)
    assert answer.status_code == status, (context, answer.status_code, body)
    assert_error_shape(answer)
    assert body["error"]["code"] == code, (context, body)


def _token(username: str, *, issued_hours_ago: float = 0, hours: float = 12) -> str:
    user = db.session.scalars(select(User).where(User.username == username)).one()
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=issued_hours_ago)
    token = accounts.issue_token(db.session, user, when, hours)
    db.session.commit()
    return token


def _path(unit, method, template):
    make_params, make_body, who = VALID.get((method, template), (None, None, "nurse"))
    params = make_params(unit) if make_params else {}
    valid = make_body(unit, params) if make_body else None
    return _fill(template, {**_default_params(template), **params}), valid, who


@pytest.mark.parametrize(("method", "template"), GUARDED, ids=[f"{m} {p}" for m, p in GUARDED])
def test_no_token_a_bad_one_or_a_spent_one_opens_nothing(client, unit, method, template):
    path, valid, who = _path(unit, method, template)
    expired = _token("nina", issued_hours_ago=13, hours=12)
    revoked = _token("nina")
    accounts.revoke_token(db.session, revoked, dt.datetime.now(dt.UTC))
    db.session.commit()
    replayed = _token("nina")
    assert _request(client, "DELETE", "/auth/token", token=replayed).status_code == 204
    deactivated = _token("noor")
    db.session.scalars(select(User).where(User.username == "noor")).one().active = False
    db.session.commit()
    data = json.dumps(valid).encode() if valid is not None else b""
    before = snapshot()
    _expect(_request(client, method, path, data=data), 401, "AUTHENTICATION_REQUIRED")
    answer = client.open(
        f"{PREFIX}{path}",
        method=method,
        data=data,
        content_type="application/json",
        headers={"Authorization": "Basic eA=="},
    )
    _expect(answer, 401, "AUTHENTICATION_REQUIRED")
    for token in ("garbage", "x" * 500, "' OR '1'='1", expired, revoked, replayed, deactivated):
        answer = _request(client, method, path, token=token, data=data)
        _expect(answer, 401, "INVALID_TOKEN", token[:20])
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot() == before


def _string_leaves(value, schema, defs, path=()):
    """(path, pattern) of every string field of a valid body, with the pattern it must match."""
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    options = schema.get("anyOf", [schema])
    if isinstance(value, dict):
        properties = next((o for o in options if "properties" in o or "$ref" in o), schema)
        if "$ref" in properties:
            properties = defs[properties["$ref"].rsplit("/", 1)[1]]
        for key, item in value.items():
            yield from _string_leaves(item, properties["properties"][key], defs, (*path, key))
    elif isinstance(value, list):
        items = next(o for o in options if o.get("type") == "array")["items"]
        for index, item in enumerate(value):
            yield from _string_leaves(item, items, defs, (*path, index))
    elif isinstance(value, str):
        string = next((o for o in options if o.get("type") == "string"), {})
        yield path, string.get("pattern")


def _replace(body, path, new):
    if not path:
        return new
    copy = json.loads(json.dumps(body))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return copy


def _leaves_of(route, valid):
    if route.body is None:
        return []
    schema = route.body.model_json_schema()
    return list(_string_leaves(valid, schema, schema.get("$defs", {})))


@pytest.mark.parametrize(("method", "template"), BODIES, ids=[f"{m} {p}" for m, p in BODIES])
def test_hostile_bodies_are_refused_with_the_right_code(app, unit, method, template):
    route = _route(method, template)
    path, valid, who = _path(unit, method, template)
    api = unit[who]
    token = None if template == "/auth/token" else api.token
    client = api.client

    def send(data, content_type="application/json"):
        return _request(client, method, path, token=token, data=data, content_type=content_type)

    before = snapshot()
    limit = app.config["MAX_CONTENT_LENGTH"]
    _expect(send(b'{"x": "' + b"a" * limit + b'"}'), 413, "BODY_TOO_LARGE")
    for raw in (
        b'{"a": ',
        b"{'single': 'quotes'}",
        b"\xff\xfe\x00",
        b'{"a": "\xc3\x28"}',
        b'{"a": "\xed\xa0\x80"}',
        b"[1, 2",
        b'{"a": NaN',
    ):
        _expect(send(raw), 400, "MALFORMED_JSON", raw)
    _expect(send(json.dumps(valid).encode(), "text/plain"), 400, "UNSUPPORTED_MEDIA_TYPE")
    _expect(send(json.dumps({**valid, "zzz_unknown": 1}).encode()), 400, "UNKNOWN_FIELD")
    for field in valid:
        wrongs = [1.5 if isinstance(valid[field], str) else "text"]
        wrongs += [] if isinstance(valid[field], dict) else [{"nested": 1}]
        wrongs += [] if isinstance(valid[field], list) else [[]]
        for wrong in wrongs:
            body = {**valid, field: wrong}
            _expect(send(json.dumps(body).encode()), 400, "INVALID_INPUT", (field, wrong))
    for leaf, pattern in _leaves_of(route, valid):
        original = _get(valid, leaf)
        hostile = [original + c for c in CONTROL[1:]]
        if pattern not in (identifiers.TEXT_PATTERN, identifiers.SECRET_PATTERN):
            # Free text and passwords may hold them; identifiers, names and scans may not.
            hostile += [original[:1] + c + original[1:] for c in INVISIBLE]
        if pattern == identifiers.IDENTIFIER_PATTERN:
            hostile += INJECTIONS
        for value in hostile:
            answer = send(json.dumps(_replace(valid, leaf, value)).encode())
            _expect(answer, 400, "INVALID_INPUT", (leaf, value))
            if pattern in STRICT and any(c in value for c in INVISIBLE):
                assert "invisible character" in answer.get_json()["error"]["message"], leaf
        # A lone UTF-16 surrogate is not valid JSON text (RFC 8259 says so for interchange).
        lone = json.dumps(_replace(valid, leaf, original[:1] + "\ud800" + original[1:]))
        _expect(send(lone.encode()), 400, "MALFORMED_JSON", (leaf, "surrogate"))
        # A NUL is refused too (PostgreSQL could not even store it).
        _expect(
            send(json.dumps(_replace(valid, leaf, original + "\x00")).encode()),
            400,
            "INVALID_INPUT",
            (leaf, "NUL"),
        )
    if template != "/auth/token":
        assert snapshot() == before, "a refused request changed the database"
    answer = send(json.dumps(valid).encode())
    assert answer.status_code < 300, answer.get_json()


def _get(body, path):
    for key in path:
        body = body[key]
    return body


GETS = [key for key in ROUTES if key[0] == "GET" and "{" in key[1]]


@pytest.mark.parametrize(("method", "template"), GETS, ids=[f"{m} {p}" for m, p in GETS])
def test_hostile_addresses_find_nothing(unit, method, template):
    nurse = unit["nurse"]
    before = snapshot()
    params = {"code": "M0000000195", "mrn": "INF100", "username": "noor"}
    for hostile in [*INJECTIONS, "INF\u200b100", "INF100\u202e", "\x07", "M000000019\u200b5"]:
        names = [part[1:-1] for part in template.split("/") if part.startswith("{")]
        path = _fill(template, {**params, **dict.fromkeys(names, hostile)})
        quoted = "/".join(quote(part, safe="") for part in path.split("/"))
        answer = nurse.client.get(f"{PREFIX}{quoted}", headers=nurse._headers())
        assert answer.status_code in (400, 404), (path, answer.status_code)
        assert_error_shape(answer)
    assert snapshot() == before


def test_query_parameters_of_the_wrong_type_or_unknown(unit):
    nurse = unit["nurse"]
    before = snapshot()
    for path, code in [
        ("/reports/expiry?within_hours=abc", "INVALID_INPUT"),
        ("/reports/expiry?within_hours=-1", "INVALID_INPUT"),
        ("/reports/expiry?within_hours=nan", "INVALID_INPUT"),
        ("/reports/near-misses?since=1900-01-01", "INVALID_INPUT"),
        ("/reports/near-misses?since=0001-01-01T00:00:00Z", "INVALID_INPUT"),
        ("/feeds?infant_mrn=INF%E2%80%8B100", "INVALID_INPUT"),
        ("/feeds?infant_mrn=%27%20OR%201=1", "INVALID_INPUT"),
        ("/infants?x=1", "UNKNOWN_PARAMETER"),
        ("/reports/inventory?" + "a" * 4100, "URI_TOO_LONG"),
    ]:
        answer = nurse.get(path)
        status = 414 if code == "URI_TOO_LONG" else 400
        _expect(answer, status, code, path)
    assert snapshot() == before


def test_a_wrong_method_says_which_ones_the_address_takes(unit):
    nurse = unit["nurse"]
    for method, path, allowed in [
        ("PUT", "/locations", {"GET", "POST"}),
        ("DELETE", "/containers/combine", {"POST"}),
        ("GET", "/containers/combine", {"POST"}),
        ("PATCH", "/containers/M0000000195", {"GET"}),
        ("GET", "/auth/token", {"POST", "DELETE"}),
    ]:
        answer = nurse.client.open(f"{PREFIX}{path}", method=method, headers=nurse._headers())
        _expect(answer, 405, "METHOD_NOT_ALLOWED", (method, path))
        advertised = {m.strip() for m in answer.headers["Allow"].split(",")}
        assert advertised - {"HEAD", "OPTIONS"} == allowed, (method, path, advertised)
