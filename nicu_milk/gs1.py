"""GS1 product barcodes on fortifier and formula packages: the GTIN, lot and expiry in a scan.

Pure: no Flask, no database, no clock. biip (Apache-2.0) knows the Application Identifiers,
their formats and the check digits, so there is no AI table here; this module only decides what
a product scan must hold (interop.md, "GS1 product barcodes") and says what is wrong with one.

A scan arrives as a keyboard-wedge scanner types it: optionally a symbology identifier (]C1
GS1-128, ]d2 GS1 DataMatrix, ]Q3 GS1 QR, ]e0 GS1 DataBar), then an element string with GS
(0x1D) after each variable-length field; or a GS1 Digital Link URI; or, typed by hand, the
human-readable form "(01)...(17)...(10)...".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from biip import ParseConfig, ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message
from biip.symbology import GS1Symbology, SymbologyIdentifier

GS = "\x1d"
# The GS1 General Specifications' limit for AI (10), as biip's table gives it.
LOT_MAX = 20
_CONFIG = ParseConfig(separator_chars=(GS,))
_URI = re.compile(r"https?://", re.IGNORECASE)
_MAX_LENGTH = re.compile(r"\.\.(\d+)$")
_GTIN_LENGTHS = (8, 12, 13, 14)
# Retail symbologies: a GTIN and nothing else, so no lot to record and no expiry to check.
_RETAIL = {
    GS1Symbology.EAN_13,
    GS1Symbology.EAN_13_WITH_ADD_ON,
    GS1Symbology.EAN_8,
    GS1Symbology.EAN_TWO_DIGIT_ADD_ON,
    GS1Symbology.EAN_FIVE_DIGIT_ADD_ON,
    GS1Symbology.ITF_14,
}

Problem = Literal[
    "EMPTY",
    "ONLY_SEPARATOR",
    "NOT_GS1",
    "RETAIL_BARCODE",
    "NO_GTIN",
    "GTIN_LENGTH",
    "CHECK_DIGIT",
    "NO_LOT",
    "LOT_TOO_LONG",
    "BAD_EXPIRY",
    "MALFORMED",
]


class ProductScanError(ValueError):
    """A scan that is no usable product code; `problem` says which way, `message` says it to
    the nurse. The API answers every one with 400 INVALID_PRODUCT_CODE."""

    code = "INVALID_PRODUCT_CODE"

    def __init__(self, problem: Problem, message: str):
        super().__init__(message)
        self.problem = problem
        self.message = message


@dataclass(frozen=True)
class ProductScan:
    """What a fortifier or formula package's barcode says about the unit in hand."""

    gtin14: str
    lot: str
    expiry: dt.date | None  # AI 17; day 00 is already the last day of its month


def product_expired(expiry: dt.date | None, local_date: dt.date) -> bool:
    """True when the unit's local date is after the AI 17 date: a product is good on that day."""
    if isinstance(local_date, dt.datetime):
        raise TypeError("pass the unit's local date, not a datetime")
    return expiry is not None and local_date > expiry


def _error(problem: Problem, message: str) -> ProductScanError:
    return ProductScanError(problem, message)


def _symbology(text: str) -> tuple[SymbologyIdentifier | None, str]:
    if not text.startswith("]"):
        return None, text
    try:
        symbology = SymbologyIdentifier.extract(text)
    except ParseError:
        raise _error(
            "NOT_GS1", "This scan is not a GS1 product barcode (unknown symbology)."
        ) from None
    return symbology, text[len(symbology) :]


def _max_length(ai: GS1ApplicationIdentifier) -> int | None:
    """The longest value a variable-length AI takes (None for a fixed-length one)."""
    match = _MAX_LENGTH.search(ai.format)
    return int(match.group(1)) if match else None


