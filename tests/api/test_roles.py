"""Who may do what: a table of (endpoint, role) -> status, and parents see only their own baby."""

import json

import pytest

from nicu_milk.api import ENDPOINTS
from tests.api.conftest import (
    CheckedApi,
    ago,
    check_answer,
    expect,
    receive_milk,
    route_for,
    snapshot,
)
from tests.conftest import make_user

ROLES = ("admin", "charge_nurse", "nurse", "parent")
STAFF_ROLES = ("admin", "charge_nurse", "nurse")


def only(*allowed, ok=200, other=403):
    return {role: ok if role in allowed else other for role in ROLES}


EVERYONE = only(*ROLES)
STAFF = only(*STAFF_ROLES)
STAFF_201 = only(*STAFF_ROLES, ok=201)
ADMIN = only("admin")


def new_milk(location=True):
    body = {
        "infant_mrn": "INF100",
        "expressed_at": ago(hours=1),
        "volume_ml": 20,
        "milk_type": "MOM",
    }
    return {**body, "location_code": "FR1"} if location else body


# In the order they run: each action has its own container, so that none depends on another.
TABLE = [
    ("GET", "/openapi.json", None, EVERYONE),
    ("GET", "/auth/me", None, EVERYONE),
    ("GET", "/users", None, ADMIN),
    (
        "POST",
        "/users",
        {"username": "new-user", "password": "long enough pw", "role": "nurse"},
        only("admin", ok=201),
    ),
    ("POST", "/users/noor/revoke-tokens", {}, ADMIN),
    ("GET", "/locations", None, STAFF),
    ("GET", "/locations/FR1", None, STAFF),
    (
        "POST",
        "/locations",
        {"code": "FR9", "name": "Fridge 9", "kind": "refrigerator"},
        only("admin", ok=201),
    ),
    ("GET", "/infants", None, EVERYONE),
    (
        "POST",
        "/infants",
        {
            "mrn": "INF400",
            "first_name": "Uma",
            "last_name": "Reyes",
            "date_of_birth": "2026-11-26",
            "mother": {"mrn": "MOM400", "first_name": "Eva", "last_name": "Reyes"},
        },
        STAFF_201,
    ),
    ("GET", "/infants/INF100", None, EVERYONE),
    ("PATCH", "/infants/INF100", {"donor_milk_consent": False}, STAFF),
    ("GET", "/infants/INF100/containers", None, EVERYONE),
    ("GET", "/infants/INF100/take-home", None, EVERYONE),
    ("POST", "/infants/INF100/reserved-labels", {"count": 2}, only(*ROLES, ok=201)),
    # Staff say where the milk is; a parent may not.
    ("POST", "/containers", new_milk(location=True), only(*STAFF_ROLES, ok=201, other=400)),
    (
        "POST",
        "/containers",
        new_milk(location=False),
        {**only(*STAFF_ROLES, ok=400), "parent": 201},
    ),
    ("GET", "/containers/{fresh}", None, EVERYONE),
    ("POST", "/containers/{reserved}/receive", {"location_code": "FR1"}, STAFF),
    ("POST", "/containers/{move}/move", {"location_code": "FR1-S1"}, STAFF),
    ("POST", "/containers/{frozen}/thaw", {"location_code": "FR1"}, STAFF),
    ("POST", "/containers/{fortify}/fortify", {"product": "HMF", "kcal_per_oz": 24}, STAFF),
    ("POST", "/containers/{hold}/hold", {"reason": "culture"}, STAFF),
    ("POST", "/containers/{held}/release", {}, STAFF),
    ("POST", "/containers/{discard}/discard", {"reason": "spilled"}, STAFF),
    ("POST", "/containers/{return}/return", {}, STAFF),
    ("POST", "/containers/{split}/split", {"volumes_ml": [10, 5]}, STAFF_201),
    (
        "POST",
        "/containers/combine",
        {"codes": ["{pool1}", "{pool2}"], "location_code": "FR1"},
        STAFF_201,
    ),
    ("POST", "/feeds/check", {"infant_code": "INF100", "container_code": "{feed}"}, STAFF),
    (
        "POST",
        "/feeds",
        {
            "infant_code": "INF100",
            "container_code": "{feed}",
            "volume_ml": 5,
            "acknowledge_warnings": True,
        },
        STAFF_201,
    ),
    ("GET", "/feeds?infant_mrn=INF100", None, EVERYONE),
    ("POST", "/mothers/MOM100/hold", {"reason": "new medication"}, STAFF),
    ("POST", "/mothers/MOM100/release", {}, STAFF),
    ("GET", "/reports/expiry?within_hours=12", None, STAFF),
    ("GET", "/reports/near-misses", None, STAFF),
    ("GET", "/reports/inventory", None, STAFF),
    ("POST", "/infants/INF100/discharge", {}, STAFF),
    # The cold chain: a sensor gateway's device token posts readings; people never do.
    (
        "POST",
        "/readings",
        {"readings": [{"sensor_id": "T-1", "at": ago(minutes=1), "celsius": 3.5}]},
        only(),
    ),
    ("PATCH", "/locations/FR1", {"sensor_id": "T-1"}, ADMIN),
    ("POST", "/locations/FR1/sign-off", {}, STAFF_201),
    ("GET", "/excursions?open=true", None, STAFF),
    # No excursion 999999: staff learn that (404), the others may not ask (403).
    ("GET", "/excursions/999999", None, only(*STAFF_ROLES, ok=404)),
    (
        "POST",
        "/excursions/999999/decision",
        {"action": "release", "reason": "in range again"},
        only("admin", "charge_nurse", ok=404),
    ),
    ("DELETE", "/auth/token", None, only(*ROLES, ok=204)),
]


