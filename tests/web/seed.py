"""A small unit for page tests: fridges and freezers, four babies (twins among them), staff and
a parent. Used inside an app context, by the test-client tests and the browser tests alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import text

from config import TestConfig
from nicu_milk.extensions import db

PASSWORD = "correct horse battery"

LOCATIONS = (
    ("FR1", "Milk fridge 1", "refrigerator", None),
    ("FR1-S1", "Top shelf", None, "FR1"),
    ("FR1-S2", "Bottom shelf", None, "FR1"),
    ("FZ1", "Freezer 1", "freezer", None),
    ("FZ1-S1", "Shelf 1", None, "FZ1"),
    ("BED3", "Bedside 3", "room", None),
)
# mrn, first, last, mother mrn, mother first, mother last, donor consent
BABIES = (
    ("INF100", "Ava", "Nguyen", "MOM100", "Linh", "Nguyen", False),
    ("INF200", "Leo", "Okafor", "MOM200", "Ada", "Okafor", True),
    ("INF201", "Mia", "Okafor", "MOM200", "Ada", "Okafor", True),
    ("INF300", "Noah", "Fischer", "MOM300", "Eva", "Fischer", False),
)
# username, role, display name, badge, babies
USERS = (
    ("nina", "nurse", "Nina Park", "BADGE-NINA", ()),
    ("noor", "nurse", "Noor Haddad", None, ()),
    ("cara", "charge_nurse", "Cara Lopez", None, ()),
    ("ada", "admin", None, None, ()),
    ("linh", "parent", "Linh Nguyen", None, ("INF100",)),
)
TABLES_IN_DELETE_ORDER = (
    "check_attempts", "feeds", "container_events", "container_parents", "containers",
    "api_tokens", "parent_infants", "users", "infants", "mothers", "storage_locations",
    "settings",
)


def wipe() -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        for table in TABLES_IN_DELETE_ORDER:
            connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - names are constants
        connection.execute(text("UPDATE counters SET value = 0"))


def seed_unit() -> None:
    from nicu_milk.runtime import now, zone
    from nicu_milk.services import accounts, families, locations

    session = db.session
    for code, name, kind, parent in LOCATIONS:
        locations.create_location(session, code, name, kind, parent)
    today = now().astimezone(zone()).date()
    for mrn, first, last, mother, mother_first, mother_last, consent in BABIES:
        families.admit_infant(
            session, mrn=mrn, first_name=first, last_name=last,
            date_of_birth=today - dt.timedelta(days=10), mother_mrn=mother,
            mother_first_name=mother_first, mother_last_name=mother_last,
            donor_milk_consent=consent, wristband_code=None, daily_volume_ml=Decimal(240),
            today=today)
    for username, role, display, badge, infants in USERS:
        accounts.create_user(session, username, role, PASSWORD, infant_mrns=list(infants),
                             display_name=display, badge_code=badge,
                             hash_method=TestConfig.PASSWORD_HASH_METHOD)
    session.commit()


def receive(mrn: str = "INF100", *, hours_ago: float = 2, location: str = "FR1-S1",
            volume: int = 60, colostrum: bool = False, received_hours_ago: float | None = None,
            milk_type: str = "MOM") -> str:
    """Milk received by nurse nina; the container's code."""
    from nicu_milk.models import Infant, User
    from nicu_milk.runtime import now, unit
    from nicu_milk.services import containers as ledger
    from nicu_milk.services.locations import get_location

    session = db.session
    nurse = session.scalars(db.select(User).where(User.username == "nina")).one()
    infant = session.scalars(db.select(Infant).where(Infant.mrn == mrn)).one()
    moment = now()
    donor = milk_type == "DHM"
    container = ledger.create_container(
        session, unit(), nurse, infant,
        expressed_at=moment - dt.timedelta(hours=hours_ago), volume_ml=Decimal(volume),
        milk_type=milk_type, location=get_location(session, location), colostrum=colostrum,
        medications=None, donor_lot="LOT-7" if donor else None, donor_product_code=None,
        donor_expires_at=moment + dt.timedelta(days=30) if donor else None,
        at=moment - dt.timedelta(hours=received_hours_ago) if received_hours_ago else None)
    session.commit()
    return container.code


def reserve(mrn: str = "INF100", count: int = 1) -> list[str]:
    from nicu_milk.models import Infant, User
    from nicu_milk.runtime import unit
    from nicu_milk.services import containers as ledger

    session = db.session
    nurse = session.scalars(db.select(User).where(User.username == "nina")).one()
    infant = session.scalars(db.select(Infant).where(Infant.mrn == mrn)).one()
    made = ledger.reserve_labels(session, unit(), nurse, infant, count)
    session.commit()
    return made
