"""The bedside check and the feed: resolve the two scans, ask nicu_milk.checks, record the outcome.

The check reads with three SELECTs whatever the unit's history (the baby, the bottle, and the
baby's few best other bottles) and writes only when it records a near miss.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from .. import codes, formatting
from ..checks import REASON_CODES, ContainerFacts, InfantFacts, Unresolved, Verdict, check_feed
from ..errors import InvalidInput
from ..models import CheckAttempt, Container, Feed, Infant, User
from ..policy import FeedingBegun
from . import signin
from .common import NicuUnit, event_time, require_staff, require_volume
from .families import infant_by_wristband
from .storage import _record, apply_expiry, expiry_with, find_container

# How many of the baby's other bottles the USE_FIRST rule looks at: the best few are enough.
USE_FIRST_CANDIDATES = 10


@dataclass
class Scan:
    infant: Infant | None
    container: Container | None
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


def _others(session: Session, infant: Infant, container: Container | None, now: dt.datetime):
    query = (
        select(Container)
        .options(joinedload(Container.infant), joinedload(Container.mother))
        .where(
            Container.infant_id == infant.id,
            Container.state.in_(("fresh", "thawed")),
            Container.hold_reason.is_(None),
            Container.expires_at > now,
        )
        .order_by(Container.colostrum.desc(), Container.expires_at, Container.id)
        .limit(USE_FIRST_CANDIDATES)
    )
    if container is not None:
        query = query.where(Container.id != container.id)
    return [container_facts(other) for other in session.scalars(query)]


def scan(
    session: Session, unit: NicuUnit, infant_code: str, container_code: str, *, lock: bool = False
) -> Scan:
    """Resolve both scans and apply the feeding check; records nothing."""
    infant, infant_fact = _resolve_infant(session, infant_code)
    container, container_fact = _resolve_container(session, container_code, lock=lock)
    others = _others(session, infant, container, unit.now) if infant is not None else []
    verdict = check_feed(infant_fact, container_fact, others, unit.now, unit.policy)
    return Scan(infant, container, infant_fact, container_fact, verdict)


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
    session.add(
        CheckAttempt(
            at=unit.now,
            user_id=user.id,
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
            manual_entry=witness is not None,
            witness_id=witness.user.id if witness else None,
        )
    )


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
