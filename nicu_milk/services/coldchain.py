"""The cold chain's use cases: readings in (one path for MQTT, HTTP and CSV), the excursions they
open, the milk those excursions hold, the charge nurse's decisions, and the twice-daily sign-off.

The rules themselves (what counts as an excursion, NO_DATA) are nicu_milk.coldchain's, pure.
Here they meet the database:

- A reading is stored once per (sensor, at); a repeat is a duplicate and changes nothing.
- Readings arrive late and out of order. After a batch is stored, each storage unit it touched
  is re-read between the in-range readings that bound the new ones (nothing outside them can
  change), and its stored excursions are brought in line: lengthened, moved, opened, or
  withdrawn when late readings show there was none (its milk stays held until a decision).
- An excursion holds every container that was in the unit or on its shelves at any time during
  it, found from the containers' events (where they were, and when), not from where they are
  now. While it lasts, milk put into the unit is held as it is put there (see `watch_moves`).
- A hold uses the container's own hold, so that the bedside check stops it as HELD and says why.
  When the container already had a hold of its own, that hold stays, and the excursion's is
  kept beside it until the charge nurse decides.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, event, false, func, or_, select
from sqlalchemy.orm import Session

from .. import codes as container_codes
from ..coldchain import (
    READING_MAX,
    READING_MIN,
    ColdChainLimits,
    ColdChainStatus,
    detect_excursions,
)
from ..coldchain_models import (
    EXCURSION_ACTIONS,
    Excursion,
    ExcursionHold,
    SensorAssignment,
    SensorReading,
    SignOff,
)
from ..errors import Conflict, InvalidInput, NotFound
from ..identifiers import require_identifier
from ..models import (
    IN_INVENTORY,
    Container,
    ContainerEvent,
    Feed,
    StorageLocation,
    User,
)
from ..policy import Thawed
from ..vocabulary import GONE
from . import audit
from .common import FUTURE_TOLERANCE, NicuUnit, event_time, require_charge_nurse, require_staff
from .storage import _record, _storage, apply_expiry, discard, expiry_with, find_container

log = logging.getLogger("nicu_milk.coldchain")

# Events that put a container somewhere, and those after which it is nowhere in the unit.
PLACING_EVENTS = ("received", "moved", "thawed", "split_from", "combined_from")
# (named as the states they leave it in)
LEAVING_EVENTS = GONE
FREEZERS = ("freezer", "deep_freezer")
INSERT_CHUNK = 500


# --- readings in ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewReading:
    sensor_id: str
    at: dt.datetime
    celsius: float


@dataclass(frozen=True)
class Stored:
    accepted: int
    duplicates: int


def check_reading(reading: NewReading, now: dt.datetime, where: str = "") -> NewReading:
    """The reading as stored (at in UTC), or InvalidInput saying what is wrong with it."""
    prefix = f"{where}: " if where else ""
    require_identifier(f"{prefix}sensor_id", reading.sensor_id, "INVALID_READING")
    at = reading.at
    if not isinstance(at, dt.datetime) or at.utcoffset() is None:
        raise InvalidInput(
            "INVALID_READING",
            f"{prefix}at must be a date and time with an offset, e.g. 2026-11-28T14:05:00Z.",
        )
    at = at.astimezone(dt.UTC)
    if at > now + FUTURE_TOLERANCE:
        raise InvalidInput(
            "FUTURE_READING",
            f"{prefix}at {at:%Y-%m-%d %H:%M:%S} UTC is more than 5 minutes in the future. "
            "Check the sensor's or gateway's clock.",
        )
    celsius = reading.celsius
    if (
        isinstance(celsius, bool)
        or not isinstance(celsius, int | float)
        or not math.isfinite(celsius)
        or not READING_MIN <= celsius <= READING_MAX
    ):
        raise InvalidInput(
            "INVALID_READING",
            f"{prefix}celsius must be a number from {READING_MIN:g} to {READING_MAX:g}, "
            f"not {celsius!r}.",
        )
    return NewReading(reading.sensor_id, at, float(celsius))


def _insert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(SensorReading)


def store_readings(
    session: Session, unit: NicuUnit, readings: Sequence[NewReading], source: str
) -> Stored:
    """Store a batch (all valid, or none: InvalidInput names the first bad one), then bring
    the excursions of every unit it touched up to date, holding the milk they concern."""
    checked = [
        check_reading(reading, unit.now, f"readings[{index}]")
        for index, reading in enumerate(readings)
    ]
    unique: dict[tuple[str, dt.datetime], NewReading] = {}
    for reading in checked:
        unique.setdefault((reading.sensor_id, reading.at), reading)
    rows = [
        {
            "sensor_id": r.sensor_id,
            "at": r.at,
            "celsius": r.celsius,
            "received_at": unit.now,
            "source": source,
        }
        for r in unique.values()
    ]
    inserted: list[tuple[str, dt.datetime]] = []
    for start in range(0, len(rows), INSERT_CHUNK):
        statement = (
            _insert(session)
            .values(rows[start : start + INSERT_CHUNK])
            .on_conflict_do_nothing(index_elements=["sensor_id", "at"])
            .returning(SensorReading.sensor_id, SensorReading.at)
        )
        inserted.extend((row.sensor_id, row.at) for row in session.execute(statement))
    by_sensor: dict[str, list[dt.datetime]] = {}
    for sensor_id, at in inserted:
        by_sensor.setdefault(sensor_id, []).append(at.astimezone(dt.UTC))
    for sensor_id, times in sorted(by_sensor.items()):
        for assignment in _assignments_during(session, sensor_id, min(times), max(times)):
            inside = [
                at
                for at in times
                if at >= assignment.since and (assignment.until is None or at < assignment.until)
            ]
            if inside:
                refresh_location(session, unit, assignment.location, min(inside), max(inside))
    return Stored(accepted=len(inserted), duplicates=len(checked) - len(inserted))


def _assignments_during(session, sensor_id, first, last) -> list[SensorAssignment]:
    return list(
        session.scalars(
            select(SensorAssignment)
            .where(
                SensorAssignment.sensor_id == sensor_id,
                SensorAssignment.since <= last,
                or_(SensorAssignment.until.is_(None), SensorAssignment.until > first),
            )
            .order_by(SensorAssignment.since)
        )
    )


# --- sensors on storage units -------------------------------------------------------------------


def current_sensor(session: Session, location: StorageLocation) -> str | None:
    return session.scalars(
        select(SensorAssignment.sensor_id).where(
            SensorAssignment.location_id == location.id, SensorAssignment.until.is_(None)
        )
    ).first()


def assign_sensor(
    session: Session, unit: NicuUnit, location: StorageLocation, sensor_id: str | None
) -> StorageLocation:
    """Put a sensor on a top-level storage unit (None takes it off); from now on its readings
    are this unit's."""
    if location.parent_id is not None:
        raise InvalidInput(
            "NOT_A_STORAGE_UNIT",
            f"{location.path} is a shelf or bin: put the sensor on the fridge or freezer itself.",
        )
    if sensor_id is not None:
        require_identifier("sensor_id", sensor_id, "INVALID_CODE")
    elsewhere = (
        session.scalars(
            select(SensorAssignment).where(
                SensorAssignment.sensor_id == sensor_id,
                SensorAssignment.until.is_(None),
                SensorAssignment.location_id != location.id,
            )
        ).first()
        if sensor_id is not None
        else None
    )
    if elsewhere is not None:
        raise Conflict(
            "SENSOR_IN_USE",
            f"Sensor {sensor_id} is on {elsewhere.location.name} ({elsewhere.location.code}). "
            "Take it off there first.",
        )
    present = session.scalars(
        select(SensorAssignment).where(
            SensorAssignment.location_id == location.id, SensorAssignment.until.is_(None)
        )
    ).first()
    if present is not None and present.sensor_id == sensor_id:
        return location
    if present is not None:
        present.until = unit.now
    if sensor_id is not None:
        session.add(
            SensorAssignment(sensor_id=sensor_id, location=location, since=unit.now, until=None)
        )
    session.flush()
    return location


