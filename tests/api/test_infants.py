"""Babies and mothers: admission, NAME ALERT, siblings, consent, inventory, discharge."""

import pytest

from tests.api.conftest import count, expect, receive_milk, snapshot


def admit(api, mrn, first, last, mother_mrn=None, mother=("Jane", None), **extra):
    body = {
        "mrn": mrn,
        "first_name": first,
        "last_name": last,
        "date_of_birth": "2026-11-25",
        "mother": {
            "mrn": mother_mrn or f"M-{mrn}",
            "first_name": mother[0],
            "last_name": mother[1] or last,
        },
        **extra,
    }
    return api.post("/infants", body)


def alert_of(api, mrn) -> bool:
    return expect(api.get(f"/infants/{mrn}"), 200)["name_alert"]


def test_admit_answers_201_with_wristband_and_name_alert(unit):
    nurse = unit["nurse"]
    baby = expect(admit(nurse, "INF300", "Zoe", "Brown", donor_milk_consent=True), 201)
    assert baby["mrn"] == "INF300"
    assert baby["wristband_code"] == "INF300"  # by default the MRN
    assert baby["name_alert"] is False
    assert baby["admitted"] is True
    assert baby["discharged_at"] is None
    assert baby["donor_milk_consent"] is True
    assert baby["date_of_birth"] == "2026-11-25"
    assert baby["mother"] == {
        "mrn": "M-INF300",
        "first_name": "Jane",
        "last_name": "Brown",
        "held": False,
    }
    other = expect(admit(nurse, "INF301", "Ian", "Gray", wristband_code="WB-0301"), 201)
    assert other["wristband_code"] == "WB-0301"
    assert other["donor_milk_consent"] is False
    listed = expect(nurse.get("/infants"), 200)["infants"]
    assert {b["mrn"] for b in listed} == {"INF100", "INF200", "INF201", "INF300", "INF301"}


def test_name_alert_for_same_last_name_ignoring_case_and_accents(unit):
    nurse = unit["nurse"]
    first = expect(admit(nurse, "INF310", "Sofia", "Peña"), 201)
    assert first["name_alert"] is False
    second = expect(admit(nurse, "INF311", "Bruno", "PENA"), 201)
    assert second["name_alert"] is True
    assert alert_of(nurse, "INF310") is True  # the earlier baby is flagged too
    # Twins share a last name: both flagged; a lone Nguyen is not.
    assert alert_of(nurse, "INF200") is True
    assert alert_of(nurse, "INF201") is True
    assert alert_of(nurse, "INF100") is False


@pytest.mark.parametrize(
    ("a", "b", "alert"),
    [
        (("Pam", "Hall"), ("Sam", "Hill"), True),  # full names 2 edits apart
        (("Jon", "Smyth"), ("Jan", "Smith"), True),  # 2 edits
        (("Tom", "Hall"), ("Sam", "Hill"), False),  # 3 edits
        (("Kim", "Baker"), ("Lou", "Fisher"), False),
    ],
)
def test_name_alert_for_full_names_within_edit_distance_two(unit, a, b, alert):
    nurse = unit["nurse"]
    expect(admit(nurse, "INF320", *a), 201)
    second = expect(admit(nurse, "INF321", *b), 201)
    assert second["name_alert"] is alert
    assert alert_of(nurse, "INF320") is alert


def test_discharge_clears_the_name_alert_of_the_one_left(unit):
    nurse = unit["nurse"]
    expect(nurse.post("/infants/INF201/discharge"), 200)
    assert alert_of(nurse, "INF200") is False


def test_siblings_share_a_mother(unit):
    nurse = unit["nurse"]
    twin = expect(nurse.get("/infants/INF200"), 200)
    assert twin["siblings"] == ["INF201"]
    assert twin["mother"]["mrn"] == "MOM200"
    assert expect(nurse.get("/infants/INF201"), 200)["siblings"] == ["INF200"]
    assert expect(nurse.get("/infants/INF100"), 200)["siblings"] == []
    third = expect(
        admit(nurse, "INF202", "Ola", "Okafor", mother_mrn="MOM200", mother=("Ada", "Okafor")), 201
    )
    assert third["mother"]["mrn"] == "MOM200"
    assert expect(nurse.get("/infants/INF200"), 200)["siblings"] == ["INF201", "INF202"]


