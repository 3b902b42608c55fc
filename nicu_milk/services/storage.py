"""The container ledger: issue codes, store, thaw, fortify, hold, split, combine, discard.

Every change appends an event and refreshes the cached expiry and state in the same
transaction; the expiry itself is always computed by nicu_milk.policy from the history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from .. import codes, formatting, vocabulary
from ..errors import Conflict, InvalidInput, NotFound
from ..identifiers import require_identifier, require_name
from ..models import (
    IN_INVENTORY,
    ON_HAND,
    Container,
    ContainerEvent,
    Counter,
    Infant,
    Setting,
    StorageLocation,
    User,
)
from ..policy import (
    Expiry,
    FeedingBegun,
    Fortified,
    LifecycleError,
    Limit,
    MilkHistory,
    Policy,
    Stored,
    Thawed,
    compute_expiry,
)
from ..usable import why_not_usable
from . import audit
from .common import (
    REASON_MAX,
    NicuUnit,
    event_time,
    parent_may_see,
    require_kcal,
    require_text,
    require_volume,
)

# A bottle splits into at most this many portions (api-v1.md).
MAX_PORTIONS = 20

# Events that record what happened to the milk, as opposed to paperwork about it. Only these
# order late documentation: a label printed at 14:20 does not stop a nurse recording a 14:05 thaw.
ADMINISTRATIVE_EVENTS = frozenset({"label_printed", "mother_held", "mother_released"})
# A gone container is refused with its state as the code: CONSUMED, DISCARDED, RETURNED.
GONE = {state: state.upper() for state in vocabulary.GONE}


# --- codes ----------------------------------------------------------------------------------


def allocate_codes(session: Session, count: int) -> list[str]:
    """Hand out `count` new container codes; the counter row is the only point of contention."""
    last = session.execute(
        update(Counter)
        .where(Counter.name == "container")
        .values(value=Counter.value + count)
        .returning(Counter.value)
    ).scalar_one_or_none()
    if last is None:
        session.add(Counter(name="container", value=count))
        session.flush()
        last = count
    return [codes.container_code(serial) for serial in range(last - count + 1, last + 1)]


# --- lookups --------------------------------------------------------------------------------


def find_container(session: Session, code: str, *, lock: bool = False) -> Container | None:
    query = (
        select(Container)
        .options(
            joinedload(Container.infant),
            joinedload(Container.mother),
            joinedload(Container.location),
        )
        .where(Container.code == code)
    )
    if lock:
        # Serialises work on one bottle (feeds above all) across workers and servers. The row is
        # locked alone, then read whole: when a locking SELECT on PostgreSQL has waited for
        # another transaction, it re-reads only the locked row, and an outer-joined location that
        # the other transaction changed (a move) comes back as none.
        session.execute(select(Container.id).where(Container.code == code).with_for_update())
        query = query.execution_options(populate_existing=True)
    return session.scalars(query).first()


def container_for(session: Session, user: User, code: str, *, lock: bool = False) -> Container:
    """The container with this code as this user may see it; another family's is unknown."""
    read = codes.read_scan(code)
    # Looked up by the code as parsed (upper case), never by the text as sent.
    container = find_container(session, read.container, lock=lock) if read.container else None
    if container is None or (
        not user.is_staff and not parent_may_see(session, user, container.infant_id)
    ):
        raise NotFound("UNKNOWN_BOTTLE", f"No milk container with code {read.text!r} is on record.")
    return container


def lock_all(session: Session, user: User, code_list: Sequence[str]) -> list[Container]:
    # Lock in code order so that two combines of overlapping bottles cannot deadlock.
    parsed = [codes.parse_container_code(code) or code for code in code_list]
    if len(set(parsed)) != len(parsed):
        raise InvalidInput("DUPLICATE_CODES", "Each container is listed once.")
    found = {code: container_for(session, user, code, lock=True) for code in sorted(set(parsed))}
    return [found[code] for code in parsed]


# --- expiry ---------------------------------------------------------------------------------


