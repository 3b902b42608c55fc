"""The charge nurse's reports: expiry, inventory per baby (near misses: see test_feeding)."""

import datetime as dt

from tests.api.conftest import ago, expect, parse, receive_milk

UTC = dt.UTC


def test_expiry_report_lists_expired_and_expiring_in_order(unit):
    nurse, charge = unit["nurse"], unit["charge_nurse"]
    # Expired: fridge milk expressed 3 days ago (48 h), and room milk expressed 5 h ago (4 h).
    old_fridge = receive_milk(nurse, expressed_at=ago(days=3))
    old_room = receive_milk(nurse, "INF200", location="BED3", expressed_at=ago(hours=5))
    # Expiring within 24 h: room milk with 1 h left, fridge milk with 20 h left.
    soon_room = receive_milk(nurse, "INF201", location="BED3", expressed_at=ago(hours=3))
    soon_fridge = receive_milk(nurse, location="FR1-S1", expressed_at=ago(hours=28))
    # Not within 24 h: fresh fridge milk (46 h left) and frozen milk.
    later_fridge = receive_milk(nurse, expressed_at=ago(hours=2))
    receive_milk(nurse, location="FZ1")
    # Out of inventory: never listed, even though expired.
    discarded = receive_milk(nurse, expressed_at=ago(days=3))
    expect(nurse.post(f"/containers/{discarded['code']}/discard", {"reason": "expired"}), 200)
    fed_up = receive_milk(
        nurse, location="BED3", expressed_at=ago(hours=3, minutes=30), volume_ml=10
    )
    expect(
        nurse.post(
            "/feeds",
            {
                "infant_code": "INF100",
                "container_code": fed_up["code"],
                "volume_ml": 10,
                "acknowledge_warnings": True,
            },
        ),
        201,
    )
    # Sent home while in date (expired milk never is), it would have expired within the hour.
    returned = receive_milk(nurse, location="BED3", expressed_at=ago(hours=3, minutes=30))
    expect(nurse.post(f"/containers/{returned['code']}/return", {}), 200)

    report = expect(charge.get("/reports/expiry?within_hours=24"), 200)
    assert report["within_hours"] == 24
    assert abs(parse(report["generated_at"]) - dt.datetime.now(UTC)) < dt.timedelta(minutes=1)
    assert [c["code"] for c in report["expired"]] == [old_fridge["code"], old_room["code"]]
    assert [c["code"] for c in report["expiring"]] == [soon_room["code"], soon_fridge["code"]]
    for row in report["expired"] + report["expiring"]:
        assert row["location_code"] and row["infant_mrn"] and row["infant_name"]
    first = report["expired"][0]
    assert (first["location_code"], first["infant_mrn"], first["infant_name"]) == (
        "FR1-S1",
        "INF100",
        "Ava Nguyen",
    )
    assert first["location_name"] == "Milk fridge 1 / Shelf 1"
    assert report["expiring"][0]["infant_name"] == "Mia Okafor"
    for rows in (report["expired"], report["expiring"]):
        times = [parse(row["expires_at"]) for row in rows]
        assert times == sorted(times)

    wider = expect(charge.get("/reports/expiry?within_hours=47"), 200)
    assert later_fridge["code"] in [c["code"] for c in wider["expiring"]]
    default = expect(nurse.get("/reports/expiry"), 200)
    assert default["within_hours"] == 24
    assert [c["code"] for c in default["expiring"]] == [soon_room["code"], soon_fridge["code"]]
    for bad in ("0", "-1", "abc", "nan", "inf", "745"):
        expect(charge.get(f"/reports/expiry?within_hours={bad}"), 400)
    expect(charge.get("/reports/expiry?within_hours=1&within_hours=2"), 400)
    expect(charge.get("/reports/expiry?hours=24"), 400)


def test_inventory_per_admitted_baby_by_state(unit):
    nurse, admin = unit["nurse"], unit["admin"]
    receive_milk(nurse, volume_ml=60)
    receive_milk(nurse, volume_ml=40.5)
    receive_milk(nurse, location="FZ1", volume_ml=100)
    thawed = receive_milk(nurse, "INF200", location="FZ1", volume_ml=80)
    expect(nurse.post(f"/containers/{thawed['code']}/thaw", {"location_code": "FR1"}), 200)
    expect(
        nurse.post(
            "/feeds", {"infant_code": "INF200", "container_code": thawed["code"], "volume_ml": 30}
        ),
        201,
    )
    gone = receive_milk(nurse, "INF200", volume_ml=70)
    expect(nurse.post(f"/containers/{gone['code']}/discard", {"reason": "spilled"}), 200)
    expect(nurse.post("/infants/INF100/reserved-labels", {"count": 2}), 201)  # not on hand
    expect(nurse.patch("/infants/INF200", {"daily_volume_ml": 100}), 200)

    report = expect(admin.get("/reports/inventory"), 200)
    rows = {row["mrn"]: row for row in report["infants"]}
    assert set(rows) == {"INF100", "INF200", "INF201"}
    assert rows["INF100"]["by_state"] == {"fresh": 100.5, "frozen": 100.0, "thawed": 0.0}
    assert rows["INF100"]["on_hand_ml"] == 200.5
    assert rows["INF100"]["containers"] == 3
    assert rows["INF100"]["name"] == "Ava Nguyen"
    assert rows["INF200"]["by_state"] == {"fresh": 0.0, "frozen": 0.0, "thawed": 50.0}
    assert rows["INF200"]["on_hand_ml"] == 50.0
    assert rows["INF200"]["days_of_supply"] == 0.5
    assert rows["INF200"]["low_supply"] is True
    assert rows["INF201"]["on_hand_ml"] == 0.0

    expect(nurse.post("/infants/INF201/discharge"), 200)
    after = expect(unit["charge_nurse"].get("/reports/inventory"), 200)
    assert [row["mrn"] for row in after["infants"]] == ["INF100", "INF200"]


def test_reports_are_for_staff(unit):
    for role in ("admin", "charge_nurse", "nurse"):
        for path in ("/reports/expiry", "/reports/near-misses", "/reports/inventory"):
            expect(unit[role].get(path), 200)
    for path in ("/reports/expiry", "/reports/near-misses", "/reports/inventory"):
        expect(unit["parent"].get(path), 403, "FORBIDDEN")
