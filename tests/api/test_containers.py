"""Containers: receive, store, freeze, thaw, fortify, hold, discard, return, split, combine,
and the history with late documentation."""

import datetime as dt

from tests.api.conftest import (
    ago,
    count,
    donor_milk,
    expect,
    iso,
    later,
    parse,
    receive_milk,
    snapshot,
)

UTC = dt.UTC


def moment(**delta) -> dt.datetime:
    """A past moment to the second, so that answers can be compared exactly."""
    return (dt.datetime.now(UTC) - dt.timedelta(**delta)).replace(microsecond=0)


def check(api, infant, code) -> dict:
    return expect(api.post("/feeds/check", {"infant_code": infant, "container_code": code}), 200)


def reason_codes(verdict) -> list[str]:
    return [reason["code"] for reason in verdict["reasons"]]


# --- creating and receiving ----------------------------------------------------------------------


def test_staff_receive_at_once_fresh_in_fridge_frozen_in_freezer(unit):
    nurse = unit["nurse"]
    expressed = moment(hours=2)
    fresh = receive_milk(
        nurse, expressed_at=iso(expressed), volume_ml=62.5, colostrum=True, medications="ibuprofen"
    )
    assert fresh["state"] == "fresh"
    assert fresh["location_code"] == "FR1-S1"
    assert fresh["infant_mrn"] == "INF100"
    assert fresh["mother_mrn"] == "MOM100"
    assert fresh["milk_type"] == "MOM"
    assert fresh["volume_ml"] == fresh["remaining_ml"] == 62.5
    assert fresh["colostrum"] is True
    assert fresh["medications"] == "ibuprofen"
    assert fresh["held"] is False
    assert fresh["fortifier"] is None
    assert fresh["parents"] == []
    assert parse(fresh["expressed_at"]) == expressed
    # Fridge: 48 h from expression.
    assert parse(fresh["expires_at"]) == expressed + dt.timedelta(hours=48)
    assert "expressed" in fresh["expiry_reason"] and "48 h" in fresh["expiry_reason"]
    assert [e["type"] for e in fresh["events"]] == ["received"]
    assert fresh["events"][0]["user"] == "nina"

    frozen = receive_milk(nurse, location="FZ1-S1")
    assert frozen["state"] == "frozen"
    assert parse(frozen["expires_at"]) > dt.datetime.now(UTC) + dt.timedelta(days=150)
    deep = receive_milk(nurse, location="DF1")
    assert deep["state"] == "frozen"
    assert parse(deep["expires_at"]) > parse(frozen["expires_at"])
    room = receive_milk(nurse, location="BED3", expressed_at=iso(expressed))
    assert room["state"] == "fresh"
    assert parse(room["expires_at"]) == expressed + dt.timedelta(hours=4)

    again = expect(nurse.get(f"/containers/{fresh['code']}"), 200)
    assert again == fresh
    # Scanned codes may carry white space.
    assert expect(nurse.get(f"/containers/%20{fresh['code']}%09"), 200)["code"] == fresh["code"]
    expect(nurse.get("/containers/M0000000000"), 404, "UNKNOWN_BOTTLE")


def test_staff_must_say_where_the_milk_is(unit):
    before = count("containers")
    expect(
        unit["nurse"].post(
            "/containers",
            {
                "infant_mrn": "INF100",
                "expressed_at": ago(hours=1),
                "volume_ml": 50,
                "milk_type": "MOM",
            },
        ),
        400,
        "MISSING_FIELD",
    )
    expect(
        unit["nurse"].post(
            "/containers",
            {
                "infant_mrn": "INF100",
                "expressed_at": ago(hours=1),
                "volume_ml": 50,
                "milk_type": "MOM",
                "location_code": "NOPE",
            },
        ),
        404,
        "UNKNOWN_LOCATION",
    )
    expect(
        unit["nurse"].post(
            "/containers",
            {
                "infant_mrn": "NOBODY",
                "expressed_at": ago(hours=1),
                "volume_ml": 50,
                "milk_type": "MOM",
                "location_code": "FR1",
            },
        ),
        404,
        "UNKNOWN_INFANT",
    )
    assert count("containers") == before