def _readings_of(session: Session, location: StorageLocation):
    """SELECT at, celsius of the readings that belong to this unit (by its sensors' history).

    One range of the (sensor_id, at) index per sensor the unit has had: never a join, which
    would read every sensor's readings at a year of data.
    """
    spans = [
        and_(
            SensorReading.sensor_id == assignment.sensor_id,
            SensorReading.at >= assignment.since,
            *([SensorReading.at < assignment.until] if assignment.until is not None else []),
        )
        for assignment in session.scalars(
            select(SensorAssignment).where(SensorAssignment.location_id == location.id)
        )
    ]
    query = select(SensorReading.at, SensorReading.celsius)
    return query.where(or_(*spans) if spans else false())


def _in_range(limits: ColdChainLimits):
    conditions = []
    if limits.min_celsius is not None:
        conditions.append(SensorReading.celsius >= limits.min_celsius)
    if limits.max_celsius is not None:
        conditions.append(SensorReading.celsius <= limits.max_celsius)
    return and_(*conditions)


def limits_for(unit: NicuUnit, location: StorageLocation) -> ColdChainLimits:
    return unit.policy.cold_chain.for_kind(location.storage_unit.kind)


def _has_limits(limits: ColdChainLimits) -> bool:
    return limits.min_celsius is not None or limits.max_celsius is not None


