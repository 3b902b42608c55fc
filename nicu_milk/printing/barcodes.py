"""Barcode symbols as module patterns: Code 128 from python-barcode, DataMatrix from zxing-cpp.

Both are drawn by the renderers as vector rectangles, never as images, and never with
ReportLab's own ECC200DataMatrix (it appends a NUL to some values).
"""

from __future__ import annotations

from functools import lru_cache

import zxingcpp
from barcode.codex import Code128


class LabelTooSmall(ValueError):
    """The barcode (or the label's text) cannot fit the stock at 10 mil or more."""


def check_code(code: str) -> str:
    """The code, if Code 128 can carry it: printable ASCII, 1 to 40 characters."""
    if not isinstance(code, str) or not 1 <= len(code) <= 40:
        raise ValueError(f"a barcode needs 1 to 40 characters, got {code!r}")
    if any(not " " <= char <= "~" for char in code):
        raise ValueError(f"a barcode can carry printable ASCII only, got {code!r}")
    return code


def code128_svg(code: str) -> bytes:
    """The code as a Code 128 barcode in SVG, with the code printed beneath (a shelf's label)."""
    import io

    from barcode import get
    from barcode.writer import SVGWriter

    out = io.BytesIO()
    get("code128", check_code(code), writer=SVGWriter()).write(
        out,
        options={
            "module_width": 0.33,
            "module_height": 18,
            "quiet_zone": 6.5,
            "font_size": 12,
            "text_distance": 5,
            "compress": False,
        },
    )
    return out.getvalue()


@lru_cache(maxsize=4096)
def code128_modules(code: str) -> str:
    """Code 128 as modules, '1' a bar and '0' a space, without quiet zones."""
    return Code128(check_code(code)).build()[0]


@lru_cache(maxsize=1024)
def datamatrix_rows(code: str) -> tuple[str, ...]:
    """A square ECC 200 DataMatrix, top row first, '1' a dark module, without quiet zone."""
    symbol = zxingcpp.create_barcode(
        check_code(code), zxingcpp.BarcodeFormat.DataMatrix, forceSquare=True
    )
    image = symbol.to_image(scale=1, add_quiet_zones=False)
    height, width = image.shape
    pixels = bytes(memoryview(image))
    return tuple(
        "".join("1" if pixels[row * width + column] < 128 else "0" for column in range(width))
        for row in range(height)
    )


def runs_of_ones(pattern: str) -> list[tuple[int, int]]:
    """(start, length) of every run of '1' in a module string."""
    found = []
    start = None
    for index, module in enumerate(pattern + "0"):
        if module == "1" and start is None:
            start = index
        elif module != "1" and start is not None:
            found.append((start, index - start))
            start = None
    return found
