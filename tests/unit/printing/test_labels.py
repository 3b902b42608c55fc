"""The container label: every field, names never cut, barcodes that read back as their code."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.pdfbase import ttfonts

from nicu_milk.codes import container_code
from nicu_milk.printing import LabelTooSmall, UnprintableText, label_pdf, unprintable_characters
from nicu_milk.printing.compose import Bars, Matrix, Text, container_plan
from nicu_milk.printing.layouts import MIL

from .readback import decode, render, squash, text
from .samples import MOMENT_TEXT, content, everything

THERMAL = ("thermal-2x1-203dpi", "thermal-2x1-300dpi")

# Names in the scripts the bundled fonts draw: Latin with accents (Vietnamese too), Greek,
# Cyrillic, Armenian, Georgian, Chinese, Japanese kana and Korean hangul.
ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áàâäãåæçéèêëíìîïñóòôöõøœßúùûüýÿÁÉÍÓÚÑÇŁłŚśŻżĞğŞşİı",
    "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ",
    "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ",
    "абвгдежзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯёЁїЇєЄ",
    "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ",
    "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤小明华伟芳娜敏静丽强磊军洋勇艳杰娟涛超霞平刚桂英",
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコサシスセソ",
    "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진지엄채원천방공현함변염여추도소석선설마길연위표명기반라왕금옥육인맹제모탁국어은편용예경봉사부가복태목형피두감음빈동온호범좌팽승간상갈단견당화창준서연지우",
]
name_parts = st.sampled_from(ALPHABETS).flatmap(
    lambda alphabet: st.text(alphabet=alphabet, min_size=1, max_size=12)
)
names = st.lists(name_parts, min_size=1, max_size=2).map(" ".join)


def _plan_items(plan, kind):
    return [item for item in plan.items if isinstance(item, kind)]


@pytest.mark.parametrize("layout_name", THERMAL)
def test_the_label_reads_back_with_every_field(layouts, zone, layout_name):
    layout = layouts[layout_name]
    label = everything()
    pdf = label_pdf(label, layout, zone)
    image = render(pdf)
    assert image.size == (600, 300)  # 2 x 1 in at 300 dpi
    assert decode(image) == [label.code]
    if layout.datamatrix.enabled:
        assert decode(image, zxingcpp.BarcodeFormat.DataMatrix) == [label.code]
    words = squash(text(pdf))
    for field in (
        "Featherstonehaugh, Baby Girl B",
        "MRN-0012345678",
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
        label.code,
    ):
        assert squash(field) in words, field


def test_a_plain_label_has_the_optional_fields_and_no_banner(layouts, zone):
    pdf = label_pdf(content(), layouts["thermal-2x1-203dpi"], zone)
    words = text(pdf)
    assert "Smith, Olivia" in words
    assert "MOM" in words and "FRESH" in words
    assert "(fresh in fridge, +48 h)" in words
    assert "NAME ALERT" not in words and "COLOSTRUM" not in words and "Lot" not in words


@pytest.mark.parametrize("layout_name", THERMAL)
def test_bars_are_10_mil_or_more_with_10_module_quiet_zones(layouts, zone, layout_name):
    layout = layouts[layout_name]
    plan = container_plan(everything(), layout, zone)
    (bars,) = _plan_items(plan, Bars)
    assert bars.module >= 10 * MIL
    assert bars.module * layout.dpi / 72 == pytest.approx(3)  # whole printer dots
    quiet = 10 * bars.module
    assert bars.x >= quiet - 1e-6
    right_of_bars = plan.width - (bars.x + bars.width)
    assert right_of_bars >= quiet - 1e-6
    for item in plan.items:  # nothing printed in the quiet zones beside the bars
        if item is bars or not hasattr(item, "x"):
            continue
        top, bottom = item.top, item.top + getattr(item, "height", getattr(item, "size", 0))
        if bottom <= bars.top or top >= bars.top + bars.height:
            continue
        extent = getattr(item, "width", 0)
        if isinstance(item, Matrix):
            extent = len(item.rows) * item.module
        assert item.x >= bars.x + bars.width + quiet - 1e-6 or item.x + extent <= bars.x - quiet


def test_quiet_zones_are_white_in_the_image(layouts, zone):
    layout = layouts["thermal-2x1-203dpi"]
    plan = container_plan(content(), layout, zone)
    (bars,) = _plan_items(plan, Bars)
    image = render(label_pdf(content(), layout, zone))
    scale = 300 / 72
    row = round((bars.top + bars.height / 2) * scale)
    quiet = 10 * bars.module * scale
    left = [
        image.getpixel((x, row))
        for x in range(round(bars.x * scale - quiet), round(bars.x * scale) - 1)
    ]
    end = (bars.x + bars.width) * scale
    right = [image.getpixel((x, row)) for x in range(round(end) + 1, round(end + quiet))]
    assert min(left) > 200 and min(right) > 200


def test_a_reserved_label_prints_blanks(layouts, zone):
    label = content(
        state="reserved", expires_at=None, expressed_at=None, volume_ml=None, expiry_reason=None
    )
    for name in THERMAL:
        pdf = label_pdf(label, layouts[name], zone)
        assert decode(render(pdf)) == [label.code]
        words = text(pdf)
        assert "Exp ____" in words and "Pumped ____" in words and "______ mL" in words
        assert "RESERVED" not in words


def test_a_long_name_shrinks_then_wraps_and_is_never_cut(layouts, zone):
    layout = layouts["thermal-2x1-203dpi"]
    short = container_plan(content(), layout, zone)
    assert short.name_lines == ("Smith, Olivia",) and short.name_size == layout.text.name_max
    longer = container_plan(content(infant_first_name="Baby Girl Bartholomew"), layout, zone)
    assert len(longer.name_lines) == 1
    assert layout.text.name_min <= longer.name_size < layout.text.name_max
    longest = content(
        infant_first_name="Baby Girl Anastasia Maximiliana",
        infant_last_name="Featherstonehaugh-Montgomery",
    )
    plan = container_plan(longest, layout, zone)
    assert len(plan.name_lines) == 2 and plan.name_size >= layout.text.name_min
    assert squash("".join(plan.name_lines)) == squash(longest.full_name)
    assert squash(longest.full_name) in squash(text(label_pdf(longest, layout, zone)))


def test_a_name_past_the_floor_is_refused_on_this_stock_or_broken_as_a_last_resort(layouts, zone):
    layout = layouts["thermal-2x1-203dpi"]
    label = content(infant_first_name="Wolfeschlegelsteinhausenbergerdorff " * 4)
    with pytest.raises(LabelTooSmall, match="on 3 lines condensed to 75%"):
        label_pdf(label, layout, zone, last_resort=False)
    # One word longer than the label: no space or hyphen to break at, so it breaks inside the
    # word, at the floor, only when the last resort is allowed.
    word = content(infant_last_name="Wolfeschlegelsteinhausenbergerdorffvonfeatherstone")
    with pytest.raises(LabelTooSmall):
        container_plan(word, layout, zone, last_resort=False)
    plan = container_plan(word, layout, zone)
    assert plan.name_broken and plan.name_scale == 0.75 and plan.name_size >= 6.5
    assert squash("".join(plan.name_lines)) == squash(word.full_name)  # never cut
    assert squash(word.full_name) in squash(text(label_pdf(word, layout, zone)))


def test_a_code_that_does_not_fit_at_10_mil_raises(layouts, zone):
    label = content(code="MRN-ABCDEFGH-1234")  # mixed text: 13 mil would be needed to shrink
    with pytest.raises(LabelTooSmall, match=r"10 mil") as caught:
        label_pdf(label, layouts["thermal-2x1-203dpi"], zone)
    assert "MRN-ABCDEFGH-1234" in str(caught.value) and "in wide" in str(caught.value)
    narrow = dataclasses.replace(layouts["thermal-2x1-300dpi"], width=100.0)
    with pytest.raises(LabelTooSmall):
        label_pdf(content(), narrow, zone)


def test_names_in_scripts_without_shaping_are_refused(layouts, zone):
    for name in ("דוד", "محمد", "अमित"):
        assert unprintable_characters(name)
        with pytest.raises(UnprintableText, match="U\\+"):
            label_pdf(content(infant_first_name=name), layouts["thermal-2x1-203dpi"], zone)
    assert unprintable_characters("Nguyễn Thị Ánh 王小明 김민준 さくら Αλέξης Иван") == []


def test_times_show_in_the_units_zone_across_daylight_saving(layouts, zone):
    summer = datetime.fromisoformat("2026-07-04T17:30:00+00:00")
    pdf = label_pdf(
        content(expires_at=summer, expressed_at=summer), layouts["thermal-2x1-203dpi"], zone
    )
    assert "04 Jul 2026 12:30 CDT" in text(pdf)
    with pytest.raises(ValueError, match="timezone-aware"):
        label_pdf(
            content(expires_at=datetime(2026, 7, 4, 12, 30)), layouts["thermal-2x1-203dpi"], zone
        )


def test_bad_content_is_refused(layouts, zone):
    layout = layouts["thermal-2x1-203dpi"]
    with pytest.raises(ValueError, match="MOM or DHM"):
        label_pdf(content(milk_type="formula"), layout, zone)
    with pytest.raises(ValueError, match="printable ASCII"):
        label_pdf(content(code="M00001é"), layout, zone)
    with pytest.raises(ValueError, match="thermal"):
        label_pdf(content(), layouts["sheet-letter-30"], zone)


def test_fonts_are_registered_once_per_process(layouts, zone, monkeypatch):
    label_pdf(content(infant_first_name="小明"), layouts["thermal-2x1-203dpi"], zone)
    loads = []
    original = ttfonts.TTFont.__init__

    def counting(self, *args, **kwargs):
        loads.append(args)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ttfonts.TTFont, "__init__", counting)
    for _ in range(3):
        label_pdf(content(infant_first_name="小明"), layouts["thermal-2x1-203dpi"], zone)
    assert loads == []


def test_text_never_overlaps_the_bars(layouts, zone):
    for name in THERMAL:
        plan = container_plan(everything(), layouts[name], zone)
        (bars,) = _plan_items(plan, Bars)
        for item in _plan_items(plan, Text):
            if item.text in (bars.code, "FOR ENTERAL USE ONLY"):
                assert item.top >= bars.top + bars.height
            else:
                assert item.top + item.size * 1.17 <= bars.top + 0.5, item.text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    serial=st.integers(min_value=1, max_value=99_999_999),
    first=names,
    last=names,
    layout_name=st.sampled_from(THERMAL),
    alert=st.booleans(),
    donor=st.booleans(),
)
def test_any_code_and_name_reads_back(
    layouts, zone, serial, first, last, layout_name, alert, donor
):
    code = container_code(serial)
    label = content(
        code=code,
        infant_first_name=first,
        infant_last_name=last,
        name_alert=alert,
        milk_type="DHM" if donor else "MOM",
        donor_lot="L-1" if donor else None,
    )
    layout = layouts[layout_name]
    pdf = label_pdf(label, layout, zone)  # never refused: shrunk, wrapped, condensed, broken
    image = render(pdf)
    assert decode(image) == [code]
    if layout.datamatrix.enabled:
        assert decode(image, zxingcpp.BarcodeFormat.DataMatrix) == [code]
    assert squash(label.full_name) in squash(text(pdf))
