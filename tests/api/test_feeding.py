"""The bedside check (every reason code, through the API) and feeds."""

import datetime as dt

import pytest

from nicu_milk.codes import container_code
from tests.api.conftest import (
    PASSWORD,
    ago,
    count,
    donor_milk,
    expect,
    failed_sign_ins,
    iso,
    parse,
    receive_milk,
    snapshot,
)

UTC = dt.UTC


def check(api, infant, code, **extra) -> dict:
    return expect(
        api.post("/feeds/check", {"infant_code": infant, "container_code": code, **extra}), 200
    )


def codes_of(verdict) -> list[str]:
    return [reason["code"] for reason in verdict["reasons"]]


def near_misses(api, **query) -> dict:
    path = "/reports/near-misses"
    if query:
        path += "?" + "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in query.items())
    return expect(api.get(path), 200)


def with_bad_check_digits(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


# --- the check ----------------------------------------------------------------------------------


def test_go_for_the_right_baby_and_it_is_not_a_near_miss(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)
    verdict = check(nurse, "INF100", bottle["code"])
    assert verdict["verdict"] == "go"
    assert verdict["reasons"] == []
    assert verdict["container"]["code"] == bottle["code"]
    assert verdict["infant"]["mrn"] == "INF100"
    # Scanners add white space around what they read.
    assert check(nurse, " INF100\r\n", f"\t{bottle['code']} \n")["verdict"] == "go"
    assert count("check_attempts") == 0
    assert near_misses(unit["charge_nurse"]) == {
        "since": None,
        "until": None,
        "counts": {},
        "near_misses": [],
    }


def _setup_for(reason, nurse, unit):
    """(infant_code, container_code) that should give `reason`."""
    if reason == "INVALID_CODE":
        bottle = receive_milk(nurse)
        return "INF100", with_bad_check_digits(bottle["code"])
    if reason == "INVALID_CODE_WRISTBAND_AS_BOTTLE":
        receive_milk(nurse)
        return "INF100", "INF100"
    if reason == "INVALID_CODE_BOTTLE_AS_WRISTBAND":
        bottle = receive_milk(nurse)
        return bottle["code"], bottle["code"]
    if reason == "UNKNOWN_BOTTLE":
        return "INF100", container_code(4242)
    if reason == "UNKNOWN_INFANT":
        return "INF999", receive_milk(nurse)["code"]
    if reason == "WRONG_INFANT":
        return "INF200", receive_milk(nurse, "INF100")["code"]
    if reason == "SIBLING":
        return "INF201", receive_milk(nurse, "INF200")["code"]
    if reason == "NOT_RECEIVED":
        [code] = expect(nurse.post("/infants/INF100/reserved-labels", {"count": 1}), 201)["codes"]
        return "INF100", code
    if reason == "FROZEN":
        return "INF100", receive_milk(nurse, location="FZ1")["code"]
    if reason == "EXPIRED":
        return "INF100", receive_milk(nurse, expressed_at=ago(days=3))["code"]
    if reason == "HELD":
        code = receive_milk(nurse)["code"]
        expect(nurse.post(f"/containers/{code}/hold", {"reason": "culture"}), 200)
        return "INF100", code
    if reason == "DISCARDED":
        code = receive_milk(nurse)["code"]
        expect(nurse.post(f"/containers/{code}/discard", {"reason": "spilled"}), 200)
        return "INF100", code
    if reason == "CONSUMED":
        code = receive_milk(nurse, volume_ml=30)["code"]
        expect(
            nurse.post(
                "/feeds", {"infant_code": "INF100", "container_code": code, "volume_ml": 30}
            ),
            201,
        )
        return "INF100", code
    if reason == "RETURNED":
        code = receive_milk(nurse)["code"]
        expect(nurse.post(f"/containers/{code}/return", {}), 200)
        return "INF100", code
    if reason == "DONOR_CONSENT_MISSING":
        return "INF100", donor_milk(nurse, "INF100")["code"]
    if reason == "INFANT_DISCHARGED":
        code = receive_milk(nurse)["code"]
        expect(nurse.post("/infants/INF100/discharge", {}), 200)
        return "INF100", code
    if reason == "EXPIRES_SOON":
        # Room temperature: 4 h from expression, so 30 minutes left.
        return "INF100", receive_milk(
            nurse, location="BED3", expressed_at=ago(hours=3, minutes=30)
        )["code"]
    if reason == "USE_FIRST_COLOSTRUM":
        receive_milk(nurse, colostrum=True)
        return "INF100", receive_milk(nurse)["code"]
    if reason == "USE_FIRST_EARLIER_EXPIRY":
        receive_milk(nurse, expressed_at=ago(hours=20))
        return "INF100", receive_milk(nurse, expressed_at=ago(hours=2))["code"]
    raise AssertionError(reason)


CASES = [
    # (case, reason code, severity)
    ("INVALID_CODE", "INVALID_CODE", "stop"),
    ("INVALID_CODE_WRISTBAND_AS_BOTTLE", "INVALID_CODE", "stop"),
    ("INVALID_CODE_BOTTLE_AS_WRISTBAND", "INVALID_CODE", "stop"),
    ("UNKNOWN_BOTTLE", "UNKNOWN_BOTTLE", "stop"),
    ("UNKNOWN_INFANT", "UNKNOWN_INFANT", "stop"),
    ("WRONG_INFANT", "WRONG_INFANT", "stop"),
    ("SIBLING", "SIBLING", "warn"),
    ("NOT_RECEIVED", "NOT_RECEIVED", "stop"),
    ("FROZEN", "FROZEN", "stop"),
    ("EXPIRED", "EXPIRED", "stop"),
    ("HELD", "HELD", "stop"),
    ("DISCARDED", "DISCARDED", "stop"),
    ("CONSUMED", "CONSUMED", "stop"),
    ("RETURNED", "RETURNED", "stop"),
    ("DONOR_CONSENT_MISSING", "DONOR_CONSENT_MISSING", "stop"),
    ("INFANT_DISCHARGED", "INFANT_DISCHARGED", "stop"),
    ("EXPIRES_SOON", "EXPIRES_SOON", "warn"),
]
ADVICE = ["USE_FIRST_COLOSTRUM", "USE_FIRST_EARLIER_EXPIRY"]


@pytest.mark.parametrize(("case", "reason", "severity"), CASES, ids=[c[0] for c in CASES])
def test_every_reason_is_reachable_and_stored_as_a_near_miss(unit, case, reason, severity):
    nurse, charge = unit["nurse"], unit["charge_nurse"]
    infant_code, container_code_ = _setup_for(case, nurse, unit)
    assert count("check_attempts") == 0
    verdict = check(nurse, f" {infant_code} ", f"{container_code_}\n")
    assert verdict["verdict"] == severity, verdict
    assert codes_of(verdict) == [reason], verdict
    assert verdict["reasons"][0]["severity"] == severity
    assert verdict["reasons"][0]["message"]

    report = near_misses(charge)
    assert report["counts"] == {reason: 1}
    [stored] = report["near_misses"]
    assert stored["verdict"] == severity
    assert stored["action"] == "check"
    assert stored["user"] == "nina"
    assert stored["infant_code"] == infant_code  # stored trimmed
    assert stored["container_code"] == container_code_
    assert stored["reasons"] == verdict["reasons"]
    assert abs(parse(stored["at"]) - dt.datetime.now(UTC)) < dt.timedelta(minutes=1)


def test_several_reasons_at_once_and_stops_come_first(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, "INF200", expressed_at=ago(days=3))  # expired, another family
    verdict = check(nurse, "INF100", bottle["code"])
    assert verdict["verdict"] == "stop"
    assert set(codes_of(verdict)) == {"WRONG_INFANT", "EXPIRED"}
    assert near_misses(unit["admin"])["counts"] == {"WRONG_INFANT": 1, "EXPIRED": 1}


@pytest.mark.parametrize("case", ADVICE)
def test_use_first_is_advice_a_go_and_no_near_miss(unit, case):
    nurse, charge = unit["nurse"], unit["charge_nurse"]
    infant_code, code = _setup_for(case, nurse, unit)
    [better] = [
        c["code"]
        for c in expect(nurse.get("/infants/INF100/containers"), 200)["containers"]
        if c["code"] != code
    ]
    verdict = check(nurse, infant_code, code)
    assert verdict["verdict"] == "go"
    [advice] = verdict["reasons"]
    assert (advice["code"], advice["severity"], advice["use_instead"]) == (
        "USE_FIRST",
        "advice",
        better,
    )
    assert advice["message"].startswith(f"Use container {better} first")
    assert count("check_attempts") == 0
    # The feed goes ahead without any tick, and nothing is acknowledged.
    fed = expect(
        nurse.post("/feeds", {"infant_code": infant_code, "container_code": code, "volume_ml": 10}),
        201,
    )
    assert fed["verdict"] == "go" and fed["feed"]["acknowledged_warnings"] == []
    assert [reason["code"] for reason in fed["reasons"]] == ["USE_FIRST"]
    assert near_misses(charge)["near_misses"] == []


def test_a_stop_carries_no_advice_that_invites_feeding(unit):
    nurse = unit["nurse"]
    receive_milk(nurse, expressed_at=ago(hours=20))  # usable, expires sooner than the frozen one
    frozen = receive_milk(nurse, location="FZ1")
    expired = receive_milk(nurse, expressed_at=ago(days=3))
    for code, reason in ((frozen["code"], "FROZEN"), (expired["code"], "EXPIRED")):
        verdict = check(nurse, "INF100", code)
        assert (verdict["verdict"], codes_of(verdict)) == ("stop", [reason])
        assert all("reason to feed" not in r["message"] for r in verdict["reasons"])
    # The near misses keep only what stopped the feed.
    assert near_misses(unit["charge_nurse"])["counts"] == {"FROZEN": 1, "EXPIRED": 1}


def test_near_misses_report_counts_and_time_filter(unit, app):
    nurse, charge = unit["nurse"], unit["charge_nurse"]
    bottle = receive_milk(nurse, "INF200")
    then = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    app.config["CLOCK"] = lambda: then
    try:
        check(nurse, "INF100", bottle["code"])  # WRONG_INFANT, two hours ago
    finally:
        app.config.pop("CLOCK")
    check(nurse, "INF100", bottle["code"])
    check(nurse, "INF201", bottle["code"])  # SIBLING
    check(nurse, "INF100", container_code(99))  # UNKNOWN_BOTTLE
    check(nurse, "INF200", bottle["code"])  # go: not stored

    everything = near_misses(charge)
    assert everything["counts"] == {"WRONG_INFANT": 2, "SIBLING": 1, "UNKNOWN_BOTTLE": 1}
    assert len(everything["near_misses"]) == 4
    hour_ago = iso(dt.datetime.now(UTC) - dt.timedelta(hours=1))
    recent = near_misses(charge, since=hour_ago)
    assert recent["counts"] == {"WRONG_INFANT": 1, "SIBLING": 1, "UNKNOWN_BOTTLE": 1}
    assert parse(recent["since"]) == parse(hour_ago)
    old = near_misses(charge, until=hour_ago)
    assert old["counts"] == {"WRONG_INFANT": 1}
    assert parse(old["near_misses"][0]["at"]) == then
    window = near_misses(
        charge, since=iso(then - dt.timedelta(minutes=1)), until=iso(then + dt.timedelta(minutes=1))
    )
    assert len(window["near_misses"]) == 1
    assert (
        near_misses(charge, since=iso(dt.datetime.now(UTC) + dt.timedelta(hours=1)))["near_misses"]
        == []
    )
    # Offsets other than Z are understood.
    assert near_misses(
        charge,
        since=(then + dt.timedelta(minutes=1))
        .astimezone(dt.timezone(dt.timedelta(hours=-6)))
        .isoformat(),
    )["counts"] == everything["counts"] | {"WRONG_INFANT": 1}
    expect(charge.get("/reports/near-misses?since=2026-11-28T10:00:00"), 400)


def test_sibling_warning_at_check_and_feed(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, "INF200")
    refused = expect(
        nurse.post(
            "/feeds", {"infant_code": "INF201", "container_code": bottle["code"], "volume_ml": 10}
        ),
        409,
        "WARNINGS_NOT_ACKNOWLEDGED",
    )
    assert refused["verdict"] == "warn"
    assert codes_of(refused) == ["SIBLING"]


# --- feeds --------------------------------------------------------------------------------------


def test_feed_on_go_partial_feeds_and_hang_time(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, volume_ml=60, expressed_at=ago(hours=1), at=ago(minutes=40))
    first_at = (dt.datetime.now(UTC) - dt.timedelta(minutes=20)).replace(microsecond=0)
    fed = expect(
        nurse.post(
            "/feeds",
            {
                "infant_code": "INF100",
                "container_code": bottle["code"],
                "volume_ml": 20.5,
                "at": iso(first_at),
            },
        ),
        201,
    )
    assert fed["verdict"] == "go" and fed["reasons"] == []
    assert fed["feed"]["volume_ml"] == 20.5
    assert fed["feed"]["infant_mrn"] == "INF100"
    assert fed["feed"]["container_code"] == bottle["code"]
    assert fed["feed"]["user"] == "nina"
    assert parse(fed["feed"]["at"]) == first_at
    assert fed["feed"]["manual_entry"] is False and fed["feed"]["witness"] is None
    container = fed["container"]
    assert container["remaining_ml"] == 39.5
    assert container["state"] == "fresh"
    assert parse(container["first_fed_at"]) == first_at
    # The first feed starts the 4 h hang time, sooner than the fridge's 48 h.
    assert parse(container["expires_at"]) == first_at + dt.timedelta(hours=4)
    assert "first feed" in container["expiry_reason"]

    second = expect(
        nurse.post(
            "/feeds", {"infant_code": "INF100", "container_code": bottle["code"], "volume_ml": 9.5}
        ),
        201,
    )
    assert second["container"]["remaining_ml"] == 30.0
    # Only the first feed starts the clock.
    assert parse(second["container"]["expires_at"]) == first_at + dt.timedelta(hours=4)

    before = snapshot()
    too_much = expect(
        nurse.post(
            "/feeds",
            {"infant_code": "INF100", "container_code": bottle["code"], "volume_ml": 30.01},
        ),
        400,
        "VOLUME_EXCEEDS_REMAINING",
    )
    # Volumes read as everywhere else: "30 mL", never "30.00 ml".
    assert too_much["error"]["message"].startswith("30.01 mL is more than the 30 mL left")
    assert snapshot() == before

    last = expect(
        nurse.post(
            "/feeds", {"infant_code": "INF100", "container_code": bottle["code"], "volume_ml": 30}
        ),
        201,
    )
    assert last["container"]["remaining_ml"] == 0.0
    assert last["container"]["state"] == "consumed"

    feeds = expect(nurse.get("/feeds?infant_mrn=INF100"), 200)["feeds"]
    assert [f["volume_ml"] for f in feeds] == [30.0, 9.5, 20.5]  # newest first
    assert expect(nurse.get("/feeds?infant_mrn=INF200"), 200)["feeds"] == []
    events = expect(nurse.get(f"/containers/{bottle['code']}"), 200)["events"]
    assert [e["type"] for e in events] == ["received", "fed", "fed", "fed", "consumed"]
    assert count("check_attempts") == 0


def test_marking_a_bottle_finished(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, volume_ml=60)
    done = expect(
        nurse.post(
            "/feeds",
            {
                "infant_code": "INF100",
                "container_code": bottle["code"],
                "volume_ml": 50,
                "finished": True,
            },
        ),
        201,
    )
    assert done["container"]["state"] == "consumed"
    assert done["container"]["remaining_ml"] == 10.0


def test_warn_needs_acknowledgement_and_advice_beside_it_does_not(unit):
    nurse, charge = unit["nurse"], unit["charge_nurse"]
    colostrum = receive_milk(nurse, colostrum=True)
    # Room temperature: 4 h from expression, so 30 minutes left: EXPIRES_SOON.
    bottle = receive_milk(nurse, location="BED3", expressed_at=ago(hours=3, minutes=30))
    before = count("feeds"), expect(nurse.get(f"/containers/{bottle['code']}"), 200)
    refused = expect(
        nurse.post(
            "/feeds", {"infant_code": "INF100", "container_code": bottle["code"], "volume_ml": 10}
        ),
        409,
        "WARNINGS_NOT_ACKNOWLEDGED",
    )
    assert refused["verdict"] == "warn"
    assert codes_of(refused) == ["EXPIRES_SOON", "USE_FIRST"]
    assert [r["severity"] for r in refused["reasons"]] == ["warn", "advice"]
    assert refused["reasons"][1]["use_instead"] == colostrum["code"]
    assert refused["container"]["code"] == bottle["code"]
    assert (count("feeds"), expect(nurse.get(f"/containers/{bottle['code']}"), 200)) == before
    assert expect(nurse.get("/feeds?infant_mrn=INF100"), 200)["feeds"] == []
    [miss] = near_misses(charge)["near_misses"]
    assert miss["action"] == "feed" and miss["verdict"] == "warn"
    assert [r["code"] for r in miss["reasons"]] == ["EXPIRES_SOON"]  # advice is no near miss

    fed = expect(
        nurse.post(
            "/feeds",
            {
                "infant_code": "INF100",
                "container_code": bottle["code"],
                "volume_ml": 10,
                "acknowledge_warnings": True,
            },
        ),
        201,
    )
    assert fed["verdict"] == "warn"
    assert fed["feed"]["acknowledged_warnings"] == ["EXPIRES_SOON"]
    assert fed["container"]["remaining_ml"] == 50.0
    # The acknowledged warning is still a near miss: two now, and no USE_FIRST among them.
    assert near_misses(charge)["counts"] == {"EXPIRES_SOON": 2}


def test_a_stop_is_never_fed_and_is_a_near_miss(unit):
    nurse, charge = unit["nurse"], unit["charge_nurse"]
    bottle = receive_milk(nurse, "INF200")
    before = snapshot()
    refused = expect(
        nurse.post(
            "/feeds",
            {
                "infant_code": "INF100",
                "container_code": bottle["code"],
                "volume_ml": 10,
                "acknowledge_warnings": True,
            },
        ),
        409,
        "FEED_STOPPED",
    )
    assert refused["verdict"] == "stop"
    assert codes_of(refused) == ["WRONG_INFANT"]
    after = snapshot()
    assert len(after["check_attempts"]) == 1
    assert {t: rows for t, rows in after.items() if t != "check_attempts"} == {
        t: rows for t, rows in before.items() if t != "check_attempts"
    }
    [miss] = near_misses(charge)["near_misses"]
    assert (miss["action"], miss["verdict"], miss["infant_code"]) == ("feed", "stop", "INF100")
    assert expect(nurse.get(f"/containers/{bottle['code']}"), 200)["remaining_ml"] == 60.0


def test_typed_in_code_needs_a_witness(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)
    body = {
        "infant_code": "INF100",
        "container_code": bottle["code"],
        "volume_ml": 10,
        "manual_entry": True,
    }
    before = snapshot()
    expect(nurse.post("/feeds", body), 400, "WITNESS_REQUIRED")
    expect(
        nurse.post(
            "/feeds", {**body, "witness": {"username": "noor", "password": "wrong password"}}
        ),
        400,
        "WITNESS_NOT_CONFIRMED",
    )
    assert failed_sign_ins() == [("noor", "witness", "wrong_password")]  # kept on record
    expect(
        nurse.post("/feeds", {**body, "witness": {"username": "nina", "password": PASSWORD}}),
        400,
        "WITNESS_SAME_USER",
    )
    expect(
        nurse.post("/feeds", {**body, "witness": {"username": "linh", "password": PASSWORD}}),
        400,
        "WITNESS_NOT_STAFF",
    )
    expect(
        nurse.post(
            "/feeds",
            {**body, "manual_entry": False, "witness": {"username": "noor", "password": PASSWORD}},
        ),
        400,
        "UNEXPECTED_WITNESS",
    )
    expect(
        nurse.post(
            "/feeds/check",
            {"infant_code": "INF100", "container_code": bottle["code"], "manual_entry": True},
        ),
        400,
        "WITNESS_REQUIRED",
    )
    assert snapshot() == before

    fed = expect(
        nurse.post("/feeds", {**body, "witness": {"username": "noor", "password": PASSWORD}}), 201
    )
    assert fed["feed"]["manual_entry"] is True
    assert fed["feed"]["witness"] == "noor"
    [listed] = expect(nurse.get("/feeds?infant_mrn=INF100"), 200)["feeds"]
    assert listed["witness"] == "noor" and listed["manual_entry"] is True
    fed_event = expect(nurse.get(f"/containers/{bottle['code']}"), 200)["events"][-1]
    assert fed_event["type"] == "fed" and fed_event["details"]["witness"] == "noor"

    # A witnessed typed-in code that comes back stop is a near miss marked as manual entry.
    verdict = check(
        nurse,
        "INF200",
        bottle["code"],
        manual_entry=True,
        witness={"username": "cara", "password": PASSWORD},
    )
    assert verdict["verdict"] == "stop"
    [miss] = near_misses(unit["charge_nurse"])["near_misses"]
    assert miss["manual_entry"] is True


def test_feed_time_rules(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, at=ago(hours=1), expressed_at=ago(hours=2))
    body = {"infant_code": "INF100", "container_code": bottle["code"], "volume_ml": 10}
    before = snapshot()
    expect(
        nurse.post("/feeds", {**body, "at": ago(hours=1, minutes=30)}),
        400,
        "TIME_BEFORE_PREVIOUS_EVENT",
    )
    expect(
        nurse.post("/feeds", {**body, "at": iso(dt.datetime.now(UTC) + dt.timedelta(minutes=10))}),
        400,
        "FUTURE_TIME",
    )
    expect(nurse.post("/feeds", {**body, "at": "2026-11-28T10:00:00"}), 400)
    assert snapshot() == before
    expect(nurse.post("/feeds", {**body, "at": ago(minutes=30)}), 201)
