"""Every label, whatever is on it: the whole matrix of name length, NAME ALERT, donor milk,
fortified, colostrum and medications on every stock, each read back (its text by two PDF
readers, its Code 128 from a 300 dpi image). Nothing is ever cut or left out: when the usual
stock is full the label gives way in the order labels/README.md gives, down to a stated floor,
and then prints whole on the unit's wider stock."""

from __future__ import annotations

import itertools

import pytest

from nicu_milk.codes import container_code
from nicu_milk.printing import (
    LabelTooSmall,
    TakeHomeLabel,
    label_pdf,
    label_zpl,
    reserved_sheet_pdf,
    sheet_stock_for,
    stock_for,
    wider_stock_problem,
)
from nicu_milk.printing.compose import (
    CONDENSED,
    LONGEST_NAME,
    MEDS_SEE_RECORD,
    NAME_LINES,
    container_plan,
    sheet_label_plan,
)

from .readback import decode, pdfium_text, render, squash, text
from .samples import MOMENT, MOMENT_TEXT, content

USUAL = ("thermal-2x1-203dpi", "thermal-2x1-300dpi")
WIDER = "thermal-3x1.5-203dpi"
SHEETS = ("sheet-letter-30", "sheet-a4")
WIDER_SHEET = "sheet-letter-10"
# The issue's worst case: 74 characters, printed "Wolfeschlegel…-Featherstonehaugh, Anastasia-…".
ISSUE_NAME = ("Anastasia-Magdalena", "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh")
NAMES = {
    "short": ("Ava", "Nguyen"),
    "twin": ("Baby Girl B", "Featherstonehaugh"),
    "74 characters": ISSUE_NAME,
    "longest realistic": (
        "Anastasia Magdalena Wilhelmina Konstantina Maximiliana Bartholomea Ottilie Johanna",
        "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh-Montmorency de la Tour Smith",
    ),
    "longest accepted": LONGEST_NAME,
}
MRN = "MRN-0012345678"
MEDICATIONS = "sertraline 50 mg daily; ibuprofen 400 mg as needed; levothyroxine 75 mcg"
FLAGS = list(itertools.product((False, True), repeat=5))  # alert, donor, fortified, colostrum, meds


def label_for(name, alert, donor, fortified, colostrum, meds):
    first, last = name
    return content(
        infant_first_name=first,
        infant_last_name=last,
        name_alert=alert,
        state="thawed",
        milk_type="DHM" if donor else "MOM",
        donor_lot="LOT-2026-11-0042" if donor else None,
        donor_product_code="M0001" if donor else None,
        fortifier="Similac HMF" if fortified else None,
        kcal_per_oz=24 if fortified else None,
        colostrum=colostrum,
        medications=MEDICATIONS if meds else None,
    )


def assert_reads_back(pdf: bytes, label, plan) -> None:
    """The label's every field is there, by two text readers, and its barcode decodes."""
    assert decode(render(pdf)) == [label.code]
    for words in (squash(text(pdf)), squash(pdfium_text(pdf))):
        expected = [
            label.full_name,
            f"MRN {label.infant_mrn}",
            label.milk_type,
            f"Exp {MOMENT_TEXT}",
            f"Pumped {MOMENT_TEXT}",
            "60 mL",
            "FOR ENTERAL USE ONLY",
            label.code,
        ]
        if label.name_alert:
            expected.append("NAME ALERT")
        if label.milk_type == "DHM":
            expected.append(f"Lot {label.donor_lot}")
        if label.fortifier:
            expected += ["FORTIFIED", f"Fortifier {label.fortifier}", "24 kcal/oz"]
        if label.colostrum:
            expected.append("COLOSTRUM")
        if label.medications:
            # The medications never vanish: in full, or the pointer to the record.
            expected.append(
                f"MEDS: {label.medications}" if plan.medications == "in full" else MEDS_SEE_RECORD
            )
        for field in expected:
            assert squash(field) in words, field


