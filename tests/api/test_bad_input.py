"""Bad input on every endpoint that takes a body: always a 4xx in the error shape, never a 500,
and nothing changes. Each endpoint's walk ends with a valid request, which must succeed, so
that each refusal above it was caused by the garbage and not by something else."""

import json

import pytest

from nicu_milk.api import ENDPOINTS
from tests.api.conftest import (
    CheckedApi,
    ago,
    assert_error_shape,
    count,
    expect,
    later,
    receive_milk,
    snapshot,
)
from tests.conftest import make_user

PASSWORD_OF_NOOR = "correct horse battery"


def _reserved(unit):
    return expect(
        unit["parent"].post(
            "/containers",
            {
                "infant_mrn": "INF100",
                "expressed_at": ago(hours=2),
                "volume_ml": 50,
                "milk_type": "MOM",
            },
        ),
        201,
    )["code"]


def _held(unit):
    code = receive_milk(unit["nurse"])["code"]
    expect(unit["nurse"].post(f"/containers/{code}/hold", {"reason": "culture"}), 200)
    return code


def _held_mother(unit):
    expect(unit["nurse"].post("/mothers/MOM100/hold", {"reason": "medication"}), 200)
    return {"mrn": "MOM100"}


def _frozen(unit):
    return receive_milk(unit["nurse"], location="FZ1")["code"]


def _fresh(unit):
    return receive_milk(unit["nurse"])["code"]


# (method, path template) -> (path params maker, valid body maker, who sends it)
VALID = {
    ("POST", "/auth/token"): (
        None,
        lambda u, p: {"username": "nina", "password": PASSWORD_OF_NOOR},
        "nurse",
    ),
    ("DELETE", "/auth/token"): (None, lambda u, p: None, "nurse"),
    ("POST", "/users"): (
        None,
        lambda u, p: {
            "username": "newbie",
            "password": "long enough pw",
            "role": "parent",
            "display_name": "New Parent",
            "badge_code": "B-1",
            "infant_mrns": ["INF100"],
        },
        "admin",
    ),
    ("POST", "/users/{username}/revoke-tokens"): (
        lambda u: {"username": "noor"},
        lambda u, p: {},
        "admin",
    ),
    ("POST", "/locations"): (
        None,
        lambda u, p: {"code": "FR2-S1", "name": "Shelf", "parent_code": "FR1"},
        "admin",
    ),
    ("POST", "/infants"): (
        None,
        lambda u, p: {
            "mrn": "INF500",
            "first_name": "Noa",
            "last_name": "Berg",
            "date_of_birth": "2026-11-27",
            "mother": {"mrn": "MOM500", "first_name": "Ida", "last_name": "Berg"},
            "donor_milk_consent": True,
            "wristband_code": "WB500",
            "daily_volume_ml": 150,
        },
        "nurse",
    ),
    ("PATCH", "/infants/{mrn}"): (
        lambda u: {"mrn": "INF100"},
        lambda u, p: {"donor_milk_consent": True, "daily_volume_ml": 120.5},
        "nurse",
    ),
    ("POST", "/infants/{mrn}/discharge"): (lambda u: {"mrn": "INF100"}, lambda u, p: {}, "nurse"),
    ("POST", "/infants/{mrn}/reserved-labels"): (
        lambda u: {"mrn": "INF100"},
        lambda u, p: {"count": 4},
        "parent",
    ),
    ("POST", "/mothers/{mrn}/hold"): (
        lambda u: {"mrn": "MOM100"},
        lambda u, p: {"reason": "medication"},
        "nurse",
    ),
    ("POST", "/mothers/{mrn}/release"): (lambda u: _held_mother(u), lambda u, p: {}, "nurse"),
    ("POST", "/containers"): (
        None,
        lambda u, p: {
            "infant_mrn": "INF200",
            "expressed_at": ago(hours=3),
            "volume_ml": 60.25,
            "milk_type": "DHM",
            "location_code": "FR1",
            "colostrum": False,
            "medications": "none",
            "donor_lot": "LOT-9",
            "donor_product_code": "M0001",
            "donor_expires_at": later(days=30),
            "at": ago(hours=1),
        },
        "nurse",
    ),
    ("POST", "/containers/{code}/receive"): (
        lambda u: {"code": _reserved(u)},
        lambda u, p: {
            "location_code": "FR1",
            "expressed_at": ago(hours=3),
            "volume_ml": 45,
            "colostrum": True,
            "medications": "none",
            "at": later(minutes=1),
        },
        "nurse",
    ),
    ("POST", "/containers/{code}/move"): (
        lambda u: {"code": _fresh(u)},
        lambda u, p: {"location_code": "FZ1", "at": later(minutes=1)},
        "nurse",
    ),
    ("POST", "/containers/{code}/thaw"): (
        lambda u: {"code": _frozen(u)},
        lambda u, p: {"location_code": "FR1", "at": later(minutes=1)},
        "nurse",
    ),
    ("POST", "/containers/{code}/fortify"): (
        lambda u: {"code": _fresh(u)},
        lambda u, p: {"product": "HMF", "kcal_per_oz": 24.5, "at": later(minutes=1)},
        "nurse",
    ),
    ("POST", "/containers/{code}/hold"): (
        lambda u: {"code": _fresh(u)},
        lambda u, p: {"reason": "culture"},
        "nurse",
    ),
    ("POST", "/containers/{code}/release"): (
        lambda u: {"code": _held(u)},
        lambda u, p: {},
        "nurse",
    ),
    ("POST", "/containers/{code}/discard"): (
        lambda u: {"code": _fresh(u)},
        lambda u, p: {"reason": "spilled"},
        "nurse",
    ),
    ("POST", "/containers/{code}/return"): (
        lambda u: {"code": _fresh(u)},
        lambda u, p: {},
        "nurse",
    ),
    ("POST", "/containers/{code}/split"): (
        lambda u: {"code": _fresh(u)},
        lambda u, p: {"volumes_ml": [10, 20.5]},
        "nurse",
    ),
    ("POST", "/containers/combine"): (
        lambda u: {"a": _fresh(u), "b": _fresh(u)},
        lambda u, p: {"codes": [p["a"], p["b"]], "location_code": "FR1"},
        "nurse",
    ),
    ("POST", "/feeds/check"): (
        lambda u: {"c": _fresh(u)},
        lambda u, p: {
            "infant_code": "INF100",
            "container_code": p["c"],
            "manual_entry": True,
            "witness": {"username": "noor", "password": PASSWORD_OF_NOOR},
        },
        "nurse",
    ),
    ("POST", "/feeds"): (
        lambda u: {"c": _fresh(u)},
        lambda u, p: {
            "infant_code": "INF100",
            "container_code": p["c"],
            "volume_ml": 30,
            "acknowledge_warnings": False,
            "finished": False,
            "manual_entry": True,
            "witness": {"username": "noor", "password": PASSWORD_OF_NOOR},
            "at": later(minutes=1),
        },
        "nurse",
    ),
}

