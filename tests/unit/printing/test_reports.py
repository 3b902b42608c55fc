"""Report PDFs: a header on every page, header rows repeated, rows where a nurse can find them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from nicu_milk.codes import container_code
from nicu_milk.printing import (
    DischargeRow,
    ExpiryRow,
    InventoryRow,
    NearMissRow,
    discharge_report_pdf,
    expiry_report_pdf,
    inventory_report_pdf,
    near_miss_report_pdf,
)

from .readback import page_count, render, squash, text
from .samples import MOMENT, MOMENT_TEXT

UNIT = "NICU 4 West"
PLACES = [("Fridge 1", "A"), ("Fridge 1", "B"), ("Freezer −20 °C", None), ("Deep freezer", "3")]
NAMES = [
    "Smith, Olivia",
    "Nguyễn, Thị Ánh",
    "王, 小明",
    "Иванов, Иван",
    "Featherstonehaugh-Montgomery, Baby Girl Anastasia Maximiliana",
]


def expiry_rows(count: int, hours: float, start: int = 1) -> list[ExpiryRow]:
    rows = []
    for index in range(count):
        unit, shelf = PLACES[index % len(PLACES)]
        rows.append(
            ExpiryRow(
                code=container_code(start + index),
                infant_name=NAMES[index % len(NAMES)],
                infant_mrn=f"{10_000_000 + index}",
                state=("fresh", "frozen", "thawed")[index % 3],
                expires_at=MOMENT + timedelta(hours=hours, minutes=index),
                expiry_reason="thawed 14:05, +24 h",
                storage_unit=unit,
                shelf=shelf,
                volume_ml=60,
            )
        )
    return rows


def check_every_page(pdf: bytes, title: str) -> int:
    pages = page_count(pdf)
    for number in range(pages):
        words = text(pdf, number)
        assert UNIT in words and title in words
        assert f"Generated {MOMENT_TEXT}" in words
        assert f"Page {number + 1} of {pages}" in words
    image = render(pdf, 0)
    assert image.size == pytest.approx((2550, 3300), abs=1)  # US Letter at 300 dpi
    assert image.getextrema()[0] < 50  # something was drawn
    return pages


def test_the_expiry_report_groups_rows_for_pulling(zone):
    expired = expiry_rows(12, hours=-5)
    expiring = expiry_rows(8, hours=3, start=100)
    pdf = expiry_report_pdf(expired, expiring, 6, UNIT, MOMENT, zone)
    check_every_page(pdf, "Expiry report")
    words = text(pdf)
    assert words.index("Expired: pull and discard (12)") < words.index(
        "Expiring within 6 h: use first (8)"
    )
    captions = re.findall(r"^(.+ · (?:shelf \w+|no shelf)) \(\d+ containers\)$", words, re.M)
    expired_captions = captions[:4]
    assert expired_captions == sorted(expired_captions)
    assert "Freezer −20 °C · no shelf" in captions
    flat = squash(words)
    for row in expired + expiring:
        assert row.code in words
        assert squash(row.infant_name) in flat and row.infant_mrn in words
        assert row.state.upper() in words
    assert "28 Nov 2026 09:05 CST" in words  # the first expired row, 5 h before 14:05 CST


def test_a_long_expiry_report_repeats_its_header_row_on_every_page(zone):
    expired = [
        row
        for row in expiry_rows(400, hours=-30)
        if row.storage_unit == "Fridge 1" and row.shelf == "A"
    ]  # one group long enough to run over several pages
    pdf = expiry_report_pdf(expired, [], 4, UNIT, MOMENT, zone)
    pages = check_every_page(pdf, "Expiry report")
    assert pages >= 3
    for number in range(pages):
        words = text(pdf, number)
        assert "Baby MRN Code State Expires Reason Volume" in " ".join(words.split())
        assert "Fridge 1 · shelf A (100 containers)" in words


def test_an_empty_expiry_report_says_none(zone):
    pdf = expiry_report_pdf([], [], 4, UNIT, MOMENT, zone)
    assert text(pdf).count("None.") == 2


def test_the_inventory_report_shows_supply_per_baby(zone):
    rows = [
        InventoryRow(
            "Smith, Olivia",
            "10234567",
            {"fresh": 120, "frozen": 900.5, "thawed": 60},
            240,
            4.5,
            False,
        ),
        InventoryRow("王, 小明", "10234568", {"frozen": 30}, None, None, True),
    ]
    pdf = inventory_report_pdf(rows, UNIT, MOMENT, zone)
    check_every_page(pdf, "Inventory by baby")
    words = text(pdf)
    flowing = " ".join(words.split())
    assert "Smith, Olivia 10234567 120 900.5 60 1080.5 240 4.5 ok" in flowing
    assert "10234568 0 30 0 30 – – LOW" in flowing
    assert "王, 小明" in words and "2 babies with milk in the unit; 1 low on supply" in words


def test_the_near_miss_report_counts_by_reason_and_lists_each(zone):
    rows = [
        NearMissRow(
            MOMENT - timedelta(hours=index),
            f"nurse{index % 3}",
            "stop" if index % 2 else "warn",
            ("WRONG_INFANT",) if index % 2 else ("SIBLING", "EXPIRES_SOON"),
            f"MRN{index}",
            container_code(index + 1),
        )
        for index in range(70)
    ]
    counts = {"WRONG_INFANT": 35, "SIBLING": 35, "EXPIRES_SOON": 35}
    pdf = near_miss_report_pdf(counts, rows, MOMENT - timedelta(days=7), MOMENT, UNIT, MOMENT, zone)
    pages = check_every_page(pdf, "Near misses")
    assert pages >= 2
    words = text(pdf)
    assert "From 21 Nov 2026 14:05 CST to 28 Nov 2026 14:05 CST. 70 attempts." in words
    flowing = " ".join(words.split())
    assert "Reason Count EXPIRES_SOON 35 SIBLING 35 WRONG_INFANT 35" in flowing
    for row in rows:
        assert row.container_code in words
    for number in range(pages):
        assert "Time Nurse Verdict Reasons" in " ".join(text(pdf, number).split())
    open_ended = near_miss_report_pdf({}, [], None, None, UNIT, MOMENT, zone)
    assert "From the first record to now. 0 attempts." in text(open_ended)


def test_the_discharge_report_lists_the_milk_to_send_home(zone):
    rows = [
        DischargeRow(
            container_code(index + 1),
            "frozen",
            90,
            MOMENT - timedelta(days=3),
            MOMENT + timedelta(days=60),
            "Freezer −20 °C · shelf B",
        )
        for index in range(5)
    ]
    rows.append(DischargeRow(container_code(99), "fresh", 30.5, None, None, "Fridge 1"))
    rows.append(
        DischargeRow(
            container_code(100),
            "fresh",
            40,
            MOMENT - timedelta(days=3),
            MOMENT - timedelta(days=1),
            "Fridge 1",
            note="EXPIRED: will be discarded",
        )
    )
    rows.append(
        DischargeRow(
            container_code(101),
            "frozen",
            100,
            None,
            MOMENT + timedelta(days=9),
            "Freezer",
            note="DONOR MILK: stays with the hospital",
        )
    )
    pdf = discharge_report_pdf("Nguyễn, Thị Ánh", "10234567", rows, UNIT, MOMENT, zone)
    check_every_page(pdf, "Discharge")
    words = text(pdf)
    assert "Nguyễn, Thị Ánh · MRN 10234567" in words
    # Only what goes home counts; what stays says why, beside its code.
    assert "6 containers to take home, 480.5 mL in all." in words
    assert "2 containers stay in the unit" in words
    for row in rows:
        assert row.code in words
    lines = words.splitlines()
    expired = next(i for i, line in enumerate(lines) if container_code(100) in line)
    assert "EXPIRED: will be discarded" in " ".join(lines[expired : expired + 8])
    assert "DONOR MILK: stays with the hospital" in " ".join(words.split())
    assert "25 Nov 2026 14:05 CST" in words and "27 Jan 2027 14:05 CST" in words
    assert "Received by (family)" in words


def test_reports_take_a4_and_refuse_naive_times(zone):
    pdf = inventory_report_pdf([], UNIT, MOMENT, zone, page_size="a4")
    assert render(pdf).size == pytest.approx((2480, 3508), abs=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        inventory_report_pdf([], UNIT, MOMENT.replace(tzinfo=None), zone)
