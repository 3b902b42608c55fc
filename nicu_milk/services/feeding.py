"""The bedside check and the feed: resolve the two scans, ask nicu_milk.checks, record the outcome.

The check reads with three SELECTs whatever the unit's history (the baby, the bottle, and the
baby's few best other bottles) and writes only when it records a near miss. At the bedside
(`bedside_check`) it reads plain rows in a read transaction, so that a go locks nothing, and a
warn or stop records its near miss afterwards in a short write transaction of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Boolean, bindparam, select
from sqlalchemy.orm import Session, joinedload

from .. import codes, formatting
from ..checks import REASON_CODES, ContainerFacts, InfantFacts, Unresolved, Verdict, check_feed
from ..database import write_from_here
from ..errors import InvalidInput
from ..models import (
    CheckAttempt,
    Container,
    Feed,
    Infant,
    Mother,
    StorageLocation,
    User,
    UTCDateTime,
)
from ..policy import FeedingBegun
from ..usable import is_held, usable_sql
from . import signin
from .common import NicuUnit, event_time, require_staff, require_volume
from .families import infant_by_wristband
from .storage import _record, apply_expiry, expiry_with, find_container

# How many of the baby's other bottles the USE_FIRST rule looks at: the best few are enough.
USE_FIRST_CANDIDATES = 10


@dataclass
class Scan:
    # ORM objects from `scan`; plain records (InfantRecord, ContainerRecord) from bedside_check.
    infant: Infant | InfantRecord | None
    container: Container | ContainerRecord | None
    infant_fact: InfantFacts | Unresolved
    container_fact: ContainerFacts | Unresolved
    verdict: Verdict


@dataclass
class Witness:
    """A second nurse who confirmed a typed-in code (two-person check)."""

    user: User


def container_facts(container: Container) -> ContainerFacts:
    return ContainerFacts(
        code=container.code,
        infant_mrn=container.infant.mrn,
        mother_mrn=container.mother_mrn or "",
        milk_type=container.milk_type,
        state=container.state,
        held=container.held,
        expires_at=container.expires_at,
        colostrum=container.colostrum,
        hold_reason=container.hold_reason
        or (container.mother.hold_reason if container.mother is not None else None),
    )


def infant_facts(infant: Infant) -> InfantFacts:
    return InfantFacts(
        mrn=infant.mrn,
        mother_mrn=infant.mother.mrn,
        admitted=infant.admitted,
        donor_milk_consent=infant.donor_milk_consent,
        name=infant.full_name,
    )


def _resolve_infant(
    session: Session, scanned: str
) -> tuple[Infant | None, InfantFacts | Unresolved]:
    read = codes.read_scan(scanned)
    if read.container_shaped:
        return None, Unresolved(
            "INVALID_CODE",
            read.text,
            "That is a milk label, not a wristband. Scan the baby's wristband.",
        )
    infant = infant_by_wristband(session, read.text)
    if infant is None:
        return None, Unresolved("UNKNOWN_INFANT", read.text)
    return infant, infant_facts(infant)


def _resolve_container(
    session: Session, scanned: str, *, lock: bool
) -> tuple[Container | None, ContainerFacts | Unresolved]:
    read = codes.read_scan(scanned)
    if read.container is None:
        hint = (
            ""
            if read.container_shaped
            else "That is not a milk label. Scan the barcode on the bottle."
        )
        return None, Unresolved("INVALID_CODE", read.text, hint)
    container = find_container(session, read.container, lock=lock)
    if container is None:
        return None, Unresolved("UNKNOWN_BOTTLE", read.container)
    return container, container_facts(container)


# The tables' columns: plain Core statements skip the ORM's compiling and loading.
_MILK, _BABIES, _MOTHERS = Container.__table__.c, Infant.__table__.c, Mother.__table__.c
_PLACES = StorageLocation.__table__.c

# The baby's usable bottles other than the one scanned, best first: nicu_milk.usable's rule in SQL
# filters before the LIMIT (held milk, a held mother's milk and donor milk without consent never
# take a candidate's place). Built once: only the values change from check to check.
_OTHERS = (
    select(_MILK.code, _MILK.milk_type, _MILK.state, _MILK.expires_at, _MILK.colostrum)
    .where(
        _MILK.infant_id == bindparam("infant_id"),
        _MILK.id != bindparam("container_id"),
        # The scanned baby's consent is known: no lookup of it per bottle.
        usable_sql(
            bindparam("now", type_=UTCDateTime), consent=bindparam("consent", type_=Boolean)
        ),
    )
    # The order of checks.pick_first: colostrum first, then the earliest expiry, then the code.
    .order_by(_MILK.colostrum.desc(), _MILK.expires_at, _MILK.code)
    .limit(USE_FIRST_CANDIDATES)
)


def _others(
    session: Session, infant: InfantFacts | Unresolved, container, now: dt.datetime
) -> list[ContainerFacts]:
    """Candidates for USE_FIRST, which is only ever about the baby's own bottle."""
    if not isinstance(infant, InfantFacts) or container is None:
        return []
    if container.infant.mrn != infant.mrn:
        return []
    rows = session.execute(
        _OTHERS,
        {
            "infant_id": container.infant_id,
            "container_id": container.id,
            "now": now,
            "consent": infant.donor_milk_consent,
        },
    )
    return [
        ContainerFacts(
            code=code,
            infant_mrn=infant.mrn,
            mother_mrn="",  # not asked of a candidate: it is this baby's own usable milk
            milk_type=milk_type,
            state=state,
            held=False,  # the SQL above keeps only milk that is not held
            expires_at=expires_at,
            colostrum=colostrum,
        )
        for code, milk_type, state, expires_at, colostrum in rows
    ]


