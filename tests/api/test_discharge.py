"""Discharge: expired milk and donor milk are never sent home. Returning them is refused and
changes nothing; the family's list, in the API and its PDF, says what becomes of each."""

from __future__ import annotations

import re

from tests.api.conftest import ago, donor_milk, expect, receive_milk, snapshot
from tests.unit.printing.readback import pdfium_text

EXPIRED = "EXPIRED: will be discarded"
DONOR = "DONOR MILK: stays with the hospital"


def test_return_refuses_expired_milk_and_donor_milk_and_changes_nothing(unit):
    nurse = unit["nurse"]
    expired = receive_milk(nurse, "INF200", expressed_at=ago(days=3))  # fridge: 48 h
    donor = donor_milk(nurse)
    before = snapshot()
    refused = expect(nurse.post(f"/containers/{expired['code']}/return", {}), 409, "EXPIRED")
    assert "never sent home" in refused["error"]["message"]
    assert "Discard it" in refused["error"]["message"]
    refused = expect(nurse.post(f"/containers/{donor['code']}/return"), 409, "DONOR_MILK")
    assert "milk bank" in refused["error"]["message"]
    assert snapshot() == before
    # Discarding them is what the unit does instead.
    assert (
        expect(nurse.post(f"/containers/{expired['code']}/discard", {"reason": "Expired"}), 200)[
            "state"
        ]
        == "discarded"
    )


def test_the_discharge_list_marks_what_does_not_go_home(unit):
    nurse = unit["nurse"]
    in_date = receive_milk(nurse, "INF200")
    expired = receive_milk(nurse, "INF200", expressed_at=ago(days=3))
    donor = donor_milk(nurse)
    out = expect(nurse.post("/infants/INF200/discharge", {}), 200)
    marks = {c["code"]: (c["returnable"], c["discharge_note"]) for c in out["return_to_family"]}
    assert marks == {in_date["code"]: (True, None), expired["code"]: (False, EXPIRED)}
    [dhm] = out["donor_milk"]
    assert (dhm["code"], dhm["returnable"], dhm["discharge_note"]) == (donor["code"], False, DONOR)
    # The family's list says the same, to the parent too.
    listed = expect(unit["twins_parent"].get("/infants/INF200/take-home"), 200)["containers"]
    assert {c["code"]: c["discharge_note"] for c in listed} == {
        in_date["code"]: None,
        expired["code"]: EXPIRED,
    }
    # Then the bottle in date goes home, and the expired one cannot.
    expect(nurse.post(f"/containers/{in_date['code']}/return", {}), 200)
    expect(nurse.post(f"/containers/{expired['code']}/return", {}), 409, "EXPIRED")


def test_the_family_pdf_says_expired_bottles_will_be_discarded(unit):
    nurse = unit["nurse"]
    in_date = receive_milk(nurse, "INF200")
    expired = receive_milk(nurse, "INF200", expressed_at=ago(days=3))
    donor = donor_milk(nurse)
    expect(nurse.post("/infants/INF200/discharge", {}), 200)
    answer = unit["charge_nurse"].get("/infants/INF200/discharge.pdf")
    assert answer.status_code == 200
    lines = pdfium_text(answer.data).splitlines()

    def row_of(code: str) -> str:
        """The table row of this bottle: its line and the wrapped lines under it."""
        [start] = [index for index, line in enumerate(lines) if code in line]
        end = next(
            (
                index
                for index in range(start + 1, len(lines))
                if re.match(r"M\d{10} ", lines[index])
            ),
            len(lines),
        )
        return " ".join(lines[start:end])

    assert EXPIRED in row_of(expired["code"])
    assert DONOR in row_of(donor["code"])
    assert "Yes" in row_of(in_date["code"]) and "EXPIRED" not in row_of(in_date["code"])
    assert any("1 container to take home, 60 mL in all." in line for line in lines)
