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
    "excursion_holds",
    "excursions",
    "cold_chain_sign_offs",
    "sensor_readings",
    "sensor_assignments",
    "sign_in_attempts",
    "check_attempts",
    "feeds",
    "container_events",
    "container_parents",
    "containers",
    "api_tokens",
    "parent_infants",
    "users",
    "infants",
    "mothers",
    "storage_locations",
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
    from nicu_milk.services import accounts, families, storage

    session = db.session
    for code, name, kind, parent in LOCATIONS:
        storage.create_location(session, code, name, kind, parent)
    today = now().astimezone(zone()).date()
    for mrn, first, last, mother, mother_first, mother_last, consent in BABIES:
        families.admit_infant(
            session,
            mrn=mrn,
            first_name=first,
            last_name=last,
            date_of_birth=today - dt.timedelta(days=10),
            mother_mrn=mother,
            mother_first_name=mother_first,
            mother_last_name=mother_last,
            donor_milk_consent=consent,
            wristband_code=None,
            daily_volume_ml=Decimal(240),
            today=today,
        )
    for username, role, display, badge, infants in USERS:
        accounts.create_user(
            session,
            username,
            role,
            PASSWORD,
            infant_mrns=list(infants),
            display_name=display,
            badge_code=badge,
            hash_method=TestConfig.PASSWORD_HASH_METHOD,
        )
    session.commit()


def receive(
    mrn: str = "INF100",
    *,
    hours_ago: float = 2,
    location: str = "FR1-S1",
    volume: int = 60,
    colostrum: bool = False,
    received_hours_ago: float | None = None,
    milk_type: str = "MOM",
) -> str:
    """Milk received by nurse nina; the container's code."""
    from nicu_milk.models import Infant, User
    from nicu_milk.runtime import now, unit
    from nicu_milk.services import receiving
    from nicu_milk.services.storage import get_location

    session = db.session
    nurse = session.scalars(db.select(User).where(User.username == "nina")).one()
    infant = session.scalars(db.select(Infant).where(Infant.mrn == mrn)).one()
    moment = now()
    donor = milk_type == "DHM"
    container = receiving.create_container(
        session,
        unit(),
        nurse,
        infant,
        expressed_at=moment - dt.timedelta(hours=hours_ago),
        volume_ml=Decimal(volume),
        milk_type=milk_type,
        location=get_location(session, location),
        colostrum=colostrum,
        medications=None,
        donor_lot="LOT-7" if donor else None,
        donor_product_code=None,
        donor_expires_at=moment + dt.timedelta(days=30) if donor else None,
        at=moment - dt.timedelta(hours=received_hours_ago) if received_hours_ago else None,
    )
    session.commit()
    return container.code


def reserve(mrn: str = "INF100", count: int = 1) -> list[str]:
    from nicu_milk.models import Infant, User
    from nicu_milk.runtime import unit
    from nicu_milk.services import receiving

    session = db.session
    nurse = session.scalars(db.select(User).where(User.username == "nina")).one()
    infant = session.scalars(db.select(Infant).where(Infant.mrn == mrn)).one()
    made = receiving.reserve_labels(session, unit(), nurse, infant, count)
    session.commit()
    return made


# The longest names a unit meets (issue reports and the label work): a page must fit them.
LONG_FIRST = "Anastasia-Magdalena"
LONG_LAST = "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh"
LONG_MOTHER = ("MOM900", "Maria-Concepción", LONG_LAST)
LONG_PLACE = ("DF9", "Deep freezer in the corridor by the milk room", "deep_freezer")
LONG_SHELF = ("DF9-DRAWER-LEFT-BOTTOM", "Bottom drawer on the left, behind the door", "DF9")
LONG_MEDICATIONS = (
    "Sertraline 50 mg once daily; labetalol 200 mg twice daily; "
    "metformin 500 mg with meals; domperidone 10 mg three times daily"
)


def wristband(mrn: str) -> str:
    """A crowded unit's wristbands are long codes, not the MRN."""
    return f"WB-{mrn}-LONG-WRISTBAND-CODE"


