"""names.py: NAME ALERT for babies a nurse could confuse, and the folded form searches use.

domain.md: newborn names are confusingly alike ("Baby Girl Smith", twins); flag similar names
in the unit. Same last name, or full names within an edit distance of 2, are flagged.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nicu_milk.names import (
    EDIT_DISTANCE,
    alerted,
    edit_distance,
    infant_search_name,
    normalise,
    search_form,
    similar,
)


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("Zoë  Peña", "zoe pena"),
        ("  ANNA\tLENA ", "anna lena"),
        ("Müller", "muller"),
        ("Ǆemal", "dzemal"),  # a compatibility ligature is taken apart
        ("ﬁona", "fiona"),
        ("Søren", "søren"),  # ø is a letter of its own to NFKD: only search_form folds it
        ("", ""),
    ],
)
def test_normalise_sets_aside_case_accents_and_spacing(typed, normal):
    assert normalise(typed) == normal


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Hernández", "hernandez"),
        ("O’Brien", "obrien"),
        ("O'Brien", "obrien"),
        ("Anna-Lena", "anna lena"),
        ("Søren Łukasz", "soren lukasz"),
        ("Ægir Þórsson", "aegir thorsson"),
        ("Baby_Girl", "baby girl"),
        ("Smith, Baby Girl", "smith baby girl"),
        ("  --  ", ""),
    ],
)
def test_search_form_also_sets_aside_punctuation_and_letters_without_accents(typed, folded):
    assert search_form(typed) == folded


def test_a_babys_search_name_reads_both_ways_round():
    assert infant_search_name("Zoë", "Peña-Ruiz") == "zoe pena ruiz | pena ruiz zoe"


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("smith", "smith", 0),
        ("smith", "smyth", 1),  # one substitution
        ("smith", "smiths", 1),  # one insertion
        ("smith", "mith", 1),  # one deletion
        ("baby girl smith", "baby boy smith", 3),  # capped: more than the limit
        ("jon", "john", 1),
        ("", "ab", 2),
        ("abcdef", "ab", 3),  # the lengths alone exceed the limit
        ("kitten", "sitting", 3),
    ],
)
def test_edit_distance_up_to_the_limit(a, b, distance):
    assert edit_distance(a, b) == distance


def test_edit_distance_past_the_limit_is_limit_plus_one():
    assert edit_distance("kitten", "sitting", limit=5) == 3
    assert edit_distance("abcdefgh", "zyxwvuts", limit=2) == 3


@pytest.mark.parametrize(
    ("first_a", "last_a", "first_b", "last_b", "flagged"),
    [
        ("Ava", "Nguyen", "Liam", "Nguyen", True),  # twins: the same last name
        ("Ava", "NGUYEN", "Liam", "nguyen", True),  # whatever the case
        ("Zoë", "Peña", "Zoe", "Pena", True),  # or the accents
        ("Baby Girl", "Smith", "Baby Girl", "Smyth", True),  # full names one edit apart
        ("Jon", "Bates", "John", "Bate", True),  # two edits
        ("Ava", "Smith", "Ben", "Jones", False),
        ("Baby Girl", "Smith", "Baby Boy", "Smythe", False),  # four edits apart
        ("Maria", "Lopez", "Mario", "Lopes", True),  # two edits across the full name
        ("Maria", "Lopez", "Marco", "Lopes", False),  # three
    ],
)
def test_similar_names_are_the_same_last_name_or_two_edits_apart(
    first_a, last_a, first_b, last_b, flagged
):
    assert similar(first_a, last_a, first_b, last_b) is flagged
    assert similar(first_b, last_b, first_a, last_a) is flagged  # either way round


def test_alerted_flags_both_babies_of_each_similar_pair_and_no_other():
    unit = [
        ("Ava", "Nguyen"),  # 0: twin of 1
        ("Liam", "Nguyen"),  # 1
        ("Baby Girl", "Smith"),  # 2: one edit from 3
        ("Baby Girl", "Smyth"),  # 3
        ("Olivia", "Okafor"),  # 4: like no one
    ]
    assert alerted(unit) == {0, 1, 2, 3}
    assert alerted([("Olivia", "Okafor")]) == set()
    assert alerted([]) == set()


names = st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12)


@given(names, names, names, names)
def test_similar_is_symmetric(first_a, last_a, first_b, last_b):
    assert similar(first_a, last_a, first_b, last_b) == similar(first_b, last_b, first_a, last_a)


@given(names, names)
def test_a_name_is_similar_to_itself_typed_another_way(first, last):
    assert similar(first, last, first.upper(), f"  {last.lower()} ")


@given(st.text(max_size=10), st.text(max_size=10))
def test_edit_distance_is_a_capped_metric(a, b):
    distance = edit_distance(a, b)
    assert distance == edit_distance(b, a)
    assert (distance == 0) == (a == b)
    assert 0 <= distance <= EDIT_DISTANCE + 1


@given(st.text(min_size=1, max_size=10), st.integers(0, 9), st.characters(categories=["Ll"]))
def test_one_changed_letter_is_one_edit(word, position, letter):
    assume(position < len(word) and word[position] != letter)
    changed = word[:position] + letter + word[position + 1 :]
    assert edit_distance(word, changed) == 1


@given(st.text(max_size=20))
def test_search_form_is_idempotent_and_plain(text):
    folded = search_form(text)
    assert search_form(folded) == folded
    assert folded == folded.strip() and "  " not in folded
    assert folded == folded.casefold()