def test_parent_drop_off_is_reserved_until_a_nurse_receives_it(unit):
    parent, nurse = unit["parent"], unit["nurse"]
    expressed = moment(hours=3)
    body = {
        "infant_mrn": "INF100",
        "expressed_at": iso(expressed),
        "volume_ml": 90,
        "milk_type": "MOM",
        "medications": "none",
    }
    before = snapshot()
    expect(
        parent.post("/containers", {**body, "location_code": "FR1"}), 400, "LOCATION_NOT_ALLOWED"
    )
    assert snapshot() == before
    dropped = expect(parent.post("/containers", body), 201)
    assert dropped["state"] == "reserved"
    assert dropped["location_code"] is None
    assert [e["type"] for e in dropped["events"]] == ["reserved"]
    assert dropped["events"][0]["user"] == "linh"
    # Not feedable until received.
    assert reason_codes(check(nurse, "INF100", dropped["code"])) == ["NOT_RECEIVED"]

    received = expect(
        nurse.post(f"/containers/{dropped['code']}/receive", {"location_code": "FZ1"}), 200
    )
    assert received["state"] == "frozen"
    assert received["location_code"] == "FZ1"
    assert received["volume_ml"] == 90.0
    assert parse(received["expressed_at"]) == expressed
    assert [e["type"] for e in received["events"]] == ["reserved", "received"]
    assert received["events"][1]["user"] == "nina"
    expect(
        nurse.post(f"/containers/{dropped['code']}/receive", {"location_code": "FR1"}),
        409,
        "ALREADY_RECEIVED",
    )


def test_a_parent_pre_registers_only_their_own_milk_never_donor_milk(unit):
    """Donor milk comes from a milk bank and staff record it; the family's page offers only the
    mother's own milk, and the API holds a parent to the same."""
    parent = unit["twins_parent"]  # the Okafor twins have donor-milk consent
    body = {
        "infant_mrn": "INF200",
        "expressed_at": iso(moment(hours=3)),
        "volume_ml": 60,
        "milk_type": "DHM",
        "donor_lot": "LOT-77",
        "donor_expires_at": iso(moment(hours=-24 * 30)),
    }
    before = snapshot()
    refused = expect(parent.post("/containers", body), 403, "FORBIDDEN")
    assert "donor milk" in refused["error"]["message"].lower()
    assert snapshot() == before
    expect(unit["nurse"].post("/containers", {**body, "location_code": "FR1"}), 201)


def test_donor_milk_needs_lot_and_bank_expiry(unit):
    nurse = unit["nurse"]
    base = {
        "infant_mrn": "INF200",
        "expressed_at": ago(days=20),
        "volume_ml": 100,
        "milk_type": "DHM",
        "location_code": "FZ1",
    }
    before = count("containers")
    expect(nurse.post("/containers", base), 400, "DONOR_LOT_REQUIRED")
    expect(nurse.post("/containers", {**base, "donor_lot": "LOT-1"}), 400, "DONOR_LOT_REQUIRED")
    expect(
        nurse.post("/containers", {**base, "donor_expires_at": later(days=60)}),
        400,
        "DONOR_LOT_REQUIRED",
    )
    assert count("containers") == before
    bank_expiry = moment(days=-60)
    donor = expect(
        nurse.post(
            "/containers",
            {
                **base,
                "donor_lot": "LOT-1",
                "donor_product_code": "M0001",
                "donor_expires_at": iso(bank_expiry),
            },
        ),
        201,
    )
    assert donor["milk_type"] == "DHM"
    assert donor["donor_lot"] == "LOT-1"
    assert donor["donor_product_code"] == "M0001"
    assert parse(donor["donor_expires_at"]) == bank_expiry
    assert donor["state"] == "frozen"
    # The bank's date caps the freezer's 6 months.
    assert parse(donor["expires_at"]) == bank_expiry
    assert "donor lot" in donor["expiry_reason"]


def test_reserved_labels_1_to_60_and_receiving_a_blank_label(unit):
    parent, nurse = unit["parent"], unit["nurse"]
    before = count("containers")
    expect(parent.post("/infants/INF100/reserved-labels", {"count": 0}), 400)
    expect(parent.post("/infants/INF100/reserved-labels", {"count": 61}), 400)
    assert count("containers") == before
    codes = expect(parent.post("/infants/INF100/reserved-labels", {"count": 3}), 201)["codes"]
    assert len(set(codes)) == 3
    many = expect(nurse.post("/infants/INF100/reserved-labels", {"count": 60}), 201)["codes"]
    assert len(set(many)) == 60 and not set(many) & set(codes)
    label = expect(nurse.get(f"/containers/{codes[0]}"), 200)
    assert label["state"] == "reserved"
    assert label["infant_mrn"] == "INF100"

    # The parent wrote the pump time and volume by hand; the nurse enters them on receipt.
    blank = snapshot()
    expect(
        nurse.post(f"/containers/{codes[0]}/receive", {"location_code": "FR1"}),
        400,
        "DETAILS_REQUIRED",
    )
    assert snapshot() == blank
    expressed = moment(hours=5)
    received = expect(
        nurse.post(
            f"/containers/{codes[0]}/receive",
            {
                "location_code": "FR1",
                "expressed_at": iso(expressed),
                "volume_ml": 75,
                "colostrum": True,
                "medications": "none",
            },
        ),
        200,
    )
    assert received["state"] == "fresh"
    assert received["volume_ml"] == received["remaining_ml"] == 75.0
    assert received["colostrum"] is True
    assert parse(received["expires_at"]) == expressed + dt.timedelta(hours=48)


