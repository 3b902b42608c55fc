"""Text measuring and wrapping: nothing is ever dropped, and scripts go to a font that has them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nicu_milk.printing.fonts import (
    BOLD,
    CJK,
    REGULAR,
    balanced_lines,
    clean,
    runs,
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


def test_balanced_lines_break_evenly_at_a_space_or_after_a_hyphen():
    assert balanced_lines("Smith, Baby Girl A", 10, True, 90, 2) == ("Smith,", "Baby Girl A")
    assert balanced_lines("Featherstonehaugh-Montgomery", 10, True, 120, 2) == (
        "Featherstonehaugh-",
        "Montgomery",
    )
    name = "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh, Anastasia-Magdalena"
    assert balanced_lines(name, 6, True, 140, 3) == (
        "Wolfeschlegelsteinhausenbergerdorff-",
        "Featherstonehaugh,",
        "Anastasia-Magdalena",
    )
    # Never inside a word: a single long word has no two lines, however narrow the type.
    assert balanced_lines("Wolfeschlegelsteinhausen", 10, True, 100, 2) is None
    assert balanced_lines("Smith", 10, True, 5, 1) is None


@settings(max_examples=300, deadline=None)
@given(
    text=words,
    limit=st.floats(min_value=20, max_value=300),
    size=st.sampled_from([6, 9]),
    bold=st.booleans(),
)
def test_wrap_keeps_every_character_and_respects_the_width(text, limit, size, bold):
    lines = wrap(text, size, bold, limit)
    assert squash("".join(lines)) == squash(text)
    for line in lines:
        assert width(line, size, bold) <= limit or len(line.rstrip("\u0300\u0301")) == 1


@settings(max_examples=300, deadline=None)
@given(text=words, limit=st.floats(min_value=30, max_value=300), count=st.integers(1, 3))
def test_balanced_lines_keep_every_character_or_say_they_cannot(text, limit, count):
    lines = balanced_lines(text, 8, True, limit, count)
    assert lines is None or (
        len(lines) == count
        and squash("".join(lines)) == squash(text)
        and all(width(line, 8, True) <= limit + 1e-6 for line in lines)
    )
