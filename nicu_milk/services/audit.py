"""The tamper-evident audit trail: who did what, when it happened and when it was recorded.

Every change to the unit's records becomes one append-only row of `audit_events`, linked to the
row before it by a SHA-256 hash (21 CFR Part 11 asks for exactly this: a secure, time-stamped
trail that shows any change made to the record afterwards).

How the rows come about (the design, and why)
---------------------------------------------
Services cannot forget to write them, because they do not write them. A SQLAlchemy session
event (`before_flush`) looks at what each flush inserts, changes and deletes, and turns it into
audit rows:

- a new ContainerEvent is the container change (received, moved, frozen, thawed, fortified,
  split, combined, held, released, fed, consumed, discarded, returned, label printed, a
  mother's hold), as `container.<type>`;
- a new CheckAttempt is a near miss (`near_miss.check`, `near_miss.feed`);
- a new SignInAttempt is a password check, right or wrong, on every channel
  (`sign_in.<outcome>`: the sign-in page, a staff badge, the API token, a witness);
- a new or changed User is an account change (created, password set, role changed,
  deactivated, activated, signed out, linked to or unlinked from a baby); a new ApiToken is a
  token issued; a new Infant, a discharge, a mother's hold, a new storage location likewise;
- any other model inserted, changed or deleted gets a plain `<table>.created/changed/deleted`
  row, so a model added later is audited before anyone thinks of it.

The container ledger's own rule (services/storage.py: every change appends an event) makes
the ContainerEvent the one place where container changes are seen; Container and Feed rows
themselves, and counters, are not audited twice.

What no flush shows is recorded with one call, `record(session, actor, action, subject,
details, occurred_at)`: bulk token revocation, a report printed, a policy applied by init-db.
Messages from the hospital record (HL7 ADT) will be recorded the same way, with the actor
`ADT`, e.g. `record(session, ADT, "adt.A03", f"infant:{mrn}", {"control_id": ...}, at)`; what
the message then changes is attributed to it by running the use case `with acting_as(ADT):`.

The chain
---------
Rows are collected while the transaction works, and chained once, when it commits: the head row
(`audit_head`, one row) is locked (SELECT ... FOR UPDATE on PostgreSQL; on SQLite every writer
already holds the database's write lock from BEGIN IMMEDIATE, database.py), each row gets the
next id and the previous row's hash, and the head moves on. Two transactions can therefore
never fork the chain, and the lock is taken last and held only for the final flush, so it
orders after every row lock a use case takes (no deadlock with a feed's bottle lock). A bedside
check that says go writes nothing and takes no lock; a warn or stop writes its near miss, its
audit row and the head.

hash = SHA-256 of the sorted-key JSON of the row's fields (times in UTC ISO 8601) and the
previous row's hash. `verify_chain` (pure: rows in, first problem out) and
`flask --app wsgi verify-audit` name the first broken link: a row changed, missing or inserted.

The app never updates or deletes an audit row; the chain is the proof that nobody else did
either. What the chain cannot prove alone is that the newest rows were not all removed together
with the head: note the head hash that verify-audit prints (or keep backups) to anchor it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ..models import (
    ApiToken,
    AuditEvent,
    AuditHead,
    CheckAttempt,
    Container,
    ContainerEvent,
    Counter,
    Feed,
    Infant,
    Mother,
    Setting,
    SignInAttempt,
    StorageLocation,
    User,
)

GENESIS = "0" * 64
HEAD_ID = 1
# Actors that are not people.
SYSTEM = "system"
ADT = "adt"
# What the chain's hash covers, besides the previous hash.
FIELDS = ("id", "occurred_at", "recorded_at", "actor_id", "actor", "action", "subject", "details")
_PENDING = "nicu_milk.audit.pending"
# Set by the app: the signed-in user of the current request, or None (a command, a test).
context_actor: Callable[[], User | None] = lambda: None  # noqa: E731
# Who changes made now are attributed to when they do not name their actor (acting_as).
_acting: ContextVar[User | str | None] = ContextVar("nicu_milk_audit_acting", default=None)


@contextmanager
def acting_as(actor: User | str) -> Iterator[None]:
    """Attribute what is changed within to `actor` (ADT for the hospital record's messages)."""
    token = _acting.set(actor)
    try:
        yield
    finally:
        _acting.reset(token)


# --- hashing ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("audit times must carry an offset")
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} cannot go into the audit trail")


