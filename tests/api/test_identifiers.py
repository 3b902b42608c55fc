"""Identifiers, names and dates that would break labels, files or a nurse's eye are refused, and
a printout's file name can never break the answer (nor record anything when the answer fails)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from nicu_milk.extensions import db
from nicu_milk.identifiers import identifier_problem, name_problem
from nicu_milk.models import ContainerEvent, Infant, Mother
from nicu_milk.names import infant_search_name
from tests.api.conftest import ago, expect, snapshot

# INF100 and INF200 of the API's unit were born on this day.
BABY_DOB = dt.date(2026, 11, 20)
BABY = {
    "mrn": "INF600",
    "first_name": "Ana",
    "last_name": "Silva",
    "date_of_birth": "2026-11-27",
    "mother": {"mrn": "MOM600", "first_name": "Rita", "last_name": "Silva"},
}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("7000101", None),
        ("INF-1.a", None),
        ("7000\u200b101", "U+200B ZERO WIDTH SPACE"),
        ("7000\u2060101", "U+2060 WORD JOINER"),
        ("\ufeff7000101", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("7000\r\n101", "control character"),
        ("7000 101", "must not contain spaces"),
        ("7000/101", "A-Z a-z 0-9 - ."),
        ("70001é", "A-Z a-z 0-9 - ."),
        ("x" * 64, None),
        ("x" * 65, "longer than 64"),
        ("", "empty"),
    ],
)
def test_the_identifier_rule(text, problem):
    found = identifier_problem(text)
    assert (found is None) == (problem is None), found
    if problem:
        assert problem in found


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Ava", None),
        ("Zoë", None),
        ("O'Brien-Núñez", None),
        ("李", None),
        ("Mary Jane", None),
        ("Baby 2", None),
        ("\u200b\u200b\u200b", "U+200B ZERO WIDTH SPACE"),
        ("A\u200dva", "U+200D ZERO WIDTH JOINER"),
        ("Ava\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("\u3164", "U+3164 HANGUL FILLER"),
        ("123", "needs at least one letter"),
        ("½", "needs at least one letter"),
        ("-- .", "needs at least one letter"),
        (" Ava", "begin or end with a space"),
        ("Ava\tB", "control character"),
        ("Ava\u2028B", "line breaks"),
        ("A" * 101, "longer than 100"),
    ],
)
def test_the_name_rule(text, problem):
    found = name_problem(text)
    assert (found is None) == (problem is None), found
    if problem:
        assert problem in found


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"mrn": "7000\u200b101"}, "U+200B"),
        ({"mrn": "7000\r\n101"}, "control character"),
        ({"mrn": "INF 600"}, "must not contain spaces"),
        ({"mrn": "INFé600"}, "A-Z a-z 0-9 - ."),
        ({"mother": {**BABY["mother"], "mrn": "MOM\u2060600"}}, "U+2060"),
        ({"wristband_code": "WB\u200c1"}, "U+200C"),
        ({"first_name": "\u200b\u200b"}, "invisible character"),
        ({"last_name": "\u2063"}, "invisible character"),
        ({"first_name": "42"}, "needs at least one letter"),
        ({"mother": {**BABY["mother"], "last_name": "\u200b"}}, "invisible character"),
        ({"first_name": "Ana "}, "begin or end with a space"),
    ],
)
def test_invisible_and_letterless_values_are_refused_at_admission(unit, change, says):
    before = snapshot()
    refused = expect(unit["nurse"].post("/infants", {**BABY, **change}), 400, "INVALID_INPUT")
    assert says in refused["error"]["message"], refused
    assert snapshot() == before


def test_dates_of_birth_must_be_plausible_for_a_nicu(unit):
    nurse = unit["nurse"]
    before = snapshot()
    for dob in ("0001-01-01", "1899-12-31", "3000-01-01"):
        expect(nurse.post("/infants", {**BABY, "date_of_birth": dob}), 400, "INVALID_INPUT")
    for dob in ("1990-05-05", "2024-01-01"):
        refused = expect(
            nurse.post("/infants", {**BABY, "date_of_birth": dob}), 400, "INVALID_DATE_OF_BIRTH"
        )
        assert "at most 731 days old" in refused["error"]["message"]
    expect(
        nurse.post("/infants", {**BABY, "date_of_birth": "2999-01-01"}),
        400,
        "INVALID_DATE_OF_BIRTH",
    )
    assert snapshot() == before
    expect(nurse.post("/infants", BABY), 201)


def test_milk_expressed_in_1900_or_long_before_the_birth_is_refused(unit):
    nurse = unit["nurse"]
    body = {"infant_mrn": "INF100", "volume_ml": 30, "milk_type": "MOM", "location_code": "DF1"}
    before = snapshot()
    for when in ("1900-01-01T00:00:00Z", "1899-01-01T00:00:00Z"):
        expect(nurse.post("/containers", {**body, "expressed_at": when}), 400)
    refused = expect(
        nurse.post("/containers", {**body, "expressed_at": "2025-06-01T00:00:00Z"}),
        400,
        "IMPLAUSIBLE_TIME",
    )
    assert "2026-09-11" in refused["error"]["message"]  # 10 weeks before 2026-11-20
    # Donor milk is pumped long before the baby's birth, but not years ago.
    dhm = {
        **body,
        "infant_mrn": "INF200",
        "milk_type": "DHM",
        "donor_lot": "LOT-1",
        "donor_expires_at": "2027-06-01T00:00:00Z",
    }
    refused = expect(
        nurse.post("/containers", {**dhm, "expressed_at": "2020-06-01T00:00:00Z"}),
        400,
        "IMPLAUSIBLE_TIME",
    )
    assert "731 days ago" in refused["error"]["message"]
    assert snapshot() == before
    # Antenatal colostrum, a few weeks before the birth, is valid (domain.md).
    expect(
        nurse.post(
            "/containers", {**body, "expressed_at": "2026-10-20T12:00:00Z", "colostrum": True}
        ),
        201,
    )
    expect(nurse.post("/containers", {**dhm, "expressed_at": "2026-06-01T00:00:00Z"}), 201)


@pytest.mark.parametrize("lot", ["LOT 1", "LOT\u200b1", "LOT\n1", "LÖT1", "L" * 65])
def test_donor_lots_follow_the_identifier_rule(unit, lot):
    before = snapshot()
    expect(
        unit["nurse"].post(
            "/containers",
            {
                "infant_mrn": "INF200",
                "expressed_at": ago(hours=3),
                "volume_ml": 30,
                "milk_type": "DHM",
                "location_code": "FR1",
                "donor_lot": lot,
                "donor_expires_at": "2027-06-01T00:00:00Z",
            },
        ),
        400,
        "INVALID_INPUT",
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("FR 9", "Fridge"),
        ("FR\u200b9", "Fridge"),
        ("FR/9", "Fridge"),
        ("FR9", "\u200b"),
        ("FR9", "9"),
    ],
)
def test_location_codes_and_names(unit, code, name):
    before = snapshot()
    expect(
        unit["admin"].post("/locations", {"code": code, "name": name, "kind": "room"}),
        400,
        "INVALID_INPUT",
    )
    assert snapshot() == before


def test_the_services_refuse_what_the_edge_would(app, unit):
    """The same rules hold for callers that do not come through the API's schemas."""
    from nicu_milk.errors import InvalidInput
    from nicu_milk.services import families, storage

    with pytest.raises(InvalidInput, match="U\\+200B"):
        storage.create_location(db.session, "FR\u200b9", "Fridge", "room", None)
    with pytest.raises(InvalidInput, match="needs at least one letter"):
        families.admit_infant(
            db.session,
            mrn="INF700",
            first_name="7",
            last_name="Silva",
            date_of_birth=BABY_DOB,
            mother_mrn="MOM700",
            mother_first_name="Rita",
            mother_last_name="Silva",
            donor_milk_consent=False,
            wristband_code=None,
            daily_volume_ml=None,
            today=BABY_DOB,
        )
    db.session.rollback()