# --- excursions --------------------------------------------------------------------------------


def refresh_location(
    session: Session,
    unit: NicuUnit,
    location: StorageLocation,
    first: dt.datetime,
    last: dt.datetime,
) -> list[Excursion]:
    """Bring the unit's excursions in line with its readings, after new ones from first to last.

    Only readings between the last in-range reading before `first` and the first in-range
    reading after `last` can change: an excursion never spans an in-range reading.
    """
    limits = limits_for(unit, location)
    if not _has_limits(limits):
        return []
    # One refresh of a unit at a time (two gateways, or MQTT beside HTTP).
    session.execute(
        select(StorageLocation.id).where(StorageLocation.id == location.id).with_for_update()
    )
    in_range = _in_range(limits)
    window_start = session.scalar(
        _readings_of(session, location)
        .with_only_columns(func.max(SensorReading.at))
        .where(SensorReading.at < first, in_range)
    )
    window_end = session.scalar(
        _readings_of(session, location)
        .with_only_columns(func.min(SensorReading.at))
        .where(SensorReading.at > last, in_range)
    )
    series = _readings_of(session, location)
    if window_start is not None:
        series = series.where(SensorReading.at >= window_start)
    if window_end is not None:
        series = series.where(SensorReading.at <= window_end)
    status = detect_excursions(
        ((row.at, row.celsius) for row in session.execute(series)), limits, unit.now
    )

    stored_query = select(Excursion).where(
        Excursion.location_id == location.id, Excursion.withdrawn_at.is_(None)
    )
    if window_start is not None:
        stored_query = stored_query.where(Excursion.started_at > window_start)
    if window_end is not None:
        stored_query = stored_query.where(Excursion.started_at < window_end)
    stored = list(session.scalars(stored_query.order_by(Excursion.started_at)))
    used: set[int] = set()
    current: list[tuple[Excursion, bool]] = []
    for found in status.excursions:
        overlapping = [
            excursion
            for excursion in stored
            if excursion.id not in used
            and (found.ended_at is None or excursion.started_at <= found.ended_at)
            and (excursion.ended_at is None or excursion.ended_at >= found.started_at)
        ]
        if overlapping:
            keeper, *merged = overlapping
            used.update(excursion.id for excursion in overlapping)
            for other in merged:
                _merge_into(session, other, keeper)
            # Only a span that grew can concern more milk; milk put in while it lasts is held
            # as it goes in (watch_moves), so a reading a minute need not read the history.
            grew = bool(merged) or (
                found.started_at < keeper.started_at
                or (
                    keeper.ended_at is not None
                    and (found.ended_at is None or found.ended_at > keeper.ended_at)
                )
            )
        else:
            keeper = Excursion(location=location, opened_at=unit.now)
            session.add(keeper)
            log.warning("temperature excursion opened in %s from %s", location.code, found)
            grew = True
        keeper.started_at = found.started_at
        keeper.ended_at = found.ended_at
        keeper.peak_celsius = found.peak_celsius
        keeper.minutes_out_of_range = round(found.minutes_out_of_range, 2)
        current.append((keeper, grew))
    for excursion in stored:
        if excursion.id not in used:
            # Late in-range readings show that there was no excursion: the milk it held stays
            # held until the charge nurse decides, and the excursion says why.
            excursion.withdrawn_at = unit.now
    session.flush()
    for excursion, grew in current:
        if grew:
            hold_contents(session, unit, excursion)
        else:
            _reword_holds(excursion, unit)
    return [excursion for excursion, _ in current]


