"""A realistic demo unit: about 20 babies, fridges and freezers, bottles in every state.

The unit is anchored to the time it is loaded: milk expires as real milk would, so a day later
much of it has. `demo-data --reset` loads it again, anchored to now; only a demo database (or
an empty one) is ever wiped.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .extensions import db
from .models import Container, Infant, Setting, StorageLocation, User
from .services import accounts, families, feeding, receiving, storage
from .services.common import NicuUnit

DEMO_PASSWORD = "nicu-demo-2026"
# Kept in the settings table, so that --reset can tell the demo unit from a real one.
DEMO_MARKER = "demo_loaded_at"
SIGN_IN = (
    "Sign in at /login with any of: admin, charge, nurse, nurse2, or parent (mother of Ava "
    f"Nguyen); the password is {DEMO_PASSWORD!r}."
)


class NotADemo(RuntimeError):
    """The database holds a real unit's records: the demo never wipes them."""


def is_demo(session: Session) -> bool:
    """Whether the database holds the demo unit (marked, or from before the mark existed)."""
    if session.get(Setting, DEMO_MARKER) is not None:
        return True
    return (
        session.scalar(select(StorageLocation.id).where(StorageLocation.code == STORAGE[0][0]))
        is not None
        and session.scalar(select(User.id).where(User.username == "nurse2")) is not None
    )


def wipe(session: Session) -> None:
    """Delete every record (the schema stays): only for the demo unit or an empty database."""
    if session.scalar(select(func.count()).select_from(Infant)) and not is_demo(session):
        raise NotADemo(
            "This database holds babies that are not the demo unit; --reset wipes only the demo."
        )
    session.flush()
    for table in reversed(db.metadata.sorted_tables):
        session.execute(table.delete())
    # Objects loaded before are gone from the database; the session must forget them too.
    session.expunge_all()


STORAGE = (
    (
        "UNIT-FRIDGE-A",
        "Milk fridge A",
        "refrigerator",
        ("Top shelf", "Middle shelf", "Bottom shelf"),
    ),
    ("UNIT-FRIDGE-B", "Milk fridge B", "refrigerator", ("Top shelf", "Bottom shelf")),
    (
        "UNIT-FREEZER-1",
        "Freezer 1 (-20 °C)",
        "freezer",
        ("Shelf 1", "Shelf 2", "Shelf 3", "Shelf 4"),
    ),
    ("UNIT-DEEP-1", "Deep freezer (-70 °C)", "deep_freezer", ("Rack A", "Rack B")),
    ("BEDSIDE-POD-1", "Bedside, pod 1", "room", ()),
    ("BEDSIDE-POD-2", "Bedside, pod 2", "room", ()),
)

# (first, last, mother's first name); a shared mother marks twins, similar names are on purpose.
BABIES = (
    ("Olivia", "Johnson", "Kayla"),
    ("Olivia", "Johnston", "Brianna"),
    ("Liam", "Garcia", "Maria"),
    ("Noah", "Garcia", "Maria"),
    ("Emma", "Williams", "Tasha"),
    ("Ava", "Nguyen", "Linh"),
    ("Sophia", "Patel", "Priya"),
    ("Mateo", "Hernández", "Lucía"),
    ("Isabella", "Brown", "Ashley"),
    ("Elijah", "Davis", "Monique"),
    ("Amara", "Okafor", "Ada"),
    ("Zoë", "Müller", "Anna"),
    ("Lucas", "Kim", "Ji-woo"),
    ("Harper", "Wilson", "Megan"),
    ("Ethan", "Moore", "Dana"),
    ("Aaliyah", "Jackson", "Keisha"),
    ("Baby Girl", "Smith", "Rachel"),
    ("Baby Boy", "Tran", "Mai"),
    ("Yusuf", "Ahmed", "Fatima"),
    ("Chloé", "Dubois", "Camille"),
    ("Jayden", "Lee", "Grace"),
)
TWINS_OF = {"Noah"}  # Noah Garcia is Liam Garcia's twin: the same mother


