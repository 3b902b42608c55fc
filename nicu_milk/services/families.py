"""Mothers and babies: admission, donor-milk consent, name alerts, a mother's holds, discharge."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from .. import codes, names, printing
from ..errors import Conflict, InvalidInput, NotFound
from ..identifiers import require_identifier, require_name
from ..models import IN_INVENTORY, ON_HAND, Container, ContainerEvent, Infant, Mother, User
from .common import REASON_MAX, require_text, require_volume
from .storage import DONOR_NOTE, EXPIRED_NOTE, return_refusal


def infant_by_wristband(session: Session, scanned: str) -> Infant | None:
    """The baby whose wristband this scan is: the exact code, else the one code that differs
    only in case (a scanner with Caps Lock on sends "mrn-7001" for "MRN-7001")."""
    text = codes.read_scan(scanned).text
    if not text:
        return None
    query = select(Infant).options(joinedload(Infant.mother))
    infant = session.scalars(query.where(Infant.wristband_code == text)).first()
    if infant is not None or not text.isascii():
        return infant
    # Admission refuses a wristband that differs from another only in case, so at most one
    # matches; two (from before that rule) would be ambiguous, and neither is guessed.
    matches = session.scalars(
        query.where(func.lower(Infant.wristband_code) == text.lower()).limit(2)
    ).all()
    return matches[0] if len(matches) == 1 else None


# The oldest a baby in a neonatal unit plausibly is: an older date of birth is a typing mistake.
OLDEST_PATIENT = dt.timedelta(days=731)


def refresh_name_alerts(session: Session) -> None:
    """Recompute NAME ALERT for every admitted baby; the set is a unit's worth, a few dozen."""
    session.flush()
    admitted = list(session.scalars(select(Infant).where(Infant.admitted)))
    flagged = names.alerted([(infant.first_name, infant.last_name) for infant in admitted])
    for index, infant in enumerate(admitted):
        infant.name_alert = index in flagged
    for infant in session.scalars(select(Infant).where(~Infant.admitted, Infant.name_alert)):
        infant.name_alert = False


def admit_infant(
    session: Session,
    *,
    mrn: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    mother_mrn: str,
    mother_first_name: str,
    mother_last_name: str,
    donor_milk_consent: bool,
    wristband_code: str | None,
    daily_volume_ml: Decimal | None,
    today: dt.date,
) -> Infant:
    if daily_volume_ml is not None:
        daily_volume_ml = require_volume(daily_volume_ml, "The daily volume")
    for field, text in (
        ("mrn", mrn),
        ("mother.mrn", mother_mrn),
        ("wristband_code", wristband_code),
    ):
        if text is not None:
            require_identifier(field, text, "INVALID_MRN" if "mrn" in field else "INVALID_CODE")
    for field, text in (
        ("first_name", first_name),
        ("last_name", last_name),
        ("mother.first_name", mother_first_name),
        ("mother.last_name", mother_last_name),
    ):
        require_name(field, text)
    for field, name in (("first_name", first_name), ("last_name", last_name)):
        unprintable = printing.unprintable_characters(name)
        if unprintable:
            # Caught here, at admission, so that no label for this baby can fail to print later.
            raise InvalidInput(
                "UNPRINTABLE_NAME",
                f"{field}: the labels cannot print {', '.join(repr(c) for c in unprintable)}. "
                "Enter the name as it is printed on the hospital wristband.",
            )
    if date_of_birth > today:
        raise InvalidInput("INVALID_DATE_OF_BIRTH", "The date of birth is in the future.")
    if date_of_birth < today - OLDEST_PATIENT:
        raise InvalidInput(
            "INVALID_DATE_OF_BIRTH",
            f"A date of birth before {today - OLDEST_PATIENT:%d %b %Y} is not plausible for a "
            f"baby in the unit (at most {OLDEST_PATIENT.days} days old). Check the year.",
        )
    wristband = wristband_code or mrn
    if codes.looks_like_container(wristband):
        raise InvalidInput(
            "INVALID_WRISTBAND",
            f"{wristband!r} has the form of a milk container code; a wristband must not.",
        )
    if session.scalars(select(Infant).where(Infant.mrn == mrn)).first() is not None:
        raise Conflict("DUPLICATE_MRN", f"A baby with MRN {mrn!r} is already on record.")
    if session.scalars(
        select(Infant).where(func.lower(Infant.wristband_code) == wristband.lower())
    ).first():
        # Scanners read codes without regard to case, so two wristbands may not differ only so.
        raise Conflict("DUPLICATE_WRISTBAND", f"Wristband code {wristband!r} is already in use.")
    if (
        mrn == mother_mrn
        or session.scalars(select(Mother).where(Mother.mrn == mrn)).first()
        or (session.scalars(select(Infant).where(Infant.mrn == mother_mrn)).first() is not None)
    ):
        raise Conflict("MRN_IN_USE", "A baby and a mother cannot share a medical record number.")
    mother = session.scalars(select(Mother).where(Mother.mrn == mother_mrn)).first()
    if mother is None:
        mother = Mother(mrn=mother_mrn, first_name=mother_first_name, last_name=mother_last_name)
        session.add(mother)
    elif (names.normalise(mother.first_name), names.normalise(mother.last_name)) != (
        names.normalise(mother_first_name),
        names.normalise(mother_last_name),
    ):
        # A mistyped mother MRN would make strangers' babies siblings: refuse rather than guess.
        raise Conflict(
            "MOTHER_MISMATCH",
            f"Mother MRN {mother_mrn!r} belongs to {mother.first_name} {mother.last_name}. "
            "Check the mother's MRN and name.",
        )
    infant = Infant(
        mrn=mrn,
        wristband_code=wristband,
        first_name=first_name,
        last_name=last_name,
        search_name=names.infant_search_name(first_name, last_name),
        date_of_birth=date_of_birth,
        mother=mother,
        donor_milk_consent=donor_milk_consent,
        daily_volume_ml=daily_volume_ml,
        admitted=True,
    )
    session.add(infant)
    refresh_name_alerts(session)
    return infant