def crowd() -> dict[str, str]:
    """The seeded unit, crowded the way pages break: long names and places, every badge, near
    misses, a discharged baby with milk left, a parent of twins. Returns codes for the pages."""
    from nicu_milk.models import Infant, User
    from nicu_milk.runtime import now, unit, zone
    from nicu_milk.services import accounts, families, feeding, receiving, storage
    from nicu_milk.services import storage as ledger

    session = db.session
    code, name, kind = LONG_PLACE
    storage.create_location(session, code, name, kind, None)
    code, name, parent = LONG_SHELF
    storage.create_location(session, code, name, None, parent)
    today = now().astimezone(zone()).date()
    twins = []
    for mrn, first in (("INF900", LONG_FIRST), ("INF901", "Baby Girl B")):
        twins.append(
            families.admit_infant(
                session,
                mrn=mrn,
                first_name=first,
                last_name=LONG_LAST,
                date_of_birth=today - dt.timedelta(days=3),
                mother_mrn=LONG_MOTHER[0],
                mother_first_name=LONG_MOTHER[1],
                mother_last_name=LONG_MOTHER[2],
                donor_milk_consent=True,
                wristband_code=wristband(mrn),
                daily_volume_ml=Decimal(400),
                today=today,
            )
        )
    accounts.create_user(
        session,
        "maria.wolfeschlegel",
        "parent",
        PASSWORD,
        infant_mrns=["INF900", "INF901"],
        display_name=f"{LONG_MOTHER[1]} {LONG_LAST}",
        hash_method=TestConfig.PASSWORD_HASH_METHOD,
    )
    accounts.create_user(
        session,
        "bartholomew.featherstonehaugh",
        "nurse",
        PASSWORD,
        display_name="Bartholomew Alexander Featherstonehaugh-Wolfeschlegel",
        badge_code="BADGE-0000000000000000000042",
        hash_method=TestConfig.PASSWORD_HASH_METHOD,
    )
    session.commit()

    here = unit()
    nurse = session.scalars(db.select(User).where(User.username == "nina")).one()
    moment = now()
    shelf = storage.get_location(session, LONG_SHELF[0])
    fridge = storage.get_location(session, "FR1-S1")

    def bottle(infant, place, hours_ago, **extra):
        fields = {
            "volume_ml": Decimal(60),
            "milk_type": "MOM",
            "colostrum": False,
            "medications": None,
            "donor_lot": None,
            "donor_product_code": None,
            "donor_expires_at": None,
            "at": None,
            **extra,
        }
        return receiving.create_container(
            session,
            here,
            nurse,
            infant,
            expressed_at=moment - dt.timedelta(hours=hours_ago),
            location=place,
            **fields,
        )

    baby, twin = twins
    busy = bottle(baby, fridge, 3, colostrum=True, medications=LONG_MEDICATIONS)
    ledger.fortify(
        session,
        here,
        nurse,
        busy,
        "Human milk fortifier, extensively hydrolysed",
        Decimal("24"),
        None,
    )
    ledger.hold(session, here, nurse, busy, "Positive culture: awaiting the microbiology result")
    frozen = bottle(baby, shelf, 30, volume_ml=Decimal("120.5"), colostrum=True)
    bottle(baby, fridge, 47.5)  # expires within the hour
    bottle(baby, fridge, 60, at=moment - dt.timedelta(hours=59))  # expired
    donor = bottle(
        twin,
        shelf,
        24 * 20,
        milk_type="DHM",
        donor_lot="BANK-LOT-2026-11-000042",
        donor_product_code="M0001",
        donor_expires_at=moment + dt.timedelta(days=90),
    )
    fed = bottle(twin, fridge, 2)
    # A parent's drop-off waiting for the nurse, and a blank take-home label.
    waiting = receiving.create_container(
        session,
        here,
        session.scalars(db.select(User).where(User.username == "maria.wolfeschlegel")).one(),
        baby,
        expressed_at=moment - dt.timedelta(hours=1),
        volume_ml=Decimal(45),
        milk_type="MOM",
        location=None,
        colostrum=True,
        medications=None,
        donor_lot=None,
        donor_product_code=None,
        donor_expires_at=None,
        at=None,
    )
    [blank] = receiving.reserve_labels(session, here, nurse, twin, 1)
    session.commit()

    # Near misses this shift: another baby's milk (a stop) and a twin's milk (a warning).
    other = receive("INF300", hours_ago=1, location="FR1-S2")
    feeding.check(session, here, nurse, wristband("INF900"), other)
    feeding.check(session, here, nurse, wristband("INF900"), fed.code)
    feeding.check(session, here, nurse, "NO-SUCH-WRISTBAND", fed.code)
    given = feeding.feed(
        session,
        here,
        nurse,
        wristband("INF901"),
        fed.code,
        Decimal(10),
        acknowledged=feeding.EVERY_WARNING,
        finished=False,
        at=None,
        witness=None,
    )
    assert not given.refused, given.scan.verdict
    # A discharged baby with milk left in the unit.
    leaving = session.scalars(db.select(Infant).where(Infant.mrn == "INF300")).one()
    bottle(leaving, shelf, 5, volume_ml=Decimal(80))
    families.discharge(session, leaving, moment)
    session.commit()
    return {
        "busy": busy.code,
        "frozen": frozen.code,
        "donor": donor.code,
        "fed": fed.code,
        "waiting": waiting.code,
        "blank": blank,
        "other": other,
    }


def warm_fridge(code: str = "FR1", mrn: str = "INF100") -> tuple[str, int]:
    """A sensor on the fridge `code` since yesterday (the fridge is made if missing), a bottle
    in it, and an hour out of range from about three hours ago; the bottle and the excursion."""
    from sqlalchemy import select

    from nicu_milk.coldchain_models import Excursion
    from nicu_milk.models import StorageLocation
    from nicu_milk.runtime import now, unit
    from nicu_milk.services import coldchain
    from nicu_milk.services import storage as locations

    session = db.session
    place = session.scalars(select(StorageLocation).where(StorageLocation.code == code)).first()
    if place is None:
        place = locations.create_location(
            session, code, "Temperature test fridge", "refrigerator", None
        )
        session.commit()
    bottle = receive(mrn, hours_ago=4, received_hours_ago=3.5, location=code)
    current = unit()
    yesterday = type(current)(**{**vars(current), "now": now() - dt.timedelta(days=1)})
    sensor = f"T-{code}"
    coldchain.assign_sensor(session, yesterday, place, sensor)
    moment = now()
    temperatures = [3.0] * 12 + [8.0] * 13 + [3.2] * 24
    readings = [
        coldchain.NewReading(sensor, moment - dt.timedelta(minutes=240 - 5 * index), celsius)
        for index, celsius in enumerate(temperatures)
    ]
    coldchain.store_readings(session, current, readings, "csv")
    session.commit()
    excursion = session.scalars(select(Excursion).where(Excursion.location_id == place.id)).one()
    return bottle, excursion.id
