"""storage on a plain session: moving, thawing, fortifying, holding, splitting, discarding, the
places milk is kept in, and the guards on each."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from nicu_milk.errors import Conflict, DomainError, InvalidInput, NotFound
from nicu_milk.extensions import db
from nicu_milk.models import Container, Setting
from nicu_milk.services import storage


def test_moving_into_a_freezer_freezes_and_thawing_thaws(ward):
    bottle = ward.receive()
    storage.move(db.session, ward.here(), ward.nurse, bottle, ward.freezer, None)
    assert bottle.state == "frozen" and bottle.location == ward.freezer
    storage.thaw(db.session, ward.here(), ward.nurse, bottle, ward.fridge, None)
    assert bottle.state == "thawed"
    assert [e.type for e in bottle.events] == ["received", "moved", "thawed"]


def test_a_hold_is_released_and_a_discard_ends_the_bottle(ward):
    bottle = ward.receive()
    storage.hold(db.session, ward.here(), ward.nurse, bottle, "Positive culture")
    assert bottle.held
    with pytest.raises(Conflict):
        storage.hold(db.session, ward.here(), ward.nurse, bottle, "Again")
    storage.release(db.session, ward.here(), ward.nurse, bottle)
    assert not bottle.held
    storage.discard(db.session, ward.here(), ward.nurse, bottle, "Spilled")
    assert bottle.state == "discarded"


def test_a_split_makes_children_that_add_up(ward):
    bottle = ward.receive()
    children = storage.split(
        db.session, ward.here(), ward.nurse, bottle, [Decimal(10), Decimal("12.5")]
    )
    assert [c.remaining_ml for c in children] == [Decimal(10), Decimal("12.5")]
    assert bottle.remaining_ml == Decimal("37.5")


# (the use case, its arguments after the bottle, the code of the refusal)
REFUSALS = [
    ("split", lambda w: ([],), "INVALID_VOLUME"),
    ("split", lambda w: ([Decimal(1)] * 21,), "INVALID_VOLUME"),
    ("split", lambda w: ([Decimal(0)],), "INVALID_VOLUME"),
    ("split", lambda w: ([Decimal("5.555")],), "INVALID_VOLUME"),
    ("split", lambda w: ([Decimal("-3")],), "INVALID_VOLUME"),
    ("split", lambda w: ([Decimal(50), Decimal(20)],), "VOLUME_EXCEEDS_REMAINING"),
    ("hold", lambda w: ("",), "INVALID_TEXT"),
    ("hold", lambda w: ("a\x07bell",), "INVALID_TEXT"),
    ("hold", lambda w: ("x" * 501,), "INVALID_TEXT"),
    ("discard", lambda w: (" ",), "INVALID_TEXT"),
    ("discard", lambda w: ("nul\x00",), "INVALID_TEXT"),
    ("fortify", lambda w: ("", None, None), "INVALID_NAME"),
    ("fortify", lambda w: ("HMF", Decimal(0), None), "INVALID_KCAL"),
    ("fortify", lambda w: ("HMF", Decimal(61), None), "INVALID_KCAL"),
    ("fortify", lambda w: ("HMF", Decimal("24.55"), None), "INVALID_KCAL"),
]


@pytest.mark.parametrize(("action", "arguments", "code"), REFUSALS)
def test_bad_values_are_domain_errors_and_change_nothing(ward, action, arguments, code):
    bottle = ward.receive()
    before = (bottle.state, bottle.remaining_ml, bottle.hold_reason, bottle.fortifier)
    with pytest.raises(DomainError) as refused:
        getattr(storage, action)(db.session, ward.here(), ward.nurse, bottle, *arguments(ward))
    assert refused.value.code == code, refused.value.message
    assert refused.value.message
    db.session.rollback()
    again = db.session.scalars(select(Container).where(Container.code == bottle.code)).one()
    assert (again.state, again.remaining_ml, again.hold_reason, again.fortifier) == before
    assert [e.type for e in again.events] == ["received"]


def test_places_are_found_by_code_and_listed_as_a_map(ward):
    shelf = storage.create_location(db.session, "FR1-S1", "Shelf 1", None, "FR1")
    bottle = ward.receive(location=shelf)
    assert storage.get_location(db.session, " FR1-S1 ") == shelf
    with pytest.raises(NotFound):
        storage.get_location(db.session, "NOWHERE")
    shelves = storage.storage_map(db.session, ward.fridge)
    assert [(s.location.code, s.depth, [c.code for c in s.containers]) for s in shelves] == [
        ("FR1", 0, []),
        ("FR1-S1", 1, [bottle.code]),
    ]
    units = {
        u.location.code: (u.containers, u.expired)
        for u in storage.storage_units(db.session, ward.here().now)
    }
    assert units == {"BED1": (0, 0), "FR1": (1, 0), "FZ1": (0, 0)}
    assert [code for code, _, _ in storage.location_choices(db.session)] == [
        "BED1",
        "FZ1",
        "FR1",
        "FR1-S1",
    ]


def test_a_place_code_is_one_strict_format(ward):
    with pytest.raises(InvalidInput) as refused:
        storage.create_location(db.session, "FR 2", "Fridge 2", "refrigerator", None)
    assert refused.value.code == "INVALID_CODE"


def test_a_new_policy_recomputes_only_once(ward):
    ward.receive()
    db.session.query(Setting).delete()
    db.session.commit()
    here = ward.here()
    assert storage.refresh_expiries(db.session, here) in (0, 1)
    assert db.session.get(Setting, "policy_fingerprint").value == here.fingerprint
    assert storage.refresh_expiries(db.session, here) == 0
