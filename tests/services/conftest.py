"""Use cases called as any new caller would: a plain database session, no HTTP, no forms.

Each test runs on SQLite and on PostgreSQL (the `app` fixture). The unit is small: a fridge, a
freezer and a bedside place, a nurse, a parent, one baby and a pair of twins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from nicu_milk.extensions import db
from nicu_milk.models import Container, Infant, StorageLocation, User
from nicu_milk.runtime import unit as current_unit
from nicu_milk.services import accounts, families, receiving, storage
from nicu_milk.services.common import NicuUnit
from tests.conftest import PASSWORD

UTC = dt.UTC


@dataclass
class Ward:
    nurse: User
    other_nurse: User
    parent: User
    fridge: StorageLocation
    freezer: StorageLocation
    bedside: StorageLocation
    ava: Infant
    leo: Infant
    mia: Infant

    def here(self, now: dt.datetime | None = None) -> NicuUnit:
        """The unit as a use case sees it, at `now` (the real clock by default)."""
        from dataclasses import replace

        here = current_unit()
        return here if now is None else replace(here, now=now)

    def receive(
        self, infant: Infant | None = None, *, volume: str = "60", hours_ago: float = 2, **extra
    ) -> Container:
        here = self.here()
        fields = {
            "expressed_at": here.now - dt.timedelta(hours=hours_ago),
            "volume_ml": Decimal(volume),
            "milk_type": "MOM",
            "location": self.fridge,
            "colostrum": False,
            "medications": None,
            "donor_lot": None,
            "donor_product_code": None,
            "donor_expires_at": None,
            "at": None,
            **extra,
        }
        bottle = receiving.create_container(
            db.session, here, self.nurse, infant or self.ava, **fields
        )
        db.session.commit()
        return bottle


def _user(username: str, role: str, infants=()) -> User:
    return accounts.create_user(
        db.session,
        username,
        role,
        PASSWORD,
        infant_mrns=list(infants),
        hash_method="pbkdf2:sha256:1000",
    )


@pytest.fixture
def ward(app) -> Ward:
    fridge = storage.create_location(db.session, "FR1", "Milk fridge 1", "refrigerator", None)
    freezer = storage.create_location(db.session, "FZ1", "Freezer 1", "freezer", None)
    bedside = storage.create_location(db.session, "BED1", "Bedside 1", "room", None)
    today = dt.datetime.now(UTC).date()
    babies = {}
    for mrn, first, last, mother, mother_first in (
        ("INF100", "Ava", "Nguyen", "MOM100", "Linh"),
        ("INF200", "Leo", "Okafor", "MOM200", "Ada"),
        ("INF201", "Mia", "Okafor", "MOM200", "Ada"),
    ):
        babies[first] = families.admit_infant(
            db.session,
            mrn=mrn,
            first_name=first,
            last_name=last,
            date_of_birth=today - dt.timedelta(days=5),
            mother_mrn=mother,
            mother_first_name=mother_first,
            mother_last_name=last,
            donor_milk_consent=mrn != "INF100",
            wristband_code=None,
            daily_volume_ml=None,
            today=today,
        )
    db.session.flush()
    ward = Ward(
        nurse=_user("nina", "nurse"),
        other_nurse=_user("noor", "nurse"),
        parent=_user("linh", "parent", ("INF100",)),
        fridge=fridge,
        freezer=freezer,
        bedside=bedside,
        ava=babies["Ava"],
        leo=babies["Leo"],
        mia=babies["Mia"],
    )
    db.session.commit()
    return ward