def load_demo(session: Session, unit: NicuUnit, *, seed: int = 20261128) -> str:
    if session.scalar(select(func.count()).select_from(Infant)):
        if not is_demo(session):
            return "The database already holds babies; demo data was not loaded."
        marker = session.get(Setting, DEMO_MARKER)
        when = f" on {marker.value[:16].replace('T', ' ')} UTC" if marker else ""
        return (
            f"The database already holds the demo unit, loaded{when}; it was kept as it is. "
            "Its milk ages as real milk does: run demo-data --reset to load it again, "
            "anchored to now.\n" + SIGN_IN
        )
    rng = random.Random(seed)
    now = unit.now
    shelves = _storage(session)
    staff = _users(session)
    babies = _babies(session, now, rng)
    nurse = staff["nurse"]
    count = 0
    for index, baby in enumerate(babies):
        for _ in range(rng.randint(8, 20)):
            count += _bottle(
                session, unit, nurse, baby, shelves, rng, consented=baby.donor_milk_consent
            )
        if index % 3 == 0:
            for code in receiving.reserve_labels(session, unit, nurse, baby, 3):
                count += bool(code)
    # Near misses for the charge nurse's report: a twin's milk scanned at the other's bedside.
    garcias = [b for b in babies if b.last_name == "Garcia"]
    twin_milk = session.scalars(
        select(Container)
        .where(Container.infant_id == garcias[1].id, Container.state.in_(("fresh", "thawed")))
        .limit(1)
    ).first()
    if twin_milk is not None:
        feeding.check(session, unit, nurse, garcias[0].wristband_code, twin_milk.code)
    stranger = session.scalars(
        select(Container).where(Container.infant_id == babies[4].id).limit(1)
    ).first()
    if stranger is not None:
        feeding.check(session, unit, nurse, babies[5].wristband_code, stranger.code)
    families.discharge(session, babies[-1], now - dt.timedelta(hours=3))
    session.merge(Setting(key=DEMO_MARKER, value=now.isoformat()))
    return (
        f"Loaded {len(babies)} babies, {len(shelves)} storage places and {count} containers.\n"
        + SIGN_IN
    )


def _storage(session: Session) -> list:
    places = []
    for code, name, kind, children in STORAGE:
        top = storage.create_location(session, code, name, kind, None)
        places.append(top)
        for number, child in enumerate(children, 1):
            places.append(storage.create_location(session, f"{code}-{number}", child, None, code))
    return places


def _users(session: Session) -> dict[str, User]:
    made = {}
    for username, role, name, badge in (
        ("admin", "admin", "Unit administrator", None),
        ("charge", "charge_nurse", "Charge nurse Rivera", "BADGE-1001"),
        ("nurse", "nurse", "Nurse Okoye", "BADGE-2001"),
        ("nurse2", "nurse", "Nurse Lindqvist", "BADGE-2002"),
    ):
        made[username] = accounts.create_user(
            session,
            username,
            role,
            DEMO_PASSWORD,
            display_name=name,
            badge_code=badge,
            hash_method="pbkdf2:sha256:600000",
        )
    return made


def _babies(session: Session, now: dt.datetime, rng: random.Random) -> list[Infant]:
    babies: list[Infant] = []
    mothers: dict[str, str] = {}
    for number, (first, last, mother_first) in enumerate(BABIES, 1):
        mrn = f"{7000100 + number}"
        twin = first in TWINS_OF
        mother_mrn = mothers[last] if twin else f"{8000100 + number}"
        mothers.setdefault(last, mother_mrn)
        babies.append(
            families.admit_infant(
                session,
                mrn=mrn,
                first_name=first,
                last_name=last,
                date_of_birth=(now - dt.timedelta(days=rng.randint(2, 70))).date()
                if not twin
                else babies[-1].date_of_birth,
                mother_mrn=mother_mrn,
                mother_first_name=mother_first,
                mother_last_name=last,
                donor_milk_consent=rng.random() < 0.5,
                wristband_code=None,
                daily_volume_ml=Decimal(rng.choice((80, 120, 160, 240, 320))),
                today=now.date(),
            )
        )
    parent = accounts.create_user(
        session,
        "parent",
        "parent",
        DEMO_PASSWORD,
        infant_mrns=[babies[5].mrn],
        display_name="Linh Nguyen",
        hash_method="pbkdf2:sha256:600000",
    )
    session.add(parent)
    return babies


