"""GS1 product scans: GTIN, lot and expiry from GS1-128, DataMatrix, QR, Digital Link and the
human-readable form; every way a scan can be wrong named; expiry on the unit's local date.

The GTINs below carry real check digits, computed here by the GS1 rule (weights 3 and 1 from
the right), independently of biip.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nicu_milk.gs1 import (
    GS,
    LOT_MAX,
    ProductScan,
    ProductScanError,
    looks_like_product,
    parse_product_scan,
    product_expired,
)


def check_digit(body: str) -> str:
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(body[::-1]))
    return str(-total % 10)


def gtin(body: str) -> str:
    return body + check_digit(body)


# A liquid human milk fortifier, a powdered one, and a formula: invented GTIN-14s.
HMF_LIQUID = gtin("1030074151220")
HMF_POWDER = gtin("0030074151221")
FORMULA = gtin("0871234567890")
WRONG = HMF_LIQUID[:-1] + str((int(HMF_LIQUID[-1]) + 1) % 10)


def test_the_vectors_check_digits():
    assert HMF_LIQUID == "10300741512204"
    assert HMF_POWDER == "00300741512214"
    assert FORMULA == "08712345678906"
    assert gtin("0950110153000") == "09501101530003"  # GS1's own example GTIN


@pytest.mark.parametrize(
    ("scanned", "expected"),
    [
        pytest.param(
            f"]C101{HMF_LIQUID}10HMF24A17{GS}17270331",
            ProductScan(HMF_LIQUID, "HMF24A17", dt.date(2027, 3, 31)),
            id="GS1-128 with ]C1 and a GS after the lot",
        ),
        pytest.param(
            f"]C1{GS}01{HMF_LIQUID}10HMF24A17{GS}17270331\r\n",
            ProductScan(HMF_LIQUID, "HMF24A17", dt.date(2027, 3, 31)),
            id="FNC1 sent as a leading GS, and the scanner's CR LF",
        ),
        pytest.param(
            f"]d201{HMF_POWDER}1726123110L4417B",
            ProductScan(HMF_POWDER, "L4417B", dt.date(2026, 12, 31)),
            id="GS1 DataMatrix with ]d2, lot last",
        ),
        pytest.param(
            f"]Q301{FORMULA}10F-88/2{GS}17280115",
            ProductScan(FORMULA, "F-88/2", dt.date(2028, 1, 15)),
            id="GS1 QR with ]Q3",
        ),
        pytest.param(
            f"01{FORMULA}17280115{GS}10F88",
            ProductScan(FORMULA, "F88", dt.date(2028, 1, 15)),
            id="no symbology identifier (scanner default), a GS that was not needed",
        ),
        pytest.param(
            f"https://id.gs1.org/01/{HMF_POWDER}/10/L%2F77?17=270300",
            ProductScan(HMF_POWDER, "L/77", dt.date(2027, 3, 31)),
            id="Digital Link with the expiry in the query",
        ),
        pytest.param(
            f"HTTPS://formulary.example.org/products/01/{HMF_POWDER}/10/L77?17=270300&3103=000500",
            ProductScan(HMF_POWDER, "L77", dt.date(2027, 3, 31)),
            id="Digital Link on a brand's own domain with a path prefix",
        ),
        pytest.param(
            "https://id.gs1.org/01/9501101530003/10/ABC",
            ProductScan("09501101530003", "ABC", None),
            id="Digital Link with a GTIN-13, no expiry",
        ),
        pytest.param(
            f"]C101{HMF_LIQUID}1727020010X1",
            ProductScan(HMF_LIQUID, "X1", dt.date(2027, 2, 28)),
            id="day 00 is the last day of February",
        ),
        pytest.param(
            f"]C101{HMF_LIQUID}1728020010X1",
            ProductScan(HMF_LIQUID, "X1", dt.date(2028, 2, 29)),
            id="day 00 in a leap year",
        ),
        pytest.param(
            f"]C101{HMF_LIQUID}1726120010X1",
            ProductScan(HMF_LIQUID, "X1", dt.date(2026, 12, 31)),
            id="day 00 in December",
        ),
        pytest.param(
            f"(01){FORMULA}(17)270331(10)F88",
            ProductScan(FORMULA, "F88", dt.date(2027, 3, 31)),
            id="human-readable form, typed by hand",
        ),
        pytest.param(
            f"]C101{FORMULA}10{'L' * LOT_MAX}17270331",
            ProductScan(FORMULA, "L" * LOT_MAX, dt.date(2027, 3, 31)),
            id="a lot of exactly 20 needs no GS before the next AI",
        ),
        pytest.param(
            f"]d201{FORMULA}21SN0001{GS}10F88{GS}7003270101120017270331",
            ProductScan(FORMULA, "F88", dt.date(2027, 3, 31)),
            id="other AIs (serial, expiry time) are read past",
        ),
    ],
)
def test_a_product_scan_gives_gtin_lot_and_expiry(scanned, expected):
    assert parse_product_scan(scanned) == expected
    assert looks_like_product(scanned)


@pytest.mark.parametrize(
    ("scanned", "problem", "fragment"),
    [
        (f"]C101{WRONG}17270331{GS}10L1", "CHECK_DIGIT", f"GTIN {WRONG} fails its check digit"),
        (f"https://id.gs1.org/01/{WRONG}/10/L1", "CHECK_DIGIT", "fails its check digit"),
        (f"(01){WRONG}(10)L1", "CHECK_DIGIT", "misread"),
        ("", "EMPTY", "Nothing was scanned"),
        (" \r\n", "EMPTY", "Nothing was scanned"),
        ("]C1", "EMPTY", "Nothing was scanned"),
        (GS, "ONLY_SEPARATOR", "only a separator character (GS)"),
        (f"]d2{GS}{GS}", "ONLY_SEPARATOR", "only a separator"),
        ("hello", "NOT_GS1", "not a GS1 product barcode"),
        ("M0000001262", "NOT_GS1", "not a GS1 product barcode"),
        ("]C0M0000001262", "NOT_GS1", "not a GS1 product barcode"),
        ("]Z9whatever", "NOT_GS1", "not a GS1 product barcode"),
        ("https://example.org/about", "NOT_GS1", "not a GS1 Digital Link"),
        (f"]E0{gtin('950110153000')}", "RETAIL_BARCODE", "plain retail barcode"),
        (gtin("950110153000"), "RETAIL_BARCODE", "no lot or expiry"),
        (HMF_LIQUID, "RETAIL_BARCODE", "Scan the GS1 DataMatrix"),
        (f"]C101{HMF_LIQUID[:13]}{GS}10L1", "GTIN_LENGTH", "does not have 14 digits"),
        (f"]C101{HMF_LIQUID[:8]}", "GTIN_LENGTH", "does not have 14 digits"),
        (f"]C11012{GS}01123{GS}", "GTIN_LENGTH", "does not have 14 digits"),
        ("https://id.gs1.org/01/12345/10/L1", "GTIN_LENGTH", "does not have 14 digits"),
        ("https://id.gs1.org/01/0950110153000X/10/L1", "GTIN_LENGTH", "14 digits"),
        (f"]C101{FORMULA}10{'L' * 100}", "LOT_TOO_LONG", "longer than GS1's 20 characters"),
        (f"]C101{FORMULA}10{'L' * 21}{GS}17270331", "LOT_TOO_LONG", "longer than GS1's 20"),
        (f"https://id.gs1.org/01/{FORMULA}/10/{'L' * 100}", "LOT_TOO_LONG", "longer than"),
        (f"https://id.gs1.org/01/{FORMULA}?10={'L' * 21}", "LOT_TOO_LONG", "longer than"),
        (f"]C101{FORMULA}17270331", "NO_LOT", "no lot (AI 10)"),
        (f"https://id.gs1.org/01/{FORMULA}", "NO_LOT", "could not be traced in a recall"),
        (f"]C102{FORMULA}10L1", "NO_GTIN", "a case label"),
        (f"]C100{gtin('03001234560000001')}", "NO_GTIN", "shipping label (SSCC)"),
        (f"]C110L1{GS}17270331", "NO_GTIN", "without a GTIN (AI 01)"),
        (f"]C101{FORMULA}1727022910L1", "BAD_EXPIRY", "not a date"),  # 2027 is no leap year
        (f"]C101{FORMULA}1727133110L1", "BAD_EXPIRY", "not a date"),
        (f"https://id.gs1.org/01/{FORMULA}/10/L1?17=271340", "BAD_EXPIRY", "not a date"),
        (f"]C101{FORMULA}10L1{GS}10L2", "MALFORMED", "two different values for AI (10)"),
        (f"]C101{FORMULA}10A B", "MALFORMED", "no GS1 data"),
        (f"]C101{FORMULA}10Lé1", "MALFORMED", "no GS1 data"),
        ("(01)", "MALFORMED", "cannot be read"),
    ],
)
def test_what_is_wrong_with_a_scan_is_said(scanned, problem, fragment):
    with pytest.raises(ProductScanError) as raised:
        parse_product_scan(scanned)
    assert raised.value.problem == problem
    assert fragment in raised.value.message
    assert raised.value.code == "INVALID_PRODUCT_CODE"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"]C101{HMF_LIQUID}10L1", True),
        (f"]C101{WRONG}10L1", True),  # a product, misread: still not a milk label
        (f"]d201{FORMULA}", True),
        (f"01{FORMULA}10L1", True),
        (f"01{FORMULA}", True),
        (f"10L1{GS}01{FORMULA}", True),
        (f"1727033101{FORMULA}10L1", True),  # expiry first, no prefix, no GS needed
        (f"01{FORMULA}1727133110L1", True),  # a product with a misread date
        (f"]E0{gtin('950110153000')}", True),
        (f"https://id.gs1.org/01/{FORMULA}/10/L1", True),
        (f"(01){FORMULA}(10)L1", True),
        # Our own codes and wristbands are not products.
        ("M0000001262", False),
        ("m0000001262", False),
        ("7000111", False),
        ("T7000999", False),
        ("A-1.b", False),
        # Bare digits might be a numeric MRN: never called a product.
        (gtin("950110153000"), False),
        (FORMULA, False),
        ("0123456789012345678901", False),
        ("https://example.org/about", False),
        ("", False),
        (GS, False),
        ("]C0M0000001262", False),
    ],
)
def test_looks_like_product(text, expected):
    assert looks_like_product(text) is expected


@pytest.mark.parametrize(
    ("expiry", "local_date", "expired"),
    [
        (dt.date(2027, 3, 31), dt.date(2027, 3, 30), False),
        (dt.date(2027, 3, 31), dt.date(2027, 3, 31), False),  # good through its last day
        (dt.date(2027, 3, 31), dt.date(2027, 4, 1), True),
        (dt.date(2027, 2, 28), dt.date(2028, 1, 1), True),
        (None, dt.date(2099, 1, 1), False),  # no AI 17: nothing to check
    ],
)
def test_a_product_is_expired_when_the_units_local_date_is_after_ai_17(expiry, local_date, expired):
    assert product_expired(expiry, local_date) is expired


def test_day_00_expires_after_the_last_day_of_the_month():
    scan = parse_product_scan(f"]C101{HMF_LIQUID}1727020010X1")
    assert not product_expired(scan.expiry, dt.date(2027, 2, 28))
    assert product_expired(scan.expiry, dt.date(2027, 3, 1))


def test_product_expired_takes_a_local_date_not_a_moment():
    with pytest.raises(TypeError, match="local date"):
        product_expired(dt.date(2027, 3, 31), dt.datetime(2027, 4, 1, 2, tzinfo=dt.UTC))


# --- properties -------------------------------------------------------------------------------

# GS1's character set 82 (what AI 10 may hold), as the General Specifications list it.
SET_82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
GTINS = st.text(string.digits, min_size=13, max_size=13).map(gtin)
LOTS = st.text(SET_82, min_size=1, max_size=LOT_MAX)
# Within GS1's century window for YY from any year this code will run in.
DATES = st.dates(dt.date(2010, 1, 1), dt.date(2060, 12, 31))


@st.composite
def products(draw):
    expiry = draw(st.none() | DATES)
    end_of_month = expiry is not None and draw(st.booleans())
    return draw(GTINS), draw(LOTS), expiry, end_of_month


def yymmdd(expiry: dt.date, end_of_month: bool) -> str:
    return f"{expiry:%y%m}" + ("00" if end_of_month else f"{expiry:%d}")


def expected_scan(gtin14, lot, expiry, end_of_month) -> ProductScan:
    if expiry is not None and end_of_month:
        following = (expiry.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        expiry = following - dt.timedelta(days=1)
    return ProductScan(gtin14, lot, expiry)


@given(
    products(),
    st.sampled_from(["", "]C1", "]d2", "]Q3", "]e0"]),
    st.permutations(["01", "10", "17"]),
    st.booleans(),
)
def test_any_element_string_reads_back(product, prefix, order, leading_gs):
    gtin14, lot, expiry, end_of_month = product
    values = {"01": gtin14, "10": lot}
    if expiry is not None:
        values["17"] = yymmdd(expiry, end_of_month)
    fields = [ai for ai in order if ai in values]
    # GS after a variable-length field that is not last, as a scanner transmits FNC1.
    body = "".join(
        ai + values[ai] + (GS if ai == "10" and ai != fields[-1] else "") for ai in fields
    )
    scanned = prefix + (GS if leading_gs else "") + body
    assert parse_product_scan(scanned) == expected_scan(*product)
    assert looks_like_product(scanned)


@given(products(), st.sampled_from(["https://id.gs1.org", "http://hmf.example.com/dl"]))
def test_any_digital_link_reads_back(product, domain):
    gtin14, lot, expiry, end_of_month = product
    uri = f"{domain}/01/{gtin14}/10/{quote(lot, safe='')}"
    if expiry is not None:
        uri += f"?17={yymmdd(expiry, end_of_month)}"
    assert parse_product_scan(uri) == expected_scan(*product)
    assert looks_like_product(uri)


@given(products())
def test_any_human_readable_form_reads_back(product):
    gtin14, lot, expiry, end_of_month = product
    assume("(" not in lot)  # a parenthesis would open the next AI in this form
    text = f"(01){gtin14}(10){lot}"
    if expiry is not None:
        text += f"(17){yymmdd(expiry, end_of_month)}"
    assert parse_product_scan(text) == expected_scan(*product)


@given(GTINS, LOTS, st.integers(0, 12), st.integers(0, 9))
def test_any_wrong_check_digit_is_caught(gtin14, lot, position, change):
    assume(change != 0)
    digits = list(gtin14)
    digits[position] = str((int(digits[position]) + change) % 10)
    scanned = f"]d201{''.join(digits)}10{lot}"
    with pytest.raises(ProductScanError) as raised:
        parse_product_scan(scanned)
    assert raised.value.problem == "CHECK_DIGIT"


@given(st.text(max_size=60))
def test_any_text_is_a_product_or_a_stated_problem(text):
    try:
        scan = parse_product_scan(text)
    except ProductScanError as error:
        assert error.message
    else:
        assert len(scan.gtin14) == 14 and scan.gtin14.isdigit()
        assert 1 <= len(scan.lot) <= LOT_MAX


@given(
    st.text(string.digits, min_size=1, max_size=15)
    | st.from_regex(r"[A-Za-z0-9.\-]{1,64}", fullmatch=True)
)
def test_a_wristband_mrn_without_a_gtin_in_it_is_never_a_product(mrn):
    # Only "01" and 14 digits make a GTIN; no MRN of 15 digits or fewer can hold one.
    assume(re.search(r"01\d{14}", mrn) is None)
    assert not looks_like_product(mrn)