# Routes whose garbage is sent on top of a well-formed body, though the request as a whole is not
# one that succeeds here (no excursion exists in this unit), so that each probe is refused for
# the field it spoils and not for a missing one.
WELL_FORMED = {
    ("PATCH", "/locations/{code}"): (
        lambda u: {"code": "FR1"},
        {"sensor_id": "SENSOR-9"},
        "admin",
    ),
    ("POST", "/excursions/{excursion_id}/decision"): (
        lambda u: {"excursion_id": "999999"},
        {"action": "release", "reason": "Fridge door was shut at once; milk stayed cold"},
        "charge_nurse",
    ),
    ("POST", "/locations/{code}/sign-off"): (lambda u: {"code": "FR1"}, {}, "nurse"),
    # Only a sensor gateway may post readings: anyone else is refused before the body is read.
    ("POST", "/readings"): (
        lambda u: {},
        {"readings": [{"sensor_id": "SENSOR-9", "at": "2026-11-30T10:00:00Z", "celsius": 4.0}]},
        "device",
    ),
}

WRITES = sorted({(e.method, e.path) for e in ENDPOINTS if e.method != "GET"})
# Printing endpoints belong to the printing tests; they still get the generic garbage below.
GARBAGE_FOR_EVERY_FIELD = [
    "\u0000",
    "ok\u0000ok",
    "\u0007bell",
    "x" * 5000,
    -1,
    1e9,
    ["\u0000"],
    {},
    {"nested": "\u0000"},
]
RAW_GARBAGE = [
    b'{"a": ',
    b"{",
    b"[]",
    b"[{}]",
    b'"text"',
    b"42",
    b"null",
    b"true",
    b"{}}",
    b'{"zzz_unknown_field": 1}',
    b'{"\\u0000": 1}',
    b"\xff\xfe\x00",
    b'{"a": "\xed\xa0\x80"}',
    b"{'single': 'quotes'}",
    b'{"a": NaN}',
    b"\x00",
]