# --- storage ----------------------------------------------------------------------------------


def test_moving_fresh_milk_into_a_freezer_freezes_it(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)
    moved = expect(
        nurse.post(f"/containers/{bottle['code']}/move", {"location_code": "FZ1-S1"}), 200
    )
    assert moved["state"] == "frozen"
    assert moved["location_code"] == "FZ1-S1"
    assert moved["events"][-1]["type"] == "moved"
    assert parse(moved["expires_at"]) > parse(bottle["expires_at"]) + dt.timedelta(days=100)
    # Within the fridge, it stays fresh.
    other = receive_milk(nurse, location="FR1")
    assert (
        expect(nurse.post(f"/containers/{other['code']}/move", {"location_code": "FR1-S1"}), 200)[
            "state"
        ]
        == "fresh"
    )


def test_thawed_milk_is_never_refrozen(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, location="FZ1")
    thawed = expect(nurse.post(f"/containers/{bottle['code']}/thaw", {"location_code": "FR1"}), 200)
    assert thawed["state"] == "thawed"
    before = snapshot()
    for freezer in ("FZ1", "FZ1-S1", "DF1"):
        expect(
            nurse.post(f"/containers/{bottle['code']}/move", {"location_code": freezer}),
            409,
            "REFREEZE",
        )
    assert snapshot() == before
    after = expect(nurse.get(f"/containers/{bottle['code']}"), 200)
    assert after["state"] == "thawed" and after["location_code"] == "FR1"


def test_thaw_starts_24_h_for_mothers_milk_and_48_h_for_donor_milk(unit):
    nurse = unit["nurse"]
    mom = receive_milk(
        nurse, location="FZ1", at=iso(moment(hours=3)), expressed_at=iso(moment(days=10))
    )
    done = moment(hours=1)  # the thaw finished an hour ago (late documentation)
    thawed = expect(
        nurse.post(f"/containers/{mom['code']}/thaw", {"location_code": "FR1-S1", "at": iso(done)}),
        200,
    )
    assert thawed["state"] == "thawed"
    assert thawed["location_code"] == "FR1-S1"
    assert parse(thawed["expires_at"]) == done + dt.timedelta(hours=24)
    assert "thawed" in thawed["expiry_reason"] and "24 h" in thawed["expiry_reason"]

    dhm = donor_milk(
        nurse, location="FZ1", at=iso(moment(hours=3)), expressed_at=iso(moment(days=10))
    )
    thawed = expect(
        nurse.post(f"/containers/{dhm['code']}/thaw", {"location_code": "FR1", "at": iso(done)}),
        200,
    )
    assert parse(thawed["expires_at"]) == done + dt.timedelta(hours=48)
    assert "thawed" in thawed["expiry_reason"] and "48 h" in thawed["expiry_reason"]


def test_fortifying_starts_a_24_h_clock(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, expressed_at=iso(moment(hours=1)), at=iso(moment(minutes=30)))
    when = moment(minutes=10)
    fortified = expect(
        nurse.post(
            f"/containers/{bottle['code']}/fortify",
            {"product": "Similac HMF", "kcal_per_oz": 24, "at": iso(when)},
        ),
        200,
    )
    assert fortified["fortifier"] == "Similac HMF"
    assert fortified["kcal_per_oz"] == 24.0
    assert parse(fortified["expires_at"]) == when + dt.timedelta(hours=24)
    assert "fortified" in fortified["expiry_reason"] and "24 h" in fortified["expiry_reason"]
    assert fortified["events"][-1]["type"] == "fortified"


# --- holds --------------------------------------------------------------------------------------