def _merge_into(session: Session, other: Excursion, keeper: Excursion) -> None:
    """Late readings joined two excursions into one: the second's holds move to the first."""
    kept = {hold.container_id for hold in keeper.holds}
    for hold in list(other.holds):
        if hold.container_id in kept:
            session.delete(hold)
        else:
            hold.excursion = keeper
    session.flush()
    session.delete(other)


def _subtree_codes(session: Session, location: StorageLocation) -> list[str]:
    codes, frontier = [location.code], [location.id]
    while frontier:
        rows = session.execute(
            select(StorageLocation.id, StorageLocation.code).where(
                StorageLocation.parent_id.in_(frontier)
            )
        ).all()
        frontier = [row.id for row in rows]
        codes.extend(row.code for row in rows)
    return codes


def stays(events: Iterable[ContainerEvent]) -> list[tuple[str, dt.datetime, dt.datetime | None]]:
    """Where a container was, from when until when (None: it is still there), by its events."""
    result: list[tuple[str, dt.datetime, dt.datetime | None]] = []
    here: tuple[str, dt.datetime] | None = None
    for item in sorted(events, key=lambda e: (e.at, e.id or 0)):
        if item.type in PLACING_EVENTS and item.details.get("location"):
            if here is not None:
                result.append((here[0], here[1], item.at))
            here = (item.details["location"], item.at)
        elif item.type in LEAVING_EVENTS and here is not None:
            result.append((here[0], here[1], item.at))
            here = None
    if here is not None:
        result.append((here[0], here[1], None))
    return result


def was_there(
    events: Iterable[ContainerEvent], codes: Iterable[str], start: dt.datetime, end: dt.datetime
) -> bool:
    """Whether the container was in one of these places at any time from start to end."""
    places = set(codes)
    return any(
        place in places and since <= end and (until is None or until > start)
        for place, since, until in stays(events)
    )


def hold_reason(excursion: Excursion, unit: NicuUnit) -> str:
    zone = unit.zone
    start = excursion.started_at.astimezone(zone)
    if excursion.ended_at is None:
        span = f"out of range since {start:%d %b %H:%M}"
    else:
        span = f"out of range {start:%d %b %H:%M} to {excursion.ended_at.astimezone(zone):%H:%M}"
    location = excursion.location
    return (
        f"Temperature excursion in {location.name} ({location.code}): {span}, "
        f"peak {excursion.peak_celsius:.1f} °C. Keep it until the charge nurse decides."
    )


def hold_contents(session: Session, unit: NicuUnit, excursion: Excursion) -> int:
    """Hold every container that was in the unit during the excursion; gives how many were new."""
    codes = _subtree_codes(session, excursion.location)
    end = excursion.ended_at or unit.now
    reason = _reword_holds(excursion, unit)
    already = {hold.container_id: hold for hold in excursion.holds}
    candidates = session.scalars(
        select(ContainerEvent.container_id)
        .where(
            ContainerEvent.type.in_(PLACING_EVENTS),
            ContainerEvent.details["location"].as_string().in_(codes),
            ContainerEvent.at <= end,
        )
        .distinct()
    ).all()
    new = 0
    for container_id in sorted(set(candidates) - set(already)):
        container = session.get(Container, container_id)
        if was_there(container.events, codes, excursion.started_at, end):
            _hold(session, unit, excursion, container, reason)
            new += 1
    return new


def _reword_holds(excursion: Excursion, unit: NicuUnit) -> str:
    """The holds this excursion placed say its times and peak as they now are."""
    reason = hold_reason(excursion, unit)
    for hold in excursion.holds:
        if hold.placed and hold.action is None and hold.container.hold_reason != reason:
            hold.container.hold_reason = reason
    return reason