def _route(method, path):
    [route] = [e for e in ENDPOINTS if e.method == method and e.path == path]
    return route


def _fill(path, params):
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    return path


def _default_params(path):
    return {"code": "M0000000195", "mrn": "INF100", "username": "noor"}


@pytest.mark.parametrize(("method", "template"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_garbage_to_every_write_endpoint(unit, client, method, template):
    route = _route(method, template)
    make_params, make_body, who = VALID.get((method, template), (None, None, "admin"))
    params = make_params(unit) if make_params else {}
    valid = make_body(unit, params) if make_body else {}
    if (method, template) in WELL_FORMED:
        make_params, valid, who = WELL_FORMED[(method, template)]
        params = make_params(unit)
    if who == "device":
        make_user("gateway", "device")
        unit = {**unit, "device": CheckedApi(client, "gateway")}
    api = unit[who]
    path = _fill(template, {**_default_params(template), **params})

    def send(data: bytes, content_type="application/json"):
        if template == "/auth/token" and method == "POST":
            answer = api.client.open(
                f"/api/v1{path}", method=method, data=data, content_type=content_type
            )
            assert answer.status_code < 500
            if answer.status_code >= 400:
                assert_error_shape(answer)
            return answer
        return api.raw(method, path, data, content_type)

    before = snapshot()
    refused = []
    for data in RAW_GARBAGE:
        refused.append((data, send(data)))
    # Valid JSON with the wrong content type.
    refused.append(("text/plain", send(json.dumps(valid or {}).encode(), "text/plain")))
    fields = list(route.body.model_fields) if route.body else []
    for field in fields:
        for value in GARBAGE_FOR_EVERY_FIELD:
            refused.append(
                (field, value, send(json.dumps({**(valid or {}), field: value}).encode()))
            )
        # A lone UTF-16 surrogate, as a JSON escape.
        refused.append(
            (field, "surrogate", send(json.dumps({**(valid or {}), field: "\ud800"}).encode()))
        )
    refused.append(("unknown", send(json.dumps({**(valid or {}), "zzz": 1}).encode())))
    for item in refused:
        answer = item[-1]
        assert 400 <= answer.status_code < 500, (
            item[:-1],
            answer.status_code,
            answer.get_json(silent=True),
        )
        _refused_saying_why(item, answer, fields)
    if not (method == "POST" and template == "/auth/token"):
        assert snapshot() == before, "a refused request changed the database"

    if (method, template) in VALID:
        data = b"" if valid is None else json.dumps(valid).encode()
        answer = send(data) if data else api.raw(method, path, b"")
        assert answer.status_code < 300, answer.get_json()


def _refused_saying_why(item, answer, fields) -> None:
    """The status and the code a client acts on, and a message that names what to fix; a
    lost token (401) or any other refusal than the one provoked fails here."""
    error = assert_error_shape(answer)["error"]
    what = item[0]
    seen = (item[:-1], answer.status_code, error)
    if what == "text/plain":
        assert (answer.status_code, error["code"]) == (400, "UNSUPPORTED_MEDIA_TYPE"), seen
    elif what == "unknown":
        assert (answer.status_code, error["code"]) == (400, "UNKNOWN_FIELD"), seen
        assert "'zzz'" in error["message"], seen
    elif isinstance(what, bytes):
        assert answer.status_code == 400, seen
        assert error["code"] in (
            "MALFORMED_JSON",
            "INVALID_INPUT",
            "UNKNOWN_FIELD",
            "MISSING_FIELD",
        ), seen
    else:
        assert what in fields, seen
        assert answer.status_code == 400, seen
        # A value the model refuses names its field; one it accepts, the service refuses
        # in the nurse's words, under a code of its own.
        if error["code"] in ("INVALID_INPUT", "MISSING_FIELD"):
            assert what in error["message"], seen
        else:
            assert error["code"].isupper() and error["message"].endswith("."), seen


def test_every_write_endpoint_has_a_valid_body_on_record():
    """So that every probe above spoils one field of a body that is otherwise right."""
    missing = [
        key
        for key in WRITES
        if key not in VALID
        and key not in WELL_FORMED
        and "print" not in key[1]
        and "label" not in key[1]
    ]
    assert missing == []


# --- type-specific garbage ----------------------------------------------------------------------

BAD_VOLUMES = [
    0,
    -1,
    -0.01,
    1000.01,
    10.123,
    0.001,
    "60",
    True,
    False,
    None,
    1e400,
    [60],
    {"ml": 60},
    10**30,
]


def test_bad_volumes_everywhere(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)
    [label] = expect(nurse.post("/infants/INF100/reserved-labels", {"count": 1}), 201)["codes"]
    before = snapshot()
    bodies = [
        (
            "/containers",
            "volume_ml",
            {
                "infant_mrn": "INF100",
                "expressed_at": ago(hours=1),
                "milk_type": "MOM",
                "location_code": "FR1",
            },
        ),
        ("/feeds", "volume_ml", {"infant_code": "INF100", "container_code": bottle["code"]}),
        (
            f"/containers/{label}/receive",
            "volume_ml",
            {"location_code": "FR1", "expressed_at": ago(hours=1)},
        ),
    ]
    for path, field, base in bodies:
        for value in BAD_VOLUMES:
            if value is None and path.endswith("/receive"):
                continue  # volume_ml is optional on receipt; null means "as written"
            answer = nurse.post(path, {**base, field: value})
            assert answer.status_code == 400, (path, value, answer.get_json())
    for value in BAD_VOLUMES:
        answer = nurse.post(f"/containers/{bottle['code']}/split", {"volumes_ml": [value]})
        assert answer.status_code == 400, (value, answer.get_json())
        if value is not None:
            answer = nurse.patch("/infants/INF100", {"daily_volume_ml": value})
            assert answer.status_code == 400, (value, answer.get_json())
    for raw in (
        b'{"volume_ml": NaN}',
        b'{"volume_ml": Infinity}',
        b'{"volume_ml": -Infinity}',
        b'{"volume_ml": 1e999}',
    ):
        body = raw[:-1] + (
            b', "infant_mrn": "INF100", "expressed_at": "'
            + ago(hours=1).encode()
            + b'", "milk_type": "MOM", "location_code": "FR1"}'
        )
        expect(nurse.raw("POST", "/containers", body), 400)
    assert snapshot() == before
    # The limits themselves are fine: 1000 ml, two decimals.
    big = expect(nurse.post("/containers", {**bodies[0][2], "volume_ml": 1000}), 201)
    assert big["volume_ml"] == 1000.0
    small = expect(nurse.post("/containers", {**bodies[0][2], "volume_ml": 0.01}), 201)
    assert small["volume_ml"] == 0.01


BAD_TIMES = [
    "2026-11-28T10:00:00",
    "2026-11-28",
    "2026-11-28 10:00",
    "yesterday",
    "",
    "2026-13-01T00:00:00Z",
    "2026-11-28T25:00:00Z",
    1764300000,
    True,
    None,
    "2026-11-28T10:00:00+25:00",
]


def test_times_need_an_offset(unit):
    nurse = unit["nurse"]
    frozen = receive_milk(nurse, location="FZ1", at=ago(hours=1), expressed_at=ago(hours=2))
    base = {
        "infant_mrn": "INF200",
        "expressed_at": ago(hours=2),
        "volume_ml": 30,
        "milk_type": "DHM",
        "location_code": "FR1",
        "donor_lot": "L",
        "donor_expires_at": later(days=3),
        "at": ago(minutes=5),
    }
    before = snapshot()
    for field in ("expressed_at", "donor_expires_at", "at"):
        for value in BAD_TIMES:
            if value is None and field != "expressed_at":
                continue  # optional
            answer = nurse.post("/containers", {**base, field: value})
            assert answer.status_code == 400, (field, value, answer.get_json())
    for value in BAD_TIMES:
        if value is None:
            continue
        for action, body in (
            ("thaw", {"location_code": "FR1"}),
            ("move", {"location_code": "DF1"}),
            ("fortify", {"product": "HMF"}),
        ):
            answer = nurse.post(f"/containers/{frozen['code']}/{action}", {**body, "at": value})
            assert answer.status_code == 400, (action, value, answer.get_json())
        for query in ("since", "until"):
            answer = nurse.get(f"/reports/near-misses?{query}={value}")
            assert answer.status_code == 400, (query, value, answer.get_json())
    assert snapshot() == before
    expect(nurse.post("/containers", base), 201)


def test_times_far_out_of_range(unit):
    """Year 1 or 9999 would overflow the unit's time zone and every limit added to it."""
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, location="FZ1")
    base = {
        "infant_mrn": "INF200",
        "expressed_at": ago(hours=2),
        "volume_ml": 30,
        "milk_type": "DHM",
        "location_code": "DF1",
        "donor_lot": "L",
        "donor_expires_at": later(days=3),
    }
    far = [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "1899-12-31T23:59:59Z",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-12:00",
        "3000-01-01T00:00:00Z",
    ]
    before = snapshot()
    for value in far:
        for field in ("expressed_at", "donor_expires_at", "at"):
            answer = nurse.post("/containers", {**base, field: value})
            assert answer.status_code == 400, (field, value, answer.get_json())
        answer = nurse.post(
            f"/containers/{bottle['code']}/thaw", {"location_code": "FR1", "at": value}
        )
        assert answer.status_code == 400, (value, answer.get_json())
        answer = nurse.get(f"/reports/near-misses?since={value.replace('+', '%2B')}")
        assert answer.status_code == 400, (value, answer.get_json())
    assert snapshot() == before
    # Mother's milk from before the birth (antenatal colostrum) is plausible, but not from more
    # than 10 weeks before it (INF200 was born on 2026-11-20).
    mom = {**base, "milk_type": "MOM", "donor_lot": None, "donor_expires_at": None}
    refused = expect(
        nurse.post("/containers", {**mom, "expressed_at": "2026-09-01T00:00:00Z"}),
        400,
        "IMPLAUSIBLE_TIME",
    )
    assert "10 weeks before the baby's birth" in refused["error"]["message"]
    assert snapshot() == before
    # Old milk is still recorded (and shows as expired), so that it can be traced and discarded.
    old = expect(
        nurse.post(
            "/containers", {**mom, "location_code": "FR1", "expressed_at": "2026-11-10T00:00:00Z"}
        ),
        201,
    )
    # Refrigerator: 48 hours from expression.
    assert old["expires_at"].startswith("2026-11-12")
    verdict = expect(
        nurse.post("/feeds/check", {"infant_code": "INF200", "container_code": old["code"]}), 200
    )
    assert "EXPIRED" in [r["code"] for r in verdict["reasons"]]


def test_names_codes_and_text_lengths(unit):
    nurse, admin = unit["nurse"], unit["admin"]
    infant = {
        "mrn": "INF600",
        "first_name": "Ana",
        "last_name": "Silva",
        "date_of_birth": "2026-11-27",
        "mother": {"mrn": "MOM600", "first_name": "Rita", "last_name": "Silva"},
    }
    before = snapshot()
    for change in (
        {"first_name": "A" * 101},
        {"last_name": "S" * 101},
        {"mrn": "I" * 65},
        {"wristband_code": "W" * 65},
        {"mother": {**infant["mother"], "first_name": "R" * 101}},
        {"mother": {**infant["mother"], "mrn": "M" * 65}},
        {"first_name": ""},
        {"first_name": "   "},
        {"first_name": 100},
        {"mrn": 600},
        {"donor_milk_consent": 1},
        {"donor_milk_consent": "true"},
        {"date_of_birth": "28/11/2026"},
        {"date_of_birth": "2026-11-27T00:00:00Z"},
        {"date_of_birth": "2999-01-01"},
        {"wristband_code": "M0000000195"},  # shaped like a milk label
        {"mother": None},
        {"mother": "MOM600"},
    ):
        answer = nurse.post("/infants", {**infant, **change})
        assert answer.status_code == 400, (change, answer.get_json())
    for change in ({"code": "C" * 65}, {"name": "N" * 101}, {"kind": 1}, {"parent_code": "P" * 65}):
        answer = admin.post("/locations", {"code": "X1", "name": "X", "kind": "room", **change})
        assert answer.status_code == 400, (change, answer.get_json())
    bottle = receive_milk(nurse)
    for body in ({"reason": "r" * 501}, {"reason": ""}, {"reason": 5}):
        assert nurse.post(f"/containers/{bottle['code']}/discard", body).status_code == 400
    assert (
        nurse.post(
            "/containers",
            {
                "infant_mrn": "INF100",
                "expressed_at": ago(hours=1),
                "volume_ml": 5,
                "milk_type": "MOM",
                "location_code": "FR1",
                "medications": "m" * 2001,
            },
        ).status_code
        == 400
    )
    assert (
        nurse.post(
            "/containers",
            {
                "infant_mrn": "INF100",
                "expressed_at": ago(hours=1),
                "volume_ml": 5,
                "milk_type": "mom",
                "location_code": "FR1",
            },
        ).status_code
        == 400
    )
    assert (
        nurse.post(
            "/containers",
            {
                "infant_mrn": "INF100",
                "expressed_at": ago(hours=1),
                "volume_ml": 5,
                "milk_type": "MOM",
                "colostrum": 1,
                "location_code": "FR1",
            },
        ).status_code
        == 400
    )
    after_bottle = snapshot()
    # The one bottle received (and its row on the audit trail), nothing else.
    received = ("containers", "container_events", "counters", "audit_events")
    assert {t: r for t, r in after_bottle.items() if t not in received} == {
        t: r for t, r in before.items() if t not in received
    }
    # Names of exactly 100 characters, with accents and non-Latin scripts, are kept whole.
    long_name = "Ñ" * 50 + "林" * 50
    baby = expect(nurse.post("/infants", {**infant, "first_name": long_name, "mrn": "I" * 64}), 201)
    assert baby["first_name"] == long_name
    assert baby["mrn"] == "I" * 64


def test_lone_surrogates_sent_as_raw_bytes(unit):
    nurse = unit["nurse"]
    before = count("infants")
    for raw in (
        b'{"first_name": "\\ud800"}',
        b'{"first_name": "\\udfff"}',
        b'{"mrn": "INF700", "first_name": "A\\ud800B", "last_name": "C", '
        b'"date_of_birth": "2026-11-27", "mother": {"mrn": "MOM700", '
        b'"first_name": "D", "last_name": "C"}}',
        b'{"mrn": "INF700", "first_name": "A", "last_name": "C", '
        b'"date_of_birth": "2026-11-27", "mother": {"mrn": "MOM700", '
        b'"first_name": "\\udc00", "last_name": "C"}}',
    ):
        expect(nurse.raw("POST", "/infants", raw), 400)
    assert count("infants") == before


def test_a_body_over_the_limit_is_413_in_the_error_shape(unit, app):
    nurse = unit["nurse"]
    limit = app.config["MAX_CONTENT_LENGTH"]
    huge = json.dumps(
        {
            "infant_mrn": "INF100",
            "expressed_at": ago(hours=1),
            "volume_ml": 5,
            "milk_type": "MOM",
            "location_code": "FR1",
            "medications": "m" * (limit + 10),
        }
    ).encode()
    before = snapshot()
    answer = expect(nurse.raw("POST", "/containers", huge), 413, "BODY_TOO_LARGE")
    assert str(limit) in answer["error"]["message"]
    answer = nurse.client.post("/api/v1/auth/token", data=huge, content_type="application/json")
    assert answer.status_code == 413
    assert_error_shape(answer)
    assert snapshot() == before


def test_bad_paths_and_queries_are_json_errors(unit):
    nurse = unit["nurse"]
    expect(nurse.get("/nothing-here"), 404, "NOT_FOUND")
    expect(nurse.client.put("/api/v1/locations", headers=nurse._headers()), 405)
    assert_error_shape(nurse.client.put("/api/v1/locations", headers=nurse._headers()))
    for path in (
        "/locations?x=1",
        "/feeds",
        "/feeds?infant_mrn=",
        "/feeds?infant_mrn=" + "I" * 65,
        "/feeds?infant_mrn=INF100&infant_mrn=INF200",
        "/feeds?infant_mrn=%00",
        "/reports/near-misses?since=x",
        "/infants?page=2",
    ):
        answer = nurse.get(path)
        assert answer.status_code == 400, (path, answer.get_json())
    for code in ("M0000000196", "x" * 300, "%00", "%F0%9F%8D%BC", "..%2F..%2Fetc"):
        answer = nurse.get(f"/containers/{code}")
        assert answer.status_code == 404, (code, answer.get_json())
        answer = nurse.get(f"/infants/{code}")
        assert answer.status_code in (400, 404), (code, answer.get_json())
