"""Text measuring and wrapping: nothing is ever dropped, and scripts go to a font that has them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nicu_milk.printing.fonts import (
    BOLD,
    CJK,
    REGULAR,
    clean,
    runs,
    two_lines,
    unprintable_characters,
    width,
    wrap,
)

from .readback import squash
from .test_labels import ALPHABETS

words = st.text(alphabet="".join(ALPHABETS) + " -", min_size=1, max_size=80).map(clean)


def test_runs_switch_to_the_cjk_font_only_where_needed():
    assert runs("Smith, Olivia") == [(REGULAR, "Smith, Olivia")]
    assert runs("王 Wang 김", bold=True) == [(CJK, "王"), (BOLD, " Wang "), (CJK, "김")]
    assert runs("Nguyễn") == [(REGULAR, "Nguyễn")]


def test_combining_marks_stay_with_their_letter():
    decomposed = "Zoe\u0308 \u738b\u0301"
    assert [font for font, _ in runs(decomposed)] == [REGULAR, CJK]
    assert "".join(part for _, part in runs(decomposed)) == decomposed


def test_clean_normalises_and_collapses_white_space():
    assert clean("  Zoe\u0308\t\nSmith  ") == "Zoë Smith"


def test_unprintable_characters_are_named():
    assert unprintable_characters("Ann\x00") == ["\x00"]
    assert unprintable_characters("שרה Sarah") == ["ש", "ר", "ה"]
    assert unprintable_characters("अमित") == ["अ", "म", "ि", "त"]
    assert unprintable_characters("Åsa Øberg-Ñúñez 山田 さくら 민준") == []


def test_two_lines_prefers_a_balanced_break_at_a_space_or_hyphen():
    assert two_lines("Smith, Baby Girl A", 10, True, 90) == ("Smith,", "Baby Girl A")
    assert two_lines("Featherstonehaugh-Montgomery", 10, True, 120) == (
        "Featherstonehaugh-", "Montgomery")
    assert two_lines("Wolfeschlegelsteinhausen", 10, True, 100) is not None
    assert two_lines("Wolfeschlegelsteinhausenbergerdorff", 10, True, 50) is None


@settings(max_examples=300, deadline=None)
@given(text=words, limit=st.floats(min_value=20, max_value=300), size=st.sampled_from([6, 9]),
       bold=st.booleans())
def test_wrap_keeps_every_character_and_respects_the_width(text, limit, size, bold):
    lines = wrap(text, size, bold, limit)
    assert squash("".join(lines)) == squash(text)
    for line in lines:
        assert width(line, size, bold) <= limit or len(line.rstrip("\u0300\u0301")) == 1


@settings(max_examples=300, deadline=None)
@given(text=words, limit=st.floats(min_value=30, max_value=300))
def test_two_lines_keeps_every_character_or_says_it_cannot(text, limit):
    lines = two_lines(text, 8, True, limit)
    if lines is None:  # it fits on one line, or no two lines hold it
        assert width(text, 8, True) <= limit or len(wrap(text, 8, True, limit)) > 2
        return
    assert squash("".join(lines)) == squash(text)
    assert all(width(line, 8, True) <= limit for line in lines)
