"""What every use case shares: event times, the acting user, lookups that respect families."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Forbidden, InvalidInput, NotFound
from ..identifiers import text_problem
from ..models import Infant, User, parent_infants
from ..policy import Policy
from ..vocabulary import CHARGE_NURSES

if TYPE_CHECKING:
    from config import Printer

# Late documentation is normal; a time in the future is a typing mistake (api-v1.md: 5 minutes).
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class NicuUnit:
    """The NICU a use case runs in: its policy, clock, name and label stocks (not a fridge:
    that is a storage unit, a StorageLocation without a parent)."""

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
    expressed_at: dt.datetime, milk_type: str, infant: Infant, unit: NicuUnit
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


# --- guards: what no use case accepts, whoever calls it -------------------------------------
# The API's schemas and the pages' forms say the same first, in their own words; these are
# for every other caller (a script, a new page, the HL7 listener), so that a bad value is a
# refusal a person can act on, never a stored mistake or a crash.

MAX_VOLUME_ML = Decimal(1000)
# Longest reason (a hold, a discard) and longest notes (medications), as the API takes them.
REASON_MAX = 500
NOTES_MAX = 2000
MAX_KCAL_PER_OZ = Decimal(60)


def _number(value: object, what: str, code: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise InvalidInput(code, f"{what} must be a number.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(code, f"{what} must be a number.") from None
    if not number.is_finite():
        raise InvalidInput(code, f"{what} must be a number.")
    return number


def require_volume(volume: object, what: str = "The volume") -> Decimal:
    """A volume in mL: more than 0, at most 1000, to at most 2 decimals (api-v1.md)."""
    ml = _number(volume, what, "INVALID_VOLUME")
    if ml <= 0:
        raise InvalidInput("INVALID_VOLUME", f"{what} must be more than 0 mL.")
    if ml > MAX_VOLUME_ML:
        raise InvalidInput("INVALID_VOLUME", f"{what} must be at most {MAX_VOLUME_ML} mL.")
    if ml != ml.quantize(Decimal("0.01")):
        raise InvalidInput("INVALID_VOLUME", f"Give {what.lower()} to at most 2 decimal places.")
    return ml


def require_kcal(kcal: object) -> Decimal:
    """A caloric density in kcal/oz: more than 0, at most 60, to 1 decimal."""
    what = "The caloric density"
    value = _number(kcal, what, "INVALID_KCAL")
    if not 0 < value <= MAX_KCAL_PER_OZ or value != value.quantize(Decimal("0.1")):
        raise InvalidInput(
            "INVALID_KCAL",
            f"{what} is more than 0 and at most {MAX_KCAL_PER_OZ} kcal/oz, to 1 decimal.",
        )
    return value


def require_text(what: str, text: object, max_length: int) -> str:
    """Printable text a person wrote (a reason, medications): no control characters, no NUL,
    not blank, at most `max_length` characters."""
    if not isinstance(text, str):
        raise InvalidInput("INVALID_TEXT", f"{what} must be text.")
    problem = (
        text_problem(text) if len(text) <= max_length else f"is longer than {max_length} characters"
    )
    if problem:
        raise InvalidInput("INVALID_TEXT", f"{what} {problem}.")
    return text


def require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden("FORBIDDEN", "Only unit staff may do this.")


def require_charge_nurse(user: User) -> None:
    if user.role not in CHARGE_NURSES:
        raise Forbidden("FORBIDDEN", "Only a charge nurse or an administrator may do this.")


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