def _too_long(ai: str, limit: int) -> ProductScanError:
    if ai == "10":
        return _error(
            "LOT_TOO_LONG",
            f"The lot in this barcode is longer than GS1's {limit} characters, so it cannot be "
            "read reliably. Type the product in instead.",
        )
    return _error("MALFORMED", f"The value of AI ({ai}) is longer than its {limit} characters.")


def _failure_at(rest: str, error: ParseError) -> ProductScanError:
    """What went wrong where biip could not read the element string at `rest`."""
    try:
        ai = GS1ApplicationIdentifier.extract(rest).ai
    except ParseError:
        return _error("MALFORMED", "Part of this barcode is no GS1 data; scan it again.")
    if ai == "01":
        return _gtin_length_error()
    if ai == "17":
        return _error(
            "BAD_EXPIRY", "The expiry date (AI 17) in this barcode is not a date; scan it again."
        )
    if ai == "10":
        return _error("MALFORMED", "The lot (AI 10) holds characters GS1 does not allow.")
    return _error("MALFORMED", f"AI ({ai}) in this barcode cannot be read: {error}")


def _gtin_length_error() -> ProductScanError:
    return _error(
        "GTIN_LENGTH",
        "The GTIN (AI 01) in this barcode does not have 14 digits; scan it again, or type the "
        "product in.",
    )


def _element_strings(text: str) -> list[GS1ElementString]:
    """biip's element strings, read one by one so that a failure can say which field broke."""
    elements: list[GS1ElementString] = []
    rest = text.lstrip(GS)  # FNC1 first: some scanners send it as a leading GS
    separated = True
    while rest:
        try:
            element = GS1ElementString.extract(rest, config=_CONFIG)
        except ParseError as error:
            if not elements:
                if rest.startswith("01"):
                    raise _gtin_length_error() from None
                try:
                    GS1ApplicationIdentifier.extract(rest)
                except ParseError:
                    raise _error("NOT_GS1", "This scan is not a GS1 product barcode.") from None
            elif not separated:
                # The field before ran to its longest with no GS after it: GS1 then reads the
                # next AI straight after it, so a failure here means that field was too long.
                previous = elements[-1]
                limit = _max_length(previous.ai)
                if limit is not None and len(previous.value) == limit:
                    raise _too_long(previous.ai.ai, limit) from None
            raise _failure_at(rest, error) from None
        elements.append(element)
        rest = rest[len(element) :]
        separated = rest.startswith(GS)
        rest = rest.lstrip(GS)
    return elements


def _digital_link(uri: str) -> list[GS1ElementString]:
    parts = urlsplit(uri)
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    pairs = dict(zip(segments[:-1], segments[1:], strict=False))
    pairs.update(parse_qsl(parts.query))
    gtin = pairs.get("01")
    # biip pads a short GTIN with zeros; a GTIN of 5 digits is a wrong length, not a GTIN-14.
    if gtin is not None and (not gtin.isdigit() or len(gtin) not in _GTIN_LENGTHS):
        raise _gtin_length_error()
    try:
        return list(GS1DigitalLinkURI.parse(uri, config=_CONFIG).element_strings)
    except ParseError:
        pass
    if gtin is None:
        raise _error("NOT_GS1", "This link is not a GS1 Digital Link to a product.") from None
    for ai in ("10", "17"):
        if ai in pairs:
            try:
                GS1ElementString.parse(ai + pairs[ai], config=_CONFIG)
            except ParseError as error:
                limit = _max_length(GS1ApplicationIdentifier.extract(ai))
                if limit is not None and len(pairs[ai]) > limit:
                    raise _too_long(ai, limit) from None
                raise _failure_at(ai + pairs[ai], error) from None
    raise _error("MALFORMED", "This GS1 Digital Link cannot be read; scan it again.")