def test_hold_and_release_a_container(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)
    held = expect(
        nurse.post(f"/containers/{bottle['code']}/hold", {"reason": "positive culture"}), 200
    )
    assert held["held"] is True
    assert held["hold_reason"] == "positive culture"
    verdict = check(nurse, "INF100", bottle["code"])
    assert verdict["verdict"] == "stop" and "HELD" in reason_codes(verdict)
    expect(
        nurse.post(f"/containers/{bottle['code']}/hold", {"reason": "again"}), 409, "ALREADY_HELD"
    )
    released = expect(nurse.post(f"/containers/{bottle['code']}/release", {}), 200)
    assert released["held"] is False and released["hold_reason"] is None
    assert check(nurse, "INF100", bottle["code"])["verdict"] == "go"
    expect(nurse.post(f"/containers/{bottle['code']}/release"), 409, "NOT_HELD")
    assert [e["type"] for e in released["events"]] == ["received", "held", "released"]


def test_mother_hold_covers_every_sibling_and_new_milk_and_own_holds_outlast_it(unit):
    nurse = unit["nurse"]
    leo = receive_milk(nurse, "INF200")
    mia = receive_milk(nurse, "INF201", location="FZ1")
    own = receive_milk(nurse, "INF201")
    other_family = receive_milk(nurse, "INF100")
    expect(nurse.post(f"/containers/{own['code']}/hold", {"reason": "label smudged"}), 200)

    out = expect(nurse.post("/mothers/MOM200/hold", {"reason": "new medication"}), 200)
    assert out == {
        "mother_mrn": "MOM200",
        "held": True,
        "reason": "new medication",
        "containers_affected": 3,
    }
    expect(nurse.post("/mothers/MOM200/hold", {"reason": "twice"}), 409, "ALREADY_HELD")
    for code in (leo["code"], mia["code"]):
        bottle = expect(nurse.get(f"/containers/{code}"), 200)
        assert bottle["held"] is True
        assert bottle["hold_reason"] == "new medication"
    assert expect(nurse.get("/infants/INF201"), 200)["mother"]["held"] is True
    assert expect(nurse.get(f"/containers/{other_family['code']}"), 200)["held"] is False
    # Milk received during the hold is held too.
    during = receive_milk(nurse, "INF200")
    assert during["held"] is True
    verdict = check(nurse, "INF200", during["code"])
    assert verdict["verdict"] == "stop" and "HELD" in reason_codes(verdict)

    out = expect(nurse.post("/mothers/MOM200/release", {}), 200)
    assert out["held"] is False and out["mother_mrn"] == "MOM200"
    for code in (leo["code"], mia["code"], during["code"]):
        assert expect(nurse.get(f"/containers/{code}"), 200)["held"] is False
    still = expect(nurse.get(f"/containers/{own['code']}"), 200)
    assert still["held"] is True and still["hold_reason"] == "label smudged"
    assert "HELD" in reason_codes(check(nurse, "INF201", own["code"]))
    expect(nurse.post("/mothers/MOM200/release"), 409, "NOT_HELD")
    expect(nurse.post("/mothers/NOBODY/hold", {"reason": "x"}), 404, "UNKNOWN_MOTHER")


# --- leaving inventory ------------------------------------------------------------------------


def test_discard_and_return(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)
    discarded = expect(
        nurse.post(f"/containers/{bottle['code']}/discard", {"reason": "expired"}), 200
    )
    assert discarded["state"] == "discarded"
    assert discarded["events"][-1]["type"] == "discarded"
    assert discarded["events"][-1]["details"] == {"reason": "expired"}
    before = snapshot()
    expect(nurse.post(f"/containers/{bottle['code']}/discard", {"reason": "again"}), 409)
    expect(nurse.post(f"/containers/{bottle['code']}/move", {"location_code": "FR1"}), 409)
    assert snapshot() == before

    going_home = receive_milk(nurse)
    returned = expect(nurse.post(f"/containers/{going_home['code']}/return"), 200)
    assert returned["state"] == "returned"
    expect(nurse.post(f"/containers/{going_home['code']}/return", {}), 409)

    dhm = donor_milk(nurse)
    expect(nurse.post(f"/containers/{dhm['code']}/return", {}), 409, "DONOR_MILK")
    assert expect(nurse.get(f"/containers/{dhm['code']}"), 200)["state"] == "fresh"


# --- split and combine --------------------------------------------------------------------------