def _limit_to_json(limit: Limit) -> dict:
    return {
        "rule": limit.rule,
        "counted_from": limit.counted_from.isoformat() if limit.counted_from else None,
        "expires_at": limit.expires_at.isoformat(),
    }


def _limit_from_json(data: dict) -> Limit:
    counted_from = data.get("counted_from")
    return Limit(
        rule=data["rule"],
        counted_from=dt.datetime.fromisoformat(counted_from) if counted_from else None,
        expires_at=dt.datetime.fromisoformat(data["expires_at"]),
    )


def steps_of(events: Iterable[ContainerEvent]) -> list:
    """The steps of a container's history that bear on its expiry, in order."""
    steps: list = []
    fed = False
    for event in events:
        storage_class = event.details.get("storage_class")
        if event.type in ("received", "moved", "split_from", "combined_from"):
            steps.append(Stored(at=event.at, storage_class=storage_class))
        elif event.type == "thawed":
            counted_from = event.details.get("counted_from")
            steps.append(
                Thawed(
                    at=event.at,
                    storage_class=storage_class,
                    counted_from=dt.datetime.fromisoformat(counted_from) if counted_from else None,
                )
            )
        elif event.type == "fortified":
            steps.append(Fortified(at=event.at))
        elif event.type == "fed" and not fed:
            fed = True
            steps.append(FeedingBegun(at=event.at))
    return steps


def history_of(container: Container, extra_steps: Sequence = ()) -> MilkHistory:
    return MilkHistory(
        milk_type=container.milk_type,
        expressed_at=container.expressed_at,
        donor_expires_at=container.donor_expires_at,
        steps=tuple(steps_of(container.events)) + tuple(extra_steps),
        inherited=tuple(_limit_from_json(item) for item in container.inherited_limits or ()),
        inherited_state=container.inherited_state,
    )


def expiry_with(container: Container, policy: Policy, extra_steps: Sequence = ()) -> Expiry:
    """The expiry the container would have after these steps; refused transitions are 409s."""
    try:
        return compute_expiry(history_of(container, extra_steps), policy)
    except LifecycleError as refused:
        raise Conflict(refused.code, refused.message) from None


def apply_expiry(container: Container, expiry: Expiry, policy_fingerprint: str) -> None:
    container.expires_at = expiry.expires_at
    container.expiry_rule = expiry.limit.rule
    container.expiry_from = expiry.limit.counted_from
    container.policy_fingerprint = policy_fingerprint
    if container.state in ON_HAND:
        container.state = expiry.state


def binding_limit(container: Container) -> Limit | None:
    if container.expires_at is None or container.expiry_rule is None:
        return None
    return Limit(
        rule=container.expiry_rule,
        counted_from=container.expiry_from,
        expires_at=container.expires_at,
    )


def expiry_reason(container: Container, policy: Policy) -> str | None:
    limit = binding_limit(container)
    return limit.reason(policy) if limit else None


def recompute(container: Container, policy: Policy, fingerprint: str) -> None:
    """Recompute a stored container's cached expiry, after the policy file changed."""
    if container.state in ON_HAND:
        apply_expiry(container, expiry_with(container, policy), fingerprint)


# --- events ---------------------------------------------------------------------------------


def _record(
    session: Session,
    container: Container,
    event_type: str,
    at: dt.datetime,
    user: User | None,
    now: dt.datetime,
    **details,
) -> ContainerEvent:
    event = ContainerEvent(
        type=event_type, at=at, recorded_at=now, user_id=user.id if user else None, details=details
    )
    container.events.append(event)
    session.add(event)
    if event_type not in ADMINISTRATIVE_EVENTS:
        container.last_event_at = at
    return event