def scan(
    session: Session, unit: NicuUnit, infant_code: str, container_code: str, *, lock: bool = False
) -> Scan:
    """Resolve both scans and apply the feeding check; records nothing."""
    infant, infant_fact = _resolve_infant(session, infant_code)
    container, container_fact = _resolve_container(session, container_code, lock=lock)
    others = _others(session, infant_fact, container, unit.now)
    verdict = check_feed(infant_fact, container_fact, others, unit.now, unit.policy)
    return Scan(infant, container, infant_fact, container_fact, verdict)


# --- the bedside check on plain rows --------------------------------------------------------


class MotherRecord:
    __slots__ = ("mrn", "first_name", "last_name", "hold_reason")

    def __init__(self, mrn, first_name, last_name, hold_reason):
        self.mrn = mrn
        self.first_name = first_name
        self.last_name = last_name
        self.hold_reason = hold_reason


class InfantRecord:
    """A baby as the check reads it: the columns, and the mother's, without an ORM object."""

    FIELDS = (
        "id",
        "mrn",
        "wristband_code",
        "first_name",
        "last_name",
        "date_of_birth",
        "donor_milk_consent",
        "admitted",
        "discharged_at",
        "name_alert",
        "daily_volume_ml",
    )
    __slots__ = (*FIELDS, "mother")

    def __init__(self, row):
        for name in self.FIELDS:
            setattr(self, name, row[name])
        self.mother = MotherRecord(
            row["mother_mrn"], row["mother_first_name"], row["mother_last_name"], row["mother_hold"]
        )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class _Named:
    __slots__ = ("mrn", "full_name", "code")

    def __init__(self, mrn=None, full_name=None, code=None):
        self.mrn, self.full_name, self.code = mrn, full_name, code


class ContainerRecord:
    """A bottle as the check reads and answers it (see api.serialize.container, full=False)."""

    FIELDS = (
        "id",
        "code",
        "infant_id",
        "milk_type",
        "state",
        "volume_ml",
        "remaining_ml",
        "expressed_at",
        "received_at",
        "expires_at",
        "expiry_rule",
        "expiry_from",
        "colostrum",
        "medications",
        "hold_reason",
        "fortifier",
        "kcal_per_oz",
        "donor_lot",
        "donor_product_code",
        "donor_expires_at",
        "first_fed_at",
    )
    __slots__ = (*FIELDS, "infant", "mother", "mother_mrn", "location", "held")

    def __init__(self, row):
        for name in self.FIELDS:
            setattr(self, name, row[name])
        self.infant = _Named(row["infant_mrn"], f"{row['infant_first']} {row['infant_last']}")
        self.mother_mrn = row["mother_mrn"]
        self.mother = (
            None
            if self.mother_mrn is None
            else MotherRecord(self.mother_mrn, None, None, row["mother_hold"])
        )
        self.location = None if row["location_code"] is None else _Named(code=row["location_code"])
        self.held = is_held(
            self.state, self.hold_reason is not None, row["mother_hold"] is not None
        )


_INFANT = (
    select(
        *(_BABIES[name] for name in InfantRecord.FIELDS),
        _MOTHERS.mrn.label("mother_mrn"),
        _MOTHERS.first_name.label("mother_first_name"),
        _MOTHERS.last_name.label("mother_last_name"),
        _MOTHERS.hold_reason.label("mother_hold"),
    )
    .join_from(Infant.__table__, Mother.__table__, _MOTHERS.id == _BABIES.mother_id)
    .where(_BABIES.wristband_code == bindparam("code"))
)

