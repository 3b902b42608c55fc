"""A small unit for API flows: storage, two families (one with twins), parents, staff."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import Api, make_user

UTC = dt.UTC


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ago(**delta) -> str:
    return iso(dt.datetime.now(UTC) - dt.timedelta(**delta))


@pytest.fixture
def unit(app, client, staff):
    admin, nurse = staff["admin"], staff["nurse"]
    for body in (
        {"code": "FR1", "name": "Milk fridge 1", "kind": "refrigerator"},
        {"code": "FR1-S1", "name": "Shelf 1", "parent_code": "FR1"},
        {"code": "FZ1", "name": "Freezer 1", "kind": "freezer"},
        {"code": "FZ1-S1", "name": "Shelf 1", "parent_code": "FZ1"},
        {"code": "DF1", "name": "Deep freezer", "kind": "deep_freezer"},
        {"code": "BED3", "name": "Bedside 3", "kind": "room"},
    ):
        answer = admin.post("/locations", body)
        assert answer.status_code == 201, answer.get_json()
    babies = (
        ("INF100", "Ava", "Nguyen", "MOM100", "Linh", "Nguyen", False),
        ("INF200", "Leo", "Okafor", "MOM200", "Ada", "Okafor", True),
        ("INF201", "Mia", "Okafor", "MOM200", "Ada", "Okafor", True),
    )
    for mrn, first, last, mother, mother_first, mother_last, consent in babies:
        answer = nurse.post("/infants", {
            "mrn": mrn, "first_name": first, "last_name": last, "date_of_birth": "2026-11-20",
            "mother": {"mrn": mother, "first_name": mother_first, "last_name": mother_last},
            "donor_milk_consent": consent,
        })
        assert answer.status_code == 201, answer.get_json()
    make_user("linh", "parent", ("INF100",))
    make_user("ada.okafor", "parent", ("INF200", "INF201"))
    return {**staff, "parent": Api(client, "linh"), "twins_parent": Api(client, "ada.okafor")}


def receive_milk(api: Api, mrn: str = "INF100", location: str = "FR1-S1", **overrides) -> dict:
    body = {"infant_mrn": mrn, "expressed_at": ago(hours=2), "volume_ml": 60,
            "milk_type": "MOM", "location_code": location, **overrides}
    answer = api.post("/containers", body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()
