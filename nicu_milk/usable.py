"""Usable milk: one rule for "this milk could be given to its baby", in Python and in SQL.

Milk is usable when it is on hand and not frozen, not on hold (its own hold, or its mother's
hold on her own milk), has an expiry on record that has not passed, and, if it is donor milk,
its baby has donor-milk consent. Stock counted as supply may also be frozen: it can be thawed.

The Python predicate and its SQL twin live side by side here, so that a change to one is made
to the other; tests/integration/test_usable.py runs both over the same generated containers on
SQLite and PostgreSQL and requires the same answer. Pure: `now` is passed in, nothing is read.

Whose milk it is (this baby's or another's) is the check's business, not part of this rule.
"""

from __future__ import annotations

import datetime as dt

from .vocabulary import IN_INVENTORY, ON_HAND

# The stock's states (in inventory; on hand, which frozen milk is, since it can be thawed) are
# declared in vocabulary.py. Milk that can be given as it is:
FEEDABLE = ("fresh", "thawed")


def is_held(state: str, own_hold: bool, mother_hold: bool) -> bool:
    """Own hold, or the mother's hold on her own milk while it is still in inventory."""
    return own_hold or (mother_hold and state in IN_INVENTORY)


def is_expired(expires_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Milk without an expiry on record cannot be shown to be safe: it counts as expired."""
    return expires_at is None or now >= expires_at


def why_not_usable(
    *,
    state: str,
    held: bool,
    expires_at: dt.datetime | None,
    donor_milk: bool,
    consent: bool | None,
    now: dt.datetime,
    frozen_ok: bool = False,
) -> str | None:
    """The first reason this milk is not usable (a reason code of the check), or None.

    `consent` is the baby's donor-milk consent; None when no baby is asked about (the milk room
    splitting or pooling milk: for whom it is, is the bedside's question).
    """
    if state == "reserved":
        return "NOT_RECEIVED"
    if state not in ON_HAND:
        return state.upper()  # CONSUMED, DISCARDED, RETURNED
    if state == "frozen" and not frozen_ok:
        return "FROZEN"
    if held:
        return "HELD"
    if is_expired(expires_at, now):
        return "EXPIRED"
    if donor_milk and consent is False:
        return "DONOR_CONSENT_MISSING"
    return None


def is_usable(
    *,
    state: str,
    held: bool,
    expires_at: dt.datetime | None,
    donor_milk: bool,
    consent: bool | None,
    now: dt.datetime,
    frozen_ok: bool = False,
) -> bool:
    return (
        why_not_usable(
            state=state,
            held=held,
            expires_at=expires_at,
            donor_milk=donor_milk,
            consent=consent,
            now=now,
            frozen_ok=frozen_ok,
        )
        is None
    )


def usable_sql(now, *, frozen_ok: bool = False, consent=None):
    """The same rule as a WHERE clause on `containers`, needing no join from the caller.

    The mother's hold and the baby's consent are correlated EXISTS on their primary keys, so the
    clause filters before any ORDER BY and LIMIT of the query it is put in. A caller asking
    about one baby's milk may give that baby's `consent` (a value or a bound parameter) instead.
    """
    from sqlalchemy import and_, exists, or_

    from .models import Container, Infant, Mother

    # The tables' columns, not the ORM attributes: the clause fits plain Core statements too.
    milk, mothers, infants = Container.__table__.c, Mother.__table__.c, Infant.__table__.c
    return and_(
        milk.state.in_(ON_HAND if frozen_ok else FEEDABLE),
        milk.hold_reason.is_(None),
        ~exists().where(mothers.id == milk.mother_id, mothers.hold_reason.is_not(None)),
        milk.expires_at.is_not(None),
        milk.expires_at > now,
        or_(
            milk.milk_type != "DHM",
            exists().where(infants.id == milk.infant_id, infants.donor_milk_consent.is_(True))
            if consent is None
            else consent,
        ),
    )