@pytest.mark.parametrize("usual_name", USUAL)
@pytest.mark.parametrize("name_key", list(NAMES))
def test_every_label_prints_whole_on_the_usual_or_the_wider_stock(
    layouts, zone, usual_name, name_key
):
    usual, wider = layouts[usual_name], layouts[WIDER]
    for flags in FLAGS:
        label = label_for(NAMES[name_key], *flags)
        layout = stock_for(label, usual, wider, zone)
        plan = container_plan(label, layout, zone)
        if layout is usual:
            # The floor on the usual stock: nothing smaller, narrower or broken than this.
            assert plan.name_size >= usual.text.name_min and plan.body_size >= usual.text.body_min
            assert plan.name_scale >= CONDENSED[-1] and not plan.name_broken
            assert len(plan.name_lines) <= NAME_LINES
        assert squash("".join(plan.name_lines)) == squash(label.full_name)
        assert_reads_back(label_pdf(label, layout, zone), label, plan)


@pytest.mark.parametrize("name_key", list(NAMES))
def test_the_wider_stock_takes_every_label_itself(layouts, zone, name_key):
    wider = layouts[WIDER]
    for flags in FLAGS:
        label = label_for(NAMES[name_key], *flags)
        plan = container_plan(label, wider, zone)
        assert_reads_back(label_pdf(label, wider, zone), label, plan)


def test_what_goes_to_the_wider_stock(layouts, zone):
    """Which labels leave the 2 x 1 in stock: the issue's worst case with everything, and names
    no real family has; a short or twin's name never does."""
    usual, wider = layouts["thermal-2x1-203dpi"], layouts[WIDER]
    moved = {
        key: [
            flags
            for flags in FLAGS
            if stock_for(label_for(NAMES[key], *flags), usual, wider, zone) is wider
        ]
        for key in NAMES
    }
    assert moved["short"] == [] and moved["twin"] == []
    everything = (True, True, True, True, True)
    assert everything in moved["74 characters"]
    # The 74 characters leave 2 x 1 in only with a fortifier, medications and two more of NAME
    # ALERT, donor milk and colostrum: 4 of the 32 combinations.
    assert len(moved["74 characters"]) == 4
    for alert, donor, fortified, colostrum, meds in moved["74 characters"]:
        assert fortified and meds and alert + donor + colostrum >= 2
    assert moved["longest accepted"] == FLAGS


def test_the_issues_name_condenses_on_two_lines_rather_than_shrinking_below_the_floor(
    layouts, zone
):
    layout = layouts["thermal-2x1-203dpi"]
    plan = container_plan(label_for(ISSUE_NAME, *(False,) * 5), layout, zone, last_resort=False)
    assert plan.name_lines == (
        "Wolfeschlegelsteinhausenbergerdorff-",
        "Featherstonehaugh, Anastasia-Magdalena",
    )
    assert plan.name_scale == CONDENSED[0] and plan.name_size >= layout.text.name_min
    with pytest.raises(LabelTooSmall, match="condensed to 75%"):
        container_plan(label_for(ISSUE_NAME, *(True,) * 5), layout, zone, last_resort=False)


def test_the_order_in_which_a_full_label_gives_way(layouts, zone):
    """Banner before medications: NAME ALERT moves into the text so that the medications stay
    in full; only when that is not enough do they become MEDS: see record."""
    layout = layouts["thermal-2x1-203dpi"]
    twin = NAMES["twin"]
    roomy = container_plan(label_for(twin, True, False, False, False, False), layout, zone)
    assert (roomy.name_alert, roomy.medications) == ("banner", None)
    moved = container_plan(label_for(twin, True, False, False, False, True), layout, zone)
    assert (moved.name_alert, moved.medications) == ("in text", "in full")
    pointer = container_plan(label_for(twin, True, True, True, True, True), layout, zone)
    assert pointer.medications == "see record"
    # With room to spare, the text shrinks a little rather than the medications giving way.
    plain = container_plan(
        label_for(NAMES["short"], False, False, False, False, True), layout, zone
    )
    assert (plain.medications, plain.name_scale) == ("in full", 1.0)
    assert layout.text.body_min <= plain.body_size < layout.text.body


def test_the_shipped_wider_stocks_take_the_longest_name_and_the_usual_ones_do_not(layouts):
    assert wider_stock_problem(layouts[WIDER]) is None
    assert wider_stock_problem(layouts[WIDER_SHEET]) is None
    for usual in (*USUAL, *SHEETS):
        assert "longest name" in wider_stock_problem(layouts[usual])