def _hold(session, unit: NicuUnit, excursion: Excursion, container: Container, reason: str) -> None:
    gone = container.state not in IN_INVENTORY
    placed = not gone and container.hold_reason is None
    if placed:
        container.hold_reason = reason
        container.held_at = unit.now
    session.add(
        ExcursionHold(
            excursion=excursion,
            container=container,
            held_at=unit.now,
            placed=placed,
            gone=gone,
        )
    )
    _paperwork(
        session,
        container,
        "excursion_held",
        unit.now,
        None,
        excursion=excursion.id,
        reason=reason,
        placed=placed,
        gone=gone,
    )


def _paperwork(session, container: Container, kind: str, now, user, **details) -> None:
    """An event about the milk, not something done to it: it sets no container's last event,
    so a nurse may still record a thaw at 14:05 after a hold at 14:10."""
    record = ContainerEvent(
        type=kind, at=now, recorded_at=now, user_id=user.id if user else None, details=details
    )
    container.events.append(record)
    session.add(record)


def refuse_release_of_excursion_hold(session: Session, container: Container) -> None:
    """A container's own release may not lift a hold an excursion put there: a decision does."""
    pending = session.scalars(
        select(ExcursionHold).where(
            ExcursionHold.container_id == container.id,
            ExcursionHold.placed.is_(True),
            ExcursionHold.action.is_(None),
        )
    ).first()
    if pending is not None:
        raise Conflict(
            "EXCURSION_HOLD",
            f"Container {container.code} is held by a temperature excursion in "
            f"{pending.excursion.location.name}. The charge nurse decides on it: release, "
            "discard or thawed, under Fridges & freezers.",
        )


def excursions_since(
    session: Session, location: StorageLocation, since: dt.datetime
) -> list[Excursion]:
    """The unit's excursions that lasted at or after `since`: milk put there then was there
    during them (a move recorded late may be in the past)."""
    top = location.storage_unit
    return list(
        session.scalars(
            select(Excursion)
            .where(
                Excursion.location_id == top.id,
                Excursion.withdrawn_at.is_(None),
                or_(Excursion.ended_at.is_(None), Excursion.ended_at > since),
            )
            .order_by(Excursion.started_at)
        )
    )


_WATCHING: list = []


def watch_moves(unit_for) -> None:
    """Hold milk put into a unit while an excursion there lasts, whatever put it there.

    Every receipt, move, thaw, split and combine records an event naming the place; before
    such an event is written, an excursion in that unit lasting at or after the event's time
    holds the container too (so does one that ended, when the move is recorded late).
    Installed once per process (every app shares SQLAlchemy's Session class).
    """
    if _WATCHING:
        _WATCHING[0] = unit_for
        return
    _WATCHING.append(unit_for)

    @event.listens_for(Session, "before_flush")
    def _hold_milk_moved_into_an_excursion(session, _context, _instances):
        placing = [
            item
            for item in session.new
            if isinstance(item, ContainerEvent)
            and item.type in PLACING_EVENTS
            and item.details.get("location")
        ]
        if not placing:
            return
        with session.no_autoflush:
            for item in placing:
                location = session.scalars(
                    select(StorageLocation).where(StorageLocation.code == item.details["location"])
                ).first()
                if location is None:
                    continue
                container = item.container
                if container is None:
                    continue
                for excursion in excursions_since(session, location, item.at):
                    if container.id is not None and any(
                        hold.container_id == container.id for hold in excursion.holds
                    ):
                        continue
                    unit = _WATCHING[0]()
                    _hold(session, unit, excursion, container, hold_reason(excursion, unit))


# --- decisions -----------------------------------------------------------------------------------


def get_excursion(session: Session, excursion_id: int) -> Excursion:
    excursion = session.get(Excursion, excursion_id)
    if excursion is None:
        raise NotFound("UNKNOWN_EXCURSION", f"No temperature excursion number {excursion_id}.")
    return excursion


