"""The bars on paper are python-barcode's module pattern, and the DataMatrix is zxing-cpp's."""

from __future__ import annotations

import itertools

import zxingcpp
from barcode.codex import Code128
from PIL import Image

from nicu_milk.codes import container_code, parse_container_code
from nicu_milk.printing import label_pdf
from nicu_milk.printing.barcodes import code128_modules, datamatrix_rows, runs_of_ones
from nicu_milk.printing.compose import Bars, Matrix, container_plan

from .readback import decode, render
from .samples import content


def test_modules_come_from_python_barcode():
    code = container_code(12)
    assert code128_modules(code) == Code128(code).build()[0]
    assert len(code128_modules(code)) == 112  # start B, M, code C, 5 digit pairs, check, stop
    assert runs_of_ones("0110111001") == [(1, 2), (4, 3), (9, 1)]


def test_the_printed_bars_are_the_module_pattern(layouts, zone):
    """At 300 dpi a 3-dot module is exactly 3 pixels: read the pattern back pixel by pixel."""
    layout = layouts["thermal-2x1-300dpi"]
    label = content(code=container_code(4242))
    plan = container_plan(label, layout, zone)
    (bars,) = [item for item in plan.items if isinstance(item, Bars)]
    image = render(label_pdf(label, layout, zone))
    row = round((bars.top + bars.height / 2) * 300 / 72)
    left = round(bars.x * 300 / 72)
    pixels = [image.getpixel((left + index, row)) for index in range(len(bars.modules) * 3)]
    assert all(value < 3 or value > 252 for value in pixels), "no grey edges on the dot grid"
    printed = "".join(
        "1" if pixels[index * 3 + 1] < 128 else "0" for index in range(len(bars.modules))
    )
    assert printed == code128_modules(label.code)
    widths = {len(list(run)) for _, run in itertools.groupby(value < 128 for value in pixels)}
    assert widths <= {3, 6, 9, 12}


def test_the_datamatrix_is_zxing_cpps_symbol(layouts, zone):
    layout = layouts["thermal-2x1-300dpi"]
    label = content(code=container_code(777))
    plan = container_plan(label, layout, zone)
    (matrix,) = [item for item in plan.items if isinstance(item, Matrix)]
    assert matrix.rows == datamatrix_rows(label.code)
    assert len(matrix.rows) == len(matrix.rows[0]) == 14  # square, as forceSquare asks
    assert matrix.module >= 0.72  # 10 mil
    image = render(label_pdf(label, layout, zone))
    assert decode(image, zxingcpp.BarcodeFormat.DataMatrix) == [label.code]


def test_datamatrix_carries_any_short_text_exactly():
    """ReportLab's ECC200DataMatrix appends a NUL to some values; zxing-cpp's writer does not."""
    for text in ("A", "M0000012514", "MRN-00123", "x^~_y"):
        rows = datamatrix_rows(text)
        image = Image.new("L", ((len(rows[0]) + 4) * 4, (len(rows) + 4) * 4), 255)
        for y, row in enumerate(rows):
            for x, module in enumerate(row):
                if module == "1":
                    image.paste(0, ((x + 2) * 4, (y + 2) * 4, (x + 3) * 4, (y + 3) * 4))
        assert decode(image, zxingcpp.BarcodeFormat.DataMatrix) == [text]


def test_check_digits_catch_what_a_downscaled_decode_gets_wrong():
    """zxing-cpp's default extra pass over a downscaled image has been seen to return, beside
    the right text, a wrong one that passes Code 128's own check (M2302064432 at 4 px a
    module gave M2302060511 too). Our MOD 97-10 check digits refuse any such misread."""
    for code in ("M2302064432", "M2174595859", container_code(27185)):
        modules = code128_modules(code)
        image = Image.new("L", ((len(modules) + 20) * 4, 50), 255)
        for start, count in runs_of_ones(modules):
            image.paste(0, ((start + 10) * 4, 0, (start + 10 + count) * 4, 50))
        found = [
            symbol.text
            for symbol in zxingcpp.read_barcodes(image, formats=[zxingcpp.BarcodeFormat.Code128])
        ]
        assert code in found
        for text in found:
            assert text == code or parse_container_code(text) is None
        assert decode(image) == [code]  # without the downscaled pass, only the right text