_CONTAINER = (
    select(
        *(_MILK[name] for name in ContainerRecord.FIELDS),
        _BABIES.mrn.label("infant_mrn"),
        _BABIES.first_name.label("infant_first"),
        _BABIES.last_name.label("infant_last"),
        _MOTHERS.mrn.label("mother_mrn"),
        _MOTHERS.hold_reason.label("mother_hold"),
        _PLACES.code.label("location_code"),
    )
    .select_from(
        Container.__table__.join(Infant.__table__, _BABIES.id == _MILK.infant_id)
        .outerjoin(Mother.__table__, _MOTHERS.id == _MILK.mother_id)
        .outerjoin(StorageLocation.__table__, _PLACES.id == _MILK.location_id)
    )
    .where(_MILK.code == bindparam("code"))
)


def _infant_record(session: Session, scanned: str) -> tuple[InfantRecord | None, object]:
    read = codes.read_scan(scanned)
    if read.container_shaped:
        return None, Unresolved(
            "INVALID_CODE",
            read.text,
            "That is a milk label, not a wristband. Scan the baby's wristband.",
        )
    row = session.execute(_INFANT, {"code": read.text}).mappings().first() if read.text else None
    if row is not None:
        infant = InfantRecord(row)
        return infant, infant_facts(infant)
    # Not the exact code: the case-insensitive match (rare), the same way as everywhere else.
    found = infant_by_wristband(session, read.text)
    if found is None:
        return None, Unresolved("UNKNOWN_INFANT", read.text)
    row = session.execute(_INFANT, {"code": found.wristband_code}).mappings().first()
    infant = InfantRecord(row)
    return infant, infant_facts(infant)


def _container_record(session: Session, scanned: str) -> tuple[ContainerRecord | None, object]:
    read = codes.read_scan(scanned)
    if read.container is None:
        hint = (
            ""
            if read.container_shaped
            else "That is not a milk label. Scan the barcode on the bottle."
        )
        return None, Unresolved("INVALID_CODE", read.text, hint)
    row = session.execute(_CONTAINER, {"code": read.container}).mappings().first()
    if row is None:
        return None, Unresolved("UNKNOWN_BOTTLE", read.container)
    container = ContainerRecord(row)
    return container, container_facts(container)


def bedside_check(
    session: Session,
    unit: NicuUnit,
    user: User,
    infant_code: str,
    container_code: str,
    witness: Witness | None = None,
) -> Scan:
    """The check as a scanner asks it: `check`, read from plain rows in a read transaction.

    A go writes nothing and locks nothing. A warn or stop ends the read and records its near
    miss in a write transaction of its own, which the caller commits (only that step may wait
    for the write lock). The scan holds plain records, so nothing is read again afterwards.
    """
    require_staff(user)
    user_id = user.id
    infant, infant_fact = _infant_record(session, infant_code)
    container, container_fact = _container_record(session, container_code)
    others = _others(session, infant_fact, container, unit.now)
    verdict = check_feed(infant_fact, container_fact, others, unit.now, unit.policy)
    result = Scan(infant, container, infant_fact, container_fact, verdict)
    if verdict.near_miss:
        witness_id = witness.user.id if witness else None
        write_from_here(session)
        session.add(
            _attempt(unit, user_id, "check", infant_code, container_code, result, witness_id)
        )
    return result


def witness_for(
    session: Session, user: User, attempt: signin.Attempt, password: str, limits: signin.Limits
) -> Witness:
    """The second nurse for a typed-in code: another active member of staff, by password.

    The witness's password is a way in like the sign-in page, with the same limits on guessing.
    """
    try:
        witness = signin.sign_in(session, attempt, password, limits)
    except signin.WrongPassword as wrong:
        raise InvalidInput(
            "WITNESS_NOT_CONFIRMED",
            "The witness's username or password is wrong. The witness signs in again.",
            keep=wrong.keep,
        ) from None
    if witness.id == user.id:
        raise InvalidInput(
            "WITNESS_SAME_USER", "A typed-in code needs a second nurse as witness, not yourself."
        )
    if not witness.is_staff:
        raise InvalidInput(
            "WITNESS_NOT_STAFF", "The witness must be a member of the nursing staff."
        )
    return Witness(witness)


def witness_by_id(session: Session, user_id: object) -> Witness | None:
    """The second nurse a page remembered for a typed code, while still active staff."""
    if not isinstance(user_id, int):
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or not user.is_staff:
        return None
    return Witness(user)


def _attempt(
    unit: NicuUnit,
    user_id: int,
    action: str,
    infant_code: str,
    container_code: str,
    result: Scan,
    witness_id: int | None,
) -> CheckAttempt:
    return CheckAttempt(
        at=unit.now,
        user_id=user_id,
        action=action,
        infant_code=infant_code.strip(),
        container_code=container_code.strip(),
        verdict=result.verdict.outcome,
        # Advice is no hazard: the near miss keeps what stopped or warned, and only that.
        reasons=[
            {"code": r.code, "severity": r.severity, "message": r.message}
            for r in result.verdict.reasons
            if r.severity != "advice"
        ],
        infant_id=result.infant.id if result.infant else None,
        container_id=result.container.id if result.container else None,
        manual_entry=witness_id is not None,
        witness_id=witness_id,
    )


