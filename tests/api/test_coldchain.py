"""The cold chain through the API: readings from a device, excursions that hold the right milk
(by where it was, not where it is), the bedside check stopping it, and the charge nurse's
decisions (interop.md, "Cold chain")."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.conftest import (
    CheckedApi,
    ago,
    count,
    expect,
    iso,
    parse,
    receive_milk,
    snapshot,
)
from tests.conftest import make_user

UTC = dt.UTC
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def cold(app, unit, client):
    """The unit, with a sensor on each fridge and freezer and a gateway that posts for them."""
    make_user("gateway", "device")
    admin = unit["admin"]
    # The sensors went on a day ago: a reading belongs to the unit that had its sensor then.
    app.config["CLOCK"] = lambda: dt.datetime.now(UTC) - dt.timedelta(days=1)
    try:
        for code, sensor in (("FR1", "T-FR1"), ("FZ1", "T-FZ1")):
            answer = expect(admin.patch(f"/locations/{code}", {"sensor_id": sensor}), 200)
            assert answer["sensor_id"] == sensor
    finally:
        app.config.pop("CLOCK")
    return {**unit, "device": CheckedApi(client, "gateway")}


def minutes_ago(minutes: float) -> dt.datetime:
    return dt.datetime.now(UTC) - minutes * MIN


def series(sensor: str, start_minutes_ago: float, step: float, *temperatures: float) -> list:
    """Readings `step` minutes apart, the first `start_minutes_ago` minutes ago."""
    now = dt.datetime.now(UTC)
    return [
        {
            "sensor_id": sensor,
            "at": iso(now - (start_minutes_ago - index * step) * MIN),
            "celsius": celsius,
        }
        for index, celsius in enumerate(temperatures)
    ]


def post(device, readings, status=202) -> dict:
    return expect(device.post("/readings", {"readings": readings}), status)


def check(api, infant, code) -> dict:
    return expect(api.post("/feeds/check", {"infant_code": infant, "container_code": code}), 200)


def stops(verdict) -> dict[str, str]:
    return {reason["code"]: reason["message"] for reason in verdict["reasons"]}


def excursions(api, open_only=True) -> list[dict]:
    path = "/excursions?open=true" if open_only else "/excursions"
    return expect(api.get(path), 200)["excursions"]


def move(api, code, location, minutes):
    expect(
        api.post(
            f"/containers/{code}/move", {"location_code": location, "at": ago(minutes=minutes)}
        ),
        200,
    )


# Readings 5 minutes apart from 125 minutes ago: out of range from 120 to 65 minutes ago, back in
# range 60 minutes ago.
WARM_HOUR = [3.0, *[8.0] * 12, 3.5, 3.2]


# --- readings in ---------------------------------------------------------------------------------


def test_readings_are_stored_once_per_sensor_and_time(cold):
    device = cold["device"]
    readings = series("T-FR1", 10, 5, 3.0, 3.1)
    assert post(device, readings) == {"accepted": 2, "duplicates": 0}
    # A repeat changes nothing, whatever its celsius; so does a repeat inside one batch.
    changed = [{**reading, "celsius": 9.0} for reading in readings]
    assert post(device, changed) == {"accepted": 0, "duplicates": 2}
    again = series("T-FR1", 0, 1, 3.3)
    assert post(device, again + again) == {"accepted": 1, "duplicates": 1}
    assert count("sensor_readings") == 3
    assert excursions(cold["charge_nurse"], open_only=False) == []


def test_a_sensor_on_no_unit_is_stored_and_holds_nothing(cold):
    receive_milk(cold["nurse"], location="FR1", at=ago(hours=3), expressed_at=ago(hours=4))
    answer = post(cold["device"], series("T-SPARE", 120, 5, *WARM_HOUR))
    assert answer == {"accepted": len(WARM_HOUR), "duplicates": 0}
    assert excursions(cold["charge_nurse"], open_only=False) == []


def test_a_sustained_rise_holds_what_was_in_the_fridge_then_and_the_check_says_why(cold):
    nurse, charge = cold["nurse"], cold["charge_nurse"]
    stayed = receive_milk(nurse, location="FR1-S1", at=ago(hours=3), expressed_at=ago(hours=4))
    left_before = receive_milk(nurse, location="FR1", at=ago(hours=3), expressed_at=ago(hours=4))
    move(nurse, left_before["code"], "BED3", 150)
    came_during = receive_milk(nurse, location="BED3", at=ago(hours=3), expressed_at=ago(hours=4))
    move(nurse, came_during["code"], "FR1-S1", 90)
    left_during = receive_milk(nurse, location="FR1", at=ago(hours=3), expressed_at=ago(hours=4))
    move(nurse, left_during["code"], "BED3", 100)
    came_after = receive_milk(nurse, location="BED3", at=ago(hours=3), expressed_at=ago(hours=4))
    move(nurse, came_after["code"], "FR1", 30)

    post(cold["device"], series("T-FR1", 125, 5, *WARM_HOUR))

    [excursion] = excursions(charge)
    assert excursion["location_code"] == "FR1"
    assert parse(excursion["started_at"]) == pytest.approx(minutes_ago(120), abs=MIN * 0.5)
    assert parse(excursion["ended_at"]) == pytest.approx(minutes_ago(60), abs=MIN * 0.5)
    assert excursion["peak_celsius"] == 8.0
    # From the first to the last out-of-range reading (120 to 65 minutes ago).
    assert excursion["minutes_out_of_range"] == pytest.approx(55, abs=0.1)
    assert sorted(excursion["held"]) == sorted(
        [stayed["code"], came_during["code"], left_during["code"]]
    )
    assert excursion["decisions"] == []

    verdict = check(nurse, "INF100", stayed["code"])
    assert verdict["verdict"] == "stop"
    message = stops(verdict)["HELD"]
    assert "Temperature excursion in Milk fridge 1 (FR1)" in message
    assert "peak 8.0 °C" in message
    for bottle in (left_before, came_after):
        # (Three hours at room temperature may bring other warnings; never HELD.)
        assert "HELD" not in stops(check(nurse, "INF100", bottle["code"]))
    # The hold is the excursion's: a container's own release cannot lift it.
    expect(nurse.post(f"/containers/{stayed['code']}/release", {}), 409, "EXCURSION_HOLD")


def test_readings_late_and_out_of_order_open_an_excursion_in_the_past(cold):
    nurse, device = cold["nurse"], cold["device"]
    bottle = receive_milk(nurse, location="FR1", at=ago(hours=3), expressed_at=ago(hours=4))
    readings = series("T-FR1", 125, 5, *WARM_HOUR)
    # The gateway sends the latest first; the logger backfills the outage afterwards, backwards.
    post(device, readings[-2:])
    assert excursions(cold["charge_nurse"], open_only=False) == []
    post(device, list(reversed(readings[:-2])))
    [excursion] = excursions(cold["charge_nurse"])
    assert excursion["held"] == [bottle["code"]]
    assert parse(excursion["started_at"]) == pytest.approx(minutes_ago(120), abs=MIN * 0.5)
    # A later backfill that moves the start earlier changes the same excursion.
    post(device, series("T-FR1", 122.5, 1, 6.5))
    [again] = excursions(cold["charge_nurse"])
    assert again["id"] == excursion["id"]
    assert parse(again["started_at"]) == pytest.approx(minutes_ago(122.5), abs=MIN * 0.5)
    assert again["peak_celsius"] == 8.0


def test_milk_put_in_while_an_excursion_lasts_is_held(cold):
    nurse = cold["nurse"]
    post(cold["device"], series("T-FR1", 45, 5, *[7.0] * 10))
    [excursion] = excursions(cold["charge_nurse"])
    assert excursion["ended_at"] is None
    assert excursion["held"] == []
    bottle = receive_milk(nurse, location="FR1-S1")
    verdict = check(nurse, "INF100", bottle["code"])
    assert "HELD" in stops(verdict)
    assert "out of range since" in stops(verdict)["HELD"]
    [excursion] = excursions(cold["charge_nurse"])
    assert excursion["held"] == [bottle["code"]]


def test_a_move_into_the_fridge_during_a_past_excursion_recorded_late_is_held(cold):
    nurse = cold["nurse"]
    post(cold["device"], series("T-FR1", 125, 5, *WARM_HOUR))
    [excursion] = excursions(cold["charge_nurse"], open_only=False)
    assert excursion["held"] == []
    bottle = receive_milk(nurse, location="BED3", at=ago(hours=3), expressed_at=ago(hours=3.2))
    # Documented now: it went into the fridge 90 minutes ago, while the fridge was warm.
    move(nurse, bottle["code"], "FR1-S1", 90)
    [excursion] = excursions(cold["charge_nurse"])
    assert excursion["held"] == [bottle["code"]]
    # Put in after the excursion ended: not held.
    later_bottle = receive_milk(
        nurse, location="BED3", at=ago(hours=3), expressed_at=ago(hours=3.2)
    )
    move(nurse, later_bottle["code"], "FR1-S1", 30)
    assert excursions(cold["charge_nurse"])[0]["held"] == [bottle["code"]]


def test_a_short_door_opening_holds_nothing(cold):
    bottle = receive_milk(cold["nurse"], location="FR1", at=ago(hours=1), expressed_at=ago(hours=2))
    post(cold["device"], series("T-FR1", 30, 1, 3.0, *[9.0] * 10, *[3.0] * 20))
    assert excursions(cold["charge_nurse"], open_only=False) == []
    assert check(cold["nurse"], "INF100", bottle["code"])["verdict"] == "go"


# --- decisions -----------------------------------------------------------------------------------


def warm_fridge(cold, bottles=2) -> tuple[dict, list[dict]]:
    made = [
        receive_milk(cold["nurse"], location="FR1", at=ago(hours=3), expressed_at=ago(hours=4))
        for _ in range(bottles)
    ]
    post(cold["device"], series("T-FR1", 125, 5, *WARM_HOUR))
    [excursion] = excursions(cold["charge_nurse"])
    return excursion, made


def test_release_per_bottle_then_the_rest_records_who_when_and_why(cold):
    charge, nurse = cold["charge_nurse"], cold["nurse"]
    excursion, (first, second) = warm_fridge(cold)
    decided = expect(
        charge.post(
            f"/excursions/{excursion['id']}/decision",
            {"action": "release", "codes": [first["code"]], "reason": "Peak 8 °C for 1 h: safe"},
        ),
        200,
    )
    [decision] = decided["decisions"]
    assert decision["code"] == first["code"]
    assert decision["action"] == "release"
    assert decision["decided_by"] == "cara"
    assert decision["reason"] == "Peak 8 °C for 1 h: safe"
    assert check(nurse, "INF100", first["code"])["verdict"] == "go"
    assert "HELD" in stops(check(nurse, "INF100", second["code"]))
    # Still open: the second bottle has no decision.
    assert [e["id"] for e in excursions(charge)] == [excursion["id"]]
    expect(
        charge.post(
            f"/excursions/{excursion['id']}/decision",
            {"action": "discard", "codes": [first["code"]], "reason": "changed my mind"},
        ),
        409,
        "ALREADY_DECIDED",
    )
    # Without codes: every container still waiting.
    expect(
        charge.post(
            f"/excursions/{excursion['id']}/decision", {"action": "discard", "reason": "Too long"}
        ),
        200,
    )
    assert expect(nurse.get(f"/containers/{second['code']}"), 200)["state"] == "discarded"
    assert excursions(charge) == []
    expect(
        charge.post(
            f"/excursions/{excursion['id']}/decision", {"action": "release", "reason": "again"}
        ),
        409,
        "NOTHING_TO_DECIDE",
    )


def test_a_release_lifts_only_the_excursions_hold(cold):
    charge, nurse = cold["charge_nurse"], cold["nurse"]
    bottle = receive_milk(nurse, location="FR1", at=ago(hours=3), expressed_at=ago(hours=4))
    expect(nurse.post(f"/containers/{bottle['code']}/hold", {"reason": "Label smudged"}), 200)
    post(cold["device"], series("T-FR1", 125, 5, *WARM_HOUR))
    [excursion] = excursions(charge)
    assert excursion["held"] == [bottle["code"]]
    expect(
        charge.post(
            f"/excursions/{excursion['id']}/decision", {"action": "release", "reason": "ok"}
        ),
        200,
    )
    stored = expect(nurse.get(f"/containers/{bottle['code']}"), 200)
    assert stored["hold_reason"] == "Label smudged"
    # And the nurse's own release still works afterwards.
    expect(nurse.post(f"/containers/{bottle['code']}/release", {}), 200)
    assert check(nurse, "INF100", bottle["code"])["verdict"] == "go"


def test_thawed_from_the_excursions_start_for_a_freezer(cold):
    charge, nurse = cold["charge_nurse"], cold["nurse"]
    bottle = receive_milk(nurse, location="FZ1-S1", at=ago(hours=5), expressed_at=ago(hours=6))
    assert bottle["state"] == "frozen"
    post(cold["device"], series("T-FZ1", 125, 5, -20.0, *[-12.0] * 12, -20.0, -21.0))
    [excursion] = excursions(charge)
    path = f"/excursions/{excursion['id']}/decision"
    expect(charge.post(path, {"action": "thawed", "reason": "soft"}), 400, "LOCATION_REQUIRED")
    expect(
        charge.post(path, {"action": "thawed", "reason": "soft", "location_code": "FZ1"}),
        400,
        "NOT_A_REFRIGERATOR",
    )
    expect(
        charge.post(path, {"action": "thawed", "reason": "soft", "location_code": "NOPE"}),
        400,
        "UNKNOWN_LOCATION",
    )
    expect(
        charge.post(
            path, {"action": "thawed", "reason": "Soft to the touch", "location_code": "FR1"}
        ),
        200,
    )
    stored = expect(nurse.get(f"/containers/{bottle['code']}"), 200)
    assert stored["state"] == "thawed"
    assert stored["location_code"] == "FR1"
    # Thawed mother's milk keeps 24 h, counted from the excursion's start, not from now.
    started = parse(excursion["started_at"])
    assert parse(stored["expires_at"]) == started + dt.timedelta(hours=24)
    assert check(nurse, "INF100", bottle["code"])["verdict"] == "go"


def test_thawed_is_for_a_freezer_and_decisions_are_the_charge_nurses(cold):
    excursion, (bottle, _) = warm_fridge(cold)
    path = f"/excursions/{excursion['id']}/decision"
    before = snapshot()
    expect(
        cold["charge_nurse"].post(
            path, {"action": "thawed", "reason": "x", "location_code": "FR1"}
        ),
        409,
        "NOT_A_FREEZER",
    )
    expect(cold["nurse"].post(path, {"action": "release", "reason": "x"}), 403)
    expect(cold["device"].post(path, {"action": "release", "reason": "x"}), 403)
    expect(
        cold["charge_nurse"].post(
            path, {"action": "release", "reason": "x", "codes": ["M0000000199"]}
        ),
        400,
    )
    expect(cold["charge_nurse"].post(path, {"action": "burn", "reason": "x"}), 400)
    expect(
        cold["charge_nurse"].post(
            "/excursions/999999/decision", {"action": "release", "reason": "x"}
        ),
        404,
    )
    expect(cold["charge_nurse"].get("/excursions/abc"), 404)
    assert snapshot() == before


def test_milk_fed_before_the_excursion_was_known_is_listed_with_its_feeds(cold):
    nurse = cold["nurse"]
    bottle = receive_milk(nurse, location="FR1", at=ago(hours=3), expressed_at=ago(hours=4))
    expect(
        nurse.post(
            "/feeds",
            {
                "infant_code": "INF100",
                "container_code": bottle["code"],
                "volume_ml": 60,
                "at": ago(minutes=80),
            },
        ),
        201,
    )
    post(cold["device"], series("T-FR1", 125, 5, *WARM_HOUR))
    [excursion] = excursions(cold["charge_nurse"], open_only=False)
    assert excursion["held"] == []
    assert excursion["gone"] == [bottle["code"]]
    [feed] = excursion["feeds"]
    assert feed["infant_mrn"] == "INF100"
    assert feed["container_code"] == bottle["code"]


# --- sensors and sign-off ------------------------------------------------------------------------


def test_a_sensor_goes_on_one_storage_unit_only(cold):
    admin = cold["admin"]
    expect(admin.patch("/locations/FR1-S1", {"sensor_id": "T-X"}), 400, "NOT_A_STORAGE_UNIT")
    expect(admin.patch("/locations/DF1", {"sensor_id": "T-FR1"}), 409, "SENSOR_IN_USE")
    expect(cold["nurse"].patch("/locations/DF1", {"sensor_id": "T-9"}), 403)
    assert expect(admin.patch("/locations/FR1", {"sensor_id": None}), 200)["sensor_id"] is None
    assert (
        expect(admin.patch("/locations/DF1", {"sensor_id": "T-FR1"}), 200)["sensor_id"] == "T-FR1"
    )


def test_sign_off_records_the_minimum_and_maximum_since_the_last(cold):
    post(cold["device"], series("T-FR1", 60, 10, 3.0, 4.5, 2.0, 3.5))
    signed = expect(cold["nurse"].post("/locations/FR1/sign-off", {}), 201)
    assert (signed["min_celsius"], signed["max_celsius"]) == (2.0, 4.5)
    assert signed["signed_by"] == "nina"
    again = expect(cold["nurse"].post("/locations/FR1/sign-off", {}), 201)
    assert (again["min_celsius"], again["max_celsius"]) == (None, None)
    expect(cold["nurse"].post("/locations/FR1-S1/sign-off", {}), 400, "NOT_A_STORAGE_UNIT")


# --- bad input -----------------------------------------------------------------------------------


GOOD = {"sensor_id": "T-FR1", "at": ago(minutes=1), "celsius": 3.0}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        pytest.param(b"temperature=3", "not JSON", id="not JSON"),
        pytest.param(
            b'{"readings": [{"sensor_id": "T-FR1", "at": "2026-11-28T10:00:00", "celsius": 3}]}',
            "no offset",
            id="no offset",
        ),
        pytest.param(
            b'{"readings": [{"sensor_id": "T-FR1", "at": "2026-11-28T10:00:00Z", "celsius": NaN}]}',
            "NaN",
            id="NaN",
        ),
        pytest.param(
            b'{"readings": [{"sensor_id": "T-FR1", "at": "2026-11-28T10:00:00Z", "celsius": 1e9}]}',
            "1e9",
            id="1e9 degrees",
        ),
        pytest.param(
            b'{"readings": [{"sensor_id": "T-FR1", "at": "2026-11-28T10:00Z", "celsius": "3.0"}]}',
            "string",
            id="a string",
        ),
        pytest.param(
            b'{"readings": [{"sensor_id": "T-FR1", "at": "2026-11-28T10:00Z", "celsius": true}]}',
            "bool",
            id="a boolean",
        ),
        pytest.param(
            b'{"readings": [{"sensor_id": "T FR1", "at": "2026-11-28T10:00:00Z", "celsius": 3}]}',
            "sensor",
            id="a bad sensor id",
        ),
        pytest.param(b'{"readings": []}', "empty", id="no readings"),
    ],
)
def test_bad_readings_are_refused_whole_and_change_nothing(cold, body, why):
    before = snapshot()
    answer = cold["device"].raw(
        "POST", "/readings", body, "application/json" if why != "not JSON" else "text/plain"
    )
    assert answer.status_code == 400, (why, answer.get_json())
    assert answer.get_json()["error"]["message"]
    assert snapshot() == before


def test_a_reading_from_the_future_refuses_the_whole_batch(cold):
    before = snapshot()
    future = {"sensor_id": "T-FR1", "at": iso(dt.datetime.now(UTC) + 10 * MIN), "celsius": 3.0}
    body = expect(
        cold["device"].post("/readings", {"readings": [GOOD, future]}), 400, "FUTURE_READING"
    )
    assert "readings[1]" in body["error"]["message"]
    assert snapshot() == before


def test_the_device_role_posts_readings_and_nothing_else(cold):
    device = cold["device"]
    for method, path in (
        ("GET", "/locations"),
        ("GET", "/excursions"),
        ("GET", "/infants"),
        ("GET", "/auth/me"),
        ("POST", "/locations/FR1/sign-off"),
    ):
        answer = device.get(path) if method == "GET" else device.post(path, {})
        assert answer.status_code == 403, (path, answer.status_code)
    for role in ("nurse", "charge_nurse", "admin"):
        expect(cold[role].post("/readings", {"readings": [GOOD]}), 403)
