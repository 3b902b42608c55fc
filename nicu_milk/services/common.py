"""What every use case shares: event times, the acting user, lookups that respect families."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Forbidden, InvalidInput, NotFound
from ..models import Infant, User, parent_infants
from ..policy import Policy

if TYPE_CHECKING:
    from config import Printer

# Late documentation is normal; a time in the future is a typing mistake (api-v1.md: 5 minutes).
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Unit:
    """What a use case needs to know about the unit, besides the database."""

    policy: Policy
    now: dt.datetime
    # The policy's fingerprint, stored beside each cached expiry to spot a changed policy.
    fingerprint: str
    name: str = "Neonatal Intensive Care Unit"
    # Label stocks by name (labels/*.toml) and the unit's defaults for labels and sheets.
    layouts: Mapping = field(default_factory=dict)
    label_stock: str = "thermal-2x1-203dpi"
    # Where a label goes that does not fit label_stock even condensed (see labels/README.md).
    wide_label_stock: str = "thermal-3x1.5-203dpi"
    sheet_stock: str = "sheet-letter-30"
    wide_sheet_stock: str = "sheet-letter-10"
    # The unit's Zebra printer (NICU_MILK_LABEL_PRINTER), parsed at start-up.
    printer: Printer | None = None

    @property
    def zone(self):
        return self.policy.zone


def event_time(
    at: dt.datetime | None,
    now: dt.datetime,
    after: dt.datetime | None = None,
    *,
    after_what: str = "the container's previous event",
) -> dt.datetime:
    """When an event happened: now by default, never in the future, never before `after`."""
    if at is None:
        # "Now" was read before this request waited for the container's lock; a feed that held
        # the lock meanwhile may have been recorded a moment later. Happening now means after it.
        return now if after is None else max(now, after)
    at = at.astimezone(dt.UTC)
    if at > now + FUTURE_TOLERANCE:
        raise InvalidInput(
            "FUTURE_TIME",
            f"The time {at:%Y-%m-%d %H:%M} UTC is in the future. Enter when it actually happened.",
        )
    if after is not None and at < after:
        raise InvalidInput(
            "TIME_BEFORE_PREVIOUS_EVENT",
            f"The time given is before {after_what} ({after:%Y-%m-%d %H:%M} UTC). "
            "Check the time and enter it again.",
        )
    return at


# Antenatal colostrum is expressed in the last weeks of pregnancy (domain.md), so mother's milk
# may predate the birth; more than this before it is a typing mistake.
ANTENATAL_LIMIT = dt.timedelta(weeks=10)
# Donor milk was pumped by donors long before; a milk bank's frozen milk keeps for a year.
DONOR_MILK_AGE_LIMIT = dt.timedelta(days=731)


def check_expressed_at(
    expressed_at: dt.datetime, milk_type: str, infant: Infant, unit: Unit
) -> None:
    """Refuse an expression time no milk for this baby can plausibly have (a typing mistake)."""
    if milk_type == "MOM":
        birth = dt.datetime.combine(infant.date_of_birth, dt.time(0), unit.zone)
        earliest = birth - ANTENATAL_LIMIT
        bound = f"{ANTENATAL_LIMIT.days // 7} weeks before the baby's birth (antenatal colostrum)"
    else:
        earliest = unit.now - DONOR_MILK_AGE_LIMIT
        bound = f"{DONOR_MILK_AGE_LIMIT.days} days ago (the oldest donor milk a milk bank issues)"
    if expressed_at < earliest:
        raise InvalidInput(
            "IMPLAUSIBLE_TIME",
            f"The milk cannot have been expressed before {earliest:%Y-%m-%d} ({bound}). "
            "Check the date and enter it again.",
        )


def require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden("FORBIDDEN", "Only unit staff may do this.")


def parent_may_see(session: Session, user: User, infant_id: int) -> bool:
    return (
        session.execute(
            select(parent_infants.c.infant_id).where(
                parent_infants.c.user_id == user.id, parent_infants.c.infant_id == infant_id
            )
        ).first()
        is not None
    )


def infant_for(session: Session, user: User, mrn: str) -> Infant:
    """The infant with this MRN, as this user may see it; another family's baby is unknown."""
    infant = session.scalars(select(Infant).where(Infant.mrn == mrn.strip())).first()
    if infant is None or (not user.is_staff and not parent_may_see(session, user, infant.id)):
        raise NotFound("UNKNOWN_INFANT", f"No baby with MRN {mrn.strip()!r} is on record.")
    return infant
