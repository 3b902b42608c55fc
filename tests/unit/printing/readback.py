"""Reading back what we print: PDF pages to 300 dpi images, barcodes decoded, text extracted."""

from __future__ import annotations

import io
import math

import pypdf
import pypdfium2
import pypdfium2.raw as pdfium_c
import zxingcpp
from PIL import Image

DPI = 300


def render(pdf: bytes, page: int = 0, dpi: int = DPI) -> Image.Image:
    """One page as a grayscale image at exactly ``dpi``.

    pypdfium2's ``render(scale=...)`` stretches a page whose size is not a whole number of
    pixels (A4 at 300 dpi is 2480.3 px wide) onto the next whole pixel, which puts every bar
    edge a little off the pixel grid. So the page is drawn with an exact scale matrix onto a
    bitmap cut to whole pixels.
    """
    document = pypdfium2.PdfDocument(pdf)
    try:
        sheet = document[page]
        width, height = sheet.get_size()
        scale = dpi / 72
        pixels_x = math.floor(width * scale + 1e-6)
        pixels_y = math.floor(height * scale + 1e-6)
        bitmap = pypdfium2.PdfBitmap.new_native(pixels_x, pixels_y, pdfium_c.FPDFBitmap_Gray)
        bitmap.fill_rect((255, 255, 255, 255), 0, 0, pixels_x, pixels_y)
        pdfium_c.FPDF_RenderPageBitmapWithMatrix(
            bitmap,
            sheet,
            pdfium_c.FS_MATRIX(scale, 0, 0, scale, 0, 0),
            pdfium_c.FS_RECTF(0, 0, pixels_x, pixels_y),
            pdfium_c.FPDF_GRAYSCALE | pdfium_c.FPDF_ANNOT,
        )
        return bitmap.to_pil().copy()
    finally:
        document.close()


def page_count(pdf: bytes) -> int:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def decode(image: Image.Image, symbology=zxingcpp.BarcodeFormat.Code128) -> list[str]:
    """Every barcode of one symbology in the image, as printed at 300 dpi.

    zxing-cpp keeps its default of rejecting symbols whose checksum fails
    (``return_errors=False``). Its extra pass over downscaled copies of the image is off:
    downscaling 4-pixel modules blurs them, and that pass has been seen to return a second,
    wrong text for a perfect symbol, one that passes Code 128's mod-103 check (see
    test_check_digits_catch_what_a_downscaled_decode_gets_wrong).
    """
    found = zxingcpp.read_barcodes(image, formats=[symbology], try_downscale=False)
    return [symbol.text for symbol in found]


def text(pdf: bytes, page: int | None = None) -> str:
    """pypdf's text extraction of one page, or of all pages joined."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    pages = reader.pages if page is None else [reader.pages[page]]
    return "\n".join(each.extract_text() for each in pages)


def pdfium_text(pdf: bytes, page: int = 0) -> str:
    """pypdfium2's text extraction of one page, as a second, independent reader.

    PDFium marks a line that ends in a hyphen with U+FFFE; it is the hyphen printed there.
    """
    document = pypdfium2.PdfDocument(pdf)
    try:
        found = document[page].get_textpage().get_text_range()
    finally:
        document.close()
    return found.replace("\ufffe", "-").replace("\r\n", "\n")


def squash(value: str) -> str:
    """The text without any white space, for comparing across line breaks."""
    return "".join(value.split())


def crop_points(
    image: Image.Image, left: float, top: float, width: float, height: float, dpi: int = DPI
) -> Image.Image:
    """The part of a page image given in points from the page's top-left corner."""
    scale = dpi / 72
    return image.crop(
        (
            round(left * scale),
            round(top * scale),
            round((left + width) * scale),
            round((top + height) * scale),
        )
    )