def canonical(value: Any) -> str:
    """Sorted-key, compact, ASCII JSON: one text for one value, on every database."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_plain
    )


def entry_hash(row: Mapping[str, Any]) -> str:
    """The hash a row must carry: over its fields and the previous row's hash."""
    body = {name: row[name] for name in FIELDS}
    body["prev_hash"] = row["prev_hash"]
    return hashlib.sha256(canonical(body).encode("ascii")).hexdigest()


def as_row(entry: AuditEvent) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in (*FIELDS, "prev_hash", "hash")}


# --- verifying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """The first broken link: which row, and what is wrong with it."""

    id: int
    action: str | None
    kind: str  # "changed", "missing" or "inserted"
    message: str

    def __str__(self) -> str:
        what = f"event {self.id}" + (f" ({self.action})" if self.action else "")
        return f"{what}: {self.kind}: {self.message}"


@dataclass(frozen=True)
class Verdict:
    verified: int  # rows checked and sound before the first problem (all of them when sound)
    problem: Problem | None
    head_seq: int | None
    head_hash: str | None

    @property
    def sound(self) -> bool:
        return self.problem is None


def verify_chain(rows: Iterable[Mapping[str, Any]], head: Mapping[str, Any] | None) -> Verdict:
    """Check rows (in id order) against their hashes, their links and the head; pure."""
    head_seq = head["seq"] if head is not None else None
    head_hash = head["hash"] if head is not None else None

    def verdict(problem: Problem | None) -> Verdict:
        return Verdict(verified, problem, head_seq, head_hash)

    verified, expected, prev_hash, prev = 0, 1, GENESIS, None
    for row in rows:
        number, action = row["id"], row["action"]
        if head is None:
            return verdict(
                Problem(number, action, "missing", "the chain's head row (audit_head) is gone")
            )
        if number > head_seq:
            return verdict(
                Problem(
                    number,
                    action,
                    "inserted",
                    f"it comes after the chain's head (event {head_seq}): it was added to the "
                    "table outside the app",
                )
            )
        if entry_hash(row) != row["hash"]:
            return verdict(
                Problem(
                    number,
                    action,
                    "changed",
                    "its contents no longer match its hash: it was edited after it was recorded",
                )
            )
        if number != expected:
            gap = (
                f"event {expected}" if number == expected + 1 else f"events {expected}-{number - 1}"
            )
            return verdict(
                Problem(
                    number,
                    action,
                    "missing",
                    f"it follows event {expected - 1}: {gap} "
                    f"{'is' if number == expected + 1 else 'are'} missing (deleted)",
                )
            )
        if row["prev_hash"] != prev_hash:
            if prev is None:
                return verdict(
                    Problem(
                        number,
                        action,
                        "inserted",
                        "the first event does not link to the start of the chain: it was put "
                        "there outside the app",
                    )
                )
            return verdict(
                Problem(
                    prev["id"],
                    prev["action"],
                    "changed",
                    f"its hash is not the one event {number} links to: it was rewritten (or "
                    "replaced) after it was recorded",
                )
            )
        verified, expected, prev_hash, prev = verified + 1, expected + 1, row["hash"], row
    if head is not None and verified < head_seq:
        first = verified + 1
        gap = f"event {first}" if first == head_seq else f"events {first}-{head_seq}"
        return verdict(
            Problem(
                first,
                None,
                "missing",
                f"the chain's head says {head_seq} events, but {gap} "
                f"{'is' if first == head_seq else 'are'} missing at the end (deleted)",
            )
        )
    if head is not None and head_hash != prev_hash:
        if prev is None:
            problem = Problem(0, None, "changed", "the empty chain's head was edited")
        else:
            problem = Problem(
                prev["id"],
                prev["action"],
                "changed",
                "its hash is not the one the chain's head holds: it was rewritten after it was "
                "recorded",
            )
        return verdict(problem)
    return verdict(None)