def test_duplicate_mrn_is_409_and_changes_nothing(unit):
    nurse = unit["nurse"]
    before = snapshot()
    expect(admit(nurse, "INF100", "Other", "Baby"), 409, "DUPLICATE_MRN")
    # A mistyped mother MRN would make strangers siblings.
    expect(
        admit(nurse, "INF330", "Kai", "Lee", mother_mrn="MOM100", mother=("Someone", "Else")),
        409,
        "MOTHER_MISMATCH",
    )
    expect(
        admit(nurse, "INF331", "Kai", "Lee", wristband_code="INF100"), 409, "DUPLICATE_WRISTBAND"
    )
    # A baby and a mother never share a medical record number, not even in one request.
    expect(admit(nurse, "INF332", "Kai", "Lee", mother_mrn="INF332"), 409, "MRN_IN_USE")
    expect(admit(nurse, "MOM100", "Kai", "Lee"), 409, "MRN_IN_USE")
    expect(admit(nurse, "INF333", "Kai", "Lee", mother_mrn="INF100"), 409, "MRN_IN_USE")
    assert snapshot() == before


def test_get_infant_with_inventory(unit):
    nurse = unit["nurse"]
    receive_milk(nurse, volume_ml=60)
    receive_milk(nurse, location="FZ1", volume_ml=30.5)
    gone = receive_milk(nurse, volume_ml=45)
    expect(nurse.post(f"/containers/{gone['code']}/discard", {"reason": "spilled"}), 200)
    receive_milk(nurse, "INF200", volume_ml=80)  # another baby's: not counted
    baby = expect(nurse.get("/infants/INF100"), 200)
    assert baby["inventory"]["on_hand_ml"] == 90.5
    assert baby["inventory"]["containers"] == 2
    assert baby["inventory"]["by_state"] == {"fresh": 60.0, "frozen": 30.5, "thawed": 0.0}
    assert baby["first_name"] == "Ava"
    expect(nurse.get("/infants/NOBODY"), 404, "UNKNOWN_INFANT")


def test_patch_records_donor_milk_consent(unit):
    nurse = unit["nurse"]
    assert (
        expect(nurse.patch("/infants/INF100", {"donor_milk_consent": True}), 200)[
            "donor_milk_consent"
        ]
        is True
    )
    assert expect(nurse.get("/infants/INF100"), 200)["donor_milk_consent"] is True
    changed = expect(nurse.patch("/infants/INF100", {"daily_volume_ml": 120}), 200)
    assert changed["daily_volume_ml"] == 120.0
    assert changed["donor_milk_consent"] is True  # untouched by a PATCH that leaves it out
    assert (
        expect(nurse.patch("/infants/INF100", {"donor_milk_consent": False}), 200)[
            "donor_milk_consent"
        ]
        is False
    )
    expect(nurse.patch("/infants/NOBODY", {"donor_milk_consent": True}), 404)


def test_discharge_lists_milk_to_return_to_family(unit):
    nurse = unit["nurse"]
    fresh = receive_milk(nurse, "INF200")
    frozen = receive_milk(nurse, "INF200", location="DF1")
    fed = receive_milk(nurse, "INF200", volume_ml=10)
    expect(
        nurse.post(
            "/feeds",
            {
                "infant_code": "INF200",
                "container_code": fed["code"],
                "volume_ml": 10,
                "acknowledge_warnings": True,
            },
        ),
        201,
    )
    donor = receive_milk(
        nurse,
        "INF200",
        location="FR1",
        milk_type="DHM",
        donor_lot="L1",
        donor_expires_at="2027-06-01T00:00:00Z",
    )
    twin = receive_milk(nurse, "INF201")
    out = expect(nurse.post("/infants/INF200/discharge"), 200)
    assert out["infant"]["admitted"] is False
    assert out["infant"]["discharged_at"] is not None
    codes = {c["code"] for c in out["return_to_family"]}
    assert codes == {fresh["code"], frozen["code"]}
    assert donor["code"] not in codes and twin["code"] not in codes
    expect(nurse.post("/infants/INF200/discharge", {}), 409, "ALREADY_DISCHARGED")
    # A discharged baby gets no new milk.
    before = count("containers")
    expect(
        nurse.post(
            "/containers",
            {
                "infant_mrn": "INF200",
                "expressed_at": fresh["expressed_at"],
                "volume_ml": 20,
                "milk_type": "MOM",
                "location_code": "FR1",
            },
        ),
        409,
        "INFANT_DISCHARGED",
    )
    assert count("containers") == before
    take_home = expect(nurse.get("/infants/INF200/take-home"), 200)["containers"]
    assert {c["code"] for c in take_home} == codes


def test_infant_containers_newest_first(unit):
    nurse = unit["nurse"]
    made = [receive_milk(nurse)["code"] for _ in range(3)]
    receive_milk(nurse, "INF200")
    listed = expect(nurse.get("/infants/INF100/containers"), 200)["containers"]
    assert [c["code"] for c in listed] == made[::-1]
    assert all(c["infant_mrn"] == "INF100" for c in listed)