def _when(container: Container, at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    return event_time(at, now, container.last_event_at)


def _require_in_inventory(container: Container, *, received: bool = True) -> None:
    if container.state in GONE:
        raise Conflict(
            "NOT_IN_INVENTORY",
            f"Container {container.code} is {container.state}; "
            "it is no longer in the unit's stock.",
        )
    if received and container.state == "reserved":
        raise Conflict(
            "NOT_RECEIVED",
            f"Container {container.code} is a reserved label that has not been received yet. "
            "Receive it first.",
        )


def _require_usable_stock(container: Container, now: dt.datetime) -> None:
    """For splitting and combining: milk that could still be fed (nicu_milk.usable's rule)."""
    _require_in_inventory(container)
    why = why_not_usable(
        state=container.state,
        held=container.held,
        expires_at=container.expires_at,
        donor_milk=container.milk_type == "DHM",
        consent=None,
        now=now,
    )
    if why == "FROZEN":
        raise Conflict("FROZEN", f"Container {container.code} is frozen. Thaw it first.")
    if why == "HELD":
        raise Conflict("HELD", f"Container {container.code} is on hold and cannot be used.")
    if why == "EXPIRED" and container.expires_at is None:
        raise Conflict(
            "EXPIRED",
            f"Container {container.code} has no expiry on record, so it cannot be shown to be "
            "safe. Take it to the charge nurse.",
        )
    if why == "EXPIRED":
        raise Conflict("EXPIRED", f"Container {container.code} has expired. Discard it.")
    if why is not None:  # not in stock: refused above, kept here should the rule grow
        raise Conflict(why, f"Container {container.code} cannot be used ({why}).")


def _storage(location: StorageLocation) -> dict:
    return {"location": location.code, "storage_class": location.kind}


# --- storage --------------------------------------------------------------------------------


def move(
    session: Session,
    unit: NicuUnit,
    user: User,
    container: Container,
    location: StorageLocation,
    at: dt.datetime | None,
) -> Container:
    _require_in_inventory(container)
    when = _when(container, at, unit.now)
    expiry = expiry_with(container, unit.policy, [Stored(at=when, storage_class=location.kind)])
    before = container.state
    container.location = location
    _record(
        session,
        container,
        "moved",
        when,
        user,
        unit.now,
        **_storage(location),
        **({"froze": True} if before == "fresh" and expiry.state == "frozen" else {}),
    )
    apply_expiry(container, expiry, unit.fingerprint)
    return container


def thaw(
    session: Session,
    unit: NicuUnit,
    user: User,
    container: Container,
    location: StorageLocation,
    at: dt.datetime | None,
) -> Container:
    _require_in_inventory(container)
    when = _when(container, at, unit.now)
    expiry = expiry_with(container, unit.policy, [Thawed(at=when, storage_class=location.kind)])
    container.location = location
    _record(session, container, "thawed", when, user, unit.now, **_storage(location))
    apply_expiry(container, expiry, unit.fingerprint)
    return container


def fortify(
    session: Session,
    unit: NicuUnit,
    user: User,
    container: Container,
    product: str,
    kcal_per_oz: Decimal | None,
    at: dt.datetime | None,
) -> Container:
    require_name("The product", product)
    if kcal_per_oz is not None:
        kcal_per_oz = require_kcal(kcal_per_oz)
    _require_in_inventory(container)
    when = _when(container, at, unit.now)
    expiry = expiry_with(container, unit.policy, [Fortified(at=when)])
    container.fortifier = product
    container.kcal_per_oz = kcal_per_oz
    _record(
        session,
        container,
        "fortified",
        when,
        user,
        unit.now,
        product=product,
        kcal_per_oz=float(kcal_per_oz) if kcal_per_oz is not None else None,
    )
    apply_expiry(container, expiry, unit.fingerprint)
    return container


def hold(
    session: Session, unit: NicuUnit, user: User, container: Container, reason: str
) -> Container:
    require_text("The reason", reason, REASON_MAX)
    _require_in_inventory(container, received=False)
    if container.hold_reason is not None:
        raise Conflict("ALREADY_HELD", f"Container {container.code} is already on hold.")
    container.hold_reason = reason
    container.held_at = unit.now
    _record(
        session, container, "held", _when(container, None, unit.now), user, unit.now, reason=reason
    )
    return container


def release(session: Session, unit: NicuUnit, user: User, container: Container) -> Container:
    if container.hold_reason is None:
        raise Conflict("NOT_HELD", f"Container {container.code} has no hold of its own to release.")
    from .coldchain import refuse_release_of_excursion_hold

    refuse_release_of_excursion_hold(session, container)
    reason, container.hold_reason, container.held_at = container.hold_reason, None, None
    _record(
        session,
        container,
        "released",
        _when(container, None, unit.now),
        user,
        unit.now,
        hold_reason=reason,
    )
    return container


def discard(
    session: Session, unit: NicuUnit, user: User, container: Container, reason: str
) -> Container:
    require_text("The reason", reason, REASON_MAX)
    _require_in_inventory(container, received=False)
    _finish(session, unit, user, container, "discarded", reason=reason)
    return container


# What the family's discharge list says beside milk that is not sent home.
EXPIRED_NOTE = "EXPIRED: will be discarded"
DONOR_NOTE = "DONOR MILK: stays with the hospital"


def return_refusal(container: Container, now: dt.datetime) -> Conflict | None:
    """Why this milk may not go home with the family, or None when it may.

    Expired milk is never returned (it is discarded in the unit), and donor milk belongs to
    the hospital's milk bank. The discharge list and the return action both ask this.
    """
    if container.milk_type == "DHM":
        return Conflict(
            "DONOR_MILK",
            f"Container {container.code} is donor milk: it belongs to the hospital's milk bank "
            "and is not sent home. Discard it or give it back to the milk room.",
        )
    if container.expires_at is None or now >= container.expires_at:
        return Conflict(
            "EXPIRED",
            f"Container {container.code} has expired and is never sent home. Discard it, and "
            "tell the family it will be discarded.",
        )
    return None


def return_to_family(
    session: Session, unit: NicuUnit, user: User, container: Container
) -> Container:
    _require_in_inventory(container)
    refusal = return_refusal(container, unit.now)
    if refusal is not None:
        raise refusal
    _finish(session, unit, user, container, "returned")
    return container


def _finish(session, unit: NicuUnit, user, container: Container, state: str, **details) -> None:
    container.state = state
    _record(session, container, state, _when(container, None, unit.now), user, unit.now, **details)


def mark_printed(
    session: Session, unit: NicuUnit, user: User, container: Container, how: str
) -> None:
    _record(session, container, "label_printed", unit.now, user, unit.now, output=how)


# --- split and combine ----------------------------------------------------------------------


def _child(
    session,
    unit: NicuUnit,
    user,
    code: str,
    source: Container,
    *,
    volume: Decimal,
    parents: list[Container],
    location: StorageLocation,
    event_type: str,
    when: dt.datetime,
    inherited: list[Limit],
    state: str,
    **fields,
) -> Container:
    child = Container(
        code=code,
        infant=source.infant,
        mother=source.mother,
        milk_type=source.milk_type,
        volume_ml=volume,
        remaining_ml=volume,
        state=state,
        location=location,
        received_at=when,
        created_at=unit.now,
        inherited_limits=[_limit_to_json(limit) for limit in inherited],
        inherited_state=state,
        **fields,
    )
    child.parents.extend(parents)
    session.add(child)
    expiry = expiry_with(child, unit.policy, [Stored(at=when, storage_class=location.kind)])
    _record(
        session,
        child,
        event_type,
        when,
        user,
        unit.now,
        parents=[p.code for p in parents],
        **_storage(location),
    )
    apply_expiry(child, expiry, unit.fingerprint)
    return child


def split(
    session: Session, unit: NicuUnit, user: User, container: Container, volumes: Sequence[Decimal]
) -> list[Container]:
    if not 1 <= len(volumes) <= MAX_PORTIONS:
        raise InvalidInput("INVALID_VOLUME", f"Give between 1 and {MAX_PORTIONS} portions.")
    volumes = [require_volume(volume, "Each portion") for volume in volumes]
    _require_usable_stock(container, unit.now)
    total = sum(volumes, Decimal(0))
    if total > container.remaining_ml:
        raise InvalidInput(
            "VOLUME_EXCEEDS_REMAINING",
            f"The portions add up to {formatting.ml(total)} but only "
            f"{formatting.ml(container.remaining_ml)} remain.",
        )
    when = _when(container, None, unit.now)
    limits = list(expiry_with(container, unit.policy).limits)
    children = [
        _child(
            session,
            unit,
            user,
            code,
            container,
            volume=volume,
            parents=[container],
            location=container.location,
            event_type="split_from",
            when=when,
            inherited=limits,
            state=container.state,
            donor_lot=container.donor_lot,
            donor_product_code=container.donor_product_code,
            donor_expires_at=container.donor_expires_at,
            colostrum=container.colostrum,
            medications=container.medications,
            expressed_at=container.expressed_at,
            fortifier=container.fortifier,
            kcal_per_oz=container.kcal_per_oz,
        )
        for code, volume in zip(allocate_codes(session, len(volumes)), volumes, strict=True)
    ]
    container.remaining_ml -= total
    _record(
        session,
        container,
        "split_into",
        when,
        user,
        unit.now,
        children=[child.code for child in children],
        volume_ml=float(total),
    )
    if container.remaining_ml == 0:
        _finish(session, unit, user, container, "consumed", by="split")
    return children


def combine(
    session: Session,
    unit: NicuUnit,
    user: User,
    sources: list[Container],
    location: StorageLocation,
) -> Container:
    if len({source.infant_id for source in sources}) > 1:
        raise Conflict(
            "MIXED_INFANTS",
            "These containers belong to different babies and must never be combined.",
        )
    if len({source.milk_type for source in sources}) > 1:
        raise Conflict(
            "MIXED_MILK_TYPES",
            "Mother's own milk and donor milk are not combined; keep them separate.",
        )
    if len({source.donor_lot for source in sources}) > 1:
        raise Conflict(
            "MIXED_DONOR_LOTS",
            "Donor milk from different lots is not pooled, so that each lot stays traceable.",
        )
    for source in sources:
        _require_usable_stock(source, unit.now)
        if source.fortifier:
            raise Conflict(
                "FORTIFIED",
                f"Container {source.code} is fortified; combine milk before fortifying.",
            )
    when = event_time(None, unit.now, max(source.last_event_at for source in sources))
    limits = [limit for source in sources for limit in expiry_with(source, unit.policy).limits]
    medications = sorted({source.medications for source in sources if source.medications})
    donor_expiries = [s.donor_expires_at for s in sources if s.donor_expires_at is not None]
    [code] = allocate_codes(session, 1)
    child = _child(
        session,
        unit,
        user,
        code,
        sources[0],
        volume=sum((source.remaining_ml for source in sources), Decimal(0)),
        parents=sources,
        location=location,
        event_type="combined_from",
        when=when,
        inherited=limits,
        state="thawed" if any(source.state == "thawed" for source in sources) else "fresh",
        donor_lot=sources[0].donor_lot,
        donor_expires_at=min(donor_expiries, default=None),
        donor_product_code=sources[0].donor_product_code,
        colostrum=all(source.colostrum for source in sources),
        medications="; ".join(medications) or None,
        expressed_at=min(source.expressed_at for source in sources),
    )
    for source in sources:
        _record(
            session,
            source,
            "combined_into",
            when,
            user,
            unit.now,
            child=child.code,
            volume_ml=float(source.remaining_ml),
        )
        source.remaining_ml = Decimal(0)
        _finish(session, unit, user, source, "consumed", by="combine")
    return child


# --- places ---------------------------------------------------------------------------------


def get_location(session: Session, code: str) -> StorageLocation:
    location = session.scalars(
        select(StorageLocation).where(StorageLocation.code == code.strip())
    ).first()
    if location is None:
        raise NotFound("UNKNOWN_LOCATION", f"No storage location with code {code.strip()!r}.")
    return location


def create_location(
    session: Session, code: str, name: str, kind: str | None, parent_code: str | None
) -> StorageLocation:
    # Its code goes into a barcode, an address and a file name: one strict format.
    require_identifier("The location code", code, "INVALID_CODE")
    require_name("The location's name", name)
    if session.scalars(select(StorageLocation).where(StorageLocation.code == code)).first():
        raise Conflict("DUPLICATE_LOCATION", f"A location with code {code!r} already exists.")
    if parent_code is None:
        if kind is None:
            raise InvalidInput(
                "KIND_REQUIRED",
                "A top-level location needs a kind: refrigerator, freezer, deep_freezer or room.",
            )
        location = StorageLocation(code=code, name=name, kind=kind)
    else:
        try:
            parent = get_location(session, parent_code)
        except NotFound as missing:
            raise InvalidInput("UNKNOWN_PARENT", missing.message) from None
        if kind is not None and kind != parent.kind:
            raise InvalidInput(
                "KIND_INHERITED",
                f"A shelf or bin takes its kind from {parent.name} ({parent.kind}); "
                "leave kind out.",
            )
        location = StorageLocation(code=code, name=name, kind=parent.kind, parent=parent)
    session.add(location)
    session.flush()
    return location


def list_locations(session: Session) -> list[StorageLocation]:
    return list(session.scalars(select(StorageLocation).order_by(StorageLocation.code)))


def contents(session: Session, location: StorageLocation) -> list[Container]:
    """What is stored here, on this shelf and the shelves and bins below it."""
    ids, frontier = [location.id], [location.id]
    while frontier:
        frontier = list(
            session.scalars(
                select(StorageLocation.id).where(StorageLocation.parent_id.in_(frontier))
            )
        )
        ids.extend(frontier)
    return list(
        session.scalars(
            select(Container)
            .where(Container.location_id.in_(ids), Container.state.in_(IN_INVENTORY))
            .order_by(Container.expires_at, Container.code)
        )
    )


def stock_of(session: Session, infant: Infant) -> list[Container]:
    """A baby's milk still in the unit (reserved labels included), soonest expiry first."""
    return list(
        session.scalars(
            select(Container)
            .options(joinedload(Container.location).joinedload(StorageLocation.parent))
            .where(Container.infant_id == infant.id, Container.state.in_(IN_INVENTORY))
            .order_by(Container.state == "reserved", Container.expires_at, Container.code)
        )
    )


def reserved_of(session: Session, infant: Infant) -> list[Container]:
    return list(
        session.scalars(
            select(Container)
            .where(Container.infant_id == infant.id, Container.state == "reserved")
            .order_by(Container.code)
        )
    )


def expiring_of(session: Session, infant: Infant, until: dt.datetime) -> list[Container]:
    """The baby's stored milk that expires before `until` (already expired included)."""
    return list(
        session.scalars(
            select(Container)
            .where(
                Container.infant_id == infant.id,
                Container.state.in_(ON_HAND),
                Container.expires_at <= until,
            )
            .order_by(Container.expires_at, Container.code)
        )
    )


@dataclass
class HistoryLine:
    """A bottle's event with the records its details name: the place, the baby fed, the witness."""

    event: ContainerEvent
    place: StorageLocation | None
    baby: Infant | None
    witness: User | None


def history(session: Session, container: Container) -> list[HistoryLine]:
    """The bottle's events, newest first, naming places and people rather than their codes."""
    events = sorted(container.events, key=lambda event: event.id, reverse=True)
    wanted = {
        key: {event.details.get(key) for event in events} - {None}
        for key in ("location", "infant", "witness")
    }
    places = (
        {
            place.code: place
            for place in session.scalars(
                select(StorageLocation).where(StorageLocation.code.in_(wanted["location"]))
            )
        }
        if wanted["location"]
        else {}
    )
    babies = (
        {
            baby.mrn: baby
            for baby in session.scalars(select(Infant).where(Infant.mrn.in_(wanted["infant"])))
        }
        if wanted["infant"]
        else {}
    )
    witnesses = (
        {
            user.username: user
            for user in session.scalars(select(User).where(User.username.in_(wanted["witness"])))
        }
        if wanted["witness"]
        else {}
    )
    return [
        HistoryLine(
            event,
            places.get(event.details.get("location")),
            babies.get(event.details.get("infant")),
            witnesses.get(event.details.get("witness")),
        )
        for event in events
    ]


def location_choices(session: Session) -> list[tuple[str, str, str]]:
    """(code, path, kind) of every storage place, ordered by path, for pick lists."""
    places = (
        session.scalars(select(StorageLocation).options(joinedload(StorageLocation.parent)))
        .unique()
        .all()
    )
    return sorted(((p.code, p.path, p.kind) for p in places), key=lambda row: row[1].casefold())


@dataclass
class Shelf:
    location: StorageLocation
    depth: int
    containers: list[Container]


def storage_map(session: Session, location: StorageLocation) -> list[Shelf]:
    """The place and every shelf and bin below it, each with the milk it holds."""
    shelves: list[Shelf] = []

    def walk(place: StorageLocation, depth: int) -> None:
        shelves.append(Shelf(place, depth, []))
        for child in sorted(place.children, key=lambda c: (c.name.casefold(), c.code)):
            walk(child, depth + 1)

    walk(location, 0)
    by_id = {shelf.location.id: shelf for shelf in shelves}
    held = session.scalars(
        select(Container)
        .options(joinedload(Container.infant))
        .where(Container.location_id.in_(list(by_id)), Container.state.in_(IN_INVENTORY))
        .order_by(Container.expires_at, Container.code)
    )
    for container in held:
        by_id[container.location_id].containers.append(container)
    return shelves


@dataclass
class StorageUnit:
    location: StorageLocation
    containers: int
    expired: int


def storage_units(session: Session, now: dt.datetime) -> list[StorageUnit]:
    """Every top-level fridge, freezer and bedside place, with how much it holds."""
    places = list(session.scalars(select(StorageLocation)))
    top: dict[int, int] = {}
    for place in places:
        top[place.id] = place.storage_unit.id
    counts: dict[int, list[int]] = {}
    for location_id, expires_at in session.execute(
        select(Container.location_id, Container.expires_at).where(
            Container.state.in_(IN_INVENTORY), Container.location_id.is_not(None)
        )
    ):
        tally = counts.setdefault(top[location_id], [0, 0])
        tally[0] += 1
        tally[1] += expires_at is not None and expires_at <= now
    units = [place for place in places if place.parent_id is None]
    return [
        StorageUnit(place, *counts.get(place.id, [0, 0]))
        for place in sorted(units, key=lambda p: (p.name.casefold(), p.code))
    ]


# --- a new expiry policy ------------------------------------------------------------------------


def refresh_expiries(session: Session, unit: NicuUnit) -> int:
    """After a policy change, recompute the cached expiry of every container still on hand
    (the unit's policy fingerprint is kept in settings); the number recomputed."""
    stored = session.get(Setting, "policy_fingerprint")
    if stored is not None and stored.value == unit.fingerprint:
        return 0
    changed = 0
    for container in session.scalars(select(Container).where(Container.state.in_(ON_HAND))):
        if container.policy_fingerprint != unit.fingerprint:
            recompute(container, unit.policy, unit.fingerprint)
            changed += 1
    if stored is not None or changed:
        # A policy changed on a unit with records; a new database's first policy is no change
        # (and leaves it empty, ready for a restore).
        audit.record(
            session,
            audit.SYSTEM,
            "policy.applied",
            "policy",
            {
                "fingerprint": unit.fingerprint,
                "previous": stored.value if stored is not None else None,
                "recomputed": changed,
            },
        )
    if stored is None:
        session.add(Setting(key="policy_fingerprint", value=unit.fingerprint))
    else:
        stored.value = unit.fingerprint
    return changed