# --- file names, and nothing recorded before the answer is ready ------------------------------


def _legacy_baby(mrn: str) -> Infant:
    """A baby admitted before the identifier rule, with an MRN that would break a header."""
    mother = Mother(mrn=f"M-{mrn}", first_name="Old", last_name="Record")
    baby = Infant(
        mrn=mrn,
        wristband_code=f"W-{mrn}",
        first_name="Ana",
        last_name="Record",
        search_name=infant_search_name("Ana", "Record"),
        date_of_birth=BABY_DOB,
        mother=mother,
    )
    db.session.add(baby)
    db.session.commit()
    return baby


def _header_safe(answer) -> None:
    for name, value in answer.headers.items():
        value.encode("latin-1")
        assert "\r" not in value and "\n" not in value, (name, value)


def _events(kind: str) -> int:
    db.session.commit()
    return db.session.scalar(
        select(func.count()).select_from(ContainerEvent).where(ContainerEvent.type == kind)
    )


def test_printouts_of_an_old_record_with_a_hostile_mrn_have_safe_file_names(unit):
    nurse = unit["nurse"]
    mrn = "7000\r\n101\u00e9\u6797"
    _legacy_baby(mrn)
    path = "/infants/7000%0D%0A101%C3%A9%E6%9E%97"
    answer = nurse.get(f"{path}/discharge.pdf")
    assert answer.status_code == 200, answer.get_json()
    _header_safe(answer)
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith("inline; filename=discharge-7000101_.pdf;")
    assert "filename*=UTF-8''discharge-7000101%C3%A9%E6%9E%97.pdf" in disposition
    expect(nurse.post(f"{path}/reserved-labels", {"count": 2}), 201)
    answer = nurse.get(f"{path}/reserved-labels.pdf")
    assert answer.status_code == 200, answer.get_json()
    _header_safe(answer)
    assert _events("label_printed") == 2


