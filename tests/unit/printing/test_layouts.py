"""Label layouts are data: the shipped stocks load, and every mistake names its file and field."""

from __future__ import annotations

import re

import pytest

from nicu_milk.printing import LayoutError, load_layouts
from nicu_milk.printing.layouts import MIL

from .samples import LABELS_DIR

THERMAL = (LABELS_DIR / "thermal-2x1-203dpi.toml").read_text()
SHEET = (LABELS_DIR / "sheet-letter-30.toml").read_text()


def test_the_shipped_stocks_load(layouts):
    assert set(layouts) == {
        "thermal-2x1-203dpi",
        "thermal-2x1-300dpi",
        "thermal-3x1.5-203dpi",
        "sheet-letter-30",
        "sheet-a4",
        "sheet-letter-10",
    }
    wider, wider_sheet = layouts["thermal-3x1.5-203dpi"], layouts["sheet-letter-10"]
    assert (wider.width, wider.height, wider.dpi) == pytest.approx((216, 108, 203))
    assert wider_sheet.grid.per_sheet == 10
    for name in ("thermal-2x1-203dpi", "thermal-2x1-300dpi"):
        layout = layouts[name]
        assert layout.kind == "thermal"
        assert (layout.width, layout.height) == pytest.approx((144, 72))
        assert layout.dots(layout.width) == {"203": 406, "300": 600}[name[-6:-3]]
    assert layouts["thermal-2x1-203dpi"].dpi == 203
    assert layouts["thermal-2x1-300dpi"].datamatrix.enabled
    letter, a4 = layouts["sheet-letter-30"], layouts["sheet-a4"]
    assert (letter.width, letter.height) == pytest.approx((612, 792))
    assert letter.grid.per_sheet == 30
    assert (a4.width, a4.height) == pytest.approx((595.28, 841.89), abs=0.01)
    assert a4.grid.per_sheet == 24


def test_every_stock_prints_code_128_at_10_mil_or_more(layouts):
    for layout in layouts.values():
        assert layout.code128.module >= 10 * MIL - 1e-9, layout.name
        assert layout.code128.quiet_zone >= 10, layout.name
        if layout.dpi:  # thermal bars are whole printer dots
            dots = layout.code128.module * layout.dpi / 72
            assert dots == pytest.approx(round(dots)), layout.name


def test_203_dpi_uses_3_dot_modules_because_2_dots_is_under_10_mil(layouts):
    layout = layouts["thermal-2x1-203dpi"]
    assert layout.dots(layout.code128.module) == 3
    assert 2 / 203 * 1000 < 10  # 9.85 mil


def test_a_new_stock_is_a_new_file(tmp_path):
    (tmp_path / "thermal-2.25x1.25-203dpi.toml").write_text(
        THERMAL.replace('width = "2 in"', 'width = "2.25 in"').replace(
            'height = "1 in"', 'height = "1.25 in"'
        )
    )
    layouts = load_layouts(tmp_path)
    layout = layouts["thermal-2.25x1.25-203dpi"]
    assert (layout.dots(layout.width), layout.dots(layout.height)) == (457, 254)


def _broken(tmp_path, text: str, name: str = "broken.toml"):
    (tmp_path / "good.toml").write_text(SHEET)
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(LayoutError) as caught:
        load_layouts(tmp_path)
    assert str(path) in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        (
            THERMAL.replace('margin = "6 dots"', 'margin = "6 dots"\ncolour = "red"'),
            "stock.colour",
            "unknown field",
        ),
        (THERMAL.replace("dpi = 203\n", ""), "stock.dpi", "missing"),
        (THERMAL.replace('height = "40 dots"', 'height = "40"'), "code128.height", "unit"),
        (THERMAL.replace('height = "40 dots"', 'height = "40 furlongs"'), "code128.height", "unit"),
        (THERMAL.replace('module = "3 dots"', 'module = "2 dots"'), "code128.module", "9.85 mil"),
        (
            THERMAL.replace('module = "3 dots"', 'module = "15 mil"'),
            "code128.module",
            "whole number",
        ),
        (THERMAL.replace("quiet_zone = 10", "quiet_zone = 5"), "code128.quiet_zone", "at least 10"),
        (THERMAL.replace('width = "2 in"', 'width = "1.5 in"'), "code128.module", "wider stock"),
        (THERMAL.replace('height = "1 in"', 'height = "0.6 in"'), "stock.height", "does not fit"),
        (
            THERMAL.replace('name_min = "6.5 pt"', 'name_min = "12 pt"'),
            "text.name_min",
            "larger than text.name_max",
        ),
        (THERMAL.replace('kind = "thermal"', 'kind = "laser"'), "kind", "thermal"),
        (THERMAL.replace("dpi = 203", 'dpi = "203"'), "stock.dpi", "whole number"),
        (
            THERMAL.replace("enabled = false", 'enabled = true\nmodule = "4 dots"'),
            "datamatrix.module",
            "DataMatrix",
        ),
        (THERMAL.replace('font = "0"', 'font = "zero"'), "zpl.font", "printer font"),
        (SHEET.replace("columns = 3", "columns = 4"), "grid.columns", "page"),
        (SHEET.replace('row_pitch = "1 in"', 'row_pitch = "0.9 in"'), "grid.row_pitch", "overlap"),
        (SHEET.replace('module = "0.96 pt"', 'module = "9 mil"'), "code128.module", "10 mil"),
        (SHEET.replace('module = "0.96 pt"', 'module = "3 dots"'), "code128.module", "stock.dpi"),
        (SHEET.replace("[blanks]", "[blank]"), "blank", "unknown field"),
        (SHEET + '\n[zpl]\nfont = "0"\n', "zpl", "thermal"),
    ],
)
def test_a_mistake_names_the_file_and_the_field(tmp_path, text, field, words):
    error = _broken(tmp_path, text)
    assert error.field == field
    assert f": {field}: " in str(error)
    assert words in str(error)


def test_bad_toml_names_the_file_and_line(tmp_path):
    error = _broken(tmp_path, THERMAL.replace("dpi = 203", "dpi = = 203"))
    assert re.search(r"line \d+", str(error))


def test_an_empty_or_missing_folder_is_an_error(tmp_path):
    with pytest.raises(LayoutError, match="no label layout"):
        load_layouts(tmp_path)
    with pytest.raises(LayoutError, match="does not exist"):
        load_layouts(tmp_path / "nowhere")