def decide(
    session: Session,
    unit: NicuUnit,
    user: User,
    excursion: Excursion,
    action: str,
    reason: str,
    codes: Sequence[str] | None = None,
    location: StorageLocation | None = None,
) -> Excursion:
    """The charge nurse's decision on milk the excursion held: release, discard or thawed."""
    require_charge_nurse(user)
    if action not in EXCURSION_ACTIONS:
        raise InvalidInput("INVALID_ACTION", f"action is one of {', '.join(EXCURSION_ACTIONS)}.")
    held = {hold.container.code: hold for hold in excursion.holds if not hold.gone}
    if codes:
        targets = []
        for code in codes:
            read = container_codes.read_scan(code)
            hold = held.get(read.container or read.text)
            if hold is None:
                raise InvalidInput(
                    "NOT_HELD_BY_EXCURSION",
                    f"Container {read.text} was not held by this excursion. Check the code.",
                )
            targets.append(hold)
        if len({hold.id for hold in targets}) != len(targets):
            raise InvalidInput("DUPLICATE_CODES", "Each container is listed once.")
    else:
        targets = [hold for hold in held.values() if hold.action is None]
        if not targets:
            raise Conflict(
                "NOTHING_TO_DECIDE", "Every container this excursion held already has a decision."
            )
    decided = [hold.container.code for hold in targets if hold.action is not None]
    if decided:
        raise Conflict(
            "ALREADY_DECIDED",
            f"Container {decided[0]} already has a decision on this excursion.",
        )
    if action == "thawed":
        if excursion.location.kind not in FREEZERS:
            raise Conflict(
                "NOT_A_FREEZER",
                f"{excursion.location.name} is a {excursion.location.kind}: only milk from a "
                "freezer can be treated as thawed.",
            )
        if location is None:
            raise InvalidInput(
                "LOCATION_REQUIRED",
                "Say which refrigerator the thawed milk goes to (location_code).",
            )
        if location.kind != "refrigerator":
            raise InvalidInput(
                "NOT_A_REFRIGERATOR",
                f"{location.path} is not a refrigerator: thawed milk is kept in one, "
                "and never refrozen.",
            )
    elif location is not None:
        raise InvalidInput("LOCATION_NOT_USED", "location_code is only given with thawed.")
    for hold in sorted(targets, key=lambda hold: hold.container.code):
        container = find_container(session, hold.container.code, lock=True)
        if action == "thawed":
            if container.state != "frozen":
                raise Conflict(
                    "NOT_FROZEN",
                    f"Container {container.code} is {container.state}, not frozen; "
                    "release or discard it instead.",
                )
            _thaw_from(session, unit, user, container, location, excursion.started_at)
        hold.action = action
        hold.decided_at = unit.now
        hold.decided_by = user
        hold.decision_reason = reason
        _lift(session, unit, hold)
        _paperwork(
            session,
            container,
            "excursion_decision",
            unit.now,
            user,
            excursion=excursion.id,
            action=action,
            reason=reason,
        )
        if action == "discard":
            discard(session, unit, user, container, reason)
        _audit(session, user, unit.now, excursion, hold, reason)
    session.flush()
    return excursion


def _thaw_from(session, unit: NicuUnit, user, container, fridge, started_at) -> None:
    when = event_time(None, unit.now, container.last_event_at)
    step = Thawed(at=when, storage_class=fridge.kind, counted_from=started_at)
    expiry = expiry_with(container, unit.policy, [step])
    container.location = fridge
    _record(
        session,
        container,
        "thawed",
        when,
        user,
        unit.now,
        **_storage(fridge),
        counted_from=step.counted_from.isoformat(),
    )
    apply_expiry(container, expiry, unit.fingerprint)


def _lift(session: Session, unit: NicuUnit, hold: ExcursionHold) -> None:
    """Lift this excursion's hold: the container's own hold stays; another pending
    excursion's hold takes its place."""
    if not hold.placed:
        return
    container = hold.container
    other = session.scalars(
        select(ExcursionHold).where(
            ExcursionHold.container_id == container.id,
            ExcursionHold.id != hold.id,
            ExcursionHold.action.is_(None),
            ExcursionHold.gone.is_(False),
        )
    ).first()
    hold.placed = False
    if other is not None:
        other.placed = True
        container.hold_reason = hold_reason(other.excursion, unit)
        container.held_at = unit.now
    else:
        container.hold_reason = None
        container.held_at = None


