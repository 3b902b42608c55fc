"""The charge nurse's reports: expiry, near misses, inventory per baby, discharge lists."""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload

from ..models import (
    IN_INVENTORY,
    ON_HAND,
    CheckAttempt,
    Container,
    Infant,
    StorageLocation,
)
from ..policy import Policy
from ..usable import usable_sql


@dataclass
class ExpiryReport:
    generated_at: dt.datetime
    within_hours: float
    expired: list[Container]
    expiring: list[Container]


def expiry(session: Session, now: dt.datetime, within_hours: float) -> ExpiryReport:
    horizon = now + dt.timedelta(hours=within_hours)
    rows = session.scalars(
        select(Container)
        .options(
            joinedload(Container.infant),
            joinedload(Container.location).joinedload(StorageLocation.parent),
        )
        .where(Container.state.in_(IN_INVENTORY), Container.expires_at <= horizon)
        .order_by(Container.expires_at, Container.code)
    ).all()
    return ExpiryReport(
        generated_at=now,
        within_hours=within_hours,
        expired=[c for c in rows if c.expires_at <= now],
        expiring=[c for c in rows if c.expires_at > now],
    )


# Each reason code in a few plain words, for reports that count them (the messages say more).
REASON_TITLES = {
    "INVALID_CODE": "Not a valid label",
    "UNKNOWN_BOTTLE": "Bottle not on record",
    "UNKNOWN_INFANT": "Wristband not on record",
    "WRONG_INFANT": "Another baby's milk",
    "SIBLING": "A sibling's milk",
    "NOT_RECEIVED": "Label never received",
    "FROZEN": "Still frozen",
    "EXPIRED": "Expired",
    "HELD": "On hold",
    "DISCARDED": "Discarded",
    "CONSUMED": "Already used up",
    "RETURNED": "Returned to the family",
    "DONOR_CONSENT_MISSING": "Donor milk without consent",
    "INFANT_DISCHARGED": "Baby discharged",
    "EXPIRES_SOON": "Expires soon",
    "USE_FIRST": "Another bottle should go first",
}


def reason_title(code: str) -> str:
    return REASON_TITLES.get(code, code.replace("_", " ").capitalize())


@dataclass
class NearMissReport:
    since: dt.datetime | None
    until: dt.datetime | None
    counts: dict[str, int]
    attempts: list[CheckAttempt]


def near_misses(
    session: Session, since: dt.datetime | None, until: dt.datetime | None, limit: int | None = None
) -> NearMissReport:
    query = (
        select(CheckAttempt)
        .options(
            joinedload(CheckAttempt.user),
            joinedload(CheckAttempt.witness),
            joinedload(CheckAttempt.infant),
        )
        .order_by(CheckAttempt.at.desc(), CheckAttempt.id.desc())
    )
    if since is not None:
        query = query.where(CheckAttempt.at >= since)
    if until is not None:
        query = query.where(CheckAttempt.at < until)
    attempts = list(session.scalars(query))
    counts = Tally(reason["code"] for attempt in attempts for reason in attempt.reasons)
    shown = attempts if limit is None else attempts[:limit]
    return NearMissReport(since, until, dict(sorted(counts.items())), shown)


@dataclass
class InfantSupply:
    infant: Infant
    volume_by_state: dict[str, float]
    containers: int
    # Milk that could be fed: not expired and not on hold. Supply is counted from this alone.
    usable_ml: float
    days_of_supply: float | None
    low_supply: bool

    @property
    def on_hand_ml(self) -> float:
        return sum(self.volume_by_state.values())


def inventory(session: Session, policy: Policy, now: dt.datetime) -> list[InfantSupply]:
    infants = list(
        session.scalars(
            select(Infant)
            .options(joinedload(Infant.mother))
            .where(Infant.admitted)
            .order_by(Infant.last_name, Infant.first_name)
        )
    )
    # Supply is usable milk (nicu_milk.usable), frozen milk included: it can be thawed.
    usable = usable_sql(now, frozen_ok=True)
    totals = session.execute(
        select(
            Container.infant_id,
            Container.state,
            func.count(),
            func.coalesce(func.sum(Container.remaining_ml), 0),
            func.coalesce(func.sum(case((usable, Container.remaining_ml), else_=0)), 0),
        )
        .where(Container.state.in_(ON_HAND))
        .group_by(Container.infant_id, Container.state)
    ).all()
    by_infant: dict[int, dict[str, Decimal]] = {}
    usable_by_infant: Tally = Tally()
    counts: Tally = Tally()
    for infant_id, state, count, total, usable_total in totals:
        by_infant.setdefault(infant_id, {})[state] = Decimal(total)
        usable_by_infant[infant_id] += Decimal(usable_total)
        counts[infant_id] += count
    rows = []
    for infant in infants:
        volumes = {state: float(by_infant.get(infant.id, {}).get(state, 0)) for state in ON_HAND}
        usable_ml = float(usable_by_infant[infant.id])
        days = None
        if infant.daily_volume_ml:
            days = round(usable_ml / float(infant.daily_volume_ml), 1)
        rows.append(
            InfantSupply(
                infant,
                volumes,
                counts[infant.id],
                usable_ml,
                days,
                low_supply=days is not None and days < policy.low_supply_days,
            )
        )
    return rows


# --- shifts ---------------------------------------------------------------------------------


def shift_start(moment: dt.datetime, zone: dt.tzinfo, changes: Sequence[dt.time]) -> dt.datetime:
    """When the shift running at `moment` began: the latest shift change (on the unit's clock,
    `zone`) at or before it, in UTC. With no shift changes given, the unit's day starts at
    midnight."""
    local = moment.astimezone(zone)
    starts = [
        dt.datetime.combine(local.date() - dt.timedelta(days=back), change, tzinfo=zone)
        for back in (0, 1)
        for change in (changes or [dt.time(0)])
    ]
    return max(start for start in starts if start <= local).astimezone(dt.UTC)
