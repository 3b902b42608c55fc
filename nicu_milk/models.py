"""Typed ORM models: locations, families, containers and their events, feeds, near misses, users."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db

# Whose hold holds what is declared with the rule for usable milk.
from .usable import is_held

# Declared in vocabulary.py; named here too for the queries that import them with the models.
from .vocabulary import CONTAINER_STATES as CONTAINER_STATES
from .vocabulary import IN_INVENTORY as IN_INVENTORY
from .vocabulary import LOCATION_KINDS as LOCATION_KINDS
from .vocabulary import ON_HAND as ON_HAND
from .vocabulary import ROLES as ROLES
from .vocabulary import STAFF

UTC = dt.UTC

CODE = 64
NAME = 100
Volume = Numeric(8, 2)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; times must carry an offset")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


class StorageLocation(db.Model):
    __tablename__ = "storage_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE), unique=True)
    name: Mapped[str] = mapped_column(String(NAME))
    # Top-level locations are given a kind; shelves and bins inherit it, stored here for queries.
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("storage_locations.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[StorageLocation | None] = relationship(
        remote_side=[id], back_populates="children"
    )
    children: Mapped[list[StorageLocation]] = relationship(back_populates="parent")

    @property
    def storage_unit(self) -> StorageLocation:
        """The top-level fridge or freezer this shelf belongs to."""
        location = self
        while location.parent is not None:
            location = location.parent
        return location

    @property
    def path(self) -> str:
        names = []
        location: StorageLocation | None = self
        while location is not None:
            names.append(location.name)
            location = location.parent
        return " / ".join(reversed(names))


class Mother(db.Model):
    __tablename__ = "mothers"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(CODE), unique=True)
    first_name: Mapped[str] = mapped_column(String(NAME))
    last_name: Mapped[str] = mapped_column(String(NAME))
    # A hold on the mother quarantines all her milk, for every sibling, until released.
    hold_reason: Mapped[str | None] = mapped_column(Text)
    held_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    infants: Mapped[list[Infant]] = relationship(back_populates="mother")


parent_infants = Table(
    "parent_infants",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("infant_id", ForeignKey("infants.id", ondelete="CASCADE"), primary_key=True),
)


class Infant(db.Model):
    __tablename__ = "infants"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(CODE), unique=True)
    wristband_code: Mapped[str] = mapped_column(String(CODE), unique=True)
    first_name: Mapped[str] = mapped_column(String(NAME))
    last_name: Mapped[str] = mapped_column(String(NAME))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    mother_id: Mapped[int] = mapped_column(ForeignKey("mothers.id"))
    donor_milk_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    admitted: Mapped[bool] = mapped_column(Boolean, default=True)
    discharged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Cached beside the names it derives from, refreshed whenever the admitted set changes,
    # so that the bedside check does not read the whole unit.
    name_alert: Mapped[bool] = mapped_column(Boolean, default=False)
    # Expected daily feeding volume, when known, for days-of-supply in the inventory report.
    daily_volume_ml: Mapped[Decimal | None] = mapped_column(Volume)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The name as searched (names.infant_search_name: no accents, no case), kept by the service
    # that sets the name, so that "Hernandez" finds Hernández on SQLite and PostgreSQL alike.
    search_name: Mapped[str] = mapped_column(Text, index=True)

    mother: Mapped[Mother] = relationship(back_populates="infants")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


container_parents = Table(
    "container_parents",
    db.metadata,
    Column("child_id", ForeignKey("containers.id"), primary_key=True),
    Column("parent_id", ForeignKey("containers.id"), primary_key=True),
)


class Container(db.Model):
    __tablename__ = "containers"
    __table_args__ = (
        Index("ix_containers_infant_state_expiry", "infant_id", "state", "expires_at"),
        Index("ix_containers_state_expiry", "state", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE), unique=True)
    infant_id: Mapped[int] = mapped_column(ForeignKey("infants.id"))
    # The mother whose own milk this is. Donor milk (DHM) is not the baby's mother's: it has
    # none, so that her holds never touch it and a twin's donor milk is no sibling's milk.
    mother_id: Mapped[int | None] = mapped_column(ForeignKey("mothers.id"))
    milk_type: Mapped[str] = mapped_column(String(3))
    donor_lot: Mapped[str | None] = mapped_column(String(CODE))
    donor_product_code: Mapped[str | None] = mapped_column(String(CODE))
    donor_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    colostrum: Mapped[bool] = mapped_column(Boolean, default=False)
    medications: Mapped[str | None] = mapped_column(Text)
    expressed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    volume_ml: Mapped[Decimal | None] = mapped_column(Volume)
    remaining_ml: Mapped[Decimal | None] = mapped_column(Volume)
    state: Mapped[str] = mapped_column(String(12))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("storage_locations.id"), index=True)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    held_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    fortifier: Mapped[str | None] = mapped_column(String(NAME))
    kcal_per_oz: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    first_fed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the latest clinical event happened; a late-documented event may not come before it.
    last_event_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # For split and combined containers: the parents' limits and state, fixed at creation.
    inherited_limits: Mapped[list | None] = mapped_column(JSON)
    inherited_state: Mapped[str | None] = mapped_column(String(12))
    # Expiry, cached beside the events it derives from (recomputed in the same transaction).
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expiry_rule: Mapped[str | None] = mapped_column(String(40))
    expiry_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    policy_fingerprint: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The parent who pre-registered the drop-off, when a parent did.
    reserved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    infant: Mapped[Infant] = relationship()
    mother: Mapped[Mother | None] = relationship()
    location: Mapped[StorageLocation | None] = relationship()
    parents: Mapped[list[Container]] = relationship(
        secondary=container_parents,
        primaryjoin=id == container_parents.c.child_id,
        secondaryjoin=id == container_parents.c.parent_id,
        order_by="Container.id",
    )
    events: Mapped[list[ContainerEvent]] = relationship(
        back_populates="container", order_by="ContainerEvent.id"
    )

    @property
    def held(self) -> bool:
        """Own hold, or the mother's hold on her own milk while it is still in inventory."""
        if self.hold_reason is not None:
            return True
        # The mother is loaded only when her hold can matter (nicu_milk.usable.is_held).
        return self.state in IN_INVENTORY and is_held(
            self.state, False, self.mother is not None and self.mother.hold_reason is not None
        )

    @property
    def mother_mrn(self) -> str | None:
        return self.mother.mrn if self.mother is not None else None