def _audit(session, user, now, excursion, hold, reason) -> None:
    """Each decision on held milk goes on the unit's audit trail: who, when, what and why."""
    audit.record(
        session,
        user,
        "excursion.decision",
        f"container {hold.container.code}",
        {"excursion": excursion.id, "action": hold.action, "reason": reason},
        occurred_at=now,
    )


def list_excursions(session: Session, *, open_only: bool) -> list[Excursion]:
    query = select(Excursion).order_by(Excursion.started_at.desc())
    if open_only:
        pending = select(ExcursionHold.excursion_id).where(
            ExcursionHold.action.is_(None), ExcursionHold.gone.is_(False)
        )
        query = query.where(
            or_(
                and_(Excursion.ended_at.is_(None), Excursion.withdrawn_at.is_(None)),
                Excursion.id.in_(pending),
            )
        )
    return list(session.scalars(query))


def feeds_during(session: Session, excursion: Excursion) -> list[Feed]:
    """Feeds from milk the excursion concerned, so that the babies concerned are known."""
    ids = [hold.container_id for hold in excursion.holds]
    if not ids:
        return []
    return list(
        session.scalars(
            select(Feed)
            .where(Feed.container_id.in_(ids), Feed.at >= excursion.started_at)
            .order_by(Feed.at)
        )
    )


# --- the state of each unit, for pages and the sign-off ------------------------------------------


@dataclass
class UnitState:
    location: StorageLocation
    sensor_id: str | None
    limits: ColdChainLimits
    status: ColdChainStatus
    series: list[tuple[dt.datetime, float]]
    since_sign_off: tuple[float | None, float | None]
    last_sign_off: SignOff | None
    open_excursions: list[Excursion]

    @property
    def alarm(self) -> str:
        if any(e.ended_at is None for e in self.open_excursions):
            return "EXCURSION"
        if self.open_excursions:
            return "DECISION_NEEDED"
        codes = [alarm.code for alarm in self.status.alarms]
        if not _has_limits(self.limits):
            return "NO_LIMITS"
        return codes[0] if codes else "OK"


def storage_units(session: Session) -> list[StorageLocation]:
    return list(
        session.scalars(
            select(StorageLocation)
            .where(StorageLocation.parent_id.is_(None), StorageLocation.kind != "room")
            .order_by(StorageLocation.code)
        )
    )


def unit_state(
    session: Session, unit: NicuUnit, location: StorageLocation, hours: float = 24
) -> UnitState:
    limits = limits_for(unit, location)
    since = unit.now - dt.timedelta(hours=hours)
    series = [
        (row.at, row.celsius)
        for row in session.execute(
            _readings_of(session, location)
            .where(SensorReading.at >= since, SensorReading.at <= unit.now + FUTURE_TOLERANCE)
            .order_by(SensorReading.at)
        )
    ]
    latest = session.execute(
        _readings_of(session, location).order_by(SensorReading.at.desc()).limit(1)
    ).first()
    window = series if latest is None else [*series, (latest.at, latest.celsius)]
    status = detect_excursions(window, limits, unit.now)
    last_sign_off = session.scalars(
        select(SignOff).where(SignOff.location_id == location.id).order_by(SignOff.at.desc())
    ).first()
    return UnitState(
        location=location,
        sensor_id=current_sensor(session, location),
        limits=limits,
        status=status,
        series=series,
        since_sign_off=_min_max(session, location, last_sign_off.at if last_sign_off else since),
        last_sign_off=last_sign_off,
        open_excursions=[
            excursion
            for excursion in list_excursions(session, open_only=True)
            if excursion.location_id == location.id
        ],
    )


def _min_max(session, location, since: dt.datetime) -> tuple[float | None, float | None]:
    readings = _readings_of(session, location).where(SensorReading.at > since).subquery()
    row = session.execute(select(func.min(readings.c.celsius), func.max(readings.c.celsius))).one()
    return row[0], row[1]


def sign_off(session: Session, unit: NicuUnit, user: User, location: StorageLocation) -> SignOff:
    """The twice-daily check: the minimum and maximum since the last sign-off, who and when."""
    require_staff(user)
    if location.parent_id is not None or location.kind == "room":
        raise InvalidInput(
            "NOT_A_STORAGE_UNIT", f"{location.path} is not a fridge or freezer to sign off."
        )
    last = session.scalars(
        select(SignOff).where(SignOff.location_id == location.id).order_by(SignOff.at.desc())
    ).first()
    since = last.at if last else unit.now - dt.timedelta(hours=12)
    low, high = _min_max(session, location, since)
    record = SignOff(
        location_id=location.id, at=unit.now, user_id=user.id, min_celsius=low, max_celsius=high
    )
    session.add(record)
    session.flush()
    return record