def test_split_into_portions_that_never_outlive_the_parent(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, location="FZ1", volume_ml=60)
    thawed = expect(nurse.post(f"/containers/{bottle['code']}/thaw", {"location_code": "FR1"}), 200)
    before = snapshot()
    expect(
        nurse.post(f"/containers/{bottle['code']}/split", {"volumes_ml": [30, 30.01]}),
        400,
        "VOLUME_EXCEEDS_REMAINING",
    )
    assert snapshot() == before

    children = expect(
        nurse.post(f"/containers/{bottle['code']}/split", {"volumes_ml": [20, 15.5]}), 201
    )["containers"]
    assert [c["volume_ml"] for c in children] == [20.0, 15.5]
    for child in children:
        assert child["parents"] == [bottle["code"]]
        assert child["code"] != bottle["code"]
        assert child["infant_mrn"] == "INF100"
        assert child["state"] == "thawed"
        assert parse(child["expires_at"]) <= parse(thawed["expires_at"])
        # Moving a portion to the bedside can only shorten its life.
        moved = expect(
            nurse.post(f"/containers/{child['code']}/move", {"location_code": "BED3"}), 200
        )
        assert parse(moved["expires_at"]) <= parse(thawed["expires_at"])
    parent = expect(nurse.get(f"/containers/{bottle['code']}"), 200)
    assert parent["remaining_ml"] == 24.5
    assert parent["events"][-1]["type"] == "split_into"

    rest = expect(nurse.post(f"/containers/{bottle['code']}/split", {"volumes_ml": [24.5]}), 201)[
        "containers"
    ]
    assert rest[0]["volume_ml"] == 24.5
    assert expect(nurse.get(f"/containers/{bottle['code']}"), 200)["state"] == "consumed"


def test_combine_one_babys_milk_with_lineage(unit):
    nurse = unit["nurse"]
    older = receive_milk(nurse, expressed_at=iso(moment(hours=20)), volume_ml=40)
    newer = receive_milk(nurse, expressed_at=iso(moment(hours=2)), volume_ml=25.5)
    pooled = expect(
        nurse.post(
            "/containers/combine", {"codes": [older["code"], newer["code"]], "location_code": "FR1"}
        ),
        201,
    )
    assert pooled["parents"] == sorted([older["code"], newer["code"]])
    assert pooled["volume_ml"] == pooled["remaining_ml"] == 65.5
    assert pooled["infant_mrn"] == "INF100"
    assert pooled["location_code"] == "FR1"
    assert pooled["state"] == "fresh"
    assert parse(pooled["expires_at"]) == parse(older["expires_at"])
    for source in (older, newer):
        after = expect(nurse.get(f"/containers/{source['code']}"), 200)
        assert after["state"] == "consumed"
        assert after["remaining_ml"] == 0.0
        assert any(
            e["type"] == "combined_into" and e["details"]["child"] == pooled["code"]
            for e in after["events"]
        )


def test_combining_different_babies_milk_is_refused(unit):
    nurse = unit["nurse"]
    mine = receive_milk(nurse, "INF100")
    twin_a = receive_milk(nurse, "INF200")
    twin_b = receive_milk(nurse, "INF201")
    before = snapshot()
    expect(
        nurse.post(
            "/containers/combine", {"codes": [mine["code"], twin_a["code"]], "location_code": "FR1"}
        ),
        409,
        "MIXED_INFANTS",
    )
    # Twins share a mother, but not a bottle.
    expect(
        nurse.post(
            "/containers/combine",
            {"codes": [twin_a["code"], twin_b["code"]], "location_code": "FR1"},
        ),
        409,
        "MIXED_INFANTS",
    )
    expect(
        nurse.post(
            "/containers/combine", {"codes": [mine["code"], mine["code"]], "location_code": "FR1"}
        ),
        400,
        "DUPLICATE_CODES",
    )
    expect(
        nurse.post(
            "/containers/combine", {"codes": [mine["code"], "M0000000000"], "location_code": "FR1"}
        ),
        404,
        "UNKNOWN_BOTTLE",
    )
    assert snapshot() == before


# --- history and late documentation ---------------------------------------------------------


def test_events_record_when_it_happened_and_when_it_was_entered(unit):
    nurse, charge = unit["nurse"], unit["charge_nurse"]
    received_at = moment(hours=3)
    bottle = receive_milk(nurse, expressed_at=iso(moment(hours=4)), at=iso(received_at))
    assert parse(bottle["received_at"]) == received_at
    moved_at = moment(hours=2)
    expect(
        charge.post(
            f"/containers/{bottle['code']}/move", {"location_code": "FZ1", "at": iso(moved_at)}
        ),
        200,
    )
    events = expect(nurse.get(f"/containers/{bottle['code']}"), 200)["events"]
    assert [(e["type"], e["user"]) for e in events] == [("received", "nina"), ("moved", "cara")]
    assert [parse(e["at"]) for e in events] == [received_at, moved_at]
    now = dt.datetime.now(UTC)
    for event in events:
        recorded = parse(event["recorded_at"])
        assert recorded > parse(event["at"])
        assert abs(recorded - now) < dt.timedelta(minutes=1)