class ContainerEvent(db.Model):
    """Append-only history: what happened, when it happened, and when it was recorded."""

    __tablename__ = "container_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("containers.id"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    container: Mapped[Container] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()


class Feed(db.Model):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("containers.id"), index=True)
    infant_id: Mapped[int] = mapped_column(ForeignKey("infants.id"), index=True)
    volume_ml: Mapped[Decimal] = mapped_column(Volume)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acknowledged: Mapped[list] = mapped_column(JSON, default=list)
    # A damaged barcode typed in by hand needs a second nurse as witness.
    manual_entry: Mapped[bool] = mapped_column(Boolean, default=False)
    witness_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    container: Mapped[Container] = relationship()
    infant: Mapped[Infant] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    witness: Mapped[User | None] = relationship(foreign_keys=[witness_id])


class CheckAttempt(db.Model):
    """A feeding check or feed that came back warn or stop: a near miss."""

    __tablename__ = "check_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(10))  # "check" or "feed"
    infant_code: Mapped[str] = mapped_column(String(CODE))
    container_code: Mapped[str] = mapped_column(String(CODE))
    verdict: Mapped[str] = mapped_column(String(4))
    reasons: Mapped[list] = mapped_column(JSON)
    infant_id: Mapped[int | None] = mapped_column(ForeignKey("infants.id"))
    container_id: Mapped[int | None] = mapped_column(ForeignKey("containers.id"))
    manual_entry: Mapped[bool] = mapped_column(Boolean, default=False)
    witness_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    # The baby scanned, when the wristband was recognised (reports name the baby, not a code).
    infant: Mapped[Infant | None] = relationship()
    witness: Mapped[User | None] = relationship(foreign_keys=[witness_id])


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(NAME), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(NAME))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    # A staff badge's barcode, so that a nurse can sign in by scanning it.
    badge_code: Mapped[str | None] = mapped_column(String(CODE), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every signed session; signing out, a new password and deactivation bump it, and
    # every session signed before then stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    infants: Mapped[list[Infant]] = relationship(secondary=parent_infants)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # What the session keeps: the id and the session version (see web._load_user).
        return f"{self.id}:{self.session_version}"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only a SHA-256 of the token is kept; a copy of the database gives no working tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SignInAttempt(db.Model):
    """Every password check: the name given, from which address, through what, and the outcome.

    Failures in a recent window limit further guesses (services/signin.py), across workers.
    """

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_user_at", "user_id", "at"),
        Index("ix_sign_in_attempts_username_at", "username", "at"),
        Index("ix_sign_in_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # What was typed or scanned as the username (or staff badge), cut to fit.
    username: Mapped[str] = mapped_column(String(NAME))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    address: Mapped[str] = mapped_column(String(64))
    # page, badge (a page sign-in by staff badge), api_token or witness
    channel: Mapped[str] = mapped_column(String(20))
    # ok, wrong_password, unknown_user, inactive or locked_out
    outcome: Mapped[str] = mapped_column(String(20))
    # For a witness: the nurse who was signed in and asked for the second check.
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Counter(db.Model):
    """Named counters handed out under a row lock: container serials."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Setting(db.Model):
    """Facts about the database itself, such as the policy its cached expiries come from."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AuditEvent(db.Model):
    """One link of the tamper-evident audit trail (services/audit.py): append-only.

    `id` is the link's place in the chain (1, 2, 3, ... with no gap), given under the lock on
    the chain's head; `hash` is SHA-256 over the other columns and `prev_hash`, the hash of the
    link before it. A row edited, deleted or inserted outside the app breaks the chain.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # When it happened (a feed documented late happened before it was recorded).
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    # The user who acted, when a user did; `actor` names them, or the system source ("system",
    # "adt"), so that the trail reads without the users table.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(NAME))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    """The chain's head: one row, locked by every writer, holding the last link's id and hash."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


# The cold chain's records live in their own module; importing it registers them here.
from . import coldchain_models  # noqa: E402,F401
