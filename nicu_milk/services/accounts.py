"""Users, roles, sign-in and API tokens (stored hashed, expiring, revocable)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from werkzeug.security import generate_password_hash

from ..errors import Conflict, InvalidInput, NotFound, Unauthorized
from ..identifiers import require_identifier, require_name, word_problem
from ..models import NAME, ROLES, ApiToken, Infant, User
from . import audit


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    infant_mrns: list[str] = (),
    display_name: str | None = None,
    badge_code: str | None = None,
    hash_method: str = "scrypt",
) -> User:
    if role not in ROLES:
        raise InvalidInput("INVALID_ROLE", f"Role must be one of {', '.join(ROLES)}.")
    problem = word_problem(username) if username else "is empty"
    if problem or len(username) > NAME:
        raise InvalidInput("INVALID_USERNAME", f"The username {problem or 'is too long'}.")
    if display_name is not None:
        require_name("The full name", display_name)
    if badge_code is not None:
        require_identifier("The staff badge code", badge_code, "INVALID_BADGE")
    if len(password) < 8:
        raise InvalidInput("WEAK_PASSWORD", "A password needs at least 8 characters.")
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise Conflict("DUPLICATE_USERNAME", f"The username {username!r} is taken.")
    if badge_code and session.scalars(select(User).where(User.badge_code == badge_code)).first():
        raise Conflict("DUPLICATE_BADGE", "That badge is already registered to another user.")
    if infant_mrns and role != "parent":
        raise InvalidInput("NOT_A_PARENT", "Only a parent account is linked to babies.")
    user = User(
        username=username,
        role=role,
        display_name=display_name,
        badge_code=badge_code,
        password_hash=generate_password_hash(password, method=hash_method),
    )
    for mrn in infant_mrns:
        infant = session.scalars(select(Infant).where(Infant.mrn == mrn)).first()
        if infant is None:
            raise NotFound("UNKNOWN_INFANT", f"No baby with MRN {mrn!r} is on record.")
        user.infants.append(infant)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str, *, hash_method: str = "scrypt") -> None:
    if len(password) < 8:
        raise InvalidInput("WEAK_PASSWORD", "A password needs at least 8 characters.")
    user.password_hash = generate_password_hash(password, method=hash_method)
    # Whoever signed in with the old password is signed out.
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Every signed-in page session of this user stops working (sign-out, reset, deactivation)."""
    user.session_version = User.session_version + 1


def issue_token(session: Session, user: User, now: dt.datetime, hours: float) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user=user,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + dt.timedelta(hours=hours),
        )
    )
    return token


# The token and its user in one plain statement, built once: every API request runs it.
_USERS, _TOKENS = User.__table__, ApiToken.__table__
_USER_FOR_TOKEN = (
    select(*_USERS.c, _TOKENS.c.expires_at.label("token_expires_at"), _TOKENS.c.revoked_at)
    .select_from(_TOKENS.join(_USERS, _USERS.c.id == _TOKENS.c.user_id))
    .where(_TOKENS.c.token_hash == bindparam("token_hash"))
)


def _user_from_row(session: Session, row) -> User:
    """The row as the session's User, without loading it again through the ORM.

    The same object an ORM query would give: the user as read now, or the object this session
    already holds for that user.
    """
    values = {column.key: row._mapping[column] for column in _USERS.c}
    known = session.identity_map.get(identity_key(User, row.id))
    if known is not None:
        # As an ORM load does: what this session expired is filled in, the rest left alone.
        for key in inspect(known).expired_attributes & values.keys():
            set_committed_value(known, key, values[key])
        return known
    user = User(**values)
    make_transient_to_detached(user)
    session.add(user)
    return user


def user_for_token(session: Session, token: str, now: dt.datetime) -> User:
    row = session.execute(_USER_FOR_TOKEN, {"token_hash": hash_token(token)}).first()
    if row is None:
        raise Unauthorized("INVALID_TOKEN", "The token is not valid. Sign in again.")
    expires_at, revoked_at = row.token_expires_at, row.revoked_at
    user = _user_from_row(session, row)
    if revoked_at is not None or expires_at <= now or not user.active:
        raise Unauthorized("INVALID_TOKEN", "The token has expired or was revoked. Sign in again.")
    return user


def revoke_token(session: Session, token: str, now: dt.datetime) -> None:
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(ApiToken.user_id)
    ).scalars()
    for user_id in revoked:
        user = session.get(User, user_id)
        audit.record(session, user, "token.revoked", f"user:{user.username}", {"tokens": 1}, now)


def revoke_all(session: Session, user: User, now: dt.datetime) -> None:
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(ApiToken.id)
    ).all()
    # By whoever asked (an administrator), for this user: recorded even when none were live.
    audit.record(
        session, None, "token.revoked", f"user:{user.username}", {"tokens": len(revoked)}, now
    )


def users(session: Session, *, active_first: bool = True) -> list[User]:
    """Every account by username, the active ones first unless `active_first` is False."""
    order = (User.active.desc(), User.username) if active_first else (User.username,)
    return list(
        session.scalars(select(User).options(joinedload(User.infants)).order_by(*order)).unique()
    )


def signed_in_user(session: Session, session_id: str) -> User | None:
    """The user a signed session names ("id:version", see User.get_id), while that session is
    still theirs: an unknown, deactivated or signed-out-everywhere user is nobody."""
    number, _, version = session_id.partition(":")
    if not (number.isdigit() and version.isdigit()):
        return None
    user = session.get(User, int(number))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def user_named(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound("UNKNOWN_USER", f"No user {username!r}.")
    return user


def set_active(session: Session, admin: User, user: User, active: bool, now: dt.datetime) -> None:
    """Deactivate (signing the user out everywhere) or reactivate an account."""
    if not active and user.id == admin.id:
        raise Conflict("OWN_ACCOUNT", "You cannot deactivate your own account.")
    user.active = active
    if not active:
        revoke_all(session, user, now)
        end_sessions(user)


def link_parent(session: Session, user: User, infant: Infant) -> None:
    if user.role != "parent":
        raise InvalidInput("NOT_A_PARENT", "Only a parent account is linked to babies.")
    if any(linked.id == infant.id for linked in user.infants):
        raise Conflict(
            "ALREADY_LINKED", f"{user.username} is already linked to {infant.full_name}."
        )
    user.infants.append(infant)


def unlink_parent(session: Session, user: User, infant: Infant) -> None:
    if not any(linked.id == infant.id for linked in user.infants):
        raise Conflict("NOT_LINKED", f"{user.username} is not linked to {infant.full_name}.")
    user.infants.remove(infant)