def verify_database(session: Session, batch: int = 2000) -> Verdict:
    """Load the whole chain (streamed, in id order) and the head, and verify them."""
    head = session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)
    ).first()
    rows = session.execute(
        select(AuditEvent.__table__).order_by(AuditEvent.id).execution_options(yield_per=batch)
    )
    try:
        return verify_chain(rows.mappings(), head._mapping if head is not None else None)
    finally:
        rows.close()  # a broken chain stops early: the server-side cursor is closed still


# --- recording --------------------------------------------------------------------------------


def _actor_of(session: Session, who: User | str | None) -> tuple[int | None, str]:
    if who is None:
        who = _acting.get() or context_actor()
    if isinstance(who, str):
        return None, who
    if who is None:
        return None, SYSTEM
    return who.id, who.username


def record(
    session: Session,
    actor: User | str | None,
    action: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
    *,
    recorded_at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event to the audit trail; it is chained when the transaction commits.

    `actor` is the user who acted; a string for a source that is not a person (SYSTEM, ADT);
    None for the signed-in user of the request (or SYSTEM outside a request).
    """
    recorded = recorded_at or dt.datetime.now(dt.UTC)
    actor_id, actor_name = _actor_of(session, actor)
    entry = AuditEvent(
        occurred_at=occurred_at or recorded,
        recorded_at=recorded,
        actor_id=actor_id,
        actor=actor_name[:100],
        action=action[:60],
        subject=subject[:200],
        # Stored as the chain hashes it: what comes back from either database hashes the same.
        details=json.loads(canonical(dict(details or {}))),
    )
    _pending(session).append(entry)
    return entry


def _pending(session: Session) -> list[AuditEvent]:
    return session.info.setdefault(_PENDING, [])


def _user(session: Session, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    # The request's own user is known already (the bedside check reads it with the token, as a
    # plain row): naming them costs no query.
    acting = context_actor()
    if acting is not None and acting.id == user_id:
        return acting
    return session.get(User, user_id)


def _name(session: Session, user_id: int | None) -> str:
    user = _user(session, user_id)
    return user.username if user is not None else f"#{user_id}"


def _changed(obj, ignore: frozenset[str] = frozenset(), also: tuple[str, ...] = ()) -> list[str]:
    """The columns changed (and the relationships named in `also`): a mother's list of babies
    grows when a baby is admitted, which is the baby's change, not hers."""
    state = inspect(obj)
    names = [*(c.key for c in state.mapper.column_attrs), *also]
    return [n for n in names if n not in ignore and state.attrs[n].history.has_changes()]


# Models whose changes are audited through another row (see the docstring), or not at all.
NOT_AUDITED = (AuditEvent, AuditHead, Container, Feed, Counter, Setting)
# Caches kept beside the facts they derive from.
INFANT_CACHES = frozenset({"name_alert", "search_name"})


def _container_event(session: Session, item: ContainerEvent) -> None:
    container = item.container or session.get(Container, item.container_id)
    record(
        session,
        _user(session, item.user_id) or SYSTEM,
        f"container.{item.type}",
        f"container:{container.code}",
        item.details,
        item.at,
        recorded_at=item.recorded_at,
    )


def _near_miss(session: Session, item: CheckAttempt) -> None:
    record(
        session,
        _user(session, item.user_id),
        f"near_miss.{item.action}",
        f"container:{item.container_code}",
        {
            "infant_code": item.infant_code,
            "verdict": item.verdict,
            "reasons": [reason["code"] for reason in item.reasons],
            **({"witness": _name(session, item.witness_id)} if item.manual_entry else {}),
        },
        item.at,
        recorded_at=item.at,
    )


def _sign_in(session: Session, item: SignInAttempt) -> None:
    user = _user(session, item.user_id)
    details = {"channel": item.channel, "address": item.address}
    if user is None or user.username != item.username:
        details["name_given"] = item.username
    if item.by_user_id is not None:
        details["for"] = _name(session, item.by_user_id)
    record(
        session,
        user or item.username or "unknown",
        f"sign_in.{item.outcome}",
        f"user:{user.username if user else item.username}",
        details,
        item.at,
        recorded_at=item.at,
    )


def _new_user(session: Session, user: User) -> None:
    record(
        session,
        None,
        "user.created",
        f"user:{user.username}",
        {
            "role": user.role,
            "display_name": user.display_name,
            "badge": user.badge_code is not None,
            "infants": [infant.mrn for infant in user.infants],
        },
    )


def _changed_user(session: Session, user: User) -> None:
    changed = set(_changed(user, also=("infants",)))
    subject = f"user:{user.username}"
    if "password_hash" in changed:
        record(session, None, "user.password_set", subject, {"sessions_ended": True})
    if "active" in changed:
        record(session, None, "user.activated" if user.active else "user.deactivated", subject)
    if "role" in changed:
        before = inspect(user).attrs.role.history.deleted
        record(
            session,
            None,
            "user.role_changed",
            subject,
            {"from": before[0] if before else None, "to": user.role},
        )
    if "infants" in changed:
        history = inspect(user).attrs.infants.history
        for infant in history.added:
            record(session, None, "user.linked", subject, {"infant": infant.mrn})
        for infant in history.deleted:
            record(session, None, "user.unlinked", subject, {"infant": infant.mrn})
    other = changed & {"username", "display_name", "badge_code"}
    if other:
        record(session, None, "user.changed", subject, {"fields": sorted(other)})
    if changed == {"session_version"}:
        # Sessions ended with nothing else changed: signing out (every copy of the cookie).
        # Whoever ended them, or the user, who signs out after the page has forgotten them.
        record(session, _acting.get() or context_actor() or user, "user.signed_out", subject)


def _new_infant(session: Session, infant: Infant) -> None:
    record(
        session,
        None,
        "infant.admitted",
        f"infant:{infant.mrn}",
        {"mother": infant.mother.mrn, "donor_milk_consent": bool(infant.donor_milk_consent)},
    )


def _changed_infant(session: Session, infant: Infant) -> None:
    changed = _changed(infant, INFANT_CACHES)
    if not changed:
        return
    subject = f"infant:{infant.mrn}"
    if "admitted" in changed:
        record(
            session,
            None,
            "infant.discharged" if not infant.admitted else "infant.readmitted",
            subject,
        )
        changed = [name for name in changed if name not in ("admitted", "discharged_at")]
    if changed:
        record(
            session,
            None,
            "infant.changed",
            subject,
            {
                name: getattr(infant, name)
                for name in changed
                if name in ("donor_milk_consent", "daily_volume_ml")
            }
            | {"fields": sorted(changed)},
        )


def _changed_mother(session: Session, mother: Mother) -> None:
    changed = _changed(mother)
    if "hold_reason" in changed:
        if mother.hold_reason is not None:
            record(
                session, None, "mother.held", f"mother:{mother.mrn}", {"reason": mother.hold_reason}
            )
        else:
            record(session, None, "mother.released", f"mother:{mother.mrn}")
        changed = [name for name in changed if name not in ("hold_reason", "held_at")]
    if changed:
        record(session, None, "mother.changed", f"mother:{mother.mrn}", {"fields": sorted(changed)})


def _token(session: Session, token: ApiToken, new: bool) -> None:
    user = token.user or _user(session, token.user_id)
    if new:
        record(
            session,
            user,
            "token.issued",
            f"user:{user.username}",
            {"expires_at": token.expires_at},
            token.created_at,
            recorded_at=token.created_at,
        )
    elif "revoked_at" in _changed(token) and token.revoked_at is not None:
        record(session, None, "token.revoked", f"user:{user.username}", {"tokens": 1})


def _location(session: Session, place: StorageLocation) -> None:
    record(
        session,
        None,
        "location.created",
        f"location:{place.code}",
        {
            "name": place.name,
            "kind": place.kind,
            "parent": place.parent.code if place.parent else None,
        },
    )


def _generic(session: Session, obj, how: str) -> None:
    table = obj.__table__.name
    identity = inspect(obj).identity
    subject = f"{table}:{'/'.join(str(part) for part in identity) if identity else 'new'}"
    details = {"fields": sorted(_changed(obj))} if how == "changed" else {}
    record(session, None, f"{table}.{how}", subject, details)


@event.listens_for(Session, "before_flush")
def _audit_flush(session: Session, _context, _instances) -> None:
    """Turn what this flush writes into audit rows (chained later, at commit)."""
    with session.no_autoflush:
        for obj in list(session.new):
            if isinstance(obj, NOT_AUDITED):
                continue
            if isinstance(obj, ContainerEvent):
                _container_event(session, obj)
            elif isinstance(obj, CheckAttempt):
                _near_miss(session, obj)
            elif isinstance(obj, SignInAttempt):
                _sign_in(session, obj)
            elif isinstance(obj, User):
                _new_user(session, obj)
            elif isinstance(obj, ApiToken):
                _token(session, obj, new=True)
            elif isinstance(obj, Infant):
                _new_infant(session, obj)
            elif isinstance(obj, Mother):
                pass  # registered with her first baby: infant.admitted names her
            elif isinstance(obj, StorageLocation):
                _location(session, obj)
            else:
                _generic(session, obj, "created")
        for obj in list(session.dirty):
            if isinstance(obj, NOT_AUDITED) or not session.is_modified(obj):
                continue
            if not _changed(obj, also=("infants",) if isinstance(obj, User) else ()):
                continue
            if isinstance(obj, User):
                _changed_user(session, obj)
            elif isinstance(obj, Infant):
                _changed_infant(session, obj)
            elif isinstance(obj, Mother):
                _changed_mother(session, obj)
            elif isinstance(obj, ApiToken):
                _token(session, obj, new=False)
            else:
                _generic(session, obj, "changed")
        for obj in list(session.deleted):
            if not isinstance(obj, NOT_AUDITED):
                _generic(session, obj, "deleted")


@event.listens_for(Session, "before_commit")
def _chain_on_commit(session: Session) -> None:
    """Give the transaction's audit rows their place in the chain, under the head's lock."""
    if session.in_nested_transaction():
        return
    session.flush()  # what is still pending becomes audit rows first
    pending = session.info.get(_PENDING)
    if not pending:
        return
    head = session.execute(
        select(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None:  # a database wiped whole (the demo's reset): the chain starts again
        head = AuditHead(id=HEAD_ID, seq=0, hash=GENESIS)
        session.add(head)
    for entry in pending:
        entry.id = head.seq + 1
        entry.prev_hash = head.hash
        entry.hash = entry_hash(as_row(entry))
        head.seq, head.hash = entry.id, entry.hash
    session.add_all(pending)
    pending.clear()


@event.listens_for(Session, "after_transaction_end")
def _forget_on_end(session: Session, transaction) -> None:
    # Rows of a transaction rolled back (or committed, and so already chained) are forgotten.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def recent(session: Session, limit: int = 100) -> list[AuditEvent]:
    """The newest events, newest first (the administrator's page)."""
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)))