def _containers(nurse, parent) -> dict[str, str]:
    made = {
        name: receive_milk(nurse)["code"]
        for name in (
            "fresh",
            "move",
            "fortify",
            "hold",
            "held",
            "discard",
            "return",
            "split",
            "pool1",
            "pool2",
            "feed",
        )
    }
    made["frozen"] = receive_milk(nurse, location="FZ1")["code"]
    made["reserved"] = expect(parent.post("/containers", new_milk(location=False)), 201)["code"]
    expect(nurse.post(f"/containers/{made['held']}/hold", {"reason": "check"}), 200)
    return made


def _substitute(text: str, made) -> str:
    for name, code in made.items():
        text = text.replace("{" + name + "}", code)
    return text


@pytest.mark.parametrize("role", ROLES)
def test_role_table(unit, role):
    api = unit[role]
    made = _containers(unit["nurse"], unit["parent"])
    wrong = []
    for method, path, body, expected in TABLE:
        target = _substitute(path, made)
        kwargs = {} if body is None else {"json": json.loads(_substitute(json.dumps(body), made))}
        answer = api.client.open(
            f"/api/v1{target}", method=method, headers=api._headers(), **kwargs
        )
        check_answer(method, target, answer)
        if answer.status_code != expected[role]:
            wrong.append(
                (method, path, expected[role], answer.status_code, answer.get_json(silent=True))
            )
    assert wrong == [], "\n".join(map(str, wrong))


def test_a_device_token_posts_readings_and_nothing_else(unit, client):
    make_user("gateway", "device")
    device = CheckedApi(client, "gateway")
    made = _containers(unit["nurse"], unit["parent"])
    wrong = []
    for method, path, body, _ in TABLE:
        if path == "/openapi.json":
            continue  # the API's description is public
        target = _substitute(path, made)
        kwargs = {} if body is None else {"json": json.loads(_substitute(json.dumps(body), made))}
        answer = device.client.open(
            f"/api/v1{target}", method=method, headers=device._headers(), **kwargs
        )
        check_answer(method, target, answer)
        expected = 202 if path == "/readings" else 403
        if answer.status_code != expected:
            wrong.append((method, path, expected, answer.status_code))
    assert wrong == [], "\n".join(map(str, wrong))


def test_the_role_table_covers_every_json_endpoint(app):
    covered = {(method, route_for(method, path).path) for method, path, _, _ in TABLE}
    every = {
        (e.method, e.path)
        for e in ENDPOINTS
        if e.produces == "application/json"
        and e.path != "/auth/token"
        or (e.method, e.path) == ("DELETE", "/auth/token")
    }
    # Printing endpoints (label.pdf, label.zpl, sheets) are the lead's and tested with printing.
    every = {
        (m, p)
        for m, p in every
        if "print" not in p and "label" not in p or p.endswith("reserved-labels")
    }
    assert every - covered == set()


# --- another family's data is unknown to a parent ---------------------------------------------

OTHER_FAMILY = ("Okafor", "Leo", "Mia", "MOM200", "INF200", "INF201")


