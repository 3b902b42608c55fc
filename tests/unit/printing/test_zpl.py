"""ZPL II: the structure of a label format, and escaping of every data field."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nicu_milk.printing import LabelTooSmall, UnprintableText, label_zpl
from nicu_milk.printing.layouts import ZplSpec
from nicu_milk.printing.zpl import escape

from .readback import squash
from .samples import MOMENT_TEXT, content, everything
from .test_labels import ALPHABETS, THERMAL

HEX_ESCAPE = re.compile(r"_[0-9A-F]{2}")


def commands(zpl: str) -> list[str]:
    """The format's commands without their caret, e.g. 'FO9,9' or 'FDtext'.

    Splitting at carets is exact because field data may not hold a raw caret.
    """
    assert zpl.startswith("^XA")
    return [
        part.strip() if not part.startswith("FD") else part.rstrip("\n")
        for part in zpl.split("^")[1:]
    ]


def unescape(data: str) -> str:
    return HEX_ESCAPE.sub(lambda match: chr(int(match.group()[1:], 16)), data)


def field_data(zpl: str) -> list[str]:
    """Every ^FD's data, decoded as the printer decodes it after ^FH."""
    return [unescape(part[2:]) for part in commands(zpl) if part.startswith("FD")]


def check_structure(zpl: str, layout) -> list[str]:
    parts = commands(zpl)
    assert parts[0] == "XA" and parts[-1] == "XZ"
    assert zpl.rstrip().endswith("^XZ") and zpl.count("^XA") == 1 and zpl.count("^XZ") == 1
    assert "CI28" in parts[:3]
    assert f"PW{layout.dots(layout.width)}" in parts
    assert f"LL{layout.dots(layout.height)}" in parts
    assert not any(part.startswith("DF") for part in parts), "^DF stores a format, prints nothing"
    assert "~" not in zpl  # no control commands, and data tildes are escaped
    for index, part in enumerate(parts):
        if part.startswith("FD"):
            assert parts[index - 1] == "FH", f"^FD without ^FH: {part!r}"
            assert parts[index + 1] == "FS", f"^FD not closed by ^FS: {part!r}"
            data = part[2:]
            assert "^" not in data and "~" not in data
            assert "_" not in HEX_ESCAPE.sub("", data), f"bare underscore in {data!r}"
    return parts


@pytest.mark.parametrize("layout_name", THERMAL)
def test_the_format_has_every_field_and_the_layouts_size(layouts, zone, layout_name):
    layout = layouts[layout_name]
    label = everything()
    zpl = label_zpl(label, layout, zone)
    parts = check_structure(zpl, layout)
    data = field_data(zpl)
    joined = squash(" ".join(data))
    for field in (
        "Featherstonehaugh, Baby Girl B",
        "MRN MRN-0012345678",
        "DHM",
        "LOT-2026-11-0042",
        "COLOSTRUM",
        "FORTIFIED",
        f"Exp {MOMENT_TEXT}",
        f"Pumped {MOMENT_TEXT}",
        "Similac HMF",
        "24 kcal/oz",
        "120 mL",
        "FOR ENTERAL USE ONLY",
        "NAME ALERT",
    ):
        assert squash(field) in joined, field
    barcode = [index for index, part in enumerate(parts) if part.startswith("BC")]
    assert len(barcode) == 1
    assert parts[barcode[0] - 1].startswith("BY3,")  # 3 dots: 14.8 mil at 203, 10 mil at 300
    assert 3 / layout.dpi >= 0.010 - 1e-9
    assert parts[barcode[0]].startswith("BCN,") and parts[barcode[0]].endswith(",A")
    assert parts[barcode[0] + 2] == f"FD{label.code}"
    matrices = [part for part in parts if part.startswith("BX")]
    assert len(matrices) == (1 if layout.datamatrix.enabled else 0)
    if matrices:
        assert matrices[0].startswith("BXN,4,200,")
    white = [index for index, part in enumerate(parts) if part == "FR"]
    assert [unescape(parts[index + 2][2:]) for index in white] == ["NAME ALERT", "COLOSTRUM"]


