"""What labels carry, through the API and read back: a parent's drop-off labels print what the
parent entered; a very long name prints whole, on the unit's wider stock when it must, and
admission says so at once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tests.api.conftest import expect, later, receive_milk
from tests.unit.printing.readback import decode, pdfium_text, render, squash

CHICAGO = ZoneInfo("America/Chicago")  # TestConfig's unit zone
LONG_FIRST, LONG_LAST = (
    "Anastasia-Magdalena",
    "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh",
)


def _yesterday_at(hour: int, minute: int) -> dt.datetime:
    day = dt.datetime.now(CHICAGO).date() - dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=CHICAGO)


def test_drop_off_labels_carry_the_time_volume_and_colostrum_the_parent_entered(unit):
    parent = unit["parent"]
    evening, later_on = _yesterday_at(18, 30), _yesterday_at(20, 45)
    first = expect(
        parent.post(
            "/containers",
            {
                "infant_mrn": "INF100",
                "expressed_at": evening.isoformat(),
                "volume_ml": 60,
                "milk_type": "MOM",
            },
        ),
        201,
    )
    second = expect(
        parent.post(
            "/containers",
            {
                "infant_mrn": "INF100",
                "expressed_at": later_on.isoformat(),
                "volume_ml": 45,
                "milk_type": "MOM",
                "colostrum": True,
                "medications": "paracetamol 1 g",
            },
        ),
        201,
    )
    answer = parent.get(
        f"/infants/INF100/reserved-labels.pdf?codes={first['code']},{second['code']}"
    )
    assert answer.status_code == 200
    assert sorted(decode(render(answer.data))) == sorted([first["code"], second["code"]])
    words = pdfium_text(answer.data)
    one, two = words.index(first["code"]), words.index(second["code"])
    assert one < two
    label_one, label_two = words[one:two], words[two:]

    def stamp(moment: dt.datetime) -> str:  # as labels print it, on the unit's clock
        return moment.strftime("%d %b %Y %H:%M ") + moment.tzname()

    assert f"Pumped {stamp(evening)}" in label_one and "60 mL" in label_one
    assert "COLOSTRUM" not in label_one
    assert "Meds:" in label_one  # not given: a blank to write on
    assert f"Pumped {stamp(later_on)}" in label_two and "45 mL" in label_two
    assert "COLOSTRUM" in label_two and "MEDS: paracetamol 1 g" in label_two
    # Blanks only for what was not given: no pump-time blank on either label.
    assert "Pumped: date" not in words
    assert squash("Nguyen, Ava") in squash(label_one)


def test_a_blank_take_home_sheet_still_has_blanks(unit):
    parent = unit["parent"]
    codes = expect(parent.post("/infants/INF100/reserved-labels", {"count": 2}), 201)["codes"]
    words = pdfium_text(
        parent.get("/infants/INF100/reserved-labels.pdf?codes=" + ",".join(codes)).data
    )
    assert words.count("Pumped: date") == 2 and words.count("Meds:") == 2


def _admit_long_name(nurse) -> dict:
    return expect(
        nurse.post(
            "/infants",
            {
                "mrn": "INF777",
                "first_name": LONG_FIRST,
                "last_name": LONG_LAST,
                "date_of_birth": "2026-11-20",
                "donor_milk_consent": True,
                "mother": {"mrn": "MOM777", "first_name": "Maria", "last_name": LONG_LAST},
            },
        ),
        201,
    )


def test_admission_warns_at_once_when_a_name_needs_the_wider_stock(unit):
    nurse = unit["nurse"]
    baby = _admit_long_name(nurse)
    [warning] = baby["warnings"]
    assert warning["code"] == "WIDE_LABEL_STOCK"
    assert "3 x 1.5 in" in warning["message"] and "keep it loaded" in warning["message"]
    ordinary = expect(
        nurse.post(
            "/infants",
            {
                "mrn": "INF778",
                "first_name": "Baby Girl B",
                "last_name": "Featherstonehaugh",
                "date_of_birth": "2026-11-20",
                "mother": {"mrn": "MOM778", "first_name": "Jo", "last_name": "Featherstonehaugh"},
            },
        ),
        201,
    )
    assert ordinary["warnings"] == []


def test_a_very_long_name_prints_whole_never_refused(unit):
    nurse = unit["nurse"]
    _admit_long_name(nurse)
    printed_name = f"{LONG_LAST}, {LONG_FIRST}"
    # Fresh mother's milk: it fits the usual 2 x 1 in stock, the name condensed on two lines.
    plain = receive_milk(nurse, "INF777")
    answer = nurse.get(f"/containers/{plain['code']}/label.pdf")
    assert answer.status_code == 200
    assert render(answer.data).size == (600, 300)  # 2 x 1 in
    assert squash(printed_name) in squash(pdfium_text(answer.data))
    # Donor milk, colostrum, fortified, with medications: the wider stock, everything on it.
    full = receive_milk(
        nurse,
        "INF777",
        location="FR1",
        milk_type="DHM",
        donor_lot="LOT-9",
        donor_expires_at=later(days=30),
        colostrum=True,
        medications="sertraline 50 mg daily; ibuprofen 400 mg as needed",
    )
    expect(
        nurse.post(
            f"/containers/{full['code']}/fortify", {"product": "Similac HMF", "kcal_per_oz": 24}
        ),
        200,
    )
    expect(
        nurse.post(
            "/infants",
            {
                "mrn": "INF779",
                "first_name": "Anastasia",
                "last_name": LONG_LAST,
                "date_of_birth": "2026-11-20",
                "mother": {"mrn": "MOM779", "first_name": "Eva", "last_name": LONG_LAST},
            },
        ),
        201,
    )
    answer = nurse.get(f"/containers/{full['code']}/label.pdf")
    assert answer.status_code == 200
    image = render(answer.data)
    assert image.size == (900, 450)  # 3 x 1.5 in
    assert decode(image) == [full["code"]]
    words = squash(pdfium_text(answer.data))
    for field in (
        printed_name,
        "NAME ALERT",
        "DHM",
        "Lot LOT-9",
        "COLOSTRUM",
        "FORTIFIED",
        "24 kcal/oz",
        "MEDS: sertraline 50 mg daily; ibuprofen 400 mg as needed",
    ):
        assert squash(field) in words, field
    printed = expect(nurse.get(f"/containers/{full['code']}"), 200)["events"][-1]
    assert printed["details"]["output"] == "PDF, thermal-3x1.5-203dpi"