# --- what the charge nurse sees first ------------------------------------------------------------


@dataclass
class Alert:
    """An open excursion, or a unit whose sensor has gone quiet (NO_DATA), and the babies whose
    milk it concerns."""

    kind: str  # EXCURSION or NO_DATA
    location: StorageLocation
    since: dt.datetime | None
    excursion: Excursion | None
    babies: list


def alerts(session: Session, unit: NicuUnit) -> list[Alert]:
    from .storage import contents

    found: list[Alert] = []
    for excursion in list_excursions(session, open_only=True):
        babies = {hold.container.infant.id: hold.container.infant for hold in excursion.holds}
        found.append(
            Alert(
                "EXCURSION",
                excursion.location,
                excursion.started_at,
                excursion,
                sorted(babies.values(), key=lambda baby: baby.last_name),
            )
        )
    for place in storage_units(session):
        if current_sensor(session, place) is None:
            continue
        limits = limits_for(unit, place)
        latest = session.scalar(
            _readings_of(session, place).with_only_columns(func.max(SensorReading.at))
        )
        if latest is None or unit.now - latest >= limits.no_data_after:
            babies = {c.infant.id: c.infant for c in contents(session, place)}
            found.append(
                Alert(
                    "NO_DATA",
                    place,
                    latest,
                    None,
                    sorted(babies.values(), key=lambda baby: baby.last_name),
                )
            )
    return found


# --- the excursion report ------------------------------------------------------------------------


def excursion_report_pdf(session: Session, unit: NicuUnit, excursion: Excursion) -> bytes:
    """The excursion's record as a PDF: times, peak, plot with the limits, every bottle and the
    decision on it (after the CDC's Troubleshooting Record)."""
    from ..printing.excursion_report import BottleRow, ExcursionReport, FeedRow
    from ..printing.excursion_report import excursion_report_pdf as render

    place = excursion.location
    limits = limits_for(unit, place)
    end = excursion.ended_at or unit.now
    margin = max((end - excursion.started_at) / 4, dt.timedelta(hours=1))
    readings = [
        (row.at, row.celsius)
        for row in session.execute(
            _readings_of(session, place)
            .where(
                SensorReading.at >= excursion.started_at - margin,
                SensorReading.at <= end + margin,
            )
            .order_by(SensorReading.at)
        )
    ]
    zone = unit.zone
    bottles = []
    for hold in excursion.holds:
        container = hold.container
        if hold.action is not None:
            who = hold.decided_by.display_name or hold.decided_by.username
            decision = (
                f"{hold.action} by {who}, {hold.decided_at.astimezone(zone):%d %b %H:%M}: "
                f"{hold.decision_reason}"
            )
        elif hold.gone:
            decision = f"{container.state} before the excursion was known"
        else:
            decision = "ON HOLD: no decision yet"
        bottles.append(
            BottleRow(
                container.code,
                f"{container.infant.full_name} (MRN {container.infant.mrn})",
                container.state,
                decision,
            )
        )
    report = ExcursionReport(
        unit=f"{place.name} ({place.code}), {place.kind.replace('_', ' ')}",
        range_text=limits.range_text(),
        low=limits.min_celsius,
        high=limits.max_celsius,
        started_at=excursion.started_at,
        ended_at=excursion.ended_at,
        peak_celsius=excursion.peak_celsius,
        minutes_out_of_range=excursion.minutes_out_of_range,
        readings=readings,
        bottles=bottles,
        feeds=[
            FeedRow(
                feed.at,
                f"{feed.infant.full_name} (MRN {feed.infant.mrn})",
                feed.container.code,
                float(feed.volume_ml),
            )
            for feed in feeds_during(session, excursion)
        ],
        withdrawn=excursion.withdrawn_at is not None,
    )
    return render(report, unit.name, unit.now, zone)
