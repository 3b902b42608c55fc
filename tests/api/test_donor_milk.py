"""Donor milk is not the mother's milk: it records no mother, a hold on the mother never holds
it, and a twin's donor milk is another baby's milk, not a sibling's."""

from __future__ import annotations

from tests.api.conftest import donor_milk, expect, receive_milk


def check(api, infant: str, code: str) -> dict:
    return expect(api.post("/feeds/check", {"infant_code": infant, "container_code": code}), 200)


def test_donor_milk_has_no_mother(unit):
    nurse = unit["nurse"]
    dhm = donor_milk(nurse, "INF200")
    assert dhm["mother_mrn"] is None
    assert receive_milk(nurse, "INF200")["mother_mrn"] == "MOM200"
    assert expect(nurse.get(f"/containers/{dhm['code']}"), 200)["mother_mrn"] is None


def test_a_hold_on_the_mother_never_holds_the_donor_milk_her_baby_is_fed(unit):
    nurse, admin = unit["nurse"], unit["admin"]
    own = receive_milk(nurse, "INF200")
    dhm = donor_milk(nurse, "INF200")
    out = expect(nurse.post("/mothers/MOM200/hold", {"reason": "new medication"}), 200)
    assert out["containers_affected"] == 1  # her own milk only
    during = donor_milk(nurse, "INF200")  # donor milk received during the hold
    for code in (dhm["code"], during["code"]):
        bottle = expect(nurse.get(f"/containers/{code}"), 200)
        assert bottle["held"] is False and bottle["hold_reason"] is None
        assert check(nurse, "INF200", code)["verdict"] == "go"
    assert expect(nurse.get(f"/containers/{own['code']}"), 200)["held"] is True
    assert [r["code"] for r in check(nurse, "INF200", own["code"])["reasons"]] == ["HELD"]
    # Donor milk is her baby's supply meanwhile; her own milk is not.
    [row] = [
        r for r in expect(admin.get("/reports/inventory"), 200)["infants"] if r["mrn"] == "INF200"
    ]
    assert row["usable_ml"] == 120.0 and row["on_hand_ml"] == 180.0


def test_a_twins_donor_milk_is_another_babys_milk_not_a_siblings(unit):
    nurse = unit["nurse"]
    twins_own = receive_milk(nurse, "INF200")
    twins_donor = donor_milk(nurse, "INF200")
    assert [r["code"] for r in check(nurse, "INF201", twins_own["code"])["reasons"]] == ["SIBLING"]
    verdict = check(nurse, "INF201", twins_donor["code"])
    assert verdict["verdict"] == "stop"
    assert [r["code"] for r in verdict["reasons"]] == ["WRONG_INFANT"]
    # And feeding it is refused outright, warnings acknowledged or not.
    expect(
        nurse.post(
            "/feeds",
            {
                "infant_code": "INF201",
                "container_code": twins_donor["code"],
                "volume_ml": 10,
                "acknowledge_warnings": True,
            },
        ),
        409,
        "FEED_STOPPED",
    )


def test_pooled_and_split_donor_milk_has_no_mother_either(unit):
    nurse = unit["nurse"]
    a, b = donor_milk(nurse, "INF200"), donor_milk(nurse, "INF200")
    pooled = expect(
        nurse.post(
            "/containers/combine", {"codes": [a["code"], b["code"]], "location_code": "FR1"}
        ),
        201,
    )
    assert pooled["mother_mrn"] is None
    [part] = expect(nurse.post(f"/containers/{pooled['code']}/split", {"volumes_ml": [20]}), 201)[
        "containers"
    ]
    assert part["mother_mrn"] is None and part["milk_type"] == "DHM"
