"""families on a plain session: admitting babies, finding them by wristband, MRN or name,
holding a mother's milk, discharge, and the guards on each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from nicu_milk.errors import Conflict, DomainError, NotFound
from nicu_milk.extensions import db
from nicu_milk.services import families

UTC = dt.UTC


def admit(**changes):
    today = dt.datetime.now(UTC).date()
    fields = {
        "mrn": "INF300",
        "first_name": "Zoë",
        "last_name": "Müller",
        "date_of_birth": today - dt.timedelta(days=1),
        "mother_mrn": "MOM300",
        "mother_first_name": "Eva",
        "mother_last_name": "Müller",
        "donor_milk_consent": False,
        "wristband_code": None,
        "daily_volume_ml": None,
        "today": today,
        **changes,
    }
    return families.admit_infant(db.session, **fields)


def test_a_baby_is_found_by_wristband_mrn_or_name(ward):
    zoe = admit(wristband_code="WB-300")
    db.session.commit()
    assert families.infant_by_wristband(db.session, "wb-300") == zoe  # Caps Lock off
    assert families.infant_by_wristband_or_mrn(db.session, "INF300") == zoe
    assert families.infant_by_wristband_or_mrn(db.session, "INF999") is None
    assert families.search_infants(db.session, "zoe") == [zoe]
    assert families.mother_by_mrn(db.session, "MOM300") == zoe.mother
    with pytest.raises(NotFound):
        families.mother_by_mrn(db.session, "MOM999")


def test_babies_are_listed_in_the_unit_first_or_by_name(ward):
    families.discharge(db.session, ward.ava, ward.here().now)
    db.session.commit()
    assert [b.first_name for b in families.infants(db.session)] == ["Leo", "Mia", "Ava"]
    assert [b.first_name for b in families.infants(db.session, admitted_first=False)] == [
        "Ava",
        "Leo",
        "Mia",
    ]


ADMISSION_REFUSALS = [
    ({"mrn": "INF100"}, "DUPLICATE_MRN"),
    ({"mrn": "INF 300"}, "INVALID_MRN"),
    ({"first_name": ""}, "INVALID_NAME"),
    ({"date_of_birth": dt.date(2000, 1, 1)}, "INVALID_DATE_OF_BIRTH"),
    ({"mother_mrn": "MOM100"}, "MOTHER_MISMATCH"),
    ({"daily_volume_ml": Decimal(0)}, "INVALID_VOLUME"),
    ({"daily_volume_ml": Decimal("2000")}, "INVALID_VOLUME"),
]


@pytest.mark.parametrize(("change", "code"), ADMISSION_REFUSALS)
def test_a_bad_admission_is_a_domain_error(ward, change, code):
    with pytest.raises(DomainError) as refused:
        admit(**change)
    assert refused.value.code == code, refused.value.message


def test_the_daily_volume_is_guarded_on_update_too(ward):
    with pytest.raises(DomainError) as refused:
        families.update_infant(ward.ava, daily_volume_ml=Decimal("-10"))
    assert refused.value.code == "INVALID_VOLUME"
    families.update_infant(ward.ava, daily_volume_ml=Decimal("120.5"))
    assert ward.ava.daily_volume_ml == Decimal("120.5")


def test_a_mothers_hold_covers_every_sibling_and_needs_a_reason(ward):
    leos, mias = ward.receive(ward.leo), ward.receive(ward.mia)
    with pytest.raises(DomainError) as refused:
        families.hold_mother(db.session, ward.leo.mother, "\x00", ward.nurse, ward.here().now)
    assert refused.value.code == "INVALID_TEXT"
    count = families.hold_mother(
        db.session, ward.leo.mother, "New medication", ward.nurse, ward.here().now
    )
    assert count == 2 and leos.held and mias.held
    with pytest.raises(Conflict):
        families.hold_mother(db.session, ward.leo.mother, "Again", ward.nurse, ward.here().now)
    families.release_mother(db.session, ward.leo.mother, ward.nurse, ward.here().now)
    assert not leos.held


def test_a_discharged_baby_with_milk_is_listed_for_the_charge_nurse(ward):
    ward.receive()
    families.discharge(db.session, ward.ava, ward.here().now)
    db.session.commit()
    [row] = families.discharged_with_milk(db.session)
    assert (row.infant, row.containers, row.volume_ml) == (ward.ava, 1, Decimal(60))