def siblings(session: Session, infant: Infant) -> list[Infant]:
    return list(
        session.scalars(
            select(Infant)
            .where(Infant.mother_id == infant.mother_id, Infant.id != infant.id)
            .order_by(Infant.mrn)
        )
    )


def update_infant(
    infant: Infant,
    *,
    donor_milk_consent: bool | None = None,
    daily_volume_ml: Decimal | None = None,
    clear_daily_volume: bool = False,
) -> None:
    if donor_milk_consent is not None:
        infant.donor_milk_consent = donor_milk_consent
    if daily_volume_ml is not None:
        infant.daily_volume_ml = require_volume(daily_volume_ml, "The daily volume")
    elif clear_daily_volume:
        infant.daily_volume_ml = None


def inventory(session: Session, infant: Infant) -> dict:
    rows = session.execute(
        select(Container.state, func.count(), func.coalesce(func.sum(Container.remaining_ml), 0))
        .where(Container.infant_id == infant.id, Container.state.in_(IN_INVENTORY))
        .group_by(Container.state)
    ).all()
    by_state = {state: Decimal(total) for state, _, total in rows if state in ON_HAND}
    return {
        "on_hand_ml": float(sum(by_state.values(), Decimal(0))),
        "containers": sum(count for state, count, _ in rows if state in ON_HAND),
        "reserved_labels": sum(count for state, count, _ in rows if state == "reserved"),
        "by_state": {state: float(by_state.get(state, 0)) for state in ON_HAND},
    }


def containers_of(session: Session, infant: Infant) -> list[Container]:
    return list(
        session.scalars(
            select(Container)
            .where(Container.infant_id == infant.id)
            .order_by(Container.created_at.desc(), Container.id.desc())
        )
    )


@dataclass(frozen=True)
class DischargeItem:
    """One bottle on the discharge list, and whether it may go home with the family."""

    container: Container
    # Why it stays ("EXPIRED: will be discarded", donor milk), or None when it goes home.
    note: str | None

    @property
    def returnable(self) -> bool:
        return self.note is None

    @property
    def donor(self) -> bool:
        return self.container.milk_type == "DHM"


def discharge_list(session: Session, infant: Infant, now: dt.datetime) -> list[DischargeItem]:
    """The baby's milk still in the unit: the mother's own first, then donor milk, each by
    expiry; each bottle that may not go home says why (see return_refusal)."""
    stored = session.scalars(
        select(Container)
        .where(Container.infant_id == infant.id, Container.state.in_(ON_HAND))
        .order_by(Container.milk_type != "MOM", Container.expires_at, Container.code)
    )
    items = []
    for container in stored:
        note = None
        if return_refusal(container, now) is not None:
            note = DONOR_NOTE if container.milk_type == "DHM" else EXPIRED_NOTE
        items.append(DischargeItem(container, note))
    return items