def test_nothing_is_recorded_when_the_printout_answer_fails(unit, monkeypatch):
    from nicu_milk.api import routes_printing

    nurse = unit["nurse"]
    expect(nurse.post("/infants/INF100/reserved-labels", {"count": 2}), 201)

    def broken(*args, **kwargs):
        raise RuntimeError("the answer could not be built")

    monkeypatch.setattr(routes_printing, "file_response", broken)
    answer = nurse.client.get(
        "/api/v1/infants/INF100/reserved-labels.pdf", headers=nurse._headers()
    )
    assert answer.status_code == 500
    assert answer.get_json()["request_id"] == answer.headers["X-Request-Id"]
    assert _events("label_printed") == 0
    monkeypatch.undo()
    assert nurse.get("/infants/INF100/reserved-labels.pdf").status_code == 200
    assert _events("label_printed") == 2


def test_nothing_is_recorded_when_a_page_printout_fails(app, unit, monkeypatch):
    from nicu_milk.web import access
    from tests.web.conftest import Pages

    nurse = unit["nurse"]
    code = expect(
        nurse.post(
            "/containers",
            {
                "infant_mrn": "INF100",
                "expressed_at": ago(hours=2),
                "volume_ml": 30,
                "milk_type": "MOM",
                "location_code": "FR1",
            },
        ),
        201,
    )["code"]
    browser = Pages(app.test_client())
    browser.sign_in("nina")

    def broken(*args, **kwargs):
        raise RuntimeError("the answer could not be built")

    monkeypatch.setattr(access, "file_response", broken)
    assert browser.get(f"/milk/c/{code}/label.pdf").status_code == 500
    assert _events("label_printed") == 0
    monkeypatch.undo()
    assert browser.get(f"/milk/c/{code}/label.pdf").status_code == 200
    assert _events("label_printed") == 1
