"""Checking a password, with a limit on guessing, and a record of every check.

Every place that takes a password (the sign-in page, by username or staff badge; the API's token
endpoint; the second nurse's password that witnesses a typed-in code) comes through sign_in().
Each check is recorded in sign_in_attempts: the name given, the address, the channel, when, and
the outcome. Wrong passwords in the last `window` are counted per account (or per name given,
when no account has it) and per address; at the limit, further attempts are refused with 429
before any password is looked at, until the oldest counted failure leaves the window.

The counts live in the database, so they hold across gunicorn workers and servers. Two guesses
racing in at the same instant can both be counted as under the limit: the overshoot is at most
the number of concurrent requests, which is harmless against guessing.

A correct password ends the count for that account (a nurse who mistyped is not locked out
later), but never the count for the address: an attacker who knows one password cannot use it
to go on guessing other people's.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import TooManyAttempts, Unauthorized
from ..models import NAME, SignInAttempt, User

# Checked when the name is unknown, so a wrong username takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-password")
# Outcomes that count towards the limits. A refusal at the limit does not, or an attacker could
# keep an account locked for ever.
COUNTED = ("wrong_password", "unknown_user", "inactive")
CHANNELS = ("page", "badge", "api_token", "witness")


@dataclass(frozen=True)
class Limits:
    window: dt.timedelta
    per_user: int
    per_address: int


@dataclass(frozen=True)
class Attempt:
    """Who is named, from where, through which door, and when."""

    username: str
    address: str
    channel: str
    now: dt.datetime
    # For a witness: the nurse signed in who asked for the second check.
    by_user: User | None = None


class WrongPassword(Unauthorized):
    """The name or password is wrong (or the account is not active): one answer for all."""


def find_user(session: Session, name: str) -> tuple[User | None, bool]:
    """The account named by a username, or else by a scanned staff badge; and whether by badge."""
    user = session.scalars(select(User).where(User.username == name)).first()
    if user is None and name:
        user = session.scalars(select(User).where(User.badge_code == name)).first()
        return user, user is not None
    return user, False


def sign_in(session: Session, attempt: Attempt, password: str, limits: Limits) -> User:
    """The active user with these credentials; raises WrongPassword or TooManyAttempts.

    The attempt's record is added to the session on success, and carried by the exception
    (`keep`) on failure, so that the refused request still records it.
    """
    name = attempt.username.strip()
    user, by_badge = find_user(session, name)

    def record(outcome: str) -> SignInAttempt:
        return SignInAttempt(
            at=attempt.now,
            username=name[:NAME],
            user_id=user.id if user else None,
            address=(attempt.address or "unknown")[:64],
            channel="badge" if by_badge and attempt.channel == "page" else attempt.channel,
            outcome=outcome,
            by_user_id=attempt.by_user.id if attempt.by_user else None,
        )

    wait = seconds_to_wait(session, user, name, attempt.address, attempt.now, limits)
    if wait:
        minutes = math.ceil(wait / 60)
        raise TooManyAttempts(
            "TOO_MANY_ATTEMPTS",
            "Too many wrong passwords for this name or from this device. Try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}. If the password is forgotten, an "
            "administrator can set a new one.",
            retry_after=wait,
            keep=[record("locked_out")],
        )
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        outcome = "unknown_user"
    elif not check_password_hash(user.password_hash, password):
        outcome = "wrong_password"
    elif not user.active:
        outcome = "inactive"
    else:
        session.add(record("ok"))
        return user
    raise WrongPassword(
        "INVALID_CREDENTIALS", "The username or password is wrong.", keep=[record(outcome)]
    )


def seconds_to_wait(
    session: Session,
    user: User | None,
    name: str,
    address: str,
    now: dt.datetime,
    limits: Limits,
) -> int:
    """0 when another attempt may be made now; else how long until one may."""
    since = now - limits.window
    if user is not None:
        last_ok = session.scalar(
            select(func.max(SignInAttempt.at)).where(
                SignInAttempt.user_id == user.id, SignInAttempt.outcome == "ok"
            )
        )
        account = (
            SignInAttempt.user_id == user.id,
            SignInAttempt.at > max(since, last_ok or since),
        )
    else:
        account = (
            SignInAttempt.user_id.is_(None),
            SignInAttempt.username == name[:NAME],
            SignInAttempt.at > since,
        )
    waits = [
        _wait(session, account, limits.per_user, now, limits.window),
        _wait(
            session,
            (SignInAttempt.address == (address or "unknown")[:64], SignInAttempt.at > since),
            limits.per_address,
            now,
            limits.window,
        ),
    ]
    return max(waits)


def _wait(
    session: Session, where: tuple, limit: int, now: dt.datetime, window: dt.timedelta
) -> int:
    latest = list(
        session.scalars(
            select(SignInAttempt.at)
            .where(*where, SignInAttempt.outcome.in_(COUNTED))
            .order_by(SignInAttempt.at.desc())
            .limit(limit)
        )
    )
    if len(latest) < limit:
        return 0
    # Once the oldest of the last `limit` failures leaves the window, one more try is allowed.
    return max(1, math.ceil((latest[-1] + window - now).total_seconds()))