def _near_miss(
    session: Session,
    unit: NicuUnit,
    user: User,
    action: str,
    infant_code: str,
    container_code: str,
    result: Scan,
    witness: Witness | None,
) -> None:
    witness_id = witness.user.id if witness else None
    session.add(_attempt(unit, user.id, action, infant_code, container_code, result, witness_id))


def check(
    session: Session,
    unit: NicuUnit,
    user: User,
    infant_code: str,
    container_code: str,
    witness: Witness | None = None,
) -> Scan:
    require_staff(user)
    result = scan(session, unit, infant_code, container_code)
    if result.verdict.near_miss:
        _near_miss(session, unit, user, "check", infant_code, container_code, result, witness)
    return result


# A client that answers "I acknowledge the warnings I was shown" without naming them (the API's
# acknowledge_warnings: true) acknowledges whichever the check gives; a stop is never overridden.
EVERY_WARNING = frozenset(REASON_CODES)


def unacknowledged(verdict: Verdict, acknowledged: frozenset[str]) -> list[str]:
    """The codes of the verdict's warnings that were not acknowledged, in the order shown."""
    return [reason.code for reason in verdict.warnings if reason.code not in acknowledged]


@dataclass
class FeedOutcome:
    scan: Scan
    feed: Feed | None

    @property
    def refused(self) -> bool:
        return self.feed is None


def feed(
    session: Session,
    unit: NicuUnit,
    user: User,
    infant_code: str,
    container_code: str,
    volume_ml: Decimal | None,
    *,
    acknowledged: frozenset[str] = frozenset(),
    at: dt.datetime | None,
    finished: bool = False,
    witness: Witness | None = None,
) -> FeedOutcome:
    """Give a feed when the check allows it: a go, or a warn whose every warning is among the
    `acknowledged` codes (the nurse ticked each one shown). Advice needs no acknowledging.

    The check is made again here, under the bottle's lock, so a warning that appeared since
    the nurse looked (the bottle now expires soon) refuses the feed too. A refused feed feeds
    nothing and is kept as a near miss (action "feed"); a warn is kept as one even when fed.
    The volume is checked only when milk would be given: a refused attempt needs none.
    """
    require_staff(user)
    result = scan(session, unit, infant_code, container_code, lock=True)
    verdict = result.verdict
    if verdict.near_miss:
        _near_miss(session, unit, user, "feed", infant_code, container_code, result, witness)
    if verdict.outcome == "stop" or unacknowledged(verdict, acknowledged):
        return FeedOutcome(result, None)
    if volume_ml is None:
        raise InvalidInput("VOLUME_REQUIRED", "Enter the volume fed, in mL.")
    volume_ml = require_volume(volume_ml)
    container, infant = result.container, result.infant
    if volume_ml > container.remaining_ml:
        raise InvalidInput(
            "VOLUME_EXCEEDS_REMAINING",
            f"{formatting.ml(volume_ml)} is more than the {formatting.ml(container.remaining_ml)} "
            f"left in {container.code}.",
        )
    when = event_time(at, unit.now, container.last_event_at)
    given = Feed(
        container=container,
        infant=infant,
        volume_ml=volume_ml,
        at=when,
        recorded_at=unit.now,
        user_id=user.id,
        acknowledged=[reason.code for reason in verdict.warnings],
        manual_entry=witness is not None,
        witness_id=witness.user.id if witness else None,
    )
    session.add(given)
    if container.first_fed_at is None:
        # The first feed starts the hang-time clock.
        expiry = expiry_with(container, unit.policy, [FeedingBegun(at=when)])
        container.first_fed_at = when
        apply_expiry(container, expiry, unit.fingerprint)
    container.remaining_ml -= volume_ml
    _record(
        session,
        container,
        "fed",
        when,
        user,
        unit.now,
        volume_ml=float(volume_ml),
        infant=infant.mrn,
        **({"witness": witness.user.username} if witness else {}),
    )
    if container.remaining_ml == 0 or finished:
        container.state = "consumed"
        _record(
            session,
            container,
            "consumed",
            when,
            user,
            unit.now,
            by="feed" if container.remaining_ml == 0 else "marked finished",
        )
    return FeedOutcome(result, given)


def feeds_for(session: Session, infant: Infant) -> list[Feed]:
    return list(
        session.scalars(
            select(Feed)
            .options(joinedload(Feed.container), joinedload(Feed.user))
            .where(Feed.infant_id == infant.id)
            .order_by(Feed.at.desc(), Feed.id.desc())
        )
    )