def test_a_condensed_name_is_condensed_in_the_zpl_too(layouts, zone):
    layout = layouts["thermal-2x1-203dpi"]
    label = label_for(ISSUE_NAME, *(False,) * 5)
    zpl = label_zpl(label, layout, zone)
    plan = container_plan(label, layout, zone)
    height = layout.dots(plan.name_size)
    width = round(height * plan.name_scale)
    assert width < height
    for line in plan.name_lines:
        assert f"^A0N,{height},{width}^FH^FD{line}^FS" in zpl


# The names whose labels leave each usual sheet for the wider one: on 1 in tall labels the
# write-in rules leave room for two lines of name.
LEAVE_SHEET = {
    "sheet-letter-30": {"74 characters", "longest realistic", "longest accepted"},
    "sheet-a4": {"longest realistic", "longest accepted"},
}


def take_home_labels() -> list[TakeHomeLabel]:
    """Blank and filled-in labels: with and without a pump time and volume, colostrum and
    medications."""
    return [
        TakeHomeLabel(
            code=container_code(serial),
            expressed_at=MOMENT if given else None,
            volume_ml=45 if given else None,
            colostrum=colostrum,
            medications=MEDICATIONS if meds else None,
        )
        for serial, (given, colostrum, meds) in enumerate(
            itertools.product((False, True), repeat=3), start=1
        )
    ]


def assert_sheet_reads_back(pdf: bytes, labels, name: str, layout, zone) -> None:
    assert sorted(decode(render(pdf))) == sorted(label.code for label in labels)
    # The header names the baby once; each label names it again.
    assert squash(pdfium_text(pdf)).count(squash(name)) == len(labels) + 1
    for label in labels:
        plan = sheet_label_plan(label, name, MRN, layout, zone)
        words = squash(" ".join(item.text for item in plan.items if hasattr(item, "text")))
        assert squash(name) in words and squash(f"MRN {MRN}") in words
        if label.expressed_at:
            assert squash(f"Pumped {MOMENT_TEXT}") in words and "45mL" in words
            assert "Pumped:date" not in words
        else:
            assert "Pumped:date" in words
        assert ("COLOSTRUM" in words) == label.colostrum
        if label.medications:
            assert (squash(f"MEDS: {MEDICATIONS}") in words) == (plan.medications == "in full")
            assert (squash(MEDS_SEE_RECORD) in words) == (plan.medications == "see record")
        else:
            assert "Meds:" in words


@pytest.mark.parametrize("usual_name", SHEETS)
@pytest.mark.parametrize("name_key", list(NAMES))
def test_every_take_home_label_prints_whole_on_the_usual_or_the_wider_sheet(
    layouts, zone, usual_name, name_key
):
    """A parent's labels, blank or filled in at drop-off, with every name: whole, each field
    or its blank there, the medications in full or as MEDS: see record."""
    usual, wider = layouts[usual_name], layouts[WIDER_SHEET]
    name = label_for(NAMES[name_key], *(False,) * 5).full_name
    labels = take_home_labels()
    layout = sheet_stock_for(labels, name, MRN, usual, wider, zone)
    if layout is usual:
        for label in labels:
            plan = sheet_label_plan(label, name, MRN, layout, zone)
            assert plan.name_size >= usual.text.name_min and plan.body_size >= usual.text.body_min
            assert plan.name_scale >= CONDENSED[-1] and not plan.name_broken
    assert (layout is wider) == (name_key in LEAVE_SHEET[usual_name])
    pdf = reserved_sheet_pdf(labels, name, MRN, layout, zone, MOMENT)
    assert_sheet_reads_back(pdf, labels, name, layout, zone)


@pytest.mark.parametrize("name_key", list(NAMES))
def test_the_wider_sheet_takes_every_take_home_label_itself(layouts, zone, name_key):
    layout = layouts[WIDER_SHEET]
    name = label_for(NAMES[name_key], *(False,) * 5).full_name
    labels = take_home_labels()
    pdf = reserved_sheet_pdf(labels, name, MRN, layout, zone, MOMENT)
    assert_sheet_reads_back(pdf, labels, name, layout, zone)
