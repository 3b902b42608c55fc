"""Numbers and names look the same everywhere: one pure module writes them for labels, reports,
pages and the API's messages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nicu_milk import formatting
from nicu_milk.printing.content import display_name, format_kcal, format_ml
from nicu_milk.web.display import ml as page_ml


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (60, "60 mL"),
        (Decimal("60.00"), "60 mL"),  # as the database gives it back: no trailing .00
        (Decimal("22.50"), "22.5 mL"),
        (22.5, "22.5 mL"),
        (Decimal("30.25"), "30.25 mL"),
        (0.1, "0.1 mL"),
        (1000, "1000 mL"),
        (Decimal("1E+3"), "1000 mL"),
        (None, "—"),
    ],
)
def test_volumes(value, text):
    assert formatting.ml(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (24, "24 kcal/oz"),
        (Decimal("24.0"), "24 kcal/oz"),
        (Decimal("22.5"), "22.5 kcal/oz"),
        (26.0, "26 kcal/oz"),
        (None, "—"),
    ],
)
def test_caloric_density(value, text):
    assert formatting.kcal_per_oz(value) == text


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "abc"])
def test_what_is_no_number_is_refused(bad):
    with pytest.raises(ValueError):
        formatting.ml(bad)


@pytest.mark.parametrize(
    ("first", "last", "person", "label"),
    [
        ("Ava", "Nguyen", "Ava Nguyen", "Nguyen, Ava"),
        ("Baby Girl", "Smith", "Baby Girl Smith", "Smith, Baby Girl"),
        ("  Zoe\u0308 ", "Mu\u0308ller\n", "Zoë Müller", "Müller, Zoë"),
        ("", "Okafor", "Okafor", "Okafor"),
        ("Leo", None, "Leo", "Leo"),
    ],
)
def test_the_two_orders_of_a_name(first, last, person, label):
    assert formatting.person_name(first, last) == person
    assert formatting.label_name(first, last) == label


@given(st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2))
def test_labels_and_pages_write_every_volume_alike(volume):
    text = formatting.ml(volume)
    assert format_ml(float(volume)) == text == page_ml(volume)
    assert Decimal(text.removesuffix(" mL")) == volume
    assert not text.removesuffix(" mL").endswith((".0", "."))


def test_labels_write_names_and_density_alike():
    assert display_name("Ava", "Nguyen") == formatting.label_name("Ava", "Nguyen")
    assert format_kcal(24.0) == formatting.kcal_per_oz(Decimal("24.0")) == "24 kcal/oz"
