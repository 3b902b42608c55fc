"""Supply counts only milk that could be fed; donor lots stay traceable when milk is pooled."""

from __future__ import annotations

from tests.api.conftest import ago, donor_milk, expect, receive_milk, snapshot


def _row(api, mrn: str) -> dict:
    rows = api.get("/reports/inventory").get_json()["infants"]
    return next(row for row in rows if row["mrn"] == mrn)


def test_expired_and_held_milk_is_on_hand_but_not_supply(unit):
    nurse = unit["nurse"]
    expect(nurse.patch("/infants/INF100", {"daily_volume_ml": 100}), 200)
    receive_milk(nurse, volume_ml=150)
    receive_milk(nurse, volume_ml=90, expressed_at=ago(hours=60))  # expired in the fridge
    held = receive_milk(nurse, volume_ml=60)
    expect(nurse.post(f"/containers/{held['code']}/hold", {"reason": "culture pending"}), 200)

    row = _row(nurse, "INF100")

    assert row["on_hand_ml"] == 300
    assert row["usable_ml"] == 150
    assert row["days_of_supply"] == 1.5
    assert row["low_supply"] is True


def test_a_mothers_hold_leaves_her_babies_without_supply(unit):
    nurse = unit["nurse"]
    expect(nurse.patch("/infants/INF200", {"daily_volume_ml": 100}), 200)
    receive_milk(nurse, mrn="INF200", volume_ml=500)
    assert _row(nurse, "INF200")["low_supply"] is False

    expect(nurse.post("/mothers/MOM200/hold", {"reason": "new medication"}), 200)

    row = _row(nurse, "INF200")
    assert row["usable_ml"] == 0 and row["low_supply"] is True


def test_blank_reserved_labels_are_not_counted_as_containers_of_milk(unit):
    nurse = unit["nurse"]
    receive_milk(nurse)
    expect(nurse.post("/infants/INF100/reserved-labels", {"count": 5}), 201)

    inventory = nurse.get("/infants/INF100").get_json()["inventory"]

    assert inventory["containers"] == 1
    assert inventory["reserved_labels"] == 5


def test_donor_milk_of_different_lots_is_not_pooled(unit):
    nurse = unit["nurse"]
    first = donor_milk(nurse, donor_lot="LOT-1")
    second = donor_milk(nurse, donor_lot="LOT-2")
    same_lot = donor_milk(nurse, donor_lot="LOT-1")
    before = snapshot()

    refused = nurse.post(
        "/containers/combine", {"codes": [first["code"], second["code"]], "location_code": "FR1"}
    )

    expect(refused, 409, "MIXED_DONOR_LOTS")
    assert snapshot() == before
    pooled = expect(
        nurse.post(
            "/containers/combine",
            {"codes": [first["code"], same_lot["code"]], "location_code": "FR1"},
        ),
        201,
    )
    assert pooled["donor_lot"] == "LOT-1"
    assert sorted(pooled["parents"]) == sorted([first["code"], same_lot["code"]])