def _product(elements: list[GS1ElementString]) -> ProductScan:
    found: dict[str, str] = {}
    expiry = None
    for element in elements:
        ai = element.ai.ai
        if found.setdefault(ai, element.value) != element.value:
            raise _error("MALFORMED", f"This barcode gives two different values for AI ({ai}).")
        if ai == "17":
            expiry = element.date
    gtin = found.get("01")
    if gtin is None:
        if "00" in found:
            why = "a shipping label (SSCC), not a product package"
        elif "02" in found:
            why = "a case label; scan the package inside it"
        else:
            why = "a GS1 barcode without a GTIN (AI 01)"
        raise _error("NO_GTIN", f"This is {why}.")
    if gs1_standard_check_digit(gtin[:-1]) != int(gtin[-1]):
        raise _error(
            "CHECK_DIGIT",
            f"The GTIN {gtin} fails its check digit: the barcode was misread. Scan it again.",
        )
    lot = found.get("10")
    if lot is None:
        raise _error(
            "NO_LOT",
            "This barcode has no lot (AI 10), so the milk could not be traced in a recall. "
            "Scan the package's GS1 DataMatrix or GS1-128 code.",
        )
    return ProductScan(gtin14=gtin, lot=lot, expiry=expiry)


def parse_product_scan(text: str) -> ProductScan:
    """The GTIN, lot and expiry in a scanned product barcode; ProductScanError says what is
    wrong otherwise (every problem is a 400 INVALID_PRODUCT_CODE, each with its own message)."""
    # A scanner ends with CR, LF or a tab; GS is data here, so only those are trimmed.
    scanned = text.strip(" \t\r\n")
    if not scanned:
        raise _error("EMPTY", "Nothing was scanned.")
    symbology, body = _symbology(scanned)
    if not body:
        raise _error("EMPTY", "Nothing was scanned.")
    if not body.strip(GS):
        raise _error(
            "ONLY_SEPARATOR",
            "The scan held only a separator character (GS), no product code. Scan the "
            "barcode again.",
        )
    gs1_symbology = symbology.gs1_symbology if symbology else None
    if _URI.match(body):
        return _product(_digital_link(body))
    retail = body.isdigit() and len(body) in _GTIN_LENGTHS
    if gs1_symbology in _RETAIL or (symbology is None and retail):
        raise _error(
            "RETAIL_BARCODE",
            "This is the package's plain retail barcode, which has no lot or expiry. Scan the "
            "GS1 DataMatrix or GS1-128 code beside it.",
        )
    if symbology is not None and gs1_symbology is None:
        raise _error("NOT_GS1", "This scan is not a GS1 product barcode.")
    if body.startswith("("):
        try:
            elements = list(GS1Message.parse_hri(body, config=_CONFIG).element_strings)
        except ParseError as error:
            raise _error("MALFORMED", f"This product code cannot be read: {error}") from None
        return _product(elements)
    return _product(_element_strings(body))


def looks_like_product(text: str) -> bool:
    """True when scanned text has the shape of a GS1 product barcode, valid or not.

    For text that is no code of ours (look up containers and MRNs first), so that a product
    scanned where a bottle is expected can be named as a product. Without a symbology prefix,
    a GS or a Digital Link, text is a product only when it reads as GS1 data holding AI 01
    (01 and 14 digits): a plain EAN or UPC number is not, since a wristband's MRN may be digits.
    """
    scanned = text.strip(" \t\r\n")
    if not scanned.strip(GS):
        return False
    if GS in scanned:
        return True
    try:
        symbology, body = _symbology(scanned)
    except ProductScanError:
        return False
    if symbology is not None and symbology.gs1_symbology is not None:
        return True
    if _URI.match(body):
        path = urlsplit(body).path
        return re.search(r"/01/\d", path) is not None
    if body.startswith("(01)"):
        return True
    if symbology is None:
        try:
            return any(element.ai.ai == "01" for element in _element_strings(body))
        except ProductScanError as error:
            # A GTIN and then something misread is still a product, not a wristband.
            starts_as_product = re.match(r"01\d{14}", body) is not None
            return starts_as_product and error.problem not in ("NOT_GS1", "MALFORMED")
    return False