def discharge(session: Session, infant: Infant, now: dt.datetime) -> list[DischargeItem]:
    if not infant.admitted:
        raise Conflict("ALREADY_DISCHARGED", "This baby has already been discharged.")
    infant.admitted = False
    infant.discharged_at = now
    refresh_name_alerts(session)
    return discharge_list(session, infant, now)


def hold_mother(session: Session, mother: Mother, reason: str, user: User, now: dt.datetime) -> int:
    """Quarantine all of a mother's milk; returns how many containers in inventory it touches."""
    require_text("The reason", reason, REASON_MAX)
    if mother.hold_reason is not None:
        raise Conflict("ALREADY_HELD", "This mother's milk is already on hold.")
    mother.hold_reason = reason
    mother.held_at = now
    return _log_for_mother(session, mother, "mother_held", {"reason": reason}, user, now)


def release_mother(session: Session, mother: Mother, user: User, now: dt.datetime) -> int:
    if mother.hold_reason is None:
        raise Conflict("NOT_HELD", "This mother's milk is not on hold.")
    reason = mother.hold_reason
    mother.hold_reason = None
    mother.held_at = None
    return _log_for_mother(session, mother, "mother_released", {"hold_reason": reason}, user, now)


def _log_for_mother(session, mother, event_type, details, user, now) -> int:
    containers = list(
        session.scalars(
            select(Container).where(
                Container.mother_id == mother.id, Container.state.in_(IN_INVENTORY)
            )
        )
    )
    for container in containers:
        session.add(
            ContainerEvent(
                container=container,
                type=event_type,
                at=now,
                recorded_at=now,
                user_id=user.id,
                details=details,
            )
        )
    return len(containers)


SEARCH_LIMIT = 25


def search_infants(session: Session, text: str) -> list[Infant]:
    """Babies by scanned wristband, MRN, or part of a name; exact matches first.

    A name is matched without regard to accents or case ("zoe" finds Zoë Müller), against the
    folded name stored beside it, so the database needs no collation or extension for it.
    """
    text = text.strip()
    if not text:
        return []
    exact = list(
        session.scalars(
            select(Infant).where(or_(Infant.mrn == text, Infant.wristband_code == text))
        )
    )
    found = {infant.id: infant for infant in exact}
    folded = names.search_form(text)
    if folded:
        named = session.scalars(
            select(Infant)
            .where(Infant.search_name.icontains(folded, autoescape=True))
            .order_by(Infant.admitted.desc(), Infant.last_name, Infant.first_name)
            .limit(SEARCH_LIMIT)
        )
        for infant in named:
            found.setdefault(infant.id, infant)
    return list(found.values())[:SEARCH_LIMIT]


def infants(session: Session, *, admitted_first: bool = True) -> list[Infant]:
    """Every baby on record by name, those still in the unit first unless `admitted_first` is
    False."""
    order = (Infant.last_name, Infant.first_name)
    if admitted_first:
        order = (Infant.admitted.desc(), *order)
    return list(session.scalars(select(Infant).options(joinedload(Infant.mother)).order_by(*order)))


def infant_by_wristband_or_mrn(session: Session, text: str) -> Infant | None:
    """The baby whose wristband was scanned, or else whose MRN was typed."""
    infant = infant_by_wristband(session, text)
    if infant is None:
        infant = session.scalars(select(Infant).where(Infant.mrn == text.strip())).first()
    return infant


def mother_by_mrn(session: Session, mrn: str) -> Mother:
    mother = session.scalars(select(Mother).where(Mother.mrn == mrn.strip())).first()
    if mother is None:
        raise NotFound("UNKNOWN_MOTHER", f"No mother with MRN {mrn.strip()!r} is on record.")
    return mother


@dataclass
class DischargeRow:
    """A discharged baby whose milk is still in the unit."""

    infant: Infant
    containers: int
    volume_ml: Decimal


def discharged_with_milk(session: Session) -> list[DischargeRow]:
    """Discharged babies whose mother's milk is still here: to send home or discard."""
    rows = session.execute(
        select(Infant, func.count(Container.id), func.coalesce(func.sum(Container.remaining_ml), 0))
        .join(Container, Container.infant_id == Infant.id)
        .where(~Infant.admitted, Container.state.in_(ON_HAND))
        .group_by(Infant.id)
        .order_by(Infant.discharged_at.desc(), Infant.last_name)
    ).all()
    return [DischargeRow(infant, count, Decimal(total)) for infant, count, total in rows]