def test_event_times_in_the_future_or_before_the_previous_event_are_refused(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(
        nurse, location="FZ1", expressed_at=iso(moment(hours=4)), at=iso(moment(hours=2))
    )
    code = bottle["code"]
    before = snapshot()
    expect(
        nurse.post(f"/containers/{code}/thaw", {"location_code": "FR1", "at": later(minutes=6)}),
        400,
        "FUTURE_TIME",
    )
    expect(
        nurse.post(f"/containers/{code}/thaw", {"location_code": "FR1", "at": ago(hours=3)}),
        400,
        "TIME_BEFORE_PREVIOUS_EVENT",
    )
    expect(
        nurse.post(
            f"/containers/{code}/thaw", {"location_code": "FR1", "at": "2026-11-28T10:00:00"}
        ),
        400,
    )
    expect(
        nurse.post(f"/containers/{code}/move", {"location_code": "DF1", "at": later(hours=1)}),
        400,
        "FUTURE_TIME",
    )
    expect(
        nurse.post(
            "/containers",
            {
                "infant_mrn": "INF100",
                "expressed_at": ago(hours=1),
                "at": ago(hours=2),
                "volume_ml": 30,
                "milk_type": "MOM",
                "location_code": "FR1",
            },
        ),
        400,
        "RECEIVED_BEFORE_EXPRESSED",
    )
    expect(
        nurse.post(
            "/containers",
            {
                "infant_mrn": "INF100",
                "expressed_at": later(hours=1),
                "volume_ml": 30,
                "milk_type": "MOM",
                "location_code": "FR1",
            },
        ),
        400,
        "FUTURE_TIME",
    )
    assert snapshot() == before
    # A little clock skew (under 5 minutes) is tolerated; so is an offset other than Z.
    thawed = expect(
        nurse.post(f"/containers/{code}/thaw", {"location_code": "FR1", "at": later(minutes=2)}),
        200,
    )
    assert thawed["state"] == "thawed"
    local = (dt.datetime.now(UTC) - dt.timedelta(minutes=30)).replace(microsecond=0)
    chicago = local.astimezone(dt.timezone(dt.timedelta(hours=-6))).isoformat()
    other = receive_milk(nurse, at=chicago, expressed_at=ago(hours=5))
    assert parse(other["received_at"]) == local


def test_transitions_the_milk_forbids_are_409_and_change_nothing(unit):
    nurse = unit["nurse"]
    fresh = receive_milk(nurse)["code"]
    frozen = receive_milk(nurse, location="FZ1")["code"]
    fortified = receive_milk(nurse)["code"]
    expect(nurse.post(f"/containers/{fortified}/fortify", {"product": "HMF"}), 200)
    dhm = donor_milk(nurse, "INF100")["code"]
    [label] = expect(nurse.post("/infants/INF100/reserved-labels", {"count": 1}), 201)["codes"]
    before = snapshot()
    for path, body in (
        (f"/containers/{fresh}/thaw", {"location_code": "FR1"}),  # never frozen
        (f"/containers/{frozen}/thaw", {"location_code": "FZ1"}),  # thawed into a freezer
        (f"/containers/{frozen}/fortify", {"product": "HMF"}),  # still frozen
        (f"/containers/{frozen}/split", {"volumes_ml": [10]}),  # still frozen
        (f"/containers/{fortified}/fortify", {"product": "HMF"}),  # twice
        (f"/containers/{fortified}/move", {"location_code": "FZ1"}),  # fortified milk frozen
        ("/containers/combine", {"codes": [fresh, dhm], "location_code": "FR1"}),  # MOM + DHM
        ("/containers/combine", {"codes": [fresh, frozen], "location_code": "FR1"}),
        (f"/containers/{label}/move", {"location_code": "FR1"}),  # not received
        (f"/containers/{label}/return", {}),
        (f"/containers/{fresh}/receive", {"location_code": "FR1"}),  # already received
    ):
        answer = nurse.post(path, body)
        assert answer.status_code == 409, (path, body, answer.get_json())
    assert snapshot() == before