def test_parent_sees_only_their_own_baby(unit):
    nurse, parent = unit["nurse"], unit["parent"]
    own = receive_milk(nurse, "INF100")
    twin = receive_milk(nurse, "INF200")
    twin_fed = receive_milk(nurse, "INF201")
    expect(
        nurse.post(
            "/feeds", {"infant_code": "INF201", "container_code": twin_fed["code"], "volume_ml": 10}
        ),
        201,
    )
    expect(
        nurse.post(
            "/feeds", {"infant_code": "INF100", "container_code": own["code"], "volume_ml": 10}
        ),
        201,
    )

    # Their own baby: readable.
    assert expect(parent.get("/infants/INF100"), 200)["siblings"] == []
    assert [b["mrn"] for b in expect(parent.get("/infants"), 200)["infants"]] == ["INF100"]
    assert expect(parent.get(f"/containers/{own['code']}"), 200)["code"] == own["code"]
    assert len(expect(parent.get("/feeds?infant_mrn=INF100"), 200)["feeds"]) == 1
    assert [
        c["code"] for c in expect(parent.get("/infants/INF100/containers"), 200)["containers"]
    ] == [own["code"]]

    before = snapshot()
    by_mrn = [
        ("GET", "/infants/{mrn}", None),
        ("GET", "/infants/{mrn}/containers", None),
        ("GET", "/infants/{mrn}/take-home", None),
        ("GET", "/feeds?infant_mrn={mrn}", None),
        ("POST", "/infants/{mrn}/reserved-labels", {"count": 1}),
        (
            "POST",
            "/containers",
            {
                "infant_mrn": "{mrn}",
                "expressed_at": ago(hours=1),
                "volume_ml": 20,
                "milk_type": "MOM",
            },
        ),
    ]
    for method, path, body in by_mrn:
        answers = {}
        for mrn in ("INF200", "INF201", "INF999"):
            kwargs = (
                {} if body is None else {"json": json.loads(json.dumps(body).replace("{mrn}", mrn))}
            )
            target = path.replace("{mrn}", mrn)
            answer = parent.client.open(
                f"/api/v1{target}", method=method, headers=parent._headers(), **kwargs
            )
            check_answer(method, target, answer)
            assert answer.status_code == 404, (method, path, mrn, answer.get_json())
            answers[mrn] = answer.get_data(as_text=True).replace(mrn, "MRN")
            text = answers[mrn]
            for secret in OTHER_FAMILY:
                assert secret not in text, (method, path, mrn, text)
        # Another family's baby answers exactly as a baby that does not exist.
        assert answers["INF200"] == answers["INF201"] == answers["INF999"], answers

    for code in (twin["code"], twin_fed["code"]):
        answer = expect(parent.get(f"/containers/{code}"), 404, "UNKNOWN_BOTTLE")
        text = json.dumps(answer)
        for secret in OTHER_FAMILY:
            assert secret not in text
        assert text.replace(code, "CODE") == json.dumps(
            expect(parent.get("/containers/M0000000000"), 404)
        ).replace("M0000000000", "CODE")
    assert snapshot() == before

    # The twins' parent is kept out of INF100's records the same way.
    twins_parent = unit["twins_parent"]
    expect(twins_parent.get("/infants/INF100"), 404)
    expect(twins_parent.get(f"/containers/{own['code']}"), 404)
    expect(twins_parent.get("/feeds?infant_mrn=INF100"), 404)
    assert {b["mrn"] for b in expect(twins_parent.get("/infants"), 200)["infants"]} == {
        "INF200",
        "INF201",
    }
    assert expect(twins_parent.get(f"/containers/{twin['code']}"), 200)["infant_mrn"] == "INF200"


def test_parent_may_not_act_on_even_their_own_milk(unit):
    nurse, parent = unit["nurse"], unit["parent"]
    own = receive_milk(nurse)
    before = snapshot()
    for path, body in (
        (f"/containers/{own['code']}/discard", {"reason": "mine"}),
        (f"/containers/{own['code']}/move", {"location_code": "FZ1"}),
        ("/feeds/check", {"infant_code": "INF100", "container_code": own["code"]}),
        ("/feeds", {"infant_code": "INF100", "container_code": own["code"], "volume_ml": 10}),
        ("/infants/INF100/discharge", {}),
        ("/mothers/MOM100/hold", {"reason": "x"}),
    ):
        expect(parent.post(path, body), 403, "FORBIDDEN")
    expect(parent.patch("/infants/INF100", {"donor_milk_consent": True}), 403)
    assert snapshot() == before
