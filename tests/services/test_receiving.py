"""receiving on a plain session: who may record milk, where it goes, and the guards on it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from nicu_milk.errors import Conflict, DomainError
from nicu_milk.extensions import db
from nicu_milk.models import Container
from nicu_milk.services import families, receiving

UTC = dt.UTC


def containers() -> list[Container]:
    return db.session.scalars(select(Container)).all()


def test_a_nurse_receives_milk_into_a_place(ward):
    bottle = ward.receive(volume="45.5", colostrum=True)
    assert (bottle.state, bottle.location, bottle.remaining_ml) == (
        "fresh",
        ward.fridge,
        Decimal("45.5"),
    )
    assert [event.type for event in bottle.events] == ["received"]
    assert bottle.expires_at is not None


def test_milk_received_into_a_freezer_is_frozen(ward):
    assert ward.receive(location=ward.freezer).state == "frozen"


def test_a_parents_drop_off_waits_for_a_nurse(ward):
    here = ward.here()
    dropped = receiving.create_container(
        db.session,
        here,
        ward.parent,
        ward.ava,
        expressed_at=here.now - dt.timedelta(hours=1),
        volume_ml=Decimal(30),
        milk_type="MOM",
        location=None,
        colostrum=False,
        medications=None,
        donor_lot=None,
        donor_product_code=None,
        donor_expires_at=None,
        at=None,
    )
    assert dropped.state == "reserved" and dropped.location is None
    received = receiving.receive(
        db.session,
        here,
        ward.nurse,
        dropped,
        location=ward.fridge,
        expressed_at=None,
        volume_ml=None,
        colostrum=None,
        medications=None,
        at=None,
    )
    assert received.state == "fresh" and received.location == ward.fridge


def test_a_sheet_of_blank_labels_is_reserved(ward):
    made = receiving.reserve_labels(db.session, ward.here(), ward.parent, ward.ava, 3)
    assert len(set(made)) == 3
    assert {c.state for c in containers()} == {"reserved"}


def _later(hours: float) -> dt.datetime:
    return dt.datetime.now(UTC) + dt.timedelta(hours=hours)


# (who, what is changed from a good receipt (given the ward), the code of the refusal)
REFUSALS = [
    ("nurse", lambda w: {"location": None}, "MISSING_FIELD"),
    ("parent", lambda w: {"location": w.fridge}, "LOCATION_NOT_ALLOWED"),
    ("nurse", lambda w: {"volume_ml": Decimal(0)}, "INVALID_VOLUME"),
    ("nurse", lambda w: {"volume_ml": Decimal(-1)}, "INVALID_VOLUME"),
    ("nurse", lambda w: {"volume_ml": Decimal("1000.5")}, "INVALID_VOLUME"),
    ("nurse", lambda w: {"volume_ml": Decimal("12.345")}, "INVALID_VOLUME"),
    ("nurse", lambda w: {"volume_ml": "sixty"}, "INVALID_VOLUME"),
    ("nurse", lambda w: {"milk_type": "FORMULA"}, "INVALID_MILK_TYPE"),
    ("nurse", lambda w: {"milk_type": "DHM"}, "DONOR_LOT_REQUIRED"),
    ("nurse", lambda w: {"milk_type": "DHM", "donor_lot": "LOT-1"}, "DONOR_LOT_REQUIRED"),
    ("nurse", lambda w: {"donor_lot": "LOT-1"}, "NOT_DONOR_MILK"),
    (
        "nurse",
        lambda w: {"milk_type": "DHM", "donor_lot": "LOT 1", "donor_expires_at": _later(720)},
        "INVALID_CODE",
    ),
    ("nurse", lambda w: {"medications": "ibuprofen\x00"}, "INVALID_TEXT"),
    ("nurse", lambda w: {"medications": "   "}, "INVALID_TEXT"),
    ("nurse", lambda w: {"medications": "x" * 2001}, "INVALID_TEXT"),
    ("nurse", lambda w: {"expressed_at": _later(2)}, "FUTURE_TIME"),
    ("nurse", lambda w: {"at": _later(2)}, "FUTURE_TIME"),
]


@pytest.mark.parametrize(("who", "change", "code"), REFUSALS)
def test_a_bad_receipt_is_a_domain_error_and_records_nothing(ward, who, change, code):
    here = ward.here()
    fields = {
        "expressed_at": here.now - dt.timedelta(hours=2),
        "volume_ml": Decimal(60),
        "milk_type": "MOM",
        "location": None if who == "parent" else ward.fridge,
        "colostrum": False,
        "medications": None,
        "donor_lot": None,
        "donor_product_code": None,
        "donor_expires_at": None,
        "at": None,
        **change(ward),
    }
    user = ward.parent if who == "parent" else ward.nurse
    with pytest.raises(DomainError) as refused:
        receiving.create_container(db.session, here, user, ward.ava, **fields)
    assert refused.value.code == code, refused.value.message
    assert refused.value.message
    db.session.rollback()
    assert containers() == []


def test_milk_is_not_received_for_a_discharged_baby(ward):
    families.discharge(db.session, ward.ava, ward.here().now)
    with pytest.raises(Conflict) as refused:
        ward.receive()
    assert refused.value.code == "INFANT_DISCHARGED"


def test_receiving_twice_is_refused(ward):
    bottle = ward.receive()
    with pytest.raises(Conflict) as refused:
        receiving.receive(
            db.session,
            ward.here(),
            ward.nurse,
            bottle,
            location=ward.fridge,
            expressed_at=None,
            volume_ml=None,
            colostrum=None,
            medications=None,
            at=None,
        )
    assert refused.value.code == "ALREADY_RECEIVED"


def test_a_receipt_needs_a_place(ward):
    [code] = receiving.reserve_labels(db.session, ward.here(), ward.parent, ward.ava, 1)
    blank = db.session.scalars(select(Container).where(Container.code == code)).one()
    with pytest.raises(DomainError) as refused:
        receiving.receive(
            db.session,
            ward.here(),
            ward.nurse,
            blank,
            location=None,
            expressed_at=None,
            volume_ml=Decimal(20),
            colostrum=None,
            medications=None,
            at=None,
        )
    assert refused.value.code == "MISSING_FIELD"
