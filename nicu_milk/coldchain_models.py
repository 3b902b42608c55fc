"""The cold chain's records: sensors on storage units, their readings, excursions, what each
excursion held and the charge nurse's decision on it, and the twice-daily sign-off.

Kept beside models.py (which imports this module) so that the cold chain stays in one place.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .models import CODE, Container, StorageLocation, User, UTCDateTime, utcnow

EXCURSION_ACTIONS = ("release", "discard", "thawed")


class SensorAssignment(db.Model):
    """Which storage unit a sensor measured, and from when to when (until None: it still does).

    A reading belongs to the unit that had its sensor at the reading's own time.
    """

    __tablename__ = "sensor_assignments"
    __table_args__ = (Index("ix_sensor_assignments_sensor_since", "sensor_id", "since"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[str] = mapped_column(String(CODE))
    location_id: Mapped[int] = mapped_column(ForeignKey("storage_locations.id"), index=True)
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    location: Mapped[StorageLocation] = relationship()


class SensorReading(db.Model):
    """One temperature, stored once per (sensor, at): a repeat changes nothing.

    The unique index is also the one every page and refresh reads through: a sensor's readings
    over a span of time.
    """

    __tablename__ = "sensor_readings"
    __table_args__ = (UniqueConstraint("sensor_id", "at", name="uq_sensor_readings_sensor_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[str] = mapped_column(String(CODE))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    celsius: Mapped[float] = mapped_column(Float)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # mqtt, http or csv
    source: Mapped[str] = mapped_column(String(10))


class Excursion(db.Model):
    """A span out of range long enough to count (nicu_milk.coldchain.detect_excursions).

    It lasts while ended_at is None. Late readings may move its start, lengthen it, or show that
    it never was one (withdrawn_at): the milk it held stays held until a charge nurse decides.
    """

    __tablename__ = "excursions"
    __table_args__ = (Index("ix_excursions_location_started", "location_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("storage_locations.id"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    peak_celsius: Mapped[float] = mapped_column(Float)
    minutes_out_of_range: Mapped[float] = mapped_column(Float)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    location: Mapped[StorageLocation] = relationship()
    holds: Mapped[list[ExcursionHold]] = relationship(
        back_populates="excursion", order_by="ExcursionHold.id"
    )


class ExcursionHold(db.Model):
    """A container that was in the unit during an excursion, and the decision on it.

    placed: the excursion put the container's hold_reason there (it had no hold of its own),
    so a release lifts it. gone: it was fed, discarded or sent home before the excursion was
    known; it is listed so that the babies concerned are known, and nothing is held.
    """

    __tablename__ = "excursion_holds"
    __table_args__ = (
        UniqueConstraint("excursion_id", "container_id", name="uq_excursion_holds_container"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    excursion_id: Mapped[int] = mapped_column(ForeignKey("excursions.id"))
    container_id: Mapped[int] = mapped_column(ForeignKey("containers.id"), index=True)
    held_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    placed: Mapped[bool] = mapped_column(default=False)
    gone: Mapped[bool] = mapped_column(default=False)
    action: Mapped[str | None] = mapped_column(String(10))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)

    excursion: Mapped[Excursion] = relationship(back_populates="holds")
    container: Mapped[Container] = relationship()
    decided_by: Mapped[User | None] = relationship()


class SignOff(db.Model):
    """The twice-daily check of a unit: its minimum and maximum since the last sign-off."""

    __tablename__ = "cold_chain_sign_offs"
    __table_args__ = (Index("ix_cold_chain_sign_offs_location_at", "location_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("storage_locations.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    min_celsius: Mapped[float | None] = mapped_column(Float)
    max_celsius: Mapped[float | None] = mapped_column(Float)

    user: Mapped[User] = relationship()
