"""Properties of the identifier and name rules, over any text hypothesis can think of."""

import re
import string
import unicodedata

from hypothesis import assume, given
from hypothesis import strategies as st

from nicu_milk.identifiers import (
    IDENTIFIER_PATTERN,
    NAME_PATTERN,
    identifier_problem,
    invisible,
    name_problem,
)

ALLOWED = set(string.ascii_letters + string.digits + "-.")
any_text = st.text(max_size=120)
identifier_like = st.text(
    alphabet=st.sampled_from(sorted(ALLOWED) + ["\u200b", " ", "é", "/"]), max_size=70
)


@given(st.one_of(any_text, identifier_like))
def test_an_identifier_is_exactly_1_to_64_allowed_characters(text):
    ok = identifier_problem(text) is None
    assert ok == (1 <= len(text) <= 64 and set(text) <= ALLOWED)
    assert ok == (re.match(IDENTIFIER_PATTERN, text) is not None and len(text) <= 64)


@given(
    st.text(alphabet=st.sampled_from(sorted(ALLOWED)), max_size=40),
    st.characters(categories=["Cf"]),
    st.integers(min_value=0, max_value=40),
)
def test_a_refused_identifier_names_its_invisible_characters(code, hidden, where):
    text = code[:where] + hidden + code[where:]
    problem = identifier_problem(text)
    assert problem is not None
    assert f"U+{ord(hidden):04X}" in problem


@given(any_text)
def test_an_accepted_name_is_visible_trimmed_and_has_a_letter(text):
    assume(name_problem(text) is None)
    assert text == text.strip() and 1 <= len(text) <= 100
    assert any(ch.isalpha() for ch in text)
    assert not invisible(text)
    assert all(unicodedata.category(ch) != "Cc" for ch in text)
    assert re.match(NAME_PATTERN, text)


@given(
    st.text(alphabet=st.characters(categories=["Cf", "Zs", "Nd", "Po"]), min_size=1, max_size=20)
)
def test_a_name_without_a_letter_is_refused(text):
    assert name_problem(text) is not None


@given(
    st.text(alphabet=st.characters(categories=["Lu", "Ll", "Lo"]), min_size=1, max_size=30),
    st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e"]),
    st.integers(min_value=0, max_value=30),
)
def test_an_invisible_character_anywhere_in_a_name_is_named(letters, hidden, where):
    assume(not invisible(letters))
    text = letters[:where] + hidden + letters[where:]
    problem = name_problem(text)
    assert problem is not None and f"U+{ord(hidden):04X}" in problem