def _bottle(
    session, unit: NicuUnit, nurse, baby, places, rng: random.Random, *, consented: bool
) -> int:
    """One container with a plausible life so far; returns how many containers it made."""
    now = unit.now
    fridges = [p for p in places if p.kind == "refrigerator" and p.parent is not None]
    freezers = [p for p in places if p.kind in ("freezer", "deep_freezer") and p.parent is not None]
    bedside = [p for p in places if p.kind == "room"]
    story = rng.choices(
        (
            "fresh",
            "expired",
            "expiring",
            "frozen",
            "thawed",
            "fortified",
            "fed",
            "discarded",
            "held",
            "dhm",
        ),
        weights=(18, 4, 5, 30, 10, 5, 8, 4, 2, 6 if consented else 0),
    )[0]
    hours_ago = {
        "fresh": rng.uniform(1, 30),
        "expired": rng.uniform(50, 90),
        "expiring": rng.uniform(40, 46.5),
    }.get(story, rng.uniform(24, 24 * 60))
    if story in ("thawed", "fortified", "fed"):
        hours_ago = 24 * rng.uniform(3, 40)
    dhm = story == "dhm"
    if not dhm:
        # A mother's milk is pumped after the birth (donor milk may be older than the baby).
        born = dt.datetime.combine(baby.date_of_birth, dt.time(0), tzinfo=unit.zone)
        hours_ago = min(hours_ago, (now - born).total_seconds() / 3600 - rng.uniform(2, 12))
    expressed = now - dt.timedelta(hours=hours_ago)
    received = min(now, expressed + dt.timedelta(hours=rng.uniform(0.2, 1.5)))
    fields = dict(
        expressed_at=expressed,
        volume_ml=Decimal(rng.choice((10, 20, 30, 45, 60, 90, 120))),
        milk_type="DHM" if dhm else "MOM",
        colostrum=not dhm and rng.random() < 0.08,
        medications=rng.choice((None, None, None, "Ibuprofen", "Levothyroxine"))
        if not dhm
        else None,
        donor_lot=f"LOT-{rng.randint(24000, 24999)}" if dhm else None,
        donor_product_code="M0001" if dhm else None,
        donor_expires_at=now + dt.timedelta(days=rng.randint(20, 200)) if dhm else None,
        at=received,
    )
    into = rng.choice(
        freezers if story in ("frozen", "thawed", "fortified", "fed", "dhm") else fridges
    )
    bottle = receiving.create_container(session, unit, nurse, baby, location=into, **fields)
    if story in ("thawed", "fortified", "fed") or (dhm and rng.random() < 0.5):
        thawed_at = now - dt.timedelta(hours=rng.uniform(1, 20))
        storage.thaw(session, unit, nurse, bottle, rng.choice(fridges), thawed_at)
    if story == "fortified":
        storage.fortify(
            session,
            unit,
            nurse,
            bottle,
            rng.choice(("Similac HMF", "Prolacta +4")),
            Decimal(rng.choice((22, 24, 26))),
            None,
        )
    if story == "fed" and baby.admitted:
        storage.move(session, unit, nurse, bottle, rng.choice(bedside), None)
        feeding.feed(
            session,
            unit,
            nurse,
            baby.wristband_code,
            bottle.code,
            min(bottle.remaining_ml, Decimal(rng.choice((5, 10, 15)))),
            acknowledged=feeding.EVERY_WARNING,
            at=None,
            # Some bottles are finished at the feed: what is left is discarded.
            finished=rng.random() < 0.3,
        )
    if story == "discarded":
        storage.discard(
            session, unit, nurse, bottle, rng.choice(("Expired", "Spilled", "Label damaged"))
        )
    if story == "held":
        storage.hold(
            session, unit, nurse, bottle, "Mother started a new medication: pharmacy review"
        )
    return 1