def test_caret_tilde_and_underscore_in_data_are_escaped(layouts, zone):
    label = content(
        infant_first_name="Ann^Marie~Jo_",
        infant_last_name="O_Neil",
        infant_mrn="^~_",
        milk_type="DHM",
        donor_lot="L_1^2~3",
    )
    zpl = label_zpl(label, layouts["thermal-2x1-203dpi"], zone)
    check_structure(zpl, layouts["thermal-2x1-203dpi"])
    assert "O_5FNeil, Ann_5EMarie_7EJo_5F" in zpl
    data = field_data(zpl)
    assert "O_Neil, Ann^Marie~Jo_" in data
    assert "MRN ^~_" in data and "Lot L_1^2~3" in data
    assert escape("_5F") == "_5F5F"  # an underscore that looks like an escape stays literal


def test_the_page_size_follows_the_layout_file(layouts, zone):
    wide = dataclasses.replace(layouts["thermal-2x1-203dpi"], width=2.25 * 72, height=1.25 * 72)
    zpl = label_zpl(content(), wide, zone)
    assert "^PW457\n" in zpl and "^LL254\n" in zpl


def test_a_reserved_label_has_blanks_in_zpl_too(layouts, zone):
    label = content(state="reserved", expires_at=None, expressed_at=None, volume_ml=None)
    data = field_data(label_zpl(label, layouts["thermal-2x1-300dpi"], zone))
    assert "Exp ________________" in data and "______ mL" in data


def test_names_beyond_latin_1_need_a_unicode_font_on_the_printer(layouts, zone):
    layout = layouts["thermal-2x1-300dpi"]
    label = content(infant_first_name="小明", infant_last_name="Nguyễn")
    with pytest.raises(UnprintableText, match="zpl.font_file"):
        label_zpl(label, layout, zone)
    assert "Zoë" in field_data(label_zpl(content(infant_first_name="Zoë"), layout, zone))[0]
    unicode = dataclasses.replace(layout, zpl=ZplSpec(font="0", font_file="E:TT0003M_.TTF"))
    zpl = label_zpl(label, unicode, zone)
    check_structure(zpl, unicode)
    assert "Nguyễn, 小明" in field_data(zpl)
    assert "^A@N," in zpl and ",E:TT0003M_.TTF^FH^FD" in zpl and "^A0" not in zpl


def test_zpl_and_pdf_refuse_the_same_things(layouts, zone):
    with pytest.raises(LabelTooSmall):
        label_zpl(content(code="MRN-ABCDEFGH-1234"), layouts["thermal-2x1-203dpi"], zone)
    with pytest.raises(ValueError, match="thermal"):
        label_zpl(content(), layouts["sheet-a4"], zone)


tricky = st.text(
    alphabet=ALPHABETS[0] + ALPHABETS[1] + ALPHABETS[3] + ALPHABETS[7][:30] + "^~_ -'",
    min_size=1,
    max_size=16,
).filter(str.strip)
UNICODE_FONT = ZplSpec(font="0", font_file="E:TT0003M_.TTF")


@settings(max_examples=150, deadline=None)
@given(
    first=tricky,
    last=tricky,
    mrn=st.text(alphabet="0123456789^~_ABC-", min_size=1, max_size=12).filter(str.strip),
    layout_name=st.sampled_from(THERMAL),
)
def test_any_name_survives_escaping(layouts, zone, first, last, mrn, layout_name):
    label = content(infant_first_name=first, infant_last_name=last, infant_mrn=mrn)
    layout = dataclasses.replace(layouts[layout_name], zpl=UNICODE_FONT)
    try:
        zpl = label_zpl(label, layout, zone)
    except LabelTooSmall:
        return
    check_structure(zpl, layout)
    data = field_data(zpl)
    mrn_field = next(item for item in data if item.startswith("MRN "))
    assert squash(mrn_field) == squash("MRN " + mrn)
    name_fields = data[: data.index(mrn_field)]
    assert squash("".join(name_fields)) == squash(label.full_name)
