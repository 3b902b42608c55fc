"""Parents' take-home sheets: every label's Code 128 reads back as its own code."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nicu_milk.codes import container_code
from nicu_milk.printing import LabelTooSmall, reserved_sheet_pdf

from .readback import crop_points, decode, page_count, render, squash, text
from .samples import MOMENT, MOMENT_TEXT
from .test_labels import names

NAME = "Featherstonehaugh, Baby Girl B"
MRN = "MRN-0012345678"


def _codes(count: int, start: int = 1) -> list[str]:
    return [container_code(serial) for serial in range(start, start + count)]


def _decoded_cells(pdf: bytes, layout, page: int) -> list[list[str]]:
    """The Code 128 texts found in each label cell of one page, cell by cell."""
    image = render(pdf, page)
    grid = layout.grid
    found = []
    for index in range(grid.per_sheet):
        left, top = grid.cell(index)
        found.append(decode(crop_points(image, left, top, grid.label_width, grid.label_height)))
    return found


@pytest.mark.parametrize("layout_name", ["sheet-letter-30", "sheet-a4"])
def test_every_label_on_a_full_sheet_reads_back(layouts, zone, layout_name):
    layout = layouts[layout_name]
    codes = _codes(layout.grid.per_sheet, start=4711)
    pdf = reserved_sheet_pdf(codes, NAME, MRN, layout, zone, MOMENT)
    assert page_count(pdf) == 1
    assert sorted(decode(render(pdf))) == sorted(codes)  # the whole page at once
    assert _decoded_cells(pdf, layout, 0) == [[code] for code in codes]  # each in its place
    words = text(pdf)
    assert words.count("Pumped: date") == len(codes)
    assert words.count("Meds:") == len(codes)
    assert squash(words).count(squash(NAME)) >= len(codes)
    assert words.count(f"MRN {MRN}") >= len(codes)
    assert MOMENT_TEXT in words  # the header says when the sheet was printed


def test_more_codes_than_a_sheet_holds_take_more_pages(layouts, zone):
    layout = layouts["sheet-letter-30"]
    codes = _codes(33)
    pdf = reserved_sheet_pdf(codes, NAME, MRN, layout, zone, MOMENT)
    assert page_count(pdf) == 2
    second = _decoded_cells(pdf, layout, 1)
    assert second[:3] == [[code] for code in codes[30:]]
    assert second[3:] == [[]] * 27
    assert "sheet 2 of 2" in text(pdf, 1)


def test_a_sheet_is_refused_for_thermal_stock_or_no_codes(layouts, zone):
    with pytest.raises(ValueError, match="sheet layout"):
        reserved_sheet_pdf(_codes(1), NAME, MRN, layouts["thermal-2x1-203dpi"], zone, MOMENT)
    with pytest.raises(ValueError, match="at least one"):
        reserved_sheet_pdf([], NAME, MRN, layouts["sheet-a4"], zone, MOMENT)


def test_a_long_name_wraps_on_the_sheet_too(layouts, zone):
    name = "Featherstonehaugh-Montgomery, Baby Girl Anastasia"
    layout = layouts["sheet-letter-30"]
    pdf = reserved_sheet_pdf(_codes(3), name, MRN, layout, zone, MOMENT)
    assert squash(text(pdf)).count(squash(name)) >= 3
    assert _decoded_cells(pdf, layout, 0)[:3] == [[code] for code in _codes(3)]
    # Past the floor on this stock (its last resort off), the wider sheet takes it.
    with pytest.raises(LabelTooSmall, match="condensed to 75%"):
        reserved_sheet_pdf(_codes(1), name * 3, MRN, layout, zone, MOMENT, last_resort=False)
    wider = reserved_sheet_pdf(_codes(1), name * 3, MRN, layouts["sheet-letter-10"], zone, MOMENT)
    assert squash(text(wider)).count(squash(name * 3)) >= 1


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=names,
    last=names,
    start=st.integers(min_value=1, max_value=99_999_000),
    layout_name=st.sampled_from(["sheet-letter-30", "sheet-a4"]),
)
def test_any_name_and_codes_read_back_on_all_labels(layouts, zone, first, last, start, layout_name):
    layout = layouts[layout_name]
    name = f"{last}, {first}"
    codes = _codes(layout.grid.per_sheet, start)
    pdf = reserved_sheet_pdf(codes, name, MRN, layout, zone, MOMENT)
    assert _decoded_cells(pdf, layout, 0) == [[code] for code in codes]
    assert squash(text(pdf)).count(squash(name)) >= len(codes)
