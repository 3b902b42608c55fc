"""Codes are read without regard to case, by one parser, at every route that takes a container
code: a scanner with Caps Lock on sends "m0000002038", the same code as "M0000002038"."""

from __future__ import annotations

import pytest

from tests.api.conftest import ago, count, expect, receive_milk, snapshot
from tests.unit.printing.readback import decode, render


def lower(code: str) -> str:
    assert code.startswith("M")
    return "m" + code[1:]


def test_the_check_and_the_feed_read_a_lower_case_scan(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)
    verdict = expect(
        nurse.post(
            "/feeds/check", {"infant_code": "INF100", "container_code": lower(bottle["code"])}
        ),
        200,
    )
    assert verdict["verdict"] == "go" and verdict["reasons"] == []
    assert verdict["container"]["code"] == bottle["code"]
    fed = expect(
        nurse.post(
            "/feeds",
            {
                "infant_code": "INF100",
                "container_code": f" {lower(bottle['code'])}\r\n",
                "volume_ml": 10,
            },
        ),
        201,
    )
    assert fed["feed"]["container_code"] == bottle["code"]
    assert count("check_attempts") == 0


def test_a_lower_case_container_scanned_as_the_wristband_is_still_a_milk_label(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)
    verdict = expect(
        nurse.post(
            "/feeds/check", {"infant_code": lower(bottle["code"]), "container_code": bottle["code"]}
        ),
        200,
    )
    assert verdict["verdict"] == "stop"
    [reason] = verdict["reasons"]
    assert reason["code"] == "INVALID_CODE"
    assert "milk label, not a wristband" in reason["message"]


def test_a_wristband_is_read_without_regard_to_case_too(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)
    verdict = expect(
        nurse.post("/feeds/check", {"infant_code": "inf100", "container_code": bottle["code"]}), 200
    )
    assert verdict["verdict"] == "go" and verdict["infant"]["mrn"] == "INF100"
    # So two wristbands may not differ only in case.
    before = snapshot()
    expect(
        nurse.post(
            "/infants",
            {
                "mrn": "INF900",
                "first_name": "Kai",
                "last_name": "Lee",
                "date_of_birth": "2026-11-20",
                "wristband_code": "inf100",
                "mother": {"mrn": "MOM900", "first_name": "Mei", "last_name": "Lee"},
            },
        ),
        409,
        "DUPLICATE_WRISTBAND",
    )
    assert snapshot() == before


def test_a_lower_case_code_with_wrong_check_digits_is_still_invalid(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)
    damaged = lower(bottle["code"][:-1] + str((int(bottle["code"][-1]) + 1) % 10))
    verdict = expect(
        nurse.post("/feeds/check", {"infant_code": "INF100", "container_code": damaged}), 200
    )
    assert [r["code"] for r in verdict["reasons"]] == ["INVALID_CODE"]
    expect(nurse.get(f"/containers/{damaged}"), 404, "UNKNOWN_BOTTLE")


# Every action on a container, each given the code in lower case: (path, body, state after).
ACTIONS = [
    ("hold", {"reason": "culture"}, "fresh"),
    ("release", {}, "fresh"),
    ("move", {"location_code": "FZ1"}, "frozen"),
    ("thaw", {"location_code": "FR1"}, "thawed"),
    ("fortify", {"product": "Similac HMF", "kcal_per_oz": 24}, "thawed"),
    ("split", {"volumes_ml": [10]}, "thawed"),
    ("discard", {"reason": "spilled"}, "discarded"),
]


def test_every_action_reads_a_lower_case_code(unit):
    nurse = unit["nurse"]
    code = receive_milk(nurse)["code"]
    for action, body, state in ACTIONS:
        status = 201 if action == "split" else 200
        expect(nurse.post(f"/containers/{lower(code)}/{action}", body), status)
        after = expect(nurse.get(f"/containers/{lower(code)}"), 200)
        assert after["code"] == code and after["state"] == state, action
    going_home = receive_milk(nurse)["code"]
    assert (
        expect(nurse.post(f"/containers/{lower(going_home)}/return", {}), 200)["state"]
        == "returned"
    )


def test_receiving_and_combining_read_lower_case_codes(unit):
    nurse, parent = unit["nurse"], unit["parent"]
    [reserved] = expect(parent.post("/infants/INF100/reserved-labels", {"count": 1}), 201)["codes"]
    received = expect(
        nurse.post(
            f"/containers/{lower(reserved)}/receive",
            {"location_code": "FR1", "expressed_at": ago(hours=1), "volume_ml": 30},
        ),
        200,
    )
    assert received["code"] == reserved
    a, b = receive_milk(nurse)["code"], receive_milk(nurse)["code"]
    pooled = expect(
        nurse.post("/containers/combine", {"codes": [lower(a), b], "location_code": "FR1"}), 201
    )
    assert pooled["parents"] == [a, b]
    # The same bottle in two cases is listed twice.
    c = receive_milk(nurse)["code"]
    expect(
        nurse.post("/containers/combine", {"codes": [c, lower(c)], "location_code": "FR1"}),
        400,
        "DUPLICATE_CODES",
    )


@pytest.mark.parametrize("output", ["label.pdf", "label.zpl"])
def test_labels_are_printed_for_a_lower_case_code(unit, output):
    nurse = unit["nurse"]
    code = receive_milk(nurse)["code"]
    answer = nurse.get(f"/containers/{lower(code)}/{output}")
    assert answer.status_code == 200
    if output == "label.pdf":
        assert decode(render(answer.data)) == [code]
    else:
        assert f"^FD{code}^FS" in answer.get_data(as_text=True)


def test_the_take_home_sheet_reads_lower_case_codes(unit):
    parent = unit["parent"]
    codes = expect(parent.post("/infants/INF100/reserved-labels", {"count": 2}), 201)["codes"]
    answer = parent.get(
        "/infants/INF100/reserved-labels.pdf?codes=" + ",".join(lower(code) for code in codes)
    )
    assert answer.status_code == 200
    assert sorted(decode(render(answer.data))) == sorted(codes)


def test_a_parent_still_cannot_reach_another_familys_bottle_in_lower_case(unit):
    others = receive_milk(unit["nurse"], "INF200")
    refused = unit["parent"].get(f"/containers/{lower(others['code'])}")
    assert refused.status_code == 404
    assert b"Okafor" not in refused.data
